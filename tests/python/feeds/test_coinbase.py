"""coinbase: l2_data snapshot/update, sequence_num connection-wide (fixtures README)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

D = FIXTURES / "coinbase"
KW = dict(format="coinbase", tick_size="0.01", lot_size="0.00000001", symbol="BTC-USD")
E8 = 10**8


def test_other_channels_take_sequence_numbers_without_a_gap():
    r = feeds.replay(D / "other_channels.jsonl", **KW)
    assert bbo_rows(r) == [
        (1, 2192173, 6317902, 2192174, 150000000, 1),
        (3, 2192130, 2000000, 2192174, 150000000, 0),
        (6, 2192150, 2 * E8, 2192174, 75000000, 0),
    ]
    # 2023-02-09T20:32:50.714964855Z, exactly
    assert r.bbo["ts"][0] == 1675974770 * 10**9 + 714964855
    s = r.stats
    assert (s.messages, s.skipped, s.gaps, s.resets) == (3, 4, 0, 1)


def test_gap_in_the_connection_sequence():
    with pytest.raises(feeds.GapError) as ei:
        feeds.replay(D / "gap.jsonl", **KW)
    assert ei.value.line == 3 and "sequence_num=1" in ei.value.reason and "sequence_num=3" in ei.value.reason
    r = feeds.replay(D / "gap.jsonl", on_gap="resync", **KW)
    assert bbo_rows(r) == [
        (0, 10000, E8, 10005, 2 * E8, 1),
        (1, 10001, E8 // 2, 10005, 2 * E8, 0),
        (5, 10003, 4 * E8, 10006, E8, 1 | 4),  # the next snapshot ends the resync
        (6, 10003, 4 * E8, 10005, 3 * E8, 0),
    ]
    assert (r.stats.gaps, r.stats.resyncs) == (1, 1)


def test_gaps_undetectable_without_the_check():
    r = feeds.replay(D / "gap.jsonl", check_sequence=False, **KW)
    assert r.stats.gaps == 0 and len(r.bbo) == 5


def test_reconnect_and_repeated_frame():
    r = feeds.replay(D / "reconnect.jsonl", **KW)
    assert [row[0] for row in bbo_rows(r)] == [0, 1, 2, 3]
    assert bbo_rows(r)[2] == (2, 9990, 3 * E8, 10010, 4 * E8, 1)
    s = r.stats
    assert (s.stale, s.skipped, s.resets, s.gaps) == (1, 2, 2, 0)


def test_symbol_defaults_to_the_first_book_frame():
    kw = {k: v for k, v in KW.items() if k != "symbol"}
    assert bbo_rows(feeds.replay(D / "other_channels.jsonl", **kw)) == bbo_rows(
        feeds.replay(D / "other_channels.jsonl", **KW)
    )


def test_unknown_option_is_refused():
    with pytest.raises(ValueError, match="check_sequence"):
        feeds.replay(D / "gap.jsonl", book_depth=10, **KW)
