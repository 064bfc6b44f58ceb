"""The result of a replay: BBO (and depth) series, the final book, the counters."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..book import Book


@dataclass
class FeedStats:
    """What a replay did, message by message (CONTRACT §4)."""

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


def bbo_dtype() -> np.dtype:
    """The dtype of ``r.bbo`` (CONTRACT §4)."""
    return np.dtype(
        [
            ("ts", np.int64),
            ("seq", np.int64),
            ("bid_px", np.int64),
            ("bid_qty", np.uint64),
            ("ask_px", np.int64),
            ("ask_qty", np.uint64),
            ("flags", np.uint8),
        ]
    )


def depth_dtype(k: int) -> np.dtype:
    """The dtype of ``r.depth`` for depth=k."""
    return np.dtype(
        [
            ("bid_px", np.int64, (k,)),
            ("bid_qty", np.uint64, (k,)),
            ("ask_px", np.int64, (k,)),
            ("ask_qty", np.uint64, (k,)),
        ]
    )


class FeedResult:
    """What :func:`tapebook.feeds.replay` returns (filled in by the engine)."""

    def __init__(self, bbo: np.ndarray, depth: np.ndarray | None, book: Book, stats: FeedStats, **info: Any):
        self.bbo = bbo
        self.depth = depth
        self.book = book
        self.stats = stats
        self.info = info
