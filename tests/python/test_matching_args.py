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
from tapebook.errors import ArgumentTypeError, FormatError, InvalidArgumentError

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
