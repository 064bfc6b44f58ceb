/* test_olog_run.c — tb_order_log.h's tb_olog_run (the order log of databento-mbo and
 * lobster) against a naive model (arrays, linear search) over seeded random ops rows:
 * adds (duplicate ids, qty 0), cancels / deletions / executions (partial, over, of
 * unknown ids, through alt_id), modifies (price, size, unchanged, unknown ids), clears
 * and top-of-book replacements, messages of 1-4 rows. After every message the resting
 * orders, the counters and the last L2 row of every level the message touched agree with
 * the model; the MBO rows replayed on a second model give the same orders. The same
 * rows through an output room of a few rows (TB_ERR_FULL, resumed from *n_done) give
 * the same rows. The taken-slot bits agree with the slots. Clears ('R', 'T') of tables
 * grown to thousands of orders, nearly full or with a few left (the wipe of what rests),
 * leave what a fresh table holds. Argument errors change nothing. Level totals that would pass UINT64_MAX
 * (tb_olog_run and the ITCH path's tb_olog_apply) are refused with nothing changed.
 * Written in the common subset of C and C++ (make c-compile builds it as C++17 too). */
#include <stdlib.h>

/* the tables' allocations, counted: a clear must not grow them (test_clear_does_not_grow) */
static unsigned long olog_mallocs;
static void *counting_malloc(size_t n) {
    olog_mallocs++;
    return malloc(n);
}
#define TB_MALLOC(size) counting_malloc(size)
#define TB_FREE(ptr) free(ptr)

#include "tapebook/tb_order_log.h"

#include "tb_test.h"

#define NMAX 3000
#define NROWS 256
#define ROOM (4 * NMAX)

typedef struct model {
    uint64_t id[NMAX], qty[NMAX];
    int64_t px[NMAX];
    uint8_t side[NMAX];
    size_t n;
    uint64_t unknown_id, duplicate_add, overcancel, overfill, zero_qty, modify_unknown, modify_unchanged,
        initial_level, changed_unknown, deleted_unknown;
} model;

static long find(const model *m, uint64_t id) {
    size_t i;
    for (i = 0; i < m->n; i++)
        if (m->id[i] == id) return (long)i;
    return -1;
}

static void del(model *m, long i) {
    const size_t k = (size_t)i, e = m->n - 1;
    m->id[k] = m->id[e]; m->qty[k] = m->qty[e]; m->px[k] = m->px[e]; m->side[k] = m->side[e];
    m->n--;
}

static void put(model *m, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    m->id[m->n] = id; m->side[m->n] = side; m->px[m->n] = px; m->qty[m->n] = qty;
    m->n++;
}

static void add(model *m, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    long i;
    if (!qty) { m->zero_qty++; return; }
    i = find(m, id);
    if (i >= 0) { m->duplicate_add++; del(m, i); }
    put(m, id, side, px, qty);
}

/* take qty (0 or more than it holds: all) of order i */
static void take(model *m, long i, int exec, uint64_t qty) {
    if (qty > m->qty[i]) { if (exec) m->overfill++; else m->overcancel++; }
    if (qty == 0 || qty >= m->qty[i]) del(m, i);
    else m->qty[i] -= qty;
}

static void model_op(model *m, uint8_t op, uint64_t id, uint64_t alt, uint8_t side, int64_t px, uint64_t qty) {
    long i = find(m, id);
    int stood_in = 0;
    if (op == 'A') { add(m, id, side, px, qty); return; }
    if (op == 'R') { m->n = 0; return; }
    if (op == 'T') {
        size_t k = 0;
        while (k < m->n) if (m->side[k] == side) del(m, (long)k); else k++;
        if (qty) add(m, id, side, px, qty);
        return;
    }
    if (op == 'U' && i < 0) { m->changed_unknown++; add(m, id, side, px, qty); return; }
    if (op == 'X') { if (i < 0) m->deleted_unknown++; else del(m, i); return; }
    if (op == 'M' || op == 'U') {
        if (i < 0) { if (qty) { m->modify_unknown++; put(m, id, side, px, qty); } }
        else if (!qty) del(m, i);
        else if (m->px[i] == px && m->qty[i] == qty) m->modify_unchanged++;
        else { m->px[i] = px; m->qty[i] = qty; }
        return;
    }
    if (!op) return;
    if (i < 0 && alt && find(m, alt) >= 0) { m->initial_level++; i = find(m, alt); stood_in = 1; }
    if (i < 0) m->unknown_id++;
    else if (op == 'E' && qty == 0) m->zero_qty++;
    else take(m, i, op == 'E', op == 'D' && !stood_in ? 0 : qty);
}

static uint64_t level(const model *m, uint8_t side, int64_t px) {
    uint64_t t = 0;
    size_t i;
    for (i = 0; i < m->n; i++)
        if (m->side[i] == side && m->px[i] == px) t += m->qty[i];
    return t;
}

/* an MBO row applied to the replay model (the rows must be consistent: checked) */
static void replay_row(model *m, uint8_t a, uint64_t id, uint8_t side, int64_t px, uint64_t qty) {
    long i = find(m, id);
    if (a == 'R') { m->n = 0; return; }
    if (a == 'A') { CHECK(i < 0 && qty > 0); if (i < 0) put(m, id, side, px, qty); return; }
    CHECK(i >= 0);
    if (i < 0) return;
    if (a == 'M') { CHECK(side == m->side[i] && qty > 0); m->px[i] = px; m->qty[i] = qty; return; }
    CHECK((a == 'C' || a == 'E') && qty > 0 && qty <= m->qty[i]);
    if (qty >= m->qty[i]) del(m, i);
    else m->qty[i] -= qty;
}

static model want, got;
static uint8_t op[NROWS], sd[NROWS], endf[NROWS];
static uint64_t oid[NROWS], alt[NROWS], qty[NROWS];
static int64_t pxs[NROWS];

typedef struct sink {
    uint8_t act[ROOM], side[ROOM], l2s[ROOM];
    uint64_t id[ROOM], qty[ROOM], l2q[ROOM];
    int64_t px[ROOM], mend[NROWS], l2p[ROOM], l2end[NROWS];
} sink;
static sink big, small_room;

static tb_olog_out bind(sink *s) {
    tb_olog_out o;
    o.action = s->act; o.order_id = s->id; o.side = s->side; o.px = s->px; o.qty = s->qty; o.mbo_end = s->mend;
    o.l2_side = s->l2s; o.l2_px = s->l2p; o.l2_qty = s->l2q; o.l2_end = s->l2end;
    o.n_mbo = o.n_l2 = 0;
    return o;
}

static tb_olog_ops ops_view(void) {
    tb_olog_ops v;
    v.op = op; v.order_id = oid; v.alt_id = alt; v.side = sd; v.px = pxs; v.qty = qty; v.end = endf;
    return v;
}

static void random_rows(uint64_t *next, int grow) {
    size_t r;
    for (r = 0; r < NROWS; r++) {
        const uint64_t kind = tbt_rand() % 100;
        const uint64_t pick = want.n && tbt_rand() % 10 < 7 ? want.id[tbt_rand() % want.n] : tbt_rand() % 64;
        op[r] = (uint8_t)(kind < (grow ? 70u : 35u) ? 'A' : kind < 50 ? 'C' : kind < 60 ? 'D' : kind < 72 ? 'E'
                          : kind < 84 ? 'M' : kind < 88 ? 'U' : kind < 92 ? 'X' : kind < 95 ? 'R'
                          : kind < 98 ? 'T' : 0);
        oid[r] = op[r] == 'A' && tbt_rand() % 20 ? (*next)++ : pick;
        alt[r] = tbt_rand() % 4 == 0 && want.n ? want.id[tbt_rand() % want.n] : 0;
        sd[r] = (uint8_t)(tbt_rand() & 1);
        pxs[r] = 1000 + (int64_t)(tbt_rand() % 9) - 4;
        qty[r] = tbt_rand() % 9 == 0 ? 0 : 1 + tbt_rand() % 200;
        endf[r] = (uint8_t)(tbt_rand() % 3 == 0 || r == NROWS - 1);
    }
}

/* rows [0, NROWS) through a room of cap rows (messages: NROWS), resumed on TB_ERR_FULL;
 * the rows written are appended to s as one run */
static void run_in_room(tb_olog *g, sink *s, size_t cap, size_t *n_mbo, size_t *n_l2, size_t *n_msg) {
    tb_olog_ops v = ops_view();
    tb_olog_msgs m;
    tb_olog_out o = bind(s);
    size_t first = 0, done = 0, guard = 0;
    memset(&m, 0, sizeof m);
    m.msg_cap = NROWS;
    for (;;) {
        int rc;
        m.mbo_cap = o.n_mbo + cap < ROOM ? o.n_mbo + cap : ROOM;
        m.l2_cap = o.n_l2 + cap < ROOM ? o.n_l2 + cap : ROOM;
        rc = tb_olog_run(g, &v, first, NROWS, &o, &m, &done);
        if (rc == TB_OK) break;
        CHECK_EQ(rc, TB_ERR_FULL);
        if (done == first) cap *= 2; /* an empty room that is still too small grows */
        first = done;
        if (guard++ > 100000) { CHECK(0); break; }
    }
    *n_mbo = o.n_mbo;
    *n_l2 = o.n_l2;
    *n_msg = m.n_msg;
}

/* the level window: a bit set exactly where a total is, lwcount of them, and no level of
 * the table has a price the window covers */
static int lwin_agrees(const tb_olog *g) {
    size_t k, n = 0;
    for (k = 0; k < 2 * TB__OLOG_LWIN; k++) {
        if (!(g->lwused[k >> 6] >> (k & 63) & 1) != !g->lwin[k]) return 0;
        n += g->lwin[k] != 0;
    }
    for (k = 0; k < g->lcap; k++)
        if (g->levels[k].total && tb__olog_lin(g, g->levels[k].px)) return 0;
    return n == g->lwcount;
}

/* bit k of a table's taken-slot bits is set exactly when slot k holds an order (a level) */
static int bits_agree(const tb_olog *g) {
    size_t k;
    for (k = 0; k < g->ocap; k++)
        if (!(g->oused[k >> 6] >> (k & 63) & 1) != !g->orders[k].qty) return 0;
    for (k = 0; k < g->lcap; k++)
        if (!(g->lused[k >> 6] >> (k & 63) & 1) != !g->levels[k].total) return 0;
    return lwin_agrees(g);
}

/* rows [0, NROWS) through g (a big room) and through g2 (a room of a few rows), each
 * message checked against the model (want) and by replaying its MBO rows (got) */
static void check_run(tb_olog *g, tb_olog *g2) {
    tb_olog_ops v = ops_view();
    tb_olog_msgs m;
    tb_olog_out o = bind(&big);
    size_t r, done = 0, msg = 0, row0 = 0, l20 = 0, k, sm, sl, sn;
    const uint64_t was[5] = {want.modify_unknown, want.modify_unchanged, want.initial_level,
                             want.changed_unknown, want.deleted_unknown};
    memset(&m, 0, sizeof m);
    m.mbo_cap = m.l2_cap = ROOM;
    m.msg_cap = NROWS;
    CHECK_EQ(tb_olog_run(g, &v, 0, NROWS, &o, &m, &done), TB_OK);
    CHECK_EQ(done, NROWS);
    for (r = 0; r < NROWS; r++) {
        model_op(&want, op[r], oid[r], alt[r], sd[r], pxs[r], qty[r]);
        if (!endf[r]) continue;
        for (k = row0; k < (size_t)big.mend[msg]; k++)
            replay_row(&got, big.act[k], big.id[k], big.side[k], big.px[k], big.qty[k]);
        CHECK_EQ(got.n, want.n);
        for (k = l20; k < (size_t)big.l2end[msg]; k++) { /* the last row of a level wins */
            size_t later;
            int last = 1;
            for (later = k + 1; later < (size_t)big.l2end[msg]; later++)
                if (big.l2s[later] == big.l2s[k] && big.l2p[later] == big.l2p[k]) last = 0;
            if (last) CHECK_EQ_U(big.l2q[k], level(&want, big.l2s[k], big.l2p[k]));
        }
        row0 = (size_t)big.mend[msg];
        l20 = (size_t)big.l2end[msg];
        msg++;
    }
    CHECK_EQ(m.n_msg, msg);
    CHECK_EQ(g->ocount, want.n);
    CHECK_EQ_U(g->unknown_id, want.unknown_id);
    CHECK_EQ_U(g->duplicate_add, want.duplicate_add);
    CHECK_EQ_U(g->overcancel, want.overcancel);
    CHECK_EQ_U(g->overfill, want.overfill);
    CHECK_EQ_U(g->zero_qty, want.zero_qty);
    CHECK_EQ_U(m.modify_unknown, want.modify_unknown - was[0]); /* m: this run's counts */
    CHECK_EQ_U(m.modify_unchanged, want.modify_unchanged - was[1]);
    CHECK_EQ_U(m.initial_level, want.initial_level - was[2]);
    CHECK_EQ_U(m.changed_unknown, want.changed_unknown - was[3]);
    CHECK_EQ_U(m.deleted_unknown, want.deleted_unknown - was[4]);
    for (k = 0; k < want.n; k++) {
        long i = find(&got, want.id[k]);
        CHECK(i >= 0);
        if (i >= 0) CHECK(got.side[i] == want.side[k] && got.px[i] == want.px[k] && got.qty[i] == want.qty[k]);
    }
    CHECK(bits_agree(g));
    /* the same rows through a small room: the same rows out */
    run_in_room(g2, &small_room, 1 + (size_t)(tbt_rand() % 4), &sm, &sl, &sn);
    CHECK(sm == o.n_mbo && sl == o.n_l2 && sn == m.n_msg);
    CHECK(memcmp(small_room.act, big.act, sm) == 0 && memcmp(small_room.l2q, big.l2q, sl * 8) == 0);
    CHECK(memcmp(small_room.mend, big.mend, sn * 8) == 0 && memcmp(small_room.l2end, big.l2end, sn * 8) == 0);
}

static void test_random(void) {
    int round, rounds = tbt_prof == TBT_FULL ? 300 : 30;
    for (round = 0; round < rounds; round++) {
        tb_olog g, g2;
        int step, steps = round % 10 == 9 ? 24 : 6;
        uint64_t next = 1;
        memset(&want, 0, sizeof want);
        memset(&got, 0, sizeof got);
        const uint64_t key = tbt_rand(); /* the same key: the same table order for R and T */
        CHECK_EQ(tb_olog_init(&g, 0, key), TB_OK);
        CHECK_EQ(tb_olog_init(&g2, 0, key), TB_OK);
        for (step = 0; step < steps; step++) {
            random_rows(&next, round % 10 == 9);
            check_run(&g, &g2);
        }
        tb_olog_free(&g);
        tb_olog_free(&g2);
    }
}

/* ---- clears in a table far larger than what rests ------------------------------------- */

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t k;
    for (k = 0; k < n; k++)
        if (b[k]) return 0;
    return 1;
}

/* what a fresh table holds: no slot taken (qty / total 0: what a probe reads as empty),
 * no bit set */
static int as_fresh(const tb_olog *g) {
    size_t k;
    for (k = 0; k < g->ocap; k++)
        if (g->orders[k].qty) return 0;
    for (k = 0; k < g->lcap; k++)
        if (g->levels[k].total) return 0;
    if (!all_zero(g->lwin, 2 * TB__OLOG_LWIN * sizeof *g->lwin) || !all_zero(g->lwused, 2 * TB__OLOG_LWIN / 8))
        return 0;
    return g->lwcount == 0 && g->ocount == 0 && g->lcount == 0 && all_zero(g->oused, g->ocap / 8) && all_zero(g->lused, g->lcap / 8);
}

/* the resting orders tb_olog_export gives are the model's */
static void check_export(const tb_olog *g) {
    static uint64_t ids[NMAX], q[NMAX];
    static int64_t p[NMAX];
    static uint8_t s[NMAX];
    size_t k, n = tb_olog_export(g, ids, s, p, q, NMAX);
    CHECK_EQ(n, want.n);
    for (k = 0; k < n; k++) {
        long i = find(&want, ids[k]);
        CHECK(i >= 0);
        if (i >= 0) CHECK(want.side[i] == s[k] && want.px[i] == p[k] && want.qty[i] == q[k]);
    }
}

/* NROWS one-row messages: rows [0, n) as set, the rest no change */
static void rows_of(size_t n) {
    size_t r;
    for (r = 0; r < NROWS; r++) {
        if (r >= n) op[r] = 0;
        alt[r] = 0;
        endf[r] = 1;
    }
}

/* adds of new ids over 300 prices a side (many levels) */
static void add_rows(uint64_t *next) {
    size_t r;
    rows_of(NROWS);
    for (r = 0; r < NROWS; r++) {
        op[r] = 'A';
        oid[r] = (*next)++;
        sd[r] = (uint8_t)(tbt_rand() & 1);
        pxs[r] = 1000 + (int64_t)(tbt_rand() % 300);
        qty[r] = 1 + tbt_rand() % 200;
    }
}

/* deletions of the model's resting orders from index keep on (as many as fit) */
static void drain_rows(size_t keep) {
    size_t r = 0, k;
    for (k = keep; k < want.n && r < NROWS; k++, r++) {
        op[r] = 'X';
        oid[r] = want.id[k];
    }
    rows_of(r);
}

/* one clear row: 'R', or 'T' of a side (to one order, or to none) */
static void clear_row(uint8_t o, uint64_t *next) {
    op[0] = o;
    oid[0] = (*next)++;
    sd[0] = (uint8_t)(tbt_rand() & 1);
    pxs[0] = 1000 + (int64_t)(tbt_rand() % 300);
    qty[0] = tbt_rand() % 2 ? 0 : 5;
    rows_of(1);
}

/* Tables grown to thousands of orders and hundreds of levels, then cleared ('R' or 'T')
 * while nearly full (the whole-table wipe) or after all but a few orders left (the wipe
 * of what rests only); then clears among random rows. Every message agrees with the
 * model, the taken-slot bits with the slots; after an 'R' no slot and no bit is taken
 * (as in fresh tables) and the capacity is kept. Half the rounds without the level
 * window (lwcap 0: the levels in their table), half with it (the levels in the window). */
static void test_clear_sparse(void) {
    int round, rounds = tbt_prof == TBT_FULL ? 60 : 12;
    for (round = 0; round < rounds; round++) {
        tb_olog g, g2;
        int b, step, batches = 3 + round % 9; /* up to 11 * NROWS orders: under NMAX */
        uint64_t next = 1;
        const uint64_t key = tbt_rand();
        const size_t keep = (size_t)(tbt_rand() % 6);
        const uint8_t clear_op = round % 3 == 2 ? 'T' : 'R';
        size_t ocap, lcap;
        memset(&want, 0, sizeof want);
        memset(&got, 0, sizeof got);
        CHECK_EQ(tb_olog_init(&g, 0, key), TB_OK);
        CHECK_EQ(tb_olog_init(&g2, 0, key), TB_OK);
        if (round % 4 < 2) g.lwcap = g2.lwcap = 0;
        for (b = 0; b < batches; b++) {
            add_rows(&next);
            check_run(&g, &g2);
        }
        if (round % 2) { /* sparse: all but keep orders leave */
            while (want.n > keep) {
                drain_rows(keep);
                check_run(&g, &g2);
            }
        }
        check_export(&g);
        ocap = g.ocap;
        lcap = g.lcap;
        CHECK(ocap >= 1024 && (g.lwcap || lcap >= 256)); /* far larger than a few orders need */
        CHECK(g.lwcap ? g.lcount == 0 : g.lwcount == 0); /* (prices 1000..1299: in the window) */
        clear_row(clear_op, &next);
        check_run(&g, &g2);
        if (clear_op == 'R') CHECK(as_fresh(&g) && as_fresh(&g2));
        CHECK(g.ocap == ocap && g.lcap == lcap); /* kept: a clear does not grow them */
        check_export(&g);
        for (step = 0; step < 4; step++) { /* life goes on, clears among the rows */
            random_rows(&next, step % 2);
            check_run(&g, &g2);
        }
        check_export(&g);
        tb_olog_free(&g);
        tb_olog_free(&g2);
    }
}

static void test_arguments(void) {
    tb_olog g;
    tb_olog_ops v = ops_view();
    tb_olog_msgs m;
    tb_olog_out o = bind(&big);
    size_t done = 7;
    memset(&m, 0, sizeof m);
    m.mbo_cap = m.l2_cap = ROOM;
    m.msg_cap = NROWS;
    CHECK_EQ(tb_olog_init(&g, 0, 1), TB_OK);
    op[0] = 'A'; oid[0] = 5; sd[0] = 1; pxs[0] = 10; qty[0] = 3; endf[0] = 1; alt[0] = 0;
    op[1] = 'Z'; endf[1] = 1; sd[1] = 0;
    CHECK_EQ(tb_olog_run(NULL, &v, 0, 1, &o, &m, &done), TB_ERR_NULL);
    {
        tb_olog_out levels_only = o; /* tb_olog_apply's level rows only: not for tb_olog_run */
        levels_only.action = NULL;
        CHECK_EQ(tb_olog_run(&g, &v, 0, 1, &levels_only, &m, &done), TB_ERR_NULL);
        CHECK_EQ(g.ocount, 0);
    }
    CHECK_EQ(tb_olog_run(&g, &v, 2, 1, &o, &m, &done), TB_ERR_BADARG); /* first past n */
    CHECK_EQ(tb_olog_run(&g, &v, 0, 2, &o, &m, &done), TB_ERR_BADARG); /* op 'Z' */
    CHECK_EQ(done, 1);
    CHECK_EQ(g.ocount, 1);
    op[1] = 'C'; sd[1] = 2;
    CHECK_EQ(tb_olog_run(&g, &v, 1, 2, &o, &m, &done), TB_ERR_BADARG); /* side 2 */
    CHECK_EQ(done, 1);
    sd[1] = 0; endf[1] = 2;
    CHECK_EQ(tb_olog_run(&g, &v, 1, 2, &o, &m, &done), TB_ERR_BADARG); /* end 2 */
    endf[1] = 1;
    m.msg_cap = m.n_msg;
    CHECK_EQ(tb_olog_run(&g, &v, 1, 2, &o, &m, &done), TB_ERR_FULL); /* no message room */
    CHECK_EQ(done, 1);
    CHECK_EQ(g.ocount, 1);
    tb_olog_free(&g);
    CHECK_EQ(tb_olog_run(&g, &v, 0, 1, &o, &m, &done), TB_ERR_NULL); /* freed */
}

/* ---- level totals at the edge of uint64 ---------------------------------------------- */

#define BIG UINT64_C(999999999999999999) /* 18 fit on one level, the 19th would wrap */

static uint64_t total_at(const tb_olog *g, uint8_t side, int64_t px) {
    return tb__olog_ltotal(g, side, px);
}

/* what a refusal must leave as it was: orders, level totals, counters (but level_overflow) */
typedef struct fingerprint {
    size_t ocount, lcount;
    uint64_t qty_sum, totals, counts;
} fingerprint;

static fingerprint fp_of(const tb_olog *g) {
    fingerprint f;
    size_t k;
    memset(&f, 0, sizeof f);
    f.ocount = g->ocount;
    f.lcount = g->lcount;
    for (k = 0; k < g->ocap; k++) f.qty_sum += g->orders[k].qty * (k + 1); /* wraps: a checksum */
    for (k = 0; k < g->lcap; k++) f.totals += g->levels[k].total * (k + 1);
    for (k = 0; k < 2 * TB__OLOG_LWIN; k++) f.totals += g->lwin[k] * (k + 7);
    f.lcount += g->lwcount;
    f.counts = g->unknown_id + 3 * g->duplicate_add + 5 * g->overcancel + 7 * g->overfill + 11 * g->zero_qty;
    return f;
}

static int fp_same(fingerprint a, fingerprint b) {
    return a.ocount == b.ocount && a.lcount == b.lcount && a.qty_sum == b.qty_sum && a.totals == b.totals &&
           a.counts == b.counts;
}

/* one ops row, one message, through tb_olog_run: its status (the message always closes) */
static int run1(tb_olog *g, tb_olog_msgs *m, uint8_t o, uint64_t id, uint8_t side, int64_t px, uint64_t q) {
    tb_olog_ops v = ops_view();
    tb_olog_out out = bind(&big);
    size_t done = 0, msgs = m->n_msg;
    int rc;
    op[0] = o; oid[0] = id; alt[0] = 0; sd[0] = side; pxs[0] = px; qty[0] = q; endf[0] = 1;
    rc = tb_olog_run(g, &v, 0, 1, &out, m, &done);
    CHECK_EQ(done, 1);
    CHECK_EQ(m->n_msg, msgs + 1);
    if (rc == TB_ERR_OVERFLOW) CHECK(out.n_mbo == 0 && out.n_l2 == 0); /* no row for it */
    return rc;
}

/* a refused row: TB_ERR_OVERFLOW, counted once, nothing else changed */
static void refused(tb_olog *g, tb_olog_msgs *m, uint8_t o, uint64_t id, uint8_t side, int64_t px, uint64_t q) {
    const fingerprint before = fp_of(g);
    const uint64_t n = g->level_overflow, mu = m->modify_unknown + m->changed_unknown;
    CHECK_EQ(run1(g, m, o, id, side, px, q), TB_ERR_OVERFLOW);
    CHECK_EQ_U(g->level_overflow, n + 1);
    CHECK(fp_same(before, fp_of(g)));
    CHECK(m->modify_unknown + m->changed_unknown - mu <= 1); /* counted as it would be applied */
}

static void test_level_overflow_run(void) {
    tb_olog g;
    tb_olog_msgs m;
    uint64_t i;
    memset(&m, 0, sizeof m);
    m.mbo_cap = m.l2_cap = ROOM;
    m.msg_cap = NROWS;
    CHECK_EQ(tb_olog_init(&g, 0, 99), TB_OK);
    for (i = 1; i <= 18; i++) CHECK_EQ(run1(&g, &m, 'A', i, 1, 500, BIG), TB_OK);
    CHECK_EQ_U(total_at(&g, 1, 500), 18 * BIG);
    refused(&g, &m, 'A', 19, 1, 500, BIG);               /* the 19th add */
    refused(&g, &m, 'A', 19, 1, 500, UINT64_MAX);
    CHECK_EQ(run1(&g, &m, 'A', 19, 0, 500, BIG), TB_OK); /* the other side's level */
    /* a duplicate add leaves first: up to the last unit fits, one more does not */
    refused(&g, &m, 'A', 1, 1, 500, UINT64_MAX - 17 * BIG + 1);
    CHECK_EQ(run1(&g, &m, 'A', 1, 1, 500, UINT64_MAX - 17 * BIG), TB_OK);
    CHECK_EQ_U(total_at(&g, 1, 500), UINT64_MAX);
    /* modify up in place ('M', Bitstamp's 'U'), to a full level, of an unknown id (an add) */
    refused(&g, &m, 'M', 2, 1, 500, BIG + 1);
    refused(&g, &m, 'U', 2, 1, 500, BIG + 1);
    CHECK_EQ(run1(&g, &m, 'M', 2, 1, 500, BIG - 1), TB_OK); /* down: priority kept, fits */
    CHECK_EQ(run1(&g, &m, 'A', 40, 1, 501, UINT64_MAX), TB_OK);
    refused(&g, &m, 'M', 3, 1, 501, 1);
    refused(&g, &m, 'M', 77, 1, 501, 1);
    CHECK_EQ_U(m.modify_unknown, 1);
    refused(&g, &m, 'U', 78, 1, 501, 5);
    CHECK_EQ_U(m.changed_unknown, 1);
    CHECK_EQ(run1(&g, &m, 'M', 3, 1, 502, BIG), TB_OK); /* moved to a level with room */
    CHECK_EQ_U(g.level_overflow, 8);
    /* a refused row that does not end its message: the message goes on */
    {
        tb_olog_ops v = ops_view();
        tb_olog_out out = bind(&big);
        size_t done = 0;
        op[0] = 'A'; oid[0] = 50; sd[0] = 1; pxs[0] = 501; qty[0] = 9; endf[0] = 0; alt[0] = 0;
        op[1] = 'A'; oid[1] = 51; sd[1] = 1; pxs[1] = 503; qty[1] = 9; endf[1] = 1; alt[1] = 0;
        m.n_msg = 0;
        CHECK_EQ(tb_olog_run(&g, &v, 0, 2, &out, &m, &done), TB_ERR_OVERFLOW);
        CHECK_EQ(done, 1);
        CHECK_EQ(m.n_msg, 0);
        CHECK_EQ(tb_olog_run(&g, &v, done, 2, &out, &m, &done), TB_OK);
        CHECK(done == 2 && m.n_msg == 1 && out.n_mbo == 1 && big.mend[0] == 1);
        CHECK_EQ_U(total_at(&g, 1, 503), 9);
    }
    tb_olog_free(&g);
}

/* the ITCH path: adds and replaces through tb_olog_apply / tb_olog_apply_from */
static void test_level_overflow_apply(void) {
    enum { N = 6 };
    uint8_t act[N] = {'A', 'A', 'A', 'U', 'U', 'U'}, side[N] = {1, 1, 1, 0, 0, 0};
    uint64_t id[N] = {1, 2, 3, 1, 2, 7}, nid[N] = {0, 0, 0, 4, 5, 8};
    int64_t px[N] = {10, 10, 11, 11, 10, 10}, ts[N] = {0}, rec[N] = {1, 2, 3, 4, 5, 6};
    uint64_t q[N] = {UINT64_MAX - 5, 5, 9, 1, 6, 1};
    tb_itch_rows in;
    tb_olog g;
    tb_olog_out out = bind(&big);
    fingerprint before;
    size_t done = 0;
    in.action = act; in.order_id = id; in.new_id = nid; in.side = side; in.px = px; in.qty = q;
    in.ts = ts; in.record = rec; in.cap = in.n = N;
    CHECK_EQ(tb_olog_init(&g, 0, 5), TB_OK);
    /* rows: bid 10 filled to UINT64_MAX; 1 replaced at 11 (fits); 2 (5 lots) replaced by
     * 6 lots at 10 (fits once 2 has left); 7 does not rest: unknown_id */
    CHECK_EQ(tb_olog_apply(&g, &in, 4, &out, &done), TB_OK);
    CHECK_EQ(done, 4);
    CHECK_EQ_U(total_at(&g, 1, 10), 5);
    CHECK_EQ(tb_olog_apply_from(&g, &in, 4, N, &out, &done), TB_OK); /* 2 -> 5: 6 at an emptier level */
    CHECK_EQ_U(total_at(&g, 1, 10), 6);
    /* now fill it again and replace into it */
    act[0] = 'A'; id[0] = 9; side[0] = 1; px[0] = 10; q[0] = UINT64_MAX - 6;
    act[1] = 'U'; id[1] = 5; nid[1] = 6; px[1] = 10; q[1] = 7;    /* 6 leaves, 7 joins: one too many */
    act[2] = 'U'; id[2] = 5; nid[2] = 6; px[2] = 10; q[2] = 6;    /* exactly the room */
    act[3] = 'U'; id[3] = 6; nid[3] = 6; px[3] = 10; q[3] = 7;    /* same id: counted once */
    act[4] = 'A'; id[4] = 9; side[4] = 1; px[4] = 10; q[4] = UINT64_MAX - 5; /* duplicate add */
    act[5] = 'A'; id[5] = 10; side[5] = 1; px[5] = 10; q[5] = 1;
    out = bind(&big);
    CHECK_EQ(tb_olog_apply(&g, &in, 1, &out, &done), TB_OK);
    CHECK_EQ_U(total_at(&g, 1, 10), UINT64_MAX);
    before = fp_of(&g);
    CHECK_EQ(tb_olog_apply_from(&g, &in, 1, N, &out, &done), TB_ERR_OVERFLOW);
    CHECK_EQ(done, 2);
    CHECK(fp_same(before, fp_of(&g)));
    CHECK_EQ(big.mend[1], big.mend[0]); /* the refused message has no row */
    CHECK_EQ(tb_olog_apply_from(&g, &in, done, N, &out, &done), TB_ERR_OVERFLOW); /* row 3 */
    CHECK_EQ(done, 4);
    CHECK_EQ(g.ocount, 4); /* 9 and 6 (row 2's replace) at 10, 3 and 4 at 11 */
    CHECK_EQ(tb_olog_apply_from(&g, &in, done, N, &out, &done), TB_ERR_OVERFLOW); /* row 4 */
    CHECK_EQ(done, 5);
    CHECK_EQ(tb_olog_apply_from(&g, &in, done, N, &out, &done), TB_ERR_OVERFLOW); /* row 5 */
    CHECK_EQ(done, N);
    CHECK_EQ_U(total_at(&g, 1, 10), UINT64_MAX);
    CHECK_EQ_U(g.unknown_id, 1);
    CHECK_EQ_U(g.level_overflow, 4);
    CHECK_EQ(tb_olog_apply_from(&g, &in, N + 1, N, &out, &done), TB_ERR_BADARG); /* first past n */
    tb_olog_free(&g);
}

/* Tables filled to their growth threshold (48 orders in 64 slots, 30 levels in 64: the
 * next row's reserve would double both), then a clear: 'R', 'T' with and without its add.
 * None allocates, the capacities stay and what rests is right (issue 15: the reserve
 * before every row grew both tables just before the clear emptied them). A 'T' of an
 * empty side at the threshold does grow: its add needs the room. */
static void test_clear_does_not_grow(void) {
    static const struct { uint8_t op; uint8_t side; uint64_t qty; size_t left; int grows; } cases[] = {
        {'R', 0, 0, 0, 0}, {'T', 1, 0, 24, 0}, {'T', 1, 5, 25, 0}, {'T', 0, 7, 25, 0},
        {'T', 1, 5, 49, 1}, /* one side only was filled (below): side 1 is empty */
    };
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tb_olog g;
        tb_olog_msgs m;
        unsigned long before;
        uint64_t i;
        const int one_side = cases[c].grows;
        memset(&m, 0, sizeof m);
        m.mbo_cap = m.l2_cap = ROOM;
        m.msg_cap = NROWS;
        CHECK_EQ(tb_olog_init(&g, 0, 1234 + c), TB_OK);
        g.lwcap = 0; /* the levels in their table: its threshold */
        CHECK(g.ocap == 64 && g.lcap == 64);
        for (i = 0; i < 48; i++) {
            const uint8_t side = one_side ? 0 : (uint8_t)(i % 2);
            CHECK_EQ(run1(&g, &m, 'A', i + 1, side, 100 + (int64_t)(i % (one_side ? 30 : 15)), 3), TB_OK);
        }
        CHECK(g.ocount == 48 && g.lcount == 30 && g.ocap == 64 && g.lcap == 64); /* at the threshold */
        before = olog_mallocs;
        CHECK_EQ(run1(&g, &m, cases[c].op, 1000, cases[c].side, 90, cases[c].qty), TB_OK);
        CHECK_EQ_U(g.ocount, cases[c].left);
        if (cases[c].grows) {
            CHECK(olog_mallocs > before && g.ocap == 128);
        } else {
            CHECK_EQ_U(olog_mallocs, before);
            CHECK(g.ocap == 64 && g.lcap == 64);
        }
        if (cases[c].qty) CHECK_EQ_U(g.orders[tb__olog_ofind(&g, 1000)].qty, cases[c].qty);
        CHECK_EQ_U(tb_olog_export(&g, NULL, NULL, NULL, NULL, 64), cases[c].left);
        tb_olog_free(&g);
    }
}

/* The level window placed near INT64_MAX spans the top of int64 and, modulo 2^64, its
 * bottom: levels at both ends rest in it, and an 'R' names each at its own price (a slot's
 * price is worked out without a signed overflow). */
static void test_level_window_ends(void) {
    static const int64_t px[4] = {INT64_MAX - 1, INT64_MAX, INT64_MIN, INT64_MIN + 5};
    tb_olog g;
    tb_olog_msgs m;
    size_t k, j;
    memset(&m, 0, sizeof m);
    m.mbo_cap = m.l2_cap = ROOM;
    m.msg_cap = NROWS;
    CHECK_EQ(tb_olog_init(&g, 0, 99), TB_OK);
    for (k = 0; k < 4; k++) CHECK_EQ(run1(&g, &m, 'A', k + 1, (uint8_t)(k & 1), px[k], 10 + k), TB_OK);
    CHECK(g.lwcount == 4 && g.lcount == 0); /* all four in the window */
    CHECK_EQ_U(total_at(&g, 1, INT64_MAX), 11);
    CHECK_EQ_U(total_at(&g, 0, INT64_MIN), 12);
    CHECK_EQ(run1(&g, &m, 'R', 0, 0, 0, 0), TB_OK);
    CHECK_EQ(big.l2end[m.n_msg - 1], 4); /* the clear's level rows */
    for (k = 0; k < 4; k++) {
        int found = 0;
        for (j = 0; j < 4; j++) found += big.l2p[j] == px[k] && big.l2s[j] == (k & 1) && big.l2q[j] == 0;
        CHECK_EQ(found, 1);
    }
    CHECK(as_fresh(&g));
    tb_olog_free(&g);
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("olog_run_vs_naive", test_random);
    tbt_run("olog_clear_sparse", test_clear_sparse);
    tbt_run("olog_run_arguments", test_arguments);
    tbt_run("olog_level_overflow_run", test_level_overflow_run);
    tbt_run("olog_level_overflow_apply", test_level_overflow_apply);
    tbt_run("olog_clear_does_not_grow", test_clear_does_not_grow);
    tbt_run("olog_level_window_ends", test_level_window_ends);
    return tbt_finish();
}
