/* tb_venue_crc.h — venue order-book checksums computed from a book's top levels.
 *
 * Two venues send a CRC32 of the top of their book with every book message; the
 * text they hash is built from the decimal strings of the prices and sizes, so
 * it is rebuilt here from integer ticks and lots exactly, digit by digit, into one
 * stack buffer hashed once it is whole (no allocation, no float). A
 * replay verifies a checksum after every message while most levels stay as they
 * were, so it keeps each level's text in a cache (tb_crc_cached): writing the
 * hundred decimal strings of an OKX top 25 was most of the checksum's time.
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
 *   int tb_crc_cached(tb_crc_cache *cache, uint32_t kind, uint64_t a, int32_t ea,
 *                     uint64_t b, int32_t eb, <the six book arguments>, uint32_t *out);
 *       The same checksum through cache (zeroed memory to start): kind 1 Kraken
 *       (a = px_scale, b = qty_scale, ea = eb = 0), 2 OKX (a = px_mant, ea =
 *       px_exp, b = qty_mant, eb = qty_exp); the same results and errors
 *       (TB_ERR_NULL for a NULL cache; TB_ERR_BADARG for another kind). A slot's
 *       text depends only on its level and the params, so a cache stays right
 *       whatever the book does (resets, levels pushed out); other params than the
 *       last call's empty it first.
 */
#ifndef TB_VENUE_CRC_H
#define TB_VENUE_CRC_H

#include "tb_base.h"

#include "tb_crc32_tables.h"

/* A cache of level texts (tb_crc_cached; the replay loop keeps one): a slot per
 * price modulo TB_CRC_CACHE_SLOTS a side, holding the level it was written for and
 * its text. Zeroed memory is an empty cache. */
enum tb_crc_cache_limit { TB_CRC_CACHE_SLOTS = 64, TB_CRC_LEVEL_TEXT = 96 };

typedef struct tb_crc_level {
    int64_t px;
    uint64_t qty;
    uint8_t used, px_len, len, pad[13];
    unsigned char text[TB_CRC_LEVEL_TEXT]; /* the price's part, then the size's */
} tb_crc_level;

typedef struct tb_crc_cache {
    uint32_t kind; /* the params its texts were written with (0: none yet) */
    int32_t ea, eb;
    uint64_t a, b;
    tb_crc_level slot[2][TB_CRC_CACHE_SLOTS]; /* [0] bids, [1] asks */
} tb_crc_cache;

/* CRC32 of p[0..n) continued from crc (no pre- or post-inversion here): eight
 * bytes a step with eight independent table lookups (slicing-by-8), where the
 * byte-at-a-time loop is one chain of dependent lookups. */
static inline uint32_t tb__crc32_sliced(uint32_t crc, const unsigned char *p, size_t n) {
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

/* x86-64 with GCC or Clang: the carry-less multiply (PCLMULQDQ, checked at run time)
 * folds 64 bytes a step, several times faster than the tables (the checksum text of
 * an OKX top 25 is ~750 bytes a message). The folding keeps the CRC of the text
 * unchanged while moving a 16-byte block 16 or 64 bytes ahead (its product with
 * x^distance mod P lands in the block there, tools/gen_crc_tables.py); the last
 * block and the tail go through the tables from a zero state, which is the same CRC
 * as the whole text's once the state was XORed into its first four bytes.
 * -DTB_NO_CLMUL (or -DTB_FORCE_PORTABLE_BITS, as the portable test build) keeps the
 * tables everywhere, so the tests cover both. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(TB_NO_CLMUL) && \
    !defined(TB_FORCE_PORTABLE_BITS)
#define TB__CRC_CLMUL 1
#include <immintrin.h>

__attribute__((target("pclmul,sse2"))) static inline __m128i tb__crc32_fold(__m128i x, __m128i k, __m128i next) {
    return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

/* n >= 64 */
__attribute__((target("pclmul,sse2"))) static uint32_t tb__crc32_clmul(uint32_t crc, const unsigned char *p,
                                                                        size_t n) {
    const __m128i k512 = _mm_set_epi64x((long long)tb__crc32_fold512[1], (long long)tb__crc32_fold512[0]);
    const __m128i k128 = _mm_set_epi64x((long long)tb__crc32_fold128[1], (long long)tb__crc32_fold128[0]);
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)p), _mm_cvtsi32_si128((int)crc));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    unsigned char last[16];
    p += 64;
    n -= 64;
    while (n >= 64) { /* four independent chains */
        x0 = tb__crc32_fold(x0, k512, _mm_loadu_si128((const __m128i *)(const void *)p));
        x1 = tb__crc32_fold(x1, k512, _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
        x2 = tb__crc32_fold(x2, k512, _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
        x3 = tb__crc32_fold(x3, k512, _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
        p += 64;
        n -= 64;
    }
    x0 = tb__crc32_fold(x0, k128, x1);
    x0 = tb__crc32_fold(x0, k128, x2);
    x0 = tb__crc32_fold(x0, k128, x3);
    while (n >= 16) {
        x0 = tb__crc32_fold(x0, k128, _mm_loadu_si128((const __m128i *)(const void *)p));
        p += 16;
        n -= 16;
    }
    _mm_storeu_si128((__m128i *)(void *)last, x0);
    return tb__crc32_sliced(tb__crc32_sliced(0, last, 16), p, n);
}
#endif

/* CRC32 of p[0..n) continued from crc (no pre- or post-inversion here) */
static inline uint32_t tb__crc32_update(uint32_t crc, const unsigned char *p, size_t n) {
#ifdef TB__CRC_CLMUL
    if (n >= 64 && __builtin_cpu_supports("pclmul")) return tb__crc32_clmul(crc, p, n);
#endif
    return tb__crc32_sliced(crc, p, n);
}

/* The text being hashed is written whole into one stack buffer and hashed once (no
 * check for room per level: the buffer holds the most levels a checksum reads, each
 * with a separator and one level's text, copied in blocks of TB__CRC_BLOCK bytes of
 * which the last may run past the text's end). */
enum tb__crc_limit {
    TB__CRC_BLOCK = 16,
    TB__CRC_MAX_LEVELS = 50, /* OKX: 25 a side; Kraken: 10 */
    TB__CRC_ROOM = 1 + TB_CRC_LEVEL_TEXT + TB__CRC_BLOCK,
    TB__CRC_BUF = TB__CRC_MAX_LEVELS * TB__CRC_ROOM
};

TB_STATIC_ASSERT((int)TB_CRC_LEVEL_TEXT % (int)TB__CRC_BLOCK == 0, "a level's text is copied in whole blocks");
TB_STATIC_ASSERT((TB_CRC_CACHE_SLOTS & (TB_CRC_CACHE_SLOTS - 1)) == 0, "cache slots are a power of two");

/* a level's text (len <= TB_CRC_LEVEL_TEXT bytes; the whole array is readable) to
 * dst in blocks of fixed size: one move for a usual level, not a call to memcpy */
TB_FORCE_INLINE void tb__crc_copy(unsigned char *dst, const unsigned char *text, size_t len) {
    size_t k;
    memcpy(dst, text, TB__CRC_BLOCK);
    for (k = TB__CRC_BLOCK; k < len; k += TB__CRC_BLOCK) memcpy(dst + k, text + k, TB__CRC_BLOCK);
}

/* "00".."99": two digits a division */
static const char tb__crc_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of v (most significant first) at dst; their count (1..20).
 * Values below 2^32 (most prices and sizes) divide in 32 bits, which is cheaper. */
static inline size_t tb__crc_digits(uint64_t v, unsigned char *dst) {
    unsigned char tmp[20];
    size_t i = sizeof tmp, n;
    uint32_t w;
    while (v > UINT32_MAX) {
        uint64_t q = v / 100u;
        i -= 2;
        memcpy(tmp + i, tb__crc_pairs + 2 * (size_t)(v - q * 100u), 2);
        v = q;
    }
    w = (uint32_t)v;
    while (w >= 100u) {
        uint32_t q = w / 100u;
        i -= 2;
        memcpy(tmp + i, tb__crc_pairs + 2 * (size_t)(w - q * 100u), 2);
        w = q;
    }
    if (w >= 10u) {
        i -= 2;
        memcpy(tmp + i, tb__crc_pairs + 2 * (size_t)w, 2);
    } else {
        tmp[--i] = (unsigned char)('0' + w);
    }
    n = sizeof tmp - i;
    memcpy(dst, tmp + i, n);
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

/* OKX: mag * 10^-exp as the shortest plain decimal at dst, '-' first when neg;
 * its length (at most 1 + 2 + 38 = 41) */
static size_t tb__crc_plain(unsigned char *dst, int neg, uint64_t mag, int exp) {
    unsigned char d[20];
    size_t k = 0;
    int n = (int)tb__crc_digits(mag, d), int_digits, last, i;
    if (neg && mag) dst[k++] = '-';
    /* the digits after the point are d[n - exp .. n), padded with leading zeros when
     * n <= exp; trailing zeros (and then the point) are dropped */
    last = n; /* one past the last digit to write */
    while (last > 0 && last > n - exp && d[last - 1] == '0') last--;
    int_digits = n - exp; /* digits before the point (<= 0: "0.") */
    if (int_digits <= 0) {
        dst[k++] = '0';
        if (last > 0) {
            dst[k++] = '.';
            for (i = int_digits; i < 0; i++) dst[k++] = '0';
            memcpy(dst + k, d, (size_t)last);
            k += (size_t)last;
        }
        return k;
    }
    memcpy(dst + k, d, (size_t)int_digits);
    k += (size_t)int_digits;
    if (last > int_digits) {
        dst[k++] = '.';
        memcpy(dst + k, d + int_digits, (size_t)(last - int_digits));
        k += (size_t)(last - int_digits);
    }
    return k;
}

/* how a venue writes its levels: kind 1 Kraken (a = px_scale, b = qty_scale), 2 OKX
 * (a * 10^-ea the tick, b * 10^-eb the lot) */
typedef struct tb__crc_params {
    uint32_t kind;
    uint64_t a, b;
    int32_t ea, eb;
} tb__crc_params;

/* the price's part of a level's text at text[0..): Kraken the scaled integer without
 * leading zeros (nothing for 0), OKX the plain decimal and the ':' before the size;
 * its length, or 0 with *ok = 0 when the venue cannot write it */
static size_t tb__crc_px_text(const tb__crc_params *p, int64_t px, unsigned char *text, int *ok) {
    size_t n;
    uint64_t v;
    if (p->kind == 1) {
        if (px < 0) {
            *ok = 0;
            return 0;
        }
        v = tb__crc_mul((uint64_t)px, p->a, ok);
        return *ok && v ? tb__crc_digits(v, text) : 0;
    }
    v = tb__crc_mul(tb__crc_abs(px), p->a, ok);
    if (!*ok) return 0;
    n = tb__crc_plain(text, px < 0, v, p->ea);
    text[n] = ':';
    return n + 1;
}

/* the size's part after the price's at text[0..) (as tb__crc_px_text) */
static size_t tb__crc_qty_text(const tb__crc_params *p, uint64_t qty, unsigned char *text, int *ok) {
    uint64_t v = tb__crc_mul(qty, p->b, ok);
    if (!*ok) return 0;
    if (p->kind == 1) return v ? tb__crc_digits(v, text) : 0;
    return tb__crc_plain(text, 0, v, p->eb);
}

/* The text of level (px, qty) into e, the price's part kept when e holds this price
 * (the usual change: a new size); TB_OK, or TB_ERR_BADARG with e emptied. A slot's
 * text depends only on px, qty and the params the cache was written with, so it
 * never goes stale with the book. */
static TB_NOINLINE int tb__crc_level_write(const tb__crc_params *p, tb_crc_level *e, int64_t px, uint64_t qty) {
    int ok = 1;
    size_t n;
    if (!(e->used && e->px == px)) {
        e->used = 0;
        n = tb__crc_px_text(p, px, e->text, &ok);
        if (!ok) return TB_ERR_BADARG;
        e->px = px;
        e->px_len = (uint8_t)n;
    }
    n = tb__crc_qty_text(p, qty, e->text + e->px_len, &ok);
    if (!ok) {
        e->used = 0;
        return TB_ERR_BADARG;
    }
    e->qty = qty;
    e->len = (uint8_t)(e->px_len + n);
    e->used = 1;
    return TB_OK;
}

/* Level (px, qty) of one side (0 bids, 1 asks) appended at buf[*n], after a ':'
 * when sep (OKX; the caller drops the first one); through the cache's slot when
 * there is a cache (kept as it was when it holds this very level: most levels of a
 * book between two messages) */
TB_FORCE_INLINE int tb__crc_level(unsigned char *buf, size_t *n, const tb__crc_params *p, tb_crc_cache *cache,
                                  int side, int64_t px, uint64_t qty, int sep) {
    tb_crc_level tmp, *e = &tmp;
    if (cache) {
        e = &cache->slot[side][(size_t)((uint64_t)px & (TB_CRC_CACHE_SLOTS - 1))];
        if (TB_UNLIKELY(!(e->used && e->px == px && e->qty == qty))) {
            int st = tb__crc_level_write(p, e, px, qty);
            if (st != TB_OK) return st;
        }
    } else {
        int st;
        tmp.used = 0;
        st = tb__crc_level_write(p, e, px, qty);
        if (st != TB_OK) return st;
    }
    if (sep) buf[(*n)++] = ':';
    tb__crc_copy(buf + *n, e->text, e->len);
    *n += e->len;
    return TB_OK;
}

/* one side's levels, best first: level i's price (int64_t) at px + i * stride and
 * its size (uint64_t) at qty + i * stride — the public calls' separate arrays
 * (stride 8) or the book's level records read in place (tb_feed_apply.h) */
typedef struct tb__crc_side {
    const unsigned char *px, *qty;
    size_t n, stride;
} tb__crc_side;

static inline tb__crc_side tb__crc_side_of(const void *px, const void *qty, size_t n, size_t stride) {
    tb__crc_side s;
    s.px = (const unsigned char *)px;
    s.qty = (const unsigned char *)qty;
    s.n = n;
    s.stride = stride;
    return s;
}

TB_FORCE_INLINE int64_t tb__crc_px_at(const tb__crc_side *s, size_t i) {
    int64_t v;
    memcpy(&v, s->px + i * s->stride, sizeof v);
    return v;
}

TB_FORCE_INLINE uint64_t tb__crc_qty_at(const tb__crc_side *s, size_t i) {
    uint64_t v;
    memcpy(&v, s->qty + i * s->stride, sizeof v);
    return v;
}

/* level i of side s (0 bids, 1 asks) appended */
#define TB__CRC_LEVEL_AT(side, s, i, sep) \
    tb__crc_level(buf, &n, p, cache, side, tb__crc_px_at(s, i), tb__crc_qty_at(s, i), sep)

/* the venue's checksum of the book into *out; the arguments are checked by the
 * callers. Kraken: the top 10 asks, then the top 10 bids. OKX: bid, ask, bid, ask,
 * ... over the first 25 a side (a side with fewer levels just ends), each level
 * after a ':' but the first. */
static int tb__crc_book(const tb__crc_params *p, tb_crc_cache *cache, const tb__crc_side *bid,
                        const tb__crc_side *ask, uint32_t *out) {
    unsigned char buf[TB__CRC_BUF];
    size_t i, n = 0, skip = 0;
    int st = TB_OK;
    if (cache && (cache->kind != p->kind || cache->a != p->a || cache->b != p->b || cache->ea != p->ea ||
                  cache->eb != p->eb)) { /* texts written another way: forget them */
        memset(cache->slot, 0, sizeof cache->slot);
        cache->kind = p->kind;
        cache->a = p->a;
        cache->b = p->b;
        cache->ea = p->ea;
        cache->eb = p->eb;
    }
    if (p->kind == 1) {
        size_t na = ask->n < 10 ? ask->n : 10, nb = bid->n < 10 ? bid->n : 10;
        for (i = 0; i < na && st == TB_OK; i++) st = TB__CRC_LEVEL_AT(1, ask, i, 0);
        for (i = 0; i < nb && st == TB_OK; i++) st = TB__CRC_LEVEL_AT(0, bid, i, 0);
    } else {
        size_t nb = bid->n < 25 ? bid->n : 25, na = ask->n < 25 ? ask->n : 25, both = nb < na ? nb : na;
        for (i = 0; i < both && st == TB_OK; i++) {
            st = TB__CRC_LEVEL_AT(0, bid, i, 1);
            if (st == TB_OK) st = TB__CRC_LEVEL_AT(1, ask, i, 1);
        }
        for (; i < nb && st == TB_OK; i++) st = TB__CRC_LEVEL_AT(0, bid, i, 1);
        for (; i < na && st == TB_OK; i++) st = TB__CRC_LEVEL_AT(1, ask, i, 1);
        skip = n > 0; /* the first level's ':' */
    }
    if (st != TB_OK) return st;
    *out = tb__crc32_update(0xffffffffu, buf + skip, n - skip) ^ 0xffffffffu;
    return TB_OK;
}
#undef TB__CRC_LEVEL_AT

/* whether the venue can write its levels with these params */
static int tb__crc_params_ok(const tb__crc_params *p) {
    if (!p->a || !p->b) return 0;
    if (p->kind == 1) return p->ea == 0 && p->eb == 0;
    return p->kind == 2 && p->ea >= 0 && p->ea <= 38 && p->eb >= 0 && p->eb <= 38;
}

/* the public calls: arguments checked, then tb__crc_book */
static int tb__crc_call(tb_crc_cache *cache, uint32_t kind, uint64_t a, int32_t ea, uint64_t b, int32_t eb,
                        const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                        const uint64_t *ask_qty, size_t n_ask, uint32_t *out) {
    tb__crc_params p;
    tb__crc_side bid, ask;
    if (!out || (n_bid && (!bid_px || !bid_qty)) || (n_ask && (!ask_px || !ask_qty))) return TB_ERR_NULL;
    p.kind = kind;
    p.a = a;
    p.b = b;
    p.ea = ea;
    p.eb = eb;
    if (!tb__crc_params_ok(&p)) return TB_ERR_BADARG;
    bid = tb__crc_side_of(bid_px, bid_qty, n_bid, sizeof *bid_px);
    ask = tb__crc_side_of(ask_px, ask_qty, n_ask, sizeof *ask_px);
    return tb__crc_book(&p, cache, &bid, &ask, out);
}

TB_API int tb_crc_kraken(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                         const uint64_t *ask_qty, size_t n_ask, uint64_t px_scale, uint64_t qty_scale,
                         uint32_t *out) {
    return tb__crc_call(NULL, 1, px_scale, 0, qty_scale, 0, bid_px, bid_qty, n_bid, ask_px, ask_qty, n_ask, out);
}

TB_API int tb_crc_okx(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                      const uint64_t *ask_qty, size_t n_ask, uint64_t px_mant, int px_exp, uint64_t qty_mant,
                      int qty_exp, uint32_t *out) {
    return tb__crc_call(NULL, 2, px_mant, (int32_t)px_exp, qty_mant, (int32_t)qty_exp, bid_px, bid_qty, n_bid,
                        ask_px, ask_qty, n_ask, out);
}

TB_API int tb_crc_cached(tb_crc_cache *cache, uint32_t kind, uint64_t a, int32_t ea, uint64_t b, int32_t eb,
                         const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                         const uint64_t *ask_qty, size_t n_ask, uint32_t *out) {
    if (!cache) return TB_ERR_NULL;
    return tb__crc_call(cache, kind, a, ea, b, eb, bid_px, bid_qty, n_bid, ask_px, ask_qty, n_ask, out);
}

#endif /* TB_VENUE_CRC_H */
