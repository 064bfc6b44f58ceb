/* bench_tardis_ab.h — the two sides of make bench-tardis-ab (bench_tardis_ab.c): each side
 * is one source tree's tb_tardis_scan.h compiled in bench_tardis_ab_side.c under its own
 * names. */
#ifndef BENCH_TARDIS_AB_H
#define BENCH_TARDIS_AB_H

#include <stddef.h>
#include <stdint.h>

/* what a side did with a file: rows and messages out and a checksum of every column */
typedef struct tardisab_result {
    uint64_t rows, msgs, errs, sum;
} tardisab_result;

/* Scan data[0..len) (a Tardis incremental_book_L2 file without its header, standard
 * columns, tick 0.01, lot 1e-8) in blocks of `block` bytes as the Python reader does,
 * out drained every batch_rows rows; returns 0, or -1 when a call failed. data may be
 * modified (quoted fields). */
typedef int (*tardisab_run_fn)(char *data, size_t len, size_t block, size_t batch_rows, tardisab_result *res);

int tardisab_old_run(char *data, size_t len, size_t block, size_t batch_rows, tardisab_result *res);
int tardisab_new_run(char *data, size_t len, size_t block, size_t batch_rows, tardisab_result *res);

#endif /* BENCH_TARDIS_AB_H */
