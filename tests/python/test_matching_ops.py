"""MatchingEngine.apply_ops, the mixed batch (submit / cancel / modify in one C call):
against the plain-Python reference engine op by op (events field for field, refused ops
where the reference refuses), against the same operations as single calls on a twin
engine (state byte for byte), through a Recorder (replay gives the same events and
state), an event buffer too small for one operation, and the column errors."""

from __future__ import annotations

import io
import random
from typing import Any

import numpy as np
import pytest

from tapebook import MatchingEngine, Recorder, TapebookError, replay
from tapebook.errors import ArgumentTypeError, IntegerRangeError, InvalidArgumentError
from tapebook.matching import (
    EVENT_DTYPE,
    FILL_DTYPE,
    MARKET,
    OP_DTYPE,
    POST_ONLY,
    PROTECT,
    STP_MODES,
    OpsResult,
)
from tapebook.persist import RecordType, recover
from tapebook.persist.ops import OP_ROW
from tapebook.persist.replayer import apply_record
from tapebook.testing import matching_reference as M

N, BITS = 64, 64
PX_MIN, PX_MAX = -(2 ** (BITS - 1)) + N, 2 ** (BITS - 1) - 1 - N
UNKNOWN, DUPLICATE = -31, -30


def new_pair(stp: str, max_orders: int, max_cap: int = 16) -> tuple[MatchingEngine, M.RefMatchingEngine]:
    eng = MatchingEngine(n=N, price_bits=BITS, max_orders=max_orders, stp=stp, max_cap=max_cap, anchor=1000)
    ref = M.RefMatchingEngine(
        STP_MODES[stp], px_min=PX_MIN, px_max=PX_MAX, max_orders=max_orders, max_levels=max_cap
    )
    return eng, ref


def random_ops(rng: random.Random, k: int, next_id: int, live: list[int]) -> tuple[dict[str, Any], int]:
    """k random operations as apply_ops columns: mostly valid, some refused (unknown and
    duplicate ids, qty 0, post-only on a non-GTC order, a price outside the range, a
    full book), every tif, market and bounded market orders, owners for STP."""
    cols: dict[str, list[Any]] = {
        k: [] for k in ("actions", "ids", "sides", "prices", "qtys", "tifs", "owners", "flags")
    }
    for _ in range(k):
        w = rng.random()
        known = rng.choice(live) if live and rng.random() < 0.85 else rng.randint(1, next_id + 5)
        side, px, qty, tif, owner, flags = 0, 0, 0, 0, 0, 0
        if w < 0.6:
            act = "S"
            oid = next_id if rng.random() < 0.96 else known
            next_id += 1
            side, px = rng.randint(0, 1), 1000 + rng.randint(-6, 6)
            qty = rng.randint(0 if rng.random() < 0.02 else 1, 12)
            tif, owner = rng.choice([0, 0, 0, 1, 2]), rng.randint(0, 3)
            f = rng.random()
            if f < 0.08:
                flags = POST_ONLY
            elif f < 0.14:
                flags = MARKET
            elif f < 0.2:
                flags = MARKET | PROTECT
            if rng.random() < 0.01:
                px = PX_MAX + 1
            live.append(oid)
        elif w < 0.85:
            act, oid = "C", known
        else:
            act, oid, qty = "M", known, rng.randint(0, 10)
        for name, v in zip(cols, (act, oid, side, px, qty, tif, owner, flags), strict=True):
            cols[name].append(v)
    return cols, next_id


def ref_apply(ref: M.RefMatchingEngine, cols: dict[str, Any], i: int) -> list[tuple[int, ...]] | None:
    """Row i on the reference engine: its events, or None when it refuses the row."""
    act, oid, side, px = cols["actions"][i], cols["ids"][i], cols["sides"][i], cols["prices"][i]
    qty, tif, owner, flags = cols["qtys"][i], cols["tifs"][i], cols["owners"][i], cols["flags"][i]
    try:
        if act == "C":
            ev = ref.cancel(oid)
        elif act == "M":
            ev = ref.modify(oid, qty)
        elif flags & MARKET:
            ev = ref.submit_market(
                oid, side, qty, bound=px if flags & PROTECT else None, tif=tif, owner=owner
            )[1]
        else:
            ev = ref.submit(oid, side, px, qty, tif=tif, owner=owner, post_only=bool(flags & POST_ONLY))[1]
    except M.MatchError:
        return None
    return [tuple(e) for e in ev]


def as_tuples(events: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(r[f]) for f in M.Event._fields) for r in events]


def call(eng: Any, cols: dict[str, Any], events: bool = True) -> OpsResult:
    return eng.apply_ops(
        "".join(cols["actions"]),
        cols["ids"],
        cols["sides"],
        cols["prices"],
        cols["qtys"],
        cols["tifs"],
        cols["owners"],
        cols["flags"],
        events=events,
    )


@pytest.mark.parametrize("stp", sorted(STP_MODES))
@pytest.mark.parametrize("max_orders", [12, 5000])
def test_against_the_reference(stp: str, max_orders: int) -> None:
    """Batch after batch, each op's events equal the reference's for that op, and an op
    the reference refuses has a non-zero status and no events."""
    rng = random.Random(hash((stp, max_orders)) & 0xFFFF)
    eng, ref = new_pair(stp, max_orders)
    next_id, live = 1, []
    for _ in range(40):
        cols, next_id = random_ops(rng, rng.randint(1, 60), next_id, live)
        out = call(eng, cols)
        assert out.statuses.dtype == np.int8 and out.events.dtype == EVENT_DTYPE
        expect: list[tuple[int, ...]] = []
        for i in range(len(cols["ids"])):
            ev = ref_apply(ref, cols, i)
            assert (ev is None) == (out.statuses[i] != 0), (i, cols["actions"][i], int(out.statuses[i]))
            expect += ev or []
        assert as_tuples(out.events) == expect
        live[:] = [oid for oid in live if ref.owner_of(oid) is not None]
    assert eng.verify_invariants()
    for side in (0, 1):
        assert eng.book.levels(side, 100) == ref.depth(side)


def test_same_as_single_calls() -> None:
    """The same operations as apply_ops batches on one engine and as submit / cancel /
    modify calls on its twin: a refused single call is a non-zero status, the fills are
    the same, and the engines end byte for byte equal (dumps, sequence numbers)."""
    rng = random.Random(7)
    a, _ = new_pair("cancel-oldest", 300)
    b, _ = new_pair("cancel-oldest", 300)
    next_id, live = 1, []
    for _ in range(60):
        cols, next_id = random_ops(rng, rng.randint(1, 80), next_id, live)
        out = call(a, cols, events=False)
        assert out.events.dtype == FILL_DTYPE
        fills: list[tuple[int, int, int, int]] = []
        for i, act in enumerate(cols["actions"]):
            oid, qty = cols["ids"][i], cols["qtys"][i]
            try:
                if act == "C":
                    b.cancel(oid)
                elif act == "M":
                    b.modify(oid, qty)
                else:
                    fl = cols["flags"][i]
                    px = None if fl & MARKET else cols["prices"][i]
                    r = b.submit(
                        oid,
                        cols["sides"][i],
                        px,
                        qty,
                        ("gtc", "ioc", "fok")[cols["tifs"][i]],
                        cols["owners"][i],
                        bool(fl & POST_ONLY),
                        bound=cols["prices"][i] if fl & PROTECT else None,
                    )
                    fills += [(f.maker_id, f.taker_id, f.px, f.qty) for f in r.fills]
                ok = True
            except TapebookError:
                ok = False
            assert ok == (out.statuses[i] == 0), (i, act, int(out.statuses[i]))
        assert [
            (int(f["maker_id"]), int(f["taker_id"]), int(f["px"]), int(f["qty"])) for f in out.events
        ] == fills
        assert a.seq == b.seq
        live[:] = [oid for oid in live if oid in a.book]
    assert a.dumps() == b.dumps()
    assert a.stats() == b.stats()


def test_statuses_name_the_refusal() -> None:
    eng, _ = new_pair("none", 100)
    out = eng.apply_ops(b"SCSMS", [1, 9, 1, 1, 2], [0, 0, 1, 0, 1], [1001, 0, 990, 0, 1001], [5, 0, 5, 0, 2])
    assert out.statuses.tolist() == [0, UNKNOWN, DUPLICATE, -25, 0]  # modify qty 0: TB_ERR_BADARG
    assert out.events.dtype == FILL_DTYPE and out.events["qty"].tolist() == [2]
    assert eng.seq == 2 and len(eng) == 1


def test_an_operation_with_more_events_than_the_buffer() -> None:
    """One taker that sweeps more makers than the scratch event buffer holds: the buffer
    grows for it (nothing done twice), the batch goes on after it."""
    eng, ref = new_pair("none", 5000, max_cap=64)
    k = 3000
    ops = "S" * k + "SC"
    ids = [*range(1, k + 1), k + 1, 5]
    sides = [0] * k + [1, 0]
    prices = [1000 + i % 40 for i in range(k)] + [1100, 0]
    qtys = [1] * k + [k - 10, 0]
    tifs = [0] * k + [1, 0]
    out = eng.apply_ops(ops, ids, sides, prices, qtys, tifs, events=True)
    assert out.statuses.tolist() == [0] * (k + 1) + [UNKNOWN]  # order 5 was filled
    assert len(out.events) == k + (k - 10)
    assert len(eng) == 10
    cols = {"actions": list(ops), "ids": ids, "sides": sides, "prices": prices, "qtys": qtys, "tifs": tifs,
            "owners": [0] * len(ids), "flags": [0] * len(ids)}  # fmt: skip
    expect: list[tuple[int, ...]] = []
    for i in range(len(ids)):
        expect += ref_apply(ref, cols, i) or []
    assert as_tuples(out.events) == expect


def test_recorder_replays_the_same_events_and_state() -> None:
    """apply_ops batches (refused ops in them) and single calls through a Recorder: the
    log replays to the same events, batch by batch, and the same engine."""
    rng = random.Random(11)
    eng, _ = new_pair("cancel-both", 200)
    f = io.BytesIO()
    rec = Recorder(eng, f, snapshot_every=7)
    next_id, live = 1, []
    live_events = []
    for step in range(40):
        cols, next_id = random_ops(rng, rng.randint(1, 40), next_id, live)
        out = call(rec, cols)
        live_events.append(out.events.copy())
        if step % 5 == 0:
            rec.submit(next_id, 1, 1000, 3)
            next_id += 1
    rec.close()
    data = f.getvalue()
    assert replay(data, verify=True).book.dumps() == eng.dumps()
    assert replay(data, from_start=True, verify=True).book.dumps() == eng.dumps()
    rcv = recover(data)
    from tapebook.persist import Checkpoint

    again = Checkpoint.from_payload(rcv.records[0].payload).restore()["book"]
    replayed = []
    for r in rcv.records[1:]:
        if r.type == RecordType.APPLY_OPS:
            res = apply_record(r, [again])
            replayed.append(res.events)
        elif r.type != RecordType.CHECKPOINT:
            apply_record(r, [again])
    assert len(replayed) == len(live_events)
    for x, y in zip(live_events, replayed, strict=True):
        assert x.tobytes() == y.tobytes()
    assert again.dumps() == eng.dumps()


def test_op_row_is_the_c_record() -> None:
    assert OP_ROW == OP_DTYPE and OP_ROW.itemsize == 40


def test_empty_batch() -> None:
    eng, _ = new_pair("none", 10)
    out = eng.apply_ops(b"", [])
    assert len(out.statuses) == 0 and len(out.events) == 0 and eng.seq == 0


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"actions": b"SX", "order_ids": [1, 2]}, InvalidArgumentError, "actions[1]=b'X'"),
        ({"actions": ["S", "Q"], "order_ids": [1, 2]}, InvalidArgumentError, "actions[1]=b'Q'"),
        ({"actions": b"SS", "order_ids": [1]}, InvalidArgumentError, "equal lengths"),
        ({"actions": b"S", "order_ids": [-1]}, IntegerRangeError, "order_ids[0]=-1"),
        ({"actions": b"S", "order_ids": [1], "sides": [2]}, InvalidArgumentError, "sides[0]=2"),
        ({"actions": b"S", "order_ids": [1], "sides": ["up"]}, InvalidArgumentError, "up"),
        ({"actions": b"S", "order_ids": [1], "prices": [2**63]}, IntegerRangeError, "prices[0]"),
        ({"actions": b"S", "order_ids": [1], "prices": [1.5]}, ArgumentTypeError, "prices"),
        ({"actions": b"S", "order_ids": [1], "qtys": [-3]}, IntegerRangeError, "qtys[0]=-3"),
        ({"actions": b"S", "order_ids": [1], "tifs": [3]}, InvalidArgumentError, "tifs[0]=3"),
        ({"actions": b"S", "order_ids": [1], "tifs": ["day"]}, InvalidArgumentError, "'day'"),
        ({"actions": b"S", "order_ids": [1], "owners": [2**32]}, IntegerRangeError, "owners[0]"),
        ({"actions": b"S", "order_ids": [1], "flags": [8]}, InvalidArgumentError, "flags[0]=8"),
        ({"actions": b"SS", "order_ids": [1, 2], "qtys": [1]}, InvalidArgumentError, "qtys has length 1"),
    ],
)
def test_column_errors_change_nothing(kwargs: dict[str, Any], exc: type, words: str) -> None:
    eng, _ = new_pair("none", 10)
    before = eng.dumps()
    with pytest.raises(exc) as info:
        eng.apply_ops(**kwargs)
    assert words in str(info.value)
    assert eng.dumps() == before


def test_names_for_sides_and_tifs() -> None:
    eng, _ = new_pair("none", 10)
    out = eng.apply_ops(b"SS", [1, 2], ["ask", "buy"], [1001, 1001], [4, 1], ["gtc", "ioc"], events=True)
    assert out.statuses.tolist() == [0, 0]
    assert [int(e["kind"]) for e in out.events] == [M.REST, M.FILL]
