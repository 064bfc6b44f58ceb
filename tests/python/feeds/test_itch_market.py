"""The benchmark's market-like ITCH day (tapebook.testing.itch_market): every message type
the bench means it to have, its stock's book never crossed or locked, and replayed it is
what the L3 reference model makes of its decoded rows — on the direct path, the reader
path and into the final L3Book."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from l3_helpers import apply_mbo_batches, book_state, l3book_matches, replay_bbo
from test_itch_direct import assert_same, both

from tapebook import feeds
from tapebook.testing.itch_market import market_day

KW: dict[str, Any] = dict(format="itch", tick_size="0.0001", lot_size="1")


def test_message_mix() -> None:
    w = market_day(3, 6000)
    kinds = Counter(chr(m[0]) for m in w.messages)
    assert set(kinds) == set("SRAFEXDCUP")
    assert kinds["S"] == 6 and kinds["R"] == 4
    assert 0.35 < kinds["A"] / len(w.messages) < 0.6  # adds and deletes dominate, as on NASDAQ
    assert kinds["E"] + kinds["C"] > 100 and kinds["U"] > 100


@pytest.mark.parametrize("seed", [0, 1])
def test_uncrossed_and_the_reference_book(tmp_path: Path, seed: int) -> None:
    path = market_day(seed, 8000, resting=300).write(tmp_path / "m.itch")
    ref, bbo = apply_mbo_batches(list(feeds.read_mbo(path, symbol="AAPL", **KW)))
    assert len(bbo) > 5000
    assert all(bq == 0 or aq == 0 or bp < ap for bp, bq, ap, aq in bbo)  # never crossed nor locked
    assert sum(bq > 0 and aq > 0 for _, bq, _, aq in bbo) > 0.95 * len(bbo)  # both sides quoted
    r = feeds.replay(path, symbol="AAPL", on_crossed="raise", max_orders=1 << 16, **KW)
    assert replay_bbo(r) == bbo and r.stats.crossed == 0
    l3book_matches(r, ref)
    assert r.l3_counts.get("unknown_id", 0) == 0 and r.l3_counts.get("overcancel", 0) == 0
    assert book_state(ref)[0] and book_state(ref)[1]


def test_direct_and_reader_paths_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = market_day(2, 6000).write(tmp_path / "m.itch")
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=3)
    assert_same(direct, reader)
    assert direct.stats.crossed == 0 and len(direct.bbo) > 4000
