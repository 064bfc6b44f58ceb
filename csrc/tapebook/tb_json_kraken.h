/* tb_json_kraken.h — Kraken spot WebSocket v2 `book` lines to replay messages
 * in one call per buffer: the frame scanner of tb_json_scan.h (layout row
 * TB_JSCAN_KRAKEN for the one object of "data") plus the venue's snapshot /
 * update rules, as the frame function of the shared line loop
 * (tb_json_lines.h). The checksum the frame carries goes into the crc column;
 * the replay loop (tb_feed_apply.h) truncates each side to the subscribed depth
 * after every update and verifies the checksum against the book's top 10
 * levels (tb_venue_crc.h), as tapebook/feeds/kraken.py documents.
 *
 * As for the other venues, only what is certain is decided here; every line
 * this code is not sure about goes back to the caller's fully checked path
 * (tapebook/feeds/kraken.py) before anything changes:
 *   - a line that is not exactly
 *       { "channel": "book", "type": "snapshot" | "update", "data": [ {data object} ] }
 *     (any key order, each key once, no other key; the data object as the
 *     TB_JSCAN_KRAKEN layout says: symbol, bids, asks (arrays of
 *     {"price": number, "qty": number}, each key once, the numbers without
 *     sign or exponent, whole numbers of ticks / lots), checksum (optional, a
 *     non-negative integer), timestamp (optional, an RFC 3339 UTC time in
 *     tb_rfc3339.h's strict form)), or exactly {"channel": "heartbeat"} — subscription
 *     replies, status frames, other channels all go back;
 *   - the first snapshot while the precisions were not given (the caller reads
 *     them from its values and sets its checksum up); a later one raises them
 *     here to the most digits it writes, as kraken.py does (its checksum keeps
 *     the first ones);
 *   - a value with more digits after the point than the known precision (the
 *     caller's error: the checksum could not be computed for it);
 *   - a snapshot or an applying update before the caller has set up the
 *     checksum (ready = 0);
 *   - any frame while the symbol is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (synced, ready, the precisions, index, sym_*) and calls
 * again past it.
 *
 * What a recognised frame becomes (the rules of kraken.py, in its order):
 *   - a heartbeat: NONBOOK;
 *   - another symbol than the replay's (the first book frame's): NONBOOK;
 *   - a snapshot: SNAPSHOT with its rows; in sync;
 *   - an update while out of sync: PRESYNC (ts 0, seq -1, no rows);
 *   - an update: DELTA with its rows.
 * seq is the index of the book message (SNAPSHOT and DELTA count), ts the
 * timestamp in ns (0 without one), crc the checksum & 0xFFFFFFFF (-1 without
 * one); rows are bids then asks.
 *
 * API
 *   int tb_jsync_kraken_run(tb_jsync_kraken *st, const char *data, size_t len,
 *                           int final, tb_jsync_out *out, size_t *consumed);
 *       As tb_jsync_binance_run (tb_json_sync.h), and out->crc must be set;
 *       TB_ERR_BADARG also for a negative precision while have_precision, or
 *       fixed without have_precision; returns as tb_json_lines.h says.
 */
#ifndef TB_JSON_KRAKEN_H
#define TB_JSON_KRAKEN_H

#include "tb_json_lines.h"

/* the replay's sync state; the caller keeps it in step with its own path
 * around handed-back lines */
typedef struct tb_jsync_kraken {
    tb_jsync_head head;                      /* synced: a snapshot was applied */
    int ready;                               /* the caller's checksum is set up: book messages may be decided here */
    int fixed;                               /* the precisions were given: snapshots are decided here too */
    int have_precision;                      /* the two precisions below are known */
    int32_t price_precision, qty_precision; /* digits after the point the venue writes */
    int64_t index;                           /* book messages so far: the seq of the next */
} tb_jsync_kraken;

/* ---- implementation ------------------------------------------------------------------ */

enum tb__jkraken_frame_type { TB__JKR_SNAPSHOT = 1, TB__JKR_UPDATE = 2, TB__JKR_HEARTBEAT = 3 };

/* the wrapper's keys, as bits of `seen` */
enum tb__jkraken_key { TB__JKR_CHANNEL = 1, TB__JKR_TYPE = 2, TB__JKR_DATA = 4 };

static unsigned tb__jkraken_key(const char *k, size_t n) {
    if (n == 7 && memcmp(k, "channel", 7) == 0) return TB__JKR_CHANNEL;
    if (n == 4 && memcmp(k, "type", 4) == 0) return TB__JKR_TYPE;
    if (n == 4 && memcmp(k, "data", 4) == 0) return TB__JKR_DATA;
    return 0;
}

/* the body s[v0..v1) is the word w */
static int tb__jkraken_is(const char *s, size_t v0, size_t v1, const char *w) {
    size_t k = strlen(w);
    return v1 - v0 == k && memcmp(s + v0, w, k) == 0;
}

/* one line as a Kraken v2 frame: its tb__jkraken_frame_type (a book frame's data
 * object and symbol in *f, rows as tb__jscan_object converts them), 0 if it is
 * none of them */
static int tb__jkraken_frame(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                             tb__jscan_frame *f, tb__jscan_rows *rows) {
    size_t i = tb__jscan_skip_ws(s, 0, n);
    unsigned seen = 0;
    int book = 0, heartbeat = 0, type = 0;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1, v0, v1;
        unsigned key;
        i = tb__jscan_str(s, i, n, &k0, &k1);
        if (!i) return 0;
        key = tb__jkraken_key(s + k0, k1 - k0);
        if (!key || (seen & key)) return 0;
        seen |= key;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        if (key == TB__JKR_DATA) { /* an array of exactly one data object */
            if (i >= n || s[i] != '[') return 0;
            i = tb__jscan_object(s, tb__jscan_skip_ws(s, i + 1, n), n, lk, tick, lot, f, rows);
            if (!i) return 0;
            i = tb__jscan_skip_ws(s, i, n);
            if (i >= n || s[i] != ']') return 0;
            i++;
        } else {
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (key == TB__JKR_CHANNEL) {
                book = tb__jkraken_is(s, v0, v1, "book");
                heartbeat = tb__jkraken_is(s, v0, v1, "heartbeat");
                if (!book && !heartbeat) return 0;
            } else if (tb__jkraken_is(s, v0, v1, "snapshot")) {
                type = TB__JKR_SNAPSHOT;
            } else if (tb__jkraken_is(s, v0, v1, "update")) {
                type = TB__JKR_UPDATE;
            } else {
                return 0;
            }
        }
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        return 0;
    }
    if (tb__jscan_skip_ws(s, i + 1, n) != n) return 0;
    if (heartbeat) return seen == TB__JKR_CHANNEL ? TB__JKR_HEARTBEAT : 0;
    return seen == (TB__JKR_CHANNEL | TB__JKR_TYPE | TB__JKR_DATA) ? type : 0;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jkraken_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_kraken *st = (tb_jsync_kraken *)venue;
    tb_jsync_head *h = cx->head;
    tb__jscan_frame f;
    size_t n_rows = 0;
    int type, rc, learn, applies;
    int64_t crc;
    /* shape and conversion before any state changes */
    type = tb__jkraken_frame(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows);
    if (!type) return cx->rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
    if (type == TB__JKR_HEARTBEAT) return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    rc = tb__jlines_rows(cx, s, n, &f, &n_rows);
    if (rc != TB_JSYNC_DONE) return rc;
    /* the symbol: compared now, taken (the first book frame's) only once the line is decided here */
    if (h->sym_state == 2 || (h->sym_state == 0 && f.sym_len > TB_JSYNC_SYMBOL)) return TB_JSYNC_HANDBACK;
    if (h->sym_state == 1 && tb__jlines_symbol(cx, s, &f) == TB__JL_OTHER)
        return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    /* the precisions: a snapshot raises them when they were not given (below); a value
     * with more decimals than they allow is the caller's error */
    learn = type == TB__JKR_SNAPSHOT && !st->fixed;
    if (learn && (!st->have_precision || cx->rows.px_dec > INT32_MAX || cx->rows.qty_dec > INT32_MAX))
        return TB_JSYNC_HANDBACK;
    if (!learn && st->have_precision &&
        (cx->rows.px_dec > (size_t)st->price_precision || cx->rows.qty_dec > (size_t)st->qty_precision))
        return TB_JSYNC_HANDBACK;
    applies = type == TB__JKR_SNAPSHOT || h->synced;
    if (applies && !st->ready) return TB_JSYNC_HANDBACK; /* the caller sets its checksum up first */
    if (h->sym_state == 0) tb__jlines_symbol(cx, s, &f);
    if (learn) {
        if (cx->rows.px_dec > (size_t)st->price_precision) st->price_precision = (int32_t)cx->rows.px_dec;
        if (cx->rows.qty_dec > (size_t)st->qty_precision) st->qty_precision = (int32_t)cx->rows.qty_dec;
    }
    if (!applies) return tb__jlines_emit(cx, TB_JSYNC_PRESYNC, 0, -1, 0, -1);
    crc = (f.seen >> TB_JSCAN_CHECKSUM) & 1u ? (int64_t)((uint64_t)f.num[TB__JK_CHECKSUM] & UINT64_C(0xFFFFFFFF))
                                               : -1;
    if (type == TB__JKR_SNAPSHOT) h->synced = 1;
    st->index++;
    return tb__jlines_emit(cx, type == TB__JKR_SNAPSHOT ? TB_JSYNC_SNAPSHOT : TB_JSYNC_DELTA,
                           f.num[TB__JK_E_TIME], st->index - 1, n_rows, crc);
}

TB_API int tb_jsync_kraken_run(tb_jsync_kraken *st, const char *data, size_t len, int final, tb_jsync_out *out,
                               size_t *consumed) {
    if (!st || (out && !out->crc)) return TB_ERR_NULL;
    if ((st->fixed && !st->have_precision) ||
        (st->have_precision && (st->price_precision < 0 || st->qty_precision < 0)))
        return TB_ERR_BADARG;
    return tb__jlines_run(st, &st->head, TB_JSCAN_KRAKEN, tb__jkraken_line, data, len, final, out, consumed);
}

#endif /* TB_JSON_KRAKEN_H */
