"""tools/check_venv.py, which `make venv` runs first: a .venv made by another (or a
removed) Python is rebuilt instead of failing every later step; a Python older than
3.11 stops with advice."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_venv", ROOT / "tools" / "check_venv.py")
assert _spec is not None and _spec.loader is not None
check_venv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_venv)


def _fake_venv(root: Path, version: str, home: Path, python_target: Path | None) -> Path:
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(
        f"home = {home}\ninclude-system-site-packages = false\nversion = {version}\n"
    )
    if python_target is not None:
        (venv / "bin" / "python").symlink_to(python_target)
    return venv


HERE = ".".join(map(str, sys.version_info[:3]))
HOME = Path(sys._base_executable).resolve().parent


def test_a_venv_of_this_python_is_kept(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path, HERE, HOME, Path(sys._base_executable))
    assert check_venv.stale_reason(venv) == ""
    assert check_venv.main([str(venv)]) == 0 and venv.exists()
    assert check_venv.stale_reason(tmp_path / "none") == ""


@pytest.mark.parametrize(
    ("version", "home", "target", "why"),
    [
        ("3.9.18", HOME, Path(sys._base_executable), "made by Python 3.9.18"),
        (
            HERE,
            Path("/opt/other-python/bin"),
            Path(sys._base_executable),
            "made by the Python in /opt/other-python",
        ),
        (HERE, HOME, Path("/nonexistent/python3.11"), "its interpreter is gone"),
    ],
)
def test_a_stale_venv_is_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version, home, target, why
) -> None:  # type: ignore[no-untyped-def]
    venv = _fake_venv(tmp_path, version, home, target)
    assert why in check_venv.stale_reason(venv)
    assert check_venv.main([str(venv)]) == 0
    assert not venv.exists() and "removing it to create it again" in capsys.readouterr().out


def test_an_old_python_stops_with_advice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check_venv, "MIN_PYTHON", (99, 0))
    assert check_venv.main([]) == 1
    err = capsys.readouterr().err
    assert "needs Python >= 99.0" in err and "make PYTHON=python3.11" in err
