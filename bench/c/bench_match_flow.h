/* bench_match_flow.h — the matching benchmark's load generator: a seeded,
 * realistic order flow for one instrument, generated up front into an array
 * of operations so the timed loops only read it.
 *
 * The mix (percent of operations once the book holds `target` orders):
 *   48  passive GTC limit orders near the touch: 0-2 ticks behind it half of
 *       the time, 3-9 ticks a third, 10-49 ticks the rest; qty 1-100
 *   35  cancels of a random resting order
 *    5  quantity modifies of a random resting order (70 % down, 30 % up)
 *    7  marketable GTC limit orders: 0-3 ticks through the touch, qty 1-300
 *       (take one or a few orders, the rest rests)
 *    4  IOC limit orders, priced like the marketable ones
 *    1  market orders (IOC), qty 1-300
 * The mid moves by one tick with probability 2 % per operation. While the
 * book holds more than 110 % of `target`, passive orders become cancels;
 * below 90 %, cancels become passive orders: the book size stays near the
 * target. Owners are drawn from 1..1000, so self-trades (STP) are rare but
 * happen. Prefill operations (passive only) build the book first.
 *
 * The generator runs the reference engine (ref_match.h) as it goes, so every
 * cancel and modify names a resting order and every price is relative to
 * the real touch: replayed from the same start, both engines see a valid
 * flow. */
#ifndef BENCH_MATCH_FLOW_H
#define BENCH_MATCH_FLOW_H

#include <stdlib.h>

#include "bench_rng.h"
#include "ref_match.h"

enum { FLOW_SUBMIT = 0, FLOW_CANCEL = 1, FLOW_MODIFY = 2 };

/* operation classes: one latency histogram each */
enum {
    FLOW_PASSIVE = 0,
    FLOW_MARKETABLE = 1,
    FLOW_IOC = 2,
    FLOW_MARKET = 3,
    FLOW_CANCEL_OP = 4,
    FLOW_MODIFY_OP = 5,
    FLOW_CLASSES = 6
};

static const char *const flow_class_name[FLOW_CLASSES] = {"passive", "marketable", "ioc", "market", "cancel",
                                                          "modify"};

typedef struct flow_op {
    tb_match_order o; /* submit: the order; cancel: o.id; modify: o.id, o.qty */
    uint8_t kind;     /* FLOW_SUBMIT / _CANCEL / _MODIFY */
    uint8_t cls;      /* FLOW_PASSIVE ... */
    uint8_t pad[6];
} flow_op;

typedef struct flow {
    flow_op *ops;
    size_t n, n_prefill;
    uint64_t per_class[FLOW_CLASSES];
    size_t max_events; /* largest event count of one operation */
} flow;

typedef struct flow_live { /* resting ids, O(1) random pick and removal */
    uint64_t *ids;
    uint32_t *pos; /* by id (ids are 1..n) */
    size_t n;
} flow_live;

static inline void flow__live_add(flow_live *l, uint64_t id) {
    l->pos[id] = (uint32_t)l->n;
    l->ids[l->n++] = id;
}

static inline void flow__live_del(flow_live *l, uint64_t id) {
    uint32_t p = l->pos[id];
    uint64_t last = l->ids[--l->n];
    l->ids[p] = last;
    l->pos[last] = p;
}

static inline void flow__track(flow_live *l, const tb_match_event *ev, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const tb_match_event *e = &ev[i];
        if (e->kind == TB_EV_REST) flow__live_add(l, e->taker_id);
        else if ((e->kind == TB_EV_FILL && e->maker_remaining == 0) || (e->kind == TB_EV_CANCEL && e->maker_id))
            flow__live_del(l, e->maker_id);
    }
}

static inline uint32_t flow__offset(bench_rng *r) {
    uint32_t p = bench_rng_pct(r);
    if (p < 50) return bench_rng_below(r, 3);
    if (p < 83) return 3 + bench_rng_below(r, 7);
    return 10 + bench_rng_below(r, 40);
}

/* n_prefill passive orders, then n_ops operations of the mix. px_mid: the
 * starting mid; the engine is created with stp (the benchmark: cancel-newest).
 * Returns 0, or -1 when out of memory. */
static inline int flow_generate(flow *f, size_t n_prefill, size_t n_ops, size_t target, uint64_t seed,
                                int64_t px_mid, int stp) {
    size_t n = n_prefill + n_ops;
    memset(f, 0, sizeof *f);
    f->ops = (flow_op *)calloc(n, sizeof *f->ops);
    flow_live live;
    live.ids = (uint64_t *)malloc((n + 1) * sizeof *live.ids);
    live.pos = (uint32_t *)malloc((n + 2) * sizeof *live.pos);
    live.n = 0;
    size_t ev_cap = n + 8;
    tb_match_event *ev = (tb_match_event *)malloc(ev_cap * sizeof *ev);
    ref_match r;
    if (!f->ops || !live.ids || !live.pos || !ev || ref_match_init(&r, stp, -(INT64_C(1) << 40),
                                                                   INT64_C(1) << 40, UINT64_MAX, n + 1, 4096)) {
        free(f->ops);
        free(live.ids);
        free(live.pos);
        free(ev);
        return -1;
    }
    bench_rng rng;
    bench_rng_seed(&rng, seed);
    int64_t mid = px_mid;
    uint64_t next_id = 1;
    for (size_t i = 0; i < n; i++) {
        flow_op *op = &f->ops[i];
        int prefill = i < n_prefill;
        uint32_t p = prefill ? 0 : bench_rng_pct(&rng);
        int cls = p < 48 ? FLOW_PASSIVE
                  : p < 83 ? FLOW_CANCEL_OP
                  : p < 88 ? FLOW_MODIFY_OP
                  : p < 95 ? FLOW_MARKETABLE
                  : p < 99 ? FLOW_IOC
                           : FLOW_MARKET;
        if (!prefill && cls == FLOW_PASSIVE && live.n > target + target / 10) cls = FLOW_CANCEL_OP;
        if ((cls == FLOW_CANCEL_OP || cls == FLOW_MODIFY_OP) && (live.n == 0 || live.n < target - target / 10))
            cls = FLOW_PASSIVE;
        if (!prefill && bench_rng_pct(&rng) < 2) mid += bench_rng_below(&rng, 2) ? 1 : -1;
        size_t n_ev = 0;
        tb_submit_result res;
        int st;
        if (cls == FLOW_CANCEL_OP || cls == FLOW_MODIFY_OP) {
            uint64_t id = live.ids[bench_rng_below(&rng, (uint32_t)live.n)];
            op->o.id = id;
            if (cls == FLOW_CANCEL_OP) {
                op->kind = FLOW_CANCEL;
                st = ref_match_cancel(&r, id, ev, ev_cap, &n_ev);
            } else {
                uint64_t q = ref_match_find(&r, id)->qty;
                op->kind = FLOW_MODIFY;
                op->o.qty = bench_rng_pct(&rng) < 70 ? (q > 1 ? q - 1 - bench_rng_below(&rng, (uint32_t)(q - 1)) : 1)
                                                      : q + 1 + bench_rng_below(&rng, 50);
                st = ref_match_modify(&r, id, op->o.qty, ev, ev_cap, &n_ev);
            }
        } else {
            int side = (int)bench_rng_below(&rng, 2);
            const ref_mlevel *opp = ref_match_best(&r, 1 - side);
            if (cls != FLOW_PASSIVE && !opp) cls = FLOW_PASSIVE;
            tb_match_order *o = &op->o;
            o->id = next_id++;
            o->side = (uint8_t)side;
            o->owner = 1 + bench_rng_below(&rng, 1000);
            o->tif = TB_GTC;
            if (cls == FLOW_PASSIVE) {
                int64_t off = (int64_t)flow__offset(&rng);
                if (side == TB_BID) o->px = (opp ? (opp->px - 1 < mid ? opp->px - 1 : mid) : mid) - off;
                else o->px = (opp ? (opp->px + 1 > mid + 1 ? opp->px + 1 : mid + 1) : mid + 1) + off;
                o->qty = 1 + bench_rng_below(&rng, 100);
            } else {
                int64_t through = (int64_t)bench_rng_below(&rng, 4);
                o->px = side == TB_BID ? opp->px + through : opp->px - through;
                o->qty = 1 + bench_rng_below(&rng, 300);
                if (cls == FLOW_IOC) o->tif = TB_IOC;
                if (cls == FLOW_MARKET) {
                    o->tif = TB_IOC;
                    o->flags = TB_ORDER_MARKET;
                    o->px = 0;
                }
            }
            op->kind = FLOW_SUBMIT;
            st = ref_match_submit(&r, o, ev, ev_cap, &n_ev, &res);
        }
        if (st != TB_OK) { /* cannot happen: the flow is built from the engine's own state */
            fprintf(stderr, "flow_generate: op %zu refused with %d\n", i, st);
            abort();
        }
        op->cls = (uint8_t)cls;
        if (!prefill) f->per_class[cls]++;
        if (n_ev > f->max_events) f->max_events = n_ev;
        flow__track(&live, ev, n_ev);
    }
    f->n = n;
    f->n_prefill = n_prefill;
    ref_match_free(&r);
    free(live.ids);
    free(live.pos);
    free(ev);
    return 0;
}

static inline void flow_free(flow *f) {
    free(f->ops);
    memset(f, 0, sizeof *f);
}

#endif /* BENCH_MATCH_FLOW_H */
