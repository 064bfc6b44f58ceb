"""OKX ``books`` lines to replay messages in C (``tb_json_okx.h``).

The venue's part of the shared JSON loop (:mod:`._json_loop`): one C call per
chunk recognises the common ``books`` frame, converts its prices and sizes
exactly, applies the snapshot / ``seqId`` / ``prevSeqId`` rules and writes the
checksum the frame carries into the crc column (the replay loop verifies it in
C); every line it is not sure about (events, other channels, unknown actions, a
gap, a value that does not convert) goes through :class:`.okx.OkxReader`'s
checked ``_one`` with the sync state copied across. This module only says which
of the reader's fields is the C state's ``last_seq``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._native import lib
from ._json_loop import LoopVenue
from ._json_loop import scan_batches as _scan
from ._reader import MessageBatch


def _to_python(st: Any, reader: Any) -> None:
    """The last applied seqId into the reader (before its checked path takes a line)."""
    reader.last_seq = int(st.last_seq) if st.have_seq else None


def _from_python(reader: Any, st: Any) -> None:
    """The reader's last applied seqId into C (at the start and after a checked line)."""
    st.have_seq = int(reader.last_seq is not None)
    st.last_seq = reader.last_seq if reader.last_seq is not None else 0


VENUE = LoopVenue("tb_jsync_okx *", lib.tb_jsync_okx_run, _to_python, _from_python)


def scan_batches(reader: Any) -> Iterator[MessageBatch]:
    """The reader's batches, books frames of the common shape through C."""
    return _scan(reader, VENUE)
