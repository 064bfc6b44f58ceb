"""Hostile input: every public entry point of Book, SpillPool and
MultiBookPool / PooledBook gets wrong types, bools, floats, NaN, huge ints,
negative quantities, prices and anchors one past the valid range, bad buffers,
empty batches, closed objects and two threads. Each must raise a clear
exception (a TapebookError subclass that is also the matching builtin) and
leave the object unchanged.
"""

from __future__ import annotations

import array
import inspect
import math
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import tapebook
from tapebook import Book, MultiBookPool, SpillPool, TapebookError
from tapebook.testing.reference import RefBook

# ---- helpers -------------------------------------------------------------------------


def snapshot(book: Book) -> tuple[Any, ...]:
    st = book.stats()
    return (
        book.to_dict(),
        book.anchor(True),
        book.anchor(False),
        st.bid,
        st.ask,
        book.bbo(),
        book.verify_invariants(),
    )


def rejects(book: Book | None, call: Callable[[], Any], builtin: type[BaseException]) -> TapebookError:
    """``call()`` raises a TapebookError that is also ``builtin``; the book is unchanged."""
    before = snapshot(book) if book is not None else None
    with pytest.raises(TapebookError) as ei:
        call()
    assert isinstance(ei.value, builtin), f"{type(ei.value).__mro__} is not a {builtin.__name__}"
    assert str(ei.value), "the message must say what was wrong"
    if book is not None:
        assert snapshot(book) == before, "a rejected call changed the book"
    return ei.value


def _seed(book: Book) -> None:
    """A few levels on both tapes and in both spills."""
    lo, hi = book.price_range
    c = min(max(0, lo + 4 * book.n), hi - 4 * book.n)
    book.reset(c - book.n // 2)
    for k in range(5):
        book.set(True, c - 1 - k, 10 + k)
        book.set(False, c + 1 + k, 20 + k)
    book.set(True, c - 3 * book.n, 7)  # spill
    book.set(False, c + 3 * book.n, 8)  # spill


KINDS = ["heap32-64", "heap64-4096", "heap32-1024", "pooled64-256", "multi32-low"]


@pytest.fixture(params=KINDS)
def book(request: pytest.FixtureRequest) -> Iterator[Book]:
    kind = request.param
    keep: list[Any] = []
    if kind.startswith("heap"):
        bits, n = kind[4:].split("-")
        b = Book(int(n), int(bits), max_cap=64)
    elif kind.startswith("pooled"):
        pool = SpillPool(4096, 64)
        b = Book(256, 64, max_cap=64, pool=pool)
    else:
        mp = MultiBookPool(1, 1, 1, price_bits=32, max_cap=64, pool_levels=4096)
        keep.append(mp)
        b = mp.alloc("low", 0)
    _seed(b)
    yield b
    b.close()


def _fam(book: Book) -> tuple[int, int, int]:
    if book.price_bits == 32:
        return -(2**31), 2**31 - 1, 2**32 - 1
    return -(2**63), 2**63 - 1, 2**64 - 1


WRONG_TYPES = [1.5, math.nan, math.inf, "5", b"5", None, [5], (5,), {}, object(), np.float64(5.0), 5 + 0j]
#: as a side, a string is a name ("bid", "SELL", ...): an unknown one is a bad value, not a bad type
WRONG_SIDE_TYPES = [v for v in WRONG_TYPES if not isinstance(v, str)]
BAD_SIDE_NAMES = ["5", "", "x", "bids", "b", " bid"]


# ---- set() ------------------------------------------------------------------------------


def test_set_bad_side(book: Book) -> None:
    for v in (2, -1, 2**70, -(2**70), *BAD_SIDE_NAMES):
        rejects(book, lambda v=v: book.set(v, book.price_range[0], 1), ValueError)
    for v in WRONG_SIDE_TYPES:
        rejects(book, lambda v=v: book.set(v, book.price_range[0], 1), TypeError)


def test_set_bad_price(book: Book) -> None:
    lo, hi = book.price_range
    tmin, tmax, _ = _fam(book)
    for v in (lo - 1, hi + 1, tmin + 1, tmax - 1):
        e = rejects(book, lambda v=v: book.set(True, v, 1), ValueError)
        assert str(lo) in str(e) and str(hi) in str(e), "the message names the valid range"
    for v in (tmin - 1, tmax + 1, 2**200, -(2**200)):
        rejects(book, lambda v=v: book.set(False, v, 1), OverflowError)
    for v in WRONG_TYPES:
        rejects(book, lambda v=v: book.set(True, v, 1), TypeError)


def test_set_bad_qty(book: Book) -> None:
    _, _, qmax = _fam(book)
    mid = (book.best_bid_px() or 0) + 1
    for v in (-1, -(2**70), qmax + 1, 2**200):
        rejects(book, lambda v=v: book.set(True, mid, v), OverflowError)
    for v in WRONG_TYPES:
        rejects(book, lambda v=v: book.set(True, mid, v), TypeError)


def test_set_boundaries_accepted() -> None:
    for bits in (32, 64):
        for n in (tapebook.TAPE_SIZES[0], tapebook.TAPE_SIZES[-1]):
            b = Book(n, bits, max_cap=16)
            ref = RefBook(n, bits, max_cap=16)
            lo, hi = b.price_range
            _, _, qmax = _fam(b)
            for side, px, q in (
                (True, lo, 1),
                (True, hi, qmax),
                (False, lo, qmax),
                (False, hi, 1),
                (True, lo, 0),
            ):
                assert b.set(side, px, q) == ref.set(int(side), px, q)
                assert b.bbo() == ref.bbo()
            assert b.verify_invariants()


def test_bools_are_not_prices_or_quantities() -> None:
    """A bool is a side, never a price or a quantity: rejected on the hot path
    (set) like everywhere else."""
    b = Book(64, 32, anchor=-10)
    for call in (
        lambda: b.set(True, True, 1),
        lambda: b.set(True, 1, True),
        lambda: b.reset(True),
        lambda: b.levels(True, True),
        lambda: b.qty_at(True, True),
    ):
        rejects(b, call, TypeError)
    assert b.set(True, 1, 1) == tapebook.Result.INSERT  # a bool side is fine


NON_INTEGRAL = {
    "px": [Decimal("5.7"), Fraction(23, 2), np.float32(3.0), np.float16(2.5)],
    "qty": [Decimal("2.9"), Fraction(7, 2), np.float32(3.0), np.float16(2.5)],
    "side": [Decimal("1.5"), Fraction(1, 2), np.float32(1.0), np.float16(0.0)],
}


@pytest.mark.parametrize("where", ["px", "qty", "side"])
def test_set_rejects_non_integral_numbers(where: str) -> None:
    b = Book(64, 32, anchor=0)
    b.set(True, 5, 1)
    for v in NON_INTEGRAL[where]:
        args = {"side": True, "px": 10, "qty": 2}
        args[where] = v
        rejects(b, lambda a=args: b.set(a["side"], a["px"], a["qty"]), TypeError)


# ---- anchors and prices of the maintenance calls ---------------------------------------------


def test_anchor_boundaries(book: Book) -> None:
    amin, amax = book.anchor_range
    for name in ("reset", "recenter_bid", "recenter_ask"):
        for v in (amin - 1, amax + 1):
            e = rejects(book, lambda v=v, name=name: getattr(book, name)(v), ValueError)
            assert str(amin) in str(e) and str(amax) in str(e)
        for v in [*WRONG_TYPES, True, False]:
            rejects(book, lambda v=v, name=name: getattr(book, name)(v), TypeError)
    # the extreme valid anchors themselves are fine (on a twin book)
    for a in (amin, amax):
        twin = Book(book.n, book.price_bits, max_cap=16)
        ref = RefBook(book.n, book.price_bits, max_cap=16)
        twin.reset(a)
        ref.reset(a)
        lo, hi = twin.price_range
        for px in (a, a + book.n - 1, a - 1, a + book.n):
            if lo <= px <= hi:
                assert twin.set(True, px, 3) == ref.set(1, px, 3)
                assert twin.set(False, px, 4) == ref.set(0, px, 4)
        twin.recenter_bid(amax if a == amin else amin)
        ref.recenter_bid(amax if a == amin else amin)
        assert twin.to_dict() == ref.to_dict() and twin.verify_invariants()


def test_price_boundaries_of_maintenance_calls(book: Book) -> None:
    lo, hi = book.price_range
    for v in (lo - 1, hi + 1):  # (erase_better's threshold may be any value of the type)
        rejects(book, lambda v=v: book.reset_at_mid(False, v), ValueError)
    for v in [*WRONG_TYPES, True]:
        rejects(book, lambda v=v: book.erase_better(True, v), TypeError)
        rejects(book, lambda v=v: book.reset_at_mid(False, v), TypeError)
    for v in WRONG_SIDE_TYPES:
        rejects(book, lambda v=v: book.erase_better(v, lo), TypeError)
        rejects(book, lambda v=v: book.reset_at_mid(v, lo), TypeError)
    for v in (2, -1, *BAD_SIDE_NAMES):
        rejects(book, lambda v=v: book.erase_better(v, lo), ValueError)
        rejects(book, lambda v=v: book.reset_at_mid(v, lo), ValueError)


def test_snapshot_loads_refuse_hostile_levels(book: Book) -> None:
    lo, hi = book.price_range
    tmin, tmax, qmax = _fam(book)
    for side in (True, False):
        for px in ([lo - 1], [hi + 1], [lo, lo]):
            rejects(book, lambda px=px, side=side: book.load_side(side, px, [1] * len(px)), ValueError)
        for px in ([tmax + 1], [tmin - 1]):
            rejects(book, lambda px=px, side=side: book.load_side(side, px, [1]), OverflowError)
        for q in ([0], [qmax + 1], [-1]):
            rejects(book, lambda q=q, side=side: book.load_side(side, [lo], q), (ValueError, OverflowError))
        for bad in ([1.0], ["1"], [None], np.array([1.5])):
            rejects(book, lambda bad=bad, side=side: book.load_side(side, bad, [1]), TypeError)
        rejects(book, lambda side=side: book.load_side(side, [lo], [1, 2]), ValueError)
        rejects(book, lambda side=side: book.load_side(side, np.zeros((1, 1), np.int64), [1]), ValueError)
    for v in [*WRONG_TYPES, 2, -1]:
        rejects(book, lambda v=v: book.load_side(v, [lo], [1]), (TypeError, ValueError))
    rejects(book, lambda: book.load_snapshot([lo], [1], [hi, hi], [1, 1]), ValueError)


def test_out_of_type_integers_are_overflow_errors(book: Book) -> None:
    tmin, tmax, _ = _fam(book)
    for v in (tmax + 1, tmin - 1):
        rejects(book, lambda v=v: book.reset(v), OverflowError)
        rejects(book, lambda v=v: book.recenter_bid(v), OverflowError)
        rejects(book, lambda v=v: book.erase_better(True, v), OverflowError)
        rejects(book, lambda v=v: book.reset_at_mid(True, v), OverflowError)
        rejects(None, lambda v=v: Book(64, book.price_bits, anchor=v), OverflowError)


# ---- queries ----------------------------------------------------------------------------------


def test_query_arguments(book: Book) -> None:
    tmin, tmax, _ = _fam(book)
    for v in (2, -1, *BAD_SIDE_NAMES):
        for call in (
            lambda v=v: book.qty_at(v, 0),
            lambda v=v: book.anchor(v),
            lambda v=v: book.depth(v),
            lambda v=v: book.levels(v),
            lambda v=v: book.levels_array(v),
        ):
            rejects(book, call, ValueError)
    for v in WRONG_TYPES:
        sides = (
            []
            if isinstance(v, str)
            else [
                lambda v=v: book.qty_at(v, 0),
                lambda v=v: book.anchor(v),
                lambda v=v: book.depth(v),
                lambda v=v: book.levels(v),
            ]
        )
        for call in (
            *sides,
            lambda v=v: book.qty_at(True, v),
            lambda v=v: book.levels(True, v),
            lambda v=v: book.levels_array(True, v),
            lambda v=v: book.top(v),
            lambda v=v: book.bids.index(v),
        ):
            rejects(book, call, TypeError)
    for call in (lambda: book.levels(True, -1), lambda: book.levels_array(False, -1), lambda: book.top(-1)):
        rejects(book, call, ValueError)
    for call in (lambda: book.qty_at(True, tmax + 1), lambda: book.qty_at(False, tmin - 1)):
        rejects(book, call, OverflowError)
    # huge k: everything, without allocating a huge buffer
    assert book.levels(True, 2**62) == book.levels(True, book.depth(True))
    assert book.top(2**62) == (book.levels(True, 10**6), book.levels(False, 10**6))
    assert book.levels(True, 0) == [] and len(book.levels_array(True, 0)) == 0
    # mapping views: wrong keys are "not there", never a crash
    assert "x" not in book.bids and None not in book.asks and 1.5 not in book.bids
    with pytest.raises(IndexError):
        book.bids.index(-1)
    with pytest.raises(IndexError):
        book.bids.index(10**6)


def test_huge_side_in_levels(book: Book) -> None:
    for v in (2**40, 2**70, -(2**70)):
        rejects(book, lambda v=v: book.levels(v), ValueError)


# ---- construction -----------------------------------------------------------------------------


def test_book_constructor() -> None:
    for kw in (
        {"n": 100},
        {"n": 32},
        {"n": 2 * tapebook.TAPE_SIZES[-1]},  # a power of two that is not shipped
        {"n": 0},
        {"n": -64},
        {"price_bits": 16},
        {"price_bits": 128},
        {"max_cap": 0},
        {"max_cap": 3},
        {"max_cap": -16},
        {"max_cap": 2**31},
        {"max_cap": 2**64},
        {"anchor": 2**31 - 1},
    ):
        rejects(None, lambda kw=kw: Book(**kw), ValueError)
    for kw in (
        {"n": True},
        {"n": 64.0},
        {"n": "64"},
        {"price_bits": 32.0},
        {"price_bits": True},
        {"max_cap": 16.0},
        {"max_cap": True},
        {"anchor": 1.5},
        {"anchor": True},
        {"pool": "pool"},
        {"pool": object()},
        {"n": None},
    ):
        rejects(None, lambda kw=kw: Book(**kw), TypeError)
    p32, p64 = SpillPool(64, 32), SpillPool(64, 64)
    rejects(None, lambda: Book(64, 32, pool=p64), ValueError)
    rejects(None, lambda: Book(64, 64, pool=p32), ValueError)
    rejects(None, lambda: Book(64, 32, max_cap=65536, pool=p32), ValueError)
    assert p32.stats().attached_books == 0 and p64.stats().attached_books == 0
    Book(64, 32, max_cap=32768, pool=p32).close()  # the largest size class is fine


def test_spillpool_constructor() -> None:
    for v in (15, 0, -1, 2**30 + 1, 2**70):
        rejects(None, lambda v=v: SpillPool(v), ValueError)
    for v in (1.5, True, None, "64", math.nan):
        rejects(None, lambda v=v: SpillPool(v), TypeError)
    for v in ("x", "", "REFUSE"):
        rejects(None, lambda v=v: SpillPool(64, 32, v), ValueError)
    for v in (1, None, []):
        rejects(None, lambda v=v: SpillPool(64, 32, v), TypeError)
    for v in (16, 48, 64.0, True):
        rejects(
            None,
            lambda v=v: SpillPool(64, v),
            ValueError if isinstance(v, int) and v is not True else TypeError,
        )


def test_unhashable_policy_and_non_iterable_tiers() -> None:
    rejects(None, lambda: SpillPool(64, 32, []), TypeError)  # type: ignore[arg-type]
    rejects(None, lambda: MultiBookPool(policy={}), TypeError)  # type: ignore[arg-type]
    rejects(None, lambda: MultiBookPool(tiers=5), TypeError)  # type: ignore[arg-type]


def test_multibookpool_constructor_and_alloc() -> None:
    for kw in (
        {"high_books": -1},
        {"low_books": 2**24 + 1},
        {"tiers": (1, 2, 3)},
        {"tiers": (1024, 256)},
        {"max_cap": 65536},
        {"max_cap": 3},
        {"pool_levels": 0},
        {"pool_levels": 2**31},
        {"policy": "x"},
        {"price_bits": 16},
    ):
        rejects(None, lambda kw=kw: MultiBookPool(**kw), ValueError)
    for kw in ({"high_books": 1.5}, {"medium_books": True}, {"max_cap": 64.0}, {"pool_levels": None}):
        rejects(None, lambda kw=kw: MultiBookPool(**kw), TypeError)
    mp = MultiBookPool(1, 1, 1, max_cap=64, pool_levels=1024)
    for t in (3, -1, "x", "", 2**70):
        rejects(None, lambda t=t: mp.alloc(t, 0), ValueError)
    for t in (True, 1.5, None, object()):
        rejects(None, lambda t=t: mp.alloc(t, 0), TypeError)
    amin, amax = Book(1024).anchor_range
    for a in (amin - 1, amax + 1):
        rejects(None, lambda a=a: mp.alloc("high", a), ValueError)
    for c in (0, 3, 65536, -1):
        rejects(None, lambda c=c: mp.alloc("high", 0, c), ValueError)
    rejects(None, lambda: mp.alloc("high", 1.5), TypeError)
    rejects(None, lambda: mp.tier_info(5), ValueError)
    rejects(None, lambda: mp.free(Book(64)), ValueError)  # type: ignore[arg-type]
    rejects(None, lambda: mp.free("book"), ValueError)  # type: ignore[arg-type]
    assert [mp.tier_info(t) for t in range(3)] == [(1, 0), (1, 0), (1, 0)]
    v = mp.alloc(0, 0)
    rejects(None, lambda: mp.alloc(0, 0), RuntimeError)  # TierFullError
    other = MultiBookPool(1, 0, 0)
    rejects(None, lambda: other.free(v), ValueError)
    assert not v.closed and mp.tier_info(0) == (1, 1)
    with pytest.raises(TypeError):
        tapebook.PooledBook()  # only MultiBookPool.alloc makes them


# ---- batches --------------------------------------------------------------------------------


def _good(book: Book, rows: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pd, qd = (np.int32, np.uint32) if book.price_bits == 32 else (np.int64, np.uint64)
    c = book.best_bid_px()
    assert c is not None
    return (
        np.array([1, 0, 1][:rows], np.uint8),
        np.array([c, c + 2, c - 1][:rows], pd),
        np.array([1, 2, 0][:rows], qd),
    )


@pytest.mark.parametrize("method", ["apply", "bbo_trace"])
def test_batch_bad_buffers(book: Book, method: str) -> None:
    fn = getattr(book, method)
    s, p, q = _good(book)
    tmin, tmax, qmax = _fam(book)
    lo, hi = book.price_range
    bad_value = [
        (s[:2], p, q),  # mismatched lengths
        (s, p[:1], q),
        (s, p, q[:0]),
        (s.reshape(3, 1), p, q),  # 2-D
        (s, p.reshape(1, 3), q),
        (np.array([1, 2, 0], np.uint8), p, q),  # side 2
        (np.array([1, -1, 0]), p, q),
        (None, p, q),  # 0-d
        (5, 5, 5),
        (s, p.tobytes()[:-1], q),  # bytes that are not whole items
    ]
    for args in bad_value:
        rejects(book, lambda a=args: fn(*a), ValueError)
    bad_type = [
        (s, p.astype(np.float64), q),
        (s, np.array([np.nan, 1, 2]), q),
        (s, p, q.astype(np.float32)),
        (s.astype(np.float64), p, q),
        (s, ["1", "2", "3"], q),
        (s, memoryview(p.astype(np.float64)), q),
        (s, array.array("d", [1.0, 2.0, 3.0]), q),
        (s, p.astype(np.complex128), q),
    ]
    for args in bad_type:
        rejects(book, lambda a=args: fn(*a), TypeError)
    # object arrays (lists of Python ints, nullable columns): each row is checked
    twins = Book.loads(book.dumps()), Book.loads(book.dumps())
    assert (getattr(twins[0], method)(s, p.astype(object), q) == getattr(twins[1], method)(s, p, q)).all()
    assert twins[0].dumps() == twins[1].dumps()
    for col, row in (
        ([1, 2**70, 3], 1),
        (np.array([1, None, 3], dtype=object), 1),
        (np.array(["1", 2], dtype=object), 0),
    ):
        e = rejects(book, lambda col=col: fn(s, col, q), ValueError)
        assert isinstance(e, tapebook.BatchError) and (e.index, e.applied) == (row, 0), e
    if book.price_bits == 32:
        overflow = [
            (s, np.array([tmax + 1, 0, 0], np.int64), q),
            (s, np.array([tmin - 1, 0, 0], np.int64), q),
            (s, p, np.array([-1, 1, 1], np.int64)),
            (s, p, [qmax + 1, 1, 1]),
        ]
    else:
        overflow = [
            (s, np.array([2**63, 0, 0], np.uint64), q),
            (s, p, np.array([-1, 1, 1], np.int64)),
            (s, p, np.array([1, -(2**63), 1], np.int64)),
        ]
    for (
        args
    ) in overflow:  # a value that does not fit the C type: the row's BatchError, from the OverflowError
        e = rejects(book, lambda a=args: fn(*a), ValueError)
        assert isinstance(e, tapebook.BatchError) and isinstance(e.__cause__, OverflowError), e
    # a bad row in the middle: BatchError names it; the rows before it are applied
    twin = RefBook(book.n, book.price_bits, book.max_cap, anchor=book.anchor(True))
    ps = p.copy()
    ps[1] = hi + 1 if hi + 1 <= tmax else lo
    if hi + 1 <= tmax:
        before = book.to_dict()
        with pytest.raises(tapebook.BatchError) as ei:
            fn(s, ps, q)
        assert ei.value.index == 1 and ei.value.applied == 1 and isinstance(ei.value, ValueError)
        assert "row 1" in str(ei.value)
        after = book.to_dict()
        side = "bid" if s[0] else "ask"
        exp = dict(before[side])
        if q[0]:
            exp[int(p[0])] = int(q[0])
        else:
            exp.pop(int(p[0]), None)
        assert after[side] == exp
        if method == "apply":
            assert ei.value.results is not None and len(ei.value.results) == 1
        else:
            assert ei.value.trace is not None and len(ei.value.trace) == 1
    del twin


@pytest.mark.parametrize("method", ["apply", "bbo_trace"])
def test_batch_odd_but_valid_buffers(book: Book, method: str) -> None:
    """Non-contiguous, read-only, other-endian, other-width, bytes, memoryview and
    array.array inputs work exactly like the plain contiguous arrays."""
    s, p, q = _good(book)
    variants: list[tuple[Any, Any, Any]] = []
    wide = lambda a: np.repeat(a, 2)[::2]  # noqa: E731 - a strided view of the same values
    variants.append((wide(s), wide(p), wide(q)))
    ro = [x.copy() for x in (s, p, q)]
    for x in ro:
        x.flags.writeable = False
    variants.append(tuple(ro))  # type: ignore[arg-type]
    variants.append((s.astype(bool), p.astype(p.dtype.newbyteorder()), q.astype(q.dtype.newbyteorder())))
    variants.append((s.astype(np.int64), p.astype(np.int64), q.astype(np.uint64)))
    variants.append((s.tolist(), p.tolist(), q.tolist()))
    variants.append((s.tobytes(), p.tobytes(), q.tobytes()))
    variants.append((memoryview(s), memoryview(p), memoryview(q)))
    if book.price_bits == 32:
        variants.append(
            (array.array("B", s.tolist()), array.array("i", p.tolist()), array.array("I", q.tolist()))
        )
    for args in variants:
        twin = Book(book.n, book.price_bits, book.max_cap)
        _seed(twin)
        exp = getattr(twin, method)(s, p, q)
        state = twin.to_dict()
        twin2 = Book(book.n, book.price_bits, book.max_cap)
        _seed(twin2)
        got = getattr(twin2, method)(*args)
        assert got.tolist() == exp.tolist() and twin2.to_dict() == state


@pytest.mark.parametrize("method", ["apply", "bbo_trace"])
def test_empty_batches(book: Book, method: str) -> None:
    before = snapshot(book)
    pd, qd = (np.int32, np.uint32) if book.price_bits == 32 else (np.int64, np.uint64)
    for args in (([], [], []), (np.empty(0, np.uint8), np.empty(0, pd), np.empty(0, qd)), (b"", b"", b"")):
        out = getattr(book, method)(*args)
        assert len(out) == 0
        if method == "apply":
            assert out.dtype == np.int8
        else:
            assert out.dtype.names == ("bid_px", "bid_qty", "ask_px", "ask_qty")
    assert snapshot(book) == before


# ---- closed objects --------------------------------------------------------------------------


def _public_calls(book: Book) -> dict[str, Callable[[], Any]]:
    lo = book.price_range[0]
    a = book.anchor_range[0]
    s, p, q = np.array([1], np.uint8), np.array([lo], np.int64), np.array([1], np.uint64)
    calls: dict[str, Callable[[], Any]] = {
        "set": lambda: book.set(True, lo, 1),
        "apply": lambda: book.apply(s, p, q),
        "bbo_trace": lambda: book.bbo_trace(s, p, q),
        "best_bid_px": book.best_bid_px,
        "best_ask_px": book.best_ask_px,
        "best_bid_qty": book.best_bid_qty,
        "best_ask_qty": book.best_ask_qty,
        "bbo": book.bbo,
        "crossed": book.crossed,
        "crossed_on_tape": book.crossed_on_tape,
        "qty_at": lambda: book.qty_at(True, lo),
        "anchor": lambda: book.anchor(True),
        "levels": lambda: book.levels(True),
        "top": lambda: book.top(3),
        "levels_array": lambda: book.levels_array(True),
        "depth": lambda: book.depth(True),
        "to_dict": book.to_dict,
        "verify_invariants": book.verify_invariants,
        "stats": book.stats,
        "nbytes": lambda: book.nbytes,
        "reset": lambda: book.reset(a),
        "reset_at_mid": lambda: book.reset_at_mid(True, lo),
        "load_side": lambda: book.load_side(True, [lo + 1, lo], [1, 2]),
        "load_snapshot": lambda: book.load_snapshot([lo], [1], [lo + 1], [1]),
        "recenter_bid": lambda: book.recenter_bid(a),
        "recenter_ask": lambda: book.recenter_ask(a),
        "erase_better": lambda: book.erase_better(True, lo),
        "clear": book.clear,
        "release": book.release,
        "reserve_spill": book.reserve_spill,
        "len": lambda: len(book),
        "bids[]": lambda: book.bids[lo],
        "bids[]=": lambda: book.bids.__setitem__(lo, 1),
        "del bids[]": lambda: book.bids.__delitem__(lo),
        "bids.items": lambda: list(book.bids.items()),
        "bids.keys": lambda: list(book.bids.keys()),
        "asks.values": lambda: list(book.asks.values()),
        "dict(bids)": lambda: dict(book.bids),
        "bids ==": lambda: book.bids == {},
        "in bids": lambda: lo in book.bids,  # issue #12 finding 8: not swallowed
        "len(asks)": lambda: len(book.asks),
        "bids.update": lambda: book.bids.update({lo: 1}),
        "asks.clear": book.asks.clear,
        "bids.index": lambda: book.bids.index(0),
        "bids.get": lambda: book.bids.get(lo),
        "==": lambda: book == Book(book.n, book.price_bits),
    }
    # depth snapshots and state dumps, where the build has them
    if hasattr(book, "snapshot"):
        calls["snapshot"] = lambda: book.snapshot(16)
    if hasattr(book, "dumps"):
        calls["dumps"] = book.dumps
    if hasattr(book, "load_into"):
        same_shape = Book(book.n, book.price_bits).dumps()
        calls["load_into"] = lambda: book.load_into(same_shape)
    return calls


def test_every_public_method_is_covered() -> None:
    """New public methods must be added to the hostile / closed-object tables."""
    covered = set(_public_calls(Book(64)))
    exempt = {
        "close",
        "closed",
        "n",
        "price_bits",
        "max_cap",
        "pool",
        "price_range",
        "anchor_range",
        "bids",
        "asks",
        "loads",
    }  # loads: a classmethod, see test_loads_garbage
    public = {name for name, _ in inspect.getmembers(Book) if not name.startswith("_")}
    missing = public - covered - exempt
    assert not missing, f"public Book members not exercised by test_hostile: {sorted(missing)}"


@pytest.mark.parametrize("how", ["close", "free", "multi_close"])
def test_closed_books_refuse_everything(how: str) -> None:
    if how == "close":
        book: Book = Book(64, 32)
        _seed(book)
        book.close()
    else:
        mp = MultiBookPool(1, 1, 1, price_bits=64, pool_levels=1024)
        book = mp.alloc(2, 0)
        _seed(book)
        if how == "free":
            mp.free(book)
        else:
            mp.close()
    assert book.closed
    for name, call in _public_calls(book).items():
        with pytest.raises(tapebook.ClosedError):
            call()
        assert name  # (the name shows in the traceback)
    assert "closed" in repr(book)
    book.close()  # twice is harmless


def test_closed_pool_and_multi() -> None:
    pool = SpillPool(256, 32)
    b = Book(64, 32, pool=pool)
    rejects(None, pool.close, RuntimeError)  # PoolInUseError while a book uses it
    assert not pool.closed and pool.stats().attached_books == 1
    b.close()
    pool.close()
    pool.close()
    for call in (
        pool.stats,
        lambda: pool.alloc_fail_count,
        lambda: pool.used_levels,
        lambda: Book(64, 32, pool=pool),
    ):
        with pytest.raises(tapebook.ClosedError):
            call()
    assert "closed" in repr(pool)
    mp = MultiBookPool(1, 1, 1)
    mp.close()
    for call in (lambda: mp.alloc(0, 0), lambda: mp.tier_info(0), mp.pool_stats, mp.stats):
        with pytest.raises(tapebook.ClosedError):
            call()
    assert mp.books() == [] and "closed" in repr(mp)


# ---- two threads ---------------------------------------------------------------------------------


def test_two_threads_on_one_book() -> None:
    """A long batch in one thread, single updates in another: the second thread
    either runs between batches or gets ConcurrentUseError; nothing else, and
    the final state is consistent with the calls that succeeded."""
    book = Book(4096, 64, max_cap=4096, anchor=0)
    rows = 400_000
    rng = np.random.default_rng(7)
    s = np.ones(rows, np.uint8)
    p = rng.integers(0, 2048, rows).astype(np.int64)  # bid side, inside the window
    q = rng.integers(1, 100, rows).astype(np.uint64)
    errors: list[BaseException] = []
    ok: list[int] = []
    busy = [0]
    stop = threading.Event()

    def writer() -> None:
        k = 0
        while not stop.is_set():
            k += 1
            try:
                book.set(False, 3000, k)  # ask side, inside the window
                ok.append(k)
            except tapebook.ConcurrentUseError:
                busy[0] += 1
            except BaseException as e:
                errors.append(e)
                return
        book.set(False, 3000, k + 1)  # alone now: must succeed
        ok.append(k + 1)

    t = threading.Thread(target=writer)
    t.start()
    for _ in range(3):
        book.apply(s, p, q)
    stop.set()
    t.join()
    assert not errors, errors
    exp_bids: dict[int, int] = {}
    for px, qty in zip(p.tolist(), q.tolist(), strict=True):
        exp_bids[px] = qty
    d = book.to_dict()
    assert d["bid"] == dict(sorted(exp_bids.items(), reverse=True))
    assert d["ask"] == {3000: ok[-1]}
    assert book.verify_invariants()


def test_two_threads_on_books_sharing_a_pool() -> None:
    """Spill pushes of two books sharing a pool from two threads: each call
    succeeds or raises ConcurrentUseError and changes nothing."""
    pool = SpillPool(1 << 16, 32)
    books = [Book(64, 32, max_cap=1024, pool=pool, anchor=0) for _ in range(2)]
    errors: list[BaseException] = []
    refs = [RefBook(64, 32, 1024, anchor=0) for _ in range(2)]
    lock = threading.Lock()

    def run(i: int) -> None:
        rng = np.random.default_rng(i)
        b, r = books[i], refs[i]
        for _ in range(3000):
            px = int(rng.integers(-2000, 2000))
            qty = int(rng.integers(0, 5))
            try:
                res = b.set(True, px, qty)
            except tapebook.ConcurrentUseError:
                continue
            except BaseException as e:
                errors.append(e)
                return
            with lock:
                if res != r.set(1, px, qty):
                    errors.append(AssertionError(f"result {res} for {(px, qty)}"))
                    return

    ts = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    for b, r in zip(books, refs, strict=True):
        assert b.to_dict() == r.to_dict() and b.verify_invariants()


def test_generic_garbage_everywhere(book: Book) -> None:
    """Every public method with parameters, each parameter replaced by garbage in turn."""
    garbage = [1.5, math.nan, object(), "x", [1], None]
    for name, member in inspect.getmembers(type(book)):
        if name.startswith("_") or not callable(member) or name in ("close",):
            continue
        params = [p for p in inspect.signature(member).parameters.values() if p.name != "self"]
        if not params:
            continue
        for i in range(len(params)):
            for g in garbage:
                args = [g if j == i else _valid_arg(book, p.name) for j, p in enumerate(params)]
                before = snapshot(book)
                try:
                    getattr(book, name)(*args)
                except TapebookError as e:
                    assert isinstance(e, (TypeError, ValueError, OverflowError)), (name, args, e)
                except (TypeError, ValueError, OverflowError) as e:
                    raise AssertionError(f"{name}{tuple(args)} raised a bare {type(e).__name__}: {e}") from e
                else:
                    if params[i].name in ("sides", "prices", "qtys") and isinstance(g, list):
                        continue  # a list is a valid batch buffer
                    if params[i].name == "pool" and g is None:
                        continue
                    raise AssertionError(f"{name}{tuple(args)} accepted garbage {g!r}")
                assert snapshot(book) == before, (name, args)


def test_loads_garbage() -> None:
    if not hasattr(Book, "loads"):
        pytest.skip("no state dumps in this build")
    good = Book(64, 32, anchor=0)
    good.set(True, 5, 1)
    data = good.dumps()
    for bad in (
        b"",
        b"\x00" * 64,
        data[:-1],
        data[:10],
        bytes(reversed(data)),
        data[:-4] + b"\x00\x00\x00\x00",
    ):
        rejects(None, lambda bad=bad: Book.loads(bad), ValueError)
    for bad in (None, 5, 1.5, "text", object()):
        rejects(None, lambda bad=bad: Book.loads(bad), TypeError)
    assert Book.loads(data).to_dict() == good.to_dict()


def _valid_arg(book: Book, name: str) -> Any:
    lo = book.price_range[0]
    c = book.best_bid_px() or lo
    return {
        "side": True,
        "px": c,
        "qty": 1,
        "k": 3,
        "anchor": book.anchor(True),
        "mid": c,
        "sides": [1],
        "prices": [c],
        "qtys": [1],
    }.get(name, 0)
