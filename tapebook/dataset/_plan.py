"""From ``inputs`` to tasks: which files, which instrument each is, where its
outputs go, what it continues (chain=True), and what its output depends on.

* inputs: a glob pattern (``"data/*.csv.gz"``, ``**`` recursive; matches sorted),
  a path, a list of paths (kept in the order given), or a :class:`Manifest`
  (or the path of a ``manifest.json``): its inputs again.
* instrument: one ``tick_size`` / ``lot_size`` for every file, or a TOML
  configuration (:func:`tapebook.parse_config`'s format; the instrument's
  ``tier`` gives the book's tape size) looked up by symbol. The symbol comes from
  the file name (Tardis' ``<exchange>_<data type>_<YYYY-MM-DD>_<symbol>``) or, for
  CSV formats, from the ``symbol`` column of the first row.
* chain=True: the files of one symbol, ordered by day (the file name's date, else
  the day of the first row's ``timestamp``) then by path, each continuing the one
  before it.

A problem with one input (no symbol, an unknown symbol, an unreadable header)
fails that input alone: it becomes a failed partition and the others run. (In
a chain such a file cannot be placed, so the files of its symbol chain without
it; with Tardis names, symbol and day come from the name and this cannot happen.)
"""

from __future__ import annotations

import datetime as _dt
import glob as _glob
import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from ..config import Config, parse_config
from ..errors import ArgumentTypeError, InvalidArgumentError
from . import _naming
from ._task import Settings, Task, Units, failed

#: bump when the layout of the output files changes: outputs of older runs are then redone
OUTPUT_VERSION = 1
_CSV_FORMATS = ("tardis", "tardis-snapshot")
_PEEK_BYTES = 1 << 16


@dataclass
class Plan:
    """The tasks of a run: ``chains`` (lists of tasks that run in order, each
    continuing the previous one; one task per chain unless chain=True), in input
    order, and the inputs that failed before running (``failed``: input -> partition)."""

    order: list[str]  #: every input, in the manifest's order
    chains: list[list[Task]]
    failed: dict[str, dict[str, Any]]

    @property
    def tasks(self) -> list[Task]:
        return [t for c in self.chains for t in c]


def expand_inputs(inputs: Any) -> list[str]:
    """The input paths, absolute, in order (see the module docstring)."""
    from ._manifest import Manifest

    if isinstance(inputs, (str, os.PathLike)) and os.fspath(inputs).endswith(".json"):
        inputs = Manifest.load(os.fspath(inputs))
    if isinstance(inputs, Manifest):
        paths = [p["input"] for p in inputs.partitions]
    elif isinstance(inputs, (str, os.PathLike)):
        pattern = os.fspath(inputs)
        if _glob.has_magic(pattern):
            paths = sorted(_glob.glob(pattern, recursive=True))
            if not paths:
                raise InvalidArgumentError(f"inputs={pattern!r}: no file matches")
        else:
            paths = [pattern]
    elif isinstance(inputs, (list, tuple)):
        paths = []
        for i, p in enumerate(inputs):
            if not isinstance(p, (str, os.PathLike)):
                raise ArgumentTypeError(f"inputs[{i}] must be a path, got {type(p).__name__}")
            paths.append(os.fspath(p))
    else:
        raise ArgumentTypeError(
            "inputs must be a glob pattern, a path, a list of paths or a Manifest, "
            f"got {type(inputs).__name__}"
        )
    if not paths:
        raise InvalidArgumentError("inputs is empty: give at least one file")
    out = [os.path.abspath(p) for p in paths]
    seen: dict[str, int] = {}
    for i, p in enumerate(out):
        if p in seen:
            raise InvalidArgumentError(f"inputs: {p} is given twice (positions {seen[p]} and {i})")
        seen[p] = i
    return out


def load_instruments(config: Any) -> dict[str, Units]:
    """symbol -> Units from a TOML file path, TOML text already parsed (a dict) or a Config."""
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f, parse_float=Decimal)
        except OSError as e:
            raise InvalidArgumentError(f"config={path!r}: cannot read: {e.strerror or e}") from None
        except tomllib.TOMLDecodeError as e:
            raise InvalidArgumentError(f"config={path!r}: not valid TOML: {e}") from None
        cfg = parse_config(data, source=path)
    elif isinstance(config, dict):
        cfg = parse_config(config)
    elif isinstance(config, Config):
        cfg = config
    else:
        raise ArgumentTypeError(f"config must be a TOML file path or a Config, got {type(config).__name__}")
    return {i.symbol: Units(i.symbol, str(i.tick_size), str(i.lot_size), i.n) for i in cfg.instruments}


def peek_first_row(path: str) -> dict[str, str]:
    """The header and first data row of a (possibly compressed) CSV file."""
    import csv

    from ..feeds._source import Source

    for _path, f in Source(path).streams():
        head = f.read(_PEEK_BYTES)
        lines = head.decode("utf-8", errors="replace").splitlines()
        if len(lines) < 2:
            raise ValueError("no data row in its first 64 KiB")
        header, first = next(csv.reader([lines[0]])), next(csv.reader([lines[1]]))
        return dict(zip(header, first, strict=False))
    raise ValueError("no data")  # pragma: no cover - a path source always yields one stream


def _day_of_us(value: str) -> str:
    return _dt.datetime.fromtimestamp(int(value) / 1e6, tz=_dt.UTC).date().isoformat()


@dataclass(frozen=True)
class _Ident:
    symbol: str
    date: str | None


def identify(path: str, fmt: str, need_symbol: bool, need_date: bool) -> _Ident:
    """The symbol and day of a file: its name, else (CSV formats) its first row.
    Raises ValueError saying why when a needed one cannot be found."""
    named = _naming.parse_vendor_name(path)
    symbol = named.symbol if named else ""
    date = named.date if named else None
    if (need_symbol and not symbol) or (need_date and not date):
        if fmt not in _CSV_FORMATS:
            what = "symbol" if need_symbol and not symbol else "day"
            raise ValueError(
                f"cannot tell the {what} of this {fmt} file: name it "
                "<exchange>_<data type>_<YYYY-MM-DD>_<symbol>.<ext>"
            )
        try:
            row = peek_first_row(path)
        except Exception as e:
            raise ValueError(f"cannot read its first row to find the symbol / day: {e}") from None
        if need_symbol and not symbol:
            symbol = row.get("symbol", "")
            if not symbol:
                raise ValueError("no symbol in its file name nor a 'symbol' column")
        if need_date and not date:
            ts = row.get("timestamp") or row.get("local_timestamp")
            if not ts or not ts.isdigit():
                raise ValueError("no date in its file name nor a 'timestamp' column")
            date = _day_of_us(ts)
    return _Ident(symbol, date)


def _units_for(symbol: str, table: dict[str, Units]) -> Units:
    if symbol in table:
        return table[symbol]
    folded = [u for s, u in table.items() if s.lower() == symbol.lower()]
    if len(folded) == 1:
        return folded[0]
    known = ", ".join(sorted(table)) or "none"
    raise ValueError(f"symbol {symbol!r} is not in the configuration (its symbols: {known})")


def _input_stat(path: str) -> dict[str, Any]:
    try:
        st = os.stat(path)
    except OSError:
        return {"path": path, "size": None, "mtime_ns": None}
    return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def fingerprint(task: Task) -> str:
    """What the outputs of ``task`` depend on: the settings, the instrument, the
    input file (path, size, modification time) and, chained, the file before it."""
    blob = {
        "output_version": OUTPUT_VERSION,
        "settings": task.settings.describe(),
        "units": asdict(task.units),
        "input": _input_stat(task.input),
        "prev_input": task.prev_input,
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def plan(
    inputs: Any,
    out: str,
    settings: Settings,
    single: Units | None,
    instruments: dict[str, Units] | None,
) -> Plan:
    """Tasks for ``inputs`` (``single``: one tick/lot for all; else ``instruments`` by symbol)."""
    paths = expand_inputs(inputs)
    by_stem: dict[str, str] = {}
    for p in paths:
        s = _naming.stem(p)
        if s in by_stem:
            raise InvalidArgumentError(
                f"inputs: {by_stem[s]} and {p} would both write {s}.*: outputs are named by the "
                "input's stem, so give files with different names (or use two out= directories)"
            )
        by_stem[s] = p
    failures: dict[str, dict[str, Any]] = {}
    tasks: list[Task] = []
    for p in paths:
        stub = Task(p, _naming.stem(p), out, single or Units("", "1", "1"), settings)
        try:
            ident = identify(p, settings.format, single is None or settings.chain, settings.chain)
            units = single if single is not None else _units_for(ident.symbol, instruments or {})
        except ValueError as e:
            failures[p] = failed(stub, f"{p}: {e}")
            continue
        tasks.append(Task(p, stub.stem, out, units, settings, symbol=ident.symbol, date=ident.date))
    if settings.chain:
        groups: dict[str, list[Task]] = {}
        for t in tasks:
            groups.setdefault(t.symbol, []).append(t)
        chains = []
        for group in groups.values():
            group.sort(key=lambda t: (t.date or "", t.input))
            linked: list[Task] = []
            for t in group:
                prev = linked[-1].input if linked else None
                linked.append(_with(t, prev_input=prev))
            chains.append(linked)
    else:
        chains = [[t] for t in tasks]
    chains = [[_with(t, fingerprint=fingerprint(t)) for t in c] for c in chains]
    return Plan(paths, chains, failures)


def _with(task: Task, **changes: Any) -> Task:
    from dataclasses import replace

    return replace(task, **changes)
