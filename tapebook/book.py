"""``Book``: a level-2 order book for one instrument, backed by the C core."""

from __future__ import annotations

import contextlib
import enum
import functools
import os
from dataclasses import dataclass
from struct import iter_unpack
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _args, _dump, _hotpath, _levels
from . import _native as nat
from ._buffers import coerce_batch
from ._hotpath import HotBook
from ._native import ffi
from ._sides import SideView
from .errors import BatchError, TapebookError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .pool import SpillPool


class Result(enum.IntEnum):
    """What :meth:`Book.set` did. The integers are the C library's."""

    INSERT = 1  #: a new level on the tape
    UPDATE = 0  #: an existing tape level changed
    ERASE = -1  #: qty 0 inside the tape window (also when the cell was empty)
    SPILL = -2  #: stored in / removed from the spill (outside the tape window)
    PROMOTE = 2  #: the tape recentered; never returned by set() (docs/semantics.md §2)


# indexed by the C result code + 2 (-2 SPILL ... 2 PROMOTE); the C fast path shares the table
_RESULT = (Result.SPILL, Result.ERASE, Result.UPDATE, Result.INSERT, Result.PROMOTE)
_hotpath.set_results(_RESULT)
# numpy's integer scalars, read in place by the fast path (each verified there)
_NP_INTS = (np.int8, np.int16, np.int32, np.int64, np.longlong, np.intc)
_NP_UINTS = (np.uint8, np.uint16, np.uint32, np.uint64, np.ulonglong, np.uintc)
_hotpath.register_int_types([(t, np.dtype(t).itemsize, t in _NP_INTS) for t in (*_NP_INTS, *_NP_UINTS)])
# Books use the fast path where it can reach the CFFI module's symbols; elsewhere
# (or with TAPEBOOK_NO_HOTPATH=1) every per-call method takes its Python path.
HOTPATH_UNAVAILABLE = ""  #: why the fast path is off ("" when it is on)
try:
    if os.environ.get("TAPEBOOK_NO_HOTPATH", "") not in ("", "0"):
        raise ImportError("disabled by TAPEBOOK_NO_HOTPATH")
    _hotpath.connect(nat.lib_path())
    _HOT = True
except ImportError as _e:  # pragma: no cover - POSIX builds always connect
    _HOT = False
    HOTPATH_UNAVAILABLE = str(_e)

_take = nat.take_query_status
_int = int


def _destroy(destroy: Any, pool: SpillPool | None, p: Any) -> None:
    """A collected book's destructor: a pool-backed book whose pool is busy (a
    sibling inside a C call) is handed to the pool, which frees it when next idle."""
    st = destroy(p)
    if pool is not None:
        if st == nat.ERR_BUSY:
            pool._defer_free(destroy, p)
        else:
            pool._drain()


@functools.cache
def _dtypes(bits: int) -> tuple[np.dtype, np.dtype, np.dtype, np.dtype]:
    """(price, qty, level, bbo) numpy dtypes of a price width: one set per width."""
    price = np.dtype(np.int32 if bits == 32 else np.int64)
    qty = np.dtype(np.uint32 if bits == 32 else np.uint64)
    level = np.dtype([("px", price), ("qty", qty)])
    bbo = np.dtype([("bid_px", price), ("bid_qty", qty), ("ask_px", price), ("ask_qty", qty)])
    return price, qty, level, bbo


def _side_name(side: int) -> str:
    return "bid" if side else "ask"


@dataclass(frozen=True)
class SideStats:
    """Occupancy and counters of one side of a book."""

    tape_levels: int
    spill_levels: int
    spill_capacity: int
    spill_evicted: int  #: stored levels evicted by a better one (spill full)
    spill_dropped: int  #: incoming levels not stored: worst of a full spill
    spill_nomem: int  #: incoming levels not stored: no memory / pool exhausted
    promotes: int  #: recenters caused by set()
    anchor: int


@dataclass(frozen=True)
class BookStats:
    """What :meth:`Book.stats` returns."""

    n: int
    price_bits: int
    max_cap: int
    pooled: bool
    nbytes: int  #: the C struct plus spill blocks
    bid: SideStats
    ask: SideStats

    @property
    def levels_lost(self) -> int:
        """Levels the spill could not keep (evicted + dropped + no memory), both sides."""
        return sum(s.spill_evicted + s.spill_dropped + s.spill_nomem for s in (self.bid, self.ask))


class Book(HotBook):
    """A level-2 order book: price-level quantities for bids and asks.

    Prices are integer ticks, quantities integer lots. Each side keeps a tape
    of ``n`` consecutive prices (``n`` one of :data:`tapebook.TAPE_SIZES`); levels
    outside the tape live in a sorted spill of at most ``max_cap`` levels per
    side, from the heap or from a shared :class:`SpillPool`. ``docs/semantics.md``
    is the exact definition of every operation (§2 for :meth:`set`).

    Args:
        n: tape size, one of :data:`tapebook.TAPE_SIZES` (powers of two).
        price_bits: 32 (int32 prices, uint32 quantities) or 64 (int64/uint64).
        max_cap: spill capacity per side, a power of two (at most 32768 with a pool).
        pool: a :class:`SpillPool` of the same ``price_bits`` to take spill memory from.
        anchor: initial price of both tapes' first cell (default: centred on 0).

    A Book is single-threaded: a call made while another thread is inside a
    call on the same book (or its pool) raises :class:`ConcurrentUseError`
    and changes nothing. Close it with :meth:`close` (or a ``with`` block);
    otherwise its memory is freed when it is garbage-collected. A book keeps
    its pool alive.
    """

    __slots__ = (
        "__weakref__",
        "_bapx",
        "_baq",
        "_bbo_dtype",
        "_bbpx",
        "_bbq",
        "_closed",
        "_larr",
        "_level_dtype",
        "_levels_n",
        "_lfmt",
        "_lsize",
        "_max_cap",
        "_p",
        "_pool",
        "_price_dtype",
        "_qty_dtype",
        "_set",
        "_tmax",
        "_tmin",
        "_top",
        "_v",
    )

    def __init__(
        self,
        n: int = 1024,
        price_bits: int = 32,
        max_cap: int = 4096,
        pool: SpillPool | None = None,
        anchor: int | None = None,
    ) -> None:
        n = _args.check_n(n)
        bits = _args.check_price_bits(price_bits)
        v = nat.BOOKS[(bits, n)]
        cpool = ffi.NULL
        if pool is not None:
            from .pool import SpillPool

            if not isinstance(pool, SpillPool):
                raise _args.ArgumentTypeError(f"pool must be a SpillPool or None, got {type(pool).__name__}")
            if pool.price_bits != bits:
                raise _args.InvalidArgumentError(
                    f"pool has price_bits={pool.price_bits} but the book has price_bits={bits}"
                )
            cpool = pool._handle()
        cap = _args.check_max_cap(max_cap, pooled=pool is not None)
        if anchor is None:
            anchor = -(n // 2)
        a = _args.check_price_arg("anchor", anchor, v, "anchor")
        out = ffi.new(f"{v.c_name} **")
        st = v.create(out, a, cap, cpool)
        if st:
            _args.raise_status(st, "Book()")
        destroy = v.destroy
        # The destructor closes over the pool object: cffi runs destructors in
        # any order, and the book must give its blocks back to a live pool. While
        # a sibling is inside a call on that pool the free is deferred to it.
        self._p = ffi.gc(out[0], lambda p, _pool=pool: _destroy(destroy, _pool, p), size=v.nbytes)
        self._init_fields(v, pool, cap)

    def _init_fields(self, v: nat.BookVariant, pool: SpillPool | None, max_cap: int) -> None:
        self._bind_fast_path(v)
        # the Python paths read their C function and constants from slots
        self._v = v
        self._set = v.set_code
        self._bbpx, self._bapx = v.best_bid_px, v.best_ask_px
        self._bbq, self._baq = v.best_bid_qty, v.best_ask_qty
        self._levels_n, self._top = v.levels_n, v.top
        self._tmin, self._tmax = v.family.type_min, v.family.type_max
        self._larr = f"{v.family.level_c}[]"
        self._lfmt = "<iI" if v.family.bits == 32 else "<qQ"
        self._lsize = 8 if v.family.bits == 32 else 16
        self._pool = pool
        self._max_cap = max_cap
        self._closed = False
        # shared per width: building two structured dtypes per book cost ~30 us and
        # ~2 KB each, which dominated a million-instrument load_config
        self._price_dtype, self._qty_dtype, self._level_dtype, self._bbo_dtype = _dtypes(v.family.bits)

    def _bind_fast_path(self, v: nat.BookVariant | None = None) -> None:
        # the per-call methods of the C base class reach the book through this
        # binding (undone by close()); it holds a buffer on the memory
        if _HOT:
            v = v or self._v
            self._hot_bind(v.family.bits, v.n, ffi.buffer(self._p, v.nbytes))

    # ---- properties --------------------------------------------------------

    @property
    def n(self) -> int:
        """Tape size."""
        return self._v.n

    @property
    def price_bits(self) -> int:
        """32 or 64."""
        return self._v.family.bits

    @property
    def max_cap(self) -> int:
        """Spill capacity per side."""
        return self._max_cap

    @property
    def pool(self) -> SpillPool | None:
        """The SpillPool the spill memory comes from, or None (heap)."""
        return self._pool

    @property
    def price_range(self) -> tuple[int, int]:
        """Smallest and largest valid price (inclusive)."""
        return self._v.pmin, self._v.pmax

    @property
    def anchor_range(self) -> tuple[int, int]:
        """Smallest and largest valid anchor (inclusive)."""
        return self._v.amin, self._v.amax

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def nbytes(self) -> int:
        """Bytes of C memory: the book struct plus its spill blocks."""
        return self.stats().nbytes

    # ---- per-call methods ------------------------------------------------------
    # set, best_bid_px, best_ask_px, best_bid_qty, best_ask_qty, bbo, qty_at,
    # levels and top are methods of the C base class HotBook (_hotpath.c): it
    # serves exact-int arguments on an open book without a CFFI call, and hands
    # every other call to the method of the same name + "_py" below. Those are
    # the specification: conversion, validation and the exact exception.

    def _set_py(self, side: bool | int | str, px: int, qty: int) -> Result:
        """Set the quantity at ``px`` on ``side`` (True/1/"bid" or False/0/"ask"); qty 0 deletes.

        Returns the :class:`Result` (INSERT, UPDATE, ERASE or SPILL) as defined
        in docs/semantics.md §2. Raises ``ValueError``/``OverflowError``/``TypeError``
        subclasses for a bad argument; the book is then unchanged.
        """
        # cffi would truncate anything with __int__ (Decimal, Fraction, numpy
        # floats): only exact ints (and bools for the side) take the fast path
        exact = px.__class__ is _int is qty.__class__
        if exact and (side is True or side is False or side.__class__ is _int):
            try:
                r = self._set(self._p, side, px, qty)
            except (TypeError, OverflowError):
                raise _args.set_error(self._v, None, side, px, qty) from None
            if r < -2:
                raise _args.set_error(self._v, r, side, px, qty)
            return _RESULT[r + 2]
        return self.set(_args.check_side(side), _args.as_int("px", px), _args.as_int("qty", qty))

    def apply(self, sides: Any, prices: Any, qtys: Any) -> np.ndarray:
        """Apply a batch of updates in one C call; returns the int8 result codes.

        ``sides``, ``prices`` and ``qtys`` are equal-length 1-D buffers (numpy
        arrays, ``array.array``, bytes or memoryviews): sides bool/0/1,
        prices and quantities integers that fit the book's types (other
        integer dtypes are converted when every value fits). On a bad row a
        :class:`BatchError` names it; the rows before it were applied and
        their results are in the exception's ``results``.
        """
        s, p, q = coerce_batch(sides, prices, qtys, self._price_dtype, self._qty_dtype)
        n = len(s)
        out = np.empty(n, dtype=np.int8)
        done = ffi.new("size_t *")
        st = self._v.apply(
            self._p,
            ffi.from_buffer("uint8_t[]", s),
            ffi.from_buffer(f"{self._v.family.price_c}[]", p),
            ffi.from_buffer(f"{self._v.family.qty_c}[]", q),
            n,
            ffi.from_buffer("int8_t[]", out, require_writable=True),
            done,
        )
        if st:
            self._raise_batch("apply", st, int(done[0]), s, p, q, results=out[: int(done[0])].copy())
        return out

    def bbo_trace(self, sides: Any, prices: Any, qtys: Any) -> np.ndarray:
        """Apply a batch and record the BBO after every update.

        Returns a structured array with fields ``bid_px``, ``bid_qty``,
        ``ask_px``, ``ask_qty`` (an empty side reads bid_px = type min /
        ask_px = type max, qty 0). Inputs and errors as in :meth:`apply`; the
        exception's ``trace`` holds the rows applied before the bad one.
        """
        s, p, q = coerce_batch(sides, prices, qtys, self._price_dtype, self._qty_dtype)
        n = len(s)
        out = np.empty(n, dtype=self._bbo_dtype)
        done = ffi.new("size_t *")
        st = self._v.bbo_trace(
            self._p,
            ffi.from_buffer("uint8_t[]", s),
            ffi.from_buffer(f"{self._v.family.price_c}[]", p),
            ffi.from_buffer(f"{self._v.family.qty_c}[]", q),
            n,
            ffi.cast(f"{self._v.family.bbo_c} *", ffi.from_buffer(out, require_writable=True)),
            done,
        )
        if st:
            self._raise_batch("bbo_trace", st, int(done[0]), s, p, q, trace=out[: int(done[0])].copy())
        return out

    def _raise_batch(
        self,
        call: str,
        st: int,
        i: int,
        s: np.ndarray,
        p: np.ndarray,
        q: np.ndarray,
        results: Any = None,
        trace: Any = None,
    ) -> None:
        if st not in (nat.ERR_SIDE, nat.ERR_PRICE) or i >= len(s):
            _args.raise_status(st, call)  # the whole call was refused (busy, closed, ...)
        err = _args.set_error(self._v, st, int(s[i]), int(p[i]), int(q[i]))
        msg = f"row {i}: {err}; rows 0..{i - 1} were applied" if i else f"row 0: {err}; nothing was applied"
        raise BatchError(msg, index=i, results=results, trace=trace)

    # ---- queries -----------------------------------------------------------

    def _empty_px(self, what: str) -> None:
        st = _take()
        if st:
            _args.raise_status(st, what)

    def _best_bid_px_py(self) -> int | None:
        """Best bid price (tape and spill), or None when there are no bids."""
        r = self._bbpx(self._p)
        if r == self._tmin:
            return self._empty_px("best_bid_px")
        return r

    def _best_ask_px_py(self) -> int | None:
        """Best ask price (tape and spill), or None when there are no asks."""
        r = self._bapx(self._p)
        if r == self._tmax:
            return self._empty_px("best_ask_px")
        return r

    def _best_bid_qty_py(self) -> int:
        """Quantity at the best bid, 0 when there are no bids."""
        r = self._bbq(self._p)
        if not r:
            self._empty_px("best_bid_qty")
        return r

    def _best_ask_qty_py(self) -> int:
        """Quantity at the best ask, 0 when there are no asks."""
        r = self._baq(self._p)
        if not r:
            self._empty_px("best_ask_qty")
        return r

    def _bbo_py(self) -> tuple[int | None, int, int | None, int]:
        """``(bid_px, bid_qty, ask_px, ask_qty)``; an empty side's price is None."""
        o = ffi.new(f"{self._v.family.bbo_c} *")
        st = self._v.bbo(self._p, o)
        if st:
            _args.raise_status(st, "bbo")
        return (
            None if o.bid_qty == 0 else int(o.bid_px),
            int(o.bid_qty),
            None if o.ask_qty == 0 else int(o.ask_px),
            int(o.ask_qty),
        )

    def crossed(self) -> bool:
        """Both sides non-empty and best bid >= best ask (tape and spill)."""
        r = self._v.crossed(self._p)
        if not r:
            self._empty_px("crossed")
        return bool(r)

    def crossed_on_tape(self) -> bool:
        """Like :meth:`crossed`, considering the tapes only."""
        r = self._v.crossed_on_tape(self._p)
        if not r:
            self._empty_px("crossed_on_tape")
        return bool(r)

    def _qty_at_py(self, side: bool | int | str, px: int) -> int:
        """Quantity at ``px`` on ``side`` (0 when there is no level)."""
        s = _args.check_side(side)
        p = _args.as_int("px", px)
        fam = self._v.family
        if not fam.type_min <= p <= fam.type_max:
            raise _args.price_error("px", p, self._v)
        r = self._v.qty_at(self._p, s, p)
        if not r:
            self._empty_px("qty_at")
        return r

    def anchor(self, side: bool | int | str) -> int:
        """Price of the first cell of ``side``'s tape window."""
        s = _args.check_side(side)
        r = self._v.anchor(self._p, s)
        if r == self._v.family.type_min:
            self._empty_px("anchor")
        return r

    def _levels_py(self, side: bool | int | str, k: int = 10) -> list[tuple[int, int]]:
        """The ``k`` best levels of ``side`` as ``[(px, qty), ...]``, best first,
        tape and spill merged in price order."""
        if side.__class__ is not _int and side is not True and side is not False:
            side = _args.check_side(side)  # "bid" / "ask", numpy integers, ...
        if k.__class__ is not int or k < 0 or k > 1 << 20:
            k = self._check_k(k, side)
        buf = ffi.new(self._larr, k)
        try:
            r = self._levels_n(self._p, side, buf, k)
        except (TypeError, OverflowError):
            _args.check_side(side)
            raise
        if r < 0:
            if r == nat.ERR_SIDE:
                _args.check_side(side)
            _args.raise_status(r, "levels")
        # the level structs are packed (px, qty) pairs: unpack them in one go
        return list(iter_unpack(self._lfmt, ffi.buffer(buf, r * self._lsize)))

    def _top_py(self, k: int = 10) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The ``k`` best levels of both sides in one call: ``(bids, asks)``,
        each ``[(px, qty), ...]`` best first."""
        if k.__class__ is not int or k < 0 or k > 1 << 20:
            k = self._check_k(k, True)
        buf = ffi.new(self._larr, 2 * k)
        r = self._top(self._p, buf, k)
        if r < 0:
            _args.raise_status(r, "top")
        nb, na = r & 0xFFFFFFFF, r >> 32
        raw = ffi.buffer(buf)
        size, fmt = self._lsize, self._lfmt
        return (
            list(iter_unpack(fmt, raw[: nb * size])),
            list(iter_unpack(fmt, raw[k * size : (k + na) * size])),
        )

    def _check_k(self, k: Any, side: Any) -> int:
        k = _args.as_int("k", k)
        if k < 0:
            raise _args.InvalidArgumentError(f"k={k} must be >= 0")
        # no more than the side holds, so a huge k does not allocate a huge buffer
        return min(k, max(self.depth(_args.check_side(side)), self.depth(1 - _args.check_side(side))))

    def levels_array(self, side: bool | int | str, k: int = 10) -> np.ndarray:
        """Like :meth:`levels`, as a structured numpy array with fields px, qty."""
        s = _args.check_side(side)
        k = _args.as_int("k", k)
        if k < 0:
            raise _args.InvalidArgumentError(f"k={k} must be >= 0")
        if k > 1024:  # no more rows than the side holds (as levels()): a huge k must not allocate
            k = min(k, self.depth(s))
        buf = np.empty(k, dtype=self._level_dtype)
        r = self._v.levels_n(
            self._p,
            s,
            ffi.cast(f"{self._v.family.level_c} *", ffi.from_buffer(buf, require_writable=True)),
            k,
        )
        if r < 0:
            _args.raise_status(r, "levels")
        return buf[:r]

    def depth(self, side: bool | int | str) -> int:
        """Number of levels on ``side`` (tape and spill)."""
        s = _args.check_side(side)
        out = ffi.new("size_t *")
        st = self._v.depth(self._p, s, out)
        if st:
            _args.raise_status(st, "depth")
        return int(out[0])

    def __len__(self) -> int:
        """Number of levels on both sides."""
        return self.depth(1) + self.depth(0)

    @property
    def bids(self) -> SideView:
        """The bids as a ``MutableMapping`` of price -> qty, best first
        (``book.bids[px]``, ``book.bids[px] = qty``, ``dict(book.bids)``; see :class:`SideView`)."""
        return SideView(self, 1)

    @property
    def asks(self) -> SideView:
        """The asks as a ``MutableMapping`` of price -> qty, best first."""
        return SideView(self, 0)

    def to_dict(self) -> dict[str, dict[int, int]]:
        """``{"bid": {px: qty, ...}, "ask": {...}}``, each best first."""
        try:
            return {"bid": dict(self.levels(1, self.depth(1))), "ask": dict(self.levels(0, self.depth(0)))}
        except TapebookError as e:
            raise _args.renamed(e, "to_dict") from None

    def __eq__(self, other: object) -> bool:
        """Two books are equal when they hold the same levels (prices and quantities)
        on both sides; tape size, anchors, spill capacity and counters do not count
        (compare :meth:`dumps` for the whole state)."""
        if not isinstance(other, Book):
            return NotImplemented
        return self is other or self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable and compared by content

    def verify_invariants(self) -> bool:
        """Check the C structures' invariants (bitsets, cached best, spill order,
        no spill level inside its tape window). True when all hold."""
        st = self._v.verify_invariants(self._p)
        if st in (nat.OK, nat.ERR_INVARIANT):
            return st == nat.OK
        _args.raise_status(st, "verify_invariants")

    def stats(self) -> BookStats:
        """Occupancy, spill counters and memory of the book."""
        o = ffi.new("tb_book_stats *")
        st = self._v.stats(self._p, o)
        if st:
            _args.raise_status(st, "stats")
        sides = [
            SideStats(
                tape_levels=int(o.tape_levels[i]),
                spill_levels=int(o.spill_levels[i]),
                spill_capacity=int(o.spill_cap[i]),
                spill_evicted=int(o.spill_evicted[i]),
                spill_dropped=int(o.spill_dropped[i]),
                spill_nomem=int(o.spill_nomem[i]),
                promotes=int(o.promotes[i]),
                anchor=int(o.anchor[i]),
            )
            for i in (0, 1)
        ]
        return BookStats(
            n=self.n,
            price_bits=self.price_bits,
            max_cap=self._max_cap,
            pooled=bool(o.pooled),
            nbytes=int(o.bytes),
            bid=sides[1],
            ask=sides[0],
        )

    # ---- maintenance -------------------------------------------------------

    def _status(self, st: int, what: str) -> None:
        if st:
            _args.raise_status(st, what)

    @contextlib.contextmanager
    def _pinned(self) -> Iterator[Any]:
        """The book's C pointer for C calls made outside its methods (the feed
        engine's replay loop), valid inside the ``with``. A PooledBook counts the
        block as a call in flight (multi.py), so its pool's close() waits for it."""
        yield self._p

    def reset(self, anchor: int) -> None:
        """Empty both sides and anchor both tapes at ``anchor``; spill memory is kept."""
        a = _args.check_price_arg("anchor", anchor, self._v, "anchor")
        self._status(self._v.reset(self._p, a), "reset")

    def reset_at_mid(self, side: bool | int | str, mid: int) -> None:
        """Empty ``side`` (tape and spill) and anchor its tape at ``mid - n/2``
        (clamped); the other side is untouched."""
        s = _args.check_side(side)
        m = _args.check_price_arg("mid", mid, self._v, "price")
        self._status(self._v.reset_at_mid(self._p, s, m), "reset_at_mid")

    # ---- snapshot loads ----------------------------------------------------

    def load_side(self, side: bool | int | str, prices: Any, qtys: Any) -> None:
        """Replace ``side`` with a snapshot of its levels, in one C call.

        ``prices`` and ``qtys`` are equal-length 1-D integer buffers (numpy
        arrays, ``array.array``, lists, ...), one level per price, every
        quantity > 0, in any order (they are sorted best first here unless
        they already are: bids descending, asks ascending). The result is
        exactly that of ``reset_at_mid(side, best price)`` followed by
        ``set(side, px, qty)`` for every level, best first: the tape centred
        on the best level, the deeper levels in the spill as far as
        ``max_cap`` (and the pool) allow, the spill's counters counting the
        levels it could not keep (see :meth:`stats`). Empty lists empty the
        side and keep its anchor. The other side is untouched.

        A bad level raises and changes nothing: ``InvalidArgumentError``
        naming it (a price outside the valid range, a zero quantity, a price
        given twice), ``IntegerRangeError`` for a value outside the C type,
        ``ArgumentTypeError`` for non-integers.
        """
        s = _args.check_side(side)
        lv = _levels.prepare(s, prices, qtys, self._price_dtype, self._qty_dtype, ("prices", "qtys"))
        bad = ffi.new("size_t *")
        fam = self._v.family
        st = self._v.load_side(
            self._p,
            s,
            ffi.from_buffer(f"{fam.price_c}[]", lv.prices),
            ffi.from_buffer(f"{fam.qty_c}[]", lv.qtys),
            len(lv),
            bad,
        )
        if st:
            raise _levels.error(st, lv, int(bad[0]), self._v, "load_side")

    def load_snapshot(self, bid_prices: Any, bid_qtys: Any, ask_prices: Any, ask_qtys: Any) -> None:
        """Replace the whole book with a snapshot, in one C call.

        :meth:`load_side` of the bids and then of the asks, with both sides'
        levels checked before either changes (inputs, order and errors as
        there; the error names ``bid_prices[i]``, ``ask_qtys[i]``, ...). A
        crossed snapshot is stored as given.
        """
        bids = _levels.prepare(
            1, bid_prices, bid_qtys, self._price_dtype, self._qty_dtype, ("bid_prices", "bid_qtys")
        )
        asks = _levels.prepare(
            0, ask_prices, ask_qtys, self._price_dtype, self._qty_dtype, ("ask_prices", "ask_qtys")
        )
        bad = ffi.new("size_t *")
        pc, qc = f"{self._v.family.price_c}[]", f"{self._v.family.qty_c}[]"
        st = self._v.load_snapshot(
            self._p,
            ffi.from_buffer(pc, bids.prices),
            ffi.from_buffer(qc, bids.qtys),
            len(bids),
            ffi.from_buffer(pc, asks.prices),
            ffi.from_buffer(qc, asks.qtys),
            len(asks),
            bad,
        )
        if st:
            i = int(bad[0])
            if i < len(bids):
                raise _levels.error(st, bids, i, self._v, "load_snapshot")
            raise _levels.error(st, asks, i - len(bids), self._v, "load_snapshot")

    def recenter_bid(self, anchor: int) -> None:
        """Move the bid tape's window to start at ``anchor`` (levels move between
        tape and spill; none inside the new window is lost)."""
        a = _args.check_price_arg("anchor", anchor, self._v, "anchor")
        self._status(self._v.recenter_bid(self._p, a), "recenter_bid")

    def recenter_ask(self, anchor: int) -> None:
        """Move the ask tape's window to start at ``anchor``."""
        a = _args.check_price_arg("anchor", anchor, self._v, "anchor")
        self._status(self._v.recenter_ask(self._p, a), "recenter_ask")

    def erase_better(self, side: bool | int | str, px: int) -> None:
        """Remove every bid with price >= px (side bid) or every ask <= px (side ask).

        ``px`` is a threshold, not a level: any value of the price type is valid
        (``erase_better(False, type max)`` empties the asks; docs/semantics.md)."""
        s = _args.check_side(side)
        fam = self._v.family
        p = _args.check_type_range("px", px, fam.type_min, fam.type_max, fam.price_c)
        self._status(self._v.erase_better(self._p, s, p), "erase_better")

    def clear(self) -> None:
        """Empty the book (both tapes and spills); anchors and spill memory are kept."""
        self._status(self._v.clear(self._p), "clear")

    def release(self) -> None:
        """Empty the book and give its spill memory back (to the heap or the pool)."""
        self._status(self._v.release(self._p), "release")

    def reserve_spill(self) -> None:
        """Grow both spill sides to ``max_cap`` now, so that later updates never
        allocate. Raises TapebookMemoryError when memory or the pool is short."""
        self._status(self._v.reserve_spill(self._p), "reserve_spill")

    # ---- lifetime ----------------------------------------------------------

    def close(self) -> None:
        """Free the spill memory and detach from the pool; later calls raise
        :class:`ClosedError`. Closing twice is harmless."""
        if self._closed:
            return
        st = self._v.deinit(self._p)
        if st:
            _args.raise_status(st, "close")
        self._hot_unbind()
        self._closed = True

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        head = f"n={self.n}, price_bits={self.price_bits}, max_cap={self._max_cap}"
        if self._pool is not None:
            head += ", pooled"
        if self._closed:
            return f"<Book {head}, closed>"
        try:
            bp, bq, ap, aq = self.bbo()
            nb, na = self.depth(1), self.depth(0)
        except TapebookError as e:
            return f"<Book {head}, {e}>"
        bid = f"{bq}@{bp}" if bp is not None else "-"
        ask = f"{aq}@{ap}" if ap is not None else "-"
        return f"<Book {head}: bid {bid} ask {ask}, {nb} bid / {na} ask levels>"

    # ---- depth snapshots and state dumps (tapebook.snapshot, tapebook._dump) ----

    # Book.snapshot(k=16, instrument_id=0, sequence=0, timestamp_ns=0): the best k (16 or
    # 128) levels per side as a DepthSnapshot, whose bids/asks numpy arrays view one
    # fixed-size little-endian struct without a copy. The function is the method, so a
    # call pays no import.
    from .snapshot import take as snapshot

    def dumps(self) -> bytes:
        """The whole state (anchors, tape and spill levels, spill capacities, max_cap,
        counters) as versioned, CRC32-checked bytes; :meth:`loads` restores it bit-exactly."""
        return _dump.dump(self._v, self._p)

    @classmethod
    def loads(cls, data: Any, pool: SpillPool | None = None) -> Book:
        """A new Book with the state of :meth:`dumps` bytes (its n, price_bits and
        max_cap), spill memory from ``pool`` when given. Raises FormatError when
        the bytes are malformed. Reserves memory for the dump's levels only: the
        spill capacity the dump declares is kept (``stats()``, ``dumps()``) and
        grows on demand (docs/semantics.md, "Loading reserves on demand")."""
        info = _dump.dump_info(data)
        _dump.check_restorable(info, pooled=pool is not None)
        book = Book(n=info.n, price_bits=info.price_bits, max_cap=info.max_cap, pool=pool)
        book.load_into(data)
        return book

    def load_into(self, data: Any) -> None:
        """Replace this book's state with :meth:`dumps` bytes of a book with the same
        ``n`` and ``price_bits`` (:class:`FormatError` names both otherwise); the book
        takes the dump's ``max_cap``. Nothing changes on error."""
        self._max_cap = _dump.load(self._v, self._p, data)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickles the state, not the pool: the unpickled book is heap-backed
        return (Book.loads, (self.dumps(),))


#: the methods HotBook implements in C; each has its Python path ``_<name>_py``
FAST_METHODS = (
    "set",
    "best_bid_px",
    "best_ask_px",
    "best_bid_qty",
    "best_ask_qty",
    "bbo",
    "qty_at",
    "levels",
    "top",
)
# errors raised by Python itself in a Python path (a missing argument) name the method called
for _name in FAST_METHODS:
    getattr(Book, f"_{_name}_py").__qualname__ = f"Book.{_name}"
