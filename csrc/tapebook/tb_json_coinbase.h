/* tb_json_coinbase.h — Coinbase Advanced Trade l2_data lines to replay messages
 * in one call per buffer: the frame keys of layout row TB_JSCAN_COINBASE
 * (tb_json_scan.h), the event and update objects inside "events", the
 * timestamp (tb_rfc3339.h) and the venue's connection-wide sequence_num rules,
 * as the frame function of the shared line loop (tb_json_lines.h).
 *
 * As for the other venues, only what is certain is decided here; every line
 * this code is not sure about goes back to the caller's fully checked path
 * (tapebook/feeds/coinbase.py) before anything changes:
 *   - a line that is not exactly
 *       {"channel":"l2_data", ...
 *     (these first 20 bytes as written: the checked path's fast decoder takes
 *     only such lines, and decides the rest in another order) followed by the
 *     keys of the layout row — "client_id" (a string, optional), "timestamp"
 *     (an RFC 3339 UTC time tb_rfc3339.h takes), "sequence_num" (a
 *     non-negative integer of at most 18 digits), "events" (an array of exactly
 *     ONE event object) — any order, each once, no other key; the event object
 *     {"type": "snapshot" | "update", "product_id": string, "updates": [...]},
 *     each update {"side": "bid" | "offer" | "ask", "event_time": string
 *     (optional, not used), "price_level": string, "new_quantity": string};
 *     frames of several events go back;
 *   - a frame of another channel (heartbeats, subscriptions, tickers, ...)
 *     that is not exactly an object with "channel" (a string other than
 *     "l2_data"), "sequence_num" (optional, as above) and any other keys whose
 *     values are plain JSON: strings as above, integers of at most 18 digits,
 *     true, false, null, objects and arrays of these nested at most
 *     TB__JC_MAX_DEPTH deep (the checked path decodes the whole frame: only
 *     JSON it surely takes is decided here);
 *   - a gap: check_sequence on, a number known, and sequence_num neither the
 *     last + 1, nor 0 (a new connection), nor at or below the last (stale);
 *   - a price or size that is not a whole number of ticks / lots, in a frame
 *     whose rows are applied;
 *   - any frame while the symbol is one this code cannot compare (sym_state 2).
 * A handed-back line is not consumed: the caller processes it, sets the state
 * fields it changed (synced, have_seq, last_seq, sym_*) and calls again past it.
 *
 * What a recognised frame becomes (the rules of coinbase.py, in its order):
 * the product is compared with the replay's (the first frame's is taken, even
 * by a stale frame, as the checked path does); then the sequence: with the
 * check off or no number known, or the last + 1, it is taken; 0 after a higher
 * one is a new connection (taken, the book out of sync); at or below the last
 * the frame is STALE. A taken frame of another product is NONBOOK; a
 * "snapshot" is a SNAPSHOT (in sync from here); an "update" out of sync is
 * PRESYNC (ts 0, seq -1, no rows), in sync a DELTA. seq is sequence_num, ts
 * the frame's timestamp in ns; rows are the bids (in order), then the asks;
 * new_quantity is absolute (0 deletes). A frame of another channel goes
 * through the same sequence rules (it takes its number: not a gap), then is
 * NONBOOK; without a sequence_num it is NONBOOK and changes nothing.
 *
 * API
 *   int tb_jsync_coinbase_run(tb_jsync_coinbase *st, const char *data, size_t len,
 *                             int final, tb_jsync_out *out, size_t *consumed);
 *       As tb_jsync_binance_run (tb_json_sync.h); returns as tb_json_lines.h
 *       says: TB_JSYNC_DONE, TB_JSYNC_FULL, TB_JSYNC_HANDBACK (the line at
 *       *consumed, number st->head.line, is the caller's), or TB_ERR_NULL /
 *       TB_ERR_BADARG (nothing done).
 */
#ifndef TB_JSON_COINBASE_H
#define TB_JSON_COINBASE_H

#include "tb_json_lines.h"
#include "tb_rfc3339.h"

/* the replay's sync state; the caller keeps it in step with its own path
 * around handed-back lines */
typedef struct tb_jsync_coinbase {
    tb_jsync_head head; /* synced: a snapshot was applied, no gap or new connection since */
    int check_sequence; /* 0: every sequence_num is taken (check_sequence=False) */
    int have_seq;       /* last_seq holds the last sequence_num taken on the connection */
    int64_t last_seq;
} tb_jsync_coinbase;

/* ---- implementation ------------------------------------------------------------------ */

enum tb__jcb_type { TB__JC_SNAPSHOT = 1, TB__JC_UPDATE = 2 };

/* the nesting a frame of another channel may have (deeper: the caller's); the
 * updates whose text spans the shape pass keeps (more: the rows pass walks the
 * updates again) */
enum tb__jcb_limit { TB__JC_MAX_DEPTH = 16, TB__JC_KEPT = 64 };

/* the keys of an event object and of an update object, as bits of `seen` */
enum tb__jcb_key {
    TB__JC_TYPE = 1,
    TB__JC_PRODUCT = 2,
    TB__JC_UPDATES = 4,
    TB__JC_SIDE = 1,
    TB__JC_EVENT_TIME = 2,
    TB__JC_PRICE = 4,
    TB__JC_QTY = 8
};

/* one update's side and its price's and size's text [p0, p1), [q0, q1) */
typedef struct tb__jcb_level {
    size_t p0, p1, q0, q1;
    int bid;
} tb__jcb_level;

/* what the walk of one l2_data line found */
typedef struct tb__jcb_frame {
    int64_t ts, seq;
    int type;
    tb__jscan_frame sym; /* sym_off, sym_len: the product (as tb__jlines_symbol reads them) */
    size_t updates;      /* the '[' of the updates array */
    size_t n_bid, n_ask;
    tb__jcb_level kept[TB__JC_KEPT]; /* the first updates, in order (one pass over the text) */
} tb__jcb_frame;

/* after a member value: the offset of the next key (*more = 1) or after '}' (0 if refused) */
static size_t tb__jcb_next(const char *s, size_t i, size_t n, int *more) {
    i = tb__jscan_skip_ws(s, i, n);
    if (i < n && s[i] == ',') {
        *more = 1;
        return tb__jscan_skip_ws(s, i + 1, n);
    }
    *more = 0;
    return i < n && s[i] == '}' ? i + 1 : 0;
}

/* the next "key": at s[i] (its body in [*k0, *k1)); the offset after ':' and
 * whitespace, 0 if refused */
static size_t tb__jcb_key_at(const char *s, size_t i, size_t n, size_t *k0, size_t *k1) {
    i = tb__jscan_str(s, i, n, k0, k1);
    if (!i) return 0;
    i = tb__jscan_skip_ws(s, i, n);
    if (i >= n || s[i] != ':') return 0;
    return tb__jscan_skip_ws(s, i + 1, n);
}

static unsigned tb__jcb_update_key(const char *k, size_t n) {
    switch (n) { /* the four keys differ in length */
    case 4:
        return memcmp(k, "side", 4) == 0 ? (unsigned)TB__JC_SIDE : 0u;
    case 10:
        return memcmp(k, "event_time", 10) == 0 ? (unsigned)TB__JC_EVENT_TIME : 0u;
    case 11:
        return memcmp(k, "price_level", 11) == 0 ? (unsigned)TB__JC_PRICE : 0u;
    case 12:
        return memcmp(k, "new_quantity", 12) == 0 ? (unsigned)TB__JC_QTY : 0u;
    default:
        return 0;
    }
}

/* one update object at s[i]: the offset after its '}' (0 if refused), its side
 * and text spans in *lv */
static size_t tb__jcb_update(const char *s, size_t i, size_t n, tb__jcb_level *lv) {
    unsigned seen = 0;
    int more = 1;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    while (more) {
        size_t k0, k1, v0, v1;
        unsigned key;
        i = tb__jcb_key_at(s, i, n, &k0, &k1);
        if (!i) return 0;
        key = tb__jcb_update_key(s + k0, k1 - k0);
        if (!key || (seen & key)) return 0;
        seen |= key;
        i = tb__jscan_str(s, i, n, &v0, &v1);
        if (!i) return 0;
        if (key == TB__JC_SIDE) {
            size_t len = v1 - v0;
            if (len == 3 && memcmp(s + v0, "bid", 3) == 0)
                lv->bid = 1;
            else if ((len == 5 && memcmp(s + v0, "offer", 5) == 0) || (len == 3 && memcmp(s + v0, "ask", 3) == 0))
                lv->bid = 0;
            else
                return 0;
        } else if (key == TB__JC_PRICE) {
            lv->p0 = v0;
            lv->p1 = v1;
        } else if (key == TB__JC_QTY) {
            lv->q0 = v0;
            lv->q1 = v1;
        }
        i = tb__jcb_next(s, i, n, &more);
        if (!i) return 0;
    }
    return (seen | TB__JC_EVENT_TIME) == (TB__JC_SIDE | TB__JC_EVENT_TIME | TB__JC_PRICE | TB__JC_QTY) ? i : 0;
}

/* one update as a row: the bids from rows->at on in order, the asks after all
 * n_bid bids (room checked by the caller); 0 when a value does not convert */
static int tb__jcb_row(const char *s, const tb__jcb_level *lv, size_t k_side, size_t n_bid, tb_dec_unit tick,
                       tb_dec_unit lot, tb__jscan_rows *rows) {
    size_t r = rows->at + (lv->bid ? k_side : n_bid + k_side);
    uint64_t px = 0, qty = 0;
    if (r >= rows->cap) return 0;
    if (tb__jscan_dec(s + lv->p0, lv->p1 - lv->p0, tick, 0, &px) != TB_DEC_OK ||
        tb__jscan_dec(s + lv->q0, lv->q1 - lv->q0, lot, 1, &qty) != TB_DEC_OK)
        return 0;
    rows->side[r] = (uint8_t)lv->bid;
    rows->px[r] = (int64_t)px;
    rows->qty[r] = qty;
    return 1;
}

/* the updates array at s[i] == '['. With rows NULL: count its bids and asks
 * into *n_bid, *n_ask and keep the first TB__JC_KEPT updates' spans in kept[].
 * With rows: convert each (tb__jcb_row); 0 when a value does not convert. The
 * offset after ']', 0 if refused. */
static size_t tb__jcb_updates(const char *s, size_t i, size_t n, tb_dec_unit tick, tb_dec_unit lot,
                              tb__jscan_rows *rows, size_t *n_bid, size_t *n_ask, tb__jcb_level *kept) {
    size_t nb = 0, na = 0;
    if (i >= n || s[i] != '[') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    if (i < n && s[i] == ']') {
        i++;
    } else {
        int more = 1;
        while (more) {
            tb__jcb_level lv = {0, 0, 0, 0, 0};
            i = tb__jcb_update(s, i, n, &lv);
            if (!i) return 0;
            if (rows && !tb__jcb_row(s, &lv, lv.bid ? nb : na, *n_bid, tick, lot, rows)) return 0;
            if (!rows && nb + na < TB__JC_KEPT) kept[nb + na] = lv;
            if (lv.bid)
                nb++;
            else
                na++;
            i = tb__jscan_skip_ws(s, i, n);
            if (i < n && s[i] == ',') {
                i = tb__jscan_skip_ws(s, i + 1, n);
            } else if (i < n && s[i] == ']') {
                i++;
                more = 0;
            } else {
                return 0;
            }
        }
    }
    if (!rows) {
        *n_bid = nb;
        *n_ask = na;
    }
    return i;
}

/* "events": [ one event object ] at s[i]: the offset after ']' (0 if refused),
 * the event's fields into *f (its updates counted) */
static size_t tb__jcb_events(const char *s, size_t i, size_t n, tb_dec_unit tick, tb_dec_unit lot,
                             tb__jcb_frame *f) {
    unsigned seen = 0;
    int more = 1;
    if (i >= n || s[i] != '[') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    while (more) {
        size_t k0, k1, v0, v1, len;
        unsigned key;
        i = tb__jcb_key_at(s, i, n, &k0, &k1);
        if (!i) return 0;
        len = k1 - k0;
        key = len == 4 && memcmp(s + k0, "type", 4) == 0           ? (unsigned)TB__JC_TYPE
              : len == 10 && memcmp(s + k0, "product_id", 10) == 0 ? (unsigned)TB__JC_PRODUCT
              : len == 7 && memcmp(s + k0, "updates", 7) == 0      ? (unsigned)TB__JC_UPDATES
                                                                   : 0u;
        if (!key || (seen & key)) return 0;
        seen |= key;
        if (key == TB__JC_UPDATES) {
            f->updates = i;
            i = tb__jcb_updates(s, i, n, tick, lot, NULL, &f->n_bid, &f->n_ask, f->kept);
        } else {
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (key == TB__JC_PRODUCT) {
                f->sym.sym_off = v0;
                f->sym.sym_len = v1 - v0;
            } else if (v1 - v0 == 8 && memcmp(s + v0, "snapshot", 8) == 0) {
                f->type = TB__JC_SNAPSHOT;
            } else if (v1 - v0 == 6 && memcmp(s + v0, "update", 6) == 0) {
                f->type = TB__JC_UPDATE;
            } else {
                return 0;
            }
        }
        if (!i) return 0;
        i = tb__jcb_next(s, i, n, &more);
        if (!i) return 0;
    }
    if (seen != (TB__JC_TYPE | TB__JC_PRODUCT | TB__JC_UPDATES)) return 0;
    i = tb__jscan_skip_ws(s, i, n);
    return i < n && s[i] == ']' ? i + 1 : 0;
}

/* one line as a recognised l2_data frame: 1 with its fields in *f */
static int tb__jcb_walk(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                        tb__jcb_frame *f) {
    static const char prefix[] = "{\"channel\":\"l2_data\"";
    const tb_jscan_layout *l = lk->l;
    size_t i = 1;
    unsigned seen = 0;
    int more = 1;
    if (n < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1) != 0) return 0;
    while (more) {
        size_t k0, k1, v0, v1;
        int key;
        i = tb__jcb_key_at(s, i, n, &k0, &k1);
        if (!i) return 0;
        key = tb__jscan_key_of(s + k0, k1 - k0, lk);
        if (key < 0 || (seen >> key) & 1u) return 0;
        seen |= 1u << key;
        switch (key) {
        case TB_JSCAN_EVENT:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i || v1 - v0 != strlen(l->event) || memcmp(s + v0, l->event, v1 - v0) != 0) return 0;
            break;
        case TB_JSCAN_TEXT:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            break;
        case TB_JSCAN_TIME:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i || !tb__rfc3339_ns(s + v0, v1 - v0, &f->ts)) return 0;
            break;
        case TB_JSCAN_LAST:
            i = tb__jscan_int_as(s, i, n, lk->form[key], &f->seq);
            break;
        case TB_JSCAN_EVENTS:
            i = tb__jcb_events(s, i, n, tick, lot, f);
            break;
        default:
            return 0;
        }
        if (!i) return 0;
        i = tb__jcb_next(s, i, n, &more);
        if (!i) return 0;
    }
    if ((seen & lk->need) != lk->need || f->seq < 0) return 0;
    return tb__jscan_skip_ws(s, i, n) == n;
}

/* a JSON value of the plain subset (see the header comment) at s[i], nested
 * `depth` deep: the offset after it, 0 if refused */
static size_t tb__jcb_value(const char *s, size_t i, size_t n, int depth) {
    size_t v0, v1;
    int64_t x;
    if (i >= n) return 0;
    switch (s[i]) {
    case '"':
        return tb__jscan_str(s, i, n, &v0, &v1);
    case '{':
    case '[': {
        int obj = s[i] == '{';
        char close = obj ? '}' : ']';
        if (depth >= TB__JC_MAX_DEPTH) return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        if (i < n && s[i] == close) return i + 1;
        for (;;) {
            if (obj && !(i = tb__jcb_key_at(s, i, n, &v0, &v1))) return 0;
            i = tb__jcb_value(s, i, n, depth + 1);
            if (!i) return 0;
            i = tb__jscan_skip_ws(s, i, n);
            if (i < n && s[i] == ',') {
                i = tb__jscan_skip_ws(s, i + 1, n);
                continue;
            }
            return i < n && s[i] == close ? i + 1 : 0;
        }
    }
    case 't':
        return n - i >= 4 && memcmp(s + i, "true", 4) == 0 ? i + 4 : 0;
    case 'f':
        return n - i >= 5 && memcmp(s + i, "false", 5) == 0 ? i + 5 : 0;
    case 'n':
        return n - i >= 4 && memcmp(s + i, "null", 4) == 0 ? i + 4 : 0;
    case '-':
        return tb__jscan_int(s, i + 1, n, &x);
    default:
        return tb__jscan_int(s, i, n, &x);
    }
}

/* one line as a frame of another channel: 1 with its sequence_num in *seq (-1
 * when it has none) */
static int tb__jcb_other(const char *s, size_t n, int64_t *seq) {
    size_t i = tb__jscan_skip_ws(s, 0, n);
    unsigned seen = 0;
    int more = 1;
    *seq = -1;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    while (more) {
        size_t k0, k1, v0, v1;
        i = tb__jcb_key_at(s, i, n, &k0, &k1);
        if (!i) return 0;
        if (k1 - k0 == 7 && memcmp(s + k0, "channel", 7) == 0) {
            if (seen & 1u) return 0;
            seen |= 1u;
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i || (v1 - v0 == 7 && memcmp(s + v0, "l2_data", 7) == 0)) return 0;
        } else if (k1 - k0 == 12 && memcmp(s + k0, "sequence_num", 12) == 0) {
            if (seen & 2u) return 0;
            seen |= 2u;
            i = tb__jscan_int(s, i, n, seq);
        } else {
            i = tb__jcb_value(s, i, n, 1);
        }
        if (!i) return 0;
        i = tb__jcb_next(s, i, n, &more);
        if (!i) return 0;
    }
    return (seen & 1u) && tb__jscan_skip_ws(s, i, n) == n;
}

enum tb__jcb_verdict { TB__JC_TAKE = 0, TB__JC_NEW_CONNECTION = 1, TB__JC_STALE = 2, TB__JC_GAP = 3 };

/* the connection-wide sequence (coinbase.py _sequence) for a number >= 0, nothing changed */
static int tb__jcb_verdict(const tb_jsync_coinbase *st, int64_t seq) {
    if (!st->check_sequence || !st->have_seq || seq - 1 == st->last_seq) return TB__JC_TAKE;
    if (seq == 0) return TB__JC_NEW_CONNECTION;
    return seq <= st->last_seq ? TB__JC_STALE : TB__JC_GAP;
}

/* a number taken: the chain goes on from it (a new connection: out of sync) */
static void tb__jcb_take(tb_jsync_coinbase *st, int64_t seq, int verdict) {
    st->have_seq = 1;
    st->last_seq = seq;
    if (verdict == TB__JC_NEW_CONNECTION) st->head.synced = 0;
}

/* a frame of another channel: its number through the sequence, then NONBOOK */
static int tb__jcb_other_line(tb_jsync_coinbase *st, tb__jlines_cx *cx, int64_t seq) {
    if (seq >= 0) {
        int verdict = tb__jcb_verdict(st, seq);
        if (verdict == TB__JC_GAP) return TB_JSYNC_HANDBACK; /* the caller's note and on_gap */
        if (verdict == TB__JC_STALE) return tb__jlines_emit(cx, TB_JSYNC_STALE, 0, -1, 0, -1);
        tb__jcb_take(st, seq, verdict);
    }
    return tb__jlines_emit(cx, TB_JSYNC_NONBOOK, 0, -1, 0, -1);
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jcb_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_coinbase *st = (tb_jsync_coinbase *)venue;
    tb_jsync_head *h = cx->head;
    tb_jsync_out *out = cx->out;
    tb__jcb_frame f;
    int verdict, other;
    uint8_t kind;
    size_t n_rows = 0;
    f.ts = f.seq = 0;
    f.type = 0;
    f.sym.sym_off = f.sym.sym_len = 0;
    f.updates = f.n_bid = f.n_ask = 0;
    if (!tb__jcb_walk(s, n, cx->lk, h->tick, h->lot, &f)) {
        int64_t seq;
        return tb__jcb_other(s, n, &seq) ? tb__jcb_other_line(st, cx, seq) : TB_JSYNC_HANDBACK;
    }
    /* the verdicts first, nothing changed yet: the sequence ... */
    verdict = tb__jcb_verdict(st, f.seq);
    if (verdict == TB__JC_GAP) return TB_JSYNC_HANDBACK; /* the caller's note and on_gap */
    /* ... the product ... */
    if (h->sym_state == 2 || (h->sym_state == 0 && f.sym.sym_len > TB_JSYNC_SYMBOL)) return TB_JSYNC_HANDBACK;
    other = h->sym_state == 1 &&
            (f.sym.sym_len != h->sym_len || memcmp(h->symbol, s + f.sym.sym_off, f.sym.sym_len) != 0);
    /* ... the message, and its rows converted (a bad value: the caller's) */
    if (verdict == TB__JC_STALE)
        kind = TB_JSYNC_STALE;
    else if (other)
        kind = TB_JSYNC_NONBOOK;
    else if (f.type == TB__JC_SNAPSHOT)
        kind = TB_JSYNC_SNAPSHOT;
    else
        kind = h->synced && verdict != TB__JC_NEW_CONNECTION ? TB_JSYNC_DELTA : TB_JSYNC_PRESYNC;
    if (kind == TB_JSYNC_SNAPSHOT || kind == TB_JSYNC_DELTA) {
        n_rows = f.n_bid + f.n_ask;
        if (n_rows > out->rows_cap - out->n_rows) return TB_JSYNC_FULL;
        cx->rows.at = out->n_rows;
        if (n_rows <= TB__JC_KEPT) { /* the spans the shape pass kept */
            size_t k, nb = 0, na = 0;
            for (k = 0; k < n_rows; k++) {
                const tb__jcb_level *lv = &f.kept[k];
                if (!tb__jcb_row(s, lv, lv->bid ? nb++ : na++, f.n_bid, h->tick, h->lot, &cx->rows))
                    return TB_JSYNC_HANDBACK;
            }
        } else if (!tb__jcb_updates(s, f.updates, n, h->tick, h->lot, &cx->rows, &f.n_bid, &f.n_ask, f.kept)) {
            return TB_JSYNC_HANDBACK;
        }
    }
    /* now the state, as the checked path changes it */
    (void)tb__jlines_symbol(h, s, &f.sym); /* takes the first product, even a stale frame's */
    if (verdict != TB__JC_STALE) tb__jcb_take(st, f.seq, verdict);
    if (kind == TB_JSYNC_SNAPSHOT) h->synced = 1;
    if (kind == TB_JSYNC_SNAPSHOT || kind == TB_JSYNC_DELTA) return tb__jlines_emit(cx, kind, f.ts, f.seq, n_rows, -1);
    return tb__jlines_emit(cx, kind, 0, -1, 0, -1);
}

TB_API int tb_jsync_coinbase_run(tb_jsync_coinbase *st, const char *data, size_t len, int final, tb_jsync_out *out,
                                 size_t *consumed) {
    if (!st) return TB_ERR_NULL;
    return tb__jlines_run(st, &st->head, TB_JSCAN_COINBASE, tb__jcb_line, data, len, final, out, consumed);
}

#endif /* TB_JSON_COINBASE_H */
