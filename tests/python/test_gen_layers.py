"""tools/gen_variants.py writes the L3 and matching layers (tools/gen_layers.py) from the
one variant table: a tape size added to TAPE_SIZES gets an L3 book and a matching engine
in both families, with prototypes naming the variants under them; the committed files
are what the generator writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))  # gen_variants imports gen_layers from there
_spec = importlib.util.spec_from_file_location("gen_variants", ROOT / "tools" / "gen_variants.py")
assert _spec is not None and _spec.loader is not None
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def test_committed_files_are_the_generators_output() -> None:
    for layer in gen.LAYERS:
        for part, render in (("variants", gen.render_layer_variants), ("api", gen.render_layer_api)):
            path = ROOT / "csrc" / "tapebook" / f"tb_{layer.prefix}_{part}.h"
            assert path.read_text() == render(layer), path
            assert path in gen.OUTPUTS


def test_a_new_tape_size_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "TAPE_SIZES", [*gen.TAPE_SIZES, 8192])
    l3, match = gen.LAYERS
    assert (l3.prefix, match.prefix) == ("l3", "match")
    l3_api, match_api = gen.render_layer_api(l3), gen.render_layer_api(match)
    for fam in ("i32", "i64"):
        assert f"typedef struct tb_l3_{fam}_n8192 tb_l3_{fam}_n8192;" in l3_api
        assert f"TB_API tb_book_{fam}_n8192 *tb_l3_{fam}_n8192_book(tb_l3_{fam}_n8192 *l);" in l3_api
        assert f"TB_API tb_l3_{fam}_n8192 *tb_match_{fam}_n8192_l3(tb_match_{fam}_n8192 *m);" in match_api
        price = "int32_t" if fam == "i32" else "int64_t"
        assert (
            f"TB_API int tb_l3_{fam}_n8192_add(tb_l3_{fam}_n8192 *l, uint64_t id, int side, {price} px,"
            in l3_api
        )
    for layer in gen.LAYERS:
        prefix, text = layer.prefix, gen.render_layer_variants(layer)
        # each family's block instantiates the layer's template once per tape size, 8192 last
        for fam_block in text.split('#include "tb_params_i64.inc"'):
            sizes = [
                int(line.split()[2]) for line in fam_block.splitlines() if line.startswith("#define TB_N ")
            ]
            assert sizes == gen.TAPE_SIZES, prefix
        assert text.count(f'#include "tb_{prefix}.inc"') == 2 * len(gen.TAPE_SIZES)
