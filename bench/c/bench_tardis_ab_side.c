/* bench_tardis_ab_side.c — one source tree's Tardis scanner as tardisab_old_run /
 * tardisab_new_run: make bench-tardis-ab compiles it twice, each time with that tree's
 * csrc first on the include path. Every tapebook function is static (TB_API), so the two
 * copies do not clash. */
#include <stdlib.h>

#include "tapebook/tb_tardis_scan.h"

#include "bench_tardis_ab.h"

#include "ab_side.h"

/* the columns a batch holds, drained as the Python reader drains them (the open
 * message's rows moved to the front) */
typedef struct side_out {
    tb_tardis_out o;
    tb_tardis_err errs[256];
} side_out;

static uint64_t SIDE(mix)(uint64_t h, uint64_t v) { return (h ^ v) * UINT64_C(0x100000001b3); }

/* complete messages into res, the open one's rows to the front */
static void SIDE(drain)(tb_tardis_scan *st, tb_tardis_out *o, tardisab_result *res) {
    size_t m = o->n_msgs, closed = m ? (size_t)o->row_end[m - 1] : 0, i;
    for (i = 0; i < closed; i++) {
        res->sum = SIDE(mix)(res->sum, o->side[i]);
        res->sum = SIDE(mix)(res->sum, (uint64_t)o->px[i]);
        res->sum = SIDE(mix)(res->sum, o->qty[i]);
    }
    for (i = 0; i < m; i++) {
        res->sum = SIDE(mix)(res->sum, (uint64_t)o->row_end[i] + res->rows);
        res->sum = SIDE(mix)(res->sum, (uint64_t)o->ts[i]);
        res->sum = SIDE(mix)(res->sum, (uint64_t)o->seq[i] ^ (uint64_t)o->line[i] << 32 ^ o->kind[i]);
    }
    res->rows += closed;
    res->msgs += m;
    res->errs += o->n_errs;
    for (i = closed; i < o->n_rows; i++) {
        o->side[i - closed] = o->side[i];
        o->px[i - closed] = o->px[i];
        o->qty[i - closed] = o->qty[i];
    }
    o->n_rows -= closed;
    o->n_msgs = 0;
    o->n_errs = 0;
    st->open_row0 = 0;
}

int SIDE(run)(char *data, size_t len, size_t block, size_t batch_rows, tardisab_result *res) {
    static const uint8_t roles[8] = {TB_TARDIS_OTHER,       TB_TARDIS_SYMBOL, TB_TARDIS_TIMESTAMP,
                                     TB_TARDIS_LOCAL_TS,    TB_TARDIS_IS_SNAPSHOT, TB_TARDIS_SIDE,
                                     TB_TARDIS_PRICE,       TB_TARDIS_AMOUNT};
    const tb_dec_unit tick = {1, -2, 0}, lot = {1, -8, 0};
    const size_t msgs_cap = batch_rows + (size_t)TB_TARDIS_MSG_ROOM;
    tb_tardis_scan st;
    side_out *so = (side_out *)calloc(1, sizeof *so);
    tb_tardis_out *o;
    size_t pos = 0;
    int rc = -1;
    if (!so) return -1;
    o = &so->o;
    o->side = (uint8_t *)malloc(batch_rows);
    o->px = (int64_t *)malloc(batch_rows * 8);
    o->qty = (uint64_t *)malloc(batch_rows * 8);
    o->rows_cap = batch_rows;
    o->row_end = (int64_t *)malloc(msgs_cap * 8);
    o->ts = (int64_t *)malloc(msgs_cap * 8);
    o->seq = (int64_t *)malloc(msgs_cap * 8);
    o->line = (int64_t *)malloc(msgs_cap * 8);
    o->kind = (uint8_t *)malloc(msgs_cap);
    o->msgs_cap = msgs_cap;
    o->errs = so->errs;
    o->errs_cap = 256;
    res->rows = res->msgs = res->errs = 0;
    res->sum = UINT64_C(0xcbf29ce484222325);
    if (!o->side || !o->px || !o->qty || !o->row_end || !o->ts || !o->seq || !o->line || !o->kind) goto done;
    if (tb_tardis_begin(&st, roles, 8, tick, lot, 2, 1) != TB_OK) goto done;
    for (;;) {
        size_t n = len - pos < block ? len - pos : block, consumed = 0;
        int final = pos + n == len, r = tb_tardis_scan_buf(&st, data + pos, n, final, o, &consumed);
        if (r < 0 || r == TB_TARDIS_SYMBOL_CHANGE) goto done;
        pos += consumed;
        if (r == TB_TARDIS_FULL || (final && r == TB_TARDIS_DONE)) SIDE(drain)(&st, o, res);
        if (r == TB_TARDIS_DONE && final) break;
    }
    rc = 0;
done:
    free(o->side), free(o->px), free(o->qty), free(o->row_end), free(o->ts), free(o->seq), free(o->line);
    free(o->kind), free(so);
    return rc;
}
