/* jsync_harness.h — what the tests of the JSON venues' C sync paths share
 * (test_json_sync.c and test_json_<venue>.c): the output columns, a venue as a
 * table of its run / state functions (JH_VENUE writes it), the start of a
 * stream, the check of lines handed back alone, the caller's loop over a
 * buffer fed in pieces into tiny outputs (stepping over handed-back lines as
 * tapebook/feeds/_json_loop.py does), the check that every split and capacity
 * gives the whole-buffer messages, and the argument cases every venue's run
 * function must refuse with nothing changed. Include after the venue's header
 * and tb_test.h. Written in the common subset of C and C++. */
#ifndef JSYNC_HARNESS_H
#define JSYNC_HARNESS_H

#define JH_CAP 256

typedef struct jh_work {
    uint8_t side[JH_CAP];
    int64_t px[JH_CAP];
    uint64_t qty[JH_CAP];
    int64_t row_end[JH_CAP], ts[JH_CAP], seq[JH_CAP], line[JH_CAP];
    uint8_t kind[JH_CAP];
    int64_t crc[JH_CAP]; /* out.crc for the venues that send checksums (jh_work_init_for) */
    tb_jsync_out out;
} jh_work;

static void jh_work_init(jh_work *w, size_t rows_cap, size_t msgs_cap) {
    memset(w, 0, sizeof *w);
    w->out.side = w->side;
    w->out.px = w->px;
    w->out.qty = w->qty;
    w->out.rows_cap = rows_cap;
    w->out.row_end = w->row_end;
    w->out.ts = w->ts;
    w->out.seq = w->seq;
    w->out.line = w->line;
    w->out.kind = w->kind;
    w->out.msgs_cap = msgs_cap;
}

static tb_dec_unit jh_unit(const char *s) {
    tb_dec_unit u;
    memset(&u, 0, sizeof u);
    CHECK_EQ(tb_dec_unit_parse(s, strlen(s), &u), TB_OK);
    return u;
}

/* the head every test starts from: tick 0.01, lot 0.001, line 1 */
static void jh_head_init(tb_jsync_head *h) {
    memset(h, 0, sizeof *h);
    h->tick = jh_unit("0.01");
    h->lot = jh_unit("0.001");
    h->line = 1;
}

/* a venue under test: its run function and state (of `size` bytes) */
typedef struct jh_venue {
    int (*run)(void *st, const char *data, size_t len, int final, tb_jsync_out *out, size_t *consumed);
    void (*init)(void *st);           /* the state a stream starts from */
    tb_jsync_head *(*head)(void *st); /* its shared part */
    size_t size;
    int crc; /* 1: its run function needs out->crc */
} jh_venue;

/* JH_VENUE(T, run, init, crc); in a venue's test file: VENUE, the jh_venue of
 * the state type T with its tb_jsync_*_run `run` and `init` (void init(T *)),
 * and run_all, which runs a whole buffer as the final piece */
#define JH_VENUE(T, RUN, INIT, CRC)                                                                            \
    static int run_all(T *st, const char *data, jh_work *w, size_t *consumed) {                                \
        return RUN(st, data, strlen(data), 1, &w->out, consumed);                                             \
    }                                                                                                          \
    static int jh_venue_run(void *st, const char *data, size_t len, int final, tb_jsync_out *out,             \
                            size_t *consumed) {                                                                \
        return RUN((T *)st, data, len, final, out, consumed);                                                 \
    }                                                                                                          \
    static void jh_venue_init(void *st) { INIT((T *)st); }                                                     \
    static tb_jsync_head *jh_venue_head(void *st) { return &((T *)st)->head; }                                 \
    static const jh_venue VENUE = {jh_venue_run, jh_venue_init, jh_venue_head, sizeof(T), CRC}

/* the output columns for v, of the given capacities */
static void jh_work_init_for(const jh_venue *v, jh_work *w, size_t rows_cap, size_t msgs_cap) {
    jh_work_init(w, rows_cap, msgs_cap);
    if (v->crc) w->out.crc = w->crc;
}

/* the start of a stream: v's first state and empty outputs of JH_CAP */
static void jh_start(const jh_venue *v, void *st, jh_work *w) {
    v->init(st);
    jh_work_init_for(v, w, JH_CAP, JH_CAP);
}

/* each of lines[0..n) alone from the start state: handed back whole, with no
 * message and the state unchanged */
static void jh_check_each_handed_back(const jh_venue *v, void *st, const char *const *lines, size_t n) {
    static jh_work w;
    static unsigned char start[1024];
    size_t i, consumed;
    CHECK(v->size <= sizeof start);
    v->init(st);
    memcpy(start, st, v->size);
    for (i = 0; i < n; i++) {
        jh_start(v, st, &w);
        consumed = 7;
        CHECK_MSG(v->run(st, lines[i], strlen(lines[i]), 1, &w.out, &consumed) == TB_JSYNC_HANDBACK, "line %u",
                  (unsigned)i);
        CHECK_EQ(consumed, 0);
        CHECK_EQ(w.out.n_msgs, 0);
        CHECK_EQ(w.out.n_rows, 0);
        CHECK_MSG(memcmp(st, start, v->size) == 0, "line %u changed the state", (unsigned)i);
    }
}

/* run data in pieces of `step` into outputs of the given capacities, stepping
 * over handed-back lines as the caller does, collecting the messages into all;
 * *handed counts the handed-back lines */
static void jh_drive(const jh_venue *v, void *st, const char *data, size_t len, size_t step, size_t rows_cap,
                     size_t msgs_cap, jh_work *all, int64_t *handed) {
    static jh_work w;
    size_t base = 0, have = 0;
    v->init(st);
    jh_work_init(all, JH_CAP, JH_CAP);
    jh_work_init_for(v, &w, rows_cap, msgs_cap);
    *handed = 0;
    for (;;) {
        size_t consumed = 0, i, r0 = 0;
        int final = have >= len;
        int rc = v->run(st, data + base, have - base, final, &w.out, &consumed);
        CHECK(rc == TB_JSYNC_DONE || rc == TB_JSYNC_FULL || rc == TB_JSYNC_HANDBACK);
        for (i = 0; i < w.out.n_msgs; i++) {
            size_t m = all->out.n_msgs++, r;
            for (r = r0; r < (size_t)w.row_end[i]; r++) {
                size_t o = all->out.n_rows++;
                all->side[o] = w.side[r];
                all->px[o] = w.px[r];
                all->qty[o] = w.qty[r];
            }
            r0 = (size_t)w.row_end[i];
            all->kind[m] = w.kind[i];
            all->seq[m] = w.seq[i];
            all->ts[m] = w.ts[i];
            all->line[m] = w.line[i];
            all->row_end[m] = (int64_t)all->out.n_rows;
        }
        if (rc == TB_JSYNC_FULL && w.out.n_msgs == 0) return; /* a line larger than the output */
        w.out.n_msgs = w.out.n_rows = 0;
        base += consumed;
        if (rc == TB_JSYNC_HANDBACK) {
            const char *nl = (const char *)memchr(data + base, '\n', have - base);
            (*handed)++;
            base = nl ? (size_t)(nl - data) + 1 : have;
            v->head(st)->line++;
            continue;
        }
        if (rc == TB_JSYNC_DONE) {
            if (final) return;
            have = have + step < len ? have + step : len;
        }
    }
}

/* every split of data and tiny capacities give the messages and rows of whole */
static void jh_check_splits(const jh_venue *v, void *st, const char *data, const jh_work *whole,
                            int64_t handed_whole) {
    static jh_work part;
    size_t len = strlen(data), step, m;
    for (step = 1; step <= len; step += 1 + step / 6) {
        size_t caps[3][2] = {{JH_CAP, JH_CAP}, {2, 1}, {3, 2}};
        size_t c;
        for (c = 0; c < 3; c++) {
            int64_t handed = 0;
            jh_drive(v, st, data, len, step, caps[c][0], caps[c][1], &part, &handed);
            CHECK_EQ(part.out.n_msgs, whole->out.n_msgs);
            CHECK_EQ(part.out.n_rows, whole->out.n_rows);
            CHECK_EQ(handed, handed_whole);
            for (m = 0; m < whole->out.n_msgs && m < part.out.n_msgs; m++) {
                CHECK_EQ(part.kind[m], whole->kind[m]);
                CHECK_EQ(part.seq[m], whole->seq[m]);
                CHECK_EQ(part.ts[m], whole->ts[m]);
                CHECK_EQ(part.line[m], whole->line[m]);
                CHECK_EQ(part.row_end[m], whole->row_end[m]);
            }
            for (m = 0; m < whole->out.n_rows && m < part.out.n_rows; m++) {
                CHECK_EQ(part.px[m], whole->px[m]);
                CHECK_EQ_U(part.qty[m], whole->qty[m]);
                CHECK_EQ(part.side[m], whole->side[m]);
            }
        }
    }
}

/* st (after v->init) unchanged since `before`, *consumed still 7, no message */
static void jh_check_untouched(const jh_venue *v, void *st, const unsigned char *before, size_t consumed,
                               const jh_work *w) {
    CHECK(memcmp(st, before, v->size) == 0);
    CHECK_EQ(consumed, 7);
    CHECK_EQ(w->out.n_msgs, 0);
    CHECK_EQ(w->out.n_rows, 0);
}

/* the argument cases every venue refuses with nothing changed; `line` one of
 * its frames with at least one level */
static void jh_check_arguments(const jh_venue *v, void *st, const char *line) {
    static jh_work w;
    static unsigned char before[1024];
    tb_jsync_head *h = v->head(st);
    size_t consumed = 7, n = strlen(line);
    CHECK(v->size <= sizeof before);
    v->init(st);
    memcpy(before, st, v->size);
    jh_work_init_for(v, &w, JH_CAP, JH_CAP);
    CHECK_EQ(v->run(NULL, line, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    CHECK_EQ(v->run(st, line, 3, 1, NULL, &consumed), TB_ERR_NULL);
    CHECK_EQ(v->run(st, line, 3, 1, &w.out, NULL), TB_ERR_NULL);
    CHECK_EQ(v->run(st, NULL, 3, 1, &w.out, &consumed), TB_ERR_NULL);
    jh_check_untouched(v, st, before, consumed, &w);
    h->sym_state = 3;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    h->sym_state = -1;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    h->sym_state = 0;
    h->sym_len = TB_JSYNC_SYMBOL + 1;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    h->sym_len = 0;
    h->tick.mant = 0;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    h->tick = jh_unit("0.01");
    h->lot.reason = TB_DEC_SYNTAX;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    h->lot = jh_unit("0.001");
    jh_check_untouched(v, st, before, consumed, &w);
    w.out.n_msgs = JH_CAP + 1;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_msgs = 0;
    w.out.n_rows = JH_CAP + 1;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_BADARG);
    w.out.n_rows = 0;
    {
        /* each output column missing in turn */
        uint8_t **bytes[2];
        int64_t **words[5];
        size_t i;
        bytes[0] = &w.out.side;
        bytes[1] = &w.out.kind;
        words[0] = &w.out.px;
        words[1] = &w.out.row_end;
        words[2] = &w.out.ts;
        words[3] = &w.out.seq;
        words[4] = &w.out.line;
        for (i = 0; i < 2; i++) {
            uint8_t *keep = *bytes[i];
            *bytes[i] = NULL;
            CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_NULL);
            *bytes[i] = keep;
        }
        for (i = 0; i < 5; i++) {
            int64_t *keep = *words[i];
            *words[i] = NULL;
            CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_NULL);
            *words[i] = keep;
        }
        w.out.qty = NULL;
        CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_ERR_NULL);
        w.out.qty = w.qty;
    }
    jh_check_untouched(v, st, before, consumed, &w);
    /* no data: done, nothing consumed */
    CHECK_EQ(v->run(st, NULL, 0, 1, &w.out, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(consumed, 0);
    CHECK(memcmp(st, before, v->size) == 0);
    /* a line with more levels than rows_cap, or no room for a message: FULL at the
     * line start, nothing consumed or changed */
    jh_work_init_for(v, &w, 0, JH_CAP);
    consumed = 7;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_JSYNC_FULL);
    CHECK_EQ(consumed, 0);
    CHECK_EQ(w.out.n_msgs, 0);
    CHECK(memcmp(st, before, v->size) == 0);
    jh_work_init_for(v, &w, JH_CAP, 0);
    consumed = 7;
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_JSYNC_FULL);
    CHECK_EQ(consumed, 0);
    CHECK(memcmp(st, before, v->size) == 0);
    /* and the line itself is accepted as a message */
    jh_work_init_for(v, &w, JH_CAP, JH_CAP);
    CHECK_EQ(v->run(st, line, n, 1, &w.out, &consumed), TB_JSYNC_DONE);
    CHECK_EQ(w.out.n_msgs, 1);
    CHECK_EQ(consumed, n);
    CHECK_EQ(h->line, 2);
}

#endif /* JSYNC_HARNESS_H */
