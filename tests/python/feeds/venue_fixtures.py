"""Where the venue fixtures are, and the BBO rows the fixture tests compare."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def bbo_rows(r) -> list[tuple]:
    """``(seq, bid_px, bid_qty, ask_px, ask_qty, flags)`` per row of ``r.bbo``, the
    price of an empty side as None."""
    out = []
    for row in r.bbo.tolist():
        _ts, seq, bp, bq, ap, aq, fl = row
        out.append((seq, bp if bq else None, bq, ap if aq else None, aq, fl))
    return out
