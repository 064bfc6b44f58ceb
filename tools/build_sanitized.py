#!/usr/bin/env python3
"""Build the CFFI module and tapebook._hotpath with a sanitizer into OUTDIR/tapebook/.

OUTDIR/tapebook/ gets symlinks to the package's .py files, its subpackages
and data, and the sanitized extensions, so ``PYTHONPATH=OUTDIR`` imports the sanitized build without
touching the normal one. The sanitizer comes from TAPEBOOK_SANITIZE
(address | undefined | address,undefined), read by build_ffi.py.

Usage: TAPEBOOK_SANITIZE=address build_sanitized.py OUTDIR
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_hotpath(ext: object, out: Path) -> None:
    """Compile the tapebook._hotpath Extension into out/tapebook/."""
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    cmd = build_ext(Distribution({"name": "tapebook-sanitized", "ext_modules": [ext]}))
    cmd.build_lib = str(out)
    cmd.build_temp = str(out / "build-temp")
    cmd.ensure_finalized()
    cmd.run()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not os.environ.get("TAPEBOOK_SANITIZE"):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    pkg = out / "tapebook"
    pkg.mkdir(parents=True, exist_ok=True)
    for src in (ROOT / "tapebook").iterdir():
        # modules, data and subpackages (tapebook.feeds): symlinked, the sources stay the project's
        if src.suffix in (".py", ".typed") or src.name == "data" or (src / "__init__.py").exists():
            link = pkg / src.name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(src)
    spec = importlib.util.spec_from_file_location("build_ffi", ROOT / "build_ffi.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # the compile is long and silent: say what is going on
    print(f"== compiling the C module with {os.environ['TAPEBOOK_SANITIZE']} sanitizer into {pkg} (minutes)")
    sys.stdout.flush()
    mod.ffibuilder.compile(tmpdir=str(out), verbose=False)
    build_hotpath(mod.hotpath_extension(ROOT), out)
    print(f"sanitized module ({os.environ['TAPEBOOK_SANITIZE']}) built in {pkg}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
