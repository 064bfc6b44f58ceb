"""Print one optional-dependency list of pyproject.toml, a requirement per line.

    python tools/extra_requirements.py bench > requirements.txt

`make bench*` installs the bench extra's peers from this list rather than with
`pip install -e '.[bench]'`, which reinstalls tapebook itself and so recompiles its C
module (minutes) on every run; pyproject.toml stays the one table of the extras.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def extra(name: str) -> list[str]:
    """The requirements of extra ``name``; SystemExit naming the valid extras if unknown."""
    with PYPROJECT.open("rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    if name not in extras:
        valid = ", ".join(sorted(extras))
        raise SystemExit(f"extra_requirements: no extra {name!r} in {PYPROJECT} (valid: {valid})")
    return list(extras[name])


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        raise SystemExit("usage: python tools/extra_requirements.py EXTRA")
    print("\n".join(extra(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
