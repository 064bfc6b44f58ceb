"""JSON venue frames: which parser, and where the time goes (frames/s).

For each venue, renders a random book history into the venue's frames (the test
renderers) and times, over the same lines:

* the candidate JSON parsers alone — ``json`` (stdlib), ``orjson``, ``msgspec``
  (generic, floats kept as text: what Kraken needs), ``pysimdjson`` (lazy document,
  and converted to dicts) — decode only;
* the reader's own per-frame work: decode + the venue's sync rules + collecting the
  rows (``MessageBuilder.add``), without the column conversion and the engine;
* where the time goes: ``read`` (the source's chunks of lines from memory) and, for
  the venues with a C frame scanner (binance, binance-futures; tb_json_scan.h),
  ``scan`` (the scanner alone over the whole buffer: shape, ids, exact rows) and,
  with bybit, okx and kraken too, ``sync`` (tb_json_sync.h / _bybit.h / _okx.h / _kraken.h alone:
  scan + the venue's sync rules + message columns) — and coinbase's, bitstamp's
  (tb_json_coinbase.h, tb_json_bitstamp.h);
* ``batches``: ``feeds.read`` (the reader's batches: everything but the book);
* end to end: ``feeds.replay`` of the frames written to a file (read, parse, rules,
  conversion, apply, BBO rows); for the scanned venues also ``replay-msgspec``
  (``TAPEBOOK_JSON_SCAN=0``: every frame through msgspec) in the same run.

Run: ``.venv/bin/python bench/feeds/bench_venue_parsers.py [--frames N] [--venues a,b]
[--repeat R] [--json out.json]``.
Numbers are from the machine it runs on; the README quotes a run with its machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

# before numpy is imported: OpenBLAS's idle threads took ~4.5 % of a replay's CPU time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python" / "feeds"))
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import render  # noqa: E402

from tapebook.config import Instrument  # noqa: E402
from tapebook.feeds._formats import spec  # noqa: E402
from tapebook.feeds._reader import MessageBuilder, ReaderOptions  # noqa: E402
from tapebook.feeds._source import Source  # noqa: E402


def frames_of(venue: str, steps: int) -> tuple[list[bytes], bytes | None]:
    h = render.random_history(random.Random(1), steps=steps)
    snap = None
    if venue in ("binance", "binance-futures"):
        snap, text = render.render_binance(h, futures=venue == "binance-futures")
    elif venue == "bitstamp":
        snap, text = render.render_bitstamp(h)
    elif venue == "kraken":
        text = render.render_kraken(h)[0]
    else:
        text = getattr(render, f"render_{venue}")(h)
    return [ln.encode() for ln in text.splitlines() if ln], (snap.encode() if snap else None)


REPEAT = 5  #: best of this many runs (--repeat)


def rate(fn, lines: list[bytes]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn(lines)
        best = min(best, time.perf_counter() - t)
    return len(lines) / best


def parsers() -> dict[str, object]:
    out: dict[str, object] = {"json": lambda ls: [json.loads(x) for x in ls]}
    try:
        import orjson

        out["orjson"] = lambda ls: [orjson.loads(x) for x in ls]
    except ImportError:
        pass
    dec = msgspec.json.Decoder(float_hook=str)
    out["msgspec"] = lambda ls: [dec.decode(x) for x in ls]
    try:
        import simdjson

        p = simdjson.Parser()

        def lazy(ls: list[bytes]) -> None:
            for x in ls:
                doc = p.parse(x)  # a proxy into the parser's buffer; dropped before the next parse
                del doc

        out["simdjson-lazy"] = lazy
        out["simdjson-dict"] = lambda ls: [p.parse(x).as_dict() for x in ls]
    except ImportError:
        pass
    return out


def reader_rate(venue: str, lines: list[bytes], snap: bytes | None) -> float:
    import io

    inst = Instrument(tick_size="0.01", lot_size="0.001")

    def run(ls: list[bytes]) -> None:
        src = Source(io.BytesIO(b"\n".join(ls)))
        opts = ReaderOptions(inst, Source(io.BytesIO(snap)) if snap else None)
        r = spec(venue).reader_class()(src, opts)
        b = MessageBuilder(inst, "bench", 1 << 30)
        for _, line, raw in src.lines():
            r._one(b, raw, line)

    return rate(run, lines)


def replay_rate(venue: str, lines: list[bytes], snap: bytes | None, tmp: Path) -> float | None:
    from tapebook import feeds

    path = tmp / f"{venue}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    kw: dict = {}
    if snap:
        (tmp / f"{venue}.json").write_bytes(snap)
        kw["snapshot"] = tmp / f"{venue}.json"

    def run(_: list[bytes]) -> None:
        feeds.replay(path, format=venue, tick_size="0.01", lot_size="0.001", **kw)

    return rate(run, lines)


def read_rate(lines: list[bytes], counted: bool) -> float:
    """Only the reading: the source's chunks of complete lines (from memory). With
    ``counted`` False the source does not count the lines, as in a replay through a C
    loop (which counts them itself: ``chunks(next_line=...)``)."""
    import io

    data = b"\n".join(lines) + b"\n"
    next_line = None if counted else (lambda: 1)
    return rate(lambda _: [None for _ in Source(io.BytesIO(data)).chunks(next_line=next_line)], lines)


_JSCAN_FRAME_COLS = (
    "kind", "off", "len", "row_end", "ev_time", "first_id", "last_id", "prev_id", "sym_off", "sym_len",
)  # fmt: skip


def scan_rate(venue: str, lines: list[bytes]) -> float | None:
    """Only the C scanner (tb_json_scan.h) over the whole buffer: shape, ids, exact rows
    (Binance's frame shape: the Bybit loop has no separate scan entry point)."""
    if venue not in ("binance", "binance-futures"):
        return None
    import numpy as np

    from tapebook._native import ffi, lib

    data = b"\n".join(lines) + b"\n"
    tick, lot = Instrument(tick_size="0.01", lot_size="0.001")._units()
    rows, frames = 1 << 16, 4096
    keep = [np.empty(rows, np.uint8), np.empty(rows, np.int64), np.empty(rows, np.uint64)]
    out = ffi.new("tb_jscan_out *")
    out.side = ffi.from_buffer("uint8_t[]", keep[0])
    out.px = ffi.from_buffer("int64_t[]", keep[1])
    out.qty = ffi.from_buffer("uint64_t[]", keep[2])
    for name in _JSCAN_FRAME_COLS:
        a = np.empty(frames, np.uint8 if name == "kind" else np.int64)
        keep.append(a)
        setattr(out, name, ffi.from_buffer("uint8_t[]" if name == "kind" else "int64_t[]", a))
    out.rows_cap, out.frames_cap = rows, frames
    consumed = ffi.new("size_t *")
    futures = int(venue == "binance-futures")
    cdata = ffi.from_buffer("char[]", data)

    def run(_: list[bytes]) -> None:
        pos = 0
        while pos < len(data):
            out.n_rows = out.n_frames = 0
            lib.tb_jscan_binance(cdata + pos, len(data) - pos, 1, futures, tick.c, lot.c, out, consumed)
            pos += int(consumed[0])

    return rate(run, lines)


VENUES = ("binance", "binance-futures", "coinbase", "kraken", "okx", "bybit", "bitstamp")


def sync_rate(venue: str, lines: list[bytes], snap: bytes | None) -> float | None:
    """The C sync loop alone (tb_json_lines.h with tb_json_sync.h / _bybit.h / _okx.h): scan + the
    venue's rules + message columns over the whole buffer; a handed-back line is stepped over (no
    Python per frame)."""
    if venue not in SCANNED:
        return None
    from tapebook._native import ffi, lib
    from tapebook.feeds._json_loop import Out

    data = b"\n".join(lines) + b"\n"
    tick, lot = Instrument(tick_size="0.01", lot_size="0.001")._units()
    out = Out(1 << 16, 1 << 16)
    consumed = ffi.new("size_t *")
    name = venue if venue in ("bybit", "okx") else "binance"
    name = venue if venue == "coinbase" else name
    name = venue if venue == "bitstamp" else name
    name = "kraken" if venue == "kraken" else name
    st = ffi.new(f"tb_jsync_{name} *")
    loop = getattr(lib, f"tb_jsync_{name}_run")
    cdata = ffi.from_buffer("char[]", data)
    lid = json.loads(snap).get("lastUpdateId", 0) if snap else 0
    rest_us = int(json.loads(snap).get("microtimestamp", 0)) if snap else 0

    def run(_: list[bytes]) -> None:
        st.head.tick, st.head.lot, st.head.sym_state = tick.c, lot.c, 0
        if name == "bybit":
            st.head.synced = st.have_u = 0
        elif name == "okx":
            st.head.synced = st.have_seq = 0
        elif name == "coinbase":
            st.head.synced = st.have_seq = 0
            st.check_sequence = 1
        elif name == "bitstamp":
            st.snapshot_us, st.index = rest_us, 1
        elif name == "kraken":  # the precisions given (else every snapshot goes back to Python)
            st.head.synced, st.index, st.ready, st.fixed, st.have_precision = 0, 0, 1, 1, 1
            st.price_precision, st.qty_precision = 2, 3
        else:
            st.head.synced = 1
            st.futures, st.last_update_id, st.have_book_id = int("futures" in venue), lid, 0
        pos = 0
        while pos < len(data):
            out.c.n_rows = out.c.n_msgs = 0
            rc = loop(st, cdata + pos, len(data) - pos, 1, out.c, consumed)
            pos += int(consumed[0])
            if rc == lib.TB_JSYNC_HANDBACK:
                pos = data.index(b"\n", pos) + 1
                st.head.line += 1
                if name == "coinbase":  # Python would take the frame's number (a heartbeat's): no gap after
                    st.have_seq = 0

    return rate(run, lines)


def batches_rate(venue: str, lines: list[bytes], snap: bytes | None, tmp: Path) -> float:
    """``feeds.read``: the reader's batches (read + parse + rules + conversion), no book."""
    from tapebook import feeds

    path = tmp / f"{venue}.read.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    kw: dict = {}
    if snap:
        (tmp / f"{venue}.read.json").write_bytes(snap)
        kw["snapshot"] = tmp / f"{venue}.read.json"
    return rate(lambda _: list(feeds.read(path, venue, "0.01", "0.001", **kw)), lines)


#: the venues with a C frame scanner; their replay is also timed through msgspec only
SCANNED = ("binance", "binance-futures", "bybit", "okx")
SCANNED += ("coinbase",)
SCANNED += ("bitstamp",)
SCANNED += ("kraken",)


def split(res: dict) -> str:
    """ns per frame of each stage, as differences of the cumulative rates (noisy on a
    busy machine: a small stage can come out negative): read; the C loop (scan + the
    venue's rules + message columns: tb_json_sync.h alone); python (the rest of
    feeds.read: per-buffer work and handed-back lines; for venues without the C loop,
    parse + rules + conversion); apply + write (replay - batches: the book, BBO rows)."""

    def ns(k: str) -> float:
        return 1e9 / res[k] if res.get(k) else 0.0

    parts = {"read": ns("read")}
    if res.get("sync"):
        parts["C scan+sync"] = ns("sync")
        parts["python"] = ns("batches") - ns("sync") - ns("read")
    else:
        parts["python parse+sync"] = ns("batches") - ns("read")
    parts["apply+write"] = ns("replay") - ns("batches")
    return "  ".join(f"{k} {v:,.0f}" for k, v in parts.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20_000, help="history steps per venue")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--venues", default=",".join(VENUES), help="a comma-separated subset of the venues")
    ap.add_argument("--repeat", type=int, default=5, help="best of this many runs per number")
    a = ap.parse_args()
    venues = a.venues.split(",")
    global REPEAT
    REPEAT = a.repeat
    ps = parsers()
    results: dict[str, dict[str, float]] = {}
    import tempfile

    cols = [*ps, "reader", "read", "scan", "sync", "batches", "replay-msgspec", "replay"]
    print(f"{'venue':16s} " + " ".join(f"{n:>14s}" for n in cols) + "   (frames/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for v in venues:
            lines, snap = frames_of(v, a.frames)
            res: dict[str, float | None] = {n: rate(f, lines) for n, f in ps.items()}
            res["reader"] = reader_rate(v, lines, snap)
            res["read"] = read_rate(lines, counted=v not in SCANNED)
            res["scan"] = scan_rate(v, lines)
            res["sync"] = sync_rate(v, lines, snap)
            res["batches"] = batches_rate(v, lines, snap, Path(tmp))
            res["replay-msgspec"] = None
            if v in SCANNED:
                os.environ["TAPEBOOK_JSON_SCAN"] = "0"
                res["replay-msgspec"] = replay_rate(v, lines, snap, Path(tmp))
                del os.environ["TAPEBOOK_JSON_SCAN"]
            res["replay"] = replay_rate(v, lines, snap, Path(tmp))
            results[v] = res  # type: ignore[assignment]
            print(f"{v:16s} " + " ".join(f"{res[n]:14,.0f}" if res[n] else f"{'-':>14s}" for n in cols))
            print(f"{'':16s} where the time goes, ns/frame: " + split(res))
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    meta = {
        "commit": commit.stdout.strip() or "?",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load": os.getloadavg(),
    }
    print(meta)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1))


if __name__ == "__main__":
    main()
