"""r.bbo / r.depth <-> Arrow tables (the Parquet layout of a replay's rows).

Columns: the ``r.bbo`` fields as plain integer columns (ts, seq, bid_px,
bid_qty, ask_px, ask_qty, flags) and, with depth=k, four fixed-size-list
columns ``depth_bid_px`` ... ``depth_ask_qty`` of k values each. Prices are
ticks and sizes lots, exactly as in ``r.bbo`` (empty sides: qty 0 and the
price sentinel), unless ``nulls=True`` turns empty levels into nulls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._schema import BBO_FIELDS, DEPTH_FIELDS, bbo_dtype, depth_dtype

#: how the rows are written to Parquet (the ParquetSink of out= and r.write_parquet):
#: no dictionaries (the values rarely repeat within a page, so a dictionary only adds
#: a fallback's cost) and the two monotonic columns as deltas — a third of the bytes
PARQUET_WRITE_OPTIONS: dict[str, Any] = {
    "use_dictionary": False,
    "column_encoding": {"ts": "DELTA_BINARY_PACKED", "seq": "DELTA_BINARY_PACKED"},
}


def _pa() -> Any:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is in the feeds extra
        raise ImportError("Arrow / Parquet output needs pyarrow (pip install 'tapebook[feeds]')") from None
    return pa


def to_arrow_table(bbo: np.ndarray, depth: np.ndarray | None, nulls: bool = False) -> Any:
    pa = _pa()
    cols: dict[str, Any] = {}
    for name in BBO_FIELDS:
        col = np.ascontiguousarray(bbo[name])
        mask = None
        if nulls and name in ("bid_px", "bid_qty", "ask_px", "ask_qty"):
            mask = bbo["bid_qty" if name.startswith("bid") else "ask_qty"] == 0
        cols[name] = pa.array(col, mask=mask)
    if depth is not None:
        k = depth.dtype["bid_px"].shape[0]
        for name in DEPTH_FIELDS:
            flat = np.ascontiguousarray(depth[name]).reshape(-1)
            mask = None
            if nulls:
                qty = depth["bid_qty" if name.startswith("bid") else "ask_qty"]
                mask = (np.ascontiguousarray(qty) == 0).reshape(-1)
            cols[f"depth_{name}"] = pa.FixedSizeListArray.from_arrays(pa.array(flat, mask=mask), k)
    return pa.table(cols)


def from_arrow_table(table: Any, depth: int) -> tuple[np.ndarray, np.ndarray | None]:
    n = table.num_rows
    bbo = np.empty(n, dtype=bbo_dtype())
    for name in BBO_FIELDS:
        bbo[name] = table.column(name).to_numpy()
    dep = None
    if depth:
        dep = np.empty(n, dtype=depth_dtype(depth))
        for name in DEPTH_FIELDS:
            col = table.column(f"depth_{name}").combine_chunks()
            dep[name] = col.flatten().to_numpy().reshape(n, depth)
    return bbo, dep
