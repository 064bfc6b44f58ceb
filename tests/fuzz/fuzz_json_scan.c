/* fuzz_json_scan.c — libFuzzer target for tb_json_scan.h, which reads
 * untrusted JSON lines. Nothing may crash, read out of bounds or hit UB
 * (built with ASan + UBSan); the output must be well formed (one record per
 * line, lines in order and inside the input, rows only for FRAME lines, the
 * symbol inside its line); and scanning the input in two blocks split at a
 * point chosen by the input, into a small output drained as the reader does,
 * must give the same records and rows as one call.
 *
 * The same for the sync loop (tb_json_sync.h): its messages well formed (kinds
 * it may write, rows only for DELTA, lines increasing, seq the frame's u) and,
 * stepping over handed-back lines as the Python side does, the same messages
 * whole and in two blocks into a small output.
 *
 * The same for the Bybit and OKX sync loops (tb_json_bybit.h, tb_json_okx.h)
 * on every input: SNAPSHOT and DELTA carry rows and their seq, the other kinds
 * none; OKX's crc column holds -1 or an unsigned 32-bit value.
 * And for Kraken's (tb_json_kraken.h; precisions 2 / 3 given, or not when byte 0
 * is odd, the checksum set up): the same, its crc column -1 or 32 bits, its seq
 * the count of book messages before.
 *
 * The same for the Coinbase sync loop (tb_json_coinbase.h): any kind but
 * SNAPSHOT / DELTA without rows and seq -1, the sequence check on.
 *
 * The same for the Bitstamp loop (tb_json_bitstamp.h): DELTA (seq counting on
 * from 1), STALE, NONBOOK.
 *
 * Input: byte 0 picks the split point, the capacities and spot / futures;
 * the rest is the buffer of lines.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_json_scan.c -o fuzz_json_scan
 *   ./fuzz_json_scan -max_total_time=60 corpus_dir
 */
#include "tapebook/tb_json_bybit.h"
#include "tapebook/tb_json_coinbase.h"
#include "tapebook/tb_json_bitstamp.h"
#include "tapebook/tb_json_kraken.h"
#include "tapebook/tb_json_okx.h"
#include "tapebook/tb_json_sync.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#define MAXN 4096 /* bytes used: at most one record per byte, one level per 9 bytes */

typedef struct cols {
    uint8_t side[MAXN];
    int64_t px[MAXN];
    uint64_t qty[MAXN];
    uint8_t kind[MAXN + 1];
    int64_t off[MAXN + 1], len[MAXN + 1], row_end[MAXN + 1], e[MAXN + 1], fi[MAXN + 1], la[MAXN + 1];
    int64_t pr[MAXN + 1], so[MAXN + 1], sl[MAXN + 1];
    tb_jscan_out out;
} cols;

static void cols_init(cols *c, size_t rows_cap, size_t frames_cap) {
    c->out.side = c->side;
    c->out.px = c->px;
    c->out.qty = c->qty;
    c->out.rows_cap = rows_cap;
    c->out.n_rows = 0;
    c->out.kind = c->kind;
    c->out.off = c->off;
    c->out.len = c->len;
    c->out.row_end = c->row_end;
    c->out.ev_time = c->e;
    c->out.first_id = c->fi;
    c->out.last_id = c->la;
    c->out.prev_id = c->pr;
    c->out.sym_off = c->so;
    c->out.sym_len = c->sl;
    c->out.frames_cap = frames_cap;
    c->out.n_frames = 0;
}

static cols whole, part, acc;

static tb_dec_unit unit(const char *s) {
    tb_dec_unit u;
    memset(&u, 0, sizeof u);
    CHECK(tb_dec_unit_parse(s, strlen(s), &u) == TB_OK);
    return u;
}

typedef struct msgs {
    uint8_t side[MAXN];
    int64_t px[MAXN];
    uint64_t qty[MAXN];
    int64_t row_end[MAXN + 1], ts[MAXN + 1], seq[MAXN + 1], line[MAXN + 1];
    uint8_t kind[MAXN + 1];
    int64_t crc[MAXN + 1];
    int64_t handed;
    tb_jsync_out out;
} msgs;

static void msgs_init(msgs *m, size_t rows_cap, size_t msgs_cap) {
    m->out.side = m->side;
    m->out.px = m->px;
    m->out.qty = m->qty;
    m->out.rows_cap = rows_cap;
    m->out.n_rows = 0;
    m->out.row_end = m->row_end;
    m->out.ts = m->ts;
    m->out.seq = m->seq;
    m->out.line = m->line;
    m->out.kind = m->kind;
    m->out.msgs_cap = msgs_cap;
    m->out.n_msgs = 0;
    m->out.crc = m->crc;
    m->handed = 0;
}

static msgs sync_whole, sync_part, sync_acc;

enum { VENUE_SPOT = 0, VENUE_FUTURES = 1, VENUE_BYBIT = 2, VENUE_OKX = 3, VENUE_KRAKEN = 4, VENUE_KRAKEN_LEARN = 5 };
enum { VENUE_COINBASE = 8 }; /* apart: other venues join the list above */
enum { VENUE_BITSTAMP = 9 };
#define IS_KRAKEN(venue) ((venue) == VENUE_KRAKEN || (venue) == VENUE_KRAKEN_LEARN)

/* one venue's sync state and loop behind one interface */
typedef struct venue_state {
    int venue;
    tb_jsync_binance bn;
    tb_jsync_bybit bb;
    tb_jsync_okx ok;
    tb_jsync_coinbase cb;
    tb_jsync_bitstamp bs;
    tb_jsync_kraken kr;
} venue_state;

static void venue_init(venue_state *v, int venue) {
    memset(v, 0, sizeof *v);
    v->venue = venue;
    CHECK(tb_dec_unit_parse("0.01", 4, &v->bn.head.tick) == TB_OK &&
          tb_dec_unit_parse("0.001", 5, &v->bn.head.lot) == TB_OK);
    v->bb.head.tick = v->bn.head.tick;
    v->bb.head.lot = v->bn.head.lot;
    v->bn.futures = venue == VENUE_FUTURES;
    v->bn.head.synced = 1;
    v->bn.last_update_id = 100;
    v->ok.head = v->bb.head;
    v->cb.head = v->ok.head;
    v->cb.check_sequence = 1;
    v->bs.head = v->ok.head;
    v->bs.snapshot_us = 1000;
    v->bs.index = 1;
    v->kr.head = v->bb.head;
    v->kr.ready = v->kr.have_precision = 1;
    v->kr.fixed = venue == VENUE_KRAKEN; /* else every snapshot goes back (the precisions are read from it) */
    v->kr.price_precision = 2;
    v->kr.qty_precision = 3;
    v->bn.head.line = v->bb.head.line = v->ok.head.line = v->kr.head.line = v->cb.head.line = v->bs.head.line = 1;
}

static int venue_run(venue_state *v, const char *s, size_t n, int final, tb_jsync_out *out, size_t *consumed) {
    if (IS_KRAKEN(v->venue)) return tb_jsync_kraken_run(&v->kr, s, n, final, out, consumed);
    if (v->venue == VENUE_OKX) return tb_jsync_okx_run(&v->ok, s, n, final, out, consumed);
    if (v->venue == VENUE_COINBASE) return tb_jsync_coinbase_run(&v->cb, s, n, final, out, consumed);
    if (v->venue == VENUE_BITSTAMP) return tb_jsync_bitstamp_run(&v->bs, s, n, final, out, consumed);
    return v->venue == VENUE_BYBIT ? tb_jsync_bybit_run(&v->bb, s, n, final, out, consumed)
                                   : tb_jsync_binance_run(&v->bn, s, n, final, out, consumed);
}

/* step over a handed-back line as the caller does (and drop sync, sometimes) */
static void venue_skip_line(venue_state *v) {
    tb_jsync_head *h = IS_KRAKEN(v->venue)      ? &v->kr.head
                       : v->venue == VENUE_OKX  ? &v->ok.head
                       : v->venue == VENUE_BYBIT ? &v->bb.head
                                                 : &v->bn.head;
    if (v->venue == VENUE_COINBASE) h = &v->cb.head;
    if (v->venue == VENUE_BITSTAMP) h = &v->bs.head;
    h->line++;
    if ((h->line & 7) == 0) v->bn.head.synced = v->bb.head.synced = v->ok.head.synced = v->kr.head.synced = 0;
    if ((h->line & 7) == 0) v->cb.head.synced = 0;
}

/* the sync loop over s[0..n) fed up to `split` first, into m emptied into `drain`
 * after each call (drain == NULL: m is big enough, no draining); 0 when a line outgrew m */
static int sync_drive(const char *s, size_t n, size_t split, int venue, msgs *m, msgs *drain) {
    venue_state st;
    size_t base = 0, have = split, i;
    venue_init(&st, venue);
    for (;;) {
        size_t consumed = 0, r0 = 0;
        int final = have == n;
        int rc = venue_run(&st, s + base, have - base, final, &m->out, &consumed);
        CHECK(rc == TB_JSYNC_DONE || rc == TB_JSYNC_FULL || rc == TB_JSYNC_HANDBACK);
        CHECK(consumed <= have - base);
        if (drain) {
            for (i = 0; i < m->out.n_msgs; i++) {
                size_t k = drain->out.n_msgs++, r;
                for (r = r0; r < (size_t)m->row_end[i]; r++) {
                    size_t o = drain->out.n_rows++;
                    drain->side[o] = m->side[r];
                    drain->px[o] = m->px[r];
                    drain->qty[o] = m->qty[r];
                }
                r0 = (size_t)m->row_end[i];
                drain->kind[k] = m->kind[i];
                drain->seq[k] = m->seq[i];
                drain->ts[k] = m->ts[i];
                drain->line[k] = m->line[i];
                drain->crc[k] = m->crc[i];
                drain->row_end[k] = (int64_t)drain->out.n_rows;
            }
            if (rc == TB_JSYNC_FULL && m->out.n_msgs == 0) return 0;
            m->out.n_msgs = m->out.n_rows = 0;
        } else {
            CHECK(rc != TB_JSYNC_FULL);
        }
        base += consumed;
        if (rc == TB_JSYNC_HANDBACK) { /* the caller's line: step over it */
            const char *nl = (const char *)memchr(s + base, '\n', have - base);
            CHECK(base < have);
            (drain ? drain : m)->handed++;
            base = nl ? (size_t)(nl - s) + 1 : have;
            venue_skip_line(&st);
            continue;
        }
        if (rc == TB_JSYNC_DONE) {
            if (final) return 1;
            have = n;
        }
    }
}

static void sync_check(const char *s, size_t n, size_t split, int venue, uint8_t knob) {
    size_t i;
    msgs_init(&sync_whole, MAXN, MAXN + 1);
    CHECK(sync_drive(s, n, n, venue, &sync_whole, NULL));
    for (i = 0; i < sync_whole.out.n_msgs; i++) {
        int64_t r0 = i ? sync_whole.row_end[i - 1] : 0;
        uint8_t k = sync_whole.kind[i];
        if (venue == VENUE_BITSTAMP)
            CHECK(k == TB_JSYNC_DELTA || k == TB_JSYNC_NONBOOK || k == TB_JSYNC_STALE);
        else if (venue == VENUE_COINBASE) /* every kind the loop writes */
            CHECK(k == TB_JSYNC_DELTA || k == TB_JSYNC_SNAPSHOT || k == TB_JSYNC_NONBOOK || k == TB_JSYNC_STALE ||
                  k == TB_JSYNC_PRESYNC);
        else if (venue == VENUE_BYBIT || venue == VENUE_OKX || IS_KRAKEN(venue))
            CHECK(k == TB_JSYNC_DELTA || k == TB_JSYNC_SNAPSHOT || k == TB_JSYNC_NONBOOK || k == TB_JSYNC_PRESYNC);
        else
            CHECK(k == TB_JSYNC_DELTA || k == TB_JSYNC_NONBOOK || k == TB_JSYNC_STALE || k == TB_JSYNC_PRESYNC);
        CHECK(sync_whole.row_end[i] >= r0 && (size_t)sync_whole.row_end[i] <= sync_whole.out.n_rows);
        CHECK(i == 0 || sync_whole.line[i] > sync_whole.line[i - 1]);
        if (k != TB_JSYNC_DELTA && k != TB_JSYNC_SNAPSHOT) CHECK(sync_whole.row_end[i] == r0 && sync_whole.seq[i] == -1);
        if (k == TB_JSYNC_DELTA || k == TB_JSYNC_SNAPSHOT) /* OKX seqIds may be negative */
            CHECK((venue == VENUE_OKX || sync_whole.seq[i] >= 0) &&
                  (venue == VENUE_COINBASE || IS_KRAKEN(venue) || sync_whole.ts[i] >= 0)); /* RFC 3339 times may be before 1970 */
        if (venue == VENUE_OKX)
            CHECK(sync_whole.crc[i] == -1 || (sync_whole.crc[i] > 0 && sync_whole.crc[i] <= INT64_C(0xFFFFFFFF)));
        if (IS_KRAKEN(venue)) {
            CHECK(sync_whole.crc[i] >= -1 && sync_whole.crc[i] <= INT64_C(0xFFFFFFFF));
            if (k != TB_JSYNC_DELTA && k != TB_JSYNC_SNAPSHOT) CHECK(sync_whole.crc[i] == -1 && sync_whole.ts[i] == 0);
        }
    }
    msgs_init(&sync_acc, MAXN, MAXN + 1);
    msgs_init(&sync_part, 1 + (knob & 6), 1 + (knob >> 5));
    if (!sync_drive(s, n, split, venue, &sync_part, &sync_acc)) return; /* a frame larger than the small output */
    CHECK(sync_acc.out.n_msgs == sync_whole.out.n_msgs && sync_acc.out.n_rows == sync_whole.out.n_rows);
    CHECK(sync_acc.handed == sync_whole.handed);
    for (i = 0; i < sync_whole.out.n_msgs; i++)
        CHECK(sync_acc.kind[i] == sync_whole.kind[i] && sync_acc.seq[i] == sync_whole.seq[i] &&
              sync_acc.ts[i] == sync_whole.ts[i] && sync_acc.line[i] == sync_whole.line[i] &&
              (venue < VENUE_OKX || sync_acc.crc[i] == sync_whole.crc[i]) &&
              sync_acc.row_end[i] == sync_whole.row_end[i]);
    for (i = 0; i < sync_whole.out.n_rows; i++)
        CHECK(sync_acc.side[i] == sync_whole.side[i] && sync_acc.px[i] == sync_whole.px[i] &&
              sync_acc.qty[i] == sync_whole.qty[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s;
    size_t n, consumed = 0, i, split, base = 0, have;
    int futures;
    tb_dec_unit tick = unit("0.01"), lot = unit("0.001");
    if (size < 1) return 0;
    futures = data[0] & 1;
    s = (const char *)data + 1;
    n = size - 1 < MAXN ? size - 1 : MAXN;
    split = n ? (size_t)(data[0] >> 1) * n / 127 : 0;
    if (split > n) split = n;
    sync_check(s, n, split, futures ? VENUE_FUTURES : VENUE_SPOT, data[0]);
    sync_check(s, n, split, VENUE_BYBIT, data[0]);
    sync_check(s, n, split, VENUE_OKX, data[0]);
    sync_check(s, n, split, VENUE_COINBASE, data[0]);
    sync_check(s, n, split, VENUE_BITSTAMP, data[0]);
    sync_check(s, n, split, data[0] & 1 ? VENUE_KRAKEN_LEARN : VENUE_KRAKEN, data[0]);
    cols_init(&whole, MAXN, MAXN + 1);
    CHECK(tb_jscan_binance(s, n, 1, futures, tick, lot, &whole.out, &consumed) == TB_JSCAN_DONE);
    CHECK(consumed == n);
    for (i = 0; i < whole.out.n_frames; i++) {
        int64_t r0 = i ? whole.row_end[i - 1] : 0;
        CHECK(whole.kind[i] <= TB_JSCAN_OTHER);
        CHECK(whole.off[i] >= (i ? whole.off[i - 1] + whole.len[i - 1] : 0));
        CHECK((size_t)(whole.off[i] + whole.len[i]) <= n);
        CHECK(whole.row_end[i] >= r0 && (size_t)whole.row_end[i] <= whole.out.n_rows);
        if (whole.kind[i] != TB_JSCAN_FRAME) {
            CHECK(whole.row_end[i] == r0);
        } else {
            CHECK(whole.so[i] >= whole.off[i] && whole.so[i] + whole.sl[i] <= whole.off[i] + whole.len[i]);
        }
    }
    /* two blocks, a small output drained into acc */
    cols_init(&acc, MAXN, MAXN + 1);
    cols_init(&part, 1 + (data[0] & 6), 1 + (data[0] >> 5));
    have = split;
    for (;;) {
        int final = have == n, rc;
        size_t r0 = 0;
        rc = tb_jscan_binance(s + base, have - base, final, futures, tick, lot, &part.out, &consumed);
        CHECK(rc == TB_JSCAN_DONE || rc == TB_JSCAN_FULL);
        for (i = 0; i < part.out.n_frames; i++) {
            size_t m = acc.out.n_frames++, r;
            for (r = r0; r < (size_t)part.row_end[i]; r++) {
                size_t o = acc.out.n_rows++;
                acc.side[o] = part.side[r];
                acc.px[o] = part.px[r];
                acc.qty[o] = part.qty[r];
            }
            r0 = (size_t)part.row_end[i];
            acc.kind[m] = part.kind[i];
            acc.off[m] = part.off[i] + (int64_t)base;
            acc.row_end[m] = (int64_t)acc.out.n_rows;
        }
        if (rc == TB_JSCAN_FULL && part.out.n_frames == 0) return 0; /* a frame larger than the small output */
        part.out.n_frames = part.out.n_rows = 0;
        base += consumed;
        if (rc == TB_JSCAN_DONE) {
            if (final) break;
            have = n;
        }
    }
    CHECK(acc.out.n_frames == whole.out.n_frames && acc.out.n_rows == whole.out.n_rows);
    for (i = 0; i < whole.out.n_frames; i++)
        CHECK(acc.kind[i] == whole.kind[i] && acc.off[i] == whole.off[i] && acc.row_end[i] == whole.row_end[i]);
    for (i = 0; i < whole.out.n_rows; i++)
        CHECK(acc.side[i] == whole.side[i] && acc.px[i] == whole.px[i] && acc.qty[i] == whole.qty[i]);
    return 0;
}
