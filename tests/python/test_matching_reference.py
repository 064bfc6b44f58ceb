"""The matching reference itself: order types and STP modes worked by hand, and seeded
random flows checked against the invariants (never crossed, quantity conservation, FIFO,
event sequence numbers)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from tapebook.testing import matching_reference as M
from tapebook.testing.matching_reference import (
    ASK,
    BID,
    CANCEL,
    FILL,
    FOK,
    GTC,
    IOC,
    REJECT,
    REST,
    MatchError,
    RefMatchingEngine,
)


def kinds(events: list[M.Event]) -> list[tuple[int, ...]]:
    return [(e.kind, e.maker_id, e.px, e.qty) for e in events]


def book_with_asks(stp: int = M.STP_CANCEL_NEWEST) -> RefMatchingEngine:
    e = RefMatchingEngine(stp)
    e.submit(1, ASK, 101, 5, owner=7)
    e.submit(2, ASK, 101, 3, owner=8)
    e.submit(3, ASK, 102, 4, owner=9)
    return e


def test_model_does_not_touch_the_c_core() -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('mref', {M.__file__!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['mref'] = m; spec.loader.exec_module(m)\n"
        "print([k for k in sys.modules if k.endswith('_cffi') or k.startswith('tapebook')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_price_time_priority_at_maker_price() -> None:
    e = book_with_asks()
    status, ev, resting = e.submit(10, BID, 103, 10)
    assert resting == 0
    # best price first, FIFO within 101, at the maker's price, partial fill of order 3
    assert kinds(ev) == [(FILL, 1, 101, 5), (FILL, 2, 101, 3), (FILL, 3, 102, 2)]
    assert [e_.taker_remaining for e_ in ev] == [5, 2, 0]
    assert ev[2].maker_remaining == 2 and ev[2].level_qty == 2
    assert status == M.FILLED
    assert e.level_orders(ASK, 102) == [(3, 2)]
    assert [x.seq for x in ev] == [4, 5, 6]


def test_gtc_rests_remainder_and_ioc_cancels_it() -> None:
    e = book_with_asks()
    status, ev, resting = e.submit(10, BID, 101, 10)
    assert status == M.PARTIAL and resting == 2
    assert kinds(ev)[-1] == (REST, 0, 101, 2) and ev[-1].level_qty == 2
    assert e.best(BID) == 101 and e.best(ASK) == 102
    e = book_with_asks()
    status, ev, resting = e.submit(10, BID, 101, 10, tif=IOC)
    assert status == M.PARTIAL and resting == 0
    assert (ev[-1].kind, ev[-1].reason, ev[-1].qty) == (CANCEL, M.R_IOC, 2)
    assert e.best(BID) is None


def test_fok_all_or_nothing() -> None:
    e = book_with_asks()
    status, ev, _ = e.submit(10, BID, 101, 9, tif=FOK)
    assert status == M.CANCELLED and [(x.kind, x.reason, x.qty) for x in ev] == [(CANCEL, M.R_FOK, 9)]
    assert e.depth(ASK) == [(101, 8), (102, 4)]
    status, ev, _ = e.submit(11, BID, 102, 12, tif=FOK)
    assert status == M.FILLED and sum(x.qty for x in ev if x.kind == FILL) == 12
    assert e.depth(ASK) == []


def test_post_only_rejected_when_it_would_take() -> None:
    e = book_with_asks()
    status, ev, _ = e.submit(10, BID, 101, 1, post_only=True)
    assert status == M.REJECTED and [(x.kind, x.reason) for x in ev] == [(REJECT, M.R_POST_ONLY)]
    status, ev, resting = e.submit(11, BID, 100, 1, post_only=True)
    assert status == M.RESTED and resting == 1
    with pytest.raises(MatchError, match="post_only"):
        e.submit(12, BID, 100, 1, tif=IOC, post_only=True)


def test_market_orders_and_protection_bound() -> None:
    e = book_with_asks()
    status, ev, resting = e.submit(10, BID, None, 20)
    assert status == M.PARTIAL and resting == 0
    assert (ev[-1].kind, ev[-1].reason, ev[-1].qty) == (CANCEL, M.R_MARKET, 8)
    assert e.depth(ASK) == [] and e.depth(BID) == []
    e = book_with_asks()
    status, ev, _ = e.submit_market(10, BID, 20, bound=101)
    assert [x.maker_id for x in ev if x.kind == FILL] == [1, 2]
    assert e.depth(ASK) == [(102, 4)] and e.depth(BID) == []
    status, ev, _ = e.submit_market(11, BID, 4, bound=101, tif=FOK)
    assert status == M.CANCELLED and ev[0].reason == M.R_FOK


@pytest.mark.parametrize(
    ("stp", "expected", "ask_left"),
    [
        (M.STP_NONE, [(FILL, 1, 101, 5), (FILL, 2, 101, 2)], [(101, 1), (102, 4)]),
        (M.STP_CANCEL_NEWEST, [(CANCEL, 0, 0, 7)], [(101, 8), (102, 4)]),
        (M.STP_CANCEL_OLDEST, [(CANCEL, 1, 101, 5), (FILL, 2, 101, 3), (FILL, 3, 102, 4)], []),
        (M.STP_CANCEL_BOTH, [(CANCEL, 1, 101, 5), (CANCEL, 0, 0, 7)], [(101, 3), (102, 4)]),
    ],
)
def test_self_trade_prevention(
    stp: int, expected: list[tuple[int, ...]], ask_left: list[tuple[int, int]]
) -> None:
    e = book_with_asks(stp)
    _, ev, _ = e.submit(10, BID, None, 7, owner=7)
    got = [(x.kind, x.maker_id, x.px, x.qty) for x in ev]
    assert got == expected
    assert all(x.reason == M.R_STP for x in ev if x.kind == CANCEL)
    assert e.depth(ASK) == ask_left


def test_owner_zero_never_self_trades() -> None:
    e = RefMatchingEngine(M.STP_CANCEL_NEWEST)
    e.submit(1, ASK, 100, 5)
    _, ev, _ = e.submit(2, BID, 100, 5)
    assert [x.kind for x in ev] == [FILL]


def test_validation_changes_nothing() -> None:
    e = book_with_asks()
    before = (e.depth(ASK), e.seq, len(e))
    bad = [
        dict(order_id=0, side=BID, px=100, qty=1),
        dict(order_id=1, side=BID, px=100, qty=1),  # resting already
        dict(order_id=10, side=2, px=100, qty=1),
        dict(order_id=10, side=BID, px=100, qty=0),
        dict(order_id=10, side=BID, px=2**63, qty=1),
        dict(order_id=10, side=BID, px=100, qty=1, owner=2**32),
        dict(order_id=10, side=BID, px=100, qty=1, tif=3),
    ]
    for kw in bad:
        with pytest.raises(MatchError):
            e.submit(**kw)  # type: ignore[arg-type]
    assert (e.depth(ASK), e.seq, len(e)) == before
    small = RefMatchingEngine(max_orders=2, qty_max=10, max_levels=2)
    small.submit(1, ASK, 100, 10)
    with pytest.raises(MatchError, match="level total"):
        small.submit(2, ASK, 100, 1)
    small.submit(2, BID, 90, 1)
    with pytest.raises(MatchError, match="max_orders"):
        small.submit(3, BID, 91, 1)
    small.submit(3, BID, 100, 4, tif=IOC)  # IOC never rests: allowed
    small.cancel(2)
    small.max_orders = 3
    small.submit(4, ASK, 105, 1)
    with pytest.raises(MatchError, match="max_levels"):
        small.submit(5, ASK, 106, 1)


def test_modify_priority_and_cancel() -> None:
    e = RefMatchingEngine()
    for i in (1, 2, 3):
        e.submit(i, BID, 100, 5)
    e.modify(1, 4)
    assert e.level_orders(BID, 100) == [(1, 4), (2, 5), (3, 5)]
    e.modify(1, 6)
    assert e.level_orders(BID, 100) == [(2, 5), (3, 5), (1, 6)]
    ev = e.cancel(3)
    assert (ev[0].kind, ev[0].reason, ev[0].maker_id, ev[0].level_qty) == (CANCEL, M.R_USER, 3, 11)
    with pytest.raises(MatchError):
        e.cancel(3)
    with pytest.raises(MatchError):
        e.modify(2, 0)


class Ledger:
    """Quantity conservation from the events alone: for every order,
    submitted (+ modify deltas) == filled + cancelled/rejected + resting."""

    def __init__(self) -> None:
        self.submitted: dict[int, int] = {}
        self.out: dict[int, int] = {}
        self.entry: dict[int, int] = {}  # seq at which the order joined the back of its queue

    def record(self, events: list[M.Event], rest_qty: dict[int, int]) -> None:
        for e in events:
            if e.kind == FILL:
                self.out[e.taker_id] = self.out.get(e.taker_id, 0) + e.qty
                self.out[e.maker_id] = self.out.get(e.maker_id, 0) + e.qty
            elif e.kind in (CANCEL, REJECT):
                oid = e.maker_id or e.taker_id
                self.out[oid] = self.out.get(oid, 0) + e.qty
            elif e.kind == REST:
                self.entry[e.taker_id] = e.seq
            elif e.kind == M.MODIFY:
                old = rest_qty[e.maker_id]
                self.submitted[e.maker_id] += e.qty - old
                if e.qty > old:
                    self.entry[e.maker_id] = e.seq

    def check(self, eng: RefMatchingEngine) -> None:
        for oid, sub in self.submitted.items():
            o = eng.orders.get(oid)
            assert sub == self.out.get(oid, 0) + (o.qty if o else 0), oid
        for side in (ASK, BID):
            for px in eng.levels[side]:
                seqs = [self.entry[i] for i, _ in eng.level_orders(side, px)]
                assert seqs == sorted(seqs), (side, px)


@pytest.mark.parametrize("stp", [M.STP_NONE, M.STP_CANCEL_NEWEST, M.STP_CANCEL_OLDEST, M.STP_CANCEL_BOTH])
@pytest.mark.parametrize("seed", range(2))
def test_random_flow_invariants(stp: int, seed: int) -> None:
    rng = random.Random(seed * 10 + stp)
    eng = RefMatchingEngine(stp, max_orders=200, qty_max=1000)
    led = Ledger()
    next_id = 1
    last_seq = 0
    for _ in range(1000):
        r = rng.random()
        if r < 0.15 and eng.orders:
            oid = rng.choice(sorted(eng.orders))
            rest = {i: o.qty for i, o in eng.orders.items()}
            if rng.random() < 0.6:
                ev = eng.cancel(oid)
            else:
                try:
                    ev = eng.modify(oid, rng.randint(1, 40))
                except MatchError:
                    continue
            led.record(ev, rest)
        else:
            side = rng.randint(0, 1)
            mid = 1000
            px = mid + (rng.randint(-5, 3) if side == BID else rng.randint(-3, 5))
            tif = rng.choice([GTC, GTC, GTC, IOC, FOK])
            market = rng.random() < 0.05
            qty = rng.randint(1, 30)
            owner = rng.randint(0, 3)
            post = tif == GTC and not market and rng.random() < 0.1
            try:
                if market:
                    _, ev, _ = eng.submit_market(
                        next_id, side, qty, bound=px if rng.random() < 0.5 else None, tif=tif, owner=owner
                    )
                else:
                    _, ev, _ = eng.submit(next_id, side, px, qty, tif=tif, owner=owner, post_only=post)
            except MatchError:
                next_id += 1
                continue
            led.submitted[next_id] = qty
            led.record(ev, {})
            next_id += 1
        eng.check_invariants()
        led.check(eng)
        assert [e.seq for e in eng.events] == list(range(1, eng.seq + 1))
        assert eng.seq >= last_seq
        last_seq = eng.seq
