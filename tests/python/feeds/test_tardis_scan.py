"""The fused C scanner (parser="c", the default) against the pyarrow path (parser="arrow").

Random incremental_book_L2 files — plain, then with what CSV allows (quoted
fields, "" escapes, CRLF, no final newline, a BOM) and with bad values and
wrong field counts at random places — replayed through both parsers
must give the same BBO rows, stats and final book under on_error="skip", and
the same error (class, line, reason) under on_error="raise" — the first by
line (the arrow path reports lines with the wrong field count after the rest
of their batch; the scanner keeps every error in line order). Tiny blocks and
batches make every message cross block and batch boundaries.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tapebook import feeds
from tapebook.errors import InvalidArgumentError
from tapebook.feeds import FeedError, _tardis_scan

KW = {"format": "tardis", "tick_size": "0.25", "lot_size": "0.1"}
HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"


def _price(rng: random.Random, ticks: int) -> str:
    """ticks * 0.25 in one of the ways a writer may print it."""
    whole, frac = divmod(ticks * 25, 100)
    plain = f"{whole}.{frac:02d}" if frac else str(whole)
    return rng.choice([plain, plain, f"{ticks * 25}e-2", f"+{plain}", plain + ("0" if frac else ".000")])


def _amount(rng: random.Random, lots: int) -> str:
    whole, frac = divmod(lots, 10)
    plain = f"{whole}.{frac}" if frac else str(whole)
    return rng.choice([plain, plain, f"{lots}e-1", plain + ("00" if frac else ".0")])


_BAD = {
    "price": ["100.13", "abc", "", "1e", "--1", "1e999999"],
    "amount": ["-1", "0.05", "x", ""],
    "side": ["buy", "", "BID"],
    "is_snapshot": ["True", "1", ""],
    "local_timestamp": ["1.5", "t", ""],
    "timestamp": ["-", "9e30", "12x"],
}


def random_file(rng: random.Random, n_msgs: int, odd: bool, bad: float) -> bytes:
    """A random incremental_book_L2 file (bytes)."""
    cols = HEADER.split(",")
    rows: list[list[str] | str] = []
    lts = 1_600_000_000_000_000
    mid = 400
    for m in range(n_msgs):
        lts += rng.randint(1, 3)
        snap = m == 2 or rng.random() < 0.06
        for _ in range(rng.randint(1, 8 if snap else 4)):
            is_bid = rng.random() < 0.5
            px = mid - rng.randint(1, 20) if is_bid else mid + rng.randint(1, 20)
            lots = 0 if (not snap and rng.random() < 0.25) else rng.randint(1, 50)
            rows.append(
                [
                    "binance",
                    "BTCUSDT",
                    str(lts - rng.randint(0, 1000)),
                    str(lts),
                    "true" if snap else "false",
                    "bid" if is_bid else "ask",
                    _price(rng, px),
                    _amount(rng, lots),
                ]
            )
        mid += rng.randint(-2, 2)
    if bad:
        for i in range(len(rows)):
            if rng.random() >= bad:
                continue
            what = rng.random()
            row = rows[i]
            assert isinstance(row, list)
            if what < 0.7:
                field = rng.choice(list(_BAD))
                row[cols.index(field)] = rng.choice(_BAD[field])
            else:
                rows[i] = row[: rng.randint(1, 7)] if rng.random() < 0.7 else [*row, "extra"]
    out = []
    for row in rows:
        if isinstance(row, str):
            out.append(row)
            continue
        fields = []
        for j, v in enumerate(row):
            if odd and rng.random() < 0.15:
                v = '"' + (v.replace('"', '""') if j else 'bi""nance') + '"'
            fields.append(v)
        out.append(",".join(fields))
    eol = "\r\n" if odd and rng.random() < 0.5 else "\n"
    text = eol.join([HEADER, *out])
    if not (odd and rng.random() < 0.5):
        text += eol
    data = text.encode()
    if odd and rng.random() < 0.3:
        data = b"\xef\xbb\xbf" + data
    return data


def _replay(path: Path, parser: str, **kw: object) -> tuple[object, object]:
    try:
        r = feeds.replay(path, parser=parser, **KW, **kw)  # type: ignore[arg-type]
    except FeedError as e:
        return None, (type(e).__name__, e.line, e.reason)
    return r, None


def _first_error(path: Path, **kw: object) -> tuple[int, str] | None:
    """The arrow path's ERROR messages, the first by line (its reader emits the
    ERROR messages of lines with the wrong field count after its batch's others,
    so under on_error="raise" it meets them out of line order)."""
    errs = [
        (int(b.line[i]), b.notes[i])
        for b in feeds.read(path, parser="arrow", **KW, **kw)  # type: ignore[arg-type]
        for i in range(b.n_messages)
        if b.kind[i] == feeds.Kind.ERROR
    ]
    return min(errs) if errs else None


def _same(path: Path, malformed: bool, **kw: object) -> None:
    for on_error in ("skip", "raise"):
        rc, ec = _replay(path, "c", on_error=on_error, **kw)
        ra, ea = _replay(path, "arrow", on_error=on_error, **kw)
        if malformed and on_error == "raise":
            first = _first_error(path, **{k: v for k, v in kw.items() if k == "batch_rows"})
            assert ec == (("FeedError", *first) if first else None), (ec, first)
            continue
        assert ec == ea, (on_error, ec, ea)
        if rc is None:
            continue
        bc, ba = rc.bbo, ra.bbo  # type: ignore[attr-defined]
        fields = [f for f in bc.dtype.names if not (malformed and f == "seq")]
        # (a malformed line's ERROR message takes its seq number later on the arrow path)
        for f in fields:
            assert np.array_equal(bc[f], ba[f]), (on_error, f)
        assert rc.stats == ra.stats, on_error  # type: ignore[attr-defined]
        assert rc.book.to_dict() == ra.book.to_dict()  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(12))
def test_valid_files_match_the_arrow_path(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 150, odd=seed % 2 == 1, bad=0.0))
    _same(p, malformed=False)


@pytest.mark.parametrize("seed", range(16))
def test_bad_files_match_the_arrow_path(tmp_path: Path, seed: int) -> None:
    rng = random.Random(1000 + seed)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 120, odd=seed % 2 == 1, bad=rng.choice([0.005, 0.02, 0.1])))
    _same(p, malformed=True)


@pytest.mark.parametrize("seed", range(6))
def test_tiny_blocks_and_batches(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line crosses a block (the buffer grows for lines longer than it) and
    every message a batch (a message larger than a batch grows the batch)."""
    rng = random.Random(2000 + seed)
    p = tmp_path / "f.csv"
    p.write_bytes(random_file(rng, 80, odd=True, bad=0.02 if seed % 2 else 0.0))
    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", rng.choice([16, 64, 333]))
    _same(p, malformed=True, batch_rows=rng.choice([1, 2, 7]))


def test_a_list_of_files_is_one_stream(tmp_path: Path) -> None:
    rng = random.Random(7)
    paths = []
    for i in range(3):
        p = tmp_path / f"f{i}.csv"
        p.write_bytes(random_file(rng, 40, odd=False, bad=0.0))
        paths.append(p)
    a = feeds.replay(paths, parser="arrow", **KW)  # type: ignore[arg-type]
    c = feeds.replay(paths, **KW)  # type: ignore[arg-type]
    assert np.array_equal(a.bbo, c.bbo) and a.stats == c.stats


def test_second_symbol_and_header_errors(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text(f"{HEADER}\nx,A,1,1,true,bid,1,1\nx,A,2,2,false,bid,1,2\nx,B,3,3,false,bid,1,3\n")
    for parser in ("c", "arrow"):
        with pytest.raises(FeedError, match=r"s\.csv:4: a second symbol 'B' after 'A'"):
            feeds.replay(p, parser=parser, **KW)  # type: ignore[arg-type]
    p.write_text("exchange,symbol,timestamp\nx,A,1\n")
    with pytest.raises(FeedError, match=r":1: not a Tardis incremental_book_L2 file: no column"):
        feeds.replay(p, **KW)
    p.write_text(f"{HEADER},price\n")
    with pytest.raises(FeedError, match=r":1: column 'price' appears more than once"):
        feeds.replay(p, **KW)
    p.write_bytes(b"")
    assert feeds.replay(p, **KW).stats.messages == 0
    with pytest.raises(InvalidArgumentError, match="parser='rust' must be one of 'c', 'arrow'"):
        feeds.replay(p, parser="rust", **KW)  # type: ignore[arg-type]


def test_an_empty_line_is_a_row_of_empty_fields(tmp_path: Path) -> None:
    """pyarrow (empty lines kept) reads it as a row of '' values: its symbol '' is a second symbol."""
    p = tmp_path / "e.csv"
    p.write_text(f"{HEADER}\nx,A,1,1,true,bid,1,1\n\nx,A,2,2,false,bid,1,2\n")
    for parser in ("c", "arrow"):
        with pytest.raises(FeedError, match=r"e\.csv:3: a second symbol '' after 'A'"):
            feeds.replay(p, parser=parser, on_error="skip", **KW)  # type: ignore[arg-type]


def test_timestamps_beyond_int64_nanoseconds_are_errors(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(f"{HEADER}\nx,A,9300000000000000,1,true,bid,1,1\n")
    for parser in ("c", "arrow"):
        with pytest.raises(FeedError, match=r":2: timestamp '9300000000000000' is too large"):
            feeds.replay(p, parser=parser, **KW)  # type: ignore[arg-type]


def test_timestamps_with_leading_zeros(tmp_path: Path) -> None:
    """17 + 15 and 18 + 14 digit timestamps (leading zeros) take the 34 bytes two
    sixteen-digit ones take; the scan's shortcut for a message's first row (only the low
    eight digits of both timestamps read) must not take them (stop 30: it did, with the
    high digits of an older row: ts 1236567000 for 1700000012365678000)."""
    rows = [
        "binance,A,1700000012345678,1700000012345778,true,bid,100,1",
        "binance,A,1700000012345678,1700000012345778,true,ask,101,1",
        "binance,A,01700000012345678,170000001234577,false,bid,100,2",
        "binance,A,01700000012355678,170000001234577,false,bid,100.25,1",
        "binance,A,01700000012365678,170000001234578,false,bid,99.5,1",
        "binance,A,001700000012375678,17000000123457,false,ask,101,2",
        "binance,A,001700000012385678,17000000123458,false,ask,101.5,1",
        "binance,A,1700000012395678,1700000012395679,false,ask,102,1",
        "binance,A,1700000012395680,1700000012395681,false,bid,99,3",
    ]
    p = tmp_path / "z.csv"
    p.write_text("\n".join([HEADER, *rows]) + "\n")
    _same(p, malformed=False)
    r = feeds.replay(p, **KW)  # type: ignore[arg-type]
    assert r.bbo["ts"][2] == 1700000012365678000  # the fifth row's message


def test_many_bad_values_finish(tmp_path: Path) -> None:
    """50,000 rows, every other one bad: skipped and counted, in linear time."""
    lines = [HEADER, "x,A,1,1,true,bid,100,1", "x,A,1,1,true,ask,101,1"]
    for i in range(50_000):
        lines.append(f"x,A,{i + 2},{i + 2},false,bid,{'100.13' if i % 2 else '99.75'},1")
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    r = feeds.replay(p, on_error="skip", **KW)
    assert r.stats.skipped == 25_000 and r.stats.messages == 25_001


def _late_error_file(rng: random.Random, rows: int, bad_line: int) -> bytes:
    """Common rows (the scanner's fast path) with one inexact price at bad_line."""
    lines = [HEADER]
    lts = 1_600_000_000_000_000
    for i in range(rows):
        lts += rng.randint(0, 1)
        snap = "true" if i < 4 else "false"
        price = "100.13" if len(lines) + 1 == bad_line else f"{rng.randint(380, 420) * 25 / 100:.2f}"
        side = rng.choice(["bid", "ask"])
        lines.append(f"binance,BTCUSDT,{lts - 7},{lts},{snap},{side},{price},{rng.randint(0, 9)}.5")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_late_error_names_its_file_and_line(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error far into a file read in many blocks (plain and gzip, alone and as the
    second file of a list) names that file and its own line, as the arrow path does."""
    import gzip

    monkeypatch.setattr(_tardis_scan, "BLOCK_BYTES", 4096)
    rng = random.Random(31)
    good, bad = tmp_path / f"good{suffix}", tmp_path / f"bad{suffix}"
    bad_line = 2987
    for p, data in ((good, _late_error_file(rng, 3000, 0)), (bad, _late_error_file(rng, 3000, bad_line))):
        assert len(data) > 40 * 4096  # many blocks
        p.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    for source in (bad, [good, bad]):
        errors = []
        for parser in ("c", "arrow"):
            with pytest.raises(FeedError) as e:
                feeds.replay(source, parser=parser, **KW)  # type: ignore[arg-type]
            errors.append((e.value.path, e.value.line, e.value.reason))
        assert errors[0] == errors[1]
        assert errors[0][:2] == (str(bad), bad_line)
        assert "'100.13'" in errors[0][2]
