"""A marked InvokeModel body is the caller's text with only the hook's additions written."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import anthropic, betas
from bedrock_cache_hook.request.dialects.body import STYLES, encode, read_body
from bedrock_cache_hook.request.dialects.splice import splice
from bedrock_cache_hook.request.planner import PlannedMarker

SPEC = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec


def _body(content: Any = None, system: Any = None) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "system": system or [{"type": "text", "text": "system é " * 50}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "first"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "reply"}]},
            {"role": "user", "content": content or [{"type": "text", "text": "last"}]},
        ],
        "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}],
    }


def _marked(text: str, beta: list[str] | None = None) -> tuple[str | None, dict[str, Any]]:
    read = read_body(text)
    assert read.data is not None and read.spans is not None
    prefix, _ = anthropic.parse(read.data, SPEC, None, read.spans)
    markers = [
        PlannedMarker(after=i, ttl=ttl, reason="tail")
        for i, ttl in ((0, "1h"), (1, None), (len(prefix.blocks) - 1, None))
    ]
    marked = anthropic.apply(read.data, prefix, markers)
    if beta is not None:
        marked = {**marked, betas.BETA_KEY: [*marked.get(betas.BETA_KEY, []), *beta]}
    return splice(read.spans, read.data, marked), marked


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("content", [None, "a whole string content"])
@pytest.mark.parametrize("system", [None, "a whole string system"])
@pytest.mark.parametrize("sent", [None, [], ["sent-beta"]])
def test_a_body_written_in_a_style_is_the_full_encode(
    style: str, content: Any, system: Any, sent: list[str] | None
) -> None:
    body = _body(content, system)
    if sent is not None:
        body[betas.BETA_KEY] = sent
    spliced, marked = _marked(json.dumps(body, **STYLES[style]), ["added-beta"])
    assert spliced is not None
    assert spliced.encode() == encode(marked, style)


def test_any_other_layout_keeps_every_byte_but_the_additions() -> None:
    body = _body()
    body["tools"][0]["input_schema"] = {"type": "object", "default": "1E5"}
    text = json.dumps(body, indent=2).replace('"1E5"', "1E5")  # a number json writes as 100000.0
    spliced, marked = _marked(text)
    assert spliced is not None
    parsed = json.loads(spliced)
    assert parsed == marked
    # taking the inserted members out gives the caller's text back, byte for byte
    restored, count = re.subn(r',\n *"cache_control": \{[^}]*\}', "", spliced)
    assert count == 3
    assert restored == text
    assert "1E5" in spliced


def test_a_marked_block_is_kept_as_written_around_the_marker() -> None:
    """A repeated key, escapes, spacing: the block keeps the caller's bytes; the marker is
    inserted before its closing brace, separated as the caller separates members."""
    text = json.dumps(_body()).replace(
        '{"type": "text", "text": "last"}', '{"type": "text", "text": "x",  "text": "l\\u0061st" }'
    )
    spliced, _ = _marked(text)
    assert spliced is not None
    assert '"text": "l\\u0061st", "cache_control": {"type": "ephemeral"} }' in spliced
    assert re.sub(r', "cache_control": \{[^}]*\}', "", spliced) == text
    # a marker the caller sent is replaced in place (its TTL), nothing else written
    sent = json.dumps(
        _body(
            [{"type": "text", "text": "last", "cache_control": {"type": "ephemeral", "ttl": "5m"}}]
        )
    )
    spliced, marked = _marked(sent)
    assert spliced is not None and json.loads(spliced) == marked


def test_a_change_outside_the_elements_is_not_spliced() -> None:
    read = read_body(json.dumps(_body()))
    assert read.data is not None and read.spans is not None
    other = {**read.data, "messages": [*read.data["messages"], {"role": "user", "content": "x"}]}
    assert splice(read.spans, read.data, other) is None
    role = dict(read.data["messages"][0], role="assistant")
    assert (
        splice(read.spans, read.data, {**read.data, "messages": [role, *read.data["messages"][1:]]})
        is None
    )


_NOVA_MODEL = "us.amazon.nova-pro-v1:0"
#: a layout ``json.dumps`` never writes: a 1E5 number, tabs, a raw non-ASCII character
_NOVA_TEXT = (
    '{\t"schemaVersion" : "messages-v1",\n'
    '  "system":[ {"text": "You are a careful assistant. ' + "Rules é. " * 900 + '"} ],\n'
    '  "messages": [ {"role": "user", "content": [ {"text": "'
    + "A question about the rules. "
    * 40
    + '"} ]} ],\n'
    '  "inferenceConfig": {"maxTokens": 1E5, "temperature": 0.50}\n}'
)


def test_a_nova_body_keeps_every_byte_but_the_markers() -> None:
    """Nova markers go inside the text blocks of the caller's own text; nothing is
    re-encoded (before, such a body was re-encoded whole, or sent untouched)."""
    import botocore.session

    from bedrock_cache_hook import Ledger, install

    sent: list[bytes] = []
    client = botocore.session.get_session().create_client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    install(client, mode="inject", ledger=Ledger())

    def capture(request: Any, **_: Any) -> Any:
        sent.append(request.body)
        raise _Sent

    client.meta.events.register("before-send.bedrock-runtime", capture)
    with pytest.raises(_Sent):
        client.invoke_model(modelId=_NOVA_MODEL, body=_NOVA_TEXT)
    body = sent[0].decode("utf-8")
    assert body != _NOVA_TEXT
    point = re.compile(r',\s*"cachePoint"\s*:\s*\{[^{}]*\}')
    assert point.sub("", body) == _NOVA_TEXT
    data = json.loads(body)
    blocks = [*data["system"], *data["messages"][0]["content"]]
    assert [b["cachePoint"] for b in blocks if "cachePoint" in b] != []


class _Sent(Exception):
    pass
