"""The benchmark floor: a CFFI call with ``Book.set``'s arguments that does nothing.

Bench-only, so it is not in the shipped CFFI module: this builds its own tiny
CFFI (API mode) module on first use, into ``build/bench-noop`` (next to the
other build outputs), with the same compiler flags as tapebook's module.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "bench-noop"
MODULE = "_tb_bench_noop"

CDEF = """
int tb_noop_i32(void *b, int side, int32_t px, uint32_t qty);
int tb_noop_i64(void *b, int side, int64_t px, uint64_t qty);
"""

SOURCE = r"""
#include <stdint.h>
int tb_noop_i32(void *b, int side, int32_t px, uint32_t qty) {
    (void)b; (void)px; (void)qty; return side;
}
int tb_noop_i64(void *b, int side, int64_t px, uint64_t qty) {
    (void)b; (void)px; (void)qty; return side;
}
"""


def _build() -> None:
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source(MODULE, SOURCE, extra_compile_args=["-O3", "-DNDEBUG"])
    OUT.mkdir(parents=True, exist_ok=True)
    ffi.compile(tmpdir=str(OUT), verbose=False)


def noop(price_bits: int = 32) -> Any:
    """The no-op C function for ``price_bits`` (takes ``book._p``, side, px, qty)."""
    if str(OUT) not in sys.path:
        sys.path.insert(0, str(OUT))
    try:
        mod = importlib.import_module(MODULE)
    except ImportError:
        _build()
        importlib.invalidate_caches()
        mod = importlib.import_module(MODULE)
    return mod.lib.tb_noop_i32 if price_bits == 32 else mod.lib.tb_noop_i64
