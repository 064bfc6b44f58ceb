"""What a dump can make a loader reserve (issue #12 finding 13).

A 140-byte book dump may declare 2^30 spill levels per side (a legal capacity),
and a 60-byte L3 dump may declare 2^30 orders. Loading used to reserve for those
numbers: 16-32 GiB before anything was checked. Now a load reserves for what the
dump holds. Each hostile load runs in a child process under RLIMIT_AS = 2 GiB
(without the limit under ASan, whose shadow memory needs more; the child checks
what was reserved through ``stats().nbytes`` either way): it
must either succeed (the declared capacity kept) or raise a clean FormatError,
never MemoryError or a crash. The round trip stays exact: dumps(loads(d)) == d
for the dumps of real books, and the copy behaves as the original (growth too).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

from tapebook import Book, L3Book, MatchingEngine

pytest.importorskip("resource")

LIMIT = 2 << 30  # RLIMIT_AS of the child: far below the 16-32 GiB the old loads asked for
BIG = 1 << 30  # TB_MAX_CAP_LIMIT, TB_L3_MAX_ORDERS


def l2_dump(
    max_cap: int, caps: tuple[int, int], n: int = 1024, width: int = 8, spill_count: int = 0
) -> bytes:
    """A dump (layout: tb_serial.inc) of an empty book anchored at 1000 whose sides
    declare spill capacities caps = (ask, bid); spill_count is written as given."""
    total = 140
    head = struct.pack("<IHBBIIQ", 0x4B424254, 1, width, 0, n, max_cap, total)
    sides = b"".join(struct.pack("<qIIII4Q", 1000, 0, spill_count, cap, 0, 0, 0, 0, 0) for cap in caps)
    body = head + sides
    return body + struct.pack("<I", zlib.crc32(body))


def l3_dump(orders: int, levels: int) -> bytes:
    """A 60-byte L3 dump header (layout: tb_l3_serial.inc) declaring orders / levels."""
    body = b"TBL3DUMP" + struct.pack("<IIIIQQqq", 1, 8, 1024, 0, orders, levels, 1000, 1000)
    return body + struct.pack("<I", zlib.crc32(body))


L3_CASES = ("l3_declared", "l3_pickle", "l3_checkpoint", "engine")
CHILD = f"L3_CASES = {L3_CASES!r}\n" + textwrap.dedent(
    """
    import json, pickle, resource, sys
    from tapebook import Book, L3Book, MatchingEngine, TapebookError
    from tapebook.persist.checkpoint import Shape
    case, data, limit = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        if case == "loads":
            b = Book.loads(data)
        elif case == "load_into":
            b = Book(n=1024, price_bits=64)
            b.load_into(data)
        elif case == "pickle":
            b = pickle.loads(pickle.dumps(Book.loads(data)))
        elif case in L3_CASES:
            big = 1 << 30
            if case == "l3_declared":
                l3 = L3Book.loads(data, max_orders=big)
            elif case == "l3_pickle":
                l3 = pickle.loads(pickle.dumps(L3Book.loads(data, max_orders=big)))
            elif case == "l3_checkpoint":
                l3 = Shape("l3", 1024, 64, big, 4096).restore(data)
            else:
                e = MatchingEngine.loads(data)
                l3 = e.book
            reserved = l3.stats().nbytes
            for i in range(3000):  # growth past the reserve, on demand
                if case == "engine":
                    e.submit(10_000 + i, "bid", 900 - i % 500, 1 + i % 7)
                else:
                    l3.add(10_000 + i, 1, 900 - i % 500, 1 + i % 7)
            s = l3.stats()
            print(json.dumps({"ok": True, "reserved": reserved, "orders": s.orders,
                               "max_orders": s.max_orders, "grown": s.nbytes}))
            sys.exit(0)
        else:
            b = L3Book.loads(data)
            print(json.dumps({"ok": True}))
            sys.exit(0)
        reserved = b.stats().nbytes
        b.set(True, 1000 + 1023, 1)  # a best bid on the tape: the levels below it spill
        for i in range(3000):  # growth up to the declared capacity, on demand
            b.set(True, 1000 - 10 - 2 * i, 1 + i % 7)
        s = b.stats()
        print(json.dumps({"ok": True, "reserved": reserved, "cap": s.bid.spill_capacity,
                           "levels": s.bid.spill_levels}))
    except TapebookError as e:
        print(json.dumps({"ok": False, "error": type(e).__name__, "msg": str(e)}))
    """
)
# an ASan process maps terabytes of shadow memory: no address-space limit there (the
# children then check what the load reserved through stats().nbytes alone)
SANITIZED = bool(os.environ.get("TAPEBOOK_EXPECT_SANITIZED"))


def run_child(case: str, data: bytes) -> dict[str, object]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    p = subprocess.run(
        [sys.executable, "-c", CHILD, case, data.hex(), str(0 if SANITIZED else LIMIT)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode == 0, f"{case}: the child died (rc {p.returncode}): {p.stderr[-2000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", ["loads", "load_into", "pickle"])
def test_declared_capacity_is_not_reserved(case: str) -> None:
    d = l2_dump(BIG, (BIG, BIG))
    assert len(d) == 140
    got = run_child(case, d)
    assert got["ok"], got
    assert int(got["reserved"]) < 1 << 16  # the struct: no spill block for 2 x 2^30 declared levels
    assert got["levels"] == 3000 and got["cap"] == BIG
    # the copy grew, so it no longer equals the 140 bytes; the round trip is checked below


def test_declared_capacity_round_trips_exactly() -> None:
    d = l2_dump(BIG, (BIG, 1 << 20))
    b = Book.loads(d)
    assert b.dumps() == d and b.max_cap == BIG
    assert b.stats().bid.spill_capacity == 1 << 20 and b.stats().ask.spill_capacity == BIG
    assert pickle.loads(pickle.dumps(b)).dumps() == d


def test_lying_level_counts_are_a_format_error() -> None:
    # 2^30 spill levels declared in 140 bytes: refused before anything is allocated
    d = l2_dump(BIG, (BIG, BIG), spill_count=BIG)
    got = run_child("loads", d)
    assert got == {"ok": False, "error": "FormatError", "msg": got["msg"]}
    assert "level counts do not match the length" in str(got["msg"])


def test_l3_declared_orders_are_checked_before_the_arena() -> None:
    got = run_child("l3", l3_dump(BIG, 1))
    assert not got["ok"] and got["error"] == "FormatError", got
    assert "1073741824 orders" in str(got["msg"])
    got = run_child("l3", l3_dump(0, 0))  # an empty dump is fine
    assert got["ok"], got


def _l3_book_dump() -> bytes:
    """The dump of a real L3 book of 64 orders (bids below 1000, asks above)."""
    b = L3Book(max_orders=64)
    for i in range(64):
        b.add(i + 1, i % 2, 990 - i % 9 if i % 2 else 1010 + i % 9, 1 + i)
    return b.dumps()


def _engine_dump_declaring(max_orders: int, max_cap: int) -> bytes:
    """A real engine's dump (50 resting orders) whose header declares max_orders
    and max_cap (the CRC recomputed: a CRC is no defence)."""
    e = MatchingEngine(max_orders=64, max_cap=64)
    for i in range(50):
        e.submit(i + 1, "bid" if i % 2 else "ask", 990 - i % 7 if i % 2 else 1010 + i % 7, 1 + i, owner=i % 3)
    d = bytearray(e.dumps())
    struct.pack_into("<II", d, 24, max_orders, max_cap)
    struct.pack_into("<I", d, len(d) - 4, zlib.crc32(bytes(d[:-4])))
    return bytes(d)


@pytest.mark.parametrize("case", ["l3_declared", "l3_pickle", "l3_checkpoint", "engine"])
def test_l3_and_engine_declared_orders_are_not_reserved(case: str) -> None:
    # an arena for 2^30 orders is 24-32 GiB (plus its index): the child has 2 GiB
    d = _engine_dump_declaring(BIG, BIG) if case == "engine" else _l3_book_dump()
    got = run_child(case, d)
    assert got["ok"], got
    assert got["max_orders"] == BIG
    assert int(got["reserved"]) < 1 << 20  # what 50-64 orders need, not 2^30
    assert got["orders"] >= 3000 and int(got["grown"]) > int(got["reserved"])


def test_l3_and_engine_declared_orders_round_trip_exactly() -> None:
    d = _l3_book_dump()
    b = L3Book.loads(d, max_orders=BIG)
    assert b.dumps() == d and b.max_orders == BIG
    assert pickle.loads(pickle.dumps(b)).max_orders == BIG
    e = _engine_dump_declaring(BIG, 1 << 20)
    m = MatchingEngine.loads(e)
    assert m.dumps() == e and (m.max_orders, m.max_cap) == (BIG, 1 << 20)
    assert pickle.loads(pickle.dumps(m)).dumps() == e
    # the loaded copy behaves as a fully reserved engine holding the same orders
    full = MatchingEngine(max_orders=1 << 12, max_cap=1 << 20)
    full.load_into(e)
    for i in range(2000):
        args = (100 + i, "bid" if i % 3 else "ask", 980 + i % 40, 1 + i % 11)
        got, want = m.submit(*args, owner=i % 4), full.submit(*args, owner=i % 4)
        assert got.events.tobytes() == want.events.tobytes()
    assert m.book.dumps() == full.book.dumps()


def _random_book(rng: np.random.Generator, n: int, ops: int) -> Book:
    """A book whose spills grew and shrank: its dump declares capacities it no
    longer fills."""
    b = Book(n=n, price_bits=64, max_cap=int(rng.choice([64, 512, 4096])))
    b.set(True, 100_000 + n - 1, 1)
    b.set(False, 100_000 + 3 * n, 1)
    for _ in range(ops):
        side = bool(rng.integers(0, 2))
        off = int(rng.integers(0, 40 * n))
        px = 100_000 - 1 - off if side else 100_000 + 4 * n + off
        b.set(side, px, int(rng.integers(0, 3)) * int(rng.integers(1, 100)))
    return b


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_and_growth_after_load(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.choice([64, 256, 1024]))
    a = _random_book(rng, n, 3000)
    # delete most levels: the capacity stays, the levels go
    for side in (True, False):
        for px, _q in a.levels(side, 10_000)[5:]:
            a.set(side, px, 0)
    d = a.dumps()
    b = Book.loads(d)
    assert b.dumps() == d
    assert (b.stats().bid, b.stats().ask) == (a.stats().bid, a.stats().ask)
    assert b.stats().nbytes <= a.stats().nbytes
    # the same updates on both: growth past what the copy reserved, evictions at max_cap
    for _ in range(4):
        more = np.random.default_rng(int(rng.integers(0, 1 << 30)))
        for _ in range(1500):
            side = bool(more.integers(0, 2))
            off = int(more.integers(0, 40 * n))
            px = 100_000 - 1 - off if side else 100_000 + 4 * n + off
            q = int(more.integers(0, 3)) * int(more.integers(1, 100))
            a.set(side, px, q)
            b.set(side, px, q)
        assert b.dumps() == a.dumps()
