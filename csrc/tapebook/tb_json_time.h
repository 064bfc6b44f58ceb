/* tb_json_time.h — a UTC RFC 3339 time inside a JSON string, as integer
 * nanoseconds since the epoch, exactly (no float): the frame scanner's
 * TB_JSCAN_RFC3339 form (tb_json_scan.h; Kraken v2 `timestamp`).
 *
 * Only the one spelling venues send is taken:
 *     "YYYY-MM-DDTHH:MM:SS[.f]Z"   (1 to 9 fraction digits)
 * with a real calendar day of the years 1970 to 2261 (so the ns fit int64),
 * hours <= 23, minutes <= 59, seconds <= 60 (a leap second counts as the next
 * second, as tapebook/feeds/_venue.py's rfc3339_ns does). Everything else
 * (lower case 't' / 'z', "+00:00", other years, a space) is refused, so the
 * caller's checked path decides about it.
 */
#ifndef TB_JSON_TIME_H
#define TB_JSON_TIME_H

#include "tb_base.h"

/* s[i..i+k) as k decimal digits; -1 if one is not a digit */
static int64_t tb__jtime_digits(const char *s, size_t i, size_t k) {
    int64_t v = 0;
    size_t j;
    for (j = i; j < i + k; j++) {
        if (s[j] < '0' || s[j] > '9') return -1;
        v = v * 10 + (int64_t)(s[j] - '0');
    }
    return v;
}

/* days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (y >= 1970) */
static int64_t tb__jtime_days(int64_t y, int64_t m, int64_t d) {
    static const int64_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t leap_years = (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400 - (1969 / 4 - 1969 / 100 + 1969 / 400);
    int64_t leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (y - 1970) * 365 + leap_years + before[m - 1] + (m > 2 ? leap : 0) + d - 1;
}

/* the time in the JSON string at s[i] == '"' into *ns; the offset after the
 * closing quote, 0 if refused */
static size_t tb__jscan_rfc3339(const char *s, size_t i, size_t n, int64_t *ns) {
    static const int64_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y, mo, d, hh, mm, ss, frac = 0, scale = 1000000000;
    size_t j = i + 1, k;
    if (i >= n || s[i] != '"' || n - j < 21) return 0; /* the shortest: 20 characters and '"' */
    if (s[j + 4] != '-' || s[j + 7] != '-' || s[j + 10] != 'T' || s[j + 13] != ':' || s[j + 16] != ':') return 0;
    y = tb__jtime_digits(s, j, 4);
    mo = tb__jtime_digits(s, j + 5, 2);
    d = tb__jtime_digits(s, j + 8, 2);
    hh = tb__jtime_digits(s, j + 11, 2);
    mm = tb__jtime_digits(s, j + 14, 2);
    ss = tb__jtime_digits(s, j + 17, 2);
    if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || hh < 0 || hh > 23 || mm < 0 ||
        mm > 59 || ss < 0 || ss > 60)
        return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    j += 19;
    if (s[j] == '.') {
        for (k = j + 1; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
            if (k - j > 9) return 0;
            frac = frac * 10 + (int64_t)(s[k] - '0');
            scale /= 10;
        }
        if (k == j + 1) return 0;
        j = k;
    }
    if (j + 1 >= n || s[j] != 'Z' || s[j + 1] != '"') return 0;
    *ns = ((tb__jtime_days(y, mo, d) * 24 + hh) * 60 + mm) * INT64_C(60000000000) + ss * INT64_C(1000000000) +
          frac * scale;
    return j + 2;
}

#endif /* TB_JSON_TIME_H */
