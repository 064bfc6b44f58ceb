/* fuzz_itch.c — libFuzzer target for tb_itch.h, which reads untrusted ITCH files.
 * Nothing may crash, read out of bounds or hit UB (built with ASan + UBSan);
 * every row is well formed; and the rows do not depend on how the input is cut:
 * decoded in one call with room for everything, and again with reads and
 * output capacities chosen by the input, skipping malformed records the way
 * the Python reader does, the two give the same rows. The rows then go through
 * the ITCH order log (tb_order_log.h): every row applies, within 3 output rows each,
 * and at the end every level's total (those it reported and those the resting orders
 * sit at) is the sum of the quantities of the orders it exports at that price. The
 * log starts at its smallest tables (64 slots), so seeds with more resting orders or
 * far-apart prices (corpus_itch/grow_orders, grow_levels) make both tables grow.
 *
 * The same bytes then go through tb_itch_run_block (tb_itch_run.h), the path every
 * replay without an L3Book takes, fed as the Python scan feeds it (blocks of `step`
 * bytes, a partial record carried into the next block, a malformed record skipped and
 * counted, an output room of `cap` rows drained when full), and must give what the
 * reader path's steps give one after the other: the rows decoded in one call, the
 * order log over all of them, then tb_feed_run message by message (per_message) —
 * the same BBO (and depth) rows, counters, stop and final book.
 *
 * With bit 7 of byte 0 set, both replays' order logs start primed: one order (an id no
 * input order is likely to have) rests at the first add's side and price with
 * UINT64_MAX - that add's shares, so the input's second order at that price passes
 * UINT64_MAX and is refused. The run path then stops with TB_ERR_OVERFLOW and resumes on
 * the next call; the reader path makes the record an ERROR message the policy skips. The same records
 * must be refused and the same rows written (corpus_itch/overflow_resume).
 *
 * Input: byte 0 = the read step (1..128, bits 0-6) and the priming (bit 7), byte 1 = the output capacity (1..64)
 * and the filter (low bits: all stocks, a stock locate, or AAPL by its directory
 * message), byte 2 = the price divisor (1..4, low bits), stop_on_crossed (bit 2),
 * the depth rows' k (0..3, bits 3-4) and the stock locate kept (7 ^ bits 5-7); the
 * rest is the BinaryFILE stream.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_itch.c -o fuzz_itch
 *   ./fuzz_itch -max_total_time=60 corpus_dir
 */
#include "tapebook.h"
#define TB_FEED_DEFINE_OPS
#include "tapebook/tb_feeds.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define MAXROWS 4096

typedef struct cols {
    uint8_t action[MAXROWS], side[MAXROWS];
    uint64_t id[MAXROWS], new_id[MAXROWS], qty[MAXROWS];
    int64_t px[MAXROWS], ts[MAXROWS], rec[MAXROWS];
    size_t n;
} cols;

static cols one, cut;

static tb_itch_rows view(cols *c, size_t cap) {
    tb_itch_rows v;
    v.action = c->action + c->n; v.order_id = c->id + c->n; v.new_id = c->new_id + c->n;
    v.side = c->side + c->n; v.px = c->px + c->n; v.qty = c->qty + c->n; v.ts = c->ts + c->n;
    v.record = c->rec + c->n; v.cap = cap; v.n = 0;
    return v;
}

static uint16_t g_locate = 7; /* mode 1's stock locate (from the input) */

static void init(tb_itch_state *st, unsigned mode) {
    if (mode == 0) tb_itch_init(st, 0, NULL);
    else if (mode == 1) tb_itch_init(st, g_locate, NULL);
    else tb_itch_init(st, 0, "AAPL    ");
}

/* decode data[0..len) with reads of `step` bytes and `cap` rows a call, skipping bad records */
static void run(cols *c, const uint8_t *data, size_t len, size_t step, size_t cap, unsigned mode, int64_t pxd) {
    tb_itch_state st;
    size_t pos = 0, have = 0;
    c->n = 0;
    init(&st, mode);
    for (;;) {
        size_t used = 0, room = MAXROWS - c->n < cap ? MAXROWS - c->n : cap;
        tb_itch_rows v;
        int rc;
        if (room == 0) return;
        v = view(c, room);
        rc = tb_itch_decode(&st, data + pos, have - pos, pxd, 1, &v, &used);
        CHECK(used <= have - pos && v.n <= room);
        for (size_t i = 0; i < v.n; i++) {
            const size_t k = c->n + i;
            CHECK(c->action[k] == 'A' || c->action[k] == 'C' || c->action[k] == 'E' || c->action[k] == 'U');
            CHECK(c->side[k] <= 1 && c->id[k] != 0 && c->rec[k] >= 1);
            CHECK((c->action[k] == 'U') == (c->new_id[k] != 0));
        }
        c->n += v.n;
        pos += used;
        if (rc == TB_ERR_FORMAT) {
            CHECK(st.bad_len >= 2 && st.bad_len <= have - pos);
            CHECK(st.bad_reason > TB_ITCH_OK && st.bad_reason <= TB_ITCH_ZERO);
            pos += st.bad_len;
            st.records++;
            continue;
        }
        CHECK(rc == TB_OK);
        if (v.n == room) continue; /* output full: call again */
        if (have == len) return;   /* the rest is a partial record */
        have = have + step > len ? len : have + step;
    }
}

static uint8_t o_act[3 * MAXROWS], o_side[3 * MAXROWS], o_l2s[3 * MAXROWS];
static uint64_t o_id[3 * MAXROWS], o_qty[3 * MAXROWS], o_l2q[3 * MAXROWS];
static int64_t o_px[3 * MAXROWS], o_mend[MAXROWS], o_l2p[3 * MAXROWS], o_l2end[MAXROWS];

static uint64_t x_id[MAXROWS], x_qty[MAXROWS];
static uint8_t x_side[MAXROWS];
static int64_t x_px[MAXROWS];

/* the sum of the exported orders' quantities at (side, px): an account kept apart from the
 * log's level totals (a growth that moved a level's total wrongly differs from it) */
static uint64_t orders_at(size_t n_orders, uint8_t side, int64_t px) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n_orders; i++)
        if (x_side[i] == side && x_px[i] == px) sum += x_qty[i];
    return sum;
}

static void check_level_totals(const tb_olog *g, const tb_olog_out *out) {
    const size_t n_orders = tb_olog_export(g, x_id, x_side, x_px, x_qty, MAXROWS);
    CHECK(n_orders == g->ocount);
    for (size_t i = 0; i < n_orders; i++)
        CHECK(tb__olog_ltotal(g, x_side[i], x_px[i]) == orders_at(n_orders, x_side[i], x_px[i]));
    for (size_t k = 0; k < out->n_l2; k++)
        CHECK(tb__olog_ltotal(g, out->l2_side[k], out->l2_px[k]) == orders_at(n_orders, out->l2_side[k], out->l2_px[k]));
}

static void through_log(cols *c) {
    tb_olog g;
    tb_olog_out out;
    tb_itch_rows v;
    size_t done = 0, k;
    const size_t n = c->n; /* (read before view(), which starts at c->n: with c == &one, one.n
                              * read after the reset was 0 and no row reached the log) */
    if (tb_olog_init(&g, 16, 0x1234u) != TB_OK) return;
    c->n = 0;
    v = view(c, MAXROWS);
    c->n = v.n = n;
    out.action = o_act; out.order_id = o_id; out.side = o_side; out.px = o_px; out.qty = o_qty;
    out.mbo_end = o_mend; out.l2_side = o_l2s; out.l2_px = o_l2p; out.l2_qty = o_l2q; out.l2_end = o_l2end;
    out.n_mbo = out.n_l2 = 0;
    CHECK(tb_olog_apply(&g, &v, n, &out, &done) == TB_OK && done == n);
    CHECK(out.n_mbo <= 3 * n && out.n_l2 <= 3 * n);
    for (k = 0; k < out.n_mbo; k++) CHECK(o_act[k] == 'A' || o_act[k] == 'C' || o_act[k] == 'E');
    CHECK(tb_olog_export(&g, NULL, NULL, NULL, NULL, (size_t)-1) == g.ocount);
    check_level_totals(&g, &out);
    tb_olog_free(&g);
}

/* ---- the run path (tb_itch_run_block) against the reader path's steps ------------------ */

#define DK_MAX 3 /* depth rows' k at most */

/* what a replay gave */
typedef struct replay_out {
    tb_feed_row rows[MAXROWS];
    int64_t depth[MAXROWS * 4 * DK_MAX];
    size_t n;
    int stop;         /* TB_FEED_DONE, CROSSED or BOOK_ERROR */
    int64_t stop_rec; /* the record it stopped at */
    uint64_t messages, rows_applied, crossed;
    tb_level_i64 bids[64], asks[64];
    int n_bids, n_asks;
} replay_out;

static replay_out ref_out, run_out;

#define MAX_REFUSED 64
static int64_t refused_ref[MAX_REFUSED], refused_run[MAX_REFUSED];
static size_t n_refused_ref, n_refused_run;

/* the primed order (see the header), from `one`'s first add; none when it has no add */
static int prime_on;
static tb_itch_rows prime_row;
static uint8_t p_act = 'A', p_side;
static uint64_t p_id, p_new_id, p_qty;
static int64_t p_px, p_ts, p_rec = 1;

static void choose_prime(int on) {
    size_t i;
    prime_on = 0;
    if (!on) return;
    for (i = 0; i < one.n && one.action[i] != 'A'; i++) {}
    if (i == one.n) return;
    prime_on = 1;
    p_side = one.side[i];
    p_px = one.px[i];
    p_qty = UINT64_MAX - one.qty[i]; /* that add fits exactly; the next one at its price does not */
    p_id = one.id[i] ^ 0x5a5a5a5a5a5a5a5aull;
    prime_row.action = &p_act; prime_row.order_id = &p_id; prime_row.new_id = &p_new_id;
    prime_row.side = &p_side; prime_row.px = &p_px; prime_row.qty = &p_qty; prime_row.ts = &p_ts;
    prime_row.record = &p_rec; prime_row.cap = 1; prime_row.n = 1;
}

/* the log as both replays start it: primed when prime_on (its level rows go nowhere: the
 * book does not hold the primed order) */
static void log_init(tb_olog *g) {
    static uint8_t a[3], s[3], ls[3];
    static uint64_t id[3], q[3], lq[3];
    static int64_t px[3], me[1], lp[3], le[1];
    tb_olog_out out;
    size_t done = 0;
    CHECK(tb_olog_init(g, 16, 0x1234u) == TB_OK);
    if (!prime_on) return;
    out.action = a; out.order_id = id; out.side = s; out.px = px; out.qty = q; out.mbo_end = me;
    out.l2_side = ls; out.l2_px = lp; out.l2_qty = lq; out.l2_end = le;
    out.n_mbo = out.n_l2 = 0;
    CHECK(tb_olog_apply(g, &prime_row, 1, &out, &done) == TB_OK && done == 1);
}

static tb_book_i64_n64 *new_book(void) {
    tb_book_i64_n64 *b = NULL;
    CHECK(tb_book_i64_n64_create(&b, 0, 256, NULL) == TB_OK);
    return b;
}

static void finish(tb_book_i64_n64 *b, const tb_feed_state *fs, replay_out *r) {
    r->messages = fs->messages;
    r->rows_applied = fs->rows;
    r->crossed = fs->crossed;
    r->n_bids = tb_book_i64_n64_levels_n(b, 1, r->bids, 64);
    r->n_asks = tb_book_i64_n64_levels_n(b, 0, r->asks, 64);
    CHECK(tb_book_i64_n64_destroy(b) == TB_OK);
}

/* the reader path: `one`'s rows (decoded in one call) through the order log, then the
 * replay loop message by message */
static void reference(uint32_t crossed, uint32_t dk, replay_out *r) {
    static int8_t scratch[3 * MAXROWS];
    static int64_t seq[MAXROWS];
    static uint8_t kind[MAXROWS];
    tb_level_i64 lv[2 * DK_MAX];
    tb_olog g;
    tb_olog_out out;
    tb_itch_rows v;
    tb_feed_batch in;
    tb_feed_state fs;
    tb_book_i64_n64 *b = new_book();
    const size_t n = one.n;
    size_t done = 0, i;
    int rc;
    r->n = 0;
    r->stop = TB_FEED_DONE;
    r->stop_rec = 0;
    size_t first = 0;
    memset(&fs, 0, sizeof fs);
    fs.in_sync = 1;
    n_refused_ref = 0;
    log_init(&g);
    one.n = 0; /* (view() starts at c->n) */
    v = view(&one, MAXROWS);
    one.n = v.n = n;
    memset(&out, 0, sizeof out); /* out.action NULL: level rows only, as the run path logs */
    out.l2_side = o_l2s; out.l2_px = o_l2p; out.l2_qty = o_l2q; out.l2_end = o_l2end;
    for (i = 0; i < one.n; i++) {
        seq[i] = one.rec[i] - 1;
        kind[i] = TB_FEED_DELTA;
    }
    for (;;) { /* a refused row (TB_ERR_OVERFLOW) is an ERROR message, as the Python reader makes it */
        rc = tb_olog_apply_from(&g, &v, first, one.n, &out, &done);
        if (rc != TB_ERR_OVERFLOW) break;
        CHECK(prime_on && done > first && done <= one.n);
        kind[done - 1] = TB_FEED_ERROR;
        first = done;
    }
    CHECK(rc == TB_OK && done == one.n);
    tb_olog_free(&g);
    memset(&in, 0, sizeof in);
    in.side = o_l2s; in.px = o_l2p; in.qty = o_l2q; in.n_rows = out.n_l2; in.row_end = o_l2end;
    in.ts = one.ts; in.seq = seq; in.kind = kind; in.n_msgs = one.n;
    in.stop_on_crossed = crossed;
    in.depth_k = dk;
    in.per_message = 1;
    while (one.n) {
        rc = tb_feed_run(b, tb_feed_ops_for(64), &in, r->rows, dk ? r->depth : NULL, scratch, dk ? lv : NULL,
                         dk ? 2 * DK_MAX : 0, &fs);
        if (rc == TB_FEED_POLICY) { /* the "skip" policy: note the record, go on after it */
            CHECK(kind[fs.msg] == TB_FEED_ERROR && n_refused_ref < MAX_REFUSED);
            refused_ref[n_refused_ref++] = one.rec[fs.msg];
            fs.msg++;
            continue;
        }
        CHECK(rc == TB_FEED_DONE || rc == TB_FEED_CROSSED || rc == TB_FEED_BOOK_ERROR);
        r->stop = rc;
        if (rc == TB_FEED_CROSSED) r->stop_rec = one.rec[fs.msg - 1];
        if (rc == TB_FEED_BOOK_ERROR) r->stop_rec = one.rec[fs.msg];
        break;
    }
    r->n = fs.out_rows;
    finish(b, &fs, r);
}

/* the direct path: blocks of `step` bytes (a partial record joins the next block), an
 * output room of `room` rows drained into r when full, malformed records skipped */
static void direct(const uint8_t *data, size_t len, size_t step, size_t room, unsigned mode, int64_t pxd,
                   uint32_t crossed, uint32_t dk, replay_out *r) {
    static tb_itch_run run;
    static tb_feed_row out[64];
    static int64_t dout[64 * 4 * DK_MAX];
    tb_level_i64 lv[2 * DK_MAX];
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fs;
    tb_book_i64_n64 *b = new_book();
    size_t pos = 0, have = 0;
    r->n = 0;
    r->stop = TB_FEED_DONE;
    r->stop_rec = 0;
    memset(&fs, 0, sizeof fs);
    fs.in_sync = 1;
    n_refused_run = 0;
    init(&st, mode);
    log_init(&g);
    tb_itch_run_init(&run, 0);
    for (;;) {
        const uint64_t overflows = g.level_overflow;
        const int rc = tb_itch_run_block(&run, &st, &g, b, tb_feed_ops_for(64), data + pos, have - pos, pxd, 1,
                                         crossed, dk, out, dk ? dout : NULL, room, dk ? lv : NULL,
                                         dk ? 2 * DK_MAX : 0, &fs);
        CHECK(run.msgs <= room && run.consumed <= have - pos);
        CHECK(r->n + run.msgs <= MAXROWS);
        memcpy(r->rows + r->n, out, run.msgs * sizeof *out);
        if (dk) memcpy(r->depth + r->n * 4 * dk, dout, run.msgs * 4 * dk * sizeof *dout);
        r->n += run.msgs;
        pos += run.consumed;
        if (rc == TB_ITCH_RUN_BAD) { /* as ItchReader.skip_bad_record */
            CHECK(st.bad_len >= 2 && st.bad_len <= have - pos);
            pos += st.bad_len;
            st.records++;
            continue;
        }
        if (rc == TB_FEED_CROSSED || rc == TB_FEED_BOOK_ERROR) {
            r->stop = rc;
            r->stop_rec = run.line;
            break;
        }
        if (rc == TB_ERR_OVERFLOW) { /* the policy skips the record; the next call resumes */
            CHECK(prime_on && n_refused_run < MAX_REFUSED && g.level_overflow == overflows + 1);
            refused_run[n_refused_run++] = run.line;
            continue;
        }
        CHECK(rc == TB_ITCH_RUN_DONE);
        if (run.msgs == room) continue; /* the room was full: more of this block */
        if (have == len) break;         /* the rest is a partial record */
        have = have + step > len ? len : have + step;
    }
    tb_olog_free(&g);
    finish(b, &fs, r);
}

static void compare_replays(uint32_t dk) {
    const replay_out *a = &ref_out, *c = &run_out;
    size_t i;
    CHECK(a->stop == c->stop && a->stop_rec == c->stop_rec);
    /* the records refused before the stop (the reader path refuses every one of its rows
     * up front, so only those before its stop count) */
    for (i = 0; i < n_refused_ref && (a->stop == TB_FEED_DONE || refused_ref[i] < a->stop_rec); i++) {
        CHECK(i < n_refused_run && refused_ref[i] == refused_run[i]);
    }
    CHECK(i == n_refused_run);
    CHECK(a->n == c->n);
    for (i = 0; i < a->n; i++) {
        const tb_feed_row *x = &a->rows[i], *y = &c->rows[i];
        CHECK(x->ts == y->ts && x->seq == y->seq && x->flags == y->flags);
        CHECK(x->bid_px == y->bid_px && x->bid_qty == y->bid_qty && x->ask_px == y->ask_px && x->ask_qty == y->ask_qty);
    }
    if (dk) CHECK(memcmp(a->depth, c->depth, a->n * 4 * dk * sizeof a->depth[0]) == 0);
    CHECK(a->messages == c->messages && a->rows_applied == c->rows_applied && a->crossed == c->crossed);
    CHECK(a->n_bids == c->n_bids && a->n_asks == c->n_asks);
    CHECK(memcmp(a->bids, c->bids, (size_t)(a->n_bids > 0 ? a->n_bids : 0) * sizeof a->bids[0]) == 0);
    CHECK(memcmp(a->asks, c->asks, (size_t)(a->n_asks > 0 ? a->n_asks : 0) * sizeof a->asks[0]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    const size_t step = 1 + (data[0] & 0x7fu);
    const size_t cap = 1 + (size_t)(data[1] >> 2) % 64;
    const unsigned mode = data[1] & 3u;
    const int64_t pxd = 1 + (data[2] & 3u);
    const uint32_t crossed = (data[2] >> 2) & 1u, dk = (data[2] >> 3) & 3u;
    g_locate = (uint16_t)(7u ^ (unsigned)(data[2] >> 5));
    run(&one, data + 3, size - 3, size, MAXROWS, mode % 3, pxd);
    run(&cut, data + 3, size - 3, step, cap, mode % 3, pxd);
    if (one.n < MAXROWS && cut.n < MAXROWS) {
        CHECK(one.n == cut.n);
        for (size_t i = 0; i < one.n; i++) {
            CHECK(one.action[i] == cut.action[i] && one.id[i] == cut.id[i] && one.qty[i] == cut.qty[i]);
            CHECK(one.px[i] == cut.px[i] && one.ts[i] == cut.ts[i] && one.rec[i] == cut.rec[i]);
            CHECK(one.side[i] == cut.side[i] && one.new_id[i] == cut.new_id[i]);
        }
    }
    through_log(&one);
    if (one.n < MAXROWS) { /* all of the input decoded: the run path must give the reader path's replay */
        choose_prime(data[0] >> 7);
        reference(crossed, dk, &ref_out);
        direct(data + 3, size - 3, step, cap, mode % 3, pxd, crossed, dk, &run_out);
        compare_replays(dk);
    }
    return 0;
}
