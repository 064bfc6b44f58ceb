"""Binance diff-depth frames (``binance``: spot; ``binance-futures``: USDⓈ-M and
COIN-M futures) plus the REST depth snapshot given as ``snapshot=``.

Frames: one raw ``depthUpdate`` event per line, or the same event inside the
combined-stream wrapper ``{"stream": "<symbol>@depth", "data": {...}}``
(spot: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
§ "General WSS information", "Diff. Depth Stream"; futures:
https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Diff-Book-Depth-Streams).
``b`` / ``a`` hold ``[price, qty]`` strings, the quantity absolute, 0 deletes.
The snapshot is the REST ``GET /api/v3/depth`` (spot) or ``/fapi/v1/depth``
(futures) body: ``{"lastUpdateId": ..., "bids": [...], "asks": [...]}``.

Sync rules, exactly as each document's "How to manage a local order book
correctly" states them:

spot (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
§ "How to manage a local order book correctly"):
  * discard any event with ``u <= lastUpdateId`` of the snapshot (stale);
  * the first applied event must have ``lastUpdateId + 1`` within ``[U; u]``
    (the update procedure applies it only if ``U <= lastUpdateId + 1``; with
    ``u > lastUpdateId`` that is the straddle), else the snapshot is older
    than the stream: a gap;
  * then, with the book's update id set to the last applied ``u``: an event
    with ``u`` below it is ignored (stale); an event with ``U`` greater than
    it + 1 means events were missed: a gap. ("Normally, ``U`` of the next
    event is equal to ``u + 1`` of the previous event" — an overlapping event
    is applied, as the procedure says.)

futures (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly,
the same text for COIN-M):
  * drop any event where ``u < lastUpdateId`` (stale);
  * the first processed event must have ``U <= lastUpdateId`` and
    ``u >= lastUpdateId``, else a gap;
  * then each event's ``pu`` must equal the previous event's ``u``, else a gap.

Binance has no in-band snapshot, so under ``on_gap="resync"`` the replay stops
at the gap with a status naming it (a new REST snapshot would be needed).
Subscription replies (``{"result": ..., "id": ...}``), ``serverShutdown``
events and events of other streams or symbols are skipped and counted.

``r.bbo["seq"]`` is ``u`` (``lastUpdateId`` for the snapshot); ``ts`` is the
event time ``E`` (milliseconds by default; a connection opened with
``timeUnit=MICROSECOND`` sends microseconds — told apart by magnitude: any
time after 1973 in microseconds is >= 1e14, any millisecond time before the
year 5000 is below it). The spot REST snapshot carries no time (ts 0); the
futures one carries ``E``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import FeedError
from ._binance_scan import scan_batches
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
    ns_in_range,
    typed_decoder,
)

_US_THRESHOLD = 10**14


class _Event(msgspec.Struct):
    e: str
    E: int
    s: str
    U: int
    u: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]


class _FuturesEvent(_Event):
    pu: int


class _Wrapped(msgspec.Struct):
    stream: str
    data: _Event


class _FuturesWrapped(msgspec.Struct):
    stream: str
    data: _FuturesEvent


_DECODERS = {False: (typed_decoder(_Event), typed_decoder(_Wrapped)),
             True: (typed_decoder(_FuturesEvent), typed_decoder(_FuturesWrapped))}  # fmt: skip


def event_time_ns(e: int) -> int:
    """Binance ``E`` (ms, or µs on a ``timeUnit=MICROSECOND`` stream) in ns (a
    ``FrameError`` when that does not fit int64: r.bbo["ts"] could not hold it)."""
    return ns_in_range(e * 1_000 if e >= _US_THRESHOLD else e * 1_000_000, "E", e)


class BinanceSpotReader(JsonVenueReader):
    """Spot diff-depth frames (``U``/``u`` chain) after the REST snapshot."""

    format_name = "binance"
    in_band_snapshots = False
    futures = False

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.last_update_id = 0  # the snapshot's lastUpdateId
        self.book_id: int | None = None  # u of the last applied event (None: none yet)

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C scanner (tb_json_scan.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    def initial(self) -> Any:
        body, name = self._read_snapshot()
        try:
            lid = int_field(body, "lastUpdateId")
            bids, asks = levels(body, "bids"), levels(body, "asks")
            ts = event_time_ns(int_field(body, "E")) if "E" in body else 0
        except FrameError as e:
            raise FeedError(name, 0, f"{self.format_name} snapshot: {e}") from None
        self.last_update_id = lid
        self.synced = True
        return self._snapshot_batch(VenueMessage(1, Kind.SNAPSHOT, lid, ts, bids, asks), name)

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        if not isinstance(obj, dict):
            raise FrameError("a frame must be a JSON object")
        if "stream" in obj and "data" in obj:  # combined-stream wrapper
            obj = obj["data"]
            if not isinstance(obj, dict):
                raise FrameError("combined-stream 'data' must be an object")
        ev = obj.get("e")
        if ev != "depthUpdate":
            if ev is None and not ("id" in obj or "result" in obj or "code" in obj):
                raise FrameError("not a Binance event (no 'e') nor a request reply")
            return Kind.NONBOOK  # subscription reply, serverShutdown, another stream's event
        sym = field_of(obj, "s", str)
        first, last = int_field(obj, "U"), int_field(obj, "u")
        prev = int_field(obj, "pu") if self.futures else 0
        bids, asks = levels(obj, "b"), levels(obj, "a")
        return self._event(line, sym, first, last, prev, int_field(obj, "E"), bids, asks)

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        plain, wrapped = _DECODERS[self.futures]
        try:
            ev = wrapped.decode(raw).data if raw.startswith(b'{"stream"') else plain.decode(raw)
        except TYPED_ERRORS:
            return None
        if ev.e != "depthUpdate":
            return None
        return self._event(line, ev.s, ev.U, ev.u, getattr(ev, "pu", 0), ev.E, ev.b, ev.a)

    def _event(
        self, line: int, sym: str, first: int, last: int, prev: int, e: int,
        bids: list[tuple[str, str]], asks: list[tuple[str, str]],
    ) -> VenueMessage | Kind:  # fmt: skip
        """The sync rules for one depthUpdate event."""
        check_i64(U=first, u=last, pu=prev, E=e)
        if self._is_other_symbol(sym):
            return Kind.NONBOOK
        ts = event_time_ns(e)
        if not self.synced:
            return Kind.PRESYNC  # after a gap: no in-band snapshot (the engine stops anyway)
        if not self._admit(first, last, prev):
            return Kind.STALE
        self.book_id = last
        return VenueMessage(line, Kind.DELTA, last, ts, bids, asks)

    def _admit(self, first: int, last: int, prev: int) -> bool:
        """Spot: False for a stale event, GapSignal for a gap, True to apply."""
        lid = self.last_update_id
        if self.book_id is None:  # before the first applied event
            if last <= lid:
                return False
            if first > lid + 1:
                raise GapSignal(
                    f"sequence gap: the first event after the snapshot must have U <= lastUpdateId + 1 "
                    f"= {lid + 1} <= u; got U={first}, u={last} (the snapshot is older than the stream)"
                )
            return True
        if last < self.book_id:
            return False
        if first > self.book_id + 1:
            raise GapSignal(gap_note("u", self.book_id, "U", first, self.book_id + 1))
        return True


class BinanceFuturesReader(BinanceSpotReader):
    """Futures diff-depth frames (``pu`` chain) after the REST snapshot."""

    format_name = "binance-futures"
    futures = True

    def _admit(self, first: int, last: int, prev: int) -> bool:
        lid = self.last_update_id
        if self.book_id is None:
            if last < lid:
                return False
            if first > lid:
                raise GapSignal(
                    f"sequence gap: the first event after the snapshot must have U <= lastUpdateId "
                    f"= {lid} <= u; got U={first}, u={last} (the snapshot is older than the stream)"
                )
            return True
        if prev != self.book_id:
            raise GapSignal(gap_note("u", self.book_id, "pu", prev, self.book_id))
        return True
