"""Regressions of issue #12 findings 7 and 12: dumps while another thread
updates the book, and levels_array with a huge k."""

from __future__ import annotations

import contextlib
import sys
import threading

import pytest

from tapebook import Book, ConcurrentUseError, _dump


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


class _Interleaved:
    """A book variant whose dump_size lets "another thread" update the book right
    after sizing: the interleaving that broke dumps() (finding 7), made deterministic."""

    def __init__(self, v: object, between: object) -> None:
        self._v, self._between = v, between

    def __getattr__(self, name: str) -> object:
        return getattr(self._v, name)

    def dump_size(self, p: object, out: object) -> int:
        st = self._v.dump_size(p, out)  # type: ignore[attr-defined]
        self._between()  # type: ignore[operator]
        return st


@pytest.mark.parametrize("change", ["grows", "shrinks"])
def test_dumps_is_one_consistent_call(change: str) -> None:
    book = Book(n=64)
    for i in range(20):
        book.set(True, -10_000 - i, 1)
    expect_len = 20 + (1 if change == "grows" else -1)

    def between() -> None:
        book.set(True, -20_000 if change == "grows" else -10_000, 1 if change == "grows" else 0)

    data = _dump.dump(_Interleaved(book._v, between), book._p)
    restored = Book.loads(data)  # complete: no padding, no truncation
    assert len(restored) == expect_len and data == book.dumps()
