"""The structs cffi sees have the sizes the C code reports (API mode checks the
field layout of the fully declared ones at build time)."""

from __future__ import annotations

import pytest

import tapebook
from tapebook import Book
from tapebook import _native as nat
from tapebook._native import ffi, lib


@pytest.mark.parametrize("key", sorted(nat.BOOKS))
def test_book_struct_sizes(key: tuple[int, int]) -> None:
    v = nat.BOOKS[key]
    assert ffi.sizeof(v.c_name) == v.struct_size() == v.nbytes
    assert v.nbytes % 64 == 0


def test_spec_size_promise() -> None:
    assert ffi.sizeof("tb_book_i32_n1024") < 9000


def test_exposed_structs() -> None:
    assert ffi.sizeof("tb_level_i32") == 8 and ffi.sizeof("tb_level_i64") == 16
    assert ffi.sizeof("tb_bbo_i32") == 16 and ffi.sizeof("tb_bbo_i64") == 32
    for pv in nat.POOLS.values():
        assert ffi.sizeof(pv.family.pool_c) == pv.nbytes
        assert pv.level_bytes == ffi.sizeof(pv.family.level_c)
    b = Book(n=64)
    assert b._bbo_dtype.itemsize == ffi.sizeof("tb_bbo_i32")
    assert b._level_dtype.itemsize == ffi.sizeof("tb_level_i32")


def test_result_values_match_c() -> None:
    R = tapebook.Result
    assert (R.INSERT, R.UPDATE, R.ERASE, R.SPILL, R.PROMOTE) == (
        lib.TB_INSERT,
        lib.TB_UPDATE,
        lib.TB_ERASE,
        lib.TB_SPILL,
        lib.TB_PROMOTE,
    )


def test_module_is_guarded() -> None:
    assert lib.tb_built_with_thread_guard() == 1
    assert "TB_THREAD_GUARD" in nat.build_info()


def test_expected_sanitizer_is_loaded() -> None:
    """make asan/ubsan set TAPEBOOK_EXPECT_SANITIZED: fail loudly if the tests
    picked up the normal module instead of the sanitized one."""
    import os

    want = os.environ.get("TAPEBOOK_EXPECT_SANITIZED")
    if want:
        assert f"sanitize={want}" in nat.build_info()
