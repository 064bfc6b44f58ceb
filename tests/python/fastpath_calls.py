"""What the fast-path tests (test_hotpath, test_hotl3, test_hotmatch) compare: a call's
outcome on the C fast path against the same call on the Python path."""

from __future__ import annotations

from typing import Any


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """("returned", type, value) or ("raised", exception type, message): equal outcomes
    mean the two paths returned the same value or raised the same exception."""
    try:
        r = fn(*args, **kwargs)
    except Exception as e:
        return ("raised", type(e), str(e))
    return ("returned", type(r), r)
