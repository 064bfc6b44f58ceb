"""Snapshot level lists for :meth:`Book.load_side` / :meth:`Book.load_snapshot`.

A side's levels are coerced to the book's C types, put best first (bids
descending, asks ascending: sorted here when they are not already, which the C
call requires), and when the C layer refuses one, its verdict (status and the
index of the first bad level) becomes an exception naming that level as the
caller numbered it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _args
from . import _native as nat
from ._buffers import coerce
from .errors import ArgumentTypeError, IntegerRangeError, InvalidArgumentError, TapebookError


class SideLevels:
    """One side's levels, ready for the C call."""

    __slots__ = ("names", "order", "prices", "qtys")

    def __init__(
        self, prices: np.ndarray, qtys: np.ndarray, order: np.ndarray | None, names: tuple[str, str]
    ):
        self.prices = prices
        self.qtys = qtys
        self.order = order  # sorted position -> the caller's index (None: given best first)
        self.names = names

    def __len__(self) -> int:
        return len(self.prices)

    def index(self, i: int) -> int:
        """The caller's index of sorted position i."""
        return int(self.order[i]) if self.order is not None else i


def _coerce(name: str, data: Any, dtype: np.dtype) -> np.ndarray:
    """``coerce``, except that a list of Python ints beyond 64 bits (numpy makes it an
    object array) is an out-of-range integer, named, not a type error."""
    try:
        return coerce(name, data, dtype)
    except ArgumentTypeError:
        if isinstance(data, np.ndarray) or not isinstance(data, (list, tuple)):
            raise
        info = np.iinfo(dtype)
        for i, v in enumerate(data):
            if type(v) is int and not info.min <= v <= info.max:
                raise IntegerRangeError(
                    f"{name}[{i}]={v} does not fit {dtype} [{info.min}, {info.max}]"
                ) from None
        raise


def prepare(
    side: int, prices: Any, qtys: Any, price_dtype: np.dtype, qty_dtype: np.dtype, names: tuple[str, str]
) -> SideLevels:
    """Coerce, check the lengths, and order best first (a stable sort only when needed)."""
    p = _coerce(names[0], prices, price_dtype)
    q = _coerce(names[1], qtys, qty_dtype)
    if len(p) != len(q):
        raise InvalidArgumentError(
            f"{names[0]} and {names[1]} must have equal lengths, got {len(p)} and {len(q)}"
        )
    order = None
    if len(p) > 1:
        # comparisons, not np.diff: a difference of two int64 prices can overflow
        best_first = bool((p[:-1] > p[1:]).all()) if side else bool((p[:-1] < p[1:]).all())
        if not best_first:
            order = np.argsort(p, kind="stable")
            if side:
                order = order[::-1].copy()
            p = np.ascontiguousarray(p[order])
            q = np.ascontiguousarray(q[order])
    return SideLevels(p, q, order, names)


def error(status: int, lv: SideLevels, i: int, variant: nat.BookVariant, what: str) -> TapebookError:
    """The exception for the C layer's verdict on sorted position i of lv."""
    px_name, qty_name = lv.names
    if status == nat.ERR_PRICE and i < len(lv):
        return _args.price_error(f"{px_name}[{lv.index(i)}]", int(lv.prices[i]), variant)
    if status == nat.ERR_BADARG and i < len(lv):
        if int(lv.qtys[i]) == 0:
            return InvalidArgumentError(
                f"{qty_name}[{lv.index(i)}]=0: every level of a snapshot needs a quantity > 0 "
                "(a level that is not there is left out)"
            )
        if i > 0:  # sorted best first, so a level not strictly worse than its predecessor is a repeat
            j, k = sorted((lv.index(i - 1), lv.index(i)))
            return InvalidArgumentError(
                f"{px_name}[{j}] and {px_name}[{k}] are both {int(lv.prices[i])}: "
                "a snapshot has one level per price"
            )
    try:
        _args.raise_status(status, what)
    except TapebookError as e:
        return e
    raise AssertionError("raise_status returned")  # pragma: no cover
