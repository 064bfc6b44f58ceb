/* unit_load.h — test_unit's tests of the snapshot loads, load_side and
 * load_snapshot (included by test_unit.c, which provides mk(), cmp_ref(),
 * both_set() and run_all_variants()).
 *
 * The contract under test: load_side(side, px, qty, n) is
 * reset_at_mid(side, px[0]) followed by set(side, px[i], qty[i]) in order
 * (n = 0: the side emptied, its anchor kept); load_snapshot is load_side of
 * the bids then of the asks, both validated first. Each test compares a book
 * that loads with a twin that does the resets and sets, observable by
 * observable (tbv_snap: depth, anchors, BBO, every stats counter split by
 * kind), and with ref_book.h's model; pool-backed twins use twin pools whose
 * counters must match too. */
#ifndef UNIT_LOAD_H
#define UNIT_LOAD_H

/* ---- snapshots ------------------------------------------------------------------ */

typedef struct snap_side {
    int64_t *px;
    uint64_t *qty;
    size_t n;
} snap_side;

/* n levels best-first from `best`: a dense run, then gaps that grow, the odd
 * big jump (far beyond the tape), quantities 1 .. 1000 and now and then the
 * type's maximum. Prices stay valid (the list is cut where they would not). */
static void snap_make(snap_side *s, const tbv_ops *V, uint64_t *seed, int side, int64_t best, size_t n) {
    size_t i;
    int64_t px = best;
    s->px = (int64_t *)malloc((n ? n : 1) * sizeof *s->px);
    s->qty = (uint64_t *)malloc((n ? n : 1) * sizeof *s->qty);
    if (!s->px || !s->qty) abort();
    for (i = 0; i < n; i++) {
        uint64_t x = (*seed = *seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407)) >> 16;
        int64_t step = i < 40 ? 1 : 1 + (int64_t)(x % (1 + i / 64));
        if (i && x % 97 == 0) step += (int64_t)V->n * (int64_t)(1 + x % 5); /* a jump past a window */
        if (i) px = side ? px - step : px + step;
        if (px < V->pmin || px > V->pmax) break;
        s->px[i] = px;
        s->qty[i] = x % 53 == 0 ? V->qmax : 1 + (x >> 20) % 1000;
    }
    s->n = i;
}

static void snap_free(snap_side *s) {
    free(s->px);
    free(s->qty);
    s->px = NULL;
    s->qty = NULL;
}

/* What load_side means, on a real book: reset_at_mid + sets. */
static void load_by_sets(const tbv_ops *V, void *b, int side, const snap_side *s) {
    size_t i;
    if (s->n == 0) { /* empty the side, keep the anchor */
        int64_t a = V->anchor(b, side);
        CHECK_EQ(V->reset_at_mid(b, side, V->pmin + (int64_t)V->n), TB_OK);
        CHECK_EQ(V->recenter(b, side, a), TB_OK);
        return;
    }
    CHECK_EQ(V->reset_at_mid(b, side, s->px[0]), TB_OK);
    for (i = 0; i < s->n; i++) CHECK(V->set_code(b, side, s->px[i], s->qty[i]) > TB_ERR_FIRST);
}

/* The same random history (around mid) on two books and a reference. */
static void prefill3(const tbv_ops *V, void *a, void *b, ref_book *r, int64_t mid, uint64_t *seed, int ops) {
    int k;
    for (k = 0; k < ops; k++) {
        uint64_t x = (*seed = *seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407)) >> 11;
        const int side = (int)(x & 1u);
        const int64_t d = (int64_t)((x >> 1) % (uint64_t)(3 * V->n)) - (int64_t)V->n / 4;
        const int64_t px = side ? mid - d : mid + d;
        const uint64_t q = (x >> 20) % 5 == 0 ? 0 : 1 + (x >> 24) % 500;
        int ra, rb, rr;
        if (px < V->pmin || px > V->pmax) continue;
        ra = V->set_code(a, side, px, q);
        rb = V->set_code(b, side, px, q);
        rr = ref_set(r, side, px, q);
        CHECK_MSG(ra == rr && rb == rr, "set(%d, %lld, %llu): book %d, twin %d, reference %d", side, (long long)px,
                  (unsigned long long)q, ra, rb, rr);
    }
}

/* Book a loaded, its twin b reset-and-set: equal in everything observable. */
static int twins_equal(const tbv_ops *V, void *a, void *b, const char *where) {
    tbv_snap sa, sb;
    int eq;
    tbv_snap_take(V, a, &sa);
    tbv_snap_take(V, b, &sb);
    eq = tbv_snap_eq(&sa, &sb);
    CHECK_MSG(eq, "%s: the loaded book and its reset + sets twin differ (depth %zu/%zu vs %zu/%zu, dropped %llu "
                  "vs %llu, nomem %llu vs %llu, spill cap %llu vs %llu)",
              where, sa.n[1], sa.n[0], sb.n[1], sb.n[0], (unsigned long long)sa.st.spill_dropped[1],
              (unsigned long long)sb.st.spill_dropped[1], (unsigned long long)sa.st.spill_nomem[1],
              (unsigned long long)sb.st.spill_nomem[1], (unsigned long long)sa.st.spill_cap[1],
              (unsigned long long)sb.st.spill_cap[1]);
    tbv_snap_free(&sa);
    tbv_snap_free(&sb);
    return eq;
}

static int pools_equal(const tbv_pool_ops *P, void *pa, void *pb, const char *where) {
    tb_pool_stats a = pstats_of(P, pa), b = pstats_of(P, pb);
    int eq = memcmp(&a, &b, sizeof a) == 0;
    CHECK_MSG(eq, "%s: pool counters differ (used %u vs %u, failures %llu vs %llu, watermark %u vs %u)", where,
              a.used_levels, b.used_levels, (unsigned long long)a.alloc_fail_count,
              (unsigned long long)b.alloc_fail_count, a.watermark, b.watermark);
    return eq;
}

/* ---- equivalence ------------------------------------------------------------------- */

/* load_side == reset_at_mid + sets, on the book, its twin and the reference,
 * across sizes (empty, one level, within the tape, over the spill's max_cap)
 * and caps (1 ... 4096, spill memory kept from before or not), after a
 * random history, followed by more updates (the spill's index must serve
 * them); the other side never changes. */
static void t_load_side_equivalence(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    static const uint32_t caps[4] = {1, 16, 64, 4096};
    const size_t N = V->n;
    const size_t sizes[8] = {0, 1, 2, N / 2, N + 3, 2 * N + 37, 300, 5000};
    uint64_t seed = UINT64_C(0x5eed0001) ^ N;
    int ci, si, side;
    for (ci = 0; ci < 4; ci++)
        for (si = 0; si < 8; si++)
            for (side = 0; side < 2; side++) {
                const int64_t mid = P0 + (int64_t)(seed % 1000);
                const int64_t A = mid - (int64_t)N / 2;
                void *a = mk(V, A, caps[ci], NULL), *b = mk(V, A, caps[ci], NULL);
                ref_book r;
                snap_side s;
                size_t bad = 77;
                char where[96];
                int64_t best = mid + (side ? -1 : 1) * (int64_t)(1 + seed % 7) +
                               (si % 3 == 2 ? (side ? -1 : 1) * (int64_t)(5 * N) : 0);
                ref_init(&r, (int64_t)N, V->bits, A, caps[ci]);
                if (si & 1) { /* spill memory already at max_cap */
                    CHECK_EQ(V->reserve_spill(a), TB_OK);
                    CHECK_EQ(V->reserve_spill(b), TB_OK);
                    ref_reserve(&r);
                }
                prefill3(V, a, b, &r, mid, &seed, 400);
                snap_make(&s, V, &seed, side, best, sizes[si]);
                snprintf(where, sizeof where, "cap %u, %zu levels, side %d", caps[ci], s.n, side);
                CHECK_EQ(tbv_x(V)->load_side(a, side, s.px, s.qty, s.n, &bad), TB_OK);
                CHECK_EQ_U(bad, s.n);
                load_by_sets(V, b, side, &s);
                CHECK_EQ(ref_load_side(&r, side, s.px, s.qty, s.n, NULL), 0);
                cmp_ref(V, a, &r, where);
                twins_equal(V, a, b, where);
                prefill3(V, a, b, &r, best, &seed, 200); /* updates against the loaded levels */
                cmp_ref(V, a, &r, where);
                twins_equal(V, a, b, where);
                snap_free(&s);
                ref_free(&r);
                V->destroy(a);
                V->destroy(b);
            }
}

/* load_snapshot == load_side(bids) + load_side(asks). */
static void t_load_snapshot_equivalence(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const size_t N = V->n;
    uint64_t seed = UINT64_C(0x5eed0002) ^ N;
    int k;
    for (k = 0; k < 6; k++) {
        const int64_t mid = P0 + 10 * k;
        void *a = mk(V, mid - (int64_t)N / 2, k & 1 ? 64 : 4096, NULL);
        void *b = mk(V, mid - (int64_t)N / 2, k & 1 ? 64 : 4096, NULL);
        ref_book r;
        snap_side bid, ask;
        size_t bad = 77;
        ref_init(&r, (int64_t)N, V->bits, mid - (int64_t)N / 2, k & 1 ? 64 : 4096);
        prefill3(V, a, b, &r, mid, &seed, 300);
        snap_make(&bid, V, &seed, 1, mid - 1 - k, k == 2 ? 0 : 100 + 700 * (size_t)k);
        snap_make(&ask, V, &seed, 0, mid + 1 + (k == 4 ? -10 : 0), k == 3 ? 0 : 50 + 900 * (size_t)k); /* k 4: crossed */
        CHECK_EQ(tbv_x(V)->load_snapshot(a, bid.px, bid.qty, bid.n, ask.px, ask.qty, ask.n, &bad), TB_OK);
        CHECK_EQ_U(bad, bid.n + ask.n);
        CHECK_EQ(tbv_x(V)->load_side(b, 1, bid.px, bid.qty, bid.n, NULL), TB_OK);
        CHECK_EQ(tbv_x(V)->load_side(b, 0, ask.px, ask.qty, ask.n, NULL), TB_OK);
        ref_load_side(&r, 1, bid.px, bid.qty, bid.n, NULL);
        ref_load_side(&r, 0, ask.px, ask.qty, ask.n, NULL);
        cmp_ref(V, a, &r, "load_snapshot");
        twins_equal(V, a, b, "load_snapshot");
        snap_free(&bid);
        snap_free(&ask);
        ref_free(&r);
        V->destroy(a);
        V->destroy(b);
    }
}

/* ---- capacity: drops at max_cap, pool exhaustion ------------------------------------- */

/* A dense snapshot whose spill share exceeds max_cap: the best max_cap spill
 * levels are kept, every further one is dropped and counted. */
static void t_load_drops_at_max_cap(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n;
    int side;
    for (side = 0; side < 2; side++) {
        /* the best level at the centre: N/2 + 1 bids fit below it, N/2 asks above */
        const size_t on_tape = (size_t)N / 2 + (size_t)side, extra = 40, n = on_tape + 16 + extra;
        void *b = mk(V, P0, 16, NULL);
        int64_t *px = (int64_t *)malloc(n * sizeof *px);
        uint64_t *qty = (uint64_t *)malloc(n * sizeof *qty);
        tbv_level *lv = (tbv_level *)malloc(n * sizeof *lv);
        tb_book_stats st;
        size_t i, got = 0;
        if (!px || !qty || !lv) abort();
        for (i = 0; i < n; i++) {
            px[i] = side ? P0 - (int64_t)i : P0 + (int64_t)i;
            qty[i] = 100 + i;
        }
        CHECK_EQ(tbv_x(V)->load_side(b, side, px, qty, n, NULL), TB_OK);
        st = stats_of(V, b);
        CHECK_EQ(V->anchor(b, side), P0 - N / 2);
        CHECK_EQ_U(st.tape_levels[side], on_tape);
        CHECK_EQ_U(st.spill_levels[side], 16);
        CHECK_EQ_U(st.spill_cap[side], 16);
        CHECK_EQ_U(st.spill_dropped[side], extra);
        CHECK_EQ_U(st.spill_nomem[side] + st.spill_evicted[side] + st.promotes[side], 0);
        CHECK_EQ(V->levels(b, side, lv, n, &got), TB_OK);
        CHECK_EQ_U(got, n - extra);
        for (i = 0; i < got; i++) CHECK(lv[i].px == px[i] && lv[i].qty == qty[i]); /* the best ones, in order */
        CHECK_EQ(V->verify_invariants(b), TB_OK);
        free(px);
        free(qty);
        free(lv);
        V->destroy(b);
    }
}

/* A pool that runs dry mid-snapshot: the spill keeps what its last block
 * holds, every further level asks for a block again (and is counted as no
 * memory), exactly as one set per level would; both policies, pool counters
 * compared with a twin pool's. */
static void t_load_pool_exhaustion(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const tbv_pool_ops *P = tbv_pool_for(V->bits);
    static const uint32_t levels[3] = {16, 48, 80};
    uint64_t seed = UINT64_C(0x5eed0003) ^ V->n;
    int li, policy;
    for (policy = 0; policy < 2; policy++)
        for (li = 0; li < 3; li++) {
            void *pa = NULL, *pb = NULL, *a, *b;
            snap_side s;
            tb_book_stats st;
            char where[64];
            CHECK_EQ(P->create(&pa, levels[li], policy), TB_OK);
            CHECK_EQ(P->create(&pb, levels[li], policy), TB_OK);
            a = mk(V, P0, 4096, pa);
            b = mk(V, P0, 4096, pb);
            snap_make(&s, V, &seed, 1, P0 + (int64_t)V->n, 200 + (size_t)V->n);
            snprintf(where, sizeof where, "pool of %u levels, policy %d", levels[li], policy);
            CHECK_EQ(tbv_x(V)->load_side(a, 1, s.px, s.qty, s.n, NULL), TB_OK);
            load_by_sets(V, b, 1, &s);
            twins_equal(V, a, b, where);
            pools_equal(P, pa, pb, where);
            st = stats_of(V, a);
            if (policy == TB_POOL_REFUSE) CHECK_MSG(st.spill_nomem[1] > 0, "%s: the pool never ran dry", where);
            CHECK_EQ(V->verify_invariants(a), TB_OK);
            /* loaded again over the kept blocks */
            CHECK_EQ(tbv_x(V)->load_side(a, 1, s.px + 1, s.qty + 1, s.n - 1, NULL), TB_OK);
            {
                const snap_side tail = {s.px + 1, s.qty + 1, s.n - 1}; /* no compound literal: C++ too */
                load_by_sets(V, b, 1, &tail);
            }
            twins_equal(V, a, b, where);
            pools_equal(P, pa, pb, where);
            snap_free(&s);
            V->destroy(a);
            V->destroy(b);
            CHECK_EQ(P->destroy(pa), TB_OK);
            CHECK_EQ(P->destroy(pb), TB_OK);
        }
}

/* ---- errors ------------------------------------------------------------------------------ */

/* Every error leaves the book (both sides) unchanged and names the first
 * bad level: a price just outside the valid range, a zero quantity, a
 * duplicate, a level out of order, NULL arrays, a bad side, a closed book;
 * in load_snapshot a bad ask after good bids loads no bid either. */
static void t_load_errors(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    const int64_t N = (int64_t)V->n;
    void *b = mk(V, P0 - N / 2, 64, NULL);
    int64_t px[6];
    uint64_t qty[6] = {5, 6, 7, 8, 9, 10};
    tbv_snap before, after;
    size_t bad, k;
    int side, c;
    for (k = 0; k < 40; k++) V->set_code(b, (int)(k & 1u), k & 1 ? P0 - 3 * (int64_t)k : P0 + 3 * (int64_t)k, 1 + k);
    V->set_code(b, 1, P0 - 5 * N, 9); /* something in the spills */
    V->set_code(b, 0, P0 + 5 * N, 9);
    tbv_snap_take(V, b, &before);
    for (side = 0; side < 2; side++)
        for (c = 0; c < 9; c++) {
            const int64_t dir = side ? -1 : 1;
            int want, st, at = 3;
            for (k = 0; k < 6; k++) {
                px[k] = P0 + dir * (int64_t)(2 * k);
                qty[k] = 5 + k;
            }
            switch (c) {
            case 0: px[3] = V->pmin - 1; want = TB_ERR_PRICE; break;
            case 1: px[3] = V->pmax + 1; want = TB_ERR_PRICE; break;
            case 2: qty[3] = 0; want = TB_ERR_BADARG; break;
            case 3: px[3] = px[2]; want = TB_ERR_BADARG; break;               /* duplicate */
            case 4: px[3] = px[2] - dir; want = TB_ERR_BADARG; break;         /* better than its predecessor */
            case 5: px[0] = side ? V->pmin : V->pmax; at = 1; want = TB_ERR_BADARG; break; /* valid, then out of order */
            case 6: qty[0] = 0; at = 0; want = TB_ERR_BADARG; break;
            case 7: px[5] = side ? V->tmin : V->tmax; at = 5; want = TB_ERR_PRICE; break; /* the type's sentinel */
            default: px[3] = V->pmin - 1; qty[3] = 0; want = TB_ERR_PRICE; break;  /* price reported first */
            }
            bad = 999;
            st = tbv_x(V)->load_side(b, side, px, qty, 6, &bad);
            CHECK_MSG(st == want && bad == (size_t)at, "side %d case %d: status %d bad %zu, want %d at %d", side, c,
                      st, bad, want, at);
            /* in load_snapshot: as the asks (after 6 good bids) or as the bids */
            if (side == 0) {
                int64_t gb[6];
                uint64_t gq[6];
                for (k = 0; k < 6; k++) {
                    gb[k] = P0 - 100 - (int64_t)k;
                    gq[k] = 1 + k;
                }
                bad = 999;
                st = tbv_x(V)->load_snapshot(b, gb, gq, 6, px, qty, 6, &bad);
                CHECK_MSG(st == want && bad == (size_t)at + 6, "snapshot asks case %d: status %d bad %zu", c, st,
                          bad);
            } else {
                bad = 999;
                st = tbv_x(V)->load_snapshot(b, px, qty, 6, NULL, NULL, 0, &bad);
                CHECK_MSG(st == want && bad == (size_t)at, "snapshot bids case %d: status %d bad %zu", c, st, bad);
            }
            tbv_snap_take(V, b, &after);
            CHECK_MSG(tbv_snap_eq(&before, &after), "side %d case %d changed the book", side, c);
            tbv_snap_free(&after);
        }
    for (k = 0; k < 6; k++) {
        px[k] = P0 - (int64_t)k;
        qty[k] = 1 + k;
    }
    CHECK_EQ(tbv_x(V)->load_side(b, 1, NULL, qty, 6, &bad), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->load_side(b, 1, px, NULL, 6, NULL), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->load_snapshot(b, px, qty, 6, NULL, qty, 3, NULL), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->load_side(b, 2, px, qty, 6, &bad), TB_ERR_SIDE);
    CHECK_EQ(tbv_x(V)->load_side(b, -1, px, qty, 6, NULL), TB_ERR_SIDE);
    CHECK_EQ(tbv_x(V)->load_side(NULL, 1, px, qty, 6, NULL), TB_ERR_NULL);
    CHECK_EQ(tbv_x(V)->load_snapshot(NULL, px, qty, 6, NULL, NULL, 0, NULL), TB_ERR_NULL);
    tbv_snap_take(V, b, &after);
    CHECK(tbv_snap_eq(&before, &after));
    tbv_snap_free(&after);
    /* empty lists need no arrays: the side is emptied, its anchor kept */
    CHECK_EQ(tbv_x(V)->load_side(b, 0, NULL, NULL, 0, &bad), TB_OK);
    CHECK_EQ_U(bad, 0);
    CHECK_EQ_U(depth_of(V, b, 0), 0);
    CHECK_EQ(V->anchor(b, 0), before.anchor[0]);
    CHECK_EQ_U(depth_of(V, b, 1), before.n[1]);
    CHECK_EQ(tbv_x(V)->load_snapshot(b, NULL, NULL, 0, NULL, NULL, 0, &bad), TB_OK);
    CHECK_EQ_U(depth_of(V, b, 1) + depth_of(V, b, 0), 0);
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    tbv_snap_free(&before);
    V->destroy(b);
    { /* a closed book (caller storage, deinit'ed) refuses */
        void *mem = tbv_storage(V);
        CHECK_EQ(V->init(mem, P0, 16, NULL), TB_OK);
        CHECK_EQ(V->deinit(mem), TB_OK);
        CHECK_EQ(tbv_x(V)->load_side(mem, 1, px, qty, 6, NULL), TB_ERR_CLOSED);
        CHECK_EQ(tbv_x(V)->load_snapshot(mem, px, qty, 6, NULL, NULL, 0, NULL), TB_ERR_CLOSED);
        free(mem);
    }
}

#endif /* UNIT_LOAD_H */
