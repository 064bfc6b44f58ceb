"""Instrument configuration: a TOML file describing instruments becomes
multi-book pools with named books (:func:`load_config`), and each
:class:`Instrument` converts decimal prices and sizes to integer ticks and
lots exactly — and back.

File format (``tapebook/data/instruments.toml``, the demo's, is a complete example)::

    [pool]                     # optional; these are the defaults
    levels = 131072            # spill arena of each MultiBookPool, in levels
    policy = "refuse"          # or "fallback" (exhausted arena -> heap)
    tiers = [1024, 256, 64]    # tape size N of the high / medium / low tiers
    max_cap = 4096             # default spill capacity per side
    spare_slots = 0            # free book slots per tier beyond the configured books

    [[instrument]]
    symbol = "BTC-USD"         # unique
    tier = "high"              # high | medium | low
    tick_size = "0.01"         # Decimal > 0 (a string, an integer, or a TOML float read exactly)
    lot_size = "0.00001"       # Decimal > 0
    price_bits = 64            # 32 (default) or 64
    max_cap = 8192             # optional, default [pool].max_cap
    reference_price = "65000"  # a whole number of ticks; the tapes are centred on it
    # anchor = 6499488         # or the first tape price in ticks (exactly one of the two)
    id = 1                     # optional instrument id (default: position in the file, from 1)

Books of one :class:`~tapebook.MultiBookPool` must share a price width, so a
file that mixes 32- and 64-bit instruments gets one pool per width (each with
the ``[pool]`` settings); :attr:`Venue.pools` maps ``price_bits`` to its pool.
Every validation error is a :class:`ConfigError` naming the instrument and
the field.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

import numpy as np

from . import _decimal as dcol
from . import _native as nat
from .errors import ArgumentTypeError, InvalidArgumentError, TapebookError
from .multi import MultiBookPool, MultiBookPoolStats, PooledBook

TIERS = ("high", "medium", "low")
_POOL_KEYS = {"levels", "policy", "tiers", "max_cap", "spare_slots"}
_INSTRUMENT_KEYS = {
    "symbol",
    "tier",
    "tick_size",
    "lot_size",
    "price_bits",
    "max_cap",
    "reference_price",
    "anchor",
    "id",
}


class ConfigError(InvalidArgumentError):
    """An instrument configuration is invalid; the message names the
    instrument (or ``[pool]``) and the field."""


_MAX_EXPONENT = 1000  #: decimal exponents a price, tick or lot size may have


def _decimal(value: Any) -> Decimal:
    """An exact Decimal from a Decimal, int or str (floats are refused: they
    are not exact). Error messages leave the caller to name the field."""
    if isinstance(value, bool):
        raise ArgumentTypeError("must be a decimal number, got a bool")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidArgumentError(f"{value!r} is not a decimal number") from None
    elif isinstance(value, float):
        raise ArgumentTypeError(
            f"{value!r} is a float, which is not exact: pass a str or Decimal (e.g. {str(value)!r})"
        )
    else:
        raise ArgumentTypeError(f"must be a Decimal, int or str, got {type(value).__name__}")
    if not d.is_finite():
        raise InvalidArgumentError(f"{value!r} is not a finite number")
    if d and not -_MAX_EXPONENT <= d.adjusted() <= _MAX_EXPONENT:
        # exact arithmetic on such a number raises decimal's own errors (issue #12.11)
        raise InvalidArgumentError(
            f"{value!r} is outside the supported magnitude 1e-{_MAX_EXPONENT} .. 1e{_MAX_EXPONENT}"
        )
    return d


def _exact_quotient(value: Decimal, unit: Decimal) -> int | None:
    """value / unit when it is a whole number, else None (no rounding anywhere)."""
    with localcontext() as ctx:
        ctx.prec = max(60, len(value.as_tuple().digits) + len(unit.as_tuple().digits) + 10)
        ctx.traps[Inexact] = True
        try:
            q = value / unit
        except Inexact:
            return None
        if q != q.to_integral_value():
            return None
        return int(q)


@dataclass(frozen=True)
class Instrument:
    """An instrument and its exact tick / lot conversions.

    Standalone, only the two sizes are needed (decimal strings, ``Decimal`` or
    int — never float)::

        btc = Instrument(tick_size="0.01", lot_size="0.00000001")
        btc.prices_to_ticks(["65000.10", "1e-02"])      # int64 array [6500010, 1]
        btc.sizes_to_lots(arrow_column)                 # uint64 array, one C call
        btc.ticks_to_prices(ticks)                      # Decimals (or kind="float" / "str")

    The other fields describe the book a configuration file (:func:`load_config`)
    builds for it; a standalone instrument gets a 64-bit book's defaults.
    """

    symbol: str = ""
    tier: str = "high"
    tick_size: Decimal = Decimal(1)
    lot_size: Decimal = Decimal(1)
    price_bits: int = 64
    max_cap: int = 4096
    n: int = 1024  #: tape size of its tier
    anchor: int = 0  #: first price of the tapes, in ticks
    reference_price: Decimal | None = None
    instrument_id: int = 0

    def __post_init__(self) -> None:
        for f in ("tick_size", "lot_size"):
            d = self._dec(getattr(self, f), f)
            if d <= 0:
                raise self._err(f, f"must be > 0, got {d}")
            object.__setattr__(self, f, d)
        if self.price_bits not in (32, 64) or isinstance(self.price_bits, bool):
            raise self._err("price_bits", f"must be 32 or 64, got {self.price_bits!r}")
        if (self.price_bits, self.n) not in nat.BOOKS:
            raise self._err("n", f"{self.n!r} is not a shipped tape size {nat.TAPE_SIZES}")

    @property
    def price_range(self) -> tuple[int, int]:
        """Valid prices in ticks (inclusive) of this instrument's book."""
        v = nat.BOOKS[(self.price_bits, self.n)]
        return v.pmin, v.pmax

    def _err(self, field_: str, msg: str) -> ConfigError:
        if not self.symbol:
            return ConfigError(f"instrument: {field_}: {msg}")
        return ConfigError(f"instrument {self.symbol!r}: {field_}: {msg}")

    def _dec(self, value: Any, field_: str) -> Decimal:
        try:
            return _decimal(value)
        except ArgumentTypeError as e:
            who = f"instrument {self.symbol!r}" if self.symbol else "instrument"
            raise ArgumentTypeError(f"{who}: {field_}: {e}") from None
        except InvalidArgumentError as e:
            raise self._err(field_, str(e)) from None

    def price_to_ticks(self, price: Decimal | int | str) -> int:
        """A decimal price as integer ticks, exactly. Raises :class:`ConfigError`
        when it is not a whole number of ticks or outside the book's price range."""
        d = self._dec(price, "price")
        ticks = _exact_quotient(d, self.tick_size)
        if ticks is None:
            raise self._err("price", f"{d} is not a whole number of ticks (tick_size {self.tick_size})")
        lo, hi = self.price_range
        if not lo <= ticks <= hi:
            raise self._err("price", f"{d} is {ticks} ticks, outside the book's price range [{lo}, {hi}]")
        return ticks

    def ticks_to_price(self, ticks: int) -> Decimal:
        """Integer ticks as a decimal price (exact)."""
        with localcontext() as ctx:
            ctx.prec = 80
            return Decimal(int(ticks)) * self.tick_size

    def size_to_lots(self, size: Decimal | int | str) -> int:
        """A decimal size as integer lots, exactly (>= 0, fits the quantity type)."""
        d = self._dec(size, "size")
        lots = _exact_quotient(d, self.lot_size)
        if lots is None:
            raise self._err("size", f"{d} is not a whole number of lots (lot_size {self.lot_size})")
        qmax = nat.FAMILIES[self.price_bits].qty_max
        if not 0 <= lots <= qmax:
            raise self._err("size", f"{d} is {lots} lots, outside [0, {qmax}]")
        return lots

    def lots_to_size(self, lots: int) -> Decimal:
        """Integer lots as a decimal size (exact)."""
        with localcontext() as ctx:
            ctx.prec = 80
            return Decimal(int(lots)) * self.lot_size

    # ---- whole columns (one C call each; tb_decimal.h) -------------------------------

    @property
    def price_decimals(self) -> int:
        """Fraction digits of the tick size (0.01 -> 2): the precision of a price string."""
        return self._units()[0].decimals

    @property
    def size_decimals(self) -> int:
        """Fraction digits of the lot size."""
        return self._units()[1].decimals

    def _units(self) -> tuple[dcol.Unit, dcol.Unit]:
        u = self.__dict__.get("_unit_cache")
        if u is None:
            u = (
                dcol.Unit(self.tick_size, "tick_size"),
                dcol.Unit(self.lot_size, "lot_size"),
            )
            object.__setattr__(self, "_unit_cache", u)
        return u

    def prices_to_ticks(self, prices: Any) -> np.ndarray:
        """A column of decimal price strings as int64 ticks, exactly.

        ``prices``: a list of str / bytes (or Decimal / int), a numpy ``S`` / ``U``
        / object array, or an Arrow string array (read in place). Scientific
        notation, a leading '+' and trailing zeros are fine; floats are refused.
        Raises :class:`~tapebook._decimal.DecimalColumnError` (a ValueError) naming
        the index and value of the first price that is not a whole number of
        ticks, not a number, or outside the book's price range.
        """
        ticks = dcol.to_units(prices, self._units()[0], unsigned=False, what="prices")
        if len(ticks):
            lo, hi = self.price_range
            bad = np.flatnonzero((ticks < lo) | (ticks > hi))
            if bad.size:
                i = int(bad[0])
                raise dcol.DecimalColumnError(
                    f"prices[{i}] is {int(ticks[i])} ticks, outside the book's price range [{lo}, {hi}]",
                    i,
                    str(int(ticks[i])),
                    "outside the price range",
                )
        return ticks

    def sizes_to_lots(self, sizes: Any) -> np.ndarray:
        """A column of decimal size strings as lots (uint64; a 32-bit instrument's
        values must fit uint32). Inputs and errors as in :meth:`prices_to_ticks`."""
        lots = dcol.to_units(sizes, self._units()[1], unsigned=True, what="sizes")
        qmax = nat.FAMILIES[self.price_bits].qty_max
        if len(lots) and qmax < 2**64 - 1:
            bad = np.flatnonzero(lots > qmax)
            if bad.size:
                i = int(bad[0])
                raise dcol.DecimalColumnError(
                    f"sizes[{i}] is {int(lots[i])} lots, outside [0, {qmax}]", i, str(int(lots[i])), "range"
                )
        return lots

    def ticks_to_prices(self, ticks: Any, kind: str = "decimal", decimals: int | None = None) -> Any:
        """Integer ticks back to prices: ``kind="decimal"`` a list of exact
        ``Decimal``; ``"float"`` a float64 array (each the double nearest to the
        exact price); ``"str"`` a numpy ``S`` array of decimal strings with
        ``decimals`` fraction digits (None: as few as exact) — e.g. the digits a
        venue checksum covers."""
        return self._back(ticks, self._units()[0], False, kind, decimals)

    def lots_to_sizes(self, lots: Any, kind: str = "decimal", decimals: int | None = None) -> Any:
        """Integer lots back to sizes; ``kind`` and ``decimals`` as in :meth:`ticks_to_prices`."""
        return self._back(lots, self._units()[1], True, kind, decimals)

    @staticmethod
    def _back(values: Any, unit: dcol.Unit, unsigned: bool, kind: str, decimals: int | None) -> Any:
        if kind not in ("decimal", "float", "str"):
            raise InvalidArgumentError(f"kind={kind!r} must be 'decimal', 'float' or 'str'")
        s = dcol.from_units(values, unit, unsigned, decimals)
        if kind == "str":
            return s
        if kind == "float":
            # numpy parses decimal strings with correct rounding: the nearest double
            return s.astype(np.float64) if len(s) else np.empty(0, dtype=np.float64)
        return [Decimal(x.decode()) for x in s.tolist()]


@dataclass(frozen=True)
class PoolConfig:
    """The ``[pool]`` table."""

    levels: int = 131072
    policy: str = "refuse"
    tiers: tuple[int, int, int] = (1024, 256, 64)
    max_cap: int = 4096
    spare_slots: int = 0


@dataclass(frozen=True)
class Config:
    """A parsed and validated configuration (no C objects yet)."""

    pool: PoolConfig
    instruments: tuple[Instrument, ...]
    source: str = "<string>"

    def build(self) -> Venue:
        """Create the multi-book pools and allocate every instrument's book."""
        return Venue(self)


def _pool_err(field_: str, msg: str) -> ConfigError:
    return ConfigError(f"[pool]: {field_}: {msg}")


def _int_field(raw: Any, field_: str, err: Any, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise err(field_, f"must be an integer, got {raw!r}")
    if not lo <= raw <= hi:
        raise err(field_, f"{raw} is outside [{lo}, {hi}]")
    return raw


def _pow2_field(raw: Any, field_: str, err: Any, hi: int) -> int:
    v = _int_field(raw, field_, err, 1, hi)
    if v & (v - 1):
        raise err(field_, f"{v} must be a power of two")
    return v


def _parse_pool(raw: Any) -> PoolConfig:
    if raw is None:
        return PoolConfig()
    if not isinstance(raw, dict):
        raise ConfigError("[pool] must be a table")
    unknown = set(raw) - _POOL_KEYS
    if unknown:
        raise _pool_err(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_POOL_KEYS))})")
    d = PoolConfig()
    levels = _int_field(
        raw.get("levels", d.levels), "levels", _pool_err, nat.POOL_MIN_LEVELS, nat.POOL_MAX_LEVELS
    )
    policy = raw.get("policy", d.policy)
    if policy not in ("refuse", "fallback"):
        raise _pool_err("policy", f"must be 'refuse' or 'fallback', got {policy!r}")
    tiers = raw.get("tiers", list(d.tiers))
    if not isinstance(tiers, list) or tuple(tiers) not in nat.MULTI_TIERS:
        raise _pool_err(
            "tiers", f"{tiers!r} is not a shipped tier triple; choose one of {list(nat.MULTI_TIERS)}"
        )
    max_cap = _pow2_field(raw.get("max_cap", d.max_cap), "max_cap", _pool_err, nat.POOL_MAX_BLOCK)
    spare = _int_field(raw.get("spare_slots", 0), "spare_slots", _pool_err, 0, nat.MULTI_MAX_BOOKS)
    return PoolConfig(levels, policy, (tiers[0], tiers[1], tiers[2]), max_cap, spare)


def _parse_instrument(raw: Any, index: int, pool: PoolConfig) -> Instrument:
    label = f"#{index + 1}"
    if isinstance(raw, dict) and isinstance(raw.get("symbol"), str) and raw["symbol"].strip():
        label = repr(raw["symbol"])

    def err(field_: str, msg: str) -> ConfigError:
        return ConfigError(f"instrument {label}: {field_}: {msg}")

    if not isinstance(raw, dict):
        raise ConfigError(f"instrument {label}: must be a table ([[instrument]])")
    unknown = set(raw) - _INSTRUMENT_KEYS
    if unknown:
        raise err(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_INSTRUMENT_KEYS))})")
    symbol = raw.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise err("symbol", "required, a non-empty string")
    symbol = symbol.strip()
    tier = raw.get("tier")
    if not isinstance(tier, str) or tier.lower() not in TIERS:
        raise err("tier", f"must be one of {', '.join(TIERS)}, got {tier!r}")
    tier = tier.lower()
    sizes: dict[str, Decimal] = {}
    for f in ("tick_size", "lot_size"):
        if f not in raw:
            raise err(f, "required")
        try:
            d = _decimal(raw[f])
        except (InvalidArgumentError, ArgumentTypeError) as e:
            raise err(f, str(e)) from None
        if d <= 0:
            raise err(f, f"must be > 0, got {d}")
        sizes[f] = d
    bits = raw.get("price_bits", 32)
    if bits not in (32, 64) or isinstance(bits, bool):
        raise err("price_bits", f"must be 32 or 64, got {bits!r}")
    max_cap = _pow2_field(raw.get("max_cap", pool.max_cap), "max_cap", err, nat.POOL_MAX_BLOCK)
    iid = _int_field(raw.get("id", index + 1), "id", err, 0, 2**64 - 1)
    n = pool.tiers[TIERS.index(tier)]
    v = nat.BOOKS[(bits, n)]
    has_ref, has_anchor = "reference_price" in raw, "anchor" in raw
    if has_ref == has_anchor:
        raise err("reference_price", "give exactly one of reference_price (a price) and anchor (ticks)")
    ref: Decimal | None = None
    if has_anchor:
        anchor = _int_field(raw["anchor"], "anchor", err, v.amin, v.amax)
    else:
        try:
            ref = _decimal(raw["reference_price"])
        except (InvalidArgumentError, ArgumentTypeError) as e:
            raise err("reference_price", str(e)) from None
        try:
            ticks = _exact_quotient(ref, sizes["tick_size"])
        except ArithmeticError:  # decimal's InvalidOperation / Overflow: far too many digits
            raise err("reference_price", f"{ref} is too precise for tick_size {sizes['tick_size']}") from None
        if ticks is None:
            raise err(
                "reference_price", f"{ref} is not a whole number of ticks (tick_size {sizes['tick_size']})"
            )
        if not v.pmin <= ticks <= v.pmax:
            raise err(
                "reference_price",
                f"{ref} is {ticks} ticks, outside the valid price range [{v.pmin}, {v.pmax}] "
                f"of a {bits}-bit book with n={n}",
            )
        anchor = max(v.amin, min(v.amax, ticks - n // 2))
    return Instrument(
        symbol=symbol,
        tier=tier,
        tick_size=sizes["tick_size"],
        lot_size=sizes["lot_size"],
        price_bits=bits,
        max_cap=max_cap,
        n=n,
        anchor=anchor,
        reference_price=ref,
        instrument_id=iid,
    )


# what tomllib raises besides TOMLDecodeError on hostile input: RecursionError (arrays
# nested thousands deep), ValueError (an integer of thousands of digits), decimal errors
_TOML_ERRORS = (tomllib.TOMLDecodeError, RecursionError, ValueError, ArithmeticError)


def _toml_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond decimal's limits
        raise ValueError(f"the number {text[:40]} is out of range") from None


def _toml_error(source: str, e: BaseException) -> ConfigError:
    if isinstance(e, RecursionError):
        return ConfigError(f"{source}: not valid TOML: nested too deeply")
    return ConfigError(f"{source}: not valid TOML: {e}")


def parse_config(data: str | dict[str, Any], source: str = "<string>") -> Config:
    """Validate a configuration given as TOML text or as the dict ``tomllib``
    returns (read with ``parse_float=Decimal``)."""
    if isinstance(data, str):
        try:
            data = tomllib.loads(data, parse_float=_toml_decimal)
        except _TOML_ERRORS as e:
            raise _toml_error(source, e) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the configuration must be a TOML table")
    unknown = set(data) - {"pool", "instrument"}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key {sorted(unknown)[0]!r} (known: pool, instrument)")
    pool = _parse_pool(data.get("pool"))
    raw = data.get("instrument", [])
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{source}: no instruments: add at least one [[instrument]] table")
    insts = tuple(_parse_instrument(r, i, pool) for i, r in enumerate(raw))
    seen: dict[str, int] = {}
    ids: dict[int, str] = {}
    for i in insts:
        if i.symbol in seen:
            raise ConfigError(
                f"instrument {i.symbol!r}: symbol: duplicate (also instrument #{seen[i.symbol] + 1})"
            )
        seen[i.symbol] = len(seen)
        if i.instrument_id in ids:
            raise ConfigError(
                f"instrument {i.symbol!r}: id: {i.instrument_id} is also the id of {ids[i.instrument_id]!r}"
            )
        ids[i.instrument_id] = i.symbol
    return Config(pool, insts, source)


def load_config(path: str | os.PathLike[str]) -> Venue:
    """Read a TOML instrument file and build its :class:`Venue`: one
    :class:`~tapebook.MultiBookPool` per price width, a named book per
    instrument (anchored at its ``anchor`` / ``reference_price``)."""
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f, parse_float=_toml_decimal)
        except _TOML_ERRORS as e:
            raise _toml_error(os.fspath(path), e) from None
    return parse_config(data, source=os.fspath(path)).build()


@dataclass(eq=False)
class Venue:
    """The books of a configuration: ``venue["BTC-USD"]`` is a
    :class:`~tapebook.PooledBook`; :attr:`pools` maps price_bits to the
    :class:`~tapebook.MultiBookPool` holding those books."""

    config: Config
    pools: dict[int, MultiBookPool] = field(init=False)
    books: dict[str, PooledBook] = field(init=False)
    instruments: dict[str, Instrument] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        p = cfg.pool
        self.instruments = {i.symbol: i for i in cfg.instruments}
        self.pools = {}
        self.books = {}
        for bits in sorted({i.price_bits for i in cfg.instruments}):
            mine = [i for i in cfg.instruments if i.price_bits == bits]
            counts = [sum(i.tier == t for i in mine) + p.spare_slots for t in TIERS]
            for t, c in zip(TIERS, counts, strict=True):
                if c > nat.MULTI_MAX_BOOKS:
                    raise ConfigError(
                        f"{cfg.source}: [pool]: spare_slots: {c - p.spare_slots} {bits}-bit {t} instruments "
                        f"+ spare_slots {p.spare_slots} = {c} slots, "
                        f"more than a tier holds ({nat.MULTI_MAX_BOOKS})"
                    )
            try:
                self.pools[bits] = MultiBookPool(
                    high_books=counts[0],
                    medium_books=counts[1],
                    low_books=counts[2],
                    price_bits=bits,
                    max_cap=p.max_cap,
                    pool_levels=p.levels,
                    tiers=p.tiers,
                    policy=p.policy,
                )
            except TapebookError as e:  # e.g. TapebookMemoryError: too many slots for this machine
                self.close()
                raise ConfigError(
                    f"{cfg.source}: [pool]: the {bits}-bit multi-book pool ({counts[0]} high, "
                    f"{counts[1]} medium, {counts[2]} low slots incl. spare_slots={p.spare_slots}, "
                    f"levels={p.levels}) "
                    f"cannot be created: {e}"
                ) from None
        for i in cfg.instruments:
            self.books[i.symbol] = self.pools[i.price_bits].alloc(i.tier, i.anchor, max_cap=i.max_cap)

    def __getitem__(self, symbol: str) -> PooledBook:
        try:
            return self.books[symbol]
        except KeyError:
            raise KeyError(f"no instrument {symbol!r} (configured: {', '.join(self.books)})") from None

    def __iter__(self) -> Any:
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.books

    def instrument(self, symbol: str) -> Instrument:
        return self.instruments[symbol]

    @property
    def pool(self) -> MultiBookPool:
        """The only MultiBookPool (error when the file mixes price widths)."""
        if len(self.pools) != 1:
            raise InvalidArgumentError(
                f"this configuration mixes price widths {sorted(self.pools)}: use venue.pools[price_bits]"
            )
        return next(iter(self.pools.values()))

    def stats(self) -> dict[int, MultiBookPoolStats]:
        """:meth:`MultiBookPool.stats` of each pool, by price_bits."""
        return {bits: mp.stats() for bits, mp in self.pools.items()}

    def summary(self) -> str:
        """A table of the instruments and the pools, for people."""
        p = self.config.pool
        lines = [
            f"{len(self.books)} instruments from {self.config.source}; "
            f"{len(self.pools)} multi-book pool(s) ({', '.join(f'{b}-bit' for b in self.pools)}), "
            f"each: tiers N={'/'.join(map(str, p.tiers))}, {p.levels:,}-level spill arena, policy {p.policy}",
            f"  {'symbol':<12} {'id':>4} {'tier':<6} {'N':>5} {'bits':>4} {'tick':>10} {'lot':>10} "
            f"{'max_cap':>7} {'anchor (ticks)':>16}",
        ]
        for i in self.instruments.values():
            lines.append(
                f"  {i.symbol:<12} {i.instrument_id:>4} {i.tier:<6} {i.n:>5} {i.price_bits:>4} "
                f"{i.tick_size:>10f} {i.lot_size:>10f} {i.max_cap:>7} {i.anchor:>16,}"
            )
        return "\n".join(lines)

    def close(self) -> None:
        """Close every pool (and so every book)."""
        for mp in self.pools.values():
            mp.close()

    def __enter__(self) -> Venue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Venue {len(self.books)} instruments, pools {sorted(self.pools)}-bit>"
