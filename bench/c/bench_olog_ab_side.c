/* bench_olog_ab_side.c — the order log of one source tree as an ab_olog named AB_SIDE
 * (ologab_old / ologab_new): make bench-olog-ab compiles it twice, each time with that
 * tree's csrc first on the include path. Every tapebook function is static (TB_API), so
 * the two copies do not clash. */
#include <stdlib.h>

#include "tapebook/tb_order_log.h"

#include "bench_olog_ab.h"

#include "ab_side.h"

#define ROOM (1u << 20) /* output rows: a 'T' writes one a resting order of its side */
#define CHUNK 4096u

typedef struct side_log {
    tb_olog g;
    tb_olog_out out;
    tb_olog_msgs m;
} side_log;

static void *SIDE(create)(size_t cap_hint) {
    side_log *s = (side_log *)calloc(1, sizeof *s);
    if (!s) return NULL;
    if (tb_olog_init(&s->g, cap_hint, UINT64_C(0x9e3779b97f4a7c15)) != TB_OK) {
        free(s);
        return NULL;
    }
    s->out.action = (uint8_t *)malloc(ROOM);
    s->out.order_id = (uint64_t *)malloc(ROOM * 8);
    s->out.side = (uint8_t *)malloc(ROOM);
    s->out.px = (int64_t *)malloc(ROOM * 8);
    s->out.qty = (uint64_t *)malloc(ROOM * 8);
    s->out.mbo_end = (int64_t *)malloc(CHUNK * 8);
    s->out.l2_side = (uint8_t *)malloc(ROOM);
    s->out.l2_px = (int64_t *)malloc(ROOM * 8);
    s->out.l2_qty = (uint64_t *)malloc(ROOM * 8);
    s->out.l2_end = (int64_t *)malloc(CHUNK * 8);
    if (!s->out.action || !s->out.order_id || !s->out.side || !s->out.px || !s->out.qty || !s->out.mbo_end ||
        !s->out.l2_side || !s->out.l2_px || !s->out.l2_qty || !s->out.l2_end)
        abort(); /* a bench: no recovery */
    s->m.mbo_cap = s->m.l2_cap = ROOM;
    s->m.msg_cap = CHUNK;
    return s;
}

static void SIDE(destroy)(void *p) {
    side_log *s = (side_log *)p;
    tb_olog_free(&s->g);
    free(s->out.action), free(s->out.order_id), free(s->out.side), free(s->out.px), free(s->out.qty);
    free(s->out.mbo_end), free(s->out.l2_side), free(s->out.l2_px), free(s->out.l2_qty), free(s->out.l2_end);
    free(s);
}

/* the rows' checksum: MBO actions, ids and quantities, L2 totals (L2 order is the
 * table's: summed, not hashed in order) */
static uint64_t SIDE(run)(void *p, const ologab_ops *o, size_t n) {
    side_log *s = (side_log *)p;
    uint64_t sum = 0;
    size_t first = 0, k;
    while (first < n) {
        const size_t stop = n - first < CHUNK ? n : first + CHUNK;
        tb_olog_ops v;
        size_t done = first;
        int rc;
        v.op = o->op, v.order_id = o->id, v.alt_id = o->alt, v.side = o->side, v.px = o->px, v.qty = o->qty;
        v.end = o->end;
        s->out.n_mbo = s->out.n_l2 = s->out.l2_msg = 0;
        s->m.n_msg = 0;
        rc = tb_olog_run(&s->g, &v, first, stop, &s->out, &s->m, &done);
        if (rc != TB_OK) abort();
        for (k = 0; k < s->out.n_mbo; k++) sum = sum * 31 + s->out.action[k] + s->out.order_id[k] * 7 + s->out.qty[k];
        for (k = 0; k < s->out.n_l2; k++) sum += s->out.l2_qty[k] ^ (uint64_t)s->out.l2_px[k];
        first = done;
    }
    return sum;
}

const ab_olog AB_SIDE = {AB_STR(AB_SIDE), SIDE(create), SIDE(destroy), SIDE(run)};
