/* test_json_kraken.c — tb_json_kraken.h: Kraken v2 book lines to replay
 * messages with the venue's snapshot / update rules in C, the frame's checksum
 * in the crc column, its RFC 3339 timestamp in ns.
 *
 * Hand-checked streams for every rule (presync updates, snapshots, updates,
 * heartbeats, other symbols, checksum present / absent / above 32 bits), the
 * hand-backs (snapshots while the precisions are not given, values with more
 * decimals than the precision, book messages before the caller's checksum is
 * set up, every other shape: subscription replies, status frames, string
 * values, exponents, extra keys, two data objects, odd timestamps), the
 * timestamp parser against hand-computed instants; the shared split / capacity
 * / argument checks of jsync_harness.h. Written in the common subset of C and
 * C++. */
#include "tapebook/tb_json_kraken.h"

#include "tb_test.h"

#include "jsync_harness.h"

#define CAP JH_CAP

/* tick 0.01 / lot 0.001 (jh_head_init) with the precisions given as 2 / 3 and the
 * checksum set up: every common frame is decided here */
static void state_init(tb_jsync_kraken *st) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
    st->ready = st->fixed = st->have_precision = 1;
    st->price_precision = 2;
    st->qty_precision = 3;
}

/* the venue for the harness, and run_all */
JH_VENUE(tb_jsync_kraken, tb_jsync_kraken_run, state_init, 1);

/* a frame: type, bids, asks, then the rest of the data object (BTC/USD) */
#define KR(type, b, a, rest)                                                                                      \
    "{\"channel\":\"book\",\"type\":\"" type "\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":" b ",\"asks\":" a \
    rest "}]}"
#define TS ",\"timestamp\":\"2023-10-06T17:35:55.440295Z\""
#define L1 "[{\"price\":100.5,\"qty\":1.25}]"
#define NONE "[]"
#define TS_NS INT64_C(1696613755440295000) /* 2023-10-06T17:35:55.440295Z */

static void test_rules(void) {
    static jh_work w;
    tb_jsync_kraken st;
    size_t consumed = 0;
    const char *data = KR("update", L1, NONE, ",\"checksum\":7" TS) "\n" KR(
        "snapshot", L1, "[{\"qty\":2,\"price\":101}]", ",\"checksum\":3310070434" TS) "\n\n{\"channel\":\"heartbeat\"}\n" KR("update", NONE, L1, "")
        "\n" KR("update", L1, NONE, ",\"checksum\":4294967301") "\n" KR("snapshot", NONE, L1, TS) "\n"
        "{\"channel\":\"status\",\"type\":\"update\",\"data\":[]}\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 6);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC); /* an update before any snapshot */
    CHECK_EQ(w.seq[0], -1);
    CHECK_EQ(w.ts[0], 0);
    CHECK_EQ(w.crc[0], -1);
    CHECK_EQ(w.row_end[0], 0);
    CHECK_EQ(w.kind[1], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.seq[1], 0);
    CHECK_EQ(w.ts[1], TS_NS);
    CHECK_EQ(w.crc[1], INT64_C(3310070434));
    CHECK_EQ(w.row_end[1], 2);
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ_U(w.qty[0], 1250u);
    CHECK_EQ(w.side[1], 0); /* qty before price inside the level */
    CHECK_EQ(w.px[1], 10100);
    CHECK_EQ_U(w.qty[1], 2000u);
    CHECK_EQ(w.kind[2], TB_JSYNC_NONBOOK); /* the heartbeat */
    CHECK_EQ(w.line[2], 4);                /* the empty line 3 gave no message */
    CHECK_EQ(w.kind[3], TB_JSYNC_DELTA);   /* no checksum, no timestamp */
    CHECK_EQ(w.seq[3], 1);
    CHECK_EQ(w.ts[3], 0);
    CHECK_EQ(w.crc[3], -1);
    CHECK_EQ(w.kind[4], TB_JSYNC_DELTA);
    CHECK_EQ(w.crc[4], 5); /* 2^32 + 5 compared as its low 32 bits, as kraken.py stores it */
    CHECK_EQ(w.kind[5], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.seq[5], 3);
    /* the status frame is the caller's, with nothing changed */
    CHECK_EQ(st.index, 4);
    CHECK_EQ(st.head.line, 8);
    CHECK(strncmp(data + consumed, "{\"channel\":\"status\"", 19) == 0);
    /* another symbol: NONBOOK whatever its state */
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    CHECK_EQ(run_all(&st,
                     " { \"data\" : [ {\"asks\":[],\"bids\":[ { \"qty\" : 1 , \"price\" : 2 } ],\"symbol\":\"ETH/USD\"} "
                     "] , \"type\" : \"snapshot\" , \"channel\" : \"book\" } \r",
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_NONBOOK);
    CHECK_EQ(st.index, 4);
}

static void test_precisions_and_readiness(void) {
    static jh_work w;
    tb_jsync_kraken st;
    size_t consumed = 0;
    /* precisions not given: the first snapshot is the caller's (it reads them from it
     * and sets its checksum up) ... */
    state_init(&st);
    st.fixed = st.ready = st.have_precision = 0;
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    CHECK_EQ(run_all(&st, KR("snapshot", L1, NONE, ""), &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(st.head.sym_state, 0); /* nothing taken */
    /* ... a later one raises them to the most digits it writes (never lowers them) */
    st.ready = st.have_precision = 1;
    st.price_precision = st.qty_precision = 1;
    CHECK_EQ(run_all(&st, KR("snapshot", "[{\"price\":100.500,\"qty\":1}]", "[{\"price\":101.0,\"qty\":2.0}]", ""),
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(st.price_precision, 3);
    CHECK_EQ(st.qty_precision, 1);
    CHECK_EQ(run_all(&st, KR("update", "[{\"price\":100.5000,\"qty\":1}]", NONE, ""), &w, &consumed),
             TB_JSYNC_HANDBACK); /* 4 > 3 digits */
    CHECK_EQ(st.price_precision, 3);
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    st.head.sym_state = 0;
    /* ... and while unknown, updates are not checked against them */
    st.have_precision = 0;
    st.head.synced = 1;
    CHECK_EQ(run_all(&st, KR("update", "[{\"price\":1.00000,\"qty\":1}]", NONE, ""), &w, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_DELTA);
    CHECK_EQ(st.head.sym_state, 1);
    /* a value with more decimals than the precision: the caller's error, in or out of sync */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, KR("update", "[{\"price\":100.500,\"qty\":1}]", NONE, ""), &w, &consumed),
             TB_JSYNC_HANDBACK);
    CHECK_EQ(run_all(&st, KR("snapshot", NONE, "[{\"price\":100.50,\"qty\":1.2500}]", ""), &w, &consumed),
             TB_JSYNC_HANDBACK);
    CHECK_EQ(run_all(&st, KR("snapshot", NONE, "[{\"price\":100.50,\"qty\":1.250}]", ""), &w, &consumed),
             TB_JSYNC_DONE);
    /* the checksum not set up yet: snapshots and applying updates are the caller's,
     * presync updates are not */
    state_init(&st);
    st.ready = 0;
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC);
    CHECK_EQ(run_all(&st, KR("snapshot", L1, NONE, ""), &w, &consumed), TB_JSYNC_HANDBACK);
    st.head.synced = 1;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(st.index, 0);
    /* refused arguments */
    state_init(&st);
    st.price_precision = -1;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_ERR_BADARG);
    st.price_precision = 2;
    st.qty_precision = -1;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_ERR_BADARG);
    st.have_precision = 0;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_ERR_BADARG); /* fixed without them */
    st.fixed = 0;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_JSYNC_DONE);
    jh_work_init_for(&VENUE, &w, CAP, CAP);
    w.out.crc = NULL;
    CHECK_EQ(run_all(&st, KR("update", L1, NONE, ""), &w, &consumed), TB_ERR_NULL);
}

static void test_shapes_handed_back(void) {
    static const char *const back[] = {
        "{\"method\":\"subscribe\",\"result\":{\"channel\":\"book\",\"depth\":10,\"symbol\":\"BTC/USD\"},"
        "\"success\":true}",
        "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"system\":\"online\"}]}",
        "{\"channel\":\"heartbeat\",\"type\":\"update\"}",
        "{\"channel\":\"book\"}",
        "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[]}",
        KR("partial", L1, NONE, ""),
        KR("snapshot", "[{\"price\":\"100.5\",\"qty\":1}]", NONE, ""), /* a string value */
        KR("snapshot", "[{\"price\":1e2,\"qty\":1}]", NONE, ""),       /* exponent */
        KR("snapshot", "[{\"price\":-1,\"qty\":1}]", NONE, ""),        /* sign */
        KR("snapshot", "[{\"price\":01,\"qty\":1}]", NONE, ""),        /* leading zero */
        KR("snapshot", "[{\"price\":1.,\"qty\":1}]", NONE, ""),
        KR("snapshot", "[{\"price\":100.5,\"qty\":1,\"n\":1}]", NONE, ""), /* a third key */
        KR("snapshot", "[{\"price\":100.5,\"price\":1}]", NONE, ""),
        KR("snapshot", "[[\"100.5\",\"1\"]]", NONE, ""),
        KR("snapshot", "[{\"price\":100.505,\"qty\":1}]", NONE, ""), /* not whole ticks (and > precision) */
        KR("snapshot", L1, NONE, ",\"checksum\":-1"),
        KR("snapshot", L1, NONE, ",\"checksum\":1234567890123456789"),
        KR("snapshot", L1, NONE, ",\"checksum\":null"),
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-10-06T17:35:55-05:00\""), /* not UTC */
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-10-06T17:35:55.1\\u005a\""), /* an escape */
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-02-29T17:35:55Z\""),
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-10-06T24:00:00Z\""),
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-10-06T17:35:55.1234567890Z\""),
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2023-10-06T17:35:55.Z\""),
        KR("snapshot", L1, NONE, ",\"timestamp\":\"2262-04-12T00:00:00Z\""), /* ns past int64 */
        KR("snapshot", L1, NONE, ",\"timestamp\":\"0000-01-01T00:00:00Z\""),
        KR("snapshot", L1, NONE, ",\"timestamp\":1696613755"),
        KR("snapshot", L1, NONE, ",\"extra\":1"),
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[],\"asks\":[]},"
        "{\"symbol\":\"BTC/USD\",\"bids\":[],\"asks\":[]}]}", /* two data objects */
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[]}]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[],\"asks\":[]}],"
        "\"id\":1}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"channel\":\"book\",\"data\":[{\"symbol\":\"BTC/USD\","
        "\"bids\":[],\"asks\":[]}]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC\\/USD\",\"bids\":[],\"asks\":[]}]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[],\"asks\":[]}]} x",
    };
    tb_jsync_kraken st;
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
}

/* the JSON-string time (tb_rfc3339.h inside quotes) against instants from Python's calendar.timegm (days since 1970 * 86400 + seconds) */
static void test_timestamps(void) {
    static const struct {
        const char *text;
        int64_t ns;
    } cases[] = {
        {"\"1970-01-01T00:00:00Z\"", 0},
        {"\"1970-01-01T00:00:00.000000001Z\"", 1},
        {"\"1970-01-02T00:00:01.5Z\"", INT64_C(86401500000000)},
        {"\"2000-02-29T12:00:00Z\"", (INT64_C(11016) * 86400 + 43200) * INT64_C(1000000000)},
        {"\"2000-03-01T00:00:00Z\"", INT64_C(11017) * 86400 * INT64_C(1000000000)},
        {"\"2016-12-31T23:59:60Z\"", INT64_C(17167) * 86400 * INT64_C(1000000000)}, /* leap second: next second */
        {"\"2023-10-06T17:35:55.440295Z\"", TS_NS},
        {"\"2261-12-31T23:59:59.999999999Z\"", (INT64_C(106651) * 86400 - 1) * INT64_C(1000000000) + 999999999},
        /* the other spellings kraken.py's rfc3339_ns takes (tb_rfc3339.h takes them too) */
        {"\"2262-01-01T00:00:00Z\"", INT64_C(106651) * 86400 * INT64_C(1000000000)},
        {"\"1969-12-31T23:59:59Z\"", -INT64_C(1000000000)},
        {"\"1970-01-01t00:00:00z\"", 0},
        {"\"1970-01-01 00:00:01+00:00\"", INT64_C(1000000000)},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ns = -1;
        size_t n = strlen(cases[i].text);
        CHECK_MSG(tb__jscan_rfc3339(cases[i].text, 0, n, &ns) == n, "case %u", (unsigned)i);
        CHECK_EQ(ns, cases[i].ns);
        CHECK_EQ(tb__jscan_rfc3339(cases[i].text, 0, n - 1, &ns), 0); /* no closing quote */
    }
    {
        int64_t ns = 0;
        CHECK_EQ(tb__jscan_rfc3339("\"1900-02-29T00:00:00Z\"", 0, 22, &ns), 0); /* not a leap year */
        CHECK_EQ(tb__jscan_rfc3339("\"2023-13-01T00:00:00Z\"", 0, 22, &ns), 0);
        CHECK_EQ(tb__jscan_rfc3339("\"2023-04-31T00:00:00Z\"", 0, 22, &ns), 0);
        CHECK_EQ(tb__jscan_rfc3339("\"2023-04-30T00:60:00Z\"", 0, 22, &ns), 0);
        CHECK_EQ(tb__jscan_rfc3339("\"2023-04-30T00:00:61Z\"", 0, 22, &ns), 0);
        CHECK_EQ(tb__jscan_rfc3339("\"2023-04-30X00:00:00Z\"", 0, 22, &ns), 0);
        CHECK_EQ(tb__jscan_rfc3339("\"2023-04-3000:00:00Z\"", 0, 21, &ns), 0);
    }
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_kraken st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"method\":\"subscribe\"}\n%s\r\n%s\n{\"channel\":\"heartbeat\"}\n%s\n%s",
             KR("update", L1, NONE, TS), KR("snapshot", L1, L1, ",\"checksum\":5" TS),
             KR("update", "[{\"price\":1,\"qty\":2},{\"price\":3,\"qty\":4}]", NONE, ",\"checksum\":6"),
             KR("update", NONE, L1, ""), KR("update", "[{\"price\":1.001,\"qty\":1}]", NONE, ""),
             KR("snapshot", L1, L1, TS));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 6);
    CHECK_EQ(handed_whole, 2); /* the subscription reply and the price with 3 decimals */
    CHECK_EQ(whole.out.n_rows, 7);
    CHECK_EQ(whole.kind[5], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(whole.seq[5], 3);
    CHECK_EQ(whole.line[5], 9);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_kraken st;
    jh_check_arguments(&VENUE, &st, KR("snapshot", L1, NONE, ",\"checksum\":5"));
    CHECK_EQ(st.head.synced, 1);
    CHECK_EQ(st.index, 1);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json kraken: snapshot / update / heartbeat rules, checksums", test_rules);
    tbt_run("json kraken: precisions and the checksum's readiness", test_precisions_and_readiness);
    tbt_run("json kraken: shapes handed back", test_shapes_handed_back);
    tbt_run("json kraken: RFC 3339 timestamps", test_timestamps);
    tbt_run("json kraken: splits and capacities", test_splits_and_capacities);
    tbt_run("json kraken: arguments", test_arguments);
    return tbt_finish();
}
