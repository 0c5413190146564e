"""Shared helpers for the tests: clients with dummy credentials and canned HTTP responses."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse
from urllib3.response import HTTPResponse

from bedrock_cache_hook.sim.eventstream import CONTENT_TYPE, encode_event

REGION = "us-east-1"
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

USAGE = {
    "inputTokens": 120,
    "outputTokens": 35,
    "totalTokens": 2155,
    "cacheReadInputTokens": 2000,
    "cacheWriteInputTokens": 0,
}


def converse_params(model_id: str = SONNET_45, turns: int = 1) -> dict[str, Any]:
    messages = []
    for i in range(turns):
        messages.append({"role": "user", "content": [{"text": f"question {i}"}]})
        if i < turns - 1:
            messages.append({"role": "assistant", "content": [{"text": f"answer {i}"}]})
    return {
        "modelId": model_id,
        "system": [{"text": "You are terse."}, {"cachePoint": {"type": "default"}}],
        "messages": messages,
    }


def converse_response(usage: Mapping[str, Any] = USAGE, text: str = "ok") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": dict(usage),
        "metrics": {"latencyMs": 42},
    }


def raw_body(data: bytes) -> HTTPResponse:
    """A real urllib3 response body, as botocore gets from the network."""
    return HTTPResponse(body=io.BytesIO(data), status=200, preload_content=False)


def http_response(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> AWSResponse:
    all_headers = {"x-amzn-requestid": "req-1", "content-length": str(len(body))}
    all_headers.update(headers or {})
    return AWSResponse("https://bedrock-runtime.test", status, all_headers, raw_body(body))


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> AWSResponse:
    base = {"content-type": "application/json"}
    base.update(headers or {})
    return http_response(json.dumps(payload).encode(), status, base)


def converse_stream_frames(usage: Mapping[str, Any] = USAGE, deltas: int = 3) -> list[bytes]:
    frames = [encode_event("messageStart", {"role": "assistant"})]
    frames += [
        encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": f"t{i} "}})
        for i in range(deltas)
    ]
    frames.append(encode_event("contentBlockStop", {"contentBlockIndex": 0}))
    frames.append(encode_event("messageStop", {"stopReason": "end_turn"}))
    frames.append(encode_event("metadata", {"usage": dict(usage), "metrics": {"latencyMs": 7}}))
    return frames


def stream_response(frames: Iterable[bytes]) -> AWSResponse:
    return http_response(b"".join(frames), headers={"content-type": CONTENT_TYPE})


Responder = Callable[..., Any]


def respond_with(client: Any, make_response: Callable[[Any], AWSResponse]) -> list[Any]:
    """Answer every request of ``client`` in ``before-send``; returns the captured requests."""
    captured: list[Any] = []

    def responder(request: Any, **_: Any) -> AWSResponse:
        captured.append(request)
        return make_response(request)

    client.meta.events.register("before-send.bedrock-runtime", responder)
    return captured


def boto3_client() -> Any:
    return boto3.client("bedrock-runtime", region_name=REGION)


def botocore_client() -> Any:
    return botocore.session.get_session().create_client("bedrock-runtime", region_name=REGION)


CACHE_POINT = {"cachePoint": {"type": "default"}}
LLAMA = "meta.llama3-3-70b-instruct-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
APP_PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"

_WORDS = [
    "cache",
    "prefix",
    "model",
    "tools",
    "system",
    "agent",
    "token",
    "write",
    "read",
    "bedrock",
]


def prose(words: int, seed: int = 0) -> str:
    """Deterministic English-like text of ``words`` words (no per-call values in it)."""
    return " ".join(_WORDS[(i * 7 + seed) % len(_WORDS)] for i in range(words))


def tool_specs(count: int = 12) -> list[dict[str, Any]]:
    return [
        {
            "toolSpec": {
                "name": f"tool_{i}",
                "description": prose(90, seed=i),
                "inputSchema": {
                    "json": {"type": "object", "properties": {"q": {"type": "string"}}}
                },
            }
        }
        for i in range(count)
    ]


def agent_request(
    model_id: str = SONNET_45, turns: int = 3, system_words: int = 2400
) -> dict[str, Any]:
    """A realistic multi-turn tool-using request: ~2,400+ tokens of system, tools, history."""
    messages: list[dict[str, Any]] = []
    for i in range(turns):
        messages.append({"role": "user", "content": [{"text": f"step {i}: " + prose(30, i)}]})
        if i < turns - 1:
            messages.append({"role": "assistant", "content": [{"text": prose(20, i + 3)}]})
    return {
        "modelId": model_id,
        "system": [{"text": prose(system_words)}],
        "toolConfig": {"tools": tool_specs()},
        "messages": messages,
        "inferenceConfig": {"maxTokens": 256},
    }
