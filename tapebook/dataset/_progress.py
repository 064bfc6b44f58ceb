"""A progress bar over tasks and the summary table of a run (stderr / stdout, for people)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ._naming import basename

_BAR_WIDTH = 28


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Bar:
    """``[#####-----]  5/16 tasks  1 failed  0:00:12`` redrawn in place on a terminal;
    elsewhere (a log file, CI) one line per finished task."""

    def __init__(
        self,
        total: int,
        reused: int = 0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.clock = clock
        self.t0 = clock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if reused:
            self.stream.write(
                f"{reused} input(s) done by an earlier run (manifest and sha256 match): skipped\n"
            )
        if self.tty:
            self._draw()

    def line(self) -> str:
        filled = _BAR_WIDTH * self.done // self.total if self.total else _BAR_WIDTH
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        fail = f"  {self.failed} failed" if self.failed else ""
        count = f"{self.done:>{len(str(self.total))}}/{self.total}"
        return f"[{bar}] {count} tasks{fail}  {_clock(self.clock() - self.t0)}"

    def _draw(self) -> None:
        self.stream.write("\r" + self.line())
        self.stream.flush()

    def __call__(self, part: dict[str, Any]) -> None:
        self.done += 1
        if part["status"] != "ok":
            self.failed += 1
        if self.tty:
            self._draw()
        else:
            w = len(str(self.total))
            self.stream.write(
                f"[{self.done:>{w}}/{self.total}] {part['status']:<6} {basename(part['input'])}"
                f"  {part['seconds']:.2f} s\n"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


def summary(partitions: list[dict[str, Any]], width: int = 48) -> str:
    """A table: one row per input, then the totals; failed inputs' errors below it."""
    head = ("status", "messages", "rows", "gaps", "cksum fail", "seconds", "worker", "input")
    rows = []
    for p in partitions:
        name = basename(p["input"])
        if len(name) > width:
            name = "…" + name[-(width - 1) :]
        status = p["status"] + (" (earlier run)" if p.get("reused") else "")
        rows.append(
            (
                status,
                f"{p['messages']:,}",
                f"{p['rows']:,}",
                str(p["gaps"]),
                str(p["checksums_failed"]),
                f"{p['seconds']:.2f}",
                str(p["worker"] or "-"),
                name,
            )
        )
    ok = sum(p["status"] == "ok" for p in partitions)
    total = (
        f"{ok} ok, {len(partitions) - ok} failed",
        f"{sum(p['messages'] for p in partitions):,}",
        f"{sum(p['rows'] for p in partitions):,}",
        str(sum(p["gaps"] for p in partitions)),
        str(sum(p["checksums_failed"] for p in partitions)),
        f"{sum(p['seconds'] for p in partitions):.2f}",
        "",
        f"{len(partitions)} inputs",
    )
    widths = [max(len(r[j]) for r in [head, *rows, total]) for j in range(len(head))]
    right = {1, 2, 3, 4, 5}

    def fmt(r: tuple[str, ...]) -> str:
        cells = [c.rjust(widths[j]) if j in right else c.ljust(widths[j]) for j, c in enumerate(r)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [fmt(head), rule, *(fmt(r) for r in rows), rule, fmt(total)]
    errors = [p for p in partitions if p["status"] != "ok"]
    if errors:
        out.append("")
        out.append("errors:")
        out.extend(f"  {basename(p['input'])}: {p['error']}" for p in errors)
    return "\n".join(out)
