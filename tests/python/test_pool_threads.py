"""Regressions of issue #12 (findings 1, 5, 9, 10): a MultiBookPool knows every
slot it handed out, whatever the collector or other threads do."""

from __future__ import annotations

import contextlib
import gc
import threading
import time

import numpy as np
import pytest

from tapebook import Book, ClosedError, ConcurrentUseError, MultiBookPool, PoolInUseError, SpillPool


def test_view_resurrected_by_a_finalizer_blocks_close() -> None:
    # finding 1: the view's weak entry died in the cycle, close() skipped it and
    # freed the tiers under it (heap-use-after-free on its next set)
    m = MultiBookPool(n_high=0, n_medium=0, n_low=1, pool_levels=1024, max_cap=16)
    keep: list[object] = []

    class Holder:
        def __del__(self) -> None:
            keep.append(self.view)  # type: ignore[attr-defined]

    h = Holder()
    h.view = m.alloc("low", 0)  # type: ignore[attr-defined]
    h.cycle = [h]  # type: ignore[attr-defined]
    del h
    gc.collect()
    (view,) = keep
    with pytest.raises(PoolInUseError, match="unreachable"):
        m.close()
    assert not view.closed  # type: ignore[attr-defined]
    view.set(True, 3, 4)  # type: ignore[attr-defined]
    assert view.best_bid_px() == 3  # type: ignore[attr-defined]
    keep.clear()
    del view
    m.close()  # the slot came back when the view was dropped
    with pytest.raises(ClosedError):
        m.alloc("low", 0)


def _spinning_apply(book: object, stop: threading.Event) -> None:
    # keeps the shared pool busy: every row spills (the pool guard is held per call)
    n = 4000
    sides = np.ones(n, dtype=bool)
    prices = -100_000 - np.arange(n, dtype=np.int32)
    qtys = np.ones(n, dtype=np.uint32)
    while not stop.is_set():
        try:
            book.apply(sides, prices, qtys)  # type: ignore[attr-defined]
            book.release()  # type: ignore[attr-defined]
        except ConcurrentUseError:
            pass


def test_views_dropped_while_a_sibling_is_busy_are_freed_later() -> None:
    # finding 9: the slot free of a dropped view met TB_ERR_BUSY and was ignored
    m = MultiBookPool(n_high=1, n_medium=0, n_low=64, pool_levels=1 << 16, max_cap=4096)
    busy = m.alloc("high", 0)
    stop = threading.Event()
    t = threading.Thread(target=_spinning_apply, args=(busy, stop))
    t.start()
    dropped = 0
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            for _ in range(64):
                try:
                    v = m.alloc("low", 0)  # attaching to the busy pool may be refused
                except ConcurrentUseError:
                    continue
                with contextlib.suppress(ConcurrentUseError):
                    v.set(True, -50_000, 1)  # spills: a block of the (busy) shared pool
                del v  # frees the slot, or defers it while the sibling holds the pool
                dropped += 1
    finally:
        stop.set()
        t.join()
    assert dropped > 100
    # every dropped view's slot comes back once the pool is idle
    assert m.tier_info("low") == (64, 0)
    assert m.pool_stats().attached_books == 1
    busy.close()
    m.close()


def test_stats_books_close_race_alloc() -> None:
    # finding 10: dictionary changed size during iteration / ClosedError from stats()
    errors: list[BaseException] = []
    for _ in range(20):
        m = MultiBookPool(n_high=0, n_medium=0, n_low=256, pool_levels=4096, max_cap=16)
        stop = threading.Event()

        def churn(m: MultiBookPool = m, stop: threading.Event = stop) -> None:
            try:
                while not stop.is_set():
                    views = [m.alloc("low", 0) for _ in range(32)]
                    del views
            except Exception as e:  # the pool closed under us is the only allowed end
                if "closed" not in str(e):
                    errors.append(e)

        t = threading.Thread(target=churn)
        t.start()
        try:
            for _ in range(30):
                m.stats()
                m.books()
        except Exception as e:
            errors.append(e)
        with contextlib.suppress(ConcurrentUseError):
            m.close()
        stop.set()
        t.join()
        m.close()
    assert not errors, errors[:3]


def test_pool_backed_books_dropped_while_a_sibling_is_busy_are_freed_later() -> None:
    # finding 9, SpillPool half: the destructor's TB_ERR_BUSY was ignored, the pool
    # counted the book forever (close() raised PoolInUseError) and its blocks leaked
    pool = SpillPool(levels=1 << 16)
    busy = Book(n=64, max_cap=4096, pool=pool)
    stop = threading.Event()
    t = threading.Thread(target=_spinning_apply, args=(busy, stop))
    t.start()
    dropped = 0
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                b = Book(n=64, max_cap=64, pool=pool)  # attaching to the busy pool may be refused
            except ConcurrentUseError:
                continue
            with contextlib.suppress(ConcurrentUseError):
                b.set(True, -50_000, 1)
            del b  # freed now, or handed to the pool while the sibling holds it
            dropped += 1
    finally:
        stop.set()
        t.join()
    assert dropped > 100
    assert pool.stats().attached_books == 1
    busy.close()
    pool.close()


def test_close_that_must_wait_too_long_destroys_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # finding 5: close() raised ConcurrentUseError for a later book inside a call
    # after it had destroyed the earlier ones (closed=False, yet ClosedError on use,
    # slots lost). A call held open (the feed replay's pinned pointer) past the wait.
    import tapebook.multi as multi

    monkeypatch.setattr(multi, "CLOSE_WAIT_S", 0.2)
    m = MultiBookPool(high_books=0, medium_books=0, low_books=4, pool_levels=1024, max_cap=16)
    books = [m.alloc("low", 0) for _ in range(3)]
    for i, b in enumerate(books):
        b.set(True, 10 + i, 1 + i)
    with books[2]._pinned():
        with pytest.raises(ConcurrentUseError):
            m.close()
        assert m.stats().tiers[2].live == 3
    for i, b in enumerate(books):  # every book still open and intact, none destroyed
        assert not b.closed and b.qty_at(True, 10 + i) == 1 + i
        b.set(False, 100, 1)
    m.close()
    assert all(b.closed for b in books)


def test_alloc_racing_close_hands_out_no_live_view() -> None:
    # finding 1, second half: alloc() in one thread racing close() in another left
    # a view bound to the freed tiers with closed=False (60 of 400 trials before the fix)
    bad: list[str] = []
    for _ in range(200):
        m = MultiBookPool(high_books=0, medium_books=0, low_books=8, pool_levels=1024, max_cap=16)
        views: list[object] = []
        go = threading.Event()

        def grab(m: MultiBookPool = m, views: list[object] = views, go: threading.Event = go) -> None:
            go.set()
            with contextlib.suppress(ClosedError):
                for _ in range(8):
                    views.append(m.alloc("low", 0))

        t = threading.Thread(target=grab)
        t.start()
        go.wait()
        while True:
            try:
                m.close()
                break
            except ConcurrentUseError:
                pass
        t.join()
        for v in views:
            if not v.closed:  # type: ignore[attr-defined]
                bad.append(repr(v))
            else:
                with pytest.raises(ClosedError):
                    v.set(True, 1, 1)  # type: ignore[attr-defined]
    assert not bad, bad[:3]
