"""Tardis ``incremental_book_L2`` CSV through the fused C scanner (tb_tardis_scan.h).

One C call per block of bytes (``BLOCK_BYTES``) splits the lines into fields,
converts timestamps, prices and amounts exactly, groups the rows into messages
and writes the columns the replay loop consumes; Python only moves blocks and
turns the scanner's error records into ``FeedError`` reasons. The rules are
those of the module docstring of :mod:`tapebook.feeds.tardis`, and the
differential test (tests/python/feeds/test_tardis_scan.py) holds this path to
the pyarrow one (``parser="arrow"``) on random and broken files.

Memory is bounded: one block buffer (grown only for a line longer than it) or, for a
plain file given by path, one mapped window of it (:mod:`._mapped`: no copy of the bytes),
one batch of ``batch_rows`` rows.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from .. import _decimal as dcol
from .._native import ffi, lib
from ..errors import FeedError
from . import _mapped
from ._out_columns import MSG_COLUMNS, ROW_COLUMNS, bind_columns
from ._reader import MessageBatch, ReaderOptions
from ._source import MAX_LINE_BYTES, Source, read_block

BLOCK_BYTES = 1 << 21  #: bytes scanned per C call
#: bytes of a plain file mapped at a time, past the line not yet scanned (2 to 64 MB replay at
#: the same speed; the smaller, the fewer pages mapped at once)
WINDOW_BYTES = 1 << 22
_ERRS_CAP = 256  #: error records per call (drained after each)
_BOM = b"\xef\xbb\xbf"
Block = bytearray | mmap.mmap  #: the bytes a scan runs over: a read buffer or a mapped window

#: the columns of an incremental_book_L2 file
INCREMENTAL_COLUMNS = (
    "exchange",
    "symbol",
    "timestamp",
    "local_timestamp",
    "is_snapshot",
    "side",
    "price",
    "amount",
)
#: header name -> the scanner's column role (other columns are not read)
ROLES = {
    "symbol": lib.TB_TARDIS_SYMBOL,
    "timestamp": lib.TB_TARDIS_TIMESTAMP,
    "local_timestamp": lib.TB_TARDIS_LOCAL_TS,
    "is_snapshot": lib.TB_TARDIS_IS_SNAPSHOT,
    "side": lib.TB_TARDIS_SIDE,
    "price": lib.TB_TARDIS_PRICE,
    "amount": lib.TB_TARDIS_AMOUNT,
}
_NAME_OF_ROLE = {v: k for k, v in ROLES.items()}
_US = dcol.Unit(Decimal(1), "microseconds")


def header_roles(path: str, header: bytes, required: tuple[str, ...]) -> bytes:
    """The role of each column of a header line (a FeedError at line 1 when a
    required column is missing, repeated, or there are too many columns)."""
    text = header.decode("utf-8", errors="replace")
    names = next(csv.reader([text])) if text else []
    missing = [c for c in required if c not in names]
    if missing:
        raise FeedError(path, 1, f"not a Tardis incremental_book_L2 file: no column(s) {', '.join(missing)}")
    if len(names) > lib.TB_TARDIS_MAX_FIELDS:
        most = lib.TB_TARDIS_MAX_FIELDS
        raise FeedError(path, 1, f"{len(names)} columns: the scanner takes at most {most}")
    twice = sorted({n for n in names if n in ROLES and names.count(n) > 1})
    if twice:
        raise FeedError(path, 1, f"column {twice[0]!r} appears more than once")
    return bytes(ROLES.get(n, lib.TB_TARDIS_OTHER) for n in names)


class _Out:
    """The scanner's output columns (numpy) and the C struct pointing at them."""

    def __init__(self, rows_cap: int) -> None:
        self.c = ffi.new("tb_tardis_out *")
        self.errs = ffi.new("tb_tardis_err[]", _ERRS_CAP)
        self.c.errs = self.errs
        self.c.errs_cap = _ERRS_CAP
        self._alloc(rows_cap)

    def _alloc(self, rows_cap: int) -> None:
        msgs_cap = rows_cap + lib.TB_TARDIS_MSG_ROOM
        c = self.c
        bind_columns(self, c, ROW_COLUMNS, rows_cap)
        c.rows_cap = rows_cap
        bind_columns(self, c, MSG_COLUMNS, msgs_cap)
        c.msgs_cap = msgs_cap

    def take(self, st: Any, path: str, notes: dict[int, str], grow: bool = False) -> MessageBatch:
        """The complete messages as a batch; the open message's rows move to fresh arrays."""
        c = self.c
        m, n = int(c.n_msgs), int(c.n_rows)
        closed = int(self.row_end[m - 1]) if m else 0
        old = (self.side, self.px, self.qty)
        batch = MessageBatch(
            path, old[0][:closed], old[1][:closed], old[2][:closed], self.row_end[:m], self.ts[:m],
            self.seq[:m], self.kind[:m], self.line[:m], notes=notes,
        )  # fmt: skip
        self._alloc(int(c.rows_cap) * (2 if grow else 1))
        k = n - closed
        self.side[:k], self.px[:k], self.qty[:k] = old[0][closed:n], old[1][closed:n], old[2][closed:n]
        c.n_rows, c.n_msgs = k, 0
        st.open_row0 = 0
        return batch


class TardisScanReader:
    """Format ``"tardis"`` through the C scanner (the default ``parser="c"``)."""

    def __init__(self, source: Source, options: ReaderOptions, block_bytes: int | None = None) -> None:
        self.source = source
        self.options = options
        self.block_bytes = block_bytes or BLOCK_BYTES
        self.window_bytes = WINDOW_BYTES
        self._window: _mapped.Window | None = None  # the file being read, when it is mapped
        self._want = self.window_bytes  # bytes a window holds past the line not yet scanned
        tick, lot = options.instrument._units()
        self._units = {lib.TB_TARDIS_PRICE: tick, lib.TB_TARDIS_AMOUNT: lot}
        self._st = ffi.new("tb_tardis_scan *")  # zeroed: a new stream

    @property
    def synced(self) -> bool:
        """A snapshot was seen (deltas before it are PRESYNC); settable to continue a known book."""
        return bool(self._st.synced)

    @synced.setter
    def synced(self, value: bool) -> None:
        self._st.synced = int(bool(value))

    def __iter__(self) -> Iterator[MessageBatch]:
        out = _Out(max(1, self.options.batch_rows))
        for path, f in self.source.streams():
            yield from self._file(path, f, out)

    # ---- one file ----------------------------------------------------------------------

    def _file(self, path: str, f: IO[bytes], out: _Out) -> Iterator[MessageBatch]:
        head = self.begin(path, f)
        if head is None:
            return  # an empty file: no header, no rows
        buf, have, pos, eof = head
        st = self._st
        notes: dict[int, str] = {}
        consumed = ffi.new("size_t *")
        try:
            while True:
                cbuf = ffi.from_buffer("char[]", buf, require_writable=True)
                rc = lib.tb_tardis_scan_buf(st, cbuf + pos, have - pos, int(eof), out.c, consumed)
                del cbuf
                assert rc >= 0, f"tb_tardis_scan_buf: {rc}"
                pos += int(consumed[0])
                symbol_change = self._drain(out, notes)
                if symbol_change is not None:
                    if out.c.n_msgs:
                        yield out.take(st, path, notes)
                    raise FeedError(path, *symbol_change)
                if rc == lib.TB_TARDIS_FULL:
                    c = out.c
                    if c.rows_cap - c.n_rows < 1 or c.msgs_cap - c.n_msgs < lib.TB_TARDIS_MSG_ROOM:
                        grow = out.c.n_msgs == 0  # one message larger than a batch
                        batch = out.take(st, path, notes, grow=grow)
                        notes = {}
                        if batch.n_messages:
                            yield batch
                    continue
                if eof:
                    break
                buf, have, pos, eof = self.refill(f, path, buf, pos, have)
        finally:  # an exception or an abandoned iterator must not keep a window mapped
            release(buf)
        if out.c.n_msgs:
            yield out.take(st, path, notes)

    def begin(self, path: str, f: IO[bytes]) -> tuple[Block, int, int, bool] | None:
        """Read the file's header line and begin the scanner on it: (the block buffer, or
        the mapped window of a plain file (:mod:`._mapped`), bytes in it, the first byte
        after the header, end of file reached); None for an empty file. (Shared with the
        direct path, tapebook/feeds/_tardis_direct.py.)"""
        buf: Block
        head = self._map_head(path, f)
        if head is not None:
            buf, have, nl, eof = head
        else:
            buf = bytearray(self.block_bytes)
            have, eof = 0, False
            while True:
                nl = buf.find(b"\n", 0, have)
                if nl >= 0 or eof:
                    break
                if have == len(buf):
                    buf = _grown(buf, path, 1)
                got = read_block(f, buf, have, path, 1)
                have += got
                eof = got == 0
        if have == 0:
            return None
        start = 3 if buf[:3] == _BOM else 0
        end = nl if nl >= 0 else have
        header = bytes(buf[start:end]).rstrip(b"\r")
        roles = header_roles(path, header, INCREMENTAL_COLUMNS)
        tick, lot = self._units[lib.TB_TARDIS_PRICE], self._units[lib.TB_TARDIS_AMOUNT]
        rc = lib.tb_tardis_begin(self._st, roles, len(roles), tick.c, lot.c, 2, 0)
        assert rc == lib.TB_OK, f"tb_tardis_begin: {rc}"
        return buf, have, (end + 1 if nl >= 0 else have), eof

    def _at_end_check(self, buf: mmap.mmap, off: int, have: int, eof: bool, path: str, line: int) -> None:
        """A last line (no line end) of MAX_LINE_BYTES bytes or more is refused as the read
        path refuses it (its buffer fills before it learns the file ended): the limit does not
        depend on whether the file is mapped."""
        if eof and have - off >= MAX_LINE_BYTES and buf.find(b"\n", off, have) < 0:
            release(buf)
            raise FeedError(path, line, f"line longer than {MAX_LINE_BYTES} bytes")

    def _map_head(self, path: str, f: IO[bytes]) -> tuple[mmap.mmap, int, int, bool] | None:
        """A plain file's first window, holding its header line: (the window, its length,
        the header's line end or -1, end of file reached); None: the file is read (not a
        plain file by path, or a file system that cannot map it)."""
        self._window, self._want = None, self.window_bytes
        m = _mapped.mappable(path, f)
        if m is None:
            return None
        window = _mapped.Window(*m)
        try:
            while True:
                buf, have, _, eof = window.at(0, self._want)
                nl = buf.find(b"\n", 0, have)
                if nl >= 0 or eof:
                    break
                _mapped.release(buf)
                self._want = _mapped.grown(self._want, path, 1)
        except (OSError, ValueError):  # it cannot be mapped (or shrank meanwhile): read it
            self._want = self.window_bytes
            return None
        self._at_end_check(buf, 0, have, eof, path, 1)
        self._window = window
        return buf, have, nl, eof

    def refill(
        self, f: IO[bytes], path: str, buf: Block, pos: int, have: int
    ) -> tuple[Block, int, int, bool]:
        """The partial last line (from pos) moved to the front and more bytes read after it:
        (buffer, bytes in it, 0, end of file reached); for a mapped file the next window,
        from that line's start (where it is in the window: not 0 in general)."""
        rest = have - pos
        if isinstance(buf, mmap.mmap):
            assert self._window is not None
            if rest >= self._want:  # the window from the line's start held no line end
                self._want = _mapped.grown(self._want, path, int(self._st.line))
            start = self._window.base + pos
            _mapped.release(buf)
            try:
                window = self._window.at(start, self._want)
            except (OSError, ValueError) as e:  # e.g. the file was truncated meanwhile
                raise FeedError(path, int(self._st.line), f"cannot map the file on: {e}") from None
            self._at_end_check(window[0], window[2], window[1], window[3], path, int(self._st.line))
            return window
        if rest == len(buf):
            buf = _grown(buf, path, int(self._st.line))
        buf[0:rest] = buf[pos:have]
        got = read_block(f, buf, rest, path, int(self._st.line))
        return buf, rest + got, 0, got == 0

    def _drain(self, out: _Out, notes: dict[int, str]) -> tuple[int, str] | None:
        """Error records -> notes; a second symbol -> (line, reason) to raise."""
        found = None
        for i in range(int(out.c.n_errs)):
            e = out.errs[i]
            n = int(e.len)
            value = bytes(ffi.buffer(e.text, min(n, lib.TB_TARDIS_TEXT))).decode("utf-8", errors="replace")
            if n > lib.TB_TARDIS_TEXT:
                value += "..."
            field = int(e.field)
            if field == lib.TB_TARDIS_SYMBOL:
                first = bytes(ffi.buffer(self._st.symbol, int(self._st.symbol_len))).decode(errors="replace")
                if int(e.reason) == 1:
                    why = f"a symbol of {n} bytes: the scanner keeps at most {lib.TB_TARDIS_TEXT}"
                else:
                    why = f"a second symbol {value!r} after {first!r}: replay one symbol per stream"
                found = (int(e.line), why)
                continue
            notes[int(e.msg)] = self._reason(field, int(e.reason), value)
        out.c.n_errs = 0
        return found

    def _reason(self, field: int, reason: int, value: str) -> str:
        if field == lib.TB_TARDIS_OTHER:
            return f"not a CSV row of 8 columns: expected {int(self._st.n_fields)} columns, got {reason}"
        what = _NAME_OF_ROLE[field]
        if field in (lib.TB_TARDIS_IS_SNAPSHOT, lib.TB_TARDIS_SIDE):
            return f"{what} {value!r} is not valid"
        unit = self._units.get(field, _US)
        return f"{what} {value!r} is {dcol.reason_text(reason, unit)}"


def release(buf: Block) -> None:
    """Unmap ``buf`` now when it is a mapped window (a read buffer is the collector's)."""
    if isinstance(buf, mmap.mmap):
        _mapped.release(buf)


def _grown(buf: bytearray, path: str, line: int) -> bytearray:
    """A buffer twice as large holding the same bytes (a line longer than a block)."""
    if len(buf) >= MAX_LINE_BYTES:
        raise FeedError(path, line, f"line longer than {MAX_LINE_BYTES} bytes")
    new = bytearray(min(2 * len(buf), MAX_LINE_BYTES + 1))
    new[: len(buf)] = buf
    return new
