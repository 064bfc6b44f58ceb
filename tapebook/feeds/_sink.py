"""Where a replay's BBO / depth rows go: memory (``r.bbo``) or a Parquet file (``out=``).

A :class:`MemorySink` keeps the per-batch arrays and joins them once at the
end. A :class:`ParquetSink` writes each batch as a row group as soon as it is
produced, so a replay's memory does not grow with the number of messages; the
result reads the file back on demand.
"""

from __future__ import annotations

import abc
import mmap
import os
import weakref
from typing import Any

import numpy as np

from ._schema import bbo_dtype, depth_dtype
from ._table import PARQUET_WRITE_OPTIONS, to_arrow_table


class Sink(abc.ABC):
    """Receives (bbo rows, depth rows or None) batch by batch."""

    depth: int

    @abc.abstractmethod
    def write(self, bbo: np.ndarray, depth: np.ndarray | None) -> None:
        """Append one batch's rows."""

    def room(self, m: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Views with room for ``m`` rows (bbo, depth) for the engine to write a batch into,
        kept by :meth:`commit`; None: the engine makes its own arrays and calls write()."""
        return None

    def commit(self, n: int) -> None:  # noqa: B027 - only sinks that give room() need it
        """Keep the first ``n`` rows of the last room()."""

    def close(self) -> None:  # noqa: B027 - optional hook: most sinks have nothing to finish
        """No more rows."""

    @abc.abstractmethod
    def arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        """All rows: (bbo, depth or None)."""


#: a MemorySink's chunk: the engine writes rows straight into it (pages never written cost
#: nothing), so a replay of fewer rows than a chunk holds is neither copied nor joined
_CHUNK_BYTES = 32 << 20
#: a sealed chunk's rows (each array's: BBO, depth) stay a view of it from this many bytes
#: up (below, a copy). Each array of a chunk is a mapping of its own (_fresh_rows), so only
#: the pages the rows were written to are backed, plus at most the rest of one huge page
#: (2 MiB on x86-64, and on arm64 with 4 KiB pages): a view keeps at most twice its rows'
#: bytes alive. A small result is copied: it would otherwise keep a 32 MiB mapping
#: (address space, and one of the process's mappings) for a few rows.
_VIEW_MIN_BYTES = 2 << 20


class MemorySink(Sink):
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._bbo: list[np.ndarray] = []
        self._depth: list[np.ndarray] = []
        self._chunk: tuple[np.ndarray, np.ndarray | None] | None = None
        self._used = 0  # rows of the chunk committed
        self._joined: tuple[np.ndarray, np.ndarray | None] | None = None

    def room(self, m: int) -> tuple[np.ndarray, np.ndarray | None]:
        self._joined = None
        if self._chunk is None or self._used + m > len(self._chunk[0]):
            self._seal()
            ddt = depth_dtype(self.depth) if self.depth else None
            rows = max(m, _CHUNK_BYTES // (bbo_dtype().itemsize + (ddt.itemsize if ddt is not None else 0)))
            self._chunk = (
                _fresh_rows(rows, bbo_dtype()),
                _fresh_rows(rows, ddt) if ddt is not None else None,
            )
        b, d = self._chunk
        end = self._used + m
        return b[self._used : end], (d[self._used : end] if d is not None else None)

    def commit(self, n: int) -> None:
        self._used += n

    def _seal(self) -> None:
        """The chunk's committed rows become a finished part, each array's (BBO, depth) a
        view of its mapping from _VIEW_MIN_BYTES up (no copy; the unwritten pages cost no
        memory), else a copy, so a kept result of a short replay does not pin the chunk."""
        if self._chunk is not None and self._used:
            for parts, a in zip((self._bbo, self._depth), self._chunk, strict=True):
                if a is not None:
                    rows = a[: self._used]
                    parts.append(rows if rows.nbytes >= _VIEW_MIN_BYTES else _records(rows))
        self._chunk, self._used = None, 0

    def write(self, bbo: np.ndarray, depth: np.ndarray | None) -> None:
        if len(bbo):
            self._seal()
            self._joined = None
            self._bbo.append(bbo)
            if depth is not None:
                self._depth.append(depth)

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self._joined is None:
            self._seal()
            bbo = _join(self._bbo, bbo_dtype())
            dep = _join(self._depth, depth_dtype(self.depth)) if self.depth else None
            self._joined = (bbo, dep)
            self._bbo, self._depth = [bbo], [dep] if dep is not None else []
        return self._joined


#: chunk mappings no array uses any more (at most two: a result's BBO and depth rows), for
#: the next chunk of the same size: the pages a replay wrote stay backed, so the next
#: replay's rows take no page faults (a fresh page is zeroed by the kernel on its first
#: write: ~4 ns a row of bench/feeds/bench_itch.py's replay). Handed back with MADV_FREE:
#: under memory pressure the kernel may take the pages (they then fault in again, zeroed,
#: as fresh ones would).
_idle: list[mmap.mmap] = []
_IDLE_MAX = 2


def _release(m: mmap.mmap) -> None:
    """The chunk array of m is gone (and every view of it: they keep it alive): m may serve
    the next chunk of its size."""
    if hasattr(mmap, "MADV_FREE"):
        m.madvise(mmap.MADV_FREE)
    _idle.append(m)
    del _idle[:-_IDLE_MAX]  # the older ones are unmapped once unreferenced


def _mapping(nbytes: int) -> mmap.mmap:
    """An idle mapping of nbytes (its old contents are overwritten before any row is read:
    a sink exposes only committed rows), else a fresh one with huge pages advised, as numpy
    does for large arrays (the rows are written in order)."""
    # list.pop / append only: each is atomic, and a finalizer may append at any point
    other: list[mmap.mmap] = []
    found: mmap.mmap | None = None
    while found is None and _idle:
        try:
            m = _idle.pop()
        except IndexError:  # pragma: no cover - another thread took the last one
            break
        if len(m) == nbytes:
            found = m
        else:
            other.append(m)
    _idle.extend(other)
    if found is not None:
        return found
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        m.madvise(mmap.MADV_HUGEPAGE)
    return m


def _fresh_rows(rows: int, dtype: np.dtype) -> np.ndarray:
    """``np.empty(rows, dtype)`` on a private anonymous mapping of its own, backed only
    where written, whatever the allocator holds (malloc may hand out a block of pages an
    earlier array backed, which a view of a few rows would then keep alive): a fresh one, or
    the idle one a dropped result left (_idle)."""
    if not hasattr(mmap, "MAP_PRIVATE"):  # pragma: no cover - Windows: the allocator's memory
        return np.empty(rows, dtype=dtype)
    m = _mapping(rows * dtype.itemsize)
    a = np.frombuffer(m, dtype=dtype)
    # views of a (r.bbo is one) keep a alive; not at interpreter exit, where a may still be
    # alive and read by a later exit handler (review finding: MADV_FREE would let the kernel
    # take pages it still shows)
    weakref.finalize(a, _release, m).atexit = False
    return a


def _records(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` made as whole records (see :func:`_join`)."""
    record = np.dtype((np.void, a.dtype.itemsize))
    return a.view(record).copy().view(a.dtype)


def _join(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """``np.concatenate(parts)`` of one structured dtype, copied as whole records: numpy
    copies a padded structured dtype field by field, at half the speed (a replay's BBO rows
    took ~7 ms per 10 MB that way)."""
    if not parts:
        return np.empty(0, dtype=dtype)
    if len(parts) == 1:
        return parts[0]
    record = np.dtype((np.void, dtype.itemsize))
    return np.concatenate([p.view(record) for p in parts]).view(dtype)


class ParquetSink(Sink):
    def __init__(self, path: Any, depth: int) -> None:
        try:
            import pyarrow.parquet as pq
        except ImportError:  # pragma: no cover - pyarrow is in the feeds extra
            raise ImportError("out= needs pyarrow (pip install 'tapebook[feeds]')") from None
        self.path = os.fspath(path)
        self.depth = depth
        self._pq = pq
        self._writer: Any = None
        self._cached: tuple[np.ndarray, np.ndarray | None] | None = None

    def write(self, bbo: np.ndarray, depth: np.ndarray | None) -> None:
        table = to_arrow_table(bbo, depth)
        if self._writer is None:
            self._writer = self._pq.ParquetWriter(self.path, table.schema, **PARQUET_WRITE_OPTIONS)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:  # no rows: still a valid (empty) file
            schema = to_arrow_table(np.empty(0, dtype=bbo_dtype()), self._empty_depth()).schema
            self._writer = self._pq.ParquetWriter(self.path, schema, **PARQUET_WRITE_OPTIONS)
        self._writer.close()

    def _empty_depth(self) -> np.ndarray | None:
        return np.empty(0, dtype=depth_dtype(self.depth)) if self.depth else None

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self._cached is None:
            from ._table import from_arrow_table

            self._cached = from_arrow_table(self._pq.read_table(self.path), self.depth)
        return self._cached
