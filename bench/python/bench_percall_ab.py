"""Per-call L3Book and MatchingEngine methods: the C fast path (tapebook._hotpath's HotL3
and HotEngine) against the Python path (the same object after ``_hot_unbind()``, i.e.
the CFFI code every call took before them), in one process, alternating, median of
``--reps`` runs each, in thread CPU time (slices lost to other processes do not count).
Only the ratio means something on a shared machine; the load is printed beside it.

L3Book: add / execute / modify / order / bbo / cancel of ``--calls`` fresh ids at one
price. MatchingEngine: submit of bench/match/bench_match_py.py's flow (85 % passive GTC,
10 % marketable GTC, 5 % IOC), positional arguments, then cancel of up to 20000 resting
orders.

Measured on the 2-core VM (branch hotcall, ``--calls 50000 --reps 5``, load 4.2-4.9
from other agents' builds; thread CPU ns/call, fast vs Python path): L3Book add 118 vs
428 (3.6x), execute 72 vs 389 (5.4x), modify 60 vs 952 (16x), order 115 vs 1551 (13x),
bbo 78 vs 142 (1.8x), cancel 86 vs 440 (5.1x); MatchingEngine submit 563 vs 2523
(4.5x), cancel 107 vs 1028 (9.6x).

Usage: python bench/python/bench_percall_ab.py [--calls N] [--reps N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from tapebook import L3Book, MatchingEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "match"))
from bench_match_py import flow  # the matching bench's order flow

PATHS = ("fast", "python path")
L3_OPS = ("add", "execute", "modify", "order", "bbo", "cancel")


def l3_run(b: L3Book, k: int) -> list[float]:
    """ns per call of each of L3_OPS over k fresh orders."""
    add, cancel, execute, order, bbo, modify = b.add, b.cancel, b.execute, b.order, b.bbo, b.modify
    ids = range(10**6, 10**6 + k)
    t = [time.thread_time_ns()]
    for i in ids:
        add(i, True, 999, 5)
    t.append(time.thread_time_ns())
    for i in ids:
        execute(i, 1)
    t.append(time.thread_time_ns())
    for i in ids:
        modify(i, 3)
    t.append(time.thread_time_ns())
    for i in ids:
        order(i)
    t.append(time.thread_time_ns())
    for _ in ids:
        bbo()
    t.append(time.thread_time_ns())
    for i in ids:
        cancel(i)
    t.append(time.thread_time_ns())
    return [(b - a) / k for a, b in itertools.pairwise(t)]


def engine_run(cols: list[list[Any]], tifs: list[str], fast: bool) -> tuple[float, float]:
    """ns per submit over the flow, ns per cancel of its resting orders."""
    calls = len(tifs)
    e = MatchingEngine(max_orders=calls + 16, anchor=100_000 - 512)
    if not fast:
        e._hot_unbind()
    submit = e.submit
    t0 = time.thread_time_ns()
    for oid, side, px, qty, owner, tif in zip(*cols, tifs, strict=True):
        submit(oid, side, px, qty, tif, owner)
    sub = (time.thread_time_ns() - t0) / calls
    live = [o for o in cols[0] if o in e.book][:20_000]
    cancel = e.cancel
    t0 = time.thread_time_ns()
    for oid in live:
        cancel(oid)
    return sub, (time.thread_time_ns() - t0) / max(1, len(live))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=50_000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    books = {p: L3Book(n=1024, max_orders=a.calls + 16) for p in PATHS}
    books["python path"]._hot_unbind()
    g = flow(a.calls, 43)
    cols = [g[k].tolist() for k in ("ids", "sides", "prices", "qtys", "owners")]
    tifs = ["gtc" if t == 0 else "ioc" for t in g["tifs"].tolist()]
    l3: dict[str, list[list[float]]] = {p: [] for p in PATHS}
    eng: dict[str, list[tuple[float, float]]] = {p: [] for p in PATHS}
    load0 = os.getloadavg()
    for _ in range(a.reps):
        for p in PATHS:
            l3[p].append(l3_run(books[p], a.calls))
            eng[p].append(engine_run(cols, tifs, p == "fast"))
    rows = [
        (f"L3Book.{op}", [statistics.median(r[j] for r in l3[p]) for p in PATHS])
        for j, op in enumerate(L3_OPS)
    ]
    rows += [
        (f"MatchingEngine.{op}", [statistics.median(r[j] for r in eng[p]) for p in PATHS])
        for j, op in enumerate(("submit", "cancel"))
    ]
    for name, (fast, slow) in rows:
        print(f"{name:22s} fast {fast:7.1f} ns  python path {slow:7.1f} ns  {slow / fast:5.2f}x")
    print(f"load average before {load0}, after {os.getloadavg()}")


if __name__ == "__main__":
    main()
