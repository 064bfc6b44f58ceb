/* test_itch_run.c — tb_itch_run.h, the ITCH direct path's C driver, where its Python tests
 * (tests/python/feeds/test_itch_direct.py: both paths byte for byte) cannot reach.
 *
 * A record the order log refuses (a level total past UINT64_MAX: ITCH shares are 32-bit,
 * so only over 2^32 orders at one price get there) stops the block with TB_ERR_OVERFLOW
 * naming the record and its price (review of stop 24: the stop named nothing and Python
 * raised AssertionError), and the next call resumes after it (issue 15: the replay ended
 * on any on_error policy). Written in the common subset of C and C++. */
#include "tapebook.h"
#include "tapebook/tb_feeds.h"

#include "tb_test.h"

#include "itch_records.h"

/* A stand-in book: it keeps the level rows it is given and its BBO stays empty (never
 * crossed), so the test sees which records reached it, on both of the driver's book paths
 * (bbo_trace, and tb_feed_run's apply when stop_on_crossed is set). */
typedef struct stub_book {
    size_t n;
    int64_t px[16];
    uint64_t qty[16];
} stub_book;

static int stub_keep(stub_book *s, const int64_t *px, const uint64_t *qty, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (s->n == 16) return TB_ERR_FULL;
        s->px[s->n] = px[i];
        s->qty[s->n++] = qty[i];
    }
    return TB_OK;
}

static int stub_bbo(void *b, tb_bbo_i64 *o) {
    (void)b;
    memset(o, 0, sizeof *o);
    return TB_OK;
}

static int stub_apply(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n, int8_t *res,
                      size_t *done) {
    (void)side, (void)res;
    *done = n;
    return stub_keep((stub_book *)b, px, qty, n);
}

static int stub_trace(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n,
                      tb_bbo_i64 *out, size_t *done) {
    size_t i;
    (void)side;
    for (i = 0; i < n; i++) stub_bbo(b, &out[i]);
    *done = n;
    return stub_keep((stub_book *)b, px, qty, n);
}

/* An empty input, an in-sync replay state and the stub book's ops. */
static void stub_setup(buf *b, tb_feed_state *fst, tb_feed_ops *ops, stub_book *book) {
    memset(b, 0, sizeof *b);
    memset(fst, 0, sizeof *fst);
    memset(ops, 0, sizeof *ops);
    memset(book, 0, sizeof *book);
    fst->in_sync = 1;
    ops->bbo = stub_bbo;
    ops->apply = stub_apply;
    ops->bbo_trace = stub_trace;
}

/* The level at 1500000 primed near UINT64_MAX through tb_olog_apply (its rows take 64-bit
 * quantities; a file cannot get there: ITCH shares are 32-bit, so over 2^32 orders at one
 * price would be needed, which is why tests/python/feeds cannot reach this stop). */
static void prime_level(tb_olog *g) {
    uint8_t act = 'A', side = 1, m_act[3], m_side[3], l_side[3];
    uint64_t id = 999, nid = 0, qty = UINT64_MAX - 5, m_id[3], m_qty[3], l_qty[3];
    int64_t px = 1500000, ts = 0, rec = 1, m_px[3], m_end[1], l_px[3], l_end[1];
    tb_itch_rows in;
    tb_olog_out lo;
    size_t done = 0;
    memset(&in, 0, sizeof in);
    memset(&lo, 0, sizeof lo);
    in.action = &act; in.order_id = &id; in.new_id = &nid; in.side = &side; in.px = &px; in.qty = &qty;
    in.ts = &ts; in.record = &rec; in.cap = 1; in.n = 1;
    lo.action = m_act; lo.order_id = m_id; lo.side = m_side; lo.px = m_px; lo.qty = m_qty; lo.mbo_end = m_end;
    lo.l2_side = l_side; lo.l2_px = l_px; lo.l2_qty = l_qty; lo.l2_end = l_end;
    CHECK_EQ(tb_olog_init(g, 64, 1), TB_OK);
    CHECK_EQ(tb_olog_apply(g, &in, 1, &lo, &done), TB_OK);
}

/* Records 3 and 4 (adds at the primed price) are refused. Each stops the block with
 * TB_ERR_OVERFLOW naming the record and its price (counted level_overflow, the order does
 * not rest, no row), after the records before it reached the book; the next call takes up
 * the records after it, so the replay's rows are the reader path's, where the refused
 * record is an ERROR message the on_error policy skips (issue 15: the direct path ended
 * the replay on any policy). Before the fix the first call wrote no row and nothing
 * resumed. */
/* What check_overflow_resumes passes to every call that only resumes (no new bytes). */
typedef struct {
    tb_itch_run *run;
    tb_itch_state *st;
    tb_olog *g;
    stub_book *book;
    tb_feed_ops *ops;
    tb_feed_state *fst;
    tb_feed_row *out;
    const uint8_t *at; /* the end of the chunk already handed in */
    uint32_t stop_on_crossed;
} resume_args;

/* tb_itch_run_block with no new bytes and `room` rows of out: the rest of the chunk. */
static int resume(const resume_args *c, size_t room) {
    return tb_itch_run_block(c->run, c->st, c->g, c->book, c->ops, c->at, 0, 1, 1, c->stop_on_crossed, 0, c->out,
                             NULL, room, NULL, 0, c->fst);
}

static void check_overflow_resumes(uint32_t stop_on_crossed) {
    static tb_itch_run run;
    static tb_feed_row out[8];
    static buf b;
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fst;
    tb_feed_ops ops;
    stub_book book;
    size_t consumed;
    resume_args c;
    stub_setup(&b, &fst, &ops, &book);
    add(&b, 'A', 7, 10, 1, 'B', 5, "AAPL", 1500100); /* record 1: another price */
    add(&b, 'A', 7, 11, 2, 'B', 3, "AAPL", 1499900); /* record 2 */
    add(&b, 'A', 7, 12, 3, 'B', 6, "AAPL", 1500000); /* record 3: 6 more would pass UINT64_MAX */
    add(&b, 'A', 7, 13, 4, 'B', 7, "AAPL", 1500000); /* record 4: refused too */
    add(&b, 'A', 7, 14, 5, 'S', 4, "AAPL", 1500300); /* record 5 */
    tb_itch_init(&st, 7, NULL);
    prime_level(&g);
    tb_itch_run_init(&run, 100);
    CHECK_EQ(tb_itch_run_block(&run, &st, &g, &book, &ops, b.b, b.n, 1, 1, stop_on_crossed, 0, out, NULL, 8, NULL,
                               0, &fst),
             TB_ERR_OVERFLOW);
    CHECK_EQ(run.line, 3);
    CHECK_EQ(run.bad_px, 1500000);
    CHECK_EQ_U(run.consumed, b.n); /* the chunk was decoded whole: the rest waits in run */
    CHECK_EQ_U(run.msgs, 2);       /* records 1-2 reached the book first */
    CHECK_EQ(out[0].seq, 100);
    CHECK_EQ(out[1].seq, 101);
    CHECK_EQ_U(book.n, 2);
    CHECK_EQ(book.px[0], 1500100);
    CHECK_EQ(book.px[1], 1499900);
    CHECK_EQ_U(fst.messages, 2);
    CHECK_EQ_U(g.level_overflow, 1);
    consumed = run.consumed;
    c.run = &run;
    c.st = &st;
    c.g = &g;
    c.book = &book;
    c.ops = &ops;
    c.fst = &fst;
    c.out = out;
    c.at = b.b + consumed;
    c.stop_on_crossed = stop_on_crossed;
    /* out too small for the two records left: refused, nothing done */
    CHECK_EQ(resume(&c, 1), TB_ERR_BADARG);
    CHECK_EQ_U(book.n, 2);
    CHECK_EQ_U(g.level_overflow, 1);
    /* record 4 refused in turn, with no record before it in this call */
    CHECK_EQ(resume(&c, 8), TB_ERR_OVERFLOW);
    CHECK_EQ(run.line, 4);
    CHECK_EQ_U(run.msgs, 0);
    CHECK_EQ_U(run.consumed, 0);
    CHECK_EQ_U(g.level_overflow, 2);
    /* record 5 */
    CHECK_EQ(resume(&c, 8), TB_ITCH_RUN_DONE);
    CHECK_EQ_U(run.msgs, 1);
    CHECK_EQ(out[0].seq, 104);
    CHECK_EQ_U(book.n, 3);
    CHECK_EQ(book.px[2], 1500300);
    CHECK_EQ_U(book.qty[2], 4);
    CHECK_EQ_U(fst.messages, 3);
    /* nothing is left: a further call does nothing */
    CHECK_EQ(resume(&c, 8), TB_ITCH_RUN_DONE);
    CHECK_EQ_U(run.msgs, 0);
    CHECK_EQ_U(book.n, 3);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 3)].qty, 0);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 4)].qty, 0);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 5)].qty, 4);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 999)].qty, UINT64_MAX - 5);
    tb_olog_free(&g);
}

static void test_level_overflow_traced(void) { check_overflow_resumes(0); }

static void test_level_overflow_feed_run(void) { check_overflow_resumes(1); }

/* The one pass refused at the chunk's last record but one: the single record after the
 * refused one must wait for the resuming call (review30b: the pass dropped it when it was
 * the only one, as no test had exactly one). */
static void check_overflow_one_after(uint32_t stop_on_crossed) {
    static tb_itch_run run;
    static tb_feed_row out[8];
    static buf b;
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fst;
    tb_feed_ops ops;
    stub_book book;
    stub_setup(&b, &fst, &ops, &book);
    add(&b, 'A', 7, 10, 1, 'B', 5, "AAPL", 1500100); /* record 1 */
    add(&b, 'A', 7, 11, 2, 'B', 6, "AAPL", 1500000); /* record 2: refused */
    add(&b, 'A', 7, 12, 3, 'S', 4, "AAPL", 1500300); /* record 3: the only one after it */
    tb_itch_init(&st, 7, NULL);
    prime_level(&g);
    tb_itch_run_init(&run, 0);
    CHECK_EQ(tb_itch_run_block(&run, &st, &g, &book, &ops, b.b, b.n, 1, 1, stop_on_crossed, 0, out, NULL, 8, NULL,
                               0, &fst),
             TB_ERR_OVERFLOW);
    CHECK_EQ(run.line, 2);
    CHECK_EQ_U(run.msgs, 1);
    CHECK_EQ_U(run.consumed, b.n);
    CHECK_EQ(tb_itch_run_block(&run, &st, &g, &book, &ops, b.b + b.n, 0, 1, 1, stop_on_crossed, 0, out, NULL, 8,
                               NULL, 0, &fst),
             TB_ITCH_RUN_DONE);
    CHECK_EQ_U(run.msgs, 1);
    CHECK_EQ(out[0].seq, 2); /* record 3 */
    CHECK_EQ_U(book.n, 2);
    CHECK_EQ(book.px[1], 1500300);
    CHECK_EQ_U(book.qty[1], 4);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 3)].qty, 4);
    CHECK_EQ_U(g.level_overflow, 1);
    tb_olog_free(&g);
}

static void test_overflow_one_after_traced(void) { check_overflow_one_after(0); }

static void test_overflow_one_after_feed_run(void) { check_overflow_one_after(1); }

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("itch_run_level_overflow_traced", test_level_overflow_traced);
    tbt_run("itch_run_level_overflow_feed_run", test_level_overflow_feed_run);
    tbt_run("itch_run_overflow_one_record_after_traced", test_overflow_one_after_traced);
    tbt_run("itch_run_overflow_one_record_after_feed_run", test_overflow_one_after_feed_run);
    return tbt_finish();
}
