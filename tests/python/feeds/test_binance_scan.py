"""The C scanner for Binance frames (tb_json_scan.h via _binance_scan) against the
msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats and the same
errors (type, path, line, reason) on the fixtures, rendered random histories,
mutated frames and Hypothesis-chosen edits."""

from __future__ import annotations

import json
import random

import pytest
from _scan_paths import (
    EDIT_SETTINGS,
    EDITS,
    HandbackCounter,
    ScanPaths,
    layout,
    layout_key_status,
    mutate_lines,
    random_levels,
    write_lines,
)
from hypothesis import given
from hypothesis import strategies as st
from render import random_history, render_binance
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import binance
from tapebook.feeds._json_loop import SCAN_ENV

FORMATS = ("binance", "binance-futures")
#: the futures reader is a BinanceSpotReader: one counter sees both formats' hand-backs
PATHS = ScanPaths(binance.BinanceSpotReader, tick_size="0.01", lot_size="0.001")


@pytest.mark.parametrize("on_error", ["raise", "skip"])
@pytest.mark.parametrize(
    "fmt,name",
    [("binance", n) for n in ("stale_prefix", "gap", "first_gap", "unparseable")]
    + [("binance-futures", "pu_chain")],
)
def test_fixtures_same_as_msgspec(monkeypatch, fmt, name, on_error):
    d = FIXTURES / fmt
    fast, slow = PATHS.both(monkeypatch, d / f"{name}.jsonl", format=fmt, snapshot=d / "snapshot.json",
                            on_error=on_error)  # fmt: skip
    assert fast == slow


def _rendered(tmp_path, seed: int, futures: bool, steps: int = 120) -> tuple:
    snap, frames = render_binance(random_history(random.Random(seed), steps), futures=futures)
    sp, fp = tmp_path / f"snap{seed}.json", tmp_path / f"frames{seed}.jsonl"
    sp.write_text(snap)
    fp.write_text(frames)
    return sp, fp, frames


@pytest.mark.parametrize("futures", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed, futures):
    sp, fp, _ = _rendered(tmp_path, seed, futures)
    PATHS.assert_real_replay(monkeypatch, fp, format=FORMATS[futures], snapshot=sp)


#: edits of one frame's text: each makes the scanner hand the line to the checked path
#: or changes a value it converts itself
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: s.replace('"U":', '"U":"', 1).replace(',"u"', '","u"', 1),  # U a string
    lambda s: s.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"'),  # escape in the symbol
    lambda s: s.replace('"E":', '"E":1e3,"x":', 1),  # exponent
    lambda s: s.replace('"E":', '"extra":{"k":[1,2]},"E":', 1),  # extra field
    lambda s: s.replace('"E":', '"E":-0,"F":', 1),  # negative zero
    lambda s: s.replace('"E":', '"E":123456789012345678901234567890,"F":', 1),  # huge
    lambda s: s.replace('["', '["-0', 1),  # a negative-zero price digit run
    lambda s: s.replace('["', '["9999999999999999999999', 1),  # huge price
    lambda s: s.replace('"]', '5"]', 1),  # not a whole number of lots
    lambda s: s.replace('"]', 'e2"]', 1),  # exponent in a quantity
    lambda s: s.replace('"e":"depthUpdate"', '"e":"depth\\u0055pdate"'),  # escape in e
    lambda s: '{"stream":"btcusdt@depth","data":' + s + "}",  # combined-stream wrapper
    lambda s: s.replace("BTCUSDT", "ETHUSDT"),  # another symbol
    lambda s: s.replace('"s"', '"s":"X","s"', 1),  # duplicate key
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: s.replace('"b":', '"b":[["1","2","3"]],"c":', 1),  # wide level
    lambda s: "\x0b",  # not JSON whitespace: an error line on both paths
]


@pytest.mark.parametrize("futures", [False, True])
@pytest.mark.parametrize("m", range(len(MUTATIONS)))
def test_mutated_frames_same_as_msgspec(monkeypatch, tmp_path, m, futures):
    sp, fp, frames = _rendered(tmp_path, 100 + m, futures, steps=30)
    fp.write_text(mutate_lines(frames, MUTATIONS[m], m))
    variants = ({"on_error": "raise"}, {"on_error": "skip"})
    PATHS.assert_same(monkeypatch, fp, variants, format=FORMATS[futures], snapshot=sp, on_gap="resync")


@EDIT_SETTINGS
@given(seed=st.integers(0, 10_000), futures=st.booleans(), edits=EDITS)
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, futures, edits):
    """Random byte edits anywhere in rendered frames: both paths agree."""
    snap, frames = render_binance(random_history(random.Random(seed), 15), futures=futures)
    sp = tmp_path_factory.mktemp("snap") / "s.json"
    sp.write_text(snap)
    kw = {"format": FORMATS[futures], "snapshot": sp, "on_error": "skip", "on_gap": "resync"}
    PATHS.assert_edits_agree(tmp_path_factory, frames, edits, **kw)


@pytest.mark.parametrize("futures", [False, True])
def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path, futures):
    """Every rendered depthUpdate frame is decided in C: only the subscription reply
    is handed to the checked path."""
    sp, fp, frames = _rendered(tmp_path, 7, futures, steps=40)
    counter = HandbackCounter(monkeypatch, PATHS.reader)
    monkeypatch.setenv(SCAN_ENV, "1")
    r = feeds.replay(fp, format=FORMATS[futures], tick_size="0.01", lot_size="0.001", snapshot=sp)
    assert r.stats.messages > 1
    assert counter.n == sum(1 for ln in frames.splitlines() if json.loads(ln).get("e") != "depthUpdate") == 1


# ---- the sync rules inside the C loop (tb_json_sync.h) ------------------------------------

SNAP = {"lastUpdateId": 1000, "bids": [["100.00", "1.000"]], "asks": [["101.00", "2.000"]]}


def _ev(first, last, prev=None, bids=(), asks=(), sym="BTCUSDT", e=1_700_000_000_000, futures=False):
    d = {"e": "depthUpdate", "E": e, "s": sym, "U": first, "u": last}
    if futures:
        d["T"] = e - 1
        d["pu"] = last - 1 if prev is None else prev
    d["b"], d["a"] = [list(x) for x in bids], [list(x) for x in asks]
    return json.dumps(d, separators=(",", ":"))


def _write(tmp_path, lines, snap=SNAP, name="f"):
    sp = tmp_path / f"{name}.snap.json"
    sp.write_text(json.dumps(snap))
    return sp, write_lines(tmp_path, lines, name)


B1, A1 = [("100.00", "3.000")], [("101.00", "0.000")]

#: (name, futures, lines, handed back): the documented rules one by one
SYNC_CASES = [
    # spot: u <= lastUpdateId is stale (u == lid too); the first applied event straddles lid + 1
    ("stale_prefix", False, [_ev(990, 995), _ev(996, 1000), _ev(998, 1003, bids=B1)], 0),
    ("straddle_exact", False, [_ev(1001, 1001, bids=B1), _ev(1002, 1004, asks=A1)], 0),
    ("straddle_wide", False, [_ev(900, 1500, bids=B1), _ev(1501, 1502, asks=A1)], 0),
    ("first_too_new", False, [_ev(1002, 1004, bids=B1)], 1),  # U > lid + 1: a gap
    ("gap_in_middle", False, [_ev(1001, 1003, bids=B1), _ev(1004, 1005), _ev(1007, 1009, asks=A1)], 1),
    ("overlap_applies", False, [_ev(1001, 1005, bids=B1), _ev(1003, 1008, asks=A1)], 0),
    ("stale_after_sync", False, [_ev(1001, 1005, bids=B1), _ev(1002, 1004, asks=A1), _ev(1006, 1007)], 0),
    ("other_symbol", False, [_ev(1001, 1002, bids=B1), _ev(1003, 1009, sym="ETHUSDT"), _ev(1003, 1004)], 0),
    ("microseconds", False, [_ev(1001, 1002, bids=B1, e=1_700_000_000_000_000)], 0),
    ("ns_overflow", False, [_ev(1001, 1002, bids=B1, e=10**13)], 1),  # E * 1e6 does not fit int64
    (
        "wrapped",
        False,
        [
            '{"stream":"btcusdt@depth","data":' + _ev(1001, 1002, bids=B1) + "}",
            '{"data":' + _ev(1003, 1004, asks=A1) + ',"stream":"x"}',
        ],
        0,
    ),
    (
        "handback_between",
        False,
        [
            _ev(1001, 1002, bids=B1),
            '{"result":null,"id":7}',
            _ev(1003, 1003, asks=A1),
            "",
            "  \r",
            _ev(1004, 1005, bids=[("1e2", "5")]),
            _ev(1006, 1006, bids=[("100.005", "1")]),
        ],
        2,
    ),
    # futures: u < lastUpdateId stale (u == lid applies); first needs U <= lid; then pu == previous u
    ("f_stale_prefix", True, [_ev(990, 999, futures=True), _ev(995, 1000, 990, B1, futures=True)], 0),
    ("f_first_too_new", True, [_ev(1001, 1002, 1000, B1, futures=True)], 1),
    (
        "f_pu_chain",
        True,
        [
            _ev(999, 1003, 998, B1, futures=True),
            _ev(1004, 1006, 1003, (), A1, futures=True),
            _ev(1007, 1008, 1006, futures=True),
        ],
        0,
    ),
    ("f_pu_gap", True, [_ev(999, 1003, 998, B1, futures=True), _ev(1004, 1006, 1002, futures=True)], 1),
    ("f_pu_back", True, [_ev(999, 1003, 998, B1, futures=True), _ev(1001, 1002, 1003, A1, futures=True)], 0),
]


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_sync_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case, on_gap):
    _name, futures, lines, handed = case
    sp, fp = _write(tmp_path, lines)
    kw = {"format": FORMATS[futures], "snapshot": sp, "on_gap": on_gap, "on_error": "skip"}
    fast, slow = PATHS.both(monkeypatch, fp, **kw)
    assert fast == slow
    assert PATHS.handbacks(monkeypatch, fp, **kw) == handed  # the C loop decided every other line itself


def test_symbol_option_and_batches_same_as_msgspec(monkeypatch, tmp_path):
    lines = [_ev(1001, 1002, bids=B1, sym="ETHUSDT"), _ev(1001, 1002, bids=B1), _ev(1003, 1004, asks=A1)]
    sp, fp = _write(tmp_path, lines)
    variants = ({"symbol": "BTCUSDT"}, {"symbol": "ETHUSDT"}, {"symbol": "X" * 80}, {"batch_rows": 1})
    PATHS.assert_same(monkeypatch, fp, variants, format="binance", snapshot=sp)


def _random_stream(rng: random.Random, futures: bool, n: int) -> list[str]:
    """Frames around a snapshot at 1000: stale, straddling, overlapping, gaps, other
    symbols, wrapped frames and lines for the checked path, mixed at random."""
    out, u = [], rng.randrange(990, 1002)
    for _ in range(n):
        r = rng.random()
        lo = u + 1 if r < 0.7 else u - rng.randrange(0, 4) if r < 0.85 else u + rng.randrange(2, 4)
        hi = lo + rng.randrange(0, 3)
        prev = u if rng.random() < 0.9 else u - 1
        sym = "BTCUSDT" if rng.random() < 0.95 else "ETHUSDT"
        line = _ev(lo, hi, prev, random_levels(rng), random_levels(rng), sym=sym, futures=futures)
        w = rng.random()
        if w < 0.1:
            line = '{"stream":"btcusdt@depth","data":' + line + "}"
        elif w < 0.13:
            line = rng.choice(['{"result":null,"id":1}', "", "{not json", '{"e":"trade","s":"BTCUSDT"}'])
        out.append(line)
        if hi >= u:
            u = hi
    return out


@pytest.mark.parametrize("futures", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_random_sync_streams_same_as_msgspec(monkeypatch, tmp_path, seed, futures):
    rng = random.Random(seed)
    sp, fp = _write(tmp_path, _random_stream(rng, futures, 60))
    variants = ({"on_gap": "raise"}, {"on_gap": "resync", "on_error": "skip"},
                {"on_error": "skip", "batch_rows": 2})  # fmt: skip
    PATHS.assert_same(monkeypatch, fp, variants, format=FORMATS[futures], snapshot=sp)


@pytest.mark.parametrize("scan", ["0", "1"])
def test_event_time_out_of_range_is_a_feed_error(monkeypatch, tmp_path, scan):
    """Regression: E whose nanoseconds do not fit int64 (1e13 ms) raised OverflowError
    from numpy instead of a FeedError naming the line."""
    sp, fp = _write(tmp_path, [_ev(1001, 1002, bids=B1), _ev(1003, 1004, e=10**13)])
    monkeypatch.setenv(SCAN_ENV, scan)
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(fp, format="binance", tick_size="0.01", lot_size="0.001", snapshot=sp)
    assert ei.value.line == 2 and "'E'" in ei.value.reason


@pytest.mark.parametrize("futures", [False, True])
def test_layout_table_matches_the_msgspec_structs(futures):
    """The C layout table (tb_jscan_layouts) and binance.py's typed structs name the same
    required keys; the one optional key (futures T) is read and not used by either."""
    from tapebook._native import lib

    keys = layout(int(futures))
    struct = binance._FuturesEvent if futures else binance._Event
    assert {k for k, (_, req) in keys.items() if req} == set(struct.__struct_fields__)
    assert {k for k, (_, req) in keys.items() if not req} == ({"T"} if futures else set())
    roles = {k: r for k, (r, _) in keys.items()}
    assert roles["b"] == lib.TB_JSCAN_BIDS and roles["a"] == lib.TB_JSCAN_ASKS
    assert roles["U"] == lib.TB_JSCAN_FIRST and roles["u"] == lib.TB_JSCAN_LAST
    assert (
        roles["e"] == lib.TB_JSCAN_EVENT
        and roles["E"] == lib.TB_JSCAN_TIME
        and roles["s"] == lib.TB_JSCAN_SYMBOL
    )
    assert roles.get("pu") == (lib.TB_JSCAN_PREV if futures else None)
    assert len(set(roles.values())) == len(roles)  # each role once
    past = lib.TB_JSCAN_KRAKEN + 1  # the last row's index + 1
    assert layout_key_status(past, 0) == lib.TB_ERR_BADARG
