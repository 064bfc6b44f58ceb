"""The in-memory sink (tapebook/feeds/_sink.py): a replay's rows are written into a chunk
of their own mapping and kept as a view of it from _VIEW_MIN_BYTES up (no copy: only the
written pages are backed), copied below (a few rows do not pin a 32 MiB mapping). Either
way the rows are the ones written, and a replay gives the same result both ways (issue 15:
rows under half a chunk were always copied: 7-12 % of a 200k-message ITCH replay)."""

from __future__ import annotations

import mmap
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_itch_direct import KW
from test_l3_itch import random_day

from tapebook import feeds
from tapebook.feeds import _sink
from tapebook.feeds._schema import bbo_dtype, depth_dtype


def fill(sink: _sink.MemorySink, counts: list[int], start: int = 0) -> int:
    """Rooms of the given sizes, each committed whole: BBO rows numbered by seq, depth rows
    by their first word."""
    seq = start
    for n in counts:
        b, d = sink.room(n)
        b["seq"] = np.arange(seq, seq + n)
        if d is not None:
            d.view(np.int64).reshape(n, -1)[:, 0] = np.arange(seq, seq + n)
        sink.commit(n)
        seq += n
    return seq


@pytest.mark.parametrize("depth", [0, 2])
def test_view_from_the_threshold_copy_below(monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    # the threshold is per array: with depth, the depth rows (64 bytes) reach it first
    monkeypatch.setattr(_sink, "_VIEW_MIN_BYTES", 100 * bbo_dtype().itemsize)
    dview_from = -(-100 * bbo_dtype().itemsize // depth_dtype(depth).itemsize) if depth else 0
    cases = [(99, False), (100, True), (3000, True)]
    if depth:
        cases += [(dview_from - 1, False), (dview_from, False)]
    for rows, view in cases:
        sink = _sink.MemorySink(depth)
        fill(sink, [rows // 3, rows - rows // 3])
        assert sink._chunk is not None
        chunk, dchunk = sink._chunk
        assert isinstance(chunk.base, memoryview) and isinstance(chunk.base.obj, mmap.mmap)  # its own mapping
        bbo, dep = sink.arrays()
        assert np.shares_memory(bbo, chunk) == view
        assert bbo["seq"].tolist() == list(range(rows))
        if depth:
            assert dep is not None and dep.dtype == depth_dtype(depth)
            assert np.shares_memory(dep, dchunk) == (rows >= dview_from)
            assert dep.view(np.int64).reshape(rows, -1)[:, 0].tolist() == list(range(rows))
        else:
            assert dep is None


def test_parts_joined_across_chunks_and_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    # a room that does not fit the chunk seals it (view or copy) and starts another; a
    # write() between rooms seals too; the parts are joined in order
    monkeypatch.setattr(_sink, "_CHUNK_BYTES", 64 * bbo_dtype().itemsize)
    monkeypatch.setattr(_sink, "_VIEW_MIN_BYTES", 40 * bbo_dtype().itemsize)
    sink = _sink.MemorySink(0)
    seq = fill(sink, [30, 30, 10, 50])  # chunks of 60 and 60 rows (views), then 7 (a copy)
    extra = np.zeros(5, bbo_dtype())
    extra["seq"] = np.arange(seq, seq + 5)
    sink.write(extra, None)  # seals the second chunk
    seq = fill(sink, [7], seq + 5)
    bbo, dep = sink.arrays()
    assert dep is None and bbo["seq"].tolist() == list(range(seq))
    assert sink.arrays()[0] is bbo  # joined once


def test_replay_same_result_view_or_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, _ref, bbo = random_day(5, 3000)
    path = w.write(tmp_path / "r.itch")
    got = []
    for threshold in (0, 1 << 62):  # always a view, always a copy
        monkeypatch.setattr(_sink, "_VIEW_MIN_BYTES", threshold)
        r = feeds.replay(path, symbol="AAPL", depth=3, **KW)
        got.append((r.bbo.tobytes(), r.depth.tobytes(), len(r.bbo)))
    assert got[0] == got[1] and got[0][2] == len(bbo)


def _mapping_of(a: np.ndarray) -> mmap.mmap:
    """The chunk mapping a result's array is a view of."""
    base = a.base
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)
    return base.obj


def _maps(r: feeds.FeedResult) -> set[int]:
    assert r.depth is not None
    return {id(_mapping_of(r.bbo)), id(_mapping_of(r.depth))}


def test_dropped_result_mapping_serves_the_next_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a result's chunk mappings go idle once every view of them is gone, and the next replay
    # writes its rows there (no fresh pages); a result still held keeps its mapping and rows
    monkeypatch.setattr(_sink, "_VIEW_MIN_BYTES", 0)  # always a view of the chunk
    monkeypatch.setattr(_sink, "_idle", [])
    w, _ref, _bbo = random_day(6, 3000)
    path = w.write(tmp_path / "r.itch")
    held = feeds.replay(path, symbol="AAPL", depth=2, **KW)
    want = (held.bbo.tobytes(), held.depth.tobytes())
    second = feeds.replay(path, symbol="AAPL", depth=2, **KW)
    assert not _maps(held) & _maps(second)  # held's mappings are in use
    assert (second.bbo.tobytes(), second.depth.tobytes()) == want
    second_maps = _maps(second)
    bbo_view = second.bbo[5:]  # a view keeps its mapping from going idle
    del second
    assert {id(m) for m in _sink._idle} < second_maps
    del bbo_view
    assert {id(m) for m in _sink._idle} == second_maps
    third = feeds.replay(path, symbol="AAPL", depth=2, **KW)
    assert _maps(third) == second_maps and not _sink._idle
    assert (third.bbo.tobytes(), third.depth.tobytes()) == want
    assert (held.bbo.tobytes(), held.depth.tobytes()) == want
    # a shorter replay into the reused mappings: its own rows only, as into fresh ones
    short = random_day(7, 500)[0].write(tmp_path / "s.itch")
    del third
    reused = feeds.replay(short, symbol="AAPL", depth=2, **KW)
    assert _maps(reused) == second_maps
    _sink._idle.clear()
    fresh = feeds.replay(short, symbol="AAPL", depth=2, **KW)
    assert not _maps(fresh) & second_maps
    assert (reused.bbo.tobytes(), reused.depth.tobytes()) == (fresh.bbo.tobytes(), fresh.depth.tobytes())


def test_a_live_result_keeps_its_mapping_through_interpreter_exit() -> None:
    # an exit handler registered before the first chunk (so it runs after weakref's own exit
    # hook) may still read a live result: its mapping must not go idle (MADV_FREE) at exit
    # (review finding: the chunk finalizers ran at exit)
    script = (
        "import atexit, numpy as np\n"
        "from tapebook.feeds import _sink\n"
        "held = {}\n"
        "def check():\n"
        "    print('idle', len(_sink._idle), int(held['rows'][-1]))\n"
        "atexit.register(check)\n"
        "rows = _sink._fresh_rows(1 << 16, np.dtype(np.int64))\n"
        "rows[:] = 7\n"
        "held['rows'] = rows\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["idle", "0", "7"], out
