"""A plain file's bytes through a private memory mapping, one window at a time.

``read()`` copies every byte of a file from the page cache into the reader's buffer: for an
uncompressed Tardis CSV that copy was a quarter of a replay (~10 ms per 77 MB, measured with
perf: ``_copy_to_iter``). A mapping hands the scanner the page cache's own pages instead
(the scanner prefetches ahead, so it does not wait for them: tb_tardis_scan.h).

- private (copy on write): the scanner unquotes quoted fields in place; those writes stay in
  this process and never reach the file;
- a window at a time, from the line not yet scanned, ``want`` bytes past its start (doubled,
  like a block buffer, for a line longer than that): the pages mapped count in the process's
  RSS, so they stay bounded as the block buffer does;
- only a regular, non-empty file opened here by path at its start (:func:`mappable`); the
  size is the one it had when the replay reached it (bytes appended later are not read).

As with any mapping (``numpy.memmap``, ``pyarrow.memory_map``), a file truncated by another
process while it is being replayed ends this one with SIGBUS; ``MAP_FILES = False`` (or
``TAPEBOOK_MAP_FILES=0``) reads it instead.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import stat
from typing import IO

from ..errors import FeedError
from ._source import MAX_LINE_BYTES, STREAM_NAME

#: plain files given by path are mapped rather than read (False: always read)
MAP_FILES = os.environ.get("TAPEBOOK_MAP_FILES", "1") != "0"


def mappable(path: str, f: IO[bytes]) -> tuple[int, int] | None:
    """(file descriptor, size) when ``f`` is a regular file opened by path, uncompressed,
    not empty and not yet read; else None (the caller reads it)."""
    if not MAP_FILES or path == STREAM_NAME or type(f) is not io.BufferedReader:
        return None
    try:
        if f.tell() != 0:
            return None
        fd = f.fileno()
        st = os.fstat(fd)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return None
    return fd, st.st_size


class Window:
    """The mapped windows of one file (``fd`` of ``size`` bytes)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self.base = 0  # the file offset of the current window's first byte

    def at(self, start: int, want: int) -> tuple[mmap.mmap, int, int, bool]:
        """The window holding the file from byte ``start`` to ``start + want`` (or its end):
        (the mapping, its length, where ``start`` is in it, the file's end reached). It starts
        at the allocation boundary at or before ``start`` (mmap's rule for offsets)."""
        base = start - start % mmap.ALLOCATIONGRANULARITY
        end = min(self.size, start + want)
        m = mmap.mmap(self.fd, end - base, access=mmap.ACCESS_COPY, offset=base)
        self.base = base
        return m, end - base, start - base, end == self.size


def grown(want: int, path: str, line: int) -> int:
    """A window twice as long, for a line longer than ``want`` (the block buffer's rule)."""
    if want >= MAX_LINE_BYTES:
        raise FeedError(path, line, f"line longer than {MAX_LINE_BYTES} bytes")
    return min(2 * want, MAX_LINE_BYTES + 1)


def release(m: mmap.mmap) -> None:
    """Unmap a window now (a buffer still exported keeps it until it is collected)."""
    with contextlib.suppress(BufferError):  # the scanner's buffers are released before this
        m.close()
