"""L3Book from Python: apply_mbo over 1M MBO events (one C call) and per-call add/cancel.

Two stream shapes (seeded, every row valid), both 1e5 resting orders clustered at the
touch then ~45% add, 40% cancel, 10% execute, 5% modify:

- ``uniform`` (the default, this bench's original stream): cancels, executes (partial)
  and modifies (down) pick any resting order;
- ``touch``: the shape of the C benchmark's stream (``bench/c/bench_l3_stream.h``): 3 in 4
  cancels hit a young order (one of the last 4096 added), executes fill the front order
  of a best level (half of them entirely), 1 in 4 modifies raise the quantity (to the
  back of the queue), and the mid drifts.

``--max-orders`` sizes the book (default 2 x (resting + events), the original setting:
an index and an arena far larger than what ever rests; the C benchmark uses 2 x
resting). Prints ns/event (median of 5, thread CPU time) with the machine load;
``--json FILE`` writes the numbers.

Where this bench's time goes beside the C benchmark's (issue #15; l3fast4, 0b73370, the
streams replayed in C through one apply_mbo call, load 1-3): the module's flags (generic
x86-64, thread guard) against -march=native change apply_mbo by <= 4 %; this stream in
C costs what it costs from Python within ~1 ns (uniform 26.7, touch 21.8 ns an event);
max_orders 2.2e6 instead of 2e5 adds ~2.5 ns on the uniform stream only, all of it the
id index doubling (2^19 -> 2^20 entries) when the resting orders pass 131072 inside the
timed events (2.65 ms, 1.1 ms since b19e088); the huge-page hint is granted
(AnonHugePages). The rest is per row: ~170 instructions and ~1 mispredicted branch
(0.45 of it the add / not-add branch of a random mix), the uniform stream's random
cancels ~2 ns more than the touch stream's young ones.

Usage: python bench/python/bench_l3.py [--events N] [--resting N] [--shape uniform|touch]
       [--max-orders N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections import deque

import numpy as np

from tapebook import L3Book


def make_stream(resting: int, events: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = random.Random(seed)
    acts, ids, sides, pxs, qtys = [], [], [], [], []
    live: list[int] = []
    where: dict[int, int] = {}
    qty_of: dict[int, int] = {}
    px_of: dict[int, int] = {}
    nxt = 1

    def add() -> None:
        nonlocal nxt
        side = rng.randrange(2)
        off = min(int(rng.expovariate(0.2)), 400)
        acts.append(65)
        ids.append(nxt)
        sides.append(side)
        pxs.append(1_000_000 - 1 - off if side else 1_000_000 + 1 + off)
        q = rng.randrange(1, 100)
        qtys.append(q)
        where[nxt] = len(live)
        live.append(nxt)
        qty_of[nxt] = q
        px_of[nxt] = pxs[-1]
        nxt += 1

    def drop(oid: int) -> None:
        i = where.pop(oid)
        last = live.pop()
        if last != oid:
            live[i] = last
            where[last] = i
        del qty_of[oid], px_of[oid]

    for _ in range(resting):
        add()
    while len(acts) < resting + events:
        k = rng.random()
        if k < 0.45 or not live:
            add()
            continue
        oid = live[rng.randrange(len(live))]
        if k < 0.85:
            acts.append(67), ids.append(oid), sides.append(0), pxs.append(0), qtys.append(0)
            drop(oid)
        elif k < 0.95:
            q = rng.randrange(1, qty_of[oid] + 1)
            acts.append(69), ids.append(oid), sides.append(0), pxs.append(0), qtys.append(q)
            qty_of[oid] -= q
            if qty_of[oid] == 0:
                drop(oid)
        else:  # modify at the same price, quantity down: keeps priority
            newq = rng.randrange(1, qty_of[oid] + 1)
            acts.append(77), ids.append(oid), sides.append(0), pxs.append(px_of[oid]), qtys.append(newq)
            qty_of[oid] = newq
    return (
        np.array(acts, np.uint8),
        np.array(ids, np.uint64),
        np.array(sides, np.uint8),
        np.array(pxs, np.int64),
        np.array(qtys, np.uint64),
    )


def make_touch_stream(resting: int, events: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    """The C benchmark's stream shape (see the module docstring), kept with plain
    Python bookkeeping: a FIFO of (id, generation) per level, entries of cancelled or
    re-queued orders skipped lazily when an execute looks for the front."""
    rng = random.Random(seed)
    rows: list[tuple[int, int, int, int, int]] = []
    live: list[int] = []
    where: dict[int, int] = {}
    info: dict[int, list[int]] = {}  # id -> [side, px, qty, generation]
    queues: tuple[dict[int, deque], dict[int, deque]] = ({}, {})
    count: tuple[dict[int, int], dict[int, int]] = ({}, {})
    mid, nxt = 1_000_000, 1

    def touch_offset() -> int:
        k = 0
        while rng.random() < 0.82 and k < 400:
            k += 1
        return k

    def add() -> None:
        nonlocal nxt
        side = rng.randrange(2)
        px = mid - 1 - touch_offset() if side else mid + 1 + touch_offset()
        q = 1 + rng.randrange(100)
        rows.append((65, nxt, side, px, q))
        info[nxt] = [side, px, q, 0]
        queues[side].setdefault(px, deque()).append((nxt, 0))
        count[side][px] = count[side].get(px, 0) + 1
        where[nxt] = len(live)
        live.append(nxt)
        nxt += 1

    def drop(oid: int) -> None:
        side, px = info[oid][0], info[oid][1]
        count[side][px] -= 1
        if not count[side][px]:
            del count[side][px], queues[side][px]
        i = where.pop(oid)
        last = live.pop()
        if last != oid:
            live[i] = last
            where[last] = i
        del info[oid]

    def front(side: int, px: int) -> int:
        q = queues[side][px]
        while True:
            oid, gen = q[0]
            o = info.get(oid)
            if o is not None and o[3] == gen and o[1] == px:
                return oid
            q.popleft()

    while len(live) < resting:
        add()
    while len(rows) < resting + events:
        k = rng.randrange(100)
        if rng.randrange(64) == 0:
            mid += rng.randrange(3) - 1
        if k < 45 or not live:
            add()
        elif k < 85:
            oid = nxt - 1 - rng.randrange(4096)
            if rng.randrange(4) == 0 or oid < 1 or oid not in info:
                oid = live[rng.randrange(len(live))]
            rows.append((67, oid, 0, 0, 0))
            drop(oid)
        elif k < 95:
            side = rng.randrange(2)
            if not count[side]:
                continue
            px = max(count[side]) if side else min(count[side])
            oid = front(side, px)
            q = info[oid][2]
            fill = q if rng.randrange(2) else 1 + rng.randrange(q)
            rows.append((69, oid, 0, px, fill))
            if fill == q:
                drop(oid)
            else:
                info[oid][2] -= fill
        else:
            oid = live[rng.randrange(len(live))]
            o = info[oid]
            q = o[2] + 1 + rng.randrange(20) if rng.randrange(4) == 0 else 1 + rng.randrange(o[2])
            rows.append((77, oid, 0, o[1], q))
            if q > o[2]:  # up: to the back of its queue
                o[3] += 1
                queues[o[0]][o[1]].append((oid, o[3]))
            o[2] = q
    a = np.array(rows, dtype=np.int64)
    # every column contiguous, as the uniform stream's: a strided price column (a[:, 3]
    # alone is a view with a 40-byte stride) made apply_mbo copy it inside the timed
    # call, ~4 ns of the 27 an event (26.6 -> 22.7, 0b73370, load 2.7)
    return (
        a[:, 0].astype(np.uint8),
        a[:, 1].astype(np.uint64),
        a[:, 2].astype(np.uint8),
        np.ascontiguousarray(a[:, 3]),
        a[:, 4].astype(np.uint64),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--resting", type=int, default=100_000)
    ap.add_argument("--shape", choices=("uniform", "touch"), default="uniform")
    ap.add_argument("--max-orders", type=int)
    ap.add_argument("--json")
    a = ap.parse_args()
    max_orders = a.max_orders or 2 * (a.resting + a.events)
    cols = (make_touch_stream if a.shape == "touch" else make_stream)(a.resting, a.events)
    # a strided column would be copied inside the timed call (not apply_mbo's own cost)
    assert all(c.flags.c_contiguous for c in cols), "every column is C-contiguous"
    warm = tuple(c[: a.resting] for c in cols)
    rest = tuple(c[a.resting :] for c in cols)
    runs = []
    for _ in range(5):
        b = L3Book(n=1024, price_bits=64, max_orders=max_orders, max_cap=4096, anchor=999_488)
        b.apply_mbo(*warm)
        t0 = time.thread_time_ns()  # CPU time: slices lost to other processes do not count
        st = b.apply_mbo(*rest)
        runs.append((time.thread_time_ns() - t0) / len(rest[0]))
        assert not st.any(), "the stream is valid"
    # per call: add then cancel of fresh ids at the touch
    k = 200_000
    b = L3Book(n=1024, price_bits=64, max_orders=a.resting + k + 10, max_cap=4096, anchor=999_488)
    b.apply_mbo(*warm)
    base = 10**12
    add, cancel = b.add, b.cancel
    t0 = time.thread_time_ns()
    for i in range(base, base + k):
        add(i, True, 999_999, 5)
    t1 = time.thread_time_ns()
    for i in range(base, base + k):
        cancel(i)
    t2 = time.thread_time_ns()
    out = {
        "apply_mbo_ns_per_event_median": statistics.median(runs),
        "apply_mbo_runs": runs,
        "add_ns_per_call": (t1 - t0) / k,
        "cancel_ns_per_call": (t2 - t1) / k,
        "events": a.events,
        "resting": a.resting,
        "shape": a.shape,
        "max_orders": max_orders,
        "loadavg": os.getloadavg(),
    }
    med, add_ns, cancel_ns = (
        out["apply_mbo_ns_per_event_median"],
        out["add_ns_per_call"],
        out["cancel_ns_per_call"],
    )
    print(
        f"L3Book.apply_mbo: {med:.1f} ns/event (CPU, median of 5, {a.events} events, {a.resting} resting, "
        f"{a.shape} stream, max_orders {max_orders}); "
        f"add {add_ns:.0f} ns/call, cancel {cancel_ns:.0f} ns/call; load average {out['loadavg'][0]:.2f}"
    )
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
