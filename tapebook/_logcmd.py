"""``tapebook log FILE``: summarise, check, repair and replay an update log
written by a Recorder (the persist package's recover / repair / replay)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from .errors import FormatError
from .matching import MatchingEngine
from .persist import Checkpoint, RecordType, Recovery, recover, repair, replay


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tapebook log",
        description=(
            "Summarise an update log written by tapebook.Recorder: its status (clean, torn "
            "or corrupt), its records by type and its books. With --replay, rebuild the books "
            "from the log and print each one's best bid and ask."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the update log (starts with TBLOGv1)")
    p.add_argument(
        "--replay", action="store_true", help="rebuild the books (last checkpoint + the records after it)"
    )
    p.add_argument(
        "--from-start", action="store_true", help="with --replay: start from the first checkpoint instead"
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="with --replay: check the state against every later checkpoint (implies --from-start)",
    )
    p.add_argument(
        "--levels",
        type=int,
        default=0,
        metavar="K",
        help="with --replay: also print the best K levels a side",
    )
    p.add_argument(
        "--repair", action="store_true", help="truncate a torn tail (an interrupted write) in place"
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="read the intact prefix of a corrupt log instead of failing (recover(strict=False))",
    )
    return p


def summary(path: str, rcv: Recovery) -> list[str]:
    """The lines ``tapebook log FILE`` prints about a recovered log."""
    kinds = Counter(r.type for r in rcv.records)
    lines = [
        f"{path}: {rcv.status}, {len(rcv.records)} records, {rcv.valid_length:,} of "
        f"{rcv.total_length:,} bytes valid" + (f" ({rcv.detail})" if rcv.detail else ""),
    ]
    if rcv.records:
        lines.append(f"  sequence numbers {rcv.records[0].seq} .. {rcv.last_seq}")
    for t in RecordType:
        if kinds[t]:
            lines.append(f"  {t.name:<14} {kinds[t]:>10,}")
    cps = [r for r in rcv.records if r.type in (RecordType.SNAPSHOT, RecordType.CHECKPOINT)]
    if cps:
        names = list(Checkpoint.from_payload(cps[-1].payload).books)
        shown = ", ".join(names[:10]) + (f", ... ({len(names)} books)" if len(names) > 10 else "")
        lines.append(f"  books (last checkpoint, seq {cps[-1].seq}): {shown}")
    if rcv.status == "torn":
        lines.append("  the tail is an interrupted write: `tapebook log FILE --repair` truncates it")
    return lines


def _book_line(name: str, obj: Any, k: int) -> list[str]:
    # a MatchingEngine shows its L3 book; Books and L3Books answer the same queries
    book = obj.book if isinstance(obj, MatchingEngine) else obj
    bp, bq, ap, aq = book.bbo()
    bid = f"{bq} @ {bp}" if bp is not None else "-"
    ask = f"{aq} @ {ap}" if ap is not None else "-"
    out = [f"  {name}: bid {bid}, ask {ask}; {book.depth(True)} bid / {book.depth(False)} ask levels"]
    if k > 0:
        bids, asks = book.top(k)
        out.append(f"    bids {bids}")
        out.append(f"    asks {asks}")
    return out


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.levels < 0:
        parser().error(f"--levels must be >= 0, got {args.levels}")
    if args.repair:
        rcv = repair(args.file)
        print(f"{args.file}: repaired, {rcv.valid_length:,} bytes kept")
    try:
        rcv = recover(args.file, strict=not args.lenient)
    except FormatError as e:  # name the file: the message says what is wrong in it
        raise FormatError(f"{args.file}: {e}") from None
    for line in summary(args.file, rcv):
        print(line)
    if args.replay:
        from_start = args.from_start or args.verify
        state = replay(rcv, from_start=from_start, verify=args.verify)
        start = "first" if from_start else "last"
        checked = ", every later checkpoint verified" if args.verify else ""
        print(
            f"replayed from the {start} checkpoint (seq {state.start_seq}): {state.applied:,} update "
            f"records up to seq {state.seq}{checked}"
        )
        for name, book in state.books.items():
            for line in _book_line(name, book, args.levels):
                print(line)
    return 1 if rcv.status == "corrupt" else 0
