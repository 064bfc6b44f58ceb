"""Venue book checksums computed from the book's own top levels (integer ticks
and lots), with the decimal text each venue builds its string from.

* Kraken (https://docs.kraken.com/api/docs/guides/spot-ws-book-v2, now
  https://docs.kraken.com/exchange/guides/websockets/book-checksum-v2
  § "Checksum calculation"): for each of the top 10 asks (low to high), then
  the top 10 bids (high to low): the price and the quantity as the venue's
  decimal string with the ``.`` removed and leading zeros stripped, appended
  ``price + qty``; CRC32 of the concatenation as an unsigned 32-bit integer.
  The venue formats every value with the instrument's precision
  (``price_precision`` / ``qty_precision`` of the v2 ``instrument`` channel),
  so the digits are ``value * 10**precision`` as a plain integer.
* OKX (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
  § "Checksum"): the first 25 bids and asks interleaved
  ``bid price:bid size:ask price:ask size:...`` (a side with fewer levels
  just ends early), joined with ``:``; CRC32 as a *signed* 32-bit integer.
  The strings are the ones the venue sent, and OKX sends the shortest plain
  decimal: no trailing zeros, no trailing ``.``, no exponent (the document's
  own examples: ``"8477"``, ``"3366"`` for whole prices of a 0.01-tick
  instrument, ``"111.1"`` for 111.10) — so the text is rebuilt that way.
"""

from __future__ import annotations

import zlib
from decimal import Decimal


def _scale(step: Decimal, precision: int, what: str) -> int:
    """``step * 10**precision`` as an int: the digits one tick (or lot) adds."""
    v = step.scaleb(precision)
    if v != v.to_integral_value():
        raise ValueError(f"{what} step {step} is finer than the checksum precision of {precision} decimals")
    return int(v)


class KrakenChecksum:
    """Kraken's CRC32 over the top 10 levels a side."""

    depth = 10

    def __init__(self, tick_size: Decimal, lot_size: Decimal, price_precision: int, qty_precision: int):
        self.px_scale = _scale(tick_size, price_precision, "price (tick_size)")
        self.qty_scale = _scale(lot_size, qty_precision, "quantity (lot_size)")

    def __call__(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> int:
        ps, qs = self.px_scale, self.qty_scale
        parts = [f"{px * ps}{q * qs}" for px, q in asks[:10]]
        parts += [f"{px * ps}{q * qs}" for px, q in bids[:10]]
        return zlib.crc32("".join(parts).encode("ascii"))


def _plain(units: int, exp: int) -> str:
    """``units * 10**-exp`` as the shortest plain decimal (``exp`` >= 0)."""
    neg = units < 0
    s = str(-units if neg else units)
    if exp:
        s = s.rjust(exp + 1, "0")
        s = f"{s[:-exp]}.{s[-exp:]}".rstrip("0").rstrip(".")
    return "-" + s if neg else s


def _units(step: Decimal) -> tuple[int, int]:
    """``step`` as ``(m, e)`` with ``step == m * 10**-e``, ``e >= 0``."""
    _sign, digits, exp = step.as_tuple()
    m = int("".join(map(str, digits)))
    if not isinstance(exp, int):
        raise ValueError(f"not a finite step: {step}")
    if exp >= 0:
        return m * 10**exp, 0
    return m, -exp


class OkxChecksum:
    """OKX's signed CRC32 over the first 25 levels a side, interleaved."""

    depth = 25

    def __init__(self, tick_size: Decimal, lot_size: Decimal):
        self.pm, self.pe = _units(tick_size)
        self.qm, self.qe = _units(lot_size)

    def text(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> str:
        pm, pe, qm, qe = self.pm, self.pe, self.qm, self.qe
        parts: list[str] = []
        for i in range(25):
            if i < len(bids):
                px, q = bids[i]
                parts += (_plain(px * pm, pe), _plain(q * qm, qe))
            if i < len(asks):
                px, q = asks[i]
                parts += (_plain(px * pm, pe), _plain(q * qm, qe))
        return ":".join(parts)

    def __call__(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> int:
        c = zlib.crc32(self.text(bids, asks).encode("ascii"))
        return c - (1 << 32) if c >= 1 << 31 else c
