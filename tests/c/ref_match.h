/* ref_match.h — a straightforward matching engine: the oracle of the
 * differential fuzz (tests/c/test_match.c) and the baseline of the matching
 * benchmark (bench/c/bench_match.c).
 *
 * The textbook design (Liquibook, the seeds' phase 1): per side a sorted
 * array of price levels ("the map": binary search, memmove on insert and
 * erase; best level at the end so taking it is a pop), each level a
 * doubly-linked FIFO of orders allocated one by one with malloc, and a
 * chained hash table id -> order. Semantics are those of tb_match.inc (see
 * the README section "Matching engine"), written again from scratch: the
 * same statuses, in the same order of checks, and the same events.
 *
 * Not part of the library: it allocates on every add, and it is written to
 * be read, not to be fast. Single header, C11 and C++17 clean. */
#ifndef REF_MATCH_H
#define REF_MATCH_H

#include <stdlib.h>
#include <string.h>

#include "tapebook/tb_match_types.h"

typedef struct ref_morder {
    uint64_t id;
    int64_t px;
    uint64_t qty;
    uint32_t owner;
    int side;
    struct ref_morder *prev, *next; /* FIFO of the level */
    struct ref_morder *hnext;       /* hash chain */
} ref_morder;

typedef struct ref_mlevel {
    int64_t px;
    uint64_t total;
    ref_morder *head, *tail;
} ref_mlevel;

typedef struct ref_mside {
    ref_mlevel *lv; /* bids ascending, asks descending: the best level is last */
    size_t n, cap;
} ref_mside;

typedef struct ref_match {
    ref_mside side[2]; /* [TB_ASK], [TB_BID] */
    ref_morder **bucket;
    size_t n_buckets, n_orders, max_orders, max_levels; /* max_levels: per side */
    int64_t px_min, px_max;
    uint64_t qty_max;
    uint64_t seq;
    int stp;
} ref_match;

static inline int ref_match_init(ref_match *r, int stp, int64_t px_min, int64_t px_max, uint64_t qty_max,
                                 size_t max_orders, size_t max_levels) {
    memset(r, 0, sizeof *r);
    r->stp = stp;
    r->px_min = px_min;
    r->px_max = px_max;
    r->qty_max = qty_max;
    r->max_orders = max_orders;
    r->max_levels = max_levels;
    r->n_buckets = 1024;
    r->bucket = (ref_morder **)calloc(r->n_buckets, sizeof *r->bucket);
    return r->bucket ? TB_OK : TB_ERR_NOMEM;
}

static inline void ref_match_free(ref_match *r) {
    for (size_t b = 0; b < r->n_buckets; b++) {
        ref_morder *o = r->bucket[b];
        while (o) {
            ref_morder *nx = o->hnext;
            free(o);
            o = nx;
        }
    }
    free(r->bucket);
    free(r->side[0].lv);
    free(r->side[1].lv);
    memset(r, 0, sizeof *r);
}

static inline size_t ref_match__hash(const ref_match *r, uint64_t id) {
    return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (r->n_buckets - 1);
}

static inline ref_morder *ref_match_find(const ref_match *r, uint64_t id) {
    ref_morder *o = r->bucket[ref_match__hash(r, id)];
    while (o && o->id != id) o = o->hnext;
    return o;
}

static inline void ref_match__grow_hash(ref_match *r) {
    size_t nb = r->n_buckets * 2;
    ref_morder **b = (ref_morder **)calloc(nb, sizeof *b);
    if (!b) return; /* keep the old table: only slower */
    size_t old = r->n_buckets;
    ref_morder **ob = r->bucket;
    r->bucket = b;
    r->n_buckets = nb;
    for (size_t i = 0; i < old; i++) {
        ref_morder *o = ob[i];
        while (o) {
            ref_morder *nx = o->hnext;
            size_t h = ref_match__hash(r, o->id);
            o->hnext = b[h];
            b[h] = o;
            o = nx;
        }
    }
    free(ob);
}

static inline void ref_match__unhash(ref_match *r, ref_morder *o) {
    ref_morder **p = &r->bucket[ref_match__hash(r, o->id)];
    while (*p != o) p = &(*p)->hnext;
    *p = o->hnext;
}

/* "better" in the side's array order: index of px, or where it would go. */
static inline size_t ref_match__lower(const ref_mside *s, int is_bid, int64_t px) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int before = is_bid ? (s->lv[mid].px < px) : (s->lv[mid].px > px);
        if (before) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static inline ref_mlevel *ref_match_level(const ref_match *r, int side, int64_t px) {
    const ref_mside *s = &r->side[side];
    size_t i = ref_match__lower(s, side == TB_BID, px);
    return (i < s->n && s->lv[i].px == px) ? &s->lv[i] : NULL;
}

static inline uint64_t ref_match_level_qty(const ref_match *r, int side, int64_t px) {
    const ref_mlevel *l = ref_match_level(r, side, px);
    return l ? l->total : 0;
}

/* Best level of a side or NULL. */
static inline ref_mlevel *ref_match_best(const ref_match *r, int side) {
    const ref_mside *s = &r->side[side];
    return s->n ? &s->lv[s->n - 1] : NULL;
}

static inline ref_mlevel *ref_match__level_get(ref_match *r, int side, int64_t px) {
    ref_mside *s = &r->side[side];
    size_t i = ref_match__lower(s, side == TB_BID, px);
    if (i < s->n && s->lv[i].px == px) return &s->lv[i];
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        ref_mlevel *nl = (ref_mlevel *)realloc(s->lv, nc * sizeof *nl);
        if (!nl) return NULL;
        s->lv = nl;
        s->cap = nc;
    }
    memmove(&s->lv[i + 1], &s->lv[i], (s->n - i) * sizeof *s->lv);
    s->n++;
    s->lv[i].px = px;
    s->lv[i].total = 0;
    s->lv[i].head = s->lv[i].tail = NULL;
    return &s->lv[i];
}

static inline void ref_match__level_drop_if_empty(ref_match *r, int side, int64_t px) {
    ref_mside *s = &r->side[side];
    size_t i = ref_match__lower(s, side == TB_BID, px);
    if (i < s->n && s->lv[i].px == px && s->lv[i].head == NULL) {
        memmove(&s->lv[i], &s->lv[i + 1], (s->n - i - 1) * sizeof *s->lv);
        s->n--;
    }
}

static inline void ref_match__unlink(ref_mlevel *l, ref_morder *o) {
    if (o->prev) o->prev->next = o->next;
    else l->head = o->next;
    if (o->next) o->next->prev = o->prev;
    else l->tail = o->prev;
    o->prev = o->next = NULL;
}

static inline void ref_match__append(ref_mlevel *l, ref_morder *o) {
    o->prev = l->tail;
    o->next = NULL;
    if (l->tail) l->tail->next = o;
    else l->head = o;
    l->tail = o;
}

/* Remove an order entirely (it must rest). */
static inline void ref_match__remove(ref_match *r, ref_morder *o) {
    ref_mlevel *l = ref_match_level(r, o->side, o->px);
    l->total -= o->qty;
    ref_match__unlink(l, o);
    ref_match__unhash(r, o);
    r->n_orders--;
    int side = o->side;
    int64_t px = o->px;
    free(o);
    ref_match__level_drop_if_empty(r, side, px);
}

static inline int ref_match__crosses(int taker_side, int limited, int64_t limit, int64_t maker_px) {
    if (!limited) return 1;
    return taker_side == TB_BID ? maker_px <= limit : maker_px >= limit;
}

static inline void ref_match__emit(ref_match *r, tb_match_event *out, size_t *n, uint8_t kind, uint8_t reason,
                                   int side, uint8_t flags, uint32_t owner, uint64_t taker, uint64_t maker,
                                   int64_t px, uint64_t qty, uint64_t taker_rem, uint64_t maker_rem,
                                   uint64_t level_qty) {
    tb_match_event *e = &out[(*n)++];
    memset(e, 0, sizeof *e);
    e->seq = ++r->seq;
    e->kind = kind;
    e->reason = reason;
    e->side = (uint8_t)side;
    e->flags = flags;
    e->owner = owner;
    e->taker_id = taker;
    e->maker_id = maker;
    e->px = px;
    e->qty = qty;
    e->taker_remaining = taker_rem;
    e->maker_remaining = maker_rem;
    e->level_qty = level_qty;
}

/* Walk the makers the taker would reach. mode 0: count the events a submit
 * writes (stp applied, stops when filled); mode 1: the FOK test (can the
 * whole qty fill?). */
static inline uint64_t ref_match__walk(const ref_match *r, const tb_match_order *o, int limited, int mode) {
    int opp = 1 - o->side;
    const ref_mside *s = &r->side[opp];
    uint64_t remaining = o->qty, events = 0;
    int stop = 0;
    for (size_t i = s->n; i-- > 0 && remaining && !stop;) {
        const ref_mlevel *l = &s->lv[i];
        if (!ref_match__crosses(o->side, limited, o->px, l->px)) break;
        for (const ref_morder *m = l->head; m && remaining; m = m->next) {
            if (o->owner != 0 && m->owner == o->owner && r->stp != TB_STP_NONE) {
                if (r->stp == TB_STP_CANCEL_OLDEST) {
                    events++;
                    continue;
                }
                events += (r->stp == TB_STP_CANCEL_BOTH) ? 2u : 1u;
                stop = 1;
                break;
            }
            remaining -= remaining < m->qty ? remaining : m->qty;
            events++;
        }
    }
    if (mode == 1) return remaining == 0;
    if (!stop && remaining) events++; /* rest or cancel */
    return events;
}

/* Submit one order. out/cap: the event buffer; *n_out: events written. */
static inline int ref_match_submit(ref_match *r, const tb_match_order *o, tb_match_event *out, size_t cap,
                                   size_t *n_out, tb_submit_result *res) {
    if (!r || !o || !n_out || !res || (!out && cap)) return TB_ERR_NULL;
    if (o->id == 0) return TB_ERR_BADARG;
    if (o->side > 1) return TB_ERR_SIDE;
    if (o->qty == 0 || o->qty > r->qty_max) return TB_ERR_BADARG;
    if (o->tif > TB_FOK) return TB_ERR_BADARG;
    if (o->flags & ~TB_ORDER_FLAGS_ALL) return TB_ERR_BADARG;
    int market = (o->flags & TB_ORDER_MARKET) != 0;
    if ((o->flags & TB_ORDER_POST_ONLY) && (market || o->tif != TB_GTC)) return TB_ERR_BADARG;
    if ((o->flags & TB_ORDER_PROTECT) && !market) return TB_ERR_BADARG;
    int limited = !market || (o->flags & TB_ORDER_PROTECT);
    if (limited && (o->px < r->px_min || o->px > r->px_max)) return TB_ERR_PRICE;
    if (ref_match_find(r, o->id)) return TB_ERR_DUPLICATE;
    int may_rest = !market && o->tif == TB_GTC;
    if (may_rest && r->n_orders >= r->max_orders) return TB_ERR_FULL;
    if (may_rest) {
        const ref_mlevel *own = ref_match_level(r, o->side, o->px);
        if (own && own->total > r->qty_max - o->qty) return TB_ERR_OVERFLOW;
        if (!own && r->side[o->side].n >= r->max_levels) return TB_ERR_FULL;
    }

    int opp = 1 - o->side;
    const ref_mlevel *best = ref_match_best(r, opp);
    int would_take = best && ref_match__crosses(o->side, limited, o->px, best->px);
    int64_t ev_px = limited ? o->px : 0;
    size_t n = 0;
    memset(res, 0, sizeof *res);
    if ((o->flags & TB_ORDER_POST_ONLY) && would_take) {
        if (cap < 1) return TB_ERR_EVENTS;
        ref_match__emit(r, out, &n, TB_EV_REJECT, TB_RS_POST_ONLY, o->side, 0, o->owner, o->id, 0, ev_px, o->qty,
                        0, 0, 0);
        res->status = TB_SUBMIT_REJECTED;
        res->n_events = 1;
        *n_out = n;
        return TB_OK;
    }
    if (o->tif == TB_FOK && !ref_match__walk(r, o, limited, 1)) {
        if (cap < 1) return TB_ERR_EVENTS;
        ref_match__emit(r, out, &n, TB_EV_CANCEL, TB_RS_FOK, o->side, 0, o->owner, o->id, 0, ev_px, o->qty, 0, 0,
                        0);
        res->status = TB_SUBMIT_CANCELLED;
        res->n_events = 1;
        *n_out = n;
        return TB_OK;
    }
    if (ref_match__walk(r, o, limited, 0) > cap) return TB_ERR_EVENTS;

    uint64_t remaining = o->qty, filled = 0;
    int stopped = 0;
    while (remaining && !stopped) {
        ref_mlevel *l = ref_match_best(r, opp);
        if (!l || !ref_match__crosses(o->side, limited, o->px, l->px)) break;
        ref_morder *m = l->head;
        int64_t lpx = l->px;
        if (o->owner != 0 && m->owner == o->owner && r->stp != TB_STP_NONE) {
            if (r->stp == TB_STP_CANCEL_OLDEST || r->stp == TB_STP_CANCEL_BOTH) {
                uint64_t mid = m->id, mq = m->qty;
                uint32_t mo = m->owner;
                ref_match__remove(r, m);
                ref_match__emit(r, out, &n, TB_EV_CANCEL, TB_RS_STP, opp, TB_EVF_L2, mo, o->id, mid, lpx, mq,
                                remaining, 0, ref_match_level_qty(r, opp, lpx));
            }
            if (r->stp != TB_STP_CANCEL_OLDEST) stopped = 1;
            continue;
        }
        uint64_t take = remaining < m->qty ? remaining : m->qty;
        remaining -= take;
        filled += take;
        m->qty -= take;
        l->total -= take;
        uint64_t mid = m->id, mrem = m->qty;
        uint32_t mo = m->owner;
        if (m->qty == 0) ref_match__remove(r, m);
        ref_match__emit(r, out, &n, TB_EV_FILL, TB_RS_NONE, opp, TB_EVF_L2, mo, o->id, mid, lpx, take, remaining,
                        mrem, ref_match_level_qty(r, opp, lpx));
    }
    uint64_t resting = 0;
    if (remaining) {
        if (!stopped && may_rest) {
            ref_mlevel *l = ref_match__level_get(r, o->side, o->px);
            ref_morder *nw = (ref_morder *)malloc(sizeof *nw);
            if (!l || !nw) { /* the baseline treats memory exhaustion as fatal */
                free(nw);
                abort();
            }
            memset(nw, 0, sizeof *nw);
            nw->id = o->id;
            nw->px = o->px;
            nw->qty = remaining;
            nw->owner = o->owner;
            nw->side = o->side;
            ref_match__append(l, nw);
            l->total += remaining;
            size_t h = ref_match__hash(r, o->id);
            nw->hnext = r->bucket[h];
            r->bucket[h] = nw;
            if (++r->n_orders > r->n_buckets) ref_match__grow_hash(r);
            resting = remaining;
            ref_match__emit(r, out, &n, TB_EV_REST, TB_RS_NONE, o->side, TB_EVF_L2, o->owner, o->id, 0, o->px,
                            remaining, remaining, 0, l->total);
        } else {
            uint8_t reason = stopped ? TB_RS_STP : (market ? TB_RS_MARKET : TB_RS_IOC);
            ref_match__emit(r, out, &n, TB_EV_CANCEL, reason, o->side, 0, o->owner, o->id, 0, ev_px, remaining, 0,
                            0, 0);
        }
    }
    res->filled = filled;
    res->resting = resting;
    res->n_events = (uint32_t)n;
    res->status = remaining == 0 ? TB_SUBMIT_FILLED
                  : filled       ? TB_SUBMIT_PARTIAL
                  : resting      ? TB_SUBMIT_RESTED
                                 : TB_SUBMIT_CANCELLED;
    *n_out = n;
    return TB_OK;
}

static inline int ref_match_cancel(ref_match *r, uint64_t id, tb_match_event *out, size_t cap, size_t *n_out) {
    if (!r || !n_out || (!out && cap)) return TB_ERR_NULL;
    ref_morder *o = ref_match_find(r, id);
    if (!o) return TB_ERR_UNKNOWN;
    if (cap < 1) return TB_ERR_EVENTS;
    int side = o->side;
    int64_t px = o->px;
    uint64_t qty = o->qty;
    uint32_t owner = o->owner;
    ref_match__remove(r, o);
    size_t n = 0;
    ref_match__emit(r, out, &n, TB_EV_CANCEL, TB_RS_USER, side, TB_EVF_L2, owner, 0, id, px, qty, 0, 0,
                    ref_match_level_qty(r, side, px));
    *n_out = n;
    return TB_OK;
}

/* qty down (or equal) keeps the order's place, up sends it to the back. */
static inline int ref_match_modify(ref_match *r, uint64_t id, uint64_t qty, tb_match_event *out, size_t cap,
                                   size_t *n_out) {
    if (!r || !n_out || (!out && cap)) return TB_ERR_NULL;
    ref_morder *o = ref_match_find(r, id);
    if (!o) return TB_ERR_UNKNOWN;
    if (qty == 0 || qty > r->qty_max) return TB_ERR_BADARG;
    ref_mlevel *l = ref_match_level(r, o->side, o->px);
    if (qty > o->qty && l->total - o->qty > r->qty_max - qty) return TB_ERR_OVERFLOW;
    if (cap < 1) return TB_ERR_EVENTS;
    if (qty > o->qty) {
        ref_match__unlink(l, o);
        ref_match__append(l, o);
    }
    l->total = l->total - o->qty + qty;
    o->qty = qty;
    size_t n = 0;
    ref_match__emit(r, out, &n, TB_EV_MODIFY, TB_RS_NONE, o->side, TB_EVF_L2, o->owner, 0, id, o->px, qty, 0, qty,
                    l->total);
    *n_out = n;
    return TB_OK;
}

#endif /* REF_MATCH_H */
