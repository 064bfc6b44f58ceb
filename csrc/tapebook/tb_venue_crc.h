/* tb_venue_crc.h — venue order-book checksums computed from a book's top levels.
 *
 * Two venues send a CRC32 of the top of their book with every book message; the
 * text they hash is built from the decimal strings of the prices and sizes, so
 * it is rebuilt here from integer ticks and lots exactly, digit by digit, and
 * hashed as it is written (no buffer, no allocation, no float):
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

static const uint32_t tb__crc32_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

static inline uint32_t tb__crc_byte(uint32_t crc, unsigned char b) {
    return tb__crc32_table[(crc ^ b) & 0xffu] ^ (crc >> 8);
}

/* The decimal digits of v (most significant first) into buf; their count. */
static inline int tb__crc_digits(uint64_t v, char buf[20]) {
    char tmp[20];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    for (i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

static inline uint32_t tb__crc_text(uint32_t crc, const char *s, int n) {
    int i;
    for (i = 0; i < n; i++) crc = tb__crc_byte(crc, (unsigned char)s[i]);
    return crc;
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
static inline uint32_t tb__crc_kraken_value(uint32_t crc, uint64_t v) {
    char d[20];
    if (!v) return crc;
    return tb__crc_text(crc, d, tb__crc_digits(v, d));
}

static inline int tb__crc_kraken_side(uint32_t *crc, const int64_t *px, const uint64_t *qty, size_t n,
                                      uint64_t px_scale, uint64_t qty_scale) {
    size_t i;
    int ok = 1;
    for (i = 0; i < n && i < 10; i++) {
        uint64_t p, q;
        if (px[i] < 0) return TB_ERR_BADARG;
        p = tb__crc_mul((uint64_t)px[i], px_scale, &ok);
        q = tb__crc_mul(qty[i], qty_scale, &ok);
        if (!ok) return TB_ERR_BADARG;
        *crc = tb__crc_kraken_value(*crc, p);
        *crc = tb__crc_kraken_value(*crc, q);
    }
    return TB_OK;
}

TB_API int tb_crc_kraken(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                         const uint64_t *ask_qty, size_t n_ask, uint64_t px_scale, uint64_t qty_scale,
                         uint32_t *out) {
    uint32_t crc = 0xffffffffu;
    int st;
    if (!out || (n_bid && (!bid_px || !bid_qty)) || (n_ask && (!ask_px || !ask_qty))) return TB_ERR_NULL;
    if (!px_scale || !qty_scale) return TB_ERR_BADARG;
    st = tb__crc_kraken_side(&crc, ask_px, ask_qty, n_ask, px_scale, qty_scale);
    if (st == TB_OK) st = tb__crc_kraken_side(&crc, bid_px, bid_qty, n_bid, px_scale, qty_scale);
    if (st != TB_OK) return st;
    *out = crc ^ 0xffffffffu;
    return TB_OK;
}

/* OKX: mag * 10^-exp as the shortest plain decimal, '-' first when neg. */
static inline uint32_t tb__crc_plain(uint32_t crc, int neg, uint64_t mag, int exp) {
    char d[20];
    int n = tb__crc_digits(mag, d), int_digits, last, i;
    if (neg && mag) crc = tb__crc_byte(crc, (unsigned char)'-');
    /* the digits after the point are d[n - exp .. n), padded with leading zeros when
     * n <= exp; trailing zeros (and then the point) are dropped */
    last = n; /* one past the last digit to write */
    while (last > 0 && last > n - exp && d[last - 1] == '0') last--;
    int_digits = n - exp; /* digits before the point (<= 0: "0.") */
    if (int_digits <= 0) {
        crc = tb__crc_byte(crc, (unsigned char)'0');
        if (last > 0) {
            crc = tb__crc_byte(crc, (unsigned char)'.');
            for (i = int_digits; i < 0; i++) crc = tb__crc_byte(crc, (unsigned char)'0');
            crc = tb__crc_text(crc, d, last);
        }
        return crc;
    }
    crc = tb__crc_text(crc, d, int_digits);
    if (last > int_digits) {
        crc = tb__crc_byte(crc, (unsigned char)'.');
        crc = tb__crc_text(crc, d + int_digits, last - int_digits);
    }
    return crc;
}

static inline int tb__crc_okx_level(uint32_t *crc, int64_t px, uint64_t qty, uint64_t pm, int pe, uint64_t qm,
                                    int qe, int first) {
    int ok = 1;
    uint64_t p = tb__crc_mul(tb__crc_abs(px), pm, &ok);
    uint64_t q = tb__crc_mul(qty, qm, &ok);
    if (!ok) return TB_ERR_BADARG;
    if (!first) *crc = tb__crc_byte(*crc, (unsigned char)':');
    *crc = tb__crc_plain(*crc, px < 0, p, pe);
    *crc = tb__crc_byte(*crc, (unsigned char)':');
    *crc = tb__crc_plain(*crc, 0, q, qe);
    return TB_OK;
}

TB_API int tb_crc_okx(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px,
                      const uint64_t *ask_qty, size_t n_ask, uint64_t px_mant, int px_exp, uint64_t qty_mant,
                      int qty_exp, uint32_t *out) {
    uint32_t crc = 0xffffffffu;
    size_t i;
    int first = 1, st;
    if (!out || (n_bid && (!bid_px || !bid_qty)) || (n_ask && (!ask_px || !ask_qty))) return TB_ERR_NULL;
    if (!px_mant || !qty_mant || px_exp < 0 || px_exp > 38 || qty_exp < 0 || qty_exp > 38) return TB_ERR_BADARG;
    for (i = 0; i < 25 && (i < n_bid || i < n_ask); i++) {
        if (i < n_bid) {
            st = tb__crc_okx_level(&crc, bid_px[i], bid_qty[i], px_mant, px_exp, qty_mant, qty_exp, first);
            if (st != TB_OK) return st;
            first = 0;
        }
        if (i < n_ask) {
            st = tb__crc_okx_level(&crc, ask_px[i], ask_qty[i], px_mant, px_exp, qty_mant, qty_exp, first);
            if (st != TB_OK) return st;
            first = 0;
        }
    }
    *out = crc ^ 0xffffffffu;
    return TB_OK;
}

#endif /* TB_VENUE_CRC_H */
