"""Shared pieces of the venue feed tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"

# render.py sits beside the tests (it is test code, not library code)
sys.path.insert(0, str(Path(__file__).resolve().parent))


def bbo_rows(r) -> list[tuple[int, int, int, int, int, int]]:
    """``(seq, bid_px, bid_qty, ask_px, ask_qty, flags)`` per row of ``r.bbo``, the
    price of an empty side as None."""
    out = []
    for row in r.bbo.tolist():
        _ts, seq, bp, bq, ap, aq, fl = row
        out.append((seq, bp if bq else None, bq, ap if aq else None, aq, fl))
    return out


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
