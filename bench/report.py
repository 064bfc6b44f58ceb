"""Run the benchmarks and write a markdown report with charts (``make bench``).

    python bench/report.py [--python-only] [--c-json PATH] [--out DIR] [--quick]

(``tapebook bench`` runs this file from a source checkout.) It lives next to the
benchmarks, not in the package: it needs the checkout's ``bench/`` and ``csrc/``.

* Python: ``bench/python/tb_pybench.py`` (tapebook against ``order_book``,
  ``sortedcontainers`` and a plain dict, on a 1M-update clustered stream;
  needs a source checkout and the ``[bench]`` extra for the peers).
* C: with ``--c-json PATH`` that report of the C harness is read; otherwise,
  unless ``--python-only``, ``make bench-c`` is run first (with ``--quick``, the
  harness is built with the same flags and run with its own ``--quick``).
* Output: ``DIR/report.md``, ``DIR/python_bench.json``, a copy of the C JSON,
  and PNG charts when matplotlib is installed (without it the report says so).

Every number in the report comes from these runs; the issue-#5 targets are
listed with their measured values and met / missed. Missed targets do not
fail the command; a failed verification (an implementation whose book or BBO
differs from the reference) does (exit 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BUSY_LOAD = 0.5  # 1-minute load average above which the report warns that timings are inflated


# ---- locating things -------------------------------------------------------------


def _repo_root() -> Path | None:
    """The source checkout that has bench/python (this file's, else the cwd)."""
    for cand in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (cand / "bench" / "python" / "tb_pybench.py").is_file():
            return cand
    return None


def _import_pybench(root: Path) -> Any:
    path = str(root / "bench" / "python")
    if path not in sys.path:
        sys.path.insert(0, path)
    import tb_pybench

    return tb_pybench


def _sh(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _git(root: Path) -> dict[str, Any]:
    commit = _sh(["git", "rev-parse", "HEAD"], root)
    dirty = _sh(["git", "status", "--porcelain", "--", "csrc", "tapebook", "build_ffi.py", "setup.py"], root)
    return {
        "commit": commit or "?",
        "describe": _sh(["git", "log", "-1", "--format=%h %s"], root),
        "dirty_paths": [ln[3:] for ln in dirty.splitlines()],
    }


def _compiler() -> str:
    import sysconfig

    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    ver = _sh([cc, "--version"]).splitlines()
    return f"{cc}: {ver[0]}" if ver else cc


# ---- the C harness -------------------------------------------------------------------


def _bench_cflags(root: Path) -> str:
    out = _sh(
        [
            "make",
            "-s",
            "--no-print-directory",
            "-C",
            str(root),
            "--eval=tb-print-bench-cflags: ; @echo $(BENCH_CFLAGS)",
            "tb-print-bench-cflags",
        ]
    )
    return out.splitlines()[-1].strip() if out else "-O3 -march=native -DNDEBUG"


def _run_c(root: Path, out_dir: Path, quick: bool) -> tuple[Path | None, str]:
    """Run the C harness; returns (its JSON, a note)."""
    t0 = time.time()
    if not quick:
        print("== C harness: make bench-c", flush=True)
        rc = subprocess.run(["make", "-C", str(root), "bench-c"]).returncode
        path = root / "bench" / "out" / "bench_c.json"
        note = "`make bench-c`"
    else:
        flags = _bench_cflags(root)
        exe = root / "build" / "bench" / "bench_c_quick"
        exe.parent.mkdir(parents=True, exist_ok=True)
        path = out_dir / "bench_c_quick.json"
        cmd = [
            "gcc",
            "-std=c11",
            *flags.split(),
            f'-DBENCH_CFLAGS="-std=c11 {flags}"',
            "-Icsrc",
            "-Ibench/c",
            "bench/c/bench_main.c",
            "-o",
            str(exe),
            "-lm",
        ]
        print("== C harness (quick):", " ".join(cmd), flush=True)
        rc = subprocess.run(cmd, cwd=root).returncode
        if rc == 0:
            rc = subprocess.run([str(exe), "--quick", "--out", str(path)], cwd=root).returncode
        note = f"bench_c built with `{flags}`, run with `--quick`"
    if not path.is_file() or path.stat().st_mtime < t0:
        return None, f"the C harness did not write {path} (exit status {rc})"
    if rc:
        note += f" (exit status {rc}: see the harness output; verification or allocation check failed)"
    return path, note


# ---- targets ----------------------------------------------------------------------------


def _python_targets(pb: Any, py: dict[str, Any]) -> list[dict[str, Any]]:
    def row(
        tid: str,
        text: str,
        value: float | None,
        limit: float,
        unit: str,
        shown: str,
        ok_rows: list[dict[str, Any] | None],
    ) -> dict[str, Any]:
        verified = all(r is not None and r["verified"] for r in ok_rows)
        if value is None or not verified:
            verdict = "not measured" if value is None else "not verified"
        else:
            verdict = "met" if value <= limit else "missed"
        return {
            "id": tid,
            "target": text,
            "value": value,
            "limit": limit,
            "unit": unit,
            "measured": shown,
            "verdict": verdict,
        }

    def r(op: str, impl: str = "tapebook") -> dict[str, Any] | None:
        return pb.result(py, op, impl)

    def f(v: float | None, unit: str = "ns") -> str:
        return "-" if v is None else f"{v:.1f} {unit}"

    out = []
    for tid, op in (("P1", "apply"), ("P2", "bbo_trace")):
        v = pb.stat(r(op), "mean_ns")
        best = r(op)["best_mean_ns"] if r(op) else None
        out.append(
            row(
                tid,
                f"`{op}` <= 20 ns/op on the 1M-update clustered stream (this run: {py['meta']['ops']:,})",
                v,
                20.0,
                "ns/op",
                f"{f(v)}/op (median of runs; fastest run {f(best)})",
                [r(op)],
            )
        )
    s, z = r("update"), r("update", "cffi-noop")
    q = pb.ratio(py, "update", "cffi-noop", "update", "tapebook")
    qm = pb.ratio(py, "update", "cffi-noop", "update", "tapebook", "mean_ns")
    out.append(
        row(
            "P3",
            "per-call `set` within 1.25x of the no-op CFFI call (same run, thread guard in)",
            q,
            1.25,
            "x",
            f"{q:.2f}x: set p50 {f(pb.stat(s))} vs no-op p50 {f(pb.stat(z))} (means: {qm:.2f}x)"
            if q and qm
            else "-",
            [s, z],
        )
    )
    u = r("update_bbo")
    out.append(
        row(
            "P4",
            "update + BBO read (best bid + best ask px) <= 350 ns",
            pb.stat(u),
            350.0,
            "ns",
            f"p50 {f(pb.stat(u))}, p90 {f(pb.stat(u, 'p90_ns'))}, mean {f(pb.stat(u, 'mean_ns'))}",
            [u],
        )
    )
    lv, tp = r("levels10"), r("levels10", "tapebook-top")
    out.append(
        row(
            "P5",
            "`levels(k=10)` both sides <= 1 µs",
            pb.stat(lv),
            1000.0,
            "ns",
            f"p50 {f(pb.stat(lv))} for levels(1, 10) + levels(0, 10) (top(10): p50 {f(pb.stat(tp))})",
            [lv],
        )
    )
    return out


def _c_targets(c: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for t in c.get("targets", []):
        per = t.get("per_impl") or []
        unit = "x" if "ratio" in t.get("metric", "") else " ns"
        shown = "; ".join(
            f"{p['impl']} {p['value']:.2f}{unit}" + ("" if p["met"] else " (missed)") for p in per
        )
        met = t.get("met")
        out.append(
            {
                "id": t["id"],
                "target": t["target"],
                "measured": shown or "-",
                "verdict": "not run" if met is None else ("met" if met else "missed"),
            }
        )
    return out


# ---- charts ---------------------------------------------------------------------------------


def _log_axis(ax: Any, axis: str = "x") -> None:
    """Log scale with plain-number labels (no 2x10^2 minor-tick clutter)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    getattr(ax, f"set_{axis}scale")("log")
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    if lo > 0 and hi / lo < 20:  # at most one decade mark in view: label 2x and 5x too
        a.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "25" else ""))
    else:
        a.set_minor_formatter(NullFormatter())


# percentile positions on a tail-stretching axis: -log10(1 - p); max drawn half a decade past p99.9
CDF_Y = [0.301, 1.0, 2.0, 3.0, 3.5]
IMPL_ORDER = [
    "tapebook",
    "tapebook-top",
    "tapebook-py",
    "tapebook-raw",
    "cffi-noop",
    "empty-loop",
    "order_book",
    "sortedcontainers",
    "dict",
]


def _charts(
    pb: Any, py: dict[str, Any] | None, c: dict[str, Any] | None, out: Path
) -> tuple[list[tuple[str, str]], str]:
    """Write the PNGs; returns ([(file, caption)], note)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed (`pip install 'tapebook[bench]'`): no charts in this report."
    made: list[tuple[str, str]] = []
    colors = dict(
        zip(
            IMPL_ORDER,
            [
                *("#1f77b4", "#4a9fd8", "#6baed6", "#9ecae1"),  # tapebook rows: blues
                *("#999999", "#cccccc"),  # floors: greys
                *("#d62728", "#2ca02c", "#ff7f0e"),  # peers
            ],
            strict=True,
        )
    )
    if py:
        per_call = [op for op in pb.PER_CALL_OPS if any(r["op"] == op for r in py["results"])]
        # latency CDFs of the per-call batches
        cdf_ops = [op for op in per_call if any(r["op"] == op and r["samples_ns"] for r in py["results"])]
        if cdf_ops:
            fig, axes = plt.subplots(1, len(cdf_ops), figsize=(4.2 * len(cdf_ops), 3.6), squeeze=False)
            for ax, op in zip(axes[0], cdf_ops, strict=True):
                for r in sorted(
                    (r for r in py["results"] if r["op"] == op and r["samples_ns"]),
                    key=lambda r: IMPL_ORDER.index(r["impl"]) if r["impl"] in IMPL_ORDER else 99,
                ):
                    v = sorted(r["samples_ns"])
                    ax.step(
                        v,
                        [(i + 1) / len(v) for i in range(len(v))],
                        where="post",
                        label=r["impl"],
                        color=colors.get(r["impl"]),
                        linestyle="-" if r["verified"] else ":",
                    )
                _log_axis(ax)
                ax.set_title(op, fontsize=10)
                ax.set_xlabel(f"ns per call (batches of {py['meta']['batch'] if op != 'levels10' else 100})")
                ax.grid(True, which="both", alpha=0.3)
            axes[0][0].set_ylabel("fraction of batches")
            seen: dict[str, Any] = {}
            for ax in axes[0]:
                for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                    seen.setdefault(lab, h)
            axes[0][-1].legend(list(seen.values()), list(seen), fontsize=7, loc="lower right")
            fig.suptitle("Python: per-call latency CDF (median run)", fontsize=11)
            fig.tight_layout()
            fig.savefig(out / "python_latency_cdf.png", dpi=110)
            plt.close(fig)
            made.append(
                (
                    "python_latency_cdf.png",
                    "Python per-call latency CDFs (ns per call inside each timed "
                    "batch, median run; log scale)",
                )
            )
        # ns/op bars
        fig, axes = plt.subplots(
            1, len(per_call) + 1, figsize=(3.6 * (len(per_call) + 1), 3.8), squeeze=False
        )
        for ax, op in zip(axes[0], [*per_call, "batch"], strict=True):
            if op == "batch":
                rows = [(r["op"], pb.stat(r, "mean_ns")) for r in py["results"] if r["op"] in pb.BATCH_OPS]
                rows += [
                    (f"{r['impl']} {r['op']} loop", pb.stat(r, "mean_ns"))
                    for r in py["results"]
                    if r["op"] == "update" and r["impl"] in ("order_book", "dict")
                ]
                title = "batch calls vs peers' loops (mean)"
                cols = ["#1f77b4"] * (len(rows) - 2) + [colors["order_book"], colors["dict"]]
            else:
                rs = sorted(
                    (r for r in py["results"] if r["op"] == op),
                    key=lambda r: IMPL_ORDER.index(r["impl"]) if r["impl"] in IMPL_ORDER else 99,
                )
                rows = [(r["impl"], pb.stat(r)) for r in rs]
                cols = [colors.get(r["impl"], "#777777") for r in rs]
                title = f"{op} (p50)"
            ys = range(len(rows))
            ax.barh(list(ys), [v or 0 for _, v in rows], color=cols[: len(rows)])
            ax.set_yticks(list(ys), [n for n, _ in rows], fontsize=7)
            ax.invert_yaxis()  # linear x: bars on a log axis would misstate the ratios
            ax.set_xlim(0, max(v or 0 for _, v in rows) * 1.25 or 1)
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("ns per op / call", fontsize=8)
            for y, (_, v) in zip(ys, rows, strict=True):
                if v:
                    ax.text(v, y, f" {v:.0f}" if v >= 10 else f" {v:.1f}", va="center", fontsize=7)
            ax.grid(True, axis="x", alpha=0.3)
        fig.suptitle(
            "Python: ns per call (lower is better; each panel has its own linear scale)", fontsize=11
        )
        fig.tight_layout()
        fig.savefig(out / "python_ns_per_op.png", dpi=110)
        plt.close(fig)
        made.append(
            ("python_ns_per_op.png", "Python: ns per call, p50 of the median run (batch calls: mean)")
        )
        # ratios
        peers = [
            p
            for p in ("order_book", "sortedcontainers", "dict")
            if any(r["impl"] == p for r in py["results"])
        ]
        fig, ax = plt.subplots(figsize=(8, 3.8))
        width = 0.8 / max(1, len(peers))
        for k, peer in enumerate(peers):
            vals = [pb.ratio(py, op, "tapebook", op, peer) for op in per_call]
            xs = [i + k * width for i in range(len(per_call))]
            ax.bar(xs, [v or 0 for v in vals], width, label=f"vs {peer}", color=colors[peer])
            for x, v in zip(xs, vals, strict=True):
                if v:
                    ax.text(x, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks([i + width * (len(peers) - 1) / 2 for i in range(len(per_call))], per_call)
        _log_axis(ax, "y")
        ax.set_ylabel("x faster (peer p50 / tapebook p50)")
        ax.set_title("Python: tapebook speed-up over each peer (>1: tapebook faster)", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "python_ratios.png", dpi=110)
        plt.close(fig)
        made.append(("python_ratios.png", "Python: how many times faster tapebook is than each peer (p50)"))
    if c and c.get("workloads"):
        wls = c["workloads"]
        impls = [i["name"] for i in c.get("implementations", [])]
        cmap = plt.get_cmap("tab10")
        icol = {n: cmap(i % 10) for i, n in enumerate(impls)}
        cols = 4
        rows_n = (len(wls) + cols - 1) // cols
        fig, axes = plt.subplots(rows_n, cols, figsize=(4.0 * cols, 3.2 * rows_n), squeeze=False)
        for ax, w in zip([a for row in axes for a in row], wls, strict=False):
            for r in w["results"]:
                m = r["median_run"]
                xs = [m["p50_ns"], m["p90_ns"], m["p99_ns"], m["p999_ns"], m["max_ns"]]
                ax.plot(
                    xs,
                    CDF_Y,
                    marker="o",
                    markersize=3,
                    label=r["impl"],
                    color=icol.get(r["impl"]),
                    linestyle="-" if r["verified"] else ":",
                )
            _log_axis(ax)
            ax.set_yticks(CDF_Y, ["p50", "p90", "p99", "p99.9", "max"], fontsize=7)
            ax.set_title(w["name"], fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
            ax.tick_params(labelsize=7)
        for ax in [a for row in axes for a in row][len(wls) :]:
            ax.axis("off")
        axes[0][0].legend(fontsize=6, loc="lower right")
        fig.suptitle(
            "C harness: latency CDF from the reported percentiles (p50, p90, p99, p99.9, max), ns/op",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(out / "c_latency_cdf.png", dpi=110)
        plt.close(fig)
        made.append(
            (
                "c_latency_cdf.png",
                "C: latency CDF per workload, drawn through the percentiles the "
                f"harness reports (batches of {c.get('meta', {}).get('batch')} ops)",
            )
        )
        for fname, key, title, caption in (
            (
                "c_throughput.png",
                "mops",
                "C harness: throughput (Mops/s, median run; higher is better)",
                "C: throughput per workload (Mops/s)",
            ),
            (
                "c_ratios.png",
                "ratio",
                "C harness: x faster than the sorted array with binary search (p50)",
                "C: speed-up over the sorted-array reference (p50 ratio; target >= 3x on clustered)",
            ),
        ):
            fig, ax = plt.subplots(figsize=(11, 4))
            shown = [n for n in impls if key == "mops" or n != c.get("baseline")]
            width = 0.8 / max(1, len(shown))
            for k, name in enumerate(shown):
                vals = []
                for w in wls:
                    r = next((r for r in w["results"] if r["impl"] == name), None)
                    v = None
                    if r and r["verified"]:
                        v = r["median_run"]["mops"] if key == "mops" else r.get("ratio_vs_sorted_bsearch_p50")
                    vals.append(v or 0)
                ax.bar(
                    [i + k * width for i in range(len(wls))], vals, width, label=name, color=icol.get(name)
                )
            ax.set_xticks(
                [i + width * (len(shown) - 1) / 2 for i in range(len(wls))],
                [w["name"] for w in wls],
                fontsize=8,
            )
            if key == "ratio":
                ax.axhline(1.0, color="black", linewidth=0.8)
                ax.axhline(3.0, color="red", linewidth=0.8, linestyle="--", label="3x target (clustered)")
                _log_axis(ax, "y")
            ax.set_title(title, fontsize=10)
            ax.legend(fontsize=7, ncol=3)
            ax.grid(True, axis="y", which="both", alpha=0.3)
            fig.tight_layout()
            fig.savefig(out / fname, dpi=110)
            plt.close(fig)
            made.append((fname, caption))
    return made, ""


# ---- markdown -------------------------------------------------------------------------------


def _f(v: float | None, nd: int = 1) -> str:
    return "-" if v is None else f"{v:.{nd}f}"


def _load_text(la: list[float] | None) -> str:
    return "unknown" if not la else " / ".join(f"{x:.2f}" for x in la) + " (1 / 5 / 15 min)"


def _markdown(
    pb: Any,
    ctx: dict[str, Any],
    py: dict[str, Any] | None,
    c: dict[str, Any] | None,
    targets: list[dict[str, Any]],
    charts: list[tuple[str, str]],
    chart_note: str,
) -> str:
    L: list[str] = []
    meta = py["meta"] if py else {}
    L.append(f"# tapebook benchmark report — {ctx['date']}\n")
    L.append(
        "Generated by `make bench` (`bench/report.py`). Every number below was "
        "measured "
        "by the runs this report describes; synthetic microbenchmarks on a shared VM, not a production "
        "latency claim.\n"
    )
    warn = []
    la = ctx["load_start"]
    if la and la[0] > BUSY_LOAD:
        warn.append(
            f"**The machine was busy**: load average {_load_text(la)} at the start (a 2-core VM; "
            f"> {BUSY_LOAD} means other work was running), so these timings are inflated and noisy."
        )
    if py and py["meta"].get("cpu_share") is not None and py["meta"]["cpu_share"] < 0.9:
        warn.append(
            f"The Python benchmark process got {py['meta']['cpu_share'] * 100:.0f}% of a core over its "
            f"{py['meta']['wall_s']:.0f} s (other processes took the rest)."
        )
    if ctx["quick"]:
        warn.append(
            "**Quick run** (`--quick`): a smoke test with a short stream and few runs; not the measurement "
            "the targets are judged on."
        )
    if ctx["git"]["dirty_paths"]:
        warn.append(
            "The source tree had uncommitted changes under csrc/ or tapebook/ when this ran: "
            + ", ".join(f"`{p}`" for p in ctx["git"]["dirty_paths"][:12])
            + "."
        )
    for w in warn:
        L.append(f"> {w}\n")

    L.append("## Setup\n\n| | |\n|---|---|")
    L.append(f"| date (UTC) | {ctx['date']} |")
    L.append(f"| git commit | {ctx['git']['commit']} ({ctx['git']['describe']}) |")
    if py:
        L.append(f"| CPU | {meta['cpu_model']}, {meta['cores']} cores online, nothing pinned |")
        L.append(f"| OS | {meta['platform']} |")
        L.append(f"| Python | {meta['python']} |")
        L.append(f"| tapebook C module | {meta['tapebook_build_info']} (compiler: {ctx['compiler']}) |")
        v = meta["versions"]
        L.append(
            "| peers | "
            + ", ".join(f"{k} {v[k]}" for k in ("order_book", "sortedcontainers") if k in v)
            + f"; dict on Python {v.get('dict', '?')}; numpy {meta['numpy']}; cffi {meta['cffi']} |"
        )
        L.append(
            f"| load average | {_load_text(ctx['load_start'])} at the start of the command; "
            f"Python benchmark: {_load_text(meta['loadavg_start'])} at its start, "
            f"{_load_text(meta['loadavg_end'])} at its end, "
            f"{meta['cpu_share'] * 100:.0f}% of a core over {meta['wall_s']:.0f} s |"
        )
        L.append(
            f"| Python method | {meta['ops']:,} timed updates of `{meta['stream']}` "
            f"after {meta['prefill']:,} "
            f"untimed prefill updates ({meta['cancels_timed']:,} cancels; {meta['levels_after'][0]} bid / "
            f"{meta['levels_after'][1]} ask levels at the end); tapebook `Book(n={meta['tape_n']}, "
            f"price_bits=32, max_cap={meta['max_cap']})` anchored at mid - n/2; {meta['reps']} runs per "
            f"(op, impl) interleaved, the run with the median total reported; per-call ops timed in batches "
            f"of {meta['batch']} calls ({meta['levels_batch']} for levels10) with `time.perf_counter_ns` "
            f"(its own cost: {meta['clock_overhead_ns']:.0f} ns per batch); GC off while timing |"
        )
    if c:
        cm = c.get("meta", {})
        L.append(
            f"| C harness | {ctx['c_note']}; {cm.get('date_utc', '?')}, commit {cm.get('git_commit', '?')}"
            f"{' (dirty tree)' if cm.get('git_dirty') else ''}; compiler {cm.get('compiler', '?')}; flags "
            f"`{cm.get('flags', '?')}`; {cm.get('ops', '?')} ops x {cm.get('reps', '?')} runs, batch "
            f"{cm.get('batch', '?')}{', QUICK' if cm.get('quick') else ''}; load average "
            f"{cm.get('loadavg_start', '?')} at its start, {cm.get('loadavg_end', '?')} at its end, "
            f"{_f((cm.get('cpu_share') or 0) * 100, 0)}% of a core |"
        )
    else:
        L.append(f"| C harness | not in this report: {ctx['c_note']} |")
    L.append("")

    L.append("## Targets (issue #5)\n\n| id | target | measured | verdict |\n|---|---|---|---|")
    for t in targets:
        L.append(f"| {t['id']} | {t['target']} | {t['measured']} | **{t['verdict']}** |")
    L.append("")
    if c:
        L.append(
            "C targets: as judged by the C harness (T1, T2, T5 on p50 per batch; T3, T4 on the mean of the "
            "throughput run), over every tapebook per-op variant it runs."
        )
    L.append(
        "Python targets: P3-P5 on the p50 of batches of calls (median run); P1/P2 on one call over the "
        "whole stream (median of runs).\n"
    )

    if py:
        L.append("## Python results\n")
        L.append(
            "ns per call (per update for the batch calls). p50/p90/p99 over the batches of the median run; "
            "mean = run total / calls. **x tapebook** = this row's p50 / tapebook's p50 for the same op "
            "(how many times faster tapebook is; < 1: the row is faster). `check`: verified against the "
            f"reference ({meta['verification_reference']}): the BBO after every update, the final book, the "
            "10 best levels, and the result of every timed run.\n"
        )
        for op in [*pb.PER_CALL_OPS, *pb.BATCH_OPS]:
            rs = [r for r in py["results"] if r["op"] == op]
            if not rs:
                continue
            L.append(f"### {op}: {py['ops'][op]}\n")
            L.append(
                "| impl | p50 | p90 | p99 | mean | best run mean | x tapebook | check |\n"
                "|---|---:|---:|---:|---:|---:|---:|---|"
            )
            for r in rs:
                m = r["median_run"]
                x = pb.ratio(py, op, "tapebook", op, r["impl"]) if r["impl"] != "tapebook" else None
                L.append(
                    f"| {r['label']} | {_f(m['p50_ns'])} | {_f(m['p90_ns'])} | {_f(m['p99_ns'])} | "
                    f"{_f(m['mean_ns'])} | {_f(r['best_mean_ns'])} | {_f(x, 2) if x else '-'} | "
                    f"{'ok' if r['verified'] else 'INVALID: ' + r['check']} |"
                )
            L.append("")
        L.append(
            "### Ratios\n\nx faster = the other row's time / tapebook's time (> 1: tapebook is faster).\n"
        )
        L.append("| comparison | ratio (p50) | ratio (mean) |\n|---|---:|---:|")
        peers = [
            p
            for p in ("order_book", "sortedcontainers", "dict")
            if any(r["impl"] == p for r in py["results"])
        ]
        for op in pb.PER_CALL_OPS:
            for p in peers:
                a, b = pb.ratio(py, op, "tapebook", op, p), pb.ratio(py, op, "tapebook", op, p, "mean_ns")
                if a or b:
                    L.append(f"| {op}: tapebook vs {p} (x faster) | {_f(a, 2)} | {_f(b, 2)} |")
        for op, base in (("apply", "update"), ("bbo_trace", "update_bbo")):
            for p in peers:
                b = pb.ratio(py, op, "tapebook", base, p, "mean_ns")
                if b:
                    L.append(f"| tapebook {op} vs the {base} loop of {p} (x faster) | - | {_f(b, 2)} |")
        for name, impl in (
            ("Book.set (fast path)", "tapebook"),
            ("Book._set_py (Python path, fast path off)", "tapebook-py"),
            ("set_code via cffi, no wrapper", "tapebook-raw"),
        ):
            a = pb.ratio(py, "update", "cffi-noop", "update", impl)
            b = pb.ratio(py, "update", "cffi-noop", "update", impl, "mean_ns")
            if a or b:
                L.append(
                    f"| {name} / no-op CFFI call (time ratio; target P3 <= 1.25) | {_f(a, 2)} | {_f(b, 2)} |"
                )
        loop, noop, setr = (pb.result(py, "update", k) for k in ("empty-loop", "cffi-noop", "tapebook"))
        if loop and noop and setr:
            lo, no, se = pb.stat(loop), pb.stat(noop), pb.stat(setr)
            if lo is not None and no and se and no > lo:
                L.append(
                    f"| Book.set / no-op CFFI call, the empty loop ({lo:.1f} ns) subtracted from both "
                    f"| {(se - lo) / (no - lo):.2f} | - |"
                )
        L.append("")

    L.append("## Charts\n")
    if chart_note:
        L.append(chart_note + "\n")
    for fname, caption in charts:
        L.append(f"![{caption}]({fname})\n\n*{caption}*\n")

    if c:
        L.append("## C harness results\n")
        base = c.get("baseline", "sorted_bsearch")
        impls = [i["name"] for i in c.get("implementations", [])]
        L.append(
            f"p50 ns/op of the median run (x faster than `{base}`, p50). Full tables: the C harness's own "
            "report and JSON.\n"
        )
        L.append("| workload | " + " | ".join(impls) + " |\n|---|" + "---:|" * len(impls))
        for w in c.get("workloads", []):
            cells = []
            for name in impls:
                r = next((r for r in w["results"] if r["impl"] == name), None)
                if not r:
                    cells.append("-")
                    continue
                rr = r.get("ratio_vs_sorted_bsearch_p50")
                cells.append(
                    f"{_f(r['median_run']['p50_ns'], 2)} ({_f(rr, 1)}x)"
                    + ("" if r["verified"] else " INVALID")
                )
            L.append(f"| {w['name']} | " + " | ".join(cells) + " |")
        L.append("")

    if py:
        L.append("## Appendix: the timed Python loops\n")
        L.append(
            "Each implementation's snippets are pasted into one loop template (`tb_pybench.kernel_source`); "
            "`s, p, q` = side, price, qty of the update; `bb, ba` = the best bid / ask price read. "
            "`DictBook` is in `bench/python/tb_pybench.py`; `python bench/python/tb_pybench.py "
            "--show-source IMPL:OP` prints a whole generated loop.\n"
        )
        for im in pb.implementations():
            parts = [f"# setup\n{im.setup}"]
            for k in ("update", "bbo", "levels"):
                code = getattr(im, k)
                if code:
                    parts.append(f"# {k}\n{code}")
            L.append(f"**{im.name}** — {im.label}\n\n```python\n" + "\n".join(parts) + "\n```\n")
    return "\n".join(L) + "\n"


# ---- main -------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="tapebook bench", description=__doc__.splitlines()[0])
    ap.add_argument("--python-only", action="store_true", help="skip the C harness")
    ap.add_argument("--c-json", metavar="PATH", help="read this C harness JSON instead of running it")
    ap.add_argument("--out", metavar="DIR", help="report directory (default: bench/out/report)")
    ap.add_argument(
        "--quick", action="store_true", help="smoke test: 100k updates, 3 runs; C harness --quick"
    )
    ap.add_argument("--ops", type=int, help="timed updates of the Python stream (default 1,000,000)")
    ap.add_argument("--reps", type=int, help="runs per (op, impl) (default 7; 3 with --quick)")
    ap.add_argument("--seed", type=int, help="stream seed")
    args = ap.parse_args(argv)

    root = _repo_root()
    if root is None:
        print(
            "tapebook bench: needs a source checkout (bench/python/tb_pybench.py was not found next to the "
            "package or in the current directory)",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out) if args.out else root / "bench" / "out" / "report"
    out.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": _loadavg(),
        "quick": args.quick,
        "git": _git(root),
        "compiler": _compiler(),
    }
    print(f"tapebook bench: load average {_load_text(ctx['load_start'])}", flush=True)
    if ctx["load_start"] and ctx["load_start"][0] > BUSY_LOAD:
        print(f"  the machine is busy (1-min load > {BUSY_LOAD}): timings will be inflated", flush=True)
    failed = False

    # C first, Python after: each gets the machine to itself
    c: dict[str, Any] | None = None
    c_path: Path | None = None
    if args.c_json:
        c_path, ctx["c_note"] = Path(args.c_json), f"read from `{args.c_json}`"
    elif args.python_only:
        ctx["c_note"] = "`--python-only`"
    else:
        c_path, ctx["c_note"] = _run_c(root, out, args.quick)
        failed |= c_path is None
    if c_path is not None:
        try:
            c = json.loads(c_path.read_text())
        except (OSError, ValueError) as e:
            print(f"tapebook bench: cannot read the C JSON {c_path}: {e}", file=sys.stderr)
            ctx["c_note"] = f"the C JSON `{c_path}` could not be read ({e})"
            failed = True
        else:
            failed |= not c.get("ok", True)
            if c_path.resolve() != (out / c_path.name).resolve():
                shutil.copy(c_path, out / c_path.name)

    pb = _import_pybench(root)
    print("== Python benchmarks", flush=True)
    kw: dict[str, Any] = {
        "ops": args.ops or (100_000 if args.quick else pb.DEFAULT_OPS),
        "reps": args.reps or (3 if args.quick else 7),
    }
    if args.seed is not None:
        kw["seed"] = args.seed
    py = pb.run(**kw)
    py["meta"]["quick"] = args.quick
    failed |= not all(r["verified"] for r in py["results"])
    (out / "python_bench.json").write_text(json.dumps(py, indent=1) + "\n")

    targets = (_c_targets(c) if c else []) + _python_targets(pb, py)
    charts, chart_note = _charts(pb, py, c, out)
    report = _markdown(pb, ctx, py, c, targets, charts, chart_note)
    (out / "report.md").write_text(report)

    print("\n" + pb.format_table(py))
    print("\n== targets (issue #5)")
    for t in targets:
        print(f"  {t['id']:<3} {t['verdict'].upper():<12} {t['target']}\n      {t['measured']}")
    print(f"\nreport: {out / 'report.md'}" + (f" (+{len(charts)} charts)" if charts else f" ({chart_note})"))
    if failed:
        print(
            "tapebook bench: FAILED (a verification failed or the C harness did not produce its JSON)",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
