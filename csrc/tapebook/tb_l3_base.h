/* tb_l3_base.h — definitions shared by every L3 (order-level) variant: the
 * extra status codes, the MBO action letters, the public order record of each
 * price family, the statistics record and the keyed 64-bit hash. Included
 * once, by tb_l3.h; the typed code lives in tb_l3.inc. */
#ifndef TB_L3_BASE_H
#define TB_L3_BASE_H

#include "tb_base.h"

/* Statuses of L3 calls beyond tb_status (same convention: <= TB_ERR_FIRST,
 * nothing changed). tb_l3_status_str() names every status. */
typedef enum tb_l3_status {
    TB_ERR_DUPLICATE = -30, /* the order id rests in the book already */
    TB_ERR_UNKNOWN = -31,   /* no resting order has that id */
    TB_ERR_OVERFLOW = -32,  /* a level's total would overflow the quantity type */
    TB_ERR_READONLY = -33,  /* = TB__ERR_READONLY: a matching engine's L3 book, an L3 book's L2 view */
    TB_ERR_L3_LAST = -33
} tb_l3_status;
TB_STATIC_ASSERT(TB_ERR_READONLY == TB__ERR_READONLY, "one read-only status for L2 and L3 calls");

/* MBO actions of apply_mbo (the bytes of the action column). */
typedef enum tb_mbo_action {
    TB_MBO_ADD = 'A',     /* add (id, side, px, qty) */
    TB_MBO_CANCEL = 'C',  /* cancel qty of the order (qty 0: all of it); priority kept */
    TB_MBO_MODIFY = 'M',  /* new (px, qty): same px and qty down keeps priority, else to the back */
    TB_MBO_EXECUTE = 'E', /* fill qty from the order; removed at 0 */
    TB_MBO_CLEAR = 'R'    /* clear the book (the row's other fields are ignored) */
} tb_mbo_action;

/* One resting order as queries return it (side: TB_BID 1 / TB_ASK 0). */
typedef struct tb_l3_order_i32 {
    uint64_t id;
    int32_t px;
    uint32_t qty;
    int32_t side;
    uint32_t reserved;
} tb_l3_order_i32;

typedef struct tb_l3_order_i64 {
    uint64_t id;
    int64_t px;
    uint64_t qty;
    int32_t side;
    uint32_t reserved;
} tb_l3_order_i64;

/* Occupancy and counters of an L3 book. */
typedef struct tb_l3_stats {
    uint64_t orders;          /* resting orders */
    uint64_t max_orders;      /* arena capacity */
    uint64_t levels[2];       /* price levels per side ([0] ask, [1] bid) */
    uint64_t max_levels;      /* per side (the L2 book's max_cap) */
    uint64_t bytes;           /* struct, arena, level records, both indexes (spill: see the L2 stats) */
    uint64_t index_slots;     /* order-id index capacity (a power of two) */
    uint64_t arena_full;      /* adds refused: the arena was full */
    uint64_t levels_full;     /* adds refused: the side had max_levels levels */
    uint64_t reseeds;         /* order-id index rebuilt with a new key (probe bound hit) */
    uint64_t adds, cancels, modifies, executes, replaces, clears; /* successful operations */
    uint64_t rejected;        /* operations refused with a status */
    uint64_t reserved_orders; /* orders the arena holds now without growing (<= max_orders: a book
                                 made by create_reserved / a load grows it on demand) */
} tb_l3_stats;


/* A keyed 64-bit mix (xor with the key, then a multiply-xorshift finaliser):
 * ids a venue chooses cannot be made to collide without knowing the key, and
 * the key changes when a probe bound is hit. Every user reads only the top
 * bits (a tag, a home slot), and those depend on every input bit; a full
 * finaliser's last xorshift (x ^= x >> 32) changes only the low half, so it is
 * left out: the top bits are the same, two cycles sooner on the way to each
 * lookup's first load (compilers do not drop it by themselves). */
TB_FORCE_INLINE uint64_t tb__l3_mix(uint64_t x, uint64_t key) {
    x ^= key;
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    return x;
}

/* The inverse of tb__l3_mix for a key: tests use it to build colliding ids. */
TB_FORCE_INLINE uint64_t tb__l3_unmix(uint64_t y, uint64_t key) {
    const uint64_t inv = UINT64_C(0xcfee444d8b59a89b); /* 0xd6e8feb86659fd93^-1 mod 2^64 */
    y *= inv;
    y ^= y >> 32;
    y *= inv;
    y ^= y >> 32;
    return y ^ key;
}

/* The next key of a reseed (splitmix64 step). */
TB_FORCE_INLINE uint64_t tb__l3_next_key(uint64_t key) {
    uint64_t z = key + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

TB_API const char *tb_l3_status_str(int status) {
    switch (status) {
    case TB_ERR_DUPLICATE: return "order id rests in the book already";
    case TB_ERR_UNKNOWN: return "no resting order has that id";
    case TB_ERR_OVERFLOW: return "level total would overflow the quantity type";
    default: return tb_status_str(status);
    }
}

/* Transparent huge pages for the big arrays the hot path reads at random
 * (the arena and the id index): with 4 KiB pages nearly every event also
 * misses the TLB (a two-level walk under a hypervisor). Only a hint, and
 * only on Linux. <sys/mman.h> declares madvise and MADV_HUGEPAGE under
 * _GNU_SOURCE / _DEFAULT_SOURCE (which Python.h, g++ and gnu11 set); a strict
 * -std=c11 C build hides both although libc has madvise, so on x86 and arm64
 * (where MADV_HUGEPAGE is 14) it is declared here (before, such a build ran
 * on 4 KiB pages). Define TB_NO_HUGE_PAGES to leave the pages alone. The
 * aligned 2 MiB blocks inside the block get it (tb__huge_alloc aligns the
 * whole array). */
#if defined(__linux__) && !defined(TB_NO_HUGE_PAGES)
#include <sys/mman.h>
#if defined(MADV_HUGEPAGE)
#define TB__MADV_HUGEPAGE MADV_HUGEPAGE
#elif !defined(__cplusplus) && (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
int madvise(void *addr, size_t len, int advice);
#define TB__MADV_HUGEPAGE 14
#endif
#endif
#define TB__HUGE_PAGE ((size_t)1 << 21)

static inline void tb__huge_page_hint(void *p, size_t n) {
#if defined(TB__MADV_HUGEPAGE)
    const uintptr_t lo = ((uintptr_t)p + TB__HUGE_PAGE - 1u) & ~(uintptr_t)(TB__HUGE_PAGE - 1u);
    const uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(TB__HUGE_PAGE - 1u);
    if (hi > lo) (void)madvise((void *)lo, (size_t)(hi - lo), TB__MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

/* n bytes (> 0) through TB_MALLOC for an array the hot path reads at random (the
 * arena, the id index); *mem = the block to TB_FREE. With libc's malloc, from one
 * huge page up, the array starts on a huge-page boundary (the block is a huge page
 * longer; the slack is never touched, so never backed), so the hint can back all of
 * it with huge pages: a misaligned 4 MiB index got one, the rest of it 4 KiB pages
 * and TLB misses. A custom TB_MALLOC may commit what it hands out: no slack then. */
static inline void *tb__huge_alloc(size_t n, void **mem) {
#ifdef TB__MALLOC_IS_LIBC
    const size_t slack = n >= TB__HUGE_PAGE ? TB__HUGE_PAGE : 0;
#else
    const size_t slack = 0;
#endif
    unsigned char *p;
    *mem = n <= SIZE_MAX - slack ? TB_MALLOC(n + slack) : NULL;
    if (!*mem) return NULL;
    p = (unsigned char *)*mem;
    if (slack) p += (TB__HUGE_PAGE - ((uintptr_t)p & (TB__HUGE_PAGE - 1u))) & (TB__HUGE_PAGE - 1u);
    tb__huge_page_hint(p, n);
    return p;
}

/* A read prefetch hint (no-op where the compiler has none). */
#if defined(__GNUC__) || defined(__clang__)
#define TB__PREFETCH(p) __builtin_prefetch(p)
#else
#define TB__PREFETCH(p) ((void)0)
#endif

/* Keep a computed flag or mask in a register: gcc 12 turns some selects on a
 * data-dependent flag into branches, the mispredictions the code around them is
 * written to avoid (callgrind, bench-l3-cg). An empty asm: no instruction; a
 * no-op without GNU asm. */
#if defined(__GNUC__) || defined(__clang__)
#define TB__L3_SETTLE(x) __asm__("" : "+r"(x))
#else
#define TB__L3_SETTLE(x) ((void)0)
#endif

#define TB__L3_NIL UINT32_MAX      /* no slot: list ends, free markers */
#define TB__L3_PROBE_LIMIT 64u     /* an insert probing longer asks for a reseed */
#define TB_L3_MAX_ORDERS (UINT32_C(1) << 30)
#define TB_L3_DUMP_MAGIC "TBL3DUMP"
#define TB_L3_DUMP_VERSION 2u /* 2: the counters follow the levels; 1 (no counters) still loads */
#define TB_L3_DUMP_HEADER 56u  /* magic 8, version 4, width 4, n 4, reserved 4, orders 8, levels 8, anchors 16 */
#define TB_L3_DUMP_LEVEL 24u   /* px 8, count 8, total 8 */
#define TB_L3_DUMP_ORDER 16u   /* id 8, qty 8 */

/* The counters of tb_l3_stats that dumps carry (version 2, in this order):
 * the successful operations, which make the book what it is, so a load, a
 * pickle or a checkpoint keeps them and a replay of the update log counts
 * them again. The other counters (arena_full, levels_full, rejected,
 * reseeds) are the history of one object, not of the book: refused calls
 * change nothing a dump holds (tests and replay verification compare
 * dumps), the update log keeps no refused call, and reseeds depend on the
 * object's own hash key. The one list that stats(), dump() and load() walk;
 * X(name) is expanded once per counter (the field name in TB__L3 and in
 * tb_l3_stats). */
#define TB__L3_DUMPED_COUNTERS(X) X(adds) X(cancels) X(modifies) X(executes) X(replaces) X(clears)
#define TB__L3_COUNT_ONE(name) +1u
#define TB_L3_DUMP_COUNTERS (8u * (0u TB__L3_DUMPED_COUNTERS(TB__L3_COUNT_ONE))) /* u64 each, after the levels */

#endif /* TB_L3_BASE_H */
