"""Fixed-capacity, zero-copy depth snapshots: :meth:`Book.snapshot` and
:meth:`DepthSnapshot.from_bytes`.

A snapshot is one flat little-endian struct (layout in README.md and at the top
of ``csrc/tapebook/tb_snapshot.inc``): a 40-byte header — instrument id,
sequence, timestamp, price/qty width, capacity ``K``, bid and ask counts,
truncation flags — then ``K`` levels per side, best first. The C library fills
it in one call; this module exposes the bids and asks as numpy structured
arrays (fields ``px``, ``qty``) that *view* that memory, so neither taking a
snapshot nor decoding one received from a socket, a file or shared memory
copies the levels.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from . import _args
from . import _native as nat
from ._native import ffi
from .errors import ArgumentTypeError, FormatError, InvalidArgumentError

#: header layout: magic, version, width, capacity, instrument_id, sequence,
#: timestamp_ns, bid_count, ask_count, flags
HEADER = struct.Struct("<IBBHQQQHHI")
HEADER_SIZE = HEADER.size  # 40
MAGIC = 0x53444254  #: the bytes ``b"TBDS"``
VERSION = 1
BID_TRUNCATED = 1  #: flags bit: the book had more than K bids
ASK_TRUNCATED = 2  #: flags bit: the book had more than K asks
KS = nat.DEPTH_KS  #: the shipped capacities, (16, 128)

_LEVEL = {
    4: np.dtype([("px", "<i4"), ("qty", "<u4")]),
    8: np.dtype([("px", "<i8"), ("qty", "<u8")]),
}
_U64 = (1 << 64) - 1


def snapshot_size(k: int, price_bits: int) -> int:
    """Bytes of a snapshot with capacity ``k`` (16 or 128) of a ``price_bits`` book."""
    if k not in KS or price_bits not in (32, 64):
        raise InvalidArgumentError(f"no snapshot shape k={k!r}, price_bits={price_bits!r}: k is 16 or 128")
    return HEADER_SIZE + 4 * (price_bits // 8) * k


class DepthSnapshot:
    """The best ``K`` levels of both sides of a book at one moment.

    ``bids`` and ``asks`` are numpy structured arrays (fields ``px`` and
    ``qty``, little-endian) of ``bid_count`` / ``ask_count`` levels, best
    first, that view the snapshot's memory: no level is copied. They are
    read-only. ``bid_truncated`` / ``ask_truncated`` say whether the book had
    more levels on that side than the snapshot holds.

    Build one with :meth:`Book.snapshot` or :meth:`from_bytes`; ``bytes(snap)``
    gives the wire bytes back, and ``snap.buffer`` the memory without a copy.
    """

    __slots__ = (
        "_asks",
        "_bids",
        "_mem",
        "_owner",
        "ask_count",
        "bid_count",
        "flags",
        "instrument_id",
        "k",
        "price_bits",
        "sequence",
        "timestamp_ns",
    )

    def __init__(self) -> None:  # pragma: no cover - construction guard
        raise TypeError("use Book.snapshot() or DepthSnapshot.from_bytes()")

    @classmethod
    def _wrap(cls, mem: memoryview, owner: Any) -> DepthSnapshot:
        """A snapshot over validated, read-only memory ``mem`` (kept alive by
        ``owner``). The level arrays are made on first use."""
        self = cls.__new__(cls)
        _m, _v, width, k, iid, seq, ts, nb, na, flags = HEADER.unpack_from(mem)
        self._mem = mem
        self._owner = owner
        self._bids = self._asks = None
        self.k = k
        self.price_bits = width * 8
        self.instrument_id = iid
        self.sequence = seq
        self.timestamp_ns = ts
        self.bid_count = nb
        self.ask_count = na
        self.flags = flags
        return self

    @classmethod
    def from_bytes(cls, data: Any, *, k: int | None = None, price_bits: int | None = None) -> DepthSnapshot:
        """Decode a snapshot from any contiguous buffer (bytes, bytearray,
        memoryview, mmap, numpy array...) without copying it.

        The buffer is validated completely by the C library first (size,
        magic, version, width, ``K``, counts <= K, flag bits, every level:
        quantity > 0, prices strictly best first, unused entries zero);
        anything else raises :class:`FormatError` saying what is wrong.
        ``k`` / ``price_bits``, when given, must match the snapshot's. The
        returned object keeps ``data`` alive and its arrays view it, so do not
        modify a writable buffer while the snapshot is in use.
        """
        try:
            mem = memoryview(data)
        except TypeError:
            raise ArgumentTypeError(
                f"from_bytes needs a bytes-like buffer, got {type(data).__name__}"
            ) from None
        if not mem.c_contiguous:
            raise FormatError("depth snapshot buffer must be contiguous")
        if mem.format != "B" or mem.ndim != 1:
            mem = mem.cast("B")
        n = mem.nbytes
        if n < HEADER_SIZE:
            raise FormatError(
                f"malformed depth snapshot: {n} bytes, shorter than the {HEADER_SIZE}-byte header"
            )
        why = ffi.new("char **")
        st = nat.depth_check(ffi.from_buffer(mem), n, why)
        if st:
            raise FormatError(_describe(mem, ffi.string(why[0]).decode() if why[0] else "invalid", n))
        snap = cls._wrap(mem.toreadonly(), data)
        if k is not None and snap.k != k:
            raise FormatError(f"depth snapshot has K={snap.k}, expected k={k}")
        if price_bits is not None and snap.price_bits != price_bits:
            raise FormatError(f"depth snapshot is {snap.price_bits}-bit, expected price_bits={price_bits}")
        return snap

    # ---- views ------------------------------------------------------------------

    @property
    def bids(self) -> np.ndarray:
        """Best ``bid_count`` bids, best first: a read-only structured array
        (``px``, ``qty``) viewing the snapshot's memory."""
        arr = self._bids
        if arr is None:
            dt = _LEVEL[self.price_bits // 8]
            arr = self._bids = np.frombuffer(self._mem, dtype=dt, count=self.bid_count, offset=HEADER_SIZE)
        return arr

    @property
    def asks(self) -> np.ndarray:
        """Best ``ask_count`` asks, best first (see :attr:`bids`)."""
        arr = self._asks
        if arr is None:
            dt = _LEVEL[self.price_bits // 8]
            arr = self._asks = np.frombuffer(
                self._mem, dtype=dt, count=self.ask_count, offset=HEADER_SIZE + self.k * dt.itemsize
            )
        return arr

    @property
    def buffer(self) -> memoryview:
        """The snapshot's bytes, without a copy (read-only)."""
        return self._mem

    @property
    def nbytes(self) -> int:
        return self._mem.nbytes

    @property
    def bid_truncated(self) -> bool:
        """The book had more than ``k`` bids; ``bids`` holds the best ``k``."""
        return bool(self.flags & BID_TRUNCATED)

    @property
    def ask_truncated(self) -> bool:
        """The book had more than ``k`` asks; ``asks`` holds the best ``k``."""
        return bool(self.flags & ASK_TRUNCATED)

    def levels(self, side: bool | int) -> list[tuple[int, int]]:
        """``[(px, qty), ...]`` of one side (True/1 bid, False/0 ask), best first."""
        arr = self.bids if _args.check_side(side) else self.asks
        return list(zip(arr["px"].tolist(), arr["qty"].tolist(), strict=True))

    def to_dict(self) -> dict[str, dict[int, int]]:
        """``{"bid": {px: qty}, "ask": {px: qty}}``, best first."""
        return {"bid": dict(self.levels(1)), "ask": dict(self.levels(0))}

    def tobytes(self) -> bytes:
        """The wire bytes (a copy)."""
        return self._mem.tobytes()

    def __bytes__(self) -> bytes:
        return self._mem.tobytes()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DepthSnapshot):
            return NotImplemented
        return self._mem == other._mem

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_from_bytes, (self.tobytes(),))

    def __repr__(self) -> str:
        def side(arr: np.ndarray, trunc: bool) -> str:
            if not len(arr):
                return "-"
            top = f"{int(arr['qty'][0])}@{int(arr['px'][0])}"
            return f"{top} ({len(arr)}{'+' if trunc else ''} levels)"

        return (
            f"<DepthSnapshot k={self.k} {self.price_bits}-bit instrument={self.instrument_id} "
            f"seq={self.sequence}: bid {side(self.bids, self.bid_truncated)}, "
            f"ask {side(self.asks, self.ask_truncated)}>"
        )


def _from_bytes(data: bytes) -> DepthSnapshot:
    return DepthSnapshot.from_bytes(data)


def _describe(mem: memoryview, why: str, n: int) -> str:
    """The C check's reason plus what the header says, for the error message."""
    msg = f"malformed depth snapshot: {why}"
    _m, version, width, k, _i, _s, _t, nb, na, flags = HEADER.unpack_from(mem)
    details = [f"{n} bytes"]
    if width in (4, 8) and k in KS:
        details.append(f"a K={k} {width * 8}-bit snapshot is {snapshot_size(k, width * 8)} bytes")
    else:
        details.append(f"width={width}, K={k}")
    details.append(f"bid_count={nb}, ask_count={na}, flags={flags:#x}, version={version}")
    return msg + " (" + "; ".join(details) + ")"


def take(
    self: Any, k: int = 16, instrument_id: int = 0, sequence: int = 0, timestamp_ns: int = 0
) -> DepthSnapshot:
    """The best ``k`` levels per side of the book ``self`` as a :class:`DepthSnapshot`
    (this function is ``Book.snapshot``).

    ``k`` is 16 or 128. One C call fills a fixed-size little-endian struct
    (levels best first, tape and spill merged; a side deeper than ``k`` sets
    its truncation flag); ``bids`` / ``asks`` view that memory without a copy
    and ``bytes(snap)`` is the wire format. ``instrument_id``, ``sequence``
    and ``timestamp_ns`` (uint64) are stored in the header as given.
    """
    v = self._v
    if k.__class__ is not int:
        k = _args.as_int("k", k)
    fn = v.snapshot_fn.get(k)
    if fn is None:
        raise InvalidArgumentError(f"k={k} must be 16 or 128 (the snapshot capacities tapebook ships)")
    p = ffi.new(v.depth_c[k])
    try:
        st = fn(self._p, p, instrument_id, sequence, timestamp_ns)
    except (TypeError, OverflowError):
        for name, val in (
            ("instrument_id", instrument_id),
            ("sequence", sequence),
            ("timestamp_ns", timestamp_ns),
        ):
            _args.check_type_range(name, val, 0, _U64, "uint64")
        raise
    if st:
        _args.raise_status(st, "snapshot")
    return DepthSnapshot._wrap(memoryview(ffi.buffer(p)).toreadonly(), p)
