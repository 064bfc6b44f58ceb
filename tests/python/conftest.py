"""Shared pytest set-up: Hypothesis profiles and the sanitizer-build check.

Profiles (choose with ``--hypothesis-profile NAME``; the default is ``ci``):

* ``ci``: what ``make test`` (and the ASan / UBSan runs) use: few examples,
  short state-machine runs, no deadline (sanitized builds are slow).
* ``thorough``: ``make fuzz``: many examples and long state-machine runs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=300,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("TAPEBOOK_HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header(config: object) -> str:
    import tapebook._native as nat

    return f"tapebook C module: {nat.build_info()}"


def pytest_sessionstart(session: object) -> None:
    """Under ``make asan-py``/``ubsan-py`` make sure the sanitized module is the one loaded."""
    want = os.environ.get("TAPEBOOK_EXPECT_SANITIZED")
    if not want:
        return
    import tapebook._native as nat

    info = nat.build_info()
    if want not in info:
        raise RuntimeError(f"TAPEBOOK_EXPECT_SANITIZED={want} but the loaded C module was built with: {info}")


def pytest_collection_finish(session: object) -> None:
    """Freeze what collection imported so that a test's ``gc.collect()`` stays cheap.

    The feeds and dataset tests import pyarrow, pandas, dask and matplotlib: a full
    collection then walks millions of long-lived objects (~0.4 s each), and the lifetime
    tests and state machines call it hundreds of times. Frozen objects are never freed by
    the cycle collector, which is harmless here: everything a test checks is created after.
    """
    import gc

    gc.collect()
    gc.freeze()
