"""The ``tapebook`` command (also ``python -m tapebook``): one table of sub-commands.

Every sub-command parses its own arguments with argparse; this module picks the
command, prints the usage when there is none, and turns the errors a user can
cause (a missing file, a bad log, a closed pipe, Ctrl-C) into one line and an
exit status instead of a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import TapebookError


@dataclass(frozen=True)
class Command:
    """One sub-command: where its ``main(argv)`` and ``parser()`` live, and its line in the usage."""

    module: str
    summary: str
    parser: str | None = "parser"  #: the function returning its argparse parser (None: no options)


#: the sub-commands, in the order the usage lists them; modules are imported only when used
COMMANDS: dict[str, Command] = {
    "demo": Command("tapebook.demo", "replay the bundled update stream and print what happened"),
    "info": Command("tapebook.cli", "version, build flags and the size of every book variant", None),
    "feed": Command("tapebook.feeds._cli", "replay a venue data file (Tardis CSV, JSON captures)"),
    "dataset": Command("tapebook.dataset._cli", "replay many venue files as tasks on Dask distributed"),
    "log": Command("tapebook._logcmd", "summarise, repair or replay an update log (tapebook.Recorder)"),
    "fuzz": Command(
        "tapebook.testing.fuzz", "differential fuzzing against the reference model; --replay FILE"
    ),
    "bench": Command(
        "tapebook.cli", "benchmarks and their report (needs a source checkout: bench/report.py)", None
    ),
}
#: where the main function of a command that is not called ``main`` lives
_MAINS = {"info": "info_main", "bench": "bench_main"}
#: commands that moved: old name -> the message pointing to the new one
_MOVED = {
    "replay": "a saved fuzz stream is `tapebook fuzz --replay FILE`; an update log is `tapebook log FILE`",
}
#: exit status of a command interrupted by Ctrl-C (128 + SIGINT), as a shell reports it
EXIT_INTERRUPTED = 130
#: exit status for bad arguments (argparse's)
EXIT_USAGE = 2


def usage() -> str:
    """What a bare ``tapebook`` (or ``tapebook --help``) prints."""
    width = max(map(len, COMMANDS))
    lines = ["usage: tapebook <command> [options]    (or: python -m tapebook <command> ...)", "", "commands:"]
    lines += [f"  {name:<{width}}  {c.summary}" for name, c in COMMANDS.items()]
    lines += [
        "",
        "`tapebook <command> --help` describes a command's options.",
        "`tapebook --cflags` prints the compiler flags to build C or C++ against the bundled headers.",
    ]
    return "\n".join(lines)


def info_main(argv: list[str]) -> int:
    """Print the version, how the C module was built and every variant's size."""
    if argv:
        print(f"tapebook info: takes no arguments, got {' '.join(argv)}", file=sys.stderr)
        return EXIT_USAGE
    from . import __version__, get_include
    from . import _native as nat

    print(f"tapebook {__version__}")
    print(f"C module: {nat.build_info()}")
    print(f"C headers: {get_include()}")
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
        return EXIT_USAGE
    spec = importlib.util.spec_from_file_location("tapebook_bench_report", script)
    assert spec is not None and spec.loader is not None
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    return int(report.main(argv) or 0)


def _run(cmd: str, argv: list[str]) -> int:
    c = COMMANDS[cmd]
    func = getattr(importlib.import_module(c.module), _MAINS.get(cmd, "main"))
    return int(func(argv) or 0)


def _quiet_stdout() -> None:
    # the reader went away (`tapebook info | head`): later writes, including the
    # interpreter's final flush, go nowhere instead of raising again
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Run ``tapebook <command> ...``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(usage(), file=sys.stderr)
        return EXIT_USAGE
    cmd, rest = args[0], args[1:]
    try:
        if cmd in ("-h", "--help", "help"):
            print(usage())
            return 0
        if cmd == "--cflags":
            from . import get_include

            print(f"-I{get_include()}")
            return 0
        if cmd == "--version":
            from . import __version__

            print(f"tapebook {__version__}")
            return 0
        if cmd in _MOVED:
            print(f"tapebook {cmd}: this command moved: {_MOVED[cmd]}", file=sys.stderr)
            return EXIT_USAGE
        if cmd not in COMMANDS:
            print(f"tapebook: unknown command {cmd!r}\n\n{usage()}", file=sys.stderr)
            return EXIT_USAGE
        status = _run(cmd, rest)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"tapebook {cmd}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (OSError, TapebookError) as e:
        # a user's mistake (a missing file, a file of the wrong kind, a bad value): the
        # exception's message names the file or the argument; anything else is a bug
        # and keeps its traceback
        print(f"tapebook {cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
