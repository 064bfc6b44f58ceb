"""Notices a truncated ``.zst`` file, which zstandard's stream reader ends quietly.

``zstandard.ZstdDecompressor().stream_reader`` returns what it could decompress and
then end-of-file when the compressed bytes stop inside a frame: a cut-off capture
would replay as a shorter one, rows lost without a word. :class:`FrameCheck` sits
between the file and the decompressor and follows the frame structure of the bytes
passing through (headers only: block contents are skipped by their sizes, so it
costs a few steps per 128 KB block); at the end of the file it raises ``EOFError``
unless the last frame is complete. The readers turn that into a ``FeedError`` with
the path and line, like a truncated gzip member.

Layout, from RFC 8878 "Zstandard Compression and the 'application/zstd' Media Type"
§3.1: a Zstandard frame is the magic number 0xFD2FB528 (little-endian), a
Frame_Header_Descriptor byte (bits 7-6 Frame_Content_Size_flag, bit 5
Single_Segment_flag, bit 2 Content_Checksum_flag, bits 1-0 Dictionary_ID_flag), an
optional Window_Descriptor byte (absent when Single_Segment_flag is set), a
Dictionary_ID of 0/1/2/4 bytes, a Frame_Content_Size of 0 or 1 (flag 0: 1 byte only
when Single_Segment_flag is set)/2/4/8 bytes, then blocks, each a 3-byte
little-endian header (bit 0 Last_Block, bits 2-1 Block_Type: 0 raw, 1 RLE, 2
compressed, 3 reserved; bits 23-3 Block_Size) and Block_Size bytes of content (one
byte for RLE), and after the last block a 4-byte checksum when the flag is set.
§3.1.2: a skippable frame is a magic number 0x184D2A50-0x184D2A5F, a 4-byte
little-endian Frame_Size, and that many bytes.
"""

from __future__ import annotations

from typing import BinaryIO

_MAGIC = 0xFD2FB528
_SKIPPABLE, _SKIPPABLE_MASK = 0x184D2A50, 0xFFFFFFF0
_DICT_ID_BYTES = (0, 1, 2, 4)
_FCS_BYTES = (0, 2, 4, 8)  # flag 0: 1 byte when Single_Segment_flag is set

# what the next bytes are
_MAGIC_NUMBER, _SKIP_SIZE, _SKIP_DATA, _DESCRIPTOR, _HEADER_REST = range(5)
_BLOCK_HEADER, _BLOCK_DATA, _CHECKSUM, _UNKNOWN = range(5, 9)
_GATHERED = frozenset((_MAGIC_NUMBER, _SKIP_SIZE, _DESCRIPTOR, _BLOCK_HEADER))  # read as a number


class FrameCheck:
    """A binary file wrapper for the decompressor: reads pass through unchanged; the end
    of the file inside a frame raises ``EOFError``. Bytes that are not a frame (a bad
    magic number, a reserved block type) stop the check: the decompressor reports those."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._state = _MAGIC_NUMBER
        self._need = 4  # bytes still wanted by the current state
        self._field = bytearray()  # a header field gathered across reads
        self._checksum = False  # the current frame ends with a checksum
        self._last = False  # the current block is the frame's last

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self._walk(memoryview(data))
        elif size != 0 and (self._state not in (_MAGIC_NUMBER, _UNKNOWN) or self._field):
            raise EOFError("the .zst file ends inside a frame (truncated)")
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """The caller closes the file itself (the stream reader is opened closefd=False)."""

    def _walk(self, data: memoryview) -> None:
        pos, end = 0, len(data)
        while pos < end and self._state != _UNKNOWN:
            take = min(self._need, end - pos)
            if self._state in _GATHERED:
                self._field += data[pos : pos + take]
            pos += take
            self._need -= take
            if not self._need:
                self._next()

    def _next(self) -> None:
        """The current state's bytes are complete: decide what follows."""
        s, field = self._state, int.from_bytes(self._field, "little")
        self._field.clear()
        if s == _MAGIC_NUMBER:
            if field == _MAGIC:
                self._go(_DESCRIPTOR, 1)
            elif field & _SKIPPABLE_MASK == _SKIPPABLE:
                self._go(_SKIP_SIZE, 4)
            else:
                self._go(_UNKNOWN, 0)
        elif s == _SKIP_SIZE:
            self._go(_SKIP_DATA, field) if field else self._go(_MAGIC_NUMBER, 4)
        elif s == _DESCRIPTOR:
            single = bool(field >> 5 & 1)
            self._checksum = bool(field >> 2 & 1)
            fcs_flag = field >> 6
            fcs = _FCS_BYTES[fcs_flag] if fcs_flag or not single else 1
            rest = (0 if single else 1) + _DICT_ID_BYTES[field & 3] + fcs
            self._go(_HEADER_REST, rest) if rest else self._go(_BLOCK_HEADER, 3)
        elif s == _BLOCK_HEADER:
            self._last = bool(field & 1)
            kind, size = field >> 1 & 3, field >> 3
            if kind == 3:
                self._go(_UNKNOWN, 0)
            else:
                content = 1 if kind == 1 else size
                self._go(_BLOCK_DATA, content) if content else self._block_done()
        elif s == _BLOCK_DATA:
            self._block_done()
        else:  # _SKIP_DATA, _HEADER_REST, _CHECKSUM: skipped bytes are done
            self._go(_BLOCK_HEADER, 3) if s == _HEADER_REST else self._go(_MAGIC_NUMBER, 4)

    def _block_done(self) -> None:
        if not self._last:
            self._go(_BLOCK_HEADER, 3)
        elif self._checksum:
            self._go(_CHECKSUM, 4)
        else:
            self._go(_MAGIC_NUMBER, 4)

    def _go(self, state: int, need: int) -> None:
        self._state, self._need = state, need
