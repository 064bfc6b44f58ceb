"""The one module that touches the compiled CFFI module (``ffi`` / ``lib``).

It resolves the C functions of each shipped variant once, into small tables
the public classes bind at construction, so no method looks anything up by
name on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _variants

try:
    from ._tapebook_cffi import ffi, lib
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "tapebook's C module is not built: install the package with `pip install .` "
        "(or run `python build_ffi.py` in a source checkout)"
    ) from exc

TAPE_SIZES = _variants.TAPE_SIZES
PRICE_BITS = _variants.PRICE_BITS
MULTI_TIERS = _variants.MULTI_TIERS
POOL_MAX_BLOCK = 32768
POOL_MIN_LEVELS = 16
POOL_MAX_LEVELS = 1 << 30
MAX_CAP_LIMIT = 1 << 30
MULTI_MAX_BOOKS = 1 << 24
DEPTH_KS = (16, 128)  # the top-K widths of the depth snapshot records (tb_snapshot.inc)

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


def _family(bits: int) -> Family:
    name, price_c, qty_c = _variants.FAMILIES[bits]
    return Family(
        bits,
        name,
        price_c,
        qty_c,
        -(2 ** (bits - 1)),
        2 ** (bits - 1) - 1,
        2**bits - 1,
        f"tb_level_{name}",
        f"tb_bbo_{name}",
        _variants.pool_name(bits),
    )


FAMILIES = {bits: _family(bits) for bits in PRICE_BITS}


class BookVariant(_variants.BookFuncs):
    """The C functions (every ``tb_book_<fam>_n<N>_*``, bound by the generated
    BookFuncs) and the limits of one (price_bits, n) book variant."""

    __slots__ = (
        "amax",
        "amin",
        "c_name",
        "c_ptr",
        "depth_c",
        "family",
        "n",
        "nbytes",
        "pmax",
        "pmin",
        "snapshot_fn",
    )

    def __init__(self, fam: Family, n: int) -> None:
        self.family = fam
        self.n = n
        self.c_name = _variants.book_name(fam.bits, n)
        self.c_ptr = f"{self.c_name} *"
        super().__init__(lib, self.c_name)
        self.pmin = int(self.price_min())
        self.pmax = int(self.price_max())
        self.amin = int(self.anchor_min())
        self.amax = int(self.anchor_max())
        self.nbytes = int(self.struct_size())
        self.depth_c = {k: f"tb_depth_{fam.name}_k{k} *" for k in DEPTH_KS}
        self.snapshot_fn = {16: self.snapshot_k16, 128: self.snapshot_k128}


class PoolVariant(_variants.PoolFuncs):
    """The C functions of one family's SpillPool."""

    __slots__ = ("c_ptr", "family", "level_bytes", "nbytes")

    def __init__(self, fam: Family) -> None:
        self.family = fam
        self.c_ptr = f"{fam.pool_c} *"
        super().__init__(lib, fam.pool_c)
        self.nbytes = int(self.struct_size())
        self.level_bytes = int(self.level_size())


class MultiVariant(_variants.MultiFuncs):
    """The C functions of one family's multi-book pool with one tier triple."""

    __slots__ = ("c_name", "c_ptr", "family", "tiers")

    def __init__(self, fam: Family, tiers: tuple[int, int, int]) -> None:
        self.family = fam
        self.tiers = tiers
        self.c_name = _variants.multi_name(fam.bits, tiers)
        self.c_ptr = f"{self.c_name} *"
        super().__init__(lib, self.c_name)


BOOKS = {(bits, n): BookVariant(FAMILIES[bits], n) for bits in PRICE_BITS for n in TAPE_SIZES}
POOLS = {bits: PoolVariant(FAMILIES[bits]) for bits in PRICE_BITS}
MULTIS = {(bits, t): MultiVariant(FAMILIES[bits], t) for bits in PRICE_BITS for t in MULTI_TIERS}


def lib_path() -> str:
    """File of the compiled CFFI module (tapebook._hotpath looks its tables up there)."""
    from . import _tapebook_cffi

    return str(_tapebook_cffi.__file__)


def build_info() -> str:
    """How the loaded C module was compiled (flags, sanitizer)."""
    return ffi.string(lib.tb_build_info()).decode()


# ---- depth snapshots and dump / load (tb_snapshot.inc, tb_serial.inc) ----------
depth_check = lib.tb_depth_check
depth_size = lib.tb_depth_size
dump_peek = lib.tb_dump_peek
crc32 = lib.tb_crc32
