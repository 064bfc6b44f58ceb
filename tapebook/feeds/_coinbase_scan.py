"""Coinbase ``l2_data`` lines to replay messages in C (``tb_json_coinbase.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``l2_data`` frame (one event or several: a snapshot
after updates, other products' events), converts its prices and sizes exactly,
parses its timestamp and applies the connection-wide ``sequence_num`` rules; it
also lets other channels' plain frames take their numbers. Every line it is not
sure about (JSON beyond that, more than 16 events, a gap, a value that does not
convert) goes through :class:`.coinbase.CoinbaseReader`'s checked ``_one`` with
the sync state copied across. This module only says which of the reader's
fields are the C state's ``last_seq`` and passes ``check_sequence``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The connection's last sequence_num into the reader (before its checked path takes a line)."""
    reader.last_seq = int(st.last_seq) if st.have_seq else None


def _from_python(reader: Any, st: Any) -> None:
    """The reader's last sequence_num into C (at the start and after a checked line)."""
    st.have_seq = int(reader.last_seq is not None)
    st.last_seq = reader.last_seq if reader.last_seq is not None else 0


def _setup(reader: Any, st: Any) -> None:
    """``check_sequence=False``: C takes every number too."""
    st.check_sequence = int(reader.check_sequence)


VENUE = LoopVenue("tb_jsync_coinbase *", lib.tb_jsync_coinbase_run, _to_python, _from_python, _setup)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, l2_data frames of the common shape through C."""
    return _scan(reader, VENUE)
