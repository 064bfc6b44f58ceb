/* test_ref_match_std.cpp — the std::map + std::list + unordered_map reference
 * engine (ref_match_std.hpp, the matching benchmark's map+list baseline)
 * against the sorted-array reference the differential fuzz trusts
 * (ref_match.h): random flows of submits (limit, market, protected market,
 * IOC, FOK, post-only, self-trades under every STP mode, refused fields),
 * cancels and modifies (down, up, unknown, overflow) with small limits
 * (orders, levels per side, quantity) and short event buffers; every status,
 * result and event byte must be equal, and the resting count after each op.
 *
 * C++17 (the reference is C++): make build/gxx/test_ref_match_std, or make c-ref-std. */
#include <cstdio>
#include <cstring>
#include <vector>

#include "ref_match.h"
#include "ref_match_std.hpp"
#include "tb_test.h"

namespace {

struct Limits {
    int stp;
    uint64_t qty_max;
    size_t max_orders, max_levels;
};

constexpr int64_t MID = 1000;
constexpr size_t EV_CAP = 64;

uint64_t pick(uint64_t n) { return tbt_rand() % n; }

/* A random order: mostly valid limit orders near MID, sometimes any other
 * kind or a refused field. ids: fresh, resting or reused. */
tb_match_order random_order(uint64_t *next_id, const std::vector<uint64_t> &recent, const Limits &lim) {
    tb_match_order o;
    std::memset(&o, 0, sizeof o);
    const uint64_t r = pick(100);
    o.id = (r < 4 && !recent.empty()) ? recent[pick(recent.size())] : (r < 5 ? 0 : (*next_id)++);
    o.side = static_cast<uint8_t>(pick(50) == 0 ? 2 : pick(2));
    o.px = MID + static_cast<int64_t>(pick(21)) - 10;
    if (pick(60) == 0) o.px = pick(2) ? INT64_MAX : INT64_MIN; /* outside the domain */
    o.qty = 1 + pick(pick(10) == 0 ? lim.qty_max + 2 : 40);
    if (pick(80) == 0) o.qty = 0;
    o.owner = static_cast<uint32_t>(pick(4)); /* few owners: self-trades happen */
    const uint64_t kind = pick(100);
    if (kind < 8) o.tif = TB_IOC;
    else if (kind < 14) o.tif = TB_FOK;
    else if (kind < 18) o.flags = TB_ORDER_MARKET, o.tif = TB_IOC;
    else if (kind < 21) o.flags = TB_ORDER_MARKET | TB_ORDER_PROTECT, o.tif = TB_IOC;
    else if (kind < 27) o.flags = TB_ORDER_POST_ONLY;
    else if (kind < 28) o.flags = static_cast<uint8_t>(pick(256));
    else if (kind < 29) o.tif = static_cast<uint8_t>(pick(256));
    return o;
}

void check_events(const tb_match_event *a, const tb_match_event *b, size_t n, long op) {
    for (size_t i = 0; i < n; i++)
        if (!CHECK_MSG(std::memcmp(&a[i], &b[i], sizeof a[i]) == 0, "op %ld event %zu differs", op, i)) return;
}

void run_flow(const Limits &lim, long ops) {
    ref_match sorted;
    CHECK_EQ(ref_match_init(&sorted, lim.stp, MID - 500, MID + 500, lim.qty_max, lim.max_orders, lim.max_levels),
             TB_OK);
    ref_std::Engine mapped(lim.stp, MID - 500, MID + 500, lim.qty_max, lim.max_orders, lim.max_levels);
    tb_match_event ev_a[EV_CAP], ev_b[EV_CAP];
    std::vector<uint64_t> recent;
    uint64_t next_id = 1;
    for (long i = 0; i < ops; i++) {
        const size_t cap = pick(20) == 0 ? pick(3) : EV_CAP;
        size_t na = 99, nb = 99;
        int sa, sb;
        const uint64_t what = pick(100);
        if (what < 62) {
            const tb_match_order o = random_order(&next_id, recent, lim);
            tb_submit_result ra, rb;
            std::memset(&ra, 0xab, sizeof ra);
            std::memset(&rb, 0xab, sizeof rb);
            sa = ref_match_submit(&sorted, &o, ev_a, cap, &na, &ra);
            sb = mapped.submit(&o, ev_b, cap, &nb, &rb);
            if (sa == TB_OK && sb == TB_OK) CHECK(std::memcmp(&ra, &rb, sizeof ra) == 0);
            if (sa == TB_OK && o.id) recent.push_back(o.id);
        } else {
            const uint64_t id = recent.empty() || pick(10) == 0 ? next_id + 7 : recent[pick(recent.size())];
            if (what < 88) {
                sa = ref_match_cancel(&sorted, id, ev_a, cap, &na);
                sb = mapped.cancel(id, ev_b, cap, &nb);
            } else {
                const uint64_t qty = pick(30) == 0 ? 0 : 1 + pick(pick(8) == 0 ? lim.qty_max + 2 : 60);
                sa = ref_match_modify(&sorted, id, qty, ev_a, cap, &na);
                sb = mapped.modify(id, qty, ev_b, cap, &nb);
            }
        }
        if (!CHECK_MSG(sa == sb, "op %ld: status %d vs %d", i, sa, sb)) break;
        if (sa == TB_OK) {
            if (!CHECK_MSG(na == nb, "op %ld: %zu vs %zu events", i, na, nb)) break;
            check_events(ev_a, ev_b, na, i);
        }
        if (!CHECK_EQ_U(sorted.n_orders, mapped.orders())) break;
        if (recent.size() > 4096) recent.erase(recent.begin(), recent.begin() + 2048);
    }
    ref_match_free(&sorted);
}

const Limits limits[] = {
    {TB_STP_NONE, UINT64_MAX / 4, 100000, 100000},
    {TB_STP_CANCEL_NEWEST, 1000, 400, 12},
    {TB_STP_CANCEL_OLDEST, 200, 64, 6},
    {TB_STP_CANCEL_BOTH, 100000, 1000, 1000},
    {TB_STP_CANCEL_NEWEST, 150, 30, 3},
};

void test_flows() {
    const long ops = tbt_prof == TBT_FULL ? 400000 : 40000;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        for (const Limits &lim : limits) {
            tbt_rand_state = 0x5bd1e995u * seed + static_cast<uint64_t>(lim.stp) + lim.max_levels;
            run_flow(lim, ops);
        }
    }
}

} // namespace

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("ref_match_std_vs_sorted_array", test_flows);
    return tbt_finish();
}
