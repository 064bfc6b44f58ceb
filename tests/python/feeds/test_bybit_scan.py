"""The C sync loop for Bybit v5 orderbook frames (tb_json_bybit.h via _bybit_scan)
against the msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats and
the same errors on the fixtures, each sync rule, rendered random histories, mutated
frames and Hypothesis-chosen edits — and how many lines the C loop hands back."""

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
    random_levels,
    write_frames,
    write_lines,
)
from hypothesis import given
from hypothesis import strategies as st
from render import random_history, render_bybit
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import bybit
from tapebook.feeds._json_loop import SCAN_ENV

PATHS = ScanPaths(bybit.BybitReader, format="bybit", tick_size="0.01", lot_size="0.001")
both, handbacks = PATHS.both, PATHS.handbacks


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("name", ["gap", "restart"])
def test_fixtures_same_as_msgspec(monkeypatch, name, on_gap):
    fast, slow = both(monkeypatch, FIXTURES / "bybit" / f"{name}.jsonl", on_gap=on_gap)
    assert fast == slow


def _fr(typ, u, bids=(), asks=(), sym="BTCUSDT", ts=1_672_304_484_978, cts=None, topic=None, seq=True):
    data = {"s": sym, "b": [list(x) for x in bids], "a": [list(x) for x in asks], "u": u}
    if seq:
        data["seq"] = 7_961_638_724 + u
    d = {"topic": topic or f"orderbook.50.{sym}", "type": typ, "ts": ts, "data": data}
    if cts is not None:
        d["cts"] = cts
    return json.dumps(d, separators=(",", ":"))


B1, A1 = [("100.00", "3.000")], [("101.00", "2.000")]
S = functools.partial(_fr, "snapshot")
D = functools.partial(_fr, "delta")
ACK = '{"success":true,"ret_msg":"","conn_id":"c1","req_id":"","op":"subscribe"}'

#: (name, lines, handed back): the documented rules one by one
SYNC_CASES = [
    ("snapshot_then_deltas", [S(50, B1, A1), D(51, [("99.00", "1.000")]), D(52)], 0),
    ("presync_deltas", [D(7, B1), D(8), S(20, B1, A1), D(21)], 0),
    ("snapshot_resets", [S(50, B1, A1), D(51, A1), S(90, [("98.00", "1")])], 0),
    ("resent_snapshot_same_u", [S(50, B1, A1), S(50, B1), D(51, A1)], 0),
    ("gap", [S(50, B1, A1), D(52, A1), D(53), S(60, B1)], 1),
    ("duplicate_u", [S(50, B1, A1), D(51, A1), D(51, B1)], 1),
    ("stale_u", [S(50, B1, A1), D(51, A1), D(49, B1)], 1),
    ("u1_restart", [S(50, B1, A1), D(51, A1), D(1, B1), D(2, A1)], 0),
    ("u1_restart_presync", [D(1, B1, A1), D(2, A1)], 0),
    ("cts_preferred", [S(50, B1, A1, cts=1_672_304_484_000), D(51, A1, cts=5)], 0),
    ("no_seq_key", [S(50, B1, A1, seq=False), D(51, A1, seq=False)], 0),
    ("other_symbol", [S(50, B1, A1), D(90, A1, sym="ETHUSDT"), D(51)], 1),
    ("other_symbol_in_order", [S(50, B1, A1), D(51, sym="ETHUSDT"), D(51)], 0),
    ("ack_and_pong", [ACK, S(50, B1, A1), '{"op":"pong","success":true}', D(51)], 2),
    ("other_topic", [S(50, B1, A1), D(51, topic="publicTrade.BTCUSDT"), D(51)], 1),
    ("unknown_type", [S(50, B1, A1), _fr("update", 51, A1), D(51)], 1),
    ("ts_too_large", [S(50, B1, A1, ts=2**53), D(51, cts=10**13)], 2),
    (
        "values_handed_back",
        [S(50, B1, A1), D(51, [("1e2", "5")]), D(52, [("100.005", "1")]), "", " \r"],
        1,  # 1e2 converts exactly in C too; 100.005 is not a whole number of ticks
    ),
    ("key_order_and_space", [' { "data" : ' + json.dumps({"u": 50, "a": A1, "b": B1, "s": "BTCUSDT"})
                             + ' , "ts" : 5 , "type" : "snapshot" , "topic" : "orderbook.1.BTCUSDT" } '], 0),
]  # fmt: skip


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_sync_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case, on_gap):
    _name, lines, handed = case
    fp = write_lines(tmp_path, lines)
    fast, slow = both(monkeypatch, fp, on_gap=on_gap, on_error="skip")
    assert fast == slow
    assert handbacks(monkeypatch, fp, on_gap=on_gap, on_error="skip") == handed


def test_u1_restart_is_a_snapshot_row(monkeypatch, tmp_path):
    """u = 1 on a delta resets the book in C: flags has the snapshot bit and the old
    levels are gone."""
    fp = write_lines(tmp_path, [_fr("snapshot", 50, B1, A1), _fr("delta", 1, [("90.00", "1.000")])])
    monkeypatch.setenv(SCAN_ENV, "1")
    r = feeds.replay(fp, format="bybit", tick_size="0.01", lot_size="0.001")
    assert r.bbo["seq"].tolist() == [50, 1]
    assert r.bbo["flags"][1] & 1
    assert (r.bbo["bid_px"][1], r.bbo["ask_qty"][1]) == (9000, 0)


def _rendered(tmp_path, seed: int, steps: int = 120) -> tuple:
    frames = render_bybit(random_history(random.Random(seed), steps))
    return write_frames(tmp_path, frames, f"frames{seed}"), frames


@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp, _ = _rendered(tmp_path, seed)
    PATHS.assert_real_replay(monkeypatch, fp)


def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path):
    """Every rendered orderbook frame is decided in C: only the subscription ack goes back."""
    fp, frames = _rendered(tmp_path, 7, steps=40)
    assert (
        handbacks(monkeypatch, fp)
        == sum(1 for ln in frames.splitlines() if "topic" not in json.loads(ln))
        == 1
    )


#: edits of one frame's text: each hands the line to the checked path or changes a value
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: s.replace('"u":', '"u":"', 1).replace(',"seq"', '","seq"', 1),  # u a string
    lambda s: s.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"'),  # escape in the symbol
    lambda s: s.replace('"ts":', '"ts":1e3,"x":', 1),  # exponent
    lambda s: s.replace('"ts":', '"extra":{"k":[1,2]},"ts":', 1),  # extra field
    lambda s: s.replace('"data":{', '"data":{"extra":1,', 1),  # extra data field
    lambda s: s.replace('"cts":', '"cts":null,"x":', 1),  # null cts
    lambda s: s.replace('"ts":', '"ts":-0,"x":', 1),  # negative zero
    lambda s: s.replace('"ts":', '"ts":123456789012345678901234567890,"x":', 1),  # huge
    lambda s: s.replace('["', '["-0', 1),  # a negative-zero price digit run
    lambda s: s.replace('["', '["9999999999999999999999', 1),  # huge price
    lambda s: s.replace('"]', '5"]', 1),  # not a whole number of lots
    lambda s: s.replace('"]', 'e2"]', 1),  # exponent in a quantity
    lambda s: s.replace('"type":"delta"', '"type":"snapshot"'),  # a delta becomes a snapshot
    lambda s: s.replace('"type":"delta"', '"type":"delt\\u0061"'),  # escape in type
    lambda s: s.replace("BTCUSDT", "ETHUSDT"),  # another symbol
    lambda s: s.replace('"s"', '"s":"X","s"', 1),  # duplicate key
    lambda s: s.replace('"type"', '"type":"delta","type"', 1),  # duplicate wrapper key
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: s.replace('"b":', '"b":[["1","2","3"]],"c":', 1),  # wide level
    lambda s: s.replace(',"cts":', ',"cts":1,"ctz":', 1),  # unknown key
    lambda s: s.replace('"orderbook.', '"orderbook', 1),  # another topic
    lambda s: s.replace('"u":', '"u":1,"q":', 1),  # u = 1 (restart) mid-stream
    lambda s: "\x0b",  # not JSON whitespace: an error line on both paths
]


@pytest.mark.parametrize("m", range(len(MUTATIONS)))
def test_mutated_frames_same_as_msgspec(monkeypatch, tmp_path, m):
    fp, frames = _rendered(tmp_path, 100 + m, steps=30)
    fp.write_text(mutate_lines(frames, MUTATIONS[m], m))
    PATHS.assert_same(monkeypatch, fp, POLICIES)


@EDIT_SETTINGS
@given(seed=st.integers(0, 10_000), edits=EDITS)
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, edits):
    """Random edits anywhere in rendered frames: both paths agree."""
    text = render_bybit(random_history(random.Random(seed), 15))
    PATHS.assert_edits_agree(tmp_path_factory, text, edits, on_error="skip", on_gap="resync")


def _random_stream(rng: random.Random, n: int) -> list[str]:
    """Snapshots, contiguous deltas, gaps, duplicates, u = 1 restarts, other symbols
    and topics, acks and broken lines, mixed at random."""
    out, u = [], rng.randrange(1, 60)
    for _ in range(n):
        r = rng.random()
        typ = "snapshot" if r < 0.1 else "delta"
        u = 1 if r > 0.97 else u + 1 if r < 0.85 else u + rng.randrange(-2, 4)
        sym = "BTCUSDT" if rng.random() < 0.95 else "ETHUSDT"
        line = _fr(
            typ,
            max(u, 0),
            random_levels(rng),
            random_levels(rng),
            sym=sym,
            cts=rng.choice([None, 1_672_304_484_000]),
        )
        if rng.random() < 0.05:
            line = rng.choice([ACK, "", "{not json", _fr("delta", u, topic="publicTrade.BTCUSDT")])
        out.append(line)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_random_sync_streams_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp = write_lines(tmp_path, _random_stream(random.Random(seed), 80))
    PATHS.assert_same(monkeypatch, fp, ({"on_gap": "raise"}, {"on_gap": "resync", "on_error": "skip"},
                                        {"on_error": "skip", "batch_rows": 2}))  # fmt: skip


def test_layout_row_matches_the_msgspec_struct():
    """The TB_JSCAN_BYBIT row of tb_jscan_layouts and bybit.py's _Data name the same
    required keys; seq is read and not used."""
    from tapebook._native import lib

    check_layout_row(lib.TB_JSCAN_BYBIT, bybit._Data, {"seq"}, {
        "s": lib.TB_JSCAN_SYMBOL, "b": lib.TB_JSCAN_BIDS, "a": lib.TB_JSCAN_ASKS,
        "u": lib.TB_JSCAN_LAST, "seq": lib.TB_JSCAN_INT,
    })  # fmt: skip


@pytest.mark.parametrize("scan", ["0", "1"])
@pytest.mark.parametrize("field", ["ts", "cts"])
def test_time_out_of_range_is_a_feed_error(monkeypatch, tmp_path, scan, field):
    """Regression: a time whose nanoseconds do not fit int64 (1e13 ms) raised
    OverflowError from numpy instead of a FeedError naming the line and field."""
    kw = {"ts": 10**13} if field == "ts" else {"cts": 10**13}
    fp = write_lines(tmp_path, [S(50, B1, A1), D(51, A1, **kw)])
    monkeypatch.setenv(SCAN_ENV, scan)
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(fp, format="bybit", tick_size="0.01", lot_size="0.001")
    assert ei.value.line == 2 and f"'{field}'" in ei.value.reason
