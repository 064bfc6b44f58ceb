"""A naive, obviously-correct model of an order-level (L3) book.

It is the oracle of the L3 differential tests (``tapebook.L3Book`` and the C
core against it) and of the L3 feed decoders (decoded MBO columns applied to it
must give the book a fixture's construction implies). It follows the
semantics of docs/semantics.md §6 and shares no code with the library (it does not even
import the compiled module).

Representation:

* ``orders``: a dict ``order_id -> [side, px, qty]`` of every resting order;
* ``queues``: per side, a dict ``px -> FIFO`` where the FIFO is an
  insertion-ordered dict ``order_id -> None`` (front = oldest). A plain dict is
  the naive FIFO here because Python dicts keep insertion order and delete in
  O(1), so deep queues with cancels in the middle stay cheap; moving an order to
  the back is ``pop`` + re-insert;
* ``totals``: per side, ``px -> sum of the queue's quantities`` (the L2 view).

Operations (each validates everything first and changes nothing on error):

* ``add(id, side, px, qty)``: a new order at the back of its level;
* ``cancel(id, qty=0)``: remove ``qty`` from the order (0: all of it); the order
  keeps its priority and leaves the book at 0; ``reduce(id, qty)`` is the
  same with ``qty`` in [1, the order's] (``L3Book.reduce``);
* ``modify(id, qty, px=None)``: new quantity (and price): same price and
  quantity not up keeps priority; a price change or a quantity increase goes to
  the back of the (new) level; ``amend(id, px, qty)`` is ``modify(id, qty, px)``
  (``L3Book.amend``);
* ``replace(old_id, new_id, px, qty)``: the old order leaves, the new one (same
  side) joins the back of its level — ``new_id`` may equal ``old_id``;
* ``execute(id, qty)``: fill ``qty`` from the order (priority kept), removed at 0;
* ``clear()`` / ``reset(anchor)``: no orders left.

Queries: ``order``, ``queue_position``, ``level_orders``, ``len``, ``best_*``,
``levels``, ``crossed``; :meth:`RefL3Book.take_level_changes` returns the L2
level changes ``(side, px, total)`` the operations made since the last call —
fed to an L2 book through ``set`` they give the same L2 view (the check the L3
differential tests make after every operation).

Errors are :class:`RefL3Error` (a ``ValueError``) carrying the C status code
the real book returns for the same input; :meth:`RefL3Book.apply_mbo` returns
those codes per row instead of raising, like the batch call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BID = 1
ASK = 0

# Status codes shared with the C core (tb_base.h, tb_l3_base.h), restated.
OK = 0
ERR_SIDE = -17
ERR_PRICE = -18
ERR_BADARG = -25
ERR_FULL = -27
ERR_DUPLICATE = -30
ERR_UNKNOWN = -31
ERR_OVERFLOW = -32

# MBO action bytes (docs/semantics.md §6).
ADD = ord("A")
CANCEL = ord("C")
MODIFY = ord("M")
EXECUTE = ord("E")
CLEAR = ord("R")


class RefL3Error(ValueError):
    """The model refused an operation; ``status`` is the C core's code for it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RefDuplicateOrderError(RefL3Error):
    """An add (or a replace's new id) names an order id that rests already."""


class RefUnknownOrderError(RefL3Error):
    """The operation names an order id that does not rest."""


@dataclass(frozen=True)
class RefOrder:
    """A resting order as :meth:`RefL3Book.order` returns it."""

    id: int
    side: int
    px: int
    qty: int


def _limits(price_bits: int, n: int) -> tuple[int, int, int]:
    """``(lowest valid price, highest valid price, qty type max)`` of a family."""
    if price_bits == 32:
        lo, hi, qmax = -(2**31), 2**31 - 1, 2**32 - 1
    elif price_bits == 64:
        lo, hi, qmax = -(2**63), 2**63 - 1, 2**64 - 1
    else:
        raise ValueError(f"price_bits must be 32 or 64, got {price_bits}")
    return lo + n, hi - n, qmax


class RefL3Book:
    """The model (see the module docstring).

    ``price_bits`` and ``n`` fix the valid prices (``[TYPE_MIN + n, TYPE_MAX - n]``)
    and the quantity type (a level total above its maximum is refused);
    ``max_orders`` (``None``: unbounded) models the arena: an add beyond it is
    refused with ``ERR_FULL``. ``max_levels`` (``None``: unbounded) is a
    per-side limit on price levels, also ``ERR_FULL``.
    """

    def __init__(
        self,
        price_bits: int = 64,
        n: int = 1024,
        max_orders: int | None = None,
        max_levels: int | None = None,
    ) -> None:
        self.px_lo, self.px_hi, self.qty_max = _limits(price_bits, n)
        self.max_orders = max_orders
        self.max_levels = max_levels
        self.orders: dict[int, list[int]] = {}
        self.queues: tuple[dict[int, dict[int, None]], dict[int, dict[int, None]]] = ({}, {})
        self.totals: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self._changes: dict[tuple[int, int], int] = {}
        self._change_order: list[tuple[int, int]] = []

    # -- validation helpers ------------------------------------------------

    def _check_side(self, side: int) -> int:
        if side not in (0, 1):
            raise RefL3Error(ERR_SIDE, f"side must be 1 (bid) or 0 (ask), got {side!r}")
        return int(side)

    def _check_px(self, px: int) -> None:
        if not self.px_lo <= px <= self.px_hi:
            raise RefL3Error(ERR_PRICE, f"px must be in [{self.px_lo}, {self.px_hi}], got {px}")

    def _check_qty(self, qty: int, name: str = "qty") -> None:
        if not 0 < qty <= self.qty_max:
            raise RefL3Error(ERR_BADARG, f"{name} must be in [1, {self.qty_max}], got {qty}")

    def _check_id(self, order_id: int) -> None:
        if not 0 <= order_id < 2**64:
            raise RefL3Error(ERR_BADARG, f"order_id must be in [0, 2**64), got {order_id}")

    def _known(self, order_id: int) -> list[int]:
        self._check_id(order_id)
        o = self.orders.get(order_id)
        if o is None:
            raise RefUnknownOrderError(ERR_UNKNOWN, f"no resting order has id {order_id}")
        return o

    def _check_room(self, side: int, px: int, qty: int, freed: tuple[int, int, int] | None) -> None:
        """An order of ``qty`` can join level (side, px) once ``freed`` (side, px, qty) left."""
        total = self.totals[side].get(px, 0)
        if freed is not None and freed[0] == side and freed[1] == px:
            total -= freed[2]
        if total + qty > self.qty_max:
            raise RefL3Error(ERR_OVERFLOW, f"level ({side}, {px}) total would exceed {self.qty_max}")
        if self.max_levels is not None and px not in self.totals[side]:
            levels = len(self.totals[side])
            if freed is not None and freed[0] == side and self._sole(freed):
                levels -= 1
            if levels >= self.max_levels:
                raise RefL3Error(ERR_FULL, f"side {side} holds max_levels={self.max_levels} levels")

    def _sole(self, freed: tuple[int, int, int]) -> bool:
        """The freed order is alone at its level (removing it removes the level)."""
        return len(self.queues[freed[0]].get(freed[1], ())) == 1

    # -- primitive mutations (no validation) -------------------------------

    def _note(self, side: int, px: int) -> None:
        key = (side, px)
        if key not in self._changes:
            self._change_order.append(key)
        self._changes[key] = self.totals[side].get(px, 0)

    def _push(self, order_id: int, side: int, px: int, qty: int) -> None:
        self.orders[order_id] = [side, px, qty]
        self.queues[side].setdefault(px, {})[order_id] = None
        self.totals[side][px] = self.totals[side].get(px, 0) + qty
        self._note(side, px)

    def _remove(self, order_id: int) -> None:
        side, px, qty = self.orders.pop(order_id)
        q = self.queues[side][px]
        del q[order_id]
        if q:
            self.totals[side][px] -= qty
        else:
            del self.queues[side][px]
            del self.totals[side][px]
        self._note(side, px)

    def _reduce(self, order_id: int, qty: int) -> None:
        o = self.orders[order_id]
        if qty >= o[2]:
            self._remove(order_id)
            return
        o[2] -= qty
        self.totals[o[0]][o[1]] -= qty
        self._note(o[0], o[1])

    # -- operations ----------------------------------------------------------

    def add(self, order_id: int, side: int, px: int, qty: int) -> None:
        """A new order at the back of level (side, px)."""
        self._check_id(order_id)
        side = self._check_side(side)
        self._check_px(px)
        self._check_qty(qty)
        if order_id in self.orders:
            raise RefDuplicateOrderError(ERR_DUPLICATE, f"order id {order_id} rests already")
        if self.max_orders is not None and len(self.orders) >= self.max_orders:
            raise RefL3Error(ERR_FULL, f"the book holds max_orders={self.max_orders} orders")
        self._check_room(side, px, qty, None)
        self._push(order_id, side, px, qty)

    def cancel(self, order_id: int, qty: int = 0) -> None:
        """Remove ``qty`` of the order (0: all of it); it keeps its priority, leaves at 0."""
        o = self._known(order_id)
        if qty < 0 or qty > o[2]:
            raise RefL3Error(ERR_BADARG, f"qty must be in [0, {o[2]}] (the order's), got {qty}")
        self._reduce(order_id, qty or o[2])

    def execute(self, order_id: int, qty: int) -> None:
        """Fill ``qty`` from the order (priority kept); it leaves the book at 0."""
        o = self._known(order_id)
        if not 0 < qty <= o[2]:
            raise RefL3Error(ERR_BADARG, f"qty must be in [1, {o[2]}] (the order's), got {qty}")
        self._reduce(order_id, qty)

    def reduce(self, order_id: int, qty: int) -> None:
        """``L3Book.reduce``: take ``qty`` (in [1, the order's]) off, priority kept; leaves at 0."""
        o = self._known(order_id)
        if not 0 < qty <= o[2]:
            raise RefL3Error(ERR_BADARG, f"qty must be in [1, {o[2]}] (the order's), got {qty}")
        self._reduce(order_id, qty)

    def amend(self, order_id: int, px: int, qty: int) -> None:
        """``L3Book.amend``: :meth:`modify` to a new price and quantity."""
        self.modify(order_id, qty, px)

    def modify(self, order_id: int, qty: int, px: int | None = None) -> None:
        """New quantity (and price): same price and qty not up keeps priority, else to the back."""
        o = self._known(order_id)
        side, old_px, old_qty = o
        new_px = old_px if px is None else px
        self._check_qty(qty)  # the C core's order: unknown id, quantity, price
        self._check_px(new_px)
        if new_px == old_px and qty <= old_qty:
            if qty < old_qty:
                self._reduce(order_id, old_qty - qty)
            return
        self._check_room(side, new_px, qty, (side, old_px, old_qty))
        self._remove(order_id)
        self._push(order_id, side, new_px, qty)

    def replace(self, old_id: int, new_id: int, px: int, qty: int) -> None:
        """The old order leaves; ``new_id`` joins the back of (its side, px) with ``qty``."""
        o = self._known(old_id)
        self._check_id(new_id)
        self._check_qty(qty)  # the C core's order: unknown id, quantity, price, duplicate
        self._check_px(px)
        if new_id != old_id and new_id in self.orders:
            raise RefDuplicateOrderError(ERR_DUPLICATE, f"order id {new_id} rests already")
        side = o[0]
        self._check_room(side, px, qty, (side, o[1], o[2]))
        self._remove(old_id)
        self._push(new_id, side, px, qty)

    def clear(self) -> None:
        """Remove every order."""
        for side in (ASK, BID):
            for px in list(self.totals[side]):
                del self.totals[side][px]
                self._note(side, px)
            self.queues[side].clear()
        self.orders.clear()

    def reset(self, anchor: int = 0) -> None:
        """Like the real book's ``reset(anchor)``: no orders left (the anchor is L2 detail)."""
        del anchor
        self.clear()

    def apply_mbo(
        self,
        actions: Iterable[int],
        order_ids: Iterable[int],
        sides: Iterable[int],
        prices: Iterable[int],
        qtys: Iterable[int],
    ) -> list[int]:
        """Apply MBO rows (docs/semantics.md §6 actions); one status per row, 0 for success.

        ``A`` add (id, side, px, qty); ``C`` cancel qty (0: all); ``M`` modify to
        (px, qty); ``E`` execute qty; ``R`` clear. A row that fails changes nothing.
        Any other action byte is ``ERR_BADARG``.
        """
        out: list[int] = []
        for a, oid, s, p, q in zip(actions, order_ids, sides, prices, qtys, strict=True):
            out.append(self.apply_row(int(a), int(oid), int(s), int(p), int(q)))
        return out

    def apply_row(self, action: int, order_id: int, side: int, px: int, qty: int) -> int:
        """One MBO row; returns its status (see :meth:`apply_mbo`)."""
        try:
            if action == ADD:
                self.add(order_id, side, px, qty)
            elif action == CANCEL:
                self.cancel(order_id, qty)
            elif action == MODIFY:
                self.modify(order_id, qty, px)
            elif action == EXECUTE:
                self.execute(order_id, qty)
            elif action == CLEAR:
                self.clear()
            else:
                return ERR_BADARG
        except RefL3Error as e:
            return e.status
        return OK

    # -- queries ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self.orders

    def order(self, order_id: int) -> RefOrder | None:
        """The resting order ``order_id``, or ``None``."""
        o = self.orders.get(order_id)
        return None if o is None else RefOrder(order_id, o[0], o[1], o[2])

    def queue_position(self, order_id: int) -> tuple[int, int]:
        """``(orders ahead, quantity ahead)`` of the order at its level."""
        side, px, _ = self._known(order_id)
        ahead = qty_ahead = 0
        for oid in self.queues[side][px]:
            if oid == order_id:
                break
            ahead += 1
            qty_ahead += self.orders[oid][2]
        return ahead, qty_ahead

    def level_orders(self, side: int, px: int) -> list[tuple[int, int]]:
        """``[(order_id, qty), ...]`` of level (side, px), front of the queue first."""
        return [(oid, self.orders[oid][2]) for oid in self.queues[int(side)].get(px, ())]

    def level_qty(self, side: int, px: int) -> int:
        """The level's total quantity (0 when empty)."""
        return self.totals[int(side)].get(px, 0)

    def levels(self, side: int, k: int | None = None) -> list[tuple[int, int]]:
        """The L2 view of a side, best first: ``[(px, total), ...]`` (``k``: at most k)."""
        side = int(side)
        pxs = sorted(self.totals[side], reverse=side == BID)
        if k is not None:
            pxs = pxs[:k]
        return [(px, self.totals[side][px]) for px in pxs]

    def best_bid_px(self) -> int | None:
        """Highest bid price, or ``None``."""
        return max(self.totals[BID]) if self.totals[BID] else None

    def best_ask_px(self) -> int | None:
        """Lowest ask price, or ``None``."""
        return min(self.totals[ASK]) if self.totals[ASK] else None

    def best_bid_qty(self) -> int:
        """Total at the best bid (0 when empty)."""
        px = self.best_bid_px()
        return 0 if px is None else self.totals[BID][px]

    def best_ask_qty(self) -> int:
        """Total at the best ask (0 when empty)."""
        px = self.best_ask_px()
        return 0 if px is None else self.totals[ASK][px]

    def bbo(self) -> tuple[int | None, int, int | None, int]:
        """``(bid_px, bid_qty, ask_px, ask_qty)``; ``None`` prices for empty sides."""
        return self.best_bid_px(), self.best_bid_qty(), self.best_ask_px(), self.best_ask_qty()

    def crossed(self) -> bool:
        """Both sides non-empty and best bid >= best ask (an L3 book may cross)."""
        b, a = self.best_bid_px(), self.best_ask_px()
        return b is not None and a is not None and b >= a

    def take_level_changes(self) -> list[tuple[int, int, int]]:
        """The L2 changes ``(side, px, total)`` since the last call, in first-touch order.

        ``total`` is the level's quantity now (0: the level is gone). Levels that
        ended where they started are reported too (setting them is a no-op).
        """
        out = [(s, p, self._changes[(s, p)]) for s, p in self._change_order]
        self._changes.clear()
        self._change_order.clear()
        return out

    def check(self) -> None:
        """Assert the model's own invariants (totals = sums of queues, no empty level)."""
        seen = 0
        for side in (ASK, BID):
            assert set(self.queues[side]) == set(self.totals[side])
            for px, q in self.queues[side].items():
                assert q, f"empty queue at ({side}, {px})"
                tot = 0
                for oid in q:
                    s, p, qty = self.orders[oid]
                    assert (s, p) == (side, px) and 0 < qty <= self.qty_max
                    tot += qty
                    seen += 1
                assert tot == self.totals[side][px] <= self.qty_max
        assert seen == len(self.orders)


def replay_mbo(book: RefL3Book, rows: Sequence[tuple[int, int, int, int, int]]) -> list[int]:
    """Apply ``(action, id, side, px, qty)`` tuples; the statuses (convenience for tests)."""
    return [book.apply_row(*r) for r in rows]
