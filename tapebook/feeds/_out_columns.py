"""The numpy columns a C scanner appends replay messages to (tb_jsync_out for the JSON
venues, tb_tardis_out for Tardis CSV): one table of names, dtypes and C types, so the two
output structs are bound the same way."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._native import ffi

#: per row: side, price, quantity
ROW_COLUMNS = (
    ("side", np.uint8, "uint8_t[]"),
    ("px", np.int64, "int64_t[]"),
    ("qty", np.uint64, "uint64_t[]"),
)
#: per message: end of its rows, time, sequence number, line, kind
MSG_COLUMNS = (
    ("row_end", np.int64, "int64_t[]"),
    ("ts", np.int64, "int64_t[]"),
    ("seq", np.int64, "int64_t[]"),
    ("line", np.int64, "int64_t[]"),
    ("kind", np.uint8, "uint8_t[]"),
)
#: per message, JSON venues only: the frame's checksum (-1: none)
CRC_COLUMN = (("crc", np.int64, "int64_t[]"),)


def bind_columns(owner: Any, c: Any, columns: tuple[tuple[str, Any, str], ...], cap: int) -> None:
    """New arrays of ``cap`` entries as ``owner``'s attributes, each pointed at by the
    field of the same name in the C struct ``c``."""
    for name, dtype, ctype in columns:
        arr = np.empty(cap, dtype)
        setattr(owner, name, arr)
        setattr(c, name, ffi.from_buffer(ctype, arr))
