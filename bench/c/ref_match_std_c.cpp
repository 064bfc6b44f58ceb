/* ref_match_std_c.cpp — the C functions of ref_match_std_c.h over
 * ref_std::Engine (tests/c/ref_match_std.hpp). */
#include "ref_match_std_c.h"

#include <new>

#include "ref_match_std.hpp"

struct ref_std_engine {
    ref_std::Engine engine;
};

extern "C" {

ref_std_engine *ref_std_new(int stp, int64_t px_min, int64_t px_max, uint64_t qty_max, size_t max_orders,
                            size_t max_levels) {
    return new (std::nothrow) ref_std_engine{ref_std::Engine(stp, px_min, px_max, qty_max, max_orders, max_levels)};
}

void ref_std_free(ref_std_engine *e) { delete e; }

int ref_std_submit(ref_std_engine *e, const tb_match_order *o, tb_match_event *ev, size_t cap, size_t *n_out,
                   tb_submit_result *res) {
    return e->engine.submit(o, ev, cap, n_out, res);
}

int ref_std_cancel(ref_std_engine *e, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out) {
    return e->engine.cancel(id, ev, cap, n_out);
}

int ref_std_modify(ref_std_engine *e, uint64_t id, uint64_t qty, tb_match_event *ev, size_t cap, size_t *n_out) {
    return e->engine.modify(id, qty, ev, cap, n_out);
}

size_t ref_std_orders(const ref_std_engine *e) { return e->engine.orders(); }

} // extern "C"
