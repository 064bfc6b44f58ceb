/* test_json_bybit.c — tb_json_bybit.h: Bybit v5 orderbook lines to replay messages
 * with the venue's sync rules in C.
 *
 * Hand-checked streams for every rule (snapshot resets, presync deltas, contiguous
 * u, gap / duplicate / stale u -> hand-back with nothing changed, u = 1 restart,
 * cts before ts, other symbols, acks / other topics / unknown types handed back,
 * times out of range); feeding a buffer in pieces into tiny outputs, stepping over
 * handed-back lines as the Python side does, gives the whole-buffer messages;
 * argument errors change nothing. Written in the common subset of C and C++. */
#include "tapebook/tb_json_bybit.h"

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

static void state_init(tb_jsync_bybit *st) {
    memset(st, 0, sizeof *st);
    st->tick = unit_of("0.01");
    st->lot = unit_of("0.001");
    st->line = 1;
}

/* a frame: type, u, bids, asks (the symbol BTCUSDT, ts 1000 ms, no cts) */
#define FR(type, u, b, a)                                                                                  \
    "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"" type "\",\"ts\":1000,\"data\":{\"s\":\"BTCUSDT\",\"b\":" b \
    ",\"a\":" a ",\"u\":" #u ",\"seq\":7}}"
#define L1 "[[\"100.5\",\"1.25\"]]"
#define NONE "[]"

static int run_all(tb_jsync_bybit *st, const char *data, work *w, size_t *consumed) {
    return tb_jsync_bybit_run(st, data, strlen(data), 1, &w->out, consumed);
}

static void test_snapshot_delta_rules(void) {
    static work w;
    tb_jsync_bybit st;
    size_t consumed = 0;
    const char *data = FR("delta", 7, L1, NONE) "\n" FR("snapshot", 50, L1, L1) "\n\n" FR("delta", 51, NONE, L1)
        "\n" FR("snapshot", 50, L1, NONE) "\n" FR("delta", 51, L1, NONE) "\n" FR("delta", 1, L1, NONE) "\n"
        FR("delta", 2, NONE, NONE) "\n" FR("delta", 4, L1, NONE) "\n";
    state_init(&st);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 7);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC); /* a delta before any snapshot */
    CHECK_EQ(w.seq[0], -1);
    CHECK_EQ(w.row_end[0], 0);
    CHECK_EQ(w.kind[1], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.seq[1], 50);
    CHECK_EQ(w.ts[1], INT64_C(1000000000));
    CHECK_EQ(w.row_end[1], 2);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ_U(w.qty[0], 1250u);
    CHECK_EQ(w.side[1], 0);
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA);
    CHECK_EQ(w.line[2], 4); /* the empty line 3 gave no message */
    CHECK_EQ(w.kind[3], TB_JSYNC_SNAPSHOT); /* re-sent with the same u: a snapshot, not a gap */
    CHECK_EQ(w.kind[4], TB_JSYNC_DELTA);
    CHECK_EQ(w.kind[5], TB_JSYNC_SNAPSHOT); /* u = 1: the service restarted */
    CHECK_EQ(w.seq[5], 1);
    CHECK_EQ(w.kind[6], TB_JSYNC_DELTA);
    CHECK_EQ(w.seq[6], 2);
    /* u = 4 after 2: a gap, handed back with nothing changed */
    CHECK_EQ(st.line, 9);
    CHECK_EQ(st.last_u, 2);
    CHECK_EQ(st.synced, 1);
    CHECK_EQ(w.out.n_rows, 6);
    CHECK(strncmp(data + consumed, FR("delta", 4, L1, NONE), strlen(FR("delta", 4, L1, NONE))) == 0);
}

static void test_gaps_and_duplicates_hand_back(void) {
    static const char *const after50[] = {FR("delta", 50, L1, NONE), FR("delta", 49, L1, NONE),
                                          FR("delta", 52, L1, NONE), FR("delta", 0, L1, NONE)};
    static work w;
    size_t i;
    for (i = 0; i < sizeof after50 / sizeof after50[0]; i++) {
        tb_jsync_bybit st;
        size_t consumed = 9;
        state_init(&st);
        st.synced = st.have_u = 1;
        st.last_u = 50;
        st.sym_state = 0;
        work_init(&w, CAP, CAP);
        CHECK_EQ(run_all(&st, after50[i], &w, &consumed), TB_JSYNC_HANDBACK);
        CHECK_EQ(consumed, 0);
        CHECK_EQ(w.out.n_msgs, 0);
        CHECK_EQ(w.out.n_rows, 0);
        CHECK_EQ(st.last_u, 50);
        CHECK_EQ(st.sym_state, 0); /* the symbol is not taken from a handed-back line */
    }
    /* synced with no u known (the caller's state says so): handed back */
    {
        tb_jsync_bybit st;
        size_t consumed = 0;
        state_init(&st);
        st.synced = 1;
        work_init(&w, CAP, CAP);
        CHECK_EQ(run_all(&st, FR("delta", 5, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    }
}

static void test_shapes_symbols_and_times(void) {
    static const char *const back[] = {
        "{\"success\":true,\"op\":\"subscribe\"}",
        "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[],"
        "\"a\":[],\"u\":5}}",
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"update\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[],"
        "\"a\":[],\"u\":5}}",
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":9007199254740992,\"data\":{\"s\":"
        "\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":5}}", /* 2^53 ms */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"cts\":10000000000000,\"data\":{\"s\":"
        "\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":5}}", /* ns do not fit int64 */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[],"
        "\"a\":[],\"u\":5},\"id\":3}", /* unknown key */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"data\":{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],"
        "\"u\":5}}", /* no ts */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"ts\":1,\"data\":{\"s\":\"BTCUSDT\","
        "\"b\":[],\"a\":[],\"u\":5}}", /* ts twice */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"1."
        "001\",\"1\"]],\"a\":[],\"u\":5}}", /* not a whole number of ticks */
        "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[],"
        "\"a\":[]}}", /* no u */
        "[" FR("snapshot", 5, NONE, NONE) "]",
    };
    static work w;
    tb_jsync_bybit st;
    size_t consumed = 0, i;
    for (i = 0; i < sizeof back / sizeof back[0]; i++) {
        state_init(&st);
        work_init(&w, CAP, CAP);
        CHECK_MSG(run_all(&st, back[i], &w, &consumed) == TB_JSYNC_HANDBACK, "line %u", (unsigned)i);
        CHECK_EQ(w.out.n_msgs, 0);
        CHECK_EQ(st.sym_state, 0);
        CHECK_EQ(st.synced, 0);
    }
    /* cts before ts, any key order, whitespace; another symbol is NONBOOK in order */
    state_init(&st);
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     " { \"data\" : {\"u\":9,\"a\":[],\"b\":" L1 ",\"s\":\"BTCUSDT\"} , \"cts\" : 7 , \"ts\" : 8 , "
                     "\"type\" : \"snapshot\" , \"topic\" : \"orderbook.1.BTCUSDT\" } \r\n"
                     "{\"topic\":\"orderbook.1.ETHUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":\"ETHUSDT\","
                     "\"b\":[],\"a\":[],\"u\":10}}\n" FR("delta", 10, NONE, L1),
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.out.n_msgs, 3);
    CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.ts[0], INT64_C(7000000));
    CHECK_EQ(w.kind[1], TB_JSYNC_NONBOOK);
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA);
    CHECK_EQ(w.ts[2], INT64_C(1000000000));
    CHECK_EQ(st.sym_len, 7);
    /* a symbol C cannot compare: every frame back */
    state_init(&st);
    st.sym_state = 2;
    work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR("snapshot", 5, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
}

/* run data in pieces of `step` into tiny outputs, stepping over handed-back lines
 * as the caller does, collecting the messages into all */
static void drive(const char *data, size_t len, size_t step, size_t rows_cap, size_t msgs_cap, work *all,
                  int64_t *handed) {
    static work w;
    tb_jsync_bybit st;
    size_t base = 0, have = 0;
    state_init(&st);
    work_init(all, CAP, CAP);
    work_init(&w, rows_cap, msgs_cap);
    *handed = 0;
    for (;;) {
        size_t consumed = 0, i, r0 = 0;
        int final = have >= len;
        int rc = tb_jsync_bybit_run(&st, data + base, have - base, final, &w.out, &consumed);
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
            all->ts[m] = w.ts[i];
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
    snprintf(data, sizeof data, "%s\n%s\n\n{\"op\":\"pong\"}\n%s\r\n%s\n%s\n%s", FR("delta", 3, L1, NONE),
             FR("snapshot", 10, L1, L1), FR("delta", 11, "[[\"1\",\"2\"],[\"3\",\"4\"]]", NONE),
             FR("delta", 12, NONE, L1), FR("delta", 13, "[[\"1.001\",\"1\"]]", NONE), FR("delta", 1, L1, L1));
    len = strlen(data);
    drive(data, len, len, CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* the pong and the inexact price */
    CHECK_EQ(whole.out.n_rows, 7);
    CHECK_EQ(whole.kind[4], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(whole.line[4], 8);
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
                CHECK_EQ(part.ts[m], whole.ts[m]);
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
    tb_jsync_bybit st;
    size_t consumed = 7;
    const char *line = FR("snapshot", 5, L1, NONE);
    state_init(&st);
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jsync_bybit_run(NULL, line, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_bybit_run(&st, line, 3, 1, NULL, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_bybit_run(&st, line, 3, 1, &w.out, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_jsync_bybit_run(&st, NULL, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    st.sym_state = 3;
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    st.sym_state = 0;
    st.sym_len = TB_JSYNC_SYMBOL + 1;
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    st.sym_len = 0;
    st.tick.mant = 0;
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    st.tick = unit_of("0.01");
    w.out.n_rows = CAP + 1;
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_rows = 0;
    w.out.ts = NULL;
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(consumed, 7);
    CHECK_EQ(st.line, 1);
    CHECK_EQ(st.synced, 0);
    work_init(&w, CAP, CAP);
    CHECK_EQ(tb_jsync_bybit_run(&st, NULL, 0, 1, &w.out, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(consumed, 0);
    /* a line with more levels than rows_cap: FULL, nothing consumed or changed */
    work_init(&w, 0, CAP);
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_JSYNC_FULL);
    CHECK_EQ(consumed, 0);
    CHECK_EQ(w.out.n_msgs, 0);
    CHECK_EQ(st.synced, 0);
    /* no room for a message: FULL */
    work_init(&w, CAP, 0);
    CHECK_EQ(tb_jsync_bybit_run(&st, line, strlen(line), 1, &w.out, &consumed), TB_JSYNC_FULL);
    CHECK_EQ(st.sym_state, 0);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json bybit: snapshot / delta / u rules", test_snapshot_delta_rules);
    tbt_run("json bybit: gaps and duplicates hand back", test_gaps_and_duplicates_hand_back);
    tbt_run("json bybit: shapes, symbols, times", test_shapes_symbols_and_times);
    tbt_run("json bybit: splits and capacities", test_splits_and_capacities);
    tbt_run("json bybit: arguments", test_arguments);
    return tbt_finish();
}
