"""The update log's format and its recovery: framing, record types, reading a
log back and classifying its tail.

Log format (all integers little-endian; README.md documents it too): the 8
bytes ``b"TBLOGv1\\n"``, then records. A record is ``u32 crc32`` (zlib's, over
the 4 bytes of the length field and the payload), ``u32 length``, then
``length`` payload bytes: ``u8 type``, ``u64 seq`` (0, 1, 2, ... with no gap;
record 0 is always a checkpoint) and the body of that type
(:class:`RecordType`, read from the table of operations in
:mod:`tapebook.persist.ops`).
"""

from __future__ import annotations

import enum
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._buffers import byte_view
from ..errors import FormatError
from .ops import BY_CODE, CHECKPOINT, CHECKPOINT_CODES, HEAD, OPS, SNAPSHOT

LOG_MAGIC = b"TBLOGv1\n"
_REC_HDR = struct.Struct("<II")  # crc32 (of the length field and the payload), payload length
_HEAD = HEAD  # type, seq
_U32 = struct.Struct("<I")
_MIN_PAYLOAD = _HEAD.size  # 9
#: a checkpoint's payload starts with u8 type, u64 seq, u32 count
CHECKPOINT_HEAD = struct.Struct("<BQI")
#: a typed checkpoint's with u8 type, u64 seq, u16 version, u32 count
TYPED_CHECKPOINT_HEAD = struct.Struct("<BQHI")


def _record_types() -> type[enum.IntEnum]:
    """The RecordType enum, its docstring listing every body, from the table of operations."""
    bodies = {
        SNAPSHOT[
            1
        ]: "u32 count, then per book: u32 book, u16 name length, name (UTF-8), u32 dump length, dump",
        CHECKPOINT[1]: (
            "u16 version (1), u32 count, then per object: u32 index, u16 name length, name (UTF-8), "
            "u8 kind (1 Book, 2 L3Book, 3 MatchingEngine), u32 n, u8 price_bits, u32 max_orders, "
            "u32 max_cap, u32 dump length, dump"
        ),
    }
    names = {SNAPSHOT[1]: SNAPSHOT[0], CHECKPOINT[1]: CHECKPOINT[0]}
    notes: dict[int, list[str]] = {}
    for op in OPS:
        names.setdefault(op.code, op.record)
        bodies.setdefault(op.code, op.describe())
        notes.setdefault(op.code, []).extend(
            f"{f.name} {f.fixed}: {op.method}" for f in op.fields if f.fixed is not None
        )
    rt = enum.IntEnum(  # type: ignore[misc]
        "RecordType", [(names[c], c) for c in sorted(names)], module=__name__, qualname="RecordType"
    )
    lines = [
        f"* ``{c} {names[c]}``: {bodies[c]}" + (f" ({', '.join(notes[c])})" if notes.get(c) else "")
        for c in sorted(names)
    ]
    rt.__doc__ = (
        "Record types of the update log and their bodies (after ``u8 type, u64 seq``), from the\n"
        "table of operations (:data:`tapebook.persist.ops.OPS`).\n\n"
        "``book`` is a u32 index into the names of the latest checkpoint; sides are u8\n"
        "(1 bid, 0 ask); prices i64; quantities u64.\n\n" + "\n".join(lines)
    )
    return rt


RecordType = _record_types()
_TYPES = frozenset(int(t) for t in RecordType)
_CHECKPOINT = SNAPSHOT[1]
# record type code -> RecordType (None: not a type); code -> exact payload size (-1: variable)
_RT: list[Any] = [None] * 256
_SIZE = [-1] * 256
for _t in RecordType:
    _RT[_t] = _t
for _op in OPS:
    _SIZE[_op.code] = _op.size
del _t, _op


def frame(payload: bytes) -> bytes:
    """A payload framed as a log record: CRC32, length, payload."""
    n = _U32.pack(len(payload))
    return _U32.pack(zlib.crc32(payload, zlib.crc32(n))) + n + payload


def framer(size: int) -> Callable[[bytes], bytes]:
    """``frame`` for payloads of a known size: the length field and its CRC computed once."""
    head = _U32.pack(size)
    head_crc = zlib.crc32(head)
    pack, crc32 = _U32.pack, zlib.crc32
    return lambda payload: pack(crc32(payload, head_crc)) + head + payload


def _payload_ok(mem: memoryview, start: int, length: int, t: int) -> bool:
    """Body size consistent with the record type."""
    fixed = _SIZE[t]
    if fixed >= 0:
        return length == fixed
    if t == _CHECKPOINT:
        return length >= CHECKPOINT_HEAD.size  # decoded (and checked) when used
    if t == CHECKPOINT[1]:
        return length >= TYPED_CHECKPOINT_HEAD.size
    return BY_CODE[t][0].body.payload_ok(mem, start, length)  # type: ignore[union-attr]


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


def check_at(mem: memoryview, pos: int, end: int) -> tuple[int, int, int] | None:
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


_TYPE_OK = np.zeros(256, dtype=bool)
_TYPE_OK[sorted(_TYPES)] = True


def _valid_record_after(mem: memoryview, start: int, end: int, min_seq: int) -> int | None:
    """Offset of the first valid record starting in [start, end) with a sequence
    number >= ``min_seq``, if any.

    Linear in the bytes scanned (issue #12.3): the cheap header checks run with
    numpy, 1 MiB of offsets at a time — length field fits the bytes left, known
    type, a sequence number that the bytes left could reach — and only the
    offsets passing all of them are CRC-checked."""
    last = end - _REC_HDR.size - _MIN_PAYLOAD  # last offset a record could start at
    pos = start
    while pos <= last:
        m = min(1 << 20, last - pos + 1)
        a = np.frombuffer(mem, dtype=np.uint8, count=min(m + 17, end - pos), offset=pos)
        w = a.astype(np.uint32)
        lengths = w[4 : m + 4] | (w[5 : m + 5] << 8) | (w[6 : m + 6] << 16) | (w[7 : m + 7] << 24)
        room = (end - pos - _REC_HDR.size) - np.arange(m, dtype=np.int64)
        ok = (lengths >= _MIN_PAYLOAD) & (lengths <= room) & _TYPE_OK[a[8 : m + 8]]
        idx = np.flatnonzero(ok)
        if idx.size:
            seq = np.zeros(idx.size, dtype=np.uint64)
            for k in range(8):
                seq |= a[idx + 9 + k].astype(np.uint64) << np.uint64(8 * k)
            # every record after min_seq takes at least 17 bytes
            most = np.uint64(min_seq + (end - pos) // (_REC_HDR.size + _MIN_PAYLOAD) + 1)
            idx = idx[(seq >= np.uint64(min_seq)) & (seq <= most)]
        for off in idx.tolist():
            if check_at(mem, pos + off, end) is not None:
                return pos + off
        pos += m
    return None


def read_log(log: Any) -> tuple[memoryview, Any]:
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
    return byte_view(log, "log"), log


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
    mem, _keep = read_log(log)
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
                    and (seq or t in CHECKPOINT_CODES)
                ):
                    append(Record(seq, typ, pos, mem[pos + 8 : stop]))
                    pos = stop
                    expect += 1
                    continue
        hit = check_at(mem, pos, end)
        if hit is not None and hit[2] == expect:  # only record 0 that is not a checkpoint gets here
            status, detail = "corrupt", f"record 0 at offset {pos} is not a checkpoint"
            break
        if hit is not None:
            status, detail = (
                "corrupt",
                f"sequence gap at offset {pos}: expected record {expect}, found {hit[2]}",
            )
            break
        later = _valid_record_after(mem, pos + 1, end, expect)
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
