/* tbv_pool_tmpl.h — template (no include guard): a tbv_pool_ops table for
 * the SpillPool of one family. Define TBV_FAM (i32 / i64), TBV_P, TBV_Q,
 * TBV_BITS; defines `static const tbv_pool_ops tbv_pool_<fam>`. */

#define TBV__PT TBV_CAT(tb_spill_pool_, TBV_FAM)
#define TBV__PFN(f) TBV_CAT3(TBV__PT, _, f)
#define TBV__PAD(f) TBV_CAT3(tbvpad_, TBV_FAM, TBV_CAT(_, f))
#define TBV__LV TBV_CAT(tb_level_, TBV_FAM)

static size_t TBV__PAD(struct_size)(void) { return TBV__PFN(struct_size)(); }
static uint32_t TBV__PAD(level_size)(void) { return TBV__PFN(level_size)(); }
static int TBV__PAD(create)(void **out, uint32_t levels, int policy) {
    TBV__PT *p = NULL;
    int st;
    if (!out) return TBV__PFN(create)(NULL, levels, policy);
    st = TBV__PFN(create)(&p, levels, policy);
    *out = p;
    return st;
}
static int TBV__PAD(destroy)(void *p) { return TBV__PFN(destroy)((TBV__PT *)p); }
static int TBV__PAD(init)(void *p, uint32_t levels, int policy) {
    return TBV__PFN(init)((TBV__PT *)p, levels, policy);
}
static int TBV__PAD(deinit)(void *p) { return TBV__PFN(deinit)((TBV__PT *)p); }
static void *TBV__PAD(alloc)(void *p, uint32_t levels) { return TBV__PFN(alloc)((TBV__PT *)p, levels); }
static void TBV__PAD(free)(void *p, void *blk, uint32_t levels) {
    TBV__PFN(free)((TBV__PT *)p, (TBV__LV *)blk, levels);
}
static void *TBV__PAD(realloc)(void *p, void *old, uint32_t old_levels, uint32_t new_levels, uint32_t used) {
    return TBV__PFN(realloc)((TBV__PT *)p, (TBV__LV *)old, old_levels, new_levels, used);
}
static int TBV__PAD(stats)(void *p, tb_pool_stats *out) { return TBV__PFN(stats)((TBV__PT *)p, out); }
static void TBV__PAD(blk_set)(void *blk, uint32_t i, int64_t px, uint64_t qty) {
    ((TBV__LV *)blk)[i].px = (TBV_P)px;
    ((TBV__LV *)blk)[i].qty = (TBV_Q)qty;
}
static void TBV__PAD(blk_get)(const void *blk, uint32_t i, int64_t *px, uint64_t *qty) {
    *px = (int64_t)((const TBV__LV *)blk)[i].px;
    *qty = (uint64_t)((const TBV__LV *)blk)[i].qty;
}
static int TBV__PAD(owns)(void *p, const void *blk) {
    const TBV__PT *pool = (const TBV__PT *)p;
    uintptr_t lo = (uintptr_t)pool->arena, x = (uintptr_t)blk;
    return pool->arena && x >= lo && x < lo + (uintptr_t)pool->total_levels * sizeof(TBV__LV);
}
static uint8_t *TBV__PAD(state)(void *p) { return &((TBV__PT *)p)->state; }

static const tbv_pool_ops TBV_CAT(tbv_pool_, TBV_FAM) = {
    TBV_STR(TBV__PT),         TBV_BITS,           (uint32_t)sizeof(TBV__LV), TBV__PAD(struct_size),
    TBV__PAD(level_size),     TBV__PAD(create),   TBV__PAD(destroy),         TBV__PAD(init),
    TBV__PAD(deinit),         TBV__PAD(alloc),    TBV__PAD(free),            TBV__PAD(realloc),
    TBV__PAD(stats),          TBV__PAD(blk_set),  TBV__PAD(blk_get),         TBV__PAD(owns),
    TBV__PAD(state),
};

#undef TBV__PT
#undef TBV__PFN
#undef TBV__PAD
#undef TBV__LV
#undef TBV_FAM
#undef TBV_P
#undef TBV_Q
#undef TBV_BITS
