"""Feed replay into a PooledBook counts as a call in flight (issue #12, follow-up of
finding 4): ``MultiBookPool.close()`` in another thread waits for the C replay loop
instead of freeing the book under it.

The replay engine used to pass the slot's C address straight to ``tb_feed_run``,
bypassing the in-flight count every PooledBook method goes through; a concurrent
close then freed the arena while the loop ran (a use-after-free: ASan reports it in
the stochastic test below; the deterministic test fails without a sanitizer)."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tapebook import ClosedError, ConcurrentUseError, MultiBookPool, feeds
from tapebook.feeds import _engine

HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
KW = {"tick_size": "0.25", "lot_size": "0.1"}
# the stochastic test's trials: close() at a random moment of a replay of many batches
TRIALS = 30 if os.environ.get("TAPEBOOK_EXPECT_SANITIZED") else 100


def _feed(tmp_path: Path, rows: int) -> Path:
    body = "".join(
        f"x,A,{t},{t},{'true' if t < 3 else 'false'},{'bid' if t % 2 else 'ask'},"
        f"{(90 + t % 7) if t % 2 else (110 + t % 5)},{1 + t % 4}\n"
        for t in range(1, rows)
    )
    p = tmp_path / "feed.csv"
    p.write_text(HEADER + body)
    return p


def _pool() -> MultiBookPool:
    return MultiBookPool(
        high_books=2, medium_books=0, low_books=0, price_bits=64, pool_levels=4096, max_cap=64
    )


class _PausingLib:
    """The C library with a tb_feed_run that stops at its start until released, and
    refuses (instead of reaching freed memory) when the book was closed meanwhile."""

    def __init__(self, real: Any, book: Any) -> None:
        self._real, self._book = real, book
        self.inside, self.go = threading.Event(), threading.Event()
        self.inflight_seen: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def tb_feed_run(self, *args: Any) -> Any:
        self.inflight_seen.append(self._book._inflight)
        self.inside.set()
        assert self.go.wait(30)
        if self._book._closed:
            raise AssertionError("the PooledBook was closed under a running replay")
        return self._real.tb_feed_run(*args)


def test_close_waits_for_a_running_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _feed(tmp_path, 50)
    m = _pool()
    book = m.alloc("high", 0)
    fake = _PausingLib(_engine.lib, book)
    monkeypatch.setattr(_engine, "lib", fake)
    result: list[Any] = []

    def replay() -> None:
        try:
            result.append(feeds.replay_into(path, "tardis", book=book, sink=lambda r, d: None, **KW))
        except BaseException as e:  # reported by the test
            result.append(e)

    t = threading.Thread(target=replay)
    t.start()
    assert fake.inside.wait(30)
    closer = threading.Thread(target=m.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive(), "close() did not wait for the replay inside the C loop"
    assert not book.closed
    fake.go.set()
    t.join(30)
    closer.join(30)
    assert not closer.is_alive() and not t.is_alive()
    assert fake.inflight_seen and min(fake.inflight_seen) >= 1
    assert not isinstance(result[0], BaseException), result[0]
    assert result[0][1] == "complete"
    assert book.closed
    with pytest.raises(ClosedError):
        feeds.replay_into(path, "tardis", book=book, sink=lambda r, d: None, **KW)


def test_close_at_random_moments_of_a_replay(tmp_path: Path) -> None:
    """Many batches, close() after a random delay: the replay either completes or
    stops with ClosedError between batches; close() succeeds; nothing else."""
    path = _feed(tmp_path, 3000)
    rng = random.Random(12)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    outcomes = {"complete": 0, "closed": 0}
    try:
        for _ in range(TRIALS):
            m = _pool()
            book = m.alloc("high", 0)
            errors: list[BaseException] = []
            started = threading.Event()

            def replay(
                book: Any = book, errors: list[BaseException] = errors, started: Any = started
            ) -> None:
                try:
                    started.set()
                    feeds.replay_into(path, "tardis", book=book, sink=lambda r, d: None, batch_rows=16, **KW)
                    outcomes["complete"] += 1
                except ClosedError:
                    outcomes["closed"] += 1
                except BaseException as e:  # reported by the test
                    errors.append(e)

            t = threading.Thread(target=replay)
            t.start()
            started.wait(30)
            time.sleep(rng.random() * 0.02)
            while True:
                try:
                    m.close()
                    break
                except ConcurrentUseError:
                    pass
            t.join(60)
            assert not t.is_alive()
            assert not errors, errors[0]
            assert book.closed
    finally:
        sys.setswitchinterval(old)
    assert outcomes["complete"] + outcomes["closed"] == TRIALS
