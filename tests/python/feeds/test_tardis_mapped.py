"""A plain Tardis file given by path is mapped, not read (tapebook/feeds/_mapped.py): the
same results as reading it, on the direct and the reader path.

Random files (quoting, CRLF, a BOM, no final line end, bad values, wrong field counts) with
windows from 1 byte to 64 KiB past the line not yet scanned, so lines cross windows, windows
start inside lines and grow for lines longer than them; the line-length limit; the file is
never written (quoted fields are unquoted in a private copy); what is not a plain file by
path is read.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _mapped_helpers import windows_failing_from
from test_source_gzip import growth_with_file_size
from test_tardis_scan import HEADER, KW, random_file

from tapebook import feeds
from tapebook.feeds import FeedError, _mapped, _tardis_scan


def _run(monkeypatch: pytest.MonkeyPatch, source: Any, mapped: bool, direct: bool, **kw: Any) -> Any:
    """(BBO rows, stats, final book, error) of a replay, and the reader path's batches."""
    monkeypatch.setattr(_mapped, "MAP_FILES", mapped)
    monkeypatch.setenv("TAPEBOOK_TARDIS_DIRECT", "1" if direct else "0")
    try:
        r = feeds.replay(source, **KW, **kw)
        got: Any = (r.bbo.tolist(), r.stats, r.book.to_dict(), None)
    except FeedError as e:
        got = ([], None, None, (e.path, e.line, e.reason))
    batches: list[Any] = []
    try:
        for b in feeds.read(source, **KW, batch_rows=kw.get("batch_rows", 1 << 16)):
            cols = (b.side, b.px, b.qty, b.row_end, b.ts, b.seq, b.kind, b.line)
            batches.append(([c.tolist() for c in cols], b.notes))
    except FeedError as e:
        batches.append((e.path, e.line, e.reason))
    return got, batches


def _same(monkeypatch: pytest.MonkeyPatch, source: Any, **kw: Any) -> Any:
    for direct in (True, False):
        read = _run(monkeypatch, source, False, direct, **kw)
        mapped = _run(monkeypatch, source, True, direct, **kw)
        assert mapped == read, ("direct" if direct else "reader path", kw)
    return read


def _windows_taken(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(start, want) of every window mapped from now on (a mapping that failed, and so fell
    back to reading, is not one: review31a)."""
    seen: list[tuple[int, int]] = []
    real = _mapped.Window.at

    def at(self: _mapped.Window, start: int, want: int) -> Any:
        window = real(self, start, want)
        seen.append((start, want))
        return window

    monkeypatch.setattr(_mapped.Window, "at", at)
    return seen


@pytest.mark.parametrize("seed", range(16))
def test_random_files_mapped_as_read(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(9100 + seed)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 150, odd=seed % 2 == 1, bad=rng.choice([0.0, 0.0, 0.01, 0.05])))
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", rng.choice([1, 7, 64, 333, 4096, 5000, 1 << 16]))
    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", rng.choice([16, 333, 1 << 21]))
    seen = _windows_taken(monkeypatch)
    _same(monkeypatch, p, on_error=rng.choice(["skip", "raise"]), batch_rows=rng.choice([1, 7, 1 << 16]))
    assert seen, "the file was mapped"


def test_windows_follow_the_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each window starts at the first line not yet scanned and holds ``want`` bytes past
    it; a window holding no line end is followed by one twice as long from the same line."""
    long_row = "x" * 300 + ",A,1,1,true,ask,9,1"  # (the exchange is not read)
    p = tmp_path / "f.csv"
    rows = [f"x,A,{i},{i},false,ask,{2 + i},1" for i in range(1, 40)]
    p.write_text("\n".join([HEADER, "x,A,1,1,true,bid,1,1", long_row, *rows, ""]))
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 100)
    seen = _windows_taken(monkeypatch)
    read = _same(monkeypatch, p)
    assert read[0][3] is None and read[0][1].rows == 41
    data = p.read_bytes()
    starts = {0} | {i + 1 for i, c in enumerate(data) if c == ord("\n")}
    assert all(start in starts for start, _ in seen), "a window starts at a line"
    assert {w for _, w in seen} == {100, 200, 400}, "grown for the 319-byte line, then kept"


def test_a_line_longer_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "f.csv"
    p.write_text("\n".join([HEADER, "x,A,1,1,true,bid,1,1", "x,A,2,2,false,bid,1," + "1" * 500, ""]))
    monkeypatch.setattr(_tardis_scan, "MAX_LINE_BYTES", 256)
    monkeypatch.setattr(_mapped, "MAX_LINE_BYTES", 256)
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 64)
    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", 64)
    read = _same(monkeypatch, p)
    assert read[0][3] == (str(p), 3, "line longer than 256 bytes")
    monkeypatch.setattr(_tardis_scan, "MAX_LINE_BYTES", 1024)
    monkeypatch.setattr(_mapped, "MAX_LINE_BYTES", 1024)
    assert _same(monkeypatch, p, on_error="skip")[0][1].rows == 1  # (its amount is bad)


def test_the_file_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quoted fields are unquoted in place: in the mapping's private copy, not in the file."""
    p = tmp_path / "q.csv"
    text = f'{HEADER}\n"x","A","1","1","true","bid","1.25","1"\nx,A,2,2,false,"a""sk",1,2\n'
    p.write_text(text)
    monkeypatch.setattr(_mapped, "MAP_FILES", True)
    seen = _windows_taken(monkeypatch)
    r = feeds.replay(p, **KW, on_error="skip")
    assert seen and r.stats.rows == 1
    assert p.read_text() == text


def test_what_is_not_a_plain_file_by_path_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    data = random_file(rng, 30, odd=False, bad=0.0)
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    (tmp_path / "e.csv").write_bytes(b"")
    monkeypatch.setattr(_mapped, "MAP_FILES", True)
    seen = _windows_taken(monkeypatch)
    want = feeds.replay(p, **KW).bbo
    assert len(seen) == 1
    with p.open("rb") as f:  # a file object: read (its position is the caller's)
        assert np.array_equal(feeds.replay(f, **KW).bbo, want)
    assert np.array_equal(feeds.replay(io.BytesIO(data), **KW).bbo, want)
    assert len(feeds.replay(tmp_path / "e.csv", **KW).bbo) == 0  # empty: nothing to map
    assert len(seen) == 1
    monkeypatch.setattr(_mapped, "MAP_FILES", False)
    assert np.array_equal(feeds.replay(p, **KW).bbo, want) and len(seen) == 1


def test_a_window_is_the_file_bytes_it_names(tmp_path: Path) -> None:
    """Window.at(start, want): the file's bytes [start, start + want) at the offset it gives,
    in a mapping that starts at an allocation boundary; the end reached exactly when
    start + want >= size (across a boundary, at the last byte, beyond it)."""
    size = 2 * _mapped.mmap.ALLOCATIONGRANULARITY + 5
    data = bytes(random.Random(3).randrange(256) for _ in range(size))
    p = tmp_path / "b.bin"
    p.write_bytes(data)
    g = _mapped.mmap.ALLOCATIONGRANULARITY
    with p.open("rb") as f:
        m = _mapped.mappable(str(p), f)
        assert m == (f.fileno(), size)
        w = _mapped.Window(*m)
        for start in (0, 1, g - 1, g, g + 1, size - 2, size - 1):
            for want in {1, 2, g, size - start - 1, size - start, size - start + 1}:
                if want < 1:
                    continue
                buf, have, off, eof = w.at(start, want)
                assert w.base % g == 0 and w.base <= start < w.base + g
                assert buf[off:have] == data[start : start + want]
                assert have == min(size, start + want) - w.base
                assert eof == (start + want >= size), (start, want)
                _mapped.release(buf)


def test_every_window_length_over_a_small_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of every length from 1 byte to past the file's end: a window ending one byte
    before the end, at it or past it, a line end as a window's last byte, and so on."""
    rng = random.Random(77)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 6, odd=True, bad=0.0))
    size = p.stat().st_size
    monkeypatch.setenv("TAPEBOOK_TARDIS_DIRECT", "1")
    want = _run(monkeypatch, p, False, True)[0]
    for n in range(1, size + 2):
        monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", n)
        assert _run(monkeypatch, p, True, True)[0] == want, n


def test_a_file_that_cannot_be_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No first window (a file system without mmap): the file is read. A later window
    failing (the file shrank under the replay) is a FeedError naming the line reached."""
    rng = random.Random(6)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 40, odd=False, bad=0.0))
    monkeypatch.setattr(_mapped, "MAP_FILES", True)
    want = feeds.replay(p, **KW).bbo
    calls: list[int] = []
    monkeypatch.setattr(_mapped.Window, "at", windows_failing_from(0, calls))
    assert np.array_equal(feeds.replay(p, **KW).bbo, want) and calls == [0]
    calls.clear()
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 200)
    monkeypatch.setattr(_mapped.Window, "at", windows_failing_from(1, calls))
    with pytest.raises(FeedError, match=r"f\.csv:\d+: cannot map the file on: \[Errno 19\]") as e:
        feeds.replay(p, **KW)
    assert e.value.line == p.read_bytes()[: calls[1]].count(b"\n") + 1


@pytest.mark.parametrize("length", [255, 256, 257])
@pytest.mark.parametrize("newline", [True, False])
def test_the_line_limit_is_the_read_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, length: int, newline: bool
) -> None:
    """A line of exactly the limit's length (with or without a line end after it, the last
    line or the header) is refused mapped as read (review31a: a last line of exactly
    MAX_LINE_BYTES bytes with no line end replayed mapped, the read path refused it)."""
    monkeypatch.setattr(_tardis_scan, "MAX_LINE_BYTES", 256)
    monkeypatch.setattr(_mapped, "MAX_LINE_BYTES", 256)
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 64)
    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", 64)
    last = "x,A,2,2,false,bid,1,"
    last += "1" * (length - len(last))
    p = tmp_path / "f.csv"
    p.write_text("\n".join([HEADER, "x,A,1,1,true,bid,1,1", last]) + ("\n" if newline else ""))
    err = _same(monkeypatch, p, on_error="skip")[0][3]
    assert (err == (str(p), 3, "line longer than 256 bytes")) == (length >= 256), err
    head = HEADER + ",x" + "y" * (length - len(HEADER) - 2)  # an extra column: the header alone is that long
    p.write_text(head + ("\n" if newline else ""))
    err = _same(monkeypatch, p)[0][3]
    assert (err == (str(p), 1, "line longer than 256 bytes")) == (length >= 256), err


def _open_maps_and_fds(path: Path) -> tuple[int, int]:
    """(mappings of path, open file descriptors) in this process."""
    with open("/proc/self/maps") as f:
        maps = sum(1 for line in f if line.rstrip().endswith(str(path)))
    return maps, len(list(Path("/proc/self/fd").iterdir()))


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/self/maps")
@pytest.mark.parametrize("direct", [True, False])
def test_no_window_outlives_its_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool) -> None:
    """A replay that raises (a crossed book, the raise policy, a second symbol) or a read
    abandoned part-way leaves no mapping and no descriptor open, even while its exception is
    kept (review31a: the traceback kept the window, and the descriptor mmap duplicates)."""
    monkeypatch.setattr(_mapped, "MAP_FILES", True)
    monkeypatch.setenv("TAPEBOOK_TARDIS_DIRECT", "1" if direct else "0")
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 4096)
    rows = [f"x,A,{i},{i},false,bid,{1 + (i % 3) * 0.25},1" for i in range(2, 2000)]
    cases = {
        "crossed": ([*rows[:900], "x,A,5000,5000,false,bid,5,1", *rows[900:]], {"on_crossed": "raise"}),
        "policy": ([*rows[:900], "x,A,5000,5000,false,bid,zz,1", *rows[900:]], {"on_error": "raise"}),
        "symbol": ([*rows[:900], "x,B,5000,5000,false,bid,1,1", *rows[900:]], {}),
    }
    kept: list[BaseException] = []
    seen = _windows_taken(monkeypatch)
    for name, (body, kw) in cases.items():
        p = tmp_path / f"{name}.csv"
        p.write_text("\n".join([HEADER, "x,A,1,1,true,bid,1,1", "x,A,1,1,true,ask,3,1", *body, ""]))
        before = _open_maps_and_fds(p)
        with pytest.raises(Exception) as e:
            feeds.replay(p, **KW, **kw)
        kept.append(e.value)
        assert _open_maps_and_fds(p) == before, name
        if name == "symbol":  # (read applies no book and no policy: ERROR messages are its rows)
            with pytest.raises(Exception) as e:
                for _ in feeds.read(p, **KW, batch_rows=64, **kw):
                    pass
            kept.append(e.value)
            assert _open_maps_and_fds(p) == before, name
        it = iter(feeds.read(p, **KW, batch_rows=64))
        next(it)
        it.close()  # (an abandoned read: closed by the caller or the collector)
        assert _open_maps_and_fds(p) == before, name
    assert len(seen) > 6 and len(kept) == 4


def test_a_file_truncated_between_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file cut short at a window's end before the next window is mapped: a FeedError
    naming the line reached (mmap refuses a length past the end with ValueError, which the
    injected OSError of test_a_file_that_cannot_be_mapped does not exercise)."""
    p = tmp_path / "f.csv"
    rows = [f"x,A,{i},{i},false,bid,{1 + (i % 4) * 0.25},{i % 5}" for i in range(2, 20_000)]
    p.write_text("\n".join([HEADER, "x,A,1,1,true,bid,1,1", "x,A,1,1,true,ask,3,1", *rows, ""]))
    monkeypatch.setattr(_mapped, "MAP_FILES", True)
    monkeypatch.setenv("TAPEBOOK_TARDIS_DIRECT", "0")
    monkeypatch.setattr(_tardis_scan, "WINDOW_BYTES", 1 << 16)
    data = p.read_bytes()
    starts: list[int] = []
    ends: list[int] = []
    real = _mapped.Window.at

    def at(self: _mapped.Window, start: int, want: int) -> Any:
        starts.append(start)
        r = real(self, start, want)
        ends.append(self.base + r[1])
        return r

    monkeypatch.setattr(_mapped.Window, "at", at)
    with pytest.raises(
        FeedError, match=r"cannot map the file on: mmap length is greater than file size"
    ) as e:
        for _ in feeds.read(p, **KW, batch_rows=100):
            if len(ends) == 2 and p.stat().st_size > ends[-1]:
                with p.open("r+b") as f:
                    f.truncate(ends[-1])
    assert len(starts) == 3 and e.value.line == data[: starts[2]].count(b"\n") + 1


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_mapped_replay_memory_stays_bounded(tmp_path: Path) -> None:
    """A ~200 MB plain CSV replays in the same peak memory as a ~30 MB one: the mapped
    pages (they count in RSS) are one window's, not the file's."""
    growth = growth_with_file_size(tmp_path, ".csv")
    assert growth[300] - growth[50] < 40, f"peak RSS growth {growth} MB: it grows with the file"
