"""Replay: rebuild the exact state of the books from a log (a checkpoint, then
the records after it), dispatching every record through the table of
operations in :mod:`tapebook.persist.ops`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..book import Book
from ..errors import FormatError, InvalidArgumentError
from .checkpoint import Checkpoint
from .logformat import Record, RecordType, Recovery, recover
from .ops import BATCH, BY_CODE, REPLAYED_ERRORS, Op


@dataclass
class Replay:
    """The result of :func:`replay`."""

    books: dict[str, Book]
    seq: int  #: sequence number of the last record replayed
    applied: int  #: update records applied after the starting checkpoint
    start_seq: int  #: sequence number of the starting checkpoint
    recovery: Recovery

    @property
    def book(self) -> Book:
        """The only book (error when there are several)."""
        if len(self.books) != 1:
            raise InvalidArgumentError(f"the replay has {len(self.books)} books; use .books[name]")
        return next(iter(self.books.values()))


def _decode(r: Record) -> tuple[Op, int, tuple[Any, ...]]:
    """The operation a record carries, its book index and the method's arguments."""
    ops = BY_CODE[r.type]
    if ops[0].batch:
        book, args = BATCH.decode(r.payload)
        return ops[0], book, args
    _t, _seq, book, *fields = ops[0].struct.unpack_from(r.payload)  # type: ignore[union-attr]
    for op in ops:  # rows sharing a record differ in their fixed fields (RECENTER: the side)
        if all(f.fixed is None or f.fixed == v for f, v in zip(op.fields, fields, strict=True)):
            args = tuple(v for f, v in zip(op.fields, fields, strict=True) if f.fixed is None)
            return op, book, args
    # CRC-valid but written by no Recorder (e.g. RECENTER with side 2): refuse, do not guess
    raise FormatError(f"record {r.seq} ({r.type.name}) has fields {fields}, which no operation writes")


def apply_record(r: Record, books: list[Book]) -> None:
    """Apply one update record to ``books`` (indexed as in the checkpoint)."""
    op, bid, args = _decode(r)
    try:
        book = books[bid]
    except IndexError:
        raise FormatError(f"record {r.seq} names book {bid}, which the checkpoint does not have") from None
    # the live update raised the same error and changed nothing (or applied the same rows);
    # try/except costs less per record than contextlib.suppress
    try:  # noqa: SIM105
        getattr(book, op.replay_with or op.method)(*args)
    except REPLAYED_ERRORS:
        pass


def replay(
    log: Any,
    snapshot: Checkpoint | bytes | None = None,
    *,
    into: Mapping[str, Book] | Book | None = None,
    pool: Any = None,
    from_start: bool = False,
    verify: bool = False,
    upto: int | None = None,
) -> Replay:
    """Rebuild the books' exact state from a log.

    Starts from ``snapshot`` (a :class:`Checkpoint` or its bytes) when given,
    else from the log's last checkpoint record (its first with
    ``from_start=True``), and applies every update record after it, up to
    record ``upto`` (inclusive) when given. The books are new :class:`Book`
    objects (spill memory from ``pool`` if given), or the ones in ``into``
    (a Book or a ``{name: Book}`` mapping with the same names, restored with
    :meth:`Book.load_into`). ``verify=True`` also compares the state with every
    later checkpoint record and raises :class:`FormatError` if they differ.

    The log is read with :func:`recover` (a corrupt log raises; a torn tail
    is ignored). Replay is exact as long as spill memory does not run out
    differently than it did live (heap-backed books, or a pool with headroom).
    """
    rec = log if isinstance(log, Recovery) else recover(log)
    records = rec.records
    if snapshot is None:
        cps = [r for r in records if r.type == RecordType.SNAPSHOT and (upto is None or r.seq <= upto)]
        if not cps:
            raise FormatError("the log holds no checkpoint record to start from (empty log?)")
        start = Checkpoint.from_payload((cps[0] if from_start else cps[-1]).payload)
    elif isinstance(snapshot, Checkpoint):
        start = snapshot
    else:
        start = Checkpoint.from_bytes(snapshot)
    if start.seq > rec.last_seq + 1:
        raise FormatError(
            f"the checkpoint is at record {start.seq} but the log ends at record {rec.last_seq}"
        )
    names = list(start.books)
    if into is None:
        books = start.restore(pool)
    else:
        targets = {"book": into} if isinstance(into, Book) else dict(into)
        if set(targets) != set(names):
            raise InvalidArgumentError(
                f"into has books {sorted(targets)}, the checkpoint has {sorted(names)}"
            )
        for name in names:
            targets[name].load_into(start.books[name])
        books = {name: targets[name] for name in names}
    order = [books[name] for name in names]
    applied = 0
    last = start.seq - 1
    # records[i].seq == i; the starting checkpoint's own record (if in the log) is skipped
    first = start.seq
    if first < len(records) and records[first].type == RecordType.SNAPSHOT:
        first += 1
        last = start.seq
    stop = len(records) if upto is None else min(len(records), upto + 1)
    for r in records[first:stop]:
        if r.type == RecordType.SNAPSHOT:
            cp = Checkpoint.from_payload(r.payload)
            if list(cp.books) != names:
                raise FormatError(f"checkpoint record {r.seq} has books {list(cp.books)}, expected {names}")
            if verify:
                for name in names:
                    if books[name].dumps() != cp.books[name]:
                        raise FormatError(
                            f"replay diverged: book {name!r} differs from checkpoint record {r.seq}"
                        )
        else:
            apply_record(r, order)
            applied += 1
        last = r.seq
    return Replay(books=books, seq=last, applied=applied, start_seq=start.seq, recovery=rec)
