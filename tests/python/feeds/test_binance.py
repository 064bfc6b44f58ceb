"""binance / binance-futures: the "manage a local order book" rules, fixture by fixture
(tests/fixtures/feeds/binance*/README.md names the document of each)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

SPOT = FIXTURES / "binance"
FUT = FIXTURES / "binance-futures"


def spot(name: str, **kw):
    return feeds.replay(SPOT / name, format="binance", tick_size="0.01", lot_size="0.001",
                        snapshot=SPOT / "snapshot.json", **kw)  # fmt: skip


def test_stale_prefix_straddle_and_combined_wrapper():
    r = spot("stale_prefix.jsonl")
    assert bbo_rows(r) == [
        (160, 10000, 1000, 10002, 1500, 1),  # the REST book, lastUpdateId 160
        (163, 10000, 500, 10002, 1500, 0),  # U=158 <= 161 <= u=163
        (164, 10000, 500, 10001, 250, 0),
        (166, 9999, 2000, 10001, 250, 0),  # combined-stream wrapper
    ]
    assert r.bbo["ts"].tolist() == [0, 1672515782136 * 10**6, 1672515782236 * 10**6, 1672515782336 * 10**6]
    s = r.stats
    assert (s.messages, s.stale, s.skipped, s.resets, s.gaps) == (4, 2, 1, 1, 0)


def test_gap_raises_naming_both_ids():
    with pytest.raises(feeds.GapError) as ei:
        spot("gap.jsonl")
    e = ei.value
    assert e.line == 2 and e.path.endswith("gap.jsonl")
    assert "162" in e.reason and "165" in e.reason


def test_gap_under_resync_stops_there():
    r = spot("gap.jsonl", on_gap="resync")
    assert [row[0] for row in bbo_rows(r)] == [160, 162]  # nothing after line 2
    assert r.stats.gaps == 1
    assert r.book.best_bid_qty() == 500
    assert r.status == "stopped" and "gap.jsonl:2" in r.stop_reason and "165" in r.stop_reason


def test_first_event_must_straddle():
    with pytest.raises(feeds.GapError) as ei:
        spot("first_gap.jsonl")
    assert ei.value.line == 1 and "161" in ei.value.reason and "170" in ei.value.reason


def test_unparseable_frame():
    with pytest.raises(feeds.FeedError) as ei:
        spot("unparseable.jsonl")
    assert ei.value.line == 2 and not isinstance(ei.value, feeds.GapError)
    r = spot("unparseable.jsonl", on_error="skip")
    assert [row[0] for row in bbo_rows(r)] == [160, 162, 164]
    assert r.stats.skipped == 1


def test_snapshot_is_required():
    with pytest.raises(ValueError, match="snapshot"):
        feeds.replay(SPOT / "gap.jsonl", format="binance", tick_size="0.01", lot_size="0.001")


def test_futures_pu_chain():
    kw = dict(format="binance-futures", tick_size="0.1", lot_size="0.001", snapshot=FUT / "snapshot.json")
    with pytest.raises(feeds.GapError) as ei:
        feeds.replay(FUT / "pu_chain.jsonl", **kw)
    assert ei.value.line == 4 and "165" in ei.value.reason and "164" in ei.value.reason
    r = feeds.replay(FUT / "pu_chain.jsonl", on_gap="resync", **kw)
    assert bbo_rows(r) == [
        (160, 95176, 10000, 95185, 45000, 1),  # REST book (E given: ts set)
        (160, 95176, 12000, 95185, 45000, 0),  # U=158 <= 160 <= u=160: applied
        (165, 95176, 12000, 95186, 1000, 0),
    ]
    assert r.bbo["ts"][0] == 1591270260907 * 10**6
    assert (r.stats.stale, r.stats.gaps) == (1, 1)
