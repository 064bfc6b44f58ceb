"""``r.plot(path)``: the BBO over time and, with depth=k, a heatmap of resting size (matplotlib)."""

from __future__ import annotations

from typing import Any

import numpy as np


def plot_result(r: Any, path: Any, title: str | None = None) -> None:
    """Draw ``r`` (a :class:`~tapebook.feeds.FeedResult`: typed ``Any`` so this
    module, which the result imports, does not import it back) into ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is the plot extra
        raise ImportError("r.plot() needs matplotlib (pip install 'tapebook[plot]')") from None
    bbo = r.bbo
    inst = r.instrument
    t = (bbo["ts"] - bbo["ts"][0]) / 1e9 if len(bbo) else np.empty(0)
    has_depth = r.depth is not None and len(bbo) > 0
    fig, axes = plt.subplots(2 if has_depth else 1, 1, figsize=(11, 7 if has_depth else 4), sharex=True)
    ax = axes[0] if has_depth else axes
    for side, color in (("bid", "tab:green"), ("ask", "tab:red")):
        empty = bbo[f"{side}_qty"] == 0
        px = inst.ticks_to_prices(np.where(empty, 0, bbo[f"{side}_px"]), kind="float")
        px[empty] = np.nan
        ax.step(t, px, where="post", color=color, lw=0.8, label=f"best {side}")
    crossed = (bbo["flags"] & 2) != 0
    if crossed.any():
        ax.plot(t[crossed], np.zeros(int(crossed.sum())) + np.nanmin(ax.get_ylim()), "k|", label="crossed")
    ax.set_ylabel("price")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or f"{r.format}: {r.stats.messages:,} messages")
    if has_depth:
        d = r.depth
        assert d is not None
        hx = axes[1]
        xs, ys, ws = [], [], []
        for side in ("bid", "ask"):
            q = d[f"{side}_qty"]
            keep = q > 0
            rows, _ = np.nonzero(keep)
            xs.append(t[rows])
            ys.append(inst.ticks_to_prices(d[f"{side}_px"][keep], kind="float"))
            ws.append(inst.lots_to_sizes(q[keep], kind="float"))
        x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
        if len(x):
            hx.hist2d(x, y, bins=(200, 100), weights=w, cmap="viridis", cmin=1e-300)
        hx.set_ylabel("price (depth, size-weighted)")
        hx.set_xlabel("seconds since the first message")
    else:
        ax.set_xlabel("seconds since the first message")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
