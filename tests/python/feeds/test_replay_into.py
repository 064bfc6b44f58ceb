"""feeds.replay_into (the seam tapebook.dataset replays through): the same rows as
feeds.replay handed to a sink batch by batch; continuing=True applies book data
before the file's first snapshot to the given book; argument checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tapebook import feeds
from tapebook.errors import ArgumentTypeError, InvalidArgumentError

HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
KW = {"tick_size": "0.25", "lot_size": "0.1"}


def _write(tmp_path: Path, name: str, body: str) -> Path:
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def test_same_rows_as_replay(tmp_path: Path) -> None:
    body = "".join(
        f"x,A,{t},{t},{'true' if t < 3 else 'false'},bid,{90 + t % 7},{t % 4}\n" for t in range(1, 400)
    )
    p = _write(tmp_path, "a.csv", body)
    got: list[np.ndarray] = []
    book = feeds.new_book(1024)
    stats, status, reason = feeds.replay_into(
        p, "tardis", book=book, sink=lambda rows, depth: got.append(rows), batch_rows=50, **KW
    )
    r = feeds.replay(p, format="tardis", **KW)
    assert status == "complete" and reason == "" and stats == r.stats
    assert np.array_equal(np.concatenate(got), r.bbo) and len(got) > 2
    assert book.to_dict() == r.book.to_dict()


@pytest.mark.parametrize("chunk_bytes", [32 << 20, 1000, 1])
def test_joined_rows_are_the_batches_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    # replay's engine writes the rows straight into the sink's chunks (one chunk: no copy;
    # several, or batches larger than a chunk: joined as whole records — numpy copies a
    # padded structured dtype field by field, at half the speed): the same bytes as the
    # batches, so the padding the C loop zeroes stays zero
    from tapebook.feeds import _sink

    monkeypatch.setattr(_sink, "_CHUNK_BYTES", chunk_bytes)
    body = "".join(
        f"x,A,{t},{t},{'true' if t < 3 else 'false'},ask,{95 + t % 5},{t % 3}\n" for t in range(1, 300)
    )
    p = _write(tmp_path, "a.csv", body)
    got: list[bytes] = []
    deps: list[bytes] = []

    def keep(rows: np.ndarray, depth: np.ndarray | None) -> None:
        assert depth is not None
        got.append(rows.tobytes())  # the C loop's bytes (a copy() would copy field by field)
        deps.append(depth.tobytes())

    feeds.replay_into(p, "tardis", book=feeds.new_book(1024), sink=keep, depth=3, batch_rows=40, **KW)
    r = feeds.replay(p, format="tardis", depth=3, batch_rows=40, **KW)
    assert len(got) > 3 and r.depth is not None
    assert b"".join(got) == r.bbo.tobytes() and b"".join(deps) == r.depth.tobytes()


def test_continuing_applies_deltas_before_the_first_snapshot(tmp_path: Path) -> None:
    day1 = _write(tmp_path, "d1.csv", "x,A,1,1,true,bid,100,1\nx,A,1,1,true,ask,101,1\n")
    day2 = _write(tmp_path, "d2.csv", "x,A,2,2,false,bid,100.25,3\n")
    book = feeds.new_book()
    feeds.replay_into(day1, "tardis", book=book, sink=lambda r, d: None, **KW)
    rows: list[np.ndarray] = []
    stats, _, _ = feeds.replay_into(day2, "tardis", book=book, sink=lambda r, d: rows.append(r),
                                    continuing=True, **KW)  # fmt: skip
    assert stats.skipped == 0 and book.to_dict() == {"bid": {401: 30, 400: 10}, "ask": {404: 10}}
    fresh = feeds.replay(day2, format="tardis", **KW)
    assert fresh.stats.skipped == 1 and len(fresh.bbo) == 0  # without the book: PRESYNC


def test_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="cannot continue from a given book"):
        feeds.replay_into("x.jsonl", "okx", book=feeds.new_book(), sink=print, continuing=True, **KW)
    with pytest.raises(ArgumentTypeError, match=r"64-bit tapebook\.Book"):
        feeds.replay_into("x.csv", "tardis", book=None, sink=print, **KW)  # type: ignore[arg-type]
    assert set(feeds.CONTINUABLE) <= set(feeds.FORMATS)


def test_a_short_replay_does_not_pin_the_sink_chunk(tmp_path: Path) -> None:
    # review: r.bbo of a short replay was a view of the sink's 32 MiB chunk, so every kept
    # result held one (200 kept results of a 300-row file: +2.2 GB of address space); rows
    # filling less than half a chunk are copied out, as whole records
    from tapebook.feeds import _sink

    body = "".join(
        f"x,A,{t},{t},{'true' if t < 3 else 'false'},bid,{90 + t % 7},{t % 4}\n" for t in range(1, 300)
    )
    p = _write(tmp_path, "a.csv", body)
    r = feeds.replay(p, format="tardis", depth=2, **KW)
    assert r.depth is not None
    for rows in (r.bbo, r.depth):
        owner = rows if rows.base is None else rows.base
        while getattr(owner, "base", None) is not None:
            owner = owner.base
        assert owner.nbytes < _sink._CHUNK_BYTES // 4, owner.nbytes
    sink = _sink.MemorySink(depth=0)
    b, _ = sink.room(10)
    b[:] = np.zeros(10, dtype=b.dtype)
    sink.commit(10)
    got, _ = sink.arrays()
    assert len(got) == 10 and got.base is not None and got.base.nbytes == got.nbytes  # its own records
