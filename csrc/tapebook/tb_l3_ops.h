/* tb_l3_ops.h — one type-erased table of an L3 book variant's per-call functions.
 *
 * The L3 counterpart of tb_ops.h: every L3 variant (tb_l3_i32_n64_add,
 * tb_l3_i64_n4096_cancel, ...) is its own C type; the Python fast path
 * (tapebook/_hotpath.c, class HotL3) calls the ones a per-call user hits
 * through one tb_l3_ops table per variant instead, with `void *` books,
 * int64_t prices and uint64_t quantities.
 *
 *   tb_l3_ops.h          this struct (self-contained, like tb_ops.h)
 *   tb_l3_ops.inc        the wrappers of one variant: a template included
 *                        once per variant with TB_L3_OPS_BOOK / TB_L3_OPS_BITS
 *   tb_l3_ops_shipped.h  GENERATED: the tables of every shipped variant and
 *                        tb_l3_ops_find(bits, n)
 *
 * Semantics are the typed function's, with one rule for the wider types: a
 * price or quantity argument that does not fit the variant's type is refused
 * with TB_ERR_BADARG before the typed function runs (nothing changes and
 * nothing is counted, as when a binding cannot convert the argument). */
#ifndef TB_L3_OPS_H
#define TB_L3_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "tb_ops.h"

/* Bumped whenever tb_l3_ops changes layout or meaning (see TB_OPS_ABI). */
#define TB_L3_OPS_ABI 1u

/* A resting order with the widest types (tb_l3_order_<family> widened). */
typedef struct tb_l3_ops_order {
    uint64_t id;
    int64_t px;
    uint64_t qty;
    int side;
} tb_l3_ops_order;

typedef struct tb_l3_ops {
    uint32_t abi;  /* TB_L3_OPS_ABI */
    uint32_t size; /* sizeof(tb_l3_ops) */
    const char *name;
    int bits;          /* price_bits: 32 or 64 */
    uint32_t n;        /* tape size of the L2 book underneath */
    uint32_t l3_size;  /* sizeof the L3 book struct */
    int64_t tmin, tmax; /* the price type's range */
    uint64_t qmax;      /* the quantity type's largest value */
    int err_unknown;    /* TB_ERR_UNKNOWN: order() found no such order */
    const tb_ops *book_ops; /* the table of the L2 book underneath (tb_ops_shipped.h) */
    void *(*book)(void *l);  /* the L2 book underneath (for book_ops) */
    int (*add)(void *l, uint64_t id, int side, int64_t px, uint64_t qty);
    int (*cancel)(void *l, uint64_t id);
    int (*reduce)(void *l, uint64_t id, uint64_t qty);
    int (*execute)(void *l, uint64_t id, uint64_t qty);
    int (*modify)(void *l, uint64_t id, uint64_t qty);
    int (*amend)(void *l, uint64_t id, int64_t px, uint64_t qty);
    int (*replace)(void *l, uint64_t old_id, uint64_t new_id, int64_t px, uint64_t qty);
    /* out written only on success */
    int (*order)(void *l, uint64_t id, tb_l3_ops_order *out);
    int (*queue_position)(void *l, uint64_t id, uint64_t *orders_ahead, uint64_t *qty_ahead);
} tb_l3_ops;

#endif /* TB_L3_OPS_H */
