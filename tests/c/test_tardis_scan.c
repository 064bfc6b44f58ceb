/* test_tardis_scan.c — tb_tardis_scan.h: the Tardis incremental_book_L2 scanner.
 *
 * A hand-checked file covering every rule (snapshot block, grouping by
 * local_timestamp, rows before the first snapshot, a bad value, a line with
 * the wrong field count inside a message, quoting, CRLF, no final newline);
 * seeded files scanned whole and through every split into blocks and every
 * tiny output capacity (a driver that drains the output like the Python
 * reader) must give the same rows, messages and errors; argument errors
 * change nothing. Written in the common subset of C and C++. */
#include "tapebook/tb_tardis_scan.h"

#include "tb_test.h"

#define CAP 8192

/* everything a scan produced, drained from the output */
typedef struct result {
    size_t n_rows, n_msgs, n_errs;
    uint8_t side[CAP];
    int64_t px[CAP];
    uint64_t qty[CAP];
    int64_t row_end[CAP], ts[CAP], seq[CAP], line[CAP];
    uint8_t kind[CAP];
    int64_t err_msg[CAP], err_line[CAP];
    int32_t err_field[CAP], err_reason[CAP];
    uint64_t err_len[CAP];
    char err_text[CAP][16]; /* the first bytes of each error's text */
    int status; /* last status: TB_TARDIS_DONE or TB_TARDIS_SYMBOL_CHANGE */
} result;

static const uint8_t ROLES8[8] = {TB_TARDIS_OTHER,    TB_TARDIS_SYMBOL,      TB_TARDIS_TIMESTAMP, TB_TARDIS_LOCAL_TS,
                                  TB_TARDIS_IS_SNAPSHOT, TB_TARDIS_SIDE,     TB_TARDIS_PRICE,     TB_TARDIS_AMOUNT};

static tb_dec_unit unit_of(const char *s) {
    tb_dec_unit u;
    memset(&u, 0, sizeof u);
    CHECK_EQ(tb_dec_unit_parse(s, strlen(s), &u), TB_OK);
    return u;
}

/* working output of `cap` rows (messages and errors: the minimum room + cap) */
typedef struct work {
    uint8_t side[CAP];
    int64_t px[CAP];
    uint64_t qty[CAP];
    int64_t row_end[CAP], ts[CAP], seq[CAP], line[CAP];
    uint8_t kind[CAP];
    tb_tardis_err errs[64];
} work;

static void drain(tb_tardis_scan *st, tb_tardis_out *out, result *res) {
    size_t m = out->n_msgs, closed = m ? (size_t)out->row_end[m - 1] : 0, i, k;
    for (i = 0; i < out->n_errs; i++) {
        size_t e = res->n_errs++;
        res->err_msg[e] = out->errs[i].msg < 0 ? -1 : out->errs[i].msg + (int64_t)res->n_msgs;
        res->err_line[e] = out->errs[i].line;
        res->err_field[e] = out->errs[i].field;
        res->err_reason[e] = out->errs[i].reason;
        res->err_len[e] = out->errs[i].len;
        memcpy(res->err_text[e], out->errs[i].text, out->errs[i].len < 16 ? (size_t)out->errs[i].len : 16);
    }
    out->n_errs = 0;
    for (i = 0; i < m; i++) {
        size_t j = res->n_msgs++;
        res->row_end[j] = out->row_end[i] + (int64_t)res->n_rows;
        res->ts[j] = out->ts[i];
        res->seq[j] = out->seq[i];
        res->line[j] = out->line[i];
        res->kind[j] = out->kind[i];
    }
    for (i = 0; i < closed; i++) {
        size_t j = res->n_rows++;
        res->side[j] = out->side[i];
        res->px[j] = out->px[i];
        res->qty[j] = out->qty[i];
    }
    /* the open message's rows move to the front */
    k = out->n_rows - closed;
    memmove(out->side, out->side + closed, k);
    memmove(out->px, out->px + closed, k * sizeof(int64_t));
    memmove(out->qty, out->qty + closed, k * sizeof(uint64_t));
    out->n_rows = k;
    out->n_msgs = 0;
    st->open_row0 = 0;
}

/* Scan text through blocks of `block` bytes (carrying partial lines, as the
 * Python reader does) into an output of `rows_cap` rows. */
static void scan_units(const char *text, size_t len, size_t block, size_t rows_cap, int fast, const char *tick,
                       const char *lot, result *res) {
    static work w;
    static char buf[1 << 16];
    tb_tardis_scan st;
    tb_tardis_out out;
    size_t fed = 0, have = 0, pos = 0, consumed = 0;
    int eof = 0, rc;
    memset(res, 0, sizeof *res);
    memset(&st, 0, sizeof st);
    memset(&out, 0, sizeof out);
    CHECK_EQ(tb_tardis_begin(&st, ROLES8, 8, unit_of(tick), unit_of(lot), 2, 1), TB_OK);
    out.side = w.side;
    out.px = w.px;
    out.qty = w.qty;
    out.rows_cap = rows_cap;
    out.row_end = w.row_end;
    out.ts = w.ts;
    out.seq = w.seq;
    out.line = w.line;
    out.kind = w.kind;
    out.msgs_cap = rows_cap + TB_TARDIS_MSG_ROOM;
    out.errs = w.errs;
    out.errs_cap = TB_TARDIS_MSG_ROOM + 1;
    for (;;) {
        rc = fast ? tb_tardis_scan_buf(&st, buf + pos, have - pos, eof, &out, &consumed)
                  : tb__tardis_scan(&st, buf + pos, have - pos, eof, &out, &consumed, 0);
        CHECK(rc >= 0);
        if (rc < 0) return;
        pos += consumed;
        if (rc == TB_TARDIS_SYMBOL_CHANGE) {
            drain(&st, &out, res);
            res->status = rc;
            return;
        }
        if (rc == TB_TARDIS_FULL) {
            drain(&st, &out, res);
            if (out.rows_cap - out.n_rows < 1) out.rows_cap *= 2; /* one message larger than the output */
            if (out.rows_cap > CAP - TB_TARDIS_MSG_ROOM) out.rows_cap = CAP - TB_TARDIS_MSG_ROOM;
            out.msgs_cap = out.rows_cap + TB_TARDIS_MSG_ROOM;
            continue;
        }
        if (eof) break;
        memmove(buf, buf + pos, have - pos);
        have -= pos;
        pos = 0;
        {
            size_t n = len - fed < block ? len - fed : block;
            memcpy(buf + have, text + fed, n);
            fed += n;
            have += n;
            eof = n == 0;
        }
    }
    drain(&st, &out, res);
    res->status = TB_TARDIS_DONE;
}

/* tick 0.25, lot 0.1 */
static void scan_with(const char *text, size_t len, size_t block, size_t rows_cap, int fast, result *res) {
    scan_units(text, len, block, rows_cap, fast, "0.25", "0.1", res);
}

/* through the public call (the fast path where it applies) */
static void scan_all(const char *text, size_t len, size_t block, size_t rows_cap, result *res) {
    scan_with(text, len, block, rows_cap, 1, res);
}

static int same(const result *a, const result *b) {
    size_t i;
    if (a->n_rows != b->n_rows || a->n_msgs != b->n_msgs || a->n_errs != b->n_errs || a->status != b->status)
        return 0;
    for (i = 0; i < a->n_rows; i++)
        if (a->side[i] != b->side[i] || a->px[i] != b->px[i] || a->qty[i] != b->qty[i]) return 0;
    for (i = 0; i < a->n_msgs; i++)
        if (a->row_end[i] != b->row_end[i] || a->ts[i] != b->ts[i] || a->seq[i] != b->seq[i] ||
            a->line[i] != b->line[i] || a->kind[i] != b->kind[i])
            return 0;
    for (i = 0; i < a->n_errs; i++)
        if (a->err_msg[i] != b->err_msg[i] || a->err_line[i] != b->err_line[i] ||
            a->err_field[i] != b->err_field[i] || a->err_reason[i] != b->err_reason[i] ||
            a->err_len[i] != b->err_len[i] || memcmp(a->err_text[i], b->err_text[i], sizeof a->err_text[i]) != 0)
            return 0;
    return 1;
}

static const char DOC[] =
    "b,X,5,10,false,bid,100,1\n"            /* 2: before the first snapshot: PRESYNC */
    "b,X,6,20,true,bid,100,1.5\r\n"         /* 3: snapshot block (two local_timestamps) */
    "b,X,7,21,true,ask,\"100.25\",2\n"      /* 4 */
    "b,X,8,30,false,bid,100,0\n"            /* 5: delta 30 */
    "b,X,9,30,false,ask,1.0025e2,0.5\n"     /* 6: same message */
    "b,X,10,31,false,bid,99.75\n"           /* 7: 7 fields: an ERROR of its own, after message 30 */
    "b,X,11,31,false,bid,99.75,3\n"         /* 8: delta 31 */
    "b,X,12,31,false,ask,100.3,3\n"         /* 9: not a whole number of ticks: message 31 is ERROR */
    "\"b,\"\"q\",X,13,40,false,ask,101,4";  /* 10: quoted exchange, no final newline */

static void test_rules(void) {
    static result r;
    scan_all(DOC, strlen(DOC), 1 << 16, 1000, &r);
    CHECK_EQ(r.status, TB_TARDIS_DONE);
    CHECK_EQ(r.n_msgs, 6);
    /* kinds, lines, seq */
    CHECK_EQ(r.kind[0], TB__TARDIS_PRESYNC);
    CHECK_EQ(r.line[0], 2);
    CHECK_EQ(r.kind[1], TB__TARDIS_SNAPSHOT);
    CHECK_EQ(r.line[1], 3);
    CHECK_EQ(r.ts[1], 7000);
    CHECK_EQ(r.kind[2], TB__TARDIS_DELTA);
    CHECK_EQ(r.line[2], 5);
    CHECK_EQ(r.ts[2], 9000);
    CHECK_EQ(r.kind[3], TB__TARDIS_ERROR); /* the 7-field line, held back until message 30 closed */
    CHECK_EQ(r.line[3], 7);
    CHECK_EQ(r.kind[4], TB__TARDIS_ERROR); /* message 31: its first bad row is line 9 */
    CHECK_EQ(r.line[4], 9);
    CHECK_EQ(r.kind[5], TB__TARDIS_DELTA);
    CHECK_EQ(r.line[5], 10);
    CHECK_EQ(r.seq[5], 5);
    /* rows: snapshot (2), delta 30 (2), delta 40 (1) */
    CHECK_EQ(r.n_rows, 5);
    CHECK_EQ(r.row_end[0], 0);
    CHECK_EQ(r.row_end[1], 2);
    CHECK_EQ(r.row_end[2], 4);
    CHECK_EQ(r.row_end[3], 4);
    CHECK_EQ(r.row_end[4], 4);
    CHECK_EQ(r.row_end[5], 5);
    CHECK_EQ(r.side[0], 1);
    CHECK_EQ(r.px[0], 400);
    CHECK_EQ_U(r.qty[0], 15);
    CHECK_EQ(r.side[1], 0);
    CHECK_EQ(r.px[1], 401);
    CHECK_EQ_U(r.qty[1], 20);
    CHECK_EQ(r.px[3], 401);
    CHECK_EQ_U(r.qty[3], 5);
    CHECK_EQ(r.px[4], 404);
    /* errors: message 3 (7 fields), message 4 (price, inexact) */
    CHECK_EQ(r.n_errs, 2);
    CHECK_EQ(r.err_msg[0], 3);
    CHECK_EQ(r.err_field[0], TB_TARDIS_OTHER);
    CHECK_EQ(r.err_reason[0], 7);
    CHECK_EQ(r.err_msg[1], 4);
    CHECK_EQ(r.err_field[1], TB_TARDIS_PRICE);
    CHECK_EQ(r.err_reason[1], TB_DEC_INEXACT);
}

static void test_symbol_change(void) {
    static result r;
    const char *t = "b,X,1,1,true,bid,1,1\nb,Y,2,2,false,bid,1,1\nb,X,3,3,false,bid,1,1\n";
    const char *empty = "b,X,1,1,true,bid,1,1\n\r\nb,X,3,3,false,bid,1,1\n";
    scan_all(t, strlen(t), 1 << 16, 100, &r);
    CHECK_EQ(r.status, TB_TARDIS_SYMBOL_CHANGE);
    CHECK_EQ(r.n_errs, 1);
    CHECK_EQ(r.err_msg[0], -1);
    CHECK_EQ(r.err_line[0], 3);
    CHECK_EQ(r.err_field[0], TB_TARDIS_SYMBOL);
    /* an empty line is a row of empty fields: its symbol '' is a second symbol */
    scan_all(empty, strlen(empty), 1 << 16, 100, &r);
    CHECK_EQ(r.status, TB_TARDIS_SYMBOL_CHANGE);
    CHECK_EQ(r.err_line[0], 3);
}

/* a seeded random file with bad values, odd quoting and malformed lines */
static size_t random_file(uint64_t *rng, char *out, size_t cap) {
    size_t pos = 0;
    int64_t lts = 1000;
    int m;
    for (m = 0; m < 300 && pos + 200 < cap; m++) {
        int rows, k, snap;
        *rng = *rng * 6364136223846793005u + 1442695040888963407u;
        snap = (*rng >> 33) % 13 == 0 || m == 1;
        rows = 1 + (int)((*rng >> 40) % 5);
        lts += 1 + (int64_t)((*rng >> 50) % 2);
        for (k = 0; k < rows; k++) {
            unsigned v;
            *rng = *rng * 6364136223846793005u + 1442695040888963407u;
            v = (unsigned)(*rng >> 32);
            switch (v % 41) {
            case 0: pos += (size_t)snprintf(out + pos, cap - pos, "b,X,1,%lld,false,bid,1\n", (long long)lts); break;
            case 1: pos += (size_t)snprintf(out + pos, cap - pos, "\"b,1\",X,1,%lld,false,bid,100,1\n", (long long)lts); break;
            case 2: pos += (size_t)snprintf(out + pos, cap - pos, "b,X,1,%lld,maybe,ask,1,1\n", (long long)lts); break;
            case 3: pos += (size_t)snprintf(out + pos, cap - pos, "b,X,1,%lld,false,ask,1.1,1\r\n", (long long)lts); break;
            case 4: pos += (size_t)snprintf(out + pos, cap - pos, "\"b\"\"\",\"X\",\"1\",\"%lld\",\"%s\",\"ask\",\"1\"5,\"1\n",
                                            (long long)lts, snap ? "true" : "false"); break;
            default:
                pos += (size_t)snprintf(out + pos, cap - pos, "b,X,%u,%lld,%s,%s,%u.%s,%u.%u\n", v % 1000,
                                        (long long)lts, snap ? "true" : "false", (v >> 3) & 1 ? "bid" : "ask",
                                        100 + (v >> 5) % 10, ((v >> 9) & 3) == 0 ? "25" : "5", (v >> 12) % 9,
                                        (v >> 16) % 10);
            }
        }
    }
    return pos;
}

static void test_blocks_and_capacities(void) {
    static char text[1 << 15];
    static result whole, part;
    uint64_t rng = 12345;
    int round, rounds = tbt_prof == TBT_FULL ? 60 : 12;
    for (round = 0; round < rounds; round++) {
        size_t len = random_file(&rng, text, sizeof text), block;
        if (round % 3 == 0 && len) len--; /* no final newline */
        scan_all(text, len, 1 << 16, 4000, &whole);
        CHECK(whole.n_msgs > 100);
        for (block = 1; block < 200; block = block * 3 + 1) {
            size_t caps[3] = {1, 3, 50}, c;
            for (c = 0; c < 3; c++) {
                scan_all(text, len, block, caps[c], &part);
                CHECK_MSG(same(&whole, &part), "round %d block %zu cap %zu", round, block, caps[c]);
            }
        }
    }
}

static void test_arguments(void) {
    static work w;
    tb_tardis_scan st, copy;
    tb_tardis_out out;
    uint8_t roles[8];
    size_t consumed = 99;
    char line[] = "b,X,1,1,true,bid,1,1\n";
    tb_dec_unit tick = unit_of("0.25"), lot = unit_of("0.1"), zero;
    memset(&st, 0, sizeof st);
    memset(&out, 0, sizeof out);
    memset(&zero, 0, sizeof zero);
    memcpy(roles, ROLES8, 8);
    CHECK_EQ(tb_tardis_begin(NULL, roles, 8, tick, lot, 2, 1), TB_ERR_NULL);
    CHECK_EQ(tb_tardis_begin(&st, NULL, 8, tick, lot, 2, 1), TB_ERR_NULL);
    CHECK_EQ(tb_tardis_begin(&st, roles, 6, tick, lot, 2, 1), TB_ERR_BADARG);
    CHECK_EQ(tb_tardis_begin(&st, roles, 65, tick, lot, 2, 1), TB_ERR_BADARG);
    CHECK_EQ(tb_tardis_begin(&st, roles, 8, zero, lot, 2, 1), TB_ERR_BADARG);
    CHECK_EQ(tb_tardis_begin(&st, roles, 8, tick, lot, 0, 1), TB_ERR_BADARG);
    roles[0] = TB_TARDIS_PRICE; /* price twice */
    CHECK_EQ(tb_tardis_begin(&st, roles, 8, tick, lot, 2, 1), TB_ERR_BADARG);
    roles[0] = 9;
    CHECK_EQ(tb_tardis_begin(&st, roles, 8, tick, lot, 2, 1), TB_ERR_BADARG);
    CHECK_EQ(st.n_fields, 0); /* unchanged */
    CHECK_EQ(tb_tardis_begin(&st, ROLES8, 8, tick, lot, 2, 1), TB_OK);
    /* scanning: NULLs, an inconsistent output, no room */
    CHECK_EQ(tb_tardis_scan_buf(NULL, line, sizeof line - 1, 0, &out, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_tardis_scan_buf(&st, NULL, 5, 0, &out, &consumed), TB_ERR_NULL);
    CHECK_EQ(tb_tardis_scan_buf(&st, line, sizeof line - 1, 0, NULL, &consumed), TB_ERR_NULL);
    out.rows_cap = 4; /* arrays missing */
    CHECK_EQ(tb_tardis_scan_buf(&st, line, sizeof line - 1, 0, &out, &consumed), TB_ERR_BADARG);
    out.side = w.side;
    out.px = w.px;
    out.qty = w.qty;
    out.row_end = w.row_end;
    out.ts = w.ts;
    out.seq = w.seq;
    out.line = w.line;
    out.kind = w.kind;
    out.errs = w.errs;
    out.n_rows = 5; /* more than rows_cap */
    CHECK_EQ(tb_tardis_scan_buf(&st, line, sizeof line - 1, 0, &out, &consumed), TB_ERR_BADARG);
    out.n_rows = 0;
    out.msgs_cap = 3; /* too little room for a line: FULL at once, nothing consumed */
    out.errs_cap = 64;
    copy = st;
    CHECK_EQ(tb_tardis_scan_buf(&st, line, sizeof line - 1, 0, &out, &consumed), TB_TARDIS_FULL);
    CHECK_EQ(consumed, 0);
    CHECK(memcmp(&copy, &st, sizeof st) == 0);
    out.msgs_cap = 64;
    CHECK_EQ(tb_tardis_scan_buf(&st, line, sizeof line - 1, 0, &out, &consumed), TB_TARDIS_DONE);
    CHECK_EQ(consumed, sizeof line - 1);
    CHECK_EQ(out.n_rows, 1);
    CHECK_EQ(out.n_msgs, 0); /* the message is still open */
    CHECK_EQ(tb_tardis_scan_buf(&st, line, 0, 1, &out, &consumed), TB_TARDIS_DONE);
    CHECK_EQ(out.n_msgs, 1);
    CHECK_EQ(out.kind[0], TB__TARDIS_SNAPSHOT);
}

/* the scanner's fast decimal path gives tb_dec_parse's value and reason on every string */
static void test_fast_decimals(void) {
    static const char *const units[] = {"0.01", "0.25", "1e-8", "1", "5", "0.1", "1e-19", "0.3"};
    static const char alphabet[] = "0123456789000999..+-e";
    uint64_t rng = 99;
    int round, rounds = tbt_prof == TBT_FULL ? 400000 : 40000;
    for (round = 0; round < rounds; round++) {
        char s[32];
        size_t n, i;
        tb_dec_unit u;
        int uns;
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        n = (size_t)((rng >> 33) % 24);
        u = unit_of(units[(rng >> 40) % 8]);
        uns = (int)((rng >> 50) & 1);
        for (i = 0; i < n; i++) {
            rng = rng * 6364136223846793005u + 1442695040888963407u;
            s[i] = alphabet[(rng >> 35) % (sizeof alphabet - 1)];
        }
        {
            uint64_t a = 0, b = 0;
            int ra = tb__tardis_dec(s, n, u, uns, &a), rb = tb_dec_parse(s, n, u, uns, &b);
            CHECK_MSG(ra == rb && (ra || a == b), "'%.*s' fast %d/%llu parse %d/%llu", (int)n, s, ra,
                      (unsigned long long)a, rb, (unsigned long long)b);
        }
    }
}

/* ---- the fast path against the general one ---------------------------------------------- */

static uint64_t next_rng(uint64_t *rng) {
    *rng = *rng * 6364136223846793005u + 1442695040888963407u;
    return *rng >> 33;
}

/* A seeded file of common rows (the fast path's shape) of which about one in `odd` is
 * mutated: a byte replaced, inserted or deleted from an alphabet of the bytes that
 * matter, or a field swapped for an odd value (long digit runs, exponents, quotes, a
 * timestamp out of range, other symbols, CR, empty lines). `symbol` is the first row's
 * symbol field as written (quoted with a ',' inside on some files). heads = 1: the rows of
 * a message share their timestamp too (as venues write them), so a row's
 * "exchange,symbol,timestamp,local_timestamp,is_snapshot," is mostly the bytes of the row
 * before (the fast path then reads only the rest: the mutations test that shortcut). */
static size_t common_file(uint64_t *rng, char *out, size_t cap, unsigned odd, const char *symbol, int heads) {
    static const char bytes[] = ",\"\r\n.e-+09 xX";
    static const char *const exchanges[] = {"b", "binance-futures", "binanc", "binance ",
                                            "an-exchange-name-longer-than-the-sixty-four-bytes-the-fast-path-keeps"};
    static const char *const odd_values[] = {"1234567890123456789", "12345678901234567890", "999999999999999999", "9999999999999999999",
                                             "9223372036854775", "9223372036854776", "1e2", "0100.2500",
                                             "\"100\"", "", "-1", "100.", ".5", "100.251", "00000000000000000001",
                                             "X", "\"X\"", "Y", "a,b", "\"a,b\"", "true", "false", "TRUE", "bid",
                                             "ask", "0", "0.0", "18446744073709551615", "1.00000000000000000000"};
    size_t pos = 0;
    int64_t lts = 1600000000000000;
    int m;
    pos += (size_t)snprintf(out + pos, cap - pos, "b,%s,1,%lld,true,bid,100,1\n", symbol, (long long)lts);
    for (m = 0; m < 400 && pos + 6 * 260 < cap; m++) { /* room for six lines of < 256 bytes + CRLF */
        int rows = 1 + (int)(next_rng(rng) % 6), k;
        int snap = next_rng(rng) % 17 == 0;
        const int64_t ts_back = (int64_t)(next_rng(rng) % 50);
        lts += 1 + (int64_t)(next_rng(rng) % 3);
        for (k = 0; k < rows; k++) {
            char line[256];
            const char *fields[8];
            char ts[24], lt[24], px[24], qty[24];
            size_t n = 0, sym_end;
            int late;
            unsigned v = (unsigned)next_rng(rng), f;
            snprintf(ts, sizeof ts, "%lld", (long long)(lts - (heads ? ts_back : (int64_t)(v % 50))));
            snprintf(lt, sizeof lt, "%lld", (long long)lts);
            snprintf(px, sizeof px, "%u%s", 90 + v % 20, ((v >> 5) & 3) == 0 ? ".25" : (v >> 7) & 1 ? ".5" : "");
            snprintf(qty, sizeof qty, "%u%s", (v >> 8) % 9, (v >> 12) & 1 ? ".1" : "");
            if ((v >> 24) % 4 == 0) /* long shapes: 7-8 digit prices, amounts of 8 decimals */
                snprintf(px, sizeof px, "%u%s", (1000000 + v % 9000000) * ((v >> 28) % 2 ? 10u : 1u),
                         (v >> 6) & 1 ? ".75" : "");
            if ((v >> 26) % 4 == 0) /* 8 decimals (whole lots: the fast path takes it), or 9 */
                snprintf(qty, sizeof qty, (v >> 29) & 1 ? "%u.%08u" : "%u.%08u0", (v >> 8) % 3,
                         (v >> 9) % 10 * 10000000u);
            /* the exchange mostly the same (the fast path keeps "exchange,symbol,"), sometimes
             * another, shorter, longer, or longer than the 64 bytes it keeps */
            fields[0] = (v >> 20) % 8 ? "binance" : exchanges[(v >> 23) % (sizeof exchanges / sizeof *exchanges)];
            fields[1] = symbol;
            fields[2] = ts;
            fields[3] = lt;
            fields[4] = snap ? "true" : "false";
            fields[5] = (v >> 13) & 1 ? "bid" : "ask";
            fields[6] = px;
            fields[7] = qty;
            /* the symbol is changed only in the last messages: a second symbol stops the scan */
            late = m >= 390;
            if (next_rng(rng) % odd == 0 && next_rng(rng) % 2) {
                const char *value = odd_values[next_rng(rng) % (sizeof odd_values / sizeof *odd_values)];
                f = (unsigned)next_rng(rng) % 8;
                /* (an unquoted ',' in the exchange moves the symbol too) */
                if (late || (f != 1 && !(f == 0 && strcmp(value, "a,b") == 0))) fields[f] = value;
            }
            sym_end = late ? 0 : strlen(fields[0]) + strlen(symbol) + 2;
            for (f = 0; f < 8; f++) n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", f ? "," : "", fields[f]);
            if (next_rng(rng) % odd == 0 && n > sym_end) { /* a byte replaced, inserted or deleted */
                size_t at = sym_end + (size_t)next_rng(rng) % (n - sym_end);
                char b = bytes[next_rng(rng) % (sizeof bytes - 1)];
                switch (next_rng(rng) % 3) {
                case 0: line[at] = b; break;
                case 1: memmove(line + at + 1, line + at, n - at); line[at] = b; n++; break;
                default: memmove(line + at, line + at + 1, n - at - 1); n--;
                }
                if (!late && line[n - 1] == '\n') n--; /* no empty line (a symbol '') */
            }
            if (late && next_rng(rng) % (4 * odd) == 0) n = 0; /* an empty line: its symbol is '' */
            memcpy(out + pos, line, n);
            pos += n;
            if (next_rng(rng) % 5 == 0) out[pos++] = '\r';
            out[pos++] = '\n';
        }
    }
    return pos;
}

/* Whole and through blocks and capacities, the fast path (the public call) gives the
 * general path's rows, messages and errors, on clean files and files of odd rows. */
static void test_fast_is_general(void) {
    static char text[1 << 16];
    static result general, fast;
    static const char *const symbols[] = {"X", "\"X\"", "\"a,b\"", "BTC-USDT", "\"\""};
    static const unsigned odds[] = {1000000, 40, 7, 2};
    uint64_t rng = 4242;
    int round, rounds = tbt_prof == TBT_FULL ? 200 : 40;
    for (round = 0; round < rounds; round++) {
        size_t len = common_file(&rng, text, sizeof text, odds[round % 4], symbols[(round / 4) % 5], (round / 20) % 2);
        size_t block;
        if (round % 3 == 1) len--; /* no final newline */
        scan_with(text, len, 1 << 16, 4000, 0, &general);
        scan_with(text, len, 1 << 16, 4000, 1, &fast);
        CHECK_MSG(general.n_msgs > 100, "round %d msgs %zu status %d", round, general.n_msgs, general.status);
        CHECK_MSG(same(&general, &fast), "round %d whole", round);
        for (block = 5; block < 3000; block = block * 4 + 3) {
            size_t cap = 1 + (size_t)next_rng(&rng) % 40;
            scan_with(text, len, block, cap, 1, &fast);
            CHECK_MSG(same(&general, &fast), "round %d block %zu cap %zu", round, block, cap);
        }
    }
}

static void test_fast_cuts(void) {
    /* common rows (short and long values, "0", 15 and 16 digits, CRLF) among odd ones
     * (quoted fields, a value of 17 bytes, an exponent, a wrong field count), the buffer
     * cut after every byte and into blocks of every size to 40: the general path's
     * output, whatever the fast path reads ahead (two words of a value) */
    static const char text[] =
        "b,X,1700000000000001,1700000000000091,true,bid,100.25,0.1\n"
        "b,X,1700000000000001,1700000000000091,true,ask,100.5,1234567.8\r\n"
        "b,X,1700000000000002,1700000000000092,false,bid,100,0\n"
        "b,X,1700000000000002,1700000000000092,false,ask,12345678901234.5,0\r\n"
        "b,X,1700000000000002,1700000000000092,false,ask,123456789012345.25,1\n"
        "b,X,1700000000000003,1700000000000093,false,bid,\"99.75\",1.5\n"
        "b,X,1700000000000003,1700000000000093,false,bid,99.75,12345678901234567.1\n"
        "b,X,1700000000000004,1700000000000094,false,ask,1.0025e2,0.5\n"
        "b,X,1700000000000004,1700000000000094,false,ask,100.75\n"
        "b,X,1700000000000005,1700000000000095,false,bid,99.5,.5\n"
        "b,X,1700000000000005,1700000000000095,false,bid,99.,5.\n"
        "b,X,1700000000000006,1700000000000096,false,ask,101.25,0.0000000000001\r\n"
        "b,X,1700000000000006,1700000000000096,false,ask,101.5,3";
    static result general, fast;
    size_t len = sizeof text - 1, block;
    scan_with(text, len, 1 << 16, 1000, 0, &general);
    CHECK(general.n_msgs >= 6 && general.n_errs >= 2);
    for (block = 1; block <= 40; block++) {
        scan_with(text, len, block, 1000, 1, &fast);
        CHECK_MSG(same(&general, &fast), "block %zu", block);
        scan_with(text, len, block, 1 + block % 5, 1, &fast);
        CHECK_MSG(same(&general, &fast), "block %zu, small output", block);
    }
}

/* A value read through a kept shape (the shape of the value before it in its column) is
 * the value read the long way (tb__tardis_plain16 / tb__tardis_plain and
 * tb__tardis_scale): the same stop and units, or NULL both, for runs of digits with a
 * point anywhere, what follows them, and units that are kept (mantissa 1) or not. Pairs
 * of values mostly of one length, so that shapes are kept and tried on near misses
 * ("0" then "4.25": the point is not the stop). */
static void test_fast_shapes(void) {
    static const char alphabet[] = "0123456789012345678901234567890123456789..,\n\r-ex";
    static const char *const units[] = {"0.01", "0.00000001", "1", "0.5", "10", "0.1"};
    uint64_t rng = 77;
    long round, rounds = tbt_prof == TBT_FULL ? 400000 : 60000, hits = 0;
    for (round = 0; round < rounds; round++) {
        const tb_dec_unit unit = unit_of(units[(round / 7) % 6]);
        const int is_unsigned = (int)(round & 1);
        const size_t len = 1 + (size_t)(next_rng(&rng) % 17);
        tb__tardis_shapes kept, none;
        int k;
        memset(&kept, 0, sizeof kept);
        for (k = 0; k < 3; k++) { /* two values keep shapes, the third is read through them */
            char s[40];
            size_t i, n = 16 + (size_t)(next_rng(&rng) % 8), run = len + (size_t)(next_rng(&rng) % 3) - 1;
            uint64_t va = 0, vb = 0;
            const char *ea, *eb;
            for (i = 0; i < n; i++) s[i] = alphabet[next_rng(&rng) % (sizeof alphabet - 1)];
            for (i = 0; i < run && i < n; i++) s[i] = (char)('0' + next_rng(&rng) % 10);
            if (next_rng(&rng) % 4) s[next_rng(&rng) % (run + 1)] = '.';
            if (next_rng(&rng) % 2) s[run] = next_rng(&rng) % 2 ? ',' : '\n';
            memset(&none, 0, sizeof none);
            eb = tb__tardis_value(s, s + n, &unit, is_unsigned, &none, &vb);
            ea = tb__tardis_value(s, s + n, &unit, is_unsigned, &kept, &va);
            if (k == 2 && ea && (kept.s[0].stop || kept.s[1].stop)) hits++;
            CHECK_MSG(ea == eb && (!ea || va == vb), "'%.*s' unit %s: %ld vs %ld", (int)n, s,
                      units[(round / 7) % 6], ea ? (long)(ea - s) : -1L, eb ? (long)(eb - s) : -1L);
        }
    }
    CHECK_MSG(hits > rounds / 20, "%ld read with shapes kept", hits);
}

/* A kept shape's check classifies 16 bytes at once (SSE2) or a word at a time: a value of
 * that shape but one byte, any byte of [0, 16), changed to a byte at the edge of the digit
 * test ('/' and ':' beside the digits, a digit with its high bit set, NUL, 0xFF) or to one
 * the shape gives a meaning ('.', ',', '\n', a digit), is read as the long way reads it:
 * the same stop and value, or NULL both. (With a point, a '.' stop is refused by the check
 * where the word version leaves it to the caller: tb__tardis_value's stop is the same.) */
static void test_fast_shape_bytes(void) {
    static const char *const bases[] = {"64999.87,", "0.12345678\n", "5,", "42\n", "123456789012.5,",
                                        "1.,", "0.5\n", "99999999.99999,", "7.000000001\n", "1234567,"};
    static const char edges[] = {'/', ':', '0', '9', '.', ',', '\n', '\0', (char)0xB0, (char)0xB9, (char)0xFF};
    static const char *const units[] = {"0.01", "0.00000001", "1"};
    size_t b, u, i, e;
    long hits = 0;
    for (u = 0; u < sizeof units / sizeof units[0]; u++) {
        const tb_dec_unit unit = unit_of(units[u]);
        for (b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            char base[32];
            uint64_t v0 = 0;
            tb__tardis_shapes kept;
            const size_t n = strlen(bases[b]);
            memset(base, 'x', sizeof base);
            memcpy(base, bases[b], n);
            memset(&kept, 0, sizeof kept);
            if (!tb__tardis_value(base, base + sizeof base, &unit, 1, &kept, &v0)) continue; /* not whole units */
            for (i = 0; i < 16; i++) {
                for (e = 0; e < sizeof edges; e++) {
                    char s[32];
                    uint64_t va = 0, vb = 0;
                    tb__tardis_shapes none, k2 = kept;
                    const char *ea, *eb;
                    memcpy(s, base, sizeof s);
                    s[i] = edges[e];
                    memset(&none, 0, sizeof none);
                    eb = tb__tardis_value(s, s + sizeof s, &unit, 1, &none, &vb);
                    ea = tb__tardis_value(s, s + sizeof s, &unit, 1, &k2, &va);
                    hits += ea != NULL;
                    CHECK_MSG(ea == eb && (!ea || va == vb), "'%s' byte %zu = 0x%02x unit %s: %ld vs %ld", bases[b], i,
                              (unsigned)(unsigned char)edges[e], units[u], ea ? (long)(ea - s) : -1L,
                              eb ? (long)(eb - s) : -1L);
                }
            }
        }
    }
    CHECK(hits > 100);
}

/* The fast path's scan of buf cut into blocks of every size to 90 (with a large and a
 * small output) and whole gives `general` (the general path's scan; e names the input). */
static void fast_as_general_every_block(const char *buf, size_t len, size_t e, const result *general) {
    static result fast;
    size_t block;
    for (block = 1; block <= 90; block++) {
        scan_with(buf, len, block, 1000, 1, &fast);
        CHECK_MSG(same(general, &fast), "exchange %zu block %zu", e, block);
        scan_with(buf, len, block, 1 + block % 5, 1, &fast);
        CHECK_MSG(same(general, &fast), "exchange %zu block %zu, small output", e, block);
    }
    scan_with(buf, len, len, 1000, 1, &fast);
    CHECK_MSG(same(general, &fast), "exchange %zu whole", e);
}

/* Rows whose "exchange,symbol,timestamp,local_timestamp,is_snapshot," are the row
 * before's bytes (the fast path then reads only side, price and amount and keeps the
 * message open), among rows that differ from the row before in one byte of that head
 * (a timestamp, is_snapshot, the exchange, the symbol), or only after it (an odd value, a
 * short row, a quote), with heads of every length around the 64 bytes compared at once:
 * cut at every byte and into blocks of every size to 90, the general path's output. */
static void test_fast_heads(void) {
    static const char text[] =
        "b,X,1700000000000001,1700000000000091,false,bid,100.25,0.1\n"
        "b,X,1700000000000001,1700000000000091,false,ask,100.5,2\n"
        "b,X,1700000000000001,1700000000000091,false,ask,100.75,0\r\n"
        "b,X,1700000000000001,1700000000000092,false,bid,100,0\n"     /* lts: a new message */
        "b,X,1700000000000001,1700000000000092,false,bid,100,0.5\n"
        "b,X,1700000000000002,1700000000000092,false,bid,101,1\n"     /* ts only: the same message */
        "b,X,1700000000000002,1700000000000092,true,bid,101,1\n"      /* is_snapshot */
        "b,X,1700000000000002,1700000000000092,true,ask,102,1\n"
        "b,X,1700000000000002,1700000000000092,false,ask,102,1\n"
        "c,X,1700000000000002,1700000000000092,false,ask,103,1\n"     /* the exchange */
        "c,X,1700000000000002,1700000000000092,false,ask,\"103\",1\n" /* a quote after the head */
        "c,X,1700000000000002,1700000000000092,false,ask,103\n"       /* a short row */
        "c,X,1700000000000002,1700000000000092,false,ask,103,1e-5\n"  /* an exponent, not a whole lot */
        "c,X,1700000000000002,1700000000000092,false,ask,104,1\n"     /* the error's message */
        "c,X,1700000000000003,1700000000000093,false,ask,104,1\n"
        "c,X,1700000000000003,1700000000000093,false,bid,104.001,1\n" /* not a whole tick */
        "c,X,1700000000000004,1700000000000094,false,bid,104,1\n"
        "c,Y,1700000000000004,1700000000000094,false,bid,104,1\n";    /* a second symbol */
    static const char *const exchanges[] = {"b", "binance", "binance-futures", "a-name-of-twenty-six-bytes",
                                            "a-name-of-thirty-bytes-long-x", "a-name-of-thirty-one-bytes-lng"};
    static char buf[4096];
    static result general;
    size_t e;
    for (e = 0; e <= sizeof exchanges / sizeof *exchanges; e++) {
        size_t len = 0;
        const char *t = text;
        /* heads of 56 .. 86 bytes: the exchange of each line replaced ("b" or "c" kept apart) */
        while (*t) {
            const char *nl = strchr(t, '\n');
            const char *ex = e < sizeof exchanges / sizeof *exchanges ? exchanges[e] : "binance";
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%.*s", ex, t[0] == 'c' ? "-c" : "",
                                    (int)(nl - t - 1), t + 1);
            buf[len++] = '\n';
            t = nl + 1;
        }
        scan_with(buf, len, 1 << 16, 1000, 0, &general);
        CHECK_MSG(general.n_msgs >= 6 && general.n_errs >= 3 && general.status == TB_TARDIS_SYMBOL_CHANGE, "msgs %zu errs %zu", general.n_msgs, general.n_errs);
        fast_as_general_every_block(buf, len, e, &general);
    }
}

/* Rows whose head differs from the row before's only in the low eight digits of their
 * sixteen-digit timestamps (the next message's first row: only those two words are read)
 * among near misses: a non-digit there, the high digits changing too, a timestamp out of
 * range in ns by its low digits alone, a shorter timestamp, is_snapshot changing with
 * them, an odd value after them; with heads of 50 .. 80 bytes (the shortcut takes those
 * up to 64), cut into blocks of every size to 90 and with a small output: the general
 * path's output. */
static void test_fast_next_ts(void) {
    static const char text[] =
        "X,1700000012345678,1700000012345778,true,bid,100,1\n"
        "X,1700000012345678,1700000012345778,true,ask,101,1\n"
        "X,1700000012345679,1700000012345779,false,ask,101,2\n" /* is_snapshot too */
        "X,1700000012345680,1700000012345780,false,ask,101,0\n" /* both low words: a new message */
        "X,1700000012345680,1700000012345790,false,bid,99,1\n"  /* local_timestamp only */
        "X,1700000012345699,1700000012345790,false,bid,98,1\n"  /* timestamp only: the same message */
        "X,17000000123456a9,1700000012345791,false,bid,98,1\n"  /* a letter in the low digits */
        "X,1700000012345700,1700000012345792,false,bid,97,1\n"
        "X,1700000099999999,1700000099999999,false,ask,102,1\n"
        "X,1700000100000000,1700000100000001,false,ask,103,1\n" /* the high digits change */
        "X,1700000100000002,1700000100000003,false,ask,103,1\n"
        "X,1700000100000004,1700000100000005,false,ask,103.1,1\n" /* not a whole tick */
        "X,1700000100000006,1700000100000007,false,ask,104,1\n"
        "X,170000010000008,1700000100000009,false,ask,104,1\n" /* fifteen digits */
        "X,1700000100000010,1700000100000011,false,ask,104,1\n"
        "X,9223372036854775,1700000100000012,false,ask,104,1\n" /* the last timestamp that fits in ns */
        "X,9223372036854776,1700000100000013,false,ask,104,1\n" /* one more: out of range */
        "X,9223372036854775,1700000100000014,false,ask,105,1\n"
        "X,1700000100000015,1700000100000016,true,bid,105,1\n" /* a snapshot: low digits and is_snapshot */
        "X,1700000100000017,1700000100000018,true,ask,106,1\n" /* the same snapshot */
        "X,1700000100000019,1700000100000020,false,ask,106,1\n"
        /* seventeen + fifteen and eighteen + fourteen digits (leading zeros): 34 bytes as
         * two sixteens take, but not read as two words (review30b: the shortcut took them
         * with the high words of an older row) */
        "X,01700000012345678,170000001234577,false,bid,100,1\n"
        "X,01700000012355678,170000001234577,false,bid,101,1\n"
        "X,01700000012365678,170000001234578,false,bid,102,1\n"
        "X,001700000012375678,17000000123457,false,bid,103,1\n"
        "X,001700000012385678,17000000123458,false,bid,104,1\n"
        "X,1700000100000021,1700000100000022,false,ask,106,1\n"
        /* the row before's head but one byte with bit 7 set (a word compare that looks at
         * the low seven bits alone takes it as the same head: review30b) */
        "X,\xb1" "700000100000021,1700000100000022,false,ask,107,1\n"
        "X,1700000100000023,1700000100000024,false,ask,107,1\n";
    static const char *const exchanges[] = {"binance", "b", "binance-futures", "a-name-of-twenty-two-b",
                                            "a-name-of-thirty-bytes-long-x"};
    static char buf[4096];
    static result general;
    size_t e;
    for (e = 0; e < sizeof exchanges / sizeof *exchanges; e++) {
        size_t len = 0;
        const char *t = text;
        while (*t) {
            const char *nl = strchr(t, '\n');
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s,%.*s\n", exchanges[e], (int)(nl - t), t);
            t = nl + 1;
        }
        scan_with(buf, len, 1 << 16, 1000, 0, &general);
        CHECK_MSG(general.n_msgs >= 10 && general.n_errs >= 3, "msgs %zu errs %zu", general.n_msgs, general.n_errs);
        fast_as_general_every_block(buf, len, e, &general);
    }
}

/* The fast path takes the common row (so the test above compares something) and leaves
 * odd ones to the general path without changing anything. */
static void test_fast_takes_common_rows(void) {
    static work w;
    static const char *const odd[] = {
        "binance,X,5,6,false,bid,100,1",          /* no '\n' */
        "binance,Y,5,6,false,bid,100,1\n",        /* another symbol */
        "binance,\"X\",5,6,false,bid,100,1\n",    /* quoted */
        "binance,X,5,6,false,bid,100,1,9\n",      /* a ninth field */
        "binance,X,5,6,False,bid,100,1\n",        /* not true/false */
        "binance,X,5,6,false,bid,100.1,1\n",      /* not a whole number of ticks */
        "binance,X,5,6,false,bid,1e2,1\n",        /* an exponent */
        "binance,X,9223372036854776,6,false,bid,100,1\n", /* ts out of range in ns */
        "binance,X,5,6,false,bid,100,1\r\r\n",    /* two CRs */
        "binance\n,X,5,6,false,bid,100,1\n",      /* the exchange must not run into the next line */
        "\n"};
    tb_tardis_scan st;
    tb_tardis_out out;
    tb__tardis_ts_cache hi[2] = {TB__TARDIS_TS_CACHE_INIT, TB__TARDIS_TS_CACHE_INIT};
    size_t consumed = 0, i;
    char first[] = "binance,X,1,1,true,bid,100,1\n";
    memset(&st, 0, sizeof st);
    memset(&out, 0, sizeof out);
    CHECK_EQ(tb_tardis_begin(&st, ROLES8, 8, unit_of("0.25"), unit_of("0.1"), 2, 1), TB_OK);
    out.side = w.side;
    out.px = w.px;
    out.qty = w.qty;
    out.rows_cap = 100;
    out.row_end = w.row_end;
    out.ts = w.ts;
    out.seq = w.seq;
    out.line = w.line;
    out.kind = w.kind;
    out.msgs_cap = 100;
    out.errs = w.errs;
    out.errs_cap = 64;
    CHECK(tb__tardis_fast(&st, first, first + sizeof first - 1, &out, hi) == NULL); /* no symbol yet */
    CHECK_EQ(tb_tardis_scan_buf(&st, first, sizeof first - 1, 0, &out, &consumed), TB_TARDIS_DONE);
    for (i = 0; i < sizeof odd / sizeof *odd; i++) {
        tb_tardis_scan copy = st;
        size_t rows = out.n_rows;
        CHECK_MSG(tb__tardis_fast(&st, odd[i], odd[i] + strlen(odd[i]), &out, hi) == NULL, "odd row %zu", i);
        CHECK(memcmp(&copy, &st, sizeof st) == 0);
        CHECK_EQ(out.n_rows, rows);
    }
    {
        const char *ok[] = {"binance,X,5,6,false,bid,100.25,1.5\n", "b,X,5,6,false,ask,100,0\r\n"};
        for (i = 0; i < 2; i++) {
            const char *nl = tb__tardis_fast(&st, ok[i], ok[i] + strlen(ok[i]), &out, hi);
            CHECK_MSG(nl == ok[i] + strlen(ok[i]) - 1, "common row %zu", i);
            CHECK_EQ_U(st.prefix_len, i ? 4 : 10); /* "exchange,symbol," of the row taken */
        }
        CHECK_EQ(out.n_rows, 3);
        CHECK_EQ(out.px[1], 401);
        CHECK_EQ_U(out.qty[1], 15);
        CHECK_EQ(out.side[2], 0);
        CHECK_EQ_U(out.qty[2], 0);
        CHECK_EQ(st.open_ts, 5);
    }
    /* a symbol with a ',' (it came quoted): its raw bytes on a line are two fields */
    {
        char quoted[] = "binance,\"a,b\",1,1,true,bid,100,1\n";
        const char *nine = "binance,a,b,5,6,false,bid,100,1\n";
        static result general, fast;
        size_t len = strlen(quoted) + strlen(nine);
        char text[128];
        CHECK_EQ(tb_tardis_begin(&st, ROLES8, 8, unit_of("0.25"), unit_of("0.1"), 2, 1), TB_OK);
        out.n_rows = out.n_msgs = out.n_errs = 0;
        CHECK_EQ(tb_tardis_scan_buf(&st, quoted, sizeof quoted - 1, 0, &out, &consumed), TB_TARDIS_DONE);
        CHECK(tb__tardis_fast(&st, nine, nine + strlen(nine), &out, hi) != NULL); /* alone it would take it */
        snprintf(text, sizeof text, "binance,\"a,b\",1,1,true,bid,100,1\n%s", nine);
        scan_with(text, len, 1 << 16, 100, 0, &general);
        scan_with(text, len, 1 << 16, 100, 1, &fast);
        CHECK(same(&general, &fast));
        CHECK_EQ(fast.n_errs, 1); /* nine fields */
        CHECK_EQ(fast.err_reason[0], 9);
    }
}

/* The fast path's timestamps (eight digits at a time, each word converted only when it
 * is not the column's last one) read what tb__tardis_micros reads: a field of 1 to 18
 * digits before a ',' and nothing else. The cache lives across the rounds, whose
 * strings often begin with one of a few words (digits or not, NUL bytes too) or repeat
 * the last string's first word or two. */
static void test_fast_micros(void) {
    static const char alphabet[] = "0123456789012345678901234567890123456789/:,x";
    static const char words[][9] = {"17000000", "17000001", "1700000x", "00000000", "17000000"};
    tb__tardis_ts_cache c = TB__TARDIS_TS_CACHE_INIT;
    uint64_t rng = 7;
    char last[16];
    int round, rounds = tbt_prof == TBT_FULL ? 400000 : 40000;
    memset(last, '0', sizeof last);
    for (round = 0; round < rounds; round++) {
        char s[40];
        size_t n = (size_t)(next_rng(&rng) % 40), i, field;
        int64_t fast = -1, ref = -1;
        const char *r;
        int digits = 1;
        for (i = 0; i < n; i++) s[i] = alphabet[next_rng(&rng) % (sizeof alphabet - 1)];
        if (n >= 8 && next_rng(&rng) % 2) {
            unsigned k = (unsigned)next_rng(&rng) % 6;
            if (k < 5) memcpy(s, words[k], 8);
            else memset(s, 0, 8);
        }
        if (n >= 16 && next_rng(&rng) % 3 == 0) memcpy(s, last, next_rng(&rng) % 2 ? 16 : 8);
        if (n >= 16) memcpy(last, s, 16);
        for (field = 0; field < n && s[field] != ','; field++) digits &= s[field] >= '0' && s[field] <= '9';
        r = tb__tardis_fast_micros(s, s + n, &fast, &c);
        if (field < n && field >= 1 && field <= 18 && digits) {
            CHECK_MSG(r == s + field + 1, "'%.*s'", (int)n, s);
            CHECK_EQ(tb__tardis_micros(s, field, &ref), TB_DEC_OK);
            CHECK_MSG(fast == ref, "'%.*s' %lld %lld", (int)n, s, (long long)fast, (long long)ref);
        } else {
            CHECK_MSG(r == NULL, "'%.*s'", (int)n, s);
        }
    }
}

static void test_plain_words(void) {
    /* the two-word read of a plain run is the byte loop's: the same stop, digits,
     * value and decimals whenever it answers, and it answers for every run with a
     * digit that stops within 16 bytes when 16 are readable (any point position, runs
     * of 0..16 bytes, what follows a field or ends the text) */
    static const char alphabet[] = "0123456789012345678901234567890123456789..,\n\r-ex";
    uint64_t rng = 5;
    long round, rounds = tbt_prof == TBT_FULL ? 1000000 : 100000, answered = 0;
    for (round = 0; round < rounds; round++) {
        char s[40];
        size_t n = (size_t)(next_rng(&rng) % 36), i, dig_a = 0, dig_b = 0;
        uint64_t ma = 0, mb = 0;
        int64_t fa = 0, fb = 0;
        const char *ea, *eb;
        for (i = 0; i < n; i++) s[i] = alphabet[next_rng(&rng) % (sizeof alphabet - 1)];
        if (n && next_rng(&rng) % 2) { /* mostly a run of digits with one point, then ',' */
            size_t len = (size_t)(next_rng(&rng) % 18), pt = len ? (size_t)(next_rng(&rng) % (len + 1)) : 0;
            for (i = 0; i < len && i < n; i++) s[i] = (char)('0' + next_rng(&rng) % 10);
            if (pt < len && pt < n) s[pt] = '.';
            if (len < n) s[len] = ',';
        }
        ea = tb__tardis_plain16(s, s + n, &ma, &dig_a, &fa);
        eb = tb__tardis_plain(s, s + n, &mb, &dig_b, &fb);
        if (ea) {
            answered++;
            CHECK_MSG(ea == eb && ma == mb && dig_a == dig_b && fa == fb, "'%.*s'", (int)n, s);
        } else if (n >= 16 && eb < s + 16 && dig_b > 0) {
            CHECK_MSG(0, "'%.*s' not read from its words", (int)n, s);
        }
    }
    CHECK_MSG(answered > rounds / 4, "%ld answered", answered);
}

/* ---- venue-shaped rows: the shapes the fast path keeps and its shortcuts ------------------ */

/* A seeded file shaped like a venue's (bench_feeds.py's): prices "ddddd.dd", amounts "0" (a
 * third) or "d.dddddddd", messages of 1-8 rows sharing their head, a snapshot now and then,
 * with about one row in `odd` given an odd price or amount (every decimal shape: "0" before
 * anything but '\n', trailing zeros, one decimal too many, an exponent, a sign, empty,
 * values at and past the int64 / uint64 range of ticks and lots) or a byte replaced,
 * inserted or deleted anywhere after the symbol; CRLF on some lines. */
static size_t venue_file(uint64_t *rng, char *out, size_t cap, unsigned odd) {
    static const char bytes[] = ",\"\r\n.e-+09 xX";
    static const char *const odd_px[] = {"65000.4", "65000.001", "65000.430", "65000", "065000.00", "6.5e4",
                                         "", "-1.00", "+1.00", ".5", "65000.", "92233720368547758.07",
                                         "92233720368547758.08", "99999999999999999.99", "0", "0.00",
                                         "\"65000.25\"", "65000.25 ", "6500000000000000.25"};
    static const char *const odd_qty[] = {"00", "0.", "0.0", ".0", "0e5", "0,", "0,0", "-0", "+0", "0 ",
                                          "1.000000000", "1.000000001", "12.34567890", "123.45678901",
                                          "0.00000001", "1", "10", "184467440737.09551615",
                                          "184467440737.09551616", "92233720368.54775807", "92233720368.54775808",
                                          "99999999999999999999", "1.2345678", "\"0\"", "", "0\r", "0\"",
                                          "9.99999999", "1e-8", "0.000000010"};
    size_t pos = 0;
    int64_t t = 1700000000000000;
    unsigned mid = 6500000;
    int m;
    pos += (size_t)snprintf(out + pos, cap - pos, "binance,BTCUSDT,%lld,%lld,true,bid,64999.99,0.20246634\n",
                            (long long)t, (long long)(t + 90));
    for (m = 0; m < 600 && pos + 9 * 300 < cap; m++) {
        int rows = 1 + (int)(next_rng(rng) % 8), k;
        int snap = next_rng(rng) % 23 == 0;
        t += 50 + (int64_t)(next_rng(rng) % 5000);
        for (k = 0; k < rows; k++) {
            char line[300], px[40], qty[40];
            unsigned v = (unsigned)next_rng(rng), p = (v & 1) ? mid - 1 - v % 300 : mid + v % 300;
            size_t n;
            snprintf(px, sizeof px, "%u.%02u", p / 100, p % 100);
            if ((v >> 9) % 3 == 0)
                snprintf(qty, sizeof qty, "0");
            else
                snprintf(qty, sizeof qty, "%u.%08u", (v >> 11) % 11, (unsigned)(next_rng(rng) % 100000000u));
            if (next_rng(rng) % odd == 0) {
                if (next_rng(rng) % 2)
                    snprintf(px, sizeof px, "%s", odd_px[next_rng(rng) % (sizeof odd_px / sizeof *odd_px)]);
                else
                    snprintf(qty, sizeof qty, "%s", odd_qty[next_rng(rng) % (sizeof odd_qty / sizeof *odd_qty)]);
            }
            n = (size_t)snprintf(line, sizeof line, "binance,BTCUSDT,%lld,%lld,%s,%s,%s,%s", (long long)t,
                                 (long long)(t + 90), snap ? "true" : "false", (v >> 1) & 1 ? "bid" : "ask", px,
                                 qty);
            if (next_rng(rng) % odd == 0) { /* a byte replaced, inserted or deleted after the symbol */
                const size_t sym_end = 16, at = sym_end + (size_t)next_rng(rng) % (n - sym_end);
                const char b = bytes[next_rng(rng) % (sizeof bytes - 1)];
                switch (next_rng(rng) % 3) {
                case 0: line[at] = b; break;
                case 1: memmove(line + at + 1, line + at, n - at); line[at] = b; n++; break;
                default: memmove(line + at, line + at + 1, n - at - 1); n--;
                }
            }
            memcpy(out + pos, line, n);
            pos += n;
            if (next_rng(rng) % 7 == 0) out[pos++] = '\r';
            out[pos++] = '\n';
        }
        mid = mid + (unsigned)(next_rng(rng) % 5) - 2u;
    }
    return pos;
}

/* With the units of a venue (tick 0.01, lot 0.00000001: the price and amount shapes are kept
 * and an amount "0" then '\n' is read by two byte compares) and with units that keep no
 * shape, the fast path gives the general path's rows, messages and errors (value, field,
 * reason and line) on clean and odd files, whole, without their last newline, and cut into
 * blocks of many sizes (fields straddling every block boundary) and small outputs. */
static void test_fast_venue_rows(void) {
    static char text[1 << 16];
    static result general, fast;
    static const unsigned odds[] = {1000000, 50, 9, 3};
    static const char *const units[][2] = {{"0.01", "0.00000001"}, {"0.01", "0.0000001"}, {"0.05", "0.00000001"}, {"1", "1"}};
    uint64_t rng = 1414;
    int round, rounds = tbt_prof == TBT_FULL ? 160 : 32;
    for (round = 0; round < rounds; round++) {
        size_t len = venue_file(&rng, text, sizeof text, odds[round % 4]), block;
        const char *tick = units[(round / 4) % 4][0], *lot = units[(round / 4) % 4][1];
        if (round % 3 == 1) len--; /* no final newline: the last amount may be a "0" at the end */
        scan_units(text, len, 1 << 16, 4000, 0, tick, lot, &general);
        scan_units(text, len, 1 << 16, 4000, 1, tick, lot, &fast);
        CHECK_MSG(general.n_msgs > 100, "round %d msgs %zu", round, general.n_msgs);
        CHECK_MSG(same(&general, &fast), "round %d whole", round);
        if (round % 16 == 0)
            CHECK_MSG(general.n_rows > 500, "round %d rows %zu", round, general.n_rows); /* a clean file */
        for (block = 1; block < 5000; block = block * 3 + 1 + (size_t)next_rng(&rng) % 7) {
            size_t cap = 1 + (size_t)next_rng(&rng) % 64;
            scan_units(text, len, block, cap, 1, tick, lot, &fast);
            CHECK_MSG(same(&general, &fast), "round %d block %zu cap %zu", round, block, cap);
        }
    }
}

/* An amount "0" is read by the fast path only when '\n' follows it: every other byte after
 * it (and the end of the buffer) leaves it to the kept shapes or the general path. Each
 * line through the fast and the general path, the text cut at every byte. */
static void test_fast_zero_amounts(void) {
    static const char text[] =
        "binance,X,1700000000000001,1700000000000091,true,bid,100.25,0.5\n"
        "binance,X,1700000000000002,1700000000000092,false,bid,100.25,0\n"
        "binance,X,1700000000000002,1700000000000092,false,ask,100.50,0\r\n"
        "binance,X,1700000000000002,1700000000000092,false,ask,100.75,00\n"
        "binance,X,1700000000000002,1700000000000092,false,ask,100.75,0.\n"
        "binance,X,1700000000000003,1700000000000093,false,ask,101.00,0,\n"
        "binance,X,1700000000000003,1700000000000093,false,bid,101.25,0\r\r\n"
        "binance,X,1700000000000003,1700000000000093,false,bid,101.25,0x\n"
        "binance,X,1700000000000004,1700000000000094,false,bid,101.50,0e1\n"
        "binance,X,1700000000000004,1700000000000094,false,bid,101.50,0\n"
        "binance,X,1700000000000004,1700000000000094,false,ask,101.75,1.23456789\n"
        "binance,X,1700000000000004,1700000000000094,false,ask,101.75,0\n"
        "binance,X,1700000000000005,1700000000000095,false,ask,102.00,1.234567890\n"
        "binance,X,1700000000000005,1700000000000095,false,ask,102.00,1.2345678901\n"
        "binance,X,1700000000000006,1700000000000096,false,bid,102.25,0";
    static const char *const units[][2] = {{"0.01", "0.00000001"}, {"0.25", "0.1"}, {"0.01", "3"}};
    static result general, fast;
    size_t u, block;
    for (u = 0; u < sizeof units / sizeof *units; u++) {
        scan_units(text, sizeof text - 1, 1 << 16, 1000, 0, units[u][0], units[u][1], &general);
        CHECK(general.n_msgs >= 6 && general.n_errs >= 3);
        for (block = 1; block <= 80; block++) {
            scan_units(text, sizeof text - 1, block, 1000, 1, units[u][0], units[u][1], &fast);
            CHECK_MSG(same(&general, &fast), "units %zu block %zu", u, block);
            scan_units(text, sizeof text - 1, block, 1 + block % 5, 1, units[u][0], units[u][1], &fast);
            CHECK_MSG(same(&general, &fast), "units %zu block %zu, small output", u, block);
        }
    }
}

int main(int argc, char **argv) {
    if (!tbt_init(argc, argv)) return 2;
    tbt_run("tardis scan: the rules, hand-checked", test_rules);
    tbt_run("tardis scan: a second symbol stops it", test_symbol_change);
    tbt_run("tardis scan: any blocks and capacities give the same result", test_blocks_and_capacities);
    tbt_run("tardis scan: argument errors change nothing", test_arguments);
    tbt_run("tardis scan: the fast decimal path is tb_dec_parse", test_fast_decimals);
    tbt_run("tardis scan: the fast path's timestamps are tb__tardis_micros's", test_fast_micros);
    tbt_run("tardis scan: plain runs read from two words are the byte loop's", test_plain_words);
    tbt_run("tardis scan: common and odd rows cut at every byte", test_fast_cuts);
    tbt_run("tardis scan: the fast path gives the general path's output", test_fast_is_general);
    tbt_run("tardis scan: rows repeating the head of the row before", test_fast_heads);
    tbt_run("tardis scan: rows differing from the row before only in low timestamp digits", test_fast_next_ts);
    tbt_run("tardis scan: a value read through a kept shape is the value read the long way", test_fast_shapes);
    tbt_run("tardis scan: a kept shape's check at the edges of the digit test", test_fast_shape_bytes);
    tbt_run("tardis scan: the fast path takes common rows, leaves odd ones", test_fast_takes_common_rows);
    tbt_run("tardis scan: venue-shaped rows (kept shapes, amounts of 0) as the general path", test_fast_venue_rows);
    tbt_run("tardis scan: an amount of 0 is read fast only before a newline", test_fast_zero_amounts);
    return tbt_finish();
}
