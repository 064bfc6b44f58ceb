"""Book state dumps, a deterministic append-only update log, recovery and replay.

Four layers, each usable alone, one module each:

* :mod:`~tapebook.persist.checkpoint` — whole states: :func:`dumps` /
  :func:`loads` / :func:`load_into` (the :class:`~tapebook.Book` methods of
  the same names, over the C library's versioned, CRC32-checked dump bytes:
  ``loads(dumps(b))`` is bit-exact), and :class:`Checkpoint`, the dumps of a
  set of named books at one point of a log (formerly ``StateSnapshot``; not
  a :class:`~tapebook.DepthSnapshot`).
* :mod:`~tapebook.persist.logformat` — the log's bytes: framing, record types,
  :func:`recover` (classify the tail: ``clean``, ``torn`` or ``corrupt``) and
  :func:`repair`.
* :mod:`~tapebook.persist.recorder` — :class:`Recorder` wraps a book, a
  mapping of named books, a configured :class:`~tapebook.config.Venue` or a
  :class:`~tapebook.MultiBookPool`, and writes every update to the log
  *before* applying it, with a checkpoint every ``snapshot_every`` updates.
* :mod:`~tapebook.persist.recorded_orders` — :class:`RecordedL3Book` and
  :class:`RecordedEngine`: what a :class:`Recorder` hands out for an
  :class:`~tapebook.L3Book` or a :class:`~tapebook.MatchingEngine` (only
  accepted calls stay in the log; their checkpoints are typed CHECKPOINT
  records that carry each object's :class:`Shape`).
* :mod:`~tapebook.persist.replayer` — :func:`replay` rebuilds the exact state
  from a checkpoint plus the records after it.

All of them read one table, :data:`tapebook.persist.ops.OPS`: which Book,
L3Book and MatchingEngine methods are recorded, in which record, encoded and validated how, and applied
by which method on replay. The exact semantics of the operations are in
``docs/semantics.md``; the byte layouts in README.md.
"""

from __future__ import annotations

from .._dump import DumpInfo, dump_info
from .checkpoint import Checkpoint, Shape, StateSnapshot, dumps, load_into, loads
from .logformat import LOG_MAGIC, Record, RecordType, Recovery, recover, repair
from .ops import OPS
from .recorded_orders import RecordedEngine, RecordedL3Book
from .recorder import DURABILITY, LogWriteError, RecordedBook, Recorder
from .replayer import Replay, replay

__all__ = [
    "DURABILITY",
    "LOG_MAGIC",
    "OPS",
    "Checkpoint",
    "DumpInfo",
    "LogWriteError",
    "Record",
    "RecordType",
    "RecordedBook",
    "RecordedEngine",
    "RecordedL3Book",
    "Recorder",
    "Recovery",
    "Replay",
    "Shape",
    "StateSnapshot",
    "dump_info",
    "dumps",
    "load_into",
    "loads",
    "recover",
    "repair",
    "replay",
]
