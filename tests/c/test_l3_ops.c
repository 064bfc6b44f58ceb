/* test_l3_ops.c — the type-erased tables the Python fast path calls:
 * tb_l3_ops (tb_l3_ops.inc, tb_l3_ops_shipped.h) and tb_match_ops
 * (tb_match_ops.inc, tb_match_ops_shipped.h), for every shipped variant.
 *
 *   - each table's ABI, size, name, width, tape size, ranges and struct
 *     sizes are those of its variant; the lookups find every shipped
 *     (bits, n) and refuse any other;
 *   - every wrapper does what the typed function does: one small flow runs
 *     through the table on one book and through the typed functions on a
 *     twin, with the same statuses, the same order / queue-position answers
 *     and the same dump after every step (engines: the same events, results
 *     and dump);
 *   - the wrappers' one rule of their own: a price or quantity that does not
 *     fit a 32-bit variant is refused with TB_ERR_BADARG before the core runs
 *     (the dump and the stats, `rejected` included, unchanged), never
 *     truncated; a 64-bit variant passes the extremes to the typed function
 *     and answers what it answers.
 *
 * The twins call the typed functions with the variant's own types; the flows
 * give them only values that fit (checked), so the twin never narrows.
 *
 * Usage: test_l3_ops [--profile quick|sanitizer|full] [--verbose]
 * (one fixed flow: every profile runs the same checks). */
#include "tapebook.h"
#include "tapebook/tb_match.h"
#include "tapebook/tb_ops_shipped.h"
#include "tapebook/tb_l3_ops_shipped.h"
#include "tapebook/tb_match_ops_shipped.h"

#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the typed twins ---------------------------------------------------------- */

/* One L3 variant through its typed functions, widened only at this boundary. */
typedef struct l3twin {
    const char *name;
    int bits;
    size_t l3_size;
    void *(*create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap);
    void (*destroy)(void *l);
    void *(*book)(void *l);
    int (*dump_size)(void *l, size_t *out);
    int (*dump)(void *l, void *buf, size_t cap, size_t *n_out);
    int (*stats)(void *l, tb_l3_stats *out);
    int (*add)(void *l, uint64_t id, int side, int64_t px, uint64_t qty);
    int (*cancel)(void *l, uint64_t id);
    int (*reduce)(void *l, uint64_t id, uint64_t qty);
    int (*execute)(void *l, uint64_t id, uint64_t qty);
    int (*modify)(void *l, uint64_t id, uint64_t qty);
    int (*amend)(void *l, uint64_t id, int64_t px, uint64_t qty);
    int (*replace)(void *l, uint64_t old_id, uint64_t new_id, int64_t px, uint64_t qty);
    int (*order)(void *l, uint64_t id, tb_l3_ops_order *out);
    int (*qpos)(void *l, uint64_t id, uint64_t *orders_ahead, uint64_t *qty_ahead);
    /* order(id, NULL) and queue_position(id, NULL, NULL) */
    int (*order_null)(void *l, uint64_t id);
    int (*qpos_null)(void *l, uint64_t id);
} l3twin;

#define L3TWIN(V, BITS, P, Q, ORD)                                                                                     \
    static void *V##_tw_create(int64_t anchor, uint32_t max_orders, uint32_t max_cap) {                                \
        V *l = NULL;                                                                                                   \
        return V##_create(&l, (P)anchor, max_orders, max_cap, NULL) == TB_OK ? (void *)l : NULL;                       \
    }                                                                                                                  \
    static void V##_tw_destroy(void *l) { CHECK_EQ(V##_destroy((V *)l), TB_OK); }                                      \
    static void *V##_tw_book(void *l) { return (void *)V##_book((V *)l); }                                             \
    static int V##_tw_dump_size(void *l, size_t *out) { return V##_dump_size((V *)l, out); }                           \
    static int V##_tw_dump(void *l, void *buf, size_t cap, size_t *n_out) { return V##_dump((V *)l, buf, cap, n_out); } \
    static int V##_tw_stats(void *l, tb_l3_stats *out) { return V##_stats((V *)l, out); }                              \
    static int V##_tw_add(void *l, uint64_t id, int side, int64_t px, uint64_t qty) {                                  \
        return V##_add((V *)l, id, side, (P)px, (Q)qty);                                                               \
    }                                                                                                                  \
    static int V##_tw_cancel(void *l, uint64_t id) { return V##_cancel((V *)l, id); }                                  \
    static int V##_tw_reduce(void *l, uint64_t id, uint64_t qty) { return V##_reduce((V *)l, id, (Q)qty); }            \
    static int V##_tw_execute(void *l, uint64_t id, uint64_t qty) { return V##_execute((V *)l, id, (Q)qty); }          \
    static int V##_tw_modify(void *l, uint64_t id, uint64_t qty) { return V##_modify((V *)l, id, (Q)qty); }            \
    static int V##_tw_amend(void *l, uint64_t id, int64_t px, uint64_t qty) {                                          \
        return V##_amend((V *)l, id, (P)px, (Q)qty);                                                                   \
    }                                                                                                                  \
    static int V##_tw_replace(void *l, uint64_t old_id, uint64_t new_id, int64_t px, uint64_t qty) {                   \
        return V##_replace((V *)l, old_id, new_id, (P)px, (Q)qty);                                                     \
    }                                                                                                                  \
    static int V##_tw_order(void *l, uint64_t id, tb_l3_ops_order *out) {                                              \
        ORD o;                                                                                                         \
        int st = V##_order((V *)l, id, &o);                                                                            \
        if (st == TB_OK) {                                                                                             \
            out->id = o.id;                                                                                            \
            out->px = (int64_t)o.px;                                                                                   \
            out->qty = (uint64_t)o.qty;                                                                                \
            out->side = (int)o.side;                                                                                   \
        }                                                                                                              \
        return st;                                                                                                     \
    }                                                                                                                  \
    static int V##_tw_qpos(void *l, uint64_t id, uint64_t *orders_ahead, uint64_t *qty_ahead) {                        \
        Q q = 0;                                                                                                       \
        int st = V##_queue_position((V *)l, id, orders_ahead, &q);                                                     \
        if (st == TB_OK) *qty_ahead = (uint64_t)q;                                                                     \
        return st;                                                                                                     \
    }                                                                                                                  \
    static int V##_tw_order_null(void *l, uint64_t id) { return V##_order((V *)l, id, NULL); }                         \
    static int V##_tw_qpos_null(void *l, uint64_t id) { return V##_queue_position((V *)l, id, NULL, NULL); }           \
    static const l3twin V##_twin = {#V,                                                                                \
                                    BITS,                                                                              \
                                    sizeof(V),                                                                         \
                                    V##_tw_create,                                                                     \
                                    V##_tw_destroy,                                                                    \
                                    V##_tw_book,                                                                       \
                                    V##_tw_dump_size,                                                                  \
                                    V##_tw_dump,                                                                       \
                                    V##_tw_stats,                                                                      \
                                    V##_tw_add,                                                                        \
                                    V##_tw_cancel,                                                                     \
                                    V##_tw_reduce,                                                                     \
                                    V##_tw_execute,                                                                    \
                                    V##_tw_modify,                                                                     \
                                    V##_tw_amend,                                                                      \
                                    V##_tw_replace,                                                                    \
                                    V##_tw_order,                                                                      \
                                    V##_tw_qpos,                                                                       \
                                    V##_tw_order_null,                                                                 \
                                    V##_tw_qpos_null};

#define L3TWIN32(n) L3TWIN(tb_l3_i32_n##n, 32, int32_t, uint32_t, tb_l3_order_i32)
#define L3TWIN64(n) L3TWIN(tb_l3_i64_n##n, 64, int64_t, uint64_t, tb_l3_order_i64)
L3TWIN32(64)
L3TWIN32(128)
L3TWIN32(256)
L3TWIN32(512)
L3TWIN32(1024)
L3TWIN32(2048)
L3TWIN32(4096)
L3TWIN32(16384)
L3TWIN64(64)
L3TWIN64(128)
L3TWIN64(256)
L3TWIN64(512)
L3TWIN64(1024)
L3TWIN64(2048)
L3TWIN64(4096)
L3TWIN64(16384)

static const l3twin *const l3twins[] = {
    &tb_l3_i32_n64_twin,  &tb_l3_i32_n128_twin,  &tb_l3_i32_n256_twin,  &tb_l3_i32_n512_twin,  &tb_l3_i32_n1024_twin,
    &tb_l3_i32_n2048_twin, &tb_l3_i32_n4096_twin, &tb_l3_i64_n64_twin,   &tb_l3_i64_n128_twin,  &tb_l3_i64_n256_twin,
    &tb_l3_i64_n512_twin, &tb_l3_i64_n1024_twin, &tb_l3_i64_n2048_twin, &tb_l3_i64_n4096_twin,
    &tb_l3_i32_n16384_twin, &tb_l3_i64_n16384_twin,
};
#define L3TWIN_COUNT (sizeof l3twins / sizeof l3twins[0])

/* One engine variant through its typed functions. */
typedef struct mtwin {
    const char *name;
    size_t engine_size;
    void *(*create)(int64_t anchor, uint32_t max_orders, uint32_t max_cap, int stp);
    void (*destroy)(void *m);
    int (*dump_size)(void *m, size_t *out);
    int (*dump)(void *m, void *buf, size_t cap, size_t *n_out);
    int (*submit)(void *m, const tb_match_order *o, tb_match_event *ev, size_t cap, size_t *n_out,
                  tb_submit_result *res);
    int (*cancel)(void *m, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out);
} mtwin;

#define MTWIN(V, P)                                                                                                    \
    static void *V##_tw_create(int64_t anchor, uint32_t max_orders, uint32_t max_cap, int stp) {                       \
        V *m = NULL;                                                                                                   \
        return V##_create(&m, (P)anchor, max_orders, max_cap, stp) == TB_OK ? (void *)m : NULL;                        \
    }                                                                                                                  \
    static void V##_tw_destroy(void *m) { CHECK_EQ(V##_destroy((V *)m), TB_OK); }                                      \
    static int V##_tw_dump_size(void *m, size_t *out) { return V##_dump_size((V *)m, out); }                           \
    static int V##_tw_dump(void *m, void *buf, size_t cap, size_t *n_out) { return V##_dump((V *)m, buf, cap, n_out); } \
    static int V##_tw_submit(void *m, const tb_match_order *o, tb_match_event *ev, size_t cap, size_t *n_out,         \
                             tb_submit_result *res) {                                                                  \
        return V##_submit((V *)m, o, ev, cap, n_out, res);                                                             \
    }                                                                                                                  \
    static int V##_tw_cancel(void *m, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out) {                    \
        return V##_cancel((V *)m, id, ev, cap, n_out);                                                                 \
    }                                                                                                                  \
    static const mtwin V##_twin = {#V,           sizeof(V),     V##_tw_create,  V##_tw_destroy,                        \
                                   V##_tw_dump_size, V##_tw_dump, V##_tw_submit, V##_tw_cancel};

#define MTWIN32(n) MTWIN(tb_match_i32_n##n, int32_t)
#define MTWIN64(n) MTWIN(tb_match_i64_n##n, int64_t)
MTWIN32(64)
MTWIN32(128)
MTWIN32(256)
MTWIN32(512)
MTWIN32(1024)
MTWIN32(2048)
MTWIN32(4096)
MTWIN32(16384)
MTWIN64(64)
MTWIN64(128)
MTWIN64(256)
MTWIN64(512)
MTWIN64(1024)
MTWIN64(2048)
MTWIN64(4096)
MTWIN64(16384)

static const mtwin *const mtwins[] = {
    &tb_match_i32_n64_twin,   &tb_match_i32_n128_twin,  &tb_match_i32_n256_twin,  &tb_match_i32_n512_twin,
    &tb_match_i32_n1024_twin, &tb_match_i32_n2048_twin, &tb_match_i32_n4096_twin, &tb_match_i64_n64_twin,
    &tb_match_i64_n128_twin,  &tb_match_i64_n256_twin,  &tb_match_i64_n512_twin,  &tb_match_i64_n1024_twin,
    &tb_match_i64_n2048_twin, &tb_match_i64_n4096_twin, &tb_match_i32_n16384_twin, &tb_match_i64_n16384_twin,
};
#define MTWIN_COUNT (sizeof mtwins / sizeof mtwins[0])

static const l3twin *l3twin_for(const char *name) {
    size_t i;
    for (i = 0; i < L3TWIN_COUNT; i++)
        if (strcmp(l3twins[i]->name, name) == 0) return l3twins[i];
    return NULL;
}

static const mtwin *mtwin_for(const char *name) {
    size_t i;
    for (i = 0; i < MTWIN_COUNT; i++)
        if (strcmp(mtwins[i]->name, name) == 0) return mtwins[i];
    return NULL;
}

/* ---- dumps ---------------------------------------------------------------------- */

/* A whole state as bytes (malloc'd; the caller frees). */
typedef struct blob {
    unsigned char *p;
    size_t n;
} blob;

static blob take_dump(int (*dump_size)(void *, size_t *), int (*dump)(void *, void *, size_t, size_t *), void *x) {
    blob b = {NULL, 0};
    size_t cap = 0;
    CHECK_EQ(dump_size(x, &cap), TB_OK);
    b.p = (unsigned char *)malloc(cap ? cap : 1);
    if (!b.p) abort();
    CHECK_EQ(dump(x, b.p, cap, &b.n), TB_OK);
    return b;
}

static int blob_same(blob a, blob b) { return a.n == b.n && memcmp(a.p, b.p, a.n) == 0; }

/* ---- the L3 tables -------------------------------------------------------------- */

static const tb_l3_ops *O;  /* the table under test */
static const l3twin *T;     /* its variant's typed twin */

static void t_l3_lookup(void) {
    size_t i;
    uint32_t sizes[] = {64, 128, 256, 512, 1024, 2048, 4096, 16384};
    CHECK_EQ(TB_L3_OPS_SHIPPED_COUNT, (int)L3TWIN_COUNT);
    for (i = 0; i < TB_L3_OPS_SHIPPED_COUNT; i++) {
        const tb_l3_ops *o = tb_l3_ops_shipped[i];
        CHECK(tb_l3_ops_find(o->bits, o->n) == o);
    }
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK(tb_l3_ops_find(32, sizes[i]) != NULL);
        CHECK(tb_l3_ops_find(64, sizes[i]) != NULL);
        CHECK(tb_l3_ops_find(16, sizes[i]) == NULL);
        CHECK(tb_l3_ops_find(0, sizes[i]) == NULL);
        CHECK(tb_l3_ops_find(-32, sizes[i]) == NULL);
        CHECK(tb_l3_ops_find(128, sizes[i]) == NULL);
        CHECK(tb_l3_ops_find(32, sizes[i] + 1u) == NULL);
        CHECK(tb_l3_ops_find(64, sizes[i] - 1u) == NULL);
    }
    CHECK(tb_l3_ops_find(32, 0) == NULL);
    CHECK(tb_l3_ops_find(64, 32) == NULL);
    CHECK(tb_l3_ops_find(64, 8192) == NULL);
    CHECK(tb_l3_ops_find(32, UINT32_MAX) == NULL);
}

static void t_l3_fields(void) {
    CHECK(T != NULL);
    if (!T) return;
    CHECK_EQ_U(O->abi, TB_L3_OPS_ABI);
    CHECK_EQ_U(O->size, sizeof(tb_l3_ops));
    CHECK(strcmp(O->name, T->name) == 0);
    CHECK_EQ(O->bits, T->bits);
    CHECK_EQ_U(O->l3_size, T->l3_size);
    CHECK_EQ(O->tmin, T->bits == 32 ? (int64_t)INT32_MIN : INT64_MIN);
    CHECK_EQ(O->tmax, T->bits == 32 ? (int64_t)INT32_MAX : INT64_MAX);
    CHECK_EQ_U(O->qmax, T->bits == 32 ? (uint64_t)UINT32_MAX : UINT64_MAX);
    CHECK_EQ(O->err_unknown, TB_ERR_UNKNOWN);
    CHECK(O->book_ops != NULL);
    if (O->book_ops) {
        /* the L2 book underneath is the same width and tape size */
        CHECK(O->book_ops == tb_ops_find(O->bits, O->n));
        CHECK_EQ(O->book_ops->bits, O->bits);
        CHECK_EQ_U(O->book_ops->n, O->n);
        CHECK_EQ(O->book_ops->tmin, O->tmin);
        CHECK_EQ(O->book_ops->tmax, O->tmax);
        CHECK_EQ_U(O->book_ops->qmax, O->qmax);
    }
    CHECK(O->book && O->add && O->cancel && O->reduce && O->execute && O->modify && O->amend && O->replace &&
          O->order && O->queue_position);
}

/* The two books: `a` through the table, `b` (the twin) through the typed functions. */
typedef struct l3pair {
    void *a, *b;
} l3pair;

static l3pair l3pair_make(int64_t anchor) {
    l3pair p;
    p.a = T->create(anchor, 64, 64);
    p.b = T->create(anchor, 64, 64);
    CHECK(p.a != NULL && p.b != NULL);
    return p;
}

static void l3pair_free(l3pair p) {
    if (p.a) T->destroy(p.a);
    if (p.b) T->destroy(p.b);
}

static int fits(int64_t px, uint64_t qty) { return px >= O->tmin && px <= O->tmax && qty <= O->qmax; }

/* Both books hold the same state: the same dump, the same answers of order(). */
static void l3_same(l3pair p, const uint64_t *ids, size_t n_ids) {
    blob da = take_dump(T->dump_size, T->dump, p.a), db = take_dump(T->dump_size, T->dump, p.b);
    size_t i;
    CHECK(blob_same(da, db));
    free(da.p);
    free(db.p);
    for (i = 0; i < n_ids; i++) {
        tb_l3_ops_order oa, ob;
        uint64_t ka = 7, qa = 7, kb = 7, qb = 7;
        int sa, sb;
        memset(&oa, 0xAB, sizeof oa);
        memset(&ob, 0xAB, sizeof ob);
        sa = O->order(p.a, ids[i], &oa);
        sb = T->order(p.b, ids[i], &ob);
        CHECK_EQ(sa, sb);
        if (sa == TB_OK && sb == TB_OK) {
            CHECK_EQ_U(oa.id, ob.id);
            CHECK_EQ(oa.px, ob.px);
            CHECK_EQ_U(oa.qty, ob.qty);
            CHECK_EQ(oa.side, ob.side);
        } else {
            /* out is written only on success */
            CHECK_EQ_U(oa.id, UINT64_C(0xABABABABABABABAB));
        }
        sa = O->queue_position(p.a, ids[i], &ka, &qa);
        sb = T->qpos(p.b, ids[i], &kb, &qb);
        CHECK_EQ(sa, sb);
        CHECK_EQ_U(ka, kb);
        CHECK_EQ_U(qa, qb);
        /* NULL outputs are passed through: the same status */
        CHECK_EQ(O->order(p.a, ids[i], NULL), T->order_null(p.b, ids[i]));
        CHECK_EQ(O->queue_position(p.a, ids[i], NULL, NULL), T->qpos_null(p.b, ids[i]));
    }
}

enum { OP_ADD, OP_CANCEL, OP_REDUCE, OP_EXECUTE, OP_MODIFY, OP_AMEND, OP_REPLACE };

typedef struct l3step {
    int op;
    uint64_t id, id2;
    int side;
    int64_t dpx; /* price relative to the anchor */
    uint64_t qty;
    int expect; /* the typed function's status (documents the flow; the twin checks it) */
} l3step;

/* One step on both books: the same status. */
static int l3_step_both(l3pair p, int op, uint64_t id, uint64_t id2, int side, int64_t px, uint64_t qty) {
    int sa = TB_ERR_BADARG, sb = TB_ERR_BADARG;
    CHECK_MSG(fits(px, qty), "the twin is only given values that fit (%s)", O->name);
    switch (op) {
    case OP_ADD:
        sa = O->add(p.a, id, side, px, qty);
        sb = T->add(p.b, id, side, px, qty);
        break;
    case OP_CANCEL:
        sa = O->cancel(p.a, id);
        sb = T->cancel(p.b, id);
        break;
    case OP_REDUCE:
        sa = O->reduce(p.a, id, qty);
        sb = T->reduce(p.b, id, qty);
        break;
    case OP_EXECUTE:
        sa = O->execute(p.a, id, qty);
        sb = T->execute(p.b, id, qty);
        break;
    case OP_MODIFY:
        sa = O->modify(p.a, id, qty);
        sb = T->modify(p.b, id, qty);
        break;
    case OP_AMEND:
        sa = O->amend(p.a, id, px, qty);
        sb = T->amend(p.b, id, px, qty);
        break;
    case OP_REPLACE:
        sa = O->replace(p.a, id, id2, px, qty);
        sb = T->replace(p.b, id, id2, px, qty);
        break;
    default: CHECK(0);
    }
    CHECK_MSG(sa == sb, "op %d id %llu: table %d, typed %d", op, (unsigned long long)id, sa, sb);
    return sa;
}

static const uint64_t flow_ids[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 99};
#define FLOW_IDS (sizeof flow_ids / sizeof flow_ids[0])

/* A small flow touching every wrapper, successes and the core's own refusals. */
static void t_l3_flow(void) {
    static const l3step steps[] = {
        {OP_ADD, 1, 0, TB_BID, 0, 5, TB_OK},
        {OP_ADD, 2, 0, TB_BID, 0, 7, TB_OK},
        {OP_ADD, 3, 0, TB_BID, -2, 4, TB_OK},
        {OP_ADD, 4, 0, TB_ASK, 3, 6, TB_OK},
        {OP_ADD, 5, 0, TB_ASK, 3, 2, TB_OK},
        {OP_ADD, 6, 0, TB_ASK, 900, 1, TB_OK},       /* beyond the tape */
        {OP_ADD, 7, 0, TB_BID, -5000, 3, TB_OK},
        {OP_ADD, 1, 0, TB_BID, 1, 1, TB_ERR_DUPLICATE},
        {OP_ADD, 8, 0, 7, 1, 1, TB_ERR_SIDE},
        {OP_ADD, 8, 0, TB_BID, 1, 0, TB_ERR_BADARG}, /* the core's own refusal of qty 0 */
        {OP_REDUCE, 2, 0, 0, 0, 3, TB_OK},
        {OP_REDUCE, 2, 0, 0, 0, 100, TB_ERR_BADARG},
        {OP_REDUCE, 99, 0, 0, 0, 1, TB_ERR_UNKNOWN},
        {OP_EXECUTE, 4, 0, 0, 0, 1, TB_OK},
        {OP_EXECUTE, 5, 0, 0, 0, 2, TB_OK},          /* all of it: gone */
        {OP_EXECUTE, 99, 0, 0, 0, 1, TB_ERR_UNKNOWN},
        {OP_MODIFY, 1, 0, 0, 0, 9, TB_OK},
        {OP_MODIFY, 3, 0, 0, 0, 2, TB_OK},
        {OP_MODIFY, 3, 0, 0, 0, 0, TB_ERR_BADARG},
        {OP_AMEND, 2, 0, 0, 1, 4, TB_OK},
        {OP_AMEND, 1, 0, 0, 0, 9, TB_OK},
        {OP_AMEND, 99, 0, 0, 0, 9, TB_ERR_UNKNOWN},
        {OP_REPLACE, 1, 9, 0, 2, 3, TB_OK},
        {OP_REPLACE, 9, 4, 0, 2, 3, TB_ERR_DUPLICATE}, /* the new id rests */
        {OP_REPLACE, 99, 10, 0, 2, 3, TB_ERR_UNKNOWN},
        {OP_CANCEL, 6, 0, 0, 0, 0, TB_OK},
        {OP_CANCEL, 6, 0, 0, 0, 0, TB_ERR_UNKNOWN},
        {OP_ADD, 11, 0, TB_ASK, 2, 8, TB_OK},
        {OP_ADD, 12, 0, TB_ASK, 2, 1, TB_OK},
        {OP_EXECUTE, 11, 0, 0, 0, 8, TB_OK},
        {OP_REPLACE, 12, 12, 0, 3, 5, TB_OK},          /* the same id, a new price */
        {OP_CANCEL, 7, 0, 0, 0, 0, TB_OK},
    };
    const int64_t anchor = 100000;
    l3pair p = l3pair_make(anchor);
    size_t i;
    if (!p.a || !p.b) {
        l3pair_free(p);
        return;
    }
    CHECK(O->book(p.a) == T->book(p.a));
    CHECK(O->book(p.b) == T->book(p.b));
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const l3step *s = &steps[i];
        CHECK_EQ(l3_step_both(p, s->op, s->id, s->id2, s->side, anchor + s->dpx, s->qty), s->expect);
        l3_same(p, flow_ids, FLOW_IDS);
    }
    l3pair_free(p);
}

/* The state and the counters, to show that a refused call changed and counted nothing. */
typedef struct l3state {
    blob dump;
    tb_l3_stats st;
} l3state;

static l3state l3_state(void *l) {
    l3state s;
    s.dump = take_dump(T->dump_size, T->dump, l);
    memset(&s.st, 0, sizeof s.st);
    CHECK_EQ(T->stats(l, &s.st), TB_OK);
    return s;
}

static int l3_unchanged(void *l, const l3state *before) {
    l3state now = l3_state(l);
    int same = blob_same(now.dump, before->dump) && memcmp(&now.st, &before->st, sizeof now.st) == 0;
    free(now.dump.p);
    return same;
}

/* Every wrapper that takes a price or a quantity, with (px, qty), on a book
 * holding orders 1 (bid) and 2 (ask): the statuses it answers. */
typedef struct wide_answers {
    int add, reduce, execute, modify, amend, replace;
} wide_answers;

static wide_answers wide_calls(void *l, int64_t px, uint64_t qty) {
    wide_answers w;
    w.add = O->add(l, 50, TB_BID, px, qty);
    w.reduce = O->reduce(l, 1, qty);
    w.execute = O->execute(l, 1, qty);
    w.modify = O->modify(l, 1, qty);
    w.amend = O->amend(l, 2, px, qty);
    w.replace = O->replace(l, 2, 51, px, qty);
    return w;
}

static void *wide_book(int64_t anchor) {
    void *l = T->create(anchor, 64, 64);
    CHECK(l != NULL);
    if (!l) return NULL;
    CHECK_EQ(T->add(l, 1, TB_BID, anchor, 10), TB_OK);
    CHECK_EQ(T->add(l, 2, TB_ASK, anchor + 1, 10), TB_OK);
    return l;
}

/* 32-bit variants: every value outside the type is refused with TB_ERR_BADARG,
 * nothing changed, nothing counted (rejected included). */
static void t_l3_narrow_refused(void) {
    /* the last two truncate to the anchor, a price that would rest */
    static const int64_t bad_px[] = {(int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN,
                                     (INT64_C(1) << 32) + 100000, -(INT64_C(1) << 32) + 100000};
    static const uint64_t bad_qty[] = {(uint64_t)UINT32_MAX + 1u, UINT64_MAX, UINT64_C(1) << 32 | 5u};
    const int64_t anchor = 100000;
    void *l;
    l3state before;
    size_t i;
    if (O->bits != 32) return;
    l = wide_book(anchor);
    if (!l) return;
    before = l3_state(l);
    for (i = 0; i < sizeof bad_px / sizeof bad_px[0]; i++) {
        /* a quantity that fits: only the price is out of range */
        CHECK_EQ(O->add(l, 50, TB_BID, bad_px[i], 1), TB_ERR_BADARG);
        CHECK_EQ(O->amend(l, 1, bad_px[i], 1), TB_ERR_BADARG);
        CHECK_EQ(O->replace(l, 1, 51, bad_px[i], 1), TB_ERR_BADARG);
        CHECK_MSG(l3_unchanged(l, &before), "px %lld changed the book", (long long)bad_px[i]);
    }
    for (i = 0; i < sizeof bad_qty / sizeof bad_qty[0]; i++) {
        wide_answers w = wide_calls(l, anchor, bad_qty[i]);
        CHECK_EQ(w.add, TB_ERR_BADARG);
        CHECK_EQ(w.reduce, TB_ERR_BADARG);
        CHECK_EQ(w.execute, TB_ERR_BADARG);
        CHECK_EQ(w.modify, TB_ERR_BADARG);
        CHECK_EQ(w.amend, TB_ERR_BADARG);
        CHECK_EQ(w.replace, TB_ERR_BADARG);
        CHECK_MSG(l3_unchanged(l, &before), "qty %llu changed the book", (unsigned long long)bad_qty[i]);
    }
    /* both out of range at once */
    CHECK_EQ(O->add(l, 50, TB_ASK, INT64_MAX, UINT64_MAX), TB_ERR_BADARG);
    CHECK(l3_unchanged(l, &before));
    free(before.dump.p);
    T->destroy(l);
}

/* Values at the edge of the type, which fit: the table answers what the typed
 * function answers, and the two books stay the same (every width). For the
 * 64-bit variants these are the INT64 / UINT64 extremes. */
static void t_l3_edges_as_typed(void) {
    const int64_t px_edges[] = {O->tmax, O->tmin, O->tmax - (int64_t)O->n, O->tmin + (int64_t)O->n};
    const uint64_t qty_edges[] = {O->qmax, O->qmax - 1u, 1};
    size_t i, j;
    uint64_t next = 100;
    for (i = 0; i < sizeof px_edges / sizeof px_edges[0]; i++) {
        /* books anchored at the edge, so that prices there may rest */
        int64_t anchor = px_edges[i] > 0 ? O->tmax - (int64_t)O->n - 8 : O->tmin + (int64_t)O->n + 8;
        l3pair p = l3pair_make(anchor);
        static const uint64_t ids[] = {1, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112};
        if (!p.a || !p.b) {
            l3pair_free(p);
            continue;
        }
        (void)l3_step_both(p, OP_ADD, 1, 0, TB_BID, anchor, 10);
        for (j = 0; j < sizeof qty_edges / sizeof qty_edges[0]; j++) {
            uint64_t q = qty_edges[j];
            (void)l3_step_both(p, OP_ADD, next, 0, px_edges[i] > 0 ? TB_ASK : TB_BID, px_edges[i], q);
            (void)l3_step_both(p, OP_REDUCE, next, 0, 0, 0, q);
            (void)l3_step_both(p, OP_MODIFY, 1, 0, 0, 0, q);
            (void)l3_step_both(p, OP_EXECUTE, 1, 0, 0, 0, q);
            (void)l3_step_both(p, OP_AMEND, next, 0, 0, px_edges[i], q);
            (void)l3_step_both(p, OP_REPLACE, next, next + 1, 0, px_edges[i], q);
            l3_same(p, ids, sizeof ids / sizeof ids[0]);
            next += 2;
        }
        l3pair_free(p);
    }
}

/* A level filled to the largest total: order() and queue_position() widen
 * the typed answers back without loss. */
static void t_l3_wide_answers(void) {
    const int64_t anchor = O->tmax - (int64_t)O->n - 8;
    l3pair p = l3pair_make(anchor);
    tb_l3_ops_order o;
    uint64_t k = 0, q = 0;
    static const uint64_t ids[] = {1, 2, 3, 4, UINT64_MAX};
    if (!p.a || !p.b) {
        l3pair_free(p);
        return;
    }
    CHECK_EQ(l3_step_both(p, OP_ADD, 1, 0, TB_ASK, anchor + 1, O->qmax - 3u), TB_OK);
    CHECK_EQ(l3_step_both(p, OP_ADD, 2, 0, TB_ASK, anchor + 1, 3), TB_OK);
    CHECK_EQ(l3_step_both(p, OP_ADD, UINT64_MAX, 0, TB_BID, anchor - 1, 3), TB_OK);
    CHECK_EQ(O->order(p.a, 1, &o), TB_OK);
    CHECK_EQ_U(o.id, 1);
    CHECK_EQ(o.px, anchor + 1);
    CHECK_EQ_U(o.qty, O->qmax - 3u);
    CHECK_EQ(o.side, TB_ASK);
    CHECK_EQ(O->order(p.a, UINT64_MAX, &o), TB_OK);
    CHECK_EQ_U(o.id, UINT64_MAX);
    CHECK_EQ(o.side, TB_BID);
    CHECK_EQ(O->queue_position(p.a, 2, &k, &q), TB_OK);
    CHECK_EQ_U(k, 1);
    CHECK_EQ_U(q, O->qmax - 3u);
    /* one more would overflow the level: the core's own refusal, through the table too */
    CHECK_EQ(l3_step_both(p, OP_ADD, 4, 0, TB_ASK, anchor + 1, 1), TB_ERR_OVERFLOW);
    CHECK_EQ(O->queue_position(p.a, 3, &k, &q), O->err_unknown);
    CHECK_EQ(O->order(p.a, 3, &o), O->err_unknown);
    l3_same(p, ids, sizeof ids / sizeof ids[0]);
    l3pair_free(p);
}

static void run_l3(const void *arg) {
    void (*fn)(void) = *(void (*const *)(void))arg;
    fn();
}

/* ---- the engine tables ---------------------------------------------------------- */

static const tb_match_ops *MO; /* the table under test */
static const mtwin *MT;        /* its variant's typed twin */

static void t_match_lookup(void) {
    size_t i;
    CHECK_EQ(TB_MATCH_OPS_SHIPPED_COUNT, (int)MTWIN_COUNT);
    for (i = 0; i < TB_MATCH_OPS_SHIPPED_COUNT; i++) {
        const tb_match_ops *o = tb_match_ops_shipped[i];
        CHECK(tb_match_ops_find(o->bits, o->n) == o);
        /* the L3 table of the same variant exists too */
        CHECK(tb_l3_ops_find(o->bits, o->n) != NULL);
    }
    CHECK(tb_match_ops_find(16, 64) == NULL);
    CHECK(tb_match_ops_find(0, 64) == NULL);
    CHECK(tb_match_ops_find(128, 1024) == NULL);
    CHECK(tb_match_ops_find(32, 0) == NULL);
    CHECK(tb_match_ops_find(32, 65) == NULL);
    CHECK(tb_match_ops_find(64, 8192) == NULL);
    CHECK(tb_match_ops_find(64, UINT32_MAX) == NULL);
}

static void t_match_fields(void) {
    CHECK(MT != NULL);
    if (!MT) return;
    CHECK_EQ_U(MO->abi, TB_MATCH_OPS_ABI);
    CHECK_EQ_U(MO->size, sizeof(tb_match_ops));
    CHECK(strcmp(MO->name, MT->name) == 0);
    CHECK(MO->bits == 32 || MO->bits == 64);
    CHECK_EQ_U(MO->engine_size, MT->engine_size);
    CHECK_EQ_U(MO->order_size, sizeof(tb_match_order));
    CHECK_EQ_U(MO->event_size, sizeof(tb_match_event));
    CHECK_EQ_U(MO->result_size, sizeof(tb_submit_result));
    CHECK_EQ(MO->err_events, TB_ERR_EVENTS);
    CHECK(MO->submit != NULL && MO->cancel != NULL);
}

#define EV_CAP 16

static void m_same_dump(void *a, void *b) {
    blob da = take_dump(MT->dump_size, MT->dump, a), db = take_dump(MT->dump_size, MT->dump, b);
    CHECK(blob_same(da, db));
    free(da.p);
    free(db.p);
}

/* One submit on both engines (a through the table, b typed) with an event
 * buffer of cap: the same status, events and result. Returns the status and
 * the result's status (-1 when the call failed). */
static int m_submit_both(void *a, void *b, const tb_match_order *o, size_t cap, int *res_status) {
    tb_match_event ea[EV_CAP], eb[EV_CAP];
    tb_submit_result ra, rb;
    size_t na = 99, nb = 99;
    int sa, sb;
    memset(ea, 0, sizeof ea);
    memset(eb, 0, sizeof eb);
    memset(&ra, 0x5A, sizeof ra);
    memset(&rb, 0x5A, sizeof rb);
    sa = MO->submit(a, o, ea, cap, &na, &ra);
    sb = MT->submit(b, o, eb, cap, &nb, &rb);
    CHECK_MSG(sa == sb, "submit id %llu px %lld: table %d, typed %d", (unsigned long long)o->id, (long long)o->px,
              sa, sb);
    CHECK_EQ_U(na, nb);
    CHECK(memcmp(&ra, &rb, sizeof ra) == 0);
    CHECK(memcmp(ea, eb, sizeof ea) == 0);
    m_same_dump(a, b);
    if (res_status) *res_status = sa == TB_OK ? (int)ra.status : -1;
    return sa;
}

static void m_cancel_both(void *a, void *b, uint64_t id, size_t cap) {
    tb_match_event ea[EV_CAP], eb[EV_CAP];
    size_t na = 99, nb = 99;
    memset(ea, 0, sizeof ea);
    memset(eb, 0, sizeof eb);
    CHECK_EQ(MO->cancel(a, id, ea, cap, &na), MT->cancel(b, id, eb, cap, &nb));
    CHECK_EQ_U(na, nb);
    CHECK(memcmp(ea, eb, sizeof ea) == 0);
    m_same_dump(a, b);
}

static tb_match_order m_order(uint64_t id, int side, int64_t px, uint64_t qty, uint32_t owner, int tif, int flags) {
    tb_match_order o;
    memset(&o, 0, sizeof o);
    o.id = id;
    o.side = (uint8_t)side;
    o.px = px;
    o.qty = qty;
    o.owner = owner;
    o.tif = (uint8_t)tif;
    o.flags = (uint8_t)flags;
    return o;
}

/* Rests, fills, partial fills, IOC / FOK / post-only / market, STP, a too
 * small event buffer, cancels, and out-of-range values: through the table as
 * through the typed function. */
static void t_match_flow(void) {
    const int64_t a0 = 100000;
    const int64_t pmax = MO->bits == 32 ? (int64_t)INT32_MAX : INT64_MAX;
    const int64_t pmin = MO->bits == 32 ? (int64_t)INT32_MIN : INT64_MIN;
    const uint64_t qmax = MO->bits == 32 ? (uint64_t)UINT32_MAX : UINT64_MAX;
    void *a, *b;
    size_t i;
    /* the order, the typed function's status and the result's status (-1: none) */
    struct m_step {
        tb_match_order o;
        int st, res;
    } flow[16];
    size_t n = 0;
    if (!MT) return;
    a = MT->create(a0, 64, 64, TB_STP_CANCEL_NEWEST);
    b = MT->create(a0, 64, 64, TB_STP_CANCEL_NEWEST);
    CHECK(a != NULL && b != NULL);
    if (!a || !b) {
        if (a) MT->destroy(a);
        if (b) MT->destroy(b);
        return;
    }
#define STEP(ord, status, result) (flow[n].o = (ord), flow[n].st = (status), flow[n].res = (result), n++)
    STEP(m_order(1, TB_ASK, a0 + 2, 5, 1, TB_GTC, 0), TB_OK, TB_SUBMIT_RESTED);
    STEP(m_order(2, TB_ASK, a0 + 2, 4, 2, TB_GTC, 0), TB_OK, TB_SUBMIT_RESTED);
    STEP(m_order(3, TB_ASK, a0 + 3, 9, 3, TB_GTC, 0), TB_OK, TB_SUBMIT_RESTED);
    STEP(m_order(4, TB_BID, a0 - 1, 6, 4, TB_GTC, 0), TB_OK, TB_SUBMIT_RESTED);
    STEP(m_order(5, TB_BID, a0 + 2, 7, 5, TB_GTC, 0), TB_OK, TB_SUBMIT_FILLED); /* 1, part of 2 */
    STEP(m_order(6, TB_BID, a0 + 3, 50, 6, TB_FOK, 0), TB_OK, TB_SUBMIT_CANCELLED);
    STEP(m_order(7, TB_BID, a0 + 3, 3, 7, TB_GTC, TB_ORDER_POST_ONLY), TB_OK, TB_SUBMIT_REJECTED);
    STEP(m_order(8, TB_BID, 0, 4, 8, TB_IOC, TB_ORDER_MARKET), TB_OK, TB_SUBMIT_FILLED);
    STEP(m_order(9, TB_BID, a0 + 3, 100, 3, TB_GTC, 0), TB_OK, TB_SUBMIT_CANCELLED); /* STP: owner 3 */
    STEP(m_order(4, TB_BID, a0 - 2, 1, 0, TB_GTC, 0), TB_ERR_DUPLICATE, -1); /* 4 rests */
    STEP(m_order(0, TB_BID, a0 - 2, 1, 0, TB_GTC, 0), TB_ERR_BADARG, -1);
    STEP(m_order(10, TB_BID, a0 - 2, 0, 0, TB_GTC, 0), TB_ERR_BADARG, -1);
    STEP(m_order(11, 3, a0 - 2, 1, 0, TB_GTC, 0), TB_ERR_SIDE, -1);
#undef STEP
    for (i = 0; i < n; i++) {
        int res = -2;
        CHECK_EQ(m_submit_both(a, b, &flow[i].o, EV_CAP, &res), flow[i].st);
        CHECK_EQ(res, flow[i].res);
    }
    /* a crossing order with no room for its events: TB_ERR_EVENTS, nothing changed */
    {
        tb_match_order o = m_order(20, TB_ASK, a0 - 5, 1000, 0, TB_GTC, 0);
        CHECK_EQ(m_submit_both(a, b, &o, 0, NULL), TB_ERR_EVENTS);
        CHECK_EQ(m_submit_both(a, b, &o, 1, NULL), TB_ERR_EVENTS);
        CHECK_EQ(MO->submit(a, &o, NULL, 0, NULL, NULL), MT->submit(b, &o, NULL, 0, NULL, NULL));
        m_same_dump(a, b);
    }
    /* the type's edges and beyond: the typed function's answer, both ways */
    {
        const int64_t pxs[] = {pmax, pmin, pmax - 64, pmin + 64, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
                               INT64_MAX, INT64_MIN};
        const uint64_t qtys[] = {qmax, (uint64_t)UINT32_MAX + 1u, UINT64_MAX, 1};
        size_t j;
        uint64_t id = 30;
        for (i = 0; i < sizeof pxs / sizeof pxs[0]; i++)
            for (j = 0; j < sizeof qtys / sizeof qtys[0]; j++) {
                tb_match_order o = m_order(id++, pxs[i] > 0 ? TB_ASK : TB_BID, pxs[i], qtys[j], 0, TB_GTC, 0);
                (void)m_submit_both(a, b, &o, EV_CAP, NULL);
                o.flags = TB_ORDER_MARKET | TB_ORDER_PROTECT;
                o.tif = TB_IOC;
                o.id = id++;
                (void)m_submit_both(a, b, &o, EV_CAP, NULL);
            }
    }
    m_cancel_both(a, b, 4, EV_CAP);
    m_cancel_both(a, b, 4, EV_CAP); /* no longer rests */
    m_cancel_both(a, b, 3, 0);       /* no room for its event */
    m_cancel_both(a, b, 3, EV_CAP);
    m_cancel_both(a, b, 0, EV_CAP);
    m_cancel_both(a, b, UINT64_MAX, EV_CAP);
    MT->destroy(a);
    MT->destroy(b);
}

/* ---- main ------------------------------------------------------------------------ */

typedef void (*test_fn)(void);

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        test_fn fn;
    } l3_tests[] = {
        {"l3_fields", t_l3_fields},
        {"l3_flow", t_l3_flow},
        {"l3_narrow_refused", t_l3_narrow_refused},
        {"l3_edges_as_typed", t_l3_edges_as_typed},
        {"l3_wide_answers", t_l3_wide_answers},
    };
    static const struct {
        const char *name;
        test_fn fn;
    } m_tests[] = {
        {"match_fields", t_match_fields},
        {"match_flow", t_match_flow},
    };
    size_t v, t;
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("l3_lookup", t_l3_lookup);
    tbt_run("match_lookup", t_match_lookup);
    for (v = 0; v < TB_L3_OPS_SHIPPED_COUNT; v++) {
        O = tb_l3_ops_shipped[v];
        T = l3twin_for(O->name);
        for (t = 0; t < sizeof l3_tests / sizeof l3_tests[0]; t++)
            tbt_run_arg(l3_tests[t].name, O->name, run_l3, &l3_tests[t].fn);
    }
    for (v = 0; v < TB_MATCH_OPS_SHIPPED_COUNT; v++) {
        MO = tb_match_ops_shipped[v];
        MT = mtwin_for(MO->name);
        for (t = 0; t < sizeof m_tests / sizeof m_tests[0]; t++)
            tbt_run_arg(m_tests[t].name, MO->name, run_l3, &m_tests[t].fn);
    }
    return tbt_finish();
}
