"""setuptools shim: metadata lives in pyproject.toml; this only wires the CFFI module."""

from setuptools import setup

setup(cffi_modules=["build_ffi.py:ffibuilder"])
