"""Hostile frames: every JSON venue reader turns any line — truncated, mangled,
mistyped — into a message of the reader interface (an ERROR message when it cannot use
it), never into an unexpected exception, and keeps reading the frames after it.

Drives the reader's per-frame step directly (no engine needed): valid fixture frames are
mutated at random (seeded) and fed one by one.
"""

from __future__ import annotations

import copy
import io
import json
import random

import pytest
from venue_fixtures import FIXTURES

from tapebook.config import Instrument
from tapebook.feeds._formats import spec
from tapebook.feeds._reader import Kind, MessageBuilder, ReaderOptions
from tapebook.feeds._source import Source

CASES = {  # fixture files, REST book, tick and lot (as in the fixtures' READMEs)
    "binance": (["stale_prefix.jsonl", "gap.jsonl"], "snapshot.json", "0.01", "0.001"),
    "binance-futures": (["pu_chain.jsonl"], "snapshot.json", "0.1", "0.001"),
    "coinbase": (["other_channels.jsonl", "gap.jsonl", "reconnect.jsonl"], None, "0.01", "0.00000001"),
    "kraken": (["truncation.jsonl", "checksum_fail.jsonl"], None, "0.1", "0.00000001"),
    "okx": (["seq_chain.jsonl", "gap.jsonl"], None, "0.01", "1"),
    "bybit": (["restart.jsonl", "gap.jsonl"], None, "0.01", "0.001"),
    "bitstamp": (["stale_prefix.jsonl"], "snapshot.json", "0.01", "0.00000001"),
}

_JUNK = [None, True, -1, 1.5, "x", "", [], {}, [[]], [["1"]], [[1, 2]], "1e999", 2**70, "-0", "NaN"]


def _mutate_value(obj, rng: random.Random):
    """Replace one value somewhere in the decoded frame by junk (or drop a key)."""
    if isinstance(obj, dict) and obj:
        k = rng.choice(list(obj))
        r = rng.random()
        if r < 0.2:
            del obj[k]
        elif r < 0.6:
            obj[k] = copy.deepcopy(rng.choice(_JUNK))
        else:
            _mutate_value(obj[k], rng)
    elif isinstance(obj, list) and obj:
        i = rng.randrange(len(obj))
        if rng.random() < 0.5:
            obj[i] = copy.deepcopy(rng.choice(_JUNK))
        else:
            _mutate_value(obj[i], rng)


def mutations(line: bytes, rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.25:
        return line[: rng.randrange(len(line))]
    if r < 0.4:
        b = bytearray(line)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.choice(b'{}[]",:0123456789.-eE \x00\xff')
        return bytes(b)
    try:
        obj = json.loads(line)
    except ValueError:
        return line
    for _ in range(rng.randint(1, 3)):
        _mutate_value(obj, rng)
    return json.dumps(obj).encode()


@pytest.mark.parametrize("venue", list(CASES))
def test_any_line_becomes_a_message(venue):
    files, snap, tick, lot = CASES[venue]
    fmt = venue
    d = FIXTURES / fmt
    lines = [ln for f in files for ln in (d / f).read_bytes().splitlines() if ln.strip()]
    rng = random.Random(venue)
    inst = Instrument(tick_size=tick, lot_size=lot)
    snapshot = Source(io.BytesIO((d / snap).read_bytes())) if snap else None
    reader = spec(fmt).reader_class()(Source(io.BytesIO(b"")), ReaderOptions(inst, snapshot))
    if snap:
        reader.initial = None  # the REST book's batch needs the engine's conversion; state is set below
        reader.synced = True
    b = MessageBuilder(inst, "fuzz", 1 << 30)
    kinds = set()
    for n in range(3000):
        raw = mutations(rng.choice(lines), rng) if rng.random() < 0.7 else rng.choice(lines)
        reader.synced = True if rng.random() < 0.05 else reader.synced  # visit every state
        reader._one(b, raw, n + 1)  # must not raise
        kinds.add(Kind(b._kind[-1]) if len(b) else None)
    assert Kind.ERROR in kinds
    assert kinds & {Kind.DELTA, Kind.SNAPSHOT}


@pytest.mark.parametrize("venue", list(CASES))
def test_fast_path_agrees_with_the_generic_path(venue):
    """Each reader decodes its common frames straight into typed structs (``_fast``) and
    everything else through the generic, fully checked path (``_frame``): over valid and
    mutated frames, both give the same messages, notes and state."""
    files, snap, tick, lot = CASES[venue]
    d = FIXTURES / venue
    lines = [ln for f in files for ln in (d / f).read_bytes().splitlines() if ln.strip()]
    rng = random.Random(venue + "diff")
    inst = Instrument(tick_size=tick, lot_size=lot)

    def make():
        snapshot = Source(io.BytesIO((d / snap).read_bytes())) if snap else None
        r = spec(venue).reader_class()(Source(io.BytesIO(b"")), ReaderOptions(inst, snapshot))
        r.synced = bool(snap)
        return r, MessageBuilder(inst, "diff", 1 << 30)

    fast, bf = make()
    slow, bs = make()
    slow._fast = lambda raw, line: None
    for n in range(3000):
        raw = mutations(rng.choice(lines), rng) if rng.random() < 0.3 else rng.choice(lines)
        assert fast._one(bf, raw, n + 1) == slow._one(bs, raw, n + 1)
        assert (bf._kind, bf._seq, bf._ts, bf._px, bf._qty, bf._side, bf._crc, bf._notes) == (
            bs._kind, bs._seq, bs._ts, bs._px, bs._qty, bs._side, bs._crc, bs._notes,
        ), (n, raw)  # fmt: skip
        assert fast.synced == slow.synced and fast.symbol == slow.symbol
