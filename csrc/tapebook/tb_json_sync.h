/* tb_json_sync.h — Binance diff-depth lines to replay messages in one call per
 * buffer: the frame scanner of tb_json_scan.h plus the venue's documented sync
 * rules, writing the message columns the replay loop (tb_feed_apply.h)
 * consumes. Python then touches a buffer, not a frame.
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
 *       without '\n'), the first being line st->line, appending messages and
 *       rows to out. *consumed is where it stopped (a line start). Returns
 *       TB_JSYNC_DONE (every complete line processed), TB_JSYNC_FULL (no room
 *       in out for the next line: drain and call again; with out empty the
 *       line has more levels than rows_cap), TB_JSYNC_HANDBACK (the line at
 *       *consumed, number st->line, is the caller's), or TB_ERR_NULL /
 *       TB_ERR_BADARG (nothing done).
 */
#ifndef TB_JSON_SYNC_H
#define TB_JSON_SYNC_H

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

/* the replay's sync state; the caller fills it from the REST snapshot and keeps
 * it in step with its own path around handed-back lines */
typedef struct tb_jsync_binance {
    tb_dec_unit tick, lot;
    int futures;
    int synced;             /* 0 after a gap: frames are PRESYNC */
    int have_book_id;       /* an event was applied since the snapshot */
    int64_t last_update_id; /* the snapshot's */
    int64_t book_id;        /* u of the last applied event */
    int sym_state;          /* 0 none yet (the next frame's is taken), 1 symbol[0..sym_len), 2 not comparable */
    size_t sym_len;
    char symbol[TB_JSYNC_SYMBOL];
    int64_t line; /* the number of the next line */
} tb_jsync_binance;

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
} tb_jsync_out;

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

static void tb__jsync_msg(tb_jsync_out *out, uint8_t kind, int64_t ts, int64_t seq, int64_t line) {
    size_t m = out->n_msgs++;
    out->kind[m] = kind;
    out->ts[m] = ts;
    out->seq[m] = seq;
    out->line[m] = line;
    out->row_end[m] = (int64_t)out->n_rows;
}

TB_API int tb_jsync_binance_run(tb_jsync_binance *st, const char *data, size_t len, int final, tb_jsync_out *out,
                                size_t *consumed) {
    size_t pos = 0;
    tb__jscan_lookup lk;
    if (!st || !out || !consumed || (!data && len)) return TB_ERR_NULL;
    if (!out->side || !out->px || !out->qty || !out->row_end || !out->ts || !out->seq || !out->line || !out->kind)
        return TB_ERR_NULL;
    if (out->n_rows > out->rows_cap || out->n_msgs > out->msgs_cap || st->tick.reason || st->lot.reason ||
        !st->tick.mant || !st->lot.mant || st->sym_len > TB_JSYNC_SYMBOL || st->sym_state < 0 || st->sym_state > 2)
        return TB_ERR_BADARG;
    *consumed = 0;
    tb__jscan_lookup_init(&lk, st->futures ? 1u : 0u);
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = (const char *)memchr(line, '\n', len - pos);
        size_t n, next, cnt0, cnt1;
        tb__jscan_frame f;
        tb__jscan_rows rows;
        int64_t ts = 0;
        int verdict;
        if (!nl && !final) break;
        n = nl ? (size_t)(nl - line) : len - pos;
        next = pos + n + (nl ? 1 : 0);
        if (tb__jscan_skip_ws(line, 0, n) == n) { /* whitespace only: no message */
            st->line++;
            pos = next;
            continue;
        }
        *consumed = pos;
        if (out->n_msgs >= out->msgs_cap) return TB_JSYNC_FULL;
        /* shape and conversion (one pass when bids come first) before any state changes:
         * a value that does not convert hands the line back */
        rows.side = out->side;
        rows.px = out->px;
        rows.qty = out->qty;
        rows.at = out->n_rows;
        rows.cap = out->rows_cap;
        rows.full = 0;
        if (!tb__jscan_shape(line, n, &lk, st->tick, st->lot, &f, &rows)) {
            if (rows.full) return TB_JSYNC_FULL;
            rows.at = out->n_rows;
            if (!tb__jsync_wrapped(line, n, &lk, st->tick, st->lot, &f, &rows))
                return rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
        }
        cnt0 = f.levels[0];
        cnt1 = f.levels[1];
        if (cnt0 + cnt1 > out->rows_cap - out->n_rows) return TB_JSYNC_FULL;
        rows.at = out->n_rows;
        if (!f.converted[0] && !tb__jscan_levels(line, f.arr_off[0], n, st->tick, st->lot, 1, &rows, &cnt0))
            return TB_JSYNC_HANDBACK;
        rows.at = out->n_rows + cnt0;
        if (!f.converted[1] && !tb__jscan_levels(line, f.arr_off[1], n, st->tick, st->lot, 0, &rows, &cnt1))
            return TB_JSYNC_HANDBACK;
        if (st->sym_state == 2 || !tb__jsync_time_ns(f.num[TB__JK_E_TIME], &ts)) return TB_JSYNC_HANDBACK;
        if (st->sym_state == 0) {
            if (f.sym_len > TB_JSYNC_SYMBOL) return TB_JSYNC_HANDBACK;
            memcpy(st->symbol, line + f.sym_off, f.sym_len);
            st->sym_len = f.sym_len;
            st->sym_state = 1;
        } else if (f.sym_len != st->sym_len || memcmp(st->symbol, line + f.sym_off, f.sym_len) != 0) {
            tb__jsync_msg(out, TB_JSYNC_NONBOOK, 0, -1, st->line++);
            pos = next;
            continue;
        }
        if (!st->synced) {
            tb__jsync_msg(out, TB_JSYNC_PRESYNC, 0, -1, st->line++);
            pos = next;
            continue;
        }
        verdict = tb__jsync_admit(st, f.num[TB__JK_FIRST], f.num[TB__JK_LAST], f.num[TB__JK_PREV]);
        if (verdict == TB__JS_GAP) return TB_JSYNC_HANDBACK;
        if (verdict == TB__JS_STALE) {
            tb__jsync_msg(out, TB_JSYNC_STALE, 0, -1, st->line++);
        } else {
            st->book_id = f.num[TB__JK_LAST];
            st->have_book_id = 1;
            out->n_rows += cnt0 + cnt1;
            tb__jsync_msg(out, TB_JSYNC_DELTA, ts, f.num[TB__JK_LAST], st->line++);
        }
        pos = next;
    }
    *consumed = pos;
    return TB_JSYNC_DONE;
}

#endif /* TB_JSON_SYNC_H */
