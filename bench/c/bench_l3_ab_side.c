/* bench_l3_ab_side.c — the i64_n1024 L3 book of one source tree as an ab_l3
 * named AB_SIDE (l3ab_old / l3ab_new): make bench-l3-ab compiles it twice, each
 * time with that tree's csrc first on the include path. Every tapebook
 * function is static inline (TB_API), so the two copies do not clash. */
#include "tapebook.h"

#include "bench_l3_ab.h"

#include "ab_side.h"

typedef tb_l3_i64_n1024 ab_l;

static void *SIDE(create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap) {
    ab_l *l = NULL;
    return tb_l3_i64_n1024_create(&l, anchor, max_orders, max_cap, NULL) == TB_OK ? l : NULL;
}

static void SIDE(destroy)(void *l) { (void)tb_l3_i64_n1024_destroy((ab_l *)l); }

static int64_t SIDE(replay)(void *p, const l3ab_ev *ev, size_t n) {
    ab_l *l = (ab_l *)p;
    int64_t acc = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        const l3ab_ev *e = &ev[i];
        switch (e->act) {
        case 'A': acc += tb_l3_i64_n1024_add(l, e->id, e->side, e->px, e->qty); break;
        case 'C': acc += tb_l3_i64_n1024_cancel(l, e->id); break;
        case 'E': acc += tb_l3_i64_n1024_execute(l, e->id, e->qty); break;
        default: acc += tb_l3_i64_n1024_modify(l, e->id, e->qty); break;
        }
    }
    return acc;
}

static size_t SIDE(apply_mbo)(void *p, const l3ab_cols *c, size_t from, size_t to, size_t chunk) {
    ab_l *l = (ab_l *)p;
    size_t errs = 0, i;
    for (i = from; i < to; i += chunk) {
        const size_t k = to - i < chunk ? to - i : chunk;
        size_t bad = 0;
        (void)tb_l3_i64_n1024_apply_mbo(l, c->act + i, c->id + i, c->side + i, c->px + i, c->qty + i, k, NULL, &bad);
        errs += bad;
    }
    return errs;
}

static uint64_t SIDE(digest)(void *p) {
    ab_l *l = (ab_l *)p;
    tb_book_i64_n1024 *b = tb_l3_i64_n1024_book(l);
    uint64_t h = (uint64_t)tb_l3_i64_n1024_count(l);
    int s;
    for (s = 0; s < 2; s++) {
        h = h * UINT64_C(0x100000001b3) ^ (uint64_t)tb_book_i64_n1024_best_px(b, s);
        h = h * UINT64_C(0x100000001b3) ^ tb_book_i64_n1024_best_qty(b, s);
    }
    return h;
}

const ab_l3 AB_SIDE = {AB_STR(AB_SIDE), SIDE(create), SIDE(destroy), SIDE(replay), SIDE(apply_mbo), SIDE(digest)};
