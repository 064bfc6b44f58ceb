/* test_feed_claimed.c — tb_feed_run's three ways through a run of DELTA messages give one
 * result (tb_feed_apply.h):
 *   per message   in->per_message = 1: every message's rows through ops->set and the
 *                 BBO read after each (the reference);
 *   claimed       a shipped ops table (tb_feed_ops_for(N)): the book claimed once per
 *                 run, each message's rows through its inline set_rows_bbo;
 *   traced        a copy of that table (not recognised as shipped): bbo_trace.
 * Seeded random batches on every shipped tape size: messages with no rows and runs of up
 * to 200 rows; snapshots, replaces, non-book, stale and presync messages; ERROR / GAP
 * stops resumed at the next message (sometimes out of sync); rows the book refuses (side
 * 2, prices near INT64_MAX) resumed after; crossed books; now and then a book that cannot
 * be claimed (CLOSED; BUSY too under TB_THREAD_GUARD, where a run that left the book
 * claimed would make every later call fail). Compared: each stop's status and message,
 * the whole tb_feed_state (counters, bad_row, book_status), every BBO row, the final BBO
 * and the top 32 levels of each side. review32b's driver found no difference; its plants
 * (bad_row = lo, a refused message counted, a row-less message's flags dropped) passed
 * every C test before this one. */
#define TB_FEED_DEFINE_OPS
#include "tapebook.h"
#include "tapebook/tb_feeds.h"

#include "tb_test.h"

#define MAX_MSGS 600
#define MAX_ROWS 3000
#define MAX_STOPS 64
#define TOP 32

typedef struct batch {
    uint8_t side[MAX_ROWS], kind[MAX_MSGS];
    int64_t px[MAX_ROWS], row_end[MAX_MSGS], ts[MAX_MSGS], seq[MAX_MSGS];
    uint64_t qty[MAX_ROWS];
    size_t n_msgs, n_rows;
    int resync_after_policy, resume_after_book_error, start_in_sync;
    uint8_t book_state; /* TB__STATE_IDLE, or a state the run must not claim through */
} batch;

typedef struct outcome {
    tb_feed_row out[MAX_MSGS];
    tb_feed_state st;
    int rc[MAX_STOPS];
    size_t stop_msg[MAX_STOPS];
    int n_stops;
    tb_bbo_i64 bbo;
    int bbo_status;
    tb_level_i64 levels[2 * TOP]; /* bids then asks (tb_book_*_top) */
    int64_t n_levels;
} outcome;

enum { MODE_PER_MESSAGE, MODE_CLAIMED, MODE_TRACED };

static int8_t g_scratch[MAX_ROWS];

/* one batch through tb_feed_run on a fresh book of tape size N in one mode */
#define TFC_RUN(N)                                                                                                 \
    static void run_n##N(const batch *bt, int mode, outcome *r) {                                                \
        tb_book_i64_n##N *b = NULL;                                                                              \
        tb_feed_ops copy;                                                                                        \
        const tb_feed_ops *ops = tb_feed_ops_for(N);                                                             \
        tb_feed_batch in;                                                                                        \
        memset(r, 0, sizeof *r);                                                                                 \
        if (!CHECK(ops != NULL) || !CHECK_EQ(tb_book_i64_n##N##_create(&b, 1000 - (N) / 2, 64, NULL), TB_OK))     \
            return;                                                                                              \
        if (mode == MODE_TRACED) {                                                                               \
            copy = *ops;                                                                                         \
            ops = &copy;                                                                                         \
        }                                                                                                        \
        memset(&in, 0, sizeof in);                                                                               \
        in.side = bt->side;                                                                                      \
        in.px = bt->px;                                                                                          \
        in.qty = bt->qty;                                                                                        \
        in.n_rows = bt->n_rows;                                                                                  \
        in.row_end = bt->row_end;                                                                                \
        in.ts = bt->ts;                                                                                          \
        in.seq = bt->seq;                                                                                        \
        in.kind = bt->kind;                                                                                      \
        in.n_msgs = bt->n_msgs;                                                                                  \
        in.per_message = mode == MODE_PER_MESSAGE;                                                               \
        r->st.in_sync = bt->start_in_sync;                                                                       \
        b->state = bt->book_state;                                                                               \
        for (;;) {                                                                                               \
            int rc = tb_feed_run(b, ops, &in, r->out, NULL, g_scratch, NULL, 0, &r->st);                         \
            r->rc[r->n_stops] = rc;                                                                              \
            r->stop_msg[r->n_stops] = r->st.msg;                                                                 \
            if (++r->n_stops == MAX_STOPS) break;                                                                \
            if (rc == TB_FEED_POLICY) { /* as on_error="skip" / "resync" */                                      \
                r->st.msg++;                                                                                     \
                if (bt->resync_after_policy) r->st.in_sync = 0;                                                  \
                continue;                                                                                        \
            }                                                                                                    \
            if (rc == TB_FEED_BOOK_ERROR && bt->resume_after_book_error) {                                       \
                r->st.msg++;                                                                                     \
                continue;                                                                                        \
            }                                                                                                    \
            break;                                                                                               \
        }                                                                                                        \
        b->state = TB__STATE_IDLE;                                                                               \
        r->bbo_status = tb_book_i64_n##N##_bbo(b, &r->bbo);                                                      \
        r->n_levels = tb_book_i64_n##N##_top(b, r->levels, TOP);                                                 \
        tb_book_i64_n##N##_destroy(b);                                                                           \
    }
TB_SHIPPED_TAPE_SIZES(TFC_RUN)
#undef TFC_RUN

typedef void (*run_fn)(const batch *, int, outcome *);
typedef struct sized_run {
    int n;
    run_fn run;
} sized_run;
#define TFC_ENTRY(N) {N, run_n##N},
static const sized_run g_sizes[] = {TB_SHIPPED_TAPE_SIZES(TFC_ENTRY)};
#undef TFC_ENTRY
#define N_SIZES (sizeof g_sizes / sizeof g_sizes[0])

/* a random batch for a tape of n cells: row-less messages, long runs, every kind */
static void random_batch(batch *bt, int n) {
    const int kinds_mixed = (int)(tbt_rand() % 4) != 0;
    const int spread = (int)(tbt_rand() % 3);
    const int64_t width = spread == 0 ? 10 : spread == 1 ? n : 4 * (int64_t)n;
    size_t m;
    memset(bt, 0, sizeof *bt);
    bt->n_msgs = 1 + (size_t)(tbt_rand() % MAX_MSGS);
    bt->resync_after_policy = (int)(tbt_rand() & 1);
    bt->resume_after_book_error = (int)(tbt_rand() & 1);
    bt->start_in_sync = (int)(tbt_rand() & 1);
    if (tbt_rand() % 40 == 0) {
#ifdef TB_THREAD_GUARD
        bt->book_state = (uint8_t)(tbt_rand() & 1 ? TB__STATE_BUSY : TB__STATE_CLOSED);
#else
        bt->book_state = TB__STATE_CLOSED; /* BUSY means nothing without the guard */
#endif
    }
    for (m = 0; m < bt->n_msgs; m++) {
        size_t k = tbt_rand() % 6 == 0 ? 0 : 1 + (size_t)(tbt_rand() % (tbt_rand() % 4 == 0 ? 200 : 6)), j;
        const uint64_t x = tbt_rand() % 100;
        uint8_t kind = TB_FEED_DELTA;
        if (kinds_mixed && x >= 80)
            kind = x < 84   ? TB_FEED_SNAPSHOT
                   : x < 87 ? TB_FEED_REPLACE
                   : x < 90 ? TB_FEED_NONBOOK
                   : x < 93 ? TB_FEED_STALE
                   : x < 95 ? TB_FEED_PRESYNC
                   : x < 98 ? TB_FEED_ERROR
                            : TB_FEED_GAP;
        bt->kind[m] = kind;
        if (kind >= TB_FEED_NONBOOK || bt->n_rows + k > MAX_ROWS) k = 0;
        for (j = 0; j < k; j++) {
            const size_t r = bt->n_rows++;
            bt->side[r] = tbt_rand() % 500 == 0 ? 2 : (uint8_t)(tbt_rand() & 1);
            bt->px[r] = 1000 + (int64_t)(tbt_rand() % (uint64_t)(2 * width + 1)) - width + (bt->side[r] ? -2 : 2);
            if (tbt_rand() % 3000 == 0) bt->px[r] = INT64_MAX - (int64_t)(tbt_rand() % 3);
            bt->qty[r] = tbt_rand() % 3 == 0 ? 0 : 1 + tbt_rand() % 100;
        }
        bt->row_end[m] = (int64_t)bt->n_rows;
        bt->ts[m] = (int64_t)m * 7;
        bt->seq[m] = (int64_t)m + 100;
    }
}

/* b (claimed or traced) against a (per message); how many stops / rows / refusals it had */
static void check_same(const outcome *a, const outcome *b, const char *what, int n, long it) {
    int k;
    size_t rows = a->st.out_rows < MAX_MSGS ? a->st.out_rows : MAX_MSGS;
    if (!CHECK_MSG(a->n_stops == b->n_stops, "%s, tape %d, batch %ld: %d stops vs %d", what, n, it, b->n_stops,
                   a->n_stops))
        return;
    for (k = 0; k < a->n_stops; k++) {
        CHECK_MSG(a->rc[k] == b->rc[k] && a->stop_msg[k] == b->stop_msg[k],
                  "%s, tape %d, batch %ld, stop %d: status %d at message %zu vs %d at %zu", what, n, it, k, b->rc[k],
                  b->stop_msg[k], a->rc[k], a->stop_msg[k]);
    }
    CHECK_MSG(memcmp(&a->st, &b->st, sizeof a->st) == 0,
              "%s, tape %d, batch %ld: state (messages %llu / %llu, rows %llu / %llu, crossed %llu / %llu, bad_row "
              "%zu / %zu, book_status %d / %d)",
              what, n, it, (unsigned long long)b->st.messages, (unsigned long long)a->st.messages,
              (unsigned long long)b->st.rows, (unsigned long long)a->st.rows, (unsigned long long)b->st.crossed,
              (unsigned long long)a->st.crossed, b->st.bad_row, a->st.bad_row, b->st.book_status, a->st.book_status);
    CHECK_MSG(memcmp(a->out, b->out, rows * sizeof a->out[0]) == 0, "%s, tape %d, batch %ld: BBO rows differ", what,
              n, it);
    CHECK_MSG(a->bbo_status == b->bbo_status && memcmp(&a->bbo, &b->bbo, sizeof a->bbo) == 0,
              "%s, tape %d, batch %ld: final BBO differs", what, n, it);
    CHECK_MSG(a->n_levels == b->n_levels && memcmp(a->levels, b->levels, sizeof a->levels) == 0,
              "%s, tape %d, batch %ld: final levels differ", what, n, it);
}

static batch g_batch;
static outcome g_out[3];

static void test_three_ways(void) {
    const long batches = tbt_prof == TBT_FULL ? 20000 : tbt_prof == TBT_SANITIZER ? 600 : 2000;
    uint64_t refused = 0, crossed = 0, policy = 0, unclaimable = 0;
    long it;
    for (it = 0; it < batches; it++) {
        const sized_run *s = &g_sizes[tbt_rand() % N_SIZES];
        int k;
        random_batch(&g_batch, s->n);
        s->run(&g_batch, MODE_PER_MESSAGE, &g_out[0]);
        s->run(&g_batch, MODE_CLAIMED, &g_out[1]);
        s->run(&g_batch, MODE_TRACED, &g_out[2]);
        check_same(&g_out[0], &g_out[1], "claimed", s->n, it);
        check_same(&g_out[0], &g_out[2], "traced", s->n, it);
        for (k = 0; k < g_out[0].n_stops; k++) {
            refused += g_out[0].rc[k] == TB_FEED_BOOK_ERROR;
            policy += g_out[0].rc[k] == TB_FEED_POLICY;
        }
        crossed += g_out[0].st.crossed;
        unclaimable += g_batch.book_state != TB__STATE_IDLE;
    }
    /* the batches reach what they are for */
    CHECK(refused > 0 && crossed > 0 && policy > 0 && unclaimable > 0);
    if (tbt_verbose)
        printf("  %ld batches: %llu refused rows, %llu crossed messages, %llu ERROR / GAP stops, %llu unclaimable\n",
               batches, (unsigned long long)refused, (unsigned long long)crossed, (unsigned long long)policy,
               (unsigned long long)unclaimable);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("feed_claimed_traced_per_message", test_three_ways);
    return tbt_finish();
}
