"""bybit: v5 orderbook snapshot/delta, contiguous u, u = 1 restarts (fixtures README)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

D = FIXTURES / "bybit"
KW = dict(format="bybit", tick_size="0.01", lot_size="0.001")


def test_u_equal_1_is_a_snapshot():
    r = feeds.replay(D / "restart.jsonl", **KW)
    assert bbo_rows(r) == [
        (100, 1649350, 6, 1661100, 29, 1),
        (101, 1649300, 100, 1661100, 29, 0),
        (102, 1649300, 100, 1661000, 1000, 0),
        (1, 1640000, 2000, 1650000, 3000, 1),  # the book was overwritten
        (2, 1640100, 500, 1650000, 3000, 0),
    ]
    assert (r.stats.resets, r.stats.skipped, r.stats.gaps) == (2, 1, 0)
    assert r.bbo["ts"][0] == 1672304484976 * 10**6  # cts
    assert len(r.book.levels(True, k=10)) == 2


def test_gap():
    with pytest.raises(feeds.GapError) as ei:
        feeds.replay(D / "gap.jsonl", **KW)
    assert ei.value.line == 3 and "101" in ei.value.reason and "103" in ei.value.reason
    r = feeds.replay(D / "gap.jsonl", on_gap="resync", **KW)
    assert [(row[0], row[5]) for row in bbo_rows(r)] == [(100, 1), (101, 0), (200, 5), (201, 0)]
    assert (r.stats.gaps, r.stats.resyncs, r.stats.skipped) == (1, 1, 1)
