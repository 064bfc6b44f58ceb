"""bitstamp-l3 on the C order log (tb_olog_run: created 'A', changed 'U', deleted 'X',
one call per block) against the Python order log (``TAPEBOOK_L3_C=0``): the same BBO,
depth, stats, counters (changed_unknown, deleted_unknown, duplicate_add, zero amounts),
resting orders, MBO rows and errors, over the random flows of test_l3_bitstamp, frames
with odd values (zero amounts, unknown ids, prices off the tick, broken JSON, other
pairs) and random byte edits."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from l3_paths import assert_same
from test_l3_bitstamp import KW, frame, random_flow

from tapebook import feeds
from tapebook.feeds._olog import L3_C_ENV
from tapebook.feeds.bitstamp_l3 import BitstampL3Reader

POLICIES = ({"on_error": "raise"}, {"on_error": "skip"})


@pytest.mark.parametrize("seed", range(4))
def test_random_flows_same_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    lines, _ref, _bbo = random_flow(seed, 400)
    path = tmp_path / "flow.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = assert_same(monkeypatch, path, depth=3, **KW)
    assert len(out[0][0]) > 300
    assert assert_same(monkeypatch, path, depth=3, batch_rows=37, **KW)[0] == out[0]


_GONE = object()
#: data fields set to what Bitstamp does not send but the reader accepts or refuses
VARIANTS = (
    ("id", "17"), ("id", -3), ("id", 2**63), ("order_type", 2), ("order_type", "1"),
    ("microtimestamp", 1643643584684047), ("microtimestamp", " 1643643584684047"), ("price_str", None),
    ("price_str", _GONE), ("amount_str", _GONE), ("price_str", 100), ("amount_str", 1.5), ("id", True),
)  # fmt: skip


def odd_frames(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    us = 1643643584684047
    out = []
    last: tuple = ()
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            out.append(rng.choice(["{not json", "", json.dumps({"event": "bts:heartbeat", "channel": ""})]))
            continue
        event = rng.choice(["order_created"] * 3 + ["order_changed"] * 3 + ["order_deleted"] * 2)
        price = rng.choice(["100.00", "100.01", "99.99", "100.005", "101.50"])
        amount = rng.choice(["0.00000000", "0.50000000", "1.00000000", "0.25000000", "2.00000000"])
        pair = "btcusd" if rng.random() < 0.95 else "ethusd"
        args = (rng.randint(1, 30), rng.randint(0, 1), price, amount)
        if last and rng.random() < 0.1:  # the last order again, changed to what it is
            event, args = "order_changed", last
        last = args
        text = frame(event, *args, us + i, pair)
        if rng.random() < 0.1:  # a shape the typed decoder leaves to the reference parser
            obj = json.loads(text)
            key, value = rng.choice(VARIANTS)
            obj["data"][key] = value
            if value is _GONE:
                del obj["data"][key]
            text = json.dumps(obj)
        out.append(text)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("policy", POLICIES)
def test_odd_frames_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, policy: dict
) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(odd_frames(seed, 500)) + "\n")
    out = assert_same(monkeypatch, path, depth=3, symbol="btcusd", **KW, **policy)
    if policy["on_error"] == "skip":
        counts = out[0][5]
        for name in ("changed_unknown", "deleted_unknown", "duplicate_add", "zero_qty", "modify_unchanged"):
            assert counts.get(name, 0) > 0, name
    assert_same(monkeypatch, path, batch_rows=1 + seed * 13, **KW, **policy)


@pytest.mark.parametrize("seed", range(8))
def test_edited_files_same_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    lines, _ref, _bbo = random_flow(seed, 120)
    data = bytearray(("\n".join(lines) + "\n").encode())
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data))
        data[at : at + rng.randint(0, 3)] = rng.choice([b"", b",", b"0", b"\n", b'"', b"9", b"}"])
    path = tmp_path / "e.jsonl"
    path.write_bytes(bytes(data))
    for policy in POLICIES:
        assert_same(monkeypatch, path, depth=2, **KW, **policy)


def test_plain_frames_never_reach_the_frame_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Order frames as Bitstamp sends them are decoded typed: the reference parser sees none."""
    lines, _ref, _bbo = random_flow(3, 300)
    path = tmp_path / "flow.jsonl"
    path.write_text("\n".join(lines) + "\n")
    calls = []
    orig = BitstampL3Reader._frame

    def counting(self: BitstampL3Reader, raw: bytes) -> object:
        calls.append(raw)
        return orig(self, raw)

    monkeypatch.setattr(BitstampL3Reader, "_frame", counting)
    monkeypatch.setenv(L3_C_ENV, "1")
    assert len(feeds.replay(path, **KW).bbo) > 250
    assert calls and all(b'"event": "bts:' in c for c in calls)  # heartbeats, subscription replies only
