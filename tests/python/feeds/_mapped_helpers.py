"""What the mapped-file tests (test_tardis_mapped.py, test_itch_mapped.py) share: a
stand-in for tapebook.feeds._mapped.Window.at that fails from a given call on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapebook.feeds import _mapped

#: the real Window.at, taken before any test replaces it (a second stand-in in one test
#: must not wrap the first)
_REAL_AT = _mapped.Window.at


def windows_failing_from(k: int, calls: list[int]) -> Callable[..., Any]:
    """Window.at that maps the first ``k`` windows as the real one does and raises
    OSError(19, "No such device") — a file system that cannot map — from the next on;
    each call's start offset is appended to ``calls``."""

    def at(self: _mapped.Window, start: int, n: int) -> Any:
        calls.append(start)
        if len(calls) > k:
            raise OSError(19, "No such device")
        return _REAL_AT(self, start, n)

    return at
