"""A/B of ``MatchingEngine.submit``, one call per order, in one process: an older commit's
``tapebook/matching.py`` (``git show``, loaded as a second module of this tree's package,
so it must still fit this tree's native module) against this tree's, alternating run by
run on bench_match_py's flow; both must end with the same engine (``dumps``). Prints the
best of --reps for each and their ratio, with int sides and with "bid"/"ask" names.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_match_py import flow

import tapebook.matching as new


def old_module(commit: str) -> ModuleType:
    src = subprocess.run(
        ["git", "show", f"{commit}:tapebook/matching.py"], check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "matching_old.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("tapebook._matching_old", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(mod: ModuleType, cols: list[list[Any]], calls: int) -> tuple[float, bytes]:
    e = mod.MatchingEngine(max_orders=calls + 16, anchor=100_000 - 512)
    submit = e.submit
    t0 = time.perf_counter()
    for oid, side, px, qty, owner, tif in zip(*cols, strict=True):
        submit(oid, side, px, qty, tif, owner)
    return time.perf_counter() - t0, e.dumps()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--old", default="main", help="the commit to compare against")
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    old = old_module(args.old)
    g = flow(args.calls, 43)
    ids, sides, prices, qtys, owners = (g[k].tolist() for k in ("ids", "sides", "prices", "qtys", "owners"))
    tifs = ["gtc" if t == 0 else "ioc" for t in g["tifs"].tolist()]
    names = ["bid" if s else "ask" for s in sides]
    for label, side_col in (("int sides", sides), ("'bid'/'ask'", names)):
        cols = [ids, side_col, prices, qtys, owners, tifs]
        best = {"old": float("inf"), "new": float("inf")}
        dumps = {}
        for _ in range(args.reps):
            for key, mod in (("old", old), ("new", new)):
                dt, dumps[key] = run(mod, cols, args.calls)
                best[key] = min(best[key], dt)
            assert dumps["old"] == dumps["new"], "the two builds ended with different engines"
        print(
            f"{label}: {args.old} {1e9 * best['old'] / args.calls:.0f} ns/call, "
            f"this tree {1e9 * best['new'] / args.calls:.0f} ns/call, "
            f"new/old {best['new'] / best['old']:.3f} (load average {os.getloadavg()})"
        )


if __name__ == "__main__":
    main()
