"""tapebook's Python benchmarks (issue #5): tapebook against the order books a
Python user would pick, on one seeded clustered stream, in one run.

Run it directly (``python bench/python/tb_pybench.py [--quick] [--json PATH]``),
through ``bench/report.py`` (which adds the C harness and writes the
markdown report), or through pytest-benchmark (``pytest bench/python``).

What is measured
----------------
The stream is :func:`tapebook.testing.streams.clustered_stream` (seeded; 70% of the
updates within ±10 ticks of the touch, 20% within ±40, 10% within ±160, 15%
cancels, fixed mid). A prefill of ``prefill`` updates is applied untimed first,
then ``ops`` updates (1,000,000 by default) are timed. Operations:

``update``      one update ``(side, px, qty)``, qty 0 deletes the level
``update_bbo``  one update, then read the best bid price and the best ask price
``bbo_read``    best bid + best ask price, on the book as it is after the stream
``levels10``    the 10 best ``(px, qty)`` levels of both sides, same book
``apply``       ``Book.apply`` over the whole stream in one call (ns/op = call / ops)
``bbo_trace``   ``Book.bbo_trace`` likewise
``apply_1k``    ``Book.apply`` called once per 1000-update chunk (per-call percentiles)
``bbo_trace_1k`` likewise

Implementations (all in the same run, interleaved repetition by repetition):

``tapebook``           the public API: ``Book.set``, ``best_bid_px``/``best_ask_px``,
                       ``levels(side, 10)`` (row ``tapebook-top``: ``top(10)``)
``tapebook-py``        diagnostic: the same methods on their Python path (what every
                       call cost before tapebook._hotpath; ``TAPEBOOK_NO_HOTPATH=1``)
``tapebook-raw``       diagnostic: the C functions the methods wrap, called straight
                       through cffi (no Python wrapper): what a CFFI call costs
``cffi-noop``          the floor: a C function that does nothing, same arguments
                       as ``set`` (``noop(32)(book._p, side, px, qty)``; built for
                       the bench only by noop_ffi.py, not shipped)
``order_book``         ``order_book.OrderBook`` (bmoscon's C extension, used by
                       cryptofeed): ``ob.bids[px] = qty``, ``del``, ``index(0)``
``sortedcontainers``   a ``sortedcontainers.SortedDict`` per side
``dict``               a plain ``dict`` per side with a cached best price
                       (:class:`DictBook`, written here; correct under deletes)

The peers' loops are written inline the way a user would write them (mapping
assignment, ``del``/``pop``), so they pay no extra Python call per update;
tapebook and :class:`DictBook` are called through their methods.

Per-call operations are timed in batches (``time.perf_counter_ns`` around every
``batch`` calls, 1000 by default; 100 for ``levels10``); a sample is the
batch's ns divided by its calls, and p50/p90/p99 are taken over the samples of
one repetition (nearest rank). ``mean`` is the repetition's total / calls.
The repetition with the median total is reported; all are kept. The garbage
collector is off while timing. Every implementation is verified first: the
best bid/ask (price and quantity) after every timed update, the final book and
its 10 best levels must equal the reference's (``sortedcontainers``, else
:class:`DictBook`); every timed repetition's final state or read result is
checked again. A row that fails is marked unverified and gets no ratio.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from noop_ffi import noop

from tapebook import Book, __version__
from tapebook import _native as nat
from tapebook.testing.streams import clustered_stream

try:  # the peers are optional: `pip install 'tapebook[bench]'`
    from order_book import OrderBook
except ImportError:  # pragma: no cover - depends on the environment
    OrderBook = None
try:
    from sortedcontainers import SortedDict
except ImportError:  # pragma: no cover
    SortedDict = None

MID = 100_000
DEFAULT_OPS = 1_000_000
DEFAULT_PREFILL = 20_000
DEFAULT_SEED = 5
DEFAULT_N = 1024
MAX_CAP = 4096

_clock = time.perf_counter_ns

# ---- the plain-dict peer ---------------------------------------------------------

NO_BID = -(1 << 63)  #: DictBook.best_bid of an empty side
NO_ASK = 1 << 63  #: DictBook.best_ask of an empty side


def _walk(d: dict[int, int], best: int, k: int, step: int) -> list[tuple[int, int]]:
    """The k best levels of one dict side, walking tick by tick from the cached
    best (dense books near the touch); falls back to a heap past 16*k ticks."""
    n = min(k, len(d))
    out: list[tuple[int, int]] = []
    p = best
    for _ in range(16 * k):
        if len(out) >= n:
            return out
        q = d.get(p)
        if q:
            out.append((p, q))
        p += step
    if len(out) >= n:
        return out
    keys = heapq.nlargest(k, d) if step < 0 else heapq.nsmallest(k, d)
    return [(px, d[px]) for px in keys]


class DictBook:
    """A plain ``dict`` per side plus the cached best price of each side.

    An insert better than the cache moves it; deleting the cached best rescans
    that side (``max``/``min``), so the cache stays right under deletes. What a
    Python user writes when a sorted container feels too heavy.
    """

    __slots__ = ("asks", "best_ask", "best_bid", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.best_bid = NO_BID
        self.best_ask = NO_ASK

    def set(self, side: Any, px: int, qty: int) -> None:
        if side:
            if qty:
                self.bids[px] = qty
                if px > self.best_bid:
                    self.best_bid = px
            elif self.bids.pop(px, 0) and px == self.best_bid:
                self.best_bid = max(self.bids, default=NO_BID)
        elif qty:
            self.asks[px] = qty
            if px < self.best_ask:
                self.best_ask = px
        elif self.asks.pop(px, 0) and px == self.best_ask:
            self.best_ask = min(self.asks, default=NO_ASK)

    def top(self, k: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The k best levels of both sides, best first."""
        return _walk(self.bids, self.best_bid, k, -1), _walk(self.asks, self.best_ask, k, 1)


# ---- implementations -------------------------------------------------------------

Bbo = tuple[int | None, int, int | None, int]  # bid px, bid qty, ask px, ask qty; px None when empty


@dataclass(frozen=True)
class Impl:
    """One implementation: how to make it, and the code of its timed loops.

    ``setup`` binds locals from ``ctx`` (the book); ``update`` applies one
    update from the locals ``s, p, q``; ``bbo`` sets ``bb, ba`` (best bid and
    ask price); ``levels`` sets ``r = (bids10, asks10)``. The loops are
    generated from these snippets (:func:`kernel_source`), so every
    implementation runs inside identical loop code.
    """

    name: str
    label: str
    role: str  # "subject", "diagnostic", "floor" or "peer"
    new: Callable[[int], Any]  # tape n -> an empty book
    setup: str
    update: str | None = None
    bbo: str | None = None
    levels: str | None = None
    state: Callable[[Any], tuple[dict[int, int], dict[int, int]]] | None = None
    full_bbo: Callable[[Any], Bbo] | None = None
    version: str = ""


def _new_tapebook(n: int) -> Book:
    return Book(n=n, price_bits=32, max_cap=MAX_CAP, anchor=MID - n // 2)


def _tb_state(b: Book) -> tuple[dict[int, int], dict[int, int]]:
    d = b.to_dict()
    return d["bid"], d["ask"]


def _ob_state(ob: Any) -> tuple[dict[int, int], dict[int, int]]:
    d = ob.to_dict()
    return dict(d["bid"]), dict(d["ask"])


def _ob_bbo(ob: Any) -> Bbo:
    bp, bq = ob.bids.index(0) if len(ob.bids) else (None, 0)
    ap, aq = ob.asks.index(0) if len(ob.asks) else (None, 0)
    return bp, bq, ap, aq


def _sd_bbo(sd: tuple[Any, Any]) -> Bbo:
    bids, asks = sd
    bp, bq = bids.peekitem(-1) if bids else (None, 0)
    ap, aq = asks.peekitem(0) if asks else (None, 0)
    return bp, bq, ap, aq


def _dict_bbo(d: DictBook) -> Bbo:
    bp = None if d.best_bid == NO_BID else d.best_bid
    ap = None if d.best_ask == NO_ASK else d.best_ask
    return bp, d.bids[bp] if bp is not None else 0, ap, d.asks[ap] if ap is not None else 0


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return "?"


_SD_SETUP = """\
bids, asks = ctx
bk, ak = bids.keys(), asks.keys()
bi, ai = bids.items(), asks.items()"""


def implementations() -> list[Impl]:
    """Every implementation available here (peers that are not installed are left out)."""
    tb = [
        Impl(
            "tapebook",
            "tapebook (Book methods)",
            "subject",
            _new_tapebook,
            setup="set_ = ctx.set; bbid = ctx.best_bid_px; bask = ctx.best_ask_px; lv = ctx.levels",
            update="set_(s, p, q)",
            bbo="bb = bbid(); ba = bask()",
            levels="r = (lv(1, 10), lv(0, 10))",
            state=_tb_state,
            full_bbo=lambda b: b.bbo(),
            version=__version__,
        ),
        Impl(
            "tapebook-top",
            "tapebook (Book.top)",
            "subject",
            _new_tapebook,
            setup="top = ctx.top",
            levels="r = top(10)",
            state=_tb_state,
            version=__version__,
        ),
        Impl(
            "tapebook-py",
            "tapebook Python path, fast path off (diagnostic)",
            "diagnostic",
            _new_tapebook,
            setup=(
                "set_ = ctx._set_py; bbid = ctx._best_bid_px_py; bask = ctx._best_ask_px_py; "
                "lv = ctx._levels_py"
            ),
            update="set_(s, p, q)",
            bbo="bb = bbid(); ba = bask()",
            levels="r = (lv(1, 10), lv(0, 10))",
            state=_tb_state,
            full_bbo=lambda b: b.bbo(),
            version=__version__,
        ),
        Impl(
            "tapebook-raw",
            "tapebook C call via cffi, no wrapper (diagnostic)",
            "diagnostic",
            _new_tapebook,
            setup="c_set = ctx._set; c_bb = ctx._bbpx; c_ba = ctx._bapx; bp = ctx._p",
            update="c_set(bp, s, p, q)",
            bbo="bb = c_bb(bp); ba = c_ba(bp)",
            state=_tb_state,
            full_bbo=lambda b: b.bbo(),
            version=__version__,
        ),
        Impl(
            "cffi-noop",
            "no-op CFFI call, set's arguments (floor)",
            "floor",
            _new_tapebook,
            setup="f = _NOOP; bp = ctx._p",
            update="f(bp, s, p, q)",
            version=_version("cffi"),
        ),
    ]
    tb.append(
        Impl(
            "empty-loop",
            "the loop alone, no call (its own cost)",
            "floor",
            lambda n: None,
            setup="pass",
            update="pass",
        )
    )
    peers = []
    if OrderBook is not None:
        peers.append(
            Impl(
                "order_book",
                "order_book.OrderBook (cryptofeed's)",
                "peer",
                lambda n: OrderBook(),
                setup="bids = ctx.bids; asks = ctx.asks",
                update=(
                    "d = bids if s else asks\n"
                    "if q:\n    d[p] = q\n"
                    "else:\n    try:\n        del d[p]\n    except KeyError:\n        pass"
                ),
                bbo="bb = bids.index(0)[0]; ba = asks.index(0)[0]",
                levels=(
                    "r = ([(x, bids[x]) for x in bids.keys()[:10]], [(x, asks[x]) for x in asks.keys()[:10]])"
                ),
                state=_ob_state,
                full_bbo=_ob_bbo,
                version=_version("order-book"),
            )
        )
    if SortedDict is not None:
        peers.append(
            Impl(
                "sortedcontainers",
                "sortedcontainers.SortedDict per side",
                "peer",
                lambda n: (SortedDict(), SortedDict()),
                setup=_SD_SETUP,
                update="d = bids if s else asks\nif q:\n    d[p] = q\nelse:\n    d.pop(p, None)",
                bbo="bb = bk[-1]; ba = ak[0]",
                levels="r = (bi[-10:][::-1], ai[:10])",
                state=lambda c: (dict(c[0]), dict(c[1])),
                full_bbo=_sd_bbo,
                version=_version("sortedcontainers"),
            )
        )
    peers.append(
        Impl(
            "dict",
            "dict per side + cached best (DictBook)",
            "peer",
            lambda n: DictBook(),
            setup="set_ = ctx.set; top = ctx.top",
            update="set_(s, p, q)",
            bbo="bb = ctx.best_bid; ba = ctx.best_ask",
            levels="r = top(10)",
            state=lambda c: (dict(c.bids), dict(c.asks)),
            full_bbo=_dict_bbo,
            version=platform.python_version(),
        )
    )
    return tb + peers


# ---- loop generation ---------------------------------------------------------------

PER_CALL_OPS = ("update", "update_bbo", "bbo_read", "levels10")
BATCH_OPS = ("apply", "bbo_trace", "apply_1k", "bbo_trace_1k")
OPS = PER_CALL_OPS + BATCH_OPS

OP_TEXT = {
    "update": "one update (side, px, qty); qty 0 deletes",
    "update_bbo": "one update, then read best bid px + best ask px",
    "bbo_read": "read best bid px + best ask px (book after the stream)",
    "levels10": "10 best (px, qty) levels of both sides (book after the stream)",
    "apply": "Book.apply over the whole stream, one call",
    "bbo_trace": "Book.bbo_trace over the whole stream, one call",
    "apply_1k": "Book.apply, one call per 1000-update chunk",
    "bbo_trace_1k": "Book.bbo_trace, one call per 1000-update chunk",
}


def _body(impl: Impl, op: str) -> str | None:
    if op == "update":
        return impl.update
    if op == "update_bbo":
        return None if impl.update is None or impl.bbo is None else impl.update + "\n" + impl.bbo
    if op == "bbo_read":
        return impl.bbo
    if op == "levels10":
        return impl.levels
    return None


def supports(impl: Impl, op: str) -> bool:
    return _body(impl, op) is not None


def _indent(code: str, n: int) -> str:
    return "\n".join(" " * n + line for line in code.splitlines())


_RET = {"update": "None", "update_bbo": "(bb, ba)", "bbo_read": "(bb, ba)", "levels10": "r"}


def kernel_source(impl: Impl, op: str, timed: bool = True, record: bool = False) -> str:
    """Python source of the loop for (impl, op).

    timed: ``k(ctx, chunks, out)`` reads the clock around every chunk and
    stores the ns in ``out``; else ``k(ctx, items)`` is one plain loop (for
    pytest-benchmark). record: (verification) after every op append
    ``(bb, ba) + full_bbo(ctx)`` to ``rec``; ``k(ctx, items, rec)``.
    """
    body = _body(impl, op)
    if body is None:
        raise ValueError(f"{impl.name} has no {op}")
    loop_head = "for s, p, q in {}:" if op in ("update", "update_bbo") else "for _ in {}:"
    lines = ["bb = ba = r = None", impl.setup]
    if record:
        lines.append("append = rec.append")
        body = body + "\nappend((bb, ba) + full(ctx))"
    if timed:
        head = "def k(ctx, chunks, out):"
        lines += [
            "clock = _clock",
            "i = 0",
            "for chunk in chunks:",
            "    t0 = clock()",
            "    " + loop_head.format("chunk"),
            _indent(body, 8),
            "    out[i] = clock() - t0",
            "    i += 1",
        ]
    else:
        head = "def k(ctx, items, rec=None):"
        lines += [loop_head.format("items"), _indent(body, 4)]
    lines.append(f"return {_RET[op]}")
    return head + "\n" + _indent("\n".join(lines), 4) + "\n"


def make_kernel(impl: Impl, op: str, timed: bool = True, record: bool = False) -> Callable[..., Any]:
    ns: dict[str, Any] = {"_clock": _clock, "_NOOP": noop(32), "full": impl.full_bbo}
    exec(compile(kernel_source(impl, op, timed, record), f"<kernel {impl.name} {op}>", "exec"), ns)
    return ns["k"]


# ---- the stream ----------------------------------------------------------------------


@dataclass
class Workload:
    """The seeded stream, cut the ways the loops want it."""

    ops: int
    prefill: int
    seed: int
    batch: int
    pre_items: list[tuple[bool, int, int]]
    chunks: list[list[tuple[bool, int, int]]]  # timed updates, `batch` per chunk
    sides: np.ndarray  # timed range, the dtypes of a 32-bit book
    prices: np.ndarray
    qtys: np.ndarray
    pre_arrays: tuple[np.ndarray, np.ndarray, np.ndarray]
    n_cancels: int
    gen_s: float

    @property
    def items(self) -> list[tuple[bool, int, int]]:
        return [it for c in self.chunks for it in c]


def make_workload(
    ops: int = DEFAULT_OPS, prefill: int = DEFAULT_PREFILL, seed: int = DEFAULT_SEED, batch: int = 1000
) -> Workload:
    t0 = time.perf_counter()
    st = clustered_stream(prefill + ops, seed=seed, mid=MID).astype(32)
    gen_s = time.perf_counter() - t0
    items = list(zip(st.sides.tolist(), st.prices.tolist(), st.qtys.tolist(), strict=True))
    run = items[prefill:]
    chunks = [run[i : i + batch] for i in range(0, len(run), batch)]
    sl = slice(prefill, None)
    pre = slice(0, prefill)
    return Workload(
        ops=ops,
        prefill=prefill,
        seed=seed,
        batch=batch,
        pre_items=items[:prefill],
        chunks=chunks,
        sides=st.sides[sl],
        prices=st.prices[sl],
        qtys=st.qtys[sl],
        pre_arrays=(st.sides[pre], st.prices[pre], st.qtys[pre]),
        n_cancels=int((st.qtys[sl] == 0).sum()),
        gen_s=gen_s,
    )


# ---- statistics ----------------------------------------------------------------------


def _rank(sorted_v: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the samples <= it."""
    n = len(sorted_v)
    k = min(n, max(1, int(q * n + 0.999999999)))
    return sorted_v[k - 1]


def summarize(samples_ns: Sequence[float], total_ns: float, calls: int) -> dict[str, float | None]:
    v = sorted(samples_ns)
    has = len(v) > 1
    return {
        "p50_ns": _rank(v, 0.50) if has else None,
        "p90_ns": _rank(v, 0.90) if has else None,
        "p99_ns": _rank(v, 0.99) if has else None,
        "max_ns": v[-1] if has else None,
        "mean_ns": total_ns / calls,
        "total_ms": total_ns / 1e6,
        "samples": len(v),
    }


@dataclass
class Result:
    op: str
    impl: str
    label: str
    role: str
    calls: int
    batch: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    samples: list[list[float]] = field(default_factory=list)  # per run: ns/op per batch
    verified: bool = True
    check: str = "ok"

    def fail(self, why: str) -> None:
        if self.verified:
            self.verified = False
            self.check = why

    def median_index(self) -> int:
        order = sorted(range(len(self.runs)), key=lambda i: self.runs[i]["total_ms"])
        return order[(len(order) - 1) // 2]

    def to_json(self) -> dict[str, Any]:
        m = self.median_index() if self.runs else -1
        return {
            "op": self.op,
            "impl": self.impl,
            "label": self.label,
            "role": self.role,
            "calls": self.calls,
            "batch": self.batch,
            "verified": self.verified,
            "check": self.check,
            "median_run": self.runs[m] if self.runs else None,
            "median_run_index": m,
            "best_mean_ns": min(r["mean_ns"] for r in self.runs) if self.runs else None,
            "runs": self.runs,
            "samples_ns": [round(x, 2) for x in self.samples[m]]
            if self.runs and len(self.samples[m]) > 1
            else [],
        }


# ---- verification ----------------------------------------------------------------------

_EMPTY_BID = np.iinfo(np.int64).min
_EMPTY_ASK = np.iinfo(np.int64).max


def _bbo_arrays(rec: list[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bb, ba, bid_px, bid_qty, ask_px, ask_qty) records -> timed-path prices and full BBO arrays."""
    fast = np.array(
        [(_EMPTY_BID if r[0] is None else r[0], _EMPTY_ASK if r[1] is None else r[1]) for r in rec],
        dtype=np.int64,
    ).reshape(-1, 2)
    full = np.array(
        [
            (_EMPTY_BID if r[2] is None else r[2], r[3], _EMPTY_ASK if r[4] is None else r[4], r[5])
            for r in rec
        ],
        dtype=np.int64,
    ).reshape(-1, 4)
    return fast, full, full[:, [0, 2]]


@dataclass
class Truth:
    name: str
    bbo: np.ndarray  # (ops, 4): bid px, bid qty, ask px, ask qty after every timed update
    bids: dict[int, int]
    asks: dict[int, int]
    top10: tuple[list[tuple[int, int]], list[tuple[int, int]]]


def _top10(bids: dict[int, int], asks: dict[int, int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    return (
        [(p, bids[p]) for p in sorted(bids, reverse=True)[:10]],
        [(p, asks[p]) for p in sorted(asks)[:10]],
    )


def _norm_levels(r: Any) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    return ([(int(p), int(q)) for p, q in r[0]], [(int(p), int(q)) for p, q in r[1]])


def verify_impl(impl: Impl, wl: Workload, n: int, truth: Truth | None) -> tuple[Any, np.ndarray, str]:
    """Replay the stream through impl's own update + BBO code, recording the
    BBO after every timed update; returns (the book after it, the BBO array,
    problems or "")."""
    ctx = impl.new(n)
    make_kernel(impl, "update", timed=False)(ctx, wl.pre_items)
    rec: list[tuple[Any, ...]] = []
    try:
        make_kernel(impl, "update_bbo", timed=False, record=True)(ctx, wl.items, rec)
    except (IndexError, KeyError, ValueError) as e:  # e.g. order_book's index(0) on an empty side
        return ctx, np.empty((0, 4), np.int64), f"replay failed after {len(rec)} updates: {e!r}"
    fast, full, full_px = _bbo_arrays(rec)
    problems = []
    if not np.array_equal(fast, full_px):
        i = int(np.flatnonzero((fast != full_px).any(axis=1))[0])
        problems.append(
            f"best_bid/ask read {fast[i].tolist()} != its full BBO {full[i].tolist()} at update {i}"
        )
    if truth is not None:
        if not np.array_equal(full, truth.bbo):
            i = int(np.flatnonzero((full != truth.bbo).any(axis=1))[0])
            problems.append(
                f"BBO after update {i} is {full[i].tolist()}, {truth.name} has {truth.bbo[i].tolist()}"
            )
        bids, asks = impl.state(ctx)  # type: ignore[misc]
        if bids != truth.bids or asks != truth.asks:
            problems.append(
                f"final book differs from {truth.name}'s ({len(bids)}/{len(asks)} levels vs "
                f"{len(truth.bids)}/{len(truth.asks)})"
            )
    return ctx, full, "; ".join(problems)


# ---- the run ---------------------------------------------------------------------------


def machine_meta() -> dict[str, Any]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or "?"
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version}",
        "tapebook_version": __version__,
        "tapebook_build_info": nat.build_info(),
        "tapebook_module": getattr(sys.modules.get("tapebook._tapebook_cffi"), "__file__", "?"),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def clock_overhead_ns(n: int = 20001) -> float:
    c = _clock
    d = []
    for _ in range(n):
        t0 = c()
        d.append(c() - t0)
    return float(statistics.median(d))


def run(
    ops: int = DEFAULT_OPS,
    reps: int = 7,
    prefill: int = DEFAULT_PREFILL,
    seed: int = DEFAULT_SEED,
    n: int = DEFAULT_N,
    batch: int = 1000,
    levels_calls: int | None = None,
    read_calls: int | None = None,
    only: Iterable[str] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run everything; returns a JSON-able dict (meta, verification, results)."""
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    load_start = _loadavg()
    impls = implementations()
    only = set(only) if only else None
    if only:
        impls = [i for i in impls if i.name in only or i.name.split("-")[0] in only]
    by_name = {i.name: i for i in impls}
    levels_calls = levels_calls or max(1000, ops // 10)
    read_calls = read_calls or max(1000, ops // 4)

    log(f"stream: clustered_stream({prefill}+{ops}, seed={seed}) ...")
    wl = make_workload(ops, prefill, seed, batch)
    log(f"  generated in {wl.gen_s:.1f} s; {wl.n_cancels} cancels in the timed range")

    # -- verification: every implementation's own update+BBO code, against the reference
    ref_name = "sortedcontainers" if "sortedcontainers" in by_name else "dict"
    ref_impl = by_name.get(ref_name) or next(i for i in implementations() if i.name == ref_name)
    ctx, ref_bbo, why = verify_impl(ref_impl, wl, n, None)
    if why:
        raise RuntimeError(f"the reference {ref_name} failed on its own stream: {why}")
    rbids, rasks = ref_impl.state(ctx)  # type: ignore[misc]
    truth = Truth(ref_name, ref_bbo, rbids, rasks, _top10(rbids, rasks))
    if (ref_bbo[:, 1] == 0).any() or (ref_bbo[:, 3] == 0).any():
        raise RuntimeError("a side goes empty in the timed range; the read loops assume two-sided books")
    log(
        f"verification reference: {ref_name}; after the stream {len(rbids)} bid / {len(rasks)} ask levels, "
        f"BBO {ref_bbo[-1].tolist()}"
    )
    books: dict[str, Any] = {}
    verification: dict[str, dict[str, Any]] = {}
    for im in impls:
        if im.state is None:  # the no-op floor has no book
            verification[im.name] = {"ok": True, "detail": "no book (floor)"}
            continue
        if im.update is None:  # tapebook-top: reads the tapebook book
            continue
        if im is ref_impl:
            books[im.name] = ctx
            verification[im.name] = {"ok": True, "detail": "the verification reference"}
            continue
        c, _, why = verify_impl(im, wl, n, truth)
        books[im.name] = c
        verification[im.name] = {
            "ok": not why,
            "detail": why or "BBO after every update, final book: identical",
        }
        log(f"  verify {im.name:<17} {'ok' if not why else 'FAILED: ' + why}")
    if "tapebook" in books:
        books["tapebook-top"] = books["tapebook"]
        verification["tapebook-top"] = verification["tapebook"]
    # the batch calls
    if "tapebook" in by_name:
        b = _new_tapebook(n)
        b.apply(*wl.pre_arrays)
        tr = b.bbo_trace(wl.sides, wl.prices, wl.qtys)
        tb_full = np.stack(
            [
                tr["bid_px"].astype(np.int64),
                tr["bid_qty"].astype(np.int64),
                tr["ask_px"].astype(np.int64),
                tr["ask_qty"].astype(np.int64),
            ],
            axis=1,
        )
        ok = np.array_equal(tb_full, truth.bbo) and _tb_state(b) == (truth.bids, truth.asks)
        b2 = _new_tapebook(n)
        b2.apply(*wl.pre_arrays)
        b2.apply(wl.sides, wl.prices, wl.qtys)
        ok_apply = _tb_state(b2) == (truth.bids, truth.asks)
        verification["bbo_trace"] = {
            "ok": bool(ok),
            "detail": "trace and final book identical" if ok else "bbo_trace differs from the reference",
        }
        verification["apply"] = {
            "ok": ok_apply,
            "detail": "final book identical" if ok_apply else "apply's final book differs from the reference",
        }
        log(f"  verify {'apply/bbo_trace':<17} {'ok' if ok and ok_apply else 'FAILED'}")
    # the read results on the final books
    for name, c in books.items():
        im = by_name[name]
        if im.bbo is not None:
            bb, ba = make_kernel(im, "bbo_read", timed=False)(c, range(1))
            if (bb, ba) != (int(truth.bbo[-1, 0]), int(truth.bbo[-1, 2])):
                verification[name] = {
                    "ok": False,
                    "detail": f"BBO read {(bb, ba)} on the final book is wrong",
                }
        if im.levels is not None:
            r = make_kernel(im, "levels10", timed=False)(c, range(1))
            if _norm_levels(r) != truth.top10:
                verification[name] = {"ok": False, "detail": "10 best levels on the final book differ"}

    # -- timing
    results: dict[tuple[str, str], Result] = {}
    clock_ns = clock_overhead_ns()
    gc_was = gc.isenabled()
    gc.disable()
    # Repetition-major order: rep 0 of every (op, impl), then rep 1, ... so a slow
    # phase of the machine (other tenants, frequency) spreads over all rows
    # instead of landing on one op; the median run of each row is then robust.
    plans = []
    pre_chunks = [wl.pre_items[i : i + batch] for i in range(0, len(wl.pre_items), batch)]
    warm = min(5, len(pre_chunks) // 2)
    for op in PER_CALL_OPS:
        cands = [im for im in impls if supports(im, op)]
        if not cands:
            continue
        is_update = op in ("update", "update_bbo")
        b_op = 100 if op == "levels10" else batch
        calls = ops if is_update else (levels_calls if op == "levels10" else read_calls)
        read_chunks = [range(b_op)] * (calls // b_op) + ([range(calls % b_op)] if calls % b_op else [])
        for im in cands:
            results[(op, im.name)] = Result(
                op, im.name, im.label, im.role, calls, batch if is_update else b_op
            )
            plans.append(
                (
                    op,
                    im,
                    make_kernel(im, op),
                    make_kernel(im, "update") if is_update else None,
                    wl.chunks if is_update else read_chunks,
                )
            )
    batch_plans = []
    if "tapebook" in by_name:
        pieces = [
            (wl.sides[i : i + batch], wl.prices[i : i + batch], wl.qtys[i : i + batch])
            for i in range(0, ops, batch)
        ]
        for op in BATCH_OPS:
            chunked = op.endswith("_1k")
            results[(op, "tapebook")] = Result(
                op,
                "tapebook",
                f"tapebook Book.{op.removesuffix('_1k')}",
                "subject",
                ops,
                batch if chunked else ops,
            )
            batch_plans.append((op, pieces if chunked else None))
    log(f"timing: {reps} runs of {len(plans) + len(batch_plans)} (op, impl) rows, interleaved")
    try:
        for rep in range(reps):
            t_rep = time.perf_counter()
            for op, im, kern, fill, chunks in plans:
                res = results[(op, im.name)]
                if fill is not None:
                    # prefill: most of it through the update loop, the last chunks
                    # through this op's loop (its warm-up; both sides are filled by then)
                    ctx = im.new(n)
                    fill(ctx, pre_chunks[:-warm], [0] * (len(pre_chunks) - warm))
                    kern(ctx, pre_chunks[-warm:], [0] * warm)
                else:
                    ctx = books[im.name]
                    kern(ctx, chunks[:5], [0] * 5)  # warm-up
                out = [0] * len(chunks)
                gc.collect()
                ret = kern(ctx, chunks, out)
                samples = [t / len(c) for t, c in zip(out, chunks, strict=True) if len(c)]
                res.runs.append(summarize(samples, float(sum(out)), res.calls))
                res.samples.append(samples)
                _check_rep(res, im, op, ctx, ret, truth)
                if not verification.get(im.name, {"ok": True})["ok"]:
                    res.fail("verification failed: " + verification[im.name]["detail"])
            for op, pieces in batch_plans:
                _time_batch(
                    results[(op, "tapebook")], op, pieces, wl, n, truth, verification, warmup=rep == 0
                )
            log(f"  run {rep + 1}/{reps} done in {time.perf_counter() - t_rep:.1f} s")
        for op in OPS:
            _log_op(log, [r for (o, _), r in results.items() if o == op])
    finally:
        if gc_was:
            gc.enable()

    wall = time.perf_counter() - t_start
    cpu = time.process_time() - cpu_start
    meta = machine_meta()
    meta.update(
        {
            "harness": "bench/python/tb_pybench.py",
            "loadavg_start": load_start,
            "loadavg_end": _loadavg(),
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "cpu_share": round(cpu / wall, 3) if wall else None,
            "ops": ops,
            "prefill": prefill,
            "seed": seed,
            "reps": reps,
            "batch": batch,
            "levels_batch": 100,
            "levels_calls": levels_calls,
            "read_calls": read_calls,
            "tape_n": n,
            "max_cap": MAX_CAP,
            "price_bits": 32,
            "stream": f"tapebook.testing.streams.clustered_stream(prefill + ops, seed={seed}, mid={MID})",
            "cancels_timed": wl.n_cancels,
            "levels_after": [len(truth.bids), len(truth.asks)],
            "verification_reference": ref_name,
            "clock": "time.perf_counter_ns",
            "clock_overhead_ns": clock_ns,
            "gc": "disabled while timing",
            "versions": {im.name: im.version for im in impls},
            "numpy": np.__version__,
            "cffi": _version("cffi"),
        }
    )
    return {
        "meta": meta,
        "ops": {k: OP_TEXT[k] for k in OPS},
        "verification": verification,
        "results": [r.to_json() for r in results.values()],
    }


def _check_rep(res: Result, im: Impl, op: str, ctx: Any, ret: Any, truth: Truth) -> None:
    """Re-check what a timed repetition produced (a wrong-but-fast run does not count)."""
    if op in ("update", "update_bbo") and im.state is not None and im.state(ctx) != (truth.bids, truth.asks):
        res.fail("the final book of a timed run differs from the reference")
    if op in ("update_bbo", "bbo_read") and ret != (int(truth.bbo[-1, 0]), int(truth.bbo[-1, 2])):
        res.fail(f"the last BBO read of a timed run is {ret}")
    if op == "levels10" and _norm_levels(ret) != truth.top10:
        res.fail("the levels read in a timed run differ from the reference")


def _time_batch(
    res: Result,
    op: str,
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None,
    wl: Workload,
    n: int,
    truth: Truth,
    verification: dict[str, Any],
    warmup: bool,
) -> None:
    """One timed run of a batch call: the whole stream in one call, or one call per chunk (pieces)."""
    for timed in [False, True] if warmup else [True]:
        b = _new_tapebook(n)
        b.apply(*wl.pre_arrays)
        fn = b.apply if op.startswith("apply") else b.bbo_trace
        gc.collect()
        if pieces is not None:
            out = [0] * len(pieces)
            for i, (s, p, q) in enumerate(pieces):
                t0 = _clock()
                fn(s, p, q)
                out[i] = _clock() - t0
            samples = [t / len(pc[0]) for t, pc in zip(out, pieces, strict=True)]
            total = float(sum(out))
        else:
            t0 = _clock()
            fn(wl.sides, wl.prices, wl.qtys)
            total = float(_clock() - t0)
            samples = []
        if not timed:
            continue
        res.runs.append(summarize(samples, total, res.calls))
        res.samples.append(samples)
        if _tb_state(b) != (truth.bids, truth.asks):
            res.fail("the final book of a timed run differs from the reference")
    key = op.removesuffix("_1k")
    if not verification.get(key, {"ok": True})["ok"]:
        res.fail(verification[key]["detail"])


def _fmt(v: float | None, w: int = 8) -> str:
    return f"{v:{w}.1f}" if isinstance(v, (int, float)) else " " * (w - 1) + "-"


def _log_op(log: Callable[[str], None], rs: list[Result]) -> None:
    for r in rs:
        m = r.runs[r.median_index()]
        log(
            f"  {r.op:<13} {r.impl:<17} p50 {_fmt(m['p50_ns'])}  p90 {_fmt(m['p90_ns'])}  "
            f"p99 {_fmt(m['p99_ns'])}  mean {_fmt(m['mean_ns'])} ns/op  "
            f"{'ok' if r.verified else 'INVALID: ' + r.check}"
        )


# ---- helpers for the report ---------------------------------------------------------------


def result(data: dict[str, Any], op: str, impl: str) -> dict[str, Any] | None:
    for r in data["results"]:
        if r["op"] == op and r["impl"] == impl:
            return r
    return None


def stat(r: dict[str, Any] | None, key: str = "p50_ns") -> float | None:
    """A statistic of the median run; p50 falls back to the mean for one-call batch rows."""
    if r is None or not r["median_run"]:
        return None
    v = r["median_run"].get(key)
    if v is None and key == "p50_ns":
        v = r["median_run"]["mean_ns"]
    return v


def ratio(
    data: dict[str, Any], op_a: str, impl_a: str, op_b: str, impl_b: str, key: str = "p50_ns"
) -> float | None:
    """How many times faster a is than b: stat(b) / stat(a); None when either row is missing or unverified."""
    a, b = result(data, op_a, impl_a), result(data, op_b, impl_b)
    if not a or not b or not a["verified"] or not b["verified"]:
        return None
    va, vb = stat(a, key), stat(b, key)
    return vb / va if va and vb else None


def format_table(data: dict[str, Any]) -> str:
    lines = [f"{'op':<13} {'impl':<17} {'p50':>8} {'p90':>8} {'p99':>8} {'mean':>8}  check"]
    for r in data["results"]:
        m = r["median_run"]
        lines.append(
            f"{r['op']:<13} {r['impl']:<17} {_fmt(m['p50_ns'])} {_fmt(m['p90_ns'])} {_fmt(m['p99_ns'])} "
            f"{_fmt(m['mean_ns'])}  {'ok' if r['verified'] else 'INVALID'}"
        )
    return "\n".join(lines)


def index_args(
    ops: int = 200_000, reps: int = 7, seed: int = DEFAULT_SEED, n: int = DEFAULT_N
) -> dict[str, Any]:
    """``Book.set`` with plain ints against numpy integers (np.int64 prices,
    np.uint32 quantities): the fast path converts any ``__index__`` object
    itself, so the goal is a ratio within 1.5x. The same updates, the two
    argument kinds alternating run by run; the median ns per call of each."""
    wl = make_workload(ops=ops, seed=seed)
    plain = [(bool(s), int(p), int(q)) for s, p, q in wl.items]
    nump = [(bool(s), np.int64(p), np.uint32(q)) for s, p, q in wl.items]
    times: dict[str, list[float]] = {"int": [], "numpy": []}
    for _ in range(reps):
        for kind, items in (("int", plain), ("numpy", nump)):
            book = _new_tapebook(n)
            set_ = book.set
            for s, p, q in wl.pre_items:
                set_(s, p, q)
            gc.disable()
            t0 = time.perf_counter_ns()
            for s, p, q in items:
                set_(s, p, q)
            dt = time.perf_counter_ns() - t0
            gc.enable()
            times[kind].append(dt / len(items))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "ops": len(plain),
        "reps": reps,
        "ns_per_call": med,
        "ratio_numpy_to_int": med["numpy"] / med["int"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="tapebook Python benchmarks against order_book, sortedcontainers, dict"
    )
    ap.add_argument("--quick", action="store_true", help="100k updates, 3 runs (a smoke test)")
    ap.add_argument("--ops", type=int, help=f"timed updates (default {DEFAULT_OPS})")
    ap.add_argument("--reps", type=int, help="runs per (op, impl), median reported (default 7)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--n", type=int, default=DEFAULT_N, help="tapebook tape size")
    ap.add_argument("--only", help="comma list of implementations (e.g. tapebook,order_book)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--show-source", metavar="IMPL:OP", help="print a generated loop and exit")
    ap.add_argument(
        "--index-args", action="store_true", help="only Book.set with ints vs numpy integers (ns/call, ratio)"
    )
    a = ap.parse_args(argv)
    if a.index_args:
        r = index_args(ops=a.ops or 200_000, reps=a.reps or 7, seed=a.seed, n=a.n)
        print(json.dumps(r, indent=1))
        return 0
    if a.show_source:
        name, op = a.show_source.split(":")
        print(kernel_source(next(i for i in implementations() if i.name == name), op))
        return 0
    ops = a.ops or (100_000 if a.quick else DEFAULT_OPS)
    reps = a.reps or (3 if a.quick else 7)
    data = run(ops=ops, reps=reps, seed=a.seed, n=a.n, only=a.only.split(",") if a.only else None)
    data["meta"]["quick"] = bool(a.quick)
    print(format_table(data))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(data, f, indent=1)
    return 0 if all(r["verified"] for r in data["results"]) else 1


if __name__ == "__main__":
    sys.exit(main())
