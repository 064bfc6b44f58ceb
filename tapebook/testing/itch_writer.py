"""A small NASDAQ TotalView-ITCH 5.0 encoder: writes the binary files the ``itch``
feed reads, so its tests need no capture.

Written from the "Nasdaq TotalView-ITCH 5.0" interface specification
(nasdaqtrader.com, NQTVITCHspecification.pdf): §3 (integers are unsigned
big-endian; ``Price(4)`` has 4 implied decimals; ``Timestamp`` is 6 bytes of
nanoseconds since midnight; ``Alpha`` fields are left-justified and padded with
spaces) and §4 (message layouts, below). The file framing is NASDAQ's
BinaryFILE: every message is preceded by its length as 2 big-endian bytes.

Every message starts with ``type(1) stock_locate(2) tracking_number(2)
timestamp(6)``; then:

====  ===================================  =======================================
type  name                                 body (after the 11 common bytes)
====  ===================================  =======================================
S     System Event (12)                    event code(1)
R     Stock Directory (39)                 stock(8) market category(1) financial
                                           status(1) round lot size(4) round lots
                                           only(1) issue classification(1) issue
                                           sub-type(2) authenticity(1) short sale
                                           threshold(1) IPO flag(1) LULD tier(1)
                                           ETP flag(1) ETP leverage(4) inverse(1)
A     Add Order, no MPID (36)              order ref(8) side(1) shares(4) stock(8)
                                           price(4)
F     Add Order with MPID (40)             as A, then attribution(4)
E     Order Executed (31)                  order ref(8) executed shares(4) match(8)
C     Order Executed With Price (36)       order ref(8) executed shares(4) match(8)
                                           printable(1) execution price(4)
X     Order Cancel (23)                    order ref(8) cancelled shares(4)
D     Order Delete (19)                    order ref(8)
U     Order Replace (35)                   original ref(8) new ref(8) shares(4)
                                           price(4)
P     Trade, non-cross (44)                order ref(8) side(1) shares(4) stock(8)
                                           price(4) match(8)
====  ===================================  =======================================
"""

from __future__ import annotations

import struct
from pathlib import Path

_HEAD = struct.Struct(">cHH6s")


def _ts(ns: int) -> bytes:
    return ns.to_bytes(6, "big")


def _stock(symbol: str) -> bytes:
    raw = symbol.encode("ascii")
    if len(raw) > 8:
        raise ValueError(f"symbol {symbol!r} is longer than 8 characters")
    return raw.ljust(8, b" ")


class ItchWriter:
    """Collects ITCH 5.0 messages; :meth:`to_bytes` / :meth:`write` frame them."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.tracking = 0

    def _msg(self, type_: bytes, locate: int, ts: int, body: bytes) -> None:
        self.tracking = (self.tracking + 1) & 0xFFFF
        self.messages.append(_HEAD.pack(type_, locate, self.tracking, _ts(ts)) + body)

    def raw(self, message: bytes) -> None:
        """Append a message as given (malformed-record tests)."""
        self.messages.append(message)

    def system_event(self, ts: int, code: str = "O") -> None:
        self._msg(b"S", 0, ts, code.encode("ascii"))

    def stock_directory(self, ts: int, locate: int, symbol: str) -> None:
        body = _stock(symbol) + b"Q" + b"N" + struct.pack(">I", 100) + b"N" + b"C" + b"Z " + b"P"
        body += b"N" + b" " + b"1" + b"N" + struct.pack(">I", 0) + b"N"
        self._msg(b"R", locate, ts, body)

    def add(self, ts: int, locate: int, ref: int, side: str, shares: int, symbol: str, price: int,
            mpid: str | None = None) -> None:  # fmt: skip
        """Add Order (``A``), or ``F`` with ``mpid``; ``price`` in 1/10000 of a dollar."""
        body = struct.pack(">Q", ref) + side.encode("ascii") + struct.pack(">I", shares)
        body += _stock(symbol) + struct.pack(">I", price)
        if mpid is None:
            self._msg(b"A", locate, ts, body)
        else:
            self._msg(b"F", locate, ts, body + mpid.encode("ascii").ljust(4, b" "))

    def executed(self, ts: int, locate: int, ref: int, shares: int, match: int) -> None:
        self._msg(b"E", locate, ts, struct.pack(">QIQ", ref, shares, match))

    def executed_with_price(self, ts: int, locate: int, ref: int, shares: int, match: int, price: int,
                            printable: bool = True) -> None:  # fmt: skip
        flag = b"Y" if printable else b"N"
        body = struct.pack(">QIQ", ref, shares, match) + flag + struct.pack(">I", price)
        self._msg(b"C", locate, ts, body)

    def cancel(self, ts: int, locate: int, ref: int, shares: int) -> None:
        self._msg(b"X", locate, ts, struct.pack(">QI", ref, shares))

    def delete(self, ts: int, locate: int, ref: int) -> None:
        self._msg(b"D", locate, ts, struct.pack(">Q", ref))

    def replace(self, ts: int, locate: int, old_ref: int, new_ref: int, shares: int, price: int) -> None:
        self._msg(b"U", locate, ts, struct.pack(">QQII", old_ref, new_ref, shares, price))

    def trade(self, ts: int, locate: int, ref: int, side: str, shares: int, symbol: str, price: int,
              match: int) -> None:  # fmt: skip
        body = struct.pack(">Q", ref) + side.encode("ascii") + struct.pack(">I", shares)
        body += _stock(symbol) + struct.pack(">IQ", price, match)
        self._msg(b"P", locate, ts, body)

    def to_bytes(self) -> bytes:
        """The BinaryFILE framing: each message preceded by its 2-byte big-endian length."""
        return b"".join(struct.pack(">H", len(m)) + m for m in self.messages)

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_bytes(self.to_bytes())
        return p
