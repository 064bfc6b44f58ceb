"""MatchingEngine.book: the L3Book query API over the engine's own book, read only,
a live view (no copy), compared against tapebook.testing.matching_reference along a
seeded flow of submits, cancels and modifies."""

from __future__ import annotations

import gc
import pickle
import random
from collections.abc import Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tapebook import L3Book, MatchingEngine, Order, ReadOnlyError
from tapebook.errors import TapebookError
from tapebook.l3view import MUTATORS, L3BookView
from tapebook.matching import STP_MODES, TIFS
from tapebook.testing import matching_reference as M

BITS_N = [(64, 1024), (32, 64)]
#: the L3Book methods that only read (the view passes them on); the rest are MUTATORS
QUERIES = (
    "anchor",
    "bbo",
    "best_ask_px",
    "best_ask_qty",
    "best_bid_px",
    "best_bid_qty",
    "crossed",
    "depth",
    "dumps",
    "level_orders",
    "levels",
    "loads",
    "order",
    "qty_at",
    "queue_position",
    "snapshot",
    "stats",
    "top",
    "verify_invariants",
)


def make_pair(bits: int, n: int, max_orders: int = 500, max_cap: int = 64):
    eng = MatchingEngine(n=n, price_bits=bits, max_orders=max_orders, max_cap=max_cap, anchor=1000)
    ref = M.RefMatchingEngine(
        STP_MODES["cancel-newest"],
        px_min=-(2 ** (bits - 1)) + n,
        px_max=2 ** (bits - 1) - 1 - n,
        qty_max=2**bits - 1,
        max_orders=max_orders,
        max_levels=max_cap,
    )
    return eng, ref


def agree(ref_call: Callable[[], object], eng_call: Callable[[], object]) -> None:
    """The same call on the reference and the engine: both refuse it or neither does."""
    try:
        ref_call()
        ref_ok = True
    except M.MatchError:
        ref_ok = False
    try:
        eng_call()
        eng_ok = True
    except TapebookError:
        eng_ok = False
    assert ref_ok == eng_ok


def step(eng: MatchingEngine, ref: M.RefMatchingEngine, rng: random.Random, next_id: int) -> None:
    """One random submit, cancel or modify on both."""
    r = rng.random()
    if r < 0.15 and ref.orders:
        oid = rng.choice(sorted(ref.orders))
        agree(lambda: ref.cancel(oid), lambda: eng.cancel(oid))
    elif r < 0.25 and ref.orders:
        oid, qty = rng.choice(sorted(ref.orders)), rng.randint(1, 40)
        agree(lambda: ref.modify(oid, qty), lambda: eng.modify(oid, qty))
    else:
        side, px, qty = rng.randint(0, 1), 1000 + rng.randint(-8, 8), rng.randint(1, 30)
        tif, owner = rng.choice(["gtc", "gtc", "gtc", "ioc"]), rng.randint(0, 3)
        agree(
            lambda: ref.submit(next_id, side, px, qty, tif=TIFS[tif], owner=owner),
            lambda: eng.submit(next_id, side, px, qty, tif=tif, owner=owner),
        )


def flowed(bits: int, n: int, seed: int, steps: int) -> tuple[MatchingEngine, M.RefMatchingEngine]:
    """An engine and the reference after the same seeded flow of ``steps`` calls."""
    eng, ref = make_pair(bits, n)
    rng = random.Random(seed)
    for i in range(steps):
        step(eng, ref, rng, i + 1)
    return eng, ref


def same_book(view: L3BookView, ref: M.RefMatchingEngine) -> None:
    """Every query of the L3Book API against the reference's book."""
    assert len(view) == len(ref) == view.stats().orders
    for side in (0, 1):
        depth = ref.depth(side)
        assert view.levels(side, 10_000) == depth
        assert view.depth(side) == len(depth)
        for px, total in depth:
            assert view.qty_at(side, px) == total
            queue = ref.level_orders(side, px)
            assert view.level_orders(side, px) == queue
            for i, (oid, qty) in enumerate(queue):
                assert view.order(oid) == Order(oid, bool(side), px, qty)
                assert view.queue_position(oid) == (i, sum(q for _, q in queue[:i]))
    bids, asks = ref.depth(1), ref.depth(0)
    assert view.top(3) == (bids[:3], asks[:3])
    assert view.bbo() == (
        bids[0][0] if bids else None,
        bids[0][1] if bids else 0,
        asks[0][0] if asks else None,
        asks[0][1] if asks else 0,
    )
    assert view.best_bid_px() == ref.best(1) and view.best_ask_px() == ref.best(0)
    assert not view.crossed()
    snap = view.snapshot(16)
    assert [(int(r["px"]), int(r["qty"])) for r in snap.bids] == bids[:16]
    assert [(int(r["px"]), int(r["qty"])) for r in snap.asks] == asks[:16]
    assert view.order(10**12) is None and 10**12 not in view
    assert view.verify_invariants()


@pytest.mark.parametrize(("bits", "n"), BITS_N)
def test_book_is_the_l3_api_of_the_live_book(bits: int, n: int) -> None:
    eng, ref = make_pair(bits, n)
    view = eng.book
    assert isinstance(view, L3Book) and eng.book is view  # one view, never a copy
    assert (view.n, view.price_bits, view.max_orders, view.max_cap) == (n, bits, 500, 64)
    rng = random.Random(bits + n)
    for i in range(1200):
        step(eng, ref, rng, i + 1)
        if i % 100 == 0:
            same_book(view, ref)  # the view fetched before the flow follows the engine
    same_book(view, ref)


def test_mutators_raise_and_change_nothing() -> None:
    eng, ref = flowed(64, 1024, seed=7, steps=200)
    view = eng.book
    before = view.dumps()
    oid = next(iter(ref.orders))
    args = {
        "add": (10**9, 1, 1000, 1),
        "cancel": (oid,),
        "reduce": (oid, 1),
        "execute": (oid, 1),
        "modify": (oid, 1),
        "amend": (oid, 1001, 1),
        "replace": (oid, 10**9, 1001, 1),
        "clear": (),
        "reset": (0,),
        "apply_mbo": (b"A", [10**9], [1], [1000], [1]),
        "apply_mbo_bbo": (b"A", [10**9], [1], [1000], [1]),
        "load_into": (before,),
        "recenter_bid": (0,),
        "recenter_ask": (0,),
        "close": (),
    }
    assert set(args) == set(MUTATORS)
    # every other public L3Book method only reads: a new mutator must join MUTATORS
    reads = {n for n in dir(L3Book) if not n.startswith("_") and callable(getattr(L3Book, n))} - set(MUTATORS)
    assert reads == set(QUERIES)
    for name, a in args.items():
        with pytest.raises(ReadOnlyError, match=f"L3BookView.{name}: the book is read only"):
            getattr(view, name)(*a)
    with pytest.raises(ReadOnlyError):
        L3BookView()
    assert view.dumps() == before and not view.closed
    same_book(view, ref)


def test_copies_are_writable_l3books_and_the_view_keeps_the_engine_alive() -> None:
    eng, ref = flowed(32, 64, seed=3, steps=300)
    view = eng.book
    for copy in (pickle.loads(pickle.dumps(view)), view.loads(view.dumps(), n=64, price_bits=32, max_cap=64)):
        assert type(copy) is L3Book
        assert copy.dumps() == view.dumps()
        copy.clear()  # writable, and a copy: the engine's book is untouched
        assert len(view) == len(ref)
    levels = view.levels(1, 100)
    del eng
    gc.collect()
    assert view.levels(1, 100) == levels and "read-only view of L3Book" in repr(view)


class EngineBookMachine(RuleBasedStateMachine):
    """Random submits / cancels / modifies on an engine and the reference; the engine's
    book view (taken once, at the start) checked against the reference after each rule."""

    def __init__(self) -> None:
        super().__init__()
        self.eng, self.ref = make_pair(32, 64, max_orders=6, max_cap=4)
        self.view = self.eng.book
        self.next_id = 1

    @rule(
        side=st.integers(0, 1),
        px=st.integers(995, 1005),
        qty=st.integers(1, 9),
        tif=st.sampled_from(["gtc", "ioc", "fok"]),
        owner=st.integers(0, 2),
    )
    def submit(self, side: int, px: int, qty: int, tif: str, owner: int) -> None:
        oid, self.next_id = self.next_id, self.next_id + 1
        agree(
            lambda: self.ref.submit(oid, side, px, qty, tif=TIFS[tif], owner=owner),
            lambda: self.eng.submit(oid, side, px, qty, tif=tif, owner=owner),
        )

    @rule(pick=st.integers(0, 10**6), qty=st.integers(0, 12), cancel=st.booleans())
    def change(self, pick: int, qty: int, cancel: bool) -> None:
        ids = sorted(self.ref.orders)
        oid = ids[pick % len(ids)] if ids else pick
        if cancel:
            agree(lambda: self.ref.cancel(oid), lambda: self.eng.cancel(oid))
        else:
            agree(lambda: self.ref.modify(oid, qty), lambda: self.eng.modify(oid, qty))

    @invariant()
    def same(self) -> None:
        same_book(self.view, self.ref)


TestEngineBookMachine = EngineBookMachine.TestCase
