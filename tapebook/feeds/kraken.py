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

Frames of the common shape (and heartbeats) go through C (``tb_json_kraken.h``
via ``_kraken_scan``: the same rules, the truncation and the checksum in the C
replay loop); everything else — subscription replies, status frames, the first
snapshot when the precisions are read from it, a value with more decimals than
the precision — and ``TAPEBOOK_JSON_SCAN=0``, through this module.

Kraken v2 ``book`` frames carry no sequence number: ``r.bbo["seq"]`` is the
message index; ``ts`` is the data's ``timestamp``. A snapshot (the venue sends
one on every subscription) resets the book; ``on_gap="resync"`` after a
checksum failure waits for the next one. Heartbeats, status frames and
subscription replies are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from ..errors import ArgumentTypeError, FeedError, InvalidArgumentError
from ._checksums import KrakenChecksum
from ._json_loop import scan_enabled
from ._kraken_scan import scan_batches
from ._reader import ChecksumSpec, Kind, MessageBatch
from ._venue import (
    TYPED_ERRORS,
    FrameError,
    JsonVenueReader,
    VenueMessage,
    field_of,
    int_field,
    ns_in_range,
    rfc3339_ns,
    typed_decoder,
)

DEPTHS = (10, 25, 100, 500, 1000)


class _Level(msgspec.Struct):
    price: msgspec.Raw  # the number's exact text
    qty: msgspec.Raw


class _Data(msgspec.Struct):
    symbol: str
    bids: list[_Level]
    asks: list[_Level]
    checksum: int | None = None
    timestamp: str | None = None


class _Frame(msgspec.Struct):
    channel: str
    type: str
    data: list[_Data]


_DECODER = typed_decoder(_Frame)


def _num(v: Any, what: str) -> str:
    """A v2 number as its exact decimal text (ints arrive as ints)."""
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    raise FrameError(f"{what} must be a number, got {v!r}")


def _decimals(text: str) -> int:
    """Digits after the point of a decimal text (exponent notation included)."""
    if "e" in text or "E" in text:
        try:
            exp = Decimal(text).as_tuple().exponent
        except InvalidOperation:
            raise FrameError(f"not a number: {text!r}") from None
        return max(0, -exp) if isinstance(exp, int) else 0
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


class KrakenReader(JsonVenueReader):
    """v2 ``book``: snapshot/update, depth truncation, CRC32."""

    format_name = "kraken"
    in_band_snapshots = True
    options = ("symbol", "book_depth", "price_precision", "qty_precision")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        extra = self.opts.extra
        book_depth = extra.get("book_depth")
        if book_depth is not None and (isinstance(book_depth, bool) or book_depth not in DEPTHS):
            raise InvalidArgumentError(f"book_depth={book_depth!r} must be one of {DEPTHS}")
        self.price_precision: int | None = extra.get("price_precision")
        self.qty_precision: int | None = extra.get("qty_precision")
        for name in ("price_precision", "qty_precision"):
            v = extra.get(name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise ArgumentTypeError(f"{name}={v!r} must be an int")
            if v is not None and not 0 <= v <= 18:
                raise InvalidArgumentError(f"{name}={v!r} must be in [0, 18]")
        self.book_depth: int | None = book_depth  # None: the subscription reply's, else 10
        self._precision_given = self.price_precision is not None and self.qty_precision is not None
        self.index = 0
        self.truncate = self.depth

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C sync loop (tb_json_kraken.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    @property
    def depth(self) -> int:
        return self.book_depth if self.book_depth is not None else 10

    def _checksum_ready(self, line: int) -> None:
        """The checksum spec, once the precisions are known (given, or read from a snapshot)."""
        if self.checksum_spec is not None or self.price_precision is None or self.qty_precision is None:
            return
        inst = self.opts.instrument
        try:
            fn = KrakenChecksum(inst.tick_size, inst.lot_size, self.price_precision, self.qty_precision)
        except ValueError as e:
            raise FeedError(
                self.source.name, line, f"kraken checksum: {e}; check tick_size / lot_size and the precisions"
            ) from None
        self.checksum_spec = ChecksumSpec("kraken CRC32", KrakenChecksum.depth, fn, fn.c_params())

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        if not isinstance(obj, dict):
            raise FrameError("a frame must be a JSON object")
        channel = obj.get("channel")
        if channel != "book":
            if channel is None and obj.get("method") == "subscribe":
                self._subscription(obj)
            elif channel is None and "method" not in obj:
                raise FrameError("not a Kraken v2 frame (no 'channel' nor 'method')")
            return Kind.NONBOOK
        typ = field_of(obj, "type", str)
        if typ not in ("snapshot", "update"):
            raise FrameError(f"unknown book type {typ!r}")
        ours = None
        for d in field_of(obj, "data", list):
            if not self._is_other_symbol(field_of(d, "symbol", str)):
                ours = d
                break
        if ours is None:
            return Kind.NONBOOK
        bids = self._levels(ours, "bids", typ)
        asks = self._levels(ours, "asks", typ)
        checksum = int_field(ours, "checksum") if "checksum" in ours else None
        ts = _timestamp_ns(ours["timestamp"]) if "timestamp" in ours else 0
        return self._message(line, typ, ts, bids, asks, checksum)

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
                self.truncate = d

    def _levels(self, data: Any, key: str, typ: str) -> list[tuple[str, str]]:
        out = [
            (_num(field_of(lv, "price", (str, int)), "price"), _num(field_of(lv, "qty", (str, int)), "qty"))
            for lv in field_of(data, key, list)
        ]
        self._precision(out, typ)
        return out

    def _precision(self, rows: list[tuple[str, str]], typ: str) -> None:
        """Read the precisions from a snapshot (when not given); refuse a value with more
        decimals than them (the checksum could not be computed for it)."""
        if not self._precision_given and typ == "snapshot":
            pp = max([self.price_precision or 0, *(_decimals(p) for p, _ in rows)])
            qp = max([self.qty_precision or 0, *(_decimals(q) for _, q in rows)])
            self.price_precision, self.qty_precision = pp, qp
            return
        pp, qp = self.price_precision, self.qty_precision
        if pp is None or qp is None:
            return
        for p, q in rows:
            if _decimals(p) > pp or _decimals(q) > qp:
                raise FrameError(
                    f"{p} / {q} has more decimals than the precision {pp} / {qp}: pass "
                    "price_precision= and qty_precision= (the instrument channel's values)"
                )

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        if not raw.startswith(b'{"channel":"book"'):
            return None
        try:
            f = _DECODER.decode(raw)
        except TYPED_ERRORS:
            return None
        if f.channel != "book" or f.type not in ("snapshot", "update"):
            return None
        ours = None
        for d in f.data:
            if not self._is_other_symbol(d.symbol):
                ours = d
                break
        if ours is None:
            return Kind.NONBOOK
        bids = _texts(ours.bids)
        asks = _texts(ours.asks)
        if bids is None or asks is None or (ours.checksum is not None and not 0 <= ours.checksum < 2**63):
            return None
        self._precision(bids, f.type)
        self._precision(asks, f.type)
        ts = _timestamp_ns(ours.timestamp) if ours.timestamp is not None else 0
        return self._message(line, f.type, ts, bids, asks, ours.checksum)

    def _message(
        self, line: int, typ: str, ts: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]],
        checksum: int | None,
    ) -> VenueMessage | Kind:  # fmt: skip
        if typ == "snapshot":
            self.synced = True
            self._checksum_ready(line)
            kind = Kind.SNAPSHOT
        elif not self.synced:
            return Kind.PRESYNC
        else:
            kind = Kind.DELTA
        self.index += 1
        return VenueMessage(line, kind, self.index - 1, ts, bids, asks, checksum)


_NUMBER_START = frozenset(b"-0123456789")


def _timestamp_ns(text: Any) -> int:
    """The data's ``timestamp`` in ns, which must fit int64 (r.bbo["ts"])."""
    return ns_in_range(rfc3339_ns(text), "timestamp", text)


def _texts(levels: list[_Level]) -> list[tuple[str, str]] | None:
    """The levels' raw JSON numbers as text; None if one is not a number."""
    out = []
    for lv in levels:
        p, q = bytes(lv.price), bytes(lv.qty)
        if not p or not q or p[0] not in _NUMBER_START or q[0] not in _NUMBER_START:
            return None
        out.append((p.decode("ascii"), q.decode("ascii")))
    return out
