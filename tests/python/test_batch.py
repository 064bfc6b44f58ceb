"""Batch calls: apply / bbo_trace equal the per-op API; buffer checks; bad rows."""

from __future__ import annotations

import array

import numpy as np
import pytest

from tapebook import ArgumentTypeError, BatchError, Book, IntegerRangeError, InvalidArgumentError


def stream(seed: int, n: int, centre: int = 100_000, spread: int = 3000):
    rng = np.random.default_rng(seed)
    sides = rng.integers(0, 2, n).astype(bool)
    offs = rng.integers(1, spread, n)
    prices = np.where(sides, centre - offs, centre + offs).astype(np.int64)
    qtys = rng.integers(0, 50, n)
    qtys[rng.random(n) < 0.3] = 0
    return sides, prices, qtys


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("n", [64, 1024])
def test_apply_equals_per_op(bits: int, n: int) -> None:
    s, p, q = stream(bits * n, 20_000)
    a = Book(n=n, price_bits=bits, max_cap=256)
    b = Book(n=n, price_bits=bits, max_cap=256)
    for x in (a, b):
        x.reset(100_000 - n // 2)
    res = a.apply(s, p, q)
    expect = [int(b.set(bool(si), int(pi), int(qi))) for si, pi, qi in zip(s, p, q, strict=True)]
    assert res.dtype == np.int8 and res.tolist() == expect
    assert a.to_dict() == b.to_dict()
    assert a.stats() == b.stats()


@pytest.mark.parametrize("bits", [32, 64])
def test_bbo_trace_equals_per_op(bits: int) -> None:
    s, p, q = stream(7, 5_000)
    a = Book(n=256, price_bits=bits)
    b = Book(n=256, price_bits=bits)
    a.reset(99_900)
    b.reset(99_900)
    tr = a.bbo_trace(s, p, q)
    assert tr.dtype.names == ("bid_px", "bid_qty", "ask_px", "ask_qty")
    tmin, tmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    for i, (si, pi, qi) in enumerate(zip(s, p, q, strict=True)):
        b.set(bool(si), int(pi), int(qi))
        bp, ap = b.best_bid_px(), b.best_ask_px()
        row = tr[i]
        assert int(row["bid_px"]) == (tmin if bp is None else bp)
        assert int(row["ask_px"]) == (tmax if ap is None else ap)
        assert int(row["bid_qty"]) == b.best_bid_qty() and int(row["ask_qty"]) == b.best_ask_qty()


def test_buffer_kinds_accepted() -> None:
    b = Book(n=64)
    b.reset(0)
    r1 = b.apply(array.array("b", [1, 0]), array.array("i", [5, 9]), array.array("I", [1, 2]))
    assert r1.tolist() == [1, 1]
    sides = bytes([1])
    prices = np.array([6], dtype=np.int32).tobytes()
    qtys = memoryview(np.array([3], dtype=np.uint32))
    assert b.apply(sides, prices, qtys).tolist() == [1]
    assert b.apply([True], [7], [4]).tolist() == [1]  # lists are converted
    # other integer dtypes convert when every value fits
    assert b.apply(np.array([1], np.int64), np.array([8], np.int64), np.array([1], np.int64)).tolist() == [1]
    # non-contiguous views are copied
    big = np.arange(20, dtype=np.int32)
    assert len(b.apply(np.ones(10, bool), big[::2], np.ones(10, np.uint32))) == 10


def test_empty_batch() -> None:
    b = Book(n=64)
    assert b.apply([], [], []).shape == (0,)
    assert b.bbo_trace(np.array([], bool), np.array([], np.int32), np.array([], np.uint32)).shape == (0,)


def test_buffer_errors_change_nothing() -> None:
    b = Book(n=64)
    b.reset(0)
    b.set(True, 3, 3)
    before = b.to_dict()
    with pytest.raises(InvalidArgumentError, match="equal lengths"):
        b.apply([1, 1], [1, 2, 3], [1, 1])
    with pytest.raises(ArgumentTypeError, match="prices must hold integers"):
        b.apply([1], np.array([1.5]), [1])
    # a row's value: BatchError naming the row, nothing applied (issue #13: one failure shape)
    for call, row, msg in (
        (
            lambda: b.apply([1, 1], [1, 2], [1, -1]),
            1,
            r"row 1: qtys\[1\]=-1 does not fit uint32 \[0, 4294967295\]",
        ),
        (lambda: b.apply([1], np.array([2**40]), [1]), 0, r"prices\[0\]=1099511627776 .*price_bits=64"),
        (lambda: b.apply([1, 2], [1, 2], [1, 1]), 1, r"sides\[1\]=2"),
    ):
        with pytest.raises(BatchError, match=msg) as ei:
            call()
        assert (ei.value.index, ei.value.applied) == (row, 0)
        assert isinstance(ei.value.__cause__, (IntegerRangeError, InvalidArgumentError))
    with pytest.raises(InvalidArgumentError, match="1-dimensional"):
        b.apply(np.ones((2, 2), bool), np.ones((2, 2), np.int32), np.ones((2, 2), np.uint32))
    with pytest.raises(InvalidArgumentError, match="whole number"):
        b.apply(b"\x01", b"\x00\x00\x00", np.ones(1, np.uint32))
    assert b.to_dict() == before


def test_bad_row_applies_prefix() -> None:
    b = Book(n=64)
    b.reset(0)
    lo, _hi = b.price_range
    with pytest.raises(BatchError) as ei:
        b.apply([1, 1, 1, 1], [1, 2, lo - 1, 4], [1, 1, 1, 1])
    e = ei.value
    assert e.index == 2 and e.applied == 2 and e.results.tolist() == [1, 1]
    assert "row 2" in str(e) and "px=" in str(e) and "valid price range" in str(e)
    assert isinstance(e, ValueError)
    assert b.levels(True, 10) == [(2, 1), (1, 1)]  # rows 0 and 1 applied, row 3 not
    with pytest.raises(BatchError) as ei:
        b.bbo_trace([0, 0], [50, lo - 1], [1, 1])
    assert ei.value.index == 1 and len(ei.value.trace) == 1 and b.best_ask_px() == 50


@pytest.mark.parametrize("bits", [32, 64])
def test_misaligned_buffers_are_read_safely(bits: int) -> None:
    # regression: a view at an odd offset (here as replay makes them from a log record)
    # kept its dtype, so it reached C misaligned: undefined behaviour (UBSan: misaligned load)
    pt = "<i4" if bits == 32 else "<i8"
    qt = "<u4" if bits == 32 else "<u8"
    prices = np.array([10, -5, 20, 10], dtype=pt)
    qtys = np.array([1, 2, 3, 0], dtype=qt)
    raw = b"\0" + prices.tobytes() + qtys.tobytes()
    p = np.frombuffer(raw, dtype=pt, count=4, offset=1)
    q = np.frombuffer(raw, dtype=qt, count=4, offset=1 + prices.nbytes)
    assert not p.flags.aligned and not q.flags.aligned
    sides = np.array([1, 0, 1, 1], dtype=bool)
    a, b = Book(n=64, price_bits=bits), Book(n=64, price_bits=bits)
    assert a.apply(sides, p, q).tolist() == b.apply(sides, prices, qtys).tolist()
    assert a.bbo_trace(sides, p, q).tolist() == b.bbo_trace(sides, prices, qtys).tolist()
    assert a.to_dict() == b.to_dict()
