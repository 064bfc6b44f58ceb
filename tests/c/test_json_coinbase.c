/* test_json_coinbase.c — tb_json_coinbase.h: Coinbase l2_data lines to replay
 * messages with the venue's connection-wide sequence_num rules in C, and the
 * RFC 3339 times of tb_rfc3339.h.
 *
 * Hand-checked streams for every rule (presync updates, snapshot with sides
 * interleaved -> bids first, stale repeats, a new connection at 0, other
 * products, a gap -> hand-back with nothing changed, check_sequence off),
 * times against hand-computed ns (leap days, a leap second, +00:00, fractions)
 * and the forms refused; other channels' frames taking numbers (NONBOOK,
 * STALE, a new connection, a gap); shapes handed back (two events, key order,
 * extra keys, unknown sides and types, escapes, bad values, other channels'
 * JSON beyond the plain subset); the shared
 * split / capacity / argument checks of jsync_harness.h. Written in the common
 * subset of C and C++. */
#include "tapebook/tb_json_coinbase.h"

#include "tb_test.h"

#include "jsync_harness.h"

#define CAP JH_CAP

static void state_init(tb_jsync_coinbase *st) {
    memset(st, 0, sizeof *st);
    jh_head_init(&st->head);
    st->check_sequence = 1;
}

/* the venue for the harness, and run_all */
JH_VENUE(tb_jsync_coinbase, tb_jsync_coinbase_run, state_init, 0);

/* a frame: sequence_num, event type, product, updates (timestamp T0) */
#define FR(seq, type, prod, ups)                                                                              \
    "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.714964855Z\",\"sequence_num\":" \
    #seq ",\"events\":[{\"type\":\"" type "\",\"product_id\":\"" prod "\",\"updates\":" ups "}]}"
#define UP(side, p, q) \
    "{\"side\":\"" side "\",\"event_time\":\"2023-02-09T20:32:50.1Z\",\"price_level\":\"" p "\",\"new_quantity\":\"" q "\"}"
#define T0 INT64_C(1675974770714964855) /* 2023-02-09T20:32:50.714964855Z */
#define ONE "[" UP("bid", "100.5", "1.25") "]"
#define NONE "[]"

static void test_rules(void) {
    static jh_work w;
    tb_jsync_coinbase st;
    size_t consumed = 0;
    const char *data =
        FR(0, "update", "BTC-USD", ONE) "\n" FR(
            1, "snapshot", "BTC-USD",
            "[" UP("offer", "101", "2") "," UP("bid", "100.5", "1.25") "," UP("ask", "102.25", "0.5") "," UP(
                "bid", "99", "3") "]") "\n\n" FR(2, "update", "BTC-USD", ONE) "\n" FR(2, "update", "BTC-USD", ONE)
            "\n" FR(0, "update", "BTC-USD", ONE) "\n" FR(1, "snapshot", "BTC-USD", ONE) "\n" FR(
                2, "update", "ETH-USD", ONE) "\n" FR(3, "update", "BTC-USD", NONE) "\n" FR(5, "update", "BTC-USD",
                                                                                           ONE) "\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 8);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC); /* an update before any snapshot */
    CHECK_EQ(w.seq[0], -1);
    CHECK_EQ(w.ts[0], 0);
    CHECK_EQ(w.row_end[0], 0);
    CHECK_EQ(w.kind[1], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.seq[1], 1);
    CHECK_EQ(w.ts[1], T0);
    CHECK_EQ(w.row_end[1], 4);
    /* bids first, in order, then the asks ("offer" and "ask"), in order */
    CHECK_EQ(w.side[0], 1);
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ_U(w.qty[0], 1250u);
    CHECK_EQ(w.side[1], 1);
    CHECK_EQ(w.px[1], 9900);
    CHECK_EQ(w.side[2], 0);
    CHECK_EQ(w.px[2], 10100);
    CHECK_EQ_U(w.qty[2], 2000u);
    CHECK_EQ(w.side[3], 0);
    CHECK_EQ(w.px[3], 10225);
    CHECK_EQ_U(w.qty[3], 500u);
    CHECK_EQ(w.kind[2], TB_JSYNC_DELTA);
    CHECK_EQ(w.line[2], 4); /* the empty line 3 gave no message */
    CHECK_EQ(w.kind[3], TB_JSYNC_STALE); /* the same number again */
    CHECK_EQ(w.seq[3], -1);
    CHECK_EQ(w.kind[4], TB_JSYNC_PRESYNC); /* 0: a new connection, out of sync until its snapshot */
    CHECK_EQ(w.kind[5], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.kind[6], TB_JSYNC_NONBOOK); /* another product takes its number too */
    CHECK_EQ(w.kind[7], TB_JSYNC_DELTA);   /* an update with no rows */
    CHECK_EQ(w.seq[7], 3);
    CHECK_EQ(w.row_end[7], w.row_end[6]);
    /* 5 after 3: a gap, handed back with nothing changed */
    CHECK_EQ(st.last_seq, 3);
    CHECK_EQ(st.have_seq, 1);
    CHECK_EQ(st.head.line, 10);
    CHECK_EQ(st.head.synced, 1);
    CHECK(strncmp(data + consumed, FR(5, "update", "BTC-USD", ONE), 120) == 0);
    /* the check off: any number is taken */
    st.check_sequence = 0;
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR(5, "update", "BTC-USD", ONE) "\n" FR(4, "update", "BTC-USD", ONE), &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.out.n_msgs, 2);
    CHECK_EQ(w.kind[1], TB_JSYNC_DELTA);
    CHECK_EQ(st.last_seq, 4);
}

static void test_symbol_taken_by_a_stale_frame(void) {
    /* coinbase.py compares the product before the sequence: the first l2_data frame
     * names the replay's product even when it is dropped as stale */
    static jh_work w;
    tb_jsync_coinbase st;
    size_t consumed = 0;
    state_init(&st);
    st.have_seq = 1;
    st.last_seq = 7;
    jh_work_init(&w, CAP, CAP);
    CHECK_EQ(run_all(&st, FR(6, "update", "ETH-USD", ONE), &w, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_STALE);
    CHECK_EQ(st.head.sym_state, 1);
    CHECK_EQ(st.head.sym_len, 7);
    CHECK(memcmp(st.head.symbol, "ETH-USD", 7) == 0);
    CHECK_EQ(st.last_seq, 7);
}

static void test_many_updates(void) {
    /* more updates than the shape pass keeps (TB__JC_KEPT): the rows pass walks the
     * text again, with the same result; sides alternate, bids come out first */
    static jh_work w;
    static char line[16384];
    tb_jsync_coinbase st;
    size_t consumed = 0, k, len, counts[3] = {TB__JC_KEPT - 1, TB__JC_KEPT, TB__JC_KEPT + 7}, c;
    for (c = 0; c < 3; c++) {
        size_t total = counts[c];
        len = (size_t)snprintf(line, sizeof line,
                               "{\"channel\":\"l2_data\",\"timestamp\":\"2023-02-09T20:32:50Z\",\"sequence_num\":0,"
                               "\"events\":[{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":[");
        for (k = 0; k < total; k++)
            len += (size_t)snprintf(line + len, sizeof line - len,
                                    "%s{\"side\":\"%s\",\"price_level\":\"%u\",\"new_quantity\":\"%u\"}", k ? "," : "",
                                    k % 2 ? "bid" : "offer", (unsigned)(k + 1), (unsigned)(2 * k + 1));
        snprintf(line + len, sizeof line - len, "]}]}");
        jh_start(&VENUE, &st, &w);
        CHECK_EQ(run_all(&st, line, &w, &consumed), TB_JSYNC_DONE);
        CHECK_EQ(w.out.n_msgs, 1);
        CHECK_EQ(w.row_end[0], (int64_t)total);
        for (k = 0; k < total; k++) {
            size_t bids = total / 2, src = k < bids ? 2 * k + 1 : 2 * (k - bids); /* the update row k came from */
            CHECK_EQ(w.side[k], k < bids);
            CHECK_EQ(w.px[k], (int64_t)(src + 1) * 100);
            CHECK_EQ_U(w.qty[k], (uint64_t)(2 * src + 1) * 1000u);
        }
    }
}

/* a time as the frame's timestamp: its ns, or -1 when refused */
static int64_t ns_of(const char *t) {
    int64_t ns = -1;
    return tb__rfc3339_ns(t, strlen(t), &ns) ? ns : -1;
}

static void test_times(void) {
    static const char *const refused[] = {
        "2023-02-09T20:32:50",           /* no zone */
        "2023-02-09T20:32:50+01:00",     /* not UTC */
        "2023-02-09T20:32:50.Z",         /* '.' and no digits */
        "2023-02-09T20:32:50.1234567891Z", /* 10 digits */
        "2023-02-29T00:00:00Z",          /* not a leap year */
        "2023-13-01T00:00:00Z",
        "2023-00-01T00:00:00Z",
        "2023-01-00T00:00:00Z",
        "2023-04-31T00:00:00Z",
        "0000-01-01T00:00:00Z",          /* year 0 */
        "2023-01-01T24:00:00Z",
        "2023-01-01T00:60:00Z",
        "2023-01-01T00:00:61Z",
        "2023-01-01X00:00:00Z",
        "2023/01/01T00:00:00Z",
        "+023-01-01T00:00:00Z",
        "2023-01-01T0 :00:00Z",
        "2023-01-01T00:00:00,5Z",
        "2023-01-01T00:00Z",
        "2263-01-01T00:00:00Z",          /* ns past int64 */
        "1677-01-01T00:00:00Z",
        "",
    };
    size_t i;
    CHECK_EQ(ns_of("2023-02-09T20:32:50.714964855Z"), T0);
    CHECK_EQ(ns_of("1970-01-01T00:00:00Z"), 0);
    CHECK_EQ(ns_of("1970-01-01t00:00:00.5z"), 500000000);
    CHECK_EQ(ns_of("1970-01-01 00:00:01.000000001+00:00"), 1000000001);
    CHECK_EQ(ns_of("1969-12-31T23:59:59Z"), -1000000000);
    CHECK_EQ(ns_of("2000-02-29T00:00:00Z"), INT64_C(951782400) * 1000000000); /* a leap day of a 400th year */
    CHECK_EQ(ns_of("2024-03-01T00:00:00Z"), INT64_C(1709251200) * 1000000000);
    CHECK_EQ(ns_of("2100-03-01T00:00:00Z"), INT64_C(4107542400) * 1000000000); /* 2100: no leap day */
    CHECK_EQ(ns_of("2016-12-31T23:59:60Z"), INT64_C(1483228800) * 1000000000); /* a leap second: the next minute */
    /* the last and first whole seconds taken (Python takes a little more; those go back) */
    CHECK_EQ(ns_of("2262-04-11T23:47:15.999999999Z"), INT64_C(9223372035999999999));
    CHECK_EQ(ns_of("1677-09-21T00:12:45Z"), INT64_C(-9223372035) * 1000000000);
    CHECK_EQ(ns_of("2262-04-11T23:47:16Z"), -1);
    CHECK_EQ(ns_of("1677-09-21T00:12:44Z"), -1);
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK_MSG(ns_of(refused[i]) == -1, "time %u: %s", (unsigned)i, refused[i]);
}

static void test_shapes_handed_back(void) {
    static const char *const back[] = {
        /* other channels beyond the plain subset the checked path surely decodes alike */
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":1.5}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":1e5}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":\"\\n\"}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", /* 17 deep */
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":tru}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":[1,]}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":{\"a\"}}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"x\":01}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":\"2\"}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":-2}",
        "{\"channel\":\"heartbeats\",\"sequence_num\":2,\"sequence_num\":3}",
        "{\"channel\":\"heartbeats\",\"channel\":\"ticker\"}",
        "{\"channel\":1,\"sequence_num\":2}",
        "{\"sequence_num\":2}",
        "{}",
        "[]",
        "{\"channel\":\"heartbeats\"} x",
        "{\"sequence_num\":2,\"channel\":\"l2_data\",\"events\":[]}", /* l2_data not in the fast decoder's form */
        "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]},{\"type\":\"update\","
        "\"product_id\":\"BTC-USD\",\"updates\":[]}]}", /* two events */
        "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[]}", /* no event */
        " " FR(1, "snapshot", "BTC-USD", ONE),      /* not the fast decoder's prefix */
        "{\"channel\": \"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}",
        "{\"sequence_num\":1,\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.1Z\","
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}",
        "{\"channel\":\"l2_data\",\"x\":1,\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}", /* unknown key */
        "{\"channel\":\"l2_data\",\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[],\"x\":1}]}", /* event key */
        FR(1, "snapshot", "BTC-USD", "[{\"side\":\"bid\",\"price_level\":\"1\",\"new_quantity\":\"1\",\"x\":\"\"}]"),
        FR(1, "snapshot", "BTC-USD", "[" UP("buy", "1", "1") "]"),        /* an unknown side */
        FR(1, "partial", "BTC-USD", ONE),                                  /* an unknown type */
        FR(1, "snapshot", "BTC-\\u0055SD", ONE),                           /* an escape */
        FR(-1, "snapshot", "BTC-USD", ONE),                                /* a negative number */
        FR("1", "snapshot", "BTC-USD", ONE),                               /* a string number */
        FR(1e3, "snapshot", "BTC-USD", ONE),                               /* an exponent */
        FR(1234567890123456789, "snapshot", "BTC-USD", ONE),               /* 19 digits */
        FR(1, "snapshot", "BTC-USD", "[" UP("bid", "100.001", "1") "]"),   /* not whole ticks */
        FR(1, "snapshot", "BTC-USD", "[" UP("bid", "100", "0.0001") "]"),  /* not whole lots */
        FR(1, "snapshot", "BTC-USD", "[" UP("bid", "100", "-1") "]"),      /* a negative size */
        FR(1, "snapshot", "BTC-USD", "[{\"side\":\"bid\",\"price_level\":1,\"new_quantity\":\"1\"}]"),
        FR(1, "snapshot", "BTC-USD", "[{\"side\":\"bid\",\"new_quantity\":\"1\"}]"), /* no price */
        "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-29T20:32:50.1Z\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}", /* no such day */
        "{\"channel\":\"l2_data\",\"client_id\":\"\",\"sequence_num\":1,"
        "\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}", /* no timestamp */
        "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.1Z\",\"sequence_num\":1,"
        "\"sequence_num\":1,\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}]}",
        FR(1, "snapshot", "BTC-USD", ONE) "x", /* trailing text */
    };
    static jh_work w;
    tb_jsync_coinbase st;
    size_t consumed = 0;
    jh_check_each_handed_back(&VENUE, &st, back, sizeof back / sizeof back[0]);
    /* values are converted only for rows that apply: a presync update with a bad
     * price is decided here, as the checked path (which converts nothing for it) */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, FR(1, "update", "BTC-USD", "[" UP("bid", "100.001", "1") "]"), &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_PRESYNC);
    /* a symbol this code cannot compare: every frame back */
    state_init(&st);
    st.head.sym_state = 2;
    CHECK_EQ(run_all(&st, FR(1, "snapshot", "BTC-USD", ONE), &w, &consumed), TB_JSYNC_HANDBACK);
}

static void test_other_channels(void) {
    /* heartbeats, subscriptions, tickers take their numbers (not a gap), then are NONBOOK */
    static jh_work w;
    tb_jsync_coinbase st;
    size_t consumed = 0;
    const char *data =
        "{\"channel\":\"subscriptions\",\"client_id\":\"\",\"timestamp\":\"x\",\"sequence_num\":0,\"events\":[{"
        "\"subscriptions\":{\"level2\":[\"BTC-USD\"],\"heartbeats\":[]}}]}\n" FR(1, "snapshot", "BTC-USD", ONE)
        "\n { \"events\" : [ {\"current_time\":\"x\",\"heartbeat_counter\":3049,\"a\":[true,false,null,-0,{}]} ] ,"
        " \"sequence_num\" : 2 , \"channel\" : \"heartbeats\" } \r\n" FR(3, "update", "BTC-USD", ONE)
        "\n{\"channel\":\"ticker\",\"sequence_num\":3}\n{\"channel\":\"status\"}\n{\"channel\":\"heartbeats\","
        "\"sequence_num\":0}\n" FR(1, "update", "BTC-USD", ONE) "\n{\"channel\":\"heartbeats\",\"sequence_num\":5}\n";
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 8);
    CHECK_EQ(w.kind[0], TB_JSYNC_NONBOOK);
    CHECK_EQ(w.kind[1], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.kind[2], TB_JSYNC_NONBOOK); /* number 2: the update at 3 follows it */
    CHECK_EQ(w.kind[3], TB_JSYNC_DELTA);
    CHECK_EQ(w.kind[4], TB_JSYNC_STALE);   /* a ticker at 3 again */
    CHECK_EQ(w.kind[5], TB_JSYNC_NONBOOK); /* no number: changes nothing */
    CHECK_EQ(w.kind[6], TB_JSYNC_NONBOOK); /* 0: a new connection ... */
    CHECK_EQ(w.kind[7], TB_JSYNC_PRESYNC); /* ... out of sync until its snapshot */
    CHECK_EQ(w.seq[2], -1);
    CHECK_EQ(w.row_end[7], 2);
    /* 5 after 1: a gap at a heartbeat, handed back with nothing changed */
    CHECK_EQ(st.last_seq, 1);
    CHECK_EQ(st.head.synced, 0);
    CHECK_EQ(st.head.line, 9);
    CHECK_EQ(st.head.sym_state, 1);
}

static void test_splits_and_capacities(void) {
    static char data[4096];
    static jh_work whole;
    tb_jsync_coinbase st;
    int64_t handed_whole = 0;
    snprintf(data, sizeof data, "%s\n%s\n\n{\"channel\":\"heartbeats\"}\n%s\r\n%s\n%s\n%s\n%s",
             FR(0, "update", "BTC-USD", ONE),
             FR(1, "snapshot", "BTC-USD", "[" UP("offer", "3", "4") "," UP("bid", "1", "2") "]"),
             FR(2, "update", "BTC-USD", "[" UP("bid", "1", "2") "," UP("bid", "3", "4") "]"),
             FR(3, "update", "ETH-USD", ONE), FR(4, "update", "BTC-USD", "[" UP("bid", "1.001", "1") "]"),
             FR(3, "update", "BTC-USD", ONE), FR(4, "snapshot", "BTC-USD", ONE));
    jh_drive(&VENUE, &st, data, strlen(data), strlen(data), CAP, CAP, &whole, &handed_whole);
    CHECK_EQ(whole.out.n_msgs, 7);
    CHECK_EQ(handed_whole, 1); /* the inexact price */
    CHECK_EQ(whole.out.n_rows, 5);
    CHECK_EQ(whole.kind[2], TB_JSYNC_NONBOOK); /* the heartbeat (no number) */
    CHECK_EQ(whole.kind[4], TB_JSYNC_NONBOOK);
    CHECK_EQ(whole.kind[5], TB_JSYNC_STALE);
    CHECK_EQ(whole.kind[6], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(whole.line[6], 9);
    jh_check_splits(&VENUE, &st, data, &whole, handed_whole);
}

static void test_arguments(void) {
    tb_jsync_coinbase st;
    jh_check_arguments(&VENUE, &st, FR(5, "snapshot", "BTC-USD", ONE));
    CHECK_EQ(st.head.synced, 1);
    CHECK_EQ(st.last_seq, 5);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("json coinbase: snapshot / update / sequence_num rules", test_rules);
    tbt_run("json coinbase: the product taken by a stale frame", test_symbol_taken_by_a_stale_frame);
    tbt_run("json coinbase: more updates than kept", test_many_updates);
    tbt_run("json coinbase: RFC 3339 times", test_times);
    tbt_run("json coinbase: shapes handed back", test_shapes_handed_back);
    tbt_run("json coinbase: other channels take numbers", test_other_channels);
    tbt_run("json coinbase: splits and capacities", test_splits_and_capacities);
    tbt_run("json coinbase: arguments", test_arguments);
    return tbt_finish();
}
