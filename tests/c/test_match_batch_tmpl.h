/* test_match_batch_tmpl.h — apply_ops of one matching-engine variant against
 * the same operations as single calls on a twin engine. Define before
 * including:
 *   TBV   the variant suffix (i64_n1024)   TBP  its price type
 *   TBPMIN / TBPMAX  its valid prices       TBQMAX  its qty max
 * Defines tb_batch_suite_<TBV>(seed, ops, *done). The runner of the single
 * calls (tb_batch_singles_<TBV>) is the specification: op i is the call of
 * its kind with the buffer left, a refused op's status is kept and the batch
 * goes on, an op whose events do not fit stops it. */

#define TBB__CAT2(a, b) a##b
#define TBB__CAT(a, b) TBB__CAT2(a, b)
#define TBB_M TBB__CAT(tb_match_, TBV)
#define TBB_FN(f) TBB__CAT(TBB__CAT(TBB_M, _), f)
#define TBB_SELF(f) TBB__CAT(TBB__CAT(f, _), TBV)

/* ops[0..n) as single calls: the same outputs as apply_ops. */
static int TBB_SELF(tb_batch_singles)(TBB_M *m, const tb_match_op *ops, size_t n, tb_match_event *ev, size_t cap,
                                      size_t *n_out, tb_submit_result *results, int8_t *statuses, size_t *n_done) {
    size_t i, used = 0;
    int ret = TB_OK;
    for (i = 0; i < n; i++) {
        const tb_match_op *op = &ops[i];
        tb_submit_result r;
        size_t k = 0;
        int st;
        memset(&r, 0, sizeof r);
        switch (op->kind) {
        case TB_OP_SUBMIT: st = TBB_FN(submit)(m, &op->order, ev + used, cap - used, &k, &r); break;
        case TB_OP_CANCEL:
            st = TBB_FN(cancel)(m, op->order.id, ev + used, cap - used, &k);
            r.n_events = (uint32_t)k;
            r.status = TB_SUBMIT_CANCELLED;
            break;
        case TB_OP_MODIFY:
            st = TBB_FN(modify)(m, op->order.id, op->order.qty, ev + used, cap - used, &k);
            r.n_events = (uint32_t)k;
            r.resting = op->order.qty;
            r.status = TB_SUBMIT_RESTED;
            break;
        default: st = TB_ERR_BADARG; break;
        }
        if (st == TB_ERR_EVENTS) {
            ret = st;
            break;
        }
        if (st != TB_OK) {
            k = 0;
            memset(&r, 0, sizeof r);
        }
        used += k;
        results[i] = r;
        statuses[i] = (int8_t)st;
    }
    *n_out = used;
    *n_done = i;
    return ret;
}

/* Dumps of a and b byte-identical (the whole state: queues, owners, seq, counters). */
static int TBB_SELF(tb_batch_same_dump)(TBB_M *a, TBB_M *b) {
    size_t la = 0, lb = 0;
    unsigned char *da, *db;
    int ok;
    if (!CHECK_EQ(TBB_FN(dump_size)(a, &la), TB_OK) || !CHECK_EQ(TBB_FN(dump_size)(b, &lb), TB_OK)) return 0;
    if (!CHECK_EQ_U(la, lb)) return 0;
    da = (unsigned char *)malloc(la);
    db = (unsigned char *)malloc(lb);
    if (!da || !db) abort();
    ok = CHECK_EQ(TBB_FN(dump)(a, da, la, &la), TB_OK) && CHECK_EQ(TBB_FN(dump)(b, db, lb, &lb), TB_OK) &&
         CHECK(memcmp(da, db, la) == 0);
    free(da);
    free(db);
    return ok;
}

/* One random op: mostly valid, some refused (unknown ids, duplicates, bad
 * fields, a bad kind), every tif and flag, prices around mid. */
static tb_match_op TBB_SELF(tb_batch_op)(tbt_rng *g, uint64_t *next_id, int64_t mid, uint32_t spread, uint64_t qmax,
                                         uint32_t owners) {
    tb_match_op op;
    const uint32_t what = tbt_below(g, 100);
    /* a recent id: resting, filled, cancelled or never seen */
    const uint64_t recent = *next_id > 1 ? *next_id - 1 - tbt_below(g, (uint32_t)(*next_id - 1 < 300 ? *next_id - 1 : 300)) : 1;
    memset(&op, 0, sizeof op);
    if (what < 60) {
        uint32_t f = tbt_below(g, 100);
        op.kind = TB_OP_SUBMIT;
        op.order.id = tbt_below(g, 100) < 96 ? (*next_id)++ : tbt_below(g, 30) == 0 ? 0 : recent;
        op.order.side = (uint8_t)(tbt_below(g, 300) == 0 ? 2 : tbt_below(g, 2));
        op.order.px = mid + (int64_t)tbt_below(g, 2 * spread + 1) - (int64_t)spread;
        if (tbt_below(g, 300) == 0) op.order.px = tbt_below(g, 2) ? (int64_t)TBPMAX + 1 : (int64_t)TBPMIN - 1;
        op.order.qty = 1 + (tbt_below(g, 4) == 0 ? tbt_below(g, 1000) : tbt_below(g, 20)) % qmax;
        if (tbt_below(g, 300) == 0) op.order.qty = 0;
        op.order.tif = (uint8_t)(f < 65 ? TB_GTC : f < 82 ? TB_IOC : f < 98 ? TB_FOK : 3);
        f = tbt_below(g, 100);
        op.order.flags = (uint8_t)(f < 82   ? 0u
                                   : f < 88 ? (uint32_t)TB_ORDER_POST_ONLY
                                   : f < 94 ? (uint32_t)TB_ORDER_MARKET
                                   : f < 99 ? (uint32_t)(TB_ORDER_MARKET | TB_ORDER_PROTECT)
                                            : tbt_below(g, 256));
        op.order.owner = owners ? tbt_below(g, owners + 1) : 0;
    } else if (what < 85) {
        op.kind = TB_OP_CANCEL;
        op.order.id = tbt_below(g, 50) == 0 ? tbt_next(g) : recent;
    } else if (what < 99) {
        op.kind = TB_OP_MODIFY;
        op.order.id = recent;
        op.order.qty = tbt_below(g, 40) == 0 ? 0 : 1 + tbt_below(g, 40) % qmax;
        if (tbt_below(g, 40) == 0) op.order.qty = (uint64_t)TBQMAX - tbt_below(g, 2);
    } else {
        op.kind = (uint8_t)(tbt_below(g, 2) ? 'X' : 0); /* not an op kind */
        op.order.id = recent;
    }
    return op;
}

/* One seeded suite: random engine shape (max_orders small enough to fill,
 * sometimes reserved and growing), random STP mode, batches of 1..300 ops
 * into buffers of random room (sometimes too small: the batch stops and is
 * resumed from n_done, as a caller drains); outputs compared call by call,
 * dumps and invariants along the way. *done += ops compared. */
static int TBB_SELF(tb_batch_suite)(uint64_t seed, uint64_t n_ops, uint64_t *done) {
    static tb_match_op ops[300];
    static tb_match_event ev_a[8192], ev_b[8192];
    static tb_submit_result res_a[300], res_b[300];
    static int8_t st_a[300], st_b[300];
    tbt_rng g;
    TBB_M *a = NULL, *b = NULL;
    uint64_t next_id = 1, op_count = 0, batches = 0;
    int ok = 1;
    tbt_seed(&g, seed);
    {
        const int stp = (int)tbt_below(&g, 4);
        const uint32_t max_orders = tbt_below(&g, 3) == 0 ? 16 + tbt_below(&g, 48) : 1u << 12;
        const uint32_t max_cap = tbt_below(&g, 4) == 0 ? 16u : 1024u;
        const int reserved = tbt_below(&g, 3) == 0;
        const uint32_t spread = 2 + tbt_below(&g, 40);
        const int64_t mid = tbt_below(&g, 6) == 0 ? (int64_t)TBPMAX - spread : 50000 + (int64_t)tbt_below(&g, 1000);
        const uint64_t qmax = tbt_below(&g, 5) == 0 ? 3 : 200;
        const uint32_t owners = tbt_below(&g, 5);
        if (!CHECK_EQ(TBB_FN(create)(&a, (TBP)mid, max_orders, max_cap, stp), TB_OK)) return 0;
        if (reserved) ok &= CHECK_EQ(TBB_FN(create_reserved)(&b, (TBP)mid, max_orders, 1, max_cap, stp), TB_OK);
        else ok &= CHECK_EQ(TBB_FN(create)(&b, (TBP)mid, max_orders, max_cap, stp), TB_OK);
        while (ok && op_count < n_ops) {
            const size_t n = 1 + tbt_below(&g, tbt_below(&g, 4) == 0 ? 8 : 300);
            /* room: mostly plenty, sometimes a few events only */
            const size_t cap = tbt_below(&g, 5) == 0 ? tbt_below(&g, 40) : 8192;
            size_t i, from = 0;
            for (i = 0; i < n; i++) ops[i] = TBB_SELF(tb_batch_op)(&g, &next_id, mid, spread, qmax, owners);
            while (ok && from < n) {
                size_t na = 0, nb = 0, da = 0, db = 0;
                const int ra = TBB_SELF(tb_batch_singles)(a, ops + from, n - from, ev_a, cap, &na, res_a, st_a, &da);
                const int rb = TBB_FN(apply_ops)(b, ops + from, n - from, ev_b, cap, &nb, res_b, st_b, &db);
                ok &= CHECK_MSG(ra == rb && da == db && na == nb,
                                "seed %llx batch %llu: status %d/%d, done %zu/%zu, events %zu/%zu",
                                (unsigned long long)seed, (unsigned long long)batches, rb, ra, db, da, nb, na);
                ok &= CHECK_MSG(!ok || ((na == 0 || memcmp(ev_a, ev_b, na * sizeof ev_a[0]) == 0) &&
                                        (da == 0 || memcmp(res_a, res_b, da * sizeof res_a[0]) == 0) &&
                                        (da == 0 || memcmp(st_a, st_b, da) == 0)),
                                "seed %llx batch %llu: events, results or statuses differ", (unsigned long long)seed,
                                (unsigned long long)batches);
                if (!ok) break;
                if (da == 0) { /* the next op's events do not fit this buffer: a caller gives it the whole one */
                    ok &= CHECK_EQ(rb, TB_ERR_EVENTS);
                    nb = db = 0;
                    {
                        const int ra2 = TBB_SELF(tb_batch_singles)(a, ops + from, 1, ev_a, 8192, &na, res_a, st_a, &da);
                        const int rb2 = TBB_FN(apply_ops)(b, ops + from, 1, ev_b, 8192, &nb, res_b, st_b, &db);
                        ok &= CHECK_EQ(ra2, TB_OK) && CHECK_EQ(rb2, TB_OK) && CHECK_EQ_U(da, 1) && CHECK_EQ_U(db, 1) &&
                              CHECK_EQ_U(na, nb) && CHECK(memcmp(ev_a, ev_b, na * sizeof ev_a[0]) == 0);
                    }
                }
                from += db;
                op_count += db;
                *done += db;
            }
            batches++;
            if ((batches & 15) == 15) {
                ok &= CHECK_EQ(TBB_FN(verify_invariants)(b), TB_OK);
                ok &= TBB_SELF(tb_batch_same_dump)(a, b);
            }
        }
        if (ok) ok &= CHECK_EQ(TBB_FN(verify_invariants)(b), TB_OK) && TBB_SELF(tb_batch_same_dump)(a, b);
    }
    CHECK_EQ(TBB_FN(destroy)(a), TB_OK);
    CHECK_EQ(TBB_FN(destroy)(b), TB_OK);
    return ok;
}

#undef TBB_M
#undef TBB_FN
#undef TBB_SELF
#undef TBV
#undef TBP
#undef TBPMIN
#undef TBPMAX
#undef TBQMAX
