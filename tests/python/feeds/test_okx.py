"""okx: books snapshot/update, seqId/prevSeqId and its exceptions, signed CRC32 (fixtures README)."""

from __future__ import annotations

import pytest
from venue_fixtures import FIXTURES, bbo_rows

from tapebook import feeds

D = FIXTURES / "okx"
KW = dict(format="okx", tick_size="0.01", lot_size="1")


def test_chain_keepalive_and_sequence_reset():
    r = feeds.replay(D / "seq_chain.jsonl", **KW)
    assert bbo_rows(r) == [
        (10, 847697, 256, 847698, 415, 1),
        (15, 847697, 200, 847698, 415, 0),
        (3, 847697, 200, 847698, 415, 0),  # seqId 3 < prevSeqId 15: a documented reset
        (5, 847697, 200, 847698, 415, 0),
        (6, 847697, 200, 847698, 415, 0),  # checksum 0: none sent
    ]
    s = r.stats
    assert (s.checksums_ok, s.checksums_failed, s.skipped, s.gaps) == (4, 0, 2, 0)
    assert r.bbo["ts"][0] == 1597026383085 * 10**6


def test_gap():
    with pytest.raises(feeds.GapError) as ei:
        feeds.replay(D / "gap.jsonl", **KW)
    assert ei.value.line == 3 and "12" in ei.value.reason and "13" in ei.value.reason
    r = feeds.replay(D / "gap.jsonl", on_gap="resync", **KW)
    assert [(row[0], row[5]) for row in bbo_rows(r)] == [(10, 1), (12, 0), (20, 5), (21, 0)]
    assert (r.stats.gaps, r.stats.resyncs, r.stats.skipped) == (1, 1, 1)


def test_checksum_failure():
    with pytest.raises(feeds.ChecksumError) as ei:
        feeds.replay(D / "checksum_fail.jsonl", **KW)
    assert ei.value.line == 2
    r = feeds.replay(D / "checksum_fail.jsonl", on_gap="resync", **KW)
    assert [(row[0], row[5]) for row in bbo_rows(r)][-2:] == [(20, 5), (21, 0)]
    assert r.stats.checksums_failed == 1


def test_compressed_and_split_captures_replay_the_same(tmp_path):
    import gzip

    import numpy as np

    lines = (D / "seq_chain.jsonl").read_bytes().splitlines(keepends=True)
    gz = tmp_path / "part1.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(lines[:4])))
    rest = tmp_path / "part2.jsonl"
    rest.write_bytes(b"".join(lines[4:]))
    whole = feeds.replay(D / "seq_chain.jsonl", **KW)
    split = feeds.replay([gz, rest], **KW)  # one stream: the seqId chain goes across files
    assert np.array_equal(whole.bbo, split.bbo) and split.stats.gaps == 0


@pytest.mark.parametrize("ts", ["999999999999999", "99999999999999999999"])
def test_time_out_of_range_is_a_feed_error(tmp_path, ts):
    """Regression: a ``ts`` whose nanoseconds do not fit int64 raised OverflowError from
    numpy instead of a FeedError naming the line and field (15 digits take the typed fast
    path, 20 the checked one). The last frame of the chain gets the bad time."""
    import re

    lines = (D / "seq_chain.jsonl").read_text().splitlines(keepends=True)
    lines[-1], n = re.subn(r'"ts":"[0-9]+"', f'"ts":"{ts}"', lines[-1])
    assert n == 1
    bad = tmp_path / "ts.jsonl"
    bad.write_text("".join(lines))
    with pytest.raises(feeds.FeedError) as ei:
        feeds.replay(bad, **KW)
    assert ei.value.line == len(lines) and "'ts'" in ei.value.reason and "64-bit" in ei.value.reason
    r = feeds.replay(bad, on_error="skip", **KW)
    assert [row[0] for row in bbo_rows(r)] == [10, 15, 3, 5] and r.stats.skipped == 3
