/* bench_match_ab.h — one build of the matching engine behind plain function
 * pointers, so make bench-match-ab can link an old commit's engine and this
 * tree's into one binary (bench_match_ab_side.c, compiled once per side) and
 * alternate them in the same process. Only pointers to the records cross
 * the boundary: each side sees its own tree's tb_match_types.h (the records
 * are fixed-size, static-asserted plain data). */
#ifndef BENCH_MATCH_AB_H
#define BENCH_MATCH_AB_H

#include <stddef.h>
#include <stdint.h>

struct tb_match_order;
struct tb_match_event;
struct tb_match_op;

typedef struct ab_engine {
    const char *name;
    void *(*create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap, int stp);
    void (*destroy)(void *m);
    int (*submit)(void *m, const struct tb_match_order *o, struct tb_match_event *ev, size_t cap, size_t *n_out);
    int (*cancel)(void *m, uint64_t id, struct tb_match_event *ev, size_t cap, size_t *n_out);
    int (*modify)(void *m, uint64_t id, uint64_t qty, struct tb_match_event *ev, size_t cap, size_t *n_out);
    int (*submit_many)(void *m, const struct tb_match_order *o, size_t n, struct tb_match_event *ev, size_t cap,
                       size_t *n_out, size_t *n_done);
    int (*apply_ops)(void *m, const struct tb_match_op *ops, size_t n, struct tb_match_event *ev, size_t cap,
                     size_t *n_out, size_t *n_done);
    size_t (*orders)(void *m);
} ab_engine;

extern const ab_engine ab_old, ab_new;

#endif /* BENCH_MATCH_AB_H */
