/* test_l3_fuzz.c — seeded differential fuzz of the L3 books against the naive
 * reference in ref_l3.h.
 *
 * A suite drives one L3 variant with a random stream of operations (add,
 * cancel, reduce, execute, modify up/down, amend, replace, clear, invalid
 * input, apply_mbo batches with and without the BBO trace, dump/load round
 * trips, recenters of the L2 view) and replays every one on the reference
 * (a flat array of orders with priority numbers). A plain L2 book is fed the
 * level changes the reference derives. After EVERY operation: the status, the
 * BBO of the L3 book's L2 view = the plain book's = the reference's, and the
 * queue (FIFO ids and quantities) and L2 quantity of every level the
 * operation touched. Every few operations (every one for small books; the
 * period grows with the number of orders): the full depth of both sides (L3 view = plain L2 book = reference), every
 * order's record and queue position, the count, verify_invariants().
 *
 * Categories: deep queues, churn at the touch, modify up/down, replace
 * storms, id reuse after cancel, adversarial ids (colliding under the book's
 * own key, and under a weak identity hash), arena exhaustion, level limit
 * (small max_cap, wide prices: FULL), crossed books, quantity overflow,
 * price-domain edges, MBO batches, dump/load, reserved growth (books made by
 * create_reserved with a tiny reserve: the arena, index and level records
 * grow on demand up to max_orders, loads grow fresh reserved books).
 *
 * Usage: test_l3_fuzz [--profile quick|sanitizer|full] [--seed S]
 *                     [--category NAME] [--suite-seed S] [--ops N]
 * One line per suite, then totals and "N passed, N failed" (suites). Rerun a
 * failure alone with --category NAME --suite-seed SEED. */
#include "l3_drv.h"
#include "ref_l3.h"
#include "tb_test.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* ---- PRNG (xoshiro256** seeded by splitmix64) ------------------------------------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static void rng_seed(rng *r, uint64_t seed) {
    int i;
    for (i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s, res = rotl(s[1] * 5u, 7) * 9u, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}
static uint64_t rng_below(rng *r, uint64_t n) { return n ? rng_next(r) % n : 0; }
static int rng_chance(rng *r, unsigned pct) { return rng_below(r, 100) < pct; }

/* ---- suites ------------------------------------------------------------------------- */

enum { OP_ADD, OP_CANCEL, OP_REDUCE, OP_EXEC, OP_MODIFY, OP_AMEND, OP_REPLACE, OP_CLEAR, OP_INVALID, OP_BATCH,
       OP_DUMP, OP_RECENTER, OP_KINDS };

typedef struct suite_cfg {
    const char *cat;
    int index;
    uint64_t seed;
    long ops;
    const l3drv *d;
    uint32_t max_orders, max_cap;
    uint32_t reserve; /* 0: create(); else create_reserved() with this reserve */
    unsigned weight[OP_KINDS];
    int64_t center, width;   /* prices in [center - width, center + width], clamped to the domain */
    unsigned touch_pct;      /* adds near the side's best */
    uint64_t qty_lo, qty_hi; /* add quantities */
    uint64_t id_space;       /* 0: fresh ids; else ids in [1, id_space] (reuse) */
    int adversarial;         /* 1: ids colliding under the book's key; 2: k << 32 */
    int bbo_batches;         /* batches use apply_mbo_bbo */
    long full_every;         /* full comparison period */
} suite_cfg;

typedef struct category {
    const char *name;
    int suites[3]; /* quick, sanitizer, full */
    void (*make)(suite_cfg *c, rng *r, int i);
} category;

static void base_cfg(suite_cfg *c, rng *r, int i) {
    unsigned k;
    c->d = l3drv_all[(size_t)(rng_below(r, L3DRV_COUNT) + (unsigned)i) % L3DRV_COUNT];
    c->max_orders = 4096;
    c->max_cap = 4096;
    for (k = 0; k < OP_KINDS; k++) c->weight[k] = 0;
    c->weight[OP_ADD] = 45;
    c->weight[OP_CANCEL] = 25;
    c->weight[OP_REDUCE] = 5;
    c->weight[OP_EXEC] = 10;
    c->weight[OP_MODIFY] = 5;
    c->weight[OP_AMEND] = 3;
    c->weight[OP_REPLACE] = 3;
    c->weight[OP_INVALID] = 2;
    c->weight[OP_BATCH] = 1;
    c->weight[OP_DUMP] = 0;
    c->weight[OP_RECENTER] = 1;
    c->center = 100000 + (int64_t)rng_below(r, 1000);
    c->width = 200;
    c->touch_pct = 50;
    c->qty_lo = 1;
    c->qty_hi = 1000;
    c->full_every = 16;
}

static void mk_deep(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->width = 3; /* few prices, long queues */
    c->max_orders = 2000;
    c->full_every = 64;
}
static void mk_touch(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->touch_pct = 90;
    c->weight[OP_CANCEL] = 35;
    c->width = 50;
}
static void mk_modify(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->weight[OP_MODIFY] = 35;
    c->weight[OP_AMEND] = 15;
    c->width = 10;
}
static void mk_replace(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->weight[OP_REPLACE] = 40;
    c->weight[OP_CANCEL] = 10;
    c->width = 30;
}
static void mk_reuse(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->id_space = 64 + rng_below(r, 200);
    c->weight[OP_CANCEL] = 40;
    c->weight[OP_REPLACE] = 10;
}
static void mk_adversarial(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->adversarial = 1 + (i & 1);
    c->max_orders = 512;
    c->weight[OP_ADD] = 55;
    c->weight[OP_CANCEL] = 20;
    c->full_every = 32;
}
static void mk_arena(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->max_orders = 1 + (uint32_t)rng_below(r, 80);
    c->weight[OP_ADD] = 70;
    c->full_every = 1;
}
static void mk_levels(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->max_cap = 1u << rng_below(r, 6); /* 1 .. 32 levels per side */
    c->width = 3000;                     /* far beyond every tape: spill, promotes */
    c->touch_pct = 20;
    c->full_every = 1;
}
static void mk_crossed(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->touch_pct = 0; /* bids and asks from one range: crossed most of the time */
    c->width = 20;
}
static void mk_overflow(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->width = 4;
    c->qty_lo = c->d->qmax / 4;
    c->qty_hi = c->d->qmax / 2 + 7;
    c->weight[OP_MODIFY] = 20;
    c->weight[OP_AMEND] = 10;
    c->weight[OP_REPLACE] = 10;
    c->full_every = 1;
}
static void mk_edges(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->center = (i & 1) ? c->d->pmin + 40 : c->d->pmax - 40;
    c->width = 300;
    c->touch_pct = 30;
    c->full_every = 1;
}
static void mk_batch(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->weight[OP_BATCH] = 30;
    c->bbo_batches = i & 1;
    c->full_every = 4;
}
static void mk_dump(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->weight[OP_DUMP] = 2;
    c->width = 600;
    c->touch_pct = 30;
}

static void mk_reserved(suite_cfg *c, rng *r, int i) {
    base_cfg(c, r, i);
    c->reserve = 1 + (uint32_t)rng_below(r, 8);
    c->max_orders = (i & 1) ? 100 + (uint32_t)rng_below(r, 200) : 4096; /* odd suites reach max_orders */
    c->weight[OP_ADD] = (i & 1) ? 70 : 50;
    c->weight[OP_DUMP] = 2;
    c->width = 600; /* spill levels too */
    c->touch_pct = 30;
    c->full_every = 8;
}

static const category cats[] = {
    {"deep-queues", {2, 2, 12}, mk_deep},   {"touch-churn", {2, 2, 12}, mk_touch},
    {"modify", {2, 2, 10}, mk_modify},      {"replace-storm", {2, 2, 10}, mk_replace},
    {"id-reuse", {2, 2, 10}, mk_reuse},     {"adversarial-ids", {2, 2, 10}, mk_adversarial},
    {"arena-full", {2, 2, 8}, mk_arena},    {"level-limit", {2, 2, 8}, mk_levels},
    {"crossed", {1, 1, 8}, mk_crossed},     {"overflow", {1, 1, 6}, mk_overflow},
    {"domain-edges", {2, 2, 6}, mk_edges},  {"mbo-batches", {2, 2, 10}, mk_batch},
    {"dump-load", {2, 2, 8}, mk_dump},      {"reserved-growth", {2, 2, 8}, mk_reserved},
};
#define NCATS (sizeof cats / sizeof cats[0])

/* ---- the run ------------------------------------------------------------------------- */

typedef struct run {
    const suite_cfg *c;
    rng r;
    void *l, *b;
    rl3 ref;
    uint64_t next_id;
    long op;
    const char *what;
    /* scratch */
    size_t *idx;
    int64_t *px1, *px2, *px3;
    uint64_t *q1, *q2, *q3, *ids;
    /* touched levels of the current operation */
    int t_side[2 * L3DRV_BATCH_MAX + 4];
    int64_t t_px[2 * L3DRV_BATCH_MAX + 4];
    size_t n_touched;
    int touched_all;
} run;

static long total_ops, total_batches, total_rows, total_loads, total_errors, total_reseeds, total_full;

#define FAILF(...)                                                                                               \
    do {                                                                                                         \
        fprintf(stderr, "  %s #%d seed=0x%016" PRIx64 " op %ld (%s) %s: ", R->c->cat, R->c->index, R->c->seed,   \
                R->op, R->what, R->c->d->name);                                                                  \
        fprintf(stderr, __VA_ARGS__);                                                                            \
        fputc('\n', stderr);                                                                                     \
        return 0;                                                                                                \
    } while (0)

static void touch(run *R, int side, int64_t px) {
    if (R->n_touched < sizeof R->t_side / sizeof R->t_side[0]) {
        R->t_side[R->n_touched] = side;
        R->t_px[R->n_touched++] = px;
    } else {
        R->touched_all = 1;
    }
}

/* Touch the level of order `id` (if it rests in the reference). */
static void touch_id(run *R, uint64_t id) {
    long i = rl3_find(&R->ref, id);
    if (i >= 0) touch(R, R->ref.o[i].side, R->ref.o[i].px);
}

static int64_t clamp_px(const run *R, int64_t px) {
    return px < R->c->d->pmin ? R->c->d->pmin : px > R->c->d->pmax ? R->c->d->pmax : px;
}

/* center + d clamped into [lo, hi] without overflow (|d| < 2^62) */
static int64_t sat_add(int64_t a, int64_t d, int64_t lo, int64_t hi) {
    if (d > 0 && a > hi - d) return hi;
    if (d < 0 && a < lo - d) return lo;
    a += d;
    return a < lo ? lo : a > hi ? hi : a;
}

static uint64_t gen_qty(run *R) { return R->c->qty_lo + rng_below(&R->r, R->c->qty_hi - R->c->qty_lo + 1); }

/* A reference best (0 when the side is empty). */
static int ref_best(const rl3 *ref, int side, int64_t *px) {
    size_t i;
    int found = 0;
    for (i = 0; i < ref->n; i++)
        if (ref->o[i].side == side && (!found || (side ? ref->o[i].px > *px : ref->o[i].px < *px))) {
            *px = ref->o[i].px;
            found = 1;
        }
    return found;
}

static int64_t gen_px(run *R, int side) {
    int64_t best;
    if (rng_chance(&R->r, R->c->touch_pct) && ref_best(&R->ref, side, &best)) {
        int64_t off = (int64_t)rng_below(&R->r, 4);
        if (rng_chance(&R->r, 20)) off = -off; /* improve the touch now and then */
        return clamp_px(R, side ? best - off : best + off);
    }
    return sat_add(R->c->center, (int64_t)rng_below(&R->r, 2u * (uint64_t)R->c->width + 1u) - R->c->width, R->c->d->pmin,
                   R->c->d->pmax);
}

static uint64_t gen_new_id(run *R) {
    if (R->c->adversarial == 1) { /* the same home bucket under the book's current key */
        tb_l3_stats st;
        uint64_t key = R->c->d->key(R->l), y;
        unsigned bits = 0;
        R->c->d->stats(R->l, &st);
        while (((uint64_t)1 << bits) < st.index_slots) bits++;
        y = ((uint64_t)0x5a5a5a5a5a5a5a5aULL & ~(~(uint64_t)0 >> bits)) | (rng_next(&R->r) >> bits);
        return tb__l3_unmix(y, key);
    }
    if (R->c->adversarial == 2) return (R->next_id++) << 32; /* identical low bits */
    if (R->c->id_space) return 1 + rng_below(&R->r, R->c->id_space);
    return R->next_id++;
}

/* An id that rests (90%) or a random one. */
static uint64_t pick_id(run *R) {
    if (R->ref.n && rng_chance(&R->r, 92)) return R->ref.o[rng_below(&R->r, R->ref.n)].id;
    return rng_next(&R->r) | 1u;
}

static int check_level(run *R, int side, int64_t px) {
    size_t k, n_out = 0, n_level = 0, i;
    uint64_t total = 0, view;
    int st;
    k = rl3_queue(&R->ref, side, px, R->idx);
    rl3_level(&R->ref, side, px, &total);
    st = R->c->d->level_orders(R->l, side, px, R->ids, R->q1, R->ref.n + 1, &n_out, &n_level);
    if (st) FAILF("level_orders -> %d", st);
    if (n_out != k || n_level != k) FAILF("level (%d, %" PRId64 "): %zu orders (level %zu), reference %zu", side, px, n_out, n_level, k);
    for (i = 0; i < k; i++)
        if (R->ids[i] != R->ref.o[R->idx[i]].id || R->q1[i] != R->ref.o[R->idx[i]].qty)
            FAILF("level (%d, %" PRId64 ") position %zu: (%" PRIu64 ", %" PRIu64 "), reference (%" PRIu64 ", %" PRIu64 ")",
                  side, px, i, R->ids[i], R->q1[i], R->ref.o[R->idx[i]].id, R->ref.o[R->idx[i]].qty);
    view = R->c->d->view_qty_at(R->l, side, px);
    if (view != total) FAILF("L2 view qty at (%d, %" PRId64 ") = %" PRIu64 ", reference %" PRIu64, side, px, view, total);
    return 1;
}

static int check_bbo(run *R) {
    int64_t v[4], p[4], e[4] = {0, 0, 0, 0};
    R->c->d->view_bbo(R->l, v);
    R->c->d->b_bbo(R->b, p);
    e[0] = R->c->d->bits == 32 ? INT32_MIN : INT64_MIN;
    e[2] = R->c->d->bits == 32 ? INT32_MAX : INT64_MAX;
    if (ref_best(&R->ref, 1, &e[0])) {
        uint64_t t;
        rl3_level(&R->ref, 1, e[0], &t);
        e[1] = (int64_t)t;
    }
    if (ref_best(&R->ref, 0, &e[2])) {
        uint64_t t;
        rl3_level(&R->ref, 0, e[2], &t);
        e[3] = (int64_t)t;
    }
    if (memcmp(v, e, sizeof v) != 0 || memcmp(p, e, sizeof p) != 0)
        FAILF("bbo view (%" PRId64 " x %" PRId64 ", %" PRId64 " x %" PRId64 ") plain (%" PRId64 " x %" PRId64 ", %" PRId64
              " x %" PRId64 ") reference (%" PRId64 " x %" PRId64 ", %" PRId64 " x %" PRId64 ")",
              v[0], v[1], v[2], v[3], p[0], p[1], p[2], p[3], e[0], e[1], e[2], e[3]);
    return 1;
}

static int check_full(run *R) {
    int side, st;
    size_t i;
    total_full++;
    for (side = 0; side < 2; side++) {
        size_t k = rl3_levels(&R->ref, side, R->px1, R->q1);
        size_t kv = R->c->d->view_levels(R->l, side, R->px2, R->q2, R->ref.n + 1);
        size_t kb = R->c->d->b_levels(R->b, side, R->px3, R->q3, R->ref.n + 1);
        if (kv != k || kb != k) FAILF("side %d: %zu levels in the view, %zu in the plain book, %zu in the reference", side, kv, kb, k);
        for (i = 0; i < k; i++)
            if (R->px2[i] != R->px1[i] || R->q2[i] != R->q1[i] || R->px3[i] != R->px1[i] || R->q3[i] != R->q1[i])
                FAILF("side %d level %zu: view (%" PRId64 ", %" PRIu64 ") plain (%" PRId64 ", %" PRIu64 ") reference (%" PRId64
                      ", %" PRIu64 ")", side, i, R->px2[i], R->q2[i], R->px3[i], R->q3[i], R->px1[i], R->q1[i]);
    }
    if (R->c->d->count(R->l) != R->ref.n) FAILF("count %zu, reference %zu", R->c->d->count(R->l), R->ref.n);
    for (i = 0; i < R->ref.n; i++) {
        int64_t px = 0;
        uint64_t q = 0, ka = 0, qa = 0, ek, eq;
        int sd = -1;
        const rl3_order *o = &R->ref.o[i];
        st = R->c->d->order(R->l, o->id, &px, &q, &sd);
        if (st || px != o->px || q != o->qty || sd != o->side)
            FAILF("order %" PRIu64 ": status %d (%d, %" PRId64 ", %" PRIu64 "), reference (%d, %" PRId64 ", %" PRIu64 ")",
                  o->id, st, sd, px, q, o->side, o->px, o->qty);
        st = R->c->d->qpos(R->l, o->id, &ka, &qa);
        rl3_ahead(&R->ref, (long)i, &ek, &eq);
        if (st || ka != ek || qa != eq)
            FAILF("queue position of %" PRIu64 ": status %d (%" PRIu64 ", %" PRIu64 "), reference (%" PRIu64 ", %" PRIu64 ")",
                  o->id, st, ka, qa, ek, eq);
    }
    st = R->c->d->verify(R->l);
    if (st) FAILF("verify_invariants -> %d", st);
    return 1;
}

/* After an operation: the plain book takes the touched levels' new totals. */
static int sync_plain(run *R) {
    size_t i;
    if (R->touched_all) {
        int side;
        R->c->d->b_clear(R->b);
        for (side = 0; side < 2; side++) {
            size_t k = rl3_levels(&R->ref, side, R->px1, R->q1), j;
            for (j = 0; j < k; j++) R->c->d->b_set(R->b, side, R->px1[j], R->q1[j]);
        }
        return 1;
    }
    for (i = 0; i < R->n_touched; i++) {
        uint64_t t = 0;
        int r;
        rl3_level(&R->ref, R->t_side[i], R->t_px[i], &t);
        r = R->c->d->b_set(R->b, R->t_side[i], R->t_px[i], t);
        if (r <= TB_ERR_FIRST) FAILF("plain book set -> %d", r);
    }
    return 1;
}

static int check_after(run *R) {
    size_t i;
    if (!sync_plain(R) || !check_bbo(R)) return 0;
    if (!R->touched_all)
        for (i = 0; i < R->n_touched; i++)
            if (!check_level(R, R->t_side[i], R->t_px[i])) return 0;
    /* the full check is O(orders^2) in the reference: its period grows with the book */
    if (R->touched_all || R->op % (R->c->full_every * (1 + (long)R->ref.n / 128)) == 0) return check_full(R);
    return 1;
}

#define EXPECT_STATUS(got, want)                                                                                 \
    do {                                                                                                         \
        if ((got) != (want)) FAILF("status %d, reference %d", (got), (want));                                  \
        if (want) total_errors++;                                                                                \
    } while (0)

/* One MBO batch through apply_mbo, the reference row by row. */
static int do_batch(run *R) {
    static uint8_t act[L3DRV_BATCH_MAX], sd[L3DRV_BATCH_MAX];
    static uint64_t ids[L3DRV_BATCH_MAX], qty[L3DRV_BATCH_MAX];
    static int64_t px[L3DRV_BATCH_MAX], bbo[4 * L3DRV_BATCH_MAX];
    static int8_t st[L3DRV_BATCH_MAX];
    static int want[L3DRV_BATCH_MAX];
    size_t n = 1 + rng_below(&R->r, 64), i, n_err = 0, want_err = 0;
    rl3 *ref = &R->ref;
    int r;
    for (i = 0; i < n; i++) {
        unsigned k = (unsigned)rng_below(&R->r, 100);
        ids[i] = pick_id(R);
        sd[i] = (uint8_t)rng_below(&R->r, 2);
        px[i] = gen_px(R, sd[i]);
        qty[i] = gen_qty(R);
        if (k < 45) {
            act[i] = 'A';
            ids[i] = gen_new_id(R);
        } else if (k < 75) {
            act[i] = 'C';
            if (rng_chance(&R->r, 50)) qty[i] = 0;
            else {
                long j = rl3_find(ref, ids[i]);
                qty[i] = j >= 0 ? 1 + rng_below(&R->r, ref->o[j].qty) : 1;
            }
        } else if (k < 88) {
            long j = rl3_find(ref, ids[i]);
            act[i] = 'E';
            qty[i] = j >= 0 ? 1 + rng_below(&R->r, ref->o[j].qty + 1) : 1;
        } else if (k < 97) {
            act[i] = 'M';
        } else if (k < 98) {
            act[i] = 'R';
        } else {
            act[i] = (uint8_t)"XTFZ"[rng_below(&R->r, 4)];
            if (rng_chance(&R->r, 50)) sd[i] = 7;
        }
    }
    /* the reference, row by row (predicting the BBO per row) */
    R->touched_all = 0;
    for (i = 0; i < n; i++) {
        touch_id(R, ids[i]);
        switch (act[i]) {
        case 'A': want[i] = rl3_add(ref, ids[i], sd[i], px[i], qty[i]); touch(R, sd[i], px[i]); break;
        case 'C': want[i] = qty[i] ? rl3_reduce(ref, ids[i], qty[i]) : rl3_cancel(ref, ids[i]); break;
        case 'E': want[i] = rl3_reduce(ref, ids[i], qty[i]); break;
        case 'M': {
            long j = rl3_find(ref, ids[i]);
            if (j >= 0) touch(R, ref->o[j].side, px[i]);
            want[i] = rl3_amend(ref, ids[i], px[i], qty[i]);
            break;
        }
        case 'R': R->touched_all = 1; rl3_clear(ref); want[i] = 0; break;
        default: want[i] = RL3_ERR_BADARG; break;
        }
        want_err += want[i] != 0;
        if (R->c->bbo_batches) { /* expected BBO after row i, kept in q3/px3 */
            int64_t b = 0;
            uint64_t t = 0;
            R->px3[4 * i] = ref_best(ref, 1, &b) ? (rl3_level(ref, 1, b, &t), b) : (R->c->d->bits == 32 ? INT32_MIN : INT64_MIN);
            R->px3[4 * i + 1] = ref_best(ref, 1, &b) ? (int64_t)t : 0;
            t = 0;
            R->px3[4 * i + 2] = ref_best(ref, 0, &b) ? (rl3_level(ref, 0, b, &t), b) : (R->c->d->bits == 32 ? INT32_MAX : INT64_MAX);
            R->px3[4 * i + 3] = ref_best(ref, 0, &b) ? (int64_t)t : 0;
        }
    }
    r = R->c->d->apply_mbo(R->l, act, ids, sd, px, qty, n, st, &n_err, R->c->bbo_batches ? bbo : NULL);
    if (r) FAILF("apply_mbo -> %d", r);
    for (i = 0; i < n; i++)
        if (st[i] != want[i]) FAILF("batch row %zu ('%c' id %" PRIu64 "): status %d, reference %d", i, act[i], ids[i], st[i], want[i]);
    if (n_err != want_err) FAILF("batch: %zu bad rows, reference %zu", n_err, want_err);
    if (R->c->bbo_batches)
        for (i = 0; i < 4 * n; i++)
            if (bbo[i] != R->px3[i]) FAILF("batch bbo row %zu field %zu: %" PRId64 ", reference %" PRId64, i / 4, i % 4, bbo[i], R->px3[i]);
    total_batches++;
    total_rows += (long)n;
    total_errors += (long)want_err;
    return 1;
}

/* A new book of the suite's shape (reserved as the suite says). */
static void *new_book(const suite_cfg *c, int *st) {
    if (c->reserve) return c->d->create_reserved(c->center, c->max_orders, c->reserve, c->max_cap, st);
    return c->d->create(c->center, c->max_orders, c->max_cap, st);
}

/* Dump, load into a fresh book (and sometimes back into this one), compare. */
static int do_dump(run *R) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int st = R->c->d->dump(R->l, &buf, &len);
    void *fresh;
    if (st) {
        free(buf);
        FAILF("dump -> %d", st);
    }
    fresh = new_book(R->c, &st);
    if (!fresh) {
        free(buf);
        FAILF("create -> %d", st);
    }
    if (rng_chance(&R->r, 50)) R->c->d->add(fresh, 42, 1, R->c->center, 1); /* loaded over, not merged */
    st = R->c->d->load(fresh, buf, len);
    if (st) {
        free(buf);
        R->c->d->destroy(fresh);
        FAILF("load -> %d", st);
    }
    if (R->c->d->view_anchor(fresh, 0) != R->c->d->view_anchor(R->l, 0) ||
        R->c->d->view_anchor(fresh, 1) != R->c->d->view_anchor(R->l, 1)) {
        free(buf);
        R->c->d->destroy(fresh);
        FAILF("anchors differ after load");
    }
    { /* the dump carries the operation counters */
        tb_l3_stats a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0xff, sizeof b);
        R->c->d->stats(R->l, &a);
        R->c->d->stats(fresh, &b);
        if (a.adds != b.adds || a.cancels != b.cancels || a.modifies != b.modifies || a.executes != b.executes ||
            a.replaces != b.replaces || a.clears != b.clears) {
            free(buf);
            R->c->d->destroy(fresh);
            FAILF("operation counters differ after load");
        }
    }
    if (len > 60 && rng_chance(&R->r, 30)) { /* a corrupted copy is refused and changes nothing */
        size_t at = rng_below(&R->r, len);
        buf[at] ^= (unsigned char)(1u << rng_below(&R->r, 8));
        st = R->c->d->load(fresh, buf, len);
        if (st != TB_ERR_FORMAT && st != TB_ERR_FULL) {
            free(buf);
            R->c->d->destroy(fresh);
            FAILF("corrupted dump (byte %zu) -> %d", at, st);
        }
    }
    free(buf);
    R->c->d->destroy(R->l);
    R->l = fresh;
    total_loads++;
    return check_full(R);
}

static int step(run *R) {
    const suite_cfg *c = R->c;
    const l3drv *d = c->d;
    rl3 *ref = &R->ref;
    unsigned total = 0, k, pick;
    int got, want = 0;
    for (k = 0; k < OP_KINDS; k++) total += c->weight[k];
    pick = (unsigned)rng_below(&R->r, total);
    for (k = 0; k < OP_KINDS && pick >= c->weight[k]; k++) pick -= c->weight[k];
    R->n_touched = 0;
    R->touched_all = 0;
    switch (k) {
    case OP_ADD: {
        int side = (int)rng_below(&R->r, 2);
        int64_t px = gen_px(R, side);
        uint64_t id = rng_chance(&R->r, 3) && ref->n ? ref->o[rng_below(&R->r, ref->n)].id : gen_new_id(R);
        uint64_t q = gen_qty(R);
        R->what = "add";
        got = d->add(R->l, id, side, px, q);
        want = rl3_add(ref, id, side, px, q);
        touch(R, side, px);
        break;
    }
    case OP_CANCEL: {
        uint64_t id = pick_id(R);
        R->what = "cancel";
        touch_id(R, id);
        got = d->cancel(R->l, id);
        want = rl3_cancel(ref, id);
        break;
    }
    case OP_REDUCE:
    case OP_EXEC: {
        uint64_t id = pick_id(R), q;
        long j;
        if (k == OP_EXEC && rng_chance(&R->r, 60)) { /* fills come from the front of the best level */
            int side = (int)rng_below(&R->r, 2);
            int64_t best;
            if (ref_best(ref, side, &best) && rl3_queue(ref, side, best, R->idx)) id = ref->o[R->idx[0]].id;
        }
        j = rl3_find(ref, id);
        q = j >= 0 ? 1 + rng_below(&R->r, ref->o[j].qty + (rng_chance(&R->r, 5) ? 1u : 0u)) : 1 + rng_below(&R->r, 9);
        if (rng_chance(&R->r, 2)) q = 0;
        R->what = k == OP_EXEC ? "execute" : "reduce";
        touch_id(R, id);
        got = k == OP_EXEC ? d->execute(R->l, id, q) : d->reduce(R->l, id, q);
        want = rl3_reduce(ref, id, q);
        break;
    }
    case OP_MODIFY: {
        uint64_t id = pick_id(R), q;
        long j = rl3_find(ref, id);
        q = j >= 0 && rng_chance(&R->r, 50) ? 1 + rng_below(&R->r, ref->o[j].qty) : gen_qty(R);
        if (rng_chance(&R->r, 3)) q = 0;
        R->what = "modify";
        touch_id(R, id);
        got = d->modify(R->l, id, q);
        want = rl3_modify(ref, id, q);
        break;
    }
    case OP_AMEND: {
        uint64_t id = pick_id(R), q = gen_qty(R);
        long j = rl3_find(ref, id);
        int side = j >= 0 ? ref->o[j].side : 0;
        int64_t px = rng_chance(&R->r, 20) && j >= 0 ? ref->o[j].px : gen_px(R, side);
        R->what = "amend";
        touch_id(R, id);
        touch(R, side, px);
        got = d->amend(R->l, id, px, q);
        want = rl3_amend(ref, id, px, q);
        break;
    }
    case OP_REPLACE: {
        uint64_t id = pick_id(R), nid = rng_chance(&R->r, 10) ? id : rng_chance(&R->r, 5) ? pick_id(R) : gen_new_id(R);
        uint64_t q = gen_qty(R);
        long j = rl3_find(ref, id);
        int side = j >= 0 ? ref->o[j].side : 0;
        int64_t px = gen_px(R, side);
        R->what = "replace";
        touch_id(R, id);
        touch(R, side, px);
        got = d->replace(R->l, id, nid, px, q);
        want = rl3_replace(ref, id, nid, px, q);
        break;
    }
    case OP_CLEAR:
        R->what = "clear";
        R->touched_all = 1;
        got = d->clear(R->l);
        rl3_clear(ref);
        break;
    case OP_INVALID: {
        unsigned w = (unsigned)rng_below(&R->r, 6);
        R->what = "invalid";
        if (w == 0) {
            got = d->add(R->l, gen_new_id(R), 2 + (int)rng_below(&R->r, 5), c->center, 1);
            want = RL3_ERR_SIDE;
        } else if (w == 1) {
            int64_t px = rng_chance(&R->r, 50) ? d->pmin - 1 - (int64_t)rng_below(&R->r, 3) : d->pmax + 1;
            got = d->add(R->l, gen_new_id(R), 1, px, 1);
            want = RL3_ERR_PRICE;
        } else if (w == 2) {
            uint64_t id = gen_new_id(R);
            got = d->add(R->l, id, 0, c->center, 0);
            want = rl3_add(ref, id, 0, c->center, 0);
        } else if (w == 3) {
            uint64_t id = pick_id(R);
            got = d->amend(R->l, id, d->pmax + 1, 1);
            want = rl3_amend(ref, id, d->pmax + 1, 1);
        } else if (w == 4) {
            uint64_t id = pick_id(R);
            got = d->replace(R->l, id, gen_new_id(R), d->pmin - 1, 5);
            want = rl3_find(ref, id) < 0 ? RL3_ERR_UNKNOWN : RL3_ERR_PRICE;
        } else {
            got = d->reset(R->l, d->amin - 1);
            want = -19; /* TB_ERR_ANCHOR */
        }
        break;
    }
    case OP_BATCH:
        R->what = "apply_mbo";
        return do_batch(R) && check_after(R);
    case OP_DUMP:
        R->what = "dump/load";
        return do_dump(R);
    case OP_RECENTER: {
        int side = (int)rng_below(&R->r, 2);
        int64_t a = sat_add(c->center, (int64_t)rng_below(&R->r, 2u * (uint64_t)c->width + 1u) - c->width -
                                           (int64_t)d->n / 2, d->amin, d->amax);
        R->what = "recenter";
        got = d->view_recenter(R->l, side, a);
        want = 0;
        R->touched_all = 1; /* no level may be lost: compare everything */
        break;
    }
    default:
        return 1;
    }
    EXPECT_STATUS(got, want);
    return check_after(R);
}

static int run_suite(const suite_cfg *c) {
    run R0, *R = &R0;
    int st = 0, ok = 1;
    size_t cap;
    tb_l3_stats stats;
    uint64_t bytes0 = 0;
    memset(R, 0, sizeof *R);
    R->c = c;
    rng_seed(&R->r, c->seed);
    R->next_id = 1 + rng_below(&R->r, 1000);
    cap = (size_t)c->max_orders + 8;
    R->idx = (size_t *)calloc(cap, sizeof(size_t));
    R->ids = (uint64_t *)calloc(cap, 8);
    R->px1 = (int64_t *)calloc(cap, 8);
    R->px2 = (int64_t *)calloc(cap, 8);
    R->px3 = (int64_t *)calloc(cap > 4 * L3DRV_BATCH_MAX ? cap : 4 * L3DRV_BATCH_MAX, 8);
    R->q1 = (uint64_t *)calloc(cap, 8);
    R->q2 = (uint64_t *)calloc(cap, 8);
    R->q3 = (uint64_t *)calloc(cap, 8);
    R->l = new_book(c, &st);
    R->b = c->d->b_create(c->center, c->max_cap);
    if (!R->l || !R->b || !rl3_init(&R->ref, c->max_orders, c->d->qmax, c->d->pmin, c->d->pmax, c->max_cap)) {
        fprintf(stderr, "  %s: set-up failed (%d)\n", c->cat, st);
        ok = 0;
    }
    if (ok && c->d->stats(R->l, &stats) == 0) bytes0 = stats.bytes;
    for (R->op = 0; ok && R->op < c->ops; R->op++) ok = step(R);
    if (ok) {
        R->what = "final";
        ok = check_full(R);
    }
    if (ok && c->d->stats(R->l, &stats) == 0) {
        total_reseeds += (long)stats.reseeds;
        if (c->reserve && stats.orders > c->reserve && stats.bytes <= bytes0) {
            fprintf(stderr, "  %s #%d: %llu orders rest but the arena never grew\n", c->cat, c->index,
                    (unsigned long long)stats.orders);
            ok = 0;
        }
        if (c->adversarial == 1 && c->ops >= 4000 && stats.reseeds == 0) {
            fprintf(stderr, "  %s #%d: colliding ids never made the index reseed\n", c->cat, c->index);
            ok = 0;
        }
    }
    total_ops += R->op;
    if (R->l) c->d->destroy(R->l);
    if (R->b) c->d->b_destroy(R->b);
    rl3_free(&R->ref);
    free(R->idx);
    free(R->ids);
    free(R->px1);
    free(R->px2);
    free(R->px3);
    free(R->q1);
    free(R->q2);
    free(R->q3);
    return ok;
}

static uint64_t parse_u64(const char *s) { return strtoull(s, NULL, 0); }

int main(int argc, char **argv) {
    static const long ops_by_profile[3] = {3000, 2000, 90000};
    uint64_t base_seed = UINT64_C(0x13B00C5EED5EED03), only_seed = 0;
    const char *only_cat = NULL;
    long ops_override = 0;
    int i, nsuites = 0;
    size_t k;
    clock_t t_all = clock();
    if (!tbt_init(argc, argv)) return 2;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) base_seed = parse_u64(argv[++i]);
        else if (strcmp(argv[i], "--suite-seed") == 0 && i + 1 < argc) only_seed = parse_u64(argv[++i]);
        else if (strcmp(argv[i], "--category") == 0 && i + 1 < argc) only_cat = argv[++i];
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) ops_override = atol(argv[++i]);
    }
    printf("test_l3_fuzz: profile %s, base seed 0x%016" PRIx64 ", %zu variants\n", tbt_profile_name(tbt_prof), base_seed,
           (size_t)L3DRV_COUNT);
    for (k = 0; k < NCATS; k++) {
        const category *cat = &cats[k];
        if (only_cat && strcmp(only_cat, cat->name) != 0) continue;
        for (i = 0; i < cat->suites[tbt_prof]; i++) {
            suite_cfg c;
            rng r;
            clock_t t0;
            int ok;
            uint64_t mix = base_seed ^ ((uint64_t)(k + 1) << 40) ^ (uint64_t)i;
            memset(&c, 0, sizeof c);
            c.cat = cat->name;
            c.index = i;
            c.seed = only_seed ? only_seed : splitmix64(&mix);
            c.ops = ops_override ? ops_override : ops_by_profile[tbt_prof];
            rng_seed(&r, c.seed ^ UINT64_C(0xC0FFEE));
            cat->make(&c, &r, i);
            t0 = clock();
            ok = run_suite(&c);
            tbt_count(ok);
            nsuites++;
            printf("%-4s %-16s #%-3d seed=0x%016" PRIx64 " ops=%-7ld %-10s %.2fs\n", ok ? "ok" : "FAIL", c.cat, i, c.seed,
                   c.ops, c.d->name, (double)(clock() - t0) / CLOCKS_PER_SEC);
            fflush(stdout);
        }
    }
    printf("test_l3_fuzz: %d suites, %ld operations (%ld batches, %ld rows), %ld refused as expected, %ld full "
           "checks, %ld dump/loads, %ld reseeds, %.1fs\n",
           nsuites, total_ops, total_batches, total_rows, total_errors, total_full, total_loads, total_reseeds,
           (double)(clock() - t_all) / CLOCKS_PER_SEC);
    return tbt_finish();
}
