/* bench_rng.h — the deterministic PRNG of the C benchmark: splitmix64 to
 * seed, xoshiro256** to generate, Lemire's multiply-shift for bounded ints.
 * Same seed, same streams, on every machine and compiler. */
#ifndef BENCH_RNG_H
#define BENCH_RNG_H

#include <stdint.h>

typedef struct bench_rng {
    uint64_t s[4];
} bench_rng;

static inline uint64_t bench_splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline void bench_rng_seed(bench_rng *r, uint64_t seed) {
    int i;
    for (i = 0; i < 4; i++) r->s[i] = bench_splitmix64(&seed);
}

static inline uint64_t bench_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t bench_rng_next(bench_rng *r) {
    uint64_t *s = r->s;
    const uint64_t out = bench_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = bench_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n), n >= 1 (multiply-shift; the bias is < 2^-32). */
static inline uint32_t bench_rng_below(bench_rng *r, uint32_t n) {
    return (uint32_t)(((bench_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 100): for percentage choices. */
static inline uint32_t bench_rng_pct(bench_rng *r) { return bench_rng_below(r, 100); }

#endif /* BENCH_RNG_H */
