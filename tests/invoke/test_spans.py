"""Reading a body by one scan per element: the same object as json.loads, and its spans."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import anthropic
from bedrock_cache_hook.request.dialects.spans import members, scan

SPEC = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text())
_JSON = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)
_BLOCK = st.dictionaries(st.sampled_from(["type", "text", "x", "cache_control"]), _JSON, max_size=4)
_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant"])},
    optional={"content": st.one_of(st.text(), st.lists(_BLOCK | _JSON, max_size=3))},
)
_BODY = st.fixed_dictionaries(
    {},
    optional={
        "system": st.one_of(st.text(), st.lists(_BLOCK, max_size=3)),
        "tools": st.lists(_BLOCK | _JSON, max_size=3),
        "messages": st.lists(_MESSAGE | _JSON, max_size=4),
        "other": _JSON,
    },
).filter(bool)
_LAYOUT = st.sampled_from(
    [{}, {"separators": (",", ":")}, {"indent": 2}, {"ensure_ascii": False}, {"indent": "\t"}]
)


@settings(max_examples=300, deadline=None)
@given(_BODY, _LAYOUT)
def test_the_scan_reads_what_json_loads_reads(body: dict[str, Any], layout: dict[str, Any]) -> None:
    text = json.dumps(body, **layout)
    scanned = scan(text)
    assert scanned is not None
    data, spans = scanned
    assert data == json.loads(text)
    paths = list(spans.leaves)
    for m, message in enumerate(data.get("messages", [])):
        start, end = spans.messages[m]
        assert json.loads(text[start:end]) == message
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            paths += [("messages", m, "content", c) for c in range(len(content))]
        elif isinstance(content, str):
            paths.append(("messages", m, "content"))
    for path in paths:
        span = spans.leaf(path)
        assert span is not None, path
        node: Any = data
        for step in path:
            node = node[step]
        assert json.loads(text[span[0] : span[1]]) == node, path


def test_what_the_scan_does_not_follow_is_left_to_json_loads() -> None:
    for text in (
        '{"messages": [], "messages": []}',  # which one counts is the reader's choice
        "[1, 2]",
        "{}",
        '{"a": 1} x',
        '{"a": 1,}',
        '{"a" 1}',
        '{"a": [1 2]}',
        '{"messages": [{"content": [1,]}]}',
        "",
    ):
        assert scan(text) is None, text
    assert scan(' \n{"a": [ ] }\t') is not None
    # a message repeating a key is read as json.loads reads it; it is never spliced into
    scanned = scan('{"messages": [{"content": "a", "content": "b"}]}')
    assert scanned is not None and scanned[0] == {"messages": [{"content": "b"}]}
    assert scanned[1].leaf(("messages", 0, "content")) is None


def test_members_of_an_object_in_place() -> None:
    text = '[{"type" : "text",  "text": "hi"}]'
    gaps = members(text, 1)
    assert gaps is not None
    assert (gaps.colon, gaps.comma) == (" : ", ",  ")
    assert {k: text[a:b] for k, (a, b) in gaps.values.items()} == {"type": '"text"', "text": '"hi"'}
    assert text[gaps.end - 4 : gaps.end] == '"hi"'
    assert members(text, 0) is None and members('{"a": 1, "a": 2}', 0) is None


def _blocks(body: dict[str, Any]) -> tuple[Any, ...]:
    scanned = scan(json.dumps(body))
    assert scanned is not None
    prefix, _ = anthropic.parse(scanned[0], SPEC, None, scanned[1])
    return prefix.blocks


def _fresh(body: dict[str, Any]) -> tuple[Any, ...]:
    prefix, _ = anthropic.parse(json.loads(json.dumps(body)), SPEC)
    return prefix.blocks


def test_elements_read_before_give_the_blocks_a_fresh_read_gives() -> None:
    history = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": [{"type": "text", "text": f"turn {i:03d} " * 40}],
        }
        for i in range(8)
    ]
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "system": [{"type": "text", "text": "rules " * 300}],
        "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}],
        "messages": history,
        "tool_choice": {"type": "auto"},
    }
    assert _blocks(body) == _fresh(body)
    assert _blocks(body) == _fresh(body)  # the second read reuses what the first kept
    edits = [
        dict(body, messages=[*history, {"role": "user", "content": "next"}]),  # appended
        dict(body, messages=history[1:]),  # every message moves: other places
        dict(body, tool_choice={"type": "any"}),  # salt of the first message changes
        # the same length and the same ending, other text: compared, not trusted
        dict(
            body,
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "TURN 000 " + "turn 000 " * 39}],
                },
                *history[1:],
            ],
        ),
        dict(body, system=[{"type": "text", "text": "RULES " + "rules " * 299}]),
        dict(
            body,
            messages=[
                *history[:3],
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}
                    ],
                },
            ],
        ),
    ]
    for edited in edits:
        assert _blocks(edited) == _fresh(edited)
        assert _blocks(body) == _fresh(body)


def test_a_history_growing_call_after_call_reads_as_fresh() -> None:
    """Runs stand for the history read before; every variation still reads as json.loads
    and gives the blocks of a fresh read."""
    turns = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"step {i} " + "word " * (i % 7)}
        for i in range(30)
    ]
    tools = [
        {"name": f"t{i}", "description": "d" * i, "input_schema": {"type": "object"}}
        for i in range(4)
    ]
    bodies = []
    for n in range(1, 30):
        bodies.append({"anthropic_version": "v", "tools": tools, "messages": turns[:n]})
        if n % 5 == 0:  # the same history with its middle rewritten, and cut back
            edited = [
                *turns[: n // 2],
                {"role": "user", "content": "rewritten"},
                *turns[n // 2 + 1 : n],
            ]
            bodies.append({"anthropic_version": "v", "tools": tools[1:], "messages": edited})
            bodies.append(
                {"anthropic_version": "v", "tools": tools, "messages": turns[: n // 3 or 1]}
            )
    for body in bodies:
        text = json.dumps(body)
        scanned = scan(text)
        assert scanned is not None
        assert scanned[0] == body
        assert [json.loads(text[a:b]) for a, b in scanned[1].messages] == body["messages"]
        assert _blocks(body) == _fresh(body)


def test_a_run_whose_last_element_goes_on_is_not_taken() -> None:
    """A run ending in a number is a prefix of a longer number: the text is read afresh."""
    long = json.dumps({"description": "d" * 100})  # runs are found by their first characters
    first = f'{{"tools": [{long}, 12], "messages": []}}'
    later = f'{{"tools": [{long}, 123], "messages": []}}'
    assert scan(first) is not None
    scanned = scan(later)
    assert scanned is not None and scanned[0] == json.loads(later)


def test_readings_kept_on_a_run_are_bounded() -> None:
    """A salt that changes on every call (a thinking budget) adds a reading each time: the
    run keeps a few, not one per call."""
    from bedrock_cache_hook.request.dialects.runs import RUNS

    history = [
        {"role": "user", "content": [{"type": "text", "text": f"bounded {i} " * 20}]}
        for i in range(3)
    ]
    for budget in range(40):
        body = {
            "messages": history,
            "thinking": {"type": "enabled", "budget_tokens": 1024 + budget},
        }
        assert _blocks(body) == _fresh(body)
    text = json.dumps(history)[1:-1]
    run = RUNS.find("messages", text, 0)
    assert run is not None and 0 < len(run.read) <= 8
