"""Output files: written under a temporary name, then renamed; Parquet laid out
deterministically; their SHA-256.

A finished output appears under its final name only through ``os.replace`` of
a complete, fsync'ed temporary file (``.<final name>.tmp-<random>`` in the same
directory), followed by an fsync of the directory. A run killed at any moment
therefore leaves either the previous complete file or none under the final name,
plus at most a dot-file that the next attempt at the same input removes
(:func:`remove_stale_temporaries`).

Determinism (a serial run and a Dask run give byte-identical files): the rows
are cut into row groups of a fixed number of rows (:data:`BBO_GROUP_ROWS`;
for depth, a fixed number of bytes' worth), each written from one contiguous
array per column, with every writer option spelled out below. Parquet's footer
holds the writer's ``created_by`` (``parquet-cpp-arrow version X``) and the
Arrow schema, no time stamp and no host name: files are identical across runs,
processes and hosts that have the same pyarrow version.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import uuid
from typing import Any

BBO_GROUP_ROWS = 1 << 18  #: rows per row group of a .bbo.parquet file
DEPTH_GROUP_BYTES = 32 << 20  #: about this many bytes of values per row group of a .depth.parquet file
#: every option of the Parquet writer that could change the bytes, fixed
PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": False,
    "write_statistics": True,
    "data_page_version": "1.0",
    "data_page_size": 1 << 20,
    "write_page_index": False,
    "write_page_checksum": False,
    "store_schema": True,
}
_HASH_BLOCK = 1 << 20


def depth_group_rows(k: int) -> int:
    """Rows per row group of a depth=k file (a function of k alone)."""
    return max(1 << 10, DEPTH_GROUP_BYTES // (32 * k))


def temporary_name(final: str) -> str:
    head, tail = os.path.split(final)
    return os.path.join(head, f".{tail}.tmp-{uuid.uuid4().hex[:16]}")


def remove_stale_temporaries(final: str) -> int:
    """Delete the temporaries an interrupted attempt at ``final`` left; returns how many."""
    head, tail = os.path.split(final)
    n = 0
    for p in glob.glob(os.path.join(glob.escape(head), f".{glob.escape(tail)}.tmp-*")):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(p)
            n += 1
    return n


def _fsync_path(path: str, directory: bool = False) -> None:
    fd = os.open(path, (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if directory else os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not directory:  # some file systems refuse fsync on a directory; the rename still happened
            raise
    finally:
        os.close(fd)


def commit(tmp: str, final: str) -> None:
    """Make the complete file ``tmp`` appear as ``final``, durably."""
    _fsync_path(tmp)
    os.replace(tmp, final)
    _fsync_path(os.path.dirname(final) or ".", directory=True)


def discard(path: str | None) -> None:
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def write_bytes_atomically(final: str, data: bytes) -> None:
    tmp = temporary_name(final)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        commit(tmp, final)
    except BaseException:
        discard(tmp)
        raise


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


class ParquetRows:
    """Arrow tables in, a Parquet file of row groups of exactly ``group_rows`` rows
    (the last one shorter) out, whatever sizes the tables come in."""

    def __init__(self, path: str, schema: Any, group_rows: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self.schema = schema
        self.group_rows = group_rows
        self.rows = 0
        self._pending: list[Any] = []
        self._pending_rows = 0
        self._writer = pq.ParquetWriter(path, schema, **PARQUET_OPTIONS)

    def write(self, table: Any) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.group_rows:
            joined = self._pa.concat_tables(self._pending)
            start = 0
            while joined.num_rows - start >= self.group_rows:
                self._group(joined.slice(start, self.group_rows))
                start += self.group_rows
            rest = joined.slice(start)
            self._pending = [rest] if rest.num_rows else []
            self._pending_rows = rest.num_rows

    def _group(self, table: Any) -> None:
        # one contiguous array per column: the pages do not depend on how the rows arrived
        self._writer.write_table(table.combine_chunks(), row_group_size=self.group_rows)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._pending_rows:
            self._group(self._pa.concat_tables(self._pending))
            self._pending, self._pending_rows = [], 0
        self._writer.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
