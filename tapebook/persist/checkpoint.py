"""Whole states: one book's dump (:func:`dumps`, :func:`loads`, :func:`load_into`)
and a :class:`Checkpoint` of a set of named books, which a log stores as its
SNAPSHOT records.

"Checkpoint" is the whole state of every book at one point of a log. It is
not a :class:`~tapebook.DepthSnapshot` (the best K levels of one book, a wire
struct); the class was called ``StateSnapshot`` before, a name kept as an alias.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from .._buffers import byte_view
from ..book import Book
from ..errors import FormatError
from .logformat import _REC_HDR, CHECKPOINT_HEAD, RecordType, check_at, frame

_NAME_HEAD = struct.Struct("<IH")  # book index, name length
_U32 = struct.Struct("<I")


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
    (a checkpoint record's own sequence number is ``seq``)."""

    seq: int
    books: dict[str, bytes]  #: name -> :meth:`Book.dumps` bytes, in book-id order

    def payload(self) -> bytes:
        """The body of the log record (type SNAPSHOT) that holds this checkpoint."""
        parts = [CHECKPOINT_HEAD.pack(RecordType.SNAPSHOT, self.seq, len(self.books))]
        for i, (name, dump) in enumerate(self.books.items()):
            nb = name.encode()
            parts += [_NAME_HEAD.pack(i, len(nb)), nb, _U32.pack(len(dump)), dump]
        return b"".join(parts)

    def to_bytes(self) -> bytes:
        """A self-checking encoding (one framed log record)."""
        return frame(self.payload())

    @classmethod
    def from_bytes(cls, data: Any) -> Checkpoint:
        """Decode :meth:`to_bytes` output; :class:`FormatError` unless it is exactly one valid record."""
        mem = byte_view(data, "checkpoint")
        hit = check_at(mem, 0, mem.nbytes)
        if hit is None or hit[1] != RecordType.SNAPSHOT or _REC_HDR.size + hit[0] != mem.nbytes:
            raise FormatError("malformed checkpoint (bad length, CRC or type)")
        return cls.from_payload(mem[_REC_HDR.size :])

    @classmethod
    def from_payload(cls, payload: memoryview) -> Checkpoint:
        """Decode the payload of a SNAPSHOT record (its CRC already checked)."""
        try:
            _t, seq, count = CHECKPOINT_HEAD.unpack_from(payload, 0)
            pos = CHECKPOINT_HEAD.size
            books: dict[str, bytes] = {}
            for i in range(count):
                bid, nlen = _NAME_HEAD.unpack_from(payload, pos)
                pos += _NAME_HEAD.size
                name = payload[pos : pos + nlen].tobytes().decode()
                pos += nlen
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
        return cls(seq, books)

    def restore(self, pool: Any = None) -> dict[str, Book]:
        """New books with the checkpoint's states (spill memory from ``pool`` if given)."""
        return {name: Book.loads(dump, pool=pool) for name, dump in self.books.items()}


#: the former name of :class:`Checkpoint`
StateSnapshot = Checkpoint
