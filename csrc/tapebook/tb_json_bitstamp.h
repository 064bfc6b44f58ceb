/* tb_json_bitstamp.h — Bitstamp diff_order_book lines to replay messages in one
 * call per buffer: the frame scanner of tb_json_scan.h (layout row
 * TB_JSCAN_BITSTAMP for the "data" object) plus the venue's microtimestamp rule
 * against the REST book, as the frame function of the shared line loop
 * (tb_json_lines.h).
 *
 * As for the other venues, only what is certain is decided here; every line
 * this code is not sure about goes back to the caller's fully checked path
 * (tapebook/feeds/bitstamp.py) before anything changes:
 *   - a line that is not exactly
 *       { "data": {data object}, "channel": "diff_order_book_" + pair,
 *         "event": "data" }
 *     (any key order, each key once, no other key; the data object as the
 *     TB_JSCAN_BITSTAMP layout says: timestamp (a string, optional, not used),
 *     microtimestamp (a string of at most 18 digits, no leading zero), bids,
 *     asks (levels of two strings, whole numbers of ticks / lots)) —
 *     subscription replies, heartbeats, reconnect requests, trades go back;
 *   - a microtimestamp whose ns do not fit int64;
 *   - any frame while the pair is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (index, sym_*) and calls again past it.
 *
 * What a recognised frame becomes (the rules of bitstamp.py, in its order):
 *   - another pair than the replay's (the first frame's): NONBOOK;
 *   - microtimestamp at or before the REST book's: STALE (ts 0, seq -1, no rows);
 *   - else a DELTA with seq = the message index (the REST book is 0; index
 *     counts on), ts the microtimestamp in ns, its bids then its asks as rows.
 * The channel has no sequence number: no gap exists.
 *
 * API
 *   int tb_jsync_bitstamp_run(tb_jsync_bitstamp *st, const char *data, size_t len,
 *                             int final, tb_jsync_out *out, size_t *consumed);
 *       As tb_jsync_binance_run (tb_json_sync.h); returns as tb_json_lines.h
 *       says.
 */
#ifndef TB_JSON_BITSTAMP_H
#define TB_JSON_BITSTAMP_H

#include "tb_json_lines.h"

/* the replay's state; the caller sets snapshot_us and index from the REST book
 * and keeps index in step with its own path around handed-back lines */
typedef struct tb_jsync_bitstamp {
    tb_jsync_head head;
    int64_t snapshot_us; /* the REST book's microtimestamp: frames at or before it are stale */
    int64_t index;       /* the seq of the next applied frame */
} tb_jsync_bitstamp;

/* ---- implementation ------------------------------------------------------------------ */

/* the wrapper's keys, as bits of `seen` */
enum tb__jbst_key { TB__JT_DATA = 1, TB__JT_CHANNEL = 2, TB__JT_EVENT = 4 };

/* one line as a diff_order_book frame: 1 when it is one (data fields and the
 * pair in *f); rows as tb__jscan_object converts them */
static int tb__jbst_frame(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                          tb__jscan_frame *f, tb__jscan_rows *rows) {
    static const char prefix[] = "diff_order_book_";
    size_t i = tb__jscan_skip_ws(s, 0, n), sym_off = 0, sym_len = 0;
    unsigned seen = 0;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1, v0, v1, len;
        unsigned key;
        i = tb__jscan_str(s, i, n, &k0, &k1);
        if (!i) return 0;
        len = k1 - k0;
        key = len == 4 && memcmp(s + k0, "data", 4) == 0      ? (unsigned)TB__JT_DATA
              : len == 7 && memcmp(s + k0, "channel", 7) == 0 ? (unsigned)TB__JT_CHANNEL
              : len == 5 && memcmp(s + k0, "event", 5) == 0   ? (unsigned)TB__JT_EVENT
                                                              : 0u;
        if (!key || (seen & key)) return 0;
        seen |= key;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        if (key == TB__JT_DATA) {
            i = tb__jscan_object(s, i, n, lk, tick, lot, f, rows);
        } else {
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (key == TB__JT_EVENT) {
                if (v1 - v0 != 4 || memcmp(s + v0, "data", 4) != 0) return 0;
            } else {
                if (v1 - v0 < sizeof prefix - 1 || memcmp(s + v0, prefix, sizeof prefix - 1) != 0) return 0;
                sym_off = v0 + sizeof prefix - 1;
                sym_len = v1 - sym_off;
            }
        }
        if (!i) return 0;
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        return 0;
    }
    if (seen != (TB__JT_DATA | TB__JT_CHANNEL | TB__JT_EVENT)) return 0;
    f->sym_off = sym_off;
    f->sym_len = sym_len;
    return tb__jscan_skip_ws(s, i + 1, n) == n;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jbst_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_bitstamp *st = (tb_jsync_bitstamp *)venue;
    tb_jsync_head *h = cx->head;
    tb__jscan_frame f;
    size_t n_rows = 0;
    int rc;
    int64_t us;
    /* shape and conversion before any state changes */
    if (!tb__jbst_frame(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows))
        return cx->rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
    rc = tb__jlines_rows(cx, s, n, &f, &n_rows);
    if (rc != TB_JSYNC_DONE) return rc;
    us = f.num[TB__JK_E_TIME];
    if (us > INT64_MAX / 1000 || st->index == INT64_MAX) return TB_JSYNC_HANDBACK; /* the checked path's */
    switch (tb__jlines_symbol(cx, s, &f)) {
    case TB__JL_BACK:
        return TB_JSYNC_HANDBACK;
    case TB__JL_OTHER:
        return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    default:
        break;
    }
    if (us <= st->snapshot_us) return tb__jlines_emit(cx, TB_JSYNC_STALE, 0, -1, 0, -1);
    return tb__jlines_emit(cx, TB_JSYNC_DELTA, us * 1000, st->index++, n_rows, -1);
}

TB_API int tb_jsync_bitstamp_run(tb_jsync_bitstamp *st, const char *data, size_t len, int final, tb_jsync_out *out,
                                 size_t *consumed) {
    if (!st) return TB_ERR_NULL;
    if (st->index < 0) return TB_ERR_BADARG;
    return tb__jlines_run(st, &st->head, TB_JSCAN_BITSTAMP, tb__jbst_line, data, len, final, out, consumed);
}

#endif /* TB_JSON_BITSTAMP_H */
