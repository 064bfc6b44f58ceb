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

#include "jsync_harness.h"

#define CAP JH_CAP

static void state_init(tb_jsync_bybit *st) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
}

/* the venue for the harness, and run_all */
JH_VENUE(tb_jsync_bybit, tb_jsync_bybit_run, state_init, 0);

/* a frame: type, u, bids, asks (the symbol BTCUSDT, ts 1000 ms, no cts) */
#define FR(type, u, b, a)                                                                                  \
    "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"" type "\",\"ts\":1000,\"data\":{\"s\":\"BTCUSDT\",\"b\":" b \
    ",\"a\":" a ",\"u\":" #u ",\"seq\":7}}"
#define L1 "[[\"100.5\",\"1.25\"]]"
#define NONE "[]"

static void test_snapshot_delta_rules(void) {
    static jh_work w;
    tb_jsync_bybit st;
    size_t consumed = 0;
    const char *data = FR("delta", 7, L1, NONE) "\n" FR("snapshot", 50, L1, L1) "\n\n" FR("delta", 51, NONE, L1)
        "\n" FR("snapshot", 50, L1, NONE) "\n" FR("delta", 51, L1, NONE) "\n" FR("delta", 1, L1, NONE) "\n"
        FR("delta", 2, NONE, NONE) "\n" FR("delta", 4, L1, NONE) "\n";
    jh_start(&VENUE, &st, &w);
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
    CHECK_EQ(st.head.line, 9);
    CHECK_EQ(st.last_u, 2);
    CHECK_EQ(st.head.synced, 1);
    CHECK_EQ(w.out.n_rows, 6);
    CHECK(strncmp(data + consumed, FR("delta", 4, L1, NONE), strlen(FR("delta", 4, L1, NONE))) == 0);
}

static void test_gaps_and_duplicates_hand_back(void) {
    static const char *const after50[] = {FR("delta", 50, L1, NONE), FR("delta", 49, L1, NONE),
                                          FR("delta", 52, L1, NONE), FR("delta", 0, L1, NONE)};
    static jh_work w;
    size_t i;
    for (i = 0; i < sizeof after50 / sizeof after50[0]; i++) {
        tb_jsync_bybit st;
        size_t consumed = 9;
        state_init(&st);
        st.head.synced = st.have_u = 1;
        st.last_u = 50;
        st.head.sym_state = 0;
        jh_work_init(&w, CAP, CAP);
        CHECK_EQ(run_all(&st, after50[i], &w, &consumed), TB_JSYNC_HANDBACK);
        CHECK_EQ(consumed, 0);
        CHECK_EQ(w.out.n_msgs, 0);
        CHECK_EQ(w.out.n_rows, 0);
        CHECK_EQ(st.last_u, 50);
        CHECK_EQ(st.head.sym_state, 0); /* the symbol is not taken from a handed-back line */
    }
    /* synced with no u known (the caller's state says so): handed back */
    {
        tb_jsync_bybit st;
        size_t consumed = 0;
        state_init(&st);
        st.head.synced = 1;
        jh_work_init(&w, CAP, CAP);
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
    static jh_work w;
    tb_jsync_bybit st;
    size_t consumed = 0;
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
    /* cts before ts, any key order, whitespace; another symbol is NONBOOK in order */
    jh_start(&VENUE, &st, &w);
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
    CHECK_EQ(st.head.sym_len, 7);
    /* a symbol C cannot compare: every frame back */
    state_init(&st);
    st.head.sym_state = 2;
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR("snapshot", 5, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_bybit st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"op\":\"pong\"}\n%s\r\n%s\n%s\n%s", FR("delta", 3, L1, NONE),
             FR("snapshot", 10, L1, L1), FR("delta", 11, "[[\"1\",\"2\"],[\"3\",\"4\"]]", NONE),
             FR("delta", 12, NONE, L1), FR("delta", 13, "[[\"1.001\",\"1\"]]", NONE), FR("delta", 1, L1, L1));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* the pong and the inexact price */
    CHECK_EQ(whole.out.n_rows, 7);
    CHECK_EQ(whole.kind[4], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(whole.line[4], 8);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_bybit st;
    jh_check_arguments(&VENUE, &st, FR("snapshot", 5, L1, NONE));
    CHECK_EQ(st.head.synced, 1);
    CHECK_EQ(st.last_u, 5);
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
