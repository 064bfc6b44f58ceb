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
 * fixed; the ladder for book_shift) that builds the starting book. */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_rng.h"

#define BENCH_BASE_PX 1000000
#define BENCH_PREFILL_OPS 20000u

typedef struct bench_ops {
    uint8_t *side;
    int32_t *px;
    uint32_t *qty;
    size_t n, cap;
} bench_ops;

typedef struct bench_stream {
    const char *name;
    const char *desc;
    bench_ops pre;       /* untimed prefill: the starting book */
    bench_ops run;       /* the timed stream */
    int mixed;           /* a BBO read after every update */
    int32_t mid0;        /* mid at the start: tapes anchored at mid0 - N/2 */
    uint64_t seed;
    /* stream statistics (timed part) */
    uint64_t n_set, n_del, n_del_hit, n_improve;
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
    memset(o, 0, sizeof *o);
}

static void bench_stream_free(bench_stream *s) {
    bench_ops_free(&s->pre);
    bench_ops_free(&s->run);
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
    o->side[o->n] = (uint8_t)side;
    o->px[o->n] = px;
    o->qty[o->n] = qty;
    o->n++;
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
} bench_law;

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

typedef struct bench_workload_def {
    const char *name;
    const char *desc;
    bench_law law;
    int mixed;
    uint64_t seed_salt;
} bench_workload_def;

static const bench_workload_def bench_workloads[] = {
    {"clustered", "d 70% <10, 20% <40, 10% <160 ticks from the touch; 15% deletes; mid +-1 every 256 ops",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0}, 0, 1},
    {"uniform", "d uniform in [0, 500) ticks from the touch; 15% deletes; mid fixed",
     {BENCH_DIST_UNIFORM, 15, BENCH_MID_FIXED, 0, 0, 0}, 0, 2},
    {"heavy_spill", "d 20% <100, 80% in [1100, 3100) ticks (outside the tape); 15% deletes; mid fixed",
     {BENCH_DIST_HEAVY, 15, BENCH_MID_FIXED, 0, 0, 0}, 0, 3},
    {"price_walk", "clustered d; 15% deletes; mid +1 every 8 ops (both sides drift up), max_cap 4096",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_UP, 8, 0, 0}, 0, 4},
    {"cancel_heavy", "clustered d; 70% deletes; mid +-1 every 256 ops",
     {BENCH_DIST_CLUSTERED, 70, BENCH_MID_RANDOM, 256, 0, 0}, 0, 5},
    {"book_shift", "32-level ladders; each event moves mid 1-3 ticks: delete leaving levels, set both ladders",
     {BENCH_DIST_CLUSTERED, 0, BENCH_MID_FIXED, 0, 0, 1}, 0, 6},
    {"bbo_improve", "every 4th op a new best (1 tick better); others clustered with 15% deletes",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_FIXED, 0, 4, 0}, 0, 7},
    {"mixed", "the clustered stream with a BBO read (bid/ask px+qty) after every update",
     {BENCH_DIST_CLUSTERED, 15, BENCH_MID_RANDOM, 256, 0, 0}, 1, 1},
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
    bench_ops_alloc(&s->pre, BENCH_PREFILL_OPS);
    bench_ops_alloc(&s->run, ops);
    g.out = &s->pre;
    g.counting = 0;
    bench_gen_run(&g, &w->law, 0);
    g.out = &s->run;
    g.counting = 1;
    s->live_max[0] = g.live[0];
    s->live_max[1] = g.live[1];
    bench_gen_run(&g, &w->law, 1);
    s->live_end[0] = g.live[0];
    s->live_end[1] = g.live[1];
    free(g.q[0]);
    free(g.q[1]);
}

#endif /* BENCH_STREAM_H */
