/* bench_hdr.h — a small HDR-style latency histogram: log-linear buckets.
 *
 * Values (ns) below 2^SUB are counted exactly; above, every power-of-two
 * range [2^k, 2^(k+1)) is split into 2^(SUB-1) equal buckets, so a bucket is
 * never wider than 1/2^(SUB-1) of its values (SUB = 7: < 1.6 % error, about
 * two significant digits, as HdrHistogram with 2 significant figures).
 * Recording is a bit scan, a shift and an increment; percentiles walk the
 * counts. min and max are kept exactly. Values above 2^BENCH_HDR_TOP_BITS ns
 * (about 18 minutes) are clamped into the last bucket. */
#ifndef BENCH_HDR_H
#define BENCH_HDR_H

#include <stdint.h>
#include <string.h>

#define BENCH_HDR_SUB 7
#define BENCH_HDR_TOP_BITS 40
#define BENCH_HDR_HALF (1u << (BENCH_HDR_SUB - 1))
/* exact buckets [0, 2^SUB), then HALF buckets for each k in [SUB, TOP_BITS) */
#define BENCH_HDR_BUCKETS ((1u << BENCH_HDR_SUB) + (BENCH_HDR_TOP_BITS - BENCH_HDR_SUB) * BENCH_HDR_HALF)

typedef struct bench_hdr {
    uint64_t count[BENCH_HDR_BUCKETS];
    uint64_t total, min, max;
    double sum;
} bench_hdr;

static inline void bench_hdr_reset(bench_hdr *h) {
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static inline unsigned bench_hdr_msb(uint64_t v) { /* v > 0 */
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(v);
#else
    unsigned k = 0;
    while (v >>= 1) k++;
    return k;
#endif
}

static inline uint32_t bench_hdr_index(uint64_t v) {
    if (v < (1u << BENCH_HDR_SUB)) return (uint32_t)v;
    if (v >= (UINT64_C(1) << BENCH_HDR_TOP_BITS)) return BENCH_HDR_BUCKETS - 1;
    unsigned k = bench_hdr_msb(v);          /* SUB <= k < TOP_BITS */
    unsigned shift = k - (BENCH_HDR_SUB - 1); /* v >> shift in [HALF, 2 * HALF) */
    return (1u << BENCH_HDR_SUB) + (k - BENCH_HDR_SUB) * BENCH_HDR_HALF + (uint32_t)((v >> shift) - BENCH_HDR_HALF);
}

/* Lowest value of a bucket, and the width of the bucket. */
static inline uint64_t bench_hdr_low(uint32_t i) {
    if (i < (1u << BENCH_HDR_SUB)) return i;
    uint32_t j = i - (1u << BENCH_HDR_SUB);
    unsigned k = BENCH_HDR_SUB + j / BENCH_HDR_HALF;
    uint64_t shift = k - (BENCH_HDR_SUB - 1);
    return (uint64_t)(BENCH_HDR_HALF + j % BENCH_HDR_HALF) << shift;
}

static inline uint64_t bench_hdr_width(uint32_t i) {
    if (i < (1u << BENCH_HDR_SUB)) return 1;
    unsigned k = BENCH_HDR_SUB + (i - (1u << BENCH_HDR_SUB)) / BENCH_HDR_HALF;
    return UINT64_C(1) << (k - (BENCH_HDR_SUB - 1));
}

static inline void bench_hdr_record(bench_hdr *h, uint64_t v) {
    h->count[bench_hdr_index(v)]++;
    h->total++;
    h->sum += (double)v;
    if (v < h->min) h->min = v;
    if (v > h->max) h->max = v;
}

static inline void bench_hdr_merge(bench_hdr *into, const bench_hdr *from) {
    for (uint32_t i = 0; i < BENCH_HDR_BUCKETS; i++) into->count[i] += from->count[i];
    into->total += from->total;
    into->sum += from->sum;
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
}

/* The value at quantile q in [0, 1]: the highest value of the bucket holding
 * the ceil(q * total)-th recorded value (as HdrHistogram reports), clamped to
 * the exact max. 0 when empty. */
static inline uint64_t bench_hdr_quantile(const bench_hdr *h, double q) {
    if (h->total == 0) return 0;
    double want = q * (double)h->total;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want) rank++;
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < BENCH_HDR_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            uint64_t hi = bench_hdr_low(i) + bench_hdr_width(i) - 1;
            return hi < h->max ? (hi > h->min ? hi : h->min) : h->max;
        }
    }
    return h->max;
}

#endif /* BENCH_HDR_H */
