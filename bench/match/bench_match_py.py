"""Python side of the matching benchmark: MatchingEngine.submit_many throughput and the
cost of one MatchingEngine.submit call, on the same kind of flow as the C benchmark
(passive limit orders near the touch with marketable and IOC orders mixed in).

Prints a table and, with --json, writes the numbers. Timings are the best of --reps runs
(time.perf_counter); report the machine's load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from tapebook import MatchingEngine


def flow(n: int, seed: int) -> dict[str, np.ndarray]:
    """n orders: 85 % passive GTC 0-9 ticks behind a mid of 100000, 10 % marketable GTC,
    5 % IOC through it; qty 1-100; owners 1-1000."""
    rng = np.random.default_rng(seed)
    sides = rng.integers(0, 2, n).astype(np.uint8)
    kind = rng.random(n)
    off = rng.integers(0, 10, n)
    through = rng.integers(1, 4, n)
    passive = np.where(sides == 1, 100_000 - 1 - off, 100_000 + 1 + off)
    taking = np.where(sides == 1, 100_000 + through, 100_000 - through)
    prices = np.where(kind < 0.85, passive, taking).astype(np.int64)
    tifs = np.where(kind < 0.95, 0, 1).astype(np.uint8)
    return {
        "ids": np.arange(1, n + 1, dtype=np.uint64),
        "sides": sides,
        "prices": prices,
        "qtys": rng.integers(1, 101, n).astype(np.uint64),
        "tifs": tifs,
        "owners": rng.integers(1, 1001, n).astype(np.uint32),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    f = flow(args.orders, 42)
    best_many = float("inf")
    n_fills = 0
    for _ in range(args.reps):
        e = MatchingEngine(max_orders=args.orders + 16, anchor=100_000 - 512)
        t0 = time.perf_counter()
        fills = e.submit_many(f["ids"], f["sides"], f["prices"], f["qtys"], f["tifs"], f["owners"])
        best_many = min(best_many, time.perf_counter() - t0)
        n_fills = len(fills)
    g = flow(args.calls, 43)
    cols = [g[k].tolist() for k in ("ids", "sides", "prices", "qtys", "owners")]
    tif_names = ["gtc" if t == 0 else "ioc" for t in g["tifs"].tolist()]
    best_call = float("inf")
    for _ in range(args.reps):
        e = MatchingEngine(max_orders=args.calls + 16, anchor=100_000 - 512)
        submit = e.submit
        t0 = time.perf_counter()
        for oid, side, px, qty, owner, tif in zip(*cols, tif_names, strict=True):
            submit(oid, side, px, qty, tif, owner)
        best_call = min(best_call, time.perf_counter() - t0)
    res = {
        "submit_many_orders": args.orders,
        "submit_many_fills": n_fills,
        "submit_many_ns_per_order": 1e9 * best_many / args.orders,
        "submit_many_orders_per_s": args.orders / best_many,
        "submit_calls": args.calls,
        "submit_ns_per_call": 1e9 * best_call / args.calls,
        "load": os.getloadavg(),
    }
    print(
        f"submit_many: {args.orders} orders, {n_fills} fills: {res['submit_many_ns_per_order']:.1f} ns/order "
        f"({res['submit_many_orders_per_s'] / 1e6:.2f} M orders/s)\n"
        f"submit (one call per order): {res['submit_ns_per_call']:.0f} ns/call\n"
        f"load average: {res['load']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
