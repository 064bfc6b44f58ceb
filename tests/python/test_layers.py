"""The package's import graph: no cycles, layers point one way, and the library
never loads ``tapebook.testing``.

The graph is read from the source with ``ast``: every ``import`` anywhere in a
module (module level, inside functions and classes, under ``TYPE_CHECKING``)
is an edge.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tapebook

PKG = Path(tapebook.__file__).resolve().parent

#: Lowest first. A module may import modules of its own layer or of a lower one, never
#: of a higher one (not even inside a function). Names are relative to tapebook;
#: "x.*" is every module of the package x. Layers not written yet have their place.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "core",
        (
            "errors",
            "_native",
            "_l3native",
            "_tapebook_cffi",
            "_hotpath",
            "_variants",
            "_args",
            "_buffers",
            "_levels",
            "_decimal",
            "_sides",
            "bboview",
            "_include",
            "_matchnative",
        ),
    ),
    ("book", ("_dump", "snapshot", "pool", "book", "l3book", "l3view", "multi", "config", "matching")),
    ("persistence", ("persist", "persist.*")),
    ("feeds", ("feeds", "feeds.*")),
    ("dataset", ("dataset", "dataset.*")),
    ("package", ("__init__", "demo")),  # the public names, and the demo of them
    ("testing", ("testing", "testing.*")),  # never imported by anything below
    ("command line", ("cli", "__main__", "_logcmd")),
)


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 1 else rel.parts
    return ".".join(parts)


MODULES = {module_name(p): p for p in PKG.rglob("*.py")}


def layer_of(mod: str) -> int:
    for rank, (_name, members) in enumerate(LAYERS):
        for m in members:
            if mod == m or (m.endswith(".*") and mod.startswith(m[:-1])):
                return rank
    raise AssertionError(f"tapebook.{mod} has no layer: add it to LAYERS in {Path(__file__).name}")


def resolve(mod: str, node: ast.ImportFrom) -> str:
    """The absolute module (relative to tapebook; "__init__" for tapebook itself) a from-import reads."""
    is_pkg = MODULES.get(mod, Path()).name == "__init__.py"
    here = ["tapebook", *([] if mod == "__init__" else mod.split("."))]
    package = here if is_pkg else here[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level else []
    full = base + (node.module.split(".") if node.module else [])
    return ".".join(full)


def short(absolute: str) -> str | None:
    if absolute == "tapebook":
        return "__init__"
    if absolute.startswith("tapebook."):
        return absolute[len("tapebook.") :]
    return None


def imports(mod: str) -> set[str]:
    """The tapebook modules ``mod`` imports anywhere in its source."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[mod].read_text(), str(MODULES[mod]))):
        if isinstance(node, ast.Import):
            out.update(s for a in node.names if (s := short(a.name)) is not None)
        elif isinstance(node, ast.ImportFrom):
            target = resolve(mod, node)
            base = short(target)
            if base is None:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}" if base != "__init__" else a.name
                out.add(sub if sub in MODULES or sub in ("_tapebook_cffi", "_hotpath") else base)
    out.discard(mod)
    return out


GRAPH = {mod: imports(mod) for mod in MODULES}


def test_every_module_has_a_layer() -> None:
    for mod in MODULES:
        layer_of(mod)


def test_no_import_cycles() -> None:
    # depth-first search; a back edge is a cycle, reported with its path
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n) :], n]
                raise AssertionError("import cycle: " + " -> ".join(f"tapebook.{x}" for x in cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_layers_point_one_way() -> None:
    bad = [
        f"tapebook.{a} ({LAYERS[layer_of(a)][0]}) imports tapebook.{b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in GRAPH.items()
        for b in targets
        if layer_of(b) > layer_of(a)
    ]
    assert not bad, "a lower layer imports a higher one:\n" + "\n".join(sorted(bad))


def test_the_graph_sees_function_level_imports() -> None:
    # the checks above are only as good as the graph: imports inside functions count
    assert "_dump" in GRAPH["book"] and "multi" in GRAPH["persist.recorder"]
    assert "pool" in GRAPH["book"]  # under TYPE_CHECKING and inside Book.__init__
    assert "__init__" in GRAPH["cli"]  # `from . import __version__` inside info_main
    assert "_native" in GRAPH["testing.fuzz"]  # `from .. import _native` inside main()


def test_importing_the_library_loads_no_testing_module() -> None:
    library = sorted(m for m in MODULES if layer_of(m) < layer_of("testing") or m == "cli")
    code = (
        "import sys, importlib\n"
        "import tapebook\n"
        f"for m in {[m for m in library if m != '__init__']!r}:\n"
        "    importlib.import_module('tapebook.' + m)\n"
        "loaded = sorted(k for k in sys.modules if k.startswith('tapebook'))\n"
        "print(len(loaded), [k for k in loaded if k.startswith('tapebook.testing')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    count, testing = out.split(" ", 1)
    assert int(count) >= len(library) and testing.strip() == "[]", out


def test_every_subpackage_is_in_the_wheel() -> None:
    import tomllib

    pyproject = PKG.parent / "pyproject.toml"
    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(("tapebook", *p.parent.relative_to(PKG).parts)) for p in PKG.rglob("__init__.py")}
    found.add("tapebook.data")  # no Python: listed so that its files are package data, without warnings
    assert listed == found, f"pyproject.toml [tool.setuptools] packages must be {sorted(found)}"


def test_dataset_replays_through_the_public_feeds_seam() -> None:
    # tapebook.dataset runs a file through feeds.replay_into / feeds.CONTINUABLE: the
    # module doing it may not reach into feeds' private modules
    private = sorted(m for m in GRAPH["dataset._feedrun"] if m.startswith("feeds."))
    assert "feeds" in GRAPH["dataset._feedrun"] and not private, private
