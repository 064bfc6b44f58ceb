"""LOBSTER message files, with the first line of the matching orderbook file as ``snapshot=``.

LOBSTER (https://lobsterdata.com/info/DataStructure.php) reconstructs NASDAQ
order books and ships, per stock and day, a *message* file and an *orderbook*
file, both CSV without a header. Message columns: ``Time`` (seconds after
midnight, decimals down to nanoseconds), ``Event Type``, ``Order ID``,
``Size`` (shares), ``Price`` (dollars x 10000), ``Direction`` (1 buy / -1
sell; for executions, the side of the resting order). Event types:

====  ============================================  =====================================
type  LOBSTER meaning                               here
====  ============================================  =====================================
1     submission of a new limit order               add
2     cancellation (partial deletion)               cancel ``Size`` shares (priority kept)
3     deletion (total deletion)                     cancel the order
4     execution of a visible limit order            execute ``Size`` shares
5     execution of a hidden limit order             no book change (skipped, counted)
6     cross trade (e.g. the auction)                no book change (skipped, counted)
7     trading halt (price -1 halt, 0 quoting,       no book change (skipped, counted)
      1 resume)
====  ============================================  =====================================

Orderbook row *k* is the book (``Ask Price 1, Ask Size 1, Bid Price 1, Bid Size
1, Ask Price 2, ...``; empty levels as price 9999999999 / -9999999999 with size
0) *after* message *k*. The book before the first message is therefore row 1
with message 1 undone; it is the replay's first message (a SNAPSHOT: flag 1,
``seq`` 0). The orders that rested then have no id in the file, so each of its
levels is one order with an id of its own (``2**63 + n``); a cancel, deletion
or execution of an id that does not rest, at a price where such an initial
level still holds shares, is taken from that level (counted
``initial_level``), else counted ``unknown_id`` and ignored.

``ts`` is ``Time`` in ns after midnight (exact: the decimal text is read, not a
float); ``seq`` the message's line number (orderbook row ``seq`` is the book
after it); ``tick_size`` a whole multiple of 0.0001, ``lot_size`` whole shares.

Chunks of lines are parsed in numpy and applied to the C order log in one call
(``_lobster_blocks.py``); ``TAPEBOOK_L3_C=0`` uses the line-by-line path below and the
Python order log instead (the reference path the tests hold it to).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..errors import FeedError
from ._l3reader import L3Reader, unit_divisor
from ._lobster_blocks import LobsterBlocks
from ._lobster_parse import SKIPPED_EVENTS
from ._mbo import MboBatch
from ._olog import c_log_enabled
from ._reader import Kind, MessageBatch

_PRICE_UNIT = Decimal("0.0001")
SYNTHETIC_ID_BASE = 1 << 63  #: ids of the initial book's levels
_EMPTY_PX = (9999999999, -9999999999)


def _ns(text: str) -> int:
    """Seconds after midnight ("34713.685155243") as integer ns, exactly."""
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 9:
        raise ValueError(f"time {text!r} is not seconds after midnight with at most 9 decimals")
    return int(whole) * 1_000_000_000 + int(frac.ljust(9, "0") or 0)


class LobsterReader(L3Reader):
    """A LOBSTER message file after the first row of its orderbook file (``snapshot=``)."""

    format_name = "lobster"
    accepts_snapshot = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        inst = self.opts.instrument
        self.px_div = unit_divisor(inst.tick_size, _PRICE_UNIT, "tick_size", self.format_name)
        self.qty_div = unit_divisor(inst.lot_size, Decimal(1), "lot_size", self.format_name)
        #: (side, px) -> synthetic id of an initial level still resting
        self.initial: dict[tuple[int, int], int] = {}

    def _ticks(self, raw: int, what: str) -> int:
        q, r = divmod(raw, self.px_div)
        if r:
            raise ValueError(
                f"{what} {raw} is not a whole number of ticks of {self.opts.instrument.tick_size}"
            )
        return q

    def _lots(self, raw: int, what: str) -> int:
        q, r = divmod(raw, self.qty_div)
        if r or raw < 0:
            raise ValueError(f"{what} {raw} is not a whole number of lots of {self.opts.instrument.lot_size}")
        return q

    def _message(self, line: bytes) -> tuple[int, int, int, int, int, int]:
        """(ns, type, order id, size, price, side) of one message line (raw units)."""
        f = line.decode("ascii").split(",")
        if len(f) < 6:
            raise ValueError(f"expected 6 fields (Time,Type,Order ID,Size,Price,Direction), got {len(f)}")
        ts = _ns(f[0].strip())
        etype, oid, size, price, direction = (int(x) for x in f[1:6])
        if not 1 <= etype <= 7:
            raise ValueError(f"event type {etype} is not one of LOBSTER's 1-7")
        if direction not in (1, -1) and etype != 7:
            raise ValueError(f"direction {direction} must be 1 (buy) or -1 (sell)")
        if not 0 <= oid < SYNTHETIC_ID_BASE:
            raise ValueError(f"order id {oid} is out of range")
        for name, v in (("size", size), ("price", price)):
            if not -(2**63) <= v < 2**63:  # the columns both order logs read are 64-bit
                raise ValueError(f"{name} {v} does not fit in 64 bits")
        return ts, etype, oid, size, price, int(direction == 1)

    def _initial_book(self, first_message: tuple[int, int, int, int, int, int] | None) -> None:
        """Row 1 of the orderbook file with the first message undone, as synthetic orders."""
        for oid, side, px, qty in self._initial_orders(first_message):
            self.log.add(oid, side, px, qty)
        self.log.end(first_message[0] if first_message else 0, 0, 0, kind=Kind.SNAPSHOT)

    def _initial_orders(
        self, first_message: tuple[int, int, int, int, int, int] | None
    ) -> list[tuple[int, int, int, int]]:
        """The initial book's synthetic orders ``(id, side, px, qty)`` (``self.initial`` filled)."""
        snap = self.opts.snapshot
        assert snap is not None
        row = b""
        for _path, _n, ln in snap.lines():
            row = ln
            break
        try:
            vals = [int(x) for x in row.decode("ascii").split(",")] if row.strip() else []
        except ValueError:
            raise FeedError(snap.name, 1, "orderbook row is not comma-separated integers") from None
        if len(vals) % 4:
            raise FeedError(snap.name, 1, f"orderbook row has {len(vals)} fields, not a multiple of 4")
        if any(not -(2**63) <= v < 2**63 for v in vals):  # as message fields: 64-bit columns
            raise FeedError(snap.name, 1, "orderbook row has a value that does not fit in 64 bits")
        levels: dict[tuple[int, int], int] = {}
        for i in range(0, len(vals), 4):
            for side, px, size in ((0, vals[i], vals[i + 1]), (1, vals[i + 2], vals[i + 3])):
                if size > 0 and px not in _EMPTY_PX:
                    levels[(side, px)] = size
        if first_message is not None:
            _ts, etype, _oid, size, price, side = first_message
            key = (side, price)
            if etype == 1:
                left = levels.get(key, 0) - size
                if left > 0:
                    levels[key] = left
                else:
                    levels.pop(key, None)
            elif etype in (2, 3, 4):
                levels[key] = levels.get(key, 0) + size
        orders = []
        try:
            for n, ((side, px), size) in enumerate(sorted(levels.items())):
                oid = SYNTHETIC_ID_BASE + n
                orders.append(
                    (oid, side, self._ticks(px, "orderbook price"), self._lots(size, "orderbook size"))
                )
                self.initial[(side, px)] = oid
        except ValueError as e:
            raise FeedError(snap.name, 1, str(e)) from None
        return orders

    def _apply(self, m: tuple[int, int, int, int, int, int], line: int) -> None:
        ts, etype, oid, size, price, side = m
        log = self.log
        if etype >= 5:
            self.counts[SKIPPED_EVENTS[etype]] += 1
            log.skip(Kind.NONBOOK, ts, line, line)
            return
        px = self._ticks(price, "price")
        qty = self._lots(size, "size")
        if etype == 1:
            log.add(oid, side, px, qty)
        else:
            target = oid
            if oid not in log:
                syn = self.initial.get((side, price))
                if syn is not None and syn in log:
                    self.counts["initial_level"] += 1
                    target = syn  # else the log counts it unknown_id and ignores it
            if etype == 4:
                log.execute(target, qty)
            elif etype == 3 and target != oid:
                log.cancel(target, qty)  # a deletion of an initial order: its size, from the level
            else:
                log.cancel(target, 0 if etype == 3 else qty)
        log.end(ts, line, line)

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        if c_log_enabled():
            yield from LobsterBlocks(self).mbo_batches()
            return
        started = False
        path = self.source.name
        for path, line, raw in self.source.lines():
            if not raw.strip():
                continue
            try:
                m = self._message(raw)
            except ValueError as e:
                m = None
                note = str(e)
            if not started:
                started = True
                self._initial_book(m)
            if m is None:
                self.log.skip(Kind.ERROR, 0, line, line, note=note)
                continue
            try:
                self._apply(m, line)
            except ValueError as e:  # raised before the log changed anything (LevelOverflowError too)
                self.log.skip(Kind.ERROR, m[0], line, line, note=str(e))
            if self.log.pending_rows >= self.batch_rows:
                yield self.flush(path)
        if not started:
            self._initial_book(None)
        yield self.flush(path)
