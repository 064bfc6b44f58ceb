"""ITCH 5.0 file -> BBO series of one stock: tapebook's ``itch`` feed vs ``itch-book`` (PyPI,
a C++ ITCH-to-tables tool), same file, same run (tapebook without and with the final
L3Book; without it, also through the reader path the direct path replaced: a same-run A/B).

The file (``--day``) is written by ``tapebook.testing.itch_writer``: ``realistic`` (the
default; tapebook.testing.itch_market) a market-like session of one stock among three
others, its book uncrossed around a random-walking price, trades at the touch; ``random``
the tests' generator (random_day: random sides and prices, ~15 % messages of another
stock and system events; its book is crossed in 169,855 of its 169,864 rows, so neither
tool's number on it says much about a market). The crossed-row count is printed. Both
tools must give the same BBO series: tapebook writes a row per order message of the
stock, itch-book a row when the BBO changes, so tapebook's rows are reduced to their
changes before the comparison (empty sides: tapebook's int64 sentinels / itch-book's 0).

    python bench/feeds/bench_itch.py [--messages 200000] [--repeat 5] [--day realistic|random]
                                     [--tick 0.0001|0.01] [--write-file PATH]

``--tick``: tapebook's tick_size. 0.0001 (the default; the comparison every earlier number
in this docstring used) is ITCH's price unit: the replay picks a tape of 16,384 cells ($1.64;
before itch8, 4,096 cells spanned 41 cents and the realistic day's tail orders, up to 60
cents out, spilled off it). 0.01 is the tick the
stock quotes in (SEC Rule 612: a cent above $1; every price of the realistic day is whole
cents, the random day's are not): the replay then picks a tape of 1,024 cents, and its
prices are compared with itch-book's times 100. The header line says which.

Prints ns per ITCH record (all records of the file) for each, best of ``repeat`` (the tools
take turns), wall and this process's CPU time (steadier than wall on a loaded machine), the
ratios and the machine load; numbers are same-run ratios, not absolute speeds.

What is timed, on both sides: from the file's path to the BBO table in memory — reading
the file, decoding, the book, the rows (tapebook's ``r.bbo``: a row per order message of
the stock; itch-book's ``bbo`` batches joined into columns: a row per change). Reducing
tapebook's rows to their changes, which only the comparison needs, is not timed (it was
until the commit adding this paragraph: 12.6 ns per record on tapebook's side, measured
at load 8).

``--write-file PATH`` only writes the file (bench/c/bench_itch_run.c replays it in C
alone). Measured at e64132f against main e607c6f, this bench of each tree taking turns,
3 rounds, load 3.0-3.4 (CPU ns per record): tapebook 62-67 -> 51-55 (the tape spanning
40 cents, the order log's lookups, reused output mappings), with r.l3book 117-130 ->
101-107; itch-book 65-79 in the same runs: itch-book time / tapebook time 1.05-1.18 ->
1.42-1.46 CPU (1.36-1.48 wall). At 9d45c64, load 6: 57-63 -> 44-46, 0.88-0.99 -> 1.21-1.32.
The goal (3) is not met.

The realistic day, measured at 2f085f1 against main e28c482, this bench of each tree
taking turns (main realistic, branch realistic, main random, branch random; 2 rounds),
--messages 200000 --repeat 5, load 8.7-9.2 (CPU ns per record, main -> branch): realistic
day (0 crossed rows), tapebook 62, 59 -> 57, 56 (the order log no longer replaces its
order table when only its level table grows); itch-book 62-63: itch-book time /
tapebook time 1.03, 1.06 -> 1.11, 1.12 CPU; with r.l3book 0.60-0.62. Random day
(169,855 crossed rows): tapebook 50, 51 -> 51, 49; itch-book time / tapebook time
1.40-1.59 CPU on both trees. On a market-like day the two tools are about even: 3x is
far off.

The one-pass direct path (tb_itch_run.h tb__itch_run_fused; its C as at d77f672) against main e8b1a8d,
this bench of each tree taking turns, --messages 200000 --repeat 5, load 6.6-6.9 (wall 2-4x
CPU: CPU only): realistic day at tick 0.0001, tapebook 60, 62 -> 64, 62 CPU ns per record,
itch-book / tapebook 1.14, 1.07 -> 1.27, 1.07; at --tick 0.01 (one round) 51 -> 42,
1.39 -> 1.47. Not the 3x: at tick 0.0001 the C call is 456 -> 451 instructions a record
(callgrind, bench/c/bench_itch_run.c): the pass saves ~44, its prefetching ahead costs ~30.
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
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python" / "feeds"))

from test_l3_itch import random_day  # noqa: E402

from tapebook import feeds  # noqa: E402
from tapebook.testing.itch_market import market_day  # noqa: E402
from tapebook.testing.itch_writer import ItchWriter  # noqa: E402

#: tapebook's tick_size (--tick)
TICK = "0.0001"


def tapebook_bbo(path: str, max_orders: int = 0) -> np.ndarray:
    """tapebook's BBO table of the file: a row per order message of the stock (timed)."""
    r = feeds.replay(path, format="itch", tick_size=TICK, lot_size="1", symbol="AAPL", max_orders=max_orders)
    return r.bbo


def tapebook_changes(x: np.ndarray) -> np.ndarray:
    """tapebook's rows reduced to itch-book's: where the BBO changed, prices in ITCH's units,
    empty sides as 0 (not timed: only the comparison needs it)."""
    # the rows where the BBO changed (an empty side's price is always the sentinel, so the
    # raw columns change exactly where the normalised ones do), then only those normalised
    cols = [x[k] for k in ("bid_px", "bid_qty", "ask_px", "ask_qty")]
    keep = np.ones(len(x), bool)
    np.not_equal(cols[0][1:], cols[0][:-1], out=keep[1:])
    for c in cols[1:]:
        keep[1:] |= c[1:] != c[:-1]
    t = np.stack([c[keep].astype(np.int64) for c in cols], axis=1)
    t[:, (0, 2)] *= round(Decimal(TICK) / Decimal("0.0001"))
    t[t[:, 1] == 0, 0] = 0
    t[t[:, 3] == 0, 2] = 0
    return t


def reader_path_bbo(path: str) -> np.ndarray:
    """BBO only through the reader path (numpy batches to the engine), as before the
    direct path (tapebook/feeds/_itch_direct.py)."""
    os.environ["TAPEBOOK_ITCH_DIRECT"] = "0"
    try:
        return tapebook_bbo(path)
    finally:
        del os.environ["TAPEBOOK_ITCH_DIRECT"]


ITCH_BOOK = "itch-book Feed.batches(('bbo',))"


def itch_book_bbo(path: str) -> dict[str, np.ndarray]:
    """itch-book's BBO table of the file: its batches joined into columns (timed)."""
    import itch_book

    f = itch_book.Feed(path, date=dt.date(2019, 1, 30), price_type="fixed")
    cols: dict[str, list[np.ndarray]] = {}
    for b in f.batches(tables=("bbo",), symbols="AAPL"):
        for k, v in b.bbo.items():
            cols.setdefault(k, []).append(np.asarray(v))
    return {k: np.concatenate(v) for k, v in cols.items()}


def itch_book_changes(c: dict[str, np.ndarray]) -> np.ndarray:
    """itch-book's columns as the comparison's rows (not timed)."""
    return np.stack([c["bid_px"], c["bid_sz"], c["ask_px"], c["ask_sz"]], axis=1).astype(np.int64)


def crossed_rows(x: np.ndarray) -> int:
    """tapebook's rows whose book is crossed or locked (both sides present, bid >= ask)."""
    both = (x["bid_qty"] > 0) & (x["ask_qty"] > 0)
    return int((both & (x["bid_px"] >= x["ask_px"])).sum())


def day(kind: str, messages: int) -> ItchWriter:
    """The bench's file: ``realistic`` (tapebook.testing.itch_market: an uncrossed book
    around a random-walking price) or ``random`` (the tests' random_day: random sides and
    prices, crossed nearly all day)."""
    if kind == "random":
        return random_day(5, messages)[0]
    return market_day(5, messages)


def interleaved(fns: dict[str, Callable[[str], Any]], path: str, repeat: int) -> dict[str, Any]:
    """Each function ``repeat`` times, taking turns (so a change in the machine's load hits
    all of them alike): name -> (best wall s, best CPU s of this process, output)."""
    best: dict[str, Any] = {k: [float("inf"), float("inf"), None] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            out = fn(path)
            w, c = time.perf_counter() - w0, time.process_time() - c0
            best[k] = [min(best[k][0], w), min(best[k][1], c), out]
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--day", choices=("realistic", "random"), default="realistic")
    ap.add_argument("--tick", choices=("0.0001", "0.01"), default="0.0001", help="tapebook's tick_size")
    ap.add_argument("--write-file", help="only write the file there (bench/c/bench_itch_run.c's input)")
    args = ap.parse_args()
    global TICK
    TICK = args.tick
    w = day(args.day, args.messages)
    if args.write_file:
        w.write(args.write_file)
        return 0
    fns: dict[str, Callable[[str], Any]] = {
        "tapebook feeds.replay(format='itch')": tapebook_bbo,
        "the same, reader path (ITCH_DIRECT=0)": reader_path_bbo,
        "the same, also filling r.l3book": lambda p: tapebook_bbo(p, 1 << 20),
    }
    try:
        import itch_book  # noqa: F401

        fns[ITCH_BOOK] = itch_book_bbo
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "day.itch")
        w.write(path)
        n = len(w.messages)
        res = interleaved(fns, path, args.repeat)
        crossed = crossed_rows(res[next(iter(fns))][2])
    for k in res:  # the outputs as the comparison's rows, after the timing
        res[k][2] = (itch_book_changes if k == ITCH_BOOK else tapebook_changes)(res[k][2])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    print(f"ITCH file: {args.day} day, {n:,} records, {crossed:,} crossed BBO rows, tapebook at tick "
          f"{TICK}{' (ITCH units)' if TICK == '0.0001' else ' (the quote increment)'} "
          f"({platform.machine()}, Python {platform.python_version()}, commit {commit.stdout.strip()}, "
          f"load average {os.getloadavg()[0]:.2f}); best of {args.repeat}, ns per record, "
          "wall / CPU")  # fmt: skip
    ours = [k for k in fns if k != ITCH_BOOK]
    a = res[ours[0]][2]
    for k in ours[1:]:
        assert res[k][2].shape == a.shape and (res[k][2] == a).all(), k
    for k in fns:
        wall, cpu, out = res[k]
        print(f"  {k:38s} {wall / n * 1e9:6.0f} / {cpu / n * 1e9:4.0f} ({len(out):,} BBO rows)")
    if ITCH_BOOK in res:
        b = res[ITCH_BOOK][2]
        same = a.shape == b.shape and bool((a == b).all())
        ib = res[ITCH_BOOK]
        print(f"  same BBO series: {same}; itch-book time / tapebook time (goal >= 3):")
        for k in ours:
            print(f"    {k:38s} {ib[0] / res[k][0]:.2f} wall, {ib[1] / res[k][1]:.2f} CPU")
    else:
        print("  itch-book is not installed (pip install itch-book)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
