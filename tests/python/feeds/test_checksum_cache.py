"""The level-text cache of the venue checksums (tb_crc_cache, kept by the replay engine
across batches): hand-made OKX and Kraken histories that exercise what could make a
cached text stale — a size changing again and again at one price, a level pushed out of
the checked top and back, prices 64 ticks apart (one cache slot), snapshot resets to the
same prices with other sizes, a resync after a gap — verified in the C loop (cached)
against the checksums verified one by one in Python (uncached), with the renderer's
checksums computed from the venue's strings; and a corrupted checksum after all that is
still caught."""

from __future__ import annotations

import json

import numpy as np
import pytest
import render

from tapebook import feeds
from tapebook.feeds import _engine

KW = {"tick_size": "0.01", "lot_size": "0.001"}


def _px(ticks: int) -> str:
    return render.fmt(ticks, 2)


def _qty(lots: int) -> str:
    return render.fmt(lots, 3)


def _book(mid: int, n: int, size: int, step: int = 4) -> tuple:
    """n levels a side ``step`` ticks apart (4: the top 25 spans 97 ticks, so prices 64
    apart, one cache slot, are both in it)."""
    bids = [(_px(mid - 1 - step * i), _qty(size + i)) for i in range(n)]
    asks = [(_px(mid + 1 + step * i), _qty(size + 2 * i)) for i in range(n)]
    return ("snapshot", bids, asks)


def _history() -> list[tuple]:
    mid = 1_000_000
    h: list[tuple] = [_book(mid, 30, 100)]
    for k in range(40):  # one price, a new size every step (its cached price kept, size rewritten)
        h.append(("delta", [(True, _px(mid - 1), _qty(500 + k)), (False, _px(mid + 5), _qty(900 + (k % 3)))]))
    for k in range(10):  # a level inserted at the top pushes the last one out of the checked top, and back
        h.append(("delta", [(True, _px(mid), _qty(7 + k))]))
        h.append(("delta", [(True, _px(mid), _qty(0)), (False, _px(mid + 1), _qty(0))]))
        h.append(("delta", [(False, _px(mid + 1), _qty(11 + k))]))
    for k in range(10):  # bids 64 ticks apart (one slot), both in the top 25: one leaves, the other changes
        h.append(("delta", [(True, _px(mid - 21), _qty(0)), (True, _px(mid - 85), _qty(3 + k))]))
        h.append(("delta", [(True, _px(mid - 85), _qty(0)), (True, _px(mid - 21), _qty(5 + k))]))
        h.append(("delta", [(True, _px(mid - 85), _qty(8 + k))]))
    h.append(_book(mid, 30, 333))  # a snapshot: the same prices, other sizes
    h.append(_book(mid + 64, 28, 100, step=1))  # 64 ticks away, dense: slots reused by other prices
    for k in range(20):
        h.append(("delta", [(k % 2 == 0, _px(mid + 64 + (-5 if k % 2 == 0 else 5)), _qty(40 + k))]))
    return h


def _okx_with_gap(text: str) -> str:
    """A gap (prevSeqId off by one) in the third update with levels before the late
    snapshots: resync from the first of them."""
    lines = text.splitlines()
    snaps = [i for i, ln in enumerate(lines) if '"snapshot"' in ln]
    ups = [i for i, ln in enumerate(lines[: snaps[-2]]) if '"update"' in ln and "[[" in ln]
    i = ups[-3]
    obj = json.loads(lines[i])
    obj["data"][0]["prevSeqId"] += 1
    lines[i] = json.dumps(obj)
    return "\n".join(lines) + "\n"


def _corrupt_last(text: str, fmt: str) -> str:
    lines = text.splitlines()
    i = max(j for j, ln in enumerate(lines) if '"update"' in ln and ('"bids"' in ln or '"asks"' in ln))
    obj = json.loads(lines[i])
    obj["data"][0]["checksum"] = (int(obj["data"][0]["checksum"]) + 1) % (1 << 31)
    lines[i] = json.dumps(obj)
    return "\n".join(lines) + "\n"


def _render(fmt: str, h: list[tuple]) -> str:
    return render.render_kraken(h, depth=10)[0] if fmt == "kraken" else render.render_okx(h)


def _replay(path, fmt: str, in_c: bool, monkeypatch: pytest.MonkeyPatch, **kw: object):
    monkeypatch.setattr(_engine.Engine, "c_checksums", in_c)
    try:
        return feeds.replay(path, format=fmt, **KW, **kw), None
    except feeds.FeedError as e:
        return None, (type(e).__name__, e.line, e.reason)


@pytest.mark.parametrize("fmt", ["okx", "kraken"])
@pytest.mark.parametrize("batch_rows", [1 << 16, 7])  # one batch, and the cache carried across many
def test_cached_checksums_verify_every_frame(tmp_path, monkeypatch, fmt: str, batch_rows: int) -> None:
    h = _history()
    p = tmp_path / f"{fmt}.jsonl"
    p.write_text(_render(fmt, h))
    rc, ec = _replay(p, fmt, True, monkeypatch, batch_rows=batch_rows)
    rp, ep = _replay(p, fmt, False, monkeypatch, batch_rows=batch_rows)
    assert ec is None and ep is None
    assert rc.stats.checksums_ok == len(h) and rc.stats.checksums_failed == 0  # every frame carries one
    assert rc.stats == rp.stats and np.array_equal(rc.bbo, rp.bbo)


@pytest.mark.parametrize("fmt", ["okx", "kraken"])
def test_corrupted_checksum_after_the_history_is_caught(tmp_path, monkeypatch, fmt: str) -> None:
    p = tmp_path / f"{fmt}.jsonl"
    p.write_text(_corrupt_last(_render(fmt, _history()), fmt))
    rc, ec = _replay(p, fmt, True, monkeypatch)
    _, ep = _replay(p, fmt, False, monkeypatch)
    assert rc is None and ec is not None and ec[0] == "ChecksumError" and ec == ep


def test_resync_after_a_gap_keeps_verifying(tmp_path, monkeypatch) -> None:
    h = _history()
    p = tmp_path / "okx.jsonl"
    p.write_text(_okx_with_gap(render.render_okx(h)))
    rc, ec = _replay(p, "okx", True, monkeypatch, on_gap="resync")
    rp, ep = _replay(p, "okx", False, monkeypatch, on_gap="resync")
    assert ec is None and ep is None
    assert rc.stats.gaps == 1 and rc.stats.resyncs == 1 and rc.stats.checksums_failed == 0
    assert rc.stats.checksums_ok > len(h) - 30  # all but the frames skipped out of sync
    assert rc.stats == rp.stats and np.array_equal(rc.bbo, rp.bbo)
