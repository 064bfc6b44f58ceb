"""tapebook.L3Book against the plain model tapebook.testing.l3_reference.RefL3Book:
a seeded differential run per variant, apply_mbo (statuses and BBO trace),
dumps / loads / pickle restoring queues, errors naming their argument,
lifetimes, and a Hypothesis state machine."""

from __future__ import annotations

import contextlib
import pickle
import random
import threading

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import tapebook
from tapebook import (
    CapacityError,
    ClosedError,
    DuplicateOrderError,
    InvalidArgumentError,
    L3Book,
    Order,
    UnknownOrderError,
)
from tapebook.l3book import _c_columns
from tapebook.testing.l3_reference import (
    ERR_BADARG,
    ERR_DUPLICATE,
    ERR_FULL,
    ERR_OVERFLOW,
    ERR_PRICE,
    ERR_SIDE,
    ERR_UNKNOWN,
    RefL3Book,
    RefL3Error,
)

# the exception L3Book raises for each C status the model refuses with
EXC = {
    ERR_SIDE: InvalidArgumentError,
    ERR_PRICE: InvalidArgumentError,
    ERR_BADARG: InvalidArgumentError,
    ERR_OVERFLOW: InvalidArgumentError,
    ERR_DUPLICATE: DuplicateOrderError,
    ERR_UNKNOWN: UnknownOrderError,
    ERR_FULL: CapacityError,
}


def both(book: L3Book, ref: RefL3Book, name: str, *args: int) -> None:
    """Apply one operation to both; the book raises exactly when the model refuses."""
    try:
        getattr(ref, name)(*args)
    except RefL3Error as e:
        with pytest.raises(EXC[e.status]) as info:
            getattr(book, name)(*args)
        assert type(info.value) is EXC[e.status], (name, args, e.status, info.value)
        return
    getattr(book, name)(*args)


def compare(book: L3Book, ref: RefL3Book, deep: bool) -> None:
    assert book.bbo() == ref.bbo()
    assert len(book) == len(ref)
    if not deep:
        return
    for side in (1, 0):
        assert book.levels(side, 10**6) == ref.levels(side)
        for px, _ in ref.levels(side):
            assert book.level_orders(side, px) == ref.level_orders(side, px)
    for oid in ref.orders:
        o = ref.order(oid)
        assert o is not None
        assert book.order(oid) == Order(o.id, bool(o.side), o.px, o.qty)
        assert book.queue_position(oid) == ref.queue_position(oid)
    assert book.verify_invariants()


@pytest.mark.parametrize(
    ("bits", "n", "max_orders", "max_cap"), [(32, 64, 300, 16), (64, 256, 2000, 4096), (64, 64, 40, 4)]
)
def test_differential(bits: int, n: int, max_orders: int, max_cap: int) -> None:
    rng = random.Random(bits * 1000 + n + max_cap)
    book = L3Book(n=n, price_bits=bits, max_orders=max_orders, max_cap=max_cap, anchor=100_000 - n // 2)
    ref = RefL3Book(price_bits=bits, n=n, max_orders=max_orders, max_levels=max_cap)
    next_id = 1
    width = 3 * n if max_cap >= 16 else n // 2
    for step in range(3000):
        ids = list(ref.orders)
        oid = rng.choice(ids) if ids and rng.random() < 0.9 else rng.randrange(1, 10**6)
        side = rng.randrange(2)
        px = 100_000 + rng.randrange(-width, width + 1)
        qty = rng.randrange(1, 100)
        k = rng.random()
        if k < 0.45:
            both(book, ref, "add", next_id if rng.random() < 0.97 else oid, side, px, qty)
            next_id += 1
        elif k < 0.65:
            both(book, ref, "cancel", oid)
        elif k < 0.75:
            q = ref.orders[oid][2] if oid in ref.orders else 3
            both(book, ref, "execute", oid, rng.randrange(0, q + 2))
        elif k < 0.8:
            both(book, ref, "reduce", oid, rng.randrange(0, 5))
        elif k < 0.88:
            both(book, ref, "modify", oid, rng.randrange(0, 150))
        elif k < 0.94:
            both(book, ref, "amend", oid, px, qty)
        elif k < 0.995:
            both(book, ref, "replace", oid, next_id if rng.random() < 0.9 else oid, px, qty)
            next_id += 1
        else:
            book.clear()
            ref.clear()
        compare(book, ref, deep=step % 50 == 0)
    compare(book, ref, deep=True)
    st_ = book.stats()
    assert st_.orders == len(ref)
    assert st_.max_orders == max_orders


def test_fifo_and_priority_rules() -> None:
    b = L3Book(n=64, price_bits=32, max_orders=16, max_cap=16, anchor=1000)
    for oid, qty in ((1, 5), (2, 7), (3, 1)):
        b.add(oid, True, 1010, qty)
    assert b.level_orders(True, 1010) == [(1, 5), (2, 7), (3, 1)]
    assert b.queue_position(3) == (2, 12)
    b.modify(1, 4)  # down: keeps priority
    assert b.queue_position(1) == (0, 0)
    b.modify(1, 9)  # up: to the back
    assert b.level_orders(True, 1010) == [(2, 7), (3, 1), (1, 9)]
    b.replace(2, 20, 1010, 7)  # new priority
    assert b.level_orders(True, 1010) == [(3, 1), (1, 9), (20, 7)]
    b.execute(3, 1)
    assert 3 not in b and 20 in b
    assert b.best_bid_px() == 1010 and b.best_bid_qty() == 16
    b.amend(1, 1011, 2)
    assert b.bbo() == (1011, 2, None, 0)
    assert b.order(1) == Order(1, True, 1011, 2)
    assert b.order(99) is None


def test_errors_name_the_argument() -> None:
    b = L3Book(n=64, price_bits=32, max_orders=2, max_cap=4, anchor=1000)
    b.add(1, 0, 1001, 5)
    with pytest.raises(DuplicateOrderError, match="order_id=1"):
        b.add(1, 0, 1001, 5)
    with pytest.raises(UnknownOrderError, match="order_id=7"):
        b.cancel(7)
    with pytest.raises(InvalidArgumentError, match=r"px=.*valid price range"):
        b.add(2, 0, 2**31 - 1, 5)
    with pytest.raises(OverflowError, match="qty=-1"):
        b.add(2, 0, 1001, -1)
    with pytest.raises(OverflowError, match="order_id="):
        b.add(-5, 0, 1001, 1)
    with pytest.raises(InvalidArgumentError, match="side"):
        b.add(2, 3, 1001, 1)
    with pytest.raises(InvalidArgumentError, match="qty=9"):
        b.execute(1, 9)
    with pytest.raises(InvalidArgumentError, match="exceed"):
        b.add(2, 0, 1001, 2**32 - 5)
    b.add(2, 0, 1002, 1)
    with pytest.raises(CapacityError, match="max_orders=2"):
        b.add(3, 0, 1001, 1)
    with pytest.raises(DuplicateOrderError, match="new_id=2"):
        b.replace(1, 2, 1001, 1)
    assert len(b) == 2 and b.stats().rejected >= 8 and b.stats().arena_full == 1
    with pytest.raises(InvalidArgumentError, match="max_orders"):
        L3Book(max_orders=0)


def test_apply_mbo_matches_model() -> None:
    rng = random.Random(5)
    b = L3Book(n=128, price_bits=64, max_orders=500, max_cap=64, anchor=0)
    ref = RefL3Book(price_bits=64, n=128, max_orders=500, max_levels=64)
    n = 4000
    acts = np.frombuffer(
        bytes(rng.choice(b"AAAACCCEEMMRX" if i % 997 == 0 else b"AAAACCCEEMM") for i in range(n)), np.uint8
    )
    ids = np.array([rng.randrange(1, 300) for _ in range(n)], dtype=np.uint64)
    sides = np.array([rng.randrange(2) for _ in range(n)], dtype=np.uint8)
    prices = np.array([64 + rng.randrange(-100, 100) for _ in range(n)], dtype=np.int64)
    qtys = np.array([rng.randrange(0, 20) for _ in range(n)], dtype=np.uint64)
    statuses, trace = b.apply_mbo_bbo(acts, ids, sides, prices, qtys)
    for i in range(n):
        status = ref.apply_row(int(acts[i]), int(ids[i]), int(sides[i]), int(prices[i]), int(qtys[i]))
        assert statuses[i] == status, i
        bp, bq, ap, aq = ref.bbo()
        assert (trace["bid_px"][i], trace["bid_qty"][i]) == (bp if bp is not None else -(2**63), bq)
        assert (trace["ask_px"][i], trace["ask_qty"][i]) == (ap if ap is not None else 2**63 - 1, aq)
    compare(b, ref, deep=True)
    # the same columns through apply_mbo on a fresh book give the same statuses; 'S1' actions work
    b2 = L3Book(n=128, price_bits=64, max_orders=500, max_cap=64, anchor=0)
    assert (
        b2.apply_mbo(acts.view("S1"), ids, sides.astype(bool), prices, qtys.astype(np.int64)) == statuses
    ).all()
    assert b2.dumps() == b.dumps()
    with pytest.raises(InvalidArgumentError, match="equal lengths"):
        b2.apply_mbo(b"A", [1, 2], [1], [0], [1])


def test_apply_mbo_column_layouts_agree() -> None:
    """Columns already of the C types skip the checks (L3Book._mbo_columns); misaligned,
    strided, read-only, wider-typed and list columns take them: every layout gives the
    same statuses and the same book."""
    rng = random.Random(11)
    n = 600
    acts = np.frombuffer(bytes(rng.choice(b"AAAACCEM") for _ in range(n)), np.uint8).copy()
    ids = np.array([rng.randrange(1, 120) for _ in range(n)], dtype=np.uint64)
    sides = np.array([rng.randrange(2) for _ in range(n)], dtype=np.uint8)
    prices = np.array([500 + rng.randrange(-40, 40) for _ in range(n)], dtype=np.int32)
    qtys = np.array([rng.randrange(0, 9) for _ in range(n)], dtype=np.uint32)
    cols = (acts, ids, sides, prices, qtys)

    def misaligned(a: np.ndarray) -> np.ndarray:
        return np.frombuffer(b"\0" + a.tobytes(), dtype=a.dtype, offset=1)

    def strided(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, 2)[::2]

    def read_only(a: np.ndarray) -> np.ndarray:
        c = a.copy()
        c.setflags(write=False)
        return c

    layouts = {
        "exact": cols,
        "misaligned": tuple(misaligned(c) for c in cols),
        "strided": tuple(strided(c) for c in cols),
        "read-only": tuple(read_only(c) for c in cols),
        "wider": (
            acts,
            ids.astype(np.int64),
            sides.astype(bool),
            prices.astype(np.int64),
            qtys.astype(np.int64),
        ),
        "lists": tuple(c.tolist() for c in cols),
    }
    assert not misaligned(ids).flags.aligned and not strided(ids).flags.c_contiguous
    dtypes = L3Book(n=64, price_bits=32, max_orders=1, max_cap=64, anchor=470)._mbo_dtypes
    # only C-readable columns of the exact types skip the checks (a misaligned read is UB in C)
    assert [name for name, layout in layouts.items() if _c_columns(layout, dtypes)] == ["exact", "read-only"]
    results = {}
    for name, layout in layouts.items():
        b = L3Book(n=64, price_bits=32, max_orders=200, max_cap=64, anchor=470)
        results[name] = (b.apply_mbo(*layout).tolist(), b.dumps())
    assert any(s for s in results["exact"][0]), "the stream has refused rows too"
    assert all(r == results["exact"] for r in results.values())
    with pytest.raises(InvalidArgumentError, match="equal lengths"):
        L3Book(n=64, price_bits=32, max_orders=200, max_cap=64, anchor=470).apply_mbo(*cols[:4], qtys[:-1])


def test_dumps_loads_pickle_restore_queues() -> None:
    b = L3Book(n=64, price_bits=32, max_orders=100, max_cap=32, anchor=500)
    for i in range(40):
        b.add(i, i % 2, 530 + (i % 5) - (i % 2) * 10 + (i % 3) * 100, 1 + i)
    b.modify(4, 1000)
    data = b.dumps()
    c = L3Book.loads(data, n=64, price_bits=32, max_orders=100, max_cap=32)
    d = pickle.loads(pickle.dumps(b))
    for other in (c, d):
        assert other.dumps() == data
        for side in (0, 1):
            for px, _ in b.levels(side, 100):
                assert other.level_orders(side, px) == b.level_orders(side, px)
        assert other.anchor(1) == b.anchor(1) and other.anchor(0) == b.anchor(0)
    bad = bytearray(data)
    bad[70] ^= 1
    with pytest.raises(tapebook.FormatError):
        c.load_into(bytes(bad))
    assert c.dumps() == data
    with pytest.raises(CapacityError):
        L3Book(n=64, price_bits=32, max_orders=10, max_cap=32).load_into(data)


def test_close_and_lifetime() -> None:
    with L3Book(n=64, price_bits=64, max_orders=10, max_cap=8) as b:
        b.add(1, 1, 0, 5)
    assert b.closed and "closed" in repr(b)
    with pytest.raises(ClosedError):
        b.add(2, 1, 0, 5)
    with pytest.raises(ClosedError):
        b.best_bid_px()
    with pytest.raises(ClosedError):
        len(b)
    b.close()  # twice is harmless
    pool = tapebook.SpillPool(levels=1 << 12, price_bits=64)
    p = L3Book(n=64, price_bits=64, max_orders=100, max_cap=64, pool=pool)
    for i in range(50):
        p.add(i, 1, -1000 * i, 1)  # far apart: the spill (from the pool) holds them
    assert p.depth(1) == 50 and p.verify_invariants()
    del pool  # the book keeps its pool alive
    p.close()


def test_concurrent_use_is_refused() -> None:
    n = 200_000
    b = L3Book(n=64, price_bits=64, max_orders=n + 10, max_cap=64)
    errors: list[BaseException] = []
    statuses: list[np.ndarray] = []
    acts = np.full(n, ord("A"), np.uint8)
    ids = np.arange(n, dtype=np.uint64)
    sides, prices, qtys = np.ones(n, np.uint8), np.zeros(n, np.int64), np.ones(n, np.uint64)

    def batch() -> None:
        # The batch itself may be refused when it starts while a per-call operation is
        # inside C (refused whole: it is tried again, and then every row must be new —
        # a refused call that had applied rows would show up as duplicates).
        try:
            while True:
                with contextlib.suppress(tapebook.ConcurrentUseError):
                    statuses.append(b.apply_mbo(acts, ids, sides, prices, qtys))
                    return
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=batch)
    t.start()
    while t.is_alive():  # per-call operations during the batch: refused whole, or applied whole
        for op in (lambda: b.add(10**9, 0, 5, 1), lambda: b.cancel(10**9)):
            with contextlib.suppress(tapebook.ConcurrentUseError, DuplicateOrderError, UnknownOrderError):
                op()
    t.join()
    assert not errors
    assert len(statuses) == 1 and not np.asarray(statuses[0]).any(), "every row of the batch applied once"
    if 10**9 in b:
        b.cancel(10**9)
    assert len(b) == n and b.verify_invariants()
    assert b.level_orders(True, 0)[:3] == [(0, 1), (1, 1), (2, 1)]


class L3Machine(RuleBasedStateMachine):
    """Random operations on an L3Book and the model; everything compared after each rule."""

    @initialize(
        bits=st.sampled_from([32, 64]),
        max_cap=st.sampled_from([2, 8, 64]),
        max_orders=st.sampled_from([3, 30]),
    )
    def setup(self, bits: int, max_cap: int, max_orders: int) -> None:
        self.book = L3Book(n=64, price_bits=bits, max_orders=max_orders, max_cap=max_cap, anchor=0)
        self.ref = RefL3Book(price_bits=bits, n=64, max_orders=max_orders, max_levels=max_cap)
        self.big = 2**bits - 1

    ids = st.integers(1, 12)
    pxs = st.integers(-200, 200)

    @rule(oid=ids, side=st.integers(0, 1), px=pxs, qty=st.one_of(st.integers(0, 9), st.just(2**31)))
    def add(self, oid: int, side: int, px: int, qty: int) -> None:
        both(self.book, self.ref, "add", oid, side, px, qty)

    @rule(oid=ids)
    def cancel(self, oid: int) -> None:
        both(self.book, self.ref, "cancel", oid)

    @rule(oid=ids, qty=st.integers(0, 10))
    def execute(self, oid: int, qty: int) -> None:
        both(self.book, self.ref, "execute", oid, qty)

    @rule(oid=ids, qty=st.one_of(st.integers(0, 12), st.just(2**31)))
    def modify(self, oid: int, qty: int) -> None:
        both(self.book, self.ref, "modify", oid, qty)

    @rule(oid=ids, px=pxs, qty=st.integers(0, 12))
    def amend(self, oid: int, px: int, qty: int) -> None:
        both(self.book, self.ref, "amend", oid, px, qty)

    @rule(old=ids, new=ids, px=pxs, qty=st.integers(0, 12))
    def replace(self, old: int, new: int, px: int, qty: int) -> None:
        both(self.book, self.ref, "replace", old, new, px, qty)

    @rule()
    def roundtrip(self) -> None:
        data = self.book.dumps()
        self.book.load_into(data)
        assert self.book.dumps() == data

    @invariant()
    def same(self) -> None:
        if hasattr(self, "book"):
            compare(self.book, self.ref, deep=True)


TestL3Machine = L3Machine.TestCase
