// bench_l3_cg.cpp — where apply_mbo's instructions and mispredicts go, under callgrind
// (make bench-l3-cg). bench_l3_ab's streams (bench_l3_stream.h: --shape touch or uniform,
// 1e5 resting, --events events): the warm-up adds go in untimed, then the events through
// apply_mbo in 4096-row chunks inside cg_mbo (not inlined), so callgrind run with
// --collect-atstart=no --toggle-collect=cg_mbo counts apply_mbo alone. Prints the rows and
// an FNV-1a hash of every row's status and of the final book's digest: a change that keeps
// the behaviour keeps it. Build as the target does (-g, -mno-avx512f: valgrind 3.19 decodes
// no AVX-512). CG_TREE (the Makefile's) picks the csrc: an old commit's to compare.
#include "bench_l3_stream.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" __attribute__((noinline)) size_t cg_mbo(L3 *l, const uint8_t *act, const uint64_t *id, const uint8_t *side,
                                                   const int64_t *px, const uint64_t *qty, size_t n, int8_t *st) {
    size_t bad_all = 0;
    for (size_t i = 0; i < n; i += 4096) {
        const size_t k = n - i < 4096 ? n - i : 4096;
        size_t bad = 0;
        (void)tb_l3_i64_n1024_apply_mbo(l, act + i, id + i, side + i, px + i, qty + i, k, st + i, &bad);
        bad_all += bad;
    }
    return bad_all;
}

int main(int argc, char **argv) {
    size_t events = 200000, resting = 100000, mo = 0;
    bool uniform = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc) events = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--resting") && i + 1 < argc) resting = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--max-orders") && i + 1 < argc) mo = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--shape") && i + 1 < argc) uniform = !strcmp(argv[++i], "uniform");
        else {
            fprintf(stderr, "usage: %s [--events N] [--resting N] [--max-orders N] [--shape touch|uniform]\n", argv[0]);
            return 2;
        }
    }
    size_t warm = 0;
    const std::vector<Ev> ev = uniform ? make_uniform_stream(resting, events, &warm) : make_stream(resting, events, &warm);
    std::vector<uint8_t> act, side;
    std::vector<uint64_t> id, qty;
    std::vector<int64_t> px;
    for (const Ev &e : ev) {
        act.push_back(e.act == 'C' ? (uint8_t)TB_MBO_CANCEL : e.act);
        side.push_back(e.side);
        id.push_back(e.id);
        qty.push_back(e.act == 'C' ? 0 : e.qty);
        px.push_back(e.px);
    }
    if (!mo) mo = 2 * resting;
    L3 *l = nullptr;
    if (tb_l3_i64_n1024_create(&l, 1000000 - 512, (uint32_t)mo, 4096, nullptr) != TB_OK) return 1;
    std::vector<int8_t> st(ev.size());
    size_t bad = 0;
    (void)tb_l3_i64_n1024_apply_mbo(l, act.data(), id.data(), side.data(), px.data(), qty.data(), warm, st.data(), &bad);
    bad += cg_mbo(l, act.data() + warm, id.data() + warm, side.data() + warm, px.data() + warm, qty.data() + warm,
                  ev.size() - warm, st.data() + warm);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (int8_t s : st) h = (h ^ (uint8_t)s) * UINT64_C(0x100000001b3);
    tb_book_i64_n1024 *b = tb_l3_i64_n1024_book(l);
    h = (h ^ (uint64_t)tb_l3_i64_n1024_count(l)) * UINT64_C(0x100000001b3);
    for (int s = 0; s < 2; s++) {
        h = (h ^ (uint64_t)tb_book_i64_n1024_best_px(b, s)) * UINT64_C(0x100000001b3);
        h = (h ^ tb_book_i64_n1024_best_qty(b, s)) * UINT64_C(0x100000001b3);
    }
    const int inv = tb_l3_i64_n1024_verify_invariants(l);
    printf("rows %zu refused %zu hash %016llx invariants %d\n", ev.size() - warm, bad, (unsigned long long)h, inv);
    tb_l3_i64_n1024_destroy(l);
    return inv != TB_OK;
}
