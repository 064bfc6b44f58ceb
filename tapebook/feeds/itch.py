"""NASDAQ TotalView-ITCH 5.0 binary files (NASDAQ's BinaryFILE framing: each
message preceded by its 2-byte big-endian length).

Spec: "Nasdaq TotalView-ITCH 5.0" (nasdaqtrader.com, NQTVITCHspecification.pdf),
§4.3 "Add Order" (``A``, ``F``), §4.4 "Modify Order" (``E`` executed, ``C``
executed with price, ``X`` cancel, ``D`` delete, ``U`` replace). The decoding
is C (``csrc/tapebook/tb_itch.h``: lengths validated, one call per block of
records); this module applies the venue's meaning:

* ``A`` / ``F`` add an order (``B`` buy -> bid, ``S`` sell -> ask);
* ``E`` / ``C`` execute shares from it, ``X`` cancels shares of it (priority
  kept; it leaves the book at 0), ``D`` deletes it;
* ``U`` replaces it: the old reference leaves, the new one joins the back of
  its (new) price with the old order's side — MBO rows ``C`` old + ``A`` new;
* every other message (system events, stock directory, trading actions,
  trades ``P`` / ``Q`` / ``B`` of non-displayed orders, NOII, ...) changes no
  displayed order: skipped and counted (``r.l3_counts["skipped_type"]``), as are
  order messages of other stocks (``skipped_stock``).

Options: ``symbol="AAPL"`` (the stock locate is learned from the stock
directory message ``R``, which NASDAQ sends at the start of the day; order
messages before it are skipped) or ``stock_locate=13``. Prices are ``Price(4)``
(4 implied decimals): ``tick_size`` must be a whole multiple of ``0.0001``;
shares are whole: ``lot_size`` a whole number of shares.

``ts`` is the message's timestamp (ns since midnight, as ITCH sends it; add the
session date's epoch yourself); ``seq`` the 0-based index of the record in the
stream; ``line`` its 1-based record number in its file. An executed, cancelled
or deleted reference that does not rest (a file that starts mid-day) is counted
``unknown_id``; one that would take a level's total past 2**64 - 1 shares (billions of
orders at one price) changes nothing, is counted ``level_overflow`` and is an ERROR
message like a malformed record. A malformed record (a decoded type with the wrong length, a
side other than B/S, a zero reference, a price not a whole number of ticks) is
a ``FeedError`` naming the record, or skipped and counted under
``on_error="skip"``; a file that ends inside a record likewise.

The replay's tape (``n``, when not given): wide enough for 40 cents of price
(:func:`tape_size`), not the other formats' 1,024 ticks.
"""

from __future__ import annotations

import contextlib
import os
import sys
import weakref
from collections.abc import Callable, Generator, Iterator
from decimal import Decimal
from typing import Any

import numpy as np

from .. import _native as nat
from .._native import ffi, lib
from ..errors import FeedError, InvalidArgumentError
from . import _mapped
from ._l3reader import ORDER_DTYPE, L3Reader, unit_divisor
from ._mbo import MboBatch, overflow_note
from ._reader import Kind, MessageBatch
from ._source import read_block

_PRICE_UNIT = Decimal("0.0001")
_READ_BYTES = 1 << 20
_MAP_BYTES = 1 << 24  #: a mapped window's bytes (the pages in the process's RSS at a time)
_MAX_RECORD = 2 + 0xFFFF  #: a length prefix and the longest message it can announce
_ROWS = 1 << 15


#: the price span the replay's tape covers when ``n`` is not given (:func:`tape_size`)
TAPE_SPAN = Decimal("1.60")
_DEFAULT_TAPE = 1024


def tape_size(tick_size: Decimal) -> int:
    """The replay's tape size for ITCH when ``n`` is not given: the smallest shipped size
    whose cells span :data:`TAPE_SPAN` of price at ``tick_size``, from 1,024 (every
    format's default) up to the largest shipped (16,384).

    ITCH prices come in units of 0.0001 while a stock above $1 quotes in whole cents
    (SEC Rule 612), so at ``tick_size="0.0001"`` 1,024 cells span 10 cents — about ten
    price points: a book whose levels spread wider keeps moving its tape (the spill and
    recentring took ~1/6 of the direct path's CPU on bench/feeds/bench_itch.py's file,
    whose prices span 12 cents). 4,096 cells (41 cents) still sent a fifth of the level
    rows of its realistic day (orders resting up to ~60 cents from the touch) to the
    spill: 16,384 ($1.64) took bench_itch_run from 82.5M to 73.8M instructions (callgrind)
    and ~35 to ~29.5 ns a record. At a cent tick the rule gives 1,024, as before."""
    want = TAPE_SPAN / tick_size
    for n in nat.TAPE_SIZES:
        if n >= _DEFAULT_TAPE and n >= want:
            return n
    return nat.TAPE_SIZES[-1]


#: the order log's first order table: slots per byte of the files, and its bounds
_BYTES_PER_SLOT = 64
_MIN_SLOTS, _MAX_SLOTS = 1 << 12, 1 << 17


def order_slots(paths: list[str]) -> int:
    """Slots of the order log's first order table: one per 64 bytes of the files on disk
    (a resting order took at least one 38-byte add record), from 2^12 up to 2^17 (4 MiB).

    A table that doubles as the book fills is rehashed into fresh memory each time (a
    fifth of the replay of make bench-feeds' ITCH file, 78k orders resting at its end);
    the bound keeps a big file of a quiet stock from a table far larger than it needs (it
    still grows past it when more rest). A file object or a missing file: the least."""
    size = 0
    for p in paths:
        with contextlib.suppress(OSError):
            size += os.path.getsize(p)
    return max(_MIN_SLOTS, min(_MAX_SLOTS, size // _BYTES_PER_SLOT))


class ItchReader(L3Reader):
    """ITCH 5.0 order messages of one stock into an order log."""

    format_name = "itch"
    options = ("symbol", "stock_locate")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        inst = self.opts.instrument
        self.px_div = unit_divisor(inst.tick_size, _PRICE_UNIT, "tick_size", self.format_name)
        self.qty_div = unit_divisor(inst.lot_size, Decimal(1), "lot_size", self.format_name)
        symbol = self.option("symbol", str)
        locate = self.option("stock_locate", int)
        if (symbol is None) == (locate is None):
            raise InvalidArgumentError("format 'itch' needs exactly one of symbol= or stock_locate=")
        self.state = ffi.new("tb_itch_state *")
        if locate is not None:
            if not 1 <= locate <= 0xFFFF:
                raise InvalidArgumentError(f"stock_locate={locate} must be in [1, 65535]")
            lib.tb_itch_init(self.state, locate, ffi.NULL)
        else:
            raw = symbol.encode("ascii", "replace")
            if not 1 <= len(raw) <= 8:
                raise InvalidArgumentError(f"symbol={symbol!r} must be 1 to 8 ASCII characters")
            self._sym = ffi.new("char[8]", raw.ljust(8, b" "))
            lib.tb_itch_init(self.state, 0, self._sym)
        self._out = ffi.new("tb_itch_rows *")
        self._out.cap = _ROWS
        self._spare = _SpareColumns()
        self._cols = _bind(self._out, self._spare.take(_ROWS, ITCH_COLUMNS, None))
        self._consumed = ffi.new("size_t *")
        self._index = 0  # records before this file, for seq
        # the order log in C (tb_order_log.h): freed with the reader (finalize keeps it alive)
        self._olog = ffi.new("tb_olog *")
        slots = order_slots(self.source.paths)
        if lib.tb_olog_init(self._olog, slots, int.from_bytes(os.urandom(8), "little")) != lib.TB_OK:
            raise MemoryError("itch: cannot allocate the order log")
        weakref.finalize(self, lib.tb_olog_free, self._olog)
        self._log_out = ffi.new("tb_olog_out *")
        self._log_cols = _bind(self._log_out, self._spare.take(_ROWS, LOG_COLUMNS, None))
        #: build MBO batches (False while the replay iterates the reader for its L2 book alone)
        self._want_mbo = True
        self._n_done = ffi.new("size_t *")
        self._mbo: list[MboBatch] = []
        self._l2: list[MessageBatch] = []
        self._pending = 0

    def _apply(self, n: int, base: int, path: str) -> None:
        """Decoded rows 0..n through the C order log: one message each, collected as batches.

        The batches take the output columns themselves (views, no copy); others (fresh,
        or a set no batch holds any more) are bound for the next block."""
        if not n:
            return
        out = self._log_out
        out.n_mbo = out.n_l2 = 0
        c, g = self._cols, self._log_cols
        kind = np.zeros(n, np.uint8)  # Kind.DELTA
        notes: dict[int, str] = {}
        first = 0
        while True:
            rc = lib.tb_olog_apply_from(self._olog, self._out, first, n, out, self._n_done)
            if rc == lib.TB_ERR_NOMEM:
                raise MemoryError("itch: the order log could not grow")
            if rc != lib.TB_ERR_OVERFLOW:
                break
            first = int(self._n_done[0])  # record first - 1 refused (level_overflow): an ERROR message
            kind[first - 1], notes[first - 1] = Kind.ERROR, overflow_note(int(c["px"][first - 1]))
        assert rc == lib.TB_OK, f"tb_olog_apply_from returned {rc}"
        m, k = int(out.n_mbo), int(out.n_l2)
        ts, rec = c["ts"][:n], c["record"][:n]
        seq = rec + (base - 1)
        if self._want_mbo:
            self._mbo.append(MboBatch(
                path, g["action"][:m], g["order_id"][:m], g["side"][:m], g["px"][:m], g["qty"][:m],
                g["mbo_end"][:n], ts, seq, kind, rec, dict(notes),
            ))  # fmt: skip
        self._l2.append(MessageBatch(
            path, g["l2_side"][:k], g["l2_px"][:k], g["l2_qty"][:k], g["l2_end"][:n], ts, seq, kind, rec,
            notes=notes,
        ))  # fmt: skip
        self._pending += m
        self._cols = _bind(self._out, self._spare.take(_ROWS, ITCH_COLUMNS, ("ts", "record")), c)
        # the MBO columns nobody took are written again
        taken = None if self._want_mbo else _L2_COLUMNS
        self._log_cols = _bind(out, self._spare.take(_ROWS, LOG_COLUMNS, taken), g)

    def _error(self, path: str, record: int, reason: str) -> None:
        """A malformed record: a one-message ERROR batch (the engine applies the policy)."""
        mbo, l2 = error_batches(path, record, self._index + record - 1, reason)
        self._mbo.append(mbo)
        self._l2.append(l2)

    def _drain(self) -> Iterator[tuple[MboBatch | None, MessageBatch]]:
        mbo: list[MboBatch | None] = list(self._mbo) if self._want_mbo else [None] * len(self._l2)
        yield from zip(mbo, self._l2, strict=True)
        self._mbo, self._l2, self._pending = [], [], 0

    def __iter__(self) -> Iterator[MessageBatch]:
        """The L2 batches; without an ``mbo_sink`` no MBO batch is built at all."""
        if self.mbo_sink is not None:
            yield from super().__iter__()
            return
        self._want_mbo = False
        try:
            for _mbo, l2 in self._batches():
                yield l2
        finally:
            self._want_mbo = True

    def resting_orders(self) -> np.ndarray:
        """The resting orders as an ORDER_DTYPE array (in no particular order)."""
        n = int(self._olog.ocount)
        out = np.empty(n, ORDER_DTYPE)
        cols = {k: np.empty(n, out.dtype[k]) for k in ("id", "side", "px", "qty")}
        got = lib.tb_olog_export(
            self._olog, ffi.from_buffer("uint64_t[]", cols["id"]), ffi.from_buffer("uint8_t[]", cols["side"]),
            ffi.from_buffer("int64_t[]", cols["px"]), ffi.from_buffer("uint64_t[]", cols["qty"]), n,
        )  # fmt: skip
        assert got == n
        for k, v in cols.items():
            out[k] = v
        return out

    def _sync_counts(self) -> None:
        st, g = self.state, self._olog
        self.counts["skipped_type"] = int(st.skipped_type)
        self.counts["skipped_stock"] = int(st.skipped_stock)
        for name in ("unknown_id", "duplicate_add", "overcancel", "overfill", "zero_qty", "level_overflow"):
            if getattr(g, name):
                self.counts[name] = int(getattr(g, name))

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        for mbo, l2 in self._batches():
            assert mbo is not None
            yield mbo, l2

    def _batches(self) -> Iterator[tuple[MboBatch | None, MessageBatch]]:
        for file_end in self.scan(self._decode_step, self._error):
            if file_end or self._pending >= self.batch_rows:  # (checked after every block: bounds memory)
                self._sync_counts()
                yield from self._drain()

    def _decode_step(self, path: str, view: Any, buf: bytearray, pos: int, have: int) -> tuple[int, bool]:
        """Decode (and log) the records of buf[pos:have] that fit the columns."""
        st = self.state
        status = lib.tb_itch_decode(
            st, view + pos, have - pos, self.px_div, self.qty_div, self._out, self._consumed
        )
        self._apply(int(self._out.n), self._index, path)
        pos += int(self._consumed[0])
        if status == lib.TB_ERR_FORMAT:
            return self.skip_bad_record(path, buf, pos, have, self._error), False
        if status != lib.TB_OK:  # pragma: no cover - arguments are checked above
            raise AssertionError(f"tb_itch_decode returned {status}")
        return pos, int(self._out.n) < _ROWS  # else the columns are full: more of this block

    def skip_bad_record(
        self, path: str, buf: bytearray, pos: int, have: int, on_error: Callable[[str, int, str], None]
    ) -> int:
        """The decoder refused the record at buf[pos]: report it, count it, return the offset after it."""
        st = self.state
        reason = ffi.string(lib.tb_itch_reason_str(st.bad_reason)).decode()
        typ = chr(buf[pos + 2]) if have > pos + 2 else "?"
        on_error(path, int(st.records) + 1, f"message {typ!r}: {reason}")
        st.records += 1
        return pos + int(st.bad_len)

    def scan(
        self,
        step: Callable[[str, Any, bytearray, int, int], tuple[int, bool]],
        on_error: Callable[[str, int, str], None],
    ) -> Iterator[bool]:
        """Read every file block by block; ``step(path, view, buf, pos, have)`` handles the
        records of ``buf[pos:have]`` and returns (the offset it got to, whether it needs more
        bytes). Yields False after each step, True at the end of each file."""
        # closed when this generator ends, also by an exception from step(): a traceback
        # would otherwise keep the file open and its decompression thread running
        with contextlib.closing(self.source.streams()) as streams:
            yield from self._scan_streams(streams, step, on_error)

    def _scan_streams(
        self,
        streams: Iterator[tuple[str, Any]],
        step: Callable[[str, Any, bytearray, int, int], tuple[int, bool]],
        on_error: Callable[[str, int, str], None],
    ) -> Iterator[bool]:
        st = self.state
        for path, f in streams:
            st.records = 0
            mapped = _mapped.mappable(path, f)
            left = None if mapped is None else (yield from self._scan_mapped(path, *mapped, step))
            if left is None:  # not mapped: read
                left = yield from self._scan_read(path, f, step)
            if left:
                on_error(path, int(st.records) + 1, f"the file ends inside a record ({left} bytes left)")
            self._index += int(st.records)
            yield True

    def _scan_read(
        self, path: str, f: Any, step: Callable[[str, Any, bytearray, int, int], tuple[int, bool]]
    ) -> Generator[bool, None, int]:
        """_scan_streams' loop over the file's read blocks; returns the bytes of a partial
        last record."""
        st = self.state
        # one buffer for the file, read into in place (no fresh bytes object per block):
        # a block plus the partial record left before it
        buf = bytearray(_READ_BYTES + _MAX_RECORD)
        mv = memoryview(buf)
        view = ffi.from_buffer("uint8_t[]", buf)
        have = 0
        eof = False
        while not eof:
            got = read_block(f, mv[have : have + _READ_BYTES], 0, path, int(st.records) + 1)
            eof = not got
            have += got
            pos = 0
            while True:
                pos, read_more = step(path, view, buf, pos, have)
                yield False
                if read_more:
                    break
            mv[: have - pos] = bytes(mv[pos:have])  # the partial record to the front
            have -= pos
        return have

    def _scan_mapped(
        self, path: str, fd: int, size: int, step: Callable[[str, Any, bytearray, int, int], tuple[int, bool]]
    ) -> Generator[bool, None, int | None]:
        """_scan_streams' loop over a plain file's mapped windows (:mod:`._mapped`) instead of
        read blocks: the decoder reads the page cache's pages, no copy of the file into the
        buffer (readinto was ~7 % of a replay of bench/feeds/bench_itch.py's file). Each
        window holds _MAP_BYTES from the first record not yet done (more than any record;
        a smaller _MAP_BYTES, as the tests set, doubles for a record the window cuts).
        Returns the bytes of a partial last record; None when the file cannot be mapped
        before any step (the caller reads it)."""
        window = _mapped.Window(fd, size)
        start, want = 0, _MAP_BYTES
        while True:
            try:
                m, have, pos, at_end = window.at(start, want)
            except (OSError, ValueError) as e:  # a file system that cannot map it, or it shrank
                if start == 0:
                    return None
                # as the Tardis scan's later window: the file and the record reached, not mmap's bare error
                raise FeedError(path, int(self.state.records) + 1, f"cannot map the file on: {e}") from None
            view = ffi.from_buffer("uint8_t[]", m)
            try:
                while True:
                    pos, read_more = step(path, view, m, pos, have)  # type: ignore[arg-type]  # m[i]: an int
                    yield False
                    if read_more:
                        break
            finally:
                ffi.release(view)
                _mapped.release(m)
            if at_end:
                return size - (window.base + pos)
            want = 2 * want if window.base + pos == start else _MAP_BYTES  # no whole record in it: wider
            start = window.base + pos


def error_batches(path: str, record: int, seq: int, reason: str) -> tuple[MboBatch, MessageBatch]:
    """A malformed record as a one-message ERROR batch of each kind (the engine applies the policy)."""
    z8, z64 = np.zeros(0, np.uint8), np.zeros(0, np.int64)
    one = np.array([record], np.int64)
    seqs = np.array([seq], np.int64)
    kind = np.array([Kind.ERROR], np.uint8)
    zero = np.zeros(1, np.int64)
    mbo = MboBatch(path, z8, z64.astype(np.uint64), z8, z64, z64.astype(np.uint64), zero, zero,
                   seqs, kind, one, {0: reason})  # fmt: skip
    return mbo, MessageBatch(path, z8, z64, z64, zero, zero, seqs, kind, one, notes={0: reason})


#: the decoder's output columns (tb_itch_rows) and the order log's (tb_olog_out):
#: name, dtype, rows per decoded row
ITCH_COLUMNS = (
    ("action", np.uint8, 1), ("order_id", np.uint64, 1), ("new_id", np.uint64, 1), ("side", np.uint8, 1),
    ("px", np.int64, 1), ("qty", np.uint64, 1), ("ts", np.int64, 1), ("record", np.int64, 1),
)  # fmt: skip
LOG_COLUMNS = (
    ("action", np.uint8, 3), ("order_id", np.uint64, 3), ("side", np.uint8, 3), ("px", np.int64, 3),
    ("qty", np.uint64, 3), ("mbo_end", np.int64, 1), ("l2_side", np.uint8, 3), ("l2_px", np.int64, 3),
    ("l2_qty", np.uint64, 3), ("l2_end", np.int64, 1),
)  # fmt: skip
#: the order log's columns an L2 batch takes
_L2_COLUMNS = ("l2_side", "l2_px", "l2_qty", "l2_end")
_CTYPES = {np.uint8: "uint8_t", np.uint64: "uint64_t", np.int64: "int64_t"}


class _SpareColumns:
    """Output column sets once handed to batches, taken again when no batch holds them.

    A batch holds views of its set, so while a caller keeps it (read_mbo into a list) the
    set's reference counts stay up and a fresh set is made; replay drops each batch once
    applied, so it cycles through a few sets instead of faulting fresh memory in for every
    block (page faults were a third of a replay's CPU)."""

    def __init__(self) -> None:
        #: (rows, spec, names) -> [(set, the reference counts of the set when no one else holds it)]
        self._sets: dict[Any, list[tuple[dict[str, np.ndarray], list[int]]]] = {}

    def take(
        self, rows: int, spec: tuple[tuple[str, type, int], ...], only: tuple[str, ...] | None
    ) -> dict[str, np.ndarray]:
        pool = self._sets.setdefault((rows, spec, only), [])
        for cols, free in pool:
            if _refcounts(cols) == free:
                return cols
        cols = _columns(rows, spec, only)
        pool.append((cols, _refcounts(cols)))
        return cols


def _refcounts(cols: dict[str, np.ndarray]) -> list[int]:
    return [sys.getrefcount(a) for a in cols.values()]


def _columns(
    rows: int, spec: tuple[tuple[str, type, int], ...], only: tuple[str, ...] | None = None
) -> dict[str, np.ndarray]:
    """Empty columns of ``spec`` (only the names in ``only``, if given)."""
    return {name: np.empty(rows * per, dtype) for name, dtype, per in spec if only is None or name in only}


def _bind(
    obj: Any, cols: dict[str, np.ndarray], keep: dict[str, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """Point the C struct's fields at the numpy columns (which must stay alive: the
    returned dict, ``keep`` updated by ``cols``, holds them)."""
    for name, arr in cols.items():
        setattr(
            obj, name, ffi.cast(f"{_CTYPES[arr.dtype.type]} *", ffi.from_buffer(arr, require_writable=True))
        )
    return {**(keep or {}), **cols}
