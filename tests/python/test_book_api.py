"""The semantics (docs/semantics.md §2-3) through the Python API."""

from __future__ import annotations

import pytest

import tapebook
from tapebook import Book, Result

FAMILIES = (32, 64)


@pytest.fixture(params=[(bits, n) for bits in FAMILIES for n in tapebook.TAPE_SIZES])
def any_book(request: pytest.FixtureRequest) -> Book:
    bits, n = request.param
    b = Book(n=n, price_bits=bits, max_cap=64)
    b.reset(100_000)
    return b


def test_contract_example() -> None:
    book = Book(n=1024, price_bits=32, max_cap=4096, pool=None)
    book.reset(100_000)
    r = book.set(True, 100_000, 50)
    assert r is Result.INSERT and isinstance(r, int)
    assert book.best_bid_px() == 100_000 and book.best_ask_px() is None
    assert book.best_bid_qty() == 50 and book.best_ask_qty() == 0


def test_result_codes_in_window(any_book: Book) -> None:
    b = any_book
    assert b.set(True, 100_001, 5) is Result.INSERT
    assert b.set(True, 100_001, 6) is Result.UPDATE
    assert b.set(True, 100_001, 0) is Result.ERASE
    assert b.set(True, 100_001, 0) is Result.ERASE  # already empty: still ERASE
    assert b.best_bid_px() is None


def test_result_codes_outside_window(any_book: Book) -> None:
    b = any_book
    n = b.n
    assert b.set(True, 100_000 + 5, 1) is Result.INSERT
    far = 100_000 - 3 * n  # worse than the tape's best, outside the window
    assert b.set(True, far, 9) is Result.SPILL
    assert b.qty_at(True, far) == 9
    assert b.set(True, far, 0) is Result.SPILL  # removed from the spill
    assert b.set(True, far, 0) is Result.SPILL  # absent: still SPILL
    assert b.qty_at(True, far) == 0


def test_promote_returns_write_result_and_recenters(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(True, 100_000, 1)
    better = 100_000 + 2 * n  # strictly better than the tape best, outside the window
    assert b.set(True, better, 3) is Result.INSERT  # never PROMOTE
    assert b.anchor(True) == better - n // 2
    assert b.best_bid_px() == better
    # the old best left the window: now in the spill, still visible
    assert b.qty_at(True, 100_000) == 1
    assert b.levels(True, 5) == [(better, 3), (100_000, 1)]
    assert b.verify_invariants()


def test_promote_on_empty_tape_and_drain(any_book: Book) -> None:
    b = any_book
    n = b.n
    # empty tape: any out-of-window price promotes
    px = 100_000 + 10 * n
    assert b.set(False, px, 4) is Result.INSERT
    assert b.anchor(False) == px - n // 2
    assert b.best_ask_px() == px


def test_promote_update_of_spilled_level(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(True, 100_000 + n - 1, 1)  # tape best at the window's top cell
    b.recenter_bid(100_000 - 4 * n)  # tape moves down: the level goes to the spill
    assert b.qty_at(True, 100_000 + n - 1) == 1
    b.set(True, 100_000 - 4 * n + 1, 2)  # a tape level below
    # setting the spilled price again: better than the tape best -> promote, drained, UPDATE
    assert b.set(True, 100_000 + n - 1, 7) is Result.UPDATE
    assert b.best_bid_px() == 100_000 + n - 1 and b.best_bid_qty() == 7


def test_best_of_tape_and_spill(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(False, 100_000 + 10, 2)
    b.recenter_ask(100_000 + 4 * n)  # the ask is now below the window: in the spill
    assert b.best_ask_px() == 100_000 + 10
    b.set(False, 100_000 + 4 * n + 1, 5)  # worse level on the tape
    assert b.best_ask_px() == 100_000 + 10 and b.best_ask_qty() == 2
    assert b.levels(False, 3) == [(100_000 + 10, 2), (100_000 + 4 * n + 1, 5)]


def test_crossed(any_book: Book) -> None:
    b = any_book
    assert not b.crossed() and not b.crossed_on_tape()
    b.set(True, 100_010, 1)
    b.set(False, 100_020, 1)
    assert not b.crossed()
    b.set(False, 100_010, 1)  # bid == ask: crossed
    assert b.crossed() and b.crossed_on_tape()


def test_crossed_with_spill_only_level(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(True, 100_000 + 50, 1)
    b.recenter_bid(100_000 - 5 * n)  # the bid moves to the spill (above the window)
    b.set(False, 100_000 + 40, 1)
    assert b.crossed()
    assert not b.crossed_on_tape()  # the bid tape is empty


def test_reset_and_reset_at_mid(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(True, 100_000, 1)
    b.set(True, 100_000 - 5 * n, 2)  # spill
    b.set(False, 100_005, 3)
    b.reset_at_mid(True, 200_000)
    assert b.best_bid_px() is None and b.depth(True) == 0
    assert b.anchor(True) == 200_000 - n // 2
    assert b.best_ask_px() == 100_005  # other side untouched
    b.reset(50_000)
    assert len(b) == 0 and b.anchor(True) == 50_000 and b.anchor(False) == 50_000


def test_reset_at_mid_leaves_no_stale_spill(any_book: Book) -> None:
    """Regression (known failure mode): stale spill levels resurfacing after reset_at_mid."""
    b = any_book
    n = b.n
    b.set(True, 100_000, 1)
    b.set(True, 100_000 - 3 * n, 2)  # spilled bid
    b.reset_at_mid(True, 100_000 - 3 * n)
    b.set(True, 100_000 - 3 * n, 5)  # now on the tape
    assert b.levels(True, 10) == [(100_000 - 3 * n, 5)]
    assert b.verify_invariants()


def test_erase_better(any_book: Book) -> None:
    b = any_book
    n = b.n
    for px in (100_000, 100_001, 100_002):
        b.set(True, px, 1)
        b.set(False, px + 10, 1)
    b.set(True, 100_000 - 4 * n, 9)  # spill
    b.erase_better(True, 100_001)
    assert b.levels(True, 10) == [(100_000, 1), (100_000 - 4 * n, 9)]
    b.erase_better(True, 100_000 - 4 * n)
    assert b.depth(True) == 0
    b.erase_better(False, 100_011)
    assert b.levels(False, 10) == [(100_012, 1)]


def _type_limits(bits: int) -> tuple[int, int]:
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


@pytest.mark.parametrize("bits", FAMILIES)
def test_erase_better_takes_any_value_of_the_price_type(bits: int) -> None:
    """The threshold is not a level: the type's extremes and the values just
    outside the valid price range are accepted, agree with the reference model
    and replay identically from a recorded log (docs/semantics.md)."""
    import io

    from tapebook import Recorder, replay
    from tapebook.testing.reference import RefBook

    tmin, tmax = _type_limits(bits)
    n = 64
    probe = Book(n=n, price_bits=bits)
    lo, hi = probe.price_range
    cuts = [(False, tmax), (True, tmin), (False, tmin), (True, tmax), (True, lo - 1), (False, hi + 1)]
    cuts += [(False, lo - 1), (True, hi + 1), (True, lo), (False, hi)]
    for side, cut in cuts:
        book = Book(n=n, price_bits=bits, max_cap=64)
        ref = RefBook(n=n, price_bits=bits, max_cap=64, anchor=0)
        log = io.BytesIO()
        rec = Recorder(book, log, snapshot_every=0)
        for b in (book, ref):
            b.reset(0)
        rec_book = rec  # the recorded single book forwards the mutating calls
        for px in (-3 * n, -5, 0, 7, 20, 3 * n, lo, hi):  # tape and spill, both ends of the range
            rec_book.set(True, px, 2)
            ref.set(1, px, 2)
            rec_book.set(False, px + 1 if px < hi else px, 3)
            ref.set(0, px + 1 if px < hi else px, 3)
        rec_book.erase_better(side, cut)
        ref.erase_better(int(side), cut)
        assert book.to_dict() == ref.to_dict(), (side, cut)
        assert book.verify_invariants()
        if (side, cut) in ((False, tmax), (True, tmin)):
            assert book.depth(side) == 0
        if (side, cut) in ((False, tmin), (True, tmax)):
            assert book.depth(side) == 8
        rec.close()
        assert replay(log.getvalue()).book.dumps() == book.dumps()
    for bad in (tmin - 1, tmax + 1):
        with pytest.raises(OverflowError, match="px="):
            probe.erase_better(True, bad)


def test_recenter_keeps_levels(any_book: Book) -> None:
    n = any_book.n
    # no eviction possible: the spill holds every level (2n/7 of them; 4,681 at n 16384)
    b = Book(n=n, price_bits=any_book.price_bits, max_cap=max(4096, n))
    b.reset(100_000)
    prices = [100_000 + i * 7 for i in range(-n // 7, n // 7)]
    for px in prices:
        b.set(True, px, px % 13 + 1)
    before = b.levels(True, 10_000)
    for a in (100_000 - n // 3, 100_000 + 2 * n, 100_000 - 3 * n, 100_000):
        b.recenter_bid(a)
        assert b.anchor(True) == a
        assert b.levels(True, 10_000) == before
        assert b.verify_invariants()


def test_clear_release_reserve(any_book: Book) -> None:
    b = any_book
    n = b.n
    b.set(True, 100_000, 1)
    b.set(True, 100_000 - 3 * n, 2)
    assert b.stats().bid.spill_capacity == 16
    b.clear()
    assert len(b) == 0 and b.stats().bid.spill_capacity == 16
    b.set(True, 100_000 - 3 * n, 2)
    b.release()
    assert len(b) == 0 and b.stats().bid.spill_capacity == 0
    b.reserve_spill()
    s = b.stats()
    assert s.bid.spill_capacity == s.ask.spill_capacity == b.max_cap


def test_spill_growth_and_eviction() -> None:
    b = Book(n=64, max_cap=32)
    b.reset(0)
    b.set(True, 10, 1)
    caps = []
    for i in range(40):  # bids far below the window, i.e. worse than the tape best
        b.set(True, -1000 - i, i + 1)
        caps.append(b.stats().bid.spill_capacity)
    assert caps[0] == 16 and caps[16] == 32 and caps[-1] == 32
    s = b.stats().bid
    assert s.spill_levels == 32 and s.spill_dropped == 8  # the incoming worst were dropped
    # a better spill level evicts the worst one
    b.set(True, -500, 5)
    s = b.stats().bid
    assert s.spill_evicted == 1 and b.qty_at(True, -500) == 5 and b.qty_at(True, -1031) == 0


def test_levels_merged_best_first() -> None:
    b = Book(n=64)
    b.reset(0)
    for px in (1, 5, 9, 200, -300, 70):  # 200 promotes, earlier levels spill
        b.set(False, px, px + 1000)
    lv = b.levels(False, 100)
    assert [p for p, _ in lv] == sorted(p for p, _ in lv)
    assert dict(lv) == {1: 1001, 5: 1005, 9: 1009, 200: 1200, -300: 700, 70: 1070}
    assert b.levels(False, 2) == lv[:2]
    assert b.levels(False, 0) == []
    arr = b.levels_array(False, 3)
    assert arr["px"].tolist() == [p for p, _ in lv[:3]]


def test_mapping_views() -> None:
    b = Book(n=256)
    b.reset(1000)
    b.bids[1005] = 3
    b.asks[1010] = 4
    assert b.bids[1005] == 3 and 1005 in b.bids and 1006 not in b.bids
    assert len(b.bids) == 1 and list(b.asks) == [1010]
    assert b.bids.index(0) == (1005, 3)
    with pytest.raises(IndexError):
        b.bids.index(1)
    with pytest.raises(KeyError):
        _ = b.bids[999]
    del b.bids[1005]
    assert len(b.bids) == 0
    assert b.to_dict() == {"bid": {}, "ask": {1010: 4}}
    assert b.bids.get(5, -1) == -1


def test_extreme_prices_both_families() -> None:
    for bits in FAMILIES:
        for n in (tapebook.TAPE_SIZES[0], tapebook.TAPE_SIZES[-1]):
            b = Book(n=n, price_bits=bits, max_cap=16)
            lo, hi = b.price_range
            assert lo == -(2 ** (bits - 1)) + n and hi == 2 ** (bits - 1) - 1 - n
            alo, ahi = b.anchor_range
            assert alo == lo - 1 and ahi == hi + 1 - n + n  # [MIN+N-1, MAX-N+1]
            for side in (True, False):
                b.reset(alo)
                assert b.set(side, lo, 1) is Result.INSERT
                assert b.set(side, hi, 2) in (Result.INSERT, Result.SPILL)
                assert b.verify_invariants()
            b.reset(ahi)
            assert b.set(True, hi, 5) is Result.INSERT
            # promote near the type minimum must clamp the anchor (known failure mode)
            b.reset(ahi)
            assert b.set(False, lo, 1) is Result.INSERT
            assert b.anchor(False) == alo
            assert b.verify_invariants()


def test_qty_full_range_64() -> None:
    b = Book(n=64, price_bits=64)
    b.reset(0)
    assert b.set(True, 1, 2**64 - 1) is Result.INSERT
    assert b.best_bid_qty() == 2**64 - 1


def test_stats_and_repr() -> None:
    b = Book(n=128, max_cap=16)
    b.reset(0)
    b.set(True, 1, 1)
    b.set(False, 2, 1)
    s = b.stats()
    assert s.bid.tape_levels == 1 and s.ask.tape_levels == 1 and s.n == 128 and not s.pooled
    assert s.nbytes == b.nbytes > 0
    assert "bid 1@1" in repr(b) and "ask 1@2" in repr(b)
    assert "bids of" in repr(b.bids)
