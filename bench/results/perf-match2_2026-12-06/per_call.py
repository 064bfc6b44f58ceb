"""Per-call cost of MatchingEngine.submit and L3Book.apply_mbo (per_call_ab.txt).

Run with PYTHONPATH pointing at the package copy to measure; prints ns per call (thread
CPU time, best of 5 rounds) for: a resting submit (GTC, no cross), a submit that fills
one maker and rests nothing (the maker is re-added each time), and apply_mbo of one
add row + one cancel row (two calls of 1 row), plus apply_mbo of 64 rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

import tapebook
from tapebook import L3Book, MatchingEngine


def best_ns(fn: Callable[[int], None], k: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time_ns()
        fn(k)
        best = min(best, (time.thread_time_ns() - t0) / k)
    return best


def submit_rest(k: int) -> None:
    eng = MatchingEngine(n=1024, price_bits=64, max_orders=k + 16, anchor=0)
    sub = eng.submit
    for i in range(1, k + 1):
        sub(i, 1, 100 - (i & 63), 10)


def submit_fill(k: int) -> None:
    eng = MatchingEngine(n=1024, price_bits=64, max_orders=2 * k + 16, anchor=0)
    sub = eng.submit
    for i in range(1, k + 1):
        sub(2 * i, 0, 100, 10)  # maker rests
        sub(2 * i + 1, 1, 100, 10)  # taker fills it whole


def mbo_one(k: int) -> None:
    book = L3Book(n=1024, price_bits=64, max_orders=64, max_cap=4096, anchor=0)
    add = (
        b"A",
        np.array([7], np.uint64),
        np.array([1], np.uint8),
        np.array([5], np.int64),
        np.array([3], np.uint64),
    )
    cxl = (b"C", add[1], add[2], add[3], np.array([0], np.uint64))
    ap = book.apply_mbo
    for _ in range(k // 2):
        ap(*add)
        ap(*cxl)


def mbo_64(k: int) -> None:
    book = L3Book(n=1024, price_bits=64, max_orders=128, max_cap=4096, anchor=0)
    ids = np.arange(1, 33, dtype=np.uint64)
    acts = np.frombuffer(b"A" * 32 + b"C" * 32, np.uint8)
    cols = (
        acts,
        np.concatenate([ids, ids]),
        np.ones(64, np.uint8),
        np.full(64, 5, np.int64),
        np.full(64, 3, np.uint64),
    )
    ap = book.apply_mbo
    for _ in range(k):
        ap(*cols)


def main() -> None:
    print(f"package: {tapebook.__file__}")
    for name, fn, k in (
        ("submit (rests)", submit_rest, 20000),
        ("submit x2 (maker rests, taker fills it)", submit_fill, 10000),
        ("apply_mbo 1 row (add / cancel alternating)", mbo_one, 20000),
        ("apply_mbo 64 rows", mbo_64, 5000),
    ):
        print(f"  {name:45s} {best_ns(fn, k):9.0f} ns/call")


if __name__ == "__main__":
    main()
