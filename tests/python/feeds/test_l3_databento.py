"""databento-mbo / databento-mbp10: DBN files written with databento-dbn's own encoder
(Metadata.encode() and the records' bytes), replayed; MBO against the naive L3 reference
driven with Databento's book-building rules (A add, C cancel size, M modify — a new
price or a larger size to the back —, R clear, T/F/N no change, one message per F_LAST),
MBP-10 against the records' own levels."""

from __future__ import annotations

import random
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import pytest
from l3_helpers import EMPTY_ASK, EMPTY_BID, apply_mbo_batches, bbo_of, book_state, l3book_matches, replay_bbo

from tapebook import feeds
from tapebook.errors import FeedError
from tapebook.feeds.databento import MBO_DTYPE, MBP10_DTYPE, UNDEF_PRICE
from tapebook.testing.l3_reference import RefL3Book

KW = dict(format="databento-mbo", tick_size="0.01", lot_size="1")
TICK = 10_000_000  # 0.01 in 1e-9 units
ACT = {"A": dbn.Action.ADD, "C": dbn.Action.CANCEL, "M": dbn.Action.MODIFY, "R": dbn.Action.CLEAR,
       "T": dbn.Action.TRADE, "F": dbn.Action.FILL, "N": dbn.Action.NONE}  # fmt: skip
SIDE = {1: dbn.Side.BID, 0: dbn.Side.ASK, None: dbn.Side.NONE}


def metadata(schema: dbn.Schema) -> bytes:
    return dbn.Metadata(
        dataset="XNAS.ITCH", start=0, stype_in=dbn.SType.RAW_SYMBOL, stype_out=dbn.SType.INSTRUMENT_ID,
        schema=schema, symbols=["AAPL"],
    ).encode()  # fmt: skip


def mbo(action: str, oid: int, side: int | None, px: int, size: int, ts: int, last: bool = True,
        seq: int = 0, instrument: int = 7, flags: int = 0) -> bytes:  # fmt: skip
    rec = dbn.MBOMsg(
        publisher_id=2, instrument_id=instrument, ts_event=ts, order_id=oid, price=px, size=size,
        action=ACT[action], side=SIDE[side], ts_recv=ts + 5, flags=flags | (dbn.F_LAST if last else 0),
        sequence=seq,
    )  # fmt: skip
    return bytes(rec)


def test_record_layouts_match_the_encoder() -> None:
    raw = mbo("M", 42, 1, 123 * TICK, 77, 999, seq=5, flags=dbn.F_SNAPSHOT)
    r = np.frombuffer(raw, dtype=MBO_DTYPE)[0]
    assert (r["rtype"], r["instrument_id"], r["order_id"], r["price"], r["size"]) == (
        0xA0,
        7,
        42,
        123 * TICK,
        77,
    )
    assert (r["action"], r["side"], r["ts_event"], r["ts_recv"], r["sequence"]) == (b"M", b"B", 999, 1004, 5)
    assert r["flags"] == dbn.F_LAST | dbn.F_SNAPSHOT and r["length"] * 4 == len(raw)
    levels = [
        dbn.BidAskPair(bid_px=100 + i, ask_px=200 + i, bid_sz=i, ask_sz=2 * i, bid_ct=1, ask_ct=3)
        for i in range(10)
    ]
    p = dbn.MBP10Msg(
        publisher_id=2, instrument_id=7, ts_event=10, price=1, size=1, action=dbn.Action.ADD,
        side=dbn.Side.BID, depth=0, ts_recv=11, flags=dbn.F_LAST, sequence=9, levels=levels,
    )  # fmt: skip
    q = np.frombuffer(bytes(p), dtype=MBP10_DTYPE)[0]
    assert q["rtype"] == 0x0A and q["sequence"] == 9 and q["ts_event"] == 10
    assert q["levels"]["bid_px"].tolist() == list(range(100, 110))
    assert q["levels"]["ask_sz"].tolist() == [2 * i for i in range(10)]


def test_hand_written_mbo(tmp_path: Path) -> None:
    recs = [
        mbo("R", 0, None, UNDEF_PRICE, 0, 1, last=False, flags=dbn.F_SNAPSHOT),
        mbo("A", 1, 1, 100 * TICK, 10, 1, last=False, flags=dbn.F_SNAPSHOT),
        mbo("A", 2, 0, 101 * TICK, 5, 1, last=True, flags=dbn.F_SNAPSHOT, seq=1),  # message 0
        mbo("A", 3, 1, 100 * TICK, 4, 2, seq=2),  # behind 1
        mbo("A", 99, 1, 50 * TICK, 4, 2, instrument=8),  # another instrument
        mbo("T", 0, 0, 101 * TICK, 3, 3, last=False),  # trade + fill: no change
        mbo("F", 2, 0, 101 * TICK, 3, 3, last=False),
        mbo("C", 2, 0, 101 * TICK, 3, 3, seq=3),  # the venue's cancel after the fill
        mbo("M", 1, 1, 100 * TICK, 6, 4, seq=4),  # down: keeps priority
        mbo("M", 3, 1, 100 * TICK, 9, 5, seq=5),  # up: to the back (already there)
        mbo("M", 1, 1, 99 * TICK, 6, 6, seq=6),  # new price
        mbo("M", 7, 0, 102 * TICK, 1, 7, seq=7),  # unknown: an add
        mbo("C", 3, 1, 100 * TICK, 9, 8, seq=8),
    ]
    path = tmp_path / "mbo.dbn"
    path.write_bytes(metadata(dbn.Schema.MBO) + b"".join(recs))
    r = feeds.replay(path, **KW)
    assert replay_bbo(r) == [
        (100, 10, 101, 5),
        (100, 14, 101, 5),
        (100, 14, 101, 2),
        (100, 10, 101, 2),
        (100, 15, 101, 2),
        (100, 9, 101, 2),
        (100, 9, 101, 2),
        (99, 6, 101, 2),
    ]
    assert r.bbo["seq"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8] and r.bbo["ts"].tolist()[:2] == [1, 2]
    assert r.l3_counts["trades"] == 1 and r.l3_counts["fills"] == 1 and r.l3_counts["modify_unknown"] == 1
    assert r.l3_counts["skipped_instrument"] == 1 and r.stats.skipped == 1
    assert r.orders == {1: (1, 99, 6), 2: (0, 101, 2), 7: (0, 102, 1)}
    got, _ = apply_mbo_batches(list(feeds.read_mbo(path, **KW)))
    assert got.level_orders(1, 99) == [(1, 6)] and got.level_orders(0, 101) == [(2, 2)]
    # the other instrument by id
    assert replay_bbo(feeds.replay(path, instrument_id=8, **KW)) == [(50, 4, EMPTY_ASK, 0)]


def random_mbo(seed: int, n: int) -> tuple[bytes, RefL3Book, list[tuple[int, int, int, int]]]:
    rng = random.Random(seed)
    ref = RefL3Book()
    out = [metadata(dbn.Schema.MBO)]
    bbo = []
    next_id = 1
    ts = 0
    seq = 0
    for _ in range(n):  # n events, each 1-4 records, F_LAST on the last
        ts += rng.randint(1, 1000)
        k = rng.randint(1, 4)
        for j in range(k):
            last = j == k - 1
            seq += 1
            live = list(ref.orders)
            r = rng.random()
            px = 1000 + rng.randint(-8, 8)
            if seq > 1 and rng.random() < 0.1:  # another instrument (after the first record)
                out.append(mbo("A", 10**9 + seq, 1, 5 * TICK, 1, ts, last=False, instrument=9))
            if r < 0.1:
                out.append(
                    mbo(rng.choice("TFN"), rng.choice(live) if live else 0, None, px * TICK, 3, ts, last, seq)
                )
            elif r < 0.45 or not live:
                side = rng.randint(0, 1)
                qty = rng.randint(1, 50)
                ref.add(next_id, side, px, qty)
                out.append(mbo("A", next_id, side, px * TICK, qty, ts, last, seq))
                next_id += 1
            elif r < 0.995:
                oid = rng.choice(live)
                side, old_px, held = ref.orders[oid]
                if r < 0.7:
                    q = rng.randint(1, held)
                    ref.cancel(oid, q)
                    out.append(mbo("C", oid, side, old_px * TICK, q, ts, last, seq))
                else:
                    new_px = old_px if rng.random() < 0.6 else px
                    q = rng.randint(1, 60)
                    ref.modify(oid, q, new_px)
                    out.append(mbo("M", oid, side, new_px * TICK, q, ts, last, seq))
            else:
                ref.clear()
                out.append(mbo("R", 0, None, UNDEF_PRICE, 0, ts, last, seq))
        bbo.append(bbo_of(ref))
    return b"".join(out), ref, bbo


@pytest.mark.parametrize("seed", range(5))
def test_random_mbo_matches_the_reference(tmp_path: Path, seed: int) -> None:
    data, ref, bbo = random_mbo(seed, 400)
    path = tmp_path / "r.dbn"
    path.write_bytes(data)
    got, got_bbo = apply_mbo_batches(list(feeds.read_mbo(path, batch_rows=50, **KW)))
    assert book_state(got) == book_state(ref) and got_bbo == bbo
    r = feeds.replay(path, batch_rows=50, **KW)
    assert replay_bbo(r) == bbo
    l3book_matches(r, got)


def test_zstd_and_record_splits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zstandard

    from tapebook.feeds import databento as mod

    data, _ref, bbo = random_mbo(9, 200)
    (tmp_path / "r.dbn.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    assert replay_bbo(feeds.replay(tmp_path / "r.dbn.zst", **KW)) == bbo
    monkeypatch.setattr(mod, "_READ_BYTES", 37)  # reads that end inside records
    assert replay_bbo(feeds.replay(tmp_path / "r.dbn.zst", **KW)) == bbo


def test_mbo_errors(tmp_path: Path) -> None:
    path = tmp_path / "e.dbn"
    good = mbo("A", 1, 1, 100 * TICK, 10, 1)
    path.write_bytes(metadata(dbn.Schema.MBO) + good + mbo("A", 2, 0, 100 * TICK + 1, 10, 2) + good[:20])
    with pytest.raises(FeedError, match="not a whole number of ticks") as e:
        feeds.replay(path, **KW)
    assert e.value.line == 2
    with pytest.raises(FeedError, match="ends inside a record") as e:
        feeds.replay(path, on_error="skip", **KW)
    assert e.value.line == 3
    path.write_bytes(metadata(dbn.Schema.MBO) + good + mbo("A", 2, 0, 100 * TICK + 1, 10, 2))
    r = feeds.replay(path, on_error="skip", **KW)
    assert r.l3_counts["bad_records"] == 1 and r.stats.skipped == 1 and len(r.bbo) == 2
    path.write_bytes(b"not a dbn file")
    with pytest.raises(FeedError, match="not a DBN file"):
        feeds.replay(path, **KW)
    with pytest.raises(ValueError, match="whole multiple of 1E-9"):
        feeds.replay(path, format="databento-mbo", tick_size="0.0000000001", lot_size="1")


def test_mbp10(tmp_path: Path) -> None:
    rng = random.Random(4)
    out = [metadata(dbn.Schema.MBP_10)]
    expected = []
    for i in range(50):
        nb, na = rng.randint(0, 10), rng.randint(0, 10)
        bids = sorted(rng.sample(range(900, 1000), nb), reverse=True)
        asks = sorted(rng.sample(range(1001, 1100), na))
        pairs = []
        for k in range(10):
            b = bids[k] if k < nb else None
            a = asks[k] if k < na else None
            pairs.append(dbn.BidAskPair(
                bid_px=b * TICK if b else UNDEF_PRICE, ask_px=a * TICK if a else UNDEF_PRICE,
                bid_sz=k + 1 if b else 0, ask_sz=k + 2 if a else 0, bid_ct=1, ask_ct=1,
            ))  # fmt: skip
        out.append(bytes(dbn.MBP10Msg(
            publisher_id=2, instrument_id=7, ts_event=i, price=0, size=0, action=dbn.Action.ADD,
            side=dbn.Side.BID, depth=0, ts_recv=i, flags=dbn.F_LAST, sequence=100 + i, levels=pairs,
        )))  # fmt: skip
        expected.append(
            (bids[0] if nb else EMPTY_BID, 1 if nb else 0, asks[0] if na else EMPTY_ASK, 2 if na else 0)
        )
        expected_depth = (bids, asks)
    path = tmp_path / "mbp10.dbn"
    path.write_bytes(b"".join(out))
    r = feeds.replay(path, format="databento-mbp10", tick_size="0.01", lot_size="1", depth=10)
    assert replay_bbo(r) == expected
    assert r.bbo["seq"].tolist() == list(range(100, 150)) and r.stats.resets == 0
    last = r.depth[-1]
    bids, asks = expected_depth
    assert last["bid_px"].tolist()[: len(bids)] == bids and last["ask_px"].tolist()[: len(asks)] == asks
    assert last["ask_qty"].tolist()[: len(asks)] == [k + 2 for k in range(len(asks))]
