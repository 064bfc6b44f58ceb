"""LOBSTER message files through the C order log, a chunk of lines at a time.

The rules are ``LobsterReader``'s (its ``_message`` and ``_apply``, the Python
order-log path that the tests hold this to), applied to numpy columns: event
types 5-7 are NONBOOK messages (counted), a line that does not parse, a price
off the tick or a size off the lot an ERROR message with the reference's
reason, types 1-4 an add / cancel / deletion / execution — the last three
through the initial level's synthetic order (``alt_id``) when the id does not
rest (counted ``initial_level`` by the C log).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._lobster_parse import SKIPPED_EVENTS, parse
from ._olog import COrderLog, ops_columns
from ._reader import Kind

if TYPE_CHECKING:
    from ._mbo import MboBatch
    from ._reader import MessageBatch

_OPS = {1: ord("A"), 2: ord("C"), 3: ord("D"), 4: ord("E")}


def _message_notes(etype: np.ndarray, oid: np.ndarray, direction: np.ndarray) -> dict[int, str]:
    """The reference parser's reasons for lines whose fields parsed but do not hold."""
    bad_type = (etype < 1) | (etype > 7)
    bad_dir = ~bad_type & (direction != 1) & (direction != -1) & (etype != 7)
    bad_id = ~bad_type & ~bad_dir & (oid < 0)  # int64: never >= 2**63
    notes = {i: f"event type {int(etype[i])} is not one of LOBSTER's 1-7" for i in np.flatnonzero(bad_type)}
    notes.update(
        {i: f"direction {int(direction[i])} must be 1 (buy) or -1 (sell)" for i in np.flatnonzero(bad_dir)}
    )
    notes.update({i: f"order id {int(oid[i])} is out of range" for i in np.flatnonzero(bad_id)})
    return notes


class LobsterBlocks:
    """One LobsterReader's stream, vectorised (the reader keeps options and counts)."""

    def __init__(self, reader: Any) -> None:  # a LobsterReader (which imports this module)
        self.r = reader
        reader.clog = self.log = COrderLog(reader.source.name, reader.counts)
        self.started = False
        self._initial_keys = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # (side, price) sorted
        self._initial_ids = np.zeros(0, np.uint64)

    def _initial_book(self, first: tuple[int, int, int, int, int, int] | None) -> None:
        orders = self.r._initial_orders(first)
        ops = ops_columns(max(len(orders), 1))
        if orders:
            for name, col in zip(("order_id", "side", "px", "qty"), zip(*orders, strict=True), strict=True):
                ops[name][: len(orders)] = col
        ops["op"][: len(orders)] = ord("A")
        ops["end"][-1] = 1
        ts = first[0] if first else 0
        self.log.run(ops, (np.array([ts]), np.zeros(1), np.array([Kind.SNAPSHOT]), np.zeros(1)))
        keys = sorted(self.r.initial.items())
        self._initial_keys = (
            np.array([k[0] for k, _ in keys], np.int64), np.array([k[1] for k, _ in keys], np.int64)
        )  # fmt: skip
        self._initial_ids = np.array([v for _, v in keys], np.uint64)

    def _alt_ids(self, side: np.ndarray, price: np.ndarray) -> np.ndarray:
        """The synthetic id of the initial level at (side, raw price), 0 where none."""
        ks, kp = self._initial_keys
        out = np.zeros(len(side), np.uint64)
        if not len(ks):
            return out
        # keys sorted by (side, price): search each side's prices
        for s in (0, 1):
            lo, hi = np.searchsorted(ks, s, "left"), np.searchsorted(ks, s, "right")
            mine = side == s
            at = np.searchsorted(kp[lo:hi], price[mine]) + lo
            hit = (at < hi) & (kp[np.minimum(at, len(kp) - 1)] == price[mine])
            out[np.flatnonzero(mine)[hit]] = self._initial_ids[at[hit]]
        return out

    def _chunk(self, data: bytes, first_line: int) -> None:
        r = self.r
        lines = parse(data, r._message)
        keep = np.flatnonzero(~lines.empty)
        n = len(keep)
        c = {k: v[keep] for k, v in lines.cols.items()}
        etype, size, price = c["etype"], c["size"], c["price"]
        notes = {j: lines.notes[i] for j, i in enumerate(keep.tolist()) if i in lines.notes}
        for j, why in _message_notes(etype, c["oid"], c["direction"]).items():
            notes.setdefault(int(j), why)
        unparsed = np.zeros(n, bool)  # the reference parser refused the line: ts 0
        unparsed[list(notes)] = True
        side = (c["direction"] == 1).astype(np.uint8)
        if not self.started and n:
            self.started = True
            first = None if unparsed[0] else (
                int(c["ts"][0]), int(etype[0]), int(c["oid"][0]), int(size[0]), int(price[0]), int(side[0])
            )  # fmt: skip
            self._initial_book(first)
        skipped = ~unparsed & (etype >= 5)
        book = ~unparsed & ~skipped
        bad_px = book & (price % r.px_div != 0)
        bad_qty = book & ~bad_px & ((size % r.qty_div != 0) | (size < 0))
        inst = r.opts.instrument
        for i in np.flatnonzero(bad_px).tolist():
            notes[i] = f"price {int(price[i])} is not a whole number of ticks of {inst.tick_size}"
        for i in np.flatnonzero(bad_qty).tolist():
            notes[i] = f"size {int(size[i])} is not a whole number of lots of {inst.lot_size}"
        book &= ~bad_px & ~bad_qty
        for e, name in SKIPPED_EVENTS.items():
            k = int((skipped & (etype == e)).sum())
            if k:
                r.counts[name] += k
        kind = np.full(n, Kind.DELTA, np.uint8)
        kind[skipped] = Kind.NONBOOK
        kind[list(notes)] = Kind.ERROR
        ops = ops_columns(n)
        for e, code in _OPS.items():
            ops["op"][book & (etype == e)] = code
        ops["order_id"][book] = c["oid"][book]
        ops["side"][book] = side[book]
        ops["px"][book] = price[book] // r.px_div
        ops["qty"][book] = size[book] // r.qty_div
        take = book & (etype >= 2)
        ops["alt_id"][take] = self._alt_ids(side[take], price[take])
        ops["end"][:] = 1
        line = (keep + first_line).astype(np.int64)
        ts = np.where(unparsed, 0, c["ts"])
        self.log.run(ops, (ts, line, kind, line), dict(sorted(notes.items())), refused_as_error=True)

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        r = self.r
        path = r.source.name
        for ch in r.source.chunks():
            path = ch.path
            self._chunk(ch.data, ch.first_line)
            if self.log.pending_rows >= r.batch_rows:
                yield self.log.flush(path)
        if not self.started:
            self._initial_book(None)
        yield self.log.flush(path)
