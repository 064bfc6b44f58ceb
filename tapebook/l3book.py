"""``L3Book``: an order-level (market-by-order) book on top of the C L2 book.

Every resting order has an id, a side, a price and a quantity; orders at one
price form a first-in-first-out queue. The level-2 view (best prices, depth,
snapshots) is the C ``Book`` underneath, whose level quantities are the sums
of the queues. CONTRACT.md section 5 names the surface; docs/semantics.md has
the L3 rules (priority, validation, limits).
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import numpy as np

from . import _args, _buffers, _hotpath
from . import _l3native as l3n
from . import _native as nat
from ._hotpath import HotL3
from ._native import ffi
from .book import _HOT, Book
from .errors import (
    ArgumentTypeError,
    CapacityError,
    DuplicateOrderError,
    FormatError,
    InvalidArgumentError,
    TapebookError,
    UnknownOrderError,
)

if TYPE_CHECKING:
    from .pool import SpillPool
    from .snapshot import DepthSnapshot

ID_MAX = 2**64 - 1

#: MBO action letters of :meth:`L3Book.apply_mbo` (bytes of the action column)
ADD, CANCEL, MODIFY, EXECUTE, CLEAR = b"A", b"C", b"M", b"E", b"R"


class Order(NamedTuple):
    """A resting order: ``side`` True for a bid, False for an ask."""

    id: int
    side: bool
    px: int
    qty: int


@dataclass(frozen=True)
class L3Stats:
    """Occupancy and counters of an :class:`L3Book`.

    ``adds`` ... ``clears`` count successful operations and are part of the book's
    state: :meth:`L3Book.dumps` carries them, so a loaded, unpickled or replayed book
    reports the same. ``arena_full``, ``levels_full``, ``rejected`` and ``reseeds``
    count what happened to this object (refused calls, index rebuilds): dumps leave
    them out and a load does not change them."""

    orders: int
    max_orders: int
    bid_levels: int
    ask_levels: int
    max_levels: int  #: per side (the book's max_cap)
    nbytes: int  #: struct, order arena, level records and both indexes (not the spill)
    index_slots: int
    arena_full: int  #: adds refused because max_orders orders rested
    levels_full: int  #: adds refused because the side had max_cap levels
    reseeds: int  #: order-id index rebuilt under a new hash key
    adds: int
    cancels: int
    modifies: int
    executes: int
    replaces: int
    clears: int
    rejected: int  #: operations refused with an error
    #: orders the arena holds now without allocating (<= max_orders); a constructed book
    #: reserves max_orders up front, a loaded one what the dump held, growing on demand
    reserved_orders: int


_U8 = np.dtype(np.uint8)
_U64 = np.dtype(np.uint64)
# the cdata types of the batch calls' column pointers, parsed once (not per call)
_U8_ARRAY = ffi.typeof("uint8_t[]")
_U64_ARRAY = ffi.typeof("uint64_t[]")
_I8_ARRAY = ffi.typeof("int8_t[]")


@functools.cache
def _family_arrays(price_c: str, qty_c: str) -> tuple[Any, Any]:
    """The cdata array types of a price family's price and quantity columns."""
    return ffi.typeof(f"{price_c}[]"), ffi.typeof(f"{qty_c}[]")


def _c_columns(cols: tuple[Any, ...], dtypes: tuple[np.dtype, ...]) -> bool:
    """True when every column is a plain 1-D numpy array of exactly its C type, C-contiguous
    and aligned, all of one length: what the checks in ``_buffers.coerce`` would return
    unchanged, so a batch call skips them (microseconds per call: most of a small batch)."""
    first = cols[0]
    n = len(first) if type(first) is np.ndarray and first.ndim == 1 else -1
    for c, dt in zip(cols, dtypes, strict=True):
        if type(c) is not np.ndarray or c.ndim != 1 or len(c) != n:
            return False
        cdt = c.dtype
        if cdt is not dt and cdt != dt:  # numpy hands out its builtin dtypes: identity is the usual answer
            return False
        flags = c.flags
        if not (flags.c_contiguous and flags.aligned):
            return False
    return True


#: the classes of side values add() passes to C as they are (a name is looked up after)
_SIDE_CLASSES = (bool, int, str)
_as_int = _args.as_int
_not_ints = _args.not_ints


def _has_bool(*values: Any) -> bool:
    return any(v.__class__ is bool for v in values)


def _l2_view(v: nat.BookVariant, ptr: Any, max_cap: int) -> Book:
    """A Book object over the L3 book's own L2 book (not owned: the L3Book frees it)."""
    view = Book.__new__(Book)
    view._p = ptr
    view._init_fields(v, None, max_cap)
    return view


class L3Book(HotL3):
    """An order-level book: orders with ids, FIFO queues per price, queue positions.

    Args:
        n: tape size of the L2 book underneath (one of :data:`tapebook.TAPE_SIZES`).
        price_bits: 32 (int32 prices, uint32 quantities) or 64 (int64 / uint64).
        max_orders: capacity of the order arena (1 ... 2**30), allocated up front.
        max_cap: price levels per side at most (a power of two; the L2 spill's
            capacity, so no level is ever evicted while orders rest there).
        pool: a :class:`SpillPool` for the L2 book's spill memory.
        anchor: initial anchor of both tapes (default: centred on 0).
        reserve: orders to hold with no allocation and no growth of the order-id
            index (1 ... max_orders). None (default): the arena for max_orders is
            allocated up front and the index in use follows the resting orders (small
            while few rest; each new high that doubles it costs one add O(resting
            orders), milliseconds at 1e5). A number: the arena and the whole index for that
            many orders now, growing on demand past it (up to max_orders): no add
            below the reserve pays a growth (for a latency-minded caller).

    An L3 book never matches: it stores what a feed says, crossed or not. Every
    refused operation raises and leaves the book unchanged:
    :class:`DuplicateOrderError`, :class:`UnknownOrderError`,
    :class:`CapacityError`, ``InvalidArgumentError`` (bad side, price outside
    the valid range, zero quantity, a level total that would overflow the
    quantity type). Single-threaded like :class:`Book` (concurrent use raises
    :class:`ConcurrentUseError`); :meth:`close` frees the memory early.
    """

    __slots__ = (
        "__weakref__",
        "_add",
        "_bbo_dtype",
        "_cancel",
        "_closed",
        "_execute",
        "_lp",
        "_max_cap",
        "_max_orders",
        "_mbo_ctypes",
        "_mbo_dtypes",
        "_n_err",
        "_pool",
        "_price_dtype",
        "_qty_dtype",
        "_v",
        "_view",
    )

    def __init__(
        self,
        n: int = 1024,
        price_bits: int = 64,
        max_orders: int = 1_000_000,
        max_cap: int = 4096,
        pool: SpillPool | None = None,
        anchor: int | None = None,
        reserve: int | None = None,
    ) -> None:
        self._create(n, price_bits, max_orders, max_cap, pool, anchor, reserve, check_reserve=True)

    def _create(
        self,
        n: int,
        price_bits: int,
        max_orders: int,
        max_cap: int,
        pool: SpillPool | None,
        anchor: int | None,
        reserve: int | None,
        *,
        check_reserve: bool = False,
    ) -> None:
        """__init__'s work; ``reserve``: allocate the arena (and the whole id index) for
        that many orders only, growing on demand up to max_orders (None: the arena up
        front). ``check_reserve``: the caller's value, checked in 1..max_orders after the
        other arguments (a loader's count is clamped into that range instead)."""
        n = _args.check_n(n)
        bits = _args.check_price_bits(price_bits)
        v = l3n.L3_BOOKS[(bits, n)]
        mo = _args.check_range("max_orders", max_orders, 1, l3n.MAX_ORDERS, "max_orders")
        if reserve is not None and check_reserve:
            reserve = _args.check_range("reserve", reserve, 1, mo, "reserve")
        cpool = ffi.NULL
        if pool is not None:
            from .pool import SpillPool

            if not isinstance(pool, SpillPool):
                raise ArgumentTypeError(f"pool must be a SpillPool or None, got {type(pool).__name__}")
            if pool.price_bits != bits:
                raise InvalidArgumentError(
                    f"pool has price_bits={pool.price_bits} but the book has price_bits={bits}"
                )
            cpool = pool._handle()
        cap = _args.check_max_cap(max_cap, pooled=pool is not None)
        a = _args.check_price_arg("anchor", -(n // 2) if anchor is None else anchor, v.book, "anchor")
        out = ffi.new(f"{v.c_name} **")
        if reserve is None:
            st = v.create(out, a, mo, cap, cpool)
        else:
            st = v.create_reserved(out, a, mo, max(1, min(reserve, mo)), cap, cpool)
        if st:
            _args.raise_status(st, "L3Book()")
        destroy = v.destroy
        # the destructor closes over the pool: cffi frees objects in any order
        self._attach(v, ffi.gc(out[0], lambda p, _pool=pool: destroy(p)), pool, mo, cap)

    def _attach(self, v: l3n.L3Variant, ptr: Any, pool: SpillPool | None, max_orders: int, cap: int) -> None:
        """Set the fields over the C L3 book ``ptr`` (created here, or borrowed by a view)."""
        self._lp = ptr
        self._v = v
        self._add, self._cancel, self._execute = v.add, v.cancel, v.execute
        self._pool = pool
        self._max_orders = max_orders
        self._max_cap = cap
        self._closed = False
        self._view = _l2_view(v.book, v.l2_book(ptr), cap)
        if _HOT:  # the per-call methods of the C base class reach the book through this binding
            fam = v.family
            self._hot_bind(fam.bits, v.n, ffi.buffer(ptr, _hotpath.l3_struct_size(fam.bits, v.n)))
        fam = v.family
        self._price_dtype = np.dtype(np.int32 if fam.bits == 32 else np.int64)
        self._qty_dtype = np.dtype(np.uint32 if fam.bits == 32 else np.uint64)
        # the C types of apply_mbo's columns: arrays already of these pass unchecked
        self._mbo_dtypes = (_U8, _U64, _U8, self._price_dtype, self._qty_dtype)
        self._mbo_ctypes = (_U8_ARRAY, _U64_ARRAY, _U8_ARRAY, *_family_arrays(fam.price_c, fam.qty_c))
        self._n_err = ffi.new("size_t *")  # written by the batch calls, never read: one per book
        self._bbo_dtype = self._view._bbo_dtype

    # ---- properties ------------------------------------------------------------

    @property
    def n(self) -> int:
        """Tape size of the L2 book."""
        return self._v.n

    @property
    def price_bits(self) -> int:
        """32 or 64."""
        return self._v.family.bits

    @property
    def max_orders(self) -> int:
        """Capacity of the order arena."""
        return self._max_orders

    @property
    def max_cap(self) -> int:
        """Price levels per side at most."""
        return self._max_cap

    @property
    def price_range(self) -> tuple[int, int]:
        """Valid prices (inclusive)."""
        return self._v.book.pmin, self._v.book.pmax

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    # ---- errors ----------------------------------------------------------------

    def _fail(self, st: int, what: str, **args: Any) -> TapebookError:
        """The exception for a refused call: the first bad argument, else the status."""
        fam = self._v.family
        oid = "old_id" if "old_id" in args else "order_id"  # replace names it old_id
        try:
            for key in (oid, "new_id"):
                if key in args:
                    _args.check_type_range(key, args[key], 0, ID_MAX, "uint64_t")
            if "side" in args:
                _args.check_side(args["side"])
            if "px" in args:
                _args.check_price_arg("px", args["px"], self._v.book, "price")
            if "qty" in args:
                _args.check_type_range("qty", args["qty"], 0, fam.qty_max, fam.qty_c)
        except TapebookError as e:
            return e
        ids = ", ".join(f"{k}={v!r}" for k, v in args.items())
        if st == l3n.ERR_DUPLICATE:
            which = "new_id" if "new_id" in args else oid
            return DuplicateOrderError(f"{what}({ids}): {which}={args[which]} rests in the book already")
        if st == l3n.ERR_UNKNOWN:
            return UnknownOrderError(f"{what}({ids}): no resting order has {oid}={args.get(oid)}")
        if st == l3n.ERR_OVERFLOW:
            return InvalidArgumentError(
                f"{what}({ids}): the level's total quantity would exceed {fam.qty_c}'s maximum {fam.qty_max}"
            )
        if st == nat.ERR_FULL:
            return CapacityError(
                f"{what}({ids}): the book is full (max_orders={self._max_orders} orders, or "
                f"max_cap={self._max_cap} price levels on the side)"
            )
        if st == nat.ERR_BADARG and "qty" in args:
            return InvalidArgumentError(
                f"{what}({ids}): qty={args['qty']} must be in [1, the order's resting quantity]"
                if what in ("execute", "reduce")
                else f"{what}({ids}): qty must be at least 1 (cancel removes an order)"
            )
        try:
            _args.raise_status(st, what)
        except TapebookError as e:
            return e
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(self, fn: Any, what: str, *cargs: Any, **named: Any) -> None:
        for value in named.values():
            if value.__class__ is bool:  # cffi would take it as 0 / 1 (see add)
                raise self._fail(nat.ERR_BADARG, what, **named)
        try:
            st = fn(self._lp, *cargs)
        except (TypeError, OverflowError):
            raise self._fail(nat.ERR_BADARG, what, **named) from None
        if st:
            raise self._fail(st, what, **named)

    def _hot_failed(self, what: str, st: int, *args: Any) -> NoReturn:
        """The C base class's fast path got status ``st`` from the C call ``what`` with
        ``args`` (ints the Python path passes to the same call unchanged): raise what the
        Python path raises, without repeating the call (a refused call is counted)."""
        raise self._fail(st, what, **dict(zip(_ARG_NAMES[what], args, strict=True)))

    # ---- operations --------------------------------------------------------------
    # add ... replace, order, queue_position and the BBO reads are methods of the C
    # base class HotL3 (_hotl3.inc): it serves the common case (int arguments that fit,
    # a bound book) and hands every other call to the method of the same name + "_py"
    # below, which is the specification.
    # The Python path is one C call; arguments are examined only after C refused
    # them (or cffi could not convert them), to say which one was wrong. The one
    # check before it: cffi converts a bool to 0 / 1, which the update log and Book
    # refuse (an id, price or quantity is not a bool), so a bool goes to _fail, whose
    # _args checks say which argument it was (ArgumentTypeError).

    def _add_py(self, order_id: int, side: bool | int, px: int, qty: int) -> None:
        """Add an order at the back of the queue at (side, px); ``side`` as for
        :class:`Book`: True/1/'bid'/'buy' or False/0/'ask'/'sell'."""
        if order_id.__class__ is bool or px.__class__ is bool or qty.__class__ is bool:
            raise self._fail(nat.ERR_BADARG, "add", order_id=order_id, side=side, px=px, qty=qty)
        if _not_ints(order_id, px, qty) or side.__class__ not in _SIDE_CLASSES:
            return self.add(
                _as_int("order_id", order_id), _args.check_side(side), _as_int("px", px), _as_int("qty", qty)
            )
        try:
            st = self._add(self._lp, order_id, side, px, qty)
        except (TypeError, OverflowError):
            st = self._add_named_side(order_id, side, px, qty)
        if st:
            raise self._fail(st, "add", order_id=order_id, side=side, px=px, qty=qty)

    def _add_named_side(self, order_id: int, side: Any, px: int, qty: int) -> int:
        """add() off the fast path: a side given by name ('bid', 'Sell', ...) is
        converted and the call retried; anything else is the bad-argument status
        (whose message :meth:`_fail` finds)."""
        code = _args.SIDE_NAMES.get(side.lower()) if isinstance(side, str) else None
        if code is None:
            return nat.ERR_BADARG
        try:
            return int(self._add(self._lp, order_id, code, px, qty))
        except (TypeError, OverflowError):
            return nat.ERR_BADARG

    def _cancel_py(self, order_id: int) -> None:
        """Remove an order."""
        if order_id.__class__ is bool:
            raise self._fail(nat.ERR_BADARG, "cancel", order_id=order_id)
        if _not_ints(order_id):
            return self.cancel(_as_int("order_id", order_id))
        try:
            st = self._cancel(self._lp, order_id)
        except (TypeError, OverflowError):
            st = nat.ERR_BADARG
        if st:
            raise self._fail(st, "cancel", order_id=order_id)

    def _reduce_py(self, order_id: int, qty: int) -> None:
        """Cancel ``qty`` (1 .. resting) of an order, keeping its priority; removed at 0."""
        if _not_ints(order_id, qty) and not _has_bool(order_id, qty):
            return self.reduce(_as_int("order_id", order_id), _as_int("qty", qty))
        self._call(self._v.reduce, "reduce", order_id, qty, order_id=order_id, qty=qty)

    def _execute_py(self, order_id: int, qty: int) -> None:
        """Fill ``qty`` (1 .. resting) from an order; it keeps its priority and is removed at 0."""
        if order_id.__class__ is bool or qty.__class__ is bool:
            raise self._fail(nat.ERR_BADARG, "execute", order_id=order_id, qty=qty)
        if _not_ints(order_id, qty):
            return self.execute(_as_int("order_id", order_id), _as_int("qty", qty))
        try:
            st = self._execute(self._lp, order_id, qty)
        except (TypeError, OverflowError):
            st = nat.ERR_BADARG
        if st:
            raise self._fail(st, "execute", order_id=order_id, qty=qty)

    def _modify_py(self, order_id: int, qty: int) -> None:
        """New quantity (>= 1): down keeps the order's priority, up sends it to the back."""
        if _not_ints(order_id, qty) and not _has_bool(order_id, qty):
            return self.modify(_as_int("order_id", order_id), _as_int("qty", qty))
        self._call(self._v.modify, "modify", order_id, qty, order_id=order_id, qty=qty)

    def _amend_py(self, order_id: int, px: int, qty: int) -> None:
        """New price and quantity (same id and side): the same price is :meth:`modify`,
        another price puts the order at the back of that level (Databento ``M``)."""
        if _not_ints(order_id, px, qty) and not _has_bool(order_id, px, qty):
            return self.amend(_as_int("order_id", order_id), _as_int("px", px), _as_int("qty", qty))
        self._call(self._v.amend, "amend", order_id, px, qty, order_id=order_id, px=px, qty=qty)

    def _replace_py(self, old_id: int, new_id: int, px: int, qty: int) -> None:
        """Cancel ``old_id`` and add ``new_id`` on its side at (px, qty) with a new
        priority (ITCH ``U``); ``new_id`` may equal ``old_id``."""
        if _not_ints(old_id, new_id, px, qty) and not _has_bool(old_id, new_id, px, qty):
            return self.replace(
                _as_int("old_id", old_id), _as_int("new_id", new_id), _as_int("px", px), _as_int("qty", qty)
            )
        self._call(
            self._v.replace,
            "replace",
            old_id,
            new_id,
            px,
            qty,
            old_id=old_id,
            new_id=new_id,
            px=px,
            qty=qty,
        )

    def clear(self) -> None:
        """Remove every order (anchors and memory kept)."""
        self._call(self._v.clear, "clear")

    def reset(self, anchor: int) -> None:
        """Remove every order and anchor both tapes at ``anchor``."""
        if _not_ints(anchor) and anchor.__class__ is not bool:
            return self.reset(_as_int("anchor", anchor))
        try:
            st = nat.ERR_ANCHOR if anchor.__class__ is bool else self._v.reset(self._lp, anchor)
        except (TypeError, OverflowError):
            st = nat.ERR_ANCHOR
        if st:
            _args.check_price_arg("anchor", anchor, self._v.book, "anchor")
            _args.raise_status(st, "reset")

    # ---- order queries ---------------------------------------------------------------

    def _order_py(self, order_id: int) -> Order | None:
        """The resting order ``order_id``, or None."""
        if order_id.__class__ is bool:
            raise self._fail(nat.ERR_BADARG, "order", order_id=order_id)
        if _not_ints(order_id):
            return self.order(_as_int("order_id", order_id))
        out = ffi.new(f"{self._v.order_c} *")
        try:
            st = self._v.order(self._lp, order_id, out)
        except (TypeError, OverflowError):
            raise self._fail(nat.ERR_BADARG, "order", order_id=order_id) from None
        if st == l3n.ERR_UNKNOWN:
            return None
        if st:
            _args.raise_status(st, "order")
        return Order(int(order_id), bool(out.side), int(out.px), int(out.qty))

    def __contains__(self, order_id: object) -> bool:
        try:
            return self.order(order_id) is not None  # type: ignore[arg-type]
        except (ArgumentTypeError, OverflowError):
            return False

    def _queue_position_py(self, order_id: int) -> tuple[int, int]:
        """(orders ahead, quantity ahead) of ``order_id`` in its level's queue."""
        if _not_ints(order_id) and order_id.__class__ is not bool:
            return self.queue_position(_as_int("order_id", order_id))
        k = ffi.new("uint64_t *")
        q = ffi.new(f"{self._v.family.qty_c} *")
        self._call(self._v.queue_position, "queue_position", order_id, k, q, order_id=order_id)
        return int(k[0]), int(q[0])

    def level_orders(self, side: bool | int, px: int) -> list[tuple[int, int]]:
        """The orders at (side, px) as [(order_id, qty), ...], front of the queue first."""
        s = _args.check_side(side)
        p = _args.check_price_arg("px", px, self._v.book, "price")
        n_out, n_level = ffi.new("size_t *"), ffi.new("size_t *")
        st = self._v.level_orders(self._lp, s, p, ffi.NULL, ffi.NULL, 0, n_out, n_level)
        if st:
            _args.raise_status(st, "level_orders")
        k = int(n_level[0])
        if k == 0:
            return []
        ids = np.empty(k, dtype=np.uint64)
        qs = np.empty(k, dtype=self._qty_dtype)
        st = self._v.level_orders(
            self._lp,
            s,
            p,
            ffi.from_buffer("uint64_t[]", ids, require_writable=True),
            ffi.from_buffer(f"{self._v.family.qty_c}[]", qs, require_writable=True),
            k,
            n_out,
            n_level,
        )
        if st:
            _args.raise_status(st, "level_orders")
        return list(zip(ids.tolist(), qs.tolist(), strict=True))

    def __len__(self) -> int:
        n = int(self._v.count(self._lp))
        if n == 0:
            st = nat.take_query_status()
            if st:
                _args.raise_status(st, "len")
        return n

    # ---- the L2 view ---------------------------------------------------------------------

    def _best_bid_px_py(self) -> int | None:
        """Best bid price, or None."""
        return self._view.best_bid_px()

    def _best_ask_px_py(self) -> int | None:
        """Best ask price, or None."""
        return self._view.best_ask_px()

    def _best_bid_qty_py(self) -> int:
        """Quantity at the best bid (0 when there are no bids)."""
        return self._view.best_bid_qty()

    def _best_ask_qty_py(self) -> int:
        """Quantity at the best ask (0 when there are no asks)."""
        return self._view.best_ask_qty()

    def _bbo_py(self) -> tuple[int | None, int, int | None, int]:
        """(bid_px, bid_qty, ask_px, ask_qty); an empty side's price is None."""
        return self._view.bbo()

    def crossed(self) -> bool:
        """Both sides non-empty and best bid >= best ask (a feed may say so)."""
        return self._view.crossed()

    def levels(self, side: bool | int, k: int = 10) -> list[tuple[int, int]]:
        """The best ``k`` levels of a side as [(px, qty), ...], best first."""
        return self._view.levels(side, k)

    def top(self, k: int = 10) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The best ``k`` levels of both sides: (bids, asks)."""
        return self._view.top(k)

    def qty_at(self, side: bool | int, px: int) -> int:
        """Total quantity resting at (side, px)."""
        return self._view.qty_at(side, px)

    def depth(self, side: bool | int) -> int:
        """Number of price levels on a side."""
        return self._view.depth(side)

    def snapshot(
        self, k: int = 16, instrument_id: int = 0, sequence: int = 0, timestamp_ns: int = 0
    ) -> DepthSnapshot:
        """A fixed-size depth snapshot of the L2 view (see :meth:`Book.snapshot`)."""
        return self._view.snapshot(k, instrument_id, sequence, timestamp_ns)

    def recenter_bid(self, anchor: int) -> None:
        """Move the bid tape's window (no level is ever lost)."""
        self._view.recenter_bid(anchor)

    def recenter_ask(self, anchor: int) -> None:
        """Move the ask tape's window (no level is ever lost)."""
        self._view.recenter_ask(anchor)

    def anchor(self, side: bool | int) -> int:
        """Anchor of a side's tape."""
        return self._view.anchor(side)

    def verify_invariants(self) -> bool:
        """Check the queues, indexes and L2 view against each other (True, or raises)."""
        st = self._v.verify_invariants(self._lp)
        if st:
            _args.raise_status(st, "verify_invariants")
        return True

    def stats(self) -> L3Stats:
        """Occupancy and counters."""
        o = ffi.new("tb_l3_stats *")
        st = self._v.stats(self._lp, o)
        if st:
            _args.raise_status(st, "stats")
        return L3Stats(
            orders=int(o.orders),
            max_orders=int(o.max_orders),
            bid_levels=int(o.levels[1]),
            ask_levels=int(o.levels[0]),
            max_levels=int(o.max_levels),
            nbytes=int(o.bytes),
            index_slots=int(o.index_slots),
            arena_full=int(o.arena_full),
            levels_full=int(o.levels_full),
            reseeds=int(o.reseeds),
            adds=int(o.adds),
            cancels=int(o.cancels),
            modifies=int(o.modifies),
            executes=int(o.executes),
            replaces=int(o.replaces),
            clears=int(o.clears),
            rejected=int(o.rejected),
            reserved_orders=int(o.reserved_orders),
        )

    # ---- batches ---------------------------------------------------------------------------

    def _mbo_columns(
        self, actions: Any, order_ids: Any, sides: Any, prices: Any, qtys: Any
    ) -> tuple[np.ndarray, ...]:
        cols = (actions, order_ids, sides, prices, qtys)
        if _c_columns(cols, self._mbo_dtypes):
            return cols  # type: ignore[return-value]
        if isinstance(actions, (bytes, bytearray)):
            a = np.frombuffer(actions, dtype=np.uint8)
        else:
            arr = np.asarray(actions)
            a = arr.view(np.uint8) if arr.dtype.kind == "S" and arr.dtype.itemsize == 1 else arr
            a = _buffers.coerce("actions", a, np.dtype(np.uint8))
        ids = _buffers.coerce("order_ids", order_ids, np.dtype(np.uint64))
        s = _buffers.coerce(
            "sides",
            np.asarray(sides).view(np.uint8) if np.asarray(sides).dtype == np.bool_ else sides,
            np.dtype(np.uint8),
        )
        p = _buffers.coerce("prices", prices, self._price_dtype)
        q = _buffers.coerce("qtys", qtys, self._qty_dtype)
        n = len(a)
        if not n == len(ids) == len(s) == len(p) == len(q):
            raise InvalidArgumentError(
                "actions, order_ids, sides, prices and qtys must have equal lengths, got "
                f"{len(a)}, {len(ids)}, {len(s)}, {len(p)} and {len(q)}"
            )
        return np.ascontiguousarray(a), ids, s, p, q

    def apply_mbo(self, actions: Any, order_ids: Any, sides: Any, prices: Any, qtys: Any) -> np.ndarray:
        """Apply market-by-order rows in one C call; returns each row's status (int8: 0
        applied, else the negative C status of a refused row, which changed nothing).

        ``actions``: bytes or a uint8 / 'S1' array of ``A`` add, ``C`` cancel (qty =
        amount removed, 0 = the whole order), ``M`` modify (px, qty = the new values;
        another price loses priority), ``E`` execute (qty filled), ``R`` clear. ``sides``
        are read for adds, ``prices`` for adds and modifies. Columns are equal-length
        1-D buffers; integer dtypes are converted when every value fits. Columns already of
        the book's C types (uint8, uint64, uint8, its price and quantity dtypes) and
        C-contiguous are read in place; any other column (a strided view such as
        ``rows[:, 3]``, another integer dtype) is copied first, which costs a few ns a row.
        """
        a, ids, s, p, q = self._mbo_columns(actions, order_ids, sides, prices, qtys)
        out = np.empty(len(a), dtype=np.int8)
        ta, tid, ts, tp, tq = self._mbo_ctypes
        fb = ffi.from_buffer
        st = self._v.apply_mbo(
            self._lp,
            fb(ta, a),
            fb(tid, ids),
            fb(ts, s),
            fb(tp, p),
            fb(tq, q),
            len(a),
            fb(_I8_ARRAY, out, True),  # require_writable
            self._n_err,
        )
        if st:
            _args.raise_status(st, "apply_mbo")
        return out

    def apply_mbo_bbo(
        self, actions: Any, order_ids: Any, sides: Any, prices: Any, qtys: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`apply_mbo`, also returning the BBO after every row (a structured array
        like :meth:`Book.bbo_trace`: bid_px, bid_qty, ask_px, ask_qty; an empty side
        reads bid_px = type min / ask_px = type max, qty 0)."""
        a, ids, s, p, q = self._mbo_columns(actions, order_ids, sides, prices, qtys)
        out = np.empty(len(a), dtype=np.int8)
        trace = np.empty(len(a), dtype=self._bbo_dtype)
        ta, tid, ts, tp, tq = self._mbo_ctypes
        fb = ffi.from_buffer
        st = self._v.apply_mbo_bbo(
            self._lp,
            fb(ta, a),
            fb(tid, ids),
            fb(ts, s),
            fb(tp, p),
            fb(tq, q),
            len(a),
            fb(_I8_ARRAY, out, True),  # require_writable
            ffi.cast(f"{self._v.family.bbo_c} *", fb(trace, require_writable=True)),
            self._n_err,
        )
        if st:
            _args.raise_status(st, "apply_mbo_bbo")
        return out, trace

    # ---- lifetime and persistence ---------------------------------------------------------------

    def close(self) -> None:
        """Free the L2 book's spill memory and refuse further calls (:class:`ClosedError`);
        the arena is freed with the object. Closing twice is harmless."""
        if self._closed:
            return
        self._view.close()  # deinit of the L2 book: every L3 call now answers "closed"
        self._hot_unbind()
        self._closed = True

    def __enter__(self) -> L3Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        head = f"n={self.n}, price_bits={self.price_bits}, max_orders={self._max_orders}"
        head += f", max_cap={self._max_cap}"
        if self._closed:
            return f"<L3Book {head}, closed>"
        try:
            bp, bq, ap, aq = self.bbo()
            count = len(self)
        except TapebookError as e:
            return f"<L3Book {head}, {e}>"
        bid = f"{bq}@{bp}" if bp is not None else "-"
        ask = f"{aq}@{ap}" if ap is not None else "-"
        return f"<L3Book {head}: {count} orders, bid {bid} ask {ask}>"

    def dumps(self) -> bytes:
        """Every order (queues in FIFO order) and both anchors, CRC32-checked;
        :meth:`loads` / :meth:`load_into` restore them."""
        size = ffi.new("size_t *")
        st = self._v.dump_size(self._lp, size)
        if st:
            _args.raise_status(st, "dumps")
        buf = bytearray(int(size[0]))
        n_out = ffi.new("size_t *")
        st = self._v.dump(self._lp, ffi.from_buffer(buf), len(buf), n_out)
        if st:
            _args.raise_status(st, "dumps")
        return bytes(buf[: int(n_out[0])])

    def load_into(self, data: Any) -> None:
        """Replace every order with those of :meth:`dumps` bytes (same price_bits).
        Raises FormatError (malformed), CapacityError (more than max_orders orders or
        max_cap levels a side); nothing changes on error."""
        mem = _buffers.byte_view(data, "data")
        st = self._v.load(self._lp, ffi.from_buffer(mem), len(mem))
        if st == nat.ERR_FULL:
            raise CapacityError(
                f"load: the dump has more orders than max_orders={self._max_orders} "
                f"or more levels on a side than max_cap={self._max_cap}"
            )
        if st == nat.ERR_FORMAT:
            raise FormatError(
                f"load: not an L3 dump of a {self.price_bits}-bit book, or corrupted (size, CRC, order of "
                "levels, quantities, duplicate ids)"
            )
        if st:
            _args.raise_status(st, "load")

    @classmethod
    def loads(
        cls,
        data: Any,
        n: int = 1024,
        price_bits: int = 64,
        max_orders: int | None = None,
        max_cap: int = 4096,
    ) -> L3Book:
        """A new L3Book holding the orders of :meth:`dumps` bytes (``max_orders`` defaults
        to the number of orders in the dump, at least 1). The arena is reserved for the
        dump's orders only and grows on demand up to ``max_orders``: a declared capacity
        costs no memory until orders fill it."""
        mem = _buffers.byte_view(data, "data")
        count = _dump_order_count(mem)
        if max_orders is None:
            max_orders = max(1, min(count, l3n.MAX_ORDERS))
        mo = _args.check_range(
            "max_orders", max_orders, 1, l3n.MAX_ORDERS, "max_orders"
        )  # 0 is not "default"
        book = cls.__new__(cls)
        book._create(n, price_bits, mo, max_cap, None, None, count)
        book.load_into(mem)
        return book

    @staticmethod
    def _dump_as(data: bytes, version: int) -> bytes:
        """An L3 dump in format ``version`` (replay's verify compares a log's
        checkpoints, which an older tapebook may have written)."""
        return dump_version_1(data) if version == 1 and dump_version(data) == 2 else data

    def __reduce__(self) -> tuple[Any, ...]:
        # pickles the orders and the shape, not the pool: the unpickled book is heap-backed
        return (_unpickle, (self.dumps(), self.n, self.price_bits, self._max_orders, self._max_cap))


#: the methods HotL3 implements in C; each has its Python path ``_<name>_py``
FAST_METHODS = (
    "add",
    "cancel",
    "reduce",
    "execute",
    "modify",
    "amend",
    "replace",
    "order",
    "queue_position",
    "best_bid_px",
    "best_ask_px",
    "best_bid_qty",
    "best_ask_qty",
    "bbo",
)
#: the argument names of the fast methods that change the book (for :meth:`L3Book._fail`)
_ARG_NAMES = {
    "add": ("order_id", "side", "px", "qty"),
    "cancel": ("order_id",),
    "reduce": ("order_id", "qty"),
    "execute": ("order_id", "qty"),
    "modify": ("order_id", "qty"),
    "amend": ("order_id", "px", "qty"),
    "replace": ("old_id", "new_id", "px", "qty"),
}
# errors raised by Python itself in a Python path (a missing argument) name the method called
for _name in FAST_METHODS:
    getattr(L3Book, f"_{_name}_py").__qualname__ = f"L3Book.{_name}"
_hotpath.set_l3_types(Order)


def _dump_order_count(mem: memoryview) -> int:
    """The number of orders an L3 dump declares, once it matches the dump's length.

    :meth:`L3Book.loads` sizes the new book's arena by it, so it is checked
    before anything is allocated: a 60-byte dump declaring 2^30 orders must not
    reserve an arena for them (issue #12.13)."""
    n = len(mem)
    if n < l3n.DUMP_HEADER + 4:
        raise FormatError(f"L3 dump too short ({n} bytes)")
    version = int.from_bytes(mem[8:12], "little")
    if version not in l3n.DUMP_TAIL:
        raise FormatError(f"L3 dump version {version} is not one of {sorted(l3n.DUMP_TAIL)}")
    orders = int.from_bytes(mem[24:32], "little")
    levels = int.from_bytes(mem[32:40], "little")
    tail = l3n.DUMP_TAIL[version]
    want = l3n.DUMP_HEADER + levels * l3n.DUMP_LEVEL + orders * l3n.DUMP_ORDER + tail + 4
    if levels > orders or want != n:
        raise FormatError(
            f"malformed L3 dump: {orders} orders in {levels} levels need {want} bytes, the dump has {n}"
        )
    return orders


def dump_version(data: Any) -> int:
    """The format version of an L3 or matching-engine dump (u32 after the 8-byte magic)."""
    return int.from_bytes(bytes(data[8:12]), "little")


def dump_version_1(data: bytes) -> bytes:
    """The version-1 bytes of a version-2 L3 dump: the same book without the
    counters block (what the tapebook before the counters wrote for it)."""
    body = data[:8] + (1).to_bytes(4, "little") + data[12 : -4 - l3n.DUMP_TAIL[2]]
    return body + zlib.crc32(body).to_bytes(4, "little")


def _unpickle(data: bytes, n: int, price_bits: int, max_orders: int, max_cap: int) -> L3Book:
    return L3Book.loads(data, n=n, price_bits=price_bits, max_orders=max_orders, max_cap=max_cap)
