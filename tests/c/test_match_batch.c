/* test_match_batch.c — the matching engine's mixed batch (apply_ops,
 * tb_match_batch.inc): its contract on hand-made batches (statuses per op,
 * refused ops change nothing, a full buffer stops and resumes, NULLs), a
 * reseed of the id index in mid-batch (the lookahead's tags), zero
 * allocations, and the differential fuzz: apply_ops against the same ops as
 * single calls on a twin engine (events, results, statuses, n_done byte for
 * byte; dumps and invariants along the way), on an i64 and an i32 variant.
 *
 * Usage: test_match_batch [--profile quick|sanitizer|full] [--seed S] [--verbose]
 *   quick: 16 suites x 6000 ops; sanitizer: 8 x 3000; full: 96 x 60000. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t hook_mallocs, hook_frees;
static void *hook_malloc(size_t n) {
    hook_mallocs++;
    return malloc(n);
}
static void hook_free(void *p) {
    if (p) hook_frees++;
    free(p);
}
#define TB_MALLOC(n) hook_malloc(n)
#define TB_FREE(p) hook_free(p)
/* the deep lookahead from 64 resting orders (default 32768): the suites' books
 * cross it, so both of apply_ops' loops are compared with the single calls */
#define TB__M_OPS_DEEP 64u

#include "tapebook.h"
#include "tapebook/tb_match.h"

#include "tb_test.h"

typedef struct tbt_rng {
    uint64_t s;
} tbt_rng;
static void tbt_seed(tbt_rng *g, uint64_t s) { g->s = s ^ UINT64_C(0x6a09e667f3bcc909); }
static uint64_t tbt_next(tbt_rng *g) { /* splitmix64 */
    uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static uint32_t tbt_below(tbt_rng *g, uint32_t n) { return (uint32_t)(((tbt_next(g) >> 32) * (uint64_t)n) >> 32); }

#define TBV i64_n1024
#define TBP int64_t
#define TBPMIN (INT64_MIN + 1024)
#define TBPMAX (INT64_MAX - 1024)
#define TBQMAX UINT64_MAX
#include "test_match_batch_tmpl.h"

#define TBV i32_n64
#define TBP int32_t
#define TBPMIN (INT32_MIN + 64)
#define TBPMAX (INT32_MAX - 64)
#define TBQMAX UINT32_MAX
#include "test_match_batch_tmpl.h"

typedef tb_match_i64_n1024 M;

static tb_match_op mk_submit(uint64_t id, int side, int64_t px, uint64_t qty, int tif, uint32_t owner, int flags) {
    tb_match_op op;
    memset(&op, 0, sizeof op);
    op.kind = TB_OP_SUBMIT;
    op.order.id = id;
    op.order.side = (uint8_t)side;
    op.order.px = px;
    op.order.qty = qty;
    op.order.tif = (uint8_t)tif;
    op.order.owner = owner;
    op.order.flags = (uint8_t)flags;
    return op;
}

static tb_match_op mk_op(int kind, uint64_t id, uint64_t qty) {
    tb_match_op op;
    memset(&op, 0, sizeof op);
    op.kind = (uint8_t)kind;
    op.order.id = id;
    op.order.qty = qty;
    return op;
}

/* Statuses per op: refused ops (unknown id, bad qty, bad kind, duplicate)
 * write nothing and the batch goes on; results and events as documented. */
static void t_statuses(void) {
    M *m = NULL;
    tb_match_event ev[16];
    tb_submit_result res[9];
    int8_t st[9];
    size_t n_out = 0, done = 0;
    tb_match_op ops[9];
    tb_match_stats s;
    memset(&s, 0, sizeof s);
    ops[0] = mk_submit(1, TB_ASK, 101, 5, TB_GTC, 0, 0); /* rests */
    ops[1] = mk_op(TB_OP_CANCEL, 99, 0);                  /* unknown */
    ops[2] = mk_op(TB_OP_MODIFY, 1, 0);                   /* qty 0 */
    ops[3] = mk_op('X', 1, 3);                            /* not a kind */
    ops[4] = mk_submit(1, TB_BID, 90, 5, TB_GTC, 0, 0);   /* duplicate */
    ops[5] = mk_op(TB_OP_MODIFY, 1, 3);                   /* 5 -> 3 */
    ops[6] = mk_submit(2, TB_BID, 101, 4, TB_IOC, 0, 0);  /* fills 3, cancels 1 */
    ops[7] = mk_op(TB_OP_CANCEL, 1, 0);                   /* gone: filled */
    ops[8] = mk_submit(3, TB_BID, 100, 2, TB_GTC, 0, 0);  /* rests */
    CHECK_EQ(tb_match_i64_n1024_create(&m, 100, 64, 64, TB_STP_NONE), TB_OK);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 9, ev, 16, &n_out, res, st, &done), TB_OK);
    CHECK_EQ_U(done, 9);
    CHECK_EQ_U(n_out, 5);
    CHECK(st[0] == TB_OK && st[1] == TB_ERR_UNKNOWN && st[2] == TB_ERR_BADARG && st[3] == TB_ERR_BADARG &&
          st[4] == TB_ERR_DUPLICATE && st[5] == TB_OK && st[6] == TB_OK && st[7] == TB_ERR_UNKNOWN && st[8] == TB_OK);
    CHECK(res[0].status == TB_SUBMIT_RESTED && res[0].resting == 5 && res[0].n_events == 1);
    CHECK(res[1].n_events == 0 && res[1].status == 0 && res[4].n_events == 0);
    CHECK(res[5].status == TB_SUBMIT_RESTED && res[5].resting == 3 && res[5].n_events == 1);
    CHECK(res[6].status == TB_SUBMIT_PARTIAL && res[6].filled == 3 && res[6].n_events == 2);
    CHECK(ev[0].kind == TB_EV_REST && ev[1].kind == TB_EV_MODIFY && ev[2].kind == TB_EV_FILL &&
          ev[3].kind == TB_EV_CANCEL && ev[3].reason == TB_RS_IOC && ev[4].kind == TB_EV_REST);
    CHECK(ev[0].seq == 1 && ev[4].seq == 5); /* a refused op takes no sequence number */
    CHECK_EQ(tb_match_i64_n1024_stats(m, &s), TB_OK);
    CHECK(s.submits == 3 && s.orders == 1 && s.modifies == 1);
    /* a cancel of the resting order, then results optional and statuses optional */
    ops[0] = mk_op(TB_OP_CANCEL, 3, 0);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 1, ev, 16, &n_out, NULL, NULL, &done), TB_OK);
    CHECK(done == 1 && n_out == 1 && ev[0].kind == TB_EV_CANCEL && ev[0].reason == TB_RS_USER && ev[0].maker_id == 3);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 0, NULL, 0, &n_out, NULL, NULL, &done), TB_OK);
    CHECK(done == 0 && n_out == 0);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, NULL, 1, ev, 16, &n_out, NULL, NULL, &done), TB_ERR_NULL);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 1, NULL, 16, &n_out, NULL, NULL, &done), TB_ERR_NULL);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 1, ev, 16, NULL, NULL, NULL, &done), TB_ERR_NULL);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 1, ev, 16, &n_out, NULL, NULL, NULL), TB_ERR_NULL);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(NULL, ops, 1, ev, 16, &n_out, NULL, NULL, &done), TB_ERR_NULL);
    CHECK_EQ(tb_match_i64_n1024_orders(m), 0);
    tb_match_i64_n1024_destroy(m);
}

/* No event buffer at all (ev NULL, cap 0, which the API allows): refused ops
 * still run and the first op with an event stops the batch. The loops formed
 * `ev + used` on the NULL pointer (undefined; clang's UBSan aborts: review
 * finding), apply_ops and submit_many alike. */
static void t_null_buffer(void) {
    M *m = NULL;
    tb_submit_result res[2];
    int8_t st[2] = {9, 9};
    size_t n_out = 7, done = 7;
    tb_match_op ops[2];
    tb_match_order o;
    ops[0] = mk_op(TB_OP_CANCEL, 99, 0); /* unknown: refused, needs no room */
    ops[1] = mk_op(TB_OP_CANCEL, 1, 0);  /* rests: one event, no room */
    memset(&o, 0, sizeof o);
    o.id = 2;
    o.side = TB_BID;
    o.px = 90;
    o.qty = 1;
    CHECK_EQ(tb_match_i64_n1024_create(&m, 100, 64, 64, TB_STP_NONE), TB_OK);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, &ops[1], 0, NULL, 0, &n_out, NULL, NULL, &done), TB_OK);
    {
        tb_match_event ev[1];
        tb_match_op add = mk_submit(1, TB_ASK, 101, 5, TB_GTC, 0, 0);
        CHECK_EQ(tb_match_i64_n1024_apply_ops(m, &add, 1, ev, 1, &n_out, NULL, NULL, &done), TB_OK);
    }
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 2, NULL, 0, &n_out, res, st, &done), TB_ERR_EVENTS);
    CHECK(done == 1 && n_out == 0 && st[0] == TB_ERR_UNKNOWN && st[1] == 9);
    CHECK_EQ(tb_match_i64_n1024_orders(m), 1);
    CHECK_EQ(tb_match_i64_n1024_submit_many(m, &o, 1, NULL, 0, &n_out, res, &done), TB_ERR_EVENTS);
    CHECK(done == 0 && n_out == 0);
    CHECK_EQ(tb_match_i64_n1024_orders(m), 1);
    tb_match_i64_n1024_destroy(m);
}

/* A full buffer stops the batch before the op that does not fit (nothing of
 * it done); a refused op needs no room, so it is done even then. */
static void t_buffer_stops(void) {
    M *m = NULL;
    tb_match_event ev[4];
    tb_submit_result res[4];
    int8_t st[4];
    size_t n_out = 0, done = 0;
    tb_match_op ops[4];
    tb_match_stats s;
    memset(&s, 0, sizeof s);
    ops[0] = mk_submit(1, TB_ASK, 101, 5, TB_GTC, 0, 0);
    ops[1] = mk_op(TB_OP_CANCEL, 42, 0); /* unknown: refused before the room check */
    ops[2] = mk_submit(2, TB_ASK, 102, 5, TB_GTC, 0, 0);
    ops[3] = mk_op(TB_OP_CANCEL, 1, 0);
    CHECK_EQ(tb_match_i64_n1024_create(&m, 100, 64, 64, TB_STP_NONE), TB_OK);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 4, ev, 1, &n_out, res, st, &done), TB_ERR_EVENTS);
    CHECK(done == 2 && n_out == 1 && st[0] == TB_OK && st[1] == TB_ERR_UNKNOWN);
    CHECK_EQ(tb_match_i64_n1024_stats(m, &s), TB_OK);
    CHECK(s.seq == 1 && s.orders == 1);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops + done, 4 - done, ev, 4, &n_out, res, st, &done), TB_OK);
    CHECK(done == 2 && n_out == 2 && ev[0].seq == 2 && ev[1].kind == TB_EV_CANCEL && ev[1].maker_id == 1);
    tb_match_i64_n1024_destroy(m);
}

/* Colliding ids make the id index reseed in mid-batch: the ops behind it
 * (cancels and modifies of the colliding orders) must use the new key's
 * tags, which the lookahead hashed under the old one. */
static void t_reseed_mid_batch(void) {
    enum { K = 400 };
    static tb_match_op ops[3 * K];
    static tb_match_event ea[3 * K], eb[3 * K];
    static tb_submit_result ra[3 * K], rb[3 * K];
    static int8_t sa[3 * K], sb[3 * K];
    static uint64_t ids[K];
    M *a = NULL, *b = NULL;
    uint64_t key;
    tb_l3_stats ls;
    size_t i, n = 0, na = 0, nb = 0, da = 0, db = 0;
    memset(&ls, 0, sizeof ls);
    CHECK_EQ(tb_match_i64_n1024_create(&a, 1000, 1024, 64, TB_STP_NONE), TB_OK);
    CHECK_EQ(tb_match_i64_n1024_create(&b, 1000, 1024, 64, TB_STP_NONE), TB_OK);
    key = tb_l3_i64_n1024_index_key(tb_match_i64_n1024_l3(b));
    for (i = 0; i < K; i++) { /* all at one home entry: the probes grow until the index reseeds */
        ids[i] = tb__l3_unmix(((uint64_t)0x4321 << (64 - 16)) | ((uint64_t)i << 8), key);
        ops[n++] = mk_submit(ids[i], (int)(i & 1), (i & 1) ? 990 - (int64_t)(i % 7) : 1010 + (int64_t)(i % 7),
                             1 + i % 5, TB_GTC, 0, 0);
        if (i >= 2 && i % 3 == 0) ops[n++] = mk_op(TB_OP_CANCEL, ids[i - 2], 0);
        if (i % 5 == 4) ops[n++] = mk_op(TB_OP_MODIFY, ids[i - 1], 9);
    }
    CHECK_EQ(tb_batch_singles_i64_n1024(a, ops, n, ea, 3 * K, &na, ra, sa, &da), TB_OK);
    CHECK_EQ(tb_match_i64_n1024_apply_ops(b, ops, n, eb, 3 * K, &nb, rb, sb, &db), TB_OK);
    CHECK(da == n && db == n && na == nb);
    CHECK(memcmp(ea, eb, na * sizeof ea[0]) == 0 && memcmp(ra, rb, n * sizeof ra[0]) == 0 && memcmp(sa, sb, n) == 0);
    CHECK_EQ(tb_l3_i64_n1024_stats(tb_match_i64_n1024_l3(b), &ls), TB_OK);
    CHECK(ls.reseeds > 0);
    CHECK(tb_l3_i64_n1024_index_key(tb_match_i64_n1024_l3(b)) != key);
    CHECK_EQ(tb_match_i64_n1024_verify_invariants(b), TB_OK);
    tb_batch_same_dump_i64_n1024(a, b);
    tb_match_i64_n1024_destroy(a);
    tb_match_i64_n1024_destroy(b);
}

/* Leave stack garbage where the next call's locals go (a result's padding
 * read from there would show). */
static TB_NOINLINE void dirty_stack(void) {
    volatile unsigned char junk[4096];
    size_t i;
    for (i = 0; i < sizeof junk; i++) junk[i] = 0xAA;
}

/* Every result record is whole: its padding bytes are 0 (submit_many copied
 * its local result's uninitialised padding into results[] before; clang
 * -fsanitize=memory reports that copy's check here, the plain builds see
 * whatever the stack held). */
static void t_results_padding(void) {
    M *m = NULL;
    tb_match_event ev[16];
    tb_submit_result res[3];
    tb_match_op ops[3];
    tb_match_order orders[3];
    size_t n_out = 0, done = 0, i;
    ops[0] = mk_submit(1, TB_ASK, 101, 5, TB_GTC, 0, 0);
    ops[1] = mk_submit(2, TB_BID, 101, 2, TB_GTC, 0, 0);
    ops[2] = mk_op(TB_OP_CANCEL, 1, 0);
    for (i = 0; i < 3; i++) orders[i] = mk_submit(10 + i, TB_ASK, 110 + (int64_t)i, 1, TB_GTC, 0, 0).order;
    CHECK_EQ(tb_match_i64_n1024_create(&m, 100, 64, 64, TB_STP_NONE), TB_OK);
    memset(res, 0xAA, sizeof res);
    dirty_stack();
    CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 3, ev, 16, &n_out, res, NULL, &done), TB_OK);
    for (i = 0; i < 3; i++) CHECK(res[i].reserved[0] == 0 && res[i].reserved[1] == 0 && res[i].reserved[2] == 0);
    memset(res, 0xAA, sizeof res);
    dirty_stack();
    CHECK_EQ(tb_match_i64_n1024_submit_many(m, orders, 3, ev, 16, &n_out, res, &done), TB_OK);
    for (i = 0; i < 3; i++) CHECK(res[i].reserved[0] == 0 && res[i].reserved[1] == 0 && res[i].reserved[2] == 0);
    tb_match_i64_n1024_destroy(m);
}

/* Zero TB_MALLOC in apply_ops after create: a long mixed flow, every kind. */
static void t_no_allocation(void) {
    static tb_match_op ops[1000];
    static tb_match_event ev[1 << 14];
    static int8_t st[1000];
    M *m = NULL;
    tbt_rng g;
    uint64_t before, next_id = 1;
    int round;
    CHECK_EQ(tb_match_i64_n1024_create(&m, 1 << 20, 1 << 14, 4096, TB_STP_CANCEL_BOTH), TB_OK);
    before = hook_mallocs + hook_frees;
    tbt_seed(&g, 12);
    for (round = 0; round < 200; round++) {
        size_t i, n_out = 0, done = 0;
        for (i = 0; i < 1000; i++) {
            const uint32_t w = tbt_below(&g, 100);
            if (w < 70) /* wide prices: spill levels, promotes, recenters of the tapes underneath */
                ops[i] = mk_submit(next_id++, (int)tbt_below(&g, 2), (1 << 20) - 3000 + tbt_below(&g, 6000),
                                   1 + tbt_below(&g, 50), (int)tbt_below(&g, 3), tbt_below(&g, 5),
                                   tbt_below(&g, 20) == 0 ? TB_ORDER_MARKET : 0);
            else if (w < 90) ops[i] = mk_op(TB_OP_CANCEL, next_id - tbt_below(&g, 2000), 0);
            else ops[i] = mk_op(TB_OP_MODIFY, next_id - tbt_below(&g, 2000), 1 + tbt_below(&g, 80));
        }
        CHECK_EQ(tb_match_i64_n1024_apply_ops(m, ops, 1000, ev, 1 << 14, &n_out, NULL, st, &done), TB_OK);
        CHECK_EQ_U(done, 1000);
    }
    CHECK_EQ_U(hook_mallocs + hook_frees - before, 0);
    CHECK_EQ(tb_match_i64_n1024_verify_invariants(m), TB_OK);
    tb_match_i64_n1024_destroy(m);
}

int main(int argc, char **argv) {
    static const uint64_t suites_by_profile[3] = {16, 8, 96};
    static const uint64_t ops_by_profile[3] = {6000, 3000, 60000};
    uint64_t seed = UINT64_C(0xba7c4016), done = 0, s;
    int i;
    if (!tbt_init(argc, argv)) return 2;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
    tbt_run("statuses per op", t_statuses);
    tbt_run("no event buffer (NULL, 0)", t_null_buffer);
    tbt_run("a full buffer stops and resumes", t_buffer_stops);
    tbt_run("reseed in mid-batch", t_reseed_mid_batch);
    tbt_run("result records have zero padding", t_results_padding);
    tbt_run("no allocation after create", t_no_allocation);
    for (s = 0; s < suites_by_profile[tbt_prof]; s++) {
        const uint64_t sd = seed + s * UINT64_C(0x9e3779b97f4a7c15);
        char name[64];
        snprintf(name, sizeof name, "batch vs single calls %" PRIu64 " (seed 0x%" PRIx64 ")", s, sd);
        tbt_begin(name, (s & 1) ? "i32_n64" : "i64_n1024");
        if (s & 1) tb_batch_suite_i32_n64(sd, ops_by_profile[tbt_prof], &done);
        else tb_batch_suite_i64_n1024(sd, ops_by_profile[tbt_prof], &done);
        tbt_end();
    }
    printf("test_match_batch: profile %s, %" PRIu64 " suites, %" PRIu64 " ops compared with single calls\n",
           tbt_profile_name(tbt_prof), suites_by_profile[tbt_prof], done);
    return tbt_finish();
}
