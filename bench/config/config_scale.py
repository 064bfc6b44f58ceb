"""How far ``load_config`` scales: time and peak RSS at a given number of instruments.

Each size runs in a fresh child process (peak RSS is per process):

    python bench/config/config_scale.py 10000 100000 1000000

prints, per size, the time of each stage (TOML parse, ``parse_config`` validation,
``Config.build``: pool construction plus one ``alloc`` per instrument) and the
child's peak RSS. The instruments are spread over the three tiers like a venue
(1/16 high, 3/16 medium, the rest low), 32-bit, with the default ``[pool]``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
import tomllib


def make_toml(n: int) -> str:
    """A configuration of ``n`` instruments (tier by index: 1 high, 3 medium, 12 low per 16)."""
    parts = []
    for i in range(n):
        r = i % 16
        tier = "high" if r == 0 else "medium" if r < 4 else "low"
        parts.append(
            f'[[instrument]]\nsymbol = "I{i}"\ntier = "{tier}"\ntick_size = "0.01"\n'
            f'lot_size = "0.001"\nreference_price = "{100 + i % 900}"\n'
        )
    return "\n".join(parts)


def measure(n: int) -> dict[str, float]:
    """Run the stages once in this process and return their times and the peak RSS."""
    from tapebook import config as cfgmod

    text = make_toml(n)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    data = tomllib.loads(text, parse_float=cfgmod._toml_decimal)
    t1 = time.perf_counter()
    cfg = cfgmod.parse_config(data)
    t2 = time.perf_counter()
    venue = cfg.build()
    t3 = time.perf_counter()
    assert len(venue) == n
    venue.close()
    t4 = time.perf_counter()
    return {
        "n": n,
        "toml_s": t1 - t0,
        "parse_config_s": t2 - t1,
        "build_s": t3 - t2,
        "close_s": t4 - t3,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss0 / 1024,
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"# {platform.machine()} {platform.python_version()} load {os.getloadavg()[0]:.2f}")
    head = ("instruments", "toml s", "parse s", "build s", "close s", "peak RSS MB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (11, 8, 8, 8, 8, 12), strict=True)))
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], check=True, capture_output=True, text=True
        )
        r = json.loads(out.stdout)
        print(
            f"{n:>11,} {r['toml_s']:>8.2f} {r['parse_config_s']:>8.2f} {r['build_s']:>8.2f} "
            f"{r['close_s']:>8.2f} {r['peak_rss_mb']:>12,.0f}"
        )
    print(f"# load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
