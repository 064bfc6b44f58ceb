"""Bybit v5 orderbook lines to replay messages in C (``tb_json_bybit.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``orderbook.*`` frame, converts its prices and sizes
exactly and applies the snapshot / ``u`` rules; every line it is not sure about
(acks, other topics, unknown types, a gap, a value that does not convert) goes
through :class:`.bybit.BybitReader`'s checked ``_one`` with the sync state
copied across. This module only says which of the reader's fields are the C
state's ``last_u``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The last applied u into the reader (before its checked path takes a line)."""
    reader.last_u = int(st.last_u) if st.have_u else None


def _from_python(reader: Any, st: Any) -> None:
    """The reader's last applied u into C (at the start and after a checked line)."""
    st.have_u = int(reader.last_u is not None)
    st.last_u = reader.last_u if reader.last_u is not None else 0


VENUE = LoopVenue("tb_jsync_bybit *", lib.tb_jsync_bybit_run, _to_python, _from_python)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, orderbook frames of the common shape through C."""
    return _scan(reader, VENUE)
