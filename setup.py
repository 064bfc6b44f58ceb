"""setuptools shim: metadata lives in pyproject.toml; this wires the two extensions.

tapebook._tapebook_cffi (CFFI, API mode) holds the C core and most of the
binding; tapebook._hotpath (CPython C-API) holds Book's per-call methods.
Both are described in build_ffi.py.
"""

import sys
from pathlib import Path

from setuptools import setup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_ffi import hotpath_extension

setup(cffi_modules=["build_ffi.py:ffibuilder"], ext_modules=[hotpath_extension()])
