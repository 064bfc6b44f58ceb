"""Turning user buffers into contiguous numpy arrays of the exact C type
(batch inputs) or into flat byte views (dumps, logs, snapshots).

``ffi.from_buffer`` trusts whatever bytes it is given, so every batch input
passes through here first: dtype checked (or converted when every value fits),
1-D, C-contiguous, equal lengths.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import (
    ArgumentTypeError,
    BatchError,
    FormatError,
    IntegerRangeError,
    InvalidArgumentError,
    TapebookError,
)

# struct-module codes of memoryview.format -> numpy dtype
_MV_FORMATS = {
    "?": np.bool_,
    "b": np.int8,
    "B": np.uint8,
    "h": np.int16,
    "H": np.uint16,
    "i": np.intc,
    "I": np.uintc,
    "l": np.int_,
    "L": np.uint,
    "q": np.int64,
    "Q": np.uint64,
    "n": np.intp,
    "N": np.uintp,
    "f": np.float32,
    "d": np.float64,
    "e": np.float16,
}


def _as_array(name: str, data: Any, target: np.dtype) -> np.ndarray:
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (bytes, bytearray)):
        if len(data) % target.itemsize:
            raise InvalidArgumentError(
                f"{name}: {len(data)} bytes is not a whole number of {target} items "
                f"({target.itemsize} bytes each)"
            )
        return np.frombuffer(data, dtype=target)
    if isinstance(data, memoryview):
        fmt = data.format.lstrip("@=<>!")
        if fmt not in _MV_FORMATS:
            raise ArgumentTypeError(f"{name}: unsupported memoryview format {data.format!r}")
        if fmt == "B" and data.itemsize == 1 and target.itemsize != 1:
            # raw bytes: reinterpret as the target type
            if data.nbytes % target.itemsize:
                raise InvalidArgumentError(
                    f"{name}: {data.nbytes} bytes is not a whole number of {target} items"
                )
            return np.frombuffer(data, dtype=target)
        return np.asarray(data)
    if not isinstance(getattr(data, "dtype", None), (np.dtype, type(None))) and callable(
        getattr(data, "isna", None)
    ):
        return _from_nullable(name, data)
    try:
        return np.asarray(data)
    except Exception as e:  # pragma: no cover - numpy raises many kinds
        raise ArgumentTypeError(f"{name}: cannot be read as an array ({e})") from None


def coerce(name: str, data: Any, target: np.dtype) -> np.ndarray:
    """``data`` as a 1-D C-contiguous array of ``target`` (an integer dtype)."""
    arr = _as_array(name, data, target)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype == target:
        return _c_ready(arr)
    if arr.size == 0:  # e.g. an empty list, which numpy makes float64
        return np.empty(0, dtype=target)
    kind = arr.dtype.kind
    if kind == "O":  # a list of Python ints, a pandas nullable column (pd.NA / None for missing)
        arr = _from_objects(name, arr, target)
        kind = arr.dtype.kind
    if kind not in "iu":  # bools are sides, not prices or quantities (as in set())
        raise ArgumentTypeError(f"{name} must hold integers ({target}), got dtype {arr.dtype}")
    if arr.size and not np.can_cast(arr.dtype, target, casting="safe"):
        info = np.iinfo(target)
        lo, hi = arr.min(), arr.max()
        if int(lo) < info.min or int(hi) > info.max:
            bad = int(np.flatnonzero((arr < info.min) | (arr > info.max))[0])
            raise row_error(
                IntegerRangeError(
                    f"{name}[{bad}]={int(arr[bad])} does not fit {target} [{info.min}, {info.max}]"
                    + wider_hint(target, int(arr[bad]))
                ),
                bad,
            )
    return _c_ready(arr.astype(target, copy=False))


def row_error(e: TapebookError, row: int) -> TapebookError:
    """``e`` marked as the problem of one row (``e.row``): a batch call turns it into
    a :class:`BatchError` for that row."""
    e.row = row  # type: ignore[attr-defined]
    return e


def wider_hint(target: np.dtype, value: int) -> str:
    """The advice for a value that does not fit a 32-bit book's type (not for a negative
    quantity: no book takes one)."""
    if target.itemsize != 4 or (value < 0 and target.kind == "u"):
        return ""
    return "; a 64-bit book (price_bits=64) takes larger values"


def _from_nullable(name: str, data: Any) -> np.ndarray:
    """A pandas nullable column (``Int64``, ``UInt32``, ...; a Series or an array) as its
    numpy integers, or the row error of its first missing value."""
    missing = np.asarray(data.isna(), dtype=bool)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise row_error(
            ArgumentTypeError(f"{name}[{i}]=<NA> is a missing value: every row needs an integer"), i
        )
    numpy_dtype = getattr(data.dtype, "numpy_dtype", None)  # pandas' masked dtypes know theirs
    return np.asarray(data.to_numpy(dtype=numpy_dtype) if numpy_dtype is not None else data)


def _from_objects(name: str, arr: np.ndarray, target: np.dtype) -> np.ndarray:
    """An object array (Python ints, or a nullable column with missing values) as int64 /
    uint64, or an error naming the first row that is not an integer."""
    for i, v in enumerate(arr):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            what = "a missing value" if v is None or repr(v) in ("<NA>", "nan", "NaT") else type(v).__name__
            raise row_error(
                ArgumentTypeError(f"{name}[{i}]={v!r} is {what}: every row needs an integer ({target})"), i
            )
    info = np.iinfo(target)
    for i, v in enumerate(arr):
        if not info.min <= int(v) <= info.max:
            raise row_error(
                IntegerRangeError(
                    f"{name}[{i}]={int(v)} does not fit {target} [{info.min}, {info.max}]"
                    + wider_hint(target, int(v))
                ),
                i,
            )
    return arr.astype(target)


def _c_ready(arr: np.ndarray) -> np.ndarray:
    """``arr`` if C can read it as an array of its type (contiguous and aligned), else a copy.

    A view at an odd offset of a buffer (``np.frombuffer(b, "<i8", offset=1)``, a batch
    inside a log record) is contiguous but misaligned: reading it as ``int64_t *`` in C
    is undefined behaviour, so such an array is copied (a new array is aligned). One flags
    read: ``np.require`` would cost ~20x more on every batch call."""
    arr = np.ascontiguousarray(arr)
    return arr if arr.flags.aligned else arr.copy()


def coerce_sides(data: Any) -> np.ndarray:
    """Sides as uint8 0/1 (True/1 = bid)."""
    arr = _as_array("sides", data, np.dtype(np.uint8))
    if arr.ndim != 1:
        raise InvalidArgumentError(f"sides must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return np.ascontiguousarray(arr).view(np.uint8)
    if arr.size == 0:
        return np.empty(0, dtype=np.uint8)
    if arr.dtype.kind not in "iu":
        raise ArgumentTypeError(f"sides must hold bools or the integers 0/1, got dtype {arr.dtype}")
    if arr.size:
        bad = np.flatnonzero((arr < 0) | (arr > 1))
        if bad.size:
            i = int(bad[0])
            raise row_error(
                InvalidArgumentError(f"sides[{i}]={int(arr[i])}: a side is True/1 (bid) or False/0 (ask)"), i
            )
    return np.ascontiguousarray(arr.astype(np.uint8, copy=False))


def coerce_batch(
    sides: Any, prices: Any, qtys: Any, price_dtype: np.dtype, qty_dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        s = coerce_sides(sides)
        p = coerce("prices", prices, price_dtype)
        q = coerce("qtys", qtys, qty_dtype)
    except TapebookError as e:
        row = getattr(e, "row", None)
        if row is None:
            raise  # about a whole column (its type, shape, length)
        raise BatchError(
            f"row {row}: {e}; nothing was applied", index=row, applied=0, results=np.empty(0, np.int8)
        ) from e
    if not len(s) == len(p) == len(q):
        raise InvalidArgumentError(
            f"sides, prices and qtys must have equal lengths, got {len(s)}, {len(p)} and {len(q)}"
        )
    return s, p, q


def byte_view(data: Any, what: str) -> memoryview:
    """A flat, contiguous view of the bytes of ``data`` (named ``what`` in errors), without a copy."""
    try:
        mem = memoryview(data)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a bytes-like object, got {type(data).__name__}") from None
    if not mem.c_contiguous:
        raise FormatError(f"{what}: buffer must be contiguous")
    if mem.format != "B" or mem.ndim != 1:
        mem = mem.cast("B")
    return mem
