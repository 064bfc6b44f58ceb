"""In-process A/B of the Tardis replay's paths (one process, the variants alternating in
each round, so the ratios are same-run):

  reader, per message   the reader path (TAPEBOOK_TARDIS_DIRECT=0) with the C loop applying
                        message by message (Engine.per_message): the loop before traced runs
  reader, traced        the reader path with traced runs of DELTA messages (tb__feed_traced)
  direct                tb_tardis_run_block: scan + apply per block, no batches (the default)
  read + scan           feeds.read over the file (bench_feeds.py's "read + scan")

Best wall and CPU time of --repeat rounds per variant, and each variant's ratio to the
first. Generates the file as bench_feeds.py does (its generate()).

  OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/feeds/bench_tardis_direct_ab.py --rows 1000000 --repeat 9

Measured (14b7a26, 1M rows / 221k messages, best of 9, CPU time; the wall clock of a shared
2-core machine swung 2-4x): load 5.4 — reader per message 48.3 ms, traced 46.5 (0.962x),
direct 43.0 (0.890x), read + scan 36.4; load 6.3 — 48.9, 47.1 (0.964x), 43.8 (0.896x), 37.2.
The replay's time after the scan (direct - read + scan) went from ~12 ms to ~6.6 ms; what is
left is mostly the book's own work (its rows applied without any BBO in 4096-row calls took
~5-6 ms in a C harness).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_feeds import LOT, TICK, generate


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--file", default="")
    args = ap.parse_args(argv)
    from tapebook import feeds
    from tapebook.feeds import _engine

    path = Path(args.file or f"/tmp/tardis_ab_{args.rows}.csv")
    if not path.exists():
        generate(path, args.rows)
    kw = {"format": "tardis", "tick_size": TICK, "lot_size": LOT}

    def replay(direct: bool, per_message: bool):
        def run() -> None:
            os.environ["TAPEBOOK_TARDIS_DIRECT"] = "1" if direct else "0"
            _engine.Engine.per_message = per_message
            try:
                feeds.replay(path, **kw).bbo  # noqa: B018 - the rows are the work
            finally:
                _engine.Engine.per_message = False
                os.environ.pop("TAPEBOOK_TARDIS_DIRECT", None)

        return run

    def read_scan() -> None:
        for _ in feeds.read(path, **kw):
            pass

    variants = {
        "reader, per message": replay(False, True),
        "reader, traced": replay(False, False),
        "direct": replay(True, False),
        "read + scan": read_scan,
    }
    ref = feeds.replay(path, **kw)
    os.environ["TAPEBOOK_TARDIS_DIRECT"] = "0"
    other = feeds.replay(path, **kw)
    os.environ.pop("TAPEBOOK_TARDIS_DIRECT")
    assert ref.bbo.tolist() == other.bbo.tolist() and ref.stats == other.stats, "the paths differ"
    best = {k: (float("inf"), float("inf")) for k in variants}
    for _ in range(args.repeat):
        for name, fn in variants.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            best[name] = min(best[name], (time.perf_counter() - t0, time.process_time() - c0))
    load = (
        subprocess.run(["uptime"], capture_output=True, text=True).stdout.split("load average:")[-1].strip()
    )
    rows = ref.stats.rows
    print(f"{path} ({rows} rows, {ref.stats.messages} messages), best of {args.repeat}, load {load}")
    w0, c0 = best["reader, per message"]
    for name, (w, c) in best.items():
        print(
            f"  {name:22s} wall {w * 1e3:7.1f} ms ({rows / w / 1e6:5.1f} M rows/s, {w / w0:.3f}x)   "
            f"CPU {c * 1e3:7.1f} ms ({c / c0:.3f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
