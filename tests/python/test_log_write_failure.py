"""Regression of issue #12 finding 2: a failed log append (a full disk, here a
file size limit) must leave the file and the Recorder as before it, and a failed
checkpoint after an applied update must say that the update was applied."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")

# run in a child: RLIMIT_FSIZE is per process
_CHILD = r"""
import os, resource, signal, sys
from tapebook import Book, Recorder, recover, replay
from tapebook.persist import LogWriteError

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-limit write fails with EFBIG instead
INF = resource.RLIM_INFINITY
path, every = sys.argv[1], int(sys.argv[2])
book = Book(n=64)
rec = Recorder(book, path, snapshot_every=every)
rec.set(True, 1, 1)
size = os.path.getsize(path)
# room for the part of a record (SET: 38 bytes), or for a SET but not the checkpoint after it
resource.setrlimit(resource.RLIMIT_FSIZE, (size + (10 if every == 0 else 40), INF))
try:
    rec.set(True, 2, 2)
    raise SystemExit("the write did not fail")
except LogWriteError as e:
    applied = e.update_applied
    assert not e.broken, e
assert applied == (every != 0), applied
assert book.qty_at(True, 2) == (2 if applied else 0)
if not applied:
    assert os.path.getsize(path) == size, "the failed record was cut back off the file"
    assert rec.seq == 1
resource.setrlimit(resource.RLIMIT_FSIZE, (INF, INF))  # space returns
rec.set(True, 3, 3)
rec.set(True, 4, 4)
rec.close()
r = recover(path)
assert r.status == "clean", r.detail
assert replay(path, from_start=True, verify=True).book.dumps() == book.dumps()
print("ok")
"""


@pytest.mark.parametrize("every", [0, 1], ids=["record-fails", "checkpoint-fails"])
def test_failed_append_leaves_a_recoverable_log(tmp_path: Path, every: int) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "x.log"), str(every)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
