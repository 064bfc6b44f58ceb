"""An independent, deliberately plain model of a tapebook :class:`~tapebook.Book`.

Written from docs/semantics.md alone and sharing no code with the C core (it does
not even import the compiled module), it is the oracle of the fuzz suites
(:mod:`tapebook.testing.fuzz`) and of the Hypothesis state machines.

Representation, per side:

* ``q``: a dict ``px -> qty`` of every level the side holds;
* ``tape`` / ``spill``: two ascending lists of prices that partition ``q``:
  a level is on the tape when ``anchor <= px < anchor + n``, in the spill
  otherwise (so "a level is either on the tape or in the spill, never both"
  and "no spill level inside its window" hold by construction);
* the modelled spill capacity ``cap`` (``0 -> min(16, max_cap) -> doubling ->
  max_cap``) and the loss counters.

Everything the semantics fix is modelled exactly: result codes, the promote
rule (``new_anchor = max(px - n/2, anchor_min)``), recenter "drain before
push", eviction of the worst spill level / dropping of an incoming worst
level when the spill is full, growth that stops when a :class:`RefPool`
refuses a block. That makes the model exact even when levels are lost, so the
fuzzers compare the full book state, the per-side counters and the pool's
counters with ``==``.

The one place where the model follows the implementation rather than the
semantics document is the *classification* of a lost level during a recenter (evicted /
dropped / no memory): the C core pushes the leaving level parked in the cell
an entering spill level lands in as soon as that spill level is drained (see
``recenter_side`` in tb_book.inc), and the model reproduces that order. The
*set* of surviving levels does not depend on it.

Speed matters (the full fuzz profile runs > 10 million operations through it),
so the hot path (:meth:`RefBook.set` inside the window) is a dict update plus a
``bisect.insort``; nothing is O(levels) except recenters, erase_better and the
depth queries.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field

# The result codes (docs/semantics.md §2), restated rather than imported.
INSERT = 1
UPDATE = 0
ERASE = -1
SPILL = -2
PROMOTE = 2

BID = 1
ASK = 0

# outcomes of a spill push
STORED = 0
EVICTED = 1
DROPPED = 2
NOMEM = 3

POOL_MIN_BLOCK = 16
POOL_NUM_CLASSES = 12
POOL_MAX_BLOCK = POOL_MIN_BLOCK << (POOL_NUM_CLASSES - 1)  # 32768

# Which tape sizes ship is not semantics: the model takes any tape size the
# templates take (a power of two, at least one 64-cell word, as tb_book.inc
# checks); the shipped list is tapebook.TAPE_SIZES (tools/gen_variants.py).
MIN_TAPE_SIZE = 64


def is_tape_size(n: int) -> bool:
    """A tape size the C templates accept (shipped or custom)."""
    return n >= MIN_TAPE_SIZE and n & (n - 1) == 0


class RefError(ValueError):
    """The model rejected an argument (the real book must reject it too)."""


class RefMemoryError(MemoryError):
    """reserve_spill could not get its blocks (the real book raises TapebookMemoryError)."""


def type_limits(bits: int) -> tuple[int, int, int]:
    """``(price type min, price type max, qty max)`` of a family."""
    if bits == 32:
        return -(2**31), 2**31 - 1, 2**32 - 1
    if bits == 64:
        return -(2**63), 2**63 - 1, 2**64 - 1
    raise RefError(f"price_bits must be 32 or 64, got {bits}")


def price_range(bits: int, n: int) -> tuple[int, int]:
    """Valid prices ``[TYPE_MIN + n, TYPE_MAX - n]``."""
    lo, hi, _ = type_limits(bits)
    return lo + n, hi - n


def anchor_range(bits: int, n: int) -> tuple[int, int]:
    """Valid anchors ``[TYPE_MIN + n - 1, TYPE_MAX - n + 1]``."""
    lo, hi, _ = type_limits(bits)
    return lo + n - 1, hi - n + 1


def size_class(levels: int) -> int:
    """SpillPool size class (0 ... 11) serving a block of ``levels`` levels."""
    k = 0
    while (POOL_MIN_BLOCK << k) < levels:
        k += 1
    return k


# ---------------------------------------------------------------------------
# SpillPool accounting
# ---------------------------------------------------------------------------


@dataclass
class RefPool:
    """The SpillPool's accounting: size classes, free lists, bump watermark.

    Blocks of one class are interchangeable for accounting, so a free list is
    a count. ``alloc`` returns ``"arena"``, ``"heap"`` (a fallback block) or
    ``None`` (refused).
    """

    levels: int
    policy: str = "refuse"
    watermark: int = 0
    used_levels: int = 0
    alloc_fail_count: int = 0
    fallback_levels: int = 0
    attached_books: int = 0
    free_blocks: list[int] = field(default_factory=lambda: [0] * POOL_NUM_CLASSES)
    live_blocks: list[int] = field(default_factory=lambda: [0] * POOL_NUM_CLASSES)
    requests: list[int] = field(default_factory=lambda: [0] * POOL_NUM_CLASSES)
    failures: list[int] = field(default_factory=lambda: [0] * POOL_NUM_CLASSES)
    closed: bool = False

    def alloc(self, levels: int) -> str | None:
        k = size_class(levels)
        size = POOL_MIN_BLOCK << k
        self.requests[k] += 1
        if self.free_blocks[k]:
            self.free_blocks[k] -= 1
        elif self.levels - self.watermark >= size:
            self.watermark += size
        else:
            self.failures[k] += 1
            self.alloc_fail_count += 1
            if self.policy == "fallback":
                self.live_blocks[k] += 1
                self.fallback_levels += size
                return "heap"
            return None
        self.used_levels += size
        self.live_blocks[k] += 1
        return "arena"

    def free(self, levels: int, kind: str) -> None:
        k = size_class(levels)
        size = POOL_MIN_BLOCK << k
        self.live_blocks[k] -= 1
        if kind == "heap":
            self.fallback_levels -= size
        else:
            self.free_blocks[k] += 1
            self.used_levels -= size


# ---------------------------------------------------------------------------
# one side
# ---------------------------------------------------------------------------


class RefSide:
    """One side of the model (see the module docstring)."""

    __slots__ = (
        "anchor",
        "block",
        "cap",
        "dropped",
        "evicted",
        "is_bid",
        "max_cap",
        "nomem",
        "promotes",
        "q",
        "spill",
        "tape",
    )

    def __init__(self, is_bid: int, anchor: int, max_cap: int) -> None:
        self.is_bid = is_bid
        self.anchor = anchor
        self.q: dict[int, int] = {}
        self.tape: list[int] = []
        self.spill: list[int] = []
        self.cap = 0
        self.max_cap = max_cap
        self.block: str | None = None  # "arena" / "heap" (pool-backed), "malloc", None
        self.evicted = 0
        self.dropped = 0
        self.nomem = 0
        self.promotes = 0

    def better(self, x: int, y: int) -> bool:
        return x > y if self.is_bid else x < y

    def best(self) -> tuple[int, int] | None:
        """Best ``(px, qty)`` over tape and spill, or None."""
        t, s = self.tape, self.spill
        if self.is_bid:
            cands = [lst[-1] for lst in (t, s) if lst]
            if not cands:
                return None
            px = max(cands)
        else:
            cands = [lst[0] for lst in (t, s) if lst]
            if not cands:
                return None
            px = min(cands)
        return px, self.q[px]

    def tape_best(self) -> int | None:
        if not self.tape:
            return None
        return self.tape[-1] if self.is_bid else self.tape[0]

    def levels(self) -> list[tuple[int, int]]:
        """Every level, best first."""
        pxs = sorted(self.q, reverse=bool(self.is_bid))
        return [(p, self.q[p]) for p in pxs]

    def empty(self) -> None:
        self.q.clear()
        self.tape.clear()
        self.spill.clear()


# ---------------------------------------------------------------------------
# the book
# ---------------------------------------------------------------------------


class RefBook:
    """Reference model of a Book (see the module docstring).

    Args mirror :class:`tapebook.Book`; ``pool`` is a :class:`RefPool` (the
    model of the SpillPool the real book uses) or None for heap spills.
    Invalid arguments raise :class:`RefError` and change nothing. Sides are
    1/True (bid) and 0/False (ask).
    """

    def __init__(
        self,
        n: int = 1024,
        price_bits: int = 32,
        max_cap: int = 4096,
        pool: RefPool | None = None,
        anchor: int | None = None,
    ) -> None:
        if not is_tape_size(n):
            raise RefError(f"n={n} is not a tape size (a power of two >= {MIN_TAPE_SIZE})")
        self.n = n
        self.price_bits = price_bits
        self.type_min, self.type_max, self.qty_max = type_limits(price_bits)
        self.pmin, self.pmax = price_range(price_bits, n)
        self.amin, self.amax = anchor_range(price_bits, n)
        limit = POOL_MAX_BLOCK if pool is not None else 1 << 30
        if max_cap < 1 or max_cap > limit or max_cap & (max_cap - 1):
            raise RefError(f"max_cap={max_cap} must be a power of two in [1, {limit}]")
        if anchor is None:
            anchor = -(n // 2)
        self._check_anchor(anchor)
        self.max_cap = max_cap
        self.pool = pool
        self.closed = False
        self.sides = (RefSide(ASK, anchor, max_cap), RefSide(BID, anchor, max_cap))
        if pool is not None:
            pool.attached_books += 1

    # ---- argument checks ---------------------------------------------------

    def _check_anchor(self, a: int) -> None:
        if not self.amin <= a <= self.amax:
            raise RefError(f"anchor={a} outside [{self.amin}, {self.amax}]")

    def _check_price(self, px: int) -> None:
        if not self.pmin <= px <= self.pmax:
            raise RefError(f"px={px} outside [{self.pmin}, {self.pmax}]")

    def _side(self, side: int) -> RefSide:
        if side not in (0, 1):
            raise RefError(f"side={side!r}")
        return self.sides[int(side)]

    def anchor_for(self, px: int) -> int:
        """The anchor a promote (or reset_at_mid) centres ``px`` with."""
        return max(px - self.n // 2, self.amin)

    # ---- spill memory ------------------------------------------------------

    def _alloc(self, levels: int) -> str | None:
        if self.pool is None:
            return "malloc"
        return self.pool.alloc(levels)

    def _free_block(self, s: RefSide) -> None:
        if s.block is not None and self.pool is not None:
            self.pool.free(s.cap, s.block)
        s.block = None
        s.cap = 0

    def _grow_to(self, s: RefSide, new_cap: int) -> bool:
        kind = self._alloc(new_cap)
        if kind is None:
            return False
        if s.block is not None and self.pool is not None:
            self.pool.free(s.cap, s.block)
        s.block = kind
        s.cap = new_cap
        return True

    def _push(self, s: RefSide, px: int, qty: int) -> int:
        """Store (px, qty > 0) in the spill of ``s`` (px outside the window)."""
        q = s.q
        if px in q:
            q[px] = qty
            return STORED
        sp = s.spill
        outcome = STORED
        if len(sp) == s.cap:
            nxt = min(s.cap * 2 if s.cap else POOL_MIN_BLOCK, s.max_cap)
            if s.cap < s.max_cap and self._grow_to(s, nxt):
                pass
            elif s.cap == 0:
                return NOMEM
            elif (px < sp[0]) if s.is_bid else (px > sp[-1]):  # the incoming level is the worst
                return DROPPED if s.cap == s.max_cap else NOMEM
            else:
                worst = sp.pop(0) if s.is_bid else sp.pop()
                del q[worst]
                outcome = EVICTED
        insort(sp, px)
        q[px] = qty
        return outcome

    @staticmethod
    def _count(s: RefSide, outcome: int) -> None:
        if outcome == EVICTED:
            s.evicted += 1
        elif outcome == DROPPED:
            s.dropped += 1
        elif outcome == NOMEM:
            s.nomem += 1

    # ---- recenter --------------------------------------------------------------

    def _recenter(self, s: RefSide, na: int) -> None:
        oa = s.anchor
        if na == oa:
            return
        n = self.n
        tape, spill, q = s.tape, s.spill, s.q
        lo, hi = bisect_left(tape, na), bisect_left(tape, na + n)
        leaving = tape[:lo] + tape[hi:]  # L: tape levels outside the new window
        kept = tape[lo:hi]
        rlo, rhi = bisect_left(spill, na), bisect_left(spill, na + n)
        entering = spill[rlo:rhi]  # R: spill levels inside the new window
        # drain: R leaves the spill for the tape (never lost)
        del spill[rlo:rhi]
        s.tape = sorted(kept + entering)
        s.anchor = na
        parked = {p: q.pop(p) for p in leaving}
        # A leaving level parked in the cell an entering level lands in is
        # pushed as soon as that level is drained: a slot was just freed.
        for px in entering:
            lp = oa + (px - oa) % n
            if lp in parked:
                outcome = self._push(s, lp, parked.pop(lp))
                assert outcome == STORED, "drain-before-push: a freed slot must take the level"
        # the rest, worst first, with ordinary eviction
        for lp in sorted(parked, reverse=not s.is_bid):
            self._count(s, self._push(s, lp, parked[lp]))

    # ---- updates ---------------------------------------------------------------

    def set(self, side: int, px: int, qty: int) -> int:
        """docs/semantics.md §2: returns INSERT, UPDATE, ERASE or SPILL."""
        if side == 1:
            s = self.sides[1]
        elif side == 0:
            s = self.sides[0]
        else:
            raise RefError(f"side={side!r}")
        if not self.pmin <= px <= self.pmax:
            raise RefError(f"px={px} outside [{self.pmin}, {self.pmax}]")
        if not 0 <= qty <= self.qty_max:
            raise RefError(f"qty={qty} outside [0, {self.qty_max}]")
        a = s.anchor
        q = s.q
        if a <= px < a + self.n:
            if qty:
                if px in q:
                    q[px] = qty
                    return UPDATE
                q[px] = qty
                insort(s.tape, px)
                return INSERT
            if px in q:
                del q[px]
                t = s.tape
                del t[bisect_left(t, px)]
            return ERASE
        if qty == 0:
            if px in q:
                del q[px]
                sp = s.spill
                del sp[bisect_left(sp, px)]
            return SPILL
        tb = s.tape_best()
        if tb is not None and not s.better(px, tb):
            self._count(s, self._push(s, px, qty))
            return SPILL
        # promote
        na = self.anchor_for(px)
        self._recenter(s, na)
        s.promotes += 1
        if px in q:
            q[px] = qty
            return UPDATE
        q[px] = qty
        insort(s.tape, px)
        return INSERT

    def apply(self, sides, prices, qtys) -> list[int]:  # type: ignore[no-untyped-def]
        """Apply a batch; stops with RefError at the first bad row (rows before it applied)."""
        return [self.set(int(s), int(p), int(q)) for s, p, q in zip(sides, prices, qtys, strict=True)]

    def bbo_trace(self, sides, prices, qtys) -> list[tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
        """Apply a batch; the BBO after each row (empty side: type min / type max, qty 0).

        Takes sequences of Python ints (``ndarray.tolist()``); this is the
        fuzzers' hot loop, so the best-value lookups are inlined.
        """
        out = []
        append = out.append
        set_ = self.set
        ask, bid = self.sides
        tmin, tmax = self.type_min, self.type_max
        for s, p, q in zip(sides, prices, qtys, strict=True):
            set_(s, p, q)
            t, sp = bid.tape, bid.spill
            if t:
                bp = t[-1]
                if sp and sp[-1] > bp:
                    bp = sp[-1]
                bq = bid.q[bp]
            elif sp:
                bp = sp[-1]
                bq = bid.q[bp]
            else:
                bp, bq = tmin, 0
            t, sp = ask.tape, ask.spill
            if t:
                ap = t[0]
                if sp and sp[0] < ap:
                    ap = sp[0]
                aq = ask.q[ap]
            elif sp:
                ap = sp[0]
                aq = ask.q[ap]
            else:
                ap, aq = tmax, 0
            append((bp, bq, ap, aq))
        return out

    def reset(self, anchor: int) -> None:
        self._check_anchor(anchor)
        for s in self.sides:
            s.empty()
            s.anchor = anchor

    def reset_at_mid(self, side: int, mid: int) -> None:
        s = self._side(side)
        self._check_price(mid)
        s.empty()
        s.anchor = self.anchor_for(mid)

    def load_side(self, side: int, prices: list[int], qtys: list[int]) -> None:
        """A snapshot of one side, in any order: by definition reset_at_mid on the
        best level, then a set of every level, best first; empty lists empty the
        side and keep its anchor. Validates everything first (RefError: a price
        outside the valid range, a zero quantity, a price twice; unequal lengths)."""
        s = self._side(side)
        levels = self._snapshot_levels(s, prices, qtys)
        self._load(s, levels)

    def load_snapshot(
        self, bid_prices: list[int], bid_qtys: list[int], ask_prices: list[int], ask_qtys: list[int]
    ) -> None:
        """load_side of the bids, then of the asks; both checked before either changes."""
        bids = self._snapshot_levels(self.sides[BID], bid_prices, bid_qtys)
        asks = self._snapshot_levels(self.sides[ASK], ask_prices, ask_qtys)
        self._load(self.sides[BID], bids)
        self._load(self.sides[ASK], asks)

    def _snapshot_levels(self, s: RefSide, prices: list[int], qtys: list[int]) -> list[tuple[int, int]]:
        if len(prices) != len(qtys):
            raise RefError(f"{len(prices)} prices, {len(qtys)} quantities")
        for p, q in zip(prices, qtys, strict=True):
            self._check_price(p)
            if not 0 < q <= self.qty_max:
                raise RefError(f"qty={q} outside [1, {self.qty_max}]")
        if len(set(prices)) != len(prices):
            raise RefError("a price given twice")
        return sorted(zip(prices, qtys, strict=True), reverse=bool(s.is_bid))

    def _load(self, s: RefSide, levels: list[tuple[int, int]]) -> None:
        if not levels:
            s.empty()
            return
        self.reset_at_mid(s.is_bid, levels[0][0])
        for p, q in levels:
            self.set(s.is_bid, p, q)

    def recenter(self, side: int, anchor: int) -> None:
        s = self._side(side)
        self._check_anchor(anchor)
        self._recenter(s, anchor)

    def recenter_bid(self, anchor: int) -> None:
        self.recenter(BID, anchor)

    def recenter_ask(self, anchor: int) -> None:
        self.recenter(ASK, anchor)

    def erase_better(self, side: int, px: int) -> None:
        s = self._side(side)
        if not self.type_min <= px <= self.type_max:  # a threshold: any value of the type
            raise RefError(f"px={px} outside the price type [{self.type_min}, {self.type_max}]")
        q = s.q
        if s.is_bid:  # every bid >= px
            for lst in (s.tape, s.spill):
                i = bisect_left(lst, px)
                for p in lst[i:]:
                    del q[p]
                del lst[i:]
        else:  # every ask <= px
            for lst in (s.tape, s.spill):
                i = bisect_right(lst, px)
                for p in lst[:i]:
                    del q[p]
                del lst[:i]

    def clear(self) -> None:
        for s in self.sides:
            s.empty()

    def release(self) -> None:
        for s in self.sides:
            s.empty()
            self._free_block(s)

    def reserve_spill(self) -> None:
        """Grow both sides to max_cap (ask first); RefMemoryError when one could not."""
        ok = True
        for s in self.sides:
            if s.cap < s.max_cap and not self._grow_to(s, s.max_cap):
                ok = False
        if not ok:
            raise RefMemoryError("reserve_spill: the pool refused a block")

    def close(self) -> None:
        """Free the spill memory and detach from the pool (Book.close)."""
        if self.closed:
            return
        for s in self.sides:
            s.empty()
            self._free_block(s)
        if self.pool is not None:
            self.pool.attached_books -= 1
        self.closed = True

    # ---- queries -----------------------------------------------------------------

    def best_bid_px(self) -> int | None:
        b = self.sides[BID].best()
        return None if b is None else b[0]

    def best_ask_px(self) -> int | None:
        b = self.sides[ASK].best()
        return None if b is None else b[0]

    def best_bid_qty(self) -> int:
        b = self.sides[BID].best()
        return 0 if b is None else b[1]

    def best_ask_qty(self) -> int:
        b = self.sides[ASK].best()
        return 0 if b is None else b[1]

    def bbo(self) -> tuple[int | None, int, int | None, int]:
        """``(bid_px, bid_qty, ask_px, ask_qty)`` with None for an empty side's price."""
        b = self.sides[BID].best()
        a = self.sides[ASK].best()
        return (
            None if b is None else b[0],
            0 if b is None else b[1],
            None if a is None else a[0],
            0 if a is None else a[1],
        )

    def bbo_raw(self) -> tuple[int, int, int, int]:
        """The BBO as the C layer and ``bbo_trace`` write it (type min / max when empty)."""
        b = self.sides[BID].best()
        a = self.sides[ASK].best()
        return (
            self.type_min if b is None else b[0],
            0 if b is None else b[1],
            self.type_max if a is None else a[0],
            0 if a is None else a[1],
        )

    def crossed(self) -> bool:
        b = self.sides[BID].best()
        a = self.sides[ASK].best()
        return b is not None and a is not None and b[0] >= a[0]

    def crossed_on_tape(self) -> bool:
        b = self.sides[BID].tape_best()
        a = self.sides[ASK].tape_best()
        return b is not None and a is not None and b >= a

    def qty_at(self, side: int, px: int) -> int:
        return self._side(side).q.get(px, 0)

    def anchor(self, side: int) -> int:
        return self._side(side).anchor

    def depth(self, side: int) -> int:
        return len(self._side(side).q)

    def __len__(self) -> int:
        return self.depth(BID) + self.depth(ASK)

    def levels(self, side: int, k: int = 10) -> list[tuple[int, int]]:
        if k < 0:
            raise RefError(f"k={k} must be >= 0")
        s = self._side(side)
        if k < 64 and k < len(s.q):  # the few best without sorting everything
            pxs = heapq.nlargest(k, s.q) if s.is_bid else heapq.nsmallest(k, s.q)
            return [(p, s.q[p]) for p in pxs]
        return s.levels()[:k]

    def to_dict(self) -> dict[str, dict[int, int]]:
        return {"bid": dict(self.sides[BID].levels()), "ask": dict(self.sides[ASK].levels())}

    def side_stats(self, side: int) -> dict[str, int]:
        """The fields of :class:`tapebook.SideStats`, modelled."""
        s = self._side(side)
        return {
            "tape_levels": len(s.tape),
            "spill_levels": len(s.spill),
            "spill_capacity": s.cap,
            "spill_evicted": s.evicted,
            "spill_dropped": s.dropped,
            "spill_nomem": s.nomem,
            "promotes": s.promotes,
            "anchor": s.anchor,
        }

    @property
    def levels_lost(self) -> int:
        return sum(s.evicted + s.dropped + s.nomem for s in self.sides)

    def pool_levels(self) -> int:
        """Arena levels this book holds (its spill capacities rounded up to size classes)."""
        return sum(POOL_MIN_BLOCK << size_class(s.cap) for s in self.sides if s.block == "arena" and s.cap)

    def check_model(self) -> None:
        """Assert the model's own invariants (used by the model's tests)."""
        for s in self.sides:
            a, n = s.anchor, self.n
            assert self.amin <= a <= self.amax
            assert s.tape == sorted(s.tape) and s.spill == sorted(s.spill)
            assert all(a <= p < a + n for p in s.tape)
            assert not any(a <= p < a + n for p in s.spill)
            assert set(s.tape) | set(s.spill) == set(s.q)
            assert len(s.tape) + len(s.spill) == len(s.q)
            assert all(v > 0 for v in s.q.values())
            assert len(s.spill) <= s.cap <= s.max_cap


# ---------------------------------------------------------------------------
# the plainest model of all: no windows, no capacity
# ---------------------------------------------------------------------------


class UnboundedBook:
    """Every level ever set and not erased: the ground truth when nothing is lost.

    Used to check :class:`RefBook` itself: with a capacity large enough that
    no level is ever lost, the two must agree on everything window-independent.
    """

    def __init__(self) -> None:
        self.q: tuple[dict[int, int], dict[int, int]] = ({}, {})

    def set(self, side: int, px: int, qty: int) -> None:
        d = self.q[side]
        if qty:
            d[px] = qty
        else:
            d.pop(px, None)

    def erase_better(self, side: int, px: int) -> None:
        d = self.q[side]
        for p in [p for p in d if (p >= px if side else p <= px)]:
            del d[p]

    def clear(self) -> None:
        for d in self.q:
            d.clear()

    def clear_side(self, side: int) -> None:
        self.q[side].clear()

    def levels(self, side: int) -> list[tuple[int, int]]:
        d = self.q[side]
        return [(p, d[p]) for p in sorted(d, reverse=bool(side))]

    def bbo(self) -> tuple[int | None, int, int | None, int]:
        b, a = self.q[1], self.q[0]
        bp = max(b) if b else None
        ap = min(a) if a else None
        return bp, (b[bp] if bp is not None else 0), ap, (a[ap] if ap is not None else 0)
