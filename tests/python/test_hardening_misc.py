"""Regressions of issue #12 findings 6 (batch and Recorder halves) and 14."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest

from tapebook import ArgumentTypeError, Book, Recorder, TapebookError, recover, replay
from tapebook.errors import BatchError


@pytest.mark.parametrize("which", ["prices", "qtys"])
def test_apply_refuses_bool_prices_and_quantities(which: str) -> None:
    book = Book(n=64)
    cols = {"prices": np.array([5], dtype=np.int32), "qtys": np.array([1], dtype=np.uint32)}
    cols[which] = np.array([True])
    with pytest.raises(ArgumentTypeError, match=which):
        book.apply(np.array([True]), cols["prices"], cols["qtys"])
    assert len(book) == 0


def test_batch_error_pickles_and_copies() -> None:
    book = Book(n=64)
    with pytest.raises(BatchError) as info:
        book.apply(
            np.array([1, 1], dtype=np.uint8), np.array([5, 2**31 - 1], dtype=np.int32), np.ones(2, np.uint32)
        )
    e = info.value
    for clone in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
        assert type(clone) is BatchError and str(clone) == str(e)
        assert clone.index == e.index == 1 and clone.applied == 1
        assert clone.results.tolist() == e.results.tolist()


def test_apply_takes_a_non_contiguous_memoryview() -> None:
    # finding 14: a non-contiguous memoryview raised a builtin BufferError; it is
    # now converted like a non-contiguous numpy view (or refused with a TapebookError)
    book = Book(n=64)
    prices = memoryview(np.arange(20, dtype=np.int32))[::2]
    qtys = memoryview(np.ones(20, dtype=np.uint32))[::2]
    sides = memoryview(np.ones(20, dtype=np.uint8))[::2]
    try:
        book.apply(sides, prices, qtys)
    except TapebookError:
        assert len(book) == 0
    else:
        assert book.levels(True, 20) == [(p, 1) for p in range(18, -1, -2)]


@pytest.mark.parametrize("args", [(True, True, 5), (True, 10, True), (True, np.True_, 5)])
def test_recorder_refuses_bools_before_logging(tmp_path: Path, args: tuple[object, ...]) -> None:
    # finding 6: the live book refused bools, but they were logged as 1 and replay
    # applied them: the replayed book diverged from the live one
    book = Book(n=64)
    path = tmp_path / "log.tb"
    with Recorder(book, path) as rec:
        rec.set(True, 7, 3)
        seq = rec.seq
        with pytest.raises(ArgumentTypeError):
            rec.set(*args)
        assert rec.seq == seq
    assert recover(path).last_seq == seq
    assert replay(path, from_start=True, verify=True).book.dumps() == book.dumps()
