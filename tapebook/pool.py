"""``SpillPool``: a shared arena that books take their spill memory from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _args
from . import _native as nat
from ._native import ffi

POLICIES = {"refuse": 0, "fallback": 1}


@dataclass(frozen=True)
class ClassStats:
    """Counters of one SpillPool size class."""

    block_levels: int  #: levels per block of this class (16 << k)
    requests: int
    freelist_hits: int
    bump_allocs: int
    failures: int  #: requests the arena could not serve
    fallback_allocs: int  #: failures served by the heap (policy "fallback")
    frees: int
    live_blocks: int
    high_water: int  #: most blocks of this class live at once


@dataclass(frozen=True)
class PoolStats:
    """Snapshot of a SpillPool's occupancy and counters."""

    total_levels: int
    used_levels: int  #: levels in live arena blocks (whole size classes)
    watermark: int  #: levels ever carved from the arena (bump pointer)
    level_bytes: int
    attached_books: int
    policy: str
    alloc_fail_count: int
    fallback_bytes: int
    classes: tuple[ClassStats, ...]

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self.classes)

    @property
    def hits(self) -> int:
        """Requests served from the arena (free list or bump)."""
        return sum(c.freelist_hits + c.bump_allocs for c in self.classes)

    @property
    def hit_rate(self) -> float:
        """Share of requests the arena served (1.0 when there were none)."""
        r = self.requests
        return self.hits / r if r else 1.0

    @property
    def bytes_in_use(self) -> int:
        """Arena bytes in live blocks plus fallback heap bytes."""
        return self.used_levels * self.level_bytes + self.fallback_bytes

    @property
    def live_blocks(self) -> int:
        return sum(c.live_blocks for c in self.classes)

    # totals over the size classes (issue #6: the pool's own accounting, read
    # only when asked; the counters are kept on the alloc/free path, never on
    # the book's in-window path)

    @property
    def freelist_hits(self) -> int:
        return sum(c.freelist_hits for c in self.classes)

    @property
    def bump_allocs(self) -> int:
        return sum(c.bump_allocs for c in self.classes)

    @property
    def failures(self) -> int:
        """Requests the arena could not serve (equals ``alloc_fail_count``)."""
        return sum(c.failures for c in self.classes)

    @property
    def fallback_allocs(self) -> int:
        """Failures served by the heap (policy "fallback")."""
        return sum(c.fallback_allocs for c in self.classes)

    @property
    def frees(self) -> int:
        return sum(c.frees for c in self.classes)

    @property
    def misses(self) -> int:
        """Requests not served by the arena (refused or sent to the heap)."""
        return self.requests - self.hits


def pool_stats_from_c(handle: Any, variant: nat.PoolVariant) -> PoolStats:
    o = ffi.new("tb_pool_stats *")
    st = variant.stats(handle, o)
    if st:
        _args.raise_status(st, "SpillPool.stats")
    classes = tuple(
        ClassStats(
            block_levels=16 << k,
            requests=int(c.requests),
            freelist_hits=int(c.freelist_hits),
            bump_allocs=int(c.bump_allocs),
            failures=int(c.failures),
            fallback_allocs=int(c.fallback_allocs),
            frees=int(c.frees),
            live_blocks=int(c.live_blocks),
            high_water=int(c.high_water),
        )
        for k, c in enumerate(o.cls)
    )
    policy = {v: k for k, v in POLICIES.items()}[int(o.policy)]
    return PoolStats(
        total_levels=int(o.total_levels),
        used_levels=int(o.used_levels),
        watermark=int(o.watermark),
        level_bytes=int(o.level_bytes),
        attached_books=int(o.attached_books),
        policy=policy,
        alloc_fail_count=int(o.alloc_fail_count),
        fallback_bytes=int(o.fallback_bytes),
        classes=classes,
    )


def check_policy(policy: Any) -> int:
    if not isinstance(policy, str):
        raise _args.ArgumentTypeError(f"policy must be the string 'refuse' or 'fallback', got {policy!r}")
    if policy not in POLICIES:
        raise _args.InvalidArgumentError(f"policy must be 'refuse' or 'fallback', got {policy!r}")
    return POLICIES[policy]


def check_levels(levels: Any) -> int:
    return _args.check_range("levels", levels, nat.POOL_MIN_LEVELS, nat.POOL_MAX_LEVELS, "pool size")


class SpillPool:
    """A pre-sized arena of price levels shared by the spills of many books.

    Blocks come in 12 power-of-two size classes (16 ... 32768 levels) with
    O(1) allocation and free. When the arena is exhausted, ``policy="refuse"``
    (the default) makes the asking spill side stop growing (it evicts or
    drops instead, and ``alloc_fail_count`` counts it); ``"fallback"`` takes
    the block from the heap instead.

    Args:
        levels: arena size in levels (16 ... 2**30); a level is 8 bytes for
            32-bit books, 16 for 64-bit.
        price_bits: 32 or 64: the books that may use this pool.
        policy: "refuse" or "fallback".

    Books built with ``pool=`` keep the pool alive. Like books, a pool is
    single-threaded: every book using it must be used from one thread at a time.
    """

    __slots__ = ("__weakref__", "_closed", "_levels", "_p", "_pending", "_policy", "_v")

    def __init__(self, levels: int = 131072, price_bits: int = 32, policy: str = "refuse") -> None:
        bits = _args.check_price_bits(price_bits)
        n = check_levels(levels)
        pol = check_policy(policy)
        v = nat.POOLS[bits]
        out = ffi.new(f"{v.family.pool_c} **")
        st = v.create(out, n, pol)
        if st:
            _args.raise_status(st, "SpillPool()")
        destroy = v.destroy
        self._p = ffi.gc(out[0], destroy, size=n * v.level_bytes + v.nbytes)
        self._v = v
        self._levels = n
        self._policy = policy
        self._closed = False
        # (destroy, book pointer) of collected books whose free met a busy pool
        self._pending: list[tuple[Any, Any]] = []

    def _defer_free(self, destroy: Any, p: Any) -> None:
        self._pending.append((destroy, p))

    def _drain(self) -> None:
        """Free the books whose destructor found this pool busy (list ops are atomic)."""
        for _ in range(len(self._pending)):
            try:
                destroy, p = self._pending.pop()
            except IndexError:
                return
            if destroy(p) == nat.ERR_BUSY:
                self._pending.append((destroy, p))
                return

    def _handle(self) -> Any:
        if self._closed:
            raise _args.ClosedError("the SpillPool is closed")
        self._drain()
        return self._p

    @property
    def price_bits(self) -> int:
        return self._v.family.bits

    @property
    def levels(self) -> int:
        """Arena size in levels."""
        return self._levels

    @property
    def policy(self) -> str:
        return self._policy

    @property
    def nbytes(self) -> int:
        """Bytes of the arena plus the pool struct."""
        return self._levels * self._v.level_bytes + self._v.nbytes

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> PoolStats:
        """Occupancy and per-size-class counters."""
        return pool_stats_from_c(self._handle(), self._v)

    @property
    def alloc_fail_count(self) -> int:
        """Allocation requests the arena could not serve."""
        return self.stats().alloc_fail_count

    @property
    def used_levels(self) -> int:
        return self.stats().used_levels

    def close(self) -> None:
        """Free the arena now. Raises :class:`PoolInUseError` while books that
        are not closed still use it. Closing twice is harmless."""
        if self._closed:
            return
        self._drain()
        st = self._v.deinit(self._p)
        if st:
            if st == nat.ERR_POOL_IN_USE:
                n = self.stats().attached_books
                raise _args.PoolInUseError(
                    f"SpillPool.close: {n} book(s) still use this pool; close them first"
                )
            _args.raise_status(st, "SpillPool.close")
        self._closed = True

    def __enter__(self) -> SpillPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return f"<SpillPool levels={self._levels} price_bits={self.price_bits} closed>"
        s = self.stats()
        return (
            f"<SpillPool levels={self._levels} price_bits={self.price_bits} policy={self._policy}: "
            f"{s.used_levels} used, {s.attached_books} books, {s.alloc_fail_count} failed allocs>"
        )
