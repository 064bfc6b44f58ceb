/* tb_itch_run.h — ITCH 5.0 bytes -> the replay's BBO (and depth) rows, one call per block.
 *
 * The replay of an ITCH file without an L3Book needs only the BBO series. The reader
 * path hands every block through three sets of numpy columns (decoded rows, MBO + level
 * rows, then the engine's batch) and back to Python between them; this driver does the
 * same three steps' work — tb_itch_decode (tb_itch.h), tb_olog_apply (tb_order_log.h),
 * tb_feed_run (tb_feed_apply.h) — over chunks of TB_ITCH_RUN_CHUNK records that live in
 * the driver's own struct (a few tens of KiB: they stay in the cache, no page is faulted
 * in per block), so the output is the reader path's: the same rows, the same counters,
 * the same stops. The first two run as one pass (tb__itch_run_fused: each record decoded
 * and logged at once, through the functions the two steps are made of), the book takes
 * the chunk's level rows after it: a shipped variant's (ops from tb_feed_ops_for) through
 * its inline set under one claim a chunk, each BBO row written as its message is applied
 * (tb__itch_run_rows), any other book through bbo_trace (tb__itch_run_traced). A single
 * pass with the book inside the decode loop was tried (stop 31): more instructions
 * (callgrind realistic day 451 -> 477 a record: the loop's registers spill), not kept.
 *
 * API
 *   void tb_itch_run_init(tb_itch_run *r, int64_t seq_base);
 *       Points the chunk columns at the struct's own arrays; seq_base: the records of
 *       the files before this one (a row's seq is its record number - 1 + seq_base).
 *   int tb_itch_run_block(tb_itch_run *r, tb_itch_state *st, tb_olog *g, void *book,
 *                         const tb_feed_ops *ops, const uint8_t *buf, size_t len,
 *                         int64_t px_div, uint64_t qty_div, uint32_t stop_on_crossed,
 *                         uint32_t depth_k, tb_feed_row *out, int64_t *depth_out, size_t room,
 *                         tb_level_i64 *lv, size_t lv_cap, tb_feed_state *fst);
 *       Applies the whole records of buf[0..len) while out has room (room rows; depth_out
 *       room rows of 4 * depth_k words, NULL when depth_k is 0). r->msgs: rows written,
 *       r->consumed: bytes consumed. Returns
 *         TB_ITCH_RUN_DONE     every whole record is done, or out is full (r->msgs == room);
 *         TB_ITCH_RUN_BAD      the record at r->consumed is malformed (st->bad_reason,
 *                              st->bad_len: tb_itch_decode's); the rows before it are done;
 *         TB_FEED_CROSSED      the message of record r->line left the book crossed (its row
 *                              is the last one written; stop_on_crossed);
 *         TB_FEED_BOOK_ERROR   the book refused a level row of record r->line
 *                              (r->book_status; r->bad_side / bad_px / bad_qty the row);
 *         TB_ERR_NOMEM         the order log could not grow;
 *         TB_ERR_OVERFLOW      the order log refused record r->line (level_overflow counted):
 *                              a level total at r->bad_px ticks would pass UINT64_MAX
 *                              (ITCH shares are 32-bit: over 2^32 orders resting at one
 *                              price). The records before it reached the book (their rows
 *                              written), the record changed nothing and wrote no row: an
 *                              ERROR message, as the reader path (TAPEBOOK_ITCH_DIRECT=0)
 *                              makes it. The caller applies its on_error policy and, to go
 *                              on, calls again with the bytes after r->consumed: the call
 *                              first takes up the decoded records after the refused one
 *                              (as tb_olog_apply_from resumes; room must hold them:
 *                              TB_ITCH_RUN_CHUNK rows are always enough, else TB_ERR_BADARG);
 *         a tb_status < 0      bad arguments (nothing done).
 *       After a stop other than DONE the replay ends (the caller raises), except BAD:
 *       call again after the malformed record, and OVERFLOW (above).
 *
 * No allocation besides the order log's growth (TB_MALLOC); no UB for any bytes.
 */
#ifndef TB_ITCH_RUN_H
#define TB_ITCH_RUN_H

#include "tb_feed_apply.h"
#include "tb_itch.h"
#include "tb_order_log.h"

/* Records per chunk: small enough that the chunk's columns stay in L1/L2, large enough
 * that the per-chunk set-up is noise. */
#define TB_ITCH_RUN_CHUNK 256
/* tb_itch_run_block's own stops (beside tb_feed_stop's CROSSED and BOOK_ERROR) */
enum tb_itch_run_stop { TB_ITCH_RUN_DONE = 0, TB_ITCH_RUN_BAD = 5 };

typedef struct tb_itch_run {
    size_t msgs;       /* out: BBO rows written by the last call */
    size_t consumed;   /* out: bytes consumed by the last call */
    int64_t line;      /* out: the record number a CROSSED / BOOK_ERROR stop names */
    int64_t seq_base;  /* records of the earlier files */
    int book_status;   /* BOOK_ERROR: the book's tb_status */
    uint8_t bad_side;  /* BOOK_ERROR: the refused level row (2: none, the BBO query failed) */
    int64_t bad_px;
    uint64_t bad_qty;
    size_t resume;     /* after an OVERFLOW stop: the chunk's next record to log (0: none) */
    tb_itch_rows rows; /* the chunk's decoded records */
    tb_olog_out log;   /* their level rows (3 a record at most; no MBO rows: nothing reads them) */
    tb_feed_batch batch;
    uint8_t c_action[TB_ITCH_RUN_CHUNK], c_side[TB_ITCH_RUN_CHUNK];
    uint64_t c_id[TB_ITCH_RUN_CHUNK], c_new_id[TB_ITCH_RUN_CHUNK], c_qty[TB_ITCH_RUN_CHUNK];
    int64_t c_px[TB_ITCH_RUN_CHUNK], c_ts[TB_ITCH_RUN_CHUNK], c_record[TB_ITCH_RUN_CHUNK];
    int64_t c_seq[TB_ITCH_RUN_CHUNK];
    uint8_t c_kind[TB_ITCH_RUN_CHUNK]; /* all 0: TB_FEED_DELTA */
    uint8_t l_side[3 * TB_ITCH_RUN_CHUNK];
    int64_t l_px[3 * TB_ITCH_RUN_CHUNK], l_end[TB_ITCH_RUN_CHUNK];
    uint64_t l_qty[3 * TB_ITCH_RUN_CHUNK];
    int8_t scratch[3 * TB_ITCH_RUN_CHUNK]; /* tb_feed_run's per-row results */
    tb_bbo_i64 trace[3 * TB_ITCH_RUN_CHUNK]; /* the BBO after each level row */
} tb_itch_run;

TB_API void tb_itch_run_init(tb_itch_run *r, int64_t seq_base) {
    if (!r) return;
    memset(r, 0, sizeof *r);
    r->seq_base = seq_base;
    r->rows.action = r->c_action;
    r->rows.order_id = r->c_id;
    r->rows.new_id = r->c_new_id;
    r->rows.side = r->c_side;
    r->rows.px = r->c_px;
    r->rows.qty = r->c_qty;
    r->rows.ts = r->c_ts;
    r->rows.record = r->c_record;
    r->rows.cap = TB_ITCH_RUN_CHUNK;
    /* log.action and log.mbo_end stay NULL: level rows only */
    r->log.l2_side = r->l_side;
    r->log.l2_px = r->l_px;
    r->log.l2_qty = r->l_qty;
    r->log.l2_end = r->l_end;
    r->batch.side = r->l_side;
    r->batch.px = r->l_px;
    r->batch.qty = r->l_qty;
    r->batch.row_end = r->l_end;
    r->batch.ts = r->c_ts;
    r->batch.seq = r->c_seq;
    r->batch.kind = r->c_kind; /* zeroed: every message is a DELTA */
}

/* tb_feed_run's work for a chunk of plain DELTA messages with nothing to stop after (no
 * depth rows, no crossed stop): the whole chunk's level rows in one bbo_trace call — one
 * entry of the book's thread guard instead of two a message, whose atomic exchanges were
 * most of the book's share of the replay — then each message's row from the BBO after
 * its last level row (a message without one: the BBO before it). The batch's messages are
 * the chunk's records from rec on (r->c_record + first). */
static int tb__itch_run_traced(tb_itch_run *r, const int64_t *rec, void *book, const tb_feed_ops *ops,
                               tb_feed_row *out, tb_feed_state *fst) {
    const size_t n = r->batch.n_msgs, rows = r->batch.n_rows;
    const int64_t seq0 = r->seq_base - 1; /* a row's seq: its record number + seq0 */
    size_t done = 0, i, lo = 0;
    tb_bbo_i64 before;
    const tb_bbo_i64 *o = &before; /* the BBO after the message (read in place) */
    int s = ops->bbo(book, &before);
    if (s != TB_OK) { /* the book cannot be read (busy, closed): no row of message 0 */
        r->line = rec[0];
        r->book_status = s;
        r->bad_side = 2;
        return TB_FEED_BOOK_ERROR;
    }
    if (rows) s = ops->bbo_trace(book, r->l_side, r->l_px, r->l_qty, rows, r->trace, &done);
    for (i = 0; i < n; i++) {
        const size_t hi = (size_t)r->batch.row_end[i];
        if (s != TB_OK && hi > done) { /* the book refused row `done`, of message i */
            r->line = rec[i];
            r->book_status = s;
            r->bad_side = r->l_side[done];
            r->bad_px = r->l_px[done];
            r->bad_qty = r->l_qty[done];
            return TB_FEED_BOOK_ERROR;
        }
        if (hi > lo) o = &r->trace[hi - 1];
        tb__feed_fill(&r->batch, i, rec[i] + seq0, 0, o, &out[i], fst);
        fst->messages++;
        fst->rows += hi - lo;
        r->msgs++;
        lo = hi;
    }
    return TB_FEED_DONE;
}

/* tb__itch_run_traced's work without bbo_trace's BBO a level row kept in r->trace and
 * read back: when the book is a shipped variant (its ops table is tb_feed_ops_for's), the
 * book is claimed once for the chunk (what bbo_trace's entry checks) and each message's
 * level rows go in through the book's inline set (tb_book.inc set_rows_bbo), its BBO
 * row written from the BBO after them (a message without rows: the BBO before it). The
 * same book, rows, counters and stops (the tests compare it with the two calls: a copy of
 * the ops table takes them). Per tape size, so that the book's step is inlined. */
typedef int (*tb__itch_book_fn)(void *book, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n,
                                tb_bbo_i64 *o, size_t *bad);

/* TB_FEED_DONE or TB_FEED_BOOK_ERROR (as tb__itch_run_traced), the book claimed (o: its
 * BBO now) */
TB_FORCE_INLINE int tb__itch_run_rows(tb_itch_run *r, const int64_t *rec, void *book, tb__itch_book_fn step,
                                      tb_bbo_i64 *o, tb_feed_row *out, tb_feed_state *fst) {
    const size_t n = r->batch.n_msgs;
    const int64_t seq0 = r->seq_base - 1; /* a row's seq: its record number + seq0 */
    const int64_t *row_end = r->batch.row_end, *ts = r->batch.ts;
    size_t i, lo = 0;
    uint64_t crossed = 0;
    int rc = TB_FEED_DONE;
    for (i = 0; i < n; i++) {
        const size_t hi = (size_t)row_end[i];
        if (hi > lo) {
            size_t bad = 0;
            const int s = step(book, r->l_side + lo, r->l_px + lo, r->l_qty + lo, hi - lo, o, &bad);
            if (TB_UNLIKELY(s != TB_OK)) { /* the book refused row lo + bad, of message i */
                r->line = rec[i];
                r->book_status = s;
                r->bad_side = r->l_side[lo + bad];
                r->bad_px = r->l_px[lo + bad];
                r->bad_qty = r->l_qty[lo + bad];
                rc = TB_FEED_BOOK_ERROR;
                break;
            }
        }
        crossed += tb__feed_put(&out[i], ts[i], rec[i] + seq0, 0, o);
        lo = hi;
    }
    fst->messages += i;
    fst->rows += lo;
    fst->crossed += crossed;
    r->msgs += i;
    return rc;
}

/* the per-size step: TB_FEED_DONE / TB_FEED_BOOK_ERROR, or TB__ITCH_UNCLAIMED when the
 * book could not be claimed (nothing done: tb__itch_run_traced then meets the same refusal
 * through the ops) */
#define TB__ITCH_UNCLAIMED (-1)
typedef int (*tb__itch_rows_fn)(tb_itch_run *r, const int64_t *rec, void *book, tb_feed_row *out, tb_feed_state *fst);

#ifdef TB_FEED_DEFINE_OPS
#define TB__ITCH_ROWS(N)                                                                                               \
    static int tb__itch_step_n##N(void *book, const uint8_t *side, const int64_t *px, const uint64_t *qty, size_t n, \
                                  tb_bbo_i64 *o, size_t *bad) {                                                     \
        return tb_book_i64_n##N##__set_rows_bbo((tb_book_i64_n##N *)book, side, px, qty, n, o, bad);                \
    }                                                                                                               \
    static int tb__itch_rows_n##N(tb_itch_run *r, const int64_t *rec, void *book, tb_feed_row *out,                 \
                                  tb_feed_state *fst) {                                                             \
        tb_book_i64_n##N *b = (tb_book_i64_n##N *)book;                                                             \
        tb_bbo_i64 o;                                                                                               \
        int rc;                                                                                                     \
        if (tb_book_i64_n##N##__claim_mut(b) != TB_OK) return TB__ITCH_UNCLAIMED;                                   \
        tb_book_i64_n##N##__fill_bbo(b, &o);                                                                        \
        rc = tb__itch_run_rows(r, rec, book, tb__itch_step_n##N, &o, out, fst);                                     \
        tb_book_i64_n##N##__unclaim_mut(b);                                                                         \
        return rc;                                                                                                  \
    }
TB_SHIPPED_TAPE_SIZES(TB__ITCH_ROWS)
#undef TB__ITCH_ROWS

/* the per-size step for ops, a shipped table; NULL for any other (a copy, a stand-in
 * book): tb__itch_run_traced */
static tb__itch_rows_fn tb__itch_rows_for(const tb_feed_ops *ops) {
#define TB__ITCH_ROWS_IF(N) \
    if (ops == &tb_feed_ops_n##N) return tb__itch_rows_n##N;
    TB_SHIPPED_TAPE_SIZES(TB__ITCH_ROWS_IF)
#undef TB__ITCH_ROWS_IF
    return NULL;
}
#else
static tb__itch_rows_fn tb__itch_rows_for(const tb_feed_ops *ops) {
    (void)ops;
    return NULL;
}
#endif

/* The level rows of the chunk's records [first, end) (logged: r->log) through the book:
 * their BBO rows at out; TB_FEED_DONE or the book's stop. */
static int tb__itch_run_book(tb_itch_run *r, size_t first, size_t end, void *book, const tb_feed_ops *ops,
                             uint32_t stop_on_crossed, uint32_t depth_k, tb_feed_row *out, int64_t *depth_out,
                             tb_level_i64 *lv, size_t lv_cap, tb_feed_state *fst) {
    const int64_t *rec = r->c_record + first;
    size_t i;
    int rc;
    r->batch.row_end = r->l_end + first; /* the log's level rows start at 0 for record first */
    r->batch.ts = r->c_ts + first;
    r->batch.seq = r->c_seq + first;
    r->batch.n_rows = r->log.n_l2;
    r->batch.n_msgs = end - first;
    r->batch.stop_on_crossed = stop_on_crossed;
    r->batch.depth_k = depth_k;
    if (!stop_on_crossed && !depth_k) {
        const tb__itch_rows_fn rows_fn = tb__itch_rows_for(ops);
        const int rc0 = rows_fn ? rows_fn(r, rec, book, out, fst) : TB__ITCH_UNCLAIMED;
        return rc0 != TB__ITCH_UNCLAIMED ? rc0 : tb__itch_run_traced(r, rec, book, ops, out, fst);
    }
    for (i = first; i < end; i++) r->c_seq[i] = r->c_record[i] - 1 + r->seq_base; /* tb_feed_run reads them */
    fst->msg = 0;
    fst->out_rows = 0;
    rc = tb_feed_run(book, ops, &r->batch, out, depth_out, r->scratch, lv, lv_cap, fst);
    r->msgs += fst->out_rows;
    if (rc == TB_FEED_CROSSED) {
        r->line = rec[fst->msg - 1];
    } else if (rc == TB_FEED_BOOK_ERROR) {
        r->line = rec[fst->msg];
        r->book_status = fst->book_status;
        r->bad_side = 2; /* not a level row (the BBO query failed) unless set below */
        if (fst->bad_row < r->log.n_l2) {
            r->bad_side = r->l_side[fst->bad_row];
            r->bad_px = r->l_px[fst->bad_row];
            r->bad_qty = r->l_qty[fst->bad_row];
        }
    }
    return rc;
}

/* The chunk's decoded records (r->rows) from record first on through the order log and
 * the book: their BBO rows at out; TB_FEED_DONE or the stop. A record the log refuses
 * stops the chunk after the records before it reached the book (TB_ERR_OVERFLOW; the
 * record itself has no level row); r->resume names the record after it, for the next
 * call. */
static int tb__itch_run_chunk(tb_itch_run *r, size_t first, tb_olog *g, void *book, const tb_feed_ops *ops,
                              uint32_t stop_on_crossed, uint32_t depth_k, tb_feed_row *out, int64_t *depth_out,
                              tb_level_i64 *lv, size_t lv_cap, tb_feed_state *fst) {
    const size_t n = r->rows.n;
    size_t done = first, end;
    int logged, rc;
    r->resume = 0;
    r->log.n_mbo = r->log.n_l2 = 0;
    logged = tb_olog_apply_from(g, &r->rows, first, n, &r->log, &done);
    if (logged != TB_OK && logged != TB_ERR_OVERFLOW) return logged; /* TB_ERR_NOMEM (the decoder writes only valid rows) */
    end = logged == TB_ERR_OVERFLOW ? done - 1 : done; /* row done - 1 refused: no level row */
    if (end > first) {
        rc = tb__itch_run_book(r, first, end, book, ops, stop_on_crossed, depth_k, out, depth_out, lv, lv_cap, fst);
        if (rc != TB_FEED_DONE) return rc;
    }
    if (logged == TB_OK) return TB_FEED_DONE;
    r->line = r->c_record[done - 1];
    r->bad_px = r->c_px[done - 1];
    r->resume = done < n ? done : 0;
    return TB_ERR_OVERFLOW;
}

/* The records ahead of the one being logged whose order slots the pass prefetches (as
 * tb_olog_apply_from does for its rows: the order table outgrows the cache). */
typedef struct tb__itch_ahead {
    size_t at;                    /* the next record to look at */
    uint64_t id[TB__OLOG_AHEAD];  /* by record % TB__OLOG_AHEAD: the record's order id ... */
    uint64_t mix[TB__OLOG_AHEAD]; /* ... and its tb__olog_mix, which the record's lookup takes up */
} tb__itch_ahead;

/* Look at record k (at a->at) of buf[0..len): hint the home slots of its ids into the cache
 * and keep the mix of its order id. Only a hint: it reads whatever the bytes hold (the
 * record may be of another type or stock, or malformed; the pass checks the id it keeps
 * before taking the mix up). Nothing when no whole record is left. */
TB_FORCE_INLINE void tb__itch_look_ahead(const tb_olog *g, const tb_itch_state *st, tb__itch_ahead *a,
                                         const uint8_t *buf, size_t len, size_t k) {
    const size_t mask = g->ocap - 1;
    const uint8_t *m;
    size_t mlen;
    if (len - a->at < 2) return;
    mlen = (size_t)tb__itch_be(buf + a->at, 2);
    if (len - a->at - 2 < mlen) return;
    m = buf + a->at + 2;
    a->at += mlen + 2;
    if (mlen < 19 || (st->locate && (uint16_t)tb__itch_be(m + 1, 2) != st->locate)) return;
    a->id[k % TB__OLOG_AHEAD] = tb__itch_be(m + 11, 8);
    a->mix[k % TB__OLOG_AHEAD] = tb__olog_mix(a->id[k % TB__OLOG_AHEAD], g->key);
    TB__PREFETCH(&g->orders[(size_t)a->mix[k % TB__OLOG_AHEAD] & mask]);
    if (m[0] == 'U' && mlen >= 27)
        TB__PREFETCH(&g->orders[(size_t)tb__olog_mix(tb__itch_be(m + 19, 8), g->key) & mask]);
}

/* The hot loop: one pass over the bytes. Each record tb_itch_decode would put in a chunk
 * of cap rows is decoded and goes through the order log at once (tb__olog_step), writing
 * only what the book step reads (level rows, their ends, ts, record numbers): no decoded
 * columns written and read back, one dispatch on the type a record. The effects are
 * tb_itch_decode's then tb_olog_apply_from's over the same rows — the log applies the
 * rows in the order the decoder reaches them, and neither looks past the row it is on —
 * up to a stop of the log (*logged TB_ERR_OVERFLOW: row *n_log - 1 refused, its price at
 * *bad_px; TB_ERR_NOMEM). There the rest of the chunk is decoded the old way into the
 * columns from row *n_log on (the records an OVERFLOW stop leaves for the next call,
 * which tb__itch_run_chunk takes up), so the stop's state (st's counters, *used) is the
 * two-step path's. Returns tb_itch_decode's status; *n_log: rows logged (decoded and
 * stopped at), r->rows.n: rows decoded. */
static int tb__itch_run_fused(tb_itch_run *r, tb_itch_state *st, tb_olog *g, const uint8_t *buf, size_t len,
                              int64_t px_div, uint64_t qty_div, size_t cap, size_t *used, size_t *n_log,
                              int *logged, int64_t *bad_px) {
    size_t pos = 0, n = 0, k;
    tb__itch_ahead a;
    tb__itch_div pxd, qtyd;
    *logged = TB_OK;
    *used = 0;
    if (px_div < 1 || qty_div < 1) return TB_ERR_BADARG;
    pxd = tb__itch_div_of((uint64_t)px_div);
    qtyd = tb__itch_div_of(qty_div);
    st->bad_reason = TB_ITCH_OK;
    st->bad_len = 0;
    r->rows.n = 0;
    a.at = 0;
    memset(a.id, 0, sizeof a.id);
    for (k = 0; k < TB__OLOG_AHEAD; k++) tb__itch_look_ahead(g, st, &a, buf, len, k);
    for (k = 0;; k++) { /* k: the records consumed */
        size_t mlen = 0;
        const int kind = tb__itch_frame(st, buf, len, pos, &mlen);
        int reason = TB_ITCH_OK;
        if (kind == TB__ITCH_END) break;
        if (kind == TB__ITCH_ORDER) {
            tb__itch_msg o;
            if (n == cap) break; /* full: this record is next */
            reason = tb__itch_parse(buf + pos + 2, &pxd, &qtyd, &o);
            if (reason == TB_ITCH_OK) {
                const size_t ka = k % TB__OLOG_AHEAD;
                const uint64_t h = a.id[ka] == o.id ? a.mix[ka] : tb__olog_mix(o.id, g->key);
                st->records++;
                pos += mlen + 2;
                tb__itch_look_ahead(g, st, &a, buf, len, k + TB__OLOG_AHEAD);
                r->c_ts[n] = o.ts;
                r->c_record[n] = (int64_t)st->records;
                n++;
                if (tb__olog_reserve(g) != TB_OK) {
                    *logged = TB_ERR_NOMEM;
                } else if (tb__olog_step(g, o.action, o.id, h, o.new_id, o.side, o.px, o.qty, &r->log)) {
                    *logged = TB_ERR_OVERFLOW;
                    *bad_px = o.px;
                }
                r->l_end[n - 1] = (int64_t)r->log.n_l2;
                if (*logged != TB_OK) break;
                continue;
            }
        } else if (kind != TB__ITCH_SKIP) {
            reason = kind;
        }
        if (reason != TB_ITCH_OK) {
            st->bad_reason = reason;
            st->bad_len = mlen + 2;
            *used = pos;
            r->rows.n = *n_log = n;
            return TB_ERR_FORMAT;
        }
        st->records++;
        pos += mlen + 2;
        tb__itch_look_ahead(g, st, &a, buf, len, k + TB__OLOG_AHEAD);
    }
    r->rows.n = *n_log = n;
    if (*logged != TB_OK) { /* the rest of the chunk, as rows [n, r->rows.n) */
        tb_itch_rows rest = r->rows;
        size_t more = 0;
        int dec;
        rest.action += n, rest.order_id += n, rest.new_id += n, rest.side += n;
        rest.px += n, rest.qty += n, rest.ts += n, rest.record += n;
        rest.cap = cap - n;
        dec = tb_itch_decode(st, buf + pos, len - pos, px_div, qty_div, &rest, &more);
        *used = pos + more;
        r->rows.n = n + rest.n;
        return dec;
    }
    *used = pos;
    return TB_OK;
}

TB_API int tb_itch_run_block(tb_itch_run *r, tb_itch_state *st, tb_olog *g, void *book, const tb_feed_ops *ops,
                             const uint8_t *buf, size_t len, int64_t px_div, uint64_t qty_div,
                             uint32_t stop_on_crossed, uint32_t depth_k, tb_feed_row *out, int64_t *depth_out,
                             size_t room, tb_level_i64 *lv, size_t lv_cap, tb_feed_state *fst) {
    size_t pos = 0;
    if (!r || !st || !g || !book || !ops || !fst || (!buf && len) || (!out && room)) return TB_ERR_NULL;
    if (depth_k && (!depth_out || !lv || lv_cap < 2 * (size_t)depth_k)) return TB_ERR_BADARG;
    if (r->resume && (r->resume >= r->rows.n || room < r->rows.n - r->resume)) return TB_ERR_BADARG;
    r->msgs = 0;
    r->consumed = 0;
    if (r->resume) { /* the rest of the chunk an OVERFLOW stop left (its bytes are consumed) */
        const int rc = tb__itch_run_chunk(r, r->resume, g, book, ops, stop_on_crossed, depth_k, out, depth_out, lv,
                                          lv_cap, fst);
        if (rc != TB_FEED_DONE) return rc;
    }
    if (!len) return TB_ITCH_RUN_DONE; /* (buf may be NULL: no arithmetic on it) */
    for (;;) {
        const size_t cap = room - r->msgs < TB_ITCH_RUN_CHUNK ? room - r->msgs : TB_ITCH_RUN_CHUNK;
        size_t used = 0, n_log = 0, end;
        int64_t bad_px = 0;
        int dec, logged, rc;
        if (!cap) break; /* out is full */
        r->log.n_mbo = r->log.n_l2 = 0;
        dec = tb__itch_run_fused(r, st, g, buf + pos, len - pos, px_div, qty_div, cap, &used, &n_log, &logged,
                                 &bad_px);
        if (dec != TB_OK && dec != TB_ERR_FORMAT) return dec;
        r->consumed = pos + used; /* what the rows applied so far came from, on a stop */
        if (logged == TB_ERR_NOMEM) return logged;
        end = logged == TB_ERR_OVERFLOW ? n_log - 1 : n_log; /* a refused row has no level row */
        if (end) {
            rc = tb__itch_run_book(r, 0, end, book, ops, stop_on_crossed, depth_k, out + r->msgs,
                                   depth_out ? depth_out + r->msgs * 4 * (size_t)depth_k : NULL, lv, lv_cap, fst);
            if (rc != TB_FEED_DONE) return rc;
        }
        if (logged == TB_ERR_OVERFLOW) {
            r->line = r->c_record[n_log - 1];
            r->bad_px = bad_px;
            r->resume = r->rows.n > n_log ? n_log : 0; /* the rest of the chunk: rows [n_log, r->rows.n) */
            return TB_ERR_OVERFLOW;
        }
        pos += used;
        if (dec == TB_ERR_FORMAT) return TB_ITCH_RUN_BAD;
        if (n_log < cap) break; /* a partial record (or nothing) is left */
    }
    return TB_ITCH_RUN_DONE;
}

#endif /* TB_ITCH_RUN_H */
