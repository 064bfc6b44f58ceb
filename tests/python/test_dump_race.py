"""Regressions of issue #12 findings 7 and 12: dumps while another thread
updates the book, and levels_array with a huge k."""

from __future__ import annotations

import contextlib
import sys
import threading

from tapebook import Book, ConcurrentUseError


def test_dumps_while_another_thread_updates() -> None:
    # finding 7: size and dump were two guarded calls; the book changed in between
    # (InvalidArgumentError, or padded bytes that loads() rejects)
    book = Book(n=64, max_cap=4096)
    stop = threading.Event()

    def churn() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            with contextlib.suppress(ConcurrentUseError):
                book.set(True, -10_000 - i % 300, i & 1)  # spill levels come and go

    t = threading.Thread(target=churn)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads between the Python-level steps of dumps()
    t.start()
    good = 0
    try:
        for _ in range(5000):
            try:
                data = book.dumps()
            except ConcurrentUseError:
                continue
            Book.loads(data)  # a complete, consistent dump
            good += 1
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert good > 100


def test_levels_array_clamps_a_huge_k() -> None:
    # finding 12: 2**20 < k < 2**31 allocated k rows and kept them alive in the result
    book = Book(n=64)
    book.set(True, 5, 1)
    for k in (2**20 + 1, 2**30, 2**31 - 1):
        a = book.levels_array(True, k)
        assert a.tolist() == [(5, 1)]
        assert a.base is None or a.base.nbytes <= 16
