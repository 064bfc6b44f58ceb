"""Level totals at the edge of the quantity type (2**64 - 1 lots) in the L3 feeds' order
logs: an add, modify up or replace that would pass it is refused on both paths (the C
order log and the Python one, ``TAPEBOOK_L3_C=0``) — nothing of it applied, counted
``level_overflow``, an ERROR message with the same note (a FeedError naming the line
under on_error="raise", skipped under "skip"). Before the fix the C log wrapped the
total and the Python log raised a raw OverflowError. (databento-mbo and itch sizes are
32-bit, so a file cannot reach the limit there: tests/c/test_olog_run.c covers their C
paths, tests/c/test_itch_run.c and test_itch_direct.py (an order log primed near the
limit) ITCH's direct path, and the Python order log's rules are unit-tested here.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from l3_paths import assert_same
from test_l3_bitstamp import KW as BITSTAMP_KW
from test_l3_bitstamp import frame
from test_l3_lobster import KW as LOBSTER_KW

from tapebook.feeds._l3reader import ORDER_DTYPE
from tapebook.feeds._mbo import QTY_MAX, LevelOverflowError, OrderLog, overflow_note

BIG = 999_999_999_999_999_999  #: 18 fit on one level, the 19th would pass 2**64 - 1
POLICIES = ("raise", "skip")


def resting(replay: tuple) -> list[tuple[int, int, int, int]]:
    """The resting orders of an outcome() (id, side, px, qty), by id."""
    dtype, _shape, raw = replay[6]
    assert dtype == str(ORDER_DTYPE)
    return [tuple(int(x) for x in o) for o in np.frombuffer(raw, ORDER_DTYPE)]


def lobster_files(tmp_path: Path) -> tuple[Path, Path, list[int]]:
    """Twenty adds of BIG at one price after a small initial book, then a cancel that
    makes room and one more add; the (1-based) lines that must be refused."""
    lines = [f"34200.{i:09d},1,{100 + i},{BIG},1000000,1" for i in range(1, 21)]
    lines += [
        "34201,3,101,0,1000000,1",  # a deletion: room for one more
        f"34202,1,200,{BIG},1000000,1",
        f"34203,1,201,{BIG},1000000,1",  # the level is full again: refused
    ]
    msg, ob = tmp_path / "m.csv", tmp_path / "ob.csv"
    msg.write_text("\n".join(lines) + "\n")
    ob.write_text(f"1000100,7,1000000,{BIG},9999999999,0,-9999999999,0\n")  # after message 1
    return msg, ob, [19, 20, 23]


@pytest.mark.parametrize("on_error", POLICIES)
def test_lobster_adds_past_the_limit_are_refused_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_error: str
) -> None:
    msg, ob, refused = lobster_files(tmp_path)
    out = assert_same(monkeypatch, msg, snapshot=ob, depth=2, on_error=on_error, **LOBSTER_KW)
    replay, mbo = out
    note = overflow_note(1000000)
    if on_error == "raise":
        assert replay[0] == "error" and replay[3] == refused[0], replay
        assert note in replay[2]
    else:
        bbo, counts = replay[0], replay[5]
        assert counts["level_overflow"] == len(refused)
        assert "l3book_refused" not in counts  # the rows handed on are consistent
        bids = [o for o in resting(replay) if o[1] == 1]
        assert sum(o[3] for o in bids) == 18 * BIG  # 18, one deleted, one more
        assert [o[0] for o in bids] == [*range(102, 119), 200]
        assert bbo[-1][3] == 18 * BIG and bbo[-1][5] == 7  # bid qty, ask qty
    # read_mbo: the refused lines are ERROR messages with the note, on both paths
    notes = mbo[5]
    assert [n for _k, n in notes] == [note] * len(refused)


def bitstamp_frames() -> tuple[list[str], int]:
    """Created, changed (up, to a full level, unknown), deleted at the edge; the number
    of frames refused."""
    us = 1643643584684047
    lines = [frame("order_created", i, 1, "100.00", "9999999999.99999999", us + i) for i in range(1, 21)]
    lines += [
        frame("order_changed", 1, 1, "100.00", "9999999999.99999999", us + 30),  # unchanged
        frame("order_created", 1, 1, "100.00", "9999999999.99999999", us + 31),  # duplicate: fits
        frame("order_changed", 2, 1, "100.00", "14500000000.00000000", us + 32),  # up: refused
        frame("order_changed", 2, 1, "100.00", "0.50000000", us + 33),  # down: fits
        frame("order_created", 21, 1, "100.00", "9999999999.99999999", us + 34),  # 18 BIG and change
        frame("order_changed", 60, 1, "100.00", "9999999999.99999999", us + 35),  # unknown: refused
        frame("order_created", 50, 1, "100.01", "9999999999.99999999", us + 36),
        frame("order_changed", 3, 1, "100.01", "9999999999.99999999", us + 37),  # moved away: fits
        frame("order_changed", 60, 1, "100.00", "9999999999.99999999", us + 38),  # now it fits
        frame("order_changed", 50, 1, "100.00", "9999999999.99999999", us + 39),  # moved to it: refused
    ]
    return lines, 5  # the 19th and 20th created, changed up, changed unknown, moved


@pytest.mark.parametrize("on_error", POLICIES)
def test_bitstamp_frames_past_the_limit_are_refused_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_error: str
) -> None:
    lines, n_refused = bitstamp_frames()
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines) + "\n")
    replay, mbo = assert_same(monkeypatch, path, depth=2, on_error=on_error, **BITSTAMP_KW)
    if on_error == "raise":
        assert replay[0] == "error" and replay[3] == 19, replay
    else:
        counts, orders = replay[5], resting(replay)
        assert counts["level_overflow"] == n_refused
        assert counts["changed_unknown"] == 2  # counted as applied, refused or not
        at_100 = {o[0]: o[3] for o in orders if o[2] == 10000}
        assert sum(at_100.values()) == 17 * BIG + 50_000_000 + BIG  # 2 down, 3 away, 21 and 60 in
        assert 60 in at_100 and 50 not in at_100 and 19 not in at_100
    assert len(mbo[5]) == n_refused  # ERROR messages in read_mbo


def test_python_log_refuses_and_changes_nothing() -> None:
    """The reference log's rules, one operation at a time (replace is ITCH's U)."""
    log = OrderLog()
    log.add(1, 1, 10, QTY_MAX - 5)
    log.add(2, 1, 10, 5)
    log.add(3, 1, 11, 9)
    state = (dict(log.orders), dict(log.levels[1]), log.pending_rows)

    def refused(op: object, *args: int) -> None:
        before = log.counts["level_overflow"]
        with pytest.raises(LevelOverflowError, match="level at price"):
            op(*args)  # type: ignore[operator]
        assert log.counts["level_overflow"] == before + 1
        assert (dict(log.orders), dict(log.levels[1]), log.pending_rows) == state

    refused(log.add, 4, 1, 10, 1)
    refused(log.add, 2, 1, 10, 6)  # a duplicate leaves first: 6 > 5
    refused(log.modify, 2, 10, 6)
    refused(log.modify, 9, 10, 1, 1)  # unknown with a side: an add
    refused(log.replace, 3, 4, 10, 1)  # 3 rests at 11: nothing leaves level 10
    log.replace(2, 1, 10, QTY_MAX)  # 2 and the resting new id 1 both leave: exactly the limit
    assert log.levels[1][10] == QTY_MAX and 2 not in log.orders
    log.modify(1, 10, QTY_MAX - 1)  # down keeps priority and fits
    assert log.levels[1][10] == QTY_MAX - 1
    assert log.counts["level_overflow"] == 5


@pytest.mark.parametrize("value", [2**64, 2**63, -(2**63) - 1])
def test_lobster_orderbook_values_past_64_bits_are_a_feed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: int
) -> None:
    """Orderbook row values outside int64 (a size of 2**64 gave a raw OverflowError)."""
    msg, ob = tmp_path / "m.csv", tmp_path / "ob.csv"
    msg.write_text("34200.1,1,5,10,1000000,1\n")
    ob.write_text(f"1000100,{value},1000000,10,9999999999,0,-9999999999,0\n")
    replay, mbo = assert_same(monkeypatch, msg, snapshot=ob, **LOBSTER_KW)
    assert replay[0] == "error" and replay[3] == 1 and "64 bits" in replay[2]
    assert mbo[0] == "error"
