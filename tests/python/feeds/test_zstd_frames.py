"""_zstd_frames.FrameCheck: a .zst cut anywhere but between two frames is an EOFError (zstandard's
stream reader alone returns the shorter stream quietly); whole files pass through unchanged,
whatever the frame shapes (RFC 8878 §3.1: checksums, content sizes, skippable frames, raw /
RLE / compressed blocks) and however the reads split the headers."""

from __future__ import annotations

import io
import os
import random

import pytest
import zstandard

from tapebook.feeds._zstd_frames import FrameCheck


def _skippable(payload: bytes, variant: int = 0) -> bytes:
    """RFC 8878 §3.1.2: magic 0x184D2A50 + variant, a 4-byte little-endian size, the bytes."""
    return (0x184D2A50 + variant).to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload


def _frames(seed: int) -> tuple[list[bytes], bytes]:
    """A few frames of assorted shapes (and what they decompress to)."""
    rng = random.Random(seed)
    text = b"".join(b"b,X,%d,%d,false,bid,%d.5,1\n" % (i, i, rng.randint(1, 99)) for i in range(3000))
    noise = os.urandom(70_000)  # incompressible: raw blocks
    zeros = b"\0" * 300_000  # RLE blocks
    frames, out = [], b""
    for i, data in enumerate((text, noise, zeros, text[:10], b"")):
        level, sized = rng.choice((1, 3, 19)), rng.random() < 0.5
        c = zstandard.ZstdCompressor(level=level, write_checksum=bool(i % 2), write_content_size=sized)
        if i == 0:  # a streamed frame: no content size, several flushed blocks
            obj = c.compressobj()
            steps = range(0, len(data), 20_000)
            frame = b"".join(
                obj.compress(data[k : k + 20_000]) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
                for k in steps
            )
            frame += obj.flush()
        else:
            frame = c.compress(data)
        frames.append(frame)
        out += data
        if i == 2:
            frames.append(_skippable(b"metadata" * rng.randint(0, 5), variant=rng.randint(0, 15)))
    return frames, out


def _read_all(data: bytes, size: int) -> bytes:
    r = zstandard.ZstdDecompressor().stream_reader(
        FrameCheck(io.BytesIO(data)), read_across_frames=True, closefd=False
    )
    out = bytearray()
    while chunk := r.read(size):
        out += chunk
    return bytes(out)


class _Trickle(io.RawIOBase):
    """A file that hands out at most ``step`` bytes a read: headers split across reads."""

    def __init__(self, data: bytes, step: int) -> None:
        self._f, self._step = io.BytesIO(data), step

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self._f.read(self._step if size < 0 else min(size, self._step))


@pytest.mark.parametrize("seed", range(3))
def test_whole_files_pass_through_unchanged(seed: int) -> None:
    frames, want = _frames(seed)
    data = b"".join(frames)
    assert _read_all(data, 1 << 16) == want
    for step in (1, 2, 3, 5, 4096):
        check = FrameCheck(_Trickle(data, step))  # type: ignore[arg-type]
        got = b""
        while chunk := check.read(1 << 16):
            got += chunk
        assert got == data  # the bytes themselves are untouched; the walk ended cleanly


@pytest.mark.parametrize("seed", range(2))
def test_a_cut_inside_a_frame_is_an_error_and_between_frames_is_not(seed: int) -> None:
    frames, _want = _frames(seed)
    data = b"".join(frames)
    ends = {sum(len(f) for f in frames[:k]) for k in range(len(frames) + 1)}
    rng = random.Random(seed)
    # every cut near each frame's start and end (headers, checksums), and random ones between
    cuts = {c for e in ends for c in range(e - 12, e + 12) if 0 <= c <= len(data)}
    cuts |= {rng.randrange(len(data)) for _ in range(150)}
    for cut in sorted(cuts):
        if cut in ends:
            _read_all(data[:cut], 1 << 16)  # a shorter but whole stream
            continue
        with pytest.raises((EOFError, zstandard.ZstdError)):
            _read_all(data[:cut], 1 << 16)


def test_bytes_that_are_not_a_frame_are_left_to_the_decompressor() -> None:
    # a bad magic number stops the walk: zstandard raises its own error, not a truncation
    with pytest.raises(zstandard.ZstdError):
        _read_all(b"not zstd at all, long enough to hold a header", 1 << 16)
    assert _read_all(b"", 1 << 16) == b""  # an empty file is an empty stream
