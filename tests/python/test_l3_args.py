"""Argument regressions of L3Book and MatchingEngine (issues #15, #16).

- L3Book.loads(max_orders=0) quietly fell back to the dump's order count: a
  max_orders outside [1, 2^30] is now a ValueError naming it, its value and the range.
- L3Book.add(side="bid") was refused with a message about qty; the side
  vocabulary of L3Book.add and MatchingEngine.submit is now Book's (the
  reference here: a Book given the same side puts the level on the same side).
"""

from __future__ import annotations

import pytest

from tapebook import Book, InvalidArgumentError, L3Book, MatchingEngine

SIDE_SPELLINGS = [True, False, 1, 0, "bid", "ask", "buy", "sell", "Bid", "ASK", "Buy", "SELL"]
BAD_SIDES = ["bids", "b", "", 2, -1]


def _l3_dump() -> bytes:
    b = L3Book(max_orders=8)
    b.add(1, 1, 990, 5)
    b.add(2, 0, 1010, 7)
    return b.dumps()


@pytest.mark.parametrize("bad", [0, -1, (1 << 30) + 1])
def test_loads_max_orders_out_of_range_names_argument_value_and_range(bad: int) -> None:
    with pytest.raises(ValueError, match=rf"max_orders={bad} is outside .*\[1, 1073741824\]"):
        L3Book.loads(_l3_dump(), max_orders=bad)


def test_loads_max_orders_default_and_explicit() -> None:
    d = _l3_dump()
    assert L3Book.loads(d).max_orders == 2  # None: the dump's order count
    assert L3Book.loads(d, max_orders=1 << 30).max_orders == 1 << 30
    assert L3Book.loads(d, max_orders=1 << 30).dumps() == d


@pytest.mark.parametrize("side", SIDE_SPELLINGS)
def test_l3_add_takes_the_side_vocabulary_of_book(side: object) -> None:
    ref = Book(n=1024, price_bits=64)
    ref.set(side, 1000, 5)
    b = L3Book(max_orders=4)
    b.add(7, side, 1000, 5)
    order = b.order(7)
    assert order is not None and order.side == (ref.best_bid_px() == 1000)
    assert b.levels(order.side, 1) == ref.levels(order.side, 1)


@pytest.mark.parametrize("side", BAD_SIDES)
def test_l3_add_bad_side_message_is_about_the_side(side: object) -> None:
    b = L3Book(max_orders=4)
    with pytest.raises(InvalidArgumentError, match=r"side must be .*got") as e:
        b.add(7, side, 1000, 5)
    assert "qty" not in str(e.value)
    assert len(b) == 0


@pytest.mark.parametrize("side", SIDE_SPELLINGS)
def test_engine_submit_takes_the_same_side_vocabulary(side: object) -> None:
    ref = L3Book(max_orders=4)
    ref.add(7, side, 1000, 5)
    e = MatchingEngine(max_orders=4)
    assert e.submit(7, side, 1000, 5).status == "rested"
    assert e.book.order(7) == ref.order(7)


@pytest.mark.parametrize("side", BAD_SIDES)
def test_engine_bad_side_message_is_about_the_side(side: object) -> None:
    e = MatchingEngine(max_orders=4)
    with pytest.raises(InvalidArgumentError, match=r"side must be .*got"):
        e.submit(7, side, 1000, 5)
    assert len(e) == 0
