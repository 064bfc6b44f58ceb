/* tbv_multi_tmpl.h — template (no include guard): a tbv_multi_ops table for
 * one multi-book pool. Define:
 *   TBV_M    the pool's name token, e.g. tb_multi_i32_h1024_m256_l64
 *   TBV_FAM, TBV_P, TBV_Q, TBV_BITS   family parameters
 *   TBV_MH, TBV_MM, TBV_ML            tbv_ops tables of the three tiers' books
 *   TBV_NH, TBV_NM, TBV_NL            their tape sizes
 * Defines `static const tbv_multi_ops tbv_<TBV_M>`. */

#define TBV__MFN(f) TBV_CAT3(TBV_M, _, f)
#define TBV__MAD(f) TBV_CAT3(tbvmad_, TBV_M, TBV_CAT(_, f))
#define TBV__BBOT TBV_CAT(tb_bbo_, TBV_FAM)
#define TBV__MC(m) ((TBV_M *)(m))

static size_t TBV__MAD(struct_size)(void) { return TBV__MFN(struct_size)(); }
static int TBV__MAD(create)(void **out, uint32_t nh, uint32_t nm, uint32_t nl, uint32_t pool_levels,
                            uint32_t default_max_cap, int policy) {
    TBV_M *m = NULL;
    int st;
    if (!out) return TBV__MFN(create)(NULL, nh, nm, nl, pool_levels, default_max_cap, policy);
    st = TBV__MFN(create)(&m, nh, nm, nl, pool_levels, default_max_cap, policy);
    *out = m;
    return st;
}
static int TBV__MAD(destroy)(void *m) { return TBV__MFN(destroy)(TBV__MC(m)); }
static int TBV__MAD(alloc)(void *m, int tier, int64_t anchor, uint32_t max_cap, tb_handle *out) {
    return TBV__MFN(alloc)(TBV__MC(m), tier, (TBV_P)anchor, max_cap, out);
}
static int TBV__MAD(free)(void *m, tb_handle h) { return TBV__MFN(free)(TBV__MC(m), h); }
static void *TBV__MAD(book)(void *m, int tier, tb_handle h) {
    switch (tier) {
    case TB_TIER_HIGH: return (void *)TBV__MFN(book_high)(TBV__MC(m), h);
    case TB_TIER_MEDIUM: return (void *)TBV__MFN(book_medium)(TBV__MC(m), h);
    default: return (void *)TBV__MFN(book_low)(TBV__MC(m), h);
    }
}
static int TBV__MAD(set_code)(void *m, tb_handle h, int side, int64_t px, uint64_t qty) {
    return TBV__MFN(set_code)(TBV__MC(m), h, side, (TBV_P)px, (TBV_Q)qty);
}
static int TBV__MAD(bbo)(void *m, tb_handle h, tbv_bbo *out) {
    TBV__BBOT o;
    int st;
    if (!out) return TBV__MFN(bbo)(TBV__MC(m), h, NULL);
    memset(&o, 0x5A, sizeof o);
    st = TBV__MFN(bbo)(TBV__MC(m), h, &o);
    out->bid_px = (int64_t)o.bid_px;
    out->bid_qty = (uint64_t)o.bid_qty;
    out->ask_px = (int64_t)o.ask_px;
    out->ask_qty = (uint64_t)o.ask_qty;
    return st;
}
static void *TBV__MAD(pool)(void *m) { return (void *)TBV__MFN(pool)(TBV__MC(m)); }
static int TBV__MAD(tier_info)(void *m, int tier, uint32_t *capacity, uint32_t *live) {
    return TBV__MFN(tier_info)(TBV__MC(m), tier, capacity, live);
}
static uint32_t TBV__MAD(tier_n)(int tier) { return TBV__MFN(tier_n)(tier); }

static const tbv_multi_ops TBV_CAT(tbv_, TBV_M) = {
    TBV_STR(TBV_M),
    TBV_BITS,
    {TBV_NH, TBV_NM, TBV_NL},
    {&TBV_MH, &TBV_MM, &TBV_ML},
    &TBV_CAT(tbv_pool_, TBV_FAM),
    TBV__MAD(struct_size),
    TBV__MAD(create),
    TBV__MAD(destroy),
    TBV__MAD(alloc),
    TBV__MAD(free),
    TBV__MAD(book),
    TBV__MAD(set_code),
    TBV__MAD(bbo),
    TBV__MAD(pool),
    TBV__MAD(tier_info),
    TBV__MAD(tier_n),
};

#undef TBV__MFN
#undef TBV__MAD
#undef TBV__BBOT
#undef TBV__MC
#undef TBV_M
#undef TBV_FAM
#undef TBV_P
#undef TBV_Q
#undef TBV_BITS
#undef TBV_MH
#undef TBV_MM
#undef TBV_ML
#undef TBV_NH
#undef TBV_NM
#undef TBV_NL
