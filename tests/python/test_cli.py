"""The ``tapebook`` command: usage, plain-text help with every option described, no
traceback on a user's mistake, a closed pipe, the update-log command and the moved
fuzz replay."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tapebook
from tapebook import Book, Recorder, cli


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tapebook", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def _parsers() -> dict[str, argparse.ArgumentParser]:
    out = {}
    for name, c in cli.COMMANDS.items():
        if c.parser is not None:
            out[name] = getattr(importlib.import_module(c.module), c.parser)()
    return out


def test_bare_command_prints_usage_listing_every_command() -> None:
    r = run()
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("usage: tapebook <command>")
    for name in cli.COMMANDS:
        assert f"\n  {name} " in r.stderr
    h = run("--help")
    assert h.returncode == 0 and h.stdout.strip() == cli.usage()


def test_every_option_has_help_and_the_help_is_plain_text() -> None:
    parsers = _parsers()
    assert set(parsers) == {name for name, c in cli.COMMANDS.items() if c.parser}
    for name, p in parsers.items():
        assert p.prog == f"tapebook {name}", "one name, however it is started"
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"tapebook {name}: {action.option_strings or action.dest} has no help"
        text = p.format_help()
        for rst in ("``", ":class:", ":meth:", ":func:"):
            assert rst not in text, f"tapebook {name} --help shows reStructuredText ({rst})"
    assert all(rst not in cli.usage() for rst in ("``", ":class:"))


@pytest.mark.parametrize("name", [n for n, c in cli.COMMANDS.items() if c.parser])
def test_help_of_each_command_runs(name: str) -> None:
    r = run(name, "--help")
    assert r.returncode == 0 and r.stdout.startswith(f"usage: tapebook {name}"), r.stderr


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["replay", "missing.json"], 2, "tapebook fuzz --replay FILE"),
        (["log", "missing.log"], 1, "missing.log"),
        (["fuzz", "--replay", "missing.json"], 1, "missing.json"),
        (["nonsense"], 2, "unknown command 'nonsense'"),
        (["info", "extra"], 2, "takes no arguments"),
        (["demo", "--n", "7"], 1, "n=7 is not a supported tape size"),
        (["log", "x.log", "--levels", "-1"], 2, "--levels must be >= 0"),
        (["feed"], 2, "the following arguments are required"),
    ],
)
def test_user_mistakes_end_without_a_traceback(
    tmp_path: Path, args: list[str], status: int, says: str
) -> None:
    (tmp_path / "x.log").write_bytes(b"")
    r = run(*args, cwd=tmp_path)
    assert r.returncode == status, (r.stdout, r.stderr)
    assert says in r.stderr and "Traceback" not in r.stderr, r.stderr


def _log(tmp_path: Path) -> tuple[Path, Book]:
    book = Book(64)
    path = tmp_path / "book.log"
    with Recorder({"BTC": book}, path, snapshot_every=3) as rec:
        rb = rec["BTC"]
        for i in range(7):
            rb.set(True, 10 - i, i + 1)
        rb.apply([False, False], [20, 21], [4, 5])
    return path, book


def test_log_command_summarises_and_replays(tmp_path: Path) -> None:
    path, book = _log(tmp_path)
    r = run("log", str(path))
    assert r.returncode == 0, r.stderr
    rcv = tapebook.recover(path)
    assert f"clean, {len(rcv.records)} records" in r.stdout
    assert (
        "SET" in r.stdout
        and "APPLY" in r.stdout
        and "books (last checkpoint" in r.stdout
        and "BTC" in r.stdout
    )
    r = run("log", str(path), "--replay", "--verify", "--levels", "3")
    assert r.returncode == 0, r.stderr
    bp, bq, ap, aq = book.bbo()
    assert f"BTC: bid {bq} @ {bp}, ask {aq} @ {ap}" in r.stdout
    assert "every later checkpoint verified" in r.stdout
    assert str(book.levels(True, 3)) in r.stdout


def test_log_command_on_torn_and_foreign_files(tmp_path: Path) -> None:
    path, _ = _log(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # an interrupted last write
    r = run("log", str(path))
    assert r.returncode == 0 and ": torn," in r.stdout and "--repair" in r.stdout
    r = run("log", str(path), "--repair")
    assert r.returncode == 0 and "repaired" in r.stdout and ": clean," in r.stdout
    assert tapebook.recover(path).status == "clean"
    other = tmp_path / "stream.json"
    other.write_text(json.dumps({"version": 1}))
    r = run("log", str(other))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "stream.json" in r.stderr


def test_fuzz_replay_moved_and_refuses_an_update_log(tmp_path: Path) -> None:
    path, _ = _log(tmp_path)
    r = run("fuzz", "--replay", str(path))
    assert r.returncode == 2 and "is not a saved fuzz stream" in r.stderr and "tapebook log FILE" in r.stderr
    assert "Traceback" not in r.stderr


def test_closed_pipe_is_quiet() -> None:
    # `tapebook info | head -1`: the reader leaves after one line
    p = subprocess.Popen(
        [sys.executable, "-m", "tapebook", "info"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert p.stdout is not None and p.stderr is not None
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0
    assert first.startswith(b"tapebook ") and "BrokenPipeError" not in err and "Traceback" not in err


def test_info_cflags_and_version() -> None:
    r = run("--cflags")
    assert r.returncode == 0 and r.stdout.strip() == f"-I{tapebook.get_include()}"
    assert run("--version").stdout.strip() == f"tapebook {tapebook.__version__}"
    info = run("info")
    assert info.returncode == 0 and f"C headers: {tapebook.get_include()}" in info.stdout


def test_the_script_and_the_module_are_the_same_command() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "tapebook"]
    assert ep.value == "tapebook.cli:main"
