// bench_l3_ab.cpp — same-process A/B of two builds of the L3 book (make bench-l3-ab
// AB_OLD=<commit>): the old commit's book and this tree's, linked into one binary
// (bench_l3_ab.h), replay bench_l3's stream (bench_l3_stream.h) in alternating
// order, round after round, so load and frequency changes hit both alike.
//
//   call     every event one call: thread CPU ns per event
//   mbo      apply_mbo in chunks of 4096 rows: thread CPU ns per event
//   clear    a clear-heavy microbench: cycles of CLEAR_ADDS adds at the touch and a
//            clear (TB_MBO_CLEAR rows through apply_mbo) in a book sized for the
//            stream (max_orders as the others): thread CPU ns per cycle
//
// Each round runs each mode once: both sides' books, warmed with the stream's
// warm-up adds, take the events in alternating slices (run_pair), each slice
// timed; a ratio is new / old time of the same round, reported as min / median /
// max. Verify: every round's status sums, rows refused and book digests must be
// equal on both sides, else exit 1.
//
// --max-orders N sizes the books (default 2 x resting, as bench_l3; bench/python/bench_l3.py
// uses 2 x (resting + events): an id index allocated far larger than what rests).
// --shape uniform replays the shape of bench/python/bench_l3.py's default stream
// (make_uniform_stream: cancels, executes and modifies of any resting order) instead of
// bench_l3's (touch: most cancels hit young orders). Measured with it (branch l3fast:
// apply_mbo's prefetch stages 32 rows ahead with the queue neighbours, against main,
// 7 rounds, 7 Dec 18:05-18:07 UTC, load 10.6-11.9): apply_mbo 0.867x (0.853-0.885)
// on the uniform stream (max_orders 2.2e6, as bench_l3.py), 0.828x (0.807-0.837) on
// bench_l3's; the clear row 1.022x / 1.038x; per call (code unchanged) 0.990x / 0.985x.
//
// Usage: bench_l3_ab [--events N] [--resting N] [--rounds N] [--max-orders N] [--shape touch|uniform]
#include "bench_l3_stream.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

static double cpu_ns() { // this thread's CPU time: slices lost to other processes do not count
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

struct Cols {
    std::vector<uint8_t> act, side;
    std::vector<uint64_t> id, qty;
    std::vector<int64_t> px;
    l3ab_cols view() const { return l3ab_cols{act.data(), side.data(), id.data(), qty.data(), px.data()}; }
};

static Cols columns(const std::vector<Ev> &ev) { // 'C' rows are full cancels (qty 0)
    Cols c;
    for (const Ev &e : ev) {
        c.act.push_back(e.act == 'C' ? (uint8_t)TB_MBO_CANCEL : e.act);
        c.side.push_back(e.side);
        c.id.push_back(e.id);
        c.qty.push_back(e.act == 'C' ? 0 : e.qty);
        c.px.push_back(e.px);
    }
    return c;
}

enum { MODE_CALL, MODE_MBO, MODE_CLEAR, MODES };
static const char *const mode_name[MODES] = {"call", "mbo", "clear"};
static const size_t CHUNK = 4096;
static const size_t CLEAR_ADDS = 100, CLEAR_CYCLES = 2000;

// CLEAR_CYCLES cycles of CLEAR_ADDS adds (fresh ids, both sides, 20 prices a side) and a clear
static Cols clear_cycles() {
    Cols c;
    uint64_t id = 1;
    for (size_t k = 0; k < CLEAR_CYCLES; k++) {
        for (size_t i = 0; i < CLEAR_ADDS; i++) {
            const uint8_t side = (uint8_t)(i & 1);
            c.act.push_back((uint8_t)TB_MBO_ADD);
            c.side.push_back(side);
            c.id.push_back(id++);
            c.qty.push_back(1 + i % 7);
            c.px.push_back(side ? 1000000 - 1 - (int64_t)(i % 20) : 1000000 + (int64_t)(i % 20));
        }
        c.act.push_back((uint8_t)TB_MBO_CLEAR);
        c.side.push_back(0);
        c.id.push_back(0);
        c.qty.push_back(0);
        c.px.push_back(0);
    }
    return c;
}

struct Run {
    double ns[2];
    int64_t status_sum[2];
    size_t refused[2];
    uint64_t digest[2];
};

// Both sides' books side by side, each warmed up, then the events in slices of
// SLICE, old and new taking turns (which goes first alternates), each slice timed:
// load and frequency changes hit both sides alike even on a busy machine.
static Run run_pair(const ab_l3 *const side[2], int mode, const std::vector<Ev> &ev, const l3ab_cols &c, size_t warm,
                    uint32_t max_orders) {
    const size_t SLICE = 8192;
    const bool clear = mode == MODE_CLEAR;
    void *l[2];
    Run r{};
    for (int k = 0; k < 2; k++) {
        l[k] = side[k]->create(1000000 - 512, max_orders, 4096);
        if (!l[k]) {
            fprintf(stderr, "bench_l3_ab: %s: create failed\n", side[k]->name);
            exit(1);
        }
        if (!clear) side[k]->replay(l[k], ev.data(), warm);
    }
    double t[2] = {0, 0};
    const size_t from = clear ? 0 : warm, rows = clear ? CLEAR_CYCLES * (CLEAR_ADDS + 1) : ev.size();
    const size_t slice = clear ? 50 * (CLEAR_ADDS + 1) : SLICE;
    for (size_t i = from, turn = 0; i < rows; i += slice, turn++) {
        const size_t to = std::min(rows, i + slice);
        for (int j = 0; j < 2; j++) {
            const int k = (turn & 1) ? 1 - j : j;
            const double t0 = cpu_ns();
            if (mode == MODE_CALL) r.status_sum[k] += side[k]->replay(l[k], ev.data() + i, to - i);
            else r.refused[k] += side[k]->apply_mbo(l[k], &c, i, to, CHUNK);
            t[k] += cpu_ns() - t0;
        }
    }
    for (int k = 0; k < 2; k++) {
        r.ns[k] = t[k] / (double)(clear ? CLEAR_CYCLES : rows - warm);
        r.digest[k] = side[k]->digest(l[k]);
        side[k]->destroy(l[k]);
    }
    return r;
}

int main(int argc, char **argv) {
    size_t events = 1000000, resting = 100000, max_orders_arg = 0;
    int rounds = 11;
    bool uniform = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc) events = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--resting") && i + 1 < argc) resting = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-orders") && i + 1 < argc) max_orders_arg = (size_t)strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--shape") && i + 1 < argc && (!strcmp(argv[i + 1], "touch") || !strcmp(argv[i + 1], "uniform")))
            uniform = !strcmp(argv[++i], "uniform");
        else {
            fprintf(stderr, "usage: %s [--events N] [--resting N] [--rounds N] [--max-orders N] [--shape touch|uniform]\n",
                    argv[0]);
            return 2;
        }
    }
    if (events == 0 || resting == 0 || rounds < 1) {
        fprintf(stderr, "bench_l3_ab: --events, --resting and --rounds must be positive\n");
        return 2;
    }
    size_t warm = 0;
    const std::vector<Ev> ev = uniform ? make_uniform_stream(resting, events, &warm) : make_stream(resting, events, &warm);
    const Cols cols = columns(ev), clears = clear_cycles();
    const l3ab_cols c = cols.view(), cc = clears.view();
    const size_t mo = max_orders_arg ? max_orders_arg : resting * 2;
    if (mo < resting * 2 || mo > TB_L3_MAX_ORDERS) {
        fprintf(stderr, "bench_l3_ab: --max-orders must be in [2 x resting, %u]\n", (unsigned)TB_L3_MAX_ORDERS);
        return 2;
    }
    const uint32_t max_orders = (uint32_t)mo;
    const ab_l3 *side[2] = {&l3ab_old, &l3ab_new};
    std::vector<double> ns[2][MODES];
    bool same = true;
    for (int r = 0; r < rounds; r++)
        for (int mode = 0; mode < MODES; mode++) {
            const Run x = run_pair(side, mode, ev, mode == MODE_CLEAR ? cc : c, warm, max_orders);
            same = same && x.status_sum[0] == x.status_sum[1] && x.refused[0] == x.refused[1] &&
                   x.digest[0] == x.digest[1];
            for (int k = 0; k < 2; k++) ns[k][mode].push_back(x.ns[k]);
        }
    printf("%s stream: %zu warm-up adds + %zu events, %zu resting, max_orders %u; verify (status sums, rows refused, "
           "digests): %s\n",
           uniform ? "uniform" : "touch", warm, events, resting, max_orders, same ? "identical" : "DIFFERENT");
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    double la[3] = {0, 0, 0};
    if (FILE *f = fopen("/proc/loadavg", "r")) {
        if (fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3) la[0] = -1;
        fclose(f);
    }
    printf("thread CPU ns per event (clear: per cycle of %zu adds and a clear; median of %d alternating rounds); "
           "new/old ratio per round; load %.2f %.2f %.2f\n",
           CLEAR_ADDS,
           rounds, la[0], la[1], la[2]);
    printf("  %-5s %9s %9s %8s %8s %8s\n", "mode", "old", "new", "min", "median", "max");
    for (int mode = 0; mode < MODES; mode++) {
        std::vector<double> ratio;
        for (int r = 0; r < rounds; r++) ratio.push_back(ns[1][mode][(size_t)r] / ns[0][mode][(size_t)r]);
        printf("  %-5s %9.1f %9.1f %7.3fx %7.3fx %7.3fx\n", mode_name[mode], median(ns[0][mode]), median(ns[1][mode]),
               *std::min_element(ratio.begin(), ratio.end()), median(ratio), *std::max_element(ratio.begin(), ratio.end()));
    }
    return same ? 0 : 1;
}
