"""HotL3, the C fast path of L3Book's per-call methods (issue #15), against the
Python path (_<name>_py), which is its specification, and against RefL3Book.

Two books get the same calls: one bound to the fast path, one unbound (every
call then takes the Python path). Every call must return the same value, or
raise the same exception type with the same message, and the books must end
equal, counters included: a refused call is counted once in ``rejected`` on
either path (the fast path does not repeat a failed C call). The arguments
include what the fast path must not take: bools, numpy integers, floats,
Decimal, out-of-range integers, side names, keywords.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import pickle
import threading
import time
import weakref
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from fastpath_calls import outcome
from hypothesis import given, note
from hypothesis import strategies as st

import tapebook
from tapebook import ClosedError, ConcurrentUseError, L3Book, MatchingEngine, ReadOnlyError
from tapebook import _hotpath as hp
from tapebook.l3book import FAST_METHODS, Order
from tapebook.testing.l3_reference import RefL3Book, RefL3Error

pytestmark = pytest.mark.skipif(
    not tapebook.book._HOT, reason=f"fast path off: {tapebook.book.HOTPATH_UNAVAILABLE}"
)

BAD_INTS = [2**31, -(2**31) - 1, 2**32, 2**63, -(2**63) - 1, 2**64, 2**80, -1]
ODD = [True, False, np.int64(3), np.uint64(2), np.int32(-5), np.float64(3.0), 3.0, Decimal(3), None, "3"]
IDS = st.one_of(st.integers(0, 12), st.integers(0, 12), st.sampled_from([2**64 - 1, 2**63, *BAD_INTS, *ODD]))
SIDES = st.one_of(st.sampled_from([True, False, 0, 1]), st.sampled_from([2, -1, "bid", "Sell", "x", *ODD]))
PXS = st.one_of(st.integers(-40, 40), st.integers(-40, 40), st.sampled_from(BAD_INTS + ODD))
QTYS = st.one_of(
    st.integers(0, 9), st.integers(0, 9), st.sampled_from([2**32 - 1, 2**64 - 1, *BAD_INTS, *ODD])
)
ARGS = {
    "add": (("order_id", IDS), ("side", SIDES), ("px", PXS), ("qty", QTYS)),
    "cancel": (("order_id", IDS),),
    "reduce": (("order_id", IDS), ("qty", QTYS)),
    "execute": (("order_id", IDS), ("qty", QTYS)),
    "modify": (("order_id", IDS), ("qty", QTYS)),
    "amend": (("order_id", IDS), ("px", PXS), ("qty", QTYS)),
    "replace": (("old_id", IDS), ("new_id", IDS), ("px", PXS), ("qty", QTYS)),
    "order": (("order_id", IDS),),
    "queue_position": (("order_id", IDS),),
}


def call(data: st.DataObject) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    name = data.draw(
        st.sampled_from(
            ["add"] * 6
            + ["cancel", "reduce", "execute", "modify", "amend", "replace"] * 2
            + ["order", "queue_position", "bbo", "best_bid_px", "best_ask_px", "best_bid_qty", "best_ask_qty"]
        ),
        label="method",
    )
    spec = ARGS.get(name, ())
    args = tuple(data.draw(strat, label=arg) for arg, strat in spec)
    kwargs: dict[str, Any] = {}
    if args and data.draw(st.integers(0, 9), label="keywords") == 0:
        kwargs = {arg: v for (arg, _), v in zip(spec, args, strict=True)}
        args = ()
    return name, args, kwargs


def book_state(b: L3Book) -> tuple[Any, ...]:
    s = b.stats()
    return (b.dumps(), s.rejected, s.adds, s.cancels, s.modifies, s.executes, s.replaces, len(b))


@pytest.mark.parametrize("bits", [32, 64])
@given(data=st.data())
def test_fast_path_matches_python_path(bits: int, data: st.DataObject) -> None:
    n = data.draw(st.sampled_from([64, 256]), label="n")
    fast = L3Book(n=n, price_bits=bits, max_orders=8, max_cap=16, anchor=-n // 2)
    slow = L3Book(n=n, price_bits=bits, max_orders=8, max_cap=16, anchor=-n // 2)
    slow._hot_unbind()
    assert fast._hot_bound and not slow._hot_bound
    for step in range(data.draw(st.integers(1, 60), label="calls")):
        if step == 40 and data.draw(st.booleans(), label="close"):
            fast.close()
            slow.close()
        name, args, kwargs = call(data)
        note(f"{name}(*{args!r}, **{kwargs!r})")
        got = outcome(getattr(fast, name), *args, **kwargs)
        want = outcome(getattr(slow, name), *args, **kwargs)
        assert got == want
    if not fast.closed:
        assert book_state(fast) == book_state(slow)
        assert fast.verify_invariants()


def test_fast_path_is_taken_for_ints_and_index_objects() -> None:
    calls: list[str] = []

    class Spy(L3Book):
        __slots__ = ()

    for name in FAST_METHODS:

        def py(self: Spy, *a: Any, _name: str = name, **kw: Any) -> Any:
            calls.append(_name)
            return getattr(L3Book, f"_{_name}_py")(self, *a, **kw)

        setattr(Spy, f"_{name}_py", py)
    b = Spy(n=256, price_bits=32, max_orders=16)
    b.add(1, True, 10, 3)
    b.add(2, 1, 10, 4)
    b.add(3, False, 20, 1)
    b.add(np.uint64(4), np.int8(0), np.int32(21), np.uint32(2))
    b.execute(1, 1)
    b.reduce(np.int64(2), 1)
    b.modify(3, 5)
    b.amend(4, 22, np.uint16(2))
    b.replace(3, 5, 23, 1)
    b.cancel(np.uint64(5))
    assert b.order(1) == Order(1, True, 10, 2) and b.order(9) is None
    assert b.queue_position(2) == (1, 2)
    assert b.bbo() == (10, 5, 22, 2) and b.best_bid_px() == 10 and b.best_ask_qty() == 2
    assert b.best_ask_px() == 22 and b.best_bid_qty() == 5
    assert calls == []  # nothing reached the Python path
    b.add(6, "bid", 11, 1)  # a side name: the Python path converts it
    b.cancel(order_id=6)  # keywords: the Python path
    assert calls == ["add", "cancel"]
    with pytest.raises(tapebook.UnknownOrderError):
        b.cancel(6)  # a refused C call: raised from its status, not the Python path
    assert calls == ["add", "cancel"]
    assert b.stats().rejected == 1  # counted once


def _refuse_ten(b: L3Book) -> None:
    """Ten calls the book refuses (a full book of orders 1 and 2, max_orders=2)."""
    hi = b.price_range[1]
    for name, args in (
        ("add", (1, 1, 5, 1)),  # duplicate
        ("add", (3, 1, 5, 1)),  # full
        ("cancel", (9,)),
        ("execute", (1, 2)),
        ("reduce", (1, 0)),
        ("modify", (9, 1)),
        ("amend", (9, 5, 1)),
        ("replace", (1, 2, 5, 1)),
        ("add", (4, 2, 5, 1)),  # bad side
        ("add", (4, 1, hi + 1, 1)),  # outside the valid prices
    ):
        with pytest.raises(tapebook.TapebookError):
            getattr(b, name)(*args)


def test_refused_calls_are_counted_once() -> None:
    # regression guard: the fast path raises from the status of its one C call; a
    # Python path that repeated the call would count each refusal twice
    for bound in (True, False):
        b = L3Book(n=64, max_orders=2)
        if not bound:
            b._hot_unbind()
        b.add(1, 1, 5, 1)
        b.add(2, 1, 5, 1)
        _refuse_ten(b)
        assert b.stats().rejected == 10, bound


@pytest.mark.parametrize("bits", [32, 64])
def test_seeded_flow_matches_the_reference(bits: int) -> None:
    rng = np.random.default_rng(15 + bits)
    b = L3Book(n=256, price_bits=bits, max_orders=64, max_cap=64, anchor=-128)
    ref = RefL3Book(price_bits=bits, n=256, max_orders=64, max_levels=64)
    live: list[int] = []
    for _ in range(20_000):
        op = int(rng.integers(0, 8))
        oid = int(rng.choice(live)) if live and rng.random() < 0.9 else int(rng.integers(1, 200))
        px, qty, side = int(rng.integers(-60, 60)), int(rng.integers(0, 6)), int(rng.integers(0, 2))
        name, args = [
            ("add", (int(rng.integers(1, 200)), side, px, qty)),
            ("add", (int(rng.integers(1, 200)), side, px, qty)),
            ("cancel", (oid,)),
            ("execute", (oid, qty)),
            ("reduce", (oid, qty)),
            ("modify", (oid, qty)),
            ("amend", (oid, px, qty)),
            ("replace", (oid, int(rng.integers(1, 200)), px, qty)),
        ][op]
        try:
            getattr(ref, name)(*args)
        except RefL3Error:
            with pytest.raises(tapebook.TapebookError):
                getattr(b, name)(*args)
        else:
            getattr(b, name)(*args)
        live = list(ref.orders)
        probe = oid if oid in ref.orders else (live[0] if live else 1)
        r = ref.order(probe)
        assert b.order(probe) == (None if r is None else Order(r.id, bool(r.side), r.px, r.qty))
        if r is not None:
            assert b.queue_position(probe) == ref.queue_position(probe)
        bid, ask = ref.levels(1, 1), ref.levels(0, 1)
        want = (
            bid[0][0] if bid else None,
            bid[0][1] if bid else 0,
            ask[0][0] if ask else None,
            ask[0][1] if ask else 0,
        )
        assert b.bbo() == want
    assert len(b) == len(ref) and b.verify_invariants()


def test_binding_follows_the_lifetime() -> None:
    b = L3Book(n=64, max_orders=4)
    assert b._hot_bound
    b.add(1, 1, 5, 2)
    data = b.dumps()
    for other in (L3Book.loads(data, n=64, max_orders=4), pickle.loads(pickle.dumps(b))):
        assert other._hot_bound and other.order(1) == Order(1, True, 5, 2)
        other.add(2, 0, 6, 1)
        assert other.bbo() == (5, 2, 6, 1)
    b.close()
    assert not b._hot_bound
    for fn, args in (("add", (2, 1, 5, 1)), ("cancel", (1,)), ("order", (1,)), ("bbo", ())):
        with pytest.raises(ClosedError):
            getattr(b, fn)(*args)
    ref = weakref.ref(b)
    del b
    gc.collect()
    assert ref() is None


def test_engine_view_reads_fast_and_refuses_changes() -> None:
    m = MatchingEngine(n=64, max_orders=16)
    m.submit(1, 1, 10, 3)
    v = m.book
    assert v._hot_bound
    assert v.order(1) == Order(1, True, 10, 3) and v.bbo() == (10, 3, None, 0)
    assert v.queue_position(1) == (0, 0)
    for fn, args in (("add", (2, 1, 5, 1)), ("cancel", (1,)), ("execute", (1, 1)), ("replace", (1, 2, 5, 1))):
        with pytest.raises(ReadOnlyError):
            getattr(v, fn)(*args)
    assert m.cancel(1) == 3 and v.order(1) is None and v.bbo() == (None, 0, None, 0)


def test_concurrent_use_raises() -> None:
    # a long apply_mbo releases the GIL (cffi); the fast path's C calls from another
    # thread then meet the core's thread guard: ConcurrentUseError, never corruption
    b = L3Book(n=256, max_orders=1 << 16, max_cap=1024)
    rows = 50_000
    ids = np.arange(1, rows + 1, dtype=np.uint64)
    adds = (np.full(rows, ord("A"), np.uint8), ids, np.ones(rows, np.uint8), np.full(rows, 5, np.int64))
    cancels = (np.full(rows, ord("C"), np.uint8), ids, np.ones(rows, np.uint8), np.full(rows, 5, np.int64))
    qty = np.ones(rows, np.uint64)
    stop = threading.Event()
    busy = [0, 0]  # refusals seen by this thread, by the other one

    def long_calls() -> None:
        # either side may be refused: the C call that comes second gets TB_ERR_BUSY
        while not stop.is_set():
            try:
                b.apply_mbo(*adds, qty)
                b.apply_mbo(*cancels, qty)
            except ConcurrentUseError:
                busy[1] += 1

    t = threading.Thread(target=long_calls)
    t.start()
    try:
        for i in range(200_000):
            try:
                b.add(10**9 + i, 1, 7, 1)
                b.cancel(10**9 + i)
            except ConcurrentUseError:
                busy[0] += 1
                if busy[0] > 20:
                    break
            # the fast path never releases the GIL: let the other thread run its C calls
            # (test_hotmatch's twin found no collision in 200k rounds without it)
            time.sleep(0)
            if busy[0] + busy[1] > 20:
                break
    finally:
        stop.set()
        t.join()
    assert busy[0] + busy[1] > 0
    assert b.verify_invariants()


def test_bind_refuses_bad_arguments() -> None:
    from tapebook._native import ffi

    b = L3Book(n=64, price_bits=32, max_orders=4)
    size = hp.l3_struct_size(32, 64)
    good = ffi.buffer(b._lp, size)
    with pytest.raises(ValueError, match="no L3 variant price_bits=16 n=64"):
        b._hot_bind(16, 64, good)
    with pytest.raises(ValueError, match="struct"):
        b._hot_bind(32, 64, ffi.buffer(b._lp, size - 1))
    with pytest.raises(TypeError, match=r"ffi\.buffer"):
        b._hot_bind(32, 64, bytearray(size))
    with pytest.raises(ValueError, match="no L3 variant"):
        hp.l3_struct_size(32, 100)
    with pytest.raises(TypeError, match="tuple subclass"):
        hp.set_l3_types(int)
    b.add(1, 1, 5, 1)  # the refused binds changed nothing
    assert b._hot_bound and b.order(1) == Order(1, True, 5, 1)


def test_python_errors_name_the_public_method() -> None:
    b = L3Book(n=64, max_orders=4)
    with pytest.raises(TypeError, match=r"^L3Book\.add\(\) missing 1 required positional argument: 'qty'"):
        b.add(1, 1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^L3Book\.cancel\(\) got an unexpected keyword argument 'oid'"):
        b.cancel(oid=2)  # type: ignore[call-arg]


def test_methods_document_themselves() -> None:
    assert list(inspect.signature(L3Book.add).parameters) == ["self", "order_id", "side", "px", "qty"]
    assert list(inspect.signature(L3Book.replace).parameters) == ["self", "old_id", "new_id", "px", "qty"]
    for name in FAST_METHODS:
        assert getattr(L3Book, name).__doc__, name
        assert getattr(L3Book, f"_{name}_py").__doc__, name
    assert L3Book.__mro__[1] is hp.HotL3


def test_extreme_values() -> None:
    b = L3Book(n=64, price_bits=64, max_orders=8)
    lo, hi = b.price_range
    b.add(2**64 - 1, 1, lo, 2**64 - 1)  # beyond int64: the Python path
    b.add(2**63 - 1, 0, hi, 2**63 - 1)
    assert b.order(2**64 - 1) == Order(2**64 - 1, True, lo, 2**64 - 1)
    assert b.bbo() == (lo, 2**64 - 1, hi, 2**63 - 1)
    b.cancel(2**64 - 1)
    b.execute(2**63 - 1, 2**63 - 1)
    assert len(b) == 0 and b.bbo() == (None, 0, None, 0)


def test_recorded_log_is_byte_identical() -> None:
    # the Recorder logs what its wrapper is given, then calls the book: the same
    # flow, fast path or Python path, writes the same bytes and ends in the same book
    import io

    from tapebook import Recorder

    logs = []
    for bound in (True, False):
        book = L3Book(n=64, max_orders=32)
        if not bound:
            book._hot_unbind()
        buf = io.BytesIO()
        rec = Recorder(book, buf)
        rng = np.random.default_rng(3)
        for i in range(1, 400):
            oid = int(rng.integers(1, i + 1))
            name, args = [
                ("add", (i, int(rng.integers(0, 2)), int(rng.integers(-5, 5)), int(rng.integers(1, 9)))),
                ("cancel", (oid,)),
                ("execute", (oid, 1)),
                ("modify", (oid, 4)),
                ("amend", (oid, int(rng.integers(-5, 5)), 2)),
                ("replace", (oid, i + 10_000, 3, 1)),
            ][int(rng.integers(0, 6))]
            with contextlib.suppress(tapebook.TapebookError):
                getattr(rec, name)(*args)
        rec.close()
        logs.append((buf.getvalue(), book.dumps(), book.stats().rejected))
    assert logs[0] == logs[1] and len(logs[0][0]) > 1000
