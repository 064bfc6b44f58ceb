/* test_alloc.c — allocation behaviour through counting TB_MALLOC / TB_FREE hooks.
 *
 *   (a) after reserve_spill(), a long mixed workload (promotes, spills,
 *       evictions, recenters, resets, snapshot loads) makes ZERO heap
 *       allocations;
 *   (b) a pool-backed book (and a multi-book pool) makes zero TB_MALLOC
 *       calls after construction, also when its pool runs dry (REFUSE);
 *   (c) everything allocated is freed by destroy (balance 0, and every
 *       TB_FREE gets a pointer TB_MALLOC returned);
 *   (d) an allocator that returns NULL after k calls never crashes: create
 *       and reserve report TB_ERR_NOMEM (and leak nothing), set() drops and
 *       counts what it cannot store, the invariants hold;
 *   (e) load() reserves memory for the levels a dump holds, never for the
 *       capacity it declares (issue #12.13: alloc_load.h);
 *   (f) the ITCH order log (tb_order_log.h) whose growth fails at any allocation
 *       returns TB_ERR_NOMEM with nothing of that row done: resumed from there, it
 *       ends as a log that never failed, leaking nothing (each table grows alone);
 *   (g) the ITCH direct path (tb_itch_run_block: decode and order log in one pass) under
 *       the same allocator stops where the two steps it fuses (tb_itch_decode, then
 *       tb_olog_apply) stop: TB_ERR_NOMEM, the chunk's bytes and records consumed, the
 *       same orders logged, nothing of the chunk in the book.
 *
 * Usage: test_alloc [--profile quick|sanitizer|full]   (the profile only
 * scales the workload of (d)). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the hooks --------------------------------------------------------------------- */

static uint64_t hook_mallocs, hook_frees, hook_refused;
static long hook_fail_after = -1; /* >= 0: that many more calls succeed, then NULL */
static long hook_fail_once = -1;  /* >= 0: the call after that many fails, then all succeed */
static size_t hook_size_limit;    /* > 0: a request for more bytes is refused */
static size_t hook_largest;       /* the largest request since hooks_reset() */
static uint64_t hook_bytes;       /* bytes of the requests since hooks_reset() */

/* The live pointers, to catch a TB_FREE of something TB_MALLOC never returned. */
#define LIVE_SLOTS (1u << 16)
static void *live_tab[LIVE_SLOTS];
static uint64_t live_count;

static size_t live_hash(void *p) { return (size_t)(((uintptr_t)p >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> 48) & (LIVE_SLOTS - 1); }
static void live_add(void *p) {
    size_t i = live_hash(p);
    if (live_count >= LIVE_SLOTS / 2) abort();
    while (live_tab[i]) i = (i + 1) & (LIVE_SLOTS - 1);
    live_tab[i] = p;
    live_count++;
}
static int live_remove(void *p) {
    size_t i = live_hash(p), j, k;
    while (live_tab[i] && live_tab[i] != p) i = (i + 1) & (LIVE_SLOTS - 1);
    if (!live_tab[i]) return 0;
    live_tab[i] = NULL;
    live_count--;
    /* re-insert the rest of the cluster (linear probing deletion) */
    for (j = (i + 1) & (LIVE_SLOTS - 1); live_tab[j]; j = (j + 1) & (LIVE_SLOTS - 1)) {
        void *q = live_tab[j];
        live_tab[j] = NULL;
        k = live_hash(q);
        while (live_tab[k]) k = (k + 1) & (LIVE_SLOTS - 1);
        live_tab[k] = q;
    }
    return 1;
}

static int hook_poison; /* 1: every block handed out is written over first (not zero) */
static void *hook_malloc(size_t size) {
    void *p;
    if (size > hook_largest) hook_largest = size;
    hook_bytes += size;
    if (hook_size_limit && size > hook_size_limit) {
        hook_refused++;
        return NULL;
    }
    if (hook_fail_after == 0) {
        hook_refused++;
        return NULL;
    }
    if (hook_fail_after > 0) hook_fail_after--;
    if (hook_fail_once == 0) {
        hook_fail_once = -1;
        hook_refused++;
        return NULL;
    }
    if (hook_fail_once > 0) hook_fail_once--;
    p = malloc(size);
    if (!p) return NULL;
    if (hook_poison) memset(p, 0xA5, size);
    hook_mallocs++;
    live_add(p);
    return p;
}

static uint64_t hook_bad_frees;
static void hook_free(void *p) {
    if (!p) return;
    if (!live_remove(p)) {
        hook_bad_frees++;
        return; /* never free a pointer we did not hand out */
    }
    hook_frees++;
    free(p);
}

#define TB_MALLOC(size) hook_malloc(size)
#define TB_FREE(ptr) hook_free(ptr)

/* the graded set of variants (every other shipped size, the custom ones) */
#define TBV_SUBSET
#include "tbv_all.h"

#include "tb_test.h"

#include "tapebook/tb_itch_run.h"
#include "tapebook/tb_order_log.h"

#define books tbv_books
#define NBOOKS TBV_NBOOKS
#define multis tbv_multis
#define NMULTIS TBV_NMULTIS
#define SMALL_N 1024u
static const tbv_pool_ops *pool_for(int bits) { return tbv_pool_for(bits); }
/* the first multi-book pool of a family */
static const tbv_multi_ops *multi_for(int bits) {
    int i;
    for (i = 0; i < NMULTIS; i++)
        if (multis[i]->bits == bits) return multis[i];
    abort();
}

#define A0 ((int64_t)500000)

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void hooks_reset(void) {
    hook_fail_after = -1;
    hook_fail_once = -1;
    hook_size_limit = 0;
    hook_largest = 0;
    hook_bytes = 0;
}
static uint64_t balance(void) { return hook_mallocs - hook_frees; }

/* A mixed workload: in-window sets and erases, spills, promotes (the market
 * jumps), evictions at a small max_cap, recenters, resets and clears. Every
 * result must be a tb_result; the invariants are checked now and then. */
static int workload(const tbv_ops *V, void *b, long ops, uint64_t seed, int use_multi, const tbv_multi_ops *M,
                    void *m, tb_handle h) {
    const int64_t N = (int64_t)V->n;
    int64_t mid = A0;
    long i;
    int ok = 1;
    for (i = 0; i < ops && ok; i++) {
        uint64_t x = splitmix64(&seed);
        int side = (int)(x & 1u), r;
        unsigned kind = (unsigned)((x >> 1) % 100u);
        int64_t px;
        uint64_t qty = (x >> 40) % 5u == 0 ? 0 : 1u + (x >> 44) % 500u;
        if (kind < 2) mid += ((int64_t)((x >> 8) % 41u) - 20) * N; /* a jump: promotes follow */
        if (kind < 60) px = mid + (int64_t)((x >> 16) % (uint64_t)N) - N / 2;
        else if (kind < 90) px = mid + (int64_t)((x >> 16) % (uint64_t)(8 * N)) - 4 * N;
        else if (kind < 97) px = mid + (int64_t)((x >> 16) % (uint64_t)(64 * N)) - 32 * N;
        else if (kind < 98) {
            CHECK_EQ(V->recenter(b, side, mid - N / 2 + (int64_t)((x >> 16) % (uint64_t)N)), TB_OK);
            continue;
        } else if (kind < 99) {
            if ((x >> 20) & 1u) { /* a snapshot: half a window on the tape, a window in the spill */
                static int64_t spx[3 * 16384 / 2]; /* the widest variant tested: tbt_wide_i64 */
                static uint64_t sqty[3 * 16384 / 2];
                const size_t n = (size_t)(3 * N / 2);
                size_t k;
                if (n > sizeof spx / sizeof spx[0]) abort();
                for (k = 0; k < n; k++) {
                    spx[k] = side ? mid - (int64_t)k : mid + (int64_t)k;
                    sqty[k] = 1u + k;
                }
                CHECK_EQ(tbv_x(V)->load_side(b, side, spx, sqty, n, NULL), TB_OK);
            } else {
                CHECK_EQ(V->reset_at_mid(b, side, mid), TB_OK);
            }
            continue;
        } else {
            CHECK_EQ((x >> 20) & 1u ? V->clear(b) : V->erase_better(b, side, mid), TB_OK);
            continue;
        }
        r = use_multi ? M->set_code(m, h, side, px, qty) : V->set_code(b, side, px, qty);
        ok &= CHECK_MSG(r >= TB_SPILL && r <= TB_INSERT, "op %ld: set returned %d", i, r);
        if (i % 4096 == 0) ok &= CHECK_EQ(V->verify_invariants(b), TB_OK);
    }
    ok &= CHECK_EQ(V->verify_invariants(b), TB_OK);
    return ok;
}

static int lost_levels(const tbv_ops *V, void *b, uint64_t *evicted, uint64_t *promotes) {
    tb_book_stats st;
    CHECK_EQ(V->stats(b, &st), TB_OK);
    *evicted = st.spill_evicted[0] + st.spill_evicted[1] + st.spill_dropped[0] + st.spill_dropped[1];
    *promotes = st.promotes[0] + st.promotes[1];
    return (int)(st.spill_nomem[0] + st.spill_nomem[1]);
}

/* (a) reserve_spill, then no allocation at all */
static void t_zero_alloc_after_reserve(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    void *b = NULL;
    uint64_t before, f0, m0 = hook_mallocs, ev, pr;
    hooks_reset();
    CHECK_EQ(V->create(&b, A0, 64, NULL), TB_OK);
    CHECK_EQ(hook_mallocs - m0, 1); /* the struct */
    CHECK_EQ(V->reserve_spill(b), TB_OK);
    CHECK_EQ(hook_mallocs - m0, 3); /* two spill blocks */
    before = hook_mallocs;
    f0 = hook_frees;
    workload(V, b, 1000000, 42, 0, NULL, NULL, 0);
    CHECK_MSG(hook_mallocs == before, "%s: %llu allocations on the hot path", V->name,
              (unsigned long long)(hook_mallocs - before));
    CHECK_EQ_U(hook_frees, f0); /* nor frees */
    CHECK_EQ(lost_levels(V, b, &ev, &pr), 0);
    CHECK_MSG(ev > 1000 && pr > 1000, "the workload must evict and promote (evicted %llu, promotes %llu)",
              (unsigned long long)ev, (unsigned long long)pr);
    CHECK_EQ(V->destroy(b), TB_OK);
    CHECK_EQ_U(balance(), 0);
}

/* (b) pool-backed: no TB_MALLOC after construction, even when the pool is
 * exhausted (REFUSE) */
static void t_zero_malloc_pool_backed(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = pool_for(V->bits);
    const uint32_t pool_sizes[2] = {1u << 16, 48}; /* ample; exhausted at once */
    int k;
    for (k = 0; k < 2; k++) {
        void *pool = NULL, *b1 = NULL, *b2 = NULL;
        uint64_t before, ev, pr;
        tb_pool_stats ps;
        hooks_reset();
        CHECK_EQ(P->create(&pool, pool_sizes[k], TB_POOL_REFUSE), TB_OK);
        CHECK_EQ(V->create(&b1, A0, 1024, pool), TB_OK);
        CHECK_EQ(V->create(&b2, A0, 64, pool), TB_OK);
        before = hook_mallocs;
        workload(V, b1, 500000, 7 + (uint64_t)k, 0, NULL, NULL, 0);
        workload(V, b2, 500000, 9 + (uint64_t)k, 0, NULL, NULL, 0);
        CHECK_EQ(V->release(b1), TB_OK); /* blocks go back to the pool, not to TB_FREE */
        workload(V, b1, 100000, 11, 0, NULL, NULL, 0);
        CHECK_MSG(hook_mallocs == before, "%s pool %u: %llu TB_MALLOC calls after construction", V->name,
                  pool_sizes[k], (unsigned long long)(hook_mallocs - before));
        lost_levels(V, b1, &ev, &pr);
        CHECK(pr > 100);
        CHECK_EQ(P->stats(pool, &ps), TB_OK);
        if (k == 1) CHECK(ps.alloc_fail_count > 0);
        CHECK_EQ(V->destroy(b1), TB_OK);
        CHECK_EQ(V->destroy(b2), TB_OK);
        CHECK_EQ(P->destroy(pool), TB_OK);
        CHECK_EQ_U(balance(), 0);
    }
}

static void t_zero_malloc_multi(const void *arg) {
    const tbv_multi_ops *M = (const tbv_multi_ops *)arg;
    void *m = NULL;
    tb_handle h[3];
    uint64_t before;
    int t;
    hooks_reset();
    CHECK_EQ(M->create(&m, 2, 2, 2, 1u << 15, 256, TB_POOL_REFUSE), TB_OK);
    before = hook_mallocs;
    for (t = 0; t < 3; t++) CHECK_EQ(M->alloc(m, t, A0, 0, &h[t]), TB_OK);
    CHECK_EQ(hook_mallocs, before); /* slots are preallocated */
    for (t = 0; t < 3; t++)
        workload(M->tier_ops[t], M->book(m, t, h[t]), 300000, 100 + (uint64_t)t, 1, M, m, h[t]);
    CHECK_EQ(M->free(m, h[1]), TB_OK);
    CHECK_EQ(M->alloc(m, 1, A0, 0, &h[1]), TB_OK);
    workload(M->tier_ops[1], M->book(m, 1, h[1]), 50000, 5, 1, M, m, h[1]);
    CHECK_MSG(hook_mallocs == before, "%s: %llu TB_MALLOC calls after construction", M->name,
              (unsigned long long)(hook_mallocs - before));
    CHECK_EQ(M->destroy(m), TB_OK);
    CHECK_EQ_U(balance(), 0);
}

/* (c) balance after destroy, including FALLBACK blocks and live books
 * destroyed by their multi-book pool */
static void t_balance(void) {
    int i;
    hooks_reset();
    for (i = 0; i < NBOOKS; i++) {
        const tbv_ops *V = books[i];
        const tbv_pool_ops *P = pool_for(V->bits);
        void *b = NULL, *pool = NULL, *pb = NULL, *mem;
        CHECK_EQ(V->create(&b, A0, 64, NULL), TB_OK);
        workload(V, b, 20000, (uint64_t)i, 0, NULL, NULL, 0);
        CHECK_EQ(V->destroy(b), TB_OK);
        CHECK_EQ(P->create(&pool, 64, TB_POOL_FALLBACK), TB_OK); /* tiny: fallback blocks */
        CHECK_EQ(V->create(&pb, A0, 1024, pool), TB_OK);
        workload(V, pb, 20000, (uint64_t)i + 50, 0, NULL, NULL, 0);
        {
            tb_pool_stats ps;
            uint64_t fb = 0;
            int c;
            P->stats(pool, &ps);
            for (c = 0; c < TB_POOL_NUM_CLASSES; c++) fb += ps.cls[c].fallback_allocs;
            CHECK(fb > 0);
        }
        CHECK_EQ(P->destroy(pool), TB_ERR_POOL_IN_USE);
        CHECK_EQ(V->destroy(pb), TB_OK);
        CHECK_EQ(P->destroy(pool), TB_OK);
        /* caller storage: deinit frees the spill, the struct is ours */
        mem = tbv_storage(V);
        CHECK_EQ(V->init(mem, A0, 64, NULL), TB_OK);
        workload(V, mem, 5000, 3, 0, NULL, NULL, 0);
        CHECK_EQ(V->deinit(mem), TB_OK);
        free(mem);
        CHECK_MSG(balance() == 0, "%s: %llu blocks not freed", V->name, (unsigned long long)balance());
    }
    for (i = 0; i < NMULTIS; i++) {
        void *m = NULL;
        tb_handle h;
        int t;
        CHECK_EQ(multis[i]->create(&m, 3, 3, 3, 4096, 64, TB_POOL_FALLBACK), TB_OK);
        for (t = 0; t < 3; t++) {
            CHECK_EQ(multis[i]->alloc(m, t, A0, 0, &h), TB_OK);
            workload(multis[i]->tier_ops[t], multis[i]->book(m, t, h), 20000, 8, 1, multis[i], m, h);
        }
        CHECK_EQ(multis[i]->destroy(m), TB_OK); /* with live books */
        CHECK_EQ_U(balance(), 0);
    }
    CHECK_EQ_U(hook_bad_frees, 0);
}

/* (d) an allocator that fails: after k calls, or once at call k */
static void t_failing_allocator(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = pool_for(V->bits);
    const long ops = tbt_prof == TBT_FULL ? 60000 : 15000;
    long k;
    int mode;
    for (mode = 0; mode < 2; mode++)
        for (k = 0; k < 12; k++) {
            void *b = (void *)&b;
            int st;
            uint64_t refused0 = hook_refused, ev, pr;
            int nomem;
            hooks_reset();
            if (mode == 0) hook_fail_after = k;
            else hook_fail_once = k;
            st = V->create(&b, A0, 512, NULL);
            if (st != TB_OK) {
                CHECK_EQ(st, TB_ERR_NOMEM);
                CHECK(b == NULL);
                hooks_reset();
                CHECK_EQ_U(balance(), 0);
                continue;
            }
            st = V->reserve_spill(b);
            CHECK(st == TB_OK || st == TB_ERR_NOMEM);
            CHECK_EQ(V->verify_invariants(b), TB_OK);
            workload(V, b, ops, 1000 + (uint64_t)k, 0, NULL, NULL, 0);
            nomem = lost_levels(V, b, &ev, &pr);
            if (mode == 0 && k < 3) /* nothing beyond the struct could be allocated */
                CHECK_MSG(nomem > 0, "k=%ld: no level was counted as dropped for lack of memory", k);
            CHECK(hook_refused > refused0 || nomem == 0);
            hooks_reset();
            CHECK_EQ(V->destroy(b), TB_OK);
            CHECK_EQ_U(balance(), 0);
        }
    /* pools and multi-book pools under a failing allocator */
    for (k = 0; k < 10; k++) {
        void *pool = (void *)&pool, *b = NULL;
        int st;
        hooks_reset();
        hook_fail_after = k;
        st = P->create(&pool, 256, TB_POOL_FALLBACK);
        if (st != TB_OK) {
            CHECK_EQ(st, TB_ERR_NOMEM);
            CHECK(pool == NULL);
        } else {
            st = V->create(&b, A0, 4096, pool);
            if (st == TB_OK) {
                tb_book_stats bs;
                long left;
                workload(V, b, ops, 77, 0, NULL, NULL, 0); /* fallback blocks soon cannot be had */
                left = hook_fail_after; /* mallocs the hook still grants */
                CHECK_EQ(V->stats(b, &bs), TB_OK);
                st = V->reserve_spill(b);
                CHECK(st == TB_OK || st == TB_ERR_NOMEM);
                if (left == 0 && (bs.spill_cap[0] < 4096 || bs.spill_cap[1] < 4096))
                    CHECK_MSG(st == TB_ERR_NOMEM, "k=%ld caps %llu/%llu", k, (unsigned long long)bs.spill_cap[0],
                              (unsigned long long)bs.spill_cap[1]);
                CHECK_EQ(V->verify_invariants(b), TB_OK);
                hooks_reset();
                CHECK_EQ(V->destroy(b), TB_OK);
            } else {
                CHECK_EQ(st, TB_ERR_NOMEM);
            }
            hooks_reset();
            CHECK_EQ(P->destroy(pool), TB_OK);
        }
        hooks_reset();
        CHECK_EQ_U(balance(), 0);
    }
    {
        const tbv_multi_ops *M = multi_for(V->bits);
        if (V->n == 64) /* once per family */
            for (k = 0; k < 16; k++) {
                void *m = (void *)&m;
                int st;
                hooks_reset();
                hook_fail_after = k;
                st = M->create(&m, 2, 2, 2, 1024, 64, TB_POOL_REFUSE);
                hooks_reset();
                if (st != TB_OK) {
                    CHECK_EQ(st, TB_ERR_NOMEM);
                    CHECK(m == NULL);
                } else {
                    tb_handle h;
                    CHECK_EQ(M->alloc(m, TB_TIER_LOW, A0, 0, &h), TB_OK);
                    CHECK_EQ(M->destroy(m), TB_OK);
                }
                CHECK_EQ_U(balance(), 0);
            }
    }
}

/* ---- (f) the order log's growth under a failing allocator ----------------------------- */

#define OLOG_BATCH 64
#define OLOG_ROWS (7 * OLOG_BATCH + 48 * OLOG_BATCH)

static uint8_t ol_act[OLOG_ROWS], ol_side[OLOG_ROWS];
static uint64_t ol_id[OLOG_ROWS], ol_new[OLOG_ROWS], ol_qty[OLOG_ROWS];
static int64_t ol_px[OLOG_ROWS], ol_ts[OLOG_ROWS], ol_rec[OLOG_ROWS];

/* levels spread past the window (the level table grows), then many orders at one price
 * (the order table grows), then cancels and replaces of some of them */
static void olog_rows(void) {
    size_t r;
    for (r = 0; r < OLOG_ROWS; r++) {
        const int spread = r < 7 * OLOG_BATCH;
        ol_act[r] = (uint8_t)(spread || r % 5 ? 'A' : r % 10 == 0 ? 'C' : 'U');
        ol_id[r] = ol_act[r] == 'A' ? r + 1 : r - 3; /* C / U: an order added 4 rows before */
        ol_new[r] = ol_act[r] == 'U' ? 100000 + r : 0;
        ol_side[r] = (uint8_t)(r & 1);
        ol_px[r] = spread ? 1000000 + (int64_t)r * 2 * (int64_t)TB__OLOG_LWIN : 1000000 + (int64_t)(r % 7);
        ol_qty[r] = ol_act[r] == 'C' ? 0 : 1 + r % 50;
        ol_ts[r] = (int64_t)r;
        ol_rec[r] = (int64_t)r + 1;
    }
}

/* all rows through a fresh log, the k-th allocation after its init refused (k < 0:
 * none); the resting orders sorted by id into ids / qty; returns the rows NOMEM stopped */
static int olog_replay(long k, uint64_t *ids, uint64_t *qty, size_t *n_orders, size_t *n_levels) {
    static uint8_t l2s[3 * OLOG_BATCH];
    static uint64_t l2q[3 * OLOG_BATCH];
    static int64_t l2p[3 * OLOG_BATCH], l2end[OLOG_BATCH];
    tb_olog g;
    tb_olog_out out;
    tb_itch_rows v;
    size_t at, first, done, i, j;
    int stops = 0;
    memset(&out, 0, sizeof out); /* level rows only */
    out.l2_side = l2s; out.l2_px = l2p; out.l2_qty = l2q; out.l2_end = l2end;
    CHECK_EQ(tb_olog_init(&g, 64, 12345u), TB_OK);
    hook_fail_once = k;
    for (at = 0; at < OLOG_ROWS; at += OLOG_BATCH) {
        v.action = ol_act + at; v.order_id = ol_id + at; v.new_id = ol_new + at; v.side = ol_side + at;
        v.px = ol_px + at; v.qty = ol_qty + at; v.ts = ol_ts + at; v.record = ol_rec + at;
        v.cap = v.n = OLOG_BATCH;
        for (first = 0; first < OLOG_BATCH; first = done) {
            const size_t ocount = g.ocount, lcount = g.lcount + g.lwcount;
            int rc;
            out.n_l2 = 0;
            done = first;
            rc = tb_olog_apply_from(&g, &v, first, OLOG_BATCH, &out, &done);
            if (rc == TB_ERR_NOMEM) { /* row done was not applied: the rows before it were */
                stops++;
                CHECK(done >= first && done < OLOG_BATCH);
                if (done == first) CHECK(g.ocount == ocount && g.lcount + g.lwcount == lcount);
                continue;
            }
            CHECK_EQ(rc, TB_OK);
            CHECK_EQ_U(done, OLOG_BATCH);
        }
    }
    hook_fail_once = -1;
    *n_orders = tb_olog_export(&g, ids, NULL, NULL, qty, OLOG_ROWS);
    *n_levels = g.lcount + g.lwcount;
    CHECK_EQ_U(*n_orders, g.ocount);
    for (i = 1; i < *n_orders; i++) /* sort by id (insertion sort: a test) */
        for (j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            uint64_t t = ids[j]; ids[j] = ids[j - 1]; ids[j - 1] = t;
            t = qty[j]; qty[j] = qty[j - 1]; qty[j - 1] = t;
        }
    tb_olog_free(&g);
    return stops;
}

/* With a user's TB_MALLOC the order log's tables are zeroed by the log: blocks the hook
 * hands out written over come back as empty tables, and every one of them went through
 * the hook. */
static void t_olog_tables_zeroed_by_hook(void) {
    uint64_t before, mallocs;
    tb_olog g;
    size_t k, bad = 0;
    hooks_reset();
    before = balance();
    mallocs = hook_mallocs;
    hook_poison = 1;
    CHECK_EQ(tb_olog_init(&g, (size_t)1 << 12, 7), TB_OK);
    hook_poison = 0;
    CHECK(hook_mallocs >= mallocs + 3); /* orders, levels, the level window */
    for (k = 0; k < g.ocap; k++) bad += g.orders[k].id || g.orders[k].qty || g.orders[k].px || g.orders[k].side;
    for (k = 0; k < g.ocap / 64; k++) bad += g.oused[k] != 0;
    for (k = 0; k < g.lcap; k++) bad += g.levels[k].total || g.levels[k].px;
    for (k = 0; k < 2 * g.lwcap; k++) bad += g.lwin[k] != 0;
    CHECK_EQ_U(bad, 0);
    tb_olog_free(&g);
    CHECK_EQ_U(balance(), before);
}

static void t_olog_growth_nomem(void) {
    static uint64_t ids0[OLOG_ROWS], qty0[OLOG_ROWS], ids[OLOG_ROWS], qty[OLOG_ROWS];
    size_t n0, l0, n, l;
    const uint64_t before = balance();
    long k;
    int failed = 0;
    hooks_reset();
    olog_rows();
    CHECK_EQ(olog_replay(-1, ids0, qty0, &n0, &l0), 0);
    CHECK(n0 > 2000 && l0 > 400);
    for (k = 0; k < 24; k++) {
        const int stops = olog_replay(k, ids, qty, &n, &l);
        failed += stops;
        CHECK(stops <= 1);
        CHECK_EQ_U(n, n0);
        CHECK_EQ_U(l, l0);
        CHECK(memcmp(ids, ids0, n * sizeof ids[0]) == 0 && memcmp(qty, qty0, n * sizeof qty[0]) == 0);
        CHECK_EQ_U(balance(), before);
    }
    CHECK(failed >= 10); /* the growths did meet refused allocations */
    hooks_reset();
}

#include "alloc_load.h"

#include "itch_records.h" /* (after alloc_load.h, whose arguments are named buf) */

/* ---- (g) the ITCH direct path's one pass under a failing allocator ---------------------- */

#define RUN_RECORDS 100 /* adds: the order table (64 slots) grows twice, the level table too */

static buf run_file;

/* RUN_RECORDS adds of stock 7, each at its own price, the prices 2 windows apart (every
 * level past the first window is in the level table) */
static void run_records(void) {
    size_t r;
    run_file.n = 0;
    for (r = 0; r < RUN_RECORDS; r++)
        add(&run_file, 'A', 7, r + 1, r + 1, r & 1 ? 'B' : 'S', 10, "AAPL",
            (uint32_t)(1000000 + r * 2 * TB__OLOG_LWIN));
}

static size_t run_stub_rows; /* level rows the stand-in book was given */

static int run_stub_bbo(void *b, tb_bbo_i64 *o) {
    (void)b;
    memset(o, 0, sizeof *o);
    return TB_OK;
}

static int run_stub_trace(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n,
                          tb_bbo_i64 *out, size_t *done) {
    size_t i;
    (void)side, (void)px, (void)qty;
    for (i = 0; i < n; i++) run_stub_bbo(b, &out[i]);
    run_stub_rows += n;
    *done = n;
    return TB_OK;
}

/* the resting orders' ids and quantities summed (a fingerprint of the log) */
static uint64_t run_log_sum(const tb_olog *g) {
    static uint64_t ids[RUN_RECORDS], qty[RUN_RECORDS];
    const size_t n = tb_olog_export(g, ids, NULL, NULL, qty, RUN_RECORDS);
    uint64_t sum = n;
    size_t i;
    for (i = 0; i < n; i++) sum += ids[i] * 1000003u + qty[i];
    return sum;
}

static void t_itch_run_nomem(void) {
    static tb_itch_run run;
    static tb_feed_row out[RUN_RECORDS];
    static uint8_t act[RUN_RECORDS], side[RUN_RECORDS], l2s[3 * RUN_RECORDS];
    static uint64_t id[RUN_RECORDS], nid[RUN_RECORDS], qty[RUN_RECORDS], l2q[3 * RUN_RECORDS];
    static int64_t px[RUN_RECORDS], ts[RUN_RECORDS], rec[RUN_RECORDS], l2p[3 * RUN_RECORDS], l2end[RUN_RECORDS];
    const uint64_t before = balance();
    tb_feed_ops ops;
    long k;
    int stops = 0;
    hooks_reset();
    run_records();
    memset(&ops, 0, sizeof ops);
    ops.bbo = run_stub_bbo;
    ops.bbo_trace = run_stub_trace;
    for (k = -1; k < 12; k++) {
        tb_itch_state st_ref, st;
        tb_olog g_ref, g;
        tb_itch_rows v;
        tb_olog_out lo;
        tb_feed_state fst;
        size_t used = 0, done = 0;
        int rc_ref, rc;
        /* the two steps: the whole chunk decoded, then logged */
        memset(&v, 0, sizeof v);
        v.action = act; v.order_id = id; v.new_id = nid; v.side = side; v.px = px; v.qty = qty; v.ts = ts;
        v.record = rec; v.cap = RUN_RECORDS;
        memset(&lo, 0, sizeof lo);
        lo.l2_side = l2s; lo.l2_px = l2p; lo.l2_qty = l2q; lo.l2_end = l2end;
        tb_itch_init(&st_ref, 7, NULL);
        CHECK_EQ(tb_itch_decode(&st_ref, run_file.b, run_file.n, 1, 1, &v, &used), TB_OK);
        CHECK_EQ_U(v.n, RUN_RECORDS);
        CHECK_EQ(tb_olog_init(&g_ref, 64, 99u), TB_OK);
        hook_fail_once = k;
        rc_ref = tb_olog_apply(&g_ref, &v, v.n, &lo, &done);
        hook_fail_once = -1;
        /* the one pass, the same allocation refused */
        tb_itch_init(&st, 7, NULL);
        CHECK_EQ(tb_olog_init(&g, 64, 99u), TB_OK);
        memset(&fst, 0, sizeof fst);
        fst.in_sync = 1;
        tb_itch_run_init(&run, 0);
        run_stub_rows = 0;
        hook_fail_once = k;
        rc = tb_itch_run_block(&run, &st, &g, &run_stub_rows, &ops, run_file.b, run_file.n, 1, 1, 0, 0, out, NULL,
                               RUN_RECORDS, NULL, 0, &fst);
        hook_fail_once = -1;
        if (rc_ref == TB_ERR_NOMEM) {
            stops++;
            CHECK_EQ(rc, TB_ERR_NOMEM);
            CHECK_EQ_U(run.msgs, 0);
            CHECK_EQ_U(run_stub_rows, 0);
        } else {
            CHECK_EQ(rc_ref, TB_OK);
            CHECK_EQ(rc, TB_ITCH_RUN_DONE);
            CHECK_EQ_U(run.msgs, RUN_RECORDS);
            CHECK_EQ_U(run_stub_rows, RUN_RECORDS);
        }
        CHECK_EQ_U(run.consumed, used);
        CHECK_EQ_U(st.records, st_ref.records);
        CHECK_EQ_U(g.ocount, g_ref.ocount);
        CHECK_EQ_U(g.lcount + g.lwcount, g_ref.lcount + g_ref.lwcount);
        CHECK_EQ_U(run_log_sum(&g), run_log_sum(&g_ref));
        tb_olog_free(&g);
        tb_olog_free(&g_ref);
        CHECK_EQ_U(balance(), before);
    }
    CHECK(stops >= 4); /* both tables' growths did meet refused allocations */
    hooks_reset();
}

int main(int argc, char **argv) {
    int i;
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("olog_tables_zeroed_by_hook", t_olog_tables_zeroed_by_hook); /* first: the others need empty tables */
    /* tape sizes up to SMALL_N: the allocation paths are one template for every
     * size, and the failing allocator's retries cost O(N) each */
    for (i = 0; i < NBOOKS; i++)
        if (books[i]->n <= SMALL_N)
            tbt_run_arg("zero_alloc_after_reserve", books[i]->name, t_zero_alloc_after_reserve, books[i]);
    for (i = 0; i < NBOOKS; i++)
        if (books[i]->n <= SMALL_N)
            tbt_run_arg("zero_malloc_pool_backed", books[i]->name, t_zero_malloc_pool_backed, books[i]);
    for (i = 0; i < NMULTIS; i++) tbt_run_arg("zero_malloc_multi", multis[i]->name, t_zero_malloc_multi, multis[i]);
    tbt_run("balance_after_destroy", t_balance);
    for (i = 0; i < NBOOKS; i++)
        if (books[i]->n <= SMALL_N) {
            tbt_run_arg("load_reserves_what_the_dump_holds", books[i]->name, t_load_lying_dump, books[i]);
            tbt_run_arg("load_declared_capacity_round_trip", books[i]->name, t_load_declared_round_trip, books[i]);
        }
    for (i = 0; i < NBOOKS; i++)
        if (books[i]->n <= SMALL_N) tbt_run_arg("failing_allocator", books[i]->name, t_failing_allocator, books[i]);
    tbt_run("olog_growth_under_failing_allocator", t_olog_growth_nomem);
    tbt_run("itch_run_under_failing_allocator", t_itch_run_nomem);
    hooks_reset();
    printf("test_alloc: %llu TB_MALLOC, %llu TB_FREE, %llu refused on purpose, %llu bad frees\n",
           (unsigned long long)hook_mallocs, (unsigned long long)hook_frees, (unsigned long long)hook_refused,
           (unsigned long long)hook_bad_frees);
    CHECK_EQ_U(hook_bad_frees, 0);
    CHECK_EQ_U(balance(), 0);
    return tbt_finish();
}
