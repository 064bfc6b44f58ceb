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


@dataclass
class Lines:
    """The chunk's lines: ``empty`` (no message), ``note`` (index -> why it is not a
    message line), and the six columns (raw units; ``ts`` in ns) of the others."""

    n: int
    empty: np.ndarray
    notes: dict[int, str]
    cols: dict[str, np.ndarray]


def _bounds(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buf = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(buf)]))
    return buf, starts, ends


def _per_line(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many bytes of each line the mask holds."""
    c = np.concatenate(([0], np.cumsum(mask)))
    return c[ends] - c[starts]


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
    buf, starts, ends = _bounds(data)
    n = len(starts)
    comma, dot, dash = buf == 44, buf == 46, buf == 45
    plain = ((buf - 48) < 10) | comma | dot | dash
    canon = (_per_line(comma, starts, ends) == _FIELDS - 1) & (_per_line(~plain, starts, ends) == 0)
    commas = np.flatnonzero(comma)
    commas = commas[canon[np.searchsorted(starts, commas, "right") - 1]].reshape(-1, _FIELDS - 1)
    rows = np.flatnonzero(canon)
    fs = np.concatenate((starts[rows, None], commas + 1), axis=1)  # (m, 6) field starts
    fe = np.concatenate((commas, ends[rows, None]), axis=1)  # field ends
    dots = _per_line(dot, fs.ravel(), fe.ravel()).reshape(fs.shape)
    dashes = _per_line(dash, fs.ravel(), fe.ravel()).reshape(fs.shape)
    signed = buf[np.minimum(fs[:, 1:], len(buf) - 1)] == 45
    ok = (dots[:, 1:] == 0).all(axis=1) & (dots[:, 0] <= 1) & (dashes[:, 0] == 0)
    ok &= ((dashes[:, 1:] == 0) | ((dashes[:, 1:] == 1) & signed)).all(axis=1)
    ns = fs[:, 1:] + signed  # the digits of the integer fields
    ok &= ((fe[:, 1:] - ns >= 1) & (fe[:, 1:] - ns <= _MAX_DIGITS)).all(axis=1)
    # Time: whole seconds (1-9 digits) and 0-9 decimals
    has_dot = dots[:, 0] == 1
    dot_at = np.where(has_dot, fe[:, 0], fe[:, 0])
    if has_dot.any():
        where = np.flatnonzero(dot)
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
