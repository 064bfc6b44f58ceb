"""A bool is not an order id, a price or a quantity: the live L3Book and
MatchingEngine calls refuse it as the update log (Recorder) does, with the same
exception and message, and change nothing. Before, cffi converted True / False
to 1 / 0, so ``book.add(True, ...)`` rested order 1 while the recorded call
refused it — a replay could not reproduce what the live object accepted."""

from __future__ import annotations

import pytest

from tapebook import L3Book, MatchingEngine, Recorder
from tapebook.errors import ArgumentTypeError

# (method, arguments): one live call per numeric argument, with a bool in its place
L3_CALLS = [
    ("add", (True, True, 1000, 5)),
    ("add", (False, True, 1000, 5)),
    ("add", (9, True, True, 5)),
    ("add", (9, False, False, 5)),
    ("add", (9, True, 1000, True)),
    ("cancel", (True,)),
    ("execute", (True, 1)),
    ("execute", (1, True)),
    ("reduce", (True, 1)),
    ("reduce", (1, True)),
    ("modify", (True, 2)),
    ("modify", (1, True)),
    ("amend", (True, 1000, 2)),
    ("amend", (1, True, 2)),
    ("amend", (1, 1000, True)),
    ("replace", (True, 9, 1000, 2)),
    ("replace", (1, True, 1000, 2)),
    ("replace", (1, 9, False, 2)),
    ("replace", (1, 9, 1000, True)),
    ("reset", (True,)),
]
ENGINE_CALLS = [
    ("submit", (True, "bid", 1000, 5)),
    ("submit", (9, "bid", True, 5)),
    ("submit", (9, "bid", 1000, True)),
    ("cancel", (True,)),
    ("modify", (True, 2)),
    ("modify", (1, True)),
]


def new_l3(method: str = "cancel") -> L3Book:
    """A book where the bool, taken as 0 / 1, would be accepted: orders 1 and 0 rest
    (True / False name them), except for add (ids 1 and 0 are free)."""
    b = L3Book(n=64, price_bits=64, max_orders=16, max_cap=16, anchor=0)
    if method != "add":
        b.add(1, True, 1000, 5)
        b.add(0, False, 1002, 5)
    return b


def new_engine() -> MatchingEngine:
    e = MatchingEngine(n=64, price_bits=64, max_orders=16, max_cap=16, anchor=0)
    e.submit(1, "bid", 1000, 5)
    return e


def refusal(call: object) -> tuple[type, str]:
    with pytest.raises(ArgumentTypeError) as e:
        call()  # type: ignore[operator]
    return type(e.value), str(e.value)


@pytest.mark.parametrize(("method", "args"), L3_CALLS)
def test_l3_live_call_refuses_a_bool_as_the_log_does(tmp_path, method: str, args: tuple) -> None:
    live = new_l3(method)
    before = live.dumps()
    got = refusal(lambda: getattr(live, method)(*args))
    assert live.dumps() == before
    assert "got a bool" in got[1]
    with Recorder(new_l3(method), tmp_path / "log") as rec:
        assert refusal(lambda: getattr(rec, method)(*args)) == got


@pytest.mark.parametrize(("method", "args"), ENGINE_CALLS)
def test_engine_live_call_refuses_a_bool_as_the_log_does(tmp_path, method: str, args: tuple) -> None:
    live = new_engine()
    before = (live.dumps(), live.stats())
    got = refusal(lambda: getattr(live, method)(*args))
    assert (live.dumps(), live.stats()) == before
    assert "got a bool" in got[1]
    with Recorder(new_engine(), tmp_path / "log") as rec:
        assert refusal(lambda: getattr(rec, method)(*args)) == got


def test_queries_refuse_a_bool_id() -> None:
    b = new_l3()
    with pytest.raises(ArgumentTypeError, match=r"order_id must be an integer, got a bool \(True\)"):
        b.order(True)
    with pytest.raises(ArgumentTypeError, match="order_id"):
        b.queue_position(True)
    assert True not in b and 1 in b


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.cancel(1.5), r"order_id must be an integer, got float \(1.5\)"),
        (lambda e: e.cancel(-1), r"order_id=-1 does not fit uint64_t"),
        (lambda e: e.modify(1, -2), r"qty=-2 does not fit uint64_t"),
    ],
)
def test_engine_cancel_modify_explain_what_cffi_cannot_convert(call, message: str) -> None:
    """Before: cffi's bare TypeError / OverflowError."""
    e = new_engine()
    before = e.dumps()
    with pytest.raises((ArgumentTypeError, OverflowError), match=message):
        call(e)
    assert e.dumps() == before
