"""ITCH 5.0 file -> BBO series of one stock: tapebook's ``itch`` feed vs ``itch-book`` (PyPI,
a C++ ITCH-to-tables tool), same file, same run (tapebook without and with the final L3Book).

The file is a seeded order flow written by ``tapebook.testing.itch_writer`` (the tests'
generator: one stock with ~15 % messages of another stock and system events). Both
tools must give the same BBO series: tapebook writes a row per order message of the
stock, itch-book a row when the BBO changes, so tapebook's rows are reduced to their
changes before the comparison (empty sides: tapebook's int64 sentinels / itch-book's 0).

    python bench/feeds/bench_itch.py [--messages 200000] [--repeat 3]

Prints ns per ITCH record (all records of the file) for each, best of ``repeat``, the
ratio, and the machine load; numbers are same-run ratios, not absolute speeds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python" / "feeds"))

from test_l3_itch import random_day  # noqa: E402

from tapebook import feeds  # noqa: E402


def tapebook_bbo(path: str, max_orders: int = 0) -> np.ndarray:
    r = feeds.replay(
        path, format="itch", tick_size="0.0001", lot_size="1", symbol="AAPL", max_orders=max_orders
    )
    x = r.bbo
    # the rows where the BBO changed (an empty side's price is always the sentinel, so the
    # raw columns change exactly where the normalised ones do), then only those normalised
    cols = [x[k] for k in ("bid_px", "bid_qty", "ask_px", "ask_qty")]
    keep = np.ones(len(x), bool)
    np.not_equal(cols[0][1:], cols[0][:-1], out=keep[1:])
    for c in cols[1:]:
        keep[1:] |= c[1:] != c[:-1]
    t = np.stack([c[keep].astype(np.int64) for c in cols], axis=1)
    t[t[:, 1] == 0, 0] = 0
    t[t[:, 3] == 0, 2] = 0
    return t


def itch_book_bbo(path: str) -> np.ndarray:
    import itch_book

    f = itch_book.Feed(path, date=dt.date(2019, 1, 30), price_type="fixed")
    cols: dict[str, list[np.ndarray]] = {}
    for b in f.batches(tables=("bbo",), symbols="AAPL"):
        for k, v in b.bbo.items():
            cols.setdefault(k, []).append(np.asarray(v))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    return np.stack([c["bid_px"], c["bid_sz"], c["ask_px"], c["ask_sz"]], axis=1).astype(np.int64)


def best_of(fn, path: str, repeat: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(path)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    w, _ref, _bbo = random_day(5, args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "day.itch")
        w.write(path)
        n = len(w.messages)
        t_tb, a = best_of(tapebook_bbo, path, args.repeat)
        t_l3, a3 = best_of(lambda p: tapebook_bbo(p, 1 << 20), path, args.repeat)
        assert (a3 == a).all()
        try:
            t_ib, b = best_of(itch_book_bbo, path, args.repeat)
        except ImportError:
            t_ib, b = float("nan"), None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    print(f"ITCH file: {n:,} records ({platform.machine()}, Python {platform.python_version()}, "
          f"commit {commit.stdout.strip()}, load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"  tapebook feeds.replay(format='itch')  {t_tb / n * 1e9:8.0f} ns/rec ({len(a):,} BBO changes)")
    print(f"  the same, also filling r.l3book       {t_l3 / n * 1e9:8.0f} ns/rec")
    if b is not None:
        same = a.shape == b.shape and bool((a == b).all())
        print(f"  itch-book Feed.batches(('bbo',))      {t_ib / n * 1e9:8.0f} ns/rec ({len(b):,} BBO rows)")
        print(f"  same BBO series: {same}; tapebook / itch-book time: {t_tb / t_ib:.1f}x")
    else:
        print("  itch-book is not installed (pip install itch-book)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
