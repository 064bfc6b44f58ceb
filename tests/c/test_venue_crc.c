/* test_venue_crc.c — tb_venue_crc.h: Kraken and OKX book checksums.
 *
 * Kraken's published worked example (its checksum 3310070434), OKX's published
 * example string, argument errors, and a seeded comparison against texts built
 * here independently (printf of the scaled integer, the point placed and the
 * zeros stripped by hand) hashed with a bitwise CRC32 (no table). Written in the
 * common subset of C and C++ (make c-compile builds it as C++17 too). */
#include "tapebook/tb_venue_crc.h"

#include "tb_test.h"

static uint32_t bitwise_crc(const char *s, size_t n) {
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= (unsigned char)s[i];
        for (k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return c ^ 0xffffffffu;
}

/* Kraken v2 "Book checksum" guide, worked example: BTC/USD, price precision 1,
 * qty precision 8, so ticks of 0.1 and lots of 1e-8 scale by 1. */
static void test_kraken_doc_example(void) {
    const int64_t bid_px[10] = {452835, 452834, 452821, 452810, 452803, 452790, 452776, 452775, 452773, 452766};
    const uint64_t bid_q[10] = {10000000,  154582015, 10000000, 10000000, 154592586,
                                7990000,   3310103,   30000000, 154602737, 15445238};
    const int64_t ask_px[10] = {452852, 452864, 452866, 452896, 452902, 452918, 452947, 452961, 452975, 452995};
    const uint64_t ask_q[10] = {100000,    154571953, 154571109, 154560911, 15890660,
                                154553491, 4454749,   35380000,  9945542,   18772827};
    uint32_t c = 0;
    CHECK_EQ(tb_crc_kraken(bid_px, bid_q, 10, ask_px, ask_q, 10, 1, 1, &c), TB_OK);
    CHECK_EQ_U(c, 3310070434u);
    /* one level fewer changes it */
    CHECK_EQ(tb_crc_kraken(bid_px, bid_q, 9, ask_px, ask_q, 10, 1, 1, &c), TB_OK);
    CHECK(c != 3310070434u);
}

/* OKX "Checksum": bids 3366.1 x 7, 3366 x 6; asks 3366.8 x 9, 3368 x 8 ->
 * "3366.1:7:3366.8:9:3366:6:3368:8" (tick 0.01 = 1e-2, lot 1). */
static void test_okx_doc_example(void) {
    const int64_t bid_px[2] = {336610, 336600}, ask_px[3] = {336680, 336800, 337200};
    const uint64_t bid_q[2] = {7, 6}, ask_q[3] = {9, 8, 8};
    const char *t1 = "3366.1:7:3366.8:9:3366:6:3368:8";
    const char *t2 = "3366.1:7:3366.8:9:3368:8:3372:8"; /* fewer bids than asks */
    uint32_t c = 0;
    CHECK_EQ(tb_crc_okx(bid_px, bid_q, 2, ask_px, ask_q, 2, 1, 2, 1, 0, &c), TB_OK);
    CHECK_EQ_U(c, bitwise_crc(t1, strlen(t1)));
    CHECK_EQ(tb_crc_okx(bid_px, bid_q, 1, ask_px, ask_q, 3, 1, 2, 1, 0, &c), TB_OK);
    CHECK_EQ_U(c, bitwise_crc(t2, strlen(t2)));
}

static void test_errors(void) {
    const int64_t px[1] = {1}, neg[1] = {-5};
    const uint64_t q[1] = {1}, big[1] = {UINT64_MAX};
    uint32_t c = 7;
    CHECK_EQ(tb_crc_kraken(px, q, 1, px, q, 1, 1, 1, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_crc_kraken(NULL, q, 1, px, q, 1, 1, 1, &c), TB_ERR_NULL);
    CHECK_EQ(tb_crc_kraken(px, q, 1, px, q, 1, 0, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_kraken(neg, q, 1, px, q, 1, 1, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_kraken(px, big, 1, px, q, 1, 1, 10, &c), TB_ERR_BADARG); /* overflow */
    CHECK_EQ(tb_crc_okx(px, q, 1, NULL, q, 1, 1, 2, 1, 0, &c), TB_ERR_NULL);
    CHECK_EQ(tb_crc_okx(px, q, 1, px, q, 1, 1, 39, 1, 0, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_okx(px, q, 1, px, q, 1, 1, -1, 1, 0, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_okx(px, q, 1, px, q, 1, 0, 2, 1, 0, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_okx(px, big, 1, px, q, 1, 1, 2, 3, 0, &c), TB_ERR_BADARG);
    CHECK_EQ_U(c, 7u); /* nothing written on error */
    /* empty books are fine: the CRC of the empty text */
    CHECK_EQ(tb_crc_okx(NULL, NULL, 0, NULL, NULL, 0, 1, 2, 1, 0, &c), TB_OK);
    CHECK_EQ_U(c, 0u);
    CHECK_EQ(tb_crc_kraken(NULL, NULL, 0, NULL, NULL, 0, 1, 1, &c), TB_OK);
    CHECK_EQ_U(c, 0u);
}

/* ---- the independent formatter -------------------------------------------------- */

/* value * 10^-exp, shortest plain decimal, appended at *pos */
static void put_plain(char *buf, size_t *pos, int neg, uint64_t mag, int exp) {
    char digits[64];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag), i;
    char tmp[128];
    size_t k = 0;
    if (neg && mag) tmp[k++] = '-';
    if (n <= exp) {
        tmp[k++] = '0';
        tmp[k++] = '.';
        for (i = n; i < exp; i++) tmp[k++] = '0';
        for (i = 0; i < n; i++) tmp[k++] = digits[i];
    } else {
        for (i = 0; i < n - exp; i++) tmp[k++] = digits[i];
        if (exp) {
            tmp[k++] = '.';
            for (i = n - exp; i < n; i++) tmp[k++] = digits[i];
        }
    }
    if (exp) { /* strip trailing zeros of the fraction, then a bare point */
        while (k && tmp[k - 1] == '0') k--;
        if (k && tmp[k - 1] == '.') k--;
    }
    memcpy(buf + *pos, tmp, k);
    *pos += k;
}

/* the OKX text built independently (interleaved top 25, ':' between values), its CRC */
static uint32_t want_okx(const int64_t *bp, const uint64_t *bq, size_t nb, const int64_t *ap, const uint64_t *aq,
                         size_t na, uint64_t pm, int pe, uint64_t qm, int qe) {
    static char text[8192];
    size_t i, pos = 0;
    for (i = 0; i < 25 && (i < nb || i < na); i++) {
        if (i < nb) {
            if (pos) text[pos++] = ':';
            put_plain(text, &pos, bp[i] < 0, (uint64_t)(bp[i] < 0 ? -bp[i] : bp[i]) * pm, pe);
            text[pos++] = ':';
            put_plain(text, &pos, 0, bq[i] * qm, qe);
        }
        if (i < na) {
            if (pos) text[pos++] = ':';
            put_plain(text, &pos, 0, (uint64_t)ap[i] * pm, pe);
            text[pos++] = ':';
            put_plain(text, &pos, 0, aq[i] * qm, qe);
        }
    }
    return bitwise_crc(text, pos);
}

/* the Kraken text built independently: asks then bids, top 10, integers without leading zeros */
static uint32_t want_kraken(const int64_t *bp, const uint64_t *bq, size_t nb, const int64_t *ap,
                            const uint64_t *aq, size_t na, uint64_t pm, uint64_t qm) {
    static char text[8192];
    size_t i, pos = 0;
    for (i = 0; i < na && i < 10; i++) {
        uint64_t v[2] = {(uint64_t)ap[i] * pm, aq[i] * qm};
        int j;
        for (j = 0; j < 2; j++)
            if (v[j]) pos += (size_t)snprintf(text + pos, 32, "%llu", (unsigned long long)v[j]);
    }
    for (i = 0; i < nb && i < 10; i++) {
        uint64_t v[2] = {(uint64_t)bp[i] * pm, bq[i] * qm};
        int j;
        for (j = 0; j < 2; j++)
            if (v[j]) pos += (size_t)snprintf(text + pos, 32, "%llu", (unsigned long long)v[j]);
    }
    return bitwise_crc(text, pos);
}

static void test_seeded(void) {
    int round, rounds = tbt_prof == TBT_FULL ? 20000 : 2000;
    for (round = 0; round < rounds; round++) {
        int64_t bp[30], ap[30];
        uint64_t bq[30], aq[30];
        size_t nb = (size_t)(tbt_rand() % 31), na = (size_t)(tbt_rand() % 31), i;
        /* now and then the longest texts (up to 38 digits after the point): the buffer's room */
        int pe = (int)(tbt_rand() % 9) + (round % 5 == 1 ? 30 : 0), qe = (int)(tbt_rand() % 10) + (round % 5 == 2 ? 29 : 0);
        uint64_t pm = 1 + tbt_rand() % 25, qm = 1 + tbt_rand() % 3;
        uint32_t c = 0;
        for (i = 0; i < 30; i++) {
            bp[i] = (int64_t)(tbt_rand() % 100000000u) - (round % 7 == 0 ? 50000000 : 0);
            ap[i] = (int64_t)(tbt_rand() % 100000000u);
            bq[i] = (tbt_rand() % 4 == 0) ? tbt_rand() % 1000000000000u : tbt_rand() % 1000u;
            aq[i] = tbt_rand() % 100000000u;
        }
        CHECK_EQ(tb_crc_okx(bp, bq, nb, ap, aq, na, pm, pe, qm, qe, &c), TB_OK);
        CHECK_MSG(c == want_okx(bp, bq, nb, ap, aq, na, pm, pe, qm, qe), "okx round %d", round);
        if (round % 7 == 0) continue; /* negative bid prices: not a Kraken book */
        CHECK_EQ(tb_crc_kraken(bp, bq, nb, ap, aq, na, pm, qm, &c), TB_OK);
        CHECK_MSG(c == want_kraken(bp, bq, nb, ap, aq, na, pm, qm), "kraken round %d", round);
    }
}

/* ---- the cache of level texts ---------------------------------------------------- */

enum { SIDE_CAP = 40 };

/* one side best first (bids descending, asks ascending), distinct prices */
typedef struct side_book {
    int64_t px[SIDE_CAP];
    uint64_t qty[SIDE_CAP];
    size_t n;
} side_book;

static int better(int bid, int64_t a, int64_t b) { return bid ? a > b : a < b; }

/* set px to qty (0 deletes) keeping the order; a level past SIDE_CAP drops off */
static void side_set(side_book *s, int bid, int64_t px, uint64_t qty) {
    size_t i = 0, j;
    while (i < s->n && better(bid, s->px[i], px)) i++;
    if (i < s->n && s->px[i] == px) {
        if (qty) {
            s->qty[i] = qty;
            return;
        }
        for (j = i; j + 1 < s->n; j++) {
            s->px[j] = s->px[j + 1];
            s->qty[j] = s->qty[j + 1];
        }
        s->n--;
        return;
    }
    if (!qty) return;
    if (s->n == SIDE_CAP) s->n--;
    for (j = s->n; j > i; j--) {
        s->px[j] = s->px[j - 1];
        s->qty[j] = s->qty[j - 1];
    }
    s->px[i] = px;
    s->qty[i] = qty;
    s->n++;
}

/* A book history through one cache against the texts built independently: sizes
 * changing in place, levels inserted (pushing the 26th / 11th out of the checked
 * top) and deleted (pulling one in), prices 64 apart sharing a slot, snapshot
 * resets to another mid, and other params through the same cache. */
static void test_cache(void) {
    static tb_crc_cache cache; /* zeroed: empty */
    side_book b, a;
    int64_t mid = 1000000;
    int step, steps = tbt_prof == TBT_FULL ? 60000 : 6000;
    b.n = a.n = 0;
    for (step = 0; step < steps; step++) {
        unsigned what = (unsigned)(tbt_rand() % 100);
        /* the params: OKX at two exponents, Kraken at two scales (every 500 steps) */
        int mode = (step / 500) % 4;
        uint64_t pm = mode == 3 ? 10 : 1, qm = 1;
        int pe = mode == 1 ? 4 : 2, qe = 3;
        uint32_t got = 0, plain = 0, want;
        int bid = (int)(tbt_rand() % 2);
        side_book *s = bid ? &b : &a;
        if (what < 2 || step == 0) { /* a snapshot: the whole book anew around another mid */
            size_t i, n = (size_t)(tbt_rand() % 35);
            mid += (int64_t)(tbt_rand() % 401) - 200;
            b.n = a.n = 0;
            for (i = 0; i < n; i++) {
                side_set(&b, 1, mid - 1 - (int64_t)i - (int64_t)(tbt_rand() % 3), 1 + tbt_rand() % 5000);
                side_set(&a, 0, mid + 1 + (int64_t)i + (int64_t)(tbt_rand() % 3), 1 + tbt_rand() % 5000);
            }
        } else if (what < 40 && s->n) { /* a new size in place */
            s->qty[tbt_rand() % s->n] = 1 + tbt_rand() % 5000;
        } else if (what < 55 && s->n) { /* a level deleted */
            side_set(s, bid, s->px[tbt_rand() % s->n], 0);
        } else if (what < 65) { /* a level 64 ticks from another: the same slot */
            if (s->n) side_set(s, bid, s->px[tbt_rand() % s->n] + (bid ? -64 : 64), 1 + tbt_rand() % 5000);
        } else { /* a level inserted near the top */
            int64_t off = 1 + (int64_t)(tbt_rand() % 45);
            side_set(s, bid, bid ? mid - off : mid + off, 1 + tbt_rand() % 5000);
        }
        if (mode < 2) {
            CHECK_EQ(tb_crc_cached(&cache, 2, pm, pe, qm, qe, b.px, b.qty, b.n, a.px, a.qty, a.n, &got), TB_OK);
            CHECK_EQ(tb_crc_okx(b.px, b.qty, b.n, a.px, a.qty, a.n, pm, pe, qm, qe, &plain), TB_OK);
            want = want_okx(b.px, b.qty, b.n, a.px, a.qty, a.n, pm, pe, qm, qe);
        } else {
            CHECK_EQ(tb_crc_cached(&cache, 1, pm, 0, qm, 0, b.px, b.qty, b.n, a.px, a.qty, a.n, &got), TB_OK);
            CHECK_EQ(tb_crc_kraken(b.px, b.qty, b.n, a.px, a.qty, a.n, pm, qm, &plain), TB_OK);
            want = want_kraken(b.px, b.qty, b.n, a.px, a.qty, a.n, pm, qm);
        }
        CHECK_MSG(got == want, "step %d (mode %d): cached", step, mode);
        CHECK_MSG(plain == want, "step %d (mode %d): uncached", step, mode);
    }
}

/* a refused level leaves the cache right for the next call; argument errors */
static void test_cache_errors(void) {
    static tb_crc_cache cache;
    const int64_t px[2] = {100, 99}, neg[1] = {-5}, ask[1] = {101};
    const uint64_t q[2] = {7, 8}, big[1] = {UINT64_MAX};
    uint32_t c = 3;
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 0, 1, 0, px, q, 2, ask, q, 1, &c), TB_OK);
    CHECK_EQ_U(c, want_kraken(px, q, 2, ask, q, 1, 1, 1));
    c = 3;
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 0, 1, 0, neg, q, 1, ask, q, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 0, 10, 0, px, big, 1, ask, q, 1, &c), TB_ERR_BADARG);
    CHECK_EQ_U(c, 3u); /* nothing written on error */
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 0, 1, 0, px, q, 2, ask, q, 1, &c), TB_OK);
    CHECK_EQ_U(c, want_kraken(px, q, 2, ask, q, 1, 1, 1));
    CHECK_EQ(tb_crc_cached(NULL, 1, 1, 0, 1, 0, px, q, 2, ask, q, 1, &c), TB_ERR_NULL);
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 0, 1, 0, px, q, 2, ask, q, 1, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_crc_cached(&cache, 3, 1, 0, 1, 0, px, q, 2, ask, q, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_cached(&cache, 1, 1, 2, 1, 0, px, q, 2, ask, q, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_cached(&cache, 2, 1, 39, 1, 0, px, q, 2, ask, q, 1, &c), TB_ERR_BADARG);
    CHECK_EQ(tb_crc_cached(&cache, 2, 0, 2, 1, 0, px, q, 2, ask, q, 1, &c), TB_ERR_BADARG);
}

/* the CRC (slicing-by-8, and the carry-less multiply path from 64 bytes where the
 * machine has it) against the bit-at-a-time CRC: every length to 1100 at 16 alignments */
static void test_sliced_update(void) {
    static unsigned char buf[1120];
    size_t len, off, i;
    for (i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(tbt_rand() >> 24);
    for (off = 0; off < 16; off++)
        for (len = 0; len + off <= 1100; len++) {
            uint32_t want = bitwise_crc((const char *)buf + off, len);
            uint32_t got = tb__crc32_update(0xffffffffu, buf + off, len) ^ 0xffffffffu;
            CHECK_MSG(got == want, "off %u len %u", (unsigned)off, (unsigned)len);
            got = tb__crc32_sliced(0xffffffffu, buf + off, len) ^ 0xffffffffu; /* the tables alone */
            CHECK_MSG(got == want, "tables: off %u len %u", (unsigned)off, (unsigned)len);
            /* continued from another state (the state goes into the first block) */
            got = tb__crc32_update(tb__crc32_sliced(0xffffffffu, buf, off), buf + off, len) ^ 0xffffffffu;
            CHECK_MSG(got == bitwise_crc((const char *)buf, off + len), "continued: off %u len %u", (unsigned)off,
                      (unsigned)len);
        }
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("venue crc: Kraken's worked example", test_kraken_doc_example);
    tbt_run("venue crc: OKX's example strings", test_okx_doc_example);
    tbt_run("venue crc: argument errors", test_errors);
    tbt_run("venue crc: seeded, against an independent formatter", test_seeded);
    tbt_run("venue crc: the level-text cache over book histories", test_cache);
    tbt_run("venue crc: the cache after refused levels; argument errors", test_cache_errors);
    tbt_run("venue crc: the table and carry-less multiply CRCs against the bitwise CRC", test_sliced_update);
    return tbt_finish();
}
