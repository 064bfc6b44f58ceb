// apply_mbo_driver.cpp — the A/B driver of NOTES.md: bench_l3.cpp's stream through apply_mbo only
// (chunks of 4096 rows, best of N runs, thread CPU time). Build beside bench/c/bench_l3.cpp:
//   g++ -std=c++17 -O3 -march=native -DNDEBUG -Icsrc -Ibench/c apply_mbo_driver.cpp -o drv
//   ./drv MAX_ORDERS RUNS
#define main bench_l3_orig_main
#include "bench_l3.cpp"
#undef main
int main(int argc, char **argv) {
    size_t events = 2000000, resting = 100000, maxo = 200000; int reps = 3;
    if (argc > 1) maxo = (size_t)atol(argv[1]);
    if (argc > 2) reps = atoi(argv[2]);
    size_t warm = 0;
    std::vector<Ev> ev = make_stream(resting, events, &warm);
    const size_t chunk = 4096, n = ev.size();
    std::vector<uint8_t> act(n), sd(n);
    std::vector<uint64_t> ids(n), qty(n);
    std::vector<int64_t> pxs(n);
    for (size_t i = 0; i < n; i++) {
        act[i] = ev[i].act == 'C' ? (uint8_t)TB_MBO_CANCEL : ev[i].act;
        sd[i] = ev[i].side; ids[i] = ev[i].id; qty[i] = ev[i].act == 'C' ? 0 : ev[i].qty; pxs[i] = ev[i].px;
    }
    double best = 1e30; uint64_t sink = 0;
    for (int r = 0; r < reps; r++) {
        L3 *l = nullptr; size_t bad = 0, errs = 0;
        tb_l3_i64_n1024_create(&l, 1000000 - 512, (uint32_t)maxo, 4096, nullptr);
        tb_l3_i64_n1024_apply_mbo(l, act.data(), ids.data(), sd.data(), pxs.data(), qty.data(), warm, nullptr, &bad);
        uint64_t t0 = cpu_ns();
        for (size_t i = warm; i < n; i += chunk) {
            const size_t k = std::min(chunk, n - i);
            tb_l3_i64_n1024_apply_mbo(l, &act[i], &ids[i], &sd[i], &pxs[i], &qty[i], k, nullptr, &bad);
            errs += bad;
        }
        double ns = (double)(cpu_ns() - t0) / (double)(n - warm);
        if (errs) fprintf(stderr, "refused %zu\n", errs);
        best = std::min(best, ns);
        sink += tb_book_i64_n1024_best_qty(tb_l3_i64_n1024_book(l), 1);
        tb_l3_i64_n1024_destroy(l);
    }
    printf("apply_mbo max_orders %zu: best %.1f ns/event\n", maxo, best);
    return sink == 42;
}
