"""Replay: rebuild the exact state of the books from a log (a checkpoint, then
the records after it), dispatching every record through the table of
operations in :mod:`tapebook.persist.ops`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..book import Book
from ..errors import FormatError, InvalidArgumentError
from ..l3book import L3Book, dump_version
from ..matching import MatchingEngine
from .checkpoint import Checkpoint
from .logformat import Record, Recovery, recover
from .ops import BY_CODE, CHECKPOINT_CODES, HEAD, LEVELS, REPLAYED_ERRORS, Batch, Levels, Op, levels_call


@dataclass
class Replay:
    """The result of :func:`replay`."""

    books: dict[str, Any]  #: name -> Book, L3Book or MatchingEngine
    seq: int  #: sequence number of the last record replayed
    applied: int  #: update records applied after the starting checkpoint
    start_seq: int  #: sequence number of the starting checkpoint
    recovery: Recovery

    @property
    def book(self) -> Any:
        """The only book (or L3Book, or MatchingEngine; error when there are several)."""
        if len(self.books) != 1:
            raise InvalidArgumentError(f"the replay has {len(self.books)} books; use .books[name]")
        return next(iter(self.books.values()))


def _decoder(ops: tuple[Op, ...]) -> Callable[[memoryview], tuple[str, int, Any]]:
    """For one record code: payload -> (the Book method replay calls, book index, its arguments)."""
    first = ops[0]
    if isinstance(first.body, Levels):

        def decode_levels(payload: memoryview) -> tuple[str, int, Any]:
            book, which, p, q, s = LEVELS.decode_levels(payload)
            try:
                name, args = levels_call(which, s, p, q)
            except ValueError as e:  # CRC-valid, but no Recorder writes it
                raise FormatError(f"record {HEAD.unpack_from(payload)[1]} ({first.record}): {e}") from None
            return name, book, args

        return decode_levels
    if isinstance(first.body, Batch):
        name = first.replay_with or first.method
        decode_body = first.body.decode

        def decode_batch(payload: memoryview) -> tuple[str, int, Any]:
            book, args = decode_body(payload)
            return name, book, args

        return decode_batch
    assert first.struct is not None
    unpack = first.struct.unpack_from
    fixed_at = [i for i, f in enumerate(first.fields) if f.fixed is not None]
    if not fixed_at:
        name = first.replay_with or first.method

        def decode(payload: memoryview) -> tuple[str, int, Any]:
            _t, _seq, book, *args = unpack(payload)
            return name, book, args

        return decode
    # rows sharing a record differ in their fixed fields (RECENTER: side 1 bid, 0 ask)
    by_fixed = {tuple(op.fields[i].fixed for i in fixed_at): op.replay_with or op.method for op in ops}
    keep = [i for i in range(len(first.fields)) if i not in fixed_at]

    def decode_fixed(payload: memoryview) -> tuple[str, int, Any]:
        _t, seq, book, *fields = unpack(payload)
        name = by_fixed.get(tuple(fields[i] for i in fixed_at))
        if name is None:  # CRC-valid, but no Recorder writes it (e.g. RECENTER with side 2)
            raise FormatError(f"record {seq} ({first.record}) has fields {fields}, which no operation writes")
        return name, book, [fields[i] for i in keep]

    return decode_fixed


_DECODE = {code: _decoder(ops) for code, ops in BY_CODE.items()}


def _verify_forms(book: Any, ours: bytes, theirs: bytes, oldest: int | None) -> tuple[bytes, bytes]:
    """Two dumps of one book in the format both can be compared in: a log written by
    an older tapebook holds older L3 / engine dumps (version 1: no L3 counters), and
    a book replayed from such a checkpoint counts from there — so both sides are
    compared in the oldest version seen since the replay started (``oldest``)."""
    dump_as = getattr(book, "_dump_as", None)
    if dump_as is None or oldest is None:
        return ours, theirs
    version = min(oldest, dump_version(theirs))
    return dump_as(ours, version), dump_as(theirs, version)


def apply_record(r: Record, books: list[Any]) -> Any:
    """Apply one update record to ``books`` (indexed as in the checkpoint); returns
    what the method returned (a matching engine's events: replay reproduces them),
    None when the object refused the record as it did live."""
    name, bid, args = _DECODE[r.type](r.payload)
    try:
        book = books[bid]
    except IndexError:
        raise FormatError(f"record {r.seq} names book {bid}, which the checkpoint does not have") from None
    # the live update raised the same error and changed nothing (or applied the same rows);
    # try/except costs less per record than contextlib.suppress
    try:
        return getattr(book, name)(*args)
    except REPLAYED_ERRORS:
        return None


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
        cps = [r for r in records if r.type in CHECKPOINT_CODES and (upto is None or r.seq <= upto)]
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
        targets = {"book": into} if isinstance(into, (Book, L3Book, MatchingEngine)) else dict(into)
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
    if first < len(records) and records[first].type in CHECKPOINT_CODES:
        first += 1
        last = start.seq
    stop = len(records) if upto is None else min(len(records), upto + 1)
    # L3 / engine dump versions: the oldest since the start (see _verify_forms)
    oldest: dict[str, int | None] = {
        name: dump_version(start.books[name]) if hasattr(books[name], "_dump_as") else None for name in names
    }
    for r in records[first:stop]:
        if r.type in CHECKPOINT_CODES:
            cp = Checkpoint.from_payload(r.payload)
            if list(cp.books) != names:
                raise FormatError(f"checkpoint record {r.seq} has books {list(cp.books)}, expected {names}")
            if verify:
                for name in names:
                    seen = oldest[name]
                    if seen is not None:
                        oldest[name] = min(seen, dump_version(cp.books[name]))
                    ours, theirs = _verify_forms(
                        books[name], books[name].dumps(), cp.books[name], oldest[name]
                    )
                    if ours != theirs:
                        raise FormatError(
                            f"replay diverged: book {name!r} differs from checkpoint record {r.seq}"
                        )
        else:
            apply_record(r, order)
            applied += 1
        last = r.seq
    return Replay(books=books, seq=last, applied=applied, start_seq=start.seq, recovery=rec)
