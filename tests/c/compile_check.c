/* compile_check.c — compiled, not run (`make c-compile`): the library must
 * build warning-free with -Wall -Wextra -Wpedantic -Werror -Wconversion
 * -Wshadow as C11 (gcc, clang) and, through compile_check.cpp, as C++17.
 * -DTB_TEST_SINGLE_HEADER uses the amalgamated csrc/single/tapebook.h.
 *
 * Besides the shipped variants it instantiates a custom tape size through
 * the documented reopen path and references enough functions of each kind
 * (book, custom book, SpillPool, multi-book pool, iterator, batches) that
 * the compiler really generates the template code. This file is written in
 * the common subset of C and C++. */
#ifdef TB_TEST_SINGLE_HEADER
#include "single/tapebook.h"
#else
#include "tapebook.h"
#endif

/* A custom tape size next to the shipped ones, with its own name. */
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_N 8192
#define TB_BOOK_NAME cc_book_i32_n8192
#include "tapebook/tb_book.inc"
#include "tapebook/tb_family_end.inc"

/* ... and one under the default name in the other family. */
#include "tapebook/tb_params_i64.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_N 32768
#include "tapebook/tb_book.inc"
#include "tapebook/tb_family_end.inc"

/* ... and one in one include, with its type-erased table (tb_variant.h; from
 * the single header, by including it again with the parameters set) */
#define TB_VARIANT_N 256
#define TB_VARIANT_BITS 64
#define TB_VARIANT_NAME cc_one_i64
#define TB_VARIANT_OPS
#ifdef TB_TEST_SINGLE_HEADER
#include "single/tapebook.h"
#else
#include "tapebook/tb_variant.h"
#endif

TB_STATIC_ASSERT(sizeof(tb_level_i32) == 8, "packed level");
TB_STATIC_ASSERT(cc_book_i32_n8192_N == 8192, "custom N");

int tb_compile_check_c(void);
int tb_compile_check_c(void) {
    tb_spill_pool_i32 *pool = NULL;
    tb_book_i32_n1024 *b = NULL;
    cc_book_i32_n8192 *wide = NULL;
    tb_book_i64_n32768 *wide64 = NULL;
    tb_multi_i64_h1024_m256_l64 *multi = NULL;
    tb_book_i32_n1024_iter it;
    tb_level_i32 lv[4], one;
    tb_bbo_i32 bbo[3];
    tb_book_stats st;
    tb_pool_stats ps;
    tb_result res = TB_INSERT;
    tb_handle h = TB_HANDLE_INVALID;
    const uint8_t sides[3] = {1, 0, 1};
    const int32_t px[3] = {100, 101, 99};
    const uint32_t qty[3] = {5, 6, 7};
    int8_t results[3];
    size_t n = 0, done = 0;
    int rc = 0;

    rc |= tb_spill_pool_i32_create(&pool, 4096, TB_POOL_REFUSE);
    rc |= tb_book_i32_n1024_create(&b, 0, 256, pool);
    rc |= tb_book_i32_n1024_set(b, TB_BID, 100, 5, &res);
    rc |= tb_book_i32_n1024_set_code(b, TB_ASK, 101, 5) < TB_SPILL;
    rc |= tb_book_i32_n1024_apply(b, sides, px, qty, 3, results, &done);
    rc |= tb_book_i32_n1024_bbo_trace(b, sides, px, qty, 3, bbo, &done);
    rc |= tb_book_i32_n1024_best_bid_px(b) != 100;
    rc |= tb_book_i32_n1024_best_ask_qty(b) == 0u;
    rc |= tb_book_i32_n1024_levels(b, TB_BID, lv, 4, &n);
    rc |= tb_book_i32_n1024_iter_init(&it, b, TB_ASK);
    while (tb_book_i32_n1024_iter_next(&it, &one)) n++;
    rc |= tb_book_i32_n1024_recenter_bid(b, -200);
    rc |= tb_book_i32_n1024_erase_better(b, TB_ASK, 101);
    rc |= tb_book_i32_n1024_reserve_spill(b);
    rc |= tb_book_i32_n1024_verify_invariants(b);
    rc |= tb_book_i32_n1024_stats(b, &st);
    rc |= tb_spill_pool_i32_stats(pool, &ps);
    rc |= tb_book_i32_n1024_crossed(b) + tb_book_i32_n1024_crossed_on_tape(b);
    rc |= tb_book_i32_n1024_destroy(b);
    rc |= tb_spill_pool_i32_destroy(pool);

    rc |= cc_book_i32_n8192_create(&wide, 1000, 64, NULL);
    rc |= cc_book_i32_n8192_set_code(wide, TB_BID, 5000, 1) < TB_SPILL;
    rc |= cc_book_i32_n8192_best_px(wide, TB_BID) != 5000;
    rc |= cc_book_i32_n8192_destroy(wide);
    {
        void *erased = NULL;
        rc |= cc_one_i64_ops.create(&erased, 0, 64, NULL);
        rc |= cc_one_i64_ops.set_code(erased, TB_BID, 3, 1) < TB_SPILL;
        rc |= cc_one_i64_best_bid_px((cc_one_i64 *)erased) != 3;
        rc |= cc_one_i64_ops.destroy(erased);
    }
    rc |= tb_book_i64_n32768_create(&wide64, INT64_C(4000000000000000000), 64, NULL);
    rc |= tb_book_i64_n32768_reset_at_mid(wide64, TB_ASK, INT64_C(4000000000000000000));
    rc |= tb_book_i64_n32768_destroy(wide64);

    rc |= tb_multi_i64_h1024_m256_l64_create(&multi, 1, 1, 1, 4096, 64, TB_POOL_FALLBACK);
    rc |= tb_multi_i64_h1024_m256_l64_alloc(multi, TB_TIER_LOW, 0, 0, &h);
    rc |= tb_multi_i64_h1024_m256_l64_set_code(multi, h, TB_BID, 10, 1) < TB_SPILL;
    rc |= tb_book_i64_n64_best_bid_px(tb_multi_i64_h1024_m256_l64_book_low(multi, h)) != 10;
    rc |= tb_multi_i64_h1024_m256_l64_free(multi, h);
    rc |= tb_multi_i64_h1024_m256_l64_destroy(multi);
    return rc | (tb_status_str(rc)[0] == '\0') | tb_take_query_status();
}
