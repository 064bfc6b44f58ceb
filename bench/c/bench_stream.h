/* bench_stream.h — the seeded workload generators. Each workload is generated
 * up front into plain arrays (side, px, qty: the layout of tapebook's apply);
 * the timed loops only read them.
 *
 * Model. The generator keeps a shadow book (a dense quantity array per side)
 * around a mid price: bids are set strictly below mid, asks strictly above,
 * so no generated book is ever crossed. When mid moves, a level the move
 * would cross is deleted first (a separate op in the stream). An update op
 * draws a side, a distance d >= 0 from the touch (bid px = mid - 1 - d, ask
 * px = mid + 1 + d) and a quantity in [1, 1000]. A delete op draws its price
 * from the same distribution and sends qty 0; when that level is empty the
 * delete is a no-op erase, as in a depth-limited incremental feed. The
 * fraction of deletes that removed a live level is reported.
 *
 * Workloads (the distance laws are per side, in ticks):
 *   clustered     d: 70% < 10, 20% < 40 (4x), 10% < 160 (16x); 15% deletes;
 *                 mid steps +-1 every 256 ops
 *   uniform       d uniform in [0, 500); 15% deletes; mid fixed
 *   heavy_spill   d: 20% < 100, 80% in [1100, 3100) (outside the tape for
 *                 every N <= 2048); 15% deletes; mid fixed
 *   price_walk    clustered d; 15% deletes; mid += 1 every 8 ops, so both
 *                 sides drift up: bids promote, old bids pile up in the spill
 *                 (evicted at max_cap), asks are taken out at the touch
 *   cancel_heavy  clustered d; 70% deletes; mid steps +-1 every 256 ops
 *   book_shift    a 32-level ladder per side at every tick from the touch;
 *                 each event moves mid by 1-3 ticks (random direction): the
 *                 levels leaving the ladder are deleted, then all 32 levels
 *                 of each side are set with new quantities
 *   bbo_improve   every 4th op sets a new best (one tick better, moving mid
 *                 and taking out the opposite touch when the spread is one
 *                 tick); the other ops are clustered with 15% deletes
 *   mixed         the clustered stream (same seed), with a BBO read (best
 *                 bid/ask px and qty) after every update, timed together
 * Each workload has an untimed prefill (20000 ops of the same law with mid
 * fixed; the ladder for book_shift) that builds the starting book.
 *
 * Workloads with other operations than set (`kind[]` beside the arrays; a
 * reference book does what the operation means for an exact, unbounded book):
 *   mixed_reset   per op: 0.5% reset near a mid that random-walks (+-0..3
 *                 ticks on 5% of ops), 3.5% erase_better (1 in 20 with an
 *                 extreme threshold that wipes the side), 3.5% recenter
 *                 (anchor within -2048 ... +1024 of the mid, 1 in 25 at the
 *                 anchor bounds; a no-op for the references), 22.5% cancels,
 *                 70% sets; set / cancel prices 70% within -5 ... 40 ticks of
 *                 the mid on the passive side, 20% 40 ... 600, 9% 600 ...
 *                 5000, 1% 1e5 ... 1e8 away (no shadow book: far too wide)
 *   snapshot_reset  every 20000 updates a snapshot of 5000 levels a side
 *                 (dense at the touch, gaps growing with depth: ~36k ticks
 *                 deep) replaces the book in ONE operation (tapebook:
 *                 load_snapshot; references: a bulk copy); the updates in
 *                 between are the clustered law with the mid moving +-1
 *                 every 256 ops; spills sized to hold a whole snapshot
 *   snapshot_sets the same stream with every snapshot sent as a reset and
 *                 then one set per level, best first (bids, then asks), as
 *                 a book without a bulk load has to take it
 * A reset's px is the mid: each book anchors its tapes at mid - N/2. A
 * recenter's px is the anchor, clamped by each book into its own valid
 * range (INT32_MIN / INT32_MAX: "at the bounds"). */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_rng.h"

#define BENCH_BASE_PX 1000000
#define BENCH_PREFILL_OPS 20000u

/* Operation kinds (kind[] of a stream that has other operations than set). */
enum {
    BENCH_K_SET = 0,     /* set(side, px, qty) */
    BENCH_K_RESET,       /* reset both sides, tapes anchored at px - N/2 (px: the mid) */
    BENCH_K_ERASE,       /* erase_better(side, px) */
    BENCH_K_RECENTER,    /* recenter(side, anchor px clamped into the valid range) */
    BENCH_K_SNAPSHOT,    /* replace both sides by snapshot number px, in one call */
    BENCH_K_SNAPSET,     /* set() that is part of a snapshot sent level by level */
    BENCH_NK
};
static const char *const bench_kind_names[BENCH_NK] = {"set", "reset", "erase_better", "recenter", "snapshot",
                                                       "snapshot_set"};

/* Snapshots of a stream: levels best first, bids then asks of each. */
typedef struct bench_snap {
    size_t bid_off, n_bid, ask_off, n_ask;
} bench_snap;

typedef struct bench_snaps {
    bench_snap *s;
    size_t n, cap;
    int32_t *px;
    uint32_t *qty;
    size_t nlv, cap_lv;
    size_t max_side; /* most levels of one side in one snapshot */
} bench_snaps;

typedef struct bench_ops {
    uint8_t *side;
    int32_t *px;
    uint32_t *qty;
    uint8_t *kind; /* NULL: every op is a set */
    const bench_snaps *snaps;
    size_t n, cap;
} bench_ops;

typedef struct bench_stream {
    const char *name;
    const char *desc;
    bench_ops pre;       /* untimed prefill: the starting book */
    bench_ops run;       /* the timed stream */
    int mixed;           /* a BBO read after every update */
    int rich;            /* operations other than set (kind[] is set) */
    uint32_t max_cap;    /* spill max_cap of the tapebook books */
    int32_t mid0;        /* mid at the start: tapes anchored at mid0 - N/2 */
    bench_snaps snaps;
    uint64_t seed;
    /* stream statistics (timed part) */
    uint64_t n_set, n_del, n_del_hit, n_improve;
    uint64_t n_kind[BENCH_NK]; /* rich streams: operations of each kind */
    uint64_t n_snap_levels;    /* levels in the timed part's snapshots */
    uint32_t live_end[2];  /* live levels per side in the shadow book at the end */
    uint32_t live_max[2];  /* maximum live levels per side during the stream */
    int32_t mid_min, mid_max;
} bench_stream;

enum { BENCH_DIST_CLUSTERED, BENCH_DIST_UNIFORM, BENCH_DIST_HEAVY };
enum { BENCH_MID_FIXED, BENCH_MID_RANDOM, BENCH_MID_UP };

typedef struct bench_gen {
    bench_rng rng;
    int32_t lo;      /* price of dense cell 0 */
    uint32_t span;   /* dense cells */
    uint32_t *q[2];  /* shadow quantity per price, [0] ask, [1] bid */
    uint32_t live[2];
    int32_t mid;
    bench_ops *out;
    bench_stream *st;
    int counting;    /* 1 while generating the timed part */
} bench_gen;

static void bench_die(const char *msg) {
    fprintf(stderr, "bench_c: %s\n", msg);
    exit(2);
}

static void bench_ops_alloc(bench_ops *o, size_t cap) {
    o->side = (uint8_t *)malloc(cap ? cap : 1);
    o->px = (int32_t *)malloc((cap ? cap : 1) * sizeof(int32_t));
    o->qty = (uint32_t *)malloc((cap ? cap : 1) * sizeof(uint32_t));
    if (!o->side || !o->px || !o->qty) bench_die("out of memory for an op stream");
    o->n = 0;
    o->cap = cap;
}

static void bench_ops_free(bench_ops *o) {
    free(o->side);
    free(o->px);
    free(o->qty);
    free(o->kind);
    memset(o, 0, sizeof *o);
}

static void bench_stream_free(bench_stream *s) {
    bench_ops_free(&s->pre);
    bench_ops_free(&s->run);
    free(s->snaps.s);
    free(s->snaps.px);
    free(s->snaps.qty);
    memset(&s->snaps, 0, sizeof s->snaps);
}

/* Append one operation of any kind (dropped once the stream is full). */
static void bench_ops_put(bench_ops *o, int kind, int side, int32_t px, uint32_t qty) {
    if (o->n >= o->cap) return;
    o->side[o->n] = (uint8_t)side;
    o->px[o->n] = px;
    o->qty[o->n] = qty;
    if (o->kind) o->kind[o->n] = (uint8_t)kind;
    else if (kind != BENCH_K_SET) bench_die("a non-set operation in a set-only stream");
    o->n++;
}

static inline int bench_gen_full(const bench_gen *g) { return g->out->n >= g->out->cap; }

static inline uint32_t *bench_gen_cell(bench_gen *g, int side, int32_t px) {
    uint32_t i = (uint32_t)(px - g->lo);
    if (px < g->lo || i >= g->span) bench_die("generator price left its dense range");
    return &g->q[side][i];
}

/* Append one op (dropped silently once the stream is full) and mirror it. */
static void bench_gen_emit(bench_gen *g, int side, int32_t px, uint32_t qty) {
    uint32_t *c = bench_gen_cell(g, side, px);
    bench_ops *o = g->out;
    if (o->n >= o->cap) return;
    bench_ops_put(o, BENCH_K_SET, side, px, qty);
    if (g->counting) {
        if (qty) g->st->n_set++;
        else {
            g->st->n_del++;
            if (*c) g->st->n_del_hit++;
        }
    }
    if (*c && !qty) g->live[side]--;
    if (!*c && qty) g->live[side]++;
    *c = qty;
    if (g->counting) {
        if (g->live[side] > g->st->live_max[side]) g->st->live_max[side] = g->live[side];
        if (g->mid < g->st->mid_min) g->st->mid_min = g->mid;
        if (g->mid > g->st->mid_max) g->st->mid_max = g->mid;
    }
}

static inline uint32_t bench_gen_dist(bench_gen *g, int dist) {
    uint32_t p;
    switch (dist) {
    case BENCH_DIST_UNIFORM: return bench_rng_below(&g->rng, 500);
    case BENCH_DIST_HEAVY:
        p = bench_rng_pct(&g->rng);
        return p < 20 ? bench_rng_below(&g->rng, 100) : 1100u + bench_rng_below(&g->rng, 2000);
    default:
        p = bench_rng_pct(&g->rng);
        if (p < 70) return bench_rng_below(&g->rng, 10);
        if (p < 90) return bench_rng_below(&g->rng, 40);
        return bench_rng_below(&g->rng, 160);
    }
}

static inline int32_t bench_gen_px(const bench_gen *g, int side, uint32_t d) {
    return side ? g->mid - 1 - (int32_t)d : g->mid + 1 + (int32_t)d;
}

static inline uint32_t bench_gen_qty(bench_gen *g) { return 1u + bench_rng_below(&g->rng, 1000); }

/* Move mid by one tick, deleting the level the move would cross. */
static void bench_gen_step_mid(bench_gen *g, int up) {
    int32_t m = up ? g->mid + 1 : g->mid - 1;
    int side = up ? 0 : 1; /* moving up takes out the ask at m, down the bid at m */
    if (*bench_gen_cell(g, side, m)) bench_gen_emit(g, side, m, 0);
    g->mid = m;
}

/* Best live price of a side (scan from the touch), or 0 when none nearby. */
static int bench_gen_best(bench_gen *g, int side, int32_t *px) {
    int32_t k;
    for (k = 0; k < 20000; k++) {
        int32_t p = side ? g->mid - 1 - k : g->mid + 1 + k;
        if (p < g->lo || (uint32_t)(p - g->lo) >= g->span) return 0;
        if (g->q[side][p - g->lo]) {
            *px = p;
            return 1;
        }
    }
    return 0;
}

/* One update or delete drawn from the law. */
static void bench_gen_op(bench_gen *g, int dist, uint32_t del_pct) {
    int side = (int)(bench_rng_next(&g->rng) >> 63);
    int del = bench_rng_pct(&g->rng) < del_pct;
    uint32_t d = bench_gen_dist(g, dist);
    bench_gen_emit(g, side, bench_gen_px(g, side, d), del ? 0u : bench_gen_qty(g));
}

/* A new best on a random side: one tick better than the current best; when
 * the spread is one tick, mid moves and the opposite touch is taken out. */
static void bench_gen_improve(bench_gen *g) {
    int side = (int)(bench_rng_next(&g->rng) >> 63);
    int32_t best;
    if (!bench_gen_best(g, side, &best)) best = side ? g->mid - 2 : g->mid + 2;
    if (side) {
        if (best + 1 >= g->mid) bench_gen_step_mid(g, 1);
        bench_gen_emit(g, 1, best + 1, bench_gen_qty(g));
    } else {
        if (best - 1 <= g->mid) bench_gen_step_mid(g, 0);
        bench_gen_emit(g, 0, best - 1, bench_gen_qty(g));
    }
    if (g->counting) g->st->n_improve++;
}

typedef struct bench_law {
    int dist;
    uint32_t del_pct;
    int mid_mode;
    uint32_t mid_every;     /* ops between mid steps (0: never) */
    uint32_t improve_every; /* ops between forced improvements (0: never) */
    int shift;              /* book_shift ladder workload */
    int gen;                /* BENCH_GEN_*: which generator */
} bench_law;

enum { BENCH_GEN_CLASSIC = 0, BENCH_GEN_MIXED_RESET, BENCH_GEN_SNAPSHOT, BENCH_GEN_SNAPSHOT_SETS };

#define BENCH_LADDER 32

static void bench_gen_ladder_set(bench_gen *g) {
    int32_t k;
    for (k = 0; k < BENCH_LADDER; k++) bench_gen_emit(g, 1, g->mid - 1 - k, bench_gen_qty(g));
    for (k = 0; k < BENCH_LADDER; k++) bench_gen_emit(g, 0, g->mid + 1 + k, bench_gen_qty(g));
}

/* Book shift event: delete the levels leaving the ladders, set both ladders. */
static void bench_gen_shift(bench_gen *g) {
    int up = (int)(bench_rng_next(&g->rng) >> 63);
    int32_t s = 1 + (int32_t)bench_rng_below(&g->rng, 3), nm = up ? g->mid + s : g->mid - s;
    int32_t k;
    for (k = 0; k < BENCH_LADDER; k++) { /* old bids not in [nm - 32, nm - 1] */
        int32_t p = g->mid - 1 - k;
        if ((p >= nm || p < nm - BENCH_LADDER) && *bench_gen_cell(g, 1, p)) bench_gen_emit(g, 1, p, 0);
    }
    for (k = 0; k < BENCH_LADDER; k++) { /* old asks not in [nm + 1, nm + 32] */
        int32_t p = g->mid + 1 + k;
        if ((p <= nm || p > nm + BENCH_LADDER) && *bench_gen_cell(g, 0, p)) bench_gen_emit(g, 0, p, 0);
    }
    g->mid = nm;
    bench_gen_ladder_set(g);
}

static void bench_gen_run(bench_gen *g, const bench_law *law, int timed) {
    uint64_t i = 0;
    while (!bench_gen_full(g)) {
        if (law->shift) {
            if (timed) bench_gen_shift(g);
            else {
                bench_gen_ladder_set(g);
                break;
            }
            continue;
        }
        if (timed && law->mid_every && i % law->mid_every == law->mid_every - 1) {
            int up = law->mid_mode == BENCH_MID_UP ? 1 : (int)(bench_rng_next(&g->rng) >> 63);
            bench_gen_step_mid(g, up);
        }
        if (timed && law->improve_every && i % law->improve_every == 0) bench_gen_improve(g);
        else bench_gen_op(g, law->dist, law->del_pct);
        i++;
    }
}

/* ---- mixed_reset ---------------------------------------------------------------- */

/* erase_better thresholds that wipe a side: valid prices for every N <= 4096 */
#define BENCH_PX_WIPE_BID (INT32_MIN + 4096)
#define BENCH_PX_WIPE_ASK (INT32_MAX - 4096)

/* mixed_reset's distance from the mid on the passive side: 70% -5 ... 40
 * ticks, 20% 40 ... 600, 9% 600 ... 5000, 1% 1e5 ... 1e8 (per mille draws). */
static int32_t bench_mixed_px(bench_rng *r, int32_t mid, int side) {
    const uint32_t p = bench_rng_below(r, 1000);
    int32_t d;
    if (p < 700) d = -5 + (int32_t)bench_rng_below(r, 46);
    else if (p < 900) d = 40 + (int32_t)bench_rng_below(r, 561);
    else if (p < 990) d = 600 + (int32_t)bench_rng_below(r, 4401);
    else d = 100000 + (int32_t)bench_rng_below(r, 100000000 - 100000 + 1);
    return side ? mid - d : mid + d;
}

/* Fill o with mixed_reset operations (the prefill: sets and cancels only,
 * mid fixed). */
static void bench_gen_mixed(bench_rng *r, bench_ops *o, int32_t *mid, bench_stream *st, int timed) {
    while (o->n < o->cap) {
        uint32_t k;
        int side, kind = BENCH_K_SET;
        int32_t px;
        uint32_t qty = 0;
        if (timed && bench_rng_below(r, 100) < 5) *mid += (int32_t)bench_rng_below(r, 7) - 3;
        k = timed ? bench_rng_below(r, 1000) : 75 + bench_rng_below(r, 925);
        side = (int)(bench_rng_next(r) >> 63);
        if (k < 5) { /* reset near the mid */
            kind = BENCH_K_RESET;
            px = *mid - 16 + (int32_t)bench_rng_below(r, 33);
        } else if (k < 40) {
            kind = BENCH_K_ERASE;
            px = bench_rng_below(r, 20) == 0 ? (side ? BENCH_PX_WIPE_BID : BENCH_PX_WIPE_ASK)
                                             : bench_mixed_px(r, *mid, side);
        } else if (k < 75) {
            kind = BENCH_K_RECENTER;
            px = bench_rng_below(r, 25) == 0 ? ((bench_rng_next(r) >> 63) ? INT32_MIN : INT32_MAX)
                                             : *mid - 2048 + (int32_t)bench_rng_below(r, 3073);
        } else {
            px = bench_mixed_px(r, *mid, side);
            if (k >= 300) qty = 1 + bench_rng_below(r, 1000); /* else a cancel */
        }
        bench_ops_put(o, kind, side, px, qty);
        if (timed) {
            st->n_kind[kind]++;
            if (kind == BENCH_K_SET) {
                if (qty) st->n_set++;
                else st->n_del++;
            }
            if (*mid < st->mid_min) st->mid_min = *mid;
            if (*mid > st->mid_max) st->mid_max = *mid;
        }
    }
}

/* ---- snapshot_reset / snapshot_sets ------------------------------------------------ */

#define BENCH_SNAP_LEVELS 5000u /* per side */
#define BENCH_SNAP_EVERY 20000u /* updates between snapshots */

static void bench_snaps_reserve(bench_snaps *sn, size_t levels) {
    if (sn->n == sn->cap) {
        sn->cap = sn->cap ? 2 * sn->cap : 16;
        sn->s = (bench_snap *)realloc(sn->s, sn->cap * sizeof *sn->s);
        if (!sn->s) bench_die("out of memory for snapshots");
    }
    if (sn->nlv + levels > sn->cap_lv) {
        while (sn->nlv + levels > sn->cap_lv) sn->cap_lv = sn->cap_lv ? 2 * sn->cap_lv : 65536;
        sn->px = (int32_t *)realloc(sn->px, sn->cap_lv * sizeof *sn->px);
        sn->qty = (uint32_t *)realloc(sn->qty, sn->cap_lv * sizeof *sn->qty);
        if (!sn->px || !sn->qty) bench_die("out of memory for snapshots");
    }
}

/* A new snapshot around the generator's mid, stored and mirrored into the
 * shadow book (which it replaces): per side BENCH_SNAP_LEVELS levels from
 * the touch outwards, every tick for the first 400, then gaps of 1 ... 1 +
 * depth/400 ticks (about 20k ticks deep in all). Returns its number. */
static size_t bench_gen_snapshot(bench_gen *g, bench_snaps *sn) {
    bench_snap *sp;
    int side;
    bench_snaps_reserve(sn, 2u * BENCH_SNAP_LEVELS);
    sp = &sn->s[sn->n];
    for (side = 1; side >= 0; side--) { /* bids, then asks */
        const size_t off = sn->nlv;
        int32_t d = 0;
        uint32_t k;
        memset(g->q[side], 0, g->span * sizeof(uint32_t));
        g->live[side] = 0;
        for (k = 0; k < BENCH_SNAP_LEVELS; k++) {
            int32_t px;
            uint32_t qty = bench_gen_qty(g);
            if (k) d += 1 + (int32_t)bench_rng_below(&g->rng, 1 + k / 400);
            px = bench_gen_px(g, side, (uint32_t)d);
            sn->px[sn->nlv] = px;
            sn->qty[sn->nlv] = qty;
            sn->nlv++;
            *bench_gen_cell(g, side, px) = qty;
            g->live[side]++;
        }
        if (side) {
            sp->bid_off = off;
            sp->n_bid = BENCH_SNAP_LEVELS;
        } else {
            sp->ask_off = off;
            sp->n_ask = BENCH_SNAP_LEVELS;
        }
    }
    if (BENCH_SNAP_LEVELS > sn->max_side) sn->max_side = BENCH_SNAP_LEVELS;
    return sn->n++;
}

/* A snapshot into the stream: one operation, or a reset and one set per level. */
static void bench_emit_snapshot(bench_gen *g, bench_stream *st, int as_sets, int timed) {
    const size_t k = bench_gen_snapshot(g, &st->snaps);
    const bench_snap *sp = &st->snaps.s[k];
    size_t i;
    if (!as_sets) {
        bench_ops_put(g->out, BENCH_K_SNAPSHOT, 0, (int32_t)k, 0);
    } else {
        bench_ops_put(g->out, BENCH_K_RESET, 0, g->mid, 0);
        for (i = 0; i < sp->n_bid; i++)
            bench_ops_put(g->out, BENCH_K_SNAPSET, 1, st->snaps.px[sp->bid_off + i], st->snaps.qty[sp->bid_off + i]);
        for (i = 0; i < sp->n_ask; i++)
            bench_ops_put(g->out, BENCH_K_SNAPSET, 0, st->snaps.px[sp->ask_off + i], st->snaps.qty[sp->ask_off + i]);
    }
    if (timed) {
        st->n_kind[as_sets ? BENCH_K_RESET : BENCH_K_SNAPSHOT]++;
        if (as_sets) st->n_kind[BENCH_K_SNAPSET] += sp->n_bid + sp->n_ask;
        st->n_snap_levels += sp->n_bid + sp->n_ask;
    }
}

/* `events` updates and snapshots (a snapshot every BENCH_SNAP_EVERY
 * updates); the prefill (timed = 0) is one snapshot. */
static void bench_gen_snapshots(bench_gen *g, bench_stream *st, int as_sets, size_t events, int timed) {
    size_t i;
    if (!timed) {
        bench_emit_snapshot(g, st, as_sets, 0);
        return;
    }
    for (i = 0; i < events; i++) {
        if (i % (BENCH_SNAP_EVERY + 1) == BENCH_SNAP_EVERY) {
            bench_emit_snapshot(g, st, as_sets, 1);
            continue;
        }
        if (i % 256 == 255) bench_gen_step_mid(g, (int)(bench_rng_next(&g->rng) >> 63));
        bench_gen_op(g, BENCH_DIST_CLUSTERED, 15);
        st->n_kind[BENCH_K_SET]++;
    }
}

/* Ops a stream needs room for: snapshots sent as sets take 1 + 2 x levels. */
static size_t bench_stream_room(const bench_law *law, size_t events, int timed) {
    if (law->gen == BENCH_GEN_SNAPSHOT) return timed ? events : 1;
    if (law->gen == BENCH_GEN_SNAPSHOT_SETS) {
        size_t snaps = timed ? events / (BENCH_SNAP_EVERY + 1) + 1 : 1;
        return (timed ? events : 0) + snaps * (2u * BENCH_SNAP_LEVELS + 1u);
    }
    return timed ? events : BENCH_PREFILL_OPS;
}

typedef struct bench_workload_def {
    const char *name;
    const char *desc;
    bench_law law;
    int mixed;
    uint64_t seed_salt;
    uint32_t max_cap; /* tapebook's spill max_cap (0: the harness default) */
} bench_workload_def;

static const bench_workload_def bench_workloads[] = {
    {"clustered", "d 70% <10, 20% <40, 10% <160 ticks from the touch; 15% deletes; mid +-1 every 256 ops",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0, BENCH_GEN_CLASSIC}, 0, 1, 0},
    {"uniform", "d uniform in [0, 500) ticks from the touch; 15% deletes; mid fixed",
     {BENCH_DIST_UNIFORM, 15, BENCH_MID_FIXED, 0, 0, 0, BENCH_GEN_CLASSIC}, 0, 2, 0},
    {"heavy_spill", "d 20% <100, 80% in [1100, 3100) ticks (outside the tape); 15% deletes; mid fixed",
     {BENCH_DIST_HEAVY, 15, BENCH_MID_FIXED, 0, 0, 0, BENCH_GEN_CLASSIC}, 0, 3, 0},
    {"price_walk", "clustered d; 15% deletes; mid +1 every 8 ops (both sides drift up), max_cap 4096",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_UP, 8, 0, 0, BENCH_GEN_CLASSIC}, 0, 4, 0},
    {"cancel_heavy", "clustered d; 70% deletes; mid +-1 every 256 ops",
     {BENCH_DIST_CLUSTERED, 70, BENCH_MID_RANDOM, 256, 0, 0, BENCH_GEN_CLASSIC}, 0, 5, 0},
    {"book_shift", "32-level ladders; each event moves mid 1-3 ticks: delete leaving levels, set both ladders",
     {BENCH_DIST_CLUSTERED, 0, BENCH_MID_FIXED, 0, 0, 1, BENCH_GEN_CLASSIC}, 0, 6, 0},
    {"bbo_improve", "every 4th op a new best (1 tick better); others clustered with 15% deletes",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_FIXED, 0, 4, 0, BENCH_GEN_CLASSIC}, 0, 7, 0},
    {"mixed", "the clustered stream with a BBO read (bid/ask px+qty) after every update",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0, BENCH_GEN_CLASSIC}, 1, 1, 0},
    {"mixed_reset",
     "per op 0.5% reset, 3.5% erase_better (1/20 wipes), 3.5% recenter (-2048..+1024 of mid, 1/25 at the "
     "bounds), 22.5% cancels, 70% sets; px 70% -5..40, 20% 40..600, 9% 600..5000, 1% 1e5..1e8 ticks from the mid",
     {BENCH_DIST_CLUSTERED, 0, BENCH_MID_RANDOM, 0, 0, 0, BENCH_GEN_MIXED_RESET}, 0, 8, 0},
    {"snapshot_reset",
     "a 5000-level-a-side snapshot every 20000 clustered updates, loaded in one call (load_snapshot / bulk copy)",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0, BENCH_GEN_SNAPSHOT}, 0, 9, 8192},
    {"snapshot_sets",
     "the snapshot_reset stream with every snapshot sent as reset + one set per level, best first",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0, BENCH_GEN_SNAPSHOT_SETS}, 0, 9, 8192},
};
#define BENCH_N_WORKLOADS (sizeof bench_workloads / sizeof bench_workloads[0])

/* Generate workload `w` with `ops` timed ops from `seed`. */
static void bench_stream_make(bench_stream *s, const bench_workload_def *w, size_t ops, uint64_t seed) {
    bench_gen g;
    int side;
    memset(s, 0, sizeof *s);
    memset(&g, 0, sizeof g);
    s->name = w->name;
    s->desc = w->desc;
    s->mixed = w->mixed;
    s->rich = w->law.gen != BENCH_GEN_CLASSIC;
    s->max_cap = w->max_cap;
    s->seed = seed ^ (w->seed_salt * UINT64_C(0x9e3779b97f4a7c15));
    bench_rng_seed(&g.rng, s->seed);
    g.span = (uint32_t)(262144u + 2u * ops);
    g.mid = BENCH_BASE_PX;
    g.lo = g.mid - 131072;
    for (side = 0; side < 2; side++) {
        g.q[side] = (uint32_t *)calloc(g.span, sizeof(uint32_t));
        if (!g.q[side]) bench_die("out of memory for the generator");
    }
    s->mid0 = g.mid;
    s->mid_min = s->mid_max = g.mid;
    g.st = s;
    bench_ops_alloc(&s->pre, bench_stream_room(&w->law, ops, 0));
    bench_ops_alloc(&s->run, bench_stream_room(&w->law, ops, 1));
    if (s->rich) {
        s->pre.kind = (uint8_t *)malloc(s->pre.cap ? s->pre.cap : 1);
        s->run.kind = (uint8_t *)malloc(s->run.cap ? s->run.cap : 1);
        if (!s->pre.kind || !s->run.kind) bench_die("out of memory for an op stream");
    }
    s->pre.snaps = s->run.snaps = &s->snaps;
    g.out = &s->pre;
    g.counting = 0;
    if (w->law.gen == BENCH_GEN_MIXED_RESET) bench_gen_mixed(&g.rng, &s->pre, &g.mid, s, 0);
    else if (w->law.gen != BENCH_GEN_CLASSIC) bench_gen_snapshots(&g, s, w->law.gen == BENCH_GEN_SNAPSHOT_SETS, 0, 0);
    else bench_gen_run(&g, &w->law, 0);
    g.out = &s->run;
    g.counting = 1;
    s->live_max[0] = g.live[0];
    s->live_max[1] = g.live[1];
    if (w->law.gen == BENCH_GEN_MIXED_RESET) bench_gen_mixed(&g.rng, &s->run, &g.mid, s, 1);
    else if (w->law.gen != BENCH_GEN_CLASSIC) bench_gen_snapshots(&g, s, w->law.gen == BENCH_GEN_SNAPSHOT_SETS, ops, 1);
    else bench_gen_run(&g, &w->law, 1);
    s->live_end[0] = g.live[0];
    s->live_end[1] = g.live[1];
    free(g.q[0]);
    free(g.q[1]);
}

#endif /* BENCH_STREAM_H */
