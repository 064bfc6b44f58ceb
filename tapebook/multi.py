"""``MultiBookPool``: books for many instruments in three tiers over one SpillPool."""

from __future__ import annotations

import contextlib
import enum
import functools
import threading
import time
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import _args
from . import _native as nat
from ._native import ffi
from .book import Book, BookStats
from .pool import POLICIES, PoolStats, check_levels, check_policy, pool_stats_from_c


class Tier(enum.IntEnum):
    """Tiers of a multi-book pool (their C values)."""

    HIGH = 0
    MEDIUM = 1
    LOW = 2


def _check_tier(tier: Any) -> Tier:
    if isinstance(tier, str):
        try:
            return Tier[tier.upper()]
        except KeyError:
            raise _args.InvalidArgumentError(
                f"tier must be 'high', 'medium' or 'low', got {tier!r}"
            ) from None
    if isinstance(tier, bool):
        raise _args.ArgumentTypeError(f"tier must be a Tier, 'high'/'medium'/'low' or 0/1/2, got {tier!r}")
    try:
        return Tier(_args.as_int("tier", tier))
    except ValueError:
        raise _args.InvalidArgumentError(
            f"tier must be 0 (high), 1 (medium) or 2 (low), got {tier!r}"
        ) from None


@dataclass(frozen=True)
class TierStats:
    """Books of one tier."""

    tier: Tier
    n: int  #: tape size of this tier's books
    capacity: int
    live: int
    books: tuple[BookStats, ...]  #: stats of every live book

    # aggregates over the tier's books
    @property
    def tape_levels(self) -> int:
        return sum(b.bid.tape_levels + b.ask.tape_levels for b in self.books)

    @property
    def spill_levels(self) -> int:
        return sum(b.bid.spill_levels + b.ask.spill_levels for b in self.books)

    @property
    def nbytes(self) -> int:
        """Book structs plus their spill blocks."""
        return sum(b.nbytes for b in self.books)

    @property
    def levels_lost(self) -> int:
        return sum(b.levels_lost for b in self.books)

    @property
    def promotes(self) -> int:
        return sum(b.bid.promotes + b.ask.promotes for b in self.books)


@dataclass(frozen=True)
class MultiBookPoolStats:
    """Aggregate of :meth:`MultiBookPool.stats`."""

    tiers: tuple[TierStats, TierStats, TierStats]
    pool: PoolStats

    @property
    def live_books(self) -> int:
        return sum(t.live for t in self.tiers)

    @property
    def spill_levels(self) -> int:
        return sum(b.bid.spill_levels + b.ask.spill_levels for t in self.tiers for b in t.books)

    @property
    def levels_lost(self) -> int:
        return sum(t.levels_lost for t in self.tiers)

    def report(self) -> str:
        """Per-tier books and the shared pool's counters, for people."""
        p = self.pool
        lines = [
            f"  {'tier':<7} {'N':>5} {'books':>9} {'tape lv':>9} {'spill lv':>9} {'lost':>6} {'bytes':>12}"
        ]
        for t in self.tiers:
            lines.append(
                f"  {t.tier.name.lower():<7} {t.n:>5} {f'{t.live}/{t.capacity}':>9} {t.tape_levels:>9,} "
                f"{t.spill_levels:>9,} {t.levels_lost:>6,} {t.nbytes:>12,}"
            )
        lines.append(
            f"  spill pool ({p.policy}): {p.requests:,} requests, hit rate {p.hit_rate:.1%} "
            f"({p.freelist_hits:,} free-list, {p.bump_allocs:,} bump), {p.failures:,} failed "
            f"({p.fallback_allocs:,} to the heap), {p.frees:,} frees, {p.live_blocks:,} live blocks, "
            f"{p.bytes_in_use:,} bytes in use of {p.total_levels * p.level_bytes:,}"
        )
        return "\n".join(lines)


class PooledBook(Book):
    """A :class:`Book` living in a :class:`MultiBookPool` slot.

    Behaves like a Book; ``close()`` frees its slot (so does dropping the last
    reference). It keeps its multi-book pool alive.
    """

    __slots__ = ("_closing", "_handle", "_inflight", "_owner", "_tier")

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - construction guard
        raise TypeError("PooledBook objects are created by MultiBookPool.alloc()")

    @property
    def handle(self) -> int:
        """The C handle (tier, generation, slot) of this book."""
        return self._handle

    @property
    def tier(self) -> Tier:
        return self._tier

    @property
    def owner(self) -> MultiBookPool:
        return self._owner

    def close(self) -> None:
        """Free this book's slot; its spill memory goes back to the shared pool.

        Calls on this book in flight in other threads are waited for (new ones raise
        :class:`ClosedError`); :class:`ConcurrentUseError` after ``CLOSE_WAIT_S`` s."""
        if self._closed:
            return
        self._owner._free_view(self)

    # In-flight counting (issue #12 finding 4). A call reads the slot's C address and
    # releases the GIL inside CFFI before the C guard is entered; without a count a
    # close() and the next alloc() of the same slot could run in that gap, and the
    # stale call would write into another instrument's book. Every Book method runs
    # between _enter and _leave (see _guard_methods below). A close marks the book
    # closing (new calls raise ClosedError), waits for the count to reach zero, then
    # frees the slot. The C fast path (HotBook) holds the GIL for its whole call and
    # is unbound under the pool lock before a slot is freed, so it needs no count.
    def _enter(self) -> None:
        with self._owner._lock:
            if self._closed or self._closing:
                raise _args.ClosedError("the PooledBook is closed (its slot was freed)")
            self._inflight += 1

    def _leave(self) -> None:
        with self._owner._lock:
            self._inflight -= 1
            if self._closing and not self._inflight:
                self._owner._idle.notify_all()

    @contextlib.contextmanager
    def _pinned(self) -> Iterator[Any]:
        # C calls from outside Book's methods (feed replay: tapebook.feeds) count as
        # in flight for as long as they hold the pointer, like a counted method
        self._enter()
        try:
            yield self._p
        finally:
            self._leave()

    def _detach(self) -> None:
        # the callers unbound the fast path before the slot / arena went
        self._closed = True
        self._p = ffi.NULL
        self._hot_on_dealloc(None)  # the slot is already free

    def __repr__(self) -> str:
        return super().__repr__().replace("<Book ", f"<PooledBook {self._tier.name.lower()} ", 1)


#: Book methods that do not reach the book's C memory (or only through other methods,
#: which count themselves): left unwrapped
_UNCOUNTED = frozenset(
    {"__init__", "_init_fields", "_bind_fast_path", "close", "__enter__", "__exit__", "__repr__"}
    | {"__reduce__", "_status", "_raise_batch", "_empty_px", "_check_k", "_pinned"}
)


def _counted(fn: Any) -> Any:
    @functools.wraps(fn)
    def call(self: PooledBook, *args: Any, **kwargs: Any) -> Any:
        self._enter()
        try:
            return fn(self, *args, **kwargs)
        finally:
            self._leave()

    return call


def _guard_methods() -> None:
    """Wrap every plain Book method that may reach C memory in the in-flight count;
    the table is Book itself, so a method added to Book later is counted too."""
    for name, attr in vars(Book).items():
        counted = isinstance(attr, types.FunctionType) and name not in _UNCOUNTED
        if counted and name not in vars(PooledBook):
            setattr(PooledBook, name, _counted(attr))


_guard_methods()

#: how long close() waits for the calls in flight on a book (in other threads) to return
CLOSE_WAIT_S = 5.0

#: keywords of MultiBookPool() that were renamed: old -> new
_RENAMED_COUNTS = {"n_high": "high_books", "n_medium": "medium_books", "n_low": "low_books"}
_COUNT_DEFAULTS = {"high_books": 64, "medium_books": 128, "low_books": 256}  # as in the signature


class MultiBookPool:
    """Books for many instruments, in three tiers of different tape sizes,
    all spilling into one shared :class:`SpillPool`-like arena.

    Args:
        high_books, medium_books, low_books: number of book slots per tier (formerly
            ``n_high``, ``n_medium``, ``n_low``: those keywords still work, with a
            DeprecationWarning; ``n`` is a tape size everywhere else).
        price_bits: 32 or 64.
        max_cap: default spill capacity per side (a power of two <= 32768).
        pool_levels: size of the shared arena in levels.
        tiers: tape sizes ``(high, medium, low)``: (1024, 256, 64) or (4096, 1024, 256).
        policy: arena exhaustion policy, "refuse" or "fallback".

    ``alloc(tier, anchor)`` returns a :class:`PooledBook`. The C memory stays
    valid while any of its books is alive. Single-threaded, like Book; its own
    bookkeeping (``alloc``, ``free``, ``books``, ``stats``, ``close``) is
    locked, so those calls from several threads stay consistent.
    """

    __slots__ = (
        "__weakref__",
        "_closed",
        "_default_cap",
        "_idle",
        "_lock",
        "_mp",
        "_pending",
        "_pool_v",
        "_tiers",
        "_v",
        "_views",
    )

    def __init__(
        self,
        high_books: int = 64,
        medium_books: int = 128,
        low_books: int = 256,
        price_bits: int = 32,
        max_cap: int = 4096,
        pool_levels: int = 131072,
        tiers: tuple[int, int, int] = (1024, 256, 64),
        policy: str = "refuse",
        **deprecated: int,
    ) -> None:
        bits = _args.check_price_bits(price_bits)
        given = {"high_books": high_books, "medium_books": medium_books, "low_books": low_books}
        for new, value in _args.renamed_keywords("MultiBookPool", deprecated, _RENAMED_COUNTS).items():
            if given[new] != _COUNT_DEFAULTS[new]:  # both names given: which one was meant?
                raise _args.ArgumentTypeError(f"MultiBookPool() got both {new}= and its old name")
            given[new] = value
        counts = [
            _args.check_range(name, v, 0, nat.MULTI_MAX_BOOKS, "book count") for name, v in given.items()
        ]
        cap = _args.check_max_cap(max_cap, pooled=True)
        levels = check_levels(pool_levels)
        pol = check_policy(policy)
        try:
            t = tuple(tiers)
        except TypeError:
            raise _args.ArgumentTypeError(
                f"tiers must be a (high, medium, low) tuple of tape sizes, got {tiers!r}"
            ) from None
        if t not in nat.MULTI_TIERS:
            raise _args.InvalidArgumentError(
                f"tiers={t} is not a shipped tier triple; choose one of {list(nat.MULTI_TIERS)}"
            )
        v = nat.MULTIS[(bits, t)]  # type: ignore[index]
        out = ffi.new(f"{v.c_name} **")
        st = v.create(out, counts[0], counts[1], counts[2], levels, cap, pol)
        if st:
            _args.raise_status(st, "MultiBookPool()")
        self._mp = ffi.gc(out[0], v.destroy)
        self._v = v
        self._pool_v = nat.POOLS[bits]
        self._tiers = t
        self._default_cap = cap
        # Every slot handed out and not yet freed, by handle -> a weak reference to
        # its view. The handle stays here until the slot is freed in C, whatever the
        # collector does to the weak reference (a view resurrected by a __del__ in
        # a garbage cycle loses its weak reference but still uses its slot).
        self._views: dict[int, weakref.ref[PooledBook]] = {}
        # handles of views freed while the pool was busy (a sibling inside a C call):
        # their slots are freed at the next pool call that finds it idle
        self._pending: list[int] = []
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)  # a closing book's last call left
        self._closed = False
        assert pol in POLICIES.values()

    @property
    def price_bits(self) -> int:
        return self._v.family.bits

    @property
    def tier_sizes(self) -> tuple[int, int, int]:
        """Tape size N of the (high, medium, low) tiers."""
        return self._tiers  # type: ignore[return-value]

    def _handle_checked(self) -> Any:
        if self._closed:
            raise _args.ClosedError("the MultiBookPool is closed")
        return self._mp

    def alloc(self, tier: Tier | str | int, anchor: int, max_cap: int | None = None) -> PooledBook:
        """A new book in ``tier`` with both tapes anchored at ``anchor``.

        Raises :class:`TierFullError` when the tier has no free slot.
        """
        t = _check_tier(tier)
        bv = nat.BOOKS[(self.price_bits, self._tiers[t])]
        a = _args.check_price_arg("anchor", anchor, bv, "anchor")
        cap = 0 if max_cap is None else _args.check_max_cap(max_cap, pooled=True)
        out = ffi.new("tb_handle *")
        with self._lock:  # close() cannot free the slot before its view is registered
            mp = self._handle_checked()
            self._drain()
            st = self._v.alloc(mp, int(t), a, cap, out)
            if st:
                if st == nat.ERR_FULL:
                    raise _args.TierFullError(f"alloc: the {t.name.lower()} tier has no free slot")
                _args.raise_status(st, "alloc")
            handle = int(out[0])
            getter = (self._v.book_high, self._v.book_medium, self._v.book_low)[t]
            view = PooledBook.__new__(PooledBook)
            view._p = getter(mp, handle)
            view._init_fields(bv, None, cap or self._default_cap)
            view._owner = self
            view._handle = handle
            view._tier = t
            view._inflight = 0
            view._closing = False
            # Dropping the view frees its slot, from the view's deallocation: in a
            # garbage cycle that runs after every __del__ of the cycle, which may
            # still use the view (a weakref.finalize would free the slot first).
            view._hot_on_dealloc(functools.partial(self._release_dropped, handle))
            self._views[handle] = weakref.ref(view)
            return view

    def _release_dropped(self, handle: int) -> None:
        # the view of `handle` was deallocated: free its slot, or defer it when a
        # sibling is inside a C call (a destructor must not give up and leak it)
        with self._lock:
            if self._closed or handle not in self._views:
                return
            st = self._v.free(self._mp, handle)
            if st in (nat.ERR_BUSY, nat.ERR_POOL_IN_USE):
                self._pending.append(handle)
                return
            del self._views[handle]

    def _drain(self) -> None:
        """Free the slots of dropped views whose free was deferred (lock held)."""
        if not self._pending:
            return
        left = []
        for handle in self._pending:
            st = self._v.free(self._mp, handle)
            if st == nat.ERR_BUSY:
                left.append(handle)
            else:
                self._views.pop(handle, None)
        self._pending = left

    def _wait_idle(self, views: list[PooledBook], what: str) -> bool:
        """Wait (lock held; released while waiting) until no call is in flight on
        ``views``, refusing new calls meanwhile. False when none was in flight (the
        lock was kept), True after a wait (the caller checks its state again);
        ConcurrentUseError after CLOSE_WAIT_S seconds (the books stay open)."""
        if not any(v._inflight for v in views):
            return False
        for v in views:
            v._closing = True
        try:
            idle = self._idle.wait_for(lambda: not any(v._inflight for v in views), CLOSE_WAIT_S)
        finally:
            for v in views:
                v._closing = False  # the caller closes them with the lock held, or they stay open
        if not idle:
            raise _args.ConcurrentUseError(
                f"{what}: a book is still inside a call from another thread after {CLOSE_WAIT_S} s"
            )
        return True

    def _free_view(self, view: PooledBook) -> None:
        with self._lock:
            while True:
                if view._closed:
                    return
                mp = self._handle_checked()
                if not self._wait_idle([view], "close"):  # calls in flight hold the slot's address
                    break
            view._hot_unbind()  # before the slot goes: nothing may reach it through the fast path
            st = self._v.free(mp, view._handle)
            if st:
                view._bind_fast_path()  # still open: back on the fast path
                _args.raise_status(st, "free")
            self._views.pop(view._handle, None)
            view._detach()
            self._drain()

    def free(self, book: PooledBook) -> None:
        """Free a book's slot (same as ``book.close()``)."""
        if not isinstance(book, PooledBook) or book._owner is not self:
            raise _args.InvalidArgumentError("free() takes a book allocated from this MultiBookPool")
        book.close()

    def tier_info(self, tier: Tier | str | int) -> tuple[int, int]:
        """``(capacity, live)`` of a tier."""
        t = _check_tier(tier)
        cap, live = ffi.new("uint32_t *"), ffi.new("uint32_t *")
        with self._lock:
            self._drain()
            st = self._v.tier_info(self._handle_checked(), int(t), cap, live)
        if st:
            _args.raise_status(st, "tier_info")
        return int(cap[0]), int(live[0])

    def books(self) -> list[PooledBook]:
        """Live books allocated from this pool and still referenced."""
        with self._lock:
            views = [r() for r in self._views.values()]
        return [b for b in views if b is not None and not b.closed]

    def pool_stats(self) -> PoolStats:
        """Counters of the shared spill arena."""
        with self._lock:
            self._drain()
            return pool_stats_from_c(self._v.pool(self._handle_checked()), self._pool_v)

    def stats(self) -> MultiBookPoolStats:
        """Per-tier book statistics and the shared pool's counters."""
        with self._lock:  # one consistent picture: no alloc, free or close in between
            tiers = []
            books = self.books()
            for t in Tier:
                cap, live = self.tier_info(t)
                tb = tuple(b.stats() for b in books if b.tier == t)
                tiers.append(TierStats(tier=t, n=self._tiers[t], capacity=cap, live=live, books=tb))
            return MultiBookPoolStats(tiers=(tiers[0], tiers[1], tiers[2]), pool=self.pool_stats())

    def close(self) -> None:
        """Free every book and the arena now; the books become closed.

        A book inside a call from another thread is waited for (up to
        ``CLOSE_WAIT_S`` seconds; new calls on the books raise ClosedError meanwhile).
        All or nothing: when a book is still inside a call after that
        (:class:`ConcurrentUseError`) or a book handed out is still alive but
        no longer reachable from the pool (:class:`PoolInUseError`: a view
        resurrected by a ``__del__``), nothing is freed and every book stays usable."""
        for attempt in range(50):
            with self._lock:
                if self._closed:
                    return
                self._drain()
                lost = [h for h, r in self._views.items() if r() is None and h not in self._pending]
                if not lost:
                    live = [v for v in (r() for r in self._views.values()) if v is not None and not v._closed]
                    if self._wait_idle(live, "MultiBookPool.close"):
                        continue  # the lock was released while waiting: check everything again
                    self._close_locked()
                    return
            # a dead weak reference with a live slot: a view being deallocated in another
            # thread (its slot free waits for the lock) or one kept alive by a finalizer
            time.sleep(0.001 * attempt)
        raise _args.PoolInUseError(
            f"MultiBookPool.close: book {lost[0]:#x} is still alive but unreachable from the pool "
            "(kept by a finalizer); its slot is freed when it is dropped, close again then"
        )

    def _close_locked(self) -> None:
        views = [v for v in (r() for r in self._views.values()) if v is not None and not v._closed]
        for view in views:
            view._hot_unbind()  # before the arena goes (an unbound view takes the Python path)
        st = self._v.deinit(self._mp)
        if st:
            for view in views:
                view._bind_fast_path()  # still open: back on the fast path
            _args.raise_status(st, "MultiBookPool.close")
        for view in views:
            view._detach()
        self._views.clear()
        self._pending.clear()
        self._closed = True

    def __enter__(self) -> MultiBookPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return "<MultiBookPool closed>"
        parts = []
        for t in Tier:
            cap, live = self.tier_info(t)
            parts.append(f"{t.name.lower()} n={self._tiers[t]}: {live}/{cap}")
        return f"<MultiBookPool price_bits={self.price_bits} " + ", ".join(parts) + ">"
