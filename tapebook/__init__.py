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

from .book import Book, BookStats, Result, SideStats, SideView
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
    StaleHandleError,
    TapebookError,
    TapebookMemoryError,
    TierFullError,
    UnknownOrderError,
)
from .l3book import L3Book, L3Stats, Order
from .multi import MultiBookPool, MultiBookPoolStats, PooledBook, Tier, TierStats
from .persist import Checkpoint, Recorder, StateSnapshot, dumps, load_into, loads, recover, repair, replay
from .pool import ClassStats, PoolStats, SpillPool
from .snapshot import DepthSnapshot

__version__ = "0.1.0"

TAPE_SIZES = (64, 128, 256, 512, 1024, 2048, 4096)

__all__ = [
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
    "FormatError",
    "Instrument",
    "IntegerRangeError",
    "InvalidArgumentError",
    "L3Book",
    "L3Stats",
    "MultiBookPool",
    "MultiBookPoolStats",
    "NotRecordedError",
    "Order",
    "PoolInUseError",
    "PoolStats",
    "PooledBook",
    "Recorder",
    "Result",
    "SideStats",
    "SideView",
    "SpillPool",
    "StaleHandleError",
    "StateSnapshot",
    "TapebookError",
    "TapebookMemoryError",
    "Tier",
    "TierFullError",
    "TierStats",
    "UnknownOrderError",
    "Venue",
    "__version__",
    "dumps",
    "load_config",
    "load_into",
    "loads",
    "parse_config",
    "recover",
    "repair",
    "replay",
]
