/* bench_l3_ab.h — one build of the L3 book behind plain function pointers, so
 * make bench-l3-ab can link an old commit's book and this tree's into one binary
 * (bench_l3_ab_side.c, compiled once per side) and alternate them in the same
 * process, as bench_match_ab.h does for the matching engine. Only the event
 * records and column arrays cross the boundary. */
#ifndef BENCH_L3_AB_H
#define BENCH_L3_AB_H

#include <stddef.h>
#include <stdint.h>

/* One MBO event: act 'A' add, 'C' cancel, 'E' execute, 'M' modify (qty at its price). */
typedef struct l3ab_ev {
    uint8_t act;
    uint8_t side;
    int64_t px;
    uint64_t id;
    uint64_t qty;
} l3ab_ev;

/* The same events as apply_mbo columns. */
typedef struct l3ab_cols {
    const uint8_t *act, *side;
    const uint64_t *id, *qty;
    const int64_t *px;
} l3ab_cols;

typedef struct ab_l3 {
    const char *name;
    void *(*create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap);
    void (*destroy)(void *l);
    /* per-call replay of ev[0..n): the sum of the statuses */
    int64_t (*replay)(void *l, const l3ab_ev *ev, size_t n);
    /* rows [from, to) through apply_mbo in chunks of `chunk`: the rows refused */
    size_t (*apply_mbo)(void *l, const l3ab_cols *c, size_t from, size_t to, size_t chunk);
    /* a digest of the book: orders, best px and qty of both sides */
    uint64_t (*digest)(void *l);
} ab_l3;

#ifdef __cplusplus
extern "C" {
#endif
extern const ab_l3 l3ab_old, l3ab_new;
#ifdef __cplusplus
}
#endif

#endif /* BENCH_L3_AB_H */
