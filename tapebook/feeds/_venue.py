"""What the JSON venue readers share: frame decoding, timestamps, the venue
message record, and the sync state every venue's rules drive.

A venue reader turns each line of a JSON-lines capture (one raw websocket
frame per line, exactly as the venue sent it) into at most one
:class:`VenueMessage`: the rows of one book message (absolute quantities, as
the venue's decimal strings) with its kind (delta or snapshot/reset), sequence
number, timestamp and the venue's own check value (a CRC32), or ``None`` for a
frame that carries no book change (acks, heartbeats, status, other channels,
other symbols, stale frames, frames skipped while out of sync), counted in
:attr:`VenueState.counts`.

The venue modules (``binance``, ``coinbase``, ``kraken``, ``okx``, ``bybit``,
``bitstamp``) spell out their venue's rules next to the code, each with a link
to the venue's document. Nothing here imports the compiled module: this is
pure bookkeeping, so the rules can be tested on their own.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import Any

import msgspec

#: message kinds
DELTA = 0
SNAPSHOT = 1

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
        if not (s.isdigit() or (s[:1] == "-" and s[1:].isdigit())):
            raise FrameError(f"field {key!r} is not an integer: {v!r}")
        return int(s)
    return v


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


def ms_to_ns(v: int) -> int:
    """Milliseconds since the epoch as nanoseconds."""
    return v * 1_000_000


def rfc3339_ns(s: str) -> int:
    """An RFC 3339 UTC time (``2023-02-09T20:32:50.714964855Z``, any number of
    fraction digits up to 9, ``Z`` or ``+00:00``) as integer nanoseconds,
    exactly (no float)."""
    if not isinstance(s, str) or len(s) < 20 or s[10] not in "Tt ":
        raise FrameError(f"not an RFC 3339 time: {s!r}")
    body = s
    if body[-1] in "Zz":
        body = body[:-1]
    elif body.endswith("+00:00"):
        body = body[:-6]
    else:
        raise FrameError(f"not a UTC RFC 3339 time: {s!r}")
    try:
        y, mo, d = int(body[0:4]), int(body[5:7]), int(body[8:10])
        hh, mm, ss = int(body[11:13]), int(body[14:16]), int(body[17:19])
    except ValueError:
        raise FrameError(f"not an RFC 3339 time: {s!r}") from None
    frac = body[19:]
    ns = 0
    if frac:
        digits = frac[1:]
        if frac[0] != "." or not digits.isdigit() or len(digits) > 9:
            raise FrameError(f"not an RFC 3339 time: {s!r}")
        ns = int(digits.ljust(9, "0"))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60 and ss < 61):
        raise FrameError(f"not an RFC 3339 time: {s!r}")
    return calendar.timegm((y, mo, d, hh, mm, ss, 0, 0, 0)) * 1_000_000_000 + ns


@dataclass(slots=True)
class VenueMessage:
    """One book message in the venue's own terms.

    ``bids`` / ``asks`` are ``(price, qty)`` decimal strings with absolute
    quantities (0 deletes), applied in order; a ``SNAPSHOT`` empties the book
    first. ``checksum`` is the venue's check value when it sent one
    (Kraken: unsigned CRC32; OKX: signed CRC32), checked against the book
    after the message; ``truncate`` > 0 keeps only that many levels a side
    after the message (Kraken). ``resynced`` marks the first message applied
    after the book was out of sync.
    """

    line: int
    kind: int
    seq: int
    ts: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    checksum: int | None = None
    truncate: int = 0
    resynced: bool = False


#: counters a venue reader keeps (a subset of FeedStats' fields)
COUNTERS = ("skipped", "stale", "resets", "gaps", "resyncs", "errors")


@dataclass
class VenueState:
    """The sync state and counters every venue's rules drive.

    ``synced`` is False until the first snapshot (in-band, or the REST book
    given as ``snapshot=``) and again after a gap under ``on_gap="resync"``;
    a venue with no in-band snapshot cannot recover, so its replay stops
    (``stopped`` names the line and the reason).
    """

    on_gap: str = "raise"
    synced: bool = False
    pending_resync: bool = False
    stopped: tuple[int, str] | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def skip(self, what: str = "skipped") -> None:
        self.counts[what] += 1


class GapSignal(Exception):
    """Raised by a venue rule when the sequence breaks; the reader turns it into
    a ``GapError`` (on_gap="raise") or a resync."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"sequence gap: expected {expected}, got {got}")
        self.expected = expected
        self.got = got


class JsonVenueReader:
    """Base of the JSON venue readers: one frame in, at most one message out.

    Subclasses set :attr:`format_name` and :attr:`in_band_snapshots` and
    implement :meth:`_frame` (classify the frame, apply the venue's sync
    rules, build the message). ``errors`` is ``(FeedError, GapError)``:
    the classes to raise, given by the framework so this module stays free of
    it. ``symbol=None`` takes the first book frame's symbol and skips (and
    counts) frames of every other symbol.
    """

    format_name = "?"
    in_band_snapshots = True

    def __init__(
        self,
        *,
        path: str = "<stream>",
        symbol: str | None = None,
        on_gap: str = "raise",
        on_error: str = "raise",
        errors: tuple[type[Exception], type[Exception]] = (ValueError, ValueError),
    ) -> None:
        if on_gap not in ("raise", "resync"):
            raise ValueError(f"on_gap must be 'raise' or 'resync', got {on_gap!r}")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.path = path
        self.symbol = symbol
        self.on_error = on_error
        self.state = VenueState(on_gap=on_gap)
        self._feed_error, self._gap_error = errors

    # -- the framework calls these -------------------------------------------

    def initial(self) -> VenueMessage | None:
        """The message of the REST snapshot (``snapshot=``), if the venue has one."""
        return None

    def frame(self, raw: bytes | str, line: int) -> VenueMessage | None:
        """The message of one frame, or ``None`` (the frame is counted)."""
        st = self.state
        if st.stopped is not None:
            return None
        try:
            return self._frame(decode(raw), line)
        except FrameError as e:
            if self.on_error == "raise":
                raise self._feed_error(self.path, line, f"{self.format_name}: {e}") from None
            st.counts["errors"] += 1
            st.counts["skipped"] += 1
            return None
        except GapSignal as g:
            st.counts["gaps"] += 1
            reason = f"{self.format_name}: {g}"
            if st.on_gap == "raise":
                raise self._gap_error(self.path, line, reason) from None
            st.counts["resyncs"] += 1
            st.synced = False
            st.pending_resync = True
            if not self.in_band_snapshots:
                st.stopped = (line, f"{reason}; {self.format_name} has no in-band snapshot to resync from")
            else:
                st.counts["skipped"] += 1
            return None

    # -- helpers for the venues ------------------------------------------------

    def _is_other_symbol(self, sym: str) -> bool:
        if self.symbol is None:
            self.symbol = sym
            return False
        return sym != self.symbol

    def _unsynced(self) -> None:
        """A delta while the book is not in sync (before the first snapshot,
        or after a gap under resync): skipped and counted."""
        self.state.counts["skipped"] += 1

    def _snapshot_taken(self, msg: VenueMessage) -> VenueMessage:
        st = self.state
        st.counts["resets"] += 1
        if st.pending_resync:
            msg.resynced = True
            st.pending_resync = False
        st.synced = True
        return msg

    def _frame(self, obj: Any, line: int) -> VenueMessage | None:  # pragma: no cover - abstract
        raise NotImplementedError
