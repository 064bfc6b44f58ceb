/* tb_feed_apply.h — the replay loop of tapebook.feeds: a whole batch of venue
 * messages applied to a 64-bit book in one call, with a BBO row (and optional
 * top-k depth row) written after every applied message.
 *
 * Include after tapebook.h (it uses the i64 family's tb_level_i64 / tb_bbo_i64
 * and, with TB_FEED_DEFINE_OPS, the shipped i64 book variants). The loop
 * itself is plain C over a table of function pointers (tb_feed_ops), one table
 * per tape size: one copy of the code for every variant, and the book's own
 * functions (with their validation and thread guard) do the work.
 *
 * Messages (see tapebook/feeds/_reader.py for the full interface): message i
 * owns rows [row_end[i-1], row_end[i]); kind[i] is
 *   0 DELTA     rows applied in order (absolute qty, 0 deletes)
 *   1 SNAPSHOT  the book is reset (anchored at the snapshot's mid) and loaded
 *   2 REPLACE   the same, as a normal event (a full-book message)
 *   3..5        no row, counted (NONBOOK, STALE -> stale, PRESYNC)
 *   6 ERROR, 7 GAP: the loop stops before them (TB_FEED_POLICY): the caller
 *               applies its policy and resumes at the next message.
 * While out of sync (state.in_sync == 0) DELTA messages are skipped and
 * counted; the next SNAPSHOT or REPLACE resyncs (flag 4, counted).
 *
 * int tb_feed_run(void *book, const tb_feed_ops *ops, const tb_feed_batch *in,
 *                 tb_feed_row *out, int64_t *depth_out, int8_t *scratch,
 *                 tb_level_i64 *lv_scratch, size_t lv_cap, tb_feed_state *st);
 *     Processes messages from st->msg on, writing rows at out[st->out_rows].
 *     Returns why it stopped (TB_FEED_DONE / CHECK / POLICY / CROSSED /
 *     BOOK_ERROR) with st updated, or a tb_status for bad arguments (nothing
 *     done). A checksum the batch says how to compute (crc_kind) is verified
 *     here and only a mismatch stops (TB_FEED_CHECK). out must hold n_msgs rows; depth_out (NULL when depth_k = 0) n_msgs
 *     rows of 4 * depth_k words (bid_px[k], bid_qty[k], ask_px[k], ask_qty[k]);
 *     scratch n_rows bytes; lv_scratch lv_cap >= max(2 * depth_k, truncate + 1)
 *     levels. Nothing is allocated.
 *     Where nothing stops after a message (no crossed stop, checksum, depth row or
 *     truncation) a run of in-sync DELTA messages goes through a shipped book's inline
 *     set under one claim (tb__feed_claimed_run), any other book's bbo_trace a chunk of
 *     rows at a time (tb__feed_traced): the same rows, counters and stops as message by
 *     message (in->per_message = 1, the tests' reference), scratch unwritten.
 */
#ifndef TB_FEED_APPLY_H
#define TB_FEED_APPLY_H

#ifndef TAPEBOOK_H
#error "include tapebook.h before tapebook/tb_feed_apply.h"
#endif

#include "tb_venue_crc.h"

enum tb_feed_kind {
    TB_FEED_DELTA = 0,
    TB_FEED_SNAPSHOT = 1,
    TB_FEED_REPLACE = 2,
    TB_FEED_NONBOOK = 3,
    TB_FEED_STALE = 4,
    TB_FEED_PRESYNC = 5,
    TB_FEED_ERROR = 6,
    TB_FEED_GAP = 7
};

/* why tb_feed_run returned */
enum tb_feed_stop {
    TB_FEED_DONE = 0,      /* every message processed */
    TB_FEED_CHECK = 1,     /* message st->msg - 1 was applied and carries a checksum to verify */
    TB_FEED_POLICY = 2,    /* message st->msg is an ERROR or GAP: the caller decides */
    TB_FEED_CROSSED = 3,   /* message st->msg - 1 left the book crossed (stop_on_crossed) */
    TB_FEED_BOOK_ERROR = 4 /* the book refused row st->bad_row of message st->msg (st->book_status) */
};

/* r.bbo flags */
#define TB_FEED_FLAG_SNAPSHOT 1u
#define TB_FEED_FLAG_CROSSED 2u
#define TB_FEED_FLAG_RESYNC 4u

/* one r.bbo row: the layout of numpy's aligned dtype (ts, seq, bid_px, bid_qty,
 * ask_px, ask_qty, flags) */
typedef struct tb_feed_row {
    int64_t ts;
    int64_t seq;
    int64_t bid_px;
    uint64_t bid_qty;
    int64_t ask_px;
    uint64_t ask_qty;
    uint8_t flags;
    uint8_t pad[7];
} tb_feed_row;
TB_STATIC_ASSERT(sizeof(tb_feed_row) == 56, "tb_feed_row must match numpy's aligned bbo dtype");

typedef struct tb_feed_ops {
    uint32_t n;
    int64_t anchor_min, anchor_max;
    int (*apply)(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n, int8_t *res,
                 size_t *done);
    int (*reset)(void *b, int64_t anchor);
    int (*bbo)(void *b, tb_bbo_i64 *out);
    int64_t (*top)(void *b, tb_level_i64 *out, size_t k);
    int (*depth)(void *b, int side, size_t *out);
    int (*levels)(void *b, int side, tb_level_i64 *out, size_t k);
    int (*set)(void *b, int side, int64_t px, uint64_t qty);
    /* apply's rows with the BBO after each, under one entry of the thread guard */
    int (*bbo_trace)(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n,
                     tb_bbo_i64 *out, size_t *done);
} tb_feed_ops;

typedef struct tb_feed_batch {
    const uint8_t *side;
    const int64_t *px;
    const uint64_t *qty;
    size_t n_rows;
    const int64_t *row_end;
    const int64_t *ts;
    const int64_t *seq;
    const uint8_t *kind;
    const int64_t *crc; /* NULL, or per message: the checksum to verify (>= 0) or -1 */
    size_t n_msgs;
    uint32_t truncate;        /* > 0: keep the best `truncate` levels per side after each DELTA */
    uint32_t stop_on_crc;     /* stop after each applied message with crc >= 0 */
    uint32_t stop_on_crossed; /* stop after a message that leaves the book crossed */
    uint32_t depth_k;         /* > 0: write a depth row per applied message */
    /* checksums verified here (stop_on_crc): crc_kind 1 Kraken (tb_crc_kraken with scales
     * crc_a, crc_b), 2 OKX (tb_crc_okx with crc_a * 10^-crc_ea, crc_b * 10^-crc_eb) over
     * the top crc_levels (<= TB_FEED_CRC_MAX) a side: a match is counted in
     * st->checksums_ok and the loop goes on; a mismatch (or an error) stops with
     * TB_FEED_CHECK for the caller. crc_kind 0: every checksum stops. */
    uint32_t crc_kind;
    uint32_t crc_levels;
    uint64_t crc_a, crc_b;
    int32_t crc_ea, crc_eb;
    tb_crc_cache *crc_cache; /* NULL, or the replay's level texts (tb_venue_crc.h), kept across batches */
    uint32_t per_message;    /* 1: no traced runs (tb__feed_traced): the reference the tests hold them to */
} tb_feed_batch;

#define TB_FEED_CRC_MAX 32
/* rows a traced run applies per call of bbo_trace (their BBOs on the stack: 4 KiB) */
#define TB_FEED_TRACE 128

typedef struct tb_feed_state {
    size_t msg;      /* in: first message to process; out: where it stopped */
    size_t out_rows; /* rows written to out (and depth_out) so far */
    int in_sync;     /* 0: deltas are skipped until the next SNAPSHOT / REPLACE */
    int book_status; /* TB_FEED_BOOK_ERROR: the book's tb_status */
    size_t bad_row;  /* TB_FEED_BOOK_ERROR: the row it refused */
    uint64_t messages, rows, skipped, stale, resets, resyncs, crossed;
    uint64_t checksums_ok; /* checksums verified in C (crc_kind > 0) */
} tb_feed_state;

/* the anchor that centres the tape on a snapshot's mid (best bid / ask of its rows) */
static int64_t tb__feed_anchor(const tb_feed_ops *ops, const uint8_t *side, const int64_t *px,
                               const uint64_t *qty, size_t lo, size_t hi) {
    int64_t bb = INT64_MIN, ba = INT64_MAX, mid, a;
    size_t r;
    for (r = lo; r < hi; r++) {
        if (!qty[r]) continue;
        if (side[r]) {
            if (px[r] > bb) bb = px[r];
        } else if (px[r] < ba) {
            ba = px[r];
        }
    }
    if (bb != INT64_MIN && ba != INT64_MAX) {
        mid = bb / 2 + ba / 2; /* no overflow; off by one at worst */
    } else if (bb != INT64_MIN) {
        mid = bb;
    } else if (ba != INT64_MAX) {
        mid = ba;
    } else {
        mid = 0;
    }
    a = mid < ops->anchor_min + (int64_t)(ops->n / 2) ? ops->anchor_min : mid - (int64_t)(ops->n / 2);
    return a > ops->anchor_max ? ops->anchor_max : a;
}

/* keep the best `keep` levels of one side (Kraken: levels pushed out of the
 * subscribed depth get no delete message) */
static int tb__feed_truncate(void *b, const tb_feed_ops *ops, int side, uint32_t keep, tb_level_i64 *lv,
                             size_t lv_cap) {
    for (;;) {
        size_t d = 0, i;
        int got, st = ops->depth(b, side, &d);
        if (st) return st;
        if (d <= keep) return TB_OK;
        got = ops->levels(b, side, lv, lv_cap);
        if (got < 0) return got;
        for (i = keep; i < (size_t)got; i++) {
            st = ops->set(b, side, lv[i].px, 0);
            if (st < TB_SPILL) return st;
        }
    }
}

/* 1 when the venue checksum of message i matches the book's top levels (both sides in
 * one call of top: bids at lv[0..), asks at lv[crc_levels..)), read in place */
static int tb__feed_crc_ok(void *b, const tb_feed_ops *ops, const tb_feed_batch *in, size_t i) {
    tb_level_i64 lv[2 * TB_FEED_CRC_MAX];
    size_t k = in->crc_levels;
    int64_t got;
    uint32_t c = 0;
    tb__crc_params p;
    tb__crc_side bid, ask;
    p.kind = in->crc_kind;
    p.a = in->crc_a;
    p.b = in->crc_b;
    p.ea = in->crc_ea;
    p.eb = in->crc_eb;
    if (!tb__crc_params_ok(&p)) return 0;
    got = ops->top(b, lv, k);
    if (got < 0) return 0;
    bid = tb__crc_side_of(&lv[0].px, &lv[0].qty, (size_t)(got & 0xFFFFFFFF), sizeof lv[0]);
    ask = tb__crc_side_of(&lv[k].px, &lv[k].qty, (size_t)(got >> 32), sizeof lv[0]);
    return tb__crc_book(&p, in->crc_cache, &bid, &ask, &c) == TB_OK &&
           (uint64_t)c == ((uint64_t)in->crc[i] & 0xFFFFFFFFu);
}

/* a row (ts, seq, the BBO o, flags; a crossed book flagged): 1 when crossed, else 0 */
TB_FORCE_INLINE unsigned tb__feed_put(tb_feed_row *row, int64_t ts, int64_t seq, uint8_t flags, const tb_bbo_i64 *o) {
    const unsigned crossed = o->bid_qty && o->ask_qty && o->bid_px >= o->ask_px;
    row->ts = ts;
    row->seq = seq;
    row->bid_px = o->bid_px;
    row->bid_qty = o->bid_qty;
    row->ask_px = o->ask_px;
    row->ask_qty = o->ask_qty;
    row->flags = (uint8_t)(flags | (crossed ? TB_FEED_FLAG_CROSSED : 0u));
    memset(row->pad, 0, sizeof row->pad);
    return crossed;
}

/* message i's r.bbo row from the BBO after it (a crossed book flagged and counted), its seq
 * given (tb_feed_run's from in->seq; the ITCH driver computes its own from the record
 * numbers instead of writing them into a column first) */
TB_FORCE_INLINE void tb__feed_fill(const tb_feed_batch *in, size_t i, int64_t seq, uint8_t flags, const tb_bbo_i64 *o,
                                   tb_feed_row *row, tb_feed_state *st) {
    st->crossed += tb__feed_put(row, in->ts[i], seq, flags, o);
}

static int tb__feed_row(void *b, const tb_feed_ops *ops, const tb_feed_batch *in, size_t i, uint8_t flags,
                        tb_feed_row *row, int64_t *depth_row, tb_level_i64 *lv, tb_feed_state *st) {
    tb_bbo_i64 o;
    int s = ops->bbo(b, &o);
    if (s) return s;
    tb__feed_fill(in, i, in->seq[i], flags, &o, row, st);
    if (depth_row) {
        size_t k = in->depth_k, j, nb, na;
        int64_t r = ops->top(b, lv, k);
        uint64_t *q;
        if (r < 0) return (int)r;
        nb = (size_t)(r & 0xFFFFFFFF);
        na = (size_t)(r >> 32);
        for (j = 0; j < k; j++) depth_row[j] = j < nb ? lv[j].px : INT64_MIN;
        q = (uint64_t *)(void *)(depth_row + k);
        for (j = 0; j < k; j++) q[j] = j < nb ? lv[j].qty : 0;
        for (j = 0; j < k; j++) depth_row[2 * k + j] = j < na ? lv[k + j].px : INT64_MAX;
        q = (uint64_t *)(void *)(depth_row + 3 * k);
        for (j = 0; j < k; j++) q[j] = j < na ? lv[k + j].qty : 0;
    }
    return TB_OK;
}

/* The in-sync DELTA messages [i, j), the first with rows, when nothing stops after a
 * message (no crossed stop, no checksum, no depth row, no truncation): their rows through
 * ops->bbo_trace, TB_FEED_TRACE at a time — one entry of the book's thread guard a chunk
 * instead of two a message (apply, then bbo), whose atomic exchanges cost about as much
 * as a message's rows — and each message's row from the BBO after its last row (a
 * message without rows: after the row before it, which the first one has). The same
 * book, rows, counters and stops as the loop's message-by-message path: a refused row
 * stops at its message (st->msg, bad_row, book_status) with the messages before it
 * written. Returns TB_FEED_DONE or TB_FEED_BOOK_ERROR. */
static int tb__feed_traced(void *b, const tb_feed_ops *ops, const tb_feed_batch *in, size_t i, size_t j,
                           tb_feed_row *out, tb_feed_state *st) {
    tb_bbo_i64 trace[TB_FEED_TRACE];
    const size_t end = (size_t)in->row_end[j - 1];
    size_t pos = i ? (size_t)in->row_end[i - 1] : 0, k = i;
    for (;;) {
        const size_t n = end - pos > TB_FEED_TRACE ? TB_FEED_TRACE : end - pos;
        size_t done = 0;
        int s = ops->bbo_trace(b, in->side + pos, in->px + pos, in->qty + pos, n, trace, &done);
        /* every message whose rows are all applied now (it ends after pos: the ones ending
         * before were written after the chunk before; message i has rows) */
        for (; k < j; k++) {
            const size_t lo = k ? (size_t)in->row_end[k - 1] : 0, hi = (size_t)in->row_end[k];
            if (hi > pos + done) break;
            tb__feed_fill(in, k, in->seq[k], 0, &trace[hi - 1 - pos], &out[st->out_rows], st);
            st->out_rows++;
            st->messages++;
            st->rows += hi - lo;
        }
        if (s) { /* row pos + done, of message k, refused */
            st->msg = k;
            st->bad_row = pos + done;
            st->book_status = s;
            return TB_FEED_BOOK_ERROR;
        }
        pos += n;
        if (k == j) return TB_FEED_DONE;
    }
}

/* tb__feed_traced's work without bbo_trace's BBO after every row: when the book is a shipped
 * variant (ops is a tb_feed_ops_for table), it is claimed once for the run (what bbo_trace's
 * entry checks) and each message's rows go in through its inline set (tb_book.inc
 * set_rows_bbo), the BBO read once, after the message's last row (a message without rows:
 * the BBO before it) — the rows of a message share one BBO row, so reading it after every
 * row (a quarter of the run's time) was wasted. The same book, rows, counters and stops as
 * tb__feed_traced (test_feed_traced.py compares both with the message-by-message path).
 * Per tape size, so that the book's step is inlined (tb_itch_run.h does the same). */
typedef int (*tb__feed_step_fn)(void *book, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n,
                                tb_bbo_i64 *o, size_t *bad);

/* the claimed book's run of DELTA messages [i, j) (tb__feed_traced's contract), o its BBO now */
TB_FORCE_INLINE int tb__feed_claimed_run(void *b, tb__feed_step_fn step, const tb_feed_batch *in, size_t i, size_t j,
                                         tb_bbo_i64 *o, tb_feed_row *out, tb_feed_state *st) {
    size_t k, lo = i ? (size_t)in->row_end[i - 1] : 0, n_out = st->out_rows;
    uint64_t crossed = 0;
    int rc = TB_FEED_DONE;
    for (k = i; k < j; k++) {
        const size_t hi = (size_t)in->row_end[k];
        if (hi > lo) {
            size_t bad = 0;
            const int s = step(b, in->side + lo, in->px + lo, in->qty + lo, hi - lo, o, &bad);
            if (TB_UNLIKELY(s != TB_OK)) { /* row lo + bad, of message k, refused */
                st->msg = k;
                st->bad_row = lo + bad;
                st->book_status = s;
                rc = TB_FEED_BOOK_ERROR;
                break;
            }
        }
        crossed += tb__feed_put(&out[n_out++], in->ts[k], in->seq[k], 0, o);
        lo = hi;
    }
    st->messages += k - i;
    st->rows += lo - (i ? (size_t)in->row_end[i - 1] : 0);
    st->out_rows = n_out;
    st->crossed += crossed;
    return rc;
}

/* the per-size run for a shipped ops table, else NULL (a copy, a stand-in book): then
 * tb__feed_traced. A run returns TB__FEED_UNCLAIMED when the book could not be claimed
 * (nothing done: tb__feed_traced then meets the same refusal through the ops). */
#define TB__FEED_UNCLAIMED (-1)
typedef int (*tb__feed_claimed_fn)(void *b, const tb_feed_batch *in, size_t i, size_t j, tb_feed_row *out,
                                   tb_feed_state *st);
static tb__feed_claimed_fn tb__feed_claimed_for(const tb_feed_ops *ops);

TB_API int tb_feed_run(void *book, const tb_feed_ops *ops, const tb_feed_batch *in, tb_feed_row *out,
                       int64_t *depth_out, int8_t *scratch, tb_level_i64 *lv_scratch, size_t lv_cap,
                       tb_feed_state *st) {
    size_t i, prev_end;
    int traced;
    tb__feed_claimed_fn claimed = NULL;
    if (!book || !ops || !in || !st || (in->n_msgs && (!out || !in->row_end || !in->ts || !in->seq || !in->kind)))
        return TB_ERR_NULL;
    if (in->n_rows && (!in->side || !in->px || !in->qty || !scratch)) return TB_ERR_NULL;
    if (in->depth_k && (!depth_out || lv_cap < 2 * (size_t)in->depth_k)) return TB_ERR_BADARG;
    if (in->truncate && (!lv_scratch || lv_cap <= in->truncate)) return TB_ERR_BADARG;
    if (in->depth_k && !lv_scratch) return TB_ERR_NULL;
    if (st->msg > in->n_msgs || st->out_rows > in->n_msgs) return TB_ERR_BADARG;
    if (in->crc_kind > 2 || (in->crc_kind && (in->crc_levels == 0 || in->crc_levels > TB_FEED_CRC_MAX)))
        return TB_ERR_BADARG;
    /* the offsets are validated once, up front: the loop then never reads out of bounds */
    prev_end = 0;
    for (i = 0; i < in->n_msgs; i++) {
        if (in->row_end[i] < (int64_t)prev_end || (uint64_t)in->row_end[i] > (uint64_t)in->n_rows) return TB_ERR_BADARG;
        if (in->kind[i] > TB_FEED_GAP) return TB_ERR_BADARG;
        prev_end = (size_t)in->row_end[i];
    }
    if (in->n_msgs && prev_end != in->n_rows) return TB_ERR_BADARG;
    traced = !in->per_message && !in->stop_on_crossed && !in->depth_k && !in->truncate &&
             !(in->stop_on_crc && in->crc) && ops->bbo_trace;
    if (traced) claimed = tb__feed_claimed_for(ops);

    for (i = st->msg; i < in->n_msgs; i++) {
        size_t lo = i ? (size_t)in->row_end[i - 1] : 0, hi = (size_t)in->row_end[i];
        unsigned kind = in->kind[i];
        uint8_t flags = 0;
        int s;
        if (kind == TB_FEED_ERROR || kind == TB_FEED_GAP) {
            st->msg = i;
            return TB_FEED_POLICY;
        }
        if (kind >= TB_FEED_NONBOOK) {
            if (kind == TB_FEED_STALE) st->stale++;
            else st->skipped++;
            continue;
        }
        if (kind == TB_FEED_DELTA && !st->in_sync) {
            st->skipped++;
            continue;
        }
        if (traced && kind == TB_FEED_DELTA && hi > lo) { /* the run of DELTA messages from i */
            size_t j = i + 1;
            while (j < in->n_msgs && in->kind[j] == TB_FEED_DELTA) j++;
            s = claimed ? claimed(book, in, i, j, out, st) : TB__FEED_UNCLAIMED;
            if (s == TB__FEED_UNCLAIMED) s = tb__feed_traced(book, ops, in, i, j, out, st);
            if (s) return s;
            i = j - 1;
            continue;
        }
        if (kind != TB_FEED_DELTA) {
            s = ops->reset(book, tb__feed_anchor(ops, in->side, in->px, in->qty, lo, hi));
            if (s) {
                st->msg = i;
                st->bad_row = lo;
                st->book_status = s;
                return TB_FEED_BOOK_ERROR;
            }
            if (kind == TB_FEED_SNAPSHOT) {
                flags |= TB_FEED_FLAG_SNAPSHOT;
                st->resets++;
            }
            if (!st->in_sync) {
                flags |= TB_FEED_FLAG_RESYNC;
                st->resyncs++;
                st->in_sync = 1;
            }
        }
        if (hi > lo) {
            size_t done = 0;
            s = ops->apply(book, in->side + lo, in->px + lo, in->qty + lo, hi - lo, scratch + lo, &done);
            if (s) {
                st->msg = i;
                st->bad_row = lo + done;
                st->book_status = s;
                return TB_FEED_BOOK_ERROR;
            }
        }
        if (in->truncate && kind == TB_FEED_DELTA) {
            s = tb__feed_truncate(book, ops, 1, in->truncate, lv_scratch, lv_cap);
            if (!s) s = tb__feed_truncate(book, ops, 0, in->truncate, lv_scratch, lv_cap);
            if (s) {
                st->msg = i;
                st->bad_row = hi;
                st->book_status = s;
                return TB_FEED_BOOK_ERROR;
            }
        }
        s = tb__feed_row(book, ops, in, i, flags, &out[st->out_rows],
                         depth_out ? depth_out + st->out_rows * 4 * (size_t)in->depth_k : NULL, lv_scratch, st);
        if (s) {
            st->msg = i;
            st->bad_row = hi;
            st->book_status = s;
            return TB_FEED_BOOK_ERROR;
        }
        st->out_rows++;
        st->messages++;
        st->rows += hi - lo;
        if (in->stop_on_crossed && (out[st->out_rows - 1].flags & TB_FEED_FLAG_CROSSED)) {
            st->msg = i + 1;
            return TB_FEED_CROSSED;
        }
        if (in->stop_on_crc && in->crc && in->crc[i] >= 0) {
            if (in->crc_kind && tb__feed_crc_ok(book, ops, in, i)) {
                st->checksums_ok++;
                continue;
            }
            st->msg = i + 1;
            return TB_FEED_CHECK;
        }
    }
    st->msg = in->n_msgs;
    return TB_FEED_DONE;
}

/* ---- the ops tables of the shipped i64 variants (in the CFFI module) ---------------- */
#ifdef TB_FEED_DEFINE_OPS

#define TB__FEED_OPS(N)                                                                                   \
    static int tb_feed_n##N##_apply(void *b, const uint8_t *s, const int64_t *p, const uint64_t *q, size_t n, \
                                    int8_t *res, size_t *done) {                                          \
        return tb_book_i64_n##N##_apply((tb_book_i64_n##N *)b, s, p, q, n, res, done);                    \
    }                                                                                                     \
    static int tb_feed_n##N##_reset(void *b, int64_t a) { return tb_book_i64_n##N##_reset((tb_book_i64_n##N *)b, a); } \
    static int tb_feed_n##N##_bbo(void *b, tb_bbo_i64 *o) { return tb_book_i64_n##N##_bbo((tb_book_i64_n##N *)b, o); } \
    static int64_t tb_feed_n##N##_top(void *b, tb_level_i64 *o, size_t k) {                              \
        return tb_book_i64_n##N##_top((tb_book_i64_n##N *)b, o, k);                                       \
    }                                                                                                     \
    static int tb_feed_n##N##_depth(void *b, int side, size_t *o) {                                       \
        return tb_book_i64_n##N##_depth((tb_book_i64_n##N *)b, side, o);                                  \
    }                                                                                                     \
    static int tb_feed_n##N##_levels(void *b, int side, tb_level_i64 *o, size_t k) {                      \
        return tb_book_i64_n##N##_levels_n((tb_book_i64_n##N *)b, side, o, k);                            \
    }                                                                                                     \
    static int tb_feed_n##N##_set(void *b, int side, int64_t p, uint64_t q) {                             \
        return tb_book_i64_n##N##_set_code((tb_book_i64_n##N *)b, side, p, q);                            \
    }                                                                                                     \
    static int tb_feed_n##N##_bbo_trace(void *b, const uint8_t *s, const int64_t *p, const uint64_t *q,   \
                                        size_t n, tb_bbo_i64 *o, size_t *done) {                          \
        return tb_book_i64_n##N##_bbo_trace((tb_book_i64_n##N *)b, s, p, q, n, o, done);                  \
    }                                                                                                     \
    static const tb_feed_ops tb_feed_ops_n##N = {                                                         \
        N, (int64_t)INT64_MIN + N - 1, (int64_t)INT64_MAX - N + 1, tb_feed_n##N##_apply,                  \
        tb_feed_n##N##_reset, tb_feed_n##N##_bbo, tb_feed_n##N##_top, tb_feed_n##N##_depth,               \
        tb_feed_n##N##_levels, tb_feed_n##N##_set, tb_feed_n##N##_bbo_trace};

/* one table per shipped tape size (the list is generated: tb_variants.h) */
TB_SHIPPED_TAPE_SIZES(TB__FEED_OPS)
#undef TB__FEED_OPS

#define TB__FEED_CLAIMED(N)                                                                                       \
    TB_FORCE_INLINE int tb__feed_step_n##N(void *b, const uint8_t *side, const int64_t *px, const uint64_t *qty,  \
                                           size_t n, tb_bbo_i64 *o, size_t *bad) {                                \
        return tb_book_i64_n##N##__set_rows_bbo((tb_book_i64_n##N *)b, side, px, qty, n, o, bad);                 \
    }                                                                                                             \
    static int tb__feed_claimed_n##N(void *book, const tb_feed_batch *in, size_t i, size_t j, tb_feed_row *out,   \
                                     tb_feed_state *st) {                                                         \
        tb_book_i64_n##N *b = (tb_book_i64_n##N *)book;                                                           \
        tb_bbo_i64 o;                                                                                             \
        int rc;                                                                                                   \
        if (tb_book_i64_n##N##__claim_mut(b) != TB_OK) return TB__FEED_UNCLAIMED;                                 \
        tb_book_i64_n##N##__fill_bbo(b, &o);                                                                      \
        rc = tb__feed_claimed_run(book, tb__feed_step_n##N, in, i, j, &o, out, st);                               \
        tb_book_i64_n##N##__unclaim_mut(b);                                                                       \
        return rc;                                                                                                \
    }
TB_SHIPPED_TAPE_SIZES(TB__FEED_CLAIMED)
#undef TB__FEED_CLAIMED

static tb__feed_claimed_fn tb__feed_claimed_for(const tb_feed_ops *ops) {
#define TB__FEED_CLAIMED_IF(N) \
    if (ops == &tb_feed_ops_n##N) return tb__feed_claimed_n##N;
    TB_SHIPPED_TAPE_SIZES(TB__FEED_CLAIMED_IF)
#undef TB__FEED_CLAIMED_IF
    return NULL;
}

/* The table of the 64-bit book with tape size n, or NULL. */
TB_API const tb_feed_ops *tb_feed_ops_for(int n) {
#define TB__FEED_REF(N) &tb_feed_ops_n##N,
    static const tb_feed_ops *const t[] = {TB_SHIPPED_TAPE_SIZES(TB__FEED_REF)};
#undef TB__FEED_REF
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (n > 0 && (uint32_t)n == t[i]->n) return t[i];
    }
    return NULL;
}

#else
static tb__feed_claimed_fn tb__feed_claimed_for(const tb_feed_ops *ops) {
    (void)ops;
    return NULL;
}
#endif /* TB_FEED_DEFINE_OPS */
#endif /* TB_FEED_APPLY_H */
