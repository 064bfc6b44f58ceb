"""Binance diff-depth lines to replay messages in C (``tb_json_sync.h``).

One C call per chunk of lines recognises the common ``depthUpdate`` frame shape
(bare or in the combined-stream wrapper), converts its prices and quantities
exactly, applies the venue's sync rules and writes the message columns of a
:class:`MessageBatch` — Python touches a buffer, not a frame. Every line the C
code is not sure about (another shape, a value that does not convert, a gap)
comes back here *in order* and goes through the reader's fully checked
``_one``, with the sync state copied across before and after, so behaviour for
anything unusual is the msgspec path's. ``TAPEBOOK_JSON_SCAN=0`` in the
environment forces the msgspec path for every line (the differential test
compares both).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._args import raise_status
from .._native import ffi, lib
from ._reader import MessageBatch, MessageBuilder

#: set to "0" to replay Binance frames through msgspec only
SCAN_ENV = "TAPEBOOK_JSON_SCAN"

_MSGS_EXTRA = 256  #: messages without rows (stale, other symbols) a batch holds beyond batch_rows


def scan_enabled() -> bool:
    """Whether the Binance readers use the C scanner (the default)."""
    return os.environ.get(SCAN_ENV, "1") != "0"


class _Out:
    """The message columns (numpy) the C code appends to, and the struct pointing at them."""

    def __init__(self, rows_cap: int, msgs_cap: int) -> None:
        self.c = ffi.new("tb_jsync_out *")
        self.notes: dict[int, str] = {}
        self._alloc(rows_cap, msgs_cap)

    def _alloc(self, rows_cap: int, msgs_cap: int) -> None:
        self.side = np.empty(rows_cap, np.uint8)
        self.px = np.empty(rows_cap, np.int64)
        self.qty = np.empty(rows_cap, np.uint64)
        self.row_end = np.empty(msgs_cap, np.int64)
        self.ts = np.empty(msgs_cap, np.int64)
        self.seq = np.empty(msgs_cap, np.int64)
        self.line = np.empty(msgs_cap, np.int64)
        self.kind = np.empty(msgs_cap, np.uint8)
        c = self.c
        c.side = ffi.from_buffer("uint8_t[]", self.side)
        c.px = ffi.from_buffer("int64_t[]", self.px)
        c.qty = ffi.from_buffer("uint64_t[]", self.qty)
        c.row_end = ffi.from_buffer("int64_t[]", self.row_end)
        c.ts = ffi.from_buffer("int64_t[]", self.ts)
        c.seq = ffi.from_buffer("int64_t[]", self.seq)
        c.line = ffi.from_buffer("int64_t[]", self.line)
        c.kind = ffi.from_buffer("uint8_t[]", self.kind)
        c.rows_cap, c.msgs_cap = rows_cap, msgs_cap
        c.n_rows = c.n_msgs = 0
        self.notes = {}

    @property
    def n_msgs(self) -> int:
        return int(self.c.n_msgs)

    def grow(self) -> None:
        """Twice the rows (only when empty: a line with more levels than rows_cap)."""
        assert self.n_msgs == 0
        self._alloc(2 * int(self.c.rows_cap), int(self.c.msgs_cap))

    def fits(self, b: MessageBatch) -> bool:
        c = self.c
        return b.n_messages <= c.msgs_cap - c.n_msgs and b.n_rows <= c.rows_cap - c.n_rows

    def append(self, b: MessageBatch) -> None:
        """The messages of a batch of the checked path, after the ones already here."""
        c = self.c
        while not self.fits(b):  # only when empty: a message larger than the arrays
            self._alloc(2 * int(c.rows_cap), 2 * int(c.msgs_cap))
        m, r = int(c.n_msgs), int(c.n_rows)
        m1, r1 = m + b.n_messages, r + b.n_rows
        self.side[r:r1], self.px[r:r1], self.qty[r:r1] = b.side, b.px, b.qty
        self.row_end[m:m1] = b.row_end + r
        self.ts[m:m1], self.seq[m:m1], self.kind[m:m1], self.line[m:m1] = b.ts, b.seq, b.kind, b.line
        for i, note in b.notes.items():
            self.notes[m + i] = note
        c.n_msgs, c.n_rows = m1, r1

    def take(self, path: str, reader: Any) -> MessageBatch:
        """The messages so far as a batch (the arrays go with it; fresh ones here)."""
        m, n = self.n_msgs, int(self.c.n_rows)
        batch = MessageBatch(
            path, self.side[:n], self.px[:n], self.qty[:n], self.row_end[:m], self.ts[:m], self.seq[:m],
            self.kind[:m], self.line[:m], checksum=reader.checksum_spec, truncate=reader.truncate,
            notes=self.notes,
        )  # fmt: skip
        self._alloc(int(self.c.rows_cap), int(self.c.msgs_cap))
        return batch


def _to_python(st: Any, reader: Any) -> None:
    """The C sync state into the reader (before its checked path takes a line)."""
    reader.synced = bool(st.synced)
    reader.book_id = int(st.book_id) if st.have_book_id else None
    symbol_to_python(st, reader)


def _from_python(reader: Any, st: Any) -> None:
    """The reader's sync state into C (at the start and after a checked line)."""
    st.synced = int(reader.synced)
    st.have_book_id = int(reader.book_id is not None)
    st.book_id = reader.book_id if reader.book_id is not None else 0
    symbol_from_python(reader, st)


def symbol_to_python(st: Any, reader: Any) -> None:
    """The symbol the C loop took (``sym_state`` 1) into a reader that has none yet."""
    if st.sym_state == 1 and reader.symbol is None:
        reader.symbol = ffi.buffer(st.symbol, st.sym_len)[:].decode("ascii")


def symbol_from_python(reader: Any, st: Any) -> None:
    """The reader's symbol into a C state that has none yet (too long for C: sym_state 2,
    every frame to Python)."""
    if st.sym_state == 0 and reader.symbol is not None:
        raw = reader.symbol.encode("utf-8", "surrogatepass")
        if len(raw) <= lib.TB_JSYNC_SYMBOL:  # a symbol C cannot hold: every frame to Python
            ffi.memmove(st.symbol, raw, len(raw))
            st.sym_len = len(raw)
            st.sym_state = 1
        else:
            st.sym_state = 2


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, frames of the common shape through the C sync loop."""
    first = reader.initial()
    if first is not None:
        yield first
    tick, lot = reader.opts.instrument._units()
    st = ffi.new("tb_jsync_binance *")
    st.tick, st.lot = tick.c, lot.c
    st.futures = int(reader.futures)
    st.last_update_id = reader.last_update_id
    yield from run_batches(reader, st, lib.tb_jsync_binance_run, _to_python, _from_python)


def run_batches(
    reader: Any, st: Any, run: Callable[..., int],
    to_python: Callable[[Any, Any], None], from_python: Callable[[Any, Any], None],
) -> Iterator[MessageBatch]:  # fmt: skip
    """The sync loop shared by the venues: ``run`` (a ``tb_jsync_*_run``) over each
    chunk, every handed-back line through the reader's checked ``_one`` with the sync
    state copied across (``to_python`` before, ``from_python`` after and at the start)."""
    inst, batch_rows = reader.opts.instrument, max(1, reader.opts.batch_rows)
    from_python(reader, st)
    out = _Out(batch_rows, batch_rows + _MSGS_EXTRA)
    consumed = ffi.new("size_t *")
    path = ""
    for ch in reader.source.chunks():
        if ch.path != path:
            if out.n_msgs:
                yield out.take(path, reader)
            path = ch.path
        data, pos = ch.data, 0
        st.line = ch.first_line
        cdata = ffi.from_buffer("char[]", data)
        while pos < len(data):
            rc = run(st, cdata + pos, len(data) - pos, 1, out.c, consumed)
            if rc < 0:  # arguments this module built: a bug here, not bad input
                raise_status(rc, "tb_jsync_*_run")
            pos += int(consumed[0])
            if rc == lib.TB_JSYNC_DONE:
                break
            if rc == lib.TB_JSYNC_FULL:
                if out.n_msgs:
                    yield out.take(path, reader)
                else:
                    out.grow()
                continue
            # TB_JSYNC_HANDBACK: the line at pos is the checked path's
            nl = data.find(b"\n", pos)
            end = len(data) if nl < 0 else nl
            raw, ln = data[pos:end], int(st.line)
            pos, st.line = end + 1, ln + 1
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw.strip():
                continue
            to_python(st, reader)
            b = MessageBuilder(inst, path, batch_rows)
            stop = reader._one(b, raw, ln)
            from_python(reader, st)
            mb = reader._flush(b)
            if not out.fits(mb) and out.n_msgs:
                yield out.take(path, reader)
            out.append(mb)
            if stop:
                yield out.take(path, reader)
                return
        del cdata
    if out.n_msgs:
        yield out.take(path, reader)
