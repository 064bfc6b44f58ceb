/* tb_json_scan.h — a scanner for Binance diff-depth JSON lines: whole buffers
 * of newline-delimited frames in one call, prices and quantities converted
 * exactly (tb_decimal.h) straight into the row columns the replay loop
 * consumes. No Python per frame, no float, no allocation.
 *
 * It recognises only the common frame shape, and hands every other line back
 * untouched (kind TB_JSCAN_OTHER) so the caller's fully checked path decides
 * about it: behaviour for anything unusual is the caller's, unchanged. A line
 * is RECOGNISED when it is exactly
 *
 *   ws { ws "key" ws : ws value ws , ... } ws
 *
 * with each key one of e, E, s, U, u, b, a (spot) plus pu and T (futures),
 * none twice, all but T present, and
 *   - e the string "depthUpdate", s a string of printable ASCII without '\\';
 *   - E, U, u, pu, T non-negative JSON integers of at most 18 digits (no sign,
 *     fraction or exponent, no leading zero);
 *   - b, a arrays of [price, qty] pairs of strings of printable ASCII without
 *     '\\', each a whole number of ticks (price, signed) / lots (qty,
 *     unsigned) by tb_dec_parse.
 * Anything else — another key, a wrapper object, an escape, a non-ASCII
 * byte, a value that does not convert, a truncated line — is OTHER. The
 * rows of a recognised frame are its bids (in order), then its asks.
 *
 * Lines end at '\n'; a line holding only whitespace is EMPTY. The caller
 * applies the venue's sync rule to the frame columns (E, U, u, pu, symbol).
 *
 * The frame keys come from ONE table, tb_jscan_layouts (a row per venue layout:
 * the event string, each key's name, role and whether it is required); the
 * `futures` argument picks its row (0 binance, 1 binance-futures).
 *
 * API
 *   int tb_jscan_layout_key(size_t layout, size_t i, const char **name, int *role,
 *                           int *required);
 *       Key i of layout `layout` (for the bindings' table check); TB_OK, or
 *       TB_ERR_BADARG past the table, TB_ERR_NULL.
 *   int tb_jscan_binance(const char *data, size_t len, int final, int futures,
 *                        tb_dec_unit tick, tb_dec_unit lot, tb_jscan_out *out,
 *                        size_t *consumed);
 *       Scan the complete lines of data[0..len) (final = 1: also a last line
 *       without '\n'), appending one frame record per line and the rows of
 *       the recognised ones. *consumed is the offset where it stopped (a line
 *       start). Returns TB_JSCAN_DONE (every complete line scanned),
 *       TB_JSCAN_FULL (no room in out for the next line's record or rows:
 *       drain and call again from *consumed; a line with more levels than
 *       rows_cap needs a larger out), or TB_ERR_NULL / TB_ERR_BADARG (nothing
 *       done).
 */
#ifndef TB_JSON_SCAN_H
#define TB_JSON_SCAN_H

#include "tb_decimal.h"
#include "tb_rfc3339.h"

/* what a line is */
enum tb_jscan_kind {
    TB_JSCAN_EMPTY = 0, /* whitespace only */
    TB_JSCAN_FRAME = 1, /* a recognised depthUpdate frame: rows written */
    TB_JSCAN_OTHER = 2  /* anything else: the caller's checked path */
};

enum tb_jscan_status { TB_JSCAN_DONE = 0, TB_JSCAN_FULL = 1 };

enum tb_jscan_limit { TB_JSCAN_MAX_DIGITS = 18 };

/* the output columns: one record per line, rows of the recognised frames */
typedef struct tb_jscan_out {
    uint8_t *side; /* 1 bid, 0 ask */
    int64_t *px;
    uint64_t *qty;
    size_t rows_cap, n_rows;
    uint8_t *kind;      /* tb_jscan_kind */
    int64_t *off;       /* the line's offset in data */
    int64_t *len;       /* its length (without '\n') */
    int64_t *row_end;   /* rows [row_end[i-1], row_end[i]) are the line's */
    int64_t *ev_time;   /* E */
    int64_t *first_id;  /* U */
    int64_t *last_id;   /* u */
    int64_t *prev_id;   /* pu (futures; 0 for spot) */
    int64_t *sym_off;   /* the symbol's offset in data */
    int64_t *sym_len;
    size_t frames_cap, n_frames;
} tb_jscan_out;

/* ---- implementation ------------------------------------------------------------------ */

/* what a frame key holds: the roles of the layout table below */
enum tb_jscan_role {
    TB_JSCAN_EVENT = 0, /* the event name: the layout's event string */
    TB_JSCAN_TIME = 1,  /* the event time (integer) */
    TB_JSCAN_SYMBOL = 2,
    TB_JSCAN_FIRST = 3, /* first update id of the frame */
    TB_JSCAN_LAST = 4,  /* last update id */
    TB_JSCAN_PREV = 5,  /* the previous frame's last id (a chain) */
    TB_JSCAN_INT = 6,   /* an integer read and not used */
    TB_JSCAN_BIDS = 7,  /* [[price, qty], ...] */
    TB_JSCAN_ASKS = 8,
    TB_JSCAN_CHECKSUM = 9, /* the venue's book checksum (an integer) */
    TB_JSCAN_TEXT = 10,    /* a string read and not used */
    TB_JSCAN_EVENTS = 11,  /* an array of event objects holding the levels (Coinbase) */
    TB_JSCAN_N_ROLES = 12
};

/* how an integer key's value is written */
enum tb_jscan_form {
    TB_JSCAN_PLAIN = 0,  /* a non-negative JSON integer */
    TB_JSCAN_SIGNED = 1, /* a JSON integer, '-' allowed */
    TB_JSCAN_QUOTED = 2, /* a string holding a non-negative integer ("1597026383085") */
    TB_JSCAN_RFC3339 = 3 /* a string holding a UTC RFC 3339 time, read as ns (tb_rfc3339.h) */
};

enum tb_jscan_table_limit { TB_JSCAN_MAX_KEYS = 12 };

/* rows of tb_jscan_layouts */
enum tb_jscan_layout_index {
    TB_JSCAN_BINANCE = 0,
    TB_JSCAN_BINANCE_FUTURES = 1,
    TB_JSCAN_BYBIT = 2,
    TB_JSCAN_OKX = 3,
    TB_JSCAN_COINBASE = 4,
    TB_JSCAN_BITSTAMP = 5,
    TB_JSCAN_KRAKEN = 6
};

/* level_strings of a layout whose levels are objects {"price": number, "qty": number}
 * (Kraken v2: JSON numbers written with the instrument's full precision) */
enum tb_jscan_level_form { TB_JSCAN_LEVEL_OBJECTS = 0 };

/* one key of a frame layout: its name, role and whether a frame must have it */
typedef struct tb_jscan_key {
    const char *name;
    uint8_t role, required;
    uint8_t form; /* tb_jscan_form, for integer roles */
} tb_jscan_key;

/* one venue's frame layout: the event key / string and the keys of the frame
 * object (any other key makes a line OTHER); each role at most once */
typedef struct tb_jscan_layout {
    const char *format; /* the tapebook.feeds format name */
    const char *event;  /* the value of the TB_JSCAN_EVENT key */
    size_t level_strings; /* strings in a level: price, size, then ones read and not used;
                           * TB_JSCAN_LEVEL_OBJECTS: each level a {price, qty} object */
    size_t n_keys;
    tb_jscan_key keys[TB_JSCAN_MAX_KEYS];
} tb_jscan_layout;

/* THE table of frame layouts the scanner knows; index = the `layout` argument
 * (0 binance, 1 binance-futures, 2 bybit: TB_JSCAN_BYBIT, 3 okx: TB_JSCAN_OKX,
 * 4 coinbase: TB_JSCAN_COINBASE, 5 bitstamp: TB_JSCAN_BITSTAMP, 6 kraken: TB_JSCAN_KRAKEN).
 * tests/python/feeds/test_binance_scan.py checks
 * it against the msgspec structs of tapebook/feeds/binance.py. */
static const tb_jscan_layout tb_jscan_layouts[] = {
    {"binance",
     "depthUpdate",
     2,
     7,
     {{"e", TB_JSCAN_EVENT, 1, TB_JSCAN_PLAIN},
      {"E", TB_JSCAN_TIME, 1, TB_JSCAN_PLAIN},
      {"s", TB_JSCAN_SYMBOL, 1, TB_JSCAN_PLAIN},
      {"U", TB_JSCAN_FIRST, 1, TB_JSCAN_PLAIN},
      {"u", TB_JSCAN_LAST, 1, TB_JSCAN_PLAIN},
      {"b", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"a", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN}}},
    {"binance-futures",
     "depthUpdate",
     2,
     9,
     {{"e", TB_JSCAN_EVENT, 1, TB_JSCAN_PLAIN},
      {"E", TB_JSCAN_TIME, 1, TB_JSCAN_PLAIN},
      {"T", TB_JSCAN_INT, 0, TB_JSCAN_PLAIN},
      {"s", TB_JSCAN_SYMBOL, 1, TB_JSCAN_PLAIN},
      {"U", TB_JSCAN_FIRST, 1, TB_JSCAN_PLAIN},
      {"u", TB_JSCAN_LAST, 1, TB_JSCAN_PLAIN},
      {"pu", TB_JSCAN_PREV, 1, TB_JSCAN_PLAIN},
      {"b", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"a", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN}}},
    /* the "data" object of a Bybit v5 orderbook frame (tb_json_bybit.h checks the
     * wrapper); it has no event key */
    {"bybit",
     "",
     2,
     5,
     {{"s", TB_JSCAN_SYMBOL, 1, TB_JSCAN_PLAIN},
      {"b", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"a", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN},
      {"u", TB_JSCAN_LAST, 1, TB_JSCAN_PLAIN},
      {"seq", TB_JSCAN_INT, 0, TB_JSCAN_PLAIN}}},
    /* the one object of an OKX books frame's "data" (tb_json_okx.h checks the
     * wrapper); levels are [price, size, "0", orders] */
    {"okx",
     "",
     4,
     6,
     {{"asks", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN},
      {"bids", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"ts", TB_JSCAN_TIME, 1, TB_JSCAN_QUOTED},
      {"checksum", TB_JSCAN_CHECKSUM, 0, TB_JSCAN_SIGNED},
      {"prevSeqId", TB_JSCAN_PREV, 1, TB_JSCAN_SIGNED},
      {"seqId", TB_JSCAN_LAST, 1, TB_JSCAN_SIGNED}}},
    /* a Coinbase Advanced Trade l2_data frame (tb_json_coinbase.h checks the event
     * and update objects inside "events"); no level arrays */
    {"coinbase",
     "l2_data",
     0,
     5,
     {{"channel", TB_JSCAN_EVENT, 1, TB_JSCAN_PLAIN},
      {"client_id", TB_JSCAN_TEXT, 0, TB_JSCAN_PLAIN},
      {"timestamp", TB_JSCAN_TIME, 1, TB_JSCAN_RFC3339},
      {"sequence_num", TB_JSCAN_LAST, 1, TB_JSCAN_PLAIN},
      {"events", TB_JSCAN_EVENTS, 1, TB_JSCAN_PLAIN}}},
    /* the "data" object of a Bitstamp diff_order_book frame (tb_json_bitstamp.h checks
     * the wrapper); timestamp (whole seconds) is read and not used */
    {"bitstamp",
     "",
     2,
     4,
     {{"timestamp", TB_JSCAN_TEXT, 0, TB_JSCAN_PLAIN},
      {"microtimestamp", TB_JSCAN_TIME, 1, TB_JSCAN_QUOTED},
      {"bids", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"asks", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN}}},
    /* the one object of a Kraken v2 book frame's "data" (tb_json_kraken.h checks the
     * wrapper); levels are {"price": number, "qty": number} */
    {"kraken",
     "",
     TB_JSCAN_LEVEL_OBJECTS,
     5,
     {{"symbol", TB_JSCAN_SYMBOL, 1, TB_JSCAN_PLAIN},
      {"bids", TB_JSCAN_BIDS, 1, TB_JSCAN_PLAIN},
      {"asks", TB_JSCAN_ASKS, 1, TB_JSCAN_PLAIN},
      {"checksum", TB_JSCAN_CHECKSUM, 0, TB_JSCAN_PLAIN},
      {"timestamp", TB_JSCAN_TIME, 0, TB_JSCAN_RFC3339}}},
};
#define TB_JSCAN_N_LAYOUTS (sizeof tb_jscan_layouts / sizeof tb_jscan_layouts[0])

enum tb__jscan_key {
    TB__JK_E_NAME = TB_JSCAN_EVENT,
    TB__JK_E_TIME = TB_JSCAN_TIME,
    TB__JK_SYM = TB_JSCAN_SYMBOL,
    TB__JK_FIRST = TB_JSCAN_FIRST,
    TB__JK_LAST = TB_JSCAN_LAST,
    TB__JK_PREV = TB_JSCAN_PREV,
    TB__JK_T = TB_JSCAN_INT,
    TB__JK_BIDS = TB_JSCAN_BIDS,
    TB__JK_ASKS = TB_JSCAN_ASKS,
    TB__JK_CHECKSUM = TB_JSCAN_CHECKSUM,
    TB__JK_N = TB_JSCAN_N_ROLES
};

/* a key of layout `layout`, for bindings and tests: TB_OK with *name, *role,
 * *required, or TB_ERR_BADARG (layout or i out of range) / TB_ERR_NULL */
TB_API int tb_jscan_layout_key(size_t layout, size_t i, const char **name, int *role, int *required) {
    const tb_jscan_layout *l;
    if (!name || !role || !required) return TB_ERR_NULL;
    if (layout >= TB_JSCAN_N_LAYOUTS) return TB_ERR_BADARG;
    l = &tb_jscan_layouts[layout];
    if (i >= l->n_keys) return TB_ERR_BADARG;
    *name = l->keys[i].name;
    *role = l->keys[i].role;
    *required = l->keys[i].required;
    return TB_OK;
}

/* one frame's fields while its line is checked */
typedef struct tb__jscan_frame {
    int64_t num[TB__JK_N];
    size_t sym_off, sym_len;
    size_t arr_off[2]; /* bids, asks: the '[' of the array */
    size_t levels[2];
    int converted[2]; /* its rows are written (single pass) */
    size_t row0;      /* single pass: the frame's first row */
    unsigned seen;
} tb__jscan_frame;

/* JSON whitespace: ' ', '\t', '\r', '\n' (one compare for every byte above ' ') */
static int tb__jscan_ws(char c) {
    unsigned u = (unsigned char)c;
    const uint64_t ws = UINT64_C(1) << ' ' | UINT64_C(1) << '\t' | UINT64_C(1) << '\r' | UINT64_C(1) << '\n';
    return u <= ' ' && ((UINT64_C(1) << u) & ws) != 0;
}

static size_t tb__jscan_skip_ws(const char *s, size_t i, size_t n) {
    while (i < n && tb__jscan_ws(s[i])) i++;
    return i;
}

/* the bytes of w (byte k of the text in bits 8k..8k+7) a string body stops at or
 * refuses — '"', '\\', a control byte (< 0x20) or one >= 0x7f — as the high bit of
 * each; bits above the first such byte may be set falsely (a carry or borrow out of
 * it: only such a byte starts one), never below, so the lowest set bit is exact */
TB_FORCE_INLINE uint64_t tb__jscan_special8(uint64_t w) {
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t q = w ^ (ones * 0x22), b = w ^ (ones * 0x5c);
    uint64_t stop = ((q - ones) & ~q) | ((b - ones) & ~b); /* a '"' or '\\' byte */
    uint64_t outside = (w + ones) | (w - ones * 0x20);     /* >= 0x7f: + 1 reaches 0x80; < 0x20: - 0x20 wraps */
    return (stop | outside) & high;
}

/* s[j..j+8) as a word, byte k in bits 8k..8k+7 whatever the machine's byte order
 * (one load where it is little-endian) */
TB_FORCE_INLINE uint64_t tb__jscan_word(const char *s, size_t j) {
    const unsigned char *u = (const unsigned char *)s + j;
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
           (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
}

/* a string of printable ASCII without escapes at s[i] == '"': its body's
 * [*b0, *b1); returns the offset after the closing quote, 0 if refused */
TB_FORCE_INLINE size_t tb__jscan_str(const char *s, size_t i, size_t n, size_t *b0, size_t *b1) {
    size_t j;
    if (i >= n || s[i] != '"') return 0;
    for (j = i + 1; j + 8 <= n; j += 8) { /* 8 bytes at a time: the first special one is the end */
        uint64_t m = tb__jscan_special8(tb__jscan_word(s, j));
        if (m) {
            j += tb__ctz64(m) / 8;
            if (s[j] != '"') return 0;
            *b0 = i + 1;
            *b1 = j;
            return j + 1;
        }
    }
    for (; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c == '"') {
            *b0 = i + 1;
            *b1 = j;
            return j + 1;
        }
        if (c < 0x20 || c >= 0x7f || c == '\\') return 0;
    }
    return 0;
}

/* s[i..) begins with the len bytes of lit (i <= n); compared a word at a time,
 * the last word overlapping the one before (lit and len are constants: no
 * library call, no byte loop) */
TB_FORCE_INLINE int tb__jscan_lit(const char *s, size_t i, size_t n, const char *lit, size_t len) {
    size_t k;
    uint64_t a, b;
    uint32_t c, d;
    if (n - i < len) return 0;
    if (len < 8) {
        for (k = 0; k < len; k++)
            if (s[i + k] != lit[k]) return 0;
        return 1;
    }
    for (k = 0; k + 8 <= len; k += 8) { /* equal words whatever the byte order */
        memcpy(&a, s + i + k, 8);
        memcpy(&b, lit + k, 8);
        if (a != b) return 0;
    }
    if (k == len) return 1;
    if (len - k <= 4) {
        memcpy(&c, s + i + len - 4, 4);
        memcpy(&d, lit + len - 4, 4);
        return c == d;
    }
    memcpy(&a, s + i + len - 8, 8);
    memcpy(&b, lit + len - 8, 8);
    return a == b;
}
#define TB__JSCAN_LIT(s, i, n, lit) tb__jscan_lit(s, i, n, lit, sizeof lit - 1)

/* a non-negative JSON integer of at most 18 digits; returns the offset after it,
 * 0 if refused. Eight digits a step while eight bytes are left. */
static size_t tb__jscan_int(const char *s, size_t i, size_t n, int64_t *v) {
    size_t j = i;
    int64_t x = 0;
    if (n - i >= 16) { /* up to 15 digits (ids, times in ms or us) from two words, no loop */
        const uint64_t zeros = UINT64_C(0x0101010101010101) * 0x30;
        uint64_t t0 = tb__jscan_word(s, i) ^ zeros, other = tb__dec_nondigits8(t0);
        size_t m;
        if (other) {
            m = tb__ctz64(other) / 8;
            if (!m) return 0;
            x = (int64_t)tb__dec_digits8(t0, m);
            j = i + m;
        } else {
            uint64_t t1 = tb__jscan_word(s, i + 8) ^ zeros;
            other = tb__dec_nondigits8(t1);
            m = other ? tb__ctz64(other) / 8 : 8;
            x = (int64_t)tb__dec_digits8(t0, 8);
            if (m) x = x * (int64_t)tb__dec_pow10[m] + (int64_t)tb__dec_digits8(t1, m);
            j = i + 8 + m;
        }
        if (m < 8) { /* else 16 digits or more: the loop below from the start */
            if (s[i] == '0' && j - i > 1) return 0;
            if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') return 0;
            *v = x;
            return j;
        }
        j = i;
        x = 0;
    }
    while (n - j >= 8) {
        uint64_t t = tb__jscan_word(s, j) ^ (UINT64_C(0x0101010101010101) * 0x30);
        uint64_t other = tb__dec_nondigits8(t);
        size_t m = other ? tb__ctz64(other) / 8 : 8;
        if (j - i + m > TB_JSCAN_MAX_DIGITS) return 0;
        if (m) x = x * (int64_t)tb__dec_pow10[m] + (int64_t)tb__dec_digits8(t, m);
        j += m;
        if (m < 8) break;
    }
    if (n - j < 8) { /* the last bytes of the text: one at a time */
        while (j < n && s[j] >= '0' && s[j] <= '9') {
            if (j - i >= TB_JSCAN_MAX_DIGITS) return 0;
            x = x * 10 + (int64_t)(s[j] - '0');
            j++;
        }
    }
    if (j == i || (s[i] == '0' && j - i > 1)) return 0;
    if (j < n && (s[j] == '.' || s[j] == 'e' || s[j] == 'E')) return 0;
    *v = x;
    return j;
}

/* the RFC 3339 time in the JSON string at s[i] == '"' into *ns (tb_rfc3339.h's one
 * strict form); the offset after the closing quote, 0 if refused (an escape too) */
static size_t tb__jscan_rfc3339(const char *s, size_t i, size_t n, int64_t *ns) {
    size_t j;
    if (i >= n || s[i] != '"') return 0;
    for (j = i + 1; j < n && s[j] != '"' && s[j] != '\\'; j++) {
    }
    if (j >= n || s[j] != '"' || !tb__rfc3339_ns(s + i + 1, j - i - 1, ns)) return 0;
    return j + 1;
}

/* an integer key's value written as `form` (tb_jscan_form): a non-negative
 * integer, one with an optional '-', or one inside a string; 0 if refused */
static size_t tb__jscan_int_as(const char *s, size_t i, size_t n, int form, int64_t *v) {
    size_t j;
    if (form == TB_JSCAN_SIGNED && i < n && s[i] == '-') {
        j = tb__jscan_int(s, i + 1, n, v);
        *v = -*v;
        return j;
    }
    if (form == TB_JSCAN_RFC3339) return tb__jscan_rfc3339(s, i, n, v);
    if (form != TB_JSCAN_QUOTED) return tb__jscan_int(s, i, n, v);
    if (i >= n || s[i] != '"') return 0;
    j = tb__jscan_int(s, i + 1, n, v);
    return j && j < n && s[j] == '"' ? j + 1 : 0;
}

/* a layout's keys indexed by first byte, built once per call of a scan function
 * (the table stays the one place the keys are written) */
typedef struct tb__jscan_lookup {
    const tb_jscan_layout *l;
    int8_t first[128]; /* key index by first byte, -1 none, -2 several (then a linear scan) */
    size_t len[TB_JSCAN_MAX_KEYS];
    uint8_t form[TB_JSCAN_N_ROLES]; /* by role */
    unsigned need;                  /* the roles a frame must have */
    /* each key as the text "name" in two words (byte k in bits 8k..8k+7 of word k / 8)
     * and the mask of its bytes; quoted_len 0 when "name" does not fit: a key where
     * the table's order expects it is matched in two compares (tb__jscan_expected_key) */
    uint64_t quoted[TB_JSCAN_MAX_KEYS][2], quoted_mask[TB_JSCAN_MAX_KEYS][2];
    size_t quoted_len[TB_JSCAN_MAX_KEYS];
    uint8_t index_of_role[TB_JSCAN_N_ROLES];
} tb__jscan_lookup;

static void tb__jscan_lookup_init(tb__jscan_lookup *lk, size_t layout) {
    size_t i;
    lk->l = &tb_jscan_layouts[layout < TB_JSCAN_N_LAYOUTS ? layout : 0];
    memset(lk->first, -1, sizeof lk->first);
    memset(lk->form, 0, sizeof lk->form);
    lk->need = 0;
    for (i = 0; i < lk->l->n_keys; i++) {
        unsigned char c = (unsigned char)lk->l->keys[i].name[0];
        lk->len[i] = strlen(lk->l->keys[i].name);
        if (c < 128) lk->first[c] = (int8_t)(lk->first[c] == -1 ? (int)i : -2);
        if (lk->l->keys[i].required) lk->need |= 1u << lk->l->keys[i].role;
        lk->form[lk->l->keys[i].role] = lk->l->keys[i].form;
        lk->index_of_role[lk->l->keys[i].role] = (uint8_t)i;
        lk->quoted[i][0] = lk->quoted[i][1] = lk->quoted_mask[i][0] = lk->quoted_mask[i][1] = 0;
        lk->quoted_len[i] = lk->len[i] + 2 <= 16 ? lk->len[i] + 2 : 0;
        if (lk->quoted_len[i]) {
            size_t k;
            for (k = 0; k < lk->quoted_len[i]; k++) {
                unsigned char b = k == 0 || k == lk->len[i] + 1 ? (unsigned char)'"'
                                                                 : (unsigned char)lk->l->keys[i].name[k - 1];
                lk->quoted[i][k / 8] |= (uint64_t)b << (8 * (k % 8));
                lk->quoted_mask[i][k / 8] |= (uint64_t)0xff << (8 * (k % 8));
            }
        }
    }
}

/* the key at s[i] when it is key `at` of the table written as "name" (the venues
 * send their keys in the table's order): its role with *i past it, or -1 (then
 * the key is read as any string) */
TB_FORCE_INLINE int tb__jscan_expected_key(const char *s, size_t *i, size_t n, const tb__jscan_lookup *lk,
                                           size_t at) {
    size_t len;
    if (at >= lk->l->n_keys || !(len = lk->quoted_len[at]) || n - *i < (len > 8 ? 16u : 8u) ||
        (tb__jscan_word(s, *i) & lk->quoted_mask[at][0]) != lk->quoted[at][0] ||
        (len > 8 && (tb__jscan_word(s, *i + 8) & lk->quoted_mask[at][1]) != lk->quoted[at][1]))
        return -1;
    *i += len;
    return lk->l->keys[at].role;
}

/* the role of key k[0..len) in the layout, -1 when it has no such key */
static int tb__jscan_key_of(const char *k, size_t len, const tb__jscan_lookup *lk) {
    unsigned char c;
    int at;
    size_t i;
    if (len == 0) return -1;
    c = (unsigned char)k[0];
    at = c < 128 ? lk->first[c] : -1;
    if (at >= 0) {
        size_t a = (size_t)at;
        return lk->len[a] == len && memcmp(lk->l->keys[a].name, k, len) == 0 ? lk->l->keys[a].role : -1;
    }
    if (at == -1) return -1;
    for (i = 0; i < lk->l->n_keys; i++)
        if (lk->len[i] == len && memcmp(lk->l->keys[i].name, k, len) == 0) return lk->l->keys[i].role;
    return -1;
}

/* the common short venue string — 1 to 8 bytes, digits with at most one '.'
 * between two digits — read as one word (avail >= 8 bytes readable at s): 1
 * with its digits as a number *d, *digits of them, *f after the point; 0 when
 * it is not that (the byte loop of tb__jscan_dec decides). Each byte is tested
 * exactly (no carry crosses a byte). */
TB_FORCE_INLINE int tb__jscan_short_dec(const char *s, size_t len, uint64_t *d, size_t *digits, size_t *f) {
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80, low7 = ones * 0x7f;
    uint64_t keep = len == 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * len)) - 1; /* the string's bytes */
    uint64_t t = (tb__jscan_word(s, 0) ^ (ones * 0x30)) & keep; /* a digit's byte: its value 0..9; past it: 0 */
    uint64_t e = t ^ (ones * 0x1e);                             /* '.' ^ '0' = 0x1e: 0 at a point */
    uint64_t point = ~((((e & low7) + low7) | e) & high) & high & keep; /* the high bit of each '.' byte */
    uint64_t other = tb__dec_nondigits8(t) & ~point;                   /* bytes neither a digit nor a '.' */
    size_t m = len;
    if (other) return 0;
    *f = 0;
    if (point) {
        size_t p = tb__ctz64(point) / 8;
        uint64_t below;
        if (point & (point - 1) || p == 0 || p + 1 >= len) return 0; /* two points, or one at an end */
        below = (UINT64_C(1) << (8 * p)) - 1;
        t = (t & below) | ((t >> 8) & ~below); /* the point taken out */
        m = len - 1;
        *f = len - 1 - p;
    }
    *d = tb__dec_digits8(t, m);
    *digits = m;
    return 1;
}

/* tb_dec_parse with a fast path for the common venue string — digits, '.', digits,
 * at most 18 digits — against a unit of 10^-k: the same result (the value is exact
 * in both; anything else, an inexact value included, takes tb_dec_parse). avail:
 * the bytes readable at s (>= len; 8 or more lets a short string be read as one
 * word) */
TB_FORCE_INLINE int tb__jscan_dec(const char *s, size_t len, size_t avail, tb_dec_unit unit, int is_unsigned,
                                   uint64_t *out) {
    if (unit.mant == 1 && unit.exp <= 0 && unit.exp >= -18 && len >= 1 && len <= 19) {
        uint64_t d = 0;
        size_t i = len, point = len, digits, f, k = (size_t)-unit.exp;
        if (len <= 8 && avail >= 8 && tb__jscan_short_dec(s, len, &d, &digits, &f)) {
            /* taken as one word */
        } else {
            for (i = 0; i < len; i++) {
                unsigned c = (unsigned)(unsigned char)s[i] - (unsigned)'0';
                if (c <= 9)
                    d = d * 10 + c;
                else if (s[i] == '.' && point == len && i > 0 && i + 1 < len)
                    point = i;
                else
                    break;
            }
            if (i < len) return tb_dec_parse(s, len, unit, is_unsigned, out);
            digits = point < len ? len - 1 : len;
            f = point < len ? len - point - 1 : 0;
        }
        if (digits <= 18) {
            if (k >= f && digits + (k - f) <= 18) {
                *out = d * tb__dec_pow10[k - f];
                return TB_DEC_OK;
            }
            if (k < f && d % tb__dec_pow10[f - k] == 0) {
                *out = d / tb__dec_pow10[f - k];
                return TB_DEC_OK;
            }
        }
    }
    return tb_dec_parse(s, len, unit, is_unsigned, out);
}

/* where converted rows go: side / px / qty columns from row `at` on, below
 * `cap` (a walk that would pass it sets `full` and refuses) */
typedef struct tb__jscan_rows {
    uint8_t *side;
    int64_t *px;
    uint64_t *qty;
    size_t at, cap;
    int full;
    size_t px_dec, qty_dec; /* object levels: the most digits after the point seen (the caller zeroes them) */
} tb__jscan_rows;

/* a JSON number without sign or exponent (digits, then '.' and digits) at s[i]:
 * its text [*b0, *b1) and *dec, its digits after the point; the offset after it,
 * 0 if refused */
static size_t tb__jscan_num(const char *s, size_t i, size_t n, size_t *b0, size_t *b1, size_t *dec) {
    size_t j = i, point;
    while (j < n && s[j] >= '0' && s[j] <= '9') j++;
    if (j == i || (s[i] == '0' && j - i > 1)) return 0;
    *dec = 0;
    if (j < n && s[j] == '.') {
        point = ++j;
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        if (j == point) return 0;
        *dec = j - point;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) return 0;
    *b0 = i;
    *b1 = j;
    return j;
}

/* one {"price": number, "qty": number} level at s[i] == '{' (each key once, no
 * other): the numbers' texts and digits after the point (dec[0] price, dec[1]
 * qty); the offset of its closing '}', 0 if refused */
static size_t tb__jscan_level_object(const char *s, size_t i, size_t n, size_t *p0, size_t *p1, size_t *q0,
                                     size_t *q1, size_t dec[2]) {
    unsigned seen = 0;
    size_t j;
    /* as the venue writes it, compact: {"price":number,"qty":number} (else key by key) */
    if (TB__JSCAN_LIT(s, i, n, "{\"price\":") && (j = tb__jscan_num(s, i + 9, n, p0, p1, &dec[0])) != 0 &&
        TB__JSCAN_LIT(s, j, n, ",\"qty\":") && (j = tb__jscan_num(s, j + 7, n, q0, q1, &dec[1])) != 0 && j < n &&
        s[j] == '}')
        return j;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1;
        unsigned key;
        i = tb__jscan_str(s, i, n, &k0, &k1);
        if (!i) return 0;
        if (k1 - k0 == 5 && memcmp(s + k0, "price", 5) == 0)
            key = 1u;
        else if (k1 - k0 == 3 && memcmp(s + k0, "qty", 3) == 0)
            key = 2u;
        else
            return 0;
        if (seen & key) return 0;
        seen |= key;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        i = key == 1u ? tb__jscan_num(s, i, n, p0, p1, &dec[0]) : tb__jscan_num(s, i, n, q0, q1, &dec[1]);
        if (!i) return 0;
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        return 0;
    }
    return seen == 3u ? i : 0;
}

/* Where the strings of a short level are, found for its first 32 bytes at once: bit k
 * of *quote is set when s[k] is '"', of *refused when s[k] is a byte a string body
 * refuses ('\\', a control byte, one >= 0x7f), exactly for every byte (32 bytes
 * readable at s). SSE2 where the compiler targets it (x86-64 always), else the same
 * eight bytes a word; -DTB_FORCE_PORTABLE_BITS takes the words everywhere so the
 * tests cover both. */
#if defined(__SSE2__) && !defined(TB_FORCE_PORTABLE_BITS)
#include <emmintrin.h>
TB_FORCE_INLINE void tb__jscan_marks32(const char *s, uint32_t *quote, uint32_t *refused) {
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f),
                  space = _mm_set1_epi8(' ');
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    /* signed bytes: >= 0x80 is negative, so "< ' '" takes them with the control bytes */
    __m128i ra = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(a, space), _mm_cmpeq_epi8(a, del)), _mm_cmpeq_epi8(a, bs));
    __m128i rb = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(b, space), _mm_cmpeq_epi8(b, del)), _mm_cmpeq_epi8(b, bs));
    *quote = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, q)) | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, q)) << 16;
    *refused = (uint32_t)_mm_movemask_epi8(ra) | (uint32_t)_mm_movemask_epi8(rb) << 16;
}
#else
/* the high bit of each zero byte of x (exact: no carry crosses a byte) */
TB_FORCE_INLINE uint64_t tb__jscan_zero8(uint64_t x) {
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    return ~(((x & low7) + low7) | x) & ~low7;
}

/* the high bits of the bytes of w, as bits 0..7 */
TB_FORCE_INLINE uint32_t tb__jscan_pack8(uint64_t high) { return (uint32_t)((high * UINT64_C(0x02040810204081)) >> 56); }

TB_FORCE_INLINE void tb__jscan_marks32(const char *s, uint32_t *quote, uint32_t *refused) {
    const uint64_t ones = UINT64_C(0x0101010101010101);
    size_t k;
    *quote = *refused = 0;
    for (k = 0; k < 4; k++) {
        uint64_t w = tb__jscan_word(s, 8 * k);
        uint64_t bad = tb__jscan_zero8(w & (ones * 0xe0)) | (w & (ones * 0x80)) | tb__jscan_zero8(w ^ (ones * 0x7f)) |
                       tb__jscan_zero8(w ^ (ones * 0x5c));
        *quote |= tb__jscan_pack8(tb__jscan_zero8(w ^ (ones * 0x22))) << (8 * k);
        *refused |= tb__jscan_pack8(bad) << (8 * k);
    }
}
#endif

/* one level of `width` strings (width >= 2) at s[i] == '[' as the venues write it,
 * compact, when it ends within 32 bytes of s[i]: what tb__jscan_level_as_sent gives,
 * read from the marks of those bytes (each string's end is a bit scan, not a walk
 * eight bytes at a time), or 0 for that path to decide */
TB_FORCE_INLINE size_t tb__jscan_level_short(const char *s, size_t i, size_t n, size_t width, size_t *p0,
                                             size_t *p1, size_t *q0, size_t *q1) {
    uint32_t quote, refused;
    unsigned o = 1; /* the string's opening quote, s[i + o] */
    size_t e;
    if (n - i < 32) return 0;
    tb__jscan_marks32(s + i, &quote, &refused);
    for (e = 0; e < width; e++) {
        uint32_t body, after;
        unsigned c;
        char sep;
        if (o > 29 || !((quote >> o) & 1u)) return 0;
        after = quote & ~((UINT32_C(2) << o) - 1u); /* the quotes after the opening one */
        if (!after) return 0;
        c = (unsigned)tb__ctz64(after); /* the closing quote */
        body = ((UINT32_C(1) << c) - 1u) & ~((UINT32_C(2) << o) - 1u);
        if ((refused & body) || c >= 31) return 0;
        if (e == 0) {
            *p0 = i + o + 1;
            *p1 = i + c;
        } else if (e == 1) {
            *q0 = i + o + 1;
            *q1 = i + c;
        }
        sep = s[i + c + 1];
        if (e + 1 == width) return sep == ']' ? i + c + 1 : 0;
        if (sep != ',') return 0;
        o = c + 2;
    }
    return 0;
}

/* one level of `width` strings (width >= 2) at s[i] == '[' as the venues write
 * it, compact: ["price","size",...]; the price's and size's texts and the offset
 * of its ']', or 0 when it is not exactly that (the walk below then reads it
 * with any whitespace; what this takes, that takes alike) */
TB_FORCE_INLINE size_t tb__jscan_level_as_sent(const char *s, size_t i, size_t n, size_t width, size_t *p0,
                                               size_t *p1, size_t *q0, size_t *q1) {
    size_t e, x0, x1;
    i = tb__jscan_str(s, i + 1, n, p0, p1);
    if (!i || i >= n || s[i] != ',') return 0;
    i = tb__jscan_str(s, i + 1, n, q0, q1);
    for (e = 2; e < width && i; e++) {
        if (i >= n || s[i] != ',') return 0;
        i = tb__jscan_str(s, i + 1, n, &x0, &x1);
    }
    return i && i < n && s[i] == ']' ? i : 0;
}

/* walk one [[p, q, ...], ...] array at s[i] == '[' (`width` strings a level, or
 * TB_JSCAN_LEVEL_OBJECTS: {price, qty} objects of numbers):
 * with rows != NULL convert and write its levels; returns the offset after ']'
 * (0 if refused), *count levels */
static size_t tb__jscan_levels(const char *s, size_t i, size_t n, size_t width, tb_dec_unit tick, tb_dec_unit lot,
                               uint8_t side, tb__jscan_rows *rows, size_t *count) {
    size_t k = 0, e;
    if (i >= n || s[i] != '[') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    if (i < n && s[i] == ']') {
        *count = 0;
        return i + 1;
    }
    for (;;) {
        size_t p0 = 0, p1 = 0, q0 = 0, q1 = 0, dec[2] = {0, 0};
        if (width == TB_JSCAN_LEVEL_OBJECTS) {
            i = tb__jscan_level_object(s, i, n, &p0, &p1, &q0, &q1, dec);
            if (!i) return 0;
        } else {
            size_t sent;
            if (i >= n || s[i] != '[') return 0;
            sent = tb__jscan_level_short(s, i, n, width, &p0, &p1, &q0, &q1);
            if (!sent) sent = tb__jscan_level_as_sent(s, i, n, width, &p0, &p1, &q0, &q1);
            if (sent) {
                i = sent;
            } else {
                i = tb__jscan_str(s, tb__jscan_skip_ws(s, i + 1, n), n, &p0, &p1);
                if (!i) return 0;
                i = tb__jscan_skip_ws(s, i, n);
                if (i >= n || s[i] != ',') return 0;
                i = tb__jscan_str(s, tb__jscan_skip_ws(s, i + 1, n), n, &q0, &q1);
                if (!i) return 0;
                i = tb__jscan_skip_ws(s, i, n);
                for (e = 2; e < width; e++) { /* strings read and not used */
                    size_t x0, x1;
                    if (i >= n || s[i] != ',') return 0;
                    i = tb__jscan_str(s, tb__jscan_skip_ws(s, i + 1, n), n, &x0, &x1);
                    if (!i) return 0;
                    i = tb__jscan_skip_ws(s, i, n);
                }
                if (i >= n || s[i] != ']') return 0;
            }
        }
        if (rows) {
            uint64_t px = 0, qty = 0;
            size_t r = rows->at + k;
            if (r >= rows->cap) {
                rows->full = 1;
                return 0;
            }
            if (tb__jscan_dec(s + p0, p1 - p0, n - p0, tick, 0, &px) != TB_DEC_OK) return 0;
            if (tb__jscan_dec(s + q0, q1 - q0, n - q0, lot, 1, &qty) != TB_DEC_OK) return 0;
            rows->side[r] = side;
            rows->px[r] = (int64_t)px;
            rows->qty[r] = qty;
            if (dec[0] > rows->px_dec) rows->px_dec = dec[0];
            if (dec[1] > rows->qty_dec) rows->qty_dec = dec[1];
        }
        k++;
        i = tb__jscan_skip_ws(s, i + 1, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == ']') {
            *count = k;
            return i + 1;
        }
        return 0;
    }
}

static void tb__jscan_reverse(tb__jscan_rows *r, size_t lo, size_t hi) {
    while (lo + 1 < hi) {
        uint8_t sd = r->side[lo];
        int64_t p = r->px[lo];
        uint64_t q = r->qty[lo];
        hi--;
        r->side[lo] = r->side[hi];
        r->px[lo] = r->px[hi];
        r->qty[lo] = r->qty[hi];
        r->side[hi] = sd;
        r->px[hi] = p;
        r->qty[hi] = q;
        lo++;
    }
}

/* rows [at, at + first + second): the `second` block moved before the `first` one,
 * each in its order (three reversals: in place, no allocation) */
static void tb__jscan_rows_rotate(tb__jscan_rows *r, size_t at, size_t first, size_t second) {
    tb__jscan_reverse(r, at, at + first);
    tb__jscan_reverse(r, at + first, at + first + second);
    tb__jscan_reverse(r, at, at + first + second);
}

/* check one depthUpdate object at s[i] == '{' (offsets in *f relative to s);
 * returns the offset after its '}', 0 if refused */
static size_t tb__jscan_object(const char *s, size_t i, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick,
                               tb_dec_unit lot, tb__jscan_frame *f, tb__jscan_rows *rows) {
    const tb_jscan_layout *l = lk->l;
    unsigned need = lk->need;
    size_t expect = 0; /* the key the table's order puts next */
    memset(f->num, 0, sizeof f->num); /* fields a frame may leave out (pu of spot, T) read as 0 */
    f->seen = 0;
    f->converted[0] = f->converted[1] = 0;
    f->levels[0] = f->levels[1] = 0;
    f->row0 = rows ? rows->at : 0;
    if (i >= n || s[i] != '{') return 0;
    i = tb__jscan_skip_ws(s, i + 1, n);
    for (;;) {
        size_t k0, k1, v0, v1;
        int key = tb__jscan_expected_key(s, &i, n, lk, expect);
        if (key < 0) {
            i = tb__jscan_str(s, i, n, &k0, &k1);
            if (!i) return 0;
            key = tb__jscan_key_of(s + k0, k1 - k0, lk);
        }
        if (key < 0 || (f->seen >> key) & 1u) return 0;
        f->seen |= 1u << key;
        expect = (size_t)lk->index_of_role[key] + 1;
        i = tb__jscan_skip_ws(s, i, n);
        if (i >= n || s[i] != ':') return 0;
        i = tb__jscan_skip_ws(s, i + 1, n);
        switch (key) {
        case TB__JK_E_NAME:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i || v1 - v0 != strlen(l->event) || memcmp(s + v0, l->event, v1 - v0) != 0) return 0;
            break;
        case TB__JK_SYM:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            if (!i) return 0;
            f->sym_off = v0;
            f->sym_len = v1 - v0;
            break;
        case TB_JSCAN_TEXT:
            i = tb__jscan_str(s, i, n, &v0, &v1);
            break;
        case TB_JSCAN_EVENTS: /* read by the venue's own walk only (tb_json_coinbase.h) */
            return 0;
        case TB__JK_BIDS:
        case TB__JK_ASKS: {
            int a = key == TB__JK_ASKS;
            /* with rows, convert in this pass, after the other side's rows when it came
             * first (asks first, as OKX sends them: put in bids-then-asks order below) */
            f->arr_off[a] = i;
            if (rows) rows->at = f->row0 + f->levels[!a];
            i = tb__jscan_levels(s, i, n, l->level_strings, tick, lot, (uint8_t)!a, rows, &f->levels[a]);
            if (!i) return 0;
            f->converted[a] = rows != NULL;
            break;
        }
        default:
            i = tb__jscan_int_as(s, i, n, lk->form[key], &f->num[key]);
            if (!i) return 0;
            break;
        }
        i = tb__jscan_skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = tb__jscan_skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        return 0;
    }
    if ((f->seen & need) != need) return 0;
    if (rows && f->arr_off[1] < f->arr_off[0]) /* asks came first */
        tb__jscan_rows_rotate(rows, f->row0, f->levels[1], f->levels[0]);
    return i + 1;
}

/* check the shape of one line; 1 when it is a bare frame (its fields in *f) */
static int tb__jscan_shape(const char *s, size_t n, const tb__jscan_lookup *lk, tb_dec_unit tick, tb_dec_unit lot,
                           tb__jscan_frame *f, tb__jscan_rows *rows) {
    size_t i = tb__jscan_object(s, tb__jscan_skip_ws(s, 0, n), n, lk, tick, lot, f, rows);
    return i && tb__jscan_skip_ws(s, i, n) == n;
}

TB_API int tb_jscan_binance(const char *data, size_t len, int final, int futures, tb_dec_unit tick,
                            tb_dec_unit lot, tb_jscan_out *out, size_t *consumed) {
    size_t pos = 0;
    tb__jscan_lookup lk;
    if (!out || !consumed || (!data && len)) return TB_ERR_NULL;
    if (!out->side || !out->px || !out->qty || !out->kind || !out->off || !out->len || !out->row_end ||
        !out->ev_time || !out->first_id || !out->last_id || !out->prev_id || !out->sym_off || !out->sym_len)
        return TB_ERR_NULL;
    if (out->n_rows > out->rows_cap || out->n_frames > out->frames_cap || tick.reason || lot.reason || !tick.mant ||
        !lot.mant)
        return TB_ERR_BADARG;
    *consumed = 0;
    tb__jscan_lookup_init(&lk, futures ? 1u : 0u);
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = (const char *)memchr(line, '\n', len - pos);
        size_t n, next, m, at;
        tb__jscan_frame f;
        uint8_t kind = TB_JSCAN_OTHER;
        if (!nl && !final) break;
        n = nl ? (size_t)(nl - line) : len - pos;
        next = pos + n + (nl ? 1 : 0);
        if (out->n_frames >= out->frames_cap) {
            *consumed = pos;
            return TB_JSCAN_FULL;
        }
        m = out->n_frames;
        at = out->n_rows;
        if (tb__jscan_skip_ws(line, 0, n) == n) {
            kind = TB_JSCAN_EMPTY;
        } else if (tb__jscan_shape(line, n, &lk, tick, lot, &f, NULL)) {
            size_t cnt;
            if (f.levels[0] + f.levels[1] > out->rows_cap - out->n_rows) {
                *consumed = pos;
                return TB_JSCAN_FULL;
            }
            /* the shape pass counted; this pass converts (bids first), a bad value makes it OTHER */
            tb__jscan_rows rows;
            rows.side = out->side;
            rows.px = out->px;
            rows.qty = out->qty;
            rows.at = out->n_rows;
            rows.cap = out->rows_cap;
            rows.full = 0;
            rows.px_dec = rows.qty_dec = 0;
            if (tb__jscan_levels(line, f.arr_off[0], n, lk.l->level_strings, tick, lot, 1, &rows, &cnt)) {
                out->n_rows += cnt;
                rows.at = out->n_rows;
                if (tb__jscan_levels(line, f.arr_off[1], n, lk.l->level_strings, tick, lot, 0, &rows, &cnt)) {
                    out->n_rows += cnt;
                    kind = TB_JSCAN_FRAME;
                }
            }
            if (kind != TB_JSCAN_FRAME) {
                out->n_rows = at;
            } else {
                out->ev_time[m] = f.num[TB__JK_E_TIME];
                out->first_id[m] = f.num[TB__JK_FIRST];
                out->last_id[m] = f.num[TB__JK_LAST];
                out->prev_id[m] = futures ? f.num[TB__JK_PREV] : 0;
                out->sym_off[m] = (int64_t)(pos + f.sym_off);
                out->sym_len[m] = (int64_t)f.sym_len;
            }
        }
        if (kind != TB_JSCAN_FRAME) {
            out->ev_time[m] = out->first_id[m] = out->last_id[m] = out->prev_id[m] = 0;
            out->sym_off[m] = out->sym_len[m] = 0;
        }
        out->kind[m] = kind;
        out->off[m] = (int64_t)pos;
        out->len[m] = (int64_t)n;
        out->row_end[m] = (int64_t)out->n_rows;
        out->n_frames = m + 1;
        pos = next;
    }
    *consumed = pos;
    return TB_JSCAN_DONE;
}

#endif /* TB_JSON_SCAN_H */
