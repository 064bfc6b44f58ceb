/* tb_match_types.h — the family-independent records of the matching engine:
 * the incoming order, the event, the per-submit result, their codes and the
 * engine's extra statuses. The typed engine lives in tb_match.inc; the C
 * reference engine of the tests and benchmarks (tests/c/ref_match.h) uses
 * the same records, so both can be compared field for field.
 *
 * Every record is fixed-size little-endian-friendly plain data with explicit
 * padding, so an event buffer can be handed to numpy as a structured array
 * or sent as it is. Prices are int64 and quantities uint64 in both price
 * families (a 32-bit engine's values fit). */
#ifndef TB_MATCH_TYPES_H
#define TB_MATCH_TYPES_H

#include "tb_l3_base.h"

/* Statuses beyond tb_status / tb_l3_status (<= TB_ERR_FIRST, nothing changed).
 * Order validation uses the existing ones: TB_ERR_BADARG (id 0, qty, tif,
 * flags), TB_ERR_SIDE, TB_ERR_PRICE, TB_ERR_DUPLICATE (the id rests),
 * TB_ERR_UNKNOWN, TB_ERR_OVERFLOW (a level total), TB_ERR_FULL (the order
 * could rest but the book holds max_orders orders, or its side max_cap
 * levels). */
typedef enum tb_match_status {
    TB_ERR_EVENTS = -40, /* the event buffer cannot hold this call's events */
    TB_ERR_MATCH_LAST = -40
} tb_match_status;

/* Time in force. A market order never rests: GTC and IOC behave alike. */
typedef enum tb_tif { TB_GTC = 0, TB_IOC = 1, TB_FOK = 2 } tb_tif;

/* Order flags. */
typedef enum tb_order_flag {
    TB_ORDER_MARKET = 1,    /* no limit price: px is ignored unless TB_ORDER_PROTECT */
    TB_ORDER_POST_ONLY = 2, /* GTC limit orders only: rejected if it would take */
    TB_ORDER_PROTECT = 4,   /* market orders only: px is the worst price it may trade at */
    TB_ORDER_FLAGS_ALL = 7
} tb_order_flag;

/* Self-trade prevention between a taker and a maker of the same non-zero owner. */
typedef enum tb_stp {
    TB_STP_NONE = 0,          /* they trade */
    TB_STP_CANCEL_NEWEST = 1, /* the taker's remainder is cancelled, matching stops */
    TB_STP_CANCEL_OLDEST = 2, /* the maker is cancelled, matching goes on */
    TB_STP_CANCEL_BOTH = 3    /* the maker, then the taker's remainder; matching stops */
} tb_stp;

/* Event kinds and reasons. */
typedef enum tb_event_kind {
    TB_EV_FILL = 1,   /* taker_id traded qty with maker_id at px (the maker's price) */
    TB_EV_REST = 2,   /* taker_id rests qty at px */
    TB_EV_CANCEL = 3, /* maker_id (resting) or else taker_id (incoming) lost qty */
    TB_EV_REJECT = 4, /* taker_id refused (post-only that would take) */
    TB_EV_MODIFY = 5  /* maker_id's quantity is now qty */
} tb_event_kind;

typedef enum tb_event_reason {
    TB_RS_NONE = 0,
    TB_RS_IOC = 1,       /* the unfilled remainder of an IOC limit order */
    TB_RS_MARKET = 2,    /* the unfilled remainder of a market order */
    TB_RS_FOK = 3,       /* a FOK order that could not fill completely */
    TB_RS_STP = 4,       /* self-trade prevention */
    TB_RS_POST_ONLY = 5, /* a post-only order that would have taken */
    TB_RS_USER = 6       /* cancel() */
} tb_event_reason;

#define TB_EVF_L2 1u /* the event changed the level (side, px): its total is now level_qty */

/* Submit outcome. */
typedef enum tb_submit_status {
    TB_SUBMIT_RESTED = 0,    /* no fill, the whole order rests */
    TB_SUBMIT_FILLED = 1,    /* filled completely */
    TB_SUBMIT_PARTIAL = 2,   /* some filled; the rest rests or was cancelled */
    TB_SUBMIT_CANCELLED = 3, /* no fill, nothing rests (IOC / market / FOK / STP) */
    TB_SUBMIT_REJECTED = 4   /* post-only that would take */
} tb_submit_status;

/* An incoming order (32 bytes). */
typedef struct tb_match_order {
    uint64_t id;    /* non-zero, not resting */
    int64_t px;     /* limit price (or protection bound); ignored for a plain market order */
    uint64_t qty;   /* [1, the family's qty max] */
    uint32_t owner; /* 0: no self-trade prevention */
    uint8_t side;   /* TB_BID 1 / TB_ASK 0 */
    uint8_t tif;    /* tb_tif */
    uint8_t flags;  /* tb_order_flag */
    uint8_t reserved;
} tb_match_order;

/* The kinds of a batch's operations (apply_ops): the letters of the L3
 * book's MBO actions, so a column of them reads the same in both batches. */
typedef enum tb_op_kind { TB_OP_SUBMIT = 'S', TB_OP_CANCEL = 'C', TB_OP_MODIFY = 'M' } tb_op_kind;

/* One operation of a batch (40 bytes): submit order; cancel order.id;
 * modify order.id to quantity order.qty. The other fields of a cancel or a
 * modify are not read. */
typedef struct tb_match_op {
    tb_match_order order;
    uint8_t kind; /* tb_op_kind */
    uint8_t reserved[7];
} tb_match_op;

/* One event (72 bytes). seq counts every event of the engine from 1.
 * side/px: the order the event is about (FILL: the maker's; CANCEL: the
 * cancelled order's) and its level; level_qty: that level's total after
 * the event when flags & TB_EVF_L2. */
typedef struct tb_match_event {
    uint64_t seq;
    uint64_t taker_id;        /* the incoming order (0 for cancel()/modify() events) */
    uint64_t maker_id;        /* the resting order (0 for REST, REJECT, taker CANCEL) */
    int64_t px;
    uint64_t qty;
    uint64_t taker_remaining; /* the incoming order's open quantity after the event */
    uint64_t maker_remaining; /* the resting order's quantity after the event */
    uint64_t level_qty;
    uint32_t owner;           /* owner of the order the event is about */
    uint8_t kind;             /* tb_event_kind */
    uint8_t reason;           /* tb_event_reason */
    uint8_t side;
    uint8_t flags;            /* TB_EVF_* */
} tb_match_event;

/* What one submit did (24 bytes). */
typedef struct tb_submit_result {
    uint64_t filled;   /* quantity traded */
    uint64_t resting;  /* quantity left resting */
    uint32_t n_events; /* events written */
    uint8_t status;    /* tb_submit_status */
    uint8_t reserved[3];
} tb_submit_result;

/* Counters of one engine. */
typedef struct tb_match_stats {
    uint64_t seq, orders, submits, fills, rests, cancels, rejects, modifies, stp_cancels;
} tb_match_stats;

/* One L2 change (32 bytes): level (side, px) now holds qty (0: gone). */
typedef struct tb_l2_delta {
    int64_t px;
    uint64_t qty;
    uint64_t seq; /* the event that changed it */
    uint8_t side;
    uint8_t reserved[7];
} tb_l2_delta;

TB_STATIC_ASSERT(sizeof(tb_match_order) == 32, "tb_match_order is 32 bytes");
TB_STATIC_ASSERT(sizeof(tb_match_event) == 72, "tb_match_event is 72 bytes");
/* the engine reads side, tif, flags and reserved with one 4-byte load (plain_bytes) */
TB_STATIC_ASSERT(offsetof(tb_match_order, tif) == offsetof(tb_match_order, side) + 1 &&
                     offsetof(tb_match_order, flags) == offsetof(tb_match_order, side) + 2 &&
                     offsetof(tb_match_order, reserved) == offsetof(tb_match_order, side) + 3,
                 "tb_match_order's side, tif, flags, reserved are four adjacent bytes");
/* the engine writes kind, reason, side and flags with one 4-byte store (ev_word) */
TB_STATIC_ASSERT(offsetof(tb_match_event, reason) == offsetof(tb_match_event, kind) + 1 &&
                     offsetof(tb_match_event, side) == offsetof(tb_match_event, kind) + 2 &&
                     offsetof(tb_match_event, flags) == offsetof(tb_match_event, kind) + 3,
                 "tb_match_event's kind, reason, side, flags are four adjacent bytes");
TB_STATIC_ASSERT(sizeof(tb_submit_result) == 24, "tb_submit_result is 24 bytes");
TB_STATIC_ASSERT(sizeof(tb_match_op) == 40, "tb_match_op is 40 bytes");

TB_API const char *tb_match_status_str(int status) {
    switch (status) {
    case TB_ERR_EVENTS: return "event buffer too small for the call's events";
    case TB_ERR_FULL: return "the book holds max_orders orders or max_cap levels on that side";
    default: return tb_l3_status_str(status);
    }
}

/* The L2 deltas of a batch of events (those flagged TB_EVF_L2), in order,
 * into out[0..cap): a publisher's incremental depth feed. *n_out = deltas
 * written; TB_ERR_EVENTS when cap is too small (out then holds the first cap). */
TB_API int tb_match_l2_deltas(const tb_match_event *ev, size_t n, tb_l2_delta *out, size_t cap, size_t *n_out) {
    size_t i, k = 0;
    if (!n_out || (!ev && n) || (!out && cap)) return TB_ERR_NULL;
    for (i = 0; i < n; i++) {
        if (!(ev[i].flags & TB_EVF_L2)) continue;
        if (k == cap) {
            *n_out = k;
            return TB_ERR_EVENTS;
        }
        out[k].px = ev[i].px;
        out[k].qty = ev[i].level_qty;
        out[k].seq = ev[i].seq;
        out[k].side = ev[i].side;
        memset(out[k].reserved, 0, sizeof out[k].reserved);
        k++;
    }
    *n_out = k;
    return TB_OK;
}

#endif /* TB_MATCH_TYPES_H */
