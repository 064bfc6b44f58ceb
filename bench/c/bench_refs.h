/* bench_refs.h — the reference L2 books tapebook is measured against, with
 * the same semantic for the workloads: set(side, px, qty) stores qty at px
 * (qty 0 erases the level, a no-op when it is absent), and the best bid/ask
 * price and quantity (empty side: INT32_MIN / INT32_MAX and qty 0, as
 * tapebook's i32 family). All storage is allocated at creation for the
 * largest depth the stream can reach, so no reference allocates in a timed
 * loop either. Depth is unbounded (no max_cap): they are exact books.
 *
 *   sorted_bsearch  per side a sorted array of (px, qty), best level LAST
 *                   (bids ascending, asks descending), so touches near the
 *                   best move few bytes; binary search, memmove on insert
 *                   and erase. The classic "vector book".
 *   sorted_linear   the same array, searched linearly from the best end.
 *   skiplist        per side a skip list ordered best-first (p = 1/4, up to
 *                   12 levels, nodes from a preallocated free list): best is
 *                   head->next[0], O(log n) set. Stands in for a balanced
 *                   tree (std::map-like).
 *
 * The other operations of the benchmark, as an exact book means them:
 * reset empties both sides; erase_better(side, px) removes every level at
 * least as good as px (an array truncated at its best end, a skip list
 * popped at its head); a recenter means nothing (no window); a snapshot
 * replaces both sides in one call (the arrays copied in, the skip lists
 * built by appending, O(levels)). */
#ifndef BENCH_REFS_H
#define BENCH_REFS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench_rng.h"

#define REF_INLINE static inline __attribute__((always_inline))

typedef struct ref_level {
    int32_t px;
    uint32_t qty;
} ref_level;

typedef struct ref_bbo {
    int32_t bid_px;
    uint32_t bid_qty;
    int32_t ask_px;
    uint32_t ask_qty;
} ref_bbo;

/* x strictly better than y on this side. */
REF_INLINE int ref_better(int is_bid, int32_t x, int32_t y) { return is_bid ? x > y : x < y; }

/* ---- sorted arrays ------------------------------------------------------- */

typedef struct ref_sorted {
    ref_level *a[2]; /* [0] asks, [1] bids; best level at index n - 1 */
    uint32_t n[2];
    uint32_t cap;
} ref_sorted;

static ref_sorted *ref_sorted_create(uint32_t cap) {
    ref_sorted *b = (ref_sorted *)calloc(1, sizeof *b);
    if (!b) return NULL;
    b->a[0] = (ref_level *)malloc((size_t)cap * sizeof(ref_level));
    b->a[1] = (ref_level *)malloc((size_t)cap * sizeof(ref_level));
    b->cap = cap;
    if (!b->a[0] || !b->a[1]) return NULL;
    /* touch every page now, not in a timed loop */
    memset(b->a[0], 0, (size_t)cap * sizeof(ref_level));
    memset(b->a[1], 0, (size_t)cap * sizeof(ref_level));
    return b;
}

static void ref_sorted_destroy(ref_sorted *b) {
    if (!b) return;
    free(b->a[0]);
    free(b->a[1]);
    free(b);
}

static void ref_sorted_reset(ref_sorted *b) { b->n[0] = b->n[1] = 0; }

/* Position of px in a side: the first index whose level is not worse than px
 * (array order is worst ... best). */
REF_INLINE uint32_t ref_sorted_find_bsearch(const ref_level *a, uint32_t n, int is_bid, int32_t px) {
    uint32_t lo = 0, len = n;
    while (len > 0) {
        uint32_t half = len >> 1;
        if (ref_better(is_bid, px, a[lo + half].px)) { /* a[mid] worse than px */
            lo += half + 1;
            len -= half + 1;
        } else {
            len = half;
        }
    }
    return lo;
}

REF_INLINE uint32_t ref_sorted_find_linear(const ref_level *a, uint32_t n, int is_bid, int32_t px) {
    uint32_t i = n;
    while (i > 0 && !ref_better(is_bid, px, a[i - 1].px)) i--; /* a[i-1] at least as good */
    return i;
}

/* Common body: i = first index not worse than px. Returns 1 insert, 0 update,
 * -1 erase (hit or miss). */
REF_INLINE int ref_sorted_apply(ref_sorted *b, int is_bid, uint32_t i, int32_t px, uint32_t qty) {
    ref_level *a = b->a[is_bid];
    uint32_t n = b->n[is_bid];
    if (i < n && a[i].px == px) {
        if (qty) {
            a[i].qty = qty;
            return 0;
        }
        memmove(a + i, a + i + 1, (size_t)(n - i - 1) * sizeof(ref_level));
        b->n[is_bid] = n - 1;
        return -1;
    }
    if (!qty) return -1;
    memmove(a + i + 1, a + i, (size_t)(n - i) * sizeof(ref_level));
    a[i].px = px;
    a[i].qty = qty;
    b->n[is_bid] = n + 1;
    return 1;
}

REF_INLINE int ref_bsearch_set_side(ref_sorted *b, int is_bid, int32_t px, uint32_t qty) {
    uint32_t i = ref_sorted_find_bsearch(b->a[is_bid], b->n[is_bid], is_bid, px);
    return ref_sorted_apply(b, is_bid, i, px, qty);
}

REF_INLINE int ref_linear_set_side(ref_sorted *b, int is_bid, int32_t px, uint32_t qty) {
    uint32_t i = ref_sorted_find_linear(b->a[is_bid], b->n[is_bid], is_bid, px);
    return ref_sorted_apply(b, is_bid, i, px, qty);
}

REF_INLINE int ref_bsearch_set(ref_sorted *b, int side, int32_t px, uint32_t qty) {
    return side ? ref_bsearch_set_side(b, 1, px, qty) : ref_bsearch_set_side(b, 0, px, qty);
}

REF_INLINE int ref_linear_set(ref_sorted *b, int side, int32_t px, uint32_t qty) {
    return side ? ref_linear_set_side(b, 1, px, qty) : ref_linear_set_side(b, 0, px, qty);
}

/* erase_better: the levels at least as good as th are the array's best end. */
static void ref_sorted_erase_better(ref_sorted *b, int is_bid, int32_t th, int linear) {
    const ref_level *a = b->a[is_bid];
    const uint32_t n = b->n[is_bid];
    /* first index whose level is not worse than th (at least as good) */
    b->n[is_bid] = linear ? ref_sorted_find_linear(a, n, is_bid, th) : ref_sorted_find_bsearch(a, n, is_bid, th);
}

/* Replace both sides by best-first level lists (stored best last). */
static void ref_sorted_load(ref_sorted *b, const int32_t *bpx, const uint32_t *bq, size_t nb, const int32_t *apx,
                            const uint32_t *aq, size_t na) {
    size_t i;
    if (nb > b->cap || na > b->cap) abort(); /* sized from the stream: cannot happen */
    for (i = 0; i < nb; i++) {
        b->a[1][nb - 1 - i].px = bpx[i];
        b->a[1][nb - 1 - i].qty = bq[i];
    }
    for (i = 0; i < na; i++) {
        b->a[0][na - 1 - i].px = apx[i];
        b->a[0][na - 1 - i].qty = aq[i];
    }
    b->n[1] = (uint32_t)nb;
    b->n[0] = (uint32_t)na;
}

REF_INLINE void ref_sorted_bbo(const ref_sorted *b, ref_bbo *o) {
    uint32_t nb = b->n[1], na = b->n[0];
    o->bid_px = nb ? b->a[1][nb - 1].px : INT32_MIN;
    o->bid_qty = nb ? b->a[1][nb - 1].qty : 0;
    o->ask_px = na ? b->a[0][na - 1].px : INT32_MAX;
    o->ask_qty = na ? b->a[0][na - 1].qty : 0;
}

/* ---- skip list -------------------------------------------------------------- */

#define REF_SL_MAXL 12
#define REF_SL_NIL UINT32_MAX

typedef struct ref_sl_node {
    int32_t px;
    uint32_t qty;
    uint32_t next[REF_SL_MAXL]; /* node indices, REF_SL_NIL at the end */
} ref_sl_node;

typedef struct ref_skiplist {
    ref_sl_node *nodes;  /* [0] ask head, [1] bid head, then the pool */
    uint32_t free_head;  /* free list through next[0] */
    uint32_t level[2];   /* highest level in use per side (1..MAXL) */
    uint32_t cap;        /* nodes in the pool (excluding the heads) */
    uint64_t rng;        /* xorshift state for node heights */
} ref_skiplist;

static void ref_skiplist_reset(ref_skiplist *b) {
    uint32_t i, l;
    for (l = 0; l < REF_SL_MAXL; l++) b->nodes[0].next[l] = b->nodes[1].next[l] = REF_SL_NIL;
    for (i = 2; i < b->cap + 2; i++) b->nodes[i].next[0] = i + 1 < b->cap + 2 ? i + 1 : REF_SL_NIL;
    b->free_head = b->cap ? 2 : REF_SL_NIL;
    b->level[0] = b->level[1] = 1;
    b->rng = UINT64_C(0x2545f4914f6cdd1d);
}

static ref_skiplist *ref_skiplist_create(uint32_t cap) {
    ref_skiplist *b = (ref_skiplist *)calloc(1, sizeof *b);
    if (!b) return NULL;
    b->nodes = (ref_sl_node *)calloc((size_t)cap + 2, sizeof(ref_sl_node));
    if (!b->nodes) return NULL;
    b->cap = cap;
    ref_skiplist_reset(b);
    return b;
}

static void ref_skiplist_destroy(ref_skiplist *b) {
    if (!b) return;
    free(b->nodes);
    free(b);
}

REF_INLINE uint32_t ref_sl_height(ref_skiplist *b) {
    uint64_t x = b->rng;
    uint32_t h = 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->rng = x;
    while (h < REF_SL_MAXL && (x & 3u) == 0) { /* p = 1/4 per extra level */
        h++;
        x >>= 2;
    }
    return h;
}

REF_INLINE int ref_sl_set_side(ref_skiplist *b, int is_bid, int32_t px, uint32_t qty) {
    ref_sl_node *nd = b->nodes;
    uint32_t upd[REF_SL_MAXL];
    uint32_t x = (uint32_t)is_bid, l, top = b->level[is_bid], y;
    for (l = top; l-- > 0;) {
        for (;;) {
            uint32_t nx = nd[x].next[l];
            if (nx == REF_SL_NIL || !ref_better(is_bid, nd[nx].px, px)) break;
            x = nx;
        }
        upd[l] = x;
    }
    y = nd[x].next[0];
    if (y != REF_SL_NIL && nd[y].px == px) {
        if (qty) {
            nd[y].qty = qty;
            return 0;
        }
        for (l = 0; l < top && nd[upd[l]].next[l] == y; l++) nd[upd[l]].next[l] = nd[y].next[l];
        while (b->level[is_bid] > 1 && nd[is_bid].next[b->level[is_bid] - 1] == REF_SL_NIL) b->level[is_bid]--;
        nd[y].next[0] = b->free_head;
        b->free_head = y;
        return -1;
    }
    if (!qty) return -1;
    {
        uint32_t h = ref_sl_height(b), z = b->free_head;
        if (z == REF_SL_NIL) abort(); /* pool sized from the stream: cannot happen */
        b->free_head = nd[z].next[0];
        for (l = top; l < h; l++) upd[l] = (uint32_t)is_bid;
        if (h > top) b->level[is_bid] = h;
        nd[z].px = px;
        nd[z].qty = qty;
        for (l = 0; l < h; l++) {
            nd[z].next[l] = nd[upd[l]].next[l];
            nd[upd[l]].next[l] = z;
        }
        return 1;
    }
}

REF_INLINE int ref_sl_set(ref_skiplist *b, int side, int32_t px, uint32_t qty) {
    return side ? ref_sl_set_side(b, 1, px, qty) : ref_sl_set_side(b, 0, px, qty);
}

/* Empty one side, its nodes back to the free list: O(levels held). */
static void ref_sl_clear_side(ref_skiplist *b, int is_bid) {
    ref_sl_node *nd = b->nodes;
    uint32_t x = nd[is_bid].next[0], l;
    while (x != REF_SL_NIL) {
        const uint32_t nx = nd[x].next[0];
        nd[x].next[0] = b->free_head;
        b->free_head = x;
        x = nx;
    }
    for (l = 0; l < REF_SL_MAXL; l++) nd[is_bid].next[l] = REF_SL_NIL;
    b->level[is_bid] = 1;
}

/* erase_better: pop the head while it is at least as good as th. */
static void ref_sl_erase_better(ref_skiplist *b, int is_bid, int32_t th) {
    ref_sl_node *nd = b->nodes;
    for (;;) {
        const uint32_t y = nd[is_bid].next[0];
        uint32_t l;
        if (y == REF_SL_NIL || ref_better(is_bid, th, nd[y].px)) break;
        for (l = 0; l < REF_SL_MAXL && nd[is_bid].next[l] == y; l++) nd[is_bid].next[l] = nd[y].next[l];
        nd[y].next[0] = b->free_head;
        b->free_head = y;
    }
    while (b->level[is_bid] > 1 && nd[is_bid].next[b->level[is_bid] - 1] == REF_SL_NIL) b->level[is_bid]--;
}

/* Replace one side by a best-first list: nodes appended at the tail. */
static void ref_sl_load_side(ref_skiplist *b, int is_bid, const int32_t *px, const uint32_t *qty, size_t n) {
    ref_sl_node *nd = b->nodes;
    uint32_t last[REF_SL_MAXL], l;
    size_t i;
    ref_sl_clear_side(b, is_bid);
    for (l = 0; l < REF_SL_MAXL; l++) last[l] = (uint32_t)is_bid;
    for (i = 0; i < n; i++) {
        const uint32_t h = ref_sl_height(b), z = b->free_head;
        if (z == REF_SL_NIL) abort(); /* pool sized from the stream: cannot happen */
        b->free_head = nd[z].next[0];
        nd[z].px = px[i];
        nd[z].qty = qty[i];
        for (l = 0; l < h; l++) {
            nd[z].next[l] = REF_SL_NIL;
            nd[last[l]].next[l] = z;
            last[l] = z;
        }
        if (h > b->level[is_bid]) b->level[is_bid] = h;
    }
}

REF_INLINE void ref_sl_bbo(const ref_skiplist *b, ref_bbo *o) {
    uint32_t bb = b->nodes[1].next[0], ba = b->nodes[0].next[0];
    o->bid_px = bb != REF_SL_NIL ? b->nodes[bb].px : INT32_MIN;
    o->bid_qty = bb != REF_SL_NIL ? b->nodes[bb].qty : 0;
    o->ask_px = ba != REF_SL_NIL ? b->nodes[ba].px : INT32_MAX;
    o->ask_qty = ba != REF_SL_NIL ? b->nodes[ba].qty : 0;
}

#endif /* BENCH_REFS_H */
