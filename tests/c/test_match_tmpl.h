/* test_match_tmpl.h — the differential fuzz of one matching-engine variant
 * against the reference engine (ref_match.h). Define before including:
 *   TMV   the variant suffix (i64_n1024)      TMP / TMQ  its price / qty type
 *   TMPMIN / TMPMAX  the variant's valid prices      TMQMAX  its qty max
 * Defines tm_suite_<TMV>(const tm_params *), tm_alloc_<TMV>(), tm_both_submit_<TMV>()
 * and tm_reach_edges_<TMV>(). */

#define TM__CAT2(a, b) a##b
#define TM__CAT(a, b) TM__CAT2(a, b)
#define TM_M TM__CAT(tb_match_, TMV)
#define TM_L3 TM__CAT(tb_l3_, TMV)
#define TM_B TM__CAT(tb_book_, TMV)
#define TM_FN(f) TM__CAT(TM__CAT(TM_M, _), f)
#define TM_L3FN(f) TM__CAT(TM__CAT(TM_L3, _), f)
#define TM_BFN(f) TM__CAT(TM__CAT(TM_B, _), f)
#define TM_SELF(f) TM__CAT(TM__CAT(f, _), TMV)

/* Whole state equal: every level of both sides best first (L2 view), each
 * level's FIFO queue (ids, qtys) and every resting order's owner. */
static int TM_SELF(tm_same_state)(TM_M *m, const ref_match *r, const char *where, uint64_t op) {
    static TM__CAT(tb_level_, TM_FAM_NAME) lv[8192];
    static uint64_t ids[1 << 14];
    static TMQ qtys[1 << 14];
    TM_L3 *l3 = TM_FN(l3)(m);
    TM_B *b = TM_L3FN(book)(l3);
    int side, ok = 1;
    if (!CHECK_EQ_U(TM_FN(orders)(m), r->n_orders)) return 0;
    for (side = 0; side < 2 && ok; side++) {
        const ref_mside *s = &r->side[side];
        size_t n = 0, i;
        CHECK_EQ(TM_BFN(levels)(b, side, lv, 8192, &n), TB_OK);
        ok &= CHECK_MSG(n == s->n, "%s op %llu side %d: %zu levels, reference %zu", where, (unsigned long long)op,
                        side, n, s->n);
        for (i = 0; ok && i < n; i++) {
            const ref_mlevel *rl = &s->lv[s->n - 1 - i];
            size_t k = 0, nl = 0, j = 0;
            const ref_morder *o;
            ok &= CHECK_MSG((int64_t)lv[i].px == rl->px && (uint64_t)lv[i].qty == rl->total,
                            "%s op %llu side %d level %zu: (%lld, %llu) vs reference (%lld, %llu)", where,
                            (unsigned long long)op, side, i, (long long)lv[i].px, (unsigned long long)lv[i].qty,
                            (long long)rl->px, (unsigned long long)rl->total);
            CHECK_EQ(TM_L3FN(level_orders)(l3, side, lv[i].px, ids, qtys, 1 << 14, &k, &nl), TB_OK);
            for (o = rl->head; ok && o; o = o->next, j++) {
                uint32_t own = 0;
                ok &= CHECK_MSG(j < k && ids[j] == o->id && (uint64_t)qtys[j] == o->qty,
                                "%s op %llu side %d px %lld: FIFO position %zu differs", where,
                                (unsigned long long)op, side, (long long)rl->px, j);
                ok &= CHECK_EQ(TM_FN(owner_of)(m, o->id, &own), TB_OK) && CHECK_EQ_U(own, o->owner);
            }
            ok &= CHECK_EQ_U(j, k);
        }
    }
    return ok;
}

static uint64_t TM_SELF(tm_pick_id)(tbt_rng *g, const ref_match *r, uint64_t next_id) {
    uint32_t p = tbt_below(g, 100);
    if (p < 3) return 0;
    if (p < 60 && r->n_orders) { /* a resting id: walk from a random bucket */
        size_t b = tbt_below(g, (uint32_t)r->n_buckets), k;
        for (k = 0; k < r->n_buckets; k++) {
            const ref_morder *o = r->bucket[(b + k) & (r->n_buckets - 1)];
            if (o) return o->id;
        }
    }
    return 1 + tbt_below(g, (uint32_t)(next_id < 0xffffffffu ? next_id : 0xffffffffu));
}

/* Dump the engine, load the dump into a new engine of the same shape (created
 * with another STP mode and anchor: the dump must carry them) and go on with
 * that one: every later event compared with the reference shows that the
 * owners, the sequence number, the mode and the queues came back. */
static int TM_SELF(tm_reload)(TM_M **m, uint32_t max_orders, uint32_t max_cap) {
    size_t size = 0, len = 0, len2 = 0;
    unsigned char *buf, *buf2;
    TM_M *fresh = NULL;
    int ok = 1;
    ok &= CHECK_EQ(TM_FN(dump_size)(*m, &size), TB_OK);
    buf = (unsigned char *)malloc(size);
    buf2 = (unsigned char *)malloc(size);
    if (!buf || !buf2) abort();
    ok &= CHECK_EQ(TM_FN(dump)(*m, buf, size, &len), TB_OK) && CHECK_EQ_U(len, size);
    ok &= CHECK_EQ(TM_FN(create)(&fresh, 0, max_orders, max_cap, TB_STP_NONE), TB_OK);
    if (ok) ok &= CHECK_EQ(TM_FN(load)(fresh, buf, len), TB_OK);
    if (ok) ok &= CHECK_EQ(TM_FN(dump)(fresh, buf2, size, &len2), TB_OK) && CHECK_EQ_U(len2, len) &&
                  CHECK(memcmp(buf, buf2, len) == 0);
    if (ok) {
        CHECK_EQ(TM_FN(destroy)(*m), TB_OK);
        *m = fresh;
    } else if (fresh) {
        CHECK_EQ(TM_FN(destroy)(fresh), TB_OK);
    }
    free(buf);
    free(buf2);
    return ok;
}

/* One seeded suite: random engine parameters and a random flow, every call's
 * status, result and events compared; invariants and the whole state checked
 * along the way. Returns 1 when it passed. */
static int TM_SELF(tm_suite)(const tm_params *pp) {
    tbt_rng g;
    tbt_seed(&g, pp->seed);
    const int stp = (int)tbt_below(&g, 4);
    const uint32_t max_orders = tbt_below(&g, 4) == 0 ? 16 + tbt_below(&g, 48) : 1u << 16;
    const uint32_t max_cap = tbt_below(&g, 4) == 0 ? 16u << tbt_below(&g, 2) : 4096u;
    const uint32_t spread = 2 + tbt_below(&g, 60), where = tbt_below(&g, 5);
    /* mostly mid-range; sometimes at either end of the price domain */
    const int64_t mid = where == 0   ? (int64_t)TMPMIN + spread / 2
                        : where == 1 ? (int64_t)TMPMAX - spread / 2
                                     : 100000 + (int64_t)tbt_below(&g, 1000);
    const uint64_t qmax = tbt_below(&g, 5) == 0 ? (uint64_t)TMQMAX : 1 + tbt_below(&g, 200);
    const uint32_t owners = tbt_below(&g, 6);
    const uint32_t small_cap_pct = tbt_below(&g, 3) == 0 ? 15 : 1;
    static tb_match_event ev_a[1 << 16], ev_b[1 << 16];
    TM_M *m = NULL;
    ref_match r;
    uint64_t next_id = 1, op;
    int ok = 1;
    if (!CHECK_EQ(TM_FN(create)(&m, (TMP)mid, max_orders, max_cap, stp), TB_OK)) return 0;
    if (ref_match_init(&r, stp, (int64_t)TMPMIN, (int64_t)TMPMAX, (uint64_t)TMQMAX, max_orders, max_cap)) abort();
    for (op = 0; ok && op < pp->ops; op++) {
        const uint32_t what = tbt_below(&g, 100);
        size_t cap = tbt_below(&g, 100) < small_cap_pct ? tbt_below(&g, 4) : (size_t)(1 << 16);
        size_t na = 0, nb = 0;
        int sa, sb;
        tb_submit_result ra, rb;
        memset(&ra, 0, sizeof ra);
        memset(&rb, 0, sizeof rb);
        if (what < 72) {
            tb_match_order o;
            uint32_t f = tbt_below(&g, 100);
            memset(&o, 0, sizeof o);
            o.id = tbt_below(&g, 100) < 95 ? next_id++ : TM_SELF(tm_pick_id)(&g, &r, next_id);
            o.side = (uint8_t)(tbt_below(&g, 200) == 0 ? 2 : tbt_below(&g, 2));
            o.px = mid + (int64_t)tbt_below(&g, 2 * spread + 1) - (int64_t)spread;
            if (tbt_below(&g, 300) == 0) o.px = tbt_below(&g, 2) ? (int64_t)TMPMAX + 1 : (int64_t)TMPMIN - 1;
            o.qty = 1 + (tbt_below(&g, 4) == 0 ? tbt_below(&g, 1000) % qmax : tbt_below(&g, 20) % qmax);
            if (qmax == (uint64_t)TMQMAX && tbt_below(&g, 20) == 0) o.qty = (uint64_t)TMQMAX - tbt_below(&g, 3);
            if (tbt_below(&g, 300) == 0) o.qty = tbt_below(&g, 2) ? 0 : (uint64_t)TMQMAX + (TMQMAX != UINT64_MAX);
            o.tif = (uint8_t)(f < 60 ? TB_GTC : f < 80 ? TB_IOC : f < 97 ? TB_FOK : 3);
            f = tbt_below(&g, 100);
            o.flags = (uint8_t)(f < 80   ? 0u
                                : f < 87 ? (uint32_t)TB_ORDER_POST_ONLY
                                : f < 93 ? (uint32_t)TB_ORDER_MARKET
                                : f < 99 ? (uint32_t)(TB_ORDER_MARKET | TB_ORDER_PROTECT)
                                         : tbt_below(&g, 256));
            o.owner = owners ? tbt_below(&g, owners + 1) : 0;
            /* a buffer around the engine's cheap bound (qty + 1): exactly enough, or one short */
            if (o.qty >= 1 && o.qty < 64 && tbt_below(&g, 10) == 0) cap = (size_t)o.qty + tbt_below(&g, 3) - 1u;
            sa = TM_FN(submit)(m, &o, ev_a, cap, &na, &ra);
            sb = ref_match_submit(&r, &o, ev_b, cap, &nb, &rb);
        } else if (what < 88) {
            uint64_t id = TM_SELF(tm_pick_id)(&g, &r, next_id);
            sa = TM_FN(cancel)(m, id, ev_a, cap, &na);
            sb = ref_match_cancel(&r, id, ev_b, cap, &nb);
        } else {
            uint64_t id = TM_SELF(tm_pick_id)(&g, &r, next_id);
            uint64_t q = tbt_below(&g, 50) == 0 ? 0 : 1 + tbt_below(&g, 40) % qmax;
            if (qmax == (uint64_t)TMQMAX && tbt_below(&g, 10) == 0) q = (uint64_t)TMQMAX - tbt_below(&g, 2);
            sa = TM_FN(modify)(m, id, q, ev_a, cap, &na);
            sb = ref_match_modify(&r, id, q, ev_b, cap, &nb);
        }
        ok &= CHECK_MSG(sa == sb, "seed %llx op %llu: status %d vs reference %d", (unsigned long long)pp->seed,
                        (unsigned long long)op, sa, sb);
        ok &= CHECK_MSG(na == nb && (na == 0 || memcmp(ev_a, ev_b, na * sizeof ev_a[0]) == 0) &&
                            memcmp(&ra, &rb, sizeof ra) == 0,
                        "seed %llx op %llu: events differ (%zu vs %zu)", (unsigned long long)pp->seed,
                        (unsigned long long)op, na, nb);
        if (!ok && na && nb && tbt_verbose) {
            size_t i;
            for (i = 0; i < (na > nb ? na : nb); i++) {
                const tb_match_event *x = i < na ? &ev_a[i] : &ev_b[0], *y = i < nb ? &ev_b[i] : &ev_a[0];
                fprintf(stderr, "  ev %zu: kind %d/%d reason %d/%d maker %llu/%llu qty %llu/%llu level %llu/%llu\n", i,
                        x->kind, y->kind, x->reason, y->reason, (unsigned long long)x->maker_id,
                        (unsigned long long)y->maker_id, (unsigned long long)x->qty, (unsigned long long)y->qty,
                        (unsigned long long)x->level_qty, (unsigned long long)y->level_qty);
            }
        }
        if ((op & 63) == 63) ok &= CHECK_EQ(TM_FN(verify_invariants)(m), TB_OK);
        if ((op & 511) == 511) ok &= TM_SELF(tm_same_state)(m, &r, "periodic", op);
        if ((op & 1023) == 700) ok &= TM_SELF(tm_reload)(&m, max_orders, max_cap);
        *pp->orders += 1;
    }
    if (ok) ok &= CHECK_EQ(TM_FN(verify_invariants)(m), TB_OK) && TM_SELF(tm_same_state)(m, &r, "end", op);
    CHECK_EQ(TM_FN(destroy)(m), TB_OK);
    ref_match_free(&r);
    return ok;
}

/* One submit on the engine and on the reference, compared byte for byte (status,
 * events into ev / cap <= TM_EVMAX, result), then the engine's invariants and the
 * whole state. */
#ifndef TM_EVMAX
#define TM_EVMAX 256
#endif
static void TM_SELF(tm_both_submit)(TM_M *m, ref_match *r, tb_match_order o, tb_match_event *ev, size_t cap,
                                    const char *what) {
    static tb_match_event eb[TM_EVMAX];
    size_t na = 0, nb = 0;
    tb_submit_result ra, rb;
    int sa, sb;
    if (!CHECK_MSG(cap <= TM_EVMAX, "%s: cap %zu", what, cap)) return;
    memset(&ra, 0, sizeof ra);
    memset(&rb, 0, sizeof rb);
    sa = TM_FN(submit)(m, &o, ev, cap, &na, &ra);
    sb = ref_match_submit(r, &o, eb, cap, &nb, &rb);
    CHECK_MSG(sa == sb, "%s: status %d vs reference %d", what, sa, sb);
    CHECK_MSG(na == nb && (na == 0 || memcmp(ev, eb, na * sizeof ev[0]) == 0) && memcmp(&ra, &rb, sizeof ra) == 0,
              "%s: events differ (%zu vs %zu)", what, na, nb);
    CHECK_EQ(TM_FN(verify_invariants)(m), TB_OK);
    TM_SELF(tm_same_state)(m, r, what, 0);
}

/* Whether a plain limit order reaches the opposite best (submit_passive's and
 * submit_ioc's test: one unsigned compare, no branch on the side): at the maker's
 * price it takes, one tick short it does not (GTC rests, IOC is cancelled), for both
 * sides, in the window, at the ends of the price domain (the spill), across zero
 * (a maker at 0 / -1 and the taker a tick short on the other sign) and from one end
 * of the domain to the other (never, or always, reaching), against the reference.
 * A swapped side, a strict compare, a compare without the sign flip or a sign bit
 * lost in this variant's width fails here. */
static void TM_SELF(tm_reach_edges)(void) {
    static tb_match_event ev[8];
    const int64_t lo = TMPMIN, hi = TMPMAX;
    /* [k][maker side]: the ask maker's price, the bid maker's */
    const int64_t makers[4][2] = {{100, 100}, {hi, lo}, {lo + 1, hi - 1}, {0, -1}};
    int k, side, tif, d;
    uint64_t id = 1;
    for (k = 0; k < 4; k++)
        for (side = 0; side <= 1; side++)
            for (tif = TB_GTC; tif <= TB_IOC; tif++)
                for (d = 3; d >= 0; d--) { /* both ends of the domain, one tick short, at the price */
                    TM_M *m = NULL;
                    ref_match r;
                    const int64_t p = makers[k][1 - side];
                    /* 3: a bid at the top, an ask at the bottom (always reaches); 2: the other
                     * way round (reaches only a maker there); 1: a bid a tick below the ask, an
                     * ask a tick above the bid */
                    const int64_t px = d == 3   ? (side == TB_BID ? hi : lo)
                                       : d == 2 ? (side == TB_BID ? lo : hi)
                                                : (side == TB_BID ? p - d : p + d);
                    const int takes = d == 3 || d == 0 || (d == 2 && px == p);
                    CHECK_EQ(TM_FN(create)(&m, 100, 16, 64, TB_STP_NONE), TB_OK);
                    if (ref_match_init(&r, TB_STP_NONE, lo, hi, TMQMAX, 16, 64)) abort();
                    TM_SELF(tm_both_submit)(m, &r, order(id++, 1 - side, p, 5, TB_GTC, 0, 0), ev, 8, "reach: maker");
                    TM_SELF(tm_both_submit)(m, &r, order(id++, side, px, 3, tif, 0, 0), ev, 8, "reach: taker");
                    CHECK_MSG(TM_FN(orders)(m) == (takes || tif == TB_IOC ? 1u : 2u),
                              "reach k %d side %d tif %d d %d: %zu orders", k, side, tif, d, TM_FN(orders)(m));
                    CHECK_EQ(TM_FN(destroy)(m), TB_OK);
                    ref_match_free(&r);
                }
}

#undef TM_M
#undef TM_L3
#undef TM_B
#undef TM_FN
#undef TM_L3FN
#undef TM_BFN
#undef TM_SELF
#undef TMV
#undef TMP
#undef TMQ
#undef TMPMIN
#undef TMPMAX
#undef TMQMAX
#undef TM_FAM_NAME
