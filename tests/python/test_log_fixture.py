"""The update log's bytes do not change: a log written by an earlier tapebook
(``data/session_v1.tblog``, with the final state of its books in
``data/session_v1.final``) must still recover and replay, and recording the same
session today must write the same bytes.

``python tests/python/test_log_fixture.py --write`` rewrites the fixture; do that
only for a deliberate, versioned change of the log format.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
from pathlib import Path

import numpy as np

import tapebook
from tapebook import Book, Recorder, recover, replay
from tapebook.persist import Checkpoint, RecordType

DATA = Path(__file__).resolve().parent / "data"
LOG = DATA / "session_v1.tblog"
FINAL = DATA / "session_v1.final"


def record_session(f: io.BytesIO) -> dict[str, Book]:
    """A seeded session touching every record type, on a 32- and a 64-bit book.

    Only the public API of tapebook 0.1 is used, so that the session means the
    same thing to the code that wrote the fixture and to the code reading it."""
    books = {
        "A": Book(n=64, price_bits=32, max_cap=16),
        "B": Book(n=128, price_bits=64, max_cap=32, anchor=1000),
    }
    rng = random.Random(2026)
    rec = Recorder(books, f, snapshot_every=40, durability="buffered")
    refused = (tapebook.InvalidArgumentError, tapebook.IntegerRangeError)
    for _ in range(400):
        name = "A" if rng.random() < 0.5 else "B"
        rb = rec[name]
        mid = 0 if name == "A" else 1060
        side = rng.random() < 0.5
        r = rng.random()
        if r < 0.6:
            rb.set(side, mid + rng.randint(-200, 200), rng.choice([0, 0, 1, 7, 40, 2**31 - 1]))
        elif r < 0.68:
            k = rng.randint(0, 12)
            sides = np.array([rng.random() < 0.5 for _ in range(k)], dtype=bool)
            prices = np.array([mid + rng.randint(-150, 150) for _ in range(k)], dtype=np.int64)
            qtys = np.array([rng.randint(0, 9) for _ in range(k)], dtype=np.uint64)
            (rb.apply if rng.random() < 0.5 else rb.bbo_trace)(sides, prices, qtys)
        elif r < 0.72:
            (rb.recenter_bid if side else rb.recenter_ask)(mid + rng.randint(-120, 60))
        elif r < 0.75:
            rb.erase_better(side, mid + rng.randint(-60, 60))
        elif r < 0.77:
            rb.reset_at_mid(side, mid + rng.randint(-30, 30))
        elif r < 0.78:
            rb.reset(mid - 32)
        elif r < 0.8:
            getattr(rb, rng.choice(["clear", "release", "reserve_spill"]))()
        elif r < 0.85:
            (rb.bids if side else rb.asks)[mid + rng.randint(-40, 40)] = rng.randint(1, 5)
        elif r < 0.86:
            rec.snapshot()
        elif r < 0.87:
            # fits the record but not the book: logged, refused live and again on replay
            with contextlib.suppress(*refused):
                rb.set(side, 2**40 if name == "A" else 2**63 - 1, 1)
            with contextlib.suppress(*refused):
                rb.recenter_bid(-(2**40) if name == "A" else -(2**63))
        else:
            rb.set(side, mid + rng.randint(-20, 20), rng.randint(1, 100))
    rec.close()
    return books


def test_an_old_log_recovers_and_replays() -> None:
    data = LOG.read_bytes()
    r = recover(data)
    assert r.status == "clean" and r.valid_length == len(data)
    assert {int(x.type) for x in r.records} == set(range(1, 11))  # every record type is in it
    final = Checkpoint.from_bytes(FINAL.read_bytes())
    for kwargs in ({}, {"from_start": True, "verify": True}):
        out = replay(data, **kwargs)
        assert {name: b.dumps() for name, b in out.books.items()} == final.books


def test_the_same_session_writes_the_same_bytes() -> None:
    f = io.BytesIO()
    books = record_session(f)
    assert f.getvalue() == LOG.read_bytes()
    final = Checkpoint.from_bytes(FINAL.read_bytes())
    assert {name: b.dumps() for name, b in books.items()} == final.books


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    buf = io.BytesIO()
    live = record_session(buf)
    LOG.write_bytes(buf.getvalue())
    seq = recover(buf.getvalue()).last_seq + 1
    FINAL.write_bytes(Checkpoint(seq, {n: b.dumps() for n, b in live.items()}).to_bytes())
    print(f"wrote {LOG} ({LOG.stat().st_size:,} bytes) and {FINAL}")


def test_the_readme_documents_every_record_type() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for t in RecordType:
        assert f"| {int(t)} {t.name}" in readme or f"/ {int(t)} {t.name}" in readme, t
