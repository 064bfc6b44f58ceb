"""The C scanner for Binance frames (tb_json_scan.h via _binance_scan) against the
msgspec path (TAPEBOOK_JSON_SCAN=0): the same r.bbo, r.depth, r.stats and the same
errors (type, path, line, reason) on the fixtures, rendered random histories,
mutated frames and Hypothesis-chosen edits."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render import random_history, render_binance
from venue_fixtures import FIXTURES

from tapebook import feeds
from tapebook.config import Instrument
from tapebook.feeds._binance_scan import SCAN_ENV

FORMATS = ("binance", "binance-futures")


def _plain(v):
    """Arrays (and dicts / tuples of them) in a form comparable with ==."""
    if hasattr(v, "tobytes"):  # structured rows may hold sub-arrays: compare dtype and bytes
        return (str(v.dtype), v.shape, v.tobytes())
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return repr(v)


def outcome(monkeypatch, path, fmt: str, snapshot, **kw) -> tuple:
    """What a replay gives (or the error it raises), comparable across paths."""
    try:
        r = feeds.replay(
            path, format=fmt, tick_size="0.01", lot_size="0.001", snapshot=snapshot, depth=3, **kw
        )
    except feeds.FeedError as e:
        return ("error", type(e).__name__, str(e))
    s = r.stats
    return (
        r.bbo.tolist(),
        _plain(r.depth),
        repr(s),
        r.status,
        r.stop_reason,
    )


def both(monkeypatch, path, fmt: str, snapshot, **kw) -> tuple[tuple, tuple]:
    monkeypatch.setenv(SCAN_ENV, "1")
    fast = outcome(monkeypatch, path, fmt, snapshot, **kw)
    monkeypatch.setenv(SCAN_ENV, "0")
    slow = outcome(monkeypatch, path, fmt, snapshot, **kw)
    return fast, slow


@pytest.mark.parametrize("on_error", ["raise", "skip"])
@pytest.mark.parametrize(
    "fmt,name",
    [("binance", n) for n in ("stale_prefix", "gap", "first_gap", "unparseable")]
    + [("binance-futures", "pu_chain")],
)
def test_fixtures_same_as_msgspec(monkeypatch, fmt, name, on_error):
    d = FIXTURES / fmt
    fast, slow = both(monkeypatch, d / f"{name}.jsonl", fmt, d / "snapshot.json", on_error=on_error)
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
    fmt = FORMATS[futures]
    fast, slow = both(monkeypatch, fp, fmt, sp)
    assert fast == slow
    assert fast[0]  # a real replay, not two equal errors
    # small batches: frames split across batches give the same result
    assert both(monkeypatch, fp, fmt, sp, batch_rows=3) == (fast, fast)


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
    lines = frames.splitlines()
    rng = random.Random(m)
    for k in rng.sample(range(3, len(lines)), 3):
        lines[k] = MUTATIONS[m](lines[k])
    fp.write_text("\n".join(lines) + "\n")
    fmt = FORMATS[futures]
    for on_error in ("raise", "skip"):
        fast, slow = both(monkeypatch, fp, fmt, sp, on_error=on_error, on_gap="resync")
        assert fast == slow


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 10_000),
    futures=st.booleans(),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.text(min_size=0, max_size=4)),
                   max_size=4),
)  # fmt: skip
def test_hypothesis_edits_same_as_msgspec(tmp_path_factory, seed, futures, edits):
    """Random byte edits anywhere in rendered frames: both paths agree."""
    d = tmp_path_factory.mktemp("hyp")
    snap, frames = render_binance(random_history(random.Random(seed), 15), futures=futures)
    text = frames
    for at, cut, ins in edits:
        i = at % (len(text) + 1)
        text = text[:i] + ins + text[i + cut % 3 :]
    (d / "s.json").write_text(snap)
    (d / "f.jsonl").write_text(text, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    try:
        fast, slow = both(mp, d / "f.jsonl", FORMATS[futures], d / "s.json", on_error="skip", on_gap="resync")
    finally:
        mp.undo()
    assert fast == slow


def test_scanner_takes_the_common_shape(tmp_path):
    """The rendered frames are recognised by the scanner (not all handed back)."""
    from tapebook._native import ffi, lib
    from tapebook.feeds._binance_scan import _Out

    _, _, frames = _rendered(tmp_path, 7, False, steps=20)
    data = frames.encode()
    out = _Out(4096, 4096)
    consumed = ffi.new("size_t *")
    unit = Instrument(tick_size="0.01", lot_size="0.001")._units()
    rc = lib.tb_jscan_binance(data, len(data), 1, 0, unit[0].c, unit[1].c, out.c, consumed)
    assert rc == lib.TB_JSCAN_DONE
    kinds = out.frame_cols["kind"][: int(out.c.n_frames)].tolist()
    n_book = sum(1 for ln in frames.splitlines() if json.loads(ln).get("e") == "depthUpdate")
    assert kinds.count(lib.TB_JSCAN_FRAME) == n_book
