/* test_json_scan.c — tb_json_scan.h: the Binance diff-depth line scanner.
 *
 * Hand-checked lines (a frame with its asks before its bids, spot and
 * futures keys, and each way a line stops being the common shape: escapes,
 * exponents, signs, leading zeros, duplicate / unknown / missing keys, a
 * value that is not a whole number of ticks, trailing bytes); keys in the
 * layout table's order and levels written compact (each read with literal
 * compares) against other orders and spellings, and their near misses; every
 * strict prefix of a frame is OTHER; scanning through every split of the buffer and
 * tiny output capacities gives the whole-buffer result; argument errors
 * change nothing. Written in the common subset of C and C++. */
#include "tapebook/tb_json_scan.h"

#include "tb_test.h"

#define CAP 512

typedef struct work {
    uint8_t side[CAP];
    int64_t px[CAP];
    uint64_t qty[CAP];
    uint8_t kind[CAP];
    int64_t off[CAP], len[CAP], row_end[CAP], ev_time[CAP], first_id[CAP], last_id[CAP], prev_id[CAP];
    int64_t sym_off[CAP], sym_len[CAP];
    tb_jscan_out out;
} work;

static void work_init(work *w, size_t rows_cap, size_t frames_cap) {
    memset(w, 0, sizeof *w);
    w->out.side = w->side;
    w->out.px = w->px;
    w->out.qty = w->qty;
    w->out.rows_cap = rows_cap;
    w->out.kind = w->kind;
    w->out.off = w->off;
    w->out.len = w->len;
    w->out.row_end = w->row_end;
    w->out.ev_time = w->ev_time;
    w->out.first_id = w->first_id;
    w->out.last_id = w->last_id;
    w->out.prev_id = w->prev_id;
    w->out.sym_off = w->sym_off;
    w->out.sym_len = w->sym_len;
    w->out.frames_cap = frames_cap;
}

static tb_dec_unit unit_of(const char *s) {
    tb_dec_unit u;
    memset(&u, 0, sizeof u);
    CHECK_EQ(tb_dec_unit_parse(s, strlen(s), &u), TB_OK);
    return u;
}

static const char *const SPOT_A = "{\"e\":\"depthUpdate\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"U\":10,\"u\":12,"
                                  "\"a\":[[\"100.5\",\"0\"]],\"b\":[[\"100.1\",\"1.25\"],[\"99\",\"2\"]]}";

/* one line alone (final): its kind, with its rows in w */
static int kind_of(work *w, const char *line, int futures) {
    size_t consumed = 0;
    work_init(w, CAP, CAP);
    CHECK_EQ(tb_jscan_binance(line, strlen(line), 1, futures, unit_of("0.1"), unit_of("0.01"), &w->out, &consumed),
             TB_JSCAN_DONE);
    CHECK_EQ(consumed, strlen(line));
    CHECK_EQ(w->out.n_frames, 1);
    return w->kind[0];
}

static void test_frames(void) {
    static work w;
    static const char *const other[] = {
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"B\\u0054C\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",  /* escape */
        "{\"e\":\"depthUpdate\",\"E\":1e3,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",     /* exponent */
        "{\"e\":\"depthUpdate\",\"E\":1.0,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",     /* fraction */
        "{\"e\":\"depthUpdate\",\"E\":-1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",      /* sign */
        "{\"e\":\"depthUpdate\",\"E\":01,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",      /* leading zero */
        "{\"e\":\"depthUpdate\",\"E\":1234567890123456789,\"s\":\"B\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}", /* 19 digits */
        "{\"e\":\"depthUpdate\",\"E\":1,\"E\":2,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}", /* twice */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[],\"x\":0}", /* unknown key */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"b\":[],\"a\":[]}",                /* no u */
        "{\"e\":\"trade\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",              /* another event */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[[\"1.05\",\"1\"]],\"a\":[]}", /* inexact */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"-1\"]],\"a\":[]}",  /* negative */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"1\",\"1\"]],\"a\":[]}", /* width */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[[1,\"1\"]],\"a\":[]}", /* number price */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]} x",      /* trailing */
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\",\"U\":1,\"u\":2,\"b\":[],\"a\":[],}",      /* trailing comma */
        "{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\"}}",                       /* wrapper */
        "{\"result\":null,\"id\":1}",
        "[1,2]",
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BT\xc3\xa9\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}", /* non-ASCII */
    };
    size_t i;
    CHECK_EQ(kind_of(&w, SPOT_A, 0), TB_JSCAN_FRAME);
    CHECK_EQ(w.out.n_rows, 3);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 1001);
    CHECK_EQ_U(w.qty[0], 125);
    CHECK_EQ(w.side[1], 1);
    CHECK_EQ(w.px[1], 990);
    CHECK_EQ_U(w.qty[1], 200);
    CHECK_EQ(w.side[2], 0);
    CHECK_EQ(w.px[2], 1005);
    CHECK_EQ_U(w.qty[2], 0);
    CHECK_EQ(w.row_end[0], 3);
    CHECK_EQ(w.ev_time[0], 1700000000123);
    CHECK_EQ(w.first_id[0], 10);
    CHECK_EQ(w.last_id[0], 12);
    CHECK_EQ(w.prev_id[0], 0);
    CHECK_EQ(w.sym_len[0], 7);
    CHECK(memcmp(SPOT_A + w.sym_off[0], "BTCUSDT", 7) == 0);
    /* futures: pu required, T allowed; spot refuses both */
    {
        const char *fut = " { \"e\" : \"depthUpdate\" , \"E\":5,\"T\":4,\"s\":\"X\",\"U\":7,\"u\":9,\"pu\":6,"
                          "\"b\":[ [ \"1\" , \"2\" ] ],\"a\":[]}\r";
        CHECK_EQ(kind_of(&w, fut, 1), TB_JSCAN_FRAME);
        CHECK_EQ(w.prev_id[0], 6);
        CHECK_EQ(w.out.n_rows, 1);
        CHECK_EQ(kind_of(&w, fut, 0), TB_JSCAN_OTHER);
        CHECK_EQ(kind_of(&w, SPOT_A, 1), TB_JSCAN_OTHER); /* no pu */
    }
    CHECK_EQ(kind_of(&w, " \t\r", 0), TB_JSCAN_EMPTY);
    for (i = 0; i < sizeof other / sizeof other[0]; i++) {
        CHECK_MSG(kind_of(&w, other[i], 0) == TB_JSCAN_OTHER, "line %u", (unsigned)i);
        CHECK_EQ(w.out.n_rows, 0);
        CHECK_EQ(w.row_end[0], 0);
    }
}

static void test_keys_in_table_order(void) {
    /* keys in the table's order are matched in one or two word compares each, any
     * other order key by key: the same frame; a key that only starts like the
     * expected one, or repeats it, is not taken for it */
    static work a, b;
    static const char *const in_order =
        "{\"e\":\"depthUpdate\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"U\":10,\"u\":12,"
        "\"b\":[[\"100.1\",\"1.25\"]],\"a\":[[\"100.5\",\"0\"]]}";
    static const char *const shuffled =
        "{\"a\":[[\"100.5\",\"0\"]],\"u\":12,\"s\":\"BTCUSDT\",\"E\":1700000000123,\"U\":10,"
        "\"b\":[[\"100.1\",\"1.25\"]],\"e\":\"depthUpdate\"}";
    static const char *const not_the_key[] = {
        "{\"e\":\"depthUpdate\",\"Ex\":1,\"s\":\"BTCUSDT\",\"U\":10,\"u\":12,\"b\":[],\"a\":[]}",
        "{\"ee\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":10,\"u\":12,\"b\":[],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":10,\"U\":10,\"u\":12,\"b\":[],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":10,\"u\":12,\"b\":[],\"a\":[],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"E\":1,\"s\\u0000\":\"BTCUSDT\",\"U\":10,\"u\":12,\"b\":[],\"a\":[]}",
    };
    size_t i;
    CHECK_EQ(kind_of(&a, in_order, 0), TB_JSCAN_FRAME);
    CHECK_EQ(kind_of(&b, shuffled, 0), TB_JSCAN_FRAME);
    CHECK_EQ(a.out.n_rows, 2);
    CHECK_EQ(b.out.n_rows, 2);
    for (i = 0; i < 2; i++) {
        CHECK_EQ(a.side[i], b.side[i]);
        CHECK_EQ(a.px[i], b.px[i]);
        CHECK_EQ_U(a.qty[i], b.qty[i]);
    }
    CHECK(a.ev_time[0] == b.ev_time[0] && a.first_id[0] == b.first_id[0] && a.last_id[0] == b.last_id[0]);
    CHECK_EQ(a.sym_len[0], b.sym_len[0]);
    for (i = 0; i < sizeof not_the_key / sizeof not_the_key[0]; i++)
        CHECK_MSG(kind_of(&a, not_the_key[i], 0) == TB_JSCAN_OTHER, "line %u", (unsigned)i);
}

/* the levels of one array at s (width strings a level, or TB_JSCAN_LEVEL_OBJECTS)
 * into w's rows: the count, or -1 when refused */
static long levels_of(work *w, const char *s, size_t width) {
    tb__jscan_rows rows;
    size_t count = 0;
    memset(&rows, 0, sizeof rows);
    work_init(w, CAP, CAP);
    rows.side = w->side;
    rows.px = w->px;
    rows.qty = w->qty;
    rows.cap = CAP;
    if (!tb__jscan_levels(s, 0, strlen(s), width, unit_of("0.01"), unit_of("0.001"), 1, &rows, &count)) return -1;
    return (long)count;
}

static void test_levels_as_sent(void) {
    /* levels written compact as the venues send them are read in one pass of
     * literal separators, any other spelling token by token: the same rows; the
     * near misses are refused both ways */
    static work a, b;
    static const char *const pairs[][3] = {
        /* width, compact, spaced */
        {"2", "[[\"100.5\",\"1.25\"],[\"99\",\"2\"]]", "[ [ \"100.5\" , \"1.25\" ] , [\"99\",\"2\" ] ]"},
        {"4", "[[\"100.5\",\"1.25\",\"0\",\"3\"],[\"99\",\"2\",\"0\",\"1\"]]",
         "[[\"100.5\", \"1.25\",\"0\" ,\"3\"],[\"99\",\"2\",\"0\",\"1\"\t]]"},
        {"0", "[{\"price\":100.5,\"qty\":1.25},{\"price\":99,\"qty\":2.000}]",
         "[{\"qty\":1.25,\"price\":100.5},{ \"price\" : 99 , \"qty\" : 2.000 }]"},
    };
    static const char *const refused[][2] = {
        {"2", "[[\"100.5\",\"1.25\",\"1\"]]"}, {"4", "[[\"100.5\",\"1.25\",\"1\"]]"}, {"2", "[[\"100.5\"]]"},
        {"2", "[[\"100.5\",1.25]]"},          {"2", "[[\"100.5\",\"1.25\"],]"},  {"0", "[{\"price\":100.5}]"},
        {"0", "[{\"price\":100.5,\"qty\":1.25,\"x\":1}]"}, {"0", "[{\"price\":\"100.5\",\"qty\":1.25}]"},
        {"0", "[{\"price\":100.5,\"qty\":1e2}]"},
    };
    size_t i, k;
    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t width = (size_t)(pairs[i][0][0] - '0');
        long na = levels_of(&a, pairs[i][1], width), nb = levels_of(&b, pairs[i][2], width);
        CHECK_MSG(na == 2 && nb == 2, "pair %u", (unsigned)i);
        for (k = 0; k < 2; k++)
            CHECK_MSG(a.px[k] == b.px[k] && a.qty[k] == b.qty[k] && a.px[k] == (k ? 9900 : 10050),
                      "pair %u level %u", (unsigned)i, (unsigned)k);
    }
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK_MSG(levels_of(&a, refused[i][1], (size_t)(refused[i][0][0] - '0')) == -1, "refused %u", (unsigned)i);
}

static void test_prefixes(void) {
    static work w;
    static char buf[512];
    size_t n = strlen(SPOT_A), k;
    for (k = 1; k < n; k++) {
        memcpy(buf, SPOT_A, k);
        buf[k] = 0;
        CHECK_MSG(kind_of(&w, buf, 0) == TB_JSCAN_OTHER, "prefix %u", (unsigned)k);
        CHECK_EQ(w.out.n_rows, 0);
    }
}

/* scan `data` fed in pieces of `step` bytes into an output of the given capacities,
 * draining it into `all` (frames re-based to the whole buffer) */
static void drive(const char *data, size_t len, size_t step, size_t rows_cap, size_t frames_cap, work *all) {
    static work w;
    size_t base = 0, have = 0;
    work_init(all, CAP, CAP);
    work_init(&w, rows_cap, frames_cap);
    for (;;) {
        size_t consumed = 0, i, r0 = 0;
        int final = have >= len;
        int rc = tb_jscan_binance(data + base, have - base, final, 0, unit_of("0.1"), unit_of("0.01"), &w.out,
                                  &consumed);
        CHECK(rc == TB_JSCAN_DONE || rc == TB_JSCAN_FULL);
        for (i = 0; i < w.out.n_frames; i++) {
            size_t m = all->out.n_frames++, r;
            for (r = r0; r < (size_t)w.row_end[i]; r++) {
                size_t o = all->out.n_rows++;
                all->side[o] = w.side[r];
                all->px[o] = w.px[r];
                all->qty[o] = w.qty[r];
            }
            r0 = (size_t)w.row_end[i];
            all->kind[m] = w.kind[i];
            all->off[m] = w.off[i] + (int64_t)base;
            all->len[m] = w.len[i];
            all->row_end[m] = (int64_t)all->out.n_rows;
            all->last_id[m] = w.last_id[i];
            all->sym_off[m] = w.sym_off[i] + (int64_t)(w.kind[i] == TB_JSCAN_FRAME ? base : 0);
        }
        CHECK(rc != TB_JSCAN_FULL || w.out.n_frames > 0); /* a stuck FULL would loop */
        if (rc == TB_JSCAN_FULL && w.out.n_frames == 0) return;
        w.out.n_frames = w.out.n_rows = 0;
        base += consumed;
        if (rc == TB_JSCAN_DONE) {
            if (final) return;
            have = have + step < len ? have + step : len;
        }
    }
}

static void test_splits_and_capacities(void) {
    static char data[2048];
    static work whole, part;
    size_t len, step, m;
    snprintf(data, sizeof data, "%s\n\n{\"id\":1}\n%s\r\n%s", SPOT_A, SPOT_A, SPOT_A);
    len = strlen(data);
    drive(data, len, len, CAP, CAP, &whole);
    CHECK_EQ(whole.out.n_frames, 5);
    CHECK_EQ(whole.out.n_rows, 9);
    CHECK_EQ(whole.kind[1], TB_JSCAN_EMPTY);
    CHECK_EQ(whole.kind[2], TB_JSCAN_OTHER);
    CHECK_EQ(whole.kind[4], TB_JSCAN_FRAME); /* the last line has no '\n' */
    for (step = 1; step <= len; step += 1 + step / 8) {
        size_t caps[3][2] = {{CAP, CAP}, {3, 1}, {5, 2}};
        size_t c;
        for (c = 0; c < 3; c++) {
            drive(data, len, step, caps[c][0], caps[c][1], &part);
            CHECK_EQ(part.out.n_frames, whole.out.n_frames);
            CHECK_EQ(part.out.n_rows, whole.out.n_rows);
            for (m = 0; m < whole.out.n_frames && m < part.out.n_frames; m++) {
                CHECK_EQ(part.kind[m], whole.kind[m]);
                CHECK_EQ(part.off[m], whole.off[m]);
                CHECK_EQ(part.len[m], whole.len[m]);
                CHECK_EQ(part.row_end[m], whole.row_end[m]);
                CHECK_EQ(part.sym_off[m], whole.sym_off[m]);
            }
            for (m = 0; m < whole.out.n_rows && m < part.out.n_rows; m++) {
                CHECK_EQ(part.px[m], whole.px[m]);
                CHECK_EQ_U(part.qty[m], whole.qty[m]);
                CHECK_EQ(part.side[m], whole.side[m]);
            }
        }
    }
    /* a frame with more levels than rows_cap: FULL with nothing consumed */
    {
        static work w;
        size_t consumed = 99;
        work_init(&w, 2, CAP);
        CHECK_EQ(tb_jscan_binance(SPOT_A, strlen(SPOT_A), 1, 0, unit_of("0.1"), unit_of("0.01"), &w.out, &consumed),
                 TB_JSCAN_FULL);
        CHECK_EQ(consumed, 0);
        CHECK_EQ(w.out.n_frames, 0);
        CHECK_EQ(w.out.n_rows, 0);
    }
}

static void test_arguments(void) {
    static work w;
    size_t consumed = 7;
    tb_dec_unit bad;
    memset(&bad, 0, sizeof bad);
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jscan_binance(SPOT_A, 3, 1, 0, unit_of("1"), unit_of("1"), NULL, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jscan_binance(SPOT_A, 3, 1, 0, unit_of("1"), unit_of("1"), &w.out, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_jscan_binance(NULL, 3, 1, 0, unit_of("1"), unit_of("1"), &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jscan_binance(SPOT_A, 3, 1, 0, bad, unit_of("1"), &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_rows = CAP + 1;
    CHECK_EQ(tb_jscan_binance(SPOT_A, 3, 1, 0, unit_of("1"), unit_of("1"), &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_rows = 0;
    w.out.kind = NULL;
    CHECK_EQ(tb_jscan_binance(SPOT_A, 3, 1, 0, unit_of("1"), unit_of("1"), &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(consumed, 7);
    CHECK_EQ(w.out.n_frames, 0);
    /* an empty buffer is fine */
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jscan_binance(NULL, 0, 1, 0, unit_of("1"), unit_of("1"), &w.out, &consumed), TB_JSCAN_DONE);
    CHECK_EQ(consumed, 0);
}

/* the 8-byte test of the string walk against the byte rule: every byte value at
 * every position among plain bytes, and strings crossing the 8-byte steps */
static void test_string_words(void) {
    unsigned c, p;
    size_t len, at;
    for (c = 0; c < 256; c++) {
        int special = c == '"' || c == '\\' || c < 0x20 || c >= 0x7f;
        for (p = 0; p < 8; p++) {
            char b[8];
            uint64_t m;
            unsigned q;
            memset(b, 'a', 8);
            b[p] = (char)c;
            m = tb__jscan_special8(tb__jscan_word(b, 0));
            CHECK_MSG((m != 0) == special, "byte %u at %u", c, p);
            if (special) CHECK_MSG(tb__ctz64(m) / 8 == p, "byte %u at %u: first special byte", c, p);
            /* the first special byte is found whatever follows it (a borrow may mark later ones) */
            for (q = p + 1; q < 8 && special; q++) {
                memset(b, 'a', 8);
                b[p] = (char)c;
                b[q] = '"';
                m = tb__jscan_special8(tb__jscan_word(b, 0));
                CHECK_MSG(m != 0 && tb__ctz64(m) / 8 == p, "byte %u at %u, '\"' at %u", c, p, q);
            }
        }
    }
    /* every pair of bytes at every two positions: the first special one found (a
     * carry or borrow out of the lower may mark the higher, never the reverse) */
    for (c = 0; c < 256; c++) {
        unsigned d;
        for (d = 0; d < 256; d++) {
            for (p = 0; p < 8; p++) {
                unsigned q;
                for (q = p + 1; q < 8; q++) {
                    char b[8];
                    uint64_t m;
                    int sc = c == '"' || c == '\\' || c < 0x20 || c >= 0x7f;
                    int sd = d == '"' || d == '\\' || d < 0x20 || d >= 0x7f;
                    memset(b, '~', 8);
                    b[p] = (char)c;
                    b[q] = (char)d;
                    m = tb__jscan_special8(tb__jscan_word(b, 0));
                    if (!sc && !sd) {
                        if (m) CHECK_MSG(0, "bytes %u at %u, %u at %u: none special", c, p, d, q);
                    } else if (tb__ctz64(m | (UINT64_C(1) << 63)) / 8 != (sc ? p : q)) {
                        CHECK_MSG(0, "bytes %u at %u, %u at %u: first special byte", c, p, d, q);
                    }
                }
            }
        }
    }
    for (len = 0; len < 40; len++) {
        for (at = 0; at <= len; at++) {
            char s[48];
            size_t b0 = 0, b1 = 0, end;
            s[0] = '"';
            memset(s + 1, 'x', len);
            s[1 + len] = '"';
            if (at < len) s[1 + at] = '\\'; /* an escape at `at`: refused */
            end = tb__jscan_str(s, 0, len + 2, &b0, &b1);
            if (at < len) {
                CHECK_EQ(end, 0);
            } else {
                CHECK_EQ(end, len + 2);
                CHECK_EQ(b0, 1);
                CHECK_EQ(b1, len + 1);
            }
            CHECK_EQ(tb__jscan_str(s, 0, len + 1, &b0, &b1), 0); /* no closing quote */
        }
    }
}

/* the marks of 32 bytes: every byte value at every position, exactly */
static void test_marks32(void) {
    unsigned c, p;
    for (c = 0; c < 256; c++) {
        int refused = c == '\\' || c < 0x20 || c >= 0x7f;
        for (p = 0; p < 32; p++) {
            char b[32];
            uint32_t quote = 0, bad = 0;
            memset(b, 'a', sizeof b);
            b[p] = (char)c;
            tb__jscan_marks32(b, &quote, &bad);
            CHECK_MSG(quote == (c == '"' ? UINT32_C(1) << p : 0u), "byte %u at %u: quote", c, p);
            CHECK_MSG(bad == (refused ? UINT32_C(1) << p : 0u), "byte %u at %u: refused", c, p);
        }
    }
}

/* a random level of `width` strings at b (the bytes levels and their near misses are
 * made of), padded with more random bytes; its length before the padding */
static size_t random_level(char *b, size_t cap, size_t width) {
    static const char alphabet[] = "0123456789.\"\\,] \x01\x7f\x80" "a";
    size_t n = 0, e, k;
    b[n++] = '[';
    for (e = 0; e < width; e++) {
        size_t len = (size_t)(tbt_rand() % 12);
        if (e) b[n++] = tbt_rand() % 16 ? ',' : ' ';
        b[n++] = '"';
        for (k = 0; k < len; k++) {
            unsigned r = (unsigned)(tbt_rand() % 64);
            b[n++] = r < sizeof alphabet - 1 ? alphabet[r] : (char)('0' + r % 10); /* mostly digits */
        }
        b[n++] = tbt_rand() % 32 ? '"' : 'x';
    }
    b[n++] = tbt_rand() % 16 ? ']' : ',';
    for (k = n; k < cap; k++) b[k] = alphabet[tbt_rand() % (sizeof alphabet - 1)];
    return n;
}

static void test_levels_short(void) {
    /* the level read from the marks of its first 32 bytes gives what the walk of
     * literal separators gives, whenever it answers; it answers for every level that
     * walk takes whose ']' is within 31 bytes of its '[' and 32 bytes are readable */
    char b[96];
    long iters = tbt_prof == TBT_FULL ? 400000 : 60000, it, read = 0, walked = 0;
    for (it = 0; it < iters; it++) {
        size_t width = 2 + (size_t)(tbt_rand() % 3), len = random_level(b, sizeof b, width);
        size_t n = tbt_rand() % 4 ? sizeof b : len + (size_t)(tbt_rand() % 40);
        size_t p0 = 0, p1 = 0, q0 = 0, q1 = 0, r0 = 0, r1 = 0, s0 = 0, s1 = 0;
        size_t fast, slow;
        if (n > sizeof b) n = sizeof b;
        fast = tb__jscan_level_short(b, 0, n, width, &p0, &p1, &q0, &q1);
        slow = tb__jscan_level_as_sent(b, 0, n, width, &r0, &r1, &s0, &s1);
        read += fast != 0;
        walked += slow != 0;
        if (fast) {
            CHECK_MSG(fast == slow && p0 == r0 && p1 == r1 && q0 == s0 && q1 == s1, "level %ld: %.*s", it, (int)len, b);
        } else if (slow && slow < 31 && n >= 32) {
            CHECK_MSG(0, "level %ld not read from its marks: %.*s", it, (int)len, b);
        }
    }
    CHECK_MSG(read > iters / 20 && walked - read > iters / 50, "%ld read from marks, %ld walked", read, walked);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json scan: frames and the lines that are not", test_frames);
    tbt_run("json scan: keys in the table's order, one compare each", test_keys_in_table_order);
    tbt_run("json scan: levels as sent, and spelled otherwise", test_levels_as_sent);
    tbt_run("json scan: every strict prefix of a frame is OTHER", test_prefixes);
    tbt_run("json scan: any splits and capacities give the same result", test_splits_and_capacities);
    tbt_run("json scan: argument errors change nothing", test_arguments);
    tbt_run("json scan: strings 8 bytes at a time", test_string_words);
    tbt_run("json scan: the marks of 32 bytes", test_marks32);
    tbt_run("json scan: short levels from their marks agree with the walk", test_levels_short);
    return tbt_finish();
}
