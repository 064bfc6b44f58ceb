/* tbv_all.h — tapebook with every shipped variant, two custom tape sizes and
 * a custom multi-book pool, plus a tbv_ops table for each (see tbv.h).
 *
 *   tbv_books[]   book variants (i32 and i64, shipped N = 64 ... 4096, and the
 *                 custom tb_book_i32_n8192 and tbt_wide_i64 with N = 16384)
 *   tbv_pools[]   the SpillPool of each family
 *   tbv_multis[]  multi-book pools (the shipped ones and tb_multi_i32_h8192_m512_l128)
 *
 * The custom variants are added through the documented reopen path:
 * tb_params_<fam>.inc + tb_family_reopen.inc + TB_N + tb_book.inc +
 * tb_family_end.inc. With 8192 and 16384 cells a tape has more than one
 * summary word, which the shipped sizes (<= 4096) never exercise.
 *
 * Every table instantiates the whole library for its variant, about a second
 * of compile time each (about two with a sanitizer), so the sets are graded:
 *   default          i32 N = 64 ... 4096 and 8192, i64 N in {64, 256, 1024,
 *                    4096, 16384} and all 5 multi-book pools (test_fuzz; the
 *                    i64 family shares every line of template code with i32,
 *                    so its intermediate sizes add compile time, not coverage);
 *   TBV_SUBSET and sanitizer builds (detected: ASan with gcc or clang, UBSan
 *                    with clang): i32 N in {64, 256, 1024, 4096, 8192}, i64 N
 *                    in {64, 256, 1024, 16384} and three multi-book pools. */
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

/* custom i32 variant, default name: tb_book_i32_n8192 */
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family_reopen.inc"
#define TB_N 8192
#include "tapebook/tb_book.inc"
/* a multi-book pool whose high tier is the custom size */
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

#define TBV_B tb_book_i32_n64
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_B tb_book_i32_n128
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"
#endif

#define TBV_B tb_book_i32_n256
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_B tb_book_i32_n512
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"
#endif

#define TBV_B tb_book_i32_n1024
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_B tb_book_i32_n2048
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"
#endif

#define TBV_B tb_book_i32_n4096
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"

#define TBV_B tb_book_i32_n8192
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#include "tbv_book_tmpl.h"

#define TBV_B tb_book_i64_n64
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"


#define TBV_B tb_book_i64_n256
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"


#define TBV_B tb_book_i64_n1024
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"


#if TBV_LEVEL <= 0
#define TBV_B tb_book_i64_n4096
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"
#endif

#define TBV_B tbt_wide_i64
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#include "tbv_book_tmpl.h"

#define TBV_M tb_multi_i32_h1024_m256_l64
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#define TBV_MH tbv_tb_book_i32_n1024
#define TBV_MM tbv_tb_book_i32_n256
#define TBV_ML tbv_tb_book_i32_n64
#define TBV_NH 1024u
#define TBV_NM 256u
#define TBV_NL 64u
#include "tbv_multi_tmpl.h"

#define TBV_M tb_multi_i32_h4096_m1024_l256
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#define TBV_MH tbv_tb_book_i32_n4096
#define TBV_MM tbv_tb_book_i32_n1024
#define TBV_ML tbv_tb_book_i32_n256
#define TBV_NH 4096u
#define TBV_NM 1024u
#define TBV_NL 256u
#include "tbv_multi_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_M tb_multi_i32_h8192_m512_l128
#define TBV_FAM i32
#define TBV_P int32_t
#define TBV_Q uint32_t
#define TBV_BITS 32
#define TBV_MH tbv_tb_book_i32_n8192
#define TBV_MM tbv_tb_book_i32_n512
#define TBV_ML tbv_tb_book_i32_n128
#define TBV_NH 8192u
#define TBV_NM 512u
#define TBV_NL 128u
#include "tbv_multi_tmpl.h"
#endif

#define TBV_M tb_multi_i64_h1024_m256_l64
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#define TBV_MH tbv_tb_book_i64_n1024
#define TBV_MM tbv_tb_book_i64_n256
#define TBV_ML tbv_tb_book_i64_n64
#define TBV_NH 1024u
#define TBV_NM 256u
#define TBV_NL 64u
#include "tbv_multi_tmpl.h"

#if TBV_LEVEL <= 0
#define TBV_M tb_multi_i64_h4096_m1024_l256
#define TBV_FAM i64
#define TBV_P int64_t
#define TBV_Q uint64_t
#define TBV_BITS 64
#define TBV_MH tbv_tb_book_i64_n4096
#define TBV_MM tbv_tb_book_i64_n1024
#define TBV_ML tbv_tb_book_i64_n256
#define TBV_NH 4096u
#define TBV_NM 1024u
#define TBV_NL 256u
#include "tbv_multi_tmpl.h"
#endif

static const tbv_ops *const tbv_books[] = {
    &tbv_tb_book_i32_n64,
#if TBV_LEVEL <= 0
    &tbv_tb_book_i32_n128,
#endif
    &tbv_tb_book_i32_n256,
#if TBV_LEVEL <= 0
    &tbv_tb_book_i32_n512,
#endif
    &tbv_tb_book_i32_n1024,
#if TBV_LEVEL <= 0
    &tbv_tb_book_i32_n2048,
#endif
    &tbv_tb_book_i32_n4096,
    &tbv_tb_book_i32_n8192,
    &tbv_tb_book_i64_n64,
    &tbv_tb_book_i64_n256,
    &tbv_tb_book_i64_n1024,
#if TBV_LEVEL <= 0
    &tbv_tb_book_i64_n4096,
#endif
    &tbv_tbt_wide_i64,
};

#define TBV_NBOOKS ((int)(sizeof tbv_books / sizeof tbv_books[0]))

static const tbv_pool_ops *const tbv_pools[] = {&tbv_pool_i32, &tbv_pool_i64};

static const tbv_multi_ops *const tbv_multis[] = {
    &tbv_tb_multi_i32_h1024_m256_l64,
    &tbv_tb_multi_i32_h4096_m1024_l256,
#if TBV_LEVEL <= 0
    &tbv_tb_multi_i32_h8192_m512_l128,
#endif
    &tbv_tb_multi_i64_h1024_m256_l64,
#if TBV_LEVEL <= 0
    &tbv_tb_multi_i64_h4096_m1024_l256,
#endif
};

#define TBV_NMULTIS ((int)(sizeof tbv_multis / sizeof tbv_multis[0]))


/* The table of a family's book with tape size n (NULL when not built). */
static inline const tbv_ops *tbv_find(int bits, uint32_t n) {
    int i;
    for (i = 0; i < TBV_NBOOKS; i++)
        if (tbv_books[i]->bits == bits && tbv_books[i]->n == n) return tbv_books[i];
    return NULL;
}
static inline const tbv_pool_ops *tbv_pool_for(int bits) { return bits == 32 ? tbv_pools[0] : tbv_pools[1]; }

#endif /* TBV_ALL_H */
