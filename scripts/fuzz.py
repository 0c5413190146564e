"""Differential fuzz campaign: the same call with no hook, with ``inject`` and with ``audit``.

Every case is a valid bedrock-runtime request mutated (wrong types, missing and extra keys,
huge and negative numbers, tool JSON nested 500 deep, invalid UTF-8 and lone surrogates,
every body form boto3 accepts and some it refuses, 5+ markers, markers in odd places), answered
by a ``before-send`` responder with a mutated response (malformed usage, truncated or non-JSON
bodies, broken event streams, error statuses, cache-marker rejections) and consumed in one of
several styles (read all, ``with body as f``, ``read(n)``, lines, an early ``break``, never).

Compared across the three runs of a case:

- outcome: the result the caller sees (minus nothing) or the exception's type and message;
- wire: the bytes sent (audit: identical; inject: identical, or the same JSON but for the
  markers and betas the hook added, never more than 4 markers when it added any);
- the caller's objects before and after the call (any change is a mutation);
- the ledger: exactly one record per call that was sent, none for one botocore refused;
- internal errors the fail-open guard swallowed (reported, they should not happen).

Seeded and bounded: ``--cases N`` per operation, ``--seed S``. Prints totals and, per class of
divergence, the smallest reproduction found. Exit status 1 when anything diverged.

    python scripts/fuzz.py --cases 10000
"""

from __future__ import annotations

import argparse
import base64
import copy
import gc
import io
import json
import logging
import math
import os
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

for _name, _value in (
    ("AWS_ACCESS_KEY_ID", "fuzz"),
    ("AWS_SECRET_ACCESS_KEY", "fuzz"),
    ("AWS_CONFIG_FILE", os.devnull),
    ("AWS_SHARED_CREDENTIALS_FILE", os.devnull),
    ("AWS_EC2_METADATA_DISABLED", "true"),
):
    os.environ[_name] = _value
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

import botocore.session  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.eventstream import EventStream  # noqa: E402
from botocore.response import StreamingBody  # noqa: E402
from urllib3.response import HTTPResponse  # noqa: E402

import bedrock_cache_hook as bch  # noqa: E402
from bedrock_cache_hook.activation import guard as _guard  # noqa: E402
from bedrock_cache_hook.sim.eventstream import (  # noqa: E402
    CONTENT_TYPE,
    encode_event,
    encode_exception,
)

OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")
METHODS = {
    "Converse": "converse",
    "ConverseStream": "converse_stream",
    "InvokeModel": "invoke_model",
    "InvokeModelWithResponseStream": "invoke_model_with_response_stream",
}
MODES = ("none", "inject", "audit")

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MODELS = (
    SONNET,
    SONNET,
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "global.anthropic.claude-opus-4-6-v1",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.nova-pro-v1:0",
    "meta.llama3-3-70b-instruct-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
    "anthropic.claude-sonnet-9-9-v1:0",
)

_WORDS = ("cache", "prefix", "model", "tools", "system", "agent", "token", "write", "read", "go")
_TEXTS: dict[int, str] = {}


def text(words: int, seed: int = 0) -> str:
    key = words * 31 + seed % 10
    if key not in _TEXTS:
        _TEXTS[key] = " ".join(_WORDS[(i * 7 + seed) % 10] for i in range(words))
    return _TEXTS[key]


# -- requests ----------------------------------------------------------------------------


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        value = {"type": "object", "properties": {"a": value}}
    return value


def converse_request(r: random.Random) -> dict[str, Any]:
    turns = r.choice((1, 1, 2, 3, 5))
    messages: list[dict[str, Any]] = []
    for i in range(turns):
        messages.append({"role": "user", "content": [{"text": f"q{i} " + text(r.choice((3, 40)))}]})
        if i < turns - 1:
            content: list[dict[str, Any]] = [{"text": text(r.choice((5, 60)), i)}]
            if r.random() < 0.3:
                content.append(
                    {"toolUse": {"toolUseId": f"t{i}", "name": "lookup", "input": {"q": "x"}}}
                )
                messages.append({"role": "assistant", "content": content})
                messages.append(
                    {
                        "role": "user",
                        "content": [
                            {"toolResult": {"toolUseId": f"t{i}", "content": [{"text": "r"}]}}
                        ],
                    }
                )
                continue
            if r.random() < 0.1:
                content.insert(
                    0, {"reasoningContent": {"reasoningText": {"text": "hm", "signature": "s"}}}
                )
            messages.append({"role": "assistant", "content": content})
    params: dict[str, Any] = {"modelId": r.choice(MODELS), "messages": messages}
    if r.random() < 0.8:
        params["system"] = [{"text": text(r.choice((5, 400, 1500, 3000)))}]
    if r.random() < 0.5:
        params["toolConfig"] = {
            "tools": [
                {
                    "toolSpec": {
                        "name": f"tool_{i}",
                        "description": text(r.choice((5, 200)), i),
                        "inputSchema": {"json": {"type": "object"}},
                    }
                }
                for i in range(r.choice((1, 3, 8)))
            ]
        }
    if r.random() < 0.3:
        params["inferenceConfig"] = {"maxTokens": r.choice((1, 256))}
    if r.random() < 0.1:
        params["additionalModelRequestFields"] = {"top_k": 5}
    return params


def anthropic_body(r: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64}
    system = text(r.choice((5, 400, 1500, 3000)))
    if r.random() < 0.8:
        body["system"] = system if r.random() < 0.5 else [{"type": "text", "text": system}]
    turns = r.choice((1, 2, 3))
    messages = []
    for i in range(turns * 2 - 1):
        content: Any = f"turn {i} " + text(r.choice((3, 50)), i)
        if r.random() < 0.5:
            content = [{"type": "text", "text": content}]
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": content})
    body["messages"] = messages
    if r.random() < 0.4:
        body["tools"] = [
            {"name": f"t{i}", "description": text(100, i), "input_schema": {"type": "object"}}
            for i in range(r.choice((1, 4)))
        ]
    if r.random() < 0.1:
        body["temperature"] = r.choice((0.5, 1, 0.25))
    return body


def nova_body(r: random.Random) -> dict[str, Any]:
    return {
        "schemaVersion": "messages-v1",
        "system": [{"text": text(r.choice((5, 1500)))}],
        "messages": [{"role": "user", "content": [{"text": text(r.choice((3, 40)))}]}],
        "inferenceConfig": {"maxTokens": 10},
    }


def llama_body(r: random.Random) -> dict[str, Any]:
    return {"prompt": text(r.choice((5, 2000))), "max_gen_len": 20}


_WRONG = (
    None,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    float("nan"),
    True,
    "",
    "x",
    [],
    {},
    [1, 2],
    {"k": "v"},
    b"raw",
)


def wrong(r: random.Random) -> Any:
    """A value of the wrong type: a fresh copy, never one shared between cases."""
    return copy.deepcopy(r.choice(_WRONG))


def _walk(value: Any, limit: int = 40) -> list[tuple[Any, int]]:
    """Every dict and list in ``value`` with its depth (not below ``limit``), iteratively."""
    out: list[tuple[Any, int]] = []
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list) or depth > limit:
            continue
        out.append((item, depth))
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return out


def _containers(value: Any, out: list[Any]) -> None:
    out.extend(item for item, _ in _walk(value))


def _strings(value: Any, out: list[tuple[Any, Any]]) -> None:
    for item, _ in _walk(value):
        keys = item.keys() if isinstance(item, dict) else range(len(item))
        out.extend((item, k) for k in keys if isinstance(item[k], str))


def m_wrong_type(r: random.Random, p: dict[str, Any]) -> str:
    places: list[Any] = []
    _containers(p, places)
    target = r.choice(places)
    if isinstance(target, dict) and target:
        key = r.choice(list(target))
        target[key] = wrong(r)
        return f"wrong-type:{key}"
    if isinstance(target, list) and target:
        target[r.randrange(len(target))] = wrong(r)
        return "wrong-type:item"
    return "wrong-type:none"


def m_delete_key(r: random.Random, p: dict[str, Any]) -> str:
    places: list[Any] = []
    _containers(p, places)
    dicts = [d for d in places if isinstance(d, dict) and d]
    target = r.choice(dicts)
    key = r.choice(list(target))
    del target[key]
    return f"missing:{key}"


def m_extra_key(r: random.Random, p: dict[str, Any]) -> str:
    places: list[Any] = []
    _containers(p, places)
    dicts = [d for d in places if isinstance(d, dict)]
    r.choice(dicts)[r.choice(("bogus", "cachePoint", "cache_control", "ttl"))] = wrong(r)
    return "extra-key"


def m_numbers(r: random.Random, p: dict[str, Any]) -> str:
    value = r.choice((10**30, -5, 0, 2**63, 1e308, -0.0, float("inf")))
    if "anthropic_version" in p or "prompt" in p:
        p[r.choice(("max_tokens", "max_gen_len", "temperature"))] = value
    else:
        config = p.get("inferenceConfig")
        if not isinstance(config, dict):
            p["inferenceConfig"] = config = {}
        config["maxTokens"] = value
    return "number"


def m_deep_tool(r: random.Random, p: dict[str, Any]) -> str:
    deep = _nested(500)
    if "anthropic_version" in p:
        p.setdefault("tools", []).append({"name": "deep", "input_schema": deep})
    elif "messages" in p and "modelId" in p:
        tc = p.get("toolConfig")
        if not isinstance(tc, dict) or not isinstance(tc.get("tools"), list):
            p["toolConfig"] = tc = {"tools": []}
        tc["tools"].append(
            {"toolSpec": {"name": "deep", "description": "d", "inputSchema": {"json": deep}}}
        )
    else:
        p["deep"] = deep
    return "deep-500"


def m_surrogate(r: random.Random, p: dict[str, Any]) -> str:
    places: list[tuple[Any, Any]] = []
    _strings(p, places)
    if not places:
        return "surrogate:none"
    container, key = r.choice(places)
    container[key] = container[key] + r.choice(("\ud800", "\udfff x", "\x00", "\U0001f600"))
    return "surrogate"


def _marker_element(r: random.Random) -> Any:
    return r.choice(
        (
            {"cachePoint": {"type": "default"}},
            {"cachePoint": {"type": "default", "ttl": "1h"}},
            {"cachePoint": {"type": "default", "ttl": "2h"}},
            {"cachePoint": {"type": "bogus"}},
            {"cachePoint": {}},
            {"cachePoint": "default"},
            {"text": "shared", "cachePoint": {"type": "default"}},
        )
    )


def m_markers(r: random.Random, p: dict[str, Any]) -> str:
    """5+ markers, or markers in odd places (first block, toolResult, sharing a block)."""
    count = r.choice((1, 5, 7))
    anthropic = "anthropic_version" in p
    places: list[Any] = []
    _containers(p, places)
    lists = [x for x in places if isinstance(x, list)]
    dicts = [x for x in places if isinstance(x, dict) and x is not p]
    for _ in range(count):
        if anthropic:
            if dicts:
                r.choice(dicts)["cache_control"] = r.choice(
                    ({"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}, {}, "x")
                )
            if r.random() < 0.1:
                p["cache_control"] = {"type": "ephemeral"}
        elif lists:
            target = r.choice(lists)
            target.insert(r.randrange(len(target) + 1), _marker_element(r))
    return f"markers:{count}"


CONVERSE_MUTATIONS: tuple[Callable[[random.Random, dict[str, Any]], str], ...] = (
    m_wrong_type,
    m_delete_key,
    m_extra_key,
    m_numbers,
    m_deep_tool,
    m_surrogate,
    m_markers,
)


def mutate(r: random.Random, params: dict[str, Any]) -> str:
    mutation = r.choice(CONVERSE_MUTATIONS)
    try:
        return mutation(r, params)
    except (TypeError, AttributeError, IndexError):  # an earlier mutation left no room
        return f"{mutation.__name__}:skipped"


class NonSeekable:
    """A read-only stream: botocore accepts it, the hook must not read it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def __repr__(self) -> str:
        return "NonSeekable(...)"


BODY_FORMS = (
    "bytes",
    "bytes",
    "str",
    "bytearray",
    "file",
    "file-offset",
    "memoryview",
    "non-seekable",
    "text-file",
    "dict",
    "none",
    "int",
)

BODY_TEXTS = (
    "plain",
    "plain",
    "plain",
    "ascii",
    "spaced",
    "duplicate-key",
    "nan",
    "exponent",
    "bom",
    "utf16",
    "invalid-utf8",
    "truncated",
    "array",
    "lone-surrogate-raw",
)


def invoke_body(r: random.Random, labels: list[str]) -> Any:
    kind = r.choices(("anthropic", "nova", "llama"), (6, 2, 1))[0]
    data = {"anthropic": anthropic_body, "nova": nova_body, "llama": llama_body}[kind](r)
    labels.append(kind)
    for _ in range(r.choice((0, 0, 1, 1, 2))):
        labels.append(mutate(r, data))
    form = r.choice(BODY_FORMS)
    style = r.choice(BODY_TEXTS)
    labels += [f"form:{form}", f"text:{style}"]
    if form == "dict":
        return data
    if form == "none":
        return None
    if form == "int":
        return 42
    try:
        encoded = json.dumps(
            data,
            ensure_ascii=style == "ascii",
            indent=2 if style == "spaced" else None,
            default=lambda value: "<bytes>",
        )
    except (ValueError, RecursionError):
        encoded = "{}"
    if style == "duplicate-key":
        encoded = encoded.rstrip().rstrip("}") + ', "max_tokens": 7}'
    elif style == "nan":
        encoded = encoded.rstrip().rstrip("}") + ', "top_p": NaN}'
    elif style == "exponent":
        encoded = encoded.rstrip().rstrip("}") + ', "top_p": 1E-1}'
    elif style == "truncated":
        encoded = encoded[: len(encoded) // 2]
    elif style == "array":
        encoded = "[" + encoded + "]"
    elif style == "lone-surrogate-raw":
        encoded = encoded.replace("turn", "turn\ud800", 1)
    if form in ("str", "text-file"):
        return encoded if form == "str" else io.StringIO(encoded)
    raw = encoded.encode("utf-8", "surrogatepass")
    if style == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif style == "utf16":
        raw = encoded.encode("utf-16", "surrogatepass")
    elif style == "invalid-utf8":
        raw = raw.replace(b"turn", b"tu\xffrn", 1)
    if form == "bytearray":
        return bytearray(raw)
    if form == "memoryview":
        return memoryview(raw)
    if form == "file":
        return io.BytesIO(raw)
    if form == "file-offset":
        stream = io.BytesIO(b"JUNK" + raw)
        stream.seek(4)
        return stream
    if form == "non-seekable":
        return NonSeekable(raw)
    return raw


def make_request(op: str, r: random.Random, labels: list[str]) -> dict[str, Any]:
    if op.startswith("Converse"):
        params = converse_request(r)
        for _ in range(r.choice((0, 1, 1, 2, 3))):
            labels.append(mutate(r, params))
        return params
    params = {"modelId": r.choice(MODELS), "body": invoke_body(r, labels)}
    if r.random() < 0.2:
        params["contentType"] = "application/json"
        params["accept"] = r.choice(("application/json", "*/*"))
    if r.random() < 0.03:
        params["modelId"] = r.choice((None, 5, ""))
        labels.append("model-id-odd")
    return params


# -- responses ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: Content-Length announced (None: the real length)
    length: int | None = None


_USAGES: tuple[Any, ...] = (
    {"inputTokens": 10, "outputTokens": 5, "totalTokens": 2015, "cacheReadInputTokens": 2000},
    {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15, "cacheWriteInputTokens": 900},
    {
        "inputTokens": 1,
        "outputTokens": 1,
        "totalTokens": 2,
        "cacheWriteInputTokens": 7,
        "cacheDetails": [{"ttl": "1h", "inputTokens": 7}, {"ttl": "5m", "inputTokens": "x"}],
    },
    {"inputTokens": "ten", "outputTokens": None},
    {"inputTokens": -5, "outputTokens": 10**30, "cacheReadInputTokens": 1.5},
    [],
    None,
    "usage",
    {},
)

_ERRORS = (
    (400, "ValidationException", "Malformed input request"),
    (
        400,
        "ValidationException",
        "You invoked an unsupported model or your request did not allow prompt caching.",
    ),
    (400, "ValidationException", "A maximum of 4 blocks with cache_control may be provided."),
    (429, "ThrottlingException", "Too many requests"),
    (500, "InternalServerException", "boom"),
    (503, "ServiceUnavailableException", "later"),
    (404, "ResourceNotFoundException", "no model"),
)


def _error(r: random.Random) -> Reply:
    status, code, message = r.choice(_ERRORS)
    body = json.dumps({"message": message}).encode()
    return Reply(status, body, {"x-amzn-errortype": f"{code}:http://internal"})


def _json_body(r: random.Random, payload: Any) -> Reply:
    body = json.dumps(payload).encode()
    kind = r.choices(("ok", "truncated", "short", "not-json", "empty"), (10, 1, 1, 1, 1))[0]
    if kind == "truncated":
        return Reply(200, body[: len(body) // 2])
    if kind == "short":
        return Reply(200, body, length=len(body) + r.choice((1, 100)))
    if kind == "not-json":
        return Reply(200, b"<html>nope</html>")
    if kind == "empty":
        return Reply(200, b"")
    return Reply(200, body)


def converse_reply(r: random.Random) -> Reply:
    if r.random() < 0.15:
        return _error(r)
    payload: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
        "stopReason": "end_turn",
        "metrics": {"latencyMs": r.choice((5, "x", -1))},
    }
    usage = r.choice(_USAGES)
    if r.random() < 0.9:
        payload["usage"] = usage
    return _json_body(r, payload)


def _frames_reply(r: random.Random, frames: list[bytes]) -> Reply:
    kind = r.choices(("ok", "cut", "garbage", "exception", "empty"), (8, 2, 1, 1, 1))[0]
    if kind == "exception":
        frames.insert(
            r.randrange(1, len(frames)), encode_exception("modelStreamErrorException", "x")
        )
    data = b"".join(frames)
    if kind == "cut":
        data = data[: r.randrange(1, len(data))]
    elif kind == "garbage":
        data += b"\x00\x00\x00\x10garbage-garbage"
    elif kind == "empty":
        data = b""
    return Reply(200, data, {"content-type": CONTENT_TYPE})


def converse_stream_reply(r: random.Random) -> Reply:
    if r.random() < 0.1:
        return _error(r)
    frames = [encode_event("messageStart", {"role": "assistant"})]
    frames += [
        encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": f"t{i}"}})
        for i in range(r.choice((0, 2, 5)))
    ]
    frames.append(encode_event("messageStop", {"stopReason": "end_turn"}))
    if r.random() < 0.05:
        frames.append(encode_event("unknownEvent", {"x": 1}))
    if r.random() < 0.85:
        frames.append(
            encode_event("metadata", {"usage": r.choice(_USAGES), "metrics": {"latencyMs": 3}})
        )
    return _frames_reply(r, frames)


_INVOKE_USAGES: tuple[Any, ...] = (
    {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 2000},
    {"input_tokens": 10, "output_tokens": 3, "cache_creation_input_tokens": 900},
    {"input_tokens": "x", "cache_creation": {"ephemeral_1h_input_tokens": -1}},
    {"inputTokens": 4, "outputTokens": 2, "cacheReadInputTokenCount": 9},
    None,
    [],
    {},
)


def invoke_reply(r: random.Random) -> Reply:
    if r.random() < 0.12:
        return _error(r)
    payload: dict[str, Any] = {"content": [{"type": "text", "text": "ok"}]}
    if r.random() < 0.9:
        payload["usage"] = r.choice(_INVOKE_USAGES)
    reply = _json_body(r, payload)
    if r.random() < 0.3:
        reply.headers.update(
            {
                "X-Amzn-Bedrock-Input-Token-Count": r.choice(("12", "abc", "-1", str(10**30))),
                "X-Amzn-Bedrock-Output-Token-Count": "3",
            }
        )
        if r.random() < 0.5:
            reply.headers["X-Amzn-Bedrock-Cache-Read-Input-Token-Count"] = r.choice(("100", ""))
    return reply


def _chunk(payload: Any, r: random.Random) -> bytes:
    data = json.dumps(payload).encode()
    if r.random() < 0.03:
        data = b"not json"
    return encode_event("chunk", {"bytes": base64.b64encode(data).decode()})


def invoke_stream_reply(r: random.Random) -> Reply:
    if r.random() < 0.1:
        return _error(r)
    usage = r.choice(_INVOKE_USAGES)
    frames = [
        _chunk({"type": "message_start", "message": {"role": "assistant", "usage": usage}}, r),
        _chunk({"type": "content_block_delta", "delta": {"text": "hi"}}, r),
        _chunk({"type": "message_delta", "usage": {"output_tokens": r.choice((3, "x"))}}, r),
    ]
    if r.random() < 0.8:
        metrics = {"inputTokenCount": 10, "outputTokenCount": 3, "invocationLatency": 5}
        if r.random() < 0.5:
            metrics["cacheReadInputTokenCount"] = r.choice((100, "y"))
        frames.append(
            _chunk({"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics}, r)
        )
    if r.random() < 0.03:
        frames.append(encode_event("chunk", {"bytes": "!!not base64!!"}))
    return _frames_reply(r, frames)


REPLIES = {
    "Converse": converse_reply,
    "ConverseStream": converse_stream_reply,
    "InvokeModel": invoke_reply,
    "InvokeModelWithResponseStream": invoke_stream_reply,
}

READ_STYLES = {
    "Converse": ("result",),
    "ConverseStream": ("all", "all", "break-1", "never", "close", "close-after-1"),
    "InvokeModel": (
        "read",
        "read",
        "with-read",
        "read-n",
        "lines",
        "chunks",
        "readinto",
        "never",
        "close",
        "with-partial",
    ),
    "InvokeModelWithResponseStream": ("all", "all", "break-1", "never", "close", "close-after-1"),
}


def to_http(reply: Reply) -> AWSResponse:
    headers = {"x-amzn-requestid": "fuzz-req", "content-type": "application/json"}
    headers.update(reply.headers)
    headers["content-length"] = str(reply.length if reply.length is not None else len(reply.body))
    raw = HTTPResponse(body=io.BytesIO(reply.body), status=reply.status, preload_content=False)
    return AWSResponse(
        "https://bedrock-runtime.us-east-1.amazonaws.com", reply.status, headers, raw
    )


# -- one case ----------------------------------------------------------------------------


@dataclass
class Case:
    op: str
    seed: int
    index: int
    labels: list[str]
    params: dict[str, Any]
    reply: Reply
    style: str

    def repro(self) -> str:
        method = METHODS[self.op]
        return (
            f"case {self.op} #{self.index} (seed {self.seed}): mutations {self.labels}, "
            f"read {self.style!r}, reply {self.reply.status} ({len(self.reply.body)} bytes"
            f"{', length ' + str(self.reply.length) if self.reply.length is not None else ''})\n"
            f"    client.{method}(**{shorten(self.params)})"
        )


def case_seed(seed: int, op: str, index: int) -> int:
    return (seed * 1_000_003 + OPERATIONS.index(op) * 100_000_007 + index) & 0xFFFFFFFF


def make_case(op: str, seed: int, index: int) -> Case:
    r = random.Random(case_seed(seed, op, index))
    labels: list[str] = []
    params = make_request(op, r, labels)
    reply = REPLIES[op](r)
    style = r.choice(READ_STYLES[op])
    return Case(op, seed, index, labels, params, reply, style)


def shorten(value: Any, depth: int = 0) -> str:
    if depth > 6:
        return "..."
    if isinstance(value, dict):
        items = [f"{k!r}: {shorten(v, depth + 1)}" for k, v in list(value.items())[:8]]
        return "{" + ", ".join(items) + (", ..." if len(value) > 8 else "") + "}"
    if isinstance(value, list):
        items = [shorten(v, depth + 1) for v in value[:4]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "]"
    if isinstance(value, str | bytes) and len(value) > 40:
        return f"{value[:30]!r}...<{len(value)}>"
    if isinstance(value, io.BytesIO):
        return f"BytesIO(<{len(value.getvalue())} bytes>, at {value.tell()})"
    return repr(value)


def fingerprint(value: Any) -> list[Any]:
    """A comparable picture of a caller's object, deep (identities and file positions
    included); iterative, because tool JSON may be nested deeper than Python recurses."""
    out: list[Any] = []
    seen: dict[int, int] = {}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            # identity as the order of first appearance: comparable across fresh copies
            identity = seen.setdefault(id(item), len(seen))
            if isinstance(item, dict):
                out.append(("dict", identity, tuple(item)))
                stack.extend(reversed(list(item.values())))
            else:
                out.append(("list", identity, len(item)))
                stack.extend(reversed(item))
        elif isinstance(item, float):
            out.append(("float", repr(item)))
        elif isinstance(item, bytearray | memoryview):
            out.append((type(item).__name__, bytes(item)))
        elif isinstance(item, io.BytesIO | io.StringIO):
            out.append((type(item).__name__, item.getvalue(), item.tell()))
        elif isinstance(item, NonSeekable):
            out.append(("non-seekable", item._data.tell()))
        else:
            out.append((type(item).__name__, item))
    return out


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _exception(exc: BaseException) -> tuple[str, str]:
    return type(exc).__name__, _ADDRESS.sub("0x?", str(exc))[:300]


def consume(op: str, response: dict[str, Any], style: str) -> Any:
    """What the caller gets out of the response, read in ``style``."""
    if op == "Converse":
        return response
    key = "stream" if op == "ConverseStream" else "body"
    rest = {k: v for k, v in response.items() if k != key}
    stream = response[key]
    events: list[Any] = []
    try:
        if op in ("ConverseStream", "InvokeModelWithResponseStream"):
            if style == "all":
                events = list(stream)
            elif style in ("break-1", "close-after-1"):
                for event in stream:
                    events.append(event)
                    break
                if style == "close-after-1":
                    stream.close()
            elif style == "close":
                stream.close()
        elif style == "read":
            events = [stream.read()]
        elif style == "with-read":
            with stream as f:
                events = [f.read()]
        elif style == "with-partial":
            with stream as f:
                events = [f.read(5)]
        elif style == "read-n":
            while True:
                chunk = stream.read(7)
                events.append(chunk)
                if not chunk:
                    break
        elif style == "lines":
            events = list(stream.iter_lines())
        elif style == "chunks":
            events = list(stream.iter_chunks(16))
        elif style == "readinto":
            buffer = bytearray(64)
            while True:
                count = stream.readinto(buffer)
                events.append(bytes(buffer[:count]))
                if not count:
                    break
        elif style == "close":
            stream.close()
    except Exception as exc:
        return {"rest": rest, "events": events, "error": _exception(exc)}
    kinds = (EventStream, StreamingBody)
    return {"rest": rest, "events": events, "type": [isinstance(stream, k) for k in kinds]}


def _normal(value: Any) -> Any:
    """Outcomes compared by value; event-stream classes by their botocore base."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


# -- wire comparison ---------------------------------------------------------------------


def _is_marker_element(value: Any) -> bool:
    if not isinstance(value, dict) or list(value) != ["cachePoint"]:
        return False
    point = value["cachePoint"]
    return (
        isinstance(point, dict) and point.get("type") == "default" and set(point) <= {"type", "ttl"}
    )


def _is_control(value: Any, key: str) -> bool:
    if not isinstance(value, dict):
        return False
    wanted = "ephemeral" if key == "cache_control" else "default"
    return value.get("type") == wanted and set(value) <= {"type", "ttl"}


def same_but_markers(hooked: Any, plain: Any, top: bool = True) -> bool:
    """``hooked`` is ``plain`` plus cache markers (and ``anthropic_beta`` entries) only."""
    if isinstance(plain, dict) and isinstance(hooked, dict):
        for key in set(hooked) - set(plain):
            if key in ("cache_control", "cachePoint") and _is_control(hooked[key], key):
                continue
            if key == "anthropic_beta" and top and isinstance(hooked[key], list):
                continue
            return False
        for key, value in plain.items():
            if key not in hooked:
                return False
            if key == "anthropic_beta" and top and isinstance(value, list):
                if hooked[key][: len(value)] != value:
                    return False
                continue
            # an Anthropic block's ``"cache_control": null`` is no marker: marking it adds one
            if key == "cache_control" and value is None and _is_control(hooked[key], key):
                continue
            if not same_but_markers(hooked[key], value, False):
                return False
        return True
    if isinstance(plain, list) and isinstance(hooked, list):
        i = j = 0
        while i < len(hooked):
            if j < len(plain) and same_but_markers(hooked[i], plain[j], False):
                i += 1
                j += 1
            elif _is_marker_element(hooked[i]):
                i += 1
            else:
                return False
        return j == len(plain)
    if isinstance(plain, str) and isinstance(hooked, list):
        # a string system / content becomes one text block so that it can carry a marker
        return (
            len(hooked) == 1
            and isinstance(hooked[0], dict)
            and hooked[0].get("type") == "text"
            and hooked[0].get("text") == plain
            and set(hooked[0]) <= {"type", "text", "cache_control"}
        )
    if isinstance(plain, float) and isinstance(hooked, float):
        return repr(plain) == repr(hooked)
    return type(hooked) is type(plain) and hooked == plain


def _strict_json(raw: bytes) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise ValueError("duplicate key")
        return out

    return json.loads(raw.decode("utf-8", "surrogatepass"), object_pairs_hook=pairs)


def count_markers(value: Any, key: str) -> int:
    """Markers of one kind where a dialect reads them: a ``cachePoint`` or ``cache_control``
    key on an element of a ``tools``, ``system`` or ``content`` list (the Converse marker
    element, a Nova text block's key, an Anthropic block's key); nowhere else."""
    total = 0
    stack: list[tuple[Any, str, bool]] = [(value, "", False)]
    while stack:
        item, parent, in_list = stack.pop()
        if isinstance(item, dict):
            if key in item and in_list and parent in ("system", "tools", "content"):
                total += 1
            stack.extend((child, name, False) for name, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, parent, True) for child in item)
    return total


def wire_problem(mode: str, hooked: list[Any], plain: list[Any]) -> str | None:
    if not plain and not hooked:
        return None
    if not plain or not hooked:
        return "sent-with-hook-only" if hooked else "not-sent-with-hook"
    h, p = hooked[-1], plain[-1]  # the last attempt (a healed call resends the caller's own)
    if h[0] != p[0]:
        return "url-or-headers"
    if h[1] == p[1]:
        return None
    if mode == "audit":
        return "audit-changed-bytes"
    try:
        hj, pj = _strict_json(h[1]), _strict_json(p[1])
    except (ValueError, RecursionError, UnicodeDecodeError):
        return "rewrote-unparseable"
    if not same_but_markers(hj, pj):
        return "changed-more-than-markers"
    for key in ("cachePoint", "cache_control"):
        # a dialect counts its own kind only (a cachePoint in an Anthropic body is no marker)
        added = count_markers(hj, key) - count_markers(pj, key)
        if added > 0 and count_markers(hj, key) > 4:
            return "more-than-4-markers"
    return None


# -- the campaign ------------------------------------------------------------------------


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.kinds: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("internal error in") and len(record.args or ()) >= 2:
            args = record.args
            assert isinstance(args, tuple)
            self.kinds.append(f"{args[0]}:{args[1]}")


@dataclass
class Totals:
    cases: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    divergences: int = 0
    mutations: int = 0
    lost_records: int = 0
    extra_records: int = 0
    internal_errors: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, cls: str, case: Case) -> None:
        if kind == "divergence":
            self.divergences += 1
        elif kind == "mutation":
            self.mutations += 1
        elif kind == "lost":
            self.lost_records += 1
        elif kind == "extra":
            self.extra_records += 1
        else:
            self.internal_errors += 1
        key = f"{kind}: {cls}"
        self.classes[key] = self.classes.get(key, 0) + 1
        repro = case.repro()
        if key not in self.examples or len(repro) < len(self.examples[key]):
            self.examples[key] = repro

    @property
    def clean(self) -> bool:
        return not (
            self.divergences
            or self.mutations
            or self.lost_records
            or self.extra_records
            or self.internal_errors
        )


class Campaign:
    def __init__(self) -> None:
        session = botocore.session.get_session()
        config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
        self.current: Case | None = None
        self.sent: list[Any] = []
        self.finished = 0
        self.clients: dict[str, Any] = {}
        self.ledgers: dict[str, bch.Ledger] = {}
        for mode in MODES:
            client = session.create_client(
                "bedrock-runtime",
                region_name="us-east-1",
                aws_access_key_id="fuzz",
                aws_secret_access_key="fuzz",
                config=config,
            )
            client.meta.events.register("before-send.bedrock-runtime", self._respond)
            client.meta.events.register("after-call.bedrock-runtime", self._finished)
            client.meta.events.register("after-call-error.bedrock-runtime", self._finished)
            if mode != "none":
                ledger = self.ledgers[mode] = bch.Ledger(capacity=16)
                bch.install(client, mode=mode, ledger=ledger)
            self.clients[mode] = client
        self.errors = _Errors()
        logger = logging.getLogger("bedrock_cache_hook")
        logger.addHandler(self.errors)
        logger.propagate = False
        logger.setLevel(logging.ERROR)

    def _finished(self, **_: Any) -> None:
        self.finished += 1

    def _respond(self, request: Any, **_: Any) -> AWSResponse:
        assert self.current is not None
        body = request.body
        if hasattr(body, "read"):
            position = body.tell() if hasattr(body, "seek") else None
            data = body.read()
            if position is not None:
                body.seek(position)
            body = data
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        headers = tuple(
            (k.lower(), v)
            for k, v in sorted(request.headers.items())
            if k.lower() in ("content-type", "accept", "x-amzn-bedrock-trace")
        )
        self.sent.append(((request.method, request.url, headers), bytes(body or b"")))
        return to_http(self.current.reply)

    def run_case(self, op: str, seed: int, index: int, totals: Totals) -> None:
        results: dict[str, Any] = {}
        wires: dict[str, list[Any]] = {}
        pictures: dict[str, tuple[Any, Any]] = {}
        for mode in MODES:
            case = make_case(op, seed, index)
            self.current, self.sent, self.finished = case, [], 0
            before = fingerprint(case.params)
            ledger = self.ledgers.get(mode)
            calls_before = ledger.summary().calls if ledger is not None else 0
            _guard.reset_reports()
            self.errors.kinds = []
            try:
                response = getattr(self.clients[mode], METHODS[op])(**case.params)
            except Exception as exc:
                outcome: Any = ("raised", _exception(exc))
            else:
                outcome = ("returned", _normal(consume(op, response, case.style)))
                del response
            results[mode] = outcome
            wires[mode] = self.sent
            totals.calls += 1
            pictures[mode] = (before, fingerprint(case.params))
            if mode != "none" and pictures[mode] != pictures["none"]:
                totals.add("mutation", f"{op}:{mode}", case)
            for kind in self.errors.kinds:
                totals.add("internal", f"{op}:{mode}:{kind}", case)
            if ledger is None:
                continue
            # one record per call botocore finished (after-call or after-call-error): a call
            # refused by parameter validation never gets that far, with or without the hook
            expected = self.finished
            got = ledger.summary().calls - calls_before
            if got < expected:
                gc.collect()
                got = ledger.summary().calls - calls_before
            if got < expected:
                totals.add("lost", f"{op}:{mode}", case)
            elif got > expected:
                totals.add("extra", f"{op}:{mode}", case)
        case = make_case(op, seed, index)
        for mode in ("inject", "audit"):
            if results[mode] != results["none"]:
                totals.add(
                    "divergence", f"{op}:{mode}:outcome:{_outcome_class(results, mode)}", case
                )
            problem = wire_problem(mode, wires[mode], wires["none"])
            if problem is not None:
                totals.add("divergence", f"{op}:{mode}:wire:{problem}", case)

    def close(self) -> None:
        for mode, client in self.clients.items():
            if mode != "none":
                bch.uninstall(client)
        logging.getLogger("bedrock_cache_hook").removeHandler(self.errors)


def _outcome_class(results: dict[str, Any], mode: str) -> str:
    plain, hooked = results["none"], results[mode]
    if plain[0] != hooked[0]:
        return f"{plain[0]}-vs-{hooked[0]}"
    if plain[0] == "raised":
        return "exception-differs"
    return "result-differs"


def run(cases: int, seed: int = 0, operations: tuple[str, ...] = OPERATIONS) -> Totals:
    """Run ``cases`` cases per operation; the totals say what diverged."""
    previous = _guard.set_reraise(False)
    totals = Totals()
    started = time.perf_counter()
    campaign = Campaign()
    try:
        for op in operations:
            for index in range(cases):
                campaign.run_case(op, seed, index, totals)
            totals.cases[op] = cases
    finally:
        campaign.close()
        _guard.set_reraise(previous)
    totals.seconds = time.perf_counter() - started
    return totals


def report(totals: Totals) -> str:
    lines = [
        "fuzz: "
        + ", ".join(f"{op} {n}" for op, n in totals.cases.items())
        + f" cases; {totals.calls} calls in {totals.seconds:.1f} s",
        f"divergences: {totals.divergences}",
        f"caller-object mutations: {totals.mutations}",
        f"lost records: {totals.lost_records}",
        f"extra records: {totals.extra_records}",
        f"internal errors: {totals.internal_errors}",
    ]
    for key in sorted(totals.classes):
        lines.append(f"\n[{totals.classes[key]}x] {key}\n  {totals.examples[key]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000, help="cases per operation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--op", choices=OPERATIONS, action="append", help="only these operations")
    parser.add_argument("--case", type=int, help="run only this case index (a reproduction)")
    args = parser.parse_args(argv)
    operations = tuple(args.op or OPERATIONS)
    if args.case is not None:
        for op in operations:
            print(make_case(op, args.seed, args.case).repro())
        totals = Totals()
        campaign = Campaign()
        previous = _guard.set_reraise(False)
        try:
            for op in operations:
                campaign.run_case(op, args.seed, args.case, totals)
                totals.cases[op] = 1
        finally:
            campaign.close()
            _guard.set_reraise(previous)
    else:
        totals = run(args.cases, args.seed, operations)
    print(report(totals))
    return 0 if totals.clean else 1


if __name__ == "__main__":
    sys.exit(main())
