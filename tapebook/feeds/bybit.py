"""Bybit v5 public ``orderbook.{depth}.{symbol}`` frames.

Frame shape (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
§ "Response Parameters")::

    {"topic": "orderbook.50.BTCUSDT", "type": "snapshot" | "delta", "ts": 1672304484978,
     "data": {"s": "BTCUSDT", "b": [["16493.50", "0.006"]], "a": [["16611.00", "0.029"]],
              "u": 18521288, "seq": 7961638724},
     "cts": 1672304484976}

Rules, exactly as that page states them:

  * "Once you have subscribed successfully, you will receive a snapshot
    immediately. [...] If you receive a new snapshot message, you will have to
    reset your local orderbook. If there is a problem on Bybit's end, a
    snapshot will be re-sent, which is guaranteed to contain the latest data."
  * deltas: size 0 deletes, a new price inserts, an existing one is updated
    (the size is absolute);
  * ``u``: "Update ID. Is a sequence. Occasionally, you'll receive "u"=1,
    which is a snapshot data due to the restart of the service. So please
    overwrite your local orderbook" — a frame with ``u = 1`` resets the book
    like a snapshot, whatever its ``type``;
  * so a delta's ``u`` must be the previous frame's ``u + 1``; anything else
    is a gap (``on_gap="resync"`` waits for the next snapshot). A re-sent
    level-1 snapshot with an unchanged ``u`` is a snapshot, not a gap.

``r.bbo["seq"]`` is ``u``; ``ts`` is ``cts`` (the matching engine's time the
book was produced at) when the frame has it, else ``ts`` (the time the system
generated the data), in ms. Subscription replies and pongs
(``{"op": ...}`` / ``{"success": ...}``) and other topics or symbols are
skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ._bybit_scan import scan_batches
from ._json_loop import scan_enabled
from ._reader import Kind, MessageBatch, gap_note
from ._venue import (
    TYPED_ERRORS,
    FrameError,
    GapSignal,
    JsonVenueReader,
    VenueMessage,
    check_i64,
    field_of,
    int_field,
    levels,
    ms_to_ns,
    typed_decoder,
)


class _Data(msgspec.Struct):
    s: str
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    u: int


class _Frame(msgspec.Struct):
    topic: str
    type: str
    ts: int
    data: _Data
    cts: int | None = None


_DECODER = typed_decoder(_Frame)


class BybitReader(JsonVenueReader):
    """v5 orderbook: snapshot/delta, contiguous ``u``, ``u = 1`` restarts."""

    format_name = "bybit"
    in_band_snapshots = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.last_u: int | None = None

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C sync loop (tb_json_bybit.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        if not isinstance(obj, dict):
            raise FrameError("a frame must be a JSON object")
        topic = obj.get("topic")
        if topic is None:
            if "op" in obj or "success" in obj or "ret_msg" in obj:
                return Kind.NONBOOK  # subscription reply, pong
            raise FrameError("not a Bybit v5 frame (no 'topic' nor 'op')")
        if not isinstance(topic, str) or not topic.startswith("orderbook."):
            return Kind.NONBOOK
        typ = field_of(obj, "type", str)
        d = field_of(obj, "data", dict)
        if self._is_other_symbol(field_of(d, "s", str)):
            return Kind.NONBOOK
        u = int_field(d, "u")
        bids, asks = levels(d, "b"), levels(d, "a")
        field = "cts" if "cts" in obj else "ts"
        ts = ms_to_ns(int_field(obj, field), field)
        return self._book(line, typ, u, ts, bids, asks)

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        if not raw.startswith(b'{"topic":"orderbook.'):
            return None
        try:
            f = _DECODER.decode(raw)
        except TYPED_ERRORS:
            return None
        ms = f.cts if f.cts is not None else f.ts
        if not f.topic.startswith("orderbook.") or not 0 <= ms * 1_000_000 < 2**63:
            return None  # an out-of-range time: _frame names it
        if self._is_other_symbol(f.data.s):
            return Kind.NONBOOK
        return self._book(line, f.type, f.data.u, ms * 1_000_000, f.data.b, f.data.a)

    def _book(self, line: int, typ: str, u: int, ts: int, bids: Any, asks: Any) -> VenueMessage | Kind:
        """The snapshot / delta / u rules for one book frame."""
        check_i64(u=u)
        if typ == "snapshot" or u == 1:  # u = 1: the service restarted; overwrite the book
            self.last_u = u
            self.synced = True
            return VenueMessage(line, Kind.SNAPSHOT, u, ts, bids, asks)
        if typ != "delta":
            raise FrameError(f"unknown type {typ!r}")
        if not self.synced:
            return Kind.PRESYNC
        last = self.last_u
        assert last is not None
        if u != last + 1:
            raise GapSignal(gap_note("u", last, "u", u, last + 1))
        self.last_u = u
        return VenueMessage(line, Kind.DELTA, u, ts, bids, asks)
