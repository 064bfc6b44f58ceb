/* embed.c — tapebook from C in one page.
 *
 *   1. a custom tape size (N = 8192) added next to the shipped variants;
 *   2. one SpillPool shared by two books;
 *   3. a multi-book pool with three tiers of different N;
 *   then a best-bid/offer summary of every book.
 *
 * Build: cc -std=c11 -O2 -Icsrc examples/embed.c -o embed   (make examples) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tapebook.h"

/* 1. A custom variant in one include: an 8192-wide i32 tape, named wide_book. */
#define TB_VARIANT_N 8192
#define TB_VARIANT_BITS 32
#define TB_VARIANT_NAME wide_book
#include "tapebook/tb_variant.h"

/* Stop on any error status, naming the call. */
#define TRY(call)                                                                   \
    do {                                                                            \
        int st_ = (call);                                                           \
        if (st_ < TB_SPILL) {                                                       \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, tb_status_str(st_)); \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

static void print_bbo(const char *name, tb_bbo_i32 bbo) {
    if (bbo.bid_qty) printf("%-22s bid %8" PRId32 " x %-6" PRIu32, name, bbo.bid_px, bbo.bid_qty);
    else printf("%-22s bid %8s   %-6s", name, "-", "");
    if (bbo.ask_qty) printf("  ask %8" PRId32 " x %" PRIu32 "\n", bbo.ask_px, bbo.ask_qty);
    else printf("  ask %8s\n", "-");
}

int main(void) {
    const int32_t mid = 100000; /* prices are integer ticks */
    tb_bbo_i32 bbo;
    tb_book_stats st;
    tb_pool_stats ps;
    int i;

    /* 1. The custom book, malloc-backed, spill capped at 4096 levels. */
    wide_book *w = NULL;
    TRY(wide_book_create(&w, mid - 4096, 4096, NULL));
    for (i = 1; i <= 50; i++) {
        TRY(wide_book_set_code(w, TB_BID, mid - i, (uint32_t)(10 * i)));
        TRY(wide_book_set_code(w, TB_ASK, mid + i, (uint32_t)(12 * i)));
    }
    TRY(wide_book_bbo(w, &bbo));
    print_bbo("wide_book (N=8192)", bbo);

    /* 2. A SpillPool of 64Ki levels shared by two books. Levels far from the
     *    tape go to the spill, whose blocks come from the pool. */
    tb_spill_pool_i32 *pool = NULL;
    tb_book_i32_n1024 *a = NULL, *b = NULL;
    TRY(tb_spill_pool_i32_create(&pool, 1u << 16, TB_POOL_REFUSE));
    TRY(tb_book_i32_n1024_create(&a, mid - 512, 1024, pool));
    TRY(tb_book_i32_n1024_create(&b, 2 * mid - 512, 1024, pool));
    for (i = 0; i < 200; i++) {
        TRY(tb_book_i32_n1024_set_code(a, TB_BID, mid - 5 * i, 100)); /* deep: some spill */
        TRY(tb_book_i32_n1024_set_code(a, TB_ASK, mid + 1 + 5 * i, 100));
        TRY(tb_book_i32_n1024_set_code(b, TB_BID, 2 * mid - 1 - i, (uint32_t)(1 + i)));
        TRY(tb_book_i32_n1024_set_code(b, TB_ASK, 2 * mid + 1 + i, (uint32_t)(1 + i)));
    }
    /* the market moves: a bid far above the tape recentres it (a promote) */
    TRY(tb_book_i32_n1024_set_code(a, TB_BID, mid + 3000, 7));
    TRY(tb_book_i32_n1024_bbo(a, &bbo));
    print_bbo("pool book a (N=1024)", bbo);
    TRY(tb_book_i32_n1024_bbo(b, &bbo));
    print_bbo("pool book b (N=1024)", bbo);
    printf("book a is crossed: %s\n", tb_book_i32_n1024_crossed(a) ? "yes" : "no");
    TRY(tb_book_i32_n1024_stats(a, &st));
    TRY(tb_spill_pool_i32_stats(pool, &ps));
    printf("book a: %" PRIu64 " bid levels on the tape, %" PRIu64 " in the spill, %" PRIu64 " promotes\n",
           st.tape_levels[TB_BID], st.spill_levels[TB_BID], st.promotes[TB_BID]);
    printf("pool: %u of %u levels in use by %u books\n", ps.used_levels, ps.total_levels, ps.attached_books);

    /* 3. A multi-book pool: 4 wide (N=1024), 16 medium (N=256) and 64 narrow
     *    (N=64) books over one shared pool; books are named by handles. */
    tb_multi_i32_h1024_m256_l64 *m = NULL;
    tb_handle h[3];
    static const char *const tier_name[3] = {"multi high (N=1024)", "multi medium (N=256)", "multi low (N=64)"};
    TRY(tb_multi_i32_h1024_m256_l64_create(&m, 4, 16, 64, 1u << 16, 256, TB_POOL_REFUSE));
    for (i = 0; i < 3; i++) {
        int32_t c = mid * (i + 3);
        TRY(tb_multi_i32_h1024_m256_l64_alloc(m, i, c, 0, &h[i]));
        TRY(tb_multi_i32_h1024_m256_l64_set_code(m, h[i], TB_BID, c + 10, 300));
        TRY(tb_multi_i32_h1024_m256_l64_set_code(m, h[i], TB_ASK, c + 12, 400));
        TRY(tb_multi_i32_h1024_m256_l64_bbo(m, h[i], &bbo));
        print_bbo(tier_name[i], bbo);
    }
    /* a freed handle goes stale; the library notices */
    TRY(tb_multi_i32_h1024_m256_l64_free(m, h[2]));
    printf("stale handle: %s\n", tb_status_str(tb_multi_i32_h1024_m256_l64_set_code(m, h[2], TB_BID, 1, 1)));

    TRY(tb_multi_i32_h1024_m256_l64_destroy(m)); /* frees its live books too */
    TRY(tb_book_i32_n1024_destroy(a));
    TRY(tb_book_i32_n1024_destroy(b));
    TRY(tb_spill_pool_i32_destroy(pool)); /* after its books */
    TRY(wide_book_destroy(w));
    return 0;
}
