"""What an installed package gives without a checkout: the C headers
(``tapebook.get_include()``, ``tapebook --cflags``) a C or C++ project compiles
against, and the demo's data files as package data.

``TAPEBOOK_WHEEL_TEST=1`` (``make wheel-test``) also builds a real wheel (minutes: it
compiles the C module) and checks its contents and its build log.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import tapebook
from tapebook import _include
from tapebook.demo import example_config

ROOT = Path(__file__).resolve().parents[2]
WARN = ["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wconversion", "-Wshadow"]

EMBED = r"""
#include <stdint.h>
#include <stdlib.h>
#include "tapebook.h"

int main(void) {
    tb_book_i64_n256 *book;
    tb_result r;
    if (tb_book_i64_n256_create(&book, 1000, 64, NULL) != TB_OK) return 1;
    if (tb_book_i64_n256_set(book, TB_ASK, 1010, 3, &r) != TB_OK || r != TB_INSERT) return 2;
    if (tb_book_i64_n256_set(book, TB_ASK, 5000, 4, &r) != TB_OK || r != TB_SPILL) return 3;
    int64_t best = tb_book_i64_n256_best_ask_px(book);
    tb_book_i64_n256_destroy(book);
    return best == 1010 ? 0 : 4;
}
"""


# One compiler per test: what is checked here is the include path and the header set
# (make c-compile builds the same headers with gcc and clang, as C11 and C++17; each
# compile of the whole header set takes seconds).
C_BUILD = ("gcc", ["-std=c11"])
CXX_BUILD = ("g++", ["-x", "c++", "-std=c++17"])


def _compile_and_run(include_flag: str, tmp: Path, build: tuple[str, list[str]]) -> None:
    cc, std = build
    if not shutil.which(cc):
        pytest.skip(f"no {cc}")
    src = tmp / "embed.c"
    src.write_text(EMBED)
    exe = tmp / f"embed_{cc.replace('+', 'x')}"
    r = subprocess.run(
        [cc, *std, *WARN, include_flag, str(src), "-o", str(exe)], capture_output=True, text=True
    )
    assert r.returncode == 0, f"{cc}: {r.stderr}"
    assert subprocess.run([str(exe)], timeout=60).returncode == 0, cc


# slow: a compiler subprocess, nothing of the loaded module (kept out of the sanitizer run)
@pytest.mark.slow
def test_get_include_and_cflags_build_a_c_program(tmp_path: Path) -> None:
    inc = Path(tapebook.get_include())
    assert (inc / "tapebook.h").is_file()
    flags = subprocess.run(
        [sys.executable, "-m", "tapebook", "--cflags"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert flags == [f"-I{inc}"]
    _compile_and_run(flags[0], tmp_path, CXX_BUILD)


@pytest.mark.slow
def test_the_shipped_header_set_is_self_contained(tmp_path: Path) -> None:
    """What setup.py copies into a wheel's tapebook/include is enough to build: nothing
    else of csrc/ is needed."""
    inc = tmp_path / "include"
    files = _include.copy_headers(ROOT / "csrc", inc)
    names = {p.relative_to(inc).as_posix() for p in files}
    assert {"tapebook.h", "tapebook_api.h", "tapebook/tb_book.inc", "tapebook/tb_base.h"} <= names
    assert not any(n.startswith("single/") for n in names)
    _compile_and_run(f"-I{inc}", tmp_path, C_BUILD)


def test_get_include_prefers_the_wheel_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "site" / "tapebook"
    _include.copy_headers(ROOT / "csrc", pkg / "include")
    monkeypatch.setattr(_include, "_PKG", pkg)
    assert _include.get_include() == str(pkg / "include")
    shutil.rmtree(pkg / "include")
    with pytest.raises(FileNotFoundError, match="C headers are missing"):
        _include.get_include()


def test_the_demo_files_are_package_data() -> None:
    cfg = example_config()
    assert cfg.is_file() and cfg.parent == Path(tapebook.__file__).parent / "data"
    with tapebook.load_config(cfg) as venue:
        assert "TAPE-USD" in venue
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "tapebook.data" in setuptools["packages"]
    patterns = setuptools["package-data"]["tapebook.data"]
    for f in (ROOT / "tapebook" / "data").iterdir():
        assert any(fnmatch.fnmatch(f.name, p) for p in patterns), f"{f.name} would not be in the wheel"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TAPEBOOK_WHEEL_TEST") != "1", reason="builds a wheel: make wheel-test")
def test_a_built_wheel_works_without_the_checkout(tmp_path: Path) -> None:
    out = tmp_path / "wheel"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert r.returncode == 0, r.stderr[-4000:]
    log = r.stdout + r.stderr
    assert "tapebook.data" not in log, "setuptools warns about the data files again"
    (whl,) = out.glob("tapebook-*.whl")
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
        z.extractall(tmp_path / "site")
    for need in (
        "tapebook/include/tapebook.h",
        "tapebook/data/instruments.toml",
        "tapebook/data/demo_stream.npz",
    ):
        assert need in names
    _compile_and_run(f"-I{tmp_path / 'site' / 'tapebook' / 'include'}", tmp_path)
    # the extracted package, away from the checkout, finds its headers and its demo file
    code = "import tapebook, tapebook.demo as d; print(tapebook.get_include()); print(d.example_config())"
    got = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        check=True,
    ).stdout.split()
    assert got == [
        str(tmp_path / "site" / "tapebook" / "include"),
        str(tmp_path / "site" / "tapebook" / "data" / "instruments.toml"),
    ]
