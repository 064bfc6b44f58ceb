"""The README's examples run as written, in order, from a directory that is not the checkout.

Fenced blocks are read from README.md:

- ```python blocks run one after the other in one namespace (as a reader pasting them
  into one interpreter would), in a subprocess whose working directory is an empty
  temporary directory; a failure points at the README line.
- ```c blocks are compiled with gcc and with clang (when installed) against
  ``tapebook.get_include()`` under the project's warning flags, and run.
- a block right after a ``<!-- file: NAME -->`` line is a file the text asks the reader
  to save: it is written to NAME in that directory before the Python blocks run.

Other blocks (shell commands, formats) are not run. A README change that breaks an
example fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import tapebook

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
FILE_MARK = re.compile(r"^<!--\s*file:\s*(\S+)\s*-->\s*$")
WARN = ["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wconversion", "-Wshadow"]


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  #: 1-based line of the block's first code line in README.md
    text: str
    file: str | None  #: the file name the README asks to save it as


def blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, in order."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    pending_file: str | None = None
    while i < len(lines):
        m = FILE_MARK.match(lines[i])
        if m:
            pending_file = m.group(1)
            i += 1
            continue
        m = FENCE.match(lines[i])
        if m:
            start = i + 1
            j = start
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            assert j < len(lines), f"README.md:{i + 1}: unclosed code block"
            out.append(Block(m.group(1), start + 1, "\n".join(lines[start:j]) + "\n", pending_file))
            pending_file = None
            i = j + 1
            continue
        if lines[i].strip() and not lines[i].lstrip().startswith(("<details", "</details", "<summary")):
            pending_file = None  # a file mark applies to the very next block only
        i += 1
    return out


ALL = blocks(README.read_text())

# runs in the subprocess: write the files, then exec each block with its README line numbers
RUNNER = r"""
import json, sys
from pathlib import Path


def main():
    spec = json.loads(Path(sys.argv[1]).read_text())
    for name, text in spec["files"]:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text)
    ns = {"__name__": "__readme__"}
    for line, text in spec["python"]:
        exec(compile("\n" * (line - 1) + text, "README.md", "exec"), ns)
    print("README blocks ran:", len(spec["python"]))


if __name__ == "__main__":  # Dask's worker processes import this module again
    main()
"""


def test_the_readme_has_examples_of_each_kind() -> None:
    langs = {b.lang for b in ALL}
    assert {"python", "c"} <= langs
    assert all(b.lang in ("python", "c", "sh", "toml", "json", "csv", "text", "") for b in ALL), {
        b.lang for b in ALL
    }
    # a file mark must sit right before a block: find marks that were not consumed
    marks = sum(bool(FILE_MARK.match(ln)) for ln in README.read_text().splitlines())
    assert marks == sum(b.file is not None for b in ALL)


def test_block_parser() -> None:
    text = "a\n<!-- file: x.csv -->\n```csv\n1,2\n```\n\n```python\nprint(1)\n```\n```sh\nls\n```\n"
    got = blocks(text)
    assert [(b.lang, b.line, b.text, b.file) for b in got] == [
        ("csv", 4, "1,2\n", "x.csv"),
        ("python", 8, "print(1)\n", None),
        ("sh", 11, "ls\n", None),
    ]


@pytest.mark.slow  # ~20 s (a Dask cluster starts): in the main pytest run, not the sanitizer ones
def test_python_blocks_run_in_order_from_an_empty_directory(tmp_path: Path) -> None:
    spec = {
        "files": [(b.file, b.text) for b in ALL if b.file],
        "python": [(b.line, b.text) for b in ALL if b.lang == "python" and not b.file],
    }
    work = tmp_path / "elsewhere"
    work.mkdir()
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    (tmp_path / "run.py").write_text(RUNNER)
    r = subprocess.run(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "spec.json")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, f"a README example failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    assert f"README blocks ran: {len(spec['python'])}" in r.stdout


def _compilers() -> list[str]:
    found = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
    if not found:
        pytest.skip("no C compiler")
    return found


# slow: compiler subprocesses only (kept out of the sanitizer run of the module)
@pytest.mark.slow
@pytest.mark.parametrize("index", [i for i, b in enumerate(ALL) if b.lang == "c"])
def test_c_blocks_compile_and_run(index: int, tmp_path: Path) -> None:
    block = ALL[index]
    src = tmp_path / "readme_example.c"
    src.write_text(f'#line {block.line} "README.md"\n' + block.text)
    for cc in _compilers():
        exe = tmp_path / f"example_{cc}"
        cmd = [cc, "-std=c11", "-O1", *WARN, f"-I{tapebook.get_include()}", str(src), "-o", str(exe)]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
        run = subprocess.run([str(exe)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert run.returncode == 0, f"README.md:{block.line} ({cc}) exited {run.returncode}\n{run.stderr}"


def test_the_readme_samples_are_the_feed_fixtures() -> None:
    """The inputs folded into the feeds examples are copies of the test fixtures: one
    of the two cannot change alone."""
    fixtures = README.parent / "tests" / "fixtures" / "feeds"
    samples = [b for b in ALL if b.file and b.file.startswith("samples/")]
    assert samples
    for b in samples:
        assert b.text == (fixtures / b.file.removeprefix("samples/")).read_text(), b.file
