// bench_l3.cpp — the L3 book (tb_l3_i64_n1024) against a straightforward
// reference (std::unordered_map id -> order, std::map price -> level, std::list
// FIFO per level), same event stream, same run.
//
// Stream: a book warmed up to ~1e5 resting orders clustered at the touch
// (geometric distance from the mid), then an MBO mix: ~45% add, ~40% cancel
// (3 in 4 of a young order: one of the last 4096 added, as real order
// lifetimes are short; the rest uniform over the book), ~10% execute (the
// front order of the best level, partial or full), ~5% modify (mostly down).
// The mid drifts slowly. The stream is generated once
// (with tapebook as the bookkeeper: not timed) and replayed into fresh books.
//
// Reports ns/event (mean over the whole replay) and the per-event latency
// p50 / p99 / p99.9 (each event timed with clock_gettime; the timer's own
// median cost is subtracted), bytes per resting order of the L3 book (its
// arena, level records and indexes at max_orders, plus the spill), and the
// ratio reference / tapebook. Written in C++ only for the reference's std
// containers; the tapebook side is the plain C API.
//
// Usage: bench_l3 [--events N] [--resting N] [--md FILE]
#include "tapebook.h"
#include "bench_l3_stream.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

// ---- the reference: hash map + sorted map + linked list ------------------------------
struct RefBook {
    struct Level {
        uint64_t total = 0;
        std::list<uint64_t> q;
    };
    struct Ord {
        int side;
        int64_t px;
        uint64_t qty;
        std::list<uint64_t>::iterator it;
    };
    std::unordered_map<uint64_t, Ord> orders;
    std::map<int64_t, Level> side[2];

    int add(uint64_t id, int s, int64_t px, uint64_t qty) {
        if (orders.count(id)) return -30;
        Level &lv = side[s][px];
        lv.q.push_back(id);
        lv.total += qty;
        orders.emplace(id, Ord{s, px, qty, std::prev(lv.q.end())});
        return 0;
    }
    int remove(std::unordered_map<uint64_t, Ord>::iterator o) {
        auto lit = side[o->second.side].find(o->second.px);
        lit->second.total -= o->second.qty;
        lit->second.q.erase(o->second.it);
        if (lit->second.q.empty()) side[o->second.side].erase(lit);
        orders.erase(o);
        return 0;
    }
    int cancel(uint64_t id) {
        auto o = orders.find(id);
        return o == orders.end() ? -31 : remove(o);
    }
    int execute(uint64_t id, uint64_t qty) {
        auto o = orders.find(id);
        if (o == orders.end()) return -31;
        if (qty == 0 || qty > o->second.qty) return -25;
        if (qty == o->second.qty) return remove(o);
        o->second.qty -= qty;
        side[o->second.side][o->second.px].total -= qty;
        return 0;
    }
    int modify(uint64_t id, uint64_t qty) {
        auto o = orders.find(id);
        if (o == orders.end()) return -31;
        Level &lv = side[o->second.side][o->second.px];
        lv.total = lv.total - o->second.qty + qty;
        if (qty > o->second.qty) { // to the back
            lv.q.erase(o->second.it);
            lv.q.push_back(id);
            o->second.it = std::prev(lv.q.end());
        }
        o->second.qty = qty;
        return 0;
    }
    uint64_t best_qty(int s) const {
        if (side[s].empty()) return 0;
        return s ? side[s].rbegin()->second.total : side[s].begin()->second.total;
    }
};

// ---- timing --------------------------------------------------------------------------------
static inline uint64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct Result {
    double mean, p50, p99, p999;
};

static double timer_cost() {
    std::vector<uint64_t> d(100000);
    for (auto &x : d) {
        uint64_t a = now_ns();
        x = now_ns() - a;
    }
    std::sort(d.begin(), d.end());
    return (double)d[d.size() / 2];
}

static inline uint64_t cpu_ns() { // this thread's CPU time: time slices lost to other processes do not count
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

template <class F> static double replay(const std::vector<Ev> &ev, size_t warm, F &&apply) {
    for (size_t i = 0; i < warm; i++) apply(ev[i]);
    uint64_t t0 = cpu_ns();
    for (size_t i = warm; i < ev.size(); i++) apply(ev[i]);
    return (double)(cpu_ns() - t0) / (double)(ev.size() - warm);
}

template <class F>
static void latencies(const std::vector<Ev> &ev, size_t warm, F &&apply, double overhead, Result &r) {
    std::vector<double> lat(ev.size() - warm);
    for (size_t i = 0; i < warm; i++) apply(ev[i]);
    for (size_t i = warm; i < ev.size(); i++) {
        uint64_t a = now_ns();
        apply(ev[i]);
        lat[i - warm] = (double)(now_ns() - a) - overhead;
    }
    std::sort(lat.begin(), lat.end());
    auto q = [&](double p) { return std::max(0.0, lat[(size_t)(p * (double)(lat.size() - 1))]); };
    r.p50 = q(0.5);
    r.p99 = q(0.99);
    r.p999 = q(0.999);
}

int main(int argc, char **argv) {
    size_t events = 2000000, resting = 100000;
    const char *md = nullptr;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc) events = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--resting") && i + 1 < argc) resting = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--md") && i + 1 < argc) md = argv[++i];
    }
    size_t warm = 0;
    std::vector<Ev> ev = make_stream(resting, events, &warm);
    const uint32_t max_orders = (uint32_t)(resting * 2);
    double overhead = timer_cost();
    uint64_t sink = 0;
    int printed = 0;

    auto run_tb = [&](bool lat, Result &r) {
        L3 *l = nullptr;
        tb_l3_i64_n1024_create(&l, 1000000 - 512, max_orders, 4096, nullptr);
        tb_book_i64_n1024 *b = tb_l3_i64_n1024_book(l);
        auto f = [&](const Ev &e) {
            int st;
            switch (e.act) {
            case 'A': st = tb_l3_i64_n1024_add(l, e.id, e.side, e.px, e.qty); break;
            case 'C': st = tb_l3_i64_n1024_cancel(l, e.id); break;
            case 'E': st = tb_l3_i64_n1024_execute(l, e.id, e.qty); break;
            default: st = tb_l3_i64_n1024_modify(l, e.id, e.qty); break;
            }
            sink += (uint64_t)st;
        };
        if (lat) latencies(ev, warm, f, overhead, r);
        else r.mean = replay(ev, warm, f);
        sink += tb_book_i64_n1024_best_qty(b, 1);
        tb_l3_stats s{};
        tb_l3_i64_n1024_stats(l, &s);
        tb_book_stats bs{};
        tb_book_i64_n1024_stats(b, &bs);
        if (!lat && !printed++) {
            printf("tapebook L3: %" PRIu64 " resting at the end, %.1f bytes per order of capacity (max_orders %u: "
                   "arena + levels + indexes %" PRIu64 " B, L2 book + spill %" PRIu64 " B), %.1f bytes per resting order\n",
                   s.orders, (double)(s.bytes + bs.bytes) / max_orders, max_orders, s.bytes, bs.bytes,
                   (double)(s.bytes + bs.bytes) / (double)s.orders);
        }
        tb_l3_i64_n1024_destroy(l);
    };
    auto run_ref = [&](bool lat, Result &r) {
        RefBook *rb = new RefBook();
        rb->orders.reserve(max_orders);
        auto f = [&](const Ev &e) {
            int st;
            switch (e.act) {
            case 'A': st = rb->add(e.id, e.side, e.px, e.qty); break;
            case 'C': st = rb->cancel(e.id); break;
            case 'E': st = rb->execute(e.id, e.qty); break;
            default: st = rb->modify(e.id, e.qty); break;
            }
            sink += (uint64_t)st;
        };
        if (lat) latencies(ev, warm, f, overhead, r);
        else r.mean = replay(ev, warm, f);
        sink += rb->best_qty(1);
        delete rb;
    };
    // The batch path: the same stream through apply_mbo in chunks of 4096 rows
    // (columns built untimed; 'M' rows are modifies at the order's own price).
    auto run_batch = [&]() {
        const size_t chunk = 4096, n = ev.size();
        std::vector<uint8_t> act(n), sd(n);
        std::vector<uint64_t> ids(n), qty(n);
        std::vector<int64_t> pxs(n);
        for (size_t i = 0; i < n; i++) {
            act[i] = ev[i].act == 'C' ? (uint8_t)TB_MBO_CANCEL : ev[i].act;
            sd[i] = ev[i].side;
            ids[i] = ev[i].id;
            qty[i] = ev[i].act == 'C' ? 0 : ev[i].qty;
            pxs[i] = ev[i].px;
        }
        L3 *l = nullptr;
        size_t bad = 0, errs = 0;
        tb_l3_i64_n1024_create(&l, 1000000 - 512, max_orders, 4096, nullptr);
        tb_l3_i64_n1024_apply_mbo(l, act.data(), ids.data(), sd.data(), pxs.data(), qty.data(), warm, nullptr, &bad);
        uint64_t t0 = cpu_ns();
        for (size_t i = warm; i < n; i += chunk) {
            const size_t k = std::min(chunk, n - i);
            tb_l3_i64_n1024_apply_mbo(l, &act[i], &ids[i], &sd[i], &pxs[i], &qty[i], k, nullptr, &bad);
            errs += bad;
        }
        double ns = (double)(cpu_ns() - t0) / (double)(n - warm);
        sink += errs + tb_book_i64_n1024_best_qty(tb_l3_i64_n1024_book(l), 1);
        if (errs) fprintf(stderr, "apply_mbo refused %zu rows of the stream\n", errs);
        tb_l3_i64_n1024_destroy(l);
        return ns;
    };
    Result tb{}, ref{};
    double batch_best = 1e30;
    double tb_best = 1e30, ref_best = 1e30;
    for (int rep = 0; rep < 3; rep++) { // best of 3, interleaved
        run_tb(false, tb);
        tb_best = std::min(tb_best, tb.mean);
        run_ref(false, ref);
        ref_best = std::min(ref_best, ref.mean);
        batch_best = std::min(batch_best, run_batch());
    }
    run_tb(true, tb);
    run_ref(true, ref);
    tb.mean = tb_best;
    ref.mean = ref_best;
    size_t counts[4] = {0, 0, 0, 0};
    for (size_t i = warm; i < ev.size(); i++)
        counts[ev[i].act == 'A' ? 0 : ev[i].act == 'C' ? 1 : ev[i].act == 'E' ? 2 : 3]++;
    double loadavg[3] = {0, 0, 0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &loadavg[0], &loadavg[1], &loadavg[2]) != 3) loadavg[0] = -1;
        fclose(la);
    }
    char buf[2048];
    snprintf(buf, sizeof buf,
             "### L3 book: MBO mix, %zu events after %zu warm-up adds (%.0f%% add, %.0f%% cancel, %.0f%% execute, "
             "%.0f%% modify)\n\n"
             "| implementation | ns/event (mean of thread CPU time, best of 3) | p50 | p99 | p99.9 |\n|---|---:|---:|---:|---:|\n"
             "| tapebook tb_l3_i64_n1024 | %.1f | %.0f | %.0f | %.0f |\n"
             "| tapebook tb_l3_i64_n1024_apply_mbo (chunks of 4096) | %.1f | | | |\n"
             "| unordered_map + map + list | %.1f | %.0f | %.0f | %.0f |\n\n"
             "reference / tapebook: %.2fx (mean), %.2fx (apply_mbo). Per-event latencies: each event timed with clock_gettime, the "
             "timer's median cost (%.0f ns) subtracted. Load average %.2f %.2f %.2f.\n",
             events, warm, 100.0 * counts[0] / events, 100.0 * counts[1] / events, 100.0 * counts[2] / events,
             100.0 * counts[3] / events, tb.mean, tb.p50, tb.p99, tb.p999, batch_best, ref.mean, ref.p50, ref.p99, ref.p999,
             ref.mean / tb.mean, ref.mean / batch_best, overhead, loadavg[0], loadavg[1], loadavg[2]);
    fputs(buf, stdout);
    if (md) {
        FILE *f = fopen(md, "w");
        if (f) {
            fputs(buf, f);
            fclose(f);
        }
    }
    return sink == 42 ? 1 : 0;
}
