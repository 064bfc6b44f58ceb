"""The JSON venues' C loop (tapebook/feeds/_json_loop.py) reads chunks whose lines the
source does not count (``Source.chunks(next_line=...)``: the C loop's own count goes
back to the source): with chunks of any size, a list of files, CRLF line ends, blank
and bad lines and gzip, every message (line number, kind, note, rows) is the msgspec
path's (TAPEBOOK_JSON_SCAN=0, which reads counted lines), and so are the errors."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path
from typing import Any

import pytest
from render import random_history, render_binance, render_kraken

from tapebook import feeds
from tapebook.config import Instrument
from tapebook.feeds._formats import spec
from tapebook.feeds._json_loop import SCAN_ENV
from tapebook.feeds._reader import ReaderOptions
from tapebook.feeds._source import Chunk, Source

UNITS = {"tick_size": "0.01", "lot_size": "0.001"}
CHUNKS = (1, 7, 97, 4096, 1 << 20)  # smaller than a line, a few lines, the whole file


def _frames(venue: str) -> tuple[list[str], str | None]:
    h = random_history(random.Random(7), steps=120)
    if venue == "binance":
        snap, text = render_binance(h)
        return text.splitlines(), snap
    return render_kraken(h)[0].splitlines(), None


def _damaged(lines: list[str], seed: int) -> bytes:
    """The lines with blank lines, CRLF ends and a few frames the C loop hands back
    (bad values: ERROR messages with the line in their note)."""
    rng = random.Random(seed)
    out = []
    for i, ln in enumerate(lines):
        if i > 5 and rng.random() < 0.03:
            ln = ln.replace('"', "'", 1)  # not JSON: an ERROR message for this line
        if rng.random() < 0.05:
            out.append("   ")
        out.append(ln + ("\r" if rng.random() < 0.2 else ""))
    return ("\n".join(out) + "\n").encode()


def _messages(venue: str, source: Any, snap: Path | None, chunk_bytes: int) -> list[tuple]:
    """Every message of the reader's batches, flattened: (path, line, kind, ts, seq, note, rows)."""
    inst = Instrument(**UNITS)
    opts = ReaderOptions(inst, Source(snap) if snap else None, on_error="skip", batch_rows=64)
    out = []
    for b in spec(venue).reader_class()(Source(source, chunk_bytes=chunk_bytes), opts):
        for i in range(b.n_messages):
            rows = b.message_rows(i)
            out.append((
                b.path, int(b.line[i]), int(b.kind[i]), int(b.ts[i]), int(b.seq[i]), b.notes.get(i),
                b.side[rows].tolist(), b.px[rows].tolist(), b.qty[rows].tolist(),
            ))  # fmt: skip
    return out


@pytest.mark.parametrize("venue", ["binance", "kraken"])
def test_messages_match_the_counted_path_at_every_chunk_size(
    venue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, snap = _frames(venue)
    half = len(lines) // 2
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    a.write_bytes(_damaged(lines[:half], 1))
    b.write_bytes(gzip.compress(_damaged(lines[half:], 2)))
    snap_path = None
    if snap is not None:
        snap_path = tmp_path / "snap.json"
        snap_path.write_text(snap)
    monkeypatch.setenv(SCAN_ENV, "0")
    want = _messages(venue, [a, b], snap_path, 1 << 20)
    assert any(m[2] == feeds.Kind.ERROR for m in want) and len({m[0] for m in want}) == 2
    monkeypatch.setenv(SCAN_ENV, "1")
    for chunk in CHUNKS:
        assert _messages(venue, [a, b], snap_path, chunk) == want, chunk
    # a binary file object too (one stream, no name)
    monkeypatch.setenv(SCAN_ENV, "0")
    want = _messages(venue, io.BytesIO(a.read_bytes()), snap_path, 1 << 20)
    monkeypatch.setenv(SCAN_ENV, "1")
    assert _messages(venue, io.BytesIO(a.read_bytes()), snap_path, 97) == want


def test_uncounted_chunks_take_their_first_line_from_the_reader() -> None:
    data = b"a\nbb\r\n\nccc\nd"
    counted = list(Source(io.BytesIO(data), chunk_bytes=4).chunks())
    assert sum(c.n_lines for c in counted) == 5
    starts = [1 + sum(c.n_lines for c in counted[:i]) for i in range(len(counted))]
    assert [c.first_line for c in counted] == starts
    assert b"\n".join(c.data for c in counted) == data
    given: list[int] = []

    def next_line() -> int:  # the reader's count: here a different one, to see it used
        given.append(100 * (len(given) + 1))
        return given[-1]

    uncounted = list(Source(io.BytesIO(data), chunk_bytes=4).chunks(next_line=next_line))
    assert [c.data for c in uncounted] == [c.data for c in counted]
    assert [c.first_line for c in uncounted] == [1, *given[: len(uncounted) - 1]]
    assert all(c.n_lines == -1 for c in uncounted[:-1])
    assert uncounted[-1] == Chunk("<stream>", given[-1], b"d", 1)  # the last line, without a line end


def test_corrupt_gzip_error_names_the_same_line_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, _ = _frames("kraken")
    body = gzip.compress(("\n".join(lines * 40) + "\n").encode())  # several MB: more than one chunk
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(body[: len(body) * 3 // 4])  # truncated
    errors = []
    for scan in ("1", "0"):
        monkeypatch.setenv(SCAN_ENV, scan)
        with pytest.raises(feeds.FeedError) as e:
            feeds.replay(p, format="kraken", on_error="skip", on_gap="resync", **UNITS)
        errors.append(str(e.value))
    assert errors[0] == errors[1]
    assert "line 1:" not in errors[0]


@pytest.mark.parametrize("chunk", [1, 7, 97, 4096])
def test_line_blocks_are_the_chunks_of_one_reused_buffer(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """_source.line_blocks (the C loop's reads into one buffer) gives _chunks_of's blocks
    for a file, a BytesIO and a gzip stream (whose reads are short), the last line without
    a line end too; a line longer than MAX_LINE_BYTES is the same FeedError."""
    from tapebook.feeds import _source

    data = b"a\nbb\r\n\n" + b"c" * 300 + b"\n" + b"\n".join(b"x" * (i % 13) for i in range(200)) + b"\nend"
    plain, packed = tmp_path / "a.jsonl", tmp_path / "a.jsonl.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))

    def both(make: Any) -> tuple[list[tuple[int, bytes]], list[tuple[int, bytes]]]:
        counted = [(c.first_line, c.data) for c in Source(make(), chunk_bytes=chunk).chunks()]
        lines = iter(c[0] for c in counted[1:])  # the next block's first line, as the C loop counts
        blocks: list[tuple[int, bytes]] = []
        for path, f in Source(make(), chunk_bytes=chunk).streams():
            for first, buf, n in _source.line_blocks(path, f, chunk, lambda: next(lines)):
                blocks.append((first, bytes(buf[:n])))
        return counted, blocks

    for make in (lambda: plain, lambda: packed, lambda: io.BytesIO(data)):
        counted, blocks = both(make)
        assert blocks == counted and b"\n".join(b for _, b in blocks) == data
    if chunk > 250:  # the long line arrives whole in one read: no error either way
        return
    monkeypatch.setattr(_source, "MAX_LINE_BYTES", 250)
    for source in (plain, packed):
        errors = []
        with pytest.raises(feeds.FeedError) as e:
            list(Source(source, chunk_bytes=chunk).chunks())
        errors.append(str(e.value))
        with pytest.raises(feeds.FeedError) as e:
            for path, f in Source(source, chunk_bytes=chunk).streams():
                list(_source.line_blocks(path, f, chunk, lambda: 4))
        errors.append(str(e.value))
        assert errors[0] == errors[1] and "longer than 250 bytes" in errors[0]
