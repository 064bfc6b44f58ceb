"""setuptools shim: metadata lives in pyproject.toml; this wires the two extensions.

tapebook._tapebook_cffi (CFFI, API mode) holds the C core and most of the
binding; tapebook._hotpath (CPython C-API) holds Book's per-call methods.
Both are described in build_ffi.py.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from build_ffi import hotpath_extension  # noqa: E402  (needs the path above)

# the header list and the copy live in the package (tapebook.get_include() documents
# them); read them without importing tapebook, which needs the C module this build makes
_INCLUDE_PY = ROOT / "tapebook" / "_include.py"
_ns: dict = {"__file__": str(_INCLUDE_PY), "__name__": "tapebook_include"}
exec(_INCLUDE_PY.read_text(), _ns)
copy_headers = _ns["copy_headers"]


class build_py_with_headers(build_py):
    """build_py, plus the C headers into tapebook/include/ so that a wheel can
    embed the core from C (tapebook.get_include(), tapebook --cflags)."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads csrc/ in place
            copy_headers(ROOT / "csrc", Path(self.build_lib) / "tapebook" / "include")


setup(
    cffi_modules=["build_ffi.py:ffibuilder"],
    ext_modules=[hotpath_extension()],
    cmdclass={"build_py": build_py_with_headers},
)
