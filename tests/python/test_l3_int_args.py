"""L3Book's integer arguments on both paths (the C fast path and the Python path it hands
everything else to): a value that is not an integer (Decimal, Fraction, a numpy float) is
refused with ArgumentTypeError and changes nothing — cffi converts through ``__int__``,
so before this test the Python path passed Decimal("100.5") to C as px 100 — and an
object with only ``__index__`` is taken as its integer, as Book takes it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from tapebook import ArgumentTypeError, L3Book


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
