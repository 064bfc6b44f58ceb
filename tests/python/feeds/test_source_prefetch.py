"""Decompression in a background thread (_prefetch.py) against the single-thread path:
the same chunks and the same replay for .gz and .zst; corrupt and truncated data are the
same FeedError (path, line, reason) raised in the replay's thread; a replay abandoned
early (generator closed, an exception in the consumer) stops and joins the thread; one
CPU means no thread."""

from __future__ import annotations

import gzip
import random
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zstandard

from tapebook import feeds
from tapebook.feeds import FeedError, _prefetch, _tardis_scan
from tapebook.feeds._prefetch import Prefetch
from tapebook.feeds._source import Source

KW = {"format": "tardis", "tick_size": "0.25", "lot_size": "0.1"}
HEAD = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few KB, so that small files cross many of them and the thread runs ahead."""
    monkeypatch.setattr(_prefetch, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(_prefetch, "DEPTH", 2)
    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", 8192)


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tapebook-decompress"]


def _tardis_csv(rows: int, seed: int, cross_at: int = -1) -> bytes:
    """A snapshot then one-row messages that never cross, except at row ``cross_at``."""
    rng = random.Random(seed)
    out = [HEAD]
    out += [f"b,X,1,1,true,bid,{100 - i}.25,{i + 1}.5\n" for i in range(20)]
    out += [f"b,X,1,1,true,ask,{101 + i}.5,{i + 1}\n" for i in range(20)]
    for t in range(2, rows + 2):
        if t == cross_at:
            out.append(f"b,X,{t},{t},false,bid,105.5,1\n")
            continue
        bid = rng.random() < 0.5
        px = 100 - rng.randint(0, 30) if bid else 101 + rng.randint(0, 30)
        frac, qty = rng.choice(["0", "25", "5", "75"]), rng.randint(0, 40) / 10
        out.append(f"b,X,{t},{t},false,{'bid' if bid else 'ask'},{px}.{frac},{qty}\n")
    return "".join(out).encode()


def _compress(raw: bytes, kind: str, seed: int) -> bytes:
    if kind == "zst":
        return zstandard.ZstdCompressor(level=3).compress(raw)
    rng = random.Random(seed)  # several members, with zero padding between two of them
    cuts = sorted(rng.sample(range(1, len(raw)), 3))
    parts = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    return b"".join(
        gzip.compress(p, compresslevel=rng.randint(1, 9)) + b"\0" * (i == 1) * 7 for i, p in enumerate(parts)
    )


def _both(monkeypatch: pytest.MonkeyPatch, fn: Any) -> tuple[Any, Any]:
    """fn() on the single-thread path, then on the threaded one."""
    out = []
    for on in (False, True):
        monkeypatch.setattr(_prefetch, "THREADED", on)
        out.append(fn())
        assert not _threads()
    return out[0], out[1]


@pytest.mark.parametrize("kind", ["gz", "zst"])
@pytest.mark.parametrize("seed", range(3))
def test_threaded_and_single_thread_give_the_same_lines_and_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, seed: int
) -> None:
    raw = _tardis_csv(3000 + 1000 * seed, seed)
    plain, packed = tmp_path / "f.csv", tmp_path / f"f.csv.{kind}"
    plain.write_bytes(raw)
    packed.write_bytes(_compress(raw, kind, seed))

    def lines() -> list[tuple[str, int, bytes]]:
        """The lines and their numbers (where the chunks end follows the reads' sizes)."""
        return list(Source(packed, chunk_bytes=5000).lines())

    single, threaded = _both(monkeypatch, lines)
    assert single == threaded
    assert [n for _p, n, _ln in threaded] == list(range(1, raw.count(b"\n") + 1))
    assert b"\n".join(ln for _p, _n, ln in threaded) + b"\n" == raw

    want = feeds.replay(plain, **KW)
    for r in _both(monkeypatch, lambda: feeds.replay(packed, batch_rows=500, **KW)):
        assert np.array_equal(r.bbo, want.bbo)
        assert r.stats == want.stats


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_truncated_and_corrupt_data_are_feed_errors_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    raw = _tardis_csv(20_000, 1)  # several zstd blocks: the corrupt one is mid-file
    good = _compress(raw, kind, 1)
    p = tmp_path / f"bad.csv.{kind}"
    reasons: list[str] = []
    corrupt = good[: len(good) // 2] + b"\xff" * 64 + good[len(good) // 2 :]
    # a truncated .zst: zstandard's reader ends quietly; _zstd_frames.FrameCheck notices
    for bad in [corrupt, good[: len(good) * 2 // 3]]:
        p.write_bytes(bad)

        def replay() -> str:
            with pytest.raises(FeedError) as e:
                feeds.replay(p, **KW)
            return str(e.value)

        name = f"bad.csv.{kind}:"
        for msg in _both(monkeypatch, replay):
            # the line reached: mid-file, how far depends on the sizes of the reads
            path, rest = msg.split(name)
            line, reason = rest.split(":", 1)
            assert path == str(tmp_path) + "/" and 1 < int(line) < raw.count(b"\n")
            assert reason.startswith(" cannot read from this line on (corrupt")
            assert "the damage can be further on" in reason
            reasons.append(reason)
        assert reasons[-1] == reasons[-2]


def test_closing_the_batches_generator_joins_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_prefetch, "THREADED", True)
    p = tmp_path / "f.csv.gz"
    p.write_bytes(gzip.compress(_tardis_csv(20_000, 2)))
    g = feeds.read(p, batch_rows=100, **KW)
    next(g)
    assert len(_threads()) == 1  # running ahead, blocked on the full queue
    g.close()
    assert not _threads()


def test_an_exception_in_the_consumer_joins_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exception's traceback keeps the reader's generator alive: the replay closes it."""
    monkeypatch.setattr(_prefetch, "THREADED", True)
    p = tmp_path / "f.csv.gz"
    p.write_bytes(gzip.compress(_tardis_csv(20_000, 3, cross_at=2000)))
    with pytest.raises(FeedError, match=r"f\.csv\.gz:2040: the book is crossed") as e:
        feeds.replay(p, on_crossed="raise", batch_rows=100, **KW)
    assert e.value is not None and not _threads()

    class Stop(Exception):
        pass

    def sink(rows: Any, depth: Any) -> None:
        raise Stop

    with pytest.raises(Stop):
        feeds.replay_into(p, book=feeds.new_book(), sink=sink, batch_rows=100, **KW)
    assert not _threads()


class _Endless:
    """A stream that never ends (a file larger than memory), or fails after ``fail_after`` reads."""

    def __init__(self, fail_after: int = -1) -> None:
        self.reads = 0
        self.fail_after = fail_after

    def read(self, n: int) -> bytes:
        self.reads += 1
        if self.reads == self.fail_after:
            raise zlib.error("Error -3 while decompressing data: invalid block type")
        return bytes([self.reads % 256]) * n


def test_prefetch_runs_at_most_depth_blocks_ahead_and_close_joins() -> None:
    inner = _Endless()
    f = Prefetch(inner, block_bytes=1000, depth=3)
    buf = bytearray(2500)
    assert f.readinto(buf) == 1000 and buf[:1000] == b"\x01" * 1000
    assert f.readinto(memoryview(buf)[:10]) == 10 and buf[:10] == b"\x02" * 10
    f._thread.join(0.2)  # it stays blocked on the full queue
    assert f.running and inner.reads <= 2 + 3 + 1  # handed out, queued, one in hand
    f.close()
    assert not f.running and f.closed


def test_prefetch_raises_the_threads_exception_after_the_blocks_before_it() -> None:
    f = Prefetch(_Endless(fail_after=3), block_bytes=100, depth=2)
    buf = bytearray(100)
    assert f.readinto(buf) == 100 and f.readinto(buf) == 100
    with pytest.raises(zlib.error, match="invalid block type"):
        f.readinto(buf)
    assert f.readinto(buf) == 0  # ended
    f.close()
    assert not f.running


@pytest.mark.parametrize(("cpus", "want"), [({0}, False), ({0, 1}, True), ({3, 5, 6}, True)])
def test_one_cpu_means_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpus: set[int], want: bool
) -> None:
    monkeypatch.setattr(_prefetch.os, "sched_getaffinity", lambda pid: cpus, raising=False)
    assert _prefetch.threaded() is want
    p, plain = tmp_path / "f.csv.gz", tmp_path / "f.csv"
    p.write_bytes(gzip.compress(b"a\n"))
    plain.write_bytes(b"a\n")
    for path, threaded in ((p, want), (plain, False)):  # an uncompressed file: never
        for _path, f in Source(path).streams():
            assert isinstance(f, Prefetch) is threaded
    monkeypatch.setattr(_prefetch, "THREADED", False)
    assert _prefetch.threaded() is False


def test_a_wrapper_that_fails_still_closes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # regression (review of stop 24): _wrap ran before the try, so a decompressor that could
    # not be set up (zstandard missing, ...) left the opened file to the garbage collector
    from tapebook.feeds import _source

    p = tmp_path / "f.csv.zst"
    p.write_bytes(_compress(_tardis_csv(10, 0), "zst", 0))
    opened: list[Any] = []

    def spy_open(*a: Any, **k: Any) -> Any:
        f = open(*a, **k)  # noqa: SIM115 - the test checks it gets closed
        opened.append(f)
        return f

    def failing_wrap(raw: Any, kind: str | None) -> Any:
        raise ImportError("reading .zst files needs the 'zstandard' package")

    monkeypatch.setattr(_source, "open", spy_open, raising=False)
    monkeypatch.setattr(_source, "_wrap", failing_wrap)
    with pytest.raises(ImportError):
        list(Source(p).lines())
    assert len(opened) == 1 and opened[0].closed
