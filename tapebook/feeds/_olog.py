"""The C order log (``tb_olog_run`` in csrc/tapebook/tb_order_log.h) behind the
block-wise L3 readers (``databento-mbo``, ``lobster``, ``bitstamp-l3``).

A reader decodes a block of its venue's records into *ops* columns in numpy
(``OPS_COLUMNS``: what each row does to the log, and whether a message ends
after it) and hands them over in one call; :class:`COrderLog` collects the MBO
rows and level changes into the same batches as :class:`~._mbo.OrderLog` —
the rules are the same (the tests hold the two paths identical), and so are the
L2 rows: one per level a message touched, with the level's total after it (C
writes one per touch; :func:`_last_per_level` keeps the last, at the first's
place).

An op the log refuses (a level's total would pass 2**64 - 1: nothing of it done,
counted ``level_overflow``, as the Python log's :class:`~._mbo.LevelOverflowError`)
is reported to the reader by :meth:`COrderLog.run`, which also makes its message an
ERROR message (with the same note) for the readers whose messages are one row.

``TAPEBOOK_L3_C=0`` in the environment makes those readers use the Python
order log instead (the reference path).
"""

from __future__ import annotations

import os
import weakref
from collections import Counter

import numpy as np

from .._native import ffi, lib
from ._l3reader import ORDER_DTYPE
from ._mbo import MboBatch, overflow_note
from ._reader import Kind, MessageBatch
from .itch import _CTYPES, LOG_COLUMNS, _bind, _columns

L3_C_ENV = "TAPEBOOK_L3_C"

#: the ops rows tb_olog_run reads (tb_olog_ops): name, dtype
OPS_COLUMNS = (
    ("op", np.uint8),
    ("order_id", np.uint64),
    ("alt_id", np.uint64),
    ("side", np.uint8),
    ("px", np.int64),
    ("qty", np.uint64),
    ("end", np.uint8),
)
#: the counters the C side keeps: (struct, field) -> the name in the reader's counts
_COUNTERS = {
    "g": ("unknown_id", "duplicate_add", "overcancel", "overfill", "zero_qty", "level_overflow"),
    "msgs": ("modify_unknown", "modify_unchanged", "initial_level", "changed_unknown", "deleted_unknown"),
}
_ROWS = 1 << 15  #: messages per call (output room: 3 MBO and 3 L2 rows a message to start)
_MSG_COLUMNS = ("mbo_end", "l2_end")


def c_log_enabled() -> bool:
    """Whether the vectorised readers use the C order log (``TAPEBOOK_L3_C`` not ``0``)."""
    return os.environ.get(L3_C_ENV, "1") != "0"


def ops_columns(n: int) -> dict[str, np.ndarray]:
    """Zeroed ops columns for n rows (op 0: no change, no message end)."""
    return {name: np.zeros(n, dtype) for name, dtype in OPS_COLUMNS}


def _last_per_level(side: np.ndarray, px: np.ndarray, qty: np.ndarray, ends: np.ndarray) -> tuple:
    """One L2 row per (message, side, px): the last row's total at the first row's place.

    ``ends`` are the messages' row ends; returns the kept columns and their ends. Only
    the rows of messages with more than one row are sorted (most messages have one)."""
    counts = np.diff(ends, prepend=0)
    multi = np.flatnonzero(np.repeat(counts > 1, counts))
    if not len(multi):
        return side, px, qty, ends
    msg = np.repeat(np.arange(len(ends)), counts)
    order = multi[np.lexsort((multi, px[multi], side[multi], msg[multi]))]
    m_s, s_s, p_s = msg[order], side[order], px[order]
    new_group = np.ones(len(order), bool)
    new_group[1:] = (m_s[1:] != m_s[:-1]) | (s_s[1:] != s_s[:-1]) | (p_s[1:] != p_s[:-1])
    if new_group.all():
        return side, px, qty, ends  # no level twice in one message: as written
    starts = np.flatnonzero(new_group)
    lasts = np.append(starts[1:], len(order)) - 1
    total = qty.copy()
    total[order[starts]] = qty[order[lasts]]  # the first row of a level takes the last total
    keep = np.ones(len(side), bool)
    keep[order[~new_group]] = False
    kept_ends = np.cumsum(np.bincount(msg[keep], minlength=len(ends))).astype(np.int64)
    return side[keep], px[keep], total[keep], kept_ends


class COrderLog:
    """The resting orders in C, fed ops blocks; collects MBO / L2 batches like OrderLog."""

    def __init__(self, path: str, counts: Counter[str]) -> None:
        self.path = path
        self.counts = counts
        self.g = ffi.new("tb_olog *")
        if lib.tb_olog_init(self.g, 1 << 12, int.from_bytes(os.urandom(8), "little")) != lib.TB_OK:
            raise MemoryError("cannot allocate the order log")
        weakref.finalize(self, lib.tb_olog_free, self.g)
        self.msgs = ffi.new("tb_olog_msgs *")
        self._n_done = ffi.new("size_t *")
        self._room(_ROWS, 3 * _ROWS)
        self._reset_batch()

    def _room(self, msgs: int, rows: int) -> None:
        spec = tuple((name, dt, 1 if name in _MSG_COLUMNS else rows) for name, dt, _ in LOG_COLUMNS)
        self._cols = _columns(1, spec)
        self._cols.update({name: np.empty(msgs, np.int64) for name in _MSG_COLUMNS})
        self._out = ffi.new("tb_olog_out *")
        self._cols = _bind(self._out, self._cols)  # the dict keeps the columns alive
        m = self.msgs
        m.mbo_cap = m.l2_cap = rows
        m.msg_cap = msgs

    def _reset_batch(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []
        self._meta: list[tuple[np.ndarray, ...]] = []
        self._notes: dict[int, str] = {}
        self.pending_rows = 0
        self._l2_rows = 0
        self._n_msgs = 0

    def run(
        self,
        ops: dict[str, np.ndarray],
        meta: tuple[np.ndarray, ...],
        notes: dict[int, str] | None = None,
        refused_as_error: bool = False,
    ) -> list[int]:
        """Apply the ops rows; ``meta`` = (ts, seq, kind, line) of the messages they close,
        ``notes`` message index (in this call) -> reason. Returns the rows the log refused
        (level_overflow); with ``refused_as_error`` (messages of one row each) each
        refused row's message becomes an ERROR message noting why."""
        cols = {name: np.ascontiguousarray(ops[name], dtype) for name, dtype in OPS_COLUMNS}
        n = len(cols["op"])
        refused = self._run(cols, n)
        notes = dict(notes or {})
        if refused and refused_as_error:
            kind = meta[2].copy()
            msg_of = np.cumsum(cols["end"], dtype=np.int64) - 1  # the message a row closes
            for row in refused:
                assert cols["end"][row], "refused_as_error needs messages of one row"
                k = int(msg_of[row])
                kind[k], notes[k] = Kind.ERROR, overflow_note(int(cols["px"][row]))
            meta = (meta[0], meta[1], kind, *meta[3:])
        self._notes.update({self._n_msgs + k: v for k, v in notes.items()})
        self._meta.append(meta)
        self._n_msgs += len(meta[0])
        return refused

    def _run(self, cols: dict[str, np.ndarray], n: int) -> list[int]:
        """tb_olog_run over rows [0, n), resumed where it stops; the refused rows."""
        refused: list[int] = []
        if not n:
            return refused
        view = ffi.new("tb_olog_ops *")
        for name, arr in cols.items():
            setattr(view, name, ffi.cast(f"{_CTYPES[arr.dtype.type]} *", ffi.from_buffer(arr)))
        first = 0
        while True:
            out = self._out
            out.n_mbo = out.n_l2 = 0
            self.msgs.n_msg = 0
            rc = lib.tb_olog_run(self.g, view, first, n, out, self.msgs, self._n_done)
            done = int(self._n_done[0])
            wrote = self._drain()
            if rc == lib.TB_OK:
                return refused
            if rc == lib.TB_ERR_NOMEM:
                raise MemoryError("the order log could not grow")
            if rc == lib.TB_ERR_OVERFLOW:  # row done - 1 refused; go on after it
                refused.append(done - 1)
            else:
                assert rc == lib.TB_ERR_FULL, f"tb_olog_run returned {rc}"
                if not wrote and done == first:  # one row needs more room than there is: grow
                    self._room(int(self.msgs.msg_cap), 2 * int(self.msgs.mbo_cap))
            first = done

    def _drain(self) -> bool:
        """Copy the rows tb_olog_run wrote; whether it wrote any."""
        out, c = self._out, self._cols
        m, k, msgs = int(out.n_mbo), int(out.n_l2), int(self.msgs.n_msg)
        if not (m or k or msgs):
            return False
        part = {
            name: c[name][: (msgs if name in _MSG_COLUMNS else (k if name.startswith("l2") else m))].copy()
            for name, _, _ in LOG_COLUMNS
        }
        part["mbo_end"] += self.pending_rows
        part["l2_end"] += self._l2_rows
        self._parts.append(part)
        self.pending_rows += m
        self._l2_rows += k
        return True

    def sync_counts(self) -> None:
        """The C counters into the reader's counts (a name appears once it is nonzero)."""
        for where, names in _COUNTERS.items():
            src = getattr(self, where)
            for name in names:
                if getattr(src, name):
                    self.counts[name] = int(getattr(src, name))

    def flush(self, path: str) -> tuple[MboBatch, MessageBatch]:
        """The closed messages as an MBO batch and an L2 batch; the buffers start afresh.
        Every message must be closed (rows after the last end are an error)."""
        self.sync_counts()
        cat = {
            name: np.concatenate([p[name] for p in self._parts] or [np.zeros(0, dt)])
            for name, dt, _ in LOG_COLUMNS
        }
        assert len(cat["mbo_end"]) == self._n_msgs, "flush() with an open message"
        ts, seq, kind, line = (
            np.concatenate([m[i] for m in self._meta] or [np.zeros(0, dt)]).astype(dt)
            for i, dt in enumerate((np.int64, np.int64, np.uint8, np.int64))
        )
        l2_side, l2_px, l2_qty, l2_end = _last_per_level(
            cat["l2_side"], cat["l2_px"], cat["l2_qty"], cat["l2_end"]
        )
        notes = dict(self._notes)
        mbo = MboBatch(
            path,
            cat["action"],
            cat["order_id"],
            cat["side"],
            cat["px"],
            cat["qty"],
            cat["mbo_end"],
            ts,
            seq,
            kind,
            line,
            notes,
        )
        l2 = MessageBatch(
            path,
            l2_side,
            l2_px,
            l2_qty,
            l2_end,
            ts.copy(),
            seq.copy(),
            kind.copy(),
            line.copy(),
            notes=dict(notes),
        )
        self._reset_batch()
        return mbo, l2

    def resting_orders(self) -> np.ndarray:
        """The resting orders as an ORDER_DTYPE array (in no particular order)."""
        n = int(self.g.ocount)
        cols = {k: np.empty(n, ORDER_DTYPE[k]) for k in ("id", "side", "px", "qty")}
        got = lib.tb_olog_export(
            self.g,
            ffi.from_buffer("uint64_t[]", cols["id"]),
            ffi.from_buffer("uint8_t[]", cols["side"]),
            ffi.from_buffer("int64_t[]", cols["px"]),
            ffi.from_buffer("uint64_t[]", cols["qty"]),
            n,
        )
        assert got == n
        out = np.empty(n, ORDER_DTYPE)
        for k, v in cols.items():
            out[k] = v
        return out
