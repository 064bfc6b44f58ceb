"""OKX v5 ``books`` frames (the 400-level channel: a full snapshot, then
incremental updates every 100 ms).

Frame shape (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
§ "Push Data Example: Full Snapshot" / "Incremental Data")::

    {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "snapshot" | "update",
     "data": [{"asks": [["8476.98", "415", "0", "13"], ...], "bids": [...],
               "ts": "1597026383085", "checksum": -855196043, "prevSeqId": -1, "seqId": 123456}]}

Levels are ``[price, size, "0" (deprecated), order count]``; the size is
absolute, 0 deletes ("Merging incremental data into full data").

Sequence (same page § "Sequence ID"): "The ``prevSeqId`` in the new message
matches with ``seqId`` of the previous message"; a snapshot has
``prevSeqId = -1`` and resets the book. Its two documented exceptions:

  1. no change for a while: an update with empty ``asks``/``bids`` whose
     ``seqId`` equals the previous one and ``prevSeqId == seqId`` — a
     keep-alive: it is chain-checked like any update, then skipped and
     counted (no book change, no row);
  2. a reset for maintenance: an update whose ``seqId`` is *smaller* than its
     ``prevSeqId`` — still matched on ``prevSeqId``; the chain goes on from
     the new ``seqId``.

Any other ``prevSeqId`` that is not the previous ``seqId`` is a gap; under
``on_gap="resync"`` book frames are skipped until the next snapshot.

Checksum (same page § "Checksum"; see ``_checksums``): signed CRC32 of the
first 25 bids and asks interleaved, verified after the message when the frame
carries a non-zero ``checksum`` and ``checksum=True`` (OKX may send 0, meaning
none).

Frames of the common shape go through C (``tb_json_okx.h`` via ``_okx_scan``:
the same rules, the checksum verified in the C replay loop); everything else,
and ``TAPEBOOK_JSON_SCAN=0``, through this module.

``r.bbo["seq"]`` is ``seqId``; ``ts`` is the data's ``ts`` (ms). Subscription
replies, errors and notices (``{"event": ...}``) and other channels or
instruments are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ._checksums import OkxChecksum
from ._json_loop import scan_enabled
from ._okx_scan import scan_batches
from ._reader import ChecksumSpec, Kind, MessageBatch, gap_note
from ._venue import (
    TYPED_ERRORS,
    FrameError,
    GapSignal,
    JsonVenueReader,
    VenueMessage,
    check_i64,
    field_of,
    int_field,
    int_text,
    levels,
    ms_to_ns,
    typed_decoder,
)


class _Arg(msgspec.Struct):
    channel: str
    instId: str


class _Data(msgspec.Struct):
    asks: list[tuple[str, str, str, str]]
    bids: list[tuple[str, str, str, str]]
    ts: str
    prevSeqId: int
    seqId: int
    checksum: int = 0


class _Frame(msgspec.Struct):
    arg: _Arg
    action: str
    data: list[_Data]


_DECODER = typed_decoder(_Frame)


class OkxReader(JsonVenueReader):
    """``books``: snapshot/update, seqId/prevSeqId chain, CRC32 when non-zero."""

    format_name = "okx"
    in_band_snapshots = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.last_seq: int | None = None
        inst = self.opts.instrument
        fn = OkxChecksum(inst.tick_size, inst.lot_size)
        # the engine compares unsigned values: OKX's signed CRC32 is taken & 0xFFFFFFFF on both sides
        self.checksum_spec = ChecksumSpec("okx CRC32", OkxChecksum.depth, fn.unsigned, fn.c_params())

    def __iter__(self) -> Iterator[MessageBatch]:
        # frames of the common shape through the C sync loop (tb_json_okx.h), the rest as before
        if scan_enabled():
            return scan_batches(self)
        return super().__iter__()

    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        if not isinstance(obj, dict):
            raise FrameError("a frame must be a JSON object")
        if "event" in obj:  # subscribe / unsubscribe / error / notice replies
            return Kind.NONBOOK
        arg = field_of(obj, "arg", dict)
        if field_of(arg, "channel", str) != "books":
            return Kind.NONBOOK
        if self._is_other_symbol(field_of(arg, "instId", str)):
            return Kind.NONBOOK
        action = field_of(obj, "action", str)
        data = field_of(obj, "data", list)
        if len(data) != 1:
            raise FrameError(f"'data' must hold one book, got {len(data)}")
        d = data[0]
        seq, prev = int_field(d, "seqId"), int_field(d, "prevSeqId")
        bids, asks = levels(d, "bids"), levels(d, "asks")
        ts = ms_to_ns(int_field(d, "ts"), "ts")
        checksum = int_field(d, "checksum") if "checksum" in d else 0
        return self._book(line, action, seq, prev, ts, bids, asks, checksum)

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        if not raw.startswith(b'{"arg":{"channel":"books"'):
            return None
        try:
            f = _DECODER.decode(raw)
        except TYPED_ERRORS:
            return None
        if f.arg.channel != "books" or len(f.data) != 1:
            return None
        d = f.data[0]
        if not (d.ts.isascii() and d.ts.isdigit() and len(d.ts) <= 15) or not -(2**31) <= d.checksum < 2**32:
            return None
        if self._is_other_symbol(f.arg.instId):
            return Kind.NONBOOK
        ts = ms_to_ns(int_text(d.ts, "ts"), "ts")
        return self._book(line, f.action, d.seqId, d.prevSeqId, ts, d.bids, d.asks, d.checksum)

    def _book(
        self, line: int, action: str, seq: int, prev: int, ts: int, bids: Any, asks: Any, checksum: int
    ) -> VenueMessage | Kind:
        """The seqId / prevSeqId rules for one book frame."""
        check_i64(seqId=seq, prevSeqId=prev)
        msg = VenueMessage(line, Kind.DELTA, seq, ts, bids, asks, checksum if checksum != 0 else None)
        if action == "snapshot":
            msg.kind = Kind.SNAPSHOT
            self.last_seq = seq
            self.synced = True
            return msg
        if action != "update":
            raise FrameError(f"unknown action {action!r}")
        if not self.synced:
            return Kind.PRESYNC
        last = self.last_seq
        assert last is not None
        if prev != last:
            raise GapSignal(gap_note("seqId", last, "prevSeqId", prev, last) + f" (seqId={seq})")
        self.last_seq = seq
        if seq == prev and not bids and not asks:  # exception 1: a keep-alive
            return Kind.NONBOOK
        return msg
