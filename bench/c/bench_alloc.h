/* bench_alloc.h — counting allocation hooks. Include BEFORE tapebook.h: it
 * defines TB_MALLOC / TB_FREE so every byte tapebook allocates is counted.
 * The harness reads the counters around each timed loop; a reserved or
 * pool-backed book must show zero there. */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

#include <stdint.h>
#include <stdlib.h>

#ifdef TAPEBOOK_H
#error "include bench_alloc.h before tapebook.h"
#endif

static uint64_t bench_alloc_mallocs; /* TB_MALLOC calls */
static uint64_t bench_alloc_frees;   /* TB_FREE calls with a non-NULL pointer */
static uint64_t bench_alloc_bytes;   /* bytes requested through TB_MALLOC */

static inline void *bench_counting_malloc(size_t size) {
    bench_alloc_mallocs++;
    bench_alloc_bytes += size;
    return malloc(size);
}

static inline void bench_counting_free(void *p) {
    if (p) bench_alloc_frees++;
    free(p);
}

#define TB_MALLOC(size) bench_counting_malloc(size)
#define TB_FREE(ptr) bench_counting_free(ptr)

/* Allocation events (mallocs + frees) so far. */
static inline uint64_t bench_alloc_events(void) { return bench_alloc_mallocs + bench_alloc_frees; }

#endif /* BENCH_ALLOC_H */
