"""MatchingEngine validates its arguments as L3Book does, with the same checks in
tapebook._args and the same messages (name, value, valid range): ``max_cap`` in
the constructor and in the header of a dump that ``MatchingEngine.loads`` reads.
Before, the engine passed max_cap to C unchecked: a bool was taken as 1, a float
raised cffi's TypeError, and a bad value said only the C status."""

from __future__ import annotations

import struct
import zlib

import pytest

from tapebook import L3Book, MatchingEngine
from tapebook.errors import ArgumentTypeError, BatchError, FormatError, InvalidArgumentError

SHAPE = {"n": 64, "price_bits": 64, "max_orders": 8}


def l3_error(max_cap: object) -> str:
    """The message L3Book gives for this max_cap (the reference)."""
    with pytest.raises((InvalidArgumentError, ArgumentTypeError)) as e:
        L3Book(max_cap=max_cap, **SHAPE)
    return str(e.value)


@pytest.mark.parametrize("max_cap", [0, 3, 48, 1 << 31, -4])
def test_constructor_max_cap_as_l3book(max_cap: int) -> None:
    with pytest.raises(InvalidArgumentError) as e:
        MatchingEngine(max_cap=max_cap, **SHAPE)
    assert str(e.value) == l3_error(max_cap)
    assert f"max_cap={max_cap} must be a power of two in [1, {1 << 30}]" in str(e.value)


@pytest.mark.parametrize("max_cap", [True, 16.0, "16"])
def test_constructor_max_cap_type_as_l3book(max_cap: object) -> None:
    with pytest.raises(ArgumentTypeError) as e:
        MatchingEngine(max_cap=max_cap, **SHAPE)
    assert str(e.value) == l3_error(max_cap)


def with_header_max_cap(data: bytes, max_cap: int) -> bytes:
    """An engine dump with another max_cap in its header, CRC redone (the check under
    test answers, not the CRC)."""
    body = data[:28] + struct.pack("<I", max_cap) + data[32:-4]
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.mark.parametrize("max_cap", [0, 3, 48, 1 << 31])
def test_loads_checks_the_header_max_cap(max_cap: int) -> None:
    e = MatchingEngine(max_cap=16, **SHAPE)
    e.submit(1, "bid", 10, 5)
    with pytest.raises(FormatError) as err:
        MatchingEngine.loads(with_header_max_cap(e.dumps(), max_cap))
    assert str(err.value) == f"malformed matching-engine dump header: {l3_error(max_cap)}"


def test_loads_takes_a_valid_header_max_cap() -> None:
    e = MatchingEngine(max_cap=16, **SHAPE)
    e.submit(1, "bid", 10, 5)
    c = MatchingEngine.loads(with_header_max_cap(e.dumps(), 1024))
    assert c.max_cap == 1024
    assert c.book.level_orders(True, 10) == [(1, 5)]


# ---- sides: one vocabulary, one message (tapebook._args.check_side) ------------------------

SIDE_HELP = "side must be True/1/'bid'/'buy' (bid) or False/0/'ask'/'sell' (ask)"


def engine_with_asks() -> MatchingEngine:
    e = MatchingEngine(max_cap=16, **SHAPE)
    e.submit(1, "ask", 12, 5)
    e.submit(2, "ask", 13, 5)
    return e


def test_submit_many_bad_side_value_message() -> None:
    """The C side check answers for a sides column value; its message is the one
    every call gives (before: "side must be 0 (ask) or 1 (bid)", which no longer
    described what the calls take)."""
    e = engine_with_asks()
    with pytest.raises(BatchError) as err:
        e.submit_many([10, 11], [1, 2], [12, 12], [1, 1])
    assert err.value.index == 1
    assert str(err.value) == f"submit_many row 1: {SIDE_HELP}, got 2"
    with pytest.raises(InvalidArgumentError) as one:
        e.submit(12, 2, 12, 1)
    assert str(one.value) == f"{SIDE_HELP}, got 2"


def test_submit_many_takes_side_names_as_submit_does() -> None:
    by_name, by_number = engine_with_asks(), engine_with_asks()
    ids, px, qty = [10, 11, 12], [12, 13, 9], [3, 4, 2]
    got = by_name.submit_many(ids, ["BID", "buy", "sell"], px, qty, events=True)
    want = by_number.submit_many(ids, [1, True, 0], px, qty, events=True)
    assert got.tobytes() == want.tobytes()
    assert by_name.dumps() == by_number.dumps()
    mixed = engine_with_asks()
    assert mixed.submit_many(ids, ["bid", 1, "ask"], px, qty, events=True).tobytes() == want.tobytes()


def test_submit_many_bad_side_name_changes_nothing() -> None:
    e = engine_with_asks()
    before = e.dumps()
    with pytest.raises(InvalidArgumentError) as err:
        e.submit_many([10, 11], ["bid", "up"], [12, 12], [1, 1])
    assert str(err.value) == f"sides[1]: {SIDE_HELP}, got 'up'"
    assert e.dumps() == before
