/* ref_match_std_c.h — C access to the std::map + std::list + unordered_map
 * reference engine (tests/c/ref_match_std.hpp) for bench_match.c: the
 * "straightforward map+list reference engine" of issue #16, in its own C++
 * translation unit (bench/c/ref_match_std_c.cpp). Each call crosses one
 * non-inlined function boundary (a few ns against its ~100+ ns an op). */
#ifndef REF_MATCH_STD_C_H
#define REF_MATCH_STD_C_H

#include <stddef.h>
#include <stdint.h>

#include "tapebook/tb_match_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ref_std_engine ref_std_engine;

/* NULL when out of memory */
ref_std_engine *ref_std_new(int stp, int64_t px_min, int64_t px_max, uint64_t qty_max, size_t max_orders,
                            size_t max_levels);
void ref_std_free(ref_std_engine *e);
int ref_std_submit(ref_std_engine *e, const tb_match_order *o, tb_match_event *ev, size_t cap, size_t *n_out,
                   tb_submit_result *res);
int ref_std_cancel(ref_std_engine *e, uint64_t id, tb_match_event *ev, size_t cap, size_t *n_out);
int ref_std_modify(ref_std_engine *e, uint64_t id, uint64_t qty, tb_match_event *ev, size_t cap, size_t *n_out);
size_t ref_std_orders(const ref_std_engine *e);

#ifdef __cplusplus
}
#endif

#endif /* REF_MATCH_STD_C_H */
