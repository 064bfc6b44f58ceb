/* fuzz_tardis_scan.c — libFuzzer target for tb_tardis_scan.h, which reads
 * untrusted CSV bytes. Nothing may crash, read out of bounds or hit UB (built
 * with ASan + UBSan); the output must be well formed (row offsets
 * non-decreasing and within the rows, only the four kinds the scanner writes,
 * rows only in DELTA / SNAPSHOT messages, errors pointing at ERROR messages);
 * and scanning the input in two blocks split at a point chosen by the input
 * (the partial line carried over, as the reader does) with the fast path must
 * give the result of one block through the general path alone (the fast path's
 * reference: rows, messages with their ts, errors with field and reason).
 *
 * Input: byte 0 picks the split point and the output capacity, the rest is
 * the CSV body (the header is fixed: the eight Tardis columns). A body of odd length
 * is read with a venue's units (tick 0.01, lot 1e-8: the fast path keeps the shapes of
 * plain prices and amounts, "d.dddddddd" included), an even one with tick 0.5 (no
 * price shape) and lot 1e-3.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_tardis_scan.c -o fuzz_tardis_scan
 *   ./fuzz_tardis_scan -max_total_time=60 corpus_dir
 */
#include "tapebook/tb_tardis_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define MAXN 4096 /* bytes of body used; every line gives at most one row */

typedef struct run {
    size_t n_rows, n_msgs, n_errs;
    int64_t px[MAXN];
    uint64_t qty[MAXN];
    uint8_t side[MAXN];
    int64_t row_end[MAXN + 64], line[MAXN + 64], seq[MAXN + 64], ts[MAXN + 64];
    uint8_t kind[MAXN + 64];
    int64_t err_line[MAXN + 64];
    int32_t err_field[MAXN + 64], err_reason[MAXN + 64];
    int status;
} run;

static const uint8_t ROLES[8] = {0, 1, 2, 3, 4, 5, 6, 7};

static void drain(tb_tardis_scan *st, tb_tardis_out *out, run *r) {
    size_t m = out->n_msgs, closed = m ? (size_t)out->row_end[m - 1] : 0, i, k;
    int64_t prev = 0;
    CHECK(closed <= out->n_rows);
    for (i = 0; i < out->n_errs; i++) {
        const tb_tardis_err *e = &out->errs[i];
        if (e->msg >= 0) {
            CHECK((size_t)e->msg < m);
            CHECK(out->kind[e->msg] == TB__TARDIS_ERROR);
        }
        r->err_field[r->n_errs] = e->field;
        r->err_reason[r->n_errs] = e->reason;
        r->err_line[r->n_errs++] = e->line;
    }
    out->n_errs = 0;
    for (i = 0; i < m; i++) {
        int64_t own = out->row_end[i] - prev;
        uint8_t kd = out->kind[i];
        CHECK(out->row_end[i] >= prev && (size_t)out->row_end[i] <= out->n_rows);
        CHECK(kd == TB__TARDIS_DELTA || kd == TB__TARDIS_SNAPSHOT || kd == TB__TARDIS_PRESYNC ||
              kd == TB__TARDIS_ERROR);
        if (kd == TB__TARDIS_PRESYNC || kd == TB__TARDIS_ERROR) CHECK(own == 0);
        prev = out->row_end[i];
        r->row_end[r->n_msgs] = out->row_end[i] + (int64_t)r->n_rows;
        r->line[r->n_msgs] = out->line[i];
        r->seq[r->n_msgs] = out->seq[i];
        r->ts[r->n_msgs] = out->ts[i];
        r->kind[r->n_msgs] = kd;
        r->n_msgs++;
    }
    for (i = 0; i < closed; i++) {
        CHECK(out->side[i] <= 1);
        r->px[r->n_rows] = out->px[i];
        r->qty[r->n_rows] = out->qty[i];
        r->side[r->n_rows] = out->side[i];
        r->n_rows++;
    }
    k = out->n_rows - closed;
    memmove(out->side, out->side + closed, k);
    memmove(out->px, out->px + closed, k * sizeof(int64_t));
    memmove(out->qty, out->qty + closed, k * sizeof(uint64_t));
    out->n_rows = k;
    out->n_msgs = 0;
    st->open_row0 = 0;
}

/* scan body in two blocks: [0, split) then the rest, into an output of rows_cap rows;
 * fast = 0: every line through the general path */
static void scan(const uint8_t *body, size_t n, size_t split, size_t rows_cap, int fast, const char *tick_s,
                 const char *lot_s, run *r) {
    static uint8_t side[MAXN];
    static int64_t px[MAXN];
    static uint64_t qty[MAXN];
    static int64_t row_end[MAXN + 64], ts[MAXN + 64], seq[MAXN + 64], line[MAXN + 64];
    static uint8_t kind[MAXN + 64];
    static tb_tardis_err errs[64];
    static char buf[MAXN + 1];
    tb_tardis_scan st;
    tb_tardis_out out;
    tb_dec_unit tick, lot;
    size_t have = 0, pos = 0, consumed = 0, fed = 0;
    int eof = 0, rc, stage = 0;
    memset(r, 0, sizeof *r);
    memset(&st, 0, sizeof st);
    memset(&out, 0, sizeof out);
    CHECK(tb_dec_unit_parse(tick_s, strlen(tick_s), &tick) == TB_OK);
    CHECK(tb_dec_unit_parse(lot_s, strlen(lot_s), &lot) == TB_OK);
    CHECK(tb_tardis_begin(&st, ROLES, 8, tick, lot, 2, 1) == TB_OK);
    out.side = side;
    out.px = px;
    out.qty = qty;
    out.rows_cap = rows_cap;
    out.row_end = row_end;
    out.ts = ts;
    out.seq = seq;
    out.line = line;
    out.kind = kind;
    out.msgs_cap = rows_cap + TB_TARDIS_MSG_ROOM;
    out.errs = errs;
    out.errs_cap = 64;
    for (;;) {
        { /* the call's bytes in a heap block of exactly their size, so a wide read past
           * the data's end (the fast paths load 8-64 bytes at a time) is an ASan error
           * instead of a read of stale bytes further along `buf` */
            const size_t ln = have - pos;
            char *exact = (char *)malloc(ln ? ln : 1);
            CHECK(exact != NULL);
            memcpy(exact, buf + pos, ln);
            rc = fast ? tb_tardis_scan_buf(&st, exact, ln, eof, &out, &consumed)
                      : tb__tardis_scan(&st, exact, ln, eof, &out, &consumed, 0);
            memcpy(buf + pos, exact, ln); /* quoted fields are unquoted in place */
            free(exact);
        }
        CHECK(rc >= 0);
        CHECK(consumed <= have - pos);
        pos += consumed;
        if (rc == TB_TARDIS_SYMBOL_CHANGE) break;
        if (rc == TB_TARDIS_FULL) {
            drain(&st, &out, r);
            if (out.rows_cap == out.n_rows) {
                CHECK(out.rows_cap < MAXN);
                out.rows_cap *= 2;
                if (out.rows_cap > MAXN) out.rows_cap = MAXN;
                out.msgs_cap = out.rows_cap + TB_TARDIS_MSG_ROOM;
            }
            continue;
        }
        if (eof) break;
        memmove(buf, buf + pos, have - pos);
        have -= pos;
        pos = 0;
        {
            size_t want = stage == 0 ? split : n - fed;
            memcpy(buf + have, body + fed, want);
            fed += want;
            have += want;
            eof = stage == 2;
            stage++;
        }
    }
    drain(&st, &out, r);
    r->status = rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static run a, b;
    size_t n, split, i;
    const char *tick, *lot;
    if (size < 1) return 0;
    n = size - 1 > MAXN ? MAXN : size - 1;
    split = n ? data[0] % (n + 1) : 0;
    tick = n % 2 ? "0.01" : "0.5";
    lot = n % 2 ? "0.00000001" : "1e-3";
    scan(data + 1, n, n, MAXN, 0, tick, lot, &a);              /* one block, the general path */
    scan(data + 1, n, split, 1 + data[0] % 5, 1, tick, lot, &b); /* two blocks, a tiny output, the fast path */
    CHECK(a.status == b.status && a.n_rows == b.n_rows && a.n_msgs == b.n_msgs && a.n_errs == b.n_errs);
    for (i = 0; i < a.n_rows; i++) CHECK(a.px[i] == b.px[i] && a.qty[i] == b.qty[i] && a.side[i] == b.side[i]);
    for (i = 0; i < a.n_msgs; i++)
        CHECK(a.row_end[i] == b.row_end[i] && a.line[i] == b.line[i] && a.seq[i] == b.seq[i] &&
              a.kind[i] == b.kind[i] && a.ts[i] == b.ts[i]);
    for (i = 0; i < a.n_errs; i++)
        CHECK(a.err_line[i] == b.err_line[i] && a.err_field[i] == b.err_field[i] && a.err_reason[i] == b.err_reason[i]);
    return 0;
}
