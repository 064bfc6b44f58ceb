"""Feed replay benchmark (make bench-feeds): end to end file -> r.bbo (-> Parquet), where the
time goes, peak RSS, and peers on the same file.

Generates an uncompressed Tardis incremental_book_L2 CSV of --rows rows (and its .csv.gz),
then times, in one run (ratios are same-run):
  replay          feeds.replay(file) -> r.bbo, rows/s
  replay+parquet  the same with out= (rows streamed to Parquet)
  gz              the .csv.gz replay vs bare decompression (gzip read to /dev/null)
  split           read (bytes), parse (pyarrow CSV, strings), convert (C decimal columns),
                  apply (the C loop over the reader's batches)
  peers           bmoscon order-book fed row by row after the same parsing (a sample),
                  hftbacktest's Tardis converter (when installed; --peers)
Peak RSS of a replay is measured in a child process. Writes a markdown report with the
machine, compiler and commit beside the numbers.

  .venv/bin/python bench/feeds/bench_feeds.py --rows 3000000 --out bench/out/feeds
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

TICK, LOT = "0.01", "0.00000001"


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic-looking stream: a 500-level snapshot, then messages of 1-8 rows
    around a random-walking mid, 30 % deletes, a snapshot every ~200k rows."""
    rnd = random.Random(seed)
    mid = 6_500_000
    out = ["exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"]
    n, t = 0, 1_700_000_000_000_000
    next_snap = 0
    while n < rows:
        t += rnd.randint(50, 5000)
        if n >= next_snap:
            for i in range(500):
                for side, px in (("bid", mid - 1 - i), ("ask", mid + i)):
                    amt = f"{rnd.randint(1, 10**8) / 1e8:.8f}"
                    out.append(f"binance,BTCUSDT,{t},{t + 90},true,{side},{px // 100}.{px % 100:02d},{amt}\n")
            n += 1000
            next_snap = n + 200_000
            continue
        for _ in range(rnd.randint(1, 8)):
            bid = rnd.random() < 0.5
            off = int(rnd.expovariate(0.05))
            px = mid - 1 - off if bid else mid + off
            amt = "0" if rnd.random() < 0.3 else f"{rnd.randint(1, 10**9) / 1e8:.8f}"
            sd = "bid" if bid else "ask"
            out.append(f"binance,BTCUSDT,{t},{t + 90},false,{sd},{px // 100}.{px % 100:02d},{amt}\n")
            n += 1
        mid += rnd.randint(-2, 2)
        if len(out) > 100_000:
            with path.open("a") as f:
                f.writelines(out)
            out = []
    with path.open("a") as f:
        f.writelines(out)


def best_of(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def child_rss(path: Path) -> float:
    code = (
        "import resource, sys; from tapebook import feeds; "
        f"r = feeds.replay({str(path)!r}, format='tardis', tick_size={TICK!r}, lot_size={LOT!r}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    return float(
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/feeds")
    ap.add_argument("--peer-rows", type=int, default=200_000, help="rows fed to order-book row by row")
    args = ap.parse_args(argv)
    import numpy as np
    import pyarrow as pa

    from tapebook import Instrument, feeds
    from tapebook.feeds import tardis

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / f"tardis_{args.rows}.csv"
    if not csv.exists():
        generate(csv, args.rows)
    gz = csv.with_suffix(".csv.gz")
    if not gz.exists():
        with csv.open("rb") as f, gzip.open(gz, "wb", compresslevel=6) as g:
            shutil.copyfileobj(f, g, 1 << 20)
    kw = {"format": "tardis", "tick_size": TICK, "lot_size": LOT}
    r = feeds.replay(csv, **kw)
    rows = r.stats.rows + r.stats.skipped
    res: dict[str, float] = {}
    res["replay_s"] = best_of(lambda: feeds.replay(csv, **kw).bbo, args.repeat)
    res["replay_parquet_s"] = best_of(lambda: feeds.replay(csv, out=out / "bbo.parquet", **kw), args.repeat)
    res["gz_replay_s"] = best_of(lambda: feeds.replay(gz, **kw).bbo, args.repeat)

    def gunzip() -> None:
        with gzip.open(gz, "rb") as f:
            while f.read(1 << 20):
                pass

    res["gz_decompress_s"] = best_of(gunzip, args.repeat)

    def read_bytes() -> None:
        with csv.open("rb") as f:
            while f.read(1 << 20):
                pass

    res["read_s"] = best_of(read_bytes, args.repeat)
    lines = tardis._Lines()

    def parse() -> list:
        with csv.open("rb") as f:
            return list(tardis._csv_batches(f, str(csv), lines, tardis.INCREMENTAL_COLUMNS))

    res["parse_s"] = best_of(parse, args.repeat)
    rbs = parse()
    inst = Instrument(tick_size=TICK, lot_size=LOT)

    def convert() -> None:
        for rb in rbs:
            inst.prices_to_ticks(rb.column("price"))
            inst.sizes_to_lots(rb.column("amount"))

    res["convert_s"] = best_of(convert, args.repeat)
    batches = list(feeds.read(csv, **kw))

    def apply() -> None:
        from tapebook import Book
        from tapebook.feeds._engine import Engine

        spec = feeds._formats.spec("tardis")
        e = Engine(
            Book(n=1024, price_bits=64, max_cap=1 << 20), spec, inst, 0, "raise", "keep", "raise", True
        )
        for b in batches:
            e.apply(b)

    res["apply_s"] = best_of(apply, args.repeat)
    res["rss_mb"] = child_rss(csv)
    # peers: bmoscon order-book fed row by row from the same parsed columns
    peers: dict[str, object] = {}
    try:
        from order_book import OrderBook

        sample = batches[0]
        n = min(args.peer_rows, sample.n_rows)
        side, px, qty = sample.side[:n].tolist(), sample.px[:n].tolist(), sample.qty[:n].tolist()

        def bmoscon() -> None:
            ob = OrderBook()
            bids, asks = ob.bids, ob.asks
            for s, p, q in zip(side, px, qty, strict=True):
                book = bids if s else asks
                if q:
                    book[p] = q
                elif p in book:
                    del book[p]

        peers["order-book rows/s (apply only, row by row)"] = n / best_of(bmoscon, args.repeat)
    except ImportError:
        peers["order-book"] = "not installed (pip install order-book)"
    try:
        from hftbacktest.data.utils import tardis as hbt_tardis

        t0 = time.perf_counter()
        hbt_tardis.convert([str(csv)], output_filename=str(out / "hbt.npz"))
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        hbt_tardis.convert([str(csv)], output_filename=str(out / "hbt.npz"))
        peers["hftbacktest tardis.convert rows/s (first call)"] = rows / first
        peers["hftbacktest tardis.convert rows/s (second call)"] = rows / (time.perf_counter() - t0)
    except Exception as e:  # not installed or its API moved: say so, do not guess a number
        peers["hftbacktest"] = f"not measured: {type(e).__name__}: {e}"[:200]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    cc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    meta = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.platform()}",
        "python": sys.version.split()[0],
        "compiler": cc,
        "commit": commit,
        "pyarrow": pa.__version__,
        "numpy": np.__version__,
        "rows": rows,
        "messages": r.stats.messages,
        "csv_mb": csv.stat().st_size / 1e6,
        "gz_mb": gz.stat().st_size / 1e6,
    }
    (out / "bench_feeds.json").write_text(
        json.dumps({"meta": meta, "seconds": res, "peers": peers}, indent=2)
    )
    lines_md = [
        "# Feed replay benchmark (tardis incremental_book_L2)",
        "",
        *(f"- {k}: {v}" for k, v in meta.items()),
        "",
        f"| measure | seconds (best of {args.repeat}) | rows/s |",
        "| --- | ---: | ---: |",
        *(f"| {k[:-2]} | {v:.3f} | {rows / v / 1e6:.2f} M |" for k, v in res.items() if k.endswith("_s")),
        "",
        f"- gz replay / bare decompression: {res['gz_replay_s'] / res['gz_decompress_s']:.2f}x",
        f"- peak RSS of a replay (child process): {res['rss_mb']:.0f} MB",
        *(f"- {k}: {v:,.0f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in peers.items()),
    ]
    (out / "bench_feeds.md").write_text("\n".join(lines_md) + "\n")
    print("\n".join(lines_md))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
