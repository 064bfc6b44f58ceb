"""``MatchingEngine``: price-time priority matching on the L3 book, in the C core.

An incoming order matches the opposite side best price first and first-in-first-out
within a price, at the maker's price, with partial fills; the remainder rests (GTC) or
is cancelled (IOC, market). FOK fills completely or not at all; post-only is rejected
when it would take; self-trade prevention applies between orders of the same non-zero
owner. Every change is an event (fill, rest, cancel, reject, modify) with a sequence
number; the same calls in the same order give byte-identical events and state. The
README section "Matching engine" has the full rules.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import _args, _buffers, _hotpath
from . import _l3native as l3n
from . import _matchnative as mn
from . import _native as nat
from ._buffers import byte_view
from ._hotpath import HotEngine
from ._native import ffi
from .book import _HOT
from .errors import (
    ArgumentTypeError,
    BatchError,
    CapacityError,
    DuplicateOrderError,
    FormatError,
    IntegerRangeError,
    InvalidArgumentError,
    TapebookError,
    UnknownOrderError,
)
from .l3book import dump_version, dump_version_1
from .l3view import L3BookView

TIFS = {"gtc": 0, "ioc": 1, "fok": 2}
STP_MODES = {"none": 0, "cancel-newest": 1, "cancel-oldest": 2, "cancel-both": 3}
_STP_NAMES = {code: name for name, code in STP_MODES.items()}
#: the start of a dump: magic, version, price width, N, stp, max_orders, max_cap
_DUMP_HEAD = struct.Struct("<8sIIIIII")
_ENGINE_HEADER = 104  # TB__ME_HEADER: the L3 dump follows it
STATUSES = ("rested", "filled", "partial", "cancelled", "rejected")
EVENT_KINDS = {1: "fill", 2: "rest", 3: "cancel", 4: "reject", 5: "modify"}
REASONS = ("none", "ioc", "market", "fok", "stp", "post-only", "user")
MARKET, POST_ONLY, PROTECT = 1, 2, 4  # tb_order_flag

EVENT_DTYPE = mn.EVENT_DTYPE
ORDER_DTYPE = mn.ORDER_DTYPE
#: one operation of :meth:`MatchingEngine.apply_ops` as C reads it (``tb_match_op``)
OP_DTYPE = mn.OP_DTYPE
#: the action letters of :meth:`MatchingEngine.apply_ops`
OP_ACTIONS = {b"S": mn.OP_SUBMIT, b"C": mn.OP_CANCEL, b"M": mn.OP_MODIFY}
#: one row per fill of :meth:`MatchingEngine.submit_many`
FILL_DTYPE = np.dtype(
    [("seq", "<u8"), ("taker_id", "<u8"), ("maker_id", "<u8"), ("px", "<i8"), ("qty", "<u8")]
)

_FILL = 1
#: the sides :meth:`MatchingEngine.submit` maps without _args.check_side (ints and
#: lower-case names only: a float or a bool-like that hashes as 1 takes the checked path)
_FAST_SIDES: dict[Any, int] = {0: 0, 1: 1, **_args.SIDE_NAMES}
#: events per block of submit's results (~74 KB); a new block when fewer rows are free
#: (an order with more possible events than the free rows makes the C engine count them)
_BLOCK, _BLOCK_MIN_FREE = 1024, 256
#: tb_match_order (id, px, qty, owner, side, tif, flags, reserved) as submit's fast path
#: writes it: one pack_into costs half of seven cffi field stores
_pack_order = struct.Struct("<QqQIBBBB").pack_into
assert struct.calcsize("<QqQIBBBB") == ffi.sizeof("tb_match_order")
assert [ffi.offsetof("tb_match_order", f) for f in ("owner", "side", "tif", "flags")] == [24, 28, 29, 30]
#: SubmitResult's and Fill's own __new__ build the same tuple through one more Python call
_new_tuple = tuple.__new__
_OK, _ERR_EVENTS = nat.OK, mn.ERR_EVENTS
_EVENT_SIZE = EVENT_DTYPE.itemsize
# a fill row is the first FILL_DTYPE.itemsize bytes of its event (same fields, same
# offsets), so submit_many copies those bytes instead of converting field by field
assert all(EVENT_DTYPE.fields[k][1] == FILL_DTYPE.fields[k][1] for k in FILL_DTYPE.names)
assert EVENT_DTYPE.itemsize % 8 == 0 and FILL_DTYPE.itemsize % 8 == 0


def _fills_of(chunk: np.ndarray) -> np.ndarray:
    """The FILL events of a contiguous :data:`EVENT_DTYPE` array as :data:`FILL_DTYPE`
    rows. The rows are picked from a uint64 view: numpy copies structured records one
    by one (measured ~100x slower than the same bytes as integers)."""
    words = chunk.view(np.uint64).reshape(len(chunk), _EVENT_SIZE // 8)
    picked = np.ascontiguousarray(words[chunk["kind"] == _FILL, : FILL_DTYPE.itemsize // 8])
    return picked.view(FILL_DTYPE).reshape(len(picked))


def _action_column(actions: Any) -> np.ndarray:
    """:meth:`MatchingEngine.apply_ops`' actions as uint8 kinds (``tb_op_kind``), or the
    error naming the first row that is not S, C or M."""
    if isinstance(actions, str):
        actions = actions.encode("ascii", "replace")
    if isinstance(actions, (bytes, bytearray, memoryview)):
        a = np.frombuffer(actions, dtype=np.uint8)
    else:
        arr = np.asarray(actions)
        if arr.dtype.kind in "UO":  # one-letter strs (or bytes) in a list / array
            try:
                arr = np.array(
                    [x.encode("ascii") if isinstance(x, str) else x for x in arr.tolist()], dtype="S1"
                )
            except (UnicodeEncodeError, TypeError, ValueError):
                raise InvalidArgumentError("actions must be the letters S, C and M") from None
        if arr.dtype.kind == "S" and arr.dtype.itemsize == 1:
            arr = arr.view(np.uint8)
        a = _buffers.coerce("actions", arr, np.dtype(np.uint8))
    ok = (a == mn.OP_SUBMIT) | (a == mn.OP_CANCEL) | (a == mn.OP_MODIFY)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise _buffers.row_error(
            InvalidArgumentError(
                f"actions[{i}]={bytes([int(a[i])])!r}: an action is b'S' (submit), b'C' (cancel) or "
                "b'M' (modify)"
            ),
            i,
        )
    return a


def _small_column(name: str, data: Any, hi: int, valid: str) -> np.ndarray:
    """An integer column of values in [0, hi] as uint8, or the error naming its first bad row."""
    a = _buffers.coerce(name, data, np.dtype(np.int64))
    bad = np.flatnonzero((a < 0) | (a > hi))
    if bad.size:
        i = int(bad[0])
        raise _buffers.row_error(InvalidArgumentError(f"{name}[{i}]={int(a[i])}: must be in {valid}"), i)
    return a.astype(np.uint8)


class Fill(NamedTuple):
    """One trade: the resting order ``maker_id`` and the incoming ``taker_id`` traded
    ``qty`` at ``px`` (the maker's price)."""

    maker_id: int
    taker_id: int
    px: int
    qty: int


class SubmitResult(NamedTuple):
    """What one :meth:`MatchingEngine.submit` did.

    ``status``: "rested" (no fill, rests whole), "filled", "partial" (some filled; the
    rest rests or was cancelled), "cancelled" (no fill, nothing rests: IOC / market /
    FOK / STP), "rejected" (post-only that would take). ``events``: every event of the
    call as a read-only structured array (:data:`EVENT_DTYPE`), a view of a block of
    ~1024 events that the neighbouring calls' results share (no later call changes it;
    ``events.copy()`` keeps one result's events without the block)."""

    status: str
    fills: list[Fill]
    resting_qty: int
    filled_qty: int
    events: np.ndarray


class OpsResult(NamedTuple):
    """What :meth:`MatchingEngine.apply_ops` did.

    ``statuses``: one int8 per operation, 0 when it was applied, else the negative C
    status of a refused one, which changed nothing (as :meth:`L3Book.apply_mbo`'s:
    -31 unknown id, -30 duplicate id, a price outside the book's range, a full book ...).
    ``events``: the fills as :data:`FILL_DTYPE` rows, or with ``events=True`` every
    event of the batch (:data:`EVENT_DTYPE`), in order."""

    statuses: np.ndarray
    events: np.ndarray


def _u64_error(**named: Any) -> TapebookError:
    """The error for the first of ``named`` (uint64 arguments of cancel / modify) that is
    not an integer of uint64_t: a bool, a float, a negative number ... (_args' wording)."""
    try:
        for name, value in named.items():
            _args.check_type_range(name, value, 0, 2**64 - 1, "uint64_t")
    except TapebookError as e:
        return e
    return InvalidArgumentError(f"bad arguments {named}")  # pragma: no cover (cffi took them)


class MatchingEngine(HotEngine):
    """A price-time priority matching engine for one instrument.

    ``n``, ``price_bits``: the variant of the L3 / L2 book underneath (as :class:`Book`);
    ``max_orders``: resting orders it can hold; ``max_cap``: price levels per side;
    ``stp``: self-trade prevention between orders of the same non-zero owner —
    "cancel-newest" (the incoming order's remainder is cancelled), "cancel-oldest" (the
    resting order is cancelled and matching goes on), "cancel-both", or "none";
    ``anchor``: where the book's tapes start (they recenter on the first orders);
    ``reserve``: as :class:`L3Book`'s — None (default): the arena for ``max_orders``
    up front and an order-id index whose part in use follows the resting orders (each
    new high that doubles it costs one submit O(resting orders), milliseconds at 1e5);
    a number (1 ... max_orders): the arena and the whole index for that many orders
    now, growing on demand past it, so no submit below the reserve pays a growth (for
    a latency-minded venue).
    """

    def __init__(
        self,
        n: int = 1024,
        price_bits: int = 64,
        max_orders: int = 1_000_000,
        stp: str = "cancel-newest",
        *,
        max_cap: int = 4096,
        anchor: int = 0,
        reserve: int | None = None,
    ) -> None:
        self._create(n, price_bits, max_orders, stp, max_cap, anchor, reserve, check_reserve=True)

    def _create(
        self,
        n: int,
        price_bits: int,
        max_orders: int,
        stp: str,
        max_cap: int,
        anchor: int,
        reserve: int | None,
        *,
        check_reserve: bool = False,
    ) -> None:
        """__init__'s work; ``reserve``: the arena, the spill and the whole id index are
        reserved for that many orders only and grow on demand (None: the arena up front,
        the index in use following the orders). ``check_reserve``: the caller's value,
        checked in 1..max_orders after the other arguments (a load's count is clamped)."""
        if price_bits not in nat.FAMILIES:
            raise InvalidArgumentError(f"price_bits must be 32 or 64, got {price_bits!r}")
        if n not in nat.TAPE_SIZES:
            raise InvalidArgumentError(f"n must be one of {nat.TAPE_SIZES}, got {n!r}")
        if stp not in STP_MODES:
            raise InvalidArgumentError(f"stp must be one of {sorted(STP_MODES)}, got {stp!r}")
        if not isinstance(max_orders, int) or not 1 <= max_orders <= mn.MAX_ORDERS:
            raise InvalidArgumentError(f"max_orders must be in [1, {mn.MAX_ORDERS}], got {max_orders!r}")
        # the L3Book check (a power of two in [1, 2^30]), here too for loads' header value
        max_cap = _args.check_max_cap(max_cap, pooled=False)
        if reserve is not None and check_reserve:
            reserve = _args.check_range("reserve", reserve, 1, max_orders, "reserve")
        self._v = v = mn.variant(price_bits, n)
        self.n, self.price_bits, self.max_orders, self.max_cap, self.stp = (
            n,
            price_bits,
            max_orders,
            max_cap,
            stp,
        )
        out = ffi.new(f"{v.c_name} **")
        if reserve is None:
            st = v.create(out, anchor, max_orders, max_cap, STP_MODES[stp])
        else:
            st = v.create_reserved(
                out, anchor, max_orders, max(1, min(reserve, max_orders)), max_cap, STP_MODES[stp]
            )
        if st != nat.OK:
            if st in (nat.ERR_MAX_CAP, nat.ERR_ANCHOR):
                what = "max_cap" if st == nat.ERR_MAX_CAP else "anchor"
                raise InvalidArgumentError(
                    f"{what}={max_cap if what == 'max_cap' else anchor}: {nat.status_str(st)}"
                )
            _args.raise_status(st, "MatchingEngine")
        self._m = ffi.gc(out[0], v.destroy)
        if _HOT:  # submit and cancel of the C base class reach the engine through this binding
            self._hot_bind(price_bits, n, ffi.buffer(self._m, _hotpath.engine_struct_size(price_bits, n)))
        self._l3 = v.l3(self._m)
        self._book = v.l3_book(self._l3)
        # the L3Book API over the engine's own L3 book: a view, nothing copied
        self._view = L3BookView._borrow(
            l3n.L3_BOOKS[(price_bits, n)],
            self._l3,
            self._m,  # keeps the C engine alive, without a cycle through self
            max_orders,
            max_cap,
            "change it through the MatchingEngine (submit, cancel, modify)",
        )
        self._order = ffi.new("tb_match_order *")
        self._order_bytes = ffi.buffer(self._order)
        self._res = ffi.new("tb_submit_result *")
        self._nout = ffi.new("size_t *")
        self._ndone = ffi.new("size_t *")
        self._grow(256)
        self._csubmit = v.submit
        self._new_block(_BLOCK)
        self.qty_max = v.family.qty_max

    # ---- internals ----------------------------------------------------------------

    def _grow(self, cap: int) -> None:
        self._ev = np.zeros(cap, dtype=EVENT_DTYPE)
        self._evcap = cap
        self._evp = ffi.cast("tb_match_event *", ffi.from_buffer(self._ev))

    def _new_block(self, cap: int) -> None:
        """A fresh read-only block that :meth:`submit` writes its events into, one call
        after the other: each result's ``events`` is a view of its own rows (never written
        again), so no call copies its events (a bytes copy + ``np.frombuffer`` cost ~3x the
        slice)."""
        block = np.empty(cap, dtype=EVENT_DTYPE)
        block.flags.writeable = False  # the views handed out are read-only; C writes through _blkp
        self._blk = block
        self._blkp = ffi.cast("tb_match_event *", ffi.from_buffer(block))
        self._blkcap = cap
        self._blkpos = 0

    def _check(self, st: int, what: str, **ctx: Any) -> None:
        if st != nat.OK:
            self._raise(st, what, **ctx)

    def _raise(self, st: int, what: str, **ctx: Any) -> None:
        v = self._v
        oid = ctx.get("order_id")
        if st == mn.ERR_DUPLICATE:
            raise DuplicateOrderError(f"{what}: order_id={oid} rests in the book already")
        if st == mn.ERR_UNKNOWN:
            raise UnknownOrderError(f"{what}: order_id={oid} does not rest in the book")
        if st == mn.ERR_OVERFLOW:
            raise InvalidArgumentError(
                f"{what}: qty={ctx.get('qty')} would make the level's total exceed {self.qty_max}"
            )
        if st == nat.ERR_FULL:
            raise CapacityError(
                f"{what}: the order could rest but the book holds max_orders={self.max_orders} orders "
                f"or its side max_cap={self.max_cap} levels; nothing changed"
            )
        if st == nat.ERR_PRICE:
            raise InvalidArgumentError(f"{what}: px={ctx.get('px')} is outside [{v.pmin}, {v.pmax}]")
        if st == nat.ERR_SIDE:  # a sides column value of submit_many (submit checked its side)
            raise InvalidArgumentError(f"{what}: {_args.side_error(ctx.get('side'))}")
        if st == nat.ERR_BADARG:
            raise InvalidArgumentError(f"{what}: {self._explain(ctx)}")
        _args.raise_status(st, what)

    def _explain(self, ctx: dict[str, Any]) -> str:
        if ctx.get("order_id") == 0:
            return "order_id must be in [1, 2**64), got 0"
        qty = ctx.get("qty")
        if qty is not None and not 1 <= qty <= self.qty_max:
            return f"qty must be in [1, {self.qty_max}], got {qty}"
        if ctx.get("tif") not in (None, 0, 1, 2):
            return f"tif must be one of {sorted(TIFS)}, got {ctx.get('tif')!r}"
        return "post_only needs a GTC limit order, and a bound needs a market order (px=None)"

    def _set_order(
        self, order_id: int, side: int, px: int, qty: int, tif: int, owner: int, flags: int
    ) -> None:
        o = self._order
        # the usual call: four plain ints that fit (cffi range-checks each store); anything
        # else, or a store that overflows, takes the checks below for the exact error
        if type(order_id) is int and type(px) is int and type(qty) is int and type(owner) is int:
            try:
                o.id, o.px, o.qty, o.owner = order_id, px, qty, owner
            except OverflowError:
                pass
            else:
                o.side, o.tif, o.flags = side, tif, flags
                return
        for name, val in (("order_id", order_id), ("px", px), ("qty", qty), ("owner", owner)):
            _args.as_int(name, val)  # a bool, float, str ...: L3Book's and the update log's error
        try:
            o.id = order_id
        except OverflowError:
            raise IntegerRangeError(f"order_id={order_id} does not fit uint64") from None
        try:
            o.px = px
        except OverflowError:
            raise InvalidArgumentError(f"px={px} is outside [{self._v.pmin}, {self._v.pmax}]") from None
        try:
            o.qty = qty
        except OverflowError:
            raise InvalidArgumentError(f"qty must be in [1, {self.qty_max}], got {qty}") from None
        try:
            o.owner = owner
        except OverflowError:
            raise InvalidArgumentError(f"owner must be in [0, 2**32), got {owner}") from None
        o.side, o.tif, o.flags = side, tif, flags

    # ---- operations ------------------------------------------------------------------
    # submit and cancel are methods of the C base class HotEngine (_hotmatch.inc): it
    # serves the common case (a limit order of plain ints, a side of _FAST_SIDES, a tif
    # of TIFS, room in the event block) and hands every other call to _submit_py /
    # _cancel_py below, which are the specification. _blk, _blkcap, _blkpos, _ev and
    # _evcap are its attributes: both paths share one event block.

    def _submit_py(
        self,
        order_id: int,
        side: Any,
        px: int | None,
        qty: int,
        tif: str = "gtc",
        owner: int = 0,
        post_only: bool = False,
        *,
        bound: int | None = None,
    ) -> SubmitResult:
        """Match one incoming order; ``px=None`` is a market order (``bound``: the worst
        price it may trade at). Raises (nothing changed) on an invalid order: a resting
        ``order_id`` (:class:`DuplicateOrderError`), qty 0, a price outside the book's
        range, an owner outside [0, 2**32), post-only on a market or non-GTC order, or an
        order that could rest when the book is full (:class:`CapacityError`)."""
        # the usual call (a limit order, plain int fields, a side of _FAST_SIDES) sets the C
        # order straight away; anything else, or a store that overflows, takes the general
        # path, which gives the same fields or the exact error
        self._claim_scratch("submit")
        try:
            return self._submit_checked(order_id, side, px, qty, tif, owner, post_only, bound)
        finally:
            self._unclaim()

    def _claim_scratch(self, what: str) -> None:
        """Claim the engine's scratch (C order, result, counts, event buffers, block
        position) for one Python-path call; another thread's call holds it: the error two
        overlapping C calls get from the core's thread guard."""
        if not self._claim():
            _args.raise_status(nat.ERR_BUSY, what)

    def _submit_checked(
        self,
        order_id: int,
        side: Any,
        px: int | None,
        qty: int,
        tif: str,
        owner: int,
        post_only: bool,
        bound: int | None,
    ) -> SubmitResult:
        """:meth:`submit` with the scratch claimed."""
        cls = side.__class__
        if (
            (cls is int or cls is str)
            and px is not None
            and bound is None
            and post_only is False
            and order_id.__class__ is int
            and px.__class__ is int
            and qty.__class__ is int
            and owner.__class__ is int
        ):
            s = _FAST_SIDES.get(side)
            t = TIFS.get(tif)
            if s is not None and t is not None:
                try:  # one store of the whole struct, range-checked as cffi's field stores
                    _pack_order(self._order_bytes, 0, order_id, px, qty, owner, s, t, 0, 0)
                except struct.error:
                    pass
                else:
                    return self._submit_set()
        fields = self._order_fields(order_id, side, px, qty, tif, owner, post_only, bound)
        self._set_order(*fields)
        return self._submit_set()

    def _order_fields(
        self,
        order_id: int,
        side: Any,
        px: int | None,
        qty: int,
        tif: str,
        owner: int,
        post_only: bool,
        bound: int | None,
    ) -> tuple[int, int, int, int, int, int, int]:
        """:meth:`submit`'s arguments as the C order's fields (id, side, px, qty, tif,
        owner, flags), checked as submit checks them (what the update log records)."""
        t = TIFS.get(tif)
        if t is None:
            raise InvalidArgumentError(f"tif must be one of {sorted(TIFS)}, got {tif!r}")
        s = _args.check_side(side)  # the one side vocabulary of every class (issue #16)
        flags = POST_ONLY if post_only else 0
        if px is None:
            flags |= MARKET | (PROTECT if bound is not None else 0)
            cpx = bound if bound is not None else 0
        else:
            if bound is not None:
                raise InvalidArgumentError("bound is for market orders (px=None)")
            cpx = px
        return order_id, s, cpx, qty, t, owner, flags

    def _submit_fields(
        self, order_id: int, side: int, px: int, qty: int, tif: int, owner: int, flags: int
    ) -> SubmitResult:
        """Submit an order given as the C order's fields (how replay applies a SUBMIT record)."""
        self._claim_scratch("submit")
        try:
            self._set_order(order_id, side, px, qty, tif, owner, flags)
            return self._submit_set()
        finally:
            self._unclaim()

    def _submit_set(self) -> SubmitResult:
        """Submit the order in ``self._order`` (set and range-checked by :meth:`_set_order`)."""
        o, r, nout = self._order, self._res, self._nout
        pos = self._blkpos
        if self._blkcap - pos < _BLOCK_MIN_FREE:
            self._new_block(_BLOCK)
            pos = 0
        evp, cap = self._blkp + pos, self._blkcap - pos
        st = self._csubmit(self._m, o, evp, cap, nout, r)
        while st == _ERR_EVENTS:  # more events than the free rows: a new, larger block
            # (doubling, up to len(self) + 8 rows, which hold any call's events)
            self._new_block(max(_BLOCK, min(2 * cap, len(self) + 8)))
            pos, evp, cap = 0, self._blkp, self._blkcap
            st = self._csubmit(self._m, o, evp, cap, nout, r)
        if st != _OK:
            self._raise(st, "submit", order_id=o.id, px=o.px, qty=o.qty, side=o.side, tif=o.tif)
        n = nout[0]
        self._blkpos = end = pos + n
        # straight from the C buffer: cffi reads the uint64 / int64 fields as Python ints.
        # Most submits only rest: no scan then
        filled = r.filled
        fills = (
            [_new_tuple(Fill, (e.maker_id, e.taker_id, e.px, e.qty)) for e in evp[0:n] if e.kind == _FILL]
            if filled
            else []
        )
        return _new_tuple(SubmitResult, (STATUSES[r.status], fills, r.resting, filled, self._blk[pos:end]))

    def _cancel_py(self, order_id: int) -> int:
        """Remove a resting order; returns the quantity it still had."""
        if order_id.__class__ is bool:  # cffi would take it as 0 / 1
            raise _u64_error(order_id=order_id)
        if _args.not_ints(order_id):  # cffi would truncate a Decimal: convert or refuse first
            return self.cancel(_args.as_int("order_id", order_id))
        self._claim_scratch("cancel")
        try:
            try:
                st = self._v.cancel(self._m, order_id, self._evp, self._evcap, self._nout)
            except (TypeError, OverflowError):  # cffi could not convert it
                raise _u64_error(order_id=order_id) from None
            self._check(st, "cancel", order_id=order_id)
            return self._evp[0].qty  # through cffi: a numpy field read costs several times more
        finally:
            self._unclaim()

    def modify(self, order_id: int, qty: int) -> None:
        """New quantity for a resting order: down (or equal) keeps its place in the queue,
        up sends it to the back of its level."""
        if order_id.__class__ is bool or qty.__class__ is bool:  # cffi would take it as 0 / 1
            raise _u64_error(order_id=order_id, qty=qty)
        if _args.not_ints(order_id, qty):  # cffi would truncate a Decimal: convert or refuse first
            return self.modify(_args.as_int("order_id", order_id), _args.as_int("qty", qty))
        self._claim_scratch("modify")
        try:
            try:
                st = self._v.modify(self._m, order_id, qty, self._evp, self._evcap, self._nout)
            except (TypeError, OverflowError):  # cffi could not convert one
                raise _u64_error(order_id=order_id, qty=qty) from None
            self._check(st, "modify", order_id=order_id, qty=qty)
        finally:
            self._unclaim()

    def submit_many(
        self,
        order_ids: Any,
        sides: Any,
        prices: Any,
        qtys: Any,
        tifs: Any = None,
        owners: Any = None,
        flags: Any = None,
        *,
        events: bool = False,
    ) -> np.ndarray:
        """Submit a batch of orders in one C call (columns of equal length).

        ``sides``: 1 / True bid, 0 / False ask, or the names :meth:`submit` takes
        ("bid", "buy", "ask", "sell"); ``tifs``: 0 GTC / 1 IOC / 2 FOK or their names
        (default GTC); ``owners`` (default 0); ``flags``: 1 market (the price is
        ignored), 2 post-only, 4 protect (market: the price is the bound). Returns the
        fills as a structured array (:data:`FILL_DTYPE`), or with ``events=True`` every
        event (:data:`EVENT_DTYPE`). On an invalid order raises
        :class:`BatchError` (``.index``: the bad row; the rows before it were applied)."""
        orders = self._order_columns(order_ids, sides, prices, qtys, tifs, owners, flags)
        return self._submit_orders(orders, events)

    def _order_columns(
        self, order_ids: Any, sides: Any, prices: Any, qtys: Any, tifs: Any, owners: Any, flags: Any
    ) -> np.ndarray:
        """:meth:`submit_many`'s columns as an :data:`ORDER_DTYPE` array, checked as
        submit_many checks them (what the update log records)."""
        ids = np.asarray(order_ids)
        n = len(ids)
        orders = np.zeros(n, dtype=ORDER_DTYPE)
        cols = {
            "id": ids,
            "side": sides,
            "px": prices,
            "qty": qtys,
            "tif": tifs,
            "owner": owners,
            "flags": flags,
        }
        for name, col in cols.items():
            if col is None:
                continue
            a = np.asarray(col)
            if name == "tif" and a.dtype.kind in "USO":  # names: "gtc" / "ioc" / "fok"
                bad = sorted({str(t) for t in a.tolist()} - set(TIFS))
                if bad:
                    raise InvalidArgumentError(f"tifs must be in {sorted(TIFS)} or 0..2, got {bad[0]!r}")
                a = np.array([TIFS[str(t)] for t in a.tolist()], dtype=np.uint8)
            if name == "side" and a.dtype.kind in "USO":  # names (and 0 / 1 beside them), as submit takes
                values = a.tolist() if isinstance(col, np.ndarray) else list(col)
                a = np.array(_args.check_sides(values, "sides"), dtype=np.uint8)
            if a.shape != (n,):
                raise InvalidArgumentError(f"column {name} has shape {a.shape}, expected ({n},)")
            if a.dtype.kind == "f":
                raise ArgumentTypeError(f"column {name} must hold integers, got {a.dtype}")
            orders[name] = a
        return orders

    def apply_ops(
        self,
        actions: Any,
        order_ids: Any,
        sides: Any = None,
        prices: Any = None,
        qtys: Any = None,
        tifs: Any = None,
        owners: Any = None,
        flags: Any = None,
        *,
        events: bool = False,
    ) -> OpsResult:
        """Apply a batch of mixed operations in one C call, in order, exactly as the same
        :meth:`submit` / :meth:`cancel` / :meth:`modify` calls would (the same events,
        sequence numbers and state); the engine looks a few operations ahead and fetches
        what they will touch, which pays on large books.

        ``actions``: bytes, a str, or an array of ``b"S"`` submit, ``b"C"`` cancel,
        ``b"M"`` modify (as :meth:`L3Book.apply_mbo`'s letters). ``order_ids``: the order
        a submit enters, a cancel removes, a modify changes. ``qtys``: a submit's quantity
        or a modify's new quantity (not read for a cancel). ``sides``, ``prices``,
        ``tifs``, ``owners``, ``flags``: a submit's, as :meth:`submit_many` takes them
        (default 0: ask, price 0, GTC, owner 0, no flags; not read for a cancel or a
        modify). Columns are equal-length 1-D buffers.

        A refused operation (an unknown or duplicate id, a price outside the book's
        range, qty 0, a full book ...) changes nothing and the batch goes on: its status
        is in the result's ``statuses``. A column value no operation can take (an action
        letter, a side, a tif or flags out of range, an integer its C field cannot hold)
        raises :class:`InvalidArgumentError` / :class:`IntegerRangeError` naming the
        column, the row and the valid range, before anything is applied."""
        ops = self._op_columns(actions, order_ids, sides, prices, qtys, tifs, owners, flags)
        return self._apply_op_records(ops, events)

    def _op_columns(
        self,
        actions: Any,
        order_ids: Any,
        sides: Any,
        prices: Any,
        qtys: Any,
        tifs: Any,
        owners: Any,
        flags: Any,
    ) -> np.ndarray:
        """:meth:`apply_ops`' columns as an :data:`OP_DTYPE` array, checked as apply_ops
        checks them (what the update log records)."""
        kinds = _action_column(actions)
        ids = _buffers.coerce("order_ids", order_ids, np.dtype(np.uint64))
        n = len(kinds)
        if len(ids) != n:
            raise InvalidArgumentError(
                f"actions and order_ids must have equal lengths, got {n} and {len(ids)}"
            )
        ops = np.zeros(n, dtype=OP_DTYPE)
        ops["kind"] = kinds
        ops["id"] = ids
        cols: dict[str, np.ndarray] = {}
        if sides is not None:
            a = np.asarray(sides)
            if a.dtype.kind in "USO" and a.size:  # names (and 0 / 1 beside them), as submit takes
                values = a.tolist() if isinstance(sides, np.ndarray) else list(sides)
                cols["side"] = np.array(_args.check_sides(values, "sides"), dtype=np.uint8)
            else:
                cols["side"] = _buffers.coerce_sides(sides)
        if prices is not None:
            cols["px"] = _buffers.coerce("prices", prices, np.dtype(np.int64))
        if qtys is not None:
            cols["qty"] = _buffers.coerce("qtys", qtys, np.dtype(np.uint64))
        if tifs is not None:
            a = np.asarray(tifs)
            if a.dtype.kind in "USO" and a.size:  # names: "gtc" / "ioc" / "fok"
                bad = sorted({str(t) for t in a.tolist()} - set(TIFS))
                if bad:
                    raise InvalidArgumentError(f"tifs must be in {sorted(TIFS)} or 0..2, got {bad[0]!r}")
                cols["tif"] = np.array([TIFS[str(t)] for t in a.tolist()], dtype=np.uint8)
            else:
                cols["tif"] = _small_column("tifs", tifs, 2, f"{sorted(TIFS)} or 0..2")
        if owners is not None:
            cols["owner"] = _buffers.coerce("owners", owners, np.dtype(np.uint32))
        if flags is not None:
            cols["flags"] = _small_column("flags", flags, 7, "0..7 (1 market, 2 post-only, 4 protect)")
        for name, col in cols.items():
            if len(col) != n:
                plural = {"px": "prices", "qty": "qtys", "flags": "flags"}.get(name, f"{name}s")
                raise InvalidArgumentError(f"{plural} has length {len(col)}, expected {n} (the actions')")
            ops[name] = col
        return ops

    def _apply_op_records(self, ops: np.ndarray, events: bool = False) -> OpsResult:
        """:meth:`apply_ops` over an :data:`OP_DTYPE` array (how replay applies an
        APPLY_OPS record)."""
        self._claim_scratch("apply_ops")
        try:
            return self._apply_op_records_claimed(ops, events)
        finally:
            self._unclaim()

    def _apply_op_records_claimed(self, ops: np.ndarray, events: bool) -> OpsResult:
        """:meth:`_apply_op_records` with the scratch claimed."""
        ops = np.ascontiguousarray(ops, dtype=OP_DTYPE)
        if ops.ctypes.data % 8:  # a view into a log record (replay) may be misaligned
            ops = ops.copy()
        n = len(ops)
        statuses = np.zeros(n, dtype=np.int8)
        v = self._v
        base = ffi.cast("tb_match_op *", ffi.from_buffer(ops))
        stp = ffi.cast("int8_t *", ffi.from_buffer(statuses, require_writable=True))

        def call(done: int) -> int:
            return v.apply_ops(
                self._m,
                base + done,
                n - done,
                self._evp,
                len(self._ev),
                self._nout,
                ffi.NULL,
                stp + done,
                self._ndone,
            )

        rows, _, st = self._drain(n, events, call)
        if st != nat.OK:  # the call itself (busy, closed): nothing of it was applied
            _args.raise_status(st, "apply_ops")
        return _new_tuple(OpsResult, (statuses, rows))

    def _drain(self, n: int, events: bool, call: Callable[[int], int]) -> tuple[np.ndarray, int, int]:
        """Run a batch C call (``call(done)``: rows ``done..n``) until the n rows are done
        or it stops on a status other than a full event buffer: the events go through the
        engine's bounded buffer, drained between calls (a batch's events are never all held
        at once). Returns (fills, or events when ``events``; rows done; the last status)."""
        out: list[np.ndarray] = []
        done, st = 0, nat.OK
        cap = max(len(self._ev), min(4 * n + 16, 1 << 16))
        if cap > len(self._ev):
            self._grow(cap)
        while done < n:
            st = call(done)
            k, d = self._nout[0], self._ndone[0]
            chunk = self._ev[:k]
            out.append(chunk.copy() if events else _fills_of(chunk))
            done += d
            if st == mn.ERR_EVENTS:
                if d == 0:  # one row's events do not fit: room for its worst case
                    self._grow(max(2 * len(self._ev), len(self) + 8))
                continue
            if st != nat.OK:
                break
        if not out:
            return np.zeros(0, dtype=EVENT_DTYPE if events else FILL_DTYPE), done, st
        return np.concatenate(out), done, st

    def _submit_orders(self, orders: np.ndarray, events: bool = False) -> np.ndarray:
        """:meth:`submit_many` over an :data:`ORDER_DTYPE` array (how replay applies a
        SUBMIT_MANY record)."""
        self._claim_scratch("submit_many")
        try:
            return self._submit_orders_claimed(orders, events)
        finally:
            self._unclaim()

    def _submit_orders_claimed(self, orders: np.ndarray, events: bool) -> np.ndarray:
        """:meth:`_submit_orders` with the scratch claimed."""
        orders = np.ascontiguousarray(orders, dtype=ORDER_DTYPE)
        if orders.ctypes.data % 8:
            # a view into a log record (replay) may be misaligned; C reads tb_match_order,
            # whose u64 fields need 8-byte alignment (numpy calls a packed dtype aligned)
            orders = orders.copy()
        n = len(orders)
        v = self._v
        base = ffi.cast("tb_match_order *", ffi.from_buffer(orders))

        def call(done: int) -> int:
            return v.submit_many(
                self._m, base + done, n - done, self._evp, len(self._ev), self._nout, ffi.NULL, self._ndone
            )

        rows, done, st = self._drain(n, events, call)
        if st != nat.OK:  # the order at row `done` was refused: the rows before it applied
            row = orders[done]
            try:
                self._raise(
                    st,
                    f"submit_many row {done}",
                    order_id=int(row["id"]),
                    px=int(row["px"]),
                    qty=int(row["qty"]),
                    side=int(row["side"]),
                    tif=int(row["tif"]),
                )
            except Exception as exc:
                raise BatchError(str(exc), done) from exc
        return rows

    # ---- persistence ----------------------------------------------------------------

    def dumps(self) -> bytes:
        """The engine's whole state as CRC-checked bytes: the L3 book (queues in FIFO
        order), every resting order's owner, the event sequence number, the STP mode,
        the counters and the shape; :meth:`loads` / :meth:`load_into` restore it, and
        the restored engine answers the next calls with byte-identical events."""
        size = ffi.new("size_t *")
        self._check(self._v.dump_size(self._m, size), "dumps")
        buf = bytearray(int(size[0]))
        n_out = ffi.new("size_t *")
        self._check(self._v.dump(self._m, ffi.from_buffer(buf), len(buf), n_out), "dumps")
        return bytes(buf[: int(n_out[0])])

    def load_into(self, data: Any) -> None:
        """Replace the engine's state (orders, owners, sequence number, STP mode,
        counters) with :meth:`dumps` bytes of an engine with the same ``price_bits``.
        Raises :class:`FormatError` (malformed, corrupted, a crossed book) or
        :class:`CapacityError` (more orders or levels than this engine holds); nothing
        changes on error."""
        mem = byte_view(data, "data")
        st = self._v.load(self._m, ffi.from_buffer(mem), len(mem))
        if st == nat.ERR_FORMAT:
            raise FormatError(
                f"load: not a matching-engine dump of a {self.price_bits}-bit engine, or corrupted "
                "(size, CRC, version, STP mode, the L3 book, a crossed book)"
            )
        if st == nat.ERR_FULL:
            raise CapacityError(
                f"load: the dump has more orders than max_orders={self.max_orders} "
                f"or more levels on a side than max_cap={self.max_cap}"
            )
        self._check(st, "load")
        self.stp = _STP_NAMES[int.from_bytes(bytes(mem[20:24]), "little")]

    @classmethod
    def loads(cls, data: Any) -> MatchingEngine:
        """A new engine with the state and the shape (``n``, ``price_bits``,
        ``max_orders``, ``max_cap``, ``stp``) of :meth:`dumps` bytes."""
        mem = byte_view(data, "data")
        if len(mem) < _DUMP_HEAD.size + 4 or bytes(mem[:8]) != b"TBMEDUMP":
            raise FormatError(f"not a matching-engine dump ({len(mem)} bytes, bad header)")
        # the CRC before the shape is trusted: a damaged header must not size the arena
        if zlib.crc32(mem[:-4]) != int.from_bytes(bytes(mem[-4:]), "little"):
            raise FormatError("corrupted matching-engine dump (CRC mismatch)")
        _magic, _ver, width, n, stp, max_orders, max_cap = _DUMP_HEAD.unpack_from(mem)
        if width not in (4, 8) or n not in nat.TAPE_SIZES or stp not in _STP_NAMES:
            raise FormatError(f"malformed matching-engine dump header (width {width}, n {n}, stp {stp})")
        if not 1 <= max_orders <= mn.MAX_ORDERS:
            raise FormatError(f"malformed matching-engine dump header (max_orders {max_orders})")
        # reserve for the orders the dump holds (its L3 header's count, bounded by its
        # length: 16 bytes an order), not for the max_orders it declares
        orders = int.from_bytes(bytes(mem[_ENGINE_HEADER + 24 : _ENGINE_HEADER + 32]), "little")
        try:
            eng = cls.__new__(cls)
            eng._create(n, width * 8, max_orders, _STP_NAMES[stp], max_cap, 0, min(orders, len(mem) // 16))
        except InvalidArgumentError as e:
            raise FormatError(f"malformed matching-engine dump header: {e}") from None
        eng.load_into(mem)
        return eng

    @staticmethod
    def _dump_as(data: bytes, version: int) -> bytes:
        """An engine dump in format ``version`` (replay's verify compares a log's
        checkpoints, which an older tapebook may have written): version 1 embeds a
        version-1 L3 dump."""
        if version != 1 or dump_version(data) != 2:
            return data
        l3len = int.from_bytes(data[96:104], "little")
        l3 = dump_version_1(data[_ENGINE_HEADER : _ENGINE_HEADER + l3len])
        body = (
            data[:8]
            + (1).to_bytes(4, "little")
            + data[12:96]
            + len(l3).to_bytes(8, "little")
            + l3
            + data[_ENGINE_HEADER + l3len : -4]
        )
        return body + zlib.crc32(body).to_bytes(4, "little")

    def __reduce__(self) -> tuple[Any, ...]:
        return (MatchingEngine.loads, (self.dumps(),))

    # ---- queries ------------------------------------------------------------------

    @property
    def book(self) -> L3BookView:
        """The L3 book the engine matches on: the :class:`L3Book` query API, read only
        (its mutators raise :class:`ReadOnlyError`), a view of the live book (no copy)."""
        return self._view

    def __len__(self) -> int:
        return int(self._v.orders(self._m))

    def owner_of(self, order_id: int) -> int:
        """The owner of a resting order."""
        out = ffi.new("uint32_t *")
        self._check(self._v.owner_of(self._m, order_id, out), "owner_of", order_id=order_id)
        return int(out[0])

    def stats(self) -> dict[str, int]:
        """Counters: seq (last event), orders, submits, fills, rests, cancels, rejects,
        modifies, stp_cancels."""
        out = ffi.new("tb_match_stats *")
        self._check(self._v.stats(self._m, out), "stats")
        return {k: int(getattr(out, k)) for k in mn.STATS_FIELDS}

    @property
    def seq(self) -> int:
        """The sequence number of the last event (0 before the first)."""
        return self.stats()["seq"]

    def verify_invariants(self) -> bool:
        """Check the L3 book's structure and that it is not crossed."""
        return self._v.verify_invariants(self._m) == nat.OK


#: the methods HotEngine implements in C; each has its Python path ``_<name>_py``
FAST_METHODS = ("submit", "cancel")
# errors raised by Python itself in a Python path (a missing argument) name the method called
for _name in FAST_METHODS:
    getattr(MatchingEngine, f"_{_name}_py").__qualname__ = f"MatchingEngine.{_name}"
_hotpath.set_match_types(SubmitResult, Fill, STATUSES, _FAST_SIDES, TIFS, _BLOCK_MIN_FREE)
