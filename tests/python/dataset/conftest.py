"""Fixtures of the dataset tests: generated Tardis day files, the serial reference
run, and one real Dask LocalCluster (2 worker processes on loopback) per module."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import dataset_files as gen
import pytest
from dataset_files import DAYS, KW, SYMBOLS


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[object]:
    """A LocalCluster as the issue asks: 2 worker processes, 1 thread each, loopback,
    no dashboard; the scheduler's own retries off so that dataset.replay's retries=
    is what re-runs a task whose worker died."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            scheduler_kwargs={"allowed_failures": 0, "dashboard_address": "127.0.0.1:0"},
        )
    client = Client(cluster)
    # the first task on a fresh worker would otherwise pay these imports (a builtin, not a
    # function of this file: workers could not import "conftest" by that name)
    client.run(exec, "import pyarrow.parquet, tapebook.dataset._task")
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def days_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 instruments x 3 days, every day opening with a snapshot (as Tardis ships them)."""
    d = tmp_path_factory.mktemp("days")
    for sym, seed in SYMBOLS.items():
        gen.write_days(d, sym, DAYS, 400, seed)
    return d


@pytest.fixture(scope="module")
def serial_out(days_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The serial run of days_dir (depth=0): the reference outputs."""
    from tapebook import dataset

    out = tmp_path_factory.mktemp("serial")
    m = dataset.replay(str(days_dir / "*.csv.gz"), out=out, engine="serial", **KW)
    assert not m.failed
    return out
