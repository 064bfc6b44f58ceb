"""A read-only :class:`~tapebook.L3Book` over an L3 book someone else owns.

:attr:`tapebook.MatchingEngine.book` is one: the engine's own C L3 book seen
through the whole L3Book query API (``order``, ``queue_position``,
``level_orders``, ``len``, ``levels``, ``top``, ``bbo``, ``snapshot``,
``stats``, ``dumps``, ...) with nothing copied, so every answer is the book as
it is now. The methods that would change the book raise
:class:`~tapebook.errors.ReadOnlyError`: the owner changes it (the engine keeps
owners and emits events, which a direct ``add`` would bypass).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from . import _l3native as l3n
from .errors import ReadOnlyError
from .l3book import L3Book

#: L3Book methods that change the book (or free it), refused by the view with the reason
MUTATORS = (
    "add",
    "cancel",
    "reduce",
    "execute",
    "modify",
    "amend",
    "replace",
    "clear",
    "reset",
    "apply_mbo",
    "apply_mbo_bbo",
    "load_into",
    "recenter_bid",
    "recenter_ask",
    "close",
)


class L3BookView(L3Book):
    """An :class:`L3Book` over a C L3 book owned by ``owner`` (kept alive by the view).

    Not constructed by users: :attr:`MatchingEngine.book` returns one. Queries
    read the owner's book directly; the methods in :data:`MUTATORS` raise
    :class:`ReadOnlyError`. ``dumps`` and pickling copy the orders into a
    plain :class:`L3Book` (``L3Book.loads``), which is writable."""

    __slots__ = ("_owner", "_why")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ReadOnlyError("L3BookView is not constructed directly: it is MatchingEngine.book")

    @classmethod
    def _borrow(
        cls, v: l3n.L3Variant, ptr: Any, owner: Any, max_orders: int, max_cap: int, why: str
    ) -> L3BookView:
        """A view of the C L3 book ``ptr`` (of variant ``v``) that ``owner`` owns."""
        self = cls.__new__(cls)  # HotL3's: the C base class needs its own __new__
        self._owner = owner  # the C memory lives as long as the owner does
        self._why = why
        self._attach(v, ptr, None, max_orders, max_cap)
        return self

    @classmethod
    def loads(cls, data: Any, *args: Any, **kwargs: Any) -> L3Book:  # type: ignore[override]
        """A new, writable :class:`L3Book` from dump bytes (see :meth:`L3Book.loads`)."""
        return L3Book.loads(data, *args, **kwargs)

    def __repr__(self) -> str:
        return "<read-only view of " + super().__repr__()[1:]


def _refuse(name: str) -> Callable[..., NoReturn]:
    def refuse(self: L3BookView, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReadOnlyError(f"L3BookView.{name}: the book is read only; {self._why}")

    refuse.__name__ = name
    refuse.__qualname__ = f"L3BookView.{name}"
    refuse.__doc__ = f"Refused (:class:`ReadOnlyError`): the view cannot ``{name}``."
    return refuse


for _name in MUTATORS:
    setattr(L3BookView, _name, _refuse(_name))
del _name
