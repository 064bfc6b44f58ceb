"""Kraken v2 ``book`` lines to replay messages in C (``tb_json_kraken.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``book`` frame (and the bare heartbeat), converts
its prices and quantities exactly, applies the snapshot / update rules and
writes the checksum the frame carries into the crc column (the replay loop
truncates to the subscribed depth and verifies it in C); every line it is not
sure about (subscription replies, status frames, the first snapshot when the
precisions are read from it, a value with more decimals than the precision, a
value that does not convert) goes through :class:`.kraken.KrakenReader`'s checked ``_one``
with the state copied across. This module only says which of the reader's
fields are the C state's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The book message count and the precisions (a later snapshot may raise them) into
    the reader: the fields besides the head C changes."""
    reader.index = int(st.index)
    if st.have_precision:
        reader.price_precision, reader.qty_precision = int(st.price_precision), int(st.qty_precision)


def _from_python(reader: Any, st: Any) -> None:
    """The reader's state into C (at the start and after a checked line): the message
    count, the precisions as far as known, whether they were given, whether the
    checksum is set up."""
    pp, qp = reader.price_precision, reader.qty_precision
    st.index = reader.index
    st.have_precision = int(pp is not None and qp is not None)
    st.price_precision = pp if st.have_precision else 0
    st.qty_precision = qp if st.have_precision else 0
    st.fixed = int(reader._precision_given)
    st.ready = int(reader.checksum_spec is not None)


VENUE = LoopVenue("tb_jsync_kraken *", lib.tb_jsync_kraken_run, _to_python, _from_python)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, book frames of the common shape through C."""
    return _scan(reader, VENUE)
