"""databento-mbo on the C order log (vectorised, tb_olog_run) against the Python order
log it replaced (``TAPEBOOK_L3_C=0``, record by record): the same BBO, depth, stats,
counters, resting orders, MBO rows and errors, over the hand-written and random
histories of test_l3_databento and over hostile records — every action byte, sides
N, F_TOB, prices UNDEF or off the tick, sizes off the lot, unknown ids, a stream that
ends before F_LAST — and random byte mutations."""

from __future__ import annotations

import random
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import pytest
from l3_paths import assert_same
from test_l3_databento import KW, TICK, metadata, random_mbo

from tapebook.feeds import databento as mod
from tapebook.feeds.databento import F_LAST, F_TOB, MBO_DTYPE, UNDEF_PRICE

POLICIES = ({"on_error": "raise"}, {"on_error": "skip"})


def hostile(seed: int, n: int) -> bytes:
    """n MBO records with every oddity the reader has a rule for (numpy-built, so any
    action and side byte)."""
    rng = random.Random(seed)
    recs = np.zeros(n, MBO_DTYPE)
    recs["length"] = MBO_DTYPE.itemsize // 4
    recs["rtype"] = 0xA0
    ids: list[int] = [1]
    for i in range(n):
        r = recs[i]
        r["instrument_id"] = 7 if rng.random() < 0.95 else 8
        r["ts_event"] = i * 10
        r["sequence"] = i
        r["action"] = rng.choice(
            [b"A"] * 4 + [b"C"] * 3 + [b"M"] * 3 + [b"R", b"T", b"F", b"N", b"X", b"\x00"]
        )
        r["side"] = rng.choice([b"A", b"B", b"B", b"A", b"N"])
        oid = rng.choice(ids[-20:]) if rng.random() < 0.85 else rng.randint(1, 10**6)
        ids.append(oid)
        r["order_id"] = oid
        px = 1000 + rng.randint(-5, 5)
        r["price"] = rng.choice([px * TICK] * 12 + [UNDEF_PRICE, px * TICK + 1, -px * TICK])
        r["size"] = rng.choice([0, 2, 4, 6, 10, 20, 3])
        r["flags"] = (F_LAST if rng.random() < 0.6 else 0) | (F_TOB if rng.random() < 0.04 else 0)
        if i and rng.random() < 0.05:  # the last record again as a modify: often unchanged
            for name in ("order_id", "price", "size", "side"):
                r[name] = recs[i - 1][name]
            r["action"] = b"M"
    return metadata(dbn.Schema.MBO) + recs.tobytes()


@pytest.mark.parametrize("seed", range(3))
def test_random_histories_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    data, _ref, _bbo = random_mbo(seed, 300)
    path = tmp_path / "r.dbn"
    path.write_bytes(data)
    out = assert_same(monkeypatch, path, depth=3, **KW)
    assert out[0][0], "the replay gave BBO rows"
    # small batches: the reader ends with an empty batch, which the engine refused with
    # depth= (tb_feed_run: invalid argument) before it skipped empty batches
    assert assert_same(monkeypatch, path, depth=3, batch_rows=50, **KW)[0] == out[0]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("policy", POLICIES)
def test_hostile_records_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, policy: dict
) -> None:
    path = tmp_path / "h.dbn"
    path.write_bytes(hostile(seed, 400))
    kw = {**KW, "lot_size": "2", **policy}
    assert_same(monkeypatch, path, depth=3, **kw)
    assert_same(monkeypatch, path, batch_rows=1 + seed * 7, **kw)
    assert_same(monkeypatch, path, instrument_id=8, **kw)


def test_counters_and_errors_of_hostile_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hostile histories do reach every rule (else the comparison above proves little)."""
    path = tmp_path / "h.dbn"
    path.write_bytes(hostile(1, 3000))
    out = assert_same(monkeypatch, path, **{**KW, "lot_size": "2", "on_error": "skip"})
    counts = out[0][5]
    for name in ("trades", "fills", "none_actions", "bad_side", "top_of_book", "zero_cancel", "bad_records",
                 "unknown_id", "duplicate_add", "modify_unknown", "modify_unchanged", "overcancel",
                 "skipped_instrument"):  # fmt: skip
        assert counts.get(name, 0) > 0, name
    err = assert_same(monkeypatch, path, **{**KW, "lot_size": "2"})[0]
    assert err[0] == "error" and err[3] > 0


@pytest.mark.parametrize("seed", range(10))
def test_mutated_files_same_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    data = bytearray(random_mbo(seed, 120)[0])
    head = len(metadata(dbn.Schema.MBO))
    for _ in range(rng.randint(1, 12)):
        data[rng.randrange(head, len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        del data[rng.randrange(head, len(data)) :]
    path = tmp_path / "m.dbn"
    path.write_bytes(bytes(data))
    for policy in POLICIES:
        assert_same(monkeypatch, path, depth=2, **KW, **policy)


def test_read_splits_do_not_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.dbn"
    path.write_bytes(hostile(5, 500))
    kw = {**KW, "lot_size": "2", "on_error": "skip", "depth": 3}
    whole = assert_same(monkeypatch, path, **kw)
    monkeypatch.setattr(mod, "_READ_BYTES", 57)  # blocks of about one record
    assert assert_same(monkeypatch, path, **kw) == whole


def test_top_of_book_cancels_in_ascending_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # review: an F_TOB record cancelled the side's orders in the C log's hash-table order,
    # seeded per replay from os.urandom: the rows differed between paths and between runs;
    # both paths now cancel in ascending id order (ids here arrive shuffled)
    ids = random.Random(5).sample(range(100, 10_000), 12)
    recs = np.zeros(len(ids) + 1, MBO_DTYPE)
    recs["length"] = MBO_DTYPE.itemsize // 4
    recs["rtype"] = 0xA0
    recs["instrument_id"] = 7
    for i, oid in enumerate(ids):
        r = recs[i]
        r["ts_event"], r["sequence"], r["action"], r["side"] = i, i, b"A", b"B"
        r["order_id"], r["price"], r["size"], r["flags"] = oid, (1000 - i % 5) * TICK, 5, F_LAST
    r = recs[len(ids)]
    r["ts_event"], r["sequence"], r["action"], r["side"] = 99, 99, b"A", b"B"
    r["order_id"], r["price"], r["size"], r["flags"] = 7, 995 * TICK, 3, F_LAST | F_TOB
    path = tmp_path / "tob.dbn"
    path.write_bytes(metadata(dbn.Schema.MBO) + recs.tobytes())
    rows = assert_same(monkeypatch, path, **KW)[1][0]
    assert rows[len(ids) :] == [(ord("C"), oid, 0, 0, 5) for oid in sorted(ids)] + [(ord("A"), 7, 1, 995, 3)]
    assert assert_same(monkeypatch, path, **KW)[1][0] == rows  # and the next replay's the same
