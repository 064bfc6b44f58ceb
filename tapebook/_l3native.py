"""The C functions of the L3 books (csrc/tapebook/tb_l3.inc), one table per variant.

Like :mod:`tapebook._native` (whose ``ffi`` / ``lib`` it uses; no other module
touches them for L3), it resolves every function once so that no
:class:`~tapebook.L3Book` method looks anything up by name.
"""

from __future__ import annotations

from typing import Any

from . import _native as nat
from ._native import ffi, lib

# tb_l3_status (tb_l3_base.h)
ERR_DUPLICATE = lib.TB_ERR_DUPLICATE
ERR_UNKNOWN = lib.TB_ERR_UNKNOWN
ERR_OVERFLOW = lib.TB_ERR_OVERFLOW
MAX_ORDERS = 1 << 30  # TB_L3_MAX_ORDERS
# the L3 dump layout (tb_l3_base.h): header, per-level record, per-order record, CRC
DUMP_HEADER = 56  # TB_L3_DUMP_HEADER
DUMP_LEVEL = 24  # TB_L3_DUMP_LEVEL
DUMP_ORDER = 16  # TB_L3_DUMP_ORDER
#: bytes after the orders (before the CRC) per dump version: version 2 carries the
#: book's counters (TB_L3_DUMP_COUNTERS: adds ... clears, 6 u64), version 1 nothing
DUMP_TAIL = {1: 0, 2: 48}

_L3_FUNCS = (
    "create",
    "create_reserved",
    "destroy",
    "book",
    "add",
    "cancel",
    "reduce",
    "execute",
    "modify",
    "amend",
    "replace",
    "clear",
    "reset",
    "order",
    "queue_position",
    "level_orders",
    "count",
    "stats",
    "index_key",
    "reseed",
    "verify_invariants",
    "apply_mbo",
    "apply_mbo_bbo",
    "dump_size",
    "dump",
    "load",
)


class L3Variant:
    """The C functions of one (price_bits, n) L3 variant, and its L2 book's variant."""

    def __init__(self, book: nat.BookVariant) -> None:
        fam = book.family
        self.book = book
        self.family = fam
        self.n = book.n
        self.c_name = f"tb_l3_{fam.name}_n{book.n}"
        self.order_c = f"tb_l3_order_{fam.name}"
        for f in _L3_FUNCS:  # <l3>_book (the L2 view's pointer) becomes l2_book
            setattr(self, "l2_book" if f == "book" else f, getattr(lib, f"{self.c_name}_{f}"))

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - for type checkers
        raise AttributeError(name)


L3_BOOKS = {key: L3Variant(bv) for key, bv in nat.BOOKS.items()}


def l3_status_str(status: int) -> str:
    return ffi.string(lib.tb_l3_status_str(status)).decode()
