"""setuptools shim: metadata lives in pyproject.toml; this wires the two extensions.

tapebook._tapebook_cffi (CFFI, API mode) holds the C core and most of the
binding; tapebook._hotpath (CPython C-API) holds Book's per-call methods.
Both are described in build_ffi.py.
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from build_ffi import hotpath_extension  # noqa: E402  (needs the path above)

# the header list lives in the package (tapebook.get_include() documents it); read it
# without importing tapebook, which needs the C module this build makes
_ns: dict = {}
exec((ROOT / "tapebook" / "_include.py").read_text(), _ns)
HEADER_PATTERNS = _ns["HEADER_PATTERNS"]


def copy_headers(dest: Path) -> list[Path]:
    """Copy the public C headers of csrc/ to ``dest`` (a wheel's tapebook/include/)."""
    out = []
    for pattern in HEADER_PATTERNS:
        for src in sorted((ROOT / "csrc").glob(pattern)):
            target = dest / src.relative_to(ROOT / "csrc")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            out.append(target)
    return out


class build_py_with_headers(build_py):
    """build_py, plus the C headers into tapebook/include/ so that a wheel can
    embed the core from C (tapebook.get_include(), tapebook --cflags)."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads csrc/ in place
            copy_headers(Path(self.build_lib) / "tapebook" / "include")


setup(
    cffi_modules=["build_ffi.py:ffibuilder"],
    ext_modules=[hotpath_extension()],
    cmdclass={"build_py": build_py_with_headers},
)
