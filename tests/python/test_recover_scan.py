"""Regressions of issue #12 findings 3 and 14 (recovery): the scan after a
damaged record is linear, and a torn record holding an old record's frame is torn."""

from __future__ import annotations

import io
import struct
import time

import numpy as np

from tapebook import Book, Recorder, recover


def _log_with_apply(n: int) -> bytes:
    f = io.BytesIO()
    rec = Recorder(Book(n=1024, price_bits=64), f, snapshot_every=0)
    rng = np.random.default_rng(1)
    rec.set(True, 5, 5)
    rec.apply(rng.integers(0, 2, n).astype(bool), rng.integers(-(10**6), 10**6, n), rng.integers(0, 1000, n))
    rec.flush()
    return f.getvalue()


def test_torn_large_apply_recovers_in_linear_time() -> None:
    # finding 3: every later offset whose length field fit was CRC-checked: a 1 MB
    # torn APPLY took 15 s here (4 MB: 86 s); now 0.05 s
    data = _log_with_apply(60_000)[:-1]
    t = time.perf_counter()
    r = recover(data)
    assert time.perf_counter() - t < 3.0
    assert r.status == "torn" and r.last_seq == 1


def test_torn_record_holding_an_old_frame_is_torn_not_corrupt() -> None:
    # finding 14: a torn record whose payload contains a well-formed frame (here a
    # copy of record 1) made recovery call the log corrupt and refuse it
    data = _log_with_apply(10)
    full = recover(data)
    old = full.records[1]
    frame = data[old.offset : old.offset + old.nbytes]
    torn = struct.pack("<II", 0, 10_000) + bytes([3]) + struct.pack("<Q", full.last_seq + 1) + frame
    r = recover(data + torn)
    assert r.status == "torn" and r.last_seq == full.last_seq
