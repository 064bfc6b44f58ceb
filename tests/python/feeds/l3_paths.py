"""What the both-paths tests of the vectorised L3 readers share: a replay (and its MBO
batches through the reference L3 book) on the C order log and on the Python one
(``TAPEBOOK_L3_C=1`` / ``=0``), in a comparable form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _scan_paths import plain
from l3_helpers import apply_mbo_batches, book_state

from tapebook import feeds
from tapebook.feeds._olog import L3_C_ENV

#: replay() keywords that read_mbo() does not take
_REPLAY_ONLY = ("depth", "on_error", "on_gap", "on_crossed", "max_orders")


def outcome(path: Path, **kw: Any) -> tuple:
    """Everything a replay gives (or the error it raises), comparable across paths."""
    try:
        r = feeds.replay(path, **kw)
    except feeds.FeedError as e:
        return ("error", type(e).__name__, str(e), e.line)
    orders = np.sort(r.orders_array, order=["id"])
    return (
        r.bbo.tolist(), plain(r.depth), repr(r.stats), r.status, r.stop_reason, dict(r.l3_counts),
        plain(orders),
    )  # fmt: skip


def mbo_outcome(path: Path, **kw: Any) -> tuple:
    """The MBO rows themselves (in order: the C log's table order must not show), and the
    batches applied to the reference L3 book: its final orders and BBO series."""
    kw = {k: v for k, v in kw.items() if k not in _REPLAY_ONLY}
    try:
        batches = list(feeds.read_mbo(path, **kw))
    except feeds.FeedError as e:
        return ("error", str(e))
    ref, bbo = apply_mbo_batches(batches)
    kinds = np.concatenate([b.kind for b in batches]).tolist()
    lines = np.concatenate([b.line for b in batches]).tolist()
    starts = np.cumsum([0] + [b.n_messages for b in batches])
    notes = sorted(
        (int(start) + k, v) for b, start in zip(batches, starts, strict=False) for k, v in b.notes.items()
    )
    rows = [row for b in batches for row in b.rows()]
    return rows, book_state(ref), bbo, kinds, lines, notes


def both(monkeypatch: pytest.MonkeyPatch, path: Path, **kw: Any) -> tuple[tuple, tuple]:
    """(C order log, Python order log) outcomes of the same replay and MBO read."""
    got = []
    for flag in ("1", "0"):
        monkeypatch.setenv(L3_C_ENV, flag)
        got.append((outcome(path, **kw), mbo_outcome(path, **kw)))
    return got[0], got[1]


def assert_same(monkeypatch: pytest.MonkeyPatch, path: Path, **kw: Any) -> tuple:
    """The C path's outcome, after checking that the Python path gives the same."""
    fast, slow = both(monkeypatch, path, **kw)
    assert fast[0] == slow[0]  # the replay
    assert fast[1] == slow[1]  # the MBO rows through the reference book
    return fast
