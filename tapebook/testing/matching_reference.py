"""A naive, independent model of the matching engine (:class:`tapebook.MatchingEngine`).

Written from the semantics in the README section "Matching engine" alone and sharing no
code with the C engine (it does not import the compiled module), it is the oracle of
the differential tests. It is deliberately plain: a dict ``price -> list`` of resting
orders per side (FIFO order is list order), a dict ``id -> order``, and a linear scan
for the best price. Nothing here is fast; everything is easy to check by reading.

Semantics (the C engine, ``csrc/tapebook/tb_match.inc``, implements the same):

* An incoming order (``submit``) matches the opposite side best price first and
  first-in-first-out within a price, at the maker's price, with partial fills, as far
  as its limit allows (a market order has no limit, or its protection bound).
* Time in force: ``GTC`` rests the remainder, ``IOC`` cancels it, ``FOK`` first checks
  that the whole quantity can be filled (counting what STP would let it take) and
  otherwise cancels the order with nothing changed but the event. A market order never
  rests: its remainder is cancelled (``GTC`` and ``IOC`` behave alike).
* Post-only (``GTC`` limit orders only) is rejected if any resting order would trade.
* Self-trade prevention, between a taker and a maker with the same non-zero owner,
  checked at each maker the taker reaches: ``NONE`` trades; ``CANCEL_NEWEST`` cancels
  the taker's remainder and stops; ``CANCEL_OLDEST`` cancels the maker and goes on;
  ``CANCEL_BOTH`` cancels the maker, then the taker's remainder, and stops.
* Validation errors (:class:`MatchError`) change nothing, not even the sequence number:
  order id 0 or already resting, side not 0/1, qty outside ``[1, qty_max]``, a limit
  price outside ``[px_min, px_max]``, owner outside ``[0, 2**32)``, an unknown time in
  force, post-only on a market or non-GTC order, an order that could rest while the
  book holds ``max_orders`` orders, one that could rest on a level whose total would
  exceed ``qty_max``, or one that could open a level on a side holding ``max_levels``.
  The last three are checked before matching (conservatively: the order might have
  filled) so that an error can never follow a fill.

Events: every state change is one :class:`Event` with a sequence number that counts
all events of the engine from 1. ``side``/``px``/``level_qty`` name the book level the
event is about and its total after the event; ``flags & FLAG_L2`` marks events that
changed a level (the L2 deltas of the call are exactly those events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

BID = 1
ASK = 0

# event kinds
FILL = 1
REST = 2
CANCEL = 3
REJECT = 4
MODIFY = 5

# reasons
R_NONE = 0
R_IOC = 1  # the unfilled remainder of an IOC limit order
R_MARKET = 2  # the unfilled remainder of a market order
R_FOK = 3  # a FOK order that could not fill completely
R_STP = 4  # self-trade prevention
R_POST_ONLY = 5  # a post-only order that would have taken
R_USER = 6  # cancel() by the user

# event flags
FLAG_L2 = 1  # the event changed the level (side, px) to level_qty

# time in force
GTC = 0
IOC = 1
FOK = 2

# self-trade prevention modes
STP_NONE = 0
STP_CANCEL_NEWEST = 1
STP_CANCEL_OLDEST = 2
STP_CANCEL_BOTH = 3

# submit statuses
RESTED = 0
FILLED = 1
PARTIAL = 2
CANCELLED = 3
REJECTED = 4

OWNER_LIMIT = 2**32


class Event(NamedTuple):
    """One engine event (the C ``tb_match_event``, field for field)."""

    seq: int
    kind: int
    reason: int
    side: int
    flags: int
    owner: int
    taker_id: int
    maker_id: int
    px: int
    qty: int
    taker_remaining: int
    maker_remaining: int
    level_qty: int


class MatchError(ValueError):
    """A submit, cancel or modify the reference refuses; nothing changed."""


@dataclass
class _Order:
    order_id: int
    side: int
    px: int
    qty: int
    owner: int


def _crosses(taker_side: int, limit: int | None, maker_px: int) -> bool:
    if limit is None:
        return True
    return maker_px <= limit if taker_side == BID else maker_px >= limit


class RefMatchingEngine:
    """The plain-Python matching engine (see the module docstring for the rules).

    ``px_min``/``px_max``: the valid limit prices; ``qty_max``: the largest quantity of
    an order and of a level total; ``max_orders``: how many orders may rest at once.
    """

    def __init__(
        self,
        stp: int = STP_CANCEL_NEWEST,
        *,
        px_min: int = -(2**63) + 4096,
        px_max: int = 2**63 - 1 - 4096,
        qty_max: int = 2**64 - 1,
        max_orders: int = 1 << 20,
        max_levels: int = 4096,
    ) -> None:
        if stp not in (STP_NONE, STP_CANCEL_NEWEST, STP_CANCEL_OLDEST, STP_CANCEL_BOTH):
            raise MatchError(f"stp must be 0..3, got {stp}")
        self.stp = stp
        self.px_min, self.px_max, self.qty_max, self.max_orders = px_min, px_max, qty_max, max_orders
        self.max_levels = max_levels
        self.levels: tuple[dict[int, list[_Order]], dict[int, list[_Order]]] = ({}, {})  # [ASK], [BID]
        self.orders: dict[int, _Order] = {}
        self.seq = 0
        self.events: list[Event] = []  # every event of the engine, in order

    # ---- queries ------------------------------------------------------------------

    def best(self, side: int) -> int | None:
        prices = self.levels[side].keys()
        if not prices:
            return None
        return max(prices) if side == BID else min(prices)

    def level_qty(self, side: int, px: int) -> int:
        return sum(o.qty for o in self.levels[side].get(px, ()))

    def level_orders(self, side: int, px: int) -> list[tuple[int, int]]:
        return [(o.order_id, o.qty) for o in self.levels[side].get(px, ())]

    def depth(self, side: int) -> list[tuple[int, int]]:
        """Every level of a side, best first, as (px, total qty)."""
        prices = sorted(self.levels[side], reverse=(side == BID))
        return [(p, self.level_qty(side, p)) for p in prices]

    def owner_of(self, order_id: int) -> int | None:
        o = self.orders.get(order_id)
        return None if o is None else o.owner

    def __len__(self) -> int:
        return len(self.orders)

    # ---- helpers ---------------------------------------------------------------------

    def _emit(self, out: list[Event], **fields: int) -> None:
        self.seq += 1
        ev = Event(seq=self.seq, **fields)
        out.append(ev)
        self.events.append(ev)

    def _remove(self, o: _Order) -> None:
        queue = self.levels[o.side][o.px]
        queue.remove(o)
        if not queue:
            del self.levels[o.side][o.px]
        del self.orders[o.order_id]

    def _makers(self, taker_side: int, limit: int | None) -> list[_Order]:
        """Resting orders the taker can reach, in the order it reaches them."""
        side = 1 - taker_side
        prices = sorted(self.levels[side], reverse=(side == BID))
        return [o for p in prices if _crosses(taker_side, limit, p) for o in self.levels[side][p]]

    def _fok_available(self, taker_side: int, limit: int | None, owner: int, need: int) -> bool:
        got = 0
        for m in self._makers(taker_side, limit):
            if owner != 0 and m.owner == owner and self.stp != STP_NONE:
                if self.stp == STP_CANCEL_OLDEST:
                    continue  # it would be cancelled, not traded
                break  # the taker would stop here
            got += m.qty
            if got >= need:
                return True
        return got >= need

    # ---- operations -------------------------------------------------------------------

    def submit(
        self,
        order_id: int,
        side: int,
        px: int | None,
        qty: int,
        tif: int = GTC,
        owner: int = 0,
        post_only: bool = False,
    ) -> tuple[int, list[Event], int]:
        """Match one incoming order. ``px=None``: a market order (no bound) — use
        :meth:`submit_market` for a bounded one. Returns (status, events, resting qty)."""
        return self._submit(order_id, side, px, qty, tif, owner, post_only, market=px is None)

    def submit_market(
        self, order_id: int, side: int, qty: int, bound: int | None = None, tif: int = IOC, owner: int = 0
    ) -> tuple[int, list[Event], int]:
        """A market order that trades no worse than ``bound`` (a protection price) when given."""
        return self._submit(order_id, side, bound, qty, tif, owner, False, market=True)

    def _validate(
        self,
        order_id: int,
        side: int,
        limit: int | None,
        qty: int,
        tif: int,
        owner: int,
        post_only: bool,
        market: bool,
    ) -> None:
        if not 0 < order_id < 2**64:
            raise MatchError(f"order_id must be in [1, 2**64), got {order_id}")
        if order_id in self.orders:
            raise MatchError(f"order_id {order_id} is already resting")
        if side not in (BID, ASK):
            raise MatchError(f"side must be 0 or 1, got {side}")
        if not 1 <= qty <= self.qty_max:
            raise MatchError(f"qty must be in [1, {self.qty_max}], got {qty}")
        if limit is not None and not self.px_min <= limit <= self.px_max:
            raise MatchError(f"px must be in [{self.px_min}, {self.px_max}], got {limit}")
        if not 0 <= owner < OWNER_LIMIT:
            raise MatchError(f"owner must be in [0, 2**32), got {owner}")
        if tif not in (GTC, IOC, FOK):
            raise MatchError(f"tif must be 0..2, got {tif}")
        if post_only and (market or tif != GTC):
            raise MatchError("post_only needs a GTC limit order")
        if not market and tif == GTC and limit is not None:
            if len(self.orders) >= self.max_orders:
                raise MatchError(f"the book holds max_orders={self.max_orders} orders")
            if limit in self.levels[side]:
                if self.level_qty(side, limit) + qty > self.qty_max:
                    raise MatchError(f"the level total at {limit} would exceed {self.qty_max}")
            elif len(self.levels[side]) >= self.max_levels:
                raise MatchError(f"side {side} holds max_levels={self.max_levels} levels")

    def _submit(
        self,
        order_id: int,
        side: int,
        limit: int | None,
        qty: int,
        tif: int,
        owner: int,
        post_only: bool,
        market: bool,
    ) -> tuple[int, list[Event], int]:
        self._validate(order_id, side, limit, qty, tif, owner, post_only, market)
        out: list[Event] = []
        taker = dict(taker_id=order_id, owner=owner)
        makers = self._makers(side, limit)
        if post_only and makers:
            self._emit(
                out,
                kind=REJECT,
                reason=R_POST_ONLY,
                side=side,
                flags=0,
                maker_id=0,
                px=limit,
                qty=qty,
                taker_remaining=0,
                maker_remaining=0,
                level_qty=0,
                **taker,
            )
            return REJECTED, out, 0
        if tif == FOK and not self._fok_available(side, limit, owner, qty):
            self._emit(
                out,
                kind=CANCEL,
                reason=R_FOK,
                side=side,
                flags=0,
                maker_id=0,
                px=limit if limit is not None else 0,
                qty=qty,
                taker_remaining=0,
                maker_remaining=0,
                level_qty=0,
                **taker,
            )
            return CANCELLED, out, 0
        remaining = qty
        filled = 0
        stop_reason = R_NONE
        for m in makers:
            if remaining == 0:
                break
            if owner != 0 and m.owner == owner and self.stp != STP_NONE:
                if self.stp in (STP_CANCEL_OLDEST, STP_CANCEL_BOTH):
                    self._remove(m)
                    self._emit(
                        out,
                        kind=CANCEL,
                        reason=R_STP,
                        side=m.side,
                        flags=FLAG_L2,
                        maker_id=m.order_id,
                        px=m.px,
                        qty=m.qty,
                        taker_remaining=remaining,
                        maker_remaining=0,
                        level_qty=self.level_qty(m.side, m.px),
                        taker_id=order_id,
                        owner=m.owner,
                    )
                if self.stp in (STP_CANCEL_NEWEST, STP_CANCEL_BOTH):
                    stop_reason = R_STP
                    break
                continue
            take = min(remaining, m.qty)
            remaining -= take
            filled += take
            m.qty -= take
            if m.qty == 0:
                self._remove(m)
            self._emit(
                out,
                kind=FILL,
                reason=R_NONE,
                side=m.side,
                flags=FLAG_L2,
                maker_id=m.order_id,
                px=m.px,
                qty=take,
                taker_remaining=remaining,
                maker_remaining=m.qty,
                level_qty=self.level_qty(m.side, m.px),
                taker_id=order_id,
                owner=m.owner,
            )
        resting = 0
        if remaining:
            if stop_reason == R_NONE and not market and tif == GTC:
                o = _Order(order_id, side, limit, remaining, owner)  # type: ignore[arg-type]
                self.levels[side].setdefault(o.px, []).append(o)
                self.orders[order_id] = o
                resting = remaining
                self._emit(
                    out,
                    kind=REST,
                    reason=R_NONE,
                    side=side,
                    flags=FLAG_L2,
                    maker_id=0,
                    px=o.px,
                    qty=remaining,
                    taker_remaining=remaining,
                    maker_remaining=0,
                    level_qty=self.level_qty(side, o.px),
                    **taker,
                )
            else:
                reason = stop_reason or (R_MARKET if market else R_IOC)
                self._emit(
                    out,
                    kind=CANCEL,
                    reason=reason,
                    side=side,
                    flags=0,
                    maker_id=0,
                    px=limit if limit is not None else 0,
                    qty=remaining,
                    taker_remaining=0,
                    maker_remaining=0,
                    level_qty=0,
                    **taker,
                )
        if remaining == 0:
            status = FILLED
        elif filled:
            status = PARTIAL
        else:
            status = RESTED if resting else CANCELLED
        return status, out, resting

    def cancel(self, order_id: int) -> list[Event]:
        """Remove a resting order (one CANCEL event, reason USER)."""
        o = self.orders.get(order_id)
        if o is None:
            raise MatchError(f"order_id {order_id} is not resting")
        self._remove(o)
        out: list[Event] = []
        self._emit(
            out,
            kind=CANCEL,
            reason=R_USER,
            side=o.side,
            flags=FLAG_L2,
            owner=o.owner,
            taker_id=0,
            maker_id=order_id,
            px=o.px,
            qty=o.qty,
            taker_remaining=0,
            maker_remaining=0,
            level_qty=self.level_qty(o.side, o.px),
        )
        return out

    def modify(self, order_id: int, qty: int) -> list[Event]:
        """Change a resting order's quantity: down (or equal) keeps its place in the queue,
        up sends it to the back (one MODIFY event)."""
        o = self.orders.get(order_id)
        if o is None:
            raise MatchError(f"order_id {order_id} is not resting")
        if not 1 <= qty <= self.qty_max:
            raise MatchError(f"qty must be in [1, {self.qty_max}], got {qty}")
        if qty > o.qty:
            if self.level_qty(o.side, o.px) - o.qty + qty > self.qty_max:
                raise MatchError(f"the level total at {o.px} would exceed {self.qty_max}")
            queue = self.levels[o.side][o.px]
            queue.remove(o)
            queue.append(o)
        o.qty = qty
        out: list[Event] = []
        self._emit(
            out,
            kind=MODIFY,
            reason=R_NONE,
            side=o.side,
            flags=FLAG_L2,
            owner=o.owner,
            taker_id=0,
            maker_id=order_id,
            px=o.px,
            qty=qty,
            taker_remaining=0,
            maker_remaining=qty,
            level_qty=self.level_qty(o.side, o.px),
        )
        return out

    # ---- invariants ---------------------------------------------------------------------

    def check_invariants(self) -> None:
        """Never crossed, no empty level or order, the index matches the queues."""
        bid, ask = self.best(BID), self.best(ASK)
        if bid is not None and ask is not None and bid >= ask:
            raise AssertionError(f"crossed after matching: bid {bid} >= ask {ask}")
        seen = 0
        for side in (ASK, BID):
            for px, queue in self.levels[side].items():
                if not queue:
                    raise AssertionError(f"empty level {px} on side {side}")
                if sum(o.qty for o in queue) > self.qty_max:
                    raise AssertionError(f"level {px} total exceeds qty_max")
                for o in queue:
                    seen += 1
                    if o.qty <= 0 or o.px != px or o.side != side or self.orders.get(o.order_id) is not o:
                        raise AssertionError(f"order {o} is inconsistent with its level {px}")
        if seen != len(self.orders) or len(self.orders) > self.max_orders:
            raise AssertionError("the id index and the queues disagree")
