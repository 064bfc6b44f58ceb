/* tbv_book_tmpl.h — template (no include guard): the test-only functions of
 * one book variant (tbv_extra, see tbv.h): batches and snapshot loads over
 * int64 / uint64 arrays (converted with malloc: test code), the iterator, and
 * the white-box helpers. The per-call API itself is the library's tb_ops
 * table of the variant (<TBV_B>_ops: tb_ops_shipped.h for the shipped
 * variants, tb_ops.inc for the custom ones). Define before including:
 *   TBV_B    the variant's name token, e.g. tb_book_i32_n64
 *   TBV_FAM  its family token, i32 or i64
 *   TBV_P, TBV_Q  price and quantity types
 *   TBV_BITS 32 or 64
 * Defines `static const tbv_extra tbvx_<TBV_B>`; #undefs the parameters. */

#define TBV__FN(f) TBV_CAT3(TBV_B, _, f)
#define TBV__AD(f) TBV_CAT3(tbvad_, TBV_B, TBV_CAT(_, f))
#define TBV__LV TBV_CAT(tb_level_, TBV_FAM)
#define TBV__BBOT TBV_CAT(tb_bbo_, TBV_FAM)
#define TBV__POOLT TBV_CAT(tb_spill_pool_, TBV_FAM)
#define TBV__IT TBV_CAT(TBV_B, _iter)
#define TBV__CAST(b) ((TBV_B *)(b))

static int TBV__AD(iter_levels)(void *b, int side, tbv_level *out, size_t k, size_t *n_out) {
    TBV__IT it;
    TBV__LV lv;
    size_t n = 0;
    int st = TBV__FN(iter_init)(&it, TBV__CAST(b), side);
    if (st == TB_OK) {
        while (n < k && TBV__FN(iter_next)(&it, &lv)) {
            out[n].px = (int64_t)lv.px;
            out[n].qty = (uint64_t)lv.qty;
            n++;
        }
    }
    if (n_out) *n_out = n;
    return st;
}
static int TBV__AD(iter_init_null)(void *b, int side) { return TBV__FN(iter_init)(NULL, TBV__CAST(b), side); }
static int TBV__AD(iter_next_null)(void) {
    TBV__LV lv;
    return TBV__FN(iter_next)(NULL, &lv);
}
static int TBV__AD(apply)(void *b, const uint8_t *sides, const int64_t *px, const uint64_t *qty, size_t n,
                          int8_t *results, size_t *n_done) {
    TBV_P *p = NULL;
    TBV_Q *q = NULL;
    size_t i;
    int st;
    if (px) {
        p = (TBV_P *)malloc((n ? n : 1) * sizeof(TBV_P));
        if (!p) abort();
        for (i = 0; i < n; i++) p[i] = (TBV_P)px[i];
    }
    if (qty) {
        q = (TBV_Q *)malloc((n ? n : 1) * sizeof(TBV_Q));
        if (!q) abort();
        for (i = 0; i < n; i++) q[i] = (TBV_Q)qty[i];
    }
    st = TBV__FN(apply)(TBV__CAST(b), sides, p, q, n, results, n_done);
    free(p);
    free(q);
    return st;
}
static int TBV__AD(bbo_trace)(void *b, const uint8_t *sides, const int64_t *px, const uint64_t *qty, size_t n,
                              tbv_bbo *out, size_t *n_done) {
    TBV_P *p = NULL;
    TBV_Q *q = NULL;
    TBV__BBOT *o = NULL;
    size_t i, done = 0;
    int st;
    if (px) {
        p = (TBV_P *)malloc((n ? n : 1) * sizeof(TBV_P));
        if (!p) abort();
        for (i = 0; i < n; i++) p[i] = (TBV_P)px[i];
    }
    if (qty) {
        q = (TBV_Q *)malloc((n ? n : 1) * sizeof(TBV_Q));
        if (!q) abort();
        for (i = 0; i < n; i++) q[i] = (TBV_Q)qty[i];
    }
    if (out) {
        o = (TBV__BBOT *)malloc((n ? n : 1) * sizeof(TBV__BBOT));
        if (!o) abort();
        memset(o, 0x5A, (n ? n : 1) * sizeof(TBV__BBOT));
    }
    st = TBV__FN(bbo_trace)(TBV__CAST(b), sides, p, q, n, o, n_done ? n_done : &done);
    if (n_done) done = *n_done;
    if (out) {
        /* rows past n_done are copied too (as the 0x5A poison) so a caller can
         * check the library left them alone */
        for (i = 0; i < n; i++) {
            out[i].bid_px = (int64_t)o[i].bid_px;
            out[i].bid_qty = (uint64_t)o[i].bid_qty;
            out[i].ask_px = (int64_t)o[i].ask_px;
            out[i].ask_qty = (uint64_t)o[i].ask_qty;
        }
    }
    (void)done;
    free(p);
    free(q);
    free(o);
    return st;
}

/* ---- white box ------------------------------------------------------------ */

static int TBV__AD(corrupt)(void *vb, int kind, int side, tbv_undo *u) {
    TBV_B *b = TBV__CAST(vb);
    const uint32_t N = TBV__FN(tape_size)();
    const uint32_t words = N / 64u, swords = (words + 63u) / 64u;
    uint32_t c;
    int32_t truebest = -1;
    int found = 0;
    switch (kind) {
    case TBV_C_BIT_WITHOUT_QTY:
    case TBV_C_QTY_WITHOUT_BIT:
        for (c = 0; c < N; c++)
            if (b->tape[side].q[c] == 0) {
                found = 1;
                break;
            }
        if (!found) return 0;
        if (kind == TBV_C_BIT_WITHOUT_QTY) {
            tbv_undo_record(u, &b->tape[side].bits[c >> 6], sizeof(uint64_t));
            tbv_undo_record(u, &b->tape[side].summary[c >> 12], sizeof(uint64_t));
            b->tape[side].bits[c >> 6] |= (uint64_t)1 << (c & 63u);
            b->tape[side].summary[c >> 12] |= (uint64_t)1 << ((c >> 6) & 63u);
        } else {
            tbv_undo_record(u, &b->tape[side].q[c], sizeof(TBV_Q));
            b->tape[side].q[c] = 1;
        }
        return 1;
    case TBV_C_SUMMARY:
        tbv_undo_record(u, &b->tape[side].summary[0], sizeof(uint64_t));
        b->tape[side].summary[0] ^= 1u;
        return 1;
    case TBV_C_BEST:
        /* the true best cell, scanned naively */
        for (c = 0; c < N; c++) {
            uint32_t cc = side ? N - 1u - c : c;
            if (b->tape[side].q[cc]) {
                truebest = (int32_t)cc;
                break;
            }
        }
        tbv_undo_record(u, &b->tape[side].best, sizeof(int32_t));
        /* a valid rank key (cell 5 or 6 of the side's order) that is not the best's key */
        if (truebest >= 0 && side) truebest = (int32_t)(N - 1u) - truebest;
        b->tape[side].best = truebest == 5 ? 6 : 5;
        return 1;
    case TBV_C_SPILL_ORDER:
        if (b->spill[side].n < 2) return 0;
        {
            uint32_t m = b->spill[side].cap - 1u;
            TBV__LV *x = &b->spill[side].a[b->spill[side].head & m];
            TBV__LV *y = &b->spill[side].a[(b->spill[side].head + 1u) & m];
            TBV__LV t;
            tbv_undo_record(u, x, sizeof *x);
            tbv_undo_record(u, y, sizeof *y);
            t = *x;
            *x = *y;
            *y = t;
        }
        return 1;
    case TBV_C_SPILL_IN_WINDOW:
    case TBV_C_SPILL_ZERO_QTY:
    case TBV_C_SPILL_BAD_PRICE:
        if (b->spill[side].n < 1) return 0;
        {
            uint32_t m = b->spill[side].cap - 1u;
            uint32_t i = kind == TBV_C_SPILL_BAD_PRICE ? b->spill[side].n - 1u : 0u;
            TBV__LV *x = &b->spill[side].a[(b->spill[side].head + i) & m];
            tbv_undo_record(u, x, sizeof *x);
            if (kind == TBV_C_SPILL_IN_WINDOW) x->px = (TBV_P)(b->tape[side].anchor + (TBV_P)(N / 2u));
            else if (kind == TBV_C_SPILL_ZERO_QTY) x->qty = 0;
            else x->px = side ? (TBV_P)(TBV__FN(price_min)() - 1) : (TBV_P)(TBV__FN(price_max)() + 1);
        }
        return 1;
    case TBV_C_SPILL_DUP:
        if (b->spill[side].n < 2) return 0;
        {
            uint32_t m = b->spill[side].cap - 1u;
            TBV__LV *x = &b->spill[side].a[b->spill[side].head & m];
            TBV__LV *y = &b->spill[side].a[(b->spill[side].head + 1u) & m];
            tbv_undo_record(u, y, sizeof *y);
            y->px = x->px;
        }
        return 1;
    case TBV_C_SPILL_N_OVER_CAP:
        if (b->spill[side].cap == 0) return 0;
        tbv_undo_record(u, &b->spill[side].n, sizeof(uint32_t));
        b->spill[side].n = b->spill[side].cap + 1u;
        return 1;
    case TBV_C_SPILL_CAP_NOT_POW2:
        if (b->spill[side].cap < 4) return 0;
        tbv_undo_record(u, &b->spill[side].cap, sizeof(uint32_t));
        b->spill[side].cap -= 1u;
        return 1;
    case TBV_C_SPILL_HEAD:
        if (b->spill[side].cap == 0) return 0;
        tbv_undo_record(u, &b->spill[side].head, sizeof(uint32_t));
        b->spill[side].head = b->spill[side].cap;
        return 1;
    case TBV_C_ANCHOR:
        tbv_undo_record(u, &b->tape[side].anchor, sizeof(TBV_P));
        b->tape[side].anchor = (TBV_P)(TBV__FN(anchor_min)() - 1);
        return 1;
    case TBV_C_SUMMARY_EXTRA:
        if (words >= swords * 64u) return 0;
        tbv_undo_record(u, &b->tape[side].summary[words >> 6], sizeof(uint64_t));
        b->tape[side].summary[words >> 6] |= (uint64_t)1 << (words & 63u);
        return 1;
    case TBV_C_NX_BIT:
        tbv_undo_record(u, &b->spill[side].nx_bits[TB__NX_WORDS - 1u], sizeof(uint64_t));
        b->spill[side].nx_bits[TB__NX_WORDS - 1u] ^= (uint64_t)1 << 63;
        return 1;
    case TBV_C_NX_RANK:
        tbv_undo_record(u, &b->spill[side].nx_rank, sizeof(uint32_t));
        b->spill[side].nx_rank += 1u;
        return 1;
    case TBV_C_NX_CNT:
        tbv_undo_record(u, &b->spill[side].nx_cnt[TB__NX_WORDS - 1u], sizeof(uint16_t));
        b->spill[side].nx_cnt[TB__NX_WORDS - 1u] = (uint16_t)(b->spill[side].nx_cnt[TB__NX_WORDS - 1u] + 1u);
        return 1;
    default:
        return 0;
    }
}
static uint8_t *TBV__AD(state)(void *b) { return &TBV__CAST(b)->state; }
static void *TBV__AD(pool_of)(void *b) { return (void *)TBV__CAST(b)->pool; }
static void TBV__AD(nx)(void *b, int side, tbv_nx *out) {
    const TBV_B *x = TBV__CAST(b);
    uint32_t w;
    memset(out, 0, sizeof *out);
    out->start = (int64_t)x->spill[side].nx_start;
    out->rank = x->spill[side].nx_rank;
    out->score = x->spill[side].nx_score;
    out->need = x->spill[side].nx_need;
    out->hits = x->spill[side].nx_hits;
    out->misses = x->spill[side].nx_misses;
    for (w = 0; w < TB__NX_WORDS; w++) out->bits_set += (uint32_t)tb__popcount64(x->spill[side].nx_bits[w]);
    out->span = TB__NX_SPAN;
    out->slots = x->spill[side].n;
    out->live = x->spill[side].live;
}
/* Typed copies of a level list (NULL stays NULL), freed by the caller. */
static void TBV__AD(typed_levels)(const int64_t *px, const uint64_t *qty, size_t n, TBV_P **p, TBV_Q **q) {
    size_t i;
    *p = NULL;
    *q = NULL;
    if (px) {
        *p = (TBV_P *)malloc((n ? n : 1) * sizeof(TBV_P));
        if (!*p) abort();
        for (i = 0; i < n; i++) (*p)[i] = (TBV_P)px[i];
    }
    if (qty) {
        *q = (TBV_Q *)malloc((n ? n : 1) * sizeof(TBV_Q));
        if (!*q) abort();
        for (i = 0; i < n; i++) (*q)[i] = (TBV_Q)qty[i];
    }
}
static int TBV__AD(load_side)(void *b, int side, const int64_t *px, const uint64_t *qty, size_t n, size_t *bad) {
    TBV_P *p;
    TBV_Q *q;
    int st;
    TBV__AD(typed_levels)(px, qty, n, &p, &q);
    st = TBV__FN(load_side)(TBV__CAST(b), side, p, q, n, bad);
    free(p);
    free(q);
    return st;
}
static int TBV__AD(load_snapshot)(void *b, const int64_t *bid_px, const uint64_t *bid_qty, size_t n_bid,
                                  const int64_t *ask_px, const uint64_t *ask_qty, size_t n_ask, size_t *bad) {
    TBV_P *bp, *ap;
    TBV_Q *bq, *aq;
    int st;
    TBV__AD(typed_levels)(bid_px, bid_qty, n_bid, &bp, &bq);
    TBV__AD(typed_levels)(ask_px, ask_qty, n_ask, &ap, &aq);
    st = TBV__FN(load_snapshot)(TBV__CAST(b), bp, bq, n_bid, ap, aq, n_ask, bad);
    free(bp);
    free(bq);
    free(ap);
    free(aq);
    return st;
}

static const tbv_extra TBV_CAT(tbvx_, TBV_B) = {
    &TBV_CAT(TBV_B, _ops),
    TBV__AD(iter_levels),
    TBV__AD(iter_init_null),
    TBV__AD(iter_next_null),
    TBV__AD(apply),
    TBV__AD(bbo_trace),
    TBV__AD(corrupt),
    TBV__AD(state),
    TBV__AD(pool_of),
    TBV__AD(nx),
    TBV__AD(load_side),
    TBV__AD(load_snapshot),
};

#undef TBV__FN
#undef TBV__AD
#undef TBV__LV
#undef TBV__BBOT
#undef TBV__POOLT
#undef TBV__IT
#undef TBV__CAST
#undef TBV_B
#undef TBV_FAM
#undef TBV_P
#undef TBV_Q
#undef TBV_BITS
