/* test_fuzz.c — seeded differential fuzz of every book variant against the
 * reference model in ref_book.h.
 *
 * A suite drives one or more books ("lanes") with a random stream of
 * operations (set with several price distributions, recenters, resets,
 * erase_better, clear/release/reserve, batches, invalid input) and replays
 * every operation on the reference. After EVERY operation the four best
 * values, crossed() and crossed_on_tape() are compared; every few dozen
 * operations the full merged depth of both sides (levels() or the
 * iterator), the tape/spill split, the spill capacity, the loss and promote
 * counters, the anchors, verify_invariants() and the pool's counters.
 *
 * The reference models the spill capacity exactly (growth 0 -> 16 -> ... ->
 * max_cap, evict-worst / drop-newcomer, drain-before-push recenters), so
 * small caps are compared exactly too. When a pool may refuse a block, the
 * capacity each book ended up with after an operation is fed to the
 * reference (ref_book.cap_limit) and the comparison stays exact. Those
 * suites (small caps, pool exhaustion) additionally check, independently of
 * the reference: every level the book reports exists with the same quantity
 * in an unbounded "truth" model, no level that was in the book and lies
 * inside the new window is lost by a recenter or promote, and the pool's
 * counters add up (used levels = the sum of live blocks).
 *
 * Usage: test_fuzz [--profile quick|sanitizer|full] [--seed S]
 *                  [--category NAME] [--suite-seed S] [--ops N] [--verbose]
 * One line per suite (category, seed, ops, status), then totals, then
 * "N passed, N failed" (suites). A failing suite prints its category, seed,
 * the index of the failing operation and the operation; rerun it alone with
 * --category NAME --suite-seed SEED. */
#include "tbv_all.h"

#include "ref_book.h"
#include "tb_test.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* ---- PRNG: xoshiro256** seeded by splitmix64 ------------------------------------- */

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
/* uniform in [lo, hi] (hi - lo < 2^63) */
static int64_t rng_range(rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1u);
}
static int rng_chance(rng *r, unsigned percent) { return rng_below(r, 100) < percent; }

/* a + d clamped into [lo, hi] without overflow (a in [lo, hi], |d| < 2^62) */
static int64_t sat_add(int64_t a, int64_t d, int64_t lo, int64_t hi) {
    if (d > 0 && a > hi - d) return hi;
    if (d < 0 && a < lo - d) return lo;
    a += d;
    return a < lo ? lo : a > hi ? hi : a;
}

/* ---- suite configuration ---------------------------------------------------------- */

enum {
    OP_SET_NEAR,
    OP_SET_MID,
    OP_SET_FAR,
    OP_SET_EDGE,
    OP_ERASE_LEVEL,
    OP_UPDATE_LEVEL,
    OP_RECENTER,
    OP_RESET,
    OP_RESET_AT_MID,
    OP_ERASE_BETTER,
    OP_CLEAR,
    OP_RELEASE,
    OP_RESERVE,
    OP_BATCH,
    OP_TRACE,
    OP_INVALID,
    OP_JUMP,
    OP_REALLOC_BOOK, /* multi-book pools: free a handle, allocate again */
    OP_LOAD,         /* load_side / load_snapshot of a random snapshot (sometimes a bad one) */
    OP_SET_LAW,      /* a set at a price from the mixed_reset benchmark's distance law */
    OP_COUNT
};
static const char *const op_names[OP_COUNT] = {"set_near", "set_mid",   "set_far",      "set_edge",
                                               "erase_level", "update_level", "recenter", "reset",      "reset_at_mid",
                                               "erase_better", "clear",   "release",    "reserve",
                                               "batch",     "bbo_trace", "invalid",    "jump",
                                               "realloc_book", "load",      "set_law"};

#define MAX_LANES 8

typedef struct suite_cfg {
    const char *cat;
    int index; /* suite number within the category */
    uint64_t seed;
    long ops;
    int nlanes;
    const tbv_ops *V[MAX_LANES];
    uint32_t max_cap[MAX_LANES];
    int64_t centre[MAX_LANES][2];    /* initial centre of activity per side */
    int64_t anchor0[MAX_LANES][2];   /* initial anchors */
    const tbv_pool_ops *P;           /* shared pool (NULL: malloc) */
    uint32_t pool_levels;
    int policy;
    int pool_may_refuse;             /* feed the books' capacities to the reference */
    const tbv_multi_ops *M;          /* lanes live in a multi-book pool */
    int tier[MAX_LANES];
    unsigned w[OP_COUNT];            /* operation weights */
    unsigned walk;                   /* percent of ops that move a centre a little */
    int64_t walk_ticks;              /* ... by up to this many ticks (0: N / 8) */
    int mixed_law;                   /* recenter / erase_better as the mixed_reset benchmark draws them */
    int64_t near_div;                /* near prices within N / near_div of the centre */
    int64_t gap;                     /* ask centre - bid centre (may be negative) */
    int check_every;
    int approx_checks;               /* truth model + window-loss check */
    unsigned qty0_pct;               /* share of qty-0 sets */
} suite_cfg;

/* ---- suite state -------------------------------------------------------------------- */

typedef struct lane {
    const tbv_ops *V;
    void *b;
    ref_book ref;   /* exact model */
    ref_book truth; /* unbounded model (approx_checks) */
    int64_t mid[2]; /* current centre of activity per side */
    tb_handle h;
    int tier;
} lane;

typedef struct fz {
    const suite_cfg *c;
    rng r;
    lane L[MAX_LANES];
    void *pool;  /* shared pool, or the multi-book pool's */
    void *multi;
    long op;
    char desc[256];
    int failed;
    long deep_checks;
} fz;

static int fz_fail(fz *f, const char *fmt, ...) {
    va_list ap;
    if (f->failed) return 0;
    f->failed = 1;
    fprintf(stderr, "FAIL category=%s seed=0x%016" PRIx64 " op=%ld: %s\n  ", f->c->cat, f->c->seed, f->op, f->desc);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  rerun: test_fuzz --category %s --index %d --suite-seed 0x%016" PRIx64 " --ops %ld\n",
            f->c->cat, f->c->index, f->c->seed, f->c->ops);
    return 0;
}

#define FZ_CHECK(f, cond, ...) ((cond) ? 1 : fz_fail((f), __VA_ARGS__))

/* ---- coverage: what the streams actually exercised ------------------------------------- */

static struct {
    uint64_t results[4];  /* SPILL, ERASE, UPDATE, INSERT */
    uint64_t promotes, evicted, dropped, nomem, recenters, batches, bad_rows, invalid, reallocs;
    uint64_t max_depth, deep_checks, window_checks, pool_failures;
    uint64_t loads, load_errors, loaded_levels;
} cov;

static void cov_book(const lane *L) {
    tb_book_stats st;
    int s;
    if (!L->b || L->V->stats(L->b, &st) != TB_OK) return;
    for (s = 0; s < 2; s++) {
        cov.promotes += st.promotes[s];
        cov.evicted += st.spill_evicted[s];
        cov.dropped += st.spill_dropped[s];
        cov.nomem += st.spill_nomem[s];
    }
}

/* ---- checks -------------------------------------------------------------------------- */

static int quick_check(fz *f, lane *L) {
    const tbv_ops *V = L->V;
    void *b = L->b;
    const ref_book *r = &L->ref;
    int64_t bp = V->best_bid_px(b), ap = V->best_ask_px(b);
    uint64_t bq = V->best_bid_qty(b), aq = V->best_ask_qty(b);
    int64_t rbp = ref_best_px(r, 1), rap = ref_best_px(r, 0);
    uint64_t rbq = ref_best_qty(r, 1), raq = ref_best_qty(r, 0);
    if (bp != rbp || ap != rap || bq != rbq || aq != raq)
        return fz_fail(f, "%s: BBO book (%" PRId64 " x %" PRIu64 " | %" PRId64 " x %" PRIu64 "), reference (%" PRId64
                          " x %" PRIu64 " | %" PRId64 " x %" PRIu64 ")",
                       V->name, bp, bq, ap, aq, rbp, rbq, rap, raq);
    if (V->crossed(b) != ref_crossed(r)) return fz_fail(f, "%s: crossed() %d, reference %d", V->name, V->crossed(b), ref_crossed(r));
    if (V->crossed_on_tape(b) != ref_crossed_on_tape(r))
        return fz_fail(f, "%s: crossed_on_tape() %d, reference %d", V->name, V->crossed_on_tape(b),
                       ref_crossed_on_tape(r));
    return 1;
}

static int deep_check(fz *f, lane *L) {
    const tbv_ops *V = L->V;
    void *b = L->b;
    const ref_book *r = &L->ref;
    tb_book_stats st;
    tbv_bbo o;
    int side;
    f->deep_checks++;
    if (V->verify_invariants(b) != TB_OK) return fz_fail(f, "%s: verify_invariants failed", V->name);
    if (V->stats(b, &st) != TB_OK) return fz_fail(f, "%s: stats failed", V->name);
    if (V->bbo(b, &o) != TB_OK || o.bid_px != ref_best_px(r, 1) || o.ask_px != ref_best_px(r, 0) ||
        o.bid_qty != ref_best_qty(r, 1) || o.ask_qty != ref_best_qty(r, 0))
        return fz_fail(f, "%s: bbo() differs from the reference", V->name);
    for (side = 0; side < 2; side++) {
        size_t rn = ref_count(r, side), n = 0, d = 0, i;
        tbv_level *lv = (tbv_level *)malloc((rn + 2) * sizeof *lv);
        int use_iter = (f->deep_checks & 1) != 0;
        int ok = 1;
        if (!lv) abort();
        if (V->depth(b, side, &d) != TB_OK || d != rn) {
            free(lv);
            return fz_fail(f, "%s side %d: depth %zu, reference %zu", V->name, side, d, rn);
        }
        if ((use_iter ? tbv_x(V)->iter_levels(b, side, lv, rn + 2, &n) : V->levels(b, side, lv, rn + 2, &n)) != TB_OK ||
            n != rn) {
            free(lv);
            return fz_fail(f, "%s side %d: %s returned %zu levels, reference %zu", V->name, side,
                           use_iter ? "iter" : "levels()", n, rn);
        }
        for (i = 0; i < n && ok; i++) {
            const ref_level *x = &r->s[side].lv[side ? rn - 1 - i : i];
            if (lv[i].px != x->px || lv[i].qty != x->qty)
                ok = fz_fail(f, "%s side %d level %zu: book (%" PRId64 ", %" PRIu64 "), reference (%" PRId64
                                ", %" PRIu64 ")",
                             V->name, side, i, lv[i].px, lv[i].qty, x->px, x->qty);
        }
        if (ok && f->c->approx_checks) /* every reported level exists in the truth */
            for (i = 0; i < n && ok; i++)
                if (ref_qty_at(&L->truth, side, lv[i].px) != lv[i].qty)
                    ok = fz_fail(f, "%s side %d: level (%" PRId64 ", %" PRIu64 ") not in the truth model (qty %" PRIu64
                                    ")",
                                 V->name, side, lv[i].px, lv[i].qty, ref_qty_at(&L->truth, side, lv[i].px));
        free(lv);
        if (!ok) return 0;
        if (n > cov.max_depth) cov.max_depth = n;
        if (V->anchor(b, side) != r->s[side].anchor || st.anchor[side] != r->s[side].anchor)
            return fz_fail(f, "%s side %d: anchor %" PRId64 ", reference %" PRId64, V->name, side, V->anchor(b, side),
                           r->s[side].anchor);
        if (st.tape_levels[side] != ref_tape_count(r, side) || st.spill_levels[side] != ref_spill_count(r, side))
            return fz_fail(f, "%s side %d: tape/spill %" PRIu64 "/%" PRIu64 ", reference %zu/%zu", V->name, side,
                           st.tape_levels[side], st.spill_levels[side], ref_tape_count(r, side),
                           ref_spill_count(r, side));
        if (st.spill_cap[side] != r->s[side].cap)
            return fz_fail(f, "%s side %d: spill cap %" PRIu64 ", reference %u", V->name, side, st.spill_cap[side],
                           r->s[side].cap);
        if (st.spill_evicted[side] + st.spill_dropped[side] + st.spill_nomem[side] != ref_lost(r, side))
            return fz_fail(f, "%s side %d: lost levels %" PRIu64 " (evicted %" PRIu64 " dropped %" PRIu64
                              " nomem %" PRIu64 "), reference %" PRIu64,
                           V->name, side, st.spill_evicted[side] + st.spill_dropped[side] + st.spill_nomem[side],
                           st.spill_evicted[side], st.spill_dropped[side], st.spill_nomem[side], ref_lost(r, side));
        if (st.promotes[side] != r->s[side].promotes)
            return fz_fail(f, "%s side %d: promotes %" PRIu64 ", reference %" PRIu64, V->name, side, st.promotes[side],
                           r->s[side].promotes);
        if (V->best_px(b, side) != ref_best_px(r, side) || V->best_qty(b, side) != ref_best_qty(r, side))
            return fz_fail(f, "%s side %d: best_px/best_qty differ", V->name, side);
    }
    if (st.spill_max_cap != r->max_cap || st.tape_size != (uint64_t)r->n)
        return fz_fail(f, "%s: stats max_cap/tape_size wrong", V->name);
    return 1;
}

/* The pool's counters against the blocks the lanes hold. */
static int pool_check(fz *f) {
    const tbv_pool_ops *P = f->c->M ? f->c->M->pool_ops : f->c->P;
    tb_pool_stats ps;
    uint32_t blocks[TB_POOL_NUM_CLASSES];
    uint64_t levels = 0, fails = 0;
    int i, k, side, live_books = 0;
    if (!P || !f->pool) return 1;
    memset(blocks, 0, sizeof blocks);
    for (i = 0; i < f->c->nlanes; i++) {
        tb_book_stats st;
        if (!f->L[i].b) continue;
        live_books++;
        f->L[i].V->stats(f->L[i].b, &st);
        for (side = 0; side < 2; side++)
            if (st.spill_cap[side]) {
                uint32_t cap = (uint32_t)st.spill_cap[side];
                k = tbv_class_of(cap);
                blocks[k]++;
                levels += tbv_class_levels(k);
            }
    }
    if (P->stats(f->pool, &ps) != TB_OK) return fz_fail(f, "pool stats failed");
    for (k = 0; k < TB_POOL_NUM_CLASSES; k++) {
        const tb_pool_class_stats *c = &ps.cls[k];
        if (c->live_blocks != blocks[k])
            return fz_fail(f, "pool class %d: %u live blocks, the books hold %u", k, c->live_blocks, blocks[k]);
        if (c->requests != c->freelist_hits + c->bump_allocs + c->failures ||
            c->live_blocks != c->freelist_hits + c->bump_allocs + c->fallback_allocs - c->frees ||
            c->high_water < c->live_blocks)
            return fz_fail(f, "pool class %d counters do not add up", k);
        fails += c->failures;
    }
    if (fails > cov.pool_failures) cov.pool_failures = fails;
    if (fails != ps.alloc_fail_count) return fz_fail(f, "pool alloc_fail_count %" PRIu64 " != sum of failures", ps.alloc_fail_count);
    if ((uint64_t)ps.used_levels + ps.fallback_bytes / ps.level_bytes != levels)
        return fz_fail(f, "pool used levels %u + fallback %" PRIu64 " bytes != %" PRIu64 " levels held by the books",
                       ps.used_levels, ps.fallback_bytes, levels);
    if (ps.used_levels > ps.watermark || ps.watermark > ps.total_levels)
        return fz_fail(f, "pool used/watermark/total inconsistent");
    if (ps.policy == TB_POOL_REFUSE && ps.fallback_bytes) return fz_fail(f, "fallback bytes under REFUSE");
    if (ps.attached_books != (uint32_t)live_books)
        return fz_fail(f, "pool attached_books %u, live books %d", ps.attached_books, live_books);
    return 1;
}

/* ---- window-loss check (approx suites) -------------------------------------------------- *
 * Before an operation that may move a window, remember the side's levels;
 * afterwards every remembered level inside the side's (new) window must
 * still be there with the same quantity (except the price being set). */

typedef struct wsnap {
    tbv_level *lv;
    size_t n;
    int side, active;
} wsnap;

static void wsnap_take(fz *f, lane *L, int side, wsnap *w) {
    size_t d = 0;
    w->active = 0;
    if (!f->c->approx_checks) return;
    L->V->depth(L->b, side, &d);
    w->lv = (tbv_level *)malloc((d + 1) * sizeof *w->lv);
    if (!w->lv) abort();
    L->V->levels(L->b, side, w->lv, d + 1, &w->n);
    w->side = side;
    w->active = 1;
}

static int wsnap_check(fz *f, lane *L, wsnap *w, int has_px, int64_t px) {
    size_t i, d = 0, n = 0, j;
    tbv_level *now;
    int64_t a, top;
    int ok = 1;
    if (!w->active) return 1;
    cov.window_checks++;
    a = L->V->anchor(L->b, w->side);
    top = a + ((int64_t)L->V->n - 1);
    L->V->depth(L->b, w->side, &d);
    now = (tbv_level *)malloc((d + 1) * sizeof *now);
    if (!now) abort();
    L->V->levels(L->b, w->side, now, d + 1, &n);
    for (i = 0; i < w->n && ok; i++) {
        const tbv_level *x = &w->lv[i];
        if (x->px < a || x->px > top || (has_px && x->px == px)) continue;
        /* binary search in the best-first list */
        {
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int before = w->side ? now[mid].px > x->px : now[mid].px < x->px;
                if (before) lo = mid + 1;
                else hi = mid;
            }
            j = lo;
        }
        if (j >= n || now[j].px != x->px || now[j].qty != x->qty)
            ok = fz_fail(f, "%s side %d: level (%" PRId64 ", %" PRIu64 ") inside the window [%" PRId64 ", %" PRId64
                            "] was lost",
                         L->V->name, w->side, x->px, x->qty, a, top);
    }
    free(now);
    free(w->lv);
    w->active = 0;
    return ok;
}

/* ---- lanes ---------------------------------------------------------------------------------- */

/* Pool-refusal suites: tell the reference what capacity each side got. */
static void sync_caps(fz *f, lane *L) {
    tb_book_stats st;
    if (!f->c->pool_may_refuse) return;
    L->V->stats(L->b, &st);
    L->ref.cap_limit[0] = (uint32_t)st.spill_cap[0];
    L->ref.cap_limit[1] = (uint32_t)st.spill_cap[1];
}

static int lane_open(fz *f, int i) {
    const suite_cfg *c = f->c;
    lane *L = &f->L[i];
    int st, side;
    uint32_t max_cap = c->max_cap[i];
    L->V = c->V[i];
    L->tier = c->tier[i];
    if (c->M) {
        st = c->M->alloc(f->multi, L->tier, c->anchor0[i][1], max_cap, &L->h);
        if (st != TB_OK) return fz_fail(f, "multi alloc failed: %s", tb_status_str(st));
        L->b = c->M->book(f->multi, L->tier, L->h);
        if (!L->b) return fz_fail(f, "multi book() returned NULL for a live handle");
        if (!max_cap) max_cap = 64; /* the multi pool's default in these suites */
    } else {
        st = L->V->create(&L->b, c->anchor0[i][1], max_cap, f->pool);
        if (st != TB_OK) return fz_fail(f, "create failed: %s", tb_status_str(st));
    }
    ref_init(&L->ref, (int64_t)L->V->n, L->V->bits, c->anchor0[i][1], max_cap);
    ref_init(&L->truth, (int64_t)L->V->n, L->V->bits, c->anchor0[i][1], max_cap);
    L->truth.unbounded = 1;
    if (c->anchor0[i][0] != c->anchor0[i][1]) {
        if (L->V->recenter_ask(L->b, c->anchor0[i][0]) != TB_OK) return fz_fail(f, "initial recenter failed");
        ref_recenter_checked(&L->ref, 0, c->anchor0[i][0]);
        ref_recenter_checked(&L->truth, 0, c->anchor0[i][0]);
    }
    for (side = 0; side < 2; side++) L->mid[side] = c->centre[i][side];
    return 1;
}

static void lane_close(fz *f, int i) {
    lane *L = &f->L[i];
    cov_book(L);
    if (L->b) {
        if (f->c->M) f->c->M->free(f->multi, L->h);
        else L->V->destroy(L->b);
    }
    L->b = NULL;
    ref_free(&L->ref);
    ref_free(&L->truth);
}

/* ---- price and quantity generators -------------------------------------------------------- */

static uint64_t gen_qty(fz *f, const lane *L) {
    uint64_t x = rng_next(&f->r);
    if ((x & 63u) == 0) return L->V->qmax - rng_below(&f->r, 3);
    return 1u + (x >> 8) % 1000u;
}

/* A price for `side` around the lane's centre; kind 0 near, 1 mid, 2 far, 3
 * on a window edge. Bids mostly at or below the centre, asks at or above. */
static int64_t gen_px(fz *f, lane *L, int side, int kind) {
    const tbv_ops *V = L->V;
    const int64_t N = (int64_t)V->n;
    int64_t off, base = L->mid[side];
    switch (kind) {
    case 0: off = rng_range(&f->r, -N / f->c->near_div, N / f->c->near_div); break;
    case 1: off = rng_range(&f->r, -3 * N, 3 * N); break;
    case 2: off = rng_range(&f->r, -40 * N, 40 * N); break;
    default: {
        int64_t a = L->ref.s[side].anchor;
        static const int64_t d[6] = {-1, 0, 1, 0, 0, 1};
        int e = (int)rng_below(&f->r, 6);
        base = e < 3 ? a : a + (N - 1);
        off = d[e];
        if (rng_chance(&f->r, 10)) { /* the ends of the price range */
            base = rng_chance(&f->r, 50) ? V->pmin : V->pmax;
            off = rng_range(&f->r, -2, 2);
        }
        break;
    }
    }
    if (kind < 3 && rng_chance(&f->r, 75)) off = side ? -(off < 0 ? -off : off) : (off < 0 ? -off : off);
    return sat_add(base, off, V->pmin, V->pmax);
}

/* ---- operations ------------------------------------------------------------------------------ */

static int do_set(fz *f, lane *L, int side, int64_t px, uint64_t qty) {
    wsnap w;
    int got, want;
    int64_t a0 = L->ref.s[side].anchor;
    snprintf(f->desc, sizeof f->desc, "%s set(side=%d, px=%" PRId64 ", qty=%" PRIu64 ")", L->V->name, side, px, qty);
    wsnap_take(f, L, side, &w);
    if (f->c->M && rng_chance(&f->r, 50)) got = f->c->M->set_code(f->multi, L->h, side, px, qty);
    else if (rng_chance(&f->r, 10)) {
        int res = 77, st = L->V->set(L->b, side, px, qty, &res);
        got = st == TB_OK ? res : st;
    } else got = L->V->set_code(L->b, side, px, qty);
    sync_caps(f, L);
    want = ref_set(&L->ref, side, px, qty);
    if (f->c->approx_checks) ref_set(&L->truth, side, px, qty);
    if (got != want) {
        free(w.lv);
        return fz_fail(f, "result %d, reference %d (anchor before %" PRId64 ")", got, want, a0);
    }
    if (got == TB_PROMOTE) return fz_fail(f, "set() returned PROMOTE");
    cov.results[got + 2]++;
    return wsnap_check(f, L, &w, 1, px);
}

static int do_recenter(fz *f, lane *L, int side, int64_t anchor) {
    wsnap w;
    int st;
    snprintf(f->desc, sizeof f->desc, "%s recenter(side=%d, anchor=%" PRId64 ")", L->V->name, side, anchor);
    cov.recenters++;
    wsnap_take(f, L, side, &w);
    st = rng_chance(&f->r, 50) ? L->V->recenter(L->b, side, anchor)
                               : (side ? L->V->recenter_bid(L->b, anchor) : L->V->recenter_ask(L->b, anchor));
    sync_caps(f, L);
    if (st != TB_OK) {
        free(w.lv);
        return fz_fail(f, "recenter returned %s", tb_status_str(st));
    }
    ref_recenter_checked(&L->ref, side, anchor);
    ref_recenter_checked(&L->truth, side, anchor);
    return wsnap_check(f, L, &w, 0, 0);
}

/* A batch through apply() or bbo_trace(), optionally with a bad row. */
static int do_batch(fz *f, lane *L, int trace) {
    enum { MAXB = 96 };
    uint8_t sides[MAXB];
    int64_t px[MAXB];
    uint64_t qty[MAXB];
    int8_t res[MAXB];
    tbv_bbo out[MAXB];
    size_t n = 1 + (size_t)rng_below(&f->r, MAXB), i, done = 999, bad = n;
    int st, want_st = TB_OK;
    for (i = 0; i < n; i++) {
        sides[i] = (uint8_t)rng_below(&f->r, 2);
        px[i] = gen_px(f, L, sides[i], (int)rng_below(&f->r, 3));
        qty[i] = rng_chance(&f->r, f->c->qty0_pct) ? 0 : gen_qty(f, L);
    }
    if (rng_chance(&f->r, 15)) { /* a bad row stops the batch there */
        bad = (size_t)rng_below(&f->r, n);
        switch (rng_below(&f->r, 3)) {
        case 0: sides[bad] = (uint8_t)(2 + rng_below(&f->r, 250)); want_st = TB_ERR_SIDE; break;
        case 1: px[bad] = L->V->pmin - 1 - (int64_t)rng_below(&f->r, 2); want_st = TB_ERR_PRICE; break;
        default: px[bad] = L->V->pmax + 1 + (int64_t)rng_below(&f->r, 2); want_st = TB_ERR_PRICE; break;
        }
    }
    snprintf(f->desc, sizeof f->desc, "%s %s(n=%zu, bad row=%zu)", L->V->name, trace ? "bbo_trace" : "apply", n,
             bad);
    cov.batches++;
    cov.bad_rows += bad < n;
    st = trace ? tbv_x(L->V)->bbo_trace(L->b, sides, px, qty, n, out, &done)
               : tbv_x(L->V)->apply(L->b, sides, px, qty, n, res, &done);
    if (st != want_st || done != bad)
        return fz_fail(f, "status %d n_done %zu, expected %d and %zu", st, done, want_st, bad);
    for (i = 0; i < bad; i++) {
        int want = ref_set(&L->ref, sides[i], px[i], qty[i]);
        if (f->c->approx_checks) ref_set(&L->truth, sides[i], px[i], qty[i]);
        if (trace) {
            if (out[i].bid_px != ref_best_px(&L->ref, 1) || out[i].ask_px != ref_best_px(&L->ref, 0) ||
                out[i].bid_qty != ref_best_qty(&L->ref, 1) || out[i].ask_qty != ref_best_qty(&L->ref, 0))
                return fz_fail(f, "bbo_trace row %zu (side %d px %" PRId64 " qty %" PRIu64 ") differs", i, sides[i],
                               px[i], qty[i]);
        } else if (res[i] != want) {
            return fz_fail(f, "apply row %zu (side %d px %" PRId64 " qty %" PRIu64 "): %d, reference %d", i, sides[i],
                           px[i], qty[i], res[i], want);
        }
    }
    return 1;
}

static int do_invalid(fz *f, lane *L) {
    const tbv_ops *V = L->V;
    int side = (int)rng_below(&f->r, 2), st = 0, want = 0;
    int64_t badpx = rng_chance(&f->r, 50) ? V->pmin - 1 - (int64_t)rng_below(&f->r, 3) : V->pmax + 1 + (int64_t)rng_below(&f->r, 3);
    int64_t bada = rng_chance(&f->r, 50) ? V->amin - 1 : V->amax + 1;
    switch (rng_below(&f->r, 7)) {
    case 0: st = V->set_code(L->b, side, badpx, gen_qty(f, L)); want = TB_ERR_PRICE; break;
    case 1: st = V->set_code(L->b, 2 + (int)rng_below(&f->r, 9), L->mid[side], 1); want = TB_ERR_SIDE; break;
    case 2: st = V->recenter(L->b, side, bada); want = TB_ERR_ANCHOR; break;
    case 3: st = V->reset(L->b, bada); want = TB_ERR_ANCHOR; break;
    case 4: st = V->reset_at_mid(L->b, side, badpx); want = TB_ERR_PRICE; break;
    case 5: st = V->erase_better(L->b, 2 + (int)rng_below(&f->r, 9), badpx); want = TB_ERR_SIDE; break;
    default: st = V->set_code(L->b, side, badpx, 0); want = TB_ERR_PRICE; break;
    }
    snprintf(f->desc, sizeof f->desc, "%s invalid input (px %" PRId64 ", anchor %" PRId64 ")", V->name, badpx, bada);
    cov.invalid++;
    return FZ_CHECK(f, st == want, "status %d, expected %d", st, want);
}

/* ---- snapshot loads ------------------------------------------------------------------------- */

#define MAX_SNAP 2048 /* levels per side (the reference loads a bid side in O(n^2)) */

/* A snapshot of one side near the lane's centre, best first: dense at the
 * top, then gaps, the odd jump past a window; cut where prices would leave
 * the valid range. Returns its size. */
static size_t gen_snapshot(fz *f, lane *L, int side, int64_t *px, uint64_t *qty) {
    const tbv_ops *V = L->V;
    const int64_t N = (int64_t)V->n;
    size_t cap = (size_t)L->ref.max_cap + 2u * (size_t)N, n, i;
    int64_t p = sat_add(L->mid[side], rng_range(&f->r, -N, N), V->pmin, V->pmax);
    unsigned k = (unsigned)rng_below(&f->r, 20);
    if (cap > MAX_SNAP) cap = MAX_SNAP;
    n = k == 0 ? 0 : k < 5 ? 1 + (size_t)rng_below(&f->r, 8) : k < 10 ? (size_t)rng_below(&f->r, (uint64_t)N)
        : k < 15 ? (size_t)rng_below(&f->r, 4 * (uint64_t)N) : (size_t)rng_below(&f->r, cap);
    if (n > MAX_SNAP) n = MAX_SNAP;
    for (i = 0; i < n; i++) {
        if (i) {
            int64_t step = 1 + (rng_chance(&f->r, 30) ? rng_range(&f->r, 1, 8) : 0);
            if (rng_chance(&f->r, 2)) step += rng_range(&f->r, N, 8 * N);
            if (side ? p < V->pmin + step : p > V->pmax - step) break;
            p = side ? p - step : p + step;
        }
        px[i] = p;
        qty[i] = gen_qty(f, L);
    }
    return i;
}

/* Spoil a snapshot at one level: a price out of range, a zero quantity, a
 * duplicate or two levels swapped. */
static void spoil_snapshot(fz *f, lane *L, int64_t *px, uint64_t *qty, size_t n) {
    size_t k = (size_t)rng_below(&f->r, n);
    switch (k ? rng_below(&f->r, 5) : rng_below(&f->r, 3)) {
    case 0: px[k] = rng_chance(&f->r, 50) ? L->V->pmin - 1 : L->V->pmax + 1; break;
    case 1: qty[k] = 0; break;
    case 2: px[k] = rng_chance(&f->r, 50) ? L->V->tmin : L->V->tmax; break;
    case 3: px[k] = px[k - 1]; break;
    default: {
        int64_t t = px[k];
        px[k] = px[k - 1];
        px[k - 1] = t;
        break;
    }
    }
}

static int do_load(fz *f, lane *L) {
    static int64_t px[2][MAX_SNAP];
    static uint64_t qty[2][MAX_SNAP];
    const tbv_ops *V = L->V;
    size_t n[2], bad = 999, want_bad = 0;
    int both = rng_chance(&f->r, 40), side = (int)rng_below(&f->r, 2), st, want, s;
    for (s = 0; s < 2; s++) n[s] = gen_snapshot(f, L, s, px[s], qty[s]);
    if (rng_chance(&f->r, 10)) {
        int bs = both ? (int)rng_below(&f->r, 2) : side;
        if (n[bs]) spoil_snapshot(f, L, px[bs], qty[bs], n[bs]);
    }
    snprintf(f->desc, sizeof f->desc, "%s load_%s(%zu bids, %zu asks)", V->name, both ? "snapshot" : "side",
             both || side ? n[1] : 0, both || !side ? n[0] : 0);
    if (both) {
        st = tbv_x(V)->load_snapshot(L->b, px[1], qty[1], n[1], px[0], qty[0], n[0], &bad);
        want = ref_load_check(&L->ref, 1, px[1], qty[1], n[1], &want_bad);
        if (!want) {
            want = ref_load_check(&L->ref, 0, px[0], qty[0], n[0], &want_bad);
            want_bad += n[1];
        }
    } else {
        st = tbv_x(V)->load_side(L->b, side, px[side], qty[side], n[side], &bad);
        want = ref_load_check(&L->ref, side, px[side], qty[side], n[side], &want_bad);
    }
    sync_caps(f, L);
    cov.loads++;
    cov.load_errors += want != 0;
    if (st != want || bad != want_bad)
        return fz_fail(f, "status %d, first bad level %zu; expected %d and %zu", st, bad, want, want_bad);
    if (want) return 1;
    for (s = 1; s >= 0; s--)
        if (both || s == side) {
            ref_load_side(&L->ref, s, px[s], qty[s], n[s], NULL);
            if (f->c->approx_checks) ref_load_side(&L->truth, s, px[s], qty[s], n[s], NULL);
            cov.loaded_levels += n[s];
        }
    return 1;
}

/* The mixed_reset benchmark's distance from the mid on the passive side:
 * 70% -5 ... 40 ticks, 20% 40 ... 600, 9% 600 ... 5000, 1% 1e5 ... 1e8. */
static int64_t law_px(fz *f, lane *L, int side) {
    unsigned p = (unsigned)rng_below(&f->r, 100);
    int64_t d = p < 70 ? rng_range(&f->r, -5, 40) : p < 90 ? rng_range(&f->r, 40, 600)
              : p < 99 ? rng_range(&f->r, 600, 5000) : rng_range(&f->r, 100000, 100000000);
    return sat_add(L->mid[side], side ? -d : d, L->V->pmin, L->V->pmax);
}

static int64_t clamp_anchor(const tbv_ops *V, int64_t a) { return a < V->amin ? V->amin : a > V->amax ? V->amax : a; }

static int do_op(fz *f, lane *L, int op) {
    const tbv_ops *V = L->V;
    const int64_t N = (int64_t)V->n;
    int side = (int)rng_below(&f->r, 2);
    snprintf(f->desc, sizeof f->desc, "%s %s", V->name, op_names[op]);
    switch (op) {
    case OP_SET_NEAR:
    case OP_SET_MID:
    case OP_SET_FAR:
    case OP_SET_EDGE: {
        int64_t px = gen_px(f, L, side, op - OP_SET_NEAR);
        uint64_t q = rng_chance(&f->r, f->c->qty0_pct) ? 0 : gen_qty(f, L);
        return do_set(f, L, side, px, q);
    }
    case OP_ERASE_LEVEL: { /* remove an existing level (tape or spill) */
        const ref_side *s = &L->ref.s[side];
        if (!s->n) return do_set(f, L, side, gen_px(f, L, side, 0), 0);
        return do_set(f, L, side, s->lv[rng_below(&f->r, s->n)].px, 0);
    }
    case OP_UPDATE_LEVEL: { /* a new quantity for an existing level (tape or spill) */
        const ref_side *s = &L->ref.s[side];
        if (!s->n) return do_set(f, L, side, gen_px(f, L, side, 0), gen_qty(f, L));
        return do_set(f, L, side, s->lv[rng_below(&f->r, s->n)].px, gen_qty(f, L));
    }
    case OP_RECENTER: {
        int64_t a;
        unsigned k = (unsigned)rng_below(&f->r, 10);
        if (f->c->mixed_law) /* within -2048 ... +1024 of the mid, 1 in 25 at the anchor bounds */
            a = rng_chance(&f->r, 4) ? (rng_chance(&f->r, 50) ? V->amin : V->amax)
                                     : sat_add(L->mid[side], rng_range(&f->r, -2048, 1024), V->amin, V->amax);
        else if (k < 5) a = sat_add(L->ref.s[side].anchor, rng_range(&f->r, -N, N), V->amin, V->amax); /* overlapping */
        else if (k < 8) a = sat_add(L->mid[side] - N / 2, rng_range(&f->r, -4 * N, 4 * N), V->amin, V->amax);
        else if (k < 9) /* a word or so */
            a = sat_add(L->ref.s[side].anchor, rng_range(&f->r, -1, 1) * (64 + rng_range(&f->r, -1, 1)), V->amin,
                        V->amax);
        else a = rng_chance(&f->r, 50) ? V->amin + rng_range(&f->r, 0, 2) : V->amax - rng_range(&f->r, 0, 2);
        return do_recenter(f, L, side, a);
    }
    case OP_RESET: {
        int64_t a = sat_add(L->mid[1] - N / 2, rng_range(&f->r, -N, N), V->amin, V->amax);
        int st;
        snprintf(f->desc, sizeof f->desc, "%s reset(%" PRId64 ")", V->name, a);
        st = V->reset(L->b, a);
        ref_reset(&L->ref, a);
        ref_reset(&L->truth, a);
        return FZ_CHECK(f, st == TB_OK, "reset returned %d", st);
    }
    case OP_RESET_AT_MID: {
        int64_t m = sat_add(L->mid[side], rng_range(&f->r, -N, N), V->pmin, V->pmax);
        int st;
        if (rng_chance(&f->r, 3)) m = rng_chance(&f->r, 50) ? V->pmin : V->pmax;
        snprintf(f->desc, sizeof f->desc, "%s reset_at_mid(side=%d, mid=%" PRId64 ")", V->name, side, m);
        st = V->reset_at_mid(L->b, side, m);
        ref_reset_at_mid(&L->ref, side, m);
        ref_reset_at_mid(&L->truth, side, m);
        return FZ_CHECK(f, st == TB_OK, "reset_at_mid returned %d", st);
    }
    case OP_ERASE_BETTER: {
        /* cut somewhere among the side's levels, or anywhere */
        const ref_side *s = &L->ref.s[side];
        int64_t px = s->n && rng_chance(&f->r, 70) ? s->lv[rng_below(&f->r, s->n)].px + rng_range(&f->r, -1, 1)
                                                   : gen_px(f, L, side, (int)rng_below(&f->r, 3));
        int st;
        if (f->c->mixed_law) /* 1 in 20 wipes the side */
            px = rng_chance(&f->r, 5) ? (side ? V->pmin : V->pmax) : law_px(f, L, side);
        px = px < V->pmin ? V->pmin : px > V->pmax ? V->pmax : px;
        /* a threshold, not a level: now and then one outside the valid price range
         * (up to the type's extremes), which must be accepted as well */
        if (!f->c->mixed_law && rng_chance(&f->r, 4)) {
            const int64_t far[] = {V->tmin, V->tmax, V->pmin - 1, V->pmax + 1};
            px = far[rng_below(&f->r, 4)];
        }
        snprintf(f->desc, sizeof f->desc, "%s erase_better(side=%d, px=%" PRId64 ")", V->name, side, px);
        st = V->erase_better(L->b, side, px);
        ref_erase_better(&L->ref, side, px);
        ref_erase_better(&L->truth, side, px);
        return FZ_CHECK(f, st == TB_OK, "erase_better returned %d", st);
    }
    case OP_CLEAR:
    case OP_RELEASE: {
        int st;
        snprintf(f->desc, sizeof f->desc, "%s %s()", V->name, op == OP_CLEAR ? "clear" : "release");
        st = op == OP_CLEAR ? V->clear(L->b) : V->release(L->b);
        if (op == OP_CLEAR) ref_clear(&L->ref);
        else ref_release(&L->ref);
        ref_clear(&L->truth);
        return FZ_CHECK(f, st == TB_OK, "returned %d", st);
    }
    case OP_RESERVE: {
        int st, want;
        snprintf(f->desc, sizeof f->desc, "%s reserve_spill()", V->name);
        st = V->reserve_spill(L->b);
        sync_caps(f, L);
        want = ref_reserve(&L->ref) == 0 ? TB_OK : TB_ERR_NOMEM;
        return FZ_CHECK(f, st == want, "reserve_spill returned %d, expected %d", st, want);
    }
    case OP_BATCH:
    case OP_TRACE:
        return do_batch(f, L, op == OP_TRACE);
    case OP_INVALID:
        return do_invalid(f, L);
    case OP_JUMP: { /* the market moves far: next sets promote */
        int64_t d = rng_range(&f->r, N, 20 * N) * (rng_chance(&f->r, 50) ? 1 : -1);
        int s2;
        for (s2 = 0; s2 < 2; s2++) L->mid[s2] = sat_add(L->mid[s2], d, V->pmin, V->pmax);
        snprintf(f->desc, sizeof f->desc, "%s jump %" PRId64, V->name, d);
        return do_set(f, L, side, gen_px(f, L, side, 0), gen_qty(f, L));
    }
    case OP_REALLOC_BOOK: {
        const tbv_multi_ops *M = f->c->M;
        tb_handle old = L->h;
        int64_t a = clamp_anchor(V, L->mid[1] - N / 2);
        uint32_t max_cap = L->ref.max_cap;
        int st;
        if (!M) return 1;
        snprintf(f->desc, sizeof f->desc, "%s free + alloc (tier %d)", V->name, L->tier);
        cov.reallocs++;
        cov_book(L);
        if ((st = M->free(f->multi, old)) != TB_OK) return fz_fail(f, "multi free returned %d", st);
        if (M->set_code(f->multi, old, 1, L->mid[1], 1) != TB_ERR_HANDLE) return fz_fail(f, "stale handle accepted");
        if (M->book(f->multi, L->tier, old) != NULL) return fz_fail(f, "stale handle gives a book");
        st = M->alloc(f->multi, L->tier, a, max_cap, &L->h);
        if (st != TB_OK) return fz_fail(f, "multi alloc returned %d", st);
        if (L->h == old) return fz_fail(f, "the new handle equals the stale one");
        L->b = M->book(f->multi, L->tier, L->h);
        ref_free(&L->ref);
        ref_free(&L->truth);
        ref_init(&L->ref, N, V->bits, a, max_cap);
        ref_init(&L->truth, N, V->bits, a, max_cap);
        L->truth.unbounded = 1;
        return L->b ? pool_check(f) : fz_fail(f, "no book for a fresh handle");
    }
    case OP_LOAD:
        return do_load(f, L);
    case OP_SET_LAW:
        return do_set(f, L, side, law_px(f, L, side), rng_chance(&f->r, f->c->qty0_pct) ? 0 : gen_qty(f, L));
    default:
        return 1;
    }
}

/* ---- running a suite -------------------------------------------------------------------------- */

static long total_ops = 0;

static int run_suite(const suite_cfg *c) {
    fz f;
    unsigned wsum = 0;
    int i, ok = 1;
    long op;
    memset(&f, 0, sizeof f);
    f.c = c;
    rng_seed(&f.r, c->seed);
    snprintf(f.desc, sizeof f.desc, "set-up");
    for (i = 0; i < OP_COUNT; i++) wsum += c->w[i];
    if (c->M) {
        int st = c->M->create(&f.multi, 6, 6, 6, c->pool_levels, 64, c->policy);
        if (st != TB_OK) return fz_fail(&f, "multi create failed: %s", tb_status_str(st));
        f.pool = c->M->pool(f.multi);
    } else if (c->P) {
        int st = c->P->create(&f.pool, c->pool_levels, c->policy);
        if (st != TB_OK) return fz_fail(&f, "pool create failed: %s", tb_status_str(st));
    }
    for (i = 0; i < c->nlanes && ok; i++) ok = lane_open(&f, i);
    for (op = 0; op < c->ops && ok; op++) {
        lane *L = &f.L[rng_below(&f.r, (uint64_t)c->nlanes)];
        unsigned pick = (unsigned)rng_below(&f.r, wsum), k = 0;
        f.op = op;
        while (pick >= c->w[k]) pick -= c->w[k++];
        if (rng_chance(&f.r, c->walk)) { /* drift */
            int s = (int)rng_below(&f.r, 2);
            int64_t w = c->walk_ticks ? c->walk_ticks : (int64_t)L->V->n / 8;
            L->mid[s] = sat_add(L->mid[s], rng_range(&f.r, -w, w), L->V->pmin, L->V->pmax);
        }
        ok = do_op(&f, L, (int)k) && quick_check(&f, L);
        if (ok && c->M && rng_chance(&f.r, 5)) {
            tbv_bbo o;
            ok = FZ_CHECK(&f, c->M->bbo(f.multi, L->h, &o) == TB_OK && o.bid_px == ref_best_px(&L->ref, 1) &&
                                  o.ask_qty == ref_best_qty(&L->ref, 0),
                          "multi bbo() differs");
        }
        if (ok && (op + 1) % c->check_every == 0) {
            ok = deep_check(&f, L);
            if (ok && (op + 1) % (c->check_every * 8) == 0) ok = pool_check(&f);
        }
    }
    f.op = op;
    cov.deep_checks += (uint64_t)f.deep_checks;
    snprintf(f.desc, sizeof f.desc, "final check");
    for (i = 0; i < c->nlanes && ok; i++) ok = deep_check(&f, &f.L[i]);
    if (ok) ok = pool_check(&f);
    total_ops += op;
    for (i = 0; i < c->nlanes; i++) lane_close(&f, i);
    if (c->M) {
        tb_pool_stats ps;
        c->M->pool_ops->stats(f.pool, &ps);
        if (ok) ok = FZ_CHECK(&f, ps.used_levels == 0 && ps.fallback_bytes == 0, "pool not empty after freeing all books");
        c->M->destroy(f.multi);
    } else if (c->P) {
        tb_pool_stats ps;
        c->P->stats(f.pool, &ps);
        if (ok)
            ok = FZ_CHECK(&f, ps.used_levels == 0 && ps.fallback_bytes == 0 && ps.attached_books == 0,
                          "pool not empty after destroying all books");
        if (ok) ok = FZ_CHECK(&f, c->P->destroy(f.pool) == TB_OK, "pool destroy failed");
        else c->P->destroy(f.pool);
    }
    return ok && !f.failed;
}

/* ---- categories ------------------------------------------------------------------------------- */

static const tbv_ops *variant_of(int bits, int k) { /* k-th variant of a family, N ascending */
    const tbv_ops *fam[TBV_NBOOKS];
    int i, n = 0;
    for (i = 0; i < TBV_NBOOKS; i++)
        if (tbv_books[i]->bits == bits) fam[n++] = tbv_books[i];
    return fam[k % n];
}
static int family_size(int bits) {
    int i, n = 0;
    for (i = 0; i < TBV_NBOOKS; i++) n += tbv_books[i]->bits == bits;
    return n;
}
static const tbv_ops *small_variant(rng *r, int bits) { /* N in 64 ... 256 */
    return variant_of(bits, (int)rng_below(r, 3));
}

/* One lane of V around `centre` with the default operation mix. */
static void cfg_base(suite_cfg *c, rng *r, const tbv_ops *V, int64_t centre, uint32_t max_cap) {
    const int64_t N = (int64_t)V->n;
    (void)r;
    c->nlanes = 1;
    c->V[0] = V;
    c->max_cap[0] = max_cap;
    c->gap = N / 8;
    c->near_div = 2;
    c->centre[0][1] = centre;
    c->centre[0][0] = sat_add(centre, c->gap, V->pmin, V->pmax);
    c->anchor0[0][1] = c->anchor0[0][0] = clamp_anchor(V, centre - N / 2);
    c->check_every = 32;
    c->walk = 10;
    c->qty0_pct = 15;
    c->w[OP_SET_NEAR] = 400;
    c->w[OP_SET_MID] = 150;
    c->w[OP_SET_FAR] = 60;
    c->w[OP_SET_EDGE] = 30;
    c->w[OP_ERASE_LEVEL] = 100;
    c->w[OP_UPDATE_LEVEL] = 60;
    c->w[OP_RECENTER] = 30;
    c->w[OP_RESET] = 2;
    c->w[OP_RESET_AT_MID] = 4;
    c->w[OP_ERASE_BETTER] = 8;
    c->w[OP_CLEAR] = 1;
    c->w[OP_RELEASE] = 1;
    c->w[OP_RESERVE] = 2;
    c->w[OP_BATCH] = 6;
    c->w[OP_TRACE] = 4;
    c->w[OP_INVALID] = 10;
    c->w[OP_JUMP] = 10;
    c->w[OP_LOAD] = 3;
}

static int64_t centre_i(rng *r, const tbv_ops *V) {
    return V->bits == 32 ? rng_range(r, -2000000, 2000000) : rng_range(r, -(INT64_C(1) << 40), INT64_C(1) << 40);
}

static void cat_multi_n(suite_cfg *c, rng *r, int idx) {
    /* idx 0, 1, ... -> the widest (custom, several summary words) first, then
     * every other size: 8 consecutive suites cover a whole family */
    const int bits = idx < family_size(32) ? 32 : 64;
    const tbv_ops *V = variant_of(bits, idx * 3 + family_size(bits) - 1);
    cfg_base(c, r, V, centre_i(r, V), 4096);
}

static void cat_i64(suite_cfg *c, rng *r, int idx) {
    const uint32_t caps[3] = {64, 1024, 4096};
    const tbv_ops *V = variant_of(64, idx * 3 + family_size(64) - 1); /* the widest first */
    cfg_base(c, r, V, rng_range(r, -(INT64_C(1) << 50), INT64_C(1) << 50), caps[rng_below(r, 3)]);
    c->w[OP_SET_FAR] = 120;
}

static void cat_heavy_recenter(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 5);
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 4096 : 256);
    c->w[OP_RECENTER] = 350;
    c->w[OP_SET_MID] = 250;
}

static void cat_deep_book(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, (int)rng_below(r, 5)); /* N 64 ... 1024 */
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 16384 : 4096);
    c->near_div = 1;
    c->qty0_pct = 4;
    c->w[OP_ERASE_LEVEL] = 15;
    c->w[OP_SET_MID] = 300;
    c->w[OP_SET_FAR] = 200;
    c->w[OP_RESET] = 0;
    c->w[OP_CLEAR] = 0;
    c->w[OP_RELEASE] = 0;
    c->w[OP_RESET_AT_MID] = 0;
    c->w[OP_ERASE_BETTER] = 1;
    c->check_every = 64;
}

static void cat_spill_saturation(suite_cfg *c, rng *r, int idx) {
    const uint32_t caps[4] = {64, 128, 256, 512};
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 2);
    cfg_base(c, r, V, centre_i(r, V), caps[rng_below(r, 4)]);
    c->qty0_pct = 5;
    c->w[OP_SET_MID] = 300;
    c->w[OP_SET_FAR] = 300;
    c->w[OP_ERASE_LEVEL] = 30;
}

static void cat_promote_storm(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 1);
    const int64_t N = (int64_t)V->n;
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 4096 : 128);
    c->gap = -rng_range(r, N / 4, 4 * N); /* asks below bids: crossed books */
    c->centre[0][0] = sat_add(c->centre[0][1], c->gap, V->pmin, V->pmax);
    c->w[OP_JUMP] = 150;
    c->w[OP_SET_MID] = 300;
    c->walk = 40;
}

static void cat_wipe_rebuild(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 5 + 3);
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 4096 : 64);
    c->w[OP_RESET] = 30;
    c->w[OP_RESET_AT_MID] = 40;
    c->w[OP_ERASE_BETTER] = 60;
    c->w[OP_CLEAR] = 20;
    c->w[OP_RELEASE] = 20;
    c->w[OP_RESERVE] = 20;
}

static void cat_split_anchors(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3);
    const int64_t N = (int64_t)V->n;
    cfg_base(c, r, V, centre_i(r, V), 4096);
    c->gap = rng_range(r, 10 * N, 1000 * N) * (rng_chance(r, 25) ? -1 : 1);
    c->centre[0][0] = sat_add(c->centre[0][1], c->gap, V->pmin, V->pmax);
    c->anchor0[0][0] = clamp_anchor(V, c->centre[0][0] - N / 2);
}

static void cat_off_zero(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 2);
    int64_t centre = V->bits == 32 ? rng_range(r, 900000000, 1100000000) : rng_range(r, INT64_C(3900000000000000000),
                                                                                    INT64_C(4100000000000000000));
    if (rng_chance(r, 50)) centre = -centre;
    cfg_base(c, r, V, centre, 1024);
    c->w[OP_SET_FAR] = 150;
}

static void cat_window_boundary(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 1);
    const int64_t N = (int64_t)V->n;
    int low = rng_chance(r, 50);
    int64_t centre = low ? V->pmin + rng_range(r, 0, 3 * N) : V->pmax - rng_range(r, 0, 3 * N);
    cfg_base(c, r, V, centre, rng_chance(r, 50) ? 4096 : 32);
    c->anchor0[0][0] = c->anchor0[0][1] = low ? V->amin : V->amax;
    c->w[OP_SET_EDGE] = 250;
    c->w[OP_SET_FAR] = 100;
}

static void cat_small_cap(suite_cfg *c, rng *r, int idx) {
    const uint32_t caps[6] = {1, 2, 4, 8, 16, 32};
    const tbv_ops *V = small_variant(r, idx % 2 ? 64 : 32);
    cfg_base(c, r, V, centre_i(r, V), caps[idx % 6]);
    c->approx_checks = 1;
    c->check_every = 16;
    c->w[OP_SET_MID] = 300;
}

static void cat_pool_shared(suite_cfg *c, rng *r, int idx) {
    const int bits = idx % 2 ? 64 : 32;
    int i;
    cfg_base(c, r, variant_of(bits, 0), 0, 4096);
    c->nlanes = 3 + (int)rng_below(r, 4);
    c->P = tbv_pool_for(bits);
    c->pool_levels = 1u << 20;
    c->policy = TB_POOL_REFUSE;
    for (i = 0; i < c->nlanes; i++) {
        const tbv_ops *V = variant_of(bits, (int)rng_below(r, 6));
        int64_t centre = centre_i(r, V);
        c->V[i] = V;
        c->max_cap[i] = rng_chance(r, 50) ? 4096 : 16u << rng_below(r, 6);
        c->centre[i][1] = centre;
        c->centre[i][0] = centre + (int64_t)V->n / 8;
        c->anchor0[i][0] = c->anchor0[i][1] = centre - (int64_t)V->n / 2;
    }
    c->w[OP_SET_MID] = 250;
    c->w[OP_RELEASE] = 8;
}

static void cat_pool_exhaustion(suite_cfg *c, rng *r, int idx) {
    const int bits = idx % 2 ? 64 : 32;
    int i;
    cfg_base(c, r, variant_of(bits, 0), 0, 64);
    c->nlanes = 2 + (int)rng_below(r, 3);
    c->P = tbv_pool_for(bits);
    c->pool_levels = 16u << rng_below(r, 6); /* 16 ... 512 levels */
    c->policy = (idx / 2) % 2 ? TB_POOL_FALLBACK : TB_POOL_REFUSE;
    c->pool_may_refuse = 1;
    c->approx_checks = 1;
    c->check_every = 16;
    for (i = 0; i < c->nlanes; i++) {
        const tbv_ops *V = small_variant(r, bits);
        int64_t centre = centre_i(r, V);
        c->V[i] = V;
        c->max_cap[i] = 1u << rng_below(r, 9); /* 1 ... 256 */
        c->centre[i][1] = centre;
        c->centre[i][0] = centre + (int64_t)V->n / 8;
        c->anchor0[i][0] = c->anchor0[i][1] = centre - (int64_t)V->n / 2;
    }
    c->w[OP_BATCH] = 0; /* a batch can see the pool change mid-way: single ops only */
    c->w[OP_TRACE] = 0;
    c->w[OP_SET_MID] = 250;
    c->w[OP_RELEASE] = 15;
    c->w[OP_RESERVE] = 10;
}

static void cat_multi_tiers(suite_cfg *c, rng *r, int idx) {
    const tbv_multi_ops *M = tbv_multis[idx % TBV_NMULTIS];
    int i, per_tier[3] = {0, 0, 0};
    cfg_base(c, r, M->tier_ops[0], 0, 0);
    c->M = M;
    c->nlanes = 3 + (int)rng_below(r, 6);
    c->policy = TB_POOL_REFUSE;
    if ((idx / TBV_NMULTIS) % 2) { /* a small shared pool: exact with refusals */
        c->pool_levels = 256u << rng_below(r, 4);
        c->pool_may_refuse = 1;
        c->approx_checks = 1;
        c->w[OP_BATCH] = 0;
        c->w[OP_TRACE] = 0;
    } else {
        c->pool_levels = 1u << 18;
    }
    for (i = 0; i < c->nlanes; i++) {
        int t = (int)rng_below(r, 3);
        const tbv_ops *V;
        int64_t centre;
        while (per_tier[t] >= 6) t = (t + 1) % 3;
        per_tier[t]++;
        V = M->tier_ops[t];
        centre = centre_i(r, V);
        c->V[i] = V;
        c->tier[i] = t;
        c->max_cap[i] = rng_chance(r, 50) ? 0u : 16u << rng_below(r, 5);
        c->centre[i][1] = centre;
        c->centre[i][0] = centre + (int64_t)V->n / 8;
        c->anchor0[i][0] = c->anchor0[i][1] = centre - (int64_t)V->n / 2;
    }
    c->w[OP_REALLOC_BOOK] = 4;
    c->w[OP_SET_MID] = 250;
}

static void cat_batch(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 2);
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 4096 : 32);
    c->w[OP_BATCH] = 200;
    c->w[OP_TRACE] = 150;
}

/* Snapshot loads between ordinary traffic, on every cap from tiny to large. */
static void cat_snapshot_load(suite_cfg *c, rng *r, int idx) {
    const uint32_t caps[4] = {4, 64, 512, 4096};
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 1);
    cfg_base(c, r, V, centre_i(r, V), caps[rng_below(r, 4)]);
    c->w[OP_LOAD] = 60;
    c->w[OP_SET_LAW] = 100;
}

/* The mixed_reset benchmark's distribution (bench/c/bench_stream.h): 70%
 * sets and 22.5% cancels at prices of its distance law, 3.5% erase_better
 * (1 in 20 wiping the side), 3.5% recenters within -2048 ... +1024 of the
 * mid (1 in 25 at the anchor bounds), 0.5% resets; the mid random-walks by
 * up to 3 ticks on 5% of ops. */
static void cat_mixed_reset(suite_cfg *c, rng *r, int idx) {
    const tbv_ops *V = variant_of(idx % 2 ? 64 : 32, idx * 3 + 2);
    int k;
    cfg_base(c, r, V, centre_i(r, V), rng_chance(r, 50) ? 4096 : 64);
    for (k = 0; k < OP_COUNT; k++) c->w[k] = 0;
    c->w[OP_SET_LAW] = 925;
    c->qty0_pct = 24; /* 22.5 of the 92.5 */
    c->w[OP_ERASE_BETTER] = 35;
    c->w[OP_RECENTER] = 35;
    c->w[OP_RESET] = 5;
    c->mixed_law = 1;
    c->walk = 5;
    c->walk_ticks = 3;
}

typedef struct category {
    const char *name;
    void (*make)(suite_cfg *, rng *, int);
    int suites[3]; /* quick, sanitizer, full */
    int ops_pct;   /* share of the profile's ops per suite */
} category;

static const category cats[] = {
    {"multi_n", cat_multi_n, {4, 5, 24}, 100},
    {"i64_family", cat_i64, {2, 3, 13}, 100},
    {"heavy_recenter", cat_heavy_recenter, {2, 3, 13}, 100},
    {"deep_book", cat_deep_book, {2, 3, 12}, 60},
    {"spill_saturation", cat_spill_saturation, {2, 3, 12}, 100},
    {"promote_storm", cat_promote_storm, {2, 3, 12}, 100},
    {"wipe_rebuild", cat_wipe_rebuild, {2, 3, 12}, 100},
    {"split_anchors", cat_split_anchors, {2, 3, 12}, 100},
    {"off_zero", cat_off_zero, {2, 3, 12}, 100},
    {"window_boundary", cat_window_boundary, {2, 3, 12}, 100},
    {"small_cap", cat_small_cap, {2, 3, 12}, 100},
    {"pool_shared", cat_pool_shared, {2, 3, 12}, 100},
    {"pool_exhaustion", cat_pool_exhaustion, {4, 5, 16}, 100},
    {"multi_tiers", cat_multi_tiers, {2, 3, 20}, 100},
    {"batch", cat_batch, {2, 3, 12}, 100},
    {"snapshot_load", cat_snapshot_load, {3, 3, 16}, 100},
    {"mixed_reset", cat_mixed_reset, {3, 3, 16}, 100},
};
#define NCATS ((int)(sizeof cats / sizeof cats[0]))

static uint64_t parse_u64(const char *s) { return (uint64_t)strtoull(s, NULL, 0); }

int main(int argc, char **argv) {
    static const long ops_by_profile[3] = {40000, 50000, 120000};
    uint64_t base_seed = UINT64_C(0x7AB1E5EED5EED001), only_seed = 0;
    const char *only_cat = NULL;
    long ops_override = 0;
    int only_index = -1, i, k, nsuites = 0;
    clock_t t_all = clock();
    if (!tbt_init(argc, argv)) return 2;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) base_seed = parse_u64(argv[++i]);
        else if (strcmp(argv[i], "--suite-seed") == 0 && i + 1 < argc) only_seed = parse_u64(argv[++i]);
        else if (strcmp(argv[i], "--category") == 0 && i + 1 < argc) only_cat = argv[++i];
        else if (strcmp(argv[i], "--index") == 0 && i + 1 < argc) only_index = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) ops_override = atol(argv[++i]);
    }
    printf("test_fuzz: profile %s, base seed 0x%016" PRIx64 ", %d variants, %d multi-book pools\n",
           tbt_profile_name(tbt_prof), base_seed, TBV_NBOOKS, TBV_NMULTIS);
    for (k = 0; k < NCATS; k++) {
        const category *cat = &cats[k];
        int n = cat->suites[tbt_prof];
        if (only_cat && strcmp(only_cat, cat->name) != 0) continue;
        for (i = 0; i < n; i++) {
            suite_cfg c;
            rng r;
            clock_t t0;
            int ok;
            uint64_t mix = base_seed ^ ((uint64_t)(k + 1) << 40) ^ (uint64_t)i;
            if (only_index >= 0 && i != only_index) continue;
            memset(&c, 0, sizeof c);
            c.cat = cat->name;
            c.index = i;
            c.seed = only_seed ? only_seed : splitmix64(&mix);
            c.ops = ops_override ? ops_override : ops_by_profile[tbt_prof] * cat->ops_pct / 100;
            rng_seed(&r, c.seed ^ UINT64_C(0xC0FFEE));
            cat->make(&c, &r, i);
            t0 = clock();
            ok = run_suite(&c);
            tbt_count(ok);
            nsuites++;
            printf("%-4s %-17s #%-3d seed=0x%016" PRIx64 " ops=%-7ld %-22s %.2fs\n", ok ? "ok" : "FAIL", c.cat, i,
                   c.seed, c.ops, c.M ? c.M->name : c.nlanes > 1 ? "(several books)" : c.V[0]->name,
                   (double)(clock() - t0) / CLOCKS_PER_SEC);
            fflush(stdout);
        }
    }
    printf("test_fuzz: %d suites, %ld operations, %.1fs\n", nsuites, total_ops,
           (double)(clock() - t_all) / CLOCKS_PER_SEC);
    printf("coverage: set results insert %" PRIu64 " update %" PRIu64 " erase %" PRIu64 " spill %" PRIu64
           "; promotes %" PRIu64 "; recenters %" PRIu64 "; evicted %" PRIu64 " dropped %" PRIu64 " nomem %" PRIu64
           ";\n          batches %" PRIu64 " (bad rows %" PRIu64 "); invalid inputs %" PRIu64 "; book reallocs %" PRIu64
           "; max depth %" PRIu64 "; deep checks %" PRIu64 "; window checks %" PRIu64
           ";\n          loads %" PRIu64 " (refused %" PRIu64 ", %" PRIu64 " levels loaded)\n",
           cov.results[3], cov.results[2], cov.results[1], cov.results[0], cov.promotes, cov.recenters, cov.evicted,
           cov.dropped, cov.nomem, cov.batches, cov.bad_rows, cov.invalid, cov.reallocs, cov.max_depth,
           cov.deep_checks, cov.window_checks, cov.loads, cov.load_errors, cov.loaded_levels);
    return tbt_finish();
}
