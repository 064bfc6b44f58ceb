"""dataset.replay in this process (engine="serial"): file names, instruments by symbol from
a TOML config, the done rule of resume, chains, deterministic Parquet, the manifest,
argument errors and the CLI."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import dataset_files as gen
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dataset_files import DAYS, KW, SYMBOLS

from tapebook import dataset, feeds
from tapebook.dataset import _cli, _naming, _outputs
from tapebook.errors import ArgumentTypeError, InvalidArgumentError

SERIAL = {**KW, "engine": "serial"}


@pytest.fixture
def days(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for sym, seed in SYMBOLS.items():
        gen.write_days(d, sym, DAYS, 150, seed)
    return d


# ---- names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "want"),
    [
        (
            "binance_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz",
            ("binance", "incremental_book_L2", "2024-01-01", "BTCUSDT"),
        ),
        (
            "deribit_book_snapshot_25_2019-11-01_BTC-PERPETUAL.csv.gz",
            ("deribit", "book_snapshot_25", "2019-11-01", "BTC-PERPETUAL"),
        ),
        (
            "binance-futures_incremental_book_L2_2024-02-29_BTC_USDT.csv",
            ("binance-futures", "incremental_book_L2", "2024-02-29", "BTC_USDT"),
        ),
        ("/data/x/okex_incremental_book_L2_2021-05-03_BTC-USDT-SWAP.csv.zst", None),
        ("capture.csv.gz", None),
        ("binance_2024-01-01.csv", None),
    ],
)
def test_vendor_names(name: str, want: tuple[str, ...] | None) -> None:
    got = _naming.parse_vendor_name(name)
    if name.startswith("/data"):  # a .zst Tardis name parses too
        assert got is not None and got.symbol == "BTC-USDT-SWAP" and got.date == "2021-05-03"
        return
    assert (None if got is None else (got.exchange, got.data_type, got.date, got.symbol)) == want


def test_stems() -> None:
    assert _naming.stem("/a/b/binance_incremental_book_L2_2024-01-01_X.csv.gz") == (
        "binance_incremental_book_L2_2024-01-01_X"
    )
    assert _naming.stem("frames.jsonl.zst") == "frames"
    assert _naming.stem("glbx.mbp-10.dbn") == "glbx.mbp-10"
    assert _naming.stem("plain") == "plain"
    assert _naming.stem(".gz") == ".gz"


# ---- instruments from a configuration -------------------------------------------------

CONFIG = """
[[instrument]]
symbol = "BTCUSDT"
tier = "high"
tick_size = "0.01"
lot_size = "0.001"
reference_price = "50000"

[[instrument]]
symbol = "ETHUSDT"
tier = "medium"
tick_size = "0.05"
lot_size = "0.001"
reference_price = "50000"
"""


def test_each_file_gets_its_symbols_instrument(days: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "venue.toml"
    cfg.write_text(CONFIG)
    m = dataset.replay(str(days / "*.gz"), format="tardis", out=tmp_path / "out", config=cfg, engine="serial")
    by_sym: dict[str, list[dict]] = {}
    for p in m.partitions:
        by_sym.setdefault(p["symbol"], []).append(p)
    # BTCUSDT: tick 0.01 fits its prices; ETHUSDT: tick 0.05 does not (prices in cents)
    assert [p["status"] for p in by_sym["BTCUSDT"]] == ["ok"] * 3
    assert [p["status"] for p in by_sym["ETHUSDT"]] == ["failed"] * 3
    assert all("not a whole number of ticks (tick_size 0.05)" in p["error"] for p in by_sym["ETHUSDT"])
    r = feeds.replay(by_sym["BTCUSDT"][0]["input"], **KW)
    assert np.array_equal(
        pq.read_table(by_sym["BTCUSDT"][0]["output"]).column("bid_px").to_numpy(), r.bbo["bid_px"]
    )


def test_symbol_from_the_symbol_column_and_unknown_symbols_fail_alone(days: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "venue.toml"
    cfg.write_text(CONFIG.replace('"0.05"', '"0.01"'))
    plain = tmp_path / "plain"
    plain.mkdir()
    src = sorted(days.glob("*BTCUSDT*"))[0]
    shutil.copy(src, plain / "capture-one.csv.gz")  # no symbol in the name: the column says BTCUSDT
    other = plain / "capture-two.csv.gz"
    with gzip.open(src) as f:
        other.write_bytes(gzip.compress(f.read().replace(b"BTCUSDT", b"DOGEUSDT")))
    m = dataset.replay(
        str(plain / "*.gz"), format="tardis", out=tmp_path / "out", config=cfg, engine="serial"
    )
    one, two = m.partitions
    assert one["status"] == "ok" and one["symbol"] == "BTCUSDT"
    assert two["status"] == "failed" and "'DOGEUSDT' is not in the configuration" in two["error"]
    assert "BTCUSDT, ETHUSDT" in two["error"]


# ---- resume: the done rule ------------------------------------------------------------


def test_a_second_run_skips_what_is_done_and_redoes_what_is_not(days: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    assert not first.failed and not any(p["reused"] for p in first.partitions)
    again = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    assert all(p["reused"] for p in again.partitions)
    assert [p["sha256"] for p in again.partitions] == [p["sha256"] for p in first.partitions]
    # a damaged output, a deleted output, a changed input: those three run again
    p0, p1, p2 = (first.partitions[i] for i in (0, 2, 4))
    with open(p0["output"], "r+b") as f:
        f.seek(100)
        f.write(b"\0\0\0\0")
    os.unlink(p1["output"])
    st = os.stat(p2["input"])
    os.utime(p2["input"], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    third = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    rerun = [p["input"] for p in third.partitions if not p["reused"]]
    assert rerun == [p0["input"], p1["input"], p2["input"]]
    assert [p["sha256"] for p in third.partitions] == [p["sha256"] for p in first.partitions]
    # other settings: nothing is done yet
    fourth = dataset.replay(str(days / "*.gz"), out=out, depth=2, **SERIAL)
    assert not any(p["reused"] for p in fourth.partitions)
    # resume=False runs everything again
    fifth = dataset.replay(str(days / "*.gz"), out=out, depth=2, resume=False, **SERIAL)
    assert not any(p["reused"] for p in fifth.partitions)


def test_a_failed_input_leaves_no_output_and_runs_again(days: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    victim = first.partitions[1]
    good = Path(victim["input"]).read_bytes()
    Path(victim["input"]).write_bytes(good[:40])
    second = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    failed = second.partitions[1]
    assert failed["status"] == "failed" and not os.path.exists(failed["output"])
    assert [p["reused"] for p in second.partitions] == [True, False, True, True, True, True]
    Path(victim["input"]).write_bytes(good)
    third = dataset.replay(str(days / "*.gz"), out=out, **SERIAL)
    assert third.partitions[1]["status"] == "ok" and third.partitions[1]["sha256"] == victim["sha256"]
    assert [p["reused"] for p in third.partitions] == [True, False, True, True, True, True]


def test_a_manifest_as_input(days: Path, tmp_path: Path) -> None:
    m = dataset.replay(str(days / "*BTCUSDT*"), out=tmp_path / "a", **SERIAL)
    again = dataset.replay(m, out=tmp_path / "b", **SERIAL)
    also = dataset.replay(str(tmp_path / "a" / "manifest.json"), out=tmp_path / "c", **SERIAL)
    assert [p["input"] for p in again.partitions] == [p["input"] for p in m.partitions]
    assert [p["sha256"] for p in also.partitions] == [p["sha256"] for p in m.partitions]


# ---- chains ---------------------------------------------------------------------------


def chain_days(tmp_path: Path) -> Path:
    d = tmp_path / "chain"
    d.mkdir()
    for sym, seed in SYMBOLS.items():
        gen.write_days(d, sym, DAYS, 150, seed, snapshots=False)
    return d


def test_without_chain_days_without_a_snapshot_are_skipped(tmp_path: Path) -> None:
    d = chain_days(tmp_path)
    m = dataset.replay(str(d / "*BTCUSDT*"), out=tmp_path / "out", **SERIAL)
    assert [p["messages"] for p in m.partitions][1:] == [0, 0]
    assert m.partitions[1]["stats"]["skipped"] == 150


def test_a_failed_day_breaks_its_chain_only(tmp_path: Path) -> None:
    d = chain_days(tmp_path)
    day2 = d / gen.file_name("BTCUSDT", DAYS[1])
    day2.write_bytes(day2.read_bytes()[:30])
    m = dataset.replay(str(d / "*.gz"), out=tmp_path / "out", chain=True, **SERIAL)
    status = {(p["symbol"], p["date"]): p for p in m.partitions}
    assert [status[("ETHUSDT", day)]["status"] for day in DAYS] == ["ok"] * 3
    assert [status[("BTCUSDT", day)]["status"] for day in DAYS] == ["ok", "failed", "failed"]
    assert status[("BTCUSDT", DAYS[2])]["error"] == f"not run: it continues {day2}, which failed"


def test_resuming_a_chain_reruns_from_the_first_undone_day(tmp_path: Path) -> None:
    d = chain_days(tmp_path)
    out = tmp_path / "out"
    first = dataset.replay(str(d / "*.gz"), out=out, chain=True, **SERIAL)
    btc = [p for p in first.partitions if p["symbol"] == "BTCUSDT"]
    # days 2 and 3 have no snapshot: every message applies to the book carried over
    assert [p["messages"] for p in first.partitions] == [151, 151, 150, 150, 150, 150]
    assert all(p["stats"]["skipped"] == 0 for p in first.partitions)
    assert all(p["book_sha256"] for p in btc) and [p["prev_book_sha256"] for p in btc][1:] == [
        btc[0]["book_sha256"],
        btc[1]["book_sha256"],
    ]
    os.unlink(btc[1]["output"])
    second = dataset.replay(str(d / "*.gz"), out=out, chain=True, **SERIAL)
    rerun = {(p["symbol"], p["date"]) for p in second.partitions if not p["reused"]}
    assert rerun == {("BTCUSDT", DAYS[1]), ("BTCUSDT", DAYS[2])}
    assert [p["sha256"] for p in second.partitions] == [p["sha256"] for p in first.partitions]
    # a changed book state between the days is refused, not silently used
    with open(btc[1]["book_output"], "ab") as f:
        f.write(b"x")
    os.unlink(btc[2]["output"])
    third = dataset.replay(str(d / "*.gz"), out=out, chain=True, **SERIAL)
    # day 2's .book no longer matches its sha256: day 2 is not done, so days 2 and 3 run again
    again = [p for p in third.partitions if p["symbol"] == "BTCUSDT"]
    assert [p["reused"] for p in again] == [True, False, False]
    assert [p["sha256"] for p in again] == [p["sha256"] for p in btc]


# ---- deterministic, atomic Parquet ----------------------------------------------------


def test_row_groups_do_not_depend_on_how_rows_arrive(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    table = pa.table(
        {"a": rng.integers(0, 1 << 40, 10_000), "b": rng.integers(0, 9, 10_000).astype(np.uint8)}
    )
    files = []
    for i, cuts in enumerate(([10_000], [1, 999, 2500, 6500], [333] * 30 + [10])):
        path = str(tmp_path / f"f{i}.parquet")
        w = _outputs.ParquetRows(path, table.schema, 4096)
        start = 0
        for n in cuts:
            w.write(table.slice(start, n))
            start += n
        w.close()
        files.append(Path(path).read_bytes())
        meta = pq.ParquetFile(path).metadata
        assert [meta.row_group(j).num_rows for j in range(meta.num_row_groups)] == [4096, 4096, 1808]
    assert files[0] == files[1] == files[2]
    assert pq.read_table(tmp_path / "f1.parquet").equals(table)


def test_outputs_name_no_host_or_time(days: Path, tmp_path: Path) -> None:
    m = dataset.replay(str(days / "*BTCUSDT*"), out=tmp_path / "out", **SERIAL)
    meta = pq.ParquetFile(m.partitions[0]["output"]).metadata
    assert meta.created_by.startswith("parquet-cpp-arrow version")
    assert set(meta.metadata or {}) == {b"ARROW:schema"}


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    final = str(tmp_path / "x.bin")
    _outputs.write_bytes_atomically(final, b"old")
    tmp = _outputs.temporary_name(final)
    Path(tmp).write_bytes(b"half")  # what a killed writer leaves
    assert Path(final).read_bytes() == b"old"
    assert _outputs.remove_stale_temporaries(final) == 1 and not os.path.exists(tmp)
    _outputs.write_bytes_atomically(final, b"new")
    assert Path(final).read_bytes() == b"new" and os.listdir(tmp_path) == ["x.bin"]


# ---- the manifest ---------------------------------------------------------------------


def test_manifest_partitions_have_the_contract_keys(days: Path, tmp_path: Path) -> None:
    m = dataset.replay(str(days / "*.gz"), out=tmp_path / "out", **SERIAL)
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk["tapebook_manifest"] == 1 and on_disk["engine"] == "serial"
    want = {"input", "output", "status", "messages", "rows", "gaps", "checksums_failed", "error", "sha256"}
    want |= {"seconds", "worker"}
    for p in on_disk["partitions"]:
        assert want <= set(p)
        assert p["worker"] == "serial" and p["seconds"] > 0
        assert p["sha256"] == _outputs.sha256_of(p["output"])
    assert dataset.Manifest.load(str(tmp_path / "out")).partitions == m.partitions
    assert repr(m).startswith("<Manifest 6 ok, 0 failed")


# ---- arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"config": "x.toml"}, InvalidArgumentError, "either config= or tick_size="),
        ({"lot_size": None}, InvalidArgumentError, "lot_size= is missing"),
        ({"tick_size": 0.01}, ArgumentTypeError, "float"),
        ({"engine": "spark"}, InvalidArgumentError, "engine='spark' must be one of 'dask', 'serial'"),
        ({"workers": 2}, InvalidArgumentError, "workers= is for engine='dask'"),
        ({"format": "binance"}, InvalidArgumentError, "needs a REST snapshot per file"),
        ({"format": "okx", "chain": True}, InvalidArgumentError, "cannot continue a given book"),
        ({"format": "nope"}, InvalidArgumentError, "not a feed format"),
        ({"depth": -1}, InvalidArgumentError, "depth"),
        ({"retries": -1}, InvalidArgumentError, "retries"),
        ({"on_gap": "ignore"}, InvalidArgumentError, "on_gap='ignore'"),
        ({"chain": 1}, ArgumentTypeError, "chain must be True or False"),
    ],
)
def test_bad_arguments_raise_before_anything_runs(
    days: Path, tmp_path: Path, kwargs: dict, error: type, match: str
) -> None:
    args = {**SERIAL, **kwargs}
    with pytest.raises(error, match=match):
        dataset.replay(str(days / "*.gz"), out=tmp_path / "out", **args)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_input_errors(days: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="no file matches"):
        dataset.replay(str(days / "*.nothing"), out=tmp_path / "o", **SERIAL)
    one = str(next(days.glob("*.gz")))
    with pytest.raises(InvalidArgumentError, match="is given twice"):
        dataset.replay([one, one], out=tmp_path / "o", **SERIAL)
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(one, other)
    with pytest.raises(InvalidArgumentError, match="would both write"):
        dataset.replay([one, str(other / os.path.basename(one))], out=tmp_path / "o", **SERIAL)
    with pytest.raises(ArgumentTypeError, match="inputs"):
        dataset.replay(42, out=tmp_path / "o", **SERIAL)


# ---- the command line -----------------------------------------------------------------


def test_cli_exit_status_and_summary(days: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--format", "tardis", "--tick-size", gen.TICK, "--lot-size", gen.LOT, "--serial"]
    assert _cli.main([str(days / "*BTCUSDT*"), "--out", str(tmp_path / "a"), *base]) == 0
    out, err = capsys.readouterr()
    assert "3 ok, 0 failed" in out and "manifest:" in out
    assert err.count("] ok ") == 3  # not a terminal: one progress line per task
    bad = tmp_path / gen.file_name("BADUSDT", DAYS[0])
    bad.write_bytes(b"not gzip")
    assert _cli.main([str(bad), str(days / "*ETHUSDT*"), "--out", str(tmp_path / "b"), *base]) == 1
    out, err = capsys.readouterr()
    assert "3 ok, 1 failed" in out and "errors:" in out and "BADUSDT" in out
    assert _cli.main([str(days / "*.nothing"), "--out", str(tmp_path / "c"), *base]) == 2
    assert "error:" in capsys.readouterr().err
    assert _cli.main([str(bad), "--out", str(tmp_path / "c"), "--format", "tardis", "--serial"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: tick_size= is missing") and "Traceback" not in err
