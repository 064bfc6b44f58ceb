"""Integer arguments of L3Book and MatchingEngine on both paths (the C fast path and the
Python path it hands everything else to): a value that is not an integer (Decimal,
Fraction, a numpy float) is refused with ArgumentTypeError and changes nothing — cffi
converts through ``__int__``, so before these tests the Python paths passed
Decimal("100.5") to C as px 100 and ``engine.cancel(Decimal("7.5"))`` cancelled order 7 —
and an object with only ``__index__`` is taken as its integer, as Book takes it. An
``__index__`` that closes the book while the fast path parses its arguments raises
ClosedError (it crashed the fast path: review finding)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from tapebook import ArgumentTypeError, Book, ClosedError, L3Book, MatchingEngine


class IndexOnly:
    """An integer by ``__index__`` alone (no ``__int__``): cffi refuses it."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __index__(self) -> int:
        return self.v


NOT_INTS = [Decimal("100.5"), Decimal("100"), Fraction(201, 2), np.float64(100.0), 100.0]


def make(fast: bool, bits: int) -> L3Book:
    b = L3Book(n=64, price_bits=bits, max_orders=16, max_cap=16)
    if not fast:
        b._hot_unbind()  # every call takes the Python path
    b.add(1, True, 100, 5)
    b.add(2, False, 110, 5)
    return b


CALLS: list[tuple[str, Any]] = [
    ("add", lambda v: (9, True, v, 3)),
    ("add", lambda v: (v, True, 100, 3)),
    ("add", lambda v: (9, True, 100, v)),
    ("add", lambda v: (9, v, 100, 3)),
    ("cancel", lambda v: (v,)),
    ("reduce", lambda v: (1, v)),
    ("execute", lambda v: (1, v)),
    ("modify", lambda v: (v, 2)),
    ("amend", lambda v: (1, v, 2)),
    ("replace", lambda v: (1, 9, v, 2)),
    ("replace", lambda v: (1, v, 100, 2)),
    ("reset", lambda v: (v,)),
    ("order", lambda v: (v,)),
    ("queue_position", lambda v: (v,)),
]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("value", NOT_INTS, ids=repr)
@pytest.mark.parametrize("name,args", CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(CALLS)])
def test_a_value_that_is_not_an_integer_is_refused(
    fast: bool, bits: int, value: Any, name: str, args: Any
) -> None:
    b = make(fast, bits)
    before = b.dumps()
    with pytest.raises(ArgumentTypeError, match="must be"):
        getattr(b, name)(*args(value))
    assert b.dumps() == before


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
def test_an_index_only_object_is_its_integer(fast: bool) -> None:
    b = make(fast, 64)
    b.add(IndexOnly(9), IndexOnly(1), IndexOnly(100), IndexOnly(3))
    assert b.order(IndexOnly(9)) == (9, True, 100, 3)
    assert type(b.order(IndexOnly(9)).id) is int
    assert b.queue_position(IndexOnly(9)) == (1, 5)
    b.modify(IndexOnly(9), IndexOnly(2))
    b.reduce(IndexOnly(9), IndexOnly(1))
    b.amend(IndexOnly(9), IndexOnly(101), IndexOnly(4))
    b.execute(IndexOnly(9), IndexOnly(1))
    b.replace(IndexOnly(9), IndexOnly(10), IndexOnly(102), IndexOnly(6))
    assert b.order(10) == (10, True, 102, 6)
    b.cancel(IndexOnly(10))
    assert 10 not in b
    assert b.stats().rejected == 0
    b.reset(IndexOnly(50))
    assert len(b) == 0


def test_numpy_ids_read_back_as_int() -> None:
    for fast in (True, False):
        b = make(fast, 64)
        o = b.order(np.uint64(1))
        assert o == (1, True, 100, 5) and type(o.id) is int, (fast, o)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
@pytest.mark.parametrize("value", NOT_INTS, ids=repr)
def test_engine_cancel_and_modify_refuse_a_value_that_is_not_an_integer(fast: bool, value: Any) -> None:
    e = MatchingEngine(n=64, max_orders=16, max_cap=16)
    if not fast:
        e._hot_unbind()
    e.submit(7, 1, 5, 3)
    e.submit(100, 1, 4, 3)
    before = e.dumps()
    for call in (lambda: e.cancel(value), lambda: e.modify(7, value), lambda: e.modify(value, 2)):
        with pytest.raises(ArgumentTypeError, match="must be an integer"):
            call()
    assert e.dumps() == before


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
def test_engine_takes_an_index_only_object(fast: bool) -> None:
    e = MatchingEngine(n=64, max_orders=16, max_cap=16)
    if not fast:
        e._hot_unbind()
    e.submit(7, 1, 5, 3)
    e.modify(IndexOnly(7), IndexOnly(2))
    assert e.book.order(7) == (7, True, 5, 2)
    assert e.cancel(IndexOnly(7)) == 2
    assert len(e.book) == 0


class ClosesOnIndex:
    """An integer whose ``__index__`` first runs ``action`` (closes or unbinds the owner)."""

    def __init__(self, action: Any, v: int = 1) -> None:
        self.action, self.v = action, v

    def __index__(self) -> int:
        self.action()
        return self.v


L3_CLOSING_CALLS = {
    "add": lambda b, c: b.add(c, 1, 1, 1),
    "add_px": lambda b, c: b.add(1, 1, c, 1),
    "cancel": lambda b, c: b.cancel(c),
    "execute": lambda b, c: b.execute(1, c),
    "modify": lambda b, c: b.modify(1, c),
    "amend": lambda b, c: b.amend(1, c, 1),
    "replace": lambda b, c: b.replace(1, 2, c, 1),
    "order": lambda b, c: b.order(c),
    "queue_position": lambda b, c: b.queue_position(c),
}


@pytest.mark.parametrize("name", sorted(L3_CLOSING_CALLS))
def test_an_index_that_closes_the_book_raises_closed(name: str) -> None:
    b = L3Book(n=64, price_bits=64, max_orders=8, max_cap=16)
    b.add(1, 1, 1, 5)
    with pytest.raises(ClosedError):
        L3_CLOSING_CALLS[name](b, ClosesOnIndex(b.close))


def test_an_index_that_closes_a_book_raises_closed() -> None:
    b = Book(n=64)
    with pytest.raises(ClosedError):
        b.set(1, ClosesOnIndex(b.close), 1)
    b = Book(n=64)
    with pytest.raises(ClosedError):
        b.qty_at(1, ClosesOnIndex(b.close))


def test_an_index_that_unbinds_the_engine_takes_the_python_path() -> None:
    e = MatchingEngine(n=64, max_orders=8, max_cap=16)
    e.submit(1, 1, 5, 3)
    assert e.cancel(ClosesOnIndex(e._hot_unbind, 1)) == 3
