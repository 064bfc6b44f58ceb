"""The Python-side cost of L3Book.apply_mbo apart from the C loop (python_wrapper_cost.txt).

Prints an empty loop iteration (the interpreter's speed at the time), the column checks
plus the status array per row on 1e6 rows, and one whole call of one row.
"""

from __future__ import annotations

import time

import numpy as np

from tapebook import L3Book


def main() -> None:
    t0 = time.thread_time_ns()
    for _ in range(1_000_000):
        pass
    loop = (time.thread_time_ns() - t0) / 1e6
    book = L3Book(n=1024, price_bits=64, max_orders=64, max_cap=4096, anchor=999_488)
    n = 1_000_000
    cols = (
        np.full(n, 67, np.uint8),
        np.arange(n, dtype=np.uint64),
        np.zeros(n, np.uint8),
        np.zeros(n, np.int64),
        np.zeros(n, np.uint64),
    )
    best = float("inf")
    for _ in range(5):
        t0 = time.thread_time_ns()
        book._mbo_columns(*cols)
        np.empty(n, np.int8)
        best = min(best, time.thread_time_ns() - t0)
    one = tuple(c[:1] for c in cols)
    k = 5000
    t0 = time.thread_time_ns()
    for _ in range(k):
        book.apply_mbo(*one)
    call = (time.thread_time_ns() - t0) / k
    print(
        f"empty Python loop: {loop:.1f} ns/iteration; column checks + status array for 1e6 rows: "
        f"{best / n:.3f} ns/row; apply_mbo of 1 row: {call:.0f} ns/call (thread CPU time)"
    )


if __name__ == "__main__":
    main()
