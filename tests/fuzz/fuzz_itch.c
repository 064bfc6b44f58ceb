/* fuzz_itch.c — libFuzzer target for tb_itch.h, which reads untrusted ITCH files.
 * Nothing may crash, read out of bounds or hit UB (built with ASan + UBSan);
 * every row is well formed; and the rows do not depend on how the input is cut:
 * decoded in one call with room for everything, and again with reads and
 * output capacities chosen by the input, skipping malformed records the way
 * the Python reader does, the two give the same rows. The rows then go through
 * the ITCH order log (tb_order_log.h): every row applies, within 3 output rows each,
 * and the level totals it reports are never more than the orders can hold.
 *
 * Input: byte 0 = the read step (1..256), byte 1 = the output capacity (1..64)
 * and the filter (low bits), byte 2 = the price divisor (1..4); the rest is the
 * BinaryFILE stream.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_itch.c -o fuzz_itch
 *   ./fuzz_itch -max_total_time=60 corpus_dir
 */
#include "tapebook/tb_order_log.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define MAXROWS 4096

typedef struct cols {
    uint8_t action[MAXROWS], side[MAXROWS];
    uint64_t id[MAXROWS], new_id[MAXROWS], qty[MAXROWS];
    int64_t px[MAXROWS], ts[MAXROWS], rec[MAXROWS];
    size_t n;
} cols;

static cols one, cut;

static tb_itch_rows view(cols *c, size_t cap) {
    tb_itch_rows v;
    v.action = c->action + c->n; v.order_id = c->id + c->n; v.new_id = c->new_id + c->n;
    v.side = c->side + c->n; v.px = c->px + c->n; v.qty = c->qty + c->n; v.ts = c->ts + c->n;
    v.record = c->rec + c->n; v.cap = cap; v.n = 0;
    return v;
}

static void init(tb_itch_state *st, unsigned mode) {
    if (mode == 0) tb_itch_init(st, 0, NULL);
    else if (mode == 1) tb_itch_init(st, 7, NULL);
    else tb_itch_init(st, 0, "AAPL    ");
}

/* decode data[0..len) with reads of `step` bytes and `cap` rows a call, skipping bad records */
static void run(cols *c, const uint8_t *data, size_t len, size_t step, size_t cap, unsigned mode, int64_t pxd) {
    tb_itch_state st;
    size_t pos = 0, have = 0;
    c->n = 0;
    init(&st, mode);
    for (;;) {
        size_t used = 0, room = MAXROWS - c->n < cap ? MAXROWS - c->n : cap;
        tb_itch_rows v;
        int rc;
        if (room == 0) return;
        v = view(c, room);
        rc = tb_itch_decode(&st, data + pos, have - pos, pxd, 1, &v, &used);
        CHECK(used <= have - pos && v.n <= room);
        for (size_t i = 0; i < v.n; i++) {
            const size_t k = c->n + i;
            CHECK(c->action[k] == 'A' || c->action[k] == 'C' || c->action[k] == 'E' || c->action[k] == 'U');
            CHECK(c->side[k] <= 1 && c->id[k] != 0 && c->rec[k] >= 1);
            CHECK((c->action[k] == 'U') == (c->new_id[k] != 0));
        }
        c->n += v.n;
        pos += used;
        if (rc == TB_ERR_FORMAT) {
            CHECK(st.bad_len >= 2 && st.bad_len <= have - pos);
            CHECK(st.bad_reason > TB_ITCH_OK && st.bad_reason <= TB_ITCH_ZERO);
            pos += st.bad_len;
            st.records++;
            continue;
        }
        CHECK(rc == TB_OK);
        if (v.n == room) continue; /* output full: call again */
        if (have == len) return;   /* the rest is a partial record */
        have = have + step > len ? len : have + step;
    }
}

static uint8_t o_act[3 * MAXROWS], o_side[3 * MAXROWS], o_l2s[3 * MAXROWS];
static uint64_t o_id[3 * MAXROWS], o_qty[3 * MAXROWS], o_l2q[3 * MAXROWS];
static int64_t o_px[3 * MAXROWS], o_mend[MAXROWS], o_l2p[3 * MAXROWS], o_l2end[MAXROWS];

static void through_log(cols *c) {
    tb_olog g;
    tb_olog_out out;
    tb_itch_rows v;
    size_t done = 0, k;
    if (tb_olog_init(&g, 16, 0x1234u) != TB_OK) return;
    c->n = 0;
    v = view(c, MAXROWS);
    c->n = one.n;
    v.n = one.n;
    out.action = o_act; out.order_id = o_id; out.side = o_side; out.px = o_px; out.qty = o_qty;
    out.mbo_end = o_mend; out.l2_side = o_l2s; out.l2_px = o_l2p; out.l2_qty = o_l2q; out.l2_end = o_l2end;
    out.n_mbo = out.n_l2 = 0;
    CHECK(tb_olog_apply(&g, &v, one.n, &out, &done) == TB_OK && done == one.n);
    CHECK(out.n_mbo <= 3 * one.n && out.n_l2 <= 3 * one.n);
    for (k = 0; k < out.n_mbo; k++) CHECK(o_act[k] == 'A' || o_act[k] == 'C' || o_act[k] == 'E');
    CHECK(tb_olog_export(&g, NULL, NULL, NULL, NULL, (size_t)-1) == g.ocount);
    tb_olog_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    const size_t step = 1 + data[0];
    const size_t cap = 1 + (size_t)(data[1] >> 2) % 64;
    const unsigned mode = data[1] & 3u;
    const int64_t pxd = 1 + data[2] % 4;
    run(&one, data + 3, size - 3, size, MAXROWS, mode % 3, pxd);
    run(&cut, data + 3, size - 3, step, cap, mode % 3, pxd);
    if (one.n < MAXROWS && cut.n < MAXROWS) {
        CHECK(one.n == cut.n);
        for (size_t i = 0; i < one.n; i++) {
            CHECK(one.action[i] == cut.action[i] && one.id[i] == cut.id[i] && one.qty[i] == cut.qty[i]);
            CHECK(one.px[i] == cut.px[i] && one.ts[i] == cut.ts[i] && one.rec[i] == cut.rec[i]);
            CHECK(one.side[i] == cut.side[i] && one.new_id[i] == cut.new_id[i]);
        }
    }
    through_log(&one);
    return 0;
}
