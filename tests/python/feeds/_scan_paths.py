"""What the venue scan tests (test_*_scan.py) share: a replay run on the C loop
(TAPEBOOK_JSON_SCAN=1) and on the msgspec path (=0) in a comparable form, the count of
lines the C loop hands back to the checked path, the C layout table rows, and the
drivers that write, mutate and edit frame files."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tapebook import feeds
from tapebook.feeds._json_loop import SCAN_ENV

#: how the Hypothesis edit tests run, and the edits they draw: (at, cut, insert) triples
EDIT_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.text(min_size=0, max_size=4)), max_size=4
)
#: the error and gap policies the mutated-frame tests compare under
POLICIES = ({"on_error": "raise"}, {"on_error": "skip", "on_gap": "resync"}, {"on_error": "skip"})


def plain(v: Any) -> Any:
    """Arrays (and dicts / tuples of them) in a form comparable with ==."""
    if hasattr(v, "tobytes"):  # structured rows may hold sub-arrays: compare dtype and bytes
        return (str(v.dtype), v.shape, v.tobytes())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return repr(v)


class HandbackCounter:
    """Counts the lines the C loop hands to the checked path (``reader._one``) while
    the monkeypatch lasts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, reader: type) -> None:
        self.n = 0
        orig = reader._one

        def counting(rdr: Any, b: Any, raw: Any, line: Any) -> Any:
            self.n += 1
            return orig(rdr, b, raw, line)

        monkeypatch.setattr(reader, "_one", counting)


class ScanPaths:
    """One venue's replay on both paths. ``defaults`` are replay keywords every call
    takes unless it names them itself (format, tick_size, lot_size, ...)."""

    def __init__(self, reader: type, **defaults: Any) -> None:
        self.reader = reader
        self.defaults = {"depth": 3, **defaults}

    def outcome(self, path: Path, **kw: Any) -> tuple:
        """What a replay gives (or the error it raises), comparable across paths."""
        try:
            r = feeds.replay(path, **{**self.defaults, **kw})
        except feeds.FeedError as e:
            return ("error", type(e).__name__, str(e))
        return (r.bbo.tolist(), plain(r.depth), repr(r.stats), r.status, r.stop_reason)

    def both(self, monkeypatch: pytest.MonkeyPatch, path: Path, **kw: Any) -> tuple[tuple, tuple]:
        """(C loop, msgspec path) outcomes of the same replay."""
        monkeypatch.setenv(SCAN_ENV, "1")
        fast = self.outcome(path, **kw)
        monkeypatch.setenv(SCAN_ENV, "0")
        slow = self.outcome(path, **kw)
        return fast, slow

    def both_unpatched(self, path: Path, **kw: Any) -> tuple[tuple, tuple]:
        """both() for a test without the monkeypatch fixture (Hypothesis runs many
        examples in one test call, and a function-scoped fixture would be shared)."""
        with pytest.MonkeyPatch.context() as mp:
            return self.both(mp, path, **kw)

    def assert_edits_agree(self, tmp_path_factory: Any, text: str, edits: Any, **kw: Any) -> None:
        """Both paths agree on ``text`` with the Hypothesis-drawn ``edits`` applied (a
        fresh directory and monkeypatch per example: Hypothesis runs many in one call)."""
        fp = tmp_path_factory.mktemp("hyp") / "f.jsonl"
        fp.write_text(apply_edits(text, edits), encoding="utf-8")
        fast, slow = self.both_unpatched(fp, **kw)
        assert fast == slow

    def assert_same(
        self, monkeypatch: pytest.MonkeyPatch, path: Path, variants: Iterable[Mapping[str, Any]], **kw: Any
    ) -> None:
        """Both paths agree under each variant of the keywords (added to ``kw``)."""
        for v in variants:
            fast, slow = self.both(monkeypatch, path, **kw, **v)
            assert fast == slow, v

    def assert_real_replay(self, monkeypatch: pytest.MonkeyPatch, path: Path, **kw: Any) -> tuple:
        """Both paths agree on a replay that is not an error, also with the frames
        split across batches of 3 rows; the C loop's outcome."""
        fast, slow = self.both(monkeypatch, path, **kw)
        assert fast == slow
        assert fast[0] != "error" and fast[0]  # a real replay, not two equal errors
        assert self.both(monkeypatch, path, **kw, batch_rows=3) == (fast, fast)
        return fast

    def handbacks(self, monkeypatch: pytest.MonkeyPatch, path: Path, **kw: Any) -> int:
        """The lines the C loop hands to the checked path in one replay."""
        counter = HandbackCounter(monkeypatch, self.reader)
        monkeypatch.setenv(SCAN_ENV, "1")
        self.outcome(path, **kw)
        return counter.n


def write_lines(tmp_path: Path, lines: Iterable[str], name: str = "f") -> Path:
    """The lines as a .jsonl file, one a line."""
    return write_frames(tmp_path, "\n".join(lines) + "\n", name)


def write_frames(tmp_path: Path, frames: str, name: str) -> Path:
    """The frames' text as ``name``.jsonl."""
    fp = tmp_path / f"{name}.jsonl"
    fp.write_text(frames)
    return fp


def mutate_lines(
    frames: str, mutation: Callable[[str], str], seed: int, first: int = 3, count: int = 3
) -> str:
    """The frames with ``count`` lines from ``first`` on (chosen by ``seed``) edited by
    ``mutation``."""
    lines = frames.splitlines()
    for k in random.Random(seed).sample(range(first, len(lines)), count):
        lines[k] = mutation(lines[k])
    return "\n".join(lines) + "\n"


def apply_edits(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """The text with each (at, cut, insert) edit of EDITS applied in turn."""
    for at, cut, ins in edits:
        i = at % (len(text) + 1)
        text = text[:i] + ins + text[i + cut % 3 :]
    return text


def random_levels(rng: random.Random) -> list[tuple[str, str]]:
    """Up to three (price, quantity) levels near 100."""
    out = []
    for _ in range(rng.randrange(0, 4)):
        px = f"{rng.randrange(95, 106)}.{rng.randrange(100):02d}"
        out.append((px, f"{rng.randrange(4)}.{rng.randrange(1000):03d}"))
    return out


def _ptrs() -> tuple:
    from tapebook._native import ffi

    return ffi.new("const char **"), ffi.new("int *"), ffi.new("int *")


def layout(index: int) -> dict[str, tuple[int, int]]:
    """The C scanner's layout table row: key name -> (role, required)."""
    from tapebook._native import ffi, lib

    name, role, req = _ptrs()
    keys = {}
    i = 0
    while lib.tb_jscan_layout_key(index, i, name, role, req) == 0:
        keys[ffi.string(name[0]).decode()] = (int(role[0]), int(req[0]))
        i += 1
    assert lib.tb_jscan_layout_key(index, i, name, role, req) == lib.TB_ERR_BADARG
    return keys


def layout_key_status(index: int, i: int) -> int:
    """What tb_jscan_layout_key returns for key ``i`` of row ``index``."""
    from tapebook._native import lib

    return int(lib.tb_jscan_layout_key(index, i, *_ptrs()))


def check_layout_row(
    index: int, struct: type, optional: set[str], roles: Mapping[str, int], optional_in_struct: bool = False
) -> None:
    """Layout row ``index`` and the msgspec ``struct`` name the same required keys (the
    struct also names the optional ones if ``optional_in_struct``); ``optional`` are the
    optional keys and ``roles`` every key's role."""
    keys = layout(index)
    required = {k for k, (_, req) in keys.items() if req}
    assert required | (optional if optional_in_struct else set()) == set(struct.__struct_fields__)
    assert set(keys) - required == optional
    assert {k: r for k, (r, _) in keys.items()} == dict(roles)
