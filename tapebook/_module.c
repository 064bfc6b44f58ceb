/* _module.c — the C source of the CFFI module tapebook._tapebook_cffi
 * (build_ffi.py compiles it in API mode; cffi appends its generated glue).
 *
 * The whole C core is compiled here, once: every shipped variant
 * (tapebook.h), the feed helpers (tb_feeds.h, with the replay loop's
 * per-tape-size tables), the matching engines (tb_match.h), and the type-erased tb_ops table of every shipped
 * book variant, tb_l3_ops / tb_match_ops table of every L3 / engine variant, which tapebook._hotpath calls through (it compiles no core
 * code of its own: one copy of the code, one thread guard, one set of
 * allocation hooks). */
#include "tapebook.h"
#define TB_FEED_DEFINE_OPS
#include "tapebook/tb_feeds.h"
#include "tapebook/tb_ops_shipped.h"
#include "tapebook/tb_match.h"
#include "tapebook/tb_l3_ops_shipped.h"
#include "tapebook/tb_match_ops_shipped.h"

#include "_module.h"

#ifndef TB_BUILD_INFO
#define TB_BUILD_INFO "unknown (built without build_ffi.py)"
#endif

int tb_built_with_thread_guard(void) {
#ifdef TB_THREAD_GUARD
    return 1;
#else
    return 0;
#endif
}

const char *tb_build_info(void) { return TB_BUILD_INFO; }

/* Exported (non-static) so that dlsym finds it; see _module.h. */
const void *tbh_ops_for(int price_bits, int n) {
    return n > 0 ? (const void *)tb_ops_find(price_bits, (uint32_t)n) : NULL;
}

/* Exported for dlsym like tbh_ops_for: the L3 variant's tb_l3_ops table. */
const void *tbh_l3_ops_for(int price_bits, int n) {
    return n > 0 ? (const void *)tb_l3_ops_find(price_bits, (uint32_t)n) : NULL;
}

/* Exported for dlsym like tbh_ops_for: the engine variant's tb_match_ops table. */
const void *tbh_match_ops_for(int price_bits, int n) {
    return n > 0 ? (const void *)tb_match_ops_find(price_bits, (uint32_t)n) : NULL;
}
