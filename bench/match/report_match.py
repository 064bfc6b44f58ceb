"""The matching benchmark's report: a markdown table and a PNG of the latency histograms.

Reads the JSON that ``build/bench/bench_match --json`` writes (bench/c/bench_match.c) and
writes ``<out>/bench_match.md`` and ``<out>/bench_match_latency.png``: per operation
class, the HDR histogram of latency (from the operation's due time at the offered rate)
of tapebook's engine and of the reference engine, as a percentile plot (the usual HDR
"latency by percentile" chart, log-scaled in 1 / (1 - q)).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def percentile_curve(hist: dict) -> tuple[list[float], list[float]]:
    """(quantile axis 1 / (1 - q), value) points from the non-empty buckets."""
    total = hist["count"]
    xs, ys, seen = [], [], 0
    for low, width, count in hist["buckets"]:
        seen += count
        q = seen / total
        xs.append(1.0 / max(1.0 - q, 1.0 / (10 * total)))
        ys.append(min(low + width - 1, hist["max"]))
    return xs, ys


def write_markdown(data: dict, path: Path) -> None:
    meta, flow = data["meta"], data["flow"]
    lines = [
        "# Matching engine benchmark",
        "",
        f"{meta['cpu']}, {meta['cores']} cores; {meta['compiler']}; `{meta['flags']}`; commit "
        f"{meta['commit']}{' (dirty)' if meta['dirty'] == 1 else ''}; {meta['date']}; "
        f"clock: {meta['clock']}.",
        "",
        f"Flow: {flow['ops']} operations after {flow['prefill']} prefill orders (seed {flow['seed']}, "
        f"book near {flow['target']} resting orders), mix: "
        + ", ".join(f"{k} {100 * v / flow['ops']:.1f}%" for k, v in flow["mix"].items())
        + f". All engines replayed the flow with identical events: {data['identical']}.",
        "",
        "| engine | ns/op (CPU) | ns/op (wall) | M ops/s | M submits/s | allocations in timed loops |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, e in data["engines"].items():
        lines.append(
            f"| {name} | {e['ns_per_op']:.1f} | {e['wall_ns_per_op']:.1f} | {e['ops_per_s'] / 1e6:.2f} | "
            f"{e['submits_per_s'] / 1e6:.2f} | {e['allocs_in_loop']} |"
        )
    batch = data.get("batch")  # apply_ops over the same flow (absent from older JSON)
    if batch:
        lines.append(
            f"| tapebook apply_ops ({batch['ops_per_call']} ops a call) | {batch['ns_per_op']:.1f} | "
            f"{batch['wall_ns_per_op']:.1f} | {batch['ops_per_s'] / 1e6:.2f} | "
            f"{batch['submits_per_s'] / 1e6:.2f} | {batch['allocs_in_loop']} |"
        )
    lines += [
        "",
        f"tapebook / reference throughput: **{data['ratio']:.2f}x** (best of {flow['reps']}, same run)"
        + (
            f"; apply_ops / reference **{batch['ratio']:.2f}x** (events identical to the single calls: "
            f"{batch['identical']})."
            if batch
            else "."
        )
        + (
            f" Against the std::map + std::list engine (map+list): tapebook **{data['ratio_map_list']:.2f}x**"
            + (
                f", apply_ops **{batch['ratio_map_list']:.2f}x**."
                if batch and "ratio_map_list" in batch
                else "."
            )
            if "ratio_map_list" in data
            else ""
        ),
        "",
        f"Latency at {flow['rate'] / 1e6:.2f} M operations/s offered (ns from the due time; service = "
        "finish - start):",
        "",
        "| engine | op | count | p50 | p99 | p99.9 | max |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, e in data["engines"].items():
        for op, h in e["latency"].items():
            lines.append(
                f"| {name} | {op} | {h['count']} | {h['p50']} | {h['p99']} | {h['p999']} | {h['max']} |"
            )
        lines.append(f"| {name} | achieved rate | {e['achieved_rate'] / 1e6:.3f} M ops/s | | | | |")
    path.write_text("\n".join(lines) + "\n")


def write_png(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # the per-class service times (service_<op>) stay in the table: one panel each is too many
    ops = [
        op
        for op in next(iter(data["engines"].values()))["latency"]
        if op != "all" and not op.startswith("service_")
    ]
    fig, axes = plt.subplots(2, (len(ops) + 1) // 2, figsize=(16, 8), squeeze=False)
    for ax, op in zip(axes.flat, ops, strict=False):
        for name, e in data["engines"].items():
            h = e["latency"][op]
            if h["count"]:
                xs, ys = percentile_curve(h)
                ax.step(xs, ys, where="post", label=f"{name} (p99.9 {h['p999']} ns)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("1 / (1 - percentile)")
        ax.set_ylabel("latency, ns")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(ops) :]:
        ax.set_visible(False)
    flow = data["flow"]
    fig.suptitle(
        f"tapebook matching engine vs reference: latency by percentile at {flow['rate'] / 1e6:.2f} M ops/s"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    data = json.loads(args.json.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    write_markdown(data, args.out / "bench_match.md")
    write_png(data, args.out / "bench_match_latency.png")
    print(f"wrote {args.out / 'bench_match.md'} and {args.out / 'bench_match_latency.png'}")


if __name__ == "__main__":
    main()
