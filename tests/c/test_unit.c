/* test_unit.c — unit tests for every behaviour of docs/semantics.md section 2, the
 * SpillPool, the multi-book pool, the bit scans and the thread guard.
 *
 * Each book test is written once against tbv_ops (tbv.h) and run for a
 * subset of variants of both families, including two custom tape sizes
 * built through tb_family_reopen.inc (N = 8192 and 16384: tapes with more
 * than one summary word). Expected states come from ref_book.h, the
 * independent reference model, where a hand-written expectation would be
 * long. The five known failure modes of the reference implementation have
 * tests named t_regression_[a-e]_*.
 *
 * The Makefile also builds this file with -DTB_FORCE_PORTABLE_BITS (the bit
 * scan test then covers the portable fallback) and with -DTB_THREAD_GUARD
 * (the busy-flag tests only run there).
 *
 * Usage: test_unit [--profile quick|sanitizer|full] [--verbose] */
#define TBV_SUBSET
#include "tbv_all.h"

#include "ref_book.h"
#include "tb_test.h"

#include <stdio.h>

#define P0 ((int64_t)1000000)

#ifdef TB_THREAD_GUARD
#define TB_THREAD_GUARD_ON 1
#else
#define TB_THREAD_GUARD_ON 0
#endif

/* ---- helpers ------------------------------------------------------------------ */

static void *mk(const tbv_ops *V, int64_t anchor, uint32_t max_cap, void *pool) {
    void *b = NULL;
    int st = V->create(&b, anchor, max_cap, pool);
    if (!CHECK_EQ(st, TB_OK) || !b) {
        fprintf(stderr, "cannot create %s (%s)\n", V->name, tb_status_str(st));
        abort();
    }
    return b;
}

static tb_book_stats stats_of(const tbv_ops *V, void *b) {
    tb_book_stats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(V->stats(b, &s), TB_OK);
    return s;
}

static tb_pool_stats pstats_of(const tbv_pool_ops *P, void *p) {
    tb_pool_stats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(P->stats(p, &s), TB_OK);
    return s;
}

/* Set on the book and on the reference; the result codes must agree. */
static int both_set(const tbv_ops *V, void *b, ref_book *r, int side, int64_t px, uint64_t qty) {
    int got = V->set_code(b, side, px, qty);
    int want = ref_set(r, side, px, qty);
    CHECK_MSG(got == want, "set(%d, %lld, %llu): book %d, reference %d", side, (long long)px,
              (unsigned long long)qty, got, want);
    return got;
}

static void both_recenter(const tbv_ops *V, void *b, ref_book *r, int side, int64_t anchor) {
    CHECK_EQ(V->recenter(b, side, anchor), TB_OK);
    CHECK_EQ(ref_recenter_checked(r, side, anchor), 0);
}

/* The book equals the reference in every observable: merged depth of both
 * sides (levels() and the iterator), tape/spill split, spill capacity and
 * loss counters, anchors, BBO, crossed flags; and its invariants hold. */
static int cmp_ref(const tbv_ops *V, void *b, const ref_book *r, const char *where) {
    int side, ok = 1;
    tb_book_stats st = stats_of(V, b);
    tbv_bbo bbo;
    for (side = 0; side < 2; side++) {
        size_t d = 0, n = 0, ni = 0, i, rn = ref_count(r, side);
        tbv_level *lv, *li;
        ref_level *rl;
        ok &= CHECK_EQ(V->depth(b, side, &d), TB_OK);
        ok &= CHECK_MSG(d == rn, "%s: side %d depth %zu, reference %zu", where, side, d, rn);
        lv = (tbv_level *)calloc(rn + d + 1, sizeof *lv);
        li = (tbv_level *)calloc(rn + d + 1, sizeof *li);
        rl = (ref_level *)calloc(rn + 1, sizeof *rl);
        if (!lv || !li || !rl) abort();
        ok &= CHECK_EQ(V->levels(b, side, lv, rn + d + 1, &n), TB_OK);
        ok &= CHECK_EQ(tbv_x(V)->iter_levels(b, side, li, rn + d + 1, &ni), TB_OK);
        ref_levels(r, side, rl, rn);
        ok &= CHECK_MSG(n == rn && ni == rn, "%s: side %d levels %zu / iter %zu, reference %zu", where, side, n,
                        ni, rn);
        for (i = 0; i < n && i < rn && ok; i++) {
            ok &= CHECK_MSG(lv[i].px == rl[i].px && lv[i].qty == rl[i].qty,
                            "%s: side %d level %zu: book (%lld, %llu), reference (%lld, %llu)", where, side, i,
                            (long long)lv[i].px, (unsigned long long)lv[i].qty, (long long)rl[i].px,
                            (unsigned long long)rl[i].qty);
            ok &= CHECK_MSG(li[i].px == lv[i].px && li[i].qty == lv[i].qty, "%s: iter differs at %zu", where, i);
        }
        free(lv);
        free(li);
        free(rl);
        ok &= CHECK_MSG(V->anchor(b, side) == r->s[side].anchor, "%s: side %d anchor %lld, reference %lld",
                        where, side, (long long)V->anchor(b, side), (long long)r->s[side].anchor);
        ok &= CHECK_MSG(st.tape_levels[side] == ref_tape_count(r, side) &&
                            st.spill_levels[side] == ref_spill_count(r, side),
                        "%s: side %d tape/spill %llu/%llu, reference %zu/%zu", where, side,
                        (unsigned long long)st.tape_levels[side], (unsigned long long)st.spill_levels[side],
                        ref_tape_count(r, side), ref_spill_count(r, side));
        ok &= CHECK_MSG(st.spill_cap[side] == r->s[side].cap, "%s: side %d spill cap %llu, reference %u", where,
                        side, (unsigned long long)st.spill_cap[side], r->s[side].cap);
        ok &= CHECK_MSG(st.spill_evicted[side] + st.spill_dropped[side] + st.spill_nomem[side] ==
                            ref_lost(r, side),
                        "%s: side %d lost levels %llu, reference %llu", where, side,
                        (unsigned long long)(st.spill_evicted[side] + st.spill_dropped[side] +
                                             st.spill_nomem[side]),
                        (unsigned long long)ref_lost(r, side));
        ok &= CHECK_EQ_U(st.promotes[side], r->s[side].promotes);
        ok &= CHECK_EQ(V->best_px(b, side), ref_best_px(r, side));
        ok &= CHECK_EQ_U(V->best_qty(b, side), ref_best_qty(r, side));
    }
    ok &= CHECK_EQ(V->bbo(b, &bbo), TB_OK);
    ok &= CHECK_EQ(bbo.bid_px, ref_best_px(r, 1));
    ok &= CHECK_EQ_U(bbo.bid_qty, ref_best_qty(r, 1));
    ok &= CHECK_EQ(bbo.ask_px, ref_best_px(r, 0));
    ok &= CHECK_EQ_U(bbo.ask_qty, ref_best_qty(r, 0));
    ok &= CHECK_EQ(V->best_bid_px(b), ref_best_px(r, 1));
    ok &= CHECK_EQ(V->best_ask_px(b), ref_best_px(r, 0));
    ok &= CHECK_EQ_U(V->best_bid_qty(b), ref_best_qty(r, 1));
    ok &= CHECK_EQ_U(V->best_ask_qty(b), ref_best_qty(r, 0));
    ok &= CHECK_MSG(V->crossed(b) == ref_crossed(r), "%s: crossed %d, reference %d", where, V->crossed(b),
                    ref_crossed(r));
    ok &= CHECK_MSG(V->crossed_on_tape(b) == ref_crossed_on_tape(r), "%s: crossed_on_tape %d, reference %d",
                    where, V->crossed_on_tape(b), ref_crossed_on_tape(r));
    ok &= CHECK_MSG(V->verify_invariants(b) == TB_OK, "%s: verify_invariants", where);
    return ok;
}

static size_t depth_of(const tbv_ops *V, void *b, int side) {
    size_t d = 0;
    CHECK_EQ(V->depth(b, side, &d), TB_OK);
    return d;
}

/* Quantity at (side, px) as the merged depth reports it; 0 when absent.
 * Also checks the price appears at most once. */
static uint64_t qty_at(const tbv_ops *V, void *b, int side, int64_t px) {
    size_t d = depth_of(V, b, side), n = 0, i, seen = 0;
    uint64_t q = 0;
    tbv_level *lv = (tbv_level *)calloc(d + 1, sizeof *lv);
    if (!lv) abort();
    V->levels(b, side, lv, d + 1, &n);
    for (i = 0; i < n; i++)
        if (lv[i].px == px) {
            q = lv[i].qty;
            seen++;
        }
    CHECK_MSG(seen <= 1, "price %lld appears %zu times", (long long)px, seen);
    free(lv);
    return q;
}

/* The variants the per-variant tests run on. */
static void run_all_variants(const char *name, void (*fn)(const void *)) {
    int i;
    for (i = 0; i < TBV_NBOOKS; i++) tbt_run_arg(name, tbv_books[i]->name, fn, tbv_books[i]);
}

/* ---- constants, names, sizes ------------------------------------------------------ */

static void t_codes_and_names(void) {
    int s;
    CHECK_EQ(TB_INSERT, 1);
    CHECK_EQ(TB_UPDATE, 0);
    CHECK_EQ(TB_ERASE, -1);
    CHECK_EQ(TB_SPILL, -2);
    CHECK_EQ(TB_PROMOTE, 2);
    CHECK_EQ(TB_BID, 1);
    CHECK_EQ(TB_ASK, 0);
    CHECK_EQ(TB_OK, 0);
    CHECK_EQ(TB_ERR_FIRST, -16);
    for (s = TB_ERR_FIRST; s >= TB_ERR_LAST; s--) {
        int t;
        CHECK_MSG(strcmp(tb_status_str(s), "unknown status") != 0, "status %d has no name", s);
        for (t = s - 1; t >= TB_ERR_LAST; t--) CHECK(strcmp(tb_status_str(s), tb_status_str(t)) != 0);
    }
    CHECK(strcmp(tb_status_str(TB_OK), "ok") == 0);
    CHECK(strcmp(tb_status_str(1), "unknown status") == 0);
    CHECK(strcmp(tb_status_str(TB_ERR_LAST - 1), "unknown status") == 0);
    CHECK(strcmp(tb_status_str(-1), "unknown status") == 0);
}

static void t_handles(void) {
    tb_handle h = tb_handle_make(2, 0x3fffffffu, 0xfffffffeu);
    CHECK_EQ(tb_handle_tier(h), 2);
    CHECK_EQ_U(tb_handle_gen(h), 0x3fffffffu);
    CHECK_EQ_U(tb_handle_index(h), 0xfffffffeu);
    h = tb_handle_make(1, 0x40000001u, 7); /* generation wraps to 30 bits */
    CHECK_EQ(tb_handle_tier(h), 1);
    CHECK_EQ_U(tb_handle_gen(h), 1);
    CHECK_EQ_U(tb_handle_index(h), 7);
    CHECK(tb_is_pow2_u32(1) && tb_is_pow2_u32(1u << 31) && !tb_is_pow2_u32(0) && !tb_is_pow2_u32(6));
}

static void t_struct_sizes(void) {
    int i;
    CHECK(sizeof(tb_book_i32_n1024) < 9000);
    CHECK_EQ(sizeof(tb_level_i32), 8);
    CHECK_EQ(sizeof(tb_level_i64), 16);
    CHECK_EQ(tb_book_i32_n1024_struct_size(), sizeof(tb_book_i32_n1024));
    CHECK_EQ(tb_book_i32_n8192_tape_size(), 8192);
    CHECK_EQ(tbt_wide_i64_tape_size(), 16384);
    for (i = 0; i < TBV_NBOOKS; i++) {
        const tbv_ops *V = tbv_books[i];
        CHECK_EQ(V->struct_size() % 64, 0);
        CHECK_EQ(V->tape_size(), V->n);
        CHECK_EQ(V->price_min(), V->pmin);
        CHECK_EQ(V->price_max(), V->pmax);
        CHECK_EQ(V->anchor_min(), V->amin);
        CHECK_EQ(V->anchor_max(), V->amax);
    }
}

/* ---- bit scans ------------------------------------------------------------------- */

static unsigned naive_ctz(uint64_t x) {
    unsigned i = 0;
    while (!((x >> i) & 1u)) i++;
    return i;
}
static unsigned naive_clz(uint64_t x) {
    unsigned i = 0;
    while (!((x >> (63u - i)) & 1u)) i++;
    return i;
}
static unsigned naive_pop(uint64_t x) {
    unsigned n = 0;
    while (x) {
        n += (unsigned)(x & 1u);
        x >>= 1;
    }
    return n;
}

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int bits_check(uint64_t x) {
    int ok = 1;
    ok &= tb__popcount64(x) == naive_pop(x);
    ok &= tb__popcount64_swar(x) == naive_pop(x);
    if (x) {
        ok &= tb__ctz64(x) == naive_ctz(x);
        ok &= tb__clz64(x) == naive_clz(x);
        ok &= tb__msb64(x) == 63u - naive_clz(x);
    }
    return CHECK_MSG(ok, "bit scans disagree on 0x%016llx (%s)", (unsigned long long)x, TB_BITS_IMPL);
}

static void t_bit_scans(void) {
    unsigned i, j;
    uint64_t seed = 0x1234, k;
    const uint64_t edge[] = {0,
                             1,
                             2,
                             3,
                             UINT64_MAX,
                             UINT64_MAX - 1,
                             UINT64_MAX >> 1,
                             UINT64_C(0x8000000000000000),
                             UINT64_C(0x8000000000000001),
                             UINT64_C(0x5555555555555555),
                             UINT64_C(0xAAAAAAAAAAAAAAAA),
                             UINT64_C(0x00000000FFFFFFFF),
                             UINT64_C(0xFFFFFFFF00000000),
                             UINT64_C(0x0000000100000000),
                             UINT64_C(0x0000000080000000),
                             UINT64_C(0x0101010101010101),
                             UINT64_C(0x8080808080808080)};
#ifdef TB_FORCE_PORTABLE_BITS
    CHECK(strcmp(TB_BITS_IMPL, "portable") == 0);
#endif
    for (i = 0; i < sizeof edge / sizeof edge[0]; i++) bits_check(edge[i]);
    for (i = 0; i < 64; i++) {
        uint64_t b = (uint64_t)1 << i;
        bits_check(b);
        bits_check(~b);
        bits_check(b - 1u);
        bits_check(~(b - 1u));
        for (j = 0; j < 64; j++) bits_check(b | ((uint64_t)1 << j));
    }
    for (k = 0; k < 200000; k++) {
        uint64_t x = splitmix64(&seed);
        bits_check(x);
        bits_check(x & splitmix64(&seed) & splitmix64(&seed)); /* sparse */
        bits_check(x >> (x & 63u));
    }
}

/* ---- set(): result codes ---------------------------------------------------------- */

static void t_result_codes_in_window(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    const int64_t cells[] = {A, A + 1, A + N / 2, A + N - 2, A + N - 1};
    void *b = mk(V, A, 64, NULL);
    int side, res;
    size_t i;
    for (side = 0; side < 2; side++) {
        for (i = 0; i < sizeof cells / sizeof cells[0]; i++) {
            int64_t px = cells[i];
            CHECK_EQ(V->set_code(b, side, px, 5), TB_INSERT);
            CHECK_EQ(V->best_px(b, side), px);
            CHECK_EQ_U(V->best_qty(b, side), 5);
            CHECK_EQ(V->set_code(b, side, px, 7), TB_UPDATE);
            CHECK_EQ_U(V->best_qty(b, side), 7);
            CHECK_EQ(V->set_code(b, side, px, 0), TB_ERASE);
            CHECK_EQ_U(depth_of(V, b, side), 0);
            /* already empty: a no-op that still says ERASE */
            CHECK_EQ(V->set_code(b, side, px, 0), TB_ERASE);
            CHECK_EQ_U(depth_of(V, b, side), 0);
            CHECK_EQ(V->best_px(b, side), side ? V->tmin : V->tmax);
            CHECK_EQ_U(V->best_qty(b, side), 0);
        }
        /* never touched cell */
        CHECK_EQ(V->set_code(b, side, A + 3, 0), TB_ERASE);
        /* the largest quantity */
        CHECK_EQ(V->set_code(b, side, A + 2, V->qmax), TB_INSERT);
        CHECK_EQ_U(V->best_qty(b, side), V->qmax);
        /* set() reports through its out-parameter, and accepts NULL */
        res = 99;
        CHECK_EQ(V->set(b, side, A + 4, 1, &res), TB_OK);
        CHECK_EQ(res, TB_INSERT);
        CHECK_EQ(V->set(b, side, A + 4, 2, &res), TB_OK);
        CHECK_EQ(res, TB_UPDATE);
        CHECK_EQ(V->set(b, side, A + 4, 0, &res), TB_OK);
        CHECK_EQ(res, TB_ERASE);
        CHECK_EQ(V->set(b, side, A + 4, 3, NULL), TB_OK);
        CHECK_EQ(V->anchor(b, side), A);
    }
    {
        tb_book_stats st = stats_of(V, b);
        CHECK_EQ_U(st.promotes[0] + st.promotes[1], 0);
        CHECK_EQ_U(st.spill_levels[0] + st.spill_levels[1], 0);
        CHECK_EQ_U(st.spill_cap[0] + st.spill_cap[1], 0); /* nothing ever spilled: no allocation */
    }
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    V->destroy(b);
}

static void t_result_codes_outside_window(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    void *b = mk(V, A, 64, NULL);
    ref_book r;
    ref_init(&r, N, V->bits, A, 64);
    /* qty 0 outside the window on an empty book: SPILL, no promote */
    CHECK_EQ(both_set(V, b, &r, 1, A - 1, 0), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 1, A + N, 0), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A - 5 * N, 0), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A + 9 * N, 0), TB_SPILL);
    CHECK_EQ(V->anchor(b, 1), A);
    CHECK_EQ(V->anchor(b, 0), A);
    /* bids: tape best at A+10; anything below the window is worse -> spill */
    CHECK_EQ(both_set(V, b, &r, 1, A + 10, 4), TB_INSERT);
    CHECK_EQ(both_set(V, b, &r, 1, A - 1, 5), TB_SPILL);
    CHECK_EQ_U(stats_of(V, b).spill_levels[1], 1);
    CHECK_EQ(V->best_bid_px(b), A + 10);
    CHECK_EQ(both_set(V, b, &r, 1, A - 1, 6), TB_SPILL); /* update inside the spill */
    CHECK_EQ_U(qty_at(V, b, 1, A - 1), 6);
    CHECK_EQ(both_set(V, b, &r, 1, A - 3 * N, 2), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 1, A - 1, 0), TB_SPILL); /* present: removed */
    CHECK_EQ(both_set(V, b, &r, 1, A - 1, 0), TB_SPILL); /* absent: still SPILL */
    CHECK_EQ(both_set(V, b, &r, 1, A + N + 7, 0), TB_SPILL); /* above, absent */
    cmp_ref(V, b, &r, "bids");
    /* asks: tape best at A+N-10; anything above the window is worse -> spill */
    CHECK_EQ(both_set(V, b, &r, 0, A + N - 10, 4), TB_INSERT);
    CHECK_EQ(both_set(V, b, &r, 0, A + N, 5), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A + N, 8), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A + 4 * N, 1), TB_SPILL);
    CHECK_EQ(V->best_ask_px(b), A + N - 10);
    CHECK_EQ(both_set(V, b, &r, 0, A + N, 0), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A + N, 0), TB_SPILL);
    CHECK_EQ(both_set(V, b, &r, 0, A - 1, 0), TB_SPILL);
    cmp_ref(V, b, &r, "asks");
    CHECK_EQ(V->anchor(b, 1), A);
    CHECK_EQ(V->anchor(b, 0), A);
    CHECK_EQ_U(stats_of(V, b).promotes[0] + stats_of(V, b).promotes[1], 0);
    ref_free(&r);
    V->destroy(b);
}

/* ---- promote -------------------------------------------------------------------------- */

static void t_promote_results(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, 64, NULL);
        ref_book r;
        int64_t far = side ? A + 3 * N + 100 : A - 3 * N - 100, s_px;
        int res = 99;
        ref_init(&r, N, V->bits, A, 64);
        /* empty tape, price outside: promote, INSERT, centred */
        CHECK_EQ(V->set(b, side, far, 5, &res), TB_OK);
        CHECK_EQ(res, TB_INSERT);
        ref_set(&r, side, far, 5);
        CHECK_EQ(V->anchor(b, side), far - N / 2);
        CHECK_EQ(V->anchor(b, !side), A);
        CHECK_EQ_U(stats_of(V, b).promotes[side], 1);
        CHECK_EQ(V->best_px(b, side), far);
        cmp_ref(V, b, &r, "promote on an empty tape");
        /* a level in the spill, then the tape emptied: setting that level again
         * promotes, drains it back and returns UPDATE, never PROMOTE */
        s_px = side ? far - N : far + N; /* worse than the tape best: spill */
        CHECK_EQ(both_set(V, b, &r, side, s_px, 3), TB_SPILL);
        CHECK_EQ(both_set(V, b, &r, side, far, 0), TB_ERASE);
        CHECK_EQ(V->best_px(b, side), s_px); /* best from the spill */
        CHECK_EQ(V->set(b, side, s_px, 9, &res), TB_OK);
        CHECK_EQ(res, TB_UPDATE);
        ref_set(&r, side, s_px, 9);
        CHECK_EQ(V->anchor(b, side), s_px - N / 2);
        CHECK_EQ_U(stats_of(V, b).spill_levels[side], 0);
        CHECK_EQ_U(stats_of(V, b).tape_levels[side], 1);
        cmp_ref(V, b, &r, "promote onto a spilled level");
        /* strictly better than the tape best: promote; the old best leaves */
        {
            int64_t better = side ? s_px + N + 3 : s_px - N - 3;
            CHECK_EQ(both_set(V, b, &r, side, better, 1), TB_INSERT);
            CHECK_EQ(V->anchor(b, side), better - N / 2);
            CHECK_EQ_U(stats_of(V, b).spill_levels[side], 1);
            CHECK_EQ_U(qty_at(V, b, side, s_px), 9);
            cmp_ref(V, b, &r, "promote over the tape best");
        }
        /* a price inside [A, A + N) that is not better never promotes */
        CHECK_EQ_U(stats_of(V, b).promotes[side], 3);
        ref_free(&r);
        V->destroy(b);
    }
}

/* Promote recentering: new anchor px - N/2; spill levels inside the new
 * window come back to the tape; tape levels leaving it go to the spill. */
static void t_promote_recentering(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, 1024, NULL);
        ref_book r;
        int64_t i, px;
        tb_book_stats st;
        ref_init(&r, N, V->bits, A, 1024);
        for (i = 0; i < 8; i++) both_set(V, b, &r, side, A + i * (N / 8), (uint64_t)(10 + i));
        /* move the window half a tape away from the best levels: they go to
         * the spill, which now holds levels better than the tape */
        both_recenter(V, b, &r, side, side ? A - N / 2 : A + N / 2);
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_levels[side], 4);
        CHECK_EQ_U(st.tape_levels[side], 4);
        CHECK_EQ(V->best_px(b, side), side ? A + 7 * (N / 8) : A);
        CHECK_EQ_U(V->best_qty(b, side), side ? 17 : 10);
        cmp_ref(V, b, &r, "after recenter");
        /* promote with a price just beyond the window on the better side */
        px = side ? A + N / 2 + N / 16 : A + N / 2 - N / 16 - 1;
        CHECK_EQ(both_set(V, b, &r, side, px, 99), TB_INSERT);
        CHECK_EQ(V->anchor(b, side), px - N / 2);
        st = stats_of(V, b);
        /* bids: [A+N/16, A+N+N/16) holds i = 1..7 and px; A leaves to the spill.
         * asks: [A-N/16-1, A+N-N/16-1) holds i = 0..7 and px. */
        CHECK_EQ_U(st.tape_levels[side], side ? 8 : 9);
        CHECK_EQ_U(st.spill_levels[side], side ? 1 : 0);
        cmp_ref(V, b, &r, "after promote");
        ref_free(&r);
        V->destroy(b);
    }
}

/* ---- best values and crossed -------------------------------------------------------- */

static void t_best_tape_vs_spill(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    void *b = mk(V, A, 64, NULL);
    ref_book r;
    ref_init(&r, N, V->bits, A, 64);
    /* empty book */
    CHECK_EQ(V->best_bid_px(b), V->tmin);
    CHECK_EQ(V->best_ask_px(b), V->tmax);
    CHECK_EQ_U(V->best_bid_qty(b), 0);
    CHECK_EQ_U(V->best_ask_qty(b), 0);
    /* tape better than spill */
    both_set(V, b, &r, 1, A + 5, 50);
    both_set(V, b, &r, 1, A - 10, 7);
    both_set(V, b, &r, 0, A + N - 5, 60);
    both_set(V, b, &r, 0, A + N + 10, 8);
    CHECK_EQ(V->best_bid_px(b), A + 5);
    CHECK_EQ_U(V->best_bid_qty(b), 50);
    CHECK_EQ(V->best_ask_px(b), A + N - 5);
    CHECK_EQ_U(V->best_ask_qty(b), 60);
    cmp_ref(V, b, &r, "tape best");
    /* the tape emptied: the spill provides the best */
    both_set(V, b, &r, 1, A + 5, 0);
    both_set(V, b, &r, 0, A + N - 5, 0);
    CHECK_EQ(V->best_bid_px(b), A - 10);
    CHECK_EQ_U(V->best_bid_qty(b), 7);
    CHECK_EQ(V->best_ask_px(b), A + N + 10);
    CHECK_EQ_U(V->best_ask_qty(b), 8);
    cmp_ref(V, b, &r, "spill best, tape empty");
    /* spill better than a non-empty tape after a recenter */
    both_set(V, b, &r, 1, A + N - 1, 11);
    both_set(V, b, &r, 1, A + 1, 12);
    both_recenter(V, b, &r, 1, A - N / 2); /* A+N-1 leaves upwards */
    CHECK_EQ(V->best_bid_px(b), A + N - 1);
    CHECK_EQ_U(V->best_bid_qty(b), 11);
    both_set(V, b, &r, 0, A, 21);
    both_set(V, b, &r, 0, A + N - 2, 22);
    both_recenter(V, b, &r, 0, A + N / 2); /* A leaves downwards */
    CHECK_EQ(V->best_ask_px(b), A);
    CHECK_EQ_U(V->best_ask_qty(b), 21);
    cmp_ref(V, b, &r, "spill best after recenter");
    ref_free(&r);
    V->destroy(b);
}

static void t_crossed(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0, M = A + N / 2;
    void *b = mk(V, A, 64, NULL);
    ref_book r;
    ref_init(&r, N, V->bits, A, 64);
    CHECK_EQ(V->crossed(b), 0);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    both_set(V, b, &r, 1, M + 5, 1); /* one side only */
    CHECK_EQ(V->crossed(b), 0);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    both_set(V, b, &r, 0, M + 6, 1); /* bid < ask */
    CHECK_EQ(V->crossed(b), 0);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    both_set(V, b, &r, 0, M + 5, 1); /* bid == ask: crossed */
    CHECK_EQ(V->crossed(b), 1);
    CHECK_EQ(V->crossed_on_tape(b), 1);
    both_set(V, b, &r, 0, M + 5, 0);
    both_set(V, b, &r, 0, M + 2, 1); /* bid > ask */
    CHECK_EQ(V->crossed(b), 1);
    CHECK_EQ(V->crossed_on_tape(b), 1);
    /* move the bid tape away: the crossing bid is now in the spill */
    both_recenter(V, b, &r, 1, A - 2 * N);
    CHECK_EQ(V->crossed(b), 1);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    cmp_ref(V, b, &r, "crossed via the spill");
    /* an ask spill level crossing, tape asks not */
    both_recenter(V, b, &r, 1, A);
    both_set(V, b, &r, 0, M + 2, 0);
    both_set(V, b, &r, 0, M + 20, 1);
    CHECK_EQ(V->crossed(b), 0);
    both_set(V, b, &r, 0, A + N + 5, 1); /* above the ask window: spill */
    both_recenter(V, b, &r, 0, A + 3 * N); /* asks tape now far above; M+20 in spill */
    both_set(V, b, &r, 1, M + 25, 1);
    CHECK_EQ(V->crossed(b), 1);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    cmp_ref(V, b, &r, "crossed ask spill");
    ref_free(&r);
    V->destroy(b);
}

/* A book with levels on both tapes and in both spills (above and below the
 * windows), mirrored in the reference. */
static void populate(const tbv_ops *V, void *b, ref_book *r) {
    const int64_t N = (int64_t)V->n, A = r->s[1].anchor;
    int64_t i;
    for (i = 0; i < 6; i++) {
        both_set(V, b, r, 1, A + N / 2 - 3 * i, (uint64_t)(100 + i)); /* tape bids */
        both_set(V, b, r, 0, A + N / 2 + 1 + 3 * i, (uint64_t)(200 + i)); /* tape asks */
    }
    for (i = 0; i < 3; i++) { /* tape levels that the recenters below push out */
        both_set(V, b, r, 1, A + N - 1 - 2 * i, (uint64_t)(500 + i));
        both_set(V, b, r, 0, A + 2 * i, (uint64_t)(600 + i));
    }
    for (i = 1; i <= 20; i++) { /* odd i: drained back by the recenters below */
        int64_t far = i % 2 ? 0 : N / 4;
        both_set(V, b, r, 1, A - far - 7 * i, (uint64_t)(300 + i)); /* spill bids below */
        both_set(V, b, r, 0, A + N - 1 + far + 7 * i, (uint64_t)(400 + i)); /* spill asks above */
    }
    /* spill levels on the better side too: recenter away and back */
    both_recenter(V, b, r, 1, A - N / 4);
    both_recenter(V, b, r, 0, A + N / 4);
}

static void t_reset(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    void *b = mk(V, A, 64, NULL);
    ref_book r;
    tb_book_stats before, after;
    tbv_snap s0, s1;
    ref_init(&r, N, V->bits, A, 64);
    populate(V, b, &r);
    cmp_ref(V, b, &r, "populated");
    before = stats_of(V, b);
    CHECK(before.spill_cap[0] > 0 && before.spill_cap[1] > 0);
    CHECK_EQ(V->reset(b, A + 12345), TB_OK);
    ref_reset(&r, A + 12345);
    after = stats_of(V, b);
    CHECK_EQ_U(depth_of(V, b, 0) + depth_of(V, b, 1), 0);
    CHECK_EQ(V->anchor(b, 0), A + 12345);
    CHECK_EQ(V->anchor(b, 1), A + 12345);
    CHECK_EQ_U(after.spill_cap[0], before.spill_cap[0]); /* memory kept */
    CHECK_EQ_U(after.spill_cap[1], before.spill_cap[1]);
    CHECK_EQ(V->best_bid_px(b), V->tmin);
    CHECK_EQ(V->best_ask_px(b), V->tmax);
    cmp_ref(V, b, &r, "after reset");
    /* the edges of the anchor range */
    CHECK_EQ(V->reset(b, V->amin), TB_OK);
    CHECK_EQ(V->anchor(b, 1), V->amin);
    CHECK_EQ(V->reset(b, V->amax), TB_OK);
    CHECK_EQ(V->anchor(b, 0), V->amax);
    /* bad anchors: error, nothing changed */
    CHECK_EQ(V->reset(b, A), TB_OK);
    ref_reset(&r, A);
    populate(V, b, &r);
    tbv_snap_take(V, b, &s0);
    CHECK_EQ(V->reset(b, V->amin - 1), TB_ERR_ANCHOR);
    CHECK_EQ(V->reset(b, V->amax + 1), TB_ERR_ANCHOR);
    CHECK_EQ(V->reset(b, V->tmin), TB_ERR_ANCHOR);
    CHECK_EQ(V->reset(b, V->tmax), TB_ERR_ANCHOR);
    tbv_snap_take(V, b, &s1);
    CHECK(tbv_snap_eq(&s0, &s1));
    tbv_snap_free(&s0);
    tbv_snap_free(&s1);
    ref_free(&r);
    V->destroy(b);
}

static void t_reset_at_mid(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, 64, NULL);
        ref_book r;
        tb_book_stats before, after;
        size_t other_depth;
        ref_init(&r, N, V->bits, A, 64);
        populate(V, b, &r);
        before = stats_of(V, b);
        other_depth = depth_of(V, b, !side);
        CHECK_EQ(V->reset_at_mid(b, side, A + 5000), TB_OK);
        ref_reset_at_mid(&r, side, A + 5000);
        after = stats_of(V, b);
        CHECK_EQ_U(depth_of(V, b, side), 0);
        CHECK_EQ_U(after.spill_levels[side], 0);
        CHECK_EQ_U(after.spill_cap[side], before.spill_cap[side]);
        CHECK_EQ(V->anchor(b, side), A + 5000 - N / 2);
        CHECK_EQ_U(depth_of(V, b, !side), other_depth); /* the other side untouched */
        CHECK_EQ(V->anchor(b, !side), before.anchor[!side]);
        cmp_ref(V, b, &r, "reset_at_mid");
        /* clamped at the low end, exact at the high end */
        CHECK_EQ(V->reset_at_mid(b, side, V->pmin), TB_OK);
        CHECK_EQ(V->anchor(b, side), V->amin);
        CHECK_EQ(V->reset_at_mid(b, side, V->pmin + N / 2 + 3), TB_OK);
        CHECK_EQ(V->anchor(b, side), V->pmin + 3);
        CHECK_EQ(V->reset_at_mid(b, side, V->pmax), TB_OK);
        CHECK_EQ(V->anchor(b, side), V->pmax - N / 2);
        CHECK_EQ(V->set_code(b, side, V->pmax, 1), TB_INSERT); /* inside the window */
        ref_reset_at_mid(&r, side, V->pmax);
        ref_set(&r, side, V->pmax, 1);
        cmp_ref(V, b, &r, "reset_at_mid at the top");
        ref_free(&r);
        V->destroy(b);
    }
}

static void t_recenter(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    const int64_t moves[] = {1, -1, 2, N / 2, -N / 2, N - 1, -(N - 1), N, -N, 5 * N + 3, -7 * N, 63, 64, 65, -129};
    void *b = mk(V, A, 4096, NULL);
    ref_book r;
    int side;
    size_t i;
    char where[64];
    ref_init(&r, N, V->bits, A, 4096);
    populate(V, b, &r);
    for (side = 0; side < 2; side++) {
        int64_t a = V->anchor(b, side);
        for (i = 0; i < sizeof moves / sizeof moves[0]; i++) {
            a += moves[i];
            if (side) {
                CHECK_EQ(V->recenter_bid(b, a), TB_OK);
            } else {
                CHECK_EQ(V->recenter_ask(b, a), TB_OK);
            }
            ref_recenter_checked(&r, side, a);
            snprintf(where, sizeof where, "side %d move %zu", side, i);
            cmp_ref(V, b, &r, where);
        }
        /* same anchor: nothing moves */
        both_recenter(V, b, &r, side, a);
        cmp_ref(V, b, &r, "same anchor");
        /* the extremes of the anchor range and back */
        both_recenter(V, b, &r, side, V->amin);
        cmp_ref(V, b, &r, "anchor min");
        both_recenter(V, b, &r, side, V->amax);
        cmp_ref(V, b, &r, "anchor max");
        both_recenter(V, b, &r, side, A);
        cmp_ref(V, b, &r, "back");
    }
    ref_free(&r);
    V->destroy(b);
}

static void t_erase_better(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    size_t i;
    for (side = 0; side < 2; side++) {
        /* cut points: far beyond, just beyond, on the window edges, on a level,
         * between levels, deep inside the spill; and, the cut being a threshold
         * rather than a level, the type's extremes and the values just outside
         * the valid price range (type max / min empty the side or keep it) */
        const int64_t cuts_bid[] = {A + 10 * N, A + N + 2, A + N - 1, A + N / 2, A + N / 2 - 4, A, A - 7, A - 60,
                                    A - 10 * N, V->tmin, V->tmax, V->pmin - 1, V->pmax + 1};
        const int64_t cuts_ask[] = {A - 10 * N, A - 2, A, A + N / 2 + 1, A + N / 2 + 5, A + N - 1, A + N + 6,
                                    A + N + 60, A + 10 * N, V->tmax, V->tmin, V->pmax + 1, V->pmin - 1};
        for (i = 0; i < sizeof cuts_bid / sizeof cuts_bid[0]; i++) {
            void *b = mk(V, A, 4096, NULL);
            ref_book r;
            int64_t cut = side ? cuts_bid[i] : cuts_ask[i];
            ref_init(&r, N, V->bits, A, 4096);
            populate(V, b, &r);
            CHECK_EQ(V->erase_better(b, side, cut), TB_OK);
            ref_erase_better(&r, side, cut);
            cmp_ref(V, b, &r, "erase_better");
            /* nothing at least as good as the cut remains */
            if (depth_of(V, b, side)) CHECK(side ? V->best_px(b, side) < cut : V->best_px(b, side) > cut);
            if (cut == (side ? V->tmin : V->tmax)) CHECK_EQ(depth_of(V, b, side), 0);
            if (cut == (side ? V->tmax : V->tmin)) CHECK(depth_of(V, b, side) > 0);
            ref_free(&r);
            V->destroy(b);
        }
    }
}

static void t_clear_release_reserve(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    void *b = mk(V, A, 256, NULL);
    ref_book r;
    tb_book_stats st;
    int64_t i;
    ref_init(&r, N, V->bits, A, 256);
    populate(V, b, &r);
    st = stats_of(V, b);
    CHECK_EQ_U(st.spill_cap[0], 32);
    CHECK_EQ_U(st.spill_cap[1], 32);
    /* clear: empty, anchors and spill memory kept */
    CHECK_EQ(V->clear(b), TB_OK);
    ref_clear(&r);
    st = stats_of(V, b);
    CHECK_EQ_U(depth_of(V, b, 0) + depth_of(V, b, 1), 0);
    CHECK_EQ_U(st.spill_cap[0], 32);
    CHECK_EQ_U(st.spill_cap[1], 32);
    CHECK_EQ(V->anchor(b, 1), A - N / 4);
    CHECK_EQ(V->anchor(b, 0), A + N / 4);
    cmp_ref(V, b, &r, "clear");
    /* release: empty, spill memory freed */
    populate(V, b, &r);
    CHECK_EQ(V->release(b), TB_OK);
    ref_release(&r);
    st = stats_of(V, b);
    CHECK_EQ_U(st.spill_cap[0] + st.spill_cap[1], 0);
    CHECK_EQ_U(st.bytes, V->struct_size());
    cmp_ref(V, b, &r, "release");
    CHECK_EQ(V->release(b), TB_OK); /* twice is fine */
    /* reserve_spill: both sides at max_cap at once; spilling never grows */
    CHECK_EQ(V->reserve_spill(b), TB_OK);
    ref_reserve(&r);
    st = stats_of(V, b);
    CHECK_EQ_U(st.spill_cap[0], 256);
    CHECK_EQ_U(st.spill_cap[1], 256);
    CHECK_EQ_U(st.bytes, V->struct_size() + 2u * 256u * (size_t)(V->bits / 4));
    both_set(V, b, &r, 1, A + N / 2, 1);
    both_set(V, b, &r, 0, A + N / 2 + 1, 1);
    for (i = 1; i <= 300; i++) {
        both_set(V, b, &r, 1, A - N / 4 - i, (uint64_t)i);
        both_set(V, b, &r, 0, A + N / 4 + N + i, (uint64_t)i);
    }
    st = stats_of(V, b);
    CHECK_EQ_U(st.spill_cap[0], 256);
    CHECK_EQ_U(st.spill_levels[1], 256);
    CHECK_EQ(V->reserve_spill(b), TB_OK); /* already there */
    cmp_ref(V, b, &r, "reserve");
    ref_free(&r);
    V->destroy(b);
}

/* ---- spill growth, eviction, drop --------------------------------------------------- */

/* Expected capacity after pushing k distinct levels: 0 -> min(16, max_cap)
 * -> doubling -> max_cap. */
static uint32_t expected_cap(uint32_t max_cap, uint32_t k) {
    uint32_t c = 0;
    while (c < k && c < max_cap) c = c ? (c * 2u < max_cap ? c * 2u : max_cap) : (16u < max_cap ? 16u : max_cap);
    return c;
}

static void growth_run(const tbv_ops *V, uint32_t max_cap, void *pool) {
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, max_cap, pool);
        uint32_t k, prev = 0, steps = 0, seq[32];
        tb_book_stats st;
        /* a tape best, so that worse prices go to the spill */
        CHECK_EQ(V->set_code(b, side, side ? A + N - 1 : A, 1), TB_INSERT);
        CHECK_EQ_U(stats_of(V, b).spill_cap[side], 0);
        for (k = 1; k <= max_cap + 5u; k++) {
            int64_t px = side ? A - (int64_t)k : A + N - 1 + (int64_t)k; /* each worse than the last */
            CHECK_EQ(V->set_code(b, side, px, k), TB_SPILL);
            st = stats_of(V, b);
            if (!CHECK_MSG(st.spill_cap[side] == expected_cap(max_cap, k), "max_cap %u after %u levels: cap %llu",
                           max_cap, k, (unsigned long long)st.spill_cap[side]))
                break;
            if (st.spill_cap[side] != prev) {
                if (steps < 32) seq[steps] = (uint32_t)st.spill_cap[side];
                steps++;
                prev = (uint32_t)st.spill_cap[side];
            }
        }
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_cap[side], max_cap);
        CHECK_EQ_U(st.spill_levels[side], max_cap);
        CHECK_EQ_U(st.spill_dropped[side], 5); /* the 5 newcomers were the worst */
        CHECK_EQ_U(st.spill_evicted[side], 0);
        CHECK_EQ_U(st.spill_cap[!side], 0);
        /* the sequence itself: 16, 32, ... or a single clamped step */
        if (max_cap <= 16) {
            CHECK_EQ(steps, 1);
            CHECK_EQ(seq[0], max_cap);
        } else {
            uint32_t i;
            for (i = 0; i < steps && i < 32; i++) CHECK_EQ(seq[i], 16u << i);
            CHECK_EQ(16u << (steps - 1), max_cap);
        }
        CHECK_EQ(V->verify_invariants(b), TB_OK);
        V->destroy(b);
    }
}

static void t_spill_growth(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const uint32_t caps[] = {1, 2, 4, 8, 16, 32, 64, 1024};
    size_t i;
    void *pool = NULL;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    for (i = 0; i < sizeof caps / sizeof caps[0]; i++) growth_run(V, caps[i], NULL);
    /* the same sequence from a SpillPool (a block spans a whole class) */
    CHECK_EQ(P->create(&pool, 1u << 14, TB_POOL_REFUSE), TB_OK);
    for (i = 0; i < sizeof caps / sizeof caps[0]; i++) growth_run(V, caps[i], pool);
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

static void t_evict_and_drop(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, 4, NULL);
        ref_book r;
        tb_book_stats st;
        const int64_t dir = side ? -1 : 1; /* towards worse prices */
        const int64_t edge = side ? A : A + N - 1;
        ref_init(&r, N, V->bits, A, 4);
        both_set(V, b, &r, side, side ? A + N - 1 : A, 1);
        both_set(V, b, &r, side, edge + dir * 10, 10);
        both_set(V, b, &r, side, edge + dir * 20, 20);
        both_set(V, b, &r, side, edge + dir * 30, 30);
        both_set(V, b, &r, side, edge + dir * 40, 40); /* full */
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_levels[side], 4);
        /* the newcomer is the worst: dropped */
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 50, 50), TB_SPILL);
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_dropped[side], 1);
        CHECK_EQ_U(st.spill_evicted[side], 0);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 50), 0);
        /* better than the worst: the worst is evicted */
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 5, 5), TB_SPILL);
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_evicted[side], 1);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 40), 0);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 5), 5);
        /* in the middle: the worst goes again */
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 25, 25), TB_SPILL);
        CHECK_EQ_U(stats_of(V, b).spill_evicted[side], 2);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 30), 0);
        /* updating a stored level while full loses nothing */
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 10, 11), TB_SPILL);
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_evicted[side] + st.spill_dropped[side], 3);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 10), 11);
        /* a removal makes room again */
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 10, 0), TB_SPILL);
        CHECK_EQ(both_set(V, b, &r, side, edge + dir * 60, 60), TB_SPILL);
        CHECK_EQ_U(qty_at(V, b, side, edge + dir * 60), 60);
        st = stats_of(V, b);
        CHECK_EQ_U(st.spill_evicted[side] + st.spill_dropped[side], 3);
        CHECK_EQ_U(st.spill_nomem[side], 0);
        CHECK_EQ_U(st.spill_evicted[!side] + st.spill_dropped[!side], 0);
        CHECK_EQ_U(st.spill_dropped[side], r.s[side].dropped);
        CHECK_EQ_U(st.spill_evicted[side], r.s[side].evicted);
        cmp_ref(V, b, &r, "evict/drop");
        ref_free(&r);
        V->destroy(b);
    }
}

/* ---- depth ------------------------------------------------------------------------------ */

static void t_depth_merged(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    void *b = mk(V, A, 4096, NULL);
    ref_book r;
    int side;
    ref_init(&r, N, V->bits, A, 4096);
    populate(V, b, &r);
    cmp_ref(V, b, &r, "merged depth"); /* levels() and iter against the reference */
    for (side = 0; side < 2; side++) {
        tbv_level lv[8], all[128];
        ref_level rl[8];
        size_t n = 99, i, d = depth_of(V, b, side);
        int better_spill = 0, worse_spill = 0;
        int64_t a = V->anchor(b, side), top = a + N - 1;
        /* the spill holds levels on both sides of the window */
        CHECK_EQ(V->levels(b, side, all, 128, &n), TB_OK);
        for (i = 0; i < n; i++) {
            if (all[i].px > top) {
                if (side) better_spill = 1;
                else worse_spill = 1;
            }
            if (all[i].px < a) {
                if (side) worse_spill = 1;
                else better_spill = 1;
            }
            if (i) CHECK(side ? all[i - 1].px > all[i].px : all[i - 1].px < all[i].px);
        }
        CHECK(better_spill && worse_spill);
        /* a prefix */
        CHECK_EQ(V->levels(b, side, lv, 3, &n), TB_OK);
        CHECK_EQ(n, 3);
        CHECK_EQ(ref_levels(&r, side, rl, 3), 3);
        for (i = 0; i < 3; i++) CHECK(lv[i].px == rl[i].px && lv[i].qty == rl[i].qty);
        /* k = 0, n_out optional */
        n = 99;
        CHECK_EQ(V->levels(b, side, lv, 0, &n), TB_OK);
        CHECK_EQ(n, 0);
        CHECK_EQ(V->levels(b, side, NULL, 0, &n), TB_OK);
        CHECK_EQ(V->levels(b, side, lv, 2, NULL), TB_OK);
        CHECK_EQ(d, ref_count(&r, side));
        /* the iterator stops at k as well */
        CHECK_EQ(tbv_x(V)->iter_levels(b, side, lv, 5, &n), TB_OK);
        CHECK_EQ(n, 5);
    }
    CHECK_EQ(tbv_x(V)->iter_next_null(), 0);
    ref_free(&r);
    V->destroy(b);
}

/* ---- batches -------------------------------------------------------------------------------- */

#define BATCH 400

static void gen_batch(const tbv_ops *V, uint64_t seed, uint8_t *sides, int64_t *px, uint64_t *qty, size_t n) {
    const int64_t N = (int64_t)V->n;
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t x = splitmix64(&seed);
        sides[i] = (uint8_t)(x & 1u);
        px[i] = P0 + (int64_t)((x >> 8) % (uint64_t)(6 * N)) - 2 * N;
        qty[i] = (x >> 40) % 4u == 0 ? 0 : (x >> 44) % 1000u + 1u;
    }
}

static void t_apply_and_bbo_trace(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    uint8_t sides[BATCH];
    int64_t px[BATCH];
    uint64_t qty[BATCH];
    int8_t res[BATCH];
    tbv_bbo trace[BATCH];
    size_t i, done;
    void *a = mk(V, P0, 32, NULL), *t = mk(V, P0, 32, NULL), *c = mk(V, P0, 32, NULL);
    tbv_snap sa, st, sc;
    gen_batch(V, 77, sides, px, qty, BATCH);
    memset(res, 0x7f, sizeof res);
    CHECK_EQ(tbv_x(V)->apply(a, sides, px, qty, BATCH, res, &done), TB_OK);
    CHECK_EQ(done, BATCH);
    CHECK_EQ(tbv_x(V)->bbo_trace(c, sides, px, qty, BATCH, trace, &done), TB_OK);
    CHECK_EQ(done, BATCH);
    for (i = 0; i < BATCH; i++) {
        tbv_bbo o;
        int r = V->set_code(t, sides[i], px[i], qty[i]);
        CHECK_MSG(r == res[i], "row %zu: apply %d, set_code %d", i, res[i], r);
        V->bbo(t, &o);
        CHECK_MSG(memcmp(&o, &trace[i], sizeof o) == 0, "bbo_trace row %zu differs", i);
    }
    tbv_snap_take(V, a, &sa);
    tbv_snap_take(V, t, &st);
    tbv_snap_take(V, c, &sc);
    CHECK(tbv_snap_eq(&sa, &st));
    CHECK(tbv_snap_eq(&sc, &st));
    tbv_snap_free(&sa);
    tbv_snap_free(&st);
    tbv_snap_free(&sc);

    /* stop at the first bad row: rows before it applied, n_done says how many */
    {
        const int bad_kind[4] = {0, 1, 2, 3};
        int k;
        for (k = 0; k < 4; k++) {
            void *x = mk(V, P0, 32, NULL), *y = mk(V, P0, 32, NULL);
            size_t bad = (size_t)(37 + 50 * k), j;
            int want = bad_kind[k] == 0 ? TB_ERR_SIDE : TB_ERR_PRICE;
            uint8_t s2[BATCH];
            int64_t p2[BATCH];
            tbv_snap sx, sy;
            memcpy(s2, sides, sizeof s2);
            memcpy(p2, px, sizeof p2);
            if (bad_kind[k] == 0) s2[bad] = 2;
            else if (bad_kind[k] == 1) p2[bad] = V->pmin - 1;
            else if (bad_kind[k] == 2) p2[bad] = V->pmax + 1;
            else p2[bad] = V->tmin;
            memset(res, 0x7f, sizeof res);
            done = 12345;
            CHECK_EQ(tbv_x(V)->apply(x, s2, p2, qty, BATCH, res, &done), want);
            CHECK_EQ(done, bad);
            for (j = bad; j < BATCH; j++) CHECK_EQ(res[j], 0x7f);
            for (j = 0; j < bad; j++) V->set_code(y, sides[j], px[j], qty[j]);
            tbv_snap_take(V, x, &sx);
            tbv_snap_take(V, y, &sy);
            CHECK(tbv_snap_eq(&sx, &sy));
            tbv_snap_free(&sx);
            /* bbo_trace the same way; rows after the bad one are not written */
            V->destroy(x);
            x = mk(V, P0, 32, NULL);
            done = 12345;
            CHECK_EQ(tbv_x(V)->bbo_trace(x, s2, p2, qty, BATCH, trace, &done), want);
            CHECK_EQ(done, bad);
            for (j = bad; j < BATCH; j++) CHECK_EQ_U(trace[j].bid_qty, V->bits == 32 ? 0x5A5A5A5Au : UINT64_C(0x5A5A5A5A5A5A5A5A));
            tbv_snap_take(V, x, &sx);
            CHECK(tbv_snap_eq(&sx, &sy));
            tbv_snap_free(&sx);
            tbv_snap_free(&sy);
            V->destroy(x);
            V->destroy(y);
        }
    }
    /* empty batches, optional outputs, NULL arrays */
    tbv_snap_take(V, a, &sa);
    CHECK_EQ(tbv_x(V)->apply(a, NULL, NULL, NULL, 0, NULL, &done), TB_OK);
    CHECK_EQ(done, 0);
    CHECK_EQ(tbv_x(V)->apply(a, sides, px, qty, 0, res, NULL), TB_OK);
    CHECK_EQ(tbv_x(V)->bbo_trace(a, NULL, NULL, NULL, 0, NULL, &done), TB_OK);
    done = 5;
    CHECK_EQ(tbv_x(V)->apply(a, NULL, px, qty, 3, res, &done), TB_ERR_NULL);
    CHECK_EQ(done, 0);
    CHECK_EQ(tbv_x(V)->apply(a, sides, NULL, qty, 3, res, &done), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->apply(a, sides, px, NULL, 3, res, &done), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->apply(NULL, sides, px, qty, 3, res, &done), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->bbo_trace(a, sides, px, qty, 3, NULL, &done), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->bbo_trace(a, NULL, px, qty, 3, trace, &done), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->bbo_trace(NULL, sides, px, qty, 3, trace, &done), TB_ERR_NULL);
    tbv_snap_take(V, a, &st);
    CHECK(tbv_snap_eq(&sa, &st));
    tbv_snap_free(&st);
    /* results are optional */
    CHECK_EQ(tbv_x(V)->apply(a, sides, px, qty, BATCH, NULL, &done), TB_OK);
    CHECK_EQ(done, BATCH);
    tbv_snap_free(&sa);
    V->destroy(a);
    V->destroy(t);
    V->destroy(c);
}

/* ---- verify_invariants ------------------------------------------------------------------ */

static void t_verify_invariants(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    void *b = mk(V, P0, 64, NULL);
    ref_book r;
    int kind, side, applied[TBV_C_COUNT];
    memset(applied, 0, sizeof applied);
    ref_init(&r, (int64_t)V->n, V->bits, P0, 64);
    /* good books in several states */
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    both_set(V, b, &r, 1, P0 + 3, 1);
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    populate(V, b, &r);
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    both_set(V, b, &r, 1, P0 + (int64_t)V->n * 3, 9); /* promote */
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    CHECK_EQ(V->erase_better(b, 1, P0 + (int64_t)V->n * 3), TB_OK); /* leaves a dirty best */
    ref_erase_better(&r, 1, P0 + (int64_t)V->n * 3);
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    cmp_ref(V, b, &r, "before corruption");
    /* every corruption is noticed, and undoing it makes the book good again */
    for (kind = 0; kind < TBV_C_COUNT; kind++) {
        for (side = 0; side < 2; side++) {
            tbv_undo u;
            memset(&u, 0, sizeof u);
            if (!tbv_x(V)->corrupt(b, kind, side, &u)) continue;
            applied[kind]++;
            CHECK_MSG(V->verify_invariants(b) == TB_ERR_INVARIANT, "corruption '%s' on side %d not detected",
                      tbv_corruption_names[kind], side);
            tbv_undo_apply(&u);
            CHECK_MSG(V->verify_invariants(b) == TB_OK, "undoing '%s' did not restore the book",
                      tbv_corruption_names[kind]);
        }
    }
    for (kind = 0; kind < TBV_C_COUNT; kind++) {
        if (kind == TBV_C_SUMMARY_EXTRA && V->n >= 4096) continue; /* no spare summary bit */
        CHECK_MSG(applied[kind] == 2, "corruption '%s' could not be applied", tbv_corruption_names[kind]);
    }
    cmp_ref(V, b, &r, "after undo");
    ref_free(&r);
    V->destroy(b);
}

/* ---- the spill's near index (tb_spill.inc) ----------------------------------------------- */

static tbv_nx nx_of(const tbv_ops *V, void *b, int side) {
    tbv_nx x;
    tbv_x(V)->nx(b, side, &x);
    return x;
}

/* px lies in side's near-index region. */
static int nx_covers(const tbv_nx *x, int side, int64_t px) {
    if (side ? px > x->start : px < x->start) return 0;
    return (side ? (uint64_t)x->start - (uint64_t)px : (uint64_t)px - (uint64_t)x->start) < x->span;
}

/* The public qty_at (an index hit, a miss, an absent price) agrees with the
 * reference for every price between a and b (either order). */
static int qty_at_agrees(const tbv_ops *V, void *b, const ref_book *r, int side, int64_t a, int64_t c) {
    int ok = 1;
    int64_t px, lo = a < c ? a : c, hi = a < c ? c : a;
    for (px = lo; px <= hi && ok; px++) {
        uint64_t got = V->qty_at(b, side, px), want = ref_qty_at(r, side, px);
        ok &= CHECK_MSG(got == want, "qty_at(%d, %lld): %llu, reference %llu", side, (long long)px,
                        (unsigned long long)got, (unsigned long long)want);
    }
    return ok;
}

/* Dump b, load it into a fresh book at another anchor: the copy equals the
 * reference (its index rebuilt) and keeps working. */
static void dump_load_agrees(const tbv_ops *V, void *b, ref_book *r, const char *where) {
    size_t len = 0, n = 0;
    unsigned char *buf;
    void *b2 = mk(V, P0 + 100000, 16, NULL);
    CHECK_EQ(V->dump_size(b, &len), TB_OK);
    buf = (unsigned char *)malloc(len ? len : 1);
    if (!buf) abort();
    CHECK_EQ(V->dump(b, buf, len, &n), TB_OK);
    CHECK_EQ_U(n, len);
    CHECK_EQ(V->load(b2, buf, len), TB_OK);
    cmp_ref(V, b2, r, where);
    free(buf);
    V->destroy(b2);
}

static void t_near_index_region(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        const int64_t dir = side ? -1 : 1;         /* towards worse prices */
        const int64_t edge = side ? A : A + N - 1; /* the window's cell on the worse end */
        const int64_t first = edge + dir * 3;
        void *b = mk(V, A, 4096, NULL);
        ref_book r;
        tbv_nx x;
        int64_t k, span;
        ref_init(&r, N, V->bits, A, 4096);
        both_set(V, b, &r, side, side ? A + N - 1 : A, 1); /* the tape's best cell */
        x = nx_of(V, b, side);
        span = (int64_t)x.span;
        CHECK_EQ_U(x.bits_set, 0);
        CHECK_EQ_U(x.rank, 0);
        CHECK_EQ_U(x.need, 0);
        /* the first spill level places the region, at itself (nothing lies nearer the tape) */
        CHECK_EQ(both_set(V, b, &r, side, first, 3), TB_SPILL);
        x = nx_of(V, b, side);
        CHECK_EQ(x.start, first);
        CHECK_EQ_U(x.bits_set, 1);
        CHECK_EQ_U(x.rank, 0);
        CHECK_EQ_U(x.need, 16);
        /* every other price of the region: all hits, the region stays put */
        for (k = 2; k < span; k += 2) CHECK_EQ(both_set(V, b, &r, side, first + dir * k, (uint64_t)k), TB_SPILL);
        x = nx_of(V, b, side);
        CHECK_EQ(x.start, first);
        CHECK_EQ_U(x.misses, 0);
        CHECK_EQ_U(x.hits, (uint64_t)(span / 2 - 1));
        CHECK_EQ_U(x.bits_set, (uint64_t)(span / 2));
        cmp_ref(V, b, &r, "region filled");
        /* removals (the last one absent), updates, re-inserts, all in place */
        for (k = 0; k <= span; k += 6) both_set(V, b, &r, side, first + dir * k, 0);
        for (k = 2; k < span; k += 8) both_set(V, b, &r, side, first + dir * k, 77);
        for (k = 1; k < span; k += 50) both_set(V, b, &r, side, first + dir * k, 50);
        x = nx_of(V, b, side);
        CHECK_EQ(x.start, first);
        CHECK_EQ_U(x.misses, 0);
        cmp_ref(V, b, &r, "edits in the region");
        qty_at_agrees(V, b, &r, side, edge + dir, first + dir * (span + 5));
        /* beyond the region: misses, until they outweigh the hits and the region moves */
        for (k = span; k < span + 400; k += 2) CHECK_EQ(both_set(V, b, &r, side, first + dir * k, 5), TB_SPILL);
        x = nx_of(V, b, side);
        CHECK(x.start != first);
        CHECK_EQ_U(x.need, 16); /* the old region served most lookups: no back-off */
        cmp_ref(V, b, &r, "region moved");
        /* a price the region covers is found by the index; one it does not, by the search */
        qty_at_agrees(V, b, &r, side, first - dir * 2, first + dir * (span + 410));
        CHECK(nx_covers(&x, side, x.start));
        /* levels better than the region start: a recenter pushes the tape's level out on
         * the better side and drains the spill levels the new window covers */
        both_recenter(V, b, &r, side, side ? A - 400 : A + 400);
        cmp_ref(V, b, &r, "recenter across the spill");
        qty_at_agrees(V, b, &r, side, edge - dir * N, first + dir * (span + 410));
        /* erase_better through the middle of the region */
        x = nx_of(V, b, side);
        CHECK_EQ(V->erase_better(b, side, x.start + dir * 100), TB_OK);
        ref_erase_better(&r, side, x.start + dir * 100);
        cmp_ref(V, b, &r, "erase_better into the region");
        /* and one that removes only levels better than the region */
        x = nx_of(V, b, side);
        if (x.rank > 0) {
            CHECK_EQ(V->erase_better(b, side, x.start - dir), TB_OK);
            ref_erase_better(&r, side, x.start - dir);
            CHECK_EQ_U(nx_of(V, b, side).rank, 0);
            cmp_ref(V, b, &r, "erase_better above the region");
        }
        /* a promote far away: the whole tape goes to the spill */
        both_set(V, b, &r, side, side ? A + 5000 : A - 5000, 9);
        cmp_ref(V, b, &r, "promote");
        dump_load_agrees(V, b, &r, "dump/load");
        /* clear empties the index; the next miss places it afresh */
        CHECK_EQ(V->clear(b), TB_OK);
        ref_clear(&r);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.bits_set, 0);
        CHECK_EQ_U(x.rank, 0);
        CHECK_EQ_U(x.need, 0);
        both_set(V, b, &r, side, side ? A + 5000 : A - 5000, 1);
        both_set(V, b, &r, side, side ? A + 5000 - N : A - 5000 + N, 2);
        CHECK_EQ(nx_of(V, b, side).start, side ? A + 5000 - N : A - 5000 + N);
        cmp_ref(V, b, &r, "after clear");
        ref_free(&r);
        V->destroy(b);
    }
}

/* ---- the spill's lazy deletion (tb_spill.inc) --------------------------------------------- */

/* Deletes in the middle of the spill leave tombstones; every observable
 * (depth, levels, iteration, stats, dump, capacity, losses) stays that of
 * the reference, which removes levels for real. */
static void t_spill_tombstones(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        const int64_t dir = side ? -1 : 1;         /* towards worse prices */
        const int64_t edge = side ? A : A + N - 1; /* the window's cell on the worse end */
        const int64_t first = edge + dir * 3;
        void *b = mk(V, A, 256, NULL);
        ref_book r;
        tbv_nx x;
        int64_t k;
        ref_init(&r, N, V->bits, A, 256);
        both_set(V, b, &r, side, side ? A + N - 1 : A, 1); /* the tape's best cell */
        for (k = 0; k < 40; k++) both_set(V, b, &r, side, first + dir * 2 * k, (uint64_t)k + 1u);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.slots, 40);
        CHECK_EQ_U(x.live, 40);
        /* middle deletes: slots stay, levels go */
        for (k = 10; k < 20; k++) CHECK_EQ(both_set(V, b, &r, side, first + dir * 2 * k, 0), TB_SPILL);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.slots, 40);
        CHECK_EQ_U(x.live, 30);
        cmp_ref(V, b, &r, "tombstones in the middle");
        qty_at_agrees(V, b, &r, side, first - dir, first + dir * 82);
        dump_load_agrees(V, b, &r, "dump/load with tombstones");
        /* deleting a tombstone again is a no-op; setting it revives the slot */
        CHECK_EQ(both_set(V, b, &r, side, first + dir * 2 * 12, 0), TB_SPILL);
        for (k = 10; k < 15; k++) both_set(V, b, &r, side, first + dir * 2 * k, 100u + (uint64_t)k);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.slots, 40);
        CHECK_EQ_U(x.live, 35);
        cmp_ref(V, b, &r, "revived");
        /* the best end: deleting it drops the tombstones behind it too */
        for (k = 1; k < 10; k++) both_set(V, b, &r, side, first + dir * 2 * k, 0);
        both_set(V, b, &r, side, first, 0);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.slots, 30);
        CHECK_EQ_U(x.live, 25);
        cmp_ref(V, b, &r, "best end trimmed");
        /* the worst end, likewise */
        for (k = 30; k < 39; k++) both_set(V, b, &r, side, first + dir * 2 * k, 0);
        both_set(V, b, &r, side, first + dir * 2 * 39, 0);
        x = nx_of(V, b, side);
        CHECK_EQ_U(x.slots, 20);
        CHECK_EQ_U(x.live, 15);
        cmp_ref(V, b, &r, "worst end trimmed");
        /* new prices between tombstones: inserted in order */
        for (k = 15; k < 20; k++) both_set(V, b, &r, side, first + dir * (2 * k + 1), 7);
        cmp_ref(V, b, &r, "inserts among tombstones");
        /* a recenter whose window covers tombstones brings back only the levels */
        for (k = 21; k < 29; k += 2) both_set(V, b, &r, side, first + dir * 2 * k, 0);
        both_recenter(V, b, &r, side, side ? A - N / 2 - 40 : A + N / 2 + 40);
        cmp_ref(V, b, &r, "recenter over tombstones");
        both_recenter(V, b, &r, side, A);
        cmp_ref(V, b, &r, "recenter back");
        /* erase_better through tombstones */
        for (k = 22; k < 29; k += 2) both_set(V, b, &r, side, first + dir * 2 * k, 0);
        CHECK_EQ(V->erase_better(b, side, first + dir * 2 * 25), TB_OK);
        ref_erase_better(&r, side, first + dir * 2 * 25);
        cmp_ref(V, b, &r, "erase_better through tombstones");
        /* many deletes: tombstones stay bounded by the live levels (compaction) */
        for (k = 0; k < 200; k++) both_set(V, b, &r, side, first + dir * (400 + k), 3);
        for (k = 1; k < 199; k++)
            if (k % 10) both_set(V, b, &r, side, first + dir * (400 + k), 0);
        x = nx_of(V, b, side);
        CHECK(x.slots - x.live <= x.live + 16u);
        cmp_ref(V, b, &r, "compacted");
        ref_free(&r);
        V->destroy(b);
    }
}

/* A spill full of slots but not of levels neither grows nor evicts: with
 * many tombstones it compacts, with a few (under an eighth of the slots) a
 * new level reuses the nearest one, before or after its rank. Capacity and
 * losses are exactly those of a spill without tombstones (the reference). */
static void t_spill_tombstones_full(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    static const int64_t dead64[] = {20, 40, 41}, new64[] = {10, 45, 5};
    int side, pooled, few;
    for (few = 0; few < 2; few++) {
        const uint32_t cap = few ? 64u : 16u;
        const int64_t ndead = few ? 3 : 4;
        for (pooled = 0; pooled < 2; pooled++) {
            for (side = 0; side < 2; side++) {
                const int64_t dir = side ? -1 : 1;
                const int64_t first = (side ? A : A + N - 1) + dir * 3;
                void *pool = NULL, *b;
                ref_book r;
                tb_book_stats st;
                tbv_nx x;
                int64_t k;
                if (pooled) CHECK_EQ(tbv_pool_for(V->bits)->create(&pool, 1u << 14, TB_POOL_REFUSE), TB_OK);
                b = mk(V, A, cap, pool);
                ref_init(&r, N, V->bits, A, cap);
                both_set(V, b, &r, side, side ? A + N - 1 : A, 1);
                for (k = 0; k < (int64_t)cap; k++) both_set(V, b, &r, side, first + dir * 4 * k, 5);
                for (k = 0; k < ndead; k++) both_set(V, b, &r, side, first + dir * 4 * (few ? dead64[k] : 4 + k), 0);
                x = nx_of(V, b, side);
                CHECK_EQ_U(x.slots, cap);
                CHECK_EQ_U(x.live, cap - (uint32_t)ndead);
                /* new prices, one per tombstone: no eviction, no growth */
                for (k = 0; k < ndead; k++) {
                    both_set(V, b, &r, side, first + dir * (4 * (few ? new64[k] : k) + 2), 6);
                    cmp_ref(V, b, &r, few ? "a tombstone reused" : "compacted, then inserted");
                }
                x = nx_of(V, b, side);
                CHECK_EQ_U(x.slots, cap);
                CHECK_EQ_U(x.live, cap);
                st = stats_of(V, b);
                CHECK_EQ_U(st.spill_cap[side], cap);
                CHECK_EQ_U(st.spill_evicted[side] + st.spill_dropped[side], 0);
                /* one more: now full of levels, the worst goes */
                both_set(V, b, &r, side, first + dir * 1, 6);
                st = stats_of(V, b);
                CHECK_EQ_U(st.spill_evicted[side], 1);
                cmp_ref(V, b, &r, "full of levels");
                ref_free(&r);
                V->destroy(b);
                if (pool) CHECK_EQ(tbv_pool_for(V->bits)->destroy(pool), TB_OK);
            }
        }
    }
}

/* Near the type limits: the region sits at one end of the price range and a
 * price from the other end arrives. Their distance wraps around the unsigned
 * type to a small number (2N + 22 for bids): the index must still see that
 * price as outside its region (it is better than the region's start). */
static void t_near_index_type_limits(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n;
    int side, i;
    for (side = 0; side < 2; side++) {
        /* bids: window [pmax, pmax + N) holds pmax only; asks: [amin, amin + N) */
        const int64_t anchor = side ? V->pmax : V->amin;
        const int64_t top = side ? V->pmax : V->pmin; /* the tape's one level */
        const int64_t deep = side ? V->pmin + 20 : V->pmax - 20;
        const int64_t dir = side ? -1 : 1;
        const int64_t outside = side ? V->pmax - 1 : V->amin + N; /* next to the window, worse side */
        void *b = mk(V, anchor, 64, NULL);
        ref_book r;
        tbv_nx x;
        ref_init(&r, N, V->bits, anchor, 64);
        CHECK_EQ(both_set(V, b, &r, side, top, 1), TB_INSERT);
        for (i = 0; i <= 20; i += 2) CHECK_EQ(both_set(V, b, &r, side, deep + dir * i, (uint64_t)(i + 1)), TB_SPILL);
        x = nx_of(V, b, side);
        CHECK(nx_covers(&x, side, deep));
        CHECK(!nx_covers(&x, side, outside));
        CHECK_EQ(both_set(V, b, &r, side, outside, 5), TB_SPILL);
        CHECK_EQ(both_set(V, b, &r, side, outside, 6), TB_SPILL);
        CHECK_EQ_U(V->qty_at(b, side, outside), 6);
        CHECK_EQ(both_set(V, b, &r, side, deep + dir * 3, 4), TB_SPILL);
        cmp_ref(V, b, &r, "both ends of the range");
        /* the region moves to the top end (misses there), then the bottom is the stranger */
        for (i = 0; i < 40; i++) both_set(V, b, &r, side, outside + dir * (i % 8), (uint64_t)(i + 1));
        x = nx_of(V, b, side);
        CHECK(nx_covers(&x, side, outside));
        for (i = 0; i <= 20; i++) both_set(V, b, &r, side, deep + dir * i, i % 3 ? 0 : 9);
        cmp_ref(V, b, &r, "both ends, region moved");
        qty_at_agrees(V, b, &r, side, deep - dir * 2, deep + dir * 24);
        qty_at_agrees(V, b, &r, side, outside - dir * 2, outside + dir * 10);
        /* the extreme valid prices themselves */
        both_set(V, b, &r, side, side ? V->pmin : V->pmax, 3);
        both_set(V, b, &r, side, side ? V->pmin : V->pmax, 0);
        CHECK_EQ(V->erase_better(b, side, outside), TB_OK);
        ref_erase_better(&r, side, outside);
        cmp_ref(V, b, &r, "extremes erased");
        ref_free(&r);
        V->destroy(b);
    }
}

/* Full spills (evictions and drops at the worst end, which the region may
 * cover), and a pool that refuses blocks: a level that is not stored never
 * enters the index. */
static void t_near_index_full_and_pool(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    const int64_t N = (int64_t)V->n, A = P0;
    uint64_t rs = 0x9E3779B97F4A7C15u;
    int side, i;
    for (side = 0; side < 2; side++) {
        const int64_t dir = side ? -1 : 1;
        const int64_t edge = side ? A : A + N - 1;
        void *b = mk(V, A, 64, NULL);
        ref_book r;
        ref_init(&r, N, V->bits, A, 64);
        both_set(V, b, &r, side, side ? A + N - 1 : A, 1);
        for (i = 0; i < 3000; i++) {
            int64_t d;
            rs ^= rs << 13;
            rs ^= rs >> 7;
            rs ^= rs << 17;
            d = 1 + (int64_t)(rs % 300u);
            both_set(V, b, &r, side, edge + dir * d, (rs >> 40) % 5u == 0 ? 0 : 1 + (rs >> 20) % 100u);
            if (i % 100 == 99) cmp_ref(V, b, &r, "full spill");
        }
        CHECK(r.s[side].evicted > 0 && r.s[side].dropped > 0);
        qty_at_agrees(V, b, &r, side, edge + dir, edge + dir * 302);
        ref_free(&r);
        V->destroy(b);
    }
    {
        /* one 16-level block for two books: the second cannot spill at all */
        void *pool = NULL, *b1, *b2;
        CHECK_EQ(P->create(&pool, 16, TB_POOL_REFUSE), TB_OK);
        b1 = mk(V, A, 64, pool);
        b2 = mk(V, A, 64, pool);
        CHECK_EQ(V->set_code(b1, 1, A + 1, 1), TB_INSERT);
        for (i = 1; i <= 40; i++) CHECK_EQ(V->set_code(b1, 1, A - i, (uint64_t)i), TB_SPILL); /* 16 stored */
        CHECK_EQ(V->set_code(b2, 1, A + 1, 1), TB_INSERT);
        for (i = 1; i <= 40; i++) CHECK_EQ(V->set_code(b2, 1, A - i, (uint64_t)i), TB_SPILL); /* none */
        CHECK_EQ_U(nx_of(V, b2, 1).bits_set, 0);
        CHECK_EQ_U(nx_of(V, b2, 1).rank, 0);
        CHECK_EQ_U(nx_of(V, b1, 1).bits_set + nx_of(V, b1, 1).rank, 16);
        CHECK_EQ_U(V->qty_at(b1, 1, A - 16), 16);
        CHECK_EQ_U(V->qty_at(b1, 1, A - 17), 0);
        CHECK_EQ_U(V->qty_at(b2, 1, A - 1), 0);
        CHECK_EQ(V->verify_invariants(b1), TB_OK);
        CHECK_EQ(V->verify_invariants(b2), TB_OK);
        /* b1 gives the block back; b2 spills and indexes */
        CHECK_EQ(V->release(b1), TB_OK);
        CHECK_EQ_U(nx_of(V, b1, 1).bits_set + nx_of(V, b1, 1).rank, 0);
        for (i = 1; i <= 10; i++) CHECK_EQ(V->set_code(b2, 1, A - 2 * i, (uint64_t)i), TB_SPILL);
        CHECK_EQ_U(V->qty_at(b2, 1, A - 20), 10);
        CHECK_EQ(V->verify_invariants(b2), TB_OK);
        CHECK_EQ(V->destroy(b1), TB_OK);
        CHECK_EQ(V->destroy(b2), TB_OK);
        CHECK_EQ(P->destroy(pool), TB_OK);
    }
}

/* The region follows the activity; lookups spread far wider than its span
 * back the move threshold off; a region that served well and went stale
 * moves after the minimum number of misses. */
static void t_near_index_policy(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    const int side = 1;
    const int64_t edge = A;
    void *b = mk(V, A, 4096, NULL);
    ref_book r;
    tbv_nx x;
    uint64_t rs = 88172645463325252u;
    uint32_t m0;
    int i;
    ref_init(&r, N, V->bits, A, 4096);
    both_set(V, b, &r, side, A + N - 1, 1);
    for (i = 1; i <= 2000; i++) both_set(V, b, &r, side, edge - 2 * i, (uint64_t)i); /* 4000 ticks */
    /* uniform over the whole spill: about 1 lookup in 8 hits, the threshold backs off */
    for (i = 0; i < 30000; i++) {
        rs ^= rs << 13;
        rs ^= rs >> 7;
        rs ^= rs << 17;
        both_set(V, b, &r, side, edge - 2 * (1 + (int64_t)(rs % 2000u)), 1 + (rs >> 33) % 1000u);
    }
    x = nx_of(V, b, side);
    CHECK_MSG(x.need >= 64 && x.need <= 1024, "need %u after spread lookups", x.need);
    cmp_ref(V, b, &r, "spread lookups");
    /* concentrated on 100 ticks: the region gets there, then every lookup hits */
    for (i = 0; i < 6000; i++) both_set(V, b, &r, side, edge - 3000 - 2 * (i % 50), (uint64_t)(i + 1));
    x = nx_of(V, b, side);
    CHECK(nx_covers(&x, side, edge - 3000) && nx_covers(&x, side, edge - 3098));
    m0 = x.misses;
    for (i = 0; i < 1000; i++) both_set(V, b, &r, side, edge - 3000 - 2 * (i % 50), (uint64_t)(i + 7));
    CHECK_EQ_U(nx_of(V, b, side).misses, m0);
    /* the activity moves: the stale region served well, so it moves after need misses and
     * the threshold drops back to the minimum */
    for (i = 0; i < 2000; i++) both_set(V, b, &r, side, edge - 200 - 2 * (i % 50), (uint64_t)(i + 1));
    x = nx_of(V, b, side);
    CHECK(nx_covers(&x, side, edge - 200));
    CHECK_EQ_U(x.need, 16);
    cmp_ref(V, b, &r, "activity moved");
    ref_free(&r);
    V->destroy(b);
}

/* ---- every error path leaves the book unchanged ---------------------------------------- */

static void t_errors_leave_book_unchanged(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t bad_px[] = {V->pmin - 1, V->pmax + 1, V->tmin, V->tmax, V->tmin + 1, V->tmax - 1};
    const int64_t bad_anchor[] = {V->amin - 1, V->amax + 1, V->tmin, V->tmax};
    const int bad_side[] = {2, -1, 3, 255, -2147483647 - 1, 2147483647};
    void *b = mk(V, P0, 64, NULL);
    ref_book r;
    tbv_snap s0, s1;
    tbv_level lv[4];
    tbv_bbo bbo;
    tb_book_stats st;
    size_t i, n, d;
    int side, res;
    ref_init(&r, (int64_t)V->n, V->bits, P0, 64);
    populate(V, b, &r);
    tbv_snap_take(V, b, &s0);

    for (side = 0; side < 2; side++) {
        for (i = 0; i < sizeof bad_px / sizeof bad_px[0]; i++) {
            CHECK_EQ(V->set_code(b, side, bad_px[i], 5), TB_ERR_PRICE);
            CHECK_EQ(V->set_code(b, side, bad_px[i], 0), TB_ERR_PRICE);
            res = 77;
            CHECK_EQ(V->set(b, side, bad_px[i], 5, &res), TB_ERR_PRICE);
            CHECK_EQ(res, 77); /* out untouched on error */
            /* (erase_better takes any value of the type: a threshold; t_erase_better) */
            CHECK_EQ(V->reset_at_mid(b, side, bad_px[i]), TB_ERR_PRICE);
        }
        for (i = 0; i < sizeof bad_anchor / sizeof bad_anchor[0]; i++) {
            CHECK_EQ(V->recenter(b, side, bad_anchor[i]), TB_ERR_ANCHOR);
            CHECK_EQ(side ? V->recenter_bid(b, bad_anchor[i]) : V->recenter_ask(b, bad_anchor[i]), TB_ERR_ANCHOR);
        }
    }
    for (i = 0; i < sizeof bad_anchor / sizeof bad_anchor[0]; i++) CHECK_EQ(V->reset(b, bad_anchor[i]), TB_ERR_ANCHOR);
    for (i = 0; i < sizeof bad_side / sizeof bad_side[0]; i++) {
        int s = bad_side[i];
        CHECK_EQ(V->set_code(b, s, P0, 5), TB_ERR_SIDE);
        CHECK_EQ(V->set_code(b, s, P0 - 10 * (int64_t)V->n, 5), TB_ERR_SIDE);
        CHECK_EQ(V->set(b, s, P0, 5, &res), TB_ERR_SIDE);
        CHECK_EQ(V->reset_at_mid(b, s, P0), TB_ERR_SIDE);
        CHECK_EQ(V->recenter(b, s, P0), TB_ERR_SIDE);
        CHECK_EQ(V->erase_better(b, s, P0), TB_ERR_SIDE);
        n = 9;
        CHECK_EQ(V->levels(b, s, lv, 4, &n), TB_ERR_SIDE);
        CHECK_EQ(n, 0);
        CHECK_EQ(tbv_x(V)->iter_levels(b, s, lv, 4, &n), TB_ERR_SIDE);
        CHECK_EQ(V->depth(b, s, &d), TB_ERR_SIDE);
        CHECK_EQ(V->best_px(b, s), V->tmin);
        CHECK_EQ(tb_take_query_status(), TB_THREAD_GUARD_ON ? TB_ERR_SIDE : 0);
        CHECK_EQ_U(V->best_qty(b, s), 0);
        CHECK_EQ(V->anchor(b, s), V->tmin);
    }
    /* NULL pointers */
    CHECK_EQ(V->set_code(NULL, 1, P0, 5), TB_ERR_NULL);
    CHECK_EQ(V->set(NULL, 1, P0, 5, &res), TB_ERR_NULL);
    CHECK_EQ(V->reset(NULL, P0), TB_ERR_NULL);
    CHECK_EQ(V->reset_at_mid(NULL, 1, P0), TB_ERR_NULL);
    CHECK_EQ(V->recenter(NULL, 1, P0), TB_ERR_NULL);
    CHECK_EQ(V->recenter_bid(NULL, P0), TB_ERR_NULL);
    CHECK_EQ(V->recenter_ask(NULL, P0), TB_ERR_NULL);
    CHECK_EQ(V->erase_better(NULL, 0, P0), TB_ERR_NULL);
    CHECK_EQ(V->clear(NULL), TB_ERR_NULL);
    CHECK_EQ(V->release(NULL), TB_ERR_NULL);
    CHECK_EQ(V->reserve_spill(NULL), TB_ERR_NULL);
    CHECK_EQ(V->verify_invariants(NULL), TB_ERR_NULL);
    CHECK_EQ(V->stats(NULL, &st), TB_ERR_NULL);
    CHECK_EQ(V->stats(b, NULL), TB_ERR_NULL);
    CHECK_EQ(V->bbo(NULL, &bbo), TB_ERR_NULL);
    CHECK_EQ(V->bbo(b, NULL), TB_ERR_NULL);
    CHECK_EQ(V->depth(NULL, 1, &d), TB_ERR_NULL);
    CHECK_EQ(V->depth(b, 1, NULL), TB_ERR_NULL);
    CHECK_EQ(V->levels(NULL, 1, lv, 4, &n), TB_ERR_NULL);
    CHECK_EQ(V->levels(b, 1, NULL, 4, &n), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->iter_levels(NULL, 1, lv, 4, &n), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->iter_init_null(b, 1), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->iter_next_null(), 0);
    CHECK_EQ(V->deinit(NULL), TB_ERR_NULL);
    CHECK_EQ(V->destroy(NULL), TB_OK);
    CHECK_EQ(V->init(NULL, P0, 16, NULL), TB_ERR_NULL);
    /* value queries on NULL answer the empty values */
    CHECK_EQ(V->best_bid_px(NULL), V->tmin);
    CHECK_EQ(tb_take_query_status(), TB_THREAD_GUARD_ON ? TB_ERR_NULL : 0);
    CHECK_EQ(V->best_ask_px(NULL), V->tmax);
    CHECK_EQ_U(V->best_bid_qty(NULL), 0);
    CHECK_EQ_U(V->best_ask_qty(NULL), 0);
    CHECK_EQ(V->crossed(NULL), 0);
    CHECK_EQ(V->crossed_on_tape(NULL), 0);
    CHECK_EQ(V->anchor(NULL, 1), V->tmin);
    CHECK_EQ(tb_take_query_status(), TB_THREAD_GUARD_ON ? TB_ERR_NULL : 0);
    CHECK_EQ(tb_take_query_status(), 0); /* reading resets it */

    tbv_snap_take(V, b, &s1);
    CHECK(tbv_snap_eq(&s0, &s1));
    tbv_snap_free(&s1);
    cmp_ref(V, b, &r, "after the errors");

    /* the valid edges are accepted */
    for (side = 0; side < 2; side++) {
        CHECK(V->set_code(b, side, V->pmin, 1) >= TB_SPILL);
        CHECK(V->set_code(b, side, V->pmax, 1) >= TB_SPILL);
        CHECK_EQ(V->recenter(b, side, V->amin), TB_OK);
        CHECK_EQ(V->recenter(b, side, V->amax), TB_OK);
        CHECK_EQ(V->erase_better(b, side, V->pmin), TB_OK);
        CHECK_EQ(V->reset_at_mid(b, side, V->pmax), TB_OK);
    }
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    tbv_snap_free(&s0);
    ref_free(&r);
    V->destroy(b);
}

static void t_construction_errors(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    const uint32_t bad_caps[] = {0, 3, 5, 6, 12, 48, 1000, 65535, (1u << 30) + 1u, 1u << 31, 0xFFFFFFFFu};
    void *b = (void *)&b, *pool = NULL, *mem;
    size_t i;
    CHECK_EQ(V->create(NULL, P0, 16, NULL), TB_ERR_NULL);
    CHECK_EQ(V->create(&b, V->amin - 1, 16, NULL), TB_ERR_ANCHOR);
    CHECK(b == NULL);
    CHECK_EQ(V->create(&b, V->amax + 1, 16, NULL), TB_ERR_ANCHOR);
    for (i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++) {
        b = (void *)&b;
        CHECK_MSG(V->create(&b, P0, bad_caps[i], NULL) == TB_ERR_MAX_CAP, "max_cap %u accepted", bad_caps[i]);
        CHECK(b == NULL);
    }
    /* the edges that are fine: 1 and 2^30 (nothing is allocated up front) */
    b = mk(V, V->amin, 1, NULL);
    V->destroy(b);
    b = mk(V, V->amax, 1u << 30, NULL);
    CHECK_EQ_U(stats_of(V, b).spill_max_cap, 1u << 30);
    V->destroy(b);
    /* pool-backed: at most the largest class, 32768 */
    CHECK_EQ(P->create(&pool, 1024, TB_POOL_REFUSE), TB_OK);
    CHECK_EQ(V->create(&b, P0, 65536, pool), TB_ERR_MAX_CAP);
    CHECK_EQ(V->create(&b, P0, 1u << 30, pool), TB_ERR_MAX_CAP);
    CHECK_EQ(pstats_of(P, pool).attached_books, 0);
    b = mk(V, P0, 32768, pool);
    CHECK_EQ(pstats_of(P, pool).attached_books, 1);
    V->destroy(b);
    /* init in caller storage: same checks, plus alignment */
    mem = tbv_storage(V);
    CHECK_EQ(V->init(mem, V->amin - 1, 16, NULL), TB_ERR_ANCHOR);
    CHECK_EQ(V->init(mem, P0, 0, NULL), TB_ERR_MAX_CAP);
    CHECK_EQ(V->init(mem, P0, 65536, pool), TB_ERR_MAX_CAP);
    CHECK_EQ(V->init((unsigned char *)mem + 8, P0, 16, NULL), TB_ERR_BADARG);
    CHECK_EQ(pstats_of(P, pool).attached_books, 0);
    CHECK_EQ(V->init(mem, P0, 16, pool), TB_OK);
    CHECK_EQ(pstats_of(P, pool).attached_books, 1);
    CHECK_EQ(V->set_code(mem, 1, P0 + 1, 1), TB_INSERT);
    CHECK_EQ(V->set_code(mem, 1, P0 - 1, 1), TB_SPILL);
    CHECK_EQ(V->verify_invariants(mem), TB_OK);
    CHECK_EQ(V->deinit(mem), TB_OK);
    CHECK_EQ(pstats_of(P, pool).attached_books, 0);
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    free(mem);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

/* ---- regressions: the five known failure modes of the reference implementation ------- */

/* (a) A promote with px within 1.5 N of the type minimum computed an anchor
 * below the valid range. It must clamp into [TYPE_MIN + N - 1, ...] and keep
 * px inside the window. */
static void t_regression_a_promote_near_type_min(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n;
    const int64_t pxs[] = {V->pmin, V->pmin + 1, V->pmin + N / 2 - 1, V->pmin + N / 2, V->pmin + N - 1,
                           V->pmin + N + N / 2 - 1};
    int side;
    size_t i;
    for (side = 0; side < 2; side++) {
        for (i = 0; i < sizeof pxs / sizeof pxs[0]; i++) {
            void *b = mk(V, P0, 16, NULL);
            ref_book r;
            int64_t want = pxs[i] - N / 2 < V->amin ? V->amin : pxs[i] - N / 2;
            ref_init(&r, N, V->bits, P0, 16);
            both_set(V, b, &r, side, P0 + 7, 3); /* something to push out */
            CHECK_EQ(both_set(V, b, &r, side, pxs[i], 5), side ? TB_SPILL : TB_INSERT);
            if (side) { /* bids: far below the tape best -> spill; empty the tape to promote */
                both_set(V, b, &r, side, P0 + 7, 0);
                CHECK_EQ(both_set(V, b, &r, side, pxs[i], 6), TB_UPDATE);
            }
            CHECK_EQ(V->anchor(b, side), want);
            CHECK(V->anchor(b, side) >= V->amin);
            CHECK_EQ(V->best_px(b, side), pxs[i]);
            CHECK_EQ(V->verify_invariants(b), TB_OK);
            cmp_ref(V, b, &r, "promote near the type minimum");
            /* and the very first set of a fresh book at the lowest price */
            CHECK_EQ(V->reset(b, P0), TB_OK);
            CHECK_EQ(V->set_code(b, side, V->pmin, 1), TB_INSERT);
            CHECK_EQ(V->anchor(b, side), V->amin);
            CHECK_EQ(V->verify_invariants(b), TB_OK);
            V->destroy(b);
            ref_free(&r);
        }
        { /* the top end needs no clamp but must stay valid */
            void *b = mk(V, P0, 16, NULL);
            CHECK_EQ(V->set_code(b, side, V->pmax, 1), TB_INSERT);
            CHECK_EQ(V->anchor(b, side), V->pmax - N / 2);
            CHECK(V->anchor(b, side) + N - 1 <= V->tmax);
            CHECK_EQ(V->set_code(b, side, V->pmin, 1), side ? TB_SPILL : TB_INSERT);
            CHECK_EQ(V->verify_invariants(b), TB_OK);
            V->destroy(b);
        }
    }
}

/* (b) A spill side that cannot get its first block from an exhausted pool
 * must drop the level and count it (pool alloc_fail_count, book
 * spill_nomem), not crash. */
static void t_regression_b_pool_first_block_exhausted(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    const int64_t N = (int64_t)V->n, A = P0;
    void *pool = NULL, *b1, *b2;
    tb_book_stats st;
    tb_pool_stats ps;
    int side;
    int64_t i;
    CHECK_EQ(P->create(&pool, 16, TB_POOL_REFUSE), TB_OK); /* exactly one block */
    b1 = mk(V, A, 64, pool);
    b2 = mk(V, A, 64, pool);
    CHECK_EQ(V->set_code(b1, 1, A + 1, 1), TB_INSERT);
    CHECK_EQ(V->set_code(b1, 1, A - 1, 1), TB_SPILL); /* b1 takes the only block */
    ps = pstats_of(P, pool);
    CHECK_EQ(ps.used_levels, 16);
    for (side = 0; side < 2; side++) {
        int64_t worse = side ? A - 5 : A + N + 5;
        CHECK_EQ(V->set_code(b2, side, side ? A + 1 : A + N - 2, 1), TB_INSERT);
        CHECK_EQ(V->set_code(b2, side, worse, 7), TB_SPILL);
        CHECK_EQ_U(qty_at(V, b2, side, worse), 0); /* dropped */
        st = stats_of(V, b2);
        CHECK_EQ_U(st.spill_nomem[side], 1);
        CHECK_EQ_U(st.spill_cap[side], 0);
        CHECK_EQ(V->verify_invariants(b2), TB_OK);
    }
    ps = pstats_of(P, pool);
    CHECK_EQ_U(ps.alloc_fail_count, 2);
    CHECK_EQ_U(ps.cls[0].failures, 2);
    /* a promote whose leaving tape levels have nowhere to go: counted too */
    for (i = 0; i < 10; i++) CHECK_EQ(V->set_code(b2, 1, A + i, (uint64_t)(i + 1)), i == 1 ? TB_UPDATE : TB_INSERT);
    CHECK_EQ(V->set_code(b2, 1, A + 10 * N, 5), TB_INSERT);
    st = stats_of(V, b2);
    CHECK_EQ_U(st.spill_nomem[1], 11);
    CHECK_EQ_U(depth_of(V, b2, 1), 1);
    CHECK_EQ(V->best_bid_px(b2), A + 10 * N);
    CHECK_EQ(V->verify_invariants(b2), TB_OK);
    /* reserve_spill cannot get the memory either */
    CHECK_EQ(V->reserve_spill(b2), TB_ERR_NOMEM);
    CHECK_EQ(V->verify_invariants(b2), TB_OK);
    /* once b1 gives its block back, b2 can spill again */
    CHECK_EQ(V->release(b1), TB_OK);
    CHECK_EQ(V->set_code(b2, 1, A - 3, 3), TB_SPILL);
    CHECK_EQ_U(qty_at(V, b2, 1, A - 3), 3);
    CHECK_EQ(V->destroy(b1), TB_OK);
    CHECK_EQ(V->destroy(b2), TB_OK);
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

/* (c) A pool-backed max_cap above 32768 (the largest class) must be
 * rejected at construction, not fail later. */
static void t_regression_c_pool_max_cap_rejected(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    void *pool = NULL, *b = NULL, *mem = tbv_storage(V);
    CHECK_EQ(P->create(&pool, 1u << 16, TB_POOL_REFUSE), TB_OK);
    CHECK_EQ(V->create(&b, P0, 65536, pool), TB_ERR_MAX_CAP);
    CHECK(b == NULL);
    CHECK_EQ(V->create(&b, P0, 1u << 20, pool), TB_ERR_MAX_CAP);
    CHECK_EQ(V->init(mem, P0, 65536, pool), TB_ERR_MAX_CAP);
    CHECK_EQ(pstats_of(P, pool).attached_books, 0);
    /* 32768 is fine and can really be reserved */
    CHECK_EQ(V->create(&b, P0, 32768, pool), TB_OK);
    CHECK_EQ(V->reserve_spill(b), TB_OK);
    CHECK_EQ_U(stats_of(V, b).spill_cap[0], 32768);
    CHECK_EQ(V->destroy(b), TB_OK);
    /* without a pool, 65536 is allowed */
    CHECK_EQ(V->create(&b, P0, 65536, NULL), TB_OK);
    CHECK_EQ(V->destroy(b), TB_OK);
    CHECK_EQ(P->destroy(pool), TB_OK);
    free(mem);
}

/* (d) A recenter with a FULL spill evicted levels that belong in the new
 * window (it pushed the leaving tape levels before draining). Construct a
 * full spill whose worst levels lie inside the new window, recenter, and
 * check every in-window level is on the tape and the result equals "remove
 * the spill levels in the new window, then push the leaving tape levels
 * with evict-worst". */
static void t_regression_d_recenter_full_spill(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    const uint32_t caps[] = {1, 4, 16};
    int side;
    size_t ci;
    for (ci = 0; ci < 3; ci++)
        for (side = 0; side < 2; side++) {
            const uint32_t cap = caps[ci];
            void *b = mk(V, A, cap, NULL);
            ref_book r;
            int64_t i, na;
            const int64_t dir = side ? 1 : -1; /* towards better prices */
            tb_book_stats st;
            ref_init(&r, N, V->bits, A, cap);
            /* tape: 2*cap + 2 levels at the better end of the window */
            for (i = 0; i < 2 * (int64_t)cap + 2; i++)
                both_set(V, b, &r, side, side ? A + N - 1 - i : A + i, (uint64_t)(100 + i));
            /* spill: full, just beyond the worse edge of the window */
            for (i = 1; i <= (int64_t)cap; i++)
                CHECK_EQ(both_set(V, b, &r, side, side ? A - i : A + N - 1 + i, (uint64_t)i), TB_SPILL);
            st = stats_of(V, b);
            CHECK_EQ_U(st.spill_levels[side], cap);
            CHECK_EQ_U(st.spill_cap[side], cap);
            /* move the window half a tape towards the worse side: the whole
             * spill is now inside it, the better half of the tape leaves */
            na = A - dir * (N / 2);
            both_recenter(V, b, &r, side, na);
            for (i = 1; i <= (int64_t)cap; i++) {
                int64_t px = side ? A - i : A + N - 1 + i;
                CHECK_MSG(qty_at(V, b, side, px) == (uint64_t)i, "cap %u side %d: in-window level %lld lost", cap,
                          side, (long long)px);
            }
            st = stats_of(V, b);
            CHECK_EQ_U(st.tape_levels[side], ref_tape_count(&r, side));
            CHECK_EQ_U(st.spill_levels[side], cap);
            cmp_ref(V, b, &r, "recenter with a full spill");
            /* and back: the levels that were kept come home, the rest is gone */
            both_recenter(V, b, &r, side, A);
            cmp_ref(V, b, &r, "recenter back");
            ref_free(&r);
            V->destroy(b);
        }
    /* the promote flavour: a better price recenters a tape whose full spill
     * holds levels of the new window on the better side */
    for (side = 0; side < 2; side++)
        for (ci = 0; ci < 3; ci++) {
            const uint32_t cap = caps[ci];
            void *b = mk(V, A, cap, NULL);
            ref_book r;
            int64_t i;
            const int64_t dir = side ? 1 : -1;
            ref_init(&r, N, V->bits, A, cap);
            /* levels on the better edge, then move the window away so they sit
             * in the spill on the better side (spill full) */
            for (i = 0; i < (int64_t)cap; i++) both_set(V, b, &r, side, side ? A + N - 1 - i : A + i, (uint64_t)(10 + i));
            both_recenter(V, b, &r, side, A - dir * N); /* disjoint: everything to the spill */
            for (i = 0; i < 2 * (int64_t)cap + 2; i++) /* a fresh tape, worse than the spill */
                both_set(V, b, &r, side, side ? A - N + i : A + 2 * N - 1 - i, (uint64_t)(200 + i));
            CHECK_EQ_U(stats_of(V, b).spill_levels[side], cap);
            /* a price better than the tape best, centring the window on the
             * spilled levels: promote */
            CHECK_EQ(both_set(V, b, &r, side, A + N / 2, 7), TB_INSERT);
            for (i = 0; i < (int64_t)cap; i++) {
                int64_t px = side ? A + N - 1 - i : A + i;
                if (px >= V->anchor(b, side) && px < V->anchor(b, side) + N)
                    CHECK_MSG(qty_at(V, b, side, px) == (uint64_t)(10 + i), "promote lost in-window level %lld",
                              (long long)px);
            }
            cmp_ref(V, b, &r, "promote with a full spill");
            ref_free(&r);
            V->destroy(b);
        }
}

/* (e) reset_at_mid left the side's spill levels in place; later they
 * resurfaced next to a tape copy of the same price. */
static void t_regression_e_reset_at_mid_no_stale_spill(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n, A = P0;
    int side;
    for (side = 0; side < 2; side++) {
        void *b = mk(V, A, 64, NULL);
        ref_book r;
        const int64_t dir = side ? -1 : 1; /* towards worse prices */
        const int64_t old = side ? A - 5 : A + N + 4; /* will be a spill level */
        int64_t i;
        ref_init(&r, N, V->bits, A, 64);
        both_set(V, b, &r, side, side ? A + 3 : A + N - 4, 1);
        for (i = 0; i < 10; i++) both_set(V, b, &r, side, old + dir * 3 * i, (uint64_t)(50 + i));
        CHECK_EQ_U(stats_of(V, b).spill_levels[side], 10);
        /* re-anchor the side around the old spill price */
        CHECK_EQ(V->reset_at_mid(b, side, old), TB_OK);
        ref_reset_at_mid(&r, side, old);
        CHECK_EQ_U(stats_of(V, b).spill_levels[side], 0);
        CHECK_EQ_U(depth_of(V, b, side), 0);
        /* the same price again, now on the tape */
        CHECK_EQ(both_set(V, b, &r, side, old, 3), TB_INSERT);
        CHECK_EQ_U(qty_at(V, b, side, old), 3);
        /* move the window away and back, promote across the old prices */
        both_recenter(V, b, &r, side, old + 3 * N);
        CHECK_EQ_U(qty_at(V, b, side, old), 3);
        both_recenter(V, b, &r, side, old - 3 * N);
        both_recenter(V, b, &r, side, old - N / 2);
        CHECK_EQ_U(qty_at(V, b, side, old), 3);
        CHECK_EQ_U(depth_of(V, b, side), 1);
        cmp_ref(V, b, &r, "after reset_at_mid and recenters");
        both_set(V, b, &r, side, old, 0);
        CHECK_EQ_U(depth_of(V, b, side), 0); /* nothing resurfaces */
        CHECK_EQ(V->best_px(b, side), side ? V->tmin : V->tmax);
        for (i = 0; i < 10; i++) CHECK_EQ_U(qty_at(V, b, side, old + dir * 3 * i), 0);
        both_set(V, b, &r, side, old - dir * 7 * N, 9); /* promote elsewhere */
        both_recenter(V, b, &r, side, old - N / 2);
        CHECK_EQ_U(depth_of(V, b, side), 1);
        cmp_ref(V, b, &r, "promote after reset_at_mid");
        ref_free(&r);
        V->destroy(b);
    }
}

/* ---- SpillPool ----------------------------------------------------------------------- */

/* The counters of a pool are consistent with each other and with the
 * blocks the caller knows to be live. */
static int pool_counters_add_up(const tbv_pool_ops *P, void *pool, const uint32_t *live_arena,
                                const uint32_t *live_fallback) {
    tb_pool_stats s = pstats_of(P, pool);
    uint64_t used = 0, fb = 0, fails = 0;
    int k, ok = 1;
    for (k = 0; k < TB_POOL_NUM_CLASSES; k++) {
        const tb_pool_class_stats *c = &s.cls[k];
        ok &= CHECK_EQ_U(c->requests, c->freelist_hits + c->bump_allocs + c->failures);
        ok &= CHECK_EQ_U(c->live_blocks, c->freelist_hits + c->bump_allocs + c->fallback_allocs - c->frees);
        ok &= CHECK(c->fallback_allocs <= c->failures);
        ok &= CHECK(c->high_water >= c->live_blocks);
        if (live_arena) {
            ok &= CHECK_EQ_U(c->live_blocks, live_arena[k] + live_fallback[k]);
            used += (uint64_t)live_arena[k] * tbv_class_levels(k);
            fb += (uint64_t)live_fallback[k] * tbv_class_levels(k) * P->level_bytes;
        }
        fails += c->failures;
    }
    ok &= CHECK_EQ_U(s.alloc_fail_count, fails);
    ok &= CHECK(s.used_levels <= s.watermark && s.watermark <= s.total_levels);
    ok &= CHECK_EQ_U(s.level_bytes, P->level_bytes);
    if (live_arena) {
        ok &= CHECK_EQ_U(s.used_levels, used);
        ok &= CHECK_EQ_U(s.fallback_bytes, fb);
    }
    return ok;
}

static void t_pool_alloc_free_reuse(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = NULL, *a, *b2, *c, *d;
    tb_pool_stats s;
    CHECK_EQ(P->create(&pool, 1024, TB_POOL_REFUSE), TB_OK);
    CHECK_EQ(P->level_size(), P->level_bytes);
    CHECK_EQ(P->level_bytes, (uint32_t)(P->bits / 4));
    CHECK(P->struct_size() > 0);
    s = pstats_of(P, pool);
    CHECK_EQ(s.total_levels, 1024);
    CHECK_EQ(s.used_levels, 0);
    CHECK_EQ(s.watermark, 0);
    CHECK_EQ(s.attached_books, 0);
    CHECK_EQ(s.policy, TB_POOL_REFUSE);
    a = P->alloc(pool, 16);
    b2 = P->alloc(pool, 1); /* class 0 as well */
    c = P->alloc(pool, 17); /* class 1: 32 levels */
    CHECK(a && b2 && c && a != b2);
    CHECK(P->owns(pool, a) && P->owns(pool, b2) && P->owns(pool, c));
    CHECK(((uintptr_t)a & 63u) == 0); /* the arena is cache-line aligned */
    s = pstats_of(P, pool);
    CHECK_EQ(s.used_levels, 64);
    CHECK_EQ(s.watermark, 64);
    CHECK_EQ_U(s.cls[0].requests, 2);
    CHECK_EQ_U(s.cls[0].bump_allocs, 2);
    CHECK_EQ_U(s.cls[1].requests, 1);
    CHECK_EQ_U(s.cls[0].live_blocks, 2);
    /* free-list reuse: the same block comes back (LIFO) */
    P->free(pool, a, 16);
    s = pstats_of(P, pool);
    CHECK_EQ(s.used_levels, 48);
    CHECK_EQ_U(s.cls[0].frees, 1);
    d = P->alloc(pool, 9);
    CHECK(d == a);
    s = pstats_of(P, pool);
    CHECK_EQ_U(s.cls[0].freelist_hits, 1);
    CHECK_EQ(s.watermark, 64); /* no bump */
    P->free(pool, b2, 1);
    P->free(pool, d, 16);
    CHECK(P->alloc(pool, 16) == d);
    CHECK(P->alloc(pool, 16) == b2);
    CHECK(P->alloc(pool, 16) != NULL); /* bumps again */
    /* requests out of range and NULL arguments */
    CHECK(P->alloc(pool, 0) == NULL);
    CHECK(P->alloc(pool, 32769) == NULL);
    CHECK(P->alloc(NULL, 16) == NULL);
    P->free(pool, NULL, 16); /* no-op */
    P->free(NULL, c, 32);    /* no-op */
    pool_counters_add_up(P, pool, NULL, NULL);
    CHECK_EQ(P->destroy(pool), TB_OK);
    CHECK_EQ(P->destroy(NULL), TB_OK);
}

static void t_pool_size_classes(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = NULL, *blk[TB_POOL_NUM_CLASSES];
    uint32_t live_a[TB_POOL_NUM_CLASSES], live_f[TB_POOL_NUM_CLASSES];
    int k;
    uint32_t used = 0;
    memset(live_a, 0, sizeof live_a);
    memset(live_f, 0, sizeof live_f);
    CHECK_EQ(P->create(&pool, 1u << 17, TB_POOL_REFUSE), TB_OK);
    for (k = 0; k < TB_POOL_NUM_CLASSES; k++) {
        uint32_t size = tbv_class_levels(k), lo = k ? size / 2u + 1u : 1u;
        tb_pool_stats s;
        uint32_t i;
        /* the smallest and the largest request of the class */
        blk[k] = P->alloc(pool, size);
        CHECK(blk[k] != NULL);
        /* every level of the block is usable (ASan watches) */
        for (i = 0; i < size; i++) P->blk_set(blk[k], i, (int64_t)i, (uint64_t)i + 1u);
        {
            void *x = P->alloc(pool, lo);
            CHECK(x != NULL);
            P->free(pool, x, lo);
            CHECK(P->alloc(pool, size) == x); /* same class, same free list */
            P->free(pool, x, size);
        }
        used += size;
        live_a[k] = 1;
        s = pstats_of(P, pool);
        CHECK_EQ(s.used_levels, used);
        CHECK_EQ_U(s.cls[k].requests, 3);
        CHECK_EQ_U(s.cls[k].freelist_hits, 1);
        CHECK_EQ_U(s.cls[k].bump_allocs, 2);
        CHECK_EQ_U(s.cls[k].high_water, 2);
        CHECK_EQ(tbv_class_of(size), k);
    }
    CHECK_EQ(tbv_class_levels(TB_POOL_NUM_CLASSES - 1), 32768);
    pool_counters_add_up(P, pool, live_a, live_f);
    for (k = 0; k < TB_POOL_NUM_CLASSES; k++) P->free(pool, blk[k], tbv_class_levels(k));
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

static void t_pool_realloc(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = NULL, *a, *b2, *c;
    uint32_t i;
    int64_t px;
    uint64_t q;
    CHECK_EQ(P->create(&pool, 128, TB_POOL_REFUSE), TB_OK);
    a = P->alloc(pool, 16);
    for (i = 0; i < 10; i++) P->blk_set(a, i, -(int64_t)i * 1000, (uint64_t)i * 7u + 1u);
    b2 = P->realloc(pool, a, 16, 64, 10);
    CHECK(b2 != NULL && b2 != a);
    for (i = 0; i < 10; i++) {
        P->blk_get(b2, i, &px, &q);
        CHECK(px == -(int64_t)i * 1000 && q == (uint64_t)i * 7u + 1u);
    }
    CHECK_EQ_U(pstats_of(P, pool).cls[0].frees, 1);
    CHECK_EQ(pstats_of(P, pool).used_levels, 64);
    /* used larger than the new or old size: refused, nothing changes */
    CHECK(P->realloc(pool, b2, 64, 32, 40) == NULL);
    CHECK(P->realloc(pool, b2, 64, 128, 65) == NULL);
    CHECK_EQ(pstats_of(P, pool).used_levels, 64);
    /* NULL old: a plain allocation */
    c = P->realloc(pool, NULL, 0, 16, 0);
    CHECK(c == a); /* the freed 16-block */
    /* exhausted: NULL, and the old block is untouched and still live */
    CHECK(P->realloc(pool, b2, 64, 128, 10) == NULL);
    CHECK_EQ_U(pstats_of(P, pool).alloc_fail_count, 1);
    CHECK_EQ(pstats_of(P, pool).used_levels, 80);
    P->blk_get(b2, 9, &px, &q);
    CHECK(px == -9000 && q == 64);
    P->free(pool, b2, 64);
    P->free(pool, c, 16);
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

static void t_pool_exhaustion(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = NULL, *a, *b2;
    tb_pool_stats s;
    CHECK_EQ(P->create(&pool, 64, TB_POOL_REFUSE), TB_OK);
    a = P->alloc(pool, 32);
    b2 = P->alloc(pool, 32);
    CHECK(a && b2);
    CHECK(P->alloc(pool, 16) == NULL);
    s = pstats_of(P, pool);
    CHECK_EQ_U(s.alloc_fail_count, 1);
    CHECK_EQ_U(s.cls[0].failures, 1);
    CHECK_EQ_U(s.cls[0].live_blocks, 0);
    /* no splitting or coalescing: a free 32-block does not serve 16 */
    P->free(pool, a, 32);
    CHECK(P->alloc(pool, 16) == NULL);
    CHECK(P->alloc(pool, 64) == NULL);
    CHECK_EQ_U(pstats_of(P, pool).alloc_fail_count, 3);
    CHECK(P->alloc(pool, 32) == a);
    pool_counters_add_up(P, pool, NULL, NULL);
    P->free(pool, a, 32);
    P->free(pool, b2, 32);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

static void t_pool_fallback(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = NULL, *a, *f1, *f2;
    tb_pool_stats s;
    uint32_t i;
    CHECK_EQ(P->create(&pool, 32, TB_POOL_FALLBACK), TB_OK);
    CHECK_EQ(pstats_of(P, pool).policy, TB_POOL_FALLBACK);
    a = P->alloc(pool, 32);
    CHECK(a && P->owns(pool, a));
    f1 = P->alloc(pool, 32); /* arena full: TB_MALLOC */
    f2 = P->alloc(pool, 1000); /* class 6: 1024 levels */
    CHECK(f1 && !P->owns(pool, f1));
    CHECK(f2 && !P->owns(pool, f2));
    for (i = 0; i < 32; i++) P->blk_set(f1, i, 1, 1); /* the whole block is there */
    for (i = 0; i < 1024; i++) P->blk_set(f2, i, 2, 2);
    s = pstats_of(P, pool);
    CHECK_EQ_U(s.alloc_fail_count, 2);
    CHECK_EQ_U(s.cls[1].fallback_allocs, 1);
    CHECK_EQ_U(s.cls[6].fallback_allocs, 1);
    CHECK_EQ_U(s.fallback_bytes, (uint64_t)(32 + 1024) * P->level_bytes);
    CHECK_EQ(s.used_levels, 32); /* fallback blocks are not arena levels */
    CHECK_EQ_U(s.cls[1].live_blocks, 2);
    {
        uint32_t la[TB_POOL_NUM_CLASSES] = {0}, lf[TB_POOL_NUM_CLASSES] = {0};
        la[1] = 1;
        lf[1] = 1;
        lf[6] = 1;
        pool_counters_add_up(P, pool, la, lf);
    }
    /* freed with TB_FREE (ASan/LSan would report a leak or a bad free otherwise) */
    P->free(pool, f1, 32);
    P->free(pool, f2, 1000);
    s = pstats_of(P, pool);
    CHECK_EQ_U(s.fallback_bytes, 0);
    CHECK_EQ(s.used_levels, 32);
    CHECK_EQ_U(s.cls[1].live_blocks, 1);
    P->free(pool, a, 32);
    /* a pool-backed book over a fallback pool keeps working when the arena is gone */
    {
        const tbv_ops *V = tbv_find(P->bits, 64);
        void *b = mk(V, P0, 256, pool);
        int64_t k;
        CHECK_EQ(V->set_code(b, 1, P0 + 1, 1), TB_INSERT);
        for (k = 1; k <= 200; k++) CHECK_EQ(V->set_code(b, 1, P0 - k, (uint64_t)k), TB_SPILL);
        CHECK_EQ_U(stats_of(V, b).spill_levels[1], 200);
        CHECK_EQ_U(stats_of(V, b).spill_nomem[1], 0);
        CHECK(pstats_of(P, pool).fallback_bytes > 0);
        CHECK_EQ(V->destroy(b), TB_OK);
        CHECK_EQ_U(pstats_of(P, pool).fallback_bytes, 0);
    }
    CHECK_EQ(P->destroy(pool), TB_OK);
}

static void t_pool_counters_random(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    int policy;
    for (policy = 0; policy < 2; policy++) {
        void *pool = NULL, *blk[256];
        uint32_t lv[256], la[TB_POOL_NUM_CLASSES], lf[TB_POOL_NUM_CLASSES];
        int fb[256], nb = 0, step;
        uint64_t seed = 99 + (uint64_t)policy;
        memset(la, 0, sizeof la);
        memset(lf, 0, sizeof lf);
        CHECK_EQ(P->create(&pool, 4096, policy), TB_OK);
        for (step = 0; step < 5000; step++) {
            uint64_t x = splitmix64(&seed);
            if (nb < 256 && (x & 3u) != 0) {
                uint32_t want = (uint32_t)(1u + (x >> 8) % ((x >> 40) % 4u == 0 ? 2048u : 64u));
                void *p = P->alloc(pool, want);
                if (p) {
                    int k = tbv_class_of(want);
                    blk[nb] = p;
                    lv[nb] = want;
                    fb[nb] = !P->owns(pool, p);
                    if (fb[nb]) lf[k]++;
                    else la[k]++;
                    nb++;
                } else {
                    CHECK_EQ(policy, TB_POOL_REFUSE);
                }
            } else if (nb) {
                int i = (int)((x >> 16) % (uint64_t)nb), k = tbv_class_of(lv[i]);
                if (fb[i]) lf[k]--;
                else la[k]--;
                P->free(pool, blk[i], lv[i]);
                nb--;
                blk[i] = blk[nb];
                lv[i] = lv[nb];
                fb[i] = fb[nb];
            }
            if (step % 97 == 0 && !pool_counters_add_up(P, pool, la, lf)) break;
        }
        pool_counters_add_up(P, pool, la, lf);
        while (nb) {
            nb--;
            P->free(pool, blk[nb], lv[nb]);
        }
        CHECK_EQ(pstats_of(P, pool).used_levels, 0);
        CHECK_EQ_U(pstats_of(P, pool).fallback_bytes, 0);
        CHECK_EQ(P->destroy(pool), TB_OK);
    }
}

static void t_pool_destroy_refused_while_attached(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    const tbv_ops *V = tbv_find(P->bits, 256);
    void *pool = NULL, *b1, *b2, *mem;
    CHECK_EQ(P->create(&pool, 4096, TB_POOL_REFUSE), TB_OK);
    b1 = mk(V, P0, 64, pool);
    b2 = mk(V, P0, 64, pool);
    CHECK_EQ(pstats_of(P, pool).attached_books, 2);
    CHECK_EQ(V->set_code(b1, 1, P0 + 1, 1), TB_INSERT);
    CHECK_EQ(V->set_code(b1, 1, P0 - 1, 1), TB_SPILL);
    CHECK_EQ(P->destroy(pool), TB_ERR_POOL_IN_USE);
    CHECK_EQ(P->deinit(pool), TB_ERR_POOL_IN_USE);
    /* still fully usable */
    CHECK_EQ(V->set_code(b1, 1, P0 - 2, 1), TB_SPILL);
    CHECK_EQ_U(depth_of(V, b1, 1), 3);
    CHECK_EQ(V->destroy(b1), TB_OK);
    CHECK_EQ(P->destroy(pool), TB_ERR_POOL_IN_USE); /* b2 still attached, even without blocks */
    CHECK_EQ(V->destroy(b2), TB_OK);
    CHECK_EQ(pstats_of(P, pool).attached_books, 0);
    CHECK_EQ(P->destroy(pool), TB_OK);
    /* init/deinit in caller storage; deinit twice is harmless */
    mem = malloc(P->struct_size());
    if (!mem) abort();
    CHECK_EQ(P->init(mem, 256, TB_POOL_REFUSE), TB_OK);
    b1 = mk(V, P0, 16, mem);
    CHECK_EQ(P->deinit(mem), TB_ERR_POOL_IN_USE);
    CHECK_EQ(V->destroy(b1), TB_OK);
    CHECK_EQ(P->deinit(mem), TB_OK);
    CHECK_EQ(P->deinit(mem), TB_OK);
    CHECK(P->alloc(mem, 16) == NULL); /* closed */
    /* a closed pool cannot take books */
    {
        void *b = NULL;
        CHECK_EQ(V->create(&b, P0, 16, mem), TB_ERR_CLOSED);
        CHECK(b == NULL);
    }
    free(mem);
}

static void t_pool_errors(const void *arg) {
    const tbv_pool_ops *P = (const tbv_pool_ops *)arg;
    void *pool = (void *)&pool;
    tb_pool_stats s;
    CHECK_EQ(P->create(NULL, 1024, TB_POOL_REFUSE), TB_ERR_NULL);
    CHECK_EQ(P->create(&pool, 15, TB_POOL_REFUSE), TB_ERR_BADARG);
    CHECK(pool == NULL);
    CHECK_EQ(P->create(&pool, 0, TB_POOL_REFUSE), TB_ERR_BADARG);
    CHECK_EQ(P->create(&pool, (1u << 30) + 1u, TB_POOL_REFUSE), TB_ERR_BADARG);
    CHECK_EQ(P->create(&pool, 1024, 2), TB_ERR_BADARG);
    CHECK_EQ(P->create(&pool, 1024, -1), TB_ERR_BADARG);
    CHECK_EQ(P->init(NULL, 1024, TB_POOL_REFUSE), TB_ERR_NULL);
    CHECK_EQ(P->deinit(NULL), TB_ERR_NULL);
    CHECK_EQ(P->stats(NULL, &s), TB_ERR_NULL);
    CHECK_EQ(P->create(&pool, 16, TB_POOL_REFUSE), TB_OK); /* the smallest pool */
    CHECK_EQ(P->stats(pool, NULL), TB_ERR_NULL);
    CHECK(P->alloc(pool, 16) != NULL);
    CHECK(P->alloc(pool, 1) == NULL);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

/* A pool-backed book takes its spill blocks from the pool and gives them back. */
static void t_pool_backed_book(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    void *pool = NULL, *b;
    ref_book r;
    tb_book_stats st;
    tb_pool_stats ps;
    CHECK_EQ(P->create(&pool, 1u << 14, TB_POOL_REFUSE), TB_OK);
    b = mk(V, P0, 1024, pool);
    ref_init(&r, (int64_t)V->n, V->bits, P0, 1024);
    populate(V, b, &r);
    cmp_ref(V, b, &r, "pool-backed");
    st = stats_of(V, b);
    ps = pstats_of(P, pool);
    CHECK_EQ_U(st.pooled, 1);
    CHECK_EQ_U(ps.used_levels, st.spill_cap[0] + st.spill_cap[1]);
    CHECK_EQ_U(st.bytes, V->struct_size() + (st.spill_cap[0] + st.spill_cap[1]) * P->level_bytes);
    CHECK_EQ(V->reserve_spill(b), TB_OK);
    ref_reserve(&r);
    CHECK_EQ(pstats_of(P, pool).used_levels, 2048);
    cmp_ref(V, b, &r, "pool-backed, reserved");
    CHECK_EQ(V->release(b), TB_OK);
    ref_release(&r);
    CHECK_EQ(pstats_of(P, pool).used_levels, 0);
    populate(V, b, &r);
    cmp_ref(V, b, &r, "pool-backed, again");
    CHECK_EQ(V->destroy(b), TB_OK);
    ps = pstats_of(P, pool);
    CHECK_EQ(ps.used_levels, 0);
    CHECK_EQ(ps.attached_books, 0);
    pool_counters_add_up(P, pool, NULL, NULL);
    CHECK_EQ(P->destroy(pool), TB_OK);
    ref_free(&r);
}

/* ---- multi-book pool ---------------------------------------------------------------- */

static void t_multi_tiers(const void *arg) {
    const tbv_multi_ops *M = (const tbv_multi_ops *)arg;
    const tbv_pool_ops *P = M->pool_ops;
    void *m = NULL;
    tb_handle h[3][4], stale;
    uint32_t cap, live;
    int tier, i;
    tb_pool_stats ps;
    CHECK_EQ(M->create(&m, 2, 3, 4, 1u << 14, 64, TB_POOL_REFUSE), TB_OK);
    CHECK(M->struct_size() > 0);
    for (tier = 0; tier < 3; tier++) {
        const uint32_t want_cap[3] = {2, 3, 4};
        CHECK_EQ(M->tier_info(m, tier, &cap, &live), TB_OK);
        CHECK_EQ(cap, want_cap[tier]);
        CHECK_EQ(live, 0);
        CHECK_EQ(M->tier_n_fn(tier), M->tier_n[tier]);
        CHECK_EQ(M->tier_ops[tier]->n, M->tier_n[tier]);
        for (i = 0; i < (int)want_cap[tier]; i++) {
            const tbv_ops *V = M->tier_ops[tier];
            void *b;
            tb_book_stats st;
            CHECK_EQ(M->alloc(m, tier, P0 + i, i == 1 ? 16u : 0u, &h[tier][i]), TB_OK);
            CHECK_EQ(tb_handle_tier(h[tier][i]), (uint32_t)tier);
            b = M->book(m, tier, h[tier][i]);
            CHECK(b != NULL);
            if (!b) continue;
            st = stats_of(V, b);
            CHECK_EQ_U(st.tape_size, M->tier_n[tier]); /* the tier's N */
            CHECK_EQ_U(st.spill_max_cap, i == 1 ? 16 : 64); /* 0: the default */
            CHECK_EQ_U(st.pooled, 1);
            CHECK_EQ(V->anchor(b, 1), P0 + i);
            /* the other tiers' accessors refuse the handle */
            CHECK(M->book(m, (tier + 1) % 3, h[tier][i]) == NULL);
            CHECK(M->book(m, (tier + 2) % 3, h[tier][i]) == NULL);
        }
        {
            tb_handle x = 123;
            CHECK_EQ(M->alloc(m, tier, P0, 0, &x), TB_ERR_FULL);
            CHECK_EQ_U(x, TB_HANDLE_INVALID);
        }
        CHECK_EQ(M->tier_info(m, tier, &cap, &live), TB_OK);
        CHECK_EQ(live, want_cap[tier]);
    }
    ps = pstats_of(P, M->pool(m));
    CHECK_EQ(ps.attached_books, 9);
    /* set and bbo through handles and through the typed book agree */
    for (tier = 0; tier < 3; tier++) {
        const tbv_ops *V = M->tier_ops[tier];
        void *b = M->book(m, tier, h[tier][0]);
        tbv_bbo o1, o2;
        int64_t N = (int64_t)V->n;
        CHECK_EQ(M->set_code(m, h[tier][0], 1, P0 + 5, 10), TB_INSERT);
        CHECK_EQ(M->set_code(m, h[tier][0], 0, P0 + 9, 11), TB_INSERT);
        CHECK_EQ(V->set_code(b, 1, P0 - 3, 12), TB_SPILL);
        CHECK_EQ(M->set_code(m, h[tier][0], 0, P0 + N + 3, 13), TB_SPILL);
        CHECK_EQ(M->set_code(m, h[tier][0], 2, P0, 1), TB_ERR_SIDE);
        CHECK_EQ(M->set_code(m, h[tier][0], 1, V->pmin - 1, 1), TB_ERR_PRICE);
        CHECK_EQ(M->bbo(m, h[tier][0], &o1), TB_OK);
        CHECK_EQ(V->bbo(b, &o2), TB_OK);
        CHECK(memcmp(&o1, &o2, sizeof o1) == 0);
        CHECK_EQ(o1.bid_px, P0 + 5);
        CHECK_EQ(o1.ask_px, P0 + 9);
        CHECK_EQ(M->bbo(m, h[tier][0], NULL), TB_ERR_NULL);
    }
    /* the books share the pool */
    ps = pstats_of(P, M->pool(m));
    CHECK_EQ(ps.used_levels, 3 * 2 * 16);
    /* free: the handle (and every copy) goes stale; the slot is reused with a
     * new generation */
    stale = h[1][0];
    CHECK_EQ(M->free(m, stale), TB_OK);
    CHECK_EQ(pstats_of(P, M->pool(m)).used_levels, 2 * 2 * 16);
    CHECK_EQ(pstats_of(P, M->pool(m)).attached_books, 8);
    CHECK_EQ(M->free(m, stale), TB_ERR_HANDLE);
    CHECK_EQ(M->set_code(m, stale, 1, P0, 1), TB_ERR_HANDLE);
    CHECK_EQ(M->bbo(m, stale, NULL), TB_ERR_HANDLE);
    CHECK(M->book(m, 1, stale) == NULL);
    CHECK_EQ(M->tier_info(m, 1, &cap, &live), TB_OK);
    CHECK_EQ(live, 2);
    CHECK_EQ(M->alloc(m, 1, P0, 0, &h[1][0]), TB_OK);
    CHECK(h[1][0] != stale);
    CHECK_EQ(tb_handle_index(h[1][0]), tb_handle_index(stale));
    CHECK_EQ(M->set_code(m, stale, 1, P0, 1), TB_ERR_HANDLE);
    {
        tbv_bbo o;
        CHECK_EQ(M->bbo(m, h[1][0], &o), TB_OK); /* a fresh, empty book in the old slot */
        CHECK_EQ_U(o.bid_qty + o.ask_qty, 0);
    }
    /* malformed handles */
    CHECK_EQ(M->set_code(m, TB_HANDLE_INVALID, 1, P0, 1), TB_ERR_HANDLE);
    CHECK_EQ(M->free(m, tb_handle_make(3, 1, 0)), TB_ERR_HANDLE);
    CHECK_EQ(M->free(m, tb_handle_make(0, 1, 99)), TB_ERR_HANDLE);
    CHECK_EQ(M->free(m, tb_handle_make(0, 7, 0)), TB_ERR_HANDLE);
    CHECK(M->book(m, 0, tb_handle_make(0, 1, 2)) == NULL);
    /* bad arguments */
    {
        tb_handle x;
        CHECK_EQ(M->alloc(m, 3, P0, 0, &x), TB_ERR_BADARG);
        CHECK_EQ(M->alloc(m, -1, P0, 0, &x), TB_ERR_BADARG);
        CHECK_EQ(M->alloc(m, 0, P0, 0, NULL), TB_ERR_NULL);
        CHECK_EQ(M->alloc(NULL, 0, P0, 0, &x), TB_ERR_NULL);
        CHECK_EQ(M->free(m, h[0][1]), TB_OK);
        CHECK_EQ(M->alloc(m, 0, M->tier_ops[0]->amin - 1, 0, &x), TB_ERR_ANCHOR);
        CHECK_EQ(M->alloc(m, 0, P0, 65536, &x), TB_ERR_MAX_CAP);
        CHECK_EQ(M->alloc(m, 0, P0, 3, &x), TB_ERR_MAX_CAP);
        CHECK_EQ(M->tier_info(m, 0, &cap, &live), TB_OK);
        CHECK_EQ(live, 1); /* failed allocs do not take the slot */
        CHECK_EQ(M->alloc(m, 0, P0, 32768, &x), TB_OK);
        CHECK_EQ(M->tier_info(m, 3, &cap, &live), TB_ERR_BADARG);
        CHECK_EQ(M->tier_info(m, 0, NULL, &live), TB_ERR_NULL);
        CHECK_EQ(M->tier_info(NULL, 0, &cap, &live), TB_ERR_NULL);
        CHECK_EQ(M->set_code(NULL, x, 1, P0, 1), TB_ERR_NULL);
        CHECK_EQ(M->free(NULL, x), TB_ERR_NULL);
        CHECK(M->pool(NULL) == NULL);
        CHECK(M->book(NULL, 0, x) == NULL);
        CHECK_EQ(M->tier_n_fn(3), 0);
    }
    /* destroy with live books frees them all (LSan checks) */
    CHECK_EQ(M->destroy(m), TB_OK);
    CHECK_EQ(M->destroy(NULL), TB_OK);
}

static void t_multi_errors(const void *arg) {
    const tbv_multi_ops *M = (const tbv_multi_ops *)arg;
    void *m = (void *)&m;
    tb_handle x;
    CHECK_EQ(M->create(NULL, 1, 1, 1, 1024, 64, TB_POOL_REFUSE), TB_ERR_NULL);
    CHECK_EQ(M->create(&m, 1, 1, 1, 1024, 0, TB_POOL_REFUSE), TB_ERR_MAX_CAP);
    CHECK(m == NULL);
    CHECK_EQ(M->create(&m, 1, 1, 1, 1024, 3, TB_POOL_REFUSE), TB_ERR_MAX_CAP);
    CHECK_EQ(M->create(&m, 1, 1, 1, 1024, 65536, TB_POOL_REFUSE), TB_ERR_MAX_CAP);
    CHECK_EQ(M->create(&m, (1u << 24) + 1u, 1, 1, 1024, 64, TB_POOL_REFUSE), TB_ERR_BADARG);
    CHECK_EQ(M->create(&m, 1, 1, 1, 8, 64, TB_POOL_REFUSE), TB_ERR_BADARG);
    CHECK_EQ(M->create(&m, 1, 1, 1, 1024, 64, 7), TB_ERR_BADARG);
    /* empty tiers are fine and always full */
    CHECK_EQ(M->create(&m, 0, 1, 0, 1024, 32768, TB_POOL_FALLBACK), TB_OK);
    CHECK_EQ(M->alloc(m, TB_TIER_HIGH, P0, 0, &x), TB_ERR_FULL);
    CHECK_EQ(M->alloc(m, TB_TIER_LOW, P0, 0, &x), TB_ERR_FULL);
    CHECK_EQ(M->alloc(m, TB_TIER_MEDIUM, P0, 0, &x), TB_OK);
    CHECK_EQ(M->set_code(m, x, 1, P0 + 1, 1), TB_INSERT);
    CHECK_EQ(M->set_code(m, x, 1, P0 - 1, 1), TB_SPILL);
    CHECK_EQ(M->destroy(m), TB_OK);
}

/* ---- closed objects and the thread guard ---------------------------------------------------- */

static void t_closed_book(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    void *mem = tbv_storage(V);
    tbv_level lv[2];
    tbv_bbo o;
    tb_book_stats st;
    size_t n;
    uint8_t sides[1] = {1};
    int64_t px[1] = {P0};
    uint64_t q[1] = {1};
    CHECK_EQ(V->init(mem, P0, 16, NULL), TB_OK);
    CHECK_EQ(V->set_code(mem, 1, P0 + 1, 1), TB_INSERT);
    CHECK_EQ(V->set_code(mem, 1, P0 - 1, 1), TB_SPILL);
    CHECK_EQ(V->deinit(mem), TB_OK);
    CHECK_EQ(V->set_code(mem, 1, P0 + 1, 2), TB_ERR_CLOSED);
    CHECK_EQ(V->reset(mem, P0), TB_ERR_CLOSED);
    CHECK_EQ(V->reset_at_mid(mem, 1, P0), TB_ERR_CLOSED);
    CHECK_EQ(V->recenter(mem, 1, P0), TB_ERR_CLOSED);
    CHECK_EQ(V->erase_better(mem, 1, P0), TB_ERR_CLOSED);
    CHECK_EQ(V->clear(mem), TB_ERR_CLOSED);
    CHECK_EQ(V->release(mem), TB_ERR_CLOSED);
    CHECK_EQ(V->reserve_spill(mem), TB_ERR_CLOSED);
    CHECK_EQ(V->verify_invariants(mem), TB_ERR_CLOSED);
    CHECK_EQ(V->stats(mem, &st), TB_ERR_CLOSED);
    CHECK_EQ(V->bbo(mem, &o), TB_ERR_CLOSED);
    CHECK_EQ(V->levels(mem, 1, lv, 2, &n), TB_ERR_CLOSED);
    CHECK_EQ(V->depth(mem, 1, &n), TB_ERR_CLOSED);
    CHECK_EQ(tbv_x(V)->iter_levels(mem, 1, lv, 2, &n), TB_ERR_CLOSED);
    CHECK_EQ(tbv_x(V)->apply(mem, sides, px, q, 1, NULL, &n), TB_ERR_CLOSED);
    CHECK_EQ(tbv_x(V)->bbo_trace(mem, sides, px, q, 1, &o, &n), TB_ERR_CLOSED);
    CHECK_EQ(V->best_bid_px(mem), V->tmin);
    CHECK_EQ(tb_take_query_status(), TB_THREAD_GUARD_ON ? TB_ERR_CLOSED : 0);
    CHECK_EQ(V->best_ask_px(mem), V->tmax);
    CHECK_EQ_U(V->best_bid_qty(mem), 0);
    CHECK_EQ(V->crossed(mem), 0);
    CHECK_EQ(V->anchor(mem, 0), V->tmin);
    CHECK_EQ(tb_take_query_status(), TB_THREAD_GUARD_ON ? TB_ERR_CLOSED : 0);
    CHECK_EQ(V->deinit(mem), TB_OK); /* a second deinit is a no-op */
    /* init makes it usable again */
    CHECK_EQ(V->init(mem, P0, 16, NULL), TB_OK);
    CHECK_EQ(V->set_code(mem, 1, P0 + 1, 2), TB_INSERT);
    CHECK_EQ(V->deinit(mem), TB_OK);
    free(mem);
}

#ifdef TB_THREAD_GUARD
static void t_guard_busy(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    void *pool = NULL, *b, *b2;
    tbv_snap s0, s1;
    tbv_level lv[2];
    tbv_bbo o;
    size_t n;
    uint8_t *state;
    tb_pool_stats ps;
    CHECK_EQ(P->create(&pool, 1024, TB_POOL_REFUSE), TB_OK);
    b = mk(V, P0, 64, pool);
    CHECK_EQ(V->set_code(b, 1, P0 + 1, 1), TB_INSERT);
    CHECK_EQ(V->set_code(b, 1, P0 - 1, 2), TB_SPILL);
    CHECK_EQ(V->set_code(b, 0, P0 + 9, 3), TB_INSERT);
    tbv_snap_take(V, b, &s0);
    /* the book is busy (another thread holds it) */
    state = tbv_x(V)->state(b);
    CHECK_EQ(*state, 0);
    *state = 1;
    CHECK_EQ(V->set_code(b, 1, P0 + 2, 1), TB_ERR_BUSY);
    CHECK_EQ(V->set_code(b, 1, P0 - 5, 1), TB_ERR_BUSY);
    CHECK_EQ(V->reset(b, P0), TB_ERR_BUSY);
    CHECK_EQ(V->recenter(b, 1, P0 - 10), TB_ERR_BUSY);
    CHECK_EQ(V->erase_better(b, 1, P0), TB_ERR_BUSY);
    CHECK_EQ(V->clear(b), TB_ERR_BUSY);
    CHECK_EQ(V->release(b), TB_ERR_BUSY);
    CHECK_EQ(V->reserve_spill(b), TB_ERR_BUSY);
    CHECK_EQ(V->levels(b, 1, lv, 2, &n), TB_ERR_BUSY);
    CHECK_EQ(V->bbo(b, &o), TB_ERR_BUSY);
    CHECK_EQ(V->verify_invariants(b), TB_ERR_BUSY);
    CHECK_EQ(V->deinit(b), TB_ERR_BUSY);
    CHECK_EQ(V->best_bid_px(b), V->tmin);
    CHECK_EQ(tb_take_query_status(), TB_ERR_BUSY);
    CHECK_EQ(tb_take_query_status(), 0);
    CHECK_EQ(V->best_ask_px(b), V->tmax);
    CHECK_EQ(tb_take_query_status(), TB_ERR_BUSY);
    CHECK_EQ_U(V->best_bid_qty(b), 0);
    CHECK_EQ(tb_take_query_status(), TB_ERR_BUSY);
    CHECK_EQ_U(V->best_ask_qty(b), 0);
    CHECK_EQ(V->crossed(b), 0);
    CHECK_EQ(V->crossed_on_tape(b), 0);
    CHECK_EQ(tb_take_query_status(), TB_ERR_BUSY);
    *state = 0;
    CHECK_EQ(V->best_bid_px(b), P0 + 1);
    CHECK_EQ(tb_take_query_status(), 0);
    tbv_snap_take(V, b, &s1);
    CHECK(tbv_snap_eq(&s0, &s1));
    tbv_snap_free(&s1);
    /* the pool is busy: the in-window path does not need it, the rest does */
    state = P->state(pool);
    *state = 1;
    CHECK_EQ(V->set_code(b, 1, P0 + 1, 5), TB_UPDATE);
    CHECK_EQ(V->set_code(b, 1, P0 + 1, 1), TB_UPDATE);
    CHECK_EQ(V->set_code(b, 1, P0 - 7, 1), TB_ERR_BUSY);
    CHECK_EQ(V->recenter(b, 1, P0 - 10), TB_ERR_BUSY);
    CHECK_EQ(V->release(b), TB_ERR_BUSY);
    CHECK_EQ(V->reserve_spill(b), TB_ERR_BUSY);
    CHECK_EQ(V->deinit(b), TB_ERR_BUSY);
    CHECK_EQ(P->stats(pool, &ps), TB_ERR_BUSY);
    CHECK_EQ(P->deinit(pool), TB_ERR_BUSY);
    CHECK_EQ(V->create(&b2, P0, 16, pool), TB_ERR_BUSY);
    CHECK_EQ(*tbv_x(V)->state(b), 0); /* the book was released again */
    *state = 0;
    tbv_snap_take(V, b, &s1);
    CHECK(tbv_snap_eq(&s0, &s1));
    tbv_snap_free(&s1);
    tbv_snap_free(&s0);
    CHECK_EQ(V->destroy(b), TB_OK);
    CHECK_EQ(P->destroy(pool), TB_OK);
}

/* regression (issue #12.5): destroying a multi-book pool while one of its books
 * (or its shared pool) is inside a call from another thread freed the books
 * before the busy one and then gave up; it must change nothing instead. */
static void t_multi_deinit_busy_changes_nothing(const void *arg) {
    const tbv_multi_ops *M = (const tbv_multi_ops *)arg;
    void *m = NULL;
    tb_handle h[4];
    uint32_t cap, live;
    tb_pool_stats ps;
    uint8_t *state;
    int i, which;
    const int tiers[4] = {TB_TIER_HIGH, TB_TIER_HIGH, TB_TIER_MEDIUM, TB_TIER_LOW};
    for (which = 0; which < 5; which++) { /* books 0..3 busy, then the pool */
        CHECK_EQ(M->create(&m, 2, 1, 1, 4096, 64, TB_POOL_REFUSE), TB_OK);
        for (i = 0; i < 4; i++) {
            CHECK_EQ(M->alloc(m, tiers[i], P0, 0, &h[i]), TB_OK);
            CHECK_EQ(M->set_code(m, h[i], 1, P0 + 1, 1), TB_INSERT);
            CHECK_EQ(M->set_code(m, h[i], 1, P0 - 100000, 2), TB_SPILL); /* a block of the shared pool */
        }
        state = which < 4 ? tbv_x(M->tier_ops[tiers[which]])->state(M->book(m, tiers[which], h[which]))
                          : M->pool_ops->state(M->pool(m));
        *state = 1;
        CHECK_EQ(M->destroy(m), TB_ERR_BUSY);
        *state = 0;
        for (i = 0; i < 4; i++) { /* every book still live, unchanged and usable */
            tbv_bbo o;
            CHECK(M->book(m, tiers[i], h[i]) != NULL);
            CHECK_EQ(*tbv_x(M->tier_ops[tiers[i]])->state(M->book(m, tiers[i], h[i])), 0);
            CHECK_EQ(M->bbo(m, h[i], &o), TB_OK);
            CHECK_EQ(o.bid_px, P0 + 1);
            CHECK_EQ(M->set_code(m, h[i], 1, P0 - 100001, 3), TB_SPILL);
        }
        CHECK_EQ(M->tier_info(m, TB_TIER_HIGH, &cap, &live), TB_OK);
        CHECK_EQ(live, 2);
        CHECK_EQ(M->pool_ops->stats(M->pool(m), &ps), TB_OK);
        CHECK_EQ(ps.attached_books, 4);
        CHECK_EQ(*M->pool_ops->state(M->pool(m)), 0);
        CHECK_EQ(M->destroy(m), TB_OK);
    }
}
#endif

/* ---- custom tape sizes ---------------------------------------------------------------- */

/* N = 8192 and 16384 have two and four summary words: the scans must cross them. */
static void t_custom_summary_words(void) {
    int k;
    for (k = 0; k < 2; k++) {
        const tbv_ops *V = k ? &tbt_wide_i64_ops : &tb_book_i32_n8192_ops;
        const int64_t N = (int64_t)V->n, A = P0;
        void *b = mk(V, A, 64, NULL);
        ref_book r;
        int side;
        ref_init(&r, N, V->bits, A, 64);
        for (side = 0; side < 2; side++) {
            both_set(V, b, &r, side, A + 5, 1);         /* summary word 0 */
            both_set(V, b, &r, side, A + N - 3, 2);     /* the last summary word */
            both_set(V, b, &r, side, A + N / 2 + 1, 3); /* the middle */
            cmp_ref(V, b, &r, "three words");
            both_set(V, b, &r, side, side ? A + N - 3 : A + 5, 0); /* erase the best */
            both_set(V, b, &r, side, A + N / 2 + 1, 0);
            cmp_ref(V, b, &r, "rescan across words");
            both_recenter(V, b, &r, side, A + 4100);
            cmp_ref(V, b, &r, "recentered");
            both_recenter(V, b, &r, side, A);
        }
        CHECK_EQ(strcmp(V->name, k ? "tbt_wide_i64" : "tb_book_i32_n8192"), 0);
        ref_free(&r);
        V->destroy(b);
    }
}

#include "unit_load.h"

/* ---- main ------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    int i;
    if (!tbt_init(argc, argv)) return 2;
    printf("test_unit: %d book variants, bit scans: %s, thread guard: %s\n", TBV_NBOOKS, TB_BITS_IMPL,
           TB_THREAD_GUARD_ON ? "on" : "off");

    tbt_run("codes_and_names", t_codes_and_names);
    tbt_run("handles", t_handles);
    tbt_run("struct_sizes", t_struct_sizes);
    tbt_run("bit_scans", t_bit_scans);
    tbt_run("custom_summary_words", t_custom_summary_words);

    run_all_variants("result_codes_in_window", t_result_codes_in_window);
    run_all_variants("result_codes_outside_window", t_result_codes_outside_window);
    run_all_variants("promote_results", t_promote_results);
    run_all_variants("promote_recentering", t_promote_recentering);
    run_all_variants("best_tape_vs_spill", t_best_tape_vs_spill);
    run_all_variants("crossed", t_crossed);
    run_all_variants("reset", t_reset);
    run_all_variants("reset_at_mid", t_reset_at_mid);
    run_all_variants("recenter", t_recenter);
    run_all_variants("erase_better", t_erase_better);
    run_all_variants("clear_release_reserve", t_clear_release_reserve);
    run_all_variants("spill_growth", t_spill_growth);
    run_all_variants("evict_and_drop", t_evict_and_drop);
    run_all_variants("depth_merged", t_depth_merged);
    run_all_variants("apply_and_bbo_trace", t_apply_and_bbo_trace);
    run_all_variants("verify_invariants", t_verify_invariants);
    run_all_variants("near_index_region", t_near_index_region);
    run_all_variants("near_index_type_limits", t_near_index_type_limits);
    run_all_variants("near_index_full_and_pool", t_near_index_full_and_pool);
    run_all_variants("near_index_policy", t_near_index_policy);
    run_all_variants("spill_tombstones", t_spill_tombstones);
    run_all_variants("spill_tombstones_full", t_spill_tombstones_full);
    run_all_variants("load_side_equivalence", t_load_side_equivalence);
    run_all_variants("load_snapshot_equivalence", t_load_snapshot_equivalence);
    run_all_variants("load_drops_at_max_cap", t_load_drops_at_max_cap);
    run_all_variants("load_pool_exhaustion", t_load_pool_exhaustion);
    run_all_variants("load_errors", t_load_errors);
    run_all_variants("errors_leave_book_unchanged", t_errors_leave_book_unchanged);
    run_all_variants("construction_errors", t_construction_errors);
    run_all_variants("pool_backed_book", t_pool_backed_book);
    run_all_variants("closed_book", t_closed_book);
#ifdef TB_THREAD_GUARD
    run_all_variants("guard_busy", t_guard_busy);
#endif
    run_all_variants("regression_a_promote_near_type_min", t_regression_a_promote_near_type_min);
    run_all_variants("regression_b_pool_first_block_exhausted", t_regression_b_pool_first_block_exhausted);
    run_all_variants("regression_c_pool_max_cap_rejected", t_regression_c_pool_max_cap_rejected);
    run_all_variants("regression_d_recenter_full_spill", t_regression_d_recenter_full_spill);
    run_all_variants("regression_e_reset_at_mid_no_stale_spill", t_regression_e_reset_at_mid_no_stale_spill);

    for (i = 0; i < 2; i++) {
        const tbv_pool_ops *P = tbv_pools[i];
        tbt_run_arg("pool_alloc_free_reuse", P->name, t_pool_alloc_free_reuse, P);
        tbt_run_arg("pool_size_classes", P->name, t_pool_size_classes, P);
        tbt_run_arg("pool_realloc", P->name, t_pool_realloc, P);
        tbt_run_arg("pool_exhaustion", P->name, t_pool_exhaustion, P);
        tbt_run_arg("pool_fallback", P->name, t_pool_fallback, P);
        tbt_run_arg("pool_counters_random", P->name, t_pool_counters_random, P);
        tbt_run_arg("pool_destroy_refused_while_attached", P->name, t_pool_destroy_refused_while_attached, P);
        tbt_run_arg("pool_errors", P->name, t_pool_errors, P);
    }
    for (i = 0; i < TBV_NMULTIS; i++) {
        tbt_run_arg("multi_tiers", tbv_multis[i]->name, t_multi_tiers, tbv_multis[i]);
        tbt_run_arg("multi_errors", tbv_multis[i]->name, t_multi_errors, tbv_multis[i]);
#ifdef TB_THREAD_GUARD
        tbt_run_arg("multi_deinit_busy_changes_nothing", tbv_multis[i]->name, t_multi_deinit_busy_changes_nothing,
                    tbv_multis[i]);
#endif
    }
    printf("test_unit: %ld checks\n", tbt_checks);
    return tbt_finish();
}
