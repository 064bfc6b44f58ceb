"""The C functions of the matching engines (csrc/tapebook/tb_match.inc), one table per variant.

Like :mod:`tapebook._native` (whose ``ffi`` / ``lib`` it uses; no other module touches
them for matching), it resolves every function once so that no
:class:`~tapebook.MatchingEngine` method looks anything up by name. The numpy dtypes
of the C records live here too, next to the C names they mirror.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _native as nat
from ._native import ffi, lib

ERR_EVENTS = lib.TB_ERR_EVENTS
ERR_DUPLICATE = lib.TB_ERR_DUPLICATE
ERR_UNKNOWN = lib.TB_ERR_UNKNOWN
ERR_OVERFLOW = lib.TB_ERR_OVERFLOW
MAX_ORDERS = 1 << 30

#: tb_match_order (32 bytes)
ORDER_DTYPE = np.dtype(
    [
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<u8"),
        ("owner", "<u4"),
        ("side", "u1"),
        ("tif", "u1"),
        ("flags", "u1"),
        ("reserved", "u1"),
    ]
)
#: tb_match_event (72 bytes)
EVENT_DTYPE = np.dtype(
    [
        ("seq", "<u8"),
        ("taker_id", "<u8"),
        ("maker_id", "<u8"),
        ("px", "<i8"),
        ("qty", "<u8"),
        ("taker_remaining", "<u8"),
        ("maker_remaining", "<u8"),
        ("level_qty", "<u8"),
        ("owner", "<u4"),
        ("kind", "u1"),
        ("reason", "u1"),
        ("side", "u1"),
        ("flags", "u1"),
    ]
)
#: tb_match_op (40 bytes): one operation of apply_ops, the order then its kind
OP_DTYPE = np.dtype(
    [
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<u8"),
        ("owner", "<u4"),
        ("side", "u1"),
        ("tif", "u1"),
        ("flags", "u1"),
        ("order_reserved", "u1"),
        ("kind", "u1"),
        ("reserved", "u1", (7,)),
    ]
)
#: tb_op_kind: the action letters of apply_ops
OP_SUBMIT, OP_CANCEL, OP_MODIFY = lib.TB_OP_SUBMIT, lib.TB_OP_CANCEL, lib.TB_OP_MODIFY
assert ORDER_DTYPE.itemsize == ffi.sizeof("tb_match_order")
assert OP_DTYPE.itemsize == ffi.sizeof("tb_match_op")
assert OP_DTYPE.fields["kind"][1] == ffi.offsetof("tb_match_op", "kind")
assert EVENT_DTYPE.itemsize == ffi.sizeof("tb_match_event")

_FUNCS = (
    "create",
    "create_reserved",
    "destroy",
    "l3",
    "submit",
    "submit_many",
    "apply_ops",
    "cancel",
    "modify",
    "orders",
    "owner_of",
    "stats",
    "verify_invariants",
    "dump_size",
    "dump",
    "load",
)


class MatchVariant:
    """The C functions of one (price_bits, n) engine variant and of its L3 / L2 books."""

    def __init__(self, bits: int, n: int) -> None:
        fam = nat.FAMILIES[bits]
        self.family = fam
        self.n = n
        self.c_name = f"tb_match_{fam.name}_n{n}"
        self.pmin = fam.type_min + n
        self.pmax = fam.type_max - n
        for f in _FUNCS:
            setattr(self, f, getattr(lib, f"{self.c_name}_{f}"))
        l3 = f"tb_l3_{fam.name}_n{n}"
        self.l3_book = getattr(lib, f"{l3}_book")
        self.l3_level_orders = getattr(lib, f"{l3}_level_orders")
        self.l3_order = getattr(lib, f"{l3}_order")
        self.l3_queue_position = getattr(lib, f"{l3}_queue_position")
        book = f"tb_book_{fam.name}_n{n}"
        self.book_levels = getattr(lib, f"{book}_levels")
        self.book_best_px = getattr(lib, f"{book}_best_px")
        self.level_c = fam.level_c
        self.order_c = f"tb_l3_order_{fam.name}"
        self.qty_c = fam.qty_c

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - for type checkers
        raise AttributeError(name)


_VARIANTS: dict[tuple[int, int], MatchVariant] = {}


def variant(bits: int, n: int) -> MatchVariant:
    """The engine variant for a price family and tape size (resolved once, cached)."""
    v = _VARIANTS.get((bits, n))
    if v is None:
        v = _VARIANTS[(bits, n)] = MatchVariant(bits, n)
    return v


def status_str(status: int) -> str:
    return ffi.string(lib.tb_match_status_str(status)).decode()


#: the fields of tb_match_stats, in order
STATS_FIELDS = ("seq", "orders", "submits", "fills", "rests", "cancels", "rejects", "modifies", "stp_cancels")
