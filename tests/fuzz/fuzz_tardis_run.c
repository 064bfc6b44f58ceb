/* fuzz_tardis_run.c — libFuzzer target for tb_tardis_run.h (Tardis CSV bytes -> BBO rows
 * in one call per block), which reads untrusted CSV bytes. Nothing may crash, read out of
 * bounds or hit UB (built with ASan + UBSan), and the driver — the input in two blocks
 * split at a point the input chooses (the partial line carried over, as the Python
 * driver does), a tiny output (its columns grown when one message needs it), the traced
 * replay loop — must give what the reader path's steps give one after the other: the
 * whole body scanned into one large output, then tb_feed_run over all its messages
 * message by message (per_message). Compared: the BBO rows, the replay counters, the
 * stops (an ERROR message skipped as on_error="skip" does; a crossed book stops when
 * the input asks for stop_on_crossed; a row the book refuses stops) and the final book.
 *
 * Input: byte 0 picks the split point, the output capacity (bit 6: 512 rows, else 1-5),
 * the ops table (bit 5: a copy of the shipped one, so the traced runs take bbo_trace
 * rather than the claimed book's inline set) and stop_on_crossed (bit 7); the rest is the
 * CSV body (the header is fixed: the eight Tardis columns). A body of odd length is read
 * with a venue's units (tick 0.01, lot 1e-8), where the scan's fast paths keep plain price
 * and amount shapes ("65000.43", "d.dddddddd", "0"), an even one with tick 0.5 (no price
 * shape) and lot 1e-3 — the same choice as fuzz_tardis_scan, so the seeds
 * of corpus_tardis_scan that make c-fuzz-seeds replays here reach both.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_tardis_run.c -o fuzz_tardis_run
 *   ./fuzz_tardis_run -max_total_time=60 corpus_dir
 */
#include "tapebook.h"
#define TB_FEED_DEFINE_OPS
#include "tapebook/tb_feeds.h"

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

#define MAXN 4096 /* bytes of body used; every line gives at most one row and message */
#define BIG_OUT 512 /* rows of the large output: one call's traced runs pass 128 rows */
/* the driver's output room: tb_tardis_run_block wants room for a whole output's messages
 * (rows_cap + TB_TARDIS_MSG_ROOM) whatever the rows written so far (<= MAXN) */
#define MSGS (MAXN + BIG_OUT + 64)

static const uint8_t ROLES[8] = {0, 1, 2, 3, 4, 5, 6, 7};

/* what a replay gave */
typedef struct result {
    tb_feed_row rows[MSGS];
    size_t n;
    int stop; /* TB_FEED_DONE, CROSSED or BOOK_ERROR */
    int64_t stop_seq; /* the seq of the message it stopped at (CROSSED: after) */
    tb_feed_state st;
    tb_level_i64 bids[64], asks[64];
    int n_bids, n_asks;
} result;

/* venue: tick 0.01 / lot 1e-8 (the scan's fast paths), else tick 0.5 / lot 1e-3 */
static void begin(tb_tardis_scan *st, int venue) {
    const char *tick_s = venue ? "0.01" : "0.5", *lot_s = venue ? "0.00000001" : "1e-3";
    tb_dec_unit tick, lot;
    memset(st, 0, sizeof *st);
    CHECK(tb_dec_unit_parse(tick_s, strlen(tick_s), &tick) == TB_OK);
    CHECK(tb_dec_unit_parse(lot_s, strlen(lot_s), &lot) == TB_OK);
    CHECK(tb_tardis_begin(st, ROLES, 8, tick, lot, 2, 1) == TB_OK);
}

static void columns(tb_tardis_out *out, size_t rows_cap) {
    static uint8_t side[MAXN];
    static int64_t px[MAXN];
    static uint64_t qty[MAXN];
    static int64_t row_end[MSGS], ts[MSGS], seq[MSGS], line[MSGS];
    static uint8_t kind[MSGS];
    static tb_tardis_err errs[64];
    memset(out, 0, sizeof *out);
    out->side = side;
    out->px = px;
    out->qty = qty;
    out->rows_cap = rows_cap;
    out->row_end = row_end;
    out->ts = ts;
    out->seq = seq;
    out->line = line;
    out->kind = kind;
    out->msgs_cap = rows_cap + TB_TARDIS_MSG_ROOM;
    out->errs = errs;
    out->errs_cap = 64;
}

static void finish(tb_book_i64_n64 *b, const tb_feed_state *st, result *r) {
    r->st = *st;
    r->n_bids = tb_book_i64_n64_levels_n(b, 1, r->bids, 64);
    r->n_asks = tb_book_i64_n64_levels_n(b, 0, r->asks, 64);
    CHECK(tb_book_i64_n64_destroy(b) == TB_OK);
}

/* the reader path's steps: scan everything, then the loop message by message */
static void reference(const uint8_t *body, size_t n, uint32_t crossed, int venue, result *r) {
    static char buf[MAXN + 1];
    static int8_t scratch[MAXN];
    tb_tardis_scan st;
    tb_tardis_out out;
    tb_feed_batch in;
    tb_feed_state fs;
    tb_book_i64_n64 *b = NULL;
    size_t consumed = 0;
    int rc;
    memset(r, 0, sizeof *r);
    begin(&st, venue);
    columns(&out, MAXN);
    memcpy(buf, body, n);
    for (;;) { /* one block; the error records are not compared (the scanner's own fuzz target does) */
        size_t c = 0;
        rc = tb_tardis_scan_buf(&st, buf + consumed, n - consumed, 1, &out, &c);
        CHECK(rc >= 0);
        consumed += c;
        if (rc != TB_TARDIS_FULL) break;
        CHECK(out.n_errs > 0);
        out.n_errs = 0;
    }
    CHECK(tb_book_i64_n64_create(&b, 0, 256, NULL) == TB_OK);
    memset(&in, 0, sizeof in);
    in.side = out.side;
    in.px = out.px;
    in.qty = out.qty;
    in.n_rows = out.n_msgs ? (size_t)out.row_end[out.n_msgs - 1] : 0;
    in.row_end = out.row_end;
    in.ts = out.ts;
    in.seq = out.seq;
    in.kind = out.kind;
    in.n_msgs = out.n_msgs;
    in.stop_on_crossed = crossed;
    in.per_message = 1;
    memset(&fs, 0, sizeof fs);
    fs.in_sync = 1;
    for (;;) {
        rc = tb_feed_run(b, tb_feed_ops_for(64), &in, r->rows, NULL, scratch, NULL, 0, &fs);
        if (rc == TB_FEED_POLICY) { /* an ERROR message: skipped, as on_error="skip" */
            fs.skipped++;
            fs.msg++;
            continue;
        }
        CHECK(rc == TB_FEED_DONE || rc == TB_FEED_CROSSED || rc == TB_FEED_BOOK_ERROR);
        r->stop = rc;
        if (rc == TB_FEED_CROSSED) r->stop_seq = out.seq[fs.msg - 1];
        if (rc == TB_FEED_BOOK_ERROR) r->stop_seq = out.seq[fs.msg];
        break;
    }
    r->n = fs.out_rows;
    finish(b, &fs, r);
}

/* the driver over two blocks, [0, split) and the rest, with an output of rows_cap rows;
 * copy: through a copy of the shipped ops table (tb_feed_run's traced runs then take the
 * book's bbo_trace, tb__feed_traced, instead of the claimed book's inline set) */
static void driver(const uint8_t *body, size_t n, size_t split, size_t rows_cap, uint32_t crossed, int venue,
                   int copy, result *r) {
    static tb_feed_ops ops_copy;
    const tb_feed_ops *ops = tb_feed_ops_for(64);
    static char buf[MAXN + 1];
    static int8_t scratch[MAXN];
    tb_tardis_scan st;
    tb_tardis_out out;
    tb_tardis_run run;
    tb_feed_state fs;
    tb_book_i64_n64 *b = NULL;
    size_t have = 0, pos = 0, fed = 0, len;
    int eof = 0, stage = 0, symbol = 0, rc;
    memset(r, 0, sizeof *r);
    if (copy) {
        ops_copy = *ops;
        ops = &ops_copy;
    }
    begin(&st, venue);
    columns(&out, rows_cap);
    CHECK(tb_book_i64_n64_create(&b, 0, 256, NULL) == TB_OK);
    memset(&fs, 0, sizeof fs);
    fs.in_sync = 1;
    for (;;) {
        len = symbol ? 0 : have - pos;
        rc = tb_tardis_run_block(&run, &st, buf + pos, len, symbol ? 0 : eof, &out, b, ops, crossed,
                                 r->rows + r->n, MSGS - r->n, scratch, &fs);
        CHECK(rc >= 0 && run.consumed <= len && run.msgs <= MSGS - r->n);
        r->n += run.msgs;
        pos += run.consumed;
        if (rc == TB_TARDIS_RUN_DONE) {
            if (symbol || eof) break;
            memmove(buf, buf + pos, have - pos); /* the partial line to the front, then more */
            have -= pos;
            pos = 0;
            {
                size_t want = stage == 0 ? split : n - fed;
                memcpy(buf + have, body + fed, want);
                fed += want;
                have += want;
                eof = stage == 1;
                stage++;
            }
        } else if (rc == TB_TARDIS_RUN_ERRS) {
            size_t i;
            for (i = 0; i < out.n_errs; i++) {
                if (out.errs[i].msg < 0) symbol = 1;
                else CHECK(out.kind[out.errs[i].msg] == TB__TARDIS_ERROR);
            }
            out.n_errs = 0;
        } else if (rc == TB_TARDIS_RUN_GROW) {
            CHECK(out.n_msgs == 0 && out.rows_cap < MAXN);
            out.rows_cap = out.rows_cap * 2 > MAXN ? MAXN : out.rows_cap * 2;
            out.msgs_cap = out.rows_cap + TB_TARDIS_MSG_ROOM;
        } else if (rc == TB_FEED_POLICY) {
            CHECK(out.kind[fs.msg] == TB__TARDIS_ERROR);
            fs.skipped++;
            fs.msg++;
        } else if (rc == TB_TARDIS_RUN_ROOM) {
            CHECK(MSGS - r->n < out.msgs_cap); /* never short of room here */
            break;
        } else {
            CHECK(rc == TB_FEED_CROSSED || rc == TB_FEED_BOOK_ERROR);
            r->stop = rc;
            r->stop_seq = out.seq[rc == TB_FEED_CROSSED ? fs.msg - 1 : fs.msg];
            break;
        }
    }
    finish(b, &fs, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static result a, d;
    size_t n, split, i;
    uint32_t crossed;
    if (size < 1) return 0;
    n = size - 1 > MAXN ? MAXN : size - 1;
    split = n ? data[0] % (n + 1) : 0;
    crossed = (data[0] >> 7) & 1u;
    reference(data + 1, n, crossed, (int)(n % 2), &a);
    /* bit 6: an output of BIG_OUT rows, so one call runs long traced DELTA runs across the
     * replay loop's TB_FEED_TRACE-message chunks (1-5 rows reach neither) */
    driver(data + 1, n, split, (data[0] & 0x40u) ? BIG_OUT : 1u + data[0] % 5u, crossed, (int)(n % 2),
           (int)((data[0] >> 5) & 1u), &d);
    CHECK(a.stop == d.stop && a.n == d.n);
    if (a.stop != TB_FEED_DONE) CHECK(a.stop_seq == d.stop_seq);
    for (i = 0; i < a.n; i++) {
        const tb_feed_row *x = &a.rows[i], *y = &d.rows[i];
        CHECK(x->ts == y->ts && x->seq == y->seq && x->bid_px == y->bid_px && x->bid_qty == y->bid_qty &&
              x->ask_px == y->ask_px && x->ask_qty == y->ask_qty && x->flags == y->flags);
    }
    CHECK(a.st.messages == d.st.messages && a.st.rows == d.st.rows && a.st.skipped == d.st.skipped &&
          a.st.stale == d.st.stale && a.st.resets == d.st.resets && a.st.resyncs == d.st.resyncs &&
          a.st.crossed == d.st.crossed && a.st.in_sync == d.st.in_sync);
    if (a.stop == TB_FEED_BOOK_ERROR) CHECK(a.st.book_status == d.st.book_status);
    CHECK(a.n_bids == d.n_bids && a.n_asks == d.n_asks);
    for (i = 0; i < (size_t)(a.n_bids > 0 ? a.n_bids : 0); i++)
        CHECK(a.bids[i].px == d.bids[i].px && a.bids[i].qty == d.bids[i].qty);
    for (i = 0; i < (size_t)(a.n_asks > 0 ? a.n_asks : 0); i++)
        CHECK(a.asks[i].px == d.asks[i].px && a.asks[i].qty == d.asks[i].qty);
    return 0;
}
