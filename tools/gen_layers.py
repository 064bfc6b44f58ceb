"""The layers built on every shipped book variant: the L3 book and the matching engine.

Pure data, read by tools/gen_variants.py (which owns FAMILIES / TAPE_SIZES, the
one variant table): each entry of LAYERS says which template a layer
instantiates per (family, N), the C prototypes of one variant and the cdef-only
types. Every shipped (family, N) gets every layer, so adding a tape size is
still one entry in TAPE_SIZES plus `make gen`; adding a layer is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

L3_PROTOS = """\
TB_API int {SELF}_create({SELF} **out, {P} anchor, uint32_t max_orders, uint32_t max_cap, {POOL} *pool);
TB_API int {SELF}_create_reserved({SELF} **out, {P} anchor, uint32_t max_orders, uint32_t reserve, uint32_t max_cap, {POOL} *pool);
TB_API int {SELF}_destroy({SELF} *l);
TB_API {B} *{SELF}_book({SELF} *l);
TB_API int {SELF}_add({SELF} *l, uint64_t id, int side, {P} px, {Q} qty);
TB_API int {SELF}_cancel({SELF} *l, uint64_t id);
TB_API int {SELF}_reduce({SELF} *l, uint64_t id, {Q} qty);
TB_API int {SELF}_execute({SELF} *l, uint64_t id, {Q} qty);
TB_API int {SELF}_modify({SELF} *l, uint64_t id, {Q} qty);
TB_API int {SELF}_amend({SELF} *l, uint64_t id, {P} px, {Q} qty);
TB_API int {SELF}_replace({SELF} *l, uint64_t old_id, uint64_t new_id, {P} px, {Q} qty);
TB_API int {SELF}_clear({SELF} *l);
TB_API int {SELF}_reset({SELF} *l, {P} anchor);
TB_API int {SELF}_order({SELF} *l, uint64_t id, {ORD} *out);
TB_API int {SELF}_queue_position({SELF} *l, uint64_t id, uint64_t *orders_ahead, {Q} *qty_ahead);
TB_API int {SELF}_level_orders({SELF} *l, int side, {P} px, uint64_t *ids, {Q} *qtys, size_t k, size_t *n_out, size_t *n_level);
TB_API size_t {SELF}_count({SELF} *l);
TB_API int {SELF}_stats({SELF} *l, tb_l3_stats *out);
TB_API uint64_t {SELF}_index_key({SELF} *l);
TB_API int {SELF}_reseed({SELF} *l, uint64_t key);
TB_API int {SELF}_verify_invariants({SELF} *l);
TB_API int {SELF}_apply_mbo({SELF} *l, const uint8_t *actions, const uint64_t *ids, const uint8_t *sides, const {P} *px, const {Q} *qty, size_t n, int8_t *statuses, size_t *n_err);
TB_API int {SELF}_apply_mbo_bbo({SELF} *l, const uint8_t *actions, const uint64_t *ids, const uint8_t *sides, const {P} *px, const {Q} *qty, size_t n, int8_t *statuses, {BBO} *out, size_t *n_err);
TB_API int {SELF}_dump_size({SELF} *l, size_t *out);
TB_API int {SELF}_dump({SELF} *l, void *buf, size_t cap, size_t *n_out);
TB_API int {SELF}_load({SELF} *l, const void *buf, size_t len);
"""

L3_CDEF_TYPES = """\
#ifdef TB_CDEF_TYPES /* never defined for C: the real types come from tb_l3_base.h / tb_l3.inc */
typedef enum { TB_ERR_DUPLICATE = -30, TB_ERR_UNKNOWN = -31, TB_ERR_OVERFLOW = -32, TB_ERR_READONLY = -33, TB_ERR_L3_LAST = -33 } tb_l3_status;
typedef enum { TB_MBO_ADD = 65, TB_MBO_CANCEL = 67, TB_MBO_MODIFY = 77, TB_MBO_EXECUTE = 69, TB_MBO_CLEAR = 82 } tb_mbo_action;
typedef struct tb_l3_order_i32 { uint64_t id; int32_t px; uint32_t qty; int32_t side; uint32_t reserved; } tb_l3_order_i32;
typedef struct tb_l3_order_i64 { uint64_t id; int64_t px; uint64_t qty; int32_t side; uint32_t reserved; } tb_l3_order_i64;
typedef struct tb_l3_stats {
    uint64_t orders; uint64_t max_orders; uint64_t levels[2]; uint64_t max_levels; uint64_t bytes;
    uint64_t index_slots; uint64_t arena_full; uint64_t levels_full; uint64_t reseeds;
    uint64_t adds, cancels, modifies, executes, replaces, clears; uint64_t rejected;
    uint64_t reserved_orders;
} tb_l3_stats;
{OPAQUE}#endif
"""

MATCH_PROTOS = """\
TB_API int {SELF}_create({SELF} **out, {P} anchor, uint32_t max_orders, uint32_t max_cap, int stp);
TB_API int {SELF}_create_reserved({SELF} **out, {P} anchor, uint32_t max_orders, uint32_t reserve, uint32_t max_cap, int stp);
TB_API int {SELF}_destroy({SELF} *m);
TB_API {L3} *{SELF}_l3({SELF} *m);
TB_API int {SELF}_submit({SELF} *m, const tb_match_order *o, tb_match_event *ev, size_t cap, size_t *n_out, tb_submit_result *res);
TB_API int {SELF}_submit_many({SELF} *m, const tb_match_order *orders, size_t n, tb_match_event *ev, size_t cap, size_t *n_out, tb_submit_result *results, size_t *n_done);
TB_API int {SELF}_cancel({SELF} *m, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out);
TB_API int {SELF}_modify({SELF} *m, uint64_t id, uint64_t qty, tb_match_event *ev, size_t cap, size_t *n_out);
TB_API int {SELF}_apply_ops({SELF} *m, const tb_match_op *ops, size_t n, tb_match_event *ev, size_t cap, size_t *n_out, tb_submit_result *results, int8_t *statuses, size_t *n_done);
TB_API size_t {SELF}_orders({SELF} *m);
TB_API int {SELF}_owner_of({SELF} *m, uint64_t id, uint32_t *out);
TB_API int {SELF}_stats({SELF} *m, tb_match_stats *out);
TB_API int {SELF}_dump_size({SELF} *m, size_t *out);
TB_API int {SELF}_dump({SELF} *m, void *buf, size_t cap, size_t *n_out);
TB_API int {SELF}_load({SELF} *m, const void *buf, size_t len);
TB_API int {SELF}_verify_invariants({SELF} *m);
"""

MATCH_CDEF_TYPES = """\
#ifdef TB_CDEF_TYPES /* never defined for C: the real types come from tb_match_types.h / tb_match.inc */
typedef enum { TB_ERR_EVENTS = -40, TB_ERR_MATCH_LAST = -40 } tb_match_status;
typedef enum { TB_GTC = 0, TB_IOC = 1, TB_FOK = 2 } tb_tif;
typedef enum { TB_ORDER_MARKET = 1, TB_ORDER_POST_ONLY = 2, TB_ORDER_PROTECT = 4, TB_ORDER_FLAGS_ALL = 7 } tb_order_flag;
typedef enum { TB_STP_NONE = 0, TB_STP_CANCEL_NEWEST = 1, TB_STP_CANCEL_OLDEST = 2, TB_STP_CANCEL_BOTH = 3 } tb_stp;
typedef enum { TB_EV_FILL = 1, TB_EV_REST = 2, TB_EV_CANCEL = 3, TB_EV_REJECT = 4, TB_EV_MODIFY = 5 } tb_event_kind;
typedef enum {
    TB_RS_NONE = 0, TB_RS_IOC = 1, TB_RS_MARKET = 2, TB_RS_FOK = 3, TB_RS_STP = 4, TB_RS_POST_ONLY = 5, TB_RS_USER = 6
} tb_event_reason;
typedef enum {
    TB_SUBMIT_RESTED = 0, TB_SUBMIT_FILLED = 1, TB_SUBMIT_PARTIAL = 2, TB_SUBMIT_CANCELLED = 3, TB_SUBMIT_REJECTED = 4
} tb_submit_status;
typedef struct tb_match_order {
    uint64_t id; int64_t px; uint64_t qty; uint32_t owner; uint8_t side; uint8_t tif; uint8_t flags; uint8_t reserved;
} tb_match_order;
typedef enum { TB_OP_SUBMIT = 83, TB_OP_CANCEL = 67, TB_OP_MODIFY = 77 } tb_op_kind;
typedef struct tb_match_op { tb_match_order order; uint8_t kind; uint8_t reserved[7]; } tb_match_op;
typedef struct tb_match_event {
    uint64_t seq; uint64_t taker_id; uint64_t maker_id; int64_t px; uint64_t qty; uint64_t taker_remaining;
    uint64_t maker_remaining; uint64_t level_qty; uint32_t owner; uint8_t kind; uint8_t reason; uint8_t side;
    uint8_t flags;
} tb_match_event;
typedef struct tb_submit_result { uint64_t filled; uint64_t resting; uint32_t n_events; uint8_t status; uint8_t reserved[3]; } tb_submit_result;
typedef struct tb_match_stats {
    uint64_t seq, orders, submits, fills, rests, cancels, rejects, modifies, stp_cancels;
} tb_match_stats;
typedef struct tb_l2_delta { int64_t px; uint64_t qty; uint64_t seq; uint8_t side; uint8_t reserved[7]; } tb_l2_delta;
{OPAQUE}#endif
"""


@dataclass(frozen=True)
class Layer:
    """One layer: its C name prefix, files, template and prototypes."""

    prefix: str  # tb_<prefix>_<fam>_n<N> names a variant
    template: str  # the .inc instantiated once per (family, N)
    variants_blurb: tuple[str, ...]  # comment lines of tb_<prefix>_variants.h
    api_blurb: tuple[str, ...]  # comment lines of tb_<prefix>_api.h
    cdef_types: str  # the TB_CDEF_TYPES block ({OPAQUE}: the variant typedefs)
    base_protos: tuple[str, ...]  # prototypes not tied to one variant
    protos: str  # one variant's prototypes: {SELF} its name, {L3} {B} the L3 / L2 variant under it

    def name(self, fam: str, n: int) -> str:
        """C name of the layer's (fam, n) variant, e.g. ``tb_l3_i64_n256``."""
        return f"tb_{self.prefix}_{fam}_n{n}"


LAYERS = [
    Layer(
        prefix="l3",
        template="tb_l3.inc",
        variants_blurb=(
            " * An L3 book on every shipped L2 variant (both families, every tape size).",
            " * Included by tb_l3.h after the shipped L2 variants. */",
        ),
        api_blurb=(
            " * The flat API of every shipped L3 variant. tb_l3.h includes this after",
            " * the definitions (so the compiler checks each prototype); build_ffi.py",
            " * feeds it to cffi's cdef with the TB_CDEF_TYPES block included and the",
            " * preprocessor lines and TB_API removed. */",
        ),
        cdef_types=L3_CDEF_TYPES,
        base_protos=("TB_API const char *tb_l3_status_str(int status);",),
        protos=L3_PROTOS,
    ),
    Layer(
        prefix="match",
        template="tb_match.inc",
        variants_blurb=(
            " * A matching engine on every shipped L3 variant (both families, every tape",
            " * size). Included by tb_match.h after the L3 variants. */",
        ),
        api_blurb=(
            " * The flat API of every shipped matching-engine variant. tb_match.h",
            " * includes this after the definitions (so the compiler checks each",
            " * prototype); build_ffi.py feeds it to cffi's cdef with the TB_CDEF_TYPES",
            " * block included and the preprocessor lines and TB_API removed. */",
        ),
        cdef_types=MATCH_CDEF_TYPES,
        base_protos=(
            "TB_API const char *tb_match_status_str(int status);",
            "TB_API int tb_match_l2_deltas(const tb_match_event *ev, size_t n, tb_l2_delta *out, size_t cap, size_t *n_out);",
        ),
        protos=MATCH_PROTOS,
    ),
]
