/* test_itch_run_rows.c — the ITCH direct path's book step for a shipped book
 * (tb_itch_run.h tb__itch_run_rows: the book claimed once a chunk, each message's level
 * rows through the book's inline set, its BBO row written at once) against the two calls
 * it replaces (tb__itch_run_traced: ops->bbo, then ops->bbo_trace into r->trace). The
 * driver takes the step when its ops table is tb_feed_ops_for's and the two calls for any
 * other table, so a copy of the same table is the reference: the same bytes through both
 * must give the same rows, counters, stops and book. Written in the common subset of C
 * and C++. */
#define TB_FEED_DEFINE_OPS
#include "tapebook.h"
#include "tapebook/tb_feeds.h"

#include "tb_test.h"

/* ---- an ITCH 5.0 day of one stock (locate 7), every order message type ------------- */

enum { DAY_MAX = 1 << 18, DAY_IDS = 4096 };

typedef struct day {
    uint8_t b[DAY_MAX];
    size_t n;
    size_t records;
} day;

static void put(day *d, uint64_t v, size_t bytes) {
    size_t i;
    for (i = 0; i < bytes; i++) d->b[d->n + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    d->n += bytes;
}

/* length prefix and the 11 common bytes (Nasdaq TotalView-ITCH 5.0 §1.1, §4) */
static void head(day *d, size_t len, char type, uint64_t ts) {
    put(d, len, 2);
    put(d, (uint64_t)(unsigned char)type, 1);
    put(d, 7, 2);
    put(d, 0, 2);
    put(d, ts, 6);
    d->records++;
}

/* A random day: adds on both sides over a band wider than the 64-tick tape (the spill
 * and recenters take part), overlapping so that the book crosses now and then, and
 * executions, cancels, deletes and replaces of live and of unknown ids. px_div 100: prices
 * are multiples of 100 (tick 0.01). */
static void make_day(day *d, uint64_t seed) {
    static uint64_t live[DAY_IDS];
    size_t n_live = 0, k;
    uint64_t next_id = 1, ts = 1000;
    tbt_rand_state = seed;
    d->n = d->records = 0;
    while (d->n + 64 < DAY_MAX) {
        const uint64_t r = tbt_rand();
        const unsigned kind = (unsigned)(r % 100);
        const uint64_t id = n_live && (r >> 8) % 16 ? live[(r >> 12) % n_live] : next_id + 100000; /* some unknown */
        const uint32_t px = (uint32_t)(100 * (1000 + (int)((r >> 20) % 300) - 150)), shares = (uint32_t)(1 + (r >> 32) % 500);
        ts += 1 + (r >> 40) % 50;
        if (kind < 45 || !n_live) { /* add: bids around 1000 - 40, asks around 1000 + 40, overlapping */
            const int bid = (int)((r >> 50) & 1);
            const uint32_t p = (uint32_t)((int64_t)px + (bid ? -4000 : 4000));
            head(d, (r >> 51) & 1 ? 40 : 36, (r >> 51) & 1 ? 'F' : 'A', ts);
            put(d, next_id, 8);
            put(d, (uint64_t)(bid ? 'B' : 'S'), 1);
            put(d, shares, 4);
            put(d, 0x4141504c20202020u, 8); /* "AAPL    " */
            put(d, p, 4);
            if ((r >> 51) & 1) put(d, 0x4753434fu, 4); /* MPID */
            if (n_live < DAY_IDS) live[n_live++] = next_id;
            next_id++;
        } else if (kind < 60) { /* execute */
            head(d, 31, 'E', ts);
            put(d, id, 8);
            put(d, shares / 4, 4);
            put(d, 77, 8);
        } else if (kind < 65) { /* execute with price */
            head(d, 36, 'C', ts);
            put(d, id, 8);
            put(d, shares, 4);
            put(d, 78, 8);
            put(d, 'Y', 1);
            put(d, px, 4);
        } else if (kind < 78) { /* partial cancel */
            head(d, 23, 'X', ts);
            put(d, id, 8);
            put(d, shares / 2, 4);
        } else if (kind < 90) { /* delete */
            head(d, 19, 'D', ts);
            put(d, id, 8);
        } else { /* replace: a new id at a new price, the old side */
            head(d, 35, 'U', ts);
            put(d, id, 8);
            put(d, next_id, 8);
            put(d, shares, 4);
            put(d, px, 4);
            for (k = 0; k < n_live; k++)
                if (live[k] == id) live[k] = next_id;
            next_id++;
        }
    }
}

/* ---- one replay of the day through tb_itch_run_block ----------------------------- */

enum { ROWS_MAX = DAY_MAX / 19, LEVELS = 1024 };

typedef struct replay {
    tb_book_i64_n64 *book;
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fst;
    tb_itch_run run;
    tb_feed_row rows[ROWS_MAX];
    size_t n_rows;
    int rc;           /* the last call's */
    size_t consumed;  /* bytes consumed in all */
    int64_t line;     /* a BOOK_ERROR stop's */
    int status;
    uint8_t bad_side;
    int64_t bad_px;
    uint64_t bad_qty;
} replay;

/* The day's bytes in calls of `room` rows (the Python path drains its sink after each);
 * stops at the first result other than DONE. */
static tb_spill_pool_i64 *g_pool; /* the books' spill pool (NULL: none) */

static void start(replay *p) {
    CHECK_EQ(tb_book_i64_n64_create(&p->book, 900, 1u << 10, g_pool), TB_OK);
    tb_itch_init(&p->st, 7, NULL);
    CHECK_EQ(tb_olog_init(&p->g, 64, 0x9e3779b97f4a7c15u), TB_OK);
    memset(&p->fst, 0, sizeof p->fst);
    p->fst.in_sync = 1;
    tb_itch_run_init(&p->run, 5);
    p->n_rows = 0;
}

static void run_day(replay *p, const day *d, const tb_feed_ops *ops, size_t room, int64_t px_div) {
    size_t pos = 0;
    start(p);
    for (;;) {
        p->rc = tb_itch_run_block(&p->run, &p->st, &p->g, p->book, ops, d->b + pos, d->n - pos, px_div, 1, 0, 0,
                                  p->rows + p->n_rows, NULL, room, NULL, 0, &p->fst);
        p->n_rows += p->run.msgs;
        pos += p->run.consumed;
        if (p->rc != TB_ITCH_RUN_DONE || p->run.msgs < room) break;
        CHECK(p->n_rows + room <= ROWS_MAX);
    }
    p->consumed = pos;
    p->line = p->run.line;
    p->status = p->run.book_status;
    p->bad_side = p->run.bad_side;
    p->bad_px = p->run.bad_px;
    p->bad_qty = p->run.bad_qty;
}

static void done(replay *p) {
    tb_olog_free(&p->g);
    tb_book_i64_n64_destroy(p->book);
}

/* the same rows, counters, stop and book */
static void check_same(const replay *a, const replay *b) {
    static tb_level_i64 la[LEVELS], lb[LEVELS];
    int side;
    CHECK_EQ(a->rc, b->rc);
    CHECK_EQ_U(a->n_rows, b->n_rows);
    CHECK(memcmp(a->rows, b->rows, a->n_rows * sizeof a->rows[0]) == 0);
    CHECK_EQ_U(a->consumed, b->consumed);
    CHECK_EQ_U(a->st.records, b->st.records);
    CHECK_EQ_U(a->fst.messages, b->fst.messages);
    CHECK_EQ_U(a->fst.rows, b->fst.rows);
    CHECK_EQ_U(a->fst.crossed, b->fst.crossed);
    CHECK_EQ_U(a->fst.skipped, b->fst.skipped);
    CHECK_EQ_U(a->g.ocount, b->g.ocount);
    if (a->rc == TB_FEED_BOOK_ERROR) {
        CHECK_EQ(a->line, b->line);
        CHECK_EQ(a->status, b->status);
        CHECK_EQ(a->bad_side, b->bad_side);
        CHECK_EQ(a->bad_px, b->bad_px);
        CHECK_EQ_U(a->bad_qty, b->bad_qty);
    }
    for (side = 0; side < 2; side++) {
        const int na = tb_book_i64_n64_levels_n(a->book, side, la, LEVELS);
        const int nb = tb_book_i64_n64_levels_n(b->book, side, lb, LEVELS);
        CHECK_EQ(na, nb);
        CHECK(na >= 0 && memcmp(la, lb, (size_t)na * sizeof la[0]) == 0);
    }
}

static day the_day;
static replay fast, ref;

/* Random days through both, in rooms of one row (a chunk a message), 100, 256 (the
 * chunk) and all: the same everything, with crossed rows among them. */
static void test_same_as_two_calls(void) {
    tb_feed_ops copy = *tb_feed_ops_for(64); /* not the shipped table: the two calls */
    static const size_t rooms[] = {1, 100, 256, ROWS_MAX};
    uint64_t seed;
    size_t k;
    for (seed = 1; seed <= 3; seed++) {
        make_day(&the_day, seed);
        for (k = 0; k < sizeof rooms / sizeof rooms[0]; k++) {
            run_day(&fast, &the_day, tb_feed_ops_for(64), rooms[k], 100);
            run_day(&ref, &the_day, &copy, rooms[k], 100);
            CHECK_EQ(fast.rc, TB_ITCH_RUN_DONE);
            CHECK(fast.n_rows > 1000);
            CHECK(fast.fst.crossed > 0);
            check_same(&fast, &ref);
            /* the step did take the shipped book's rows: bbo_trace's BBOs stayed unwritten */
            CHECK(fast.run.trace[0].bid_qty == 0 && fast.run.trace[0].ask_qty == 0);
            CHECK(ref.run.trace[0].bid_qty != 0 || ref.run.trace[0].ask_qty != 0);
            done(&fast);
            done(&ref);
        }
    }
}

/* Books drawing their spill from a pool: the claim takes the pool's guard too and must
 * give it back every chunk (review31d: an unclaim that kept the pool held passed every
 * test; in the guarded build the next chunk's claim then fails and the fallback's
 * bbo_trace refuses as busy). */
static void test_pooled_book(void) {
    tb_feed_ops copy = *tb_feed_ops_for(64);
    CHECK_EQ(tb_spill_pool_i64_create(&g_pool, 1u << 14, TB_POOL_FALLBACK), TB_OK);
    make_day(&the_day, 4);
    run_day(&fast, &the_day, tb_feed_ops_for(64), 100, 100);
    run_day(&ref, &the_day, &copy, 100, 100);
    CHECK_EQ(fast.rc, TB_ITCH_RUN_DONE);
    CHECK(fast.st.records > 3 * TB_ITCH_RUN_CHUNK); /* several chunks, each claimed */
    check_same(&fast, &ref);
    CHECK(fast.run.trace[0].bid_qty == 0 && fast.run.trace[0].ask_qty == 0); /* the step ran */
    done(&fast);
    done(&ref);
    CHECK_EQ(tb_spill_pool_i64_destroy(g_pool), TB_OK);
    g_pool = NULL;
}

/* A locked book (bid price equal to the ask's) is a crossed row, flagged and counted, as a
 * crossed one (review31d: `>` for `>=` in tb__feed_put passed every test). */
static void test_locked_book_is_crossed(void) {
    static day d;
    size_t i;
    d.n = d.records = 0;
    head(&d, 36, 'A', 1000); /* a bid at 10.00 */
    put(&d, 1, 8);
    put(&d, 'B', 1);
    put(&d, 100, 4);
    put(&d, 0x4141504c20202020u, 8);
    put(&d, 100000, 4);
    head(&d, 36, 'A', 1001); /* an ask at the same price: locked */
    put(&d, 2, 8);
    put(&d, 'S', 1);
    put(&d, 50, 4);
    put(&d, 0x4141504c20202020u, 8);
    put(&d, 100000, 4);
    head(&d, 36, 'A', 1002); /* an ask a tick above: still locked at the best */
    put(&d, 3, 8);
    put(&d, 'S', 1);
    put(&d, 70, 4);
    put(&d, 0x4141504c20202020u, 8);
    put(&d, 100100, 4);
    head(&d, 19, 'D', 1003); /* the locking ask leaves: no longer crossed */
    put(&d, 2, 8);
    for (i = 0; i < 2; i++) {
        tb_feed_ops copy = *tb_feed_ops_for(64);
        replay *p = i ? &ref : &fast;
        run_day(p, &d, i ? &copy : tb_feed_ops_for(64), 64, 100);
        CHECK_EQ(p->rc, TB_ITCH_RUN_DONE);
        CHECK_EQ_U(p->n_rows, 4);
        CHECK_EQ(p->rows[1].bid_px, p->rows[1].ask_px);
        CHECK_EQ(p->rows[0].flags & TB_FEED_FLAG_CROSSED, 0);
        CHECK_EQ(p->rows[1].flags & TB_FEED_FLAG_CROSSED, TB_FEED_FLAG_CROSSED);
        CHECK_EQ(p->rows[2].flags & TB_FEED_FLAG_CROSSED, TB_FEED_FLAG_CROSSED);
        CHECK_EQ(p->rows[3].flags & TB_FEED_FLAG_CROSSED, 0);
        CHECK_EQ_U(p->fst.crossed, 2);
    }
    check_same(&fast, &ref);
    done(&fast);
    done(&ref);
}

/* A book that refuses changes (an L3 book's L2 view: read-only) cannot be claimed: the
 * step falls back to the two calls and stops where they stop, with the same row named. */
static void test_read_only_book(void) {
    tb_feed_ops copy = *tb_feed_ops_for(64);
    make_day(&the_day, 9);
    /* the first call's book is read-only from the start: both stop at the first message
     * with a level row */
    start(&fast);
    start(&ref);
    fast.book->owned = 1;
    ref.book->owned = 1;
    fast.rc = tb_itch_run_block(&fast.run, &fast.st, &fast.g, fast.book, tb_feed_ops_for(64), the_day.b, the_day.n,
                                100, 1, 0, 0, fast.rows, NULL, 512, NULL, 0, &fast.fst);
    ref.rc = tb_itch_run_block(&ref.run, &ref.st, &ref.g, ref.book, &copy, the_day.b, the_day.n, 100, 1, 0, 0,
                               ref.rows, NULL, 512, NULL, 0, &ref.fst);
    CHECK_EQ(fast.rc, TB_FEED_BOOK_ERROR);
    CHECK_EQ(fast.run.book_status, ref.run.book_status);
    CHECK_EQ(fast.run.line, ref.run.line);
    CHECK_EQ_U(fast.run.msgs, ref.run.msgs);
    CHECK_EQ_U(fast.run.consumed, ref.run.consumed);
    CHECK_EQ(fast.run.bad_side, ref.run.bad_side);
    CHECK_EQ(fast.run.bad_px, ref.run.bad_px);
    fast.book->owned = 0;
    ref.book->owned = 0;
    done(&fast);
    done(&ref);
}

/* A level row the book refuses (a price outside the 64-bit book's range: no ITCH price
 * gets there, so the rows are written by hand): the step stops at its message as
 * bbo_trace's refusal stops the two calls — the messages before it written and counted,
 * the rows before it applied, the row named. */
static void test_refused_row(void) {
    static tb_itch_run r_fast, r_ref;
    static tb_feed_row out_fast[4], out_ref[4];
    static const uint8_t side[5] = {1, 0, 1, 0, 1};
    static const int64_t px[5] = {950, 1010, 960, INT64_MAX, 1000};
    static const uint64_t qty[5] = {5, 6, 7, 8, 9};
    static const int64_t end[4] = {2, 2, 4, 5}, rec[4] = {3, 4, 6, 9}, ts[4] = {10, 11, 12, 13};
    tb_book_i64_n64 *a = NULL, *b = NULL;
    tb_feed_state fa, fb;
    tb_itch_run *rr[2];
    size_t i, k;
    int rc[2];
    rr[0] = &r_fast;
    rr[1] = &r_ref;
    CHECK_EQ(tb_book_i64_n64_create(&a, 900, 1u << 10, NULL), TB_OK);
    CHECK_EQ(tb_book_i64_n64_create(&b, 900, 1u << 10, NULL), TB_OK);
    memset(&fa, 0, sizeof fa);
    memset(&fb, 0, sizeof fb);
    for (k = 0; k < 2; k++) {
        tb_itch_run_init(rr[k], 100);
        for (i = 0; i < 5; i++) {
            rr[k]->l_side[i] = side[i];
            rr[k]->l_px[i] = px[i];
            rr[k]->l_qty[i] = qty[i];
        }
        for (i = 0; i < 4; i++) {
            rr[k]->c_record[i] = rec[i];
            rr[k]->c_ts[i] = ts[i];
            rr[k]->l_end[i] = end[i];
        }
        rr[k]->log.n_l2 = 5;
    }
    rc[0] = tb__itch_run_book(&r_fast, 0, 4, a, tb_feed_ops_for(64), 0, 0, out_fast, NULL, NULL, 0, &fa);
    {
        tb_feed_ops copy = *tb_feed_ops_for(64);
        rc[1] = tb__itch_run_book(&r_ref, 0, 4, b, &copy, 0, 0, out_ref, NULL, NULL, 0, &fb);
    }
    CHECK_EQ(rc[0], TB_FEED_BOOK_ERROR);
    CHECK_EQ(rc[1], TB_FEED_BOOK_ERROR);
    CHECK_EQ(r_fast.line, 6);
    CHECK_EQ(r_fast.line, r_ref.line);
    CHECK_EQ(r_fast.book_status, TB_ERR_PRICE);
    CHECK_EQ(r_fast.book_status, r_ref.book_status);
    CHECK_EQ(r_fast.bad_side, r_ref.bad_side);
    CHECK_EQ(r_fast.bad_px, INT64_MAX);
    CHECK_EQ_U(r_fast.bad_qty, r_ref.bad_qty);
    CHECK_EQ_U(r_fast.msgs, 2);
    CHECK_EQ_U(r_fast.msgs, r_ref.msgs);
    CHECK(memcmp(out_fast, out_ref, 2 * sizeof out_fast[0]) == 0);
    CHECK_EQ_U(fa.messages, fb.messages);
    CHECK_EQ_U(fa.rows, fb.rows);
    CHECK_EQ_U(fa.crossed, fb.crossed);
    CHECK_EQ(tb_book_i64_n64_best_bid_px(a), 960); /* row 2, of the refused message, applied */
    CHECK_EQ(tb_book_i64_n64_best_bid_px(a), tb_book_i64_n64_best_bid_px(b));
    CHECK_EQ_U(tb_book_i64_n64_best_ask_qty(a), tb_book_i64_n64_best_ask_qty(b));
    tb_book_i64_n64_destroy(a);
    tb_book_i64_n64_destroy(b);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("itch_run_rows_same_as_two_calls", test_same_as_two_calls);
    tbt_run("itch_run_rows_read_only_book", test_read_only_book);
    tbt_run("itch_run_rows_refused_row", test_refused_row);
    tbt_run("itch_run_rows_pooled_book", test_pooled_book);
    tbt_run("itch_run_rows_locked_book_is_crossed", test_locked_book_is_crossed);
    return tbt_finish();
}
