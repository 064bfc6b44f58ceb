"""databento-mbo, lobster and bitstamp-l3 replays on the C order log vs the Python order log
(``TAPEBOOK_L3_C=1`` / ``=0``), same file, same run, interleaved.

The files are the tests' seeded histories (test_l3_databento.random_mbo: events of 1-4
records; test_l3_lobster.render: a message file and its orderbook file;
test_l3_bitstamp.random_flow: live_orders frames). Both paths must give the same BBO series.

    python bench/feeds/bench_l3_paths.py [--events 100000] [--repeat 3]

Prints us per record (DBN record / LOBSTER message line / Bitstamp frame) for each path, best of
``repeat``, the ratio, and the machine load: same-run ratios, not absolute speeds.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python" / "feeds"))

from test_l3_bitstamp import random_flow  # noqa: E402
from test_l3_databento import random_mbo  # noqa: E402
from test_l3_lobster import render  # noqa: E402

from tapebook import feeds  # noqa: E402
from tapebook.feeds._olog import L3_C_ENV  # noqa: E402
from tapebook.feeds.databento import MBO_DTYPE  # noqa: E402


def timed(flag: str, run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    os.environ[L3_C_ENV] = flag
    t0 = time.perf_counter()
    out = run()
    return time.perf_counter() - t0, out


def compare(name: str, n: int, run: Callable[[], np.ndarray], repeat: int) -> None:
    best = {"1": float("inf"), "0": float("inf")}
    outs = {}
    for _ in range(repeat):
        for flag in ("1", "0"):
            t, outs[flag] = timed(flag, run)
            best[flag] = min(best[flag], t)
    same = bool((outs["1"] == outs["0"]).all())  # (not tobytes: the aligned dtype has padding)
    c, py = best["1"] / n * 1e6, best["0"] / n * 1e6
    print(f"  {name:<14} {n:>9,} records  C log {c:6.2f} us/rec  Python log {py:6.2f} us/rec  "
          f"x{py / c:5.1f}  same BBO: {same}")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    print(f"L3 order log, C vs Python ({platform.machine()}, Python {platform.python_version()}, "
          f"commit {commit.stdout.strip()}, load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data, _ref, _bbo = random_mbo(1, args.events)
        path = Path(tmp) / "r.dbn"
        path.write_bytes(data)
        n = (len(data) - 8 - int.from_bytes(data[4:8], "little")) // MBO_DTYPE.itemsize  # after the metadata
        kw = dict(format="databento-mbo", tick_size="0.01", lot_size="1")
        msg, ob, rows, _book = render(1, args.events, Path(tmp))
        lob = dict(format="lobster", tick_size="0.0001", lot_size="1", snapshot=ob)
        frames, _ref, _bbo = random_flow(1, args.events)
        bts_path = Path(tmp) / "flow.jsonl"
        bts_path.write_text("\n".join(frames) + "\n")
        bts = dict(format="bitstamp-l3", tick_size="0.01", lot_size="0.00000001")
        cases = (("databento-mbo", n, path, kw), ("lobster", len(rows), msg, lob),
                 ("bitstamp-l3", len(frames), bts_path, bts))  # fmt: skip
        for extra, what in (({"max_orders": 0}, "BBO only (max_orders=0)"), ({}, "also filling r.l3book")):
            print(f" {what}:")
            for name, count, src, fmt in cases:
                run = lambda src=src, fmt=fmt, extra=extra: feeds.replay(src, **fmt, **extra).bbo  # noqa: E731
                compare(name, count, run, args.repeat)
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
