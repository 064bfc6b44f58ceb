"""dataset.replay on a real Dask LocalCluster (2 worker processes, loopback): the same
bytes as a serial run, the rows feeds.replay gives, a corrupt input isolated, a worker
killed mid-task and the task retried, an interrupted run resumed, chains of days."""

from __future__ import annotations

import contextlib
import filecmp
import glob
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dataset_files as gen
import numpy as np
import pyarrow.parquet as pq
from dataset_files import DAYS, KW, SYMBOLS

from tapebook import dataset, feeds
from tapebook.feeds._schema import BBO_FIELDS

TIMEOUT = 60.0


def outputs(d: Path) -> list[str]:
    """The finished outputs (not the manifest, not a temporary dot-file)."""
    return sorted(p for p in os.listdir(d) if p != "manifest.json" and not p.startswith("."))


def same_files(a: Path, b: Path) -> None:
    assert outputs(a) == outputs(b)
    for name in outputs(a):
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def no_temporaries(d: Path) -> None:
    assert [p for p in os.listdir(d) if ".tmp-" in p] == []


def test_dask_writes_the_serial_bytes_and_the_feeds_rows(
    cluster_client: Any, days_dir: Path, serial_out: Path, tmp_path: Path
) -> None:
    m = dataset.replay(str(days_dir / "*.csv.gz"), out=tmp_path, client=cluster_client, **KW)
    assert [p["status"] for p in m.partitions] == ["ok"] * 6
    assert {p["worker"] for p in m.partitions} <= set(cluster_client.scheduler_info()["workers"])
    same_files(serial_out, tmp_path)
    # the rows are feeds.replay's, file by file (an independent run of the feeds engine)
    for p in m.partitions:
        r = feeds.replay(p["input"], **KW)
        table = pq.read_table(p["output"])
        assert table.column_names == list(BBO_FIELDS)
        for f in BBO_FIELDS:
            assert np.array_equal(table.column(f).to_numpy(), r.bbo[f]), (p["input"], f)
        assert p["messages"] == r.stats.messages and p["rows"] == r.stats.rows
        assert p["stats"] == r.stats.as_dict()
    # the manifest on disk is the one returned
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk["partitions"] == m.partitions
    no_temporaries(tmp_path)


def test_depth_output_serial_equals_dask_and_feeds(
    cluster_client: Any, days_dir: Path, tmp_path: Path
) -> None:
    files = sorted(glob.glob(str(days_dir / "*BTCUSDT*")))[:2]
    ms = dataset.replay(files, out=tmp_path / "s", engine="serial", depth=3, **KW)
    md = dataset.replay(files, out=tmp_path / "d", client=cluster_client, depth=3, **KW)
    same_files(tmp_path / "s", tmp_path / "d")
    for p in md.partitions:
        r = feeds.replay(p["input"], depth=3, **KW)
        t = pq.read_table(p["depth_output"])
        assert (
            p["depth_sha256"] and ms.partitions[md.partitions.index(p)]["depth_sha256"] == p["depth_sha256"]
        )
        for f in ("bid_px", "bid_qty", "ask_px", "ask_qty"):
            got = np.stack(t.column(f"depth_{f}").to_numpy(zero_copy_only=False))
            assert np.array_equal(got, r.depth[f])


def test_a_corrupt_input_fails_alone(
    cluster_client: Any, days_dir: Path, serial_out: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    shutil.copytree(days_dir, src)
    good = sorted(src.glob("*.csv.gz"))
    truncated, garbage = good[1], good[4]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])  # a cut-off download
    garbage.write_bytes(b"\x1f\x8b this is not gzip data")
    missing = src / gen.file_name("XRPUSDT", DAYS[0])
    inputs = [str(p) for p in good] + [str(missing)]
    m = dataset.replay(inputs, out=tmp_path / "out", client=cluster_client, **KW)
    by_input = {p["input"]: p for p in m.partitions}
    for p in good:
        part = by_input[str(p)]
        if p in (truncated, garbage):
            assert part["status"] == "failed" and part["sha256"] is None
            assert "corrupt or truncated" in part["error"] or "cannot read" in part["error"], part["error"]
            assert str(p) in part["error"]
            assert not os.path.exists(part["output"])
        else:
            assert part["status"] == "ok", part["error"]
            assert filecmp.cmp(part["output"], serial_out / os.path.basename(part["output"]), shallow=False)
    assert by_input[str(missing)]["status"] == "failed"
    assert "cannot open" in by_input[str(missing)]["error"]
    assert len(m.failed) == 3 and len(m.ok) == 4
    no_temporaries(tmp_path / "out")


# ---- a FIFO as input: the test decides when the task's input arrives -----------------


def open_writer(path: Path, timeout: float = TIMEOUT) -> int:
    """Open the FIFO for writing once a task has it open for reading."""
    t0 = time.monotonic()
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"no task opened {path}") from None
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return fd


def write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def kill_worker(client: Any, worker: str) -> None:
    """SIGKILL the worker process and wait until it has exited (its files closed)."""
    pid = client.run(os.getpid, workers=[worker])[worker]
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):  # a zombie has released its files
            return
        assert time.monotonic() - t0 < TIMEOUT
        time.sleep(0.005)


def release_readers(path: Path) -> None:
    """After a failure: give any task still waiting on the FIFO an end of file."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_a_worker_killed_mid_task_is_retried_with_the_same_output(
    cluster_client: Any, tmp_path: Path
) -> None:
    text = gen.day_texts("SLOWUSDT", ["2024-02-01"], 6000, seed=5)[0].encode()
    assert len(text) > 400_000
    reference = tmp_path / gen.file_name("SLOWUSDT", "2024-02-01").replace(".gz", "")
    reference.write_bytes(text)
    ref = dataset.replay([str(reference)], out=tmp_path / "ref", engine="serial", **KW)
    fifo = tmp_path / "fifo" / reference.name
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    result: dict[str, Any] = {}
    run = threading.Thread(
        target=lambda: result.update(
            m=dataset.replay([str(fifo)], out=tmp_path / "out", client=cluster_client, retries=2, **KW)
        )
    )
    run.start()
    try:
        fd = open_writer(fifo)
        # feed it part of the file: the task is now parsing, its output half written
        os.write(fd, text[:200_000])
        tmps = glob.glob(str(tmp_path / "out" / ".*.tmp-*"))
        assert tmps, "the task should be writing its temporary output"
        (worker,) = [w for w, keys in cluster_client.processing().items() if keys]
        # the retry must read the whole file: put it under the FIFO's name now (the running
        # attempt keeps the FIFO it opened), then kill the attempt
        whole = fifo.parent / "whole.tmp"
        whole.write_bytes(text)
        os.replace(whole, fifo)
        kill_worker(cluster_client, worker)
        os.close(fd)
    finally:
        run.join(TIMEOUT)
        if run.is_alive():
            release_readers(fifo)
            run.join(TIMEOUT)
    (part,) = result["m"].partitions
    assert part["status"] == "ok", part["error"]
    assert part["attempts"] == 2 and part["worker"] != worker
    assert part["sha256"] == ref.partitions[0]["sha256"]
    assert filecmp.cmp(part["output"], ref.partitions[0]["output"], shallow=False)
    no_temporaries(tmp_path / "out")  # the retry removed what the killed attempt left


def test_an_interrupted_run_resumes(cluster_client: Any, tmp_path: Path) -> None:
    days = ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    texts = [t.encode() for t in gen.day_texts("RUNUSDT", days, 3000, seed=9)]
    clean = tmp_path / "clean"
    clean.mkdir()
    names = [gen.file_name("RUNUSDT", d).replace(".gz", "") for d in days]
    for name, t in zip(names, texts, strict=True):
        (clean / name).write_bytes(t)
    ref = dataset.replay(str(clean / "*.csv"), out=tmp_path / "ref", engine="serial", **KW)
    src = tmp_path / "in"
    src.mkdir()
    for i, (name, t) in enumerate(zip(names, texts, strict=True)):
        if i == 2:
            os.mkfifo(src / name)  # the third day arrives only when the test says so
        else:
            (src / name).write_bytes(t)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tapebook", "dataset", str(src / "*.csv"), "--format", "tardis"]
    cmd += ["--tick-size", gen.TICK, "--lot-size", gen.LOT, "--out", str(out), "--serial"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fd = open_writer(src / names[2])
        os.write(fd, texts[2][:100_000])  # day 3 is being replayed ...
        t0 = time.monotonic()
        while True:  # ... and the manifest shows days 1 and 2 done
            try:
                parts = json.loads((out / "manifest.json").read_text())["partitions"]
            except (OSError, ValueError):
                parts = []
            if len(parts) == 2:
                break
            assert time.monotonic() - t0 < TIMEOUT
            time.sleep(0.02)
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.wait(TIMEOUT)
        os.close(fd)
    finally:
        if proc.poll() is None:
            proc.kill()
    # what a killed run leaves: days 1-2 complete, day 3 only as a temporary, day 4 nothing
    assert [os.path.basename(p["input"]) for p in parts] == names[:2]
    assert not (out / names[2].replace(".csv", ".bbo.parquet")).exists()
    assert glob.glob(str(out / f".{names[2].replace('.csv', '.bbo.parquet')}.tmp-*"))
    finished = {n: os.stat(out / n).st_ino for n in outputs(out)}
    assert len(finished) == 2
    (src / names[2]).unlink()
    (src / names[2]).write_bytes(texts[2])
    seen: list[str] = []
    m = dataset.replay(
        str(src / "*.csv"), out=out, client=cluster_client, progress=lambda p: seen.append(p["input"]), **KW
    )
    assert [p["reused"] for p in m.partitions] == [True, True, False, False]
    assert sorted(os.path.basename(s) for s in seen) == names[2:]  # only the unfinished inputs ran
    assert {n: os.stat(out / n).st_ino for n in finished} == finished  # the finished files untouched
    for got, want in zip(m.partitions, ref.partitions, strict=True):
        assert got["status"] == "ok" and got["sha256"] == want["sha256"]
    same_files(tmp_path / "ref", out)
    no_temporaries(out)


def test_chains_of_days_continue_the_book(cluster_client: Any, tmp_path: Path) -> None:
    """Days after the first carry no snapshot: each must start from the day before's book.
    Reference: feeds.replay of the instrument's files as ONE stream (a list of paths)."""
    src = tmp_path / "in"
    src.mkdir()
    for sym, seed in SYMBOLS.items():
        gen.write_days(src, sym, DAYS, 300, seed, snapshots=False)
    md = dataset.replay(str(src / "*.csv.gz"), out=tmp_path / "d", client=cluster_client, chain=True, **KW)
    dataset.replay(str(src / "*.csv.gz"), out=tmp_path / "s", engine="serial", chain=True, **KW)
    same_files(tmp_path / "s", tmp_path / "d")
    assert not md.failed
    for sym in SYMBOLS:
        files = sorted(str(p) for p in src.glob(f"*{sym}*"))
        r = feeds.replay(files, **KW)
        parts = [p for p in md.partitions if p["symbol"] == sym]
        assert [p["input"] for p in parts] == files
        assert [p["prev_input"] for p in parts] == [None, *files[:-1]]
        got = {
            f: np.concatenate([pq.read_table(p["output"]).column(f).to_numpy() for p in parts])
            for f in BBO_FIELDS
        }
        for f in BBO_FIELDS:
            if f != "seq":  # seq counts messages per file
                assert np.array_equal(got[f], r.bbo[f]), (sym, f)
        assert all(p["messages"] > 250 for p in parts)  # no day was skipped as "before a snapshot"
        with gzip.open(files[1]) as f:
            assert f.read().count(b",true,") == 0


def test_retries_exhausted_fail_the_task_alone(cluster_client: Any, days_dir: Path, tmp_path: Path) -> None:
    text = gen.day_texts("DIEUSDT", ["2024-04-01"], 3000, seed=3)[0].encode()
    fifo = tmp_path / gen.file_name("DIEUSDT", "2024-04-01").replace(".gz", "")
    os.mkfifo(fifo)
    good = sorted(str(p) for p in days_dir.glob("*BTCUSDT*"))
    result: dict[str, Any] = {}
    run = threading.Thread(
        target=lambda: result.update(
            m=dataset.replay([*good, str(fifo)], out=tmp_path / "out", client=cluster_client, retries=0, **KW)
        )
    )
    run.start()
    try:
        fd = open_writer(fifo)
        os.write(fd, text[:50_000])
        (worker,) = [
            w for w, keys in cluster_client.processing().items() if any("DIEUSDT" in k for k in keys)
        ]
        kill_worker(cluster_client, worker)
        os.close(fd)
    finally:
        run.join(TIMEOUT)
        if run.is_alive():
            release_readers(fifo)
            run.join(TIMEOUT)
    parts = result["m"].partitions
    assert [p["status"] for p in parts] == ["ok", "ok", "ok", "failed"]
    assert "died 1 times" in parts[-1]["error"] and parts[-1]["attempts"] == 1
    assert not os.path.exists(parts[-1]["output"])
