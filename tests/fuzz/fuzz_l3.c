/* fuzz_l3.c — libFuzzer target for the L3 book: any bytes become apply_mbo
 * columns (and, from a trailing slice, a dump fed to load()).
 *
 * Each 12-byte record is one row: action (a byte mapped onto A/C/M/E/R or
 * left raw: anything else must be refused), side (raw byte: 0/1 or invalid),
 * id (2 bytes: small ids collide, repeat and get reused), price (4 bytes
 * around the anchor, sometimes far beyond the tape or the price domain),
 * quantity (4 bytes; 0 and huge values included). The rows run through
 * apply_mbo_bbo on a tb_l3_i32_n64 book with max_orders 64 and max_cap 8
 * (created whole, or — bit 4 of the first byte — reserved for 1 order and
 * grown in the batch; arena and level limits hit all the time, quantities near UINT32_MAX
 * overflow level totals). After the batch: verify_invariants() must hold,
 * the returned BBO after the last row must equal the book's, and a
 * dump -> load round trip into a second book must give the same dump. The
 * input's last bytes are also handed to load() as a (usually malformed) dump:
 * it must refuse or accept without breaking the invariants.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_l3.c -o fuzz_l3
 *   ./fuzz_l3 -max_total_time=60 corpus_dir           (make fuzz-cov)
 * Build with -DFUZZ_L3_MAIN (no -fsanitize=fuzzer) for a driver that runs the
 * files named on the command line. */
#define TB_NO_SHIPPED_VARIANTS /* only the variant used: a fast build */
#include "tapebook.h"
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family.inc"
#define TB_N 64
#include "tapebook/tb_book.inc"
#define TB_N 64
#include "tapebook/tb_l3.inc"
#include "tapebook/tb_family_end.inc"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

#define ROW 12u
#define MAX_ROWS 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t act[MAX_ROWS], sd[MAX_ROWS];
    static uint64_t ids[MAX_ROWS];
    static int32_t px[MAX_ROWS];
    static uint32_t qty[MAX_ROWS];
    static int8_t st[MAX_ROWS];
    static tb_bbo_i32 bbo[MAX_ROWS];
    static const uint8_t letters[8] = {'A', 'A', 'A', 'C', 'C', 'M', 'E', 'R'};
    tb_l3_i32_n64 *l = NULL, *m = NULL;
    size_t n = size / ROW, i, n_err = 0, len = 0, len2 = 0;
    unsigned char *buf, *buf2;
    tb_bbo_i32 now;
    if (n > MAX_ROWS) n = MAX_ROWS;
    if (size && (data[0] & 0x10u)) { /* a bit the first row's action mapping ignores: books
                                       * reserved for 1 / 3 orders, so the arena and the id
                                       * index grow in the middle of the batch */
        CHECK(tb_l3_i32_n64_create_reserved(&l, 1000, 64, 1, 8, NULL) == TB_OK);
        CHECK(tb_l3_i32_n64_create_reserved(&m, 1000, 64, 3, 8, NULL) == TB_OK);
    } else {
        CHECK(tb_l3_i32_n64_create(&l, 1000, 64, 8, NULL) == TB_OK);
        CHECK(tb_l3_i32_n64_create(&m, 1000, 64, 8, NULL) == TB_OK);
    }
    for (i = 0; i < n; i++) {
        const uint8_t *r = data + i * ROW;
        int32_t off = (int32_t)((uint32_t)r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24);
        act[i] = r[0] < 240 ? letters[r[0] & 7u] : r[0];
        sd[i] = r[1] < 250 ? (uint8_t)(r[1] & 1u) : r[1];
        ids[i] = (uint64_t)r[2] | (uint64_t)r[3] << 8;
        px[i] = (r[8] & 0x80u) ? off : 1000 + (off % 200); /* mostly near the anchor */
        qty[i] = (uint32_t)r[9] | (uint32_t)r[10] << 8 | ((r[11] & 0x80u) ? 0xffff0000u : 0u);
        if ((r[11] & 0x40u) == 0) qty[i] &= 0xffu;
    }
    CHECK(tb_l3_i32_n64_apply_mbo_bbo(l, act, ids, sd, px, qty, n, st, bbo, &n_err) == TB_OK);
    CHECK(tb_l3_i32_n64_verify_invariants(l) == TB_OK);
    for (i = 0; i < n; i++) CHECK(st[i] == 0 || (st[i] <= TB_ERR_FIRST && st[i] >= TB_ERR_L3_LAST));
    if (n) {
        CHECK(tb_book_i32_n64_bbo(tb_l3_i32_n64_book(l), &now) == TB_OK);
        CHECK(memcmp(&now, &bbo[n - 1], sizeof now) == 0);
    }
    /* dump -> load -> dump */
    CHECK(tb_l3_i32_n64_dump_size(l, &len) == TB_OK);
    buf = (unsigned char *)malloc(len);
    buf2 = (unsigned char *)malloc(len);
    CHECK(buf && buf2);
    CHECK(tb_l3_i32_n64_dump(l, buf, len, &len) == TB_OK);
    CHECK(tb_l3_i32_n64_load(m, buf, len) == TB_OK);
    CHECK(tb_l3_i32_n64_dump(m, buf2, len, &len2) == TB_OK && len2 == len && memcmp(buf, buf2, len) == 0);
    CHECK(tb_l3_i32_n64_verify_invariants(m) == TB_OK);
    free(buf);
    free(buf2);
    /* the raw tail as a dump: refused or loaded, never broken */
    if (size > n * ROW) (void)tb_l3_i32_n64_load(m, data + n * ROW, size - n * ROW);
    (void)tb_l3_i32_n64_load(m, data, size);
    CHECK(tb_l3_i32_n64_verify_invariants(m) == TB_OK);
    CHECK(tb_l3_i32_n64_destroy(l) == TB_OK);
    CHECK(tb_l3_i32_n64_destroy(m) == TB_OK);
    return 0;
}

#ifdef FUZZ_L3_MAIN
int main(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        long len;
        uint8_t *d;
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        d = (uint8_t *)malloc(len > 0 ? (size_t)len : 1u);
        if (d && fread(d, 1, (size_t)len, f) == (size_t)len) LLVMFuzzerTestOneInput(d, (size_t)len);
        free(d);
        fclose(f);
    }
    return 0;
}
#endif
