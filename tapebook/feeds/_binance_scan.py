"""Binance diff-depth lines to replay messages in C (``tb_json_sync.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``depthUpdate`` frame (bare or in the
combined-stream wrapper), converts its prices and quantities exactly and applies
the venue's sync rules; every line it is not sure about (another shape, a value
that does not convert, a gap) goes through :class:`.binance.BinanceReader`'s
checked ``_one`` with the sync state copied across. This module only says which
of the reader's fields are the C state's ``book_id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _setup(reader: Any, st: Any) -> None:
    """The replay's constants: spot or futures, the REST snapshot's lastUpdateId."""
    st.futures = int(reader.futures)
    st.last_update_id = reader.last_update_id


def _to_python(st: Any, reader: Any) -> None:
    """The last applied u into the reader (before its checked path takes a line)."""
    reader.book_id = int(st.book_id) if st.have_book_id else None


def _from_python(reader: Any, st: Any) -> None:
    """The reader's last applied u into C (at the start and after a checked line)."""
    st.have_book_id = int(reader.book_id is not None)
    st.book_id = reader.book_id if reader.book_id is not None else 0


VENUE = LoopVenue("tb_jsync_binance *", lib.tb_jsync_binance_run, _to_python, _from_python, _setup)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, frames of the common shape through the C sync loop."""
    return _scan(reader, VENUE)
