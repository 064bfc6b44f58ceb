/* bench_olog_ab.c — same-process A/B of two builds of the feeds' order log (make
 * bench-olog-ab AB_OLD=<commit>): the old commit's tb_order_log.h and this tree's,
 * linked into one binary (bench_olog_ab.h), take the same ops rows through tb_olog_run
 * in alternating order, round after round, so load and frequency changes hit both alike.
 *
 *   clear   a clear-heavy replay (a DBN file with many R records): one session of
 *           BIG_ADDS adds (the tables grow to fit) and a clear, then cycles of
 *           CYCLE_ADDS adds and a clear ('R'): thread CPU ns per cycle
 *   tob     top-of-book records (databento F_TOB): each a 'T' of one side to one
 *           order, in a log made as the reader makes it (hint 4096): ns per row
 *   steady  no clears: adds of new ids and cancels of resting ones around
 *           STEADY_RESTING orders (what each add / cancel costs): ns per row
 *   grow    steady's warm-up timed: STEADY_RESTING adds into a new log (its tables
 *           grow, into fresh memory): ns per add
 *
 * A ratio is new / old time of the same round, reported as min / median / max. Verify:
 * both sides' row checksums must be equal, else exit 1.
 *
 * Usage: bench_olog_ab [--rounds N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_olog_ab.h"

enum { BIG_ADDS = 100000, CYCLE_ADDS = 100, CYCLES = 2000, TOB_ROWS = 100000, STEADY_RESTING = 78000,
       STEADY_ROWS = 200000 };

static double cpu_ns(void) { /* this thread's CPU time: slices lost to other processes do not count */
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t rng = 88172645463325252u;
static uint64_t rnd(void) { /* xorshift64 */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct rows {
    uint8_t *op, *side, *end;
    uint64_t *id, *alt, *qty;
    int64_t *px;
    size_t n, cap;
} rows;

static void rows_init(rows *r, size_t cap) {
    r->op = (uint8_t *)calloc(cap, 1), r->side = (uint8_t *)calloc(cap, 1), r->end = (uint8_t *)calloc(cap, 1);
    r->id = (uint64_t *)calloc(cap, 8), r->alt = (uint64_t *)calloc(cap, 8), r->qty = (uint64_t *)calloc(cap, 8);
    r->px = (int64_t *)calloc(cap, 8);
    if (!r->op || !r->side || !r->end || !r->id || !r->alt || !r->qty || !r->px) abort();
    r->n = 0;
    r->cap = cap;
}

static void push(rows *r, uint8_t op, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    const size_t k = r->n++;
    if (k >= r->cap) abort();
    r->op[k] = op, r->id[k] = id, r->side[k] = side, r->px[k] = px, r->qty[k] = qty, r->end[k] = 1;
}

static ologab_ops view(const rows *r, size_t first) {
    ologab_ops o;
    o.op = r->op + first, o.side = r->side + first, o.end = r->end + first;
    o.id = r->id + first, o.alt = r->alt + first, o.qty = r->qty + first, o.px = r->px + first;
    return o;
}

typedef struct work {
    const char *name, *unit;
    size_t hint, units;
    rows pre, timed; /* pre: untimed, on both sides first */
} work;

static void make_works(work *w) {
    uint64_t id = 1;
    size_t k, c;
    w[0].name = "clear", w[0].unit = "cycle", w[0].hint = 1u << 12, w[0].units = CYCLES;
    rows_init(&w[0].pre, BIG_ADDS + 1);
    for (k = 0; k < BIG_ADDS; k++)
        push(&w[0].pre, 'A', id++, (uint8_t)(k & 1), 10000 + (int64_t)(rnd() % 2000), 1 + rnd() % 100);
    push(&w[0].pre, 'R', 0, 0, 0, 0);
    rows_init(&w[0].timed, CYCLES * (CYCLE_ADDS + 1));
    for (c = 0; c < CYCLES; c++) {
        for (k = 0; k < CYCLE_ADDS; k++)
            push(&w[0].timed, 'A', id++, (uint8_t)(k & 1), 10000 + (int64_t)(rnd() % 40), 1 + rnd() % 100);
        push(&w[0].timed, 'R', 0, 0, 0, 0);
    }
    w[1].name = "tob", w[1].unit = "row", w[1].hint = 1u << 12, w[1].units = TOB_ROWS;
    rows_init(&w[1].pre, 1);
    rows_init(&w[1].timed, TOB_ROWS);
    for (k = 0; k < TOB_ROWS; k++)
        push(&w[1].timed, 'T', id++, (uint8_t)(k & 1), 10000 + (int64_t)(rnd() % 10), 1 + rnd() % 100);
    w[2].name = "steady", w[2].unit = "row", w[2].hint = 1u << 12, w[2].units = STEADY_ROWS;
    rows_init(&w[2].pre, STEADY_RESTING);
    {
        uint64_t *live = (uint64_t *)malloc(STEADY_RESTING * 8);
        if (!live) abort();
        for (k = 0; k < STEADY_RESTING; k++) {
            live[k] = id;
            push(&w[2].pre, 'A', id++, (uint8_t)(k & 1), 10000 + (int64_t)(rnd() % 2000), 1 + rnd() % 100);
        }
        rows_init(&w[2].timed, STEADY_ROWS);
        for (k = 0; k < STEADY_ROWS; k += 2) { /* cancel a random resting order, add a new one in its place */
            const size_t at = (size_t)(rnd() % STEADY_RESTING);
            push(&w[2].timed, 'C', live[at], 0, 0, 0);
            live[at] = id;
            push(&w[2].timed, 'A', id++, (uint8_t)(k & 1), 10000 + (int64_t)(rnd() % 2000), 1 + rnd() % 100);
        }
        free(live);
    }
    w[3].name = "grow", w[3].unit = "add", w[3].hint = 1u << 12, w[3].units = STEADY_RESTING;
    rows_init(&w[3].pre, 1);
    rows_init(&w[3].timed, STEADY_RESTING);
    for (k = 0; k < STEADY_RESTING; k++) /* the same adds as steady's warm-up, timed: growth, fresh pages */
        push(&w[3].timed, w[2].pre.op[k], w[2].pre.id[k], w[2].pre.side[k], w[2].pre.px[k], w[2].pre.qty[k]);
}

static int cmp_d(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    static work w[4];
    const ab_olog *side[2] = {&ologab_old, &ologab_new};
    int rounds = 7, round, i, s, bad = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else return fprintf(stderr, "usage: bench_olog_ab [--rounds N]\n"), 2;
    }
    if (rounds < 1 || rounds > 1000) return fprintf(stderr, "--rounds: 1..1000, got %d\n", rounds), 2;
    make_works(w);
    printf("bench_olog_ab: %d rounds, new / old thread CPU time per round (min median max), best ns\n", rounds);
    for (i = 0; i < 4; i++) {
        double *ratio = (double *)malloc((size_t)rounds * sizeof *ratio), best[2] = {1e300, 1e300};
        for (round = 0; round < rounds; round++) {
            double t[2];
            uint64_t sum[2];
            void *g[2];
            for (s = 0; s < 2; s++) {
                const ologab_ops pre = view(&w[i].pre, 0);
                g[s] = side[s]->create(w[i].hint);
                if (!g[s]) abort();
                (void)side[s]->run(g[s], &pre, w[i].pre.n);
            }
            for (s = 0; s < 2; s++) { /* alternate which side goes first */
                const int who = (round & 1) ? 1 - s : s;
                const ologab_ops o = view(&w[i].timed, 0);
                const double t0 = cpu_ns();
                sum[who] = side[who]->run(g[who], &o, w[i].timed.n);
                t[who] = cpu_ns() - t0;
            }
            if (sum[0] != sum[1]) bad = 1;
            for (s = 0; s < 2; s++) {
                side[s]->destroy(g[s]);
                if (t[s] < best[s]) best[s] = t[s];
            }
            ratio[round] = t[1] / t[0];
        }
        qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_d);
        printf("  %-7s old %10.1f ns/%s  new %10.1f ns/%s  new/old %.3f %.3f %.3f\n", w[i].name,
               best[0] / (double)w[i].units, w[i].unit, best[1] / (double)w[i].units, w[i].unit, ratio[0],
               ratio[rounds / 2], ratio[rounds - 1]);
        free(ratio);
    }
    if (bad) fprintf(stderr, "bench_olog_ab: the two sides' rows differ\n");
    return bad;
}
