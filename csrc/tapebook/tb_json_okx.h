/* tb_json_okx.h — OKX v5 `books` lines to replay messages in one call per
 * buffer: the frame scanner of tb_json_scan.h (layout row TB_JSCAN_OKX for the
 * one object of "data") plus the venue's seqId / prevSeqId rules, as the frame
 * function of the shared line loop (tb_json_lines.h). The checksum the frame
 * carries goes into the crc column; the replay loop (tb_feed_apply.h) verifies
 * it against the book's top 25 levels written as OKX's strings
 * (tb_venue_crc.h), as tapebook/feeds/_checksums.py documents.
 *
 * As for Binance and Bybit, only what is certain is decided here; every line
 * this code is not sure about goes back to the caller's fully checked path
 * (tapebook/feeds/okx.py) before anything changes:
 *   - a line that is not exactly
 *       { "arg": { "channel": "books", "instId": string },
 *         "action": "snapshot" | "update", "data": [ {data object} ] }
 *     (any key order, each key once, no other key; the data object as the
 *     TB_JSCAN_OKX layout says: asks, bids (levels of four strings, price and
 *     size whole numbers of ticks / lots), ts (a string of digits), seqId,
 *     prevSeqId (integers, may be negative), checksum (optional, an integer in
 *     [-2^31, 2^32)) — events, other channels, other actions all go back;
 *   - a ts whose ns do not fit int64;
 *   - an update whose prevSeqId is not the last seqId (a gap), or an update
 *     while in sync with no seqId known;
 *   - any frame while the symbol is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (synced, have_seq, last_seq, sym_*) and calls again past it.
 *
 * What a recognised frame becomes (the rules of okx.py, in its order):
 *   - another instId than the replay's (the first frame's): NONBOOK;
 *   - action "snapshot": SNAPSHOT with its rows; in sync, last seqId the frame's;
 *   - an update while out of sync: PRESYNC (ts 0, seq -1, no rows);
 *   - an update with prevSeqId = last seqId: last seqId := seqId; with no levels
 *     and seqId = prevSeqId a keep-alive (NONBOOK), else DELTA with its rows.
 * seq is seqId, ts the data's ts in ns, crc the checksum & 0xFFFFFFFF when it is
 * non-zero (else -1); rows are bids then asks.
 *
 * API
 *   int tb_jsync_okx_run(tb_jsync_okx *st, const char *data, size_t len,
 *                        int final, tb_jsync_out *out, size_t *consumed);
 *       As tb_jsync_binance_run (tb_json_sync.h), and out->crc must be set;
 *       returns as tb_json_lines.h says.
 */
#ifndef TB_JSON_OKX_H
#define TB_JSON_OKX_H

#include "tb_json_lines.h"

/* the replay's sync state; the caller keeps it in step with its own path
 * around handed-back lines */
typedef struct tb_jsync_okx {
    tb_jsync_head head; /* synced: a snapshot was applied and no gap since */
    int have_seq;       /* last_seq holds the seqId of the last applied frame */
    int64_t last_seq;
} tb_jsync_okx;

/* ---- implementation ------------------------------------------------------------------ */

enum tb__jokx_action { TB__JO_SNAPSHOT = 1, TB__JO_UPDATE = 2 };

/* the wrapper's keys and arg's, as bits of `seen` */
enum tb__jokx_key { TB__JO_ARG = 1, TB__JO_ACTION = 2, TB__JO_DATA = 4, TB__JO_CHANNEL = 8, TB__JO_INST = 16 };

static unsigned tb__jokx_key(const char *k, size_t n, int in_arg) {
    if (in_arg) {
        if (n == 7 && memcmp(k, "channel", 7) == 0) return TB__JO_CHANNEL;
        if (n == 6 && memcmp(k, "instId", 6) == 0) return TB__JO_INST;
        return 0;
    }
    if (n == 3 && memcmp(k, "arg", 3) == 0) return TB__JO_ARG;
    if (n == 6 && memcmp(k, "action", 6) == 0) return TB__JO_ACTION;
    if (n == 4 && memcmp(k, "data", 4) == 0) return TB__JO_DATA;
    return 0;
}

/* the next "key": at s[i]; the offset after ':' (0 if refused), the key's bit in
 * *key (each at most once in *seen) */
static size_t tb__jokx_key_at(const char *s, size_t i, size_t n, int in_arg, unsigned *seen, unsigned *key) {
    size_t k0, k1;
    i = tb__jscan_str(s, i, n, &k0, &k1);
    if (!i) return 0;
    *key = tb__jokx_key(s + k0, k1 - k0, in_arg);
    if (!*key || (*seen & *key)) return 0;
    *seen |= *key;
    i = tb__jscan_skip_ws(s, i, n);
    if (i >= n || s[i] != ':') return 0;
    return tb__jscan_skip_ws(s, i + 1, n);
}

/* after a member value: the offset of the next key (*more = 1) or after '}' (0 if refused) */
static size_t tb__jokx_next(const char *s, size_t i, size_t n, int *more) {
    i = tb__jscan_skip_ws(s, i, n);
    if (i < n && s[i] == ',') {
        *more = 1;
        return tb__jscan_skip_ws(s, i + 1, n);
    }
    *more = 0;
    return i < n && s[i] == '}' ? i + 1 : 0;
}

/* {"channel": "books", "instId": string} at s[i]: the offset after it (0 if
 * refused), the symbol into f */
static size_t tb__jokx_arg(const char *s, size_t i, size_t n, tb__jscan_frame *f) {
    unsigned seen = 0, key = 0;
    int more = 1;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    while (more) {
        size_t v0, v1;
        i = tb__jokx_key_at(s, i, n, 1, &seen, &key);
        if (!i) return 0;
        i = tb__jscan_str(s, i, n, &v0, &v1);
        if (!i) return 0;
        if (key == TB__JO_CHANNEL) {
            if (v1 - v0 != 5 || memcmp(s + v0, "books", 5) != 0) return 0;
        } else {
            f->sym_off = v0;
            f->sym_len = v1 - v0;
        }
        i = tb__jokx_next(s, i, n, &more);
        if (!i) return 0;
    }
    return seen == (TB__JO_CHANNEL | TB__JO_INST) ? i : 0;
}

/* one line as an OKX books frame: 1 when it is one (data fields and the symbol in
 * *f, *action); rows as tb__jscan_object converts them */
static int tb__jokx_frame(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                          tb__jscan_frame *f, tb__jscan_rows *rows, int *action) {
    /* the wrapper as OKX writes it, up to the instId's value: taken in one compare (what
     * the walk below would accept token by token; any other spelling takes the walk) */
    static const char common[] = "{\"arg\":{\"channel\":\"books\",\"instId\":";
    size_t i = tb__jscan_skip_ws(s, 0, n), sym_off = 0, sym_len = 0;
    unsigned seen = 0, key = 0;
    int more = 1;
    *action = 0;
    if (n > sizeof common - 1 && memcmp(s, common, sizeof common - 1) == 0) {
        size_t v0, v1;
        i = tb__jscan_str(s, sizeof common - 1, n, &v0, &v1);
        if (!i) return 0;
        sym_off = v0;
        sym_len = v1 - v0;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != '}') return 0; /* arg holds channel and instId only */
        i = tb__jokx_next(s, i + 1, n, &more);
        if (!i) return 0;
        seen = TB__JO_ARG;
    } else {
        if (i >= n || s[i] != '{') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
    }
    while (more) {
        size_t v0, v1;
        i = tb__jokx_key_at(s, i, n, 0, &seen, &key);
        if (!i) return 0;
        if (key == TB__JO_ARG) {
            i = tb__jokx_arg(s, i, n, f);
            sym_off = f->sym_off; /* tb__jscan_object below resets f */
            sym_len = f->sym_len;
        } else if (key == TB__JO_ACTION) {
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (v1 - v0 == 8 && memcmp(s + v0, "snapshot", 8) == 0)
                *action = TB__JO_SNAPSHOT;
            else if (v1 - v0 == 6 && memcmp(s + v0, "update", 6) == 0)
                *action = TB__JO_UPDATE;
            else
                return 0;
        } else { /* data: an array of exactly one book object */
            if (i >= n || s[i] != '[') return 0;
            i = tb__jscan_object(s, tb__jscan_skip_ws(s, i + 1, n), n, lk, tick, lot, f, rows);
            if (!i) return 0;
            i = tb__jscan_skip_ws(s, i, n);
            if (i >= n || s[i] != ']') return 0;
            i++;
        }
        if (!i) return 0;
        i = tb__jokx_next(s, i, n, &more);
        if (!i) return 0;
    }
    if (seen != (TB__JO_ARG | TB__JO_ACTION | TB__JO_DATA)) return 0;
    f->sym_off = sym_off;
    f->sym_len = sym_len;
    return tb__jscan_skip_ws(s, i, n) == n;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jokx_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_okx *st = (tb_jsync_okx *)venue;
    tb_jsync_head *h = cx->head;
    tb__jscan_frame f;
    size_t n_rows = 0;
    int action, rc;
    int64_t ms, seq, prev, checksum, crc;
    /* shape and conversion before any state changes */
    if (!tb__jokx_frame(s, n, cx->lk, h->tick, h->lot, &f, &cx->rows, &action))
        return cx->rows.full ? TB_JSYNC_FULL : TB_JSYNC_HANDBACK;
    rc = tb__jlines_rows(cx, s, n, &f, &n_rows);
    if (rc != TB_JSYNC_DONE) return rc;
    ms = f.num[TB__JK_E_TIME];
    seq = f.num[TB__JK_LAST];
    prev = f.num[TB__JK_PREV];
    checksum = f.num[TB__JK_CHECKSUM];
    /* the checked path takes these values only (ns in int64, the checksum as 32 bits) */
    if (ms > INT64_MAX / 1000000 || checksum < -(INT64_C(1) << 31) || checksum >= (INT64_C(1) << 32))
        return TB_JSYNC_HANDBACK;
    if (action == TB__JO_UPDATE && h->synced && (!st->have_seq || prev != st->last_seq))
        return TB_JSYNC_HANDBACK; /* a gap: the caller's note and on_gap */
    switch (tb__jlines_symbol(cx, s, &f)) {
    case TB__JL_BACK:
        return TB_JSYNC_HANDBACK;
    case TB__JL_OTHER:
        return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
    default:
        break;
    }
    crc = checksum != 0 ? (int64_t)((uint64_t)checksum & UINT64_C(0xFFFFFFFF)) : -1;
    if (action == TB__JO_SNAPSHOT) {
        h->synced = 1;
        st->have_seq = 1;
        st->last_seq = seq;
        return tb__jlines_emit(cx, TB_JSYNC_SNAPSHOT, ms * 1000000, seq, n_rows, crc);
    }
    if (!h->synced) return tb__jlines_emit(cx, TB_JSYNC_PRESYNC, 0, -1, 0, -1);
    st->last_seq = seq;
    if (seq == prev && n_rows == 0) return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1); /* keep-alive */
    return tb__jlines_emit(cx, TB_JSYNC_DELTA, ms * 1000000, seq, n_rows, crc);
}

TB_API int tb_jsync_okx_run(tb_jsync_okx *st, const char *data, size_t len, int final, tb_jsync_out *out,
                            size_t *consumed) {
    if (!st || (out && !out->crc)) return TB_ERR_NULL;
    return tb__jlines_run(st, &st->head, TB_JSCAN_OKX, tb__jokx_line, data, len, final, out, consumed);
}

#endif /* TB_JSON_OKX_H */
