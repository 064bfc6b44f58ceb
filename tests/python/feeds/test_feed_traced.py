"""The replay loop's traced runs (tb_feed_apply.h, tb__feed_traced) against its
message-by-message path (``Engine.per_message = True``).

A run of in-sync DELTA messages goes through the book's bbo_trace a chunk of rows at a
time instead of apply + bbo a message. Random batches of every message kind (DELTA
with 0 to 300 rows, so that messages cross the chunks, SNAPSHOT, REPLACE, NONBOOK,
STALE, PRESYNC, ERROR, GAP), refused rows and every policy must give the same BBO
rows, counters, final book and errors either way. (Tardis files end to end:
test_tardis_direct.py.)
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from tapebook import feeds
from tapebook.feeds import FeedError, Kind, _engine, _formats
from tapebook.feeds._reader import MessageBatch

TICK, LOT = "0.25", "0.1"


def _batch(rng: random.Random, n_msgs: int, bad_side: float) -> MessageBatch:
    """Random messages around a mid of 400 ticks; bad_side: the chance a row's side is 2
    (the book refuses it: a FeedError naming the row)."""
    side: list[int] = []
    px: list[int] = []
    qty: list[int] = []
    row_end, kind, notes = [], [], {}
    kinds = [Kind.DELTA] * 12 + [Kind.SNAPSHOT, Kind.REPLACE, Kind.NONBOOK, Kind.STALE, Kind.PRESYNC]
    kinds += [Kind.ERROR, Kind.GAP]
    for i in range(n_msgs):
        k = rng.choice(kinds)
        if k in (Kind.DELTA, Kind.SNAPSHOT, Kind.REPLACE):
            n = rng.choice([0, 1, 1, 2, 3, 5, 8]) if rng.random() < 0.9 else rng.randint(100, 300)
            for _ in range(n):
                bid = rng.random() < 0.5
                side.append(2 if rng.random() < bad_side else int(bid))
                # wide enough to cross the book now and then
                px.append(400 - rng.randint(-3, 40) if bid else 400 + rng.randint(-3, 40))
                qty.append(0 if k == Kind.DELTA and rng.random() < 0.3 else rng.randint(1, 50))
        elif k in (Kind.ERROR, Kind.GAP):
            notes[i] = f"note {i}"
        row_end.append(len(side))
        kind.append(int(k))
    m = len(kind)
    return MessageBatch(
        "b.bin", np.array(side, np.uint8), np.array(px, np.int64), np.array(qty, np.uint64),
        np.array(row_end, np.int64), np.arange(m, dtype=np.int64) * 10, np.arange(m, dtype=np.int64),
        np.array(kind, np.uint8), np.arange(1, m + 1, dtype=np.int64), notes=notes,
    )  # fmt: skip


def _run(batches: list[MessageBatch], per_message: bool, **policy: str) -> tuple[Any, ...]:
    """BBO rows, counters, final book and error of the batches through one engine."""
    book = feeds.new_book(64)
    inst = _engine._instrument(TICK, LOT, 64)
    eng = _engine.Engine(
        book, _formats.spec("tardis"), inst, 0, policy.get("on_gap", "resync"),
        policy.get("on_crossed", "keep"), policy.get("on_error", "skip"), True,
    )  # fmt: skip
    eng.per_message = per_message
    rows, err = [], None
    try:
        for b in batches:
            out, _ = eng.apply(b)
            rows.append(out.copy())
    except FeedError as e:
        err = (type(e).__name__, e.path, e.line, e.reason)
    bbo = np.concatenate(rows) if rows else None
    return (bbo.tolist() if bbo is not None else []), eng.stats, book.to_dict(), err


@pytest.mark.parametrize("seed", range(40))
def test_random_batches_traced_as_message_by_message(seed: int) -> None:
    rng = random.Random(seed)
    batches = [_batch(rng, rng.randint(1, 60), 0.002 if seed % 4 == 3 else 0.0) for _ in range(4)]
    policy = rng.choice(
        [{}, {"on_crossed": "raise"}, {"on_error": "raise"}, {"on_gap": "raise"}, {"on_crossed": "keep"}]
    )
    traced = _run(batches, False, **policy)
    assert traced == _run(batches, True, **policy)


def test_a_refused_row_stops_at_its_message() -> None:
    """A bad side in the third message, its rows cut by a chunk boundary: the two
    messages before it written, the error names its line and the row."""
    side = [1] * 100 + [0] * 100 + [1] * 50 + [2] + [0] * 10
    px = [390] * 100 + [410] * 100 + [391] * 50 + [392] + [411] * 10
    ends = [100, 200, 261]
    b = MessageBatch(
        "b.bin", np.array(side, np.uint8), np.array(px, np.int64), np.ones(len(side), np.uint64),
        np.array(ends, np.int64), np.zeros(3, np.int64), np.arange(3, dtype=np.int64),
        np.zeros(3, np.uint8), np.array([5, 6, 7], np.int64),
    )  # fmt: skip
    a, c = _run([b], False), _run([b], True)
    assert a == c
    assert a[3][:3] == ("FeedError", "b.bin", 7) and "(bid at 392 ticks, 1 lots)" in a[3][3]


@pytest.mark.parametrize("seed", range(6))
def test_long_delta_runs_cross_the_message_chunks(seed: int) -> None:
    """Runs of hundreds of DELTA messages over many chunks (TB_FEED_TRACE = 128 rows a
    call of bbo_trace), most of them with 0 to 2 rows — a chunk can start or end among
    empty messages, whose rows are the BBO after the row before them — and, for odd
    seeds, a refused row somewhere in the run: the same rows, counters, book and error
    as message by message."""
    rng = random.Random(1000 + seed)
    side, px, qty, row_end = [], [], [], []
    n_msgs = rng.randint(300, 700)
    bad = rng.randrange(n_msgs) if seed % 2 else -1
    for i in range(n_msgs):
        for _ in range(rng.choice([0, 0, 0, 1, 2, 5])):
            bid = rng.random() < 0.5
            side.append(int(bid))
            px.append(400 - rng.randint(1, 30) if bid else 400 + rng.randint(1, 30))
            qty.append(0 if rng.random() < 0.3 else rng.randint(1, 50))
        if i == bad:
            side.append(2)
            px.append(400)
            qty.append(1)
        row_end.append(len(side))
    kind = [int(Kind.SNAPSHOT)] + [int(Kind.DELTA)] * (n_msgs - 1)
    b = MessageBatch(
        "b.bin", np.array(side, np.uint8), np.array(px, np.int64), np.array(qty, np.uint64),
        np.array(row_end, np.int64), np.arange(n_msgs, dtype=np.int64) * 10,
        np.arange(n_msgs, dtype=np.int64), np.array(kind, np.uint8), np.arange(1, n_msgs + 1, dtype=np.int64),
    )  # fmt: skip
    for policy in ({}, {"on_error": "raise"}):
        traced = _run([b], False, **policy)
        assert traced == _run([b], True, **policy)
        if bad < 0:
            assert len(traced[0]) == n_msgs and traced[3] is None
        else:  # the refused row ends the batch with an error naming its message's line
            assert traced[3] is not None and traced[3][2] == bad + 1
