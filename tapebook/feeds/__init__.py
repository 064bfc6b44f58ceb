"""Replay venue data into books: ``feeds.replay`` / ``feeds.read`` (docs/semantics.md §4).

::

    from tapebook import feeds
    r = feeds.replay("binance_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz", format="tardis",
                     tick_size="0.01", lot_size="0.00001")
    r.bbo            # one row per applied message: ts, seq, bid_px, bid_qty, ask_px, ask_qty, flags
    r.stats          # FeedStats
    r.to_pandas()    # prices and sizes as decimals-in-floats, empty sides as NaN

The formats and their venue rules are listed in :data:`FORMATS` (one table:
``tapebook/feeds/_formats.py``); how readers and the engine share the work is
in ``tapebook/feeds/_reader.py``.
"""

from __future__ import annotations

from ..errors import ChecksumError, FeedError, GapError
from ._engine import MAX_DEPTH, new_book, read, replay, replay_into
from ._formats import CONTINUABLE, FORMATS
from ._l3replay import L3FeedResult, read_mbo
from ._mbo import MboBatch
from ._reader import Kind, MessageBatch
from ._result import FeedResult, FeedStats

__all__ = [
    "CONTINUABLE",
    "FORMATS",
    "MAX_DEPTH",
    "ChecksumError",
    "FeedError",
    "FeedResult",
    "FeedStats",
    "GapError",
    "Kind",
    "L3FeedResult",
    "MboBatch",
    "MessageBatch",
    "new_book",
    "read",
    "read_mbo",
    "replay",
    "replay_into",
]
