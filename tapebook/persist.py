"""Book state snapshot / restore and a deterministic, append-only update log.

Three layers, each usable alone:

* :func:`dumps` / :func:`loads` / :func:`load_into`: a whole book (anchors,
  tape levels, spill levels in order, spill capacities, ``max_cap``,
  counters) as versioned, CRC32-checked bytes, restored bit-exactly
  (``dumps(loads(x)) == x``). ``Book.dumps()``, ``Book.loads()`` and pickle
  use these. The byte format is the C library's (``tb_serial.inc``).
* :class:`Recorder`: wraps a book, a mapping of named books or a configured
  :class:`~tapebook.config.Venue`, and writes every update to the log
  *before* applying it; every ``snapshot_every`` updates it also writes a
  snapshot of all books.
* :func:`recover` / :func:`replay`: read a log back, classify its tail
  (``clean``, ``torn`` last record, or ``corrupt``), and rebuild the exact
  state from a snapshot plus the records after it.

Log format (all integers little-endian; README.md documents it too):
the 8 bytes ``b"TBLOGv1\\n"``, then records. A record is ``u32 crc32``
(zlib's, over the 4 bytes of the length field and the payload), ``u32
length``, then ``length`` payload bytes: ``u8 type``, ``u64 seq`` (0, 1, 2, ... with no
gap; record 0 is always a snapshot) and the body of that type (see
:class:`RecordType`).
"""

from __future__ import annotations

import enum
import os
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from . import _args
from . import _native as nat
from ._buffers import coerce_batch
from ._native import ffi
from .book import Book, Result
from .errors import (
    ArgumentTypeError,
    ClosedError,
    FormatError,
    IntegerRangeError,
    InvalidArgumentError,
    TapebookMemoryError,
)

# ---- book dumps -------------------------------------------------------------------


@dataclass(frozen=True)
class DumpInfo:
    """What a book dump's header says (after its length and CRC were checked)."""

    version: int
    price_bits: int
    n: int
    max_cap: int
    nbytes: int
    tape_levels: tuple[int, int]  #: (bid, ask)
    spill_levels: tuple[int, int]  #: (bid, ask)
    spill_capacity: tuple[int, int]  #: (bid, ask)


def _mem(data: Any, what: str) -> memoryview:
    try:
        mem = memoryview(data)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a bytes-like object, got {type(data).__name__}") from None
    if not mem.c_contiguous:
        raise FormatError(f"{what}: buffer must be contiguous")
    if mem.format != "B" or mem.ndim != 1:
        mem = mem.cast("B")
    return mem


def dump_info(data: Any) -> DumpInfo:
    """Check a dump's header, length and CRC32 and say what book it holds.

    Raises :class:`FormatError` when the bytes are not a valid dump."""
    mem = _mem(data, "book dump")
    if not mem.nbytes:
        raise FormatError("malformed book dump: empty")
    info = ffi.new("tb_dump_info *")
    why = ffi.new("char **")
    st = nat.dump_peek(ffi.from_buffer(mem), mem.nbytes, info, why)
    if st:
        reason = ffi.string(why[0]).decode() if why[0] else nat.status_str(st)
        raise FormatError(f"malformed book dump: {reason} ({mem.nbytes} bytes)")
    return DumpInfo(
        version=int(info.version),
        price_bits=int(info.width) * 8,
        n=int(info.n),
        max_cap=int(info.max_cap),
        nbytes=int(info.total_len),
        tape_levels=(int(info.tape_count[1]), int(info.tape_count[0])),
        spill_levels=(int(info.spill_count[1]), int(info.spill_count[0])),
        spill_capacity=(int(info.spill_cap[1]), int(info.spill_cap[0])),
    )


def dumps(book: Book) -> bytes:
    """The whole state of ``book`` as bytes (format: README.md "Book dumps")."""
    v = book._v
    size = ffi.new("size_t *")
    st = v.dump_size(book._p, size)
    if st:
        _args.raise_status(st, "dumps")
    n = int(size[0])
    buf = ffi.new("char[]", n)
    st = v.dump(book._p, buf, n, size)
    if st:
        _args.raise_status(st, "dumps")
    return ffi.buffer(buf, n)[:]


def load_into(book: Book, data: Any) -> None:
    """Replace ``book``'s state with a dump. The dump must come from a book
    with the same ``n`` and ``price_bits`` (:class:`FormatError` names both
    otherwise); the book takes the dump's ``max_cap``. Nothing changes on error."""
    info = dump_info(data)
    v = book._v
    if info.n != v.n or info.price_bits != v.family.bits:
        raise FormatError(
            f"cannot restore a dump of a {info.price_bits}-bit book with n={info.n} "
            f"into a {v.family.bits}-bit book with n={v.n}"
        )
    mem = _mem(data, "book dump")
    buf = ffi.from_buffer(mem)
    st = v.load(book._p, buf, mem.nbytes)
    if st == nat.ERR_FORMAT:
        why = ffi.new("char **")
        v.check_dump(buf, mem.nbytes, why)
        reason = ffi.string(why[0]).decode() if why[0] else "invalid"
        raise FormatError(f"malformed book dump: {reason}")
    if st == nat.ERR_MAX_CAP:
        raise InvalidArgumentError(
            f"the dump has max_cap={info.max_cap}, more than a pool-backed book allows ({nat.POOL_MAX_BLOCK})"
        )
    if st:
        _args.raise_status(st, "load")
    book._max_cap = info.max_cap


def loads(data: Any, pool: Any = None) -> Book:
    """A new :class:`Book` with the state of a dump (its ``n``, ``price_bits``
    and ``max_cap``), taking spill memory from ``pool`` when given."""
    info = dump_info(data)
    if info.n not in nat.TAPE_SIZES:
        raise FormatError(f"the dump is of a book with n={info.n}, which is not a shipped tape size")
    if pool is not None and info.max_cap > nat.POOL_MAX_BLOCK:
        raise InvalidArgumentError(
            f"the dump has max_cap={info.max_cap}, more than a pool-backed book allows ({nat.POOL_MAX_BLOCK})"
        )
    book = Book(n=info.n, price_bits=info.price_bits, max_cap=info.max_cap, pool=pool)
    load_into(book, data)
    return book


# ---- the update log -----------------------------------------------------------------

LOG_MAGIC = b"TBLOGv1\n"
_REC_HDR = struct.Struct("<II")  # crc32 (of the length field and the payload), payload length
_HEAD = struct.Struct("<BQ")  # type, seq
_U32 = struct.Struct("<I")
_MIN_PAYLOAD = _HEAD.size  # 9


class RecordType(enum.IntEnum):
    """Record types of the update log and their bodies (after ``u8 type, u64 seq``).

    ``book`` is a u32 index into the names of the latest snapshot; sides are
    u8 (1 bid, 0 ask); prices i64; quantities u64.
    """

    SNAPSHOT = 1  #: u32 count, then per book: u32 book, u16 name length, name (UTF-8), u32 dump length, dump
    SET = 2  #: u32 book, u8 side, i64 px, u64 qty
    APPLY = 3  #: u32 book, u32 n, then n u8 sides, n i64 prices, n u64 quantities
    RESET = 4  #: u32 book, i64 anchor
    RESET_AT_MID = 5  #: u32 book, u8 side, i64 mid
    RECENTER = 6  #: u32 book, u8 side, i64 anchor
    ERASE_BETTER = 7  #: u32 book, u8 side, i64 px
    CLEAR = 8  #: u32 book
    RELEASE = 9  #: u32 book
    RESERVE_SPILL = 10  #: u32 book


_T = RecordType
_SET = struct.Struct("<BQIBqQ")
_APPLY = struct.Struct("<BQII")
_BOOK = struct.Struct("<BQI")
_BOOK_I64 = struct.Struct("<BQIq")
_BOOK_SIDE_I64 = struct.Struct("<BQIBq")
_SNAP = struct.Struct("<BQI")
# exact payload sizes of the fixed-size records
_FIXED = {
    _T.SET: _SET.size,
    _T.RESET: _BOOK_I64.size,
    _T.RESET_AT_MID: _BOOK_SIDE_I64.size,
    _T.RECENTER: _BOOK_SIDE_I64.size,
    _T.ERASE_BETTER: _BOOK_SIDE_I64.size,
    _T.CLEAR: _BOOK.size,
    _T.RELEASE: _BOOK.size,
    _T.RESERVE_SPILL: _BOOK.size,
}
_TYPES = frozenset(int(t) for t in RecordType)
# errors a replayed update may raise because the live update raised them too
_REPLAYED_ERRORS = (InvalidArgumentError, ArgumentTypeError, IntegerRangeError, TapebookMemoryError)


def _frame(payload: bytes) -> bytes:
    n = _U32.pack(len(payload))
    return _U32.pack(zlib.crc32(payload, zlib.crc32(n))) + n + payload


# SET records are the common case: their length field (and its CRC) is a constant
_SET_LEN = _U32.pack(_SET.size)
_SET_LEN_CRC = zlib.crc32(_SET_LEN)
_U32_PACK = _U32.pack
_crc32 = zlib.crc32


def _payload_ok(mem: memoryview, start: int, length: int, t: int) -> bool:
    """Body size consistent with the record type."""
    fixed = _FIXED.get(t)
    if fixed is not None:
        return length == fixed
    if t == _T.APPLY:
        if length < _APPLY.size:
            return False
        (n,) = _U32.unpack_from(mem, start + _APPLY.size - 4)
        return length == _APPLY.size + 17 * n
    return length >= _SNAP.size  # SNAPSHOT: decoded (and checked) when used


class Record(NamedTuple):
    """One complete, CRC-checked record of a log."""

    seq: int
    type: RecordType
    offset: int  #: byte offset of the record (its CRC field) in the log
    payload: memoryview  #: type, seq and body (a view of the log's bytes)

    @property
    def nbytes(self) -> int:
        """Bytes of the record in the log, framing included."""
        return _REC_HDR.size + len(self.payload)


# record type code -> RecordType (None: not a type); code -> exact payload size (-1: variable)
_RT: list[RecordType | None] = [None] * 256
_SIZE = [-1] * 256
for _t in RecordType:
    _RT[_t] = _t
for _t, _n in _FIXED.items():
    _SIZE[_t] = _n
del _t, _n


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` found in a log.

    ``status``: ``"clean"`` (the log ends exactly after a complete record),
    ``"torn"`` (the last record is incomplete — a write that was cut short;
    ``valid_length`` is where the complete records end and the log can be
    truncated), or ``"corrupt"`` (a damaged record is followed by valid data,
    or the sequence numbers have a gap: acknowledged records would be lost,
    so :func:`recover` raises unless ``strict=False``).
    """

    status: str
    records: list[Record]
    valid_length: int  #: bytes of header + complete records
    total_length: int
    detail: str  #: what was found after valid_length ("" when clean)

    @property
    def last_seq(self) -> int:
        """Sequence number of the last complete record (-1 when there is none)."""
        return self.records[-1].seq if self.records else -1


def _check_at(mem: memoryview, pos: int, end: int) -> tuple[int, int, int] | None:
    """(payload length, type, seq) of a valid record at pos, else None."""
    if end - pos < _REC_HDR.size + _MIN_PAYLOAD:
        return None
    crc, length = _REC_HDR.unpack_from(mem, pos)
    if length < _MIN_PAYLOAD or length > end - pos - _REC_HDR.size:
        return None
    start = pos + _REC_HDR.size
    if zlib.crc32(mem[pos + 4 : start + length]) != crc:
        return None
    t, seq = _HEAD.unpack_from(mem, start)
    if t not in _TYPES or not _payload_ok(mem, start, length, t):
        return None
    return length, t, seq


def _valid_record_after(mem: memoryview, start: int, end: int) -> int | None:
    """Offset of the first valid record starting in [start, end), if any.

    Candidates are the offsets whose length field fits the bytes left (found
    with numpy, 1 MiB at a time); only those are CRC-checked."""
    last = end - _REC_HDR.size - _MIN_PAYLOAD  # last offset a record could start at
    pos = start
    while pos <= last:
        m = min(1 << 20, last - pos + 1)
        a = np.frombuffer(mem, dtype=np.uint8, count=m + 7, offset=pos).astype(np.uint32)
        lengths = a[4 : m + 4] | (a[5 : m + 5] << 8) | (a[6 : m + 6] << 16) | (a[7 : m + 7] << 24)
        room = (end - pos - _REC_HDR.size) - np.arange(m, dtype=np.int64)
        for off in np.flatnonzero((lengths >= _MIN_PAYLOAD) & (lengths <= room)).tolist():
            if _check_at(mem, pos + off, end) is not None:
                return pos + off
        pos += m
    return None


def _read(log: Any) -> tuple[memoryview, Any]:
    """The log's bytes: from a path, a binary file object or a buffer."""
    if isinstance(log, (str, os.PathLike)):
        with open(log, "rb") as f:
            data = f.read()
        return memoryview(data), data
    if hasattr(log, "read"):
        if hasattr(log, "seek"):
            log.seek(0)
        data = log.read()
        return memoryview(data), data
    return _mem(log, "log"), log


def recover(log: Any, *, strict: bool = True) -> Recovery:
    """Scan a log (path, binary file, or bytes-like) and classify its tail.

    Returns every complete record in order. A torn last record (the bytes of
    an interrupted write: incomplete, or complete-length but failing its CRC
    with nothing valid after it) is reported as ``"torn"`` and left out. If a
    damaged record is followed by any valid record, or a sequence number is
    missing, records that were acknowledged would be lost by truncating, so
    the log is ``"corrupt"``: :class:`FormatError` (naming the offset) unless
    ``strict=False``. Bytes that are not a tapebook log raise FormatError.
    """
    mem, _keep = _read(log)
    end = mem.nbytes
    hl = len(LOG_MAGIC)
    if end < hl:
        if mem.tobytes() == LOG_MAGIC[:end]:
            return Recovery("torn" if end else "clean", [], 0, end, "torn log header" if end else "")
        raise FormatError("not a tapebook update log (bad header)")
    if mem[:hl].tobytes() != LOG_MAGIC:
        raise FormatError("not a tapebook update log (bad header)")
    records: list[Record] = []
    append = records.append
    unpack_hdr, unpack_head, crc32 = _REC_HDR.unpack_from, _HEAD.unpack_from, zlib.crc32
    rt, sizes = _RT, _SIZE
    pos = hl
    expect = 0
    status, detail = "clean", ""
    while pos < end:
        # the common case inline: a complete, valid record with the next sequence number
        if end - pos >= 17:
            crc, length = unpack_hdr(mem, pos)
            stop = pos + 8 + length
            if length >= 9 and stop <= end and crc32(mem[pos + 4 : stop]) == crc:
                t, seq = unpack_head(mem, pos + 8)
                typ = rt[t]
                size = sizes[t]
                if (
                    typ is not None
                    and seq == expect
                    and (length == size or (size < 0 and _payload_ok(mem, pos + 8, length, t)))
                    and (seq or t == 1)
                ):
                    append(Record(seq, typ, pos, mem[pos + 8 : stop]))
                    pos = stop
                    expect += 1
                    continue
        hit = _check_at(mem, pos, end)
        if hit is not None and hit[2] == expect:  # only record 0 that is not a snapshot gets here
            status, detail = "corrupt", f"record 0 at offset {pos} is not a snapshot"
            break
        if hit is not None:
            status, detail = (
                "corrupt",
                f"sequence gap at offset {pos}: expected record {expect}, found {hit[2]}",
            )
            break
        later = _valid_record_after(mem, pos + 1, end)
        if later is None:
            status, detail = "torn", f"incomplete last record: {end - pos} bytes at offset {pos}"
        else:
            status, detail = (
                "corrupt",
                f"damaged record at offset {pos} (record {expect}) "
                f"followed by a valid record at offset {later}",
            )
        break
    if status == "corrupt" and strict:
        raise FormatError(f"corrupt update log: {detail}; {len(records)} records before it are intact")
    return Recovery(status, records, pos, end, detail)


def repair(path: str | os.PathLike[str]) -> Recovery:
    """Recover a log file and truncate a torn tail in place (a corrupt log
    raises :class:`FormatError` and is left untouched)."""
    rec = recover(path)
    if rec.status == "torn":
        with open(path, "r+b") as f:
            f.truncate(rec.valid_length)
    return rec


# ---- state snapshots -------------------------------------------------------------------


@dataclass(frozen=True)
class StateSnapshot:
    """The dumps of a set of named books after record ``seq - 1`` of a log
    (a snapshot record's own sequence number is ``seq``)."""

    seq: int
    books: dict[str, bytes]  #: name -> :func:`dumps` bytes, in book-id order

    def payload(self) -> bytes:
        parts = [_SNAP.pack(_T.SNAPSHOT, self.seq, len(self.books))]
        for i, (name, dump) in enumerate(self.books.items()):
            nb = name.encode()
            parts += [struct.pack("<IH", i, len(nb)), nb, _U32.pack(len(dump)), dump]
        return b"".join(parts)

    def to_bytes(self) -> bytes:
        """A self-checking encoding (one framed log record)."""
        return _frame(self.payload())

    @classmethod
    def from_bytes(cls, data: Any) -> StateSnapshot:
        mem = _mem(data, "state snapshot")
        hit = _check_at(mem, 0, mem.nbytes)
        if hit is None or hit[1] != _T.SNAPSHOT or _REC_HDR.size + hit[0] != mem.nbytes:
            raise FormatError("malformed state snapshot (bad length, CRC or type)")
        return cls._decode(mem[_REC_HDR.size :])

    @classmethod
    def _decode(cls, payload: memoryview) -> StateSnapshot:
        try:
            _t, seq, count = _SNAP.unpack_from(payload, 0)
            pos = _SNAP.size
            books: dict[str, bytes] = {}
            for i in range(count):
                bid, nlen = struct.unpack_from("<IH", payload, pos)
                pos += 6
                name = payload[pos : pos + nlen].tobytes().decode()
                pos += nlen
                (dlen,) = _U32.unpack_from(payload, pos)
                pos += 4
                dump = payload[pos : pos + dlen].tobytes()
                pos += dlen
                if bid != i or len(dump) != dlen or name in books:
                    raise FormatError("bad book entry")
                books[name] = dump
            if pos != len(payload):
                raise FormatError("trailing bytes")
        except (struct.error, UnicodeDecodeError, FormatError) as e:
            raise FormatError(f"malformed snapshot record: {e}") from None
        return cls(seq, books)

    def restore(self, pool: Any = None) -> dict[str, Book]:
        """New books with the snapshot's states (spill memory from ``pool`` if given)."""
        return {name: loads(dump, pool=pool) for name, dump in self.books.items()}


# ---- recording -----------------------------------------------------------------------

DURABILITY = ("buffered", "flush", "fsync")


class RecordedBook:
    """A book whose updates go through a :class:`Recorder`: each mutating
    call is written to the log first, then applied. Queries (``best_bid_px``,
    ``levels``, ``snapshot``, ...) are passed straight to the book. Only the
    methods defined here are recorded; call them on this object, not on the
    underlying book, or replay will not see them."""

    __slots__ = ("_book", "_id", "_rec", "_write", "name")

    def __init__(self, rec: Recorder, book_id: int, name: str, book: Book) -> None:
        self._rec = rec
        self._id = book_id
        self.name = name
        self._book = book
        self._write = rec._f.write

    @property
    def book(self) -> Book:
        """The underlying book (do not update it directly)."""
        return self._book

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._book, name)

    def _check_open(self) -> None:
        if self._book._closed:
            raise ClosedError(f"book {self.name!r} is closed")
        if self._rec._closed:
            raise ClosedError("the Recorder is closed")

    def set(self, side: bool | int, px: int, qty: int) -> Result:
        """Log, then :meth:`Book.set`."""
        rec = self._rec
        book = self._book
        try:
            payload = _SET.pack(2, rec._seq + 1, self._id, side, px, qty)
        except struct.error:
            raise _args.set_error(book._v, None, side, px, qty) from None
        if book._closed or rec._closed:
            self._check_open()
        self._write(_U32_PACK(_crc32(payload, _SET_LEN_CRC)) + _SET_LEN + payload)
        if rec._flush:
            rec._sync()
        rec._seq += 1
        try:
            return book.set(side, px, qty)
        finally:
            rec._left -= 1
            if not rec._left:
                rec.snapshot()

    def apply(self, sides: Any, prices: Any, qtys: Any) -> np.ndarray:
        """Log the batch as one record, then :meth:`Book.apply`."""
        s, p, q = self._log_batch(sides, prices, qtys)
        try:
            return self._book.apply(s, p, q)
        finally:
            self._rec._count_update()

    def bbo_trace(self, sides: Any, prices: Any, qtys: Any) -> np.ndarray:
        """Log the batch as one record, then :meth:`Book.bbo_trace`."""
        s, p, q = self._log_batch(sides, prices, qtys)
        try:
            return self._book.bbo_trace(s, p, q)
        finally:
            self._rec._count_update()

    def _log_batch(self, sides: Any, prices: Any, qtys: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b = self._book
        s, p, q = coerce_batch(sides, prices, qtys, b._price_dtype, b._qty_dtype)
        self._check_open()
        rec = self._rec
        n = len(s)
        rec._append(
            b"".join(
                (
                    _APPLY.pack(3, rec._seq + 1, self._id, n),
                    s.tobytes(),
                    p.astype("<i8", copy=False).tobytes(),
                    q.astype("<u8", copy=False).tobytes(),
                )
            )
        )
        return s, p, q

    def _simple(self, payload: bytes, fn: Any, *args: Any) -> None:
        self._check_open()
        self._rec._append(payload)
        try:
            fn(*args)
        finally:
            self._rec._count_update()

    def _i64(self, name: str, v: Any) -> int:
        return _args.check_type_range(name, v, -(2**63), 2**63 - 1, "int64")

    def reset(self, anchor: int) -> None:
        a = self._i64("anchor", anchor)
        self._simple(_BOOK_I64.pack(_T.RESET, self._rec._seq + 1, self._id, a), self._book.reset, a)

    def reset_at_mid(self, side: bool | int, mid: int) -> None:
        s, m = _args.check_side(side), self._i64("mid", mid)
        payload = _BOOK_SIDE_I64.pack(_T.RESET_AT_MID, self._rec._seq + 1, self._id, s, m)
        self._simple(payload, self._book.reset_at_mid, s, m)

    def recenter_bid(self, anchor: int) -> None:
        a = self._i64("anchor", anchor)
        payload = _BOOK_SIDE_I64.pack(_T.RECENTER, self._rec._seq + 1, self._id, 1, a)
        self._simple(payload, self._book.recenter_bid, a)

    def recenter_ask(self, anchor: int) -> None:
        a = self._i64("anchor", anchor)
        payload = _BOOK_SIDE_I64.pack(_T.RECENTER, self._rec._seq + 1, self._id, 0, a)
        self._simple(payload, self._book.recenter_ask, a)

    def erase_better(self, side: bool | int, px: int) -> None:
        s, p = _args.check_side(side), self._i64("px", px)
        payload = _BOOK_SIDE_I64.pack(_T.ERASE_BETTER, self._rec._seq + 1, self._id, s, p)
        self._simple(payload, self._book.erase_better, s, p)

    def clear(self) -> None:
        self._simple(_BOOK.pack(_T.CLEAR, self._rec._seq + 1, self._id), self._book.clear)

    def release(self) -> None:
        self._simple(_BOOK.pack(_T.RELEASE, self._rec._seq + 1, self._id), self._book.release)

    def reserve_spill(self) -> None:
        payload = _BOOK.pack(_T.RESERVE_SPILL, self._rec._seq + 1, self._id)
        self._simple(payload, self._book.reserve_spill)

    @property
    def bids(self) -> Any:
        from .book import SideView

        return SideView(self, 1)  # type: ignore[arg-type]

    @property
    def asks(self) -> Any:
        from .book import SideView

        return SideView(self, 0)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<RecordedBook {self.name!r} {self._book!r}>"


def _named_books(target: Any) -> dict[str, Book]:
    if isinstance(target, Book):
        return {"book": target}
    from .multi import MultiBookPool

    if isinstance(target, MultiBookPool):  # its live books, named "<tier>:<handle>"
        live = sorted(target.books(), key=lambda b: b.handle)
        return _named_books({f"{b.tier.name.lower()}:{b.handle:#x}": b for b in live})
    books = getattr(target, "books", target)
    if isinstance(books, Mapping):
        out = {}
        for name, b in books.items():
            if not isinstance(name, str) or not isinstance(b, Book):
                raise ArgumentTypeError("Recorder needs a Book, a mapping of str -> Book, or a Venue")
            out[name] = b
        if not out:
            raise InvalidArgumentError("Recorder needs at least one book")
        return out
    raise ArgumentTypeError(
        f"Recorder needs a Book, a mapping of str -> Book, or a Venue, got {type(target).__name__}"
    )


class Recorder:
    """Write-ahead logging of book updates.

    Args:
        target: a :class:`Book` (logged under the name ``"book"``), a mapping
            ``{name: Book}``, a :class:`~tapebook.config.Venue` (its books by
            symbol) or a :class:`~tapebook.MultiBookPool` (its live books,
            named ``"<tier>:<handle>"``).
        log: a path, or a writable binary file object (not closed by the Recorder).
        snapshot_every: write a snapshot of every book after this many update
            records (0: only the initial one and explicit :meth:`snapshot` calls).
        durability: ``"flush"`` (default: each record is handed to the OS
            before the update is applied — survives a crash of the process),
            ``"fsync"`` (also forced to the disk — survives a power cut, much
            slower) or ``"buffered"`` (records reach the file when the buffer
            fills or on :meth:`flush` / :meth:`close`).
        mode: ``"x"`` create a new log (error if it exists), ``"w"``
            overwrite, ``"a"`` append to an existing log: it is recovered
            first (a torn tail is truncated; a corrupt log raises) and a
            snapshot of the books' current state is written.

    The first record of a new log is a snapshot, so a log always replays on
    its own. ``rec["name"]`` is the :class:`RecordedBook` to update; with a
    single book, the Recorder itself has ``set``, ``apply``, ``reset``, ...
    """

    def __init__(
        self,
        target: Any,
        log: Any,
        *,
        snapshot_every: int = 100_000,
        durability: str = "flush",
        mode: str = "x",
    ) -> None:
        books = _named_books(target)
        self._every = _args.check_range("snapshot_every", snapshot_every, 0, 2**62, "count")
        if durability not in DURABILITY:
            raise InvalidArgumentError(f"durability must be one of {DURABILITY}, got {durability!r}")
        if mode not in ("x", "w", "a"):
            raise InvalidArgumentError(f"mode must be 'x', 'w' or 'a', got {mode!r}")
        self._closed = True
        self._seq = -1
        self._left = -1
        self._snapshots = 0
        self._owns = isinstance(log, (str, os.PathLike))
        start_header = True
        if self._owns:
            if mode == "a" and os.path.exists(log):
                rec = repair(log)
                self._seq = rec.last_seq
                start_header = rec.valid_length < len(LOG_MAGIC)
                if start_header:
                    with open(log, "r+b") as f:
                        f.truncate(0)
            self._f: BinaryIO = open(log, "ab" if mode == "a" else mode + "b")  # noqa: SIM115
        else:
            if not hasattr(log, "write"):
                raise ArgumentTypeError(
                    f"log must be a path or a writable binary file, got {type(log).__name__}"
                )
            self._f = log
        self._flush = durability != "buffered"
        self._fsync = durability == "fsync"
        self._closed = False
        if start_header:
            self._f.write(LOG_MAGIC)
        self.books = {name: RecordedBook(self, i, name, b) for i, (name, b) in enumerate(books.items())}
        self._last_snapshot = self.snapshot()
        if len(self.books) == 1:
            only = next(iter(self.books.values()))
            for m in (
                "set",
                "apply",
                "bbo_trace",
                "reset",
                "reset_at_mid",
                "recenter_bid",
                "recenter_ask",
                "erase_better",
                "clear",
                "release",
                "reserve_spill",
            ):
                setattr(self, m, getattr(only, m))

    def __getitem__(self, name: str) -> RecordedBook:
        return self.books[name]

    def __getattr__(self, name: str) -> Any:
        # single-book Recorder: queries and mapping-style writes (rec.bids[px] = qty) go to the book
        if name.startswith("_") or name == "books" or len(self.__dict__.get("books", ())) != 1:
            raise AttributeError(name)
        return getattr(next(iter(self.books.values())), name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.books)

    @property
    def book(self) -> RecordedBook:
        """The only book (error when the Recorder has several)."""
        if len(self.books) != 1:
            raise InvalidArgumentError(f"this Recorder has {len(self.books)} books; use rec[name]")
        return next(iter(self.books.values()))

    @property
    def seq(self) -> int:
        """Sequence number of the last record written."""
        return self._seq

    @property
    def last_snapshot(self) -> StateSnapshot:
        return self._last_snapshot

    def _append(self, payload: bytes) -> None:
        self._f.write(_frame(payload))
        if self._flush:
            self._sync()
        self._seq += 1

    def _sync(self) -> None:
        self._f.flush()
        if self._fsync:
            os.fsync(self._f.fileno())

    def _count_update(self) -> None:
        self._left -= 1
        if not self._left:
            self.snapshot()

    def snapshot(self) -> StateSnapshot:
        """Write a snapshot record of every book now and return it."""
        if self._closed:
            raise ClosedError("the Recorder is closed")
        snap = StateSnapshot(self._seq + 1, {name: dumps(rb._book) for name, rb in self.books.items()})
        self._append(snap.payload())
        self._left = self._every or -1  # counts down to the next snapshot; -1: never
        self._snapshots += 1
        self._last_snapshot = snap
        return snap

    def flush(self) -> None:
        """Hand buffered records to the OS (and fsync with durability="fsync")."""
        self._f.flush()
        if self._fsync:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        """Flush and, when the Recorder opened the file, close it. Twice is harmless."""
        if self._closed:
            return
        self.flush()
        if self._owns:
            self._f.close()
        self._closed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"seq={self._seq}"
        return f"<Recorder {len(self.books)} book(s), {state}, {self._snapshots} snapshot(s)>"


# ---- replay -------------------------------------------------------------------------


@dataclass
class Replay:
    """The result of :func:`replay`."""

    books: dict[str, Book]
    seq: int  #: sequence number of the last record replayed
    applied: int  #: update records applied after the starting snapshot
    start_seq: int  #: sequence number of the starting snapshot
    recovery: Recovery

    @property
    def book(self) -> Book:
        """The only book (error when there are several)."""
        if len(self.books) != 1:
            raise InvalidArgumentError(f"the replay has {len(self.books)} books; use .books[name]")
        return next(iter(self.books.values()))


def _apply_record(r: Record, books: list[Book]) -> None:
    p = r.payload
    t = r.type
    bid = -1
    try:
        if t == _T.SET:
            _t, _s, bid, side, px, qty = _SET.unpack_from(p)
            books[bid].set(side, px, qty)
        elif t == _T.APPLY:
            _t, _s, bid, n = _APPLY.unpack_from(p)
            o = _APPLY.size
            s = np.frombuffer(p, dtype=np.uint8, count=n, offset=o)
            px = np.frombuffer(p, dtype="<i8", count=n, offset=o + n)
            q = np.frombuffer(p, dtype="<u8", count=n, offset=o + 9 * n)
            books[bid].apply(s, px, q)
        elif t == _T.RESET:
            _t, _s, bid, a = _BOOK_I64.unpack_from(p)
            books[bid].reset(a)
        elif t in (_T.RESET_AT_MID, _T.RECENTER, _T.ERASE_BETTER):
            _t, _s, bid, side, x = _BOOK_SIDE_I64.unpack_from(p)
            b = books[bid]
            if t == _T.RESET_AT_MID:
                b.reset_at_mid(side, x)
            elif t == _T.ERASE_BETTER:
                b.erase_better(side, x)
            elif side:
                b.recenter_bid(x)
            else:
                b.recenter_ask(x)
        else:
            _t, _s, bid = _BOOK.unpack_from(p)
            b = books[bid]
            if t == _T.CLEAR:
                b.clear()
            elif t == _T.RELEASE:
                b.release()
            else:
                b.reserve_spill()
    except IndexError:
        raise FormatError(f"record {r.seq} names book {bid}, which the snapshot does not have") from None
    except _REPLAYED_ERRORS:
        pass  # the live update raised the same error and changed nothing (or the same rows)


def replay(
    log: Any,
    snapshot: StateSnapshot | bytes | None = None,
    *,
    into: Mapping[str, Book] | Book | None = None,
    pool: Any = None,
    from_start: bool = False,
    verify: bool = False,
    upto: int | None = None,
) -> Replay:
    """Rebuild the books' exact state from a log.

    Starts from ``snapshot`` (a :class:`StateSnapshot` or its bytes) when
    given, else from the log's last snapshot record (its first with
    ``from_start=True``), and applies every update record after it, up to
    record ``upto`` (inclusive) when given. The books are new :class:`Book`
    objects (spill memory from ``pool`` if given), or the ones in ``into``
    (a Book or a ``{name: Book}`` mapping with the same names, restored with
    :func:`load_into`). ``verify=True`` also compares the state with every
    later snapshot record and raises :class:`FormatError` if they differ.

    The log is read with :func:`recover` (a corrupt log raises; a torn tail
    is ignored). Replay is exact as long as spill memory does not run out
    differently than it did live (heap-backed books, or a pool with headroom).
    """
    rec = log if isinstance(log, Recovery) else recover(log)
    records = rec.records
    if snapshot is None:
        snaps = [r for r in records if r.type == _T.SNAPSHOT and (upto is None or r.seq <= upto)]
        if not snaps:
            raise FormatError("the log holds no snapshot record to start from (empty log?)")
        start = StateSnapshot._decode((snaps[0] if from_start else snaps[-1]).payload)
    elif isinstance(snapshot, StateSnapshot):
        start = snapshot
    else:
        start = StateSnapshot.from_bytes(snapshot)
    if start.seq > rec.last_seq + 1:
        raise FormatError(f"the snapshot is at record {start.seq} but the log ends at record {rec.last_seq}")
    names = list(start.books)
    if into is None:
        books = start.restore(pool)
    else:
        targets = {"book": into} if isinstance(into, Book) else dict(into)
        if set(targets) != set(names):
            raise InvalidArgumentError(f"into has books {sorted(targets)}, the snapshot has {sorted(names)}")
        for name in names:
            load_into(targets[name], start.books[name])
        books = {name: targets[name] for name in names}
    order = [books[name] for name in names]
    applied = 0
    last = start.seq - 1
    # records[i].seq == i; the starting snapshot's own record (if in the log) is skipped
    first = start.seq
    if first < len(records) and records[first].type == _T.SNAPSHOT:
        first += 1
        last = start.seq
    stop = len(records) if upto is None else min(len(records), upto + 1)
    for r in records[first:stop]:
        if r.type == _T.SNAPSHOT:
            snap = StateSnapshot._decode(r.payload)
            if list(snap.books) != names:
                raise FormatError(f"snapshot record {r.seq} has books {list(snap.books)}, expected {names}")
            if verify:
                for name in names:
                    if dumps(books[name]) != snap.books[name]:
                        raise FormatError(
                            f"replay diverged: book {name!r} differs from snapshot record {r.seq}"
                        )
        else:
            _apply_record(r, order)
            applied += 1
        last = r.seq
    return Replay(books=books, seq=last, applied=applied, start_seq=start.seq, recovery=rec)
