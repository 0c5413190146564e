"""The catalog at work: inferred and unknown models through a real client on the simulator."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import converse
from bedrock_cache_hook.sim import Simulator

SYSTEM = [{"text": "You are the release manager's assistant for the billing service. " * 80}]


def ask(client: Any, model_id: str, turns: int) -> dict[str, Any]:
    history: list[dict[str, Any]] = []
    for i in range(turns):
        history.append({"role": "user", "content": [{"text": f"What changed in build {i}?"}]})
        client.converse(modelId=model_id, system=SYSTEM, messages=history)
        history.append({"role": "assistant", "content": [{"text": f"Build {i} fixed a bug."}]})
    return {"messages": history}


@pytest.mark.parametrize(
    "model_id", ["anthropic.claude-sonnet-6", "global.anthropic.claude-opus-5-7-v1:0"]
)
def test_invented_ids_get_inferred_rules_and_cache(
    model_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    # a model launched after this catalog: the service knows it, the catalog does not
    base = model_id.removeprefix("global.")
    sim = Simulator(models={base: "anthropic.claude-sonnet-4-5-20250929-v1:0"})
    client = sim.client()
    bch.install(client)
    with caplog.at_level(logging.INFO, logger="bedrock_cache_hook"):
        ask(client, model_id, turns=3)
    records = bch.get_ledger().records()
    assert [r.injected > 0 for r in records] == [True, True, True]
    assert records[1].cache_read_tokens > 0 and records[2].status == "hit"
    assert all("model-inferred" in [f.code for f in r.findings] for r in records)  # type: ignore[attr-defined]
    inferred = [r for r in caplog.records if "inferred" in r.getMessage()]
    assert len(inferred) == 1 and inferred[0].levelno == logging.INFO
    assert model_id in inferred[0].getMessage()


def test_an_unknown_provider_is_left_untouched_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = Simulator(models={"vendorx.some-model": "anthropic.claude-sonnet-4-5-20250929-v1:0"})
    client = sim.client()
    sent: list[bytes] = []
    client.meta.events.register_first(
        "before-send.bedrock-runtime", lambda request, **_: sent.append(request.body)
    )
    bch.install(client)
    with caplog.at_level(logging.INFO, logger="bedrock_cache_hook"):
        ask(client, "vendorx.some-model", turns=3)
    assert all(b"cachePoint" not in body for body in sent)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unknown-model" in warnings[0].getMessage()
    assert all(r.injected == 0 for r in bch.get_ledger().records())


def test_the_tool_use_system_prompt_counts_toward_the_minimum() -> None:
    spec = resolve("anthropic.claude-sonnet-4-5-20250929-v1:0").spec
    assert spec is not None and spec.tool_prompt_tokens > 0
    tools = {"tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": {}}}}]}
    with_tools, _ = converse.parse({"toolConfig": tools, "messages": []}, spec)
    without, _ = converse.parse({"system": [{"text": "x"}], "messages": []}, spec)
    assert with_tools.cumulative[0] == spec.tool_prompt_tokens + with_tools.blocks[0].tokens
    assert without.cumulative[0] == without.blocks[0].tokens


def test_no_marker_past_novas_cap_on_cached_tokens() -> None:
    from bedrock_cache_hook.request.planner import Observations, Policy, plan

    spec = resolve("amazon.nova-pro-v1:0").spec
    assert spec is not None and spec.max_cached_tokens is not None
    chunk = "word " * 12_000  # ~15k estimated tokens per message
    params = {
        "system": [{"text": "You are terse. " * 400}],
        "messages": [
            {"role": "user", "content": [{"text": chunk}]},
            {"role": "assistant", "content": [{"text": "ok"}]},
            {"role": "user", "content": [{"text": chunk}]},
        ],
    }
    prefix, _ = converse.parse(params, spec)
    result = plan(prefix, spec, Policy(), Observations())
    assert result.add, result.notes
    assert all(prefix.cumulative[m.after] <= spec.max_cached_tokens for m in result.add)
    assert prefix.total_tokens > spec.max_cached_tokens


def test_a_tail_capped_by_novas_cap_gets_a_hedge_under_it() -> None:
    """Estimates may put the capped tail past the true cap, where it caches nothing: a second
    checkpoint a margin under the cap keeps most of the conversation read."""
    from bedrock_cache_hook.request.placement import CAP_HEDGE
    from bedrock_cache_hook.request.planner import Observations, Policy, plan

    spec = resolve("amazon.nova-pro-v1:0").spec
    assert spec is not None and spec.max_cached_tokens is not None
    cap = spec.max_cached_tokens
    turn = "word " * 1_500  # ~1.9k estimated tokens per message
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": [{"text": f"{i} {turn}"}]}
        for i in range(15)
    ]
    params = {"system": [{"text": "You are terse. " * 400}], "messages": messages}
    prefix, _ = converse.parse(params, spec)
    assert prefix.total_tokens > cap
    result = plan(prefix, spec, Policy(), Observations())
    by_reason = {m.reason: prefix.cumulative[m.after] for m in result.add}
    assert cap * CAP_HEDGE < by_reason["tail"] <= cap
    assert by_reason["cap-hedge"] <= cap * CAP_HEDGE < by_reason["tail"]
    # a conversation within the cap needs no hedge
    short, _ = converse.parse({**params, "messages": messages[:5]}, spec)
    assert short.total_tokens < cap * CAP_HEDGE
    assert "cap-hedge" not in {m.reason for m in plan(short, spec, Policy(), Observations()).add}
