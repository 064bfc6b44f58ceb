"""tapebook._hotpath, the C fast path of Book's per-call methods, against the
Python path (_<name>_py), which is its specification.

Two books get the same calls: one bound to the fast path, one unbound (every
call then takes the Python path). Every call must return the same value, or
raise the same exception type with the same message, and the books must end
equal. The arguments include everything the fast path must not take: bools
and numpy integers, floats, Decimal/Fraction (which cffi would truncate),
out-of-range integers, keywords, huge k.
"""

from __future__ import annotations

import gc
import inspect
import weakref
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from fastpath_calls import outcome
from hypothesis import given, note
from hypothesis import strategies as st

import tapebook
from tapebook import Book, ClosedError, MultiBookPool, Result, SpillPool
from tapebook import _hotpath as hp
from tapebook._native import ffi

pytestmark = pytest.mark.skipif(
    not tapebook.book._HOT, reason=f"fast path off: {tapebook.book.HOTPATH_UNAVAILABLE}"
)

SIDE_ARGS = st.one_of(
    st.sampled_from([True, False, 0, 1]),
    st.sampled_from([2, -1, 2**64, 1.0, None, "1", np.int64(1), np.bool_(True), Decimal(0)]),
)
BAD_INTS = [2**31, -(2**31) - 1, 2**32, 2**63, -(2**63) - 1, 2**64, 2**80]
ODD_INTS = [Decimal(5), Decimal("5.5"), Fraction(7, 2), 5.0, np.int32(5), np.uint64(7), np.float64(5.0), True]


def px_args(centre: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(centre - 300, centre + 300),
        st.integers(centre - 300, centre + 300),
        st.sampled_from(BAD_INTS + ODD_INTS + [None, "5"]),
    )


QTY_ARGS = st.one_of(
    st.integers(0, 9), st.integers(0, 9), st.sampled_from([-1, 2**32 - 1, *BAD_INTS, *ODD_INTS, None])
)
K_ARGS = st.one_of(
    st.integers(0, 12), st.sampled_from([hp.MAX_K, hp.MAX_K + 1, 1000, -1, 2**70, 3.0, None, np.int64(4)])
)


def call(data: st.DataObject, centre: int) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    name = data.draw(
        st.sampled_from(
            ["set"] * 6
            + ["best_bid_px", "best_ask_px", "best_bid_qty", "best_ask_qty", "bbo"]
            + ["levels", "levels", "top", "qty_at", "qty_at"]
        ),
        label="method",
    )
    side = lambda: data.draw(SIDE_ARGS, label="side")  # noqa: E731
    if name == "set":
        args: tuple[Any, ...] = (
            side(),
            data.draw(px_args(centre), label="px"),
            data.draw(QTY_ARGS, label="qty"),
        )
        names = ("side", "px", "qty")
    elif name == "levels":
        args = (side(), data.draw(K_ARGS, label="k"))[: data.draw(st.integers(1, 2), label="nargs")]
        names = ("side", "k")
    elif name == "top":
        args = (data.draw(K_ARGS, label="k"),)[: data.draw(st.integers(0, 1), label="nargs")]
        names = ("k",)
    elif name == "qty_at":
        args = (side(), data.draw(px_args(centre), label="px"))
        names = ("side", "px")
    else:
        args, names = (), ()
    kwargs: dict[str, Any] = {}
    if args and data.draw(st.integers(0, 9), label="keywords") == 0:
        kwargs = dict(zip(names, args, strict=False))
        args = ()
    return name, args, kwargs


@pytest.mark.parametrize("bits", [32, 64])
@given(data=st.data())
def test_fast_path_matches_python_path(bits: int, data: st.DataObject) -> None:
    n = data.draw(st.sampled_from([64, 256]), label="n")
    fast = Book(n=n, price_bits=bits, max_cap=64, anchor=-n // 2)
    slow = Book(n=n, price_bits=bits, max_cap=64, anchor=-n // 2)
    slow._hot_unbind()
    assert fast._hot_bound and not slow._hot_bound
    for step in range(data.draw(st.integers(1, 60), label="calls")):
        if step == 40 and data.draw(st.booleans(), label="close"):
            fast.close()
            slow.close()
        name, args, kwargs = call(data, 0)
        note(f"{name}(*{args!r}, **{kwargs!r})")
        got = outcome(getattr(fast, name), *args, **kwargs)
        want = outcome(getattr(slow, name), *args, **kwargs)
        assert got == want
    if not fast.closed:
        assert fast.to_dict() == slow.to_dict()
        assert fast.verify_invariants()


def test_fast_path_is_taken_for_ints_and_index_objects() -> None:
    b = Book(n=256, price_bits=32)
    calls: list[str] = []

    class Spy(Book):
        __slots__ = ()

        def _set_py(self, *a: Any, **kw: Any) -> Result:
            calls.append("set")
            return super()._set_py(*a, **kw)

        def _levels_py(self, *a: Any, **kw: Any) -> Any:
            calls.append("levels")
            return super()._levels_py(*a, **kw)

    s = Spy(n=256, price_bits=32)
    for book in (b, s):
        assert book.set(True, 10, 3) is Result.INSERT
        assert book.set(1, 10, 4) is Result.UPDATE
        assert book.set(0, 20, 1) is Result.INSERT
        assert book.set(0, 2000, 1) is Result.SPILL
        assert book.set(False, 20, 0) is Result.ERASE
        assert book.levels(1) == [(10, 4)] and book.levels(True, 1) == [(10, 4)]
    assert calls == []  # nothing reached the Python path
    # numpy integers (anything with __index__ but bool) stay on the fast path
    assert s.set(np.int8(1), np.int64(11), np.uint32(1)) is Result.INSERT
    assert s.set(True, np.int32(12), np.uint64(2)) is Result.INSERT
    assert s.levels(np.int64(1), np.int16(3)) == [(12, 2), (11, 1), (10, 4)]
    assert s.qty_at(np.int64(1), np.int64(11)) == 1
    assert calls == []
    assert s.levels(1, k=2) == [(12, 2), (11, 1)]  # keywords: the Python path
    assert calls == ["levels"]
    # what the fast path does not take, the Python path converts or refuses exactly
    for bad in (np.float64(13.0), 13.0, True, "13"):
        with pytest.raises(TypeError):
            s.set(1, bad, 1)
    with pytest.raises(OverflowError):
        s.set(1, np.int64(2**40), 1)  # out of int32: refused, nothing changed
    with pytest.raises(OverflowError):
        s.qty_at(1, np.int64(2**40))
    # 4 refused types, and the overflow twice (the Python path converts, then calls set again)
    assert calls.count("set") == 6 and s.depth(True) == 3


def test_int_type_registration_verifies_the_layout() -> None:
    """Only types whose value reads back in place are kept: numpy's integers are
    (book.py registered them), a Python class with __index__ or a type without
    it is not, and registering twice changes nothing."""
    import numpy as np

    kept = hp.register_int_types([(np.int64, 8, True)])
    assert kept >= 8  # numpy's integer types, from tapebook.book

    class Idx:
        def __init__(self, v: int) -> None:
            self.v = v

        def __index__(self) -> int:
            return self.v

    refused = [(Idx, 8, True), (float, 8, True), (bool, 1, False), (np.float64, 8, True)]
    assert hp.register_int_types(refused) == kept
    b = Book(n=64, anchor=0)
    assert b.set(1, Idx(5), Idx(2)) is Result.INSERT and b.qty_at(1, 5) == 2  # __index__: still accepted
    with pytest.raises(TypeError):
        hp.register_int_types([(np.int64, 8)])


def test_binding_follows_the_lifetime() -> None:
    b = Book(n=64)
    assert b._hot_bound
    b.close()
    assert not b._hot_bound
    with pytest.raises(ClosedError):
        b.set(1, 0, 1)
    with pytest.raises(ClosedError):
        b.best_bid_px()
    b2 = Book.loads(Book(n=64).dumps())
    assert b2._hot_bound
    mp = MultiBookPool(high_books=1, medium_books=1, low_books=1, pool_levels=1024, max_cap=16)
    v = mp.alloc("low", anchor=0)
    assert v._hot_bound and v.set(1, 5, 2) is Result.INSERT and v.bbo() == (5, 2, None, 0)
    v.close()
    assert not v._hot_bound
    with pytest.raises(ClosedError):
        v.set(1, 5, 2)


def test_bind_refuses_bad_arguments() -> None:
    b = Book(n=64)
    good = ffi.buffer(b._p, b._v.nbytes)
    with pytest.raises(ValueError, match="no book variant price_bits=16 n=64"):
        b._hot_bind(16, 64, good)
    with pytest.raises(ValueError, match="no book variant price_bits=32 n=100"):
        b._hot_bind(32, 100, good)
    with pytest.raises(ValueError, match="struct"):
        b._hot_bind(32, 128, good)  # the buffer is an n=64 book
    with pytest.raises(TypeError, match=r"ffi\.buffer"):
        b._hot_bind(32, 64, bytearray(b._v.nbytes))  # only cffi's buffer over a book pointer
    with pytest.raises(ValueError, match="struct"):
        b._hot_bind(32, 64, ffi.buffer(ffi.new("char[]", 10)))
    with pytest.raises(TypeError):
        b._hot_bind(32, 64)  # type: ignore[call-arg]
    with pytest.raises(OverflowError):
        b._hot_bind(2**70, 64, good)
    assert b._hot_bound and b.set(1, 1, 1) is Result.INSERT  # the refused binds changed nothing
    with pytest.raises(ImportError, match="no tbh_ops_for"):
        hp.connect("/nonexistent/lib.so")
    with pytest.raises(TypeError):
        hp.connect(b"/bytes")  # type: ignore[arg-type]


def test_python_errors_name_the_public_method() -> None:
    # regression: a missing argument used to be reported against Book._set_py()
    b = Book(n=64)
    with pytest.raises(TypeError, match=r"^Book\.set\(\) missing 1 required positional argument: 'qty'"):
        b.set(1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^Book\.levels\(\) takes from 2 to 3 positional"):
        b.levels(1, 2, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^Book\.qty_at\(\) got an unexpected keyword argument 'p'"):
        b.qty_at(1, p=2)  # type: ignore[call-arg]


def test_cycle_through_the_pool_is_collected() -> None:
    # regression: the binding's buffer references the book's cdata, whose destructor
    # references the pool; a pool pointing back at the book made a cycle the GC
    # could not see (HotBook was not GC-aware)
    class Pool(SpillPool):
        pass

    pool = Pool(levels=1024)
    b = Book(n=64, pool=pool, max_cap=16)
    pool.books = [b]  # type: ignore[attr-defined]
    refs = (weakref.ref(b), weakref.ref(pool))
    del b, pool
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_binding_holds_the_memory_and_dying_books_free_it() -> None:
    # the binding holds a buffer on the C book: the memory stays while bound,
    # and a dropped book is still destroyed (its spill back in the pool)
    pool = SpillPool(levels=1024)
    b = Book(n=64, max_cap=64, pool=pool)
    b.set(1, 10**6, 1)  # anchors the bid tape here
    b.set(1, 0, 2)  # a spill level: a pool block
    b._hot_bind(32, 64, ffi.buffer(b._p, b._v.nbytes))  # rebinding releases the old buffer
    assert b.bbo() == (10**6, 1, None, 0)
    assert pool.stats().used_levels > 0 and pool.stats().attached_books == 1
    del b
    gc.collect()
    assert pool.stats().used_levels == 0 and pool.stats().attached_books == 0


def test_results_table_is_checked() -> None:
    with pytest.raises(TypeError, match="tuple of 5"):
        hp.set_results((1, 2, 3))


def test_methods_document_themselves() -> None:
    assert list(inspect.signature(Book.set).parameters) == ["self", "side", "px", "qty"]
    assert list(inspect.signature(Book.levels).parameters) == ["self", "side", "k"]
    for name in tapebook.book.FAST_METHODS:
        assert getattr(Book, name).__doc__, name
        assert getattr(Book, f"_{name}_py").__doc__, name
    assert tapebook.Book.__mro__[1] is hp.HotBook


def test_empty_and_extreme_levels() -> None:
    b = Book(n=64, price_bits=64, max_cap=1024)
    lo, hi = b.price_range
    assert b.bbo() == (None, 0, None, 0) and b.levels(1, 5) == [] and b.top(0) == ([], [])
    assert b.best_bid_px() is None and b.best_ask_qty() == 0
    b.set(1, lo, 2**64 - 1)  # beyond int64: the Python path
    b.set(0, hi, 2**63 - 1)
    assert b.bbo() == (lo, 2**64 - 1, hi, 2**63 - 1)
    assert b.top(1) == ([(lo, 2**64 - 1)], [(hi, 2**63 - 1)])
    for i in range(300):
        b.set(1, i, i + 1)
    assert len(b.levels(1, hp.MAX_K)) == hp.MAX_K and len(b.levels(1, 1000)) == 301
    assert b.levels(1, 1000) == sorted(b.to_dict()["bid"].items(), reverse=True)
