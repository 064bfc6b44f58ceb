"""A RecordedBook's surface is the table of tapebook.persist.ops, and every call
through it replays to the live state.

Every public member of Book (and of PooledBook) must be recorded, a read-only
query passed to the book, a view over the RecordedBook, or refused; a new Book
method that is none of these fails here until the table says what it is.
"""

from __future__ import annotations

import contextlib
import inspect
import io
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapebook
from tapebook import (
    ArgumentTypeError,
    Book,
    InvalidArgumentError,
    MultiBookPool,
    NotRecordedError,
    PooledBook,
    Recorder,
    recover,
    replay,
)
from tapebook.persist import RecordedBook, RecordType
from tapebook.persist.ops import OPS_OF, QUERIES, REFUSED, VIEWS

RECORDED = {op.method for op in OPS_OF["book"]}
KINDS = {"recorded": RECORDED, "query": set(QUERIES), "view": set(VIEWS), "refused": set(REFUSED)}


def public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize("cls", [Book, PooledBook])
def test_every_public_book_member_is_classified_once(cls: type) -> None:
    for name in sorted(public(cls)):
        kinds = [kind for kind, names in KINDS.items() if name in names]
        assert len(kinds) == 1, (
            f"{cls.__name__}.{name} is {kinds or 'in no list'}: add it to exactly one of OPS (it changes "
            "the book), QUERIES (it only reads), VIEWS or REFUSED in tapebook/persist/ops.py"
        )


def test_the_table_names_only_real_members() -> None:
    members = public(Book) | public(PooledBook)
    for kind, names in KINDS.items():
        assert names <= members, f"{kind}: {sorted(names - members)} are not Book / PooledBook members"


def test_a_recorded_book_has_exactly_the_table() -> None:
    assert "__getattr__" not in vars(RecordedBook)  # nothing reaches the book by accident
    assert public(RecordedBook) == set().union(*KINDS.values()) | {"book", "name"}


def valid_args(book: Book, params: list[str]) -> list[Any]:
    lo, hi = book.price_range
    mid = (lo + hi) // 2 if book.price_bits == 32 else 0
    values = {
        "side": True,
        "px": mid + 3,
        "qty": 5,
        "anchor": mid - book.n // 2,
        "mid": mid,
        "sides": np.array([1, 0], np.uint8),
        "prices": np.array([mid - 1, mid + 1], np.int64),
        "qtys": np.array([2, 3], np.uint64),
        "bid_prices": [mid - 3, mid - 1],  # not best first: the load orders them
        "bid_qtys": [4, 6],
        "ask_prices": np.array([mid + 2], np.int64),
        "ask_qtys": np.array([7], np.uint64),
        "data": Book(n=book.n, price_bits=book.price_bits).dumps(),
    }
    missing = [p for p in params if p not in values]
    assert not missing, f"add a valid value for the parameters {missing} of a recorded operation"
    return [values[p] for p in params]


def params_of(fn: Any) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p != "self"]


@pytest.mark.parametrize("op", OPS_OF["book"], ids=lambda op: op.method)
def test_each_recorded_operation_logs_one_record_then_applies(op: Any) -> None:
    live, twin = Book(n=64, max_cap=16), Book(n=64, max_cap=16)
    for b in (live, twin):
        b.set(True, 10, 1)
        b.set(False, 200, 1)
    f = io.BytesIO()
    rec = Recorder(live, f, snapshot_every=0)
    rb = rec.book
    args = valid_args(live, params_of(getattr(rb, op.method)))
    seq = rec.seq
    getattr(rb, op.method)(*args)
    getattr(twin, op.method)(*args)
    assert rec.seq == seq + 1
    rec.close()
    r = recover(f.getvalue())
    assert r.records[-1].type == RecordType[op.record]
    assert live.dumps() == twin.dumps() == replay(f.getvalue()).book.dumps()
    # keywords work too, and log the same record
    g = io.BytesIO()
    rb2 = Recorder(Book(n=64, max_cap=16), g, snapshot_every=0).book
    getattr(rb2, op.method)(**dict(zip(params_of(getattr(rb2, op.method)), args, strict=True)))
    assert recover(g.getvalue()).records[-1].payload[9:] == r.records[-1].payload[9:]


def test_queries_are_the_books_own_members() -> None:
    mp = MultiBookPool(high_books=1, medium_books=1, low_books=1, max_cap=64, pool_levels=4096)
    book = mp.alloc("high", 0)
    book.set(True, 5, 7)
    rb = Recorder(book, io.BytesIO()).book
    for name in QUERIES:
        assert getattr(rb, name) == getattr(book, name), name
    assert rb.best_bid_px() == 5 and rb.levels(True) == [(5, 7)] and len(rb) == 1


def test_views_record_their_writes() -> None:
    book = Book(n=64)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=0)
    rec.book.bids[3] = 9
    rec.book.asks[70] = 2
    del rec.book.asks[70]
    rec.close()
    types = [r.type for r in recover(f.getvalue()).records]
    assert types == [RecordType.SNAPSHOT] + [RecordType.SET] * 3
    assert replay(f.getvalue()).book.dumps() == book.dumps() and book.to_dict()["bid"] == {3: 9}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_members_change_nothing_and_log_nothing(name: str) -> None:
    book = Book(n=64)
    book.set(True, 1, 1)
    before = book.dumps()
    rec = Recorder(book, io.BytesIO())
    seq = rec.seq
    args = valid_args(book, params_of(getattr(Book, name)))
    with pytest.raises(NotRecordedError, match=f"RecordedBook.{name}: not recorded"):
        getattr(rec.book, name)(*args)
    assert isinstance(NotRecordedError("x"), TypeError)
    assert rec.seq == seq and book.dumps() == before and not book.closed


# ---- every call, valid or not, replays to the live state ------------------------------------------

# values of every kind an argument may have: the book accepts some, refuses others for
# their value (logged, refused again on replay) or for their type (refused before logging)
ints = st.one_of(
    st.integers(-300, 300),
    st.sampled_from([2**31 - 1, -(2**31), 2**40, 2**63 - 1, -(2**63), 2**64, -1, 0]),
)
anything = st.one_of(
    ints,
    st.one_of(st.integers(-300, 300), st.sampled_from([2**40, 2**63 - 1, -(2**63)])).map(np.int64),
    st.integers(0, 300).map(np.uint32),
    st.booleans(),
    st.sampled_from([1.0, 2.5, Decimal(3), "4", None]),
)
sides = st.one_of(st.booleans(), st.sampled_from([0, 1, 2, -1, 1.0, np.int8(1), None]))
batch = st.lists(st.tuples(st.booleans(), st.integers(-300, 300), st.integers(0, 9)), max_size=6)
STRATEGIES = {"side": sides, "px": anything, "qty": anything, "anchor": anything, "mid": anything}


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, list[Any]]:
    op = draw(st.sampled_from(OPS_OF["book"]))
    if op.method in ("load_side", "load_snapshot"):
        # levels in any order, duplicates and zero quantities included (refused by value)
        sides_ = [draw(sides)] if op.method == "load_side" else []
        lists = []
        for _ in range(1 if sides_ else 2):
            n = draw(st.integers(0, 5))
            lists += [draw(st.lists(st.integers(-300, 300), min_size=n, max_size=n))]
            lists += [draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))]
        return op.method, [*sides_, *lists]
    if op.batch:
        rows = draw(batch)
        cols = list(zip(*rows, strict=True)) if rows else [(), (), ()]
        return op.method, [np.array(cols[0], bool), np.array(cols[1], np.int64), np.array(cols[2], np.int64)]
    missing = [f.name for f in op.params if f.name not in STRATEGIES]
    assert not missing, f"add a strategy for the parameters {missing}"
    return op.method, [draw(STRATEGIES[f.name]) for f in op.params]


@given(st.lists(calls(), max_size=40), st.sampled_from([32, 64]))
def test_any_call_through_a_recorded_book_replays_to_the_live_state(
    script: list[tuple[str, list[Any]]], bits: int
) -> None:
    book = Book(n=64, price_bits=bits, max_cap=8, anchor=-32)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=7)
    for method, args in script:
        with contextlib.suppress(tapebook.TapebookError):
            getattr(rec.book, method)(*args)
    rec.close()
    assert replay(f.getvalue()).book.dumps() == book.dumps()
    assert replay(f.getvalue(), from_start=True, verify=True).book.dumps() == book.dumps()


def test_a_bool_price_is_refused_before_it_is_logged() -> None:
    # regression: a bool was logged as 1 and refused live (a bool is not a price), but the
    # replay read back the int 1 and applied it, so replay diverged from the live book
    book = Book(n=64)
    f = io.BytesIO()
    rec = Recorder(book, f)
    seq = rec.seq
    for call in (
        lambda: rec.set(True, True, 5),
        lambda: rec.set(True, 5, True),
        lambda: rec.reset(True),
        lambda: rec.erase_better(True, False),
    ):
        with pytest.raises(tapebook.ArgumentTypeError, match="got a bool"):
            call()
    assert rec.seq == seq
    rec.close()
    assert replay(f.getvalue()).book.dumps() == book.dumps()


def test_snapshot_loads_are_recorded_with_their_sides_even_when_empty() -> None:
    book = Book(n=64, max_cap=16)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=0)
    rb = rec.book
    rb.load_snapshot([12, 10, 11], [1, 2, 3], [20, 21], [4, 5])
    rb.load_side(True, [], [])  # an empty bid side: still a record, still replayed
    rb.load_side(False, np.array([30, 25], np.int64), np.array([1, 1], np.uint64))
    with pytest.raises(InvalidArgumentError):  # refused by the book: logged, refused again on replay
        rb.load_side(False, [40, 40], [1, 1])
    with pytest.raises(ArgumentTypeError):  # refused for its type: never logged
        rb.load_side(False, [1.5], [1])
    rec.close()
    types = [r.type for r in recover(f.getvalue()).records]
    assert types == [RecordType.SNAPSHOT] + [RecordType.LOAD] * 4
    assert book.to_dict() == {"bid": {}, "ask": {25: 1, 30: 1}}
    assert replay(f.getvalue()).book.dumps() == book.dumps()
