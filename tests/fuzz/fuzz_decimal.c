/* fuzz_decimal.c — libFuzzer target for tb_decimal.h, which reads untrusted
 * venue strings. Nothing may crash, read out of bounds or hit UB (built with
 * ASan + UBSan), and every accepted value must round-trip: formatted back
 * (tb_dec_format_col) and parsed again it gives the same integer, and the
 * column entry points agree with the single-value one.
 *
 * Input: byte 0 picks the unit (a table, or the input's own first line as
 * the unit when the low bit of byte 1 is set), the rest is the value.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_decimal.c -o fuzz_decimal
 *   ./fuzz_decimal -max_total_time=60 corpus_dir
 */
#include "tapebook/tb_decimal.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static const char *const UNITS[] = {"1", "0.01", "0.5", "25", "0.00000001", "1e-12", "0.3", "0.000000123"};

static void one_value(const char *s, size_t len, tb_dec_unit u) {
    int is_unsigned;
    for (is_unsigned = 0; is_unsigned <= 1; is_unsigned++) {
        uint64_t v = 0, back = 0, col = 0;
        char text[128];
        size_t done = 0;
        int reason = 0;
        int r = tb_dec_parse(s, len, u, is_unsigned, &v);
        int32_t offs[2];
        CHECK(r >= TB_DEC_OK && r <= TB_DEC_NEGATIVE);
        /* the column entry points say the same */
        offs[0] = 0;
        offs[1] = (int32_t)len;
        if (tb_dec_col_offsets32(s, offs, 1, u, is_unsigned, &col, &done, &reason) == TB_OK) {
            CHECK(r == TB_DEC_OK && col == v);
        } else {
            CHECK(r != TB_DEC_OK && reason == r && done == 0);
        }
        if (r != TB_DEC_OK) continue;
        /* accepted: the canonical string parses back to the same integer */
        CHECK(tb_dec_format_col(&v, is_unsigned, 1, u, -1, text, sizeof text, &done) == TB_OK);
        CHECK(tb_dec_parse(text, strlen(text), u, is_unsigned, &back) == TB_DEC_OK);
        CHECK(back == v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tb_dec_unit u;
    const char *s;
    size_t len;
    if (size < 2) return 0;
    s = (const char *)data + 2;
    len = size - 2;
    if (data[1] & 1) {
        const char *nl = (const char *)memchr(s, '\n', len);
        size_t ulen = nl ? (size_t)(nl - s) : len;
        if (tb_dec_unit_parse(s, ulen, &u) != TB_OK) {
            CHECK(u.reason != TB_DEC_OK);
            return 0;
        }
        CHECK(u.mant >= 1 && u.mant % 10 != 0);
        if (!nl) return 0;
        len -= ulen + 1;
        s = nl + 1;
    } else {
        const char *name = UNITS[data[0] % (sizeof UNITS / sizeof UNITS[0])];
        CHECK(tb_dec_unit_parse(name, strlen(name), &u) == TB_OK);
    }
    one_value(s, len, u);
    return 0;
}
