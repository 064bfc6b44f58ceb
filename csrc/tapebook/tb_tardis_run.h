/* tb_tardis_run.h — Tardis incremental_book_L2 bytes -> the replay's BBO rows, one call
 * per block.
 *
 * The reader path (tapebook/feeds/_tardis_scan.py) scans a batch of rows into numpy
 * columns, hands them to the engine, whose tb_feed_run applies them, and allocates the
 * next batch's columns: the rows make a round trip through memory and Python runs per
 * batch. This driver runs the same two C steps — tb_tardis_scan_buf (tb_tardis_scan.h),
 * then tb_feed_run (tb_feed_apply.h) over the complete messages — in one call, and drops
 * the applied messages from the scanner's output at once (the open message's rows to the
 * front), so the same few columns are reused, hot in the cache. The output is the reader
 * path's by construction: the same functions, the same rows, counters and stops.
 *
 * API
 *   int tb_tardis_run_block(tb_tardis_run *r, tb_tardis_scan *st, char *data, size_t len,
 *                           int final, tb_tardis_out *out, void *book, const tb_feed_ops *ops,
 *                           uint32_t stop_on_crossed, tb_feed_row *rows, size_t room,
 *                           int8_t *scratch, tb_feed_state *fst);
 *       Applies out's complete messages not yet applied (from fst->msg), then scans
 *       data[0..len) (final: as tb_tardis_scan_buf) and applies what it closes, while rows
 *       (room BBO rows) can take another output's worth of messages (out->msgs_cap).
 *       scratch: out->rows_cap bytes. r->msgs: BBO rows written, r->consumed: bytes of
 *       data consumed. Returns
 *         TB_TARDIS_RUN_DONE     every complete line of data is applied (with final, the
 *                                file's last message too);
 *         TB_TARDIS_RUN_ROOM     rows is full: call again with new room and the data after
 *                                r->consumed;
 *         TB_TARDIS_RUN_ERRS     the scanner wrote error records (out->errs; their msg
 *                                indices are out's): the caller reads them, sets
 *                                out->n_errs = 0 and calls again with the data after
 *                                r->consumed (the messages are applied then). A second
 *                                symbol is one of them (msg -1): the scan stopped at its
 *                                line; a call with len 0, final 0 applies the messages
 *                                before it;
 *         TB_TARDIS_RUN_GROW     one message has more rows than out holds: the caller gives
 *                                out larger columns (the rows it holds kept) and calls again;
 *         TB_FEED_POLICY, TB_FEED_CROSSED, TB_FEED_BOOK_ERROR
 *                                tb_feed_run's stops at out's message fst->msg (- 1 for
 *                                CROSSED): the caller applies its policy and, to go on,
 *                                calls again (fst->msg + 1 after a POLICY stop);
 *         a tb_status < 0        bad arguments (nothing done).
 *
 * No allocation; no UB for any bytes.
 */
#ifndef TB_TARDIS_RUN_H
#define TB_TARDIS_RUN_H

#include "tb_feed_apply.h"
#include "tb_tardis_scan.h"

/* tb_tardis_run_block's own stops (beside tb_feed_stop's POLICY, CROSSED, BOOK_ERROR) */
enum tb_tardis_run_stop {
    TB_TARDIS_RUN_DONE = 0,
    TB_TARDIS_RUN_ROOM = 5,
    TB_TARDIS_RUN_ERRS = 6,
    TB_TARDIS_RUN_GROW = 7
};

typedef struct tb_tardis_run {
    size_t msgs;     /* out: BBO rows written by the last call */
    size_t consumed; /* out: bytes of data consumed by the last call */
    tb_feed_batch batch;
} tb_tardis_run;

/* out's complete messages from fst->msg on through tb_feed_run, their rows at
 * rows + r->msgs; then, all applied, dropped (the open message's rows to the front) */
static int tb__tardis_run_apply(tb_tardis_run *r, tb_tardis_scan *st, tb_tardis_out *out, void *book,
                                const tb_feed_ops *ops, uint32_t stop_on_crossed, tb_feed_row *rows, int8_t *scratch,
                                tb_feed_state *fst) {
    const size_t m = out->n_msgs, closed = m ? (size_t)out->row_end[m - 1] : 0;
    size_t i;
    if (fst->msg < m) {
        int rc;
        memset(&r->batch, 0, sizeof r->batch);
        r->batch.side = out->side;
        r->batch.px = out->px;
        r->batch.qty = out->qty;
        r->batch.n_rows = closed;
        r->batch.row_end = out->row_end;
        r->batch.ts = out->ts;
        r->batch.seq = out->seq;
        r->batch.kind = out->kind;
        r->batch.n_msgs = m;
        r->batch.stop_on_crossed = stop_on_crossed;
        fst->out_rows = 0;
        rc = tb_feed_run(book, ops, &r->batch, rows + r->msgs, NULL, scratch, NULL, 0, fst);
        r->msgs += fst->out_rows;
        if (rc != TB_FEED_DONE) return rc;
    }
    for (i = closed; i < out->n_rows; i++) {
        out->side[i - closed] = out->side[i];
        out->px[i - closed] = out->px[i];
        out->qty[i - closed] = out->qty[i];
    }
    out->n_rows -= closed;
    out->n_msgs = 0;
    st->open_row0 = 0;
    fst->msg = 0;
    return TB_FEED_DONE;
}

TB_API int tb_tardis_run_block(tb_tardis_run *r, tb_tardis_scan *st, char *data, size_t len, int final,
                               tb_tardis_out *out, void *book, const tb_feed_ops *ops, uint32_t stop_on_crossed,
                               tb_feed_row *rows, size_t room, int8_t *scratch, tb_feed_state *fst) {
    int scanned = 0; /* the scanner took every complete line (and, final, closed the file's last message) */
    if (!r || !st || !out || !book || !ops || !rows || !scratch || !fst || (len && !data)) return TB_ERR_NULL;
    if (!tb__tardis_out_ok(out) || out->msgs_cap < (size_t)TB_TARDIS_MSG_ROOM || room < out->msgs_cap ||
        out->n_errs || fst->msg > out->n_msgs || st->open_row0 > out->n_rows ||
        (out->n_msgs && (out->row_end[out->n_msgs - 1] < 0 || (size_t)out->row_end[out->n_msgs - 1] > out->n_rows)))
        return TB_ERR_BADARG;
    r->msgs = 0;
    r->consumed = 0;
    for (;;) {
        size_t c = 0;
        int s = tb__tardis_run_apply(r, st, out, book, ops, stop_on_crossed, rows, scratch, fst);
        if (s != TB_FEED_DONE) return s;
        if (scanned) return TB_TARDIS_RUN_DONE;
        if (room - r->msgs < out->msgs_cap) return TB_TARDIS_RUN_ROOM;
        s = tb_tardis_scan_buf(st, data + r->consumed, len - r->consumed, final, out, &c);
        if (s < 0) return s;
        r->consumed += c;
        if (out->n_errs) return TB_TARDIS_RUN_ERRS; /* a second symbol among them: the caller stops */
        if (s == TB_TARDIS_FULL && out->n_msgs == 0) return TB_TARDIS_RUN_GROW; /* (the errors' room is empty) */
        scanned = s == TB_TARDIS_DONE;
    }
}

#endif /* TB_TARDIS_RUN_H */
