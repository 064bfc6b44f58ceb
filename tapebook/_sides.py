"""``book.bids`` / ``book.asks``: one side of a book as a ``MutableMapping`` of price -> qty.

The view holds no state of its own: every read asks the book, every write is
``book.set``. It works over anything with the per-call API (``qty_at``, ``set``,
``depth``, ``levels``), so a :class:`~tapebook.persist.RecordedBook`'s views
record their writes. Iteration, ``keys()``, ``values()`` and ``items()`` run
best first (bids descending, asks ascending) and read the side in one call.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from typing import Any, Protocol

from . import _args
from .errors import ArgumentTypeError, IntegerRangeError, InvalidArgumentError, TapebookError

# a key that can never be a level (not an integer, or outside the book's types or
# range) is "not in" the side, as with a dict; a closed or busy book still raises
_NOT_A_PRICE = (ArgumentTypeError, IntegerRangeError, InvalidArgumentError)


class _PerCallBook(Protocol):  # what the view needs: a Book, a PooledBook or a RecordedBook
    def qty_at(self, side: int, px: int) -> int: ...
    def set(self, side: int, px: int, qty: int) -> Any: ...
    def depth(self, side: int) -> int: ...
    def levels(self, side: int, k: int = 10) -> list[tuple[int, int]]: ...


class SideView(MutableMapping[int, int]):
    """One side of a book, read and written like a ``dict`` of price -> qty.

    ``bids[px]`` is the quantity (``KeyError`` when there is no level),
    ``bids[px] = q`` is ``book.set(side, px, q)`` (0 removes), ``del bids[px]``
    removes a level (``KeyError`` when absent), ``bids.get(px)`` gives ``None``
    (or the default) for an absent price (or a key that is not a price), ``px in bids`` is True when a level
    is there. ``keys()``, ``values()``, ``items()``, ``dict(bids)``, ``==``
    (against any mapping), ``update``, ``pop`` and ``clear`` behave as for a
    dict; iteration is best first. ``bids.index(i)`` is the i-th best level,
    as in bmoscon's ``order-book``. A closed or busy book raises its error
    from every call, ``in`` included.
    """

    __slots__ = ("_book", "_side")

    def __init__(self, book: _PerCallBook, side: int) -> None:
        self._book = book
        self._side = side

    @property
    def _name(self) -> str:
        return "bids" if self._side else "asks"

    def __getitem__(self, px: int) -> int:
        try:
            q = self._book.qty_at(self._side, px)
        except _NOT_A_PRICE as e:
            if isinstance(e, ArgumentTypeError):
                raise
            raise KeyError(px) from None  # outside the book's range: never a level
        except TapebookError as e:
            raise _args.renamed(e, f"{self._name}[]") from None
        if not q:
            raise KeyError(px)
        return q

    def get(self, px: int, default: Any = None) -> Any:
        """Quantity at ``px``, or ``default`` (None) when there is no level there."""
        try:
            return self[px]
        except (KeyError, ArgumentTypeError):  # like ``in``: what cannot be a level is absent
            return default

    def __setitem__(self, px: int, qty: int) -> None:
        try:
            self._book.set(self._side, px, qty)
        except _NOT_A_PRICE:
            raise
        except TapebookError as e:
            raise _args.renamed(e, f"{self._name}[]=") from None

    def __delitem__(self, px: int) -> None:
        self[px]  # KeyError when absent (as a dict)
        self._book.set(self._side, px, 0)

    def __contains__(self, px: object) -> bool:
        try:
            return bool(self._book.qty_at(self._side, px))  # type: ignore[arg-type]
        except _NOT_A_PRICE:
            return False
        except TapebookError as e:
            raise _args.renamed(e, f"in {self._name}") from None

    def __len__(self) -> int:
        try:
            return self._book.depth(self._side)
        except TapebookError as e:
            raise _args.renamed(e, f"len({self._name})") from None

    def _levels(self, call: str) -> list[tuple[int, int]]:
        try:
            return self._book.levels(self._side, self._book.depth(self._side))
        except TapebookError as e:
            raise _args.renamed(e, call) from None

    def __iter__(self) -> Iterator[int]:
        return iter([px for px, _ in self._levels(f"iter({self._name})")])

    def keys(self) -> KeysView[int]:
        """The prices, best first (a live view, as ``dict.keys()``)."""
        return _Keys(self)

    def values(self) -> ValuesView[int]:
        """The quantities, best first."""
        return _Values(self)

    def items(self) -> ItemsView[int, int]:
        """The ``(px, qty)`` levels, best first."""
        return _Items(self)

    def clear(self) -> None:
        """Remove every level of this side (one ``set(side, px, 0)`` each, so a
        recorded book logs them); the other side is untouched."""
        for px, _ in self._levels(f"{self._name}.clear"):
            self._book.set(self._side, px, 0)

    def update(self, other: Any = (), /, **kw: Any) -> None:
        """Set every ``px: qty`` of a mapping or an iterable of pairs (qty 0 removes)."""
        if kw:
            raise ArgumentTypeError(f"{self._name}.update: prices are integers, not keywords ({sorted(kw)})")
        pairs: Iterable[tuple[int, int]] = other.items() if isinstance(other, Mapping) else other
        for px, qty in pairs:
            self[px] = qty

    def index(self, i: int) -> tuple[int, int]:
        """The i-th best level ``(px, qty)`` (0 = best); ``IndexError`` past the last."""
        i = _args.as_int("i", i)
        if i < 0:
            raise IndexError(i)
        try:
            lv = self._book.levels(self._side, i + 1)
        except TapebookError as e:
            raise _args.renamed(e, f"{self._name}.index") from None
        if len(lv) <= i:
            raise IndexError(i)
        return lv[i]

    def to_dict(self) -> dict[int, int]:
        """``{px: qty}`` best first."""
        return dict(self._levels(f"{self._name}.to_dict"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self.to_dict() == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content like a dict

    def __repr__(self) -> str:
        return f"<{self._name} of {self._book!r}>"


class _Keys(KeysView[int]):
    _mapping: SideView

    def __iter__(self) -> Iterator[int]:
        return iter([px for px, _ in self._mapping._levels(f"{self._mapping._name}.keys")])


class _Values(ValuesView[int]):
    _mapping: SideView

    def __iter__(self) -> Iterator[int]:
        return iter([q for _, q in self._mapping._levels(f"{self._mapping._name}.values")])


class _Items(ItemsView[int, int]):
    _mapping: SideView

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._mapping._levels(f"{self._mapping._name}.items"))

    def __eq__(self, other: object) -> bool:
        # items() returned a best-first list before the views became Mappings: comparing
        # with a list or tuple of (px, qty) still compares the levels in that order
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]
