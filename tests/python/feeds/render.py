"""Render book histories into each JSON venue's frames, with correct checksums.

Independent of the library: the venue checksums here are computed from the
decimal strings the renderer writes (the way the venue documents it), never
from ticks, so a test that replays these frames checks the library's
tick-based checksum against the venue's own definition.

A *history* is a list of steps; each step is ``("snapshot", bids, asks)`` (the
full book) or ``("delta", changes)`` with ``changes`` a list of
``(is_bid, price, qty)`` decimal strings (qty "0" deletes). Prices and
quantities are canonical decimal strings of the instrument's steps.
"""

from __future__ import annotations

import json
import random
import zlib
from decimal import Decimal

# ---- venue checksums from strings (the venues' own definitions) -------------------------


def kraken_crc_from_strings(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """Kraken v2: top 10 asks (low->high) then top 10 bids (high->low); '.' removed and
    leading zeros stripped from each price and qty; unsigned CRC32."""

    def f(s: str) -> str:
        return s.replace(".", "").lstrip("0")

    text = "".join(f(p) + f(q) for p, q in asks[:10]) + "".join(f(p) + f(q) for p, q in bids[:10])
    return zlib.crc32(text.encode())


def okx_crc_from_strings(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """OKX: 25 levels a side interleaved bid:ask, 'price:size' joined by ':'; signed CRC32."""
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    c = zlib.crc32(":".join(parts).encode())
    return c - (1 << 32) if c >= 1 << 31 else c


# ---- a plain book of decimal strings ----------------------------------------------------


class StrBook:
    """``price -> qty`` per side, keyed by Decimal, holding the venue's strings."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, tuple[str, str]] = {}
        self.asks: dict[Decimal, tuple[str, str]] = {}

    def load(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.bids = {Decimal(p): (p, q) for p, q in bids}
        self.asks = {Decimal(p): (p, q) for p, q in asks}

    def set(self, is_bid: bool, p: str, q: str) -> None:
        side = self.bids if is_bid else self.asks
        if Decimal(q) == 0:
            side.pop(Decimal(p), None)
        else:
            side[Decimal(p)] = (p, q)

    def top(self, is_bid: bool, k: int | None = None) -> list[tuple[str, str]]:
        side = self.bids if is_bid else self.asks
        keys = sorted(side, reverse=is_bid)
        return [side[x] for x in (keys if k is None else keys[:k])]

    def truncate(self, k: int) -> None:
        for is_bid in (True, False):
            side = self.bids if is_bid else self.asks
            for x in sorted(side, reverse=is_bid)[k:]:
                del side[x]


# ---- random histories -------------------------------------------------------------------


def fmt(units: int, decimals: int) -> str:
    """``units * 10**-decimals`` with exactly ``decimals`` digits after the point."""
    s = str(units).rjust(decimals + 1, "0")
    return f"{s[:-decimals]}.{s[-decimals:]}" if decimals else s


def canonical(s: str) -> str:
    """The shortest plain decimal (what OKX sends)."""
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def random_history(
    rng: random.Random, steps: int, px_dec: int = 2, qty_dec: int = 3, mid: int = 1_000_000, width: int = 40
) -> list[tuple]:
    """A snapshot, then deltas (and an occasional new snapshot) around a drifting mid;
    prices in units of 10**-px_dec, never crossed."""
    book_b: dict[int, int] = {}
    book_a: dict[int, int] = {}

    def snap() -> tuple:
        book_b.clear()
        book_a.clear()
        for i in range(rng.randint(1, 30)):
            book_b[mid - 1 - i - rng.randint(0, 2)] = rng.randint(1, 5000)
            book_a[mid + 1 + i + rng.randint(0, 2)] = rng.randint(1, 5000)
        return (
            "snapshot",
            [(fmt(p, px_dec), fmt(q, qty_dec)) for p, q in sorted(book_b.items(), reverse=True)],
            [(fmt(p, px_dec), fmt(q, qty_dec)) for p, q in sorted(book_a.items())],
        )

    out = [snap()]
    for _ in range(steps):
        if rng.random() < 0.03:
            mid += rng.randint(-3, 3)
            out.append(snap())
            continue
        changes = []
        for _ in range(rng.randint(1, 6)):
            is_bid = rng.random() < 0.5
            side = book_b if is_bid else book_a
            other = book_a if is_bid else book_b
            if side and rng.random() < 0.35:
                p = rng.choice(list(side))
                q = 0
            else:
                off = rng.randint(1, width)
                p = mid - off if is_bid else mid + off
                q = rng.randint(1, 5000)
            # never cross: a bid must stay below the best ask and an ask above the best bid
            if q and other and ((is_bid and p >= min(other)) or (not is_bid and p <= max(other))):
                continue
            if q:
                side[p] = q
            else:
                side.pop(p, None)
            changes.append((is_bid, fmt(p, px_dec), fmt(q, qty_dec)))
        if changes:
            out.append(("delta", changes))
    return out


# ---- renderers: one per venue ------------------------------------------------------------


def _lines(objs: list[dict]) -> str:
    return "".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs)


def render_binance(history: list[tuple], futures: bool = False, symbol: str = "BTCUSDT") -> tuple[str, str]:
    """(snapshot JSON, frames): the first step is the REST book at lastUpdateId=1000; two
    stale events before it; every later snapshot step is rendered as the deltas that turn
    the previous book into it (Binance has no in-band snapshot)."""
    book = StrBook()
    _kind, bids, asks = history[0]
    book.load(bids, asks)
    lid = 1000
    snapshot = json.dumps(
        {"lastUpdateId": lid, "bids": [list(x) for x in bids], "asks": [list(x) for x in asks]}
    )
    frames: list[dict] = [{"result": None, "id": 1}]
    for u0, u1 in ((990, 995), (996, 999)):  # stale for spot (u <= lastUpdateId) and futures (u < it)
        frames.append(_bn(symbol, u0, u1, u0 - 1, [], [], futures))
    u = lid
    first = True
    for step in history[1:]:
        changes = _as_changes(book, step)
        # the first event straddles lastUpdateId (+1 for spot)
        lo = (lid - 2) if first else u + 1
        hi = max(lo, u + 1) + 2
        b = [[p, q] for ib, p, q in changes if ib]
        a = [[p, q] for ib, p, q in changes if not ib]
        frames.append(_bn(symbol, lo, hi, u, b, a, futures))
        u = hi
        first = False
        for ib, p, q in changes:
            book.set(ib, p, q)
    return snapshot, _lines(frames)


def _bn(symbol: str, first: int, last: int, prev: int, b: list, a: list, futures: bool) -> dict:
    d = {"e": "depthUpdate", "E": 1_700_000_000_000 + last, "s": symbol, "U": first, "u": last}
    if futures:
        d["T"] = d["E"] - 1
        d["pu"] = prev
    d["b"], d["a"] = b, a
    return d


def _as_changes(book: StrBook, step: tuple) -> list[tuple[bool, str, str]]:
    """A step as level changes against ``book`` (a snapshot becomes the diff)."""
    if step[0] == "delta":
        return list(step[1])
    _, bids, asks = step
    out: list[tuple[bool, str, str]] = []
    for is_bid, new in ((True, bids), (False, asks)):
        old = book.bids if is_bid else book.asks
        newd = {Decimal(p): (p, q) for p, q in new}
        out += [(is_bid, v[0], "0") for k, v in old.items() if k not in newd]
        out += [(is_bid, p, q) for k, (p, q) in newd.items() if old.get(k, (None, None))[1] != q]
    return out


def render_coinbase(history: list[tuple], product: str = "BTC-USD") -> str:
    """l2_data frames with connection-wide sequence numbers; heartbeats and another
    product's updates interleaved, taking numbers too."""
    frames: list[dict] = []
    seq = 0

    def env(channel: str, events: list) -> dict:
        nonlocal seq
        e = {
            "channel": channel,
            "client_id": "",
            "timestamp": f"2023-02-09T20:32:{seq % 60:02d}.{seq:09d}Z",
            "sequence_num": seq,
            "events": events,
        }
        seq += 1
        return e

    frames.append(env("subscriptions", [{"subscriptions": {"level2": [product]}}]))
    for i, step in enumerate(history):
        if step[0] == "snapshot":
            ups = [_cb_up("bid", p, q) for p, q in step[1]] + [_cb_up("offer", p, q) for p, q in step[2]]
            frames.append(env("l2_data", [{"type": "snapshot", "product_id": product, "updates": ups}]))
        else:
            ups = [_cb_up("bid" if ib else "offer", p, q) for ib, p, q in step[1]]
            frames.append(env("l2_data", [{"type": "update", "product_id": product, "updates": ups}]))
        if i % 3 == 1:
            frames.append(env("heartbeats", [{"current_time": "x", "heartbeat_counter": str(i)}]))
        if i % 5 == 2:
            other = [{"type": "update", "product_id": "ETH-USD", "updates": [_cb_up("bid", "1.00", "2")]}]
            frames.append(env("l2_data", other))
    return _lines(frames)


def _cb_up(side: str, p: str, q: str) -> dict:
    return {"side": side, "event_time": "2023-02-09T20:32:50.000001Z", "price_level": p, "new_quantity": q}


def render_kraken(history: list[tuple], depth: int = 10, symbol: str = "BTC/USD") -> tuple[str, list[list]]:
    """v2 book frames as the venue sends them to a ``depth`` subscriber: the venue keeps
    the full book and sends changes to the visible top ``depth`` only (a level pushed out
    gets no message, a level that comes into view is sent); prices and quantities as JSON
    numbers with full precision; the checksum of the visible book. Also returns the
    visible book (bids, asks) after every frame."""
    full = StrBook()
    frames: list[str] = [
        json.dumps({"method": "subscribe", "result": {"channel": "book", "depth": depth, "snapshot": True,
                                                      "symbol": symbol}, "success": True})
    ]  # fmt: skip
    views: list[list] = []
    for n, step in enumerate(history):
        if step[0] == "snapshot":
            full.load(step[1], step[2])
            vb, va = full.top(True, depth), full.top(False, depth)
            frames.append(_kr(symbol, "snapshot", vb, va, kraken_crc_from_strings(vb, va), n))
        else:
            ob, oa = full.top(True, depth), full.top(False, depth)
            for ib, p, q in step[1]:
                full.set(ib, p, q)
            vb, va = full.top(True, depth), full.top(False, depth)
            db = _visible_diff(ob, vb, step[1], True)
            da = _visible_diff(oa, va, step[1], False)
            frames.append(_kr(symbol, "update", db, da, kraken_crc_from_strings(vb, va), n))
        views.append([vb, va])
        if n % 4 == 3:
            frames.append(json.dumps({"channel": "heartbeat"}))
    return "".join(f + "\n" for f in frames), views


def _visible_diff(old: list, new: list, changes: list, is_bid: bool) -> list[tuple[str, str]]:
    oldd = {Decimal(p): q for p, q in old}
    newd = {Decimal(p): q for p, q in new}
    deleted = {Decimal(p) for ib, p, q in changes if ib == is_bid and Decimal(q) == 0}
    out = [(p, q) for p, q in new if oldd.get(Decimal(p)) != q]
    out += [(p, "0" + ("." + "0" * len(q.split(".")[1]) if "." in q else "")) for p, q in old
            if Decimal(p) not in newd and Decimal(p) in deleted]  # fmt: skip
    return out


def _kr(symbol: str, typ: str, bids: list, asks: list, crc: int, n: int) -> str:
    # numbers written as raw JSON text (full precision, trailing zeros kept), as Kraken does
    def lv(p: str, q: str) -> str:
        return f'{{"price":{p},"qty":{q}}}'

    data = (
        f'{{"symbol":"{symbol}","bids":[{",".join(lv(p, q) for p, q in bids)}],'
        f'"asks":[{",".join(lv(p, q) for p, q in asks)}],"checksum":{crc},'
        f'"timestamp":"2023-10-06T17:35:{n % 60:02d}.{n:06d}Z"}}'
    )
    return f'{{"channel":"book","type":"{typ}","data":[{data}]}}'


def render_okx(history: list[tuple], inst: str = "BTC-USDT") -> str:
    """books frames: canonical strings, seqId/prevSeqId chain (with a keep-alive now and
    then), the signed checksum of the book after each frame."""
    book = StrBook()
    frames: list[dict] = [
        {"event": "subscribe", "arg": {"channel": "books", "instId": inst}, "connId": "a4d3ae55"}
    ]
    seq = 100
    for n, step in enumerate(history):
        if step[0] == "snapshot":
            bids = [(canonical(p), canonical(q)) for p, q in step[1]]
            asks = [(canonical(p), canonical(q)) for p, q in step[2]]
            book.load(bids, asks)
            frames.append(_ok(inst, "snapshot", bids, asks, book, -1, seq, n))
        else:
            ch = [(ib, canonical(p), canonical(q)) for ib, p, q in step[1]]
            for ib, p, q in ch:
                book.set(ib, p, q)
            bids = [(p, q) for ib, p, q in ch if ib]
            asks = [(p, q) for ib, p, q in ch if not ib]
            prev, seq = seq, seq + 3
            frames.append(_ok(inst, "update", bids, asks, book, prev, seq, n))
        if n % 7 == 6:  # no change for a while: a keep-alive with seqId == prevSeqId
            frames.append(_ok(inst, "update", [], [], book, seq, seq, n))
    return _lines(frames)


def _ok(inst: str, action: str, bids: list, asks: list, book: StrBook, prev: int, seq: int, n: int) -> dict:
    crc = okx_crc_from_strings(book.top(True, 25), book.top(False, 25))
    d = {
        "asks": [[p, q, "0", "1"] for p, q in asks],
        "bids": [[p, q, "0", "1"] for p, q in bids],
        "ts": str(1_597_026_383_085 + n),
        "checksum": crc,
        "prevSeqId": prev,
        "seqId": seq,
    }
    return {"arg": {"channel": "books", "instId": inst}, "action": action, "data": [d]}


def render_bybit(history: list[tuple], symbol: str = "BTCUSDT") -> str:
    """orderbook.50 frames: snapshot/delta with contiguous u."""
    frames: list[dict] = [{"success": True, "ret_msg": "", "conn_id": "x", "op": "subscribe"}]
    u = 18_521_288
    for n, step in enumerate(history):
        u += 1
        if step[0] == "snapshot":
            data = {"s": symbol, "b": [list(x) for x in step[1]], "a": [list(x) for x in step[2]]}
            typ = "snapshot"
        else:
            data = {
                "s": symbol,
                "b": [[p, q] for ib, p, q in step[1] if ib],
                "a": [[p, q] for ib, p, q in step[1] if not ib],
            }
            typ = "delta"
        data["u"], data["seq"] = u, 7_961_638_724 + n
        frames.append({"topic": f"orderbook.50.{symbol}", "type": typ, "ts": 1_672_304_484_978 + n,
                       "data": data, "cts": 1_672_304_484_976 + n})  # fmt: skip
    return _lines(frames)


def render_bitstamp(history: list[tuple], pair: str = "btcusd") -> tuple[str, str]:
    """(REST book, frames): the first step is the REST book; a stale frame before it;
    later snapshot steps become diffs (the channel has no in-band snapshot)."""
    book = StrBook()
    _, bids, asks = history[0]
    book.load(bids, asks)
    t0 = 1_643_643_584_000_000
    rest = json.dumps({"timestamp": str(t0 // 1_000_000), "microtimestamp": str(t0),
                       "bids": [list(x) for x in bids], "asks": [list(x) for x in asks]})  # fmt: skip
    chan = f"diff_order_book_{pair}"
    frames: list[dict] = [
        {"event": "bts:subscription_succeeded", "channel": chan, "data": {}},
        {"data": {"timestamp": str(t0 // 1_000_000), "microtimestamp": str(t0 - 5), "bids": [], "asks": []},
         "channel": chan, "event": "data"},
    ]  # fmt: skip
    for n, step in enumerate(history[1:], start=1):
        changes = _as_changes(book, step)
        for ib, p, q in changes:
            book.set(ib, p, q)
        us = t0 + n * 10
        frames.append({"data": {"timestamp": str(us // 1_000_000), "microtimestamp": str(us),
                                "bids": [[p, q] for ib, p, q in changes if ib],
                                "asks": [[p, q] for ib, p, q in changes if not ib]},
                       "channel": chan, "event": "data"})  # fmt: skip
    return rest, _lines(frames)
