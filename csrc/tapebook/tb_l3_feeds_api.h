/* tb_l3_feeds_api.h — the flat prototypes of the order-level (L3) feed
 * decoders (tb_itch.h). tb_feeds.h includes this after the definitions, so
 * the compiler checks every prototype; build_ffi.py feeds it to cffi's cdef
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
#endif

TB_API const char *tb_itch_reason_str(int reason);
TB_API void tb_itch_init(tb_itch_state *st, uint16_t locate, const char *symbol8);
TB_API int tb_itch_decode(tb_itch_state *st, const uint8_t *buf, size_t len, int64_t px_div, uint64_t qty_div, tb_itch_rows *out, size_t *consumed);

#endif /* TB_L3_FEEDS_API_H */
