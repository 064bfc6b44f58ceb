"""The one table of recorded operations, and how a RecordedBook treats the rest of a Book.

Each row of :data:`OPS` is a method that changes a :class:`~tapebook.Book`
(target ``"book"``), an :class:`~tapebook.L3Book` (``"l3"``) or a
:class:`~tapebook.MatchingEngine` (``"engine"``): the one table of record
codes. It says which log record carries it (type name and code), how its
arguments are encoded in the record body, how they are validated before
anything is logged, and which method applies it (live, and again on
replay). Everything else reads this table: :class:`~tapebook.persist.RecordType`,
the record sizes that recovery checks, the recorded methods of
:class:`~tapebook.persist.RecordedBook` (and RecordedL3Book, RecordedEngine)
and of a single-book Recorder, and
replay's dispatch. The rest of a Book's public surface is classified here too:
:data:`QUERIES` (read-only, passed to the book), :data:`VIEWS` (built over the
RecordedBook, so their writes are recorded) and :data:`REFUSED`. A test fails
when a public Book method is in none of them.

Why validation comes first: a record keeps an argument's *value* but not its
*type*, so the live call and its replay can only agree if every argument the
book would refuse for its type (a bool price, a float) is refused before it is
logged. Values the encoding holds but the book refuses (a price outside the
range) are logged: the book refuses them live and again, identically, on
replay. (The L3 and engine rows go further: a refused call's record is taken
back off the log, :mod:`tapebook.persist.recorded_orders`.)

Adding an operation: a row here (a new record code, never a reused one) and
the Book method; the log format version does not change, since old logs hold
only old codes.
"""

from __future__ import annotations

import inspect
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .. import _args, _levels
from .._buffers import coerce_batch
from ..errors import (
    ArgumentTypeError,
    CapacityError,
    IntegerRangeError,
    InvalidArgumentError,
    TapebookMemoryError,
    UnknownOrderError,
)

#: every record starts with u8 type, u64 seq; the operations' bodies then start with u32 book
HEAD = struct.Struct("<BQ")
BOOK_HEAD = "<BQI"


# ---- argument encodings ------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a record body, after ``u32 book``.

    ``name`` is the Book method's parameter; ``fixed`` is set when the method
    implies the value (``recenter_bid`` records side 1) and then takes no
    such parameter."""

    name: str
    code: str  #: struct code: "B" u8, "I" u32, "q" i64, "Q" u64
    exact: tuple[type, ...]  #: argument classes packed as they are (the common case)
    convert: Callable[[str, Any], int]  #: any other argument: validated type, as an int
    lo: int
    hi: int
    fixed: int | None = None

    @property
    def c_type(self) -> str:
        return {"B": "uint8", "I": "uint32", "q": "int64", "Q": "uint64"}[self.code]

    def explain(self, value: Any) -> Exception:
        """The error for an argument the encoding cannot hold."""
        try:
            v = self.convert(self.name, value)
            _args.check_type_range(self.name, v, self.lo, self.hi, self.c_type)
        except (ArgumentTypeError, InvalidArgumentError, IntegerRangeError) as e:
            return e
        return ArgumentTypeError(f"{self.name}={value!r} cannot be recorded")  # pragma: no cover


def _side(name: str, v: Any) -> int:
    return _args.check_side(v)


def side(fixed: int | None = None) -> Field:
    """A side, u8 (1 bid, 0 ask)."""
    return Field("side", "B", (bool,), _side, 0, 1, fixed)


def i64(name: str) -> Field:
    """A price or anchor, i64."""
    return Field(name, "q", (int,), _args.as_int, -(2**63), 2**63 - 1)


def u64(name: str) -> Field:
    """A quantity or an order id, u64."""
    return Field(name, "Q", (int,), _args.as_int, 0, 2**64 - 1)


def u32(name: str) -> Field:
    """An owner, u32."""
    return Field(name, "I", (int,), _args.as_int, 0, 2**32 - 1)


def u8(name: str) -> Field:
    """A small code (time in force, order flags), u8."""
    return Field(name, "B", (int,), _args.as_int, 0, 255)


@dataclass(frozen=True)
class Batch:
    """The body of a batch record: ``u32 n``, then n u8 sides, n i64 prices, n u64 quantities."""

    head: ClassVar[struct.Struct] = struct.Struct(BOOK_HEAD + "I")
    row_bytes: ClassVar[int] = 1 + 8 + 8

    def payload_ok(self, mem: memoryview, start: int, length: int) -> bool:
        if length < self.head.size:
            return False
        (n,) = struct.unpack_from("<I", mem, start + self.head.size - 4)
        return length == self.head.size + self.row_bytes * n

    def encode(self, code: int, seq: int, book_id: int, s: np.ndarray, p: np.ndarray, q: np.ndarray) -> bytes:
        return b"".join(
            (
                self.head.pack(code, seq, book_id, len(s)),
                s.tobytes(),
                p.astype("<i8", copy=False).tobytes(),
                q.astype("<u8", copy=False).tobytes(),
            )
        )

    def decode(self, payload: memoryview) -> tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(book, (sides, prices, qtys))``: numpy views of the payload, no copy."""
        _t, _seq, book, n = self.head.unpack_from(payload)
        o = self.head.size
        return book, (
            np.frombuffer(payload, dtype=np.uint8, count=n, offset=o),
            np.frombuffer(payload, dtype="<i8", count=n, offset=o + n),
            np.frombuffer(payload, dtype="<u8", count=n, offset=o + 9 * n),
        )

    def describe(self) -> str:
        return "u32 book, u32 n, then n u8 sides, n i64 prices, n u64 quantities"


BATCH = Batch()


@dataclass(frozen=True)
class Levels(Batch):
    """The body of a snapshot load: ``u32 book, u8 sides, u32 n``, then the rows as in a batch.

    ``sides`` says which sides the load replaces (2 bids, 1 asks, 3 both), so an
    empty side (no rows) is still recorded. The rows are the levels as the book
    method was given them after type conversion and ordering (best first)."""

    head: ClassVar[struct.Struct] = struct.Struct(BOOK_HEAD + "BI")

    def encode_levels(
        self, code: int, seq: int, book_id: int, which: int, s: np.ndarray, p: np.ndarray, q: np.ndarray
    ) -> bytes:
        return b"".join(
            (
                self.head.pack(code, seq, book_id, which, len(s)),
                s.tobytes(),
                p.astype("<i8", copy=False).tobytes(),
                q.astype("<u8", copy=False).tobytes(),
            )
        )

    def decode_levels(self, payload: memoryview) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
        """``(book, sides, prices, qtys, row sides)``: numpy views of the payload, no copy."""
        _t, _seq, book, which, n = self.head.unpack_from(payload)
        o = self.head.size
        return (
            book,
            which,
            np.frombuffer(payload, dtype="<i8", count=n, offset=o + n),
            np.frombuffer(payload, dtype="<u8", count=n, offset=o + 9 * n),
            np.frombuffer(payload, dtype=np.uint8, count=n, offset=o),
        )

    def describe(self) -> str:
        return (
            "u32 book, u8 sides (2 bids, 1 asks, 3 both), u32 n, "
            "then n u8 sides, n i64 prices, n u64 quantities"
        )


LEVELS = Levels()


@dataclass(frozen=True)
class Mbo(Batch):
    """The body of an L3 ``apply_mbo`` batch: ``u32 book, u32 n``, then n u8 actions,
    n u64 order ids, n u8 sides, n i64 prices, n u64 quantities."""

    row_bytes: ClassVar[int] = 1 + 8 + 1 + 8 + 8

    def encode_mbo(self, code: int, seq: int, book_id: int, cols: tuple[np.ndarray, ...]) -> bytes:
        a, ids, s, p, q = cols
        return b"".join(
            (
                self.head.pack(code, seq, book_id, len(a)),
                a.tobytes(),
                ids.astype("<u8", copy=False).tobytes(),
                s.tobytes(),
                p.astype("<i8", copy=False).tobytes(),
                q.astype("<u8", copy=False).tobytes(),
            )
        )

    def decode(self, payload: memoryview) -> tuple[int, tuple[np.ndarray, ...]]:  # type: ignore[override]
        """``(book, (actions, order_ids, sides, prices, qtys))``: numpy views, no copy."""
        _t, _seq, book, n = self.head.unpack_from(payload)
        o = self.head.size
        return book, (
            np.frombuffer(payload, dtype=np.uint8, count=n, offset=o),
            np.frombuffer(payload, dtype="<u8", count=n, offset=o + n),
            np.frombuffer(payload, dtype=np.uint8, count=n, offset=o + 9 * n),
            np.frombuffer(payload, dtype="<i8", count=n, offset=o + 10 * n),
            np.frombuffer(payload, dtype="<u8", count=n, offset=o + 18 * n),
        )

    def describe(self) -> str:
        return (
            "u32 book, u32 n, then n u8 actions, n u64 order ids, n u8 sides, n i64 prices, n u64 quantities"
        )


MBO = Mbo()

#: one incoming order of a SUBMIT_MANY record: the C ``tb_match_order`` (32 bytes, little-endian).
#: Written out here because it is a file format that must not change with the C struct
#: (_matchnative.ORDER_DTYPE mirrors the struct); a test holds the two equal.
ORDER_ROW = np.dtype(
    [
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<u8"),
        ("owner", "<u4"),
        ("side", "u1"),
        ("tif", "u1"),
        ("flags", "u1"),
        ("reserved", "u1"),
    ]
)


@dataclass(frozen=True)
class Orders(Batch):
    """The body of a matching-engine ``submit_many`` batch: ``u32 book, u32 n``, then n
    orders of 32 bytes (u64 id, i64 px, u64 qty, u32 owner, u8 side, u8 tif, u8 flags, u8 0)."""

    row_bytes: ClassVar[int] = ORDER_ROW.itemsize

    def encode_orders(self, code: int, seq: int, book_id: int, orders: np.ndarray) -> bytes:
        return (
            self.head.pack(code, seq, book_id, len(orders)) + orders.astype(ORDER_ROW, copy=False).tobytes()
        )

    def decode(self, payload: memoryview) -> tuple[int, tuple[np.ndarray, bool]]:  # type: ignore[override]
        """``(book, (orders, True))``: a structured numpy view (:data:`ORDER_ROW`), no copy,
        and ``events=True`` (replay returns every event of the batch)."""
        _t, _seq, book, n = self.head.unpack_from(payload)
        return book, (np.frombuffer(payload, dtype=ORDER_ROW, count=n, offset=self.head.size), True)

    def describe(self) -> str:
        return (
            "u32 book, u32 n, then n orders of 32 bytes: u64 id, i64 px, u64 qty, u32 owner, "
            "u8 side, u8 tif, u8 flags, u8 0"
        )


ORDERS = Orders()

#: one operation of an APPLY_OPS record: the C ``tb_match_op`` (40 bytes, little-endian),
#: the order's 32 bytes then u8 kind (S / C / M) and 7 zero bytes. A file format, like
#: ORDER_ROW; a test holds it equal to _matchnative.OP_DTYPE.
OP_ROW = np.dtype(
    [
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<u8"),
        ("owner", "<u4"),
        ("side", "u1"),
        ("tif", "u1"),
        ("flags", "u1"),
        ("order_reserved", "u1"),
        ("kind", "u1"),
        ("reserved", "u1", (7,)),
    ]
)


@dataclass(frozen=True)
class MatchOps(Batch):
    """The body of a matching-engine ``apply_ops`` batch: ``u32 book, u32 n``, then n
    operations of 40 bytes (a 32-byte order as SUBMIT_MANY's, u8 kind, 7 zero bytes)."""

    row_bytes: ClassVar[int] = OP_ROW.itemsize

    def encode_ops(self, code: int, seq: int, book_id: int, ops: np.ndarray) -> bytes:
        return self.head.pack(code, seq, book_id, len(ops)) + ops.astype(OP_ROW, copy=False).tobytes()

    def decode(self, payload: memoryview) -> tuple[int, tuple[np.ndarray, bool]]:  # type: ignore[override]
        """``(book, (ops, True))``: a structured numpy view (:data:`OP_ROW`), no copy, and
        ``events=True`` (replay returns every event of the batch)."""
        _t, _seq, book, n = self.head.unpack_from(payload)
        return book, (np.frombuffer(payload, dtype=OP_ROW, count=n, offset=self.head.size), True)

    def describe(self) -> str:
        return (
            "u32 book, u32 n, then n operations of 40 bytes: u64 id, i64 px, u64 qty, u32 owner, "
            "u8 side, u8 tif, u8 flags, u8 0, u8 kind (S submit, C cancel, M modify), 7 zero bytes"
        )


MATCH_OPS = MatchOps()


def levels_rows(
    book: Any, method: str, *args: Any, **kwargs: Any
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """A snapshot load's arguments as ``(sides replaced, row sides, prices, qtys)``, converted,
    type-checked and ordered best first exactly as the book method does it (so a load
    the types refuse is never logged)."""
    bound = inspect.signature(getattr(type(book), method)).bind(book, *args, **kwargs)
    a = bound.arguments
    pd, qd = book._price_dtype, book._qty_dtype
    if method == "load_side":
        side = _args.check_side(a["side"])
        lv = _levels.prepare(side, a["prices"], a["qtys"], pd, qd, ("prices", "qtys"))
        return 2 if side else 1, np.full(len(lv), side, np.uint8), lv.prices, lv.qtys
    bids = _levels.prepare(1, a["bid_prices"], a["bid_qtys"], pd, qd, ("bid_prices", "bid_qtys"))
    asks = _levels.prepare(0, a["ask_prices"], a["ask_qtys"], pd, qd, ("ask_prices", "ask_qtys"))
    sides = np.concatenate((np.ones(len(bids), np.uint8), np.zeros(len(asks), np.uint8)))
    return 3, sides, np.concatenate((bids.prices, asks.prices)), np.concatenate((bids.qtys, asks.qtys))


def levels_call(
    which: int, sides: np.ndarray, prices: np.ndarray, qtys: np.ndarray
) -> tuple[str, tuple[Any, ...]]:
    """The Book method and arguments a load record stands for (live and on replay alike)."""
    if which == 3:
        bid = sides == 1
        return "load_snapshot", (prices[bid], qtys[bid], prices[~bid], qtys[~bid])
    if which in (1, 2):
        return "load_side", (which == 2, prices, qtys)
    raise ValueError(f"a load record replaces sides {which}, which no operation writes")


# ---- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """A recorded Book method: its record and how it is encoded, validated and applied."""

    method: str  #: the Book method a RecordedBook records, then calls
    record: str  #: name of its record type (a RecordType member)
    code: int  #: the record type's code in the log; never reused for another meaning
    body: tuple[Field, ...] | Batch  #: the record body after ``u8 type, u64 seq, u32 book``
    replay_with: str = ""  #: the Book method replay calls, when not ``method`` (same effect, cheaper)
    target: str = "book"  #: the class it records: "book" (Book), "l3" (L3Book), "engine" (MatchingEngine)
    fields: tuple[Field, ...] = field(init=False)  #: the scalar fields (empty for a batch)
    params: tuple[Field, ...] = field(init=False)  #: the fields that are method parameters
    struct: struct.Struct | None = field(init=False)  #: the fixed-size record's layout

    def __post_init__(self) -> None:
        scalar = () if isinstance(self.body, Batch) else self.body
        object.__setattr__(self, "fields", scalar)
        object.__setattr__(self, "params", tuple(f for f in scalar if f.fixed is None))
        layout = (
            None
            if isinstance(self.body, Batch)
            else struct.Struct(BOOK_HEAD + "".join(f.code for f in scalar))
        )
        object.__setattr__(self, "struct", layout)

    @property
    def batch(self) -> bool:
        return isinstance(self.body, Batch)

    @property
    def size(self) -> int:
        """Exact payload bytes of a record of this operation (-1: it depends on the batch)."""
        return -1 if self.struct is None else self.struct.size

    def describe(self) -> str:
        """The record body in words, for documentation."""
        if isinstance(self.body, Batch):
            return self.body.describe()
        short = {"B": "u8", "I": "u32", "q": "i64", "Q": "u64"}
        parts = ["u32 book"] + [f"{short[f.code]} {f.name}" for f in self.fields]
        return ", ".join(parts)

    def explain(self, vals: list[Any]) -> Exception:
        """The error for a call whose (type-checked) values do not fit the record."""
        for f, v in zip(self.params, vals, strict=True):
            try:
                struct.pack("<" + f.code, v)
            except struct.error:
                return f.explain(v)
        return ArgumentTypeError(f"{self.method}: arguments cannot be recorded")  # pragma: no cover


#: The recorded operations: the one table of record codes. Codes 1 (SNAPSHOT) and 12
#: (CHECKPOINT) are the checkpoints'; rows that share a record share its code and body
#: (and its target). A code is never reused for another meaning.
OPS: tuple[Op, ...] = (
    Op("set", "SET", 2, (side(), i64("px"), u64("qty"))),
    Op("apply", "APPLY", 3, BATCH),
    Op("bbo_trace", "APPLY", 3, BATCH, replay_with="apply"),
    Op("reset", "RESET", 4, (i64("anchor"),)),
    Op("reset_at_mid", "RESET_AT_MID", 5, (side(), i64("mid"))),
    Op("recenter_bid", "RECENTER", 6, (side(fixed=1), i64("anchor"))),
    Op("recenter_ask", "RECENTER", 6, (side(fixed=0), i64("anchor"))),
    Op("erase_better", "ERASE_BETTER", 7, (side(), i64("px"))),
    Op("clear", "CLEAR", 8, ()),
    Op("release", "RELEASE", 9, ()),
    Op("reserve_spill", "RESERVE_SPILL", 10, ()),
    Op("load_side", "LOAD", 11, LEVELS),
    Op("load_snapshot", "LOAD", 11, LEVELS),
    # L3Book (order-level) operations; 12 is the typed CHECKPOINT record
    Op("add", "L3_ADD", 13, (u64("order_id"), side(), i64("px"), u64("qty")), target="l3"),
    Op("cancel", "L3_CANCEL", 14, (u64("order_id"),), target="l3"),
    Op("modify", "L3_MODIFY", 15, (u64("order_id"), u64("qty")), target="l3"),
    Op("replace", "L3_REPLACE", 16, (u64("old_id"), u64("new_id"), i64("px"), u64("qty")), target="l3"),
    Op("execute", "L3_EXECUTE", 17, (u64("order_id"), u64("qty")), target="l3"),
    Op("clear", "L3_CLEAR", 18, (), target="l3"),
    Op("reduce", "L3_REDUCE", 19, (u64("order_id"), u64("qty")), target="l3"),
    Op("amend", "L3_AMEND", 20, (u64("order_id"), i64("px"), u64("qty")), target="l3"),
    Op("reset", "L3_RESET", 21, (i64("anchor"),), target="l3"),
    Op("recenter_bid", "L3_RECENTER", 22, (side(fixed=1), i64("anchor")), target="l3"),
    Op("recenter_ask", "L3_RECENTER", 22, (side(fixed=0), i64("anchor")), target="l3"),
    Op("apply_mbo", "L3_MBO", 23, MBO, target="l3"),
    Op("apply_mbo_bbo", "L3_MBO", 23, MBO, replay_with="apply_mbo", target="l3"),
    # MatchingEngine operations: the incoming order as the C engine receives it
    Op(
        "submit",
        "SUBMIT",
        24,
        (u64("order_id"), side(), i64("px"), u64("qty"), u8("tif"), u32("owner"), u8("flags")),
        replay_with="_submit_fields",
        target="engine",
    ),
    Op("cancel", "MATCH_CANCEL", 25, (u64("order_id"),), target="engine"),
    Op("modify", "MATCH_MODIFY", 26, (u64("order_id"), u64("qty")), target="engine"),
    Op("submit_many", "SUBMIT_MANY", 27, ORDERS, replay_with="_submit_orders", target="engine"),
    Op("apply_ops", "APPLY_OPS", 28, MATCH_OPS, replay_with="_apply_op_records", target="engine"),
)

#: The recorded operations of each target class ("book", "l3", "engine").
OPS_OF: Mapping[str, tuple[Op, ...]] = {
    t: tuple(op for op in OPS if op.target == t) for t in ("book", "l3", "engine")
}

#: The checkpoint record: the dumps of every book (tapebook.persist.checkpoint).
SNAPSHOT = ("SNAPSHOT", 1)
#: The typed checkpoint record: every object's kind and shape next to its dump
#: (written when a Recorder holds an L3Book or a MatchingEngine).
CHECKPOINT = ("CHECKPOINT", 12)
#: the record codes that hold a checkpoint
CHECKPOINT_CODES = (SNAPSHOT[1], CHECKPOINT[1])

#: Errors a recorded call may raise after it was logged, because the book refused
#: the values; replay meets the same refusal and goes on.
REPLAYED_ERRORS = (
    InvalidArgumentError,
    ArgumentTypeError,
    IntegerRangeError,
    TapebookMemoryError,
    UnknownOrderError,
    CapacityError,
)

#: Book members a RecordedBook passes straight to its book: they do not change it.
#: (``handle``, ``owner``, ``tier``: a PooledBook's.)
QUERIES = (
    "anchor",
    "anchor_range",
    "bbo",
    "best_ask_px",
    "best_ask_qty",
    "best_bid_px",
    "best_bid_qty",
    "closed",
    "crossed",
    "crossed_on_tape",
    "depth",
    "dumps",
    "handle",
    "levels",
    "levels_array",
    "loads",
    "max_cap",
    "n",
    "nbytes",
    "owner",
    "pool",
    "price_bits",
    "price_range",
    "qty_at",
    "snapshot",
    "stats",
    "tier",
    "to_dict",
    "top",
    "verify_invariants",
)

#: Mapping-style views built over the RecordedBook itself (name -> side), so that
#: ``rb.bids[px] = qty`` goes through the recorded ``set``.
VIEWS: Mapping[str, int] = {"asks": 0, "bids": 1}

#: Book methods a RecordedBook refuses, with the reason the error gives.
REFUSED: Mapping[str, str] = {
    "close": "close the Book itself (RecordedBook.book), or the Recorder",
    "load_into": "a restore is not an update the log can replay; write a checkpoint after restoring the book",
}


#: L3Book members a RecordedL3Book passes straight to its book: they do not change it.
L3_QUERIES = (
    "anchor",
    "bbo",
    "best_ask_px",
    "best_ask_qty",
    "best_bid_px",
    "best_bid_qty",
    "closed",
    "crossed",
    "depth",
    "dumps",
    "level_orders",
    "levels",
    "loads",
    "max_cap",
    "max_orders",
    "n",
    "order",
    "price_bits",
    "price_range",
    "qty_at",
    "queue_position",
    "snapshot",
    "stats",
    "top",
    "verify_invariants",
)

#: MatchingEngine members a RecordedEngine passes straight to its engine.
#: (``book`` is the engine's read-only L3 view: its mutators refuse.)
ENGINE_QUERIES = (
    "book",
    "dumps",
    "loads",
    "max_cap",
    "max_orders",
    "n",
    "owner_of",
    "price_bits",
    "qty_max",
    "seq",
    "stats",
    "stp",
    "verify_invariants",
)

#: L3Book / MatchingEngine methods their recorded wrappers refuse, with the reason.
L3_REFUSED: Mapping[str, str] = REFUSED
ENGINE_REFUSED: Mapping[str, str] = {
    "load_into": REFUSED["load_into"],
}


def by_code() -> dict[int, tuple[Op, ...]]:
    """Record code -> the operations it carries (checked to agree on name and body)."""
    out: dict[int, list[Op]] = {}
    for op in OPS:
        out.setdefault(op.code, []).append(op)
    for code, ops in out.items():
        first = ops[0]
        for op in ops[1:]:
            same_body = op.batch == first.batch and (
                type(op.body) is type(first.body)
                if op.batch
                else [(f.name, f.code) for f in op.fields] == [(f.name, f.code) for f in first.fields]
            )
            if op.record != first.record or op.target != first.target or not same_body:  # pragma: no cover
                raise AssertionError(f"record code {code}: {first.method} and {op.method} disagree")
    assert not set(CHECKPOINT_CODES) & set(out), "record codes 1 and 12 are the checkpoints'"
    assert len({op.record for op in OPS}) == len(out), "one record name per code"
    return {code: tuple(ops) for code, ops in out.items()}


BY_CODE = by_code()


def batch_args(book: Any, sides: Any, prices: Any, qtys: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch's buffers converted and checked exactly as the book's batch call would."""
    return coerce_batch(sides, prices, qtys, book._price_dtype, book._qty_dtype)
