/* ref_l3.h — an independent, deliberately naive reference model of an L3
 * (order-level) book, written from CONTRACT.md section 5 and the L3 section of
 * tapebook.h, sharing no code with csrc/. Any price width: prices int64_t,
 * quantities uint64_t; the model is told the type's limits.
 *
 * Representation: ONE unsorted array of resting orders, each with a priority
 * number (a counter at the time it joined the back of its queue). A level is
 * the set of orders with the same (side, px); its queue is those orders
 * sorted by priority; its quantity is their sum. Everything is a linear scan:
 * slow, simple, obviously right.
 *
 * Statuses restated from the contract (the C codes): the checks run in the
 * documented order (side, price, quantity, ids, capacity, level total). */
#ifndef REF_L3_H
#define REF_L3_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RL3_OK 0
#define RL3_ERR_SIDE (-17)
#define RL3_ERR_PRICE (-18)
#define RL3_ERR_BADARG (-25)
#define RL3_ERR_FULL (-27)
#define RL3_ERR_DUPLICATE (-30)
#define RL3_ERR_UNKNOWN (-31)
#define RL3_ERR_OVERFLOW (-32)

typedef struct rl3_order {
    uint64_t id;
    int64_t px;
    uint64_t qty;
    uint64_t prio;
    int side;
} rl3_order;

typedef struct rl3 {
    rl3_order *o;
    size_t n, max_orders;
    uint64_t next_prio;
    uint64_t qmax;        /* quantity type's max */
    int64_t pmin, pmax;   /* valid prices */
    size_t max_levels;    /* per side */
} rl3;

static inline int rl3_init(rl3 *r, size_t max_orders, uint64_t qmax, int64_t pmin, int64_t pmax, size_t max_levels) {
    memset(r, 0, sizeof *r);
    r->o = (rl3_order *)calloc(max_orders ? max_orders : 1, sizeof *r->o);
    r->max_orders = max_orders;
    r->qmax = qmax;
    r->pmin = pmin;
    r->pmax = pmax;
    r->max_levels = max_levels;
    return r->o != NULL;
}

static inline void rl3_free(rl3 *r) {
    free(r->o);
    r->o = NULL;
}

static inline long rl3_find(const rl3 *r, uint64_t id) {
    size_t i;
    for (i = 0; i < r->n; i++)
        if (r->o[i].id == id) return (long)i;
    return -1;
}

/* Orders and total at (side, px). */
static inline size_t rl3_level(const rl3 *r, int side, int64_t px, uint64_t *total) {
    size_t i, k = 0;
    uint64_t t = 0;
    for (i = 0; i < r->n; i++)
        if (r->o[i].side == side && r->o[i].px == px) {
            k++;
            t += r->o[i].qty;
        }
    if (total) *total = t;
    return k;
}

/* Distinct prices on a side. */
static inline size_t rl3_side_levels(const rl3 *r, int side) {
    size_t i, j, k = 0;
    for (i = 0; i < r->n; i++) {
        if (r->o[i].side != side) continue;
        for (j = 0; j < i; j++)
            if (r->o[j].side == side && r->o[j].px == r->o[i].px) break;
        if (j == i) k++;
    }
    return k;
}

static inline int rl3_price_ok(const rl3 *r, int64_t px) { return px >= r->pmin && px <= r->pmax; }

/* Can qty join (side, px)? excl: an order leaving that level in the same
 * operation (its qty not counted; -1 none); frees_level: the operation
 * empties one level of that side. */
static inline int rl3_check_level(const rl3 *r, int side, int64_t px, uint64_t qty, long excl, int frees_level) {
    uint64_t total = 0;
    if (rl3_level(r, side, px, &total) > 0) { /* the level exists: only its total can refuse */
        if (excl >= 0 && r->o[excl].side == side && r->o[excl].px == px) total -= r->o[excl].qty;
        return total > r->qmax - qty ? RL3_ERR_OVERFLOW : RL3_OK;
    }
    if (rl3_side_levels(r, side) + 1u - (frees_level ? 1u : 0u) > r->max_levels) return RL3_ERR_FULL;
    return RL3_OK;
}

static inline void rl3_drop(rl3 *r, long i) { r->o[i] = r->o[--r->n]; }

static inline int rl3_add(rl3 *r, uint64_t id, int side, int64_t px, uint64_t qty) {
    int st;
    if (side != 0 && side != 1) return RL3_ERR_SIDE;
    if (!rl3_price_ok(r, px)) return RL3_ERR_PRICE;
    if (qty == 0 || qty > r->qmax) return RL3_ERR_BADARG;
    if (rl3_find(r, id) >= 0) return RL3_ERR_DUPLICATE;
    if (r->n >= r->max_orders) return RL3_ERR_FULL;
    st = rl3_check_level(r, side, px, qty, -1, 0);
    if (st) return st;
    r->o[r->n].id = id;
    r->o[r->n].side = side;
    r->o[r->n].px = px;
    r->o[r->n].qty = qty;
    r->o[r->n].prio = r->next_prio++;
    r->n++;
    return RL3_OK;
}

static inline int rl3_cancel(rl3 *r, uint64_t id) {
    long i = rl3_find(r, id);
    if (i < 0) return RL3_ERR_UNKNOWN;
    rl3_drop(r, i);
    return RL3_OK;
}

/* reduce and execute: take qty off, keep priority, removed at 0 */
static inline int rl3_reduce(rl3 *r, uint64_t id, uint64_t qty) {
    long i = rl3_find(r, id);
    if (i < 0) return RL3_ERR_UNKNOWN;
    if (qty == 0 || qty > r->o[i].qty) return RL3_ERR_BADARG;
    r->o[i].qty -= qty;
    if (r->o[i].qty == 0) rl3_drop(r, i);
    return RL3_OK;
}

static inline int rl3_modify(rl3 *r, uint64_t id, uint64_t qty) {
    long i = rl3_find(r, id);
    uint64_t total = 0;
    if (i < 0) return RL3_ERR_UNKNOWN;
    if (qty == 0) return RL3_ERR_BADARG;
    if (qty <= r->o[i].qty) {
        r->o[i].qty = qty;
        return RL3_OK;
    }
    rl3_level(r, r->o[i].side, r->o[i].px, &total);
    if (total - r->o[i].qty > r->qmax - qty) return RL3_ERR_OVERFLOW;
    r->o[i].qty = qty;
    r->o[i].prio = r->next_prio++;
    return RL3_OK;
}

static inline int rl3_amend(rl3 *r, uint64_t id, int64_t px, uint64_t qty) {
    long i = rl3_find(r, id);
    int st;
    if (i < 0) return RL3_ERR_UNKNOWN;
    if (qty == 0) return RL3_ERR_BADARG;
    if (!rl3_price_ok(r, px)) return RL3_ERR_PRICE;
    if (r->o[i].px == px) return rl3_modify(r, id, qty);
    st = rl3_check_level(r, r->o[i].side, px, qty, -1, rl3_level(r, r->o[i].side, r->o[i].px, NULL) == 1);
    if (st) return st;
    r->o[i].px = px;
    r->o[i].qty = qty;
    r->o[i].prio = r->next_prio++;
    return RL3_OK;
}

static inline int rl3_replace(rl3 *r, uint64_t old_id, uint64_t new_id, int64_t px, uint64_t qty) {
    long i = rl3_find(r, old_id);
    int st;
    if (i < 0) return RL3_ERR_UNKNOWN;
    if (qty == 0) return RL3_ERR_BADARG;
    if (!rl3_price_ok(r, px)) return RL3_ERR_PRICE;
    if (new_id != old_id && rl3_find(r, new_id) >= 0) return RL3_ERR_DUPLICATE;
    st = rl3_check_level(r, r->o[i].side, px, qty, i, rl3_level(r, r->o[i].side, r->o[i].px, NULL) == 1);
    if (st) return st;
    r->o[i].id = new_id;
    r->o[i].px = px;
    r->o[i].qty = qty;
    r->o[i].prio = r->next_prio++;
    return RL3_OK;
}

static inline void rl3_clear(rl3 *r) { r->n = 0; }

/* The queue of (side, px): order indexes sorted by priority into idx[]
 * (room for r->n); returns how many. */
static inline size_t rl3_queue(const rl3 *r, int side, int64_t px, size_t *idx) {
    size_t i, k = 0, a, b;
    for (i = 0; i < r->n; i++)
        if (r->o[i].side == side && r->o[i].px == px) idx[k++] = i;
    for (a = 1; a < k; a++) /* insertion sort by priority */
        for (b = a; b > 0 && r->o[idx[b - 1]].prio > r->o[idx[b]].prio; b--) {
            size_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    return k;
}

/* Orders and quantity ahead of order i in its queue. */
static inline void rl3_ahead(const rl3 *r, long i, uint64_t *orders, uint64_t *qty) {
    size_t j;
    *orders = 0;
    *qty = 0;
    for (j = 0; j < r->n; j++)
        if (r->o[j].side == r->o[i].side && r->o[j].px == r->o[i].px && r->o[j].prio < r->o[i].prio) {
            (*orders)++;
            *qty += r->o[j].qty;
        }
}

/* All levels of a side best first into px[] / qty[] (room for r->n);
 * returns how many. */
static inline size_t rl3_levels(const rl3 *r, int side, int64_t *px, uint64_t *qty) {
    size_t i, j, k = 0, a, b;
    for (i = 0; i < r->n; i++) {
        if (r->o[i].side != side) continue;
        for (j = 0; j < k; j++)
            if (px[j] == r->o[i].px) break;
        if (j == k) {
            px[k] = r->o[i].px;
            qty[k++] = 0;
        }
        qty[j] += r->o[i].qty;
    }
    for (a = 1; a < k; a++)
        for (b = a; b > 0 && (side ? px[b - 1] < px[b] : px[b - 1] > px[b]); b--) {
            int64_t tp = px[b];
            uint64_t tq = qty[b];
            px[b] = px[b - 1];
            qty[b] = qty[b - 1];
            px[b - 1] = tp;
            qty[b - 1] = tq;
        }
    return k;
}

#endif /* REF_L3_H */
