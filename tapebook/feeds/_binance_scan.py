"""Binance diff-depth lines through the C scanner (``tb_json_scan.h``).

One C call per chunk of lines recognises the common ``depthUpdate`` frame
shape and converts its prices and quantities exactly into row columns; Python
then applies the venue's sync rule per frame (the reader's own ``_event``, so
the rules are the same code as the msgspec path) and hands every line the
scanner does not recognise to the reader's fully checked ``_one`` — behaviour
for anything unusual is unchanged. ``TAPEBOOK_JSON_SCAN=0`` in the environment
forces the msgspec path for every line (the differential test compares both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._args import raise_status
from .._native import ffi, lib
from ._reader import Kind, MessageBatch, MessageBuilder
from ._venue import FrameError, GapSignal, VenueMessage

#: set to "0" to replay Binance frames through msgspec only
SCAN_ENV = "TAPEBOOK_JSON_SCAN"


def scan_enabled() -> bool:
    """Whether the Binance readers use the C scanner (the default)."""
    return os.environ.get(SCAN_ENV, "1") != "0"


#: tb_jscan_out's per-line columns
_FRAME_COLS = (
    "kind",
    "off",
    "len",
    "row_end",
    "ev_time",
    "first_id",
    "last_id",
    "prev_id",
    "sym_off",
    "sym_len",
)


class _Out:
    """The scanner's output columns (numpy) and the C struct pointing at them."""

    def __init__(self, rows_cap: int, frames_cap: int) -> None:
        self.c = ffi.new("tb_jscan_out *")
        self.alloc(rows_cap, frames_cap)

    def alloc(self, rows_cap: int, frames_cap: int) -> None:
        self.side = np.empty(rows_cap, np.uint8)
        self.px = np.empty(rows_cap, np.int64)
        self.qty = np.empty(rows_cap, np.uint64)
        self.frame_cols = {
            name: np.empty(frames_cap, np.uint8 if name == "kind" else np.int64) for name in _FRAME_COLS
        }
        c = self.c
        c.side = ffi.from_buffer("uint8_t[]", self.side)
        c.px = ffi.from_buffer("int64_t[]", self.px)
        c.qty = ffi.from_buffer("uint64_t[]", self.qty)
        c.rows_cap, c.frames_cap = rows_cap, frames_cap
        for name, arr in self.frame_cols.items():
            setattr(c, name, ffi.from_buffer("uint8_t[]" if name == "kind" else "int64_t[]", arr))


class _Pieces:
    """The messages of one batch, in line order: rows from the scanner or from
    a one-message batch of the checked path."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_rows = 0
        self.counts: list[int] = []
        self.ts: list[int] = []
        self.seq: list[int] = []
        self.kind: list[int] = []
        self.line: list[int] = []
        self.notes: dict[int, str] = {}

    def add(
        self, kind: int, ts: int, seq: int, line: int, rows: tuple[np.ndarray, ...] | None = None
    ) -> None:
        n = 0
        if rows is not None and len(rows[0]):
            self.rows.append((rows[0].copy(), rows[1].copy(), rows[2].copy()))
            n = len(rows[0])
        self.n_rows += n
        self.counts.append(n)
        self.ts.append(ts)
        self.seq.append(seq)
        self.kind.append(kind)
        self.line.append(line)

    def add_batch(self, b: MessageBatch) -> None:
        row0 = 0
        for m in range(b.n_messages):
            end = int(b.row_end[m])
            if m in b.notes:
                self.notes[len(self.kind)] = b.notes[m]
            rows = (b.side[row0:end], b.px[row0:end], b.qty[row0:end])
            self.add(int(b.kind[m]), int(b.ts[m]), int(b.seq[m]), int(b.line[m]), rows)
            row0 = end

    def __len__(self) -> int:
        return len(self.kind)

    def batch(self, reader: Any) -> MessageBatch:  # reader: a BinanceSpotReader (not imported: no cycle)
        def cat(i: int, dt: type) -> np.ndarray:
            return np.concatenate([r[i] for r in self.rows]) if self.rows else np.zeros(0, dt)

        return MessageBatch(
            self.path, cat(0, np.uint8), cat(1, np.int64), cat(2, np.uint64),
            np.cumsum(np.array(self.counts, np.int64)), np.array(self.ts, np.int64),
            np.array(self.seq, np.int64), np.array(self.kind, np.uint8), np.array(self.line, np.int64),
            checksum=reader.checksum_spec, truncate=reader.truncate, notes=self.notes,
        )  # fmt: skip


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, frames of the common shape through the C scanner."""
    first = reader.initial()
    if first is not None:
        yield first
    inst, batch_rows = reader.opts.instrument, max(1, reader.opts.batch_rows)
    tick, lot = inst._units()
    out = _Out(batch_rows, 4096)
    fc = out.frame_cols
    pieces: _Pieces | None = None
    sym_cache: tuple[bytes, str] = (b"", "")
    consumed = ffi.new("size_t *")
    for ch in reader.source.chunks():
        if pieces is None or pieces.path != ch.path:
            if pieces is not None and len(pieces):
                yield pieces.batch(reader)
            pieces = _Pieces(ch.path)
        data, pos, line = ch.data, 0, ch.first_line
        cdata = ffi.from_buffer("char[]", data)
        while pos < len(data):
            out.c.n_rows = out.c.n_frames = 0
            rc = lib.tb_jscan_binance(
                cdata + pos, len(data) - pos, 1, int(reader.futures), tick.c, lot.c, out.c, consumed
            )
            if rc < 0:  # arguments this module built: a bug here, not bad input
                raise_status(rc, "tb_jscan_binance")
            n = int(out.c.n_frames)
            if rc == lib.TB_JSCAN_FULL and n == 0:  # one frame with more levels than the output holds
                out.alloc(2 * int(out.c.rows_cap), int(out.c.frames_cap))
                fc = out.frame_cols  # the new arrays
                continue
            col = {name: arr[:n].tolist() for name, arr in fc.items()}  # Python ints, not numpy scalars
            kinds, ends = col["kind"], col["row_end"]
            row0 = 0
            for i in range(n):
                ln, k = line, kinds[i]
                line += 1
                row_end = ends[i]
                if k == lib.TB_JSCAN_FRAME:
                    so, sl = pos + col["sym_off"][i], col["sym_len"][i]
                    raw_sym = data[so : so + sl]
                    if raw_sym != sym_cache[0]:
                        sym_cache = (raw_sym, raw_sym.decode("ascii"))
                    try:
                        res = reader._event(
                            ln, sym_cache[1], col["first_id"][i], col["last_id"][i], col["prev_id"][i],
                            col["ev_time"][i], [], [],
                        )  # fmt: skip
                    except FrameError as e:
                        pieces.notes[len(pieces)] = f"{reader.format_name}: {e}"
                        pieces.add(int(Kind.ERROR), 0, -1, ln)
                        res = None
                    except GapSignal as g:
                        reader.synced = False
                        pieces.notes[len(pieces)] = f"{reader.format_name}: {g}"
                        pieces.add(int(Kind.GAP), 0, -1, ln)
                        if not reader.in_band_snapshots:
                            yield pieces.batch(reader)
                            return
                        res = None
                    if isinstance(res, VenueMessage):
                        rows = (out.side[row0:row_end], out.px[row0:row_end], out.qty[row0:row_end])
                        pieces.add(int(res.kind), res.ts, res.seq, ln, rows)
                    elif res is not None:
                        pieces.add(int(res), 0, -1, ln)
                elif k == lib.TB_JSCAN_OTHER:
                    off = pos + col["off"][i]
                    raw = data[off : off + col["len"][i]]
                    if raw.endswith(b"\r"):
                        raw = raw[:-1]
                    if raw.strip():
                        b = MessageBuilder(inst, ch.path, batch_rows)
                        stop = reader._one(b, raw, ln)
                        pieces.add_batch(reader._flush(b))
                        if stop:
                            yield pieces.batch(reader)
                            return
                row0 = row_end
                if pieces.n_rows >= batch_rows:
                    yield pieces.batch(reader)
                    pieces = _Pieces(ch.path)
            pos += int(consumed[0])
        del cdata
    if pieces is not None and len(pieces):
        yield pieces.batch(reader)
