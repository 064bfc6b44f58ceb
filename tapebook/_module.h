/* _module.h — the functions tapebook._tapebook_cffi exports beyond the flat
 * API of csrc/ (tapebook_api.h, tb_feeds_api.h). build_ffi.py feeds these
 * prototypes to cffi's cdef; _module.c defines them. */
#ifndef TAPEBOOK_MODULE_H
#define TAPEBOOK_MODULE_H

/* 1: this module's core was compiled with the thread guard (TB_THREAD_GUARD) */
int tb_built_with_thread_guard(void);
/* how the module was compiled (flags, sanitizer) */
const char *tb_build_info(void);
/* The tb_ops table (csrc/tapebook/tb_ops.h) of the shipped book variant
 * (price_bits, n), or NULL. tapebook._hotpath finds this function with dlsym
 * in the loaded module: the one platform-specific seam of the fast path. */
const void *tbh_ops_for(int price_bits, int n);
/* The tb_l3_ops table (csrc/tapebook/tb_l3_ops.h) of the shipped L3 variant
 * (price_bits, n), or NULL; found the same way by tapebook._hotpath. */
const void *tbh_l3_ops_for(int price_bits, int n);
/* The tb_match_ops table (csrc/tapebook/tb_match_ops.h) of the shipped matching
 * engine variant (price_bits, n), or NULL; found the same way. */
const void *tbh_match_ops_for(int price_bits, int n);

#endif /* TAPEBOOK_MODULE_H */
