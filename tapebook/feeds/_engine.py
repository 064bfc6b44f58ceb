"""Applies message batches to a Book: policies, flags, BBO and depth rows, stats.

The loop over a batch runs in C (``tb_feed_run`` in csrc/tapebook/tb_feed_apply.h):
one call applies every message of the batch — deltas, snapshot resets,
full-book replacements, Kraken-style truncation — and writes a BBO row (and a
depth row) after each. It returns to Python only where a policy decides
(an ERROR or GAP message), where a venue checksum must be verified, or when
``on_crossed="raise"`` meets a crossed book; the loop then resumes where it
stopped. A venue checksum whose ChecksumSpec has ``c_params`` (Kraken, OKX) is
verified inside the loop: only a mismatch comes back. See ``_reader.py`` for what
readers hand over.

Snapshot loading: a SNAPSHOT / REPLACE message is ``reset`` (anchored at the
snapshot's mid) followed by ``apply`` of its rows, inside the C loop
(``tb_feed_run``). When the core gains a one-call "reset + bulk load", that is
the one place to use it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _args
from .. import _native as nat
from ..book import Book
from ..config import Instrument
from ..errors import ArgumentTypeError, ChecksumError, FeedError, GapError, InvalidArgumentError
from . import _formats, _itch_direct, _l3replay, _tardis_direct, itch
from ._reader import ON_CROSSED, ON_ERROR, ON_GAP, Kind, MessageBatch, ReaderOptions
from ._result import FeedResult, FeedStats
from ._schema import bbo_dtype, depth_dtype
from ._sink import MemorySink, ParquetSink, Sink
from ._source import Source

ffi, lib = nat.ffi, nat.lib

MAX_DEPTH = 1024  #: the largest depth=k
DEFAULT_MAX_CAP = 1 << 20  #: spill levels per side: a feed book must not drop levels
DEFAULT_MAX_ORDERS = 1 << 20  #: order-level formats: the L3Book's arena (replay(max_orders=...))
_STATE_COUNTERS = ("messages", "rows", "skipped", "stale", "resets", "resyncs", "crossed")


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidArgumentError(f"{name}={value!r} must be one of {', '.join(map(repr, choices))}")
    return str(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    return value


def _instrument(tick_size: Any, lot_size: Any, n: int) -> Instrument:
    return Instrument(symbol="", tick_size=tick_size, lot_size=lot_size, price_bits=64, n=n)


def _tape(n: Any, format: Any, tick_size: Any) -> int:
    """The replay's tape size: ``n`` when given (checked), else the format's default."""
    if n is not None:
        return _args.check_n(n)
    if format == "itch":
        return itch.tape_size(_instrument(tick_size, 1, 1024).tick_size)
    return 1024


def _reader(
    source: Any,
    format: str,
    instrument: Instrument,
    snapshot: Any,
    depth: int,
    on_gap: str,
    on_error: str,
    checksum: bool,
    batch_rows: int,
    extra: dict[str, Any],
    in_sync: bool = False,
) -> tuple[_formats.FormatSpec, Iterator[MessageBatch]]:
    spec = _formats.spec(format)
    if spec.needs_snapshot and snapshot is None:
        raise InvalidArgumentError(
            f"format {format!r} needs snapshot=: the venue's REST book "
            "(the stream has no snapshot of its own)"
        )
    src = Source(source)
    snap = Source(snapshot) if snapshot is not None else None
    opts = ReaderOptions(
        instrument=instrument,
        snapshot=snap,
        depth=depth,
        checksum=checksum,
        on_gap=on_gap,
        on_error=on_error,
        batch_rows=batch_rows,
        extra=extra,
        in_sync=in_sync,
    )
    return spec, spec.reader_class()(src, opts)


def read(
    source: Any,
    format: str,
    tick_size: Any,
    lot_size: Any,
    snapshot: Any = None,
    on_gap: str = "raise",
    on_error: str = "raise",
    checksum: bool = True,
    batch_rows: int = 1 << 16,
    **options: Any,
) -> Iterator[MessageBatch]:
    """Stream the reader's :class:`~tapebook.feeds.MessageBatch` objects: the venue's
    rows as int64 ticks / uint64 lots with their messages' kinds, timestamps and
    sequence numbers — the replay's input, without a book (docs/semantics.md §4).

    Arguments as in :func:`replay`. Policies are not applied here: ERROR and GAP
    messages are in the batches for the caller to see (their ``notes`` say why).
    """
    inst = _instrument(tick_size, lot_size, 1024)
    _choice("on_gap", on_gap, ON_GAP)
    _choice("on_error", on_error, ON_ERROR)
    _flag("checksum", checksum)
    rows = _args.check_range("batch_rows", batch_rows, 1, 1 << 26, "batch size")
    _spec, batches = _reader(source, format, inst, snapshot, 0, on_gap, on_error, checksum, rows, options)
    yield from batches


def replay(
    source: Any,
    format: str,
    tick_size: Any,
    lot_size: Any,
    snapshot: Any = None,
    depth: int = 0,
    on_gap: str = "raise",
    on_crossed: str = "keep",
    on_error: str = "raise",
    checksum: bool = True,
    progress: bool = False,
    *,
    n: int | None = None,
    max_cap: int = DEFAULT_MAX_CAP,
    max_orders: int = DEFAULT_MAX_ORDERS,
    out: Any = None,
    batch_rows: int = 1 << 16,
    **options: Any,
) -> FeedResult:
    """Replay venue data into a :class:`~tapebook.Book` (docs/semantics.md §4).

    Args:
        source: a path (``.gz`` / ``.zst`` decompressed by extension), a list of
            paths replayed as one stream, or a binary file object.
        format: one of :data:`tapebook.feeds.FORMATS`.
        tick_size, lot_size: decimal strings, ``Decimal`` or int (never float).
        snapshot: the REST book file, for formats without in-band snapshots
            (binance, binance-futures, bitstamp).
        depth: k > 0 records the best k levels per side after every message (``r.depth``).
        on_gap: "raise" (:class:`GapError`) or "resync" (skip to the next
            in-band snapshot; where the format has none, the replay stops there
            and ``r.status`` says why).
        on_crossed: "keep" (flag and count) or "raise" (:class:`FeedError`).
        on_error: "raise" (:class:`FeedError` naming path, line, reason) or
            "skip" (skip the message and count it).
        checksum: verify the venue's checksums where it sends them (a failure
            is a :class:`ChecksumError` under on_gap="raise", a resync otherwise).
        progress: print rows and rows/s to stderr while replaying.
        n: the book's tape size (None: 1024; for ``itch`` from ``tick_size``, see
            :func:`tapebook.feeds.itch.tape_size`); max_cap: its spill capacity per side (large, so
            that no level is ever dropped; ``r.levels_lost`` reports it if one was).
        max_orders: order-level formats: the arena of ``r.l3book`` (rows it refuses
            when full are counted in ``r.l3_counts["l3book_refused"]``); 0: no L3Book
            (``r.l3book`` is None; the BBO / depth series are the same).
        out: a path: stream the BBO (and depth) rows into this Parquet file as they
            are produced instead of keeping them in memory (``r.bbo`` reads it back).
        batch_rows: rows per batch (memory bound of the reader).
        options: format-specific options, passed to the reader.

    Returns a :class:`FeedResult` (an order-level format's: an ``L3FeedResult``, see
    ``tapebook/feeds/_l3replay.py``).
    """
    n = _tape(n, format, tick_size)
    inst = _instrument(tick_size, lot_size, n)
    if isinstance(depth, bool):
        raise ArgumentTypeError("depth must be an integer, got a bool")
    k = _args.check_range("depth", depth, 0, MAX_DEPTH, "depth")
    _choice("on_gap", on_gap, ON_GAP)
    _choice("on_crossed", on_crossed, ON_CROSSED)
    _choice("on_error", on_error, ON_ERROR)
    _flag("checksum", checksum)
    _flag("progress", progress)
    rows = _args.check_range("batch_rows", batch_rows, 1, 1 << 26, "batch size")
    spec, batches = _reader(source, format, inst, snapshot, k, on_gap, on_error, checksum, rows, options)
    if spec.level == "L3":  # order-level formats also fill an L3Book (r.l3book)
        orders = _args.check_range("max_orders", max_orders, 0, 1 << 30, "L3Book arena size")
        if orders:
            _l3replay.prepare(batches, n, orders, max_cap)
    book = Book(n=n, price_bits=64, max_cap=max_cap)
    sink: Sink = ParquetSink(out, k) if out is not None else MemorySink(k)
    engine = Engine(book, spec, inst, k, on_gap, on_crossed, on_error, checksum)
    report = _Progress() if progress else None
    it = iter(batches)
    try:
        if _itch_direct.applies(batches, sink):  # ITCH without an L3Book: bytes to BBO rows in C
            _itch_direct.replay(batches, engine, sink, report)
        elif _tardis_direct.applies(batches, engine, sink):  # Tardis CSV: bytes to BBO rows in C
            _tardis_direct.replay(batches, engine, sink, report)
        else:
            for batch in it:
                room = sink.room(batch.n_messages)
                rows_out, depth_out = engine.apply(batch, room)
                if room is None:
                    sink.write(rows_out, depth_out)
                else:
                    sink.commit(len(rows_out))
                if report is not None:
                    report(engine.stats)
                if engine.stopped:
                    break
    finally:
        _close(it)
        if report is not None:
            report.done(engine.stats)
        sink.close()
    result = (_l3replay.L3FeedResult if spec.level == "L3" else FeedResult)(
        sink,
        book,
        engine.stats,
        format=format,
        instrument=inst,
        status="stopped" if engine.stopped else "complete",
        stop_reason=engine.stop_reason,
    )
    if spec.level == "L3":
        _l3replay.attach(result, batches)
    return result


def _close(batches: Iterator[MessageBatch]) -> None:
    """Close a reader's batch generator now, not whenever its last reference goes (an
    exception's traceback keeps the caller's locals, ``it`` among them): a replay
    stopped early or raising closes its files and joins the source's decompression
    thread (_prefetch.py) before it returns or raises."""
    close = getattr(batches, "close", None)
    if close is not None:
        close()


def new_book(n: int = 1024) -> Book:
    """The book :func:`replay` starts from: 64-bit prices, tape size ``n``, a spill
    large enough never to drop a level."""
    return Book(n=n, price_bits=64, max_cap=DEFAULT_MAX_CAP)


def replay_into(
    source: Any,
    format: str,
    tick_size: Any,
    lot_size: Any,
    book: Book,
    sink: Callable[[np.ndarray, np.ndarray | None], None],
    *,
    continuing: bool = False,
    depth: int = 0,
    on_gap: str = "raise",
    on_crossed: str = "keep",
    on_error: str = "raise",
    checksum: bool = True,
    batch_rows: int = 1 << 16,
    **options: Any,
) -> tuple[FeedStats, str, str]:
    """:func:`replay` into a given ``book``, handing each batch's BBO rows (and depth
    rows, or None) to ``sink(rows, depth_rows)`` instead of keeping them — the seam
    :mod:`tapebook.dataset` replays partitions through.

    ``continuing=True``: the book holds the state the stream continues from (the
    previous file's final book), so book data before the file's first snapshot
    applies to it; only the formats in :data:`CONTINUABLE` can. Formats needing
    ``snapshot=`` are not taken. Returns ``(stats, status, stop_reason)`` with
    status "complete" or "stopped"; raises what :func:`replay` raises.
    """
    spec = _formats.spec(format)
    if continuing and spec.name not in _formats.CONTINUABLE:
        can = ", ".join(_formats.CONTINUABLE)
        raise InvalidArgumentError(f"format {format!r} cannot continue from a given book (formats: {can})")
    if not isinstance(book, Book) or book.price_bits != 64:
        raise ArgumentTypeError(f"book must be a 64-bit tapebook.Book (feeds.new_book), got {book!r}")
    inst = _instrument(tick_size, lot_size, book.n)
    k = _args.check_range("depth", depth, 0, MAX_DEPTH, "depth")
    _choice("on_gap", on_gap, ON_GAP)
    _choice("on_crossed", on_crossed, ON_CROSSED)
    _choice("on_error", on_error, ON_ERROR)
    _flag("checksum", checksum)
    rows = _args.check_range("batch_rows", batch_rows, 1, 1 << 26, "batch size")
    spec, batches = _reader(
        source, format, inst, None, k, on_gap, on_error, checksum, rows, options, in_sync=continuing
    )
    engine = Engine(book, spec, inst, k, on_gap, on_crossed, on_error, checksum)
    it = iter(batches)
    try:
        for batch in it:
            out, depth_out = engine.apply(batch)
            sink(out, depth_out)
            if engine.stopped:
                break
    finally:
        _close(it)
    return engine.stats, ("stopped" if engine.stopped else "complete"), engine.stop_reason


class Engine:
    """The book, the C loop's state and the policies of one replay."""

    #: verify checksums in the C loop where the batch's spec says how (False: every
    #: one in Python, through ChecksumSpec.compute — the tests compare the two)
    c_checksums = True
    #: apply message by message in the C loop (True: no traced runs of DELTA messages,
    #: tb_feed_apply.h's tb__feed_traced — the tests compare the two)
    per_message = False

    def __init__(
        self,
        book: Book,
        spec: _formats.FormatSpec,
        instrument: Instrument,
        depth: int,
        on_gap: str,
        on_crossed: str,
        on_error: str,
        checksum: bool,
    ) -> None:
        self.book = book
        self.spec = spec
        self.instrument = instrument
        self.depth = depth
        self.on_gap = on_gap
        self.on_crossed = on_crossed
        self.on_error = on_error
        self.checksum = checksum
        self.stats = FeedStats()
        self.stopped = False
        self.stop_reason = ""
        self._ops = lib.tb_feed_ops_for(book.n)
        self._st = ffi.new("tb_feed_state *")
        self._st.in_sync = 1
        self._in = ffi.new("tb_feed_batch *")
        # the level texts of the venue checksums, kept across batches (tb_venue_crc.h)
        self._crc_cache = ffi.new("tb_crc_cache *")
        self._in.crc_cache = self._crc_cache
        self._row_dtype = bbo_dtype()
        self._depth_dtype = depth_dtype(depth) if depth else None
        self._lv_cap = 0
        self._lv: Any = ffi.NULL
        self._base = dict.fromkeys(_STATE_COUNTERS, 0)
        self._checks_ok = 0  # checksums verified in Python (the C loop counts its own)

    def _levels_scratch(self, need: int) -> Any:
        if need > self._lv_cap:
            self._lv_cap = max(need, 64)
            self._lv = ffi.new("tb_level_i64[]", self._lv_cap)
        return self._lv

    def apply(
        self, b: MessageBatch, into: tuple[np.ndarray, np.ndarray | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Apply one batch; returns its BBO rows (and depth rows): the first rows of ``into``
        (a sink's room for the batch's messages) when given, else of new arrays."""
        m, nrows = b.n_messages, b.n_rows
        if into is None:
            out = np.empty(m, dtype=self._row_dtype)
            dout = np.empty(m, dtype=self._depth_dtype) if self._depth_dtype is not None else None
        else:
            out, dout = into
            assert len(out) >= m and (dout is None) == (self._depth_dtype is None)
            assert dout is None or len(dout) >= m
        if not m:  # nothing to apply (tb_feed_run refuses depth rows with no room for them)
            return out[:0], (dout[:0] if dout is not None else None)
        scratch = np.empty(nrows, dtype=np.int8)
        trunc = int(b.truncate)
        lv = self._levels_scratch(max(2 * self.depth, trunc + 64) if (self.depth or trunc) else 0)
        c = self._in
        keep = (
            ffi.from_buffer("uint8_t[]", b.side),
            ffi.from_buffer("int64_t[]", b.px),
            ffi.from_buffer("uint64_t[]", b.qty),
            ffi.from_buffer("int64_t[]", b.row_end),
            ffi.from_buffer("int64_t[]", b.ts),
            ffi.from_buffer("int64_t[]", b.seq),
            ffi.from_buffer("uint8_t[]", b.kind),
            ffi.from_buffer("int64_t[]", b.crc) if b.crc is not None else ffi.NULL,
        )
        c.side, c.px, c.qty, c.row_end, c.ts, c.seq, c.kind, c.crc = keep
        c.n_rows = nrows
        c.n_msgs = m
        c.truncate = trunc
        check = self.checksum and b.checksum is not None and b.crc is not None
        c.stop_on_crc = int(check)
        # a checksum the C loop can compute is verified there; only a mismatch comes back
        cp = b.checksum.c_params if check and b.checksum is not None and self.c_checksums else None
        c.crc_kind, c.crc_a, c.crc_b, c.crc_ea, c.crc_eb = cp if cp is not None else (0, 0, 0, 0, 0)
        c.crc_levels = b.checksum.levels if cp is not None and b.checksum is not None else 0
        c.stop_on_crossed = int(self.on_crossed == "raise")
        c.depth_k = self.depth
        c.per_message = int(self.per_message)
        st = self._st
        st.msg = 0
        st.out_rows = 0
        out_p = ffi.cast("tb_feed_row *", ffi.from_buffer(out, require_writable=True)) if m else ffi.NULL
        dout_p = ffi.NULL
        if dout is not None and m:
            dout_p = ffi.cast("int64_t *", ffi.from_buffer(dout, require_writable=True))
        scr = ffi.from_buffer("int8_t[]", scratch, require_writable=True) if nrows else ffi.NULL
        # a PooledBook counts the replay as a call in flight: a concurrent close()
        # of its pool waits for it instead of freeing the slot under it (multi.py)
        with self.book._pinned() as bp:
            while True:
                rc = lib.tb_feed_run(bp, self._ops, c, out_p, dout_p, scr, lv, self._lv_cap, st)
                if rc == lib.TB_FEED_DONE:
                    break
                if rc == lib.TB_FEED_CHECK:
                    self._verify(b, int(st.msg) - 1)
                elif rc == lib.TB_FEED_POLICY:
                    self._policy(b, int(st.msg))
                    st.msg += 1
                elif rc == lib.TB_FEED_CROSSED:
                    raise self.crossed_error(b.path, int(b.line[int(st.msg) - 1]), out[int(st.out_rows) - 1])
                elif rc == lib.TB_FEED_BOOK_ERROR:
                    r = int(st.bad_row)
                    row = (int(b.side[r]), int(b.px[r]), int(b.qty[r])) if r < nrows else None
                    raise self.book_error(b.path, int(b.line[int(st.msg)]), int(st.book_status), row)
                elif rc < 0:
                    why = nat.status_str(rc)
                    raise AssertionError(f"tb_feed_run: {why} (a reader produced an invalid batch)")
                if self.stopped:
                    break
        del keep
        self._sync_stats()
        n_out = int(st.out_rows)
        return out[:n_out], (dout[:n_out] if dout is not None else None)

    def crossed_error(self, path: str, line: int, row: np.void) -> FeedError:
        """on_crossed="raise": the message of ``line`` left this BBO ``row`` crossed."""
        px = self.instrument.ticks_to_prices([int(row["bid_px"]), int(row["ask_px"])], kind="str")
        return FeedError(
            path,
            line,
            f"the book is crossed after this message: best bid {px[0].decode()} >= best ask "
            f"{px[1].decode()} (on_crossed='raise')",
        )

    def book_error(self, path: str, line: int, status: int, row: tuple[int, int, int] | None) -> FeedError:
        """The book refused a level ``row`` (side, ticks, lots; None: not a row of the message)."""
        detail = ""
        if row is not None:
            detail = f" ({'bid' if row[0] else 'ask'} at {row[1]} ticks, {row[2]} lots)"
        return FeedError(path, line, f"the book refused a row{detail}: {nat.status_str(status)}")

    def _sync_stats(self) -> None:
        st = self._st
        for name in _STATE_COUNTERS:
            setattr(self.stats, name, int(getattr(st, name)))
        self.stats.checksums_ok = self._checks_ok + int(st.checksums_ok)

    def _lose_sync(self, path: str, line: int, why: str) -> None:
        self._st.in_sync = 0
        if not self.spec.in_band_snapshots:
            self.stopped = True
            self.stop_reason = (
                f"{path}:{line}: {why}; format {self.spec.name!r} has no in-band snapshot to resync "
                "from, so the replay stopped here"
            )

    def _policy(self, b: MessageBatch, i: int) -> None:
        kind, line = int(b.kind[i]), int(b.line[i])
        note = b.notes.get(i, "invalid message")
        if kind == Kind.ERROR:
            if self.on_error == "raise":
                raise FeedError(b.path, line, note)
            self._st.skipped += 1
            return
        # a GAP
        self.stats.gaps += 1
        if self.on_gap == "raise":
            raise GapError(b.path, line, note)
        self._lose_sync(b.path, line, note)

    def _verify(self, b: MessageBatch, i: int) -> None:
        spec = b.checksum
        assert spec is not None and b.crc is not None
        bids = self.book.levels_array(1, spec.levels)
        asks = self.book.levels_array(0, spec.levels)
        got = int(spec.compute(bids, asks)) & 0xFFFFFFFF
        want = int(b.crc[i])
        if got == want:  # (only when the C loop does not verify this checksum itself)
            self._checks_ok += 1
            self._sync_stats()
            return
        self.stats.checksums_failed += 1
        line = int(b.line[i])
        why = (
            f"checksum mismatch: the venue sent {want}, the book gives {got} "
            f"({spec.name} over the top {spec.levels} levels)"
        )
        if self.on_gap == "raise":
            raise ChecksumError(b.path, line, why)
        self._lose_sync(b.path, line, why)


class _Progress:
    """rows and rows/s on stderr, at most every half second."""

    def __init__(self, stream: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.clock = clock
        self.t0 = clock()
        self.last = 0.0

    def line(self, stats: FeedStats) -> str:
        dt = max(self.clock() - self.t0, 1e-9)
        return (
            f"\r{stats.rows:>14,} rows  {stats.messages:>12,} messages  "
            f"{stats.rows / dt / 1e6:7.2f} M rows/s  {dt:7.1f} s"
        )

    def __call__(self, stats: FeedStats) -> None:
        now = self.clock()
        if now - self.last >= 0.5:
            self.last = now
            self.stream.write(self.line(stats))
            self.stream.flush()

    def done(self, stats: FeedStats) -> None:
        self.stream.write(self.line(stats) + "\n")
        self.stream.flush()
