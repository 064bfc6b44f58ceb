/* tb_match.h — the matching engine: price-time priority on the L3 book.
 *
 *   #include "tapebook.h"
 *   #include "tapebook/tb_match.h"
 *
 * A tb_match_<fam>_n<N> engine owns a tb_l3_<fam>_n<N> book. An incoming
 * tb_match_order (id, side, px, qty, owner, tif GTC / IOC / FOK, flags
 * MARKET / POST_ONLY / PROTECT) is matched against the opposite side best
 * price first, first in first out within a price, at the maker's price;
 * the remainder rests (GTC limit) or is cancelled. Self-trade prevention
 * (tb_stp) applies between orders of the same non-zero owner. Every change
 * is a tb_match_event written to the caller's buffer (nothing allocates
 * after create); events flagged TB_EVF_L2 are the call's L2 deltas
 * (tb_match_l2_deltas). The same calls in the same order give byte-identical
 * events and state. README "Matching engine" has the full rules.
 *
 * API  (M = tb_match_<fam>_n<N>, L3 = tb_l3_<fam>_n<N>, P = price type)
 *   int  M_create(M **out, P anchor, uint32_t max_orders, uint32_t max_cap, int stp);
 *   int  M_destroy(M *m);
 *   L3  *M_l3(M *m);                       the book, read only: its mutators return
 *                                          TB_ERR_READONLY (-33), nothing changed
 *   int  M_submit(M *m, const tb_match_order *o, tb_match_event *ev, size_t cap,
 *                 size_t *n_out, tb_submit_result *res);
 *   int  M_submit_many(M *m, const tb_match_order *orders, size_t n, tb_match_event *ev,
 *                      size_t cap, size_t *n_out, tb_submit_result *results, size_t *n_done);
 *   int  M_cancel(M *m, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out);
 *   int  M_modify(M *m, uint64_t id, uint64_t qty, tb_match_event *ev, size_t cap, size_t *n_out);
 *   size_t M_orders(M *m);  int M_owner_of(M *m, uint64_t id, uint32_t *out);
 *   int  M_stats(M *m, tb_match_stats *out);  int M_verify_invariants(M *m);
 *   int  M_dump_size(M *m, size_t *out);
 *   int  M_dump(M *m, void *buf, size_t cap, size_t *n_out);   the whole engine: book,
 *   int  M_load(M *m, const void *buf, size_t len);            owners, seq, stp, counters
 *   int  tb_match_l2_deltas(const tb_match_event *ev, size_t n, tb_l2_delta *out,
 *                           size_t cap, size_t *n_out);
 *   const char *tb_match_status_str(int status);   every status, the L3 and core ones too */
#ifndef TB_MATCH_H
#define TB_MATCH_H

#include "tb_l3.h"
#include "tb_match_types.h"

#ifndef TB_NO_SHIPPED_VARIANTS
#include "tb_match_variants.h"
#include "tb_match_api.h"
#endif

#endif /* TB_MATCH_H */
