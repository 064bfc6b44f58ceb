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
 *     non-negative integer of at most 18 digits), "events" (an array of at
 *     most TB__JC_EVENTS event objects, none too) — any order, each once, no
 *     other key; each event object {"type": "snapshot" | "update",
 *     "product_id": string, "updates": [...]}, each update {"side": "bid" |
 *     "offer" | "ask", "event_time": string (optional, not used),
 *     "price_level": string, "new_quantity": string}. The frame, its events and
 *     updates as the venue writes them (compact, in its key order) are matched
 *     as literal text first; any other spelling is read key by key;
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
 * each event's product is compared with the replay's (the first event's of the
 * first frame is taken, even by a stale frame, as the checked path does); the
 * events of another product are skipped (their values unread); then the
 * sequence: with the check off or no number known, or the last + 1, it is
 * taken; 0 after a higher one is a new connection (taken, the book out of
 * sync); at or below the last the frame is STALE. A taken frame with no event
 * of the replay's product is NONBOOK; one with a "snapshot" event of it is a
 * SNAPSHOT (in sync from here) whose rows start at its last such event (the
 * rows of the events before it are dropped); else an update out of sync is
 * PRESYNC (ts 0, seq -1, no rows), in sync a DELTA. seq is sequence_num, ts
 * the frame's timestamp in ns; rows are the bids of the events kept (in
 * order), then their asks; new_quantity is absolute (0 deletes). A frame of
 * another channel goes through the same sequence rules (it takes its number:
 * not a gap), then is NONBOOK; without a sequence_num it is NONBOOK and changes
 * nothing.
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
 * updates of the events not wholly kept again); the events a frame may carry
 * (more: the caller's) */
enum tb__jcb_limit { TB__JC_MAX_DEPTH = 16, TB__JC_KEPT = 64, TB__JC_EVENTS = 16 };

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

/* one event of the frame */
typedef struct tb__jcb_event {
    int type;
    size_t sym_off, sym_len; /* its product */
    size_t updates;          /* the '[' of its updates array */
    size_t n_bid, n_ask;
    size_t kept0; /* the frame's updates before this event's (its first one's index in kept[]) */
} tb__jcb_event;

/* what the walk of one l2_data line found */
typedef struct tb__jcb_frame {
    int64_t ts, seq;
    size_t n_events, n_updates;
    tb__jcb_event ev[TB__JC_EVENTS];
    tb__jcb_level kept[TB__JC_KEPT]; /* the frame's first updates, in order (one pass over the text) */
} tb__jcb_frame;

/* where the rows of a frame go: bids from rows->at on, in order, then its asks
 * after all n_bid bids (room checked by the caller) */
typedef struct tb__jcb_place {
    tb__jscan_rows *rows;
    tb_dec_unit tick, lot;
    size_t n;             /* the line's length (the bytes readable from a value on) */
    size_t n_bid, nb, na; /* the frame's bids; bids and asks written so far */
} tb__jcb_place;

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

/* the side string's body s[v0, v1): 1 bid, 0 offer / ask, -1 neither */
static int tb__jcb_side(const char *s, size_t v0, size_t v1) {
    size_t len = v1 - v0;
    if (len == 3 && memcmp(s + v0, "bid", 3) == 0) return 1;
    return (len == 5 && memcmp(s + v0, "offer", 5) == 0) || (len == 3 && memcmp(s + v0, "ask", 3) == 0) ? 0 : -1;
}

/* the update as the venue writes it, compact and in its key order,
 *   {"side":"bid","event_time":"...","price_level":"...","new_quantity":"..."}
 * matched as literal text (no key lookup): the offset after its '}', 0 when the
 * text is not exactly that (tb__jcb_update then reads it key by key; what this
 * takes, that takes alike) */
static size_t tb__jcb_update_as_sent(const char *s, size_t i, size_t n, tb__jcb_level *lv) {
    size_t t0, t1;
    if (!TB__JSCAN_LIT(s, i, n, "{\"side\":\"")) return 0;
    i += sizeof "{\"side\":\"" - 1;
    if (TB__JSCAN_LIT(s, i, n, "bid\"")) {
        lv->bid = 1;
        i += 4;
    } else if (TB__JSCAN_LIT(s, i, n, "offer\"")) {
        lv->bid = 0;
        i += 6;
    } else {
        return 0;
    }
    if (!TB__JSCAN_LIT(s, i, n, ",\"event_time\":")) return 0;
    i = tb__jscan_str(s, i + sizeof ",\"event_time\":" - 1, n, &t0, &t1);
    if (!i || !TB__JSCAN_LIT(s, i, n, ",\"price_level\":")) return 0;
    i = tb__jscan_str(s, i + sizeof ",\"price_level\":" - 1, n, &lv->p0, &lv->p1);
    if (!i || !TB__JSCAN_LIT(s, i, n, ",\"new_quantity\":")) return 0;
    i = tb__jscan_str(s, i + sizeof ",\"new_quantity\":" - 1, n, &lv->q0, &lv->q1);
    return i && i < n && s[i] == '}' ? i + 1 : 0;
}

/* one update object at s[i]: the offset after its '}' (0 if refused), its side
 * and text spans in *lv */
static size_t tb__jcb_update(const char *s, size_t i, size_t n, tb__jcb_level *lv) {
    unsigned seen = 0;
    int more = 1;
    size_t sent = tb__jcb_update_as_sent(s, i, n, lv);
    if (sent) return sent;
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
            int bid = tb__jcb_side(s, v0, v1);
            if (bid < 0) return 0;
            lv->bid = bid;
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

/* one update as a row at its place (tb__jcb_place); 0 when a value does not convert */
static int tb__jcb_row(const char *s, const tb__jcb_level *lv, tb__jcb_place *pl) {
    tb__jscan_rows *rows = pl->rows;
    size_t r = rows->at + (lv->bid ? pl->nb : pl->n_bid + pl->na);
    uint64_t px = 0, qty = 0;
    if (r >= rows->cap) return 0;
    if (tb__jscan_dec(s + lv->p0, lv->p1 - lv->p0, pl->n - lv->p0, pl->tick, 0, &px) != TB_DEC_OK ||
        tb__jscan_dec(s + lv->q0, lv->q1 - lv->q0, pl->n - lv->q0, pl->lot, 1, &qty) != TB_DEC_OK)
        return 0;
    rows->side[r] = (uint8_t)lv->bid;
    rows->px[r] = (int64_t)px;
    rows->qty[r] = qty;
    if (lv->bid)
        pl->nb++;
    else
        pl->na++;
    return 1;
}

/* the updates array at s[i] == '['. With pl NULL: count its bids and asks into
 * ev->n_bid, ev->n_ask and keep the spans of its first `room` updates in kept[].
 * With pl: convert each to its row (tb__jcb_row); 0 when a value does not
 * convert. The offset after ']', 0 if refused. */
static size_t tb__jcb_updates(const char *s, size_t i, size_t n, tb__jcb_place *pl, tb__jcb_event *ev,
                              tb__jcb_level *kept, size_t room) {
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
            if (pl && !tb__jcb_row(s, &lv, pl)) return 0;
            if (!pl && nb + na < room) kept[nb + na] = lv;
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
    if (!pl) {
        ev->n_bid = nb;
        ev->n_ask = na;
    }
    return i;
}

/* the event's "type" string's body s[v0, v1): TB__JC_SNAPSHOT / TB__JC_UPDATE, 0 neither */
static int tb__jcb_type_of(const char *s, size_t v0, size_t v1) {
    if (v1 - v0 == 8 && memcmp(s + v0, "snapshot", 8) == 0) return TB__JC_SNAPSHOT;
    return v1 - v0 == 6 && memcmp(s + v0, "update", 6) == 0 ? TB__JC_UPDATE : 0;
}

/* the event's "updates" value at s[i]: counted, its first updates kept in the
 * frame's kept[] (as many as still fit); the offset after ']', 0 if refused */
static size_t tb__jcb_event_updates(const char *s, size_t i, size_t n, tb__jcb_frame *f, tb__jcb_event *ev) {
    size_t room = f->n_updates < TB__JC_KEPT ? TB__JC_KEPT - f->n_updates : 0;
    ev->updates = i;
    ev->kept0 = f->n_updates;
    i = tb__jcb_updates(s, i, n, NULL, ev, f->kept + (room ? f->n_updates : 0), room);
    f->n_updates += ev->n_bid + ev->n_ask;
    return i;
}

/* one event object at s[i] == '{' as the venue writes it, compact and in its key order,
 *   {"type":"update","product_id":"...","updates":[...]}
 * (the keys matched as literal text): the offset after its '}', 0 when it is not
 * exactly that (tb__jcb_read_event then reads it key by key) */
static size_t tb__jcb_event_as_sent(const char *s, size_t i, size_t n, tb__jcb_frame *f, tb__jcb_event *ev) {
    size_t v0, v1;
    if (!TB__JSCAN_LIT(s, i, n, "{\"type\":")) return 0;
    i = tb__jscan_str(s, i + sizeof "{\"type\":" - 1, n, &v0, &v1);
    if (!i || !(ev->type = tb__jcb_type_of(s, v0, v1)) || !TB__JSCAN_LIT(s, i, n, ",\"product_id\":")) return 0;
    i = tb__jscan_str(s, i + sizeof ",\"product_id\":" - 1, n, &ev->sym_off, &v1);
    if (!i || !TB__JSCAN_LIT(s, i, n, ",\"updates\":")) return 0;
    ev->sym_len = v1 - ev->sym_off;
    i = tb__jcb_event_updates(s, i + sizeof ",\"updates\":" - 1, n, f, ev);
    return i && i < n && s[i] == '}' ? i + 1 : 0;
}

/* one event object at s[i]: the offset after its '}' (0 if refused), its fields in *ev */
static size_t tb__jcb_read_event(const char *s, size_t i, size_t n, tb__jcb_frame *f, tb__jcb_event *ev) {
    unsigned seen = 0;
    int more = 1;
    size_t n_updates = f->n_updates, sent = tb__jcb_event_as_sent(s, i, n, f, ev);
    if (sent) return sent;
    f->n_updates = n_updates; /* as before the literal match */
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
            i = tb__jcb_event_updates(s, i, n, f, ev);
        } else {
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            if (key == TB__JC_PRODUCT) {
                ev->sym_off = v0;
                ev->sym_len = v1 - v0;
            } else if (!(ev->type = tb__jcb_type_of(s, v0, v1))) {
                return 0;
            }
        }
        if (!i) return 0;
        i = tb__jcb_next(s, i, n, &more);
        if (!i) return 0;
    }
    return seen == (TB__JC_TYPE | TB__JC_PRODUCT | TB__JC_UPDATES) ? i : 0;
}

/* "events": [ event, ... ] at s[i] (at most TB__JC_EVENTS; none is a frame too):
 * the offset after ']' (0 if refused), the events into *f */
static size_t tb__jcb_events(const char *s, size_t i, size_t n, tb__jcb_frame *f) {
    if (i >= n || s[i] != '[') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    if (i < n && s[i] == ']') return i + 1;
    for (;;) {
        if (f->n_events == TB__JC_EVENTS) return 0;
        i = tb__jcb_read_event(s, i, n, f, &f->ev[f->n_events]);
        if (!i) return 0;
        f->n_events++;
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        return i < n && s[i] == ']' ? i + 1 : 0;
    }
}

/* the frame as the venue writes it, compact and in its key order,
 *   {"channel":"l2_data","client_id":"...","timestamp":"...","sequence_num":N,"events":[...]}
 * matched as literal text (no key lookup): 1 with its fields in *f, 0 when it is
 * not exactly that (tb__jcb_walk then reads it key by key; what this takes,
 * that takes alike) */
static int tb__jcb_walk_as_sent(const char *s, size_t n, tb__rfc_minute *minute, tb__jcb_frame *f) {
    static const char head[] = "{\"channel\":\"l2_data\",\"client_id\":";
    size_t i, v0, v1;
    if (!TB__JSCAN_LIT(s, 0, n, head)) return 0;
    i = tb__jscan_str(s, sizeof head - 1, n, &v0, &v1);
    if (!i || !TB__JSCAN_LIT(s, i, n, ",\"timestamp\":")) return 0;
    i = tb__jscan_str(s, i + sizeof ",\"timestamp\":" - 1, n, &v0, &v1);
    if (!i || !tb__rfc3339_ns_at(minute, s + v0, v1 - v0, &f->ts) || !TB__JSCAN_LIT(s, i, n, ",\"sequence_num\":"))
        return 0;
    i = tb__jscan_int(s, i + sizeof ",\"sequence_num\":" - 1, n, &f->seq);
    if (!i || !TB__JSCAN_LIT(s, i, n, ",\"events\":")) return 0;
    i = tb__jcb_events(s, i + sizeof ",\"events\":" - 1, n, f);
    return i && i < n && s[i] == '}' && tb__jscan_skip_ws(s, i + 1, n) == n;
}

/* one line as a recognised l2_data frame: 1 with its fields in *f */
static int tb__jcb_walk(const char *s, size_t n, const tb__jscan_lookup *lk, tb__rfc_minute *minute,
                        tb__jcb_frame *f) {
    static const char prefix[] = "{\"channel\":\"l2_data\"";
    const tb_jscan_layout *l = lk->l;
    size_t i = 1;
    unsigned seen = 0;
    int more = 1;
    if (n < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1) != 0) return 0;
    if (tb__jcb_walk_as_sent(s, n, minute, f)) return 1;
    f->n_events = f->n_updates = 0; /* as before the literal match */
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
            if (!i || !tb__rfc3339_ns_at(minute, s + v0, v1 - v0, &f->ts)) return 0;
            break;
        case TB_JSCAN_LAST:
            i = tb__jscan_int_as(s, i, n, lk->form[key], &f->seq);
            break;
        case TB_JSCAN_EVENTS:
            i = tb__jcb_events(s, i, n, f);
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

/* the rows of the frame's events of ours from event `first` on (mine[e]), at
 * out->n_rows: the bids of all of them in order, then their asks; *n_rows of
 * them, nothing committed. TB_JSYNC_DONE, FULL, or HANDBACK (a value that does
 * not convert). */
static int tb__jcb_rows(tb__jlines_cx *cx, const char *s, size_t n, tb__jcb_frame *f, const int *mine, size_t first,
                        size_t *n_rows) {
    tb_jsync_out *out = cx->out;
    tb__jcb_place pl;
    size_t e, k, n_ask = 0;
    pl.rows = &cx->rows;
    pl.tick = cx->head->tick;
    pl.lot = cx->head->lot;
    pl.n = n;
    pl.n_bid = pl.nb = pl.na = 0;
    for (e = first; e < f->n_events; e++) {
        if (!mine[e]) continue;
        pl.n_bid += f->ev[e].n_bid;
        n_ask += f->ev[e].n_ask;
    }
    *n_rows = pl.n_bid + n_ask;
    if (*n_rows > out->rows_cap - out->n_rows) return TB_JSYNC_FULL;
    cx->rows.at = out->n_rows;
    for (e = first; e < f->n_events; e++) {
        tb__jcb_event *ev = &f->ev[e];
        size_t cnt = ev->n_bid + ev->n_ask;
        if (!mine[e]) continue;
        if (ev->kept0 + cnt <= TB__JC_KEPT) { /* the spans the shape pass kept */
            for (k = 0; k < cnt; k++)
                if (!tb__jcb_row(s, &f->kept[ev->kept0 + k], &pl)) return TB_JSYNC_HANDBACK;
        } else if (!tb__jcb_updates(s, ev->updates, n, &pl, ev, NULL, 0)) {
            return TB_JSYNC_HANDBACK;
        }
    }
    return TB_JSYNC_DONE;
}

/* one line (the frame function of tb_json_lines.h) */
static int tb__jcb_line(void *venue, tb__jlines_cx *cx, const char *s, size_t n) {
    tb_jsync_coinbase *st = (tb_jsync_coinbase *)venue;
    tb_jsync_head *h = cx->head;
    tb__jcb_frame f;
    tb__jscan_frame product; /* the first event's (as tb__jlines_symbol reads it) */
    int verdict, mine[TB__JC_EVENTS], ours = 0, snapshot = 0;
    const char *sym = h->symbol;
    size_t e, first = 0, sym_len = h->sym_len, n_rows = 0;
    uint8_t kind;
    f.ts = f.seq = 0;
    f.n_events = f.n_updates = 0;
    if (!tb__jcb_walk(s, n, cx->lk, &cx->minute, &f)) {
        int64_t seq;
        return tb__jcb_other(s, n, &seq) ? tb__jcb_other_line(st, cx, seq) : TB_JSYNC_HANDBACK;
    }
    /* the verdicts first, nothing changed yet: the sequence ... */
    verdict = tb__jcb_verdict(st, f.seq);
    if (verdict == TB__JC_GAP) return TB_JSYNC_HANDBACK; /* the caller's note and on_gap */
    /* ... the product: the replay's, or the first event's when there is none yet ... */
    if (h->sym_state == 2) return TB_JSYNC_HANDBACK;
    if (f.n_events) {
        product.sym_off = f.ev[0].sym_off;
        product.sym_len = f.ev[0].sym_len;
        if (h->sym_state == 0) {
            if (product.sym_len > TB_JSYNC_SYMBOL) return TB_JSYNC_HANDBACK;
            sym = s + product.sym_off;
            sym_len = product.sym_len;
        }
    }
    /* ... which events are ours (the others are skipped); a snapshot of ours drops
     * the rows of the events before it ... */
    for (e = 0; e < f.n_events; e++) {
        const tb__jcb_event *ev = &f.ev[e];
        mine[e] = ev->sym_len == sym_len && memcmp(s + ev->sym_off, sym, sym_len) == 0;
        ours |= mine[e];
        if (mine[e] && ev->type == TB__JC_SNAPSHOT) {
            snapshot = 1;
            first = e;
        }
    }
    /* ... the message, and its rows converted (a bad value: the caller's) */
    if (verdict == TB__JC_STALE)
        kind = TB_JSYNC_STALE;
    else if (!ours)
        kind = TB_JSYNC_NONBOOK;
    else if (snapshot)
        kind = TB_JSYNC_SNAPSHOT;
    else
        kind = h->synced && verdict != TB__JC_NEW_CONNECTION ? TB_JSYNC_DELTA : TB_JSYNC_PRESYNC;
    if (kind == TB_JSYNC_SNAPSHOT || kind == TB_JSYNC_DELTA) {
        int rc = tb__jcb_rows(cx, s, n, &f, mine, first, &n_rows);
        if (rc != TB_JSYNC_DONE) return rc;
    }
    /* now the state, as the checked path changes it */
    if (f.n_events) (void)tb__jlines_symbol(cx, s, &product); /* the first product, even a stale frame's */
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
