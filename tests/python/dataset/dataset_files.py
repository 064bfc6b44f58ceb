"""Tardis incremental_book_L2 day files for the dataset tests: one seeded, continuous
book history per instrument, cut into days (as Tardis ships them: one file per
instrument and day, named ``<exchange>_incremental_book_L2_<date>_<symbol>.csv.gz``).

With ``snapshots=True`` every day opens with a snapshot of the book as it stands
(``is_snapshot=true`` rows), as Tardis' files do; with ``snapshots=False`` only the
first day does, and later days are deltas that continue the book of the day before.
Prices are written with tick 0.01, sizes with lot 0.001.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
from pathlib import Path

HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
TICK, LOT = "0.01", "0.001"
EXCHANGE = "binance"
#: what the tests replay: 2 instruments x 3 days
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]
SYMBOLS = {"BTCUSDT": 11, "ETHUSDT": 12}  # symbol -> seed
KW = {"format": "tardis", "tick_size": TICK, "lot_size": LOT}


def file_name(symbol: str, day: str) -> str:
    return f"{EXCHANGE}_incremental_book_L2_{day}_{symbol}.csv.gz"


def _px(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def _amt(lots: int) -> str:
    return f"{lots // 1000}.{lots % 1000:03d}"


def day_texts(symbol: str, days: list[str], messages: int, seed: int, snapshots: bool = True) -> list[str]:
    """The CSV text of each day: ``messages`` book messages a day (plus the snapshots)."""
    rnd = random.Random(seed)
    mid = 5_000_000 + rnd.randrange(100_000)
    book: dict[bool, dict[int, int]] = {True: {}, False: {}}
    for i in range(1, 21):
        book[True][mid - i] = rnd.randint(1, 5000)
        book[False][mid + i] = rnd.randint(1, 5000)
    texts = []
    for d, day in enumerate(days):
        t0 = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1e6)
        t = t0 + 1000
        rows = [HEADER]
        if d == 0 or snapshots:
            for bid in (True, False):
                for px, q in sorted(book[bid].items(), reverse=bid):
                    side = "bid" if bid else "ask"
                    rows.append(f"{EXCHANGE},{symbol},{t},{t + 7},true,{side},{_px(px)},{_amt(q)}\n")
        for _ in range(messages):
            t += rnd.randint(1, 400_000)
            for _ in range(rnd.randint(1, 4)):
                bid = rnd.random() < 0.5
                best = max(book[True]) if book[True] else mid - 1
                ask = min(book[False]) if book[False] else mid + 1
                px = (ask - 1 - int(rnd.expovariate(0.2))) if bid else (best + 1 + int(rnd.expovariate(0.2)))
                if rnd.random() < 0.3 and book[bid]:
                    px = rnd.choice(list(book[bid]))
                    qty = 0
                else:
                    qty = rnd.randint(1, 5000)
                # never cross the book: an ask at or under the best bid (or vice versa) is moved out
                if bid and book[False] and px >= min(book[False]):
                    px = min(book[False]) - 1
                if not bid and book[True] and px <= max(book[True]):
                    px = max(book[True]) + 1
                if qty:
                    book[bid][px] = qty
                else:
                    book[bid].pop(px, None)
                side = "bid" if bid else "ask"
                rows.append(f"{EXCHANGE},{symbol},{t},{t + 7},false,{side},{_px(px)},{_amt(qty)}\n")
        texts.append("".join(rows))
    return texts


def write_days(
    directory: Path, symbol: str, days: list[str], messages: int, seed: int, snapshots: bool = True
) -> list[Path]:
    """Write the day files (gzip, mtime 0 so the bytes are reproducible); their paths."""
    paths = []
    for day, text in zip(days, day_texts(symbol, days, messages, seed, snapshots), strict=True):
        p = directory / file_name(symbol, day)
        with open(p, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(text.encode())
        paths.append(p)
    return paths
