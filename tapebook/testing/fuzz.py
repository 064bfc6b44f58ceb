"""Differential fuzzing of the Python API against :mod:`tapebook.testing.reference`.

``python -m tapebook fuzz [--profile quick|full] [--json PATH] [--seed S]
[--category NAME ...] [--jobs J] [--no-shrink] [--out DIR]``

Every *suite* builds one or more real objects (a :class:`~tapebook.Book`,
books sharing a :class:`~tapebook.SpillPool`, or a
:class:`~tapebook.MultiBookPool`) next to their models
(:class:`~tapebook.testing.reference.RefBook`, :class:`~tapebook.testing.reference.RefPool`),
generates a numpy-seeded stream of operations for its *category* and applies
it to both. Updates go through three paths: ``bbo_trace`` batches (the BBO
after every row is compared with the model's, which checks every update
cheaply), ``apply`` batches (every result code compared) and the per-op API
(result code, the four best values, ``crossed`` and ``crossed_on_tape`` after
every update). Every few dozen operations, and after every structural
operation, the full merged depth of both sides, the anchors, the per-side
statistics (tape/spill occupancy, spill capacity, evicted/dropped/no-memory
counters, promotes), ``verify_invariants()`` and the pool's counters are
compared exactly: the model follows eviction and pool exhaustion exactly, so
there is no "loose" mode.

A failing suite prints its category, seed and op index, writes the stream up
to the failure to ``fuzz-failures/<category>-<seed>.json`` and shrinks it
(delta debugging over the operations) to ``...-min.json``;
``tapebook fuzz --replay FILE`` re-runs such a file (exit status 1 when the
failure reproduces, 0 when it passes).

The last line of output is ``N passed, M failed``; the exit status is non-zero
when a suite failed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._variants import MULTI_TIERS, PRICE_BITS, TAPE_SIZES
from .reference import (
    RefBook,
    RefError,
    RefMemoryError,
    RefPool,
    anchor_range,
    price_range,
    type_limits,
)

FORMAT_VERSION = 1


class Mismatch(Exception):
    """The real object and the model disagree (or the real object misbehaved)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


# ---------------------------------------------------------------------------
# suite set-up and op streams
# ---------------------------------------------------------------------------
#
# A stream is a list of steps (JSON-friendly lists):
#   ["set", b, mode, sides, prices, qtys]      mode "trace" | "apply" | "one"
#   ["recenter", b, side, anchor]   ["reset", b, anchor]   ["reset_at_mid", b, side, mid]
#   ["set_rank", b, mode, sides, ranks, qtys]  like "set", at the ranks[k]-th best existing level
#   ["erase_better", b, side, px]   ["erase_better_rank", b, side, rank]   (at an existing level)
#   ["clear", b]   ["release", b]   ["reserve", b]
#   ["load_side", b, side, prices, qtys]   ["load_snapshot", b, bid_prices, bid_qtys, ask_prices, ask_qtys]
#                                       (levels in any order; sometimes a bad one: both must refuse)
#   ["reopen", b, n, max_cap, anchor]      close book b (if open) and build a new one
#   ["close", b]
#   ["alloc", b, tier, anchor, max_cap]    multi-book pool: a new book in slot b (max_cap 0: default)
#   ["free", b]                             multi-book pool: free slot b
# A step on a slot that holds no open book is skipped (shrinking can remove
# the step that opened it).


@dataclass
class Setup:
    """What a suite builds before its first step."""

    kind: str  # "single" | "pool" | "multi"
    bits: int
    books: list[dict[str, int]] = field(default_factory=list)  # n, max_cap, anchor
    pool_levels: int = 0
    policy: str = "refuse"
    tiers: tuple[int, int, int] = (1024, 256, 64)
    counts: tuple[int, int, int] = (0, 0, 0)
    multi_cap: int = 4096

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "bits": self.bits,
            "books": self.books,
            "pool_levels": self.pool_levels,
            "policy": self.policy,
            "tiers": list(self.tiers),
            "counts": list(self.counts),
            "multi_cap": self.multi_cap,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Setup:
        return cls(
            kind=d["kind"],
            bits=d["bits"],
            books=[dict(b) for b in d["books"]],
            pool_levels=d["pool_levels"],
            policy=d["policy"],
            tiers=tuple(d["tiers"]),  # type: ignore[arg-type]
            counts=tuple(d["counts"]),
            multi_cap=d["multi_cap"],  # type: ignore[arg-type]
        )


SET_KINDS = ("set", "set_rank")


def count_ops(step: list[Any]) -> int:
    return len(step[3]) if step[0] in SET_KINDS else 1


def _jsonable(step: list[Any]) -> list[Any]:
    if step[0] in SET_KINDS:
        return [
            step[0],
            step[1],
            step[2],
            [int(x) for x in step[3]],
            [int(x) for x in step[4]],
            [int(x) for x in step[5]],
        ]
    return [int(x) if isinstance(x, (int, np.integer)) else x for x in step]


# ---------------------------------------------------------------------------
# the runner: applies steps to the real objects and the models, compares
# ---------------------------------------------------------------------------


class Runner:
    """Executes a stream on real objects and models side by side.

    ``check_every``: full comparison (depth, stats, invariants, pool) once this
    many operations have passed since the last one, and after every
    structural step. ``paranoid``: full comparison after every step.
    """

    def __init__(self, setup: Setup, check_every: int = 48, paranoid: bool = False) -> None:
        import tapebook

        self.tb = tapebook
        self.setup = setup
        self.check_every = check_every
        self.paranoid = paranoid
        self.ops = 0
        self.since_check = 0
        self.pool: Any = None
        self.rpool: RefPool | None = None
        self.multi: Any = None
        self.real: dict[int, Any] = {}
        self.ref: dict[int, RefBook] = {}
        self.tier_of: dict[int, int] = {}
        self.tier_live = [0, 0, 0]
        bits = setup.bits
        if setup.kind == "pool":
            self.pool = tapebook.SpillPool(setup.pool_levels, bits, setup.policy)
            self.rpool = RefPool(setup.pool_levels, setup.policy)
        elif setup.kind == "multi":
            self.multi = tapebook.MultiBookPool(
                *setup.counts,
                price_bits=bits,
                max_cap=setup.multi_cap,
                pool_levels=setup.pool_levels,
                tiers=setup.tiers,
                policy=setup.policy,
            )
            self.rpool = RefPool(setup.pool_levels, setup.policy)
        for i, b in enumerate(setup.books):
            self._open(i, b["n"], b["max_cap"], b["anchor"])

    # ---- object management ------------------------------------------------------

    def _open(self, i: int, n: int, max_cap: int, anchor: int) -> None:
        self._close(i)
        self.real[i] = self.tb.Book(n, self.setup.bits, max_cap, pool=self.pool, anchor=anchor)
        self.ref[i] = RefBook(n, self.setup.bits, max_cap, pool=self.rpool, anchor=anchor)

    def _close(self, i: int) -> None:
        if i in self.real:
            book = self.real.pop(i)
            self.ref.pop(i).close()
            book.close()
            if not book.closed:
                raise Mismatch(f"book {i}: close() did not close it")
            try:
                book.best_bid_px()
            except self.tb.ClosedError:
                pass
            else:
                raise Mismatch(f"book {i}: a closed book answered best_bid_px()")

    def _alloc(self, i: int, tier: int, anchor: int, max_cap: int) -> None:
        if i in self.real:
            self._free(i)
        cap_slots = self.setup.counts[tier]
        n = self.setup.tiers[tier]
        cap = max_cap or self.setup.multi_cap
        try:
            book = self.multi.alloc(tier, anchor, max_cap or None)
        except self.tb.TierFullError:
            if self.tier_live[tier] < cap_slots:
                raise Mismatch(f"alloc: TierFullError with {self.tier_live[tier]}/{cap_slots} live") from None
            return
        if self.tier_live[tier] >= cap_slots:
            raise Mismatch(f"alloc: tier {tier} gave a book beyond its {cap_slots} slots")
        self.real[i] = book
        self.ref[i] = RefBook(n, self.setup.bits, cap, pool=self.rpool, anchor=anchor)
        self.tier_of[i] = tier
        self.tier_live[tier] += 1
        if book.n != n or book.max_cap != cap:
            raise Mismatch(f"alloc: book n={book.n} max_cap={book.max_cap}, expected n={n} max_cap={cap}")

    def _free(self, i: int) -> None:
        if i not in self.real:
            return
        book = self.real.pop(i)
        self.ref.pop(i).close()
        self.tier_live[self.tier_of.pop(i)] -= 1
        if i % 2:
            book.close()
        else:
            self.multi.free(book)
        if not book.closed:
            raise Mismatch(f"free: book {i} not closed")
        try:
            book.set(1, book.price_range[0], 1)
        except self.tb.ClosedError:
            pass
        else:
            raise Mismatch("free: a freed PooledBook accepted set()")

    def close(self) -> None:
        """Close everything (in an order that exercises the keep-alive rules)."""
        for i in sorted(self.real):
            if self.multi is not None:
                self._free(i)
            else:
                self._close(i)
        if self.pool is not None:
            self.pool.close()
        if self.multi is not None:
            self.multi.close()

    # ---- steps -----------------------------------------------------------------------

    def run(self, steps: list[list[Any]], on_step: Callable[[int], None] | None = None) -> None:
        """Run every step; raises Mismatch with ``.step`` and ``.op`` set."""
        op0 = 0
        for k, st in enumerate(steps):
            try:
                self.step(st)
            except Mismatch as e:
                e.step = k  # type: ignore[attr-defined]
                e.op = op0 + e.row  # type: ignore[attr-defined]
                raise
            except Exception as e:  # the real object misbehaved (or the model crashed)
                m = Mismatch(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
                m.step = k  # type: ignore[attr-defined]
                m.op = op0  # type: ignore[attr-defined]
                raise m from e
            op0 += count_ops(st)
            if on_step is not None:
                on_step(count_ops(st))
        try:
            for i in list(self.real):
                self.full_check(i)
            self.pool_check()
        except Mismatch as e:
            e.step = len(steps) - 1  # type: ignore[attr-defined]
            e.op = max(op0 - 1, 0)  # type: ignore[attr-defined]
            raise

    def step(self, st: list[Any]) -> None:
        kind, i = st[0], st[1]
        if kind == "reopen":
            if self.multi is None:
                self._open(i, st[2], st[3], st[4])
                self._after(i, 1, structural=True)
            return
        if kind == "alloc":
            if self.multi is not None:
                self._alloc(i, st[2], st[3], st[4])
                self._after(i, 1, structural=True)
            return
        if i not in self.real:
            return
        book, ref = self.real[i], self.ref[i]
        if kind == "set":
            self._set(book, ref, st[2], st[3], st[4], st[5])
            self._after(i, len(st[3]))
            return
        if kind == "set_rank":
            self._set(book, ref, st[2], st[3], self._rank_prices(ref, st[3], st[4]), st[5])
            self._after(i, len(st[3]))
            return
        if kind == "erase_better_rank":
            lv = ref.levels(st[2], st[3] + 1)
            if lv:
                px = lv[-1][0]
                book.erase_better(st[2], px)
                ref.erase_better(st[2], px)
            self._after(i, 1, structural=True)
            return
        if kind == "recenter":
            (book.recenter_bid if st[2] else book.recenter_ask)(st[3])
            ref.recenter(st[2], st[3])
        elif kind == "reset":
            book.reset(st[2])
            ref.reset(st[2])
        elif kind == "reset_at_mid":
            book.reset_at_mid(st[2], st[3])
            ref.reset_at_mid(st[2], st[3])
        elif kind == "erase_better":
            book.erase_better(st[2], st[3])
            ref.erase_better(st[2], st[3])
        elif kind in ("load_side", "load_snapshot"):
            real_err = ref_err = None
            try:
                getattr(book, kind)(*st[2:])
            except self.tb.TapebookError as e:
                real_err = e
            try:
                getattr(ref, kind)(*st[2:])
            except RefError as e:
                ref_err = e
            if (real_err is None) != (ref_err is None):
                raise Mismatch(f"{kind}: book raised {real_err!r}, model raised {ref_err!r}")
        elif kind == "clear":
            book.clear()
            ref.clear()
        elif kind == "release":
            book.release()
            ref.release()
        elif kind == "reserve":
            real_err = ref_err = False
            try:
                book.reserve_spill()
            except self.tb.TapebookMemoryError:
                real_err = True
            try:
                ref.reserve_spill()
            except RefMemoryError:
                ref_err = True
            if real_err != ref_err:
                raise Mismatch(f"reserve_spill: book raised={real_err}, model raised={ref_err}")
        elif kind == "close":
            if self.multi is not None:
                self._free(i)
            else:
                self._close(i)
            self._after(i, 1, structural=True)
            return
        elif kind == "free":
            self._free(i)
            self._after(i, 1, structural=True)
            return
        else:
            raise ValueError(f"unknown step {kind!r}")
        self._after(i, 1, structural=True)

    def _after(self, i: int, n_ops: int, structural: bool = False) -> None:
        self.ops += n_ops
        self.since_check += n_ops
        if i in self.real:
            try:
                self.quick_check(i)
            except Mismatch as e:
                e.row = max(n_ops - 1, 0)
                raise
        if self.paranoid or structural or self.since_check >= self.check_every:
            self.since_check = 0
            try:
                if i in self.real:
                    self.full_check(i)
                self.pool_check()
            except Mismatch as e:
                e.row = max(n_ops - 1, 0)  # found after the whole step
                raise

    @staticmethod
    def _rank_prices(ref: RefBook, sides: Any, ranks: Any) -> list[int]:
        """Prices of existing levels: row k gets the ranks[k]-th best level of its
        side as the model holds it at the start of the batch (a valid price
        near the anchor when the side is empty). Deterministic, so replayable."""
        sl = sides.tolist() if isinstance(sides, np.ndarray) else list(sides)
        rl = ranks.tolist() if isinstance(ranks, np.ndarray) else list(ranks)
        top = max(rl, default=0) + 1
        lv = {s: [p for p, _ in ref.levels(s, top)] for s in set(sl)}
        out = []
        for s, r in zip(sl, rl, strict=True):
            ps = lv[s]
            if ps:
                out.append(ps[r % len(ps)])
            else:
                out.append(min(max(ref.anchor(s) + r, ref.pmin), ref.pmax))
        return out

    def _set(self, book: Any, ref: RefBook, mode: str, sides: Any, prices: Any, qtys: Any) -> None:
        sl = sides.tolist() if isinstance(sides, np.ndarray) else list(sides)
        pl = prices.tolist() if isinstance(prices, np.ndarray) else list(prices)
        ql = qtys.tolist() if isinstance(qtys, np.ndarray) else list(qtys)
        if mode == "trace":
            s, p, q = self._arrays(book, sl, pl, ql)
            got = book.bbo_trace(s, p, q).tolist()
            exp = ref.bbo_trace(sl, pl, ql)
            if got != exp:
                for k, (g, e) in enumerate(zip(got, exp, strict=True)):
                    if g != e:
                        raise Mismatch(
                            f"bbo_trace row {k} (side={sl[k]} px={pl[k]} qty={ql[k]}): "
                            f"book (bid_px, bid_qty, ask_px, ask_qty)={g}, model={e}",
                            row=k,
                        )
                raise Mismatch(f"bbo_trace returned {len(got)} rows for {len(exp)} updates")
        elif mode == "apply":
            s, p, q = self._arrays(book, sl, pl, ql)
            got = book.apply(s, p, q).tolist()
            exp = ref.apply(sl, pl, ql)
            if got != exp:
                for k, (g, e) in enumerate(zip(got, exp, strict=True)):
                    if g != e:
                        raise Mismatch(
                            f"apply row {k} (side={sl[k]} px={pl[k]} qty={ql[k]}): result {g}, model {e}",
                            row=k,
                        )
                raise Mismatch(f"apply returned {len(got)} results for {len(exp)} updates")
        else:
            set_ = book.set
            for k in range(len(sl)):
                s1, p1, q1 = sl[k], pl[k], ql[k]
                g = set_(s1, p1, q1)
                e = ref.set(s1, p1, q1)
                if g != e or type(g) is not self.tb.Result:
                    raise Mismatch(f"set(side={s1}, px={p1}, qty={q1}) returned {g!r}, model {e}", row=k)
                gb, eb = book.bbo(), ref.bbo()
                if gb != eb:
                    raise Mismatch(f"after set(side={s1}, px={p1}, qty={q1}): bbo {gb}, model {eb}", row=k)
                if book.crossed() != ref.crossed() or book.crossed_on_tape() != ref.crossed_on_tape():
                    raise Mismatch(
                        f"after set(side={s1}, px={p1}, qty={q1}): crossed/crossed_on_tape "
                        f"{book.crossed()}/{book.crossed_on_tape()}, "
                        f"model {ref.crossed()}/{ref.crossed_on_tape()}",
                        row=k,
                    )

    @staticmethod
    def _arrays(book: Any, sl: list[int], pl: list[int], ql: list[int]) -> tuple[Any, Any, Any]:
        if book.price_bits == 32:
            return np.array(sl, np.bool_), np.array(pl, np.int32), np.array(ql, np.uint32)
        return np.array(sl, np.uint8), np.array(pl, np.int64), np.array(ql, np.uint64)

    # ---- comparisons ---------------------------------------------------------------

    def quick_check(self, i: int) -> None:
        book, ref = self.real[i], self.ref[i]
        gb, eb = book.bbo(), ref.bbo()
        if gb != eb:
            raise Mismatch(f"book {i}: bbo {gb}, model {eb}")
        if book.crossed() != ref.crossed():
            raise Mismatch(f"book {i}: crossed() {book.crossed()}, model {ref.crossed()}")
        if book.anchor(1) != ref.anchor(1) or book.anchor(0) != ref.anchor(0):
            raise Mismatch(
                f"book {i}: anchors (bid, ask) {(book.anchor(1), book.anchor(0))}, "
                f"model {(ref.anchor(1), ref.anchor(0))}"
            )

    def full_check(self, i: int) -> None:
        book, ref = self.real[i], self.ref[i]
        if not book.verify_invariants():
            raise Mismatch(f"book {i}: verify_invariants() is False")
        for side, name in ((1, "bid"), (0, "ask")):
            got = book.levels(side, 2**40)
            exp = ref.levels(side, 2**40)
            if got != exp:
                raise Mismatch(f"book {i}: {name} depth differs:\n{_diff_levels(got, exp)}")
            if book.depth(side) != len(exp):
                raise Mismatch(f"book {i}: depth({name}) {book.depth(side)}, model {len(exp)}")
            if book.anchor(side) != ref.anchor(side):
                raise Mismatch(f"book {i}: anchor({name}) {book.anchor(side)}, model {ref.anchor(side)}")
        st = book.stats()
        for side, ss in ((1, st.bid), (0, st.ask)):
            for key, val in ref.side_stats(side).items():
                if getattr(ss, key) != val:
                    raise Mismatch(
                        f"book {i}: stats().{'bid' if side else 'ask'}.{key} = "
                        f"{getattr(ss, key)}, model {val}"
                    )
        if (book.best_bid_px(), book.best_bid_qty(), book.best_ask_px(), book.best_ask_qty()) != ref.bbo():
            raise Mismatch(f"book {i}: best_* queries disagree with the model {ref.bbo()}")
        if book.crossed_on_tape() != ref.crossed_on_tape():
            raise Mismatch(
                f"book {i}: crossed_on_tape() {book.crossed_on_tape()}, model {ref.crossed_on_tape()}"
            )
        if len(book) != len(ref):
            raise Mismatch(f"book {i}: len {len(book)}, model {len(ref)}")
        if hasattr(book, "top"):
            k = 1 + self.ops % 12
            got_top = book.top(k)
            if got_top != (ref.levels(1, k), ref.levels(0, k)):
                raise Mismatch(
                    f"book {i}: top({k}) = {got_top}, model {(ref.levels(1, k), ref.levels(0, k))}"
                )

    def pool_check(self) -> None:
        rp = self.rpool
        if rp is None:
            return
        ps = self.pool.stats() if self.pool is not None else self.multi.pool_stats()
        exp = {
            "used_levels": rp.used_levels,
            "watermark": rp.watermark,
            "alloc_fail_count": rp.alloc_fail_count,
            "attached_books": rp.attached_books,
            "fallback_bytes": rp.fallback_levels * ps.level_bytes,
        }
        for key, val in exp.items():
            if getattr(ps, key) != val:
                raise Mismatch(f"pool stats {key} = {getattr(ps, key)}, model {val}")
        for k, c in enumerate(ps.classes):
            if (c.requests, c.failures, c.live_blocks) != (rp.requests[k], rp.failures[k], rp.live_blocks[k]):
                raise Mismatch(
                    f"pool class {k} (requests, failures, live_blocks) = "
                    f"{(c.requests, c.failures, c.live_blocks)}, model "
                    f"{(rp.requests[k], rp.failures[k], rp.live_blocks[k])}"
                )
        held = sum(r.pool_levels() for r in self.ref.values())
        if ps.used_levels != held:
            raise Mismatch(f"pool used_levels {ps.used_levels} != levels the live books hold {held}")
        if self.multi is not None:
            for t in range(3):
                cap, live = self.multi.tier_info(t)
                if (cap, live) != (self.setup.counts[t], self.tier_live[t]):
                    raise Mismatch(
                        f"tier {t}: tier_info {(cap, live)}, "
                        f"model {(self.setup.counts[t], self.tier_live[t])}"
                    )


def _diff_levels(got: list[tuple[int, int]], exp: list[tuple[int, int]]) -> str:
    g, e = dict(got), dict(exp)
    lines = [f"  book {len(got)} levels, model {len(exp)} levels"]
    for px in sorted(set(g) | set(e)):
        if g.get(px) != e.get(px):
            lines.append(f"  px {px}: book {g.get(px)}, model {e.get(px)}")
            if len(lines) > 12:
                lines.append("  ...")
                break
    if len(lines) == 1:
        lines.append("  (same levels, different order)")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------


@dataclass
class Market:
    """A drifting mid with bids below and asks above it (sometimes crossed)."""

    rng: np.random.Generator
    lo: int  # valid price range of the book(s)
    hi: int
    mid: int
    width: float = 40.0  # mean distance of a level from the mid
    drift: int = 1  # random-walk step of the mid per update
    jump_p: float = 0.0  # probability of a jump of the mid per update
    jump: int = 0  # jump size
    cross_p: float = 0.02  # probability that a level is on the wrong side of the mid
    del_p: float = 0.3  # probability of qty 0
    qmax: int = 1000  # largest quantity
    qty_extreme_p: float = 0.0  # probability of qty = type max
    qty_type_max: int = 2**32 - 1
    edge_p: float = 0.0  # probability of a price exactly at lo / hi

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = self.rng
        steps = rng.integers(-self.drift, self.drift + 1, size) if self.drift else np.zeros(size, np.int64)
        if self.jump_p and self.jump:
            jumps = (rng.random(size) < self.jump_p) * rng.integers(-self.jump, self.jump + 1, size)
            steps = steps + jumps
        walk = np.cumsum(steps)
        # keep the mid inside the valid range (relative values stay small)
        lo_rel = max(self.lo - self.mid, -(2**61))
        hi_rel = min(self.hi - self.mid, 2**61)
        walk = np.clip(walk, lo_rel, hi_rel)
        off = np.floor(rng.exponential(self.width, size)).astype(np.int64)
        off = np.minimum(off, 2**40)
        sides = rng.integers(0, 2, size).astype(np.uint8)
        cross = rng.random(size) < self.cross_p
        sign = np.where((sides == 1) ^ cross, -1, 1)
        rel = walk + sign * (off + (sides == 0))
        rel = np.clip(rel, lo_rel, hi_rel)
        if self.edge_p:
            e = rng.random(size)
            rel = np.where(e < self.edge_p / 2, lo_rel, np.where(e < self.edge_p, hi_rel, rel))
        # absolute prices mid + rel: valid prices by the clip above, so no int64 overflow
        prices_i = rel.astype(np.int64) + np.int64(self.mid)
        self.mid = int(np.clip(self.mid + int(walk[-1]) if size else self.mid, self.lo, self.hi))
        qty = rng.integers(1, self.qmax, size, endpoint=True, dtype=np.uint64)
        if self.qty_extreme_p:
            ext = rng.random(size) < self.qty_extreme_p
            qty = np.where(ext, np.uint64(self.qty_type_max), qty)
        qty = np.where(rng.random(size) < self.del_p, np.uint64(0), qty)
        return sides, prices_i, qty

    def price(self, spread: int) -> int:
        p = self.mid + int(self.rng.integers(-spread, spread + 1))
        return min(max(p, self.lo), self.hi)


@dataclass
class Mix:
    """How a category mixes update batches with other operations."""

    batch: tuple[int, int] = (16, 512)  # batch size range
    modes: tuple[float, float, float] = (0.8, 0.1, 0.1)  # trace, apply, one
    one_batch: tuple[int, int] = (1, 48)
    recenter: float = 0.02  # per step probabilities of the structural ops
    reset: float = 0.002
    reset_at_mid: float = 0.004
    erase_better: float = 0.02
    clear: float = 0.002
    release: float = 0.002
    reserve: float = 0.002
    reopen: float = 0.0  # pool / multi suites: replace a book
    load: float = 0.0  # load_side / load_snapshot
    recenter_spread: float = 2.0  # recenter anchors within +- this many N of the mid
    empty_batch: float = 0.0
    rank_p: float = 0.25  # share of batches that update / delete existing levels


@dataclass
class SuiteDef:
    category: str
    seed: int
    index: int
    setup: Setup
    steps: list[list[Any]]


def _anchor_near(
    rng: np.random.Generator, mid: int, n: int, spread: float, bits: int, edge_p: float = 0.0
) -> int:
    amin, amax = anchor_range(bits, n)
    if edge_p and rng.random() < edge_p:
        r = rng.random()
        return int([amin, amin + 1, amax - 1, amax][int(r * 4)])
    a = mid - n // 2 + int(rng.integers(-int(spread * n) - 1, int(spread * n) + 1))
    return min(max(a, amin), amax)


def _gen_steps(
    rng: np.random.Generator,
    markets: list[Market],
    ns: list[int],
    bits: int,
    mix: Mix,
    n_ops: int,
    slots: int,
    extra: Callable[[np.random.Generator, list[list[Any]]], bool] | None = None,
    edge_p: float = 0.0,
) -> list[list[Any]]:
    """Steps totalling ~n_ops operations over ``slots`` books."""
    steps: list[list[Any]] = []
    done = 0
    pm = np.array(mix.modes) / sum(mix.modes)
    struct_p = (
        mix.recenter
        + mix.reset
        + mix.reset_at_mid
        + mix.erase_better
        + mix.clear
        + mix.release
        + mix.reserve
        + mix.reopen
        + mix.load
    )
    while done < n_ops:
        b = int(rng.integers(0, slots))
        mk, n = markets[b % len(markets)], ns[b % len(ns)]
        if extra is not None and extra(rng, steps):
            done += 1
            continue
        r = rng.random()
        if r < struct_p:
            for name in (
                "recenter",
                "reset",
                "reset_at_mid",
                "erase_better",
                "clear",
                "release",
                "reserve",
                "reopen",
                "load",
            ):
                p = getattr(mix, name)
                if r < p:
                    break
                r -= p
            side = int(rng.integers(0, 2))
            if name == "recenter":
                steps.append(
                    ["recenter", b, side, _anchor_near(rng, mk.mid, n, mix.recenter_spread, bits, edge_p)]
                )
            elif name == "reset":
                steps.append(["reset", b, _anchor_near(rng, mk.mid, n, 0.5, bits, edge_p)])
            elif name == "reset_at_mid":
                steps.append(["reset_at_mid", b, side, mk.price(n)])
            elif name == "erase_better":
                if rng.random() < 0.5:  # at an existing level: the boundary case
                    steps.append(["erase_better_rank", b, side, int(rng.geometric(0.3)) - 1])
                else:
                    steps.append(["erase_better", b, side, mk.price(int(mk.width * 2) + 1)])
            elif name == "reopen":
                steps.append(["reopen", b])  # completed by the category (n, cap, anchor)
            elif name == "load":
                steps.append(_load_step(rng, mk, n, b))
            else:
                steps.append([name, b])
            done += 1
            continue
        mode = ("trace", "apply", "one")[int(rng.choice(3, p=pm))]
        lo, hi = mix.one_batch if mode == "one" else mix.batch
        size = int(rng.integers(lo, hi + 1))
        if mix.empty_batch and rng.random() < mix.empty_batch:
            size = 0
        size = min(size, max(n_ops - done, 0)) if size else 0
        s, p, q = mk.batch(size)
        if mix.rank_p and rng.random() < mix.rank_p:
            # updates and deletes of levels the book holds (resolved when run)
            ranks = np.minimum(rng.geometric(0.15, size) - 1, 63)
            steps.append(["set_rank", b, mode, s, ranks, q])
        else:
            steps.append(["set", b, mode, s, p, q])
        done += max(size, 1)
    return steps


def _snapshot_levels(rng: np.random.Generator, mk: Market, n: int, side: int) -> tuple[list[int], list[int]]:
    """A side's snapshot near the mid: up to a few windows deep, dense at the top,
    in any order; now and then a bad level (both the book and the model refuse it)."""
    size = int(rng.choice([0, 1, 5, n // 2, 2 * n, 600]))
    steps = 1 + rng.integers(0, 4, size)
    steps[rng.random(size) < 0.03] += 3 * n
    rel = np.cumsum(steps) + int(rng.integers(-n // 4, n // 4))
    px = np.clip(mk.mid - rel if side else mk.mid + rel, mk.lo, mk.hi)
    px = np.unique(px)  # clipping can merge prices
    qty = rng.integers(1, mk.qmax, len(px), endpoint=True)
    order = rng.permutation(len(px)) if rng.random() < 0.5 else np.arange(len(px))
    pl, ql = [int(x) for x in px[order]], [int(x) for x in qty[order]]
    if pl and rng.random() < 0.1:
        k = int(rng.integers(0, len(pl)))
        bad = int(rng.integers(0, 3))
        if bad == 0:
            ql[k] = 0
        elif bad == 1:
            pl[k] = mk.hi + 1 if rng.random() < 0.5 else mk.lo - 1
        elif len(pl) > 1:
            pl[k] = pl[k - 1]
    return pl, ql


def _load_step(rng: np.random.Generator, mk: Market, n: int, b: int) -> list[Any]:
    if rng.random() < 0.5:
        side = int(rng.integers(0, 2))
        return ["load_side", b, side, *_snapshot_levels(rng, mk, n, side)]
    return ["load_snapshot", b, *_snapshot_levels(rng, mk, n, 1), *_snapshot_levels(rng, mk, n, 0)]


def _market(rng: np.random.Generator, bits: int, n: int, mid: int, **kw: Any) -> Market:
    lo, hi = price_range(bits, n)
    _, _, qmax_t = type_limits(bits)
    mid = min(max(mid, lo), hi)
    return Market(rng=rng, lo=lo, hi=hi, mid=mid, qty_type_max=qmax_t, **kw)


def _nb(index: int) -> tuple[int, int]:
    """(n, bits) for the index-th suite of a category: every N, both families."""
    n = TAPE_SIZES[index % len(TAPE_SIZES)]
    bits = PRICE_BITS[(index % len(TAPE_SIZES) + index // len(TAPE_SIZES)) % len(PRICE_BITS)]
    return n, bits


def _single(
    rng: np.random.Generator,
    index: int,
    n_ops: int,
    *,
    mid: int = 0,
    max_cap: int = 4096,
    mix: Mix | None = None,
    edge_p: float = 0.0,
    n: int | None = None,
    bits: int | None = None,
    **market: Any,
) -> tuple[Setup, list[list[Any]]]:
    n0, b0 = _nb(index)
    n = n or n0
    bits = bits or b0
    mk = _market(rng, bits, n, mid, edge_p=edge_p, **market)
    amin, amax = anchor_range(bits, n)
    anchor = min(max(mk.mid - n // 2, amin), amax)
    setup = Setup("single", bits, books=[{"n": n, "max_cap": max_cap, "anchor": anchor}])
    steps = _gen_steps(rng, [mk], [n], bits, mix or Mix(), n_ops, 1, edge_p=edge_p)
    return setup, steps


def _finish_reopen(
    rng: np.random.Generator,
    steps: list[list[Any]],
    setup: Setup,
    ns: list[int],
    caps: list[int],
    markets: list[Market],
) -> None:
    for st in steps:
        if st[0] == "reopen" and len(st) == 2:
            b = st[1]
            n = int(rng.choice(ns))
            mk = markets[b % len(markets)]
            amin, amax = anchor_range(setup.bits, n)
            st.extend([n, int(rng.choice(caps)), min(max(mk.mid - n // 2, amin), amax)])


# ---- the categories ----------------------------------------------------------------


def cat_core(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Multi-N core: every tape size, a realistic drifting book, heap spill."""
    n, _ = _nb(index)
    return _single(
        rng,
        index,
        n_ops,
        mid=int(rng.integers(-10_000, 10_000)),
        width=n / 8,
        drift=1,
        jump_p=0.001,
        jump=n,
        max_cap=4096,
    )


def cat_family64(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """The 64-bit family with prices and quantities far beyond 32 bits."""
    n = TAPE_SIZES[index % len(TAPE_SIZES)]
    mid = int(rng.choice([1, -1])) * int(rng.integers(2**33, 2**61))
    return _single(
        rng,
        index,
        n_ops,
        bits=64,
        mid=mid,
        width=n / 4,
        drift=2,
        jump_p=0.002,
        jump=4 * n,
        qmax=2**40,
        qty_extreme_p=0.05,
        max_cap=2048,
    )


def cat_recenter(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Heavy explicit recenters of both tapes (levels shuttle between tape and spill)."""
    n, _ = _nb(index)
    mix = Mix(batch=(8, 96), recenter=0.35, recenter_spread=1.5, erase_better=0.01)
    return _single(rng, index, n_ops, width=n / 2, drift=2, mix=mix, max_cap=int(rng.choice([64, 512, 4096])))


def cat_deep(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Deep books: thousands of levels spread over many windows, big spills."""
    n, _ = _nb(index)
    mix = Mix(batch=(256, 2048), recenter=0.01, erase_better=0.002, clear=0.0, release=0.0, reset=0.0)
    return _single(
        rng, index, n_ops, width=6 * n, drift=3, del_p=0.15, max_cap=int(rng.choice([8192, 16384])), mix=mix
    )


def cat_spill_saturation(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Spills full at max_cap all the time: eviction and drops of the worst level."""
    n, _ = _nb(index)
    mix = Mix(batch=(32, 512), recenter=0.05)
    return _single(
        rng, index, n_ops, width=12 * n, drift=4, del_p=0.1, max_cap=int(rng.choice([64, 128, 256])), mix=mix
    )


def cat_promote_storm(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Prices jumping far outside the windows: promote after promote, crossed books."""
    n, _ = _nb(index)
    mix = Mix(batch=(8, 128), recenter=0.02)
    return _single(
        rng,
        index,
        n_ops,
        width=n / 3,
        drift=8,
        jump_p=0.05,
        jump=6 * n,
        cross_p=0.3,
        max_cap=int(rng.choice([32, 256, 4096])),
        mix=mix,
    )


def cat_wipe_rebuild(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Cycles of clear / reset / reset_at_mid / erase_better / release / reserve and rebuilding."""
    n, _ = _nb(index)
    mix = Mix(
        batch=(16, 256),
        reset=0.05,
        reset_at_mid=0.06,
        erase_better=0.08,
        clear=0.04,
        release=0.04,
        reserve=0.04,
        recenter=0.04,
    )
    return _single(
        rng,
        index,
        n_ops,
        width=2 * n,
        drift=2,
        jump_p=0.01,
        jump=3 * n,
        del_p=0.15,
        max_cap=int(rng.choice([16, 256, 4096])),
        mix=mix,
    )


def cat_split_anchors(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Bid and ask windows far apart (wide spread); each side recentered on its own."""
    n, _ = _nb(index)
    mix = Mix(batch=(16, 256), recenter=0.1, recenter_spread=4.0)
    gap = int(rng.integers(2, 6)) * n
    setup, steps = _single(rng, index, n_ops, width=n / 2, drift=1, max_cap=1024, mix=mix)
    # push the two sides apart: bids down by gap/2, asks up by gap/2
    for st in steps:
        if st[0] == "set":
            s, p = st[3], st[4]
            shift = np.where(s == 1, -(gap // 2), gap // 2)
            st[4] = np.clip(p + shift, *price_range(setup.bits, setup.books[0]["n"])).astype(np.int64)
    return setup, steps


def cat_off_zero(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Centres far from zero (positive and negative), both families."""
    n, bits = _nb(index)
    lo, hi = price_range(bits, n)
    mid = int(rng.integers(lo // 2, hi // 2))
    return _single(rng, index, n_ops, mid=mid, width=n / 4, drift=2, jump_p=0.005, jump=2 * n, max_cap=1024)


def cat_boundary(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Books at the edges of the valid range: extreme anchors, prices at pmin / pmax."""
    n, bits = _nb(index)
    lo, hi = price_range(bits, n)
    mid = lo + int(rng.integers(0, 3 * n)) if index % 2 else hi - int(rng.integers(0, 3 * n))
    mix = Mix(batch=(8, 128), recenter=0.08, reset=0.01, reset_at_mid=0.02)
    return _single(
        rng,
        index,
        n_ops,
        mid=mid,
        width=n,
        drift=3,
        jump_p=0.01,
        jump=2 * n,
        edge_p=0.05,
        max_cap=int(rng.choice([16, 128, 1024])),
        mix=mix,
    )


def cat_small_cap(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """max_cap 16 / 32 (and 1 ... 8): constant eviction on every spill."""
    n, _ = _nb(index)
    cap = int(rng.choice([16, 32, 16, 32, 1, 2, 4, 8]))
    mix = Mix(batch=(8, 256), recenter=0.06)
    return _single(
        rng, index, n_ops, width=3 * n, drift=3, jump_p=0.01, jump=3 * n, del_p=0.2, max_cap=cap, mix=mix
    )


def cat_batch_modes(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Tiny and empty batches, all three update paths interleaved evenly."""
    n, _ = _nb(index)
    mix = Mix(batch=(0, 8), one_batch=(1, 8), modes=(1, 1, 1), empty_batch=0.05, recenter=0.03)
    return _single(rng, index, n_ops, width=n / 2, drift=2, jump_p=0.01, jump=2 * n, max_cap=512, mix=mix)


def cat_qty_extremes(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Quantities at 1 and at the type's maximum; many in-place updates."""
    return _single(rng, index, n_ops, width=8, drift=1, qmax=3, qty_extreme_p=0.3, del_p=0.1, max_cap=256)


def cat_erase_heavy(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Half the updates delete; erase_better sweeps often, through tape and spill."""
    n, _ = _nb(index)
    mix = Mix(batch=(8, 128), erase_better=0.15, recenter=0.05)
    return _single(rng, index, n_ops, width=2 * n, drift=2, del_p=0.5, cross_p=0.1, max_cap=512, mix=mix)


def cat_snapshot_load(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Snapshot loads (one side or both, in any order, sometimes bad) between updates."""
    n, _ = _nb(index)
    mix = Mix(batch=(8, 64), load=0.25, recenter=0.02)
    return _single(
        rng, index, n_ops, width=n / 2, drift=2, del_p=0.2, max_cap=int(rng.choice([4, 64, 4096])), mix=mix
    )


def _pool_suite(
    rng: np.random.Generator,
    index: int,
    n_ops: int,
    *,
    pool_levels: int,
    policy: str,
    books: int,
    caps: list[int],
    width_n: float,
    mix: Mix,
) -> tuple[Setup, list[list[Any]]]:
    _, bits = _nb(index)
    ns = [TAPE_SIZES[(index + k) % len(TAPE_SIZES)] for k in range(books)]
    setup = Setup("pool", bits, pool_levels=pool_levels, policy=policy)
    markets = []
    for k in range(books):
        n = ns[k]
        mk = _market(
            rng,
            bits,
            n,
            int(rng.integers(-50_000, 50_000)),
            width=width_n * n,
            drift=2,
            jump_p=0.005,
            jump=3 * n,
            del_p=0.2,
        )
        markets.append(mk)
        amin, amax = anchor_range(bits, n)
        setup.books.append(
            {"n": n, "max_cap": int(rng.choice(caps)), "anchor": min(max(mk.mid - n // 2, amin), amax)}
        )
    steps = _gen_steps(rng, markets, ns, bits, mix, n_ops, books)
    _finish_reopen(rng, steps, setup, ns, caps, markets)
    return setup, steps


def cat_pool_shared(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """Several books of different N sharing one (large) SpillPool; books closed and rebuilt."""
    mix = Mix(batch=(16, 256), recenter=0.04, release=0.01, reserve=0.01, reopen=0.01)
    return _pool_suite(
        rng,
        index,
        n_ops,
        pool_levels=int(rng.choice([1 << 16, 1 << 18])),
        policy="refuse",
        books=int(rng.integers(2, 6)),
        caps=[64, 512, 4096],
        width_n=3.0,
        mix=mix,
    )


def cat_pool_exhaustion(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """A small shared pool that runs out: refused and fallback blocks, reserve failures."""
    mix = Mix(batch=(16, 256), recenter=0.05, release=0.03, reserve=0.03, reopen=0.02, load=0.02)
    return _pool_suite(
        rng,
        index,
        n_ops,
        pool_levels=int(rng.choice([16, 48, 100, 256, 1000, 4096])),
        policy=("refuse", "fallback")[index % 2],
        books=int(rng.integers(2, 5)),
        caps=[16, 64, 256, 1024],
        width_n=8.0,
        mix=mix,
    )


def cat_multi_tiers(rng, index, n_ops):  # type: ignore[no-untyped-def]
    """MultiBookPool: alloc / free across the three tiers, both tier triples, tier-full errors."""
    _, bits = _nb(index)
    tiers = MULTI_TIERS[index % len(MULTI_TIERS)]
    counts = tuple(int(rng.integers(1, 4)) for _ in range(3))
    slots = sum(counts) + 2  # more slots than books: some allocs hit a full tier
    setup = Setup(
        "multi",
        bits,
        pool_levels=int(rng.choice([512, 4096, 1 << 16])),
        policy=("refuse", "fallback")[index % 3 == 0],
        tiers=tiers,
        counts=counts,
        multi_cap=int(rng.choice([64, 1024, 4096])),
    )  # type: ignore[arg-type]
    n_max = tiers[0]
    markets = [
        _market(
            rng,
            bits,
            n_max,
            int(rng.integers(-50_000, 50_000)),
            width=3.0 * tiers[k % 3],
            drift=2,
            jump_p=0.005,
            jump=2 * tiers[k % 3],
            del_p=0.2,
        )
        for k in range(slots)
    ]
    tier_of_slot = [k % 3 for k in range(slots)]
    steps: list[list[Any]] = []
    for k in range(slots):
        n = tiers[tier_of_slot[k]]
        amin, amax = anchor_range(bits, n)
        steps.append(
            [
                "alloc",
                k,
                tier_of_slot[k],
                min(max(markets[k].mid - n // 2, amin), amax),
                int(rng.choice([0, 0, 16, 256, 2048])),
            ]
        )
    ns = [tiers[tier_of_slot[k]] for k in range(slots)]

    def extra(rng: np.random.Generator, out: list[list[Any]]) -> bool:
        r = rng.random()
        if r < 0.04:
            k = int(rng.integers(0, slots))
            out.append(["free", k])
            return True
        if r < 0.08:
            k = int(rng.integers(0, slots))
            t = tier_of_slot[k] if rng.random() < 0.8 else int(rng.integers(0, 3))
            n = tiers[t]
            amin, amax = anchor_range(bits, n)
            out.append(
                [
                    "alloc",
                    k,
                    t,
                    min(max(markets[k].mid - n // 2, amin), amax),
                    int(rng.choice([0, 0, 16, 256, 2048])),
                ]
            )
            return True
        return False

    mix = Mix(batch=(16, 256), recenter=0.04, release=0.01, reserve=0.01)
    steps += _gen_steps(rng, markets, ns, bits, mix, n_ops, slots, extra=extra)
    # alloc steps may move a slot to another tier: its prices must stay valid for every tier
    return setup, steps


Category = Callable[[np.random.Generator, int, int], tuple[Setup, list[list[Any]]]]

CATEGORIES: dict[str, tuple[Category, float]] = {
    # name: (generator, relative op budget)
    "core": (cat_core, 1.5),
    "family64": (cat_family64, 1.0),
    "recenter": (cat_recenter, 0.8),
    "deep": (cat_deep, 0.8),
    "spill_saturation": (cat_spill_saturation, 1.0),
    "promote_storm": (cat_promote_storm, 1.0),
    "wipe_rebuild": (cat_wipe_rebuild, 0.8),
    "split_anchors": (cat_split_anchors, 1.0),
    "off_zero": (cat_off_zero, 1.0),
    "boundary": (cat_boundary, 1.0),
    "small_cap": (cat_small_cap, 1.0),
    "batch_modes": (cat_batch_modes, 0.25),
    "qty_extremes": (cat_qty_extremes, 1.0),
    "erase_heavy": (cat_erase_heavy, 1.0),
    "pool_shared": (cat_pool_shared, 1.0),
    "pool_exhaustion": (cat_pool_exhaustion, 1.0),
    "multi_tiers": (cat_multi_tiers, 1.0),
    "snapshot_load": (cat_snapshot_load, 0.5),
}


@dataclass(frozen=True)
class Profile:
    suites_per_category: int
    ops_per_suite: int
    check_every: int


PROFILES = {
    "quick": Profile(suites_per_category=3, ops_per_suite=5000, check_every=64),
    "full": Profile(suites_per_category=20, ops_per_suite=60_000, check_every=64),
}


def suite_seed(base: int, category: str, index: int) -> int:
    cat_id = list(CATEGORIES).index(category)
    return int(np.random.SeedSequence([base, cat_id, index]).generate_state(1)[0])


def make_suite(category: str, seed: int, index: int, n_ops: int) -> SuiteDef:
    gen, _ = CATEGORIES[category]
    rng = np.random.default_rng(seed)
    setup, steps = gen(rng, index, n_ops)
    return SuiteDef(category, seed, index, setup, steps)


# ---------------------------------------------------------------------------
# running, saving, shrinking
# ---------------------------------------------------------------------------


def run_stream(
    setup: Setup,
    steps: list[list[Any]],
    check_every: int = 48,
    paranoid: bool = False,
    on_step: Callable[[int], None] | None = None,
) -> Mismatch | None:
    """Run a stream on fresh objects; the first Mismatch, or None when it passes."""
    runner = None
    try:
        runner = Runner(setup, check_every=check_every, paranoid=paranoid)
        runner.run(steps, on_step=on_step)
    except Mismatch as e:
        return e
    except Exception as e:  # construction failed
        m = Mismatch(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        m.step = 0  # type: ignore[attr-defined]
        m.op = 0  # type: ignore[attr-defined]
        return m
    finally:
        if runner is not None:
            with contextlib.suppress(Exception):  # a failure already reported is enough
                runner.close()
    return None


def truncate(steps: list[list[Any]], step: int, row: int) -> list[list[Any]]:
    """The steps up to and including ``steps[step]``, that one cut after ``row``."""
    out = [list(s) for s in steps[: step + 1]]
    last = out[-1]
    if last[0] in SET_KINDS:
        out[-1] = [*last[:3], last[3][: row + 1], last[4][: row + 1], last[5][: row + 1]]
    return out


def flatten(steps: list[list[Any]]) -> list[list[Any]]:
    """One step per operation (batches split into batches of one row)."""
    out = []
    for st in steps:
        if st[0] in SET_KINDS:
            for k in range(len(st[3])):
                out.append([st[0], st[1], st[2], st[3][k : k + 1], st[4][k : k + 1], st[5][k : k + 1]])
        else:
            out.append(st)
    return out


def regroup(steps: list[list[Any]]) -> list[list[Any]]:
    """Merge consecutive set steps of one book and mode back into batches (trace/apply only)."""
    out: list[list[Any]] = []
    for st in steps:
        if (
            st[0] in SET_KINDS
            and out
            and out[-1][0] == st[0]
            and out[-1][1] == st[1]
            and out[-1][2] == st[2]
            and st[2] != "one"
        ):
            prev = out[-1]
            out[-1] = [
                *prev[:3],
                list(prev[3]) + list(st[3]),
                list(prev[4]) + list(st[4]),
                list(prev[5]) + list(st[5]),
            ]
        else:
            out.append([*st[:3], list(st[3]), list(st[4]), list(st[5])] if st[0] in SET_KINDS else st)
    return out


def shrink(
    setup: Setup, steps: list[list[Any]], budget_s: float = 60.0, log: Callable[[str], None] | None = None
) -> list[list[Any]]:
    """Delta debugging (ddmin) over the operations: a shorter stream that still fails."""
    deadline = time.monotonic() + budget_s

    def fails(cand: list[list[Any]]) -> bool:
        # quick checks after every step, full comparisons now and then and at the end
        return run_stream(setup, regroup(cand), check_every=256) is not None

    flat = flatten(steps)
    if not fails(flat):
        # the failure needs the original batching: shrink whole steps instead
        flat = [list(s) for s in steps]
        if not fails(flat):
            return steps
    n = 2
    while len(flat) >= 2 and time.monotonic() < deadline:
        chunk = max(len(flat) // n, 1)
        reduced = False
        for start in range(0, len(flat), chunk):
            if time.monotonic() >= deadline:
                break
            cand = flat[:start] + flat[start + chunk :]
            if cand and fails(cand):
                flat = cand
                n = max(n - 1, 2)
                reduced = True
                if log:
                    log(f"    shrink: {len(flat)} ops")
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(n * 2, len(flat))
    return regroup(flat)


def save_stream(
    path: Path,
    sd: SuiteDef | None,
    setup: Setup,
    steps: list[list[Any]],
    failure: dict[str, Any],
    category: str = "",
    seed: int = 0,
    index: int = 0,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": FORMAT_VERSION,
        "category": sd.category if sd else category,
        "seed": sd.seed if sd else seed,
        "index": sd.index if sd else index,
        "setup": setup.to_json(),
        "steps": [_jsonable(s) for s in steps],
        "failure": failure,
    }
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")


def load_stream(path: Path) -> tuple[dict[str, Any], Setup, list[list[Any]]]:
    doc = json.loads(Path(path).read_text())
    if doc.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: unknown fuzz stream version {doc.get('version')!r}")
    return doc, Setup.from_json(doc["setup"]), doc["steps"]


@dataclass
class SuiteResult:
    category: str
    seed: int
    index: int
    ops: int
    seconds: float
    failure: dict[str, Any] | None = None


def run_suite(
    category: str,
    seed: int,
    index: int,
    n_ops: int,
    check_every: int,
    out_dir: str,
    do_shrink: bool = True,
    shrink_budget: float = 60.0,
) -> SuiteResult:
    t0 = time.perf_counter()
    sd = make_suite(category, seed, index, n_ops)
    total = sum(count_ops(s) for s in sd.steps)
    err = run_stream(sd.setup, sd.steps, check_every=check_every)
    gc.collect()
    if err is None:
        return SuiteResult(category, seed, index, total, time.perf_counter() - t0)
    step = getattr(err, "step", 0)
    op = getattr(err, "op", 0)
    failure: dict[str, Any] = {
        "category": category,
        "seed": seed,
        "index": index,
        "op": op,
        "step": step,
        "message": str(err),
    }
    cut = truncate(sd.steps, step, err.row)
    path = Path(out_dir) / f"{category}-{seed}.json"
    save_stream(path, sd, sd.setup, cut, failure)
    failure["file"] = str(path)
    if do_shrink:
        small = shrink(sd.setup, cut, budget_s=shrink_budget)
        small_err = run_stream(sd.setup, small, paranoid=True)
        if small_err is not None:
            mpath = Path(out_dir) / f"{category}-{seed}-min.json"
            f2 = dict(
                failure,
                op=getattr(small_err, "op", 0),
                step=getattr(small_err, "step", 0),
                message=str(small_err),
            )
            save_stream(mpath, sd, sd.setup, small, f2)
            failure["shrunk_file"] = str(mpath)
            failure["shrunk_ops"] = sum(count_ops(s) for s in small)
            failure["shrunk_message"] = str(small_err)
    return SuiteResult(category, seed, index, op + 1, time.perf_counter() - t0, failure)


def _worker(args: tuple[Any, ...]) -> SuiteResult:
    return run_suite(*args)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal, periodic plain lines otherwise."""

    def __init__(self, total_suites: int, total_ops: int, enabled: bool) -> None:
        self.total_suites = total_suites
        self.total_ops = total_ops
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.suites = 0
        self.ops = 0
        self.failed = 0

    def update(self, res: SuiteResult) -> None:
        self.suites += 1
        self.ops += res.ops
        self.failed += res.failure is not None
        if not self.enabled:
            return
        now = time.perf_counter()
        if not self.tty and now - self.last < 10 and self.suites < self.total_suites:
            return
        self.last = now
        frac = self.suites / max(self.total_suites, 1)
        width = 30
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        el = now - self.t0
        eta = el / frac - el if frac else 0
        line = (
            f"[{bar}] {self.suites}/{self.total_suites} suites  {self.ops / 1e6:.2f}M ops  "
            f"{el:.0f}s (eta {eta:.0f}s)  failed {self.failed}"
        )
        if self.tty:
            print(
                "\r" + line, end="" if self.suites < self.total_suites else "\n", file=sys.stderr, flush=True
            )
        else:
            print(line, file=sys.stderr, flush=True)


def _fmt_failure(f: dict[str, Any]) -> str:
    lines = [
        f"FAIL {f['category']} seed={f['seed']} index={f['index']} op={f['op']}: "
        + f["message"].splitlines()[0]
    ]
    rest = f["message"].splitlines()[1:12]
    lines += ["    " + ln for ln in rest]
    lines.append(f"    stream: {f['file']}  (tapebook fuzz --replay {f['file']})")
    if "shrunk_file" in f:
        lines.append(f"    shrunk to {f['shrunk_ops']} ops: {f['shrunk_file']}")
        lines.append("    " + f["shrunk_message"].splitlines()[0])
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """The options of ``tapebook fuzz`` (a run of seeded suites, or ``--replay FILE``)."""
    ap = argparse.ArgumentParser(
        prog="tapebook fuzz",
        description=(
            "Differential fuzzing: seeded random operation streams run against the reference "
            "model, every result compared; failing streams are shrunk and saved as JSON. "
            "With --replay FILE, re-run one saved stream instead."
        ),
    )
    ap.add_argument(
        "--profile", choices=sorted(PROFILES), default="quick", help="suite count and length (default quick)"
    )
    ap.add_argument("--seed", type=int, default=20240601, help="base seed (suite seeds derive from it)")
    ap.add_argument("--json", metavar="PATH", help="write the summary as JSON")
    ap.add_argument("--category", action="append", choices=list(CATEGORIES), help="only these categories")
    ap.add_argument("--suites", type=int, help="suites per category (default: the profile's)")
    ap.add_argument("--ops", type=int, help="operations per suite (default: the profile's)")
    ap.add_argument("--jobs", type=int, help="worker processes (default: 1 for quick, all CPUs for full)")
    ap.add_argument("--out", default="fuzz-failures", help="directory for failing streams")
    ap.add_argument("--no-shrink", action="store_true", help="do not shrink failing streams")
    ap.add_argument(
        "--shrink-seconds", type=float, default=60.0, help="time limit for shrinking one stream (default 60)"
    )
    ap.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    rp = ap.add_argument_group("replaying a saved stream")
    rp.add_argument(
        "--replay", metavar="FILE", help="re-run this saved failing stream (exit 1 when it still fails)"
    )
    rp.add_argument(
        "--check-every", type=int, default=1, help="with --replay: full comparison every K ops (default 1)"
    )
    rp.add_argument(
        "--shrink", action="store_true", help="with --replay: shrink the stream and write FILE-min.json"
    )
    rp.add_argument("--show", action="store_true", help="with --replay: print the steps")
    return ap


def main(argv: list[str]) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    if args.replay is not None:
        return _replay(args)

    from .. import _native as nat

    build = nat.build_info()
    want = os.environ.get("TAPEBOOK_EXPECT_SANITIZED")
    if want and want not in build:
        print(
            f"TAPEBOOK_EXPECT_SANITIZED={want} but the loaded C module was built with: {build}",
            file=sys.stderr,
        )
        return 2
    prof = PROFILES[args.profile]
    cats = args.category or list(CATEGORIES)
    per_cat = args.suites if args.suites is not None else prof.suites_per_category
    base_ops = args.ops if args.ops is not None else prof.ops_per_suite
    jobs = args.jobs or (1 if args.profile == "quick" else (os.cpu_count() or 1))
    tasks = []
    for cat in cats:
        ops = max(int(base_ops * CATEGORIES[cat][1]), 1)
        for i in range(per_cat):
            tasks.append(
                (
                    cat,
                    suite_seed(args.seed, cat, i),
                    i,
                    ops,
                    prof.check_every,
                    args.out,
                    not args.no_shrink,
                    args.shrink_seconds,
                )
            )
    # long suites first keeps the workers busy to the end
    tasks.sort(key=lambda t: -t[3])
    total_ops = sum(t[3] for t in tasks)
    print(
        f"tapebook fuzz: profile {args.profile}, {len(tasks)} suites in {len(cats)} categories, "
        f"~{total_ops / 1e6:.2f}M ops, base seed {args.seed}, {jobs} job(s); C module: {build}",
        file=sys.stderr,
    )
    prog = Progress(len(tasks), total_ops, enabled=not args.no_progress)
    t0 = time.perf_counter()
    results: list[SuiteResult] = []

    def record(res: SuiteResult) -> None:
        results.append(res)
        prog.update(res)
        if res.failure:
            print(("\n" if prog.tty else "") + _fmt_failure(res.failure), file=sys.stderr, flush=True)

    if jobs > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
            futs = [ex.submit(_worker, t) for t in tasks]
            for f in as_completed(futs):
                record(f.result())
    else:
        for t in tasks:
            record(run_suite(*t))
    seconds = time.perf_counter() - t0

    # summary table
    by_cat: dict[str, dict[str, Any]] = {}
    for cat in cats:
        rs = [r for r in results if r.category == cat]
        by_cat[cat] = {
            "suites": len(rs),
            "ops": sum(r.ops for r in rs),
            "seconds": round(sum(r.seconds for r in rs), 3),
            "failures": sum(r.failure is not None for r in rs),
        }
    n_fail = sum(r.failure is not None for r in results)
    n_ops = sum(r.ops for r in results)
    w = max(len(c) for c in cats)
    print()
    print(f"{'category':<{w}}  {'suites':>6}  {'ops':>10}  {'suite s':>8}  {'failures':>8}")
    print("-" * (w + 40))
    for cat, d in by_cat.items():
        print(f"{cat:<{w}}  {d['suites']:>6}  {d['ops']:>10}  {d['seconds']:>8.1f}  {d['failures']:>8}")
    print("-" * (w + 40))
    print(f"{'total':<{w}}  {len(results):>6}  {n_ops:>10}  {seconds:>7.1f}w  {n_fail:>8}")
    print(
        f"profile {args.profile}: {len(results)} suites, {n_ops} ops, {len(cats)} categories, "
        f"{seconds:.1f} s wall, {n_fail} failures"
    )
    if args.json:
        doc = {
            "profile": args.profile,
            "seed": args.seed,
            "suites": len(results),
            "ops": n_ops,
            "categories": len(cats),
            "seconds": round(seconds, 3),
            "jobs": jobs,
            "passed": len(results) - n_fail,
            "failed": n_fail,
            "per_category": by_cat,
            "failures": [r.failure for r in results if r.failure],
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"{len(results) - n_fail} passed, {n_fail} failed")
    return 1 if n_fail else 0


def replay_main(argv: list[str]) -> int:
    """``tapebook fuzz --replay FILE [options]`` with FILE first (the old ``replay`` command)."""
    if argv and not argv[0].startswith("-"):
        argv = ["--replay", *argv]
    return main(argv)


def _replay(args: argparse.Namespace) -> int:
    """Re-run the saved stream ``args.replay``."""
    args.file = args.replay
    try:
        doc, setup, steps = load_stream(Path(args.file))
    except (
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
    ) as e:  # JSON or shape: not a saved stream
        print(
            f"tapebook fuzz --replay: {args.file} is not a saved fuzz stream ({type(e).__name__}: {e}); "
            "an update log is read with `tapebook log FILE`",
            file=sys.stderr,
        )
        return 2
    n_ops = sum(count_ops(s) for s in steps)
    print(
        f"replay {args.file}: category {doc.get('category')} seed {doc.get('seed')} "
        f"index {doc.get('index')}, "
        f"{len(steps)} steps, {n_ops} ops, setup {setup.to_json()}"
    )
    if args.show:
        for k, st in enumerate(steps):
            print(f"  {k:5d} {json.dumps(_jsonable(st))[:200]}")
    err = run_stream(setup, steps, check_every=args.check_every, paranoid=args.check_every <= 1)
    if err is None:
        print("PASS: the stream runs clean")
        return 0
    print(f"FAIL at op {getattr(err, 'op', '?')} (step {getattr(err, 'step', '?')}): {err}")
    if args.shrink:
        small = shrink(setup, steps, log=print)
        out = Path(args.file).with_name(Path(args.file).stem + "-min.json")
        e2 = run_stream(setup, small, paranoid=True)
        save_stream(
            out,
            None,
            setup,
            small,
            {"message": str(e2)},
            doc.get("category", ""),
            doc.get("seed", 0),
            doc.get("index", 0),
        )
        print(f"shrunk to {sum(count_ops(s) for s in small)} ops: {out}")
    return 1


def iter_categories() -> Iterator[str]:
    return iter(CATEGORIES)
