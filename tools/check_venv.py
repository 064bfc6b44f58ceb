"""Before `make` installs into .venv: check the Python, and rebuild a stale .venv.

    python3 tools/check_venv.py .venv

Exits 1 with one line of advice when this Python is older than the package
needs (Ubuntu 22.04's python3 is 3.10: `make PYTHON=python3.11 demo`). Removes
the venv (so that make creates it again) when it was made by another Python or
its interpreter is gone — an upgraded or removed Python would otherwise fail
every later step with a confusing error. Prints what it does.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

MIN_PYTHON = (3, 11)


def venv_python_info(venv: Path) -> dict[str, str]:
    """The ``key = value`` lines of ``venv/pyvenv.cfg`` ({} when there is none)."""
    cfg = venv / "pyvenv.cfg"
    if not cfg.is_file():
        return {}
    out = {}
    for line in cfg.read_text(errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def stale_reason(venv: Path) -> str:
    """Why ``venv`` cannot be used with the Python running this ("" when it can)."""
    if not venv.exists():
        return ""
    info = venv_python_info(venv)
    python = venv / "bin" / "python"
    if not info:
        return "it has no pyvenv.cfg"
    if not python.exists():  # a dangling symlink: the Python it was made with is gone
        return f"its interpreter is gone ({python} -> {python.resolve()})"
    here = ".".join(map(str, sys.version_info[:3]))
    made = info.get("version_info", info.get("version", "?"))
    if not made.startswith(here):
        return f"it was made by Python {made}, this is {here}"
    home = Path(info.get("home", ""))
    if home.resolve() != Path(sys._base_executable).resolve().parent:
        return f"it was made by the Python in {home}, this one is {Path(sys._base_executable).parent}"
    return ""


def main(argv: list[str]) -> int:
    if sys.version_info[:2] < MIN_PYTHON:
        print(
            f"tapebook needs Python >= {'.'.join(map(str, MIN_PYTHON))}; {sys.executable} is "
            f"{sys.version.split()[0]}. Install a newer one (e.g. apt install python3.11 python3.11-venv "
            "python3.11-dev) and run `make PYTHON=python3.11 ...`",
            file=sys.stderr,
        )
        return 1
    venv = Path(argv[0] if argv else ".venv")
    why = stale_reason(venv)
    if why:
        print(f"== {venv} cannot be reused ({why}): removing it to create it again")
        shutil.rmtree(venv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
