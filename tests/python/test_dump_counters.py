"""Dumps carry the operation counters of L3 books (dump version 2) and matching
engines (engine dump version 2, which embeds it): after dumps/loads, load_into,
pickling, a Recorder checkpoint and a replay from it, ``stats()`` reports the
same adds, cancels, modifies, executes, replaces and clears as the live object.
Before, a loaded book started them at 0 (the regression these tests catch).

Version-1 dumps written by the code before the change (the fixture bytes below,
made with the C API of commit 29b6af7) still load, with those counters 0. The
counters of refusals (``rejected``, ``arena_full``, ``levels_full``) and
``reseeds`` are the history of one object and stay out of dumps: a refused call
changes nothing a dump holds, and the update log keeps no refused call."""

from __future__ import annotations

import dataclasses
import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tapebook import L3Book, MatchingEngine, Recorder, replay
from tapebook import _l3native as l3n
from tapebook.errors import DuplicateOrderError, FormatError, UnknownOrderError

#: the L3Stats fields a dump carries (TB__L3_DUMPED_COUNTERS in tb_l3_base.h)
DUMPED = ("adds", "cancels", "modifies", "executes", "replaces", "clears")
#: the L3Stats fields that describe one object, not the book it holds
OBJECT_ONLY = ("arena_full", "levels_full", "reseeds", "rejected")
#: occupancy fields that depend on the memory reserved (a loaded book reserves less)
MEMORY = ("nbytes", "index_slots", "reserved_orders")

# tb_l3_i64_n1024 (anchor 100000, max_orders 16, max_cap 64): add 1..5, modify(1, 8),
# execute(4, 3), cancel(5) — then dumped by the pre-change code (version 1)
L3_V1 = bytes.fromhex(
    "54424c3344554d50010000000800000000040000000000000400000000000000"
    "0300000000000000a086010000000000a086010000000000a086010000000000"
    "02000000010000000f0000000000000002000000000000000700000000000000"
    "010000000000000008000000000000009e860100000000000100000001000000"
    "040000000000000003000000000000000400000000000000a386010000000000"
    "0100000000000000060000000000000004000000000000000600000000000000"
    "46126abb"
)
# tb_match_i64_n1024 (anchor 100000, max_orders 16, max_cap 64, cancel-oldest): the
# submits of engine_v1_calls(), dumped by the pre-change code (version 1)
ENGINE_V1 = bytes.fromhex(
    "54424d4544554d50010000000800000000040000020000001000000040000000"
    "0500000000000000040000000000000002000000000000000300000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "8c0000000000000054424c3344554d5001000000080000000004000000000000"
    "02000000000000000200000000000000a0860100000000009f84010000000000"
    "9f86010000000000010000000100000006000000000000000c00000000000000"
    "0600000000000000a28601000000000001000000000000000300000000000000"
    "0a0000000000000003000000000000001fd1d78d0900000007000000fd1fc99a"
)


def l3_v1_calls(b: L3Book) -> None:
    """The calls that made L3_V1."""
    b.add(1, True, 100_000, 5)
    b.add(2, True, 100_000, 7)
    b.add(3, True, 99_998, 4)
    b.add(4, False, 100_003, 9)
    b.add(5, False, 100_003, 2)
    b.modify(1, 8)
    b.execute(4, 3)
    b.cancel(5)


def engine_v1_calls(e: MatchingEngine) -> None:
    """The calls that made ENGINE_V1."""
    e.submit(10, "ask", 100_002, 5, owner=7)
    e.submit(11, "ask", 100_001, 4, owner=8)
    e.submit(12, "bid", 99_999, 6, owner=9)
    e.submit(13, "bid", 100_002, 6, tif="ioc", owner=3)


def busy_book() -> L3Book:
    """A book that did every counted operation, and some refused ones."""
    b = L3Book(n=64, price_bits=32, max_orders=8, max_cap=16, anchor=1000)
    b.add(1, True, 1000, 3)
    b.clear()
    for oid, side, px, qty in (
        (1, True, 1000, 3),
        (2, True, 1000, 4),
        (3, False, 1002, 6),
        (4, False, 1003, 1),
    ):
        b.add(oid, side, px, qty)
    b.modify(1, 9)
    b.execute(3, 2)
    b.cancel(4)
    b.replace(2, 5, 999, 4)
    with pytest.raises(DuplicateOrderError):
        b.add(1, False, 1009, 5)
    with pytest.raises(UnknownOrderError):
        b.cancel(77)
    return b


def counters(stats: object, names: tuple[str, ...] = DUMPED) -> dict[str, int]:
    return {k: getattr(stats, k) for k in names}


def book_state(b: L3Book) -> dict[str, object]:
    """What the book holds, read through queries (not through a dump)."""
    ids = sorted(
        {
            oid
            for side in (True, False)
            for px, _q in b.levels(side, 64)
            for oid, _ in b.level_orders(side, px)
        }
    )
    return {
        "bbo": b.bbo(),
        "orders": [b.order(i) for i in ids],
        "queues": [
            (side, px, b.level_orders(side, px)) for side in (True, False) for px, _ in b.levels(side, 64)
        ],
    }


def test_the_dumped_counters_are_the_operation_counters() -> None:
    fields = {f.name for f in dataclasses.fields(L3Book(n=64, max_orders=1).stats())}
    assert set(DUMPED) | set(OBJECT_ONLY) <= fields
    assert len(DUMPED) * 8 == l3n.DUMP_TAIL[2]
    empty = L3Book(n=64, price_bits=32, max_orders=1).dumps()
    assert len(empty) == l3n.DUMP_HEADER + l3n.DUMP_TAIL[2] + 4
    assert int.from_bytes(empty[8:12], "little") == 2


@pytest.mark.parametrize("how", ["loads", "load_into", "pickle"])
def test_l3_counters_survive_a_dump(how: str) -> None:
    b = busy_book()
    want = b.stats()
    assert counters(want) == {
        "adds": 5,
        "cancels": 1,
        "modifies": 1,
        "executes": 1,
        "replaces": 1,
        "clears": 1,
    }
    assert want.rejected == 2
    d = b.dumps()
    if how == "loads":
        c = L3Book.loads(d, n=64, price_bits=32, max_orders=8, max_cap=16)
    elif how == "load_into":
        c = L3Book(n=64, price_bits=32, max_orders=8, max_cap=16, anchor=1000)
        c.add(40, True, 1000, 1)
        with pytest.raises(UnknownOrderError):
            c.cancel(41)
        c.load_into(d)
    else:
        c = pickle.loads(pickle.dumps(b))
    got = c.stats()
    skip = MEMORY + OBJECT_ONLY
    assert dataclasses.replace(got, **dict.fromkeys(skip, 0)) == dataclasses.replace(
        want, **dict.fromkeys(skip, 0)
    )
    # refusals stay with the object that saw them: the target's own one, or none
    assert got.rejected == (1 if how == "load_into" else 0)
    assert c.dumps() == d
    assert book_state(c) == book_state(b)
    # and they go on counting from there
    c.add(60, False, 1005, 1)
    b.add(60, False, 1005, 1)
    assert counters(c.stats()) == counters(b.stats())


def test_l3_version_1_dump_still_loads_with_counters_0() -> None:
    live = L3Book(n=1024, price_bits=64, max_orders=16, max_cap=64, anchor=100_000)
    l3_v1_calls(live)
    old = L3Book.loads(L3_V1, n=1024, price_bits=64, max_orders=16, max_cap=64)
    assert book_state(old) == book_state(live)
    assert counters(old.stats()) == dict.fromkeys(DUMPED, 0)
    assert counters(live.stats()) == {
        "adds": 5,
        "cancels": 1,
        "modifies": 1,
        "executes": 1,
        "replaces": 0,
        "clears": 0,
    }
    new = old.dumps()  # written as version 2 now
    assert int.from_bytes(new[8:12], "little") == 2 and len(new) == len(L3_V1) + l3n.DUMP_TAIL[2]
    assert new[12 : -4 - l3n.DUMP_TAIL[2]] == L3_V1[12:-4]
    assert L3Book.loads(new, n=1024, price_bits=64, max_orders=16, max_cap=64).dumps() == new
    into = L3Book(n=1024, price_bits=64, max_orders=16, max_cap=64, anchor=100_000)
    into.load_into(L3_V1)
    assert into.dumps() == new


def resign(body: bytes) -> bytes:
    """``body`` (a dump without its CRC) with a CRC-32 trailer."""
    return body + struct.pack("<I", zlib.crc32(body))


def test_l3_counters_block_must_match_the_version() -> None:
    b = busy_book()
    d = b.dumps()
    tail = l3n.DUMP_TAIL[2]
    target = L3Book(n=64, price_bits=32, max_orders=8, max_cap=16, anchor=1000)
    target.add(40, True, 1000, 1)
    before = target.dumps()
    bad = [
        resign(d[:8] + struct.pack("<I", 1) + d[12:-4]),  # version 1 with a counters block
        resign(d[: -4 - tail]),  # version 2 without one
        resign(d[:8] + struct.pack("<I", 3) + d[12:-4]),  # an unknown version
    ]
    for data in bad:
        with pytest.raises(FormatError):
            target.load_into(data)
        with pytest.raises(FormatError):
            L3Book.loads(data, n=64, price_bits=32, max_orders=8, max_cap=16)
    assert target.dumps() == before


def busy_engine() -> MatchingEngine:
    e = MatchingEngine(n=64, price_bits=64, max_orders=32, max_cap=16, anchor=1000)
    e.submit(1, "ask", 1002, 5, owner=1)
    e.submit(2, "ask", 1003, 4, owner=2)
    e.submit(3, "bid", 999, 6, owner=3)
    e.submit(4, "bid", 1003, 7, tif="ioc", owner=4)  # fills 1 (5) and 2 of 2
    e.modify(3, 2)
    e.cancel(2)
    with pytest.raises(UnknownOrderError):
        e.cancel(99)
    return e


@pytest.mark.parametrize("how", ["loads", "load_into", "pickle"])
def test_engine_book_counters_survive_a_dump(how: str) -> None:
    e = busy_engine()
    want = e.book.stats()
    assert want.adds > 0 and want.executes > 0 and want.cancels > 0
    d = e.dumps()
    assert int.from_bytes(d[8:12], "little") == 2
    if how == "loads":
        c = MatchingEngine.loads(d)
    elif how == "load_into":
        c = MatchingEngine(n=64, price_bits=64, max_orders=32, max_cap=16, anchor=1000, stp="none")
        c.submit(50, "bid", 990, 1)
        c.load_into(d)
    else:
        c = pickle.loads(pickle.dumps(e))
    assert counters(c.book.stats()) == counters(want)
    assert c.stats() == e.stats()
    assert c.dumps() == d


def test_engine_version_1_dump_still_loads() -> None:
    live = MatchingEngine(
        n=1024, price_bits=64, max_orders=16, max_cap=64, anchor=100_000, stp="cancel-oldest"
    )
    engine_v1_calls(live)
    old = MatchingEngine.loads(ENGINE_V1)
    assert old.stats() == live.stats()
    assert old.stp == "cancel-oldest" and old.max_orders == 16 and old.max_cap == 64
    assert counters(old.book.stats()) == dict.fromkeys(DUMPED, 0)
    assert book_state(old.book) == book_state(live.book)
    assert [old.owner_of(i) for i in (10, 12)] == [live.owner_of(i) for i in (10, 12)]
    new = old.dumps()
    assert MatchingEngine.loads(new).dumps() == new
    # the same next call gives the same events
    a = old.submit(20, "bid", 100_002, 9, tif="ioc", owner=5)
    b = live.submit(20, "bid", 100_002, 9, tif="ioc", owner=5)
    assert a.events.tobytes() == b.events.tobytes()


@pytest.mark.parametrize("kind", ["l3", "engine"])
def test_replay_from_a_checkpoint_keeps_the_counters(tmp_path, kind: str) -> None:
    """A replay starts from the log's last checkpoint (a dump): the counters of the
    calls before it come from the dump, those after it from the replayed records."""
    path = tmp_path / "log"
    if kind == "l3":
        obj: L3Book | MatchingEngine = L3Book(n=64, price_bits=32, max_orders=64, max_cap=16, anchor=1000)
    else:
        obj = MatchingEngine(n=64, price_bits=64, max_orders=64, max_cap=16, anchor=1000)
    with Recorder({"x": obj}, path, snapshot_every=5) as rec:
        r = rec["x"]
        for i in range(1, 13):
            if kind == "l3":
                r.add(i, i % 2 == 0, 1000 + (i % 2) * 4 - 2, i)
                if i % 3 == 0:
                    r.execute(i, 1)
                if i % 4 == 0:
                    r.cancel(i)
            else:
                r.submit(i, "bid" if i % 2 else "ask", 1000 + (i % 5) - 2, i, owner=i % 3)
                if i % 4 == 0 and obj.book.order(i) is not None:
                    r.cancel(i)
    book = obj if kind == "l3" else obj.book
    out = replay(path, verify=True)
    got = out.books["x"] if kind == "l3" else out.books["x"].book
    assert out.start_seq > 0  # it did start from a later checkpoint
    assert counters(got.stats()) == counters(book.stats())
    assert out.books["x"].dumps() == obj.dumps()


# A Recorder log written by the pre-change code (commit 29b6af7): its checkpoints hold
# version-1 L3 and engine dumps. Made by old_log_calls() on the objects of old_log_objects()
# with snapshot_every=4.
OLD_LOG = Path(__file__).resolve().parent / "data" / "orders_v1.tblog"


def old_log_objects() -> dict[str, L3Book | MatchingEngine]:
    return {
        "feed": L3Book(n=64, price_bits=32, max_orders=64, max_cap=16, anchor=1000),
        "venue": MatchingEngine(n=64, price_bits=64, max_orders=64, max_cap=16, anchor=1000),
    }


def old_log_calls(objs: Any) -> None:
    for i in range(1, 13):
        objs["feed"].add(i, i % 2 == 0, 1000 - i % 3 + (i % 2) * 5, i)
        if i % 3 == 0:
            objs["feed"].execute(i, 1)
        objs["venue"].submit(i, "bid" if i % 2 else "ask", 1000 + (i % 5) - 2, i, owner=i % 3)


def test_replay_verifies_an_old_log_with_version_1_checkpoints() -> None:
    """verify compares each later checkpoint in the format it was written in (before:
    "replay diverged" at the first version-1 checkpoint after the start)."""
    live = old_log_objects()
    old_log_calls(live)
    out = replay(OLD_LOG, from_start=True, verify=True)
    assert out.books["feed"].dumps() == live["feed"].dumps()  # counters included: all replayed
    assert out.books["venue"].dumps() == live["venue"].dumps()
    last = replay(OLD_LOG, verify=True)  # from the last (version-1) checkpoint
    assert book_state(last.books["feed"]) == book_state(live["feed"])
    assert last.books["venue"].stats() == live["venue"].stats()


def test_an_old_log_appended_to_still_verifies_from_its_start(tmp_path) -> None:
    """Regression (review of this change): an old log recovered from its last
    version-1 checkpoint and appended to (mode="a" writes a version-2 checkpoint whose
    counters count from that recovery) failed replay(from_start=True, verify=True) with
    "replay diverged" although nothing diverged; both sides are now compared in the
    oldest dump version seen since the replay's start."""
    log = tmp_path / "old.tblog"
    log.write_bytes(OLD_LOG.read_bytes())
    rec = Recorder(replay(log).books, log, mode="a")
    rec["feed"].add(1000, True, 990, 5)
    rec["venue"].submit(1000, "ask", 1001, 3, owner=1)
    rec.checkpoint()
    rec.close()
    whole = replay(log, from_start=True, verify=True)  # raised FormatError before
    tail = replay(log, verify=True)
    # the same orders and engine state; the counters of a replay count from its start
    feed = [L3Book._dump_as(r.books["feed"].dumps(), 1) for r in (whole, tail)]
    venue = [MatchingEngine._dump_as(r.books["venue"].dumps(), 1) for r in (whole, tail)]
    assert feed[0] == feed[1] and venue[0] == venue[1]
    assert whole.books["feed"].order(1000) is not None
