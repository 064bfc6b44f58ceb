"""Test helpers for tapebook and for code built on it (like ``numpy.testing``).

The library never imports this package: ``import tapebook`` loads none of it
(a test checks ``sys.modules``), so it costs nothing to users who do not test.
It is shipped so that your own tests can use the same oracle and the same
streams as tapebook's::

    from tapebook.testing import RefBook, market_stream

    stream = market_stream(10_000, seed=1)
    model = RefBook(n=256, price_bits=32, max_cap=64)
    for s, p, q in zip(stream.sides.tolist(), stream.prices.tolist(), stream.qtys.tolist()):
        model.set(s, p, q)

Modules:

* :mod:`tapebook.testing.reference` — :class:`RefBook` / :class:`RefPool`, a
  plain-Python model of a Book and a SpillPool written from
  ``docs/semantics.md`` alone (no shared code, not even the compiled module),
  exact down to eviction, pool exhaustion and every counter.
* :mod:`tapebook.testing.streams` — seeded synthetic update streams
  (:func:`market_stream`, :func:`clustered_stream`, :func:`uniform_stream`).
* :mod:`tapebook.testing.l3_reference` — :class:`RefL3Book`, a naive model of an
  order-level book (dict id -> order, dict price -> FIFO) from docs/semantics.md §6, the
  oracle of the :class:`~tapebook.L3Book` tests and of the L3 feed decoders.
* :mod:`tapebook.testing.itch_writer` — :class:`ItchWriter`, a NASDAQ
  TotalView-ITCH 5.0 encoder written from the spec (fixtures for the ``itch`` feed).
* :mod:`tapebook.testing.fuzz` — the differential fuzzer behind ``python -m
  tapebook fuzz`` (suites of operations applied to real objects and to the
  model side by side, shrinking of failures); imported only when used.

``docs/testing.md`` in the repository describes them in more detail.
"""

from __future__ import annotations

from .l3_reference import RefL3Book, RefL3Error
from .reference import RefBook, RefError, RefMemoryError, RefPool, UnboundedBook
from .streams import Stream, clustered_stream, market_stream, uniform_stream

__all__ = [
    "RefBook",
    "RefError",
    "RefL3Book",
    "RefL3Error",
    "RefMemoryError",
    "RefPool",
    "Stream",
    "UnboundedBook",
    "clustered_stream",
    "market_stream",
    "uniform_stream",
]
