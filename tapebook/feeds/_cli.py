"""``python -m tapebook feed FILE --format F --tick-size T --lot-size L ...``: replay a venue file.

Prints the FeedStats summary (and where the BBO went); exit status 0 when the
replay completed, 1 when it stopped (or a gap / checksum failure raised under
--on-gap raise), 2 for bad arguments or an unreadable file. Errors are one line
(path:line: reason), never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import ChecksumError, FeedError, GapError, TapebookError
from ._formats import SPECS
from ._reader import ON_CROSSED, ON_ERROR, ON_GAP


def parser() -> argparse.ArgumentParser:
    formats = "\n".join(f"  {s.name:<16} {s.summary}" for s in SPECS)
    p = argparse.ArgumentParser(
        prog="tapebook feed",
        description="Replay a venue data file into a book; print what happened.",
        epilog=f"formats:\n{formats}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="the data file(s); several are one stream")
    p.add_argument(
        "--format", required=True, choices=[s.name for s in SPECS], help="the file format (listed below)"
    )
    p.add_argument("--tick-size", required=True, help="price increment, e.g. 0.01")
    p.add_argument("--lot-size", required=True, help="size increment, e.g. 0.00000001")
    p.add_argument(
        "--snapshot",
        help="the REST book file (binance, binance-futures, bitstamp); lobster: its orderbook file",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a format option (repeatable): symbol=AAPL / stock_locate=13 (itch), "
        "instrument_id=7 (databento), symbol=btcusd (JSON venues); integers are passed as int",
    )
    p.add_argument("--depth", type=int, default=0, help="record the best K levels per side (default 0)")
    p.add_argument("--out", help="write the BBO (and depth) rows to this Parquet file")
    p.add_argument("--plot", help="draw the BBO (and depth) into this image file")
    add_policy_arguments(p)
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    return p


def add_policy_arguments(p: argparse.ArgumentParser) -> None:
    """The replay policies, shared by ``tapebook feed`` and ``tapebook dataset``."""
    p.add_argument(
        "--on-gap",
        choices=ON_GAP,
        default="raise",
        help="a sequence gap: raise, or resync at the next snapshot",
    )
    p.add_argument(
        "--on-crossed", choices=ON_CROSSED, default="keep", help="a crossed book: keep it (flagged) or raise"
    )
    p.add_argument(
        "--on-error", choices=ON_ERROR, default="raise", help="an unparsable message: raise, or skip it"
    )
    p.add_argument("--no-checksum", action="store_true", help="do not verify venue checksums")


def policy_kwargs(args: argparse.Namespace) -> dict[str, object]:
    """The keyword arguments of ``replay`` that :func:`add_policy_arguments` parsed."""
    return {
        "on_gap": args.on_gap,
        "on_crossed": args.on_crossed,
        "on_error": args.on_error,
        "checksum": not args.no_checksum,
    }


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from . import replay

    source = args.files[0] if len(args.files) == 1 else args.files
    options: dict[str, object] = {}
    for item in args.option:
        key, eq, value = item.partition("=")
        if not eq or not key:
            print(f"error: --option {item!r} must be KEY=VALUE", file=sys.stderr)
            return 2
        options[key] = int(value) if value.lstrip("-").isdigit() else value
    try:
        r = replay(
            source,
            format=args.format,
            tick_size=args.tick_size,
            lot_size=args.lot_size,
            snapshot=args.snapshot,
            depth=args.depth,
            progress=not args.no_progress and sys.stderr.isatty(),
            out=args.out,
            **policy_kwargs(args),
            **options,
        )
        if args.plot:
            r.plot(args.plot)
    except (GapError, ChecksumError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (FeedError, TapebookError, ImportError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.format}: {r.status}")
    print(r.stats.summary())
    for name, count in sorted(getattr(r, "l3_counts", {}).items()):  # order-level formats
        print(f"  {name:<17} {count:>14,}")
    if args.out:
        print(f"BBO rows written to {args.out}")
    if r.status != "complete":
        print(f"stopped: {r.stop_reason}", file=sys.stderr)
        return 1
    return 0
