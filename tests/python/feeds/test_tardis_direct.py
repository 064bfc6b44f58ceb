"""The Tardis direct path (tapebook/feeds/_tardis_direct.py, tb_tardis_run_block: scan and
apply in one C call per block) against the reader path (``TAPEBOOK_TARDIS_DIRECT=0``), whose
C loop runs message by message (``Engine.per_message``) or in traced runs.

Random incremental_book_L2 files — snapshots mid-file, deletes, crossed books, bad values
and wrong field counts, quoting and CRLF — replayed with tiny and default blocks and
batches (every line and message crossing a block or a batch) under every on_error /
on_crossed policy, a list of files, a second symbol, a message larger than a batch:
the same BBO rows, counters, final book and errors (path, line, reason) on every path.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_tardis_scan import HEADER, KW, random_file

from tapebook import feeds
from tapebook.feeds import FeedError, _engine, _tardis_direct, _tardis_scan

#: (direct path, message by message): the reader path's loop as it was, traced, direct
PATHS = ((False, True), (False, False), (True, False))


def _replay(monkeypatch: pytest.MonkeyPatch, source: Any, direct: bool, per_message: bool, **kw: Any) -> Any:
    monkeypatch.setenv("TAPEBOOK_TARDIS_DIRECT", "1" if direct else "0")
    monkeypatch.setattr(_engine.Engine, "per_message", per_message)
    seen = []
    real = _tardis_direct.replay
    monkeypatch.setattr(_tardis_direct, "replay", lambda *a: (seen.append(1), real(*a))[1])
    try:
        r = feeds.replay(source, **KW, **kw)
        got = (r.bbo.tolist(), r.stats, r.book.to_dict(), r.status, None)
    except FeedError as e:
        got = ([], None, None, None, (e.path, e.line, e.reason))
    assert bool(seen) == (direct and not kw.get("depth") and "out" not in kw), "the path taken"
    return got


def _same(monkeypatch: pytest.MonkeyPatch, source: Any, **kw: Any) -> Any:
    got = [_replay(monkeypatch, source, d, p, **kw) for d, p in PATHS]
    assert got[0] == got[1], "traced runs"
    assert got[0] == got[2], "direct path"
    return got[0]


@pytest.mark.parametrize("seed", range(24))
def test_random_files_same_on_every_path(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7000 + seed)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 200, odd=seed % 2 == 1, bad=rng.choice([0.0, 0.0, 0.005, 0.03])))
    kw: dict[str, Any] = {"batch_rows": rng.choice([1, 2, 7, 64, 1 << 16])}
    if seed % 3:
        monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", rng.choice([16, 64, 333, 4096]))
    for on_error in ("skip", "raise"):
        for on_crossed in ("keep", "raise"):
            _same(monkeypatch, p, on_error=on_error, on_crossed=on_crossed, **kw)


def test_a_list_of_files_and_a_message_larger_than_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    paths = []
    for i in range(3):
        p = tmp_path / f"f{i}.csv"
        p.write_bytes(random_file(rng, 60, odd=i == 1, bad=0.01 * i))
        paths.append(p)
    r = _same(monkeypatch, paths, on_error="skip", batch_rows=3)
    assert r[1].messages > 0
    big = tmp_path / "big.csv"  # a 40-row snapshot through 2-row columns: they grow
    rows = [
        f"x,A,1,1,true,{'bid' if i % 2 else 'ask'},{100 + (i if i % 2 == 0 else -i)},{i + 1}"
        for i in range(40)
    ]
    big.write_text("\n".join([HEADER, *rows, "x,A,2,2,false,bid,99,0", ""]))
    r = _same(monkeypatch, big, batch_rows=2)
    assert r[1].resets == 1 and r[1].rows == 41


def test_second_symbol_applies_the_messages_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "s.csv"
    p.write_text(
        f"{HEADER}\nx,A,1,1,true,bid,1,1\nx,A,2,2,false,bid,x,2\nx,A,3,3,false,bid,1,2\nx,B,4,4,false,bid,1,3\n"
    )
    why = "a second symbol 'B' after 'A': replay one symbol per stream"
    assert _same(monkeypatch, p, on_error="skip")[4] == (str(p), 5, why)
    assert _same(monkeypatch, p, on_error="raise")[4][:2] == (str(p), 3)  # the ERROR message before it


def test_crossed_raise_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "c.csv"
    p.write_text(f"{HEADER}\nx,A,1,1,true,bid,10,1\nx,A,1,1,true,ask,11,1\nx,A,2,2,false,bid,12,1\n")
    err = _same(monkeypatch, p, on_crossed="raise")[4]
    assert err[1] == 4 and "crossed" in err[2]


def test_depth_and_parquet_keep_the_reader_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(random.Random(3), 50, odd=False, bad=0.0))
    a = _replay(monkeypatch, p, True, False, depth=3)
    b = _replay(monkeypatch, p, False, True, depth=3)
    assert a == b
    r = feeds.replay(p, out=tmp_path / "o.parquet", **KW)  # type: ignore[arg-type]
    assert np.array_equal(r.bbo, feeds.replay(p, **KW).bbo)  # type: ignore[arg-type]
