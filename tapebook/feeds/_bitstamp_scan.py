"""Bitstamp ``diff_order_book`` lines to replay messages in C (``tb_json_bitstamp.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``diff_order_book`` frame, converts its prices and
sizes exactly and applies the ``microtimestamp`` rule against the REST book;
every line it is not sure about (subscription replies, heartbeats, trades, a
value that does not convert) goes through :class:`.bitstamp.BitstampReader`'s
checked ``_one`` with the state copied across. This module only says which of
the reader's fields are the C state's ``snapshot_us`` and ``index``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The next message index into the reader (before its checked path takes a line)."""
    reader.index = int(st.index)


def _from_python(reader: Any, st: Any) -> None:
    """The reader's next message index into C (at the start and after a checked line)."""
    st.index = reader.index


def _setup(reader: Any, st: Any) -> None:
    """The REST book's microtimestamp (read by ``reader.initial()``)."""
    st.snapshot_us = reader.snapshot_us


VENUE = LoopVenue("tb_jsync_bitstamp *", lib.tb_jsync_bitstamp_run, _to_python, _from_python, _setup)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, diff_order_book frames of the common shape through C."""
    return _scan(reader, VENUE)
