"""What a data file's name says: its stem (the output names), and the symbol and
day of a vendor's per-instrument-day file.

Tardis.dev names its downloadable CSV files
``<exchange>_<data type>_<YYYY-MM-DD>_<symbol>.csv.gz``, e.g.
``binance_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz`` (the file name the
``tardis-dev`` clients write by default, and the one in the cURL example of
https://docs.tardis.dev/downloadable-csv-files "Quick start"; the datasets API
replaces ``/`` and ``:`` in a symbol by ``-``). Data types contain underscores
(``incremental_book_L2``, ``book_snapshot_25``), so the date is the anchor:
everything after it is the symbol.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

#: compression suffixes feeds decompresses by name (tapebook/feeds/_source.py)
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")
#: container suffixes removed from a stem, after the compression suffix
CONTAINER_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".dbn", ".txt")

_TARDIS = re.compile(
    r"^(?P<exchange>[A-Za-z0-9-]+)_(?P<data_type>[A-Za-z0-9_]+?)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<symbol>.+)$"
)


def basename(path: str) -> str:
    """The last component of a local path or a URL."""
    return posixpath.basename(path.replace("\\", "/").rstrip("/"))


def stem(path: str) -> str:
    """The file name without its compression and container suffixes:
    ``.../binance_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz`` ->
    ``binance_incremental_book_L2_2024-01-01_BTCUSDT``."""
    name = basename(path)
    low = name.lower()
    for suffixes in (COMPRESSION_SUFFIXES, CONTAINER_SUFFIXES):
        for s in suffixes:
            if low.endswith(s) and len(name) > len(s):
                name, low = name[: -len(s)], low[: -len(s)]
                break
    return name


@dataclass(frozen=True)
class VendorName:
    """The parts of a Tardis-style file name."""

    exchange: str
    data_type: str
    date: str  #: YYYY-MM-DD
    symbol: str


def parse_vendor_name(path: str) -> VendorName | None:
    """The exchange, data type, day and symbol of a Tardis-style file name, or None."""
    m = _TARDIS.match(stem(path))
    if m is None:
        return None
    return VendorName(m["exchange"], m["data_type"], m["date"], m["symbol"])
