"""``dataset.replay``: validate, plan, skip what is done, run, write the manifest."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .. import _args
from ..config import Instrument
from ..errors import ArgumentTypeError, InvalidArgumentError
from ..feeds import _formats
from ..feeds._engine import MAX_DEPTH
from ..feeds._reader import ON_CROSSED, ON_ERROR, ON_GAP
from . import _engines, _plan
from ._feedrun import START_IN_SYNC
from ._manifest import MANIFEST_NAME, Manifest, ManifestWriter, is_done
from ._progress import Bar
from ._task import Settings, Units

ENGINES = ("dask", "serial")


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgumentError(f"{name}={value!r} must be one of {', '.join(map(repr, choices))}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    return value


def _check_format(fmt: Any, chain: bool) -> str:
    spec = _formats.spec(fmt)
    if spec.needs_snapshot:
        raise InvalidArgumentError(
            f"format={fmt!r} needs a REST snapshot per file (snapshot=), which dataset.replay does not take; "
            "replay such files one by one with tapebook.feeds.replay"
        )
    if chain and spec.name not in START_IN_SYNC:
        can = ", ".join(START_IN_SYNC)
        raise InvalidArgumentError(
            f"chain=True: format {fmt!r} cannot continue a given book yet (formats: {can})"
        )
    return spec.name


def _instruments(
    tick_size: Any, lot_size: Any, config: Any, n: int
) -> tuple[Units | None, dict[str, Units] | None]:
    given = (tick_size is not None, lot_size is not None)
    if config is not None:
        if any(given):
            raise InvalidArgumentError("give either config= or tick_size= and lot_size=, not both")
        return None, _plan.load_instruments(config)
    if not all(given):
        missing = "tick_size" if tick_size is None else "lot_size"
        raise InvalidArgumentError(f"{missing}= is missing: give tick_size= and lot_size=, or config=")
    inst = Instrument(tick_size=tick_size, lot_size=lot_size, price_bits=64, n=n)  # validates both
    return Units("", str(inst.tick_size), str(inst.lot_size), n), None


def _engine_args(engine: str, client: Any, scheduler: Any, workers: Any) -> int | None:
    if engine == "serial":
        for name, value in (("client", client), ("scheduler", scheduler), ("workers", workers)):
            if value is not None:
                raise InvalidArgumentError(
                    f"{name}= is for engine='dask'; engine='serial' runs in this process"
                )
        return None
    if client is not None and scheduler is not None:
        raise InvalidArgumentError("give client= or scheduler=, not both")
    if scheduler is not None and not isinstance(scheduler, str):
        raise ArgumentTypeError(f"scheduler must be an address such as 'tcp://host:8786', got {scheduler!r}")
    if workers is None:
        return None
    if client is not None or scheduler is not None:
        raise InvalidArgumentError(
            "workers= sizes the local cluster; a client= or scheduler= has its own workers"
        )
    return _args.check_range("workers", workers, 1, 4096, "worker processes")


def replay(
    inputs: Any,
    format: str,
    out: Any,
    tick_size: Any = None,
    lot_size: Any = None,
    config: Any = None,
    depth: int = 0,
    engine: str = "dask",
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    chain: bool = False,
    retries: int = 2,
    *,
    n: int = 1024,
    on_gap: str = "raise",
    on_crossed: str = "keep",
    on_error: str = "raise",
    checksum: bool = True,
    resume: bool = True,
    progress: bool | Callable[[dict[str, Any]], None] = False,
    batch_rows: int = 1 << 16,
    **options: Any,
) -> Manifest:
    """Replay many files, one task each, into ``<out>/<stem>.bbo.parquet`` files and
    ``<out>/manifest.json`` (docs/semantics.md §5).

    Args:
        inputs: a glob pattern (sorted matches), a path, a list of paths, or a
            :class:`Manifest` / the path of a manifest.json (its inputs again).
        format: a :data:`tapebook.feeds.FORMATS` name (not the ones that need a
            REST ``snapshot=`` per file).
        out: the output directory (created); it must be visible to every worker.
        tick_size, lot_size: one instrument for every file; or
        config: a TOML instrument file (``tapebook.parse_config``'s format), the
            instrument of each file found by symbol (file name, else its ``symbol``
            column); the instrument's tier gives the book's tape size.
        depth: k > 0 also writes ``<stem>.depth.parquet`` (best k levels per side).
        engine: "dask" (each file a task on Dask distributed) or "serial" (here).
        client: a ``distributed.Client`` to use; scheduler: the address of a
            running scheduler; else a local cluster of ``workers`` worker processes
            (default: one per core), one thread each.
        chain: run the files of one symbol in date order, each starting from the
            final book of the one before (written to ``<stem>.book``) — for files
            that do not open with a snapshot. Different symbols still run in parallel.
        retries: how many times a task whose worker died is run again.
        n: the book's tape size when tick_size / lot_size are given.
        on_gap, on_crossed, on_error, checksum, batch_rows, options: as in
            :func:`tapebook.feeds.replay`, for every file.
        resume: skip inputs a previous run into ``out`` finished (manifest entry,
            same settings and input, outputs' sha256 match); False runs everything.
        progress: True draws a progress bar on stderr; a callable gets each
            finished partition.

    Returns the :class:`Manifest`; a failed input does not raise (its partition
    says ``status="failed"`` and why). Bad arguments raise before anything runs.
    """
    chain = _flag("chain", chain)
    fmt = _check_format(format, chain)
    engine = _choice("engine", engine, ENGINES)
    nworkers = _engine_args(engine, client, scheduler, workers)
    if isinstance(depth, bool):
        raise ArgumentTypeError("depth must be an integer, got a bool")
    k = _args.check_range("depth", depth, 0, MAX_DEPTH, "depth")
    tries = _args.check_range("retries", retries, 0, 1000, "retries")
    _args.check_n(n)
    rows = _args.check_range("batch_rows", batch_rows, 1, 1 << 26, "batch size")
    settings = Settings(
        format=fmt,
        depth=k,
        on_gap=_choice("on_gap", on_gap, ON_GAP),
        on_crossed=_choice("on_crossed", on_crossed, ON_CROSSED),
        on_error=_choice("on_error", on_error, ON_ERROR),
        checksum=_flag("checksum", checksum),
        chain=chain,
        batch_rows=rows,
        options=tuple(sorted(options.items())),
    )
    resume = _flag("resume", resume)
    if not (isinstance(progress, bool) or callable(progress)):
        raise ArgumentTypeError(f"progress must be True, False or a callable, got {progress!r}")
    single, table = _instruments(tick_size, lot_size, config, n)
    if not isinstance(out, (str, os.PathLike)):
        raise ArgumentTypeError(f"out must be a directory path, got {type(out).__name__}")
    out_dir = os.path.abspath(os.fspath(out))
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise InvalidArgumentError(
            f"out={os.fspath(out)!r}: cannot create the directory: {e.strerror or e}"
        ) from None

    plan = _plan.plan(inputs, out_dir, settings, single, table)
    manifest_path = os.path.join(out_dir, MANIFEST_NAME)
    old = Manifest.load_if_any(manifest_path) if resume else None
    earlier = {p["input"]: p for p in old.partitions} if old is not None else {}
    described = {
        **settings.describe(),
        "instruments": "config" if table is not None else "tick_size/lot_size",
    }
    writer = ManifestWriter(manifest_path, plan.order, described, engine)
    for part in plan.failed.values():
        writer.record(part)
    work: _engines.Work = []
    reused = 0
    for links in plan.chains:
        k0 = 0
        while k0 < len(links) and is_done(earlier.get(links[k0].input), links[k0].fingerprint):
            writer.record({**earlier[links[k0].input], "reused": True})
            k0 += 1
        reused += k0
        if k0 < len(links):
            work.append((links[k0:], earlier[links[k0 - 1].input] if k0 else None))
    total = sum(len(links) for links, _ in work) + len(plan.failed)

    bar = Bar(total, reused) if progress is True else None
    callback = progress if callable(progress) else None

    def on_done(part: dict[str, Any]) -> None:
        part.setdefault("reused", False)
        writer.record(part)
        if bar is not None:
            bar(part)
        if callback is not None:
            callback(part)

    for part in plan.failed.values():
        if bar is not None:
            bar(part)
        if callback is not None:
            callback(part)
    owned = _engines.OwnedClient(client, scheduler, nworkers) if engine == "dask" and work else None
    writer.start()
    try:
        if engine == "serial":
            _engines.run_serial(work, on_done)
        elif owned is not None:
            _engines.run_dask(work, owned.client, tries, on_done)
    finally:
        manifest = writer.close()
        if owned is not None:
            owned.close()
        if bar is not None:
            bar.close()
    return manifest
