/* tb_json_bybit.h — Bybit v5 orderbook lines to replay messages in one call per
 * buffer: the frame scanner of tb_json_scan.h (layout row TB_JSCAN_BYBIT for the
 * "data" object) plus the venue's sync rules, as the frame function of the
 * shared line loop (tb_json_lines.h), which writes the message columns the
 * replay loop (tb_feed_apply.h) consumes.
 *
 * As for Binance, only what is certain is decided here; every line this code is
 * not sure about goes back to the caller's fully checked path
 * (tapebook/feeds/bybit.py) before anything changes:
 *   - a line that is not exactly
 *       { "topic": string starting "orderbook.", "type": "snapshot" | "delta",
 *         "ts": integer, "cts": integer (optional), "data": {data object} }
 *     (any key order, each key once, no other key; the data object as the
 *     TB_JSCAN_BYBIT layout says, every price / size a whole number of ticks /
 *     lots) — acks, pongs, other topics, unknown types all go back;
 *   - a time (cts when present, else ts) of 2^53 ms or more, or whose ns do not
 *     fit int64;
 *   - a gap (a delta whose u is not the last u + 1) and a delta while in sync
 *     with no u known;
 *   - any frame while the symbol is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (synced, have_u, last_u, sym_*) and calls again past it.
 *
 * What a recognised frame becomes (the rules of bybit.py, in its order):
 *   - another symbol than the replay's (the first frame's): NONBOOK;
 *   - type "snapshot", or u = 1 (the service restarted): SNAPSHOT with its rows;
 *     the book is in sync, its u the frame's;
 *   - a delta while out of sync: PRESYNC (ts 0, seq -1, no rows);
 *   - a delta with u = last u + 1: DELTA with its rows.
 * seq is u, ts the time in ns; rows are bids then asks. Lines holding only JSON
 * whitespace give no message.
 *
 * API
 *   int tb_jsync_bybit_run(tb_jsync_bybit *st, const char *data, size_t len,
 *                          int final, tb_jsync_out *out, size_t *consumed);
 *       As tb_jsync_binance_run (tb_json_sync.h); returns as tb_json_lines.h
 *       says: TB_JSYNC_DONE, TB_JSYNC_FULL, TB_JSYNC_HANDBACK (the line at
 *       *consumed, number st->head.line, is the caller's), or TB_ERR_NULL /
 *       TB_ERR_BADARG (nothing done).
 */
#ifndef TB_JSON_BYBIT_H
#define TB_JSON_BYBIT_H

#include "tb_json_lines.h"

/* the replay's sync state; the caller keeps it in step with its own path
 * around handed-back lines */
typedef struct tb_jsync_bybit {
    tb_jsync_head head; /* synced: a snapshot was applied and no gap since */
    int have_u;         /* last_u holds the u of the last applied frame */
    int64_t last_u;
} tb_jsync_bybit;

/* ---- implementation ------------------------------------------------------------------ */

enum tb__jbybit_type { TB__JB_SNAPSHOT = 1, TB__JB_DELTA = 2 };

/* the wrapper's keys, as bits of `seen` */
enum tb__jbybit_key { TB__JB_TOPIC = 1, TB__JB_TYPE = 2, TB__JB_TS = 4, TB__JB_CTS = 8, TB__JB_DATA = 16 };

static unsigned tb__jbybit_key(const char *k, size_t n) {
    if (n == 5 && memcmp(k, "topic", 5) == 0) return TB__JB_TOPIC;
    if (n == 4 && memcmp(k, "type", 4) == 0) return TB__JB_TYPE;
    if (n == 2 && memcmp(k, "ts", 2) == 0) return TB__JB_TS;
    if (n == 3 && memcmp(k, "cts", 3) == 0) return TB__JB_CTS;
    if (n == 4 && memcmp(k, "data", 4) == 0) return TB__JB_DATA;
    return 0;
}

/* one line as a Bybit orderbook frame: 1 when it is one (data fields in *f,
 * *type, *ms the book time in ms); rows as tb__jscan_object converts them */
static int tb__jbybit_frame(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                            tb__jscan_frame *f, tb__jscan_rows *rows, int *type, int64_t *ms) {
    static const char prefix[] = "orderbook.";
    size_t i = tb__jscan_skip_ws(s, 0, n);
    unsigned seen = 0;
    int64_t ts = 0, cts = 0;
    *type = 0;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1, v0, v1;
        unsigned key;
        i = tb__jscan_str(s, i, n, &k0, &k1);
        if (!i) return 0;
        key = tb__jbybit_key(s + k0, k1 - k0);
        if (!key || (seen & key)) return 0;
        seen |= key;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        switch (key) {
        case TB__JB_TOPIC:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i || v1 - v0 < sizeof prefix - 1 || memcmp(s + v0, prefix, sizeof prefix - 1) != 0) return 0;
            break;
        case TB__JB_TYPE:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (v1 - v0 == 8 && memcmp(s + v0, "snapshot", 8) == 0)
                *type = TB__JB_SNAPSHOT;
            else if (v1 - v0 == 5 && memcmp(s + v0, "delta", 5) == 0)
                *type = TB__JB_DELTA;
            else
                return 0;
            break;
        case TB__JB_TS:
            i = tb__jscan_int(s, i, n, &ts);
            break;
        case TB__JB_CTS:
            i = tb__jscan_int(s, i, n, &cts);
            break;
        default:
            i = tb__jscan_object(s, i, n, lk, tick, lot, f, rows);
            break;
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
    if ((seen & (TB__JB_TOPIC | TB__JB_TYPE | TB__JB_TS | TB__JB_DATA)) !=
        (TB__JB_TOPIC | TB__JB_TYPE | TB__JB_TS | TB__JB_DATA))
        return 0;
    *ms = (seen & TB__JB_CTS) ? cts : ts;
    return tb__jscan_skip_ws(s, i + 1, n) == n;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jbybit_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_bybit *st = (tb_jsync_bybit *)venue;
    tb_jsync_head *h = cx->head;
    tb__jscan_frame f;
    size_t n_rows = 0;
    int type, rc;
    int64_t ms = 0, u;
    /* shape and conversion before any state changes */
    if (!tb__jbybit_frame(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows, &type, &ms))
        return cx->rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
    rc = tb__jlines_rows(cx, s, n, &f, &n_rows);
    if (rc != TB_JSYNC_DONE) return rc;
    /* the checked path takes ms below 2^53 only, and its ns must fit int64 */
    if (ms >= (INT64_C(1) << 53) || ms > INT64_MAX / 1000000) return TB_JSYNC_HANDBACK;
    u = f.num[TB__JK_LAST];
    if (type == TB__JB_DELTA && u != 1 && h->synced && (!st->have_u || u - 1 != st->last_u))
        return TB_JSYNC_HANDBACK; /* a gap: the caller's note and on_gap */
    switch (tb__jlines_symbol(cx, s, &f)) {
    case TB__JL_BACK:
        return TB_JSYNC_HANDBACK;
    case TB__JL_OTHER:
        return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    default:
        break;
    }
    if (type == TB__JB_SNAPSHOT || u == 1) { /* u = 1: the service restarted; overwrite the book */
        h->synced = 1;
        st->have_u = 1;
        st->last_u = u;
        return tb__jlines_emit(cx, TB_JSYNC_SNAPSHOT, ms * 1000000, u, n_rows, -1);
    }
    if (!h->synced) return tb__jlines_emit(cx, TB_JSYNC_PRESYNC, 0, -1, 0, -1);
    st->last_u = u;
    return tb__jlines_emit(cx, TB_JSYNC_DELTA, ms * 1000000, u, n_rows, -1);
}

TB_API int tb_jsync_bybit_run(tb_jsync_bybit *st, const char *data, size_t len, int final, tb_jsync_out *out,
                              size_t *consumed) {
    if (!st) return TB_ERR_NULL;
    return tb__jlines_run(st, &st->head, TB_JSCAN_BYBIT, tb__jbybit_line, data, len, final, out, consumed);
}

#endif /* TB_JSON_BYBIT_H */
