/* _hotpath.h — the calls that tapebook._hotpath (the CPython fast path of
 * Book's per-call methods) makes into the C core.
 *
 * The core is compiled once, into the CFFI module tapebook._tapebook_cffi.
 * That module also instantiates, for every shipped book variant, one
 * tbh_ops table of thin wrappers with variant-independent signatures
 * (int64 prices, uint64 quantities). tapebook._hotpath calls through these
 * tables and never compiles the core itself: one copy of the code, one
 * thread guard, one set of allocation hooks. No address comes from Python:
 * _hotpath finds tbh_ops_for() by symbol lookup in the loaded CFFI module,
 * and a book's memory through the buffer protocol.
 *
 * Why a second extension at all: a CFFI call packs its arguments in a tuple
 * and releases the GIL, ~185 ns on the reference VM, while a CPython
 * METH_FASTCALL method costs a few tens of ns (see bench/results).
 *
 * The wrappers return the C core's codes: >= 0 (or a tb_result) on success,
 * a tb_status <= -16 on error. The fast path never turns a status into an
 * exception itself: it hands the call to the Python implementation, which
 * repeats it (the C core changes nothing on error) and raises the exact
 * error. */
#ifndef TAPEBOOK_HOTPATH_H
#define TAPEBOOK_HOTPATH_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever tbh_ops changes, so that two stale builds refuse to mix. */
#define TBH_ABI 2u
/* levels()/top() with k above this take the Python path (stack buffers). */
#define TBH_MAX_K 256
/* wrapper status for an argument the variant's types cannot hold */
#define TBH_OUT_OF_TYPE (-1000)

typedef struct tbh_level {
    int64_t px;
    uint64_t qty;
} tbh_level;

typedef struct tbh_ops {
    uint32_t abi;  /* TBH_ABI */
    uint32_t size; /* sizeof(tbh_ops) */
    uint32_t price_bits;
    uint32_t n;
    uint32_t book_size; /* sizeof the book struct */
    /* tb_result (-2..1) or a status */
    int (*set)(void *book, int side, int64_t px, uint64_t qty);
    /* 0 with *px set, 1 when the side is empty, or a status */
    int (*best_px)(void *book, int side, int64_t *px);
    /* 0 with *qty set (0: empty side), or a status */
    int (*best_qty)(void *book, int side, uint64_t *qty);
    /* out[0] bid, out[1] ask (qty 0: empty side); 0 or a status */
    int (*bbo)(void *book, tbh_level out[2]);
    /* the k <= TBH_MAX_K best levels of side, best first: count or a status */
    int (*levels)(void *book, int side, tbh_level *out, size_t k);
    /* both sides in one guarded call: 0 with *n_bid and *n_ask set, or a status */
    int (*top)(void *book, tbh_level *bids, tbh_level *asks, size_t k, int *n_bid, int *n_ask);
    /* 0 with *qty set (0 when absent), or a status */
    int (*qty_at)(void *book, int side, int64_t px, uint64_t *qty);
} tbh_ops;

#ifdef TBH_DEFINE_OPS /* in the CFFI module only, after tapebook.h */

static int tbh_fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
static int tbh_fits_u32(uint64_t v) { return v <= UINT32_MAX; }
static int tbh_fits_i64(int64_t v) { return (void)v, 1; }
static int tbh_fits_u64(uint64_t v) { return (void)v, 1; }

/* A quantity query's answer: 0 means "no level" unless the call left a
 * status (the caller took any stale one before the call). */
static int tbh_qty_result(uint64_t q, uint64_t *out) {
    if (!q) {
        int st = tb_take_query_status();
        if (st) return st;
    }
    *out = q;
    return 0;
}

/* B: book type, P/Q: price/qty types, L/BBO: level/bbo types, W: 32 or 64,
 * PMIN/PMAX: the price type's range (the empty-side sentinels) */
#define TBH__VARIANT(B, P, Q, L, BBO, W, PMIN, PMAX, N)                                       \
    static int B##_hset(void *b, int side, int64_t px, uint64_t qty) {                      \
        if (!tbh_fits_i##W(px) || !tbh_fits_u##W(qty)) return TBH_OUT_OF_TYPE;               \
        return B##_set_code((B *)b, side, (P)px, (Q)qty);                                    \
    }                                                                                        \
    /* one C call each (one thread-guard claim): a status cannot be lost between two */     \
    static int B##_hbest_px(void *b, int side, int64_t *px) {                                  \
        P p;                                                                                 \
        (void)tb_take_query_status(); /* drop a status nobody took */                        \
        p = B##_best_px((B *)b, side);                                                       \
        if (p == (side ? (P)PMIN : (P)PMAX)) {                                               \
            int st = tb_take_query_status();                                                 \
            return st ? st : 1;                                                              \
        }                                                                                    \
        *px = p;                                                                             \
        return 0;                                                                            \
    }                                                                                        \
    static int B##_hbest_qty(void *b, int side, uint64_t *qty) {                               \
        (void)tb_take_query_status();                                                        \
        return tbh_qty_result(B##_best_qty((B *)b, side), qty);                              \
    }                                                                                        \
    static int B##_hbbo(void *b, tbh_level out[2]) {                                         \
        BBO o;                                                                               \
        int st = B##_bbo((B *)b, &o);                                                        \
        if (st) return st;                                                                   \
        out[0].px = o.bid_px;                                                                \
        out[0].qty = o.bid_qty;                                                              \
        out[1].px = o.ask_px;                                                                \
        out[1].qty = o.ask_qty;                                                              \
        return 0;                                                                            \
    }                                                                                        \
    static int B##_hlevels(void *b, int side, tbh_level *out, size_t k) {                    \
        L tmp[TBH_MAX_K];                                                                    \
        int r, i;                                                                            \
        if (k > TBH_MAX_K) return TBH_OUT_OF_TYPE;                                           \
        r = B##_levels_n((B *)b, side, tmp, k);                                              \
        for (i = 0; i < r; i++) {                                                            \
            out[i].px = tmp[i].px;                                                           \
            out[i].qty = tmp[i].qty;                                                         \
        }                                                                                    \
        return r;                                                                            \
    }                                                                                        \
    static int B##_htop(void *b, tbh_level *bids, tbh_level *asks, size_t k, int *nb, int *na) { \
        L tmp[2 * TBH_MAX_K];                                                                \
        int64_t r;                                                                           \
        int i;                                                                               \
        if (k > TBH_MAX_K) return TBH_OUT_OF_TYPE;                                           \
        r = B##_top((B *)b, tmp, k);                                                         \
        if (r < 0) return (int)r;                                                            \
        *nb = (int)(r & 0xFFFFFFFF);                                                         \
        *na = (int)(r >> 32);                                                                \
        for (i = 0; i < *nb; i++) {                                                          \
            bids[i].px = tmp[i].px;                                                          \
            bids[i].qty = tmp[i].qty;                                                        \
        }                                                                                    \
        for (i = 0; i < *na; i++) {                                                          \
            asks[i].px = tmp[k + (size_t)i].px;                                              \
            asks[i].qty = tmp[k + (size_t)i].qty;                                            \
        }                                                                                    \
        return 0;                                                                            \
    }                                                                                        \
    static int B##_hqty_at(void *b, int side, int64_t px, uint64_t *qty) {                   \
        if (!tbh_fits_i##W(px)) return TBH_OUT_OF_TYPE;                                      \
        (void)tb_take_query_status();                                                        \
        return tbh_qty_result(B##_qty_at((B *)b, side, (P)px), qty);                         \
    }                                                                                        \
    static const tbh_ops B##_hops = {TBH_ABI,        (uint32_t)sizeof(tbh_ops),                \
                                     W,              N,                                        \
                                     (uint32_t)sizeof(B), B##_hset,                            \
                                     B##_hbest_px,   B##_hbest_qty,                            \
                                     B##_hbbo,       B##_hlevels,                              \
                                     B##_htop,       B##_hqty_at};

#define TBH__I32(N) TBH__VARIANT(tb_book_i32_n##N, int32_t, uint32_t, tb_level_i32, tb_bbo_i32, 32, \
                                 INT32_MIN, INT32_MAX, N)
#define TBH__I64(N) TBH__VARIANT(tb_book_i64_n##N, int64_t, uint64_t, tb_level_i64, tb_bbo_i64, 64, \
                                 INT64_MIN, INT64_MAX, N)
TBH__I32(64) TBH__I32(128) TBH__I32(256) TBH__I32(512) TBH__I32(1024) TBH__I32(2048) TBH__I32(4096)
TBH__I64(64) TBH__I64(128) TBH__I64(256) TBH__I64(512) TBH__I64(1024) TBH__I64(2048) TBH__I64(4096)

/* The table of (price_bits, n), or NULL for a variant that is not shipped.
 * Exported: tapebook._hotpath looks it up with dlsym. */
const void *tbh_ops_for(int price_bits, int n) {
    static const tbh_ops *const i32[] = {&tb_book_i32_n64_hops,   &tb_book_i32_n128_hops,
                                         &tb_book_i32_n256_hops,  &tb_book_i32_n512_hops,
                                         &tb_book_i32_n1024_hops, &tb_book_i32_n2048_hops,
                                         &tb_book_i32_n4096_hops};
    static const tbh_ops *const i64[] = {&tb_book_i64_n64_hops,   &tb_book_i64_n128_hops,
                                         &tb_book_i64_n256_hops,  &tb_book_i64_n512_hops,
                                         &tb_book_i64_n1024_hops, &tb_book_i64_n2048_hops,
                                         &tb_book_i64_n4096_hops};
    int i;
    for (i = 0; i < 7; i++) {
        if (n == (64 << i)) return price_bits == 32 ? i32[i] : price_bits == 64 ? i64[i] : NULL;
    }
    return NULL;
}

#endif /* TBH_DEFINE_OPS */
#endif /* TAPEBOOK_HOTPATH_H */
