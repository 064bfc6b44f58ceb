/* bench_match.c — the matching engine benchmark (make bench-match).
 *
 * One seeded order flow (bench_match_flow.h: the mix is documented there) is
 * replayed through tapebook's engine (tb_match on the L3 book) and through
 * two straightforward reference engines, in the same run:
 *   reference   tests/c/ref_match.h: a sorted level array per side + malloc'd
 *               FIFO lists + a chained id hash (C; the fuzz's oracle)
 *   map+list    tests/c/ref_match_std.hpp: std::map levels + std::list FIFOs +
 *               std::unordered_map index (C++, bench/c/ref_match_std_c.cpp;
 *               the engine issue #16 names and the L3 bench's containers)
 *
 *   verify      both engines replay the whole flow; the FNV-1a hash of every
 *               event byte and the final book must be equal, else exit 1
 *   throughput  back to back, prefill untimed: ops/s and submits/s, best of
 *               --reps runs, thread CPU time (wall time beside it)
 *   latency     open loop at --rate operations per second offered: operation
 *               i is due at t0 + i / rate; it starts when due (or when the one
 *               before finishes, if later) and its latency is finish - due, so
 *               queueing behind a slow operation is counted (no coordinated
 *               omission). One HDR histogram per operation class, plus the
 *               service time (finish - start) of all operations and of each
 *               class (what the engine costs, without the queueing). A
 *               "machine" row runs the same arrivals with no operation at all:
 *               the VM's own floor, which every from-due-time row includes.
 *   allocations TB_MALLOC calls of the tapebook engine inside the timed loops
 *               (must be 0: the arena and the spill are reserved up front)
 *
 * Four throughput lines, one run:
 *   tapebook    one call per operation (submit / cancel / modify): what an
 *               engine serving one request at a time costs
 *   batch       the same flow through apply_ops, --batch operations a call
 *               (default 256; an exchange draining its input queue, a
 *               backtester replaying a stream): the engine looks ahead and
 *               fetches the id index line, node and level of later ops while
 *               it serves the current one (tb_match_batch.inc). Its events
 *               must hash as the single calls' (else exit 1); no latency
 *               histograms for it (latency is per operation)
 *   reference   one call per operation on the sorted-array engine (C)
 *   map+list    one call per operation on the std::map + std::list engine
 *               (C++, one non-inlined call into its translation unit an op)
 * The ratios are of the same run; 20 M submits/s and 3x "a straightforward
 * map+list reference engine" are the goals of issue #16, printed against both
 * references (the sorted-array one is the faster baseline; the batch line
 * reaching a goal while the single-call line does not is what the batch is
 * for). The measured lines below predate the map+list engine.
 *
 * Measured 2026-12-07 15:39-15:41 UTC, 2-core AMD EPYC VM (1 MiB L2 per core),
 * gcc 12 -O3 -march=native, load average 5.6-6.9 (other builds sharing the
 * cores; the CPU-time columns, best of 3), single / batch / reference ns/op:
 *   default flow (~18-20 k resting), 4 runs: 49.5 / 44.7 / 105.0,
 *     49.0 / 44.8 / 97.6, 48.9 / 45.1 / 127.7, 55.0 / 50.0 / 131.0: batch
 *     1.08-1.11x the single calls, 13.8-15.4 M submits/s, 2.18-2.83x the
 *     reference (single 1.99-2.61x): neither goal met by either line
 *   --target 100000, 3 runs: 62.0 / 57.8 / 147.1, 72.9 / 58.2 / 144.3,
 *     77.9 / 58.8 / 176.7: batch 1.07-1.32x the single calls
 *   --target 300000, 3 runs: 149.1 / 82.1 / 270.8, 128.8 / 74.6 / 219.9,
 *     140.4 / 80.2 / 247.1: batch 1.73-1.82x, 2.95-3.30x the reference
 * At ~2e4 resting orders the arena and the id index sit in L2 / L3 and a call
 * is bound by its instructions more than by misses, so looking ahead hides
 * little; once the book outgrows the caches the misses dominate and the
 * lookahead pays (tb_match_batch.inc has the stages and the crossover).
 *
 * Output: a table on stdout, --json PATH (numbers + the non-empty histogram
 * buckets, read by bench/match/report_match.py for the PNG and the markdown). */
#define _GNU_SOURCE
#include "bench_alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapebook.h"
#include "tapebook/tb_match.h"

#include "bench_clock.h"
#include "bench_hdr.h"
#include "bench_match_flow.h"
#include "bench_meta.h"
#include "ref_match_std_c.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS "unknown"
#endif

typedef struct opts {
    size_t ops, target, batch;
    double rate;
    int reps;
    uint64_t seed;
    const char *json;
} opts;

enum { ENG_TB = 0, ENG_REF = 1, ENG_STD = 2, ENGINES = 3 };
static const char *const engine_name[ENGINES] = {"tapebook", "reference", "map+list"};

#define MID_PX INT64_C(1000000)
#define EV_CAP 65536

typedef struct engine_result {
    double ops_per_s, submits_per_s, ns_per_op, wall_ns_per_op;
    uint64_t hash;
    size_t resting;
    uint64_t allocs_in_loop;
    bench_hdr hist[FLOW_CLASSES];
    bench_hdr all;     /* every operation, latency from due time */
    bench_hdr service; /* every operation, finish - start */
    bench_hdr service_cls[FLOW_CLASSES]; /* finish - start per operation class */
    double achieved_rate;
} engine_result;

static tb_match_event g_ev[EV_CAP];

/* ---- the two engines behind one set of macros ---------------------------------- */

typedef tb_match_i64_n1024 tbm;

static uint32_t g_max_orders = 1u << 16;

/* The arena holds 1.25x the target book (the flow keeps it within 110 %): the
 * id index (2 entries per order slot) then fits the 512 KiB L2 cache, which
 * measured 1.35x -> 1.75x against the reference compared with 4x. */
static tbm *tb_new(void) {
    tbm *m = NULL;
    if (tb_match_i64_n1024_create(&m, MID_PX - 512, g_max_orders, 4096, TB_STP_CANCEL_NEWEST) != TB_OK) return NULL;
    return m;
}

/* ---- the batch: the flow as tb_match_op records, apply_ops over slices -------- */

static tb_match_op *g_ops;
static int8_t *g_status;

static void die(const char *what, size_t i, int st);

/* The flow's ops as apply_ops records (untimed, once). */
static int batch_prepare(const flow *f) {
    g_ops = (tb_match_op *)calloc(f->n, sizeof *g_ops);
    g_status = (int8_t *)calloc(f->n, sizeof *g_status);
    if (!g_ops || !g_status) return -1;
    for (size_t i = 0; i < f->n; i++) {
        g_ops[i].order = f->ops[i].o;
        g_ops[i].kind = f->ops[i].kind == FLOW_SUBMIT   ? TB_OP_SUBMIT
                        : f->ops[i].kind == FLOW_CANCEL ? TB_OP_CANCEL
                                                        : TB_OP_MODIFY;
    }
    return 0;
}

/* ops [from, to) through apply_ops, `batch` a call (a full event buffer
 * resumes at n_done). h: the FNV-1a hash of the events to extend, or NULL
 * (timed: no hashing, no status check). Returns a checksum of the counts. */
static uint64_t fnv(uint64_t h, const void *p, size_t n);
static uint64_t batch_run(tbm *m, size_t from, size_t to, size_t batch, uint64_t *h) {
    uint64_t acc = 0;
    for (size_t i = from; i < to;) {
        const size_t k = to - i < batch ? to - i : batch;
        size_t n_ev = 0, done = 0;
        int st = tb_match_i64_n1024_apply_ops(m, g_ops + i, k, g_ev, EV_CAP, &n_ev, NULL, h ? g_status + i : NULL,
                                              &done);
        if (st != TB_OK && !(st == TB_ERR_EVENTS && done > 0)) die("apply_ops", i + done, st);
        if (h) {
            for (size_t j = 0; j < done; j++)
                if (g_status[i + j] != TB_OK) die("apply_ops (an op refused)", i + j, g_status[i + j]);
            *h = fnv(*h, g_ev, n_ev * sizeof g_ev[0]);
        }
        acc += n_ev + done;
        i += done;
    }
    return acc;
}

static inline int tb_apply(tbm *m, const flow_op *op, size_t *n_ev) {
    tb_submit_result res;
    switch (op->kind) {
    case FLOW_SUBMIT: return tb_match_i64_n1024_submit(m, &op->o, g_ev, EV_CAP, n_ev, &res);
    case FLOW_CANCEL: return tb_match_i64_n1024_cancel(m, op->o.id, g_ev, EV_CAP, n_ev);
    default: return tb_match_i64_n1024_modify(m, op->o.id, op->o.qty, g_ev, EV_CAP, n_ev);
    }
}

static ref_match *ref_new(void) {
    ref_match *r = (ref_match *)malloc(sizeof *r);
    if (!r) return NULL;
    /* the tapebook engine's i64 price domain, no quantity or order limit in practice (both references) */
    if (ref_match_init(r, TB_STP_CANCEL_NEWEST, INT64_MIN + 1024, INT64_MAX - 1024, UINT64_MAX, SIZE_MAX, 4096)) {
        free(r);
        return NULL;
    }
    return r;
}

static inline int ref_apply(ref_match *r, const flow_op *op, size_t *n_ev) {
    tb_submit_result res;
    switch (op->kind) {
    case FLOW_SUBMIT: return ref_match_submit(r, &op->o, g_ev, EV_CAP, n_ev, &res);
    case FLOW_CANCEL: return ref_match_cancel(r, op->o.id, g_ev, EV_CAP, n_ev);
    default: return ref_match_modify(r, op->o.id, op->o.qty, g_ev, EV_CAP, n_ev);
    }
}

static void ref_del(ref_match *r) {
    ref_match_free(r);
    free(r);
}

static ref_std_engine *std_new(void) {
    return ref_std_new(TB_STP_CANCEL_NEWEST, INT64_MIN + 1024, INT64_MAX - 1024, UINT64_MAX, SIZE_MAX, 4096);
}

static inline int std_apply(ref_std_engine *r, const flow_op *op, size_t *n_ev) {
    tb_submit_result res;
    switch (op->kind) {
    case FLOW_SUBMIT: return ref_std_submit(r, &op->o, g_ev, EV_CAP, n_ev, &res);
    case FLOW_CANCEL: return ref_std_cancel(r, op->o.id, g_ev, EV_CAP, n_ev);
    default: return ref_std_modify(r, op->o.id, op->o.qty, g_ev, EV_CAP, n_ev);
    }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

static volatile uint64_t g_sink;

static void die(const char *what, size_t i, int st) {
    fprintf(stderr, "bench_match: %s failed at op %zu with status %d (%s)\n", what, i, st, tb_match_status_str(st));
    exit(1);
}

/* One engine, three phases. NEW/APPLY/DEL: the engine's calls; E: its type. */
#define RUN_ENGINE(E, NEW, APPLY, DEL, COUNT_RESTING, res_, fl_, o_)                                               \
    do {                                                                                                           \
        const flow *F = (fl_);                                                                                     \
        /* verify: the hash of every event */                                                                      \
        E *e = NEW();                                                                                              \
        if (!e) die("create", 0, TB_ERR_NOMEM);                                                                    \
        uint64_t h = UINT64_C(0xcbf29ce484222325);                                                                 \
        for (size_t i = 0; i < F->n; i++) {                                                                        \
            size_t n_ev = 0;                                                                                       \
            int st = APPLY(e, &F->ops[i], &n_ev);                                                                  \
            if (st != TB_OK) die("verify", i, st);                                                                 \
            h = fnv(h, g_ev, n_ev * sizeof g_ev[0]);                                                               \
        }                                                                                                          \
        (res_)->hash = h;                                                                                          \
        (res_)->resting = COUNT_RESTING(e);                                                                        \
        DEL(e);                                                                                                    \
        /* throughput: best of reps */                                                                             \
        double best_cpu = 1e300, best_wall = 1e300;                                                                \
        for (int rep = 0; rep < (o_)->reps; rep++) {                                                               \
            e = NEW();                                                                                             \
            if (!e) die("create", 0, TB_ERR_NOMEM);                                                                \
            for (size_t i = 0; i < F->n_prefill; i++) {                                                            \
                size_t n_ev = 0;                                                                                   \
                APPLY(e, &F->ops[i], &n_ev);                                                                       \
            }                                                                                                      \
            uint64_t a0 = bench_alloc_events();                                                                    \
            double c0 = bench_thread_cpu_ns(), w0 = bench_mono_ns();                                               \
            uint64_t acc = 0;                                                                                      \
            for (size_t i = F->n_prefill; i < F->n; i++) {                                                         \
                size_t n_ev = 0;                                                                                   \
                acc += (uint64_t)APPLY(e, &F->ops[i], &n_ev) + n_ev;                                               \
            }                                                                                                      \
            double c1 = bench_thread_cpu_ns(), w1 = bench_mono_ns();                                               \
            (res_)->allocs_in_loop += bench_alloc_events() - a0;                                                   \
            g_sink += acc;                                                                                         \
            if (c1 - c0 < best_cpu) best_cpu = c1 - c0;                                                            \
            if (w1 - w0 < best_wall) best_wall = w1 - w0;                                                          \
            DEL(e);                                                                                                \
        }                                                                                                          \
        size_t timed = F->n - F->n_prefill;                                                                        \
        uint64_t submits = F->per_class[FLOW_PASSIVE] + F->per_class[FLOW_MARKETABLE] +                            \
                           F->per_class[FLOW_IOC] + F->per_class[FLOW_MARKET];                                     \
        (res_)->ns_per_op = best_cpu / (double)timed;                                                              \
        (res_)->wall_ns_per_op = best_wall / (double)timed;                                                        \
        (res_)->ops_per_s = 1e9 * (double)timed / best_cpu;                                                        \
        (res_)->submits_per_s = 1e9 * (double)submits / best_cpu;                                                  \
        /* latency: open loop at the offered rate */                                                               \
        e = NEW();                                                                                                 \
        if (!e) die("create", 0, TB_ERR_NOMEM);                                                                    \
        for (size_t i = 0; i < F->n_prefill; i++) {                                                                \
            size_t n_ev = 0;                                                                                       \
            APPLY(e, &F->ops[i], &n_ev);                                                                           \
        }                                                                                                          \
        for (int c = 0; c < FLOW_CLASSES; c++) {                                                                   \
            bench_hdr_reset(&(res_)->hist[c]);                                                                     \
            bench_hdr_reset(&(res_)->service_cls[c]);                                                              \
        }                                                                                                          \
        bench_hdr_reset(&(res_)->all);                                                                             \
        bench_hdr_reset(&(res_)->service);                                                                         \
        double period = g_tick_per_ns * 1e9 / (o_)->rate; /* ticks between arrivals */                             \
        uint64_t a0 = bench_alloc_events();                                                                        \
        uint64_t t0 = bench_ticks() + 1000;                                                                        \
        double w0 = bench_mono_ns();                                                                               \
        for (size_t i = F->n_prefill; i < F->n; i++) {                                                             \
            uint64_t due = t0 + (uint64_t)((double)(i - F->n_prefill) * period);                                   \
            uint64_t start = bench_ticks();                                                                        \
            while (start < due) start = bench_ticks();                                                             \
            size_t n_ev = 0;                                                                                       \
            int st = APPLY(e, &F->ops[i], &n_ev);                                                                  \
            uint64_t end = bench_ticks();                                                                          \
            g_sink += (uint64_t)st;                                                                                \
            uint64_t lat = (uint64_t)((double)(end - due) / g_tick_per_ns);                                        \
            bench_hdr_record(&(res_)->hist[F->ops[i].cls], lat);                                                   \
            bench_hdr_record(&(res_)->all, lat);                                                                   \
            uint64_t svc = (uint64_t)((double)(end - start) / g_tick_per_ns);                                      \
            bench_hdr_record(&(res_)->service, svc);                                                               \
            bench_hdr_record(&(res_)->service_cls[F->ops[i].cls], svc);                                            \
        }                                                                                                          \
        double w1 = bench_mono_ns();                                                                               \
        (res_)->allocs_in_loop += bench_alloc_events() - a0;                                                       \
        (res_)->achieved_rate = 1e9 * (double)timed / (w1 - w0);                                                   \
        DEL(e);                                                                                                    \
    } while (0)

static double g_tick_per_ns = 1.0;

/* The machine's own floor under the open loop: the same arrivals at the same rate and
 * the same clock reads, with no operation between start and finish. What it records
 * from the due time is the VM's (an interrupt, the hypervisor taking the core), and
 * every engine's "from due time" rows carry it too; the service rows do not. */
static bench_hdr g_machine;
static void run_machine(const flow *F, double rate) {
    double period = g_tick_per_ns * 1e9 / rate;
    bench_hdr_reset(&g_machine);
    uint64_t t0 = bench_ticks() + 1000;
    for (size_t i = F->n_prefill; i < F->n; i++) {
        uint64_t due = t0 + (uint64_t)((double)(i - F->n_prefill) * period);
        uint64_t start = bench_ticks();
        while (start < due) start = bench_ticks();
        uint64_t end = bench_ticks();
        bench_hdr_record(&g_machine, (uint64_t)((double)(end - due) / g_tick_per_ns));
    }
}

static size_t tb_resting(tbm *m) { return (size_t)tb_match_i64_n1024_orders(m); }
static size_t ref_resting(ref_match *r) { return r->n_orders; }
static size_t std_resting(ref_std_engine *r) { return ref_std_orders(r); }
static void tb_del(tbm *m) { tb_match_i64_n1024_destroy(m); }

static void print_hist_json(FILE *f, const bench_hdr *h) {
    fprintf(f, "{\"count\": %llu, \"min\": %llu, \"max\": %llu, \"mean\": %.1f, \"p50\": %llu, \"p90\": %llu, "
               "\"p99\": %llu, \"p999\": %llu, \"p9999\": %llu, \"buckets\": [",
            (unsigned long long)h->total, (unsigned long long)(h->total ? h->min : 0), (unsigned long long)h->max,
            h->total ? h->sum / (double)h->total : 0.0, (unsigned long long)bench_hdr_quantile(h, 0.5),
            (unsigned long long)bench_hdr_quantile(h, 0.9), (unsigned long long)bench_hdr_quantile(h, 0.99),
            (unsigned long long)bench_hdr_quantile(h, 0.999), (unsigned long long)bench_hdr_quantile(h, 0.9999));
    int first = 1;
    for (uint32_t i = 0; i < BENCH_HDR_BUCKETS; i++) {
        if (!h->count[i]) continue;
        fprintf(f, "%s[%llu, %llu, %llu]", first ? "" : ", ", (unsigned long long)bench_hdr_low(i),
                (unsigned long long)bench_hdr_width(i), (unsigned long long)h->count[i]);
        first = 0;
    }
    fprintf(f, "]}");
}

static void print_row(const char *eng, const char *cls, const bench_hdr *h) {
    printf("  %-10s %-11s %9llu %8llu %8llu %8llu %10llu\n", eng, cls, (unsigned long long)h->total,
           (unsigned long long)bench_hdr_quantile(h, 0.5), (unsigned long long)bench_hdr_quantile(h, 0.99),
           (unsigned long long)bench_hdr_quantile(h, 0.999), (unsigned long long)h->max);
}

static engine_result g_res[ENGINES];

/* The batch line: verify (the same event hash as the single calls), then
 * throughput best of reps as RUN_ENGINE's, prefill untimed. */
static void run_batch(const flow *F, const opts *o, engine_result *res) {
    tbm *e = tb_new();
    if (!e) die("create", 0, TB_ERR_NOMEM);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    batch_run(e, 0, F->n, o->batch, &h);
    res->hash = h;
    res->resting = tb_resting(e);
    tb_del(e);
    double best_cpu = 1e300, best_wall = 1e300;
    for (int rep = 0; rep < o->reps; rep++) {
        e = tb_new();
        if (!e) die("create", 0, TB_ERR_NOMEM);
        batch_run(e, 0, F->n_prefill, o->batch, NULL);
        uint64_t a0 = bench_alloc_events();
        double c0 = bench_thread_cpu_ns(), w0 = bench_mono_ns();
        uint64_t acc = batch_run(e, F->n_prefill, F->n, o->batch, NULL);
        double c1 = bench_thread_cpu_ns(), w1 = bench_mono_ns();
        res->allocs_in_loop += bench_alloc_events() - a0;
        g_sink += acc;
        if (c1 - c0 < best_cpu) best_cpu = c1 - c0;
        if (w1 - w0 < best_wall) best_wall = w1 - w0;
        tb_del(e);
    }
    size_t timed = F->n - F->n_prefill;
    uint64_t submits = F->per_class[FLOW_PASSIVE] + F->per_class[FLOW_MARKETABLE] + F->per_class[FLOW_IOC] +
                       F->per_class[FLOW_MARKET];
    res->ns_per_op = best_cpu / (double)timed;
    res->wall_ns_per_op = best_wall / (double)timed;
    res->ops_per_s = 1e9 * (double)timed / best_cpu;
    res->submits_per_s = 1e9 * (double)submits / best_cpu;
}

static engine_result g_batch;

int main(int argc, char **argv) {
    opts o = {1000000, 20000, 256, 1e6, 3, 42, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ops") && i + 1 < argc) o.ops = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--target") && i + 1 < argc) o.target = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) o.batch = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc) o.rate = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) o.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) o.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) o.json = argv[++i];
        else if (!strcmp(argv[i], "--quick")) {
            o.ops = 100000;
            o.target = 5000;
            o.reps = 1;
        } else {
            fprintf(stderr, "usage: %s [--ops N] [--target N] [--batch N] [--rate OPS_PER_S] [--reps N] [--seed S] "
                            "[--json PATH] [--quick]\n", argv[0]);
            return 2;
        }
    }
    if (o.ops == 0 || o.target == 0 || o.batch == 0 || o.rate <= 0 || o.reps < 1) {
        fprintf(stderr, "bench_match: --ops, --target, --batch, --rate and --reps must be positive\n");
        return 2;
    }
    g_tick_per_ns = bench_clock_calibrate(60);
    g_max_orders = (uint32_t)(o.target + o.target / 4 < 1024 ? 1024 : o.target + o.target / 4);
    flow fl;
    if (flow_generate(&fl, o.target, o.ops, o.target, o.seed, MID_PX, TB_STP_CANCEL_NEWEST)) {
        fprintf(stderr, "bench_match: out of memory generating the flow\n");
        return 1;
    }
    printf("flow: %zu prefill + %zu ops (seed %llu, target %zu resting); mix:", fl.n_prefill, o.ops,
           (unsigned long long)o.seed, o.target);
    for (int c = 0; c < FLOW_CLASSES; c++)
        printf(" %s %.1f%%", flow_class_name[c], 100.0 * (double)fl.per_class[c] / (double)o.ops);
    printf("; max events of one op %zu\n", fl.max_events);

    if (batch_prepare(&fl)) {
        fprintf(stderr, "bench_match: out of memory preparing the batch\n");
        return 1;
    }
    RUN_ENGINE(tbm, tb_new, tb_apply, tb_del, tb_resting, &g_res[ENG_TB], &fl, &o);
    run_batch(&fl, &o, &g_batch);
    RUN_ENGINE(ref_match, ref_new, ref_apply, ref_del, ref_resting, &g_res[ENG_REF], &fl, &o);
    RUN_ENGINE(ref_std_engine, std_new, std_apply, ref_std_free, std_resting, &g_res[ENG_STD], &fl, &o);
    run_machine(&fl, o.rate);

    int same = g_res[ENG_TB].hash == g_res[ENG_REF].hash && g_res[ENG_TB].resting == g_res[ENG_REF].resting &&
               g_res[ENG_TB].hash == g_res[ENG_STD].hash && g_res[ENG_TB].resting == g_res[ENG_STD].resting;
    int batch_same = g_batch.hash == g_res[ENG_TB].hash && g_batch.resting == g_res[ENG_TB].resting;
    printf("verify: event hash %016llx vs reference %016llx, resting %zu vs %zu: %s\n",
           (unsigned long long)g_res[ENG_TB].hash, (unsigned long long)g_res[ENG_REF].hash, g_res[ENG_TB].resting,
           g_res[ENG_REF].resting, same ? "identical" : "DIFFERENT");
    printf("verify: map+list event hash %016llx, resting %zu\n", (unsigned long long)g_res[ENG_STD].hash,
           g_res[ENG_STD].resting);
    printf("verify: apply_ops (batch %zu) event hash %016llx, resting %zu: %s to the single calls\n", o.batch,
           (unsigned long long)g_batch.hash, g_batch.resting, batch_same ? "identical" : "DIFFERENT");
    printf("\nthroughput (best of %d, thread CPU time; wall in brackets):\n", o.reps);
    for (int k = 0; k < ENGINES; k++)
        printf("  %-10s %7.1f ns/op [%7.1f]  %6.2f M ops/s  %6.2f M submits/s  allocations in timed loops: %llu\n",
               engine_name[k], g_res[k].ns_per_op, g_res[k].wall_ns_per_op, g_res[k].ops_per_s / 1e6,
               g_res[k].submits_per_s / 1e6, (unsigned long long)g_res[k].allocs_in_loop);
    printf("  %-10s %7.1f ns/op [%7.1f]  %6.2f M ops/s  %6.2f M submits/s  allocations in timed loops: %llu"
           "  (tapebook apply_ops, %zu ops a call)\n",
           "batch", g_batch.ns_per_op, g_batch.wall_ns_per_op, g_batch.ops_per_s / 1e6, g_batch.submits_per_s / 1e6,
           (unsigned long long)g_batch.allocs_in_loop, o.batch);
    double ratio = g_res[ENG_TB].ops_per_s / g_res[ENG_REF].ops_per_s;
    double batch_ratio = g_batch.ops_per_s / g_res[ENG_REF].ops_per_s;
    double std_ratio = g_res[ENG_TB].ops_per_s / g_res[ENG_STD].ops_per_s;
    double batch_std_ratio = g_batch.ops_per_s / g_res[ENG_STD].ops_per_s;
    printf("  ratio tapebook / reference: %.2fx; batch / reference: %.2fx; batch / tapebook: %.2fx\n", ratio,
           batch_ratio, g_batch.ops_per_s / g_res[ENG_TB].ops_per_s);
    printf("  ratio tapebook / map+list: %.2fx; batch / map+list: %.2fx\n", std_ratio, batch_std_ratio);
    printf("  goals (issue #16): >= 20 M submits/s: single %s, batch %s; >= 3x the reference: single %s, batch %s; "
           ">= 3x map+list: single %s, batch %s\n",
           g_res[ENG_TB].submits_per_s >= 20e6 ? "met" : "not met", g_batch.submits_per_s >= 20e6 ? "met" : "not met",
           ratio >= 3.0 ? "met" : "not met", batch_ratio >= 3.0 ? "met" : "not met",
           std_ratio >= 3.0 ? "met" : "not met", batch_std_ratio >= 3.0 ? "met" : "not met");
    printf("\nlatency at %.2f M ops/s offered (ns, from due time; HDR buckets < 1.6%% wide):\n", o.rate / 1e6);
    printf("  %-10s %-11s %9s %8s %8s %8s %10s\n", "engine", "op", "count", "p50", "p99", "p99.9", "max");
    for (int k = 0; k < ENGINES; k++) {
        for (int c = 0; c < FLOW_CLASSES; c++) print_row(engine_name[k], flow_class_name[c], &g_res[k].hist[c]);
        print_row(engine_name[k], "all", &g_res[k].all);
        print_row(engine_name[k], "service", &g_res[k].service);
        printf("  %-10s achieved %.3f M ops/s\n", engine_name[k], g_res[k].achieved_rate / 1e6);
    }
    print_row("machine", "no engine", &g_machine); /* the floor every row above includes */
    printf("\nservice time per operation class (ns, finish - start, same run):\n");
    printf("  %-10s %-11s %9s %8s %8s %8s %10s\n", "engine", "op", "count", "p50", "p99", "p99.9", "max");
    for (int k = 0; k < ENGINES; k++)
        for (int c = 0; c < FLOW_CLASSES; c++) print_row(engine_name[k], flow_class_name[c], &g_res[k].service_cls[c]);
    if (o.json) {
        FILE *f = fopen(o.json, "w");
        if (!f) {
            perror(o.json);
            return 1;
        }
        bench_meta meta;
        bench_meta_collect(&meta);
        fprintf(f, "{\"meta\": {\"cpu\": \"%s\", \"cores\": %ld, \"compiler\": \"%s\", \"flags\": \"%s\", "
                   "\"commit\": \"%s\", \"dirty\": %d, \"date\": \"%s\", \"clock\": \"%s\"},\n",
                meta.cpu_model, meta.cores_online, meta.compiler, meta.flags, meta.git_commit, meta.git_dirty,
                meta.date_utc, BENCH_CLOCK_NAME);
        fprintf(f, " \"flow\": {\"ops\": %zu, \"prefill\": %zu, \"target\": %zu, \"seed\": %llu, \"rate\": %.0f, "
                   "\"reps\": %d, \"max_events\": %zu, \"mix\": {",
                o.ops, fl.n_prefill, o.target, (unsigned long long)o.seed, o.rate, o.reps, fl.max_events);
        for (int c = 0; c < FLOW_CLASSES; c++)
            fprintf(f, "%s\"%s\": %llu", c ? ", " : "", flow_class_name[c], (unsigned long long)fl.per_class[c]);
        fprintf(f, "}},\n \"identical\": %s, \"ratio\": %.3f, \"ratio_map_list\": %.3f,\n", same ? "true" : "false",
                ratio, std_ratio);
        fprintf(f, " \"batch\": {\"ops_per_call\": %zu, \"identical\": %s, \"ratio\": %.3f, \"ratio_map_list\": %.3f, "
                   "\"ns_per_op\": %.2f, \"wall_ns_per_op\": %.2f, \"ops_per_s\": %.0f, \"submits_per_s\": %.0f, "
                   "\"allocs_in_loop\": %llu},\n",
                o.batch, batch_same ? "true" : "false", batch_ratio, batch_std_ratio, g_batch.ns_per_op,
                g_batch.wall_ns_per_op,
                g_batch.ops_per_s, g_batch.submits_per_s, (unsigned long long)g_batch.allocs_in_loop);
        fprintf(f, " \"engines\": {");
        for (int k = 0; k < ENGINES; k++) {
            engine_result *r = &g_res[k];
            fprintf(f, "%s\n  \"%s\": {\"ns_per_op\": %.2f, \"wall_ns_per_op\": %.2f, \"ops_per_s\": %.0f, "
                       "\"submits_per_s\": %.0f, \"allocs_in_loop\": %llu, \"achieved_rate\": %.0f, \"hash\": \"%016llx\",\n"
                       "   \"latency\": {",
                    k ? "," : "", engine_name[k], r->ns_per_op, r->wall_ns_per_op, r->ops_per_s, r->submits_per_s,
                    (unsigned long long)r->allocs_in_loop, r->achieved_rate, (unsigned long long)r->hash);
            for (int c = 0; c < FLOW_CLASSES; c++) {
                fprintf(f, "%s\n    \"%s\": ", c ? "," : "", flow_class_name[c]);
                print_hist_json(f, &r->hist[c]);
            }
            fprintf(f, ",\n    \"all\": ");
            print_hist_json(f, &r->all);
            fprintf(f, ",\n    \"service\": ");
            print_hist_json(f, &r->service);
            for (int c = 0; c < FLOW_CLASSES; c++) {
                fprintf(f, ",\n    \"service_%s\": ", flow_class_name[c]);
                print_hist_json(f, &r->service_cls[c]);
            }
            fprintf(f, "}}");
        }
        fprintf(f, "}}\n");
        fclose(f);
    }
    flow_free(&fl);
    free(g_ops);
    free(g_status);
    if (!same || !batch_same) return 1;
    if (g_res[ENG_TB].allocs_in_loop || g_batch.allocs_in_loop) {
        fprintf(stderr, "bench_match: the tapebook engine allocated inside a timed loop\n");
        return 1;
    }
    return 0;
}
