"""Coinbase Advanced Trade ``level2`` frames (channel ``l2_data``).

Frame shape (https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels
§ "Level2 Channel")::

    {"channel": "l2_data", "client_id": "", "timestamp": "2023-02-09T20:32:50.714964855Z",
     "sequence_num": 0,
     "events": [{"type": "snapshot" | "update", "product_id": "BTC-USD",
                 "updates": [{"side": "bid" | "offer", "event_time": "...",
                              "price_level": "21921.73", "new_quantity": "0.06317902"}]}]}

"The ``new_quantity`` property is the updated size at that price level, not a
delta. A ``new_quantity`` of "0" indicates the price level can be removed."
A ``snapshot`` event resets the book; the frame is one message.

Sequence numbers (https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-overview
§ "Sequence Numbers"): "Sequence numbers that are greater than one integer
value from the previous number indicate that a message has been dropped.
Sequence numbers that are less than the previous number can be ignored or
represent a message that has arrived out of order." On Advanced Trade the
counter belongs to the *connection*: every frame on it takes the next number —
heartbeats, subscription replies, other channels, other products. So this
reader checks ``sequence_num`` across every frame of the file, whatever its
channel or product, and detects exactly this:

  * a frame whose number is more than the previous frame's + 1: frames of the
    connection are missing (whether they were book frames cannot be known) —
    a gap;
  * a number at or below the previous one: a repeated or out-of-order frame —
    dropped and counted as stale, as the overview allows;
  * a number of 0 after a higher one: a new connection (a reconnect in the
    capture) — not a gap; book frames are skipped until that connection's
    snapshot.

A capture that kept only some channels (e.g. ``l2_data`` alone) breaks that
chain at every removed frame: replay it with ``check_sequence=False`` — then
no gap can be detected at all. Acks, heartbeats and other channels' frames
are skipped and counted. Coinbase sends a snapshot on every (re)subscription,
so ``on_gap="resync"`` waits for the next one.

``r.bbo["seq"]`` is ``sequence_num``; ``ts`` is the frame's ``timestamp``
(the per-level ``event_time`` of a snapshot is the epoch, so it is not used).

``l2_data`` frames of the common shape (any number of ``snapshot`` /
``update`` events, up to 16) go through C (``tb_json_coinbase.h`` via
``_coinbase_scan``: the same rules, in the same order); everything else, and
``TAPEBOOK_JSON_SCAN=0``, through this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import ArgumentTypeError
from ._coinbase_scan import scan_batches
from ._json_loop import scan_enabled
from ._reader import Kind, MessageBatch, gap_note
from ._venue import (
    TYPED_ERRORS,
    FrameError,
    GapSignal,
    JsonVenueReader,
    VenueMessage,
    field_of,
    int_field,
    rfc3339_ns,
    typed_decoder,
)

_SIDES = {"bid": True, "offer": False, "ask": False}


class _Update(msgspec.Struct):
    side: str
    price_level: str
    new_quantity: str


class _Event(msgspec.Struct):
    type: str
    product_id: str
    updates: list[_Update]


class _Frame(msgspec.Struct):
    channel: str
    timestamp: str
    sequence_num: int
    events: list[_Event]


_DECODER = typed_decoder(_Frame)


class CoinbaseReader(JsonVenueReader):
    """Advanced Trade ``l2_data`` frames; ``sequence_num`` checked connection-wide."""

    format_name = "coinbase"
    in_band_snapshots = True
    options = ("symbol", "check_sequence")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        check = self.opts.extra.get("check_sequence", True)
        if not isinstance(check, bool):
            raise ArgumentTypeError(f"check_sequence={check!r} must be a bool")
        self.check_sequence = check
        self.last_seq: int | None = None

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C sync loop (tb_json_coinbase.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        channel = field_of(obj, "channel", str)
        seq = int_field(obj, "sequence_num") if "sequence_num" in obj else -1
        if seq >= 0 and not self._sequence(seq):
            return Kind.STALE
        if channel != "l2_data":  # heartbeats, subscriptions, other channels
            return Kind.NONBOOK
        events = field_of(obj, "events", list)
        ts = rfc3339_ns(field_of(obj, "timestamp", str))
        kind = Kind.DELTA
        bids: list[tuple[str, str]] = []
        asks: list[tuple[str, str]] = []
        ours = False
        for ev in events:
            etype = field_of(ev, "type", str)
            if self._is_other_symbol(field_of(ev, "product_id", str)):
                continue
            ours = True
            if etype == "snapshot":
                kind = Kind.SNAPSHOT
                bids.clear()
                asks.clear()
            elif etype != "update":
                raise FrameError(f"unknown l2_data event type {etype!r}")
            for up in field_of(ev, "updates", list):
                side = _SIDES.get(field_of(up, "side", str))
                if side is None:
                    raise FrameError(f"unknown side {up.get('side')!r}")
                row = (field_of(up, "price_level", str), field_of(up, "new_quantity", str))
                (bids if side else asks).append(row)
        if not ours:
            return Kind.NONBOOK
        if kind == Kind.SNAPSHOT:
            self.synced = True
        elif not self.synced:
            return Kind.PRESYNC
        return VenueMessage(line, kind, seq, ts, bids, asks)

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        if not raw.startswith(b'{"channel":"l2_data"'):
            return None
        try:
            f = _DECODER.decode(raw)
        except TYPED_ERRORS:
            return None
        if f.channel != "l2_data":
            return None
        kind = Kind.DELTA
        bids: list[tuple[str, str]] = []
        asks: list[tuple[str, str]] = []
        ours = False
        for ev in f.events:
            if ev.type not in ("snapshot", "update"):
                return None
            if self._is_other_symbol(ev.product_id):
                continue
            ours = True
            if ev.type == "snapshot":
                kind = Kind.SNAPSHOT
                bids.clear()
                asks.clear()
            for up in ev.updates:
                side = _SIDES.get(up.side)
                if side is None:
                    return None
                (bids if side else asks).append((up.price_level, up.new_quantity))
        if not 0 <= f.sequence_num < 2**63:
            return None
        # every check passed: only now does the frame touch the sequence state
        if not self._sequence(f.sequence_num):
            return Kind.STALE
        ts = rfc3339_ns(f.timestamp)  # after the sequence, as in _frame: a bad time still took its number
        if not ours:
            return Kind.NONBOOK
        if kind == Kind.SNAPSHOT:
            self.synced = True
        elif not self.synced:
            return Kind.PRESYNC
        return VenueMessage(line, kind, f.sequence_num, ts, bids, asks)

    def _sequence(self, seq: int) -> bool:
        """The connection-wide chain; False drops the frame (stale)."""
        last = self.last_seq
        if not self.check_sequence or last is None:
            self.last_seq = seq
            return True
        if seq == last + 1:
            self.last_seq = seq
            return True
        if seq == 0:  # a new connection: book frames wait for its snapshot
            self.last_seq = 0
            self.synced = False
            return True
        if seq <= last:
            return False
        self.last_seq = seq  # the chain goes on from here after a resync
        raise GapSignal(
            gap_note("sequence_num", last, "sequence_num", seq, last + 1)
            + f": {seq - last - 1} frame(s) of the connection missing"
        )
