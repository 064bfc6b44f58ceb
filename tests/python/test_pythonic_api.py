"""Issue #13's Python surface: sides by name, the bids/asks mappings against a dict,
book equality, one failure shape for batch rows, errors naming the public call,
the MultiBookPool keyword rename and the BBO views with missing empty sides."""

from __future__ import annotations

import inspect
import random
import threading
import warnings
from collections.abc import Mapping, MutableMapping

import numpy as np
import pytest

import tapebook
from tapebook import (
    ASK,
    BID,
    BatchError,
    Book,
    ClosedError,
    ConcurrentUseError,
    IntegerRangeError,
    InvalidArgumentError,
    MultiBookPool,
    Recorder,
    bbo_masked,
    bbo_to_pandas,
)

# ---- sides ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "side"),
    [("bid", 1), ("BID", 1), ("Buy", 1), ("buy", 1), ("ask", 0), ("ASK", 0), ("sell", 0), ("SeLL", 0)],
)
def test_side_names_are_the_bools(name: str, side: int) -> None:
    named, plain = Book(64), Book(64)
    for px, q in ((3, 5), (-7, 2), (40, 1), (-2000, 9)):  # tape and spill
        assert named.set(name, px, q) == plain.set(bool(side), px, q)
    assert named.to_dict() == plain.to_dict()
    assert named.levels(name, 10) == plain.levels(side, 10)
    assert named.qty_at(name, 3) == plain.qty_at(side, 3)
    assert named.depth(name) == plain.depth(side) and named.anchor(name) == plain.anchor(side)
    assert list(named.levels_array(name, 5)) == list(plain.levels_array(side, 5))
    named.erase_better(name, 0)
    plain.erase_better(side, 0)
    named.reset_at_mid(name, 100)
    plain.reset_at_mid(side, 100)
    named.load_side(name, [7, 8], [1, 2])
    plain.load_side(side, [7, 8], [1, 2])
    assert named.dumps() == plain.dumps()


def test_bid_and_ask_constants() -> None:
    assert BID is True and ASK is False
    b = Book(64)
    b.set(BID, 1, 1)
    b.set(ASK, 2, 1)
    assert b.bbo() == (1, 1, 2, 1)


def test_numpy_batches_keep_taking_bool_and_int_sides() -> None:
    a, b = Book(64), Book(64)
    a.apply(np.array([True, False]), np.array([1, 2]), np.array([3, 4]))
    b.apply(np.array([1, 0], np.int64), np.array([1, 2]), np.array([3, 4]))
    assert a.to_dict() == b.to_dict() == {"bid": {1: 3}, "ask": {2: 4}}


def test_a_recorded_book_takes_side_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = Book(64)
    with Recorder(book, tmp_path / "x.log") as rec:
        rec.set("bid", 5, 1)
        rec.set("sell", 9, 2)
        rec.bids[4] = 3
    again = tapebook.replay(tmp_path / "x.log").book
    assert again.to_dict() == book.to_dict() == {"bid": {5: 1, 4: 3}, "ask": {9: 2}}


# ---- the side mappings against a dict ---------------------------------------------------------


def _best_first(d: dict[int, int], side: int) -> list[int]:
    return sorted(d, reverse=bool(side))


@pytest.mark.parametrize("seed", range(6))
def test_side_views_behave_like_a_dict(seed: int) -> None:
    rng = random.Random(seed)
    book = Book(64, price_bits=32 if seed % 2 else 64, max_cap=4096)  # room for every level: no eviction
    ref: dict[int, dict[int, int]] = {0: {}, 1: {}}
    lo, hi = book.price_range
    for _ in range(600):
        side = rng.randrange(2)
        view = book.bids if side else book.asks
        d = ref[side]
        px = rng.randrange(-200, 200)
        op = rng.randrange(10)
        if op <= 2:
            q = rng.choice([0, 1, rng.randrange(1, 10**6)])
            view[px] = q
            if q:
                d[px] = q
            else:
                d.pop(px, None)
        elif op == 3:
            if px in d:
                del view[px]
                del d[px]
            else:
                with pytest.raises(KeyError):
                    del view[px]
        elif op == 4:
            assert view.get(px) == d.get(px) and view.get(px, -1) == d.get(px, -1)
        elif op == 5:
            assert (px in view) == (px in d)
            if px in d:
                assert view[px] == d[px]
            else:
                with pytest.raises(KeyError):
                    view[px]
        elif op == 6:
            upd = {rng.randrange(-200, 200): rng.randrange(0, 5) for _ in range(rng.randrange(4))}
            view.update(upd) if rng.random() < 0.5 else view.update(list(upd.items()))
            for k, q in upd.items():
                if q:
                    d[k] = q
                else:
                    d.pop(k, None)
        elif op == 7:
            assert view.pop(px, None) == d.pop(px, None)
        elif op == 8 and rng.random() < 0.05:
            view.clear()
            d.clear()
        else:
            order = _best_first(d, side)
            assert list(view) == list(view.keys()) == order
            assert list(view.values()) == [d[k] for k in order]
            assert list(view.items()) == [(k, d[k]) for k in order]
            assert dict(view) == d and view == d and len(view) == len(d)
            assert (view != d) is False and view.keys() == d.keys() and view.items() == d.items()
            if order:
                i = rng.randrange(len(order))
                assert view.index(i) == (order[i], d[order[i]])
    # keys that can never be levels: absent, as in a dict
    for k in (lo - 1, hi + 1, 2**70, "x", None, 1.5):
        assert k not in book.bids and book.bids.get(k) is None and book.bids.get(k, 0) == 0
    assert isinstance(book.bids, MutableMapping) and isinstance(book.asks, Mapping)
    assert book.bids.to_dict() == ref[1] and book.asks.to_dict() == ref[0]


def test_view_errors() -> None:
    b = Book(64)
    with pytest.raises(KeyError):
        b.bids[b.price_range[1] + 1]  # outside the range: never a level
    with pytest.raises(TypeError):
        b.bids[1.5]  # a float is a mistake, not an absent key
    with pytest.raises(TypeError):
        b.bids.update(x=1)
    with pytest.raises(TypeError):
        hash(b.bids)


@pytest.mark.parametrize(
    "call",
    [
        lambda b: 5 in b.bids,
        lambda b: b.bids[5],
        lambda b: b.bids.get(5),
        lambda b: dict(b.asks),
        lambda b: list(b.bids.items()),
        lambda b: len(b.bids),
        lambda b: b.to_dict(),
    ],
)
def test_views_and_to_dict_raise_on_a_closed_book_naming_the_call(call) -> None:  # type: ignore[no-untyped-def]
    b = Book(64)
    b.set(True, 5, 1)
    b.close()
    with pytest.raises(ClosedError) as ei:
        call(b)
    msg = str(ei.value)
    assert "closed" in msg and not msg.startswith(("depth", "qty_at", "levels")), msg


def test_to_dict_error_names_to_dict() -> None:
    b = Book(64)
    b.close()
    with pytest.raises(ClosedError, match=r"^to_dict: "):
        b.to_dict()
    with pytest.raises(ClosedError, match=r"^in bids: "):
        5 in b.bids  # noqa: B015


def test_in_raises_on_a_busy_book() -> None:
    """Issue #12 finding 8: ``px in bids`` while another thread is inside a call raised
    nothing and answered False."""
    book = Book(4096, max_cap=32768)
    n = 2_000_000
    sides = np.ones(n, bool)
    prices = np.arange(n, dtype=np.int32) % 30000 - 15000
    qtys = np.ones(n, np.uint32)
    seen: list[BaseException] = []
    started = threading.Event()

    def worker() -> None:
        started.set()
        for _ in range(20):
            if seen:
                return
            try:
                book.apply(sides, prices, qtys)
            except ConcurrentUseError:
                # the race the other way round: `in` was inside its call when apply
                # began (the guard refuses both ways); this thread just tries again
                continue

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    try:
        while t.is_alive() and not seen:
            try:
                5 in book.bids  # noqa: B015
            except ConcurrentUseError as e:
                seen.append(e)
    finally:
        t.join()
    assert seen, "the apply thread was never caught inside its call (machine too fast?)"
    assert str(seen[0]).startswith("in bids: ")


# ---- book equality ---------------------------------------------------------------------


def test_book_equality_compares_levels() -> None:
    a, b = Book(64), Book(1024, price_bits=64, max_cap=16)
    for bk in (a, b):
        bk.set(True, 10, 1)
        bk.set(False, 500, 2)  # in the spill of the 64 book, on the tape of the other
    assert a == b
    assert not a != b  # noqa: SIM202
    b.set(False, 501, 1)
    assert a != b
    assert a != "book" and a.__eq__(object()) is NotImplemented
    with pytest.raises(TypeError):
        hash(a)


# ---- batch errors ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["apply", "bbo_trace"])
def test_every_bad_row_is_a_batch_error(method: str) -> None:
    pd = pytest.importorskip("pandas")
    b = Book(64)
    lo, hi = b.price_range
    fn = getattr(b, method)
    cases = [  # (sides, prices, qtys, row, applied, what the message must say)
        (
            [1, 1, 1],
            [1, 2, hi + 1],
            [1, 1, 1],
            2,
            2,
            rf"px={hi + 1} is outside the valid price range \[{lo}, {hi}\]",
        ),
        ([1, 1], [1, 2], [1, -5], 1, 0, r"qtys\[1\]=-5 does not fit uint32 \[0, 4294967295\]"),
        ([1, 1], [1, 2], [1, 2**33], 1, 0, r"qtys\[1\]=8589934592 .*price_bits=64"),
        ([1, 3], [1, 2], [1, 1], 1, 0, r"sides\[1\]=3"),
        ([1, 1], pd.array([5, None], dtype="Int64"), [1, 1], 1, 0, r"prices\[1\]=<NA> is a missing value"),
        ([1, 1], [1, 2], pd.Series([1, None], dtype="Int64"), 1, 0, r"qtys\[1\]=<NA> is a missing value"),
    ]
    for s, p, q, row, applied, msg in cases:
        before = b.dumps()
        with pytest.raises(BatchError, match=msg) as ei:
            fn(s, p, q)
        e = ei.value
        assert (e.index, e.applied) == (row, applied), e
        assert f"row {row}" in str(e) and isinstance(e, ValueError)
        if applied == 0:
            assert b.dumps() == before, "nothing applied"
        b.clear()
    # a nullable column without missing values is just integers
    b.apply([1], pd.array([7], dtype="Int64"), pd.array([2], dtype="Int64"))
    assert b.to_dict()["bid"] == {7: 2}


def test_batch_column_problems_keep_their_types() -> None:
    b = Book(64)
    with pytest.raises(tapebook.ArgumentTypeError):
        b.apply([1], np.array([1.5]), [1])
    with pytest.raises(InvalidArgumentError, match="equal lengths"):
        b.apply([1, 1], [1], [1])


def test_32_bit_overflow_suggests_64_bit_books() -> None:
    b32, b64 = Book(64), Book(64, price_bits=64)
    with pytest.raises(IntegerRangeError, match=r"qty=4294967296 does not fit uint32_t .*price_bits=64"):
        b32.set(True, 1, 2**32)
    with pytest.raises(IntegerRangeError, match=r"px=2147483648 does not fit int32_t .*price_bits=64"):
        b32.set(True, 2**31, 1)
    with pytest.raises(IntegerRangeError, match=r"anchor=.*price_bits=64"):
        b32.reset(2**40)
    b64.set(True, 2**40, 2**40)  # what the advice promises
    with pytest.raises(IntegerRangeError) as ei:
        b32.set(True, 1, -1)
    assert "price_bits" not in str(ei.value), "no book takes a negative quantity"
    with pytest.raises(IntegerRangeError) as ei:
        b64.set(True, 1, 2**64)
    assert "price_bits" not in str(ei.value)


def test_batch_calls_name_themselves_on_a_closed_book() -> None:
    b = Book(64)
    b.close()
    for name in ("apply", "bbo_trace"):
        with pytest.raises(ClosedError, match=rf"^{name}: "):
            getattr(b, name)([1], [1], [1])


# ---- MultiBookPool keywords ----------------------------------------------------------


def test_multibookpool_book_counts_renamed() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = MultiBookPool(high_books=1, medium_books=2, low_books=3, pool_levels=1024, max_cap=16)
    with pytest.warns(DeprecationWarning, match=r"n_high=\.\.\.\) is deprecated: use high_books="):
        old = MultiBookPool(n_high=1, n_medium=2, n_low=3, pool_levels=1024, max_cap=16)
    assert [t.capacity for t in new.stats().tiers] == [t.capacity for t in old.stats().tiers] == [1, 2, 3]
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_hi'"):
        MultiBookPool(n_hi=1)  # type: ignore[call-arg]
    with (
        pytest.warns(DeprecationWarning),
        pytest.raises(TypeError, match="both high_books= and its old name"),
    ):
        MultiBookPool(high_books=2, n_high=3)  # type: ignore[call-arg]
    from tapebook.multi import _COUNT_DEFAULTS

    params = inspect.signature(MultiBookPool).parameters
    assert {k: params[k].default for k in _COUNT_DEFAULTS} == _COUNT_DEFAULTS
    with pytest.raises(InvalidArgumentError, match="low_books=-1"):
        MultiBookPool(low_books=-1)


# ---- BBO with missing empty sides --------------------------------------------------------


@pytest.mark.parametrize("bits", [32, 64])
def test_bbo_views_mark_empty_sides_missing(bits: int) -> None:
    b = Book(64, price_bits=bits)
    trace = b.bbo_trace([1, 0, 1, 0], [10, 12, 10, 12], [5, 7, 0, 0])
    info = np.iinfo(b._price_dtype)
    assert list(trace["bid_px"]) == [10, 10, info.min, info.min]  # the sentinels stay in the raw trace
    m = bbo_masked(trace)
    assert list(m["bid_px"].mask) == [False, False, True, True]
    assert list(m["ask_px"].mask) == [True, False, False, True]
    assert not m["bid_qty"].mask.any()
    assert m["bid_px"].max() == 10 and m["ask_px"].min() == 12  # never a sentinel
    spread = m["ask_px"] - m["bid_px"]
    assert list(spread.filled(-1)) == [-1, 2, -1, -1]
    pd = pytest.importorskip("pandas")
    df = bbo_to_pandas(trace)
    assert str(df["bid_px"].dtype) == "Int64" and df["bid_px"].isna().tolist() == [False, False, True, True]
    assert df["ask_px"].tolist()[1] == 12 and pd.isna(df["ask_px"].tolist()[0])
    assert df["bid_qty"].tolist() == [5, 5, 0, 0]


def test_bbo_views_read_feed_rows_and_refuse_other_arrays() -> None:
    rows = np.zeros(
        2, dtype=[("ts", "i8"), ("bid_px", "i8"), ("bid_qty", "u8"), ("ask_px", "i8"), ("ask_qty", "u8")]
    )
    rows["bid_px"], rows["bid_qty"] = [np.iinfo(np.int64).min, 5], [0, 1]
    rows["ask_px"], rows["ask_qty"] = [7, np.iinfo(np.int64).max], [1, 0]
    m = bbo_masked(rows)
    assert list(m["bid_px"].mask) == [True, False] and list(m["ask_px"].mask) == [False, True]
    with pytest.raises(tapebook.ArgumentTypeError, match="bid_px"):
        bbo_masked(np.zeros(3))


def test_items_compare_with_a_best_first_list_as_before_the_mappings() -> None:
    # regression: items() used to return a list; the state machine compared it with the
    # model's best-first list and broke when items() became an ItemsView
    b = Book(n=64, anchor=100)
    b.set("bid", 101, 5)
    b.set("bid", 103, 7)
    assert b.bids.items() == [(103, 7), (101, 5)]
    assert b.bids.items() != [(101, 5), (103, 7)]
    assert b.asks.items() == [] and b.asks.items() == ()
    assert b.bids.items() == {(101, 5), (103, 7)}  # still a set-like view
