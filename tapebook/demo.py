"""``tapebook demo``: replay the bundled update stream and print what happened.

The stream (``tapebook/data/demo_stream.npz``, 1M updates, made by
``tools/make_demo_stream.py`` with :func:`tapebook.testing.streams.market_stream`)
is replayed three ways — per-op ``set``, batch ``apply`` and ``bbo_trace`` —
on fresh books; the three must agree. Then a summary of the BBO path and the
throughput of each way, measured on this machine.

Then the instrument configuration (``tapebook/data/instruments.toml``, shipped
in the package, or ``--config``) is loaded into multi-book pools of named books, and the stream
is replayed once more into one of them (``--symbol``) through a
:class:`~tapebook.Recorder`: the update log is replayed back and must give
the identical state, and the book's depth snapshots, prices in decimal and
the pool's counters are printed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from . import __version__
from .book import Book


def bundled_stream() -> SimpleNamespace:
    """The bundled stream as ``sides`` (bool), ``prices`` (int32 ticks) and ``qtys`` (uint32
    lots): equal-length arrays, in the dtypes of a 32-bit book (the file's keys)."""
    with (
        resources.as_file(resources.files("tapebook") / "data" / "demo_stream.npz") as path,
        np.load(path) as z,
    ):
        return SimpleNamespace(
            sides=z["sides"].astype(bool),
            prices=z["prices"].astype(np.int32),
            qtys=z["qtys"].astype(np.uint32),
        )


def _timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def example_config() -> Path:
    """The instrument file the demo uses, shipped in the package (``tapebook/data/instruments.toml``)."""
    return Path(str(resources.files("tapebook") / "data" / "instruments.toml"))


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="tapebook demo",
        description=(
            "Replay the bundled 1M-update stream three ways (per-op set, batch apply, bbo_trace) "
            "and check they agree; then into configured instruments through a Recorder, replay "
            "the log back and print the depth snapshots and the pool's counters. Needs no checkout."
        ),
    )
    ap.add_argument("--n", type=int, default=1024, help="tape size (default 1024)")
    ap.add_argument("--per-op", type=int, default=200_000, help="updates replayed through per-op set()")
    ap.add_argument(
        "--config",
        type=Path,
        default=None,
        help="instrument TOML (default: the package's data/instruments.toml)",
    )
    ap.add_argument("--symbol", default="TAPE-USD", help="configured instrument to replay the stream into")
    ap.add_argument(
        "--narrow", default="TAPE-USD.N64", help="a second, narrow-tape instrument for the same stream"
    )
    return ap


def main(argv: list[str]) -> int:
    ap = parser()
    args = ap.parse_args(argv)

    stream = bundled_stream()
    n_ops = len(stream.sides)
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
    return _config_demo(args, stream, batch_book)


def _config_demo(args: argparse.Namespace, stream: SimpleNamespace, reference: Book) -> int:
    """Configured instruments, a recorded replay into one of them, its log replayed back."""
    from .config import load_config
    from .persist import Recorder, RecordType, recover, replay

    venue = load_config(args.config or example_config())
    print(f"\ninstruments: {venue.summary()}")
    book, inst = venue[args.symbol], venue.instrument(args.symbol)
    chunk = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "updates.log"
        t0 = time.perf_counter()
        with Recorder({args.symbol: book}, log, snapshot_every=10, durability="buffered") as rec:
            rb = rec[args.symbol]
            for i in range(0, len(stream.sides), chunk):
                rb.apply(
                    stream.sides[i : i + chunk], stream.prices[i : i + chunk], stream.qtys[i : i + chunk]
                )
        t_rec = time.perf_counter() - t0
        size = log.stat().st_size
        t0 = time.perf_counter()
        rcv = recover(log)
        again = replay(rcv, from_start=True, verify=True).books[args.symbol]
        t_replay = time.perf_counter() - t0
    same_log = again.dumps() == book.dumps()
    same_ref = book.to_dict() == reference.to_dict()
    lost = book.stats().levels_lost + reference.stats().levels_lost
    assert same_log, "the replayed log does not rebuild the live book"
    assert same_ref or lost, "the configured book disagrees with the standalone replay"
    bp, bq, ap_, aq = book.bbo()

    def px(t: int | None) -> str:
        return "-" if t is None else str(inst.ticks_to_price(t))

    print(
        f"\nthe stream replayed into {args.symbol} ({inst.tier} tier, n={book.n}, pooled) through a Recorder:"
    )
    print(
        f"  final BBO      bid {inst.lots_to_size(bq)} @ {px(bp)}   ask {inst.lots_to_size(aq)} @ {px(ap_)}"
        f"   (tick {inst.tick_size}, lot {inst.lot_size})"
    )
    print(f"  same levels as the standalone batch replay: {'yes' if same_ref else 'no (spill caps differ)'}")
    n_cp = sum(r.type == RecordType.SNAPSHOT for r in rcv.records)
    print(
        f"  update log     {len(rcv.records) - n_cp} batch records + {n_cp} checkpoints, "
        f"{size / 1e6:.1f} MB, written in {t_rec:.2f} s; replayed from the first checkpoint with every "
        f"later checkpoint verified in {t_replay:.2f} s "
        f"({len(stream.sides) / t_replay / 1e6:.1f} M updates/s): identical state"
    )
    for k in (16, 128):
        snap = book.snapshot(k, instrument_id=inst.instrument_id, sequence=rec.seq)
        print(
            f"  depth snapshot K={k:<3} {snap.nbytes:>5,} bytes: "
            f"{snap.bid_count}{'+' if snap.bid_truncated else ''} bids, "
            f"{snap.ask_count}{'+' if snap.ask_truncated else ''} asks; best bid "
            f"{px(int(snap.bids['px'][0])) if snap.bid_count else '-'} (a numpy view, no copy)"
        )
    if args.narrow in venue:
        narrow = venue[args.narrow]
        narrow.apply(stream.sides, stream.prices, stream.qtys)
        nst = narrow.stats()
        same = narrow.to_dict() == reference.to_dict()
        assert same or nst.levels_lost, "the narrow-tape book disagrees with the standalone replay"
        print(
            f"\nthe same stream into {args.narrow} (n={narrow.n}): "
            f"{nst.bid.spill_levels + nst.ask.spill_levels} of {len(narrow)} levels in the spill, "
            f"{nst.bid.promotes + nst.ask.promotes:,} promotes, same levels: {'yes' if same else 'no'}"
        )
    print(f"\n{book.price_bits}-bit multi-book pool after the replays:")
    print(venue.pools[book.price_bits].stats().report())
    venue.close()
    return 0
