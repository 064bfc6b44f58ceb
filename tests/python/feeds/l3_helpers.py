"""Checks shared by the order-level feed tests: decoded MBO rows against the naive
L3 reference model, and the replay's BBO series against that model's L2 view."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapebook import feeds
from tapebook.testing.l3_reference import OK, RefL3Book

EMPTY_BID = np.iinfo(np.int64).min
EMPTY_ASK = np.iinfo(np.int64).max


def book_state(b: RefL3Book) -> dict[str, Any]:
    """Everything an order-level book shows: each level's FIFO, both sides."""
    return {side: {px: b.level_orders(side, px) for px, _ in b.levels(side)} for side in (0, 1)}


def bbo_of(b: RefL3Book) -> tuple[int, int, int, int]:
    bp, bq, ap, aq = b.bbo()
    return (EMPTY_BID if bp is None else bp, bq, EMPTY_ASK if ap is None else ap, aq)


def apply_mbo_batches(batches: list[feeds.MboBatch]) -> tuple[RefL3Book, list[tuple[int, int, int, int]]]:
    """The MBO rows applied to a fresh reference book (every row must succeed); the BBO
    after every DELTA / SNAPSHOT message, as the replay records it."""
    ref = RefL3Book()
    bbo: list[tuple[int, int, int, int]] = []
    for b in batches:
        start = 0
        for i in range(b.n_messages):
            end = int(b.row_end[i])
            if b.kind[i] in (feeds.Kind.DELTA, feeds.Kind.SNAPSHOT):
                if b.kind[i] == feeds.Kind.SNAPSHOT:
                    ref.clear()
                for a, oid, s, p, q in zip(
                    b.action[start:end].tolist(), b.order_id[start:end].tolist(), b.side[start:end].tolist(),
                    b.px[start:end].tolist(), b.qty[start:end].tolist(), strict=True,
                ):  # fmt: skip
                    st = ref.apply_row(a, oid, s, p, q)
                    assert st == OK, f"row {(chr(a), oid, s, p, q)} of message {i} gave status {st}"
                bbo.append(bbo_of(ref))
            else:
                assert end == start, "a message that is not applied owns rows"
            start = end
    return ref, bbo


def replay_bbo(r: Any) -> list[tuple[int, int, int, int]]:
    x = r.bbo
    return list(
        zip(
            x["bid_px"].tolist(),
            x["bid_qty"].tolist(),
            x["ask_px"].tolist(),
            x["ask_qty"].tolist(),
            strict=True,
        )
    )


def l3book_matches(r: Any, ref: RefL3Book) -> None:
    """The replay's final L3Book holds exactly the reference's queues (FIFO order, sizes)."""
    book = r.l3book
    assert book is not None and len(book) == len(ref)
    for side in (0, 1):
        assert book.levels(side, k=1 << 16) == ref.levels(side)
        for px, _qty in ref.levels(side):
            assert book.level_orders(side, px) == ref.level_orders(side, px), (side, px)
    for oid in list(ref.orders)[:50]:
        assert book.queue_position(oid) == ref.queue_position(oid)
    assert r.l3_counts.get("l3book_refused", 0) == 0
