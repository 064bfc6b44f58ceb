#!/usr/bin/env python3
"""Write the shipped variants of tapebook from one table.

Outputs (both generated, both committed):
  csrc/tapebook/tb_variants.h  instantiates every shipped family / tape size /
                               multi-book tier triple from the templates
  csrc/tapebook_api.h          the flat prototypes of those variants; CFFI's
                               cdef reads it, and tapebook.h includes it after
                               the definitions so the compiler checks every
                               prototype against the code.

Usage: gen_variants.py [--check]   (--check: fail if the files are stale)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name, price type, unsigned price type, qty type, price min, price max
FAMILIES = [
    ("i32", "int32_t", "uint32_t", "uint32_t", "INT32_MIN", "INT32_MAX"),
    ("i64", "int64_t", "uint64_t", "uint64_t", "INT64_MIN", "INT64_MAX"),
]
TAPE_SIZES = [64, 128, 256, 512, 1024, 2048, 4096]
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


OUTPUTS = {
    ROOT / "csrc" / "tapebook" / "tb_variants.h": render_variants,
    ROOT / "csrc" / "tapebook_api.h": render_api,
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
