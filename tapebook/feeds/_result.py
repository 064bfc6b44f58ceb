"""The result of a replay: BBO (and depth) series, the final book, the counters.

``r.bbo`` is a numpy structured array, one row per applied book message:
``ts`` (int64 ns), ``seq`` (int64), ``bid_px`` / ``ask_px`` (int64 ticks),
``bid_qty`` / ``ask_qty`` (uint64 lots), ``flags`` (uint8: 1 snapshot/reset,
2 crossed, 4 first message after a resync). An empty side has qty 0 and the
price sentinel of :meth:`tapebook.Book.bbo_trace`: ``bid_px`` = int64 min,
``ask_px`` = int64 max (so "best bid < best ask" stays true of an empty
book); ``to_pandas()`` shows it as NaN / <NA>. The dtype is numpy's aligned
layout (56 bytes a row), the C loop writes it in place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..book import Book
    from ..config import Instrument
    from ._sink import Sink

from ._schema import DEPTH_FIELDS
from ._table import PARQUET_WRITE_OPTIONS, to_arrow_table


@dataclass
class FeedStats:
    """What a replay did, message by message (docs/semantics.md §4)."""

    messages: int = 0  #: book messages applied (= rows of r.bbo)
    rows: int = 0  #: level rows applied (snapshot rows included)
    #: messages not applied: non-book frames, book data before the first snapshot,
    #: bad frames under on_error="skip", deltas while out of sync
    skipped: int = 0
    stale: int = 0  #: messages dropped by a sync rule (at or before the REST snapshot)
    resets: int = 0  #: snapshot messages applied (book reset and reloaded)
    gaps: int = 0  #: sequence gaps detected
    resyncs: int = 0  #: times the book came back in sync after a gap or a checksum failure
    checksums_ok: int = 0
    checksums_failed: int = 0
    crossed: int = 0  #: applied messages after which the book was crossed

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> str:
        """One line per counter, for people."""
        return "\n".join(f"  {k:<17} {v:>14,}" for k, v in self.as_dict().items())


class FeedResult:
    """What :func:`tapebook.feeds.replay` returns.

    Attributes: ``bbo``, ``depth`` (None without depth=k), ``book`` (the final
    :class:`~tapebook.Book`), ``stats`` (:class:`FeedStats`), ``status``
    ("complete", or "stopped" when a gap or checksum failure could not be
    resynced: ``stop_reason`` says where and why), ``instrument``, ``format``.
    """

    def __init__(self, sink: Sink, book: Book, stats: FeedStats, **info: Any) -> None:
        self._sink = sink
        self.book = book
        self.stats = stats
        self.format: str = info.get("format", "")
        self.instrument: Instrument = info["instrument"]
        self.status: str = info.get("status", "complete")
        self.stop_reason: str = info.get("stop_reason", "")

    @property
    def bbo(self) -> np.ndarray:
        return self._sink.arrays()[0]

    @property
    def depth(self) -> np.ndarray | None:
        return self._sink.arrays()[1]

    @property
    def levels_lost(self) -> int:
        """Levels the book's spill could not keep (0 unless max_cap was too small)."""
        return self.book.stats().levels_lost

    def __len__(self) -> int:
        return len(self.bbo)

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<FeedResult {self.format} {self.status}: {s.messages:,} messages, {s.rows:,} rows, "
            f"{s.resets} resets, {s.gaps} gaps, {s.skipped:,} skipped>"
        )

    # ---- exports ------------------------------------------------------------------

    def to_arrow(self, nulls: bool = False) -> Any:
        """The rows as a ``pyarrow.Table`` (integer ticks / lots; ``nulls=True``:
        empty sides and missing depth levels as nulls instead of sentinels)."""
        return to_arrow_table(self.bbo, self.depth, nulls=nulls)

    def write_parquet(self, path: Any, nulls: bool = False, **kwargs: Any) -> None:
        """Write :meth:`to_arrow` to a Parquet file, laid out as ``out=`` writes it (no
        dictionaries, ts and seq delta-encoded); ``kwargs`` go to
        ``pyarrow.parquet.write_table`` and override that layout."""
        import pyarrow.parquet as pq

        own_layout = "use_dictionary" in kwargs or "column_encoding" in kwargs  # (they conflict with ours)
        options = kwargs if own_layout else {**PARQUET_WRITE_OPTIONS, **kwargs}
        pq.write_table(self.to_arrow(nulls=nulls), path, **options)

    def to_pandas(self, units: str = "price") -> Any:
        """A DataFrame indexed by ``ts`` (UTC datetimes), one row per message.

        ``units="price"``: prices and sizes in the venue's units as float64 (each
        the double nearest the exact decimal), empty sides NaN. ``units="ticks"``:
        the exact integers in nullable Int64 / UInt64 columns, empty sides <NA>.
        With depth=k the levels follow as ``bid_px_0 .. bid_px_{k-1}`` (best
        first), likewise ``bid_qty_``, ``ask_px_``, ``ask_qty_``.
        """
        import pandas as pd

        if units not in ("price", "ticks"):
            from ..errors import InvalidArgumentError

            raise InvalidArgumentError(f"units={units!r} must be 'price' or 'ticks'")
        bbo = self.bbo
        cols: dict[str, Any] = {"seq": bbo["seq"], "flags": bbo["flags"]}
        pairs = [(f, bbo[f], bbo[f.replace("_px", "_qty")] == 0) for f in ("bid_px", "ask_px")]
        pairs += [(f, bbo[f], bbo[f] == 0) for f in ("bid_qty", "ask_qty")]
        if self.depth is not None:
            d = self.depth
            for name in DEPTH_FIELDS:
                empty_all = d[name.replace("_px", "_qty")] == 0
                for j in range(d.dtype[name].shape[0]):
                    pairs.append((f"{name}_{j}", d[name][:, j], empty_all[:, j]))
        for name, values, empty in pairs:
            cols[name] = self._column(name, values, empty, units, pd)
        index = pd.to_datetime(bbo["ts"], unit="ns", utc=True)
        df = pd.DataFrame(cols, index=index)
        df.index.name = "ts"
        order = ["seq", "bid_px", "bid_qty", "ask_px", "ask_qty", "flags"]
        return df[order + [c for c in df.columns if c not in order]]

    def _column(self, name: str, values: np.ndarray, empty: np.ndarray, units: str, pd: Any) -> Any:
        is_px = "_px" in name
        if units == "ticks":
            arr = pd.array(np.ascontiguousarray(values), dtype="Int64" if is_px else "UInt64")
            if is_px:
                arr[empty] = pd.NA
            return arr
        inst = self.instrument
        v = np.ascontiguousarray(values)
        if is_px:
            f = inst.ticks_to_prices(np.where(empty, 0, v), kind="float")
        else:
            f = inst.lots_to_sizes(v, kind="float")
        if is_px:
            f[empty] = np.nan
        return f

    def plot(self, path: Any, title: str | None = None) -> None:
        """Draw the BBO (and, with depth=k, a heatmap of the resting size at each
        price over time) into an image file (needs matplotlib)."""
        from ._plot import plot_result

        plot_result(self, path, title)
