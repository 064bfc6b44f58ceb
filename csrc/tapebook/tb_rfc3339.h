/* tb_rfc3339.h — a UTC RFC 3339 time ("2023-02-09T20:32:50.714964855Z") as
 * integer nanoseconds since the epoch, exactly (no float), for the JSON venues
 * whose frames carry text times (Coinbase; tb_json_coinbase.h).
 *
 * Only the one strict form is taken:
 *   YYYY-MM-DD (T | t | ' ') hh:mm:ss [ '.' 1 to 9 digits ] (Z | z | +00:00)
 * with a real calendar day of years 1..9999, hh <= 23, mm <= 59, ss <= 60 (a
 * leap second counts as the next minute's first, as Python's arithmetic in
 * tapebook/feeds/_venue.py rfc3339_ns does) and a result that fits int64 with
 * room to spare. Anything else is refused (0): the callers hand such a frame to
 * their checked Python path, whose rfc3339_ns decides about it. On every time
 * taken, the result is the one rfc3339_ns gives.
 */
#ifndef TB_RFC3339_H
#define TB_RFC3339_H

#include "tb_base.h"

/* ---- implementation ------------------------------------------------------------------ */

/* the digits s[0..n) as a number; 0 when one is not a digit */
static int tb__rfc_digits(const char *s, size_t n, int64_t *v) {
    size_t i;
    int64_t x = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        x = x * 10 + (int64_t)(s[i] - '0');
    }
    *v = x;
    return 1;
}

static int tb__rfc_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* days from 1970-01-01 to y-m-d (a valid day of year 1..9999) */
static int64_t tb__rfc_days(int64_t y, int64_t m, int64_t d) {
    static const int64_t before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t p = y - 1; /* whole years since 0001-01-01 */
    int64_t days = 365 * p + p / 4 - p / 100 + p / 400 - INT64_C(719162); /* 719162: 0001-01-01 .. 1970-01-01 */
    return days + before_month[m - 1] + (m > 2 && tb__rfc_leap(y)) + d - 1;
}

/* the minute of the last time taken ("YYYY-MM-DDThh:mm:", its first
 * TB__RFC_MINUTE bytes as written) and its seconds since the epoch: a stream's
 * times mostly share it, so its date and clock are checked and counted once
 * (tb__rfc3339_ns_at); valid 0: none yet */
enum tb__rfc_limit { TB__RFC_MINUTE = 17 };
typedef struct tb__rfc_minute {
    char text[TB__RFC_MINUTE];
    int valid;
    int64_t secs;
} tb__rfc_minute;

/* s[0..17) "YYYY-MM-DD(T|t| )hh:mm:" as the seconds of that minute since the
 * epoch: 1 with *secs, or 0 (not that form, not a real day, hh > 23, mm > 59) */
static int tb__rfc_minute_secs(const char *s, int64_t *secs) {
    static const int64_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y, mo, d, hh, mm;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return 0;
    if (!tb__rfc_digits(s, 4, &y) || !tb__rfc_digits(s + 5, 2, &mo) || !tb__rfc_digits(s + 8, 2, &d) ||
        !tb__rfc_digits(s + 11, 2, &hh) || !tb__rfc_digits(s + 14, 2, &mm))
        return 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || hh > 23 || mm > 59) return 0;
    if (d > month_days[mo - 1] + (mo == 2 && tb__rfc_leap(y))) return 0;
    *secs = tb__rfc_days(y, mo, d) * 86400 + hh * 3600 + mm * 60;
    return 1;
}

/* s[0..n) as ns since the epoch: 1 with *ns, or 0 (not the strict form, not a
 * real time, or too far from 1970 for int64). m: the minute of the last time
 * taken, used when s starts with it and updated when it does not (NULL: none) */
static int tb__rfc3339_ns_at(tb__rfc_minute *m, const char *s, size_t n, int64_t *ns) {
    int64_t ss, frac = 0, minute, secs;
    size_t end, k;
    if (n >= 20 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
        end = n - 1;
    else if (n >= 25 && memcmp(s + n - 6, "+00:00", 6) == 0)
        end = n - 6;
    else
        return 0;
    if (m && m->valid && memcmp(s, m->text, TB__RFC_MINUTE) == 0) {
        minute = m->secs;
    } else {
        if (!tb__rfc_minute_secs(s, &minute)) return 0;
        if (m) {
            memcpy(m->text, s, TB__RFC_MINUTE);
            m->secs = minute;
            m->valid = 1;
        }
    }
    if (!tb__rfc_digits(s + 17, 2, &ss)) return 0;
    if (end != 19) { /* a fraction: '.' and 1..9 digits, scaled to ns */
        k = end - 20;
        if (end < 21 || s[19] != '.' || k > 9 || !tb__rfc_digits(s + 20, k, &frac)) return 0;
        for (; k < 9; k++) frac *= 10;
    }
    if (ss > 60) return 0;
    secs = minute + ss;
    /* |secs| below INT64_MAX / 1e9: secs * 1e9 + frac fits */
    if (secs >= INT64_MAX / 1000000000 || secs <= -(INT64_MAX / 1000000000)) return 0;
    *ns = secs * 1000000000 + frac;
    return 1;
}

/* s[0..n) as ns since the epoch (tb__rfc3339_ns_at without a minute kept) */
static int tb__rfc3339_ns(const char *s, size_t n, int64_t *ns) { return tb__rfc3339_ns_at(NULL, s, n, ns); }

#endif /* TB_RFC3339_H */
