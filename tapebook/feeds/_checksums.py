"""Venue book checksums computed from the book's own top levels (integer ticks
and lots), with the decimal text each venue builds its string from — written
and hashed in C (``csrc/tapebook/tb_venue_crc.h``), one call per message.

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

from decimal import Decimal
from typing import Any

import numpy as np

from .._native import ffi, lib


def _scale(step: Decimal, precision: int, what: str) -> int:
    """``step * 10**precision`` as an int: the digits one tick (or lot) adds."""
    v = step.scaleb(precision)
    if v != v.to_integral_value():
        raise ValueError(f"{what} step {step} is finer than the checksum precision of {precision} decimals")
    return int(v)


def _units(step: Decimal) -> tuple[int, int]:
    """``step`` as ``(m, e)`` with ``step == m * 10**-e``, ``e >= 0``."""
    _sign, digits, exp = step.as_tuple()
    m = int("".join(map(str, digits)))
    if not isinstance(exp, int):
        raise ValueError(f"not a finite step: {step}")
    if exp >= 0:
        return m * 10**exp, 0
    return m, -exp


def _side(levels: np.ndarray | list[tuple[int, int]], n: int) -> tuple[Any, Any, int]:
    """C views of the first ``n`` levels: a structured ``(px, qty)`` array or
    ``(ticks, lots)`` pairs."""
    if isinstance(levels, np.ndarray):
        px = np.ascontiguousarray(levels["px"][:n], dtype=np.int64)
        qty = np.ascontiguousarray(levels["qty"][:n], dtype=np.uint64)
    else:
        pairs = list(levels)[:n]
        px = np.array([p for p, _ in pairs], dtype=np.int64)
        qty = np.array([q for _, q in pairs], dtype=np.uint64)
    return ffi.from_buffer("int64_t[]", px), ffi.from_buffer("uint64_t[]", qty), len(px)


def _call(fn: Any, bids: Any, asks: Any, depth: int, *params: Any) -> int:
    out = ffi.new("uint32_t *")
    bp, bq, nb = _side(bids, depth)
    ap, aq, na = _side(asks, depth)
    st = fn(bp, bq, nb, ap, aq, na, *params, out)
    if st != lib.TB_OK:
        raise ValueError(f"checksum: a level's scaled value does not fit 64 bits (status {st})")
    return int(out[0])


class KrakenChecksum:
    """Kraken's CRC32 (unsigned) over the top 10 levels a side (C: ``tb_crc_kraken``)."""

    depth = 10

    def __init__(self, tick_size: Decimal, lot_size: Decimal, price_precision: int, qty_precision: int):
        self.px_scale = _scale(tick_size, price_precision, "price (tick_size)")
        self.qty_scale = _scale(lot_size, qty_precision, "quantity (lot_size)")
        if not (0 < self.px_scale < 2**64 and 0 < self.qty_scale < 2**64):
            raise ValueError("the checksum scale does not fit 64 bits")

    def __call__(self, bids: Any, asks: Any) -> int:
        """``bids`` / ``asks``: structured ``(px, qty)`` arrays or ``(ticks, lots)`` pairs, best first."""
        return _call(lib.tb_crc_kraken, bids, asks, 10, self.px_scale, self.qty_scale)

    def c_params(self) -> tuple[int, int, int, int, int]:
        """The C replay loop's description of this checksum (ChecksumSpec.c_params)."""
        return (1, self.px_scale, self.qty_scale, 0, 0)


class OkxChecksum:
    """OKX's CRC32 over the first 25 levels a side, interleaved (C: ``tb_crc_okx``).

    :meth:`__call__` gives the venue's signed value; :meth:`unsigned` the same bits
    unsigned, as the engine compares them."""

    depth = 25

    def __init__(self, tick_size: Decimal, lot_size: Decimal):
        self.pm, self.pe = _units(tick_size)
        self.qm, self.qe = _units(lot_size)
        if not (self.pm < 2**64 and self.qm < 2**64 and self.pe <= 38 and self.qe <= 38):
            raise ValueError("tick_size / lot_size out of the checksum's range")

    def unsigned(self, bids: Any, asks: Any) -> int:
        return _call(lib.tb_crc_okx, bids, asks, 25, self.pm, self.pe, self.qm, self.qe)

    def c_params(self) -> tuple[int, int, int, int, int]:
        """The C replay loop's description of this checksum (ChecksumSpec.c_params)."""
        return (2, self.pm, self.qm, self.pe, self.qe)

    def __call__(self, bids: Any, asks: Any) -> int:
        c = self.unsigned(bids, asks)
        return c - (1 << 32) if c >= 1 << 31 else c
