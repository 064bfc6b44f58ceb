"""L3Book.stats().reserved_orders: the orders the arena holds now without
allocating, beside max_orders. A constructed book (or engine) reserves
max_orders up front; a loaded one (loads, unpickling, MatchingEngine.loads)
reserves what the dump holds and grows on demand, doubling, up to max_orders
(README "Book dumps"). Before, stats() showed only max_orders, so a loaded
book's capacity was visible only through nbytes."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from tapebook import L3Book, MatchingEngine
from tapebook._native import ffi
from tapebook.errors import ArgumentTypeError, InvalidArgumentError
from tapebook.l3book import L3Stats
from tapebook.testing import RefL3Book


def test_constructed_book_reserves_max_orders() -> None:
    b = L3Book(n=64, price_bits=32, max_orders=1000, max_cap=16)
    assert b.stats().reserved_orders == 1000
    e = MatchingEngine(n=64, price_bits=64, max_orders=300, max_cap=16)
    assert e.book.stats().reserved_orders == 300


def test_loaded_book_reserves_the_dump_and_grows_to_max_orders() -> None:
    b = L3Book(n=64, price_bits=32, max_orders=1000, max_cap=16, anchor=1000)
    for i in range(3):
        b.add(i, True, 1000 - i, 5)
    for c in (
        L3Book.loads(b.dumps(), n=64, price_bits=32, max_orders=1000, max_cap=16),
        pickle.loads(pickle.dumps(b)),
    ):
        s = c.stats()
        assert (s.orders, s.reserved_orders, s.max_orders) == (3, 3, 1000)
        seen = [s.reserved_orders]
        for i in range(3, 40):
            c.add(i, False, 1010 + i % 5, 1)
            r = c.stats().reserved_orders
            assert len(c) <= r <= 1000
            if r != seen[-1]:
                seen.append(r)
        assert seen == [3, 6, 12, 24, 48]  # doubles on demand
        assert c.stats().nbytes > s.nbytes


def test_loaded_engine_reserves_the_dump() -> None:
    e = MatchingEngine(n=64, price_bits=64, max_orders=300, max_cap=16, anchor=1000)
    e.submit(1, "bid", 999, 5)
    e.submit(2, "ask", 1001, 5)
    c = MatchingEngine.loads(e.dumps())
    assert (c.book.stats().reserved_orders, c.max_orders) == (2, 300)
    c.submit(3, "bid", 998, 1)
    assert c.book.stats().reserved_orders == 4


def test_l3stats_reports_every_field_of_the_c_struct() -> None:
    """L3Stats is written by hand beside tb_l3_stats (and its cdef copy in
    tools/gen_layers.py): a C field added without a Python one fails here."""
    renamed = {"bytes": ("nbytes",), "levels": ("bid_levels", "ask_levels")}
    c_fields = [f for f, _ in ffi.typeof("tb_l3_stats").fields]
    py_fields = [f.name for f in dataclasses.fields(L3Stats)]
    assert sorted(n for f in c_fields for n in renamed.get(f, (f,))) == sorted(py_fields)


def test_constructor_reserve_holds_then_grows_like_a_default_book() -> None:
    """L3Book(reserve=k) (issue #15): the arena and the whole id index for k orders at
    once, growing past k by doubling; the same calls give the same book as a default
    one (RefL3Book agrees), so only the memory and the cost of a growth differ."""
    b = L3Book(n=64, price_bits=32, max_orders=1000, max_cap=16, anchor=1000, reserve=8)
    d = L3Book(n=64, price_bits=32, max_orders=1000, max_cap=16, anchor=1000)
    ref = RefL3Book()
    s = b.stats()
    assert (s.reserved_orders, s.max_orders) == (8, 1000)
    assert s.index_slots == 16  # allocated for the reserve (load <= 1/2)
    seen = [8]
    for i in range(40):
        side, px = i % 2 == 0, 1000 - i % 7 if i % 2 == 0 else 1010 + i % 5
        for book in (b, d, ref):
            book.add(i, side, px, 1 + i % 3)
        if i % 5 == 4:
            for book in (b, d, ref):
                book.cancel(i - 2)
        r = b.stats().reserved_orders
        if r != seen[-1]:
            seen.append(r)
    assert seen == [8, 16, 32, 64]  # 33 rest before the last cancel
    assert b.dumps() == d.dumps() and b.verify_invariants()
    for side in (True, False):
        for px in {o.px for o in (b.order(i) for i in range(40) if i % 5 != 2) if o.side == side}:
            assert b.level_orders(side, px) == ref.level_orders(side, px)


def test_constructor_reserve_is_checked() -> None:
    for bad in (0, -1, 1001):
        with pytest.raises(InvalidArgumentError):
            L3Book(n=64, max_orders=1000, reserve=bad)
    with pytest.raises(ArgumentTypeError):
        L3Book(n=64, max_orders=1000, reserve=1.5)
    assert L3Book(n=64, max_orders=1000, reserve=1000).stats().reserved_orders == 1000


def test_engine_constructor_reserve_holds_then_grows_like_a_default_engine() -> None:
    """MatchingEngine(reserve=k), as L3Book(reserve=k): the index for k orders at once,
    growing past k; the same submits give the same results and the same dump as a
    default engine (RefMatchingEngine agrees on the queues), so only the memory and the
    cost of a growth differ."""
    from tapebook.testing.matching_reference import ASK, BID, RefMatchingEngine

    e = MatchingEngine(n=64, max_orders=1000, max_cap=16, anchor=1000, reserve=8)
    d = MatchingEngine(n=64, max_orders=1000, max_cap=16, anchor=1000)
    ref = RefMatchingEngine()
    s = e.book.stats()
    assert (s.reserved_orders, s.max_orders, s.index_slots) == (8, 1000, 16)
    seen = [8]
    for i in range(60):
        bid = i % 2 == 0
        px = 1000 - i % 7 if bid else 1010 + i % 5  # never crossing: every order rests
        got = [eng.submit(i + 1, "bid" if bid else "ask", px, 1 + i % 3) for eng in (e, d)]
        assert got[0] == got[1] and got[0].status == "rested"
        ref.submit(i + 1, BID if bid else ASK, px, 1 + i % 3)
        r = e.book.stats().reserved_orders
        if r != seen[-1]:
            seen.append(r)
    assert seen == [8, 16, 32, 64]
    assert e.dumps() == d.dumps() and e.book.verify_invariants()
    for px in range(994, 1001):
        assert e.book.level_orders(True, px) == ref.level_orders(BID, px)
    for px in range(1010, 1015):
        assert e.book.level_orders(False, px) == ref.level_orders(ASK, px)


def test_engine_constructor_reserve_is_checked() -> None:
    for bad in (0, -1, 1001):
        with pytest.raises(InvalidArgumentError, match="reserve"):
            MatchingEngine(n=64, max_orders=1000, reserve=bad)
    with pytest.raises(ArgumentTypeError):
        MatchingEngine(n=64, max_orders=1000, reserve=1.5)
    assert MatchingEngine(n=64, max_orders=1000, reserve=1000).book.stats().reserved_orders == 1000


def test_reserve_is_checked_after_the_other_arguments() -> None:
    """A bad n / price_bits / max_orders is the first error with or without reserve=
    (review29b: with reserve= the constructor checked max_orders first)."""
    for make in (
        lambda **kw: L3Book(**kw),
        lambda **kw: MatchingEngine(**kw),
    ):
        for bad, word in (({"n": 7}, "n"), ({"price_bits": 16}, "price_bits")):
            msgs = []
            for extra in ({}, {"reserve": 1}):
                with pytest.raises(InvalidArgumentError) as ei:
                    make(max_orders=0, **bad, **extra)
                msgs.append(str(ei.value))
            assert msgs[0] == msgs[1] and word in msgs[0]
