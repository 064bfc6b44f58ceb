"""tapebook — a fast, exact level-2 order book.

A header-only C core (tapes, dynamic spill, SpillPool, multi-book pool) driven
from Python through CFFI. Start with :class:`Book`::

    from tapebook import Book
    book = Book(n=1024, price_bits=32, max_cap=4096)
    book.reset(100_000)
    book.set(True, 100_000, 50)      # Result.INSERT
    book.best_bid_px()               # 100000
"""

from __future__ import annotations

from ._include import get_include
from ._sides import SideView
from ._variants import TAPE_SIZES
from .bboview import bbo_masked, bbo_to_pandas
from .book import Book, BookStats, Result, SideStats
from .config import ConfigError, Instrument, Venue, load_config, parse_config
from .errors import (
    ArgumentTypeError,
    BatchError,
    CapacityError,
    ClosedError,
    ConcurrentUseError,
    DuplicateOrderError,
    FormatError,
    IntegerRangeError,
    InvalidArgumentError,
    NotRecordedError,
    PoolInUseError,
    ReadOnlyError,
    StaleHandleError,
    TapebookError,
    TapebookMemoryError,
    TierFullError,
    UnknownOrderError,
)
from .l3book import L3Book, L3Stats, Order
from .matching import Fill, MatchingEngine, OpsResult, SubmitResult
from .multi import MultiBookPool, MultiBookPoolStats, PooledBook, Tier, TierStats
from .persist import Checkpoint, Recorder, StateSnapshot, dumps, load_into, loads, recover, repair, replay
from .pool import ClassStats, PoolStats, SpillPool
from .snapshot import DepthSnapshot

__version__ = "0.1.0"

#: the sides, for ``book.set(BID, px, qty)``; the strings "bid"/"buy" and "ask"/"sell"
#: (any case) and the integers 1/0 are accepted too
BID = True
ASK = False

__all__ = [
    "ASK",
    "BID",
    "TAPE_SIZES",
    "ArgumentTypeError",
    "BatchError",
    "Book",
    "BookStats",
    "CapacityError",
    "Checkpoint",
    "ClassStats",
    "ClosedError",
    "ConcurrentUseError",
    "ConfigError",
    "DepthSnapshot",
    "DuplicateOrderError",
    "Fill",
    "FormatError",
    "Instrument",
    "IntegerRangeError",
    "InvalidArgumentError",
    "L3Book",
    "L3Stats",
    "MatchingEngine",
    "MultiBookPool",
    "MultiBookPoolStats",
    "NotRecordedError",
    "OpsResult",
    "Order",
    "PoolInUseError",
    "PoolStats",
    "PooledBook",
    "ReadOnlyError",
    "Recorder",
    "Result",
    "SideStats",
    "SideView",
    "SpillPool",
    "StaleHandleError",
    "StateSnapshot",
    "SubmitResult",
    "TapebookError",
    "TapebookMemoryError",
    "Tier",
    "TierFullError",
    "TierStats",
    "UnknownOrderError",
    "Venue",
    "__version__",
    "bbo_masked",
    "bbo_to_pandas",
    "dumps",
    "get_include",
    "load_config",
    "load_into",
    "loads",
    "parse_config",
    "recover",
    "repair",
    "replay",
]
