/* bench_clock.h — the benchmark clock. On x86-64 with an invariant TSC the
 * harness reads the TSC (lfence; rdtsc: about 10-40 cycles) and converts
 * ticks to ns with a rate calibrated against CLOCK_MONOTONIC; elsewhere it
 * reads CLOCK_MONOTONIC directly (ticks are ns). Batches of ops are timed
 * between two reads, so the clock's cost and resolution are divided by the
 * batch size; bench_clock_overhead() measures what one empty batch costs. */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(BENCH_NO_TSC)
#include <x86intrin.h>
#define BENCH_CLOCK_TSC 1
#define BENCH_CLOCK_NAME "rdtsc (lfence-ordered), calibrated against CLOCK_MONOTONIC"
static inline uint64_t bench_ticks(void) {
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}
#else
#define BENCH_CLOCK_TSC 0
#define BENCH_CLOCK_NAME "clock_gettime(CLOCK_MONOTONIC)"
static inline uint64_t bench_ticks(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

static inline double bench_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of the calling thread, in ns: time the scheduler gave this
 * thread only. Used for the throughput runs, so that a preemption on a
 * shared machine is not counted as work (wall time is kept beside it). */
static inline double bench_thread_cpu_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) return 0;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Ticks per ns: measured over ~`ms` milliseconds of busy waiting. */
static inline double bench_clock_calibrate(int ms) {
#if BENCH_CLOCK_TSC
    double best = 0;
    int k;
    for (k = 0; k < 3; k++) { /* three tries; keep the median-ish (middle) one */
        double n0 = bench_mono_ns(), n1;
        uint64_t t0 = bench_ticks(), t1;
        do {
            n1 = bench_mono_ns();
        } while (n1 - n0 < ms * 1e6 / 3);
        t1 = bench_ticks();
        if (k == 1 || best == 0) best = (double)(t1 - t0) / (n1 - n0);
    }
    return best;
#else
    (void)ms;
    return 1.0;
#endif
}

/* Median cost, in ticks, of one timed batch with nothing inside. */
static inline double bench_clock_overhead(void) {
    enum { K = 4001 };
    static uint64_t d[K];
    int i, j;
    for (i = 0; i < K; i++) {
        uint64_t a = bench_ticks();
        uint64_t b = bench_ticks();
        d[i] = b - a;
    }
    for (i = 1; i < K; i++) { /* insertion sort: tiny, run once */
        uint64_t x = d[i];
        for (j = i; j > 0 && d[j - 1] > x; j--) d[j] = d[j - 1];
        d[j] = x;
    }
    return (double)d[K / 2];
}

#endif /* BENCH_CLOCK_H */
