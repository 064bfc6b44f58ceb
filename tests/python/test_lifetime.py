"""Ownership of C memory: freed exactly once, pools outlive their books,
closed objects raise instead of crashing."""

from __future__ import annotations

import gc
import weakref

import pytest

from tapebook import Book, ClosedError, MultiBookPool, PoolInUseError, SpillPool


def spill_some(b: Book, k: int = 40) -> None:
    b.reset(0)
    b.set(True, 5, 1)
    for i in range(k):
        b.set(True, -10_000 - i, 1)


def test_drop_pool_before_books() -> None:
    pool = SpillPool(levels=4096)
    books = [Book(n=64, max_cap=64, pool=pool) for _ in range(4)]
    for b in books:
        spill_some(b)
    ref = weakref.ref(pool)
    del pool
    gc.collect()
    assert ref() is not None  # the books keep it alive
    assert books[0].pool is ref()
    assert ref().stats().attached_books == 4
    for b in books:
        spill_some(b, 60)
        assert b.verify_invariants()
    del books, b
    gc.collect()
    assert ref() is None


def test_pool_close_refused_while_books_use_it() -> None:
    pool = SpillPool(levels=1024)
    b = Book(n=64, pool=pool)
    spill_some(b)
    with pytest.raises(PoolInUseError, match="1 book"):
        pool.close()
    assert b.verify_invariants()  # nothing was freed
    b.close()
    assert pool.stats().used_levels == 0 and pool.stats().attached_books == 0
    pool.close()
    pool.close()  # twice is fine
    with pytest.raises(ClosedError):
        pool.stats()
    with pytest.raises(ClosedError):
        Book(n=64, pool=pool)


def test_book_close_twice_and_use_after_close() -> None:
    b = Book(n=64)
    spill_some(b)
    b.close()
    b.close()
    assert b.closed
    for call in (
        lambda: b.set(True, 1, 1),
        b.best_bid_px,
        b.best_ask_qty,
        b.crossed,
        lambda: b.levels(True),
        b.stats,
        b.verify_invariants,
        lambda: b.reset(0),
        b.clear,
        b.release,
        b.reserve_spill,
        lambda: b.apply([1], [1], [1]),
        lambda: b.qty_at(True, 1),
    ):
        with pytest.raises(ClosedError, match="closed"):
            call()
    assert "closed" in repr(b)


def test_context_manager_returns_blocks_to_pool() -> None:
    pool = SpillPool(levels=2048)
    with Book(n=64, pool=pool, max_cap=256) as b:
        spill_some(b, 200)
        assert pool.stats().used_levels >= 200
    assert pool.stats().used_levels == 0


def test_gc_in_any_order_many_times() -> None:
    for round_ in range(30):
        pool = SpillPool(levels=512)
        books = [Book(n=64, max_cap=32, pool=pool) for _ in range(3)]
        for b in books:
            spill_some(b, 20)
        objs: list[object] = [pool, *books]
        order = list(range(len(objs)))
        order = order[round_ % 4 :] + order[: round_ % 4]
        for i in order:
            objs[i] = None
            gc.collect()
        del pool, books, b


def test_pool_counters_add_up() -> None:
    pool = SpillPool(levels=8192)
    books = [Book(n=64, max_cap=128, pool=pool) for _ in range(5)]
    for i, b in enumerate(books):
        spill_some(b, 10 * (i + 1))
    s = pool.stats()
    caps = sum(max(16, x.stats().bid.spill_capacity) for x in books if x.stats().bid.spill_capacity)
    assert s.used_levels == caps
    assert s.requests == s.hits and s.hit_rate == 1.0
    assert s.live_blocks == sum(1 for x in books if x.stats().bid.spill_capacity)
    for b in books:
        b.release()
    assert pool.stats().used_levels == 0


def test_pool_exhaustion_drops_and_counts() -> None:
    pool = SpillPool(levels=16)  # one block of 16
    a = Book(n=64, max_cap=64, pool=pool)
    b = Book(n=64, max_cap=64, pool=pool)
    spill_some(a, 30)  # a gets the only block: 16 levels, then cannot grow
    spill_some(b, 5)  # b cannot get its first block
    sa, sb = a.stats().bid, b.stats().bid
    assert sa.spill_levels == 16 and sa.spill_capacity == 16
    assert sb.spill_levels == 0 and sb.spill_nomem == 5
    assert pool.stats().alloc_fail_count >= 6
    assert a.verify_invariants() and b.verify_invariants()


def test_pool_fallback_policy() -> None:
    pool = SpillPool(levels=16, policy="fallback")
    a = Book(n=64, max_cap=64, pool=pool)
    spill_some(a, 40)
    s = pool.stats()
    assert a.stats().bid.spill_levels == 40 and s.fallback_bytes > 0
    a.release()
    assert pool.stats().fallback_bytes == 0


def test_multibook_views_keep_pool_alive_and_free_slots() -> None:
    m = MultiBookPool(high_books=2, medium_books=2, low_books=2, pool_levels=4096, max_cap=64)
    views = [m.alloc(t, 1000) for t in ("high", "medium", "low")]
    assert [v.n for v in views] == [1024, 256, 64]
    for v in views:
        v.set(True, 1001, 3)
        v.set(True, -50_000, 2)  # spill through the shared pool
    assert m.pool_stats().used_levels == 48
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is not None
    assert views[0].best_bid_px() == 1001
    views[0].close()
    with pytest.raises(ClosedError):
        views[0].set(True, 1, 1)
    assert ref().tier_info("high") == (2, 0)
    del views, v
    gc.collect()
    assert ref() is None


def test_multibook_close_closes_views() -> None:
    m = MultiBookPool(high_books=1, medium_books=1, low_books=1, pool_levels=1024, max_cap=16)
    v = m.alloc("low", 0)
    v.set(False, 3, 1)
    m.close()
    m.close()
    with pytest.raises(ClosedError):
        v.best_ask_px()
    with pytest.raises(ClosedError):
        m.alloc("low", 0)


def test_multibook_slot_reuse_does_not_alias() -> None:
    m = MultiBookPool(high_books=1, medium_books=0, low_books=0, pool_levels=1024, max_cap=16)
    a = m.alloc("high", 0)
    a.set(True, 5, 5)
    h = a.handle
    a.close()
    b = m.alloc("high", 0)  # same slot, new generation
    assert b.handle != h
    assert b.best_bid_px() is None
    with pytest.raises(ClosedError):
        a.set(True, 1, 1)
    assert b.best_bid_px() is None


def test_dropped_view_frees_its_slot() -> None:
    m = MultiBookPool(high_books=1, medium_books=1, low_books=1, pool_levels=1024, max_cap=16)
    v = m.alloc("low", 0)
    v.set(True, 0, 1)
    v.set(True, -5000, 2)  # a spill block from the shared pool
    assert m.tier_info("low") == (1, 1) and m.pool_stats().used_levels > 0
    del v
    assert m.tier_info("low") == (1, 0) and m.pool_stats().used_levels == 0


def test_view_in_a_garbage_cycle_keeps_its_slot_until_freed() -> None:
    # regression: the slot was freed by a weakref.finalize callback, which the
    # collector runs before the __del__ methods of the same cycle; a __del__
    # that still used the view wrote into the freed slot, here reused by a new book
    m = MultiBookPool(high_books=0, medium_books=0, low_books=1, pool_levels=1024, max_cap=16)
    seen: list[object] = []

    class Holder:
        def __del__(self) -> None:
            try:
                seen.append(m.alloc("low", 0))  # the tier has one slot
            except Exception as e:  # the slot is still the dying view's
                seen.append(type(e).__name__)
            seen.append(self.view.set(True, 7, 99))

    h = Holder()
    cycle: list[object] = [h]
    h.view = m.alloc("low", 0)  # type: ignore[attr-defined]
    h.cycle = cycle  # type: ignore[attr-defined]
    cycle.append(h.view)  # type: ignore[attr-defined]
    del h, cycle
    gc.collect()
    assert seen[0] == "TierFullError" and seen[1] is not None
    assert m.tier_info("low") == (1, 0)  # freed once the view itself was freed
    fresh = m.alloc("low", 0)
    assert fresh.levels(True) == []


def test_views_in_garbage_cycles_are_collected_cleanly() -> None:
    # regression: the slot-freeing callback was visible to the collector, which
    # cleared it (a functools.partial) before the view's deallocation called it
    m = MultiBookPool(high_books=0, medium_books=0, low_books=64, pool_levels=4096, max_cap=16)
    for _ in range(3):
        for _ in range(64):
            cycle: list[object] = [m.alloc("low", 0)]
            cycle.append(cycle)
        del cycle
        gc.collect()
        assert m.tier_info("low") == (64, 0)
