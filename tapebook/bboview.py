"""BBO series with an empty side as a missing value instead of a sentinel price.

:meth:`Book.bbo_trace` (and the feeds' ``r.bbo``) store an empty side as qty 0
with the price type's extreme (bid: type min, ask: type max), which keeps the
array a plain fixed-width integer table written by C. These views mark those
prices missing instead, so that a mean, a spread or a plot never reads
``INT64_MAX`` as a price:

- :func:`bbo_masked` — a ``numpy.ma.MaskedArray`` over the same rows, the empty
  sides' prices masked (exact integers, no copy of the data);
- :func:`bbo_to_pandas` — a ``pandas.DataFrame`` whose price columns are nullable
  ``Int64`` (``<NA>`` for an empty side), every other column as it is.

A side is empty exactly when its quantity is 0 (docs/semantics.md §3).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentTypeError

#: price field -> the quantity field that says whether the side is empty
PRICE_QTY = {"bid_px": "bid_qty", "ask_px": "ask_qty"}


def _check(trace: Any) -> np.ndarray:
    arr = np.asarray(trace)
    names = arr.dtype.names or ()
    missing = [f for pair in PRICE_QTY.items() for f in pair if f not in names]
    if missing:
        raise ArgumentTypeError(
            f"trace must be a structured array with fields {sorted({*PRICE_QTY, *PRICE_QTY.values()})} "
            f"(what Book.bbo_trace returns), got fields {list(names)}"
        )
    return arr


def bbo_masked(trace: Any) -> np.ma.MaskedArray:
    """``trace`` (from :meth:`Book.bbo_trace`) as a masked array: ``bid_px`` masked
    where ``bid_qty == 0``, ``ask_px`` where ``ask_qty == 0``; nothing else masked.

    ``m["bid_px"].mean()`` then averages the rows that had a bid, and
    ``(m["ask_px"] - m["bid_px"])`` is masked wherever a side was empty.
    """
    arr = _check(trace)
    mask = np.zeros(arr.shape, dtype=np.ma.make_mask_descr(arr.dtype))
    for px, qty in PRICE_QTY.items():
        mask[px] = arr[qty] == 0
    return np.ma.MaskedArray(arr, mask=mask)


def bbo_to_pandas(trace: Any) -> Any:
    """``trace`` as a ``pandas.DataFrame`` (pandas must be installed): one column per
    field, prices as nullable ``Int64`` with ``<NA>`` where the side was empty
    (exact integers, no float), the other columns with their numpy dtypes."""
    import pandas as pd

    arr = _check(trace)
    cols: dict[str, Any] = {}
    for f in arr.dtype.names or ():
        if f in PRICE_QTY:
            cols[f] = pd.arrays.IntegerArray(arr[f].astype(np.int64), arr[PRICE_QTY[f]] == 0)
        else:
            cols[f] = arr[f]
    return pd.DataFrame(cols)
