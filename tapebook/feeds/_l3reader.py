"""What the order-level (L3) readers share.

An L3 reader decodes its venue's order events into an
:class:`~tapebook.feeds._mbo.OrderLog` and yields, batch by batch, the MBO rows
(:meth:`L3Reader.mbo_batches`, for an order-level book) and the L2 level
changes derived from them (iterating the reader, for the replay engine's L2
:class:`~tapebook.Book` — the reader interface of ``_reader.py``).

Counters the FeedStats has no field for (records of other stocks, events for
unknown orders, ...) are in :attr:`L3Reader.counts`; the L3 replay returns them
as ``r.l3_counts``.
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, InvalidArgumentError
from ._mbo import MboBatch, OrderLog
from ._reader import MessageBatch

if TYPE_CHECKING:
    from ._reader import ReaderOptions
    from ._source import Source


#: the resting orders of a replay's end (``r.orders_array``)
ORDER_DTYPE = np.dtype([("id", np.uint64), ("side", np.uint8), ("px", np.int64), ("qty", np.uint64)])

#: counters of records that change no displayed order: replay adds them to r.stats.skipped
SKIPPED_COUNTERS = ("skipped_type", "skipped_stock", "skipped_instrument", "bad_records")


def unit_divisor(unit: Decimal, native: Decimal, name: str, fmt: str) -> int:
    """How many of the venue's native units (``native``: ITCH prices are in 1/10000,
    DBN prices in 1e-9) make one tick / lot; it must be a positive integer."""
    q = unit / native
    if q != q.to_integral_value() or q < 1:
        raise InvalidArgumentError(
            f"{name}={unit} must be a whole multiple of {native} for format {fmt!r} (the venue's own unit)"
        )
    return int(q)


class L3Reader(abc.ABC):
    """Base of the L3 readers: options, the order log, both outputs."""

    format_name = ""
    #: replay()'s extra keywords this format accepts
    options: tuple[str, ...] = ()
    #: snapshot= is this format's initial book (LOBSTER's orderbook file)
    accepts_snapshot = False

    def __init__(self, source: Source, options: ReaderOptions) -> None:
        unknown = sorted(set(options.extra) - set(self.options))
        if unknown:
            accepted = ", ".join(self.options) or "none"
            raise ArgumentTypeError(
                f"format {self.format_name!r} got unexpected option(s) {', '.join(unknown)}; "
                f"it accepts: {accepted}"
            )
        if options.snapshot is not None and not self.accepts_snapshot:
            raise ArgumentTypeError(
                f"format {self.format_name!r} takes no snapshot= (the stream is the whole book)"
            )
        self.source = source
        self.opts = options
        self.log = OrderLog(source.name)
        self.counts: Counter[str] = self.log.counts
        self.batch_rows = options.batch_rows

    def option(self, name: str, kind: type, default: Any = None) -> Any:
        """A format option checked for its type."""
        v = self.opts.extra.get(name, default)
        if v is not None and (not isinstance(v, kind) or isinstance(v, bool)):
            raise ArgumentTypeError(f"{name}={v!r} must be a {kind.__name__}")
        return v

    @abc.abstractmethod
    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        """``(MBO rows, L2 level changes)`` per batch, in stream order."""

    #: the C order log of a reader that feeds it vectorised blocks (``_olog.py``); None:
    #: the Python order log ``self.log``
    clog: Any = None  # (a _olog.COrderLog: not imported here, _olog imports this module's layer)

    def resting_orders(self) -> np.ndarray:
        """The resting orders as an :data:`ORDER_DTYPE` array."""
        if self.clog is not None:
            return self.clog.resting_orders()
        o = self.log.orders
        out = np.empty(len(o), ORDER_DTYPE)
        out["id"] = np.fromiter(o.keys(), np.uint64, len(o))
        for k, name in enumerate(("side", "px", "qty")):
            out[name] = np.fromiter((v[k] for v in o.values()), out.dtype[name], len(o))
        return out

    @property
    def pending_rows(self) -> int:
        """MBO rows not flushed yet."""
        return self.log.pending_rows if self.clog is None else self.clog.pending_rows

    def flush(self, path: str) -> tuple[MboBatch, MessageBatch]:
        if self.clog is not None:
            return self.clog.flush(path)
        self.log.path = path
        return self.log.flush()

    #: called with every MBO batch while the reader is iterated (the replay's L3Book)
    mbo_sink: Callable[[MboBatch], None] | None = None

    def __iter__(self) -> Iterator[MessageBatch]:
        for mbo, l2 in self.mbo_batches():
            if self.mbo_sink is not None:
                self.mbo_sink(mbo)
            yield l2
