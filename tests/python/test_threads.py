"""cffi releases the GIL around C calls: concurrent use of one book or pool
must raise ConcurrentUseError, never corrupt memory."""

from __future__ import annotations

import threading

import numpy as np

from tapebook import Book, ConcurrentUseError, SpillPool


def hammer(fn, n_threads: int = 2, seconds: float = 1.0) -> tuple[int, int]:
    stop = threading.Event()
    ok = [0] * n_threads
    busy = [0] * n_threads

    def run(i: int) -> None:
        while not stop.is_set():
            try:
                fn(i)
                ok[i] += 1
            except ConcurrentUseError:
                busy[i] += 1

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in ts:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in ts:
        t.join()
    return sum(ok), sum(busy)


def test_same_book_two_threads_raises_and_stays_consistent() -> None:
    b = Book(n=256, max_cap=1024)
    b.reset(0)
    rng = np.random.default_rng(1)
    sides = rng.integers(0, 2, 200_000).astype(bool)
    prices = rng.integers(-2000, 2000, 200_000).astype(np.int32)
    qtys = rng.integers(0, 9, 200_000).astype(np.uint32)

    def work(i: int) -> None:
        if i == 0:
            b.apply(sides, prices, qtys)  # a long call: the other thread collides with it
        else:
            b.set(True, int(prices[7]), 3)
            b.levels(False, 5)

    ok, busy = hammer(work)
    assert ok > 0 and busy > 0  # the guard fired
    assert b.verify_invariants()


def test_two_books_sharing_a_pool() -> None:
    pool = SpillPool(levels=1 << 16)
    books = [Book(n=64, max_cap=4096, pool=pool) for _ in range(2)]
    rng = np.random.default_rng(2)
    batches = []
    for _ in books:
        s = rng.integers(0, 2, 50_000).astype(bool)
        p = rng.integers(-100_000, 100_000, 50_000).astype(np.int32)  # mostly outside the tape
        q = rng.integers(0, 5, 50_000).astype(np.uint32)
        batches.append((s, p, q))

    def work(i: int) -> None:
        books[i].apply(*batches[i])  # spills allocate from the shared pool

    ok, busy = hammer(work, seconds=1.5)
    assert ok > 0 and busy > 0
    for b in books:
        assert b.verify_invariants()
    assert pool.stats().used_levels == sum(
        (b.stats().bid.spill_capacity + b.stats().ask.spill_capacity) for b in books
    )


def test_in_window_sets_on_two_books_do_not_contend() -> None:
    pool = SpillPool(levels=1024)
    books = [Book(n=1024, pool=pool) for _ in range(2)]
    for b in books:
        b.reset(0)

    def work(i: int) -> None:
        for px in range(1, 200):
            books[i].set(True, px, 1)

    _ok, busy = hammer(work, seconds=0.5)
    assert busy == 0  # different books, no pool traffic: no false alarms
