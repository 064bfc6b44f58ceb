/* test_json_sync.c — tb_json_sync.h: Binance lines to replay messages with the
 * venue's sync rules in C.
 *
 * The decimal fast path against tb_dec_parse on random strings and units (same
 * status, same value); hand-checked streams for every rule (stale prefix,
 * straddle, overlap, gap -> hand-back with nothing changed, futures pu chain,
 * other symbols, out-of-sync, the wrapper, E out of range); feeding a buffer in
 * pieces into tiny outputs, stepping over handed-back lines as the Python side
 * does, gives the whole-buffer messages; argument errors change nothing.
 * Written in the common subset of C and C++. */
#include "tapebook/tb_json_sync.h"

#include "tb_test.h"

#include "jsync_harness.h"

#define CAP JH_CAP

static void state_init(tb_jsync_binance *st, int futures, int64_t lid) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
    st->futures = futures;
    st->head.synced = 1;
    st->last_update_id = lid;
}

/* the venue for the harness, and run_all: spot, lastUpdateId 1000 */
static void spot_init(tb_jsync_binance *st) { state_init(st, 0, 1000); }
JH_VENUE(tb_jsync_binance, tb_jsync_binance_run, spot_init, 0);

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static unsigned rnd(unsigned n) {
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (unsigned)((rng_state >> 33) % n);
}

static void test_decimal_fast_path(void) {
    static const char *const units[] = {"1", "0.1", "0.01", "0.001", "0.00000001", "10", "0.5", "0.25", "1e-18"};
    static const char *const edge[] = {"0",   "00.10", "1.",     ".5",  "1.2.3", "-1.00", "+1", "1e2", "",
                                       "0.0", "9999999999999999.99", "99999999999999999.9", "1234567890123456789",
                                       "5.000000000000000000001", "12345678", "1234567.8", "1.234567", ".1234567",
                                       "1234567.", "12.34.56", "00000000", "0.000001", "99999999", "9999.99",
                                       "4.663", "1/3", "1:3", "123456789"};
    /* '/' and ':' on each side of the digits, a byte >= 0x80 and one whose xor with
     * '0' is '.' ^ '0' + 1: the one-word path of short strings tests bytes exactly */
    const char alphabet[] = "0123456789.00009-e+./:\xae\x2f.9";
    char s[24], buf[32];
    size_t u, i, k;
    for (u = 0; u < sizeof units / sizeof units[0]; u++) {
        tb_dec_unit unit = jh_unit(units[u]);
        int is_unsigned;
        for (is_unsigned = 0; is_unsigned <= 1; is_unsigned++) {
            for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
                uint64_t a = 1, b = 2;
                int ra, rb, rc;
                uint64_t c = 3;
                memset(buf, '7', sizeof buf); /* past the string: digits, which must not count */
                memcpy(buf, edge[i], strlen(edge[i]));
                ra = tb__jscan_dec(edge[i], strlen(edge[i]), strlen(edge[i]), unit, is_unsigned, &a);
                rb = tb_dec_parse(edge[i], strlen(edge[i]), unit, is_unsigned, &b);
                rc = tb__jscan_dec(buf, strlen(edge[i]), sizeof buf, unit, is_unsigned, &c);
                CHECK_MSG(ra == rb && (ra != TB_DEC_OK || a == b), "'%s' unit %s", edge[i], units[u]);
                CHECK_MSG(rc == rb && (rc != TB_DEC_OK || c == b), "'%s' unit %s, one word", edge[i], units[u]);
            }
            for (i = 0; i < 4000; i++) {
                size_t n = rnd(21);
                uint64_t a = 1, b = 2;
                int ra, rb;
                for (k = 0; k < n; k++) s[k] = alphabet[rnd((unsigned)(sizeof alphabet - 1))];
                s[n] = 0;
                ra = tb__jscan_dec(s, n, rnd(2) ? sizeof s : n, unit, is_unsigned, &a);
                rb = tb_dec_parse(s, n, unit, is_unsigned, &b);
                CHECK_MSG(ra == rb && (ra != TB_DEC_OK || a == b), "'%s' unit %s", s, units[u]);
            }
        }
    }
}

/* tb__jscan_int as a byte at a time: the reference its word steps are held to */
static size_t int_reference(const char *s, size_t i, size_t n, int64_t *v) {
    size_t j = i;
    int64_t x = 0;
    while (j < n && s[j] >= '0' && s[j] <= '9') {
        if (j - i >= TB_JSCAN_MAX_DIGITS) return 0;
        x = x * 10 + (int64_t)(s[j] - '0');
        j++;
    }
    if (j == i || (s[i] == '0' && j - i > 1)) return 0;
    if (j < n && (s[j] == '.' || s[j] == 'e' || s[j] == 'E')) return 0;
    *v = x;
    return j;
}

static void test_integers(void) {
    /* random runs of digits (mostly), of every length around 8, 16 and 18, with what
     * JSON puts after a number, read from random offsets with text of random length
     * left: the same offset and value as the reference */
    const char alphabet[] = "01234567890123456789012345678901234567890123456789.eE,}]/: -";
    char s[64];
    size_t t, k;
    for (t = 0; t < 200000; t++) {
        size_t n = rnd(40), i = n ? rnd((unsigned)n) : 0, digits = rnd(22);
        int64_t a = -7, b = -9;
        size_t ra, rb;
        for (k = 0; k < n; k++) s[k] = alphabet[rnd((unsigned)(sizeof alphabet - 1))];
        for (k = i; k < n && k < i + digits; k++) s[k] = (char)('0' + rnd(10));
        ra = tb__jscan_int(s, i, n, &a);
        rb = int_reference(s, i, n, &b);
        CHECK_MSG(ra == rb && (!ra || a == b), "'%.*s' from %u", (int)n, s, (unsigned)i);
    }
}

#define EV(U, u, b, a) "{\"e\":\"depthUpdate\",\"E\":1700000000000,\"s\":\"BTCUSDT\",\"U\":" #U ",\"u\":" #u ",\"b\":" b ",\"a\":" a "}"
#define FEV(U, u, pu, b)                                                                                        \
    "{\"e\":\"depthUpdate\",\"E\":1700000000000,\"T\":1,\"s\":\"BTCUSDT\",\"U\":" #U ",\"u\":" #u ",\"pu\":" #pu \
    ",\"b\":" b ",\"a\":[]}"
#define L1 "[[\"100.5\",\"1.25\"]]"
#define NONE "[]"


static void test_spot_rules(void) {
    static jh_work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    const char *data = EV(990, 995, NONE, NONE) "\n" EV(996, 1000, NONE, NONE) "\n\n" EV(998, 1003, L1, NONE)
        "\n" EV(1002, 1003, NONE, L1) "\n" EV(1004, 1006, L1, L1) "\n" EV(1008, 1009, NONE, NONE) "\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 5);
    CHECK_EQ(w.kind[0], TB_JSYNC_STALE); /* u <= lastUpdateId */
    CHECK_EQ(w.kind[1], TB_JSYNC_STALE); /* u == lastUpdateId */
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA); /* straddles 1001 */
    CHECK_EQ(w.line[2], 4);              /* the empty line 3 gave no message */
    CHECK_EQ(w.seq[2], 1003);
    CHECK_EQ(w.ts[2], INT64_C(1700000000000000000));
    CHECK_EQ(w.kind[3], TB_JSYNC_DELTA); /* overlaps the book id: applied (u >= book id) */
    CHECK_EQ(w.kind[4], TB_JSYNC_DELTA);
    CHECK_EQ(w.out.n_rows, 4);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ_U(w.qty[0], 1250);
    CHECK_EQ(w.side[1], 0);
    CHECK_EQ(w.row_end[4], 4);
    /* U = 1008 > 1006 + 1: a gap, handed back at its line start with nothing changed */
    CHECK_EQ(st.book_id, 1006);
    CHECK_EQ(st.head.line, 7);
    CHECK(consumed < strlen(data) && memcmp(data + consumed, "{\"e\"", 4) == 0);
    CHECK_EQ(st.head.synced, 1);
    /* the caller decides: out of sync, every later frame is PRESYNC */
    st.head.synced = 0;
    st.head.line++;
    consumed += strlen(EV(1008, 1009, NONE, NONE)) + 1;
    CHECK_EQ(tb_jsync_binance_run(&st, EV(1010, 1011, L1, NONE), strlen(EV(1010, 1011, L1, NONE)), 1, &w.out,
                                  &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[5], TB_JSYNC_PRESYNC);
    CHECK_EQ(w.seq[5], -1);
    CHECK_EQ(w.out.n_rows, 4);
}

static void test_first_event_gap_and_symbols(void) {
    static jh_work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    /* handed back with nothing changed, the symbol too (regression: the first frame's
     * symbol was taken before the gap check handed the frame back): E whose
     * nanoseconds overflow int64, a first event past lastUpdateId + 1 */
    static const char *const back[] = {
        "{\"e\":\"depthUpdate\",\"E\":10000000000000,\"s\":\"BTCUSDT\",\"U\":1001,\"u\":1001,\"b\":[],\"a\":[]}",
        EV(1002, 1004, L1, NONE),
    };
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
    /* the first event must have U <= lastUpdateId + 1 (a gap: handed back) */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, EV(1002, 1004, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 0);
    CHECK_EQ(st.have_book_id, 0);
    /* the first frame's symbol is the replay's; another is NONBOOK */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st,
                     EV(1001, 1001, L1, NONE) "\n{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"U\":1,\"u\":9,"
                                              "\"b\":[],\"a\":[]}",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.out.n_msgs, 2);
    CHECK_EQ(w.kind[1], TB_JSYNC_NONBOOK);
    CHECK_EQ(st.head.sym_state, 1);
    CHECK_EQ((int64_t)st.head.sym_len, 7);
    /* a symbol the C side cannot compare: everything to the caller */
    state_init(&st, 0, 1000);
    st.head.sym_state = 2;
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, EV(1001, 1001, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    /* microseconds (E >= 1e14) */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st,
                     "{\"e\":\"depthUpdate\",\"E\":1700000000000000,\"s\":\"BTCUSDT\",\"U\":1001,\"u\":1001,\"b\":[],"
                     "\"a\":[]}",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.ts[0], INT64_C(1700000000000000000));
    /* the combined-stream wrapper, either key order; a third key is handed back */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st,
                     "{\"stream\":\"btcusdt@depth\",\"data\":" EV(1001, 1002, L1, NONE) "}\n{\"data\":" EV(
                         1003, 1003, NONE, L1) ",\"stream\":\"x\"}\n{\"stream\":\"x\",\"id\":1,\"data\":" EV(1004, 1004,
                                                                                                         NONE, NONE) "}",
                     &w, &consumed),
             TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 2);
    CHECK_EQ(w.out.n_rows, 2);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.side[1], 0);
}

static void test_futures_rules(void) {
    static jh_work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    const char *data = FEV(980, 999, 979, NONE) "\n" FEV(990, 1000, 999, L1) "\n" FEV(1001, 1003, 1000, L1) "\n" FEV(
        1004, 1005, 1002, NONE) "\n";
    state_init(&st, 1, 1000);
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 3);
    CHECK_EQ(w.kind[0], TB_JSYNC_STALE); /* u < lastUpdateId */
    CHECK_EQ(w.kind[1], TB_JSYNC_DELTA); /* U <= lastUpdateId <= u */
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA); /* pu == previous u */
    CHECK_EQ(st.book_id, 1003);
    CHECK_EQ(st.head.line, 4); /* pu 1002 != 1003: a gap */
    /* a spot state refuses futures keys (pu, T): handed back */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, FEV(1001, 1003, 1000, L1), &w, &consumed), TB_JSYNC_HANDBACK);
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_binance st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"id\":1}\n%s\r\n%s\n%s\n%s", EV(990, 995, NONE, NONE),
             EV(1000, 1002, L1, L1), EV(1003, 1003, "[[\"1\",\"2\"],[\"3\",\"4\"]]", NONE),
             "{\"stream\":\"a\",\"data\":" EV(1004, 1005, NONE, L1) "}", EV(1003, 1004, NONE, NONE),
             EV(1006, 1007, L1, "[[\"1.001\",\"1\"]]"));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* {"id":1} and the inexact price */
    CHECK_EQ(whole.out.n_rows, 5);
    CHECK_EQ(whole.kind[4], TB_JSYNC_STALE);
    CHECK_EQ(whole.line[4], 7);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_binance st;
    jh_check_arguments(&VENUE, &st, EV(1001, 1001, L1, NONE));
    CHECK_EQ(st.book_id, 1001);
    CHECK_EQ(st.have_book_id, 1);
}

static void test_layout_table(void) {
    const char *name = NULL;
    int role = -1, req = -1;
    size_t layout, i;
    for (layout = 0; layout < TB_JSCAN_N_LAYOUTS; layout++) {
        tb__jscan_lookup lk;
        unsigned seen = 0;
        tb__jscan_lookup_init(&lk, layout);
        for (i = 0; tb_jscan_layout_key(layout, i, &name, &role, &req) == TB_OK; i++) {
            CHECK(role >= 0 && role < TB_JSCAN_N_ROLES && !((seen >> role) & 1u)); /* each role once */
            seen |= 1u << role;
            CHECK_EQ(tb__jscan_key_of(name, strlen(name), &lk), role); /* the lookup finds every key */
        }
        CHECK_EQ(i, tb_jscan_layouts[layout].n_keys);
        CHECK_EQ(tb__jscan_key_of("x", 1, &lk), -1);
        CHECK_EQ(tb__jscan_key_of("uu", 2, &lk), -1);
        CHECK_EQ(tb__jscan_key_of("", 0, &lk), -1);
    }
    CHECK_EQ(tb_jscan_layout_key(TB_JSCAN_N_LAYOUTS, 0, &name, &role, &req), TB_ERR_BADARG);
    CHECK_EQ(tb_jscan_layout_key(0, 0, NULL, &role, &req), TB_ERR_NULL);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json sync: the decimal fast path is tb_dec_parse", test_decimal_fast_path);
    tbt_run("json sync: spot rules", test_spot_rules);
    tbt_run("json sync: integers eight digits a step", test_integers);
    tbt_run("json sync: first-event gap, symbols, times, wrapper", test_first_event_gap_and_symbols);
    tbt_run("json sync: futures rules", test_futures_rules);
    tbt_run("json sync: splits and capacities", test_splits_and_capacities);
    tbt_run("json sync: arguments", test_arguments);
    tbt_run("json scan: the layout table and its lookup", test_layout_table);
    return tbt_finish();
}
