#!/usr/bin/env python3
"""Write the shipped variants of tapebook from one table.

FAMILIES, TAPE_SIZES and MULTI_TIERS below are the one list of what tapebook
ships; adding a tape size is one entry in TAPE_SIZES plus `make gen`.
Outputs (all generated, all committed, all checked by `make check-generated`):
  csrc/tapebook/tb_params_<fam>.inc  the type parameters of each family
  csrc/tapebook/tb_variants.h     instantiates every shipped family / tape size /
                                  multi-book tier triple from the templates
  csrc/tapebook_api.h             the flat prototypes of those variants; CFFI's
                                  cdef reads it, and tapebook.h includes it after
                                  the definitions so the compiler checks every
                                  prototype against the code.
  csrc/tapebook/tb_ops_shipped.h  the type-erased tb_ops table of every shipped
                                  book variant and tb_ops_find(bits, n): what the
                                  Python fast path and the C tests call through
  csrc/tapebook/tb_l3_ops_shipped.h
                                  the same for the L3 books (tb_l3_ops,
                                  tb_l3_ops_find): L3Book's per-call fast path
  csrc/tapebook/tb_match_ops_shipped.h
                                  the same for the matching engines
                                  (tb_match_ops, tb_match_ops_find)
  tapebook/_variants.py           the same lists for Python (families, tape
                                  sizes, tiers, C names of each variant)
  tests/c/tbv_shipped.h           the C tests' tables of every shipped variant
  csrc/tapebook/tb_<layer>_variants.h, tb_<layer>_api.h
                                  for each layer of tools/gen_layers.py (l3,
                                  match): the same per (family, N) instantiation
                                  and flat prototypes, so an L3 book and a
                                  matching engine exist on every shipped variant

Usage: gen_variants.py [--check]   (--check: fail if the files are stale)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_layers import LAYERS, Layer  # the layers on top of every book variant

ROOT = Path(__file__).resolve().parent.parent

# name, price type, unsigned price type, qty type, price min, price max
FAMILIES = [
    ("i32", "int32_t", "uint32_t", "uint32_t", "INT32_MIN", "INT32_MAX"),
    ("i64", "int64_t", "uint64_t", "uint64_t", "INT64_MIN", "INT64_MAX"),
]
TAPE_SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 16384]
# (high, medium, low) tape sizes of the shipped multi-book pools
MULTI_TIERS = [(1024, 256, 64), (4096, 1024, 256)]

BOOK_PROTOS = """\
TB_API int {B}_set_code({B} *b, int side, {P} px, {Q} qty);
TB_API int {B}_set({B} *b, int side, {P} px, {Q} qty, tb_result *out_result);
TB_API int {B}_init({B} *b, {P} anchor, uint32_t max_cap, {POOL} *pool);
TB_API int {B}_deinit({B} *b);
TB_API int {B}_create({B} **out, {P} anchor, uint32_t max_cap, {POOL} *pool);
TB_API int {B}_destroy({B} *b);
TB_API {P} {B}_best_px({B} *b, int side);
TB_API {Q} {B}_best_qty({B} *b, int side);
TB_API {P} {B}_best_bid_px({B} *b);
TB_API {P} {B}_best_ask_px({B} *b);
TB_API {Q} {B}_best_bid_qty({B} *b);
TB_API {Q} {B}_best_ask_qty({B} *b);
TB_API int {B}_bbo({B} *b, {BBO} *out);
TB_API int {B}_crossed({B} *b);
TB_API int {B}_crossed_on_tape({B} *b);
TB_API {P} {B}_anchor({B} *b, int side);
TB_API int {B}_iter_init({B}_iter *it, {B} *b, int side);
TB_API int {B}_iter_next({B}_iter *it, {L} *out);
TB_API int {B}_levels({B} *b, int side, {L} *out, size_t k, size_t *n_out);
TB_API int {B}_levels_n({B} *b, int side, {L} *out, size_t k);
TB_API int64_t {B}_top({B} *b, {L} *out, size_t k);
TB_API {Q} {B}_qty_at({B} *b, int side, {P} px);
TB_API int {B}_depth({B} *b, int side, size_t *out);
TB_API int {B}_reset({B} *b, {P} anchor);
TB_API int {B}_reset_at_mid({B} *b, int side, {P} mid);
TB_API int {B}_load_side({B} *b, int side, const {P} *px, const {Q} *qty, size_t n, size_t *bad);
TB_API int {B}_load_snapshot({B} *b, const {P} *bid_px, const {Q} *bid_qty, size_t n_bid, const {P} *ask_px, const {Q} *ask_qty, size_t n_ask, size_t *bad);
TB_API int {B}_recenter({B} *b, int side, {P} anchor);
TB_API int {B}_recenter_bid({B} *b, {P} anchor);
TB_API int {B}_recenter_ask({B} *b, {P} anchor);
TB_API int {B}_erase_better({B} *b, int side, {P} px);
TB_API int {B}_clear({B} *b);
TB_API int {B}_release({B} *b);
TB_API int {B}_reserve_spill({B} *b);
TB_API int {B}_verify_invariants({B} *b);
TB_API int {B}_stats({B} *b, tb_book_stats *out);
TB_API size_t {B}_struct_size(void);
TB_API uint32_t {B}_tape_size(void);
TB_API {P} {B}_price_min(void);
TB_API {P} {B}_price_max(void);
TB_API {P} {B}_anchor_min(void);
TB_API {P} {B}_anchor_max(void);
TB_API int {B}_apply({B} *b, const uint8_t *sides, const {P} *px, const {Q} *qty, size_t n, int8_t *results, size_t *n_done);
TB_API int {B}_bbo_trace({B} *b, const uint8_t *sides, const {P} *px, const {Q} *qty, size_t n, {BBO} *out, size_t *n_done);
"""

POOL_PROTOS = """\
TB_API int {POOL}_init({POOL} *p, uint32_t levels, int policy);
TB_API int {POOL}_deinit({POOL} *p);
TB_API int {POOL}_create({POOL} **out, uint32_t levels, int policy);
TB_API int {POOL}_destroy({POOL} *p);
TB_API {L} *{POOL}_alloc({POOL} *p, uint32_t levels);
TB_API void {POOL}_free({POOL} *p, {L} *blk, uint32_t levels);
TB_API {L} *{POOL}_realloc({POOL} *p, {L} *old, uint32_t old_levels, uint32_t new_levels, uint32_t used);
TB_API int {POOL}_stats({POOL} *p, tb_pool_stats *out);
TB_API uint32_t {POOL}_level_size(void);
TB_API size_t {POOL}_struct_size(void);
"""

MULTI_PROTOS = """\
TB_API int {M}_init({M} *m, uint32_t n_high, uint32_t n_medium, uint32_t n_low, uint32_t pool_levels, uint32_t default_max_cap, int policy);
TB_API int {M}_deinit({M} *m);
TB_API int {M}_create({M} **out, uint32_t n_high, uint32_t n_medium, uint32_t n_low, uint32_t pool_levels, uint32_t default_max_cap, int policy);
TB_API int {M}_destroy({M} *m);
TB_API int {M}_alloc({M} *m, int tier, {P} anchor, uint32_t max_cap, tb_handle *out);
TB_API int {M}_free({M} *m, tb_handle h);
TB_API {BH} *{M}_book_high({M} *m, tb_handle h);
TB_API {BM} *{M}_book_medium({M} *m, tb_handle h);
TB_API {BL} *{M}_book_low({M} *m, tb_handle h);
TB_API int {M}_set_code({M} *m, tb_handle h, int side, {P} px, {Q} qty);
TB_API int {M}_bbo({M} *m, tb_handle h, {BBO} *out);
TB_API {POOL} *{M}_pool({M} *m);
TB_API int {M}_tier_info({M} *m, int tier, uint32_t *capacity, uint32_t *live);
TB_API uint32_t {M}_tier_n(int tier);
TB_API size_t {M}_struct_size(void);
"""

BASE_PROTOS = """\
TB_API const char *tb_status_str(int status);
TB_API int tb_take_query_status(void);
TB_API int tb_is_pow2_u32(uint32_t x);
TB_API tb_handle tb_handle_make(uint32_t tier, uint32_t gen, uint32_t index);
TB_API uint32_t tb_handle_tier(tb_handle h);
TB_API uint32_t tb_handle_gen(tb_handle h);
TB_API uint32_t tb_handle_index(tb_handle h);
"""

# Seen only by cffi's cdef (the C compiler skips the block): the enums and
# the structs Python reads field by field. cffi's API mode checks each of
# these against the real definitions when it compiles the module.
CDEF_TYPES_HEAD = """\
typedef enum { TB_INSERT = 1, TB_UPDATE = 0, TB_ERASE = -1, TB_SPILL = -2, TB_PROMOTE = 2 } tb_result;
typedef enum {
    TB_OK = 0, TB_ERR_FIRST = -16, TB_ERR_NULL = -16, TB_ERR_SIDE = -17, TB_ERR_PRICE = -18,
    TB_ERR_ANCHOR = -19, TB_ERR_MAX_CAP = -20, TB_ERR_NOMEM = -21, TB_ERR_BUSY = -22,
    TB_ERR_CLOSED = -23, TB_ERR_INVARIANT = -24, TB_ERR_BADARG = -25, TB_ERR_HANDLE = -26,
    TB_ERR_FULL = -27, TB_ERR_POOL_IN_USE = -28, TB_ERR_FORMAT = -29, TB_ERR_LAST = -29
} tb_status;
typedef enum { TB_ASK = 0, TB_BID = 1 } tb_side;
typedef enum { TB_TIER_HIGH = 0, TB_TIER_MEDIUM = 1, TB_TIER_LOW = 2 } tb_tier;
typedef enum { TB_POOL_REFUSE = 0, TB_POOL_FALLBACK = 1 } tb_pool_policy;
typedef uint64_t tb_handle;
typedef struct tb_pool_class_stats {
    uint64_t requests; uint64_t freelist_hits; uint64_t bump_allocs; uint64_t failures;
    uint64_t fallback_allocs; uint64_t frees; uint32_t live_blocks; uint32_t high_water;
} tb_pool_class_stats;
typedef struct tb_pool_stats {
    uint32_t total_levels; uint32_t used_levels; uint32_t watermark; uint32_t level_bytes;
    uint32_t attached_books; uint32_t policy; uint64_t alloc_fail_count; uint64_t fallback_bytes;
    tb_pool_class_stats cls[12];
} tb_pool_stats;
typedef struct tb_book_stats {
    uint64_t bytes; uint64_t tape_size; uint64_t spill_max_cap; uint64_t pooled;
    uint64_t tape_levels[2]; uint64_t spill_levels[2]; uint64_t spill_cap[2];
    uint64_t spill_evicted[2]; uint64_t spill_dropped[2]; uint64_t spill_nomem[2];
    uint64_t promotes[2]; int64_t anchor[2];
} tb_book_stats;
"""

CDEF_FAMILY_TYPES = """\
typedef struct tb_level_{F} {{ {P} px; {Q} qty; }} tb_level_{F};
typedef struct tb_bbo_{F} {{ {P} bid_px; {Q} bid_qty; {P} ask_px; {Q} ask_qty; }} tb_bbo_{F};
typedef struct tb_spill_pool_{F} {{ ...; }} tb_spill_pool_{F};
"""


# Depth snapshots (tb_snapshot.inc) and book dump / load (tb_serial.inc).
SNAPSHOT_BOOK_PROTOS = """\
TB_API int {B}_snapshot_k16({B} *b, tb_depth_{F}_k16 *out, uint64_t instrument_id,
                           uint64_t sequence, uint64_t timestamp_ns);
TB_API int {B}_snapshot_k128({B} *b, tb_depth_{F}_k128 *out, uint64_t instrument_id,
                            uint64_t sequence, uint64_t timestamp_ns);
TB_API int {B}_dump_size({B} *b, size_t *out);
TB_API int {B}_dump({B} *b, void *buf, size_t cap, size_t *n_out);
TB_API int {B}_load({B} *b, const void *buf, size_t len);
TB_API int {B}_check_dump(const void *buf, size_t len, const char **why);
"""

SNAPSHOT_BASE_PROTOS = """\
TB_API size_t tb_depth_size(uint32_t width, uint32_t k);
TB_API int tb_depth_check(const void *buf, size_t len, const char **why);
TB_API uint32_t tb_crc32(uint32_t crc, const void *data, size_t n);
TB_API int tb_dump_peek(const void *buf, size_t len, tb_dump_info *out, const char **why);
"""

SNAPSHOT_CDEF_TYPES = """\
typedef struct tb_depth_header {
    uint32_t magic; uint8_t version; uint8_t width; uint16_t capacity; uint64_t instrument_id;
    uint64_t sequence; uint64_t timestamp_ns; uint16_t bid_count; uint16_t ask_count; uint32_t flags;
} tb_depth_header;
typedef struct tb_dump_info {
    uint32_t version; uint32_t width; uint32_t n; uint32_t max_cap; uint64_t total_len;
    uint32_t tape_count[2]; uint32_t spill_count[2]; uint32_t spill_cap[2]; uint32_t reserved;
} tb_dump_info;
"""

SNAPSHOT_CDEF_FAMILY_TYPES = """\
typedef struct tb_depth_{F}_k16 {{
    tb_depth_header hdr; tb_level_{F} bids[16]; tb_level_{F} asks[16];
}} tb_depth_{F}_k16;
typedef struct tb_depth_{F}_k128 {{
    tb_depth_header hdr; tb_level_{F} bids[128]; tb_level_{F} asks[128];
}} tb_depth_{F}_k128;
"""
# (width, K) -> sizeof the snapshot: fixed by the format, asserted in tb_variants.h
DEPTH_SIZES = {("i32", 16): 296, ("i32", 128): 2088, ("i64", 16): 552, ("i64", 128): 4136}


def book_name(fam: str, n: int) -> str:
    return f"tb_book_{fam}_n{n}"


def multi_name(fam: str, tiers: tuple[int, int, int]) -> str:
    h, m, lo = tiers
    return f"tb_multi_{fam}_h{h}_m{m}_l{lo}"


def render_variants() -> str:
    out = [
        "/* tb_variants.h — GENERATED by tools/gen_variants.py; do not edit.",
        " * The variants tapebook ships: both price families, every tape size",
        f" * {TAPE_SIZES[0]} ... {TAPE_SIZES[-1]}, and the multi-book pools "
        + ", ".join("/".join(map(str, t)) for t in MULTI_TIERS)
        + ". */",
        "#ifndef TB_VARIANTS_H",
        "#define TB_VARIANTS_H",
        "",
    ]
    for fam, *_ in FAMILIES:
        out += [f'#include "tb_params_{fam}.inc"', '#include "tb_family.inc"']
        for n in TAPE_SIZES:
            out += [f"#define TB_N {n}", '#include "tb_book.inc"']
        for h, m, lo in MULTI_TIERS:
            out += [
                f"#define TB_MULTI_HIGH_N {h}",
                f"#define TB_MULTI_MEDIUM_N {m}",
                f"#define TB_MULTI_LOW_N {lo}",
                '#include "tb_multi_pool.inc"',
            ]
        out += ['#include "tb_family_end.inc"', ""]
    out += [
        "/* The shipped tape sizes as an X-macro, for code that instantiates something",
        " * per size (tb_feed_apply.h): X(n) for each. */",
        "#define TB_SHIPPED_TAPE_SIZES(X) " + " ".join(f"X({n})" for n in TAPE_SIZES),
        "/* one marker per shipped book variant, for code that adds custom ones */",
        *(f"#define TB_SHIPPED_{book_name(fam, n)} 1" for fam, *_ in FAMILIES for n in TAPE_SIZES),
        "",
        "/* The spec's promise: spill metadata inline, a 1024-wide 32-bit book in",
        " * under 9000 bytes, tapes on cache-line boundaries. */",
        'TB_STATIC_ASSERT(sizeof(tb_book_i32_n1024) < 9000, "1024-wide 32-bit book must stay under 9000 bytes");',
        'TB_STATIC_ASSERT(sizeof(tb_level_i32) == 8 && sizeof(tb_level_i64) == 16, "levels are packed");',
        *(
            f'TB_STATIC_ASSERT(sizeof(tb_depth_{f}_k{k}) == {size}, "tb_depth_{f}_k{k} is {size} bytes");'
            for (f, k), size in DEPTH_SIZES.items()
        ),
    ]
    for fam, *_ in FAMILIES:
        for n in TAPE_SIZES:
            b = book_name(fam, n)
            out.append(
                f'TB_STATIC_ASSERT(offsetof({b}, tape[1].q) % TB_CACHE_LINE == 0, "{b}: tapes cache-line aligned");'
            )
    out += ["", "#endif /* TB_VARIANTS_H */", ""]
    return "\n".join(out)


def render_api() -> str:
    out = [
        "/* tapebook_api.h — GENERATED by tools/gen_variants.py; do not edit.",
        " * The flat API of every shipped variant. tapebook.h includes this after",
        " * the definitions (so the compiler checks each prototype); build_ffi.py",
        " * feeds it to cffi's cdef with the TB_CDEF_TYPES block included and the",
        " * preprocessor lines and TB_API removed. */",
        "#ifndef TAPEBOOK_API_H",
        "#define TAPEBOOK_API_H",
        "",
        "#ifdef TB_CDEF_TYPES /* never defined for C: the real types come from the templates */",
        CDEF_TYPES_HEAD.rstrip("\n"),
        SNAPSHOT_CDEF_TYPES.rstrip("\n"),
    ]
    for fam, p, _up, q, *_ in FAMILIES:
        out.append(CDEF_FAMILY_TYPES.format(F=fam, P=p, Q=q).rstrip("\n"))
        out.append(SNAPSHOT_CDEF_FAMILY_TYPES.format(F=fam).rstrip("\n"))
        for n in TAPE_SIZES:
            b = book_name(fam, n)
            out.append(f"typedef struct {b} {{ ...; }} {b};")
            out.append(f"typedef struct {b}_iter {{ ...; }} {b}_iter;")
        for tiers in MULTI_TIERS:
            m = multi_name(fam, tiers)
            out.append(f"typedef struct {m} {{ ...; }} {m};")
    out += ["#endif /* TB_CDEF_TYPES */", "", BASE_PROTOS.rstrip("\n"), SNAPSHOT_BASE_PROTOS.rstrip("\n")]
    for fam, p, _up, q, *_ in FAMILIES:
        subst = dict(P=p, Q=q, L=f"tb_level_{fam}", BBO=f"tb_bbo_{fam}", POOL=f"tb_spill_pool_{fam}")
        out += ["", f"/* ---- family {fam} ---- */", POOL_PROTOS.format(**subst).rstrip("\n")]
        for n in TAPE_SIZES:
            out.append(BOOK_PROTOS.format(B=book_name(fam, n), **subst).rstrip("\n"))
            out.append(SNAPSHOT_BOOK_PROTOS.format(B=book_name(fam, n), F=fam).rstrip("\n"))
        for tiers in MULTI_TIERS:
            names = [book_name(fam, t) for t in tiers]
            out.append(
                MULTI_PROTOS.format(
                    M=multi_name(fam, tiers), BH=names[0], BM=names[1], BL=names[2], **subst
                ).rstrip("\n")
            )
    out += ["", "#endif /* TAPEBOOK_API_H */", ""]
    return "\n".join(out)


def render_shipped_tables(
    stem: str,
    doc: list[str],
    what: str,
    defines: Callable[[str, int], list[str]],
    table: Callable[[str, int], str],
) -> str:
    """``<stem>_shipped.h``: the ``<stem>`` table (``<stem>.h``, type-erased wrappers of one
    variant, instantiated by ``<stem>.inc``) of every shipped variant, and ``<stem>_find()``.
    ``defines(fam, n)``: the parameters ``<stem>.inc`` reads; ``table(fam, n)``: the name
    of the table it defines."""
    guard = f"{stem.upper()}_SHIPPED_H"
    count = f"{stem.upper()}_SHIPPED_COUNT"
    out = [
        f"/* {stem}_shipped.h — GENERATED by tools/gen_variants.py; do not edit.",
        *doc,
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        f'#include "{stem}.h"',
        "",
    ]
    for fam, *_ in FAMILIES:
        for n in TAPE_SIZES:
            out += [*defines(fam, n), f'#include "{stem}.inc"']
    test = f"{stem}_shipped[i]->bits == bits && {stem}_shipped[i]->n == n"
    ret = f"return {stem}_shipped[i];"
    found = f"        if ({test}) {ret}"
    # a line past 110 columns (the Python sources' limit) is wrapped
    body = [found] if len(found) <= 110 else [f"        if ({test})", f"            {ret}"]
    out += [
        "",
        f"#define {count} {len(FAMILIES) * len(TAPE_SIZES)}",
        "",
        f"/* every shipped {what}: family by family, tape sizes ascending */",
        f"static const {stem} *const {stem}_shipped[{count}] = {{",
        *(f"    &{table(fam, n)}," for fam, *_ in FAMILIES for n in TAPE_SIZES),
        "};",
        "",
        f"/* The table of the shipped {what} (price_bits, n), or NULL. */",
        f"static inline const {stem} *{stem}_find(int bits, uint32_t n) {{",
        "    int i;",
        f"    for (i = 0; i < {count}; i++)",
        *body,
        "    return NULL;",
        "}",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(out)


def render_ops() -> str:
    return render_shipped_tables(
        "tb_ops",
        [
            " * The tb_ops table (tb_ops.h) of every shipped book variant, and",
            " * tb_ops_find(). Include after tapebook.h in the translation unit that",
            " * calls through the tables (the wrappers are static). */",
        ],
        "variant",
        lambda fam, n: [f"#define TB_OPS_BOOK {book_name(fam, n)}", f"#define TB_OPS_BITS {int(fam[1:])}"],
        lambda fam, n: f"{book_name(fam, n)}_ops",
    )


def render_l3_ops() -> str:
    l3 = next(layer for layer in LAYERS if layer.prefix == "l3")
    return render_shipped_tables(
        "tb_l3_ops",
        [
            " * The tb_l3_ops table (tb_l3_ops.h) of every shipped L3 variant, and",
            " * tb_l3_ops_find(). Include after tapebook.h, tb_l3.h and tb_ops_shipped.h",
            " * in the translation unit that calls through the tables (the wrappers are",
            " * static). */",
        ],
        "L3 variant",
        lambda fam, n: [
            f"#define TB_L3_OPS_BOOK {l3.name(fam, n)}",
            f"#define TB_L3_OPS_L2 {book_name(fam, n)}",
            f"#define TB_L3_OPS_BITS {int(fam[1:])}",
        ],
        lambda fam, n: f"{l3.name(fam, n)}_l3ops",
    )


def render_match_ops() -> str:
    me = next(layer for layer in LAYERS if layer.prefix == "match")
    return render_shipped_tables(
        "tb_match_ops",
        [
            " * The tb_match_ops table (tb_match_ops.h) of every shipped matching engine",
            " * variant, and tb_match_ops_find(). Include after tb_match.h in the",
            " * translation unit that calls through the tables (the wrappers are static). */",
        ],
        "engine variant",
        lambda fam, n: [
            f"#define TB_MATCH_OPS_ENGINE {me.name(fam, n)}",
            f"#define TB_MATCH_OPS_BITS {int(fam[1:])}",
            f"#define TB_MATCH_OPS_N {n}",
        ],
        lambda fam, n: f"{me.name(fam, n)}_mops",
    )


def proto_names(protos: str, token: str) -> list[str]:
    """The function names after ``{token}_`` in a block of prototypes, in order."""
    return re.findall(r"\{" + token + r"\}_(\w+)\(", protos)


def natural(name: str) -> list[int | str]:
    """Sort key: digit runs compare as numbers (snapshot_k16 before snapshot_k128)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def render_funcs_class(cls: str, doc: str, names: list[str]) -> list[str]:
    """A class binding the C functions <c_name>_<f> for every f in names."""
    out = [
        f"class {cls}:",
        f'    """{doc}"""',
        "",
        "    __slots__ = (",
        *(f'        "{f}",' for f in sorted(names, key=natural)),
        "    )",
        "",
        "    def __init__(self, lib: Any, c_name: str) -> None:",
        *(f'        self.{f} = getattr(lib, c_name + "_{f}")' for f in names),
        "",
        "",
    ]
    return out


def render_tests() -> str:
    """tests/c/tbv_shipped.h: the test tables of every shipped variant (see tbv.h)."""
    # sanitizer builds and TBV_SUBSET test every other size, and the largest (the
    # tests' custom variants with several summary words need it when it is shipped)
    subset = sorted({*TAPE_SIZES[::2], TAPE_SIZES[-1]})
    out = [
        "/* tbv_shipped.h — GENERATED by tools/gen_variants.py; do not edit.",
        " * The test-only tables (tbv_book_tmpl.h, tbv_multi_tmpl.h) of every shipped",
        " * variant, and the lists tbv_all.h builds its arrays from. Sizes outside",
        f" * {{{', '.join(map(str, subset))}}} are left out when TBV_LEVEL > 0 (sanitizer builds).",
        " * Include from tbv_all.h only (after tb_ops_shipped.h). */",
        "#ifndef TBV_SHIPPED_H",
        "#define TBV_SHIPPED_H",
        "",
    ]
    for fam, p, _up, q, *_ in FAMILIES:
        for n in TAPE_SIZES:
            guard = n not in subset
            out += (
                (["#if TBV_LEVEL <= 0"] if guard else [])
                + [
                    f"#define TBV_B {book_name(fam, n)}",
                    f"#define TBV_FAM {fam}",
                    f"#define TBV_P {p}",
                    f"#define TBV_Q {q}",
                    f"#define TBV_BITS {fam[1:]}",
                    '#include "tbv_book_tmpl.h"',
                ]
                + (["#endif"] if guard else [])
            )
        for tiers in MULTI_TIERS:
            out += [
                f"#define TBV_M {multi_name(fam, tiers)}",
                f"#define TBV_FAM {fam}",
                f"#define TBV_P {p}",
                f"#define TBV_Q {q}",
                f"#define TBV_BITS {fam[1:]}",
                *(f"#define TBV_M{t} {book_name(fam, n)}_ops" for t, n in zip("HML", tiers, strict=True)),
                *(f"#define TBV_N{t} {n}u" for t, n in zip("HML", tiers, strict=True)),
                '#include "tbv_multi_tmpl.h"',
            ]
    books = [(fam, n) for fam, *_ in FAMILIES for n in TAPE_SIZES]
    for level, keep in (("<= 0", lambda n: True), ("> 0", lambda n: n in subset)):
        out += [
            "",
            f"#if TBV_LEVEL {level}",
            "#define TBV_SHIPPED_BOOKS \\",
            *(f"    &{book_name(f, n)}_ops, \\" for f, n in books if keep(n)),
            "",
            "#define TBV_SHIPPED_EXTRAS \\",
            *(f"    &tbvx_{book_name(f, n)}, \\" for f, n in books if keep(n)),
            "",
            "#endif",
        ]
    out += [
        "#define TBV_SHIPPED_MULTIS \\",
        *(f"    &tbv_{multi_name(fam, t)}, \\" for fam, *_ in FAMILIES for t in MULTI_TIERS),
        "",
        "",
        "#endif /* TBV_SHIPPED_H */",
        "",
    ]
    return "\n".join(out)


def render_python() -> str:
    fams = {int(fam[1:]): (fam, p, q, lo, hi) for fam, p, _up, q, lo, hi in FAMILIES}
    lines = [
        '"""The shipped variants of tapebook: GENERATED by tools/gen_variants.py; do not edit.',
        "",
        "The one table of (family, tape size) and multi-book tier triples lives in",
        "tools/gen_variants.py; this module repeats it for Python, with the C names of",
        'each variant, so no other module spells them."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "# price_bits -> (family token, C price type, C quantity type)",
        "FAMILIES: dict[int, tuple[str, str, str]] = {",
        *(f'    {bits}: ("{fam}", "{p}", "{q}"),' for bits, (fam, p, q, _lo, _hi) in fams.items()),
        "}",
        f"PRICE_BITS: tuple[int, ...] = {tuple(fams)!r}",
        f"TAPE_SIZES: tuple[int, ...] = {tuple(TAPE_SIZES)!r}",
        "# (high, medium, low) tape sizes of the shipped multi-book pools",
        f"MULTI_TIERS: tuple[tuple[int, int, int], ...] = {tuple(MULTI_TIERS)!r}",
        "",
        "",
        "def book_name(price_bits: int, n: int) -> str:",
        '    """C name of the book variant, e.g. ``tb_book_i32_n1024``."""',
        '    return f"tb_book_{FAMILIES[price_bits][0]}_n{n}"',
        "",
        "",
        "def multi_name(price_bits: int, tiers: tuple[int, int, int]) -> str:",
        '    """C name of the multi-book pool variant, e.g. ``tb_multi_i32_h1024_m256_l64``."""',
        "    h, m, lo = tiers",
        '    return f"tb_multi_{FAMILIES[price_bits][0]}_h{h}_m{m}_l{lo}"',
        "",
        "",
        "def pool_name(price_bits: int) -> str:",
        '    """C name of the family\'s SpillPool, e.g. ``tb_spill_pool_i64``."""',
        '    return f"tb_spill_pool_{FAMILIES[price_bits][0]}"',
        "",
        "",
        *render_funcs_class(
            "BookFuncs",
            "The C functions of one book variant (``lib.<c_name>_<function>``), from tapebook_api.h.",
            proto_names(BOOK_PROTOS + SNAPSHOT_BOOK_PROTOS, "B"),
        ),
        *render_funcs_class(
            "PoolFuncs",
            "The C functions of one family's SpillPool (``lib.<c_name>_<function>``).",
            proto_names(POOL_PROTOS, "POOL"),
        ),
        *render_funcs_class(
            "MultiFuncs",
            "The C functions of one multi-book pool variant (``lib.<c_name>_<function>``).",
            proto_names(MULTI_PROTOS, "M"),
        ),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_params(fam: str) -> str:
    _f, p, up, q, lo, hi = next(f for f in FAMILIES if f[0] == fam)
    return "\n".join(
        [
            f"/* tb_params_{fam}.inc — GENERATED by tools/gen_variants.py; do not edit.",
            f" * The parameters of the {fam} family ({p} prices, {q} quantities). */",
            f"#define TB_FAM {fam}",
            f"#define TB_PRICE_T {p}",
            f"#define TB_UPRICE_T {up}",
            f"#define TB_QTY_T {q}",
            f"#define TB_PRICE_TYPE_MIN {lo}",
            f"#define TB_PRICE_TYPE_MAX {hi}",
            "",
        ]
    )


def render_layer_variants(layer: Layer) -> str:
    guard = f"TB_{layer.prefix.upper()}_VARIANTS_H"
    out = [
        f"/* tb_{layer.prefix}_variants.h — GENERATED by tools/gen_variants.py; do not edit.",
        *layer.variants_blurb,
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
    ]
    for fam, *_ in FAMILIES:
        out += [f'#include "tb_params_{fam}.inc"', '#include "tb_family_reopen.inc"']
        for n in TAPE_SIZES:
            out += [f"#define TB_N {n}", f'#include "{layer.template}"']
        out += ['#include "tb_family_end.inc"', ""]
    out.append(f"#endif /* {guard} */")
    return "\n".join(out) + "\n"


def render_layer_api(layer: Layer) -> str:
    guard = f"TB_{layer.prefix.upper()}_API_H"
    opaque = "".join(
        f"typedef struct {layer.name(f, n)} {layer.name(f, n)};\n" for f, *_ in FAMILIES for n in TAPE_SIZES
    )
    out = [
        f"/* tb_{layer.prefix}_api.h — GENERATED by tools/gen_variants.py; do not edit.",
        *layer.api_blurb,
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        layer.cdef_types.replace("{OPAQUE}", opaque),
        *layer.base_protos,
        "",
    ]
    for fam, p, _up, q, *_ in FAMILIES:
        for n in TAPE_SIZES:
            out.append(
                layer.protos.format(
                    SELF=layer.name(fam, n),
                    L3=f"tb_l3_{fam}_n{n}",
                    B=book_name(fam, n),
                    P=p,
                    Q=q,
                    POOL=f"tb_spill_pool_{fam}",
                    ORD=f"tb_l3_order_{fam}",
                    BBO=f"tb_bbo_{fam}",
                )
            )
    out.append(f"#endif /* {guard} */")
    return "\n".join(out) + "\n"


OUTPUTS = {
    **{
        ROOT / "csrc" / "tapebook" / f"tb_params_{fam}.inc": (lambda fam=fam: render_params(fam))
        for fam, *_ in FAMILIES
    },
    ROOT / "csrc" / "tapebook" / "tb_variants.h": render_variants,
    ROOT / "csrc" / "tapebook_api.h": render_api,
    ROOT / "csrc" / "tapebook" / "tb_ops_shipped.h": render_ops,
    ROOT / "csrc" / "tapebook" / "tb_l3_ops_shipped.h": render_l3_ops,
    ROOT / "csrc" / "tapebook" / "tb_match_ops_shipped.h": render_match_ops,
    ROOT / "tapebook" / "_variants.py": render_python,
    ROOT / "tests" / "c" / "tbv_shipped.h": render_tests,
    **{
        ROOT / "csrc" / "tapebook" / f"tb_{layer.prefix}_{part}.h": (
            lambda layer=layer, render=render: render(layer)
        )
        for layer in LAYERS
        for part, render in (("variants", render_layer_variants), ("api", render_layer_api))
    },
}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, render in OUTPUTS.items():
        text = render()
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(ROOT))
        else:
            path.write_text(text)
    if stale:
        print("stale generated files (run tools/gen_variants.py):", *stale, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
