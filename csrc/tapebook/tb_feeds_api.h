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
#endif

TB_API const char *tb_dec_reason_str(int reason);
TB_API int tb_dec_unit_parse(const char *s, size_t len, tb_dec_unit *out);
TB_API int tb_dec_parse(const char *s, size_t len, tb_dec_unit unit, int is_unsigned, uint64_t *out);
TB_API int tb_dec_col_offsets32(const char *data, const int32_t *offsets, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_offsets64(const char *data, const int64_t *offsets, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_fixed(const char *data, size_t width, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_col_delimited(const char *data, size_t len, char sep, size_t n, tb_dec_unit unit, int is_unsigned, uint64_t *out, size_t *n_done, int *reason);
TB_API int tb_dec_format_col(const uint64_t *values, int is_unsigned, size_t n, tb_dec_unit unit, int decimals, char *out, size_t width, size_t *n_done);

#endif /* TB_FEEDS_API_H */
