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

#define CAP 256

typedef struct work {
    uint8_t side[CAP];
    int64_t px[CAP];
    uint64_t qty[CAP];
    int64_t row_end[CAP], ts[CAP], seq[CAP], line[CAP];
    uint8_t kind[CAP];
    tb_jsync_out out;
} work;

static void work_init(work *w, size_t rows_cap, size_t msgs_cap) {
    memset(w, 0, sizeof *w);
    w->out.side = w->side;
    w->out.px = w->px;
    w->out.qty = w->qty;
    w->out.rows_cap = rows_cap;
    w->out.row_end = w->row_end;
    w->out.ts = w->ts;
    w->out.seq = w->seq;
    w->out.line = w->line;
    w->out.kind = w->kind;
    w->out.msgs_cap = msgs_cap;
}

static tb_dec_unit unit_of(const char *s) {
    tb_dec_unit u;
    memset(&u, 0, sizeof u);
    CHECK_EQ(tb_dec_unit_parse(s, strlen(s), &u), TB_OK);
    return u;
}

static void state_init(tb_jsync_binance *st, int futures, int64_t lid) {
    memset(st, 0, sizeof *st);
    st->tick = unit_of("0.01");
    st->lot = unit_of("0.001");
    st->futures = futures;
    st->synced = 1;
    st->last_update_id = lid;
    st->line = 1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static unsigned rnd(unsigned n) {
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (unsigned)((rng_state >> 33) % n);
}

static void test_decimal_fast_path(void) {
    static const char *const units[] = {"1", "0.1", "0.01", "0.001", "0.00000001", "10", "0.5", "0.25", "1e-18"};
    static const char *const edge[] = {"0",   "00.10", "1.",     ".5",  "1.2.3", "-1.00", "+1", "1e2", "",
                                       "0.0", "9999999999999999.99", "99999999999999999.9", "1234567890123456789",
                                       "5.000000000000000000001"};
    const char alphabet[] = "0123456789.00009-e+";
    char s[24];
    size_t u, i, k;
    for (u = 0; u < sizeof units / sizeof units[0]; u++) {
        tb_dec_unit unit = unit_of(units[u]);
        int is_unsigned;
        for (is_unsigned = 0; is_unsigned <= 1; is_unsigned++) {
            for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
                uint64_t a = 1, b = 2;
                int ra = tb__jscan_dec(edge[i], strlen(edge[i]), unit, is_unsigned, &a);
                int rb = tb_dec_parse(edge[i], strlen(edge[i]), unit, is_unsigned, &b);
                CHECK_MSG(ra == rb && (ra != TB_DEC_OK || a == b), "'%s' unit %s", edge[i], units[u]);
            }
            for (i = 0; i < 4000; i++) {
                size_t n = rnd(21);
                uint64_t a = 1, b = 2;
                int ra, rb;
                for (k = 0; k < n; k++) s[k] = alphabet[rnd((unsigned)(sizeof alphabet - 1))];
                s[n] = 0;
                ra = tb__jscan_dec(s, n, unit, is_unsigned, &a);
                rb = tb_dec_parse(s, n, unit, is_unsigned, &b);
                CHECK_MSG(ra == rb && (ra != TB_DEC_OK || a == b), "'%s' unit %s", s, units[u]);
            }
        }
    }
}

#define EV(U, u, b, a) "{\"e\":\"depthUpdate\",\"E\":1700000000000,\"s\":\"BTCUSDT\",\"U\":" #U ",\"u\":" #u ",\"b\":" b ",\"a\":" a "}"
#define FEV(U, u, pu, b)                                                                                        \
    "{\"e\":\"depthUpdate\",\"E\":1700000000000,\"T\":1,\"s\":\"BTCUSDT\",\"U\":" #U ",\"u\":" #u ",\"pu\":" #pu \
    ",\"b\":" b ",\"a\":[]}"
#define L1 "[[\"100.5\",\"1.25\"]]"
#define NONE "[]"

/* run over data until DONE or a hand-back; returns the status */
static int run_all(tb_jsync_binance *st, const char *data, work *w, size_t *consumed) {
    return tb_jsync_binance_run(st, data, strlen(data), 1, &w->out, consumed);
}

static void test_spot_rules(void) {
    static work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    const char *data = EV(990, 995, NONE, NONE) "\n" EV(996, 1000, NONE, NONE) "\n\n" EV(998, 1003, L1, NONE)
        "\n" EV(1002, 1003, NONE, L1) "\n" EV(1004, 1006, L1, L1) "\n" EV(1008, 1009, NONE, NONE) "\n";
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
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
    CHECK_EQ(st.line, 7);
    CHECK(consumed < strlen(data) && memcmp(data + consumed, "{\"e\"", 4) == 0);
    CHECK_EQ(st.synced, 1);
    /* the caller decides: out of sync, every later frame is PRESYNC */
    st.synced = 0;
    st.line++;
    consumed += strlen(EV(1008, 1009, NONE, NONE)) + 1;
    CHECK_EQ(tb_jsync_binance_run(&st, EV(1010, 1011, L1, NONE), strlen(EV(1010, 1011, L1, NONE)), 1, &w.out,
                                  &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[5], TB_JSYNC_PRESYNC);
    CHECK_EQ(w.seq[5], -1);
    CHECK_EQ(w.out.n_rows, 4);
}

static void test_first_event_gap_and_symbols(void) {
    static work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    /* the first event must have U <= lastUpdateId + 1 */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, EV(1002, 1004, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 0);
    CHECK_EQ(st.have_book_id, 0);
    /* the first frame's symbol is the replay's; another is NONBOOK */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     EV(1001, 1001, L1, NONE) "\n{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"U\":1,\"u\":9,"
                                              "\"b\":[],\"a\":[]}",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.out.n_msgs, 2);
    CHECK_EQ(w.kind[1], TB_JSYNC_NONBOOK);
    CHECK_EQ(st.sym_state, 1);
    CHECK_EQ((int64_t)st.sym_len, 7);
    /* a symbol the C side cannot compare: everything to the caller */
    state_init(&st, 0, 1000);
    st.sym_state = 2;
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, EV(1001, 1001, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    /* E whose nanoseconds overflow int64: handed back */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     "{\"e\":\"depthUpdate\",\"E\":10000000000000,\"s\":\"BTCUSDT\",\"U\":1001,\"u\":1001,\"b\":[],"
                     "\"a\":[]}",
                     &w, &consumed),
             TB_JSYNC_HANDBACK);
    CHECK_EQ(st.sym_state, 0); /* nothing changed */
    /* microseconds (E >= 1e14) */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     "{\"e\":\"depthUpdate\",\"E\":1700000000000000,\"s\":\"BTCUSDT\",\"U\":1001,\"u\":1001,\"b\":[],"
                     "\"a\":[]}",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.ts[0], INT64_C(1700000000000000000));
    /* the combined-stream wrapper, either key order; a third key is handed back */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
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
    static work w;
    tb_jsync_binance st;
    size_t consumed = 0;
    const char *data = FEV(980, 999, 979, NONE) "\n" FEV(990, 1000, 999, L1) "\n" FEV(1001, 1003, 1000, L1) "\n" FEV(
        1004, 1005, 1002, NONE) "\n";
    state_init(&st, 1, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 3);
    CHECK_EQ(w.kind[0], TB_JSYNC_STALE); /* u < lastUpdateId */
    CHECK_EQ(w.kind[1], TB_JSYNC_DELTA); /* U <= lastUpdateId <= u */
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA); /* pu == previous u */
    CHECK_EQ(st.book_id, 1003);
    CHECK_EQ(st.line, 4); /* pu 1002 != 1003: a gap */
    /* a spot state refuses futures keys (pu, T): handed back */
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FEV(1001, 1003, 1000, L1), &w, &consumed), TB_JSYNC_HANDBACK);
}

/* run data in pieces of `step` into tiny outputs, stepping over handed-back lines
 * as the caller does, collecting the messages into all */
static void drive(const char *data, size_t len, size_t step, size_t rows_cap, size_t msgs_cap, work *all,
                  int64_t *handed) {
    static work w;
    tb_jsync_binance st;
    size_t base = 0, have = 0;
    state_init(&st, 0, 1000);
    work_init(all, CAP, CAP);
    work_init(&w, rows_cap, msgs_cap);
    *handed = 0;
    for (;;) {
        size_t consumed = 0, i, r0 = 0;
        int final = have >= len;
        int rc = tb_jsync_binance_run(&st, data + base, have - base, final, &w.out, &consumed);
        CHECK(rc == TB_JSYNC_DONE || rc == TB_JSYNC_FULL || rc == TB_JSYNC_HANDBACK);
        for (i = 0; i < w.out.n_msgs; i++) {
            size_t m = all->out.n_msgs++, r;
            for (r = r0; r < (size_t)w.row_end[i]; r++) {
                size_t o = all->out.n_rows++;
                all->side[o] = w.side[r];
                all->px[o] = w.px[r];
                all->qty[o] = w.qty[r];
            }
            r0 = (size_t)w.row_end[i];
            all->kind[m] = w.kind[i];
            all->seq[m] = w.seq[i];
            all->line[m] = w.line[i];
            all->row_end[m] = (int64_t)all->out.n_rows;
        }
        if (rc == TB_JSYNC_FULL && w.out.n_msgs == 0) return; /* a line larger than the output */
        w.out.n_msgs = w.out.n_rows = 0;
        base += consumed;
        if (rc == TB_JSYNC_HANDBACK) {
            const char *nl = (const char *)memchr(data + base, '\n', have - base);
            (*handed)++;
            base = nl ? (size_t)(nl - data) + 1 : have;
            st.line++;
            continue;
        }
        if (rc == TB_JSYNC_DONE) {
            if (final) return;
            have = have + step < len ? have + step : len;
        }
    }
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static work whole, part;
    int64_t handed_whole = 0, handed = 0;
    size_t len, step, m;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"id\":1}\n%s\r\n%s\n%s\n%s", EV(990, 995, NONE, NONE),
             EV(1000, 1002, L1, L1), EV(1003, 1003, "[[\"1\",\"2\"],[\"3\",\"4\"]]", NONE),
             "{\"stream\":\"a\",\"data\":" EV(1004, 1005, NONE, L1) "}", EV(1003, 1004, NONE, NONE),
             EV(1006, 1007, L1, "[[\"1.001\",\"1\"]]"));
    len = strlen(data);
    drive(data, len, len, CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* {"id":1} and the inexact price */
    CHECK_EQ(whole.out.n_rows, 5);
    CHECK_EQ(whole.kind[4], TB_JSYNC_STALE);
    CHECK_EQ(whole.line[4], 7);
    for (step = 1; step <= len; step += 1 + step / 6) {
        size_t caps[3][2] = {{CAP, CAP}, {2, 1}, {3, 2}};
        size_t c;
        for (c = 0; c < 3; c++) {
            drive(data, len, step, caps[c][0], caps[c][1], &part, &handed);
            CHECK_EQ(part.out.n_msgs, whole.out.n_msgs);
            CHECK_EQ(part.out.n_rows, whole.out.n_rows);
            CHECK_EQ(handed, handed_whole);
            for (m = 0; m < whole.out.n_msgs && m < part.out.n_msgs; m++) {
                CHECK_EQ(part.kind[m], whole.kind[m]);
                CHECK_EQ(part.seq[m], whole.seq[m]);
                CHECK_EQ(part.line[m], whole.line[m]);
                CHECK_EQ(part.row_end[m], whole.row_end[m]);
            }
            for (m = 0; m < whole.out.n_rows && m < part.out.n_rows; m++) {
                CHECK_EQ(part.px[m], whole.px[m]);
                CHECK_EQ_U(part.qty[m], whole.qty[m]);
                CHECK_EQ(part.side[m], whole.side[m]);
            }
        }
    }
}

static void test_arguments(void) {
    static work w;
    tb_jsync_binance st;
    size_t consumed = 7;
    const char *line = EV(1001, 1001, L1, NONE);
    state_init(&st, 0, 1000);
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jsync_binance_run(NULL, line, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_binance_run(&st, line, 3, 1, NULL, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_binance_run(&st, line, 3, 1, &w.out, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_binance_run(&st, NULL, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    st.sym_state = 3;
    CHECK_EQ(tb_jsync_binance_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    st.sym_state = 0;
    st.sym_len = TB_JSYNC_SYMBOL + 1;
    CHECK_EQ(tb_jsync_binance_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    st.sym_len = 0;
    w.out.n_msgs = CAP + 1;
    CHECK_EQ(tb_jsync_binance_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_msgs = 0;
    w.out.kind = NULL;
    CHECK_EQ(tb_jsync_binance_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(consumed, 7);
    CHECK_EQ(st.line, 1);
    CHECK_EQ(st.have_book_id, 0);
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jsync_binance_run(&st, NULL, 0, 1, &w.out, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(consumed, 0);
    /* a line with more levels than rows_cap: FULL, nothing consumed */
    work_init(&w, 0, CAP);
    CHECK_EQ(tb_jsync_binance_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_JSYNC_FULL);
    CHECK_EQ(consumed, 0);
    CHECK_EQ(w.out.n_msgs, 0);
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
    tbt_run("json sync: first-event gap, symbols, times, wrapper", test_first_event_gap_and_symbols);
    tbt_run("json sync: futures rules", test_futures_rules);
    tbt_run("json sync: splits and capacities", test_splits_and_capacities);
    tbt_run("json sync: arguments", test_arguments);
    tbt_run("json scan: the layout table and its lookup", test_layout_table);
    return tbt_finish();
}
