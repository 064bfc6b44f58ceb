"""Write-ahead recording: :class:`Recorder` logs every update before it is applied.

A :class:`RecordedBook` has exactly the surface the table in
:mod:`tapebook.persist.ops` gives it: the recorded operations (generated from
:data:`~tapebook.persist.ops.OPS`), the read-only queries passed to the book,
the mapping views, and the refused methods. Nothing else reaches the book, so
a new mutating Book method cannot change a recorded book without being logged.
"""

from __future__ import annotations

import inspect
import operator
import os
import struct
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

from .. import _args
from ..book import Book, SideView
from ..errors import ArgumentTypeError, ClosedError, InvalidArgumentError, NotRecordedError, TapebookError
from ..l3book import L3Book
from ..l3view import L3BookView
from ..matching import MatchingEngine
from ..multi import MultiBookPool
from .checkpoint import Checkpoint, Shape
from .logformat import LOG_MAGIC, frame, framer, repair
from .ops import (
    BATCH,
    LEVELS,
    OPS_OF,
    QUERIES,
    REFUSED,
    VIEWS,
    Levels,
    Op,
    batch_args,
    levels_call,
    levels_rows,
)
from .recorded_orders import RecordedEngine, RecordedL3Book

DURABILITY = ("buffered", "flush", "fsync")
_BUFFER = 1 << 16  #: bytes of records kept by durability="buffered" before a write


class LogWriteError(TapebookError, OSError):
    """Writing the update log failed (a full disk, a file size limit, ...).

    ``update_applied`` says whether the update of the failing call was applied
    to the book: False when its record could not be written (the log file is
    back at the last acknowledged record and the Recorder can go on once space
    returns), True when the update was logged and applied and only the periodic
    checkpoint after it failed (it is retried after the next update).
    ``broken``: the Recorder refuses further updates (records it had buffered
    were lost; the file holds every record before them)."""

    def __init__(self, message: str, update_applied: bool, broken: bool = False) -> None:
        super().__init__(message)
        self.update_applied = update_applied
        self.broken = broken


_U32 = struct.Struct("<I")


class RecordedBook:
    """A book whose updates go through a :class:`Recorder`: each mutating call
    is written to the log first, then applied to the book.

    Its members come from the table of :mod:`tapebook.persist.ops`: the
    recorded operations (``set``, ``apply``, ``reset``, ...), the read-only
    queries passed straight to the book (``best_bid_px``, ``levels``,
    ``snapshot``, ...), the ``bids`` / ``asks`` views (their writes are
    recorded) and the methods it refuses (``load_into``, ``close``). Update the
    book through this object, not directly, or replay will not see it."""

    __slots__ = ("_book", "_id", "_rec", "name")

    def __init__(self, rec: Recorder, book_id: int, name: str, book: Book) -> None:
        self._rec = rec
        self._id = book_id
        self.name = name
        self._book = book

    @property
    def book(self) -> Book:
        """The underlying book (do not update it directly)."""
        return self._book

    def _check_open(self) -> None:
        if self._book._closed:
            raise ClosedError(f"book {self.name!r} is closed")
        if self._rec._closed:
            raise ClosedError("the Recorder is closed")

    def __len__(self) -> int:
        return len(self._book)

    def __repr__(self) -> str:
        return f"<RecordedBook {self.name!r} {self._book!r}>"


# ---- RecordedBook's members, from the table -------------------------------------------------


# The recorded method of a row with scalar fields, written out per row (as namedtuple and
# dataclasses do) so that it has the Book method's signature and costs no generic loop:
# check the argument types, pack the record, refuse a value it cannot hold, log, apply.
_SCALAR = """
def {name}(self, {params}):
{checks}    rec = self._rec
    try:
        payload = pack(CODE, rec._seq + 1, self._id, {fields})
    except struct_error:
        raise op.explain([{params}]) from None
    book = self._book
    if book._closed or rec._closed:
        self._check_open()
    rec._emit(framed(payload))
    rec._seq += 1
    try:
        return book.{name}({params})
    finally:
        rec._left -= 1
        if not rec._left:
            rec._periodic_checkpoint()
"""
_CHECK = "    if {p}.__class__ not in EXACT_{i}:\n        {p} = CONVERT_{i}({p!r}, {p})\n"


def _recorded(op: Op) -> Callable[..., Any]:
    """The RecordedBook method of one row of the table: validate, log, apply."""
    name, code = op.method, op.code
    if isinstance(op.body, Levels):

        def method(self: RecordedBook, *args: Any, **kwargs: Any) -> Any:
            book = self._book
            which, s, p, q = levels_rows(book, name, *args, **kwargs)
            self._check_open()
            rec = self._rec
            rec._write(frame(LEVELS.encode_levels(code, rec._seq + 1, self._id, which, s, p, q)))
            call, call_args = levels_call(which, s, p, q)
            try:
                return getattr(book, call)(*call_args)
            finally:
                rec._count_update()

        method.__signature__ = inspect.signature(getattr(Book, name))  # type: ignore[attr-defined]

    elif op.batch:

        def method(self: RecordedBook, sides: Any, prices: Any, qtys: Any) -> Any:
            book = self._book
            s, p, q = batch_args(book, sides, prices, qtys)
            self._check_open()
            rec = self._rec
            rec._write(frame(BATCH.encode(code, rec._seq + 1, self._id, s, p, q)))
            try:
                return getattr(book, name)(s, p, q)
            finally:
                rec._count_update()

    else:
        assert op.struct is not None
        params = [f.name for f in op.params]
        env: dict[str, Any] = {
            "__name__": __name__,
            "pack": op.struct.pack,
            "CODE": code,
            "struct_error": struct.error,
            "op": op,
            "framed": framer(op.size),
        }
        for i, f in enumerate(op.params):
            env[f"EXACT_{i}"], env[f"CONVERT_{i}"] = f.exact, f.convert
        assert not set(params) & {"self", "rec", "book", "payload", *env}, f"{name}: rename a parameter"
        src = _SCALAR.format(
            name=name,
            params=", ".join(params),
            checks="".join(_CHECK.format(p=p, i=i) for i, p in enumerate(params)),
            fields=", ".join(f.name if f.fixed is None else str(f.fixed) for f in op.fields),
        )
        exec(compile(src, f"<RecordedBook.{name}, from tapebook/persist/ops.py>", "exec"), env)
        method = env[name]

    method.__name__ = name
    method.__qualname__ = f"RecordedBook.{name}"
    method.__doc__ = f"Log a {op.record} record, then :meth:`Book.{name}`."
    return method


def _query(name: str) -> property:
    return property(
        operator.attrgetter(f"_book.{name}"),
        doc=f"The book's :attr:`~tapebook.Book.{name}` (a read-only query, passed to the book).",
    )


def _view(side: int) -> property:
    return property(lambda self: SideView(self, side), doc="A mapping-style view whose writes are recorded.")


def _refused(name: str, why: str) -> Callable[..., Any]:
    def refuse(self: RecordedBook, *args: Any, **kwargs: Any) -> Any:
        raise NotRecordedError(f"RecordedBook.{name}: not recorded; {why}")

    refuse.__name__ = name
    refuse.__qualname__ = f"RecordedBook.{name}"
    refuse.__doc__ = f"Refused: {why}."
    return refuse


for _op in OPS_OF["book"]:
    setattr(RecordedBook, _op.method, _recorded(_op))
for _name in QUERIES:
    setattr(RecordedBook, _name, _query(_name))
for _name, _side in VIEWS.items():
    setattr(RecordedBook, _name, _view(_side))
for _name, _why in REFUSED.items():
    setattr(RecordedBook, _name, _refused(_name, _why))
del _op, _name, _side, _why


# ---- the Recorder -------------------------------------------------------------------------------


#: what a Recorder records: class -> (its wrapper, the target of its rows in OPS)
_RECORDED: dict[type, tuple[type, str]] = {
    Book: (RecordedBook, "book"),
    L3Book: (RecordedL3Book, "l3"),
    MatchingEngine: (RecordedEngine, "engine"),
}
_ACCEPTS = "a Book, an L3Book, a MatchingEngine, a mapping of str -> those, a Venue or a MultiBookPool"


def _recordable(x: Any) -> bool:
    return isinstance(x, (Book, L3Book, MatchingEngine)) and not isinstance(x, L3BookView)


def _named_books(target: Any) -> dict[str, Any]:
    if _recordable(target):
        return {"book": target}
    if isinstance(target, L3BookView):
        raise ArgumentTypeError("a MatchingEngine's book is read only: record the MatchingEngine itself")
    if isinstance(target, MultiBookPool):  # its live books, named "<tier>:<handle>"
        live = sorted(target.books(), key=lambda b: b.handle)
        return _named_books({f"{b.tier.name.lower()}:{b.handle:#x}": b for b in live})
    books = getattr(target, "books", target)
    if isinstance(books, Mapping):
        out = {}
        for name, b in books.items():
            if not isinstance(name, str) or not _recordable(b):
                raise ArgumentTypeError(f"Recorder needs {_ACCEPTS}")
            out[name] = b
        if not out:
            raise InvalidArgumentError("Recorder needs at least one book")
        return out
    raise ArgumentTypeError(f"Recorder needs {_ACCEPTS}, got {type(target).__name__}")


def _wrapper(obj: Any) -> tuple[type, str]:
    for cls in type(obj).__mro__:
        if cls in _RECORDED:
            return _RECORDED[cls]
    raise AssertionError(f"not recordable: {type(obj).__name__}")  # pragma: no cover


class Recorder:
    """Write-ahead logging of book updates.

    Args:
        target: a :class:`Book`, an :class:`~tapebook.L3Book` or a
            :class:`~tapebook.MatchingEngine` (logged under the name ``"book"``),
            a mapping ``{name: any of those}``, a :class:`~tapebook.config.Venue`
            (its books by symbol) or a :class:`~tapebook.MultiBookPool` (its live
            books, named ``"<tier>:<handle>"``).
        log: a path, or a writable binary file object (not closed by the Recorder).
        snapshot_every: write a checkpoint of every book after this many update
            records (0: only the initial one and explicit :meth:`checkpoint` calls).
        durability: ``"flush"`` (default: each record is handed to the OS
            before the update is applied — survives a crash of the process),
            ``"fsync"`` (also forced to the disk — survives a power cut, much
            slower) or ``"buffered"`` (records reach the file when the buffer
            fills or on :meth:`flush` / :meth:`close`).
        mode: ``"x"`` create a new log (error if it exists), ``"w"``
            overwrite, ``"a"`` append to an existing log: it is recovered
            first (a torn tail is truncated; a corrupt log raises) and a
            checkpoint of the books' current state is written.

    The first record of a new log is a checkpoint, so a log always replays on
    its own. ``rec["name"]`` is the :class:`RecordedBook` (or
    :class:`~tapebook.persist.RecordedL3Book`, :class:`~tapebook.persist.RecordedEngine`)
    to update; with a single object, the Recorder itself has its recorded
    operations (``set``, ``apply``, ``add``, ``submit``, ...) and passes its other
    members on to it. A log holding only Books checkpoints them in SNAPSHOT
    records; with an L3Book or a MatchingEngine, every checkpoint is a typed
    CHECKPOINT record (each object's kind and shape next to its dump).
    """

    def __init__(
        self,
        target: Any,
        log: Any,
        *,
        snapshot_every: int = 100_000,
        durability: str = "flush",
        mode: str = "x",
    ) -> None:
        books = _named_books(target)
        self._every = _args.check_range("snapshot_every", snapshot_every, 0, 2**62, "count")
        if durability not in DURABILITY:
            raise InvalidArgumentError(f"durability must be one of {DURABILITY}, got {durability!r}")
        if mode not in ("x", "w", "a"):
            raise InvalidArgumentError(f"mode must be 'x', 'w' or 'a', got {mode!r}")
        self._closed = True
        self._seq = -1
        self._left = -1
        self._checkpoints = 0
        self._owns = isinstance(log, (str, os.PathLike))
        start_header = True
        if self._owns:
            if mode == "a" and os.path.exists(log):
                rec = repair(log)
                self._seq = rec.last_seq
                start_header = rec.valid_length < len(LOG_MAGIC)
                if start_header:
                    with open(log, "r+b") as f:
                        f.truncate(0)
            # unbuffered: the Recorder buffers records itself, so a failed write can be
            # cut back off the file (a file object's buffer would keep its bytes)
            self._f: BinaryIO = open(log, "ab" if mode == "a" else mode + "b", buffering=0)  # noqa: SIM115
        else:
            if not hasattr(log, "write"):
                raise ArgumentTypeError(
                    f"log must be a path or a writable binary file, got {type(log).__name__}"
                )
            self._f = log
        self._flush = durability != "buffered"
        self._fsync = durability == "fsync"
        self._buf = bytearray()  # records not yet written (durability="buffered")
        self._broken = ""
        self._pos = self._f.seek(0, os.SEEK_END) if self._owns else 0  # bytes acknowledged
        self._closed = False
        if start_header:
            self._emit(LOG_MAGIC)
        self.books = {name: _wrapper(b)[0](self, i, name, b) for i, (name, b) in enumerate(books.items())}
        # a log of L2 books only keeps the SNAPSHOT checkpoint; any other object needs the typed one
        self._typed = any(not isinstance(b, Book) for b in books.values())
        self._last_checkpoint = self.checkpoint()
        if len(self.books) == 1:  # the recorded operations without a __getattr__ lookup
            only = next(iter(self.books.values()))
            for op in OPS_OF[_wrapper(only._book)[1]]:
                setattr(self, op.method, getattr(only, op.method))

    def __getitem__(self, name: str) -> RecordedBook:
        return self.books[name]

    def __getattr__(self, name: str) -> Any:
        # single-book Recorder: the RecordedBook's members (queries, views, refusals)
        if name.startswith("_") or name == "books" or len(self.__dict__.get("books", ())) != 1:
            raise AttributeError(name)
        return getattr(next(iter(self.books.values())), name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.books)

    @property
    def book(self) -> RecordedBook:
        """The only book (error when the Recorder has several)."""
        if len(self.books) != 1:
            raise InvalidArgumentError(f"this Recorder has {len(self.books)} books; use rec[name]")
        return next(iter(self.books.values()))

    @property
    def seq(self) -> int:
        """Sequence number of the last record written."""
        return self._seq

    @property
    def last_checkpoint(self) -> Checkpoint:
        """The last checkpoint written."""
        return self._last_checkpoint

    last_snapshot = last_checkpoint  #: the former name of :attr:`last_checkpoint`

    def _write(self, record: bytes) -> None:
        """Append one framed record (and hand it to the OS unless buffered)."""
        self._emit(record)
        self._seq += 1

    def _count_update(self) -> None:
        self._left -= 1
        if not self._left:
            self._periodic_checkpoint()

    def _periodic_checkpoint(self) -> None:
        # after an applied update: a failure must not read as "the update failed"
        try:
            self.checkpoint()
        except LogWriteError as e:
            self._left = 1  # retried after the next update
            raise LogWriteError(
                f"the update was logged and applied, but the checkpoint after it failed: {e}",
                update_applied=True,
                broken=e.broken,
            ) from e

    def _emit(self, record: bytes) -> None:
        """Append one framed record: with durability flush/fsync it reaches the OS
        now, all or nothing: a failed write is cut back off the file (the file and
        the Recorder are as before the call, :class:`LogWriteError`)."""
        if self._broken:
            raise LogWriteError(
                f"the Recorder is unusable: {self._broken}", update_applied=False, broken=True
            )
        self._buf += record
        if self._flush or len(self._buf) >= _BUFFER:
            self._write_out()

    def _write_out(self) -> None:
        if not self._buf:
            return
        data = bytes(self._buf)
        try:
            done = 0
            while done < len(data):
                n = self._f.write(data[done:])
                done += len(data) - done if n is None else n
            if not self._owns:
                self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())
        except OSError as e:
            lost_acknowledged = not self._flush  # buffered records were applied already
            del self._buf[:]
            try:
                if not self._owns:
                    raise OSError("cannot cut back a log file object the Recorder did not open")
                os.ftruncate(self._f.fileno(), self._pos)
                self._f.seek(self._pos)
            except OSError as e2:
                self._broken = (
                    f"a failed write could not be undone ({e2}); the log holds the records before it"
                )
                raise LogWriteError(
                    f"update log write failed: {e}; {self._broken}", update_applied=False, broken=True
                ) from e
            if lost_acknowledged:
                self._broken = f"buffered records were lost in a failed write ({e})"
            raise LogWriteError(
                f"update log write failed: {e}" + (f"; {self._broken}" if self._broken else ""),
                update_applied=False,
                broken=bool(self._broken),
            ) from e
        self._pos += len(data)
        del self._buf[:]

    def _retract(self, nbytes: int) -> None:
        """Take the record just written (its last ``nbytes``) back off the log: the
        live call refused it. Buffered records are dropped; a written one is cut off
        the file. Where that is impossible (a file object that cannot truncate, an
        OS error) the record stays: the refused call changed nothing, and replay
        meets the same refusal, so the state replayed is still exact."""
        if len(self._buf) >= nbytes:
            del self._buf[-nbytes:]
        else:
            try:
                if self._owns:
                    os.ftruncate(self._f.fileno(), self._pos - nbytes)
                    self._f.seek(self._pos - nbytes)
                else:
                    end = self._f.tell()
                    self._f.truncate(end - nbytes)
                    self._f.seek(end - nbytes)
            except (OSError, ValueError, AttributeError):
                return
            self._pos -= nbytes
        self._seq -= 1

    def checkpoint(self) -> Checkpoint:
        """Write a checkpoint record (the dumps of every book) now and return it."""
        if self._closed:
            raise ClosedError("the Recorder is closed")
        dumps = {name: rb._book.dumps() for name, rb in self.books.items()}
        shapes = {name: Shape.of(rb._book) for name, rb in self.books.items()} if self._typed else {}
        cp = Checkpoint(self._seq + 1, dumps, shapes)
        self._write(frame(cp.payload()))
        self._left = self._every or -1  # counts down to the next checkpoint; -1: never
        self._checkpoints += 1
        self._last_checkpoint = cp
        return cp

    snapshot = checkpoint  #: the former name of :meth:`checkpoint`

    def flush(self) -> None:
        """Hand buffered records to the OS (and fsync with durability="fsync")."""
        self._write_out()
        self._f.flush()
        if self._fsync:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        """Flush and, when the Recorder opened the file, close it. Twice is harmless."""
        if self._closed:
            return
        self.flush()
        if self._owns:
            self._f.close()
        self._closed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"seq={self._seq}"
        return f"<Recorder {len(self.books)} book(s), {state}, {self._checkpoints} checkpoint(s)>"
