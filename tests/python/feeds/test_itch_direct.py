"""itch without an L3Book takes the direct path (tb_itch_run.h: bytes to BBO rows in C);
TAPEBOOK_ITCH_DIRECT=0 keeps the reader path. Both must give the same replay: BBO and
depth rows byte for byte, stats, L3 counters, resting orders, errors and their records."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_l3_itch import LOC7, malformed, random_day, small_day, split_in_two

from tapebook import feeds
from tapebook._native import ffi, lib
from tapebook.errors import FeedError
from tapebook.feeds import _itch_direct
from tapebook.feeds import itch as itch_mod
from tapebook.testing.itch_writer import ItchWriter

KW: dict[str, Any] = dict(format="itch", tick_size="0.0001", lot_size="1", max_orders=0)


def both(monkeypatch: pytest.MonkeyPatch, source: Any, **kw: Any) -> tuple[Any, Any]:
    """The replay through the direct path and through the reader path."""
    calls = []
    real = _itch_direct.replay

    def spy(*a: Any) -> None:
        calls.append(1)
        real(*a)

    monkeypatch.setattr(_itch_direct, "replay", spy)
    monkeypatch.delenv("TAPEBOOK_ITCH_DIRECT", raising=False)
    direct = feeds.replay(source, **{**KW, **kw})
    assert calls, "the direct path was not taken"
    monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", "0")
    reader = feeds.replay(source, **{**KW, **kw})
    assert len(calls) == 1, "the reader path took the direct path"
    return direct, reader


def assert_same(a: Any, b: Any) -> None:
    assert a.bbo.dtype == b.bbo.dtype and a.bbo.tobytes() == b.bbo.tobytes()
    if a.depth is None:
        assert b.depth is None
    else:
        assert a.depth.tobytes() == b.depth.tobytes()
    assert vars(a.stats) == vars(b.stats)
    assert a.l3_counts == b.l3_counts
    assert a.orders == b.orders
    assert (a.status, a.stop_reason) == (b.status, b.stop_reason)
    assert a.book.levels_array(1, 1 << 10).tolist() == b.book.levels_array(1, 1 << 10).tolist()
    assert a.book.levels_array(0, 1 << 10).tolist() == b.book.levels_array(0, 1 << 10).tolist()


@pytest.mark.parametrize(("seed", "depth"), [(0, 0), (1, 3), (2, 0), (3, 1)])
def test_random_days_same_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, depth: int
) -> None:
    w, _ref, bbo = random_day(seed, 1500)
    path = w.write(tmp_path / "r.itch")
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=depth)
    assert_same(direct, reader)
    assert len(direct.bbo) == len(bbo) and direct.stats.rows > 0


def test_hand_written_session_same_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, _ = small_day()
    path = w.write(tmp_path / "d.itch")
    for opt in ({"symbol": "AAPL"}, {"stock_locate": 7}, {"stock_locate": 8}):
        direct, reader = both(monkeypatch, path, **opt)
        assert_same(direct, reader)
    direct, reader = both(monkeypatch, path, symbol="AAPL")
    assert direct.bbo["seq"].tolist()[0] == 3 and direct.l3_counts["unknown_id"] == 1


def test_chunk_room_and_block_splits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks that end inside records, rooms smaller than a chunk (the C loop's chunks are
    # cut by the room left), and rooms of one row
    w, _ref, bbo = random_day(11, 1200)
    path = w.write(tmp_path / "r.itch")
    whole = feeds.replay(path, symbol="AAPL", **KW)
    for read_bytes, room in ((7, 5), (300, 1), (1 << 20, 300), (1000, 1 << 16)):
        monkeypatch.setattr(itch_mod, "_READ_BYTES", read_bytes)
        monkeypatch.setattr(itch_mod, "_MAP_BYTES", read_bytes)  # mapped windows that end inside records
        monkeypatch.setattr(_itch_direct, "ROOM", room)
        direct, reader = both(monkeypatch, path, symbol="AAPL", depth=2)
        assert_same(direct, reader)
        assert direct.bbo.tobytes() == whole.bbo.tobytes() and len(whole.bbo) == len(bbo)


def test_order_table_sized_from_the_files(tmp_path: Path) -> None:
    # one slot per 64 bytes on disk, summed over the files, within [2^12, 2^17]; what
    # cannot be sized (a file object, a missing file) gets the least
    small, big = tmp_path / "small.itch", tmp_path / "big.itch"
    small.write_bytes(b"x" * 1000)
    with open(big, "wb") as f:
        f.truncate(3 << 20)  # sparse: 3 MiB on paper
    assert itch_mod.order_slots([]) == 1 << 12
    assert itch_mod.order_slots([str(small), str(tmp_path / "missing.itch")]) == 1 << 12
    assert itch_mod.order_slots([str(big)]) == (3 << 20) // 64
    assert itch_mod.order_slots([str(big), str(big)]) == (6 << 20) // 64
    with open(big, "wb") as f:
        f.truncate(1 << 30)
    assert itch_mod.order_slots([str(big)]) == 1 << 17


@pytest.mark.parametrize("slots", [64, 1 << 17])
def test_first_order_table_size_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slots: int
) -> None:
    # a table that grows from 64 slots many times and one that never grows (2^17) give
    # the same replay on both paths, the L3Book's orders included
    w, _ref, bbo = random_day(7, 3000)
    path = w.write(tmp_path / "r.itch")
    least = feeds.replay(path, symbol="AAPL", **KW)
    monkeypatch.setattr(itch_mod, "order_slots", lambda paths: slots)
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=1)
    assert_same(direct, reader)
    assert direct.bbo.tobytes() == least.bbo.tobytes() and len(least.bbo) == len(bbo)
    kw = {**KW, "max_orders": 1 << 12}
    grown = feeds.replay(path, symbol="AAPL", **kw)
    monkeypatch.undo()
    assert grown.orders == feeds.replay(path, symbol="AAPL", **kw).orders


def test_tape_sized_from_the_tick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # n not given: $1.60 of price, from 1,024 to 16,384 cells; a given n is kept, and the
    # width changes no row (the random day's prices span 1,200 ticks: wider than 1,024)
    assert [itch_mod.tape_size(Decimal(t)) for t in ("0.0001", "0.0002", "0.0004", "0.01", "1")] == [
        16384, 16384, 4096, 1024, 1024,
    ]  # fmt: skip
    w, _ref, bbo = random_day(8, 3000)
    path = w.write(tmp_path / "r.itch")
    wide = feeds.replay(path, symbol="AAPL", depth=2, **KW)
    assert wide.book.n == 16384
    for n in (1024, 4096, 16384):
        r = feeds.replay(path, symbol="AAPL", depth=2, n=n, **KW)
        assert r.book.n == n
        assert_same(r, wide)
    assert feeds.replay(path, symbol="AAPL", **{**KW, "tick_size": "0.01"}).book.n == 1024
    direct, reader = both(monkeypatch, path, symbol="AAPL", depth=1)
    assert direct.book.n == reader.book.n == 16384
    assert_same(direct, reader)
    assert len(direct.bbo) == len(bbo)


def test_a_list_of_files_continues_seq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, _ref, _bbo = random_day(3, 400)
    direct, reader = both(monkeypatch, split_in_two(tmp_path, w), symbol="AAPL")
    assert_same(direct, reader)
    one = feeds.replay(tmp_path / "a.itch", symbol="AAPL", **KW)
    assert direct.bbo.tobytes() != one.bbo.tobytes() and len(direct.bbo) > len(one.bbo)


@pytest.mark.parametrize(
    "message",
    [
        b"A" + bytes(30),
        b"D" + LOC7 + bytes(16),
        b"A" + LOC7 + bytes(8) + (5).to_bytes(8, "big") + b"Z" + bytes(16),
        b"",
    ],
)
def test_malformed_records_same_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, message: bytes
) -> None:
    path = malformed(tmp_path, message)
    errors = []
    for env in ("1", "0"):
        monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", env)
        with pytest.raises(FeedError) as e:
            feeds.replay(path, symbol="AAPL", **KW)
        errors.append((e.value.path, e.value.line, str(e.value)))
    assert errors[0] == errors[1] and errors[0][1] == 3
    direct, reader = both(monkeypatch, path, symbol="AAPL", on_error="skip")
    assert_same(direct, reader)
    assert direct.stats.skipped == 2 and len(direct.bbo) == 2


def test_truncated_file_and_inexact_shares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w, _ref, _bbo = random_day(5, 300)
    path = w.write(tmp_path / "t.itch")
    path.write_bytes(path.read_bytes()[:-3])
    direct, reader = both(monkeypatch, path, symbol="AAPL", on_error="skip")
    assert_same(direct, reader)
    errors = []
    for env, lot in (("1", "1"), ("0", "1"), ("1", "7"), ("0", "7")):
        monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", env)
        with pytest.raises(FeedError) as e:
            feeds.replay(path, symbol="AAPL", **{**KW, "lot_size": lot})
        errors.append((e.value.line, str(e.value)))
    assert errors[0] == errors[1] and "ends inside a record" in errors[0][1]
    assert errors[2] == errors[3] and "whole number of ticks" in errors[2][1]


def crossed_day(tmp_path: Path) -> Path:
    w = ItchWriter()
    w.stock_directory(1, 7, "AAPL")
    w.add(2, 7, 1, "B", 10, "AAPL", 1_000_000)
    w.add(3, 7, 2, "S", 10, "AAPL", 1_000_100)
    w.add(4, 7, 3, "B", 5, "AAPL", 1_000_200)  # crosses: the book is not matched
    w.delete(5, 7, 3)
    w.add(6, 7, 4, "S", 5, "AAPL", 999_900)  # crosses again
    return w.write(tmp_path / "x.itch")


def test_crossed_keep_and_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = crossed_day(tmp_path)
    direct, reader = both(monkeypatch, path, symbol="AAPL")
    assert_same(direct, reader)
    assert direct.stats.crossed == 2
    assert (direct.bbo["flags"] & 2).tolist() == [0, 0, 2, 0, 2]
    errors = []
    for env in ("1", "0"):
        monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", env)
        with pytest.raises(FeedError, match="crossed") as e:
            feeds.replay(path, symbol="AAPL", on_crossed="raise", **KW)
        errors.append((e.value.line, str(e.value)))
    assert errors[0] == errors[1] and errors[0][0] == 4


def test_l3book_and_parquet_keep_the_reader_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the direct path feeds no L3Book and writes no Parquet: those replays stay on the
    # reader path and give the same BBO series
    w, _ref, _bbo = random_day(7, 300)
    path = w.write(tmp_path / "r.itch")
    calls = []
    monkeypatch.setattr(_itch_direct, "replay", lambda *a: calls.append(a))
    with_book = feeds.replay(path, symbol="AAPL", **{**KW, "max_orders": 1 << 12})
    to_file = feeds.replay(path, symbol="AAPL", out=tmp_path / "o.parquet", **KW)
    assert not calls and with_book.l3book is not None
    monkeypatch.undo()
    direct = feeds.replay(path, symbol="AAPL", **KW)
    assert direct.bbo.tobytes() == with_book.bbo.tobytes()
    assert np.array_equal(to_file.bbo, direct.bbo)


def test_a_level_changed_twice_in_a_message_is_one_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a replace at the same price (and a duplicate add) change one level twice in one
    # message: the message names it once with its final total, as _mbo.OrderLog does
    # (before: one row per change, so r.stats.rows counted it twice)
    w = ItchWriter()
    w.stock_directory(1, 7, "AAPL")
    w.add(2, 7, 1, "B", 100, "AAPL", 1_000_000)
    w.add(3, 7, 2, "B", 40, "AAPL", 1_000_000)
    w.replace(4, 7, 1, 5, 70, 1_000_000)  # 1 leaves, 5 joins the same level: 110
    w.replace(5, 7, 5, 2, 30, 1_000_000)  # 5 leaves, new id 2 rests already: replaced too
    w.replace(6, 7, 2, 6, 30, 1_000_100)  # another price: two levels, two rows
    path = w.write(tmp_path / "u.itch")
    kw = {k: v for k, v in KW.items() if k != "max_orders"}
    rows = []
    for b in feeds.read(path, symbol="AAPL", **kw):
        start = 0
        for end in b.row_end.tolist():
            rows.append(
                list(
                    zip(
                        b.side[start:end].tolist(),
                        b.px[start:end].tolist(),
                        b.qty[start:end].tolist(),
                        strict=True,
                    )
                )
            )
            start = end
    assert rows == [
        [(1, 1_000_000, 100)], [(1, 1_000_000, 140)], [(1, 1_000_000, 110)], [(1, 1_000_000, 30)],
        [(1, 1_000_000, 0), (1, 1_000_100, 30)],
    ]  # fmt: skip
    direct, reader = both(monkeypatch, path, symbol="AAPL")
    assert_same(direct, reader)
    assert direct.stats.rows == 6


@pytest.mark.parametrize("direct", ["1", "0"])
def test_a_raising_gz_replay_joins_the_decompression_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: str
) -> None:
    # regression (merge of the direct path with the threaded decompression): the direct
    # path's scan kept the file's stream generator alive in the exception's traceback, so
    # the decompression thread ran on after the replay raised
    import gzip
    import threading

    from tapebook.feeds import _prefetch

    if not _prefetch.threaded():
        pytest.skip("one CPU: no decompression thread")
    monkeypatch.setattr(_prefetch, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(_prefetch, "DEPTH", 2)
    monkeypatch.setattr(itch_mod, "_READ_BYTES", 4096)  # the reader must not take the whole file at once
    monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", direct)
    w, _ref, _bbo = random_day(11, 3000)
    tail = w.write(tmp_path / "tail.itch").read_bytes()
    gz = tmp_path / "x.itch.gz"
    gz.write_bytes(gzip.compress(crossed_day(tmp_path).read_bytes() + tail))
    with pytest.raises(FeedError, match="crossed") as e:
        feeds.replay(gz, symbol="AAPL", on_crossed="raise", **KW)
    assert e.value.line == 4  # the traceback is still referenced here
    assert not [t for t in threading.enumerate() if t.name == "tapebook-decompress"]


PRIMED_PX = 1_500_000  #: the level the order log is primed at, near 2**64 - 1 lots
PRIMED_ID = 1 << 60


def prime_the_order_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ItchReader's order log starts with one order of 2**64 - 6 lots, bid, at
    PRIMED_PX (an ITCH file cannot get a level there: its shares are 32-bit, so over 2**32
    orders at one price would be needed). It rests in the log only, on both paths alike."""
    real = itch_mod.ItchReader.__init__

    def init(self: Any, *a: Any, **kw: Any) -> None:
        real(self, *a, **kw)
        cols = {
            "action": ffi.new("uint8_t[1]", [ord("A")]), "order_id": ffi.new("uint64_t[1]", [PRIMED_ID]),
            "new_id": ffi.new("uint64_t[1]", [0]), "side": ffi.new("uint8_t[1]", [1]),
            "px": ffi.new("int64_t[1]", [PRIMED_PX]), "qty": ffi.new("uint64_t[1]", [(1 << 64) - 6]),
            "ts": ffi.new("int64_t[1]", [0]), "record": ffi.new("int64_t[1]", [0]),
        }  # fmt: skip
        rows = ffi.new("tb_itch_rows *")
        for name, col in cols.items():
            setattr(rows, name, col)
        rows.n = rows.cap = 1
        lcols = {"l2_side": ffi.new("uint8_t[3]"), "l2_px": ffi.new("int64_t[3]"),
                 "l2_qty": ffi.new("uint64_t[3]"), "l2_end": ffi.new("int64_t[1]")}  # fmt: skip
        out = ffi.new("tb_olog_out *")  # action NULL: level rows only
        for name, col in lcols.items():
            setattr(out, name, col)
        assert lib.tb_olog_apply(self._olog, rows, 1, out, ffi.new("size_t *")) == lib.TB_OK

    monkeypatch.setattr(itch_mod.ItchReader, "__init__", init)


def overflow_day(tmp_path: Path) -> tuple[Path, list[int]]:
    """Adds at the primed price (refused: level_overflow) among others, two in a row; the
    records refused."""
    w = ItchWriter()
    w.stock_directory(1, 7, "AAPL")  # record 1
    w.add(2, 7, 1, "B", 10, "AAPL", 1_499_900)
    w.add(3, 7, 2, "S", 10, "AAPL", 1_500_100)
    w.add(4, 7, 3, "B", 7, "AAPL", PRIMED_PX)  # record 4: refused
    w.add(5, 7, 4, "B", 5, "AAPL", 1_499_800)
    w.add(6, 7, 5, "B", 9, "AAPL", PRIMED_PX)  # refused
    w.add(7, 7, 6, "B", 8, "AAPL", PRIMED_PX)  # refused
    w.executed(8, 7, 1, 4, 1)
    w.replace(9, 7, 4, 7, 6, PRIMED_PX)  # refused: order 4 stays
    w.delete(10, 7, 2)
    return w.write(tmp_path / "o.itch"), [4, 6, 7, 9]


def test_level_overflow_is_an_error_message_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 15: the direct path ended the replay on a refused record under any on_error
    # policy, the reader path skips it under "skip" and counts it
    path, refused = overflow_day(tmp_path)
    prime_the_order_log(monkeypatch)
    direct, reader = both(monkeypatch, path, symbol="AAPL", on_error="skip", depth=2)
    assert_same(direct, reader)
    # skipped: the refused records and the stock directory record
    assert direct.stats.skipped == 1 + len(refused) and direct.l3_counts["level_overflow"] == len(refused)
    assert len(direct.bbo) == direct.stats.messages == 9 - len(refused)
    assert sorted(direct.orders) == [1, 4, PRIMED_ID]
    errors = []
    for env in ("1", "0"):
        monkeypatch.setenv("TAPEBOOK_ITCH_DIRECT", env)
        with pytest.raises(FeedError) as e:
            feeds.replay(path, symbol="AAPL", **KW)
        errors.append((e.value.line, str(e.value)))
    assert errors[0] == errors[1] and errors[0][0] == refused[0] and "level_overflow" in errors[0][1]
