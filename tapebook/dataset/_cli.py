"""``python -m tapebook dataset INPUT... --format F (--config TOML | --tick-size T --lot-size L) --out DIR``.

Replays every input as one task (a local cluster of worker processes by
default; ``--scheduler`` uses a running Dask scheduler, ``--serial`` this
process), with a progress bar over the tasks on stderr and a summary table on
stdout. Exit status: 0 when every input is ok, 1 when one failed, 2 for bad
arguments (one line, no traceback), 130 when interrupted (run the same command
again to resume).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import TapebookError
from ..feeds._cli import add_policy_arguments, policy_kwargs
from ..feeds._formats import SPECS

#: the formats dataset.replay takes: those that need no REST snapshot per file
FORMATS = tuple(s.name for s in SPECS if not s.needs_snapshot)


def parser() -> argparse.ArgumentParser:
    formats = "\n".join(f"  {s.name:<16} {s.summary}" for s in SPECS if s.name in FORMATS)
    p = argparse.ArgumentParser(
        prog="tapebook dataset",
        description=(
            "Replay many files (one task each, on Dask distributed or in this process) into "
            "<out>/<stem>.bbo.parquet files and <out>/manifest.json. Running the same command "
            "again resumes: inputs whose outputs are complete are skipped."
        ),
        epilog=f"formats:\n{formats}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files, quoted glob patterns ('data/*.csv.gz') or a manifest.json (its inputs)",
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="the file format (listed below)")
    p.add_argument("--out", required=True, help="output directory (visible to every worker)")
    p.add_argument("--config", help="TOML instrument file: each file's instrument found by its symbol")
    p.add_argument("--tick-size", help="one price increment for every file, e.g. 0.01")
    p.add_argument("--lot-size", help="one size increment for every file, e.g. 0.00000001")
    p.add_argument("--n", type=int, default=1024, help="tape size with --tick-size (default 1024)")
    p.add_argument("--depth", type=int, default=0, help="also write the best K levels per side")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, help="worker processes of the local cluster (default: one per core)"
    )
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--serial", action="store_true", help="run every task in this process")
    p.add_argument("--chain", action="store_true", help="continue each day from the previous day's book")
    p.add_argument("--retries", type=int, default=2, help="runs of a task again after its worker died")
    p.add_argument("--force", action="store_true", help="run every input again, even those already done")
    add_policy_arguments(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from . import replay
    from ._progress import summary

    inputs = args.inputs[0] if len(args.inputs) == 1 else _expand(args.inputs)
    if inputs is None:
        return 2
    try:
        m = replay(
            inputs,
            format=args.format,
            out=args.out,
            tick_size=args.tick_size,
            lot_size=args.lot_size,
            config=args.config,
            depth=args.depth,
            engine="serial" if args.serial else "dask",
            scheduler=args.scheduler,
            workers=args.workers,
            chain=args.chain,
            retries=args.retries,
            n=args.n,
            resume=not args.force,
            progress=not args.no_progress,
            **policy_kwargs(args),
        )
    except (TapebookError, ValueError, TypeError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished inputs are in the manifest; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    print(summary(m.partitions))
    print(f"manifest: {m.path}")
    return 1 if m.failed else 0


def _expand(patterns: list[str]) -> list[str] | None:
    """Several INPUT arguments: each a path or a glob (a glob that matches nothing is an error)."""
    import glob

    paths: list[str] = []
    for pat in patterns:
        if glob.has_magic(pat):
            found = sorted(glob.glob(pat, recursive=True))
            if not found:
                print(f"error: {pat!r}: no file matches", file=sys.stderr)
                return None
            paths.extend(found)
        else:
            paths.append(pat)
    return paths
