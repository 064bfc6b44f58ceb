/* alloc_load.h — test_alloc's (e): what load() reserves (issue #12.13).
 * Included by test_alloc.c, which provides the counting hooks.
 *
 * A dump declares each side's spill capacity and max_cap: up to 2^30 levels
 * in 140 bytes. load() must reserve for the levels the dump holds, keep the
 * declared capacity (dump() writes it back, stats() reports it) and grow up
 * to it on demand. Hand-made dumps are measured with the hooks: the largest
 * request and the bytes requested by the load. Before the fix a lying
 * 140-byte dump asked for 16-32 GiB (here: refused by the size limit, so
 * load returned TB_ERR_NOMEM). */
#ifndef ALLOC_LOAD_H
#define ALLOC_LOAD_H

#include <string.h>

#define LOAD_MAX_LEVELS 64u

/* A valid dump (format: tb_serial.inc) of a book with only bid spill
 * levels: n_bid of them, best first (descending) below the bid window.
 * Returns its length (at most 140 + 16 * LOAD_MAX_LEVELS). */
static size_t lying_dump(const tbv_ops *V, unsigned char *buf, uint32_t max_cap, uint32_t decl_ask,
                         uint32_t decl_bid, uint32_t n_bid) {
    const unsigned w = (unsigned)V->bits / 8u;
    const size_t len = TB_DUMP_LEVELS_AT + 4u + (size_t)n_bid * 2u * w;
    unsigned char *q = buf + TB_DUMP_LEVELS_AT;
    uint32_t i;
    int s;
    memset(buf, 0, len);
    tb__put_le(buf, TB_DUMP_MAGIC, 4);
    tb__put_le(buf + 4, TB_DUMP_VERSION, 2);
    buf[6] = (unsigned char)w;
    tb__put_le(buf + 8, V->n, 4);
    tb__put_le(buf + 12, max_cap, 4);
    tb__put_le(buf + 16, len, 8);
    for (s = 0; s < 2; s++) {
        unsigned char *h = buf + TB_DUMP_HEADER_SIZE + (size_t)s * TB_DUMP_SIDE_SIZE;
        tb__put_le(h, (uint64_t)A0, 8);
        tb__put_le(h + 12, s ? n_bid : 0u, 4);
        tb__put_le(h + 16, s ? decl_bid : decl_ask, 4);
    }
    for (i = 0; i < n_bid; i++, q += 2u * w) {
        tb__put_le(q, (uint64_t)(A0 - 10 - 3 * (int64_t)i), w);
        tb__put_le(q + w, 7u + i, w);
    }
    tb__put_le(q, tb_crc32(0, buf, len - 4u), 4);
    return len;
}

/* dump(b) equals want[0 .. len) */
static int dump_equals(const tbv_ops *V, void *b, const unsigned char *want, size_t len) {
    static unsigned char got[TB_DUMP_LEVELS_AT + 4u + 2u * 16u * 4096u];
    size_t n = 0;
    if (V->dump(b, got, sizeof got, &n) != TB_OK) return 0;
    return n == len && memcmp(got, want, len) == 0;
}

/* n bid levels from `from` down, below the window, under a best bid at the
 * window's top (so they go to the spill, not to a recentered tape) */
static void spill_bids(const tbv_ops *V, void *b, uint32_t n, int64_t from) {
    uint32_t i;
    CHECK(V->set_code(b, 1, A0 + (int64_t)V->n - 1, 1u) >= TB_SPILL);
    for (i = 0; i < n; i++) CHECK(V->set_code(b, 1, from - 2 * (int64_t)i, 5u + i) >= TB_SPILL);
}

static void t_load_lying_dump(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    static unsigned char buf[TB_DUMP_LEVELS_AT + 4u + 16u * LOAD_MAX_LEVELS];
    const uint32_t big = TB_MAX_CAP_LIMIT; /* 2^30 levels declared per side */
    const size_t lv = 2u * (size_t)V->bits / 8u, limit = (size_t)1 << 20;
    tb_book_stats st;
    void *b = NULL, *b2 = NULL;
    size_t len;
    int st_load;
    hooks_reset();
    CHECK_EQ(V->create(&b, A0, 64, NULL), TB_OK);
    /* 140 bytes, no level, 2 x 2^30 declared */
    len = lying_dump(V, buf, big, big, big, 0);
    CHECK_EQ_U(len, 140);
    hooks_reset();
    hook_size_limit = limit;
    st_load = V->load(b, buf, len);
    CHECK_MSG(st_load == TB_OK, "%s: load of a 140-byte dump refused (largest request %llu bytes)", V->name,
              (unsigned long long)hook_largest);
    CHECK_MSG(hook_bytes == 0, "%s: a dump without levels made load request %llu bytes", V->name,
              (unsigned long long)hook_bytes);
    CHECK_EQ(V->stats(b, &st), TB_OK);
    CHECK_EQ_U(st.spill_max_cap, big);
    CHECK_EQ_U(st.spill_cap[0], big); /* the declared capacity is kept... */
    CHECK_EQ_U(st.spill_cap[1], big);
    CHECK_EQ_U(st.bytes, V->book_size); /* ...but nothing reserved */
    CHECK(dump_equals(V, b, buf, len));
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    /* growth up to it, on demand: 1000 levels cost blocks for 1024 */
    spill_bids(V, b, 1000, A0 - 1000);
    CHECK_EQ(V->stats(b, &st), TB_OK);
    CHECK_EQ_U(st.spill_levels[1], 1000);
    CHECK_EQ_U(st.spill_cap[1], big);
    CHECK_EQ_U(st.bytes, V->book_size + 1024u * lv);
    CHECK_MSG(hook_largest <= 1024u * lv, "%s: growth requested %llu bytes at once", V->name,
              (unsigned long long)hook_largest);
    CHECK_EQ(V->verify_invariants(b), TB_OK);
    /* a few levels: what growth from 0 reaches for them, not 2^30... */
    len = lying_dump(V, buf, big, big, big, 20);
    CHECK_EQ(V->create(&b2, A0, 64, NULL), TB_OK);
    hook_largest = 0;
    hook_bytes = 0;
    CHECK_EQ(V->load(b2, buf, len), TB_OK);
    CHECK_MSG(hook_bytes == 32u * lv, "%s: 20 levels made load request %llu bytes", V->name,
              (unsigned long long)hook_bytes);
    CHECK(dump_equals(V, b2, buf, len));
    CHECK_EQ(V->verify_invariants(b2), TB_OK);
    /* ...and a book with a block that holds them keeps it */
    hook_bytes = 0;
    CHECK_EQ(V->load(b, buf, len), TB_OK);
    CHECK_EQ_U(hook_bytes, 0);
    CHECK(dump_equals(V, b, buf, len));
    hooks_reset();
    V->destroy(b);
    V->destroy(b2);
}

/* A book whose spill grew and shrank: its dump declares the grown capacity.
 * The copy reserves for its levels, dumps the same bytes, and stays equal to
 * the original under the same updates (growth included). */
static void t_load_declared_round_trip(const void *arg) {
    const tbv_ops *V = (const tbv_ops *)arg;
    static unsigned char d1[TB_DUMP_LEVELS_AT + 4u + 16u * 2048u], d2[sizeof d1];
    const size_t lv = 2u * (size_t)V->bits / 8u;
    tb_book_stats st;
    void *a = NULL, *b = NULL, *c = NULL;
    size_t n1 = 0, n2 = 0, i;
    uint64_t m0;
    hooks_reset();
    CHECK_EQ(V->create(&a, A0, 4096, NULL), TB_OK);
    CHECK_EQ(V->create(&b, A0, 16, NULL), TB_OK);
    CHECK_EQ(V->create(&c, A0, 64, NULL), TB_OK);
    spill_bids(V, a, 300, A0 - 1000);
    for (i = 5; i < 300; i++) CHECK(V->set_code(a, 1, A0 - 1000 - 2 * (int64_t)i, 0) >= TB_SPILL);
    CHECK_EQ(V->stats(a, &st), TB_OK);
    CHECK_EQ_U(st.spill_levels[1], 5);
    CHECK_EQ_U(st.spill_cap[1], 512);
    CHECK_EQ(V->dump(a, d1, sizeof d1, &n1), TB_OK);
    /* fresh book: reserves 16 levels, reports and dumps 512 */
    m0 = hook_mallocs;
    CHECK_EQ(V->load(b, d1, n1), TB_OK);
    CHECK_EQ_U(hook_mallocs - m0, 1);
    CHECK_EQ(V->stats(b, &st), TB_OK);
    CHECK_EQ_U(st.spill_cap[1], 512);
    CHECK_EQ_U(st.spill_max_cap, 4096);
    CHECK_EQ_U(st.bytes, V->book_size + 16u * lv);
    CHECK(dump_equals(V, b, d1, n1));
    /* a book holding a block in [16, 512] keeps it: no allocation */
    CHECK_EQ(V->reserve_spill(c), TB_OK); /* 64 per side */
    m0 = hook_mallocs;
    CHECK_EQ(V->load(c, d1, n1), TB_OK);
    CHECK_EQ_U(hook_mallocs - m0, 0);
    CHECK(dump_equals(V, c, d1, n1));
    /* the same updates on all three: 400 more levels (below 512: the
     * original does not grow, the copies do), then 600 (all grow to 1024) */
    for (i = 0; i < 2; i++) {
        const uint32_t k = i ? 600u : 400u;
        const int64_t from = A0 - 5000 - (int64_t)i * 2000;
        spill_bids(V, a, k, from);
        spill_bids(V, b, k, from);
        spill_bids(V, c, k, from);
        CHECK_EQ(V->dump(a, d2, sizeof d2, &n2), TB_OK);
        CHECK_MSG(dump_equals(V, b, d2, n2) && dump_equals(V, c, d2, n2),
                  "%s: the loaded copies differ from the original after %u more levels", V->name, k);
        CHECK_EQ(V->verify_invariants(b), TB_OK);
        CHECK_EQ(V->verify_invariants(c), TB_OK);
    }
    CHECK_EQ(V->stats(b, &st), TB_OK);
    CHECK_EQ_U(st.spill_cap[1], 1024);
    CHECK_EQ_U(st.bytes, V->book_size + 1024u * lv);
    /* release forgets the declared capacity with the memory */
    CHECK_EQ(V->load(b, d1, n1), TB_OK);
    CHECK_EQ(V->release(b), TB_OK);
    CHECK_EQ(V->stats(b, &st), TB_OK);
    CHECK_EQ_U(st.spill_cap[0] + st.spill_cap[1], 0);
    V->destroy(a);
    V->destroy(b);
    V->destroy(c);
}

#endif /* ALLOC_LOAD_H */
