"""NASDAQ TotalView-ITCH 5.0 binary files (NASDAQ's BinaryFILE framing: each
message preceded by its 2-byte big-endian length).

Spec: "Nasdaq TotalView-ITCH 5.0" (nasdaqtrader.com, NQTVITCHspecification.pdf),
§4.3 "Add Order" (``A``, ``F``), §4.4 "Modify Order" (``E`` executed, ``C``
executed with price, ``X`` cancel, ``D`` delete, ``U`` replace). The decoding
is C (``csrc/tapebook/tb_itch.h``: lengths validated, one call per block of
records); this module applies the venue's meaning:

* ``A`` / ``F`` add an order (``B`` buy -> bid, ``S`` sell -> ask);
* ``E`` / ``C`` execute shares from it, ``X`` cancels shares of it (priority
  kept; it leaves the book at 0), ``D`` deletes it;
* ``U`` replaces it: the old reference leaves, the new one joins the back of
  its (new) price with the old order's side — MBO rows ``C`` old + ``A`` new;
* every other message (system events, stock directory, trading actions,
  trades ``P`` / ``Q`` / ``B`` of non-displayed orders, NOII, ...) changes no
  displayed order: skipped and counted (``r.l3_counts["skipped_type"]``), as are
  order messages of other stocks (``skipped_stock``).

Options: ``symbol="AAPL"`` (the stock locate is learned from the stock
directory message ``R``, which NASDAQ sends at the start of the day; order
messages before it are skipped) or ``stock_locate=13``. Prices are ``Price(4)``
(4 implied decimals): ``tick_size`` must be a whole multiple of ``0.0001``;
shares are whole: ``lot_size`` a whole number of shares.

``ts`` is the message's timestamp (ns since midnight, as ITCH sends it; add the
session date's epoch yourself); ``seq`` the 0-based index of the record in the
stream; ``line`` its 1-based record number in its file. An executed, cancelled
or deleted reference that does not rest (a file that starts mid-day) is counted
``unknown_id``. A malformed record (a decoded type with the wrong length, a
side other than B/S, a zero reference, a price not a whole number of ticks) is
a ``FeedError`` naming the record, or skipped and counted under
``on_error="skip"``; a file that ends inside a record likewise.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np

from .._native import ffi, lib
from ..errors import InvalidArgumentError
from ._l3reader import L3Reader, unit_divisor
from ._mbo import MboBatch
from ._reader import Kind, MessageBatch
from ._source import _read

_PRICE_UNIT = Decimal("0.0001")
_READ_BYTES = 1 << 20
_ROWS = 1 << 15


class ItchReader(L3Reader):
    """ITCH 5.0 order messages of one stock into an order log."""

    format_name = "itch"
    options = ("symbol", "stock_locate")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        inst = self.opts.instrument
        self.px_div = unit_divisor(inst.tick_size, _PRICE_UNIT, "tick_size", self.format_name)
        self.qty_div = unit_divisor(inst.lot_size, Decimal(1), "lot_size", self.format_name)
        symbol = self.option("symbol", str)
        locate = self.option("stock_locate", int)
        if (symbol is None) == (locate is None):
            raise InvalidArgumentError("format 'itch' needs exactly one of symbol= or stock_locate=")
        self.state = ffi.new("tb_itch_state *")
        if locate is not None:
            if not 1 <= locate <= 0xFFFF:
                raise InvalidArgumentError(f"stock_locate={locate} must be in [1, 65535]")
            lib.tb_itch_init(self.state, locate, ffi.NULL)
        else:
            raw = symbol.encode("ascii", "replace")
            if not 1 <= len(raw) <= 8:
                raise InvalidArgumentError(f"symbol={symbol!r} must be 1 to 8 ASCII characters")
            self._sym = ffi.new("char[8]", raw.ljust(8, b" "))
            lib.tb_itch_init(self.state, 0, self._sym)
        self._cols = {
            "action": np.empty(_ROWS, np.uint8), "order_id": np.empty(_ROWS, np.uint64),
            "new_id": np.empty(_ROWS, np.uint64), "side": np.empty(_ROWS, np.uint8),
            "px": np.empty(_ROWS, np.int64), "qty": np.empty(_ROWS, np.uint64),
            "ts": np.empty(_ROWS, np.int64), "record": np.empty(_ROWS, np.int64),
        }  # fmt: skip
        self._out = ffi.new("tb_itch_rows *")
        self._keep = []
        for name, arr in self._cols.items():
            ctype = {np.uint8: "uint8_t", np.uint64: "uint64_t", np.int64: "int64_t"}[arr.dtype.type]
            buf = ffi.from_buffer(f"{ctype}[]", arr, require_writable=True)
            self._keep.append(buf)
            setattr(self._out, name, buf)
        self._out.cap = _ROWS
        self._consumed = ffi.new("size_t *")
        self._index = 0  # records before this file, for seq

    def _apply(self, n: int, base: int) -> None:
        """Rows 0..n of the output columns into the order log, one message each."""
        c = self._cols
        log = self.log
        for a, oid, new, side, px, qty, ts, rec in zip(
            c["action"][:n].tolist(), c["order_id"][:n].tolist(), c["new_id"][:n].tolist(),
            c["side"][:n].tolist(), c["px"][:n].tolist(), c["qty"][:n].tolist(),
            c["ts"][:n].tolist(), c["record"][:n].tolist(), strict=True,
        ):  # fmt: skip
            if a == 65:  # 'A'
                log.add(oid, side, px, qty)
            elif a == 69:  # 'E'
                log.execute(oid, qty)
            elif a == 67:  # 'C' (X: shares; D: 0 = all)
                log.cancel(oid, qty)
            else:  # 'U'
                log.replace(oid, new, px, qty)
            log.end(ts, base + rec - 1, rec)

    def _error(self, path: str, record: int, reason: str) -> None:
        self.log.skip(Kind.ERROR, 0, self._index + record - 1, record, note=reason)

    def mbo_batches(self) -> Iterator[tuple[MboBatch, MessageBatch]]:
        st = self.state
        for path, f in self.source.streams():
            st.records = 0
            buf = b""
            eof = False
            while not eof:
                block = _read(f, _READ_BYTES, path, int(st.records) + 1)
                eof = not block
                buf = buf + block if buf else block
                pos = 0
                while True:
                    view = ffi.from_buffer("uint8_t[]", buf)
                    status = lib.tb_itch_decode(
                        st, view + pos, len(buf) - pos, self.px_div, self.qty_div, self._out, self._consumed
                    )
                    self._apply(int(self._out.n), self._index)
                    pos += int(self._consumed[0])
                    if status == lib.TB_ERR_FORMAT:
                        reason = ffi.string(lib.tb_itch_reason_str(st.bad_reason)).decode()
                        typ = chr(buf[pos + 2]) if len(buf) > pos + 2 else "?"
                        self._error(path, int(st.records) + 1, f"message {typ!r}: {reason}")
                        st.records += 1
                        pos += int(st.bad_len)
                    elif status != lib.TB_OK:  # pragma: no cover - arguments are checked above
                        raise AssertionError(f"tb_itch_decode returned {status}")
                    elif int(self._out.n) < _ROWS:
                        break  # the rest is a partial record: read more
                    if self.log.pending_rows >= self.batch_rows:
                        yield self.flush(path)
                buf = buf[pos:]
            if buf:
                self._error(
                    path, int(st.records) + 1, f"the file ends inside a record ({len(buf)} bytes left)"
                )
            self._index += int(st.records)
            self.counts["skipped_type"] = int(st.skipped_type)
            self.counts["skipped_stock"] = int(st.skipped_stock)
            yield self.flush(path)
