/* tb_tardis_scan.h — a fused scanner for Tardis.dev incremental_book_L2 CSV:
 * whole buffers of lines in one call, straight to the columns the replay loop
 * (tb_feed_apply.h) consumes. No Python per row, no float, no allocation.
 *
 * One pass per line: split the fields (RFC 4180 quoting allowed: a field that
 * starts with '"' runs to the matching '"', "" is a literal quote, the quotes
 * are removed in place), check side / is_snapshot, convert timestamps, price
 * and amount exactly (tb_decimal.h: a value that is not a whole number of
 * ticks / lots is refused, never rounded), and group the rows into messages:
 *
 *   - a message is a run of rows with the same is_snapshot and, for deltas,
 *     the same local_timestamp (a snapshot block is one message whatever its
 *     local_timestamps);
 *   - a snapshot message is SNAPSHOT; deltas before the first snapshot of the
 *     stream are PRESYNC (no rows); deltas after it DELTA;
 *   - a message with a bad value is ERROR (no rows; its line is the first bad
 *     row's, its error the first bad field in the order is_snapshot, side,
 *     local_timestamp, timestamp, price, amount). A bad local_timestamp counts
 *     as 0 and a bad is_snapshot as false for the grouping;
 *   - an empty line is a row of empty fields (so its symbol differs);
 *   - a line whose field count is not the header's is an ERROR message of its
 *     own; it does not break the message around it (the rows either side stay
 *     one message) and is emitted when that message closes (after it, or
 *     before it when it is an ERROR whose first bad row comes later: errors
 *     always come out in line order);
 *   - the message's ts is its last row's timestamp in ns, seq its index in
 *     the stream.
 * These are exactly the rules of the pyarrow path (tapebook/feeds/tardis.py),
 * which the differential test holds this scanner to.
 *
 * Two paths, one output. The common row (the standard header; an unquoted exchange;
 * the stream's symbol, unquoted; digits-only timestamps; true/false; bid/ask; plain
 * decimals that are a whole number of ticks / lots) goes through a fast path that
 * parses it in one pass and gives up, having changed nothing, on anything else; the
 * general path then takes the line, so odd rows and every error keep its behaviour.
 * Within a run of common rows the fast path reads only side, price and amount of a row
 * whose first five fields are the bytes of the row before (the rows of a message mostly
 * are), only the low eight digits of each timestamp besides them of one whose five
 * fields differ from those bytes only there (a message's first row, mostly), and reads
 * a price or an amount of the shape of one of its column's last two (where the point
 * is, where it stops) without searching it, and an amount "0" before the newline by two
 * byte compares. The C test holds the fast path to the general one
 * on clean and mutated files (venue-shaped ones too); the fuzz target too.
 *
 * Lines end at '\n' (a '\r' before it is dropped). A message may span calls:
 * its rows stay in `out` after the last complete message until it closes.
 *
 * API
 *   int tb_tardis_begin(tb_tardis_scan *st, const uint8_t *roles, size_t n_fields,
 *                       tb_dec_unit tick, tb_dec_unit lot, int64_t first_line,
 *                       int new_stream);
 *       Start a file whose header has n_fields columns, roles[i] the tb_tardis_role
 *       of column i (each of symbol .. amount exactly once). new_stream = 1 also
 *       forgets the stream's state (seq, synced, symbol); 0 keeps it (the next
 *       file of a list). TB_OK or TB_ERR_NULL / TB_ERR_BADARG (st unchanged).
 *   int tb_tardis_scan_buf(tb_tardis_scan *st, char *data, size_t len, int final,
 *                          tb_tardis_out *out, size_t *consumed);
 *       Scan the complete lines of data[0..len) (with final = 1 also a last
 *       line without '\n', then close the open message: the end of the file).
 *       A symbol longer than TB_TARDIS_TEXT bytes stops it like a change
 *       (its error's reason is 1).
 *       Quoted fields are unquoted in place (data is modified). Appends rows,
 *       messages and errors to out; *consumed is the byte offset where it
 *       stopped (a line start). Returns TB_TARDIS_DONE (every complete line
 *       consumed), TB_TARDIS_FULL (out has no room for another line: drain it
 *       and call again from *consumed), TB_TARDIS_SYMBOL (the line at *consumed
 *       names a second symbol; its text is the last error, msg = -1), or
 *       TB_ERR_NULL / TB_ERR_BADARG (nothing done).
 *
 * Draining `out` (the caller's side): messages [0, n_msgs) are complete and
 * own rows [0, row_end[n_msgs - 1]); rows [st->open_row0, n_rows) belong to the
 * open message. Move those to the start, set st->open_row0 = 0, n_rows to
 * their count, n_msgs = n_errs = 0.
 */
#ifndef TB_TARDIS_SCAN_H
#define TB_TARDIS_SCAN_H

#include "tb_decimal.h"

enum tb_tardis_limit {
    TB_TARDIS_MAX_FIELDS = 64, /* columns of a header this scanner takes */
    TB_TARDIS_TEXT = 256,      /* bytes of a bad value kept for its message */
    TB_TARDIS_PREFIX = 64,     /* bytes of "exchange,symbol," the fast path keeps */
    TB_TARDIS_PENDING = 32,    /* malformed lines held back while a message is open */
    /* room out must have (messages; errors the same) before each line: the open
     * message, the held-back malformed lines and the line's own */
    TB_TARDIS_MSG_ROOM = TB_TARDIS_PENDING + 2
};

/* what a column is */
enum tb_tardis_role {
    TB_TARDIS_OTHER = 0, /* exchange and any extra column: not read */
    TB_TARDIS_SYMBOL = 1,
    TB_TARDIS_TIMESTAMP = 2,
    TB_TARDIS_LOCAL_TS = 3,
    TB_TARDIS_IS_SNAPSHOT = 4,
    TB_TARDIS_SIDE = 5,
    TB_TARDIS_PRICE = 6,
    TB_TARDIS_AMOUNT = 7,
    TB_TARDIS_N_ROLES = 8
};

enum tb_tardis_status { TB_TARDIS_DONE = 0, TB_TARDIS_FULL = 1, TB_TARDIS_SYMBOL_CHANGE = 2 };

/* message kinds: the values of tb_feed_kind (tb_feeds.h checks them) */
#define TB__TARDIS_DELTA 0
#define TB__TARDIS_SNAPSHOT 1
#define TB__TARDIS_PRESYNC 5
#define TB__TARDIS_ERROR 6

/* why a line is an ERROR message */
typedef struct tb_tardis_err {
    int64_t msg;   /* its message's index in out, or -1 (a second symbol) */
    int64_t line;  /* 1-based line number */
    int32_t field; /* the tb_tardis_role of the bad value; TB_TARDIS_OTHER: wrong field count */
    int32_t reason; /* numbers: the tb_dec_reason; wrong field count: the count; else 0 */
    uint64_t len;   /* the value's length (text holds its first TB_TARDIS_TEXT bytes) */
    char text[TB_TARDIS_TEXT];
} tb_tardis_err;

typedef struct tb_tardis_out {
    uint8_t *side; /* rows: 1 bid / 0 ask, ticks, lots */
    int64_t *px;
    uint64_t *qty;
    size_t rows_cap, n_rows;
    int64_t *row_end; /* messages */
    int64_t *ts;
    int64_t *seq;
    int64_t *line;
    uint8_t *kind;
    size_t msgs_cap, n_msgs;
    tb_tardis_err *errs;
    size_t errs_cap, n_errs;
} tb_tardis_out;

typedef struct tb_tardis_scan {
    uint8_t role[TB_TARDIS_MAX_FIELDS];
    uint32_t n_fields;
    tb_dec_unit tick, lot;
    int64_t line; /* number of the next line */
    int64_t seq;  /* the next message's seq */
    int synced;   /* a snapshot message was seen */
    /* the open message */
    int open, open_snap, open_bad;
    int64_t open_lts, open_ts, open_line;
    size_t open_row0;
    tb_tardis_err open_err;
    /* malformed lines inside the open message, emitted when it closes */
    size_t n_pend;
    int64_t pend_line[TB_TARDIS_PENDING];
    int32_t pend_count[TB_TARDIS_PENDING];
    /* the stream's symbol (its first row's) */
    int have_symbol;
    size_t symbol_len;
    char symbol[TB_TARDIS_TEXT];
    /* the fast path's "exchange,symbol," of its last row (length 0: none yet) */
    size_t prefix_len;
    char prefix[TB_TARDIS_PREFIX];
} tb_tardis_scan;

TB_API int tb_tardis_begin(tb_tardis_scan *st, const uint8_t *roles, size_t n_fields, tb_dec_unit tick,
                           tb_dec_unit lot, int64_t first_line, int new_stream) {
    unsigned seen[TB_TARDIS_N_ROLES] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i;
    int r;
    if (!st || !roles) return TB_ERR_NULL;
    if (n_fields < TB_TARDIS_N_ROLES - 1 || n_fields > (size_t)TB_TARDIS_MAX_FIELDS || first_line < 1) return TB_ERR_BADARG;
    if (!tb__dec_unit_ok(tick) || !tb__dec_unit_ok(lot)) return TB_ERR_BADARG;
    for (i = 0; i < n_fields; i++) {
        if (roles[i] >= TB_TARDIS_N_ROLES) return TB_ERR_BADARG;
        seen[roles[i]]++;
    }
    for (r = TB_TARDIS_SYMBOL; r < TB_TARDIS_N_ROLES; r++) {
        if (seen[r] != 1) return TB_ERR_BADARG;
    }
    if (new_stream) {
        memset(st, 0, sizeof *st);
    }
    memset(st->role, 0, sizeof st->role);
    memcpy(st->role, roles, n_fields);
    st->n_fields = (uint32_t)n_fields;
    st->tick = tick;
    st->lot = lot;
    st->line = first_line;
    st->open = 0;
    st->open_bad = 0;
    st->open_row0 = 0;
    st->n_pend = 0;
    return TB_OK;
}

/* ---- one field ---------------------------------------------------------------------- */

/* Split the field at p (< le) into [*fs, *fs + *fl); returns where it ended (at
 * ',' or le). A field starting with '"' is unquoted in place: "" is one
 * quote, the closing quote ends the quoting and the rest up to ',' is kept
 * as is; an unclosed quote runs to the end of the line. */
static char *tb__tardis_quoted(char *p, char *le, char **fs, size_t *fl) {
    char *w = p, *r = p + 1;
    *fs = p;
    for (;;) {
        if (r >= le) break; /* unclosed */
        if (*r == '"') {
            if (r + 1 < le && r[1] == '"') {
                *w++ = '"';
                r += 2;
                continue;
            }
            r++; /* closing quote: the rest of the field is plain */
            while (r < le && *r != ',') *w++ = *r++;
            break;
        }
        *w++ = *r++;
    }
    *fl = (size_t)(w - p);
    return r;
}

/* the next ',' in [q, le), or le: eight bytes at a time (a word has a ',' byte
 * when (w ^ ',,,,,,,,') has a zero byte), the byte found by a short loop, so
 * the result does not depend on the machine's byte order */
TB_FORCE_INLINE char *tb__tardis_comma(char *q, char *le) {
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    while (le - q >= 8) {
        uint64_t w, v;
        memcpy(&w, q, 8);
        v = w ^ (ones * (uint64_t)',');
        if ((v - ones) & ~v & highs) break;
        q += 8;
    }
    while (q < le && *q != ',') q++;
    return q;
}

/* eight bytes from q as a little-endian word, whatever the machine's byte order */
TB_FORCE_INLINE uint64_t tb__tardis_word(const char *q) {
    const unsigned char *b = (const unsigned char *)q;
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
           (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}

/* The eight bytes of w (tb__tardis_word) are all digits: 1 and their value in *val. A
 * byte is a digit when it and it + 6 are both 0x3X. */
TB_FORCE_INLINE int tb__tardis_8digits(uint64_t w, uint64_t *val) {
    const uint64_t highs = UINT64_C(0xF0F0F0F0F0F0F0F0), zeros = UINT64_C(0x3030303030303030);
    if ((w & highs) != zeros || ((w + UINT64_C(0x0606060606060606)) & highs) != zeros) return 0;
    w -= zeros; /* eight digits 0..9, the first in the low byte: pairs, fours, eight */
    w = (w * 10 + (w >> 8)) & UINT64_C(0x00FF00FF00FF00FF);
    w = (w * 100 + (w >> 16)) & UINT64_C(0x0000FFFF0000FFFF);
    w = (w * 10000 + (w >> 32)) & UINT64_C(0x00000000FFFFFFFF);
    *val = w;
    return 1;
}

/* The run of digits from q (before end) appended to *v (wrapping past 19 digits, which
 * the callers refuse); returns where it stopped. Eight digits at a time while it can
 * (timestamps have sixteen, amounts often eight decimals). */
TB_FORCE_INLINE const char *tb__tardis_digits(const char *q, const char *end, uint64_t *v) {
    uint64_t x = *v, w;
    while (end - q >= 8 && tb__tardis_8digits(tb__tardis_word(q), &w)) {
        x = x * 100000000 + w;
        q += 8;
    }
    for (; q < end; q++) {
        unsigned d = (unsigned)(unsigned char)*q - (unsigned)'0';
        if (d > 9) break;
        x = x * 10 + d;
    }
    *v = x;
    return q;
}

/* integer microseconds: a plain run of up to 18 digits without the decimal machinery */
TB_FORCE_INLINE int tb__tardis_micros(const char *s, size_t n, int64_t *out) {
    static const tb_dec_unit one = {1, 0, 0};
    uint64_t v = 0;
    int r;
    if (n && n <= 18 && tb__tardis_digits(s, s + n, &v) == s + n) {
        *out = (int64_t)v;
        return TB_DEC_OK;
    }
    r = tb_dec_parse(s, n, one, 0, &v);
    *out = r ? 0 : (int64_t)v;
    return r;
}

/* A plain "digits[.digits]" run from s (before end): its digits as a number m (wrapping
 * past 19 digits, which tb__tardis_scale refuses), their count and how many follow the
 * point. Returns where it stopped: end or the first byte that is neither a digit nor the
 * first '.'. Shared by the general path (a whole field) and the fast path (up to ','). */
TB_FORCE_INLINE const char *tb__tardis_plain(const char *s, const char *end, uint64_t *m, size_t *dig,
                                             int64_t *frac) {
    uint64_t v = 0;
    const char *q = tb__tardis_digits(s, end, &v), *f;
    *frac = 0;
    if (q < end && *q == '.') {
        f = q + 1;
        q = tb__tardis_digits(f, end, &v);
        *frac = q - f;
        *dig = (size_t)(q - s - 1);
    } else {
        *dig = (size_t)(q - s);
    }
    *m = v;
    return q;
}

/* tb__tardis_plain for a run that ends within 16 bytes of s (16 bytes readable before
 * end): the same stop, *m, *dig and *frac, found from two words at once (where the
 * digits stop, whether that is the point, where they stop after it) instead of a byte
 * loop; NULL when it cannot say (the run is longer, or fewer bytes are left): the
 * caller then asks tb__tardis_plain. */
TB_FORCE_INLINE const char *tb__tardis_plain16(const char *s, const char *end, uint64_t *m, size_t *dig,
                                               int64_t *frac) {
    const uint64_t zeros = UINT64_C(0x3030303030303030);
    uint64_t t0, t1, n0, n1, low;
    unsigned a, b, k, d;
    if (end - s < 16) return NULL;
    t0 = tb__tardis_word(s) ^ zeros;
    t1 = tb__tardis_word(s + 8) ^ zeros;
    n0 = tb__dec_nondigits8(t0);
    n1 = tb__dec_nondigits8(t1);
    if (n0) {
        a = (unsigned)tb__ctz64(n0) / 8;
    } else if (n1) {
        a = 8 + (unsigned)tb__ctz64(n1) / 8;
    } else {
        return NULL;
    }
    b = a; /* the stop */
    if (s[a] == '.') {
        /* the next byte that is not a digit after the point */
        if (a < 7 && (n0 & ~((UINT64_C(2) << (8 * a + 7)) - 1u))) {
            b = (unsigned)tb__ctz64(n0 & ~((UINT64_C(2) << (8 * a + 7)) - 1u)) / 8;
        } else {
            uint64_t rest = a < 8 ? n1 : n1 & ~((UINT64_C(2) << (8 * (a - 8) + 7)) - 1u);
            if (a == 15 || !rest) return NULL;
            b = 8 + (unsigned)tb__ctz64(rest) / 8;
        }
        /* the point taken out: the bytes above it move down one */
        if (a < 8) {
            low = (UINT64_C(1) << (8 * a)) - 1u;
            t0 = (t0 & low) | ((t0 >> 8) & ~low) | (t1 << 56);
            t1 >>= 8;
        } else {
            low = (UINT64_C(1) << (8 * (a - 8))) - 1u;
            t1 = (t1 & low) | ((t1 >> 8) & ~low);
        }
        d = b - 1;
        *frac = (int64_t)(b - a - 1);
    } else {
        d = a;
        *frac = 0;
    }
    *dig = d;
    if (d == 0) {
        *m = 0;
    } else if (d <= 8) {
        *m = tb__dec_digits8(t0, d);
    } else {
        k = d - 8;
        *m = tb__dec_digits8(t0, 8) * tb__dec_pow10[k] + tb__dec_digits8(t1, k);
    }
    return s + b;
}

/* m * 10^-frac / unit exactly, when that needs no division by a power of ten (at most
 * 19 digits, no overflow, a whole number of units): 1 and *out, else 0 (the caller then
 * asks tb_dec_parse, which has the value or the reason). */
TB_FORCE_INLINE int tb__tardis_scale(uint64_t m, size_t dig, int64_t frac, tb_dec_unit unit, int is_unsigned,
                                     uint64_t *out) {
    int64_t k = -unit.exp - frac; /* value / unit = m * 10^k / unit.mant */
    if (dig == 0 || dig > 19 || k < 0 || k > 19) return 0;
    if (k) {
        if (m > UINT64_MAX / tb__dec_pow10[k]) return 0;
        m *= tb__dec_pow10[k];
    }
    if (unit.mant != 1) {
        if (m % unit.mant) return 0;
        m /= unit.mant;
    }
    if (!is_unsigned && m > (uint64_t)INT64_MAX) return 0;
    *out = m;
    return 1;
}

/* value / unit exactly, with a one-pass fast path for the plain "digits[.digits]"
 * values venues write (at most 20 bytes, tb__tardis_scale's conditions); anything
 * else, and any value the fast path would have to refuse, goes through tb_dec_parse,
 * so the results and the reasons are tb_dec_parse's. */
TB_FORCE_INLINE int tb__tardis_dec(const char *s, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out) {
    uint64_t m;
    size_t dig;
    int64_t frac;
    if (n && n <= 20 && tb__tardis_plain(s, s + n, &m, &dig, &frac) == s + n &&
        tb__tardis_scale(m, dig, frac, unit, is_unsigned, out))
        return TB_DEC_OK;
    return tb_dec_parse(s, n, unit, is_unsigned, out);
}

/* s[0..n) == lit[0..len) for short literals, without a libc call */
TB_FORCE_INLINE int tb__tardis_is(const char *s, size_t n, const char *lit, size_t len) {
    size_t i;
    if (n != len) return 0;
    for (i = 0; i < len; i++)
        if (s[i] != lit[i]) return 0;
    return 1;
}

/* ---- messages ------------------------------------------------------------------------- */

static void tb__tardis_copy_err(tb_tardis_err *e, int64_t line, int field, int reason, const char *s, size_t n) {
    e->msg = -1;
    e->line = line;
    e->field = (int32_t)field;
    e->reason = (int32_t)reason;
    e->len = (uint64_t)n;
    if (n > (size_t)TB_TARDIS_TEXT) n = TB_TARDIS_TEXT;
    if (n) memcpy(e->text, s, n);
}

static void tb__tardis_push_msg(tb_tardis_out *out, size_t row_end, int64_t ts, int64_t seq, int64_t line,
                                uint8_t kind) {
    size_t m = out->n_msgs++;
    out->row_end[m] = (int64_t)row_end;
    out->ts[m] = ts;
    out->seq[m] = seq;
    out->line[m] = line;
    out->kind[m] = kind;
}

static void tb__tardis_malformed(tb_tardis_scan *st, tb_tardis_out *out, int64_t line, int32_t count) {
    tb_tardis_err *e = &out->errs[out->n_errs++];
    tb__tardis_copy_err(e, line, TB_TARDIS_OTHER, count, NULL, 0);
    e->msg = (int64_t)out->n_msgs;
    /* no rows; an open message's rows (after open_row0) stay its own */
    tb__tardis_push_msg(out, st->open ? st->open_row0 : out->n_rows, 0, st->seq++, line, TB__TARDIS_ERROR);
}

static void tb__tardis_close(tb_tardis_scan *st, tb_tardis_out *out) {
    uint8_t kind;
    size_t i;
    if (!st->open) return;
    if (st->open_snap) {
        kind = TB__TARDIS_SNAPSHOT;
        st->synced = 1;
    } else {
        kind = st->synced ? TB__TARDIS_DELTA : TB__TARDIS_PRESYNC;
    }
    if (st->open_bad) kind = TB__TARDIS_ERROR;
    if (kind != TB__TARDIS_DELTA && kind != TB__TARDIS_SNAPSHOT) out->n_rows = st->open_row0; /* no rows */
    i = 0;
    if (kind == TB__TARDIS_ERROR) {
        tb_tardis_err *e;
        /* errors in line order: held-back lines before the message's first bad row go first */
        for (; i < st->n_pend && st->pend_line[i] < st->open_err.line; i++)
            tb__tardis_malformed(st, out, st->pend_line[i], st->pend_count[i]);
        e = &out->errs[out->n_errs++];
        *e = st->open_err;
        e->msg = (int64_t)out->n_msgs;
        tb__tardis_push_msg(out, out->n_rows, 0, st->seq++, st->open_err.line, kind);
    } else {
        /* ts in ns: the row's check kept |timestamp| <= INT64_MAX / 1000 */
        tb__tardis_push_msg(out, out->n_rows, st->open_ts * 1000, st->seq++, st->open_line, kind);
    }
    st->open = 0;
    st->open_bad = 0;
    st->open_row0 = out->n_rows;
    for (; i < st->n_pend; i++) tb__tardis_malformed(st, out, st->pend_line[i], st->pend_count[i]);
    st->n_pend = 0;
    st->open_row0 = out->n_rows;
}

/* ---- the scan ------------------------------------------------------------------------- */

static int tb__tardis_out_ok(const tb_tardis_out *out) {
    if (out->n_rows > out->rows_cap || out->n_msgs > out->msgs_cap || out->n_errs > out->errs_cap) return 0;
    if (out->rows_cap && (!out->side || !out->px || !out->qty)) return 0;
    if (out->msgs_cap && (!out->row_end || !out->ts || !out->seq || !out->line || !out->kind)) return 0;
    if (out->errs_cap && !out->errs) return 0;
    return 1;
}

/* One row into the open message. A change of is_snapshot, or of local_timestamp between
 * delta rows, closes the open message first; a bad value (bad_field, its reason and text)
 * makes the message an ERROR that keeps no rows. Shared by the general and fast paths. */
TB_FORCE_INLINE void tb__tardis_row(tb_tardis_scan *st, tb_tardis_out *out, int64_t line, int snap, int64_t lts,
                                    int bid, int64_t ts, uint64_t px, uint64_t qty, int bad_field, int bad_reason,
                                    const char *bad_s, size_t bad_n) {
    if (st->open && (snap != st->open_snap || (!snap && lts != st->open_lts))) tb__tardis_close(st, out);
    if (!st->open) {
        st->open = 1;
        st->open_snap = snap;
        st->open_bad = 0;
        st->open_line = line;
        st->open_row0 = out->n_rows;
    }
    st->open_lts = lts;
    if (bad_field && !st->open_bad) {
        st->open_bad = 1;
        tb__tardis_copy_err(&st->open_err, line, bad_field, bad_reason, bad_s, bad_n);
    }
    if (!st->open_bad) {
        size_t i = out->n_rows++;
        out->side[i] = (uint8_t)bid;
        out->px[i] = (int64_t)px;
        out->qty[i] = qty;
        st->open_ts = ts;
    }
}

/* One data line [p, le): returns TB_TARDIS_DONE or TB_TARDIS_SYMBOL_CHANGE. */
static int tb__tardis_line(tb_tardis_scan *st, char *p, char *le, tb_tardis_out *out) {
    char *fs[TB_TARDIS_N_ROLES] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t fl[TB_TARDIS_N_ROLES] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t line = st->line;
    size_t nf = 0;
    char *q = p;
    int snap = 0, bid = 0, bad_field = 0, bad_reason = 0, r;
    int64_t lts = 0, ts = 0;
    uint64_t px = 0, qty = 0;
    /* an empty line is a row of empty fields (as pyarrow reads it with empty lines kept) */
    if (p == le) {
        unsigned k;
        for (k = 0; k < TB_TARDIS_N_ROLES; k++) fs[k] = p;
        nf = st->n_fields;
    }
    /* split: roles beyond the header's count are not stored, only counted */
    while (p != le) {
        char *s;
        size_t n;
        if (q < le && *q == '"') {
            q = tb__tardis_quoted(q, le, &s, &n);
        } else {
            s = q;
            q = tb__tardis_comma(q, le);
            n = (size_t)(q - s);
        }
        if (nf < st->n_fields) {
            unsigned role = st->role[nf];
            fs[role] = s;
            fl[role] = n;
        }
        nf++;
        if (q >= le) break;
        q++; /* the ',' */
    }
    if (nf != st->n_fields) {
        int32_t count = nf > (size_t)INT32_MAX ? INT32_MAX : (int32_t)nf;
        if (st->open && st->n_pend < (size_t)TB_TARDIS_PENDING) {
            st->pend_line[st->n_pend] = line;
            st->pend_count[st->n_pend] = count;
            st->n_pend++;
        } else {
            /* no message open (or too many held back): the ERROR message goes out now */
            tb__tardis_malformed(st, out, line, count);
            if (!st->open) st->open_row0 = out->n_rows;
        }
        return TB_TARDIS_DONE;
    }
    /* the stream's one symbol */
    {
        const char *s = fs[TB_TARDIS_SYMBOL];
        size_t n = fl[TB_TARDIS_SYMBOL];
        if (!st->have_symbol) {
            if (n <= (size_t)TB_TARDIS_TEXT) {
                if (n) memcpy(st->symbol, s, n);
                st->symbol_len = n;
                st->have_symbol = 1;
            } else { /* too long to keep: reported as a change with reason 1 */
                if (out->n_errs < out->errs_cap) {
                    tb__tardis_copy_err(&out->errs[out->n_errs++], line, TB_TARDIS_SYMBOL, 1, s, n);
                }
                return TB_TARDIS_SYMBOL_CHANGE;
            }
        } else if (!tb__tardis_is(s, n, st->symbol, st->symbol_len)) {
            if (out->n_errs < out->errs_cap) {
                tb__tardis_copy_err(&out->errs[out->n_errs++], line, TB_TARDIS_SYMBOL, 0, s, n);
            }
            return TB_TARDIS_SYMBOL_CHANGE;
        }
    }
    /* the values, in the order the pyarrow path reports the first bad one */
    {
        const char *s = fs[TB_TARDIS_IS_SNAPSHOT];
        size_t n = fl[TB_TARDIS_IS_SNAPSHOT];
        if (tb__tardis_is(s, n, "true", 4)) {
            snap = 1;
        } else if (!tb__tardis_is(s, n, "false", 5)) {
            bad_field = TB_TARDIS_IS_SNAPSHOT;
        }
    }
    {
        const char *s = fs[TB_TARDIS_SIDE];
        size_t n = fl[TB_TARDIS_SIDE];
        if (tb__tardis_is(s, n, "bid", 3)) {
            bid = 1;
        } else if (!tb__tardis_is(s, n, "ask", 3) && !bad_field) {
            bad_field = TB_TARDIS_SIDE;
        }
    }
    r = tb__tardis_micros(fs[TB_TARDIS_LOCAL_TS], fl[TB_TARDIS_LOCAL_TS], &lts);
    if (r && !bad_field) {
        bad_field = TB_TARDIS_LOCAL_TS;
        bad_reason = r;
    }
    r = tb__tardis_micros(fs[TB_TARDIS_TIMESTAMP], fl[TB_TARDIS_TIMESTAMP], &ts);
    if (!r && (ts > INT64_MAX / 1000 || ts < INT64_MIN / 1000)) r = TB_DEC_RANGE; /* in ns it must fit */
    if (r && !bad_field) {
        bad_field = TB_TARDIS_TIMESTAMP;
        bad_reason = r;
    }
    r = tb__tardis_dec(fs[TB_TARDIS_PRICE], fl[TB_TARDIS_PRICE], st->tick, 0, &px);
    if (r && !bad_field) {
        bad_field = TB_TARDIS_PRICE;
        bad_reason = r;
    }
    r = tb__tardis_dec(fs[TB_TARDIS_AMOUNT], fl[TB_TARDIS_AMOUNT], st->lot, 1, &qty);
    if (r && !bad_field) {
        bad_field = TB_TARDIS_AMOUNT;
        bad_reason = r;
    }
    tb__tardis_row(st, out, line, snap, lts, bid, ts, px, qty, bad_field, bad_reason, fs[bad_field], fl[bad_field]);
    return TB_TARDIS_DONE;
}

/* ---- the fast path ---------------------------------------------------------------------- */

/* The two words of the last sixteen-digit timestamp of a column and their values:
 * the rows of a message mostly repeat its timestamps, and the first eight digits
 * change every 100 s. Both start as "00000000" (a true entry: any word may occur). */
typedef struct tb__tardis_ts_cache {
    uint64_t hi_word, hi_val, lo_word, lo_val;
} tb__tardis_ts_cache;

#define TB__TARDIS_TS_CACHE_INIT {UINT64_C(0x3030303030303030), 0, UINT64_C(0x3030303030303030), 0}

/* digits-only microseconds (1 to 18 digits, tb__tardis_micros's own fast case) up to ',':
 * where the next field starts, or NULL. Sixteen digits (every timestamp of this century)
 * in two words without a loop, each word converted only when it differs from the
 * column's last one (c). */
TB_FORCE_INLINE const char *tb__tardis_fast_micros(const char *q, const char *end, int64_t *out,
                                                   tb__tardis_ts_cache *c) {
    uint64_t v = 0;
    const char *e;
    if (end - q > 16 && q[16] == ',') {
        const uint64_t hi = tb__tardis_word(q), lo = tb__tardis_word(q + 8);
        if (hi != c->hi_word && tb__tardis_8digits(hi, &c->hi_val)) c->hi_word = hi;
        if (lo != c->lo_word && tb__tardis_8digits(lo, &c->lo_val)) c->lo_word = lo;
        if (hi == c->hi_word && lo == c->lo_word) {
            *out = (int64_t)(c->hi_val * 100000000 + c->lo_val);
            return q + 17;
        }
    }
    e = tb__tardis_digits(q, end, &v);
    if (e == q || e - q > 18 || e >= end || *e != ',') return NULL;
    *out = (int64_t)v;
    return e + 1;
}

/* the literal c0 c1 ... as the little-endian word tb__tardis_word reads (unused bytes 0) */
#define TB__TARDIS_LIT(c0, c1, c2, c3, c4, c5)                                                   \
    ((uint64_t)(unsigned char)(c0) | (uint64_t)(unsigned char)(c1) << 8 |                        \
     (uint64_t)(unsigned char)(c2) << 16 | (uint64_t)(unsigned char)(c3) << 24 |                 \
     (uint64_t)(unsigned char)(c4) << 32 | (uint64_t)(unsigned char)(c5) << 40)

/* the word w begins with the n-byte literal word lit (n < 8) */
TB_FORCE_INLINE int tb__tardis_word_is(uint64_t w, uint64_t lit, unsigned n) {
    return (w & ((UINT64_C(1) << (8u * n)) - 1u)) == lit;
}

/* [q, q + n) == prefix[0..n), a word at a time (n >= 8: the last word overlaps) */
TB_FORCE_INLINE int tb__tardis_same(const char *q, const char *prefix, size_t n) {
    size_t i = 0;
    if (n < 8) return tb__tardis_is(q, n, prefix, n);
    for (; i + 8 < n; i += 8)
        if (tb__tardis_word(q + i) != tb__tardis_word(prefix + i)) return 0;
    return tb__tardis_word(q + n - 8) == tb__tardis_word(prefix + n - 8);
}

/* The bytes where [p, p + 64) and [r, r + 64) differ, bit i for byte i (64 bytes
 * readable at both): the head of a row against the row before's, in one go. SSE2 where
 * the compiler targets it (x86-64 always), else eight bytes a word (the same bits);
 * -DTB_FORCE_PORTABLE_BITS takes the words everywhere so the tests cover both. */
#if defined(__SSE2__) && !defined(TB_FORCE_PORTABLE_BITS)
#include <emmintrin.h>
TB_FORCE_INLINE uint64_t tb__tardis_diff64(const char *p, const char *r) {
#define TB__TARDIS_EQ16(k)                                                                                   \
    ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * (k))), \
                                                          _mm_loadu_si128((const __m128i *)(const void *)(r + 16 * (k))))) \
     << (16 * (k)))
    const uint64_t eq = TB__TARDIS_EQ16(0) | TB__TARDIS_EQ16(1) | TB__TARDIS_EQ16(2) | TB__TARDIS_EQ16(3);
#undef TB__TARDIS_EQ16
    return ~eq;
}
#else
TB_FORCE_INLINE uint64_t tb__tardis_diff64(const char *p, const char *r) {
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    uint64_t d = 0;
    unsigned k;
    for (k = 0; k < 8; k++) {
        const uint64_t x = tb__tardis_word(p + 8 * k) ^ tb__tardis_word(r + 8 * k);
        /* the high bit of each non-zero byte of x (exact: no carry crosses a byte), then
         * those eight bits to bits 0..7 by one multiply (no two products meet) */
        const uint64_t high = (((x & low7) + low7) | x) & ~low7;
        d |= ((high * UINT64_C(0x02040810204081)) >> 56) << (8 * k);
    }
    return d;
}
#endif

/* the header is exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount */
static int tb__tardis_std_roles(const tb_tardis_scan *st) {
    static const uint8_t std_roles[8] = {TB_TARDIS_OTHER,       TB_TARDIS_SYMBOL, TB_TARDIS_TIMESTAMP,
                                         TB_TARDIS_LOCAL_TS,    TB_TARDIS_IS_SNAPSHOT, TB_TARDIS_SIDE,
                                         TB_TARDIS_PRICE,       TB_TARDIS_AMOUNT};
    return st->n_fields == 8 && memcmp(st->role, std_roles, 8) == 0;
}

/* The shape of a column's recent plain value (tb__tardis_plain's "digits[.digits]", the
 * point and the stop within 16 bytes): a value of the same shape is checked with two
 * masked compares and converted without looking for its point and its end, and scaled
 * by one multiply (the shapes kept are those tb__tardis_scale takes with a unit of
 * mantissa 1 and no overflow possible, so the result is its). Prices keep their shape
 * from row to row; amounts mostly alternate between two ("0" and "0.12345678"): two
 * shapes a column, the older replaced. stop = 0: empty. */
typedef struct tb__tardis_shape {
    uint64_t m0, m1; /* 0x80 in each byte of [0, stop] of word 0 and word 1 */
    uint64_t k0, k1; /* of those, the non-digits: the point (if any) and the stop */
    uint64_t low;    /* the bytes below the point within its word */
    uint64_t mul;    /* the scale: 10^(-unit.exp - frac) */
    unsigned stop, point, dig; /* point: its byte + 1, 0 without one */
    /* how its digits become a number: TB__TARDIS_ONE_WORD (within the first word: the
     * digits before the point, intm, and after it, fracm, shifted to the top of one word
     * by s_int and s_frac, one conversion), TB__TARDIS_ONE_EIGHT ("d.dddddddd": the
     * digit, then the eight after the point as one word), else TB__TARDIS_SPLIT */
    unsigned conv, s_int, s_frac;
    uint64_t intm, fracm;
    unsigned cmask, dmask, pmask; /* bits [0, stop] of the 16 bytes; of those, the digits, the point (SSE2) */
} tb__tardis_shape;

enum { TB__TARDIS_SPLIT = 0, TB__TARDIS_ONE_WORD = 1, TB__TARDIS_ONE_EIGHT = 2 };

typedef struct tb__tardis_shapes {
    tb__tardis_shape s[2];
    unsigned next; /* the one to replace */
} tb__tardis_shapes;

/* 0x80 in the bytes [from, to] of the word that holds bytes [base, base + 8) */
TB_FORCE_INLINE uint64_t tb__tardis_bytes(unsigned from, unsigned to, unsigned base) {
    uint64_t m = 0;
    unsigned i;
    for (i = from; i <= to; i++)
        if (i >= base && i < base + 8) m |= UINT64_C(0x80) << (8 * (i - base));
    return m;
}

/* a value of shape h at q (16 bytes readable): 1 and *out, else 0. Where SSE2 is, the 16
 * bytes are classified at once (a byte is a digit when byte - '0' is at most 9 unsigned:
 * tb__dec_nondigits8's test) and [0, stop] must be digits but for the point, which is '.',
 * and the stop, which is neither (with a point, a '.' stop is refused here rather than by
 * the caller, which wants ',' or a line end there: the same NULL); else a word at a time. */
TB_FORCE_INLINE int tb__tardis_shape_take(const tb__tardis_shape *h, const char *q, uint64_t *out) {
    const uint64_t zeros = UINT64_C(0x3030303030303030);
    uint64_t t0, t1, m;
#if defined(__SSE2__) && !defined(TB_FORCE_PORTABLE_BITS)
    {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q), t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        const unsigned dig = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t)),
                       dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
        if ((dig & h->cmask) != h->dmask || (dot & h->cmask) != h->pmask) return 0;
    }
    t0 = tb__tardis_word(q) ^ zeros;
#else
    t0 = tb__tardis_word(q) ^ zeros;
    t1 = tb__tardis_word(q + 8) ^ zeros;
    if ((tb__dec_nondigits8(t0) & h->m0) != h->k0 || (tb__dec_nondigits8(t1) & h->m1) != h->k1) return 0;
    if (!h->point) {
        if (q[h->stop] == '.') return 0; /* "4.25" is not of the shape of "0": the point is no stop */
    } else if (q[h->point - 1] != '.') {
        return 0;
    }
#endif
    if (h->conv == TB__TARDIS_ONE_WORD) { /* the digits to the top of t0, around the point */
        *out = tb__dec_digits8(((t0 & h->intm) << h->s_int) | ((t0 & h->fracm) << h->s_frac), 8) * h->mul;
        return 1;
    }
    if (h->conv == TB__TARDIS_ONE_EIGHT) { /* the digit, then bytes 2..9: eight digits */
        *out = ((t0 & 0xFF) * 100000000u + tb__dec_digits8(tb__tardis_word(q + 2) ^ zeros, 8)) * h->mul;
        return 1;
    }
    t1 = tb__tardis_word(q + 8) ^ zeros;
    if (h->point) {
        /* the point taken out: the bytes above it move down one (as tb__tardis_plain16) */
        if (h->point <= 8) {
            t0 = (t0 & h->low) | ((t0 >> 8) & ~h->low) | (t1 << 56);
            t1 >>= 8;
        } else {
            t1 = (t1 & h->low) | ((t1 >> 8) & ~h->low);
        }
    }
    m = h->dig <= 8 ? tb__dec_digits8(t0, h->dig)
                    : tb__dec_digits8(t0, 8) * tb__dec_pow10[h->dig - 8] + tb__dec_digits8(t1, h->dig - 8);
    *out = m * h->mul;
    return 1;
}

/* Keep the shape of the value at q that stopped at q + stop with tb__tardis_plain's dig and
 * frac, when a value of that shape always scales without a check: mantissa 1, a whole
 * number of units, fewer than 19 digits with the scale (so it fits int64). */
TB_FORCE_INLINE void tb__tardis_shape_keep(tb__tardis_shapes *c, const char *q, size_t stop, size_t dig,
                                           int64_t frac, tb_dec_unit unit) {
    const int64_t k = -unit.exp - frac;
    tb__tardis_shape *h;
    unsigned a = (unsigned)stop, i;
    if (unit.mant != 1 || stop == 0 || stop > 15 || dig == 0 || k < 0 || (int64_t)dig + k > 18) return;
    for (i = 0; i < (unsigned)stop; i++)
        if (q[i] == '.') a = i;
    h = &c->s[c->next];
    c->next ^= 1u;
    h->stop = (unsigned)stop;
    h->point = a < stop ? a + 1 : 0;
    h->dig = (unsigned)dig;
    h->mul = tb__dec_pow10[k];
    h->m0 = tb__tardis_bytes(0, h->stop, 0);
    h->m1 = tb__tardis_bytes(0, h->stop, 8);
    h->k0 = tb__tardis_bytes(h->stop, h->stop, 0) | (h->point ? tb__tardis_bytes(a, a, 0) : 0);
    h->k1 = tb__tardis_bytes(h->stop, h->stop, 8) | (h->point ? tb__tardis_bytes(a, a, 8) : 0);
    h->cmask = (2u << h->stop) - 1u;
    h->pmask = h->point ? 1u << a : 0u;
    h->dmask = h->cmask & ~(1u << h->stop) & ~h->pmask;
    h->low = a < 8 ? (UINT64_C(1) << (8 * a)) - 1u : (UINT64_C(1) << (8 * (a - 8) % 64)) - 1u;
    h->conv = TB__TARDIS_SPLIT;
    h->s_int = h->s_frac = 0;
    h->intm = h->fracm = 0;
    if (stop <= 8) {
        /* bytes [0, a) before the point, (a, stop) after it (a = stop: no point); the
         * dig digits end at the top of the word: those after the point move up by
         * 8 - stop bytes, those before it one more without a point between them */
        h->conv = TB__TARDIS_ONE_WORD;
        h->intm = a ? ~UINT64_C(0) >> (64 - 8 * a) : 0;
        h->s_int = 8 * (8 - (unsigned)dig);
        if (h->point && a + 1 < stop) { /* digits after the point ("5." has none) */
            h->fracm = (stop == 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * stop)) - 1u) & ~((UINT64_C(1) << (8 * a + 8)) - 1u);
            h->s_frac = 8 * (8 - (unsigned)stop);
        }
    } else if (a == 1 && frac == 8) {
        h->conv = TB__TARDIS_ONE_EIGHT;
    }
}

/* the value at q (before end) as a plain decimal of its column's unit, through a kept shape
 * or tb__tardis_plain16 / tb__tardis_plain and tb__tardis_scale: where it stops, or NULL
 * (the unit by address: read only off the kept shapes, not copied for every value) */
TB_FORCE_INLINE const char *tb__tardis_value(const char *q, const char *end, const tb_dec_unit *unit,
                                             int is_unsigned, tb__tardis_shapes *c, uint64_t *out) {
    const char *e;
    uint64_t m;
    size_t dig;
    int64_t frac;
    if (end - q >= 16) {
        if (c->s[0].stop && tb__tardis_shape_take(&c->s[0], q, out)) return q + c->s[0].stop;
        if (c->s[1].stop && tb__tardis_shape_take(&c->s[1], q, out)) return q + c->s[1].stop;
    }
    if (!(e = tb__tardis_plain16(q, end, &m, &dig, &frac))) e = tb__tardis_plain(q, end, &m, &dig, &frac);
    if (e - q > 20 || !tb__tardis_scale(m, dig, frac, *unit, is_unsigned, out)) return NULL;
    tb__tardis_shape_keep(c, q, (size_t)(e - q), dig, frac, *unit);
    return e;
}

/* the values of a common row */
typedef struct tb__tardis_vals {
    int snap, bid;
    int64_t ts, lts;
    uint64_t px, qty;
} tb__tardis_vals;

/* The rest of a common row from q (side, price, amount, end of line; before end): the
 * line's '\n' with v->bid, px and qty, or NULL. */
TB_FORCE_INLINE const char *tb__tardis_fast_rest(const tb_tardis_scan *st, const char *q, const char *end,
                                                 tb__tardis_vals *v, tb__tardis_shapes *shapes) {
    const char *e;
    uint64_t w;
    if (end - q < 8) return NULL;
    w = tb__tardis_word(q);
    /* "bid," or "ask,": one test (the product of the two differences is 0), the side
     * then a compare, not a branch (a coin flip that a branch would mispredict) */
    {
        const uint64_t x = w & UINT64_C(0xFFFFFFFF), b4 = TB__TARDIS_LIT('b', 'i', 'd', ',', 0, 0),
                       a4 = TB__TARDIS_LIT('a', 's', 'k', ',', 0, 0);
        if (((x ^ b4) * (x ^ a4)) != 0) return NULL;
        v->bid = x == b4;
    }
    q += 4;
    if (!(e = tb__tardis_value(q, end, &st->tick, 0, &shapes[0], &v->px)) || e >= end || *e != ',') return NULL;
    q = e + 1;
    /* an amount of "0" then '\n' (a level removed: a third of the rows of a venue's deltas)
     * is 0 lots whatever the lot: two byte compares, and the column's kept shapes stay
     * those of its non-zero amounts */
    if (end - q >= 2 && q[0] == '0' && q[1] == '\n') {
        v->qty = 0;
        return q + 1;
    }
    if (!(e = tb__tardis_value(q, end, &st->lot, 1, &shapes[1], &v->qty))) return NULL;
    if (e < end && *e == '\n') return e;
    /* "\r\n": the '\r' is dropped, as the general path does */
    return end - e >= 2 && e[0] == '\r' && e[1] == '\n' ? e + 1 : NULL;
}

/* The common row in one pass from p (before end), for the standard header once the
 * stream's symbol is known: an unquoted exchange, the symbol unquoted, digits-only
 * timestamps, true/false, bid/ask, plain decimals tb__tardis_scale takes, then '\n' or
 * "\r\n". Returns the line's '\n' with the values in *v, or NULL having changed nothing:
 * the general path then takes the line, so odd rows and every error keep its behaviour.
 * "exchange,symbol," of the last fast row is kept (st->prefix): a row that starts with
 * the same bytes skips both fields in one compare; *prefix is the length to keep when
 * this row's differ (0: they are the kept ones, or too long to keep), *head the length of
 * its "exchange,symbol,timestamp,local_timestamp,is_snapshot," and *ts16 where its
 * timestamp starts when both timestamps have sixteen digits (their words are then
 * ts_cache's), else 0 (tb__tardis_fast_run). */
TB_FORCE_INLINE const char *tb__tardis_fast_vals(const tb_tardis_scan *st, const char *p, const char *end,
                                                 tb__tardis_ts_cache *ts_cache, tb__tardis_shapes *shapes,
                                                 tb__tardis_vals *v, size_t *prefix, size_t *head, size_t *ts16) {
    const char *q = p, *t;
    uint64_t w;
    *prefix = 0;
    if (st->prefix_len && (size_t)(end - q) > st->prefix_len && tb__tardis_same(q, st->prefix, st->prefix_len)) {
        q += st->prefix_len;
    } else {
        const size_t n = st->symbol_len;
        if (q >= end || *q == '"') return NULL;
        while (*q != ',') { /* the exchange, not read; it must not run into the next line */
            if (*q == '\n' || ++q >= end) return NULL;
        }
        q++;
        if ((size_t)(end - q) <= n || *q == '"' || !tb__tardis_is(q, n, st->symbol, n) || q[n] != ',') return NULL;
        q += n + 1;
        if ((size_t)(q - p) <= sizeof st->prefix) *prefix = (size_t)(q - p); /* kept if the row is taken */
    }
    t = q;
    if (!(q = tb__tardis_fast_micros(q, end, &v->ts, &ts_cache[0])) || v->ts > INT64_MAX / 1000) return NULL;
    if (!(q = tb__tardis_fast_micros(q, end, &v->lts, &ts_cache[1]))) return NULL;
    /* sixteen digits and ',' each: fast_micros read them from two words (its first case);
     * 17 + 15 or 18 + 14 digits (leading zeros) take 34 bytes too, so the first ',' is
     * checked where two sixteens have it */
    *ts16 = q - t == 34 && t[16] == ',' ? (size_t)(t - p) : 0;
    /* a row the fast path takes has at least "bid,1,1\n" after is_snapshot and after side */
    if (end - q < 8) return NULL;
    w = tb__tardis_word(q);
    if (tb__tardis_word_is(w, TB__TARDIS_LIT('f', 'a', 'l', 's', 'e', ','), 6)) {
        v->snap = 0;
        q += 6;
    } else if (tb__tardis_word_is(w, TB__TARDIS_LIT('t', 'r', 'u', 'e', ',', 0), 5)) {
        v->snap = 1;
        q += 5;
    } else {
        return NULL;
    }
    *head = (size_t)(q - p);
    return tb__tardis_fast_rest(st, q, end, v, shapes);
}

/* tb__tardis_fast_vals and the row added (the prefix kept): one common row */
TB_FORCE_INLINE const char *tb__tardis_fast(tb_tardis_scan *st, const char *p, const char *end,
                                            tb_tardis_out *out, tb__tardis_ts_cache *ts_cache) {
    tb__tardis_vals v;
    tb__tardis_shapes shapes[2];
    size_t prefix, head, ts16;
    const char *e;
    memset(shapes, 0, sizeof shapes); /* none kept: this one row is read the long way */
    e = tb__tardis_fast_vals(st, p, end, ts_cache, shapes, &v, &prefix, &head, &ts16);
    if (!e) return NULL;
    if (prefix) {
        memcpy(st->prefix, p, prefix);
        st->prefix_len = prefix;
    }
    tb__tardis_row(st, out, st->line, v.snap, v.lts, v.bid, v.ts, v.px, v.qty, 0, 0, NULL, 0);
    return e;
}

/* The timestamps of a row whose head is the row before's but for the low eight digits
 * of its two timestamps, which had sixteen digits from ts16 on: the two low words read as
 * digits, the high ones are ts_cache's (the row before's: tb__tardis_fast_micros read
 * them last, in its two-word case, and no row since read a head). 1 with v->ts and
 * v->lts (and the cache's low words theirs), else 0 (the caller reads the head). */
TB_FORCE_INLINE int tb__tardis_next_ts(const char *p, size_t ts16, tb__tardis_ts_cache *ts_cache,
                                       tb__tardis_vals *v) {
    const uint64_t a = tb__tardis_word(p + ts16 + 8), b = tb__tardis_word(p + ts16 + 25);
    uint64_t va, vb;
    if (!tb__tardis_8digits(a, &va) || !tb__tardis_8digits(b, &vb)) return 0;
    v->ts = (int64_t)(ts_cache[0].hi_val * 100000000 + va);
    if (v->ts > INT64_MAX / 1000) return 0;
    v->lts = (int64_t)(ts_cache[1].hi_val * 100000000 + vb);
    ts_cache[0].lo_word = a;
    ts_cache[0].lo_val = va;
    ts_cache[1].lo_word = b;
    ts_cache[1].lo_val = vb;
    return 1;
}

/* A read prefetch hint (a no-op where the compiler has none): the fast loop asks for the
 * bytes TB__TARDIS_AHEAD ahead of each row. A buffer the kernel has just filled (read())
 * is in the cache already; a mapped file is not, and the processor's own prefetcher
 * stops at every 4 KiB page: without the hint the scan of a mapping waits on memory. */
#if defined(__GNUC__) || defined(__clang__)
#define TB__TARDIS_PREFETCH(p) __builtin_prefetch(p)
#else
#define TB__TARDIS_PREFETCH(p) ((void)0)
#endif
#ifndef TB__TARDIS_AHEAD
#define TB__TARDIS_AHEAD 2048
#endif

/* Common rows from data + pos (before data + len) while the fast path takes them, at most
 * budget of them: tb__tardis_fast row by row, with the open message's state, the line
 * number and out's row count held in locals for the run (a store to the uint8_t side
 * column may alias anything, so read through st and out they would be reloaded every
 * row). A row whose "exchange,symbol,timestamp,local_timestamp,is_snapshot," are the
 * bytes of the row before it (the rows of a message mostly are) has that row's values
 * and continues its message: one compare instead of reading the five fields and
 * deciding the grouping again; one that differs from it only in the low eight digits of
 * its timestamps (the next message's first row, mostly) has only those read
 * (tb__tardis_next_ts). Only while the open message is not an ERROR (its rows
 * are dropped: the caller takes those row by row). Returns where it stopped. */
TB_FORCE_INLINE size_t tb__tardis_fast_run(tb_tardis_scan *st, char *data, size_t pos, size_t len,
                                           tb_tardis_out *out, tb__tardis_ts_cache *ts_cache,
                                           tb__tardis_shapes *shapes, size_t budget) {
    uint8_t *const side = out->side;
    int64_t *const px = out->px;
    uint64_t *const qty = out->qty;
    const char *const end = data + len, *prev = NULL; /* the row before, taken here */
    size_t n = out->n_rows, head = 0, ts16 = 0;
    /* bits [0, head); of those, the low eight digits of both timestamps (ts16 > 0) */
    uint64_t head_bits = 0, lo_bits = 0;
    int64_t line = st->line, open_lts = st->open_lts, open_ts = st->open_ts;
    int open = st->open, open_snap = st->open_snap;
    for (; budget && pos < len; budget--) {
        const char *const p = data + pos, *e;
        tb__tardis_vals v;
        size_t prefix;
        uint64_t diff = ~UINT64_C(0); /* the bytes of the head that differ from the row before's */
        if (end - p > TB__TARDIS_AHEAD) TB__TARDIS_PREFETCH(p + TB__TARDIS_AHEAD); /* (in bounds: no UB) */
        if (prev) {
            if (end - p >= 64)
                diff = head <= 64 ? tb__tardis_diff64(p, prev) & head_bits : diff;
            else if ((size_t)(end - p) > head && tb__tardis_same(p, prev, head))
                diff = 0;
        }
        if (!diff) {
            if (!(e = tb__tardis_fast_rest(st, p + head, end, &v, shapes))) break;
        } else {
            if (!(diff & ~lo_bits) && tb__tardis_next_ts(p, ts16, ts_cache, &v)) {
                v.snap = open_snap; /* the row before's is_snapshot: its bytes */
                if (!(e = tb__tardis_fast_rest(st, p + head, end, &v, shapes))) break;
            } else {
                if (!(e = tb__tardis_fast_vals(st, p, end, ts_cache, shapes, &v, &prefix, &head, &ts16))) break;
                head_bits = head >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << head) - 1u;
                /* (only a head of at most 64 bytes is compared at once) */
                lo_bits = ts16 && head <= 64 ? (UINT64_C(0xFF) << (ts16 + 8)) | (UINT64_C(0xFF) << (ts16 + 25)) : 0;
                if (prefix) {
                    memcpy(st->prefix, p, prefix);
                    st->prefix_len = prefix;
                }
            }
            /* tb__tardis_row without a bad value */
            if (open && (v.snap != open_snap || (!v.snap && v.lts != open_lts))) {
                if (st->n_pend == 0) {
                    /* tb__tardis_close of a message with no bad value (none here) and no
                     * held-back line, without the call: one message out */
                    const uint8_t kind = open_snap    ? TB__TARDIS_SNAPSHOT
                                         : st->synced ? TB__TARDIS_DELTA
                                                      : TB__TARDIS_PRESYNC;
                    if (open_snap) st->synced = 1;
                    if (kind == TB__TARDIS_PRESYNC) n = st->open_row0; /* no rows */
                    tb__tardis_push_msg(out, n, open_ts * 1000, st->seq++, st->open_line, kind);
                } else {
                    out->n_rows = n;
                    st->open_lts = open_lts;
                    st->open_ts = open_ts;
                    tb__tardis_close(st, out);
                    n = out->n_rows;
                }
                open = 0;
            }
            if (!open) {
                open = 1;
                open_snap = v.snap;
                st->open = 1;
                st->open_snap = v.snap;
                st->open_bad = 0;
                st->open_line = line;
                st->open_row0 = n;
            }
            open_lts = v.lts;
            open_ts = v.ts;
        }
        side[n] = (uint8_t)v.bid;
        px[n] = (int64_t)v.px;
        qty[n] = v.qty;
        n++;
        line++;
        prev = p;
        pos = (size_t)(e - data) + 1;
    }
    out->n_rows = n;
    st->line = line;
    st->open_lts = open_lts;
    st->open_ts = open_ts;
    return pos;
}

/* ---- the scan loop -------------------------------------------------------------------- */

/* out has room for another line (one row; messages and errors for every line it may close) */
TB_FORCE_INLINE int tb__tardis_room(const tb_tardis_out *out) {
    return out->rows_cap - out->n_rows >= 1 && out->msgs_cap - out->n_msgs >= (size_t)TB_TARDIS_MSG_ROOM &&
           out->errs_cap - out->n_errs >= (size_t)TB_TARDIS_MSG_ROOM;
}

/* How many lines the fast path may take in a row without checking out's room before
 * each: a fast row adds one row and, closing the open message, one message (the first
 * close also the held-back malformed lines, each a message and an error), so the room
 * tb__tardis_room asks for holds before each of them. 0 when it may not hold. */
TB_FORCE_INLINE size_t tb__tardis_fast_budget(const tb_tardis_scan *st, const tb_tardis_out *out) {
    const size_t need = (size_t)TB_TARDIS_MSG_ROOM + st->n_pend, rows = out->rows_cap - out->n_rows,
                 msgs = out->msgs_cap - out->n_msgs;
    if (msgs < need || out->errs_cap - out->n_errs < need) return 0;
    return rows < msgs - need + 1 ? rows : msgs - need + 1;
}

/* tb_tardis_scan_buf, with the fast path or (fast = 0, the differential test's reference)
 * every line through the general one */
TB_FORCE_INLINE int tb__tardis_scan(tb_tardis_scan *st, char *data, size_t len, int final, tb_tardis_out *out,
                                    size_t *consumed, int fast) {
    size_t pos = 0;
    int sym_plain; /* the symbol has no ',' (its raw bytes then mean the same on any line); -1: not known yet */
    tb__tardis_ts_cache ts_cache[2] = {TB__TARDIS_TS_CACHE_INIT, TB__TARDIS_TS_CACHE_INIT}; /* timestamp, local */
    tb__tardis_shapes shapes[2]; /* price, amount */
    if (!st || !out || !consumed) return TB_ERR_NULL;
    *consumed = 0;
    if (len && !data) return TB_ERR_NULL;
    if (!tb__tardis_out_ok(out) || st->open_row0 > out->n_rows || st->n_pend > (size_t)TB_TARDIS_PENDING ||
        st->n_fields == 0 || st->n_fields > (uint32_t)TB_TARDIS_MAX_FIELDS)
        return TB_ERR_BADARG;
    fast = fast && tb__tardis_std_roles(st);
    memset(shapes, 0, sizeof shapes);
    sym_plain = -1;
    while (pos < len) {
        char *p = data + pos, *nl, *le;
        size_t next;
        int r;
        if (fast && st->have_symbol && sym_plain < 0) sym_plain = !memchr(st->symbol, ',', st->symbol_len);
        if (fast && sym_plain > 0) { /* common rows until one is not (or the room's budget ends) */
            size_t budget = tb__tardis_fast_budget(st, out);
            if (!(st->open && st->open_bad)) {
                pos = tb__tardis_fast_run(st, data, pos, len, out, ts_cache, shapes, budget);
            } else {
                const char *end;
                for (; budget && pos < len && (end = tb__tardis_fast(st, data + pos, data + len, out, ts_cache)) != NULL;
                     budget--) {
                    st->line++;
                    pos = (size_t)(end - data) + 1;
                }
            }
            if (pos >= len) break;
            p = data + pos;
        }
        nl = (char *)memchr(p, '\n', len - pos);
        if (!nl) {
            if (!final) break; /* a partial line: the caller brings the rest */
            le = data + len;
            next = len;
        } else {
            le = nl;
            next = (size_t)(nl - data) + 1;
        }
        if (le > p && le[-1] == '\r') le--;
        if (!tb__tardis_room(out)) {
            *consumed = pos;
            return TB_TARDIS_FULL;
        }
        r = tb__tardis_line(st, p, le, out);
        if (r == TB_TARDIS_SYMBOL_CHANGE) {
            *consumed = pos;
            return r;
        }
        st->line++;
        pos = next;
    }
    *consumed = pos;
    if (final && pos == len) {
        if (out->msgs_cap - out->n_msgs < (size_t)TB_TARDIS_MSG_ROOM ||
            out->errs_cap - out->n_errs < (size_t)TB_TARDIS_MSG_ROOM)
            return TB_TARDIS_FULL;
        tb__tardis_close(st, out);
    }
    return TB_TARDIS_DONE;
}

TB_API int tb_tardis_scan_buf(tb_tardis_scan *st, char *data, size_t len, int final, tb_tardis_out *out,
                              size_t *consumed) {
    return tb__tardis_scan(st, data, len, final, out, consumed, 1);
}

#endif /* TB_TARDIS_SCAN_H */
