/* tb_json_lines.h — the chunk/line loop every JSON venue's C sync path shares:
 * newline search, blank lines, the resume offset, output capacity, the rows
 * cursor and the line count, around ONE per-venue frame function that turns a
 * line into a replay message (tb_json_sync.h: Binance, tb_json_bybit.h: Bybit,
 * tb_json_okx.h: OKX, tb_json_kraken.h: Kraken).
 *
 * The contract with a venue (what makes the hand-back to Python safe): a frame
 * function either appends exactly one message through tb__jlines_emit and
 * returns TB_JSYNC_DONE, or changes nothing (no state, no committed rows) and
 * returns TB_JSYNC_FULL or TB_JSYNC_HANDBACK. The loop then stops at that
 * line's start, so the caller can drain the output or run the line through its
 * own checked path and call again past it.
 *
 * Every venue's state starts with a tb_jsync_head: the units, whether the book
 * is in sync, the replay's symbol and the number of the next line. The Python
 * driver (tapebook/feeds/_json_loop.py) copies these fields the same way for
 * every venue.
 *
 * Return values of the venues' run functions (tb_jsync_*_run):
 *   TB_JSYNC_DONE      every complete line processed (final = 1: also a last
 *                      line without '\n'); *consumed = where the lines end;
 *   TB_JSYNC_FULL      no room in out for the next line (drain and call again;
 *                      with out empty the line has more levels than rows_cap);
 *   TB_JSYNC_HANDBACK  the line at *consumed, number head.line, is the caller's;
 *   TB_ERR_NULL / TB_ERR_BADARG  nothing done.
 */
#ifndef TB_JSON_LINES_H
#define TB_JSON_LINES_H

#include "tb_json_scan.h"

enum tb_jsync_status { TB_JSYNC_DONE = 0, TB_JSYNC_FULL = 1, TB_JSYNC_HANDBACK = 2 };

/* message kinds written: the values of tb_feed_kind (tb_feed_apply.h) */
enum tb_jsync_kind {
    TB_JSYNC_DELTA = 0,
    TB_JSYNC_SNAPSHOT = 1,
    TB_JSYNC_NONBOOK = 3,
    TB_JSYNC_STALE = 4,
    TB_JSYNC_PRESYNC = 5
};

enum tb_jsync_limit { TB_JSYNC_SYMBOL = 64 };

/* the message columns (as tapebook/feeds/_reader.py's MessageBatch) */
typedef struct tb_jsync_out {
    uint8_t *side;
    int64_t *px;
    uint64_t *qty;
    size_t rows_cap, n_rows;
    int64_t *row_end;
    int64_t *ts;
    int64_t *seq;
    int64_t *line;
    uint8_t *kind;
    size_t msgs_cap, n_msgs;
    int64_t *crc; /* the checksum the frame sent (unsigned 32 bits) or -1; NULL: not written
                   * (a venue that sends checksums needs it) */
} tb_jsync_out;

/* the part of every venue's sync state the loop and the Python driver share */
typedef struct tb_jsync_head {
    tb_dec_unit tick, lot;
    int synced;    /* 0 before the first snapshot / after a gap */
    int sym_state; /* 0 none yet (the next frame's is taken), 1 symbol[0..sym_len), 2 not comparable */
    size_t sym_len;
    char symbol[TB_JSYNC_SYMBOL];
    int64_t line; /* the number of the next line */
} tb_jsync_head;

/* ---- implementation ------------------------------------------------------------------ */

/* what a frame function gets for one line */
typedef struct tb__jlines_cx {
    tb_jsync_head *head;
    tb_jsync_out *out;
    const tb__jscan_lookup *lk; /* the venue's layout row */
    tb__jscan_rows rows;        /* the line's rows go from out->n_rows on */
    const char *sym_text;       /* the symbol the line names, taken when its message is emitted */
    size_t sym_len;
    int sym_take;               /* 1: the replay has no symbol yet; sym_text becomes it at emit */
    tb__rfc_minute minute;      /* the minute of the last text time read (tb_rfc3339.h) */
} tb__jlines_cx;

/* a venue: the non-blank line s[0..n) (number head->line) to one message, or
 * nothing changed and FULL / HANDBACK (see the contract above) */
typedef int (*tb__jlines_frame_fn)(void *venue, tb__jlines_cx *cx, const char *s, size_t n);

/* (inline: a venue without level arrays, Coinbase, does not call it) the rows of
 * a recognised frame: the levels the shape pass left unconverted
 * converted now, bids then asks, at out->n_rows (not yet committed: *n_rows of
 * them); TB_JSYNC_DONE, or FULL / HANDBACK (a value that does not convert) */
static inline int tb__jlines_rows(tb__jlines_cx *cx, const char *s, size_t n, const tb__jscan_frame *f, size_t *n_rows) {
    tb_jsync_out *out = cx->out;
    const tb_jsync_head *h = cx->head;
    size_t cnt0 = f->levels[0], cnt1 = f->levels[1];
    if (cnt0 + cnt1 > out->rows_cap - out->n_rows) return TB_JSYNC_FULL;
    cx->rows.at = out->n_rows;
    if (!f->converted[0] && !tb__jscan_levels(s, f->arr_off[0], n, cx->lk->l->level_strings, h->tick, h->lot, 1, &cx->rows, &cnt0))
        return TB_JSYNC_HANDBACK;
    cx->rows.at = out->n_rows + cnt0;
    if (!f->converted[1] && !tb__jscan_levels(s, f->arr_off[1], n, cx->lk->l->level_strings, h->tick, h->lot, 0, &cx->rows, &cnt1))
        return TB_JSYNC_HANDBACK;
    *n_rows = cnt0 + cnt1;
    return TB_JSYNC_DONE;
}

enum tb__jlines_symbol { TB__JL_SAME = 0, TB__JL_OTHER = 1, TB__JL_BACK = 2 };

/* the frame's symbol against the replay's: SAME, OTHER, or BACK (a symbol this
 * code cannot hold or compare: the caller's). With none yet the frame's is the
 * replay's (SAME), taken only when the line's message is emitted
 * (tb__jlines_emit): a line handed back or refused afterwards changes nothing. */
static int tb__jlines_symbol(tb__jlines_cx *cx, const char *s, const tb__jscan_frame *f) {
    const tb_jsync_head *h = cx->head;
    if (h->sym_state == 2) return TB__JL_BACK;
    if (h->sym_state == 0) {
        if (f->sym_len > TB_JSYNC_SYMBOL) return TB__JL_BACK;
        cx->sym_text = s + f->sym_off;
        cx->sym_len = f->sym_len;
        cx->sym_take = 1;
        return TB__JL_SAME;
    }
    return f->sym_len == h->sym_len && memcmp(h->symbol, s + f->sym_off, f->sym_len) == 0 ? TB__JL_SAME
                                                                                           : TB__JL_OTHER;
}

/* the line's one message, with the first n_rows rows at out->n_rows and the
 * frame's checksum (-1: none); TB_JSYNC_DONE */
static int tb__jlines_emit(tb__jlines_cx *cx, uint8_t kind, int64_t ts, int64_t seq, size_t n_rows, int64_t crc) {
    tb_jsync_out *out = cx->out;
    tb_jsync_head *h = cx->head;
    size_t m = out->n_msgs++;
    if (cx->sym_take) { /* the line is decided: the replay's symbol is the one it named */
        memcpy(h->symbol, cx->sym_text, cx->sym_len);
        h->sym_len = cx->sym_len;
        h->sym_state = 1;
    }
    out->n_rows += n_rows;
    out->kind[m] = kind;
    out->ts[m] = ts;
    out->seq[m] = seq;
    out->line[m] = h->line;
    out->row_end[m] = (int64_t)out->n_rows;
    if (out->crc) out->crc[m] = crc;
    return TB_JSYNC_DONE;
}

/* the loop: arguments checked, then every complete line of data[0..len) */
static int tb__jlines_run(void *venue, tb_jsync_head *h, size_t layout, tb__jlines_frame_fn frame,
                          const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed) {
    size_t pos = 0;
    tb__jscan_lookup lk;
    tb__jlines_cx cx;
    if (!venue || !h || !out || !consumed || (!data && len)) return TB_ERR_NULL;
    if (!out->side || !out->px || !out->qty || !out->row_end || !out->ts || !out->seq || !out->line || !out->kind)
        return TB_ERR_NULL;
    if (out->n_rows > out->rows_cap || out->n_msgs > out->msgs_cap || h->tick.reason || h->lot.reason ||
        !h->tick.mant || !h->lot.mant || h->sym_len > TB_JSYNC_SYMBOL || h->sym_state < 0 || h->sym_state > 2)
        return TB_ERR_BADARG;
    *consumed = 0;
    tb__jscan_lookup_init(&lk, layout);
    cx.head = h;
    cx.out = out;
    cx.lk = &lk;
    cx.rows.side = out->side;
    cx.rows.px = out->px;
    cx.rows.qty = out->qty;
    cx.rows.cap = out->rows_cap;
    cx.sym_text = NULL;
    cx.sym_len = 0;
    cx.sym_take = 0;
    cx.minute.valid = 0;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = (const char *)memchr(line, '\n', len - pos);
        size_t n, next;
        int rc;
        if (!nl && !final) break;
        n = nl ? (size_t)(nl - line) : len - pos;
        next = pos + n + (nl ? 1 : 0);
        if (tb__jscan_skip_ws(line, 0, n) != n) { /* a line of whitespace only gives no message */
            *consumed = pos;
            if (out->n_msgs >= out->msgs_cap) return TB_JSYNC_FULL;
            cx.rows.at = out->n_rows;
            cx.rows.full = 0;
            cx.rows.px_dec = cx.rows.qty_dec = 0;
            cx.sym_take = 0;
            rc = frame(venue, &cx, line, n);
            if (rc != TB_JSYNC_DONE) return rc;
        }
        h->line++;
        pos = next;
    }
    *consumed = pos;
    return TB_JSYNC_DONE;
}

#endif /* TB_JSON_LINES_H */
