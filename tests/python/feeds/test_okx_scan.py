"""The C sync loop for OKX books frames (tb_json_okx.h via _okx_scan) against the
msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats (checksums
verified included) and the same errors on the fixtures, each seqId rule, rendered
random histories, mutated frames and Hypothesis-chosen edits — and how many lines the
C loop hands back."""

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
from render import okx_crc_from_strings, random_history, render_okx
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.feeds import okx
from tapebook.feeds._json_loop import SCAN_ENV

PATHS = ScanPaths(okx.OkxReader, format="okx", tick_size="0.01", lot_size="0.001")
both, handbacks = PATHS.both, PATHS.handbacks


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("checksum", [True, False])
@pytest.mark.parametrize("name", ["checksum_fail", "gap", "seq_chain"])
def test_fixtures_same_as_msgspec(monkeypatch, name, on_gap, checksum):
    fp = FIXTURES / "okx" / f"{name}.jsonl"
    fast, slow = both(monkeypatch, fp, lot_size="1", on_gap=on_gap, checksum=checksum)
    assert fast == slow


def _fr(action, prev, seq, bids=(), asks=(), inst="BTC-USDT", crc=0, ts="1597026383085", channel="books"):
    d = {
        "asks": [[p, q, "0", "1"] for p, q in asks],
        "bids": [[p, q, "0", "1"] for p, q in bids],
        "ts": ts,
        "checksum": crc,
        "prevSeqId": prev,
        "seqId": seq,
    }
    return json.dumps({"arg": {"channel": channel, "instId": inst}, "action": action, "data": [d]},
                      separators=(",", ":"))  # fmt: skip


B1, A1 = [("100.00", "3.000")], [("101.00", "2.000")]
S = functools.partial(_fr, "snapshot", -1)
U = functools.partial(_fr, "update")
EVENT = '{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}'
GOOD = okx_crc_from_strings([("100", "3")], [("101", "2")])  # the book after S(..., B1, A1)

#: (name, lines, handed back): the documented rules one by one
SYNC_CASES = [
    ("snapshot_then_updates", [S(10, B1, A1), U(10, 11, [("99.00", "1.000")]), U(11, 12)], 0),
    ("presync_updates", [U(1, 2, B1), S(20, B1, A1), U(20, 21)], 0),
    ("snapshot_resets", [S(10, B1, A1), U(10, 11, A1), S(90, [("98.00", "1")])], 0),
    ("keep_alive", [S(10, B1, A1), U(10, 10), U(10, 11, A1)], 0),
    ("maintenance_reset", [S(10, B1, A1), U(10, 3, A1), U(3, 4, B1)], 0),
    ("gap", [S(10, B1, A1), U(11, 12, A1), U(12, 13), S(60, B1)], 1),
    ("other_instrument", [S(10, B1, A1), U(10, 11, inst="ETH-USDT"), U(10, 11)], 0),
    ("event_and_other_channel", [EVENT, S(10, B1, A1), U(10, 11, channel="books5"), U(10, 11)], 2),
    ("unknown_action", [S(10, B1, A1), _fr("partial", 10, 11, A1), U(10, 11)], 1),
    ("checksum_ok", [S(10, B1, A1, crc=GOOD), U(10, 11, crc=GOOD)], 0),
    ("checksum_bad", [S(10, B1, A1, crc=GOOD + 1), U(10, 11, crc=GOOD)], 0),
    ("checksum_out_of_range", [S(10, B1, A1, crc=2**32), U(10, 11)], 1),
    ("ts_too_large", [S(10, B1, A1, ts=str(10**13)), U(10, 11)], 1),
    ("values_handed_back",
     [S(10, B1, A1), U(10, 11, [("1e2", "5")]), U(11, 12, [("100.005", "1")]), "", " \r"], 1),
]  # fmt: skip


@pytest.mark.parametrize("on_gap", ["raise", "resync"])
@pytest.mark.parametrize("case", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_sync_rules_in_c_same_as_msgspec(monkeypatch, tmp_path, case, on_gap):
    _name, lines, handed = case
    fp = write_lines(tmp_path, lines)
    PATHS.assert_same(
        monkeypatch, fp, ({"on_error": "skip"}, {"on_error": "skip", "checksum": False}), on_gap=on_gap
    )
    assert handbacks(monkeypatch, fp, on_gap=on_gap, on_error="skip") == handed


def test_bad_checksum_is_caught_on_the_c_path(monkeypatch, tmp_path):
    """The checksum the C loop read is verified: a wrong one raises under checksum=True."""
    fp = write_lines(tmp_path, [S(10, B1, A1, crc=GOOD + 1)])
    monkeypatch.setenv(SCAN_ENV, "1")
    with pytest.raises(feeds.ChecksumError):
        feeds.replay(fp, format="okx", tick_size="0.01", lot_size="0.001")
    r = feeds.replay(write_lines(tmp_path, [S(10, B1, A1, crc=GOOD)], "g"), format="okx", tick_size="0.01",
                     lot_size="0.001")  # fmt: skip
    assert r.stats.checksums_ok == 1


def _rendered(tmp_path, seed: int, steps: int = 120) -> tuple:
    frames = render_okx(random_history(random.Random(seed), steps))
    return write_frames(tmp_path, frames, f"frames{seed}"), frames


@pytest.mark.parametrize("seed", range(6))
def test_rendered_histories_same_as_msgspec(monkeypatch, tmp_path, seed):
    fp, _ = _rendered(tmp_path, seed)
    fast = PATHS.assert_real_replay(monkeypatch, fp)
    assert "checksums_ok=0" not in fast[2]  # the checksums were verified


def test_c_loop_takes_the_common_shape(monkeypatch, tmp_path):
    """Every rendered books frame is decided in C: only the subscription event goes back."""
    fp, frames = _rendered(tmp_path, 7, steps=40)
    assert (
        handbacks(monkeypatch, fp) == sum(1 for ln in frames.splitlines() if "event" in json.loads(ln)) == 1
    )


#: edits of one frame's text: each hands the line to the checked path or changes a value
MUTATIONS = [
    lambda s: s[: len(s) // 2],  # truncated
    lambda s: s.replace('"seqId":', '"seqId":"', 1).replace("}]}", '"}]}', 1),  # seqId a string
    lambda s: s.replace('"instId":"BTC-USDT"', '"instId":"BTC-\\u0055SDT"'),  # escape in the symbol
    lambda s: s.replace('"checksum":', '"checksum":1e3,"x":', 1),  # exponent
    lambda s: s.replace('"action":', '"extra":{"k":[1,2]},"action":', 1),  # extra field
    lambda s: s.replace('"data":[{', '"data":[{"extra":1,', 1),  # extra data field
    lambda s: s.replace('"checksum":', '"checksum":-0,"x":', 1),  # negative zero
    lambda s: s.replace('"checksum":', '"checksum":123456789012345678901234567890,"x":', 1),  # huge
    lambda s: s.replace('"checksum":', '"checksum":4294967295,"x":', 1),  # a wrong unsigned checksum
    lambda s: s.replace('["', '["-0', 1),  # a negative-zero price digit run
    lambda s: s.replace('["', '["9999999999999999999999', 1),  # huge price
    lambda s: s.replace('","0","1"]', '5","0","1"]', 1),  # not a whole number of lots
    lambda s: s.replace('","0","1"]', 'e2","0","1"]', 1),  # exponent in a size
    lambda s: s.replace('"action":"update"', '"action":"snapshot"'),  # an update becomes a snapshot
    lambda s: s.replace("BTC-USDT", "ETH-USDT"),  # another instrument
    lambda s: s.replace('"seqId"', '"seqId":1,"seqId"', 1),  # duplicate key
    lambda s: " \t" + s + " \r",  # whitespace around
    lambda s: s.replace(',"0","1"]', "]", 1),  # two strings a level
    lambda s: s.replace('"ts":"', '"ts":"0', 1),  # leading zero in ts
    lambda s: s.replace('"prevSeqId":', '"prevSeqId":-', 1),  # negative prevSeqId: a gap
    lambda s: s.replace("}]}", "},{}]}", 1),  # two data objects
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
    text = render_okx(random_history(random.Random(seed), 15))
    PATHS.assert_edits_agree(tmp_path_factory, text, edits, on_error="skip", on_gap="resync")


def test_layout_row_matches_the_msgspec_struct():
    """The TB_JSCAN_OKX row of tb_jscan_layouts and okx.py's _Data name the same keys;
    checksum is the optional one."""
    from tapebook._native import lib

    check_layout_row(lib.TB_JSCAN_OKX, okx._Data, {"checksum"}, {
        "asks": lib.TB_JSCAN_ASKS, "bids": lib.TB_JSCAN_BIDS, "ts": lib.TB_JSCAN_TIME,
        "checksum": lib.TB_JSCAN_CHECKSUM, "prevSeqId": lib.TB_JSCAN_PREV, "seqId": lib.TB_JSCAN_LAST,
    }, optional_in_struct=True)  # fmt: skip
