"""Whole states: one book's dump (:func:`dumps`, :func:`loads`, :func:`load_into`)
and a :class:`Checkpoint` of a set of named books, which a log stores as its
SNAPSHOT records.

"Checkpoint" is the whole state of every book at one point of a log. It is
not a :class:`~tapebook.DepthSnapshot` (the best K levels of one book, a wire
struct); the class was called ``StateSnapshot`` before, a name kept as an alias.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .._buffers import byte_view
from ..book import Book
from ..errors import FormatError, TapebookError
from ..l3book import L3Book
from ..matching import MatchingEngine
from .logformat import _REC_HDR, CHECKPOINT_HEAD, TYPED_CHECKPOINT_HEAD, RecordType, check_at, frame

_NAME_HEAD = struct.Struct("<IH")  # book index, name length
_U32 = struct.Struct("<I")
_SHAPE = struct.Struct("<BIBII")  # kind, n, price_bits, max_orders, max_cap
#: version of the typed CHECKPOINT record's body
TYPED_VERSION = 1
#: kinds of object a typed checkpoint holds, and their codes in the record
KINDS = {"book": 1, "l3": 2, "engine": 3}
_KIND_NAMES = {code: name for name, code in KINDS.items()}


class Shape(NamedTuple):
    """What a dump alone does not say about the object it came from: its kind
    (``"book"``, ``"l3"``, ``"engine"``) and its shape (an L3 dump holds neither
    ``n`` nor ``max_orders`` / ``max_cap``). ``max_orders`` is 0 for a Book."""

    kind: str
    n: int
    price_bits: int
    max_orders: int
    max_cap: int

    @classmethod
    def of(cls, obj: Any) -> Shape:
        """The shape of a Book, L3Book or MatchingEngine."""
        if isinstance(obj, MatchingEngine):
            return cls("engine", obj.n, obj.price_bits, obj.max_orders, obj.max_cap)
        if isinstance(obj, L3Book):
            return cls("l3", obj.n, obj.price_bits, obj.max_orders, obj.max_cap)
        return cls("book", obj.n, obj.price_bits, 0, obj.max_cap)

    def restore(self, dump: bytes, pool: Any = None) -> Any:
        """A new object of this kind and shape holding ``dump``."""
        if self.kind == "engine":
            return MatchingEngine.loads(dump)
        if self.kind == "l3":
            return L3Book.loads(
                dump, n=self.n, price_bits=self.price_bits, max_orders=self.max_orders, max_cap=self.max_cap
            )
        return Book.loads(dump, pool=pool)


def dumps(book: Book) -> bytes:
    """The whole state of ``book`` as bytes (:meth:`Book.dumps`; format: README.md "Book dumps")."""
    return book.dumps()


def loads(data: Any, pool: Any = None) -> Book:
    """A new :class:`Book` with the state of a dump (its ``n``, ``price_bits``
    and ``max_cap``), taking spill memory from ``pool`` when given (:meth:`Book.loads`)."""
    return Book.loads(data, pool=pool)


def load_into(book: Book, data: Any) -> None:
    """Replace ``book``'s state with a dump of a book with the same ``n`` and
    ``price_bits``; the book takes the dump's ``max_cap``. Nothing changes on
    error (:meth:`Book.load_into`)."""
    book.load_into(data)


@dataclass(frozen=True)
class Checkpoint:
    """The dumps of a set of named books after record ``seq - 1`` of a log
    (a checkpoint record's own sequence number is ``seq``).

    ``shapes`` is empty for a log of :class:`Book` objects (a SNAPSHOT record);
    otherwise it holds every object's :class:`Shape` and the record is a typed
    CHECKPOINT (L3 books and matching engines need their shape to be restored)."""

    seq: int
    books: dict[str, bytes]  #: name -> dumps() bytes, in book-id order
    shapes: dict[str, Shape] = field(default_factory=dict)  #: name -> kind and shape (typed only)

    def payload(self) -> bytes:
        """The body of the log record (SNAPSHOT, or CHECKPOINT when typed) that holds this checkpoint."""
        if self.shapes:
            parts = [
                TYPED_CHECKPOINT_HEAD.pack(RecordType.CHECKPOINT, self.seq, TYPED_VERSION, len(self.books))
            ]
        else:
            parts = [CHECKPOINT_HEAD.pack(RecordType.SNAPSHOT, self.seq, len(self.books))]
        for i, (name, dump) in enumerate(self.books.items()):
            nb = name.encode()
            parts += [_NAME_HEAD.pack(i, len(nb)), nb]
            if self.shapes:
                sh = self.shapes[name]
                parts.append(_SHAPE.pack(KINDS[sh.kind], sh.n, sh.price_bits, sh.max_orders, sh.max_cap))
            parts += [_U32.pack(len(dump)), dump]
        return b"".join(parts)

    def to_bytes(self) -> bytes:
        """A self-checking encoding (one framed log record)."""
        return frame(self.payload())

    @classmethod
    def from_bytes(cls, data: Any) -> Checkpoint:
        """Decode :meth:`to_bytes` output; :class:`FormatError` unless it is exactly one valid record."""
        mem = byte_view(data, "checkpoint")
        hit = check_at(mem, 0, mem.nbytes)
        if (
            hit is None
            or hit[1] not in (RecordType.SNAPSHOT, RecordType.CHECKPOINT)
            or _REC_HDR.size + hit[0] != mem.nbytes
        ):
            raise FormatError("malformed checkpoint (bad length, CRC or type)")
        return cls.from_payload(mem[_REC_HDR.size :])

    @classmethod
    def from_payload(cls, payload: memoryview) -> Checkpoint:
        """Decode the payload of a SNAPSHOT or CHECKPOINT record (its CRC already checked)."""
        try:
            typed = payload[0] == RecordType.CHECKPOINT
            if typed:
                _t, seq, version, count = TYPED_CHECKPOINT_HEAD.unpack_from(payload, 0)
                if version != TYPED_VERSION:
                    raise FormatError(f"checkpoint version {version} (this tapebook reads {TYPED_VERSION})")
                pos = TYPED_CHECKPOINT_HEAD.size
            else:
                _t, seq, count = CHECKPOINT_HEAD.unpack_from(payload, 0)
                pos = CHECKPOINT_HEAD.size
            books: dict[str, bytes] = {}
            shapes: dict[str, Shape] = {}
            for i in range(count):
                bid, nlen = _NAME_HEAD.unpack_from(payload, pos)
                pos += _NAME_HEAD.size
                name = payload[pos : pos + nlen].tobytes().decode()
                pos += nlen
                if typed:
                    kind, n, bits, max_orders, max_cap = _SHAPE.unpack_from(payload, pos)
                    pos += _SHAPE.size
                    if kind not in _KIND_NAMES:
                        raise FormatError(f"unknown kind {kind}")
                    shapes[name] = Shape(_KIND_NAMES[kind], n, bits, max_orders, max_cap)
                (dlen,) = _U32.unpack_from(payload, pos)
                pos += 4
                dump = payload[pos : pos + dlen].tobytes()
                pos += dlen
                if bid != i or len(dump) != dlen or name in books:
                    raise FormatError("bad book entry")
                books[name] = dump
            if pos != len(payload):
                raise FormatError("trailing bytes")
        except (struct.error, UnicodeDecodeError, FormatError) as e:
            raise FormatError(f"malformed checkpoint record: {e}") from None
        return cls(seq, books, shapes)

    def restore(self, pool: Any = None) -> dict[str, Any]:
        """New objects with the checkpoint's states: Books (spill memory from ``pool``
        if given), L3Books and MatchingEngines of the recorded shapes."""
        if not self.shapes:
            return {name: Book.loads(dump, pool=pool) for name, dump in self.books.items()}
        out = {}
        for name, dump in self.books.items():
            try:
                out[name] = self.shapes[name].restore(dump, pool)
            except TapebookError as e:  # a CRC-valid record whose shape and dump disagree
                raise FormatError(
                    f"checkpoint {self.seq}: {name!r} {self.shapes[name]} does not load: {e}"
                ) from e
        return out


#: the former name of :class:`Checkpoint`
StateSnapshot = Checkpoint
