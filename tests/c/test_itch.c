/* test_itch.c — tb_itch.h: NASDAQ TotalView-ITCH 5.0 order messages -> MBO rows.
 *
 * Records built here byte by byte from the spec's layouts (Nasdaq TotalView-ITCH
 * 5.0, §4.3-4.4: big-endian integers, Price(4) with 4 decimals, 6-byte
 * timestamps, BinaryFILE 2-byte length prefix); every decoded type checked
 * field by field; the same stream decoded in every split (each prefix length)
 * and with output capacity 1 gives the same rows; malformed records are
 * reported at their offset with nothing written; argument errors; and seeded
 * random bytes decoded with skip-on-error terminate without reading out of
 * bounds (the ASan/UBSan builds run this file too). Written in the common
 * subset of C and C++ (make c-compile builds it as C++17 too).
 *
 * tb_order_log.h (ITCH's order log) is checked against a naive model (arrays,
 * linear search) over seeded random rows — unknown ids, duplicate adds,
 * over-cancels and over-fills, replaces, ids that collide in their low bits,
 * growth to thousands of orders: after every row the resting orders and each
 * level row's total agree with the model. */
#include "tapebook/tb_order_log.h"

#include "tb_test.h"

#include "itch_records.h"

#define MAXR 64

/* the session every test decodes: AAPL = locate 7, MSFT = 8 */
static void session(buf *o) {
    o->n = 0;
    head(o, 12, 'S', 0, 5);
    put_s(o, "O", 1);
    directory(o, 8, "MSFT");
    directory(o, 7, "AAPL");
    add(o, 'A', 7, 100, 11, 'B', 300, "AAPL", 1500000);
    add(o, 'F', 7, 101, 12, 'S', 200, "AAPL", 1500100);
    add(o, 'A', 8, 102, 13, 'S', 200, "MSFT", 3000000);
    head(o, 31, 'E', 7, 103); put(o, 11, 8); put(o, 100, 4); put(o, 77, 8);
    head(o, 36, 'C', 7, 104); put(o, 12, 8); put(o, 50, 4); put(o, 78, 8); put_s(o, "Y", 1); put(o, 1500200, 4);
    head(o, 23, 'X', 7, 105); put(o, 11, 8); put(o, 100, 4);
    head(o, 19, 'D', 8, 106); put(o, 13, 8);
    head(o, 35, 'U', 7, 107); put(o, 12, 8); put(o, 14, 8); put(o, 400, 4); put(o, 1499900, 4);
    head(o, 44, 'P', 7, 108); put(o, 0, 8); put_s(o, "B", 1); put(o, 5, 4); put_s(o, "AAPL", 8); put(o, 1, 4); put(o, 9, 8);
    head(o, 19, 'D', 7, 109); put(o, 14, 8);
}

typedef struct rows {
    uint8_t action[MAXR], side[MAXR];
    uint64_t id[MAXR], new_id[MAXR], qty[MAXR];
    int64_t px[MAXR], ts[MAXR], rec[MAXR];
    size_t n;
} rows;

static tb_itch_rows view(rows *r, size_t at, size_t cap) {
    tb_itch_rows v;
    v.action = r->action + at; v.order_id = r->id + at; v.new_id = r->new_id + at; v.side = r->side + at;
    v.px = r->px + at; v.qty = r->qty + at; v.ts = r->ts + at; v.record = r->rec + at;
    v.cap = cap; v.n = 0;
    return v;
}

/* decodes all of b in pieces: reads of `step` bytes, output `cap` rows a call */
static int decode_all(const buf *b, size_t step, size_t cap, int64_t pxd, rows *out, tb_itch_state *st) {
    size_t have = 0, pos = 0;
    out->n = 0;
    tb_itch_init(st, 0, "AAPL    ");
    for (;;) {
        size_t used = 0;
        tb_itch_rows v = view(out, out->n, cap);
        int rc;
        if (have < b->n && have - pos < 64) have = have + step > b->n ? b->n : have + step;
        rc = tb_itch_decode(st, b->b + pos, have - pos, pxd, 1, &v, &used);
        if (rc != TB_OK) return rc;
        out->n += v.n;
        pos += used;
        if (pos == b->n) return TB_OK;
        if (v.n < cap && have == b->n) return TB_ERR_FORMAT; /* a partial record at the end */
    }
}

static void test_fields(void) {
    buf b;
    rows r;
    tb_itch_state st;
    session(&b);
    CHECK_EQ(decode_all(&b, MAXB, MAXR, 1, &r, &st), TB_OK);
    CHECK_EQ(r.n, 7);
    /* A 11 bid 150.0000 x 300 */
    CHECK_EQ(r.action[0], 'A'); CHECK_EQ_U(r.id[0], 11); CHECK_EQ(r.side[0], 1);
    CHECK_EQ(r.px[0], 1500000); CHECK_EQ_U(r.qty[0], 300); CHECK_EQ(r.ts[0], 100); CHECK_EQ(r.rec[0], 4);
    /* F 12 ask */
    CHECK_EQ(r.action[1], 'A'); CHECK_EQ(r.side[1], 0); CHECK_EQ(r.px[1], 1500100); CHECK_EQ(r.rec[1], 5);
    /* E 11 x 100, C 12 x 50 (both executions) */
    CHECK_EQ(r.action[2], 'E'); CHECK_EQ_U(r.id[2], 11); CHECK_EQ_U(r.qty[2], 100); CHECK_EQ(r.rec[2], 7);
    CHECK_EQ(r.action[3], 'E'); CHECK_EQ_U(r.id[3], 12); CHECK_EQ_U(r.qty[3], 50); CHECK_EQ(r.px[3], 0);
    /* X 11 x 100 */
    CHECK_EQ(r.action[4], 'C'); CHECK_EQ_U(r.qty[4], 100);
    /* U 12 -> 14, 400 @ 149.99 */
    CHECK_EQ(r.action[5], 'U'); CHECK_EQ_U(r.id[5], 12); CHECK_EQ_U(r.new_id[5], 14);
    CHECK_EQ_U(r.qty[5], 400); CHECK_EQ(r.px[5], 1499900); CHECK_EQ(r.ts[5], 107);
    /* D 14: cancel all (qty 0) */
    CHECK_EQ(r.action[6], 'C'); CHECK_EQ_U(r.id[6], 14); CHECK_EQ_U(r.qty[6], 0); CHECK_EQ(r.rec[6], 13);
    CHECK_EQ_U(st.records, 13);
    CHECK_EQ_U(st.skipped_type, 4);  /* S, R, R, P */
    CHECK_EQ_U(st.skipped_stock, 2); /* the MSFT add and delete */
    CHECK_EQ(st.locate, 7);
}

/* Every message type of Nasdaq TotalView-ITCH 5.0 (§1.1-1.9 of the spec) with its length
 * after the 2-byte prefix; `decoded`: the types tb_itch.h reads (the order messages, and R
 * for the stock's locate), the others are skipped by the prefix's length. */
static const struct {
    char type;
    uint8_t len, decoded;
} itch50_types[] = {
    {'S', 12, 0}, {'R', 39, 1}, {'H', 25, 0}, {'Y', 20, 0}, {'L', 26, 0}, {'V', 35, 0},
    {'W', 12, 0}, {'K', 28, 0}, {'J', 35, 0}, {'h', 21, 0}, {'A', 36, 1}, {'F', 40, 1},
    {'E', 31, 1}, {'C', 36, 1}, {'X', 23, 1}, {'D', 19, 1}, {'U', 35, 1}, {'P', 44, 0},
    {'Q', 40, 0}, {'B', 19, 0}, {'I', 50, 0}, {'N', 20, 0}, {'O', 48, 0},
};
#define N_ITCH50_TYPES (sizeof itch50_types / sizeof itch50_types[0])

/* tb__itch_lens (a written-out 256-entry table): the spec's length for each decoded type,
 * 0 for every other byte; and a record of each skipped type at its spec length, AAPL's
 * locate, after the session changes no row and counts as skipped (review32a: an entry
 * planted on 'L' passed every other test, and would decode 'L' records as orders) */
static void test_type_lengths(void) {
    buf b;
    rows r;
    tb_itch_state st;
    size_t i, t, skipped = 0;
    for (t = 0; t < 256; t++) {
        size_t want = 0;
        for (i = 0; i < N_ITCH50_TYPES; i++)
            if ((unsigned char)itch50_types[i].type == t && itch50_types[i].decoded) want = itch50_types[i].len;
        CHECK_EQ_U(tb__itch_len((uint8_t)t), want);
    }
    session(&b);
    for (i = 0; i < N_ITCH50_TYPES; i++) {
        if (itch50_types[i].decoded) continue;
        head(&b, itch50_types[i].len, itch50_types[i].type, 7, 200 + i);
        put(&b, 0, (size_t)itch50_types[i].len - 11u);
        skipped++;
    }
    CHECK_EQ(decode_all(&b, MAXB, MAXR, 1, &r, &st), TB_OK);
    CHECK_EQ(r.n, 7);
    CHECK_EQ_U(st.skipped_type, 4 + skipped); /* the session's S, R, R, P and these */
    CHECK_EQ_U(st.skipped_stock, 2);
}

/* tb__itch_be's widths (a load and a byte swap on gcc / clang, little-endian) against the
 * spec's definition, big-endian byte by byte, at every offset of distinct bytes */
static void test_big_endian(void) {
    uint8_t bytes[24];
    size_t i, n, off;
    for (i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(0x81 + 13 * i);
    for (n = 1; n <= 8; n++) {
        for (off = 0; off + n <= sizeof bytes; off++) {
            uint64_t want = 0;
            for (i = 0; i < n; i++) want = want * 256 + bytes[off + i];
            CHECK_EQ_U(tb__itch_be(bytes + off, n), want);
        }
    }
}

static int same_rows(const rows *a, const rows *b) {
    size_t i;
    if (a->n != b->n) return 0;
    for (i = 0; i < a->n; i++)
        if (a->action[i] != b->action[i] || a->id[i] != b->id[i] || a->new_id[i] != b->new_id[i] ||
            a->side[i] != b->side[i] || a->px[i] != b->px[i] || a->qty[i] != b->qty[i] ||
            a->ts[i] != b->ts[i] || a->rec[i] != b->rec[i])
            return 0;
    return 1;
}

static void test_splits(void) {
    buf b;
    rows whole, part;
    tb_itch_state st;
    size_t step, cap;
    session(&b);
    CHECK_EQ(decode_all(&b, MAXB, MAXR, 1, &whole, &st), TB_OK);
    for (step = 1; step <= b.n; step++) {
        CHECK_EQ(decode_all(&b, step, MAXR, 1, &part, &st), TB_OK);
        CHECK_MSG(same_rows(&whole, &part), "reads of %zu bytes", step);
    }
    for (cap = 1; cap <= 8; cap++) {
        CHECK_EQ(decode_all(&b, MAXB, cap, 1, &part, &st), TB_OK);
        CHECK_MSG(same_rows(&whole, &part), "output capacity %zu", cap);
    }
    /* by locate, and every stock */
    {
        tb_itch_rows v = view(&part, 0, MAXR);
        size_t used = 0;
        tb_itch_init(&st, 8, NULL);
        CHECK_EQ(tb_itch_decode(&st, b.b, b.n, 1, 1, &v, &used), TB_OK);
        CHECK_EQ(v.n, 2);
        tb_itch_init(&st, 0, NULL);
        v = view(&part, 0, MAXR);
        CHECK_EQ(tb_itch_decode(&st, b.b, b.n, 1, 1, &v, &used), TB_OK);
        CHECK_EQ(v.n, 9);
        CHECK_EQ(used, b.n);
    }
}

/* one malformed record after a good one: reported at its offset, nothing written for it */
static void expect_bad(buf *b, size_t bad_at, int reason, int64_t pxd) {
    rows r;
    tb_itch_rows v = view(&r, 0, MAXR);
    tb_itch_state st;
    size_t used = 99;
    tb_itch_init(&st, 7, NULL);
    CHECK_EQ(tb_itch_decode(&st, b->b, b->n, pxd, 1, &v, &used), TB_ERR_FORMAT);
    CHECK_EQ(used, bad_at);
    CHECK_EQ(st.bad_reason, reason);
    CHECK_EQ(st.bad_len, 2 + (size_t)((b->b[bad_at] << 8) | b->b[bad_at + 1]));
    CHECK_EQ(v.n, 1);
    CHECK_EQ_U(st.records, 1);
    CHECK(strcmp(tb_itch_reason_str(reason), "unknown reason") != 0);
}

static void test_malformed(void) {
    buf b;
    size_t at;
    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    head(&b, 30, 'A', 7, 2); put(&b, 0, 19); /* a decoded type, another length */
    expect_bad(&b, at, TB_ITCH_LENGTH, 1);

    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    add(&b, 'A', 7, 1, 2, 'Z', 10, "AAPL", 100);
    expect_bad(&b, at, TB_ITCH_SIDE, 1);

    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    head(&b, 19, 'D', 7, 2); put(&b, 0, 8);
    expect_bad(&b, at, TB_ITCH_ZERO, 1);

    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    head(&b, 35, 'U', 7, 2); put(&b, 1, 8); put(&b, 0, 8); put(&b, 1, 4); put(&b, 100, 4);
    expect_bad(&b, at, TB_ITCH_ZERO, 1);

    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    add(&b, 'A', 7, 1, 2, 'S', 10, "AAPL", 150); /* 0.0150 is not a whole cent */
    expect_bad(&b, at, TB_ITCH_INEXACT, 100);

    b.n = 0;
    add(&b, 'A', 7, 1, 1, 'B', 10, "AAPL", 100);
    at = b.n;
    put(&b, 0, 2); /* length 0 */
    expect_bad(&b, at, TB_ITCH_EMPTY, 1);
}

/* Divisors other than 1 (a cent tick: px_div 100; lots of 50 shares) give the rows of
 * divisor 1 divided, unpriced rows keeping px 0; a share count that does not divide is
 * refused at its record. Divisor 1 divides nothing (tb__itch_row's fast case). */
static void test_divisors(void) {
    buf b;
    rows one, div;
    tb_itch_state st;
    size_t used = 0, i;
    tb_itch_rows v;
    session(&b);
    CHECK_EQ(decode_all(&b, MAXB, MAXR, 1, &one, &st), TB_OK);
    tb_itch_init(&st, 0, "AAPL    ");
    v = view(&div, 0, MAXR);
    CHECK_EQ(tb_itch_decode(&st, b.b, b.n, 100, 50, &v, &used), TB_OK);
    CHECK_EQ(used, b.n);
    CHECK_EQ(v.n, one.n);
    for (i = 0; i < one.n; i++) {
        CHECK_EQ(div.action[i], one.action[i]); CHECK_EQ_U(div.id[i], one.id[i]);
        CHECK_EQ_U(div.new_id[i], one.new_id[i]); CHECK_EQ(div.side[i], one.side[i]);
        CHECK_EQ(div.px[i], one.px[i] / 100); CHECK_EQ_U(div.qty[i], one.qty[i] / 50);
        CHECK_EQ(div.ts[i], one.ts[i]); CHECK_EQ(div.rec[i], one.rec[i]);
    }
    CHECK_EQ(div.px[3], 0); /* the 'C' execution's price is not a row field */
    tb_itch_init(&st, 0, "AAPL    ");
    v = view(&div, 0, MAXR);
    CHECK_EQ(tb_itch_decode(&st, b.b, b.n, 1, 3, &v, &used), TB_ERR_FORMAT); /* the F's 200 shares */
    CHECK_EQ(st.bad_reason, TB_ITCH_INEXACT);
    CHECK_EQ(v.n, 1);
}

/* tb__itch_div_exact (the decoder's division by a reciprocal multiply) against / and %:
 * every n below 2^18 for the divisors 2..130 (2^24 for 100: a cent tick), the top of the 32-bit
 * range for those and for the divisors near the powers of two, and random pairs; a
 * divisor of 1 or of 2^32 and more (no reciprocal) too. */
static int div_same(uint64_t n, uint64_t d) {
    const tb__itch_div v = tb__itch_div_of(d);
    uint64_t q = UINT64_MAX;
    const int ok = tb__itch_div_exact(n, &v, &q);
    return ok == (n % d == 0) && (!ok || q == n / d);
}

static void test_div_exact(void) {
    static const uint64_t odd[] = {UINT32_MAX, UINT32_MAX - 1, ((uint64_t)1 << 31) + 1, (1u << 31) - 1, 3, 7,
                                   641, 65537, 6700417, 10000, 1000000, (uint64_t)1 << 32, UINT64_MAX, 1};
    uint64_t d, n, bad = 0;
    size_t k, i;
    for (d = 2; d <= 130; d++) {
        for (n = 0; n < ((uint64_t)1 << (d == 100 ? 24 : 18)); n++) bad += !div_same(n, d);
        for (n = UINT32_MAX - ((uint64_t)1 << 16); n <= UINT32_MAX; n++) bad += !div_same(n, d);
    }
    for (k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        for (n = 0; n < ((uint64_t)1 << 16); n++) bad += !div_same(n, odd[k]);
        for (n = UINT32_MAX - ((uint64_t)1 << 16); n <= UINT32_MAX; n++) bad += !div_same(n, odd[k]);
        for (i = 1; i < 2000; i++) bad += !div_same(i * odd[k] & UINT32_MAX, odd[k]); /* multiples */
    }
    for (k = 0; k < 2; k++) /* powers of two and their neighbours */
        for (d = 2; d <= UINT32_MAX; d <<= 1)
            for (i = 0; i < 3; i++)
                for (n = 0; n < 4096; n++) bad += !div_same(UINT32_MAX - n * (k + 1), d - 1 + i);
    for (k = 0; k < 500000; k++) {
        const uint64_t r = tbt_rand();
        d = (r >> 32) >> ((r & 31) + 1);
        if (d == 0) d = 1;
        bad += !div_same(r & UINT32_MAX, d);
        bad += !div_same((r & UINT32_MAX) / d * d, d); /* a multiple */
    }
    CHECK_EQ_U(bad, 0);
}

static void test_arguments(void) {
    rows r;
    tb_itch_rows v = view(&r, 0, MAXR);
    tb_itch_state st;
    size_t used = 0;
    const uint8_t one[2] = {0, 0};
    tb_itch_init(&st, 7, NULL);
    CHECK_EQ(tb_itch_decode(NULL, one, 2, 1, 1, &v, &used), TB_ERR_NULL);
    CHECK_EQ(tb_itch_decode(&st, NULL, 2, 1, 1, &v, &used), TB_ERR_NULL);
    CHECK_EQ(tb_itch_decode(&st, one, 2, 1, 1, NULL, &used), TB_ERR_NULL);
    CHECK_EQ(tb_itch_decode(&st, one, 2, 0, 1, &v, &used), TB_ERR_BADARG);
    CHECK_EQ(tb_itch_decode(&st, one, 2, 1, 0, &v, &used), TB_ERR_BADARG);
    v.qty = NULL;
    CHECK_EQ(tb_itch_decode(&st, one, 2, 1, 1, &v, &used), TB_ERR_NULL);
    v = view(&r, 0, 0); /* no room: nothing decoded, nothing consumed past the first order record */
    CHECK_EQ(tb_itch_decode(&st, NULL, 0, 1, 1, &v, &used), TB_OK);
    CHECK_EQ(used, 0);
    tb_itch_init(NULL, 0, NULL); /* a no-op */
}

/* random bytes (and random corruptions of a good session), skip-on-error: terminates */
static void test_random_bytes(void) {
    int round, rounds = tbt_prof == TBT_FULL ? 200000 : 4000;
    for (round = 0; round < rounds; round++) {
        buf b;
        rows r;
        tb_itch_state st;
        size_t pos = 0, i, guard = 0;
        if (round & 1) {
            session(&b);
            for (i = 0; i < 1 + tbt_rand() % 8; i++) b.b[tbt_rand() % b.n] = (uint8_t)tbt_rand();
            b.n = (size_t)(tbt_rand() % (b.n + 1));
        } else {
            b.n = (size_t)(tbt_rand() % 300);
            for (i = 0; i < b.n; i++) b.b[i] = tbt_rand() % 4 == 0 ? (uint8_t)"AFECXDUR"[tbt_rand() % 8] : (uint8_t)tbt_rand();
        }
        tb_itch_init(&st, 0, (round & 2) ? "AAPL    " : NULL);
        while (pos < b.n && guard++ < MAXB) {
            tb_itch_rows v = view(&r, 0, 1 + (size_t)(tbt_rand() % MAXR));
            size_t used = 0;
            int rc = tb_itch_decode(&st, b.b + pos, b.n - pos, 1 + (int64_t)(tbt_rand() % 3), 1, &v, &used);
            CHECK(used <= b.n - pos && v.n <= v.cap);
            for (i = 0; i < v.n; i++) CHECK(strchr("ACEU", r.action[i]) != NULL && r.side[i] <= 1);
            pos += used;
            if (rc == TB_ERR_FORMAT) {
                CHECK(st.bad_len >= 2 && st.bad_len <= b.n - pos);
                pos += st.bad_len;
            } else {
                CHECK_EQ(rc, TB_OK);
                if (v.n < v.cap) break; /* a partial record at the end */
            }
        }
        CHECK(guard < MAXB);
    }
}

/* ---- tb_order_log.h against a naive model ------------------------------------------ */

#define NMAX 6000
typedef struct naive {
    uint64_t id[NMAX], qty[NMAX];
    int64_t px[NMAX];
    uint8_t side[NMAX];
    size_t n;
} naive;

static naive nv;

static long nv_find(uint64_t id) {
    size_t i;
    for (i = 0; i < nv.n; i++)
        if (nv.id[i] == id) return (long)i;
    return -1;
}

static void nv_del(long i) {
    size_t k = (size_t)i;
    nv.id[k] = nv.id[nv.n - 1]; nv.qty[k] = nv.qty[nv.n - 1]; nv.px[k] = nv.px[nv.n - 1]; nv.side[k] = nv.side[nv.n - 1];
    nv.n--;
}

static void nv_add(uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    long i;
    if (!qty) return;
    i = nv_find(id);
    if (i >= 0) nv_del(i);
    nv.id[nv.n] = id; nv.side[nv.n] = side; nv.px[nv.n] = px; nv.qty[nv.n] = qty;
    nv.n++;
}

static void nv_apply(uint8_t a, uint64_t id, uint64_t new_id, uint8_t side, int64_t px, uint64_t qty) {
    long i;
    if (a == 'A') { nv_add(id, side, px, qty); return; }
    i = nv_find(id);
    if (i < 0) return;
    if (a == 'U') {
        uint8_t s = nv.side[i];
        nv_del(i);
        nv_add(new_id, s, px, qty);
    } else if (a == 'E' && qty == 0) {
        return;
    } else if (qty == 0 || qty >= nv.qty[i]) {
        nv_del(i);
    } else {
        nv.qty[i] -= qty;
    }
}

static uint64_t nv_level(uint8_t side, int64_t px) {
    uint64_t t = 0;
    size_t i;
    for (i = 0; i < nv.n; i++)
        if (nv.side[i] == side && nv.px[i] == px) t += nv.qty[i];
    return t;
}

static void test_order_log(void) {
    static rows in;
    static uint8_t act[3 * MAXR], sd[3 * MAXR], l2s[3 * MAXR];
    static uint64_t oid[3 * MAXR], q[3 * MAXR], l2q[3 * MAXR], ids[NMAX], eq[NMAX];
    static int64_t pxo[3 * MAXR], mend[MAXR], l2p[3 * MAXR], l2end[MAXR], ep[NMAX];
    static uint8_t es[NMAX];
    /* a second log fed the same rows without MBO columns (the direct path's use) */
    static uint8_t l2s_only[3 * MAXR];
    static uint64_t l2q_only[3 * MAXR];
    static int64_t l2p_only[3 * MAXR], l2end_only[MAXR];
    int round, rounds = tbt_prof == TBT_FULL ? 400 : 40;
    for (round = 0; round < rounds; round++) {
        tb_olog g, g_only;
        tb_olog_out out, out_only;
        int step, steps = round % 10 == 9 ? 60 : 8; /* some rounds grow to thousands of orders */
        uint64_t next = 1;
        nv.n = 0;
        CHECK_EQ(tb_olog_init(&g, 0, tbt_rand()), TB_OK);
        CHECK_EQ(tb_olog_init(&g_only, 0, tbt_rand()), TB_OK);
        out.action = act; out.order_id = oid; out.side = sd; out.px = pxo; out.qty = q; out.mbo_end = mend;
        out.l2_side = l2s; out.l2_px = l2p; out.l2_qty = l2q; out.l2_end = l2end;
        memset(&out_only, 0, sizeof out_only); /* action, mbo_end NULL: level rows only */
        out_only.l2_side = l2s_only; out_only.l2_px = l2p_only; out_only.l2_qty = l2q_only;
        out_only.l2_end = l2end_only;
        for (step = 0; step < steps; step++) {
            tb_itch_rows v = view(&in, 0, MAXR);
            size_t r, done = 0, k, start;
            for (r = 0; r < MAXR; r++) {
                const uint64_t pick = nv.n && tbt_rand() % 10 < 6 ? nv.id[tbt_rand() % nv.n] : (tbt_rand() % 4 ? next : tbt_rand() % 64);
                const uint64_t kind = tbt_rand() % 10;
                in.action[r] = (uint8_t)(kind < 4 ? 'A' : kind < 6 ? 'C' : kind < 8 ? 'E' : 'U');
                in.id[r] = in.action[r] == 'A' ? (tbt_rand() % 20 ? (next++ << (round % 3 == 0 ? 32 : 0)) : pick) : pick;
                in.new_id[r] = in.action[r] == 'U' ? (next++ << (round % 3 == 0 ? 32 : 0)) : 0;
                in.side[r] = (uint8_t)(tbt_rand() & 1);
                in.px[r] = 1000 + (int64_t)(tbt_rand() % 9);
                in.qty[r] = tbt_rand() % 7 == 0 ? 0 : 1 + tbt_rand() % 300;
                if (steps > 8 && in.action[r] != 'A') in.action[r] = (uint8_t)(tbt_rand() % 3 ? 'A' : in.action[r]);
            }
            v.n = MAXR;
            out.n_mbo = out.n_l2 = 0;
            CHECK_EQ(tb_olog_apply(&g, &v, MAXR, &out, &done), TB_OK);
            CHECK_EQ(done, MAXR);
            out_only.n_mbo = out_only.n_l2 = 0;
            CHECK_EQ(tb_olog_apply(&g_only, &v, MAXR, &out_only, &done), TB_OK);
            CHECK_EQ(done, MAXR);
            CHECK_EQ_U(out_only.n_mbo, 0);
            CHECK_EQ_U(out_only.n_l2, out.n_l2);
            CHECK(memcmp(l2end_only, l2end, sizeof l2end) == 0);
            CHECK(memcmp(l2s_only, l2s, out.n_l2) == 0);
            CHECK(memcmp(l2p_only, l2p, out.n_l2 * sizeof *l2p) == 0);
            CHECK(memcmp(l2q_only, l2q, out.n_l2 * sizeof *l2q) == 0);
            CHECK_EQ_U(g_only.ocount, g.ocount);
            CHECK_EQ_U(g_only.duplicate_add, g.duplicate_add);
            CHECK_EQ_U(g_only.unknown_id, g.unknown_id);
            start = 0;
            for (r = 0; r < MAXR; r++) {
                nv_apply(in.action[r], in.id[r], in.new_id[r], in.side[r], in.px[r], in.qty[r]);
                CHECK((size_t)l2end[r] >= start && (size_t)l2end[r] - start <= 3);
                for (k = start; k < (size_t)l2end[r]; k++) { /* the last row of a level in a message wins */
                    size_t later = k + 1;
                    int last = 1;
                    for (; later < (size_t)l2end[r]; later++)
                        if (l2s[later] == l2s[k] && l2p[later] == l2p[k]) last = 0;
                    if (last) CHECK_EQ_U(l2q[k], nv_level(l2s[k], l2p[k]));
                }
                start = (size_t)l2end[r];
            }
            CHECK_EQ(g.ocount, nv.n);
            CHECK_EQ(tb_olog_export(&g, ids, es, ep, eq, NMAX), nv.n);
            for (k = 0; k < nv.n; k++) {
                long i = nv_find(ids[k]);
                CHECK(i >= 0);
                if (i >= 0) CHECK(nv.side[i] == es[k] && nv.px[i] == ep[k] && nv.qty[i] == eq[k]);
            }
        }
        CHECK(out.n_mbo <= 3 * MAXR);
        tb_olog_free(&g);
        tb_olog_free(&g); /* twice: a no-op */
        tb_olog_free(&g_only);
    }
    {
        tb_olog g;
        tb_olog_out out;
        size_t done = 1;
        tb_itch_rows v = view(&in, 0, 1);
        memset(&out, 0, sizeof out);
        CHECK_EQ(tb_olog_init(NULL, 0, 0), TB_ERR_NULL);
        CHECK_EQ(tb_olog_init(&g, 100, 0), TB_OK);
        CHECK_EQ(tb_olog_apply(&g, NULL, 0, &out, &done), TB_ERR_NULL);
        v.n = 0;
        CHECK_EQ(tb_olog_apply(&g, &v, 1, &out, &done), TB_ERR_BADARG); /* more rows than decoded */
        CHECK_EQ(done, 0);
        tb_olog_free(&g);
        CHECK_EQ(tb_olog_export(&g, NULL, NULL, NULL, NULL, 10), 0);
    }
}

/* ---- the order log's level window (tb_order_log.h) ----------------------------------
 * Where a level's total is kept (the window, an array by price, or the table) must not
 * change a row: the same rows through a log with its window and one without (lwcap 0:
 * every level in the table) give the same rows and counters, and the naive model's
 * totals. The prices: a narrow band, a band wider than the window, far apart, at both
 * ends of int64; every few steps the book empties (the window is placed again). */

/* a price of pattern p (base: where the band is) */
static int64_t lwin_px(int p, int64_t base) {
    const int64_t w = (int64_t)TB__OLOG_LWIN;
    switch (p) {
    case 0: return base + (int64_t)(tbt_rand() % 17) - 8;                          /* a narrow band */
    case 1: return base + (int64_t)(tbt_rand() % (uint64_t)(3 * w)) - 3 * w / 2;  /* wider than the window */
    case 2: return (int64_t)(tbt_rand() % 5) * 1000000000000 - 2000000000000;      /* far apart */
    case 3: return tbt_rand() & 1 ? INT64_MIN + (int64_t)(tbt_rand() % 40) : INT64_MAX - (int64_t)(tbt_rand() % 40);
    default: return tbt_rand() % 4 ? base + (int64_t)(tbt_rand() % 9) : lwin_px((int)(tbt_rand() % 4), base);
    }
}

static void test_order_log_level_window(void) {
    static rows in;
    static uint8_t act[2][3 * MAXR], sd[2][3 * MAXR], l2s[2][3 * MAXR];
    static uint64_t oid[2][3 * MAXR], q[2][3 * MAXR], l2q[2][3 * MAXR];
    static int64_t pxo[2][3 * MAXR], mend[2][MAXR], l2p[2][3 * MAXR], l2end[2][MAXR];
    int round, rounds = tbt_prof == TBT_FULL ? 250 : 30;
    for (round = 0; round < rounds; round++) {
        const int p = round % 5;
        tb_olog g[2];
        tb_olog_out out[2];
        int step, w, placed = 0, windowed = 0;
        uint64_t next = 1, lbase = 0;
        int64_t base = p == 0 && round % 2 ? INT64_MAX - 20 : 1000000 + (int64_t)(tbt_rand() % 100000);
        nv.n = 0;
        CHECK_EQ(tb_olog_init(&g[0], 0, tbt_rand()), TB_OK);
        CHECK_EQ(tb_olog_init(&g[1], 0, tbt_rand()), TB_OK);
        CHECK_EQ_U(g[0].lwcap, TB__OLOG_LWIN);
        g[1].lwcap = 0; /* no window: every level in the table */
        for (w = 0; w < 2; w++) {
            memset(&out[w], 0, sizeof out[w]);
            out[w].action = act[w]; out[w].order_id = oid[w]; out[w].side = sd[w]; out[w].px = pxo[w];
            out[w].qty = q[w]; out[w].mbo_end = mend[w];
            out[w].l2_side = l2s[w]; out[w].l2_px = l2p[w]; out[w].l2_qty = l2q[w]; out[w].l2_end = l2end[w];
        }
        for (step = 0; step < 40; step++) {
            tb_itch_rows v = view(&in, 0, MAXR);
            const int emptying = step % 8 >= 5; /* cancel what rests: the window is placed again after */
            size_t r, done = 0, k, start = 0;
            if (step % 8 == 0 && base < INT64_MAX / 2) base += (int64_t)(tbt_rand() % 3) * (int64_t)TB__OLOG_LWIN * (tbt_rand() & 1 ? 1 : -1);
            for (r = 0; r < MAXR; r++) {
                const uint64_t kind = tbt_rand() % 10;
                const uint64_t pick = nv.n && tbt_rand() % 10 < 8 ? nv.id[tbt_rand() % nv.n] : next + 7;
                in.action[r] = (uint8_t)(emptying ? 'C' : kind < 5 ? 'A' : kind < 7 ? 'C' : kind < 9 ? 'E' : 'U');
                in.id[r] = emptying ? (r < nv.n ? nv.id[r] : pick) : in.action[r] == 'A' ? next++ : pick;
                in.new_id[r] = in.action[r] == 'U' ? next++ : 0;
                in.side[r] = (uint8_t)(tbt_rand() & 1);
                in.px[r] = lwin_px(p, base);
                in.qty[r] = emptying ? 0 : tbt_rand() % 9 == 0 ? 0 : 1 + tbt_rand() % 300;
            }
            v.n = MAXR;
            for (w = 0; w < 2; w++) {
                out[w].n_mbo = out[w].n_l2 = 0;
                CHECK_EQ(tb_olog_apply(&g[w], &v, MAXR, &out[w], &done), TB_OK);
                CHECK_EQ(done, MAXR);
            }
            CHECK_EQ_U(out[0].n_mbo, out[1].n_mbo);
            CHECK_EQ_U(out[0].n_l2, out[1].n_l2);
            CHECK(memcmp(mend[0], mend[1], sizeof mend[0]) == 0 && memcmp(l2end[0], l2end[1], sizeof l2end[0]) == 0);
            CHECK(memcmp(act[0], act[1], out[0].n_mbo) == 0 && memcmp(oid[0], oid[1], out[0].n_mbo * 8) == 0);
            CHECK(memcmp(q[0], q[1], out[0].n_mbo * 8) == 0 && memcmp(pxo[0], pxo[1], out[0].n_mbo * 8) == 0);
            CHECK(memcmp(l2s[0], l2s[1], out[0].n_l2) == 0 && memcmp(l2p[0], l2p[1], out[0].n_l2 * 8) == 0);
            CHECK(memcmp(l2q[0], l2q[1], out[0].n_l2 * 8) == 0);
            CHECK_EQ_U(g[0].unknown_id, g[1].unknown_id);
            CHECK_EQ_U(g[0].duplicate_add, g[1].duplicate_add);
            CHECK_EQ_U(g[0].overcancel + 3 * g[0].overfill + 7 * g[0].zero_qty,
                       g[1].overcancel + 3 * g[1].overfill + 7 * g[1].zero_qty);
            CHECK_EQ_U(g[0].lcount + g[0].lwcount, g[1].lcount);
            CHECK_EQ_U(g[1].lwcount, 0);
            for (r = 0; r < MAXR; r++) {
                nv_apply(in.action[r], in.id[r], in.new_id[r], in.side[r], in.px[r], in.qty[r]);
                for (k = start; k < (size_t)l2end[0][r]; k++) { /* the last row of a level in a message wins */
                    size_t later;
                    int last = 1;
                    for (later = k + 1; later < (size_t)l2end[0][r]; later++)
                        if (l2s[0][later] == l2s[0][k] && l2p[0][later] == l2p[0][k]) last = 0;
                    if (last) CHECK_EQ_U(l2q[0][k], nv_level(l2s[0][k], l2p[0][k]));
                    CHECK_EQ_U(tb__olog_ltotal(&g[0], l2s[0][k], l2p[0][k]), tb__olog_ltotal(&g[1], l2s[0][k], l2p[0][k]));
                }
                start = (size_t)l2end[0][r];
            }
            CHECK_EQ(g[0].ocount, nv.n);
            placed += g[0].lbase != lbase;
            lbase = g[0].lbase;
            windowed += g[0].lwcount > 0;
            for (k = 0; k < nv.n; k++) CHECK_EQ_U(tb__olog_ltotal(&g[0], nv.side[k], nv.px[k]), nv_level(nv.side[k], nv.px[k]));
        }
        if (p == 0 || p == 4) CHECK(placed >= 3 && windowed >= 10); /* the window is used, and placed again */
        tb_olog_free(&g[0]);
        tb_olog_free(&g[1]);
    }
}

/* The log grows only the table that is full: levels spread past the window fill the level
 * table while few orders rest (the order table, sized for the file, stays where it is:
 * replacing it with the level table cost a memset and a rehash of it per growth), then
 * many orders at one price fill the order table (the level table stays). Every order and
 * level total survives each growth. */
/* The order log's tables start empty (every slot and bit 0) when the default allocator's
 * block was written before (tb__olog_table's memset; calloc instead was tried at stop 31:
 * it saves the memset only on a fresh mapping and was slower on a reused heap block). The
 * blocks freed here first raise glibc's mmap threshold, so the table's block is such a
 * reused one. */
static int olog_zeroed(const tb_olog *g) {
    size_t k;
    for (k = 0; k < g->ocap; k++)
        if (g->orders[k].id || g->orders[k].qty || g->orders[k].px || g->orders[k].side) return 0;
    for (k = 0; k < g->ocap / 64; k++)
        if (g->oused[k]) return 0;
    for (k = 0; k < g->lcap; k++)
        if (g->levels[k].total || g->levels[k].px) return 0;
    for (k = 0; k < 2 * g->lwcap; k++)
        if (g->lwin[k]) return 0;
    return 1;
}

static uint64_t byte_sum(const unsigned char *p, size_t n) {
    uint64_t sum = 0;
    size_t k;
    for (k = 0; k < n; k++) sum += p[k];
    return sum;
}

static void test_order_log_tables_zeroed(void) {
    const size_t big = ((size_t)1 << 17) * sizeof(tb_olog_order) + ((size_t)3 << 20);
    int round;
    for (round = 0; round < 3; round++) {
        tb_olog g;
        void *dirty = malloc(big);
        CHECK(dirty != NULL);
        if (!dirty) return;
        memset(dirty, 0xA5, big);
        CHECK_EQ_U(byte_sum((const unsigned char *)dirty, big), 0xA5 * (uint64_t)big); /* used: kept */
        free(dirty);
        CHECK_EQ(tb_olog_init(&g, (size_t)1 << 17, 7), TB_OK);
        CHECK_EQ_U(g.ocap, (size_t)1 << 17);
        CHECK(olog_zeroed(&g));
        tb_olog_free(&g);
    }
}

static void test_order_log_grows_one_table(void) {
    static rows in;
    static uint8_t l2s[3 * MAXR];
    static uint64_t l2q[3 * MAXR];
    static int64_t l2p[3 * MAXR], l2end[MAXR];
    tb_olog g;
    tb_olog_out out;
    const tb_olog_order *orders;
    const tb_olog_level *levels;
    size_t ocap, lcap, r, done = 0;
    uint64_t next = 1;
    int batch;
    memset(&out, 0, sizeof out); /* level rows only */
    out.l2_side = l2s; out.l2_px = l2p; out.l2_qty = l2q; out.l2_end = l2end;
    CHECK_EQ(tb_olog_init(&g, 4096, tbt_rand()), TB_OK);
    orders = g.orders;
    ocap = g.ocap;
    lcap = g.lcap;
    for (batch = 0; batch < 7; batch++) { /* 448 levels, each past the window: one order each */
        tb_itch_rows v = view(&in, 0, MAXR);
        for (r = 0; r < MAXR; r++) {
            in.action[r] = 'A';
            in.id[r] = next;
            in.new_id[r] = 0;
            in.side[r] = (uint8_t)(next & 1);
            in.px[r] = 1000000 + (int64_t)next * 2 * (int64_t)TB__OLOG_LWIN;
            in.qty[r] = next;
            next++;
        }
        v.n = MAXR;
        out.n_l2 = 0;
        CHECK_EQ(tb_olog_apply(&g, &v, MAXR, &out, &done), TB_OK);
    }
    CHECK(g.lcap > lcap);        /* the level table grew ... */
    CHECK(g.orders == orders);   /* ... and the order table was not replaced */
    CHECK_EQ_U(g.ocap, ocap);
    levels = g.levels;
    lcap = g.lcap;
    for (batch = 0; batch < 64; batch++) { /* 4096 more orders at one level: the order table grows */
        tb_itch_rows v = view(&in, 0, MAXR);
        for (r = 0; r < MAXR; r++) {
            in.action[r] = 'A';
            in.id[r] = next++;
            in.new_id[r] = 0;
            in.side[r] = 1;
            in.px[r] = 1000000;
            in.qty[r] = 1;
        }
        v.n = MAXR;
        out.n_l2 = 0;
        CHECK_EQ(tb_olog_apply(&g, &v, MAXR, &out, &done), TB_OK);
    }
    CHECK(g.ocap > ocap && g.levels == levels);
    CHECK_EQ_U(g.lcap, lcap);
    CHECK_EQ_U(g.ocount, next - 1);
    CHECK_EQ_U(tb_olog_export(&g, NULL, NULL, NULL, NULL, (size_t)-1), next - 1);
    for (r = 1; r <= 448; r++) /* each spread level holds its one order */
        CHECK_EQ_U(tb__olog_ltotal(&g, (uint8_t)(r & 1), 1000000 + (int64_t)r * 2 * (int64_t)TB__OLOG_LWIN), r);
    CHECK_EQ_U(tb__olog_ltotal(&g, 1, 1000000), 4096);
    tb_olog_free(&g);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("itch_big_endian", test_big_endian);
    tbt_run("itch_fields", test_fields);
    tbt_run("itch_type_lengths", test_type_lengths);
    tbt_run("itch_splits", test_splits);
    tbt_run("itch_malformed", test_malformed);
    tbt_run("itch_divisors", test_divisors);
    tbt_run("itch_div_exact", test_div_exact);
    tbt_run("itch_arguments", test_arguments);
    tbt_run("itch_random_bytes", test_random_bytes);
    tbt_run("order_log_tables_zeroed", test_order_log_tables_zeroed); /* first: the others need empty tables */
    tbt_run("order_log_vs_naive", test_order_log);
    tbt_run("order_log_level_window", test_order_log_level_window);
    tbt_run("order_log_grows_one_table", test_order_log_grows_one_table);
    return tbt_finish();
}
