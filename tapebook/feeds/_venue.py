"""What the JSON venue readers share: frame decoding, timestamps, the venue
message record, and the sync state every venue's rules drive.

A venue reader turns each line of a JSON-lines capture (one raw websocket
frame per line, exactly as the venue sent it) into one message of the reader
interface (``_reader``): a book message (absolute quantities, as the venue's
decimal strings, converted by :class:`~tapebook.feeds._reader.MessageBuilder`)
with its kind (delta or snapshot), sequence number, timestamp and the venue's
own check value (a CRC32), or a message that gives no row (acks, heartbeats,
status, other channels, other symbols, stale frames, frames before the book
is in sync), or an ERROR / GAP message whose note says why.

The venue modules (``binance``, ``coinbase``, ``kraken``, ``okx``, ``bybit``,
``bitstamp``) spell out their venue's rules next to the code, each with a link
to the venue's document.
"""

from __future__ import annotations

import abc
import calendar
import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import ArgumentTypeError, FeedError, InvalidArgumentError
from ._reader import ChecksumSpec, Kind, MessageBatch, MessageBuilder

if TYPE_CHECKING:
    from ._reader import ReaderOptions
    from ._source import Source

# Numbers keep their text: Kraken v2 sends prices and quantities as JSON
# numbers "containing full precision" (its book-checksum guide asks for a
# decimal/string decoder), and a float would lose both the exactness and the
# digits the checksum is computed from. Integers (sequence ids) stay ints.
_DECODER = msgspec.json.Decoder(float_hook=str)


class FrameError(ValueError):
    """A frame the reader cannot use (invalid JSON, a missing or mistyped
    field); the reader turns it into a ``FeedError`` naming path and line."""


def decode(raw: bytes | str) -> Any:
    """One JSON frame, floats as their exact text."""
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError as e:
        raise FrameError(f"invalid JSON: {e}") from None


def field_of(obj: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """``obj[key]`` checked to be of ``kind`` (a frame shape error otherwise)."""
    if not isinstance(obj, dict):
        raise FrameError(f"expected a JSON object holding {key!r}, got {type(obj).__name__}")
    try:
        v = obj[key]
    except KeyError:
        raise FrameError(f"missing field {key!r}") from None
    if not isinstance(v, kind) or isinstance(v, bool):
        raise FrameError(f"field {key!r} has type {type(v).__name__}")
    return v


def int_field(obj: Any, key: str) -> int:
    """An integer field, sent as a JSON integer or as a decimal string of one."""
    v = field_of(obj, key, (int, str))
    if isinstance(v, str):
        s = v.strip()
        if not (s.isascii() and (s.isdigit() or (s[:1] == "-" and s[1:].isdigit()))):
            raise FrameError(f"field {key!r} is not an integer: {v!r}")
        v = int(s)
    if not -(2**63) <= v < 2**63:
        raise FrameError(f"field {key!r} = {v} does not fit a 64-bit integer")
    return v


def check_i64(**values: int) -> None:
    """Integers the frame gave (typed decoders take any size) must fit int64."""
    for key, v in values.items():
        if not -(2**63) <= v < 2**63:
            raise FrameError(f"field {key!r} = {v} does not fit a 64-bit integer")


def int_text(v: str, key: str) -> int:
    """An integer sent as a decimal string (``"1597026383085"``), checked."""
    if not (v.isascii() and v.isdigit()) or len(v) > 18:
        raise FrameError(f"field {key!r} is not a non-negative 64-bit integer: {v!r}")
    return int(v)


def levels(obj: Any, key: str, width: int = 2) -> list[tuple[str, str]]:
    """A ``[[price, qty, ...], ...]`` array as ``(price, qty)`` strings (extra
    elements, e.g. OKX's order counts, are ignored)."""
    arr = field_of(obj, key, list)
    out: list[tuple[str, str]] = []
    for lv in arr:
        if not isinstance(lv, list) or len(lv) < width:
            raise FrameError(f"{key!r}: a level must be an array of {width} strings, got {lv!r}")
        p, q = lv[0], lv[1]
        if not isinstance(p, str) or not isinstance(q, str):
            raise FrameError(f"{key!r}: price and quantity must be strings, got {lv!r}")
        out.append((p, q))
    return out


def ns_in_range(ns: int, field: str, raw: int) -> int:
    """``ns`` when it fits int64 (what r.bbo["ts"] holds), else a :class:`FrameError`
    naming the field and its value as the frame gave it."""
    if not -(2**63) <= ns < 2**63:
        raise FrameError(f"field {field!r} = {raw} is out of range: {ns} ns does not fit a 64-bit integer")
    return ns


def ms_to_ns(v: int, field: str) -> int:
    """Milliseconds since the epoch (frame field ``field``) as nanoseconds, checked."""
    return ns_in_range(v * 1_000_000, field, v)


@functools.lru_cache(maxsize=64)
def _day_ns(date: str) -> int:
    """``YYYY-MM-DD`` as ns since the epoch (cached: a capture spans few days)."""
    try:
        y, mo, d = int(date[0:4]), int(date[5:7]), int(date[8:10])
        if date[4] != "-" or date[7] != "-" or not date.isascii():
            raise ValueError
        datetime.date(y, mo, d)  # a real calendar day
    except (ValueError, IndexError):
        raise FrameError(f"not an RFC 3339 date: {date!r}") from None
    return calendar.timegm((y, mo, d, 0, 0, 0, 0, 0, 0)) * 1_000_000_000


def rfc3339_ns(s: str) -> int:
    """An RFC 3339 UTC time (``2023-02-09T20:32:50.714964855Z``, any number of
    fraction digits up to 9, ``Z`` or ``+00:00``) as integer nanoseconds,
    exactly (no float)."""
    if not isinstance(s, str) or len(s) < 20 or s[10] not in "Tt ":
        raise FrameError(f"not an RFC 3339 time: {s!r}")
    if s[-1] in "Zz":
        body = s[:-1]
    elif s.endswith("+00:00"):
        body = s[:-6]
    else:
        raise FrameError(f"not a UTC RFC 3339 time: {s!r}")
    clock, frac = body[11:19], body[19:]
    digits = frac[1:]
    if (
        len(clock) != 8
        or clock[2] != ":"
        or clock[5] != ":"
        or not (clock[:2] + clock[3:5] + clock[6:]).isdigit()
        or not clock.isascii()
        or (frac and (frac[0] != "." or not digits.isdigit() or not digits.isascii() or len(digits) > 9))
    ):
        raise FrameError(f"not an RFC 3339 time: {s!r}")
    hh, mm, ss = int(clock[:2]), int(clock[3:5]), int(clock[6:])
    if hh > 23 or mm > 59 or ss > 60:
        raise FrameError(f"not an RFC 3339 time: {s!r}")
    ns = int(digits.ljust(9, "0")) if frac else 0
    total = _day_ns(body[:10]) + (hh * 3600 + mm * 60 + ss) * 1_000_000_000 + ns
    if not -(2**63) <= total < 2**63:  # r.bbo["ts"] is int64 (numpy raised OverflowError here)
        raise FrameError(f"time {s!r} is out of range: {total} ns does not fit a 64-bit integer")
    return total


@dataclass(slots=True)
class VenueMessage:
    """One book message in the venue's own terms.

    ``bids`` / ``asks`` are ``(price, qty)`` decimal strings with absolute
    quantities (0 deletes), applied in order; a ``SNAPSHOT`` empties the book
    first. ``checksum`` is the venue's check value when it sent one, as an
    unsigned 32-bit int (OKX's signed CRC32 is stored ``& 0xFFFFFFFF``).
    """

    line: int
    kind: Kind
    seq: int
    ts: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    checksum: int | None = None


class GapSignal(Exception):
    """Raised by a venue rule when the sequence breaks; the reader emits a GAP
    message (the engine raises ``GapError`` or resyncs) and the book is out of
    sync until the venue's next snapshot."""


class JsonVenueReader(abc.ABC):
    """Base of the JSON venue readers (the reader interface of ``_reader``).

    Each line of the source is one raw websocket frame. :meth:`_frame` (one per
    venue) classifies it and applies the venue's sync rules, returning a
    :class:`VenueMessage` or the :class:`Kind` of a message that gives no row
    (NONBOOK, STALE, PRESYNC); a :class:`FrameError` becomes an ERROR message
    and a :class:`GapSignal` a GAP message, both with the reason as their
    note. Empty lines are ignored.

    Format options (``replay(..., **options)``): every venue takes
    ``symbol=`` — the instrument to replay (Binance ``s``, Coinbase
    ``product_id``, Kraken ``symbol``, OKX ``instId``, Bybit ``s``, Bitstamp
    pair as in the channel name); ``None`` takes the first book frame's and
    skips (NONBOOK) frames of every other one. Venues add theirs in
    :attr:`options`.
    """

    format_name = "?"
    in_band_snapshots = True
    options: tuple[str, ...] = ("symbol",)

    def __init__(self, source: Source, options: ReaderOptions) -> None:
        unknown = sorted(set(options.extra) - set(self.options))
        if unknown:
            valid = ", ".join(self.options)
            raise InvalidArgumentError(
                f"format {self.format_name!r} has no option {unknown[0]!r}; its options: {valid}"
            )
        self.source = source
        self.opts = options
        self.symbol: str | None = options.extra.get("symbol")
        if self.symbol is not None and not isinstance(self.symbol, str):
            raise ArgumentTypeError(f"symbol={self.symbol!r} must be a str")
        self.synced = False
        self.checksum_spec: ChecksumSpec | None = None
        self.truncate = 0

    # -- the reader interface ------------------------------------------------------

    def __iter__(self) -> Iterator[MessageBatch]:
        first = self.initial()
        if first is not None:
            yield first
        inst, rows = self.opts.instrument, self.opts.batch_rows
        b: MessageBuilder | None = None
        for path, line, raw in self.source.lines():
            if b is None or b.path != path:
                if b is not None and len(b):
                    yield self._flush(b)
                b = MessageBuilder(inst, path, rows)
            if not raw.strip():
                continue
            stop = self._one(b, raw, line)
            if b.full or stop:
                yield self._flush(b)
            if stop:
                return
        if b is not None and len(b):
            yield self._flush(b)

    def _flush(self, b: MessageBuilder) -> MessageBatch:
        b.checksum = self.checksum_spec
        b.truncate = self.truncate
        return b.flush()

    def _one(self, b: MessageBuilder, raw: bytes, line: int) -> bool:
        """Add the message of one frame; True when the stream cannot go on."""
        try:
            # the typed decoders skip unknown keys without checking their UTF-8: non-ASCII
            # frames (rare) take the fully checked path
            out = self._fast(raw, line) if raw.isascii() else None
            if out is None:
                out = self._frame(decode(raw), line)
        except FrameError as e:
            b.skip(Kind.ERROR, 0, -1, line, note=f"{self.format_name}: {e}")
            return False
        except GapSignal as g:
            self.synced = False
            b.skip(Kind.GAP, 0, -1, line, note=f"{self.format_name}: {g}")
            return not self.in_band_snapshots  # nothing to resync from: the replay stops here
        if isinstance(out, VenueMessage):
            crc = -1 if out.checksum is None else out.checksum & 0xFFFFFFFF
            b.add(out.kind, out.ts, out.seq, line, out.bids, out.asks, crc=crc)
        else:
            b.skip(out, 0, -1, line)
        return False

    def initial(self) -> MessageBatch | None:
        """The batch of the REST snapshot (``snapshot=``), for venues that need one."""
        return None

    def _snapshot_batch(self, msg: VenueMessage, name: str) -> MessageBatch:
        b = MessageBuilder(self.opts.instrument, name, self.opts.batch_rows)
        b.add(msg.kind, msg.ts, msg.seq, 1, msg.bids, msg.asks)
        return self._flush(b)

    def _read_snapshot(self) -> tuple[Any, str]:
        """The decoded ``snapshot=`` body and the name to report errors under."""
        src = self.opts.snapshot
        if src is None:
            raise FeedError(
                self.source.name, 0, f"{self.format_name} needs the REST book: pass snapshot=PATH"
            )
        data = b"\n".join(raw for _, _, raw in src.lines())
        try:
            return decode(data), src.name
        except FrameError as e:
            raise FeedError(src.name, 0, f"{self.format_name} snapshot: {e}") from None

    # -- helpers for the venues ------------------------------------------------------

    def _is_other_symbol(self, sym: str) -> bool:
        if self.symbol is None:
            self.symbol = sym
            return False
        return sym != self.symbol

    def _fast(self, raw: bytes, line: int) -> VenueMessage | Kind | None:
        """The common book frame, decoded straight into typed structs (msgspec checks
        the shape in C); ``None`` hands the frame to :meth:`_frame` — anything else,
        including a malformed frame, whose precise error :meth:`_frame` reports."""
        return None

    @abc.abstractmethod
    def _frame(self, obj: Any, line: int) -> VenueMessage | Kind:
        """One decoded frame (any shape the venue sends) as a message or a skip kind."""


def typed_decoder(struct: type) -> msgspec.json.Decoder:
    """A decoder of one frame shape (unknown fields ignored)."""
    return msgspec.json.Decoder(struct)


#: what a typed decode raises for a frame of another shape
TYPED_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)
