/* test_json_coinbase.c — tb_json_coinbase.h: Coinbase l2_data lines to replay
 * messages with the venue's connection-wide sequence_num rules in C, and the
 * RFC 3339 times of tb_rfc3339.h.
 *
 * Hand-checked streams for every rule (presync updates, snapshot with sides
 * interleaved -> bids first, stale repeats, a new connection at 0, other
 * products, a gap -> hand-back with nothing changed, check_sequence off),
 * times against hand-computed ns (leap days, a leap second, +00:00, fractions)
 * and the forms refused, and with the last minute kept against without; other channels' frames taking numbers (NONBOOK,
 * STALE, a new connection, a gap); shapes handed back (key order, extra keys,
 * unknown sides and types, in any event, seventeen events, escapes, bad
 * values, other channels' JSON beyond the plain subset); frames of several
 * events (a snapshot after updates, other products' events, none, sixteen,
 * more updates than the shape pass keeps); the shared split / capacity /
 * argument checks of jsync_harness.h. Written in the common subset of C and
 * C++. */
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
/* a frame of any events (written with EVT) */
#define FRE(seq, events)                                                                                      \
    "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.714964855Z\",\"sequence_num\":" \
    #seq ",\"events\":[" events "]}"
#define EVT(type, prod, ups) "{\"type\":\"" type "\",\"product_id\":\"" prod "\",\"updates\":" ups "}"
#define T0 INT64_C(1675974770714964855) /* 2023-02-09T20:32:50.714964855Z */
#define ONE "[" UP("bid", "100.5", "1.25") "]"
#define NONE "[]"
#define E4 EVT("update", "BTC-USD", NONE) "," EVT("update", "BTC-USD", NONE) "," EVT("update", "BTC-USD", NONE) "," \
    EVT("update", "BTC-USD", NONE)
#define SEVENTEEN_EVENTS E4 "," E4 "," E4 "," E4 "," EVT("update", "BTC-USD", NONE)
#define SIXTEEN_EVENTS E4 "," E4 "," E4 "," E4

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

static void test_several_events(void) {
    /* coinbase.py's rules for a frame of several events: the events of another
     * product are skipped (their values unread), a snapshot of ours drops the rows
     * of the events before it, the rows are the bids of all the events kept, in
     * order, then their asks; a frame with no event of ours (none at all, too) is
     * NONBOOK and still takes its number */
    static jh_work w;
    tb_jsync_coinbase st;
    size_t consumed = 0, k;
    static const int64_t px[] = {10000, 9900, 10100, 10200, 9800, 9700, 10300, 5000, 6000, 100};
    static const uint8_t side[] = {1, 1, 0, 0, 1, 1, 0, 1, 0, 1};
    static const char *const frames[] = {
        FRE(0, EVT("snapshot", "BTC-USD", "[" UP("bid", "100", "1") "," UP("offer", "101", "2") "]") "," EVT(
                   "update", "BTC-USD", "[" UP("offer", "102", "4") "," UP("bid", "99", "3") "]")),
        FRE(1, EVT("update", "BTC-USD", "[" UP("bid", "98", "1") "]") "," EVT("update", "ETH-USD", ONE) "," EVT(
                   "update", "BTC-USD", "[" UP("offer", "103", "1") "," UP("bid", "97", "2") "]")),
        FRE(2, EVT("update", "BTC-USD", "[" UP("bid", "96", "1") "]") "," EVT(
                   "snapshot", "BTC-USD", "[" UP("bid", "50", "1") "]") "," EVT("update", "BTC-USD",
                                                                                "[" UP("offer", "60", "1") "]")),
        FRE(3, EVT("snapshot", "ETH-USD", ONE) "," EVT("update", "ETH-USD", ONE)),
        FRE(4, ),
        FRE(5, EVT("update", "ETH-USD", "[" UP("bid", "1.001", "1") "]") "," EVT("update", "BTC-USD",
                                                                               "[" UP("bid", "1", "1") "]")),
        FRE(5, EVT("update", "BTC-USD", ONE) "," EVT("update", "BTC-USD", ONE)),
        FRE(0, EVT("update", "BTC-USD", ONE) "," EVT("update", "BTC-USD", ONE)),
        FRE(1, SIXTEEN_EVENTS),
        FRE(3, EVT("update", "BTC-USD", ONE) "," EVT("update", "BTC-USD", ONE)),
    };
    static char data[16384];
    data[0] = '\0';
    for (k = 0; k < sizeof frames / sizeof frames[0]; k++) {
        CHECK(strlen(data) + strlen(frames[k]) + 2 <= sizeof data);
        strcat(data, frames[k]);
        strcat(data, "\n");
    }
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st, data, &w, &consumed), TB_JSYNC_HANDBACK);
    CHECK_EQ(w.out.n_msgs, 9);
    CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.row_end[0], 4);
    CHECK_EQ(w.kind[1], TB_JSYNC_DELTA); /* the ETH-USD event skipped */
    CHECK_EQ(w.row_end[1], 7);
    CHECK_EQ(w.seq[1], 1);
    CHECK_EQ(w.ts[1], T0);
    CHECK_EQ(w.kind[2], TB_JSYNC_SNAPSHOT); /* the update before it dropped */
    CHECK_EQ(w.row_end[2], 9);
    CHECK_EQ(w.kind[3], TB_JSYNC_NONBOOK); /* another product's snapshot */
    CHECK_EQ(w.kind[4], TB_JSYNC_NONBOOK); /* no event */
    CHECK_EQ(w.kind[5], TB_JSYNC_DELTA);   /* the other product's inexact price is not read */
    CHECK_EQ(w.seq[5], 5);                 /* 3 and 4 were taken: no gap */
    CHECK_EQ(w.row_end[5], 10);
    CHECK_EQ(w.kind[6], TB_JSYNC_STALE);
    CHECK_EQ(w.kind[7], TB_JSYNC_PRESYNC); /* a new connection */
    CHECK_EQ(w.kind[8], TB_JSYNC_PRESYNC); /* sixteen events */
    CHECK_EQ(w.out.n_rows, 10);
    for (k = 0; k < 10; k++) {
        CHECK_MSG(w.side[k] == side[k] && w.px[k] == px[k], "row %u", (unsigned)k);
    }
    CHECK_EQ_U(w.qty[2], 2000u);
    CHECK_EQ_U(w.qty[3], 4000u);
    CHECK_EQ(st.last_seq, 1); /* 3 after 1: a gap, handed back */
    CHECK_EQ(st.head.line, 10);
    /* the first event's product is the replay's: a later one of another is skipped */
    jh_start(&VENUE, &st, &w);
    CHECK_EQ(run_all(&st,
                     FRE(0, EVT("snapshot", "ETH-USD", ONE) "," EVT("snapshot", "BTC-USD",
                                                                    "[" UP("bid", "7", "1") "," UP("bid", "8", "1") "]")),
                     &w, &consumed),
             TB_JSYNC_DONE);
    CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
    CHECK_EQ(w.row_end[0], 1);
    CHECK_EQ(w.px[0], 10050);
    CHECK_EQ(st.head.sym_state, 1);
    CHECK(st.head.sym_len == 7 && memcmp(st.head.symbol, "ETH-USD", 7) == 0);
}

static void test_several_events_beyond_kept(void) {
    /* events whose updates pass the TB__JC_KEPT the shape pass keeps: those not
     * wholly kept are walked again, with the same rows */
    static const size_t counts[][3] = {{60, 10, 0}, {64, 1, 0}, {30, 30, 30}, {0, 70, 2}, {1, 1, 1}};
    static jh_work w;
    static char line[32768];
    tb_jsync_coinbase st;
    size_t c, e, k, consumed = 0;
    for (c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int64_t bid_px[256], ask_px[256];
        size_t len, nb = 0, na = 0, u = 0;
        len = (size_t)snprintf(line, sizeof line,
                               "{\"channel\":\"l2_data\",\"timestamp\":\"2023-02-09T20:32:50Z\",\"sequence_num\":0,"
                               "\"events\":[");
        for (e = 0; e < 3; e++) {
            len += (size_t)snprintf(line + len, sizeof line - len, "%s{\"type\":\"%s\",\"product_id\":\"BTC-USD\","
                                    "\"updates\":[", e ? "," : "", e ? "update" : "snapshot");
            for (k = 0; k < counts[c][e]; k++, u++) {
                int bid = (u * 7) % 3 != 0;
                len += (size_t)snprintf(line + len, sizeof line - len,
                                        "%s{\"side\":\"%s\",\"price_level\":\"%u\",\"new_quantity\":\"1\"}", k ? "," : "",
                                        bid ? "bid" : "offer", (unsigned)(u + 1));
                if (bid)
                    bid_px[nb++] = (int64_t)(u + 1) * 100;
                else
                    ask_px[na++] = (int64_t)(u + 1) * 100;
            }
            len += (size_t)snprintf(line + len, sizeof line - len, "]}");
        }
        snprintf(line + len, sizeof line - len, "]}");
        jh_start(&VENUE, &st, &w);
        CHECK_EQ(run_all(&st, line, &w, &consumed), TB_JSYNC_DONE);
        CHECK_EQ(w.kind[0], TB_JSYNC_SNAPSHOT);
        CHECK_EQ(w.row_end[0], (int64_t)(nb + na));
        for (k = 0; k < nb + na; k++) {
            int bid = k < nb;
            CHECK_MSG(w.side[k] == bid && w.px[k] == (bid ? bid_px[k] : ask_px[k - nb]), "case %u row %u",
                      (unsigned)c, (unsigned)k);
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

static void test_times_with_the_minute_kept(void) {
    /* tb__rfc3339_ns_at with the minute of the time before it kept gives what
     * tb__rfc3339_ns gives, for every pair of these (same minute or not, either
     * one refused) */
    static const char *const times[] = {
        "2023-02-09T20:32:50.714964855Z", "2023-02-09T20:32:51Z", "2023-02-09T20:32:59.9+00:00",
        "2023-02-09T20:32:60Z", "2023-02-09T20:32:61Z", "2023-02-09T20:32:5xZ", "2023-02-09T20:32:50.Z",
        "2023-02-09T20:32:50.1234567891Z", "2023-02-09T20:32:50+01:00", "2023-02-09t20:32:50z",
        "2023-02-09 20:32:50.5Z", "2023-02-09T20:33:00Z", "2023-02-10T20:32:50Z", "2023-02-29T20:32:50Z",
        "2262-04-11T23:47:15.999999999Z", "2262-04-11T23:47:16Z", "1677-09-21T00:12:44Z", "1677-09-21T00:12:45Z",
        "2023-02-09T20:32:", "",
    };
    size_t a, b, n = sizeof times / sizeof times[0];
    for (a = 0; a < n; a++) {
        for (b = 0; b < n; b++) {
            tb__rfc_minute m;
            int64_t x = -1, want = -1;
            int ok, want_ok;
            m.valid = 0;
            (void)tb__rfc3339_ns_at(&m, times[a], strlen(times[a]), &x);
            x = -1;
            ok = tb__rfc3339_ns_at(&m, times[b], strlen(times[b]), &x);
            want_ok = tb__rfc3339_ns(times[b], strlen(times[b]), &want);
            CHECK_MSG(ok == want_ok && (!ok || x == want), "%s after %s", times[b], times[a]);
        }
    }
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
        FRE(1, EVT("update", "BTC-USD", ONE) "," EVT("partial", "BTC-USD", ONE)), /* an unknown type after */
        FRE(1, EVT("update", "BTC-USD", ONE) "," EVT("update", "BTC-USD", "[" UP("buy", "1", "1") "]")),
        FRE(1, EVT("update", "BTC-USD", ONE) ",{\"type\":\"update\",\"product_id\":\"BTC-USD\"}"), /* no updates */
        FRE(1, EVT("update", "BTC-USD", ONE) ",]"),                   /* a trailing comma */
        FRE(1, SEVENTEEN_EVENTS),                                      /* more events than kept */
        FRE(1, EVT("snapshot", "BTC-USD", ONE) "," EVT("update", "BTC-USD", "[" UP("bid", "1.001", "1") "]")),
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
    tbt_run("json coinbase: several events in a frame", test_several_events);
    tbt_run("json coinbase: several events past the kept updates", test_several_events_beyond_kept);
    tbt_run("json coinbase: RFC 3339 times", test_times);
    tbt_run("json coinbase: RFC 3339 times, the minute kept", test_times_with_the_minute_kept);
    tbt_run("json coinbase: shapes handed back", test_shapes_handed_back);
    tbt_run("json coinbase: other channels take numbers", test_other_channels);
    tbt_run("json coinbase: splits and capacities", test_splits_and_capacities);
    tbt_run("json coinbase: arguments", test_arguments);
    return tbt_finish();
}
