/* tb_itch.h — NASDAQ TotalView-ITCH 5.0 order messages -> market-by-order rows.
 *
 * Source: "Nasdaq TotalView-ITCH 5.0" interface specification (nasdaqtrader.com,
 * NQTVITCHspecification.pdf), §3 data types (integers unsigned big-endian,
 * Price(4) with 4 implied decimals, timestamps 6-byte nanoseconds since
 * midnight) and §4 message formats. Files (NASDAQ's BinaryFILE samples) are a
 * sequence of records, each a 2-byte big-endian length followed by that many
 * bytes of message; every message starts with
 *     type(1) stock_locate(2) tracking_number(2) timestamp(6).
 *
 * Decoded (offsets inside the message, lengths as the spec fixes them; a
 * record of one of these types with another length is malformed):
 *     'R' stock directory  39: stock(8) at 11 -> learns the locate of `symbol`
 *     'A' add order        36: ref(8) 11, side(1) 19 'B'/'S', shares(4) 20,
 *                              stock(8) 24, price(4) 32          -> row 'A'
 *     'F' add order, MPID  40: as 'A' + attribution(4) 36      -> row 'A'
 *     'E' executed         31: ref 11, shares(4) 19, match(8) 23 -> row 'E'
 *     'C' executed w/ price 36: ref 11, shares 19, match 23,
 *                              printable(1) 31, price(4) 32      -> row 'E'
 *     'X' cancel           23: ref 11, cancelled shares(4) 19   -> row 'C' qty
 *     'D' delete           19: ref 11                           -> row 'C' qty 0 (all)
 *     'U' replace          35: old ref 11, new ref(8) 19, shares(4) 27,
 *                              price(4) 31                       -> row 'U'
 *                              (order_id = old, new_id = new; the caller turns
 *                              it into 'C' old + 'A' new with the old side)
 * Every other type (system events, trades 'P'/'Q'/'B', NOII, ...) changes no
 * displayed order and is skipped and counted, as are messages of other stocks.
 *
 * API
 *   void tb_itch_init(tb_itch_state *st, uint16_t locate, const char *symbol8);
 *       locate != 0: keep that stock locate; else symbol8 (8 bytes, space
 *       padded as in the spec, or NULL for "every stock") is matched against
 *       'R' messages to learn the locate (messages before that are skipped).
 *   int tb_itch_decode(tb_itch_state *st, const uint8_t *buf, size_t len,
 *                      int64_t px_div, uint64_t qty_div, tb_itch_rows *out,
 *                      size_t *consumed);
 *       Decodes whole records of buf[0..len) into out (at most out->cap rows).
 *       Stops at the end of the complete records (a partial record at the end
 *       is left for the next call: *consumed tells how far it got), when out
 *       is full, or at a malformed record: then it returns TB_ERR_FORMAT,
 *       *consumed is that record's offset, st->bad_reason says why and
 *       st->bad_len is the record's full size (prefix included) so the caller
 *       can skip it. Prices are raw / px_div and shares / qty_div, both exact
 *       (a remainder is malformed, TB_ITCH_INEXACT). TB_OK otherwise.
 *       st->records counts every record consumed (the 1-based record number
 *       of row i is out->record[i]).
 *
 * No allocation; every byte sequence is valid input (reads are bounds-checked
 * before they happen, no UB).
 */
#ifndef TB_ITCH_H
#define TB_ITCH_H

#include "tb_base.h"

/* Why a record was refused. */
typedef enum tb_itch_reason {
    TB_ITCH_OK = 0,
    TB_ITCH_EMPTY = 1,   /* a record of length 0 */
    TB_ITCH_LENGTH = 2,  /* a decoded type with the wrong length */
    TB_ITCH_SIDE = 3,    /* buy/sell indicator not 'B' or 'S' */
    TB_ITCH_INEXACT = 4, /* price / shares not a whole number of ticks / lots */
    TB_ITCH_ZERO = 5     /* a zero order reference number */
} tb_itch_reason;

typedef struct tb_itch_state {
    uint16_t locate;         /* the stock kept (0: not known yet) */
    uint8_t all_stocks;      /* keep every stock */
    uint8_t symbol_known;    /* symbol8 is set */
    char symbol8[8];
    uint64_t records;        /* records consumed so far */
    uint64_t skipped_type;   /* records of types that change no displayed order */
    uint64_t skipped_stock;  /* order records of other stocks (or before the directory) */
    int bad_reason;          /* tb_itch_reason of the last malformed record */
    size_t bad_len;          /* its size, prefix included (0 when the prefix itself is cut) */
} tb_itch_state;

/* Output columns, each of capacity `cap` (caller-owned). */
typedef struct tb_itch_rows {
    uint8_t *action;    /* 'A' 'C' 'E' 'U' */
    uint64_t *order_id;
    uint64_t *new_id;   /* 'U' only (0 otherwise) */
    uint8_t *side;      /* 1 bid / 0 ask ('A'); 0 otherwise */
    int64_t *px;        /* ticks ('A', 'U'); 0 otherwise */
    uint64_t *qty;      /* lots ('A', 'U'); executed / cancelled lots ('E', 'C'); 0 = all ('C' from 'D') */
    int64_t *ts;        /* ns since midnight */
    int64_t *record;    /* 1-based record number */
    size_t cap;
    size_t n;           /* rows written by the last call */
} tb_itch_rows;

/* n big-endian bytes at p. The spec's widths (2, 4, 8; 6 as 2 + 4) are one unaligned
 * load and a byte swap where gcc / clang build for a little-endian host: the byte loop,
 * which they do not merge, was most of a record's decoding (perf, make bench-feeds' ITCH
 * file). */
TB_FORCE_INLINE uint64_t tb__itch_be(const uint8_t *p, size_t n) {
    uint64_t v = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n == 8) {
        memcpy(&v, p, 8);
        return __builtin_bswap64(v);
    }
    if (n == 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        return __builtin_bswap32(w);
    }
    if (n == 2) {
        uint16_t h;
        memcpy(&h, p, 2);
        return __builtin_bswap16(h);
    }
    if (n == 6) { /* not through itself: gcc cannot inline an always_inline call to itself (-O0) */
        uint16_t h;
        uint32_t w;
        memcpy(&h, p, 2);
        memcpy(&w, p + 2, 4);
        return ((uint64_t)__builtin_bswap16(h) << 32) | __builtin_bswap32(w);
    }
#endif
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

TB_API const char *tb_itch_reason_str(int reason) {
    switch (reason) {
    case TB_ITCH_OK: return "ok";
    case TB_ITCH_EMPTY: return "record of length 0";
    case TB_ITCH_LENGTH: return "message length does not match its type";
    case TB_ITCH_SIDE: return "buy/sell indicator is not 'B' or 'S'";
    case TB_ITCH_INEXACT: return "price or shares not a whole number of ticks / lots";
    case TB_ITCH_ZERO: return "order reference number 0";
    default: return "unknown reason";
    }
}

TB_API void tb_itch_init(tb_itch_state *st, uint16_t locate, const char *symbol8) {
    if (!st) return;
    memset(st, 0, sizeof *st);
    st->locate = locate;
    if (locate == 0 && symbol8) {
        memcpy(st->symbol8, symbol8, 8);
        st->symbol_known = 1;
    }
    st->all_stocks = (uint8_t)(locate == 0 && !symbol8);
}

/* The fixed length of each decoded type by its byte, 0 for the others ('A' 0x41: 36, 'C'
 * 0x43: 36, 'D' 0x44: 19, 'E' 0x45: 31, 'F' 0x46: 40, 'R' 0x52: 39, 'U' 0x55: 35, 'X' 0x58:
 * 23). One load a record instead of the switch's chain of compares (callgrind,
 * bench_itch_run: 73.77M -> 73.12M instructions; a 26-entry table behind a range check
 * saved nothing). Written out: C++ has no designated array initializers. */
static const uint8_t tb__itch_lens[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0, 36,  0, 36, 19, 31, 40,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0, 39,  0,  0, 35,  0,  0, 23,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

TB_FORCE_INLINE size_t tb__itch_len(uint8_t type) { return tb__itch_lens[type]; }

/* Exact division of a 32-bit field (price, shares) by the call's divisor without a 64-bit
 * division (tens of cycles, up to two a record: the decoder's largest single cost at a cent
 * tick, px_div 100). With c = ceil(2^64 / d) for 2 <= d < 2^32, and n < 2^32:
 *   n / d = floor(c * n / 2^64), and d divides n iff (c * n mod 2^64) < c.
 * Proof (Lemire, Kaser, Kurz, "Faster remainder by direct computation", 2019, thm. 1 and
 * the divisibility test after it): write c * d = 2^64 + e with 0 <= e < d, and
 * n = q * d + r with 0 <= r < d. Then c * n / 2^64 = q + r / d + n * e / (d * 2^64), and
 * n * e < 2^64, so the fraction r / d + n * e / (d * 2^64) < (r + 1) / d <= 1: the floor is
 * q. Its low word c * n mod 2^64 = 2^64 * r / d + n * e / d: for r = 0 it is n * e / d <
 * 2^32 <= c; for r >= 1 it is an integer >= 2^64 / d, so >= c. tests/c/test_itch.c also
 * checks it against / and % (every n below 2^18 for the divisors up to 130, 2^24 for 100,
 * the ends of the range, random pairs). */
typedef struct tb__itch_div {
    uint64_t d; /* the divisor, >= 1 */
    uint64_t c; /* ceil(2^64 / d) for 2 <= d < 2^32; 0: d is 1 (nothing to divide) or >= 2^32 (divided) */
} tb__itch_div;

TB_FORCE_INLINE tb__itch_div tb__itch_div_of(uint64_t d) {
    tb__itch_div v;
    v.d = d;
    v.c = d >= 2 && d <= UINT32_MAX ? UINT64_MAX / d + 1 : 0;
    return v;
}

/* n / v->d into *q when v->d divides n (n < 2^32): 1; else 0 (*q unchanged) */
TB_FORCE_INLINE int tb__itch_div_exact(uint64_t n, const tb__itch_div *v, uint64_t *q) {
    if (v->c) {
        /* floor(c * n / 2^64) in 64-bit words: n < 2^32, so (c >> 32) * n + (((c & mask) * n) >> 32)
         * < (2^32 - 1)^2 + 2^32 fits */
        if (v->c * n >= v->c) return 0;
        *q = ((v->c >> 32) * n + (((v->c & 0xFFFFFFFFu) * n) >> 32)) >> 32;
        return 1;
    }
    if (n % v->d != 0) return 0; /* d is 1 (no remainder) or at least 2^32 */
    *q = n / v->d;
    return 1;
}

/* One order message of the stock, decoded: what a row of tb_itch_rows holds. */
typedef struct tb__itch_msg {
    uint64_t id, new_id, qty;
    int64_t px, ts;
    uint8_t action, side;
} tb__itch_msg;

/* The order message at m into *o; a tb_itch_reason. Inlined into the two callers (the
 * columns of tb_itch_decode, the one-pass replay of tb_itch_run.h), where *o lives in
 * registers. */
TB_FORCE_INLINE int tb__itch_parse(const uint8_t *m, const tb__itch_div *px_div, const tb__itch_div *qty_div,
                                    tb__itch_msg *o) {
    const uint8_t type = m[0];
    const uint64_t ref = tb__itch_be(m + 11, 8);
    uint64_t new_id = 0, shares = 0, price = 0;
    uint8_t action = 0, side = 0;
    int priced = 0;
    if (ref == 0) return TB_ITCH_ZERO;
    switch (type) {
    case 'A':
    case 'F':
        if (m[19] != 'B' && m[19] != 'S') return TB_ITCH_SIDE;
        side = (uint8_t)(m[19] == 'B');
        shares = tb__itch_be(m + 20, 4);
        price = tb__itch_be(m + 32, 4);
        action = 'A';
        priced = 1;
        break;
    case 'E':
    case 'C':
        shares = tb__itch_be(m + 19, 4);
        action = 'E';
        break;
    case 'X':
        shares = tb__itch_be(m + 19, 4);
        action = 'C';
        break;
    case 'D':
        action = 'C';
        break;
    default: /* 'U' */
        new_id = tb__itch_be(m + 19, 8);
        if (new_id == 0) return TB_ITCH_ZERO;
        shares = tb__itch_be(m + 27, 4);
        price = tb__itch_be(m + 31, 4);
        action = 'U';
        priced = 1;
        break;
    }
    /* the divisors are validated by the callers (>= 1); price < 2^32 fits int64. A divisor
     * of 1 (tick 0.0001, lot 1 share: the feed's own units) divides nothing; any other
     * takes tb__itch_div_exact's multiply (an unpriced row's price is 0: nothing to do) */
    if (qty_div->d != 1 && !tb__itch_div_exact(shares, qty_div, &shares)) return TB_ITCH_INEXACT;
    if (px_div->d != 1 && priced && !tb__itch_div_exact(price, px_div, &price)) return TB_ITCH_INEXACT;
    o->action = action;
    o->id = ref;
    o->new_id = new_id;
    o->side = side;
    o->px = (int64_t)price; /* 0 unless priced */
    o->qty = shares;
    o->ts = (int64_t)tb__itch_be(m + 5, 6);
    return TB_ITCH_OK;
}

/* One decoded order message into row `r` of out; a tb_itch_reason. */
static int tb__itch_row(const uint8_t *m, const tb__itch_div *px_div, const tb__itch_div *qty_div, tb_itch_rows *out,
                        size_t r) {
    tb__itch_msg o;
    const int reason = tb__itch_parse(m, px_div, qty_div, &o);
    if (reason != TB_ITCH_OK) return reason;
    out->action[r] = o.action;
    out->order_id[r] = o.id;
    out->new_id[r] = o.new_id;
    out->side[r] = o.side;
    out->px[r] = o.px;
    out->qty[r] = o.qty;
    out->ts[r] = o.ts;
    return TB_ITCH_OK;
}

/* What the record at buf[pos..len) is, for the two decoding loops: TB__ITCH_END (fewer
 * than its bytes are left: the next call's), TB__ITCH_SKIP (a record that changes no
 * order of the stock: counted, to consume), TB__ITCH_ORDER (an order message of the
 * stock, at buf + pos + 2), or a tb_itch_reason (malformed). *mlen: its length after the
 * prefix. */
enum { TB__ITCH_END = -1, TB__ITCH_SKIP = -2, TB__ITCH_ORDER = -3 };

TB_FORCE_INLINE int tb__itch_frame(tb_itch_state *st, const uint8_t *buf, size_t len, size_t pos, size_t *mlen) {
    const uint8_t *m;
    size_t want;
    if (len - pos < 2) return TB__ITCH_END;
    *mlen = (size_t)tb__itch_be(buf + pos, 2);
    if (len - pos - 2 < *mlen) return TB__ITCH_END; /* partial record: next call */
    if (*mlen == 0) return TB_ITCH_EMPTY;
    m = buf + pos + 2;
    want = tb__itch_len(m[0]);
    if (want == 0) {
        st->skipped_type++;
        return TB__ITCH_SKIP;
    }
    if (*mlen != want) return TB_ITCH_LENGTH;
    if (m[0] == 'R') {
        if (st->symbol_known && !st->locate && memcmp(m + 11, st->symbol8, 8) == 0)
            st->locate = (uint16_t)tb__itch_be(m + 1, 2);
        st->skipped_type++;
        return TB__ITCH_SKIP;
    }
    if (!st->all_stocks && (st->locate == 0 || (uint16_t)tb__itch_be(m + 1, 2) != st->locate)) {
        st->skipped_stock++;
        return TB__ITCH_SKIP;
    }
    return TB__ITCH_ORDER;
}

TB_API int tb_itch_decode(tb_itch_state *st, const uint8_t *buf, size_t len, int64_t px_div,
                          uint64_t qty_div, tb_itch_rows *out, size_t *consumed) {
    if (!st || !out || !consumed || (!buf && len)) return TB_ERR_NULL;
    if (px_div < 1 || qty_div < 1) return TB_ERR_BADARG;
    if (out->cap && (!out->action || !out->order_id || !out->new_id || !out->side || !out->px ||
                     !out->qty || !out->ts || !out->record))
        return TB_ERR_NULL;
    size_t pos = 0;
    const tb__itch_div pxd = tb__itch_div_of((uint64_t)px_div), qtyd = tb__itch_div_of(qty_div);
    out->n = 0;
    st->bad_reason = TB_ITCH_OK;
    st->bad_len = 0;
    for (;;) {
        size_t mlen = 0;
        const int kind = tb__itch_frame(st, buf, len, pos, &mlen);
        int reason = TB_ITCH_OK;
        if (kind == TB__ITCH_END) break;
        if (kind == TB__ITCH_ORDER) {
            if (out->n == out->cap) break; /* full: this record is next */
            reason = tb__itch_row(buf + pos + 2, &pxd, &qtyd, out, out->n);
            if (reason == TB_ITCH_OK) out->record[out->n++] = (int64_t)(st->records + 1);
        } else if (kind != TB__ITCH_SKIP) {
            reason = kind;
        }
        if (reason != TB_ITCH_OK) {
            st->bad_reason = reason;
            st->bad_len = mlen + 2;
            *consumed = pos;
            return TB_ERR_FORMAT;
        }
        st->records++;
        pos += mlen + 2;
    }
    *consumed = pos;
    return TB_OK;
}

#endif /* TB_ITCH_H */
