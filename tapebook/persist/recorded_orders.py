"""Write-ahead recording of order-level objects: :class:`RecordedL3Book` (an
:class:`~tapebook.L3Book`) and :class:`RecordedEngine` (a
:class:`~tapebook.MatchingEngine`), the counterparts of
:class:`~tapebook.persist.RecordedBook`.

Their surfaces come from the table in :mod:`tapebook.persist.ops` (the rows
with target ``"l3"`` / ``"engine"``, and the query and refusal lists).

Only accepted operations stay in the log. An argument is converted and
type-checked before anything is written (so the record holds exactly what
the live call receives); then the record is written, the live call made, and
if the object refuses the values (an unknown or duplicate id, a full book, a
zero quantity ...) the record is taken back off the log before the error is
raised (:meth:`~tapebook.persist.Recorder._retract`). A refused L3 or engine call changes
nothing, so in the one case the record cannot be taken back (a crash between
the write and the refusal, or a file object the Recorder cannot truncate)
replay meets the same refusal and the state is still exact.
"""

from __future__ import annotations

import inspect
import operator
import struct
from collections.abc import Callable
from typing import Any

from ..errors import BatchError, ClosedError, NotRecordedError, TapebookError
from ..l3book import L3Book
from ..matching import MatchingEngine
from .logformat import frame as framed
from .logformat import framer
from .ops import (
    ENGINE_QUERIES,
    ENGINE_REFUSED,
    L3_QUERIES,
    L3_REFUSED,
    MATCH_OPS,
    MBO,
    OPS_OF,
    ORDERS,
    MatchOps,
    Mbo,
    Op,
    Orders,
)


class _Recorded:
    """What RecordedL3Book and RecordedEngine share: the log-then-apply step."""

    __slots__ = ("_book", "_id", "_rec", "name")

    def __init__(self, rec: Any, book_id: int, name: str, obj: Any) -> None:
        # rec: the Recorder (not imported: it imports this module)
        self._rec = rec
        self._id = book_id
        self.name = name
        self._book = obj

    def _check_open(self) -> None:
        if getattr(self._book, "closed", False):
            raise ClosedError(f"{self.name!r} is closed")
        if self._rec._closed:
            raise ClosedError("the Recorder is closed")

    def _logged(self, record: bytes, call: Callable[..., Any], args: Any) -> Any:
        """Write ``record``, then ``call(*args)``; a refusal takes the record back."""
        self._check_open()
        rec = self._rec
        rec._write(record)
        try:
            out = call(*args)
        except TapebookError:
            rec._retract(len(record))
            raise
        rec._count_update()
        return out

    def __len__(self) -> int:
        return len(self._book)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self._book!r}>"


class RecordedL3Book(_Recorded):
    """An :class:`~tapebook.L3Book` whose updates go through a :class:`Recorder`:
    ``add``, ``cancel``, ``modify``, ``replace``, ``execute``, ``reduce``,
    ``amend``, ``clear``, ``reset``, ``recenter_*`` and ``apply_mbo`` (one record
    per batch) are logged and applied; the queries pass to the book; ``close``
    and ``load_into`` are refused. Update the book through this object only."""

    __slots__ = ()

    @property
    def book(self) -> L3Book:
        """The underlying L3 book (do not update it directly)."""
        return self._book  # type: ignore[no-any-return]

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._book


class RecordedEngine(_Recorded):
    """A :class:`~tapebook.MatchingEngine` whose ``submit``, ``cancel``, ``modify``
    and ``submit_many`` (one record per batch) go through a :class:`Recorder`, so
    that a replay reproduces every event and the state byte for byte. The
    queries pass to the engine; ``load_into`` is refused."""

    __slots__ = ()

    @property
    def engine(self) -> MatchingEngine:
        """The underlying engine (do not update it directly)."""
        return self._book  # type: ignore[no-any-return]


# ---- the recorded methods, from the table ---------------------------------------------------


# The recorded method of a row with scalar fields, written out per row (as RecordedBook's
# are) so that it has the wrapped method's signature and no generic loop: check the
# argument types, pack the record, refuse a value it cannot hold, log, call, and take the
# record back when the call is refused.
_SCALAR = """
def {name}(self, {params}):
{checks}    rec = self._rec
    try:
        payload = pack(CODE, rec._seq + 1, self._id, {fields})
    except struct_error:
        raise op.explain([{params}]) from None
    if rec._closed:
        self._check_open()
    record = framed(payload)
    rec._emit(record)
    rec._seq += 1
    try:
        out = self._book.{name}({params})
    except TapebookError:
        rec._retract(len(record))
        raise
    rec._left -= 1
    if not rec._left:
        rec._periodic_checkpoint()
    return out
"""
_CHECK = "    if {p}.__class__ not in EXACT_{i}:\n        {p} = CONVERT_{i}({p!r}, {p})\n"


def _scalar(op: Op, cls: type) -> Callable[..., Any]:
    """A row with scalar fields: convert and check the arguments, pack, log, apply."""
    assert op.struct is not None
    params = [f.name for f in op.params]
    env: dict[str, Any] = {
        "__name__": __name__,
        "pack": op.struct.pack,
        "CODE": op.code,
        "struct_error": struct.error,
        "op": op,
        "framed": framer(op.size),
        "TapebookError": TapebookError,
    }
    for i, f in enumerate(op.params):
        env[f"EXACT_{i}"], env[f"CONVERT_{i}"] = f.exact, f.convert
    assert not set(params) & {"self", "rec", "payload", "record", "out", *env}, (
        f"{op.method}: rename a parameter"
    )
    src = _SCALAR.format(
        name=op.method,
        params=", ".join(params),
        checks="".join(_CHECK.format(p=p, i=i) for i, p in enumerate(params)),
        fields=", ".join(f.name if f.fixed is None else str(f.fixed) for f in op.fields),
    )
    exec(compile(src, f"<{cls.__name__}.{op.method}, from tapebook/persist/ops.py>", "exec"), env)
    method: Callable[..., Any] = env[op.method]
    return method


def _mbo(op: Op) -> Callable[..., Any]:
    """``apply_mbo`` / ``apply_mbo_bbo``: the columns converted as the book converts them."""
    assert isinstance(op.body, Mbo)
    code, method_name = op.code, op.method

    def method(self: RecordedL3Book, actions: Any, order_ids: Any, sides: Any, prices: Any, qtys: Any) -> Any:
        cols = self._book._mbo_columns(actions, order_ids, sides, prices, qtys)
        record = framed(MBO.encode_mbo(code, self._rec._seq + 1, self._id, cols))
        return self._logged(record, getattr(self._book, method_name), cols)

    method.__signature__ = inspect.signature(getattr(L3Book, op.method))  # type: ignore[attr-defined]
    return method


def _submit(op: Op) -> Callable[..., Any]:
    """``submit``: its arguments become the C order's fields (market / post-only /
    bound folded into flags and px) exactly as the engine derives them."""
    assert op.struct is not None
    pack, code, frame = op.struct.pack, op.code, framer(op.size)

    def submit(
        self: RecordedEngine,
        order_id: int,
        side: Any,
        px: int | None,
        qty: int,
        tif: str = "gtc",
        owner: int = 0,
        post_only: bool = False,
        *,
        bound: int | None = None,
    ) -> Any:
        eng = self._book
        fields = eng._order_fields(order_id, side, px, qty, tif, owner, post_only, bound)
        eng._claim_scratch("submit")  # the engine's C order is set here and submitted below
        try:
            eng._set_order(*fields)  # type and range checks: what it accepts fits the record
            payload = pack(code, self._rec._seq + 1, self._id, *fields)
            # the order is set in the engine already: submit it as it is (replay sets the same fields)
            return self._logged(frame(payload), eng._submit_set, ())
        finally:
            eng._unclaim()

    submit.__signature__ = inspect.signature(MatchingEngine.submit)  # type: ignore[attr-defined]
    return submit


def _submit_many(op: Op) -> Callable[..., Any]:
    """``submit_many``: one record per batch. A row the engine refuses stops the batch
    (:class:`BatchError`) after the rows before it were applied: the record is
    rewritten to hold exactly those rows."""
    assert isinstance(op.body, Orders)
    code = op.code

    def submit_many(
        self: RecordedEngine,
        order_ids: Any,
        sides: Any,
        prices: Any,
        qtys: Any,
        tifs: Any = None,
        owners: Any = None,
        flags: Any = None,
        *,
        events: bool = False,
    ) -> Any:
        eng = self._book
        orders = eng._order_columns(order_ids, sides, prices, qtys, tifs, owners, flags)
        rec = self._rec
        record = framed(ORDERS.encode_orders(code, rec._seq + 1, self._id, orders))
        self._check_open()
        rec._write(record)
        try:
            out = eng._submit_orders(orders, events)
        except BatchError as e:
            rec._retract(len(record))
            done = e.index if isinstance(e.index, int) else 0
            if done:  # the rows before the refused one were applied: log exactly them
                rec._write(framed(ORDERS.encode_orders(code, rec._seq + 1, self._id, orders[:done])))
                rec._count_update()
            raise
        except TapebookError:
            rec._retract(len(record))
            raise
        rec._count_update()
        return out

    submit_many.__signature__ = inspect.signature(MatchingEngine.submit_many)  # type: ignore[attr-defined]
    return submit_many


def _apply_ops(op: Op) -> Callable[..., Any]:
    """``apply_ops``: one record per batch. A refused operation changes nothing and the
    batch goes on, live and on replay alike, so the record holds every operation; only
    a call refused as a whole (busy, closed) takes the record back."""
    assert isinstance(op.body, MatchOps)
    code = op.code

    def apply_ops(
        self: RecordedEngine,
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
    ) -> Any:
        eng = self._book
        ops = eng._op_columns(actions, order_ids, sides, prices, qtys, tifs, owners, flags)
        rec = self._rec
        record = framed(MATCH_OPS.encode_ops(code, rec._seq + 1, self._id, ops))
        self._check_open()
        rec._write(record)
        try:
            out = eng._apply_op_records(ops, events)
        except TapebookError:
            rec._retract(len(record))
            raise
        rec._count_update()
        return out

    apply_ops.__signature__ = inspect.signature(MatchingEngine.apply_ops)  # type: ignore[attr-defined]
    return apply_ops


def query(name: str, source: type) -> property:
    """A read-only member passed to the wrapped object."""
    return property(
        operator.attrgetter(f"_book.{name}"),
        doc=f"The wrapped object's :attr:`~tapebook.{source.__name__}.{name}` (read only, passed on).",
    )


def refused(owner: str, name: str, why: str) -> Callable[..., Any]:
    """A method the wrapper refuses (:class:`NotRecordedError`)."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotRecordedError(f"{owner}.{name}: not recorded; {why}")

    refuse.__name__ = name
    refuse.__qualname__ = f"{owner}.{name}"
    refuse.__doc__ = f"Refused: {why}."
    return refuse


def _install(cls: type, target: str, source: type, queries: tuple[str, ...], refusals: Any) -> None:
    for op in OPS_OF[target]:
        if isinstance(op.body, Mbo):
            m = _mbo(op)
        elif isinstance(op.body, Orders):
            m = _submit_many(op)
        elif isinstance(op.body, MatchOps):
            m = _apply_ops(op)
        elif op.replay_with == "_submit_fields":
            m = _submit(op)
        else:
            m = _scalar(op, source)
        m.__name__ = op.method
        m.__qualname__ = f"{cls.__name__}.{op.method}"
        m.__doc__ = f"Log an {op.record} record, then :meth:`{source.__name__}.{op.method}`."
        setattr(cls, op.method, m)
    for name in queries:
        setattr(cls, name, query(name, source))
    for name, why in refusals.items():
        setattr(cls, name, refused(cls.__name__, name, why))


_install(RecordedL3Book, "l3", L3Book, L3_QUERIES, L3_REFUSED)
_install(RecordedEngine, "engine", MatchingEngine, ENGINE_QUERIES, ENGINE_REFUSED)
