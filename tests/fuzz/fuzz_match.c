/* fuzz_match.c — libFuzzer target for the matching engine's dump / load:
 * any bytes become a flow of orders, then dumps to load (raw, and mutated
 * but re-signed so the checks behind the CRC are reached).
 *
 * The input's first half drives a tb_match_i32_n64 engine (max_orders 32,
 * max_cap 8, STP and the prices' centre from the first byte): each 8-byte
 * record is a submit (side, price near 1000 or near 0, qty, tif, flags,
 * owner 0..3, small ids that collide), a cancel or a modify. Then:
 *   - dump -> load into a fresh engine -> dump gives the same bytes, and
 *     both engines answer the next order with byte-identical events;
 *   - the raw input and the input's second half are handed to load() as
 *     dumps: refused (the target's dump unchanged) or accepted (invariants
 *     hold, and its own dump loads back to the same bytes);
 *   - the real dump with input bytes XORed in and its CRC recomputed is
 *     loaded the same way (so the header, L3 and owner checks are fuzzed);
 *   - the same flow as one apply_ops batch on a third engine, into an event
 *     buffer of a few events (the batch stops and is resumed): the same
 *     events in order and the same dump as the single calls;
 *   - every single call of the flow also goes to the reference engine
 *     (tests/c/ref_match.h, written apart from tb_match.inc): the same status,
 *     events and result, call by call, and the same number of resting orders.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc tests/fuzz/fuzz_match.c -o fuzz_match
 *   ./fuzz_match -max_total_time=60 corpus_dir           (make fuzz-cov)
 * Build with -DFUZZ_MATCH_MAIN (no -fsanitize=fuzzer) for a driver that runs
 * the files named on the command line, or `--random N` seeded inputs (make
 * c-match runs 2000 of them and the seeds in tests/fuzz/corpus_match: 52
 * inputs that cover every edge a 300 s run (588k inputs) reached, picked by
 * libFuzzer's -set_cover_merge=1 -use_counters=0; make fuzz-cov starts there). */
#define TB_NO_SHIPPED_VARIANTS /* only the variant used: a fast build */
#define TB__M_OPS_DEEP 8u      /* apply_ops' deep lookahead within this small book too */
#include "tapebook.h"
#include "tapebook/tb_params_i32.inc"
#include "tapebook/tb_family.inc"
#define TB_N 64
#include "tapebook/tb_book.inc"
#define TB_N 64
#include "tapebook/tb_l3.inc"
#define TB_N 64
#include "tapebook/tb_match_types.h"
#include "tapebook/tb_match.inc"
#include "tapebook/tb_family_end.inc"

#include "../c/ref_match.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

#define REC 8u
#define EVCAP 128u

typedef tb_match_i32_n64 M;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *dump_of(M *m, size_t *len) {
    unsigned char *buf;
    size_t n = 0;
    CHECK(tb_match_i32_n64_dump_size(m, len) == TB_OK);
    buf = (unsigned char *)malloc(*len);
    CHECK(buf);
    CHECK(tb_match_i32_n64_dump(m, buf, *len, &n) == TB_OK && n == *len);
    return buf;
}

/* Hand bytes to load(): refused with the engine unchanged, or accepted whole. */
static void try_load(M *m, const unsigned char *bytes, size_t len) {
    size_t before_len, after_len;
    unsigned char *before = dump_of(m, &before_len), *after;
    const int st = tb_match_i32_n64_load(m, bytes, len);
    after = dump_of(m, &after_len);
    if (st != TB_OK) {
        CHECK(st == TB_ERR_FORMAT || st == TB_ERR_FULL || st == TB_ERR_NOMEM);
        CHECK(after_len == before_len && memcmp(after, before, before_len) == 0);
    } else {
        CHECK(tb_match_i32_n64_verify_invariants(m) == TB_OK); /* a crossed book is refused */
        CHECK(tb_match_i32_n64_load(m, after, after_len) == TB_OK);
    }
    free(before);
    free(after);
}

/* the engine's answer to one call against the reference's: status, events, result */
static void same_as_ref(int st, const tb_match_event *ev, size_t ne, const tb_submit_result *r, int rst,
                        const tb_match_event *rev, size_t rne, const tb_submit_result *rr) {
    CHECK(st == rst);
    if (st != TB_OK) return;
    CHECK(ne == rne && (ne == 0 || memcmp(ev, rev, ne * sizeof ev[0]) == 0));
    CHECK(!r || memcmp(r, rr, sizeof *r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tb_match_event ev[EVCAP], ev2[EVCAP], rev[EVCAP], all[1 << 16];
    static tb_match_op ops[1 << 13];
    const int stp = size ? data[0] & 3 : 0;
    /* bit 2: prices around 0 (-10 .. 10, both signs: the spill under a tape anchored at
     * 1000), else around 1000 (on the tape) */
    const int32_t px_base = size && (data[0] & 4u) ? -10 : 990;
    const size_t half = size / 2, n = half / REC;
    M *m = NULL, *x = NULL;
    size_t i, k, len = 0, len2 = 0, ne = 0, ne2 = 0, n_all = 0, rne = 0;
    unsigned char *buf, *buf2, *mut;
    tb_submit_result r, r2, rr;
    tb_match_order o;
    ref_match ref;
    int st, rst;
    CHECK(ref_match_init(&ref, stp, INT32_MIN + 64, INT32_MAX - 64, UINT32_MAX, 32, 8) == TB_OK);
    CHECK(tb_match_i32_n64_create(&m, 1000, 32, 8, stp) == TB_OK);
    CHECK(tb_match_i32_n64_create(&x, 0, 32, 8, TB_STP_NONE) == TB_OK);
    CHECK(n <= sizeof ops / sizeof ops[0]);
    for (i = 0; i < n; i++) {
        const uint8_t *d = data + i * REC;
        const uint64_t id = 1u + (d[1] & 31u);
        memset(&o, 0, sizeof o);
        if (d[0] < 180) {
            o.id = id;
            o.side = d[0] & 1u;
            o.px = px_base + (d[2] % 21);
            o.qty = 1u + d[3] % 9u + ((d[7] & 0x80u) ? 0xfffffff0u : 0u);
            o.tif = (uint8_t)(d[4] % 3u);
            o.flags = (uint8_t)(d[5] % 5u == 4u ? 0u : d[5] % 5u);
            o.owner = d[6] & 3u;
            ops[i].kind = TB_OP_SUBMIT;
            memset(&r, 0, sizeof r);
            memset(&rr, 0, sizeof rr);
            st = tb_match_i32_n64_submit(m, &o, ev, EVCAP, &ne, &r);
            rst = ref_match_submit(&ref, &o, rev, EVCAP, &rne, &rr);
            same_as_ref(st, ev, ne, &r, rst, rev, rne, &rr);
            if (st != TB_OK) ne = 0;
        } else if (d[0] < 220) {
            o.id = id;
            ops[i].kind = TB_OP_CANCEL;
            st = tb_match_i32_n64_cancel(m, id, ev, EVCAP, &ne);
            rst = ref_match_cancel(&ref, id, rev, EVCAP, &rne);
            same_as_ref(st, ev, ne, NULL, rst, rev, rne, NULL);
            if (st != TB_OK) ne = 0;
        } else {
            o.id = id;
            o.qty = 1u + d[3] % 9u;
            ops[i].kind = d[7] == 0xff ? (uint8_t)'?' : (uint8_t)TB_OP_MODIFY; /* rarely not a kind */
            ne = 0;
            if (ops[i].kind == TB_OP_MODIFY) {
                st = tb_match_i32_n64_modify(m, id, o.qty, ev, EVCAP, &ne);
                rst = ref_match_modify(&ref, id, o.qty, rev, EVCAP, &rne);
                same_as_ref(st, ev, ne, NULL, rst, rev, rne, NULL);
                if (st != TB_OK) ne = 0;
            }
        }
        ops[i].order = o;
        memset(ops[i].reserved, 0, sizeof ops[i].reserved);
        CHECK(n_all + ne <= sizeof all / sizeof all[0]);
        memcpy(all + n_all, ev, ne * sizeof ev[0]);
        n_all += ne;
    }
    CHECK(tb_match_i32_n64_verify_invariants(m) == TB_OK);
    CHECK(tb_match_i32_n64_orders(m) == ref.n_orders);
    ref_match_free(&ref);
    /* dump -> load -> dump, then the same next order on both */
    buf = dump_of(m, &len);
    CHECK(tb_match_i32_n64_load(x, buf, len) == TB_OK);
    buf2 = dump_of(x, &len2);
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    free(buf2);
    memset(&o, 0, sizeof o);
    o.id = 1000;
    o.side = size > 1 ? data[1] & 1u : 1u;
    o.px = 1000;
    o.qty = 50;
    o.owner = size > 2 ? data[2] & 3u : 0u;
    memset(&r, 0, sizeof r);
    memset(&r2, 0, sizeof r2);
    CHECK(tb_match_i32_n64_submit(m, &o, ev, EVCAP, &ne, &r) ==
          tb_match_i32_n64_submit(x, &o, ev2, EVCAP, &ne2, &r2)); /* the same status (the book may be full) */
    CHECK(ne == ne2 && memcmp(ev, ev2, ne * sizeof ev[0]) == 0 && memcmp(&r, &r2, sizeof r) == 0);
    /* hostile dumps */
    try_load(x, data, size);
    try_load(x, data + half, size - half);
    mut = (unsigned char *)malloc(len);
    CHECK(mut);
    memcpy(mut, buf, len);
    for (k = half; k < size; k++) mut[(k * 2654435761u) % (len - 4u)] ^= data[k];
    {
        const uint32_t c = tb_crc32(0, mut, len - 4u);
        mut[len - 4] = (unsigned char)c;
        mut[len - 3] = (unsigned char)(c >> 8);
        mut[len - 2] = (unsigned char)(c >> 16);
        mut[len - 1] = (unsigned char)(c >> 24);
    }
    try_load(x, mut, len);
    free(mut);
    { /* the same flow as one apply_ops batch into a buffer of 1..8 events, resumed as a caller drains it */
        M *y = NULL;
        const size_t small = 1u + (size > 1 ? data[size - 1] % 8u : 0u);
        size_t done = 0, seen = 0;
        CHECK(tb_match_i32_n64_create(&y, 1000, 32, 8, stp) == TB_OK);
        while (done < n) {
            size_t nb = 0, db = 0;
            st = tb_match_i32_n64_apply_ops(y, ops + done, n - done, ev2, small, &nb, NULL, NULL, &db);
            if (st == TB_ERR_EVENTS && db == 0) /* its events do not fit the small buffer: the whole one */
                st = tb_match_i32_n64_apply_ops(y, ops + done, 1, ev2, EVCAP, &nb, NULL, NULL, &db);
            CHECK((st == TB_OK || st == TB_ERR_EVENTS) && db > 0);
            CHECK(seen + nb <= n_all && memcmp(all + seen, ev2, nb * sizeof ev2[0]) == 0);
            seen += nb;
            done += db;
        }
        CHECK(seen == n_all);
        buf2 = dump_of(y, &len2);
        CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
        free(buf2);
        CHECK(tb_match_i32_n64_destroy(y) == TB_OK);
    }
    free(buf);
    CHECK(tb_match_i32_n64_destroy(m) == TB_OK);
    CHECK(tb_match_i32_n64_destroy(x) == TB_OK);
    return 0;
}

#ifdef FUZZ_MATCH_MAIN
int main(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--random") && i + 1 < argc) {
            const long count = strtol(argv[++i], NULL, 10);
            uint64_t s = UINT64_C(0x5eedf022);
            long c;
            for (c = 0; c < count; c++) {
                uint8_t d[1024];
                size_t len, j;
                s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
                len = (size_t)(s >> 54); /* 0 .. 1023 bytes */
                for (j = 0; j < len; j++) {
                    s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
                    d[j] = (uint8_t)(s >> 56);
                }
                LLVMFuzzerTestOneInput(d, len);
            }
            printf("fuzz_match: %ld random inputs\n", count);
            continue;
        }
        {
            FILE *f = fopen(argv[i], "rb");
            long len;
            uint8_t *d;
            if (!f) { /* a seed that is not there is an error, not a pass */
                fprintf(stderr, "fuzz_match: cannot open %s\n", argv[i]);
                return 1;
            }
            fseek(f, 0, SEEK_END);
            len = ftell(f);
            fseek(f, 0, SEEK_SET);
            d = (uint8_t *)malloc(len > 0 ? (size_t)len : 1u);
            if (d && fread(d, 1, (size_t)len, f) == (size_t)len) LLVMFuzzerTestOneInput(d, (size_t)len);
            free(d);
            fclose(f);
        }
    }
    return 0;
}
#endif
