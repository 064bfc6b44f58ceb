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
"""

from __future__ import annotations

from typing import Any

from ._venue import (
    DELTA,
    SNAPSHOT,
    FrameError,
    JsonVenueReader,
    VenueMessage,
    field_of,
    int_field,
    levels,
)
from .binance import load_snapshot

_PREFIX = "diff_order_book_"


class BitstampReader(JsonVenueReader):
    """``diff_order_book`` frames after the REST book, matched on microtimestamp."""

    format_name = "bitstamp"
    in_band_snapshots = False

    def __init__(self, *, snapshot: Any = None, **kw: Any) -> None:
        super().__init__(**kw)
        if snapshot is None:
            raise self._feed_error(self.path, 0, "bitstamp needs the REST order book: pass snapshot=PATH")
        self._snapshot = snapshot
        self.snapshot_us = 0
        self.index = 0

    def initial(self) -> VenueMessage | None:
        try:
            body = load_snapshot(self._snapshot)
            us = int_field(body, "microtimestamp")
            bids, asks = levels(body, "bids"), levels(body, "asks")
        except (FrameError, OSError) as e:
            raise self._feed_error(str(self._snapshot), 0, f"bitstamp snapshot: {e}") from None
        self.snapshot_us = us
        self.index = 1
        return self._snapshot_taken(
            VenueMessage(line=0, kind=SNAPSHOT, seq=0, ts=us * 1000, bids=bids, asks=asks)
        )

    def _frame(self, obj: Any, line: int) -> VenueMessage | None:
        event = field_of(obj, "event", str)
        channel = obj.get("channel")
        if event != "data" or not isinstance(channel, str) or not channel.startswith(_PREFIX):
            self.state.skip()  # bts:subscription_succeeded, bts:heartbeat, bts:request_reconnect, trades
            return None
        if self._is_other_symbol(channel[len(_PREFIX) :]):
            self.state.skip()
            return None
        d = field_of(obj, "data", dict)
        us = int_field(d, "microtimestamp")
        bids, asks = levels(d, "bids"), levels(d, "asks")
        if us <= self.snapshot_us:
            self.state.skip("stale")
            return None
        seq = self.index
        self.index += 1
        return VenueMessage(line=line, kind=DELTA, seq=seq, ts=us * 1000, bids=bids, asks=asks)
