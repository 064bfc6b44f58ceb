"""Decimal strings -> ticks / lots in C (tb_decimal.h), against Python's Decimal as the oracle."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapebook
from tapebook import Instrument
from tapebook._decimal import DecimalColumnError

UNITS = ["1", "0.01", "0.5", "25", "0.00000001", "0.0025", "0.3", "1e-12"]


def oracle(text: str, unit: str, unsigned: bool) -> int | None:
    """value / unit when it is a whole number that fits the type, else None."""
    with localcontext() as ctx:
        ctx.prec = 200
        q = Decimal(text) / Decimal(unit)
    if q != q.to_integral_value():
        return None
    v = int(q)
    lo, hi = (0, 2**64 - 1) if unsigned else (-(2**63), 2**63 - 1)
    return v if lo <= v <= hi else None


@st.composite
def decimal_texts(draw: st.DrawFn) -> str:
    """Decimal strings the way venues and writers produce them: plain, with
    trailing zeros, a leading '+', scientific notation."""
    ticks = draw(st.one_of(st.integers(-(10**6), 10**6), st.integers(-(2**64), 2**64)))
    scale = draw(st.integers(0, 14))
    d = Decimal(ticks).scaleb(-scale)
    style = draw(st.sampled_from(["f", "e", "zeros", "plus", "E"]))
    if style == "f":
        return format(d, "f")
    if style == "e":
        return format(d, "e")
    if style == "E":
        return format(d, "E")
    if style == "zeros":
        return format(d, "f") + ("" if "." in format(d, "f") else ".") + "0" * draw(st.integers(1, 30))
    return "+" + format(abs(d), "f")


@given(text=decimal_texts(), unit=st.sampled_from(UNITS), unsigned=st.booleans())
def test_matches_decimal(text: str, unit: str, unsigned: bool) -> None:
    inst = Instrument(tick_size=unit, lot_size=unit)
    want = oracle(text, unit, unsigned)
    conv = inst.sizes_to_lots if unsigned else inst.prices_to_ticks
    if want is None or (not unsigned and not inst.price_range[0] <= want <= inst.price_range[1]):
        with pytest.raises(DecimalColumnError):
            conv([text])
    else:
        assert int(conv([text])[0]) == want


@given(ticks=st.lists(st.integers(-(2**62), 2**62), max_size=50), unit=st.sampled_from(UNITS))
def test_round_trip_both_ways(ticks: list[int], unit: str) -> None:
    inst = Instrument(tick_size=unit, lot_size="1")
    s = inst.ticks_to_prices(ticks, kind="str")
    assert inst.prices_to_ticks(s).tolist() == ticks
    assert inst.ticks_to_prices(ticks) == [Decimal(t) * Decimal(unit) for t in ticks]
    f = inst.ticks_to_prices(ticks, kind="float")
    assert f.tolist() == [float(Decimal(t) * Decimal(unit)) for t in ticks]  # correctly rounded


def test_every_column_layout_gives_the_same_result() -> None:
    inst = Instrument(tick_size="0.01", lot_size="0.001")
    texts = ["65000.10", "1e2", "+0.50", "-0.03", "0"]
    want = [6500010, 10000, 50, -3, 0]
    arrow = pa.array(texts)
    layouts = [
        texts,
        tuple(texts),
        [t.encode() for t in texts],
        np.array(texts),  # U
        np.array([t.encode() for t in texts]),  # S
        np.array(texts, dtype=object),
        arrow,
        pa.array(texts, type=pa.large_string()),
        pa.array([t.encode() for t in texts], type=pa.binary()),
        pa.chunked_array([texts[:2], texts[2:]]),
        arrow.dictionary_encode(),
        [Decimal(t) for t in texts],
    ]
    for col in layouts:
        assert inst.prices_to_ticks(col).tolist() == want, type(col)
    # an Arrow slice starts at its offset
    assert inst.prices_to_ticks(arrow[1:4]).tolist() == want[1:4]
    assert inst.prices_to_ticks([]).tolist() == []
    assert inst.prices_to_ticks(np.array([], dtype="S1")).dtype == np.int64


@pytest.mark.parametrize(
    ("col", "match"),
    [
        (["1", "65000.015"], r"prices\[1\]='65000.015' is not a whole number of ticks \(tick_size 0.01\)"),
        (pa.chunked_array([["1"], ["2", "x"]]), r"prices\[2\]='x' is not a decimal number"),
        (pa.array(["1", None]), r"prices\[1\] is null"),
        (["1", "1e30"], r"prices\[1\]='1e30' is too large"),
        (["1\n2"], r"prices\[0\]='1\\n2' is not a decimal number"),
        (np.array([b"1", b"nan"]), r"prices\[1\]='nan' is not a decimal number"),
    ],
)
def test_bad_values_are_named(col: object, match: str) -> None:
    inst = Instrument(tick_size="0.01", lot_size="0.001")
    with pytest.raises(DecimalColumnError, match=match):
        inst.prices_to_ticks(col)


def test_floats_and_bad_types_are_refused() -> None:
    inst = Instrument(tick_size="0.01", lot_size="0.001")
    with pytest.raises(tapebook.ArgumentTypeError, match="float"):
        inst.prices_to_ticks([0.1])
    with pytest.raises(tapebook.ArgumentTypeError, match="dtype float64"):
        inst.prices_to_ticks(np.array([0.1]))
    with pytest.raises(tapebook.ArgumentTypeError, match="float"):
        Instrument(tick_size=0.01, lot_size="1")  # type: ignore[arg-type]
    with pytest.raises(tapebook.ConfigError, match="tick_size: must be > 0"):
        Instrument(tick_size="0", lot_size="1")
    with pytest.raises(DecimalColumnError, match=r"sizes\[0\]='-1' is negative"):
        inst.sizes_to_lots(["-1"])


def test_32_bit_instruments_check_their_ranges() -> None:
    inst = Instrument(tick_size="1", lot_size="1", price_bits=32)
    with pytest.raises(DecimalColumnError, match=r"sizes\[0\] is 4294967296 lots"):
        inst.sizes_to_lots(["4294967296"])
    with pytest.raises(DecimalColumnError, match="outside the book's price range"):
        inst.prices_to_ticks(["3000000000"])


def test_instrument_precision() -> None:
    inst = Instrument(tick_size="0.10", lot_size="1e-8")
    assert (inst.price_decimals, inst.size_decimals) == (1, 8)
    assert inst.ticks_to_prices([452852], kind="str", decimals=1).tolist() == [b"45285.2"]
    assert inst.lots_to_sizes([1, 10**8], kind="str", decimals=8).tolist() == [b"0.00000001", b"1.00000000"]
