"""Tardis CSV without a batch: the file's bytes to the replay's BBO rows in one C call per block.

The reader path (:mod:`tapebook.feeds._tardis_scan`) scans a batch of rows into numpy
columns, hands it to the engine, whose C loop applies it, and allocates the next batch's
columns. Here ``tb_tardis_run_block`` (csrc/tapebook/tb_tardis_run.h) runs the same two C
steps — the scanner, then the replay loop over the messages it closed — on one set of
columns reused from block to block, writing the rows straight into the sink's room.
Python only reads blocks and applies the policies where the C loop stops. The output is
the reader path's (the tests compare the two: ``TAPEBOOK_TARDIS_DIRECT=0`` keeps the
reader path).
"""

from __future__ import annotations

import os
from typing import IO, Any

import numpy as np

from .._native import ffi, lib
from ..errors import FeedError
from ._reader import MessageBatch
from ._sink import MemorySink, Sink
from ._tardis_scan import Block, TardisScanReader, _Out, release


def applies(reader: Any, engine: Any, sink: Sink) -> bool:
    """The direct path serves this replay: the C scanner's reader, no depth rows, rows kept in
    memory, and not switched off (``TAPEBOOK_TARDIS_DIRECT=0``)."""
    return (
        isinstance(getattr(reader, "_impl", None), TardisScanReader)
        and engine.depth == 0
        and isinstance(sink, MemorySink)
        and os.environ.get("TAPEBOOK_TARDIS_DIRECT", "1") != "0"
    )


class _Run:
    """One replay's C state: the driver's struct, the scanner's columns, their scratch."""

    def __init__(self, scan: TardisScanReader, engine: Any, sink: MemorySink, report: Any) -> None:
        self.scan = scan
        self.engine = engine
        self.sink = sink
        self.report = report
        self.c = ffi.new("tb_tardis_run *")
        self.out = _Out(max(1, scan.options.batch_rows))
        self.scratch = ffi.new("int8_t[]", int(self.out.c.rows_cap))
        self.stop_on_crossed = int(engine.on_crossed == "raise")
        self.notes: dict[int, str] = {}  # ERROR messages' reasons by seq (out's indices move)

    def file(self, path: str, f: IO[bytes], bp: Any) -> None:
        """Replay one file (its rows into the sink)."""
        head = self.scan.begin(path, f)
        if head is None:
            return  # an empty file: no header, no rows
        buf, have, pos, eof = head
        symbol: tuple[int, str] | None = None  # a second symbol: stop after the messages before it
        try:
            while True:
                more = symbol is None
                size, final = (have - pos, int(eof)) if more else (0, 0)
                rc, rows, n, used = self._call(bp, buf, pos, size, final)
                pos += used
                if rc == lib.TB_TARDIS_RUN_DONE:
                    if symbol is not None:
                        raise FeedError(path, *symbol)
                    if eof:
                        return
                    buf, have, pos, eof = self.scan.refill(f, path, buf, pos, have)
                elif rc == lib.TB_TARDIS_RUN_ERRS:
                    notes: dict[int, str] = {}
                    symbol = self.scan._drain(self.out, notes) or symbol
                    for i, note in notes.items():
                        self.notes[int(self.out.seq[i])] = note
                elif rc == lib.TB_TARDIS_RUN_GROW:  # one message larger than the columns
                    self.out.take(self.scan._st, path, {}, grow=True)
                    self.scratch = ffi.new("int8_t[]", int(self.out.c.rows_cap))
                elif rc != lib.TB_TARDIS_RUN_ROOM:
                    self._stop(rc, path, rows, n)
                    if self.engine.stopped:
                        return
        finally:  # an exception must not keep a window mapped (its traceback holds buf)
            release(buf)

    def _call(self, bp: Any, buf: Block, pos: int, size: int, final: int) -> tuple[int, np.ndarray, int, int]:
        """One call of the driver over buf[pos:pos + size]: (its status, the room, the rows
        written, the bytes consumed)."""
        room = int(self.out.c.msgs_cap)
        rows, _ = self.sink.room(room)
        rows_p = ffi.cast("tb_feed_row *", ffi.from_buffer(rows, require_writable=True))
        cbuf = ffi.from_buffer("char[]", buf, require_writable=True)
        e = self.engine
        rc = lib.tb_tardis_run_block(
            self.c, self.scan._st, cbuf + pos, size, final, self.out.c, bp, e._ops,
            self.stop_on_crossed, rows_p, room, self.scratch, e._st,
        )  # fmt: skip
        del cbuf, rows_p
        n = int(self.c.msgs)
        self.sink.commit(n)
        e._sync_stats()
        if self.report is not None:
            self.report(e.stats)
        assert rc >= 0, f"tb_tardis_run_block: {rc}"
        return rc, rows, n, int(self.c.consumed)

    def _stop(self, rc: int, path: str, rows: np.ndarray, n: int) -> None:
        """The replay loop stopped at out's message st.msg: a policy, or an error to raise."""
        e, out, i = self.engine, self.out, int(self.engine._st.msg)
        if rc == lib.TB_FEED_POLICY:
            seq = int(out.seq[i])
            note = {0: self.notes.pop(seq)} if seq in self.notes else {}
            one = MessageBatch(
                path, np.empty(0, np.uint8), np.empty(0, np.int64), np.empty(0, np.uint64),
                np.zeros(1, np.int64), out.ts[i : i + 1], out.seq[i : i + 1], out.kind[i : i + 1],
                out.line[i : i + 1], notes=note,
            )  # fmt: skip
            e._policy(one, 0)
            e._st.msg += 1
            return
        if rc == lib.TB_FEED_CROSSED:
            raise e.crossed_error(path, int(out.line[i - 1]), rows[n - 1])
        if rc == lib.TB_FEED_BOOK_ERROR:
            m = int(out.c.n_msgs)
            r, closed = int(e._st.bad_row), int(out.row_end[m - 1])
            row = (int(out.side[r]), int(out.px[r]), int(out.qty[r])) if r < closed else None
            raise e.book_error(path, int(out.line[i]), int(e._st.book_status), row)
        raise AssertionError(f"tb_tardis_run_block returned {rc}")  # pragma: no cover - no checksums here


def replay(reader: Any, engine: Any, sink: Sink, report: Any) -> None:
    """Replay every file of the reader into engine.book, the rows into sink (a MemorySink)."""
    assert isinstance(sink, MemorySink)
    run = _Run(reader._impl, engine, sink, report)
    streams = run.scan.source.streams()
    try:
        with engine.book._pinned() as bp:
            for path, f in streams:
                run.file(path, f, bp)
                if engine.stopped:
                    break
    finally:
        streams.close()
    engine._sync_stats()
