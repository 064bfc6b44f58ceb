/* ref_book.h — an independent, deliberately naive reference model of a
 * tapebook Book, written from docs/semantics.md section 2 and sharing no code (and
 * no constants) with csrc/. Any price width: prices are int64_t, quantities
 * uint64_t; the model is told the type's limits.
 *
 * Representation: per side, ONE sorted array (ascending price) of every level
 * the side holds, plus the side's window anchor A. A level is "on the tape"
 * when A <= px <= A + N - 1 and "in the spill" otherwise, so "a level is
 * either on the tape or in the spill, never both" holds by construction.
 *
 * Spill capacity is modelled too: `cap` follows 0 -> min(16, max_cap) ->
 * doubling -> max_cap, growing only when a new spill level finds the spill
 * full. When the spill is full and cannot grow, a new level evicts the worst
 * spill level, or is dropped when it is itself the worst. A recenter keeps
 * the best `cap` levels of (spill minus the levels entering the window) plus
 * the tape levels leaving it: "drain before you push", so a level inside the
 * new window is never lost.
 *
 * Growth can be limited per operation (cap_limit) to replay a pool that
 * refused a block: the caller tells the model the capacity the real book
 * ended up with, and the model then says exactly which levels survive.
 * `unbounded` turns capacity off entirely (the ground-truth "every level ever
 * set and not erased" model).
 *
 * O(levels) operations, O(log levels) lookups: slow, simple, obviously right. */
#ifndef REF_BOOK_H
#define REF_BOOK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The contract's integers, restated. */
#define REF_INSERT 1
#define REF_UPDATE 0
#define REF_ERASE (-1)
#define REF_SPILL (-2)
#define REF_ERR_SIDE (-17)
#define REF_ERR_PRICE (-18)
#define REF_ERR_ANCHOR (-19)
#define REF_ERR_BADARG (-25)

#define REF_BID 1
#define REF_ASK 0

typedef struct ref_level {
    int64_t px;
    uint64_t qty;
} ref_level;

typedef struct ref_side {
    ref_level *lv;   /* ascending by px, qty > 0, unique px */
    size_t n, alloc;
    int64_t anchor;
    uint32_t cap;    /* modelled spill capacity */
    uint64_t evicted, dropped, nomem; /* losses of set() pushes */
    uint64_t lost_recenter;           /* levels shed by recenters / promotes */
    uint64_t promotes;
} ref_side;

typedef struct ref_book {
    ref_side s[2]; /* [REF_ASK], [REF_BID] */
    int64_t n;     /* tape size N */
    int64_t tmin, tmax;           /* price type limits */
    int64_t pmin, pmax, amin, amax;
    uint32_t max_cap;
    int unbounded;                /* never lose a level */
    uint32_t cap_limit[2];        /* growth limit for the next operation */
} ref_book;

static inline int64_t ref_tmin_of(int bits) { return bits == 32 ? (int64_t)INT32_MIN : INT64_MIN; }
static inline int64_t ref_tmax_of(int bits) { return bits == 32 ? (int64_t)INT32_MAX : INT64_MAX; }

static inline void ref_init(ref_book *r, int64_t n, int bits, int64_t anchor, uint32_t max_cap) {
    int s;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->tmin = ref_tmin_of(bits);
    r->tmax = ref_tmax_of(bits);
    r->pmin = r->tmin + n;
    r->pmax = r->tmax - n;
    r->amin = r->tmin + n - 1;
    r->amax = r->tmax - n + 1;
    r->max_cap = max_cap;
    for (s = 0; s < 2; s++) {
        r->s[s].anchor = anchor;
        r->cap_limit[s] = max_cap;
    }
}

static inline void ref_free(ref_book *r) {
    free(r->s[0].lv);
    free(r->s[1].lv);
    memset(r, 0, sizeof *r);
}

/* Copy (deep). */
static inline void ref_copy(ref_book *dst, const ref_book *src) {
    int s;
    *dst = *src;
    for (s = 0; s < 2; s++) {
        dst->s[s].alloc = src->s[s].n ? src->s[s].n : 1;
        dst->s[s].lv = (ref_level *)malloc(dst->s[s].alloc * sizeof(ref_level));
        if (!dst->s[s].lv) abort();
        if (src->s[s].n) memcpy(dst->s[s].lv, src->s[s].lv, src->s[s].n * sizeof(ref_level));
    }
}

static inline int ref_price_ok(const ref_book *r, int64_t px) { return px >= r->pmin && px <= r->pmax; }
static inline int ref_anchor_ok(const ref_book *r, int64_t a) { return a >= r->amin && a <= r->amax; }
static inline int64_t ref_top(const ref_book *r, int side) { return r->s[side].anchor + (r->n - 1); }
static inline int ref_in_window(const ref_book *r, int side, int64_t px) {
    return px >= r->s[side].anchor && px <= ref_top(r, side);
}
/* x strictly better than y for this side. */
static inline int ref_better(int side, int64_t x, int64_t y) { return side == REF_BID ? x > y : x < y; }

/* First index with px >= key. */
static inline size_t ref_lb(const ref_side *s, int64_t key) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->lv[mid].px < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
/* First index with px > key. */
static inline size_t ref_ub(const ref_side *s, int64_t key) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->lv[mid].px <= key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Index of px or -1. */
static inline long ref_find(const ref_book *r, int side, int64_t px) {
    const ref_side *s = &r->s[side];
    size_t i = ref_lb(s, px);
    return i < s->n && s->lv[i].px == px ? (long)i : -1;
}

static inline void ref_insert_at(ref_side *s, size_t i, int64_t px, uint64_t qty) {
    if (s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 64;
        ref_level *p = (ref_level *)realloc(s->lv, na * sizeof(ref_level));
        if (!p) abort();
        s->lv = p;
        s->alloc = na;
    }
    memmove(s->lv + i + 1, s->lv + i, (s->n - i) * sizeof(ref_level));
    s->lv[i].px = px;
    s->lv[i].qty = qty;
    s->n++;
}

static inline void ref_remove_at(ref_side *s, size_t i) {
    memmove(s->lv + i, s->lv + i + 1, (s->n - i - 1) * sizeof(ref_level));
    s->n--;
}

/* Levels of a side inside its window: [*i0, *i1). */
static inline void ref_window_range(const ref_book *r, int side, size_t *i0, size_t *i1) {
    const ref_side *s = &r->s[side];
    *i0 = ref_lb(s, s->anchor);
    *i1 = ref_ub(s, ref_top(r, side));
}

static inline size_t ref_tape_count(const ref_book *r, int side) {
    size_t i0, i1;
    ref_window_range(r, side, &i0, &i1);
    return i1 - i0;
}
static inline size_t ref_spill_count(const ref_book *r, int side) {
    return r->s[side].n - ref_tape_count(r, side);
}
static inline size_t ref_count(const ref_book *r, int side) { return r->s[side].n; }

/* Best level on the tape only: 1 and its index, or 0. */
static inline int ref_tape_best(const ref_book *r, int side, size_t *idx) {
    size_t i0, i1;
    ref_window_range(r, side, &i0, &i1);
    if (i0 == i1) return 0;
    *idx = side == REF_BID ? i1 - 1 : i0;
    return 1;
}

/* Index of the worst spill level: 1, or 0 when the spill is empty. */
static inline int ref_spill_worst(const ref_book *r, int side, size_t *idx) {
    const ref_side *s = &r->s[side];
    size_t i0, i1;
    if (!s->n) return 0;
    ref_window_range(r, side, &i0, &i1);
    if (side == REF_BID) { /* lowest price outside the window */
        if (i0 > 0) *idx = 0;
        else if (i1 < s->n) *idx = i1;
        else return 0;
    } else { /* highest price outside the window */
        if (i1 < s->n) *idx = s->n - 1;
        else if (i0 > 0) *idx = i0 - 1;
        else return 0;
    }
    return 1;
}

static inline uint32_t ref_next_cap(const ref_book *r, uint32_t cap) {
    uint32_t c = cap ? cap * 2u : 16u;
    return c < r->max_cap ? c : r->max_cap;
}

/* Try to grow the side's modelled spill capacity by one step. */
static inline int ref_grow(ref_book *r, int side) {
    ref_side *s = &r->s[side];
    uint32_t nc;
    if (s->cap >= r->max_cap) return 0;
    nc = ref_next_cap(r, s->cap);
    if (nc > r->cap_limit[side]) return 0;
    s->cap = nc;
    return 1;
}

/* Store (px, qty > 0) outside the window, as the spill would. */
#define REF_PUSH_STORED 0
#define REF_PUSH_EVICTED 1
#define REF_PUSH_DROPPED 2
#define REF_PUSH_NOMEM 3
static inline int ref_spill_push(ref_book *r, int side, int64_t px, uint64_t qty) {
    ref_side *s = &r->s[side];
    size_t i = ref_lb(s, px), w = 0;
    if (i < s->n && s->lv[i].px == px) {
        s->lv[i].qty = qty;
        return REF_PUSH_STORED;
    }
    if (!r->unbounded && ref_spill_count(r, side) >= s->cap && !ref_grow(r, side)) {
        if (s->cap == 0) {
            s->nomem++;
            return REF_PUSH_NOMEM;
        }
        ref_spill_worst(r, side, &w);
        if (!ref_better(side, px, s->lv[w].px)) { /* the newcomer is the worst */
            if (s->cap == r->max_cap) {
                s->dropped++;
                return REF_PUSH_DROPPED;
            }
            s->nomem++;
            return REF_PUSH_NOMEM;
        }
        ref_remove_at(s, w);
        ref_insert_at(s, ref_lb(s, px), px, qty);
        s->evicted++;
        return REF_PUSH_EVICTED;
    }
    ref_insert_at(s, i, px, qty);
    return REF_PUSH_STORED;
}

/* Move a side's window: nothing moves in this representation; only the
 * spill's capacity has to be re-established, shedding the worst spill
 * levels (which are never inside the new window). */
static inline void ref_recenter(ref_book *r, int side, int64_t na) {
    ref_side *s = &r->s[side];
    size_t cnt, w = 0;
    if (na == s->anchor) return;
    s->anchor = na;
    if (r->unbounded) return;
    cnt = ref_spill_count(r, side);
    while (cnt > s->cap && ref_grow(r, side)) {
    }
    while (cnt > s->cap) {
        ref_spill_worst(r, side, &w);
        ref_remove_at(s, w);
        s->lost_recenter++;
        cnt--;
    }
}

static inline int64_t ref_anchor_for(const ref_book *r, int64_t px) {
    int64_t a = px - r->n / 2;
    return a < r->amin ? r->amin : a;
}

/* set(): a result code, or REF_ERR_SIDE / REF_ERR_PRICE (nothing changed). */
static inline int ref_set(ref_book *r, int side, int64_t px, uint64_t qty) {
    ref_side *s;
    long f;
    size_t tb;
    if (side != REF_BID && side != REF_ASK) return REF_ERR_SIDE;
    if (!ref_price_ok(r, px)) return REF_ERR_PRICE;
    s = &r->s[side];
    f = ref_find(r, side, px);
    if (ref_in_window(r, side, px)) {
        if (qty == 0) {
            if (f >= 0) ref_remove_at(s, (size_t)f);
            return REF_ERASE;
        }
        if (f >= 0) {
            s->lv[f].qty = qty;
            return REF_UPDATE;
        }
        ref_insert_at(s, ref_lb(s, px), px, qty);
        return REF_INSERT;
    }
    if (qty == 0) {
        if (f >= 0) ref_remove_at(s, (size_t)f);
        return REF_SPILL;
    }
    if (ref_tape_best(r, side, &tb) && !ref_better(side, px, s->lv[tb].px)) {
        ref_spill_push(r, side, px, qty);
        return REF_SPILL;
    }
    /* promote */
    ref_recenter(r, side, ref_anchor_for(r, px));
    s->promotes++;
    f = ref_find(r, side, px);
    if (f >= 0) {
        s->lv[f].qty = qty;
        return REF_UPDATE;
    }
    ref_insert_at(s, ref_lb(s, px), px, qty);
    return REF_INSERT;
}

/* Best of one side: 1 with px/qty, or 0 when empty. */
static inline int ref_best(const ref_book *r, int side, int64_t *px, uint64_t *qty) {
    const ref_side *s = &r->s[side];
    const ref_level *l;
    if (!s->n) return 0;
    l = side == REF_BID ? &s->lv[s->n - 1] : &s->lv[0];
    *px = l->px;
    *qty = l->qty;
    return 1;
}
static inline int64_t ref_best_px(const ref_book *r, int side) {
    int64_t px = 0;
    uint64_t q = 0;
    if (!ref_best(r, side, &px, &q)) return side == REF_BID ? r->tmin : r->tmax;
    return px;
}
static inline uint64_t ref_best_qty(const ref_book *r, int side) {
    int64_t px = 0;
    uint64_t q = 0;
    return ref_best(r, side, &px, &q) ? q : 0;
}
static inline int ref_crossed(const ref_book *r) {
    return r->s[0].n && r->s[1].n && ref_best_px(r, REF_BID) >= ref_best_px(r, REF_ASK);
}
static inline int ref_crossed_on_tape(const ref_book *r) {
    size_t b, a;
    if (!ref_tape_best(r, REF_BID, &b) || !ref_tape_best(r, REF_ASK, &a)) return 0;
    return r->s[REF_BID].lv[b].px >= r->s[REF_ASK].lv[a].px;
}

/* Up to k levels best-first into out; returns the number written. */
static inline size_t ref_levels(const ref_book *r, int side, ref_level *out, size_t k) {
    const ref_side *s = &r->s[side];
    size_t i, n = s->n < k ? s->n : k;
    for (i = 0; i < n; i++) out[i] = side == REF_BID ? s->lv[s->n - 1 - i] : s->lv[i];
    return n;
}

/* Quantity at px (0 when absent). */
static inline uint64_t ref_qty_at(const ref_book *r, int side, int64_t px) {
    long f = ref_find(r, side, px);
    return f >= 0 ? r->s[side].lv[f].qty : 0;
}

/* erase_better: bids >= px / asks <= px, tape and spill alike. */
static inline int ref_erase_better(ref_book *r, int side, int64_t px) {
    ref_side *s;
    if (side != REF_BID && side != REF_ASK) return REF_ERR_SIDE;
    if (px < r->tmin || px > r->tmax) return REF_ERR_PRICE; /* a threshold: any value of the type */
    s = &r->s[side];
    if (side == REF_BID) {
        s->n = ref_lb(s, px);
    } else {
        size_t k = ref_ub(s, px);
        if (k) memmove(s->lv, s->lv + k, (s->n - k) * sizeof(ref_level));
        s->n -= k;
    }
    return 0;
}

static inline int ref_reset(ref_book *r, int64_t anchor) {
    int s;
    if (!ref_anchor_ok(r, anchor)) return REF_ERR_ANCHOR;
    for (s = 0; s < 2; s++) {
        r->s[s].n = 0;
        r->s[s].anchor = anchor;
    }
    return 0;
}

static inline int ref_reset_at_mid(ref_book *r, int side, int64_t mid) {
    if (side != REF_BID && side != REF_ASK) return REF_ERR_SIDE;
    if (!ref_price_ok(r, mid)) return REF_ERR_PRICE;
    r->s[side].n = 0;
    r->s[side].anchor = ref_anchor_for(r, mid);
    return 0;
}

/* load_side: the side's snapshot px[0..n) (strictly best-first, qty > 0) is,
 * by definition, reset_at_mid(side, px[0]) followed by a set of every level
 * in order; n = 0 empties the side and keeps its anchor. A bad snapshot
 * changes nothing: REF_ERR_PRICE / REF_ERR_BADARG with *bad = the first bad
 * index (price checked first), else 0 with *bad = n. */
static inline int ref_load_check(const ref_book *r, int side, const int64_t *px, const uint64_t *qty, size_t n,
                                 size_t *bad) {
    size_t i;
    for (i = 0; i < n; i++) {
        *bad = i;
        if (!ref_price_ok(r, px[i])) return REF_ERR_PRICE;
        if (qty[i] == 0 || (i && !ref_better(side, px[i - 1], px[i]))) return REF_ERR_BADARG;
    }
    *bad = n;
    return 0;
}

static inline int ref_load_side(ref_book *r, int side, const int64_t *px, const uint64_t *qty, size_t n,
                                size_t *bad) {
    size_t i, b = 0;
    int st;
    if (side != REF_BID && side != REF_ASK) return REF_ERR_SIDE;
    st = ref_load_check(r, side, px, qty, n, &b);
    if (bad) *bad = b;
    if (st) return st;
    if (n == 0) {
        r->s[side].n = 0;
        return 0;
    }
    ref_reset_at_mid(r, side, px[0]);
    for (i = 0; i < n; i++) ref_set(r, side, px[i], qty[i]);
    return 0;
}

static inline int ref_recenter_checked(ref_book *r, int side, int64_t anchor) {
    if (side != REF_BID && side != REF_ASK) return REF_ERR_SIDE;
    if (!ref_anchor_ok(r, anchor)) return REF_ERR_ANCHOR;
    ref_recenter(r, side, anchor);
    return 0;
}

static inline void ref_clear(ref_book *r) {
    r->s[0].n = r->s[1].n = 0;
}
static inline void ref_release(ref_book *r) {
    ref_clear(r);
    r->s[0].cap = r->s[1].cap = 0;
}
/* reserve_spill: both sides to max_cap, unless the limit says the side
 * could not get it. Returns 0 when both sides are at max_cap. */
static inline int ref_reserve(ref_book *r) {
    int s, ok = 1;
    for (s = 0; s < 2; s++) {
        if (r->cap_limit[s] >= r->max_cap) r->s[s].cap = r->max_cap;
        if (r->s[s].cap < r->max_cap) ok = 0;
    }
    return ok ? 0 : -1;
}

static inline uint64_t ref_lost(const ref_book *r, int side) {
    const ref_side *s = &r->s[side];
    return s->evicted + s->dropped + s->nomem + s->lost_recenter;
}

#endif /* REF_BOOK_H */
