"""SpillPool instrumentation and the exhaustion policy (issue #6, part 2):
the counters add up under fuzz-like workloads, a fallback block goes back to
the heap and an arena block to the arena (run under ASan by `make asan-py`)."""

from __future__ import annotations

import contextlib
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapebook import Book, MultiBookPool, SpillPool
from tapebook.pool import PoolStats
from tapebook.testing.streams import market_stream, uniform_stream


def block_levels(cap: int) -> int:
    """Levels of the pool block holding a spill side of capacity cap (a whole size class)."""
    return max(16, cap)


def check_accounting(s: PoolStats, books: list[Book]) -> None:
    """Every identity the counters must satisfy, and agreement with the books."""
    for c in s.classes:
        assert c.requests == c.freelist_hits + c.bump_allocs + c.failures
        assert c.fallback_allocs <= c.failures
        assert c.live_blocks == c.freelist_hits + c.bump_allocs + c.fallback_allocs - c.frees
        assert c.high_water >= c.live_blocks
    if s.policy == "refuse":
        assert s.fallback_allocs == 0 and s.fallback_bytes == 0
    assert s.alloc_fail_count == s.failures == s.misses
    assert s.watermark == sum(c.bump_allocs * c.block_levels for c in s.classes) <= s.total_levels
    live_levels = sum(c.live_blocks * c.block_levels for c in s.classes)
    assert s.used_levels * s.level_bytes + s.fallback_bytes == live_levels * s.level_bytes == s.bytes_in_use
    assert s.hits + s.misses == s.requests
    assert 0.0 <= s.hit_rate <= 1.0
    # the books hold exactly the live blocks: one per spill side with a capacity
    open_books = [b for b in books if not b.closed]
    held = [
        block_levels(side.spill_capacity)
        for b in open_books
        for side in (b.stats().bid, b.stats().ask)
        if side.spill_capacity
    ]
    assert sum(held) == live_levels
    assert len(held) == s.live_blocks
    assert s.attached_books == len(open_books)


def workload(books: list[Book], rng: random.Random, steps: int) -> None:
    """Updates far from the tapes (so they spill), plus the calls that
    allocate or free spill blocks: release, reserve_spill, clear, recenter."""
    for _ in range(steps):
        b = rng.choice(books)
        if b.closed:
            continue
        r = rng.random()
        if r < 0.85:
            side = rng.random() < 0.5
            px = rng.randint(-20_000, 20_000)
            b.set(side, px, rng.choice([0, 1, 7]))
        elif r < 0.9:
            b.release()
        elif r < 0.93:
            with contextlib.suppress(MemoryError):
                b.reserve_spill()
        elif r < 0.96:
            b.clear()
        else:
            b.recenter_bid(rng.randint(-10_000, 10_000))


@given(
    seed=st.integers(0, 2**32 - 1),
    policy=st.sampled_from(["refuse", "fallback"]),
    arena=st.sampled_from([16, 64, 512, 4096]),
    caps=st.lists(st.sampled_from([1, 8, 16, 64, 256, 1024]), min_size=1, max_size=6),
)
def test_counters_add_up(seed: int, policy: str, arena: int, caps: list[int]) -> None:
    rng = random.Random(seed)
    pool = SpillPool(levels=arena, price_bits=32, policy=policy)
    books = [Book(n=64, max_cap=c, pool=pool) for c in caps]
    for _ in range(4):
        workload(books, rng, 150)
        check_accounting(pool.stats(), books)
        if rng.random() < 0.3:
            rng.choice(books).close()
            check_accounting(pool.stats(), books)
    for b in books:
        b.close()
    s = pool.stats()
    check_accounting(s, books)
    assert s.live_blocks == 0 and s.used_levels == 0 and s.fallback_bytes == 0
    assert s.frees == s.hits + s.fallback_allocs
    pool.close()


@pytest.mark.parametrize("policy", ["refuse", "fallback"])
@pytest.mark.parametrize("make", [market_stream, uniform_stream])
def test_counters_under_stream_workloads(policy: str, make) -> None:  # type: ignore[no-untyped-def]
    """The bundled-stream style workloads, on narrow tapes sharing a small pool."""
    pool = SpillPool(levels=2048, price_bits=64, policy=policy)
    books = [Book(n=64, price_bits=64, max_cap=512, pool=pool) for _ in range(4)]
    for i, b in enumerate(books):
        s = make(20_000, seed=i)
        b.reset(100_000 - 32)
        b.apply(s.sides, s.prices, s.qtys)
        check_accounting(pool.stats(), books)
    st_ = pool.stats()
    assert st_.requests > 0
    if policy == "fallback":
        assert st_.fallback_allocs == st_.failures  # the heap served every failure
    lost = sum(b.stats().levels_lost for b in books)
    nomem = sum(b.stats().bid.spill_nomem + b.stats().ask.spill_nomem for b in books)
    if policy == "fallback":
        assert nomem == 0
    else:
        assert lost >= nomem
    for b in books:
        b.release()
    check_accounting(pool.stats(), books)
    assert pool.stats().bytes_in_use == 0


def test_fallback_blocks_go_back_to_the_heap() -> None:
    """A full arena: the fallback policy serves blocks from TB_MALLOC, and
    freeing them (release, growth, close) returns each to its owner. An
    arena block given to TB_FREE, or a heap block pushed onto a free list,
    would be caught by ASan (make asan-py)."""
    pool = SpillPool(levels=32, price_bits=32, policy="fallback")  # two 16-level blocks
    books = [Book(n=64, max_cap=4096, pool=pool) for _ in range(3)]
    for k, b in enumerate(books):
        b.reset(0)
        for i in range(300):  # grows 16 -> 32 -> ... -> 512: every step frees the previous block
            b.set(True, -1000 - i - k, 1)
    s = pool.stats()
    assert s.fallback_allocs > 0 and s.fallback_bytes > 0 and s.used_levels <= 32
    assert all(b.stats().bid.spill_nomem == 0 for b in books)
    check_accounting(s, books)
    books[0].release()
    books[1].clear()
    books[1].reserve_spill()  # 4096 levels from the heap
    check_accounting(pool.stats(), books)
    for b in books:
        b.close()
    s = pool.stats()
    assert s.live_blocks == 0 and s.fallback_bytes == 0 and s.used_levels == 0
    pool.close()


def test_refuse_counts_and_drops() -> None:
    pool = SpillPool(levels=16, price_bits=32)  # one 16-level block
    a, b = Book(n=64, max_cap=64, pool=pool), Book(n=64, max_cap=64, pool=pool)
    a.reset(0)
    b.reset(0)
    a.set(True, 10, 1)  # on the tape: worse bids below the window go to the spill
    b.set(True, 10, 1)
    for i in range(20):
        a.set(True, -100 - i, 1)  # 16 fit; growing to 32 fails, the worst levels are dropped
    b.set(True, -100, 1)  # no first block at all: the level is dropped and counted
    s = pool.stats()
    assert s.failures >= 2 and s.alloc_fail_count == s.failures and s.fallback_allocs == 0
    assert b.stats().bid.spill_nomem == 1 and b.depth(True) == 1  # only the tape level
    assert a.depth(True) == 1 + 16 and a.stats().bid.spill_nomem + a.stats().bid.spill_dropped == 4
    assert s.hit_rate == pytest.approx(s.hits / s.requests)
    check_accounting(s, [a, b])


def test_empty_pool_hit_rate_and_high_water() -> None:
    pool = SpillPool(levels=1024, price_bits=32)
    s = pool.stats()
    assert s.requests == 0 and s.hit_rate == 1.0 and s.bytes_in_use == 0
    books = [Book(n=64, max_cap=16, pool=pool) for _ in range(5)]
    for b in books:
        b.set(True, 5, 1)
        b.set(True, -500, 1)
    for b in books[:3]:
        b.close()
    c = pool.stats().classes[0]
    assert c.high_water == 5 and c.live_blocks == 2 and c.frees == 3
    books[3].set(False, 10, 1)
    books[3].set(False, 900, 1)  # reuses a freed block: a free-list hit
    c = pool.stats().classes[0]
    assert c.freelist_hits == 1 and c.high_water == 5


def test_multibookpool_stats_aggregate_tiers() -> None:
    mp = MultiBookPool(
        high_books=2, medium_books=3, low_books=4, price_bits=32, max_cap=256, pool_levels=4096
    )
    books = [mp.alloc(t, 0) for t in ("high", "medium", "medium", "low", "low", "low")]
    rng = random.Random(3)
    workload(books, rng, 600)
    st_ = mp.stats()
    assert st_.live_books == 6
    assert [t.live for t in st_.tiers] == [1, 2, 3]
    for t in st_.tiers:
        assert t.spill_levels == sum(b.bid.spill_levels + b.ask.spill_levels for b in t.books)
        assert t.tape_levels == sum(b.bid.tape_levels + b.ask.tape_levels for b in t.books)
        assert t.nbytes == sum(b.nbytes for b in t.books)
    assert st_.spill_levels == sum(t.spill_levels for t in st_.tiers)
    assert st_.levels_lost == sum(t.levels_lost for t in st_.tiers)
    check_accounting(st_.pool, books)
    report = st_.report()
    assert "hit rate" in report and "medium" in report
    for b in books:
        b.close()
    assert mp.pool_stats().live_blocks == 0
    np.testing.assert_equal(mp.stats().tiers[0].live, 0)
