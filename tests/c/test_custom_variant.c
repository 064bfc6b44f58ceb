/* test_custom_variant.c — custom variants in one include each, from the split
 * headers (tapebook/tb_variant.h) and, with -DTB_TEST_SINGLE_HEADER, from the
 * amalgamated csrc/single/tapebook.h included again with the parameters set.
 *
 * Two variants a shipped build does not have: the i32 family with N = 32768
 * (eight summary words per tape, default name) and an i64 book with N = 128
 * under a name of its own. Each gets its tb_ops table (TB_VARIANT_OPS) and
 * runs a seeded differential workload against the reference model
 * (ref_book.h): sets inside and outside the window, recenters, erase_better,
 * with depth, BBO and invariants compared after every step. */
#ifdef TB_TEST_SINGLE_HEADER
#include "single/tapebook.h"
#define TB_VARIANT_N 32768
#define TB_VARIANT_BITS 32
#define TB_VARIANT_OPS
#include "single/tapebook.h"
#define TB_VARIANT_N 128
#define TB_VARIANT_BITS 64
#define TB_VARIANT_NAME cv_book_i64
#define TB_VARIANT_OPS
#include "single/tapebook.h"
#define CV_HEADERS "the single header"
#else
#include "tapebook.h"
#define TB_VARIANT_N 32768
#define TB_VARIANT_BITS 32
#define TB_VARIANT_OPS
#include "tapebook/tb_variant.h"
#define TB_VARIANT_N 128
#define TB_VARIANT_BITS 64
#define TB_VARIANT_NAME cv_book_i64
#define TB_VARIANT_OPS
#include "tapebook/tb_variant.h"
#define CV_HEADERS "the split headers"
#endif

#include "ref_book.h"
#include "tb_test.h"

/* the typed names exist as documented */
TB_STATIC_ASSERT(tb_book_i32_n32768_N == 32768, "default name of the custom i32 variant");
TB_STATIC_ASSERT(cv_book_i64_N == 128, "TB_VARIANT_NAME names the custom i64 variant");

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* depth and BBO of the book equal the model's */
static int same_as_ref(const tb_ops *V, void *b, const ref_book *r) {
    static tb_ops_level lv[1 << 16];
    tb_ops_bbo bbo;
    int side, ok = 1;
    for (side = 0; side < 2; side++) {
        const ref_side *s = &r->s[side];
        size_t n = 0, i;
        ok &= CHECK_EQ(V->levels(b, side, lv, sizeof lv / sizeof lv[0], &n), TB_OK);
        ok &= CHECK_EQ_U(n, s->n);
        for (i = 0; ok && i < n; i++) {
            const ref_level *want = &s->lv[side ? s->n - 1 - i : i]; /* the model is ascending */
            ok &= CHECK_EQ(lv[i].px, want->px) && CHECK_EQ_U(lv[i].qty, want->qty);
        }
    }
    ok &= CHECK_EQ(V->bbo(b, &bbo), TB_OK);
    ok &= CHECK_EQ(bbo.bid_px, ref_best_px(r, REF_BID)) && CHECK_EQ(bbo.ask_px, ref_best_px(r, REF_ASK));
    ok &= CHECK_EQ(V->verify_invariants(b), TB_OK);
    return ok;
}

static void t_differential(const void *arg) {
    const tb_ops *V = (const tb_ops *)arg;
    const int64_t N = (int64_t)V->n, A = 1000000;
    const uint32_t max_cap = 512;
    const long steps = tbt_prof == TBT_FULL ? 200000 : 20000;
    uint64_t seed = 42u + V->n;
    int64_t mid = A + N / 2;
    void *b = NULL;
    ref_book r;
    long i;
    CHECK_EQ(V->abi, TB_OPS_ABI);
    if (!CHECK_EQ(V->create(&b, A, max_cap, NULL), TB_OK)) return;
    ref_init(&r, N, V->bits, A, max_cap);
    for (i = 0; i < steps; i++) {
        const uint64_t x = rng_next(&seed);
        const int side = (int)(x & 1u);
        const unsigned kind = (unsigned)((x >> 1) % 100u);
        if (kind < 85) { /* a set: mostly near the middle, some far out (spill) */
            const int64_t span = kind < 70 ? N : 8 * N;
            const int64_t px = mid + (int64_t)((x >> 16) % (uint64_t)span) - span / 2;
            const uint64_t qty = (x >> 8) % 4u == 0 ? 0 : 1u + (x >> 40) % 1000u;
            const int got = V->set_code(b, side, px, qty), want = ref_set(&r, side, px, qty);
            if (!CHECK_EQ(got, want)) break;
        } else if (kind < 95) { /* the market moves: recenter one side around it */
            mid += ((int64_t)((x >> 16) % 5u) - 2) * (N / 4);
            CHECK_EQ(V->recenter(b, side, mid - N / 2), TB_OK);
            ref_recenter(&r, side, mid - N / 2);
        } else { /* a threshold, sometimes beyond any valid price */
            const int64_t far = side ? V->tmax : V->tmin;
            const int64_t px = (x >> 20) % 8u == 0 ? far : mid + (side ? 1 : -1) * (int64_t)((x >> 24) % (uint64_t)N);
            CHECK_EQ(V->erase_better(b, side, px), TB_OK);
            ref_erase_better(&r, side, px);
        }
        if (i % 97 == 0 && !same_as_ref(V, b, &r)) break;
    }
    same_as_ref(V, b, &r);
    ref_free(&r);
    CHECK_EQ(V->destroy(b), TB_OK);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    printf("test_custom_variant: built from %s\n", CV_HEADERS);
    tbt_run_arg("differential", "tb_book_i32_n32768", t_differential, &tb_book_i32_n32768_ops);
    tbt_run_arg("differential", "cv_book_i64", t_differential, &cv_book_i64_ops);
    return tbt_finish();
}
