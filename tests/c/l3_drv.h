/* l3_drv.h — one function table per L3 variant (and its plain L2 book), with
 * prices as int64_t and quantities as uint64_t, so the L3 tests are written
 * once for every variant. L3_DRIVER(fam, n, P, Q) defines l3drv_<fam>_n<n>. */
#ifndef L3_DRV_H
#define L3_DRV_H

/* Only the variants used here (a faster compile; also the custom-variant path
 * of tapebook.h): L2 books and L3 books over them.
 *
 * Sanitizer builds (detected as in tbv_all.h) and L3DRV_SUBSET test two of the five:
 * i32 N=1024 (a multi-word tape summary) and i64 N=64 (one word): every variant runs
 * the same template code, and the three others cost each sanitized L3 test about
 * half its compile time (make test builds three of them). */
#if defined(__has_feature)
#define L3DRV__HAS_FEATURE(x) __has_feature(x)
#else
#define L3DRV__HAS_FEATURE(x) 0
#endif
#if !defined(L3DRV_SUBSET) && (defined(__SANITIZE_ADDRESS__) || L3DRV__HAS_FEATURE(address_sanitizer) || \
                               L3DRV__HAS_FEATURE(undefined_behavior_sanitizer))
#define L3DRV_SUBSET 1
#endif
#define TB_NO_SHIPPED_VARIANTS
#include "tapebook.h"
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family.inc"
#ifndef L3DRV_SUBSET
#define TB_N 64
#include "tapebook/tb_book.inc"
#define TB_N 64
#include "tapebook/tb_l3.inc"
#endif
#define TB_N 1024
#include "tapebook/tb_book.inc"
#define TB_N 1024
#include "tapebook/tb_l3.inc"
#include "tapebook/tb_family_end.inc"
#include "tapebook/tb_params_i64.inc"
#include "tapebook/tb_family.inc"
#define TB_N 64
#include "tapebook/tb_book.inc"
#define TB_N 64
#include "tapebook/tb_l3.inc"
#ifndef L3DRV_SUBSET
#define TB_N 256
#include "tapebook/tb_book.inc"
#define TB_N 256
#include "tapebook/tb_l3.inc"
#define TB_N 4096
#include "tapebook/tb_book.inc"
#define TB_N 4096
#include "tapebook/tb_l3.inc"
#endif
#include "tapebook/tb_family_end.inc"

#include <stdlib.h>
#include <string.h>

#define L3DRV_BATCH_MAX 512 /* rows per apply_mbo call through the table */

typedef struct l3drv {
    const char *name;
    int bits;
    uint32_t n;
    int64_t pmin, pmax, amin, amax;
    uint64_t qmax;
    void *(*create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap, int *st);
    void *(*create_reserved)(int64_t anchor, uint32_t max_orders, uint32_t reserve, uint32_t max_cap, int *st);
    int (*destroy)(void *l);
    int (*add)(void *l, uint64_t id, int side, int64_t px, uint64_t qty);
    int (*cancel)(void *l, uint64_t id);
    int (*reduce)(void *l, uint64_t id, uint64_t qty);
    int (*execute)(void *l, uint64_t id, uint64_t qty);
    int (*modify)(void *l, uint64_t id, uint64_t qty);
    int (*amend)(void *l, uint64_t id, int64_t px, uint64_t qty);
    int (*replace)(void *l, uint64_t old_id, uint64_t new_id, int64_t px, uint64_t qty);
    int (*clear)(void *l);
    int (*reset)(void *l, int64_t anchor);
    int (*order)(void *l, uint64_t id, int64_t *px, uint64_t *qty, int *side);
    int (*qpos)(void *l, uint64_t id, uint64_t *orders, uint64_t *qty);
    int (*level_orders)(void *l, int side, int64_t px, uint64_t *ids, uint64_t *qtys, size_t k, size_t *n_out,
                        size_t *n_level);
    size_t (*count)(void *l);
    int (*verify)(void *l);
    int (*stats)(void *l, tb_l3_stats *out);
    uint64_t (*key)(void *l);
    int (*reseed)(void *l, uint64_t key);
    int (*apply_mbo)(void *l, const uint8_t *a, const uint64_t *ids, const uint8_t *sides, const int64_t *px,
                     const uint64_t *qty, size_t n, int8_t *st, size_t *n_err, int64_t *bbo4);
    int (*dump)(void *l, unsigned char **buf, size_t *len); /* *buf from malloc */
    int (*load)(void *l, const void *buf, size_t len);
    size_t (*view_levels)(void *l, int side, int64_t *px, uint64_t *qty, size_t k);
    void (*view_bbo)(void *l, int64_t out[4]);
    uint64_t (*view_qty_at)(void *l, int side, int64_t px);
    int (*view_recenter)(void *l, int side, int64_t anchor);
    int64_t (*view_anchor)(void *l, int side);
    int (*book_stats)(void *l, tb_book_stats *out);
    /* the plain L2 book fed the derived level changes */
    void *(*b_create)(int64_t anchor, uint32_t max_cap);
    int (*b_destroy)(void *b);
    int (*b_set)(void *b, int side, int64_t px, uint64_t qty);
    int (*b_clear)(void *b);
    size_t (*b_levels)(void *b, int side, int64_t *px, uint64_t *qty, size_t k);
    void (*b_bbo)(void *b, int64_t out[4]);
} l3drv;

#define L3DRV_CAT2(a, b) a##b
#define L3DRV_CAT(a, b) L3DRV_CAT2(a, b)

#define L3_DRIVER(FAM, N, P, Q, TMIN, TMAX)                                                                                  \
    typedef L3DRV_CAT(L3DRV_CAT(tb_l3_, FAM), L3DRV_CAT(_n, N)) L3DRV_CAT(l3t_, L3DRV_CAT(FAM, N));                \
    typedef L3DRV_CAT(L3DRV_CAT(tb_book_, FAM), L3DRV_CAT(_n, N)) L3DRV_CAT(l3b_, L3DRV_CAT(FAM, N));              \
    L3_DRIVER_BODY(L3DRV_CAT(l3t_, L3DRV_CAT(FAM, N)), L3DRV_CAT(l3b_, L3DRV_CAT(FAM, N)),                         \
                   L3DRV_CAT(L3DRV_CAT(tb_l3_, FAM), L3DRV_CAT(_n, N)),                                           \
                   L3DRV_CAT(L3DRV_CAT(tb_book_, FAM), L3DRV_CAT(_n, N)), L3DRV_CAT(tb_level_, FAM),               \
                   L3DRV_CAT(tb_bbo_, FAM), L3DRV_CAT(tb_l3_order_, FAM), P, Q, L3DRV_CAT(FAM, N),                 \
                   L3DRV_CAT(l3drv_, L3DRV_CAT(FAM, L3DRV_CAT(_n, N))), #FAM "_n" #N, (int)(8 * sizeof(P)), N, TMIN, TMAX)

#define L3_DRIVER_BODY(T, BT, L, B, LV, BBO, ORD, P, Q, TAG, DRV, NAME, BITS, N, TMIN, TMAX)                                \
    static void *L3DRV_CAT(d_create_, TAG)(int64_t a, uint32_t mo, uint32_t mc, int *st) {                          \
        T *l = NULL;                                                                                              \
        *st = L3DRV_CAT(L, _create)(&l, (P)a, mo, mc, NULL);                                                       \
        return l;                                                                                                 \
    }                                                                                                             \
    static void *L3DRV_CAT(d_create_reserved_, TAG)(int64_t a, uint32_t mo, uint32_t r, uint32_t mc, int *st) {   \
        T *l = NULL;                                                                                              \
        *st = L3DRV_CAT(L, _create_reserved)(&l, (P)a, mo, r, mc, NULL);                                           \
        return l;                                                                                                 \
    }                                                                                                             \
    static int L3DRV_CAT(d_destroy_, TAG)(void *l) { return L3DRV_CAT(L, _destroy)((T *)l); }                      \
    static int L3DRV_CAT(d_add_, TAG)(void *l, uint64_t id, int side, int64_t px, uint64_t qty) {                 \
        return L3DRV_CAT(L, _add)((T *)l, id, side, (P)px, (Q)qty);                                                \
    }                                                                                                             \
    static int L3DRV_CAT(d_cancel_, TAG)(void *l, uint64_t id) { return L3DRV_CAT(L, _cancel)((T *)l, id); }      \
    static int L3DRV_CAT(d_reduce_, TAG)(void *l, uint64_t id, uint64_t q) {                                      \
        return L3DRV_CAT(L, _reduce)((T *)l, id, (Q)q);                                                            \
    }                                                                                                             \
    static int L3DRV_CAT(d_execute_, TAG)(void *l, uint64_t id, uint64_t q) {                                     \
        return L3DRV_CAT(L, _execute)((T *)l, id, (Q)q);                                                           \
    }                                                                                                             \
    static int L3DRV_CAT(d_modify_, TAG)(void *l, uint64_t id, uint64_t q) {                                      \
        return L3DRV_CAT(L, _modify)((T *)l, id, (Q)q);                                                            \
    }                                                                                                             \
    static int L3DRV_CAT(d_amend_, TAG)(void *l, uint64_t id, int64_t px, uint64_t q) {                           \
        return L3DRV_CAT(L, _amend)((T *)l, id, (P)px, (Q)q);                                                      \
    }                                                                                                             \
    static int L3DRV_CAT(d_replace_, TAG)(void *l, uint64_t o, uint64_t nid, int64_t px, uint64_t q) {            \
        return L3DRV_CAT(L, _replace)((T *)l, o, nid, (P)px, (Q)q);                                                \
    }                                                                                                             \
    static int L3DRV_CAT(d_clear_, TAG)(void *l) { return L3DRV_CAT(L, _clear)((T *)l); }                         \
    static int L3DRV_CAT(d_reset_, TAG)(void *l, int64_t a) { return L3DRV_CAT(L, _reset)((T *)l, (P)a); }        \
    static int L3DRV_CAT(d_order_, TAG)(void *l, uint64_t id, int64_t *px, uint64_t *q, int *side) {              \
        ORD o;                                                                                                    \
        int st = L3DRV_CAT(L, _order)((T *)l, id, &o);                                                             \
        if (st == 0) {                                                                                            \
            *px = (int64_t)o.px;                                                                                  \
            *q = (uint64_t)o.qty;                                                                                 \
            *side = (int)o.side;                                                                                  \
        }                                                                                                         \
        return st;                                                                                                \
    }                                                                                                             \
    static int L3DRV_CAT(d_qpos_, TAG)(void *l, uint64_t id, uint64_t *k, uint64_t *q) {                          \
        Q qq = 0;                                                                                                 \
        int st = L3DRV_CAT(L, _queue_position)((T *)l, id, k, &qq);                                                \
        *q = (uint64_t)qq;                                                                                        \
        return st;                                                                                                \
    }                                                                                                             \
    static int L3DRV_CAT(d_lorders_, TAG)(void *l, int side, int64_t px, uint64_t *ids, uint64_t *qs, size_t k,   \
                                          size_t *n_out, size_t *n_level) {                                       \
        Q *tmp = (Q *)malloc((k ? k : 1) * sizeof(Q));                                                            \
        size_t i;                                                                                                 \
        int st = L3DRV_CAT(L, _level_orders)((T *)l, side, (P)px, ids, tmp, k, n_out, n_level);                    \
        for (i = 0; i < *n_out; i++) qs[i] = (uint64_t)tmp[i];                                                    \
        free(tmp);                                                                                                \
        return st;                                                                                                \
    }                                                                                                             \
    static size_t L3DRV_CAT(d_count_, TAG)(void *l) { return L3DRV_CAT(L, _count)((T *)l); }                      \
    static int L3DRV_CAT(d_verify_, TAG)(void *l) { return L3DRV_CAT(L, _verify_invariants)((T *)l); }            \
    static int L3DRV_CAT(d_stats_, TAG)(void *l, tb_l3_stats *o) { return L3DRV_CAT(L, _stats)((T *)l, o); }     \
    static uint64_t L3DRV_CAT(d_key_, TAG)(void *l) { return L3DRV_CAT(L, _index_key)((T *)l); }                  \
    static int L3DRV_CAT(d_reseed_, TAG)(void *l, uint64_t k) { return L3DRV_CAT(L, _reseed)((T *)l, k); }        \
    static int L3DRV_CAT(d_mbo_, TAG)(void *l, const uint8_t *a, const uint64_t *ids, const uint8_t *sd,          \
                                      const int64_t *px, const uint64_t *qty, size_t n, int8_t *st,               \
                                      size_t *n_err, int64_t *bbo4) {                                             \
        static P tp[L3DRV_BATCH_MAX];                                                                             \
        static Q tq[L3DRV_BATCH_MAX];                                                                             \
        static BBO tb[L3DRV_BATCH_MAX];                                                                           \
        size_t i;                                                                                                 \
        int r;                                                                                                    \
        if (n > L3DRV_BATCH_MAX) return TB_ERR_BADARG;                                                            \
        for (i = 0; i < n; i++) {                                                                                 \
            tp[i] = (P)px[i];                                                                                     \
            tq[i] = (Q)qty[i];                                                                                    \
        }                                                                                                         \
        if (!bbo4) return L3DRV_CAT(L, _apply_mbo)((T *)l, a, ids, sd, tp, tq, n, st, n_err);                      \
        r = L3DRV_CAT(L, _apply_mbo_bbo)((T *)l, a, ids, sd, tp, tq, n, st, tb, n_err);                            \
        for (i = 0; i < n; i++) {                                                                                 \
            bbo4[4 * i] = (int64_t)tb[i].bid_px;                                                                  \
            bbo4[4 * i + 1] = (int64_t)tb[i].bid_qty;                                                             \
            bbo4[4 * i + 2] = (int64_t)tb[i].ask_px;                                                              \
            bbo4[4 * i + 3] = (int64_t)tb[i].ask_qty;                                                             \
        }                                                                                                         \
        return r;                                                                                                 \
    }                                                                                                             \
    static int L3DRV_CAT(d_dump_, TAG)(void *l, unsigned char **buf, size_t *len) {                               \
        size_t n = 0;                                                                                             \
        int st = L3DRV_CAT(L, _dump_size)((T *)l, &n);                                                             \
        *buf = NULL;                                                                                              \
        if (st) return st;                                                                                        \
        *buf = (unsigned char *)malloc(n);                                                                        \
        if (!*buf) return TB_ERR_NOMEM;                                                                           \
        return L3DRV_CAT(L, _dump)((T *)l, *buf, n, len);                                                          \
    }                                                                                                             \
    static int L3DRV_CAT(d_load_, TAG)(void *l, const void *b, size_t n) {                                        \
        return L3DRV_CAT(L, _load)((T *)l, b, n);                                                                  \
    }                                                                                                             \
    static size_t L3DRV_CAT(d_blevels_, TAG)(void *b, int side, int64_t *px, uint64_t *q, size_t k) {             \
        LV *tmp = (LV *)malloc((k ? k : 1) * sizeof(LV));                                                         \
        size_t n = 0, i;                                                                                          \
        L3DRV_CAT(B, _levels)((BT *)b, side, tmp, k, &n);                                                          \
        for (i = 0; i < n; i++) {                                                                                 \
            px[i] = (int64_t)tmp[i].px;                                                                           \
            q[i] = (uint64_t)tmp[i].qty;                                                                          \
        }                                                                                                         \
        free(tmp);                                                                                                \
        return n;                                                                                                 \
    }                                                                                                             \
    static void L3DRV_CAT(d_bbbo_, TAG)(void *b, int64_t o[4]) {                                                  \
        BBO x = {0, 0, 0, 0};                                                                                                  \
        L3DRV_CAT(B, _bbo)((BT *)b, &x);                                                                           \
        o[0] = (int64_t)x.bid_px;                                                                                 \
        o[1] = (int64_t)x.bid_qty;                                                                                \
        o[2] = (int64_t)x.ask_px;                                                                                 \
        o[3] = (int64_t)x.ask_qty;                                                                                \
    }                                                                                                             \
    static size_t L3DRV_CAT(d_vlevels_, TAG)(void *l, int side, int64_t *px, uint64_t *q, size_t k) {             \
        return L3DRV_CAT(d_blevels_, TAG)(L3DRV_CAT(L, _book)((T *)l), side, px, q, k);                            \
    }                                                                                                             \
    static void L3DRV_CAT(d_vbbo_, TAG)(void *l, int64_t o[4]) {                                                  \
        L3DRV_CAT(d_bbbo_, TAG)(L3DRV_CAT(L, _book)((T *)l), o);                                                   \
    }                                                                                                             \
    static uint64_t L3DRV_CAT(d_vqty_, TAG)(void *l, int side, int64_t px) {                                      \
        return (uint64_t)L3DRV_CAT(B, _qty_at)(L3DRV_CAT(L, _book)((T *)l), side, (P)px);                          \
    }                                                                                                             \
    static int L3DRV_CAT(d_vrecenter_, TAG)(void *l, int side, int64_t a) {                                       \
        return L3DRV_CAT(B, _recenter)(L3DRV_CAT(L, _book)((T *)l), side, (P)a);                                   \
    }                                                                                                             \
    static int64_t L3DRV_CAT(d_vanchor_, TAG)(void *l, int side) {                                                \
        return (int64_t)L3DRV_CAT(B, _anchor)(L3DRV_CAT(L, _book)((T *)l), side);                                  \
    }                                                                                                             \
    static int L3DRV_CAT(d_bstats_, TAG)(void *l, tb_book_stats *o) {                                             \
        return L3DRV_CAT(B, _stats)(L3DRV_CAT(L, _book)((T *)l), o);                                               \
    }                                                                                                             \
    static void *L3DRV_CAT(d_bcreate_, TAG)(int64_t a, uint32_t mc) {                                             \
        BT *b = NULL;                                                                                             \
        return L3DRV_CAT(B, _create)(&b, (P)a, mc, NULL) == 0 ? b : NULL;                                          \
    }                                                                                                             \
    static int L3DRV_CAT(d_bdestroy_, TAG)(void *b) { return L3DRV_CAT(B, _destroy)((BT *)b); }                   \
    static int L3DRV_CAT(d_bset_, TAG)(void *b, int side, int64_t px, uint64_t q) {                               \
        return L3DRV_CAT(B, _set_code)((BT *)b, side, (P)px, (Q)q);                                                \
    }                                                                                                             \
    static int L3DRV_CAT(d_bclear_, TAG)(void *b) { return L3DRV_CAT(B, _clear)((BT *)b); }                       \
    static const l3drv DRV = {NAME,                                                                               \
                              BITS,                                                                               \
                              N,                                                                                  \
                              (int64_t)(TMIN) + (N),                                                              \
                              (int64_t)(TMAX) - (N),                                                              \
                              (int64_t)(TMIN) + (N) - 1,                                                          \
                              (int64_t)(TMAX) - (N) + 1,                                                          \
                              (uint64_t)(Q) ~(Q)0,                                                                \
                              L3DRV_CAT(d_create_, TAG),                                                          \
                              L3DRV_CAT(d_create_reserved_, TAG),                                                 \
                              L3DRV_CAT(d_destroy_, TAG),                                                         \
                              L3DRV_CAT(d_add_, TAG),                                                             \
                              L3DRV_CAT(d_cancel_, TAG),                                                          \
                              L3DRV_CAT(d_reduce_, TAG),                                                          \
                              L3DRV_CAT(d_execute_, TAG),                                                         \
                              L3DRV_CAT(d_modify_, TAG),                                                          \
                              L3DRV_CAT(d_amend_, TAG),                                                           \
                              L3DRV_CAT(d_replace_, TAG),                                                         \
                              L3DRV_CAT(d_clear_, TAG),                                                           \
                              L3DRV_CAT(d_reset_, TAG),                                                           \
                              L3DRV_CAT(d_order_, TAG),                                                           \
                              L3DRV_CAT(d_qpos_, TAG),                                                            \
                              L3DRV_CAT(d_lorders_, TAG),                                                         \
                              L3DRV_CAT(d_count_, TAG),                                                           \
                              L3DRV_CAT(d_verify_, TAG),                                                          \
                              L3DRV_CAT(d_stats_, TAG),                                                           \
                              L3DRV_CAT(d_key_, TAG),                                                             \
                              L3DRV_CAT(d_reseed_, TAG),                                                          \
                              L3DRV_CAT(d_mbo_, TAG),                                                             \
                              L3DRV_CAT(d_dump_, TAG),                                                            \
                              L3DRV_CAT(d_load_, TAG),                                                            \
                              L3DRV_CAT(d_vlevels_, TAG),                                                         \
                              L3DRV_CAT(d_vbbo_, TAG),                                                            \
                              L3DRV_CAT(d_vqty_, TAG),                                                            \
                              L3DRV_CAT(d_vrecenter_, TAG),                                                       \
                              L3DRV_CAT(d_vanchor_, TAG),                                                         \
                              L3DRV_CAT(d_bstats_, TAG),                                                          \
                              L3DRV_CAT(d_bcreate_, TAG),                                                         \
                              L3DRV_CAT(d_bdestroy_, TAG),                                                        \
                              L3DRV_CAT(d_bset_, TAG),                                                            \
                              L3DRV_CAT(d_bclear_, TAG),                                                          \
                              L3DRV_CAT(d_blevels_, TAG),                                                         \
                              L3DRV_CAT(d_bbbo_, TAG)};

L3_DRIVER(i32, 1024, int32_t, uint32_t, INT32_MIN, INT32_MAX)
L3_DRIVER(i64, 64, int64_t, uint64_t, INT64_MIN, INT64_MAX)
#ifndef L3DRV_SUBSET
L3_DRIVER(i32, 64, int32_t, uint32_t, INT32_MIN, INT32_MAX)
L3_DRIVER(i64, 256, int64_t, uint64_t, INT64_MIN, INT64_MAX)
L3_DRIVER(i64, 4096, int64_t, uint64_t, INT64_MIN, INT64_MAX)

static const l3drv *const l3drv_all[] = {&l3drv_i32_n64, &l3drv_i32_n1024, &l3drv_i64_n64, &l3drv_i64_n256,
                                         &l3drv_i64_n4096};
#else
static const l3drv *const l3drv_all[] = {&l3drv_i32_n1024, &l3drv_i64_n64};
#endif
#define L3DRV_COUNT (sizeof l3drv_all / sizeof l3drv_all[0])

#endif /* L3_DRV_H */
