"""Market-by-order (L3) feeds: the order log every L3 reader drives, and its two outputs.

An L3 venue reports orders, not levels. Each L3 reader (``itch``, ``lobster``,
``bitstamp-l3``, ``databento-mbo``) decodes its venue's events and hands them to
an :class:`OrderLog`, which keeps the resting orders as the venue reported them
and writes, per message:

* **MBO rows** (:class:`MboBatch`): ``action`` (docs/semantics.md §6: ``A`` add, ``C``
  cancel ``qty`` — the whole order when ``qty`` is its remaining quantity —,
  ``M`` modify to ``(px, qty)``, ``E`` execute ``qty``, ``R`` clear),
  ``order_id``, ``side``, ``px`` (ticks), ``qty`` (lots). The rows are
  *consistent*: applied in order to an empty order-level book (``L3Book.apply_mbo``
  or ``tapebook.testing.l3_reference``) every row succeeds. The venue's own
  oddities are resolved here, by its reader's rules, and counted (see
  :attr:`OrderLog.counts`): an ITCH replace becomes ``C`` old + ``A`` new with
  the old order's side; a Bitstamp ``order_changed`` for an order that does not
  rest becomes an ``A``; an event for an unknown order that the venue's rules
  say to ignore gives no row.
* **L2 rows** (:class:`~tapebook.feeds.MessageBatch`, ``DELTA`` messages): the
  absolute quantity of every level the message touched, after the message —
  what the replay engine applies to an L2 :class:`~tapebook.Book`, so an L3
  feed gets the same BBO / depth series, policies and result as an L2 one.

Why a Python dict here rather than the C L3 book: the log must accept what the
venue says even where an order-level book would refuse it (a Bitstamp book
may cross, an id may be reused), and it decides per venue rule what each event
means; it is the feeds' normaliser, not a book.

Messages: ``end(ts, seq, line)`` closes the rows since the last message as one
message (one BBO row); ``skip(kind, ...)`` records a message that gives no row
(NONBOOK, ERROR, ...). Batches are flushed by the reader (``flush()``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ._reader import Kind, MessageBatch

ADD = ord("A")
CANCEL = ord("C")
MODIFY = ord("M")
EXECUTE = ord("E")
CLEAR = ord("R")

#: the largest level total (the quantity type of the C order log and the L3Book)
QTY_MAX = 2**64 - 1


def overflow_note(px: int) -> str:
    """Why an operation was refused for a level total past QTY_MAX (both order logs)."""
    return f"the level at price {px} ticks would hold more than {QTY_MAX} lots (level_overflow)"


class LevelOverflowError(ValueError):
    """An add / modify / replace the order log refused (counted ``level_overflow``,
    nothing changed): a level's total would pass :data:`QTY_MAX`. A ValueError, as a
    line the reader cannot apply is."""


@dataclass
class MboBatch:
    """Consistent MBO rows of one file, grouped into messages like a MessageBatch.

    Row columns: ``action`` (uint8), ``order_id`` (uint64), ``side`` (uint8, 1
    bid / 0 ask; 0 where the action does not use it), ``px`` (int64 ticks),
    ``qty`` (uint64 lots). Message columns: ``row_end``, ``ts``, ``seq``,
    ``kind``, ``line`` as in :class:`~tapebook.feeds.MessageBatch`, and
    ``notes`` (message index -> reason, for ERROR messages). DELTA messages'
    rows apply in order; a SNAPSHOT message (LOBSTER's initial book) clears the
    book first; other kinds own no rows.
    """

    path: str
    action: np.ndarray
    order_id: np.ndarray
    side: np.ndarray
    px: np.ndarray
    qty: np.ndarray
    row_end: np.ndarray
    ts: np.ndarray
    seq: np.ndarray
    kind: np.ndarray
    line: np.ndarray
    notes: dict[int, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.action)

    @property
    def n_messages(self) -> int:
        return len(self.kind)

    def rows(self) -> list[tuple[int, int, int, int, int]]:
        """``(action, order_id, side, px, qty)`` tuples (for tests and small files)."""
        cols = (self.action, self.order_id, self.side, self.px, self.qty)
        return list(zip(*(c.tolist() for c in cols), strict=True))


class OrderLog:
    """The resting orders of one instrument as its feed reports them (see the module docstring).

    Every operation records the rows it produces for the message in progress;
    ``counts`` names what was resolved or ignored (``unknown_id``,
    ``duplicate_add``, ``changed_unknown``, ``overfill``, ...). An add, modify or
    replace that would take a level's total past :data:`QTY_MAX` changes nothing,
    is counted ``level_overflow`` and raises :class:`LevelOverflowError`.
    """

    def __init__(self, path: str = "") -> None:
        self.path = path
        self.orders: dict[int, list[int]] = {}  # id -> [side, px, qty]
        self.levels: tuple[dict[int, int], dict[int, int]] = ({}, {})  # side -> px -> total
        self.counts: Counter[str] = Counter()
        self._reset_out()

    # ---- output buffers -------------------------------------------------------------

    def _reset_out(self) -> None:
        self._act: list[int] = []
        self._oid: list[int] = []
        self._side: list[int] = []
        self._px: list[int] = []
        self._qty: list[int] = []
        self._mbo_end: list[int] = []
        self._l2_side: list[int] = []
        self._l2_px: list[int] = []
        self._l2_qty: list[int] = []
        self._l2_end: list[int] = []
        self._ts: list[int] = []
        self._seq: list[int] = []
        self._kind: list[int] = []
        self._line: list[int] = []
        self._notes: dict[int, str] = {}
        self._touched: dict[tuple[int, int], None] = {}

    def _row(self, action: int, oid: int, side: int, px: int, qty: int) -> None:
        self._act.append(action)
        self._oid.append(oid)
        self._side.append(side)
        self._px.append(px)
        self._qty.append(qty)

    def _check_fits(self, side: int, px: int, qty: int, *leaving: int) -> None:
        """Raise LevelOverflowError (counted) unless qty more fits on (side, px) once the
        resting orders ``leaving`` (each once, where they rest on that level) have left."""
        total = self.levels[side].get(px, 0)
        for oid in dict.fromkeys(leaving):
            o = self.orders.get(oid)
            if o is not None and o[0] == side and o[1] == px:
                total -= o[2]
        if total + qty > QTY_MAX:
            self.counts["level_overflow"] += 1
            raise LevelOverflowError(overflow_note(px))

    def _level(self, side: int, px: int, delta: int) -> None:
        lv = self.levels[side]
        total = lv.get(px, 0) + delta
        if total:
            lv[px] = total
        else:
            del lv[px]
        self._touched[(side, px)] = None

    # ---- operations -------------------------------------------------------------------

    def __contains__(self, order_id: int) -> bool:
        return order_id in self.orders

    def __len__(self) -> int:
        return len(self.orders)

    def side_of(self, order_id: int) -> int | None:
        o = self.orders.get(order_id)
        return None if o is None else o[0]

    def add(self, oid: int, side: int, px: int, qty: int) -> None:
        """A new order; an id that rests already is replaced (counted ``duplicate_add``)."""
        if qty == 0:
            self.counts["zero_qty"] += 1
            return
        self._check_fits(side, px, qty, oid)
        if oid in self.orders:
            self.counts["duplicate_add"] += 1
            self._remove(oid)
        self.orders[oid] = [side, px, qty]
        self._level(side, px, qty)
        self._row(ADD, oid, side, px, qty)

    def _remove(self, oid: int) -> None:
        side, px, qty = self.orders.pop(oid)
        self._level(side, px, -qty)
        self._row(CANCEL, oid, 0, 0, qty)

    def cancel(self, oid: int, qty: int = 0) -> None:
        """Remove ``qty`` of the order (0: all); unknown ids are counted ``unknown_id``."""
        o = self.orders.get(oid)
        if o is None:
            self.counts["unknown_id"] += 1
            return
        if qty == 0 or qty >= o[2]:
            if qty > o[2]:
                self.counts["overcancel"] += 1
            self._remove(oid)
            return
        o[2] -= qty
        self._level(o[0], o[1], -qty)
        self._row(CANCEL, oid, 0, 0, qty)

    def execute(self, oid: int, qty: int) -> None:
        """Fill ``qty`` from the order (removed at 0); more than it holds fills it (``overfill``)."""
        o = self.orders.get(oid)
        if o is None:
            self.counts["unknown_id"] += 1
            return
        if qty == 0:
            self.counts["zero_qty"] += 1
            return
        if qty > o[2]:
            self.counts["overfill"] += 1
            qty = o[2]
        if qty == o[2]:
            del self.orders[oid]
        else:
            o[2] -= qty
        self._level(o[0], o[1], -qty)
        self._row(EXECUTE, oid, 0, 0, qty)

    def modify(self, oid: int, px: int, qty: int, side: int | None = None) -> None:
        """The order's new price and quantity (0: it leaves the book). For an order
        that does not rest: an add when ``side`` is given (counted ``modify_unknown``),
        else counted ``unknown_id``. Same price and quantity not up keeps priority."""
        o = self.orders.get(oid)
        if o is None:
            if side is None:
                self.counts["unknown_id"] += 1
            elif qty:
                self.counts["modify_unknown"] += 1
                self.add(oid, side, px, qty)
            return
        if qty == 0:
            self._remove(oid)
            return
        if px == o[1] and qty == o[2]:
            self.counts["modify_unchanged"] += 1
            return
        self._check_fits(o[0], px, qty, oid)
        self._level(o[0], o[1], -o[2])
        o[1], o[2] = px, qty
        self._level(o[0], px, qty)
        self._row(MODIFY, oid, o[0], px, qty)

    def replace(self, old: int, new: int, px: int, qty: int) -> None:
        """``old`` leaves, ``new`` (same side) joins the back of ``px`` (ITCH ``U``)."""
        o = self.orders.get(old)
        if o is None:
            self.counts["unknown_id"] += 1
            return
        side = o[0]
        if qty:
            self._check_fits(side, px, qty, old, new)
        self._remove(old)
        self.add(new, side, px, qty)

    def clear(self) -> None:
        """Every order leaves."""
        for side in (0, 1):
            for px in self.levels[side]:
                self._touched[(side, px)] = None
            self.levels[side].clear()
        self.orders.clear()
        self._row(CLEAR, 0, 0, 0, 0)

    # ---- messages -----------------------------------------------------------------------

    def end(self, ts: int, seq: int, line: int, kind: Kind = Kind.DELTA) -> None:
        """Close the rows since the last message as one message (DELTA; SNAPSHOT for
        an initial book, which the engine loads into an emptied book)."""
        for side, px in self._touched:
            self._l2_side.append(side)
            self._l2_px.append(px)
            self._l2_qty.append(self.levels[side].get(px, 0))
        self._touched.clear()
        self._close(kind, ts, seq, line)

    def skip(self, kind: Kind, ts: int, seq: int, line: int, note: str | None = None) -> None:
        """A message that gives no row (its rows so far, if any, are discarded)."""
        if self._touched or len(self._act) > (self._mbo_end[-1] if self._mbo_end else 0):
            raise AssertionError("skip() after rows of an open message")
        if note is not None:
            self._notes[len(self._kind)] = note
        self._close(kind, ts, seq, line)

    def _close(self, kind: Kind, ts: int, seq: int, line: int) -> None:
        self._mbo_end.append(len(self._act))
        self._l2_end.append(len(self._l2_side))
        self._ts.append(ts)
        self._seq.append(seq)
        self._kind.append(int(kind))
        self._line.append(line)

    @property
    def pending_rows(self) -> int:
        return len(self._act)

    def flush(self) -> tuple[MboBatch, MessageBatch]:
        """The closed messages as an MBO batch and an L2 batch; the buffers start afresh."""
        i64, u64, u8 = np.int64, np.uint64, np.uint8
        ts = np.array(self._ts, dtype=i64)
        seq = np.array(self._seq, dtype=i64)
        kind = np.array(self._kind, dtype=u8)
        line = np.array(self._line, dtype=i64)
        mbo = MboBatch(
            self.path, np.array(self._act, dtype=u8), np.array(self._oid, dtype=u64),
            np.array(self._side, dtype=u8), np.array(self._px, dtype=i64), np.array(self._qty, dtype=u64),
            np.array(self._mbo_end, dtype=i64), ts, seq, kind, line, dict(self._notes),
        )  # fmt: skip
        l2 = MessageBatch(
            self.path, np.array(self._l2_side, dtype=u8), np.array(self._l2_px, dtype=i64),
            np.array(self._l2_qty, dtype=u64), np.array(self._l2_end, dtype=i64),
            ts.copy(), seq.copy(), kind.copy(), line.copy(), notes=dict(self._notes),
        )  # fmt: skip
        self._reset_out()
        return mbo, l2
