"""Decimal string columns -> integer ticks / lots for readers (C, no floats).

(skeleton: the implementation follows)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..config import Instrument
    from ._reader import MessageBatch


def convert_columns(
    instrument: Instrument,
    path: str,
    side: np.ndarray,
    px: Any,
    qty: Any,
    row_end: np.ndarray,
    ts: np.ndarray,
    seq: np.ndarray,
    kind: np.ndarray,
    line: np.ndarray,
    crc: np.ndarray | None,
    notes: dict[int, str],
) -> MessageBatch:
    """A MessageBatch from string price / size columns; a message with a bad value
    becomes an ERROR message (its rows dropped) whose note names the value."""
    raise NotImplementedError
