"""Book dumps / loads, pickle, the update log, recovery and replay (issue #6, part 3)."""

from __future__ import annotations

import contextlib
import io
import pickle
import random
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapebook
from tapebook import Book, FormatError, Recorder, SpillPool, persist
from tapebook.persist import LOG_MAGIC, RecordType, dump_info, recover, replay

# ---- random books ------------------------------------------------------------------

op = st.one_of(
    st.tuples(st.just("set"), st.booleans(), st.integers(-3000, 3000), st.integers(0, 60)),
    st.tuples(st.just("recenter"), st.booleans(), st.integers(-2500, 2500)),
    st.tuples(st.just("erase_better"), st.booleans(), st.integers(-2000, 2000)),
    st.tuples(st.just("reset_at_mid"), st.booleans(), st.integers(-1000, 1000)),
    st.tuples(st.just("maint"), st.sampled_from(["clear", "release", "reserve_spill"])),
)


def run(book, ops) -> None:  # type: ignore[no-untyped-def]
    """Apply ops to a Book or a RecordedBook (same methods)."""
    for o in ops:
        if o[0] == "set":
            book.set(o[1], o[2], o[3])
        elif o[0] == "recenter":
            (book.recenter_bid if o[1] else book.recenter_ask)(o[2])
        elif o[0] == "erase_better":
            book.erase_better(o[1], o[2])
        elif o[0] == "reset_at_mid":
            book.reset_at_mid(o[1], o[2])
        else:
            getattr(book, o[1])()


def random_ops(rng: random.Random, n: int) -> list[tuple]:
    out: list[tuple] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.9:
            out.append(
                ("set", rng.random() < 0.5, rng.randint(-3000, 3000), rng.choice([0, 0, 1, 5, 17, 300]))
            )
        elif r < 0.95:
            out.append(("recenter", rng.random() < 0.5, rng.randint(-2500, 2500)))
        elif r < 0.98:
            out.append(("erase_better", rng.random() < 0.5, rng.randint(-2000, 2000)))
        else:
            out.append(("maint", rng.choice(["clear", "release", "reserve_spill"])))
    return out


# ---- dumps / loads -------------------------------------------------------------------


@given(
    ops=st.lists(op, max_size=120),
    bits=st.sampled_from([32, 64]),
    n=st.sampled_from([64, 256]),
    cap=st.sampled_from([1, 4, 16, 64, 4096]),
    pooled=st.booleans(),
)
def test_dump_load_bit_exact_and_same_future(ops, bits, n, cap, pooled) -> None:  # type: ignore[no-untyped-def]
    pool = SpillPool(levels=1 << 16, price_bits=bits) if pooled else None
    a = Book(n=n, price_bits=bits, max_cap=cap, pool=pool)
    run(a, ops)
    d = a.dumps()
    info = dump_info(d)
    assert (info.n, info.price_bits, info.max_cap, info.nbytes) == (n, bits, cap, len(d))
    b = Book.loads(d)
    assert b.dumps() == d
    assert b.to_dict() == a.to_dict()
    assert (b.stats().bid, b.stats().ask) == (a.stats().bid, a.stats().ask)
    assert b.verify_invariants()
    # the restored book behaves exactly like the original from here on
    more = random_ops(random.Random(len(ops)), 200)
    run(a, more)
    run(b, more)
    assert a.dumps() == b.dumps()


def test_pickle_and_load_into_existing_book() -> None:
    a = Book(n=128, price_bits=64, max_cap=64)
    run(a, random_ops(random.Random(1), 500))
    c = pickle.loads(pickle.dumps(a))
    assert isinstance(c, Book) and c.dumps() == a.dumps() and c.pool is None
    target = Book(n=128, price_bits=64, max_cap=8)
    run(target, random_ops(random.Random(2), 300))  # has spill blocks of its own
    persist.load_into(target, a.dumps())
    assert target.dumps() == a.dumps() and target.max_cap == 64
    # into a pooled book: blocks come from the pool, and go back
    pool = SpillPool(levels=1 << 14, price_bits=64)
    pb = Book(n=128, price_bits=64, max_cap=64, pool=pool)
    persist.load_into(pb, a.dumps())
    assert pb.dumps() == a.dumps()
    pb.close()
    assert pool.stats().used_levels == 0


def test_restore_into_other_shape_names_both() -> None:
    d = Book(n=64, price_bits=32).dumps()
    with pytest.raises(FormatError, match=r"32-bit book with n=64 into a 64-bit book with n=64"):
        persist.load_into(Book(n=64, price_bits=64), d)
    with pytest.raises(FormatError, match=r"n=64 into a 32-bit book with n=1024"):
        persist.load_into(Book(n=1024, price_bits=32), d)


def small_dump() -> bytes:
    b = Book(n=64, max_cap=16)
    b.reset(0)
    for px in (5, 10, 90, -20, 200):
        b.set(True, px, 3)
        b.set(False, px + 300, 4)
    return b.dumps()


def test_every_byte_flip_and_truncation_is_rejected() -> None:
    d = small_dump()
    for i in range(len(d)):
        bad = bytearray(d)
        bad[i] ^= 0x5A
        with pytest.raises(FormatError):
            Book.loads(bytes(bad))
    for i in range(len(d)):
        with pytest.raises(FormatError):
            Book.loads(d[:i])
    with pytest.raises(FormatError):
        Book.loads(d + b"\0")


def refresh_crc(b: bytearray) -> bytes:
    b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])))
    return bytes(b)


def test_semantic_errors_with_valid_crc() -> None:
    d = bytearray(small_dump())
    # levels start at 136; ask tape first. Swap two ask tape levels: not ascending.
    lv = 136
    first, second = bytes(d[lv : lv + 8]), bytes(d[lv + 8 : lv + 16])
    bad = bytearray(d)
    bad[lv : lv + 8], bad[lv + 8 : lv + 16] = second, first
    with pytest.raises(FormatError, match="tape levels not in ascending order"):
        Book.loads(refresh_crc(bad))
    bad = bytearray(d)
    bad[lv + 4 : lv + 8] = bytes(4)
    with pytest.raises(FormatError, match="quantity 0"):
        Book.loads(refresh_crc(bad))
    bad = bytearray(d)
    bad[24 + 20 : 24 + 24] = b"\1\0\0\0"
    with pytest.raises(FormatError, match="reserved"):
        Book.loads(refresh_crc(bad))
    bad = bytearray(d)
    bad[24 + 16 : 24 + 20] = struct.pack("<I", 3)  # spill_cap not a power of two
    with pytest.raises(FormatError, match="spill capacity"):
        Book.loads(refresh_crc(bad))
    bad = bytearray(d)
    unshipped = 2 * tapebook.TAPE_SIZES[-1]  # a tape size tapebook does not ship
    bad[8:12] = struct.pack("<I", unshipped)
    with pytest.raises(FormatError, match=f"n={unshipped}"):
        Book.loads(refresh_crc(bad))


def test_load_failure_changes_nothing() -> None:
    big = Book(n=64, max_cap=4096)
    big.reset(0)
    for i in range(3000):
        big.set(True, -100 - i, 1)
    d = big.dumps()
    pool = SpillPool(levels=1024, price_bits=32)  # far too small for a 4096-level block
    target = Book(n=64, max_cap=4096, pool=pool)
    target.set(True, 5, 5)
    before = target.dumps()
    with pytest.raises(tapebook.TapebookMemoryError):
        persist.load_into(target, d)
    assert target.dumps() == before
    with pytest.raises(tapebook.InvalidArgumentError, match="max_cap=65536"):
        persist.load_into(target, Book(n=64, max_cap=65536).dumps())
    assert target.dumps() == before


# ---- the log ----------------------------------------------------------------------------


def record_session(ops, snapshot_every=7, bits=32):  # type: ignore[no-untyped-def]
    """Record ops on a fresh book; returns (log bytes, live book, dumps after each record)."""
    book = Book(n=64, price_bits=bits, max_cap=32)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=snapshot_every)
    states = [book.dumps()]  # state after record 0 (the initial snapshot)
    for o in ops:
        with contextlib.suppress(tapebook.InvalidArgumentError, tapebook.IntegerRangeError):
            run(rec, [o])
        while len(states) < rec.seq + 1:
            states.append(book.dumps())
    rec.close()
    return f.getvalue(), book, states


def test_log_layout() -> None:
    data, _book, _ = record_session([("set", True, 5, 1)], snapshot_every=0)
    assert data[:8] == LOG_MAGIC == b"TBLOGv1\n"
    r = recover(data)
    assert [x.type for x in r.records] == [RecordType.SNAPSHOT, RecordType.SET]
    rec = r.records[1]
    crc, length = struct.unpack_from("<II", data, rec.offset)
    payload = data[rec.offset + 8 : rec.offset + 8 + length]
    assert crc == zlib.crc32(data[rec.offset + 4 : rec.offset + 8 + length])  # length field + payload
    assert struct.unpack("<BQIBqQ", payload) == (RecordType.SET, 1, 0, 1, 5, 1)


@given(ops=st.lists(op, max_size=80), every=st.sampled_from([0, 1, 5, 1000]), bits=st.sampled_from([32, 64]))
def test_replay_equals_live(ops, every, bits) -> None:  # type: ignore[no-untyped-def]
    data, book, _ = record_session(ops, every, bits)
    assert recover(data).status == "clean"
    assert replay(data).book.dumps() == book.dumps()
    full = replay(data, from_start=True, verify=True)
    assert full.book.dumps() == book.dumps() and full.start_seq == 0


def test_truncation_at_every_byte_of_a_small_log() -> None:
    ops = [*random_ops(random.Random(7), 40), ("set", True, 99_999_999_999, 1)]  # one invalid (logged) update
    data, _book, states = record_session(ops, snapshot_every=9)
    full = recover(data)
    ends = [r.offset + r.nbytes for r in full.records]
    assert ends[-1] == len(data)
    for cut in range(len(data) + 1):
        r = recover(data[:cut])
        complete = sum(e <= cut for e in ends)
        assert len(r.records) == complete, cut
        assert [x.offset for x in r.records] == [x.offset for x in full.records[:complete]]
        boundary = ends[complete - 1] if complete else (8 if cut >= 8 else 0)
        assert r.valid_length == boundary
        assert r.status == ("clean" if cut == boundary else "torn"), cut
        if complete:
            # snapshot + tail replay rebuilds the state after the last complete record
            assert replay(data[:cut]).book.dumps() == states[complete - 1], cut


def big_log(n_ops: int, seed: int) -> tuple[bytes, list[bytes], list[int]]:
    rng = random.Random(seed)
    book = Book(n=128, max_cap=64)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=500, durability="buffered")
    states = [book.dumps()]
    for i in range(n_ops):
        if i % 50 == 0:
            k = rng.randint(1, 40)
            rec.apply(
                np.array([rng.random() < 0.5 for _ in range(k)]),
                np.array([rng.randint(-500, 500) for _ in range(k)]),
                np.array([rng.randint(0, 9) for _ in range(k)]),
            )
        else:
            rec.set(rng.random() < 0.5, rng.randint(-500, 500), rng.randint(0, 9))
        while len(states) < rec.seq + 1:
            states.append(book.dumps())
    rec.close()
    data = f.getvalue()
    ends = [r.offset + r.nbytes for r in recover(data).records]
    return data, states, ends


def test_truncation_at_random_offsets_of_a_large_log() -> None:
    data, states, ends = big_log(4000, 11)
    rng = random.Random(5)
    for cut in [*sorted(rng.sample(range(len(data)), 25)), len(data)]:
        r = recover(data[:cut])
        complete = sum(e <= cut for e in ends)
        assert len(r.records) == complete
        assert r.status == ("clean" if complete and ends[complete - 1] == cut else "torn")
        assert replay(r).book.dumps() == states[complete - 1]


@pytest.mark.slow
def test_truncation_at_many_offsets_of_a_larger_log() -> None:
    data, states, ends = big_log(15000, 12)
    rng = random.Random(6)
    for cut in rng.sample(range(len(data)), 60):
        r = recover(data[:cut])
        complete = sum(e <= cut for e in ends)
        assert len(r.records) == complete
        assert replay(r).book.dumps() == states[complete - 1]


def test_corruption_in_the_middle_is_an_error_not_a_truncation() -> None:
    data, _, _ = record_session(random_ops(random.Random(3), 30), snapshot_every=10)
    full = recover(data)
    mid = full.records[len(full.records) // 2]
    bad = bytearray(data)
    bad[mid.offset + 12] ^= 0x01  # a payload byte of a record in the middle
    with pytest.raises(FormatError, match=f"damaged record at offset {mid.offset}"):
        recover(bytes(bad))
    r = recover(bytes(bad), strict=False)
    assert r.status == "corrupt" and len(r.records) == mid.seq and r.valid_length == mid.offset
    with pytest.raises(FormatError):
        replay(bytes(bad))
    # a corrupt length field in the middle, pointing past the end
    bad = bytearray(data)
    bad[mid.offset + 4 : mid.offset + 8] = struct.pack("<I", 10**9)
    with pytest.raises(FormatError, match="damaged record"):
        recover(bytes(bad))
    # a whole record missing, or repeated: sequence gap
    cut = data[: mid.offset] + data[mid.offset + mid.nbytes :]
    with pytest.raises(FormatError, match="sequence gap"):
        recover(cut)
    dup = data[: mid.offset + mid.nbytes] + data[mid.offset :]
    with pytest.raises(FormatError, match="sequence gap"):
        recover(dup)
    # damage in the last record only: a torn write
    last = full.records[-1]
    bad = bytearray(data)
    bad[last.offset + 10] ^= 0xFF
    r = recover(bytes(bad))
    assert r.status == "torn" and len(r.records) == len(full.records) - 1
    # zeros after the last record (a preallocated or half-flushed tail): torn
    r = recover(data + bytes(100))
    assert r.status == "torn" and len(r.records) == len(full.records)
    with pytest.raises(FormatError, match="not a tapebook update log"):
        recover(b"hello world, not a log")


@given(st.binary(max_size=400))
def test_recover_arbitrary_bytes(data: bytes) -> None:
    for blob in (data, LOG_MAGIC + data):
        try:
            r = recover(blob, strict=False)
        except FormatError:
            continue
        for x in r.records:
            crc, length = struct.unpack_from("<II", blob, x.offset)
            payload = blob[x.offset + 8 : x.offset + 8 + length]
            assert zlib.crc32(blob[x.offset + 4 : x.offset + 8 + length]) == crc
            assert bytes(x.payload) == payload


@given(ops=st.lists(op, min_size=1, max_size=30), garbage=st.binary(min_size=1, max_size=60))
def test_valid_log_plus_garbage(ops, garbage: bytes) -> None:  # type: ignore[no-untyped-def]
    data, book, _ = record_session(ops, 5)
    n = len(recover(data).records)
    try:
        r = recover(data + garbage, strict=False)
    except FormatError:  # pragma: no cover - the header is intact
        raise
    assert len(r.records) >= n  # garbage never removes acknowledged records
    if r.status == "torn" and len(r.records) == n:
        assert replay(r).book.dumps() == book.dumps()


def test_files_repair_and_append(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "book.log"
    book = Book(n=64, max_cap=32)
    with Recorder(book, path, snapshot_every=4, durability="fsync") as rec:
        for i in range(10):
            rec.set(True, i, i + 1)
    with pytest.raises(FileExistsError):
        Recorder(book, path)
    # crash in the middle of a write: a partial record at the end
    data = path.read_bytes()
    path.write_bytes(data + data[8:20])
    assert recover(path).status == "torn"
    with Recorder(book, path, mode="a") as rec:  # repairs, then continues with a snapshot
        rec.set(False, 70, 3)
        rec.bids[3] = 9  # mapping-style writes are recorded too
        del rec.asks[70]
    r = recover(path)
    assert r.status == "clean"
    assert replay(path).book.dumps() == book.dumps()
    assert replay(path, from_start=True, verify=True).book.dumps() == book.dumps()
    path.write_bytes(path.read_bytes()[:-3])
    assert tapebook.repair(path).status == "torn"
    assert recover(path).status == "clean"


def test_multi_book_recorder_and_replay_into() -> None:
    a, b = Book(n=64, max_cap=32), Book(n=256, price_bits=64, max_cap=64)
    f = io.BytesIO()
    rec = Recorder({"A": a, "B": b}, f, snapshot_every=25)
    rng = random.Random(9)
    for _ in range(200):
        target = rec["A"] if rng.random() < 0.5 else rec["B"]
        run(target, random_ops(rng, 1))
    with pytest.raises(tapebook.InvalidArgumentError, match="use rec\\[name\\]"):
        rec.book  # noqa: B018
    snap = rec.snapshot()
    run(rec["A"], random_ops(rng, 20))
    rec.close()
    data = f.getvalue()
    out = replay(data)
    assert out.books["A"].dumps() == a.dumps() and out.books["B"].dumps() == b.dumps()
    # from an explicit snapshot (e.g. kept elsewhere), as bytes
    out = replay(data, snapshot=snap.to_bytes())
    assert out.start_seq == snap.seq and out.books["A"].dumps() == a.dumps()
    # into existing books
    a2, b2 = Book(n=64, max_cap=8), Book(n=256, price_bits=64)
    replay(data, into={"A": a2, "B": b2})
    assert a2.dumps() == a.dumps() and b2.dumps() == b.dumps()
    with pytest.raises(tapebook.InvalidArgumentError, match="into has books"):
        replay(data, into={"A": a2})
    # up to a given record
    mid = replay(data, upto=100)
    assert mid.seq == 100


def test_recorder_refuses_bad_updates_before_logging() -> None:
    book = Book(n=64)
    f = io.BytesIO()
    rec = Recorder(book, f)
    seq = rec.seq
    with pytest.raises(tapebook.ArgumentTypeError):
        rec.set(True, 1.5, 1)  # type: ignore[arg-type]
    with pytest.raises(tapebook.IntegerRangeError):
        rec.set(True, 1, -1)
    with pytest.raises(tapebook.ArgumentTypeError):
        rec.apply([True], [1.5], [1])
    assert rec.seq == seq  # nothing logged
    with pytest.raises(tapebook.InvalidArgumentError):
        rec.set(True, 2**31 - 1, 1)  # fits the record, not the book: logged, and replayed the same
    book.close()
    with pytest.raises(tapebook.ClosedError):
        rec.set(True, 1, 1)
    rec.close()
    assert recover(f.getvalue()).last_seq == seq + 1


def test_recorder_over_a_multibookpool() -> None:
    mp = tapebook.MultiBookPool(high_books=1, medium_books=1, low_books=2, max_cap=64, pool_levels=4096)
    books = [mp.alloc("high", 0), mp.alloc("low", 0), mp.alloc("low", 100)]
    f = io.BytesIO()
    rec = Recorder(mp, f, snapshot_every=30)
    names = list(rec)
    assert len(names) == 3 and names[0].startswith("high:")
    rng = random.Random(4)
    for _ in range(120):
        run(rec[rng.choice(names)], random_ops(rng, 1))
    rec.close()
    out = replay(f.getvalue())
    for name, b in zip(names, sorted(books, key=lambda b: b.handle), strict=True):
        assert out.books[name].dumps() == b.dumps()


def test_the_former_names_still_work() -> None:
    # StateSnapshot became Checkpoint (a DepthSnapshot is something else); the functions
    # became Book methods; the old names stay
    assert tapebook.StateSnapshot is tapebook.Checkpoint is persist.StateSnapshot
    book = Book(n=64)
    book.set(True, 3, 4)
    f = io.BytesIO()
    rec = Recorder(book, f, snapshot_every=0)
    cp = rec.snapshot()
    assert isinstance(cp, tapebook.Checkpoint) and rec.last_snapshot is rec.last_checkpoint is cp
    assert tapebook.dumps(book) == persist.dumps(book) == book.dumps()
    assert tapebook.loads(book.dumps()).dumps() == Book.loads(book.dumps()).dumps()
    other = Book(n=64)
    tapebook.load_into(other, book.dumps())
    assert other.dumps() == book.dumps()
    assert pickle.loads(pickle.dumps(book)).dumps() == book.dumps()
