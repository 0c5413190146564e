"""The simulator's model table and the hook's catalog describe the same models.

They are kept apart on purpose (the simulator plays the service); this test makes sure they
list the same models with the same rules, and that every difference is a documented case where
the simulator takes the stricter published value.
"""

from __future__ import annotations

import pytest

from bedrock_cache_hook.catalog.entries import ENTRIES
from bedrock_cache_hook.sim.models import STRICTER, model_table

SIM = {spec.family: (stem, spec) for stem, spec in model_table() if spec.can_cache}
CATALOG = {entry.family: entry for entry in ENTRIES}


def test_both_list_the_same_caching_models() -> None:
    assert sorted(SIM) == sorted(CATALOG)


@pytest.mark.parametrize("family", sorted(CATALOG))
def test_same_rules_for(family: str) -> None:
    entry = CATALOG[family]
    stem, sim = SIM[family]
    hook = entry.spec
    assert stem in entry.stems
    assert sim.ttls == hook.ttls
    assert sim.sections == hook.sections
    assert sim.lookback == hook.lookback_blocks
    assert sim.tool_prompt_tokens == hook.tool_prompt_tokens
    assert sim.max_cached_tokens == hook.max_cached_tokens
    assert (sim.dialect == "nova") == (hook.dialect == "nova")
    if family in STRICTER:
        # a disputed minimum: the service side takes the stricter value, the catalog the one
        # that never skips a marker
        assert sim.min_tokens == STRICTER[family][0] > hook.min_tokens
    else:
        assert sim.min_tokens == hook.min_tokens
