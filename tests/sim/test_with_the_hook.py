"""The hook against the simulator: what the ledger records is what the service counted."""

from __future__ import annotations

import json

import bedrock_cache_hook as bch

from .kit import (
    EPHEMERAL,
    SONNET_45,
    anthropic_body,
    assistant,
    converse,
    new,
    text,
    user,
    words,
)

S = 2000


def test_the_ledger_matches_the_service_in_audit_mode() -> None:
    bch.install(mode="audit")
    sim, client = new()
    request = converse(system=[text(S), {"cachePoint": {"type": "default"}}])
    client.converse(**request)
    list(client.converse_stream(**request)["stream"])
    body = anthropic_body(
        system=[{"type": "text", "text": words(S), "cache_control": EPHEMERAL}],
        messages=[{"role": "user", "content": "hi"}],
    )
    json.loads(client.invoke_model(modelId=SONNET_45, body=body)["body"].read())
    records = bch.get_ledger().records()
    calls = sim.calls()
    assert [r.operation for r in records] == [c.operation for c in calls]
    for record, call in zip(records, calls, strict=True):
        assert (record.input_tokens, record.cache_read_tokens, record.cache_write_tokens) == (
            call.input_tokens,
            call.cache_read_tokens,
            call.cache_write_tokens,
        )
    assert [r.status for r in records] == ["miss", "hit", "hit"]


def test_injected_markers_make_the_second_call_read() -> None:
    bch.install(mode="inject")
    sim, client = new()
    request = converse(
        system=[text(S)],
        messages=[user({"text": "First question?"}), assistant(text(5)), user(text(3))],
    )
    client.converse(**request)
    client.converse(**request)
    first, second = sim.calls()
    assert first.cache_write_tokens > 0
    assert second.cache_read_tokens >= S
    assert bch.get_ledger().records()[-1].cache_read_tokens == second.cache_read_tokens
