"""Every error path of the binding: the right exception class and a message
naming the argument, the value and the valid range; the object unchanged."""

from __future__ import annotations

import pytest

import tapebook
from tapebook import (
    ArgumentTypeError,
    Book,
    IntegerRangeError,
    InvalidArgumentError,
    MultiBookPool,
    SpillPool,
    TapebookError,
    TierFullError,
)


def test_hierarchy() -> None:
    for cls in (
        InvalidArgumentError,
        ArgumentTypeError,
        IntegerRangeError,
        tapebook.ClosedError,
        tapebook.ConcurrentUseError,
        tapebook.BatchError,
        tapebook.PoolInUseError,
    ):
        assert issubclass(cls, TapebookError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(ArgumentTypeError, TypeError)
    assert issubclass(IntegerRangeError, OverflowError)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (
            {"n": 100},
            InvalidArgumentError,
            rf"n=100 is not a supported tape size.*\[{tapebook.TAPE_SIZES[0]}, {tapebook.TAPE_SIZES[-1]}\]",
        ),
        ({"n": 2 * tapebook.TAPE_SIZES[-1]}, InvalidArgumentError, f"n={2 * tapebook.TAPE_SIZES[-1]}"),
        ({"n": 32}, InvalidArgumentError, "n=32"),
        ({"n": 64.0}, ArgumentTypeError, "n must be an integer"),
        ({"price_bits": 16}, InvalidArgumentError, "price_bits must be 32 or 64, got 16"),
        ({"max_cap": 0}, InvalidArgumentError, r"max_cap=0 must be a power of two in \[1, 1073741824\]"),
        ({"max_cap": 3}, InvalidArgumentError, "max_cap=3"),
        ({"max_cap": 2**31}, InvalidArgumentError, "max_cap=2147483648"),
        ({"max_cap": True}, ArgumentTypeError, "bool"),
        ({"anchor": 2**31}, IntegerRangeError, r"anchor=2147483648 does not fit int32_t"),
        ({"anchor": 2**31 - 1}, InvalidArgumentError, r"anchor=2147483647 is outside the valid anchor range"),
    ],
)
def test_constructor_errors(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        Book(**kwargs)


def test_pool_max_cap_limit() -> None:
    pool = SpillPool(levels=1024)
    with pytest.raises(InvalidArgumentError, match=r"max_cap=65536.*\[1, 32768\].*pool"):
        Book(n=64, max_cap=65536, pool=pool)
    with pytest.raises(InvalidArgumentError, match="price_bits=32 but the book has price_bits=64"):
        Book(n=64, price_bits=64, pool=pool)
    with pytest.raises(ArgumentTypeError, match="pool must be a SpillPool"):
        Book(n=64, pool=object())  # type: ignore[arg-type]
    assert Book(n=64, max_cap=32768, pool=pool).max_cap == 32768


@pytest.mark.parametrize("bits", [32, 64])
def test_set_errors(bits: int) -> None:
    b = Book(n=1024, price_bits=bits)
    b.reset(0)
    b.set(True, 5, 5)
    before = b.to_dict()
    lo, hi = b.price_range
    tmax = 2 ** (bits - 1) - 1
    cases = [
        (
            (True, lo - 1, 1),
            InvalidArgumentError,
            rf"px={lo - 1} is outside the valid price range \[{lo}, {hi}\]",
        ),
        ((True, hi + 1, 1), InvalidArgumentError, rf"px={hi + 1}"),
        ((True, tmax + 1, 1), IntegerRangeError, rf"px={tmax + 1} does not fit int{bits}_t"),
        ((True, 5, -1), IntegerRangeError, rf"qty=-1 does not fit uint{bits}_t \[0, {2**bits - 1}\]"),
        ((True, 5, 2**bits), IntegerRangeError, "qty="),
        (
            (2, 5, 1),
            InvalidArgumentError,
            "side must be True/1/'bid'/'buy' .bid. or False/0/'ask'/'sell' .ask., got 2",
        ),
        (("bids", 5, 1), InvalidArgumentError, "side must be .*, got 'bids'"),
        ((None, 5, 1), ArgumentTypeError, "side must be"),
        ((True, 5.0, 1), ArgumentTypeError, "px must be an integer, got float"),
        ((True, float("nan"), 1), ArgumentTypeError, "px must be an integer"),
        ((True, 5, None), ArgumentTypeError, "qty must be an integer, got NoneType"),
    ]
    for args, exc, match in cases:
        with pytest.raises(exc, match=match):
            b.set(*args)
    assert b.to_dict() == before and b.verify_invariants()


def test_method_argument_errors() -> None:
    b = Book(n=256)
    b.reset(0)
    alo, ahi = b.anchor_range
    with pytest.raises(
        InvalidArgumentError, match=rf"anchor={ahi + 1} is outside the valid anchor range \[{alo}, {ahi}\]"
    ):
        b.reset(ahi + 1)
    with pytest.raises(InvalidArgumentError, match="anchor="):
        b.recenter_bid(alo - 1)
    with pytest.raises(InvalidArgumentError, match="anchor="):
        b.recenter_ask(alo - 1)
    with pytest.raises(InvalidArgumentError, match="mid="):
        b.reset_at_mid(True, b.price_range[0] - 1)
    with pytest.raises(InvalidArgumentError, match="k=-1"):
        b.levels(True, -1)
    with pytest.raises(ArgumentTypeError, match="bool"):
        b.reset(True)
    assert b.anchor(True) == 0


def test_pool_and_multi_errors() -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"levels=8 is outside the valid pool size range \[16, 1073741824\]"
    ):
        SpillPool(levels=8)
    with pytest.raises(InvalidArgumentError, match="policy must be 'refuse' or 'fallback'"):
        SpillPool(policy="grow")
    with pytest.raises(InvalidArgumentError, match="tiers="):
        MultiBookPool(tiers=(512, 256, 64))
    m = MultiBookPool(high_books=1, medium_books=0, low_books=0, pool_levels=1024, max_cap=16)
    keep = m.alloc("high", 0)  # dropping the book would free its slot
    with pytest.raises(TierFullError, match="high tier has no free slot"):
        m.alloc("high", 0)
    with pytest.raises(TierFullError):
        m.alloc("medium", 0)
    with pytest.raises(InvalidArgumentError, match="tier must be"):
        m.alloc("top", 0)
    with pytest.raises(InvalidArgumentError, match="max_cap=65536"):
        m.alloc("low", 0, max_cap=65536)
    assert keep.tier == tapebook.Tier.HIGH
