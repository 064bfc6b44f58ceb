"""itch: NASDAQ TotalView-ITCH 5.0 files written by tapebook.testing.itch_writer (from the
spec), decoded and replayed; the decoded MBO rows drive the naive L3 reference model to
the book the file's construction implies, and the replay's BBO series is that model's."""

from __future__ import annotations

import bisect
import random
from pathlib import Path

import pytest
from l3_helpers import apply_mbo_batches, bbo_of, book_state, l3book_matches, replay_bbo

from tapebook import feeds
from tapebook.errors import FeedError
from tapebook.feeds import itch as itch_mod
from tapebook.testing.itch_writer import ItchWriter
from tapebook.testing.l3_reference import ASK, BID, RefL3Book

KW = dict(format="itch", tick_size="0.0001", lot_size="1")


def small_day() -> tuple[ItchWriter, RefL3Book]:
    """A hand-written session: AAPL (locate 7) and MSFT (locate 8) orders interleaved."""
    w = ItchWriter()
    w.system_event(1_000, "O")
    w.stock_directory(2_000, 7, "AAPL")
    w.stock_directory(2_001, 8, "MSFT")
    w.add(10_000, 7, 1, "B", 100, "AAPL", 1_500_000)  # bid 150.0000 x 100
    w.add(10_001, 8, 2, "B", 999, "MSFT", 3_000_000)  # another stock
    w.add(10_002, 7, 3, "B", 50, "AAPL", 1_500_000, mpid="GSCO")  # F: behind 1
    w.add(10_003, 7, 4, "S", 70, "AAPL", 1_500_100)  # ask 150.0100 x 70
    w.executed(10_004, 7, 1, 30, match=1)  # 1 -> 70 (keeps priority)
    w.cancel(10_005, 7, 3, 20)  # 3 -> 30
    w.trade(10_006, 7, 0, "B", 10, "AAPL", 1_500_050, match=2)  # hidden: no book change
    w.replace(10_007, 7, 1, 5, 70, 1_499_900)  # 1 leaves; 5 bids 149.99 x 70
    w.executed_with_price(10_008, 7, 4, 70, match=3, price=1_500_200)  # 4 filled: gone
    w.delete(10_009, 8, 2)
    w.add(10_010, 7, 6, "S", 10, "AAPL", 1_500_300)
    w.delete(10_011, 7, 3)
    w.executed(10_012, 7, 99, 5, match=4)  # unknown reference: counted
    ref = RefL3Book()
    ref.add(5, BID, 1_499_900, 70)
    ref.add(6, ASK, 1_500_300, 10)
    return w, ref


def test_hand_written_session(tmp_path: Path) -> None:
    w, expected = small_day()
    path = w.write(tmp_path / "day.itch")
    batches = list(feeds.read_mbo(path, symbol="AAPL", **KW))
    got, bbo = apply_mbo_batches(batches)
    assert book_state(got) == book_state(expected)
    rows = [r for b in batches for r in b.rows()]
    A, C, E = ord("A"), ord("C"), ord("E")
    assert rows == [
        (A, 1, 1, 1_500_000, 100), (A, 3, 1, 1_500_000, 50), (A, 4, 0, 1_500_100, 70),
        (E, 1, 0, 0, 30), (C, 3, 0, 0, 20), (C, 1, 0, 0, 70), (A, 5, 1, 1_499_900, 70),
        (E, 4, 0, 0, 70), (A, 6, 0, 1_500_300, 10), (C, 3, 0, 0, 30),
    ]  # fmt: skip
    r = feeds.replay(path, symbol="AAPL", **KW)
    assert replay_bbo(r) == bbo
    assert len(r.bbo) == 10  # one row per AAPL order message (the unknown execute included)
    assert r.bbo["ts"].tolist()[0] == 10_000 and r.bbo["seq"].tolist()[0] == 3  # 4th record
    assert r.l3_counts["unknown_id"] == 1
    assert r.l3_counts["skipped_stock"] == 2 and r.l3_counts["skipped_type"] == 4  # S, R, R, P
    assert r.stats.skipped == 6
    assert r.orders == {5: (1, 1_499_900, 70), 6: (0, 1_500_300, 10)}
    assert r.l3book.level_orders(1, 1_499_900) == [(5, 70)] and len(r.l3book) == 2  # the final L3Book
    assert r.l3book.best_ask_px() == 1_500_300 and r.l3book.queue_position(6) == (0, 0)
    assert isinstance(r, feeds.L3FeedResult)
    # the same by stock locate; and in cents: 150.0000 is 15000 ticks of 0.01
    assert replay_bbo(feeds.replay(path, stock_locate=7, **KW)) == bbo
    cents = feeds.replay(path, format="itch", tick_size="0.01", lot_size="1", symbol="AAPL")
    assert replay_bbo(cents)[0] == (15000, 100, EMPTY_ASK_PX, 0)
    with pytest.raises(FeedError, match="not a whole number of ticks / lots") as e:  # 5 of lots of 10
        feeds.replay(path, format="itch", tick_size="0.01", lot_size="10", symbol="AAPL")
    assert e.value.line == 16


EMPTY_ASK_PX = 2**63 - 1


def random_day(seed: int, n_ops: int) -> tuple[ItchWriter, RefL3Book, list[tuple[int, int, int, int]]]:
    """Random order flow for AAPL (with MSFT noise), and the reference book and BBO per
    AAPL message built from the writer's intent."""
    rng = random.Random(seed)
    w = ItchWriter()
    w.stock_directory(1, 8, "MSFT")
    w.stock_directory(2, 7, "AAPL")
    ref = RefL3Book()
    bbo = []
    next_ref = 1
    ts = 10
    # the resting ids in ref.orders' order, kept up to date: ids only grow and orders only
    # leave, so it stays sorted (a fresh list(ref.orders) per message made a day of 200k
    # messages take a minute)
    live: list[int] = []
    for _ in range(n_ops):
        ts += rng.randint(0, 1000)
        r = rng.random()
        if rng.random() < 0.15:  # noise: other stock, other message types
            w.add(ts, 8, 10**9 + next_ref, "S", 5, "MSFT", 10_000)
            w.system_event(ts, "Q")
            next_ref += 1
            continue
        if r < 0.4 or not live:
            side = rng.randint(0, 1)
            px = 1_000_000 + rng.randint(-6, 6) * 100
            qty = rng.randint(1, 500)
            w.add(ts, 7, next_ref, "B" if side else "S", qty, "AAPL", px, mpid="MPID" if r < 0.1 else None)
            ref.add(next_ref, side, px, qty)
            live.append(next_ref)
            next_ref += 1
        else:
            oid = rng.choice(live)
            held = ref.orders[oid][2]
            if r < 0.55:
                q = rng.randint(1, held)
                w.executed(ts, 7, oid, q, match=ts)
                ref.execute(oid, q)
            elif r < 0.65:
                q = rng.randint(1, held)
                w.executed_with_price(ts, 7, oid, q, match=ts, price=123)
                ref.execute(oid, q)
            elif r < 0.8:
                q = rng.randint(1, held)
                w.cancel(ts, 7, oid, q)
                ref.cancel(oid, q)
            elif r < 0.9:
                w.delete(ts, 7, oid)
                ref.cancel(oid)
            else:
                px = 1_000_000 + rng.randint(-6, 6) * 100
                qty = rng.randint(1, 500)
                w.replace(ts, 7, oid, next_ref, qty, px)
                ref.replace(oid, next_ref, px, qty)
                live.append(next_ref)
                next_ref += 1
            if oid not in ref.orders:
                del live[bisect.bisect_left(live, oid)]
        bbo.append(bbo_of(ref))
    return w, ref, bbo


@pytest.mark.parametrize("seed", range(6))
def test_random_sessions_match_the_reference(tmp_path: Path, seed: int) -> None:
    w, expected, bbo = random_day(seed, 600)
    path = w.write(tmp_path / "r.itch")
    got, got_bbo = apply_mbo_batches(list(feeds.read_mbo(path, symbol="AAPL", **KW)))
    assert book_state(got) == book_state(expected)
    assert got_bbo == bbo
    r = feeds.replay(path, symbol="AAPL", depth=3, **KW)
    assert replay_bbo(r) == bbo
    l3book_matches(r, got)


def test_record_and_row_splits_do_not_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # reads that end inside records, and output columns that fill up mid-block
    w, _expected, bbo = random_day(11, 300)
    path = w.write(tmp_path / "r.itch")
    monkeypatch.setattr(itch_mod, "_READ_BYTES", 7)
    monkeypatch.setattr(itch_mod, "_MAP_BYTES", 7)  # the mapped windows too (grown past a record)
    monkeypatch.setattr(itch_mod, "_ROWS", 5)
    assert replay_bbo(feeds.replay(path, symbol="AAPL", batch_rows=16, **KW)) == bbo


def test_batches_kept_across_blocks_stay_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the batches take the output columns without a copy: a later block must not write
    # into a batch kept from an earlier one (read_mbo's list keeps every batch)
    w, expected, bbo = random_day(12, 400)
    path = w.write(tmp_path / "r.itch")
    monkeypatch.setattr(itch_mod, "_ROWS", 7)
    batches = list(feeds.read_mbo(path, symbol="AAPL", batch_rows=3, **KW))
    assert len(batches) > 20
    got, got_bbo = apply_mbo_batches(batches)
    assert book_state(got) == book_state(expected) and got_bbo == bbo
    l2 = list(feeds.read(path, symbol="AAPL", batch_rows=3, **KW))
    assert sum(b.n_messages for b in l2) == len(bbo)


def test_bbo_only_replay_then_mbo_batches_of_the_same_reader(tmp_path: Path) -> None:
    # a reader iterated for the L2 book alone (no mbo_sink) builds no MBO batch; the same
    # file still gives the same L2 messages, and mbo_batches() (read_mbo) the MBO rows
    w, expected, bbo = random_day(13, 300)
    path = w.write(tmp_path / "r.itch")
    r = feeds.replay(path, symbol="AAPL", max_orders=0, **KW)
    assert r.l3book is None and replay_bbo(r) == bbo
    from tapebook.feeds._reader import ReaderOptions
    from tapebook.feeds._source import Source

    opts = ReaderOptions(instrument=r.instrument, extra={"symbol": "AAPL"})
    reader = itch_mod.ItchReader(Source(path), opts)
    assert sum(b.n_messages for b in reader) == len(bbo)
    reader2 = itch_mod.ItchReader(Source(path), opts)
    got, got_bbo = apply_mbo_batches([m for m, _l2 in reader2.mbo_batches()])
    assert book_state(got) == book_state(expected) and got_bbo == bbo


def test_l3book_arena_grows_past_its_reserve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the replay's L3Book reserves a small arena and doubles it on demand up to max_orders
    from tapebook.feeds import _l3replay

    w, expected, bbo = random_day(14, 2000)
    path = w.write(tmp_path / "r.itch")
    monkeypatch.setattr(_l3replay, "RESERVE_ORDERS", 2)
    r = feeds.replay(path, symbol="AAPL", **KW)
    assert len(expected) > 100 and replay_bbo(r) == bbo
    l3book_matches(r, expected)
    assert r.l3book is not None and r.l3book.max_orders == 1 << 20
    small = feeds.replay(path, symbol="AAPL", max_orders=len(expected) // 2, **KW)
    assert small.l3_counts["l3book_refused"] > 0 and len(small.l3book) <= len(expected) // 2
    assert replay_bbo(small) == bbo  # the BBO series comes from the L2 book either way


def test_batches_come_while_the_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # batch_rows bounds what the reader holds: the first batch comes long before the end of
    # the file, also when every block of records ends inside a record (before: only a block
    # that filled the output columns looked at batch_rows)
    from tapebook.config import Instrument
    from tapebook.feeds._reader import ReaderOptions
    from tapebook.feeds._source import Source

    w, _expected, _bbo = random_day(16, 2000)
    path = w.write(tmp_path / "r.itch")
    monkeypatch.setattr(itch_mod, "_READ_BYTES", 300)
    monkeypatch.setattr(itch_mod, "_MAP_BYTES", 300)
    inst = Instrument(symbol="", tick_size="0.0001", lot_size="1", price_bits=64, n=1024)
    reader = itch_mod.ItchReader(
        Source(path), ReaderOptions(instrument=inst, batch_rows=50, extra={"symbol": "AAPL"})
    )
    assert next(iter(reader)).n_messages > 0
    assert 0 < int(reader.state.records) < len(w.messages) // 4


def test_compressed_file_and_file_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the reader fills one buffer in place (readinto); a gzip stream and a file object too,
    # with blocks that end inside records
    import gzip
    import io

    w, _expected, bbo = random_day(15, 300)
    data = w.to_bytes()
    (tmp_path / "r.itch.gz").write_bytes(gzip.compress(data))
    monkeypatch.setattr(itch_mod, "_READ_BYTES", 13)
    assert replay_bbo(feeds.replay(tmp_path / "r.itch.gz", symbol="AAPL", **KW)) == bbo
    assert replay_bbo(feeds.replay(io.BytesIO(data), symbol="AAPL", **KW)) == bbo


def split_in_two(tmp_path: Path, w: ItchWriter) -> list[Path]:
    """The day's records as two files a.itch and b.itch, cut at the middle record's boundary."""
    data = w.to_bytes()
    cut = 0
    for _ in range(len(w.messages) // 2):
        cut += 2 + int.from_bytes(data[cut : cut + 2], "big")
    (tmp_path / "a.itch").write_bytes(data[:cut])
    (tmp_path / "b.itch").write_bytes(data[cut:])
    return [tmp_path / "a.itch", tmp_path / "b.itch"]


def test_a_list_of_files_is_one_stream(tmp_path: Path) -> None:
    w, _expected, bbo = random_day(3, 200)
    r = feeds.replay(split_in_two(tmp_path, w), symbol="AAPL", **KW)
    assert replay_bbo(r) == bbo


def malformed(tmp_path: Path, message: bytes) -> Path:
    w = ItchWriter()
    w.stock_directory(1, 7, "AAPL")
    w.add(2, 7, 1, "B", 10, "AAPL", 1_000_000)
    w.raw(message)
    w.add(3, 7, 2, "S", 10, "AAPL", 1_000_100)
    return w.write(tmp_path / "bad.itch")


LOC7 = (7).to_bytes(2, "big")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"A" + bytes(30), "message 'A': message length does not match its type"),
        (b"D" + LOC7 + bytes(8) + bytes(8), "message 'D': order reference number 0"),
        (b"A" + LOC7 + bytes(8) + (5).to_bytes(8, "big") + b"Z" + bytes(16), "buy/sell indicator"),
        (b"", "record of length 0"),
    ],
)
def test_malformed_records(tmp_path: Path, message: bytes, reason: str) -> None:
    path = malformed(tmp_path, message)
    with pytest.raises(FeedError, match=reason) as e:
        feeds.replay(path, symbol="AAPL", **KW)
    assert e.value.line == 3 and e.value.path == str(path)
    r = feeds.replay(path, symbol="AAPL", on_error="skip", **KW)
    assert len(r.bbo) == 2 and r.stats.skipped == 2  # the bad record and the directory
    assert r.orders == {1: (1, 1_000_000, 10), 2: (0, 1_000_100, 10)}


def test_inexact_price_and_truncated_file(tmp_path: Path) -> None:
    w = ItchWriter()
    w.stock_directory(1, 7, "AAPL")
    w.add(2, 7, 1, "B", 10, "AAPL", 1_000_050)  # 100.0050: not a whole cent
    path = w.write(tmp_path / "p.itch")
    with pytest.raises(FeedError, match="not a whole number of ticks"):
        feeds.replay(path, format="itch", tick_size="0.01", lot_size="1", symbol="AAPL")
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(FeedError, match="the file ends inside a record") as e:
        feeds.replay(path, symbol="AAPL", **KW)
    assert e.value.line == 2


def test_option_errors(tmp_path: Path) -> None:
    w, _ = small_day()
    path = w.write(tmp_path / "d.itch")
    with pytest.raises(ValueError, match="exactly one of symbol= or stock_locate="):
        feeds.replay(path, **KW)
    with pytest.raises(ValueError, match=r"whole multiple of 0\.0001"):
        feeds.replay(path, format="itch", tick_size="0.00001", lot_size="1", symbol="AAPL")
    with pytest.raises(ValueError, match="stock_locate=0"):
        feeds.replay(path, stock_locate=0, **KW)
    with pytest.raises(TypeError, match="unexpected option"):
        feeds.replay(path, symbol="AAPL", depth_limit=3, **KW)
    with pytest.raises(ValueError, match="1 to 8 ASCII"):
        feeds.replay(path, symbol="TOOLONGSYM", **KW)


def test_cli_passes_format_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tapebook.cli import main

    w, _ = small_day()
    path = w.write(tmp_path / "d.itch")
    args = ["feed", str(path), "--format", "itch", "--tick-size", "0.0001", "--lot-size", "1"]
    assert main([*args, "--option", "symbol=AAPL"]) == 0
    out = capsys.readouterr().out
    assert "itch: complete" in out and "unknown_id" in out and "skipped_stock" in out
    assert main([*args, "--option", "stock_locate=7"]) == 0
    assert main([*args, "--option", "symbol"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(args) == 2  # neither symbol= nor stock_locate=
    assert "exactly one of" in capsys.readouterr().err


def test_same_bbo_as_itch_book(tmp_path: Path) -> None:
    # an independent ITCH implementation (itch-book, C++, in the bench extra) as a second oracle
    itch_book = pytest.importorskip("itch_book")
    import datetime as dt

    import numpy as np

    w, _ref, _bbo = random_day(21, 3000)
    path = w.write(tmp_path / "d.itch")
    x = feeds.replay(path, symbol="AAPL", **KW).bbo
    ours = np.stack(
        [np.where(x["bid_qty"] == 0, 0, x["bid_px"]), x["bid_qty"].astype(np.int64),
         np.where(x["ask_qty"] == 0, 0, x["ask_px"]), x["ask_qty"].astype(np.int64)], axis=1,
    )  # fmt: skip
    changed = np.ones(len(ours), bool)
    changed[1:] = (ours[1:] != ours[:-1]).any(axis=1)
    feed = itch_book.Feed(str(path), date=dt.date(2019, 1, 30), price_type="fixed")
    cols: dict[str, list] = {}
    for b in feed.batches(tables=("bbo",), symbols="AAPL"):
        for k, v in b.bbo.items():
            cols.setdefault(k, []).append(np.asarray(v))
    theirs = np.stack([np.concatenate(cols[k]) for k in ("bid_px", "bid_sz", "ask_px", "ask_sz")], axis=1)
    assert (ours[changed] == theirs.astype(np.int64)).all() and len(theirs) == changed.sum()


def test_max_orders_zero_skips_the_l3book(tmp_path: Path) -> None:
    w, _ = small_day()
    path = w.write(tmp_path / "d.itch")
    with_book = feeds.replay(path, symbol="AAPL", **KW)
    without = feeds.replay(path, symbol="AAPL", max_orders=0, **KW)
    assert without.l3book is None and replay_bbo(without) == replay_bbo(with_book)
    with pytest.raises(ValueError, match="max_orders"):
        feeds.replay(path, symbol="AAPL", max_orders=-1, **KW)
