"""pytest-benchmark: tapebook against order_book, sortedcontainers and a plain
dict on the 1M-update clustered stream (issue #5).

    pytest bench/python                       # 1M updates, 5 rounds per benchmark
    pytest bench/python --tb-ops 100000 --benchmark-json out.json

One round is one pass over the stream (or over the read calls); pytest-benchmark
reports seconds per round, and every benchmark stores ``ns_per_op`` (median
round / calls) in its ``extra_info``. The loops are the ones
``tb_pybench.py`` times in batches for ``bench/report.py`` (same
generated code, without the per-batch clock reads). Every implementation is
verified against the reference before it is timed, and the state after the
last round is checked again.
"""

from __future__ import annotations

from typing import Any

import pytest
import tb_pybench as tbp

pytestmark = pytest.mark.bench

IMPLS = {im.name: im for im in tbp.implementations()}
N = tbp.DEFAULT_N


class Env:
    def __init__(self, ops: int) -> None:
        self.wl = tbp.make_workload(ops=ops)
        self.items = self.wl.items
        ref = IMPLS.get("sortedcontainers") or IMPLS["dict"]
        ctx, bbo, why = tbp.verify_impl(ref, self.wl, N, None)
        assert not why, why
        bids, asks = ref.state(ctx)  # type: ignore[misc]
        self.truth = tbp.Truth(ref.name, bbo, bids, asks, tbp._top10(bids, asks))
        self.books: dict[str, Any] = {ref.name: ctx}
        self.problems: dict[str, str] = {}
        for im in IMPLS.values():
            if im.state is None or im.update is None or im.name == ref.name:
                continue
            c, _, why = tbp.verify_impl(im, self.wl, N, self.truth)
            self.books[im.name] = c
            if why:
                self.problems[im.name] = why
        if "tapebook" in self.books:
            self.books["tapebook-top"] = self.books["tapebook"]

    def fresh(self, im: tbp.Impl) -> Any:
        ctx = im.new(N)
        tbp.make_kernel(im, "update", timed=False)(ctx, self.wl.pre_items)
        return ctx


@pytest.fixture(scope="session")
def env(request: pytest.FixtureRequest) -> Env:
    return Env(request.config.getoption("--tb-ops"))


@pytest.fixture(scope="session")
def rounds(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--tb-rounds")


def _params(*ops: str) -> list[Any]:
    return [
        pytest.param(op, name, id=f"{op}-{name}")
        for op in ops
        for name, im in IMPLS.items()
        if tbp.supports(im, op)
    ]


def test_every_implementation_agrees_with_the_reference(env: Env) -> None:
    """BBO after every update, the final book and its 10 best levels."""
    assert env.problems == {}
    for name, c in env.books.items():
        im = IMPLS[name]
        if im.levels is not None:
            r = tbp.make_kernel(im, "levels10", timed=False)(c, range(1))
            assert tbp._norm_levels(r) == env.truth.top10, name
        if im.bbo is not None:
            got = tbp.make_kernel(im, "bbo_read", timed=False)(c, range(1))
            assert got == (int(env.truth.bbo[-1, 0]), int(env.truth.bbo[-1, 2])), name


def _record(benchmark: Any, op: str, im: tbp.Impl, calls: int) -> None:
    benchmark.group = op
    benchmark.extra_info.update(op=op, impl=im.name, role=im.role, calls=calls)


def _ns_per_op(benchmark: Any, calls: int) -> None:
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_op"] = round(benchmark.stats.stats.median / calls * 1e9, 2)


@pytest.mark.parametrize(("op", "impl"), _params("update", "update_bbo"))
def test_updates(benchmark: Any, env: Env, rounds: int, op: str, impl: str) -> None:
    im = IMPLS[impl]
    kernel = tbp.make_kernel(im, op, timed=False)
    last: list[Any] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        ctx = env.fresh(im)
        last[:] = [ctx]
        return (ctx, env.items), {}

    _record(benchmark, op, im, len(env.items))
    benchmark.pedantic(kernel, setup=setup, rounds=rounds, iterations=1, warmup_rounds=0)
    _ns_per_op(benchmark, len(env.items))
    if im.state is not None:
        assert im.state(last[0]) == (env.truth.bids, env.truth.asks)


@pytest.mark.parametrize(("op", "impl"), _params("bbo_read", "levels10"))
def test_reads(benchmark: Any, env: Env, rounds: int, op: str, impl: str) -> None:
    im = IMPLS[impl]
    calls = max(1000, len(env.items) // (10 if op == "levels10" else 4))
    kernel = tbp.make_kernel(im, op, timed=False)
    _record(benchmark, op, im, calls)
    r = benchmark.pedantic(
        kernel, args=(env.books[impl], range(calls)), rounds=rounds, iterations=1, warmup_rounds=1
    )
    _ns_per_op(benchmark, calls)
    if op == "levels10":
        assert tbp._norm_levels(r) == env.truth.top10
    else:
        assert r == (int(env.truth.bbo[-1, 0]), int(env.truth.bbo[-1, 2]))


@pytest.mark.parametrize("op", ["apply", "bbo_trace"])
def test_batch(benchmark: Any, env: Env, rounds: int, op: str) -> None:
    wl = env.wl
    last: list[Any] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        b = tbp._new_tapebook(N)
        b.apply(*wl.pre_arrays)
        last[:] = [b]
        return (getattr(b, op), wl.sides, wl.prices, wl.qtys), {}

    benchmark.group = op
    benchmark.extra_info.update(op=op, impl="tapebook", role="subject", calls=wl.ops)
    benchmark.pedantic(
        lambda fn, s, p, q: fn(s, p, q), setup=setup, rounds=rounds, iterations=1, warmup_rounds=0
    )
    _ns_per_op(benchmark, wl.ops)
    assert tbp._tb_state(last[0]) == (env.truth.bids, env.truth.asks)
