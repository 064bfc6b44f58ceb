"""An independent, deliberately plain model of a tapebook :class:`~tapebook.L3Book`.

Written from CONTRACT.md section 5 and docs/semantics.md (the L3 section), sharing
no code with the C core: a dict ``order_id -> [side, px, qty]`` and a dict
``(side, px) -> deque of order ids`` (front of the queue first). Every refused
operation raises :class:`RefL3Error` with the name of the C status and changes
nothing; the checks run in the documented order (side, price, quantity, ids,
capacity, level total).
"""

from __future__ import annotations

from collections import deque

__all__ = ["RefL3Book", "RefL3Error"]


class RefL3Error(Exception):
    """A refused operation; ``code`` is one of ``side``, ``price``, ``badarg``,
    ``duplicate``, ``unknown``, ``full``, ``overflow``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RefL3Book:
    """The model: ``orders[id] = [side, px, qty]``, ``queues[(side, px)] = deque(ids)``."""

    def __init__(
        self, price_bits: int = 64, n: int = 1024, max_orders: int = 1_000_000, max_cap: int = 4096
    ) -> None:
        self.qmax = 2**price_bits - 1
        tmin, tmax = -(2 ** (price_bits - 1)), 2 ** (price_bits - 1) - 1
        self.pmin, self.pmax = tmin + n, tmax - n
        self.max_orders = max_orders
        self.max_cap = max_cap
        self.orders: dict[int, list[int]] = {}
        self.queues: dict[tuple[int, int], deque[int]] = {}

    # ---- helpers -------------------------------------------------------------------

    def _total(self, side: int, px: int) -> int:
        return sum(self.orders[i][2] for i in self.queues.get((side, px), ()))

    def _side_levels(self, side: int) -> int:
        return sum(1 for s, _ in self.queues if s == side)

    def _check_level(
        self, side: int, px: int, qty: int, leaving: int | None = None, frees_level: bool = False
    ) -> None:
        if (side, px) in self.queues:
            total = self._total(side, px)
            if leaving is not None and self.orders[leaving][0] == side and self.orders[leaving][1] == px:
                total -= self.orders[leaving][2]
            if total + qty > self.qmax:
                raise RefL3Error("overflow")
        elif self._side_levels(side) + 1 - int(frees_level) > self.max_cap:
            raise RefL3Error("full")

    def _unlink(self, oid: int) -> None:
        side, px, _ = self.orders[oid]
        q = self.queues[(side, px)]
        q.remove(oid)
        if not q:
            del self.queues[(side, px)]

    def _link(self, oid: int) -> None:
        side, px, _ = self.orders[oid]
        self.queues.setdefault((side, px), deque()).append(oid)

    def _alone(self, oid: int) -> bool:
        side, px, _ = self.orders[oid]
        return len(self.queues[(side, px)]) == 1

    def _need(self, oid: int) -> list[int]:
        if oid not in self.orders:
            raise RefL3Error("unknown")
        return self.orders[oid]

    # ---- operations ------------------------------------------------------------------

    def add(self, oid: int, side: int, px: int, qty: int) -> None:
        if side not in (0, 1):
            raise RefL3Error("side")
        if not self.pmin <= px <= self.pmax:
            raise RefL3Error("price")
        if qty == 0:
            raise RefL3Error("badarg")
        if oid in self.orders:
            raise RefL3Error("duplicate")
        if len(self.orders) >= self.max_orders:
            raise RefL3Error("full")
        self._check_level(side, px, qty)
        self.orders[oid] = [side, px, qty]
        self._link(oid)

    def cancel(self, oid: int) -> None:
        self._need(oid)
        self._unlink(oid)
        del self.orders[oid]

    def reduce(self, oid: int, qty: int) -> None:
        o = self._need(oid)
        if qty == 0 or qty > o[2]:
            raise RefL3Error("badarg")
        o[2] -= qty
        if o[2] == 0:
            self.cancel(oid)

    execute = reduce

    def modify(self, oid: int, qty: int) -> None:
        o = self._need(oid)
        if qty == 0:
            raise RefL3Error("badarg")
        if qty <= o[2]:
            o[2] = qty
            return
        if self._total(o[0], o[1]) - o[2] + qty > self.qmax:
            raise RefL3Error("overflow")
        self._unlink(oid)
        o[2] = qty
        self._link(oid)

    def amend(self, oid: int, px: int, qty: int) -> None:
        o = self._need(oid)
        if qty == 0:
            raise RefL3Error("badarg")
        if not self.pmin <= px <= self.pmax:
            raise RefL3Error("price")
        if px == o[1]:
            self.modify(oid, qty)
            return
        self._check_level(o[0], px, qty, frees_level=self._alone(oid))
        self._unlink(oid)
        o[1], o[2] = px, qty
        self._link(oid)

    def replace(self, old: int, new: int, px: int, qty: int) -> None:
        o = self._need(old)
        if qty == 0:
            raise RefL3Error("badarg")
        if not self.pmin <= px <= self.pmax:
            raise RefL3Error("price")
        if new != old and new in self.orders:
            raise RefL3Error("duplicate")
        self._check_level(o[0], px, qty, leaving=old, frees_level=self._alone(old))
        side = o[0]
        self.cancel(old)
        self.orders[new] = [side, px, qty]
        self._link(new)

    def clear(self) -> None:
        self.orders.clear()
        self.queues.clear()

    def apply_mbo_row(self, action: int, oid: int, side: int, px: int, qty: int) -> str | None:
        """One apply_mbo row: None when applied, else the refusal code."""
        try:
            if action == ord("A"):
                self.add(oid, side, px, qty)
            elif action == ord("C"):
                self.reduce(oid, qty) if qty else self.cancel(oid)
            elif action == ord("M"):
                self.amend(oid, px, qty)
            elif action == ord("E"):
                self.execute(oid, qty)
            elif action == ord("R"):
                self.clear()
            else:
                raise RefL3Error("badarg")
        except RefL3Error as e:
            return e.code
        return None

    # ---- queries -------------------------------------------------------------------------

    def order(self, oid: int) -> tuple[int, bool, int, int] | None:
        o = self.orders.get(oid)
        return None if o is None else (oid, bool(o[0]), o[1], o[2])

    def queue_position(self, oid: int) -> tuple[int, int]:
        side, px, _ = self._need(oid)
        q = list(self.queues[(side, px)])
        ahead = q[: q.index(oid)]
        return len(ahead), sum(self.orders[i][2] for i in ahead)

    def level_orders(self, side: int, px: int) -> list[tuple[int, int]]:
        return [(i, self.orders[i][2]) for i in self.queues.get((side, px), ())]

    def levels(self, side: int, k: int | None = None) -> list[tuple[int, int]]:
        pxs = sorted((p for s, p in self.queues if s == side), reverse=bool(side))
        return [(p, self._total(side, p)) for p in pxs[:k]]

    def bbo(self) -> tuple[int | None, int, int | None, int]:
        b, a = self.levels(1, 1), self.levels(0, 1)
        return (b[0][0] if b else None, b[0][1] if b else 0, a[0][0] if a else None, a[0][1] if a else 0)

    def __len__(self) -> int:
        return len(self.orders)
