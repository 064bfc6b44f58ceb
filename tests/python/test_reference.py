"""The reference model itself: contract examples worked by hand, and the model
checked against the plainest possible book (a dict per side, no windows)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapebook.testing import reference as R
from tapebook.testing.reference import (
    ASK,
    BID,
    ERASE,
    INSERT,
    SPILL,
    UPDATE,
    RefBook,
    RefError,
    RefPool,
    UnboundedBook,
)


def test_model_does_not_touch_the_c_core() -> None:
    # import the module file without the package __init__ (which loads the C module)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('ref', {R.__file__!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['ref'] = m; spec.loader.exec_module(m)\n"
        "print([k for k in sys.modules if k.endswith('_cffi') or k.startswith('tapebook')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_limits() -> None:
    assert R.price_range(32, 1024) == (-(2**31) + 1024, 2**31 - 1 - 1024)
    assert R.anchor_range(32, 64) == (-(2**31) + 63, 2**31 - 1 - 63)
    assert R.price_range(64, 4096) == (-(2**63) + 4096, 2**63 - 1 - 4096)
    assert [R.size_class(x) for x in (1, 16, 17, 32, 33, 32768)] == [0, 0, 1, 1, 2, 11]


def test_result_codes_by_hand() -> None:
    b = RefBook(n=64, price_bits=32, max_cap=16, anchor=1000)  # window [1000, 1064)
    assert b.set(BID, 1010, 5) == INSERT
    assert b.set(BID, 1010, 6) == UPDATE
    assert b.set(BID, 1010, 0) == ERASE
    assert b.set(BID, 1010, 0) == ERASE  # empty cell: still ERASE
    assert b.set(BID, 1020, 1) == INSERT
    assert b.set(BID, 900, 1) == SPILL  # below a non-empty tape: not better than its best
    assert b.set(BID, 900, 0) == SPILL
    assert b.set(BID, 900, 0) == SPILL  # absent spill level: still SPILL
    # better than the tape's best, outside the window: promote, centred on px
    assert b.set(BID, 1100, 7) == INSERT
    assert b.anchor(BID) == 1100 - 32
    # the old tape level 1020 left the window [1068, 1132): now in the spill
    assert b.side_stats(BID)["spill_levels"] == 1 and b.qty_at(BID, 1020) == 1
    assert b.best_bid_px() == 1100 and b.side_stats(BID)["promotes"] == 1
    # ask side: tape empty, so anything outside the window promotes
    assert b.set(ASK, 5000, 3) == INSERT
    assert b.anchor(ASK) == 5000 - 32
    assert b.crossed() is False
    assert b.set(ASK, 1090, 1) == INSERT  # better than the ask tape's best: promote
    assert b.crossed() is True and b.crossed_on_tape() is True
    b.check_model()


def test_promote_clamps_at_the_lowest_anchor() -> None:
    b = RefBook(n=128, price_bits=32, max_cap=16, anchor=0)
    lo, _ = R.price_range(32, 128)
    assert b.set(ASK, lo, 1) == INSERT
    assert b.anchor(ASK) == R.anchor_range(32, 128)[0]
    b.reset_at_mid(BID, lo + 1)
    assert b.anchor(BID) == R.anchor_range(32, 128)[0]


def test_spill_eviction_and_drop() -> None:
    b = RefBook(n=64, price_bits=32, max_cap=16, anchor=0)
    b.set(BID, 63, 1)  # tape best 63
    for k in range(16):
        assert b.set(BID, -10 - k, 1) == SPILL  # spill: -10 ... -25
    assert b.side_stats(BID)["spill_capacity"] == 16
    assert b.set(BID, -100, 9) == SPILL  # worst of a full spill: dropped
    assert b.qty_at(BID, -100) == 0 and b.side_stats(BID)["spill_dropped"] == 1
    assert b.set(BID, -5, 9) == SPILL  # better than the worst: evicts -25
    assert b.qty_at(BID, -25) == 0 and b.qty_at(BID, -5) == 9
    assert b.side_stats(BID)["spill_evicted"] == 1
    assert b.set(BID, -11, 4) == SPILL  # present: updated in place, nothing lost
    assert b.side_stats(BID)["spill_evicted"] == 1 and b.qty_at(BID, -11) == 4
    b.check_model()


def test_recenter_drains_before_pushing() -> None:
    # spill full of levels just below the window; recentering down brings them
    # onto the tape while the tape's top levels leave: none of the levels that
    # are inside the new window may be lost
    b = RefBook(n=64, price_bits=32, max_cap=16, anchor=0)
    for px in range(0, 64, 2):
        b.set(BID, px, 1)
    for k in range(16):
        b.set(BID, -1 - k, 2)
    assert b.side_stats(BID)["spill_levels"] == 16
    b.recenter(BID, -16)  # window [-16, 48)
    s = b.side_stats(BID)
    for px in range(-16, 0):
        assert b.qty_at(BID, px) == 2
    assert s["tape_levels"] == 16 + 24
    # 8 tape levels (48 ... 62) left; the spill had room for all of them after the drain
    assert s["spill_levels"] == 8 and b.levels_lost == 0
    b.check_model()


def test_pool_accounting() -> None:
    p = RefPool(levels=48)
    assert p.alloc(1) == "arena" and p.used_levels == 16 and p.watermark == 16
    assert p.alloc(32) == "arena" and p.watermark == 48
    assert p.alloc(16) is None and p.alloc_fail_count == 1
    p.free(16, "arena")
    assert p.alloc(3) == "arena" and p.watermark == 48  # from the free list
    f = RefPool(levels=16, policy="fallback")
    assert f.alloc(16) == "arena"
    assert f.alloc(64) == "heap" and f.fallback_levels == 64 and f.alloc_fail_count == 1
    f.free(64, "heap")
    assert f.fallback_levels == 0 and f.used_levels == 16


def test_invalid_arguments_change_nothing() -> None:
    b = RefBook(n=64, price_bits=32, max_cap=16, anchor=0)
    b.set(BID, 5, 1)
    before = b.to_dict()
    lo, hi = R.price_range(32, 64)
    alo, ahi = R.anchor_range(32, 64)
    for call in (
        lambda: b.set(BID, lo - 1, 1),
        lambda: b.set(BID, hi + 1, 1),
        lambda: b.set(BID, 0, -1),
        lambda: b.set(BID, 0, 2**32),
        lambda: b.set(2, 0, 1),
        lambda: b.recenter(BID, alo - 1),
        lambda: b.reset(ahi + 1),
        lambda: b.reset_at_mid(ASK, hi + 1),
        lambda: b.erase_better(BID, -(2**31) - 1),
    ):
        with pytest.raises(RefError):
            call()
    assert b.to_dict() == before and b.anchor(BID) == 0
    with pytest.raises(RefError):
        RefBook(n=100)
    with pytest.raises(RefError):
        RefBook(n=64, max_cap=3)
    with pytest.raises(RefError):
        RefBook(n=64, max_cap=65536, pool=RefPool(1024))


# ---- the model against a plain dict -------------------------------------------------

N = 64
ops = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 1), st.integers(-300, 300), st.integers(0, 3)),
    st.tuples(st.just("recenter"), st.integers(0, 1), st.integers(-350, 300)),
    st.tuples(st.just("erase_better"), st.integers(0, 1), st.integers(-300, 300)),
    st.tuples(st.just("reset_at_mid"), st.integers(0, 1), st.integers(-300, 300)),
    st.tuples(st.just("clear")),
)


def _apply(book: RefBook, plain: UnboundedBook, op: tuple) -> None:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "set":
        book.set(op[1], op[2], op[3])
        plain.set(op[1], op[2], op[3])
    elif kind == "recenter":
        book.recenter(op[1], op[2])
    elif kind == "erase_better":
        book.erase_better(op[1], op[2])
        plain.erase_better(op[1], op[2])
    elif kind == "reset_at_mid":
        book.reset_at_mid(op[1], op[2])
        plain.clear_side(op[1])
    else:
        book.clear()
        plain.clear()


@given(st.lists(ops, max_size=120))
def test_model_equals_a_plain_dict_when_nothing_is_lost(seq: list) -> None:  # type: ignore[type-arg]
    book, plain = RefBook(n=N, price_bits=32, max_cap=4096, anchor=-32), UnboundedBook()
    for op in seq:
        _apply(book, plain, op)
        book.check_model()
        assert book.bbo() == plain.bbo()
        assert book.crossed() == (
            plain.bbo()[1] > 0 and plain.bbo()[3] > 0 and plain.bbo()[0] >= plain.bbo()[2]
        )
    assert book.levels_lost == 0
    for side in (BID, ASK):
        assert book.levels(side, 10**9) == plain.levels(side)


@given(st.lists(ops, max_size=150), st.sampled_from([1, 2, 4, 16]))
def test_model_with_a_small_spill_only_loses_spill_levels(seq: list, cap: int) -> None:  # type: ignore[type-arg]
    book, plain = RefBook(n=N, price_bits=32, max_cap=cap, anchor=-32), UnboundedBook()
    for op in seq:
        before = {side: dict(book.levels(side, 10**9)) for side in (BID, ASK)}
        _apply(book, plain, op)
        book.check_model()
        for side in (BID, ASK):
            have = dict(book.levels(side, 10**9))
            truth = dict(plain.levels(side))
            # every level the model holds is a true level with its true quantity
            assert all(truth.get(px) == q for px, q in have.items())
            s = book.sides[side]
            if op[0] == "recenter" and op[1] == side:
                # nothing that was held and lies inside the new window is lost
                for px, q in before[side].items():
                    if s.anchor <= px < s.anchor + N:
                        assert have.get(px) == q
            # the tape holds every in-window level that was held before and not touched
            if op[0] == "set" and op[1] == side and op[3] > 0:
                assert have.get(op[2]) == op[3] or (
                    not (s.anchor <= op[2] < s.anchor + N) and len(s.spill) == s.cap
                )
