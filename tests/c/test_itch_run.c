/* test_itch_run.c — tb_itch_run.h, the ITCH direct path's C driver, where its Python tests
 * (tests/python/feeds/test_itch_direct.py: both paths byte for byte) cannot reach.
 *
 * A record the order log refuses (a level total past UINT64_MAX: ITCH shares are 32-bit,
 * so only over 2^32 orders at one price get there) stops the block with TB_ERR_OVERFLOW
 * naming the record and its price (review of stop 24: the stop named nothing and Python
 * raised AssertionError). Written in the common subset of C and C++. */
#include "tapebook.h"
#include "tapebook/tb_feeds.h"

#include "tb_test.h"

#include "itch_records.h"

/* The level at 1500000 is primed near UINT64_MAX through tb_olog_apply (its rows take
 * 64-bit quantities), then the block's third add, at that price, is refused: the stop
 * names record 3 and the price and counts level_overflow; the refused order does not rest.
 * Records 1-2 were logged; the book is not reached before the refusal (the chunk stops
 * first), so a stand-in pointer and an empty ops table serve. */
static void test_level_overflow(void) {
    static tb_itch_run run;
    static tb_feed_row out[8];
    static buf b;
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fst;
    tb_feed_ops ops;
    int not_a_book = 0;
    uint8_t act = 'A', side = 1, m_act[3], m_side[3], l_side[3];
    uint64_t id = 999, nid = 0, qty = UINT64_MAX - 5, m_id[3], m_qty[3], l_qty[3];
    int64_t px = 1500000, ts = 0, rec = 1, m_px[3], m_end[1], l_px[3], l_end[1];
    tb_itch_rows in;
    tb_olog_out lo;
    size_t done = 0;
    memset(&b, 0, sizeof b);
    memset(&fst, 0, sizeof fst);
    memset(&ops, 0, sizeof ops);
    memset(&in, 0, sizeof in);
    memset(&lo, 0, sizeof lo);
    add(&b, 'A', 7, 10, 1, 'B', 5, "AAPL", 1500100); /* record 1: another price */
    add(&b, 'A', 7, 11, 2, 'B', 3, "AAPL", 1499900); /* record 2 */
    add(&b, 'A', 7, 12, 3, 'B', 6, "AAPL", 1500000); /* record 3: 6 more would pass UINT64_MAX */
    tb_itch_init(&st, 7, NULL);
    CHECK_EQ(tb_olog_init(&g, 64, 1), TB_OK);
    in.action = &act; in.order_id = &id; in.new_id = &nid; in.side = &side; in.px = &px; in.qty = &qty;
    in.ts = &ts; in.record = &rec; in.cap = 1; in.n = 1;
    lo.action = m_act; lo.order_id = m_id; lo.side = m_side; lo.px = m_px; lo.qty = m_qty; lo.mbo_end = m_end;
    lo.l2_side = l_side; lo.l2_px = l_px; lo.l2_qty = l_qty; lo.l2_end = l_end;
    CHECK_EQ(tb_olog_apply(&g, &in, 1, &lo, &done), TB_OK);
    tb_itch_run_init(&run, 0);
    CHECK_EQ(tb_itch_run_block(&run, &st, &g, &not_a_book, &ops, b.b, b.n, 1, 1, 0, 0, out, NULL, 8, NULL, 0, &fst),
             TB_ERR_OVERFLOW);
    CHECK_EQ(run.line, 3);
    CHECK_EQ(run.bad_px, 1500000);
    CHECK_EQ_U(run.msgs, 0);
    CHECK_EQ_U(g.level_overflow, 1);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 3)].qty, 0);
    CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 999)].qty, UINT64_MAX - 5);
    tb_olog_free(&g);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("itch_run_level_overflow", test_level_overflow);
    return tbt_finish();
}
