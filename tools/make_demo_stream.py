#!/usr/bin/env python3
"""Regenerate tapebook/data/demo_stream.npz (1M updates, seed 20261121)."""

from __future__ import annotations

from pathlib import Path

from tapebook.testing.streams import market_stream, save

OUT = Path(__file__).resolve().parent.parent / "tapebook" / "data" / "demo_stream.npz"

if __name__ == "__main__":
    s = market_stream(1_000_000, seed=20261121)
    save(s.astype(32), str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(s):,} updates)")
