"""Regressions of issue #12 findings 3 and 14 (recovery): the scan after a
damaged record is linear (also for replay and Recorder(mode="a"), which recover
first), and a torn record holding an old record's frame is torn.

The cost that grew was CRC work: every later offset whose length field fit was
CRC-checked. The tests count the bytes the scan hands to crc32 (not wall time, which
a loaded or sanitized run cannot bound) and hold them to a small multiple of the log."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tapebook import Book, Recorder, recover, replay
from tapebook.persist import logformat
from tapebook.persist.logformat import LOG_MAGIC

# Measured on this scan: 4.6x the log for the torn 1 MB APPLY (offsets inside the
# payload that pass the header checks), under 1x for the garbage. A scan that
# CRC-checks every fitting offset (the bug) measured 13,917x on the torn APPLY.
LINEAR = 16


class _CountingZlib:
    """zlib as the log format sees it, with crc32 counting the bytes it checks."""

    def __init__(self) -> None:
        self.nbytes = 0

    def crc32(self, data: bytes | memoryview, value: int = 0) -> int:
        self.nbytes += memoryview(data).nbytes
        return zlib.crc32(data, value)


@contextmanager
def _crc_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[_CountingZlib]:
    counter = _CountingZlib()
    with monkeypatch.context() as m:
        m.setattr(logformat, "zlib", counter)
        yield counter


def _log_with_apply(n: int) -> bytes:
    f = io.BytesIO()
    rec = Recorder(Book(n=1024, price_bits=64), f, snapshot_every=0)
    rng = np.random.default_rng(1)
    rec.set(True, 5, 5)
    rec.apply(rng.integers(0, 2, n).astype(bool), rng.integers(-(10**6), 10**6, n), rng.integers(0, 1000, n))
    rec.flush()
    return f.getvalue()


def test_torn_large_apply_recovers_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # finding 3: every later offset whose length field fit was CRC-checked: a 1 MB
    # torn APPLY took 15 s here (4 MB: 86 s); now 0.05 s
    data = _log_with_apply(60_000)[:-1]
    with _crc_work(monkeypatch) as crc:
        r = recover(data)
    assert crc.nbytes <= LINEAR * len(data)
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


def test_garbage_after_the_magic_is_scanned_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # finding 3: 17 MB of 0x01 bytes after the magic took 31 s and grew fast (the
    # length field 0x01010101, 16.1 MB, fits at every offset of the first MB)
    data = LOG_MAGIC + b"\x01" * (17 << 20)
    with _crc_work(monkeypatch) as crc:
        r = recover(data, strict=False)
    assert crc.nbytes <= LINEAR * len(data)
    assert r.status == "torn" and r.valid_length == len(LOG_MAGIC) and not r.records


def test_replay_and_append_inherit_the_linear_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # finding 3: replay() and Recorder(mode="a") recover first: the same torn 1 MB
    # APPLY that took recover() 15 s
    path = tmp_path / "log.tb"
    data = _log_with_apply(60_000)[:-1]
    path.write_bytes(data)
    with _crc_work(monkeypatch) as crc:
        r = replay(path)
    assert crc.nbytes <= LINEAR * len(data)
    assert r.book.qty_at(True, 5) == 5
    with _crc_work(monkeypatch) as crc:
        rec = Recorder(Book(n=1024, price_bits=64), path, mode="a")
    assert crc.nbytes <= LINEAR * len(data)
    rec.close()
    assert recover(path).status == "clean"
