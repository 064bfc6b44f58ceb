/* bench_match_ab_side.c — the i64_n1024 matching engine of one source tree as
 * an ab_engine named AB_SIDE (ab_old / ab_new): make bench-match-ab compiles
 * it twice, each time with that tree's csrc first on the include path. Every
 * tapebook function is static inline (TB_API), so the two copies of the
 * engine do not clash at link time. */
#include "tapebook.h"
#include "tapebook/tb_match.h"

#include "bench_match_ab.h"

#include "ab_side.h"

typedef tb_match_i64_n1024 ab_m;

static void *SIDE(create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap, int stp) {
    ab_m *m = NULL;
    return tb_match_i64_n1024_create(&m, anchor, max_orders, max_cap, stp) == TB_OK ? m : NULL;
}

static void SIDE(destroy)(void *m) { (void)tb_match_i64_n1024_destroy((ab_m *)m); }

static int SIDE(submit)(void *m, const struct tb_match_order *o, struct tb_match_event *ev, size_t cap,
                       size_t *n_out) {
    tb_submit_result res;
    return tb_match_i64_n1024_submit((ab_m *)m, o, ev, cap, n_out, &res);
}

static int SIDE(cancel)(void *m, uint64_t id, struct tb_match_event *ev, size_t cap, size_t *n_out) {
    return tb_match_i64_n1024_cancel((ab_m *)m, id, ev, cap, n_out);
}

static int SIDE(modify)(void *m, uint64_t id, uint64_t qty, struct tb_match_event *ev, size_t cap, size_t *n_out) {
    return tb_match_i64_n1024_modify((ab_m *)m, id, qty, ev, cap, n_out);
}

static int SIDE(submit_many)(void *m, const struct tb_match_order *o, size_t n, struct tb_match_event *ev, size_t cap,
                            size_t *n_out, size_t *n_done) {
    return tb_match_i64_n1024_submit_many((ab_m *)m, o, n, ev, cap, n_out, NULL, n_done);
}

static int SIDE(apply_ops)(void *m, const struct tb_match_op *ops, size_t n, struct tb_match_event *ev, size_t cap,
                          size_t *n_out, size_t *n_done) {
    return tb_match_i64_n1024_apply_ops((ab_m *)m, ops, n, ev, cap, n_out, NULL, NULL, n_done);
}

static size_t SIDE(orders)(void *m) { return tb_match_i64_n1024_orders((ab_m *)m); }

const ab_engine AB_SIDE = {AB_STR(AB_SIDE), SIDE(create),      SIDE(destroy),   SIDE(submit), SIDE(cancel),
                           SIDE(modify),      SIDE(submit_many), SIDE(apply_ops), SIDE(orders)};
