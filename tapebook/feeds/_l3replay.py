"""The order-level (L3) formats' side of ``feeds.replay``, and ``feeds.read_mbo``.

``itch``, ``lobster``, ``bitstamp-l3`` and ``databento-mbo`` readers yield the L2
level changes derived from their orders (see ``_mbo.py``), so ``feeds.replay``
runs them through the same engine as every L2 format: ``r.bbo``, ``r.depth``,
the policies and ``r.stats`` mean the same thing. The result is an
:class:`L3FeedResult`: it also carries the reader's L3 counters
(``r.l3_counts``: records of other stocks, events for orders that do not rest,
Bitstamp's resolved anomalies, ...) and the orders resting at the end
(``r.orders``). Records the venue sends that change no displayed order (ITCH
system events, trades of hidden orders, ...) are added to ``r.stats.skipped``.

:func:`read_mbo` streams the MBO rows themselves, for an order-level book.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import _args
from ..config import Instrument
from ..errors import ArgumentTypeError, InvalidArgumentError
from ..l3book import L3Book
from . import _formats
from ._l3reader import SKIPPED_COUNTERS, L3Reader
from ._mbo import MboBatch
from ._reader import Kind, ReaderOptions
from ._result import FeedResult
from ._source import Source


class L3FeedResult(FeedResult):
    """A :class:`~tapebook.feeds.FeedResult` of an order-level format, plus
    ``l3book`` (the final :class:`~tapebook.L3Book`: queues in FIFO order, queue
    positions, the L2 view), ``l3_counts`` (the reader's counters, a dict), ``orders_array`` (the orders
    resting at the end: fields ``id``, ``side``, ``px``, ``qty``, in ticks / lots,
    in no particular order) and ``orders`` (the same as a dict id -> ``(side, px,
    qty)``, built on first use)."""

    l3_counts: dict[str, int]
    orders_array: np.ndarray
    l3book: L3Book | None

    @functools.cached_property
    def orders(self) -> dict[int, tuple[int, int, int]]:
        a = self.orders_array
        cols = (a["id"].tolist(), a["side"].tolist(), a["px"].tolist(), a["qty"].tolist())
        return {i: (s, p, q) for i, s, p, q in zip(*cols, strict=True)}


class _L3Sink:
    """Applies the reader's MBO batches to an L3Book, one C call per stretch of messages
    (a SNAPSHOT message — LOBSTER's initial book — clears the book first). The rows are
    consistent by construction; a row the book still refuses (its arena or a side's
    levels full) is counted ``l3book_refused``, never fatal."""

    def __init__(self, book: L3Book, counts: Any) -> None:
        self.book = book
        self.counts = counts
        self.anchored = False

    def __call__(self, b: MboBatch) -> None:
        if not b.n_rows:
            return
        if not self.anchored:  # the first price seen sits mid-tape (the L2 view spills less)
            lo, hi = self.book.price_range
            adds = b.px[b.action == ord("A")]
            if len(adds):
                mid = int(adds[0]) - self.book.n // 2
                self.book.reset(max(lo - 1, min(mid, hi + 1)))
                self.anchored = True
        cuts = [0]
        starts = np.concatenate([[0], b.row_end[:-1]])
        for i in np.flatnonzero(b.kind == Kind.SNAPSHOT).tolist():
            cuts.append(int(starts[i]))
        cuts.append(b.n_rows)
        for k in range(len(cuts) - 1):
            lo_row, hi_row = cuts[k], cuts[k + 1]
            if k and lo_row < hi_row:
                self.book.clear()
            if hi_row > lo_row:
                sl = slice(lo_row, hi_row)
                st = self.book.apply_mbo(b.action[sl], b.order_id[sl], b.side[sl], b.px[sl], b.qty[sl])
                bad = int(np.count_nonzero(st))
                if bad:
                    self.counts["l3book_refused"] += bad


#: the replay's L3Book starts with an arena for this many orders and doubles it on demand
#: up to max_orders: allocating (and zeroing) 2^20 orders up front cost more than a whole
#: 200k-message ITCH replay
RESERVE_ORDERS = 1 << 12


def prepare(reader: Any, n: int, max_orders: int, max_cap: int) -> None:
    """Give the reader an L3Book to feed while the replay iterates it."""
    assert isinstance(reader, L3Reader)
    book = L3Book.__new__(L3Book)
    book._create(n, 64, max_orders, max_cap, None, None, RESERVE_ORDERS)
    reader.mbo_sink = _L3Sink(book, reader.counts)


def attach(result: L3FeedResult, reader: Any) -> None:
    """Fill in what only the reader knows (called by ``replay`` when it is done)."""
    assert isinstance(reader, L3Reader)
    sink = reader.mbo_sink
    result.l3book = sink.book if isinstance(sink, _L3Sink) else None
    result.l3_counts = dict(reader.counts)
    result.orders_array = reader.resting_orders()
    result.stats.skipped += sum(reader.counts[c] for c in SKIPPED_COUNTERS)


def read_mbo(
    source: Any,
    format: str,
    tick_size: Any,
    lot_size: Any,
    snapshot: Any = None,
    batch_rows: int = 1 << 16,
    **options: Any,
) -> Iterator[MboBatch]:
    """Stream an order-level source as :class:`~tapebook.feeds.MboBatch` objects:
    consistent MBO rows (``action``, ``order_id``, ``side``, ``px``, ``qty``;
    docs/semantics.md §6) grouped into messages, ready for ``L3Book.apply_mbo``.

    ``format``: one of the formats whose level is "L3" (``itch``, ``lobster``,
    ``bitstamp-l3``, ``databento-mbo``); ``options``: the format's own keywords
    (``symbol=`` for itch, ...); ``snapshot``: LOBSTER's orderbook file. ERROR
    messages (records that could not be decoded) are in the batches with their
    ``notes``; nothing is raised for them.
    """
    spec = _formats.spec(format)
    if spec.level != "L3":
        raise ArgumentTypeError(f"format {format!r} is not an order-level format: use feeds.read")
    inst = Instrument(symbol="", tick_size=tick_size, lot_size=lot_size, price_bits=64, n=1024)
    rows = _args.check_range("batch_rows", batch_rows, 1, 1 << 26, "batch size")
    if spec.needs_snapshot and snapshot is None:
        raise InvalidArgumentError(f"format {format!r} needs snapshot= (see its module docstring)")
    snap = Source(snapshot) if snapshot is not None else None
    opts = ReaderOptions(instrument=inst, snapshot=snap, batch_rows=rows, extra=options)
    reader = spec.reader_class()(Source(source), opts)
    assert isinstance(reader, L3Reader)
    for mbo, _l2 in reader.mbo_batches():
        yield mbo
