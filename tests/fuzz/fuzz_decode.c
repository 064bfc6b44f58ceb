/* fuzz_decode.c — libFuzzer target for the decoders that read untrusted bytes:
 * depth snapshots (tb_depth_check) and book dumps (tb_dump_peek,
 * B_check_dump, B_load). Nothing may crash, read out of bounds or hit UB
 * (built with ASan + UBSan), and every accepted input must be canonical:
 * load() then dump() gives the same bytes back, and the book it built
 * passes verify_invariants().
 *
 * Random bytes rarely get past a magic number and a CRC32, so each input is
 * also tried "repaired": magic, version, width, lengths and the CRC are made
 * consistent, which lets the fuzzer explore the per-level validation.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_decode.c -o fuzz_decode
 *   ./fuzz_decode -max_total_time=60 corpus_dir
 */
#include "tapebook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                           \
        }                                                                      \
    } while (0)

static unsigned char scratch[1u << 20];

/* ---- depth snapshots ---------------------------------------------------------- */

static void depth_case(const uint8_t *data, size_t size) {
    const char *why = NULL;
    int st = tb_depth_check(data, size, &why);
    CHECK(st == TB_OK || (st == TB_ERR_FORMAT && why != NULL));
    if (st == TB_OK) {
        tb_depth_header h;
        memcpy(&h, data, sizeof h);
        CHECK(h.bid_count <= h.capacity && h.ask_count <= h.capacity);
        CHECK(size == tb_depth_size(h.width, h.capacity));
    }
}

/* The input with a consistent header and exact size, for deeper coverage. */
static void depth_repaired(const uint8_t *data, size_t size) {
    uint32_t width, k, magic = TB_DEPTH_MAGIC;
    size_t need;
    if (size < 1) return;
    width = (data[0] & 1u) ? 8u : 4u;
    k = (data[0] & 2u) ? 128u : 16u;
    need = tb_depth_size(width, k);
    memset(scratch, 0, need);
    memcpy(scratch, data, size < need ? size : need);
    memcpy(scratch, &magic, 4);
    scratch[4] = TB_DEPTH_VERSION;
    scratch[5] = (unsigned char)width;
    memcpy(scratch + 6, &(uint16_t){(uint16_t)k}, 2);
    scratch[32] = (unsigned char)(scratch[32] % (k + 1u));
    scratch[33] = 0;
    scratch[34] = (unsigned char)(scratch[34] % (k + 1u));
    scratch[35] = 0;
    depth_case(scratch, need);
}

/* ---- book dumps ------------------------------------------------------------------ */

/* Load into a fresh heap book, a book with spill blocks already, and a
 * pool-backed book with a tiny pool; every success must round-trip. */
#define TRY_VARIANT(B, FAMPOOL, P)                                                   \
    do {                                                                             \
        B *b = NULL;                                                                 \
        FAMPOOL *pool = NULL;                                                        \
        size_t n = 0;                                                                \
        const char *w2 = NULL;                                                       \
        int chk = B##_check_dump(buf, len, &w2), ld, round;                          \
        CHECK(chk == TB_OK || (chk == TB_ERR_FORMAT && w2 != NULL));                 \
        for (round = 0; round < 3; round++) {                                        \
            CHECK(FAMPOOL##_create(&pool, 64, TB_POOL_REFUSE) == TB_OK);             \
            CHECK(B##_create(&b, 0, 32, round == 2 ? pool : NULL) == TB_OK);         \
            if (round == 1) { /* existing spill blocks on both sides */              \
                CHECK(B##_set_code(b, 1, (P)(-5000), 1) >= TB_SPILL);                 \
                CHECK(B##_set_code(b, 1, (P)(-6000), 1) >= TB_SPILL);                 \
                CHECK(B##_set_code(b, 0, (P)5000, 1) >= TB_SPILL);                    \
                CHECK(B##_set_code(b, 0, (P)6000, 1) >= TB_SPILL);                    \
            }                                                                        \
            ld = B##_load(b, buf, len);                                              \
            CHECK((ld == TB_OK) == (chk == TB_OK) || ld == TB_ERR_NOMEM || ld == TB_ERR_MAX_CAP); \
            CHECK(B##_verify_invariants(b) == TB_OK);                                \
            if (ld == TB_OK) {                                                       \
                CHECK(B##_dump(b, scratch, sizeof scratch, &n) == TB_OK);            \
                CHECK(n == len && memcmp(scratch, buf, len) == 0);                   \
            }                                                                        \
            CHECK(B##_destroy(b) == TB_OK);                                          \
            CHECK(FAMPOOL##_destroy(pool) == TB_OK);                                 \
        }                                                                            \
    } while (0)

static void dump_case(const uint8_t *buf, size_t len) {
    tb_dump_info info;
    const char *why = NULL;
    int st = tb_dump_peek(buf, len, &info, &why);
    CHECK(st == TB_OK || (st == TB_ERR_FORMAT && why != NULL));
    if (st) return;
    CHECK(info.total_len == len);
#define N_CASE(N)                                                                    \
    case N:                                                                          \
        if (info.width == 4u) TRY_VARIANT(tb_book_i32_n##N, tb_spill_pool_i32, int32_t); \
        else TRY_VARIANT(tb_book_i64_n##N, tb_spill_pool_i64, int64_t);              \
        break;
    switch (info.n) {
        TB_SHIPPED_TAPE_SIZES(N_CASE) /* every shipped size (generated list) */
    default: break;
    }
#undef N_CASE
}

static void put32(unsigned char *p, uint32_t v) {
    int i;
    for (i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Header made consistent (magic, version, small n, width, total length,
 * level counts bounded by the bytes present) and the CRC recomputed. */
static void dump_repaired(const uint8_t *data, size_t size) {
#define SIZE_OF(N) N,
    static const uint32_t sizes[] = {TB_SHIPPED_TAPE_SIZES(SIZE_OF)};
#undef SIZE_OF
    size_t len, levels, avail, lvl_bytes;
    uint32_t width, s, counts[4];
    unsigned i;
    if (size < TB_DUMP_LEVELS_AT + 4u || size > sizeof scratch) return;
    memcpy(scratch, data, size);
    width = (scratch[6] & 1u) ? 8u : 4u;
    put32(scratch, TB_DUMP_MAGIC);
    scratch[4] = 1;
    scratch[5] = 0;
    scratch[6] = (unsigned char)width;
    scratch[7] = 0;
    put32(scratch + 8, sizes[scratch[8] % (sizeof sizes / sizeof sizes[0])]);
    put32(scratch + 12, 1u << (scratch[12] % 17u));
    avail = (size - TB_DUMP_LEVELS_AT - 4u) / (2u * width);
    levels = 0;
    for (i = 0; i < 4; i++) { /* ask tape, ask spill, bid tape, bid spill */
        size_t at = TB_DUMP_HEADER_SIZE + (i / 2u) * TB_DUMP_SIDE_SIZE + 8u + 4u * (i % 2u);
        counts[i] = (uint32_t)(scratch[at] % (avail - levels + 1u));
        levels += counts[i];
        put32(scratch + at, counts[i]);
    }
    for (s = 0; s < 2; s++) { /* spill_cap: a plausible power of two */
        size_t at = TB_DUMP_HEADER_SIZE + s * TB_DUMP_SIDE_SIZE + 16u;
        put32(scratch + at, scratch[at] & 1u ? 0u : 1u << (scratch[at] % 17u));
    }
    lvl_bytes = levels * 2u * width;
    len = TB_DUMP_LEVELS_AT + lvl_bytes + 4u;
    put32(scratch + 16, (uint32_t)len);
    put32(scratch + 20, 0);
    put32(scratch + len - 4u, tb_crc32(0, scratch, len - 4u));
    {
        /* copy out: the TRY_VARIANT round trip dumps into scratch */
        unsigned char *copy = (unsigned char *)malloc(len);
        CHECK(copy != NULL);
        memcpy(copy, scratch, len);
        dump_case(copy, len);
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *copy = (unsigned char *)malloc(size ? size : 1);
    CHECK(copy != NULL);
    if (size) memcpy(copy, data, size);
    depth_case(copy, size);
    depth_repaired(copy, size);
    dump_case(copy, size);
    dump_repaired(copy, size);
    free(copy);
    return 0;
}
