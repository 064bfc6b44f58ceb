/* tb_base.h — shared definitions for every tapebook variant: status and result
 * codes, compile-time options (allocation hooks, asserts), portability macros.
 * Included once; the typed code lives in the *.inc templates. */
#ifndef TB_BASE_H
#define TB_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- compile-time options (define before including tapebook.h) ---------- */

/* Allocation hooks: every byte the library allocates goes through these. */
#if defined(TB_MALLOC) != defined(TB_FREE)
#error "define both TB_MALLOC and TB_FREE, or neither"
#endif
#ifndef TB_MALLOC
#include <stdlib.h>
#define TB_MALLOC(size) malloc(size)
#define TB_FREE(ptr) free(ptr)
#define TB__MALLOC_IS_LIBC 1 /* big blocks are mapped on demand: untouched slack costs nothing */
#endif

/* Internal-invariant checks. Never used for caller input (that gets a status). */
#ifndef TB_ASSERT
#ifdef TB_ENABLE_ASSERTS
#include <stdio.h>
#include <stdlib.h>
#define TB_ASSERT(cond)                                                        \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: tapebook assertion failed: %s\n",          \
                    __FILE__, __LINE__, #cond);                                \
            abort();                                                           \
        }                                                                      \
    } while (0)
#else
#define TB_ASSERT(cond) ((void)0)
#endif
#endif

/* Every public function is static inline: the library is header-only. */
#ifndef TB_API
#define TB_API static inline
#endif

/* ---- portability ---------------------------------------------------------- */

#if defined(__cplusplus)
#define TB_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define TB_ALIGNAS(n) alignas(n)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define TB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define TB_ALIGNAS(n) _Alignas(n)
#else
#define TB__SA_CAT2(a, b) a##b
#define TB__SA_CAT(a, b) TB__SA_CAT2(a, b)
/* __COUNTER__ (GCC, Clang, MSVC) keeps two asserts on the same line of
 * different files from declaring the same typedef. */
#ifdef __COUNTER__
#define TB__SA_ID __COUNTER__
#else
#define TB__SA_ID __LINE__
#endif
#define TB_STATIC_ASSERT(cond, msg)                                            \
    typedef char TB__SA_CAT(tb__static_assert_, TB__SA_ID)[(cond) ? 1 : -1]
#if defined(__GNUC__)
#define TB_ALIGNAS(n) __attribute__((aligned(n)))
#elif defined(_MSC_VER)
#define TB_ALIGNAS(n) __declspec(align(n))
#else
#error "tapebook needs C11, C++11, GCC/Clang or MSVC for aligned tapes"
#endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TB_LIKELY(x) __builtin_expect(!!(x), 1)
#define TB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TB_FORCE_INLINE static inline __attribute__((always_inline))
#define TB_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define TB_LIKELY(x) (x)
#define TB_UNLIKELY(x) (x)
#define TB_FORCE_INLINE static __forceinline
#define TB_NOINLINE __declspec(noinline)
#else
#define TB_LIKELY(x) (x)
#define TB_UNLIKELY(x) (x)
#define TB_FORCE_INLINE static inline
#define TB_NOINLINE
#endif

#define TB_CACHE_LINE 64

/* Token pasting used by the templates to build variant names. */
#define TB__CAT2(a, b) a##b
#define TB__CAT(a, b) TB__CAT2(a, b)
#define TB__CAT3(a, b, c) TB__CAT(TB__CAT(a, b), c)

/* ---- codes shared by C and Python ------------------------------------------ */

/* Outcome of a successful set(); the integers are part of the contract. */
typedef enum tb_result {
    TB_INSERT = 1,  /* new level written on the tape */
    TB_UPDATE = 0,  /* existing tape level changed */
    TB_ERASE = -1,  /* qty 0 inside the tape window (also when already empty) */
    TB_SPILL = -2,  /* level stored in / removed from the spill */
    TB_PROMOTE = 2  /* internal: the tape recentered (set() never returns it) */
} tb_result;

/* Status of every fallible call. Errors are <= TB_ERR_FIRST, so a set_code()
 * return value is a tb_result when >= TB_SPILL and a tb_status otherwise. */
typedef enum tb_status {
    TB_OK = 0,
    TB_ERR_FIRST = -16,
    TB_ERR_NULL = -16,      /* a required pointer argument is NULL */
    TB_ERR_SIDE = -17,      /* side is not TB_BID (1) or TB_ASK (0) */
    TB_ERR_PRICE = -18,     /* price outside [TYPE_MIN + N, TYPE_MAX - N] */
    TB_ERR_ANCHOR = -19,    /* anchor outside [TYPE_MIN + N - 1, TYPE_MAX - N + 1] */
    TB_ERR_MAX_CAP = -20,   /* max_cap not a power of two in range */
    TB_ERR_NOMEM = -21,     /* allocation failed */
    TB_ERR_BUSY = -22,      /* object in use by another thread (guarded builds) */
    TB_ERR_CLOSED = -23,    /* object was closed */
    TB_ERR_INVARIANT = -24, /* verify_invariants found a broken invariant */
    TB_ERR_BADARG = -25,    /* any other invalid argument (sizes, tiers, ...) */
    TB_ERR_HANDLE = -26,    /* multi-book handle is stale or malformed */
    TB_ERR_FULL = -27,      /* multi-book tier has no free slot */
    TB_ERR_POOL_IN_USE = -28, /* pool still has books attached */
    TB_ERR_FORMAT = -29,    /* malformed serialized data */
    TB_ERR_LAST = -29
} tb_status;

/* The status of a call that would change a book whose state another object keeps
 * in step with it: the L2 view of an L3 book (its queues sum to the levels), the
 * L3 book of a matching engine (owners, events, id marks). Only queries pass (and
 * recenter, on an L3 book's L2 view); nothing changed. tb_l3_status names it
 * TB_ERR_READONLY; it lies outside tb_status's range, like the L3 statuses. */
#define TB__ERR_READONLY (-33)

typedef enum tb_side { TB_ASK = 0, TB_BID = 1 } tb_side;

/* Tiers of a multi-book pool. */
typedef enum tb_tier { TB_TIER_HIGH = 0, TB_TIER_MEDIUM = 1, TB_TIER_LOW = 2 } tb_tier;

/* Handle of a book inside a multi-book pool: tier (2 bits), generation
 * (30 bits), slot index (32 bits). A freed slot bumps its generation, so an
 * old handle is detected as stale instead of aliasing the slot's next book. */
typedef uint64_t tb_handle;
#define TB_HANDLE_INVALID UINT64_MAX

TB_API const char *tb_status_str(int status) {
    switch (status) {
    case TB_OK: return "ok";
    case TB_ERR_NULL: return "null pointer argument";
    case TB_ERR_SIDE: return "side must be TB_BID (1) or TB_ASK (0)";
    case TB_ERR_PRICE: return "price outside the valid price range";
    case TB_ERR_ANCHOR: return "anchor outside the valid anchor range";
    case TB_ERR_MAX_CAP: return "max_cap must be a power of two in range";
    case TB_ERR_NOMEM: return "out of memory";
    case TB_ERR_BUSY: return "object is in use by another thread";
    case TB_ERR_CLOSED: return "object is closed";
    case TB_ERR_INVARIANT: return "internal invariant violated";
    case TB_ERR_BADARG: return "invalid argument";
    case TB_ERR_HANDLE: return "stale or invalid book handle";
    case TB_ERR_FULL: return "no free slot in the requested tier";
    case TB_ERR_POOL_IN_USE: return "spill pool still has books attached";
    case TB_ERR_FORMAT: return "malformed serialized data";
    case TB__ERR_READONLY: return "read only here: change it through its owner (the L3 book or matching engine)";
    default: return "unknown status";
    }
}

/* Largest max_cap accepted for a malloc-backed spill side (1 Gi levels);
 * pool-backed spills are limited by the largest size class instead. */
#define TB_MAX_CAP_LIMIT (UINT32_C(1) << 30)
/* SpillPool size classes: 16 << k levels for k in [0, 12). */
#define TB_POOL_NUM_CLASSES 12
#define TB_POOL_MIN_BLOCK 16u
#define TB_POOL_MAX_BLOCK (TB_POOL_MIN_BLOCK << (TB_POOL_NUM_CLASSES - 1))
/* Largest arena a SpillPool accepts, in levels. */
#define TB_POOL_MAX_LEVELS (UINT32_C(1) << 30)

/* Pool exhaustion policy (chosen at pool creation). */
typedef enum tb_pool_policy {
    TB_POOL_REFUSE = 0,  /* exhausted: the block does not grow, failure counted */
    TB_POOL_FALLBACK = 1 /* exhausted: fall back to TB_MALLOC, freed with TB_FREE */
} tb_pool_policy;

/* Per-size-class counters of a SpillPool (plain counters: the pool is
 * single-threaded, and nothing on the book's in-window path touches them). */
typedef struct tb_pool_class_stats {
    uint64_t requests;        /* alloc() calls for this class */
    uint64_t freelist_hits;   /* served from the free list */
    uint64_t bump_allocs;     /* served by bumping the watermark */
    uint64_t failures;        /* arena could not serve (counted in alloc_fail_count) */
    uint64_t fallback_allocs; /* failures served by TB_MALLOC (TB_POOL_FALLBACK) */
    uint64_t frees;           /* blocks returned */
    uint32_t live_blocks;     /* blocks currently handed out (arena + fallback) */
    uint32_t high_water;      /* maximum of live_blocks */
} tb_pool_class_stats;

typedef struct tb_pool_stats {
    uint32_t total_levels;    /* arena size */
    uint32_t used_levels;     /* levels in live arena blocks (whole classes) */
    uint32_t watermark;       /* levels ever carved from the arena */
    uint32_t level_bytes;     /* sizeof one level (8 or 16) */
    uint32_t attached_books;
    uint32_t policy;          /* tb_pool_policy */
    uint64_t alloc_fail_count;
    uint64_t fallback_bytes;  /* bytes in live fallback blocks */
    tb_pool_class_stats cls[TB_POOL_NUM_CLASSES];
} tb_pool_stats;

/* Occupancy and counters of one book ([0] = ask side, [1] = bid side). */
typedef struct tb_book_stats {
    uint64_t bytes;             /* struct plus spill blocks (reserved) */
    uint64_t tape_size;         /* N */
    uint64_t spill_max_cap;
    uint64_t pooled;            /* 1 when spill blocks come from a SpillPool */
    uint64_t tape_levels[2];
    uint64_t spill_levels[2];
    uint64_t spill_cap[2];      /* reserved, or declared by a loaded dump when larger */
    uint64_t spill_evicted[2];  /* stored levels evicted for a better one */
    uint64_t spill_dropped[2];  /* incoming levels dropped: worst of a full spill */
    uint64_t spill_nomem[2];    /* incoming levels dropped: no memory for a block */
    uint64_t promotes[2];       /* recenters caused by set() */
    int64_t anchor[2];
} tb_book_stats;

/* One tier of a multi-book pool: a cache-line aligned array of same-N books
 * with a free list of slots and a generation per slot (for stale handles). */
typedef struct tb_multi_tier {
    unsigned char *books; /* capacity * sizeof(book), aligned */
    uint32_t *gen;        /* generation of each slot (30 bits) */
    uint32_t *next_free;  /* free-list link, TB__SLOT_LIVE while allocated */
    uint32_t capacity;
    uint32_t live;
    uint32_t free_head;   /* UINT32_MAX: tier full */
} tb_multi_tier;

#define TB__SLOT_LIVE (UINT32_MAX - 1u)
#define TB__SLOT_END UINT32_MAX
#define TB_MULTI_MAX_BOOKS (UINT32_C(1) << 24) /* per tier */

TB_API tb_handle tb_handle_make(uint32_t tier, uint32_t gen, uint32_t index) {
    return ((uint64_t)tier << 62) | ((uint64_t)(gen & 0x3fffffffu) << 32) | index;
}
TB_API uint32_t tb_handle_tier(tb_handle h) { return (uint32_t)(h >> 62); }
TB_API uint32_t tb_handle_gen(tb_handle h) { return (uint32_t)(h >> 32) & 0x3fffffffu; }
TB_API uint32_t tb_handle_index(tb_handle h) { return (uint32_t)h; }

TB_API int tb_is_pow2_u32(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* n * size in bytes, or 0 when that overflows size_t (32-bit targets). */
TB_API size_t tb__array_bytes(size_t n, size_t size) {
    return (size && n > SIZE_MAX / size) ? 0 : n * size;
}

/* Memory aligned to a cache line, obtained through TB_MALLOC. The original
 * pointer is stored just below the returned block so TB_FREE gets it back. */
TB_API void *tb__aligned_alloc(size_t size) {
    size_t total;
    unsigned char *raw, *p;
    if (size > SIZE_MAX - TB_CACHE_LINE - sizeof(void *)) return NULL;
    total = size + TB_CACHE_LINE + sizeof(void *);
    raw = (unsigned char *)TB_MALLOC(total);
    if (!raw) return NULL;
    p = raw + sizeof(void *);
    p += (TB_CACHE_LINE - ((uintptr_t)p & (TB_CACHE_LINE - 1))) & (TB_CACHE_LINE - 1);
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    return p;
}

TB_API void tb__aligned_free(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof(void *));
    TB_FREE(raw);
}

/* ---- optional thread guard ------------------------------------------------ *
 * Books and pools are single-threaded. With TB_THREAD_GUARD defined (the
 * Python module does this, because cffi releases the GIL), public entry points
 * claim the object with an atomic compare-and-swap and return TB_ERR_BUSY when
 * another thread holds it; a closed object answers TB_ERR_CLOSED. Without it
 * the guard compiles to nothing and only the closed flag is checked. */
#define TB__STATE_IDLE 0u
#define TB__STATE_BUSY 1u
#define TB__STATE_CLOSED 2u

#ifdef TB_THREAD_GUARD
#if defined(__GNUC__) || defined(__clang__)
TB_FORCE_INLINE int tb__guard_enter(uint8_t *state) {
    uint8_t expected = TB__STATE_IDLE;
    if (TB_LIKELY(__atomic_compare_exchange_n(state, &expected, (uint8_t)TB__STATE_BUSY, 0,
                                              __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
        return TB_OK;
    return expected == TB__STATE_CLOSED ? TB_ERR_CLOSED : TB_ERR_BUSY;
}
TB_FORCE_INLINE void tb__guard_leave(uint8_t *state) {
    __atomic_store_n(state, (uint8_t)TB__STATE_IDLE, __ATOMIC_RELEASE);
}
#elif defined(_MSC_VER)
#include <intrin.h>
TB_FORCE_INLINE int tb__guard_enter(uint8_t *state) {
    char prev = _InterlockedCompareExchange8((volatile char *)state, (char)TB__STATE_BUSY,
                                             (char)TB__STATE_IDLE);
    if (prev == (char)TB__STATE_IDLE) return TB_OK;
    return prev == (char)TB__STATE_CLOSED ? TB_ERR_CLOSED : TB_ERR_BUSY;
}
TB_FORCE_INLINE void tb__guard_leave(uint8_t *state) {
    _InterlockedExchange8((volatile char *)state, (char)TB__STATE_IDLE);
}
#else
#error "TB_THREAD_GUARD needs GCC/Clang atomics or MSVC intrinsics"
#endif
#else
TB_FORCE_INLINE int tb__guard_enter(uint8_t *state) {
    return TB_UNLIKELY(*state == TB__STATE_CLOSED) ? TB_ERR_CLOSED : TB_OK;
}
TB_FORCE_INLINE void tb__guard_leave(uint8_t *state) { (void)state; }
#endif

/* Why the last value-returning query (best_px, best_qty, crossed, ...) of
 * this thread returned its empty value without looking at the book: 0 when it
 * did look. Kept only with TB_THREAD_GUARD; reading it resets it. */
#ifdef TB_THREAD_GUARD
#if defined(__cplusplus)
#define TB__THREAD_LOCAL thread_local
#elif defined(_MSC_VER)
#define TB__THREAD_LOCAL __declspec(thread)
#else
#define TB__THREAD_LOCAL _Thread_local
#endif
static TB__THREAD_LOCAL int tb__query_status;
TB_FORCE_INLINE void tb__set_query_status(int st) { tb__query_status = st; }
TB_API int tb_take_query_status(void) {
    int st = tb__query_status;
    tb__query_status = 0;
    return st;
}
#else
TB_FORCE_INLINE void tb__set_query_status(int st) { (void)st; }
TB_API int tb_take_query_status(void) { return 0; }
#endif

#include "tb_bits.h"

#endif /* TB_BASE_H */
