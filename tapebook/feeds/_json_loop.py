"""The driver every JSON venue's C sync path shares (``tb_json_lines.h``).

One C call per chunk of lines (a venue's ``tb_jsync_*_run``) recognises the
venue's common frame shape, converts prices and sizes exactly, applies the
venue's sync rules and writes the message columns of a :class:`MessageBatch` —
Python touches a buffer, not a frame. Every line the C code is not sure about
(another shape, a value that does not convert, a gap) comes back here *in order*
and goes through the reader's fully checked ``_one``, with the sync state copied
across before and after, so behaviour for anything unusual is the msgspec
path's. ``TAPEBOOK_JSON_SCAN=0`` in the environment forces the msgspec path for
every line (the differential tests compare both).

A venue is a :class:`LoopVenue`: its C state type and run function, and how its
own state fields (beyond the shared ``tb_jsync_head``: units, ``synced``, the
symbol, the line) move between the C state and the reader.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._args import raise_status
from .._native import ffi, lib
from ._out_columns import CRC_COLUMN, MSG_COLUMNS, ROW_COLUMNS, bind_columns
from ._reader import MessageBatch, MessageBuilder
from ._source import line_blocks

#: set to "0" to replay the JSON venues' frames through msgspec only
SCAN_ENV = "TAPEBOOK_JSON_SCAN"

_MSGS_EXTRA = 256  #: messages without rows (stale, other symbols) a batch holds beyond batch_rows


def scan_enabled() -> bool:
    """Whether the JSON venue readers use their C sync loop (the default)."""
    return os.environ.get(SCAN_ENV, "1") != "0"


@dataclass(frozen=True)
class LoopVenue:
    """One venue on the shared loop.

    ``ctype`` is its C state (``"tb_jsync_bybit *"``), ``run`` its ``tb_jsync_*_run``;
    ``to_python(st, reader)`` / ``from_python(reader, st)`` copy the venue's own sync
    fields (the head's are copied here); ``setup(reader, st)`` sets the constants of
    the replay (after ``reader.initial()``), if any.
    """

    ctype: str
    run: Callable[..., int]
    to_python: Callable[[Any, Any], None]
    from_python: Callable[[Any, Any], None]
    setup: Callable[[Any, Any], None] | None = None


class Out:
    """The message columns (numpy) the C code appends to, and the struct pointing at them."""

    def __init__(self, rows_cap: int, msgs_cap: int) -> None:
        self.c = ffi.new("tb_jsync_out *")
        self.notes: dict[int, str] = {}
        self._alloc(rows_cap, msgs_cap)

    def _alloc(self, rows_cap: int, msgs_cap: int) -> None:
        c = self.c
        bind_columns(self, c, ROW_COLUMNS, rows_cap)
        bind_columns(self, c, MSG_COLUMNS + CRC_COLUMN, msgs_cap)
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
        self.crc[m:m1] = -1 if b.crc is None else b.crc
        for i, note in b.notes.items():
            self.notes[m + i] = note
        c.n_msgs, c.n_rows = m1, r1

    def take(self, path: str, reader: Any) -> MessageBatch:
        """The messages so far as a batch (the arrays go with it; fresh ones here)."""
        m, n = self.n_msgs, int(self.c.n_rows)
        crc = self.crc[:m] if (self.crc[:m] >= 0).any() else None  # as MessageBuilder: None when none sent
        batch = MessageBatch(
            path, self.side[:n], self.px[:n], self.qty[:n], self.row_end[:m], self.ts[:m], self.seq[:m],
            self.kind[:m], self.line[:m], crc=crc, checksum=reader.checksum_spec, truncate=reader.truncate,
            notes=self.notes,
        )  # fmt: skip
        self._alloc(int(self.c.rows_cap), int(self.c.msgs_cap))
        return batch


def _head_to_python(head: Any, reader: Any) -> None:
    """The shared C sync state into the reader: ``synced`` and the symbol the C loop
    took (``sym_state`` 1) when the reader has none yet."""
    reader.synced = bool(head.synced)
    if head.sym_state == 1 and reader.symbol is None:
        reader.symbol = ffi.buffer(head.symbol, head.sym_len)[:].decode("ascii")


def _head_from_python(reader: Any, head: Any) -> None:
    """The reader's shared sync state into C: ``synced``, and its symbol when C has
    none yet (one too long for C: ``sym_state`` 2, every frame to Python)."""
    head.synced = int(reader.synced)
    if head.sym_state == 0 and reader.symbol is not None:
        raw = reader.symbol.encode("utf-8", "surrogatepass")
        if len(raw) <= lib.TB_JSYNC_SYMBOL:
            ffi.memmove(head.symbol, raw, len(raw))
            head.sym_len = len(raw)
            head.sym_state = 1
        else:
            head.sym_state = 2


def new_state(reader: Any, venue: LoopVenue) -> Any:
    """The venue's C state for the reader: units, the replay's constants, and the
    reader's sync state copied in."""
    st = ffi.new(venue.ctype)
    tick, lot = reader.opts.instrument._units()
    st.head.tick, st.head.lot = tick.c, lot.c
    if venue.setup is not None:
        venue.setup(reader, st)
    _head_from_python(reader, st.head)
    venue.from_python(reader, st)
    return st


def scan_batches(reader: Any, venue: LoopVenue) -> Iterator[MessageBatch]:
    """The reader's batches: its initial one (a REST snapshot), then every chunk
    through the venue's C loop, every handed-back line through the reader's checked
    ``_one`` with the sync state copied across (to Python before, back after)."""
    first = reader.initial()
    if first is not None:
        yield first
    st = new_state(reader, venue)
    head, run = st.head, venue.run
    inst, batch_rows = reader.opts.instrument, max(1, reader.opts.batch_rows)
    out = Out(batch_rows, batch_rows + _MSGS_EXTRA)
    consumed = ffi.new("size_t *")
    path = ""
    # the C loop counts the lines (head.line): the source need not count them too
    for path_i, f in reader.source.streams():
        for first, data, n in line_blocks(path_i, f, reader.source.chunk_bytes, lambda: int(head.line)):
            if path_i != path:
                if out.n_msgs:
                    yield out.take(path, reader)
                path = path_i
            pos = 0
            head.line = first
            cdata = ffi.from_buffer("char[]", data)
            while pos < n:
                rc = run(st, cdata + pos, n - pos, 1, out.c, consumed)
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
                nl = data.find(b"\n", pos, n)
                end = n if nl < 0 else nl
                raw, ln = bytes(data[pos:end]), int(head.line)
                pos, head.line = end + 1, ln + 1
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                if not raw.strip():
                    continue
                _head_to_python(head, reader)
                venue.to_python(st, reader)
                b = MessageBuilder(inst, path, batch_rows)
                stop = reader._one(b, raw, ln)
                _head_from_python(reader, head)
                venue.from_python(reader, st)
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
