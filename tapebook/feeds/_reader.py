"""The reader interface: what a format's reader yields and what the engine does with it.

A **reader** turns one source (a file, a list of files replayed as one stream,
or a binary file object; see :mod:`tapebook.feeds._source`) into **columnar
message batches**. The engine (:mod:`tapebook.feeds._engine`) applies them to a
:class:`~tapebook.Book`, in as few C calls as it can, and records the BBO (and
depth) after every applied message. The split of work:

========================================  =========================================
the reader (one per format)               the engine (shared by all formats)
========================================  =========================================
parsing lines / records                   applying rows to the book (one C call
decimal strings -> ticks / lots (C, via   per batch): deltas, snapshot resets,
  :class:`MessageBuilder` or the          full-book replacements, Kraken-style
  instrument's column conversions)        truncation, BBO / depth rows, flags
grouping rows into messages               ``on_error``: raise or skip+count ERROR
the venue's stateful sync rules: stale      messages
  prefixes, first-event straddle,         ``on_gap``: raise ``GapError`` at a GAP
  sequence chains, the REST snapshot        message, or resync: skip until the
  (``snapshot=``), pre-first-snapshot       next SNAPSHOT/REPLACE message (stop
  rows, non-book frames                     when the format has no in-band ones)
marking each message with a :class:`Kind`  ``checksum=True``: compare ``crc`` with
the venue's expected checksum per           the batch's :class:`ChecksumSpec`
  message (``crc``) and how to compute it  ``on_crossed``: flag, count, or raise
counters it alone knows (none today:      every :class:`~tapebook.feeds.FeedStats`
  every counter follows from the kinds)     counter (from the kinds it sees)
========================================  =========================================

Construction and iteration
--------------------------
``ReaderClass(source, options)`` with ``source`` a
:class:`~tapebook.feeds._source.Source` and ``options`` a :class:`ReaderOptions`;
iterating the reader yields :class:`MessageBatch` objects in stream order. A
reader must:

* keep memory bounded: a batch holds about ``options.batch_rows`` rows (a
  single message larger than that is one batch of its own); never read a
  whole file;
* never span two files in one batch (``batch.path`` names the file the lines
  came from; line numbers restart at 1 in each file of a list) — but keep its
  sync state across files: a list of paths is one stream;
* raise nothing for bad data: a line or frame it cannot parse, or a value that
  is not a whole number of ticks / lots, becomes an ``ERROR`` message (no rows)
  whose ``notes`` entry says why; a sequence gap becomes a ``GAP`` message (no
  rows) whose note names both sequence numbers. The engine applies the
  policies. (It may raise :class:`~tapebook.errors.FeedError` for problems that
  are not about one message, e.g. a ``snapshot=`` file that cannot be read.)
* read ``options.snapshot`` itself when the format needs a REST book, and emit
  it as the first ``SNAPSHOT`` message.

Message kinds
-------------
``DELTA``     rows are absolute level quantities (0 deletes), applied in order.
``SNAPSHOT``  the book is reset and loaded with the rows (a sync point: flag 1,
              counted in ``resets``; ends an out-of-sync stretch: flag 4,
              counted in ``resyncs``).
``REPLACE``   the rows are the complete book (Tardis book_snapshot_N rows,
              Databento MBP-10 records): the book is replaced without counting
              a reset or setting flag 1; like a snapshot it ends a resync.
``NONBOOK``   not book data (ack, heartbeat, status, subscription, another
              channel): no row; counted in ``skipped``.
``STALE``     dropped by a sync rule (at or before the REST snapshot): no row;
              counted in ``stale``.
``PRESYNC``   book data before the first snapshot / sync point: no row;
              counted in ``skipped``.
``ERROR``     could not be parsed / converted; ``notes[i]`` says why. Raises
              ``FeedError(path, line, note)`` under ``on_error="raise"``,
              else no row, counted in ``skipped``.
``GAP``       a sequence gap was detected at this message (which is not
              applied); ``notes[i]`` names both sequence numbers. Counted in
              ``gaps``; raises ``GapError`` under ``on_gap="raise"``, else the
              book is out of sync until the next SNAPSHOT/REPLACE message
              (deltas meanwhile are counted in ``skipped``).

Rows and messages
-----------------
Rows: ``side`` (uint8, 1 bid / 0 ask), ``px`` (int64 ticks), ``qty`` (uint64
lots). Message ``i`` owns rows ``row_end[i-1] .. row_end[i]`` (``row_end[-1]``
is read as 0), so messages are contiguous and ordered; non-applying kinds own
no rows. Per message: ``ts`` (int64 ns: venue event time, else receive time,
else 0), ``seq`` (int64: the venue's sequence / update id, else the 0-based
index of the message in the stream), ``kind`` (uint8, a :class:`Kind`),
``line`` (int64, 1-based line or record number of the message's first line in
``path``), and optionally ``crc`` (int64: the checksum the venue sent, as an
unsigned 32-bit value, or -1 when this message carries none).

Batch-level venue checks: ``checksum`` (a :class:`ChecksumSpec`: how many top
levels per side it covers and the function computing it from the book), and
``truncate`` (> 0: after every DELTA message keep only the best ``truncate``
levels per side, the way Kraken's book is kept at the subscribed depth; the
truncation happens before the checksum is computed).

Readers that produce one row per message index rather than offsets build the
offsets with :meth:`MessageBatch.from_row_messages`. Readers whose values are
still decimal strings use :class:`MessageBuilder`, which converts whole columns
in one C call each and turns a bad value into an ERROR message for its line.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ..config import Instrument
    from ._source import Source


class Kind(enum.IntEnum):
    """What a message is; see the module docstring."""

    DELTA = 0
    SNAPSHOT = 1
    REPLACE = 2
    NONBOOK = 3
    STALE = 4
    PRESYNC = 5
    ERROR = 6
    GAP = 7


#: the kinds whose rows are applied to the book
APPLYING = (Kind.DELTA, Kind.SNAPSHOT, Kind.REPLACE)
#: the kinds that end an out-of-sync stretch
SYNC_POINTS = (Kind.SNAPSHOT, Kind.REPLACE)
#: FeedStats counter of each kind that gives no row (ERROR and GAP are counted
#: by the engine after it applied the policy; DELTA while out of sync: "skipped")
SKIP_COUNTER = {
    Kind.NONBOOK: "skipped",
    Kind.STALE: "stale",
    Kind.PRESYNC: "skipped",
    Kind.ERROR: "skipped",
    Kind.GAP: "gaps",
}

# r.bbo["flags"] bits (docs/semantics.md §4)
FLAG_SNAPSHOT = 1
FLAG_CROSSED = 2
FLAG_RESYNC = 4

#: the policies' valid values, in one place (replay(), the CLI and the docs read them)
ON_GAP = ("raise", "resync")
ON_CROSSED = ("keep", "raise")
ON_ERROR = ("raise", "skip")


@dataclass(frozen=True)
class ChecksumSpec:
    """A venue checksum over the book's top levels.

    ``compute(bids, asks)`` gets two structured arrays with fields ``px``
    (int64 ticks) and ``qty`` (uint64 lots), best first, at most ``levels``
    long each, and returns the checksum as an unsigned 32-bit int (a venue that
    sends a signed CRC32 is compared after ``& 0xFFFFFFFF`` — the reader stores
    ``crc`` that way too). ``name`` appears in ChecksumError messages.
    """

    name: str
    levels: int
    compute: Callable[[np.ndarray, np.ndarray], int]
    #: the same checksum as the C replay loop computes it, verified there without a
    #: return to Python per message: ``(kind, a, b, ea, eb)`` (csrc/tapebook/
    #: tb_feed_apply.h, ``crc_kind`` ...), or None (``compute`` verifies each)
    c_params: tuple[int, int, int, int, int] | None = None


@dataclass(frozen=True)
class ReaderOptions:
    """Everything a reader is constructed with besides its source."""

    instrument: Instrument  #: tick / lot conversions (and the precision a checksum needs)
    snapshot: Source | None = None  #: the REST book, for formats that need one
    depth: int = 0  #: the replay's depth=k (readers rarely need it)
    checksum: bool = True  #: verify checksums where the venue sends them
    on_gap: str = "raise"
    on_error: str = "raise"
    batch_rows: int = 1 << 16  #: target rows per batch (bounds memory)
    #: the book is already known (a replay continuing from a given book): book data
    #: before the first snapshot applies instead of being PRESYNC (formats in
    #: ``_formats.CONTINUABLE`` honour it)
    in_sync: bool = False
    #: format-specific options (replay()'s extra keywords; the reader validates them)
    extra: Mapping[str, Any] = field(default_factory=dict)


_ROW_DTYPES = {"side": np.uint8, "px": np.int64, "qty": np.uint64}
_MSG_DTYPES = {"row_end": np.int64, "ts": np.int64, "seq": np.int64, "kind": np.uint8, "line": np.int64}


@dataclass
class MessageBatch:
    """Columnar messages of one file, in stream order (see the module docstring)."""

    path: str
    side: np.ndarray  #: uint8 per row, 1 bid / 0 ask
    px: np.ndarray  #: int64 ticks per row
    qty: np.ndarray  #: uint64 lots per row (absolute; 0 deletes)
    row_end: np.ndarray  #: int64 per message: end offset of its rows
    ts: np.ndarray  #: int64 ns per message
    seq: np.ndarray  #: int64 per message
    kind: np.ndarray  #: uint8 Kind per message
    line: np.ndarray  #: int64, 1-based line / record of each message
    crc: np.ndarray | None = None  #: int64 per message: expected checksum or -1
    checksum: ChecksumSpec | None = None
    truncate: int = 0
    notes: dict[int, str] = field(default_factory=dict)  #: message index -> reason (ERROR, GAP)

    def __post_init__(self) -> None:
        for name, dt in _ROW_DTYPES.items():
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=dt))
        for name, dt in _MSG_DTYPES.items():
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=dt))
        if self.crc is not None:
            self.crc = np.ascontiguousarray(self.crc, dtype=np.int64)

    @property
    def n_messages(self) -> int:
        return len(self.kind)

    @property
    def n_rows(self) -> int:
        return len(self.side)

    def validate(self) -> None:
        """Check the shapes and offsets (the engine calls this before its C loop, so a
        reader bug is an AssertionError here, not a wild read in C)."""
        n, m = self.n_rows, self.n_messages
        assert len(self.px) == n and len(self.qty) == n, "side/px/qty lengths differ"
        for name in ("row_end", "ts", "seq", "line"):
            assert len(getattr(self, name)) == m, f"{name} has {len(getattr(self, name))} entries, not {m}"
        if self.crc is not None:
            assert len(self.crc) == m, "crc length"
        if m:
            assert int(self.row_end[-1]) == n, "row_end[-1] must equal the row count"
            assert bool(np.all(np.diff(self.row_end) >= 0)) and int(self.row_end[0]) >= 0, "row_end decreases"
            assert int(self.kind.max()) <= max(Kind), "unknown kind"
        else:
            assert n == 0, "rows without messages"
        if n:
            assert int(self.side.max()) <= 1, "side must be 0/1"
        assert self.truncate >= 0

    @classmethod
    def from_row_messages(
        cls,
        path: str,
        side: np.ndarray,
        px: np.ndarray,
        qty: np.ndarray,
        row_message: np.ndarray,
        ts: np.ndarray,
        seq: np.ndarray,
        kind: np.ndarray,
        line: np.ndarray,
        **checks: Any,
    ) -> MessageBatch:
        """Build from a per-row message index (non-decreasing, each < the message count)."""
        m = len(kind)
        counts = np.bincount(np.asarray(row_message, dtype=np.int64), minlength=m)
        return cls(path, side, px, qty, np.cumsum(counts), ts, seq, kind, line, **checks)

    @classmethod
    def empty(cls, path: str) -> MessageBatch:
        z = np.empty(0, dtype=np.int64)
        return cls(path, z, z, z, z, z, z, z, z)

    def message_rows(self, i: int) -> slice:
        """The row slice of message ``i``."""
        start = int(self.row_end[i - 1]) if i else 0
        return slice(start, int(self.row_end[i]))


class Reader(Protocol):
    """What every format's reader provides (see the module docstring)."""

    def __init__(self, source: Source, options: ReaderOptions) -> None: ...

    def __iter__(self) -> Iterator[MessageBatch]: ...


# ---- shared helpers for readers ------------------------------------------------------


def gap_note(prev_name: str, prev: int, got_name: str, got: int, expected: int | None = None) -> str:
    """The reason of a GAP message, naming both sequence numbers the same way in every format."""
    exp = f" (expected {got_name}={expected})" if expected is not None else ""
    return f"sequence gap: previous {prev_name}={prev}, then {got_name}={got}{exp}"


class MessageBuilder:
    """Collects messages whose prices and sizes are still decimal strings, and
    emits :class:`MessageBatch` objects with the strings converted to ticks and
    lots in one C call per column (bytes or str values; no float anywhere).

    A value that is not a whole number of ticks / lots (or not a number) turns
    its message into an ERROR message for that message's line. Typical use in a
    JSON reader::

        b = MessageBuilder(options.instrument, path, options.batch_rows)
        for line_no, frame in ...:
            b.add(Kind.DELTA, ts, seq, line_no, bids=[("65000.1", "0.5")], asks=[])
            if b.full:
                yield b.flush()
        yield b.flush()
    """

    def __init__(self, instrument: Instrument, path: str, batch_rows: int = 1 << 16) -> None:
        self.instrument = instrument
        self.path = path
        self.batch_rows = batch_rows
        self.checksum: ChecksumSpec | None = None
        self.truncate = 0
        self._reset()

    def _reset(self) -> None:
        self._side: list[int] = []
        self._px: list[str | bytes] = []
        self._qty: list[str | bytes] = []
        self._row_end: list[int] = []
        self._ts: list[int] = []
        self._seq: list[int] = []
        self._kind: list[int] = []
        self._line: list[int] = []
        self._crc: list[int] = []
        self._notes: dict[int, str] = {}

    @property
    def full(self) -> bool:
        return len(self._side) >= self.batch_rows

    def __len__(self) -> int:
        return len(self._kind)

    def add(
        self,
        kind: Kind,
        ts: int,
        seq: int,
        line: int,
        bids: Sequence[Sequence[str | bytes]] = (),
        asks: Sequence[Sequence[str | bytes]] = (),
        crc: int = -1,
        note: str | None = None,
    ) -> None:
        """Append a message; ``bids`` / ``asks`` are ``(price, size, ...)`` sequences
        (extra items ignored). Rows are applied bids first, then asks."""
        for side, levels in ((1, bids), (0, asks)):
            for lv in levels:
                self._side.append(side)
                self._px.append(lv[0])
                self._qty.append(lv[1])
        self._row_end.append(len(self._side))
        self._ts.append(ts)
        self._seq.append(seq)
        self._kind.append(int(kind))
        self._line.append(line)
        self._crc.append(crc)
        if note is not None:
            self._notes[len(self._kind) - 1] = note

    def skip(self, kind: Kind, ts: int, seq: int, line: int, note: str | None = None) -> None:
        """Append a message that gives no row (NONBOOK, STALE, PRESYNC, ERROR, GAP)."""
        self.add(kind, ts, seq, line, note=note)

    def flush(self) -> MessageBatch:
        """The collected messages as one batch (possibly empty); the builder starts afresh."""
        side = np.array(self._side, dtype=np.uint8)
        row_end = np.array(self._row_end, dtype=np.int64)
        kind = np.array(self._kind, dtype=np.uint8)
        notes = dict(self._notes)
        px, qty = _convert(self.instrument, self._px, self._qty, row_end, kind, notes)
        keep = np.repeat(kind != Kind.ERROR, np.diff(row_end, prepend=0)) if len(side) else np.ones(0, bool)
        if not keep.all():  # ERROR messages own no rows
            side = side[keep]
            row_end = np.cumsum(np.where(kind == Kind.ERROR, 0, np.diff(row_end, prepend=0)))
        crc = np.array(self._crc, dtype=np.int64) if any(c >= 0 for c in self._crc) else None
        batch = MessageBatch(
            self.path, side, px, qty, row_end, np.array(self._ts, dtype=np.int64),
            np.array(self._seq, dtype=np.int64), kind, np.array(self._line, dtype=np.int64),
            crc=crc, checksum=self.checksum, truncate=self.truncate, notes=notes,
        )  # fmt: skip
        self._reset()
        return batch


def _convert(
    inst: Any, px: list, qty: list, row_end: np.ndarray, kind: np.ndarray, notes: dict[int, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Prices and sizes of the rows of non-ERROR messages; a bad value marks its
    message ERROR (``kind`` and ``notes`` updated in place: the message's first
    bad price, else its first bad size). One C pass per column, bad values
    included, so many bad values cost no more than a few."""
    from .._decimal import reason_text

    msg_of_row = np.repeat(np.arange(len(row_end)), np.diff(row_end, prepend=0))
    tick, lot = inst._units()
    cols = []
    for which, values, unit, unsigned in (("price", px, tick, False), ("size", qty, lot, True)):
        out, reasons = _each(values, unit, unsigned)
        cols.append(out.view(np.int64) if not unsigned else out)
        for r in np.flatnonzero(reasons).tolist():
            m = int(msg_of_row[r])
            if kind[m] == Kind.ERROR:
                continue  # already bad (an earlier value, or the reader said so)
            kind[m] = Kind.ERROR
            v = values[r]
            shown = v.decode(errors="replace") if isinstance(v, bytes) else str(v)
            notes[m] = f"{which} {shown!r}: {reason_text(int(reasons[r]), unit)}"
    rows = np.flatnonzero(kind[msg_of_row] != Kind.ERROR) if len(msg_of_row) else np.zeros(0, np.int64)
    return cols[0][rows], cols[1][rows]


def _each(values: list, unit: Any, unsigned: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every value of a column of str / bytes -> (values, per-value tb_dec_reason, 0 = ok)."""
    from .._native import ffi, lib

    n = len(values)
    out = np.zeros(n, np.uint64)
    reasons = np.zeros(n, np.uint8)
    if not n:
        return out, reasons
    items = [v if isinstance(v, bytes) else str(v).encode("utf-8", errors="replace") for v in values]
    data = b"\n".join(items)
    if data.count(b"\n") != n - 1:  # a value holding the separator is not a number
        items = [b"x" if b"\n" in v else v for v in items]
        data = b"\n".join(items)
    bad = ffi.new("size_t *")
    st = lib.tb_dec_col_delimited_each(
        data, len(data), b"\n", n, unit.c, int(unsigned), ffi.from_buffer("uint64_t[]", out),
        ffi.from_buffer("uint8_t[]", reasons), bad,
    )  # fmt: skip
    assert st == lib.TB_OK, f"tb_dec_col_delimited_each: {st}"
    return out, reasons
