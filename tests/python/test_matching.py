"""tapebook.MatchingEngine against the plain-Python reference (tapebook.testing.matching_reference):
seeded differential flows (every event of every call compared, the book compared along
the way), a Hypothesis state machine, submit_many against per-call submits, and errors."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tapebook import MatchingEngine, TapebookError
from tapebook.errors import (
    ArgumentTypeError,
    CapacityError,
    DuplicateOrderError,
    IntegerRangeError,
    InvalidArgumentError,
    UnknownOrderError,
)
from tapebook.matching import EVENT_DTYPE, FILL_DTYPE, STP_MODES, TIFS
from tapebook.testing import matching_reference as M

TIF_NAMES = {v: k for k, v in TIFS.items()}


def make_pair(stp: str, n: int = 1024, bits: int = 64, max_orders: int = 10_000, max_cap: int = 4096):
    eng = MatchingEngine(n=n, price_bits=bits, max_orders=max_orders, stp=stp, max_cap=max_cap, anchor=1000)
    ref = M.RefMatchingEngine(
        STP_MODES[stp],
        px_min=-(2 ** (bits - 1)) + n,
        px_max=2 ** (bits - 1) - 1 - n,
        qty_max=2**bits - 1,
        max_orders=max_orders,
        max_levels=max_cap,
    )
    return eng, ref


def as_tuples(events: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(r[f]) for f in M.Event._fields) for r in events]


def same_book(eng: MatchingEngine, ref: M.RefMatchingEngine) -> None:
    assert len(eng) == len(ref)
    for side in (0, 1):
        levels = eng.book.levels(side, k=10_000)
        assert levels == ref.depth(side)
        for px, _ in levels[:5]:
            assert eng.book.level_orders(side, px) == ref.level_orders(side, px)
    assert eng.verify_invariants()


def call_both(eng: MatchingEngine, ref: M.RefMatchingEngine, op: str, *args, **kw):
    """The same call on both; both raise or both give the same events."""
    try:
        if op == "submit":
            status_r, ev_r, rest_r = ref.submit(*args, **{**kw, "tif": TIFS[kw.get("tif", "gtc")]})
        elif op == "market":
            oid, side, qty, bound, tif, owner = args
            status_r, ev_r, rest_r = ref.submit_market(
                oid, side, qty, bound=bound, tif=TIFS[tif], owner=owner
            )
        elif op == "cancel":
            ev_r = ref.cancel(*args)
        else:
            ev_r = ref.modify(*args)
        ref_err = None
    except M.MatchError as e:
        ref_err = e
    try:
        if op == "submit":
            r = eng.submit(*args, **kw)
            got = as_tuples(r.events)
        elif op == "market":
            oid, side, qty, bound, tif, owner = args
            r = eng.submit(oid, side, None, qty, tif=tif, owner=owner, bound=bound)
            got = as_tuples(r.events)
        elif op == "cancel":
            eng.cancel(*args)
            got = None
        else:
            eng.modify(*args)
            got = None
        eng_err = None
    except TapebookError as e:
        eng_err = e
    assert (ref_err is None) == (eng_err is None), (op, args, kw, ref_err, eng_err)
    if ref_err is None and op in ("submit", "market"):
        assert got == [tuple(e) for e in ev_r], (op, args, kw)
        assert r.status == M_STATUS[status_r] and r.resting_qty == rest_r
        assert [(f.maker_id, f.qty, f.px) for f in r.fills] == [
            (e.maker_id, e.qty, e.px) for e in ev_r if e.kind == M.FILL
        ]
    return eng_err


M_STATUS = {
    M.RESTED: "rested",
    M.FILLED: "filled",
    M.PARTIAL: "partial",
    M.CANCELLED: "cancelled",
    M.REJECTED: "rejected",
}


@pytest.mark.parametrize("stp", list(STP_MODES))
@pytest.mark.parametrize("seed", range(3))
def test_differential_flow(stp: str, seed: int) -> None:
    rng = random.Random(seed * 31 + len(stp))
    small = seed == 2  # a small book: capacity errors happen
    eng, ref = make_pair(stp, max_orders=40 if small else 10_000, max_cap=16 if small else 4096)
    next_id = 1
    for step in range(1500):
        r = rng.random()
        if r < 0.15 and ref.orders:
            call_both(eng, ref, "cancel", rng.choice(sorted(ref.orders)) if rng.random() < 0.9 else 10**9)
        elif r < 0.22 and ref.orders:
            call_both(
                eng,
                ref,
                "modify",
                rng.choice(sorted(ref.orders)),
                rng.randint(0 if rng.random() < 0.05 else 1, 40),
            )
        else:
            side = rng.randint(0, 1)
            px = 1000 + rng.randint(-8, 8)
            qty = rng.randint(1, 30) if rng.random() > 0.01 else 0
            tif = rng.choice(["gtc", "gtc", "gtc", "ioc", "fok"])
            owner = rng.randint(0, 3)
            oid = next_id if rng.random() > 0.03 else rng.randint(1, next_id)
            next_id += 1
            if rng.random() < 0.06:
                bound = px if rng.random() < 0.5 else None
                call_both(eng, ref, "market", oid, side, qty, bound, tif, owner)
            else:
                post = tif == "gtc" and rng.random() < 0.1
                call_both(eng, ref, "submit", oid, side, px, qty, tif=tif, owner=owner, post_only=post)
        if step % 250 == 0:
            same_book(eng, ref)
    same_book(eng, ref)
    assert eng.seq == ref.seq


def test_contract_example_and_errors() -> None:
    e = MatchingEngine(n=1024, price_bits=64, max_orders=1000, stp="cancel-newest")
    assert e.submit(1, "ask", 101, 5).status == "rested"
    assert e.submit(2, False, 102, 5, owner=9).status == "rested"
    r = e.submit(3, True, 102, 7)
    assert r.status == "filled" and r.fills[0].maker_id == 1 and r.fills[1].px == 102 and r.filled_qty == 7
    assert e.book.level_orders(0, 102) == [(2, 3)]
    assert e.book.best_ask_px() == 102 and e.book.best_bid_px() is None
    assert e.owner_of(2) == 9
    with pytest.raises(DuplicateOrderError, match="order_id=2"):
        e.submit(2, 1, 90, 1)
    with pytest.raises(UnknownOrderError):
        e.cancel(77)
    with pytest.raises(InvalidArgumentError, match="qty"):
        e.submit(4, 1, 90, 0)
    with pytest.raises(InvalidArgumentError, match="px"):
        e.submit(4, 1, 2**63 - 1, 1)
    with pytest.raises(InvalidArgumentError, match="tif"):
        e.submit(4, 1, 90, 1, tif="day")
    with pytest.raises(InvalidArgumentError, match="post_only"):
        e.submit(4, 1, 90, 1, tif="ioc", post_only=True)
    with pytest.raises(InvalidArgumentError, match="owner"):
        e.submit(4, 1, 90, 1, owner=2**32)
    with pytest.raises(InvalidArgumentError, match="side"):
        e.submit(4, 7, 90, 1)
    with pytest.raises(InvalidArgumentError, match="stp"):
        MatchingEngine(stp="cancel-all")
    assert e.cancel(2) == 3 and len(e) == 0
    tiny = MatchingEngine(max_orders=1)
    tiny.submit(1, 1, 10, 1)
    with pytest.raises(CapacityError):
        tiny.submit(2, 1, 9, 1)


def test_submit_field_errors_name_the_field_and_change_nothing() -> None:
    """submit stores plain ints straight into the C order and falls back to the per-field
    checks on an overflow: each error still names the field, and nothing changes."""
    e = MatchingEngine(n=64, price_bits=64, max_orders=16)
    e.submit(1, 0, 100, 5)
    before = (e.dumps(), e.stats())
    bad = (
        ({"order_id": 2**64}, IntegerRangeError, "order_id=18446744073709551616"),
        ({"order_id": -1}, IntegerRangeError, "order_id=-1"),
        ({"px": 2**63}, InvalidArgumentError, "px=9223372036854775808"),
        ({"qty": 2**64}, InvalidArgumentError, "qty must be in"),
        ({"owner": -1}, InvalidArgumentError, "owner must be in"),
        ({"qty": True}, ArgumentTypeError, r"qty must be an integer, got a bool \(True\)"),
        ({"px": 100.0}, ArgumentTypeError, r"px must be an integer, got float \(100.0\)"),
    )
    for change, exc, msg in bad:
        args = {"order_id": 2, "side": 1, "px": 100, "qty": 3, "owner": 0} | change
        with pytest.raises(exc, match=msg):
            e.submit(**args)
        assert (e.dumps(), e.stats()) == before, change
    # numpy integers take the checked path and work like ints
    r = e.submit(np.uint64(2), 1, np.int64(100), np.uint64(3), owner=np.uint32(4))
    assert r.status == "filled" and r.fills == [(1, 2, 100, 3)] and r.filled_qty == 3
    assert type(r.filled_qty) is int and type(r.resting_qty) is int


def _random_orders(
    rng: np.random.Generator, n: int, spread: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Columns of n orders (ids 1..n, random sides, prices within 1000 +- spread, qty
    1-19) for submit_many."""
    ids = np.arange(1, n + 1, dtype=np.uint64)
    sides = rng.integers(0, 2, n).astype(np.uint8)
    prices = (1000 + rng.integers(-spread, spread + 1, n)).astype(np.int64)
    qtys = rng.integers(1, 20, n).astype(np.uint64)
    return ids, sides, prices, qtys


def test_submit_many_fills_over_many_buffer_drains() -> None:
    """More events than submit_many's bounded buffer holds (65 536): the fills, picked
    chunk by chunk, are the FILL events of the same batch, in order."""
    n = 90_000
    ids, sides, prices, qtys = _random_orders(np.random.default_rng(11), n, 3)
    a = MatchingEngine(max_orders=n)
    b = MatchingEngine(max_orders=n)
    ev = a.submit_many(ids, sides, prices, qtys, events=True)
    fills = b.submit_many(ids, sides, prices, qtys)
    assert len(ev) > 65_536 and 0 < len(fills) < len(ev)
    assert fills.dtype == FILL_DTYPE
    want = ev[ev["kind"] == 1]
    for name in FILL_DTYPE.names:
        assert np.array_equal(fills[name], want[name]), name


def test_submit_many_matches_per_call_submits() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    ids, sides, prices, qtys = _random_orders(rng, n, 6)
    tifs = rng.choice([0, 0, 0, 1, 2], n).astype(np.uint8)
    owners = rng.integers(0, 4, n).astype(np.uint32)
    a = MatchingEngine(stp="cancel-both", max_orders=10_000)
    b = MatchingEngine(stp="cancel-both", max_orders=10_000)
    ev = a.submit_many(ids, sides, prices, qtys, tifs, owners, events=True)
    per_call = [
        b.submit(
            int(ids[i]), int(sides[i]), int(prices[i]), int(qtys[i]), TIF_NAMES[int(tifs[i])], int(owners[i])
        ).events
        for i in range(n)
    ]
    assert ev.dtype == EVENT_DTYPE
    assert ev.tobytes() == np.concatenate(per_call).tobytes()
    c = MatchingEngine(stp="cancel-both", max_orders=10_000)
    fills = c.submit_many(ids, sides, prices, qtys, tifs, owners)
    assert fills.dtype == FILL_DTYPE
    assert fills.tobytes() == ev[ev["kind"] == 1][list(FILL_DTYPE.names)].astype(FILL_DTYPE).tobytes()
    named = MatchingEngine(stp="cancel-both", max_orders=10_000)
    by_name = named.submit_many(ids, sides, prices, qtys, [TIF_NAMES[int(t)] for t in tifs], owners)
    assert by_name.tobytes() == fills.tobytes()
    # a bad row: the rows before it are applied, BatchError names it
    d = MatchingEngine()
    with pytest.raises(TapebookError) as info:
        d.submit_many([1, 2, 0, 4], [1, 0, 1, 1], [10, 20, 10, 10], [1, 1, 1, 1])
    assert info.value.index == 2 and len(d) == 2


class MatchingMachine(RuleBasedStateMachine):
    """Random calls on the engine and the reference side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.eng, self.ref = make_pair("cancel-oldest", max_orders=64, max_cap=32)
        self.next_id = 1

    @rule(
        side=st.integers(0, 1),
        off=st.integers(-5, 5),
        qty=st.integers(1, 25),
        tif=st.sampled_from(["gtc", "ioc", "fok"]),
        owner=st.integers(0, 2),
        post=st.booleans(),
    )
    def submit(self, side: int, off: int, qty: int, tif: str, owner: int, post: bool) -> None:
        call_both(self.eng, self.ref, "submit", self.next_id, side, 1000 + off, qty, tif=tif, owner=owner,
                  post_only=post and tif == "gtc")  # fmt: skip
        self.next_id += 1

    @rule(side=st.integers(0, 1), qty=st.integers(1, 60), bound=st.none() | st.integers(990, 1010))
    def market(self, side: int, qty: int, bound: int | None) -> None:
        call_both(self.eng, self.ref, "market", self.next_id, side, qty, bound, "ioc", 1)
        self.next_id += 1

    @rule(pick=st.integers(0, 10**6))
    def cancel(self, pick: int) -> None:
        ids = sorted(self.ref.orders)
        call_both(self.eng, self.ref, "cancel", ids[pick % len(ids)] if ids else 5)

    @rule(pick=st.integers(0, 10**6), qty=st.integers(1, 40))
    def modify(self, pick: int, qty: int) -> None:
        ids = sorted(self.ref.orders)
        call_both(self.eng, self.ref, "modify", ids[pick % len(ids)] if ids else 5, qty)

    @invariant()
    def same(self) -> None:
        same_book(self.eng, self.ref)
        self.ref.check_invariants()


TestMatchingMachine = MatchingMachine.TestCase
