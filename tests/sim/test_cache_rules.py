"""The engine's cache rules, each with exact token arithmetic under the simulator's tokenizer.

Every request goes through a real boto3 client answered in-process; the expected numbers are
computed from ``count_text`` / ``count_json`` / ``MESSAGE_OVERHEAD`` (see ``kit``).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bedrock_cache_hook.sim import LatencyModel, Simulator
from bedrock_cache_hook.sim.tokenizer import count_json, count_text

from .kit import (
    EPHEMERAL,
    HAIKU_35,
    HAIKU_45,
    NO_RETRY,
    NOVA_PRO,
    POINT,
    POINT_1H,
    SONNET_4,
    SONNET_45,
    anthropic_body,
    assistant,
    converse,
    msg_tokens,
    new,
    text,
    tool,
    tool_prompt,
    tool_tokens,
    usage_of,
    user,
    words,
)

Q = "What now?"
S = 1100  # system tokens in most tests: above the 1,024 minimum of Sonnet 4.5


def system(tokens: int = S, marker: dict[str, Any] | None = POINT) -> list[dict[str, Any]]:
    return [text(tokens), marker] if marker else [text(tokens)]


def test_write_then_read() -> None:
    _, client = new()
    request = converse(system=system(), messages=[user({"text": Q})])
    first = client.converse(**request)
    assert usage_of(first) == (msg_tokens(Q), 0, S)
    assert first["usage"]["cacheDetails"] == [{"ttl": "5m", "inputTokens": S}]
    out = first["usage"]["outputTokens"]
    assert out > 0
    assert first["usage"]["totalTokens"] == msg_tokens(Q) + S + out
    second = client.converse(**request)
    assert usage_of(second) == (msg_tokens(Q), S, 0)
    assert "cacheDetails" not in second["usage"]
    assert second["usage"]["totalTokens"] == first["usage"]["totalTokens"]


def test_prefix_order_tools_then_system_then_messages() -> None:
    _, client = new()
    tool_a, tool_b = tool("lookup", "Look a thing up."), tool("lookup", "Look it up.")
    # the tool-use system prompt the service adds comes first and is part of the prefix
    t_a, t_b = tool_prompt() + tool_tokens(tool_a), tool_prompt() + tool_tokens(tool_b)
    assert t_a < 1024  # the tools checkpoint alone does not qualify

    def call(spec: dict[str, Any], sys_word: str = "cache", question: str = Q) -> Any:
        return usage_of(
            client.converse(
                **converse(
                    toolConfig={"tools": [spec, POINT]},
                    system=[text(S, sys_word), POINT],
                    messages=[user({"text": question}, POINT)],
                )
            )
        )

    m = msg_tokens(Q)
    assert call(tool_a) == (0, 0, t_a + S + m)
    assert call(tool_a) == (0, t_a + S + m, 0)
    # a tool change invalidates the system and the messages caches
    assert call(tool_b) == (0, 0, t_b + S + m)
    # a message change keeps tools + system
    other = "And then?"
    assert call(tool_a, question=other) == (0, t_a + S, msg_tokens(other))
    # a system change keeps nothing (the tools prefix is below the minimum, never written)
    assert call(tool_a, sys_word="prefix") == (0, 0, t_a + S + m)


def test_entries_are_per_region_and_model_and_shared_across_id_forms() -> None:
    sim, east = new()
    west = sim.client(region_name="us-west-2", config=NO_RETRY)
    request = converse(system=system())
    assert usage_of(east.converse(**request))[1:] == (0, S)
    assert usage_of(west.converse(**request))[1:] == (0, S)  # another region: its own cache
    for model_id in (
        f"us.{SONNET_45}",
        f"global.{SONNET_45}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET_45}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{SONNET_45}",
    ):
        assert usage_of(east.converse(**{**request, "modelId": model_id}))[1:] == (S, 0)
    assert usage_of(east.converse(**{**request, "modelId": SONNET_4}))[1:] == (0, S)


@pytest.mark.parametrize(
    ("model_id", "minimum"), [(SONNET_45, 1024), (HAIKU_35, 2048), (HAIKU_45, 4096)]
)
def test_below_the_minimum_nothing_is_cached(model_id: str, minimum: int) -> None:
    _, client = new()
    below = converse(model_id, system=system(minimum - 1))
    for _ in range(2):
        assert usage_of(client.converse(**below)) == (minimum - 1 + msg_tokens(Q), 0, 0)
    at = converse(model_id, system=system(minimum))
    assert usage_of(client.converse(**at)) == (msg_tokens(Q), 0, minimum)
    assert usage_of(client.converse(**at)) == (msg_tokens(Q), minimum, 0)


def test_the_minimum_is_cumulative_over_tools_and_system() -> None:
    _, client = new()
    spec = tool("search", words(300, "tools"))
    t = tool_prompt() + tool_tokens(spec)
    assert t < 1024 <= t + 500
    request = converse(toolConfig={"tools": [spec, POINT]}, system=[text(500), POINT])
    # the tools checkpoint alone is below the minimum; tools + system reach it
    assert usage_of(client.converse(**request)) == (msg_tokens(Q), 0, t + 500)
    assert usage_of(client.converse(**request)) == (msg_tokens(Q), t + 500, 0)


def test_five_minute_ttl_expires_and_is_refreshed_on_every_hit() -> None:
    sim, client = new()
    request = converse(system=system())
    assert usage_of(client.converse(**request))[1:] == (0, S)
    sim.advance(299)
    assert usage_of(client.converse(**request))[1:] == (S, 0)
    sim.advance(299)  # 598 s after the write, 299 s after the refresh
    assert usage_of(client.converse(**request))[1:] == (S, 0)
    sim.advance(300)  # exactly one TTL after the last hit: gone
    assert usage_of(client.converse(**request))[1:] == (0, S)


def test_one_hour_ttl() -> None:
    sim, client = new()
    request = converse(system=system(marker=POINT_1H))
    first = client.converse(**request)
    assert first["usage"]["cacheDetails"] == [{"ttl": "1h", "inputTokens": S}]
    sim.advance(3599)
    assert usage_of(client.converse(**request))[1:] == (S, 0)
    sim.advance(3600)
    assert usage_of(client.converse(**request))[1:] == (0, S)


def test_writes_are_split_by_ttl_and_expire_separately() -> None:
    sim, client = new()
    big = tool("manual", words(1100, "tools"))
    t = tool_prompt() + tool_tokens(big)
    request = converse(toolConfig={"tools": [big, POINT_1H]}, system=[text(500), POINT])
    usage = client.converse(**request)["usage"]
    assert (usage["cacheWriteInputTokens"], usage["cacheReadInputTokens"]) == (t + 500, 0)
    assert usage["cacheDetails"] == [
        {"ttl": "1h", "inputTokens": t},
        {"ttl": "5m", "inputTokens": 500},
    ]
    sim.advance(301)  # the 5m system entry is gone, the 1h tools entry is not
    usage = client.converse(**request)["usage"]
    assert (usage["cacheReadInputTokens"], usage["cacheWriteInputTokens"]) == (t, 500)
    assert usage["cacheDetails"] == [{"ttl": "5m", "inputTokens": 500}]


def notes(first: int, count: int) -> list[dict[str, Any]]:
    return [{"text": f"note {i}"} for i in range(first, first + count)]


def notes_tokens(first: int, count: int) -> int:
    return sum(count_text(f"note {i}") for i in range(first, first + count))


def seeded(model_id: str = SONNET_45) -> tuple[Any, Any]:
    """A simulator whose cache holds the system prefix (one block) of ``model_id``."""
    sim, client = new()
    client.converse(**converse(model_id, system=system()))
    return sim, client


@pytest.mark.parametrize(("distance", "hit"), [(20, True), (21, False), (25, False)])
def test_claude_looks_back_twenty_blocks(distance: int, hit: bool) -> None:
    _, client = seeded()
    # the blocks after the cached prefix spread over three messages
    first, second = distance // 3, distance // 3
    third = distance - first - second
    messages = [
        user(*notes(0, first)),
        assistant(*notes(first, second)),
        user(*notes(first + second, third), POINT),
    ]
    tail = notes_tokens(0, distance) + 3 * msg_tokens("")
    usage = usage_of(client.converse(**converse(system=system(marker=None), messages=messages)))
    assert usage == ((0, S, tail) if hit else (0, 0, S + tail))


def test_an_intermediate_marker_bridges_a_long_gap() -> None:
    _, client = seeded()
    messages = [user(*notes(0, 10), POINT, *notes(10, 15), POINT)]
    usage = usage_of(client.converse(**converse(system=system(marker=None), messages=messages)))
    assert usage == (0, S, msg_tokens("") + notes_tokens(0, 25))


def test_nova_has_no_lookback() -> None:
    _, client = seeded(NOVA_PRO)
    m = msg_tokens(Q)
    request = converse(NOVA_PRO, system=system(marker=None), messages=[user({"text": Q}, POINT)])
    assert usage_of(client.converse(**request)) == (0, 0, S + m)
    # the same request on Claude finds the system prefix one block back
    _, claude = seeded()
    assert usage_of(claude.converse(**{**request, "modelId": SONNET_45})) == (0, S, m)


@pytest.mark.parametrize(
    ("model_id", "minimum"), [(NOVA_PRO, 1024), ("amazon.nova-lite-v1:0", 1536)]
)
def test_nova_minimum_is_the_stricter_published_value(model_id: str, minimum: int) -> None:
    _, client = new()
    for tokens, written in ((minimum - 1, 0), (minimum, minimum)):
        usage = usage_of(client.converse(**converse(model_id, system=system(tokens))))
        assert usage[2] == written


def test_nova_caches_at_most_twenty_thousand_tokens_per_request() -> None:
    _, client = new()
    request = converse(
        NOVA_PRO, system=[text(15_000), POINT, text(6_000), POINT], messages=[user({"text": Q})]
    )
    # the checkpoint at 21,000 tokens is past the cap: only the first one is written and read
    assert usage_of(client.converse(**request)) == (6_000 + msg_tokens(Q), 0, 15_000)
    assert usage_of(client.converse(**request)) == (6_000 + msg_tokens(Q), 15_000, 0)


def test_a_growing_conversation_reads_the_previous_turn() -> None:
    _, client = new()
    u1, a1, u2 = "First question?", "First answer.", "Second question?"
    turn1 = [user({"text": u1}, POINT)]
    assert usage_of(client.converse(**converse(system=system(), messages=turn1))) == (
        0,
        0,
        S + msg_tokens(u1),
    )
    turn2 = [*turn1, assistant({"text": a1}), user({"text": u2}, POINT), assistant(text(5))]
    # uncached: the last message, after the last marker
    assert usage_of(client.converse(**converse(system=system(), messages=turn2))) == (
        msg_tokens(words(5)),
        S + msg_tokens(u1),
        msg_tokens(a1) + msg_tokens(u2),
    )


ANSWER_FORMAT = {
    "type": "json_schema",
    "structure": {"jsonSchema": {"schema": '{"type": "object"}', "name": "answer"}},
}
IMAGE = {"image": {"format": "png", "source": {"bytes": b"\x89PNG" + bytes(300)}}}


@pytest.mark.parametrize(
    ("change", "invalidates"),
    [
        ({"toolConfig": {"tools": [tool()], "toolChoice": {"any": {}}}}, True),
        (
            {
                "additionalModelRequestFields": {
                    "thinking": {"type": "enabled", "budget_tokens": 2048}
                }
            },
            True,
        ),
        ({"outputConfig": {"textFormat": ANSWER_FORMAT}}, True),
        ({"images": True}, True),
        ({"inferenceConfig": {"temperature": 0.2}}, False),
    ],
)
def test_messages_cache_invalidators(change: dict[str, Any], invalidates: bool) -> None:
    _, client = new()
    t = tool_prompt() + tool_tokens(tool())
    base: dict[str, Any] = {
        "toolConfig": {"tools": [tool()], "toolChoice": {"auto": {}}},
        "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
        "system": system(),
        "messages": [user({"text": Q}, POINT)],
    }
    m = msg_tokens(Q)
    assert usage_of(client.converse(**converse(**base))) == (0, 0, t + S + m)
    changed = {**base, **change}
    extra = 0
    if changed.pop("images", False):
        later = [assistant({"text": "Seen."}), user(IMAGE, {"text": Q}, POINT)]
        changed["messages"] = [*base["messages"], *later]
        image_tokens = 75 + -(-len(IMAGE["image"]["source"]["bytes"]) // 64)
        extra = msg_tokens("Seen.") + 3 + image_tokens + count_text(Q)
    usage = usage_of(client.converse(**converse(**changed)))
    if invalidates:  # tools + system still read; the messages are written again
        assert usage == (0, t + S, m + extra)
    else:
        assert usage == (0, t + S + m, 0)


def test_markers_on_one_position_are_one_checkpoint() -> None:
    _, client = new()
    request = converse(system=[text(S), POINT, POINT])
    assert usage_of(client.converse(**request)) == (msg_tokens(Q), 0, S)


def test_a_marker_before_any_block_caches_nothing() -> None:
    _, client = new()
    request = converse(system=[POINT, text(S)])
    for _ in range(2):
        assert usage_of(client.converse(**request)) == (S + msg_tokens(Q), 0, 0)


def test_non_caching_model_reports_no_cache_fields() -> None:
    _, client = new()
    usage = client.converse(
        **converse("meta.llama3-3-70b-instruct-v1:0", system=system(marker=None))
    )["usage"]
    assert usage["inputTokens"] == S + msg_tokens(Q)
    assert "cacheReadInputTokens" not in usage
    assert "cacheWriteInputTokens" not in usage


@pytest.mark.parametrize(
    ("change", "invalidates"),
    [
        ({"tool_choice": {"type": "any"}}, True),
        ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, True),
        ({"temperature": 0.2}, False),
    ],
)
def test_anthropic_body_invalidators(change: dict[str, Any], invalidates: bool) -> None:
    _, client = new()
    spec = {"name": "lookup", "description": "Look it up.", "input_schema": {"type": "object"}}
    base: dict[str, Any] = {
        "tools": [spec],
        "tool_choice": {"type": "auto"},
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "system": [{"type": "text", "text": words(S), "cache_control": EPHEMERAL}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": Q, "cache_control": EPHEMERAL}]}
        ],
    }
    t, m = tool_prompt() + count_json(spec), msg_tokens(Q)

    def call(body: dict[str, Any]) -> tuple[int, int, int]:
        raw = client.invoke_model(modelId=SONNET_45, body=anthropic_body(**body))["body"].read()
        usage = json.loads(raw)["usage"]
        return (
            usage["input_tokens"],
            usage["cache_read_input_tokens"],
            usage["cache_creation_input_tokens"],
        )

    assert call(base) == (0, 0, t + S + m)
    expected = (0, t + S, m) if invalidates else (0, t + S + m, 0)
    assert call({**base, **change}) == expected


def test_an_entry_is_readable_only_once_its_response_has_begun() -> None:
    # each response waits 1.5 s (real time) before its first byte: two identical requests
    # sent together overlap, so neither can read what the other is writing
    sim = Simulator(latency=LatencyModel(base_ms=1500.0), time_scale=1.0)
    client = sim.client(config=NO_RETRY)
    request = converse(system=system())
    start = threading.Barrier(2)

    def send() -> tuple[int, int, int]:
        start.wait()
        return usage_of(client.converse(**request))

    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: send(), range(2)))
    assert both == [(msg_tokens(Q), 0, S)] * 2
    # once a response has begun, what it wrote is read
    assert usage_of(client.converse(**request)) == (msg_tokens(Q), S, 0)


def test_any_change_in_the_images_invalidates_the_messages_cache() -> None:
    _, client = new()
    other = {"image": {"format": "png", "source": {"bytes": b"\x89PNG" + bytes(301)}}}
    first = [user(IMAGE, {"text": Q}, POINT)]
    later = [assistant({"text": "Seen."}), user({"text": Q}, POINT)]
    base = converse(system=system(), messages=[*first, *later])
    client.converse(**base)
    assert usage_of(client.converse(**base))[2] == 0
    # a second image added in a later turn: the earlier messages are written again
    with_second = [*first, assistant({"text": "Seen."}), user(other, {"text": Q}, POINT)]
    uncached, read, written = usage_of(
        client.converse(**converse(system=system(), messages=with_second))
    )
    assert (uncached, read) == (0, S)
    assert written > msg_tokens("Seen.")


def test_a_marker_as_the_first_block_of_a_message_is_rejected() -> None:
    _, client = new()
    request = converse(system=system(), messages=[user(POINT, {"text": Q})])
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.converse(**request)
    assert caught.value.response["Error"]["Message"] == (
        "There is nothing available to cache. Please remove the invalid cache point and try again."
    )


THINKING = {"type": "enabled", "budget_tokens": 1024}


@pytest.mark.parametrize(
    ("converse_thinking", "body_thinking", "shared"),
    [
        (None, None, True),
        (THINKING, THINKING, True),
        (THINKING, {**THINKING, "budget_tokens": 2048}, False),
    ],
)
def test_converse_and_invoke_model_share_the_messages_cache(
    converse_thinking: dict[str, Any] | None, body_thinking: dict[str, Any] | None, shared: bool
) -> None:
    """One model behind both operations: a conversation written through Converse is read
    through InvokeModel, messages included, unless an invalidator differs."""
    _, client = new()
    extra = {"thinking": converse_thinking} if converse_thinking else {}
    request = converse(
        system=system(marker=None),
        messages=[user({"text": Q}, POINT)],
        additionalModelRequestFields=extra,
    )
    written = usage_of(client.converse(**request))[2]
    assert written == S + msg_tokens(Q)
    fields = {"thinking": body_thinking} if body_thinking else {}
    body = anthropic_body(
        **fields,
        system=words(S),
        messages=[
            {"role": "user", "content": [{"type": "text", "text": Q, "cache_control": EPHEMERAL}]}
        ],
    )
    usage = json.loads(client.invoke_model(modelId=SONNET_45, body=body)["body"].read())["usage"]
    read, write = usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]
    # unshared: the only entry sits behind the message, so nothing is found on the way back
    assert (read, write) == ((written, 0) if shared else (0, written))


@pytest.mark.parametrize(
    ("converse_choice", "body_choice", "shared"),
    [
        ({"auto": {}}, {"auto": {}}, True),
        ({"tool": {"name": "lookup"}}, {"tool": {"name": "lookup"}}, True),
        ({"auto": {}}, {"any": {}}, False),
    ],
)
def test_nova_converse_and_invoke_model_share_the_messages_cache(
    converse_choice: dict[str, Any], body_choice: dict[str, Any], shared: bool
) -> None:
    _, client = new()
    tools = [tool()]
    messages = [user({"text": Q}, POINT)]
    request = converse(
        NOVA_PRO,
        toolConfig={"tools": tools, "toolChoice": converse_choice},
        system=system(marker=None),
        messages=messages,
    )
    written = usage_of(client.converse(**request))[2]
    body = {
        "schemaVersion": "messages-v1",
        "toolConfig": {"tools": tools, "toolChoice": body_choice},
        "system": system(marker=None),
        "messages": messages,
    }
    raw = client.invoke_model(modelId=NOVA_PRO, body=json.dumps(body))["body"].read()
    usage = json.loads(raw)["usage"]
    read, write = usage["cacheReadInputTokenCount"], usage["cacheWriteInputTokenCount"]
    assert (read, write == 0) == ((written, True) if shared else (0, False))
