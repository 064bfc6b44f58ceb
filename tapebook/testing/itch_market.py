"""A market-like ITCH 5.0 day for the ITCH benchmarks: an uncrossed book around a
random-walking price, written with :mod:`tapebook.testing.itch_writer`.

The tests' ``random_day`` (tests/python/feeds/test_l3_itch.py) places orders at random
sides and prices, so its book is crossed almost all day: fine for exactness tests, but a
benchmark on it measures a book no exchange publishes (mostly one price band, both
sides stacked on it). This day is shaped like a NASDAQ session of one stock instead,
following the "Nasdaq TotalView-ITCH 5.0" specification (nasdaqtrader.com,
NQTVITCHspecification.pdf):

- §4.1 System Event: ``O`` (start of messages), ``S`` (start of system hours), ``Q``
  (start of market hours) first; ``M``, ``E``, ``C`` (end of market hours, of system
  hours, of messages) last.
- §4.2.1 Stock Directory: one message per stock before its orders; the stock locate
  (a day-unique number per stock, §1.1 / §4 header) then names the stock in every
  order message.
- §4.3.1 / §4.3.2 Add Order (``A``, and ``F`` with an MPID for a few): a new visible
  order with a day-unique order reference number. Bids are placed below the best ask
  and asks above the best bid (a displayed limit order that would cross is executed,
  not added, so the book ITCH shows is never crossed); most within a few cents of the
  touch, a geometric tail further out; sizes mostly round lots.
- §4.4.1 Order Executed (``E``) and §4.4.2 Order Executed With Price (``C``, a few,
  at the resting price, printable): trades against the resting order at the front of
  the best level's queue (price-time priority), on the side the price walked towards,
  in whole or in part.
- §4.4.3 Order Cancel (``X``, part of an order) and §4.4.4 Order Delete (``D``, all
  of it): mostly of recently added orders (most orders are cancelled soon after they
  are placed), the rest of any resting order.
- §4.4.5 Order Replace (``U``): the original reference cancelled, a new reference
  with a new size and price on the same side (priority lost), kept on its side of
  the market as an add is.
- §4.5.1 Trade (``P``, non-cross): executions of non-displayed orders: no book change.

About a quarter of the messages belong to the other stocks (adds and deletes of their
own orders), so the stock filter has work to do as on a real file.
"""

from __future__ import annotations

import heapq
import random
from collections import deque

from .itch_writer import ItchWriter

#: ITCH prices have 4 implied decimals: one cent is 100
CENT = 100
BUY, SELL = 1, 0


class _Side:
    """One side of the generator's book: FIFO queues per price, the best price by a
    heap with lazy deletion (a price leaves the heap when its queue is found empty)."""

    def __init__(self, is_bid: bool) -> None:
        self.sign = -1 if is_bid else 1  # heapq is a min-heap: bids stored negated
        self.queues: dict[int, deque[int]] = {}
        self.heap: list[int] = []

    def best(self) -> int | None:
        while self.heap:
            px = self.sign * self.heap[0]
            q = self.queues.get(px)
            if q:
                return px
            heapq.heappop(self.heap)
            self.queues.pop(px, None)
        return None

    def push(self, px: int, ref: int) -> None:
        q = self.queues.get(px)
        if q is None:
            q = self.queues[px] = deque()
            heapq.heappush(self.heap, self.sign * px)
        q.append(ref)  # (a price is in queues exactly when it is in the heap)


class MarketDay:
    """The generator's state; :func:`market_day` runs it."""

    def __init__(self, seed: int, symbol: str, locate: int) -> None:
        self.rng = random.Random(seed)
        self.w = ItchWriter()
        self.symbol, self.locate = symbol, locate
        self.sides = {BUY: _Side(True), SELL: _Side(False)}
        self.orders: dict[int, list[int]] = {}  # ref -> [side, px, shares]
        self.live: list[int] = []  # resting refs, any order (swap-remove)
        self.pos: dict[int, int] = {}  # ref -> index in live
        self.recent: deque[int] = deque(maxlen=64)  # refs added lately
        self.fair = 150 * 10_000  # the random-walking price (150.0000)
        self.next_ref = 1
        self.match = 1
        self.ts = 34_200 * 10**9  # 09:30:00 in ns since midnight

    # --- the book ---------------------------------------------------------------------
    def _rest(self, ref: int, side: int, px: int, shares: int) -> None:
        self.orders[ref] = [side, px, shares]
        self.sides[side].push(px, ref)
        self.pos[ref] = len(self.live)
        self.live.append(ref)
        self.recent.append(ref)

    def _leave(self, ref: int) -> None:
        side, px, _ = self.orders.pop(ref)
        self.sides[side].queues[px].remove(ref)
        i = self.pos.pop(ref)
        last = self.live.pop()
        if last != ref:
            self.live[i] = last
            self.pos[last] = i

    def _price(self, side: int) -> int:
        """A limit price on `side`'s side of the market: near the fair price, most within
        a few cents, a geometric tail; never at or through the other side's best."""
        rng = self.rng
        off = 1 + min(int(rng.expovariate(0.7)), 40) if rng.random() < 0.9 else rng.randint(5, 60)
        mid = self.fair // CENT * CENT
        bid, ask = self.sides[BUY].best(), self.sides[SELL].best()
        if side == BUY:
            px = mid - (off - 1) * CENT
            if ask is not None and px >= ask:
                px = ask - CENT
        else:
            px = mid + off * CENT
            if bid is not None and px <= bid:
                px = bid + CENT
        return max(px, CENT)

    def _shares(self) -> int:
        r = self.rng.random()
        if r < 0.7:
            return 100 * self.rng.choice((1, 1, 1, 2, 2, 3, 5, 10))
        return self.rng.randint(1, 99) if r < 0.9 else self.rng.randint(101, 3000)

    # --- the messages -------------------------------------------------------------------
    def add(self) -> None:
        side = self.rng.randint(0, 1)
        px, shares, ref = self._price(side), self._shares(), self.next_ref
        self.next_ref += 1
        mpid = "GSCO" if self.rng.random() < 0.05 else None
        self.w.add(self.ts, self.locate, ref, "B" if side == BUY else "S", shares, self.symbol, px, mpid=mpid)
        self._rest(ref, side, px, shares)

    def _pick(self) -> int:
        """A resting order to cancel or replace: mostly a recent one."""
        if self.recent and self.rng.random() < 0.7:
            ref = self.recent[self.rng.randrange(len(self.recent))]
            if ref in self.orders:
                return ref
        return self.live[self.rng.randrange(len(self.live))]

    def cancel(self) -> None:
        ref = self._pick()
        held = self.orders[ref][2]
        if held > 1 and self.rng.random() < 0.15:  # X: part of it
            q = self.rng.randint(1, held - 1)
            self.w.cancel(self.ts, self.locate, ref, q)
            self.orders[ref][2] -= q
        else:
            self.w.delete(self.ts, self.locate, ref)
            self._leave(ref)

    def replace(self) -> None:
        ref = self._pick()
        side = self.orders[ref][0]
        self._leave(ref)  # first: the new price is placed against the book without it
        px, shares, new = self._price(side), self._shares(), self.next_ref
        self.next_ref += 1
        self.w.replace(self.ts, self.locate, ref, new, shares, px)
        self._rest(new, side, px, shares)

    def execute(self) -> None:
        """A trade against the front of the best queue on the side the price walked to
        (an incoming order of the other side took it)."""
        bid, ask = self.sides[BUY].best(), self.sides[SELL].best()
        if bid is None and ask is None:
            return self.add()
        if ask is None:
            side, px = BUY, bid
        elif bid is None or self.fair >= ask or (self.fair > bid and self.rng.random() < 0.5):
            side, px = SELL, ask
        else:
            side, px = BUY, bid
        assert px is not None
        ref = self.sides[side].queues[px][0]
        held = self.orders[ref][2]
        q = held if self.rng.random() < 0.6 else self.rng.randint(1, held)
        if self.rng.random() < 0.1:
            self.w.executed_with_price(self.ts, self.locate, ref, q, self.match, px)
        else:
            self.w.executed(self.ts, self.locate, ref, q, self.match)
        self.match += 1
        if q == held:
            self._leave(ref)
        else:
            self.orders[ref][2] -= q
        return None

    def hidden_trade(self) -> None:
        side = "B" if self.rng.random() < 0.5 else "S"
        px = self.fair // CENT * CENT
        self.w.trade(self.ts, self.locate, 0, side, self._shares(), self.symbol, px, self.match)
        self.match += 1

    def step(self, target: int) -> None:
        """One message of the stock; the book grows while it holds less than ~1.8 x
        ``target`` resting orders (adds at 0.5 - 0.1 x (fill - 1), removals ~0.35)."""
        rng = self.rng
        if rng.random() < 0.02:  # the price walks a cent
            self.fair += CENT if rng.random() < 0.5 else -CENT
        fill = len(self.orders) / target
        r = rng.random()
        if not self.orders or r < 0.50 - 0.1 * (fill - 1):
            self.add()
        elif r < 0.86:
            self.cancel()
        elif r < 0.92:
            self.replace()
        elif r < 0.99:
            self.execute()
        else:
            self.hidden_trade()


def market_day(seed: int, n_messages: int, symbol: str = "AAPL", resting: int = 2000) -> ItchWriter:
    """About ``n_messages`` ITCH messages of a session: ``symbol`` (stock locate 7) among
    three other stocks (locates 8-10, ~25 % of the messages), its book uncrossed all day.
    ``resting`` sets the book's size: adds outnumber removals until it is well past it,
    and it settles near 1.8 times it (measured over 200,000 steps: ~3,600 orders for
    2,000, ~550 for 300)."""
    day = MarketDay(seed, symbol, 7)
    w, rng = day.w, day.rng
    for code in "OSQ":
        w.system_event(day.ts, code)
    others = [(8, "MSFT"), (9, "GOOG"), (10, "AMZN")]
    w.stock_directory(day.ts, 7, symbol)
    for loc, sym in others:
        w.stock_directory(day.ts, loc, sym)
    other_live: list[tuple[int, int]] = []  # (locate, ref) of the other stocks' orders
    other_ref = 10**9
    while len(w.messages) < n_messages - 3:
        day.ts += int(rng.expovariate(1 / 20_000)) + 1  # ~50k messages a second
        if rng.random() < 0.25:  # another stock: an add, or a delete of one of its orders
            if other_live and rng.random() < 0.5:
                loc, ref = other_live.pop(rng.randrange(len(other_live)))
                w.delete(day.ts, loc, ref)
            else:
                loc, sym = rng.choice(others)
                buy = rng.random() < 0.5  # its own uncrossed book: bids 49.99, asks 50.01
                w.add(day.ts, loc, other_ref, "B" if buy else "S", 100, sym, 499_900 if buy else 500_100)
                other_live.append((loc, other_ref))
                other_ref += 1
            continue
        day.step(resting)
    for code in "MEC":
        w.system_event(day.ts, code)
    return w
