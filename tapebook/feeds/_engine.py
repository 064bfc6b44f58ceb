"""Applies message batches to a Book: policies, flags, BBO and depth rows, stats.

(skeleton: the implementation follows; see _reader.py for the interface)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._reader import MessageBatch
from ._result import FeedResult


def replay(
    source: Any,
    format: str,
    tick_size: Any,
    lot_size: Any,
    snapshot: Any = None,
    depth: int = 0,
    on_gap: str = "raise",
    on_crossed: str = "keep",
    on_error: str = "raise",
    checksum: bool = True,
    progress: bool = False,
    **options: Any,
) -> FeedResult:
    """Replay ``source`` into a book (CONTRACT §4)."""
    raise NotImplementedError


def read(source: Any, format: str, tick_size: Any, lot_size: Any, **options: Any) -> Iterator[MessageBatch]:
    """The reader's message batches, streaming (CONTRACT §4)."""
    raise NotImplementedError
