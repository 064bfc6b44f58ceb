/* tb_order_log.h — the feeds' order log in C for ITCH: decoded rows (tb_itch.h) ->
 * consistent MBO rows + the level changes they imply, one call per block; and, through
 * tb_olog_run (below), for databento-mbo, lobster and bitstamp-l3.
 *
 * The same rules as tapebook/feeds/_mbo.py's OrderLog (which the other L3 formats
 * use, and which the tests hold this to through the L3 reference model):
 *   'A' add (an id that rests is replaced: counted duplicate_add), qty 0 ignored
 *       (zero_qty);
 *   'C' cancel qty (0 or >= the order's: all of it; more than it holds: overcancel);
 *   'E' execute qty (more than it holds fills it: overfill; 0 ignored: zero_qty);
 *   'U' replace: the old order leaves, the new id joins with the old side (MBO rows
 *       'C' old + 'A' new);
 *   events for ids that do not rest: unknown_id, no row;
 *   an add, modify or replace that would take a level's total past UINT64_MAX is refused:
 *       nothing of its row is done (its message still ends), counted level_overflow, and
 *       the call returns TB_ERR_OVERFLOW after it (call again from *n_done to go on).
 * Each input row is one message: its MBO rows (0-3: a replace whose new id rests
 * already is C old, C new, A new) and its level rows (side, px, total after the
 * row; 0-3, in order, a later row for the same level wins) end
 * at mbo_end[i] / l2_end[i].
 *
 * Memory: the level window (the totals of the levels near the first price, an array
 * indexed by price: below) and two open-addressing tables (orders by id; the other
 * level totals by side and price), linear probing, deletion by backward shift (no
 * tombstones), keyed 64-bit mixing (ids are chosen by the venue), grown x2 through
 * TB_MALLOC / TB_FREE (orders at three quarters load, levels at half load:
 * tb__olog_reserve, before each row but a clear: 'R' grows nothing, 'T' only for the
 * add after its clear, when the clear freed nothing). A growth that fails returns
 * TB_ERR_NOMEM with nothing of that row done. Each table keeps one bit a slot (taken or
 * not) after its slots: a clear ('R', 'T') finds what rests from the bits instead of
 * reading (or wiping) the whole table, which keeps the size of the most that ever rested.
 *
 * API
 *   int  tb_olog_init(tb_olog *g, size_t cap_hint, uint64_t key);   TB_OK / TB_ERR_NOMEM
 *   void tb_olog_free(tb_olog *g);
 *   int  tb_olog_apply(tb_olog *g, const tb_itch_rows *in, size_t n, tb_olog_out *out,
 *                      size_t *n_done);
 *       Rows in[0..n) (actions 'A' 'C' 'E' 'U'); out needs room for 3 rows a message;
 *       out->action NULL: no MBO rows (n_mbo stays, mbo_end may be NULL), level rows only.
 *       TB_OK with *n_done = n; TB_ERR_NOMEM / TB_ERR_BADARG with *n_done rows done;
 *       TB_ERR_OVERFLOW: row *n_done - 1 was refused (above), the rows before it done.
 *   int  tb_olog_apply_from(g, in, first, n, out, n_done);   the same for rows [first, n)
 *   size_t tb_olog_export(const tb_olog *g, uint64_t *ids, uint8_t *sides, int64_t *px,
 *                         uint64_t *qty, size_t cap);   the resting orders (any order)
 *   int  tb_olog_run(tb_olog *g, const tb_olog_ops *in, size_t first, size_t n, tb_olog_out *out,
 *                    tb_olog_msgs *m, size_t *n_done);   ops rows, messages of any length (below;
 *                    out->action NULL: TB_ERR_NULL, it needs the MBO rows)
 */
#ifndef TB_ORDER_LOG_H
#define TB_ORDER_LOG_H

#include "tb_itch.h"
#include "tb_l3_base.h" /* TB__PREFETCH */
#include "tb_bits.h"    /* tb__ctz64 */

/* Rows ahead whose order slots tb_olog_apply prefetches: the table outgrows the cache
 * (tens of thousands of resting orders), so each probe would otherwise wait on memory. */
#define TB__OLOG_AHEAD 8
/* Prices (ticks) the level window spans: its totals take 2 x 8 bytes a tick (256 KiB, only
 * the slots near the book touched). 2^14 ticks = $1.64 at ITCH's 0.0001: bench_itch.py's
 * realistic day rests orders up to ~60 cents from the touch, and at 2^12 (41 cents) 105 of
 * its 146 levels lived in the hashed table (callgrind, bench_itch_run --reps 1: 87.7M ->
 * 82.5M instructions; 2^13 84.4M, 2^15 83.0M: the init's memset grows) */
#define TB__OLOG_LWIN ((size_t)1 << 14)

typedef struct tb_olog_order {
    uint64_t id;
    int64_t px;
    uint64_t qty; /* 0: empty slot */
    uint8_t side;
    uint8_t pad[7];
} tb_olog_order;

typedef struct tb_olog_level {
    int64_t px;
    uint64_t total; /* 0: empty slot */
    uint8_t side;
    uint8_t pad[7];
} tb_olog_level;

typedef struct tb_olog {
    tb_olog_order *orders;
    size_t ocap, ocount;
    tb_olog_level *levels;
    size_t lcap, lcount;
    uint64_t *oused, *lused; /* bit k: slot k taken (in the tables' blocks, after their slots) */
    void *omem, *lmem;       /* the tables' blocks, to TB_FREE (tb__huge_alloc) */
    uint64_t key;
    uint64_t unknown_id, duplicate_add, overcancel, overfill, zero_qty;
    uint64_t level_overflow; /* rows refused: a level's total would pass UINT64_MAX */
    /* the level window (below): the total of (side, px) at lwin[2 * (px - lbase) + side] for
     * px - lbase < lwcap (modulo 2^64), 0 when no order rests there */
    uint64_t *lwin, *lwused;
    void *lwmem;
    size_t lwcap, lwcount;
    uint64_t lbase;
} tb_olog;

typedef struct tb_olog_out {
    uint8_t *action;
    uint64_t *order_id;
    uint8_t *side;
    int64_t *px;
    uint64_t *qty;
    int64_t *mbo_end;  /* per message */
    uint8_t *l2_side;
    int64_t *l2_px;
    uint64_t *l2_qty;
    int64_t *l2_end;   /* per message */
    size_t n_mbo, n_l2; /* rows written so far (the caller resets them per batch) */
    size_t l2_msg;      /* the first L2 row of the message being written (kept by apply / run) */
} tb_olog_out;

TB_FORCE_INLINE uint64_t tb__olog_mix(uint64_t x, uint64_t key) {
    x ^= key;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* ---- which slots are taken: one bit a slot (capacities are powers of two >= 64) ---- */

TB_FORCE_INLINE size_t tb__olog_words(size_t cap) { return cap >> 6; }

TB_FORCE_INLINE void tb__olog_mark(uint64_t *used, size_t k) { used[k >> 6] |= UINT64_C(1) << (k & 63); }

TB_FORCE_INLINE void tb__olog_unmark(uint64_t *used, size_t k) { used[k >> 6] &= ~(UINT64_C(1) << (k & 63)); }

/* the first taken slot >= k, or cap (TB__OLOG_EACH_USED) */
static size_t tb__olog_next_used(const uint64_t *used, size_t cap, size_t k) {
    size_t w = k >> 6;
    uint64_t bits;
    if (k >= cap) return cap;
    bits = used[w] & (~UINT64_C(0) << (k & 63));
    while (!bits) {
        if (++w >= tb__olog_words(cap)) return cap;
        bits = used[w];
    }
    return (w << 6) + tb__ctz64(bits);
}

/* for each taken slot k of a table of cap slots, in ascending order */
#define TB__OLOG_EACH_USED(k, used, cap) \
    for ((k) = tb__olog_next_used((used), (cap), 0); (k) < (cap); (k) = tb__olog_next_used((used), (cap), (k) + 1))

/* Empty a table of count taken slots of size bytes. A sparse table (a clear after the
 * book once held many more) zeroes only its taken slots, found from the bits; one at
 * least a quarter taken (most of its cache lines then hold one) is wiped whole, which
 * then costs about as much and streams. */
static void tb__olog_wipe(void *slots, size_t size, uint64_t *used, size_t cap, size_t count) {
    size_t k;
    if (4 * count >= cap) {
        memset(slots, 0, cap * size);
    } else {
        TB__OLOG_EACH_USED(k, used, cap)
            memset((char *)slots + k * size, 0, size);
    }
    memset(used, 0, tb__olog_words(cap) * sizeof *used);
}

/* a zeroed table of cap slots of size bytes and its bits after them, in one block (*mem,
 * to TB_FREE). The order table is read at random and outgrows the cache: on huge pages
 * (tb__huge_alloc) a probe no longer also misses the TLB, and a table's growth faults in
 * a few 2 MiB pages instead of thousands of 4 KiB ones. */
static void *tb__olog_table(size_t cap, size_t size, uint64_t **used, void **mem) {
    const size_t bytes = cap * size + tb__olog_words(cap) * sizeof **used;
    char *p = (char *)tb__huge_alloc(bytes, mem);
    if (!p) return NULL;
    memset(p, 0, bytes);
    *used = (uint64_t *)(void *)(p + cap * size);
    return p;
}

static int tb__olog_alloc(tb_olog *g, size_t ocap, size_t lcap) {
    uint64_t *oused = NULL, *lused = NULL;
    void *omem = NULL, *lmem = NULL;
    tb_olog_order *o = (tb_olog_order *)tb__olog_table(ocap, sizeof *o, &oused, &omem);
    tb_olog_level *l = (tb_olog_level *)tb__olog_table(lcap, sizeof *l, &lused, &lmem);
    if (!o || !l) {
        if (o) TB_FREE(omem);
        if (l) TB_FREE(lmem);
        return TB_ERR_NOMEM;
    }
    g->orders = o;
    g->levels = l;
    g->omem = omem;
    g->lmem = lmem;
    g->oused = oused;
    g->lused = lused;
    g->ocap = ocap;
    g->lcap = lcap;
    return TB_OK;
}

TB_API int tb_olog_init(tb_olog *g, size_t cap_hint, uint64_t key) {
    size_t cap = 64;
    if (!g) return TB_ERR_NULL;
    memset(g, 0, sizeof *g);
    while (cap < cap_hint && cap < ((size_t)1 << 40)) cap <<= 1;
    g->key = key;
    if (tb__olog_alloc(g, cap, 64) != TB_OK) return TB_ERR_NOMEM;
    g->lwin = (uint64_t *)tb__olog_table(2 * TB__OLOG_LWIN, sizeof *g->lwin, &g->lwused, &g->lwmem);
    if (!g->lwin) {
        TB_FREE(g->omem);
        TB_FREE(g->lmem);
        memset(g, 0, sizeof *g);
        return TB_ERR_NOMEM;
    }
    g->lwcap = TB__OLOG_LWIN;
    return TB_OK;
}

TB_API void tb_olog_free(tb_olog *g) {
    if (!g) return;
    if (g->orders) TB_FREE(g->omem);
    if (g->levels) TB_FREE(g->lmem);
    if (g->lwin) TB_FREE(g->lwmem);
    g->orders = NULL;
    g->levels = NULL;
    g->lwin = g->lwused = NULL;
    g->omem = g->lmem = g->lwmem = NULL;
    g->oused = g->lused = NULL;
    g->ocap = g->lcap = g->ocount = g->lcount = g->lwcap = g->lwcount = 0;
}

/* ---- orders by id ---------------------------------------------------------------- */

/* slot of id, or an empty slot; h: tb__olog_mix(id, g->key) */
TB_FORCE_INLINE size_t tb__olog_ofind_h(const tb_olog *g, uint64_t id, uint64_t h) {
    const size_t mask = g->ocap - 1;
    size_t i = (size_t)h & mask;
    while (g->orders[i].qty && g->orders[i].id != id) i = (i + 1) & mask;
    return i;
}

TB_FORCE_INLINE size_t tb__olog_ofind(const tb_olog *g, uint64_t id) { /* slot of id, or an empty slot */
    return tb__olog_ofind_h(g, id, tb__olog_mix(id, g->key));
}

/* Hint the home slots of row r's ids into the cache (they may move before use: only a
 * hint); returns the mix of its order_id, which the row's lookup takes up (tb__olog_ofind_h:
 * one mix a row instead of two). */
TB_FORCE_INLINE uint64_t tb__olog_prefetch(const tb_olog *g, const tb_itch_rows *in, size_t r) {
    const size_t mask = g->ocap - 1;
    const uint64_t h = tb__olog_mix(in->order_id[r], g->key);
    TB__PREFETCH(&g->orders[(size_t)h & mask]);
    if (in->action[r] == 'U') TB__PREFETCH(&g->orders[(size_t)tb__olog_mix(in->new_id[r], g->key) & mask]);
    return h;
}

static void tb__olog_odel(tb_olog *g, size_t i) { /* backward-shift deletion */
    const size_t mask = g->ocap - 1;
    size_t j = i;
    g->orders[i].qty = 0;
    tb__olog_unmark(g->oused, i);
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (!g->orders[j].qty) break;
        home = (size_t)tb__olog_mix(g->orders[j].id, g->key) & mask;
        /* move j back to i when its home is not in (i, j] cyclically */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            g->orders[i] = g->orders[j];
            g->orders[j].qty = 0;
            tb__olog_mark(g->oused, i);
            tb__olog_unmark(g->oused, j);
            i = j;
        }
    }
    g->ocount--;
}

/* ---- level totals by (side, px) ---------------------------------------------------- */

TB_FORCE_INLINE uint64_t tb__olog_lkey(uint8_t side, int64_t px) {
    return ((uint64_t)px << 1) ^ side ^ ((uint64_t)px >> 63 << 62);
}

TB_FORCE_INLINE size_t tb__olog_lfind(const tb_olog *g, uint8_t side, int64_t px) {
    const size_t mask = g->lcap - 1;
    size_t i = (size_t)tb__olog_mix(tb__olog_lkey(side, px), g->key) & mask;
    while (g->levels[i].total && (g->levels[i].px != px || g->levels[i].side != side)) i = (i + 1) & mask;
    return i;
}

static void tb__olog_ldel(tb_olog *g, size_t i) {
    const size_t mask = g->lcap - 1;
    size_t j = i;
    g->levels[i].total = 0;
    tb__olog_unmark(g->lused, i);
    for (;;) {
        size_t home;
        j = (j + 1) & mask;
        if (!g->levels[j].total) break;
        home = (size_t)tb__olog_mix(tb__olog_lkey(g->levels[j].side, g->levels[j].px), g->key) & mask;
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            g->levels[i] = g->levels[j];
            g->levels[j].total = 0;
            tb__olog_mark(g->lused, i);
            tb__olog_unmark(g->lused, j);
            i = j;
        }
    }
    g->lcount--;
}

/* Grow the tables so that one more order fits at three quarters load and one more level at
 * half load. The order table is the big one (tens of thousands of resting orders): at 3/4
 * it takes half the fresh memory half load would (each growth touches new pages, and a
 * probe run still mostly stays in one or two cache lines); make bench-olog-ab's grow /
 * steady rows measure it. Only the table that is full is replaced: the level table fills
 * first on a day whose prices spread past the level window, and replacing the order table
 * with it (same size, zeroed, rehashed) cost two more 4 MiB memsets and rehashes of 131072
 * slots on bench_itch's realistic day (callgrind, bench_itch_run: 106.6M -> 91.2M
 * instructions a replay of its 200k records). */
static int tb__olog_grow(tb_olog *g) {
    const int grow_o = 4 * (g->ocount + 1) > 3 * g->ocap, grow_l = 2 * (g->lcount + 2) > g->lcap;
    const size_t ocap = grow_o ? 2 * g->ocap : g->ocap, lcap = grow_l ? 2 * g->lcap : g->lcap;
    tb_olog_order *o = NULL;
    tb_olog_level *l = NULL;
    uint64_t *oused = NULL, *lused = NULL;
    void *omem = NULL, *lmem = NULL;
    size_t k;
    /* both new tables first: a failure leaves the log as it was */
    if (grow_o && !(o = (tb_olog_order *)tb__olog_table(ocap, sizeof *o, &oused, &omem))) return TB_ERR_NOMEM;
    if (grow_l && !(l = (tb_olog_level *)tb__olog_table(lcap, sizeof *l, &lused, &lmem))) {
        if (o) TB_FREE(omem);
        return TB_ERR_NOMEM;
    }
    if (o) {
        const tb_olog_order *const old = g->orders;
        const size_t old_cap = g->ocap;
        void *const old_mem = g->omem;
        g->orders = o;
        g->oused = oused;
        g->omem = omem;
        g->ocap = ocap;
        for (k = 0; k < old_cap; k++) {
            if (k + TB__OLOG_AHEAD < old_cap) /* the new table is random access too */
                TB__PREFETCH(&o[(size_t)tb__olog_mix(old[k + TB__OLOG_AHEAD].id, g->key) & (ocap - 1)]);
            if (old[k].qty) {
                const size_t i = tb__olog_ofind(g, old[k].id);
                o[i] = old[k];
                tb__olog_mark(oused, i);
            }
        }
        TB_FREE(old_mem);
    }
    if (l) {
        const tb_olog_level *const old = g->levels;
        const uint64_t *const old_used = g->lused;
        const size_t old_cap = g->lcap;
        void *const old_mem = g->lmem;
        g->levels = l;
        g->lused = lused;
        g->lmem = lmem;
        g->lcap = lcap;
        TB__OLOG_EACH_USED(k, old_used, old_cap) {
            const size_t i = tb__olog_lfind(g, old[k].side, old[k].px);
            l[i] = old[k];
            tb__olog_mark(lused, i);
        }
        TB_FREE(old_mem);
    }
    return TB_OK;
}

/* The check every row makes, inline; the growth apart (out of line: it is rare, and a
 * failed growth changes nothing, so a row needs no copy of the log to restore). */
TB_FORCE_INLINE int tb__olog_reserve(tb_olog *g) {
    if (4 * (g->ocount + 1) <= 3 * g->ocap && 2 * (g->lcount + 2) <= g->lcap) return TB_OK;
    return tb__olog_grow(g);
}

/* A message names each level it changed once, with its total after the message (as
 * _mbo.OrderLog does): a level changed again in the same message (a replace at the same
 * price, a duplicate add) updates its row instead of adding one. */
static void tb__olog_l2_row(tb_olog_out *out, uint8_t side, int64_t px, uint64_t total, size_t upto) {
    size_t k;
    for (k = out->l2_msg; k < upto; k++) {
        if (out->l2_px[k] == px && out->l2_side[k] == side) {
            out->l2_qty[k] = total;
            return;
        }
    }
    out->l2_side[out->n_l2] = side;
    out->l2_px[out->n_l2] = px;
    out->l2_qty[out->n_l2] = total;
    out->n_l2++;
}

/* ---- the level window ------------------------------------------------------------
 * A stock's orders rest within a narrow band of prices, and each add, execution or cancel
 * changes one of its levels: the table's lookup (a keyed mix, then a probe whose length
 * the branch predictor cannot guess) took about an eighth of the decoder's and the order
 * log's time on bench/feeds/bench_itch.py's file. The window keeps the totals of the
 * levels whose price is in [lbase, lbase + lwcap) (modulo 2^64) in an array indexed by
 * price: a lookup is an index. A level of any other price is in the table, so the log is
 * exact for any prices; the window is placed (half of it below the price) when a level is
 * created while none rests anywhere, so it follows the book after each emptying. lwcap 0:
 * no window (the tests compare the two). */

TB_FORCE_INLINE int tb__olog_lin(const tb_olog *g, int64_t px) { return (uint64_t)px - g->lbase < g->lwcap; }

TB_FORCE_INLINE size_t tb__olog_lk(const tb_olog *g, uint8_t side, int64_t px) {
    return 2 * (size_t)((uint64_t)px - g->lbase) + side;
}

/* the price of window slot k (the inverse of tb__olog_lk, without a signed overflow) */
TB_FORCE_INLINE int64_t tb__olog_lpx(const tb_olog *g, size_t k) {
    const uint64_t u = g->lbase + (k >> 1);
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* the total of level (side, px): 0 when no order rests there */
TB_FORCE_INLINE uint64_t tb__olog_ltotal(const tb_olog *g, uint8_t side, int64_t px) {
    if (tb__olog_lin(g, px)) return g->lwin[tb__olog_lk(g, side, px)];
    return g->levels[tb__olog_lfind(g, side, px)].total;
}

/* level (side, px) += delta (delta may be "negative" through wrap: sub); writes its L2 row */
TB_FORCE_INLINE void tb__olog_level(tb_olog *g, uint8_t side, int64_t px, uint64_t add, uint64_t sub, tb_olog_out *out) {
    uint64_t total;
    if (!g->lcount && !g->lwcount) g->lbase = (uint64_t)px - g->lwcap / 2; /* nothing rests: centre on px */
    if (tb__olog_lin(g, px)) {
        const size_t k = tb__olog_lk(g, side, px);
        const uint64_t was = g->lwin[k];
        total = was + add - sub;
        if (!was && total) {
            tb__olog_mark(g->lwused, k);
            g->lwcount++;
        } else if (was && !total) {
            tb__olog_unmark(g->lwused, k);
            g->lwcount--;
        }
        g->lwin[k] = total;
    } else {
        const size_t i = tb__olog_lfind(g, side, px);
        total = g->levels[i].total + add - sub;
        if (!g->levels[i].total) {
            g->levels[i].side = side;
            g->levels[i].px = px;
            g->lcount++;
            tb__olog_mark(g->lused, i);
        }
        if (total) g->levels[i].total = total;
        else tb__olog_ldel(g, i);
    }
    tb__olog_l2_row(out, side, px, total, out->n_l2);
}

/* Whether qty more fits on level (side, px), whose total is total, once the resting orders
 * a and b (NULL: none; each counted once, and only when it rests on that level) have left
 * it: the check an add, modify or replace makes before it changes anything. */
TB_FORCE_INLINE int tb__olog_fits_total(uint64_t total, uint8_t side, int64_t px, uint64_t qty, const tb_olog_order *a,
                               const tb_olog_order *b) {
    if (a && a->side == side && a->px == px) total -= a->qty;
    if (b && b != a && b->side == side && b->px == px) total -= b->qty;
    return qty <= UINT64_MAX - total;
}

TB_FORCE_INLINE int tb__olog_fits(const tb_olog *g, uint8_t side, int64_t px, uint64_t qty, const tb_olog_order *a,
                         const tb_olog_order *b) {
    return tb__olog_fits_total(tb__olog_ltotal(g, side, px), side, px, qty, a, b);
}

/* an MBO row (none when out->action is NULL: level rows only) */
static void tb__olog_row(tb_olog_out *out, uint8_t action, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    size_t k;
    if (!out->action) return;
    k = out->n_mbo++;
    out->action[k] = action;
    out->order_id[k] = id;
    out->side[k] = side;
    out->px[k] = px;
    out->qty[k] = qty;
}

/* inline: a cancel or delete is a quarter of an ITCH day's records, and the call was ~8 of
 * the ~460 instructions a record of bench_itch_run (callgrind: 91.7M -> 90.2M a replay) */
TB_FORCE_INLINE void tb__olog_remove(tb_olog *g, size_t slot, tb_olog_out *out) {
    const tb_olog_order o = g->orders[slot];
    tb__olog_odel(g, slot);
    tb__olog_level(g, o.side, o.px, 0, o.qty, out);
    tb__olog_row(out, 'C', o.id, 0, 0, o.qty);
}

/* 0, or 1 when refused (counted level_overflow, nothing done); h: tb__olog_mix(id, g->key) */
TB_FORCE_INLINE int tb__olog_add_h(tb_olog *g, uint64_t id, uint64_t h, uint8_t side, int64_t px, uint64_t qty,
                                   tb_olog_out *out) {
    size_t slot;
    if (!qty) {
        g->zero_qty++;
        return 0;
    }
    slot = tb__olog_ofind_h(g, id, h);
    if (!tb__olog_fits(g, side, px, qty, g->orders[slot].qty ? &g->orders[slot] : NULL, NULL)) {
        g->level_overflow++;
        return 1;
    }
    if (g->orders[slot].qty) {
        g->duplicate_add++;
        tb__olog_remove(g, slot, out);
        slot = tb__olog_ofind_h(g, id, h);
    }
    g->orders[slot].id = id;
    g->orders[slot].side = side;
    g->orders[slot].px = px;
    g->orders[slot].qty = qty;
    g->ocount++;
    tb__olog_mark(g->oused, slot);
    tb__olog_level(g, side, px, qty, 0, out);
    tb__olog_row(out, 'A', id, side, px, qty);
    return 0;
}

static int tb__olog_add(tb_olog *g, uint64_t id, uint8_t side, int64_t px, uint64_t qty, tb_olog_out *out) {
    return tb__olog_add_h(g, id, tb__olog_mix(id, g->key), side, px, qty, out);
}

/* whether replacing the order in slot by new_id (qty at px, the old side) fits its level;
 * counted level_overflow when not */
static int tb__olog_replace_fits(tb_olog *g, size_t slot, uint64_t new_id, int64_t px, uint64_t qty) {
    const tb_olog_order *old = &g->orders[slot], *dup = &g->orders[tb__olog_ofind(g, new_id)];
    if (tb__olog_fits(g, old->side, px, qty, old, dup->qty ? dup : NULL)) return 1;
    g->level_overflow++;
    return 0;
}

/* One message's work (a row of tb_olog_apply_from, a record of the one-pass ITCH replay in
 * tb_itch_run.h): action a ('A' 'C' 'E' 'U', side <= 1, checked by the caller, which also
 * reserved room: tb__olog_reserve) of order id, h = tb__olog_mix(id, g->key). 0, or 1 when
 * refused (counted level_overflow, nothing done). */
TB_FORCE_INLINE int tb__olog_step(tb_olog *g, uint8_t a, uint64_t id, uint64_t h, uint64_t new_id, uint8_t side,
                                  int64_t px, uint64_t qty, tb_olog_out *out) {
    size_t slot;
    int refused = 0;
    out->l2_msg = out->n_l2;
    if (a == 'A') {
        refused = tb__olog_add_h(g, id, h, side, px, qty, out);
    } else if (!g->orders[slot = tb__olog_ofind_h(g, id, h)].qty) {
        g->unknown_id++;
    } else if (a == 'U') {
        const uint8_t old_side = g->orders[slot].side;
        refused = !tb__olog_replace_fits(g, slot, new_id, px, qty);
        if (!refused) {
            tb__olog_remove(g, slot, out);
            tb__olog_add(g, new_id, old_side, px, qty, out); /* fits: checked */
        }
    } else if (a == 'E' && qty == 0) {
        g->zero_qty++;
    } else {
        tb_olog_order *o = &g->orders[slot];
        uint64_t take = qty;
        if (qty > o->qty) {
            if (a == 'E') g->overfill++;
            else g->overcancel++;
        }
        if (take == 0 || take >= o->qty) {
            if (a == 'E') { /* filled: an 'E' row of what it held */
                const tb_olog_order gone = *o;
                tb__olog_odel(g, slot);
                tb__olog_level(g, gone.side, gone.px, 0, gone.qty, out);
                tb__olog_row(out, 'E', gone.id, 0, 0, gone.qty);
            } else {
                tb__olog_remove(g, slot, out);
            }
        } else {
            o->qty -= take;
            tb__olog_level(g, o->side, o->px, 0, take, out);
            tb__olog_row(out, a, id, 0, 0, take);
        }
    }
    return refused;
}

TB_API int tb_olog_apply_from(tb_olog *g, const tb_itch_rows *in, size_t first, size_t n, tb_olog_out *out,
                              size_t *n_done) {
    uint64_t hash[TB__OLOG_AHEAD]; /* the mixes of the prefetched rows' order ids, by row % AHEAD */
    size_t r;
    if (!g || !in || !out || !n_done || !g->orders) return TB_ERR_NULL;
    *n_done = first;
    if (n > in->n || first > n) return TB_ERR_BADARG;
    for (r = first; r < n && r < first + TB__OLOG_AHEAD; r++)
        hash[r % TB__OLOG_AHEAD] = tb__olog_prefetch(g, in, r);
    for (r = first; r < n; r++) {
        const uint8_t a = in->action[r];
        const uint64_t h = hash[r % TB__OLOG_AHEAD];
        int refused;
        if (a != 'A' && a != 'C' && a != 'E' && a != 'U') return TB_ERR_BADARG;
        if (in->side[r] > 1) return TB_ERR_BADARG;
        if (tb__olog_reserve(g) != TB_OK) return TB_ERR_NOMEM;
        if (r + TB__OLOG_AHEAD < n) hash[r % TB__OLOG_AHEAD] = tb__olog_prefetch(g, in, r + TB__OLOG_AHEAD);
        refused = tb__olog_step(g, a, in->order_id[r], h, in->new_id[r], in->side[r], in->px[r], in->qty[r], out);
        if (out->mbo_end) out->mbo_end[r] = (int64_t)out->n_mbo;
        out->l2_end[r] = (int64_t)out->n_l2;
        *n_done = r + 1;
        if (refused) return TB_ERR_OVERFLOW;
    }
    return TB_OK;
}

TB_API int tb_olog_apply(tb_olog *g, const tb_itch_rows *in, size_t n, tb_olog_out *out, size_t *n_done) {
    return tb_olog_apply_from(g, in, 0, n, out, n_done);
}

/* ---- tb_olog_run: the other L3 formats (databento-mbo, lobster, bitstamp-l3) ------------
 * Ops rows (tb_olog_ops), decoded by the reader in numpy; a message may span rows and ends
 * after a row with end[r] = 1 (its ends at mbo_end[k] / l2_end[k], k = msgs->n_msg):
 *   'A' add (as tb_olog_apply);  'C' cancel qty (0: all);  'E' execute qty;
 *   'D' delete: all of it, or qty when alt_id stood in (a LOBSTER deletion of an initial level);
 *   'M' modify to (px, qty): 0 removes it; same px and qty counted modify_unchanged (no row);
 *       an unknown id with qty > 0 is an add (modify_unknown), with 0 nothing;
 *   'R' clear: every level gets an L2 row of 0, one 'R' row;
 *   'T' side becomes one level: its orders cancelled (ascending ids), then 'A' when qty > 0;
 *   'U' (Bitstamp order_changed) 'M' for a resting id, else an add (changed_unknown);
 *   'X' (Bitstamp order_deleted) the order leaves; an unknown id is counted deleted_unknown;
 *   0   no change (a row that only ends a message).
 * C / D / E of an id that does not rest act on alt_id when alt_id rests (counted
 * initial_level; 0: no alternative), else unknown_id. An 'A' / 'M' / 'U' that would take
 * a level's total past UINT64_MAX is refused as in tb_olog_apply: TB_ERR_OVERFLOW with
 * *n_done just past it (its message end recorded). A row whose worst case does not fit
 * the room left returns TB_ERR_FULL with *n_done rows done: drain out and call again from
 * *n_done (grow the room when an empty out still does not fit). */
typedef struct tb_olog_ops {
    const uint8_t *op;
    const uint64_t *order_id;
    const uint64_t *alt_id;
    const uint8_t *side;
    const int64_t *px;
    const uint64_t *qty;
    const uint8_t *end;
} tb_olog_ops;

typedef struct tb_olog_msgs {
    size_t mbo_cap, l2_cap, msg_cap; /* room of out's row columns and message columns */
    size_t n_msg;                    /* messages closed in out (reset with out's counts) */
    uint64_t modify_unknown, modify_unchanged, initial_level, changed_unknown, deleted_unknown;
} tb_olog_msgs;

/* take qty of the order in slot (0 or >= what it holds: all of it) as an action row */
static void tb__olog_take(tb_olog *g, size_t slot, uint8_t a, uint64_t qty, tb_olog_out *out) {
    tb_olog_order *o = &g->orders[slot];
    if (qty > o->qty) {
        if (a == 'E') g->overfill++;
        else g->overcancel++;
    }
    if (qty == 0 || qty >= o->qty) {
        const tb_olog_order gone = *o;
        tb__olog_odel(g, slot);
        tb__olog_level(g, gone.side, gone.px, 0, gone.qty, out);
        tb__olog_row(out, a, gone.id, 0, 0, gone.qty);
    } else {
        o->qty -= qty;
        tb__olog_level(g, o->side, o->px, 0, qty, out);
        tb__olog_row(out, a, o->id, 0, 0, qty);
    }
}

/* 0, or 1 when refused (tb__olog_add) */
static int tb__olog_modify(tb_olog *g, tb_olog_msgs *m, uint64_t id, uint8_t side, int64_t px, uint64_t qty,
                           tb_olog_out *out) {
    const size_t slot = tb__olog_ofind(g, id);
    tb_olog_order *o = &g->orders[slot];
    if (!o->qty) {
        if (!qty) return 0;
        m->modify_unknown++;
        return tb__olog_add(g, id, side, px, qty, out);
    }
    if (!qty) {
        tb__olog_remove(g, slot, out);
        return 0;
    }
    if (px == o->px && qty == o->qty) {
        m->modify_unchanged++;
        return 0;
    }
    if (!tb__olog_fits(g, o->side, px, qty, o, NULL)) {
        g->level_overflow++;
        return 1;
    }
    tb__olog_level(g, o->side, o->px, 0, o->qty, out);
    o->px = px;
    o->qty = qty;
    tb__olog_level(g, o->side, px, qty, 0, out);
    tb__olog_row(out, 'M', id, o->side, px, qty);
    return 0;
}

/* O(what rests + capacity / 64): see tb__olog_wipe */
static void tb__olog_clear(tb_olog *g, tb_olog_out *out) {
    const size_t before = out->n_l2; /* the levels are distinct: only earlier rows can name one */
    size_t k;
    TB__OLOG_EACH_USED(k, g->lused, g->lcap)
        tb__olog_l2_row(out, g->levels[k].side, g->levels[k].px, 0, before);
    TB__OLOG_EACH_USED(k, g->lwused, 2 * g->lwcap)
        tb__olog_l2_row(out, (uint8_t)(k & 1), tb__olog_lpx(g, k), 0, before);
    tb__olog_wipe(g->orders, sizeof *g->orders, g->oused, g->ocap, g->ocount);
    tb__olog_wipe(g->levels, sizeof *g->levels, g->lused, g->lcap, g->lcount);
    tb__olog_wipe(g->lwin, sizeof *g->lwin, g->lwused, 2 * g->lwcap, g->lwcount);
    g->ocount = g->lcount = g->lwcount = 0;
    tb__olog_row(out, 'R', 0, 0, 0, 0);
}

/* a[0..n) in ascending order (heapsort: no allocation, no recursion) */
static void tb__olog_sort_ids(uint64_t *a, size_t n) {
    size_t start = n / 2, end = n;
    while (end > 1) {
        size_t root, child;
        uint64_t t;
        if (start > 0) {
            start--;
        } else {
            end--;
            t = a[0], a[0] = a[end], a[end] = t;
        }
        for (root = start; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && a[child + 1] > a[child]) child++;
            if (a[root] >= a[child]) break;
            t = a[root], a[root] = a[child], a[child] = t;
        }
    }
}

/* every order of side leaves, in ascending id order (the table's order depends on its
 * random key: a replay's rows must not). The ids are gathered where their 'C' rows go
 * (out has room for ocount + 1 MBO rows, tb__olog_worst), sorted there, and each row is
 * written over the id it was read from. */
static void tb__olog_clear_side(tb_olog *g, uint8_t side, tb_olog_out *out) {
    uint64_t *ids = out->order_id + out->n_mbo;
    size_t k, n = 0;
    TB__OLOG_EACH_USED(k, g->oused, g->ocap)
        if (g->orders[k].side == side) ids[n++] = g->orders[k].id;
    tb__olog_sort_ids(ids, n);
    for (k = 0; k < n; k++) tb__olog_remove(g, tb__olog_ofind(g, ids[k]), out); /* writes row k over ids[k] */
}

static int tb__olog_op_known(uint8_t op) {
    switch (op) {
    case 0: case 'A': case 'C': case 'D': case 'E': case 'M': case 'R': case 'T': case 'U': case 'X': return 1;
    default: return 0;
    }
}

/* the most rows op can write: MBO rows, L2 rows */
static void tb__olog_worst(const tb_olog *g, uint8_t op, size_t *mbo, size_t *l2) {
    *mbo = 2;
    *l2 = 2;
    if (op == 'R') *l2 = g->lcount + g->lwcount, *mbo = 1;
    else if (op == 'T') *mbo = g->ocount + 1, *l2 = g->ocount + 1;
}

TB_API int tb_olog_run(tb_olog *g, const tb_olog_ops *in, size_t first, size_t n, tb_olog_out *out,
                       tb_olog_msgs *m, size_t *n_done) {
    size_t r;
    if (!g || !in || !out || !m || !n_done || !g->orders || !out->action) return TB_ERR_NULL;
    *n_done = first;
    if (first > n) return TB_ERR_BADARG;
    if (out->l2_msg > out->n_l2) out->l2_msg = out->n_l2; /* out was drained inside a message */
    for (r = first; r < n; r++) {
        const uint8_t a = in->op[r], side = in->side[r];
        const uint64_t id = in->order_id[r], qty = in->qty[r];
        size_t wm, wl, slot;
        int refused = 0;
        if (!tb__olog_op_known(a) || side > 1 || in->end[r] > 1) return TB_ERR_BADARG;
        if (out->n_mbo > m->mbo_cap || out->n_l2 > m->l2_cap) return TB_ERR_BADARG;
        tb__olog_worst(g, a, &wm, &wl);
        if (wm > m->mbo_cap - out->n_mbo || wl > m->l2_cap - out->n_l2 || m->n_msg >= m->msg_cap)
            return TB_ERR_FULL;
        /* a clear empties the tables: it does not grow them first ('T' reserves below) */
        if (a != 'R' && a != 'T' && tb__olog_reserve(g) != TB_OK) return TB_ERR_NOMEM;
        if (a == 'A') {
            refused = tb__olog_add(g, id, side, in->px[r], qty, out);
        } else if (a == 'M') {
            refused = tb__olog_modify(g, m, id, side, in->px[r], qty, out);
        } else if (a == 'U') {
            if (g->orders[tb__olog_ofind(g, id)].qty) {
                refused = tb__olog_modify(g, m, id, side, in->px[r], qty, out);
            } else {
                m->changed_unknown++;
                refused = tb__olog_add(g, id, side, in->px[r], qty, out);
            }
        } else if (a == 'X') {
            slot = tb__olog_ofind(g, id);
            if (g->orders[slot].qty) tb__olog_remove(g, slot, out);
            else m->deleted_unknown++;
        } else if (a == 'R') {
            tb__olog_clear(g, out);
        } else if (a == 'T') {
            /* Room for the add after the clear. Every row reserves before it and adds at most
             * one order and one level, so after it 4 * ocount <= 3 * ocap and
             * 2 * (lcount + 1) <= lcap: a clear that removed an order (and so a level) leaves
             * room without growing, and one that removed nothing did nothing, so a growth
             * that fails here leaves the row undone. */
            tb__olog_clear_side(g, side, out);
            if (qty) {
                if (tb__olog_reserve(g) != TB_OK) return TB_ERR_NOMEM;
                (void)tb__olog_add(g, id, side, in->px[r], qty, out); /* an emptied side: it fits */
            }
        } else if (a) { /* C, D, E */
            const uint64_t alt = in->alt_id[r];
            int stood_in = 0;
            slot = tb__olog_ofind(g, id);
            if (!g->orders[slot].qty && alt && g->orders[tb__olog_ofind(g, alt)].qty) {
                m->initial_level++;
                slot = tb__olog_ofind(g, alt);
                stood_in = 1;
            }
            if (!g->orders[slot].qty) g->unknown_id++;
            else if (a == 'E' && qty == 0) g->zero_qty++;
            else tb__olog_take(g, slot, a == 'E' ? 'E' : 'C', a == 'D' && !stood_in ? 0 : qty, out);
        }
        if (in->end[r]) {
            out->mbo_end[m->n_msg] = (int64_t)out->n_mbo;
            out->l2_end[m->n_msg] = (int64_t)out->n_l2;
            out->l2_msg = out->n_l2;
            m->n_msg++;
        }
        *n_done = r + 1;
        if (refused) return TB_ERR_OVERFLOW;
    }
    return TB_OK;
}

TB_API size_t tb_olog_export(const tb_olog *g, uint64_t *ids, uint8_t *sides, int64_t *px, uint64_t *qty,
                             size_t cap) {
    size_t k, n = 0;
    if (!g || !g->orders) return 0;
    TB__OLOG_EACH_USED(k, g->oused, g->ocap) {
        if (n == cap) break;
        if (ids) ids[n] = g->orders[k].id;
        if (sides) sides[n] = g->orders[k].side;
        if (px) px[n] = g->orders[k].px;
        if (qty) qty[n] = g->orders[k].qty;
        n++;
    }
    return n;
}

#endif /* TB_ORDER_LOG_H */
