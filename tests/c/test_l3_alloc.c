/* test_l3_alloc.c — allocation behaviour of the L3 books through counting
 * TB_MALLOC / TB_FREE hooks:
 *   (a) after a warm-up that reaches the workload's high-water mark of levels,
 *       a long MBO mix (adds, cancels, executions, modifies, amends,
 *       replaces, clears, batches, recenters of the view) makes ZERO
 *       allocations and frees;
 *   (b) destroy frees everything (balance 0);
 *   (c) an allocator that refuses: create reports TB_ERR_NOMEM and leaks
 *       nothing; an add whose new level needs the spill to grow reports
 *       TB_ERR_NOMEM and changes nothing; load's scratch refusal too;
 *   (d) load's scratch memory follows the dump's size, not max_orders;
 *   (e) create_reserved: the arena starts at `reserve`, an add at capacity
 *       doubles it (each growth counted) up to max_orders, then TB_ERR_FULL;
 *       a refused growth is TB_ERR_NOMEM with the book unchanged (its dump
 *       byte-identical); load grows it to what the dump holds.
 * Usage: test_l3_alloc [--profile quick|sanitizer|full] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t hook_mallocs, hook_frees;
static long hook_fail_after = -1; /* >= 0: that many more calls succeed, then NULL */
static size_t hook_largest;       /* the largest request since it was zeroed */

static void *hook_malloc(size_t size) {
    void *p;
    if (size > hook_largest) hook_largest = size;
    if (hook_fail_after == 0) return NULL;
    if (hook_fail_after > 0) hook_fail_after--;
    p = malloc(size);
    if (p) hook_mallocs++;
    return p;
}
static void hook_free(void *p) {
    if (!p) return;
    hook_frees++;
    free(p);
}

#define TB_MALLOC(size) hook_malloc(size)
#define TB_FREE(ptr) hook_free(ptr)

#include "l3_drv.h"
#include "tb_test.h"

static const l3drv *D;

static uint64_t xs = 88172645463325252u;
static uint64_t rnd(uint64_t n) {
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs % n;
}

/* One round of a realistic mix over ids [base, base + span), prices within
 * `width` of 100000 on both sides. */
static void mix_round(void *l, uint64_t base, uint64_t span, int64_t width, long ops) {
    long i;
    for (i = 0; i < ops; i++) {
        uint64_t id = base + rnd(span), k = rnd(100);
        int side = (int)(id & 1);
        int64_t px = 100000 + (side ? -1 : 1) * (int64_t)rnd((uint64_t)width);
        if (k < 45) (void)D->add(l, id, side, px, 1 + rnd(50));
        else if (k < 85) (void)D->cancel(l, id);
        else if (k < 93) (void)D->execute(l, id, 1 + rnd(5));
        else if (k < 96) (void)D->modify(l, id, 1 + rnd(60));
        else if (k < 98) (void)D->amend(l, id, px, 1 + rnd(60));
        else (void)D->replace(l, id, base + rnd(span), px, 1 + rnd(9));
    }
}

static void t_zero_after_warmup(void) {
    const int64_t width = D->n * 3 < 4000 ? (int64_t)D->n * 3 : 4000; /* tape, spill, promotes; <= max_cap levels */
    void *l;
    int st = 0;
    uint64_t m0, f0;
    long rounds = tbt_prof == TBT_FULL ? 200 : 20, r;
    hook_mallocs = hook_frees = 0;
    l = D->create(100000, 20000, 4096, &st);
    CHECK_EQ(st, TB_OK);
    if (!l) return;
    /* warm-up: every price of the range once on both sides (the level high-water mark) */
    {
        int64_t p;
        uint64_t id = 1u << 30;
        for (p = -width; p <= width; p++) CHECK_EQ(D->add(l, id++, p < 0, 100000 + p, 1), TB_OK);
        CHECK_EQ(D->clear(l), TB_OK);
    }
    m0 = hook_mallocs;
    f0 = hook_frees;
    for (r = 0; r < rounds; r++) {
        uint8_t act[64], sd[64];
        uint64_t ids[64], qty[64];
        int64_t px[64];
        int8_t sts[64];
        size_t n_err, i;
        mix_round(l, 1000, 15000, width, 5000);
        for (i = 0; i < 64; i++) {
            act[i] = (uint8_t)"ACEM"[rnd(4)];
            ids[i] = 1000 + rnd(15000);
            sd[i] = (uint8_t)(ids[i] & 1);
            px[i] = 100000 + (sd[i] ? -1 : 1) * (int64_t)rnd((uint64_t)width);
            qty[i] = rnd(4);
        }
        CHECK_EQ(D->apply_mbo(l, act, ids, sd, px, qty, 64, sts, &n_err, NULL), TB_OK);
        CHECK_EQ(D->view_recenter(l, (int)(r & 1), 100000 - (int64_t)D->n / 2 + (int64_t)rnd(64) - 32), TB_OK);
        if (r % 7 == 6) CHECK_EQ(D->clear(l), TB_OK);
    }
    CHECK_EQ(D->verify(l), TB_OK);
    CHECK_EQ_U(hook_mallocs - m0, 0);
    CHECK_EQ_U(hook_frees - f0, 0);
    CHECK_EQ(D->destroy(l), TB_OK);
    CHECK_EQ_U(hook_mallocs, hook_frees);
}

static void t_refusals(void) {
    void *l;
    int st = 0;
    long k;
    unsigned char *buf = NULL;
    size_t len = 0;
    /* create: every allocation point refused in turn, nothing leaks */
    for (k = 0; k < 8; k++) {
        hook_mallocs = hook_frees = 0;
        hook_fail_after = k;
        l = D->create(100000, 100, 64, &st);
        hook_fail_after = -1;
        if (l) {
            CHECK_EQ(D->destroy(l), TB_OK);
        } else {
            CHECK_EQ(st, TB_ERR_NOMEM);
        }
        CHECK_EQ_U(hook_mallocs, hook_frees);
    }
    /* a new level that needs spill memory: refused, nothing changed */
    hook_mallocs = hook_frees = 0;
    l = D->create(100000, 100, 64, &st);
    for (k = 0; k < 16; k++) CHECK_EQ(D->add(l, 100 + (uint64_t)k, 1, 99000 - k, 5), TB_OK); /* spill block: 16 */
    CHECK_EQ(D->dump(l, &buf, &len), TB_OK); /* plain malloc: not counted */
    hook_fail_after = 0;
    CHECK_EQ(D->add(l, 1, 1, 100000, 5), TB_ERR_NOMEM); /* a 17th level: the spill must grow */
    CHECK_EQ(D->add(l, 3, 1, 99000, 5), TB_OK);         /* an existing level needs nothing */
    CHECK_EQ(D->cancel(l, 3), TB_OK);
    CHECK_EQ(D->load(l, buf, len), TB_ERR_NOMEM); /* the scratch id table */
    hook_fail_after = -1;
    CHECK_EQ_U(D->count(l), 16);
    CHECK_EQ(D->verify(l), TB_OK);
    CHECK_EQ(D->add(l, 1, 1, 100000, 5), TB_OK);
    CHECK_EQ(D->load(l, buf, len), TB_OK);
    CHECK_EQ_U(D->count(l), 16);
    free(buf);
    CHECK_EQ(D->destroy(l), TB_OK);
    CHECK_EQ_U(hook_mallocs, hook_frees);
}

/* (d) load's scratch memory follows the dump, not max_orders (issue #12.13):
 * 3 orders into a book of 2^16 used to take a 2^17-entry id table */
static void t_load_scratch_follows_dump(void) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int st;
    void *l = D->create(100000, 3, 64, &st), *big;
    CHECK_EQ(D->add(l, 11, 1, 99990, 5), TB_OK);
    CHECK_EQ(D->add(l, 12, 1, 99990, 6), TB_OK);
    CHECK_EQ(D->add(l, 13, 0, 100010, 7), TB_OK);
    CHECK_EQ(D->dump(l, &buf, &len), TB_OK);
    big = D->create(100000, 1u << 16, 64, &st);
    CHECK_EQ(st, TB_OK);
    hook_largest = 0;
    CHECK_EQ(D->load(big, buf, len), TB_OK);
    CHECK_MSG(hook_largest <= 1024u, "%s: loading 3 orders requested %llu bytes at once", D->name,
              (unsigned long long)hook_largest);
    CHECK_EQ_U(D->count(big), 3);
    CHECK_EQ(D->verify(big), TB_OK);
    free(buf);
    CHECK_EQ(D->destroy(l), TB_OK);
    CHECK_EQ(D->destroy(big), TB_OK);
}

/* The book's dump into *buf (plain malloc, not counted by the hooks). */
static unsigned char *dump_of(void *l, size_t *len) {
    unsigned char *buf = NULL;
    CHECK_EQ(D->dump(l, &buf, len), TB_OK);
    return buf;
}

/* (e) growth on demand from a reserve of 3 orders up to max_orders = 40 */
static void t_reserved_growth(void) {
    const uint32_t max_orders = 40;
    tb_l3_stats s0, s1;
    unsigned char *before, *after;
    size_t len0 = 0, len1 = 0;
    uint32_t k, grows = 0;
    int st = 0;
    void *l, *copy;
    hook_mallocs = hook_frees = 0;
    CHECK(D->create_reserved(100000, max_orders, 0, 64, &st) == NULL && st == TB_ERR_BADARG);
    CHECK(D->create_reserved(100000, max_orders, max_orders + 1, 64, &st) == NULL && st == TB_ERR_BADARG);
    l = D->create_reserved(100000, max_orders, 3, 64, &st);
    CHECK_EQ(st, TB_OK);
    if (!l) return;
    CHECK_EQ(D->stats(l, &s0), TB_OK);
    CHECK_EQ_U(s0.max_orders, max_orders);
    CHECK_EQ_U(s0.reserved_orders, 3); /* stats() reports the arena's reserve */
    s1 = s0;
    for (k = 0; k < max_orders; k++) {
        const uint64_t b0 = s1.bytes, r0 = s1.reserved_orders;
        const int side = (int)(k & 1);
        /* a few orders per level: the level records grow with the arena */
        CHECK_EQ(D->add(l, 1000 + k, side, 100000 + (side ? -1 : 1) * (int64_t)(1 + k / 3), 1 + k), TB_OK);
        CHECK_EQ(D->stats(l, &s1), TB_OK);
        if (s1.bytes != b0) grows++; /* the arena's bytes (the spill is not in them) */
        CHECK_EQ(s1.reserved_orders != r0, s1.bytes != b0); /* it grows with them */
        CHECK(s1.reserved_orders >= s1.orders && s1.reserved_orders <= max_orders);
        CHECK_EQ(D->verify(l), TB_OK);
    }
    CHECK_EQ_U(D->count(l), max_orders);
    CHECK_EQ_U(grows, 4); /* 3 -> 6 -> 12 -> 24 -> 40 */
    CHECK_EQ_U(s1.reserved_orders, max_orders);
    CHECK_EQ(D->add(l, 1, 1, 99000, 1), TB_ERR_FULL);
    CHECK_EQ(D->stats(l, &s1), TB_OK);
    CHECK_EQ_U(s1.arena_full, 1);
    CHECK(s1.bytes > s0.bytes);
    /* the same operations on a book created with everything reserved agree */
    copy = D->create(100000, max_orders, 64, &st);
    CHECK_EQ(D->stats(copy, &s0), TB_OK);
    CHECK_EQ_U(s0.reserved_orders, max_orders); /* create() reserves everything up front */
    before = dump_of(l, &len0);
    CHECK_EQ(D->load(copy, before, len0), TB_OK);
    after = dump_of(copy, &len1);
    CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
    free(after);
    CHECK_EQ(D->destroy(copy), TB_OK);
    /* a refused growth changes nothing: a book at its reserve of 3 */
    copy = D->create_reserved(100000, max_orders, 3, 64, &st);
    for (k = 0; k < 3; k++) CHECK_EQ(D->add(copy, 7 + k, 1, 99990, 2), TB_OK);
    free(before);
    before = dump_of(copy, &len0);
    hook_fail_after = 0;
    CHECK_EQ(D->add(copy, 50, 1, 99990, 2), TB_ERR_NOMEM); /* its level exists: only the arena grows */
    hook_fail_after = -1;
    {   /* regression (review): an add the level refuses (its total would overflow) did
         * grow the arena first; now nothing is allocated and the reserve stays 3 */
        const uint64_t m0 = hook_mallocs;
        tb_l3_stats sr;
        CHECK_EQ(D->add(copy, 51, 1, 99990, D->qmax), TB_ERR_OVERFLOW);
        CHECK_EQ_U(hook_mallocs, m0);
        CHECK_EQ(D->stats(copy, &sr), TB_OK);
        CHECK_EQ_U(sr.reserved_orders, 3);
    }
    hook_fail_after = 0;
    CHECK_EQ(D->load(copy, after = dump_of(l, &len1), len1), TB_ERR_NOMEM);
    hook_fail_after = -1;
    {
        unsigned char *now;
        size_t n_now = 0;
        now = dump_of(copy, &n_now);
        CHECK(n_now == len0 && memcmp(now, before, len0) == 0);
        free(now);
    }
    CHECK_EQ_U(D->count(copy), 3);
    CHECK_EQ(D->verify(copy), TB_OK);
    CHECK_EQ(D->add(copy, 50, 1, 99990, 2), TB_OK); /* the same add, memory back */
    CHECK_EQ(D->load(copy, after, len1), TB_OK);     /* grows to the dump's 40 orders */
    CHECK_EQ_U(D->count(copy), max_orders);
    CHECK_EQ(D->verify(copy), TB_OK);
    free(before);
    free(after);
    CHECK_EQ(D->destroy(copy), TB_OK);
    CHECK_EQ(D->destroy(l), TB_OK);
    CHECK_EQ_U(hook_mallocs, hook_frees);
}

typedef struct named {
    void (*fn)(void);
} named;
static const named zero = {t_zero_after_warmup}, refusals = {t_refusals}, scratch = {t_load_scratch_follows_dump},
                   reserved = {t_reserved_growth};
static void run_one(const void *arg) { ((const named *)arg)->fn(); }

int main(int argc, char **argv) {
    size_t v;
    if (!tbt_init(argc, argv)) return 2;
    for (v = 0; v < L3DRV_COUNT; v++) {
        D = l3drv_all[v];
        tbt_run_arg("zero_after_warmup", D->name, run_one, &zero);
        tbt_run_arg("refusals", D->name, run_one, &refusals);
        tbt_run_arg("load_scratch_follows_dump", D->name, run_one, &scratch);
        tbt_run_arg("reserved_growth", D->name, run_one, &reserved);
    }
    return tbt_finish();
}
