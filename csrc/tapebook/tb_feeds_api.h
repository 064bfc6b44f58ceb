/* tb_feeds_api.h — the flat prototypes of the feed helpers (tb_decimal.h, ...).
 * tb_feeds.h includes this after the definitions, so the compiler checks
 * every prototype; build_ffi.py feeds it to cffi's cdef (TB_CDEF_TYPES block
 * kept, preprocessor lines and TB_API removed). Keep it in step by hand: a
 * mismatch is a compile error. */
#ifndef TB_FEEDS_API_H
#define TB_FEEDS_API_H

#ifdef TB_CDEF_TYPES /* never defined for C: the real types come from the headers */
typedef enum {
    TB_DEC_OK = 0, TB_DEC_SYNTAX = 1, TB_DEC_INEXACT = 2, TB_DEC_RANGE = 3, TB_DEC_NEGATIVE = 4,
    TB_DEC_ZERO_UNIT = 5
} tb_dec_reason;
typedef struct tb_dec_unit { uint64_t mant; int64_t exp; int reason; } tb_dec_unit;
enum tb_feed_stop { TB_FEED_DONE = 0, TB_FEED_CHECK = 1, TB_FEED_POLICY = 2, TB_FEED_CROSSED = 3,
                    TB_FEED_BOOK_ERROR = 4 };
typedef struct tb_feed_ops tb_feed_ops;
typedef struct tb_feed_row {
    int64_t ts; int64_t seq; int64_t bid_px; uint64_t bid_qty; int64_t ask_px; uint64_t ask_qty;
    uint8_t flags; uint8_t pad[7];
} tb_feed_row;
enum tb_crc_cache_limit { TB_CRC_CACHE_SLOTS = 64, TB_CRC_LEVEL_TEXT = 96 };
typedef struct tb_crc_level {
    int64_t px; uint64_t qty; uint8_t used, px_len, len, pad[13]; unsigned char text[96];
} tb_crc_level;
typedef struct tb_crc_cache {
    uint32_t kind; int32_t ea, eb; uint64_t a, b; tb_crc_level slot[2][64];
} tb_crc_cache;
typedef struct tb_feed_batch {
    const uint8_t *side; const int64_t *px; const uint64_t *qty; size_t n_rows;
    const int64_t *row_end; const int64_t *ts; const int64_t *seq; const uint8_t *kind; const int64_t *crc;
    size_t n_msgs; uint32_t truncate; uint32_t stop_on_crc; uint32_t stop_on_crossed; uint32_t depth_k;
    uint32_t crc_kind; uint32_t crc_levels; uint64_t crc_a, crc_b; int32_t crc_ea, crc_eb;
    tb_crc_cache *crc_cache; uint32_t per_message;
} tb_feed_batch;
typedef struct tb_feed_state {
    size_t msg; size_t out_rows; int in_sync; int book_status; size_t bad_row;
    uint64_t messages, rows, skipped, stale, resets, resyncs, crossed; uint64_t checksums_ok;
} tb_feed_state;
enum tb_tardis_role { TB_TARDIS_OTHER = 0, TB_TARDIS_SYMBOL = 1, TB_TARDIS_TIMESTAMP = 2, TB_TARDIS_LOCAL_TS = 3,
                      TB_TARDIS_IS_SNAPSHOT = 4, TB_TARDIS_SIDE = 5, TB_TARDIS_PRICE = 6, TB_TARDIS_AMOUNT = 7,
                      TB_TARDIS_N_ROLES = 8 };
enum tb_tardis_status { TB_TARDIS_DONE = 0, TB_TARDIS_FULL = 1, TB_TARDIS_SYMBOL_CHANGE = 2 };
enum tb_tardis_limit { TB_TARDIS_MAX_FIELDS = 64, TB_TARDIS_TEXT = 256, TB_TARDIS_PREFIX = 64, TB_TARDIS_PENDING = 32,
                       TB_TARDIS_MSG_ROOM = 34 };
typedef struct tb_tardis_err {
    int64_t msg; int64_t line; int32_t field; int32_t reason; uint64_t len; char text[256];
} tb_tardis_err;
typedef struct tb_tardis_out {
    uint8_t *side; int64_t *px; uint64_t *qty; size_t rows_cap, n_rows;
    int64_t *row_end; int64_t *ts; int64_t *seq; int64_t *line; uint8_t *kind; size_t msgs_cap, n_msgs;
    tb_tardis_err *errs; size_t errs_cap, n_errs;
} tb_tardis_out;
typedef struct tb_tardis_scan {
    uint8_t role[64]; uint32_t n_fields; tb_dec_unit tick, lot; int64_t line; int64_t seq; int synced;
    int open, open_snap, open_bad; int64_t open_lts, open_ts, open_line; size_t open_row0;
    tb_tardis_err open_err; size_t n_pend; int64_t pend_line[32]; int32_t pend_count[32];
    int have_symbol; size_t symbol_len; char symbol[256];
    size_t prefix_len; char prefix[64];
} tb_tardis_scan;
typedef struct tb_tardis_run {
    size_t msgs; size_t consumed; ...;
} tb_tardis_run;
enum tb_tardis_run_stop { TB_TARDIS_RUN_DONE = 0, TB_TARDIS_RUN_ROOM = 5, TB_TARDIS_RUN_ERRS = 6, TB_TARDIS_RUN_GROW = 7 };
enum tb_jscan_kind { TB_JSCAN_EMPTY = 0, TB_JSCAN_FRAME = 1, TB_JSCAN_OTHER = 2 };
enum tb_jscan_status { TB_JSCAN_DONE = 0, TB_JSCAN_FULL = 1 };
enum tb_jscan_limit { TB_JSCAN_MAX_DIGITS = 18 };
enum tb_jscan_role { TB_JSCAN_EVENT = 0, TB_JSCAN_TIME = 1, TB_JSCAN_SYMBOL = 2, TB_JSCAN_FIRST = 3, TB_JSCAN_LAST = 4,
                     TB_JSCAN_PREV = 5, TB_JSCAN_INT = 6, TB_JSCAN_BIDS = 7, TB_JSCAN_ASKS = 8, TB_JSCAN_CHECKSUM = 9,
                     TB_JSCAN_TEXT = 10, TB_JSCAN_EVENTS = 11, TB_JSCAN_N_ROLES = 12 };
typedef struct tb_jscan_out {
    uint8_t *side; int64_t *px; uint64_t *qty; size_t rows_cap, n_rows;
    uint8_t *kind; int64_t *off; int64_t *len; int64_t *row_end; int64_t *ev_time; int64_t *first_id;
    int64_t *last_id; int64_t *prev_id; int64_t *sym_off; int64_t *sym_len; size_t frames_cap, n_frames;
} tb_jscan_out;
enum tb_jsync_status { TB_JSYNC_DONE = 0, TB_JSYNC_FULL = 1, TB_JSYNC_HANDBACK = 2 };
enum tb_jsync_kind { TB_JSYNC_DELTA = 0, TB_JSYNC_SNAPSHOT = 1, TB_JSYNC_NONBOOK = 3, TB_JSYNC_STALE = 4, TB_JSYNC_PRESYNC = 5 };
enum tb_jsync_limit { TB_JSYNC_SYMBOL = 64 };
typedef struct tb_jsync_out {
    uint8_t *side; int64_t *px; uint64_t *qty; size_t rows_cap, n_rows;
    int64_t *row_end; int64_t *ts; int64_t *seq; int64_t *line; uint8_t *kind; size_t msgs_cap, n_msgs;
    int64_t *crc;
} tb_jsync_out;
typedef struct tb_jsync_head {
    tb_dec_unit tick, lot; int synced; int sym_state; size_t sym_len; char symbol[64]; int64_t line;
} tb_jsync_head;
typedef struct tb_jsync_binance {
    tb_jsync_head head; int futures; int have_book_id; int64_t last_update_id; int64_t book_id;
} tb_jsync_binance;
enum tb_jscan_layout_index { TB_JSCAN_BINANCE = 0, TB_JSCAN_BINANCE_FUTURES = 1, TB_JSCAN_BYBIT = 2, TB_JSCAN_OKX = 3,
                             TB_JSCAN_COINBASE = 4, TB_JSCAN_BITSTAMP = 5, TB_JSCAN_KRAKEN = 6 };
typedef struct tb_jsync_bybit {
    tb_jsync_head head; int have_u; int64_t last_u;
} tb_jsync_bybit;
typedef struct tb_jsync_okx {
    tb_jsync_head head; int have_seq; int64_t last_seq;
} tb_jsync_okx;
typedef struct tb_jsync_coinbase {
    tb_jsync_head head; int check_sequence; int have_seq; int64_t last_seq;
} tb_jsync_coinbase;
typedef struct tb_jsync_bitstamp {
    tb_jsync_head head; int64_t snapshot_us; int64_t index;
} tb_jsync_bitstamp;
typedef struct tb_jsync_kraken {
    tb_jsync_head head; int ready; int fixed; int have_precision; int32_t price_precision, qty_precision;
    int64_t index;
} tb_jsync_kraken;
#endif

TB_API const char *tb_dec_reason_str(int reason);
TB_API int tb_dec_unit_parse(const char *s, size_t len, tb_dec_unit *out);
TB_API int tb_dec_parse(const char *s, size_t len, tb_dec_unit unit, int is_unsigned, uint64_t *out);
TB_API int tb_dec_col_offsets32(const char *data, const int32_t *offsets, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_offsets64(const char *data, const int64_t *offsets, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_fixed(const char *data, size_t width, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_delimited(const char *data, size_t len, char sep, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_delimited_each(const char *data, size_t len, char sep, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, uint8_t *reasons, size_t *n_bad);
TB_API int tb_feed_run(void *book, const tb_feed_ops *ops, const tb_feed_batch *in, tb_feed_row *out, int64_t *depth_out, int8_t *scratch, tb_level_i64 *lv_scratch, size_t lv_cap, tb_feed_state *st);
#ifdef TB_FEED_DEFINE_OPS
TB_API const tb_feed_ops *tb_feed_ops_for(int n);
#endif
TB_API int tb_dec_format_col(const uint64_t *values, int is_unsigned, size_t n, tb_dec_unit unit, int decimals, char *out, size_t width, size_t *n_done);
TB_API int tb_tardis_begin(tb_tardis_scan *st, const uint8_t *roles, size_t n_fields, tb_dec_unit tick, tb_dec_unit lot, int64_t first_line, int new_stream);
TB_API int tb_tardis_scan_buf(tb_tardis_scan *st, char *data, size_t len, int final, tb_tardis_out *out, size_t *consumed);
TB_API int tb_tardis_run_block(tb_tardis_run *r, tb_tardis_scan *st, char *data, size_t len, int final, tb_tardis_out *out, void *book, const tb_feed_ops *ops, uint32_t stop_on_crossed, tb_feed_row *rows, size_t room, int8_t *scratch, tb_feed_state *fst);
TB_API int tb_jscan_binance(const char *data, size_t len, int final, int futures, tb_dec_unit tick, tb_dec_unit lot, tb_jscan_out *out, size_t *consumed);
TB_API int tb_jscan_layout_key(size_t layout, size_t i, const char **name, int *role, int *required);
TB_API int tb_jsync_binance_run(tb_jsync_binance *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_jsync_bybit_run(tb_jsync_bybit *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_jsync_okx_run(tb_jsync_okx *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_jsync_coinbase_run(tb_jsync_coinbase *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_jsync_bitstamp_run(tb_jsync_bitstamp *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_jsync_kraken_run(tb_jsync_kraken *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
TB_API int tb_crc_kraken(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask, uint64_t px_scale, uint64_t qty_scale, uint32_t *out);
TB_API int tb_crc_cached(tb_crc_cache *cache, uint32_t kind, uint64_t a, int32_t ea, uint64_t b, int32_t eb, const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask, uint32_t *out);
TB_API int tb_crc_okx(const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid, const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask, uint64_t px_mant, int px_exp, uint64_t qty_mant, int qty_exp, uint32_t *out);

#endif /* TB_FEEDS_API_H */
