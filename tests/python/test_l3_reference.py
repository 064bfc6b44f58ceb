"""The naive L3 model (tapebook.testing.l3_reference) against hand-worked books
and against the L2 core: its L2 level changes fed to a tapebook.Book give its
own L2 view after every operation of seeded random suites (the check the L3
differential tests make against tapebook.L3Book)."""

from __future__ import annotations

import random

import pytest

from tapebook import Book
from tapebook.testing.l3_reference import (
    ADD,
    ASK,
    BID,
    CANCEL,
    CLEAR,
    ERR_BADARG,
    ERR_DUPLICATE,
    ERR_FULL,
    ERR_OVERFLOW,
    ERR_PRICE,
    ERR_UNKNOWN,
    EXECUTE,
    MODIFY,
    OK,
    RefDuplicateOrderError,
    RefL3Book,
    RefL3Error,
    RefOrder,
    RefUnknownOrderError,
)


def snapshot(b: RefL3Book) -> tuple:
    return (
        dict((k, tuple(v)) for k, v in b.orders.items()),
        [[(px, list(q)) for px, q in sorted(b.queues[s].items())] for s in (ASK, BID)],
    )


def test_fifo_and_queue_position() -> None:
    b = RefL3Book()
    b.add(1, BID, 100, 5)
    b.add(2, BID, 100, 7)
    b.add(3, BID, 100, 1)
    b.add(4, ASK, 101, 2)
    assert b.level_orders(BID, 100) == [(1, 5), (2, 7), (3, 1)]
    assert b.queue_position(1) == (0, 0)
    assert b.queue_position(3) == (2, 12)
    assert b.levels(BID) == [(100, 13)] and b.levels(ASK) == [(101, 2)]
    assert b.bbo() == (100, 13, 101, 2) and len(b) == 4
    assert b.order(2) == RefOrder(2, BID, 100, 7) and b.order(99) is None


def test_modify_down_keeps_priority_up_goes_back() -> None:
    b = RefL3Book()
    for i in (1, 2, 3):
        b.add(i, ASK, 50, 10)
    b.modify(1, 4)  # down: stays in front
    assert b.level_orders(ASK, 50) == [(1, 4), (2, 10), (3, 10)]
    b.modify(1, 4)  # unchanged: stays
    assert b.level_orders(ASK, 50)[0] == (1, 4)
    b.modify(2, 11)  # up: to the back
    assert b.level_orders(ASK, 50) == [(1, 4), (3, 10), (2, 11)]
    b.modify(1, 3, px=49)  # a new price: the back of the new level
    assert b.levels(ASK) == [(49, 3), (50, 21)]
    assert b.queue_position(2) == (1, 10)


def test_cancel_execute_replace_clear() -> None:
    b = RefL3Book()
    b.add(1, BID, 10, 5)
    b.add(2, BID, 10, 5)
    b.cancel(1, 2)  # partial: keeps priority
    assert b.level_orders(BID, 10) == [(1, 3), (2, 5)]
    b.execute(1, 3)  # removed at 0
    assert b.level_orders(BID, 10) == [(2, 5)]
    b.add(3, BID, 10, 1)
    b.replace(2, 7, 10, 5)  # new priority: behind 3
    assert b.level_orders(BID, 10) == [(3, 1), (7, 5)]
    b.replace(7, 7, 11, 2)  # the same id may come back
    assert b.levels(BID) == [(11, 2), (10, 1)]
    b.cancel(3)
    assert b.levels(BID) == [(11, 2)]
    b.clear()
    assert len(b) == 0 and b.levels(BID) == [] and b.best_bid_px() is None


def test_errors_change_nothing() -> None:
    b = RefL3Book(price_bits=32, n=64, max_orders=3)
    b.add(1, BID, 10, 5)
    b.add(2, ASK, 12, 2**32 - 1)
    before = snapshot(b)
    cases = [
        (lambda: b.add(1, BID, 11, 1), ERR_DUPLICATE, RefDuplicateOrderError),
        (lambda: b.add(3, ASK, 12, 1), ERR_OVERFLOW, RefL3Error),
        (lambda: b.add(3, BID, 2**31 - 64, 1), ERR_PRICE, RefL3Error),
        (lambda: b.add(3, BID, 10, 0), ERR_BADARG, RefL3Error),
        (lambda: b.cancel(9), ERR_UNKNOWN, RefUnknownOrderError),
        (lambda: b.cancel(1, 6), ERR_BADARG, RefL3Error),
        (lambda: b.execute(1, 0), ERR_BADARG, RefL3Error),
        (lambda: b.execute(1, 6), ERR_BADARG, RefL3Error),
        (lambda: b.modify(1, 0), ERR_BADARG, RefL3Error),
        (lambda: b.replace(1, 2, 10, 1), ERR_DUPLICATE, RefDuplicateOrderError),
        (lambda: b.replace(9, 3, 10, 1), ERR_UNKNOWN, RefUnknownOrderError),
    ]
    for call, status, cls in cases:
        with pytest.raises(cls) as e:
            call()
        assert e.value.status == status
        assert snapshot(b) == before
    b.add(3, BID, 9, 1)
    with pytest.raises(RefL3Error) as e:
        b.add(4, BID, 9, 1)
    assert e.value.status == ERR_FULL


def test_max_levels_counts_the_level_a_move_frees() -> None:
    b = RefL3Book(max_levels=2)
    b.add(1, BID, 10, 1)
    b.add(2, BID, 11, 1)
    with pytest.raises(RefL3Error):
        b.add(3, BID, 12, 1)
    b.modify(2, 1, px=12)  # 11 empties as 12 appears: still two levels
    assert b.levels(BID) == [(12, 1), (10, 1)]


def test_checks_run_in_the_c_cores_order() -> None:
    """Regression: an amend / replace / MBO modify with a zero quantity and a bad
    price is refused for the quantity first, as tb_l3.inc does (the model said
    ERR_PRICE), and reduce / amend are the L3Book method names."""
    b = RefL3Book(price_bits=32, n=64)
    b.add(1, BID, 100, 5)
    bad_px = b.px_hi + 1
    for call in (
        lambda: b.amend(1, bad_px, 0),
        lambda: b.modify(1, 0, bad_px),
        lambda: b.replace(1, 2, bad_px, 0),
    ):
        with pytest.raises(RefL3Error) as info:
            call()
        assert info.value.status == ERR_BADARG
    assert b.apply_row(MODIFY, 1, BID, bad_px, 0) == ERR_BADARG
    assert b.apply_row(MODIFY, 1, BID, bad_px, 3) == ERR_PRICE
    for qty in (0, 6):
        with pytest.raises(RefL3Error) as info:
            b.reduce(1, qty)
        assert info.value.status == ERR_BADARG
    b.reduce(1, 2)
    b.amend(1, 101, 3)
    assert b.order(1) == RefOrder(1, BID, 101, 3) and b.levels(BID) == [(101, 3)]
    b.reduce(1, 3)
    assert len(b) == 0 and b.levels(BID) == []


def test_apply_mbo_statuses() -> None:
    b = RefL3Book()
    st = b.apply_mbo(
        [ADD, ADD, ADD, CANCEL, MODIFY, EXECUTE, ord("Z"), CLEAR],
        [1, 1, 2, 1, 2, 2, 0, 0],
        [BID, BID, ASK, 0, 0, 0, 0, 0],
        [10, 10, 12, 0, 13, 0, 0, 0],
        [5, 5, 3, 2, 4, 1, 0, 0],
    )
    assert st == [OK, ERR_DUPLICATE, OK, OK, OK, OK, ERR_BADARG, OK]
    assert len(b) == 0


def random_suite(seed: int, ops: int) -> None:
    rng = random.Random(seed)
    b = RefL3Book(price_bits=32, n=64)
    l2 = Book(n=64, price_bits=32, max_cap=1024)
    l2.reset(1000 - 32)
    next_id = 1
    for _ in range(ops):
        live = list(b.orders)
        r = rng.random()
        px = 1000 + rng.randint(-8, 8)
        try:
            if r < 0.45 or not live:
                oid = rng.choice(live) if live and rng.random() < 0.03 else next_id
                next_id += 1
                b.add(oid, rng.randint(0, 1), px, rng.randint(1, 20))
            elif r < 0.7:
                oid = rng.choice(live)
                b.cancel(oid, rng.choice([0, rng.randint(0, b.orders[oid][2])]))
            elif r < 0.8:
                oid = rng.choice(live)
                b.execute(oid, rng.randint(1, b.orders[oid][2]))
            elif r < 0.9:
                b.modify(rng.choice(live), rng.randint(1, 25), px if rng.random() < 0.5 else None)
            elif r < 0.995:
                b.replace(rng.choice(live), next_id, px, rng.randint(1, 20))
                next_id += 1
            else:
                b.clear()
        except RefL3Error:
            pass
        for side, p, total in b.take_level_changes():
            l2.set(side, p, total)
        b.check()
        for side in (ASK, BID):
            assert l2.levels(side, k=1000) == b.levels(side)


@pytest.mark.parametrize("seed", range(8))
def test_level_changes_drive_an_l2_model(seed: int) -> None:
    random_suite(seed, 2000)
