/* fuzz_book.c — libFuzzer target for the Book's C entry points.
 *
 * The input bytes are decoded into a stream of operations (set, batches through
 * apply / bbo_trace, recenter, erase_better, reset, reset_at_mid, clear,
 * release, reserve_spill) that runs on three books at once:
 *
 *   A  tb_book_i32_n64,  max_cap 16,   heap spill      (eviction all the time)
 *   B  tb_book_i32_n64,  max_cap 32,   a 64-level SpillPool (exhaustion)
 *   C  tb_book_i64_n128, max_cap 4096, heap spill, prices far beyond 32 bits
 *
 * next to a tiny reference: one sorted array of (px, qty) per side, no
 * windows, no capacity. After every operation each book must pass
 * verify_invariants(); while it has lost no level (stats: evicted + dropped +
 * nomem == 0) its four best values and crossed() must equal the reference's,
 * and every few operations its whole merged depth too. Once it has lost
 * levels, every level it reports must still exist in the reference with that
 * quantity. Result codes are checked against what they promise (INSERT /
 * UPDATE: the level is now there; ERASE: it is gone and inside the window).
 * Any mismatch abort()s.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_book.c -o fuzz_book
 *   ./fuzz_book -max_total_time=60 corpus_dir          (make fuzz-cov FUZZ_SECONDS=60)
 *
 * Build with -DFUZZ_BOOK_MAIN (no -fsanitize=fuzzer) for a plain driver that
 * runs the files named on the command line: handy for replaying a crash.
 */
#include "tapebook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s (op %u)\n", __FILE__, __LINE__, #cond, \
                    (unsigned)g_op);                                                         \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static unsigned g_op;

/* ---- the tiny reference: a sorted array per side ---------------------------- */

#define REF_MAX 8192

typedef struct {
    int64_t px[REF_MAX];
    uint64_t q[REF_MAX];
    size_t n; /* ascending px */
} ref_side;

typedef struct {
    ref_side s[2]; /* [0] ask, [1] bid */
} ref_book;

static size_t ref_find(const ref_side *r, int64_t px) {
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->px[mid] < px) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void ref_set(ref_book *b, int side, int64_t px, uint64_t qty) {
    ref_side *r = &b->s[side];
    size_t i = ref_find(r, px);
    int found = i < r->n && r->px[i] == px;
    if (qty == 0) {
        if (found) {
            memmove(&r->px[i], &r->px[i + 1], (r->n - i - 1) * sizeof r->px[0]);
            memmove(&r->q[i], &r->q[i + 1], (r->n - i - 1) * sizeof r->q[0]);
            r->n--;
        }
        return;
    }
    if (found) {
        r->q[i] = qty;
        return;
    }
    CHECK(r->n < REF_MAX);
    memmove(&r->px[i + 1], &r->px[i], (r->n - i) * sizeof r->px[0]);
    memmove(&r->q[i + 1], &r->q[i], (r->n - i) * sizeof r->q[0]);
    r->px[i] = px;
    r->q[i] = qty;
    r->n++;
}

static uint64_t ref_qty(const ref_book *b, int side, int64_t px) {
    const ref_side *r = &b->s[side];
    size_t i = ref_find(r, px);
    return i < r->n && r->px[i] == px ? r->q[i] : 0;
}

/* bids >= px / asks <= px go */
static void ref_erase_better(ref_book *b, int side, int64_t px) {
    ref_side *r = &b->s[side];
    size_t i = ref_find(r, px);
    if (side) {
        r->n = i;
    } else {
        size_t k = i < r->n && r->px[i] == px ? i + 1 : i;
        memmove(&r->px[0], &r->px[k], (r->n - k) * sizeof r->px[0]);
        memmove(&r->q[0], &r->q[k], (r->n - k) * sizeof r->q[0]);
        r->n -= k;
    }
}

/* level i best-first */
static int64_t ref_px_at(const ref_side *r, int side, size_t i) { return side ? r->px[r->n - 1 - i] : r->px[i]; }
static uint64_t ref_q_at(const ref_side *r, int side, size_t i) { return side ? r->q[r->n - 1 - i] : r->q[i]; }

/* ---- input decoding ------------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t take8(input *in) {
    uint8_t v;
    if (!in->n) return 0;
    v = *in->p++;
    in->n--;
    return v;
}

static uint16_t take16(input *in) {
    uint16_t lo = take8(in);
    return (uint16_t)(lo | (uint16_t)take8(in) << 8);
}

enum { OP_SET = 0, OP_SET_END = 10, OP_APPLY = 10, OP_TRACE, OP_RECENTER, OP_ERASE_BETTER, OP_RESET_AT_MID,
       OP_RESET, OP_CLEAR, OP_RELEASE, OP_RESERVE, OP_KINDS };

typedef struct {
    uint8_t op, side;
    int64_t off;   /* price offset from the centre, in ticks */
    uint64_t qty;
    uint8_t edge;  /* 1: lowest valid price / anchor, 2: highest */
} fop;

static fop decode(input *in) {
    fop o;
    uint8_t b0 = take8(in), b1 = take8(in);
    uint16_t w = take16(in);
    int16_t sw = (int16_t)w;
    o.op = (uint8_t)(b0 % OP_KINDS);
    o.side = (uint8_t)((b0 >> 7) & 1u);
    /* scale: inside a window, a few windows away, far away */
    switch ((b1 >> 6) & 3u) {
    case 0: o.off = sw % 48; break;
    case 1: o.off = (int64_t)sw % 600; break;
    case 2: o.off = (int64_t)sw * 7; break;
    default: o.off = (int64_t)sw * 4099; break;
    }
    o.edge = (uint8_t)((b1 >> 4) & 3u) == 3u ? (uint8_t)(1u + (b1 & 1u)) : 0u;
    o.qty = (b1 & 15u) < 4u ? 0u : (b1 & 15u) == 15u ? UINT64_MAX : (uint64_t)(b1 & 15u) * 3u + (w >> 12);
    return o;
}

/* ---- one runner per book variant ----------------------------------------------- */

#define DEF_RUNNER(NAME, B, PT, QT, LVL, BBO, CENTRE)                                                \
    typedef struct {                                                                                 \
        B *b;                                                                                        \
        int exact; /* no level lost so far */                                                        \
    } NAME##_st;                                                                                     \
                                                                                                     \
    static uint64_t NAME##_lost(B *b) {                                                              \
        tb_book_stats st;                                                                            \
        CHECK(B##_stats(b, &st) == TB_OK);                                                           \
        return st.spill_evicted[0] + st.spill_evicted[1] + st.spill_dropped[0] + st.spill_dropped[1] + \
               st.spill_nomem[0] + st.spill_nomem[1];                                                \
    }                                                                                                \
                                                                                                     \
    static PT NAME##_price(const fop *o) {                                                           \
        int64_t lo = (int64_t)B##_price_min(), hi = (int64_t)B##_price_max(), px;                    \
        if (o->edge == 1) return (PT)lo;                                                             \
        if (o->edge == 2) return (PT)hi;                                                             \
        px = (int64_t)(CENTRE) + o->off;                                                             \
        return (PT)(px < lo ? lo : px > hi ? hi : px);                                               \
    }                                                                                                \
                                                                                                     \
    static PT NAME##_anchor(const fop *o) {                                                          \
        int64_t lo = (int64_t)B##_anchor_min(), hi = (int64_t)B##_anchor_max(), a;                   \
        if (o->edge == 1) return (PT)lo;                                                             \
        if (o->edge == 2) return (PT)hi;                                                             \
        a = (int64_t)(CENTRE) + o->off;                                                              \
        return (PT)(a < lo ? lo : a > hi ? hi : a);                                                  \
    }                                                                                                \
                                                                                                     \
    static QT NAME##_qty(const fop *o) { return o->qty == UINT64_MAX ? (QT)~(QT)0 : (QT)o->qty; }     \
                                                                                                     \
    static void NAME##_compare(NAME##_st *s, const ref_book *r, int deep) {                          \
        static LVL lv[REF_MAX];                                                                      \
        int side;                                                                                    \
        CHECK(B##_verify_invariants(s->b) == TB_OK);                                                 \
        if (s->exact && NAME##_lost(s->b)) s->exact = 0;                                             \
        if (s->exact) {                                                                              \
            const ref_side *rb = &r->s[1], *ra = &r->s[0];                                           \
            if (rb->n) {                                                                             \
                CHECK((int64_t)B##_best_bid_px(s->b) == rb->px[rb->n - 1]);                          \
                CHECK((uint64_t)B##_best_bid_qty(s->b) == rb->q[rb->n - 1]);                         \
            } else {                                                                                 \
                CHECK(B##_best_bid_qty(s->b) == 0);                                                  \
            }                                                                                        \
            if (ra->n) {                                                                             \
                CHECK((int64_t)B##_best_ask_px(s->b) == ra->px[0]);                                  \
                CHECK((uint64_t)B##_best_ask_qty(s->b) == ra->q[0]);                                 \
            } else {                                                                                 \
                CHECK(B##_best_ask_qty(s->b) == 0);                                                  \
            }                                                                                        \
            CHECK(B##_crossed(s->b) == (rb->n && ra->n && rb->px[rb->n - 1] >= ra->px[0]));          \
        }                                                                                            \
        if (!deep) return;                                                                           \
        for (side = 0; side < 2; side++) {                                                           \
            size_t n = 0, i, depth = 0;                                                              \
            const ref_side *rs = &r->s[side];                                                        \
            CHECK(B##_levels(s->b, side, lv, REF_MAX, &n) == TB_OK);                                 \
            CHECK(B##_depth(s->b, side, &depth) == TB_OK && depth == n);                             \
            for (i = 0; i < n; i++) {                                                                \
                if (i) CHECK(side ? lv[i - 1].px > lv[i].px : lv[i - 1].px < lv[i].px);              \
                CHECK(lv[i].qty != 0 && ref_qty(r, side, (int64_t)lv[i].px) == (uint64_t)lv[i].qty); \
                CHECK(B##_qty_at(s->b, side, lv[i].px) == lv[i].qty);                                \
            }                                                                                        \
            if (s->exact) {                                                                          \
                CHECK(n == rs->n);                                                                   \
                for (i = 0; i < n; i++)                                                              \
                    CHECK((int64_t)lv[i].px == ref_px_at(rs, side, i) &&                             \
                          (uint64_t)lv[i].qty == ref_q_at(rs, side, i));                             \
            }                                                                                        \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    /* one set with its result checked against what the code promises */                             \
    static void NAME##_check_result(NAME##_st *s, int r, int side, PT px, QT qty, uint64_t lost0) {  \
        PT a = B##_anchor(s->b, side);                                                               \
        int inside = px >= a && px <= (PT)(a + (PT)(TB_N_OF(B) - 1));                                \
        CHECK(r == TB_INSERT || r == TB_UPDATE || r == TB_ERASE || r == TB_SPILL);                   \
        if (r == TB_INSERT || r == TB_UPDATE) CHECK(qty && inside && B##_qty_at(s->b, side, px) == qty); \
        if (r == TB_ERASE) CHECK(!qty && inside && B##_qty_at(s->b, side, px) == 0);                 \
        if (r == TB_SPILL) {                                                                         \
            CHECK(!inside);                                                                          \
            if (!qty) CHECK(B##_qty_at(s->b, side, px) == 0);                                        \
            else CHECK(B##_qty_at(s->b, side, px) == qty || NAME##_lost(s->b) > lost0);              \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    static void NAME##_step(NAME##_st *s, const fop *o, input *in, ref_book *r, int deep) {          \
        PT px = NAME##_price(o);                                                                     \
        QT qty = NAME##_qty(o);                                                                      \
        switch (o->op) {                                                                             \
        case OP_APPLY:                                                                               \
        case OP_TRACE: {                                                                             \
            uint8_t sides[8];                                                                        \
            PT pxs[8];                                                                               \
            QT qs[8];                                                                                \
            int8_t res[8];                                                                           \
            BBO bbo[8];                                                                              \
            size_t k, n = (size_t)(o->qty % 8u) + 1u, done = 0;                                      \
            for (k = 0; k < n; k++) {                                                                \
                fop e = decode(in);                                                                  \
                sides[k] = e.side;                                                                   \
                pxs[k] = NAME##_price(&e);                                                           \
                qs[k] = NAME##_qty(&e);                                                              \
            }                                                                                        \
            {                                                                                        \
                uint64_t lost0 = NAME##_lost(s->b);                                                  \
                int rows_exact;                                                                      \
                if (o->op == OP_APPLY) CHECK(B##_apply(s->b, sides, pxs, qs, n, res, &done) == TB_OK); \
                else CHECK(B##_bbo_trace(s->b, sides, pxs, qs, n, bbo, &done) == TB_OK);             \
                CHECK(done == n);                                                                    \
                /* no loss during the batch: every row's BBO is checkable */                         \
                rows_exact = s->exact && lost0 == 0 && NAME##_lost(s->b) == 0;                       \
                for (k = 0; k < n; k++) {                                                            \
                    const ref_side *rb = &r->s[1], *ra = &r->s[0];                                   \
                    ref_set(r, sides[k], (int64_t)pxs[k], (uint64_t)qs[k]);                          \
                    if (o->op == OP_APPLY) CHECK(res[k] >= TB_SPILL && res[k] <= TB_INSERT);         \
                    if (o->op == OP_TRACE && rows_exact) {                                           \
                        CHECK(rb->n ? (int64_t)bbo[k].bid_px == rb->px[rb->n - 1] &&                 \
                                          (uint64_t)bbo[k].bid_qty == rb->q[rb->n - 1]               \
                                    : bbo[k].bid_qty == 0);                                          \
                        CHECK(ra->n ? (int64_t)bbo[k].ask_px == ra->px[0] && (uint64_t)bbo[k].ask_qty == ra->q[0] \
                                    : bbo[k].ask_qty == 0);                                          \
                    }                                                                                \
                }                                                                                    \
                if (o->op == OP_TRACE) {                                                             \
                    BBO now;                                                                         \
                    CHECK(B##_bbo(s->b, &now) == TB_OK);                                             \
                    CHECK(memcmp(&now, &bbo[n - 1], sizeof now) == 0);                               \
                }                                                                                    \
            }                                                                                        \
            break;                                                                                   \
        }                                                                                            \
        case OP_RECENTER:                                                                            \
            CHECK(B##_recenter(s->b, o->side, NAME##_anchor(o)) == TB_OK);                           \
            break;                                                                                   \
        case OP_ERASE_BETTER:                                                                        \
            CHECK(B##_erase_better(s->b, o->side, px) == TB_OK);                                     \
            ref_erase_better(r, o->side, (int64_t)px);                                               \
            break;                                                                                   \
        case OP_RESET_AT_MID:                                                                        \
            CHECK(B##_reset_at_mid(s->b, o->side, px) == TB_OK);                                     \
            r->s[o->side].n = 0;                                                                     \
            break;                                                                                   \
        case OP_RESET:                                                                               \
            CHECK(B##_reset(s->b, NAME##_anchor(o)) == TB_OK);                                       \
            r->s[0].n = r->s[1].n = 0;                                                               \
            break;                                                                                   \
        case OP_CLEAR:                                                                               \
            CHECK(B##_clear(s->b) == TB_OK);                                                         \
            r->s[0].n = r->s[1].n = 0;                                                               \
            break;                                                                                   \
        case OP_RELEASE:                                                                             \
            CHECK(B##_release(s->b) == TB_OK);                                                       \
            r->s[0].n = r->s[1].n = 0;                                                               \
            break;                                                                                   \
        case OP_RESERVE: {                                                                           \
            int st = B##_reserve_spill(s->b);                                                        \
            CHECK(st == TB_OK || st == TB_ERR_NOMEM);                                                \
            break;                                                                                   \
        }                                                                                            \
        default: {                                                                                   \
            uint64_t lost0 = NAME##_lost(s->b);                                                      \
            int res = B##_set_code(s->b, o->side, px, qty);                                          \
            NAME##_check_result(s, res, o->side, px, qty, lost0);                                    \
            ref_set(r, o->side, (int64_t)px, (uint64_t)qty);                                         \
            break;                                                                                   \
        }                                                                                            \
        }                                                                                            \
        NAME##_compare(s, r, deep);                                                                  \
    }

/* tape size of a variant, from its name's enum */
#define TB_N_OF(B) B##_N

DEF_RUNNER(va, tb_book_i32_n64, int32_t, uint32_t, tb_level_i32, tb_bbo_i32, 1000)
DEF_RUNNER(vc, tb_book_i64_n128, int64_t, uint64_t, tb_level_i64, tb_bbo_i64, INT64_C(3000000000000))

static ref_book g_ref[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libFuzzer (clang 14) spends ~90% of its time in the entropic schedule's
 * feature-frequency update once the UBSan-instrumented target has ~20k
 * features (about 90 exec/s instead of 2000). Default to -entropic=0 unless
 * the command line says otherwise. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static char *args[256];
    static char flag[] = "-entropic=0";
    int i;
    for (i = 0; i < *argc; i++)
        if (strncmp((*argv)[i], "-entropic", 9) == 0) return 0;
    if (*argc < 1 || *argc + 2 > (int)(sizeof args / sizeof args[0])) return 0;
    args[0] = (*argv)[0];
    args[1] = flag;
    for (i = 1; i < *argc; i++) args[i + 1] = (*argv)[i];
    args[*argc + 1] = NULL;
    *argc += 1;
    *argv = args;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    va_st a = {NULL, 1}, b = {NULL, 1};
    vc_st c = {NULL, 1};
    tb_spill_pool_i32 *pool = NULL;
    tb_pool_stats ps;
    input in[3];
    int policy;
    uint8_t cfg;
    int k;

    if (size > 4096) return 0; /* keep the per-input cost bounded */
    in[0].p = data;
    in[0].n = size;
    cfg = take8(&in[0]);
    policy = cfg & 1 ? TB_POOL_FALLBACK : TB_POOL_REFUSE;
    in[2] = in[1] = in[0];
    for (k = 0; k < 3; k++) g_ref[k].s[0].n = g_ref[k].s[1].n = 0;

    CHECK(tb_book_i32_n64_create(&a.b, 1000 - 32, 16, NULL) == TB_OK);
    CHECK(tb_spill_pool_i32_create(&pool, 64, policy) == TB_OK);
    CHECK(tb_book_i32_n64_create(&b.b, 1000 - 32, 32, pool) == TB_OK);
    CHECK(tb_book_i64_n128_create(&c.b, INT64_C(3000000000000) - 64, 4096, NULL) == TB_OK);

    for (g_op = 0; in[0].n; g_op++) {
        int deep = (g_op & 7u) == 7u || in[0].n < 4;
        fop o0 = decode(&in[0]), o1 = decode(&in[1]), o2 = decode(&in[2]);
        va_step(&a, &o0, &in[0], &g_ref[0], deep);
        va_step(&b, &o1, &in[1], &g_ref[1], deep);
        vc_step(&c, &o2, &in[2], &g_ref[2], deep);
        CHECK(tb_spill_pool_i32_stats(pool, &ps) == TB_OK);
        CHECK(ps.used_levels <= ps.total_levels && ps.watermark <= ps.total_levels);
        CHECK(ps.attached_books == 1);
        if (policy == TB_POOL_REFUSE) CHECK(ps.fallback_bytes == 0);
    }
    /* the pool-backed book's blocks account for the pool's used levels */
    {
        tb_book_stats st;
        uint64_t held = 0;
        CHECK(tb_book_i32_n64_stats(b.b, &st) == TB_OK);
        CHECK(tb_spill_pool_i32_stats(pool, &ps) == TB_OK);
        for (k = 0; k < 2; k++)
            if (st.spill_cap[k]) held += st.spill_cap[k] < 16 ? 16 : st.spill_cap[k];
        CHECK(ps.used_levels + ps.fallback_bytes / sizeof(tb_level_i32) == held);
    }
    CHECK(tb_spill_pool_i32_destroy(pool) == TB_ERR_POOL_IN_USE);
    CHECK(tb_book_i32_n64_destroy(a.b) == TB_OK);
    CHECK(tb_book_i32_n64_destroy(b.b) == TB_OK);
    CHECK(tb_book_i64_n128_destroy(c.b) == TB_OK);
    CHECK(tb_spill_pool_i32_stats(pool, &ps) == TB_OK && ps.used_levels == 0 && ps.attached_books == 0);
    CHECK(tb_spill_pool_i32_destroy(pool) == TB_OK);
    return 0;
}

#ifdef FUZZ_BOOK_MAIN
int main(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        static uint8_t buf[1 << 16];
        size_t n;
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        printf("%s: ok (%zu bytes)\n", argv[i], n);
    }
    return 0;
}
#endif
