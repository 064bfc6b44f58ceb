"""MatchingEngine's Python path claims the engine's scratch (the C order, the result, the
counts, the event buffers, the block position) for each call: these are the engine's, not
the call's, and its CFFI calls release the GIL, so before the claim two threads whose C
calls did not overlap (no ConcurrentUseError from the core's guard) could hand one
submit's result the other's events (review finding: 46 of 131,809 results with the fast
path off). A call that finds the claim held raises ConcurrentUseError and changes nothing;
the fast path stands aside while a claim is held."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tapebook import ConcurrentUseError, MatchingEngine


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
def test_a_held_claim_refuses_every_call_and_changes_nothing(fast: bool) -> None:
    e = MatchingEngine(n=64, max_orders=64, max_cap=16)
    if not fast:
        e._hot_unbind()
    e.submit(1, 1, 5, 3)
    before = e.dumps()
    assert e._claim()  # as another thread's Python-path call in its C call would hold it
    try:
        calls = [
            lambda: e.submit(2, 1, 5, 3),
            lambda: e.submit(2, 0, None, 3),  # a market order: always the Python path
            lambda: e.cancel(1),
            lambda: e.modify(1, 2),
            lambda: e.submit_many(np.array([3], np.uint64), [1], [5], [1]),
        ]
        for call in calls:
            with pytest.raises(ConcurrentUseError):
                call()
        assert not e._claim()
    finally:
        e._unclaim()
    assert e.dumps() == before
    assert e.submit(2, 1, 5, 3).status == "rested"  # released: the engine goes on


def test_python_path_results_keep_their_own_events_under_threads() -> None:
    e = MatchingEngine(n=1024, max_orders=1 << 20, max_cap=4096)
    e._hot_unbind()  # every submit on the Python path, whose scratch is shared
    rows = 20_000
    stop = threading.Event()
    batches = {"ok": 0, "busy": 0}

    def batcher() -> None:
        base = 1
        while not stop.is_set():
            ids = np.arange(base, base + rows, dtype=np.uint64)
            base += rows
            try:  # IOC bids far below the asks: each leaves nothing behind
                e.submit_many(
                    ids,
                    np.ones(rows, np.uint8),
                    np.full(rows, 1000),
                    np.ones(rows, np.uint64),
                    np.ones(rows, np.uint8),
                )
                batches["ok"] += 1
            except ConcurrentUseError:
                batches["busy"] += 1

    t = threading.Thread(target=batcher)
    t.start()
    busy = foreign = done = 0
    # until both threads got through and ran into each other (a loaded machine may take
    # long for either: the first version stopped at 50 refusals and failed under load with
    # none of this thread's calls done)
    deadline = time.monotonic() + 20.0
    i = 10**12
    try:
        while time.monotonic() < deadline and not (done >= 20 and busy + batches["busy"] >= 50):
            i += 1
            try:
                r = e.submit(i, 0, 5000, 1)  # an ask that rests
                done += 1
                if set(r.events["taker_id"].tolist()) != {i}:
                    foreign += 1
                e.cancel(i)
            except ConcurrentUseError:
                busy += 1
                time.sleep(0.0005)  # a batch holds the engine: let it finish
            time.sleep(0)  # let the other thread run its calls
    finally:
        stop.set()
        t.join()
    assert foreign == 0
    assert done > 0 and busy + batches["busy"] > 0, (done, busy, batches)
    assert e.verify_invariants()
