"""Databento DBN files: ``databento-mbo`` (orders) and ``databento-mbp10`` (top-10 books).

DBN (https://databento.com/docs/standards-and-conventions/databento-binary-encoding):
``b"DBN"``, a version byte, the metadata length (u32 little-endian), the
metadata, then records, each starting with a header ``length`` (u8, in 4-byte
words), ``rtype`` (u8), ``publisher_id`` (u16), ``instrument_id`` (u32),
``ts_event`` (u64 ns). Prices are fixed-point int64 in units of 1e-9
(``UNDEF_PRICE`` = int64 max marks no price). Files written by databento-dbn
(``.dbn``, or ``.dbn.zst`` Zstandard by extension) are read here; the record
layouts are checked against databento-dbn's own encoder in the tests. Records
are viewed as numpy structured arrays (no Python object per record); records of
other types (symbol mappings, system and error messages) are skipped and counted.

``databento-mbo`` (https://databento.com/docs/schemas-and-data-formats/mbo),
as Databento's order-book guide builds a book:

* ``A`` add, ``C`` cancel ``size`` (partial cancels keep priority; the order
  leaves at 0), ``M`` modify to (``price``, ``size``): a new price or a larger
  size goes to the back, a smaller size keeps priority; a modify of an order
  that does not rest is an add (counted ``modify_unknown``); ``R`` clears the book;
* ``T`` trade, ``F`` fill and ``N`` change nothing (counted ``trades``, ``fills``):
  the venue's own cancel / modify records that follow a fill change the book;
* ``F_TOB`` records (top-of-book venues) replace their whole side by one level
  (``UNDEF_PRICE``: the side is emptied; its orders are cancelled in ascending ids);
* a message is the records up to one with ``F_LAST`` (flags bit 7): the book
  changes it makes are one message and one BBO row (``ts`` = its ``ts_event``,
  ``seq`` = its ``sequence``). Records of A/C/M with side ``N`` are counted
  ``bad_side`` and ignored; an add or modify that would take a level's total past
  2**64 - 1 lots changes nothing and is counted ``level_overflow`` (a ``FeedError``
  naming the record under ``on_error="raise"``; the rest of its message applies);
  with 32-bit sizes that takes billions of orders at one price.

``databento-mbp10`` (https://databento.com/docs/schemas-and-data-formats/mbp-10):
every record carries the top 10 levels per side after the event; each is a full
replacement of the book (levels with ``UNDEF_PRICE`` or size 0 are empty).

Options: ``instrument_id=`` (else the first instrument seen; records of others
are skipped and counted). ``tick_size`` must be a whole multiple of 1e-9 and
``lot_size`` a whole number (sizes are integers).

MBO blocks are turned into the C order log's ops in numpy (``_dbn_mbo_ops.py``) and
applied in one call (``_olog.py``); ``TAPEBOOK_L3_C=0`` applies them record by record
through the Python order log instead (the reference path the tests hold it to).
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

import numpy as np

from ..errors import ArgumentTypeError, FeedError
from ._dbn_mbo_ops import COUNTED, F_LAST, F_TOB, UNDEF_PRICE, mbo_ops
from ._l3reader import L3Reader, unit_divisor
from ._mbo import LevelOverflowError, MboBatch, overflow_note
from ._olog import COrderLog, c_log_enabled, ops_columns
from ._reader import Kind, MessageBatch
from ._source import _read

_PRICE_UNIT = Decimal("1e-9")
RTYPE_MBP10 = 0x0A
RTYPE_MBO = 0xA0
_READ_BYTES = 1 << 20

_HEADER = [
    ("length", "u1"),
    ("rtype", "u1"),
    ("publisher_id", "<u2"),
    ("instrument_id", "<u4"),
    ("ts_event", "<u8"),
]
MBO_DTYPE = np.dtype(
    [*_HEADER, ("order_id", "<u8"), ("price", "<i8"), ("size", "<u4"), ("flags", "u1"), ("channel_id", "u1"),
       ("action", "S1"), ("side", "S1"), ("ts_recv", "<u8"), ("ts_in_delta", "<i4"), ("sequence", "<u4")]
)  # fmt: skip
_PAIR = [
    ("bid_px", "<i8"),
    ("ask_px", "<i8"),
    ("bid_sz", "<u4"),
    ("ask_sz", "<u4"),
    ("bid_ct", "<u4"),
    ("ask_ct", "<u4"),
]
_MBP_FIELDS = [
    ("price", "<i8"),
    ("size", "<u4"),
    ("action", "S1"),
    ("side", "S1"),
    ("flags", "u1"),
    ("depth", "u1"),
]
MBP10_DTYPE = np.dtype(
    [*_HEADER, *_MBP_FIELDS, ("ts_recv", "<u8"), ("ts_in_delta", "<i4"), ("sequence", "<u4"),
     ("levels", np.dtype(_PAIR), (10,))]
)  # fmt: skip
assert MBO_DTYPE.itemsize == 56 and MBP10_DTYPE.itemsize == 368


def _records(
    path: str, f: IO[bytes], rtype: int, dtype: np.dtype, counts: Any
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(records of rtype, their 1-based record numbers)`` of one DBN stream, block by block."""
    head = _read(f, 8, path, 0)
    if len(head) < 8 or head[:3] != b"DBN":
        raise FeedError(path, 0, "not a DBN file (it must start with b'DBN' and a version byte)")
    (meta_len,) = struct.unpack("<I", head[4:8])
    meta = _read(f, meta_len, path, 0)
    if len(meta) < meta_len:
        raise FeedError(path, 0, "the file ends inside the DBN metadata")
    size = dtype.itemsize
    carry = b""
    number = 0  # records before this block
    while True:
        block = _read(f, _READ_BYTES, path, number + 1)
        data = carry + block if carry else block
        if not block:
            if data:
                raise FeedError(path, number + 1, f"the file ends inside a record ({len(data)} bytes left)")
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        whole = len(data) - len(data) % size
        lengths = arr[0:whole:size]
        if whole and bool(np.all(lengths == size // 4)) and bool(np.all(arr[1:whole:size] == rtype)):
            # the common case: records of one type only
            recs = np.frombuffer(data, dtype=dtype, count=whole // size)
            yield recs, np.arange(number + 1, number + 1 + len(recs), dtype=np.int64)
            number += len(recs)
            carry = data[whole:]
            continue
        starts: list[int] = []
        numbers: list[int] = []
        pos = 0
        while pos < len(data):
            n = data[pos] * 4
            if n == 0:
                raise FeedError(path, number + 1, "a record of length 0")
            if pos + n > len(data):
                break
            number += 1
            if data[pos + 1] == rtype:
                if n != size:
                    raise FeedError(path, number, f"record type {rtype:#x} has length {n}, expected {size}")
                starts.append(pos)
                numbers.append(number)
            else:
                counts["skipped_type"] = counts.get("skipped_type", 0) + 1
            pos += n
        if starts:
            raw = b"".join(data[s : s + size] for s in starts)
            yield np.frombuffer(raw, dtype=dtype), np.array(numbers, dtype=np.int64)
        carry = data[pos:]


class _DbnOptions:
    """instrument_id= and the price / size divisors."""

    def _setup(self, reader: Any) -> None:
        inst = reader.opts.instrument
        self.px_div = unit_divisor(inst.tick_size, _PRICE_UNIT, "tick_size", reader.format_name)
        self.qty_div = unit_divisor(inst.lot_size, Decimal(1), "lot_size", reader.format_name)
        self.instrument_id: int | None = reader.option("instrument_id", int)

    def _keep(self, recs: np.ndarray, counts: Any) -> np.ndarray:
        """The records of the replayed instrument (the first seen unless instrument_id=)."""
        if self.instrument_id is None and len(recs):
            self.instrument_id = int(recs["instrument_id"][0])
        mine = recs["instrument_id"] == self.instrument_id
        counts["skipped_instrument"] = counts.get("skipped_instrument", 0) + int(len(recs) - mine.sum())
        return mine


class DatabentoMboReader(L3Reader, _DbnOptions):
    """Databento MBO records into an order log, one message per F_LAST."""

    format_name = "databento-mbo"
    options = ("instrument_id",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._setup(self)
        self._open = False  # records since the last F_LAST
        self._last = (0, 0, 0)
        self._path = self.source.name
        if c_log_enabled():  # vectorised blocks (else the Python order log, record by record)
            self.clog = COrderLog(self._path, self.counts)

    def _apply_block(self, recs: np.ndarray, numbers: np.ndarray) -> None:
        """One block through the C order log (the rules of _apply, vectorised in _dbn_mbo_ops)."""
        if not len(recs):
            return
        block = mbo_ops(recs, self.px_div, self.qty_div)
        if block.bad and self.opts.on_error == "raise":
            i, note = block.bad[0]
            raise FeedError(self._path, int(numbers[i]), note)
        for name, k in block.counts.items():
            if k:
                self.counts[name] += k
        ends = np.flatnonzero(block.ops["end"])
        meta = (recs["ts_event"][ends], recs["sequence"][ends], np.zeros(len(ends), np.uint8), numbers[ends])
        assert self.clog is not None
        refused = self.clog.run(block.ops, meta)
        if refused and self.opts.on_error == "raise":
            i = refused[0]
            raise FeedError(self._path, int(numbers[i]), overflow_note(int(block.ops["px"][i])))
        self._open = not block.ops["end"][-1]
        self._last = (int(recs["ts_event"][-1]), int(recs["sequence"][-1]), int(numbers[-1]))

    def _close_unterminated(self) -> None:
        """The stream ended before the event's F_LAST: what came is one message."""
        ts, seq, number = self._last
        if self.clog is None:
            self.log.end(ts, seq, number)
        else:
            ops = ops_columns(1)
            ops["end"][0] = 1
            self.clog.run(ops, tuple(np.array([v]) for v in (ts, seq, 0, number)))
        self._open = False
        self.counts["unterminated"] += 1

    def _apply(self, recs: np.ndarray, numbers: np.ndarray) -> None:
        log = self.log
        qty_div = self.qty_div
        names = ("action", "side", "order_id", "price", "size", "flags", "ts_event", "sequence")
        cols = [recs[n].tolist() for n in names] + [numbers.tolist()]
        for action, side_b, oid, price, size, flags, ts, seq, number in zip(*cols, strict=True):
            self._open = True
            self._last = (ts, seq, number)
            if action in (b"T", b"F", b"N"):
                self.counts[COUNTED[action]] += 1
            elif action == b"R":
                log.clear()
            elif action not in (b"A", b"C", b"M"):
                self._bad(number, f"action {action!r} is not one of A, C, M, R, T, F, N")
                continue
            elif side_b not in (b"A", b"B"):
                self.counts["bad_side"] += 1
            else:
                side = int(side_b == b"B")
                if flags & F_TOB:
                    self._top_of_book(side, oid, price, size, number)
                else:
                    qty, r = divmod(size, qty_div)
                    if r:
                        self._bad(number, f"size {size} is not a whole number of lots")
                        continue
                    if action == b"C":
                        if qty:
                            log.cancel(oid, qty)
                        else:
                            self.counts["zero_cancel"] += 1
                    else:
                        px = self._ticks(price, number)
                        if px is None:
                            continue
                        try:
                            if action == b"A":
                                log.add(oid, side, px, qty)
                            else:  # an unknown order is added (the log counts modify_unknown)
                                log.modify(oid, px, qty, side=side)
                        except LevelOverflowError as e:  # refused (counted), its F_LAST still ends
                            if self.opts.on_error == "raise":
                                raise FeedError(self._path, number, str(e)) from None
            if flags & F_LAST:
                log.end(ts, seq, number)
                self._open = False

    def _ticks(self, price: int, number: int) -> int | None:
        if price == UNDEF_PRICE:
            self._bad(number, "an add or modify without a price (UNDEF_PRICE)")
            return None
        q, r = divmod(price, self.px_div)
        if r:
            self._bad(number, f"price {price}e-9 is not a whole number of ticks")
            return None
        return q

    def _top_of_book(self, side: int, oid: int, price: int, size: int, number: int) -> None:
        """F_TOB: the side becomes one level (none for UNDEF_PRICE)."""
        log = self.log
        for o in sorted(o for o, v in log.orders.items() if v[0] == side):  # ascending ids, as the C log
            log.cancel(o)
        if price != UNDEF_PRICE and size:
            px = self._ticks(price, number)
            if px is not None and size % self.qty_div == 0:
                log.add(oid, side, px, size // self.qty_div)
        self.counts["top_of_book"] += 1

    def _bad(self, number: int, note: str) -> None:
        """A record that cannot be applied: FeedError, or skipped and counted
        (``bad_records``, part of ``r.stats.skipped``) under on_error="skip"."""
        if self.opts.on_error == "raise":
            raise FeedError(self._path, number, note)
        self.counts["bad_records"] += 1

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        path = self.source.name
        for path, f in self.source.streams():
            self._path = path
            for recs, numbers in _records(path, f, RTYPE_MBO, MBO_DTYPE, self.counts):
                mine = self._keep(recs, self.counts)
                (self._apply if self.clog is None else self._apply_block)(recs[mine], numbers[mine])
                if self.pending_rows >= self.batch_rows and not self._open:
                    yield self.flush(path)
            if self._open:
                self._close_unterminated()
            yield self.flush(path)


class DatabentoMbp10Reader(_DbnOptions):
    """Databento MBP-10 records: each a full top-10 book (a REPLACE message)."""

    format_name = "databento-mbp10"
    options = ("instrument_id",)

    def __init__(self, source: Any, options: Any) -> None:
        unknown = sorted(set(options.extra) - set(self.options))
        if unknown:
            raise ArgumentTypeError(
                f"format {self.format_name!r} got unexpected option(s) {', '.join(unknown)}; "
                "it accepts: instrument_id"
            )
        self.source = source
        self.opts = options
        self.counts: Counter[str] = Counter()
        self._setup(self)

    def option(self, name: str, kind: type) -> Any:
        v = self.opts.extra.get(name)
        if v is not None and (not isinstance(v, kind) or isinstance(v, bool)):
            raise ArgumentTypeError(f"{name}={v!r} must be a {kind.__name__}")
        return v

    def _batch(self, path: str, recs: np.ndarray, numbers: np.ndarray) -> MessageBatch:
        lv = recs["levels"]  # (m, 10) pairs
        m = len(recs)
        px = np.concatenate([lv["bid_px"], lv["ask_px"]], axis=1)  # (m, 20): 10 bids then 10 asks
        sz = np.concatenate([lv["bid_sz"], lv["ask_sz"]], axis=1).astype(np.uint64)
        side = np.broadcast_to(np.repeat(np.array([1, 0], np.uint8), 10), (m, 20))
        present = (px != UNDEF_PRICE) & (sz > 0)
        kind = np.full(m, Kind.REPLACE, dtype=np.uint8)
        notes: dict[int, str] = {}
        bad_px = present & (px % self.px_div != 0)
        bad_sz = present & (sz % np.uint64(self.qty_div) != 0)
        for i in np.flatnonzero(bad_px.any(axis=1) | bad_sz.any(axis=1)).tolist():
            kind[i] = Kind.ERROR
            what = "price" if bad_px[i].any() else "size"
            notes[i] = f"a level's {what} is not a whole number of {'ticks' if what == 'price' else 'lots'}"
            present[i] = False
        counts = present.sum(axis=1)
        return MessageBatch(
            path, side[present], px[present] // self.px_div, sz[present] // np.uint64(self.qty_div),
            np.cumsum(counts), recs["ts_event"].astype(np.int64), recs["sequence"].astype(np.int64),
            kind, numbers, notes=notes,
        )  # fmt: skip

    def __iter__(self) -> Iterator[MessageBatch]:
        for path, f in self.source.streams():
            for recs, numbers in _records(path, f, RTYPE_MBP10, MBP10_DTYPE, self.counts):
                mine = self._keep(recs, self.counts)
                yield self._batch(path, recs[mine], numbers[mine])
