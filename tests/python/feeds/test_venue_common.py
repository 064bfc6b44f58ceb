"""The JSON venue readers' shared helpers: exact RFC 3339 times, integer fields."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapebook.feeds._venue import FrameError, int_field, int_text, rfc3339_ns

UTC = datetime.UTC


@given(
    st.datetimes(min_value=datetime.datetime(1970, 1, 1), max_value=datetime.datetime(2200, 1, 1)),
    st.integers(0, 999),
    st.sampled_from(["Z", "+00:00", "z"]),
    st.integers(0, 9),
)
def test_rfc3339_exact_against_datetime(dt, extra_ns, zone, ndigits):
    ns_total = dt.microsecond * 1000 + extra_ns
    frac = str(ns_total).rjust(9, "0")[:ndigits]
    text = dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if ndigits else "") + zone
    whole = int(dt.replace(microsecond=0, tzinfo=UTC).timestamp()) * 10**9
    assert rfc3339_ns(text) == whole + (int(frac.ljust(9, "0")) if ndigits else 0)


@pytest.mark.parametrize(
    "bad",
    [
        "2023-02-30T00:00:00Z",  # no such day
        "2023-02-09T25:00:00Z",
        "2023-02-09T20:32:50.Z",
        "2023-02-09T20:32:50.1234567890Z",  # finer than ns
        "2023-02-09T20:32:50+01:00",  # not UTC
        "2023-02-09T20:3a:50Z",
        "２023-02-09T20:32:50Z",  # a non-ASCII digit
        "",
        None,
    ],
)
def test_rfc3339_refuses(bad):
    with pytest.raises(FrameError):
        rfc3339_ns(bad)


def test_int_fields():
    assert int_field({"u": 5}, "u") == 5 and int_field({"u": "-7"}, "u") == -7
    assert int_text("1597026383085", "ts") == 1597026383085
    for obj in ({"u": 2**63}, {"u": "1e3"}, {"u": True}, {"u": 1.5}, {}, [], {"u": "٣"}):
        with pytest.raises(FrameError):
            int_field(obj, "u")
    with pytest.raises(FrameError):
        int_text("-1", "ts")
