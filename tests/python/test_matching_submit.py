"""MatchingEngine.submit's per-call path: the events of every result are a read-only view
of a block that later calls write past, never over (checked against copies taken at call
time and against the plain-Python reference), and the fast path for plain ints and
lower-case side names gives what the checked path gives, results and errors alike."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from tapebook import Fill, MatchingEngine, SubmitResult, TapebookError
from tapebook.errors import ArgumentTypeError, DuplicateOrderError, InvalidArgumentError
from tapebook.matching import _BLOCK, EVENT_DTYPE, STP_MODES
from tapebook.testing import matching_reference as M

STATUS_NAMES = {
    M.RESTED: "rested",
    M.FILLED: "filled",
    M.PARTIAL: "partial",
    M.CANCELLED: "cancelled",
    M.REJECTED: "rejected",
}


def ref_engine(max_orders: int) -> M.RefMatchingEngine:
    n, bits = 1024, 64
    return M.RefMatchingEngine(
        STP_MODES["cancel-newest"],
        px_min=-(2 ** (bits - 1)) + n,
        px_max=2 ** (bits - 1) - 1 - n,
        qty_max=2**bits - 1,
        max_orders=max_orders,
        max_levels=4096,
    )


def as_tuples(events: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(r[f]) for f in M.Event._fields) for r in events]


def both_or_neither(eng: MatchingEngine, ref: M.RefMatchingEngine, op: str, *args: int) -> None:
    """A cancel / modify on both engines: both succeed or both refuse."""
    try:
        getattr(ref, op)(*args)
        ref_ok = True
    except M.MatchError:
        ref_ok = False
    try:
        getattr(eng, op)(*args)
        eng_ok = True
    except TapebookError:
        eng_ok = False
    assert eng_ok == ref_ok, (op, args)


def test_events_are_never_changed_by_later_calls() -> None:
    """Thousands of submits (several blocks), a sweep with more events than a block holds,
    and cancels / modifies / submit_many in between: every result kept from the start
    still holds the events the reference gave for its call, byte for byte as at call time."""
    rng = random.Random(16)
    eng, ref = MatchingEngine(max_orders=20_000, anchor=1000), ref_engine(20_000)
    kept: list[tuple[SubmitResult, bytes, list[tuple[int, ...]]]] = []

    def submit(oid: int, side: int, px: int, qty: int, tif: str, owner: int) -> None:
        r = eng.submit(oid, side, px, qty, tif, owner)
        status, ev, resting = ref.submit(oid, side, px, qty, M.IOC if tif == "ioc" else M.GTC, owner)
        assert r.status == STATUS_NAMES[status] and r.resting_qty == resting
        kept.append((r, r.events.tobytes(), [tuple(e) for e in ev]))

    def flow(first: int, count: int) -> None:
        for oid in range(first, first + count):
            side = rng.randrange(2)
            submit(
                oid,
                side,
                1500 + rng.randrange(-20, 21),
                rng.randrange(1, 50),
                "ioc" if oid % 7 == 0 else "gtc",
                rng.randrange(4),
            )
            if oid % 10 == 0:  # cancel / modify / submit_many write their events elsewhere
                victim = rng.randrange(1, oid)
                both_or_neither(eng, ref, "modify", victim, 1)
                victim = rng.randrange(1, oid)
                both_or_neither(eng, ref, "cancel", victim)
            if oid % 100 == 0:
                many = 10**6 + oid
                eng.submit_many([many], [side], [1400 if side else 1600], [3], events=True)
                ref.submit(many, side, 1400 if side else 1600, 3)

    flow(1, 3000)
    # 1500 one-lot asks, then one bid that takes them all: more events than a block
    for i in range(1500):
        submit(20_000 + i, 0, 1600 + i % 50, 1, "gtc", 0)
    submit(30_000, 1, 1700, 10**9, "ioc", 0)
    assert len(kept[-1][0].events) > _BLOCK
    flow(40_000, 2000)
    assert len(kept) > 4 * _BLOCK
    for r, at_call, ref_events in kept:
        ev = r.events
        assert ev.dtype == EVENT_DTYPE and ev.shape == (len(ref_events),)
        assert ev.tobytes() == at_call and as_tuples(ev) == ref_events
        assert not ev.flags.writeable
        with pytest.raises(ValueError):
            ev.flags.writeable = True


def sides_for(path: str, side: int, rng: random.Random) -> object:
    """A side as the fast path takes it, or in a spelling only the checked path takes."""
    if path == "fast":
        return rng.choice([side, ("ask", "bid")[side], ("sell", "buy")[side]])
    return rng.choice([np.int64(side), bool(side), ("ASK", "Bid")[side], ("Sell", "BUY")[side]])


def test_fast_and_checked_paths_give_the_same_results() -> None:
    """One seeded flow on two engines, one called with plain ints and lower-case side names
    (the fast path), the other with numpy ints, bools and other spellings (the checked
    path); market and post-only orders mixed in: the same results, field types and events."""
    rng = random.Random(7)
    engines = {p: MatchingEngine(max_orders=5000, anchor=1000) for p in ("fast", "checked")}
    for oid in range(1, 3001):
        side, px, qty, owner = (
            rng.randrange(2),
            1500 + rng.randrange(-15, 16),
            rng.randrange(1, 40),
            rng.randrange(3),
        )
        tif, post_only = rng.choice(["gtc", "gtc", "ioc", "fok"]), rng.random() < 0.05
        market = rng.random() < 0.03
        results = {}
        for path, eng in engines.items():
            s = sides_for(path, side, rng)
            args: tuple[Any, ...] = (
                oid,
                s,
                None if market else px,
                qty,
                tif,
                owner,
                post_only and not market,
            )
            if path == "checked":
                args = (
                    np.uint64(oid),
                    s,
                    None if market else np.int64(px),
                    np.uint64(qty),
                    tif,
                    np.uint32(owner),
                    args[6],
                )
            try:
                results[path] = eng.submit(*args)
            except InvalidArgumentError as e:  # post-only on a non-GTC order: both refuse
                results[path] = str(e)
        fast, checked = results["fast"], results["checked"]
        if isinstance(fast, str):
            assert fast == checked
            continue
        assert type(fast) is SubmitResult and type(checked) is SubmitResult
        assert fast[:4] == checked[:4] and fast.events.tobytes() == checked.events.tobytes()
        assert [type(x) for x in fast[1:4]] == [list, int, int] == [type(x) for x in checked[1:4]]
        assert all(type(f) is Fill and all(type(v) is int for v in f) for f in fast.fills + checked.fills)
    assert engines["fast"].dumps() == engines["checked"].dumps()


@pytest.mark.parametrize(
    ("change", "exc", "msg"),
    [
        ({"side": 2}, InvalidArgumentError, r"side must be .*, got 2"),
        ({"side": 1.0}, ArgumentTypeError, r"side must be .*, got float \(1.0\)"),
        ({"side": "bidx"}, InvalidArgumentError, r"side must be .*, got 'bidx'"),
        ({"side": None}, ArgumentTypeError, r"side must be .*, got NoneType"),
        ({"tif": "GTC"}, InvalidArgumentError, r"tif must be one of \['fok', 'gtc', 'ioc'\], got 'GTC'"),
        ({"post_only": True, "tif": "ioc"}, InvalidArgumentError, "post_only needs a GTC limit order"),
        ({"bound": 5}, InvalidArgumentError, "bound is for market orders"),
        # plain ints the struct takes but the engine refuses, and ones it does not take
        ({"px": -(2**63)}, InvalidArgumentError, r"px=-9223372036854775808 is outside \["),
        ({"qty": 0}, InvalidArgumentError, r"qty must be in \[1, 18446744073709551615\], got 0"),
        ({"order_id": 0}, InvalidArgumentError, r"order_id must be in \[1, 2\*\*64\), got 0"),
        ({"order_id": 1}, DuplicateOrderError, "order_id=1 rests in the book already"),
        ({"owner": 2**32}, InvalidArgumentError, r"owner must be in \[0, 2\*\*32\), got 4294967296"),
    ],
)
def test_fast_path_shaped_calls_still_refuse(change: dict[str, Any], exc: type, msg: str) -> None:
    """Calls that look like the fast path's (plain int fields) but are not valid raise the
    checked path's errors and change nothing."""
    e = MatchingEngine(n=64, max_orders=16)
    e.submit(1, "ask", 100, 5)
    before = (e.dumps(), e.stats())
    with pytest.raises(exc, match=msg):
        e.submit(**({"order_id": 2, "side": 1, "px": 100, "qty": 3, "owner": 0} | change))
    assert (e.dumps(), e.stats()) == before


@pytest.mark.parametrize(
    ("change", "msg"),
    [
        ({"px": 2**40}, r"px=1099511627776 is outside \[-2147483584, 2147483583\]"),
        ({"qty": 2**32}, r"qty must be in \[1, 4294967295\], got 4294967296"),
    ],
)
def test_fast_path_on_a_32_bit_engine_refuses_what_fits_the_struct(change: dict[str, Any], msg: str) -> None:
    """The packed order holds 64-bit fields: a 32-bit engine's own range check refuses
    what its types cannot hold, and nothing changes."""
    e = MatchingEngine(n=64, price_bits=32, max_orders=16)
    e.submit(1, "ask", 100, 5)
    before = (e.dumps(), e.stats())
    with pytest.raises(InvalidArgumentError, match=msg):
        e.submit(**({"order_id": 2, "side": 1, "px": 100, "qty": 3, "owner": 0} | change))
    assert (e.dumps(), e.stats()) == before
