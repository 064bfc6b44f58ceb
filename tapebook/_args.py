"""Argument checks and the mapping from C status codes to exceptions.

The hot paths do not call these: they pass arguments straight to C, which
validates them, and only on failure come here to find out which argument was
wrong and say so.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, NoReturn

import numpy as np

from . import _native as nat
from .errors import (
    ArgumentTypeError,
    ClosedError,
    ConcurrentUseError,
    FormatError,
    IntegerRangeError,
    InvalidArgumentError,
    PoolInUseError,
    StaleHandleError,
    TapebookError,
    TapebookMemoryError,
    TierFullError,
)


def as_int(name: str, value: Any) -> int:
    """``value`` as a Python int; bools (numpy's too), floats and other types are rejected."""
    # numpy < 2.3 still lets operator.index take a numpy bool (with a DeprecationWarning)
    if isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be an integer, got a bool ({value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise ArgumentTypeError(
            f"{name} must be an integer, got {type(value).__name__} ({value!r})"
        ) from None


def not_ints(*values: Any) -> bool:
    """Is a value neither an int nor a numpy integer? cffi converts anything else through
    ``__int__``: it would truncate a Decimal or Fraction (px 100.5 -> 100) and refuse an
    object with only ``__index__`` (which Book takes), so a Python path that hands values to
    cffi converts such values with :func:`as_int` (or refuses them) first."""
    for v in values:  # noqa: SIM110 - a loop, not any(<generator>): ~0.4 us less a call
        if v.__class__ is not int and not isinstance(v, np.integer):
            return True
    return False


#: the side names the public calls accept, case-insensitive (besides True/1 and False/0)
SIDE_NAMES = {"bid": 1, "buy": 1, "ask": 0, "sell": 0}
_SIDE_HELP = "True/1/'bid'/'buy' (bid) or False/0/'ask'/'sell' (ask)"


def side_error(side: Any) -> str:
    """The message for a side value that is not one (the one wording of every call)."""
    return f"side must be {_SIDE_HELP}, got {side!r}"


def check_side(side: Any) -> int:
    """Side as 1 (bid) / 0 (ask): True/False, the integers 1/0, or a name of
    :data:`SIDE_NAMES` in any case."""
    if side is True or side is False:
        return int(side)
    if isinstance(side, str):
        s = SIDE_NAMES.get(side.lower())
        if s is None:
            raise InvalidArgumentError(side_error(side))
        return s
    try:
        s = operator.index(side)
    except TypeError:
        raise ArgumentTypeError(f"side must be {_SIDE_HELP}, got {type(side).__name__} ({side!r})") from None
    if s not in (0, 1):
        raise InvalidArgumentError(side_error(s))
    return s


def check_sides(values: list[Any], name: str) -> list[int]:
    """:func:`check_side` of each value of a column; the error names the row."""
    out = []
    for i, v in enumerate(values):
        try:
            out.append(check_side(v))
        except TapebookError as e:
            raise type(e)(f"{name}[{i}]: {e}") from None
    return out


def renamed_keywords(call: str, given: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """The values of deprecated keyword names (``renamed``: old -> new) under their new
    names, with a DeprecationWarning each; any other keyword is a TypeError, as Python's own."""
    out: dict[str, Any] = {}
    for old, value in given.items():
        if old not in renamed:
            raise TypeError(f"{call}() got an unexpected keyword argument {old!r}")
        warnings.warn(
            f"{call}({old}=...) is deprecated: use {renamed[old]}=", DeprecationWarning, stacklevel=3
        )
        out[renamed[old]] = value
    return out


def check_range(name: str, value: Any, lo: int, hi: int, what: str) -> int:
    v = as_int(name, value)
    if not lo <= v <= hi:
        raise InvalidArgumentError(f"{name}={v} is outside the valid {what} range [{lo}, {hi}]")
    return v


def _wider(fam: nat.Family) -> str:
    # the one remedy for a value that a 32-bit book's types cannot hold
    return "; a 64-bit book (price_bits=64) takes larger values" if fam.bits == 32 else ""


def check_price_arg(name: str, value: Any, variant: nat.BookVariant, what: str) -> int:
    """A price or anchor argument: OverflowError outside the C price type,
    ValueError outside the valid range of the variant."""
    fam = variant.family
    v = as_int(name, value)
    if not fam.type_min <= v <= fam.type_max:
        raise IntegerRangeError(
            f"{name}={v} does not fit {fam.price_c} [{fam.type_min}, {fam.type_max}]{_wider(fam)}"
        )
    lo, hi = (variant.amin, variant.amax) if what == "anchor" else (variant.pmin, variant.pmax)
    return check_range(name, v, lo, hi, what)


def check_type_range(name: str, value: Any, lo: int, hi: int, ctype: str) -> int:
    v = as_int(name, value)
    if not lo <= v <= hi:
        raise IntegerRangeError(f"{name}={v} does not fit {ctype} [{lo}, {hi}]")
    return v


def check_max_cap(max_cap: Any, pooled: bool) -> int:
    v = as_int("max_cap", max_cap)
    limit = nat.POOL_MAX_BLOCK if pooled else nat.MAX_CAP_LIMIT
    if v < 1 or v > limit or v & (v - 1):
        where = f"with a pool (its largest size class is {nat.POOL_MAX_BLOCK} levels)" if pooled else ""
        raise InvalidArgumentError(f"max_cap={v} must be a power of two in [1, {limit}] {where}".rstrip())
    return v


def check_price_bits(price_bits: Any) -> int:
    v = as_int("price_bits", price_bits)
    if v not in nat.PRICE_BITS:
        raise InvalidArgumentError(f"price_bits must be 32 or 64, got {v}")
    return v


def check_n(n: Any) -> int:
    v = as_int("n", n)
    if v not in nat.TAPE_SIZES:
        raise InvalidArgumentError(
            f"n={v} is not a supported tape size: a power of two in "
            f"[{nat.TAPE_SIZES[0]}, {nat.TAPE_SIZES[-1]}] ({', '.join(map(str, nat.TAPE_SIZES))})"
        )
    return v


def renamed(e: TapebookError, call: str) -> TapebookError:
    """``e`` naming the public ``call`` instead of the internal call it went through
    (``depth: the object is closed`` -> ``to_dict: the object is closed``); errors
    about an argument, which name the argument, are returned as they are."""
    head, sep, rest = str(e).partition(": ")
    if not sep or " " in head or "=" in head or head == call:
        return e
    return type(e)(f"{call}: {rest}")


def raise_status(status: int, context: str) -> NoReturn:
    """Raise the exception for a C status that argument checks did not explain."""
    msg = f"{context}: {nat.status_str(status)}"
    if status in (nat.ERR_CLOSED, nat.ERR_NULL):
        raise ClosedError(f"{context}: the object is closed")
    if status == nat.ERR_BUSY:
        raise ConcurrentUseError(
            f"{context}: the object is being used by another thread at the same time "
            "(books and pools are single-threaded; the call was refused and changed nothing)"
        )
    if status == nat.ERR_NOMEM:
        raise TapebookMemoryError(msg)
    if status == nat.ERR_POOL_IN_USE:
        raise PoolInUseError(msg)
    if status == nat.ERR_FULL:
        raise TierFullError(msg)
    if status == nat.ERR_HANDLE:
        raise StaleHandleError(msg)
    if status == nat.ERR_FORMAT:
        raise FormatError(msg)
    if status in (nat.ERR_SIDE, nat.ERR_PRICE, nat.ERR_ANCHOR, nat.ERR_MAX_CAP, nat.ERR_BADARG):
        raise InvalidArgumentError(msg)
    raise TapebookError(msg)


def price_error(name: str, value: Any, variant: nat.BookVariant) -> TapebookError:
    """The exception for a price argument C rejected (or cffi could not convert)."""
    fam = variant.family
    try:
        v = as_int(name, value)
    except ArgumentTypeError as e:
        return e
    if not fam.type_min <= v <= fam.type_max:
        return IntegerRangeError(
            f"{name}={v} does not fit {fam.price_c} [{fam.type_min}, {fam.type_max}]{_wider(fam)}"
        )
    return InvalidArgumentError(
        f"{name}={v} is outside the valid price range [{variant.pmin}, {variant.pmax}] "
        f"of a {fam.bits}-bit book with n={variant.n}"
    )


def qty_error(value: Any, variant: nat.BookVariant) -> TapebookError | None:
    fam = variant.family
    try:
        v = as_int("qty", value)
    except ArgumentTypeError as e:
        return e
    if not 0 <= v <= fam.qty_max:
        return IntegerRangeError(
            f"qty={v} does not fit {fam.qty_c} [0, {fam.qty_max}]{_wider(fam) if v > 0 else ''}"
        )
    return None


def set_error(variant: nat.BookVariant, status: int | None, side: Any, px: Any, qty: Any) -> TapebookError:
    """Explain a failed set(side, px, qty): the first bad argument, else the status."""
    try:
        check_side(side)
    except TapebookError as e:
        return e
    q = qty_error(qty, variant)
    if q is not None:
        return q
    try:
        v = as_int("px", px)
    except ArgumentTypeError as e:
        return e
    if not variant.pmin <= v <= variant.pmax:
        return price_error("px", v, variant)
    try:
        raise_status(status if status is not None else nat.ERR_BADARG, "set")
    except TapebookError as e:
        return e
