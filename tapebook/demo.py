"""``tapebook demo``: replay the bundled update stream and print what happened.

The stream (``tapebook/data/demo_stream.npz``, 1M updates, made by
``tools/make_demo_stream.py`` with :func:`tapebook.streams.market_stream`)
is replayed three ways — per-op ``set``, batch ``apply`` and ``bbo_trace`` —
on fresh books; the three must agree. Then a summary of the BBO path and the
throughput of each way, measured on this machine.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

import numpy as np

from . import __version__
from .book import Book
from .streams import Stream, load


def bundled_stream() -> Stream:
    with resources.as_file(resources.files("tapebook") / "data" / "demo_stream.npz") as path:
        return load(str(path))


def _timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="tapebook demo", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024, help="tape size (default 1024)")
    ap.add_argument("--per-op", type=int, default=200_000, help="updates replayed through per-op set()")
    args = ap.parse_args(argv)

    stream = bundled_stream().astype(32)
    n_ops = len(stream)
    mid0 = int(np.median(stream.prices[:1000]))

    def fresh() -> Book:
        b = Book(n=args.n, price_bits=32, max_cap=4096)
        b.reset(mid0 - args.n // 2)
        return b

    print(f"tapebook {__version__} demo: {n_ops:,} updates, tape n={args.n}, 32-bit prices")

    batch_book = fresh()
    results, t_apply = _timed(lambda: batch_book.apply(stream.sides, stream.prices, stream.qtys))
    trace_book = fresh()
    trace, t_trace = _timed(lambda: trace_book.bbo_trace(stream.sides, stream.prices, stream.qtys))
    k = min(args.per_op, n_ops)
    op_book = fresh()
    s, p, q = stream.sides[:k].tolist(), stream.prices[:k].tolist(), stream.qtys[:k].tolist()
    setf = op_book.set
    t0 = time.perf_counter()
    for i in range(k):
        setf(s[i], p[i], q[i])
    t_set = time.perf_counter() - t0

    # the three replays must agree
    check = fresh()
    check.apply(stream.sides[:k], stream.prices[:k], stream.qtys[:k])
    assert check.to_dict() == op_book.to_dict(), "per-op and batch replays disagree"
    assert batch_book.to_dict() == trace_book.to_dict(), "apply and bbo_trace disagree"

    bid, ask = trace["bid_px"].astype(np.int64), trace["ask_px"].astype(np.int64)
    both = (trace["bid_qty"] > 0) & (trace["ask_qty"] > 0)
    spread = (ask - bid)[both]
    crossed = int((spread <= 0).sum())
    counts = np.bincount(results + 2, minlength=5)
    st = batch_book.stats()
    bp, bq, ap_, aq = batch_book.bbo()

    print(
        "\nresult codes:  "
        + ", ".join(
            f"{name} {counts[code + 2]:,}"
            for name, code in (("INSERT", 1), ("UPDATE", 0), ("ERASE", -1), ("SPILL", -2))
        )
    )
    print(f"final BBO:     bid {bq}@{bp}   ask {aq}@{ap_}")
    print(f"best bid path: min {bid[trace['bid_qty'] > 0].min()}  max {bid[trace['bid_qty'] > 0].max()}")
    print(
        f"spread (ticks) median {np.median(spread):.0f}  p99 {np.percentile(spread, 99):.0f}  "
        f"crossed after {crossed:,} updates"
    )
    print(
        f"book:          {batch_book.depth(True):,} bid / {batch_book.depth(False):,} ask levels, "
        f"{st.bid.promotes + st.ask.promotes:,} promotes, {st.levels_lost} levels lost to spill caps, "
        f"{st.nbytes:,} bytes"
    )
    print("\nthroughput on this machine:")
    print(f"  apply      {n_ops / t_apply / 1e6:7.1f} M updates/s  ({t_apply / n_ops * 1e9:6.1f} ns/update)")
    print(f"  bbo_trace  {n_ops / t_trace / 1e6:7.1f} M updates/s  ({t_trace / n_ops * 1e9:6.1f} ns/update)")
    print(f"  set()      {k / t_set / 1e6:7.2f} M updates/s  ({t_set / k * 1e9:6.1f} ns/update, Python loop)")
    print("\nall three replays agree.")
    return 0
