/* test_l3_unit.c — unit tests of the L3 books (tb_l3.inc), on several variants
 * through the driver table of l3_drv.h: FIFO queues and queue positions,
 * modify / amend / replace priority rules, executions, every validation
 * (with the book unchanged, compared through a dump), arena and level
 * limits with their counters, quantity overflow, the index reseed under
 * colliding ids, dump/load (round trip, corruption, duplicate ids),
 * apply_mbo statuses, clears that walk what rests in a large index, and the
 * L2 view keeping every level through spills, promotes and recenters.
 *
 * Usage: test_l3_unit [--profile quick|sanitizer|full] [--verbose] */
#include "l3_drv.h"
#include "tb_test.h"

#include <stdio.h>

#define ANCHOR 100000

static const l3drv *D; /* the variant under test */

static void *mk(uint32_t max_orders, uint32_t max_cap) {
    int st = 0;
    void *l = D->create(ANCHOR, max_orders, max_cap, &st);
    CHECK_EQ(st, TB_OK);
    return l;
}

/* The whole state as bytes (a dump), to show that a refused call changed nothing. */
static unsigned char *snap(void *l, size_t *len) {
    unsigned char *buf = NULL;
    CHECK_EQ(D->dump(l, &buf, len), TB_OK);
    return buf;
}

static int same_as(void *l, const unsigned char *before, size_t len) {
    size_t n = 0;
    unsigned char *now = snap(l, &n);
    int same = n == len && memcmp(now, before, len) == 0;
    free(now);
    return same;
}

static void expect_queue(void *l, int side, int64_t px, const uint64_t *ids, const uint64_t *qtys, size_t n) {
    uint64_t gi[16], gq[16];
    size_t n_out = 0, n_level = 0, i;
    CHECK_EQ(D->level_orders(l, side, px, gi, gq, 16, &n_out, &n_level), TB_OK);
    CHECK_EQ(n_out, n);
    CHECK_EQ(n_level, n);
    for (i = 0; i < n && i < n_out; i++) {
        CHECK_EQ_U(gi[i], ids[i]);
        CHECK_EQ_U(gq[i], qtys[i]);
    }
}

static void t_fifo(void) {
    void *l = mk(64, 64);
    uint64_t k = 9, q = 9;
    CHECK_EQ(D->add(l, 10, TB_BID, ANCHOR, 5), TB_OK);
    CHECK_EQ(D->add(l, 11, TB_BID, ANCHOR, 7), TB_OK);
    CHECK_EQ(D->add(l, 12, TB_BID, ANCHOR, 1), TB_OK);
    CHECK_EQ(D->add(l, 13, TB_ASK, ANCHOR + 3, 4), TB_OK);
    {
        const uint64_t ids[] = {10, 11, 12}, qs[] = {5, 7, 1};
        expect_queue(l, TB_BID, ANCHOR, ids, qs, 3);
    }
    CHECK_EQ(D->qpos(l, 12, &k, &q), TB_OK);
    CHECK_EQ_U(k, 2);
    CHECK_EQ_U(q, 12);
    CHECK_EQ(D->qpos(l, 10, &k, &q), TB_OK);
    CHECK_EQ_U(k, 0);
    CHECK_EQ_U(q, 0);
    CHECK_EQ_U(D->view_qty_at(l, TB_BID, ANCHOR), 13);
    CHECK_EQ_U(D->count(l), 4);
    CHECK_EQ(D->qpos(l, 99, &k, &q), TB_ERR_UNKNOWN);
    /* cancel in the middle keeps the others' order */
    CHECK_EQ(D->cancel(l, 11), TB_OK);
    {
        const uint64_t ids[] = {10, 12}, qs[] = {5, 1};
        expect_queue(l, TB_BID, ANCHOR, ids, qs, 2);
    }
    CHECK_EQ(D->cancel(l, 11), TB_ERR_UNKNOWN);
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

static void t_priority(void) {
    void *l = mk(64, 64);
    int64_t px = 0;
    uint64_t q = 0;
    int side = -1;
    CHECK_EQ(D->add(l, 1, TB_ASK, ANCHOR + 1, 10), TB_OK);
    CHECK_EQ(D->add(l, 2, TB_ASK, ANCHOR + 1, 10), TB_OK);
    CHECK_EQ(D->add(l, 3, TB_ASK, ANCHOR + 1, 10), TB_OK);
    CHECK_EQ(D->modify(l, 1, 4), TB_OK); /* down: keeps the front */
    {
        const uint64_t ids[] = {1, 2, 3}, qs[] = {4, 10, 10};
        expect_queue(l, TB_ASK, ANCHOR + 1, ids, qs, 3);
    }
    CHECK_EQ(D->modify(l, 2, 11), TB_OK); /* up: to the back */
    {
        const uint64_t ids[] = {1, 3, 2}, qs[] = {4, 10, 11};
        expect_queue(l, TB_ASK, ANCHOR + 1, ids, qs, 3);
    }
    CHECK_EQ(D->modify(l, 3, 10), TB_OK); /* equal: nothing moves */
    CHECK_EQ(D->amend(l, 1, ANCHOR + 1, 2), TB_OK); /* same price: a modify (down) */
    CHECK_EQ(D->amend(l, 1, ANCHOR + 2, 2), TB_OK); /* another price: its back */
    CHECK_EQ(D->order(l, 1, &px, &q, &side), TB_OK);
    CHECK_EQ(px, ANCHOR + 2);
    CHECK_EQ_U(q, 2);
    CHECK_EQ(side, TB_ASK);
    CHECK_EQ(D->replace(l, 3, 30, ANCHOR + 1, 10), TB_OK); /* same price, new id: back of the queue */
    {
        const uint64_t ids[] = {2, 30}, qs[] = {11, 10};
        expect_queue(l, TB_ASK, ANCHOR + 1, ids, qs, 2);
    }
    CHECK_EQ(D->order(l, 3, &px, &q, &side), TB_ERR_UNKNOWN);
    CHECK_EQ(D->replace(l, 2, 2, ANCHOR + 1, 11), TB_OK); /* same id allowed: new priority */
    {
        const uint64_t ids[] = {30, 2}, qs[] = {10, 11};
        expect_queue(l, TB_ASK, ANCHOR + 1, ids, qs, 2);
    }
    CHECK_EQ(D->execute(l, 30, 4), TB_OK); /* partial fill keeps priority */
    {
        const uint64_t ids[] = {30, 2}, qs[] = {6, 11};
        expect_queue(l, TB_ASK, ANCHOR + 1, ids, qs, 2);
    }
    CHECK_EQ(D->execute(l, 30, 6), TB_OK); /* removed at 0 */
    CHECK_EQ(D->order(l, 30, &px, &q, &side), TB_ERR_UNKNOWN);
    CHECK_EQ(D->reduce(l, 2, 11), TB_OK);
    CHECK_EQ_U(D->view_qty_at(l, TB_ASK, ANCHOR + 1), 0);
    CHECK_EQ_U(D->count(l), 1);
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

static void t_validation(void) {
    void *l = mk(4, 64);
    unsigned char *before;
    size_t len = 0;
    tb_l3_stats st;
    CHECK_EQ(D->add(l, 1, TB_BID, ANCHOR, 5), TB_OK);
    CHECK_EQ(D->add(l, 2, TB_ASK, ANCHOR + 5, 5), TB_OK);
    before = snap(l, &len);
    CHECK_EQ(D->add(l, 1, TB_ASK, ANCHOR + 9, 5), TB_ERR_DUPLICATE);
    CHECK_EQ(D->add(l, 3, 2, ANCHOR, 5), TB_ERR_SIDE);
    CHECK_EQ(D->add(l, 3, -1, ANCHOR, 5), TB_ERR_SIDE);
    CHECK_EQ(D->add(l, 3, TB_BID, D->pmin - 1, 5), TB_ERR_PRICE);
    CHECK_EQ(D->add(l, 3, TB_BID, D->pmax + 1, 5), TB_ERR_PRICE);
    CHECK_EQ(D->add(l, 3, TB_BID, ANCHOR, 0), TB_ERR_BADARG);
    CHECK_EQ(D->cancel(l, 3), TB_ERR_UNKNOWN);
    CHECK_EQ(D->reduce(l, 1, 0), TB_ERR_BADARG);
    CHECK_EQ(D->reduce(l, 1, 6), TB_ERR_BADARG);
    CHECK_EQ(D->execute(l, 1, 6), TB_ERR_BADARG);
    CHECK_EQ(D->execute(l, 3, 1), TB_ERR_UNKNOWN);
    CHECK_EQ(D->modify(l, 1, 0), TB_ERR_BADARG);
    CHECK_EQ(D->modify(l, 3, 1), TB_ERR_UNKNOWN);
    CHECK_EQ(D->amend(l, 1, D->pmax + 1, 5), TB_ERR_PRICE);
    CHECK_EQ(D->amend(l, 1, ANCHOR, 0), TB_ERR_BADARG);
    CHECK_EQ(D->replace(l, 1, 2, ANCHOR, 5), TB_ERR_DUPLICATE);
    CHECK_EQ(D->replace(l, 3, 4, ANCHOR, 5), TB_ERR_UNKNOWN);
    CHECK_EQ(D->replace(l, 1, 4, D->pmin - 1, 5), TB_ERR_PRICE);
    CHECK_EQ(D->replace(l, 1, 4, ANCHOR, 0), TB_ERR_BADARG);
    CHECK_EQ(D->reset(l, D->amin - 1), TB_ERR_ANCHOR);
    CHECK(same_as(l, before, len));
    /* arena: 4 orders */
    CHECK_EQ(D->add(l, 3, TB_BID, ANCHOR, 1), TB_OK);
    CHECK_EQ(D->add(l, 4, TB_BID, ANCHOR, 1), TB_OK);
    free(before);
    before = snap(l, &len);
    CHECK_EQ(D->add(l, 5, TB_BID, ANCHOR, 1), TB_ERR_FULL);
    CHECK_EQ(D->add(l, 6, TB_ASK, ANCHOR + 1, 1), TB_ERR_FULL);
    CHECK(same_as(l, before, len));
    CHECK_EQ(D->replace(l, 4, 5, ANCHOR - 1, 1), TB_OK); /* frees one, takes one */
    CHECK_EQ(D->stats(l, &st), TB_OK);
    CHECK_EQ_U(st.arena_full, 2);
    CHECK_EQ_U(st.orders, 4);
    CHECK(st.rejected >= 22);
    CHECK_EQ(D->verify(l), TB_OK);
    free(before);
    D->destroy(l);
    /* bad construction */
    {
        int s = 0;
        CHECK(D->create(ANCHOR, 0, 64, &s) == NULL);
        CHECK_EQ(s, TB_ERR_BADARG);
        CHECK(D->create(ANCHOR, 16, 3, &s) == NULL);
        CHECK_EQ(s, TB_ERR_MAX_CAP);
        CHECK(D->create(D->amin - 1, 16, 4, &s) == NULL);
        CHECK_EQ(s, TB_ERR_ANCHOR);
    }
    CHECK_EQ(D->add(NULL, 1, 1, ANCHOR, 1), TB_ERR_NULL);
    CHECK_EQ(D->destroy(NULL), TB_OK);
}

static void t_overflow(void) {
    void *l = mk(16, 64);
    const uint64_t half = D->qmax / 2 + 1;
    unsigned char *before;
    size_t len = 0;
    CHECK_EQ(D->add(l, 1, TB_BID, ANCHOR, half), TB_OK);
    CHECK_EQ(D->add(l, 2, TB_BID, ANCHOR - 1, half), TB_OK);
    before = snap(l, &len);
    CHECK_EQ(D->add(l, 3, TB_BID, ANCHOR, half), TB_ERR_OVERFLOW);
    CHECK_EQ(D->amend(l, 2, ANCHOR, half), TB_ERR_OVERFLOW);
    CHECK_EQ(D->replace(l, 2, 9, ANCHOR, half), TB_ERR_OVERFLOW);
    CHECK(same_as(l, before, len));
    CHECK_EQ(D->add(l, 3, TB_BID, ANCHOR, D->qmax - half), TB_OK); /* exactly the max */
    CHECK_EQ_U(D->view_qty_at(l, TB_BID, ANCHOR), D->qmax);
    CHECK_EQ(D->modify(l, 3, D->qmax - half + 1), TB_ERR_OVERFLOW);
    CHECK_EQ(D->replace(l, 1, 1, ANCHOR, half), TB_OK); /* its own quantity leaves first */
    CHECK_EQ(D->verify(l), TB_OK);
    free(before);
    D->destroy(l);
}

/* A side holds at most max_cap levels, and no level is ever lost by the L2
 * view: far prices (spill), better prices (promotes) and recenters. */
static void t_levels_kept(void) {
    const uint32_t cap = 8;
    void *l = mk(256, cap);
    int64_t px[64];
    uint64_t q[64];
    tb_l3_stats st;
    uint32_t i;
    size_t n;
    int64_t step = (int64_t)D->n * 3;
    for (i = 0; i < cap; i++) CHECK_EQ(D->add(l, 100 + i, TB_BID, ANCHOR - step * i, 1 + i), TB_OK);
    CHECK_EQ(D->add(l, 200, TB_BID, ANCHOR + step, 1), TB_ERR_FULL);
    CHECK_EQ(D->add(l, 201, TB_BID, ANCHOR - step * 20, 1), TB_ERR_FULL);
    CHECK_EQ(D->add(l, 202, TB_BID, ANCHOR, 1), TB_OK); /* an existing level takes more */
    CHECK_EQ(D->amend(l, 107, ANCHOR + step * 2, 5), TB_OK); /* its level empties: the count stays */
    for (i = 0; i < 6; i++) {
        CHECK_EQ(D->view_recenter(l, TB_BID, ANCHOR - step * (int64_t)i - (int64_t)D->n / 2), TB_OK);
        n = D->view_levels(l, TB_BID, px, q, 64);
        CHECK_EQ(n, cap);
    }
    CHECK_EQ(D->verify(l), TB_OK);
    CHECK_EQ(D->stats(l, &st), TB_OK);
    CHECK_EQ_U(st.levels_full, 2);
    CHECK_EQ_U(st.levels[1], cap);
    {
        tb_book_stats bs;
        CHECK_EQ(D->book_stats(l, &bs), TB_OK);
        CHECK_EQ_U(bs.spill_evicted[1] + bs.spill_dropped[1] + bs.spill_nomem[1], 0);
    }
    D->destroy(l);
}

/* Ids that share a home bucket under the index's key force a reseed; every
 * order stays findable, before and after an explicit reseed. */
static void t_reseed(void) {
    void *l = mk(1024, 64);
    tb_l3_stats st;
    uint64_t key = D->key(l), ids[400];
    unsigned bits = 0, i;
    int64_t px = 0;
    uint64_t q = 0;
    int side = 0;
    CHECK_EQ(D->stats(l, &st), TB_OK);
    while (((uint64_t)1 << bits) < st.index_slots) bits++;
    for (i = 0; i < 400; i++) {
        ids[i] = tb__l3_unmix(((uint64_t)0x1234 << (64 - 16)) | ((uint64_t)i << 8), key);
        CHECK_EQ(D->add(l, ids[i], (int)(i & 1), ANCHOR + (int64_t)(i % 7) - 3 + (i & 1 ? -4 : 4), 1 + i), TB_OK);
    }
    CHECK_EQ(D->stats(l, &st), TB_OK);
    CHECK(st.reseeds >= 1);
    CHECK(D->key(l) != key);
    for (i = 0; i < 400; i++) CHECK_EQ(D->order(l, ids[i], &px, &q, &side), TB_OK);
    CHECK_EQ(D->verify(l), TB_OK);
    CHECK_EQ(D->reseed(l, 12345), TB_OK);
    CHECK_EQ_U(D->key(l), 12345);
    for (i = 0; i < 400; i += 2) CHECK_EQ(D->cancel(l, ids[i]), TB_OK);
    for (i = 1; i < 400; i += 2) CHECK_EQ(D->order(l, ids[i], &px, &q, &side), TB_OK);
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

static void put64(unsigned char *p, uint64_t v) {
    int i;
    for (i = 0; i < 8; i++, v >>= 8) p[i] = (unsigned char)v;
}
static void fix_crc(unsigned char *buf, size_t len) {
    uint32_t c = tb_crc32(0, buf, len - 4);
    int i;
    for (i = 0; i < 4; i++, c >>= 8) buf[len - 4 + (size_t)i] = (unsigned char)c;
}

static void t_dump(void) {
    void *l = mk(64, 64), *m = mk(64, 64), *small = mk(2, 64);
    unsigned char *buf, *copy;
    size_t len = 0, i;
    CHECK_EQ(D->add(l, 7, TB_BID, ANCHOR, 3), TB_OK);
    CHECK_EQ(D->add(l, 8, TB_BID, ANCHOR, 4), TB_OK);
    CHECK_EQ(D->add(l, 9, TB_BID, ANCHOR - (int64_t)D->n * 2, 5), TB_OK); /* in the spill */
    CHECK_EQ(D->add(l, 10, TB_ASK, ANCHOR + 2, 6), TB_OK);
    CHECK_EQ(D->modify(l, 7, 9), TB_OK); /* 8 before 7 now */
    buf = snap(l, &len);
    CHECK_EQ(D->add(m, 99, TB_ASK, ANCHOR, 1), TB_OK);
    CHECK_EQ(D->load(m, buf, len), TB_OK);
    CHECK(same_as(m, buf, len));
    {
        const uint64_t ids[] = {8, 7}, qs[] = {4, 9};
        expect_queue(m, TB_BID, ANCHOR, ids, qs, 2);
    }
    CHECK_EQ_U(D->count(m), 4);
    CHECK_EQ(D->verify(m), TB_OK);
    CHECK_EQ(D->load(small, buf, len), TB_ERR_FULL); /* 4 orders > max_orders 2 */
    CHECK_EQ(D->load(m, buf, len - 1), TB_ERR_FORMAT);
    copy = (unsigned char *)malloc(len);
    for (i = 0; i < len; i += 7) { /* any flipped bit: refused, nothing changed */
        memcpy(copy, buf, len);
        copy[i] ^= 0x10;
        CHECK(D->load(m, copy, len) != TB_OK);
    }
    CHECK(same_as(m, buf, len));
    /* a duplicate id with a valid CRC */
    memcpy(copy, buf, len);
    put64(copy + 56 + 24 + 16, 8); /* first level's second order: id 7 -> 8 */
    fix_crc(copy, len);
    CHECK_EQ(D->load(m, copy, len), TB_ERR_FORMAT);
    /* levels out of order with a valid CRC: swap nothing, just make the ask side a bid */
    memcpy(copy, buf, len);
    copy[len - 4 - TB_L3_DUMP_COUNTERS - 16 - 24 + 12] = 1;
    fix_crc(copy, len);
    CHECK_EQ(D->load(m, copy, len), TB_ERR_FORMAT);
    CHECK(same_as(m, buf, len));
    free(copy);
    free(buf);
    D->destroy(l);
    D->destroy(m);
    D->destroy(small);
}

static void t_apply_mbo(void) {
    void *l = mk(64, 64);
    const uint8_t act[] = {'A', 'A', 'A', 'C', 'E', 'M', 'A', 'X', 'C', 'R', 'A'};
    const uint64_t ids[] = {1, 2, 1, 1, 2, 2, 3, 3, 3, 0, 4};
    const uint8_t sd[] = {1, 1, 1, 9, 9, 9, 0, 0, 0, 0, 0};
    const int64_t px[] = {ANCHOR, ANCHOR, ANCHOR, 0, 0, ANCHOR - 1, ANCHOR + 1, 0, 0, 0, ANCHOR + 2};
    const uint64_t qty[] = {5, 6, 1, 2, 1, 5, 3, 0, 0, 0, 8};
    const int want[] = {0, 0, TB_ERR_DUPLICATE, 0, 0, 0, 0, TB_ERR_BADARG, 0, 0, 0};
    int8_t st[11];
    int64_t bbo[44];
    size_t n_err = 0, i;
    CHECK_EQ(D->apply_mbo(l, act, ids, sd, px, qty, 11, st, &n_err, bbo), TB_OK);
    for (i = 0; i < 11; i++) CHECK_EQ(st[i], want[i]);
    CHECK_EQ(n_err, 2);
    CHECK_EQ(bbo[0], ANCHOR); /* after row 0: bid 5 */
    CHECK_EQ(bbo[1], 5);
    CHECK_EQ(bbo[4 + 1], 11);
    CHECK_EQ(bbo[4 * 3 + 1], 9); /* cancel 2 of order 1 */
    CHECK_EQ(bbo[4 * 5 + 0], ANCHOR); /* order 2 moved to ANCHOR - 1; order 1 still at ANCHOR */
    CHECK_EQ(bbo[4 * 5 + 1], 3);
    CHECK_EQ(bbo[4 * 6 + 2], ANCHOR + 1);
    CHECK_EQ(bbo[4 * 8 + 3], 0); /* order 3 cancelled (qty 0: all) */
    CHECK_EQ(bbo[4 * 9 + 1], 0); /* cleared */
    CHECK_EQ(bbo[4 * 10 + 2], ANCHOR + 2);
    CHECK_EQ_U(D->count(l), 1);
    CHECK_EQ(D->apply_mbo(l, act, ids, NULL, px, qty, 3, st, &n_err, NULL), TB_ERR_NULL);
    CHECK_EQ(D->apply_mbo(l, act, ids, sd, px, qty, 0, st, &n_err, NULL), TB_OK);
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

/* A batch whose colliding adds make the index reseed in mid-batch: apply_mbo
 * hashes each row's id ahead of the row, so the rows after the reseed (a
 * cancel right behind it, then executes and modifies) must use the new key. */
static void t_apply_mbo_reseed(void) {
    void *l = mk(1024, 64);
    tb_l3_stats stt;
    const uint64_t key = D->key(l);
    uint8_t act[500], sd[500];
    uint64_t ids[400], rid[500], qty[500];
    int64_t px[500], gpx = 0;
    int8_t st[500];
    uint64_t gq = 0;
    int gside = 0;
    size_t n = 0, n_err = 0, i;
    for (i = 0; i < 400; i++) {
        ids[i] = tb__l3_unmix(((uint64_t)0x4321 << (64 - 16)) | ((uint64_t)i << 8), key);
        act[n] = 'A', rid[n] = ids[i], sd[n] = (uint8_t)(i & 1), qty[n] = 10;
        px[n++] = ANCHOR + (int64_t)(i % 5) + (i & 1 ? -6 : 6);
        if (i % 4 == 3) { /* the order added just before: gone, or partly filled, or modified down */
            act[n] = i % 12 == 3 ? 'C' : i % 12 == 7 ? 'E' : 'M', rid[n] = ids[i - 1], sd[n] = 0;
            qty[n] = act[n] == 'C' ? 0 : act[n] == 'E' ? 4 : 7;
            px[n++] = ANCHOR + (int64_t)((i - 1) % 5) + ((i - 1) & 1 ? -6 : 6);
        }
    }
    CHECK_EQ(D->apply_mbo(l, act, rid, sd, px, qty, n, st, &n_err, NULL), TB_OK);
    CHECK_EQ(n_err, 0);
    for (i = 0; i < n; i++) CHECK_EQ(st[i], 0);
    CHECK_EQ(D->stats(l, &stt), TB_OK);
    CHECK(stt.reseeds >= 1);
    for (i = 0; i < 400; i++) {
        const int gone = i % 12 == 2;
        CHECK_EQ(D->order(l, ids[i], &gpx, &gq, &gside), gone ? (int)TB_ERR_UNKNOWN : (int)TB_OK);
        if (!gone) CHECK_EQ_U(gq, i % 12 == 6 ? 6 : i % 12 == 10 ? 7 : 10);
    }
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

/* apply_mbo's node prefetch stage reads a row's home entry and, when that
 * shares its cache line (home % 8 != 7), the next one. In a 16-entry index
 * (max_orders 8): orders homed at the last entry (15: the next entry would be
 * past the part in use; the second order wraps to entry 0) and at entry 6
 * (displaced to 7 and 8), added, partly filled, modified and cancelled over
 * batches long enough for the stages to run ahead: every row applies, the
 * index reads stay inside it (the sanitizer builds), the book ends as the
 * rows say. */
static void t_apply_mbo_line_ends(void) {
    void *l = mk(8, 64);
    const uint64_t key = D->key(l);
    uint8_t act[70], sd[70];
    uint64_t ids[5], rid[70], qty[70], gq = 0;
    int64_t px[70], gpx = 0;
    int8_t st[70];
    int gside = 0;
    size_t n = 0, n_err = 0, i, c;
    for (i = 0; i < 5; i++) { /* the tag's top 4 bits are the home */
        const uint64_t home = i < 2 ? 15u : 6u;
        ids[i] = tb__l3_unmix((home << 60) | ((uint64_t)(i + 1) << 40), key);
    }
    for (c = 0; c < 4; c++) /* 4 cycles of: add all, fill 1 of each, cancel all */
        for (i = 0; i < 15; i++) {
            const size_t k = i % 5;
            act[n] = i < 5 ? 'A' : i < 10 ? 'E' : 'C', rid[n] = ids[k], sd[n] = (uint8_t)(k & 1);
            qty[n] = i < 5 ? 10 : i < 10 ? 1 : 0;
            px[n++] = ANCHOR + (k & 1 ? -1 : 1) * (int64_t)(1 + k);
        }
    for (i = 0; i < 5; i++) /* then all rest again, each modified down */
        act[n] = 'A', rid[n] = ids[i], sd[n] = (uint8_t)(i & 1), qty[n] = 10, px[n++] = ANCHOR + 50 + (int64_t)i;
    for (i = 0; i < 5; i++) act[n] = 'M', rid[n] = ids[i], sd[n] = 0, qty[n] = 2 + i, px[n++] = ANCHOR + 50 + (int64_t)i;
    CHECK_EQ(D->apply_mbo(l, act, rid, sd, px, qty, n, st, &n_err, NULL), TB_OK);
    CHECK_EQ(n_err, 0);
    for (i = 0; i < n; i++) CHECK_EQ(st[i], 0);
    CHECK_EQ_U(D->count(l), 5);
    for (i = 0; i < 5; i++) {
        CHECK_EQ(D->order(l, ids[i], &gpx, &gq, &gside), TB_OK);
        CHECK_EQ_U(gq, 2 + i);
        CHECK_EQ(gpx, ANCHOR + 50 + (int64_t)i);
    }
    CHECK_EQ(D->verify(l), TB_OK);
    D->destroy(l);
}

/* The operation counters of stats() as an array, in TB__L3_DUMPED_COUNTERS order. */
static void op_counters(void *l, uint64_t out[6]) {
    tb_l3_stats st;
    memset(&st, 0, sizeof st);
    CHECK_EQ(D->stats(l, &st), TB_OK);
    out[0] = st.adds;
    out[1] = st.cancels;
    out[2] = st.modifies;
    out[3] = st.executes;
    out[4] = st.replaces;
    out[5] = st.clears;
}

/* Rows of an MBO batch, for the twin tests below. */
typedef struct mbo_rows {
    uint8_t act[96], sd[96];
    uint64_t id[96], qty[96];
    int64_t px[96];
    size_t n;
} mbo_rows;

static void row(mbo_rows *r, uint8_t act, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    CHECK(r->n < 96);
    if (r->n >= 96) return;
    r->act[r->n] = act, r->id[r->n] = id, r->sd[r->n] = side, r->px[r->n] = px, r->qty[r->n++] = qty;
}

/* Apply the rows as one batch to `batch` and one call each (add, cancel / reduce,
 * execute, amend, clear) to `calls`: the same statuses row by row, the same
 * operation counters, the same dump (queues, levels, counters), both valid. */
static void twin_check(void *batch, void *calls, const mbo_rows *r) {
    int8_t st[96];
    uint64_t cb[6], cc[6];
    unsigned char *want;
    size_t n_err = 0, want_err = 0, len = 0, i;
    CHECK_EQ(D->apply_mbo(batch, r->act, r->id, r->sd, r->px, r->qty, r->n, st, &n_err, NULL), TB_OK);
    for (i = 0; i < r->n; i++) {
        int w;
        switch (r->act[i]) {
        case 'A': w = D->add(calls, r->id[i], r->sd[i], r->px[i], r->qty[i]); break;
        case 'C': w = r->qty[i] ? D->reduce(calls, r->id[i], r->qty[i]) : D->cancel(calls, r->id[i]); break;
        case 'E': w = D->execute(calls, r->id[i], r->qty[i]); break;
        case 'M': w = D->amend(calls, r->id[i], r->px[i], r->qty[i]); break;
        case 'R': w = D->clear(calls); break;
        default: w = TB_ERR_BADARG; break;
        }
        CHECK_MSG(st[i] == w, "row %zu ('%c' id %llu): batch %d, calls %d", i, r->act[i],
                  (unsigned long long)r->id[i], st[i], w);
        want_err += w != 0;
    }
    CHECK_EQ_U(n_err, want_err);
    op_counters(batch, cb);
    op_counters(calls, cc);
    for (i = 0; i < 6; i++) CHECK_EQ_U(cb[i], cc[i]);
    want = snap(calls, &len);
    CHECK(same_as(batch, want, len));
    free(want);
    CHECK_EQ(D->verify(batch), TB_OK);
    CHECK_EQ(D->verify(calls), TB_OK);
}

/* apply_mbo's cancels, executes and modifies share one path (change_row): every
 * kind of such row, applied and refused, against the single calls, counters
 * included (an execute counted as a cancel, a refused row counted, a modify up
 * kept in place, a cancel of more than rests taken: each fails here). 40 adds
 * first, so the later rows run with the prefetch stages ahead. */
static void t_apply_mbo_changes(void) {
    void *b = mk(256, 64), *c = mk(256, 64);
    mbo_rows r;
    uint64_t i;
    memset(&r, 0, sizeof r);
    for (i = 1; i <= 40; i++) row(&r, 'A', i, (uint8_t)(i & 1), ANCHOR + (i & 1 ? -1 : 1) * (int64_t)(1 + i % 3), 10 + i);
    row(&r, 'C', 1, 0, 0, 0);                  /* whole (qty 0) */
    row(&r, 'C', 3, 0, 0, 4);                  /* part: priority kept */
    row(&r, 'C', 5, 0, 0, 15);                 /* all of it by quantity: removed */
    row(&r, 'C', 7, 0, 0, 18);                 /* more than rests: refused */
    row(&r, 'E', 9, 0, 0, 1);                  /* part */
    row(&r, 'E', 11, 0, 0, 21);                /* all: removed */
    row(&r, 'E', 13, 0, 0, 0);                 /* 0: refused */
    row(&r, 'E', 15, 0, 0, 99);                /* more than rests: refused */
    row(&r, 'M', 2, 0, ANCHOR + 3, 5);         /* down, same price: priority kept */
    row(&r, 'M', 4, 0, ANCHOR + 2, 14);        /* equal */
    row(&r, 'M', 6, 0, ANCHOR + 1, 30);        /* up: to the back */
    row(&r, 'M', 8, 0, ANCHOR + 7, 3);         /* another price */
    row(&r, 'M', 10, 0, ANCHOR + 2, 0);        /* qty 0: refused */
    row(&r, 'M', 12, 0, D->pmin - 1, 5);      /* bad price: refused */
    row(&r, 'M', 14, 0, ANCHOR + 1, 14);       /* another price, down */
    row(&r, 'C', 999, 0, 0, 0);                /* unknown ids */
    row(&r, 'E', 999, 0, 0, 1);
    row(&r, 'M', 999, 0, ANCHOR, 1);
    row(&r, 'X', 17, 0, 0, 1);                 /* not an action */
    row(&r, 'c', 17, 0, 0, 0);
    row(&r, 'E', 19, 0, 0, 2);
    row(&r, 'C', 21, 0, 0, 0);
    row(&r, 'M', 23, 0, ANCHOR - 2, 1);
    row(&r, 'C', 25, 0, 0, 26);                /* 10 + 25 rest: part */
    twin_check(b, c, &r);
    for (i = 0; i < 256; i++) { /* every byte that is not an action, on a resting id and an
                                 * unknown one (review31b: a change-path action mask letting
                                 * 'D' or 'K' through as a cancel passed every test) */
        if (i == 'A' || i == 'C' || i == 'E' || i == 'M' || i == 'R') continue;
        memset(&r, 0, sizeof r);
        row(&r, (uint8_t)i, 17, 0, ANCHOR + 2, 1);
        row(&r, (uint8_t)i, 999, 0, ANCHOR + 2, 0);
        twin_check(b, c, &r);
    }
    memset(&r, 0, sizeof r); /* a clear in mid-batch, rows after it on the ids before it */
    for (i = 41; i <= 60; i++) row(&r, 'A', i, 1, ANCHOR - 1, 1);
    row(&r, 'R', 0, 0, 0, 0);
    for (i = 41; i <= 60; i++) row(&r, (uint8_t)(i & 1 ? 'C' : 'E'), i, 0, 0, i & 1 ? 0 : 1);
    row(&r, 'A', 41, 0, ANCHOR + 1, 5);
    row(&r, 'E', 41, 0, 0, 5);
    twin_check(b, c, &r);
    D->destroy(b);
    D->destroy(c);
}

/* The row's order comes from the slot and index entry the prefetch stage saw
 * AHEAD / 2 rows earlier when they still match. In a reserved 128-entry index
 * (homes fixed: the tag's top 7 bits), with ids built under the book's key:
 *  - A (tag T) and B (tag T', same home 85): B sits at 86 when its row is
 *    staged, A's cancel shifts it back to 85 before the row: a hint trusted on
 *    the node's id alone would erase entry 86 (the index then names a freed node);
 *  - C (tag T too, never added): its cancel is staged while A rests at 85 under
 *    tag T: trusting the entry alone would cancel A;
 *  - fillers homed at 20..27, and a clear behind which staged rows find nothing.
 * Every row is checked against the single calls (twin_check). */
static void t_apply_mbo_stale_hints(void) {
    void *b = NULL, *c = NULL;
    int st = 0;
    uint64_t key, ka, ida, idb, idc, fill[30];
    mbo_rows r;
    size_t i;
    b = D->create_reserved(ANCHOR, 64, 64, 64, &st);
    CHECK_EQ(st, TB_OK);
    c = D->create_reserved(ANCHOR, 64, 64, 64, &st);
    CHECK_EQ(st, TB_OK);
    if (!b || !c) return;
    key = D->key(b);
    ka = D->key(c);
    CHECK_EQ(D->reseed(c, key), TB_OK); /* the same key: the same ids collide in both */
    (void)ka;
    ida = tb__l3_unmix((UINT64_C(0xAA000001) << 32) | 0x1111u, key);
    idb = tb__l3_unmix((UINT64_C(0xAA000002) << 32) | 0x2222u, key);
    idc = tb__l3_unmix((UINT64_C(0xAA000001) << 32) | 0x3333u, key);
    for (i = 0; i < 30; i++) fill[i] = tb__l3_unmix(((uint64_t)((20u + i % 8u) << 25 | (uint32_t)i) << 32) | 7u, key);
    memset(&r, 0, sizeof r);
    row(&r, 'A', ida, 1, ANCHOR - 1, 10);                    /* 0: entry 85 */
    row(&r, 'A', idb, 1, ANCHOR - 1, 20);                    /* 1: entry 86 */
    for (i = 0; i < 18; i++) row(&r, 'A', fill[i], 0, ANCHOR + 1 + (int64_t)(i % 4), 5); /* 2 .. 19 */
    row(&r, 'C', idc, 0, 0, 0);                              /* 20: staged at 4, A at 85 */
    for (i = 18; i < 22; i++) row(&r, 'A', fill[i], 0, ANCHOR + 2, 5); /* 21 .. 24 */
    row(&r, 'C', ida, 0, 0, 0);                              /* 25: B back to 85 */
    row(&r, 'E', idb, 0, 0, 3);                              /* 26: staged at 10 at 86 */
    row(&r, 'C', idb, 0, 0, 0);                              /* 27 */
    row(&r, 'C', idc, 0, 0, 0);                              /* 28 */
    row(&r, 'R', 0, 0, 0, 0);                                /* 29 */
    for (i = 0; i < 8; i++) row(&r, 'C', fill[i], 0, 0, 0);  /* 30 .. 37: staged before the clear */
    row(&r, 'A', idb, 0, ANCHOR + 1, 4);                     /* 38 */
    for (i = 22; i < 30; i++) row(&r, 'A', fill[i], 1, ANCHOR - 2, 5); /* 39 .. 46 */
    row(&r, 'E', idb, 0, 0, 4);                              /* 47 */
    twin_check(b, c, &r);
    D->destroy(b);
    D->destroy(c);
}

/* Dumps carry the operation counters (version 2; before, a loaded book
 * reported 0 adds ... clears): a loaded book reports the dumped book's and
 * dumps back to the same bytes; refusals stay counted by the object that saw
 * them. A version-1 dump (the same bytes without the block, re-signed) still
 * loads, with those counters 0; a block that does not match the version is
 * refused and changes nothing. */
static void t_dump_counters(void) {
    void *l = mk(64, 64), *m = mk(64, 64);
    unsigned char *buf, *again, *v1;
    size_t len = 0, len2 = 0, v1len, i;
    uint64_t got[6];
    const uint64_t want[6] = {5, 1, 1, 1, 1, 1}; /* adds cancels modifies executes replaces clears */
    tb_l3_stats st;
    CHECK_EQ(D->add(l, 1, TB_BID, ANCHOR, 3), TB_OK);
    CHECK_EQ(D->clear(l), TB_OK);
    CHECK_EQ(D->add(l, 1, TB_BID, ANCHOR, 3), TB_OK);
    CHECK_EQ(D->add(l, 2, TB_BID, ANCHOR, 4), TB_OK);
    CHECK_EQ(D->add(l, 3, TB_ASK, ANCHOR + 2, 6), TB_OK);
    CHECK_EQ(D->add(l, 4, TB_ASK, ANCHOR + 3, 1), TB_OK);
    CHECK_EQ(D->modify(l, 1, 9), TB_OK);
    CHECK_EQ(D->execute(l, 3, 2), TB_OK);
    CHECK_EQ(D->cancel(l, 4), TB_OK);
    CHECK_EQ(D->replace(l, 2, 5, ANCHOR - 1, 4), TB_OK);
    CHECK_EQ(D->add(l, 1, TB_ASK, ANCHOR + 9, 5), TB_ERR_DUPLICATE); /* l's refusal */
    CHECK_EQ(D->add(m, 9, TB_BID, ANCHOR, 1), TB_OK);                 /* m's own history */
    CHECK_EQ(D->cancel(m, 8), TB_ERR_UNKNOWN);
    CHECK_EQ(D->cancel(m, 7), TB_ERR_UNKNOWN);
    buf = snap(l, &len);
    CHECK_EQ(D->load(m, buf, len), TB_OK);
    op_counters(m, got);
    for (i = 0; i < 6; i++) CHECK_EQ_U(got[i], want[i]);
    op_counters(l, got);
    for (i = 0; i < 6; i++) CHECK_EQ_U(got[i], want[i]);
    CHECK_EQ(D->stats(m, &st), TB_OK);
    CHECK_EQ_U(st.rejected, 2); /* m's two refusals, not l's one */
    again = snap(m, &len2);
    CHECK(len2 == len && memcmp(again, buf, len) == 0);
    free(again);
    /* version 1: no counters block */
    v1len = len - TB_L3_DUMP_COUNTERS;
    v1 = (unsigned char *)malloc(len);
    memcpy(v1, buf, v1len - 4);
    v1[8] = 1;
    fix_crc(v1, v1len);
    CHECK_EQ(D->load(m, v1, v1len), TB_OK);
    op_counters(m, got);
    for (i = 0; i < 6; i++) CHECK_EQ_U(got[i], 0);
    again = snap(m, &len2); /* the same book, written as version 2 with zero counters */
    CHECK(len2 == len && memcmp(again + 12, buf + 12, len - 4 - TB_L3_DUMP_COUNTERS - 12) == 0);
    CHECK_EQ(again[8], 2);
    for (i = len - 4 - TB_L3_DUMP_COUNTERS; i < len - 4; i++) CHECK_EQ(again[i], 0);
    /* a version that does not match the block: refused, nothing changed */
    v1[8] = 2; /* version 2 without the block */
    fix_crc(v1, v1len);
    CHECK_EQ(D->load(m, v1, v1len), TB_ERR_FORMAT);
    memcpy(v1, buf, len);
    v1[8] = 1; /* version 1 with a block */
    fix_crc(v1, len);
    CHECK_EQ(D->load(m, v1, len), TB_ERR_FORMAT);
    v1[8] = 3; /* a version this code does not know */
    fix_crc(v1, len);
    CHECK_EQ(D->load(m, v1, len), TB_ERR_FORMAT);
    CHECK(same_as(m, again, len2));
    free(again);
    free(v1);
    free(buf);
    D->destroy(l);
    D->destroy(m);
}

static void t_constants(void) {
    CHECK_EQ(D->pmin, D->bits == 32 ? (int64_t)tb_book_i32_n1024_price_min() + (int64_t)D->n - 1024
                                    : (int64_t)tb_book_i64_n64_price_min() + (int64_t)D->n - 64);
    CHECK_EQ(TB_MBO_ADD, 'A');
    CHECK(strcmp(tb_l3_status_str(TB_ERR_DUPLICATE), tb_status_str(TB_ERR_DUPLICATE)) != 0);
    CHECK(strcmp(tb_l3_status_str(TB_ERR_PRICE), tb_status_str(TB_ERR_PRICE)) == 0);
}

/* A pool-backed L3 book: spill blocks come from the pool; when the pool refuses
 * the block a new level needs, the add is TB_ERR_NOMEM and nothing changed. */
static void t_pool(void) {
    tb_spill_pool_i64 *pool = NULL;
    tb_l3_i64_n64 *l = NULL;
    tb_l3_order_i64 o;
    uint64_t i;
    CHECK_EQ(tb_spill_pool_i64_create(&pool, 16, TB_POOL_REFUSE), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_create(&l, 0, 64, 64, pool), TB_OK);
    if (!pool || !l) return;
    for (i = 0; i < 16; i++) CHECK_EQ(tb_l3_i64_n64_add(l, i, 1, -1000 * (int64_t)i, 1), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_add(l, 100, 1, -50000, 1), TB_ERR_NOMEM); /* a 17th level: 32 slots refused */
    CHECK_EQ(tb_l3_i64_n64_order(l, 100, &o), TB_ERR_UNKNOWN);
    CHECK_EQ(tb_l3_i64_n64_add(l, 101, 1, -3000, 7), TB_OK); /* an existing level */
    CHECK_EQ_U(tb_l3_i64_n64_count(l), 17);
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    CHECK_EQ(tb_spill_pool_i64_destroy(pool), TB_ERR_POOL_IN_USE);
    CHECK_EQ(tb_l3_i64_n64_destroy(l), TB_OK);
    CHECK_EQ(tb_spill_pool_i64_destroy(pool), TB_OK);
}

/* The arena and the id index from one huge page up start on a huge-page boundary
 * (tb__huge_alloc with libc's malloc, which this test uses: the block is a huge page
 * longer), so the madvise hint covers all of them; smaller arrays are the block
 * itself. Growth frees the old blocks (the sanitizer build checks every access and
 * free). */
static void t_huge_arrays(void) {
#ifndef TB__MALLOC_IS_LIBC
#error "test_l3_unit runs on libc's malloc"
#endif
    const uintptr_t huge = (uintptr_t)TB__HUGE_PAGE;
    void *mem = NULL;
    unsigned char *p = (unsigned char *)tb__huge_alloc(100, &mem);
    tb_l3_i64_n64 *l = NULL;
    uint64_t i;
    CHECK(p != NULL && (void *)p == mem);
    TB_FREE(mem);
    p = (unsigned char *)tb__huge_alloc(3 * TB__HUGE_PAGE + 8, &mem);
    CHECK(p != NULL && ((uintptr_t)p & (huge - 1u)) == 0 && p >= (unsigned char *)mem &&
          p < (unsigned char *)mem + TB__HUGE_PAGE);
    if (p) {
        p[0] = 1;
        p[3 * TB__HUGE_PAGE + 7] = 2;
    }
    TB_FREE(mem);
    /* reserved for 1024 orders (small arrays), grown past 65536 (a 2 MiB arena) */
    CHECK_EQ(tb_l3_i64_n64_create_reserved(&l, 0, 1u << 17, 1024, 64, NULL), TB_OK);
    if (!l) return;
    CHECK(l->ord_mem == (void *)l->ord && l->oidx_mem == (void *)l->oidx);
    for (i = 1; i <= 70000; i++) /* bids below 0, asks above: 50 levels a side */
        CHECK_EQ(tb_l3_i64_n64_add(l, i * 7919u, (int)(i & 1), (int64_t)(i % 50) * (i & 1 ? -1 : 1), 1), TB_OK);
    CHECK(((uintptr_t)l->ord & (huge - 1u)) == 0 && ((uintptr_t)l->oidx & (huge - 1u)) == 0);
    for (i = 1; i <= 70000; i += 2) CHECK_EQ(tb_l3_i64_n64_cancel(l, i * 7919u), TB_OK);
    CHECK_EQ_U(tb_l3_i64_n64_count(l), 35000);
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_destroy(l), TB_OK);
}

/* A clear of a few orders in an index sized for many walks their probe runs instead of
 * wiping the tables (tb_l3.inc index_clear): ids chosen to share home entries (clusters,
 * one wrapping past the table's end) and levels outside the window must all be gone, the
 * indexes all zero, and the same ids and levels usable again. Then a full book: the wipe.
 * The id index in use follows the orders' high-water mark (a clear keeps it): 4096 orders
 * added and cancelled first make it large for the 200 of the rounds. */
static void t_clear_sparse(void) {
    tb_l3_i64_n64 *l = NULL;
    uint64_t ids[200], id;
    uint32_t n = 0, k, round, mask;
    size_t i;
    CHECK_EQ(tb_l3_i64_n64_create(&l, 0, 1u << 14, 64, NULL), TB_OK);
    if (!l) return;
    for (id = 1; id <= 4096; id++) CHECK_EQ(tb_l3_i64_n64_add(l, id << 40, 0, 7, 1), TB_OK);
    for (id = 1; id <= 4096; id++) CHECK_EQ(tb_l3_i64_n64_cancel(l, id << 40), TB_OK);
    mask = l->oidx_mask;
    CHECK(mask > 8191u);
    for (round = 0; round < 3; round++) {
        /* 50 ids homed at the last entry (their run wraps to the start), 50 at 40, 100 anywhere */
        n = 0;
        for (id = 1 + round * 10000000u; n < 200; id++) {
            const uint32_t home = tb_l3_i64_n64__ohome(l, tb_l3_i64_n64__otag(l, id));
            if ((n < 50 && home == mask) || (n >= 50 && n < 100 && home == 40) || (n >= 100 && id % 97 == 0))
                ids[n++] = id;
        }
        for (k = 0; k < n; k++) { /* 3 bid and 3 ask prices, one a side far outside the window */
            const int64_t px = k % 3 == 2 ? 5000 : 1 + (int64_t)(k % 3);
            CHECK_EQ(tb_l3_i64_n64_add(l, ids[k], (int)(k & 1), k & 1 ? -px : px, 1 + k), TB_OK);
        }
        CHECK_EQ_U(tb_l3_i64_n64_count(l), 200);
        CHECK(16u * (l->n_orders + l->lvl_hw) < l->oidx_mask + 1u); /* the walk, not the wipe */
        CHECK_EQ(tb_l3_i64_n64_clear(l), TB_OK);
        CHECK_EQ_U(tb_l3_i64_n64_count(l), 0);
        for (i = 0; i <= mask; i++) CHECK(l->oidx[i] == 0);
        for (i = 0; i < ((size_t)1 << l->lbits); i++) CHECK(l->lidx[i] == 0);
        for (k = 0; k < n; k += 7) CHECK_EQ(tb_l3_i64_n64_cancel(l, ids[k]), TB_ERR_UNKNOWN);
        CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    }
    for (k = 0; k < n; k++) CHECK_EQ(tb_l3_i64_n64_add(l, ids[k], 1, -5000, 1), TB_OK); /* ids and level again */
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    for (id = 1; tb_l3_i64_n64_count(l) < 8000; id += 3) (void)tb_l3_i64_n64_add(l, id * 7919u, 0, 7, 1);
    CHECK_EQ(tb_l3_i64_n64_clear(l), TB_OK); /* many orders: the wipe (of the index in use, grown) */
    for (i = 0; i <= l->oidx_mask; i++) CHECK(l->oidx[i] == 0);
    CHECK_EQ(tb_l3_i64_n64_add(l, ids[0], 1, -5000, 1), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_destroy(l), TB_OK);
}

/* Every order of l (ids id0, id0 + step, ... n of them, minus those cancelled) is
 * found; the invariants hold (they include: the id index in use holds the orders
 * at load <= 1/4 below its allocated size). */
static void index_ok(tb_l3_i64_n64 *l, uint64_t id0, uint64_t step, uint32_t n) {
    tb_l3_order_i64 o;
    uint32_t k;
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    for (k = 0; k < n; k++) CHECK_EQ(tb_l3_i64_n64_order(l, id0 + k * step, &o), TB_OK);
}

/* The id index in use follows the orders, not max_orders (tb_l3.inc "The id index in
 * use follows the orders"): a book for 2^16 orders starts with 32 entries in use of
 * its 2^17; adds double them past a quarter full (ogrow: the copy path below the
 * allocated size, the arena path for the last doubling), every order found after each
 * growth; cancels and a clear keep the size; a load of more orders than the part in
 * use holds grows it first; a reserved book's arena growth keeps it; a reseed works on it. */
static void t_index_follows_orders(void) {
    tb_l3_i64_n64 *l = NULL, *m = NULL, *r = NULL;
    tb_l3_stats st;
    uint32_t k, mask, growths = 0;
    memset(&st, 0, sizeof st);
    const uint64_t step = 0x9e3779b9u;
    unsigned char *buf = NULL;
    size_t len = 0, n_out = 0;
    CHECK_EQ(tb_l3_i64_n64_create(&l, 0, 1u << 16, 64, NULL), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_create(&m, 0, 1u << 16, 64, NULL), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_create_reserved(&r, 0, 1u << 16, 64, 64, NULL), TB_OK);
    if (!l || !m || !r) return;
    CHECK_EQ(tb_l3_i64_n64_stats(l, &st), TB_OK);
    CHECK_EQ_U(st.index_slots, 1u << 17); /* allocated for max_orders */
    CHECK_EQ_U(l->oidx_mask + 1u, 32);    /* in use: the fewest */
    mask = l->oidx_mask;
    for (k = 0; k < 40000; k++) {
        CHECK_EQ(tb_l3_i64_n64_add(l, 1 + k * step, (int)(k & 1), k & 1 ? -1 - (int64_t)(k % 40) : 1 + (int64_t)(k % 40),
                                   1 + k % 9),
                 TB_OK);
        if (l->oidx_mask != mask) { /* grown: doubled, a quarter full at most (or all of it) */
            CHECK_EQ_U(l->oidx_mask, 2u * mask + 1u);
            mask = l->oidx_mask;
            growths++;
            index_ok(l, 1, step, k + 1);
        }
    }
    CHECK_EQ_U(growths, 12); /* 2^5 -> 2^17 */
    CHECK_EQ_U(l->obits, l->obits_cap);
    for (k = 0; k < 40000; k += 2) CHECK_EQ(tb_l3_i64_n64_cancel(l, 1 + k * step), TB_OK);
    CHECK_EQ_U(l->oidx_mask, mask); /* cancels keep it */
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    /* a load of 20000 orders into a book whose index has 32 entries in use */
    CHECK_EQ(tb_l3_i64_n64_dump_size(l, &len), TB_OK);
    buf = (unsigned char *)malloc(len);
    if (!buf) return;
    CHECK_EQ(tb_l3_i64_n64_dump(l, buf, len, &n_out), TB_OK);
    CHECK_EQ_U(m->oidx_mask + 1u, 32);
    CHECK_EQ(tb_l3_i64_n64_load(m, buf, n_out), TB_OK);
    CHECK_EQ_U(tb_l3_i64_n64_count(m), 20000);
    CHECK(m->oidx_mask + 1u >= 4u * 20000u);
    index_ok(m, 1 + step, 2 * step, 20000);
    CHECK_EQ(tb_l3_i64_n64_reseed(m, 777), TB_OK);
    index_ok(m, 1 + step, 2 * step, 20000);
    CHECK_EQ(tb_l3_i64_n64_clear(l), TB_OK);
    CHECK_EQ_U(l->oidx_mask, mask); /* a clear keeps it */
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    /* reserved for 64 orders: the arena grows 64 -> 8192, the index in use with the orders */
    for (k = 0; k < 5000; k++) {
        CHECK_EQ(tb_l3_i64_n64_add(r, 1 + k * step, 0, 1 + (int64_t)(k % 30), 1), TB_OK);
        CHECK(4u * r->n_orders <= r->oidx_mask + 1u || r->obits == r->obits_cap); /* all of it: <= 1/2 */
        if ((k & (k + 1)) == 0) index_ok(r, 1, step, k + 1); /* at 2^j - 1: around each growth */
    }
    CHECK_EQ_U(r->ord_cap, 8192);
    index_ok(r, 1, step, 5000);
    free(buf);
    CHECK_EQ(tb_l3_i64_n64_destroy(l), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_destroy(m), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_destroy(r), TB_OK);
}

/* A reserved book never grows its id index below the reserve (issue #15): create_reserved
 * takes the whole allocated index in use from the start (load <= 1/2 at the reserve), so
 * no add up to the reserve pays ogrow's O(resting orders); past it the arena grows and the
 * index follows the orders again; a clear keeps it. create() (no reserve) starts small. */
static void t_reserved_index_sized(void) {
    const uint32_t reserve = 40000;
    const uint64_t step = 0x9e3779b9u;
    tb_l3_i64_n64 *r = NULL, *d = NULL;
    uint32_t k, mask;
    CHECK_EQ(tb_l3_i64_n64_create_reserved(&r, 0, 1u << 17, reserve, 64, NULL), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_create(&d, 0, reserve, 64, NULL), TB_OK);
    if (!r || !d) return;
    CHECK_EQ_U(r->obits, r->obits_cap);
    CHECK_EQ_U(r->oidx_mask + 1u, 1u << 17); /* 2 * 40000 rounded up */
    CHECK(r->ogrow_at >= reserve);
    CHECK_EQ_U(d->oidx_mask + 1u, 32); /* the default: the fewest, doubled as orders come */
    mask = r->oidx_mask;
    for (k = 0; k < reserve; k++) {
        CHECK_EQ(tb_l3_i64_n64_add(r, 1 + k * step, (int)(k & 1), k & 1 ? -1 - (int64_t)(k % 40) : 1 + (int64_t)(k % 40),
                                   1 + k % 9),
                 TB_OK);
        if (r->oidx_mask != mask) break;
    }
    CHECK_EQ_U(k, reserve);          /* no growth through the reserve */
    CHECK_EQ_U(r->oidx_mask, mask);
    CHECK_EQ_U(r->ord_cap, reserve); /* nor of the arena */
    index_ok(r, 1, step, reserve);
    CHECK_EQ(tb_l3_i64_n64_clear(r), TB_OK);
    CHECK_EQ_U(r->oidx_mask, mask); /* a clear keeps it */
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(r), TB_OK);
    for (k = 0; k < reserve + 1u; k++) /* past the reserve: the arena and the index grow */
        CHECK_EQ(tb_l3_i64_n64_add(r, 1 + k * step, 0, 1 + (int64_t)(k % 30), 1), TB_OK);
    CHECK_EQ_U(r->ord_cap, 80000);
    CHECK(r->oidx_mask > mask);
    index_ok(r, 1, step, reserve + 1u);
    CHECK_EQ(tb_l3_i64_n64_destroy(r), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_destroy(d), TB_OK);
}

/* The L2 view of an L3 book refuses every change but recenter (TB_ERR_READONLY,
 * nothing changed: the L3 dump is byte for byte the same, the queues still sum to
 * the levels); queries and reserve_spill pass; its deinit closes the L3 book, and
 * tb_l3_destroy frees it once (ASan). */
static void t_l2_view_read_only(void) {
    static unsigned char before[4096], after[4096], l2dump[4096];
    tb_l3_i64_n64 *l = NULL;
    tb_book_i64_n64 *b;
    size_t n0 = 0, n1 = 0, l2len = 0, bad = 0, done = 0;
    tb_result res;
    const uint8_t sides[1] = {TB_BID};
    const int64_t px[1] = {95}, apx[1] = {105};
    const uint64_t qty[1] = {9};
    int8_t results[1];
    tb_bbo_i64 bbo[1];
    CHECK_EQ(tb_l3_i64_n64_create(&l, 64, 64, 16, NULL), TB_OK);
    if (!l) return;
    CHECK_EQ(tb_l3_i64_n64_add(l, 1, TB_BID, 99, 3), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_add(l, 2, TB_ASK, 101, 4), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_add(l, 3, TB_BID, 20, 5), TB_OK); /* below the tape: a spill level */
    b = tb_l3_i64_n64_book(l);
    CHECK_EQ(tb_book_i64_n64_dump(b, l2dump, sizeof l2dump, &l2len), TB_OK);
    CHECK_EQ(tb_l3_i64_n64_dump(l, before, sizeof before, &n0), TB_OK);
    CHECK_EQ(tb_book_i64_n64_set(b, TB_BID, 98, 7, &res), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_set_code(b, TB_BID, 99, 0), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_apply(b, sides, px, qty, 1, results, &done), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_bbo_trace(b, sides, px, qty, 1, bbo, &done), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_clear(b), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_release(b), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_reset(b, 0), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_reset_at_mid(b, TB_BID, 90), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_erase_better(b, TB_BID, 0), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_load_side(b, TB_ASK, apx, qty, 1, &bad), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_load_snapshot(b, px, qty, 1, apx, qty, 1, &bad), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_load(b, l2dump, l2len), TB_ERR_READONLY);
    CHECK_EQ(tb_book_i64_n64_destroy(b), TB_ERR_READONLY); /* it lies inside the L3 book */
    CHECK_EQ(tb_l3_i64_n64_dump(l, after, sizeof after, &n1), TB_OK);
    CHECK(n1 == n0 && memcmp(before, after, n0) == 0);
    CHECK_EQ(tb_book_i64_n64_reserve_spill(b), TB_OK); /* memory only */
    CHECK_EQ(tb_book_i64_n64_recenter(b, TB_BID, 40), TB_OK); /* allowed: the L3 book follows */
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    CHECK_EQ_U(tb_book_i64_n64_qty_at(b, TB_BID, 20), 5);
    CHECK_EQ(tb_l3_i64_n64_cancel(l, 3), TB_OK); /* the L3 book still changes it */
    CHECK_EQ_U(tb_book_i64_n64_qty_at(b, TB_BID, 20), 0);
    CHECK_EQ(tb_l3_i64_n64_verify_invariants(l), TB_OK);
    CHECK_EQ(tb_book_i64_n64_deinit(b), TB_OK); /* closes the L3 book too (Python's close) */
    CHECK_EQ(tb_l3_i64_n64_add(l, 9, TB_BID, 99, 1), TB_ERR_CLOSED);
    CHECK_EQ(tb_l3_i64_n64_destroy(l), TB_OK);
}

typedef struct named {
    const char *name;
    void (*fn)(void);
} named;

static const named tests[] = {
    {"fifo", t_fifo},       {"priority", t_priority}, {"validation", t_validation}, {"overflow", t_overflow},
    {"levels_kept", t_levels_kept}, {"reseed", t_reseed}, {"dump", t_dump},           {"dump_counters", t_dump_counters}, {"apply_mbo", t_apply_mbo},
    {"apply_mbo_reseed", t_apply_mbo_reseed}, {"apply_mbo_line_ends", t_apply_mbo_line_ends},
    {"apply_mbo_changes", t_apply_mbo_changes}, {"apply_mbo_stale_hints", t_apply_mbo_stale_hints},
    {"constants", t_constants},
};

static void run_one(const void *arg) { ((const named *)arg)->fn(); }

int main(int argc, char **argv) {
    size_t v, t;
    if (!tbt_init(argc, argv)) return 2;
    for (v = 0; v < L3DRV_COUNT; v++) {
        D = l3drv_all[v];
        for (t = 0; t < sizeof tests / sizeof tests[0]; t++) tbt_run_arg(tests[t].name, D->name, run_one, &tests[t]);
    }
    tbt_run("pool", t_pool);
    tbt_run("huge_arrays", t_huge_arrays);
    tbt_run("clear_sparse", t_clear_sparse);
    tbt_run("index_follows_orders", t_index_follows_orders);
    tbt_run("reserved_index_sized", t_reserved_index_sized);
    tbt_run("l2_view_read_only", t_l2_view_read_only);
    return tbt_finish();
}
