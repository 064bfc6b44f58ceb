"""Hypothesis state machines over the Python API, checked against the reference
model after every rule.

1. ``BookMachine``: one Book, every operation (per-op, batches, maintenance,
   queries, the mapping views).
2. ``PoolMachine``: books sharing a SpillPool, closed / released / garbage
   collected in any order, the pool closed or dropped while books use it.
3. ``MultiMachine``: a MultiBookPool across its tiers: alloc / free / close /
   GC of views, stale views, full tiers.

Run with the ``ci`` profile by ``make test`` and ``thorough`` by ``make fuzz``.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import tapebook
from tapebook import Book, MultiBookPool, Result, SpillPool
from tapebook._variants import MULTI_TIERS
from tapebook.testing.reference import RefBook, RefError, RefMemoryError, RefPool

SIDES = st.sampled_from([True, False, 1, 0])
QTY = st.one_of(st.integers(0, 20), st.sampled_from([0, 0, 1, 2**32 - 1]))


def _px(data: st.DataObject, ref: RefBook, centre: int) -> int:
    """A valid price: mostly near the centre (a few windows wide), sometimes at the range's edges."""
    n = ref.n
    choice = data.draw(st.integers(0, 9), label="px kind")
    if choice == 0:
        return data.draw(st.sampled_from([ref.pmin, ref.pmin + 1, ref.pmax - 1, ref.pmax]), label="edge px")
    px = centre + data.draw(st.integers(-3 * n, 3 * n), label="px offset")
    return min(max(px, ref.pmin), ref.pmax)


def _anchor(data: st.DataObject, ref: RefBook, centre: int) -> int:
    n = ref.n
    if data.draw(st.integers(0, 9), label="anchor kind") == 0:
        return data.draw(
            st.sampled_from([ref.amin, ref.amin + 1, ref.amax - 1, ref.amax]), label="edge anchor"
        )
    a = centre - n // 2 + data.draw(st.integers(-3 * n, 3 * n), label="anchor offset")
    return min(max(a, ref.amin), ref.amax)


def compare(book: Book, ref: RefBook, deep: bool = True) -> None:
    assert book.bbo() == ref.bbo()
    assert (book.best_bid_px(), book.best_bid_qty(), book.best_ask_px(), book.best_ask_qty()) == ref.bbo()
    assert book.crossed() == ref.crossed()
    assert book.crossed_on_tape() == ref.crossed_on_tape()
    assert book.anchor(True) == ref.anchor(1) and book.anchor(False) == ref.anchor(0)
    if not deep:
        return
    assert book.verify_invariants()
    assert book.to_dict() == ref.to_dict()
    assert list(book.to_dict()["bid"]) == [p for p, _ in ref.levels(1, 10**9)]  # best first
    assert len(book) == len(ref)
    st_ = book.stats()
    for side, ss in ((1, st_.bid), (0, st_.ask)):
        for key, val in ref.side_stats(side).items():
            assert getattr(ss, key) == val, (side, key)


def _batch(data: st.DataObject, ref: RefBook, centre: int) -> tuple[list[int], list[int], list[int]]:
    size = data.draw(st.integers(0, 12), label="batch size")
    rows = [(data.draw(st.integers(0, 1)), _px(data, ref, centre), data.draw(QTY)) for _ in range(size)]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _arrays(
    book: Book, s: list[int], p: list[int], q: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd, qd = (np.int32, np.uint32) if book.price_bits == 32 else (np.int64, np.uint64)
    return np.array(s, np.uint8), np.array(p, pd), np.array(q, qd)


# ---------------------------------------------------------------------------
# 1. one book, every operation
# ---------------------------------------------------------------------------


class BookMachine(RuleBasedStateMachine):
    book: Book
    ref: RefBook

    @initialize(
        n=st.sampled_from(tapebook.TAPE_SIZES),
        bits=st.sampled_from([32, 64]),
        max_cap=st.sampled_from([1, 2, 16, 32, 64, 4096]),
        centre=st.sampled_from([0, 100_000, -5_000_000, 2**31 - 5000, -(2**31) + 5000]),
    )
    def build(self, n: int, bits: int, max_cap: int, centre: int) -> None:
        self.ref = RefBook(n, bits, max_cap, anchor=max(centre - n // 2, -(2**31) + n))
        self.ref = RefBook(n, bits, max_cap, anchor=min(max(centre - n // 2, self.ref.amin), self.ref.amax))
        self.book = Book(n, bits, max_cap, anchor=self.ref.anchor(1))
        self.centre = min(max(centre, self.ref.pmin), self.ref.pmax)
        note(f"Book(n={n}, bits={bits}, max_cap={max_cap}, anchor={self.ref.anchor(1)})")

    @rule(data=st.data(), side=SIDES, qty=QTY)
    def set(self, data: st.DataObject, side: Any, qty: int) -> None:
        px = _px(data, self.ref, self.centre)
        r = self.book.set(side, px, qty)
        assert isinstance(r, Result)
        assert r == self.ref.set(int(side), px, qty)
        compare(self.book, self.ref, deep=False)

    @rule(data=st.data())
    def apply(self, data: st.DataObject) -> None:
        s, p, q = _batch(data, self.ref, self.centre)
        got = self.book.apply(*_arrays(self.book, s, p, q))
        assert got.dtype == np.int8
        assert got.tolist() == self.ref.apply(s, p, q)

    @rule(data=st.data())
    def bbo_trace(self, data: st.DataObject) -> None:
        s, p, q = _batch(data, self.ref, self.centre)
        got = self.book.bbo_trace(*_arrays(self.book, s, p, q))
        assert got.tolist() == self.ref.bbo_trace(s, p, q)

    @rule(data=st.data())
    def apply_plain_lists(self, data: st.DataObject) -> None:
        s, p, q = _batch(data, self.ref, self.centre)
        # lists and array.array are accepted too (converted when every value fits)
        got = self.book.apply([bool(x) for x in s], p, q)
        assert got.tolist() == self.ref.apply(s, p, q)

    @rule(data=st.data(), side=SIDES)
    def erase_better(self, data: st.DataObject, side: Any) -> None:
        px = _px(data, self.ref, self.centre)
        self.book.erase_better(side, px)
        self.ref.erase_better(int(side), px)

    @rule(data=st.data(), side=st.booleans())
    def recenter(self, data: st.DataObject, side: bool) -> None:
        a = _anchor(data, self.ref, self.centre)
        (self.book.recenter_bid if side else self.book.recenter_ask)(a)
        self.ref.recenter(int(side), a)

    @rule(data=st.data())
    def reset(self, data: st.DataObject) -> None:
        a = _anchor(data, self.ref, self.centre)
        self.book.reset(a)
        self.ref.reset(a)

    @rule(data=st.data(), side=SIDES)
    def reset_at_mid(self, data: st.DataObject, side: Any) -> None:
        mid = _px(data, self.ref, self.centre)
        self.book.reset_at_mid(side, mid)
        self.ref.reset_at_mid(int(side), mid)

    @rule()
    def clear(self) -> None:
        self.book.clear()
        self.ref.clear()

    @rule()
    def release(self) -> None:
        self.book.release()
        self.ref.release()

    @rule()
    def reserve_spill(self) -> None:
        self.book.reserve_spill()
        self.ref.reserve_spill()

    @rule(side=SIDES, k=st.integers(0, 40))
    def levels(self, side: Any, k: int) -> None:
        assert self.book.levels(side, k) == self.ref.levels(int(side), k)
        arr = self.book.levels_array(side, k)
        assert [(int(a), int(b)) for a, b in arr.tolist()] == self.ref.levels(int(side), k)
        assert self.book.depth(side) == self.ref.depth(int(side))
        if hasattr(self.book, "top"):
            assert self.book.top(k) == (self.ref.levels(1, k), self.ref.levels(0, k))

    @rule(data=st.data(), side=SIDES)
    def queries(self, data: st.DataObject, side: Any) -> None:
        px = _px(data, self.ref, self.centre)
        q = self.ref.qty_at(int(side), px)
        assert self.book.qty_at(side, px) == q
        view = self.book.bids if side else self.book.asks
        assert (px in view) == (q > 0)
        assert view.get(px, -1) == (q or -1)
        if q:
            assert view[px] == q
        else:
            with pytest.raises(KeyError):
                view[px]
        assert len(view) == self.ref.depth(int(side))
        lv = self.ref.levels(int(side), 10**9)
        assert view.items() == lv and list(view) == [p for p, _ in lv]
        if lv:
            i = data.draw(st.integers(0, len(lv) - 1))
            assert view.index(i) == lv[i]
        with pytest.raises(IndexError):
            view.index(len(lv))

    @rule(data=st.data(), side=st.booleans(), qty=QTY)
    def mapping_writes(self, data: st.DataObject, side: bool, qty: int) -> None:
        px = _px(data, self.ref, self.centre)
        view = self.book.bids if side else self.book.asks
        present = self.ref.qty_at(int(side), px) > 0
        if data.draw(st.booleans(), label="delete"):
            if present:
                del view[px]
                self.ref.set(int(side), px, 0)
            else:
                with pytest.raises(KeyError):
                    del view[px]
        else:
            view[px] = qty
            self.ref.set(int(side), px, qty)

    @invariant()
    def agrees_with_the_model(self) -> None:
        if hasattr(self, "book"):
            compare(self.book, self.ref)

    def teardown(self) -> None:
        if hasattr(self, "book"):
            self.book.close()
            assert self.book.closed
            with pytest.raises(tapebook.ClosedError):
                self.book.set(True, self.ref.pmin, 1)


TestBookMachine = BookMachine.TestCase


# ---------------------------------------------------------------------------
# 2. books sharing a SpillPool; close / release / GC in any order
# ---------------------------------------------------------------------------


class PoolMachine(RuleBasedStateMachine):
    """``self.books``: slot -> (Book, RefBook) for books we still reference
    (open or closed). The pool object may be dropped (``self.pool = None``)
    while books keep it alive."""

    @initialize(
        levels=st.sampled_from([16, 64, 200, 1024, 1 << 15]),
        bits=st.sampled_from([32, 64]),
        policy=st.sampled_from(["refuse", "fallback"]),
    )
    def build(self, levels: int, bits: int, policy: str) -> None:
        self.bits = bits
        self.pool: SpillPool | None = SpillPool(levels, bits, policy)
        self.pool_ref = weakref.ref(self.pool)
        self.rpool = RefPool(levels, policy)
        self.pool_closed = False
        self.books: list[tuple[Book, RefBook]] = []

    def _live(self) -> list[int]:
        return [i for i, (b, _) in enumerate(self.books) if not b.closed]

    @precondition(lambda self: self.pool is not None and len(self.books) < 6)
    @rule(
        n=st.sampled_from([64, 256, 1024]),
        cap=st.sampled_from([1, 16, 32, 128, 1024]),
        anchor=st.integers(-500, 500),
    )
    def new_book(self, n: int, cap: int, anchor: int) -> None:
        assert self.pool is not None
        if self.pool_closed:
            with pytest.raises(tapebook.ClosedError):
                Book(n, self.bits, cap, pool=self.pool, anchor=anchor)
            return
        self.books.append(
            (
                Book(n, self.bits, cap, pool=self.pool, anchor=anchor),
                RefBook(n, self.bits, cap, pool=self.rpool, anchor=anchor),
            )
        )

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data())
    def updates(self, data: st.DataObject) -> None:
        i = data.draw(st.sampled_from(self._live()))
        book, ref = self.books[i]
        s, p, q = _batch(data, ref, 0)
        # wide prices so spills grow and the pool runs out
        p = [min(max(x * 7, ref.pmin), ref.pmax) for x in p]
        if data.draw(st.booleans()):
            assert book.apply(*_arrays(book, s, p, q)).tolist() == ref.apply(s, p, q)
        else:
            for a, b, c in zip(s, p, q, strict=True):
                assert book.set(a, b, c) == ref.set(a, b, c)
        compare(book, ref, deep=False)

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), side=st.booleans())
    def recenter(self, data: st.DataObject, side: bool) -> None:
        book, ref = self.books[data.draw(st.sampled_from(self._live()))]
        a = data.draw(st.integers(-3000, 3000))
        (book.recenter_bid if side else book.recenter_ask)(a)
        ref.recenter(int(side), a)

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), op=st.sampled_from(["clear", "release", "reserve_spill"]))
    def maintenance(self, data: st.DataObject, op: str) -> None:
        book, ref = self.books[data.draw(st.sampled_from(self._live()))]
        if op == "reserve_spill":
            err_real = err_ref = False
            try:
                book.reserve_spill()
            except tapebook.TapebookMemoryError:
                err_real = True
            try:
                ref.reserve_spill()
            except RefMemoryError:
                err_ref = True
            assert err_real == err_ref
        else:
            getattr(book, op)()
            getattr(ref, op)()

    @precondition(lambda self: bool(self.books))
    @rule(data=st.data())
    def close_book(self, data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(self.books) - 1))
        book, ref = self.books[i]
        book.close()
        book.close()  # twice is harmless
        ref.close()
        assert book.closed
        with pytest.raises(tapebook.ClosedError):
            book.set(True, 0, 1)
        with pytest.raises(tapebook.ClosedError):
            book.best_bid_px()
        with pytest.raises(tapebook.ClosedError):
            book.levels(True)

    @precondition(lambda self: bool(self.books))
    @rule(data=st.data())
    def drop_book(self, data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(self.books) - 1))
        book, ref = self.books.pop(i)
        ref.close()  # the destructor gives its blocks back
        del book
        gc.collect(0)

    @precondition(lambda self: self.pool is not None and not self.pool_closed)
    @rule()
    def close_pool(self) -> None:
        assert self.pool is not None
        if self._live():
            with pytest.raises(tapebook.PoolInUseError):
                self.pool.close()
            assert not self.pool.closed
        else:
            self.pool.close()
            self.pool.close()
            self.pool_closed = True
            with pytest.raises(tapebook.ClosedError):
                self.pool.stats()

    @precondition(lambda self: self.pool is not None)
    @rule()
    def drop_pool(self) -> None:
        self.pool = None
        gc.collect(0)
        # books that reference the pool keep it alive
        if self.books:
            assert self.pool_ref() is not None

    @rule()
    def collect(self) -> None:
        gc.collect(0)

    @invariant()
    def counters_add_up(self) -> None:
        if not hasattr(self, "books"):
            return
        for book, ref in self.books:
            if not book.closed:
                compare(book, ref)
        pool = self.pool_ref()
        if pool is None:
            assert not self.books
            return
        if pool.closed:
            return
        ps = pool.stats()
        live = [(b, r) for b, r in self.books if not b.closed]
        assert ps.attached_books == len(live) == self.rpool.attached_books
        assert ps.used_levels == self.rpool.used_levels == sum(r.pool_levels() for _, r in live)
        assert ps.watermark == self.rpool.watermark
        assert ps.alloc_fail_count == self.rpool.alloc_fail_count
        assert ps.fallback_bytes == self.rpool.fallback_levels * ps.level_bytes
        assert ps.used_levels <= ps.total_levels
        for k, c in enumerate(ps.classes):
            assert c.live_blocks == self.rpool.live_blocks[k]

    def teardown(self) -> None:
        if not hasattr(self, "books"):
            return
        self.books.clear()
        self.pool = None
        gc.collect()
        assert self.pool_ref() is None, "the pool outlived every book and every reference"


TestPoolMachine = PoolMachine.TestCase


# ---------------------------------------------------------------------------
# 3. MultiBookPool across its tiers
# ---------------------------------------------------------------------------


class MultiMachine(RuleBasedStateMachine):
    @initialize(
        counts=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
        bits=st.sampled_from([32, 64]),
        tiers=st.sampled_from(MULTI_TIERS),
        max_cap=st.sampled_from([16, 64, 4096]),
        pool_levels=st.sampled_from([16, 256, 1 << 14]),
        policy=st.sampled_from(["refuse", "fallback"]),
    )
    def build(
        self,
        counts: tuple[int, int, int],
        bits: int,
        tiers: tuple[int, int, int],
        max_cap: int,
        pool_levels: int,
        policy: str,
    ) -> None:
        self.counts, self.tiers, self.bits, self.cap = counts, tiers, bits, max_cap
        self.mp = MultiBookPool(
            *counts, price_bits=bits, max_cap=max_cap, pool_levels=pool_levels, tiers=tiers, policy=policy
        )
        self.rpool = RefPool(pool_levels, policy)
        self.views: list[tuple[Any, RefBook, int]] = []  # (view, model, tier), live or stale
        self.live = [0, 0, 0]
        self.closed = False

    def _live_idx(self) -> list[int]:
        return [i for i, (v, _, _) in enumerate(self.views) if not v.closed]

    @precondition(lambda self: not self.closed)
    @rule(
        tier=st.sampled_from([0, 1, 2, "high", "medium", "low", tapebook.Tier.LOW]),
        anchor=st.integers(-2000, 2000),
        cap=st.sampled_from([None, 1, 16, 512]),
    )
    def alloc(self, tier: Any, anchor: int, cap: int | None) -> None:
        t = int(tapebook.Tier[tier.upper()]) if isinstance(tier, str) else int(tier)
        if self.live[t] == self.counts[t]:
            with pytest.raises(tapebook.TierFullError):
                self.mp.alloc(tier, anchor, cap)
            return
        v = self.mp.alloc(tier, anchor, cap)
        assert isinstance(v, tapebook.PooledBook) and v.tier == t and v.n == self.tiers[t]
        self.views.append(
            (v, RefBook(self.tiers[t], self.bits, cap or self.cap, pool=self.rpool, anchor=anchor), t)
        )
        self.live[t] += 1

    @precondition(lambda self: bool(self._live_idx()))
    @rule(data=st.data())
    def updates(self, data: st.DataObject) -> None:
        v, ref, _ = self.views[data.draw(st.sampled_from(self._live_idx()))]
        s, p, q = _batch(data, ref, 0)
        p = [min(max(x * 5, ref.pmin), ref.pmax) for x in p]
        mode = data.draw(st.sampled_from(["trace", "apply", "one"]))
        if mode == "trace":
            assert v.bbo_trace(*_arrays(v, s, p, q)).tolist() == ref.bbo_trace(s, p, q)
        elif mode == "apply":
            assert v.apply(*_arrays(v, s, p, q)).tolist() == ref.apply(s, p, q)
        else:
            for a, b, c in zip(s, p, q, strict=True):
                assert v.set(a, b, c) == ref.set(a, b, c)

    @precondition(lambda self: bool(self._live_idx()))
    @rule(data=st.data(), side=st.booleans(), a=st.integers(-5000, 5000))
    def recenter(self, data: st.DataObject, side: bool, a: int) -> None:
        v, ref, _ = self.views[data.draw(st.sampled_from(self._live_idx()))]
        (v.recenter_bid if side else v.recenter_ask)(a)
        ref.recenter(int(side), a)

    @precondition(lambda self: bool(self._live_idx()))
    @rule(data=st.data(), how=st.sampled_from(["free", "close", "gc"]))
    def free(self, data: st.DataObject, how: str) -> None:
        i = data.draw(st.sampled_from(self._live_idx()))
        v, ref, t = self.views[i]
        ref.close()
        self.live[t] -= 1
        if how == "free":
            self.mp.free(v)
        elif how == "close":
            v.close()
        else:
            self.views.pop(i)
            del v
            gc.collect(0)
            return
        assert v.closed
        v.close()  # twice is harmless

    @precondition(lambda self: any(v.closed for v, _, _ in self.views))
    @rule(data=st.data())
    def stale_view(self, data: st.DataObject) -> None:
        v, _, _ = data.draw(st.sampled_from([x for x in self.views if x[0].closed]))
        for call in (
            lambda: v.set(True, 0, 1),
            v.best_bid_px,
            v.bbo,
            lambda: v.levels(True),
            lambda: v.recenter_bid(0),
            v.stats,
        ):
            with pytest.raises(tapebook.ClosedError):
                call()

    @rule()
    def foreign_free(self) -> None:
        other = Book(64, self.bits)
        with pytest.raises(ValueError):
            self.mp.free(other)  # type: ignore[arg-type]

    @precondition(lambda self: not self.closed)
    @rule()
    def close_multi(self) -> None:
        self.mp.close()
        self.mp.close()
        self.closed = True
        for v, ref, _ in self.views:
            if not ref.closed:
                ref.close()
            assert v.closed
        self.live = [0, 0, 0]
        with pytest.raises(tapebook.ClosedError):
            self.mp.alloc(0, 0)
        with pytest.raises(tapebook.ClosedError):
            self.mp.pool_stats()

    @invariant()
    def agrees(self) -> None:
        if not hasattr(self, "mp") or self.closed:
            return
        for v, ref, _ in self.views:
            if not v.closed:
                compare(v, ref)
        for t in range(3):
            assert self.mp.tier_info(t) == (self.counts[t], self.live[t])
        ps = self.mp.pool_stats()
        live = [r for v, r, _ in self.views if not v.closed]
        assert ps.used_levels == self.rpool.used_levels == sum(r.pool_levels() for r in live)
        assert ps.attached_books == sum(self.live)
        assert ps.alloc_fail_count == self.rpool.alloc_fail_count
        assert len(self.mp.books()) == sum(self.live)
        st_ = self.mp.stats()
        assert st_.live_books == sum(self.live)

    def teardown(self) -> None:
        if hasattr(self, "mp"):
            views = [v for v, _, _ in self.views]
            self.views.clear()
            mp = weakref.ref(self.mp)
            del self.mp
            gc.collect(0)
            # views keep their pool alive
            assert (mp() is not None) == bool(views)
            del views
            gc.collect()
            assert mp() is None


TestMultiMachine = MultiMachine.TestCase


def test_reference_errors_are_value_errors() -> None:
    # the model's own errors follow the binding's convention
    assert issubclass(RefError, ValueError)
    with pytest.raises(ValueError):
        RefBook(n=64).set(1, 2**40, 1)
