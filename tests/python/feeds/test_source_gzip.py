"""The gzip stream of feeds sources (_source._Inflate: zlib in large blocks) against
Python's gzip module: the same bytes for one member, several members, zero padding
between and after members, any read size; truncated and corrupt data are
FeedErrors naming the file; and a replay's peak memory stays bounded on a file
much larger than a block."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from tapebook.feeds import FeedError
from tapebook.feeds._source import Source, _Inflate

MODULES = [zlib]
try:
    from isal import isal_zlib

    MODULES.append(isal_zlib)
except ImportError:  # pragma: no cover - isal is in the feeds extra
    pass


@pytest.fixture(params=MODULES, ids=lambda m: m.__name__)
def zmod(request: pytest.FixtureRequest) -> Any:
    return request.param


def _read_all(data: bytes, size: int, zmod: Any = zlib) -> bytes:
    f = _Inflate(io.BytesIO(data), zmod)
    out = bytearray()
    buf = bytearray(size)
    while n := f.readinto(buf):
        out += buf[:n]
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_same_bytes_as_the_gzip_module(seed: int, zmod: Any) -> None:
    rng = random.Random(seed)
    members = [rng.randbytes(rng.randint(0, 100_000)) + b"a\n" * rng.randint(0, 50_000) for _ in range(3)]
    data = b"".join(
        gzip.compress(m, compresslevel=rng.randint(1, 9)) + b"\0" * rng.choice([0, 0, 3, 600])
        for m in members
    )
    want = gzip.decompress(data)
    assert want == b"".join(members)
    for size in (997, 65536, 1 << 20):
        assert _read_all(data, size, zmod) == want
    small = gzip.compress(b"x,y\n" * 500) + gzip.compress(b"z\n" * 300)
    assert _read_all(small, 1, zmod) == b"x,y\n" * 500 + b"z\n" * 300  # byte by byte


def test_empty_and_padding_only_streams(zmod: Any) -> None:
    assert _read_all(b"", 100, zmod) == b""
    assert _read_all(gzip.compress(b""), 100, zmod) == b""
    assert _read_all(gzip.compress(b"x") + b"\0" * 10, 100, zmod) == b"x"


def test_truncated_and_corrupt_gzip_are_feed_errors(tmp_path: Path) -> None:
    raw = b"exchange,symbol\n" * 10_000
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(raw)[:-20])
    with pytest.raises(FeedError, match=r"t\.csv\.gz.*(truncated|ended)"):
        list(Source(p).chunks())
    p.write_bytes(b"\x1f\x8bnot gzip at all" * 10)
    with pytest.raises(FeedError, match=r"t\.csv\.gz.*corrupt"):
        list(Source(p).chunks())


def peak_growth_mb(path: Path, out: Path) -> tuple[int, float]:
    """(rows, peak RSS growth in MB) of a replay streaming to Parquet, in a fresh process."""
    code = (
        "from tapebook import feeds\n"
        "def hwm():  # peak RSS of this process (VmHWM: exec resets it, unlike ru_maxrss)\n"
        "    return [int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM')][0]\n"
        "before = hwm()\n"
        f"r = feeds.replay({str(path)!r}, format='tardis', tick_size='0.25', lot_size='0.1',\n"
        f"                 out={str(out)!r})\n"
        "print(r.stats.rows, (hwm() - before) / 1024)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(res[0]), float(res[1])


def growth_with_file_size(tmp_path: Path, suffix: str) -> dict[int, float]:
    """Peak RSS growth (MB) of replays of ~33 MB and of ~200 MB of CSV (1M and 6M rows;
    gzip-compressed when ``suffix`` ends in .gz), by the body's repeats (50, 300)."""
    head = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
    snap = "".join(
        f"b,X,1,1,true,{s},{100 + (i if s == 'ask' else -i - 1)}.25,1.5\n"
        for s in ("bid", "ask")
        for i in range(50)
    )
    body = "".join(f"b,X,{t},{t},false,bid,{90 + t % 9}.5,{t % 5}\n" for t in range(2, 20_002))
    growth = {}
    for reps in (50, 300):
        p = tmp_path / f"f{reps}{suffix}"
        with gzip.open(p, "wt", compresslevel=1) if suffix.endswith(".gz") else p.open("w") as f:
            f.write(head + snap)
            for _ in range(reps):
                f.write(body)
        rows, growth[reps] = peak_growth_mb(p, tmp_path / "o.parquet")
        assert rows == 100 + reps * 20_000
        p.unlink()
    return growth


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_replay_memory_stays_bounded(tmp_path: Path) -> None:
    """A ~200 MB CSV (as .csv.gz) replays in the same peak memory as a ~30 MB one:
    what the replay holds does not grow with the file (the constant part is pyarrow's
    Parquet writer and the imports)."""
    growth = growth_with_file_size(tmp_path, ".csv.gz")
    assert growth[300] - growth[50] < 40, f"peak RSS growth {growth} MB: it grows with the file"
