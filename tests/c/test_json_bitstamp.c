/* test_json_bitstamp.c — tb_json_bitstamp.h: Bitstamp diff_order_book lines to
 * replay messages with the venue's microtimestamp rule in C.
 *
 * A hand-checked stream (stale frames at or before the REST book, deltas
 * numbered on from it, other pairs, key order and whitespace), shapes handed
 * back (control frames, trades, other events, extra keys, levels of three
 * strings, times as numbers or with leading zeros, ns past int64, inexact
 * values); the shared split / capacity / argument checks of jsync_harness.h.
 * Written in the common subset of C and C++. */
#include "tapebook/tb_json_bitstamp.h"

#include "tb_test.h"

#include "jsync_harness.h"

#define CAP JH_CAP

static void state_init(tb_jsync_bitstamp *st) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
    st->snapshot_us = 1000;
    st->index = 1;
}

/* the venue for the harness, and run_all */
JH_VENUE(tb_jsync_bitstamp, tb_jsync_bitstamp_run, state_init, 0);

/* a frame: microtimestamp, bids, asks (pair btcusd) */
#define FR(us, b, a)                                                                                          \
    "{\"data\":{\"timestamp\":\"1\",\"microtimestamp\":\"" #us "\",\"bids\":" b ",\"asks\":" a                 \
    "},\"channel\":\"diff_order_book_btcusd\",\"event\":\"data\"}"
#define L1 "[[\"100.5\",\"1.25\"]]"
#define NONE "[]"

static void test_rules(void) {
    static jh_work w;
    tb_jsync_bitstamp st;
    size_t consumed = 0;
    const char *data = FR(999, L1, NONE) "\n" FR(1000, L1, L1) "\n\n" FR(1001, "[[\"1\",\"2\"],[\"3\",\"0\"]]", L1) "\n"
        " { \"event\" : \"data\" , \"channel\" : \"diff_order_book_ethusd\" , \"data\" : {\"microtimestamp\":\"1002\","
        "\"asks\":[],\"bids\":[]} } \r\n" FR(1003, NONE, NONE) "\n{\"event\":\"bts:heartbeat\"}\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 5);
    CHECK_EQ(w.kind[0], TB_JSYNC_STALE); /* before the REST book */
    CHECK_EQ(w.seq[0], -1);
    CHECK_EQ(w.kind[1], TB_JSYNC_STALE); /* at it */
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA);
    CHECK_EQ(w.seq[2], 1);
    CHECK_EQ(w.ts[2], 1001000);
    CHECK_EQ(w.line[2], 4);
    CHECK_EQ(w.row_end[2], 3);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 100);
    CHECK_EQ_U(w.qty[0], 2000u);
    CHECK_EQ(w.side[2], 0);
    CHECK_EQ(w.px[2], 10050);
    CHECK_EQ_U(w.qty[1], 0u); /* 0 deletes */
    CHECK_EQ(w.kind[3], TB_JSYNC_NONBOOK); /* another pair */
    CHECK_EQ(w.kind[4], TB_JSYNC_DELTA);
    CHECK_EQ(w.seq[4], 2);
    CHECK_EQ(w.row_end[4], 3);
    CHECK_EQ(st.index, 3);
    CHECK_EQ(st.head.line, 7);
    CHECK_EQ(st.head.sym_len, 6);
    CHECK(memcmp(st.head.symbol, "btcusd", 6) == 0);
}

static void test_shapes_handed_back(void) {
    static const char *const back[] = {
        "{\"event\":\"bts:subscription_succeeded\",\"channel\":\"diff_order_book_btcusd\",\"data\":{}}",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"channel\":\"live_trades_btcusd\","
        "\"event\":\"data\"}",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\","
        "\"event\":\"trade\"}",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\","
        "\"event\":\"data\",\"x\":1}",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[],\"x\":1},\"channel\":\"diff_order_book_btcusd\","
        "\"event\":\"data\"}",
        "{\"data\":{\"microtimestamp\":2000,\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\","
        "\"event\":\"data\"}",
        "{\"data\":{\"microtimestamp\":\"02000\",\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\","
        "\"event\":\"data\"}",
        "{\"data\":{\"microtimestamp\":\"9223372036854776\",\"bids\":[],\"asks\":[]},\"channel\":"
        "\"diff_order_book_btcusd\",\"event\":\"data\"}", /* ns past int64 */
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\"}",
        "{\"data\":{\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btcusd\",\"event\":\"data\"}",
        FR(2000, "[[\"1\",\"2\",\"3\"]]", NONE), /* three strings a level */
        FR(2000, "[[\"1.001\",\"2\"]]", NONE),   /* not whole ticks */
        FR(2000, NONE, "[[\"1\",\"0.0001\"]]"),   /* not whole lots */
        FR(2000, NONE, NONE) ",",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"channel\":\"diff_order_book_btc\\u0075sd\","
        "\"event\":\"data\"}",
        "{\"data\":{\"microtimestamp\":\"2000\",\"bids\":[],\"asks\":[]},\"data\":{},\"channel\":"
        "\"diff_order_book_btcusd\",\"event\":\"data\"}",
    };
    static jh_work w;
    tb_jsync_bitstamp st;
    size_t consumed = 0;
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
    /* the last index: the checked path's */
    state_init(&st);
    st.index = INT64_MAX;
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR(2000, L1, NONE), &w, &consumed), TB_JSYNC_HANDBACK);
    st.index = -1;
    CHECK_EQ(run_all(&st, FR(2000, L1, NONE), &w, &consumed), TB_ERR_BADARG);
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_bitstamp st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"event\":\"bts:heartbeat\"}\n%s\r\n%s\n%s\n%s", FR(900, L1, NONE),
             FR(1001, L1, L1), FR(1002, "[[\"1\",\"2\"],[\"3\",\"4\"]]", NONE), FR(1003, NONE, L1),
             FR(1004, "[[\"1.001\",\"1\"]]", NONE), FR(1005, L1, L1));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* the heartbeat and the inexact price */
    CHECK_EQ(whole.out.n_rows, 7);
    CHECK_EQ(whole.kind[4], TB_JSYNC_DELTA);
    CHECK_EQ(whole.seq[4], 4);
    CHECK_EQ(whole.line[4], 8);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_bitstamp st;
    jh_check_arguments(&VENUE, &st, FR(5000, L1, NONE));
    CHECK_EQ(st.index, 2);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json bitstamp: microtimestamp rule, pairs", test_rules);
    tbt_run("json bitstamp: shapes handed back", test_shapes_handed_back);
    tbt_run("json bitstamp: splits and capacities", test_splits_and_capacities);
    tbt_run("json bitstamp: arguments", test_arguments);
    return tbt_finish();
}
