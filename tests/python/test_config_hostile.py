"""Regression of issue #12 finding 11: every configuration failure is a
ConfigError naming the field (or the TOML problem), never a builtin error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapebook.config import ConfigError, load_config, parse_config

_OK = '[[instrument]]\nsymbol = "A"\ntier = "low"\ntick_size = "0.01"\nlot_size = "1"\nanchor = 0\n'


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_OK.replace('tick_size = "0.01"', "tick_size = 1e9999999999999999999"), "1e9999999999999999999"),
        (_OK.replace('lot_size = "1"', 'lot_size = "1e-9999999999"'), "lot_size"),
        (_OK.replace("anchor = 0", "reference_price = 1e999999"), "reference_price"),
        ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("a = " + "7" * 5000, "not valid TOML"),
        ("[pool]\nspare_slots = 16777216\n" + _OK, "spare_slots"),
    ],
    ids=["huge-exponent", "tiny-exponent", "huge-reference", "deep-arrays", "long-integer", "spare-slots"],
)
def test_hostile_configs_raise_config_error(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "venue.toml"
    path.write_text(text)
    for call in (lambda: parse_config(text).build(), lambda: load_config(path)):
        with pytest.raises(ConfigError, match=field):
            call()
