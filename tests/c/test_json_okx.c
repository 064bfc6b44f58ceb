/* test_json_okx.c — tb_json_okx.h: OKX books lines to replay messages with the
 * venue's seqId / prevSeqId rules in C, the frame's checksum in the crc column.
 *
 * Hand-checked streams for every rule (presync updates, snapshot resets,
 * chained updates, keep-alive, maintenance reset with seqId < prevSeqId, gap ->
 * hand-back with nothing changed, other instruments), the checksum (negative,
 * zero = none, out of range -> hand-back), shapes handed back (events, other
 * channels and actions, levels of two strings, extra keys, two data objects,
 * ts as a number); the shared split / capacity / argument checks of
 * jsync_harness.h. Written in the common subset of C and C++. */
#include "tapebook/tb_json_okx.h"

#include "tb_test.h"

#include "jsync_harness.h"

#define CAP JH_CAP

static void state_init(tb_jsync_okx *st) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
}

/* the venue for the harness, and run_all */
JH_VENUE(tb_jsync_okx, tb_jsync_okx_run, state_init, 1);

/* a frame: action, prevSeqId, seqId, bids, asks, checksum (BTC-USDT, ts 1597026383085) */
#define FR(action, prev, seq, b, a, crc)                                                                        \
    "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"" action "\",\"data\":[{\"asks\":" a \
    ",\"bids\":" b ",\"ts\":\"1597026383085\",\"checksum\":" #crc ",\"prevSeqId\":" #prev ",\"seqId\":" #seq "}]}"
#define L1 "[[\"100.5\",\"1.25\",\"0\",\"3\"]]"
#define NONE "[]"

static void test_rules(void) {
    static jh_work w;
    tb_jsync_okx st;
    size_t consumed = 0;
    const char *data = FR("update", 5, 8, L1, NONE, 0) "\n" FR("snapshot", -1, 10, L1, L1, -855196043) "\n\n" FR(
        "update", 10, 13, NONE, L1, 7) "\n" FR("update", 13, 13, NONE, NONE, 0) "\n" FR("update", 13, 2, L1, NONE, 0)
        "\n" FR("snapshot", -1, 50, NONE, L1, 0) "\n" FR("update", 50, 51, L1, NONE, 0) "\n" FR("update", 50, 52, L1,
                                                                                                  NONE, 0) "\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 7);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC); /* an update before any snapshot */
    CHECK_EQ(w.seq[0], -1);
    CHECK_EQ(w.crc[0], -1);
    CHECK_EQ(w.kind[1], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.seq[1], 10);
    CHECK_EQ(w.ts[1], INT64_C(1597026383085000000));
    CHECK_EQ(w.crc[1], INT64_C(4294967296) - 855196043); /* the signed CRC as unsigned 32 bits */
    CHECK_EQ(w.row_end[1], 2);
    CHECK_EQ(w.side[0], 1); /* bids first although the frame sends asks first */
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ_U(w.qty[0], 1250u);
    CHECK_EQ(w.side[1], 0);
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA);
    CHECK_EQ(w.line[2], 4); /* the empty line 3 gave no message */
    CHECK_EQ(w.crc[2], 7);
    CHECK_EQ(w.kind[3], TB_JSYNC_NONBOOK); /* a keep-alive: seqId == prevSeqId, no levels */
    CHECK_EQ(w.kind[4], TB_JSYNC_DELTA);   /* maintenance: seqId < prevSeqId, chained on prevSeqId */
    CHECK_EQ(w.seq[4], 2);
    CHECK_EQ(w.kind[5], TB_JSYNC_SNAPSHOT); /* resets; checksum 0 = none */
    CHECK_EQ(w.crc[5], -1);
    CHECK_EQ(w.kind[6], TB_JSYNC_DELTA);
    /* prevSeqId 50 after 51: a gap, handed back with nothing changed */
    CHECK_EQ(st.last_seq, 51);
    CHECK_EQ(st.head.line, 9);
    CHECK_EQ(st.head.synced, 1);
    CHECK(strncmp(data + consumed, FR("update", 50, 52, L1, NONE, 0), 20) == 0);
    /* another instrument: NONBOOK */
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     "{\"arg\":{\"instId\":\"ETH-USDT\",\"channel\":\"books\"},\"data\":[{\"asks\":[],\"bids\":[],"
                     "\"ts\":\"1\",\"prevSeqId\":1,\"seqId\":2}],\"action\":\"update\"}",
                     &w, &consumed),
             TB_JSYNC_HANDBACK); /* a gap before the symbol: the caller's */
    st.last_seq = 1;
    CHECK_EQ(run_all(&st,
                     " { \"data\" : [ {\"seqId\":2,\"prevSeqId\":1,\"ts\":\"1\",\"bids\":[],\"asks\":[]} ] , "
                     "\"arg\" : {\"instId\":\"ETH-USDT\",\"channel\":\"books\"} , \"action\" : \"update\" } \r",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_NONBOOK);
    CHECK_EQ(st.last_seq, 1);
}

static void test_shapes_handed_back(void) {
    static const char *const back[] = {
        "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"}}",
        "{\"arg\":{\"channel\":\"books5\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}",
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"partial\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}",
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"1\","
        "\"2\"]],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}", /* two strings a level */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":1,\"prevSeqId\":-1,\"seqId\":1}]}", /* ts a number */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"10000000000000\",\"prevSeqId\":-1,\"seqId\":1}]}", /* ns do not fit int64 */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1,\"checksum\":4294967296}]}", /* 2^32 */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1,\"checksum\":-2147483649}]}",
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1},{\"asks\":[],\"bids\":[],\"ts\":\"1\","
        "\"prevSeqId\":-1,\"seqId\":1}]}", /* two books */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}],\"id\":3}", /* unknown key */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\",\"uid\":\"1\"},\"action\":\"snapshot\",\"data\":[{"
        "\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}", /* unknown arg key */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1}]}", /* no seqId */
        /* the wrapper's common spelling (taken in one compare) followed by what the walk refuses */
        "{\"arg\":{\"channel\":\"books\",\"instId\":5},\"action\":\"snapshot\",\"data\":[{\"asks\":[],"
        "\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}", /* instId not a string */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"A\",\"instId\":\"A\"},\"action\":\"snapshot\",\"data\""
        ":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}", /* instId twice */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"A\"},\"arg\":{\"channel\":\"books\",\"instId\":\"A\"},"
        "\"action\":\"snapshot\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}",
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"A\"}}", /* nothing but arg */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"A\"", /* cut short */
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"1."
        "001\",\"1\",\"0\",\"1\"]],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":-1,\"seqId\":1}]}", /* not whole ticks */
    };
    static jh_work w;
    tb_jsync_okx st;
    size_t consumed = 0;
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
    /* an update while synced with no seqId known: back */
    state_init(&st);
    st.head.synced = 1;
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR("update", 1, 2, L1, NONE, 0), &w, &consumed), TB_JSYNC_HANDBACK);
    /* no crc column: refused */
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    w.out.crc = NULL;
    CHECK_EQ(run_all(&st, FR("snapshot", -1, 2, L1, NONE, 0), &w, &consumed), TB_ERR_NULL);
}

/* the same frame in other spellings of the wrapper (whitespace, key order): the walk
 * takes them as the one-compare common spelling is taken */
static void test_wrapper_spellings(void) {
    static const char *const frames[] = {
        FR("snapshot", -1, 10, L1, L1, 5),
        "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\" },\"action\":\"snapshot\",\"data\":[{\"asks\":"
        L1 ",\"bids\":" L1 ",\"ts\":\"1597026383085\",\"checksum\":5,\"prevSeqId\":-1,\"seqId\":10}]}",
        " {\"arg\" : {\"instId\":\"BTC-USDT\",\"channel\":\"books\"},\"action\":\"snapshot\",\"data\":[{\"asks\":"
        L1 ",\"bids\":" L1 ",\"ts\":\"1597026383085\",\"checksum\":5,\"prevSeqId\":-1,\"seqId\":10}]}",
        "{\"action\":\"snapshot\",\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"data\":[{\"asks\":"
        L1 ",\"bids\":" L1 ",\"ts\":\"1597026383085\",\"checksum\":5,\"prevSeqId\":-1,\"seqId\":10}]}",
    };
    static jh_work w;
    tb_jsync_okx st;
    size_t consumed = 0, k;
    for (k = 0; k < sizeof frames / sizeof frames[0]; k++) {
        jh_start(&VENUE, &st, &w);
        CHECK_MSG(run_all(&st, frames[k], &w, &consumed) == TB_JSYNC_DONE, "spelling %u", (unsigned)k);
        CHECK_EQ(w.out.n_msgs, 1);
        CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
        CHECK_EQ(w.row_end[0], 2);
        CHECK_EQ(w.crc[0], 5);
        CHECK_EQ(st.head.sym_len, 8);
        CHECK(memcmp(st.head.symbol, "BTC-USDT", 8) == 0);
    }
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_okx st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"event\":\"subscribe\"}\n%s\r\n%s\n%s\n%s", FR("update", 1, 3, L1, NONE, 0),
             FR("snapshot", -1, 10, L1, L1, 5),
             FR("update", 10, 11, "[[\"1\",\"2\",\"0\",\"1\"],[\"3\",\"4\",\"0\",\"1\"]]", NONE, -5),
             FR("update", 11, 12, NONE, L1, 0), FR("update", 12, 13, "[[\"1.001\",\"1\",\"0\",\"1\"]]", NONE, 0),
             FR("snapshot", -1, 1, L1, L1, 9));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 5);
    CHECK_EQ(handed_whole, 2); /* the event and the inexact price */
    CHECK_EQ(whole.out.n_rows, 7);
    CHECK_EQ(whole.kind[4], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(whole.line[4], 8);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_okx st;
    jh_check_arguments(&VENUE, &st, FR("snapshot", -1, 5, L1, NONE, 0));
    CHECK_EQ(st.head.synced, 1);
    CHECK_EQ(st.last_seq, 5);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json okx: snapshot / update / seqId rules, checksums", test_rules);
    tbt_run("json okx: shapes handed back", test_shapes_handed_back);
    tbt_run("json okx: spellings of the wrapper", test_wrapper_spellings);
    tbt_run("json okx: splits and capacities", test_splits_and_capacities);
    tbt_run("json okx: arguments", test_arguments);
    return tbt_finish();
}
