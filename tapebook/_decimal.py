"""Whole columns of decimal strings <-> integer multiples of a unit, exactly (C: tb_decimal.h).

One C call per column: Arrow string arrays and numpy ``S`` arrays are read in
place; lists (and numpy ``U`` / object arrays) are joined into one buffer
first. No float is involved anywhere; a value that is not a whole number of
units is refused with its index, never rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from ._native import ffi, lib
from .errors import ArgumentTypeError, InvalidArgumentError

_SEP = b"\n"
_REASONS = {
    lib.TB_DEC_SYNTAX: "not a decimal number",
    lib.TB_DEC_INEXACT: "not a whole number of {units}",
    lib.TB_DEC_RANGE: "too large for a 64-bit integer number of {units}",
    lib.TB_DEC_NEGATIVE: "negative",
}


class DecimalColumnError(InvalidArgumentError):
    """A value of a column could not be converted: ``index`` is its position,
    ``value`` the value (str), ``reason`` why."""

    def __init__(self, message: str, index: int, value: str, reason: str) -> None:
        super().__init__(message)
        self.index = index
        self.value = value
        self.reason = reason


class Unit:
    """A positive decimal unit (tick or lot size), parsed once for the C converters."""

    __slots__ = ("c", "decimal", "decimals", "name")

    def __init__(self, value: Decimal, name: str) -> None:
        self.decimal = value
        self.name = name
        text = format(value, "f").encode()
        c = ffi.new("tb_dec_unit *")
        if lib.tb_dec_unit_parse(text, len(text), c) != lib.TB_OK:
            why = ffi.string(lib.tb_dec_reason_str(c.reason)).decode()
            raise InvalidArgumentError(f"{name}={value}: {why} (at most 18 significant digits, > 0)")
        self.c = c[0]
        #: fraction digits of the unit (0.01 -> 2, 25 -> 0): the precision venues print
        self.decimals = max(0, -int(c.exp))


def _units_word(unit: Unit) -> str:
    return "ticks" if unit.name == "tick_size" else "lots" if unit.name == "lot_size" else "units"


def reason_text(reason: int, unit: Unit) -> str:
    """Why a value was refused, in words (``reason`` a tb_dec_reason): the text
    :class:`DecimalColumnError` carries as ``reason``, shared with the Tardis scanner."""
    why = _REASONS.get(reason, "invalid").format(units=_units_word(unit))
    extra = f" ({unit.name} {unit.decimal})" if reason == lib.TB_DEC_INEXACT else ""
    return why + extra


def _raise(values: Any, index: int, reason: int, unit: Unit, what: str) -> None:
    try:
        v = values[index]
        v = v.as_py() if hasattr(v, "as_py") else v
        shown = v.decode(errors="replace") if isinstance(v, bytes) else str(v)
    except Exception:  # pragma: no cover - the value is only for the message
        shown = "?"
    why = reason_text(reason, unit)
    raise DecimalColumnError(f"{what}[{index}]={shown!r} is {why}", index, shown, why)


def _convert_joined(items: list[Any], unit: Unit, unsigned: bool, out: np.ndarray, what: str) -> None:
    """A list of str / bytes (or Decimal / int) joined into one buffer: one C call."""
    n = len(items)
    try:
        data = _SEP.join(items) if items and isinstance(items[0], bytes) else "\n".join(items).encode()
    except TypeError:
        data = None
    if data is not None and data.count(_SEP) == n - 1:
        done = ffi.new("size_t *")
        reason = ffi.new("int *")
        st = lib.tb_dec_col_delimited(
            data, len(data), _SEP, n, unit.c, int(unsigned), ffi.from_buffer("uint64_t[]", out), done, reason
        )
        if st == lib.TB_OK:
            return
        if st != lib.TB_ERR_FORMAT:  # pragma: no cover - arguments are ours
            raise InvalidArgumentError(f"{what}: conversion failed (status {st})")
        _raise(items, int(done[0]), int(reason[0]), unit, what)
    # mixed types, non-strings or values holding the separator: one at a time
    for i, v in enumerate(items):
        out[i] = _one(v, unit, unsigned, items, i, what)


def _one(v: Any, unit: Unit, unsigned: bool, items: Any, i: int, what: str) -> int:
    if isinstance(v, (bool, float)) or not isinstance(v, (str, bytes, int, Decimal)):
        if isinstance(v, float):
            raise ArgumentTypeError(f"{what}[{i}]={v!r} is a float, which is not exact: pass str or Decimal")
        raise ArgumentTypeError(f"{what}[{i}] must be a str, bytes, int or Decimal, got {type(v).__name__}")
    if isinstance(v, Decimal):
        b = format(v, "f").encode() if v.is_finite() else b"nan"
    elif isinstance(v, int):
        b = str(v).encode()
    else:
        b = v if isinstance(v, bytes) else v.encode("utf-8", errors="replace")
    o = ffi.new("uint64_t *")
    r = lib.tb_dec_parse(b, len(b), unit.c, int(unsigned), o)
    if r:
        _raise(items, i, int(r), unit, what)
    return int(o[0])


def _convert_arrow(arr: Any, unit: Unit, unsigned: bool, out: np.ndarray, what: str, base: int) -> None:
    import pyarrow as pa

    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)):  # fmt: skip
        raise ArgumentTypeError(f"{what} must be an Arrow string or binary array, got {t}")
    n = len(arr)
    if arr.null_count:
        bad = int(np.flatnonzero(np.asarray(arr.is_null()))[0])
        raise DecimalColumnError(f"{what}[{base + bad}] is null", base + bad, "null", "null")
    if n == 0:
        return
    _validity, offs, data = arr.buffers()
    large = pa.types.is_large_string(t) or pa.types.is_large_binary(t)
    odt = np.int64 if large else np.int32
    offsets = np.frombuffer(offs, dtype=odt)[arr.offset : arr.offset + n + 1]
    done = ffi.new("size_t *")
    reason = ffi.new("int *")
    fn = lib.tb_dec_col_offsets64 if large else lib.tb_dec_col_offsets32
    st = fn(
        ffi.from_buffer("char[]", data) if data is not None and data.size else ffi.new("char[1]"),
        ffi.from_buffer("int64_t[]" if large else "int32_t[]", offsets),
        n,
        unit.c,
        int(unsigned),
        ffi.from_buffer("uint64_t[]", out),
        done,
        reason,
    )
    if st == lib.TB_OK:
        return
    if st != lib.TB_ERR_FORMAT:  # pragma: no cover
        raise InvalidArgumentError(f"{what}: conversion failed (status {st})")
    i = int(done[0])
    try:
        _raise(arr, i, int(reason[0]), unit, what)
    except DecimalColumnError as e:
        if base:
            raise DecimalColumnError(
                str(e).replace(f"[{i}]", f"[{base + i}]", 1), base + i, e.value, e.reason
            ) from None
        raise


def _convert_fixed(arr: np.ndarray, unit: Unit, unsigned: bool, out: np.ndarray, what: str) -> None:
    arr = np.ascontiguousarray(arr)
    n = len(arr)
    if n == 0:
        return
    done = ffi.new("size_t *")
    reason = ffi.new("int *")
    st = lib.tb_dec_col_fixed(
        ffi.from_buffer("char[]", arr),
        arr.dtype.itemsize,
        n,
        unit.c,
        int(unsigned),
        ffi.from_buffer("uint64_t[]", out),
        done,
        reason,
    )
    if st == lib.TB_OK:
        return
    if st != lib.TB_ERR_FORMAT:  # pragma: no cover
        raise InvalidArgumentError(f"{what}: conversion failed (status {st})")
    _raise(arr, int(done[0]), int(reason[0]), unit, what)


def to_units(values: Any, unit: Unit, unsigned: bool, what: str = "values") -> np.ndarray:
    """``values`` (a column of decimal strings) / ``unit`` as int64 (uint64 when
    ``unsigned``). Raises :class:`DecimalColumnError` naming the first bad value."""
    out_dtype = np.uint64 if unsigned else np.int64
    mod = type(values).__module__
    if mod.startswith("pyarrow"):
        if hasattr(values, "chunks"):  # ChunkedArray
            out = np.empty(len(values), dtype=np.uint64)
            pos = 0
            for ch in values.chunks:
                _convert_arrow(ch, unit, unsigned, out[pos : pos + len(ch)], what, pos)
                pos += len(ch)
            return out.view(out_dtype)
        out = np.empty(len(values), dtype=np.uint64)
        _convert_arrow(values, unit, unsigned, out, what, 0)
        return out.view(out_dtype)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InvalidArgumentError(f"{what} must be 1-dimensional, got shape {values.shape}")
        out = np.empty(len(values), dtype=np.uint64)
        if values.dtype.kind == "S":
            _convert_fixed(values, unit, unsigned, out, what)
            return out.view(out_dtype)
        if values.dtype.kind in "UO":
            _convert_joined(values.tolist(), unit, unsigned, out, what)
            return out.view(out_dtype)
        raise ArgumentTypeError(
            f"{what} must hold decimal strings (numpy S/U/object dtype), got dtype {values.dtype}"
        )
    if isinstance(values, (list, tuple)):
        out = np.empty(len(values), dtype=np.uint64)
        _convert_joined(list(values), unit, unsigned, out, what)
        return out.view(out_dtype)
    raise ArgumentTypeError(
        f"{what} must be a list, a numpy array or an Arrow array of decimal strings, "
        f"got {type(values).__name__}"
    )


def from_units(values: Any, unit: Unit, unsigned: bool, decimals: int | None = None) -> np.ndarray:
    """Integers * ``unit`` as decimal strings (numpy ``S`` array). ``decimals``:
    exactly that many fraction digits; None: as few as exact."""
    arr = np.ascontiguousarray(values, dtype=np.uint64 if unsigned else np.int64)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"values must be 1-dimensional, got shape {arr.shape}")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
        raise InvalidArgumentError(f"decimals={decimals!r} must be None or an integer >= 0")
    d = -1 if decimals is None else decimals
    # 40 digits cover |int64| * an 18-digit unit; the unit's exponent adds zeros or fraction digits
    width = 42 + abs(int(unit.c.exp)) + (decimals or 0)
    out = np.zeros(len(arr), dtype=f"S{width}")
    done = ffi.new("size_t *")
    st = lib.tb_dec_format_col(
        ffi.cast("uint64_t *", ffi.from_buffer(arr)),
        int(unsigned),
        len(arr),
        unit.c,
        d,
        ffi.from_buffer("char[]", out, require_writable=True) if len(arr) else ffi.new("char[1]"),
        width,
        done,
    )
    if st != lib.TB_OK:
        i = int(done[0])
        raise InvalidArgumentError(
            f"values[{i}]={int(arr[i])} times {unit.name} {unit.decimal} needs more than {decimals} decimals"
        )
    return out.astype(f"S{max(1, out.dtype.itemsize if not len(arr) else int(np.char.str_len(out).max()))}")
