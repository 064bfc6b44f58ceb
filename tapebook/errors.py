"""Exceptions raised by tapebook.

Every exception derives from :class:`TapebookError` and also from the builtin
exception a Python user would expect (``ValueError`` for a bad value,
``TypeError`` for a wrong type, ``OverflowError`` for an integer outside the
C type), so both ``except TapebookError`` and ``except ValueError`` work.
"""

from __future__ import annotations


class TapebookError(Exception):
    """Base class of every tapebook error."""


class InvalidArgumentError(TapebookError, ValueError):
    """An argument has a value outside its valid range."""


class ArgumentTypeError(TapebookError, TypeError):
    """An argument has the wrong type (e.g. a float where a price is expected)."""


class IntegerRangeError(TapebookError, OverflowError):
    """An integer does not fit the C type of the argument (e.g. a negative qty)."""


class BatchError(InvalidArgumentError):
    """A row of a batch call (:meth:`Book.apply`, :meth:`Book.bbo_trace`) is invalid:
    every row-level problem (a price outside the book's range, a quantity that does
    not fit, a side other than 0/1, a missing value in a nullable column) raises it.

    ``index`` is the bad row and ``applied`` the number of rows applied before it:
    ``index`` when the C loop stopped there, 0 when the inputs were refused before
    the loop started (a value that does not fit the C type). ``results`` holds what
    the applied rows returned (``None`` for ``bbo_trace``: see ``trace``). The
    message says what the row held and what is allowed; the original error is the
    ``__cause__`` when there is one.
    """

    def __init__(
        self,
        message: str,
        index: int,
        results: object = None,
        trace: object = None,
        applied: int | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.applied = index if applied is None else applied
        self.results = results
        self.trace = trace

    def __reduce__(self) -> tuple[object, ...]:
        # pickle and copy rebuild it with every field (the default passes only the message)
        return (type(self), (str(self), self.index, self.results, self.trace))


class ClosedError(TapebookError, ValueError):
    """The object was closed (or its multi-book slot freed)."""


class ConcurrentUseError(TapebookError, RuntimeError):
    """Two threads used the same book or pool at the same time.

    Books and pools are single-threaded; the C layer detects overlapping calls
    and refuses the later one, which leaves the object unchanged.
    """


class PoolInUseError(TapebookError, RuntimeError):
    """A SpillPool cannot be closed while books still use it."""


class TierFullError(TapebookError, RuntimeError):
    """A multi-book pool tier has no free slot."""


class StaleHandleError(TapebookError, LookupError):
    """A multi-book handle does not name a live book (freed or never valid)."""


class TapebookMemoryError(TapebookError, MemoryError):
    """The C allocator (or a SpillPool) could not provide memory."""


class FormatError(InvalidArgumentError):
    """Serialized data (snapshot, dump, log) is malformed."""


class NotRecordedError(TapebookError, TypeError):
    """A :class:`~tapebook.persist.RecordedBook` refuses a Book method its log
    cannot record (``load_into``, ``close``): call it on the book itself."""


class ReadOnlyError(TapebookError, TypeError):
    """A read-only view refuses a method that would change what it views
    (``MatchingEngine.book.add``: change the book through the engine)."""


class FeedError(TapebookError, ValueError):
    """Venue data that cannot be replayed (:mod:`tapebook.feeds`).

    ``path`` is the file (or ``"<stream>"`` for a file object), ``line`` the
    1-based line or record number (0 when the error is not tied to one, e.g.
    a missing snapshot file), ``reason`` what is wrong with it.
    """

    def __init__(self, path: str, line: int, reason: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.line, self.reason))


class GapError(FeedError):
    """A sequence gap under ``on_gap="raise"``: the reason names the last
    sequence number applied and the one that arrived."""


class ChecksumError(FeedError):
    """The book disagrees with the checksum the venue sent (``checksum=True``,
    ``on_gap="raise"``): the reason names the expected and computed values."""


class DuplicateOrderError(InvalidArgumentError):
    """An L3 add (or replace) names an order id that rests in the book already."""


class UnknownOrderError(TapebookError, LookupError):
    """An L3 operation names an order id that does not rest in the book."""


class CapacityError(TapebookError, RuntimeError):
    """An L3 book is full: ``max_orders`` orders rest, or the side has ``max_cap``
    price levels and the order would open another. Nothing changed."""
