/* test_decimal.c — tb_decimal.h: exact decimal strings <-> integer units.
 *
 * Table tests of the grammar and the exactness rule, every column layout,
 * argument errors, and a seeded round trip (format -> parse) over random
 * values and units, checked against an independent computation of the
 * expected string (value written as an integer, the decimal point placed by
 * hand). Written in the common subset of C and C++ (make c-compile builds it
 * as C++17 too). */
#include "tapebook/tb_decimal.h"

#include "tb_test.h"

static tb_dec_unit unit_of(const char *s) {
    tb_dec_unit u;
    int st = tb_dec_unit_parse(s, strlen(s), &u);
    CHECK_MSG(st == TB_OK, "unit %s", s);
    return u;
}

typedef struct dec_case {
    const char *unit;
    const char *text;
    int is_unsigned;
    int reason;
    int64_t value; /* for unsigned cases: the value as int64 (all fit) */
} dec_case;

static const dec_case CASES[] = {
    {"0.01", "65000.10", 0, TB_DEC_OK, 6500010},
    {"0.01", "65000.1", 0, TB_DEC_OK, 6500010},
    {"0.01", "65000.100000000000000000000000000000", 0, TB_DEC_OK, 6500010},
    {"0.01", "+0.50", 0, TB_DEC_OK, 50},
    {"0.01", "-0.03", 0, TB_DEC_OK, -3},
    {"0.01", "-0", 0, TB_DEC_OK, 0},
    {"0.01", "0", 0, TB_DEC_OK, 0},
    {"0.01", "0e999999999999999", 0, TB_DEC_OK, 0},
    {"0.01", "000000000000000000000000000001", 0, TB_DEC_OK, 100},
    {"0.01", ".5", 0, TB_DEC_OK, 50},
    {"0.01", "5.", 0, TB_DEC_OK, 500},
    {"0.01", "1e2", 0, TB_DEC_OK, 10000},
    {"0.01", "1E+2", 0, TB_DEC_OK, 10000},
    {"0.01", "1e-2", 0, TB_DEC_OK, 1},
    {"0.01", "100e-4", 0, TB_DEC_OK, 1},
    {"0.01", "0.001", 0, TB_DEC_INEXACT, 0},
    {"0.01", "65000.015", 0, TB_DEC_INEXACT, 0},
    {"0.01", "1e-05", 0, TB_DEC_INEXACT, 0},
    {"0.00001", "1e-05", 1, TB_DEC_OK, 1},
    {"0.00000001", "1e-05", 1, TB_DEC_OK, 1000},
    {"0.00000001", "0.00100000", 1, TB_DEC_OK, 100000},
    {"0.00000001", "-0.5", 1, TB_DEC_NEGATIVE, 0},
    {"0.00000001", "-0.0", 1, TB_DEC_OK, 0},
    {"0.5", "1.5", 0, TB_DEC_OK, 3},
    {"0.5", "1.25", 0, TB_DEC_INEXACT, 0},
    {"0.25", "0.5", 0, TB_DEC_OK, 2},
    {"25", "50", 0, TB_DEC_OK, 2},
    {"25", "60", 0, TB_DEC_INEXACT, 0},
    {"25", "5e1", 0, TB_DEC_OK, 2},
    {"0.0025", "0.005", 1, TB_DEC_OK, 2},
    {"3", "9223372036854775806", 0, TB_DEC_OK, INT64_C(3074457345618258602)},
    {"1", "9223372036854775807", 0, TB_DEC_OK, INT64_MAX},
    {"1", "9223372036854775808", 0, TB_DEC_RANGE, 0},
    {"1", "-9223372036854775808", 0, TB_DEC_OK, INT64_MIN},
    {"1", "-9223372036854775809", 0, TB_DEC_RANGE, 0},
    {"1", "18446744073709551615", 1, TB_DEC_OK, -1 /* UINT64_MAX's bits */},
    {"1", "18446744073709551616", 1, TB_DEC_RANGE, 0},
    {"0.01", "1e400", 0, TB_DEC_RANGE, 0},
    {"0.01", "1e-400", 0, TB_DEC_INEXACT, 0},
    /* more than 19 significant digits: the long division, exact */
    {"7", "70000000000000000000000", 0, TB_DEC_RANGE, 0},
    {"1000", "1234567890123456789000", 0, TB_DEC_OK, INT64_C(1234567890123456789)},
    {"0.000000123", "0.123000000000000000123", 0, TB_DEC_INEXACT, 0},
    {"0.000000123", "0.000000369", 0, TB_DEC_OK, 3},
    {"0.3", "2767011611056432742.3", 0, TB_DEC_INEXACT, 0},
    {"0.3", "2767011611056432741.8", 0, TB_DEC_OK, INT64_C(9223372036854775806)},
    {"0.3", "2767011611056432742.1", 0, TB_DEC_OK, INT64_MAX},
    {"0.3", "2767011611056432742.4", 0, TB_DEC_RANGE, 0},
    {"0.3", "-2767011611056432742.4", 0, TB_DEC_OK, INT64_MIN},
    /* syntax */
    {"0.01", "", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "+", 0, TB_DEC_SYNTAX, 0},
    {"0.01", ".", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1e", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1e+", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1.2.3", 0, TB_DEC_SYNTAX, 0},
    {"0.01", " 1", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1 ", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "--1", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "inf", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "nan", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "0x10", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1_000", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "\"1\"", 0, TB_DEC_SYNTAX, 0},
    {"0.01", "1e5.0", 0, TB_DEC_SYNTAX, 0},
};

static void test_table(void) {
    size_t i;
    for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const dec_case *c = &CASES[i];
        uint64_t out = 12345;
        int r = tb_dec_parse(c->text, strlen(c->text), unit_of(c->unit), c->is_unsigned, &out);
        CHECK_MSG(r == c->reason, "'%s' / %s: reason %d, expected %d", c->text, c->unit, r, c->reason);
        if (r == TB_DEC_OK && c->reason == TB_DEC_OK) {
            CHECK_MSG(out == (uint64_t)c->value, "'%s' / %s: %lld, expected %lld", c->text, c->unit,
                      (long long)out, (long long)c->value);
        } else {
            CHECK_MSG(out == 12345, "'%s': output written on error", c->text);
        }
    }
}

static void test_units(void) {
    tb_dec_unit u;
    const char *bad[] = {"0", "-0.01", "", "abc", "1234567890123456789", "1e-2000000", "0.0"};
    size_t i;
    u = unit_of("0.010");
    CHECK_EQ_U(u.mant, 1);
    CHECK_EQ(u.exp, -2);
    u = unit_of("2500");
    CHECK_EQ_U(u.mant, 25);
    CHECK_EQ(u.exp, 2);
    u = unit_of("1e-8");
    CHECK_EQ_U(u.mant, 1);
    CHECK_EQ(u.exp, -8);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(tb_dec_unit_parse(bad[i], strlen(bad[i]), &u) == TB_ERR_FORMAT, "unit '%s' accepted", bad[i]);
    }
    CHECK_EQ(tb_dec_unit_parse("1", 1, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_dec_unit_parse(NULL, 0, &u), TB_ERR_FORMAT);
}

static void test_columns(void) {
    tb_dec_unit u = unit_of("0.01");
    const char data[] = "1.00" "2.5" "-0.01" "x";
    const int32_t off32[] = {0, 4, 7, 12, 13};
    const int64_t off64[] = {0, 4, 7, 12, 13};
    const int32_t bad_off[] = {0, 4, 3};
    const char fixed[] = "1.00\0\0" "2.5\0\0\0" "-0.01\0";
    const char delim[] = "1.00\n2.5\n-0.01";
    uint64_t out[4] = {0, 0, 0, 0};
    size_t done = 99;
    int reason = -1;
    CHECK_EQ(tb_dec_col_offsets32(data, off32, 3, u, 0, out, &done, &reason), TB_OK);
    CHECK_EQ_U(done, 3);
    CHECK_EQ(out[0], 100);
    CHECK_EQ(out[1], 250);
    CHECK_EQ((int64_t)out[2], -1);
    CHECK_EQ(tb_dec_col_offsets64(data, off64, 4, u, 0, out, &done, &reason), TB_ERR_FORMAT);
    CHECK_EQ_U(done, 3);
    CHECK_EQ(reason, TB_DEC_SYNTAX);
    CHECK_EQ(tb_dec_col_offsets32(data, off32, 3, u, 1, out, &done, &reason), TB_ERR_FORMAT);
    CHECK_EQ_U(done, 2);
    CHECK_EQ(reason, TB_DEC_NEGATIVE);
    CHECK_EQ(tb_dec_col_offsets32(data, bad_off, 2, u, 0, out, &done, &reason), TB_ERR_BADARG);
    CHECK_EQ(tb_dec_col_fixed(fixed, 6, 3, u, 0, out, &done, &reason), TB_OK);
    CHECK_EQ(out[1], 250);
    CHECK_EQ((int64_t)out[2], -1);
    CHECK_EQ(tb_dec_col_delimited(delim, strlen(delim), '\n', 3, u, 0, out, &done, &reason), TB_OK);
    CHECK_EQ(out[0], 100);
    CHECK_EQ((int64_t)out[2], -1);
    /* fewer / more values than announced */
    CHECK_EQ(tb_dec_col_delimited(delim, strlen(delim), '\n', 4, u, 0, out, &done, &reason), TB_ERR_FORMAT);
    CHECK_EQ_U(done, 3);
    CHECK_EQ(tb_dec_col_delimited(delim, strlen(delim), '\n', 2, u, 0, out, &done, &reason), TB_ERR_FORMAT);
    /* empty columns and NULLs */
    CHECK_EQ(tb_dec_col_delimited(NULL, 0, '\n', 0, u, 0, NULL, &done, &reason), TB_OK);
    CHECK_EQ_U(done, 0);
    CHECK_EQ(tb_dec_col_fixed(NULL, 6, 1, u, 0, out, &done, &reason), TB_ERR_NULL);
    CHECK_EQ(tb_dec_col_fixed(fixed, 6, 1, u, 0, out, NULL, &reason), TB_ERR_NULL);
    CHECK_EQ(tb_dec_col_fixed(fixed, 0, 1, u, 0, out, &done, &reason), TB_ERR_BADARG);
    u.mant = 10; /* not normalised: refused */
    CHECK_EQ(tb_dec_col_fixed(fixed, 6, 1, u, 0, out, &done, &reason), TB_ERR_BADARG);
}

/* every value of a column, bad ones included, in one pass: tb_dec_parse's value and reason each */
static void test_each(void) {
    static const char *const vals[] = {"1.25", "abc", "", "0.5", "1e-3", "-2", "3.001", "7"};
    char data[128];
    uint64_t out[8], one;
    uint8_t reasons[8];
    size_t pos = 0, i, bad = 99;
    tb_dec_unit u;
    CHECK_EQ(tb_dec_unit_parse("0.25", 4, &u), TB_OK);
    for (i = 0; i < 8; i++) {
        size_t n = strlen(vals[i]);
        memcpy(data + pos, vals[i], n);
        pos += n;
        if (i < 7) data[pos++] = '\n';
    }
    CHECK_EQ(tb_dec_col_delimited_each(data, pos, '\n', 8, u, 1, out, reasons, &bad), TB_OK);
    for (i = 0; i < 8; i++) {
        int r = tb_dec_parse(vals[i], strlen(vals[i]), u, 1, &one);
        CHECK_EQ(reasons[i], r);
        CHECK_EQ_U(out[i], r ? 0u : one);
    }
    CHECK_EQ(bad, 5); /* only 1.25, 0.5 and 7 are whole, non-negative numbers of 0.25 */
    /* a count that does not match the separators: nothing written */
    out[0] = 77;
    CHECK_EQ(tb_dec_col_delimited_each(data, pos, '\n', 7, u, 1, out, reasons, &bad), TB_ERR_BADARG);
    CHECK_EQ_U(out[0], 77u);
    CHECK_EQ(tb_dec_col_delimited_each(data, 0, '\n', 0, u, 1, out, reasons, &bad), TB_OK);
    CHECK_EQ(tb_dec_col_delimited_each(data, pos, '\n', 8, u, 1, out, reasons, NULL), TB_ERR_NULL);
}

static void test_format(void) {
    tb_dec_unit u = unit_of("0.01");
    uint64_t v[4];
    char out[4 * 24];
    size_t done = 0;
    v[0] = 6500010;
    v[1] = 0;
    v[2] = (uint64_t)(int64_t)-3;
    v[3] = (uint64_t)INT64_MIN;
    CHECK_EQ(tb_dec_format_col(v, 0, 4, u, -1, out, 24, &done), TB_OK);
    CHECK(strcmp(out, "65000.1") == 0);
    CHECK(strcmp(out + 24, "0") == 0);
    CHECK(strcmp(out + 48, "-0.03") == 0);
    CHECK(strcmp(out + 72, "-92233720368547758.08") == 0);
    CHECK_EQ(tb_dec_format_col(v, 0, 3, u, 3, out, 24, &done), TB_OK);
    CHECK(strcmp(out, "65000.100") == 0);
    CHECK(strcmp(out + 24, "0.000") == 0);
    CHECK_EQ(tb_dec_format_col(v, 0, 1, u, 1, out, 24, &done), TB_OK);
    CHECK(strcmp(out, "65000.1") == 0);
    CHECK_EQ(tb_dec_format_col(v, 0, 1, u, 0, out, 24, &done), TB_ERR_FORMAT);
    CHECK_EQ(tb_dec_format_col(v, 0, 1, u, -1, out, 5, &done), TB_ERR_FORMAT); /* too narrow */
    u = unit_of("2500");
    v[0] = 3;
    CHECK_EQ(tb_dec_format_col(v, 1, 2, u, -1, out, 24, &done), TB_OK);
    CHECK(strcmp(out, "7500") == 0);
    CHECK(strcmp(out + 24, "0") == 0);
    u = unit_of("0.000000123");
    v[0] = UINT64_MAX; /* the 128-bit product */
    CHECK_EQ(tb_dec_format_col(v, 1, 1, u, -1, out, 40, &done), TB_OK);
    CHECK(strcmp(out, "2268949521066.274848645") == 0);
}

/* splitmix64: the seeded stream of the round trip */
static uint64_t rng_state = 0x243F6A8885A308D3u;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* the expected string of ticks * 10^-decimals (unit 10^-decimals), independently:
 * the integer's digits with the point inserted by hand, trailing zeros trimmed */
static void expect_str(int64_t ticks, int decimals, char *buf) {
    char digits[32];
    uint64_t mag = ticks < 0 ? (uint64_t)0 - (uint64_t)ticks : (uint64_t)ticks;
    int nd, i, pos = 0, end;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    nd = (int)strlen(digits);
    if (ticks < 0) buf[pos++] = '-';
    if (nd <= decimals) {
        buf[pos++] = '0';
        buf[pos++] = '.';
        for (i = 0; i < decimals - nd; i++) buf[pos++] = '0';
        for (i = 0; i < nd; i++) buf[pos++] = digits[i];
    } else {
        for (i = 0; i < nd - decimals; i++) buf[pos++] = digits[i];
        if (decimals) buf[pos++] = '.';
        for (i = nd - decimals; i < nd; i++) buf[pos++] = digits[i];
    }
    buf[pos] = '\0';
    end = pos;
    if (decimals) {
        while (buf[end - 1] == '0') buf[--end] = '\0';
        if (buf[end - 1] == '.') buf[--end] = '\0';
    }
    if (strcmp(buf, "-0") == 0) strcpy(buf, "0");
}

static void test_round_trip(void) {
    static const char *units[] = {"1", "0.1", "0.01", "0.00000001", "1e-12"};
    long iters = tbt_prof == TBT_FULL ? 2000000 : 50000, it;
    for (it = 0; it < iters; it++) {
        int ui = (int)(rnd() % 5);
        tb_dec_unit u = unit_of(units[ui]);
        int decimals = (int)-u.exp;
        int shift = (int)(rnd() % 64);
        int64_t ticks = (int64_t)(rnd() >> shift) * ((rnd() & 1) ? 1 : -1);
        char got[48], want[48];
        uint64_t back = 0;
        size_t done;
        if (ticks == INT64_MIN) ticks = 0;
        CHECK_EQ(tb_dec_format_col((const uint64_t *)&ticks, 0, 1, u, -1, got, sizeof got, &done), TB_OK);
        expect_str(ticks, decimals, want);
        CHECK_MSG(strcmp(got, want) == 0, "format %lld / %s: '%s' != '%s'", (long long)ticks, units[ui], got, want);
        CHECK_EQ(tb_dec_parse(got, strlen(got), u, 0, &back), TB_DEC_OK);
        CHECK_EQ((int64_t)back, ticks);
        /* one more digit below the unit is never whole */
        if (strlen(got) + 3 < sizeof got) {
            char more[52];
            snprintf(more, sizeof more, "%s%s1", got, strchr(got, '.') ? "" : ".");
            if (decimals > 0 || strchr(got, '.')) {
                size_t L = strlen(more);
                /* pad zeros so that the '1' sits one place below the unit */
                const char *dot = strchr(more, '.');
                int have = (int)(L - (size_t)(dot - more) - 1);
                if (have <= decimals) {
                    char pad[80];
                    snprintf(pad, sizeof pad, "%.*s%.*s1", (int)(L - 1), more, decimals + 1 - have,
                             "0000000000000000000000");
                    CHECK_MSG(tb_dec_parse(pad, strlen(pad), u, 0, &back) != TB_DEC_OK, "'%s' accepted", pad);
                }
            }
        }
    }
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("decimal: grammar and exactness table", test_table);
    tbt_run("decimal: units", test_units);
    tbt_run("decimal: column layouts and argument errors", test_columns);
    tbt_run("decimal: formatting", test_format);
    tbt_run("decimal: a whole column with its bad values", test_each);
    tbt_run("decimal: seeded round trip against an independent formatter", test_round_trip);
    return tbt_finish();
}
