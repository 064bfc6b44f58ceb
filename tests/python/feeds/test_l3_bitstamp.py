"""bitstamp-l3: live_orders frames as Bitstamp's WebSocket v2 documents them
(https://www.bitstamp.net/websocket/v2/, "Live orders"), hand-written and rendered from
seeded order flows run through the naive L3 reference model with the rules of issue #15
(changed for an unknown id adds it, deleted unknown ignored, created for a resting id
replaces it; the book may cross)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from l3_helpers import apply_mbo_batches, bbo_of, book_state, l3book_matches, replay_bbo

from tapebook import feeds
from tapebook.errors import FeedError
from tapebook.testing.l3_reference import RefL3Book

KW = dict(format="bitstamp-l3", tick_size="0.01", lot_size="0.00000001")


def frame(event: str, oid: int, side: int, price: str, amount: str, us: int, pair: str = "btcusd") -> str:
    data = {
        "id": oid, "id_str": str(oid), "order_type": 0 if side else 1, "datetime": str(us // 10**6),
        "microtimestamp": str(us), "amount": float(amount), "amount_str": amount,
        "price": float(price), "price_str": price,
    }  # fmt: skip
    return json.dumps({"data": data, "channel": f"live_orders_{pair}", "event": event})


def px_text(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def lots_text(lots: int) -> str:
    return f"{lots // 10**8}.{lots % 10**8:08d}"


def test_hand_written_frames(tmp_path: Path) -> None:
    us = 1643643584684047
    lines = [
        json.dumps({"event": "bts:subscription_succeeded", "channel": "live_orders_btcusd", "data": {}}),
        frame("order_created", 1, 1, "36950.00", "0.50000000", us),
        frame("order_created", 2, 1, "36950.00", "0.25000000", us + 1),
        frame("order_created", 3, 0, "36960.00", "1.00000000", us + 2),
        frame("order_changed", 1, 1, "36950.00", "0.40000000", us + 3),  # down: keeps priority
        frame("order_changed", 2, 1, "36955.00", "0.25000000", us + 4),  # new price
        frame("order_changed", 9, 0, "36970.00", "0.10000000", us + 5),  # unknown: added
        frame("order_deleted", 8, 0, "36970.00", "0.10000000", us + 6),  # unknown: ignored
        frame("order_created", 3, 0, "36940.00", "2.00000000", us + 7),  # resting: replaced (crosses)
        frame("order_created", 4, 0, "1.00", "1.00000000", us + 8, pair="ethusd"),  # other pair
        json.dumps({"event": "bts:heartbeat", "channel": "", "data": {"status": "success"}}),
        frame("order_deleted", 1, 1, "36950.00", "0.40000000", us + 9),
    ]
    path = tmp_path / "live_orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = feeds.replay(path, **KW)
    assert replay_bbo(r) == [
        (3695000, 50000000, 2**63 - 1, 0),
        (3695000, 75000000, 2**63 - 1, 0),
        (3695000, 75000000, 3696000, 100000000),
        (3695000, 65000000, 3696000, 100000000),
        (3695500, 25000000, 3696000, 100000000),
        (3695500, 25000000, 3696000, 100000000),
        (3695500, 25000000, 3696000, 100000000),
        (3695500, 25000000, 3694000, 200000000),
        (3695500, 25000000, 3694000, 200000000),
    ]
    assert r.bbo["seq"].tolist() == list(range(9))
    assert r.bbo["ts"].tolist()[0] == us * 1000
    assert r.bbo["flags"].tolist()[-2:] == [2, 2] and r.stats.crossed == 2  # kept, flagged
    assert r.l3_counts["changed_unknown"] == 1 and r.l3_counts["deleted_unknown"] == 1
    assert r.l3_counts["duplicate_add"] == 1 and r.stats.skipped == 3
    assert r.orders == {2: (1, 3695500, 25000000), 9: (0, 3697000, 10000000), 3: (0, 3694000, 200000000)}
    with pytest.raises(FeedError, match="crossed"):
        feeds.replay(path, on_crossed="raise", **KW)
    # symbol= picks the pair
    eth = feeds.replay(path, symbol="ethusd", **KW)
    assert replay_bbo(eth) == [(-(2**63), 0, 100, 100000000)]


def random_flow(seed: int, n: int) -> tuple[list[str], RefL3Book, list[tuple[int, int, int, int]]]:
    rng = random.Random(seed)
    ref = RefL3Book()
    lines, bbo = [], []
    us = 1_700_000_000_000_000
    next_id = 1
    for _ in range(n):
        us += rng.randint(1, 5000)
        live = list(ref.orders)
        r = rng.random()
        px = 5_000_000 + rng.randint(-20, 20)  # both sides overlap: the book crosses at times
        qty = rng.randint(1, 10**8)
        if r < 0.05:
            lines.append(json.dumps({"event": "bts:heartbeat", "channel": "", "data": {"status": "success"}}))
            continue
        if r < 0.4 or not live:
            side = rng.randint(0, 1)
            if live and rng.random() < 0.05:  # created for a resting id: replaces it
                oid = rng.choice(live)
                ref.cancel(oid)
            else:
                oid = next_id
                next_id += 1
            ref.add(oid, side, px, qty)
            lines.append(frame("order_created", oid, side, px_text(px), lots_text(qty), us))
        elif r < 0.75:
            if rng.random() < 0.05:  # changed for an id that does not rest: added
                oid, side = next_id, rng.randint(0, 1)
                next_id += 1
                ref.add(oid, side, px, qty)
            else:
                oid = rng.choice(live)
                side, old_px, old_qty = ref.orders[oid]
                choice = rng.random()
                if choice < 0.5:  # a fill or a reduction: same price, less
                    px, qty = old_px, rng.randint(1, old_qty)
                elif choice < 0.7:
                    px = old_px
                ref.modify(oid, qty, px)
            lines.append(frame("order_changed", oid, side, px_text(px), lots_text(qty), us))
        else:
            if rng.random() < 0.05:
                lines.append(frame("order_deleted", 10**12 + next_id, 0, "1.00", "1.00000000", us))
            else:
                oid = rng.choice(live)
                side, old_px, old_qty = ref.orders[oid]
                ref.cancel(oid)
                lines.append(frame("order_deleted", oid, side, px_text(old_px), lots_text(old_qty), us))
        bbo.append(bbo_of(ref))
    return lines, ref, bbo


@pytest.mark.parametrize("seed", range(6))
def test_random_flows_match_the_reference(tmp_path: Path, seed: int) -> None:
    lines, ref, bbo = random_flow(seed, 800)
    path = tmp_path / "flow.jsonl"
    path.write_text("\n".join(lines) + "\n")
    got, got_bbo = apply_mbo_batches(list(feeds.read_mbo(path, **KW)))
    assert book_state(got) == book_state(ref)
    assert got_bbo == bbo
    r = feeds.replay(path, batch_rows=64, **KW)
    assert replay_bbo(r) == bbo
    l3book_matches(r, got)
    crossed = [b[0] >= b[2] and b[1] and b[3] for b in bbo]
    assert r.stats.crossed == sum(map(bool, crossed))


def test_bad_frames(tmp_path: Path) -> None:
    us = 1643643584684047
    lines = [
        frame("order_created", 1, 1, "36950.00", "0.50000000", us),
        "{not json",
        frame("order_created", 2, 1, "36950.005", "0.50000000", us),  # not whole cents
        json.dumps({"event": "order_created", "channel": "live_orders_btcusd", "data": {"id": 3}}),
        frame("order_created", 4, 0, "36951.00", "0.10000000", us),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FeedError, match="invalid JSON") as e:
        feeds.replay(path, **KW)
    assert e.value.line == 2
    r = feeds.replay(path, on_error="skip", **KW)
    assert len(r.bbo) == 2 and r.stats.skipped == 3
    assert set(r.orders) == {1, 4}
    lines[1] = lines[0]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FeedError, match=r"price '36950\.005'") as e:
        feeds.replay(path, **KW)
    assert e.value.line == 3
