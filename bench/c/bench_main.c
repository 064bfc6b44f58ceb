/* bench_main.c — tapebook's C benchmark harness (issue #5).
 *
 *   make bench-c        (gcc -std=c11 -O3 -march=native -DNDEBUG -Icsrc -Ibench/c)
 *   build/bench/bench_c [--quick] [--ops N] [--reps N] [--batch N] [--seed S]
 *                       [--workload NAME[,NAME...]] [--out PATH] [--md PATH]
 *
 * Seeded workloads (bench_stream.h) are generated up front; tapebook N=256 and
 * N=1024 (malloc-backed with the spill reserved, and SpillPool-backed) and
 * three reference books (bench_refs.h) apply the same streams in the same
 * run. Every implementation is first verified: a hash of the BBO after every
 * op and the final BBO must equal what the majority of implementations
 * computed, else it is marked invalid and excluded from the ratios. Then each (workload, impl)
 * gets one untimed warm-up and `reps` timed runs, interleaved across
 * implementations; each run times batches of `batch` ops between two clock
 * reads (bench_clock.h) and the run with the median total time is reported.
 * Allocation hooks (bench_alloc.h) count TB_MALLOC/TB_FREE calls inside every
 * timed loop. Nothing is pinned: the VM has 2 cores and the harness runs on
 * whichever the scheduler picks.
 *
 * Exit status: 0, or 1 when a verification or the zero-allocation check
 * failed. Missed performance targets are reported, not failed. */
#define _GNU_SOURCE

#include "bench_alloc.h" /* before tapebook.h: counting TB_MALLOC / TB_FREE */

#include "tapebook.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bench_clock.h"
#include "bench_impls.h"
#include "bench_json.h"
#include "bench_meta.h"
#include "bench_stats.h"
#include "bench_stream.h"

#define BENCH_MAX_REPS 31

typedef struct bench_opts {
    size_t ops;
    int reps;
    size_t batch;
    uint64_t seed;
    int quick;
    const char *workloads; /* comma list or NULL: all */
    const char *impls;     /* comma list or NULL: all (the baseline always runs) */
    const char *out;
    const char *md;
    const char *dump; /* directory: write each workload's streams there, run nothing */
} bench_opts;

typedef struct bench_run {
    int ran;
    int verified;        /* BBO hash and final BBO equal the baseline's */
    uint64_t hash;
    ref_bbo final_bbo;
    bench_summary rep[BENCH_MAX_REPS];
    int median;          /* index into rep[] */
    uint64_t errors;     /* status codes returned in timed loops */
    uint64_t alloc_events_timed; /* TB_MALLOC + TB_FREE calls in all timed loops */
    uint64_t alloc_events_warmup;
    uint64_t pool_requests_timed; /* SpillPool alloc() calls in all timed loops */
    int has_book_stats, has_pool_stats;
    tb_book_stats book_stats;  /* after the last latency run */
    tb_book_stats book_stats_start; /* before it: counters below are differences */
    tb_pool_stats pool_stats;
    /* streams with other operations than set: time per kind of operation in
     * a separate run of each repetition (each run of one kind timed alone,
     * the clock's own cost subtracted per measurement) */
    double split_ns[BENCH_MAX_REPS][BENCH_NK];
    uint64_t split_ops[BENCH_NK], split_meas[BENCH_NK];
} bench_run;

typedef struct bench_wl_result {
    const bench_workload_def *def;
    bench_stream info; /* arrays freed; counters kept */
    int ran;
    bench_run run[BENCH_N_IMPLS];
} bench_wl_result;

static bench_wl_result g_res[BENCH_N_WORKLOADS];
static double g_tpns;          /* clock ticks per ns */
static double g_overhead_ticks; /* median empty-batch cost */
static int g_fail;
static char g_load_start[128], g_load_end[128]; /* /proc/loadavg around the run */
static double g_wall_s, g_cpu_s;                 /* wall time and this process's CPU time */

static void bench_loadavg(char *out, size_t cap) {
    FILE *f = fopen("/proc/loadavg", "r");
    out[0] = 0;
    if (!f) return;
    if (!fgets(out, (int)cap, f)) out[0] = 0;
    fclose(f);
    bench_trim(out);
}

static double bench_cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- helpers ------------------------------------------------------------------ */

static int bench_selected(const char *list, const char *name) {
    const char *p = list;
    size_t n = strlen(name);
    if (!list) return 1;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static void bench_mkdirs_for(const char *path) {
    char buf[1024];
    char *p;
    snprintf(buf, sizeof buf, "%s", path);
    for (p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST) return;
            *p = '/';
        }
    }
}

static const bench_opts *g_opts;

/* Implementation i is timed in this invocation. */
static int bench_impl_on(size_t i) {
    return i == BENCH_BASELINE || !g_opts || bench_selected(g_opts->impls, bench_impls[i].name);
}

static const bench_summary *bench_med(const bench_run *r) { return &r->rep[r->median]; }

static double bench_mean_ns(const bench_summary *s) { return s->mops > 0 ? 1e3 / s->mops : 0; }

/* Fastest throughput run of all repetitions, as ns/op (a noise floor). */
static double bench_best_mean_ns(const bench_run *r) {
    int k;
    double best = 0;
    for (k = 0; k < g_opts->reps; k++) {
        double v = bench_mean_ns(&r->rep[k]);
        if (v > 0 && (best == 0 || v < best)) best = v;
    }
    return best;
}

/* Lowest median-run p50 among the verified references; index or -1. */
static int bench_best_ref(const bench_wl_result *w) {
    size_t i;
    int best = -1;
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_run *r = &w->run[i];
        if (!bench_impls[i].is_ref || !r->ran || !r->verified) continue;
        if (best < 0 || bench_med(r)->p50 < bench_med(&w->run[best])->p50) best = (int)i;
    }
    return best;
}

static double bench_ratio(const bench_wl_result *w, int ref, size_t i) {
    if (ref < 0 || !w->run[ref].ran || !w->run[ref].verified || !w->run[i].ran || !w->run[i].verified) return NAN;
    return bench_med(&w->run[ref])->p50 / bench_med(&w->run[i])->p50;
}

static double bench_ratio_mean(const bench_wl_result *w, int ref, size_t i) {
    if (ref < 0 || !w->run[ref].ran || !w->run[ref].verified || !w->run[i].ran || !w->run[i].verified) return NAN;
    return bench_med(&w->run[i])->mops / bench_med(&w->run[ref])->mops;
}

/* ---- one workload ------------------------------------------------------------------ */

static void bench_summarize_run(const uint64_t *ticks, const bench_timed *t, size_t n_ops, size_t batch,
                                double *scratch, bench_summary *out) {
    size_t k;
    for (k = 0; k < t->n_samples; k++) {
        size_t cnt = (k + 1 < t->n_samples) ? batch : n_ops - k * batch;
        scratch[k] = (double)ticks[k] / (double)cnt / g_tpns;
    }
    bench_summarize(scratch, t->n_samples, n_ops, (double)t->total_ticks / g_tpns, out);
}

static uint64_t bench_pool_requests(const bench_impl *im, void *ctx) {
    tb_pool_stats ps;
    uint64_t n = 0;
    int k;
    if (!im->pool_stats || im->pool_stats(ctx, &ps)) return 0;
    for (k = 0; k < TB_POOL_NUM_CLASSES; k++) n += ps.cls[k].requests;
    return n;
}

/* The time split of one repetition (streams with other operations than set). */
static void bench_split_run(const bench_impl *im, void *ctx, const bench_stream *s, bench_run *r, int rep) {
    uint64_t ticks[BENCH_NK], cnt[2 * BENCH_NK], a0;
    int k;
    memset(ticks, 0, sizeof ticks);
    memset(cnt, 0, sizeof cnt);
    im->reset(ctx, s->mid0);
    im->prefill(ctx, &s->pre);
    a0 = bench_alloc_events();
    if (im->split(ctx, &s->run, ticks, cnt) == UINT64_C(0x5bd1e995)) fputc(' ', stderr);
    r->alloc_events_timed += bench_alloc_events() - a0;
    for (k = 0; k < BENCH_NK; k++) {
        double t = (double)ticks[k] - (double)cnt[BENCH_NK + k] * g_overhead_ticks;
        r->split_ns[rep][k] = (t > 0 ? t : 0) / g_tpns;
        r->split_ops[k] = cnt[k];
        r->split_meas[k] = cnt[BENCH_NK + k];
    }
}

/* --dump DIR: a workload's streams as DIR/<name>.ops, for drivers of other
 * books (e.g. a side-by-side run against another library). Native-endian:
 * "TBOPS1\0\0", u64 n_pre, n_run, n_snaps, n_levels, i32 mid0, u32 max_cap,
 * then for pre and run: u8 kind[n] (all 0 for a set-only stream), u8
 * side[n], i32 px[n], u32 qty[n]; then u64 {bid_off, n_bid, ask_off, n_ask}
 * per snapshot, i32 px[n_levels], u32 qty[n_levels]. Kinds and their
 * meaning: bench_stream.h. */
static void bench_dump_stream(const bench_workload_def *def, const bench_opts *o) {
    bench_stream s;
    char path[1024];
    FILE *f;
    uint64_t hdr[4];
    int32_t mid0;
    size_t k, i;
    bench_stream_make(&s, def, o->ops, o->seed);
    snprintf(path, sizeof path, "%s/%s.ops", o->dump, def->name);
    bench_mkdirs_for(path);
    f = fopen(path, "wb");
    if (!f) bench_die("cannot write a stream dump");
    hdr[0] = s.pre.n;
    hdr[1] = s.run.n;
    hdr[2] = s.snaps.n;
    hdr[3] = s.snaps.nlv;
    mid0 = s.mid0;
    fwrite("TBOPS1\0\0", 1, 8, f);
    fwrite(hdr, sizeof hdr, 1, f);
    fwrite(&mid0, sizeof mid0, 1, f);
    fwrite(&s.max_cap, sizeof s.max_cap, 1, f);
    for (k = 0; k < 2; k++) {
        const bench_ops *op = k ? &s.run : &s.pre;
        for (i = 0; i < op->n; i++) fputc(op->kind ? op->kind[i] : BENCH_K_SET, f);
        fwrite(op->side, 1, op->n, f);
        fwrite(op->px, sizeof *op->px, op->n, f);
        fwrite(op->qty, sizeof *op->qty, op->n, f);
    }
    for (k = 0; k < s.snaps.n; k++) {
        const uint64_t sp[4] = {s.snaps.s[k].bid_off, s.snaps.s[k].n_bid, s.snaps.s[k].ask_off, s.snaps.s[k].n_ask};
        fwrite(sp, sizeof sp, 1, f);
    }
    fwrite(s.snaps.px, sizeof *s.snaps.px, s.snaps.nlv, f);
    fwrite(s.snaps.qty, sizeof *s.snaps.qty, s.snaps.nlv, f);
    if (fclose(f)) bench_die("cannot write a stream dump");
    printf("%s: %zu + %zu ops, %zu snapshots -> %s\n", def->name, s.pre.n, s.run.n, s.snaps.n, path);
    bench_stream_free(&s);
}

static void bench_run_workload(bench_wl_result *w, const bench_opts *o) {
    bench_stream s;
    void *ctx[BENCH_N_IMPLS];
    size_t i, max_samples;
    int rep;
    uint64_t *ticks;
    double *scratch;

    bench_stream_make(&s, w->def, o->ops, o->seed);
    max_samples = s.run.n / o->batch + 2;
    ticks = (uint64_t *)malloc(max_samples * sizeof *ticks);
    scratch = (double *)malloc(max_samples * sizeof *scratch);
    if (!ticks || !scratch) bench_die("out of memory for samples");

    for (i = 0; i < BENCH_N_IMPLS; i++) ctx[i] = bench_impls[i].create(&s);

    /* verification: BBO hash after every op (prefill applied untimed first) */
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_impl *im = &bench_impls[i];
        bench_run *r = &w->run[i];
        im->reset(ctx[i], s.mid0);
        im->prefill(ctx[i], &s.pre);
        r->hash = im->check(ctx[i], &s.run, &r->final_bbo);
        r->ran = bench_impl_on(i); /* timed below */
    }
    /* The expected result is the one most implementations agree on (ties go
     * to the baseline's): a single wrong implementation, the baseline
     * included, is the one flagged. */
    {
        size_t best_i = BENCH_BASELINE, best_votes = 0, a, b2;
        for (a = 0; a < BENCH_N_IMPLS; a++) {
            size_t votes = 0;
            for (b2 = 0; b2 < BENCH_N_IMPLS; b2++)
                votes += w->run[a].hash == w->run[b2].hash &&
                         !memcmp(&w->run[a].final_bbo, &w->run[b2].final_bbo, sizeof(ref_bbo));
            if (votes > best_votes || (votes == best_votes && a == BENCH_BASELINE)) {
                best_votes = votes;
                best_i = a;
            }
        }
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_run *base = &w->run[best_i];
            bench_run *r = &w->run[i];
            r->verified = r->hash == base->hash && !memcmp(&r->final_bbo, &base->final_bbo, sizeof(ref_bbo));
            if (!r->verified) {
                fprintf(stderr,
                        "bench_c: VERIFICATION FAILED: %s on %s: BBO hash %016llx, while %zu of %zu "
                        "implementations agree on %016llx (final bid %d x %u, ask %d x %u; expected bid %d x %u, "
                        "ask %d x %u)\n",
                        bench_impls[i].name, s.name, (unsigned long long)r->hash, best_votes, (size_t)BENCH_N_IMPLS,
                        (unsigned long long)base->hash, r->final_bbo.bid_px, r->final_bbo.bid_qty, r->final_bbo.ask_px,
                        r->final_bbo.ask_qty, base->final_bbo.bid_px, base->final_bbo.bid_qty, base->final_bbo.ask_px,
                        base->final_bbo.ask_qty);
                g_fail = 1;
            }
        }
    }

    /* warm-up: one untimed pass of the timed loop per implementation */
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_impl *im = &bench_impls[i];
        uint64_t a0;
        if (!bench_impl_on(i)) continue;
        im->reset(ctx[i], s.mid0);
        im->prefill(ctx[i], &s.pre);
        a0 = bench_alloc_events();
        (void)im->timed(ctx[i], &s.run, s.mixed, o->batch, ticks);
        w->run[i].alloc_events_warmup = bench_alloc_events() - a0;
    }

    /* timed runs, interleaved: rep 0 of every impl, then rep 1, ... */
    for (rep = 0; rep < o->reps; rep++) {
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_impl *im = &bench_impls[i];
            bench_run *r = &w->run[i];
            bench_timed t;
            uint64_t a0, p0;
            double c0, c1;
            if (!bench_impl_on(i)) continue;
            im->reset(ctx[i], s.mid0);
            im->prefill(ctx[i], &s.pre);
            p0 = bench_pool_requests(im, ctx[i]);
            if (im->book_stats && rep == o->reps - 1) /* counters are cumulative: keep the start */
                r->has_book_stats = im->book_stats(ctx[i], &r->book_stats_start) == TB_OK;
            a0 = bench_alloc_events();
            t = im->timed(ctx[i], &s.run, s.mixed, o->batch, ticks);
            if (r->has_book_stats && rep == o->reps - 1)
                r->has_book_stats = im->book_stats(ctx[i], &r->book_stats) == TB_OK;
            r->alloc_events_timed += bench_alloc_events() - a0;
            r->pool_requests_timed += bench_pool_requests(im, ctx[i]) - p0;
            r->errors += t.errors;
            bench_summarize_run(ticks, &t, s.run.n, o->batch, scratch, &r->rep[rep]);
            if (t.sink == UINT64_C(0x5bd1e995)) fputc(' ', stderr); /* use the sink */
            /* throughput run: the same stream with one clock read at each end
             * (apply-driven: chunks of 4096 ops), so no per-batch clock cost */
            im->reset(ctx[i], s.mid0);
            im->prefill(ctx[i], &s.pre);
            a0 = bench_alloc_events();
            c0 = bench_thread_cpu_ns();
            t = im->timed(ctx[i], &s.run, s.mixed, im->batch_api ? 4096 : s.run.n, ticks);
            c1 = bench_thread_cpu_ns();
            r->alloc_events_timed += bench_alloc_events() - a0;
            r->errors += t.errors;
            r->rep[rep].wall_ns = (double)t.total_ticks / g_tpns;
            r->rep[rep].total_ns = c1 > c0 ? c1 - c0 : r->rep[rep].wall_ns;
            r->rep[rep].mops = (double)s.run.n / r->rep[rep].total_ns * 1e3;
            if (t.sink == UINT64_C(0x5bd1e995)) fputc(' ', stderr);
            if (s.rich) bench_split_run(im, ctx[i], &s, r, rep);
        }
    }

    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_impl *im = &bench_impls[i];
        bench_run *r = &w->run[i];
        int order[BENCH_MAX_REPS], a, b;
        if (im->pool_stats) r->has_pool_stats = im->pool_stats(ctx[i], &r->pool_stats) == TB_OK;
        if (!im->is_ref && (r->errors || (r->alloc_events_timed && !im->is_ref))) g_fail = 1;
        /* median run by total time */
        for (a = 0; a < o->reps; a++) order[a] = a;
        for (a = 1; a < o->reps; a++)
            for (b = a; b > 0 && r->rep[order[b - 1]].total_ns > r->rep[order[b]].total_ns; b--) {
                int x = order[b];
                order[b] = order[b - 1];
                order[b - 1] = x;
            }
        r->median = order[(o->reps - 1) / 2];
        im->destroy(ctx[i]);
    }

    w->info = s;
    memset(&w->info.pre, 0, sizeof w->info.pre);
    memset(&w->info.run, 0, sizeof w->info.run);
    w->info.run.n = s.run.n;
    w->info.pre.n = s.pre.n;
    bench_stream_free(&s);
    w->ran = 1;
    free(ticks);
    free(scratch);
}

/* Counter of the last latency run: after - before. */
#define BENCH_DELTA(r, field, k) ((unsigned long long)((r)->book_stats.field[k] - (r)->book_stats_start.field[k]))

/* ---- stdout -------------------------------------------------------------------------- */

/* Total ns of one kind in the median repetition, and its ops. */
static double bench_split_med(const bench_run *r, int k) { return r->split_ns[r->median][k]; }

static void bench_print_split(const bench_wl_result *w) {
    size_t i;
    int k;
    printf("   time per kind of operation (separate run of the median repetition: runs of one kind timed alone, "
           "clock cost subtracted):\n   %-15s", "impl");
    for (k = 0; k < BENCH_NK; k++)
        if (w->info.n_kind[k]) printf(" %22s", bench_kind_names[k]);
    printf("  (ns/op, %% of the total)\n");
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_run *r = &w->run[i];
        double tot = 0;
        if (!r->ran) continue;
        for (k = 0; k < BENCH_NK; k++) tot += bench_split_med(r, k);
        printf("   %-15s", bench_impls[i].name);
        for (k = 0; k < BENCH_NK; k++)
            if (w->info.n_kind[k])
                printf(" %12.1f (%5.1f%%)", r->split_ops[k] ? bench_split_med(r, k) / (double)r->split_ops[k] : 0.0,
                       tot > 0 ? 100.0 * bench_split_med(r, k) / tot : 0.0);
        printf("\n");
    }
}

static void bench_print_workload(const bench_wl_result *w, const bench_opts *o) {
    const bench_stream *s = &w->info;
    int best = bench_best_ref(w);
    size_t i;
    printf("\n== %s: %s\n", s->name, s->desc);
    printf("   %zu timed ops (+%zu prefill), %llu sets / %llu deletes (%.0f%% of deletes hit a level)%s, "
           "live levels at end bid %u ask %u (max %u / %u), mid %d..%d\n",
           s->run.n, s->pre.n, (unsigned long long)s->n_set, (unsigned long long)s->n_del,
           s->n_del ? 100.0 * (double)s->n_del_hit / (double)s->n_del : 0.0, s->mixed ? ", BBO read after each" : "",
           s->live_end[1], s->live_end[0], s->live_max[1], s->live_max[0], s->mid_min, s->mid_max);
    if (s->rich) {
        int k;
        printf("   operations:");
        for (k = 0; k < BENCH_NK; k++)
            if (s->n_kind[k]) printf(" %s %llu", bench_kind_names[k], (unsigned long long)s->n_kind[k]);
        if (s->n_snap_levels) printf("; %llu snapshot levels", (unsigned long long)s->n_snap_levels);
        printf("\n");
    }
    printf("   ns/op: percentiles per batch of %zu ops (wall); mean = throughput run (CPU time); best = fastest of %d;\n"
           "   median of %d runs; ratios = ref p50 / impl p50 (x faster)\n", o->batch, o->reps, o->reps);
    printf("   %-15s %7s %7s %7s %7s %8s %7s %7s %8s %9s %9s  %s\n", "impl", "p50", "p90", "p99", "p99.9", "max",
           "mean", "best", "Mops/s", "x-bsearch", "x-bestref", "check");
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        const bench_run *r = &w->run[i];
        const bench_summary *m = bench_med(r);
        double rb, rr;
        if (!r->ran) continue;
        rb = bench_ratio(w, BENCH_BASELINE, i);
        rr = bench_ratio(w, best, i);
        printf("   %-15s %7.2f %7.2f %7.2f %7.2f %8.1f %7.2f %7.2f %8.1f %8.2fx %8.2fx  %s%s\n", bench_impls[i].name,
               m->p50, m->p90, m->p99, m->p999, m->max, bench_mean_ns(m), bench_best_mean_ns(r), m->mops, rb, rr,
               r->verified ? "ok" : "INVALID",
               (!bench_impls[i].is_ref && r->alloc_events_timed) ? " ALLOCATES" : "");
    }
    if (best >= 0) printf("   best reference: %s\n", bench_impls[best].name);
    if (s->rich) bench_print_split(w);
}

/* ---- targets --------------------------------------------------------------------------- */

typedef struct bench_target {
    const char *id;
    const char *text;
    const char *workload;
    int n_only;    /* 0: every per-op tapebook variant; else that N only */
    int kind;      /* 0: p50 <= limit; 1: mean <= limit; 2: p50 ratio vs sorted_bsearch >= limit */
    double limit;
} bench_target;

static const bench_target bench_targets[] = {
    {"T1", "clustered p50 <= 10 ns/op", "clustered", 0, 0, 10.0},
    {"T2", "cancel_heavy p50 <= 10 ns/op", "cancel_heavy", 0, 0, 10.0},
    {"T3", "uniform at N=256 <= 20 ns/op (judged on the mean; p50 shown)", "uniform", 256, 1, 20.0},
    {"T4", "price_walk, max_cap 4096, <= 20 ns/op (judged on the mean; p50 shown)", "price_walk", 0, 1, 20.0},
    {"T5", "clustered >= 3x the sorted-array reference (p50 ratio)", "clustered", 0, 2, 3.0},
};
#define BENCH_N_TARGETS (sizeof bench_targets / sizeof bench_targets[0])

static const bench_wl_result *bench_find_wl(const char *name) {
    size_t k;
    for (k = 0; k < BENCH_N_WORKLOADS; k++)
        if (g_res[k].ran && strcmp(g_res[k].def->name, name) == 0) return &g_res[k];
    return NULL;
}

static int bench_target_applies(const bench_target *t, size_t i) {
    const bench_impl *im = &bench_impls[i];
    return !im->is_ref && !im->batch_api && (!t->n_only || im->tape_n == t->n_only);
}

/* value measured for target t on impl i; *met set. */
static double bench_target_value(const bench_target *t, const bench_wl_result *w, size_t i, int *met) {
    const bench_summary *m = bench_med(&w->run[i]);
    double v = t->kind == 0 ? m->p50 : t->kind == 1 ? bench_mean_ns(m) : bench_ratio(w, BENCH_BASELINE, i);
    *met = w->run[i].ran && w->run[i].verified && (t->kind == 2 ? v >= t->limit : v <= t->limit);
    return v;
}

static void bench_print_targets(void) {
    size_t k, i;
    printf("\n== targets (issue #5)\n");
    for (k = 0; k < BENCH_N_TARGETS; k++) {
        const bench_target *t = &bench_targets[k];
        const bench_wl_result *w = bench_find_wl(t->workload);
        int all = 1;
        if (!w) {
            printf("   %s %-66s not run\n", t->id, t->text);
            continue;
        }
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            int met;
            if (!bench_target_applies(t, i)) continue;
            bench_target_value(t, w, i, &met);
            all &= met;
        }
        printf("   %s %-66s %s\n", t->id, t->text, all ? "MET" : "MISSED");
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            int met;
            double v;
            if (!bench_target_applies(t, i)) continue;
            v = bench_target_value(t, w, i, &met);
            if (t->kind == 2)
                printf("        %-15s %6.2fx  %s\n", bench_impls[i].name, v, met ? "met" : "missed");
            else
                printf("        %-15s %6.2f ns/op (p50 %.2f, mean %.2f, best run mean %.2f)  %s\n", bench_impls[i].name, v,
                       bench_med(&w->run[i])->p50, bench_mean_ns(bench_med(&w->run[i])), bench_best_mean_ns(&w->run[i]),
                       met ? "met" : "missed");
        }
    }
}

/* ---- memory ----------------------------------------------------------------------------- */

typedef struct bench_size {
    const char *name;
    size_t size;
} bench_size;

#define BENCH_SZ(T) {#T, sizeof(T)}
static const bench_size bench_sizes[] = {
    BENCH_SZ(tb_book_i32_n64),   BENCH_SZ(tb_book_i32_n128),  BENCH_SZ(tb_book_i32_n256),
    BENCH_SZ(tb_book_i32_n512),  BENCH_SZ(tb_book_i32_n1024), BENCH_SZ(tb_book_i32_n2048),
    BENCH_SZ(tb_book_i32_n4096), BENCH_SZ(tb_book_i64_n64),   BENCH_SZ(tb_book_i64_n128),
    BENCH_SZ(tb_book_i64_n256),  BENCH_SZ(tb_book_i64_n512),  BENCH_SZ(tb_book_i64_n1024),
    BENCH_SZ(tb_book_i64_n2048), BENCH_SZ(tb_book_i64_n4096), BENCH_SZ(tb_spill_pool_i32),
    BENCH_SZ(tb_spill_pool_i64), BENCH_SZ(tb_level_i32),      BENCH_SZ(tb_level_i64),
    BENCH_SZ(tb_bbo_i32),        BENCH_SZ(tb_bbo_i64),        BENCH_SZ(tb_multi_i32_h1024_m256_l64),
    BENCH_SZ(tb_multi_i32_h4096_m1024_l256), BENCH_SZ(tb_multi_i64_h1024_m256_l64),
    BENCH_SZ(tb_multi_i64_h4096_m1024_l256),
};
#define BENCH_N_SIZES (sizeof bench_sizes / sizeof bench_sizes[0])

static void bench_print_memory(void) {
    size_t k, i;
    printf("\n== memory: sizeof (bytes; a book's spill blocks are extra: max_cap x level per side at most)\n");
    for (k = 0; k < BENCH_N_SIZES; k++)
        printf("   %-34s %8zu%s", bench_sizes[k].name, bench_sizes[k].size, k % 2 ? "\n" : "   ");
    if (BENCH_N_SIZES % 2) printf("\n");
    printf("\n== zero-allocation check: TB_MALLOC+TB_FREE calls inside all timed loops (must be 0),\n"
           "   SpillPool alloc() calls inside them, and pool usage after the last run\n");
    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        const bench_wl_result *w = &g_res[k];
        if (!w->ran) continue;
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_run *r = &w->run[i];
            if (bench_impls[i].is_ref || !r->ran) continue;
            printf("   %-13s %-14s heap allocs %llu%s", w->def->name, bench_impls[i].name,
                   (unsigned long long)r->alloc_events_timed, r->alloc_events_timed ? " (FAIL)" : "");
            if (r->has_pool_stats)
                printf(", pool allocs %llu, pool used %u/%u levels, high water %u, alloc failures %llu",
                       (unsigned long long)r->pool_requests_timed, r->pool_stats.used_levels,
                       r->pool_stats.total_levels, r->pool_stats.watermark,
                       (unsigned long long)r->pool_stats.alloc_fail_count);
            if (r->has_book_stats)
                printf(", spill %llu/%llu, promotes %llu/%llu, evicted %llu/%llu, dropped %llu/%llu",
                       (unsigned long long)r->book_stats.spill_levels[1],
                       (unsigned long long)r->book_stats.spill_levels[0], BENCH_DELTA(r, promotes, 1),
                       BENCH_DELTA(r, promotes, 0), BENCH_DELTA(r, spill_evicted, 1), BENCH_DELTA(r, spill_evicted, 0),
                       BENCH_DELTA(r, spill_dropped, 1), BENCH_DELTA(r, spill_dropped, 0));
            printf("\n");
        }
    }
    printf("   (bid/ask; spill = levels in the spill at the end of the last latency run; promotes,\n"
           "    evicted, dropped = counted during that run)\n");
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void bench_json_summary(bench_json *j, const char *key, const bench_summary *s) {
    bench_json_obj(j, key);
    bench_json_num(j, "p50_ns", s->p50);
    bench_json_num(j, "p90_ns", s->p90);
    bench_json_num(j, "p99_ns", s->p99);
    bench_json_num(j, "p999_ns", s->p999);
    bench_json_num(j, "max_ns", s->max);
    bench_json_num(j, "mean_ns", bench_mean_ns(s));
    bench_json_num(j, "batch_mean_ns", s->mean);
    bench_json_num(j, "mops", s->mops);
    bench_json_num(j, "throughput_run_cpu_ms", s->total_ns / 1e6);
    bench_json_num(j, "throughput_run_wall_ms", s->wall_ns / 1e6);
    bench_json_num(j, "wall_mean_ns", s->wall_ns > 0 && s->mops > 0 ? s->wall_ns / (s->total_ns * s->mops / 1e3) : 0);
    bench_json_u64(j, "samples", s->samples);
    bench_json_end_obj(j);
}

static void bench_json_meta(bench_json *j, const bench_meta *m, const bench_opts *o) {
    bench_json_obj(j, "meta");
    bench_json_str(j, "harness", "bench/c/bench_main.c");
    bench_json_str(j, "date_utc", m->date_utc);
    bench_json_str(j, "git_commit", m->git_commit);
    if (m->git_dirty >= 0) bench_json_bool(j, "git_dirty", m->git_dirty);
    else bench_json_str(j, "git_dirty", NULL);
    bench_json_str(j, "cpu_model", m->cpu_model);
    bench_json_str(j, "cpu_signature", m->cpu_sig);
    bench_json_str(j, "cpu_mhz", m->cpu_mhz);
    bench_json_i64(j, "cores_online", m->cores_online);
    bench_json_str(j, "mem_total", m->mem_total);
    bench_json_str(j, "kernel", m->kernel);
    bench_json_str(j, "compiler", m->compiler);
    bench_json_str(j, "flags", m->flags);
    bench_json_str(j, "tapebook_version", BENCH_STR(TAPEBOOK_VERSION_MAJOR) "." BENCH_STR(
                                              TAPEBOOK_VERSION_MINOR) "." BENCH_STR(TAPEBOOK_VERSION_PATCH));
    bench_json_str(j, "bits_impl", TB_BITS_IMPL);
    bench_json_str(j, "pinning", "none (2-core VM; the scheduler picks the core)");
    bench_json_str(j, "loadavg_start", g_load_start);
    bench_json_str(j, "loadavg_end", g_load_end);
    bench_json_num(j, "wall_s", g_wall_s);
    bench_json_num(j, "cpu_s", g_cpu_s);
    bench_json_num(j, "cpu_share", g_wall_s > 0 ? g_cpu_s / g_wall_s : 0);
    bench_json_str(j, "clock", BENCH_CLOCK_NAME);
    bench_json_num(j, "clock_ticks_per_ns", g_tpns);
    bench_json_num(j, "clock_overhead_ns_per_batch", g_overhead_ticks / g_tpns);
    bench_json_num(j, "clock_overhead_ns_per_op", g_overhead_ticks / g_tpns / (double)o->batch);
    bench_json_u64(j, "ops", o->ops);
    bench_json_u64(j, "prefill_ops", BENCH_PREFILL_OPS);
    bench_json_i64(j, "reps", o->reps);
    bench_json_u64(j, "batch", o->batch);
    bench_json_u64(j, "seed", o->seed);
    bench_json_bool(j, "quick", o->quick);
    bench_json_u64(j, "max_cap", BENCH_MAX_CAP);
    bench_json_u64(j, "pool_levels", BENCH_POOL_LEVELS);
    bench_json_str(j, "latency_definition",
                   "per-op ns = ticks of one batch of `batch` consecutive ops / ops in it; percentiles "
                   "(nearest rank) over the batches of one latency run (wall clock: a preempted batch shows up in "
                   "the tail). Each of the `reps` repetitions is a latency run plus a throughput run (same "
                   "stream, fresh book); mops = ops / thread CPU time of the throughput run "
                   "(CLOCK_THREAD_CPUTIME_ID, so time the scheduler gave to other processes is not counted; "
                   "wall_mean_ns has the wall-clock figure), mean_ns = 1000 / mops. The reported run is the "
                   "repetition with the median throughput-run CPU time.");
    bench_json_str(j, "ratio_definition", "reference p50 / impl p50 (how many times faster); mean ratio "
                                          "= impl mops / reference mops");
    bench_json_end_obj(j);
}

static void bench_write_json(const char *path, const bench_meta *m, const bench_opts *o) {
    bench_json jj, *j = &jj;
    size_t k, i, t;
    FILE *f;
    bench_mkdirs_for(path);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_c: cannot write %s: %s\n", path, strerror(errno));
        g_fail = 1;
        return;
    }
    memset(j, 0, sizeof *j);
    j->f = f;
    bench_json_obj(j, NULL);
    bench_json_meta(j, m, o);
    bench_json_arr(j, "implementations");
    for (i = 0; i < BENCH_N_IMPLS; i++) {
        bench_json_obj(j, NULL);
        bench_json_str(j, "name", bench_impls[i].name);
        bench_json_str(j, "description", bench_impls[i].desc);
        bench_json_bool(j, "reference", bench_impls[i].is_ref);
        if (bench_impls[i].tape_n) bench_json_i64(j, "tape_n", bench_impls[i].tape_n);
        bench_json_bool(j, "pooled", bench_impls[i].pooled);
        bench_json_bool(j, "batch_api", bench_impls[i].batch_api);
        bench_json_end_obj(j);
    }
    bench_json_end_arr(j);
    bench_json_str(j, "baseline", bench_impls[BENCH_BASELINE].name);
    bench_json_arr(j, "workloads");
    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        const bench_wl_result *w = &g_res[k];
        const bench_stream *s = &w->info;
        int best;
        if (!w->ran) continue;
        best = bench_best_ref(w);
        bench_json_obj(j, NULL);
        bench_json_str(j, "name", s->name);
        bench_json_str(j, "description", s->desc);
        bench_json_bool(j, "bbo_read_after_each_update", s->mixed);
        bench_json_u64(j, "seed", s->seed);
        bench_json_u64(j, "timed_ops", s->run.n);
        bench_json_u64(j, "prefill_ops", s->pre.n);
        bench_json_u64(j, "sets", s->n_set);
        bench_json_u64(j, "deletes", s->n_del);
        bench_json_u64(j, "deletes_hitting_a_level", s->n_del_hit);
        bench_json_u64(j, "forced_improvements", s->n_improve);
        bench_json_u64(j, "live_bid_levels_end", s->live_end[1]);
        bench_json_u64(j, "live_ask_levels_end", s->live_end[0]);
        bench_json_u64(j, "live_bid_levels_max", s->live_max[1]);
        bench_json_u64(j, "live_ask_levels_max", s->live_max[0]);
        bench_json_i64(j, "mid_start", s->mid0);
        bench_json_i64(j, "mid_min", s->mid_min);
        bench_json_i64(j, "mid_max", s->mid_max);
        bench_json_str(j, "best_reference", best >= 0 ? bench_impls[best].name : NULL);
        if (s->rich) {
            int kk;
            bench_json_obj(j, "operations");
            for (kk = 0; kk < BENCH_NK; kk++) bench_json_u64(j, bench_kind_names[kk], s->n_kind[kk]);
            bench_json_u64(j, "snapshot_levels", s->n_snap_levels);
            bench_json_end_obj(j);
        }
        bench_json_arr(j, "results");
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_run *r = &w->run[i];
            char hex[32];
            int rep;
            bench_json_obj(j, NULL);
            bench_json_str(j, "impl", bench_impls[i].name);
            bench_json_bool(j, "verified", r->verified);
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r->hash);
            bench_json_str(j, "bbo_hash", hex);
            bench_json_obj(j, "final_bbo");
            bench_json_i64(j, "bid_px", r->final_bbo.bid_px);
            bench_json_u64(j, "bid_qty", r->final_bbo.bid_qty);
            bench_json_i64(j, "ask_px", r->final_bbo.ask_px);
            bench_json_u64(j, "ask_qty", r->final_bbo.ask_qty);
            bench_json_end_obj(j);
            bench_json_summary(j, "median_run", bench_med(r));
            bench_json_i64(j, "median_run_index", r->median);
            bench_json_num(j, "best_run_mean_ns", bench_best_mean_ns(r));
            bench_json_num(j, "ratio_vs_sorted_bsearch_p50", bench_ratio(w, BENCH_BASELINE, i));
            bench_json_num(j, "ratio_vs_sorted_bsearch_mean", bench_ratio_mean(w, BENCH_BASELINE, i));
            bench_json_num(j, "ratio_vs_best_ref_p50", bench_ratio(w, best, i));
            bench_json_num(j, "ratio_vs_best_ref_mean", bench_ratio_mean(w, best, i));
            bench_json_arr(j, "runs");
            for (rep = 0; rep < o->reps; rep++) bench_json_summary(j, NULL, &r->rep[rep]);
            bench_json_end_arr(j);
            if (s->rich) {
                int kk;
                bench_json_obj(j, "time_split_median_run");
                for (kk = 0; kk < BENCH_NK; kk++) {
                    bench_json_obj(j, bench_kind_names[kk]);
                    bench_json_u64(j, "ops", r->split_ops[kk]);
                    bench_json_u64(j, "measurements", r->split_meas[kk]);
                    bench_json_num(j, "total_ns", bench_split_med(r, kk));
                    bench_json_num(j, "ns_per_op", r->split_ops[kk] ? bench_split_med(r, kk) / (double)r->split_ops[kk] : 0);
                    bench_json_arr(j, "total_ns_per_run");
                    for (rep = 0; rep < o->reps; rep++) bench_json_num(j, NULL, r->split_ns[rep][kk]);
                    bench_json_end_arr(j);
                    bench_json_end_obj(j);
                }
                bench_json_end_obj(j);
            }
            if (!bench_impls[i].is_ref) {
                bench_json_u64(j, "status_errors", r->errors);
                bench_json_u64(j, "heap_alloc_events_timed", r->alloc_events_timed);
                bench_json_u64(j, "heap_alloc_events_warmup", r->alloc_events_warmup);
            }
            if (r->has_pool_stats) {
                bench_json_obj(j, "pool");
                bench_json_u64(j, "alloc_calls_timed", r->pool_requests_timed);
                bench_json_u64(j, "total_levels", r->pool_stats.total_levels);
                bench_json_u64(j, "used_levels", r->pool_stats.used_levels);
                bench_json_u64(j, "high_water_levels", r->pool_stats.watermark);
                bench_json_u64(j, "alloc_fail_count", r->pool_stats.alloc_fail_count);
                bench_json_end_obj(j);
            }
            if (r->has_book_stats) {
                const tb_book_stats *b = &r->book_stats;
                bench_json_obj(j, "book_last_latency_run");
                bench_json_u64(j, "bytes", b->bytes);
                bench_json_u64(j, "tape_levels_bid", b->tape_levels[1]);
                bench_json_u64(j, "tape_levels_ask", b->tape_levels[0]);
                bench_json_u64(j, "spill_levels_bid", b->spill_levels[1]);
                bench_json_u64(j, "spill_levels_ask", b->spill_levels[0]);
                bench_json_u64(j, "spill_cap_bid", b->spill_cap[1]);
                bench_json_u64(j, "spill_cap_ask", b->spill_cap[0]);
                bench_json_u64(j, "promotes_bid", BENCH_DELTA(r, promotes, 1));
                bench_json_u64(j, "promotes_ask", BENCH_DELTA(r, promotes, 0));
                bench_json_u64(j, "spill_evicted_bid", BENCH_DELTA(r, spill_evicted, 1));
                bench_json_u64(j, "spill_evicted_ask", BENCH_DELTA(r, spill_evicted, 0));
                bench_json_u64(j, "spill_dropped_bid", BENCH_DELTA(r, spill_dropped, 1));
                bench_json_u64(j, "spill_dropped_ask", BENCH_DELTA(r, spill_dropped, 0));
                bench_json_end_obj(j);
            }
            bench_json_end_obj(j);
        }
        bench_json_end_arr(j);
        bench_json_end_obj(j);
    }
    bench_json_end_arr(j);
    bench_json_arr(j, "targets");
    for (t = 0; t < BENCH_N_TARGETS; t++) {
        const bench_target *tg = &bench_targets[t];
        const bench_wl_result *w = bench_find_wl(tg->workload);
        int all = 1;
        bench_json_obj(j, NULL);
        bench_json_str(j, "id", tg->id);
        bench_json_str(j, "target", tg->text);
        bench_json_str(j, "workload", tg->workload);
        bench_json_str(j, "metric", tg->kind == 0 ? "p50_ns" : tg->kind == 1 ? "mean_ns" : "ratio_vs_sorted_bsearch_p50");
        bench_json_num(j, "limit", tg->limit);
        if (w) {
            bench_json_arr(j, "per_impl");
            for (i = 0; i < BENCH_N_IMPLS; i++) {
                int met;
                double v;
                if (!bench_target_applies(tg, i)) continue;
                v = bench_target_value(tg, w, i, &met);
                all &= met;
                bench_json_obj(j, NULL);
                bench_json_str(j, "impl", bench_impls[i].name);
                bench_json_num(j, "value", v);
                bench_json_num(j, "p50_ns", bench_med(&w->run[i])->p50);
                bench_json_num(j, "mean_ns", bench_mean_ns(bench_med(&w->run[i])));
                bench_json_num(j, "best_run_mean_ns", bench_best_mean_ns(&w->run[i]));
                bench_json_bool(j, "met", met);
                bench_json_end_obj(j);
            }
            bench_json_end_arr(j);
            bench_json_bool(j, "met", all);
        } else {
            bench_json_str(j, "met", NULL);
        }
        bench_json_end_obj(j);
    }
    bench_json_end_arr(j);
    bench_json_obj(j, "memory");
    bench_json_obj(j, "sizeof");
    for (k = 0; k < BENCH_N_SIZES; k++) bench_json_u64(j, bench_sizes[k].name, bench_sizes[k].size);
    bench_json_end_obj(j);
    bench_json_end_obj(j);
    bench_json_bool(j, "ok", !g_fail);
    bench_json_end_obj(j);
    fclose(f);
}

/* ---- markdown ----------------------------------------------------------------------------- */

static void bench_write_md(const char *path, const bench_meta *m, const bench_opts *o) {
    size_t k, i, t;
    FILE *f;
    bench_mkdirs_for(path);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_c: cannot write %s: %s\n", path, strerror(errno));
        g_fail = 1;
        return;
    }
    fprintf(f, "# tapebook C benchmark — %s\n\n", m->date_utc);
    fprintf(f, "Generated by `bench/c/bench_main.c` (`make bench-c`); every number below was measured in "
               "this one run. Synthetic microbenchmark on a shared VM, not a production latency claim.\n\n");
    fprintf(f, "| | |\n|---|---|\n");
    fprintf(f, "| date (UTC) | %s |\n| git commit | %s%s |\n", m->date_utc, m->git_commit,
            m->git_dirty > 0 ? " (dirty tree)" : "");
    fprintf(f, "| CPU | %s (%s, %s MHz) |\n| cores online | %ld (nothing pinned) |\n| memory | %s |\n",
            m->cpu_model, m->cpu_sig, m->cpu_mhz, m->cores_online, m->mem_total);
    fprintf(f, "| kernel | %s |\n| compiler | %s |\n| flags | %s |\n", m->kernel, m->compiler, m->flags);
    fprintf(f, "| clock | %s, %.4f ticks/ns; empty batch %.1f ns = %.2f ns/op at batch %zu |\n", BENCH_CLOCK_NAME,
            g_tpns, g_overhead_ticks / g_tpns, g_overhead_ticks / g_tpns / (double)o->batch, o->batch);
    fprintf(f, "| method | %zu timed ops per stream (+%u prefill), batches of %zu ops, %d runs per (workload, "
               "impl) interleaved, median run reported, 1 warm-up run; seed %llu |\n",
            o->ops, BENCH_PREFILL_OPS, o->batch, o->reps, (unsigned long long)o->seed);
    fprintf(f, "| machine load | loadavg %s at start, %s at end; this process got %.0f%% of a core over %.1f s "
               "(other work shared the 2 cores) |\n",
            g_load_start, g_load_end, g_wall_s > 0 ? 100.0 * g_cpu_s / g_wall_s : 0.0, g_wall_s);
    fprintf(f, "| tapebook | i32 family, max_cap %u; pool: %u levels, TB_POOL_REFUSE |\n\n", BENCH_MAX_CAP,
            BENCH_POOL_LEVELS);
    fprintf(f, "Latency is wall-clock ns per op inside a timed batch (percentiles over the batches of the latency "
               "run). Mean = thread CPU time / ops of a separate throughput run of the same stream with no "
               "per-batch clock reads (CPU time, so that time the shared VM gave to other processes is not "
               "counted; the JSON has the wall-clock figure too); the repetition with the median throughput "
               "time is reported, `best mean` is the fastest repetition. "
               "Ratios: reference p50 / impl p50 (x faster than the sorted array with binary search, and than "
               "the best reference on that workload). Every implementation's BBO after every op was hashed "
               "and compared with the result the majority of implementations computed; `ok` = identical.\n\n");

    fprintf(f, "## Targets (issue #5)\n\n| id | target | verdict | measured |\n|---|---|---|---|\n");
    for (t = 0; t < BENCH_N_TARGETS; t++) {
        const bench_target *tg = &bench_targets[t];
        const bench_wl_result *w = bench_find_wl(tg->workload);
        char buf[1024] = "";
        size_t len = 0;
        int all = 1;
        if (!w) {
            fprintf(f, "| %s | %s | not run | |\n", tg->id, tg->text);
            continue;
        }
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            int met;
            double v;
            if (!bench_target_applies(tg, i)) continue;
            v = bench_target_value(tg, w, i, &met);
            all &= met;
            if (tg->kind == 2)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %.2fx", len ? "; " : "",
                                        bench_impls[i].name, v);
            else
                len += tg->kind == 1
                           ? (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %.2f ns mean (p50 %.2f, best run %.2f)",
                                              len ? "; " : "", bench_impls[i].name, v, bench_med(&w->run[i])->p50,
                                              bench_best_mean_ns(&w->run[i]))
                           : (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %.2f ns", len ? "; " : "",
                                              bench_impls[i].name, v);
            if (len >= sizeof buf) len = sizeof buf - 1;
        }
        fprintf(f, "| %s | %s | **%s** | %s |\n", tg->id, tg->text, all ? "met" : "missed", buf);
    }

    fprintf(f, "\n## Summary: p50 ns/op (x faster than sorted_bsearch)\n\n| workload |");
    for (i = 0; i < BENCH_N_IMPLS; i++) fprintf(f, " %s |", bench_impls[i].name);
    fprintf(f, "\n|---|");
    for (i = 0; i < BENCH_N_IMPLS; i++) fprintf(f, "---:|");
    fprintf(f, "\n");
    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        const bench_wl_result *w = &g_res[k];
        if (!w->ran) continue;
        fprintf(f, "| %s |", w->def->name);
        for (i = 0; i < BENCH_N_IMPLS; i++)
            fprintf(f, " %.2f (%.1fx)%s |", bench_med(&w->run[i])->p50, bench_ratio(w, BENCH_BASELINE, i),
                    w->run[i].verified ? "" : " INVALID");
        fprintf(f, "\n");
    }

    fprintf(f, "\n## Per workload\n");
    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        const bench_wl_result *w = &g_res[k];
        const bench_stream *s = &w->info;
        int best;
        if (!w->ran) continue;
        best = bench_best_ref(w);
        fprintf(f, "\n### %s\n\n%s. %zu timed ops: %llu sets, %llu deletes (%.0f%% hit a live level)%s; "
                   "live levels at the end bid %u / ask %u (max %u / %u); mid %d..%d. Best reference: %s.\n\n",
                s->name, s->desc, s->run.n, (unsigned long long)s->n_set, (unsigned long long)s->n_del,
                s->n_del ? 100.0 * (double)s->n_del_hit / (double)s->n_del : 0.0,
                s->mixed ? "; a BBO read after every update, timed with it" : "", s->live_end[1], s->live_end[0],
                s->live_max[1], s->live_max[0], s->mid_min, s->mid_max, best >= 0 ? bench_impls[best].name : "-");
        fprintf(f, "| impl | p50 | p90 | p99 | p99.9 | max | mean | best mean | Mops/s | x bsearch (p50) | "
                   "x best ref (p50) | x bsearch (mean) | BBO check |\n"
                   "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_run *r = &w->run[i];
            const bench_summary *mm = bench_med(r);
            if (!r->ran) continue;
            fprintf(f, "| %s | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %s |\n",
                    bench_impls[i].name, mm->p50, mm->p90, mm->p99, mm->p999, mm->max, bench_mean_ns(mm),
                    bench_best_mean_ns(r), mm->mops,
                    bench_ratio(w, BENCH_BASELINE, i), bench_ratio(w, best, i),
                    bench_ratio_mean(w, BENCH_BASELINE, i), r->verified ? "ok" : "INVALID");
        }
    }

    fprintf(f, "\n## Memory\n\n### sizeof\n\n| type | bytes |\n|---|---:|\n");
    for (k = 0; k < BENCH_N_SIZES; k++) fprintf(f, "| `%s` | %zu |\n", bench_sizes[k].name, bench_sizes[k].size);
    fprintf(f, "\nA book's spill blocks are extra: at most max_cap levels per side (%u x 8 bytes for i32).\n",
            BENCH_MAX_CAP);
    fprintf(f, "\n### Zero-allocation check and pool usage\n\nHeap = TB_MALLOC + TB_FREE calls counted by hooks "
               "inside all %d timed loops of that (workload, impl); must be 0. Pool columns: SpillPool alloc() "
               "calls inside the timed loops (no heap), and the pool after the last run.\n\n",
            o->reps);
    fprintf(f, "| workload | impl | heap allocs | pool allocs | pool used / total | pool high water | "
               "pool alloc failures | spill bid / ask | promotes bid / ask | evicted bid / ask |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        const bench_wl_result *w = &g_res[k];
        if (!w->ran) continue;
        for (i = 0; i < BENCH_N_IMPLS; i++) {
            const bench_run *r = &w->run[i];
            const tb_book_stats *b = &r->book_stats;
            if (bench_impls[i].is_ref || !r->ran) continue;
            fprintf(f, "| %s | %s | %llu%s |", w->def->name, bench_impls[i].name,
                    (unsigned long long)r->alloc_events_timed, r->alloc_events_timed ? " FAIL" : "");
            if (r->has_pool_stats)
                fprintf(f, " %llu | %u / %u | %u | %llu |", (unsigned long long)r->pool_requests_timed,
                        r->pool_stats.used_levels, r->pool_stats.total_levels, r->pool_stats.watermark,
                        (unsigned long long)r->pool_stats.alloc_fail_count);
            else
                fprintf(f, " - | - | - | - |");
            fprintf(f, " %llu / %llu | %llu / %llu | %llu / %llu |\n", (unsigned long long)b->spill_levels[1],
                    (unsigned long long)b->spill_levels[0], BENCH_DELTA(r, promotes, 1), BENCH_DELTA(r, promotes, 0),
                    BENCH_DELTA(r, spill_evicted, 1), BENCH_DELTA(r, spill_evicted, 0));
        }
    }
    fprintf(f, "\nSpill = levels in the spill at the end of the last latency run; promotes and evictions = "
               "counted during that run (timed ops only).\n");
    fclose(f);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void bench_usage(void) {
    printf("usage: bench_c [--quick] [--ops N] [--reps N] [--batch N] [--seed S]\n"
           "               [--workload NAME[,...]] [--impl NAME[,...]] [--out PATH] [--md PATH] [--dump DIR] [--list]\n"
           "  --quick     smoke test: 50000 ops, 3 runs (a few seconds)\n"
           "  --ops N     timed ops per stream (default 200000)\n"
           "  --reps N    timed runs per (workload, impl), median reported (default 7, max %d)\n"
           "  --batch N   ops per clock sample (default 64)\n"
           "  --workload  only these workloads (see --list)\n"
           "  --impl      only time these implementations (all are still verified; the\n"
           "              sorted_bsearch baseline always runs), e.g. for profiling\n"
           "  --out PATH  JSON report;  --md PATH  markdown report\n"
           "  --dump DIR  write each selected workload's op streams to DIR/<name>.ops and exit\n",
           BENCH_MAX_REPS);
}

static int bench_parse(int argc, char **argv, bench_opts *o) {
    int a;
    o->ops = 200000;
    o->reps = 7;
    o->batch = 64;
    o->seed = 42;
    for (a = 1; a < argc; a++) {
        const char *s = argv[a];
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(s, "--quick")) {
            o->quick = 1;
        } else if (!strcmp(s, "--list")) {
            size_t k;
            for (k = 0; k < BENCH_N_WORKLOADS; k++) printf("%-13s %s\n", bench_workloads[k].name, bench_workloads[k].desc);
            exit(0);
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            bench_usage();
            exit(0);
        } else if (v && !strcmp(s, "--ops")) {
            o->ops = strtoull(v, NULL, 10), a++;
        } else if (v && !strcmp(s, "--reps")) {
            o->reps = atoi(v), a++;
        } else if (v && !strcmp(s, "--batch")) {
            o->batch = strtoull(v, NULL, 10), a++;
        } else if (v && !strcmp(s, "--seed")) {
            o->seed = strtoull(v, NULL, 10), a++;
        } else if (v && !strcmp(s, "--workload")) {
            o->workloads = v, a++;
        } else if (v && !strcmp(s, "--impl")) {
            o->impls = v, a++;
        } else if (v && !strcmp(s, "--out")) {
            o->out = v, a++;
        } else if (v && !strcmp(s, "--md")) {
            o->md = v, a++;
        } else if (v && !strcmp(s, "--dump")) {
            o->dump = v, a++;
        } else {
            fprintf(stderr, "bench_c: unknown or incomplete option %s\n", s);
            bench_usage();
            return 0;
        }
    }
    if (o->quick) {
        int a2;
        int ops_given = 0, reps_given = 0;
        for (a2 = 1; a2 < argc; a2++) {
            if (!strcmp(argv[a2], "--ops")) ops_given = 1;
            if (!strcmp(argv[a2], "--reps")) reps_given = 1;
        }
        if (!ops_given) o->ops = 50000;
        if (!reps_given) o->reps = 3;
    }
    if (o->ops < 1 || o->ops > 100000000u || o->reps < 1 || o->reps > BENCH_MAX_REPS || o->batch < 1 ||
        o->batch > 4096) {
        fprintf(stderr, "bench_c: --ops 1..1e8, --reps 1..%d, --batch 1..4096\n", BENCH_MAX_REPS);
        return 0;
    }
    if (o->workloads) {
        size_t k, n = 0;
        for (k = 0; k < BENCH_N_WORKLOADS; k++) n += (size_t)bench_selected(o->workloads, bench_workloads[k].name);
        if (!n) {
            fprintf(stderr, "bench_c: no workload matches '%s' (see --list)\n", o->workloads);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_meta m;
    size_t k;
    double t_all = bench_mono_ns();
    memset(&o, 0, sizeof o);
    if (!bench_parse(argc, argv, &o)) return 2;
    g_opts = &o;
    if (o.dump) {
        for (k = 0; k < BENCH_N_WORKLOADS; k++)
            if (bench_selected(o.workloads, bench_workloads[k].name)) bench_dump_stream(&bench_workloads[k], &o);
        return 0;
    }
    bench_loadavg(g_load_start, sizeof g_load_start);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_meta_collect(&m);
    g_tpns = bench_clock_calibrate(o.quick ? 60 : 200);
    g_overhead_ticks = bench_clock_overhead();

    printf("tapebook C benchmark  %s  commit %s%s\n", m.date_utc, m.git_commit, m.git_dirty > 0 ? " (dirty)" : "");
    printf("cpu: %s (%s), %ld cores online, nothing pinned; %s\n", m.cpu_model, m.cpu_sig, m.cores_online, m.kernel);
    printf("compiler: %s; flags: %s\n", m.compiler, m.flags);
    printf("clock: %s, %.4f ticks/ns, empty batch %.1f ns (%.2f ns/op at batch %zu)\n", BENCH_CLOCK_NAME, g_tpns,
           g_overhead_ticks / g_tpns, g_overhead_ticks / g_tpns / (double)o.batch, o.batch);
    printf("method: %zu timed ops/stream, %d runs (median), 1 warm-up, batch %zu, seed %llu%s\n", o.ops, o.reps,
           o.batch, (unsigned long long)o.seed, o.quick ? ", QUICK" : "");

    for (k = 0; k < BENCH_N_WORKLOADS; k++) {
        g_res[k].def = &bench_workloads[k];
        if (!bench_selected(o.workloads, bench_workloads[k].name)) continue;
        bench_run_workload(&g_res[k], &o);
        bench_print_workload(&g_res[k], &o);
    }
    bench_print_targets();
    bench_print_memory();
    bench_loadavg(g_load_end, sizeof g_load_end);
    g_wall_s = (bench_mono_ns() - t_all) / 1e9;
    g_cpu_s = bench_cpu_seconds();
    printf("\nload: loadavg %s at start, %s at end; this process got %.0f%% of a core (%.1f s CPU in %.1f s)\n",
           g_load_start, g_load_end, g_wall_s > 0 ? 100.0 * g_cpu_s / g_wall_s : 0.0, g_cpu_s, g_wall_s);
    if (o.out) bench_write_json(o.out, &m, &o);
    if (o.md) bench_write_md(o.md, &m, &o);
    printf("\ntotal %.1f s%s%s%s%s\n", (bench_mono_ns() - t_all) / 1e9, o.out ? "; json: " : "", o.out ? o.out : "",
           o.md ? "; markdown: " : "", o.md ? o.md : "");
    if (g_fail) fprintf(stderr, "bench_c: FAILED (verification, status errors or allocations in a timed loop)\n");
    return g_fail ? 1 : 0;
}
