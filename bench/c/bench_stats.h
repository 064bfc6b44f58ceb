/* bench_stats.h — latency samples and their summary. A sample is one timed
 * batch: its ticks divided by its op count and the calibrated tick rate,
 * i.e. the mean ns per op inside that batch. Percentiles use the
 * nearest-rank definition over the samples of one run. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdint.h>
#include <stdlib.h>

typedef struct bench_summary {
    double p50, p90, p99, p999, max, mean; /* ns per op */
    double mops;                           /* ops / throughput-run CPU ns * 1e3 */
    double total_ns;                       /* throughput run: thread CPU time */
    double wall_ns;                        /* throughput run: wall time */
    uint64_t samples;
} bench_summary;

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of the samples <= it. */
static double bench_rank(const double *sorted, size_t n, double q) {
    size_t k;
    if (!n) return 0;
    k = (size_t)(q * (double)n + 0.999999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return sorted[k - 1];
}

/* Sorts `ns` in place. */
static void bench_summarize(double *ns, size_t n, uint64_t ops, double total_ns, bench_summary *s) {
    size_t i;
    double sum = 0;
    qsort(ns, n, sizeof *ns, bench_cmp_double);
    for (i = 0; i < n; i++) sum += ns[i];
    s->p50 = bench_rank(ns, n, 0.50);
    s->p90 = bench_rank(ns, n, 0.90);
    s->p99 = bench_rank(ns, n, 0.99);
    s->p999 = bench_rank(ns, n, 0.999);
    s->max = n ? ns[n - 1] : 0;
    s->mean = n ? sum / (double)n : 0;
    s->total_ns = total_ns;
    s->mops = total_ns > 0 ? (double)ops / total_ns * 1e3 : 0;
    s->samples = n;
}

#endif /* BENCH_STATS_H */
