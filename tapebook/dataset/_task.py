"""One input, one task: replay the file, write its outputs atomically, describe them.

:func:`run_task` is what a Dask worker (or the serial engine) executes. It never
raises for a problem with its input: a file that cannot be read, parsed or
replayed gives a partition with ``status="failed"`` and the error text, and
leaves no output file. Only the death of the process running it is left to the
engine (which runs the task again, up to ``retries`` times).

A partition (one dict per input; the manifest's ``partitions``) holds:
``input``, ``output`` (the .bbo.parquet), ``status`` ("ok" | "failed"),
``messages``, ``rows``, ``gaps``, ``checksums_failed``, ``error``, ``sha256`` (of
``output``), ``seconds`` (wall), ``worker``, and also ``cpu_seconds`` (CPU time of
the process during the task), and also ``symbol``, ``date``,
``depth_output`` / ``depth_sha256`` (depth=k > 0), ``book_output`` /
``book_sha256`` (chain=True: the final book, ``Book.dumps`` bytes),
``replay`` ("complete" | "stopped") and ``stop_reason``, ``stats`` (every
:class:`~tapebook.feeds.FeedStats` counter), ``attempts``, ``prev_input`` and
``prev_book_sha256`` (chain=True), ``reused`` (True: done by an earlier run into
the same directory, not run again), ``fingerprint`` (what the output depends on).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..book import Book
from ..feeds._schema import BBO_FIELDS, DEPTH_FIELDS, bbo_dtype, depth_dtype
from ..feeds._table import to_arrow_table
from . import _feedrun
from . import _outputs as outp

BBO_SUFFIX = ".bbo.parquet"
DEPTH_SUFFIX = ".depth.parquet"
BOOK_SUFFIX = ".book"
DEPTH_COLUMNS = tuple(f"depth_{f}" for f in DEPTH_FIELDS)


@dataclass(frozen=True)
class Units:
    """How one instrument's decimals become integers, and its book's tape size."""

    symbol: str  #: "" when one tick_size / lot_size serves every input
    tick_size: str
    lot_size: str
    n: int = 1024


@dataclass(frozen=True)
class Settings:
    """What every task of a run shares (the replay's options)."""

    format: str
    depth: int = 0
    on_gap: str = "raise"
    on_crossed: str = "keep"
    on_error: str = "raise"
    checksum: bool = True
    chain: bool = False
    batch_rows: int = 1 << 16
    options: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> dict[str, Any]:
        """The settings that change an output (batch_rows does not)."""
        return {
            "format": self.format,
            "depth": self.depth,
            "on_gap": self.on_gap,
            "on_crossed": self.on_crossed,
            "on_error": self.on_error,
            "checksum": self.checksum,
            "chain": self.chain,
            "options": {k: repr(v) for k, v in self.options},
        }


@dataclass(frozen=True)
class Task:
    """One input file and where its outputs go."""

    input: str
    stem: str
    out: str  #: the output directory
    units: Units
    settings: Settings
    symbol: str = ""
    date: str | None = None
    prev_input: str | None = None  #: chain=True: the file this one continues
    fingerprint: str = ""

    @property
    def bbo_output(self) -> str:
        return os.path.join(self.out, self.stem + BBO_SUFFIX)

    @property
    def depth_output(self) -> str | None:
        return os.path.join(self.out, self.stem + DEPTH_SUFFIX) if self.settings.depth else None

    @property
    def book_output(self) -> str | None:
        return os.path.join(self.out, self.stem + BOOK_SUFFIX) if self.settings.chain else None

    def outputs(self) -> list[str]:
        return [p for p in (self.bbo_output, self.depth_output, self.book_output) if p]

    def blank(self) -> dict[str, Any]:
        """A partition with nothing done yet (the keys in their manifest order)."""
        return {
            "input": self.input,
            "output": self.bbo_output,
            "status": "failed",
            "messages": 0,
            "rows": 0,
            "gaps": 0,
            "checksums_failed": 0,
            "error": None,
            "sha256": None,
            "seconds": 0.0,
            "cpu_seconds": 0.0,
            "worker": None,
            "symbol": self.symbol,
            "date": self.date,
            "depth_output": self.depth_output,
            "depth_sha256": None,
            "book_output": self.book_output,
            "book_sha256": None,
            "replay": None,
            "stop_reason": "",
            "stats": {},
            "attempts": 1,
            "reused": False,
            "prev_input": self.prev_input,
            "prev_book_sha256": None,
            "fingerprint": self.fingerprint,
        }


def worker_name() -> str:
    """The Dask worker's address when running on one, else "serial"."""
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            return str(distributed.get_worker().address)
        except ValueError:
            pass
    return "serial"


def failed(task: Task, error: str, t0: float | None = None) -> dict[str, Any]:
    part = task.blank()
    part["error"] = error
    part["worker"] = worker_name()
    if t0 is not None:
        part["seconds"] = round(time.perf_counter() - t0, 6)
    return part


def describe_error(e: BaseException) -> str:
    from ..errors import TapebookError

    return str(e) if isinstance(e, TapebookError) else f"{type(e).__name__}: {e}"


def _start_book(task: Task, prev: dict[str, Any] | None) -> tuple[Book, bool, str | None]:
    """The book to start from: the previous file's final book (chain=True), else a new one."""
    if task.prev_input is None:
        return _feedrun.new_book(task.units.n), False, None
    assert prev is not None
    path, want = prev["book_output"], prev["book_sha256"]
    with open(path, "rb") as f:
        data = f.read()
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise RuntimeError(
            f"the book state {path} changed since {prev['input']} wrote it (sha256 {got}, manifest {want})"
        )
    return Book.loads(data), True, want


class _Writers:
    """The temporary Parquet files of one task, committed together or discarded together."""

    def __init__(self, task: Task) -> None:
        import pyarrow  # noqa: F401 - a clear ImportError before any file is created

        k = task.settings.depth
        empty = to_arrow_table(np.empty(0, bbo_dtype()), np.empty(0, depth_dtype(k)) if k else None)
        self.k = k
        self.finals: list[str] = [task.bbo_output]
        self.tmps: list[str] = [outp.temporary_name(task.bbo_output)]
        self.files = [
            outp.ParquetRows(self.tmps[0], empty.select(list(BBO_FIELDS)).schema, outp.BBO_GROUP_ROWS)
        ]
        if k:
            assert task.depth_output is not None
            self.finals.append(task.depth_output)
            self.tmps.append(outp.temporary_name(task.depth_output))
            schema = empty.select(list(DEPTH_COLUMNS)).schema
            self.files.append(outp.ParquetRows(self.tmps[1], schema, outp.depth_group_rows(k)))

    def __call__(self, rows: np.ndarray, depth_rows: np.ndarray | None) -> None:
        table = to_arrow_table(rows, depth_rows if self.k else None)
        self.files[0].write(table.select(list(BBO_FIELDS)))
        if self.k:
            self.files[1].write(table.select(list(DEPTH_COLUMNS)))

    def commit(self) -> list[str]:
        """Close, rename into place; the SHA-256 of each file."""
        for w in self.files:
            w.close()
        shas = [outp.sha256_of(t) for t in self.tmps]
        for t, f in zip(self.tmps, self.finals, strict=True):
            outp.commit(t, f)
        return shas

    def discard(self) -> None:
        for w in self.files:
            w.abort()
        for t in self.tmps:
            outp.discard(t)


def run_task(task: Task, prev: dict[str, Any] | None = None) -> dict[str, Any]:
    """Replay ``task.input`` into its outputs; the partition describing what happened.

    ``prev`` (chain=True): the partition of the file this one continues; its
    ``book_output`` is the book to start from. When that file failed, this one is
    not run (it fails, naming the file it depends on)."""
    t0, c0 = time.perf_counter(), time.process_time()
    if task.prev_input is not None and (prev is None or prev.get("status") != "ok"):
        return failed(task, f"not run: it continues {task.prev_input}, which failed", t0)
    s = task.settings
    writers: _Writers | None = None
    try:
        for final in task.outputs():
            outp.remove_stale_temporaries(final)
        book, continuing, prev_sha = _start_book(task, prev)
        writers = _Writers(task)
        stats, replay_status, stop_reason = _feedrun.run(
            task.input,
            s.format,
            task.units.tick_size,
            task.units.lot_size,
            book,
            continuing,
            writers,
            depth=s.depth,
            on_gap=s.on_gap,
            on_crossed=s.on_crossed,
            on_error=s.on_error,
            checksum=s.checksum,
            batch_rows=s.batch_rows,
            options=dict(s.options),
        )
        shas = writers.commit()
        writers = None
        part = task.blank()
        if task.book_output is not None:
            dump = book.dumps()
            outp.write_bytes_atomically(task.book_output, dump)
            part["book_sha256"] = hashlib.sha256(dump).hexdigest()
    except Exception as e:  # any failure is this input's, recorded in its partition
        if writers is not None:
            writers.discard()
        for final in task.outputs():  # no output of an earlier run may outlive a failure
            outp.discard(final)
        return failed(task, describe_error(e), t0)
    counters = stats.as_dict()
    part.update(
        status="ok",
        messages=counters["messages"],
        rows=counters["rows"],
        gaps=counters["gaps"],
        checksums_failed=counters["checksums_failed"],
        sha256=shas[0],
        depth_sha256=shas[1] if len(shas) > 1 else None,
        replay=replay_status,
        stop_reason=stop_reason,
        stats=counters,
        prev_book_sha256=prev_sha,
        worker=worker_name(),
        seconds=round(time.perf_counter() - t0, 6),
        cpu_seconds=round(time.process_time() - c0, 6),
    )
    return part
