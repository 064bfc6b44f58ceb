"""MatchingEngine persistence: dumps / loads / pickling (the C engine's dump: book,
owners, sequence number, STP mode, counters) and the update log of submits. A replay
reproduces every event array and the state byte for byte; refused calls are not
logged; a torn tail or a process killed mid-flow recovers to the acknowledged prefix.
Checked against the plain-Python reference engine (tapebook.testing.matching_reference)."""

from __future__ import annotations

import io
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tapebook import MatchingEngine, Recorder, TapebookError, recover, replay
from tapebook.errors import (
    BatchError,
    CapacityError,
    DuplicateOrderError,
    FormatError,
    InvalidArgumentError,
    NotRecordedError,
    UnknownOrderError,
)
from tapebook.matching import EVENT_DTYPE, ORDER_DTYPE, STP_MODES, TIFS
from tapebook.persist import Checkpoint, RecordType
from tapebook.persist.ops import ENGINE_QUERIES, ENGINE_REFUSED, OPS_OF
from tapebook.persist.recorded_orders import RecordedEngine
from tapebook.persist.replayer import apply_record
from tapebook.testing import matching_reference as M


def new_engine(stp: str = "cancel-oldest", max_orders: int = 60) -> MatchingEngine:
    return MatchingEngine(n=64, price_bits=64, max_orders=max_orders, stp=stp, max_cap=16, anchor=1000)


def as_tuples(events: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(r[f]) for f in M.Event._fields) for r in events]


def random_call(
    rng: random.Random, next_id: int, live: list[int]
) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """One engine call (some refused: duplicate / unknown ids, qty 0, a full book)."""
    w = rng.random()
    oid = rng.choice(live) if live and rng.random() < 0.9 else rng.randint(1, next_id + 5)
    if w < 0.55:
        tif = rng.choice(["gtc", "gtc", "gtc", "ioc", "fok"])
        px = 1000 + rng.randint(-6, 6)
        kw: dict[str, Any] = {"tif": tif, "owner": rng.randint(0, 3)}
        if tif == "gtc" and rng.random() < 0.1:
            kw["post_only"] = True
        new = next_id if rng.random() < 0.97 else oid
        return "submit", (new, rng.random() < 0.5, px, rng.randint(0 if w < 0.01 else 1, 8)), kw
    if w < 0.62:
        bound = 1000 + rng.randint(-6, 6) if rng.random() < 0.5 else None
        return (
            "submit",
            (next_id, rng.random() < 0.5, None, rng.randint(1, 12)),
            {"tif": "ioc", "bound": bound},
        )
    if w < 0.78:
        return "cancel", (oid,), {}
    if w < 0.9:
        return "modify", (oid, rng.randint(0, 10)), {}
    k = rng.randint(1, 6)
    ids = [next_id + i for i in range(k)]
    if rng.random() < 0.2:  # a duplicate inside the batch: refused at that row
        ids[-1] = ids[0]
    return (
        "submit_many",
        (
            np.array(ids, np.uint64),
            np.array([rng.randint(0, 1) for _ in range(k)], np.uint8),
            np.array([1000 + rng.randint(-6, 6) for _ in range(k)], np.int64),
            np.array([rng.randint(1, 8) for _ in range(k)], np.uint64),
            np.array([rng.choice([0, 0, 1, 2]) for _ in range(k)], np.uint8),
            np.array([rng.randint(0, 3) for _ in range(k)], np.uint32),
        ),
        {"events": True},
    )


def live_ids(eng: MatchingEngine) -> list[int]:
    out = []
    for side in (0, 1):
        for px, _ in eng.book.levels(side, 100):
            out += [oid for oid, _ in eng.book.level_orders(side, px)]
    return out


def call(target: Any, name: str, args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[bool, Any]:
    """(accepted, the call's events or None). A submit_many refused at a row counts as
    accepted when rows before it were applied (those are logged)."""
    try:
        out = getattr(target, name)(*args, **kw)
    except BatchError as e:
        return e.index > 0, PARTIAL
    except TapebookError:
        return False, None
    if name == "submit":
        return True, out.events.copy()
    return True, out  # submit_many's events, cancel's quantity, modify's None


def record_flow(log: Any, seed: int, steps: int, **rec_kw: Any) -> tuple[MatchingEngine, list[Any], int]:
    rng = random.Random(seed)
    stp = list(STP_MODES)[seed % 4]
    eng, ref = new_engine(stp=stp), new_ref(stp)
    rec = Recorder(eng, log, **rec_kw)
    assert isinstance(rec.book, RecordedEngine)
    events: list[Any] = []
    next_id = 1
    for _ in range(steps):
        name, args, kw = random_call(rng, next_id, live_ids(eng))
        seq = rec.seq
        ok, ev = call(rec, name, args, kw)
        ok_ref, ev_ref = ref_call(ref, name, args, kw)  # the reference engine agrees
        assert ok == ok_ref, (name, args, kw)
        if name in ("submit", "submit_many") and ok and ev is not PARTIAL:
            assert as_tuples(ev) == ev_ref, (name, args, kw)
        if ok:
            events.append(ev)
        else:
            assert rec.seq == seq, (name, args)  # refused: nothing logged
        next_id += 8
    rec.close()
    return eng, events, next_id


def replay_events(data: bytes) -> tuple[MatchingEngine, list[Any]]:
    """Replay a log record by record from its first checkpoint, collecting what each
    update returned."""
    rcv = recover(data)
    eng = Checkpoint.from_payload(rcv.records[0].payload).restore()["book"]
    out = []
    for r in rcv.records[1:]:
        if r.type == RecordType.CHECKPOINT:
            assert Checkpoint.from_payload(r.payload).books["book"] == eng.dumps()
            continue
        res = apply_record(r, [eng])
        out.append(res.events.copy() if hasattr(res, "events") else res)
    return eng, out


#: a submit_many refused at a row > 0: the live call raised, its applied rows' events are not returned
PARTIAL = "partial batch"


def same_events(a: Any, b: Any) -> None:
    if a is PARTIAL:
        assert b is PARTIAL or b.dtype == EVENT_DTYPE
        return
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        assert a == b
        return
    assert a.dtype == EVENT_DTYPE and b.dtype == EVENT_DTYPE
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", range(4))
def test_replay_reproduces_every_event_and_the_state(seed: int) -> None:
    f = io.BytesIO()
    eng, events, _ = record_flow(f, seed, 500, snapshot_every=41)
    data = f.getvalue()
    again, replayed = replay_events(data)
    assert len(replayed) == len(events)
    for a, b in zip(events, replayed, strict=True):
        same_events(a, b)
    assert again.dumps() == eng.dumps()
    assert again.stats() == eng.stats()
    out = replay(data, verify=True)
    assert out.book.dumps() == eng.dumps()
    assert replay(data, from_start=True, verify=True).book.dumps() == eng.dumps()


def test_engine_against_reference_through_the_recorder() -> None:
    """The recorded engine behaves as the reference engine, call for call."""
    rng = random.Random(3)
    eng = new_engine("cancel-both", max_orders=10_000)
    ref = M.RefMatchingEngine(
        STP_MODES["cancel-both"],
        px_min=-(2**63) + 64,
        px_max=2**63 - 1 - 64,
        max_orders=10_000,
        max_levels=16,
    )
    f = io.BytesIO()
    rec = Recorder(eng, f, snapshot_every=50)
    for i in range(600):
        side, px, qty = rng.randint(0, 1), 1000 + rng.randint(-5, 5), rng.randint(1, 9)
        tif, owner = rng.choice(["gtc", "ioc", "fok"]), rng.randint(0, 2)
        _st, ev_r, _rest = ref.submit(i + 1, side, px, qty, tif=TIFS[tif], owner=owner)
        r = rec.submit(i + 1, side, px, qty, tif=tif, owner=owner)
        assert as_tuples(r.events) == [tuple(e) for e in ev_r]
    rec.close()
    out = replay(f.getvalue())
    assert out.book.dumps() == eng.dumps()
    for side in (0, 1):
        assert out.book.book.levels(side, 100) == ref.depth(side)


def test_refused_calls_are_not_logged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "e.log"
    eng = new_engine(max_orders=2)
    rec = Recorder(eng, path)
    rec.submit(1, True, 999, 5)
    size, seq = path.stat().st_size, rec.seq
    with pytest.raises(DuplicateOrderError):
        rec.submit(1, False, 1001, 5)
    with pytest.raises(UnknownOrderError):
        rec.cancel(7)
    with pytest.raises(InvalidArgumentError):
        rec.modify(1, 0)
    with pytest.raises(InvalidArgumentError):
        rec.submit(2, True, 999, 0)
    rec.submit(2, True, 998, 1)
    with pytest.raises(CapacityError):
        rec.submit(3, True, 997, 1)
    with pytest.raises(BatchError):  # row 0 refused: nothing applied, nothing logged
        rec.submit_many([1], [1], [990], [1])
    assert rec.seq == seq + 1 and path.stat().st_size > size
    rec.close()
    assert replay(path).book.dumps() == eng.dumps()


def test_submit_many_refused_mid_batch_logs_the_applied_rows() -> None:
    f = io.BytesIO()
    eng = new_engine()
    rec = Recorder(eng, f)
    with pytest.raises(BatchError) as e:
        rec.submit_many([1, 2, 3, 1], [1, 0, 1, 1], [990, 1010, 991, 992], [1, 1, 1, 1])
    assert e.value.index == 3
    rec.close()
    rcv = recover(f.getvalue())
    assert [r.type for r in rcv.records] == [RecordType.CHECKPOINT, RecordType.SUBMIT_MANY]
    assert replay(f.getvalue()).book.dumps() == eng.dumps() and len(eng) == 3


def test_torn_tail_and_truncation_at_every_byte() -> None:
    f = io.BytesIO()
    rng = random.Random(9)
    eng = new_engine()
    rec = Recorder(eng, f, snapshot_every=7)
    states = [eng.dumps()]
    next_id = 1
    for _ in range(25):
        name, args, kw = random_call(rng, next_id, live_ids(eng))
        next_id += 8
        if call(rec, name, args, kw)[0]:
            states.append(eng.dumps())
    rec.close()
    data = f.getvalue()
    full = recover(data)
    ends = [r.offset + r.nbytes for r in full.records]
    kinds = [r.type for r in full.records]
    for cut in range(8, len(data) + 1):
        r = recover(data[:cut])
        complete = sum(e <= cut for e in ends)
        assert r.status == ("clean" if cut in ends or (cut == 8 and not complete) else "torn"), cut
        if complete:
            n_updates = sum(k != RecordType.CHECKPOINT for k in kinds[:complete])
            assert replay(data[:cut]).book.dumps() == states[n_updates], cut


_CHILD = r"""
import sys, random
sys.path.insert(0, {tests!r})
from test_recorder_match import random_call, live_ids, call, new_engine
from tapebook import Recorder
rng = random.Random({seed})
eng = new_engine()
rec = Recorder(eng, {path!r}, snapshot_every=31, durability="flush")
next_id = 1
print("ready", flush=True)
while True:
    name, args, kw = random_call(rng, next_id, live_ids(eng))
    next_id += 8
    call(rec, name, args, kw)
"""


@pytest.mark.parametrize("seed", [1])
def test_killed_mid_flow_recovers_the_acknowledged_prefix(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    """A recording process SIGKILLed at a random moment: the log recovers (clean or
    torn) and replays to the state of a fresh engine given the same accepted calls."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = str(tmp_path / "k.log")
    src = _CHILD.format(tests=os.path.join(root, "tests", "python"), seed=seed, path=path)
    proc = subprocess.Popen([sys.executable, "-c", src], stdout=subprocess.PIPE, cwd=root)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3 + 0.2 * seed)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rcv = recover(path)
    assert rcv.status in ("clean", "torn")
    n_updates = sum(r.type != RecordType.CHECKPOINT for r in rcv.records)
    out = replay(path)
    # the same seeded flow, without a log, stopped after as many accepted calls
    rng = random.Random(seed)
    eng = new_engine()
    next_id, done = 1, 0
    states = {0: eng.dumps()}
    while done < n_updates:
        name, args, kw = random_call(rng, next_id, live_ids(eng))
        next_id += 8
        done += call(eng, name, args, kw)[0]
        states[done] = eng.dumps()
    # killed between writing a record and taking it back (the call was refused): the
    # log's last record changes nothing, so the state is that of one accepted call less
    assert out.book.dumps() in (states[n_updates], states.get(n_updates - 1))


def test_dumps_loads_pickle_and_the_same_future() -> None:
    rng = random.Random(1)
    eng = new_engine("cancel-newest")
    next_id = 1
    for _ in range(300):
        name, args, kw = random_call(rng, next_id, live_ids(eng))
        next_id += 8
        call(eng, name, args, kw)
    raw = eng.dumps()
    copies = [MatchingEngine.loads(raw), pickle.loads(pickle.dumps(eng))]
    target = MatchingEngine(n=64, price_bits=64, max_orders=60, stp="none", max_cap=16)
    target.load_into(raw)
    copies.append(target)
    for c in copies:
        assert c.dumps() == raw and c.stp == "cancel-newest" and c.stats() == eng.stats()
        assert (c.n, c.price_bits, c.max_orders, c.max_cap) == (64, 64, 60, 16)
    state = random.Random(2)
    for _ in range(200):  # the same next calls give byte-identical events on every copy
        name, args, kw = random_call(state, next_id, live_ids(eng))
        next_id += 8
        ok, ev = call(eng, name, args, kw)
        for c in copies:
            ok2, ev2 = call(c, name, args, kw)
            assert ok == ok2
            if ev is not None:
                same_events(ev, ev2)
    assert all(c.dumps() == eng.dumps() for c in copies)


def test_hostile_dumps_change_nothing() -> None:
    eng = new_engine()
    eng.submit(1, True, 999, 3, owner=2)
    eng.submit(2, False, 1001, 4, owner=3)
    raw = eng.dumps()
    target = new_engine("none")
    target.submit(50, True, 990, 1)
    before = target.dumps()
    for cut in range(len(raw)):
        with pytest.raises(FormatError):
            target.load_into(raw[:cut])
    for i in range(0, len(raw), 3):
        bad = bytearray(raw)
        bad[i] ^= 0x41
        with pytest.raises(FormatError):
            target.load_into(bytes(bad))
    with pytest.raises(FormatError):
        MatchingEngine.loads(b"TBMEDUMP" + bytes(40))
    huge = bytearray(raw)  # a damaged shape (2**30 orders) is refused before any arena is made
    huge[24:28] = (2**30).to_bytes(4, "little")
    with pytest.raises(FormatError, match="CRC"):
        MatchingEngine.loads(bytes(huge))
    with pytest.raises(CapacityError):
        new_engine(max_orders=1).load_into(raw)
    with pytest.raises(FormatError):  # the other price family
        MatchingEngine(n=64, price_bits=32, max_orders=8).load_into(raw)
    assert target.dumps() == before and target.stp == "none"


def test_every_public_engine_member_is_classified_once() -> None:
    recorded = {op.method for op in OPS_OF["engine"]}
    kinds = {"recorded": recorded, "query": set(ENGINE_QUERIES), "refused": set(ENGINE_REFUSED)}
    public = {n for n in dir(MatchingEngine) if not n.startswith("_")}
    for name in public:
        where = [k for k, names in kinds.items() if name in names]
        assert len(where) == 1, f"MatchingEngine.{name} is {where or 'in no list'} in tapebook/persist/ops.py"
    rec = Recorder(new_engine(), io.BytesIO())
    with pytest.raises(NotRecordedError):
        rec.book.load_into(b"")
    assert ORDER_DTYPE.itemsize == 32
    # the log's row format and the C struct the engine reads must stay the same layout
    from tapebook.persist import ops

    assert ops.ORDER_ROW == ORDER_DTYPE


def new_ref(stp: str = "cancel-oldest", max_orders: int = 60) -> M.RefMatchingEngine:
    return M.RefMatchingEngine(
        STP_MODES[stp],
        px_min=-(2**63) + 64,
        px_max=2**63 - 1 - 64,
        max_orders=max_orders,
        max_levels=16,
    )


def ref_call(
    ref: M.RefMatchingEngine, name: str, args: tuple[Any, ...], kw: dict[str, Any]
) -> tuple[bool, Any]:
    """:func:`call` on the reference engine: (accepted, events as tuples or None)."""
    try:
        if name == "submit":
            oid, side, px, qty = args
            tif = TIFS[kw.get("tif", "gtc")]
            if px is None:
                ev = ref.submit_market(
                    oid, int(side), qty, bound=kw.get("bound"), tif=tif, owner=kw.get("owner", 0)
                )[1]
            else:
                ev = ref.submit(
                    oid,
                    int(side),
                    px,
                    qty,
                    tif=tif,
                    owner=kw.get("owner", 0),
                    post_only=kw.get("post_only", False),
                )[1]
            return True, [tuple(e) for e in ev]
        if name == "cancel":
            ref.cancel(*args)
            return True, None
        if name == "modify":
            ref.modify(*args)
            return True, None
    except M.MatchError:
        return False, None
    ids, sides, prices, qtys, tifs, owners = args
    out: list[tuple[int, ...]] = []
    for i in range(len(ids)):  # submit_many: row by row, stopping at the first refused row
        try:
            ev = ref.submit(
                int(ids[i]),
                int(sides[i]),
                int(prices[i]),
                int(qtys[i]),
                tif=int(tifs[i]),
                owner=int(owners[i]),
            )[1]
        except M.MatchError:
            return i > 0, PARTIAL
        out += [tuple(e) for e in ev]
    return True, out


class EngineLogMachine(RuleBasedStateMachine):
    """Submits, cancels, modifies and batches interleaved with checkpoints, close /
    reopen (mode="a") and replays: the recorded engine answers every call as the
    reference engine does, and the replay always equals the live engine."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        self.path = f"{self.dir.name}/e.log"
        self.eng = new_engine()
        self.rec = Recorder(self.eng, self.path, snapshot_every=11)
        self.ref = new_ref()
        self.next_id = 1

    def teardown(self) -> None:
        self.rec.close()
        self.dir.cleanup()

    @rule(seed=st.integers(0, 2**32), k=st.integers(1, 6))
    def calls(self, seed: int, k: int) -> None:
        rng = random.Random(seed)
        for _ in range(k):
            name, args, kw = random_call(rng, self.next_id, live_ids(self.eng))
            self.next_id += 8
            ok, ev = call(self.rec, name, args, kw)
            ok_ref, ev_ref = ref_call(self.ref, name, args, kw)
            assert ok == ok_ref, (name, args, kw)
            if name in ("submit", "submit_many") and ev is not PARTIAL and ok:
                assert as_tuples(ev) == ev_ref, (name, args, kw)

    @rule()
    def checkpoint(self) -> None:
        self.rec.checkpoint()

    @rule()
    def reopen(self) -> None:
        self.rec.close()
        self.rec = Recorder(self.eng, self.path, snapshot_every=11, mode="a")

    @rule(from_start=st.booleans())
    def replay_equals_live(self, from_start: bool) -> None:
        self.rec.flush()
        out = replay(self.path, from_start=from_start, verify=from_start)
        assert out.book.dumps() == self.eng.dumps()
        assert out.book.stats() == self.eng.stats()


TestEngineLogMachine = EngineLogMachine.TestCase
TestEngineLogMachine.settings = settings(max_examples=20, stateful_step_count=20, deadline=None)


def test_log_command_reads_typed_logs(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tapebook import L3Book
    from tapebook._logcmd import main

    path = tmp_path / "o.log"
    l3, eng = L3Book(n=64, max_orders=100, max_cap=16, anchor=90), new_engine()
    with Recorder({"feed": l3, "venue": eng}, path, snapshot_every=3) as rec:
        for i in range(10):
            rec["feed"].add(i + 1, i % 2 == 0, 95 + i, 2)
            rec["venue"].submit(i + 1, i % 2 == 0, 1000 + (1 if i % 2 else -1) * i, 2)
    assert main([str(path), "--replay", "--verify", "--levels", "1"]) == 0
    out = capsys.readouterr().out
    assert "CHECKPOINT" in out and "SUBMIT" in out and "L3_ADD" in out
    assert "books (last checkpoint, seq " in out and "venue: bid 2 @ 1000, ask 2 @ 1001" in out


def test_a_misaligned_order_batch_is_submitted_from_an_aligned_copy() -> None:
    """Regression: replay hands submit_many a view into the SUBMIT_MANY record, whose
    orders start 17 bytes into the payload; C reads tb_match_order with 8-byte fields,
    so a misaligned view must be copied first (UBSan, make sanitize-py, flagged the
    unaligned read before the fix)."""
    rows = np.zeros(3, dtype=ORDER_DTYPE)
    rows["id"], rows["side"], rows["px"], rows["qty"] = [1, 2, 3], [1, 0, 0], [999, 999, 1001], [5, 2, 1]
    raw = b"\0" * 17 + rows.tobytes()
    view = np.frombuffer(raw, dtype=ORDER_DTYPE, count=3, offset=17)
    assert view.ctypes.data % 8 != 0
    a, b = new_engine(), new_engine()
    ev_a = a._submit_orders(view, True)
    ev_b = b._submit_orders(rows, True)
    assert ev_a.tobytes() == ev_b.tobytes() and a.dumps() == b.dumps()
