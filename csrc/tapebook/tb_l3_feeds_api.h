/* tb_l3_feeds_api.h — the flat prototypes of the order-level (L3) feed
 * decoders (tb_itch.h) and the L3 order log (tb_order_log.h). tb_feeds.h
 * includes this after the definitions, so the compiler checks every prototype; build_ffi.py feeds it to cffi's cdef
 * (TB_CDEF_TYPES block kept, preprocessor lines and TB_API removed). */
#ifndef TB_L3_FEEDS_API_H
#define TB_L3_FEEDS_API_H

#ifdef TB_CDEF_TYPES /* never defined for C: the real types come from the headers */
typedef struct tb_itch_state {
    uint16_t locate; uint8_t all_stocks; uint8_t symbol_known; char symbol8[8];
    uint64_t records; uint64_t skipped_type; uint64_t skipped_stock; int bad_reason; size_t bad_len;
} tb_itch_state;
typedef struct tb_itch_rows {
    uint8_t *action; uint64_t *order_id; uint64_t *new_id; uint8_t *side; int64_t *px; uint64_t *qty;
    int64_t *ts; int64_t *record; size_t cap; size_t n;
} tb_itch_rows;
typedef struct tb_olog_order { uint64_t id; int64_t px; uint64_t qty; uint8_t side; uint8_t pad[7]; } tb_olog_order;
typedef struct tb_olog_level { int64_t px; uint64_t total; uint8_t side; uint8_t pad[7]; } tb_olog_level;
typedef struct tb_olog {
    tb_olog_order *orders; size_t ocap, ocount; tb_olog_level *levels; size_t lcap, lcount;
    uint64_t *oused, *lused; void *omem, *lmem; uint64_t key;
    uint64_t unknown_id, duplicate_add, overcancel, overfill, zero_qty; uint64_t level_overflow;
    uint64_t *lwin, *lwused; void *lwmem; size_t lwcap, lwcount; uint64_t lbase;
} tb_olog;
typedef struct tb_olog_out {
    uint8_t *action; uint64_t *order_id; uint8_t *side; int64_t *px; uint64_t *qty; int64_t *mbo_end;
    uint8_t *l2_side; int64_t *l2_px; uint64_t *l2_qty; int64_t *l2_end; size_t n_mbo, n_l2; size_t l2_msg;
} tb_olog_out;
typedef struct tb_olog_ops {
    const uint8_t *op; const uint64_t *order_id; const uint64_t *alt_id; const uint8_t *side; const int64_t *px;
    const uint64_t *qty; const uint8_t *end;
} tb_olog_ops;
typedef struct tb_olog_msgs {
    size_t mbo_cap, l2_cap, msg_cap; size_t n_msg;
    uint64_t modify_unknown, modify_unchanged, initial_level, changed_unknown, deleted_unknown;
} tb_olog_msgs;
typedef struct tb_itch_run {
    size_t msgs; size_t consumed; int64_t line; int64_t seq_base; int book_status;
    uint8_t bad_side; int64_t bad_px; uint64_t bad_qty; ...;
} tb_itch_run;
enum tb_itch_run_stop { TB_ITCH_RUN_DONE = 0, TB_ITCH_RUN_BAD = 5 };
#endif

TB_API const char *tb_itch_reason_str(int reason);
TB_API void tb_itch_init(tb_itch_state *st, uint16_t locate, const char *symbol8);
TB_API int tb_itch_decode(tb_itch_state *st, const uint8_t *buf, size_t len, int64_t px_div, uint64_t qty_div, tb_itch_rows *out, size_t *consumed);
TB_API int tb_olog_init(tb_olog *g, size_t cap_hint, uint64_t key);
TB_API void tb_olog_free(tb_olog *g);
TB_API int tb_olog_apply(tb_olog *g, const tb_itch_rows *in, size_t n, tb_olog_out *out, size_t *n_done);
TB_API int tb_olog_apply_from(tb_olog *g, const tb_itch_rows *in, size_t first, size_t n, tb_olog_out *out, size_t *n_done);
TB_API int tb_olog_run(tb_olog *g, const tb_olog_ops *in, size_t first, size_t n, tb_olog_out *out, tb_olog_msgs *m, size_t *n_done);
TB_API void tb_itch_run_init(tb_itch_run *r, int64_t seq_base);
TB_API int tb_itch_run_block(tb_itch_run *r, tb_itch_state *st, tb_olog *g, void *book, const tb_feed_ops *ops, const uint8_t *buf, size_t len, int64_t px_div, uint64_t qty_div, uint32_t stop_on_crossed, uint32_t depth_k, tb_feed_row *out, int64_t *depth_out, size_t room, tb_level_i64 *lv, size_t lv_cap, tb_feed_state *fst);
TB_API size_t tb_olog_export(const tb_olog *g, uint64_t *ids, uint8_t *sides, int64_t *px, uint64_t *qty, size_t cap);

#endif /* TB_L3_FEEDS_API_H */
