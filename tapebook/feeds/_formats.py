"""THE table of feed formats: every other list of formats reads this one.

``feeds.FORMATS`` (the names), the CLI's ``--format`` choices, the README's
format table and the tests' per-format parametrisation are all generated from
:data:`SPECS`; a test fails when one of them drifts.

Each row says which module and class read the format (imported only when the
format is used), whether a REST book must be given as ``snapshot=``, whether
the venue sends a checksum, whether the stream carries its own snapshots (so
``on_gap="resync"`` can recover; without them a resync stops the replay), the
book level (L2) and the container (``csv``, ``jsonl`` or ``dbn``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._reader import Reader


@dataclass(frozen=True)
class FormatSpec:
    """One replayable format."""

    name: str  #: the ``format=`` value
    module: str  #: module under ``tapebook.feeds`` holding the reader
    reader: str  #: class name of the reader in that module
    needs_snapshot: bool  #: ``snapshot=`` (the REST book) is required
    has_checksum: bool  #: the venue sends a checksum ``checksum=True`` verifies
    in_band_snapshots: bool  #: the stream carries snapshots (``on_gap="resync"`` recovers)
    level: str  #: "L2" (price levels) | "L3" (orders: tapebook/feeds/_l3replay.py)
    container: str  #: "csv" | "jsonl" | "dbn" | "binary"
    summary: str  #: one line for the CLI and the README
    doc: str  #: the venue's own document the reader follows

    def reader_class(self) -> type[Reader]:
        """Import and return the reader class (a :class:`~tapebook.feeds.FeedError`-free
        ImportError names the format when its module is not installed)."""
        try:
            mod = importlib.import_module(f"tapebook.feeds.{self.module}")
        except ModuleNotFoundError as e:
            if e.name == f"tapebook.feeds.{self.module}":
                where = f"tapebook.feeds.{self.module}"
                raise ImportError(f"format {self.name!r}: its reader ({where}) is not available") from None
            raise
        cls: type[Reader] = getattr(mod, self.reader)
        return cls


SPECS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "tardis", "tardis", "TardisIncrementalReader", False, False, True, "L2", "csv",
        "Tardis incremental_book_L2 CSV (rows sharing local_timestamp are one message)",
        "https://docs.tardis.dev/downloadable-csv-files#incremental_book_l2",
    ),
    FormatSpec(
        "tardis-snapshot", "tardis", "TardisSnapshotReader", False, False, True, "L2", "csv",
        "Tardis book_snapshot_5 / book_snapshot_25 CSV (each row a full top-N book)",
        "https://docs.tardis.dev/downloadable-csv-files#book_snapshot_25",
    ),
    FormatSpec(
        "binance", "binance", "BinanceSpotReader", True, False, False, "L2", "jsonl",
        "Binance spot depthUpdate frames + REST depth snapshot (U/u chain)",
        "https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#how-to-manage-a-local-order-book-correctly",
    ),
    FormatSpec(
        "binance-futures", "binance", "BinanceFuturesReader", True, False, False, "L2", "jsonl",
        "Binance USD-M futures depthUpdate frames + REST depth snapshot (pu chain)",
        "https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly",
    ),
    FormatSpec(
        "coinbase", "coinbase", "CoinbaseReader", False, False, True, "L2", "jsonl",
        "Coinbase Advanced Trade l2_data frames (snapshot / update)",
        "https://docs.cdp.coinbase.com/advanced-trade/docs/ws-channels#level2-channel",
    ),
    FormatSpec(
        "kraken", "kraken", "KrakenReader", False, True, True, "L2", "jsonl",
        "Kraken v2 book frames (depth truncation, CRC32 checksum)",
        "https://docs.kraken.com/api/docs/guides/spot-ws-book-v2",
    ),
    FormatSpec(
        "okx", "okx", "OkxReader", False, True, True, "L2", "jsonl",
        "OKX books frames (seqId / prevSeqId, CRC32 when non-zero)",
        "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel",
    ),
    FormatSpec(
        "bybit", "bybit", "BybitReader", False, False, True, "L2", "jsonl",
        "Bybit v5 orderbook frames (snapshot / delta, u; u=1 resets)",
        "https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook",
    ),
    FormatSpec(
        "bitstamp", "bitstamp", "BitstampReader", True, False, False, "L2", "jsonl",
        "Bitstamp diff_order_book frames + REST order book (microtimestamp)",
        "https://www.bitstamp.net/websocket/v2/",
    ),
    FormatSpec(
        "databento-mbp10", "databento", "DatabentoMbp10Reader", False, False, True, "L2", "dbn",
        "Databento MBP-10 DBN files (each record a top-10 book)",
        "https://databento.com/docs/schemas-and-data-formats/mbp-10",
    ),
    FormatSpec(
        "databento-mbo", "databento", "DatabentoMboReader", False, False, True, "L3", "dbn",
        "Databento MBO DBN files: orders (A/C/M/R; T/F change nothing), applied at F_LAST",
        "https://databento.com/docs/schemas-and-data-formats/mbo",
    ),
    FormatSpec(
        "bitstamp-l3", "bitstamp_l3", "BitstampL3Reader", False, False, False, "L3", "jsonl",
        "Bitstamp live_orders frames (order_created / order_changed / order_deleted)",
        "https://www.bitstamp.net/websocket/v2/",
    ),
    FormatSpec(
        "lobster", "lobster", "LobsterReader", True, False, False, "L3", "csv",
        "LOBSTER message file (event types 1-7) + the first line of its orderbook file",
        "https://lobsterdata.com/info/DataStructure.php",
    ),
    FormatSpec(
        "itch", "itch", "ItchReader", False, False, False, "L3", "binary",
        "NASDAQ TotalView-ITCH 5.0 binary (A/F add, E/C execute, X cancel, D delete, U replace)",
        "https://www.nasdaqtrader.com/content/technicalsupport/specifications/dataproducts/NQTVITCHspecification.pdf",
    ),
)  # fmt: skip

BY_NAME: dict[str, FormatSpec] = {s.name: s for s in SPECS}

#: formats whose replay can continue from a given book (``feeds.replay_into(...,
#: continuing=True)``): their readers honour ``ReaderOptions.in_sync`` (book data
#: before the file's first snapshot applies to that book), or every message of
#: theirs is a whole book.
CONTINUABLE: tuple[str, ...] = ("tardis", "tardis-snapshot")
FORMATS: tuple[str, ...] = tuple(s.name for s in SPECS)


def spec(name: object) -> FormatSpec:
    """The row of ``name``; an InvalidArgumentError listing the formats otherwise."""
    from ..errors import InvalidArgumentError

    if not isinstance(name, str) or name not in BY_NAME:
        choices = ", ".join(FORMATS)
        raise InvalidArgumentError(f"format={name!r} is not a feed format; choose one of {choices}")
    return BY_NAME[name]
