"""itch maps a plain file given by path (tapebook/feeds/itch.py _scan_mapped) instead of
reading it into a buffer: the same replay as the read path (a file object, or
TAPEBOOK_MAP_FILES=0 / _mapped.MAP_FILES = False), on both the direct and the reader
path, whatever the window cuts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from _mapped_helpers import windows_failing_from
from test_itch_direct import KW, assert_same, both
from test_l3_itch import random_day

from tapebook import feeds
from tapebook.errors import FeedError
from tapebook.feeds import _mapped
from tapebook.feeds import itch as itch_mod


def no_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the read path's block reads (still served)."""
    reads: list[int] = []
    real = itch_mod.read_block

    def spy(*a: Any) -> int:
        reads.append(1)
        return real(*a)

    monkeypatch.setattr(itch_mod, "read_block", spy)
    return reads


@pytest.mark.parametrize("depth", [0, 2])
def test_a_plain_file_is_mapped_and_replays_as_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    w, _ref, bbo = random_day(21, 1500)
    path = w.write(tmp_path / "r.itch")
    reads = no_reads(monkeypatch)
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=depth)
    assert not reads, "a plain file by path was read, not mapped"
    assert_same(direct, reader)
    assert len(direct.bbo) == len(bbo)
    for env, mapped in (("1", direct), ("0", reader)):  # a file object is read: the same replay
        monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", env)
        read = feeds.replay(io.BytesIO(path.read_bytes()), symbol="AAPL", depth=depth, **KW)
        assert_same(mapped, read)
    assert reads


def test_map_files_off_reads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, _ref, _bbo = random_day(22, 300)
    path = w.write(tmp_path / "r.itch")
    mapped = feeds.replay(path, symbol="AAPL", **KW)
    reads = no_reads(monkeypatch)
    monkeypatch.setattr(_mapped, "MAP_FILES", False)
    assert_same(feeds.replay(path, symbol="AAPL", **KW), mapped)
    assert reads


@pytest.mark.parametrize("window", [1, 37, 4096, 5000])
def test_windows_that_cut_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    # a window smaller than a record grows until it holds one; a file of a few pages is
    # mapped in several windows (their offsets on the allocation granularity)
    w, _ref, _bbo = random_day(23, 1200)
    path = w.write(tmp_path / "r.itch")
    whole = feeds.replay(path, symbol="AAPL", **KW)
    monkeypatch.setattr(itch_mod, "_MAP_BYTES", window)
    reads = no_reads(monkeypatch)
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=1)
    assert not reads
    assert_same(direct, reader)
    assert direct.bbo.tobytes() == whole.bbo.tobytes()


@pytest.mark.parametrize("direct", ["1", "0"])
def test_a_file_that_ends_inside_a_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: str
) -> None:
    # the partial last record: the read path's error, the same record number
    w, _ref, _bbo = random_day(24, 300)
    data = w.to_bytes()[:-5]
    path = tmp_path / "cut.itch"
    path.write_bytes(data)
    monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", direct)
    monkeypatch.setattr(itch_mod, "_MAP_BYTES", 4096)
    with pytest.raises(FeedError, match="ends inside a record") as mapped:
        feeds.replay(path, symbol="AAPL", **KW)
    with pytest.raises(FeedError, match="ends inside a record") as read:
        feeds.replay(io.BytesIO(data), symbol="AAPL", **KW)
    assert str(mapped.value).replace(str(path), "<f>") == str(read.value).replace("<stream>", "<f>")
    assert mapped.value.line == read.value.line
    skipped = feeds.replay(path, symbol="AAPL", on_error="skip", **KW)
    assert_same(skipped, feeds.replay(io.BytesIO(data), symbol="AAPL", on_error="skip", **KW))


def records_before(data: bytes, offset: int) -> int:
    """How many length-prefixed records of ``data`` end at or before ``offset`` (a record's start)."""
    n = pos = 0
    while pos < offset:
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
        n += 1
    assert pos == offset
    return n


@pytest.mark.parametrize("direct", ["1", "0"])
def test_a_file_that_cannot_be_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: str) -> None:
    """No first window (a file system without mmap): the file is read, the same replay. A
    later window failing (the file shrank under the replay) is a FeedError naming the file
    and the record reached (review32a: the fallback was untested; the later failure was
    mmap's bare OSError)."""
    w, _ref, _bbo = random_day(25, 800)
    path = w.write(tmp_path / "m.itch")
    monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", direct)
    want = feeds.replay(path, symbol="AAPL", **KW)
    calls: list[int] = []
    reads = no_reads(monkeypatch)
    monkeypatch.setattr(_mapped.Window, "at", windows_failing_from(0, calls))
    assert_same(feeds.replay(path, symbol="AAPL", **KW), want)
    assert calls == [0] and reads
    calls.clear()
    monkeypatch.setattr(itch_mod, "_MAP_BYTES", 4096)
    monkeypatch.setattr(_mapped.Window, "at", windows_failing_from(1, calls))
    with pytest.raises(FeedError, match=r"m\.itch:\d+: cannot map the file on: \[Errno 19\]") as e:
        feeds.replay(path, symbol="AAPL", **KW)
    assert len(calls) == 2 and calls[1] > 0
    assert e.value.path == str(path)
    assert e.value.line == records_before(path.read_bytes(), calls[1]) + 1
