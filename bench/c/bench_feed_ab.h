/* bench_feed_ab.h — the two sides of make bench-feed-ab (bench_feed_ab.c): each side is
 * one source tree's tb_feed_run (tb_feed_apply.h) compiled in bench_feed_ab_side.c under
 * its own names. */
#ifndef BENCH_FEED_AB_H
#define BENCH_FEED_AB_H

#include <stddef.h>
#include <stdint.h>

/* a scanned batch: the columns of tb_feed_batch (tb_feed_apply.h) */
typedef struct feedab_cols {
    const uint8_t *side;
    const int64_t *px;
    const uint64_t *qty;
    size_t n_rows;
    const int64_t *row_end, *ts, *seq;
    const uint8_t *kind;
    size_t n_msgs;
} feedab_cols;

/* Replay c into a fresh 64-bit book of tape 1024 (the feeds' default) with one call of
 * tb_feed_run (ERROR / GAP messages skipped), out: n_msgs rows of 56 bytes, scratch
 * n_rows bytes. Returns the thread CPU seconds of the replay, or < 0 when it failed;
 * *rows and *sum: the BBO rows written and a checksum of them. */
typedef double (*feedab_run_fn)(const feedab_cols *c, void *out, int8_t *scratch, size_t *rows, uint64_t *sum);

double feedab_old_run(const feedab_cols *c, void *out, int8_t *scratch, size_t *rows, uint64_t *sum);
double feedab_new_run(const feedab_cols *c, void *out, int8_t *scratch, size_t *rows, uint64_t *sum);

#endif /* BENCH_FEED_AB_H */
