/* itch_records.h — NASDAQ TotalView-ITCH 5.0 records written byte by byte for the C tests
 * (test_itch.c, test_itch_run.c), from the spec's layouts: Nasdaq TotalView-ITCH 5.0 §1.1
 * (BinaryFILE 2-byte big-endian length prefix), §4 (11 common bytes: type, stock locate,
 * tracking number, 6-byte timestamp), §4.3 Add Order ('A' 36 bytes, 'F' 40 with MPID),
 * §4.2.1 Stock Directory ('R' 39 bytes). Integers big-endian; Price(4) 4 implied decimals. */
#ifndef ITCH_RECORDS_H
#define ITCH_RECORDS_H

#include <stdint.h>
#include <string.h>

#define MAXB 4096 /* bytes a test buffer holds */

typedef struct buf {
    uint8_t b[MAXB];
    size_t n;
} buf;

static inline void put(buf *o, uint64_t v, size_t bytes) {
    size_t i;
    for (i = 0; i < bytes; i++) {
        size_t shift = 8 * (bytes - 1 - i); /* fields wider than 8 bytes are zero-filled on the left */
        o->b[o->n + i] = (uint8_t)(shift < 64 ? v >> shift : 0);
    }
    o->n += bytes;
}

static inline void put_s(buf *o, const char *s, size_t width) {
    size_t i, len = strlen(s);
    for (i = 0; i < width; i++) o->b[o->n + i] = (uint8_t)(i < len ? s[i] : ' ');
    o->n += width;
}

/* length prefix, then the 11 common bytes; returns the offset of the prefix */
static inline size_t head(buf *o, size_t len, char type, uint16_t locate, uint64_t ts) {
    size_t at = o->n;
    put(o, len, 2);
    put(o, (uint64_t)(unsigned char)type, 1);
    put(o, locate, 2);
    put(o, 0, 2);
    put(o, ts, 6);
    return at;
}

static inline void add(buf *o, char type, uint16_t loc, uint64_t ts, uint64_t ref, char side, uint32_t sh,
                const char *stock, uint32_t px) {
    head(o, type == 'F' ? 40 : 36, type, loc, ts);
    put(o, ref, 8);
    put(o, (uint64_t)(unsigned char)side, 1);
    put(o, sh, 4);
    put_s(o, stock, 8);
    put(o, px, 4);
    if (type == 'F') put_s(o, "GSCO", 4);
}

static inline void directory(buf *o, uint16_t loc, const char *stock) {
    head(o, 39, 'R', loc, 1);
    put_s(o, stock, 8);
    put_s(o, "QN", 2);
    put(o, 100, 4);
    put_s(o, "NCZ PN 1N", 9);
    put(o, 0, 4);
    put_s(o, "N", 1);
}

#endif /* ITCH_RECORDS_H */
