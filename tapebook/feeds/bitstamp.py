"""Bitstamp ``diff_order_book_{pair}`` frames plus the REST order book given as
``snapshot=``.

Frames (https://www.bitstamp.net/websocket/v2/ § "Channels", "Live full order
book"; channel ``diff_order_book_[currency_pair]``, event ``data``)::

    {"data": {"timestamp": "1643643584", "microtimestamp": "1643643584684047",
              "bids": [["36950.00", "0.00000000"]], "asks": [["36955.10", "0.08000000"]]},
     "channel": "diff_order_book_btcusd", "event": "data"}

``bids`` / ``asks`` are the levels changed since the last broadcast, with
absolute amounts (0 deletes). The snapshot is the REST order book
(https://www.bitstamp.net/api/ § "Order book", ``GET /api/v2/order_book/{pair}/``):
``{"timestamp": ..., "microtimestamp": ..., "bids": [...], "asks": [...]}``.

Sync rule: the two are matched on ``microtimestamp`` — a frame at or before
the snapshot's ``microtimestamp`` is already contained in it: stale, dropped
and counted; every later frame applies. The channel has no sequence number,
so no gap can be detected (a ``bts:request_reconnect`` in the capture means
the connection was reset: frames may be missing after it, and a new REST
snapshot would be needed — it is counted with the other control frames).
Subscription replies, heartbeats, other channels and other pairs are skipped
and counted.

``r.bbo["seq"]`` is the message index (the snapshot is 0); ``ts`` is
``microtimestamp`` in ns.

Frames of the common shape go through C (``tb_json_bitstamp.h`` via
``_bitstamp_scan``: the same rule); everything else, and
``TAPEBOOK_JSON_SCAN=0``, through this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import FeedError
from ._bitstamp_scan import scan_batches
from ._json_loop import scan_enabled
from ._reader import Kind, MessageBatch
from ._venue import (
    TYPED_ERRORS,
    FrameError,
    JsonVenueReader,
    VenueMessage,
    field_of,
    int_field,
    int_text,
    levels,
    ns_in_range,
    typed_decoder,
)

_PREFIX = "diff_order_book_"


class _Data(msgspec.Struct):
    microtimestamp: str
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


class _Frame(msgspec.Struct):
    data: _Data
    channel: str
    event: str


_DECODER = typed_decoder(_Frame)


class BitstampReader(JsonVenueReader):
    """``diff_order_book`` frames after the REST book, matched on microtimestamp."""

    format_name = "bitstamp"
    in_band_snapshots = False

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.snapshot_us = 0
        self.index = 0

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C loop (tb_json_bitstamp.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    def initial(self) -> Any:
        body, name = self._read_snapshot()
        try:
            us = int_field(body, "microtimestamp")
            ts = ns_in_range(us * 1000, "microtimestamp", us)
            bids, asks = levels(body, "bids"), levels(body, "asks")
        except FrameError as e:
            raise FeedError(name, 0, f"bitstamp snapshot: {e}") from None
        self.snapshot_us = us
        self.index = 1
        self.synced = True
        return self._snapshot_batch(VenueMessage(1, Kind.SNAPSHOT, 0, ts, bids, asks), name)

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        event = field_of(obj, "event", str)
        channel = obj.get("channel")
        if event != "data" or not isinstance(channel, str) or not channel.startswith(_PREFIX):
            return Kind.NONBOOK  # bts:subscription_succeeded, bts:heartbeat, bts:request_reconnect, trades
        if self._is_other_symbol(channel[len(_PREFIX) :]):
            return Kind.NONBOOK
        d = field_of(obj, "data", dict)
        return self._diff(line, int_field(d, "microtimestamp"), levels(d, "bids"), levels(d, "asks"))

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        try:
            f = _DECODER.decode(raw)
        except TYPED_ERRORS:
            return None
        us = f.data.microtimestamp
        if f.event != "data" or not f.channel.startswith(_PREFIX) or not (us.isascii() and us.isdigit()):
            return None
        if len(us) > 18:
            return None
        if self._is_other_symbol(f.channel[len(_PREFIX) :]):
            return Kind.NONBOOK
        return self._diff(line, int_text(us, "microtimestamp"), f.data.bids, f.data.asks)

    def _diff(self, line: int, us: int, bids: Any, asks: Any) -> VenueMessage | Kind:
        """The microtimestamp rule for one diff frame."""
        if us <= self.snapshot_us:
            return Kind.STALE
        ts = ns_in_range(us * 1000, "microtimestamp", us)  # r.bbo["ts"] is int64 (numpy raised OverflowError)
        self.index += 1
        return VenueMessage(line, Kind.DELTA, self.index - 1, ts, bids, asks)
