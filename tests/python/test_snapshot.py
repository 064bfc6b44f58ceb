"""Fixed-capacity zero-copy depth snapshots (issue #6, part 1)."""

from __future__ import annotations

import itertools
import mmap
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapebook
from tapebook import Book, DepthSnapshot, FormatError
from tapebook._native import ffi
from tapebook.snapshot import HEADER, HEADER_SIZE, MAGIC, snapshot_size

SIZES = {(16, 32): 296, (128, 32): 2088, (16, 64): 552, (128, 64): 4136}


def deep_book(bits: int = 32, n: int = 64, bids: int = 40, asks: int = 40) -> Book:
    """Levels on the tape and in the spill (n=64: most of them spill)."""
    b = Book(n=n, price_bits=bits, max_cap=256)
    b.reset(10_000)
    for i in range(bids):
        b.set(True, 10_000 - 3 * i, i + 1)
    for i in range(asks):
        b.set(False, 10_010 + 2 * i, 100 + i)
    return b


@pytest.mark.parametrize(("k", "bits"), sorted(SIZES))
def test_sizes_and_layout(k: int, bits: int) -> None:
    assert snapshot_size(k, bits) == SIZES[(k, bits)]
    fam = "i32" if bits == 32 else "i64"
    assert ffi.sizeof(f"tb_depth_{fam}_k{k}") == SIZES[(k, bits)]
    assert ffi.offsetof(f"tb_depth_{fam}_k{k}", "bids") == HEADER_SIZE == 40
    assert ffi.offsetof(f"tb_depth_{fam}_k{k}", "asks") == 40 + k * bits // 4
    b = deep_book(bits)
    s = b.snapshot(k, instrument_id=0x0102030405060708, sequence=99, timestamp_ns=1_700_000_000_123_456_789)
    raw = bytes(s)
    assert len(raw) == s.nbytes == SIZES[(k, bits)]
    assert raw[:4] == b"TBDS"
    magic, version, width, cap, iid, seq, ts, nb, na, flags = HEADER.unpack_from(raw)
    assert (magic, version, width, cap) == (MAGIC, 1, bits // 8, k)
    assert (iid, seq, ts) == (0x0102030405060708, 99, 1_700_000_000_123_456_789)
    assert raw[8:16] == bytes([8, 7, 6, 5, 4, 3, 2, 1])  # little-endian on the wire
    assert (nb, na) == (min(k, 40), min(k, 40))
    assert flags == (3 if k < 40 else 0)
    # the first bid level sits right after the header, as {px, qty} little-endian
    w = bits // 8
    assert int.from_bytes(raw[40 : 40 + w], "little", signed=True) == b.best_bid_px()
    assert int.from_bytes(raw[40 + w : 40 + 2 * w], "little") == b.best_bid_qty()
    # unused entries are zero
    assert raw[40 + nb * 2 * w : 40 + k * 2 * w] == bytes((k - nb) * 2 * w)


def test_snapshot_views_without_copy() -> None:
    b = deep_book()
    s = b.snapshot(16)
    mem = np.frombuffer(s.buffer, dtype=np.uint8)
    assert np.shares_memory(s.bids, mem) and np.shares_memory(s.asks, mem)
    assert not s.bids.flags.writeable and not s.asks.flags.writeable
    assert s.bids.dtype.names == ("px", "qty")
    assert s.bids["px"].tolist() == [px for px, _ in b.levels(True, 16)]
    # a received buffer is viewed, not copied: changing it changes the arrays
    buf = bytearray(bytes(s))
    r = DepthSnapshot.from_bytes(buf)
    assert np.shares_memory(r.bids, np.frombuffer(buf, dtype=np.uint8))
    before = int(r.bids["qty"][0])
    buf[40 + 4] ^= 0x40  # qty of the best bid
    assert int(r.bids["qty"][0]) != before


def test_from_memoryview_slice_and_mmap(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = deep_book(64)
    raw = bytes(b.snapshot(128))
    framed = b"\x00" * 7 + raw + b"\xff" * 5  # e.g. a datagram with a header of its own
    s = DepthSnapshot.from_bytes(memoryview(framed)[7 : 7 + len(raw)])  # unaligned, no copy
    assert s.levels(1) == b.levels(1, 128) and s.price_bits == 64
    path = tmp_path / "depth.bin"
    path.write_bytes(raw)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        s2 = DepthSnapshot.from_bytes(m)
        assert s2.levels(0) == b.levels(0, 128)
        assert bytes(s2) == raw
        del s2


def test_round_trip_equality_and_pickle() -> None:
    s = deep_book().snapshot(128, instrument_id=5)
    r = DepthSnapshot.from_bytes(bytes(s))
    assert r == s and bytes(r) == bytes(s) and r.to_dict() == s.to_dict()
    assert pickle.loads(pickle.dumps(s)) == s
    assert "k=128" in repr(s)


def test_empty_book_and_arguments() -> None:
    b = Book(n=64)
    s = b.snapshot()
    assert s.k == 16 and s.bid_count == s.ask_count == 0 and s.flags == 0
    assert len(s.bids) == 0 and s.levels(1) == []
    assert bytes(s)[40:] == bytes(256)
    with pytest.raises(tapebook.InvalidArgumentError, match="k=17 must be 16 or 128"):
        b.snapshot(17)
    with pytest.raises(tapebook.ArgumentTypeError):
        b.snapshot("16")  # type: ignore[arg-type]
    with pytest.raises(tapebook.IntegerRangeError, match="sequence=-1 does not fit uint64"):
        b.snapshot(16, sequence=-1)
    b.close()
    with pytest.raises(tapebook.ClosedError):
        b.snapshot()


def test_extreme_prices_64bit() -> None:
    b = Book(n=64, price_bits=64, max_cap=64)
    lo, hi = b.price_range
    b.set(True, lo, 2**64 - 1)
    b.set(False, hi, 1)
    s = b.snapshot(16)
    assert s.levels(1) == [(lo, 2**64 - 1)] and s.levels(0) == [(hi, 1)]
    assert DepthSnapshot.from_bytes(bytes(s)) == s


# ---- malformed buffers ----------------------------------------------------------


def corrupt(raw: bytes, offset: int, data: bytes) -> bytes:
    b = bytearray(raw)
    b[offset : offset + len(data)] = data
    return bytes(b)


def valid16() -> bytes:
    return bytes(deep_book(32, bids=5, asks=20).snapshot(16))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r[:-1], "size does not match"),
        (lambda r: r + b"\0", "size does not match"),
        (lambda r: r[:39], "shorter than the 40-byte header"),
        (lambda r: corrupt(r, 0, b"XBDS"), "bad magic"),
        (lambda r: corrupt(r, 4, b"\x02"), "unsupported version"),
        (lambda r: corrupt(r, 5, b"\x05"), "bad width"),
        (lambda r: corrupt(r, 5, b"\x08"), "size does not match"),
        (lambda r: corrupt(r, 6, struct.pack("<H", 32)), "bad capacity"),
        (lambda r: corrupt(r, 32, struct.pack("<H", 17)), "exceeds the capacity"),
        (lambda r: corrupt(r, 34, struct.pack("<H", 400)), "exceeds the capacity"),
        (lambda r: corrupt(r, 36, struct.pack("<I", 4)), "unknown flag bits"),
        (lambda r: corrupt(r, 36, struct.pack("<I", 1)), "truncation flag set on a side that is not full"),
        (lambda r: corrupt(r, 40 + 4, struct.pack("<I", 0)), "quantity 0"),
        (lambda r: corrupt(r, 40, struct.pack("<i", -(2**31))), "not strictly decreasing"),
        (lambda r: corrupt(r, 40 + 8 * 15, b"\x01"), "unused level is not zero"),
        (lambda r: corrupt(r, 40 + 128 + 8, struct.pack("<i", 0)), "not strictly increasing"),
    ],
)
def test_malformed_buffers_are_rejected(mutate, message) -> None:  # type: ignore[no-untyped-def]
    bad = mutate(valid16())
    with pytest.raises(FormatError, match=message):
        DepthSnapshot.from_bytes(bad)


def test_expected_shape_and_types() -> None:
    raw = valid16()
    assert DepthSnapshot.from_bytes(raw, k=16, price_bits=32).k == 16
    with pytest.raises(FormatError, match="K=16, expected k=128"):
        DepthSnapshot.from_bytes(raw, k=128)
    with pytest.raises(FormatError, match="32-bit, expected price_bits=64"):
        DepthSnapshot.from_bytes(raw, price_bits=64)
    with pytest.raises(tapebook.ArgumentTypeError):
        DepthSnapshot.from_bytes(12345)
    with pytest.raises(FormatError):
        DepthSnapshot.from_bytes(b"")
    # a 2-D / strided view is refused or flattened, never misread
    arr = np.frombuffer(raw, dtype=np.uint8).reshape(37, 8)
    assert DepthSnapshot.from_bytes(arr) == DepthSnapshot.from_bytes(raw)
    with pytest.raises(FormatError, match="contiguous"):
        DepthSnapshot.from_bytes(memoryview(raw + raw)[::2])


@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        s = DepthSnapshot.from_bytes(data)
    except FormatError:
        return
    assert bytes(s) == data


@given(
    header=st.binary(min_size=40, max_size=40),
    body=st.binary(max_size=300),
    width=st.sampled_from([4, 8]),
    k=st.sampled_from([16, 128]),
)
def test_repaired_headers_validate_consistently(header: bytes, body: bytes, width: int, k: int) -> None:
    """Bytes with a plausible header: accepted exactly when the levels are well formed."""
    size = snapshot_size(k, width * 8)
    raw = bytearray((header + body).ljust(size, b"\0")[:size])
    struct.pack_into("<IBBH", raw, 0, MAGIC, 1, width, k)
    raw[32:34] = struct.pack("<H", raw[32] % (k + 1))
    raw[34:36] = struct.pack("<H", raw[34] % (k + 1))
    try:
        s = DepthSnapshot.from_bytes(bytes(raw))
    except FormatError:
        return
    for arr, bid in ((s.bids, True), (s.asks, False)):
        px = arr["px"].astype(object).tolist()
        assert all(q > 0 for q in arr["qty"].tolist())
        assert all((a > b_) if bid else (a < b_) for a, b_ in itertools.pairwise(px))


# ---- properties against the book ------------------------------------------------

ops = st.lists(
    st.tuples(st.booleans(), st.integers(-600, 600), st.integers(0, 50)),
    min_size=0,
    max_size=300,
)


@given(
    ops=ops, bits=st.sampled_from([32, 64]), n=st.sampled_from([64, 128, 256]), k=st.sampled_from([16, 128])
)
def test_snapshot_matches_levels_and_truncation(ops, bits: int, n: int, k: int) -> None:  # type: ignore[no-untyped-def]
    b = Book(n=n, price_bits=bits, max_cap=512)
    b.reset(-(n // 2))
    for side, px, qty in ops:
        b.set(side, px, qty)
    s = b.snapshot(k, instrument_id=3, sequence=len(ops))
    assert s.levels(True) == b.levels(True, k)
    assert s.levels(False) == b.levels(False, k)
    assert s.bid_truncated == (b.depth(True) > k)
    assert s.ask_truncated == (b.depth(False) > k)
    again = DepthSnapshot.from_bytes(bytes(s))
    assert again == s and bytes(again) == bytes(s)
    assert (again.instrument_id, again.sequence, again.k, again.price_bits) == (3, len(ops), k, bits)
