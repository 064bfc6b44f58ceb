"""bitstamp: diff_order_book after the REST book, matched on microtimestamp (fixtures README)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

D = FIXTURES / "bitstamp"
KW = dict(format="bitstamp", tick_size="0.01", lot_size="0.00000001", snapshot=D / "snapshot.json")


def test_frames_at_or_before_the_snapshot_are_stale():
    r = feeds.replay(D / "stale_prefix.jsonl", **KW)
    assert bbo_rows(r) == [
        (0, 3695000, 50000000, 3695510, 8000000, 1),
        (1, 3694900, 100000000, 3695500, 1000000, 0),
        (2, 3695250, 30000000, 3695510, 8000000, 0),
    ]
    assert r.bbo["ts"].tolist()[:2] == [1643643584684047000, 1643643584684048000]
    assert (r.stats.stale, r.stats.skipped, r.stats.resets) == (2, 3, 1)
    assert r.status == "complete"


def test_snapshot_is_required():
    with pytest.raises(ValueError, match="snapshot"):
        feeds.replay(D / "stale_prefix.jsonl", format="bitstamp", tick_size="0.01", lot_size="0.00000001")
