"""Tardis.dev downloadable CSV files: ``incremental_book_L2`` and ``book_snapshot_N``.

Documents followed: https://docs.tardis.dev/downloadable-csv-files (sections
"incremental_book_L2" and "book_snapshot_25"). The rules, as Tardis states them:

``incremental_book_L2`` (format ``"tardis"``), columns ``exchange, symbol,
timestamp, local_timestamp, is_snapshot, side, price, amount``:

* ``timestamp`` is the exchange's time and ``local_timestamp`` the arrival
  time, both in microseconds since the epoch (``r.bbo["ts"]`` is the message's
  last ``timestamp``, in ns);
* rows sharing ``local_timestamp`` came in one websocket message: they are one
  message here, applied together, one BBO row after them;
* ``amount`` is the level's new absolute size; 0 removes the level;
* ``is_snapshot=true`` rows are a snapshot of the book. A snapshot block that
  follows non-snapshot rows starts a new book: the book is reset (Tardis: "if
  is_snapshot is true and the previous row's is_snapshot was false, reset your
  local book"). A block is the run of consecutive snapshot rows, whatever
  their local_timestamps, so it is one SNAPSHOT message;
* rows before the first snapshot cannot be applied to a known book: skipped
  and counted (``stats.skipped``, one per message).

``book_snapshot_N`` (format ``"tardis-snapshot"``; N = 5, 25, ...), columns
``exchange, symbol, timestamp, local_timestamp``, then ``asks[i].price,
asks[i].amount, bids[i].price, bids[i].amount`` for i = 0 .. N-1 (empty when the
book has fewer levels): every row is a complete top-N book, applied as a
REPLACE message.

Parsing (``"tardis"``): the fused C scanner (``parser="c"``, the default;
:mod:`tapebook.feeds._tardis_scan`, csrc/tapebook/tb_tardis_scan.h) — fields,
exact decimals and message grouping in one C call per block of bytes; or
``parser="arrow"``: pyarrow's streaming CSV reader (every column read as a
string, so that no value is ever a float) with the numbers converted in C over
whole columns — the independent path the scanner is tested against. The
``book_snapshot_N`` reader uses pyarrow (a header of 4 + 4N columns). Either
way a timestamp whose nanoseconds overflow int64 is an error. ``seq`` is the
0-based index of the message in the stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import _decimal as dcol
from ..errors import FeedError
from ._reader import Kind, MessageBatch, ReaderOptions
from ._source import Source, read_error
from ._tardis_scan import INCREMENTAL_COLUMNS, TardisScanReader

SNAPSHOT_PREFIX = ("exchange", "symbol", "timestamp", "local_timestamp")
_US = dcol.Unit(__import__("decimal").Decimal(1), "microseconds")
_BLOCK_BYTES = 1 << 22
_MAX_US = ((1 << 63) - 1) // 1000  #: the largest |timestamp| in microseconds whose ns fit int64


def _arrow() -> tuple[Any, Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - pyarrow is in the feeds extra
        raise ImportError("the tardis formats need pyarrow (pip install 'tapebook[feeds]')") from None
    return pa, pc, pcsv


class _Lines:
    """Physical line numbers of parsed rows, given the lines pyarrow skipped as invalid."""

    def __init__(self) -> None:
        self.skipped: list[int] = []  # sorted line numbers
        self.errors: list[tuple[int, str]] = []  # (line, reason) of invalid rows

    def handler(self, row: Any) -> str:
        if row.number is not None:
            self.skipped.append(int(row.number))
        n = row.number or 0
        self.errors.append((n, f"expected {row.expected_columns} columns, got {row.actual_columns}"))
        return "skip"

    def of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Line numbers of 0-based data rows (line 1 is the header)."""
        base = rows + 2
        if not self.skipped:
            return base
        adj = np.asarray(self.skipped, dtype=np.int64) - np.arange(len(self.skipped), dtype=np.int64)
        return base + np.searchsorted(adj, base, side="right")


def _peek_header(f: Any) -> tuple[Any, list[str]]:
    """The column names of the first line, without consuming it (every column is
    then read as a string: a decimal must never pass through a float)."""
    import io

    buf = io.BufferedReader(f, buffer_size=1 << 20) if not hasattr(f, "peek") else f
    head = buf.peek(1 << 20)[: 1 << 20]
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    return buf, [c.strip('"') for c in first.decode("utf-8", errors="replace").split(",")] if first else []


def _csv_batches(f: Any, path: str, lines: _Lines, columns: tuple[str, ...] | None) -> Iterator[Any]:
    pa, _pc, pcsv = _arrow()
    if columns is None:
        f, names = _peek_header(f)
        columns = tuple(names)
    try:
        header = pcsv.open_csv(
            f,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(invalid_row_handler=lines.handler, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()) if columns else None,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as e:
        if "Empty CSV file" in str(e):
            return
        raise FeedError(path, 1, f"cannot read the CSV header: {e}") from None
    except Exception as e:
        err = read_error(e, path, 1)
        if err is None:
            raise
        raise err from None
    names = header.schema.names
    if columns != tuple(names):
        missing = [c for c in columns if c not in names]
        if missing:
            raise FeedError(
                path, 1, f"not a Tardis incremental_book_L2 file: no column(s) {', '.join(missing)}"
            )
    while True:
        try:
            rb = header.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as e:
            raise FeedError(path, 0, f"cannot parse the CSV: {e}") from None
        except Exception as e:
            err = read_error(e, path, 0)
            if err is None:
                raise
            raise err from None
        yield rb


def _convert(
    values: Any, unit: dcol.Unit, unsigned: bool, bad: np.ndarray, what: str
) -> tuple[np.ndarray, dict]:
    """Convert a string column; a bad value marks its row in ``bad`` (and the
    conversion goes on after it). Returns the values and {row: reason}."""
    reasons: dict[int, str] = {}
    out = np.zeros(len(values), dtype=np.uint64 if unsigned else np.int64)
    start = 0
    n = len(values)
    while start < n:
        try:
            out[start:] = dcol.to_units(values[start:], unit, unsigned, what)
            break
        except dcol.DecimalColumnError as e:
            j = start + e.index
            bad[j] = True
            reasons[j] = f"{what} {e.value!r} is {e.reason}"
            if e.index:
                out[start:j] = dcol.to_units(values[start:j], unit, unsigned, what)
            start = j + 1
    return out, reasons


class _Messages:
    """Accumulates the messages of a file as columns and emits them as batches."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parts: list[dict[str, np.ndarray]] = []
        self.notes: dict[int, str] = {}
        self.n_msgs = 0

    def add(self, part: dict[str, np.ndarray], notes: dict[int, str]) -> None:
        for i, why in notes.items():
            self.notes[self.n_msgs + i] = why
        self.n_msgs += len(part["kind"])
        self.parts.append(part)

    def flush(self) -> MessageBatch | None:
        if not self.parts:
            return None
        cat = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        counts = np.concatenate([p["counts"] for p in self.parts])
        b = MessageBatch(
            self.path,
            cat["side"],
            cat["px"],
            cat["qty"],
            np.cumsum(counts),
            cat["ts"],
            cat["seq"],
            cat["kind"],
            cat["line"],
            notes=self.notes,
        )
        self.parts, self.notes, self.n_msgs = [], {}, 0
        return b


#: ``parser=`` of format "tardis": the fused C scanner, or pyarrow's CSV reader
PARSERS = ("c", "arrow")


class TardisIncrementalReader:
    """Format ``"tardis"``: incremental_book_L2 CSV (see the module docstring).

    Option ``parser``: ``"c"`` (default; :mod:`tapebook.feeds._tardis_scan`, one C
    call per block of bytes) or ``"arrow"`` (pyarrow's CSV reader and the C
    column conversions: the independent path the scanner is tested against)."""

    def __init__(self, source: Source, options: ReaderOptions) -> None:
        from dataclasses import replace

        from ..errors import InvalidArgumentError

        extra = dict(options.extra)
        parser = extra.pop("parser", "c")
        if extra:
            raise InvalidArgumentError(f"format 'tardis' takes no option {sorted(extra)[0]!r}")
        if parser not in PARSERS:
            raise InvalidArgumentError(f"parser={parser!r} must be one of {', '.join(map(repr, PARSERS))}")
        opts = replace(options, extra={})
        if parser == "c":
            self._impl: Any = TardisScanReader(source, opts)
        else:
            self._impl = TardisArrowReader(source, opts)
        self._impl.synced = options.in_sync

    @property
    def synced(self) -> bool:
        """A snapshot was seen; set it to continue a known book (tapebook.dataset)."""
        return bool(self._impl.synced)

    @synced.setter
    def synced(self, value: bool) -> None:
        self._impl.synced = value

    def __iter__(self) -> Iterator[MessageBatch]:
        return iter(self._impl)


class TardisArrowReader:
    """Format ``"tardis"`` with ``parser="arrow"``: pyarrow's streaming CSV reader,
    every column as a string, the numbers converted by the C columns."""

    def __init__(self, source: Source, options: ReaderOptions) -> None:
        self.source = source
        self.options = options
        self.seq = 0
        self.synced = False  # a snapshot was seen
        self.symbol: str | None = None

    def __iter__(self) -> Iterator[MessageBatch]:
        pa, pc, _ = _arrow()
        inst = self.options.instrument
        tick, lot = inst._units()
        for path, f in self.source.streams():
            lines = _Lines()
            out = _Messages(path)
            carry: Any = None  # raw rows of the last, maybe unfinished message
            carry_row = 0  # data-row index of carry's first row
            next_row = 0  # data-row index of the next record batch's first row
            for rb in _csv_batches(f, path, lines, INCREMENTAL_COLUMNS):
                table = pa.Table.from_batches([rb]).select(list(INCREMENTAL_COLUMNS))
                first = next_row if carry is None else carry_row
                next_row += rb.num_rows
                if carry is not None:
                    table = pa.concat_tables([carry, table])
                part, notes, cut = self._messages(table, first, lines, tick, lot, pa, pc, path, final=False)
                carry = table.slice(cut) if cut < table.num_rows else None
                carry_row = first + cut
                if part is not None:
                    out.add(part, notes)
                self._errors(out, lines)
                if sum(len(p["side"]) for p in out.parts) >= self.options.batch_rows:
                    b = out.flush()
                    if b is not None:
                        yield b
            if carry is not None:
                part, notes, _cut = self._messages(
                    carry, carry_row, lines, tick, lot, pa, pc, path, final=True
                )
                if part is not None:
                    out.add(part, notes)
            self._errors(out, lines)
            b = out.flush()
            if b is not None:
                yield b

    def _errors(self, out: _Messages, lines: _Lines) -> None:
        """Rows pyarrow could not split into columns: ERROR messages at their lines."""
        for line, why in lines.errors:
            part = {
                "side": np.empty(0, np.uint8),
                "px": np.empty(0, np.int64),
                "qty": np.empty(0, np.uint64),
                "counts": np.zeros(1, np.int64),
                "ts": np.zeros(1, np.int64),
                "seq": np.array([self.seq], np.int64),
                "kind": np.array([Kind.ERROR], np.uint8),
                "line": np.array([line], np.int64),
            }
            self.seq += 1
            out.add(part, {0: f"not a CSV row of 8 columns: {why}"})
        lines.errors.clear()

    def _messages(
        self,
        table: Any,
        first_row: int,
        lines: _Lines,
        tick: dcol.Unit,
        lot: dcol.Unit,
        pa: Any,
        pc: Any,
        path: str,
        final: bool,
    ) -> tuple[dict[str, np.ndarray] | None, dict[int, str], int]:
        """The complete messages of ``table`` (all of them when ``final``) as
        columns, their notes, and the row where the unfinished last message starts."""
        n = table.num_rows
        if n == 0:
            return None, {}, 0
        sym = table.column("symbol")
        if self.symbol is None:
            self.symbol = sym[0].as_py()
        if not pc.all(pc.equal(sym, self.symbol)).as_py():
            j = int(np.flatnonzero(~np.asarray(pc.equal(sym, self.symbol)))[0])
            raise FeedError(
                path,
                int(lines.of_rows(np.array([first_row + j]))[0]),
                f"a second symbol {sym[j].as_py()!r} after {self.symbol!r}: replay one symbol per stream",
            )
        bad = np.zeros(n, dtype=bool)
        why: dict[int, str] = {}
        snap_col = table.column("is_snapshot")
        is_true = np.asarray(pc.equal(snap_col, "true"))
        not_bool = ~(is_true | np.asarray(pc.equal(snap_col, "false")))
        side_col = table.column("side")
        is_bid = np.asarray(pc.equal(side_col, "bid"))
        not_side = ~(is_bid | np.asarray(pc.equal(side_col, "ask")))
        for mask, what in ((not_bool, "is_snapshot"), (not_side, "side")):
            for j in np.flatnonzero(mask):
                bad[j] = True
                why.setdefault(int(j), f"{what} {table.column(what)[int(j)].as_py()!r} is not valid")
        lts, r1 = _convert(table.column("local_timestamp"), _US, False, bad, "local_timestamp")
        ts, r2 = _convert(table.column("timestamp"), _US, False, bad, "timestamp")
        for j in np.flatnonzero((ts > _MAX_US) | (ts < -_MAX_US)):  # ts is kept in ns: it must fit int64
            if int(j) not in r2:
                bad[j] = True
                value = table.column("timestamp")[int(j)].as_py()
                r2[int(j)] = f"timestamp {value!r} is {dcol.reason_text(dcol.lib.TB_DEC_RANGE, _US)}"
        px, r3 = _convert(table.column("price"), tick, False, bad, "price")
        qty, r4 = _convert(table.column("amount"), lot, True, bad, "amount")
        for r in (r1, r2, r3, r4):
            for j, w in r.items():
                why.setdefault(j, w)
        # message boundaries: a change of is_snapshot, or of local_timestamp between delta rows
        start = np.ones(n, dtype=bool)
        if n > 1:
            start[1:] = (is_true[1:] != is_true[:-1]) | (~is_true[1:] & (lts[1:] != lts[:-1]))
        starts = np.flatnonzero(start)
        cut = n if final else int(starts[-1])
        if not final:
            starts = starts[:-1]
        if len(starts) == 0:
            return None, {}, cut
        m = len(starts)
        ends = np.append(starts[1:], cut)
        msg_of_row = np.repeat(np.arange(m), ends - starts)
        rows = slice(0, cut)
        snap_msg = is_true[starts]
        # kinds: snapshot blocks are SNAPSHOT; deltas before the first snapshot PRESYNC
        kind = np.where(snap_msg, Kind.SNAPSHOT, Kind.DELTA).astype(np.uint8)
        if not self.synced:
            first_snap = np.flatnonzero(snap_msg)
            upto = int(first_snap[0]) if len(first_snap) else m
            kind[:upto] = Kind.PRESYNC
            if len(first_snap):
                self.synced = True
        bad_msg = np.zeros(m, dtype=bool)
        bad_rows = np.flatnonzero(bad[rows])
        notes: dict[int, str] = {}
        for j in bad_rows:
            mi = int(msg_of_row[j])
            if not bad_msg[mi]:
                bad_msg[mi] = True
                notes[mi] = why.get(int(j), "invalid row")
        kind[bad_msg] = Kind.ERROR
        applying = (kind == Kind.DELTA) | (kind == Kind.SNAPSHOT)
        keep_row = applying[msg_of_row]
        counts = np.where(applying, ends - starts, 0)
        msg_line = lines.of_rows(first_row + starts)
        # an ERROR message's line is its first bad row's line
        for mi in np.flatnonzero(bad_msg):
            j = int(bad_rows[msg_of_row[bad_rows] == mi][0])
            msg_line[mi] = lines.of_rows(np.array([first_row + j]))[0]
        last_row = ends - 1
        part = {
            "side": is_bid[rows][keep_row].astype(np.uint8),
            "px": px[rows][keep_row],
            "qty": qty[rows][keep_row],
            "counts": counts.astype(np.int64),
            "ts": ts[last_row] * 1000,
            "seq": np.arange(self.seq, self.seq + m, dtype=np.int64),
            "kind": kind,
            "line": msg_line,
        }
        self.seq += m
        return part, notes, cut


class TardisSnapshotReader:
    """Format ``"tardis-snapshot"``: book_snapshot_N CSV, every row a full top-N book."""

    def __init__(self, source: Source, options: ReaderOptions) -> None:
        if options.extra:
            from ..errors import InvalidArgumentError

            raise InvalidArgumentError(
                f"format 'tardis-snapshot' takes no option {sorted(options.extra)[0]!r}"
            )
        self.source = source
        self.options = options
        self.seq = 0

    def __iter__(self) -> Iterator[MessageBatch]:
        pa, pc, _ = _arrow()
        tick, lot = self.options.instrument._units()
        for path, f in self.source.streams():
            lines = _Lines()
            row0 = 0
            for rb in _csv_batches(f, path, lines, None):
                names = rb.schema.names
                depth = 0
                while f"asks[{depth}].price" in names:
                    depth += 1
                need = [*SNAPSHOT_PREFIX] + [
                    f"{s}[{i}].{c}"
                    for i in range(depth)
                    for s in ("asks", "bids")
                    for c in ("price", "amount")
                ]
                missing = [c for c in need if c not in names]
                if depth == 0 or missing:
                    raise FeedError(
                        path,
                        1,
                        f"not a Tardis book_snapshot_N file: no column {(missing or ['asks[0].price'])[0]}",
                    )
                yield self._batch(rb, row0, depth, lines, tick, lot, pa, pc, path)
                row0 += rb.num_rows
            if lines.errors:  # invalid rows after the last batch
                yield self._error_batch(path, lines)

    def _error_batch(self, path: str, lines: _Lines) -> MessageBatch:
        m = len(lines.errors)
        z = np.zeros(m, np.int64)
        b = MessageBatch(
            path,
            np.empty(0, np.uint8),
            np.empty(0, np.int64),
            np.empty(0, np.uint64),
            z,
            z,
            np.arange(self.seq, self.seq + m),
            np.full(m, Kind.ERROR, np.uint8),
            np.array([ln for ln, _ in lines.errors], np.int64),
            notes={i: f"not a CSV row of the header's columns: {w}" for i, (_, w) in enumerate(lines.errors)},
        )
        self.seq += m
        lines.errors.clear()
        return b

    def _batch(
        self, rb: Any, row0: int, depth: int, lines: _Lines, tick: Any, lot: Any, pa: Any, pc: Any, path: str
    ) -> MessageBatch:
        n = rb.num_rows
        bad = np.zeros(n, dtype=bool)
        why: dict[int, str] = {}
        ts, r = _convert(rb.column("timestamp"), _US, False, bad, "timestamp")
        for j, w in r.items():
            why.setdefault(j, w)
        # levels: bids first (best first), then asks; an empty price ends nothing, it is just absent
        px_cols, qty_cols, present, sides = [], [], [], []
        for side_name, side in (("bids", 1), ("asks", 0)):
            for i in range(depth):
                pcol = rb.column(f"{side_name}[{i}].price")
                qcol = rb.column(f"{side_name}[{i}].amount")
                empty = np.asarray(pc.equal(pcol, ""))
                p, r1 = _convert(
                    pc.if_else(pc.equal(pcol, ""), "0", pcol), tick, False, bad, f"{side_name}[{i}].price"
                )
                q, r2 = _convert(
                    pc.if_else(pc.equal(qcol, ""), "0", qcol), lot, True, bad, f"{side_name}[{i}].amount"
                )
                for rr in (r1, r2):
                    for j, w in rr.items():
                        why.setdefault(j, w)
                px_cols.append(p)
                qty_cols.append(q)
                present.append(~empty & (q > 0))
                sides.append(side)
        pxm = np.stack(px_cols, axis=1)
        qm = np.stack(qty_cols, axis=1)
        pres = np.stack(present, axis=1) & ~bad[:, None]
        sidem = np.broadcast_to(np.array(sides, dtype=np.uint8), pxm.shape)
        kind = np.where(bad, Kind.ERROR, Kind.REPLACE).astype(np.uint8)
        counts = pres.sum(axis=1)
        line = lines.of_rows(row0 + np.arange(n, dtype=np.int64))
        notes = {int(j): why.get(int(j), "invalid row") for j in np.flatnonzero(bad)}
        b = MessageBatch(
            path,
            sidem[pres],
            pxm[pres],
            qm[pres],
            np.cumsum(counts),
            ts * 1000,
            np.arange(self.seq, self.seq + n),
            kind,
            line,
            notes=notes,
        )
        self.seq += n
        return b
