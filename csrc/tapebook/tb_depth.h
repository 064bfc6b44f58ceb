/* tb_depth.h — the depth snapshot format, independent of the price family:
 *
 * magic, version and flags, the header struct, tb_depth_size() and
 * tb_depth_check() (layout: tb_snapshot.inc).
 * The per-family and per-variant parts are in the template tb_snapshot.inc. */
#ifndef TB_DEPTH_H
#define TB_DEPTH_H

#include "tb_base.h"

#define TB_DEPTH_MAGIC UINT32_C(0x53444254) /* "TBDS" as little-endian bytes */
#define TB_DEPTH_VERSION 1u
#define TB_DEPTH_BID_TRUNCATED 1u
#define TB_DEPTH_ASK_TRUNCATED 2u
#define TB_DEPTH_FLAGS_MASK 3u
#define TB_DEPTH_HEADER_SIZE 40u

typedef struct tb_depth_header {
    uint32_t magic;
    uint8_t version;
    uint8_t width;
    uint16_t capacity;
    uint64_t instrument_id;
    uint64_t sequence;
    uint64_t timestamp_ns;
    uint16_t bid_count;
    uint16_t ask_count;
    uint32_t flags;
} tb_depth_header;

TB_STATIC_ASSERT(sizeof(tb_depth_header) == TB_DEPTH_HEADER_SIZE, "depth header is 40 bytes");
TB_STATIC_ASSERT(offsetof(tb_depth_header, version) == 4 && offsetof(tb_depth_header, width) == 5 &&
                     offsetof(tb_depth_header, capacity) == 6 &&
                     offsetof(tb_depth_header, instrument_id) == 8 &&
                     offsetof(tb_depth_header, sequence) == 16 &&
                     offsetof(tb_depth_header, timestamp_ns) == 24 &&
                     offsetof(tb_depth_header, bid_count) == 32 &&
                     offsetof(tb_depth_header, ask_count) == 34 && offsetof(tb_depth_header, flags) == 36,
                 "depth header field offsets are part of the format");

/* Bytes of a snapshot with prices/quantities of `width` bytes and capacity k;
 * 0 for a shape tapebook does not ship. */
TB_API size_t tb_depth_size(uint32_t width, uint32_t k) {
    if ((width != 4u && width != 8u) || (k != 16u && k != 128u)) return 0;
    return TB_DEPTH_HEADER_SIZE + (size_t)4u * width * k;
}

/* Unaligned native loads. tb_depth_check() calls these only after the magic
 * number matched, which proves the host is little-endian: native order is
 * then the format's order. */
TB_FORCE_INLINE uint64_t tb__depth_u64(const unsigned char *p, unsigned width) {
    if (width == 4u) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    } else {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
}

/* The levels of one side: qty > 0, prices strictly best first, then zeros. */
static const char *tb__depth_check_side(const unsigned char *lv, uint32_t width, uint32_t k, uint32_t count,
                                        int is_bid) {
    const size_t step = (size_t)2u * width;
    const uint64_t sign = (uint64_t)1 << (width * 8u - 1u);
    const unsigned char *end = lv + (size_t)k * step, *p = lv;
    uint64_t prev = 0, acc = 0;
    uint32_t i;
    for (i = 0; i < count; i++, p += step) {
        /* flip the sign bit: signed order becomes unsigned order */
        uint64_t px = tb__depth_u64(p, width) ^ sign;
        if (tb__depth_u64(p + width, width) == 0) return "a level has quantity 0";
        if (i && (is_bid ? px >= prev : px <= prev))
            return is_bid ? "bid prices are not strictly decreasing" : "ask prices are not strictly increasing";
        prev = px;
    }
    /* unused entries: whole levels, so a multiple of 8 bytes */
    for (; p < end; p += 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        acc |= w;
    }
    return acc ? "an unused level is not zero" : NULL;
}

TB_API int tb_depth_check(const void *buf, size_t len, const char **why) {
    const unsigned char *p = (const unsigned char *)buf;
    const char *w = NULL;
    tb_depth_header h;
    size_t need;
    if (why) *why = NULL;
    if (!buf) return TB_ERR_NULL;
    if (len < TB_DEPTH_HEADER_SIZE) {
        w = "shorter than the 40-byte header";
        goto bad;
    }
    memcpy(&h, p, sizeof h);
    if (h.magic != TB_DEPTH_MAGIC) {
        w = "bad magic (not a tapebook depth snapshot, or a big-endian writer)";
        goto bad;
    }
    if (h.version != TB_DEPTH_VERSION) {
        w = "unsupported version";
        goto bad;
    }
    if (h.width != 4u && h.width != 8u) {
        w = "bad width (must be 4 or 8 bytes)";
        goto bad;
    }
    if (h.capacity != 16u && h.capacity != 128u) {
        w = "bad capacity K (must be 16 or 128)";
        goto bad;
    }
    need = tb_depth_size(h.width, h.capacity);
    if (len != need) {
        w = "size does not match the width and capacity in the header";
        goto bad;
    }
    if (h.bid_count > h.capacity || h.ask_count > h.capacity) {
        w = "a level count exceeds the capacity K";
        goto bad;
    }
    if (h.flags & ~TB_DEPTH_FLAGS_MASK) {
        w = "unknown flag bits set";
        goto bad;
    }
    if (((h.flags & TB_DEPTH_BID_TRUNCATED) && h.bid_count != h.capacity) ||
        ((h.flags & TB_DEPTH_ASK_TRUNCATED) && h.ask_count != h.capacity)) {
        w = "truncation flag set on a side that is not full";
        goto bad;
    }
    w = tb__depth_check_side(p + TB_DEPTH_HEADER_SIZE, h.width, h.capacity, h.bid_count, 1);
    if (!w)
        w = tb__depth_check_side(p + TB_DEPTH_HEADER_SIZE + (size_t)2u * h.width * h.capacity, h.width,
                                 h.capacity, h.ask_count, 0);
    if (!w) return TB_OK;
bad:
    if (why) *why = w;
    return TB_ERR_FORMAT;
}

#endif /* TB_DEPTH_H */
