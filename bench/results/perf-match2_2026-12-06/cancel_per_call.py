"""Per-call cost of MatchingEngine.cancel (cancel_per_call.txt): 2e4 resting orders
cancelled one call each, thread CPU time of the cancels only, best of 5 rounds.
Run with PYTHONPATH pointing at the package copy to measure."""

from __future__ import annotations

import time

import tapebook
from tapebook import MatchingEngine


def run(k: int) -> float:
    e = MatchingEngine(n=1024, price_bits=64, max_orders=k + 16)
    for i in range(1, k + 1):
        e.submit(i, 1, 100 - (i & 63), 10)
    t0 = time.thread_time_ns()
    for i in range(1, k + 1):
        if e.cancel(i) != 10:
            raise AssertionError(f"cancel({i}) returned the wrong quantity")
    return (time.thread_time_ns() - t0) / k


def main() -> None:
    print(f"package: {tapebook.__file__}")
    print(f"  cancel {min(run(20000) for _ in range(5)):9.0f} ns/call")


if __name__ == "__main__":
    main()
