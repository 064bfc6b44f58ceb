"""L3Book from Python: apply_mbo over 1M MBO events (one C call) and per-call add/cancel.

The stream (seeded): 1e5 resting orders clustered at the touch, then ~45% add, 40%
cancel, 10% execute (partial), 5% modify, every row valid. Prints ns/event (median of
5) with the machine load; ``--json FILE`` writes the numbers.

Usage: python bench/python/bench_l3.py [--events N] [--resting N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--resting", type=int, default=100_000)
    ap.add_argument("--json")
    a = ap.parse_args()
    cols = make_stream(a.resting, a.events)
    warm = tuple(c[: a.resting] for c in cols)
    rest = tuple(c[a.resting :] for c in cols)
    runs = []
    for _ in range(5):
        b = L3Book(n=1024, price_bits=64, max_orders=2 * (a.resting + a.events), max_cap=4096, anchor=999_488)
        b.apply_mbo(*warm)
        t0 = time.perf_counter_ns()
        st = b.apply_mbo(*rest)
        runs.append((time.perf_counter_ns() - t0) / len(rest[0]))
        assert not st.any(), "the stream is valid"
    # per call: add then cancel of fresh ids at the touch
    b = L3Book(n=1024, price_bits=64, max_orders=2 * a.resting + 10, max_cap=4096, anchor=999_488)
    b.apply_mbo(*warm)
    k = 200_000
    base = 10**12
    add, cancel = b.add, b.cancel
    t0 = time.perf_counter_ns()
    for i in range(base, base + k):
        add(i, True, 999_999, 5)
    t1 = time.perf_counter_ns()
    for i in range(base, base + k):
        cancel(i)
    t2 = time.perf_counter_ns()
    out = {
        "apply_mbo_ns_per_event_median": statistics.median(runs),
        "apply_mbo_runs": runs,
        "add_ns_per_call": (t1 - t0) / k,
        "cancel_ns_per_call": (t2 - t1) / k,
        "events": a.events,
        "resting": a.resting,
        "loadavg": os.getloadavg(),
    }
    med, add_ns, cancel_ns = (
        out["apply_mbo_ns_per_event_median"],
        out["add_ns_per_call"],
        out["cancel_ns_per_call"],
    )
    print(
        f"L3Book.apply_mbo: {med:.1f} ns/event (median of 5, {a.events} events, {a.resting} resting); "
        f"add {add_ns:.0f} ns/call, cancel {cancel_ns:.0f} ns/call; load average {out['loadavg'][0]:.2f}"
    )
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
