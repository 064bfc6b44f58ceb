/* bench_meta.h — what the report says about where it was measured: CPU,
 * cores, kernel, compiler and flags, git commit, date. Needs POSIX
 * (popen, uname, sysconf): define _GNU_SOURCE before any include. */
#ifndef BENCH_META_H
#define BENCH_META_H

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define BENCH_STR2(x) #x
#define BENCH_STR(x) BENCH_STR2(x)

typedef struct bench_meta {
    char cpu_model[256];
    char cpu_sig[128];  /* family/model/stepping */
    char cpu_mhz[32];
    char kernel[256];
    char mem_total[64];
    long cores_online;
    char compiler[256];
    char flags[512];    /* as passed (-DBENCH_CFLAGS=...) or as detected */
    char git_commit[64];
    int git_dirty;      /* -1 unknown */
    char date_utc[64];
} bench_meta;

static void bench_trim(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
}

/* First line of a command's output, "" when it fails. */
static void bench_cmd_line(const char *cmd, char *out, size_t cap) {
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (!p) return;
    if (!fgets(out, (int)cap, p)) out[0] = 0;
    pclose(p);
    bench_trim(out);
}

/* Value of the first "key : value" line of a /proc file. */
static void bench_proc_field(const char *path, const char *key, char *out, size_t cap) {
    char line[512];
    FILE *f = fopen(path, "r");
    size_t kl = strlen(key);
    out[0] = 0;
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && (line[kl] == ' ' || line[kl] == '\t' || line[kl] == ':')) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t') c++;
                snprintf(out, cap, "%s", c);
                bench_trim(out);
            }
            break;
        }
    }
    fclose(f);
}

static void bench_detect_flags(char *out, size_t cap) {
#ifdef BENCH_CFLAGS
    snprintf(out, cap, "%s", BENCH_CFLAGS);
#else
    /* Not passed in: reconstruct what the predefined macros reveal. */
    snprintf(out, cap, "not passed (detected:%s%s%s%s%s%s%s%s%s)",
#if defined(__OPTIMIZE__)
             " __OPTIMIZE__",
#else
             " -O0",
#endif
#if defined(NDEBUG)
             " -DNDEBUG",
#else
             "",
#endif
#if defined(__AVX512F__)
             " avx512f",
#else
             "",
#endif
#if defined(__AVX2__)
             " avx2",
#else
             "",
#endif
#if defined(__BMI2__)
             " bmi2",
#else
             "",
#endif
#if defined(__LZCNT__)
             " lzcnt",
#else
             "",
#endif
#if defined(__POPCNT__)
             " popcnt",
#else
             "",
#endif
#if defined(__znver4__)
             " __znver4__",
#elif defined(__znver3__)
             " __znver3__",
#elif defined(__x86_64__) && !defined(__AVX__)
             " baseline x86-64",
#else
             "",
#endif
#if defined(__STDC_VERSION__)
             " __STDC_VERSION__=" BENCH_STR(__STDC_VERSION__)
#else
             ""
#endif
    );
#endif
}

static void bench_meta_collect(bench_meta *m) {
    struct utsname u;
    time_t now = time(NULL);
    struct tm tmv;
    char fam[32], mod[32], step[32], dirty[256];
    memset(m, 0, sizeof *m);
    bench_proc_field("/proc/cpuinfo", "model name", m->cpu_model, sizeof m->cpu_model);
    bench_proc_field("/proc/cpuinfo", "cpu family", fam, sizeof fam);
    bench_proc_field("/proc/cpuinfo", "model", mod, sizeof mod);
    bench_proc_field("/proc/cpuinfo", "stepping", step, sizeof step);
    snprintf(m->cpu_sig, sizeof m->cpu_sig, "family %s model %s stepping %s", fam, mod, step);
    bench_proc_field("/proc/cpuinfo", "cpu MHz", m->cpu_mhz, sizeof m->cpu_mhz);
    bench_proc_field("/proc/meminfo", "MemTotal", m->mem_total, sizeof m->mem_total);
    m->cores_online = sysconf(_SC_NPROCESSORS_ONLN);
    if (uname(&u) == 0) snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
#if defined(__clang__)
    snprintf(m->compiler, sizeof m->compiler, "clang %s", __VERSION__);
#elif defined(__GNUC__)
    snprintf(m->compiler, sizeof m->compiler, "gcc %s", __VERSION__);
#else
    snprintf(m->compiler, sizeof m->compiler, "unknown");
#endif
    bench_detect_flags(m->flags, sizeof m->flags);
#ifdef BENCH_GIT_COMMIT
    snprintf(m->git_commit, sizeof m->git_commit, "%s", BENCH_GIT_COMMIT);
    m->git_dirty = -1;
#else
    bench_cmd_line("git rev-parse --short HEAD 2>/dev/null", m->git_commit, sizeof m->git_commit);
    if (!m->git_commit[0]) snprintf(m->git_commit, sizeof m->git_commit, "unknown");
    bench_cmd_line("git status --porcelain --untracked-files=no 2>/dev/null | head -1", dirty, sizeof dirty);
    m->git_dirty = m->git_commit[0] && strcmp(m->git_commit, "unknown") ? dirty[0] != 0 : -1;
#endif
    gmtime_r(&now, &tmv);
    strftime(m->date_utc, sizeof m->date_utc, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

#endif /* BENCH_META_H */
