/* tb_decimal.h — exact decimal strings <-> integer multiples of a unit (ticks, lots).
 *
 * Venue data writes prices and sizes as decimal strings ("65000.10", "1e-05",
 * "+0.50000000"). A price is a whole number of ticks and a size a whole
 * number of lots, so the integer the book needs is value / unit, and that
 * quotient is computed exactly here: no float, no rounding. A value that is
 * not a whole number of units is refused, never rounded.
 *
 * Plain C (not a template), header-only like the rest of tapebook; no
 * allocation; every input byte sequence is valid input (no UB): a bad value is
 * reported, with its index, never read past.
 *
 * Accepted syntax (the decimal numbers JSON and CSV writers produce, and what
 * Python's Decimal reads, without whitespace, underscores, inf or nan):
 *     [+-]? ( digits [. digits?]? | . digits ) ( [eE] [+-]? digits )?
 *
 * API
 *   int tb_dec_unit_parse(const char *s, size_t len, tb_dec_unit *out);
 *       The unit ("0.01", "1e-8", "25"): > 0, at most 18 significant digits.
 *       TB_OK, or TB_ERR_FORMAT with the reason in out->reason.
 *   int tb_dec_parse(const char *s, size_t len, tb_dec_unit unit, int is_unsigned,
 *                    uint64_t *out);
 *       One value: a tb_dec_reason (TB_DEC_OK = 0). *out holds the int64 (two's
 *       complement bits, is_unsigned = 0) or uint64 (is_unsigned = 1) result.
 *   int tb_dec_col_offsets32(const char *data, const int32_t *offsets, size_t n,
 *                            tb_dec_unit unit, int is_unsigned, uint64_t *out,
 *                            size_t *n_done, int *reason);
 *   int tb_dec_col_offsets64(... const int64_t *offsets ...);   Arrow (Large)String
 *   int tb_dec_col_fixed(const char *data, size_t width, size_t n, ...);  numpy 'S'
 *                           (each item `width` bytes, ends at its first NUL)
 *   int tb_dec_col_delimited(const char *data, size_t len, char sep, size_t n, ...);
 *                           n values separated by `sep` (b"\n".join(list))
 *       A whole column: TB_OK with *n_done = n, or TB_ERR_FORMAT with *n_done
 *       the index of the first bad value (the values before it are written)
 *       and *reason its tb_dec_reason; TB_ERR_NULL / TB_ERR_BADARG for bad
 *       arguments (nothing written).
 *   int tb_dec_col_delimited_each(const char *data, size_t len, char sep, size_t n,
 *                                 tb_dec_unit unit, int is_unsigned, uint64_t *out,
 *                                 uint8_t *reasons, size_t *n_bad);
 *       Every value, bad ones included (reasons[i], out[i] = 0): one pass.
 *   int tb_dec_format_col(const uint64_t *values, int is_unsigned, size_t n,
 *                         tb_dec_unit unit, int decimals, char *out, size_t width,
 *                         size_t *n_done);
 *       The way back: value * unit as a decimal string, NUL-padded into
 *       `width`-byte items. decimals >= 0: exactly that many fraction digits
 *       (TB_ERR_FORMAT if the value needs more); decimals < 0: as few as
 *       exact (no trailing zeros, no '.' for whole numbers).
 */
#ifndef TB_DECIMAL_H
#define TB_DECIMAL_H

#include "tb_base.h"

/* Why a value was refused. */
typedef enum tb_dec_reason {
    TB_DEC_OK = 0,
    TB_DEC_SYNTAX = 1,   /* not a decimal number */
    TB_DEC_INEXACT = 2,  /* not a whole number of units */
    TB_DEC_RANGE = 3,    /* the quotient does not fit int64 / uint64 */
    TB_DEC_NEGATIVE = 4, /* negative where an unsigned quantity is expected */
    TB_DEC_ZERO_UNIT = 5 /* a unit that is zero or negative */
} tb_dec_reason;

/* unit = mant * 10^exp, mant not a multiple of 10, 1 <= mant <= 10^18 */
typedef struct tb_dec_unit {
    uint64_t mant;
    int64_t exp;
    int reason; /* tb_dec_parse_unit's tb_dec_reason */
} tb_dec_unit;

TB_API const char *tb_dec_reason_str(int reason) {
    switch (reason) {
    case TB_DEC_OK: return "ok";
    case TB_DEC_SYNTAX: return "not a decimal number";
    case TB_DEC_INEXACT: return "not a whole number of units";
    case TB_DEC_RANGE: return "out of the integer range";
    case TB_DEC_NEGATIVE: return "negative";
    case TB_DEC_ZERO_UNIT: return "the unit must be > 0";
    default: return "unknown reason";
    }
}

/* ---- scanning ------------------------------------------------------------------ */

#define TB__DEC_EXP_CAP INT64_C(4000000000) /* |exponents| saturate here: far past any range */

static const uint64_t tb__dec_pow10[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

/* Eight bytes at a time (SWAR), for the scanners' fast paths (Tardis CSV, JSON): the
 * bytes of t = word ^ "00000000" that are not digits, as the high bit of each (exact
 * per byte: no carry crosses one) */
TB_FORCE_INLINE uint64_t tb__dec_nondigits8(uint64_t t) {
    const uint64_t ones = UINT64_C(0x0101010101010101);
    return (((t & (ones * 0x7f)) + ones * 0x76) | t) & (ones * 0x80);
}

/* the m digits (1..8) in the low bytes of t, each byte its value 0..9 and the first
 * the most significant (bytes above them ignored), as a number: moved to the top,
 * then summed in pairs, fours and eights, one multiply a step */
TB_FORCE_INLINE uint64_t tb__dec_digits8(uint64_t t, size_t m) {
    t <<= 8 * (8 - m);
    t = t * 10 + (t >> 8);
    return (((t & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
            (((t >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
           32;
}

/* value = (neg ? -1 : 1) * mant * 10^exp with mant's last digit non-zero (or
 * mant 0). big: the significant digits do not fit 64 bits (mant is then
 * meaningless; the digits are re-read from first .. last). */
typedef struct tb__dec_num {
    int neg;
    int big;
    uint64_t mant;
    int64_t exp;
    size_t first, last; /* [first, last]: first and last non-zero significant digit positions */
    unsigned ndig;      /* decimal digits of mant (when !big) */
} tb__dec_num;

static inline int64_t tb__dec_sat_add(int64_t a, int64_t b) {
    int64_t r;
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    r = a + b;
    if (r > TB__DEC_EXP_CAP) return TB__DEC_EXP_CAP;
    if (r < -TB__DEC_EXP_CAP) return -TB__DEC_EXP_CAP;
    return r;
}

/* TB_DEC_OK or TB_DEC_SYNTAX */
TB_FORCE_INLINE int tb__dec_scan(const char *s, size_t len, tb__dec_num *num) {
    size_t i = 0, ndigits = 0;
    uint64_t m = 0, zeros = 0; /* zeros: a run of '0' digits not yet folded into m */
    int64_t frac = 0, e = 0;
    int after_point = 0, big = 0;
    unsigned sig = 0; /* decimal digits of m */
    num->neg = 0;
    num->first = num->last = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        num->neg = s[i] == '-';
        i++;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - (unsigned)'0';
        if (d <= 9) {
            ndigits++;
            if (after_point && frac < TB__DEC_EXP_CAP) frac++;
            if (d == 0) {
                if (zeros < UINT64_MAX) zeros++;
                continue;
            }
            if (m == 0 && !big) {
                num->first = i;
                m = d;
                sig = 1;
            } else if (!big) {
                /* m * 10^(zeros + 1) + d, unless it overflows: below 20 digits it
                 * cannot (no division on the common path) */
                if (zeros >= 19) {
                    big = 1;
                } else if (sig + zeros + 1 <= 19) {
                    m = m * tb__dec_pow10[zeros + 1] + d;
                    sig += (unsigned)zeros + 1;
                } else if (m > (UINT64_MAX - d) / tb__dec_pow10[zeros + 1]) {
                    big = 1;
                } else {
                    m = m * tb__dec_pow10[zeros + 1] + d;
                    sig += (unsigned)zeros + 1;
                }
            }
            num->last = i;
            zeros = 0;
        } else if (s[i] == '.' && !after_point) {
            after_point = 1;
        } else {
            break;
        }
    }
    if (ndigits == 0) return TB_DEC_SYNTAX;
    if (i < len) {
        int eneg = 0;
        size_t edigits = 0;
        if (s[i] != 'e' && s[i] != 'E') return TB_DEC_SYNTAX;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < len; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - (unsigned)'0';
            if (d > 9) return TB_DEC_SYNTAX;
            edigits++;
            if (e < TB__DEC_EXP_CAP) e = e * 10 + (int64_t)d;
        }
        if (edigits == 0) return TB_DEC_SYNTAX;
        if (eneg) e = -e;
    }
    num->big = big;
    num->mant = m;
    num->ndig = sig;
    if (m == 0 && !big) {
        num->exp = 0;
        return TB_DEC_OK;
    }
    /* the trailing zero run belongs to the exponent, not the mantissa */
    num->exp = tb__dec_sat_add(tb__dec_sat_add(e, -frac), zeros > (uint64_t)TB__DEC_EXP_CAP
                                                             ? TB__DEC_EXP_CAP
                                                             : (int64_t)zeros);
    return TB_DEC_OK;
}

/* q = digits[first..last] * 10^k / mant, exactly: the digit-by-digit long
 * division for values whose significant digits or product exceed 64 bits.
 * The loop ends within ~40 steps: once q >= 1 it overflows after 20 more. */
static int tb__dec_long_div(const char *s, const tb__dec_num *num, int64_t k, uint64_t mant, uint64_t *q) {
    uint64_t r = 0, acc = 0;
    size_t i;
    int64_t z;
    for (i = num->first; i <= num->last; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - (unsigned)'0';
        if (d > 9) continue; /* the '.' */
        r = r * 10 + d;
        if (acc > (UINT64_MAX - r / mant) / 10) return TB_DEC_RANGE;
        acc = acc * 10 + r / mant;
        r %= mant;
    }
    for (z = 0; z < k; z++) {
        r = r * 10;
        if (acc > (UINT64_MAX - r / mant) / 10) return TB_DEC_RANGE;
        acc = acc * 10 + r / mant;
        r %= mant;
    }
    if (r) return TB_DEC_INEXACT;
    *q = acc;
    return TB_DEC_OK;
}

/* |value| / unit as a uint64, or a reason */
TB_FORCE_INLINE int tb__dec_quotient(const char *s, const tb__dec_num *num, tb_dec_unit unit, uint64_t *q) {
    int64_t k;
    if (num->mant == 0 && !num->big) {
        *q = 0;
        return TB_DEC_OK;
    }
    k = num->exp - unit.exp; /* both within +-2*cap: no overflow */
    /* mant has no factor 10, so mant * 10^k with k < 0 is never whole (and
     * neither is its quotient by unit.mant) */
    if (k < 0) return TB_DEC_INEXACT;
    if (k > 38) return TB_DEC_RANGE; /* >= 10^39 / 10^18 units */
    if (!num->big && k <= 19 && (num->ndig + (unsigned)k <= 19 || num->mant <= UINT64_MAX / tb__dec_pow10[k])) {
        uint64_t p = num->mant * tb__dec_pow10[k];
        if (unit.mant == 1) {
            *q = p;
            return TB_DEC_OK;
        }
        if (p % unit.mant) return TB_DEC_INEXACT;
        *q = p / unit.mant;
        return TB_DEC_OK;
    }
    if (unit.mant == 1) return TB_DEC_RANGE;
    return tb__dec_long_div(s, num, k, unit.mant, q);
}

TB_API int tb_dec_parse(const char *s, size_t len, tb_dec_unit unit, int is_unsigned, uint64_t *out) {
    tb__dec_num num;
    uint64_t q = 0;
    int r;
    if (!s && len) return TB_DEC_SYNTAX;
    r = tb__dec_scan(s, len, &num);
    if (r) return r;
    r = tb__dec_quotient(s, &num, unit, &q);
    if (r) return r;
    if (is_unsigned) {
        if (num.neg && q) return TB_DEC_NEGATIVE;
        *out = q;
        return TB_DEC_OK;
    }
    if (num.neg) {
        if (q > (uint64_t)INT64_MAX + 1u) return TB_DEC_RANGE;
        *out = (uint64_t)0 - q; /* two's complement of -q; q = 2^63 gives INT64_MIN's bits */
    } else {
        if (q > (uint64_t)INT64_MAX) return TB_DEC_RANGE;
        *out = q;
    }
    return TB_DEC_OK;
}

TB_API int tb_dec_unit_parse(const char *s, size_t len, tb_dec_unit *out) {
    tb__dec_num num;
    int r;
    if (!out) return TB_ERR_NULL;
    out->mant = 0;
    out->exp = 0;
    out->reason = TB_DEC_SYNTAX;
    if (!s && len) return TB_ERR_FORMAT;
    r = tb__dec_scan(s, len, &num);
    if (r) return TB_ERR_FORMAT;
    if (num.neg || (num.mant == 0 && !num.big)) {
        out->reason = TB_DEC_ZERO_UNIT;
        return TB_ERR_FORMAT;
    }
    if (num.big || num.mant > tb__dec_pow10[18] || num.exp > 1000000 || num.exp < -1000000) {
        out->reason = TB_DEC_RANGE;
        return TB_ERR_FORMAT;
    }
    out->mant = num.mant;
    out->exp = num.exp;
    out->reason = TB_DEC_OK;
    return TB_OK;
}

static int tb__dec_unit_ok(tb_dec_unit unit) {
    return unit.mant >= 1 && unit.mant <= tb__dec_pow10[18] && unit.mant % 10 != 0 && unit.exp <= 1000000 &&
           unit.exp >= -1000000;
}

/* ---- columns ------------------------------------------------------------------- */

#define TB__DEC_COL_CHECK()                                                                    \
    do {                                                                                       \
        if (!n_done || !reason) return TB_ERR_NULL;                                            \
        *n_done = 0;                                                                           \
        *reason = TB_DEC_OK;                                                                   \
        if (n && (!data || !out)) return TB_ERR_NULL;                                          \
        if (!tb__dec_unit_ok(unit)) return TB_ERR_BADARG;                                      \
    } while (0)

#define TB__DEC_COL_ONE(ptr, len)                                                              \
    do {                                                                                       \
        int r_ = tb_dec_parse((ptr), (len), unit, is_unsigned, &out[i]);                       \
        if (TB_UNLIKELY(r_)) {                                                                 \
            *n_done = i;                                                                       \
            *reason = r_;                                                                      \
            return TB_ERR_FORMAT;                                                              \
        }                                                                                      \
    } while (0)

TB_API int tb_dec_col_offsets32(const char *data, const int32_t *offsets, size_t n, tb_dec_unit unit,
                                int is_unsigned, uint64_t *out, size_t *n_done, int *reason) {
    size_t i;
    TB__DEC_COL_CHECK();
    if (n && !offsets) return TB_ERR_NULL;
    for (i = 0; i < n; i++) {
        if (offsets[i] < 0 || offsets[i + 1] < offsets[i]) return TB_ERR_BADARG;
    }
    for (i = 0; i < n; i++) {
        TB__DEC_COL_ONE(data + offsets[i], (size_t)(offsets[i + 1] - offsets[i]));
    }
    *n_done = n;
    return TB_OK;
}

TB_API int tb_dec_col_offsets64(const char *data, const int64_t *offsets, size_t n, tb_dec_unit unit,
                                int is_unsigned, uint64_t *out, size_t *n_done, int *reason) {
    size_t i;
    TB__DEC_COL_CHECK();
    if (n && !offsets) return TB_ERR_NULL;
    for (i = 0; i < n; i++) {
        if (offsets[i] < 0 || offsets[i + 1] < offsets[i]) return TB_ERR_BADARG;
    }
    for (i = 0; i < n; i++) {
        TB__DEC_COL_ONE(data + offsets[i], (size_t)(offsets[i + 1] - offsets[i]));
    }
    *n_done = n;
    return TB_OK;
}

TB_API int tb_dec_col_fixed(const char *data, size_t width, size_t n, tb_dec_unit unit, int is_unsigned,
                            uint64_t *out, size_t *n_done, int *reason) {
    size_t i;
    TB__DEC_COL_CHECK();
    if (n && width == 0) return TB_ERR_BADARG;
    for (i = 0; i < n; i++) {
        const char *p = data + i * width;
        const char *z = (const char *)memchr(p, 0, width);
        TB__DEC_COL_ONE(p, z ? (size_t)(z - p) : width);
    }
    *n_done = n;
    return TB_OK;
}

TB_API int tb_dec_col_delimited(const char *data, size_t len, char sep, size_t n, tb_dec_unit unit,
                                int is_unsigned, uint64_t *out, size_t *n_done, int *reason) {
    size_t i, pos = 0;
    TB__DEC_COL_CHECK();
    for (i = 0; i < n; i++) {
        const char *p, *z;
        size_t avail;
        if (pos > len) { /* fewer values than n */
            *n_done = i;
            *reason = TB_DEC_SYNTAX;
            return TB_ERR_FORMAT;
        }
        p = data + pos;
        avail = len - pos;
        z = avail ? (const char *)memchr(p, sep, avail) : NULL;
        if (!z) z = p + avail;
        TB__DEC_COL_ONE(p, (size_t)(z - p));
        pos += (size_t)(z - p) + 1;
    }
    if (pos < len + 1 && n) { /* more values than n */
        *n_done = n;
        *reason = TB_DEC_SYNTAX;
        return TB_ERR_FORMAT;
    }
    *n_done = n;
    return TB_OK;
}

/* Every value of a delimited column, bad ones included: out[i] = the value (0 when
 * bad) and reasons[i] its tb_dec_reason, *n_bad the count of bad ones. One pass
 * (a caller that must skip bad values does not retry from each one). The data
 * must hold exactly n values (n - 1 separators; n = 0: len = 0), else
 * TB_ERR_BADARG and nothing is written. */
TB_API int tb_dec_col_delimited_each(const char *data, size_t len, char sep, size_t n, tb_dec_unit unit,
                                     int is_unsigned, uint64_t *out, uint8_t *reasons, size_t *n_bad) {
    size_t i, pos = 0, seps = 0;
    if (!n_bad) return TB_ERR_NULL;
    *n_bad = 0;
    if ((len && !data) || (n && (!out || !reasons))) return TB_ERR_NULL;
    if (!tb__dec_unit_ok(unit)) return TB_ERR_BADARG;
    for (i = 0; i < len; i++) seps += data[i] == sep;
    if (n == 0 ? len != 0 : seps != n - 1) return TB_ERR_BADARG;
    for (i = 0; i < n; i++) {
        const char *p = data + pos;
        const char *z = pos < len ? (const char *)memchr(p, sep, len - pos) : NULL;
        size_t vlen = z ? (size_t)(z - p) : len - pos;
        int r = tb_dec_parse(p, vlen, unit, is_unsigned, &out[i]);
        if (r) {
            out[i] = 0;
            (*n_bad)++;
        }
        reasons[i] = (uint8_t)r;
        pos += vlen + 1;
    }
    return TB_OK;
}

#undef TB__DEC_COL_CHECK
#undef TB__DEC_COL_ONE

/* ---- formatting (the way back) ----------------------------------------------------- */

/* |v| * mant as decimal digits, most significant first, into buf (>= 40 bytes);
 * returns the digit count. Portable 64x64 -> 128-bit product in 32-bit limbs. */
static size_t tb__dec_digits128(uint64_t v, uint64_t mant, char *buf) {
    uint32_t limb[4] = {0, 0, 0, 0}; /* little-endian 32-bit limbs of v * mant */
    uint64_t a[2], b[2];
    char rev[40];
    size_t n = 0, i, j;
    a[0] = v & 0xFFFFFFFFu;
    a[1] = v >> 32;
    b[0] = mant & 0xFFFFFFFFu;
    b[1] = mant >> 32;
    for (i = 0; i < 2; i++) {
        uint64_t carry = 0;
        for (j = 0; j < 2; j++) {
            uint64_t t = a[i] * b[j] + limb[i + j] + carry;
            limb[i + j] = (uint32_t)(t & 0xFFFFFFFFu);
            carry = t >> 32;
        }
        for (j = i + 2; carry && j < 4; j++) {
            uint64_t t = (uint64_t)limb[j] + carry;
            limb[j] = (uint32_t)(t & 0xFFFFFFFFu);
            carry = t >> 32;
        }
    }
    do { /* divide the 128-bit number by 10 until it is zero */
        uint64_t rem = 0;
        int k;
        for (k = 3; k >= 0; k--) {
            uint64_t cur = (rem << 32) | limb[k];
            limb[k] = (uint32_t)(cur / 10);
            rem = cur % 10;
        }
        rev[n++] = (char)('0' + (int)rem);
    } while (limb[0] | limb[1] | limb[2] | limb[3]);
    for (i = 0; i < n; i++) buf[i] = rev[n - 1 - i];
    return n;
}

/* digit j (0-based) of the fraction of D * 10^-f, D = dig[0..nd) */
static char tb__dec_frac_digit(const char *dig, int64_t nd, int64_t f, int64_t j) {
    int64_t idx = nd - f + j;
    return (j < f && idx >= 0) ? dig[idx] : '0';
}

/* value (int64 bits or uint64) * unit into out[width]; TB_OK or TB_ERR_FORMAT */
static int tb__dec_format_one(uint64_t bits, int is_unsigned, tb_dec_unit unit, int decimals, char *out,
                              size_t width) {
    char dig[40];
    int neg = !is_unsigned && (bits >> 63);
    uint64_t mag = neg ? (uint64_t)0 - bits : bits; /* |INT64_MIN| = 2^63 fits uint64 */
    int64_t nd = (int64_t)tb__dec_digits128(mag, unit.mant, dig);
    int64_t f = unit.exp < 0 ? -unit.exp : 0;   /* fraction digits of D * 10^exp */
    int64_t zeros = (unit.exp > 0 && mag) ? unit.exp : 0; /* zeros after D when exp > 0 */
    int64_t int_digits = nd > f ? nd - f + zeros : 1, minimal = f, keep, j;
    size_t pos = 0;
    if (mag == 0) neg = 0;
    while (minimal > 0 && tb__dec_frac_digit(dig, nd, f, minimal - 1) == '0') minimal--;
    if (decimals >= 0 && decimals < minimal) return TB_ERR_FORMAT;
    keep = decimals < 0 ? minimal : decimals;
    if ((int64_t)neg + int_digits + (keep ? keep + 1 : 0) > (int64_t)width) return TB_ERR_FORMAT;
    if (neg) out[pos++] = '-';
    if (nd > f) {
        for (j = 0; j < nd - f; j++) out[pos++] = dig[j];
        for (j = 0; j < zeros; j++) out[pos++] = '0';
    } else {
        out[pos++] = '0';
    }
    if (keep) {
        out[pos++] = '.';
        for (j = 0; j < keep; j++) out[pos++] = tb__dec_frac_digit(dig, nd, f, j);
    }
    while (pos < width) out[pos++] = '\0';
    return TB_OK;
}

TB_API int tb_dec_format_col(const uint64_t *values, int is_unsigned, size_t n, tb_dec_unit unit, int decimals,
                             char *out, size_t width, size_t *n_done) {
    size_t i;
    if (!n_done) return TB_ERR_NULL;
    *n_done = 0;
    if (n && (!values || !out)) return TB_ERR_NULL;
    if (!tb__dec_unit_ok(unit) || (n && width == 0) || decimals > 1000) return TB_ERR_BADARG;
    for (i = 0; i < n; i++) {
        if (tb__dec_format_one(values[i], is_unsigned, unit, decimals, out + i * width, width)) {
            *n_done = i;
            return TB_ERR_FORMAT;
        }
    }
    *n_done = n;
    return TB_OK;
}

#endif /* TB_DECIMAL_H */
