"""Bybit v5 orderbook lines to replay messages in C (``tb_json_bybit.h``).

The same loop as the Binance one (:func:`._binance_scan.run_batches`): one C call
per chunk recognises the common ``orderbook.*`` frame, converts its prices and
sizes exactly, applies the snapshot / ``u`` rules and writes the message columns;
every line it is not sure about (acks, other topics, unknown types, a gap, a
value that does not convert) comes back *in order* to :class:`.bybit.BybitReader`'s
checked ``_one`` with the sync state copied across. ``TAPEBOOK_JSON_SCAN=0``
forces the msgspec path for every line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import ffi, lib
from ._binance_scan import run_batches, symbol_from_python, symbol_to_python
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The C sync state into the reader (before its checked path takes a line)."""
    reader.synced = bool(st.synced)
    reader.last_u = int(st.last_u) if st.have_u else None
    symbol_to_python(st, reader)


def _from_python(reader: Any, st: Any) -> None:
    """The reader's sync state into C (at the start and after a checked line)."""
    st.synced = int(reader.synced)
    st.have_u = int(reader.last_u is not None)
    st.last_u = reader.last_u if reader.last_u is not None else 0
    symbol_from_python(reader, st)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, orderbook frames of the common shape through C."""
    first = reader.initial()  # None for Bybit (in-band snapshots); kept for the reader contract
    if first is not None:
        yield first
    tick, lot = reader.opts.instrument._units()
    st = ffi.new("tb_jsync_bybit *")
    st.tick, st.lot = tick.c, lot.c
    yield from run_batches(reader, st, lib.tb_jsync_bybit_run, _to_python, _from_python)
