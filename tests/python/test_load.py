"""Book.load_side / Book.load_snapshot: a snapshot reset and bulk load in one C call.

The contract: load_side(side, prices, qtys) is reset_at_mid(side, best price)
followed by set() of every level, best first (empty lists: the side emptied,
its anchor kept); load_snapshot is load_side of the bids then of the asks,
both checked first. Compared with the reference model (tapebook.testing.reference)
on everything observable, with a real twin book doing the resets and sets,
and every error path leaves the book unchanged.
"""

from __future__ import annotations

import array

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapebook import ArgumentTypeError, Book, IntegerRangeError, InvalidArgumentError, SpillPool
from tapebook.testing.reference import RefBook, RefError, RefPool


def state(b: Book | RefBook) -> tuple[object, ...]:
    """Everything observable: both sides' levels, anchors, BBO and per-side counters."""
    depth = max(b.depth(1), b.depth(0)) + 1
    sides = []
    for side in (1, 0):
        if isinstance(b, Book):
            st_ = b.stats()
            s = st_.bid if side else st_.ask
            counters = (
                s.tape_levels,
                s.spill_levels,
                s.spill_capacity,
                s.spill_evicted,
                s.spill_dropped,
                s.spill_nomem,
                s.promotes,
                s.anchor,
            )
        else:
            d = b.side_stats(side)
            counters = tuple(
                d[k]
                for k in (
                    "tape_levels",
                    "spill_levels",
                    "spill_capacity",
                    "spill_evicted",
                    "spill_dropped",
                    "spill_nomem",
                    "promotes",
                    "anchor",
                )
            )
        sides.append((b.levels(side, depth), counters))
    return (tuple(sides), b.bbo(), b.crossed(), b.crossed_on_tape())


def snapshot(
    rng: np.random.Generator, side: int, best: int, n: int, shuffle: bool
) -> tuple[list[int], list[int]]:
    """n levels from `best` outwards: dense at the top, gaps growing, an odd jump."""
    steps = 1 + rng.integers(0, 1 + np.arange(n) // 40, n)
    steps[rng.random(n) < 0.02] += 3000
    steps[:1] = 0
    offs = np.cumsum(steps)
    px = (best - offs) if side else (best + offs)
    qty = rng.integers(1, 1000, n)
    if shuffle:
        perm = rng.permutation(n)
        px, qty = px[perm], qty[perm]
    return px.tolist(), qty.tolist()


def history(rng: np.random.Generator, books: list[object], mid: int, n: int, ops: int) -> None:
    """The same random updates on every book (a Book, a twin, a RefBook)."""
    sides = rng.integers(0, 2, ops)
    offs = rng.integers(-n // 4, 3 * n, ops)
    qtys = rng.integers(1, 500, ops)
    qtys[rng.random(ops) < 0.2] = 0
    for s, o, q in zip(sides.tolist(), offs.tolist(), qtys.tolist(), strict=True):
        px = mid - o if s else mid + o
        results = {int(b.set(s, px, q)) for b in books}
        assert len(results) == 1


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("n", [64, 256, 1024])
@pytest.mark.parametrize("max_cap", [1, 16, 4096])
def test_load_side_equals_reset_and_sets(bits: int, n: int, max_cap: int) -> None:
    rng = np.random.default_rng(bits * n + max_cap)
    mid = 1_000_000
    for size in (0, 1, 3, n // 2, n + 7, 3 * n, 600):
        for side in (1, 0):
            a = Book(n=n, price_bits=bits, max_cap=max_cap, anchor=mid - n // 2)
            twin = Book(n=n, price_bits=bits, max_cap=max_cap, anchor=mid - n // 2)
            ref = RefBook(n=n, price_bits=bits, max_cap=max_cap, anchor=mid - n // 2)
            history(rng, [a, twin, ref], mid, n, 300)
            best = mid + int(rng.integers(-n, n))
            px, qty = snapshot(rng, side, best, size, shuffle=size % 2 == 1)
            a.load_side(side, np.array(px), np.array(qty))
            ref.load_side(side, px, qty)
            if px:
                order = sorted(range(size), key=lambda i: -px[i] if side else px[i])
                twin.reset_at_mid(side, px[order[0]])
                for i in order:
                    twin.set(side, px[i], qty[i])
            else:
                other = twin.anchor(side)
                twin.reset_at_mid(side, twin.price_range[0])
                (twin.recenter_bid if side else twin.recenter_ask)(other)
            assert state(a) == state(ref), (size, side)
            assert state(a) == state(twin), (size, side)
            assert a.verify_invariants()
            history(rng, [a, twin, ref], best, n, 200)  # updates against the loaded levels
            assert state(a) == state(ref) == state(twin)


@pytest.mark.parametrize("bits", [32, 64])
def test_load_snapshot_equals_both_sides(bits: int) -> None:
    rng = np.random.default_rng(bits)
    for k in range(5):
        a = Book(n=256, price_bits=bits, max_cap=64 if k % 2 else 4096)
        ref = RefBook(n=256, price_bits=bits, max_cap=64 if k % 2 else 4096)
        history(rng, [a, ref], 0, 256, 200)
        bp, bq = snapshot(rng, 1, -1 - k, 100 * k, shuffle=k == 3)
        ap, aq = snapshot(rng, 0, 1 - (30 if k == 4 else 0), 150 * k, shuffle=False)  # k 4: crossed
        a.load_snapshot(bp, bq, ap, aq)
        ref.load_snapshot(bp, bq, ap, aq)
        assert state(a) == state(ref)
        assert a.verify_invariants()


@pytest.mark.parametrize("policy", ["refuse", "fallback"])
def test_load_when_the_pool_runs_dry(policy: str) -> None:
    rng = np.random.default_rng(7)
    for levels in (16, 48, 80):
        pool, rpool = SpillPool(levels, 32, policy), RefPool(levels, policy)
        a = Book(n=64, max_cap=4096, pool=pool, anchor=0)
        ref = RefBook(n=64, max_cap=4096, pool=rpool, anchor=0)
        px, qty = snapshot(rng, 1, 0, 300, shuffle=True)
        a.load_side(1, px, qty)
        ref.load_side(1, px, qty)
        assert state(a) == state(ref)
        ps = pool.stats()
        assert (ps.used_levels, ps.watermark, ps.alloc_fail_count) == (
            rpool.used_levels,
            rpool.watermark,
            rpool.alloc_fail_count,
        )
        if policy == "refuse":
            assert a.stats().bid.spill_nomem > 0
        a.close()
        ref.close()
        pool.close()


def test_drops_beyond_max_cap_keep_the_best() -> None:
    b = Book(n=64, max_cap=16)
    px = list(range(1000, 1000 - 100, -1))  # 33 on the tape (the best at its centre), 16 kept, 51 dropped
    b.load_side(True, px, [5] * 100)
    st_ = b.stats().bid
    assert (st_.tape_levels, st_.spill_levels, st_.spill_dropped, st_.anchor) == (33, 16, 51, 1000 - 32)
    assert [p for p, _ in b.levels(True, 100)] == px[:49]


def test_any_buffer_and_any_order() -> None:
    a, b = Book(n=64), Book(n=64)
    a.load_side(0, array.array("i", [103, 101, 102]), array.array("I", [3, 1, 2]))
    b.load_side(0, [101, 102, 103], np.array([1, 2, 3], np.uint64))
    assert a.levels(0, 5) == b.levels(0, 5) == [(101, 1), (102, 2), (103, 3)]
    a.load_snapshot(np.array([], np.int64), [], [7], [1])  # empty bids: emptied, anchor kept
    assert a.depth(1) == 0 and a.levels(0) == [(7, 1)]


def test_empty_side_keeps_its_anchor_and_the_other_side() -> None:
    b = Book(n=128, anchor=500)
    b.set(1, 510, 4)
    b.set(0, 530, 6)
    b.load_side(1, [], [])
    assert b.depth(1) == 0 and b.anchor(1) == 500
    assert b.levels(0) == [(530, 6)]


def bad_inputs(b: Book) -> list[tuple[tuple[object, ...], type[Exception], str]]:
    lo, hi = b.price_range
    return [
        ((1, [10, lo - 1], [1, 1]), InvalidArgumentError, f"prices[1]={lo - 1} is outside the valid price"),
        ((0, [10, hi + 1], [1, 1]), InvalidArgumentError, f"prices[1]={hi + 1} is outside"),
        ((1, [10, 9, 8], [1, 0, 1]), InvalidArgumentError, "qtys[1]=0"),
        ((1, [10, 8, 9, 8], [1, 1, 1, 1]), InvalidArgumentError, "prices[1] and prices[3] are both 8"),
        ((0, [5, 5], [1, 2]), InvalidArgumentError, "prices[0] and prices[1] are both 5"),
        ((1, [1, 2], [1]), InvalidArgumentError, "equal lengths"),
        ((1, [2**40], [1]), IntegerRangeError, "prices[0]"),
        ((1, [1], [-1]), IntegerRangeError, "qtys[0]"),
        ((1, [1.5], [1]), ArgumentTypeError, "prices"),
        ((2, [1], [1]), InvalidArgumentError, "side"),
    ]


def test_bad_levels_raise_and_change_nothing() -> None:
    b = Book(n=64, anchor=0)
    for k in range(40):
        b.set(k % 2, 3 * k if k % 2 == 0 else -3 * k, 1 + k)
    before = state(b)
    for args, exc, text in bad_inputs(b):
        with pytest.raises(exc, match=text.replace("[", r"\[").replace("]", r"\]")):
            b.load_side(*args)  # type: ignore[arg-type]
        assert state(b) == before
    # in load_snapshot: a bad ask after good bids loads no bid either
    with pytest.raises(InvalidArgumentError, match=r"ask_qtys\[2\]=0"):
        b.load_snapshot([-5, -6], [1, 1], [5, 6, 7], [1, 1, 0])
    with pytest.raises(InvalidArgumentError, match=r"bid_prices\[0\] and bid_prices\[1\] are both -5"):
        b.load_snapshot([-5, -5], [1, 1], [5], [1])
    assert state(b) == before
    # the model refuses the same snapshots
    ref = RefBook(n=64, anchor=0)
    for args, _, _ in bad_inputs(b)[:6]:
        with pytest.raises(RefError):
            ref.load_side(*args)  # type: ignore[arg-type]


def test_closed_book_refuses() -> None:
    from tapebook import ClosedError

    b = Book(n=64)
    b.close()
    with pytest.raises(ClosedError):
        b.load_side(1, [1], [1])
    with pytest.raises(ClosedError):
        b.load_snapshot([1], [1], [2], [1])


@given(
    bids=st.dictionaries(st.integers(-5000, 5000), st.integers(1, 2**32 - 1), max_size=80),
    asks=st.dictionaries(st.integers(-5000, 5000), st.integers(1, 2**32 - 1), max_size=80),
    n=st.sampled_from([64, 256]),
    max_cap=st.sampled_from([1, 4, 16, 4096]),
    prior=st.lists(st.tuples(st.booleans(), st.integers(-5000, 5000), st.integers(0, 9)), max_size=40),
)
def test_any_snapshot_matches_the_model(
    bids: dict[int, int], asks: dict[int, int], n: int, max_cap: int, prior: list[tuple[bool, int, int]]
) -> None:
    a = Book(n=n, max_cap=max_cap, anchor=0)
    ref = RefBook(n=n, max_cap=max_cap, anchor=0)
    for s, p, q in prior:
        assert a.set(s, p, q) == ref.set(int(s), p, q)
    a.load_snapshot(list(bids), list(bids.values()), list(asks), list(asks.values()))
    ref.load_snapshot(list(bids), list(bids.values()), list(asks), list(asks.values()))
    assert state(a) == state(ref)
    assert a.verify_invariants()
