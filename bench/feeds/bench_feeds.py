"""Feed replay benchmark (make bench-feeds): end to end file -> r.bbo (-> Parquet), where the
time goes, peak RSS, and peers on the same file.

Generates an uncompressed Tardis incremental_book_L2 CSV of --rows rows (and its .csv.gz),
then times, in one run (ratios are same-run):
  replay          feeds.replay(file) -> r.bbo, rows/s
  replay+parquet  the same with out= (rows streamed to Parquet)
  gz              the .csv.gz replay (decompressing in a background thread, and inline
                  in turn) vs bare decompression (gzip read to /dev/null)
  split           read (bytes), read + scan (the fused C scanner: parse + convert + group),
                  apply (the C loop over the reader's batches); parser="arrow" for comparison
  peers           bmoscon order-book fed row by row after the same parsing (every row), best
                  of --repeat rounds, each running our replay, our read + scan and bmoscon's
                  apply in turn (the ratio of every round is reported),
                  hftbacktest's Tardis converter on the same file (when the bench extra is installed)
Every measure is given as wall and CPU time (a shared machine inflates the wall clock).
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


def best_of(fn, repeat: int) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest of ``repeat`` runs (cpu: this process's CPU
    time, which a shared machine inflates less than the wall clock)."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        t = (time.perf_counter() - t0, time.process_time() - c0)
        best = min(best, t)
    return best


def rounds(fns: list, repeat: int) -> list[list[tuple[float, float]]]:
    """(wall, cpu) of each of ``fns`` in each of ``repeat`` rounds, the functions run in
    turn within a round (A/B in the same minutes)."""
    return [[best_of(fn, 1) for fn in fns] for _ in range(repeat)]


def alternate(fns: list, repeat: int) -> list[tuple[float, float]]:
    """best_of for each of ``fns``, run in turn ``repeat`` times (A/B in the same minutes)."""
    return [min(col) for col in zip(*rounds(fns, repeat), strict=True)]


def child_rss(path: Path) -> float:
    """Peak RSS (MB) of a replay in a fresh process: VmHWM, which exec resets
    (ru_maxrss would carry this process's own peak into the child)."""
    code = (
        "from tapebook import feeds; "
        f"r = feeds.replay({str(path)!r}, format='tardis', tick_size={TICK!r}, lot_size={LOT!r}); "
        "print([int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM')][0] / 1024)"
    )
    return float(
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/feeds")
    args = ap.parse_args(argv)
    # before numpy loads: OpenBLAS's idle threads spin (~1.7 % of a replay's perf samples,
    # tardis9) and take a core of this 2-core VM from the timed code; nothing here uses BLAS
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy as np
    import pyarrow as pa

    from tapebook import Instrument, feeds

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
    res: dict[str, tuple[float, float]] = {}
    rep = args.repeat
    res["replay (file -> r.bbo)"] = best_of(lambda: feeds.replay(csv, **kw).bbo, rep)
    res["replay, parser='arrow'"] = best_of(lambda: feeds.replay(csv, parser="arrow", **kw).bbo, 1)
    res["replay + parquet (out=)"] = best_of(lambda: feeds.replay(csv, out=out / "bbo.parquet", **kw), rep)
    from tapebook.feeds import _prefetch

    def replay_gz(threaded: bool) -> None:
        _prefetch.THREADED = threaded
        try:
            _ = feeds.replay(gz, **kw).bbo
        finally:
            _prefetch.THREADED = None

    # the two paths in turn, so that both see the same minutes of a shared machine's load
    threaded_gz, inline_gz = alternate([lambda: replay_gz(True), lambda: replay_gz(False)], rep)
    res["replay .csv.gz"] = threaded_gz
    inline_key = "replay .csv.gz, decompressing inline (one thread)"
    res[inline_key] = inline_gz
    gz_data = gz.read_bytes()

    def inflate(mod) -> None:
        d = mod.decompressobj(31)
        for i in range(0, len(gz_data), 1 << 20):
            chunk = gz_data[i : i + (1 << 20)]
            while chunk:
                d.decompress(chunk, 1 << 21)
                chunk = d.unconsumed_tail

    from tapebook.feeds._source import inflate_module

    zmod = inflate_module()
    res[f"decompress .gz alone ({zmod.__name__})"] = best_of(lambda: inflate(zmod), rep)
    res["decompress .gz alone (gzip module)"] = best_of(lambda: gzip.decompress(gz_data), rep)

    def read_bytes() -> None:
        with csv.open("rb") as f:
            while f.read(1 << 20):
                pass

    res["split: read the bytes"] = best_of(read_bytes, rep)

    def read_scan() -> None:
        for _ in feeds.read(csv, **kw):  # not kept (as a replay does not): no fresh pages per batch
            pass

    scan_key = "split: read + scan (C scanner -> batches, not kept)"
    res[scan_key] = best_of(read_scan, rep)
    batches = list(feeds.read(csv, **kw))
    inst = Instrument(tick_size=TICK, lot_size=LOT)

    def apply() -> None:
        from tapebook.feeds._engine import Engine

        spec = feeds._formats.spec("tardis")
        e = Engine(feeds.new_book(1024), spec, inst, 0, "raise", "keep", "raise", True)
        for b in batches:
            e.apply(b)

    res["split: apply (C loop over the batches)"] = best_of(apply, rep)
    rss = child_rss(csv)
    rss_gz = child_rss(gz)
    # peers, same file, same run
    peers: dict[str, object] = {}
    bmoscon_rounds: list[str] = []
    try:
        from order_book import OrderBook

        side = np.concatenate([b.side for b in batches]).tolist()
        px = np.concatenate([b.px for b in batches]).tolist()
        qty = np.concatenate([b.qty for b in batches]).tolist()

        def bmoscon() -> None:
            ob = OrderBook()
            bids, asks = ob.bids, ob.asks
            for s, p, q in zip(side, px, qty, strict=True):
                book = bids if s else asks
                if q:
                    book[p] = q
                elif p in book:
                    del book[p]

        # steady state like ours: best of --repeat, each round running our replay, our
        # read + scan and bmoscon's apply in turn (the same minutes of a shared machine)
        per_round = rounds([lambda: feeds.replay(csv, **kw).bbo, read_scan, bmoscon], rep)
        bmoscon_key = "peer: bmoscon order-book, row by row (apply only, after our parse)"
        res[bmoscon_key] = min(r[2] for r in per_round)
        bmoscon_rounds = [
            f"{(s[0] + b[0]) / ours[0]:.2f}x wall, {(s[1] + b[1]) / ours[1]:.2f}x CPU"
            for ours, s, b in per_round
        ]
    except ImportError:
        peers["order-book"] = "not installed (pip install order-book)"
    try:
        from hftbacktest.data.utils import tardis as hbt_tardis

        def hbt() -> None:
            hbt_tardis.convert([str(csv)], output_filename=str(out / "hbt.npz"))

        res["peer: hftbacktest tardis.convert, first call"] = best_of(hbt, 1)
        res["peer: hftbacktest tardis.convert, steady"] = best_of(hbt, max(1, rep - 1))
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
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    meta["load"] = uptime.split("load average:")[-1].strip()
    (out / "bench_feeds.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "seconds": res,
                "peers": peers,
                "bmoscon_rounds": bmoscon_rounds,
                "rss_mb": rss,
                "rss_gz_mb": rss_gz,
            },
            indent=2,
        )
    )

    def ratio(a: str, b: str) -> str:
        """res[a] / res[b], wall and CPU."""
        return f"{res[a][0] / res[b][0]:.2f}x wall, {res[a][1] / res[b][1]:.2f}x CPU"

    # the peers in steady state; bmoscon's time is its apply only, so our parse goes in front
    ours, scan = res["replay (file -> r.bbo)"], res[scan_key]
    peer_lines = []
    for k, (w, c) in res.items():
        if not k.startswith("peer:") or "first call" in k:
            continue
        note = ""
        if "bmoscon" in k:
            w, c, note = w + scan[0], c + scan[1], " + our parse"
        peer_lines.append(
            f"- {k.removeprefix('peer: ')}{note} takes {w / ours[0]:.2f}x the replay's wall time, "
            f"{c / ours[1]:.2f}x its CPU time"
        )
    lines_md = [
        "# Feed replay benchmark (tardis incremental_book_L2)",
        "",
        *(f"- {k}: {v}" for k, v in meta.items()),
        "",
        f"| measure | wall s (best of {args.repeat}) | wall rows/s | CPU s | CPU rows/s |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {k} | {w:.3f} | {rows / w / 1e6:.2f} M | {c:.3f} | {rows / c / 1e6:.2f} M |"
            for k, (w, c) in res.items()
        ),
        "",
        f"- .csv.gz replay / bare decompression ({zmod.__name__}): "
        + ratio("replay .csv.gz", f"decompress .gz alone ({zmod.__name__})")
        + " (decompressing in a background thread: a wall-clock gain needs a free core;"
        + f" load {meta['load']})",
        "- the same, decompressing inline (one thread): "
        + ratio(inline_key, f"decompress .gz alone ({zmod.__name__})"),
        "- .csv.gz replay / Python's gzip module decompressing alone: "
        + ratio("replay .csv.gz", "decompress .gz alone (gzip module)"),
        f"- peak RSS of a replay (child process, VmHWM): {rss:.0f} MB .csv, {rss_gz:.0f} MB .csv.gz",
        *peer_lines,
        *(
            [f"- bmoscon + our read + scan over our replay, each round: {'; '.join(bmoscon_rounds)}"]
            if bmoscon_rounds
            else []
        ),
        *(f"- {k}: {v}" for k, v in peers.items()),
    ]
    (out / "bench_feeds.md").write_text("\n".join(lines_md) + "\n")
    print("\n".join(lines_md))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
