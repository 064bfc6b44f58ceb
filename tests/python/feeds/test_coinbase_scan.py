"""The C sync loop for Coinbase l2_data frames (tb_json_coinbase.h via _coinbase_scan)
against the msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats,
status and the same errors on the fixtures, each sequence_num rule (both gap policies,
check_sequence on and off), rendered random histories, random streams, mutated frames
and Hypothesis-chosen edits — and how many lines the C loop hands back."""

from __future__ import annotations

import functools
import json
import random
import re

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
from render import random_history, render_coinbase
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import coinbase
from tapebook.feeds._json_loop import SCAN_ENV

PATHS = ScanPaths(coinbase.CoinbaseReader, format="coinbase", tick_size="0.01", lot_size="0.001")
both, handbacks = PATHS.both, PATHS.handbacks


@pytest.mark.parametrize("check_sequence", [True, False])
@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("name", ["gap", "other_channels", "reconnect"])
def test_fixtures_same_as_msgspec(monkeypatch, name, on_gap, check_sequence):
    fp = FIXTURES / "coinbase" / f"{name}.jsonl"
    symbols = ({"symbol": s} for s in (None, "BTC-USD", "ETH-USD"))
    PATHS.assert_same(
        monkeypatch, fp, symbols, lot_size="0.00000001", on_gap=on_gap, check_sequence=check_sequence
    )


T0 = "2023-02-09T20:32:50.714964855Z"


def _fr(seq, typ="update", ups=(), product="BTC-USD", ts=T0, channel="l2_data"):
    """One l2_data frame as the venue writes it; ``ups`` are (side, price, qty)."""
    t = "2023-02-09T20:32:50.1Z"
    updates = [{"side": s, "event_time": t, "price_level": p, "new_quantity": q} for s, p, q in ups]
    frame = {"channel": channel, "client_id": "", "timestamp": ts, "sequence_num": seq,
             "events": [{"type": typ, "product_id": product, "updates": updates}]}  # fmt: skip
    return json.dumps(frame, separators=(",", ":"))


def _multi(seq, *events, ts=T0):
    """One l2_data frame of several events, each (type, product, ups) as in _fr."""
    t = "2023-02-09T20:32:50.1Z"
    evs = [{"type": typ, "product_id": product,
            "updates": [{"side": s, "event_time": t, "price_level": p, "new_quantity": q} for s, p, q in ups]}
           for typ, product, ups in events]  # fmt: skip
    frame = {"channel": "l2_data", "client_id": "", "timestamp": ts, "sequence_num": seq, "events": evs}
    return json.dumps(frame, separators=(",", ":"))


def _ev(typ, ups, product="BTC-USD"):
    """One event of a _multi frame."""
    return typ, product, ups


def _other(seq, channel="heartbeats"):
    """A frame of another channel on the same connection (it takes a number too)."""
    ev = {"current_time": "2023-02-09 20:32:54 +0000 UTC", "heartbeat_counter": str(seq)}
    frame = {"channel": channel, "client_id": "", "timestamp": T0, "sequence_num": seq, "events": [ev]}
    return json.dumps(frame, separators=(",", ":"))


BA = [("bid", "100.00", "3.000"), ("offer", "101.00", "2.000")]
S = functools.partial(_fr, typ="snapshot", ups=BA)
U1 = [("bid", "99.00", "1.000")]
TWO_EVENTS = json.dumps({
    "channel": "l2_data", "client_id": "", "timestamp": T0, "sequence_num": 1,
    "events": [{"type": "update", "product_id": "BTC-USD", "updates": []},
               {"type": "update", "product_id": "BTC-USD",
                "updates": [{"side": "bid", "price_level": "99.5", "new_quantity": "1"}]}],
}, separators=(",", ":"))  # fmt: skip
SPACED = (
    '{"channel":"l2_data" , "events" : [ { "updates" : [ { "new_quantity" : "1" , "side" : "ask" , '
    '"price_level" : "101.5" } ] , "product_id" : "BTC-USD" , "type" : "update" } ] , "sequence_num" : 1 , '
    '"timestamp" : "2023-02-09 20:32:51+00:00" }  '
)

#: (name, lines, handed back): the documented rules one by one
SYNC_CASES = [
    ("snapshot_then_updates", [S(0), _fr(1, ups=U1), _fr(2)], 0),
    ("sides_interleaved", [_fr(0, "snapshot", [BA[1], ("ask", "102", "1"), BA[0], ("bid", "98", "4")])], 0),
    ("presync_updates", [_fr(0, ups=U1), S(1), _fr(2, ups=U1)], 0),
    ("other_channels_take_numbers", [_other(0, "subscriptions"), S(1), _other(2), _fr(3, ups=U1)], 0),
    ("other_channels_stale_and_new_connection",
     [S(0), _other(1), _other(1), _fr(2, ups=U1), _other(0), _fr(1, ups=U1), S(2)], 0),
    ("other_channels_beyond_plain_json",
     [S(0), '{"channel":"ticker","sequence_num":1,"events":[{"price":1.5}]}', _fr(2, ups=U1),
      '{"channel":"ticker","sequence_num":3,"x":"\u00e9"}', '{"channel":"ticker","sequence_num":4,"x":"é"}',
      _fr(5, ups=U1), '{"channel":"status"}', '{"channel":7,"sequence_num":6}', "[]", _fr(6, ups=U1)], 5),
    ("stale_repeats", [S(5), _fr(6, ups=U1), _fr(6, ups=BA), _fr(4), _fr(7, ups=U1)], 0),
    ("new_connection", [S(0), _fr(1, ups=U1), _fr(0, ups=U1), _fr(1, ups=U1), S(2), _fr(3, ups=U1)], 0),
    ("gap", [S(0), _fr(1, ups=U1), _fr(3, ups=U1), _fr(4), S(5), _fr(6, ups=U1)], 1),
    ("gap_at_a_heartbeat", [S(0), _other(2), _fr(3, ups=U1), S(4)], 1),
    ("other_product", [S(0), _fr(1, ups=U1, product="ETH-USD"), _fr(2, ups=U1)], 0),
    ("product_taken_by_a_stale_frame",
     [_other(5), _fr(3, ups=U1, product="ETH-USD"), S(6), _fr(7, ups=U1)], 0),
    ("two_events", [S(0), TWO_EVENTS, _fr(2, ups=U1)], 0),
    ("several_events",
     [_multi(0, _ev("snapshot", BA), _ev("update", [("offer", "100.50", "1"), ("bid", "99", "2")])),
      _multi(1, _ev("update", U1), _ev("update", U1, "ETH-USD"), _ev("update", [("offer", "102", "0")])),
      _multi(2, _ev("update", [("bid", "1.001", "1")], "ETH-USD"), _ev("update", [("bid", "99", "0")])),
      _multi(3), _multi(4, _ev("snapshot", BA, "ETH-USD")), _fr(5, ups=U1)], 0),
    ("snapshot_after_updates",
     [S(0), _multi(1, _ev("update", U1), _ev("snapshot", [("bid", "90", "1"), ("offer", "91", "1")]),
                   _ev("update", [("bid", "90.5", "2")])), _fr(2, ups=U1)], 0),
    ("several_events_presync_and_stale",
     [_multi(0, _ev("update", U1), _ev("update", BA)), S(1), _multi(1, _ev("update", U1), _ev("update", BA)),
      _multi(2, _ev("update", BA))], 0),
    ("several_events_first_product_taken",
     [_multi(0, _ev("snapshot", BA, "ETH-USD"), _ev("snapshot", U1)), _fr(1, ups=U1, product="ETH-USD")], 0),
    ("several_events_other_channels_take_numbers",
     [S(0), _other(1), _multi(2, _ev("update", U1), _ev("update", BA)), _other(3),
      _multi(5, _ev("update", U1), _ev("update", U1)), _multi(6, _ev("update", U1))], 1),
    ("several_events_handed_back",
     [S(0), _multi(1, _ev("update", U1), _ev("partial", U1)),
      _multi(2, _ev("update", U1), _ev("update", [("bid", "99.001", "1")])),
      _multi(3, *[_ev("update", U1)] * 17), _multi(4, *[_ev("update", U1)] * 16)], 3),
    ("unknown_type", [S(0), _fr(1, "partial", U1), _fr(2, ups=U1)], 1),
    ("unknown_side", [S(0), _fr(1, ups=[("buy", "99", "1")]), _fr(2, ups=U1)], 1),
    ("spaces_key_order_ask_side", [S(0), SPACED, _fr(2, ups=U1)], 0),
    ("times", [S(0, ts="2016-12-31T23:59:60Z"), _fr(1, ups=U1, ts="1970-01-01t00:00:00.5z"),
               _fr(2, ups=U1, ts="2023-02-29T00:00:00Z"), _fr(3, ts="2023-02-09T20:32:50.1234567891Z"),
               _fr(4, ts="2023-02-09T20:32:50+01:00")], 3),
    ("values_handed_back",
     [S(0), _fr(1, ups=[("bid", "1e2", "5")]), _fr(2, ups=[("bid", "100.005", "1")]), "", " \r", "\x0b"],
     1),  # 1e2 converts exactly in C too; "\x0b" goes back but is blank to Python (no _one)
    ("values_of_dropped_frames",
     [_fr(0, ups=[("bid", "100.005", "1")]), S(1), _fr(1, ups=[("bid", "x", "1")])], 0),
]  # fmt: skip


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_sync_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case, on_gap):
    _name, lines, handed = case
    fp = write_lines(tmp_path, lines)
    variants = ({"on_error": "skip"}, {"on_error": "raise"}, {"on_error": "skip", "check_sequence": False},
                {"on_error": "skip", "symbol": "BTC-USD"})  # fmt: skip
    PATHS.assert_same(monkeypatch, fp, variants, on_gap=on_gap)
    assert handbacks(monkeypatch, fp, on_gap=on_gap, on_error="skip") == handed


def test_c_path_rows_and_times(monkeypatch, tmp_path):
    """What the C loop wrote, against hand-computed values: bids before asks whatever
    the frame's order, the timestamp in exact ns, a stale frame dropped."""
    snap = _fr(0, "snapshot", [BA[1], ("bid", "100.50", "1"), BA[0]])
    fp = write_lines(tmp_path, [snap, _fr(1, ups=U1), _fr(1)])
    monkeypatch.setenv(SCAN_ENV, "1")
    r = feeds.replay(fp, format="coinbase", tick_size="0.01", lot_size="0.001", depth=2)
    assert r.bbo["seq"].tolist() == [0, 1]
    assert r.bbo["ts"][0] == 1675974770 * 10**9 + 714964855
    assert (r.bbo["bid_px"][0], r.bbo["bid_qty"][0], r.bbo["ask_px"][0]) == (10050, 1000, 10100)
    assert r.stats.stale == 1


def _rendered(tmp_path, seed: int, steps: int = 120) -> tuple:
    frames = render_coinbase(random_history(random.Random(seed), steps))
    return write_frames(tmp_path, frames, f"frames{seed}"), frames


@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp, _ = _rendered(tmp_path, seed)
    PATHS.assert_real_replay(monkeypatch, fp)


def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path):
    """Every rendered frame is decided in C: l2_data of both products, the subscription
    reply and the heartbeats (they take numbers); none goes back."""
    fp, frames = _rendered(tmp_path, 7, steps=40)
    assert sum(1 for ln in frames.splitlines() if json.loads(ln)["channel"] != "l2_data") > 5
    assert handbacks(monkeypatch, fp) == 0


EMPTY_EVENT = '{"type":"update","product_id":"BTC-USD","updates":[]}'

#: edits of one frame's text: each hands the line to the checked path or changes a value
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: re.sub(r'"sequence_num":(\d+)', r'"sequence_num":"\1"', s),  # a string number
    lambda s: re.sub(r'"sequence_num":(\d+)', lambda m: f'"sequence_num":{int(m[1]) + 3}', s),  # a gap
    lambda s: re.sub(r'"sequence_num":(\d+)', lambda m: f'"sequence_num":{max(int(m[1]) - 2, 0)}', s),
    lambda s: re.sub(r'"sequence_num":(\d+)', '"sequence_num":0', s),  # a new connection
    lambda s: re.sub(r'"sequence_num":(\d+)', r'"sequence_num":-\1', s),  # negative
    lambda s: re.sub(r'"sequence_num":(\d+)', r'"sequence_num":\1e0', s),  # exponent
    lambda s: re.sub(r'"sequence_num":(\d+)', '"sequence_num":123456789012345678901234567890', s),  # huge
    lambda s: s.replace('"product_id":"BTC-USD"', '"product_id":"BTC-\\u0055SD"'),  # escape in the product
    lambda s: s.replace('"client_id":""', '"client_id":"","extra":{"k":[1,2]}', 1),  # extra field
    lambda s: s.replace('"type":', '"extra":1,"type":', 1),  # extra event field
    lambda s: s.replace('"side":', '"extra":"","side":', 1),  # extra update field
    lambda s: s.replace('"client_id":"",', "", 1),  # no client_id
    lambda s: s.replace('"event_time":"2023-02-09T20:32:50.000001Z",', "", 1),  # no event_time
    lambda s: s.replace('"event_time":"', '"event_time":1,"x":"', 1),  # a numeric event_time
    lambda s: s.replace('"price_level":"', '"price_level":"-0', 1),  # a negative-zero price digit run
    lambda s: s.replace('"price_level":"', '"price_level":"9999999999999999999999', 1),  # huge price
    lambda s: s.replace('"}', '5"}', 1),  # not whole lots
    lambda s: s.replace('"}', 'e2"}', 1),  # exponent in a size
    lambda s: s.replace('"type":"update"', '"type":"snapshot"'),  # an update becomes a snapshot
    lambda s: s.replace('"type":"update"', '"type":"updat\\u0065"'),  # escape in type
    lambda s: s.replace("BTC-USD", "ETH-USD"),  # another product
    lambda s: s.replace('"sequence_num"', '"sequence_num":1,"sequence_num"', 1),  # duplicate key
    lambda s: s.replace('"side":"offer"', '"side":"ask"'),  # the other spelling of a side
    lambda s: s.replace('"side":"bid"', '"side":"buy"', 1),  # an unknown side
    lambda s: s.replace('Z","sequence_num"', '+00:00","sequence_num"', 1),  # +00:00
    lambda s: s.replace('"timestamp":"2023-02-09', '"timestamp":"2023-13-09', 1),  # no such month
    lambda s: s.replace('"timestamp":"2023-02-09', '"timestamp":"2400-02-09', 1),  # ns past int64
    lambda s: s.replace('"timestamp":"2023-02-09T', '"timestamp":"2023-02-09 ', 1),  # ' ' separator
    lambda s: s.replace('"channel":"l2_data"', '"channel":"l2_data2"', 1),  # another channel
    lambda s: s.replace('"events":[{', '"events":[' + EMPTY_EVENT + ",{", 1),  # two events
    lambda s: s.replace('"current_time":', '"x":[1.5,{"y":"\\u0041"}],"current_time":', 1),  # not plain
    lambda s: s.replace('"heartbeat_counter":', '"heartbeat_counter":' + "[" * 17 + "]" * 17 + ',"h":', 1),
    lambda s: s.replace('"channel":"heartbeats"', '"channel":"heartbeats","channel":"l2_data"', 1),
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: s + "  \t",  # trailing whitespace only
    lambda s: "\x0b",  # not JSON whitespace: an error line on both paths
]


@pytest.mark.parametrize("m", range(len(MUTATIONS)))
def test_mutated_frames_same_as_msgspec(monkeypatch, tmp_path, m):
    fp, frames = _rendered(tmp_path, 100 + m, steps=30)
    fp.write_text(mutate_lines(frames, MUTATIONS[m], m))
    PATHS.assert_same(monkeypatch, fp, (*POLICIES, {"on_error": "skip", "check_sequence": False}))


@EDIT_SETTINGS
@given(seed=st.integers(0, 10_000), edits=EDITS)
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, edits):
    """Random edits anywhere in rendered frames: both paths agree."""
    text = render_coinbase(random_history(random.Random(seed), 15))
    PATHS.assert_edits_agree(tmp_path_factory, text, edits, on_error="skip", on_gap="resync")


def _ups(rng: random.Random) -> list[tuple[str, str, str]]:
    out = []
    for _ in range(rng.randrange(0, 4)):
        px = f"{rng.randrange(95, 106)}.{rng.randrange(100):02d}"
        out.append((rng.choice(["bid", "offer"]), px, f"{rng.randrange(4)}.{rng.randrange(1000):03d}"))
    return out


def _random_stream(rng: random.Random, n: int) -> list[str]:
    """Snapshots and updates, other channels taking numbers, gaps, repeats, new
    connections, other products and broken lines, mixed at random."""
    out, seq = [], rng.randrange(0, 5)
    for _ in range(n):
        r = rng.random()
        seq = 0 if r > 0.97 else seq + 1 if r < 0.85 else max(seq + rng.randrange(-2, 4), 0)
        if rng.random() < 0.1:
            out.append(_other(seq))
            continue
        typ = "snapshot" if rng.random() < 0.1 else "update"
        product = "BTC-USD" if rng.random() < 0.9 else "ETH-USD"
        line = _fr(seq, typ, _ups(rng), product=product)
        if rng.random() < 0.1:  # several events: snapshots after updates, other products among them
            kinds, prods = ["update", "update", "snapshot"], ["BTC-USD", "BTC-USD", "ETH-USD"]
            events = [_ev(rng.choice(kinds), _ups(rng), rng.choice(prods)) for _ in range(rng.randrange(4))]
            line = _multi(seq, *events)
        if rng.random() < 0.04:
            line = rng.choice(["", "{not json", TWO_EVENTS, _fr(seq, "partial")])
        out.append(line)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_random_sync_streams_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp = write_lines(tmp_path, _random_stream(random.Random(seed), 80))
    variants = ({"on_gap": "raise"}, {"on_gap": "resync", "on_error": "skip"},
                {"on_error": "skip", "batch_rows": 2, "on_gap": "resync"},
                {"on_error": "skip", "check_sequence": False})  # fmt: skip
    PATHS.assert_same(monkeypatch, fp, variants)


def test_layout_row_matches_the_msgspec_struct():
    """The TB_JSCAN_COINBASE row of tb_jscan_layouts and coinbase.py's _Frame name the
    same required keys; client_id is read and not used."""
    from tapebook._native import lib

    check_layout_row(lib.TB_JSCAN_COINBASE, coinbase._Frame, {"client_id"}, {
        "channel": lib.TB_JSCAN_EVENT, "client_id": lib.TB_JSCAN_TEXT, "timestamp": lib.TB_JSCAN_TIME,
        "sequence_num": lib.TB_JSCAN_LAST, "events": lib.TB_JSCAN_EVENTS,
    })  # fmt: skip


@pytest.mark.parametrize("scan", ["0", "1"])
def test_time_out_of_range_is_a_feed_error(monkeypatch, tmp_path, scan):
    """Regression: a timestamp whose ns do not fit int64 (year 2400) raised OverflowError
    from numpy instead of a FeedError naming the line and the time."""
    fp = write_lines(tmp_path, [S(0), _fr(1, ups=U1, ts="2400-02-09T20:32:50Z")])
    monkeypatch.setenv(SCAN_ENV, scan)
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(fp, format="coinbase", tick_size="0.01", lot_size="0.001")
    assert ei.value.line == 2 and "2400-02-09T20:32:50Z" in ei.value.reason and "64-bit" in ei.value.reason


@pytest.mark.parametrize("scan", ["0", "1"])
def test_bad_value_in_a_later_event_names_its_line(monkeypatch, tmp_path, scan):
    """A frame of several events whose second event holds a price that is not a whole
    number of ticks: a FeedError naming that line on both paths (C hands it back)."""
    bad = _multi(2, _ev("update", U1), _ev("update", [("bid", "99.005", "1")]))
    fp = write_lines(tmp_path, [S(0), _multi(1, _ev("update", U1), _ev("update", BA)), bad])
    monkeypatch.setenv(SCAN_ENV, scan)
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(fp, format="coinbase", tick_size="0.01", lot_size="0.001")
    assert ei.value.line == 3 and "99.005" in ei.value.reason


def test_c_path_several_events_rows(monkeypatch, tmp_path):
    """What the C loop wrote for frames of several events, against hand-computed books:
    a snapshot after an update drops the update's rows; bids of every event kept come
    before their asks; another product's events are skipped."""
    dropped, late_ask = _ev("update", [("bid", "50", "9")]), _ev("update", [("offer", "100.50", "4")])
    snap = _multi(0, dropped, _ev("snapshot", BA), late_ask)
    other, ours = _ev("update", [("bid", "100.75", "1")], "ETH-USD"), _ev("update", [("bid", "100.25", "2")])
    upd = _multi(1, other, ours)
    fp = write_lines(tmp_path, [snap, upd])
    monkeypatch.setenv(SCAN_ENV, "1")
    assert handbacks(monkeypatch, fp) == 0
    r = feeds.replay(fp, format="coinbase", tick_size="0.01", lot_size="0.001", depth=3)
    assert r.bbo["seq"].tolist() == [0, 1]
    assert (r.bbo["bid_px"][0], r.bbo["ask_px"][0], r.bbo["ask_qty"][0]) == (10000, 10050, 4000)
    assert (r.bbo["bid_px"][1], r.bbo["bid_qty"][1]) == (10025, 2000)
    assert r.book.levels(True, k=10) == [(10025, 2000), (10000, 3000)]  # the bid at 50 dropped
    assert r.book.levels(False, k=10) == [(10050, 4000), (10100, 2000)]
