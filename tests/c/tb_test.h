/* tb_test.h — a tiny test framework for the tapebook C tests.
 *
 *   CHECK(cond)            record a failure (file:line, expression) and go on
 *   CHECK_EQ(a, b)         integer equality, both sides printed (as int64)
 *   CHECK_EQ_U(a, b)       the same for values that are best read unsigned
 *   CHECK_MSG(cond, ...)   CHECK with a printf-style note
 *   tbt_init(argc, argv)   parse --profile quick|sanitizer|full, --verbose
 *   tbt_run(name, fn)      run void fn(void) as one test
 *   tbt_run_arg(name, variant, fn, arg)   run void fn(const void *arg)
 *   tbt_finish()           print "N passed, N failed" alone on the last line;
 *                          returns the process exit status (1 on any failure)
 *
 * A test passes when none of its checks failed. Programs that count other
 * units (the fuzzer counts suites) call tbt_count(passed) and tbt_finish().
 * Header-only, single-threaded, no allocation. */
#ifndef TB_TEST_H
#define TB_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum tbt_profile { TBT_QUICK = 0, TBT_SANITIZER = 1, TBT_FULL = 2 } tbt_profile;

static tbt_profile tbt_prof = TBT_QUICK;
static int tbt_verbose = 0;
static int tbt_passed = 0, tbt_failed = 0;
static long tbt_cur_failures = 0; /* failures inside the running test */
static long tbt_checks = 0;
static const char *tbt_cur_name = "";
static const char *tbt_cur_variant = "";
#define TBT_MAX_PRINTED 25 /* failure lines printed per test */

/* the tests' seeded random numbers (xorshift64); assign tbt_rand_state to reseed (never 0) */
static uint64_t tbt_rand_state = 0x9E3779B97F4A7C15u;
static inline uint64_t tbt_rand(void) {
    tbt_rand_state ^= tbt_rand_state << 13;
    tbt_rand_state ^= tbt_rand_state >> 7;
    tbt_rand_state ^= tbt_rand_state << 17;
    return tbt_rand_state;
}

static inline const char *tbt_profile_name(tbt_profile p) {
    return p == TBT_FULL ? "full" : p == TBT_SANITIZER ? "sanitizer" : "quick";
}

/* Parses the common flags; leaves unknown ones to the caller (returns 0 on a
 * bad --profile value after printing usage). */
static inline int tbt_init(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            const char *p = argv[++i];
            if (strcmp(p, "quick") == 0) tbt_prof = TBT_QUICK;
            else if (strcmp(p, "sanitizer") == 0) tbt_prof = TBT_SANITIZER;
            else if (strcmp(p, "full") == 0) tbt_prof = TBT_FULL;
            else {
                fprintf(stderr, "unknown profile '%s' (quick|sanitizer|full)\n", p);
                return 0;
            }
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            tbt_verbose = 1;
        }
    }
    return 1;
}

static inline void tbt_fail_header(const char *file, int line) {
    fprintf(stderr, "FAIL %s:%d: [%s%s%s] ", file, line, tbt_cur_name, *tbt_cur_variant ? " / " : "",
            tbt_cur_variant);
}

static inline int tbt_should_print(void) { return tbt_cur_failures <= TBT_MAX_PRINTED; }

static inline int tbt_check(int ok, const char *expr, const char *file, int line) {
    tbt_checks++;
    if (ok) return 1;
    tbt_cur_failures++;
    if (tbt_should_print()) {
        tbt_fail_header(file, line);
        fprintf(stderr, "%s\n", expr);
    }
    return 0;
}

static inline int tbt_check_msg(int ok, const char *expr, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    tbt_checks++;
    if (ok) return 1;
    tbt_cur_failures++;
    if (tbt_should_print()) {
        tbt_fail_header(file, line);
        fprintf(stderr, "%s: ", expr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return 0;
}

static inline int tbt_check_eq_i(int64_t a, int64_t b, const char *ea, const char *eb, const char *file, int line) {
    tbt_checks++;
    if (a == b) return 1;
    tbt_cur_failures++;
    if (tbt_should_print()) {
        tbt_fail_header(file, line);
        fprintf(stderr, "%s == %s: %lld != %lld\n", ea, eb, (long long)a, (long long)b);
    }
    return 0;
}

static inline int tbt_check_eq_u(uint64_t a, uint64_t b, const char *ea, const char *eb, const char *file, int line) {
    tbt_checks++;
    if (a == b) return 1;
    tbt_cur_failures++;
    if (tbt_should_print()) {
        tbt_fail_header(file, line);
        fprintf(stderr, "%s == %s: %llu != %llu\n", ea, eb, (unsigned long long)a, (unsigned long long)b);
    }
    return 0;
}

#define CHECK(cond) tbt_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, ...) tbt_check_msg(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(a, b) tbt_check_eq_i((int64_t)(a), (int64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_EQ_U(a, b) tbt_check_eq_u((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)

static inline void tbt_begin(const char *name, const char *variant) {
    tbt_cur_name = name;
    tbt_cur_variant = variant ? variant : "";
    tbt_cur_failures = 0;
}

static inline int tbt_end(void) {
    int ok = tbt_cur_failures == 0;
    if (ok) tbt_passed++;
    else tbt_failed++;
    if (!ok)
        fprintf(stderr, "FAILED %s%s%s (%ld failed checks)\n", tbt_cur_name, *tbt_cur_variant ? " / " : "",
                tbt_cur_variant, tbt_cur_failures);
    else if (tbt_verbose)
        printf("ok %s%s%s\n", tbt_cur_name, *tbt_cur_variant ? " / " : "", tbt_cur_variant);
    tbt_cur_name = "";
    tbt_cur_variant = "";
    return ok;
}

static inline int tbt_run(const char *name, void (*fn)(void)) {
    tbt_begin(name, NULL);
    fn();
    return tbt_end();
}

static inline int tbt_run_arg(const char *name, const char *variant, void (*fn)(const void *), const void *arg) {
    tbt_begin(name, variant);
    fn(arg);
    return tbt_end();
}

/* For programs whose unit is not a test function (the fuzzer's suites). */
static inline void tbt_count(int passed) {
    if (passed) tbt_passed++;
    else tbt_failed++;
}

static inline int tbt_finish(void) {
    fflush(stderr);
    printf("%d passed, %d failed\n", tbt_passed, tbt_failed);
    fflush(stdout);
    return tbt_failed ? 1 : 0;
}

#endif /* TB_TEST_H */
