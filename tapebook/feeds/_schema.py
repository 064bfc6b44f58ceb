"""The columns of a replay's series: ``r.bbo``'s and ``r.depth``'s dtypes and field names.

Kept apart from :mod:`._result` so that the writers (:mod:`._table`,
:mod:`._sink`) and the result share one definition without importing each other.
"""

from __future__ import annotations

import numpy as np

BBO_FIELDS = ("ts", "seq", "bid_px", "bid_qty", "ask_px", "ask_qty", "flags")
DEPTH_FIELDS = ("bid_px", "bid_qty", "ask_px", "ask_qty")
EMPTY_BID_PX = -(2**63)  #: bid_px of an empty bid side (and of a missing depth level)
EMPTY_ASK_PX = 2**63 - 1  #: ask_px of an empty ask side


def bbo_dtype() -> np.dtype:
    """The dtype of ``r.bbo`` (docs/semantics.md §4; aligned: the C loop's tb_feed_row)."""
    return np.dtype(
        [
            ("ts", np.int64),
            ("seq", np.int64),
            ("bid_px", np.int64),
            ("bid_qty", np.uint64),
            ("ask_px", np.int64),
            ("ask_qty", np.uint64),
            ("flags", np.uint8),
        ],
        align=True,
    )


def depth_dtype(k: int) -> np.dtype:
    """The dtype of ``r.depth`` for depth=k: best first; a missing level has qty 0
    and the empty-side price sentinel."""
    return np.dtype(
        [
            ("bid_px", np.int64, (k,)),
            ("bid_qty", np.uint64, (k,)),
            ("ask_px", np.int64, (k,)),
            ("ask_qty", np.uint64, (k,)),
        ]
    )
