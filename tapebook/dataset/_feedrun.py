"""One file through the feeds engine, optionally starting from a given book.

This is :func:`tapebook.feeds.replay` with two seams it does not have (yet):

* ``initial_book``: continue from a book (the previous day's final state, as
  :meth:`tapebook.Book.dumps` bytes) instead of an empty one. The reader must
  then treat book data before the file's first snapshot as applying to that
  book instead of skipping it; :data:`START_IN_SYNC` says how to tell each
  format's reader so (formats whose every message is a whole book need nothing).
* ``sink``: the rows go to the caller (the dataset's deterministic Parquet
  writer) batch by batch, never all in memory.

Everything else — the reader, the engine, its policies and counters — is the
feeds package's own, so a dataset partition holds exactly the rows
``feeds.replay`` gives for the same file (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..book import Book
from ..errors import InvalidArgumentError
from ..feeds import _engine as feng
from ..feeds import _formats
from ..feeds._reader import ReaderOptions
from ..feeds._result import FeedStats
from ..feeds._source import Source


def _tardis_in_sync(reader: Any) -> None:
    # TardisIncrementalReader marks deltas before the first snapshot PRESYNC until `synced`
    reader.synced = True


#: format -> how to tell its reader the book is already known (None: nothing to do,
#: every message is a whole book). A format missing here cannot be chained.
START_IN_SYNC: dict[str, Callable[[Any], None] | None] = {
    "tardis": _tardis_in_sync,
    "tardis-snapshot": None,
}

Sink = Callable[[np.ndarray, "np.ndarray | None"], None]


def new_book(n: int) -> Book:
    """The book feeds.replay starts from (64-bit, spill large enough never to drop a level)."""
    return Book(n=n, price_bits=64, max_cap=feng.DEFAULT_MAX_CAP)


def run(
    source: Any,
    fmt: str,
    tick_size: str,
    lot_size: str,
    book: Book,
    continuing: bool,
    sink: Sink,
    *,
    depth: int = 0,
    on_gap: str = "raise",
    on_crossed: str = "keep",
    on_error: str = "raise",
    checksum: bool = True,
    batch_rows: int = 1 << 16,
    options: dict[str, Any] | None = None,
) -> tuple[FeedStats, str, str]:
    """Replay ``source`` into ``book`` (``continuing``: the book holds the state the
    stream continues from), handing each batch's rows to ``sink``.

    Returns (stats, status "complete" | "stopped", stop_reason). Raises what
    feeds.replay raises (FeedError and its subclasses, ...)."""
    spec = _formats.spec(fmt)
    inst = feng._instrument(tick_size, lot_size, book.n)
    if spec.needs_snapshot:
        raise InvalidArgumentError(f"format {fmt!r} needs a snapshot= file per input")
    opts = ReaderOptions(
        instrument=inst,
        depth=depth,
        checksum=checksum,
        on_gap=on_gap,
        on_error=on_error,
        batch_rows=batch_rows,
        extra=dict(options or {}),
    )
    reader = spec.reader_class()(Source(source), opts)
    if continuing:
        if fmt not in START_IN_SYNC:
            raise InvalidArgumentError(f"format {fmt!r} cannot continue from a given book")
        tell = START_IN_SYNC[fmt]
        if tell is not None:
            tell(reader)
    engine = feng.Engine(book, spec, inst, depth, on_gap, on_crossed, on_error, checksum)
    for batch in reader:
        rows, depth_rows = engine.apply(batch)
        sink(rows, depth_rows)
        if engine.stopped:
            break
    return engine.stats, ("stopped" if engine.stopped else "complete"), engine.stop_reason
