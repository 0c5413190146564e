"""Issue acceptance: today's Claude and Nova ids cache from the second call, in every id form."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.cli import main
from bedrock_cache_hook.sim import Simulator

#: the ids people run today, as the issue lists them (some with a profile prefix)
TODAY = [
    "us.anthropic.claude-sonnet-5",
    "global.anthropic.claude-opus-5",
    "anthropic.claude-opus-5-5-20260915-v1:0",
    "us.anthropic.claude-sonnet-5-5",
    "anthropic.claude-fable-5",
    "anthropic.claude-opus-4-8",
    "amazon.nova-2-lite-v1:0",
]
PREFIXES = ("us.", "eu.", "global.")


def base_of(model_id: str) -> str:
    for prefix in PREFIXES:
        model_id = model_id.removeprefix(prefix)
    return model_id


def forms(model_id: str) -> list[str]:
    base = base_of(model_id)
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{base}"
    return [base, *(prefix + base for prefix in PREFIXES), arn]


CASES = [form for model_id in TODAY for form in forms(model_id)]
SYSTEM = [{"text": "You review pull requests for the payments platform team. " * 260}]
TOOLS = [
    {
        "toolSpec": {
            "name": f"read_file_{i}",
            "description": "Read one file of the repository at the reviewed commit. " * 12,
            "inputSchema": {"json": {"type": "object", "properties": {"path": {"type": "string"}}}},
        }
    }
    for i in range(3)
]


def conversation(client: Any, model_id: str, turns: int) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-send.bedrock-runtime",
        lambda request, **_: sent.append(json.loads(request.body)),
        unique_id="todays-models-wire",
    )
    history: list[dict[str, Any]] = []
    for i in range(turns):
        history.append({"role": "user", "content": [{"text": f"Is change {i} safe to merge?"}]})
        client.converse(
            modelId=model_id, system=SYSTEM, messages=history, toolConfig={"tools": TOOLS}
        )
        history.append({"role": "assistant", "content": [{"text": f"Change {i} looks safe."}]})
    return sent


@pytest.mark.parametrize("model_id", CASES)
def test_each_id_form_caches_from_the_second_call(model_id: str) -> None:
    sim = Simulator()
    client = sim.client()
    bch.install(client)
    sent = conversation(client, model_id, turns=3)
    records = bch.get_ledger().records()
    assert [r.error_code for r in records] == [None, None, None]
    assert all(r.injected > 0 for r in records)
    assert records[0].cache_write_tokens > 0
    assert records[1].cache_read_tokens > 0 and records[2].cache_read_tokens > 0
    assert records[1].status == records[2].status == "hit"
    # placed by that model's rules: Nova caches no tools, Claude may
    spec = resolve(model_id).spec  # type: ignore[union-attr]
    tool_markers = sum("cachePoint" in t for body in sent for t in body["toolConfig"]["tools"])
    if "tools" not in spec.sections:
        assert tool_markers == 0
    assert not resolve(model_id).inferred  # type: ignore[union-attr]


@pytest.mark.parametrize("model_id", TODAY)
def test_the_demo_runs_on_each_id(model_id: str) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["demo", "--json", "--model-id", model_id]) == 0
    data = json.loads(out.getvalue())
    calls = data["with_hook"]["calls"]
    assert calls[1]["read"] > 0
    assert data["savings_pct"] > 0
