"""Seeded synthetic update streams that look like level-2 market data.

Used by the tests, the benchmarks and ``tools/make_demo_stream.py`` (the
demo's bundled stream is made with :func:`market_stream` and written with
:func:`save`). Every generator is deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stream:
    """Equal-length arrays: side (bool, True = bid), price (int64 ticks), qty (uint64 lots)."""

    sides: np.ndarray
    prices: np.ndarray
    qtys: np.ndarray

    def __len__(self) -> int:
        return len(self.sides)

    def astype(self, price_bits: int) -> Stream:
        """The same stream with the dtypes of a ``price_bits`` book."""
        p = np.int32 if price_bits == 32 else np.int64
        q = np.uint32 if price_bits == 32 else np.uint64
        return Stream(self.sides, self.prices.astype(p), self.qtys.astype(q))


def market_stream(
    n: int, seed: int = 0, mid: int = 100_000, drift_every: int = 200, cancel_share: float = 0.15
) -> Stream:
    """A realistic stream: the mid does a random walk (a tick every ``drift_every``
    updates on average) and, as a real feed does, the levels it moves through
    are deleted, so the book stays uncrossed. 70% of updates land within ±10
    ticks of the touch, 20% within ±40, 10% within ±160; ``cancel_share`` of
    them set qty 0; sizes are log-normal lots."""
    rng = np.random.default_rng(seed)
    move = rng.random(n).tolist()
    sides = (rng.random(n) < 0.5).tolist()
    bucket = rng.random(n)
    width = np.where(bucket < 0.7, 10, np.where(bucket < 0.9, 40, 160))
    dist = (rng.random(n) * width).astype(np.int64).tolist()
    qtys = np.maximum(1, rng.lognormal(3.0, 1.0, n)).astype(np.uint64)
    qtys[rng.random(n) < cancel_share] = 0
    q = qtys.tolist()
    up = 0.5 / drift_every
    out_s: list[bool] = []
    out_p: list[int] = []
    out_q: list[int] = []
    live = (set(), set())  # live ask / bid prices
    m = mid
    i = 0
    while len(out_s) < n:
        r = move[i % n]
        if r < 2 * up:  # the mid moves one tick; delete what it moved through
            m += 1 if r < up else -1
            side = r >= up  # moving up crosses asks at the new mid, down crosses bids
            if m in live[side]:
                live[side].discard(m)
                out_s.append(side)
                out_p.append(m)
                out_q.append(0)
                if len(out_s) == n:
                    break
        side = sides[i % n]
        px = m - 1 - dist[i % n] if side else m + 1 + dist[i % n]
        qty = q[i % n]
        (live[side].add if qty else live[side].discard)(px)
        out_s.append(side)
        out_p.append(px)
        out_q.append(qty)
        i += 1
    return Stream(
        np.array(out_s, dtype=bool), np.array(out_p, dtype=np.int64), np.array(out_q, dtype=np.uint64)
    )


def clustered_stream(n: int, seed: int = 0, mid: int = 100_000) -> Stream:
    """The benchmark workload of issue #5: 70% within ±10 ticks of the BBO,
    20% within 4x that, 10% within 16x, 15% cancels; the mid is fixed."""
    return market_stream(n, seed=seed, mid=mid, drift_every=10**12, cancel_share=0.15)


def uniform_stream(n: int, seed: int = 0, mid: int = 100_000, spread: int = 500) -> Stream:
    """Prices uniform over ±``spread`` around the mid; 15% cancels."""
    rng = np.random.default_rng(seed)
    sides = rng.random(n) < 0.5
    off = rng.integers(1, spread + 1, n)
    prices = np.where(sides, mid - off, mid + off).astype(np.int64)
    qtys = rng.integers(1, 100, n).astype(np.uint64)
    qtys[rng.random(n) < 0.15] = 0
    return Stream(sides, prices, qtys)


def save(stream: Stream, path: str) -> None:
    np.savez_compressed(path, sides=stream.sides, prices=stream.prices, qtys=stream.qtys)


def load(path: str) -> Stream:
    with np.load(path) as z:
        return Stream(z["sides"].astype(bool), z["prices"].astype(np.int64), z["qtys"].astype(np.uint64))
