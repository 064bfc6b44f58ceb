/* tbv_all.h — tapebook with every shipped variant, two custom tape sizes and
 * a custom multi-book pool, plus the test tables of each (see tbv.h).
 *
 *   tbv_books[]   book variants: the library's tb_ops tables (i32 and i64, the
 *                 shipped N from tb_ops_shipped.h, and the custom
 *                 tb_book_i32_n8192 and tbt_wide_i64 with N = 16384)
 *   tbv_extras[]  their test-only functions, found with tbv_x(V)
 *   tbv_pools[]   the SpillPool of each family
 *   tbv_multis[]  multi-book pools (the shipped ones and tb_multi_i32_h8192_m512_l128)
 *
 * The shipped variants' tables come from generated files (tb_ops_shipped.h,
 * tbv_shipped.h), so adding a shipped size needs no edit here. The custom
 * variants are added through the documented reopen path:
 * tb_params_<fam>.inc + tb_family_reopen.inc + TB_N + tb_book.inc +
 * tb_family_end.inc. With 8192 and 16384 cells a tape has more than one
 * summary word, which the shipped sizes up to 4096 never exercise (16384 is
 * shipped too, for the ITCH replay: four summary words; the custom 8192 has two).
 *
 * Sanitizer builds (detected: ASan with gcc or clang, UBSan with clang) and
 * TBV_SUBSET test a graded set, every other shipped size (tbv_shipped.h)
 * plus the custom ones: the i64 family shares every line of template code
 * with i32, so more sizes add run time, not coverage. */
#ifndef TBV_ALL_H
#define TBV_ALL_H

#include "tbv.h"

#if defined(__has_feature)
#define TBV__HAS_FEATURE(x) __has_feature(x)
#else
#define TBV__HAS_FEATURE(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || TBV__HAS_FEATURE(address_sanitizer) || \
    TBV__HAS_FEATURE(undefined_behavior_sanitizer)
#define TBV_SANITIZED 1
#else
#define TBV_SANITIZED 0
#endif
#if TBV_SANITIZED || defined(TBV_SUBSET)
#define TBV_LEVEL 2
#else
#define TBV_LEVEL 0
#endif

/* custom i32 variant, default name: tb_book_i32_n8192 (unless a build ships
 * that size: then the shipped one is tested in its place) */
#ifndef TB_SHIPPED_tb_book_i32_n8192
#define TBV_CUSTOM_8192 1
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_N 8192
#include "tapebook/tb_book.inc"
#include "tapebook/tb_family_end.inc"
#endif
/* a multi-book pool whose high tier is the custom size */
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_MULTI_HIGH_N 8192
#define TB_MULTI_MEDIUM_N 512
#define TB_MULTI_LOW_N 128
#include "tapebook/tb_multi_pool.inc"
#include "tapebook/tb_family_end.inc"

/* custom i64 variant with its own name */
#include "tapebook/tb_params_i64.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_N 16384
#define TB_BOOK_NAME tbt_wide_i64
#include "tapebook/tb_book.inc"
#include "tapebook/tb_family_end.inc"

#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_pool_tmpl.h"

#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_pool_tmpl.h"

/* the library's tables of the shipped variants, then of the custom ones */
#include "tapebook/tb_ops_shipped.h"
#ifdef TBV_CUSTOM_8192
#define TB_OPS_BOOK tb_book_i32_n8192
#define TB_OPS_BITS 32
#include "tapebook/tb_ops.inc"
#endif
#define TB_OPS_BOOK tbt_wide_i64
#define TB_OPS_BITS 64
#include "tapebook/tb_ops.inc"

/* the test-only tables: the shipped variants', then the custom ones' */
#include "tbv_shipped.h"

#ifdef TBV_CUSTOM_8192
#define TBV_B tb_book_i32_n8192
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"
#define TBV_CUSTOM_BOOKS &tb_book_i32_n8192_ops,
#define TBV_CUSTOM_EXTRAS &tbvx_tb_book_i32_n8192,
#else
#define TBV_CUSTOM_BOOKS
#define TBV_CUSTOM_EXTRAS
#endif

#define TBV_B tbt_wide_i64
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_M tb_multi_i32_h8192_m512_l128
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#define TBV_MH tb_book_i32_n8192_ops
#define TBV_MM tb_book_i32_n512_ops
#define TBV_ML tb_book_i32_n128_ops
#define TBV_NH 8192u
#define TBV_NM 512u
#define TBV_NL 128u
#include "tbv_multi_tmpl.h"
#endif

static const tbv_ops *const tbv_books[] = {TBV_SHIPPED_BOOKS TBV_CUSTOM_BOOKS &tbt_wide_i64_ops};
static const tbv_extra *const tbv_extras[] = {TBV_SHIPPED_EXTRAS TBV_CUSTOM_EXTRAS &tbvx_tbt_wide_i64};

#define TBV_NBOOKS ((int)(sizeof tbv_books / sizeof tbv_books[0]))

static const tbv_pool_ops *const tbv_pools[] = {&tbv_pool_i32, &tbv_pool_i64};

static const tbv_multi_ops *const tbv_multis[] = {TBV_SHIPPED_MULTIS
#if TBV_LEVEL <= 0
                                                  &tbv_tb_multi_i32_h8192_m512_l128
#endif
};

#define TBV_NMULTIS ((int)(sizeof tbv_multis / sizeof tbv_multis[0]))

/* The test-only functions of a book variant (every variant in tbv_books has them). */
static inline const tbv_extra *tbv_x(const tbv_ops *V) {
    int i;
    for (i = 0; i < TBV_NBOOKS; i++)
        if (tbv_extras[i]->ops == V) return tbv_extras[i];
    abort();
}

/* The table of a family's book with tape size n (NULL when not built). */
static inline const tbv_ops *tbv_find(int bits, uint32_t n) {
    int i;
    for (i = 0; i < TBV_NBOOKS; i++)
        if (tbv_books[i]->bits == bits && tbv_books[i]->n == n) return tbv_books[i];
    return NULL;
}
static inline const tbv_pool_ops *tbv_pool_for(int bits) { return bits == 32 ? tbv_pools[0] : tbv_pools[1]; }

#endif /* TBV_ALL_H */
