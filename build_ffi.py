"""CFFI (API mode) builder for tapebook's C core.

``pip install .`` runs this through setup.py's ``cffi_modules``; running it
directly (``python build_ffi.py``) compiles the module in place.

The cdef is read from ``csrc/tapebook_api.h``, the generated header that the C
code itself includes (so the compiler checks every prototype), with its
``TB_CDEF_TYPES`` block kept and preprocessor lines and ``TB_API`` removed.

The module's C source is ``tapebook/_module.c`` (the core, the feed helpers
and the type-erased ``tb_ops`` tables); ``hotpath_extension()`` describes the
second extension, ``tapebook._hotpath`` (CPython C-API): the per-call Book
methods, which call those ``tb_ops`` tables (see tapebook/_hotpath.c for why).

Environment:
  TAPEBOOK_SANITIZE=address|undefined|address,undefined
                                        build with ASan / UBSan / both (tests only)
  TAPEBOOK_CFLAGS="..."                 extra compiler flags
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

from cffi import FFI

# -fsanitize= values the test builds use (make sanitize-py builds both at once)
SANITIZERS = ("address", "undefined", "address,undefined")

ROOT = Path(__file__).resolve().parent
CSRC = ROOT / "csrc"
PKG = ROOT / "tapebook"
MODULE = "tapebook._tapebook_cffi"
HOTPATH_MODULE = "tapebook._hotpath"

# the flat prototype headers cffi reads: the core's, the feed helpers' (tb_feeds.h,
# the L3 decoders), the L3 books' and the matching engines',
# then the module's own few functions (tapebook/_module.h)
CDEF_HEADERS = (
    CSRC / "tapebook_api.h",
    CSRC / "tapebook" / "tb_feeds_api.h",
    CSRC / "tapebook" / "tb_l3_feeds_api.h",
    CSRC / "tapebook" / "tb_l3_api.h",
    CSRC / "tapebook" / "tb_match_api.h",
    PKG / "_module.h",
)


def read_cdef() -> str:
    parts = []
    for path in CDEF_HEADERS:
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        parts.append("\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    return "\n".join(parts).replace("TB_API ", "")


def compile_args() -> tuple[list[str], list[str]]:
    sanitize = os.environ.get("TAPEBOOK_SANITIZE", "").strip()
    cflags = ["-std=c11", "-DTB_THREAD_GUARD"]
    ldflags: list[str] = []
    if sanitize:
        if sanitize not in SANITIZERS:
            raise SystemExit(f"TAPEBOOK_SANITIZE must be one of {', '.join(SANITIZERS)}, got {sanitize!r}")
        flag = f"-fsanitize={sanitize}"
        # -g1: line tables for the sanitizers' stack traces, at about two thirds of the
        # compile time of full debug information
        cflags += ["-O1", "-g1", "-fno-omit-frame-pointer", flag, "-DTB_ENABLE_ASSERTS"]
        if "undefined" in sanitize:
            cflags.append("-fno-sanitize-recover=all")
        ldflags.append(flag)
    else:
        cflags += ["-O3", "-DNDEBUG"]
    cflags += shlex.split(os.environ.get("TAPEBOOK_CFLAGS", ""))
    info = f"sanitize={sanitize or 'none'} cflags={' '.join(cflags)}"
    cflags.append(f'-DTB_BUILD_INFO="{info}"')
    return cflags, ldflags


def hotpath_extension(build_root: Path | None = None) -> Any:
    """The setuptools Extension of tapebook._hotpath, with the same flags as the CFFI module.

    ``build_root``: make the source path absolute (for builds outside the project dir)."""
    from setuptools import Extension

    cflags, ldflags = compile_args()
    base = build_root or Path(".")
    return Extension(
        HOTPATH_MODULE,
        sources=[str(base / "tapebook" / "_hotpath.c")],
        depends=[
            str(base / "csrc" / "tapebook" / "tb_ops.h"),
            str(base / "csrc" / "tapebook" / "tb_l3_ops.h"),
            str(base / "csrc" / "tapebook" / "tb_match_ops.h"),
            str(base / "tapebook" / "_hotl3.inc"),
            str(base / "tapebook" / "_hotmatch.inc"),
        ],
        include_dirs=[str(base / "csrc")],
        extra_compile_args=[*cflags, "-Wall", "-Wextra"],
        extra_link_args=ldflags,
    )


ffibuilder = FFI()
ffibuilder.cdef(read_cdef())
_cflags, _ldflags = compile_args()
ffibuilder.set_source(
    MODULE,
    '#include "_module.c"\n',  # the module's C source is a real file: tapebook/_module.c
    include_dirs=[str(CSRC), str(PKG)],
    depends=[
        *sorted(str(p) for p in CSRC.rglob("*") if p.suffix in (".h", ".inc")),
        str(PKG / "_module.c"),
        str(PKG / "_module.h"),
    ],
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=False)
