"""Kraken spot WebSocket v2 ``book`` frames.

Frame shape (https://docs.kraken.com/api/docs/websocket-v2/book, now
https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/book)::

    {"channel": "book", "type": "snapshot" | "update",
     "data": [{"symbol": "BTC/USD", "bids": [{"price": 45283.5, "qty": 0.10000000}],
               "asks": [...], "checksum": 3310070434, "timestamp": "2023-10-06T17:35:55.440295Z"}]}

Prices and quantities are JSON *numbers* "containing full precision"; they are
read as their exact text (never as floats). Book maintenance, exactly as the
checksum guide states it (https://docs.kraken.com/exchange/guides/websockets/book-checksum-v2
§ "Maintaining the book"): process every level of a message, ``qty`` 0
removes the level, and "after each update, truncate your book to the
subscribed depth — you will not receive "qty": 0 for levels that fall out of
scope". The subscribed depth comes from the subscription reply
(``{"method": "subscribe", "result": {"channel": "book", "depth": 10, ...}}``)
when the capture has it, else from ``book_depth=`` (default 10, the
subscription's documented default; one of 10, 25, 100, 500, 1000).

Checksum (same guide § "Checksum calculation"; see ``_checksums``): a CRC32
over the top 10 levels of each side, sent with snapshots and updates alike,
verified after the message and its truncation when ``checksum=True``. The
digits depend on the instrument's precision — the v2 ``instrument`` channel's
``price_precision`` and ``qty_precision``
(https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/instrument).
Pass them as ``price_precision=`` / ``qty_precision=``; when omitted they are
read from the first snapshot (the venue formats every value with full
precision, so the most decimals seen there is the precision), and a later
value with more decimals than that is a ``FeedError`` asking for them.

Kraken v2 ``book`` frames carry no sequence number: ``r.bbo["seq"]`` is the
message index; ``ts`` is the data's ``timestamp``. A snapshot (the venue sends
one on every subscription) resets the book; ``on_gap="resync"`` after a
checksum failure waits for the next one. Heartbeats, status frames and
subscription replies are skipped and counted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._checksums import KrakenChecksum
from ._venue import (
    DELTA,
    SNAPSHOT,
    FrameError,
    JsonVenueReader,
    VenueMessage,
    field_of,
    int_field,
    rfc3339_ns,
)

DEPTHS = (10, 25, 100, 500, 1000)


def _num(v: Any, what: str) -> str:
    """A v2 number as its exact decimal text (ints arrive as ints)."""
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    raise FrameError(f"{what} must be a number, got {v!r}")


def _decimals(text: str) -> int:
    dot = text.find(".")
    if dot < 0 or "e" in text or "E" in text:
        return 0 if dot < 0 else len(text) - dot - 1
    return len(text) - dot - 1


class KrakenReader(JsonVenueReader):
    """v2 ``book``: snapshot/update, depth truncation, CRC32."""

    format_name = "kraken"
    in_band_snapshots = True

    def __init__(
        self,
        *,
        book_depth: int | None = None,
        price_precision: int | None = None,
        qty_precision: int | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        if book_depth is not None and book_depth not in DEPTHS:
            raise ValueError(f"book_depth must be one of {DEPTHS}, got {book_depth!r}")
        for name, v in (("price_precision", price_precision), ("qty_precision", qty_precision)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 18):
                raise ValueError(f"{name} must be an int in [0, 18], got {v!r}")
        self.book_depth = book_depth  # None: the subscription reply's, else 10
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        self._precision_given = price_precision is not None and qty_precision is not None
        self.index = 0

    @property
    def depth(self) -> int:
        return self.book_depth if self.book_depth is not None else 10

    def checksum_function(self, tick_size: Decimal, lot_size: Decimal) -> KrakenChecksum:
        """The checksum over the book's top levels (precisions known by now)."""
        if self.price_precision is None or self.qty_precision is None:
            raise self._feed_error(self.path, 0, "kraken: checksum precision unknown before a snapshot")
        return KrakenChecksum(tick_size, lot_size, self.price_precision, self.qty_precision)

    def _frame(self, obj: Any, line: int) -> VenueMessage | None:
        if not isinstance(obj, dict):
            raise FrameError("a frame must be a JSON object")
        channel = obj.get("channel")
        if channel != "book":
            if channel is None and obj.get("method") == "subscribe":
                self._subscription(obj)
            elif channel is None and "method" not in obj:
                raise FrameError("not a Kraken v2 frame (no 'channel' nor 'method')")
            self.state.skip()
            return None
        typ = field_of(obj, "type", str)
        if typ not in ("snapshot", "update"):
            raise FrameError(f"unknown book type {typ!r}")
        ours = None
        for d in field_of(obj, "data", list):
            if not self._is_other_symbol(field_of(d, "symbol", str)):
                ours = d
                break
        if ours is None:
            self.state.skip()
            return None
        bids = self._levels(ours, "bids", typ)
        asks = self._levels(ours, "asks", typ)
        checksum = int_field(ours, "checksum") if "checksum" in ours else None
        ts = rfc3339_ns(ours["timestamp"]) if "timestamp" in ours else 0
        kind = SNAPSHOT if typ == "snapshot" else DELTA
        msg = VenueMessage(
            line=line, kind=kind, seq=self.index, ts=ts, bids=bids, asks=asks,
            checksum=checksum, truncate=self.depth,
        )  # fmt: skip
        if kind == SNAPSHOT:
            self.index += 1
            return self._snapshot_taken(msg)
        if not self.state.synced:
            self._unsynced()
            return None
        self.index += 1
        return msg

    def _subscription(self, obj: dict[str, Any]) -> None:
        res = obj.get("result")
        if (
            isinstance(res, dict)
            and res.get("channel") == "book"
            and obj.get("success", True)
            and self.book_depth is None
            and (self.symbol is None or res.get("symbol") in (None, self.symbol))
        ):
            d = res.get("depth")
            if d in DEPTHS:
                self.book_depth = d

    def _levels(self, data: Any, key: str, typ: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        infer = not self._precision_given and typ == "snapshot"
        pp = self.price_precision or 0
        qp = self.qty_precision or 0
        for lv in field_of(data, key, list):
            p = _num(field_of(lv, "price", (str, int)), "price")
            q = _num(field_of(lv, "qty", (str, int)), "qty")
            dp, dq = _decimals(p), _decimals(q)
            if infer:
                pp, qp = max(pp, dp), max(qp, dq)
            elif (self.price_precision is not None and dp > self.price_precision) or (
                self.qty_precision is not None and dq > self.qty_precision
            ):
                raise FrameError(
                    f"{p} / {q} has more decimals than the precision {self.price_precision} / "
                    f"{self.qty_precision}: pass price_precision= and qty_precision= "
                    "(the instrument channel's values)"
                )
            out.append((p, q))
        if infer:
            self.price_precision = max(self.price_precision or 0, pp)
            self.qty_precision = max(self.qty_precision or 0, qp)
        return out
