/* tb_venue_crc.h — venue order-book checksums computed from a book's top levels.
 *
 * Two venues send a CRC32 of the top of their book with every book message; the
 * text they hash is built from the decimal strings of the prices and sizes, so
 * it is rebuilt here from integer ticks and lots exactly, digit by digit, into a
 * small stack buffer hashed eight bytes a step (no allocation, no float):
 *
 *   Kraken (WebSocket v2 book; docs.kraken.com, "Book checksum (WebSocket v2)"):
 *     for each of the top 10 asks (best first), then the top 10 bids: the price
 *     and the quantity as the venue prints them (with the instrument's
 *     precision), '.' removed and leading zeros stripped, price then quantity.
 *     With a precision of d digits that text is the integer value * 10^d, so the
 *     caller passes px_scale = tick_size * 10^price_precision and qty_scale =
 *     lot_size * 10^qty_precision (both whole numbers) and each level writes
 *     px * px_scale then qty * qty_scale in decimal, without leading zeros
 *     (a zero writes nothing, as stripping "00" leaves nothing).
 *   OKX (v5 books; okx.com/docs-v5, "Checksum"): the first 25 bids and asks
 *     interleaved, bid price : bid size : ask price : ask size : ..., a side with
 *     fewer levels just ends; each value the shortest plain decimal (no trailing
 *     zeros, no trailing '.', no exponent), which is how OKX writes them. The
 *     caller passes tick_size = px_mant * 10^-px_exp and lot_size = qty_mant *
 *     10^-qty_exp (mant >= 1, 0 <= exp <= 38).
 *
 * API (levels best first; bid_px / ask_px int64 ticks, bid_qty / ask_qty uint64 lots)
 *   int tb_crc_kraken(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid,
 *                     const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask,
 *                     uint64_t px_scale, uint64_t qty_scale, uint32_t *out);
 *   int tb_crc_okx(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid,
 *                  const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask,
 *                  uint64_t px_mant, int px_exp, uint64_t qty_mant, int qty_exp,
 *                  uint32_t *out);
 *       The unsigned CRC32 (zlib's) of the text in *out and TB_OK; TB_ERR_NULL for
 *       a NULL array with a non-zero length or a NULL out; TB_ERR_BADARG for a
 *       scale or mantissa of 0, an exponent outside [0, 38], a negative Kraken
 *       price, or a value whose scaled integer does not fit 64 bits (nothing
 *       written). OKX sends its CRC32 as a signed int: compare (uint32_t) of it.
 */
#ifndef TB_VENUE_CRC_H
#define TB_VENUE_CRC_H

#include "tb_base.h"

#include "tb_crc32_tables.h"

/* CRC32 of p[0..n) continued from crc (no pre- or post-inversion here): eight
 * bytes a step with eight independent table lookups (slicing-by-8), where the
 * byte-at-a-time loop is one chain of dependent lookups — the checksum was a
 * quarter to a third of a Kraken / OKX replay's time. */
static inline uint32_t tb__crc32_update(uint32_t crc, const unsigned char *p, size_t n) {
    const uint32_t(*t)[256] = tb__crc32_tables;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
              t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = t[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
    return crc;
}

/* The text being hashed: written into buf, folded into crc whenever a level might
 * not fit (TB__CRC_ROOM bytes: an OKX level is at most 2 * (':' + '-' + "0." + 38
 * digits) = 84 bytes, a Kraken level 2 * 20 digits, and every write copies a fixed
 * TB__CRC_COPY bytes, of which it keeps the first n). */
enum tb__crc_limit { TB__CRC_BUF = 512, TB__CRC_COPY = 20, TB__CRC_ROOM = 84 + TB__CRC_COPY };

typedef struct tb__crc_text {
    uint32_t crc;
    size_t n;
    unsigned char buf[TB__CRC_BUF];
} tb__crc_text;

static inline void tb__crc_begin(tb__crc_text *t) {
    t->crc = 0xffffffffu;
    t->n = 0;
}

/* room for one more level's text */
static inline void tb__crc_room(tb__crc_text *t) {
    if (t->n > TB__CRC_BUF - TB__CRC_ROOM) {
        t->crc = tb__crc32_update(t->crc, t->buf, t->n);
        t->n = 0;
    }
}

/* the unsigned CRC32 of everything written */
static inline uint32_t tb__crc_end(tb__crc_text *t) { return tb__crc32_update(t->crc, t->buf, t->n) ^ 0xffffffffu; }

static inline void tb__crc_put(tb__crc_text *t, char c) { t->buf[t->n++] = (unsigned char)c; }

/* s[0..n) (n <= TB__CRC_COPY; s has TB__CRC_COPY bytes readable): a copy of fixed
 * size is two moves, where one of n bytes was a call to memmove */
static inline void tb__crc_write(tb__crc_text *t, const char *s, int n) {
    memcpy(t->buf + t->n, s, TB__CRC_COPY);
    t->n += (size_t)n;
}

/* The decimal digits of v (most significant first) into buf; their count. Values
 * below 2^32 (most prices and sizes) divide in 32 bits, which is cheaper. buf holds
 * 2 * TB__CRC_COPY bytes so that tb__crc_write may copy TB__CRC_COPY from any digit. */
static inline int tb__crc_digits(uint64_t v, char buf[2 * TB__CRC_COPY]) {
    char tmp[20];
    int n = 0, i;
    while (v > UINT32_MAX) {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    }
    {
        uint32_t w = (uint32_t)v;
        do {
            tmp[n++] = (char)('0' + (int)(w % 10u));
            w /= 10u;
        } while (w);
    }
    for (i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

/* |v| * m, or 0 with *ok = 0 when it does not fit 64 bits. */
static inline uint64_t tb__crc_mul(uint64_t mag, uint64_t m, int *ok) {
    if (m && mag > UINT64_MAX / m) {
        *ok = 0;
        return 0;
    }
    return mag * m;
}

static inline uint64_t tb__crc_abs(int64_t v) {
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Kraken: the integer without leading zeros (nothing for 0). */
static inline void tb__crc_kraken_value(tb__crc_text *t, uint64_t v) {
    char d[2 * TB__CRC_COPY];
    if (v) tb__crc_write(t, d, tb__crc_digits(v, d));
}

static inline int tb__crc_kraken_side(tb__crc_text *t, const int64_t *px, const uint64_t *qty, size_t n,
                                      uint64_t px_scale, uint64_t qty_scale) {
    size_t i;
    int ok = 1;
    for (i = 0; i < n && i < 10; i++) {
        uint64_t p, q;
        if (px[i] < 0) return TB_ERR_BADARG;
        p = tb__crc_mul((uint64_t)px[i], px_scale, &ok);
        q = tb__crc_mul(qty[i], qty_scale, &ok);
        if (!ok) return TB_ERR_BADARG;
        tb__crc_room(t);
        tb__crc_kraken_value(t, p);
        tb__crc_kraken_value(t, q);
    }
    return TB_OK;
}

TB_API int tb_crc_kraken(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                         const uint64_t *ask_qty, size_t n_ask, uint64_t px_scale, uint64_t qty_scale,
                         uint32_t *out) {
    tb__crc_text t;
    int st;
    if (!out || (n_bid && (!bid_px || !bid_qty)) || (n_ask && (!ask_px || !ask_qty))) return TB_ERR_NULL;
    if (!px_scale || !qty_scale) return TB_ERR_BADARG;
    tb__crc_begin(&t);
    st = tb__crc_kraken_side(&t, ask_px, ask_qty, n_ask, px_scale, qty_scale);
    if (st == TB_OK) st = tb__crc_kraken_side(&t, bid_px, bid_qty, n_bid, px_scale, qty_scale);
    if (st != TB_OK) return st;
    *out = tb__crc_end(&t);
    return TB_OK;
}

/* OKX: mag * 10^-exp as the shortest plain decimal, '-' first when neg. */
static inline void tb__crc_plain(tb__crc_text *t, int neg, uint64_t mag, int exp) {
    char d[2 * TB__CRC_COPY];
    int n = tb__crc_digits(mag, d), int_digits, last, i;
    if (neg && mag) tb__crc_put(t, '-');
    /* the digits after the point are d[n - exp .. n), padded with leading zeros when
     * n <= exp; trailing zeros (and then the point) are dropped */
    last = n; /* one past the last digit to write */
    while (last > 0 && last > n - exp && d[last - 1] == '0') last--;
    int_digits = n - exp; /* digits before the point (<= 0: "0.") */
    if (int_digits <= 0) {
        tb__crc_put(t, '0');
        if (last > 0) {
            tb__crc_put(t, '.');
            for (i = int_digits; i < 0; i++) tb__crc_put(t, '0');
            tb__crc_write(t, d, last);
        }
        return;
    }
    tb__crc_write(t, d, int_digits);
    if (last > int_digits) {
        tb__crc_put(t, '.');
        tb__crc_write(t, d + int_digits, last - int_digits);
    }
}

static inline int tb__crc_okx_level(tb__crc_text *t, int64_t px, uint64_t qty, uint64_t pm, int pe, uint64_t qm,
                                    int qe, int first) {
    int ok = 1;
    uint64_t p = tb__crc_mul(tb__crc_abs(px), pm, &ok);
    uint64_t q = tb__crc_mul(qty, qm, &ok);
    if (!ok) return TB_ERR_BADARG;
    tb__crc_room(t);
    if (!first) tb__crc_put(t, ':');
    tb__crc_plain(t, px < 0, p, pe);
    tb__crc_put(t, ':');
    tb__crc_plain(t, 0, q, qe);
    return TB_OK;
}

TB_API int tb_crc_okx(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                      const uint64_t *ask_qty, size_t n_ask, uint64_t px_mant, int px_exp, uint64_t qty_mant,
                      int qty_exp, uint32_t *out) {
    tb__crc_text t;
    size_t i;
    int first = 1, st;
    if (!out || (n_bid && (!bid_px || !bid_qty)) || (n_ask && (!ask_px || !ask_qty))) return TB_ERR_NULL;
    if (!px_mant || !qty_mant || px_exp < 0 || px_exp > 38 || qty_exp < 0 || qty_exp > 38) return TB_ERR_BADARG;
    tb__crc_begin(&t);
    for (i = 0; i < 25 && (i < n_bid || i < n_ask); i++) {
        if (i < n_bid) {
            st = tb__crc_okx_level(&t, bid_px[i], bid_qty[i], px_mant, px_exp, qty_mant, qty_exp, first);
            if (st != TB_OK) return st;
            first = 0;
        }
        if (i < n_ask) {
            st = tb__crc_okx_level(&t, ask_px[i], ask_qty[i], px_mant, px_exp, qty_mant, qty_exp, first);
            if (st != TB_OK) return st;
            first = 0;
        }
    }
    *out = tb__crc_end(&t);
    return TB_OK;
}

#endif /* TB_VENUE_CRC_H */
