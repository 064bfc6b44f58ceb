"""The C sync loop for Kraken v2 book frames (tb_json_kraken.h via _kraken_scan) against
the msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats (truncation and
checksums verified included) and the same errors on the fixtures, each rule, rendered
random histories, mutated frames and Hypothesis-chosen edits — and how many lines the C
loop hands back."""

from __future__ import annotations

import functools
import json
import random

import pytest
from _scan_paths import (
    EDIT_SETTINGS,
    EDITS,
    POLICIES,
    ScanPaths,
    check_layout_row,
    mutate_lines,
    write_frames,
    write_lines,
)
from hypothesis import given
from hypothesis import strategies as st
from render import kraken_crc_from_strings, random_history, render_kraken
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import kraken
from tapebook.feeds._json_loop import SCAN_ENV

UNITS = {"tick_size": "0.01", "lot_size": "0.001"}
PATHS = ScanPaths(kraken.KrakenReader, format="kraken", **UNITS)
both, handbacks = PATHS.both, PATHS.handbacks


FIXTURE_UNITS = {"tick_size": "0.1", "lot_size": "0.00000001"}


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("checksum", [True, False])
@pytest.mark.parametrize("name", ["checksum_fail", "doc_checksum", "truncation"])
def test_fixtures_same_as_msgspec(monkeypatch, name, on_gap, checksum):
    fp = FIXTURES / "kraken" / f"{name}.jsonl"
    variants = ({}, {"book_depth": 25}, {"price_precision": 1, "qty_precision": 8},
                {"price_precision": 1, "qty_precision": 4})  # fmt: skip
    PATHS.assert_same(monkeypatch, fp, variants, on_gap=on_gap, checksum=checksum, **FIXTURE_UNITS)


def _kr(typ, bids=(), asks=(), sym="BTC/USD", crc=None, ts="2023-10-06T17:35:55.440295Z", channel="book"):
    """A v2 book frame with the numbers written as given (raw JSON text)."""

    def lv(p, q):
        return f'{{"price":{p},"qty":{q}}}'

    bid_levels, ask_levels = ",".join(lv(*x) for x in bids), ",".join(lv(*x) for x in asks)
    data = f'{{"symbol":"{sym}","bids":[{bid_levels}],"asks":[{ask_levels}]'
    if crc is not None:
        data += f',"checksum":{crc}'
    if ts is not None:
        data += f',"timestamp":"{ts}"'
    return f'{{"channel":"{channel}","type":"{typ}","data":[{data}}}]}}'


B1, A1 = [("100.00", "3.000")], [("101.00", "2.000")]
S = functools.partial(_kr, "snapshot")
U = functools.partial(_kr, "update")
SUB = json.dumps({"method": "subscribe", "result": {"channel": "book", "depth": 10, "snapshot": True,
                                                    "symbol": "BTC/USD"}, "success": True})  # fmt: skip
SUB2 = SUB.replace('"depth": 10', '"depth": 25')
HB = '{"channel":"heartbeat"}'
STATUS = '{"channel":"status","type":"update","data":[{"system":"online","api_version":"v2"}]}'
GOOD = kraken_crc_from_strings(B1, A1)  # the book after S(B1, A1)
MANY_BIDS = [(f"{100 - i}.00", "1.000") for i in range(12)]

#: (name, lines, handed back): the rules one by one (the first snapshot always goes back:
#: its values give the precisions and the checksum is set up there; later ones raise them in C)
SYNC_CASES = [
    ("snapshot_then_updates", [SUB, S(B1, A1), U([("99.00", "1.000")]), U(asks=[("101.00", "0.000")])], 2),
    ("presync_updates", [U(B1), SUB, S(B1, A1), U()], 2),
    ("snapshot_resets", [S(B1, A1), U(asks=A1), S([("98.00", "1.000")])], 1),
    ("heartbeat_status", [SUB, HB, S(B1, A1), HB, STATUS, U(B1), " \r", ""], 3),
    ("other_symbol", [S(B1, A1), U(B1, sym="ETH/USD"), S(B1, sym="ETH/USD"), U(B1)], 1),
    ("other_channel", [S(B1, A1), U(B1, channel="ticker"), U(B1)], 2),
    ("truncation_default_depth", [S(MANY_BIDS, A1), U([("100.50", "1.000")])], 1),
    ("truncation_subscribed_depth", [SUB2, S(MANY_BIDS, A1), U([("100.50", "1.000")])], 2),
    ("checksum_ok", [S(B1, A1, crc=GOOD), U(crc=GOOD), U(crc=GOOD + 2**32)], 1),
    ("checksum_bad", [S(B1, A1, crc=GOOD), U(crc=GOOD + 1), S(B1, A1, crc=GOOD), U(crc=GOOD)], 1),
    ("checksum_odd", [S(B1, A1), U(crc=-1), U(crc=2**63), U(crc="null"), U(crc='"5"')], 5),
    (
        "precision_learned_then_raised",
        [S(B1, A1), U([("99.000", "1.000")]), S([("100.000", "3.0000")], A1), U([("99.000", "1.0000")])],
        2,
    ),
    ("too_many_decimals", [S(B1, A1), U([("99.000", "1.000")]), U([("99.00", "1.0000")]), U(B1)], 3),
    ("values_handed_back", [S(B1, A1), U([("1e2", "5")]), U([('"99.00"', "1")]), U([("100.005", "1")])], 4),
    (
        "timestamps",
        [
            S(B1, A1),
            U(ts="2023-10-06T17:35:55+00:00"),
            U(ts="2023-10-06t17:35:55z"),
            U(ts="2023-10-06T17:35:55"),
            U(ts=None),
            U(ts="2023-10-06T17:35:55.123456789Z"),
        ],
        2,  # the first snapshot and the time without an offset; +00:00 and 't'/'z' are read in C
    ),
]


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case, on_gap):
    _name, lines, handed = case
    fp = write_lines(tmp_path, lines)
    variants = ({"on_error": "skip"}, {"on_error": "skip", "checksum": False}, {"on_error": "raise"})
    PATHS.assert_same(monkeypatch, fp, variants, on_gap=on_gap)
    assert handbacks(monkeypatch, fp, on_gap=on_gap, on_error="skip") == handed


@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_rules_with_given_precisions_same_as_msgspec(monkeypatch, tmp_path, case):
    """With price_precision= / qty_precision= snapshots are decided in C too."""
    fp = write_lines(tmp_path, case[1])
    precisions = ({"price_precision": p, "qty_precision": q} for p, q in ((2, 3), (1, 2), (4, 5)))
    PATHS.assert_same(monkeypatch, fp, precisions, on_error="skip", on_gap="resync")


def test_given_precisions_take_snapshots_in_c(monkeypatch, tmp_path):
    fp = write_lines(tmp_path, [SUB, S(B1, A1, crc=GOOD), U(crc=GOOD), S(B1, A1, crc=GOOD)])
    # the subscription reply and the first snapshot (the checksum is set up there)
    assert handbacks(monkeypatch, fp, price_precision=2, qty_precision=3) == 2
    r = feeds.replay(fp, format="kraken", price_precision=2, qty_precision=3, **UNITS)
    assert r.stats.checksums_ok == 3


def test_bad_checksum_is_caught_on_the_c_path(monkeypatch, tmp_path):
    """The checksum the C loop read is verified: a wrong one on a C-decided update raises."""
    fp = write_lines(tmp_path, [S(B1, A1, crc=GOOD), U(crc=GOOD + 1)])
    assert handbacks(monkeypatch, fp, on_error="skip", on_gap="resync") == 1  # the update was decided in C
    monkeypatch.setenv(SCAN_ENV, "1")
    with pytest.raises(feeds.ChecksumError) as ei:
        feeds.replay(fp, format="kraken", **UNITS)
    assert ei.value.line == 2


def test_timestamp_beyond_int64_is_a_feed_error(monkeypatch, tmp_path):
    """Regression: a timestamp whose ns do not fit int64 (year 2300) raised numpy's
    OverflowError instead of a FeedError naming the line (both paths)."""
    fp = write_lines(tmp_path, [S(B1, A1), U(B1, ts="2300-01-01T00:00:00Z")])
    for scan in ("1", "0"):
        monkeypatch.setenv(SCAN_ENV, scan)
        with pytest.raises(feeds.FeedError) as ei:
            feeds.replay(fp, format="kraken", **UNITS)
        assert ei.value.line == 2 and "'2300-01-01T00:00:00Z' is out of range" in ei.value.reason


def _rendered(tmp_path, seed: int, steps: int = 120, depth: int = 10) -> tuple:
    frames, _views = render_kraken(random_history(random.Random(seed), steps), depth=depth)
    return write_frames(tmp_path, frames, f"frames{seed}"), frames


@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp, _ = _rendered(tmp_path, seed, depth=(10, 25)[seed % 2])
    fast = PATHS.assert_real_replay(monkeypatch, fp)
    assert "checksums_ok=0" not in fast[2] and "checksums_failed=0" in fast[2]  # verified, all good
    given = {"price_precision": 2, "qty_precision": 3}
    assert both(monkeypatch, fp, **given) == (fast, fast)


def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path):
    """Every rendered book frame and heartbeat is decided in C: only the subscription
    reply and the first snapshot (its values give the precisions when they are not
    given, and the checksum is set up there) go back."""
    fp, frames = _rendered(tmp_path, 7, steps=120)
    objs = [json.loads(ln) for ln in frames.splitlines()]
    assert sum(1 for o in objs if o.get("type") == "snapshot") > 2  # later snapshots too
    assert sum(1 for o in objs if o.get("channel") == "heartbeat") > 2
    assert handbacks(monkeypatch, fp) == 2
    assert handbacks(monkeypatch, fp, price_precision=2, qty_precision=3) == 2


#: edits of one frame's text: each hands the line to the checked path or changes a value
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: s.replace('"symbol":"BTC/USD"', '"symbol":"BTC\\/USD"'),  # escape in the symbol
    lambda s: s.replace(',"qty":', 'e0,"qty":', 1),  # exponent in a price
    lambda s: s.replace('"price":', '"price":"', 1).replace(',"qty":', '","qty":', 1),  # a string price
    lambda s: s.replace('"type":', '"extra":{"k":[1,2]},"type":', 1),  # extra field
    lambda s: s.replace('"data":[{', '"data":[{"extra":1,', 1),  # extra data field
    lambda s: s.replace('{"price":', '{"n":1,"price":', 1),  # extra level field
    lambda s: s.replace('"checksum":', '"checksum":-', 1),  # negative checksum
    lambda s: s.replace('"checksum":', '"checksum":123456789012345678901234567890,"x":', 1),  # huge
    lambda s: s.replace('"checksum":', '"checksum":4294967295,"x":', 1),  # a wrong checksum
    lambda s: s.replace('"checksum":', '"checksum":null,"x":', 1),
    lambda s: s.replace('"price":', '"price":9999999999999999999999', 1),  # huge price
    lambda s: s.replace("},{", "5},{", 1),  # more decimals than the precision
    lambda s: s.replace('"type":"update"', '"type":"snapshot"'),  # an update becomes a snapshot
    lambda s: s.replace('"type":"snapshot"', '"type":"update"'),  # and back
    lambda s: s.replace("BTC/USD", "ETH/USD"),  # another symbol
    lambda s: s.replace('"asks"', '"asks":[],"asks"', 1),  # duplicate key
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: s.replace('"timestamp":"', '"timestamp":"x', 1),  # a bad timestamp
    lambda s: s.replace('Z"', '+00:00"', 1),  # another spelling of UTC
    lambda s: s.replace("}]}", '},{"symbol":"BTC/USD","bids":[],"asks":[]}]}', 1),  # two data objects
    lambda s: s.replace('"channel":"heartbeat"', '"channel":"heartbeat","x":1'),
    lambda s: "\x0b",  # not JSON whitespace: an error line on both paths
]


@pytest.mark.parametrize("m", range(len(MUTATIONS)))
def test_mutated_frames_same_as_msgspec(monkeypatch, tmp_path, m):
    fp, frames = _rendered(tmp_path, 100 + m, steps=30)
    fp.write_text(mutate_lines(frames, MUTATIONS[m], m, first=2, count=4))
    PATHS.assert_same(monkeypatch, fp, POLICIES)


@EDIT_SETTINGS
@given(seed=st.integers(0, 10_000), edits=EDITS)
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, edits):
    """Random edits anywhere in rendered frames: both paths agree."""
    text, _ = render_kraken(random_history(random.Random(seed), 15))
    PATHS.assert_edits_agree(tmp_path_factory, text, edits, on_error="skip", on_gap="resync")


def test_layout_row_matches_the_msgspec_struct():
    """The TB_JSCAN_KRAKEN row of tb_jscan_layouts and kraken.py's _Data name the same
    keys; checksum and timestamp are the optional ones."""
    from tapebook._native import lib

    check_layout_row(lib.TB_JSCAN_KRAKEN, kraken._Data, {"checksum", "timestamp"}, {
        "symbol": lib.TB_JSCAN_SYMBOL, "bids": lib.TB_JSCAN_BIDS, "asks": lib.TB_JSCAN_ASKS,
        "checksum": lib.TB_JSCAN_CHECKSUM, "timestamp": lib.TB_JSCAN_TIME,
    }, optional_in_struct=True)  # fmt: skip
