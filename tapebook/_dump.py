"""Book dumps: the whole state of one book as the C library's versioned,
CRC32-checked bytes (layout: README.md "Book dumps" and ``tb_serial.inc``).

:meth:`Book.dumps`, :meth:`Book.loads` and :meth:`Book.load_into` are built on
these functions. They sit below :mod:`tapebook.book`: they take a book
variant and its C pointer, never a Book, so the book imports them and not the
other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _args
from . import _native as nat
from ._buffers import byte_view
from ._native import ffi
from .errors import FormatError, InvalidArgumentError


@dataclass(frozen=True)
class DumpInfo:
    """What a book dump's header says (after its length and CRC were checked)."""

    version: int
    price_bits: int
    n: int
    max_cap: int
    nbytes: int
    tape_levels: tuple[int, int]  #: (bid, ask)
    spill_levels: tuple[int, int]  #: (bid, ask)
    spill_capacity: tuple[int, int]  #: (bid, ask)


def dump_info(data: Any) -> DumpInfo:
    """Check a dump's header, length and CRC32 and say what book it holds.

    Raises :class:`FormatError` when the bytes are not a valid dump."""
    mem = byte_view(data, "book dump")
    if not mem.nbytes:
        raise FormatError("malformed book dump: empty")
    info = ffi.new("tb_dump_info *")
    why = ffi.new("char **")
    st = nat.dump_peek(ffi.from_buffer(mem), mem.nbytes, info, why)
    if st:
        reason = ffi.string(why[0]).decode() if why[0] else nat.status_str(st)
        raise FormatError(f"malformed book dump: {reason} ({mem.nbytes} bytes)")
    return DumpInfo(
        version=int(info.version),
        price_bits=int(info.width) * 8,
        n=int(info.n),
        max_cap=int(info.max_cap),
        nbytes=int(info.total_len),
        tape_levels=(int(info.tape_count[1]), int(info.tape_count[0])),
        spill_levels=(int(info.spill_count[1]), int(info.spill_count[0])),
        spill_capacity=(int(info.spill_cap[1]), int(info.spill_cap[0])),
    )


def check_restorable(info: DumpInfo, pooled: bool) -> None:
    """Raise unless a new book (pool-backed or not) can take the dump ``info`` describes."""
    if info.n not in nat.TAPE_SIZES:
        raise FormatError(f"the dump is of a book with n={info.n}, which is not a shipped tape size")
    if pooled and info.max_cap > nat.POOL_MAX_BLOCK:
        raise _max_cap_error(info.max_cap)


def dump(v: nat.BookVariant, p: Any) -> bytes:
    """The state of the book at ``p`` (a ``v`` variant) as dump bytes.

    The dump is one guarded C call, which sizes and writes it together: sizing
    in a separate call would let another thread change the book in between
    (issue #12.7). When the book grew since the size was read, the call says
    how many bytes it needs and is repeated with a bigger buffer."""
    size = ffi.new("size_t *")
    st = v.dump_size(p, size)
    if st:
        _args.raise_status(st, "dumps")
    cap = int(size[0])
    while True:
        buf = ffi.new("char[]", cap)
        st = v.dump(p, buf, cap, size)
        if st == nat.ERR_BADARG and int(size[0]) > cap:
            cap = max(int(size[0]), 2 * cap)  # grew meanwhile: retry, geometrically
            continue
        if st:
            _args.raise_status(st, "dumps")
        return ffi.buffer(buf, int(size[0]))[:]


def load(v: nat.BookVariant, p: Any, data: Any) -> int:
    """Replace the state of the book at ``p`` with a dump; returns the dump's
    ``max_cap``. The dump must be of the same ``n`` and ``price_bits``
    (:class:`FormatError` names both otherwise). Nothing changes on error."""
    info = dump_info(data)
    if info.n != v.n or info.price_bits != v.family.bits:
        raise FormatError(
            f"cannot restore a dump of a {info.price_bits}-bit book with n={info.n} "
            f"into a {v.family.bits}-bit book with n={v.n}"
        )
    mem = byte_view(data, "book dump")
    buf = ffi.from_buffer(mem)
    st = v.load(p, buf, mem.nbytes)
    if st == nat.ERR_FORMAT:
        why = ffi.new("char **")
        v.check_dump(buf, mem.nbytes, why)
        reason = ffi.string(why[0]).decode() if why[0] else "invalid"
        raise FormatError(f"malformed book dump: {reason}")
    if st == nat.ERR_MAX_CAP:
        raise _max_cap_error(info.max_cap)
    if st:
        _args.raise_status(st, "load")
    return info.max_cap


def _max_cap_error(max_cap: int) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"the dump has max_cap={max_cap}, more than a pool-backed book allows ({nat.POOL_MAX_BLOCK})"
    )
