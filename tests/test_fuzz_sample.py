"""A seeded sample of the differential fuzz campaign (``scripts/fuzz.py``) runs with the suite."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import bedrock_cache_hook as bch

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fuzz.py"
SAMPLE = 500


@pytest.fixture(scope="module")
def fuzz() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bedrock_cache_hook_fuzz", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_seeded_sample_has_no_divergence(fuzz: ModuleType) -> None:
    totals = fuzz.run(SAMPLE, seed=11)
    assert totals.cases == dict.fromkeys(fuzz.OPERATIONS, SAMPLE)
    assert totals.calls == 3 * 4 * SAMPLE
    assert totals.clean, fuzz.report(totals)


def test_cases_are_reproducible(fuzz: ModuleType) -> None:
    for op in fuzz.OPERATIONS:
        first, again = fuzz.make_case(op, 3, 17), fuzz.make_case(op, 3, 17)
        assert first.repro() == again.repro()
        assert fuzz.fingerprint(first.params) == fuzz.fingerprint(again.params)


def test_the_campaign_sees_a_planted_mutation(
    fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook that appended to the caller's own system list would be caught."""
    from bedrock_cache_hook.request import processor as _request

    real = _request.RequestProcessor.process

    def mutating(self: Any, operation: str, params: dict[str, Any], *args: Any) -> Any:
        system = params.get("system")
        if isinstance(system, list):
            system.append({"text": "planted"})
        return real(self, operation, params, *args)

    monkeypatch.setattr(_request.RequestProcessor, "process", mutating)
    totals = fuzz.run(40, seed=5, operations=("Converse",))
    assert totals.mutations > 0
    assert totals.divergences > 0  # the wire changed too


def test_the_campaign_sees_a_lost_record(fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_cache_hook.ledger import Ledger

    real = Ledger.append
    calls = {"n": 0}

    def lossy(self: Ledger, record: Any) -> None:
        calls["n"] += 1
        if calls["n"] % 3:
            real(self, record)

    monkeypatch.setattr(Ledger, "append", lossy)
    totals = fuzz.run(30, seed=5, operations=("InvokeModel",))
    assert totals.lost_records > 0


def test_the_campaign_sees_a_changed_body(
    fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old JSON round trip (duplicate keys collapsed) would be a wire divergence."""
    from bedrock_cache_hook.request.dialects import body

    real = body.read_body

    def always_rewritable(raw: Any) -> Any:
        read = real(raw)
        read.rewritable = read.data is not None
        return read

    monkeypatch.setattr("bedrock_cache_hook.request.dialects.invoke.read_body", always_rewritable)
    totals = fuzz.run(300, seed=2, operations=("InvokeModel",))
    assert any(":wire:" in key for key in totals.classes), fuzz.report(totals)
    assert not bch.is_installed()  # the campaign uninstalls what it installed


def test_the_wire_oracle_takes_a_marked_null_cache_control_for_an_added_marker(
    fuzz: ModuleType,
) -> None:
    """``"cache_control": null`` is no marker (the Anthropic dialect replaces it); anything
    else written over a caller's key is a change."""
    plain = {"messages": [{"content": [{"type": "text", "text": "q", "cache_control": None}]}]}
    marked = {"type": "ephemeral"}
    hooked = {"messages": [{"content": [{"type": "text", "text": "q", "cache_control": marked}]}]}
    assert fuzz.same_but_markers(hooked, plain)
    changed = {"messages": [{"content": [{"type": "text", "text": "q", "cache_control": 1}]}]}
    assert not fuzz.same_but_markers(changed, plain)
    other = {"messages": [{"content": [{"type": "text", "text": "q", "bogus": marked}]}]}
    assert not fuzz.same_but_markers(
        other, {"messages": [{"content": [{"type": "text", "text": "q", "bogus": None}]}]}
    )
