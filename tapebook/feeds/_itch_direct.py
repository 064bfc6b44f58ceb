"""ITCH without an L3Book: the file's bytes to the replay's BBO rows in one C call per block.

``feeds.replay(format="itch", max_orders=0)`` needs the BBO (and depth) series only.
The reader path decodes a block into numpy columns, logs them into MBO and level
columns, hands those to the engine as a batch and joins the results; here
``tb_itch_run_block`` (csrc/tapebook/tb_itch_run.h) runs the same three C steps —
decode, order log, replay loop — over small chunks that stay in the cache, writing
the rows straight into the sink's room. The output is the reader path's (the tests
compare the two: ``TAPEBOOK_ITCH_DIRECT=0`` keeps the reader path).
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import numpy as np

from .._native import ffi, lib
from ..errors import FeedError
from ._mbo import overflow_note
from ._reader import MessageBatch
from ._sink import MemorySink, Sink
from .itch import ItchReader, error_batches


class Engine(Protocol):
    """What this path uses of the replay's ``_engine.Engine`` (named here, not imported:
    _engine imports this module)."""

    depth: int
    on_crossed: str
    book: Any
    stats: Any
    _lv_cap: int
    _ops: Any
    _st: Any

    def _levels_scratch(self, need: int) -> Any: ...
    def _policy(self, b: MessageBatch, i: int) -> None: ...
    def _sync_stats(self) -> None: ...
    def crossed_error(self, path: str, line: int, row: np.void) -> FeedError: ...
    def book_error(
        self, path: str, line: int, status: int, row: tuple[int, int, int] | None
    ) -> FeedError: ...


#: BBO rows per call (the sink's room)
ROOM = 1 << 16


def applies(reader: Any, sink: Sink) -> bool:
    """The direct path serves this replay: an ITCH reader that feeds no L3Book, rows kept in
    memory, and not switched off (``TAPEBOOK_ITCH_DIRECT=0``)."""
    return (
        isinstance(reader, ItchReader)
        and reader.mbo_sink is None
        and isinstance(sink, MemorySink)
        and os.environ.get("TAPEBOOK_ITCH_DIRECT", "1") != "0"
    )


def replay(reader: ItchReader, engine: Engine, sink: Sink, report: Any) -> None:
    """Replay every file of the reader into engine.book, the rows into sink (a MemorySink)."""
    assert isinstance(sink, MemorySink)
    run = ffi.new("tb_itch_run *")
    depth = engine.depth
    lv = engine._levels_scratch(2 * depth) if depth else ffi.NULL
    lv_cap = engine._lv_cap if depth else 0
    stop_on_crossed = int(engine.on_crossed == "raise")
    st, fst = reader.state, engine._st

    def on_error(path: str, record: int, reason: str) -> None:
        engine._policy(error_batches(path, record, reader._index + record - 1, reason)[1], 0)

    def step(path: str, view: Any, buf: bytearray, pos: int, have: int) -> tuple[int, bool]:
        out, dout = sink.room(ROOM)
        out_p = ffi.cast("tb_feed_row *", ffi.from_buffer(out, require_writable=True))
        dout_p = (
            ffi.cast("int64_t *", ffi.from_buffer(dout, require_writable=True))
            if dout is not None
            else ffi.NULL
        )
        rc = lib.tb_itch_run_block(
            run, st, reader._olog, bp, engine._ops, view + pos, have - pos, reader.px_div, reader.qty_div,
            stop_on_crossed, depth, out_p, dout_p, ROOM, lv, lv_cap, fst,
        )  # fmt: skip
        n = int(run.msgs)
        sink.commit(n)
        engine._sync_stats()
        if report is not None:
            report(engine.stats)
        pos += int(run.consumed)
        if rc == lib.TB_ITCH_RUN_DONE:
            return pos, n < ROOM  # else the room is full: more of this block
        if rc == lib.TB_ITCH_RUN_BAD:
            return reader.skip_bad_record(path, buf, pos, have, on_error), False
        line = int(run.line)
        if rc == lib.TB_FEED_CROSSED:
            raise engine.crossed_error(path, line, out[n - 1])
        if rc == lib.TB_FEED_BOOK_ERROR:
            row = (int(run.bad_side), int(run.bad_px), int(run.bad_qty)) if run.bad_side <= 1 else None
            raise engine.book_error(path, line, int(run.book_status), row)
        if rc == lib.TB_ERR_OVERFLOW:  # record `line` refused (level_overflow): an ERROR message, as
            on_error(path, line, overflow_note(int(run.bad_px)))  # the reader path's; under "skip"
            return pos, False  # the next call takes up the records after it
        if rc == lib.TB_ERR_NOMEM:
            raise MemoryError("itch: the order log could not grow")
        raise AssertionError(f"tb_itch_run_block returned {rc}")  # pragma: no cover - arguments are checked

    lib.tb_itch_run_init(run, reader._index)
    with engine.book._pinned() as bp:
        for file_end in reader.scan(step, on_error):
            if file_end:  # the next file's seq numbers continue after this one's records
                lib.tb_itch_run_init(run, reader._index)
    reader._sync_counts()
    engine._sync_stats()
