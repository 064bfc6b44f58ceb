/* bench_feed_ab.c — same-process A/B of the replay loop (make bench-feed-ab): AB_OLD's
 * tb_feed_run (tb_feed_apply.h) and this tree's, over the same Tardis file scanned once
 * into columns by this tree's scanner (its header line skipped), alternating old and new
 * within each round. Prints each side's best thread CPU time per round and the new/old
 * ratio; the two must write the same BBO rows (a checksum), or it fails.
 *
 *   bench_feed_ab FILE [--rounds N] [--reps N]
 *
 * Measured (the 1M-row file of bench_feeds.py: 221,438 messages, 4.5 rows a message, gcc 12,
 * 2-core VM, load 3.7-3.8 from other jobs): a candidate that read the BBO once a message
 * (a book op bbo_trace_ends, commit da1efc9) against the BBO once a row (bbo_trace,
 * e4f1e0e) — AB_OLD=e4f1e0e on da1efc9 — was not faster: --rounds 7 --reps 7,
 * BENCH_CFLAGS="-O3 -DNDEBUG" (the Python module's flags) old 7.47-7.58 ms, new
 * 7.61-7.82, new/old 1.019-1.037 every round; the default -O3 -march=native new/old
 * 0.995-1.013, and 0.966-0.981 in the run before.
 * Again for the claimed run (tardis9, a8fe705: a shipped book claimed once a run of DELTA
 * messages, each message's rows through its inline set_rows_bbo, the BBO once a message)
 * against bbo_trace (AB_OLD=0b73370), module flags, --rounds 7 --reps 7, load 11.8-12.2:
 * old 7.52-7.82 ms, new 7.37-7.76, new/old 0.959-1.033 — no resolvable change in time,
 * though callgrind counts 27 fewer instructions a row (the Python replay's
 * tb_tardis_run_block).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapebook.h"
#include "tapebook/tb_tardis_scan.h"

#include "bench_feed_ab.h"

int main(int argc, char **argv) {
    static const uint8_t roles[8] = {TB_TARDIS_OTHER,    TB_TARDIS_SYMBOL,      TB_TARDIS_TIMESTAMP,
                                     TB_TARDIS_LOCAL_TS, TB_TARDIS_IS_SNAPSHOT, TB_TARDIS_SIDE,
                                     TB_TARDIS_PRICE,    TB_TARDIS_AMOUNT};
    static tb_tardis_err errs[256];
    const tb_dec_unit tick = {1, -2, 0}, lot = {1, -8, 0};
    int rounds = 7, reps = 5, k, a;
    FILE *f;
    long len;
    char *data, *body;
    size_t cap, mcap, consumed = 0;
    tb_tardis_scan st;
    tb_tardis_out o;
    feedab_cols c;
    void *rows;
    int8_t *scratch;
    if (argc < 2) {
        fprintf(stderr, "usage: bench_feed_ab FILE [--rounds N] [--reps N]\n");
        return 2;
    }
    for (a = 2; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--rounds") == 0) rounds = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--reps") == 0) reps = atoi(argv[a + 1]);
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    data = (char *)malloc((size_t)len);
    if (!data || fread(data, 1, (size_t)len, f) != (size_t)len) return 1;
    fclose(f);
    body = (char *)memchr(data, '\n', (size_t)len);
    if (!body) return 1;
    body++;
    /* every line gives at most one row and one message */
    cap = (size_t)len / 8 + 1;
    mcap = cap + (size_t)TB_TARDIS_MSG_ROOM;
    memset(&o, 0, sizeof o);
    o.side = (uint8_t *)malloc(cap);
    o.px = (int64_t *)malloc(cap * 8);
    o.qty = (uint64_t *)malloc(cap * 8);
    o.rows_cap = cap;
    o.row_end = (int64_t *)malloc(mcap * 8);
    o.ts = (int64_t *)malloc(mcap * 8);
    o.seq = (int64_t *)malloc(mcap * 8);
    o.line = (int64_t *)malloc(mcap * 8);
    o.kind = (uint8_t *)malloc(mcap);
    o.msgs_cap = mcap;
    o.errs = errs;
    o.errs_cap = 256;
    if (!o.side || !o.px || !o.qty || !o.row_end || !o.ts || !o.seq || !o.line || !o.kind) return 1;
    if (tb_tardis_begin(&st, roles, 8, tick, lot, 2, 1) != TB_OK ||
        tb_tardis_scan_buf(&st, body, (size_t)(data + len - body), 1, &o, &consumed) != TB_TARDIS_DONE) {
        fprintf(stderr, "scan failed (more than one batch, or a symbol change)\n");
        return 1;
    }
    c.side = o.side;
    c.px = o.px;
    c.qty = o.qty;
    c.n_rows = o.n_msgs ? (size_t)o.row_end[o.n_msgs - 1] : 0;
    c.row_end = o.row_end;
    c.ts = o.ts;
    c.seq = o.seq;
    c.kind = o.kind;
    c.n_msgs = o.n_msgs;
    printf("%zu rows, %zu messages, %zu errors\n", c.n_rows, c.n_msgs, o.n_errs);
    rows = malloc((c.n_msgs ? c.n_msgs : 1) * 56);
    scratch = (int8_t *)malloc(c.n_rows + 1);
    if (!rows || !scratch) return 1;
    for (k = 0; k < rounds; k++) {
        double bo = 1e30, bn = 1e30;
        uint64_t so = 0, sn = 0;
        size_t no = 0, nn = 0;
        int i;
        for (i = 0; i < reps; i++) {
            double t = feedab_old_run(&c, rows, scratch, &no, &so);
            double u = feedab_new_run(&c, rows, scratch, &nn, &sn);
            if (t < 0 || u < 0) {
                fprintf(stderr, "replay failed\n");
                return 1;
            }
            if (t < bo) bo = t;
            if (u < bn) bn = u;
        }
        if (so != sn || no != nn) {
            fprintf(stderr, "old and new differ: %zu vs %zu rows\n", no, nn);
            return 1;
        }
        printf("round %d: old %.3f ms  new %.3f ms  new/old %.3f\n", k, bo * 1e3, bn * 1e3, bn / bo);
    }
    return 0;
}
