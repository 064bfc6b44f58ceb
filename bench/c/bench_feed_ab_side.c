/* bench_feed_ab_side.c — one source tree's tb_feed_run as feedab_old_run / feedab_new_run:
 * make bench-feed-ab compiles it twice, each time with that tree's csrc first on the
 * include path. Every tapebook function is static (TB_API), so the two copies do not
 * clash. */
#include <string.h>
#include <time.h>

#include "tapebook.h"
#define TB_FEED_DEFINE_OPS
#include "tapebook/tb_feeds.h"

#include "bench_feed_ab.h"

#include "ab_side.h"

static double SIDE(cpu_now)(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double SIDE(run)(const feedab_cols *c, void *out, int8_t *scratch, size_t *rows, uint64_t *sum) {
    tb_feed_row *r = (tb_feed_row *)out;
    tb_book_i64_n1024 *b = NULL;
    tb_feed_batch in;
    tb_feed_state st;
    double t0, t1;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t i;
    int rc;
    if (tb_book_i64_n1024_create(&b, 0, 1u << 16, NULL) != TB_OK) return -1;
    memset(&in, 0, sizeof in);
    in.side = c->side;
    in.px = c->px;
    in.qty = c->qty;
    in.n_rows = c->n_rows;
    in.row_end = c->row_end;
    in.ts = c->ts;
    in.seq = c->seq;
    in.kind = c->kind;
    in.n_msgs = c->n_msgs;
    memset(&st, 0, sizeof st);
    t0 = SIDE(cpu_now)();
    for (;;) {
        rc = tb_feed_run(b, tb_feed_ops_for(1024), &in, r, NULL, scratch, NULL, 0, &st);
        if (rc != TB_FEED_POLICY) break;
        st.msg++; /* an ERROR or GAP message: skipped */
    }
    t1 = SIDE(cpu_now)();
    tb_book_i64_n1024_destroy(b);
    if (rc != TB_FEED_DONE) return -2;
    for (i = 0; i < st.out_rows; i++) {
        const uint64_t v[6] = {(uint64_t)r[i].ts,     (uint64_t)r[i].bid_px, r[i].bid_qty,
                               (uint64_t)r[i].ask_px, r[i].ask_qty,          r[i].flags};
        size_t j;
        for (j = 0; j < 6; j++) h = (h ^ v[j]) * UINT64_C(0x100000001b3);
    }
    *rows = st.out_rows;
    *sum = h;
    return t1 - t0;
}
