"""Instrument configuration from TOML (issue #6, part 4)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapebook
from tapebook import ConfigError, load_config, parse_config
from tapebook.config import Instrument

EXAMPLE = Path(__file__).resolve().parents[2] / "tapebook" / "data" / "instruments.toml"

BASE = """
[[instrument]]
symbol = "X"
tier = "high"
tick_size = "0.05"
lot_size = "0.1"
reference_price = "100.00"
"""


def test_example_config_builds_named_books() -> None:
    with load_config(EXAMPLE) as venue:
        assert set(venue) == {"TAPE-USD", "TAPE-USD.N64", "ES-DEC", "EURUSD", "ACME", "BTC-USD", "ETH-USD"}
        assert sorted(venue.pools) == [32, 64]  # mixed widths: one pool per width
        tape = venue["TAPE-USD"]
        inst = venue.instrument("TAPE-USD")
        assert (tape.n, tape.price_bits, tape.tier.name) == (1024, 32, "HIGH")
        assert inst.anchor == 100_000 - 512 and tape.anchor(True) == inst.anchor
        assert venue["BTC-USD"].price_bits == 64 and venue["BTC-USD"].max_cap == 8192
        assert venue["ACME"].anchor(False) == 4968 and venue["ACME"].max_cap == 1024
        assert venue["EURUSD"].n == 256 and venue["ACME"].n == 64
        assert [i.instrument_id for i in venue.instruments.values()] == [1, 7, 2, 3, 4, 5, 6]
        # spare_slots = 2 extra slots per tier
        assert venue.pools[32].tier_info("high") == (2 + 2, 2)
        assert venue.pools[32].tier_info("low") == (2 + 2, 2)
        assert venue.pools[64].tier_info("low") == (0 + 2, 0)
        with pytest.raises(tapebook.InvalidArgumentError, match="mixes price widths"):
            venue.pool  # noqa: B018
        assert "TAPE-USD" in venue.summary() and "0.00000001" in venue.summary()
        with pytest.raises(KeyError, match="no instrument 'NOPE'"):
            venue["NOPE"]
        # a book of a venue is a normal PooledBook
        tape.set(True, inst.price_to_ticks("999.99"), inst.size_to_lots("1.5"))
        assert inst.ticks_to_price(tape.best_bid_px()) == Decimal("999.99")
        assert inst.lots_to_size(tape.best_bid_qty()) == Decimal("1.500")
        assert set(venue.stats()) == {32, 64}


def test_single_width_has_one_pool() -> None:
    venue = parse_config(BASE).build()
    assert venue.pool is venue.pools[32]
    assert venue["X"].anchor(True) == 2000 - 512
    venue.close()
    assert venue["X"].closed


def test_toml_floats_are_read_exactly() -> None:
    cfg = parse_config(BASE.replace('"0.05"', "0.05").replace('"100.00"', "100.00"))
    assert cfg.instruments[0].tick_size == Decimal("0.05")
    assert cfg.instruments[0].reference_price == Decimal("100.00")


def one(**fields: object) -> str:
    base = {"symbol": '"X"', "tier": '"high"', "tick_size": '"0.05"', "lot_size": '"0.1"', "anchor": "0"}
    base.update({k: v for k, v in fields.items() if v is not None})
    for k, v in fields.items():
        if v is None:
            base.pop(k)
    return "[[instrument]]\n" + "\n".join(f"{k} = {v}" for k, v in base.items())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (one(tier='"hi"'), r"instrument 'X': tier: must be one of high, medium, low"),
        (one(tick_size='"0"'), r"instrument 'X': tick_size: must be > 0"),
        (one(tick_size='"-0.01"'), r"instrument 'X': tick_size: must be > 0"),
        (one(lot_size='"abc"'), r"instrument 'X': lot_size: 'abc' is not a decimal number"),
        (one(lot_size=None), r"instrument 'X': lot_size: required"),
        (one(symbol=None), r"instrument #1: symbol: required"),
        (one(price_bits="16"), r"instrument 'X': price_bits: must be 32 or 64"),
        (one(max_cap="3000"), r"instrument 'X': max_cap: 3000 must be a power of two"),
        (one(max_cap="65536"), r"instrument 'X': max_cap: 65536 is outside \[1, 32768\]"),
        (one(anchor='"zero"'), r"instrument 'X': anchor: must be an integer"),
        (one(anchor="99999999999"), r"instrument 'X': anchor: 99999999999 is outside"),
        (one(reference_price='"1.02"'), r"instrument 'X': reference_price: give exactly one"),
        (one(anchor=None), r"instrument 'X': reference_price: give exactly one"),
        (one(anchor=None, reference_price='"1.02"'), r"reference_price: 1.02 is not a whole number of ticks"),
        (
            one(anchor=None, reference_price='"1e30"'),
            r"instrument 'X': reference_price: 1E\+30 is \d+ ticks, outside the valid price range",
        ),
        (one(colour='"red"'), r"instrument 'X': colour: unknown field"),
        (one(id="-1"), r"instrument 'X': id: -1 is outside"),
        (one() + "\n" + one(), r"instrument 'X': symbol: duplicate"),
        (one() + "\n" + one(symbol='"Y"', id="1"), r"instrument 'Y': id: 1 is also the id of 'X'"),
        ("[pool]\nmax_cap = 3\n" + one(), r"\[pool\]: max_cap: 3 must be a power of two"),
        ("[pool]\ntiers = [512, 256, 64]\n" + one(), r"\[pool\]: tiers: .* is not a shipped tier triple"),
        ("[pool]\npolicy = 'maybe'\n" + one(), r"\[pool\]: policy: must be 'refuse' or 'fallback'"),
        ("[pool]\nlevels = 8\n" + one(), r"\[pool\]: levels: 8 is outside"),
        ("[pool]\nsize = 8\n" + one(), r"\[pool\]: size: unknown field"),
        ("[pool]\n", r"no instruments"),
        ("instrument = 3", r"no instruments"),
        ("[[instrument]]\nsymbol = \n", r"not valid TOML"),
        ("colour = 1\n" + one(), r"unknown top-level key 'colour'"),
    ],
)
def test_validation_errors_name_instrument_and_field(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_config(text)


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[[instrument]\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(p)


# ---- conversions --------------------------------------------------------------------


def inst(tick: str = "0.05", lot: str = "0.001", bits: int = 32) -> Instrument:
    text = one(tick_size=f'"{tick}"', lot_size=f'"{lot}"', price_bits=str(bits))
    return parse_config(text).instruments[0]


def test_conversions_are_exact() -> None:
    i = inst()
    assert i.price_to_ticks("100.05") == 2001
    assert i.price_to_ticks(Decimal("-0.10")) == -2
    assert i.price_to_ticks(5) == 100
    assert i.ticks_to_price(2001) == Decimal("100.05")
    assert i.size_to_lots("1.234") == 1234 and i.lots_to_size(1234) == Decimal("1.234")
    with pytest.raises(ConfigError, match=r"instrument 'X': price: 100.01 is not a whole number of ticks"):
        i.price_to_ticks("100.01")
    with pytest.raises(ConfigError, match=r"size: 0.0005 is not a whole number of lots"):
        i.size_to_lots("0.0005")
    with pytest.raises(ConfigError, match=r"size: -1 is -1000 lots, outside"):
        i.size_to_lots(-1)
    with pytest.raises(ConfigError, match=r"size: 5000000 is 5000000000 lots, outside \[0, 4294967295\]"):
        i.size_to_lots(5_000_000)
    with pytest.raises(tapebook.ArgumentTypeError, match=r"instrument 'X': price: 0.1 is a float"):
        i.price_to_ticks(0.1)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="outside the book's price range"):
        i.price_to_ticks("1e12")
    # 64-bit: big and tiny numbers stay exact
    w = inst(tick="0.00000001", lot="0.000000001", bits=64)
    assert w.price_to_ticks("65000.12345678") == 6_500_012_345_678
    assert w.ticks_to_price(6_500_012_345_678) == Decimal("65000.12345678")
    assert w.size_to_lots("18446744073.709551615") == 2**64 - 1


@given(
    ticks=st.integers(-(2**31) + 2000, 2**31 - 2000),
    tick=st.sampled_from(["0.01", "0.25", "0.0001", "5", "0.3"]),
)
def test_price_round_trip(ticks: int, tick: str) -> None:
    i = inst(tick=tick)
    price = i.ticks_to_price(ticks)
    assert i.price_to_ticks(price) == ticks
    assert i.price_to_ticks(str(price)) == ticks
    # anything strictly between two ticks is refused
    with pytest.raises(ConfigError):
        i.price_to_ticks(price + Decimal(tick) / 3)


def test_recorder_over_a_venue_replays_into_its_books(tmp_path: Path) -> None:
    venue = load_config(EXAMPLE)
    log = io.BytesIO()
    rec = tapebook.Recorder(venue, log, snapshot_every=50)
    i = venue.instrument("TAPE-USD")
    for k in range(120):
        rec["TAPE-USD"].set(k % 2 == 0, i.price_to_ticks("1000.00") + (k % 7) * (1 if k % 2 else -1), 1 + k)
        rec["BTC-USD"].set(False, venue.instrument("BTC-USD").price_to_ticks("65000.50") + k, 10**12 + k)
    rec.close()
    fresh = load_config(EXAMPLE)
    tapebook.replay(log.getvalue(), into=fresh.books)
    for sym in venue:
        assert fresh[sym].dumps() == venue[sym].dumps()
