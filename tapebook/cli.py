"""Command line: ``python -m tapebook <command>`` (or the ``tapebook`` script).

Commands:
  demo     replay the bundled update stream and print the BBO summary
  fuzz     differential fuzzing against the reference model (tapebook.testing)
  replay   re-run a saved failing fuzz stream
  dataset  replay many venue files as tasks on Dask distributed (see --help)
  bench    benchmarks and the markdown report; needs a source checkout
           (it runs the checkout's bench/report.py, see bench/python/README.md)
  info     version, build flags, variant sizes
  feed     replay a venue data file (Tardis, Binance, ... see --help)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

# command -> (module, function); modules are imported only when used
COMMANDS = {
    "demo": ("tapebook.demo", "main"),
    "fuzz": ("tapebook.testing.fuzz", "main"),
    "replay": ("tapebook.testing.fuzz", "replay_main"),
    "dataset": ("tapebook.dataset._cli", "main"),
    "bench": ("tapebook.cli", "bench_main"),
    "info": ("tapebook.cli", "info_main"),
    "feed": ("tapebook.feeds._cli", "main"),
}


def info_main(argv: list[str]) -> int:
    """Print the version, how the C module was built and every variant's size."""
    from . import __version__
    from . import _native as nat

    print(f"tapebook {__version__}")
    print(f"C module: {nat.build_info()}")
    from .book import HOTPATH_UNAVAILABLE

    why = HOTPATH_UNAVAILABLE
    print(f"per-call fast path (tapebook._hotpath): {'off: ' + why if why else 'on'}")
    print("book variants (bytes, malloc-backed, empty spill):")
    for _key, v in sorted(nat.BOOKS.items()):
        print(f"  {v.c_name:<20} {v.nbytes:>7}")
    for _bits, pv in sorted(nat.POOLS.items()):
        print(f"  {pv.family.pool_c:<20} {pv.nbytes:>7}  (+{pv.level_bytes} bytes per arena level)")
    return 0


def bench_main(argv: list[str]) -> int:
    """Run ``bench/report.py`` of the source checkout this package is in (else the cwd's).

    The report generator is not part of the package: it drives the C harness
    and the peers' benchmarks, which only a checkout has."""
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        script = root / "bench" / "report.py"
        if script.is_file():
            break
    else:
        print(
            "tapebook bench: needs a source checkout (bench/report.py was not found next to the "
            "package or in the current directory); see bench/python/README.md",
            file=sys.stderr,
        )
        return 2
    spec = importlib.util.spec_from_file_location("tapebook_bench_report", script)
    assert spec is not None and spec.loader is not None
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    return int(report.main(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd not in COMMANDS:
        print(f"unknown command {cmd!r}; try: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module, func = COMMANDS[cmd]
    return int(getattr(importlib.import_module(module), func)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
