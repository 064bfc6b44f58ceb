/* bench_match_ab.c — same-process A/B of two builds of the matching engine
 * (make bench-match-ab AB_OLD=<commit>): the old commit's engine and this
 * tree's, linked into one binary (bench_match_ab.h), replay one seeded flow
 * (bench_match_flow.h) in alternating order, round after round, so load and
 * frequency changes hit both alike.
 *
 *   verify   both replay the whole flow; the FNV-1a hash of every event byte
 *            must be equal (the change kept the behaviour), else exit 1
 *   single   every operation one call: thread CPU ns per operation
 *   many     runs of consecutive submits through submit_many, cancels and
 *            modifies one call each: CPU ns per operation
 *   ops      the flow through apply_ops, OPS_BATCH operations a call (as
 *            bench_match's batch row): CPU ns per operation; its events are
 *            verified too (the hash equals the single calls' on both sides)
 *   service  single calls timed one by one (rdtsc): HDR histogram of the
 *            service time per operation class, both sides
 *
 * Each round runs single, many and ops once: both sides' engines take the flow in
 * alternating slices of 8192 operations, each slice timed (timed_pair); then
 * the service pass once per side (old first in even rounds, new first in odd
 * ones). A ratio is new / old time of the same round, and the output gives
 * the ratios' min / median / max over the rounds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapebook.h"
#include "tapebook/tb_match.h"

#include "bench_clock.h"
#include "bench_hdr.h"
#include "bench_match_ab.h"
#include "bench_match_flow.h"

#define MID_PX INT64_C(1000000)
#define EV_CAP 65536

enum { MODE_SINGLE = 0, MODE_MANY = 1, MODE_OPS = 2, MODES = 3, MAX_ROUNDS = 64, OPS_BATCH = 256 };
static const char *const mode_name[MODES] = {"single", "many", "ops"};

static tb_match_event g_ev[EV_CAP];
static tb_match_order g_batch[EV_CAP];
static tb_match_op *g_ops; /* the flow as apply_ops operations */
static double g_tick_per_ns = 1.0;
static uint32_t g_max_orders;
static volatile uint64_t g_sink; /* keeps the timed loops' results alive */

typedef struct side_result {
    double ns[MODES][MAX_ROUNDS];
    bench_hdr service[FLOW_CLASSES];
} side_result;

static side_result g_res[2];

static void die(const char *eng, const char *what, size_t i, int st) {
    fprintf(stderr, "bench_match_ab: %s: %s failed at op %zu with status %d\n", eng, what, i, st);
    exit(1);
}

static int apply(const ab_engine *e, void *m, const flow_op *op, size_t *n_ev) {
    switch (op->kind) {
    case FLOW_SUBMIT: return e->submit(m, &op->o, g_ev, EV_CAP, n_ev);
    case FLOW_CANCEL: return e->cancel(m, op->o.id, g_ev, EV_CAP, n_ev);
    default: return e->modify(m, op->o.id, op->o.qty, g_ev, EV_CAP, n_ev);
    }
}

static void *fresh(const ab_engine *e, const flow *F) {
    void *m = e->create(MID_PX - 512, g_max_orders, 4096, TB_STP_CANCEL_NEWEST);
    if (!m) die(e->name, "create", 0, TB_ERR_NOMEM);
    for (size_t i = 0; i < F->n_prefill; i++) {
        size_t n_ev = 0;
        int st = apply(e, m, &F->ops[i], &n_ev);
        if (st != TB_OK) die(e->name, "prefill", i, st);
    }
    return m;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* Operations [from, to) through apply_ops, OPS_BATCH a call (a full event
 * buffer resumes at n_done); h: the events' hash to extend, or NULL. */
static uint64_t ops_run(const ab_engine *e, void *m, size_t from, size_t to, uint64_t *h) {
    uint64_t acc = 0;
    for (size_t i = from; i < to;) {
        const size_t k = to - i < OPS_BATCH ? to - i : OPS_BATCH;
        size_t n_ev = 0, done = 0;
        int st = e->apply_ops(m, g_ops + i, k, g_ev, EV_CAP, &n_ev, &done);
        if (st != TB_OK && !(st == TB_ERR_EVENTS && done > 0)) die(e->name, "apply_ops", i + done, st);
        if (h) *h = fnv(*h, g_ev, n_ev * sizeof g_ev[0]);
        acc += n_ev + done;
        i += done;
    }
    return acc;
}

/* The events of the whole flow, single calls (batch 0) or through apply_ops. */
static uint64_t replay_hash(const ab_engine *e, const flow *F, int batch) {
    void *m = fresh(e, F);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    if (batch) (void)ops_run(e, m, F->n_prefill, F->n, &h);
    for (size_t i = F->n_prefill; !batch && i < F->n; i++) {
        size_t n_ev = 0;
        int st = apply(e, m, &F->ops[i], &n_ev);
        if (st != TB_OK) die(e->name, "verify", i, st);
        h = fnv(h, g_ev, n_ev * sizeof g_ev[0]);
    }
    h = fnv(h, &(size_t){e->orders(m)}, sizeof(size_t));
    e->destroy(m);
    return h;
}

/* The flow's submits from i on, up to the next cancel / modify or `end`, as one submit_many. */
static size_t submit_run(const ab_engine *e, void *m, const flow *F, size_t i, size_t end) {
    size_t k = 0, done = 0;
    while (i + k < end && F->ops[i + k].kind == FLOW_SUBMIT && k < EV_CAP) {
        g_batch[k] = F->ops[i + k].o;
        k++;
    }
    while (done < k) { /* a full event buffer: drained (dropped here), then on from where it stopped */
        size_t n_ev = 0, n_done = 0;
        int st = e->submit_many(m, g_batch + done, k - done, g_ev, EV_CAP, &n_ev, &n_done);
        done += n_done;
        if (st != TB_OK && st != TB_ERR_EVENTS) die(e->name, "submit_many", i + done, st);
    }
    return k;
}

/* Operations [from, to) of the flow in `mode`. */
static void run_ops(const ab_engine *e, void *m, const flow *F, int mode, size_t from, size_t to) {
    uint64_t acc = 0;
    if (mode == MODE_OPS) {
        g_sink += ops_run(e, m, from, to, NULL);
        return;
    }
    for (size_t i = from; i < to;) {
        size_t n_ev = 0;
        if (mode == MODE_MANY && F->ops[i].kind == FLOW_SUBMIT) {
            i += submit_run(e, m, F, i, to);
            continue;
        }
        acc += (uint64_t)apply(e, m, &F->ops[i], &n_ev) + n_ev;
        i++;
    }
    g_sink += acc;
}

/* One timed pass of `mode` for both sides: their engines side by side, the flow in
 * slices of SLICE operations, old and new taking turns (which goes first alternates),
 * each slice timed, so load and frequency changes hit both alike even on a busy
 * machine. ns[k] = side k's CPU ns per operation. */
#define SLICE 8192
static void timed_pair(const ab_engine *const side[2], const flow *F, int mode, double ns[2]) {
    void *m[2] = {fresh(side[0], F), fresh(side[1], F)};
    double t[2] = {0, 0};
    size_t turn = 0;
    for (size_t i = F->n_prefill; i < F->n; i += SLICE, turn++) {
        const size_t to = F->n - i < SLICE ? F->n : i + SLICE;
        for (int j = 0; j < 2; j++) {
            const int k = (turn & 1) ? 1 - j : j;
            const double c0 = bench_thread_cpu_ns();
            run_ops(side[k], m[k], F, mode, i, to);
            t[k] += bench_thread_cpu_ns() - c0;
        }
    }
    for (int k = 0; k < 2; k++) {
        ns[k] = t[k] / (double)(F->n - F->n_prefill);
        side[k]->destroy(m[k]);
    }
}

/* Service time of every operation, per class (ticks -> ns), added to hist. */
static void service_pass(const ab_engine *e, const flow *F, bench_hdr *hist) {
    void *m = fresh(e, F);
    for (size_t i = F->n_prefill; i < F->n; i++) {
        size_t n_ev = 0;
        uint64_t t0 = bench_ticks();
        int st = apply(e, m, &F->ops[i], &n_ev);
        uint64_t t1 = bench_ticks();
        if (st != TB_OK) die(e->name, "service", i, st);
        bench_hdr_record(&hist[F->ops[i].cls], (uint64_t)((double)(t1 - t0) / g_tick_per_ns));
    }
    e->destroy(m);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

int main(int argc, char **argv) {
    size_t ops = 1000000, target = 20000;
    int rounds = 9;
    uint64_t seed = 42;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ops") && i + 1 < argc) ops = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--target") && i + 1 < argc) target = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--ops N] [--target N] [--rounds 1..%d] [--seed S] [--json PATH]\n", argv[0],
                    MAX_ROUNDS);
            return 2;
        }
    }
    if (ops == 0 || target == 0 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench_match_ab: --ops and --target must be positive, --rounds in [1, %d]\n", MAX_ROUNDS);
        return 2;
    }
    g_tick_per_ns = bench_clock_calibrate(60);
    g_max_orders = (uint32_t)(target + target / 4 < 1024 ? 1024 : target + target / 4);
    flow fl;
    if (flow_generate(&fl, target, ops, target, seed, MID_PX, TB_STP_CANCEL_NEWEST)) {
        fprintf(stderr, "bench_match_ab: out of memory generating the flow\n");
        return 1;
    }
    g_ops = (tb_match_op *)calloc(fl.n, sizeof *g_ops);
    if (!g_ops) {
        fprintf(stderr, "bench_match_ab: out of memory for the apply_ops operations\n");
        return 1;
    }
    for (size_t i = 0; i < fl.n; i++) {
        g_ops[i].order = fl.ops[i].o;
        g_ops[i].kind = fl.ops[i].kind == FLOW_SUBMIT   ? TB_OP_SUBMIT
                        : fl.ops[i].kind == FLOW_CANCEL ? TB_OP_CANCEL
                                                        : TB_OP_MODIFY;
    }
    const ab_engine *side[2] = {&ab_old, &ab_new};
    uint64_t h_old = replay_hash(&ab_old, &fl, 0), h_new = replay_hash(&ab_new, &fl, 0);
    const int same_ops = replay_hash(&ab_old, &fl, 1) == h_old && replay_hash(&ab_new, &fl, 1) == h_new;
    printf("flow: %zu prefill + %zu ops (seed %llu); verify: event hash old %016llx new %016llx: %s; apply_ops: %s\n",
           fl.n_prefill, ops, (unsigned long long)seed, (unsigned long long)h_old, (unsigned long long)h_new,
           h_old == h_new ? "identical" : "DIFFERENT", same_ops ? "the same events" : "DIFFERENT events");
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < FLOW_CLASSES; c++) bench_hdr_reset(&g_res[k].service[c]);
    for (int r = 0; r < rounds; r++) {
        for (int mode = 0; mode < MODES; mode++) {
            double ns[2];
            timed_pair(side, &fl, mode, ns);
            g_res[0].ns[mode][r] = ns[0];
            g_res[1].ns[mode][r] = ns[1];
        }
        for (int j = 0; j < 2; j++) {
            int k = (r & 1) ? 1 - j : j; /* old first in even rounds, new first in odd ones */
            service_pass(side[k], &fl, g_res[k].service);
        }
    }
    printf("\nthroughput, thread CPU ns per operation (median of %d alternating rounds); new/old ratio per round:\n",
           rounds);
    printf("  %-7s %9s %9s %8s %8s %8s\n", "mode", "old", "new", "min", "median", "max");
    double ratio_med[MODES];
    for (int mode = 0; mode < MODES; mode++) {
        double ratio[MAX_ROUNDS], lo = 1e300, hi = 0;
        for (int r = 0; r < rounds; r++) {
            ratio[r] = g_res[1].ns[mode][r] / g_res[0].ns[mode][r];
            if (ratio[r] < lo) lo = ratio[r];
            if (ratio[r] > hi) hi = ratio[r];
        }
        ratio_med[mode] = median(ratio, rounds);
        printf("  %-7s %9.1f %9.1f %7.3fx %7.3fx %7.3fx\n", mode_name[mode], median(g_res[0].ns[mode], rounds),
               median(g_res[1].ns[mode], rounds), lo, ratio_med[mode], hi);
    }
    printf("\nservice time per operation class (ns, every round; HDR buckets < 1.6%% wide):\n");
    printf("  %-11s %9s %7s %7s %7s %7s %7s %7s\n", "op", "count", "p50 old", "new", "p99 old", "new", "p99.9 o",
           "new");
    for (int c = 0; c < FLOW_CLASSES; c++) {
        const bench_hdr *a = &g_res[0].service[c], *b = &g_res[1].service[c];
        printf("  %-11s %9llu %7llu %7llu %7llu %7llu %7llu %7llu\n", flow_class_name[c],
               (unsigned long long)a->total, (unsigned long long)bench_hdr_quantile(a, 0.5),
               (unsigned long long)bench_hdr_quantile(b, 0.5), (unsigned long long)bench_hdr_quantile(a, 0.99),
               (unsigned long long)bench_hdr_quantile(b, 0.99), (unsigned long long)bench_hdr_quantile(a, 0.999),
               (unsigned long long)bench_hdr_quantile(b, 0.999));
    }
    if (json) { /* a few hundred bytes: the medians and ratios, no histograms */
        FILE *f = fopen(json, "w");
        if (!f) {
            perror(json);
            return 1;
        }
        fprintf(f, "{\"ops\": %zu, \"rounds\": %d, \"identical\": %s", ops, rounds,
                h_old == h_new && same_ops ? "true" : "false");
        for (int mode = 0; mode < MODES; mode++)
            fprintf(f, ", \"%s\": {\"old_ns\": %.2f, \"new_ns\": %.2f, \"ratio\": %.4f}", mode_name[mode],
                    median(g_res[0].ns[mode], rounds), median(g_res[1].ns[mode], rounds), ratio_med[mode]);
        fprintf(f, "}\n");
        fclose(f);
    }
    free(g_ops);
    flow_free(&fl);
    return h_old == h_new && same_ops ? 0 : 1;
}
