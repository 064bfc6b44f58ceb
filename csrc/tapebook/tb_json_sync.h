/* tb_json_sync.h — Binance diff-depth lines to replay messages in one call per
 * buffer: the frame scanner of tb_json_scan.h plus the venue's documented sync
 * rules, as the frame function of the shared line loop (tb_json_lines.h), which
 * writes the message columns the replay loop (tb_feed_apply.h) consumes.
 * Python then touches a buffer, not a frame.
 *
 * Only what is certain is decided here; every line this code is not sure about
 * is handed back to the caller's fully checked path (tapebook/feeds/binance.py)
 * before anything changes, so behaviour for anything unusual is that path's:
 *   - a line the scanner does not recognise (see tb_json_scan.h), also inside
 *     the combined-stream wrapper {"stream": "...", "data": {frame}} (exactly
 *     these two keys, each once);
 *   - an event time E whose nanoseconds would not fit int64;
 *   - a gap (the caller raises or resyncs, with its own note);
 *   - any frame while the symbol is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (synced, have_book_id, book_id, sym_*) and calls again
 * past it with line + 1.
 *
 * What a recognised frame becomes (the rules of binance.py, in its order):
 *   - another symbol than the replay's (the first frame's, or the caller's):
 *     NONBOOK; while out of sync: PRESYNC (both ts 0, seq -1, no rows);
 *   - spot, before the first applied event: u <= lastUpdateId is STALE;
 *     U <= lastUpdateId + 1 applies, else a gap. After it (book id = the last
 *     applied u): u < book id is STALE; U <= book id + 1 applies, else a gap;
 *   - futures, before the first applied event: u < lastUpdateId is STALE;
 *     U <= lastUpdateId applies, else a gap. After it: pu == book id applies,
 *     else a gap;
 *   - an applied event is a DELTA with seq u, ts E in ns (E >= 1e14 is in
 *     microseconds, else milliseconds), its bids then its asks as rows.
 * Lines holding only JSON whitespace give no message.
 *
 * API
 *   int tb_jsync_binance_run(tb_jsync_binance *st, const char *data, size_t len,
 *                            int final, tb_jsync_out *out, size_t *consumed);
 *       Process the complete lines of data[0..len) (final = 1: also a last line
 *       without '\n'), the first being line st->head.line, appending messages
 *       and rows to out; returns as tb_json_lines.h says (TB_JSYNC_DONE,
 *       TB_JSYNC_FULL, TB_JSYNC_HANDBACK, or TB_ERR_NULL / TB_ERR_BADARG with
 *       nothing done).
 */
#ifndef TB_JSON_SYNC_H
#define TB_JSON_SYNC_H

#include "tb_json_lines.h"

/* the replay's sync state; the caller fills it from the REST snapshot and keeps
 * it in step with its own path around handed-back lines */
typedef struct tb_jsync_binance {
    tb_jsync_head head;     /* synced: 0 after a gap (frames are PRESYNC) */
    int futures;
    int have_book_id;       /* an event was applied since the snapshot */
    int64_t last_update_id; /* the snapshot's */
    int64_t book_id;        /* u of the last applied event */
} tb_jsync_binance;

/* ---- implementation ------------------------------------------------------------------ */

/* {"stream": string, "data": frame} at s[i] == '{': 1 when it is one (the frame in *f) */
static int tb__jsync_wrapped(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                             tb__jscan_frame *f, tb__jscan_rows *rows) {
    size_t i = tb__jscan_skip_ws(s, 0, n);
    unsigned seen = 0;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1, v0, v1;
        unsigned key;
        i = tb__jscan_str(s, i, n, &k0, &k1);
        if (!i) return 0;
        if (k1 - k0 == 6 && memcmp(s + k0, "stream", 6) == 0)
            key = 1u;
        else if (k1 - k0 == 4 && memcmp(s + k0, "data", 4) == 0)
            key = 2u;
        else
            return 0;
        if (seen & key) return 0;
        seen |= key;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        i = key == 1u ? tb__jscan_str(s, i, n, &v0, &v1) : tb__jscan_object(s, i, n, lk, tick, lot, f, rows);
        if (!i) return 0;
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        return 0;
    }
    return seen == 3u && tb__jscan_skip_ws(s, i + 1, n) == n;
}

/* E in ns; 0 when it does not fit int64 */
static int tb__jsync_time_ns(int64_t e, int64_t *ns) {
    int64_t mult = e >= INT64_C(100000000000000) ? 1000 : 1000000;
    if (e > INT64_MAX / mult) return 0;
    *ns = e * mult;
    return 1;
}

enum tb__jsync_verdict { TB__JS_APPLY = 0, TB__JS_STALE = 1, TB__JS_GAP = 2 };

/* the venue's rule for an in-sync frame (ids are non-negative, below 1e18: no overflow) */
static int tb__jsync_admit(const tb_jsync_binance *st, int64_t first, int64_t last, int64_t prev) {
    if (!st->have_book_id) {
        int64_t lid = st->last_update_id;
        if (st->futures) {
            if (last < lid) return TB__JS_STALE;
            return first > lid ? TB__JS_GAP : TB__JS_APPLY;
        }
        if (last <= lid) return TB__JS_STALE;
        return first - 1 > lid ? TB__JS_GAP : TB__JS_APPLY;
    }
    if (st->futures) return prev == st->book_id ? TB__JS_APPLY : TB__JS_GAP;
    if (last < st->book_id) return TB__JS_STALE;
    return first - 1 > st->book_id ? TB__JS_GAP : TB__JS_APPLY;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jsync_binance_frame(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_binance *st = (tb_jsync_binance *)venue;
    tb_jsync_head *h = cx->head;
    tb__jscan_frame f;
    size_t n_rows = 0;
    int64_t ts = 0;
    int rc, verdict;
    /* shape and conversion (one pass when bids come first) before any state changes:
     * a value that does not convert hands the line back */
    if (!tb__jscan_shape(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows)) {
        if (cx->rows.full) return TB_JSYNC_FULL;
        cx->rows.at = cx->out->n_rows;
        if (!tb__jsync_wrapped(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows))
            return cx->rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
    }
    rc = tb__jlines_rows(cx, s, n, &f, &n_rows);
    if (rc != TB_JSYNC_DONE) return rc;
    if (!tb__jsync_time_ns(f.num[TB__JK_E_TIME], &ts)) return TB_JSYNC_HANDBACK;
    switch (tb__jlines_symbol(cx, s, &f)) {
    case TB__JL_BACK:
        return TB_JSYNC_HANDBACK;
    case TB__JL_OTHER:
        return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    default:
        break;
    }
    if (!h->synced) return tb__jlines_emit(cx, TB_JSYNC_PRESYNC, 0, -1, 0, -1);
    verdict = tb__jsync_admit(st, f.num[TB__JK_FIRST], f.num[TB__JK_LAST], f.num[TB__JK_PREV]);
    if (verdict == TB__JS_GAP) return TB_JSYNC_HANDBACK;
    if (verdict == TB__JS_STALE) return tb__jlines_emit(cx, TB_JSYNC_STALE, 0, -1, 0, -1);
    st->book_id = f.num[TB__JK_LAST];
    st->have_book_id = 1;
    return tb__jlines_emit(cx, TB_JSYNC_DELTA, ts, f.num[TB__JK_LAST], n_rows, -1);
}

TB_API int tb_jsync_binance_run(tb_jsync_binance *st, const char *data, size_t len, int final, tb_jsync_out *out,
                                size_t *consumed) {
    if (!st) return TB_ERR_NULL;
    return tb__jlines_run(st, &st->head, st->futures ? TB_JSCAN_BINANCE_FUTURES : TB_JSCAN_BINANCE,
                          tb__jsync_binance_frame, data, len, final, out, consumed);
}

#endif /* TB_JSON_SYNC_H */
