"""The differential fuzzer (tapebook.testing.fuzz): every category against the model,
the failure path (report, saved stream, shrinking, replay) on a planted bug,
the CLI and the size of the profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapebook import TAPE_SIZES
from tapebook.testing import fuzz
from tapebook.testing import reference as R

# a different base seed from the CLI's quick profile, so pytest adds coverage
PYTEST_SEED = 977


@pytest.mark.parametrize("category", list(fuzz.CATEGORIES))
def test_category(category: str, tmp_path: Path) -> None:
    res = fuzz.run_suite(
        category, fuzz.suite_seed(PYTEST_SEED, category, 0), 3, 1500, 32, str(tmp_path), do_shrink=False
    )
    assert res.failure is None, res.failure and res.failure["message"]
    assert res.ops >= 300


def test_profiles_are_big_enough() -> None:
    full = fuzz.PROFILES["full"]
    suites = full.suites_per_category * len(fuzz.CATEGORIES)
    ops = sum(int(full.ops_per_suite * w) * full.suites_per_category for _, w in fuzz.CATEGORIES.values())
    assert len(fuzz.CATEGORIES) >= 14
    assert suites >= 180 and ops >= 10_000_000
    # every tape size in both families, in every category of the full profile
    combos = {fuzz._nb(i) for i in range(full.suites_per_category)}
    assert combos == {(n, b) for n in TAPE_SIZES for b in (32, 64)}


def test_generation_is_deterministic() -> None:
    a = fuzz.make_suite("pool_exhaustion", 5, 1, 2000)
    b = fuzz.make_suite("pool_exhaustion", 5, 1, 2000)
    assert a.setup == b.setup
    assert [fuzz._jsonable(s) for s in a.steps] == [fuzz._jsonable(s) for s in b.steps]


@pytest.fixture
def planted_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model promotes one tick off (as a C off-by-one would look from the other side)."""
    monkeypatch.setattr(R.RefBook, "anchor_for", lambda self, px: max(px - self.n // 2 + 1, self.amin))


def test_a_planted_bug_is_caught_saved_shrunk_and_replayed(
    planted_bug: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = fuzz.run_suite("core", 123, 0, 3000, 64, str(tmp_path), do_shrink=True, shrink_budget=30)
    f = res.failure
    assert f is not None and f["category"] == "core" and f["seed"] == 123
    assert "anchor" in f["message"] or "bbo" in f["message"] or "row" in f["message"]
    saved = Path(f["file"])
    assert saved.exists() and saved.name == "core-123.json"
    doc = json.loads(saved.read_text())
    assert doc["failure"]["op"] == f["op"] and doc["steps"]
    # the shrunk stream is short and still fails
    assert f["shrunk_ops"] <= 5, f["shrunk_ops"]
    assert fuzz.replay_main([f["shrunk_file"]]) == 1
    assert fuzz.replay_main([str(saved), "--check-every", "16"]) == 1
    out = capsys.readouterr().out
    assert "FAIL at op" in out


def test_replay_of_a_clean_stream_passes(tmp_path: Path) -> None:
    sd = fuzz.make_suite("multi_tiers", 9, 1, 800)
    path = tmp_path / "clean.json"
    fuzz.save_stream(path, sd, sd.setup, sd.steps, {"message": "none"})
    assert fuzz.replay_main([str(path)]) == 0
    assert fuzz.replay_main([str(path), "--show", "--check-every", "50"]) == 0


def test_cli_summary_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js = tmp_path / "out" / "fuzz.json"
    rc = fuzz.main(
        [
            "--category",
            "core",
            "--category",
            "small_cap",
            "--suites",
            "1",
            "--ops",
            "400",
            "--json",
            str(js),
            "--no-progress",
            "--out",
            str(tmp_path / "ff"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert out.rstrip().splitlines()[-1] == "2 passed, 0 failed"
    assert "category" in out and "total" in out
    doc = json.loads(js.read_text())
    assert doc["suites"] == 2 and doc["failed"] == 0 and doc["ops"] >= 400
    assert set(doc["per_category"]) == {"core", "small_cap"}


def test_cli_reports_failures(planted_bug: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = fuzz.main(
        [
            "--category",
            "boundary",
            "--suites",
            "1",
            "--ops",
            "1500",
            "--no-progress",
            "--no-shrink",
            "--out",
            str(tmp_path),
        ]
    )
    captured = capsys.readouterr()
    assert rc == 1
    assert captured.out.rstrip().splitlines()[-1] == "0 passed, 1 failed"
    assert "FAIL boundary seed=" in captured.err and "op=" in captured.err
    assert list(tmp_path.glob("boundary-*.json"))


@pytest.mark.slow
def test_a_bigger_run(tmp_path: Path) -> None:
    rc = fuzz.main(
        ["--suites", "1", "--ops", "20000", "--seed", "31337", "--no-progress", "--out", str(tmp_path)]
    )
    assert rc == 0
