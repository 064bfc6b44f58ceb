"""Bitstamp ``live_orders`` frames decoded into typed structs (msgspec), for the C
order-log path of ``bitstamp-l3``.

Only frames in the shape Bitstamp sends are taken here — ``id`` and ``order_type``
JSON integers, ``microtimestamp`` a string of digits, ``price_str`` / ``amount_str``
strings; anything else (a field missing, null or of another type, a number sent as
text, an id out of range, invalid JSON) returns ``None`` and the reader parses the line
with its own frame parser, the reference, so errors and their reasons stay its own.
"""

from __future__ import annotations

import msgspec


class _Data(msgspec.Struct):
    id: int
    order_type: int
    microtimestamp: str
    price_str: str | None = None
    amount_str: str | None = None


class _Frame(msgspec.Struct):
    event: str
    channel: str
    data: _Data


_DECODER = msgspec.json.Decoder(_Frame)


def typed(raw: bytes) -> tuple[str, str, tuple[str, int, int, str, str, int]] | None:
    """``(event, channel, (event, id, side, price, amount, ts))`` — or None: parse the
    line the reference way."""
    try:
        f = _DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    d = f.data
    us = d.microtimestamp
    if not (0 <= d.id < 1 << 63 and d.order_type in (0, 1) and us.isascii() and us.isdigit()):
        return None
    ts = int(us) * 1000
    if ts >= 1 << 63:  # the reference's error (or its later overflow)
        return None
    if f.event == "order_deleted":
        price = amount = "0"
    elif d.price_str is None or d.amount_str is None:
        return None
    else:
        price, amount = d.price_str, d.amount_str
    return f.event, f.channel, (f.event, d.id, 1 - d.order_type, price, amount, ts)
