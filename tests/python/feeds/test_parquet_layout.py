"""The Parquet layout of a replay's rows (out= and r.write_parquet): the file reads back
exactly the rows of the in-memory replay, with no dictionary pages and ts / seq
delta-encoded in every row group."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tapebook import feeds

pq = pytest.importorskip("pyarrow.parquet")

KW = {"format": "tardis", "tick_size": "0.25", "lot_size": "0.1"}
HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"


def _file(path: Path, messages: int, seed: int) -> None:
    """A snapshot, then one- to three-row delta messages around a random-walking mid."""
    rng = random.Random(seed)
    lines = [HEADER]
    t, mid = 1_700_000_000_000_000, 4000
    for i in range(20):
        lines.append(f"x,A,{t},{t},true,bid,{(mid - 1 - i) / 4},{rng.randint(1, 90) / 10}")
        lines.append(f"x,A,{t},{t},true,ask,{(mid + i) / 4},{rng.randint(1, 90) / 10}")
    for _ in range(messages):
        t += rng.randint(1, 5000)
        for _ in range(rng.randint(1, 3)):
            side = rng.choice(["bid", "ask"])
            px = mid - rng.randint(1, 30) if side == "bid" else mid + rng.randint(0, 29)
            qty = 0 if rng.random() < 0.3 else rng.randint(1, 90) / 10
            lines.append(f"x,A,{t},{t},false,{side},{px / 4},{qty}")
        mid += rng.randint(-1, 1)
    path.write_text("\n".join(lines) + "\n")


def _check_layout(path: Path) -> None:
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups >= 1
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            col = group.column(c)
            assert not col.has_dictionary_page, (g, col.path_in_schema)
            if col.path_in_schema in ("ts", "seq"):
                assert "DELTA_BINARY_PACKED" in col.encodings, (g, col.path_in_schema, col.encodings)


@pytest.mark.parametrize("depth", [0, 3])
def test_out_round_trips_exactly_in_the_compact_layout(tmp_path: Path, depth: int) -> None:
    src = tmp_path / "f.csv"
    _file(src, 3000, seed=depth)
    mem = feeds.replay(src, depth=depth, **KW)
    out = tmp_path / "o.parquet"
    disk = feeds.replay(src, depth=depth, out=out, batch_rows=500, **KW)
    assert pq.ParquetFile(out).metadata.num_row_groups > 2  # one row group per batch
    _check_layout(out)
    assert len(mem.bbo) > 1000
    assert disk.bbo.dtype == mem.bbo.dtype and np.array_equal(disk.bbo, mem.bbo)
    if depth:
        assert np.array_equal(disk.depth, mem.depth)
    # r.write_parquet writes the same layout and the same rows
    again = tmp_path / "w.parquet"
    mem.write_parquet(again)
    _check_layout(again)
    assert pq.read_table(again).equals(pq.read_table(out))


def test_write_parquet_takes_the_callers_own_layout(tmp_path: Path) -> None:
    src = tmp_path / "f.csv"
    _file(src, 200, seed=5)
    r = feeds.replay(src, **KW)
    p = tmp_path / "d.parquet"
    r.write_parquet(p, use_dictionary=True)
    assert pq.ParquetFile(p).metadata.row_group(0).column(0).has_dictionary_page
    assert np.array_equal(pq.read_table(p).column("ts").to_numpy(), r.bbo["ts"])
