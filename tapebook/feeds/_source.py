"""Where feed bytes come from: a path, a list of paths (one stream), or a binary file object.

Compression follows the file name (``.gz`` gzip, ``.zst`` / ``.zstd`` Zstandard);
a file object, which has no name to go by, is sniffed by its magic bytes.
Everything streams: a file is read ``chunk_bytes`` at a time and never held
whole, so a file larger than memory replays. A compressed file given by path
is decompressed ahead in a background thread (:mod:`._prefetch`: a few blocks,
overlapped with the scanning) when the process may use two CPUs or more.

Readers take what suits their format:

* :meth:`Source.chunks`: blocks of complete lines (:class:`Chunk`) with the
  number of their first line — for scanners that parse many lines in one C
  call;
* :meth:`Source.lines`: ``(path, line_number, line)`` one line at a time,
  without the line end (``\\n`` or ``\\r\\n``) — for JSON frames;
* :meth:`Source.streams`: ``(path, binary file object)`` decompressed — for
  binary formats (DBN).

A file that cannot be opened, or whose compressed stream is corrupt, raises
:class:`~tapebook.errors.FeedError` naming it (and the line reached).
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from ..errors import ArgumentTypeError, FeedError, InvalidArgumentError
from ._prefetch import Prefetch, threaded
from ._zstd_frames import FrameCheck

CHUNK_BYTES = 1 << 20  #: default read size
MAX_LINE_BYTES = 64 << 20  #: a line longer than this is an error (memory stays bounded)
STREAM_NAME = "<stream>"  #: the path given in errors about a file object

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class Chunk:
    """``n_lines`` complete lines of one file, the first being line ``first_line``
    (1-based), joined by ``\n`` (no line end after the last one; a ``\r`` before a
    ``\n`` is kept: scanners treat it as part of the line end). ``n_lines`` is -1
    when the reader counts the lines itself (``Source.chunks(next_line=...)``), except
    for a last line without a line end (1)."""

    path: str
    first_line: int
    data: bytes
    n_lines: int


def compression_of(name: str) -> str | None:
    """'gzip', 'zstd' or None, from a file name."""
    low = name.lower()
    if low.endswith(".gz"):
        return "gzip"
    if low.endswith((".zst", ".zstd")):
        return "zstd"
    return None


def _zstd_reader(raw: BinaryIO) -> BinaryIO:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        raise ImportError("reading .zst files needs the 'zstandard' package") from None
    # read_across_frames: a file of several concatenated frames (e.g. appended captures) is one stream
    # FrameCheck: a file cut inside a frame is an error, not a shorter stream (_zstd_frames.py)
    return zstandard.ZstdDecompressor().stream_reader(  # type: ignore[return-value]
        FrameCheck(raw), read_across_frames=True, closefd=False
    )


def inflate_module() -> Any:
    """The zlib-compatible module gzip sources are decompressed with: ISA-L's
    (``isal``, in the feeds extra: measured 2-3x zlib's speed on Tardis CSV, see
    README "Replaying venue data") when installed, else the standard ``zlib``."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib
    return isal_zlib


class _Inflate(io.RawIOBase):
    """A gzip stream (every member of a multi-member file) decompressed in large
    blocks: a ``decompressobj`` fed ``IN_BYTES`` of compressed input at a time,
    each call's output bounded by the caller's buffer (memory stays bounded).
    ``gzip.GzipFile`` decompresses 8 KB of input per call and copies through a
    buffered reader; this makes a fraction of the calls. Corrupt data raises
    ``zlib.error`` whichever module decompresses."""

    IN_BYTES = 1 << 20

    def __init__(self, raw: BinaryIO, module: Any = None) -> None:
        super().__init__()
        self._raw = raw
        self._zmod = module if module is not None else inflate_module()
        self._z = self._zmod.decompressobj(31)
        self._input = b""  # compressed bytes not yet given to the decompressor
        self._fresh = True  # no member in progress
        self._out = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if not self._pending(len(b)):
            return 0
        n = min(len(b), len(self._out) - self._pos)
        with memoryview(b) as dst:
            dst[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        return n

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes; a whole decompressed block is handed out without a copy
        (what the background thread reads: see _prefetch.py)."""
        if size is None or size < 0:
            return self.readall()
        if not self._pending(size):
            return b""
        if self._pos == 0 and len(self._out) <= size:
            out, self._out = self._out, b""
            return out
        n = min(size, len(self._out) - self._pos)
        self._pos += n
        return self._out[self._pos - n : self._pos]

    def _pending(self, want: int) -> bool:
        """Whether decompressed bytes are pending (inflating more if none are); False at the end."""
        while self._pos == len(self._out):
            if self._done or not want:
                return False
            self._out, self._pos = self._inflate(want), 0
        return True

    def _inflate(self, want: int) -> bytes:
        while True:
            z = self._z
            if z.unconsumed_tail:
                data = z.unconsumed_tail
            elif self._input:
                data, self._input = self._input, b""
            else:
                data = self._raw.read(self.IN_BYTES)
            if self._fresh:
                data = data.lstrip(b"\0")  # zero padding between / after members, as gzip allows
            if not data:
                if self._fresh and not self._input:
                    if self._raw_done():
                        self._done = True
                        return b""
                    continue
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            self._fresh = False
            try:
                out = z.decompress(data, max(want, 1 << 16))
            except self._zmod.error as e:
                raise zlib.error(str(e)) from None
            if z.eof:  # the end of a member: another may follow (concatenated gzip files)
                self._input = z.unused_data
                self._z = self._zmod.decompressobj(31)
                self._fresh = True
            if out:
                return out

    def _raw_done(self) -> bool:
        """At a member boundary: is the raw stream over (else its next bytes are kept)?"""
        more = self._raw.read(self.IN_BYTES)
        self._input = more
        return not more


def _wrap(raw: BinaryIO, kind: str | None) -> BinaryIO:
    if kind == "gzip":
        return _Inflate(raw)  # type: ignore[return-value]
    if kind == "zstd":
        return _zstd_reader(raw)
    return raw


def _sniff(obj: BinaryIO) -> tuple[BinaryIO, str | None]:
    """Peek at a file object's first bytes without consuming them."""
    peek = getattr(obj, "peek", None)
    head = peek(4)[:4] if callable(peek) else b""
    if not callable(peek):
        obj = io.BufferedReader(obj)  # type: ignore[arg-type]
        head = obj.peek(4)[:4]
    if head[:2] == _GZIP_MAGIC:
        return obj, "gzip"
    if head[:4] == _ZSTD_MAGIC:
        return obj, "zstd"
    return obj, None


class Source:
    """A feed source. ``source``: a path (str / os.PathLike), a list or tuple of
    paths replayed as one stream, or a binary file object (``.read()`` returns
    bytes). ``name`` is what errors call it."""

    def __init__(self, source: Any, chunk_bytes: int = CHUNK_BYTES) -> None:
        if isinstance(chunk_bytes, bool) or not isinstance(chunk_bytes, int) or chunk_bytes < 1:
            raise InvalidArgumentError(f"chunk_bytes={chunk_bytes!r} must be a positive integer")
        self.chunk_bytes = chunk_bytes
        self._fileobj: BinaryIO | None = None
        self._paths: list[str] = []
        if isinstance(source, (str, os.PathLike)):
            self._paths = [os.fspath(source)]
        elif isinstance(source, (list, tuple)):
            if not source:
                raise InvalidArgumentError("source is an empty list: give at least one path")
            for i, p in enumerate(source):
                if not isinstance(p, (str, os.PathLike)):
                    raise ArgumentTypeError(
                        f"source[{i}] must be a path (str or os.PathLike), got {type(p).__name__}"
                    )
                self._paths.append(os.fspath(p))
        elif hasattr(source, "read"):
            if isinstance(source, io.TextIOBase):
                raise ArgumentTypeError("source is a text-mode file: open it in binary mode ('rb')")
            self._fileobj = source
        else:
            raise ArgumentTypeError(
                f"source must be a path, a list of paths or a binary file object, got {type(source).__name__}"
            )
        self.name = STREAM_NAME if self._fileobj is not None else self._paths[0]
        if len(self._paths) > 1:
            self.name = f"{self._paths[0]} (+{len(self._paths) - 1} more)"
        self._used = False

    @property
    def paths(self) -> list[str]:
        """The file paths (empty for a file object)."""
        return list(self._paths)

    def _claim(self) -> None:
        # a file object can be read once; paths can be re-read
        if self._fileobj is not None:
            if self._used:
                raise InvalidArgumentError("this source is a file object and was already read")
            self._used = True

    @contextmanager
    def _open(self, path: str) -> Iterator[BinaryIO]:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise FeedError(path, 0, f"cannot open: {e.strerror or e}") from None
        kind = compression_of(path)
        stream: BinaryIO | None = None
        try:
            stream = _wrap(raw, kind)  # may raise (zstandard missing): raw is closed below
            if kind is not None and threaded():
                # decompress ahead in a thread (a path only: a caller's file object may
                # not be safe to read from another thread, nor its read be interruptible)
                stream = Prefetch(stream)  # type: ignore[assignment]
            yield stream
        finally:
            try:
                if stream is not None:
                    stream.close()  # first: the thread stops reading raw
            finally:
                raw.close()  # even if that close was interrupted

    def streams(self) -> Iterator[tuple[str, BinaryIO]]:
        """``(path, decompressed binary stream)`` for each file, opened one at a time."""
        self._claim()
        if self._fileobj is not None:
            obj, kind = _sniff(self._fileobj)
            yield STREAM_NAME, _wrap(obj, kind)
            return
        for path in self._paths:
            with self._open(path) as f:
                yield path, f

    def chunks(self, next_line: Callable[[], int] | None = None) -> Iterator[Chunk]:
        """Blocks of complete lines, about ``chunk_bytes`` each, file by file.

        ``next_line``: for a reader that counts the lines of a chunk itself (the C
        JSON loop), called after the reader is done with a chunk, returns the number
        of the line after it; the chunks are then not counted here (``n_lines`` -1:
        a pass over every byte saved) and ``first_line`` and errors use its count."""
        for path, f in self.streams():
            yield from _chunks_of(path, f, self.chunk_bytes, next_line)

    def lines(self) -> Iterator[tuple[str, int, bytes]]:
        """``(path, line_number, line)`` without the line end; empty lines included."""
        for ch in self.chunks():
            n = ch.first_line
            for ln in ch.data.split(b"\n"):
                yield ch.path, n, ln[:-1] if ln.endswith(b"\r") else ln
                n += 1


def read_error(e: BaseException, path: str, line: int) -> FeedError | None:
    """The FeedError for a failed read of a file (None: not a read failure). ``line`` is
    the first line not yet handed out (0: unknown); decompressors read ahead, so the
    damage itself can lie some lines further on, and the message says so."""
    if isinstance(e, OSError | EOFError | zlib.error):
        what = "corrupt or truncated compressed data?"
    elif type(e).__name__ == "ZstdError":  # zstandard raises its own error class
        what = "corrupt zstd data?"
    else:
        return None
    if not line:
        return FeedError(path, 0, f"cannot read ({what}): {e}")
    ahead = "decompressors read ahead: the damage can be further on"
    return FeedError(path, line, f"cannot read from this line on ({what} {ahead}): {e}")


def _read(f: IO[bytes], size: int, path: str, line: int) -> bytes:
    try:
        return f.read(size)
    except Exception as e:
        err = read_error(e, path, line)
        if err is None:
            raise
        raise err from None


def read_block(f: IO[bytes], buf: bytearray | memoryview, start: int, path: str, line: int) -> int:
    """Fill ``buf[start:]`` from ``f`` until it is full or the stream ends (``readinto``
    when the stream has it: no copy); returns the bytes read, 0 at the end."""
    total, size = 0, len(buf) - start
    readinto = getattr(f, "readinto", None)
    try:
        with memoryview(buf) as mv:
            while total < size:
                with mv[start + total :] as free:
                    if readinto is not None:
                        n = readinto(free) or 0
                    else:
                        data = f.read(size - total)
                        n = len(data)
                        free[:n] = data
                if not n:
                    break
                total += n
    except Exception as e:
        err = read_error(e, path, line)
        if err is None:
            raise
        raise err from None
    return total


def _chunks_of(
    path: str, f: IO[bytes], chunk_bytes: int, next_line: Callable[[], int] | None = None
) -> Iterator[Chunk]:
    line = 1
    carry = b""
    while True:
        block = _read(f, chunk_bytes, path, line)
        if not block:
            break
        data = carry + block if carry else block
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > MAX_LINE_BYTES:
                raise FeedError(path, line, f"line longer than {MAX_LINE_BYTES} bytes")
            carry = data
            continue
        body, carry = data[:cut], data[cut + 1 :]  # one copy: the last line end dropped here
        n = -1 if next_line is not None else body.count(b"\n") + 1
        yield Chunk(path, line, body, n)
        line = next_line() if next_line is not None else line + n
    if carry:  # the last line, without a line end
        yield Chunk(path, line, carry, 1)


def line_blocks(
    path: str, f: IO[bytes], chunk_bytes: int, next_line: Callable[[], int]
) -> Iterator[tuple[int, bytearray, int]]:
    """Blocks of complete lines of one file for a reader that counts lines itself (the
    C JSON loop), read into one buffer used again for every block: ``(first_line, buf,
    n)`` with ``buf[:n]`` the lines ``_chunks_of`` gives (no line end after the last
    one), from reads of the same sizes (so a read error names the same line). Where
    ``_chunks_of`` makes new bytes objects for every block (the read, the carried
    partial line joined to it, the body cut from it: three fresh megabytes and two
    copies a block), this reads into the same buffer (a file straight into it). The
    caller must be done with ``buf`` (and hold no buffer export of it) when it asks for
    the next block. ``first_line`` is 1, then ``next_line()`` after each block."""
    buf = bytearray(chunk_bytes)  # grown by the longest partial line carried (once or so)
    have, line = 0, 1
    # a file's or a BytesIO's read(n) gives n bytes until the end: read_block's reads
    full_reads = isinstance(f, (io.BufferedReader, io.BytesIO))
    while True:
        if len(buf) - have < chunk_bytes:  # a partial line longer than a chunk: room for more
            buf.extend(bytes(have + chunk_bytes - len(buf)))
        if full_reads:  # straight into the buffer
            with memoryview(buf) as mv, mv[have : have + chunk_bytes] as free:
                got = read_block(f, free, 0, path, line)
        else:  # reads of the sizes _chunks_of gets (a short one at a decompressed block's end)
            block = _read(f, chunk_bytes, path, line)
            got = len(block)
            buf[have : have + got] = block
        if not got:
            break
        have += got
        cut = buf.rfind(b"\n", 0, have)
        if cut < 0:
            if have > MAX_LINE_BYTES:
                raise FeedError(path, line, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        yield line, buf, cut
        line = next_line()
        rest = have - cut - 1
        buf[:rest] = buf[cut + 1 : have]
        have = rest
    if have:  # the last line, without a line end
        yield line, buf, have
