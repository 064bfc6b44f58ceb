/* tb_variant.h — one custom book variant in one include (no include guard:
 * include it once per variant, after tapebook.h). Define before including:
 *
 *   TB_VARIANT_N      tape size: a power of two, a multiple of 64    (required)
 *   TB_VARIANT_BITS   the price family: 32 (int32_t prices, uint32_t
 *                     quantities) or 64 (int64_t / uint64_t)         (required)
 *   TB_VARIANT_NAME   the book type's name; its functions are NAME_set(),
 *                     NAME_best_bid_px(), ...  (default tb_book_i<BITS>_n<N>)
 *   TB_VARIANT_OPS    define it to also get the variant's type-erased
 *                     table `static const tb_ops NAME_ops` (tb_ops.h)
 *
 *     #include "tapebook.h"
 *     #define TB_VARIANT_N 8192
 *     #define TB_VARIANT_BITS 32
 *     #include "tapebook/tb_variant.h"     // tb_book_i32_n8192 and its functions
 *
 * The variant joins the family of the shipped variants (it shares their
 * level, BBO and SpillPool types: a pool of the family serves it too). Every
 * parameter is #undef'd. It expands to the five steps it replaces:
 * tb_params_<fam>.inc, tb_family_reopen.inc, TB_N (+ TB_BOOK_NAME),
 * tb_book.inc, tb_family_end.inc (which remain the way to add multi-book
 * pool variants, tb_multi_pool.inc). With TB_NO_SHIPPED_VARIANTS the family
 * is not instantiated yet: use tb_family.inc instead of this file. */
#if !defined(TB_VARIANT_N) || !defined(TB_VARIANT_BITS)
#error "define TB_VARIANT_N and TB_VARIANT_BITS before including tapebook/tb_variant.h"
#endif

#if TB_VARIANT_BITS == 32
#include "tb_params_i32.inc"
#elif TB_VARIANT_BITS == 64
#include "tb_params_i64.inc"
#else
#error "TB_VARIANT_BITS must be 32 or 64"
#endif

/* the book's name, kept past tb_book.inc (which #undefs TB_N / TB_BOOK_NAME) */
#ifdef TB_VARIANT_NAME
#define TB__VARIANT_BOOK TB_VARIANT_NAME
#else
#define TB__VARIANT_BOOK TB__CAT(TB__CAT(tb_book_i, TB_VARIANT_BITS), TB__CAT(_n, TB_VARIANT_N))
#endif

#include "tb_family_reopen.inc"
#define TB_N TB_VARIANT_N
#define TB_BOOK_NAME TB__VARIANT_BOOK
#include "tb_book.inc"
#include "tb_family_end.inc"

#ifdef TB_VARIANT_OPS
#define TB_OPS_BOOK TB__VARIANT_BOOK
#define TB_OPS_BITS TB_VARIANT_BITS
#include "tb_ops.inc"
#endif

#undef TB__VARIANT_BOOK
#undef TB_VARIANT_N
#undef TB_VARIANT_BITS
#undef TB_VARIANT_NAME
#undef TB_VARIANT_OPS
