/* bench_match_cg.c — where the matching engine's instructions go, per
 * operation class, under callgrind (make bench-match-cg).
 *
 * bench_match's flow (bench_match_flow.h: 20000 prefill orders, then --ops
 * operations of the mix, seed 42) is replayed through tapebook's engine, one
 * call per operation as bench_match's "tapebook" line, or through apply_ops
 * in 256-operation calls (--batch) as its "batch" line. Each operation class
 * goes through its own non-inlined function (cg_passive, cg_marketable, ...,
 * the whole batch through cg_batch), so callgrind run with
 * --collect-atstart=no --toggle-collect=<that function> counts that class's
 * instructions alone, inlined engine code included; the Makefile target runs
 * one callgrind per class and divides by the count printed here.
 *
 * Build it as the target does (-g, and -mno-avx512f: valgrind 3.19 decodes no
 * AVX-512). Output: the FNV-1a hash of every event byte (single calls; it
 * must not change with a change that keeps the behaviour) and the operations
 * per class.
 *
 * Measured 2026-12-07 (gcc 12 -O3 -march=native -mno-avx512f, valgrind 3.19,
 * CG_OPS=200000; instruction counts do not depend on the load), instructions
 * per operation, main e28c482 -> the shared plain-taker path with one copy
 * of the match loop (tb_match.inc's match()): passive 305.4 -> 307.5,
 * marketable 1078.0 -> 889.8, ioc 924.4 -> 871.4, market 963.1 -> 916.3,
 * cancel 172.1 -> 172.1, modify 171.5 -> 171.5, apply_ops 342.2 -> 326.4 (the
 * mix: 348 -> 334 a single call). Two inlined copies of the loop (one per
 * caller) saved 37 more instructions per IOC and 26 per market order but ran
 * 1 % slower in bench_match_ab (same run, load 5-7). Where a
 * passive submit's ~305 go, roughly: the public call's checks, guard and
 * register saves ~40, the id hash ~12, the field test ~23, the opposite best
 * ~30, the duplicate / room checks and the level lookup ~35, the rest itself
 * (node, queue link, L2 cell, id index insert, id marks, owner, event) ~100,
 * the rest spread thin (result, counters, the hint's fields; read off
 * callgrind's line counts, shared lines split by hand: estimates).
 * A taker: ~100 per maker filled (the maker's id hashed again and its index
 * entry erased, the head popped, the event), ~250 per level emptied (the L2
 * level erased, the best rescanned, the next level looked up).
 *
 * Measured 2026-12-07 (match7, same build and CG_OPS), 9cecf5e -> 53413ef:
 * passive 304.9 -> 289.1, marketable 901.3 -> 869.7, ioc 884.4 -> 850.9,
 * market 928.1 -> 895.5, cancel 167.1 -> 167.1, modify 166.2 -> 166.2,
 * apply_ops 327.6 -> 311.4 (mispredicts 1.31 -> 1.24 an op). A fill no longer
 * hashes the maker's id (its tag is kept beside its owner), a passive rest
 * writes the tape cell its level lookup found, apply_ops / submit_many hash
 * each id once. Tried and dropped (gcc spills more in the taker's loop, so
 * each cost instructions): the level's queue and the free list in locals
 * written back once per level (871.7 -> 893.5 per marketable), filled and
 * the fill count derived at the end (-> 879.7), the tape cell kept per level
 * (-> 878.2), a restrict event pointer (no change).
 *
 * Measured 2026-12-08 (match9, same build and CG_OPS), 0b73370 -> 6ae7d4a:
 * passive 277.1 -> 281.4, marketable 862.3 -> 862.8, ioc 843.7 -> 843.8,
 * market 887.4 -> 887.5, cancel and modify unchanged, apply_ops 309.5 ->
 * 312.1: rest()'s id insert takes its first probe step without a branch
 * (mispredicts on that loop 22117 -> 4128 over the passive submits): more
 * instructions, yet faster in bench_match_ab (single calls new/old 0.94x
 * twice, the same code in both slots 0.96x; load 11-12). Tried and dropped: a call-free
 * inline path for the common passive submit with tail calls for the rest
 * (passive 277.1 -> 261.2, no frame spills) measured 2-4 % slower there
 * (tapebook's git history: 3d0b66e, reverted in 712441a). Simulated
 * mispredicts here move with code addresses (callgrind's predictor is a
 * small untagged table): this change moved 15560 of them onto a
 * never-taken branch of side_best (0.50 -> 0.49 a passive op in all);
 * compare the loop you changed, not only the total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapebook.h"
#include "tapebook/tb_match.h"

#include "bench_match_flow.h"

#define MID_PX INT64_C(1000000)
#define EV_CAP 65536
#define CG_BATCH 256u

typedef tb_match_i64_n1024 tbm;

static tb_match_event g_ev[EV_CAP];

static int cg_apply(tbm *m, const flow_op *op, size_t *n_ev) {
    tb_submit_result res;
    switch (op->kind) {
    case FLOW_SUBMIT: return tb_match_i64_n1024_submit(m, &op->o, g_ev, EV_CAP, n_ev, &res);
    case FLOW_CANCEL: return tb_match_i64_n1024_cancel(m, op->o.id, g_ev, EV_CAP, n_ev);
    default: return tb_match_i64_n1024_modify(m, op->o.id, op->o.qty, g_ev, EV_CAP, n_ev);
    }
}

/* One function per class: callgrind's --toggle-collect picks one. */
#define CG_CLASS_FN(name)                                                                                              \
    __attribute__((noinline)) int name(tbm *m, const flow_op *op, size_t *n_ev);                                       \
    __attribute__((noinline)) int name(tbm *m, const flow_op *op, size_t *n_ev) { return cg_apply(m, op, n_ev); }
CG_CLASS_FN(cg_prefill)
CG_CLASS_FN(cg_passive)
CG_CLASS_FN(cg_marketable)
CG_CLASS_FN(cg_ioc)
CG_CLASS_FN(cg_market)
CG_CLASS_FN(cg_cancel)
CG_CLASS_FN(cg_modify)

/* ops[0..n) through apply_ops, CG_BATCH a call (a full event buffer resumes). */
__attribute__((noinline)) int cg_batch(tbm *m, const tb_match_op *ops, size_t n);
__attribute__((noinline)) int cg_batch(tbm *m, const tb_match_op *ops, size_t n) {
    size_t i = 0;
    while (i < n) {
        const size_t k = n - i < CG_BATCH ? n - i : CG_BATCH;
        size_t n_ev = 0, done = 0;
        const int st = tb_match_i64_n1024_apply_ops(m, ops + i, k, g_ev, EV_CAP, &n_ev, NULL, NULL, &done);
        if (st != TB_OK && !(st == TB_ERR_EVENTS && done > 0)) return st;
        i += done;
    }
    return TB_OK;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

int main(int argc, char **argv) {
    size_t n_ops = 200000, i;
    int batch = 0, c;
    uint64_t h = UINT64_C(1469598103934665603);
    flow fl;
    tbm *m = NULL;
    for (c = 1; c < argc; c++) {
        if (!strcmp(argv[c], "--ops") && c + 1 < argc) n_ops = (size_t)strtoull(argv[++c], NULL, 10);
        else if (!strcmp(argv[c], "--batch")) batch = 1;
        else {
            fprintf(stderr, "usage: %s [--ops N] [--batch]\n", argv[0]);
            return 2;
        }
    }
    if (flow_generate(&fl, 20000, n_ops, 20000, 42, MID_PX, TB_STP_CANCEL_NEWEST)) return 1;
    /* as bench_match's engine: the arena 1.25x the flow's largest book */
    if (tb_match_i64_n1024_create(&m, MID_PX - 512, 1u << 16, 4096, TB_STP_CANCEL_NEWEST) != TB_OK) return 1;
    for (i = 0; i < fl.n_prefill; i++) {
        size_t n = 0;
        if (cg_prefill(m, &fl.ops[i], &n) != TB_OK) return 1;
    }
    if (batch) {
        tb_match_op *ops = (tb_match_op *)calloc(fl.n, sizeof *ops);
        if (!ops) return 1;
        for (i = 0; i < fl.n; i++) {
            ops[i].order = fl.ops[i].o;
            ops[i].kind = fl.ops[i].kind == FLOW_SUBMIT   ? TB_OP_SUBMIT
                          : fl.ops[i].kind == FLOW_CANCEL ? TB_OP_CANCEL
                                                          : TB_OP_MODIFY;
        }
        if (cg_batch(m, ops + fl.n_prefill, fl.n - fl.n_prefill) != TB_OK) return 1;
        free(ops);
    } else {
        for (i = fl.n_prefill; i < fl.n; i++) {
            const flow_op *op = &fl.ops[i];
            size_t n = 0;
            int st;
            switch (op->cls) {
            case FLOW_PASSIVE: st = cg_passive(m, op, &n); break;
            case FLOW_MARKETABLE: st = cg_marketable(m, op, &n); break;
            case FLOW_IOC: st = cg_ioc(m, op, &n); break;
            case FLOW_MARKET: st = cg_market(m, op, &n); break;
            case FLOW_CANCEL_OP: st = cg_cancel(m, op, &n); break;
            default: st = cg_modify(m, op, &n); break;
            }
            if (st != TB_OK) return 1;
            h = fnv(h, g_ev, n * sizeof g_ev[0]);
        }
        printf("hash %016llx\n", (unsigned long long)h);
    }
    printf("resting %zu\n", (size_t)tb_match_i64_n1024_orders(m));
    for (c = 0; c < FLOW_CLASSES; c++) printf("ops %s %llu\n", flow_class_name[c], (unsigned long long)fl.per_class[c]);
    printf("ops batch %zu\n", fl.n - fl.n_prefill);
    tb_match_i64_n1024_destroy(m);
    flow_free(&fl);
    return 0;
}
