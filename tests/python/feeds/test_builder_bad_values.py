"""MessageBuilder (the JSON readers' column conversion) with many bad values: every
bad value turns exactly its message into an ERROR with the first bad price (else
size) as the reason, the good messages keep their rows — in one pass per column
(a regression test: it used to restart the whole conversion after each bad value,
quadratic in the count; 40,000 messages, half of them bad, must simply finish)."""

from __future__ import annotations

import random

import numpy as np

from tapebook.config import Instrument
from tapebook.feeds._reader import Kind, MessageBuilder

BAD_PRICE = ["65000.005", "x", "", "1e", "1e400"]
BAD_SIZE = ["-1", "x", "", "1e", "0.0000000001"]


def test_many_bad_values_one_pass() -> None:
    inst = Instrument(symbol="", tick_size="0.01", lot_size="0.00000001", price_bits=64, n=1024)
    b = MessageBuilder(inst, "f.jsonl", batch_rows=1 << 30)
    rng = random.Random(3)
    want = []  # per message: None (ERROR) or its [(side, ticks, lots)], and the expected note
    for m in range(40_000):
        levels = [
            (f"{65000 + rng.randint(0, 99)}.{rng.randint(0, 99):02d}", f"0.{rng.randint(1, 99999):05d}")
            for _ in range(rng.randint(1, 3))
        ]
        note = None
        if m % 2:
            j = rng.randrange(len(levels))
            if rng.random() < 0.5:
                levels[j] = (rng.choice(BAD_PRICE), levels[j][1])
                note = f"price {levels[j][0]!r}"
            else:
                levels[j] = (levels[j][0], rng.choice(BAD_SIZE))
                note = f"size {levels[j][1]!r}"
        b.add(Kind.DELTA, m, m, m + 1, bids=levels)
        want.append((note, levels))
    batch = b.flush()
    rows = 0
    for m, (note, levels) in enumerate(want):
        if note is None:
            assert batch.kind[m] == Kind.DELTA
            got = batch.message_rows(m)
            assert batch.px[got].tolist() == [int(p.replace(".", "")) for p, _ in levels]
            assert batch.qty[got].tolist() == [int(q[2:]) * 1000 for _, q in levels]
            rows += len(levels)
        else:
            got_note = batch.notes.get(m, "")
            assert batch.kind[m] == Kind.ERROR and got_note.startswith(note), (m, got_note, note)
            assert batch.message_rows(m).stop == batch.message_rows(m).start  # owns no rows
    assert batch.n_rows == rows and int(np.sum(batch.kind == Kind.ERROR)) == 20_000
