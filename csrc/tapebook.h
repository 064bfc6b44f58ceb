/* tapebook.h — a level-2 (price-level) order book for low-latency market data.
 * Header-only, portable C11 (also compiles as C++11 and later).
 *
 * WHAT IT IS
 *   Each side of a Book keeps a *tape*: a window of N consecutive prices
 *   [anchor, anchor + N) stored as a quantity array indexed by px - anchor,
 *   with a bitset of non-empty cells. Levels outside the window live in that
 *   side's *spill*: a sorted ring that grows 0 -> 16 -> 32 -> ... -> max_cap
 *   and, when full, evicts its worst level. A per-side bitmap over 512
 *   consecutive prices next to the tape (the spill's *near index*, kept in
 *   the book) gives the ring position of a price there in O(1); elsewhere
 *   it is a binary search. Spill blocks come from TB_MALLOC
 *   or from a shared *SpillPool* arena; a *multi-book pool* keeps books for
 *   many instruments in three tiers of different N over one SpillPool.
 *   Prices are signed integer ticks, quantities unsigned integers; two
 *   families: i32 (int32_t / uint32_t) and i64 (int64_t / uint64_t).
 *
 * HOW TO USE IT
 *   #include "tapebook.h"      (add csrc/ to the include path)
 *   The shipped variants are ready: tb_book_<fam>_n<N> for fam in {i32, i64}
 *   and every N of the one variant table (tools/gen_variants.py; today 64,
 *   128, ..., 4096); tb_spill_pool_<fam>; multi-book pools
 *   tb_multi_<fam>_h1024_m256_l64 and tb_multi_<fam>_h4096_m1024_l256.
 *   csrc/single/tapebook.h is the same library as one file.
 *
 *   Your own tape size or name (any power of two, multiple of 64), next to
 *   the shipped variants, in one include (tapebook/tb_variant.h):
 *     #include "tapebook.h"
 *     #define TB_VARIANT_N 8192
 *     #define TB_VARIANT_BITS 32                 price family: 32 or 64
 *     #define TB_VARIANT_NAME mybook             (optional; default tb_book_i32_n8192)
 *     #define TB_VARIANT_OPS                     (optional: also `static const
 *                                                 tb_ops mybook_ops`, tb_ops.h)
 *     #include "tapebook/tb_variant.h"
 *   With the single header, set the same parameters and include
 *   "tapebook.h" (the single one) again: it builds the variant from its own
 *   copy of the templates.
 *   tb_variant.h is these five steps, still the way for a multi-book pool of
 *   custom tiers (tb_multi_pool.inc with TB_MULTI_HIGH_N / _MEDIUM_N / _LOW_N
 *   between the book and the end):
 *     #include "tapebook/tb_params_i32.inc"    TB_FAM, TB_PRICE_T, ... of i32
 *     #include "tapebook/tb_family_reopen.inc" names of the existing family
 *     #define TB_N 8192
 *     #define TB_BOOK_NAME mybook              (optional)
 *     #include "tapebook/tb_book.inc"
 *     #include "tapebook/tb_family_end.inc"
 *   Without the shipped variants (smaller compile), define
 *   TB_NO_SHIPPED_VARIANTS and include "tapebook/tb_family.inc" instead of
 *   tb_family_reopen.inc: it defines the family's level, pool and spill
 *   (once per translation unit). Your own family: define TB_FAM, TB_PRICE_T,
 *   TB_UPRICE_T, TB_QTY_T, TB_PRICE_TYPE_MIN/MAX yourself.
 *
 *   One type-erased table per variant (tapebook/tb_ops.h: void * books,
 *   int64_t prices, uint64_t quantities), for code that serves every variant
 *   alike: #include "tapebook/tb_ops_shipped.h" after tapebook.h gives
 *   <variant>_ops for the shipped ones and tb_ops_find(price_bits, n).
 *
 * COMPILE-TIME OPTIONS (define before the include)
 *   TB_MALLOC(size) / TB_FREE(ptr)  allocation hooks (both or neither)
 *   TB_ENABLE_ASSERTS               check internal invariants (tests do)
 *   TB_ASSERT(cond)                 your own internal-invariant handler
 *   TB_FORCE_PORTABLE_BITS          portable bit scans instead of intrinsics
 *   TB_THREAD_GUARD                 atomic busy flags: concurrent use of one
 *                                   book or pool returns TB_ERR_BUSY
 *   TB_NO_SHIPPED_VARIANTS          instantiate nothing
 *
 * ERRORS
 *   Every fallible call returns int: TB_OK (0) or a tb_status <= -16
 *   (tb_status_str() names it), and changes nothing on error. set_code()
 *   returns a tb_result (INSERT 1, UPDATE 0, ERASE -1, SPILL -2) or a
 *   tb_status. Valid prices: [TYPE_MIN + N, TYPE_MAX - N]; valid anchors:
 *   [TYPE_MIN + N - 1, TYPE_MAX - N + 1]; max_cap: a power of two in
 *   [1, 2^30], at most 32768 when pool-backed.
 *
 * THREADS
 *   A book, a SpillPool and a multi-book pool are single-threaded objects;
 *   books sharing a pool must be used from one thread. TB_THREAD_GUARD turns
 *   accidental concurrent use into TB_ERR_BUSY instead of corruption.
 *
 * BOOK API  (B = tb_book_<fam>_n<N>, P = price type, Q = qty type,
 *            L = tb_level_<fam> {px, qty}, BBO = tb_bbo_<fam>,
 *            POOL = tb_spill_pool_<fam>; side: TB_BID 1 / TB_ASK 0)
 *   int  B_create(B **out, P anchor, uint32_t max_cap, POOL *pool_or_NULL);
 *   int  B_destroy(B *b);
 *   int  B_init(B *b, P anchor, uint32_t max_cap, POOL *pool);  64-byte aligned storage
 *   int  B_deinit(B *b);                       frees spill memory, detaches pool
 *   int  B_set(B *b, int side, P px, Q qty, tb_result *out);
 *   int  B_set_code(B *b, int side, P px, Q qty);   result or status in one int
 *   P    B_best_bid_px(B *b);  P B_best_ask_px(B *b);   empty: type min / max
 *   Q    B_best_bid_qty(B *b); Q B_best_ask_qty(B *b);  empty: 0
 *   P    B_best_px(B *b, int side);  Q B_best_qty(B *b, int side);
 *   int  B_bbo(B *b, BBO *out);
 *   int  B_crossed(B *b);  int B_crossed_on_tape(B *b);
 *   int  B_reset(B *b, P anchor);               empty book, both tapes at anchor
 *   int  B_reset_at_mid(B *b, int side, P mid); empty one side, anchor mid - N/2
 *   int  B_load_side(B *b, int side, const P *px, const Q *qty, size_t n, size_t *bad);
 *        replace one side by n levels given best first (bids descending, asks
 *        ascending, qty > 0): = reset_at_mid(side, px[0]) + n sets, in one pass;
 *        on TB_ERR_PRICE / TB_ERR_BADARG nothing changed, *bad = first bad level
 *   int  B_load_snapshot(B *b, const P *bid_px, const Q *bid_qty, size_t n_bid,
 *                        const P *ask_px, const Q *ask_qty, size_t n_ask, size_t *bad);
 *        both sides in one call, both checked first (*bad counts bids first)
 *   int  B_recenter(B *b, int side, P anchor);  B_recenter_bid / B_recenter_ask
 *   int  B_erase_better(B *b, int side, P px);  bids >= px / asks <= px
 *   int  B_clear(B *b);          empty book, keep spill memory
 *   int  B_release(B *b);        empty book, free spill memory
 *   int  B_reserve_spill(B *b);  spill at max_cap now: set() never allocates
 *   int  B_verify_invariants(B *b);              TB_OK or TB_ERR_INVARIANT
 *   int  B_levels(B *b, int side, L *out, size_t k, size_t *n_out);  best-first
 *   int  B_levels_n(B *b, int side, L *out, size_t k);   count (>= 0) or status
 *   Q    B_qty_at(B *b, int side, P px);                  0 when absent
 *   int64_t B_top(B *b, L *out, size_t k);  both sides: bids out[0,k), asks out[k,2k);
 *                                           returns n_bid + n_ask * 2^32 or status
 *   int  B_iter_init(B_iter *it, B *b, int side); int B_iter_next(B_iter *it, L *out);
 *   int  B_depth(B *b, int side, size_t *out);
 *   int  B_apply(B *b, const uint8_t *sides, const P *px, const Q *qty, size_t n,
 *                int8_t *results, size_t *n_done);
 *   int  B_bbo_trace(B *b, const uint8_t *sides, const P *px, const Q *qty, size_t n,
 *                    BBO *out, size_t *n_done);
 *   int  B_stats(B *b, tb_book_stats *out);   P B_anchor(B *b, int side);
 *   size_t B_struct_size(void); P B_price_min(void) / _max / B_anchor_min / _max
 *
 * SPILLPOOL API  (POOL = tb_spill_pool_<fam>)
 *   int  POOL_create(POOL **out, uint32_t levels, int policy);  TB_POOL_REFUSE / _FALLBACK
 *   int  POOL_destroy(POOL *p);   TB_ERR_POOL_IN_USE while books are attached
 *   int  POOL_init(POOL *p, uint32_t levels, int policy); int POOL_deinit(POOL *p);
 *   L   *POOL_alloc(POOL *p, uint32_t levels);  void POOL_free(POOL *p, L *blk, uint32_t levels);
 *   L   *POOL_realloc(POOL *p, L *old, uint32_t old_levels, uint32_t new_levels, uint32_t used);
 *   int  POOL_stats(POOL *p, tb_pool_stats *out);
 *
 * DEPTH SNAPSHOTS AND DUMPS  (tb_snapshot.inc, tb_serial.inc: layouts and details there;
 *            D16/D128 = tb_depth_<fam>_k16 / _k128, flat little-endian structs)
 *   int  B_snapshot_k16(B *b, D16 *out, uint64_t instrument_id, uint64_t sequence,
 *                       uint64_t timestamp_ns);   best 16 levels per side + truncation flags
 *   int  B_snapshot_k128(B *b, D128 *out, ...);   same with 128 levels
 *   int  tb_depth_check(const void *buf, size_t len, const char **why);  validate received bytes
 *   size_t tb_depth_size(uint32_t width, uint32_t k);
 *   int  B_dump_size(B *b, size_t *out);  int B_dump(B *b, void *buf, size_t cap, size_t *n_out);
 *   int  B_load(B *b, const void *buf, size_t len);   whole state, bit-exact, CRC32-checked
 *   int  B_check_dump(const void *buf, size_t len, const char **why);
 *   int  tb_dump_peek(const void *buf, size_t len, tb_dump_info *out, const char **why);
 *   uint32_t tb_crc32(uint32_t crc, const void *data, size_t n);   zlib-compatible
 *
 * MULTI-BOOK POOL API  (M = tb_multi_<fam>_h<H>_m<M>_l<L>; tier: TB_TIER_HIGH/MEDIUM/LOW)
 *   int  M_create(M **out, uint32_t n_high, uint32_t n_medium, uint32_t n_low,
 *                 uint32_t pool_levels, uint32_t default_max_cap, int policy);
 *   int  M_destroy(M *m);
 *   int  M_alloc(M *m, int tier, P anchor, uint32_t max_cap_or_0, tb_handle *out);
 *   int  M_free(M *m, tb_handle h);              the handle becomes stale
 *   BH  *M_book_high(M *m, tb_handle h);  BM *M_book_medium(...);  BL *M_book_low(...)
 *   int  M_set_code(M *m, tb_handle h, int side, P px, Q qty);
 *   int  M_bbo(M *m, tb_handle h, BBO *out);  POOL *M_pool(M *m);
 *   int  M_tier_info(M *m, int tier, uint32_t *capacity, uint32_t *live);
 *
 * L3 (ORDER-LEVEL) BOOK API  (tb_l3.inc; L3 = tb_l3_<fam>_n<N>, on the book B of the
 *            same family and N; ORD = tb_l3_order_<fam> {id, px, qty, side})
 *   Orders with 64-bit ids in FIFO queues per price, on top of an L2 book whose
 *   level quantities are the queues' sums: every B query works on L3_book(l).
 *   A side holds at most max_cap levels (the spill never evicts a level that has
 *   orders); the order arena (max_orders, 1 .. 2^30) and the indexes are
 *   allocated by create(); afterwards only a new level beyond the side's
 *   high-water mark may grow the spill. Every call validates first and changes
 *   nothing on error: TB_ERR_SIDE / _PRICE / _BADARG (qty 0, qty above the
 *   order's), TB_ERR_DUPLICATE (-30), TB_ERR_UNKNOWN (-31), TB_ERR_OVERFLOW
 *   (-32: a level total beyond the qty type), TB_ERR_READONLY (-33: a matching
 *   engine's book, changed only through the engine), TB_ERR_FULL (arena full, or
 *   the side's max_cap levels), TB_ERR_NOMEM; tb_l3_status_str() names them all.
 *   int  L3_create(L3 **out, P anchor, uint32_t max_orders, uint32_t max_cap, POOL *pool_or_NULL);
 *   int  L3_destroy(L3 *l);          B *L3_book(L3 *l);   the L2 view: query, recenter only
 *                                    (other mutators: TB_ERR_READONLY; deinit closes the L3 book)
 *   int  L3_add(L3 *l, uint64_t id, int side, P px, Q qty);       at the back of (side, px)
 *   int  L3_cancel(L3 *l, uint64_t id);
 *   int  L3_reduce(L3 *l, uint64_t id, Q qty);    cancel part; priority kept; removed at 0
 *   int  L3_execute(L3 *l, uint64_t id, Q qty);   fill; priority kept; removed at 0
 *   int  L3_modify(L3 *l, uint64_t id, Q qty);    down keeps priority, up to the back
 *   int  L3_amend(L3 *l, uint64_t id, P px, Q qty);   same px: modify; else back of px
 *   int  L3_replace(L3 *l, uint64_t old_id, uint64_t new_id, P px, Q qty);  new priority
 *   int  L3_clear(L3 *l);  int L3_reset(L3 *l, P anchor);
 *   int  L3_order(L3 *l, uint64_t id, ORD *out);
 *   int  L3_queue_position(L3 *l, uint64_t id, uint64_t *orders_ahead, Q *qty_ahead);
 *   int  L3_level_orders(L3 *l, int side, P px, uint64_t *ids, Q *qtys, size_t k,
 *                        size_t *n_out, size_t *n_level);     FIFO order
 *   size_t L3_count(L3 *l);  int L3_stats(L3 *l, tb_l3_stats *out);
 *   int  L3_verify_invariants(L3 *l);
 *   uint64_t L3_index_key(L3 *l);  int L3_reseed(L3 *l, uint64_t key);  id-hash key
 *   int  L3_apply_mbo(L3 *l, const uint8_t *actions, const uint64_t *ids, const uint8_t *sides,
 *                     const P *px, const Q *qty, size_t n, int8_t *statuses, size_t *n_err);
 *        actions 'A' add, 'C' cancel qty (0: all), 'M' amend, 'E' execute, 'R' clear;
 *        a refused row changes nothing, the batch goes on; statuses[i] per row
 *   int  L3_apply_mbo_bbo(..., int8_t *statuses, BBO *out, size_t *n_err);  + BBO per row
 *   int  L3_dump_size(L3 *l, size_t *out);  int L3_dump(L3 *l, void *buf, size_t cap, size_t *n_out);
 *   int  L3_load(L3 *l, const void *buf, size_t len);   queues in order, CRC32-checked
 */
#ifndef TAPEBOOK_H
#define TAPEBOOK_H

#define TAPEBOOK_VERSION_MAJOR 0
#define TAPEBOOK_VERSION_MINOR 1
#define TAPEBOOK_VERSION_PATCH 0

#include "tapebook/tb_base.h"
/* the family-independent formats (plain code, no template) */
#include "tapebook/tb_depth.h"
#include "tapebook/tb_dump.h"

#ifndef TB_NO_SHIPPED_VARIANTS
#include "tapebook/tb_variants.h"
#include "tapebook_api.h"
#endif
#include "tapebook/tb_l3.h"

#endif /* TAPEBOOK_H */
