"""lobster: message files and orderbook files shaped as LOBSTER documents them
(https://lobsterdata.com/info/DataStructure.php: message columns Time, Type, Order ID,
Size, Price x 10000, Direction; orderbook row k = Ask Price 1, Ask Size 1, Bid Price 1,
Bid Size 1, ... after message k; empty levels 9999999999 / -9999999999 with size 0).

The files are rendered here from a seeded order flow run through the naive L3 reference
model, including orders that rested before the file starts (the initial book) — so the
replay's top levels after every message must equal the orderbook file's row for it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from l3_helpers import apply_mbo_batches, book_state, l3book_matches

from tapebook import feeds
from tapebook.errors import FeedError
from tapebook.testing.l3_reference import ASK, BID, RefL3Book

KW = dict(format="lobster", tick_size="0.0001", lot_size="1")
LEVELS = 10
EMPTY = (9999999999, 0, -9999999999, 0)


def orderbook_row(b: RefL3Book) -> str:
    asks, bids = b.levels(ASK, LEVELS), b.levels(BID, LEVELS)
    out: list[int] = []
    for i in range(LEVELS):
        a = asks[i] if i < len(asks) else (EMPTY[0], 0)
        bd = bids[i] if i < len(bids) else (EMPTY[2], 0)
        out += [a[0], a[1], bd[0], bd[1]]
    return ",".join(map(str, out))


def time_text(ns: int) -> str:
    return f"{ns // 10**9}.{ns % 10**9:09d}"


def render(seed: int, n: int, tmp: Path) -> tuple[Path, Path, list[str], RefL3Book]:
    """A message file and its orderbook file from a seeded flow; the rows and the true book."""
    rng = random.Random(seed)
    book = RefL3Book()
    mid = 1_000_000
    next_id = 1000
    for _ in range(12):  # the initial book: orders the file never names (within 5 levels)
        side = rng.randint(0, 1)
        px = mid - 100 * rng.randint(1, 5) if side else mid + 100 * rng.randint(1, 5)
        book.add(next_id, side, px, rng.randint(1, 9) * 100)
        next_id += 1
    messages, rows = [], []
    ts = 34_200 * 10**9
    for _ in range(n):
        ts += rng.randint(1, 10**7)
        live = list(book.orders)
        r = rng.random()
        if r < 0.07:
            etype = rng.choice([5, 6, 7])
            price = {5: mid, 6: mid, 7: rng.choice([-1, 0, 1])}[etype]
            messages.append(f"{time_text(ts)},{etype},0,{rng.randint(0, 500)},{price},{rng.choice([1, -1])}")
        elif r < 0.5 or not live:
            side = rng.randint(0, 1)
            px = mid + 100 * rng.randint(-7, 7)
            if (side and px >= mid) or (not side and px <= mid):
                px = mid - 100 if side else mid + 100
            qty = rng.randint(1, 9) * 100
            book.add(next_id, side, px, qty)
            messages.append(f"{time_text(ts)},1,{next_id},{qty},{px},{1 if side else -1}")
            next_id += 1
        else:
            oid = rng.choice(live)
            side, px, held = book.orders[oid]
            d = 1 if side else -1
            if r < 0.7:
                q = rng.randint(1, held)
                book.cancel(oid, q)
                etype = 3 if q == held else 2
            elif r < 0.85:
                q = held
                book.cancel(oid)
                etype = 3
            else:
                q = rng.randint(1, held)
                book.execute(oid, q)
                etype = 4
            messages.append(f"{time_text(ts)},{etype},{oid},{q},{px},{d}")
        rows.append(orderbook_row(book))
    msg = tmp / f"X_2012-06-21_34200000_57600000_message_{LEVELS}.csv"
    ob = tmp / f"X_2012-06-21_34200000_57600000_orderbook_{LEVELS}.csv"
    msg.write_text("\n".join(messages) + "\n")
    ob.write_text("\n".join(rows) + "\n")
    return msg, ob, rows, book


def depth_rows(r: feeds.FeedResult) -> list[str]:
    """The replay's depth rows in the orderbook file's layout."""
    d = r.depth
    out = []
    for i in range(len(d)):
        vals: list[int] = []
        for k in range(LEVELS):
            aq, bq = int(d["ask_qty"][i][k]), int(d["bid_qty"][i][k])
            vals += [int(d["ask_px"][i][k]) if aq else EMPTY[0], aq]
            vals += [int(d["bid_px"][i][k]) if bq else EMPTY[2], bq]
        out.append(",".join(map(str, vals)))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_replay_reproduces_the_orderbook_file(tmp_path: Path, seed: int) -> None:
    msg, ob, rows, _book = render(seed, 400, tmp_path)
    r = feeds.replay(msg, snapshot=ob, depth=LEVELS, **KW)
    l3book_matches(r, apply_mbo_batches(list(feeds.read_mbo(msg, snapshot=ob, **KW)))[0])
    got = depth_rows(r)
    assert r.bbo["flags"].tolist()[0] == 1 and r.bbo["seq"].tolist()[0] == 0  # the initial book
    assert r.stats.resets == 1
    # every book message's row equals the orderbook file's row for it
    seqs = r.bbo["seq"].tolist()
    for i, s in enumerate(seqs[1:], start=1):
        assert got[i] == rows[s - 1], f"message line {s}"
    skipped = r.l3_counts.get("hidden_execution", 0) + r.l3_counts.get("cross_trade", 0)
    skipped += r.l3_counts.get("trading_halt", 0)
    assert len(seqs) - 1 + skipped == len(rows) and r.stats.skipped == skipped


def test_orders_named_in_the_file_keep_their_queues(tmp_path: Path) -> None:
    msg, ob, _rows, book = render(7, 500, tmp_path)
    got, _ = apply_mbo_batches(list(feeds.read_mbo(msg, snapshot=ob, **KW)))

    # the orders of the file itself sit in the same FIFO order as in the true book
    # (the initial book's orders are one order per level, with ids of their own)
    def named(state: dict) -> dict:
        return {s: {px: [o for o in q if o[0] < 2**63] for px, q in lv.items()} for s, lv in state.items()}

    def strip(state: dict) -> dict:
        return {s: {px: [o for o in q if o[0] >= 1012] for px, q in lv.items()} for s, lv in state.items()}

    assert strip(named(book_state(got))) == strip(book_state(book))
    assert {s: dict(got.levels(s)) for s in (0, 1)} == {s: dict(book.levels(s)) for s in (0, 1)}


def test_hand_written_files(tmp_path: Path) -> None:
    # row 1 shows the book after message 1 (a submission at the best bid)
    (tmp_path / "m.csv").write_text(
        "34200.000000001,1,11,100,1000100,1\n"   # bid 100.01 x 100 (on top of the 200 there)
        "34200.5,4,99,50,1000100,1\n"            # an initial order at 100.01 executes 50
        "34201.25,2,11,30,1000100,1\n"           # 11 -> 70
        "34202,5,0,10,1000000,1\n"               # hidden: no change
        "34203,7,0,0,-1,-1\n"                    # halt
        "34204,3,11,70,1000100,1\n"              # 11 deleted
        "34205,3,98,100,1000200,-1\n"            # an initial ask deleted (its level: 300 -> 200)
        "34206,2,77,1,999900,1\n"                # an unknown order, no initial level there
    )  # fmt: skip
    (tmp_path / "ob.csv").write_text("1000200,300,1000100,300,9999999999,0,-9999999999,0\n")
    r = feeds.replay(tmp_path / "m.csv", snapshot=tmp_path / "ob.csv", **KW)
    x = r.bbo
    cols = (x["seq"], x["bid_px"], x["bid_qty"], x["ask_qty"])
    rows = list(zip(*(c.tolist() for c in cols), strict=True))
    assert rows == [
        (0, 1000100, 200, 300), (1, 1000100, 300, 300), (2, 1000100, 250, 300),
        (3, 1000100, 220, 300), (6, 1000100, 150, 300), (7, 1000100, 150, 200), (8, 1000100, 150, 200),
    ]  # fmt: skip
    assert x["ts"].tolist()[1:3] == [34_200_000_000_001, 34_200_500_000_000]
    assert r.l3_counts["initial_level"] == 2 and r.l3_counts["unknown_id"] == 1
    assert r.l3_counts["hidden_execution"] == 1 and r.l3_counts["trading_halt"] == 1


def test_errors(tmp_path: Path) -> None:
    ob = tmp_path / "ob.csv"
    ob.write_text("1000200,300,1000100,300\n")
    bad = tmp_path / "m.csv"
    bad.write_text("34200.1,1,1,100,1000100,1\n34200.2,9,1,100,1000100,1\n34200.3,3,1,100,1000100,1\n")
    with pytest.raises(FeedError, match="event type 9") as e:
        feeds.replay(bad, snapshot=ob, **KW)
    assert e.value.line == 2
    r = feeds.replay(bad, snapshot=ob, on_error="skip", **KW)
    assert len(r.bbo) == 3 and r.stats.skipped == 1
    bad.write_text("34200.1,1,1,100,1000150,1\n")
    with pytest.raises(FeedError, match="not a whole number of ticks"):
        feeds.replay(bad, snapshot=ob, format="lobster", tick_size="0.01", lot_size="1")
    bad.write_text("34200.1,1,1,100,1000100,2\n")
    with pytest.raises(FeedError, match="direction 2"):
        feeds.replay(bad, snapshot=ob, **KW)
    bad.write_text("3420x,1,1,100,1000100,1\n")
    with pytest.raises(FeedError, match="seconds after midnight"):
        feeds.replay(bad, snapshot=ob, **KW)
    with pytest.raises(ValueError, match="needs snapshot="):
        feeds.replay(bad, **KW)
    ob.write_text("1000200,300,1000100\n")
    bad.write_text("34200.1,1,1,100,1000100,1\n")
    with pytest.raises(FeedError, match="multiple of 4") as e:
        feeds.replay(bad, snapshot=ob, **KW)
    assert e.value.path == str(ob)
