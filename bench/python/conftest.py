"""pytest-benchmark set-up for ``bench/python`` (run: ``pytest bench/python``).

Options: ``--tb-ops N`` timed updates (default 1,000,000, or ``$TB_BENCH_OPS``),
``--tb-rounds N`` rounds per benchmark (default 5). The stream and the
verified books are made once per session.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    g = parser.getgroup("tapebook benchmarks")
    g.addoption(
        "--tb-ops",
        type=int,
        default=int(os.environ.get("TB_BENCH_OPS", "1000000")),
        help="timed updates of the clustered stream (default 1,000,000)",
    )
    g.addoption("--tb-rounds", type=int, default=5, help="rounds per benchmark (default 5)")
