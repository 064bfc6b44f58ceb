"""Databento MBO records -> the C order log's ops rows, vectorised (no Python per record).

The same rules, record by record, as ``DatabentoMboReader._apply`` (the Python
order-log path, which the tests hold this to): T / F / N counted, R clears,
other actions are bad records, A / C / M with side N counted ``bad_side``,
``F_TOB`` replaces the side, a size that is not whole lots or an add / modify
price that is UNDEF_PRICE or not whole ticks is a bad record — which is skipped
*including* its F_LAST (the Python path ``continue``s before closing the
message) —, a cancel of 0 lots is counted ``zero_cancel``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._olog import ops_columns

UNDEF_PRICE = 2**63 - 1
F_LAST = 1 << 7
F_TOB = 1 << 6
#: actions that change no order: the counter each is counted in
COUNTED = {b"T": "trades", b"F": "fills", b"N": "none_actions"}


@dataclass
class DbnOps:
    """One block's ops rows, what it counts, and its bad records (index, reason) in order."""

    ops: dict[str, np.ndarray]
    counts: dict[str, int]
    bad: list[tuple[int, str]]


def mbo_ops(recs: np.ndarray, px_div: int, qty_div: int) -> DbnOps:
    """The ops rows of one block of MBO records (all of the replayed instrument)."""
    n = len(recs)
    action, side_b = recs["action"], recs["side"]
    flags, price = recs["flags"], recs["price"]
    size = recs["size"].astype(np.uint64)
    qdiv = np.uint64(qty_div)
    counts = {name: int((action == a).sum()) for a, name in COUNTED.items()}
    is_r = action == b"R"
    acm = (action == b"A") | (action == b"C") | (action == b"M")
    bad_action = ~(acm | is_r | np.isin(action, list(COUNTED)))
    bad_side = acm & ~((side_b == b"A") | (side_b == b"B"))
    ok = acm & ~bad_side
    tob = ok & ((flags & F_TOB) != 0)
    plain = ok & ~tob
    bad_size = plain & (size % qdiv != 0)
    priced = plain & ~bad_size & (action != b"C")
    undef = priced & (price == UNDEF_PRICE)
    bad_tick = priced & ~undef & (price % px_div != 0)
    tob_priced = tob & (price != UNDEF_PRICE) & (size != 0)
    tob_bad = tob_priced & (price % px_div != 0)
    tob_add = tob_priced & ~tob_bad & (size % qdiv == 0)
    skipped = bad_action | bad_size | undef | bad_tick  # no op and no message end
    cancel = plain & ~bad_size & (action == b"C")
    zero_cancel = cancel & (size < qdiv)
    counts["bad_side"] = int(bad_side.sum())
    counts["top_of_book"] = int(tob.sum())
    counts["zero_cancel"] = int(zero_cancel.sum())
    counts["bad_records"] = int((skipped | tob_bad).sum())

    ops = ops_columns(n)
    op = ops["op"]
    op[is_r] = ord("R")
    op[tob] = ord("T")
    good = priced & ~undef & ~bad_tick
    op[good & (action == b"A")] = ord("A")
    op[good & (action == b"M")] = ord("M")
    op[cancel & ~zero_cancel] = ord("C")
    ops["order_id"][:] = recs["order_id"]
    ops["side"][:] = side_b == b"B"
    ops["px"][:] = np.where(good | tob_add, price // px_div, 0)
    ops["qty"][:] = np.where(good | cancel | tob_add, size // qdiv, np.uint64(0))
    ops["end"][:] = ((flags & F_LAST) != 0) & ~skipped

    bad: list[tuple[int, str]] = []
    for i in np.flatnonzero(skipped | tob_bad).tolist():
        if bad_action[i]:
            bad.append((i, f"action {bytes(action[i])!r} is not one of A, C, M, R, T, F, N"))
        elif bad_size[i]:
            bad.append((i, f"size {int(size[i])} is not a whole number of lots"))
        elif undef[i]:
            bad.append((i, "an add or modify without a price (UNDEF_PRICE)"))
        else:
            bad.append((i, f"price {int(price[i])}e-9 is not a whole number of ticks"))
    return DbnOps(ops, counts, bad)
