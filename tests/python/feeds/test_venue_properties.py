"""Property tests: random book histories rendered into every JSON venue's frames (with
the venues' checksums, computed from strings by render.py) and replayed must reproduce
the reference book after every message; the same history in every format gives the
same BBO series.

The reference is render.py's plain dict of decimal strings (StrBook), converted to ticks
with Decimal arithmetic here — independent of the C conversion, the engine and the
readers.
"""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
import render

from tapebook import feeds

TICK, LOT = Decimal("0.01"), Decimal("0.001")
K = 5  # depth rows compared after every message
SEEDS = range(6)


def ticks(p: str) -> int:
    return int(Decimal(p) / TICK)


def lots(q: str) -> int:
    return int(Decimal(q) / LOT)


def expected_views(history: list[tuple]) -> list[tuple[list, list]]:
    """The full reference book after every step, as (bids, asks) of (ticks, lots)."""
    book = render.StrBook()
    out = []
    for step in history:
        if step[0] == "snapshot":
            book.load(step[1], step[2])
        else:
            for is_bid, p, q in step[1]:
                book.set(is_bid, p, q)
        out.append(_ticks(book.top(True), book.top(False)))
    return out


def _ticks(bids: list, asks: list) -> tuple[list, list]:
    return [(ticks(p), lots(q)) for p, q in bids], [(ticks(p), lots(q)) for p, q in asks]


def check(r, views: list[tuple[list, list]]) -> None:
    assert len(r.bbo) == len(views)
    for i, (bids, asks) in enumerate(views):
        row, d = r.bbo[i], r.depth[i]
        assert int(row["bid_qty"]) == (bids[0][1] if bids else 0), i
        assert int(row["ask_qty"]) == (asks[0][1] if asks else 0), i
        if bids:
            assert int(row["bid_px"]) == bids[0][0], i
        if asks:
            assert int(row["ask_px"]) == asks[0][0], i
        got_b = [(int(p), int(q)) for p, q in zip(d["bid_px"], d["bid_qty"], strict=True) if q]
        got_a = [(int(p), int(q)) for p, q in zip(d["ask_px"], d["ask_qty"], strict=True) if q]
        assert got_b == bids[:K] and got_a == asks[:K], i
    bids, asks = views[-1]
    assert r.book.levels(True, k=10_000) == bids and r.book.levels(False, k=10_000) == asks


def replay(tmp_path, fmt: str, frames: str, snapshot: str | None = None, **kw):
    path = tmp_path / f"{fmt}.jsonl"
    path.write_text(frames)
    if snapshot is not None:
        snap = tmp_path / f"{fmt}_snapshot.json"
        snap.write_text(snapshot)
        kw["snapshot"] = snap
    return feeds.replay(path, format=fmt, tick_size=str(TICK), lot_size=str(LOT), depth=K, **kw)


def history(seed: int) -> list[tuple]:
    return render.random_history(random.Random(seed), steps=120)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ["binance", "binance-futures"])
def test_binance(tmp_path, seed, fmt):
    h = history(seed)
    snap, frames = render.render_binance(h, futures=fmt == "binance-futures")
    r = replay(tmp_path, fmt, frames, snap)
    check(r, expected_views(h))
    assert r.stats.stale == 2 and r.stats.gaps == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_coinbase(tmp_path, seed):
    h = history(seed)
    r = replay(tmp_path, "coinbase", render.render_coinbase(h), symbol="BTC-USD")
    check(r, expected_views(h))
    assert r.stats.gaps == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_kraken(tmp_path, seed):
    h = history(seed)
    frames, views = render.render_kraken(h, depth=10)
    r = replay(tmp_path, "kraken", frames)
    check(r, [_ticks(b, a) for b, a in views])
    assert r.stats.checksums_ok == len(views) and r.stats.checksums_failed == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_okx(tmp_path, seed):
    h = history(seed)
    r = replay(tmp_path, "okx", render.render_okx(h))
    check(r, expected_views(h))
    assert r.stats.checksums_ok == len(h) and r.stats.checksums_failed == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_bybit(tmp_path, seed):
    h = history(seed)
    r = replay(tmp_path, "bybit", render.render_bybit(h))
    check(r, expected_views(h))


@pytest.mark.parametrize("seed", SEEDS)
def test_bitstamp(tmp_path, seed):
    h = history(seed)
    rest, frames = render.render_bitstamp(h)
    r = replay(tmp_path, "bitstamp", frames, rest)
    check(r, expected_views(h))
    assert r.stats.stale == 1


def test_one_history_every_format_same_bbo(tmp_path):
    h = history(99)
    runs = {
        "binance": replay(tmp_path, "binance", *reversed(render.render_binance(h))),
        "binance-futures": replay(tmp_path, "binance-futures", *reversed(render.render_binance(h, True))),
        "coinbase": replay(tmp_path, "coinbase", render.render_coinbase(h)),
        "kraken": replay(tmp_path, "kraken", render.render_kraken(h)[0]),
        "okx": replay(tmp_path, "okx", render.render_okx(h)),
        "bybit": replay(tmp_path, "bybit", render.render_bybit(h)),
        "bitstamp": replay(tmp_path, "bitstamp", *reversed(render.render_bitstamp(h))),
    }
    cols = ["bid_px", "bid_qty", "ask_px", "ask_qty"]
    base = runs["coinbase"].bbo[cols]
    for name, r in runs.items():
        assert np.array_equal(r.bbo[cols], base), name


def test_library_checksums_agree_with_string_checksums():
    """The readers' tick-based checksum functions against render.py's string ones."""
    from tapebook.feeds._checksums import KrakenChecksum, OkxChecksum

    rng = random.Random(7)
    kr = KrakenChecksum(TICK, LOT, 2, 3)
    ok = OkxChecksum(TICK, LOT)
    for _ in range(300):
        _, bids, asks = render.random_history(rng, 0)[0]
        tb, ta = _ticks(bids, asks)
        assert kr(tb, ta) == render.kraken_crc_from_strings(bids, asks)
        cb = [(render.canonical(p), render.canonical(q)) for p, q in bids]
        ca = [(render.canonical(p), render.canonical(q)) for p, q in asks]
        assert ok(tb, ta) == render.okx_crc_from_strings(cb, ca)
