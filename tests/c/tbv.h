/* tbv.h — a uniform view of every tapebook variant for the tests.
 *
 * The library's variants are distinct C types (tb_book_i32_n64,
 * tb_book_i64_n4096, ...). The tests are written once against the library's
 * own type-erased table, tb_ops (csrc/tapebook/tb_ops.h: int64_t prices,
 * uint64_t quantities, the table the Python fast path calls through too);
 * tbv_ops is that type. What the library's table does not carry — batches
 * and snapshot loads over int64 arrays, the iterator, and white-box helpers
 * (corrupt(), state(), nx()) that reach into the structs — is a tbv_extra per
 * variant (tbv_book_tmpl.h), found with tbv_x(V). tbv_pool_tmpl.h /
 * tbv_multi_tmpl.h give SpillPools and multi-book pools tables of their
 * own. tbv_all.h instantiates the lot. */
#ifndef TBV_H
#define TBV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapebook.h"
#include "tapebook/tb_ops.h"

#define TBV_CAT2(a, b) a##b
#define TBV_CAT(a, b) TBV_CAT2(a, b)
#define TBV_CAT3(a, b, c) TBV_CAT(TBV_CAT(a, b), c)
#define TBV_STR2(x) #x
#define TBV_STR(x) TBV_STR2(x)

typedef tb_ops_level tbv_level;
typedef tb_ops_bbo tbv_bbo;

/* Ways to break a book on purpose (verify_invariants must notice). */
enum tbv_corruption {
    TBV_C_BIT_WITHOUT_QTY = 0, /* bitset bit set over an empty cell */
    TBV_C_QTY_WITHOUT_BIT,     /* quantity in a cell whose bit is clear */
    TBV_C_SUMMARY,             /* summary bit disagrees with its word */
    TBV_C_BEST,                /* cached best index wrong (and not "dirty") */
    TBV_C_SPILL_ORDER,         /* two spill levels swapped */
    TBV_C_SPILL_IN_WINDOW,     /* a spill level inside the tape window */
    TBV_C_SPILL_ZERO_QTY,      /* a spill level with quantity 0 */
    TBV_C_SPILL_DUP,           /* two spill levels with the same price */
    TBV_C_SPILL_N_OVER_CAP,    /* spill count above its capacity */
    TBV_C_SPILL_BAD_PRICE,     /* a spill level at the empty sentinel */
    TBV_C_SPILL_CAP_NOT_POW2,  /* capacity not a power of two */
    TBV_C_SPILL_HEAD,          /* ring head outside the ring */
    TBV_C_ANCHOR,              /* anchor outside the valid anchor range */
    TBV_C_SUMMARY_EXTRA,       /* summary bit beyond the last word */
    TBV_C_NX_BIT,              /* spill near index: a bitmap bit flipped */
    TBV_C_NX_RANK,             /* spill near index: rank of the region start off by one */
    TBV_C_NX_CNT,              /* spill near index: a prefix count off by one */
    TBV_C_COUNT
};

static const char *const tbv_corruption_names[TBV_C_COUNT] = {
    "bit_without_qty", "qty_without_bit", "summary", "best", "spill_order", "spill_in_window",
    "spill_zero_qty", "spill_dup", "spill_n_over_cap", "spill_bad_price", "spill_cap_not_pow2",
    "spill_head", "anchor", "summary_extra", "nx_bit", "nx_rank", "nx_cnt"};

/* The spill's near index of one side (white box; tb_spill.inc). */
typedef struct tbv_nx {
    int64_t start;        /* price of region offset 0 */
    uint32_t rank;        /* levels better than start */
    uint32_t score, need, hits, misses;
    uint32_t bits_set;    /* levels inside the region */
    uint32_t span;        /* prices the region covers */
    uint32_t slots, live; /* spill slots in use (levels and tombstones), live levels */
} tbv_nx;

/* Bytes overwritten by a corruption, so it can be undone. */
typedef struct tbv_undo {
    unsigned char *addr[6];
    unsigned char save[6][16];
    size_t len[6];
    int k;
} tbv_undo;

static inline void tbv_undo_record(tbv_undo *u, void *addr, size_t len) {
    if (u->k >= 6 || len > 16) abort();
    u->addr[u->k] = (unsigned char *)addr;
    memcpy(u->save[u->k], addr, len);
    u->len[u->k] = len;
    u->k++;
}

static inline void tbv_undo_apply(tbv_undo *u) {
    while (u->k > 0) {
        u->k--;
        memcpy(u->addr[u->k], u->save[u->k], u->len[u->k]);
    }
}

/* a book variant's per-call API: the library's table */
typedef tb_ops tbv_ops;

/* the test-only functions of a book variant (tbv_book_tmpl.h) */
typedef struct tbv_extra {
    const tb_ops *ops; /* the variant they belong to */
    /* iterate with iter_init / iter_next into out (at most k) */
    int (*iter_levels)(void *b, int side, tbv_level *out, size_t k, size_t *n_out);
    int (*iter_init_null)(void *b, int side); /* iter_init(NULL, b, side) */
    int (*iter_next_null)(void);              /* iter_next(NULL, &lv) */
    /* px / qty NULL are passed through as NULL */
    int (*apply)(void *b, const uint8_t *sides, const int64_t *px, const uint64_t *qty, size_t n,
                 int8_t *results, size_t *n_done);
    int (*bbo_trace)(void *b, const uint8_t *sides, const int64_t *px, const uint64_t *qty, size_t n,
                     tbv_bbo *out, size_t *n_done);
    /* white box */
    int (*corrupt)(void *b, int kind, int side, tbv_undo *u); /* 1 when applied */
    uint8_t *(*state)(void *b);
    void *(*pool_of)(void *b);
    void (*nx)(void *b, int side, tbv_nx *out);
    /* snapshot loads; px / qty NULL are passed through as NULL */
    int (*load_side)(void *b, int side, const int64_t *px, const uint64_t *qty, size_t n, size_t *bad);
    int (*load_snapshot)(void *b, const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid,
                         const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask, size_t *bad);
} tbv_extra;

typedef struct tbv_pool_ops {
    const char *name;
    int bits;
    uint32_t level_bytes;
    size_t (*struct_size)(void);
    uint32_t (*level_size)(void);
    int (*create)(void **out, uint32_t levels, int policy);
    int (*destroy)(void *p);
    int (*init)(void *p, uint32_t levels, int policy);
    int (*deinit)(void *p);
    void *(*alloc)(void *p, uint32_t levels);
    void (*free)(void *p, void *blk, uint32_t levels);
    void *(*realloc)(void *p, void *old, uint32_t old_levels, uint32_t new_levels, uint32_t used);
    int (*stats)(void *p, tb_pool_stats *out);
    void (*blk_set)(void *blk, uint32_t i, int64_t px, uint64_t qty);
    void (*blk_get)(const void *blk, uint32_t i, int64_t *px, uint64_t *qty);
    int (*owns)(void *p, const void *blk);
    uint8_t *(*state)(void *p);
} tbv_pool_ops;

typedef struct tbv_multi_ops {
    const char *name;
    int bits;
    uint32_t tier_n[3];
    const tbv_ops *tier_ops[3];
    const tbv_pool_ops *pool_ops;
    size_t (*struct_size)(void);
    int (*create)(void **out, uint32_t n_high, uint32_t n_medium, uint32_t n_low, uint32_t pool_levels,
                  uint32_t default_max_cap, int policy);
    int (*destroy)(void *m);
    int (*alloc)(void *m, int tier, int64_t anchor, uint32_t max_cap, tb_handle *out);
    int (*free)(void *m, tb_handle h);
    void *(*book)(void *m, int tier, tb_handle h); /* book_high / _medium / _low by tier */
    int (*set_code)(void *m, tb_handle h, int side, int64_t px, uint64_t qty);
    int (*bbo)(void *m, tb_handle h, tbv_bbo *out);
    void *(*pool)(void *m);
    int (*tier_info)(void *m, int tier, uint32_t *capacity, uint32_t *live);
    uint32_t (*tier_n_fn)(int tier);
} tbv_multi_ops;

/* ---- helpers over the tables ------------------------------------------------ */

/* Aligned caller storage for init()/deinit() tests. */
static inline void *tbv_storage(const tbv_ops *V) {
    size_t sz = V->struct_size();
    void *p = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    if (!p) abort();
    memset(p, 0xA5, sz);
    return p;
}

/* Everything observable about a book: depth of both sides, anchors, BBO,
 * stats. Two equal snapshots mean "unchanged". */
typedef struct tbv_snap {
    tbv_level *lv[2];
    size_t n[2];
    int64_t anchor[2];
    tbv_bbo bbo;
    tb_book_stats st;
    int ok;
} tbv_snap;

static inline void tbv_snap_take(const tbv_ops *V, void *b, tbv_snap *s) {
    int side;
    memset(s, 0, sizeof *s);
    s->ok = 1;
    for (side = 0; side < 2; side++) {
        size_t d = 0;
        if (V->depth(b, side, &d) != TB_OK) s->ok = 0;
        s->lv[side] = (tbv_level *)malloc((d + 1) * sizeof(tbv_level));
        if (!s->lv[side]) abort();
        if (V->levels(b, side, s->lv[side], d + 1, &s->n[side]) != TB_OK) s->ok = 0;
        if (s->n[side] != d) s->ok = 0;
        s->anchor[side] = V->anchor(b, side);
    }
    if (V->bbo(b, &s->bbo) != TB_OK) s->ok = 0;
    if (V->stats(b, &s->st) != TB_OK) s->ok = 0;
}

static inline void tbv_snap_free(tbv_snap *s) {
    free(s->lv[0]);
    free(s->lv[1]);
    s->lv[0] = s->lv[1] = NULL;
}

static inline int tbv_snap_eq(const tbv_snap *a, const tbv_snap *b) {
    int side;
    if (!a->ok || !b->ok) return 0;
    for (side = 0; side < 2; side++) {
        if (a->n[side] != b->n[side] || a->anchor[side] != b->anchor[side]) return 0;
        if (a->n[side] && memcmp(a->lv[side], b->lv[side], a->n[side] * sizeof(tbv_level)) != 0) return 0;
    }
    return memcmp(&a->bbo, &b->bbo, sizeof a->bbo) == 0 && memcmp(&a->st, &b->st, sizeof a->st) == 0;
}

/* Levels of a pool size class. */
static inline uint32_t tbv_class_levels(int k) { return 16u << k; }
static inline int tbv_class_of(uint32_t levels) {
    int k = 0;
    while ((16u << k) < levels) k++;
    return k;
}

#endif /* TBV_H */
