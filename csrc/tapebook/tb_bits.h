/* tb_bits.h — bit scans on 64-bit words. Precondition of ctz/clz: x != 0.
 * GCC/Clang builtins, MSVC intrinsics, or a portable fallback that
 * -DTB_FORCE_PORTABLE_BITS selects everywhere so tests can cover it. */
#ifndef TB_BITS_H
#define TB_BITS_H

#include <stdint.h>

/* SWAR popcount (the portable one, and GCC's choice on x86-64 without the
 * POPCNT instruction, where __builtin_popcountll is a libgcc call: the
 * spill's near index counts bits on its lookup path). */
TB_FORCE_INLINE unsigned tb__popcount64_swar(uint64_t x) {
    x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

#if !defined(TB_FORCE_PORTABLE_BITS) && (defined(__GNUC__) || defined(__clang__))

TB_FORCE_INLINE unsigned tb__ctz64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
TB_FORCE_INLINE unsigned tb__clz64(uint64_t x) { return (unsigned)__builtin_clzll(x); }
#if !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__POPCNT__)
TB_FORCE_INLINE unsigned tb__popcount64(uint64_t x) { return tb__popcount64_swar(x); }
#else
TB_FORCE_INLINE unsigned tb__popcount64(uint64_t x) { return (unsigned)__builtin_popcountll(x); }
#endif
#define TB_BITS_IMPL "builtin"

#elif !defined(TB_FORCE_PORTABLE_BITS) && defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
#pragma intrinsic(_BitScanForward64, _BitScanReverse64)
TB_FORCE_INLINE unsigned tb__ctz64(uint64_t x) {
    unsigned long i;
    _BitScanForward64(&i, x);
    return (unsigned)i;
}
TB_FORCE_INLINE unsigned tb__clz64(uint64_t x) {
    unsigned long i;
    _BitScanReverse64(&i, x);
    return 63u - (unsigned)i;
}
TB_FORCE_INLINE unsigned tb__popcount64(uint64_t x) { return (unsigned)__popcnt64(x); }
#define TB_BITS_IMPL "msvc"

#else

/* SWAR popcount; ctz and clz are derived from it. */
TB_FORCE_INLINE unsigned tb__popcount64(uint64_t x) { return tb__popcount64_swar(x); }
/* (x & -x) - 1 has exactly ctz(x) bits set. */
TB_FORCE_INLINE unsigned tb__ctz64(uint64_t x) { return tb__popcount64((x & (~x + 1)) - 1); }
TB_FORCE_INLINE unsigned tb__clz64(uint64_t x) {
    x |= x >> 1;
    x |= x >> 2;
    x |= x >> 4;
    x |= x >> 8;
    x |= x >> 16;
    x |= x >> 32;
    return 64u - tb__popcount64(x);
}
#define TB_BITS_IMPL "portable"

#endif

/* Index of the highest set bit (x != 0). */
TB_FORCE_INLINE unsigned tb__msb64(uint64_t x) { return 63u - tb__clz64(x); }

#endif /* TB_BITS_H */
