"""LOBSTER message lines -> numeric columns, a chunk at a time in numpy.

A line in the plain form LOBSTER writes — ``Time`` digits with an optional
``.`` and at most 9 decimals, then five integers (an optional ``-``, 1-18
digits), six fields, no other bytes — is parsed here without Python per line;
any other line (spaces, ``\\r``, ``+``, a seventh field, an empty line, a
malformed one) goes to the reader's own line parser, which is the reference
(``LobsterReader._message``), so the errors and their reasons are its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_FIELDS = 6
_MAX_DIGITS = 18  # an int64 holds every 18-digit number
_POW10 = 10 ** np.arange(_MAX_DIGITS, dtype=np.int64)[::-1]
COLUMNS = ("ts", "etype", "oid", "size", "price", "direction")
#: event types that change no order: the counter each is counted in
SKIPPED_EVENTS = {5: "hidden_execution", 6: "cross_trade", 7: "trading_halt"}


@dataclass
class Lines:
    """The chunk's lines: ``empty`` (no message), ``note`` (index -> why it is not a
    message line), and the six columns (raw units; ``ts`` in ns) of the others."""

    n: int
    empty: np.ndarray
    notes: dict[int, str]
    cols: dict[str, np.ndarray]


_NOT_DIGIT = np.ones(256, bool)
_NOT_DIGIT[48:58] = False


def _specials(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bytes other than digits (a few a line, so the per-line work is on them, not on
    every byte): buf, line starts and ends, and the other bytes' positions and values."""
    buf = np.frombuffer(data, np.uint8)
    at = np.flatnonzero(_NOT_DIGIT[buf])
    val = buf[at]
    is_nl = val == 10
    nl = at[is_nl]
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(buf)]))
    return buf, starts, ends, at[~is_nl], val[~is_nl]


def _digits(buf: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The numbers written (digits only, 0-18 of them) in buf[s:e]."""
    if not len(s):
        return np.zeros(0, np.int64)
    width = max(int((e - s).max()), 1)
    idx = e[:, None] - width + np.arange(width)
    d = np.where(idx >= s[:, None], buf[np.clip(idx, 0, len(buf) - 1)].astype(np.int64) - 48, 0)
    return d @ _POW10[_MAX_DIGITS - width :]


def parse(data: bytes, message: Callable[[bytes], tuple[int, ...]]) -> Lines:
    """The lines of one chunk; ``message`` parses one line the reference way (raising
    ValueError with the reason)."""
    buf, starts, ends, at, val = _specials(data)
    n = len(starts)
    line_of = np.searchsorted(ends, at)  # the line each byte is in (ends hold the newlines)
    is_comma = val == 44
    per_line = np.bincount(line_of, minlength=n)
    commas_per_line = np.bincount(line_of[is_comma], minlength=n)
    other = per_line - commas_per_line - np.bincount(line_of[(val == 46) | (val == 45)], minlength=n)
    canon = (commas_per_line == _FIELDS - 1) & (other == 0)
    commas = at[is_comma]
    commas = commas[canon[line_of[is_comma]]].reshape(-1, _FIELDS - 1)
    rows = np.flatnonzero(canon)
    fs = np.concatenate((starts[rows, None], commas + 1), axis=1)  # (m, 6) field starts
    fe = np.concatenate((commas, ends[rows, None]), axis=1)  # field ends
    # dots and dashes of the canonical lines, per field (their comma rank in the line)
    slot = np.full(n, -1)
    slot[rows] = np.arange(len(rows))
    mark = (val == 46) | (val == 45)
    mark &= canon[line_of]
    m_at, m_row = at[mark], slot[line_of[mark]]
    field = (commas[m_row] < m_at[:, None]).sum(axis=1) if len(m_at) else np.zeros(0, np.int64)
    cell, m_val = m_row * _FIELDS + field, val[mark]
    dots, dashes = (np.bincount(cell[m_val == c], minlength=fs.size).reshape(fs.shape) for c in (46, 45))
    signed = buf[np.minimum(fs[:, 1:], len(buf) - 1)] == 45
    ok = (dots[:, 1:] == 0).all(axis=1) & (dots[:, 0] <= 1) & (dashes[:, 0] == 0)
    ok &= ((dashes[:, 1:] == 0) | ((dashes[:, 1:] == 1) & signed)).all(axis=1)
    ns = fs[:, 1:] + signed  # the digits of the integer fields
    ok &= ((fe[:, 1:] - ns >= 1) & (fe[:, 1:] - ns <= _MAX_DIGITS)).all(axis=1)
    # Time: whole seconds (1-9 digits) and 0-9 decimals
    has_dot = dots[:, 0] == 1
    dot_at = fe[:, 0].copy()  # the dot, or the field's end
    if has_dot.any():
        where = m_at[m_val == 46]  # in order (at is)
        dot_at[has_dot] = where[np.searchsorted(where, fs[has_dot, 0])]
    frac_len = np.where(has_dot, fe[:, 0] - dot_at - 1, 0)
    ok &= (dot_at - fs[:, 0] >= 1) & (dot_at - fs[:, 0] <= 9) & (frac_len <= 9)
    canon[rows[~ok]] = False
    rows, fs, fe, ns, signed, dot_at, frac_len, has_dot = (
        a[ok] for a in (rows, fs, fe, ns, signed, dot_at, frac_len, has_dot)
    )

    cols = {name: np.zeros(n, np.int64) for name in COLUMNS}
    whole = _digits(buf, fs[:, 0], dot_at)
    frac = _digits(buf, np.where(has_dot, dot_at + 1, fe[:, 0]), fe[:, 0])
    cols["ts"][rows] = whole * 1_000_000_000 + frac * 10 ** (9 - frac_len)
    for k, name in enumerate(COLUMNS[1:], start=1):
        v = _digits(buf, ns[:, k - 1], fe[:, k])
        cols[name][rows] = np.where(signed[:, k - 1], -v, v)

    empty = np.zeros(n, bool)
    notes: dict[int, str] = {}
    for i in np.flatnonzero(~canon).tolist():  # the reference parser, line by line
        raw = data[starts[i] : ends[i]]
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if not raw.strip():
            empty[i] = True
            continue
        try:
            m = message(raw)
        except ValueError as e:
            notes[i] = str(e)
            continue
        for name, v in zip(COLUMNS[:5], m[:5], strict=True):
            cols[name][i] = v
        cols["direction"][i] = 1 if m[5] else -1
    return Lines(n, empty, notes, cols)
