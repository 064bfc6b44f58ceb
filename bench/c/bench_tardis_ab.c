/* bench_tardis_ab.c — same-process A/B of the Tardis scanner (make bench-tardis-ab):
 * AB_OLD's tb_tardis_scan.h and this tree's, each over the same file in memory (its
 * header line skipped), in 2 MB blocks with batches of 65,536 rows as the Python reader
 * scans them, alternating old and new within each round. Prints each side's best thread
 * CPU time per row per round and the new/old ratio; the two must agree on every row,
 * message and error (a checksum), or it fails.
 *
 *   bench_tardis_ab FILE [--rounds N] [--reps N]
 *
 * Measured (make bench-tardis-ab AB_OLD=43ffe34 BENCH_CFLAGS="-O3 -DNDEBUG", the 1M-row
 * file of bench_feeds.py, --rounds 7, gcc 12, 2-core AMD EPYC VM, load 6.1-6.8 from other
 * jobs): 43ffe34 34.0 ns/row best, 49fa30b (the head of the row before and the kept
 * value shapes) 28.65; new/old 0.79-0.87 per round, 0.842 best to best. callgrind over
 * the first 200,000 rows (the drain's checksum included): 442 -> 369 instructions a row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_tardis_ab.h"

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* best CPU seconds of reps runs of fn over a fresh copy of src */
static double best(tardisab_run_fn fn, const char *src, char *work, size_t len, int reps, tardisab_result *res) {
    double b = 1e30;
    int k;
    for (k = 0; k < reps; k++) {
        double t0;
        memcpy(work, src, len);
        t0 = cpu_now();
        if (fn(work, len, (size_t)1 << 21, (size_t)1 << 16, res) != 0) {
            fprintf(stderr, "scan failed\n");
            exit(1);
        }
        t0 = cpu_now() - t0;
        if (t0 < b) b = t0;
    }
    return b;
}

int main(int argc, char **argv) {
    int rounds = 5, reps = 3, i;
    FILE *f;
    long size;
    char *src, *work, *body;
    size_t len;
    double best_old = 1e30, best_new = 1e30, rows = 1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [--rounds N] [--reps N]\n", argv[0]);
        return 2;
    }
    for (i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    src = (char *)malloc((size_t)size);
    work = (char *)malloc((size_t)size);
    if (!src || !work || fread(src, 1, (size_t)size, f) != (size_t)size) return 2;
    fclose(f);
    body = memchr(src, '\n', (size_t)size);
    if (!body) return 2;
    body++;
    len = (size_t)(src + size - body);
    for (i = 0; i < rounds; i++) {
        tardisab_result ro, rn;
        double to = best(tardisab_old_run, body, work, len, reps, &ro);
        double tn = best(tardisab_new_run, body, work, len, reps, &rn);
        if (ro.rows != rn.rows || ro.msgs != rn.msgs || ro.errs != rn.errs || ro.sum != rn.sum) {
            fprintf(stderr, "MISMATCH: old %llu rows %llu msgs %llu errs %016llx, new %llu %llu %llu %016llx\n",
                    (unsigned long long)ro.rows, (unsigned long long)ro.msgs, (unsigned long long)ro.errs,
                    (unsigned long long)ro.sum, (unsigned long long)rn.rows, (unsigned long long)rn.msgs,
                    (unsigned long long)rn.errs, (unsigned long long)rn.sum);
            return 1;
        }
        rows = (double)ro.rows;
        if (to < best_old) best_old = to;
        if (tn < best_new) best_new = tn;
        printf("round %d: old %.2f ns/row, new %.2f ns/row, new/old %.3f (%llu rows, %llu msgs)\n", i + 1,
               to * 1e9 / (double)ro.rows, tn * 1e9 / (double)rn.rows, tn / to, (unsigned long long)ro.rows,
               (unsigned long long)ro.msgs);
        fflush(stdout);
    }
    printf("best: old %.2f ns/row, new %.2f ns/row, new/old %.3f\n", best_old * 1e9 / rows, best_new * 1e9 / rows,
           best_new / best_old);
    return 0;
}
