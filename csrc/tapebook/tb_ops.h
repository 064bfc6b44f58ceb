/* tb_ops.h — one type-erased table of a book variant's functions.
 *
 * Every book variant is its own C type with its own functions
 * (tb_book_i32_n64_set_code, tb_book_i64_n4096_levels, ...). Code that must
 * handle every variant the same way — the Python fast path
 * (tapebook/_hotpath.c) and the C tests (tests/c/tbv.h) — calls them through
 * one tb_ops table per variant instead: the same functions with `void *`
 * books, int64_t prices and uint64_t quantities.
 *
 *   tb_ops.h           this struct (self-contained: no other tapebook header
 *                      is needed to call through a table)
 *   tb_ops.inc         the wrappers of one variant: a template, included once
 *                      per variant (tb_ops_shipped.h does it for the shipped
 *                      ones; a custom variant includes it with TB_OPS_BOOK /
 *                      TB_OPS_BITS defined, or through tb_variant.h)
 *   tb_ops_shipped.h   GENERATED: the tables of every shipped variant and
 *                      tb_ops_find(bits, n)
 *
 * Semantics are the typed function's, with two rules for the wider types:
 * a price (anchor) argument that does not fit the variant's price type is
 * refused with TB_ERR_PRICE (TB_ERR_ANCHOR) and changes nothing, a quantity
 * that does not fit with TB_ERR_BADARG (a query answers it as the typed
 * function answers an invalid price: 0); prices read back are widened, the
 * empty-side sentinels included (bid: tmin, ask: tmax).
 *
 * The wrappers are static functions: a translation unit that calls through
 * the tables includes tb_ops_shipped.h (after tapebook.h) itself. */
#ifndef TB_OPS_H
#define TB_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever tb_ops changes layout or meaning, so that two builds that
 * exchange tables (the CFFI module and tapebook._hotpath) refuse to mix. */
#define TB_OPS_ABI 3u
/* top() takes k <= TB_OPS_MAX_K (its levels are staged on the stack) */
#define TB_OPS_MAX_K 256
#define TB_OPS__STR2(x) #x
#define TB_OPS__STR(x) TB_OPS__STR2(x)

/* A level / a BBO with the widest types (layout of tb_level_i64 / tb_bbo_i64,
 * but a type of its own so this header stands alone). */
typedef struct tb_ops_level {
    int64_t px;
    uint64_t qty;
} tb_ops_level;

typedef struct tb_ops_bbo {
    int64_t bid_px;
    uint64_t bid_qty;
    int64_t ask_px;
    uint64_t ask_qty;
} tb_ops_bbo;

struct tb_book_stats;

/* does a wide price / quantity fit a family's types? (functions, so that
 * the 64-bit ones, always true, draw no "comparison is always true") */
static inline int tb_ops__pfits_32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
static inline int tb_ops__qfits_32(uint64_t v) { return v <= UINT32_MAX; }
static inline int tb_ops__pfits_64(int64_t v) { return (void)v, 1; }
static inline int tb_ops__qfits_64(uint64_t v) { return (void)v, 1; }

typedef struct tb_ops {
    uint32_t abi;  /* TB_OPS_ABI */
    uint32_t size; /* sizeof(tb_ops) */
    const char *name;
    int bits;           /* price_bits: 32 or 64 */
    uint32_t n;         /* tape size */
    uint32_t book_size; /* sizeof the book struct */
    /* the price type's range, the valid prices and anchors, the largest quantity */
    int64_t tmin, tmax, pmin, pmax, amin, amax;
    uint64_t qmax;
    size_t (*struct_size)(void);
    uint32_t (*tape_size)(void);
    int64_t (*price_min)(void);
    int64_t (*price_max)(void);
    int64_t (*anchor_min)(void);
    int64_t (*anchor_max)(void);
    /* out NULL is passed through; pool: the family's tb_spill_pool_* or NULL */
    int (*create)(void **out, int64_t anchor, uint32_t max_cap, void *pool);
    int (*destroy)(void *b);
    int (*init)(void *b, int64_t anchor, uint32_t max_cap, void *pool);
    int (*deinit)(void *b);
    int (*set_code)(void *b, int side, int64_t px, uint64_t qty);
    /* result may be NULL; written only on success */
    int (*set)(void *b, int side, int64_t px, uint64_t qty, int *result);
    int64_t (*best_px)(void *b, int side);
    uint64_t (*best_qty)(void *b, int side);
    int64_t (*best_bid_px)(void *b);
    int64_t (*best_ask_px)(void *b);
    uint64_t (*best_bid_qty)(void *b);
    uint64_t (*best_ask_qty)(void *b);
    /* out may be NULL (passed through); written only on success */
    int (*bbo)(void *b, tb_ops_bbo *out);
    int (*crossed)(void *b);
    int (*crossed_on_tape)(void *b);
    int64_t (*anchor)(void *b, int side);
    /* any k (more than TB_OPS_MAX_K levels are read with an iterator) */
    int (*levels)(void *b, int side, tb_ops_level *out, size_t k, size_t *n_out);
    /* k <= TB_OPS_MAX_K, else TB_ERR_BADARG: bids into out[0, k), asks into
     * out[k, 2k); returns n_bid + n_ask * 2^32, or a status */
    int64_t (*top)(void *b, tb_ops_level *out, size_t k);
    uint64_t (*qty_at)(void *b, int side, int64_t px);
    int (*depth)(void *b, int side, size_t *out);
    int (*reset)(void *b, int64_t anchor);
    int (*reset_at_mid)(void *b, int side, int64_t mid);
    int (*recenter)(void *b, int side, int64_t anchor);
    int (*recenter_bid)(void *b, int64_t anchor);
    int (*recenter_ask)(void *b, int64_t anchor);
    int (*erase_better)(void *b, int side, int64_t px);
    int (*clear)(void *b);
    int (*release)(void *b);
    int (*reserve_spill)(void *b);
    int (*verify_invariants)(void *b);
    int (*stats)(void *b, struct tb_book_stats *out);
    int (*dump_size)(void *b, size_t *out);
    int (*dump)(void *b, void *buf, size_t cap, size_t *n_out);
    int (*load)(void *b, const void *buf, size_t len);
    /* tb_take_query_status of the code the table lives in (a caller in
     * another module, like _hotpath, has no other way to reach it) */
    int (*take_query_status)(void);
} tb_ops;

#endif /* TB_OPS_H */
