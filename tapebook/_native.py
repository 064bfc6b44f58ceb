"""The one module that touches the compiled CFFI module (``ffi`` / ``lib``).

It resolves the C functions of each shipped variant once, into small tables
the public classes bind at construction, so no method looks anything up by
name on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:
    from ._tapebook_cffi import ffi, lib
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "tapebook's C module is not built: install the package with `pip install .` "
        "(or run `python build_ffi.py` in a source checkout)"
    ) from exc

TAPE_SIZES = (64, 128, 256, 512, 1024, 2048, 4096)
PRICE_BITS = (32, 64)
MULTI_TIERS = ((1024, 256, 64), (4096, 1024, 256))
POOL_MAX_BLOCK = 32768
POOL_MIN_LEVELS = 16
POOL_MAX_LEVELS = 1 << 30
MAX_CAP_LIMIT = 1 << 30
MULTI_MAX_BOOKS = 1 << 24

# status codes (tb_status)
OK = lib.TB_OK
ERR_NULL = lib.TB_ERR_NULL
ERR_SIDE = lib.TB_ERR_SIDE
ERR_PRICE = lib.TB_ERR_PRICE
ERR_ANCHOR = lib.TB_ERR_ANCHOR
ERR_MAX_CAP = lib.TB_ERR_MAX_CAP
ERR_NOMEM = lib.TB_ERR_NOMEM
ERR_BUSY = lib.TB_ERR_BUSY
ERR_CLOSED = lib.TB_ERR_CLOSED
ERR_INVARIANT = lib.TB_ERR_INVARIANT
ERR_BADARG = lib.TB_ERR_BADARG
ERR_HANDLE = lib.TB_ERR_HANDLE
ERR_FULL = lib.TB_ERR_FULL
ERR_POOL_IN_USE = lib.TB_ERR_POOL_IN_USE
ERR_FORMAT = lib.TB_ERR_FORMAT
ERR_FIRST = lib.TB_ERR_FIRST

take_query_status = lib.tb_take_query_status


def status_str(status: int) -> str:
    return ffi.string(lib.tb_status_str(status)).decode()


@dataclass(frozen=True)
class Family:
    """C names and limits of one price family."""

    bits: int
    name: str  # "i32" / "i64"
    price_c: str
    qty_c: str
    type_min: int
    type_max: int
    qty_max: int
    level_c: str
    bbo_c: str
    pool_c: str


FAMILIES = {
    32: Family(
        32,
        "i32",
        "int32_t",
        "uint32_t",
        -(2**31),
        2**31 - 1,
        2**32 - 1,
        "tb_level_i32",
        "tb_bbo_i32",
        "tb_spill_pool_i32",
    ),
    64: Family(
        64,
        "i64",
        "int64_t",
        "uint64_t",
        -(2**63),
        2**63 - 1,
        2**64 - 1,
        "tb_level_i64",
        "tb_bbo_i64",
        "tb_spill_pool_i64",
    ),
}

_BOOK_FUNCS = (
    "set_code",
    "create",
    "destroy",
    "deinit",
    "best_px",
    "best_qty",
    "best_bid_px",
    "best_ask_px",
    "best_bid_qty",
    "best_ask_qty",
    "bbo",
    "crossed",
    "crossed_on_tape",
    "anchor",
    "levels_n",
    "qty_at",
    "top",
    "depth",
    "reset",
    "reset_at_mid",
    "load_side",
    "load_snapshot",
    "recenter",
    "recenter_bid",
    "recenter_ask",
    "erase_better",
    "clear",
    "release",
    "reserve_spill",
    "verify_invariants",
    "stats",
    "apply",
    "bbo_trace",
    "struct_size",
    "price_min",
    "price_max",
    "anchor_min",
    "anchor_max",
)


class BookVariant:
    """The C functions and limits of one (price_bits, n) book variant."""

    def __init__(self, fam: Family, n: int) -> None:
        self.family = fam
        self.n = n
        self.c_name = f"tb_book_{fam.name}_n{n}"
        self.c_ptr = f"{self.c_name} *"
        for f in _BOOK_FUNCS:
            setattr(self, f, getattr(lib, f"{self.c_name}_{f}"))
        self.pmin = int(self.price_min())
        self.pmax = int(self.price_max())
        self.amin = int(self.anchor_min())
        self.amax = int(self.anchor_max())
        self.nbytes = int(self.struct_size())

    # attributes are set dynamically from _BOOK_FUNCS
    def __getattr__(self, name: str) -> Any:  # pragma: no cover - for type checkers
        raise AttributeError(name)


class PoolVariant:
    """The C functions of one family's SpillPool."""

    def __init__(self, fam: Family) -> None:
        self.family = fam
        p = fam.pool_c
        self.c_ptr = f"{p} *"
        self.create = getattr(lib, f"{p}_create")
        self.destroy = getattr(lib, f"{p}_destroy")
        self.deinit = getattr(lib, f"{p}_deinit")
        self.stats = getattr(lib, f"{p}_stats")
        self.nbytes = int(getattr(lib, f"{p}_struct_size")())
        self.level_bytes = int(getattr(lib, f"{p}_level_size")())


class MultiVariant:
    """The C functions of one family's multi-book pool with one tier triple."""

    def __init__(self, fam: Family, tiers: tuple[int, int, int]) -> None:
        self.family = fam
        self.tiers = tiers
        h, m, lo = tiers
        self.c_name = f"tb_multi_{fam.name}_h{h}_m{m}_l{lo}"
        self.c_ptr = f"{self.c_name} *"
        for f in (
            "create",
            "destroy",
            "deinit",
            "alloc",
            "free",
            "book_high",
            "book_medium",
            "book_low",
            "pool",
            "tier_info",
        ):
            setattr(self, f, getattr(lib, f"{self.c_name}_{f}"))

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - for type checkers
        raise AttributeError(name)


BOOKS = {(bits, n): BookVariant(FAMILIES[bits], n) for bits in PRICE_BITS for n in TAPE_SIZES}
POOLS = {bits: PoolVariant(FAMILIES[bits]) for bits in PRICE_BITS}
MULTIS = {(bits, t): MultiVariant(FAMILIES[bits], t) for bits in PRICE_BITS for t in MULTI_TIERS}

NOOP = {32: lib.tb_noop_i32, 64: lib.tb_noop_i64}


def lib_path() -> str:
    """File of the compiled CFFI module (tapebook._hotpath looks its tables up there)."""
    from . import _tapebook_cffi

    return str(_tapebook_cffi.__file__)


def build_info() -> str:
    """How the loaded C module was compiled (flags, sanitizer)."""
    return ffi.string(lib.tb_build_info()).decode()


# ---- depth snapshots and dump / load (tb_snapshot.inc, tb_serial.inc) ----------
DEPTH_KS = (16, 128)
_PERSIST_FUNCS = ("snapshot_k16", "snapshot_k128", "dump_size", "dump", "load", "check_dump")
for _bv in BOOKS.values():
    for _f in _PERSIST_FUNCS:
        setattr(_bv, _f, getattr(lib, f"{_bv.c_name}_{_f}"))
    _bv.depth_c = {k: f"tb_depth_{_bv.family.name}_k{k} *" for k in DEPTH_KS}
    _bv.snapshot_fn = {16: _bv.snapshot_k16, 128: _bv.snapshot_k128}
del _bv, _f

depth_check = lib.tb_depth_check
depth_size = lib.tb_depth_size
dump_peek = lib.tb_dump_peek
crc32 = lib.tb_crc32
