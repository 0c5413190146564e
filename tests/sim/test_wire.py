"""What the simulator sends: usage and metrics exactly where Bedrock puts them, for all four
operations, deterministic bytes, the latency model, the virtual clock."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import botocore.loaders
import botocore.model
import botocore.parsers

from bedrock_cache_hook.response import headers as hook_headers
from bedrock_cache_hook.sim import EPOCH, LatencyModel, Simulator
from bedrock_cache_hook.sim.engine import WireRequest
from bedrock_cache_hook.sim.requests import MESSAGE_OVERHEAD
from bedrock_cache_hook.sim.tokenizer import count_text

from .kit import (
    EPHEMERAL,
    LLAMA,
    NO_RETRY,
    NOVA_PRO,
    POINT,
    POINT_1H,
    SONNET_45,
    anthropic_body,
    converse,
    msg_tokens,
    new,
    text,
    usage_of,
    user,
    words,
)

S = 1100
Q = "What now?"
REQUEST = converse(system=[text(S), POINT], messages=[user({"text": Q})])
CLAUDE_BODY = anthropic_body(
    system=[{"type": "text", "text": words(S), "cache_control": EPHEMERAL}],
    messages=[{"role": "user", "content": Q}],
)
CLAUDE_INPUT = MESSAGE_OVERHEAD + count_text(Q)


def expected_latency(uncached: int, read: int, write: int, output: int) -> tuple[int, int]:
    model = LatencyModel()
    first = round(
        model.base_ms
        + model.per_input_token_ms * (uncached + write)
        + model.per_cached_token_ms * read
    )
    return first, first + round(model.per_output_token_ms * output)


def test_converse_usage_and_metrics() -> None:
    _, client = new()
    first = client.converse(**REQUEST)
    assert set(first) >= {"output", "stopReason", "usage", "metrics"}
    assert first["stopReason"] == "end_turn"
    [block] = first["output"]["message"]["content"]
    assert first["usage"]["outputTokens"] == count_text(block["text"])
    out = first["usage"]["outputTokens"]
    assert first["metrics"]["latencyMs"] == expected_latency(msg_tokens(Q), 0, S, out)[1]
    second = client.converse(**REQUEST)
    assert second["metrics"]["latencyMs"] == expected_latency(msg_tokens(Q), S, 0, out)[1]
    assert second["metrics"]["latencyMs"] < first["metrics"]["latencyMs"]


def test_cache_details_are_dropped_by_a_botocore_that_does_not_know_them() -> None:
    sim = Simulator()
    path = f"/model/{SONNET_45}/converse"
    body = {k: v for k, v in REQUEST.items() if k != "modelId"}
    wire = sim.engine.handle(WireRequest("POST", path, {}, json.dumps(body).encode()))
    response = {"status_code": 200, "headers": dict(wire.headers), "body": wire.body}
    raw = botocore.loaders.create_loader().load_service_model("bedrock-runtime", "service-2")
    old = copy.deepcopy(raw)
    del old["shapes"]["TokenUsage"]["members"]["cacheDetails"]
    parser = botocore.parsers.create_parser("rest-json")
    for model, has_details in ((raw, True), (old, False)):
        shape = botocore.model.ServiceModel(model).operation_model("Converse").output_shape
        usage = parser.parse(dict(response), shape)["usage"]
        assert ("cacheDetails" in usage) is has_details
        assert usage["cacheWriteInputTokens"] == S


def test_converse_stream_metadata_matches_converse() -> None:
    _, plain = new()
    _, streaming = new()
    for _ in range(2):
        reply = plain.converse(**REQUEST)
        events = list(streaming.converse_stream(**REQUEST)["stream"])
        kinds = [next(iter(event)) for event in events]
        assert kinds[0] == "messageStart"
        assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
        assert set(kinds[1:-3]) == {"contentBlockDelta"}
        deltas = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events[1:-3])
        assert deltas == reply["output"]["message"]["content"][0]["text"]
        assert events[-1]["metadata"]["usage"] == reply["usage"]
        assert events[-1]["metadata"]["metrics"] == reply["metrics"]
        assert events[-2]["messageStop"]["stopReason"] == reply["stopReason"]


def test_invoke_model_anthropic_body_and_headers() -> None:
    _, client = new()
    for read, write in ((0, S), (S, 0)):
        response = client.invoke_model(modelId=f"us.{SONNET_45}", body=CLAUDE_BODY)
        body = json.loads(response["body"].read())
        out = count_text(body["content"][0]["text"])
        assert body["type"] == "message"
        assert body["model"] == "claude-sonnet-4-5-20250929"
        assert body["usage"] == {
            "input_tokens": CLAUDE_INPUT,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
            "output_tokens": out,
        }
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        latency = expected_latency(CLAUDE_INPUT, read, write, out)[1]
        assert headers["x-amzn-bedrock-invocation-latency"] == str(latency)
        parsed = hook_headers.from_headers(headers)
        assert parsed is not None
        assert (parsed.input_tokens, parsed.cache_read_tokens, parsed.cache_write_tokens) == (
            CLAUDE_INPUT,
            read,
            write,
        )
        assert parsed.output_tokens == out
        assert response["contentType"] == "application/json"


def chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def test_invoke_stream_anthropic_events_and_invocation_metrics() -> None:
    _, client = new()
    for read, write in ((0, S), (S, 0)):
        response = client.invoke_model_with_response_stream(modelId=SONNET_45, body=CLAUDE_BODY)
        assert response["contentType"] == "application/json"
        events = chunks(response)
        types = [e["type"] for e in events]
        assert types[:2] == ["message_start", "content_block_start"]
        assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
        reply = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
        out = count_text(reply)
        usage = events[0]["message"]["usage"]
        assert (usage["input_tokens"], usage["cache_read_input_tokens"]) == (CLAUDE_INPUT, read)
        assert usage["cache_creation_input_tokens"] == write
        assert events[-2]["usage"] == {"output_tokens": out}
        first, total = expected_latency(CLAUDE_INPUT, read, write, out)
        assert events[-1]["amazon-bedrock-invocationMetrics"] == {
            "inputTokenCount": CLAUDE_INPUT,
            "outputTokenCount": out,
            "invocationLatency": total,
            "firstByteLatency": first,
            "cacheReadInputTokenCount": read,
            "cacheWriteInputTokenCount": write,
        }


def test_one_hour_write_in_the_anthropic_usage() -> None:
    _, client = new()
    body = anthropic_body(
        system=[{"type": "text", "text": words(S), "cache_control": {**EPHEMERAL, "ttl": "1h"}}],
        messages=[{"role": "user", "content": Q}],
    )
    usage = json.loads(client.invoke_model(modelId=SONNET_45, body=body)["body"].read())["usage"]
    assert usage["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": S,
    }


NOVA_BODY = json.dumps(
    {
        "system": [{"text": words(S), "cachePoint": {"type": "default"}}],
        "messages": [{"role": "user", "content": [{"text": Q}]}],
        "inferenceConfig": {"max_new_tokens": 100},
    }
)


def test_nova_invoke_body_and_stream() -> None:
    _, client = new()
    body = json.loads(client.invoke_model(modelId=NOVA_PRO, body=NOVA_BODY)["body"].read())
    out = count_text(body["output"]["message"]["content"][0]["text"])
    assert body["usage"] == {
        "inputTokens": msg_tokens(Q),
        "outputTokens": out,
        "totalTokens": msg_tokens(Q) + S + out,
        "cacheReadInputTokenCount": 0,
        "cacheWriteInputTokenCount": S,
    }
    events = chunks(client.invoke_model_with_response_stream(modelId=NOVA_PRO, body=NOVA_BODY))
    assert next(iter(events[0])) == "messageStart"
    assert events[-1]["metadata"]["usage"]["cacheReadInputTokenCount"] == S
    assert events[-1]["amazon-bedrock-invocationMetrics"]["cacheReadInputTokenCount"] == S


def test_nova_converse_and_invoke_share_the_text_prefix() -> None:
    _, client = new()
    client.invoke_model(modelId=NOVA_PRO, body=NOVA_BODY)
    reply = client.converse(**converse(NOVA_PRO, system=[text(S), POINT]))
    assert usage_of(reply)[1:] == (S, 0)


def test_prompt_body_for_a_model_without_a_messages_format() -> None:
    _, client = new()
    prompt = "Tell me about caching."
    body = json.loads(
        client.invoke_model(modelId=LLAMA, body=json.dumps({"prompt": prompt}))["body"].read()
    )
    assert body["prompt_token_count"] == msg_tokens(prompt)
    assert body["generation_token_count"] == count_text(body["generation"])
    assert body["stop_reason"] == "stop"


def test_count_tokens() -> None:
    _, client = new()
    body = {k: v for k, v in REQUEST.items() if k != "modelId"}
    counted = client.count_tokens(modelId=SONNET_45, input={"converse": body})
    assert counted["inputTokens"] == S + msg_tokens(Q)
    counted = client.count_tokens(
        modelId=SONNET_45, input={"invokeModel": {"body": CLAUDE_BODY.encode()}}
    )
    assert counted["inputTokens"] == S + CLAUDE_INPUT


def test_same_requests_give_the_same_replies() -> None:
    runs = []
    for _ in range(2):
        sim, client = new()
        replies = [client.converse(**REQUEST) for _ in range(2)]
        sim.advance(30)
        replies.append(client.converse(**converse(messages=[user({"text": "Other?"})])))
        for reply in replies:
            reply["ResponseMetadata"].pop("RetryAttempts")
        runs.append(replies)
    assert runs[0] == runs[1]
    ids = [r["ResponseMetadata"]["RequestId"] for r in runs[0]]
    assert len(set(ids)) == 3


def test_max_tokens_cuts_the_reply() -> None:
    _, client = new()
    reply = client.converse(**REQUEST, inferenceConfig={"maxTokens": 3})
    assert reply["stopReason"] == "max_tokens"
    assert reply["usage"]["outputTokens"] <= 3
    body = json.loads(
        client.invoke_model(
            modelId=SONNET_45,
            body=anthropic_body(max_tokens=2, messages=[{"role": "user", "content": "hi"}]),
        )["body"].read()
    )
    assert body["stop_reason"] == "max_tokens"
    assert body["usage"]["output_tokens"] <= 2


def test_date_header_follows_the_virtual_clock() -> None:
    sim, client = new()
    assert sim.now == EPOCH
    date = client.converse(**REQUEST)["ResponseMetadata"]["HTTPHeaders"]["date"]
    assert date == "Thu, 01 Jan 2026 00:00:00 GMT"
    sim.advance(3600)
    date = client.converse(**REQUEST)["ResponseMetadata"]["HTTPHeaders"]["date"]
    assert date == "Thu, 01 Jan 2026 01:00:00 GMT"


def test_an_injected_clock() -> None:
    now = [1000.0]
    sim = Simulator(clock=lambda: now[0])
    client = sim.client(config=NO_RETRY)
    request = converse(system=[text(S), POINT_1H])
    assert usage_of(client.converse(**request))[2] == S
    now[0] += 3599
    assert usage_of(client.converse(**request))[1] == S
    sim.advance(3600)
    assert sim.now == now[0] + 3600
    assert usage_of(client.converse(**request))[2] == S


def test_the_call_log_holds_counts_only() -> None:
    sim, client = new()
    secret = "the launch code is swordfish"
    client.converse(**converse(system=[text(S), POINT], messages=[user({"text": secret})]))
    client.invoke_model(modelId=SONNET_45, body=CLAUDE_BODY)
    assert "swordfish" not in repr(sim.calls()) + repr(sim.stats())
    first, second = sim.calls()
    assert (first.operation, first.model_id, first.region) == ("Converse", SONNET_45, "us-east-1")
    assert (first.cache_write_tokens, second.cache_read_tokens) == (S, S)
    stats = sim.stats()
    assert (stats.calls, stats.errors, stats.cache_read_tokens, stats.cache_write_tokens) == (
        2,
        0,
        S,
        S,
    )
    assert stats.live_entries == 1
    sim.reset()
    assert sim.calls() == []
    assert sim.stats().live_entries == 0


def test_time_scale_sleeps_the_modelled_latency() -> None:
    sim = Simulator(time_scale=0.1)
    client = sim.client(config=NO_RETRY)
    started = time.perf_counter()
    client.converse(**REQUEST)
    elapsed = time.perf_counter() - started
    assert elapsed >= sim.last_call().latency_ms / 1000 * 0.1
