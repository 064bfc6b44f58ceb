"""Bitstamp ``live_orders_{pair}`` frames: every order of the book, created, changed, deleted.

Frames (https://www.bitstamp.net/websocket/v2/ § "Channels", "Live orders";
channel ``live_orders_[currency_pair]``; events ``order_created``,
``order_changed``, ``order_deleted``)::

    {"data": {"id": 1463254347259904, "id_str": "1463254347259904", "order_type": 0,
              "datetime": "1643643584", "microtimestamp": "1643643584684047",
              "amount": 0.5, "amount_str": "0.50000000", "price": 36950, "price_str": "36950.00"},
     "channel": "live_orders_btcusd", "event": "order_created"}

``order_type`` 0 is a buy (bid), 1 a sell (ask). ``amount`` is the order's
remaining amount and ``price`` its price *now* (``order_changed`` may carry a new
price); the exact ``*_str`` fields are read (the numbers only when the strings
are absent; a JSON number is kept as its text, never a float). ``ts`` is
``microtimestamp`` in ns; ``seq`` the 0-based index of the order frame.

The channel starts mid-stream and sends no snapshot, so the book holds the
orders seen since the capture began. The rules (issue #15), each counted in
``r.l3_counts`` and never fatal:

* ``order_changed`` for an order that does not rest adds it (``changed_unknown``);
  a changed amount at the same price keeps priority when it went down and goes
  to the back when it went up; a new price goes to the back of that level; an
  amount of 0 removes the order;
* ``order_deleted`` for an unknown order is ignored (``deleted_unknown``);
* ``order_created`` for an order that rests replaces it (``duplicate_add``);
* the book is not matched: it may cross (``on_crossed`` decides what that means);
* a frame that would take a level's total past 2**64 - 1 lots changes nothing
  (``level_overflow``): it is an ERROR message, as a frame that cannot be parsed.

Subscription replies, heartbeats, reconnect requests, other channels and other
pairs (``symbol=``; else the first pair seen) are skipped and counted; a frame
that cannot be parsed is a ``FeedError`` (path, line, reason) or skipped under
``on_error="skip"``.

The frames of a block go to the C order log in one call (``_olog.py``, ops ``A`` /
``U`` / ``X``); ``TAPEBOOK_L3_C=0`` uses the Python order log instead (the reference
path the tests hold it to).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._decimal import DecimalColumnError
from ._bitstamp_l3_typed import typed
from ._l3reader import L3Reader
from ._mbo import LevelOverflowError, MboBatch
from ._olog import COrderLog, c_log_enabled, ops_columns
from ._reader import Kind, MessageBatch
from ._venue import FrameError, decode, field_of, int_field

_PREFIX = "live_orders_"
_EVENTS = ("order_created", "order_changed", "order_deleted")
_OPS = dict(zip(_EVENTS, (ord("A"), ord("U"), ord("X")), strict=True))  #: tb_olog_run's op per event


def _decimal_text(data: dict[str, Any], key: str) -> str:
    """``key_str``, else ``key`` (a JSON number decoded as its text)."""
    v = data.get(f"{key}_str", data.get(key))
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise FrameError(f"field {key!r} missing or not a number: {v!r}")
    return str(v)


class BitstampL3Reader(L3Reader):
    """``live_orders`` frames into an order log (rules in the module docstring)."""

    format_name = "bitstamp-l3"
    options = ("symbol",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.symbol: str | None = self.option("symbol", str)
        self.index = 0
        if c_log_enabled():  # the frames' events in one C call per block (else the Python order log)
            self.clog = COrderLog(self.source.name, self.counts)

    def _mine(self, event: str, channel: Any) -> bool:
        """An order event of the replayed pair (the first pair seen unless symbol=)."""
        if event not in _EVENTS or not isinstance(channel, str) or not channel.startswith(_PREFIX):
            return False
        pair = channel[len(_PREFIX) :]
        if self.symbol is None:
            self.symbol = pair
        return pair == self.symbol

    def _typed_frame(self, raw: bytes) -> tuple[str, int, int, str, str, int] | None:
        """_frame for the C path: typed decoding, the frames it does not take through _frame."""
        got = typed(raw)
        if got is None:
            return self._frame(raw)
        event, channel, frame = got
        return frame if self._mine(event, channel) else None

    def _frame(self, raw: bytes) -> tuple[str, int, int, str, str, int] | None:
        """``(event, id, side, price, amount, ts)`` of an order frame, None for others."""
        obj = decode(raw)
        event = field_of(obj, "event", str)
        if not self._mine(event, obj.get("channel")):
            return None
        d = field_of(obj, "data", dict)
        oid = int_field(d, "id")
        if oid < 0:
            raise FrameError(f"order id {oid} is negative")
        side = int_field(d, "order_type")
        if side not in (0, 1):
            raise FrameError(f"order_type {side} must be 0 (buy) or 1 (sell)")
        ts = int_field(d, "microtimestamp") * 1000
        price = amount = "0"
        if event != "order_deleted":
            price, amount = _decimal_text(d, "price"), _decimal_text(d, "amount")
        return event, oid, 1 - side, price, amount, ts

    def _apply_block(self, frames: list[tuple[int, Any]]) -> None:
        """Parsed frames of a block: prices and amounts converted in one C call each, then
        applied to the log; a value that is not whole ticks / lots is an ERROR message."""
        inst = self.opts.instrument
        orders = [(i, f) for i, (_line, f) in enumerate(frames) if isinstance(f, tuple)]
        bad: dict[int, str] = {}
        while True:
            live = [(i, f) for i, f in orders if i not in bad]
            try:
                ticks = inst.prices_to_ticks([f[3] for _, f in live]).tolist()
                lots = inst.sizes_to_lots([f[4] for _, f in live]).tolist()
                break
            except DecimalColumnError as e:
                what = "price" if str(e).startswith("prices") else "amount"
                bad[live[e.index][0]] = f"{what} {e.value!r}: {e.reason}"
        conv = {i: (t, q) for (i, _f), t, q in zip(live, ticks, lots, strict=True)}
        if self.clog is not None:
            self._apply_c(frames, conv, bad)
            return
        log = self.log
        for i, (line, f) in enumerate(frames):
            if isinstance(f, str):  # a frame that could not be parsed
                log.skip(Kind.ERROR, 0, self.index, line, note=f)
            elif f is None:
                log.skip(Kind.NONBOOK, 0, self.index, line)
            elif i in bad:
                log.skip(Kind.ERROR, f[5], self.index, line, note=bad[i])
            else:
                event, oid, side, _p, _a, ts = f
                px, qty = conv[i]
                try:
                    if event == "order_created":
                        log.add(oid, side, px, qty)
                    elif event == "order_changed":
                        if oid not in log:
                            self.counts["changed_unknown"] += 1
                            log.add(oid, side, px, qty)
                        else:
                            log.modify(oid, px, qty)
                    elif oid in log:
                        log.cancel(oid)
                    else:
                        self.counts["deleted_unknown"] += 1
                except LevelOverflowError as e:  # refused, nothing changed: an ERROR message
                    log.skip(Kind.ERROR, ts, self.index, line, note=str(e))
                else:
                    log.end(ts, self.index, line)
                self.index += 1

    def _apply_c(
        self, frames: list[tuple[int, Any]], conv: dict[int, tuple[int, int]], bad: dict[int, str]
    ) -> None:
        """_apply_block's rules as ops rows for the C order log: created 'A', changed 'U'
        (an unknown id is added: changed_unknown), deleted 'X' (deleted_unknown)."""
        n = len(frames)
        ops = ops_columns(n)
        ops["end"][:] = 1
        ts, seq, kind = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8)
        line = np.array([ln for ln, _f in frames], np.int64)
        notes: dict[int, str] = {}
        for i, (_line, f) in enumerate(frames):
            seq[i] = self.index
            if isinstance(f, str):  # a frame that could not be parsed
                kind[i], notes[i] = Kind.ERROR, f
            elif f is None:
                kind[i] = Kind.NONBOOK
            elif i in bad:
                kind[i], ts[i], notes[i] = Kind.ERROR, f[5], bad[i]
            else:
                event, oid, side, _p, _a, ts[i] = f
                ops["op"][i] = _OPS[event]
                ops["order_id"][i], ops["side"][i] = oid, side
                ops["px"][i], ops["qty"][i] = conv[i]
                self.index += 1
        assert self.clog is not None
        self.clog.run(ops, (ts, seq, kind, line), notes, refused_as_error=True)

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        frames: list[tuple[int, Any]] = []
        path = self.source.name
        parse_frame = self._frame if self.clog is None else self._typed_frame
        for p, line, raw in self.source.lines():
            if p != path and frames:
                self._apply_block(frames)
                frames = []
                yield self.flush(path)
            path = p
            if not raw.strip():
                continue
            try:
                frames.append((line, parse_frame(raw)))
            except FrameError as e:
                frames.append((line, str(e)))
            if len(frames) >= self.batch_rows:
                self._apply_block(frames)
                frames = []
                yield self.flush(path)
        self._apply_block(frames)
        yield self.flush(path)
