"""The C loop for Bitstamp diff_order_book frames (tb_json_bitstamp.h via _bitstamp_scan)
against the msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats, status
and the same errors on the fixture, each rule, rendered random histories, random streams,
mutated frames and Hypothesis-chosen edits — and how many lines the C loop hands back."""

from __future__ import annotations

import json
import random

import pytest
from _scan_paths import EDIT_SETTINGS, EDITS, ScanPaths, check_layout_row, mutate_lines, write_lines
from hypothesis import given
from hypothesis import strategies as st
from render import random_history, render_bitstamp
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import bitstamp
from tapebook.feeds._json_loop import SCAN_ENV

T0 = 1_643_643_584_000_000  #: the REST book's microtimestamp in these tests
PATHS = ScanPaths(bitstamp.BitstampReader, format="bitstamp", tick_size="0.01", lot_size="0.001")
both, handbacks = PATHS.both, PATHS.handbacks


@pytest.mark.parametrize("on_error", ["raise", "skip"])
@pytest.mark.parametrize("symbol", [None, "btcusd", "ethusd"])
def test_fixture_same_as_msgspec(monkeypatch, symbol, on_error):
    d = FIXTURES / "bitstamp"
    fast, slow = both(
        monkeypatch,
        d / "stale_prefix.jsonl",
        snapshot=d / "snapshot.json",
        lot_size="0.00000001",
        symbol=symbol,
        on_error=on_error,
    )
    assert fast == slow


def _fr(us, bids=(), asks=(), pair="btcusd", event="data"):
    d = {"timestamp": str(us // 1_000_000), "microtimestamp": str(us), "bids": [list(x) for x in bids],
         "asks": [list(x) for x in asks]}  # fmt: skip
    return json.dumps(
        {"data": d, "channel": f"diff_order_book_{pair}", "event": event}, separators=(",", ":")
    )


def _snap(tmp_path, us=T0):
    fp = tmp_path / "rest.json"
    fp.write_text(json.dumps({"timestamp": "1", "microtimestamp": str(us), "bids": [["99.00", "1.000"]],
                              "asks": [["102.00", "1.000"]]}))  # fmt: skip
    return fp


B1, A1 = [("100.00", "3.000")], [("101.00", "2.000")]
SUB = '{"event":"bts:subscription_succeeded","channel":"diff_order_book_btcusd","data":{}}'
HB = '{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}'
TRADE = ('{"data":{"id":1,"amount":0.01,"price":36955,"microtimestamp":"1643643585000000"},'
         '"channel":"live_trades_btcusd","event":"trade"}')  # fmt: skip
SPACED = (
    ' { "event" : "data" , "data" : { "asks" : [ [ "101.50" , "1" ] ] , '
    '"microtimestamp" : "1643643584000009" , "bids" : [ ] } , "channel" : "diff_order_book_btcusd" } \r'
)

#: (name, lines, handed back): the rules one by one
SYNC_CASES = [
    ("deltas_after_the_book", [_fr(T0 + 1, B1), _fr(T0 + 2, A1, B1), _fr(T0 + 3)], 0),
    ("stale_prefix", [_fr(T0 - 5, B1), _fr(T0, A1), _fr(T0 + 1, B1), _fr(T0, A1)], 0),
    ("control_frames", [SUB, _fr(T0 + 1, B1), HB, TRADE, _fr(T0 + 2, A1)], 3),
    ("other_pair", [_fr(T0 + 1, B1), _fr(T0 + 2, A1, pair="ethusd"), _fr(T0 + 3, A1)], 0),
    ("pair_taken_by_a_stale_frame",
     [_fr(T0 - 1, B1, pair="ethusd"), _fr(T0 + 1, B1), _fr(T0 + 2, pair="ethusd")], 0),
    ("other_event", [_fr(T0 + 1, B1), _fr(T0 + 2, A1, event="update"), _fr(T0 + 3)], 1),
    ("spaces_and_key_order", [SPACED, _fr(T0 + 10, B1)], 0),
    ("values_handed_back",
     [_fr(T0 + 1, [("1e2", "5")]), _fr(T0 + 2, [("100.005", "1")]), _fr(T0 + 3, [], [("101", "x")]), "",
      " \r"], 2),
    ("times_handed_back",
     [_fr(T0 + 1, B1), _fr(T0 + 2, B1).replace('"microtimestamp":"', '"microtimestamp":"0'),
      _fr(10**16, B1), _fr(T0 + 3, A1).replace('"microtimestamp":"1643643584000003"', '"microtimestamp":1')],
     3),
]  # fmt: skip


@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case):
    _name, lines, handed = case
    fp, snap = write_lines(tmp_path, lines), _snap(tmp_path)
    variants = ({"on_error": "skip"}, {"on_error": "raise"}, {"on_error": "skip", "symbol": "btcusd"},
                {"on_error": "skip", "batch_rows": 1})  # fmt: skip
    PATHS.assert_same(monkeypatch, fp, variants, snapshot=snap)
    assert handbacks(monkeypatch, fp, snapshot=snap, on_error="skip") == handed


def test_c_path_rows_and_seq(monkeypatch, tmp_path):
    """What the C loop wrote, against hand-computed values: seq numbers the applied
    frames on from the REST book (0), ts is the microtimestamp in ns, stale frames drop."""
    fp = write_lines(
        tmp_path, [_fr(T0 - 1, B1), _fr(T0 + 1, [("100.50", "1")]), _fr(T0 + 2, [], [("101.50", "2")])]
    )
    monkeypatch.setenv(SCAN_ENV, "1")
    r = feeds.replay(fp, format="bitstamp", tick_size="0.01", lot_size="0.001", snapshot=_snap(tmp_path))
    assert r.bbo["seq"].tolist() == [0, 1, 2]
    assert r.bbo["ts"].tolist() == [T0 * 1000, (T0 + 1) * 1000, (T0 + 2) * 1000]
    assert (r.bbo["bid_px"][1], r.bbo["bid_qty"][1], r.bbo["ask_px"][2]) == (10050, 1000, 10150)
    assert r.stats.stale == 1


@pytest.mark.parametrize("scan", ["0", "1"])
def test_time_out_of_range_is_a_feed_error(monkeypatch, tmp_path, scan):
    """Regression: a microtimestamp whose ns do not fit int64 raised OverflowError from
    numpy instead of a FeedError naming the line and the field."""
    fp = write_lines(tmp_path, [_fr(T0 + 1, B1), _fr(10**17, B1)])
    monkeypatch.setenv(SCAN_ENV, scan)
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(fp, format="bitstamp", tick_size="0.01", lot_size="0.001", snapshot=_snap(tmp_path))
    assert ei.value.line == 2 and "'microtimestamp'" in ei.value.reason
    with pytest.raises(feeds.FeedError, match="microtimestamp"):  # the REST book's too
        feeds.replay(
            fp, format="bitstamp", tick_size="0.01", lot_size="0.001", snapshot=_snap(tmp_path, 10**17)
        )


def _rendered(tmp_path, seed: int, steps: int = 120) -> tuple:
    rest, frames = render_bitstamp(random_history(random.Random(seed), steps))
    fp, snap = tmp_path / f"frames{seed}.jsonl", tmp_path / f"rest{seed}.json"
    fp.write_text(frames)
    snap.write_text(rest)
    return fp, snap, frames


@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp, snap, _ = _rendered(tmp_path, seed)
    fast = PATHS.assert_real_replay(monkeypatch, fp, snapshot=snap)
    assert len(fast[0]) > 100  # many rows


def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path):
    """Every rendered diff frame is decided in C: only the subscription reply goes back."""
    fp, snap, frames = _rendered(tmp_path, 7, steps=40)
    assert (
        handbacks(monkeypatch, fp, snapshot=snap)
        == sum(1 for ln in frames.splitlines() if '"event":"data"' not in ln)
        == 1
    )


#: edits of one frame's text: each hands the line to the checked path or changes a value
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: s.replace('"microtimestamp":"', '"microtimestamp":', 1).replace('","bids"', ',"bids"', 1),
    lambda s: s.replace('"microtimestamp":"', '"microtimestamp":"0', 1),  # a leading zero
    lambda s: s.replace('"microtimestamp":"', '"microtimestamp":"9', 1),  # ns past int64
    lambda s: s.replace('"microtimestamp":"1', '"microtimestamp":"0', 1),  # stale
    lambda s: s.replace("btcusd", "btc\\u0075sd"),  # escape in the pair
    lambda s: s.replace('"event":', '"extra":{"k":[1,2]},"event":', 1),  # extra field
    lambda s: s.replace('"data":{', '"data":{"extra":1,', 1),  # extra data field
    lambda s: s.replace('"timestamp":"', '"timestamp":1,"x":"', 1),  # a numeric timestamp
    lambda s: s.replace('"timestamp":', '"microtimestamp":"1",' + '"timestamp":', 1),  # duplicate key
    lambda s: s.replace('["', '["-0', 1),  # a negative-zero price digit run
    lambda s: s.replace('["', '["9999999999999999999999', 1),  # huge price
    lambda s: s.replace('"]', '5"]', 1),  # not whole lots
    lambda s: s.replace('"]', 'e2"]', 1),  # exponent in a size
    lambda s: s.replace('"]', '","1"]', 1),  # three strings a level
    lambda s: s.replace("btcusd", "ethusd"),  # another pair
    lambda s: s.replace('"event":"data"', '"event":"trade"'),  # another event
    lambda s: s.replace("diff_order_book_", "order_book_"),  # another channel
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: "\x0b",  # not JSON whitespace: an error line on both paths
]


@pytest.mark.parametrize("m", range(len(MUTATIONS)))
def test_mutated_frames_same_as_msgspec(monkeypatch, tmp_path, m):
    fp, snap, frames = _rendered(tmp_path, 100 + m, steps=30)
    fp.write_text(mutate_lines(frames, MUTATIONS[m], m))
    variants = ({"on_error": "raise"}, {"on_error": "skip"}, {"on_error": "skip", "symbol": "btcusd"})
    PATHS.assert_same(monkeypatch, fp, variants, snapshot=snap)


@EDIT_SETTINGS
@given(seed=st.integers(0, 10_000), edits=EDITS)
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, edits):
    """Random edits anywhere in rendered frames: both paths agree."""
    rest, text = render_bitstamp(random_history(random.Random(seed), 15))
    snap = tmp_path_factory.mktemp("rest") / "rest.json"
    snap.write_text(rest)
    PATHS.assert_edits_agree(tmp_path_factory, text, edits, snapshot=snap, on_error="skip")


def test_layout_row_matches_the_msgspec_struct():
    """The TB_JSCAN_BITSTAMP row of tb_jscan_layouts and bitstamp.py's _Data name the same
    required keys; timestamp is read and not used."""
    from tapebook._native import lib

    check_layout_row(lib.TB_JSCAN_BITSTAMP, bitstamp._Data, {"timestamp"}, {
        "timestamp": lib.TB_JSCAN_TEXT, "microtimestamp": lib.TB_JSCAN_TIME, "bids": lib.TB_JSCAN_BIDS,
        "asks": lib.TB_JSCAN_ASKS,
    })  # fmt: skip
