"""Decompression in a background thread, overlapped with the replay's scanning.

A ``.csv.gz`` replay alternates two CPU-bound steps: inflating a block and
scanning it. Both run in C with the GIL released (ISA-L's and zlib's
``decompress`` around the inflate loop, zstandard's reader around
``ZSTD_decompressStream``, CFFI around every scanner and apply call), so on two
free cores a thread that inflates ahead of the scanner makes the wall time
about max(inflate, scan + apply) instead of their sum.

:class:`Prefetch` is that thread, as a readable stream: it reads the
decompressing stream ``block_bytes`` at a time into a queue of at most
``depth`` blocks (memory stays bounded: the thread waits while the queue is
full), and ``readinto`` hands the blocks out in order. An exception in the
thread (corrupt or truncated data) is raised by the reader's next
``readinto``, in the replay's own thread, so the caller turns it into a
``FeedError`` with path and line as before. ``close()`` (the replay finished,
was abandoned, or raised) stops the thread and joins it.
"""

from __future__ import annotations

import io
import os
import queue
import threading
from typing import Any, BinaryIO

BLOCK_BYTES = 1 << 20  #: decompressed bytes per block handed from the thread
DEPTH = 4  #: blocks the thread may run ahead (memory: DEPTH + 1 blocks)
_POLL_S = 0.05  #: how often a reader waiting on an empty queue checks that the thread lives

#: None: a background thread when this process may run on two CPUs or more (there is
#: nothing to overlap with on one); True / False force it (tests run both paths).
THREADED: bool | None = None


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def threaded() -> bool:
    """Whether sources decompress in a background thread (see :data:`THREADED`)."""
    return usable_cpus() >= 2 if THREADED is None else THREADED


class Prefetch(io.RawIOBase):
    """``inner`` (a decompressing stream) read ahead by a background thread."""

    def __init__(self, inner: BinaryIO, block_bytes: int | None = None, depth: int | None = None) -> None:
        super().__init__()
        block_bytes = block_bytes or BLOCK_BYTES  # read at call time: tests shrink them
        self._blocks: queue.Queue[Any] = queue.Queue(maxsize=depth or DEPTH)
        self._stop = threading.Event()
        self._block = memoryview(b"")  # the part of the current block not handed out yet
        self._ended = False
        # the thread holds the queue, the event and the stream, not this object
        self._thread = threading.Thread(
            target=_produce,
            args=(inner, block_bytes, self._blocks, self._stop),
            name="tapebook-decompress",
            daemon=True,
        )
        self._thread.start()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not len(self._block):
            if self._ended or not len(b):
                return 0
            item = self._next()
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            if not item:
                self._ended = True
                return 0
            self._block = memoryview(item)
        n = min(len(b), len(self._block))
        with memoryview(b) as dst:
            dst[:n] = self._block[:n]
        self._block = self._block[n:]
        return n

    def _next(self) -> Any:
        while True:
            try:
                return self._blocks.get(timeout=_POLL_S)
            except queue.Empty:
                if not self._thread.is_alive() and self._blocks.empty():
                    # cannot happen (the thread puts its end or its exception last); kept
                    # so a reader never waits forever on a thread that is gone
                    return RuntimeError("the decompression thread ended without a result")

    def close(self) -> None:
        """Stop the thread and join it (a put it is blocked in is freed by draining)."""
        if not self.closed:
            self._stop.set()
            while self._thread.is_alive():
                _drain(self._blocks)
                self._thread.join(_POLL_S)
            _drain(self._blocks)
            self._block = memoryview(b"")
        super().close()

    @property
    def running(self) -> bool:
        """Whether the background thread is still alive (tests check close joins it)."""
        return self._thread.is_alive()


def _produce(inner: BinaryIO, block_bytes: int, blocks: queue.Queue[Any], stop: threading.Event) -> None:
    """The thread: blocks until the end (b"") or an exception, or until told to stop."""
    try:
        while not stop.is_set():
            data = inner.read(block_bytes)
            blocks.put(data)
            if not data:
                return
    except BaseException as e:  # handed to the reader, which raises it
        blocks.put(e)


def _drain(blocks: queue.Queue[Any]) -> None:
    try:
        while True:
            blocks.get_nowait()
    except queue.Empty:
        pass
