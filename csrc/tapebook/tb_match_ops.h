/* tb_match_ops.h — one type-erased table of a matching engine variant's
 * per-call functions.
 *
 * The engine counterpart of tb_ops.h / tb_l3_ops.h: the Python fast path
 * (tapebook/_hotpath.c, class HotEngine) calls submit and cancel of every
 * engine variant (tb_match_i32_n64_submit, ...) through one table per
 * variant, with a `void *` engine. The engine's order, event and result
 * structs are the same for every variant (tb_match_types.h), so the wrappers
 * only erase the engine's type.
 *
 *   tb_match_ops.h          this struct (self-contained: the order, event and
 *                           result structs are passed as `void *` / `const
 *                           void *`; tb_match_types.h describes them)
 *   tb_match_ops.inc        the wrappers of one variant (a template, included
 *                           once per variant with TB_MATCH_OPS_ENGINE defined)
 *   tb_match_ops_shipped.h  GENERATED: the tables of every shipped variant and
 *                           tb_match_ops_find(bits, n) */
#ifndef TB_MATCH_OPS_H
#define TB_MATCH_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever tb_match_ops changes layout or meaning (see TB_OPS_ABI). */
#define TB_MATCH_OPS_ABI 1u

typedef struct tb_match_ops {
    uint32_t abi;  /* TB_MATCH_OPS_ABI */
    uint32_t size; /* sizeof(tb_match_ops) */
    const char *name;
    int bits;            /* price_bits: 32 or 64 */
    uint32_t n;          /* tape size of the book underneath */
    uint32_t engine_size; /* sizeof the engine struct */
    /* sizeof tb_match_order / tb_match_event / tb_submit_result (checked by the caller) */
    uint32_t order_size, event_size, result_size;
    int err_events;       /* TB_ERR_EVENTS: the events did not fit in cap (nothing changed) */
    /* o: a tb_match_order, ev: cap tb_match_event, res: a tb_submit_result */
    int (*submit)(void *m, const void *o, void *ev, size_t cap, size_t *n_out, void *res);
    int (*cancel)(void *m, uint64_t id, void *ev, size_t cap, size_t *n_out);
} tb_match_ops;

#endif /* TB_MATCH_OPS_H */
