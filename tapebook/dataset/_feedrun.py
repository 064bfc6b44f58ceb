"""One file through the feeds engine, optionally starting from a given book.

A thin adapter over the public seam of :mod:`tapebook.feeds`:
:func:`tapebook.feeds.replay_into` (replay into a given book, rows handed to a
sink batch by batch, ``continuing=True`` to carry on from the previous day's
final book) and :data:`tapebook.feeds.CONTINUABLE` (the formats that can). The
reader, the engine, its policies and counters are the feeds package's own, so a
dataset partition holds exactly the rows ``feeds.replay`` gives for the same file
(a test checks it). This module imports nothing private of feeds
(tests/python/test_layers.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import feeds
from ..book import Book
from ..errors import InvalidArgumentError

#: the formats a chained replay (chain=True) can continue a book with
START_IN_SYNC: tuple[str, ...] = feeds.CONTINUABLE

Sink = Callable[[np.ndarray, "np.ndarray | None"], None]


def new_book(n: int) -> Book:
    """The book feeds.replay starts from (64-bit, spill large enough never to drop a level)."""
    return feeds.new_book(n)


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
) -> tuple[feeds.FeedStats, str, str]:
    """Replay ``source`` into ``book`` (``continuing``: the book holds the state the
    stream continues from), handing each batch's rows to ``sink``.

    Returns (stats, status "complete" | "stopped", stop_reason). Raises what
    feeds.replay raises (FeedError and its subclasses, ...)."""
    if fmt in feeds.FORMATS and continuing and fmt not in feeds.CONTINUABLE:
        raise InvalidArgumentError(f"format {fmt!r} cannot continue from a given book")
    return feeds.replay_into(
        source,
        fmt,
        tick_size,
        lot_size,
        book,
        sink,
        continuing=continuing,
        depth=depth,
        on_gap=on_gap,
        on_crossed=on_crossed,
        on_error=on_error,
        checksum=checksum,
        batch_rows=batch_rows,
        **(options or {}),
    )
