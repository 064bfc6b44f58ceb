"""kraken: v2 book, depth truncation, CRC32 (fixtures README)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

D = FIXTURES / "kraken"
KW = dict(format="kraken", tick_size="0.1", lot_size="0.00000001")


def test_the_guides_worked_example_checksum():
    r = feeds.replay(D / "doc_checksum.jsonl", **KW)
    assert bbo_rows(r) == [(0, 452835, 10000000, 452852, 100000, 1)]
    assert (r.stats.checksums_ok, r.stats.checksums_failed) == (1, 0)
    # 2023-10-06T17:35:55.440295Z
    assert r.bbo["ts"][0] == 1696613755 * 10**9 + 440295000


def test_truncation_to_the_subscribed_depth():
    r = feeds.replay(D / "truncation.jsonl", **KW)
    assert bbo_rows(r) == [
        (0, 452835, 10000000, 452852, 100000, 1),
        (1, 452836, 50000000, 452852, 100000, 0),
        (2, 452836, 50000000, 452864, 154571953, 0),
    ]
    assert (r.stats.checksums_ok, r.stats.checksums_failed, r.stats.skipped) == (3, 0, 3)
    bids = r.book.levels(True, k=20)
    asks = r.book.levels(False, k=20)
    assert len(bids) == 10 and bids[-1][0] == 452773  # 45276.6 pushed out, no delete sent
    assert len(asks) == 10 and asks[-1][0] == 453001


def test_without_truncation_the_pushed_out_level_stays():
    # a wrong subscribed depth keeps the 11th bid: what truncation is for
    r = feeds.replay(D / "truncation.jsonl", book_depth=25, **KW)
    assert len(r.book.levels(True, k=20)) == 11


def test_checksum_failure():
    with pytest.raises(feeds.ChecksumError) as ei:
        feeds.replay(D / "checksum_fail.jsonl", **KW)
    assert ei.value.line == 3 and "1267292553" in ei.value.reason
    r = feeds.replay(D / "checksum_fail.jsonl", on_gap="resync", **KW)
    assert bbo_rows(r)[-2:] == [
        (2, 452835, 10000000, 452852, 100000, 1 | 4),
        (3, 452836, 50000000, 452852, 100000, 0),
    ]
    assert (r.stats.checksums_failed, r.stats.resyncs) == (1, 1)
    r = feeds.replay(D / "checksum_fail.jsonl", checksum=False, **KW)
    assert r.stats.checksums_failed == 0 and len(r.bbo) == 4


def test_precision_options():
    r = feeds.replay(D / "truncation.jsonl", price_precision=1, qty_precision=8, **KW)
    assert r.stats.checksums_ok == 3
    # too few decimals for the values sent: a FeedError asking for the instrument's precision
    with pytest.raises(feeds.FeedError, match="qty_precision"):
        feeds.replay(D / "truncation.jsonl", price_precision=1, qty_precision=4, **KW)
