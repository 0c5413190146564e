"""No prompt or response text reaches logs, the ledger, JSON lines or EMF metrics.

Canary strings are put in every place text can live (system prompt, tool spec, user turn,
tool result, the model's reply, an internal error's message); then everything the hook
emits is searched for them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook import _guard
from bedrock_cache_hook.cli import main
from bedrock_cache_hook.export import flush
from bedrock_cache_hook.sim import Simulator
from tests.support import SONNET_45, converse_response, json_response, prose, respond_with

PROMPT_CANARY = "CANARYprompt7d3f"
REPLY_CANARY = "CANARYreply9a1e"
ERROR_CANARY = "CANARYerror42b0"


def request(extra_turns: int = 0) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"text": f"{PROMPT_CANARY} " + prose(50)}]}
    ]
    for i in range(extra_turns):
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {
                        "toolUse": {
                            "toolUseId": f"t{i}",
                            "name": "lookup",
                            "input": {"q": PROMPT_CANARY},
                        }
                    }
                ],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": f"t{i}", "content": [{"text": PROMPT_CANARY}]}}
                ],
            }
        )
    return {
        "modelId": SONNET_45,
        # a timestamp in the prompt makes the audit emit a finding about this very block
        "system": [{"text": f"{PROMPT_CANARY} 2026-11-21T10:00:00Z " + prose(2500)}],
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": "lookup",
                        "description": PROMPT_CANARY + " " + prose(60),
                        "inputSchema": {"json": {"type": "object"}},
                    }
                }
            ]
        },
        "messages": messages,
    }


def anthropic_body() -> bytes:
    return json.dumps(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 50,
            "system": f"{PROMPT_CANARY} " + prose(2500),
            "messages": [
                {"role": "user", "content": f"{PROMPT_CANARY} hello"},
                {"role": "assistant", "content": "ok"},
                {"role": "user", "content": PROMPT_CANARY},
            ],
        }
    ).encode()


def assert_clean(*texts: str) -> None:
    for text in texts:
        for canary in (PROMPT_CANARY, REPLY_CANARY, ERROR_CANARY):
            assert canary not in text


@pytest.mark.parametrize("mode", ["inject", "audit", "strict"])
def test_nothing_the_hook_emits_contains_request_or_response_text(
    mode: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jsonl = tmp_path / "ledger.jsonl"
    sim = Simulator()
    client = sim.client()
    # our loggers (hook and simulator) at every level; botocore's own DEBUG output quotes
    # request bodies and is the user's to configure
    caplog.set_level(logging.DEBUG, logger="bedrock_cache_hook")
    bch.install(client, mode=mode, jsonl_path=str(jsonl), emf=True, emf_every=1)

    def call(send: Any) -> None:
        try:
            send()
        except bch.CacheAuditError as refused:  # strict mode refuses unmarked requests
            assert_clean(str(refused))

    call(lambda: client.converse(**request()))
    call(lambda: client.converse(**request(extra_turns=2)))
    call(lambda: list(client.converse_stream(**request(extra_turns=3))["stream"]))
    # the lambda defers the call into call()'s try: strict mode raises while calling
    call(lambda: client.invoke_model(modelId=SONNET_45, body=anthropic_body())["body"].read())  # noqa: PLW0108
    call(
        lambda: list(
            client.invoke_model_with_response_stream(modelId=SONNET_45, body=anthropic_body())[
                "body"
            ]
        )
    )

    # a reply carrying a canary, read through the hook's response side
    other = sim.client()
    bch.install(other, mode=mode, jsonl_path=str(jsonl), emf=True, emf_every=1)
    respond_with(other, lambda r: json_response(converse_response(text=REPLY_CANARY)))
    call(lambda: other.converse(**request(extra_turns=1)))

    # a system prompt that changes on every call: the churn warning and the miss reasons
    for minute in range(10):
        churning = request()
        churning["system"] = [
            {"text": f"{PROMPT_CANARY} 2026-11-21T10:{minute:02d}:00Z " + prose(2500)}
        ]
        call(lambda churning=churning: client.converse(**churning))

    # an internal error whose message quotes the request, in production (fail-open) mode
    _guard.set_reraise(False)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"could not parse {PROMPT_CANARY}")

    monkeypatch.setattr("bedrock_cache_hook._request.plan", broken)
    monkeypatch.setattr("bedrock_cache_hook.usage.from_converse", broken)
    call(lambda: other.converse(**request(extra_turns=1)))
    flush()

    def written() -> str:
        return jsonl.read_text() if jsonl.exists() else ""

    records = bch.get_ledger().records()
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("bedrock_cache_hook")
    )
    assert_clean(ours, repr(records), written(), capsys.readouterr().out)
    # the commands that read ledgers and requests print no text either
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request(extra_turns=1)))
    for argv in (
        ["report", str(jsonl), "--by", "reason"],
        ["report", str(jsonl), "--json"],
        ["audit", str(request_file)],
        ["audit", str(request_file), "--json"],
    ):
        main(argv)
        printed = capsys.readouterr()
        assert_clean(printed.out, printed.err)
    if mode != "strict":  # strict refuses these unmarked requests before anything is sent
        assert len(records) >= 6
        assert written().count("\n") >= 6  # the exporters did receive the records
        assert "internal error" in ours  # the broken parser was exercised
    if mode == "audit":
        assert "no-marker" in ours  # findings about these requests were logged
    if mode != "strict":
        assert "changes on most calls" in ours  # the churn warning was exercised
        assert any(r.miss_reason for r in records)
