/* bench_itch_run.c — the ITCH direct path's C call (tb_itch_run_block) over one file, as
 * feeds.replay(format="itch", max_orders=0) makes it, without Python around it: for
 * callgrind (one replay: where a record's instructions go) and for timing the C part.
 *
 * The replay's set-up is the Python path's: the whole file in one buffer read in 1 MiB
 * blocks (here: already in memory, so the reads are not timed), the order table sized
 * from the file (tapebook/feeds/itch.py order_slots), a 64-bit book of tape size --n
 * anchored as Book() does (centred on 0, max_cap 2^20; n 16384: feeds.itch.tape_size at
 * tick_size 0.0001), BBO rows into a reused room of
 * 2^16 rows (the Python sink's room), built with the CFFI module's flags
 * (make bench-itch-run).
 *
 * Usage: bench_itch_run FILE [--n 16384] [--reps 10] [--symbol AAPL] [--px-div 1]
 * (--px-div 100: the tick 0.01 the stock quotes in, SEC Rule 612; then --n 1024, as
 * feeds.itch.tape_size picks at that tick).
 * Prints, per replay, thread CPU ns per record; the first replay (not the best, usually)
 * also sums the rows into a checksum, which must not change with the code.
 *
 * Measured (make bench-itch-run's build of main e28c482 and of the commit that grows
 * only the order log's full table, binaries taking turns, --reps 5-8, load 8.6-8.8, best
 * ns per record): realistic day (ITCH_DAY=realistic) 53.5-53.9 -> 48.8-49.1 (callgrind
 * --reps 1: 106.6M -> 91.2M instructions, same checksum); random day 40.4-42.4 vs
 * 41.5-43.4 in 7 pairs, 86.7M instructions on both: no change. */
#define TB_FEED_DEFINE_OPS
#include "tapebook.h"
#include "tapebook/tb_feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROOM = 1 << 16, BLOCK = 1 << 20 };

static double cpu_ns(void) { /* this thread's CPU time: slices lost to other processes do not count */
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return NULL;
    p = (uint8_t *)malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) return NULL;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static size_t order_slots(size_t bytes) { /* itch.py's order_slots */
    size_t s = bytes / 64;
    return s < 4096 ? 4096 : s > ((size_t)1 << 17) ? ((size_t)1 << 17) : s;
}

/* one replay of buf: rows written, their checksum into *sum; records into *records */
static size_t replay(const uint8_t *buf, size_t len, int n, int64_t px_div, const char *sym8, tb_feed_row *out,
                     uint64_t *sum, uint64_t *records) {
    const tb_feed_ops *ops = tb_feed_ops_for(n);
    void *book = NULL;
    tb_itch_run run;
    tb_itch_state st;
    tb_olog g;
    tb_feed_state fst;
    size_t pos = 0, rows = 0;
    if (!ops) abort();
    switch (n) {
#define BENCH_CREATE(N) \
    case N: if (tb_book_i64_n##N##_create((tb_book_i64_n##N **)&book, -(N / 2), 1u << 20, NULL) != TB_OK) abort(); break;
        TB_SHIPPED_TAPE_SIZES(BENCH_CREATE)
#undef BENCH_CREATE
    default: abort();
    }
    if (tb_olog_init(&g, order_slots(len), 0x9e3779b97f4a7c15u) != TB_OK) abort();
    tb_itch_init(&st, 0, sym8);
    memset(&fst, 0, sizeof fst);
    fst.in_sync = 1;
    tb_itch_run_init(&run, 0);
    for (;;) { /* the Python scan: 1 MiB blocks (a partial record joins the next), the room drained after each call */
        const size_t end = len - pos > BLOCK ? pos + BLOCK : len;
        for (;;) {
            size_t i;
            const int rc = tb_itch_run_block(&run, &st, &g, book, ops, buf + pos, end - pos, px_div, 1, 0, 0, out, NULL,
                                             ROOM, NULL, 0, &fst);
            if (rc != TB_ITCH_RUN_DONE) abort();
            if (sum)
                for (i = 0; i < run.msgs; i++)
                    *sum = *sum * 31 + (uint64_t)out[i].ts + (uint64_t)out[i].seq + (uint64_t)out[i].bid_px +
                           out[i].bid_qty + (uint64_t)out[i].ask_px + out[i].ask_qty + out[i].flags;
            rows += run.msgs;
            pos += run.consumed;
            if (run.msgs < ROOM) break;
        }
        if (end == len) break;
    }
    *records = st.records;
    tb_olog_free(&g);
    switch (n) {
#define BENCH_DESTROY(N) case N: tb_book_i64_n##N##_destroy((tb_book_i64_n##N *)book); break;
        TB_SHIPPED_TAPE_SIZES(BENCH_DESTROY)
#undef BENCH_DESTROY
    default: break;
    }
    return rows;
}

int main(int argc, char **argv) {
    const char *path = NULL, *symbol = "AAPL";
    char sym8[8];
    int n = 16384, reps = 10, i;
    int64_t px_div = 1;
    size_t len = 0, k;
    uint8_t *buf;
    tb_feed_row *out = (tb_feed_row *)calloc(ROOM, sizeof *out);
    double best = 1e300;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--symbol") && i + 1 < argc) symbol = argv[++i];
        else if (!strcmp(argv[i], "--px-div") && i + 1 < argc) px_div = atol(argv[++i]);
        else path = argv[i];
    }
    if (!path || !out || !(buf = read_all(path, &len))) {
        fprintf(stderr, "usage: bench_itch_run FILE [--n 16384] [--reps 10] [--symbol AAPL] [--px-div 1]\n");
        return 2;
    }
    memset(sym8, ' ', 8);
    for (k = 0; k < 8 && symbol[k]; k++) sym8[k] = symbol[k];
    for (i = 0; i < reps; i++) {
        uint64_t sum = 0, records = 0;
        const double t0 = cpu_ns();
        const size_t rows = replay(buf, len, n, px_div, sym8, out, i == 0 ? &sum : NULL, &records);
        const double ns = (cpu_ns() - t0) / (double)records;
        if (ns < best) best = ns;
        printf("replay %d: %zu records, %zu rows, %.1f ns/record (CPU), checksum %016llx\n", i, (size_t)records,
               rows, ns, (unsigned long long)sum);
    }
    printf("best %.1f ns/record (n=%d, px_div %lld)\n", best, n, (long long)px_div);
    free(buf);
    free(out);
    return 0;
}
