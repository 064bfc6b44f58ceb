/* bench_olog_ab.h — one build of the feeds' order log (tb_order_log.h) behind plain
 * function pointers, so make bench-olog-ab can link an old commit's log and this tree's
 * into one binary (bench_olog_ab_side.c, compiled once per side) and alternate them in
 * the same process. Only the ops columns cross the boundary (the tb_olog struct may
 * differ between the sides). */
#ifndef BENCH_OLOG_AB_H
#define BENCH_OLOG_AB_H

#include <stddef.h>
#include <stdint.h>

/* ops rows as tb_olog_run reads them (tb_olog_ops) */
typedef struct ologab_ops {
    const uint8_t *op, *side, *end;
    const uint64_t *id, *alt, *qty;
    const int64_t *px;
} ologab_ops;

typedef struct ab_olog {
    const char *name;
    void *(*create)(size_t cap_hint); /* NULL: no memory */
    void (*destroy)(void *g);
    /* rows [0, n) in chunks; a checksum of the rows written (both sides must agree) */
    uint64_t (*run)(void *g, const ologab_ops *ops, size_t n);
} ab_olog;

extern const ab_olog ologab_old, ologab_new;

#endif /* BENCH_OLOG_AB_H */
