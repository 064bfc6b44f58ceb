"""Kraken / OKX checksums verified inside the C replay loop (ChecksumSpec.c_params)
against the same checksums verified one by one in Python (Engine.c_checksums = False):
the same BBO rows and stats on random histories, and the same ChecksumError (or resync)
when one frame's checksum is corrupted."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import render

from tapebook import feeds
from tapebook.feeds import _engine

KW = {"tick_size": "0.01", "lot_size": "0.001", "depth": 3}


def _frames(fmt: str, seed: int) -> str:
    h = render.random_history(random.Random(seed), steps=150)
    return render.render_kraken(h, depth=10)[0] if fmt == "kraken" else render.render_okx(h)


def _corrupt(frames: str, rng: random.Random) -> str:
    """One update frame with levels (not a keep-alive) gets a wrong checksum."""
    lines = frames.splitlines()
    idx = []
    for i, ln in enumerate(lines):
        obj = json.loads(ln)
        data = obj.get("data") if isinstance(obj, dict) else None
        if (
            obj.get("type", obj.get("action")) == "update"
            and data
            and (data[0].get("bids") or data[0].get("asks"))
        ):
            idx.append(i)
    i = rng.choice(idx[len(idx) // 2 :])
    obj = json.loads(lines[i])
    obj["data"][0]["checksum"] = (int(obj["data"][0]["checksum"]) + 12345) % (1 << 31)
    lines[i] = json.dumps(obj)
    return "\n".join(lines) + "\n"


def _run(path, fmt: str, in_c: bool, monkeypatch: pytest.MonkeyPatch, **kw: object):
    monkeypatch.setattr(_engine.Engine, "c_checksums", in_c)
    try:
        return feeds.replay(path, format=fmt, **KW, **kw), None
    except feeds.FeedError as e:
        return None, (type(e).__name__, e.line, e.reason)


@pytest.mark.parametrize("fmt", ["kraken", "okx"])
@pytest.mark.parametrize("seed", range(3))
def test_c_and_python_verification_agree(tmp_path, monkeypatch, fmt: str, seed: int) -> None:
    rng = random.Random(seed)
    frames = _frames(fmt, seed)
    for text in (frames, _corrupt(frames, rng)):
        p = tmp_path / f"{fmt}.jsonl"
        p.write_text(text)
        for on_gap in ("raise", "resync"):
            rc, ec = _run(p, fmt, True, monkeypatch, on_gap=on_gap)
            rp, ep = _run(p, fmt, False, monkeypatch, on_gap=on_gap)
            assert ec == ep
            if rc is not None:
                assert np.array_equal(rc.bbo, rp.bbo) and np.array_equal(rc.depth, rp.depth)
                assert rc.stats == rp.stats and rc.stats.checksums_ok > 50
    assert ec is not None or rc.stats.checksums_failed == 1  # the corrupted frame was caught
