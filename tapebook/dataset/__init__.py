"""Replay many instrument-day files as tasks on Dask distributed (docs/semantics.md §5).

::

    from tapebook import dataset
    m = dataset.replay("data/*.csv.gz", format="tardis", out="out/", config="venue.toml")
    m.partitions      # one dict per input: input, output, status, messages, rows, gaps,
                      # checksums_failed, error, sha256, seconds, worker, ...
    m.failed          # the partitions that failed (a failed input never stops the others)

Each input is one task running the feeds engine (:func:`tapebook.feeds.replay`)
and writing ``<out>/<stem>.bbo.parquet`` (and ``<stem>.depth.parquet`` with
depth=k), plus one ``<out>/manifest.json`` for the run. ``engine="dask"`` runs
the tasks on a given ``distributed.Client``, a scheduler address, or a local
cluster of worker processes; ``engine="serial"`` runs them here. Both write the
same bytes. Outputs appear only complete (temporary name, fsync, rename);
running the same call again skips what is done; ``chain=True`` continues each
day from the previous day's final book. See README "Replaying datasets".

Layout: ``_plan`` (inputs -> tasks), ``_naming`` (file names), ``_task`` (what a
worker runs), ``_feedrun`` (the feeds engine from a given book), ``_outputs``
(atomic, deterministic files), ``_engines`` (serial / Dask), ``_manifest``,
``_progress``, ``_cli`` (``python -m tapebook dataset``).
"""

from __future__ import annotations

from ._manifest import Manifest
from ._replay import ENGINES, replay

__all__ = ["ENGINES", "Manifest", "replay"]
