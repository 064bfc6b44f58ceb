/* bench_json.h — a small streaming JSON writer (objects, arrays, strings,
 * numbers) with indentation, enough for the benchmark report. */
#ifndef BENCH_JSON_H
#define BENCH_JSON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bench_json {
    FILE *f;
    int depth;
    int first[64]; /* first element at this depth not yet written */
} bench_json;

static void bench_json_indent(bench_json *j) {
    int i;
    fputc('\n', j->f);
    for (i = 0; i < j->depth; i++) fputs("  ", j->f);
}

static void bench_json_sep(bench_json *j) {
    if (j->depth == 0) return;
    if (!j->first[j->depth]) fputc(',', j->f);
    j->first[j->depth] = 0;
    bench_json_indent(j);
}

static void bench_json_str_raw(bench_json *j, const char *s) {
    fputc('"', j->f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(j->f, "\\%c", c);
        else if (c < 0x20) fprintf(j->f, "\\u%04x", c);
        else fputc(c, j->f);
    }
    fputc('"', j->f);
}

static void bench_json_key(bench_json *j, const char *k) {
    bench_json_sep(j);
    bench_json_str_raw(j, k);
    fputs(": ", j->f);
    j->first[j->depth] = 2; /* the value follows without a separator */
}

static void bench_json_value_prefix(bench_json *j) {
    if (j->depth && j->first[j->depth] == 2) {
        j->first[j->depth] = 0;
        return;
    }
    bench_json_sep(j);
}

static void bench_json_open(bench_json *j, const char *key, char c) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    fputc(c, j->f);
    j->depth++;
    j->first[j->depth] = 1;
}

static void bench_json_close(bench_json *j, char c) {
    int empty = j->first[j->depth] == 1;
    j->depth--;
    if (!empty) bench_json_indent(j);
    fputc(c, j->f);
    if (j->depth == 0) fputc('\n', j->f);
}

#define bench_json_obj(j, key) bench_json_open(j, key, '{')
#define bench_json_arr(j, key) bench_json_open(j, key, '[')
#define bench_json_end_obj(j) bench_json_close(j, '}')
#define bench_json_end_arr(j) bench_json_close(j, ']')

static void bench_json_str(bench_json *j, const char *key, const char *v) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    if (v) bench_json_str_raw(j, v);
    else fputs("null", j->f);
}

static void bench_json_num(bench_json *j, const char *key, double v) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    if (isfinite(v)) fprintf(j->f, "%.6g", v);
    else fputs("null", j->f);
}

static void bench_json_u64(bench_json *j, const char *key, uint64_t v) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

static void bench_json_i64(bench_json *j, const char *key, int64_t v) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    fprintf(j->f, "%lld", (long long)v);
}

static void bench_json_bool(bench_json *j, const char *key, int v) {
    if (key) bench_json_key(j, key);
    bench_json_value_prefix(j);
    fputs(v ? "true" : "false", j->f);
}

#endif /* BENCH_JSON_H */
