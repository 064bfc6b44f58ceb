// bench_l3_stream.h — the L3 benchmark's event stream (bench_l3.cpp documents the
// mix): a book warmed up to `resting` orders clustered at the touch, then `events`
// MBO events. Generated once, with tapebook as the bookkeeper (untimed); shared by
// bench_l3.cpp and the same-process A/B bench_l3_ab.cpp.
#ifndef BENCH_L3_STREAM_H
#define BENCH_L3_STREAM_H

#include "tapebook.h"
#include "bench_l3_ab.h"

#include <cstdint>
#include <vector>

typedef tb_l3_i64_n1024 L3;
typedef l3ab_ev Ev;

static uint64_t xs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd() {
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}
static double unif() { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

static int64_t touch_offset() { // geometric: most orders within a few ticks of the touch
    int64_t k = 0;
    while (unif() < 0.82 && k < 400) k++;
    return k;
}

static std::vector<Ev> make_stream(size_t resting, size_t events, size_t *warm) {
    std::vector<Ev> ev;
    std::vector<uint64_t> live; // resting ids (swap-remove)
    std::vector<size_t> pos;    // id -> index in live (ids are dense)
    L3 *l = nullptr;
    int64_t mid = 1000000;
    uint64_t next = 1;
    tb_l3_i64_n1024_create(&l, mid - 512, (uint32_t)(resting * 2 + events), 65536, nullptr);
    pos.assign(resting * 2 + events + 2, SIZE_MAX);
    auto add = [&](int s) {
        Ev e{'A', (uint8_t)s, s ? mid - 1 - touch_offset() : mid + 1 + touch_offset(), next++, 1 + rnd() % 100};
        if (tb_l3_i64_n1024_add(l, e.id, s, e.px, e.qty) == 0) {
            pos[e.id] = live.size();
            live.push_back(e.id);
            ev.push_back(e);
        }
    };
    auto drop = [&](uint64_t id) {
        size_t i = pos[id];
        pos[live.back()] = i;
        live[i] = live.back();
        live.pop_back();
        pos[id] = SIZE_MAX;
    };
    while (live.size() < resting) add((int)(rnd() & 1));
    *warm = ev.size();
    while (ev.size() < *warm + events) {
        uint64_t k = rnd() % 100;
        if (rnd() % 64 == 0) mid += (int64_t)(rnd() % 3) - 1; // slow drift
        if (k < 45 || live.empty()) {
            add((int)(rnd() & 1));
        } else if (k < 85) {
            // most cancels hit young orders (real order lifetimes are short): 3 in 4 pick
            // one of the last 4096 ids added when it still rests, the rest any resting order
            uint64_t id = next - 1 - rnd() % 4096;
            if (rnd() % 4 == 0 || id >= next || pos[id] == SIZE_MAX) id = live[rnd() % live.size()];
            tb_l3_i64_n1024_cancel(l, id);
            drop(id);
            ev.push_back(Ev{'C', 0, 0, id, 0});
        } else if (k < 95) { // execute the front of the best level
            int s = (int)(rnd() & 1);
            tb_book_i64_n1024 *b = tb_l3_i64_n1024_book(l);
            int64_t px = tb_book_i64_n1024_best_px(b, s);
            uint64_t id = 0, q = 0;
            size_t n_out = 0;
            if (tb_book_i64_n1024_best_qty(b, s) == 0) continue;
            tb_l3_i64_n1024_level_orders(l, s, px, &id, &q, 1, &n_out, nullptr);
            uint64_t fill = rnd() % 2 ? q : 1 + rnd() % q;
            tb_l3_i64_n1024_execute(l, id, fill);
            if (fill == q) drop(id);
            ev.push_back(Ev{'E', 0, px, id, fill});
        } else {
            uint64_t id = live[rnd() % live.size()];
            tb_l3_order_i64 o;
            tb_l3_i64_n1024_order(l, id, &o);
            uint64_t q = rnd() % 4 == 0 ? o.qty + 1 + rnd() % 20 : 1 + rnd() % o.qty;
            tb_l3_i64_n1024_modify(l, id, q);
            ev.push_back(Ev{'M', 0, o.px, id, q});
        }
    }
    tb_l3_i64_n1024_destroy(l);
    return ev;
}

// The shape of bench/python/bench_l3.py's default ("uniform") stream, with this file's
// generator: `resting` adds at the touch (no drift), then ~45 % add, 40 % cancel, 10 %
// execute (a part of the order or all of it) and 5 % modify (quantity down, same price),
// the cancelled, executed and modified order picked among all resting ones (so, unlike
// make_stream, its node and its queue neighbours are rarely in cache).
static std::vector<Ev> make_uniform_stream(size_t resting, size_t events, size_t *warm) {
    std::vector<Ev> ev;
    std::vector<uint64_t> live; // resting ids (swap-remove)
    std::vector<size_t> pos;    // id -> index in live (ids are dense)
    std::vector<uint64_t> qty;  // id -> resting quantity
    std::vector<int64_t> px;    // id -> price
    uint64_t next = 1;
    const int64_t mid = 1000000;
    pos.assign(resting + events + 2, SIZE_MAX);
    qty.assign(resting + events + 2, 0);
    px.assign(resting + events + 2, 0);
    auto add = [&]() {
        const int s = (int)(rnd() & 1);
        int64_t off = 0;
        while (unif() < 0.82 && off < 400) off++;
        const Ev e{'A', (uint8_t)s, s ? mid - 1 - off : mid + 1 + off, next++, 1 + rnd() % 99};
        pos[e.id] = live.size();
        live.push_back(e.id);
        qty[e.id] = e.qty;
        px[e.id] = e.px;
        ev.push_back(e);
    };
    auto drop = [&](uint64_t id) {
        const size_t i = pos[id];
        pos[live.back()] = i;
        live[i] = live.back();
        live.pop_back();
        pos[id] = SIZE_MAX;
    };
    while (live.size() < resting) add();
    *warm = ev.size();
    while (ev.size() < *warm + events) {
        const uint64_t k = rnd() % 100;
        if (k < 45 || live.empty()) {
            add();
            continue;
        }
        const uint64_t id = live[rnd() % live.size()];
        if (k < 85) {
            ev.push_back(Ev{'C', 0, 0, id, 0});
            drop(id);
        } else if (k < 95) {
            const uint64_t q = 1 + rnd() % qty[id];
            ev.push_back(Ev{'E', 0, 0, id, q});
            qty[id] -= q;
            if (qty[id] == 0) drop(id);
        } else {
            const uint64_t q = 1 + rnd() % qty[id];
            ev.push_back(Ev{'M', 0, px[id], id, q});
            qty[id] = q;
        }
    }
    return ev;
}

#endif // BENCH_L3_STREAM_H
