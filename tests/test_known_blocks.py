"""Blocks remembered across calls are reused only while the element is provably unchanged."""

from __future__ import annotations

from typing import Any

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import converse

SPEC = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec


def _params(tool: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    return {
        "toolConfig": {"tools": [tool]},
        "system": [{"text": "system prompt"}],
        "messages": [{"role": "user", "content": [result]}],
    }


def _digests(params: dict[str, Any]) -> list[bytes]:
    prefix, _ = converse.parse(params, SPEC, {})
    return [block.digest for block in prefix.blocks]


def test_in_place_changes_are_seen_after_any_number_of_calls() -> None:
    tool: dict[str, Any] = {
        "toolSpec": {"name": "t", "inputSchema": {"json": {"properties": {"a": {}}}}}
    }
    result: dict[str, Any] = {"toolResult": {"toolUseId": "x", "content": [{"text": "one"}]}}
    params = _params(tool, result)
    first = [_digests(params) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    tool["toolSpec"]["inputSchema"]["json"]["properties"]["a"]["type"] = "string"
    result["toolResult"]["content"].append({"text": "two"})
    changed = _digests(params)
    assert changed[0] != first[0][0] and changed[2] != first[0][2]
    fresh = _digests(_params(dict(tool), dict(result)))  # new objects, same content
    assert fresh == changed


def test_a_change_of_number_type_is_seen() -> None:
    use: dict[str, Any] = {"toolUse": {"toolUseId": "x", "name": "t", "input": {"n": 1}}}
    params = {"messages": [{"role": "assistant", "content": [use]}]}
    before = [_digests(params) for _ in range(3)][-1]
    use["toolUse"]["input"]["n"] = 1.0
    assert _digests(params) != before


def _blocks(params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every block, and what the prefix derives from them (chain, ends, section ends)."""
    prefix, _ = converse.parse(params, SPEC, {})
    derived = (prefix.chain, prefix.ends, prefix.last, prefix.cumulative)
    return [(b.path, b.role, b.tokens, b.digest) for b in prefix.blocks] + [derived]


def test_a_message_changed_in_place_is_read_again() -> None:
    """Whole messages are reused too: every kind of in-place change is still seen."""
    first: dict[str, Any] = {"role": "user", "content": [{"text": "a question"}]}
    answer: dict[str, Any] = {"role": "assistant", "content": [{"text": "an answer"}]}
    params: dict[str, Any] = {"system": [{"text": "system prompt"}], "messages": [first, answer]}
    changes = [
        lambda: first["content"].append({"text": "and another"}),
        lambda: first["content"][0].__setitem__("text", "a new question"),
        lambda: answer.__setitem__("role", "user"),
        lambda: first.__setitem__("content", [{"text": "replaced"}]),
        lambda: answer["content"].insert(0, {"cachePoint": {"type": "default"}}),
    ]
    for change in changes:
        for _ in range(3):
            seen = _blocks(params)
        change()
        copy = {
            **params,
            "messages": [dict(m, content=list(m["content"])) for m in params["messages"]],
        }
        assert _blocks(params) == _blocks(copy) != seen


def test_a_message_moved_or_salted_is_read_again() -> None:
    message: dict[str, Any] = {"role": "user", "content": [{"text": "a question"}]}
    params: dict[str, Any] = {"messages": [message]}
    for _ in range(3):
        alone = _blocks(params)
    later = _blocks({"messages": [{"role": "user", "content": [{"text": "x"}]}, message]})
    assert later[1][:3] == ((1, 0), *alone[0][1:3])
    assert later[-1][0][1] != alone[-1][0][0]  # same message, another chain position
    tools = {"tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": {}}}}]}
    plain = _blocks({**params, "toolConfig": tools})
    salted = _blocks({**params, "toolConfig": {**tools, "toolChoice": {"any": {}}}})
    assert salted[-2][3] != plain[-2][3] == alone[0][3]


def _fresh(params: dict[str, Any]) -> dict[str, Any]:
    """The same content in new objects: read from scratch."""
    import copy

    return copy.deepcopy(params)


def test_a_history_appended_to_between_calls_reads_as_new() -> None:
    """A conversation's list grows call by call (read from where the known run ends); any
    change to a message already read, the list cut short or reordered, is still seen."""
    history: list[dict[str, Any]] = []
    params: dict[str, Any] = {"system": [{"text": "system prompt"}], "messages": history}
    for turn in range(6):
        role = "user" if turn % 2 == 0 else "assistant"
        history.append({"role": role, "content": [{"text": f"turn {turn}"}]})
        assert _blocks(params) == _blocks(_fresh(params))
    edits = [
        lambda: history[1]["content"][0].__setitem__("text", "rewritten"),
        lambda: history.__setitem__(2, {"role": "user", "content": [{"text": "swapped"}]}),
        history.pop,
        history.reverse,
        lambda: history[0]["content"].append(
            {"toolUse": {"toolUseId": "u", "name": "t", "input": {"n": 1}}}
        ),
        lambda: history[0]["content"][-1]["toolUse"]["input"].__setitem__("n", 2),
    ]
    for edit in edits:
        before = _blocks(params)
        _blocks(params)
        edit()
        after = _blocks(params)
        assert after == _blocks(_fresh(params)) != before


def test_a_known_run_behind_another_head_is_chained_afresh() -> None:
    """The same history under a new system prompt or tools: its blocks are reused, its
    chain values (which depend on everything in front) are not."""
    history = [
        {"role": "user", "content": [{"text": "first"}]},
        {"role": "assistant", "content": [{"text": "reply"}]},
        {"role": "user", "content": [{"text": "second"}]},
    ]
    one: dict[str, Any] = {"system": [{"text": "prompt one"}], "messages": history}
    for _ in range(3):
        assert _blocks(one) == _blocks(_fresh(one))
    two = {**one, "system": [{"text": "prompt two"}]}
    tools = {**one, "toolConfig": {"tools": [{"toolSpec": {"name": "t", "inputSchema": {}}}]}}
    for params in (two, tools, one, two):
        got, fresh = _blocks(params), _blocks(_fresh(params))
        assert got == fresh
    assert _blocks(two)[-1][0] != _blocks(one)[-1][0]


def test_tools_and_system_lists_changed_in_place_are_read_again() -> None:
    tools: list[dict[str, Any]] = [
        {"toolSpec": {"name": f"t{i}", "inputSchema": {"json": {"type": "object"}}}}
        for i in range(3)
    ]
    system: list[dict[str, Any]] = [{"text": "one"}, {"text": "two"}]
    params: dict[str, Any] = {
        "toolConfig": {"tools": tools},
        "system": system,
        "messages": [{"role": "user", "content": [{"text": "q"}]}],
    }
    edits = [
        lambda: tools[1]["toolSpec"].__setitem__("name", "renamed"),
        lambda: tools.append({"toolSpec": {"name": "t9", "inputSchema": {"json": {}}}}),
        lambda: system.insert(1, {"cachePoint": {"type": "default"}}),
        lambda: system[0].__setitem__("text", "changed"),
        tools.reverse,
    ]
    for edit in edits:
        for _ in range(3):
            before = _blocks(params)
        edit()
        assert _blocks(params) == _blocks(_fresh(params)) != before


def test_a_known_run_read_for_another_tokenizer_gets_its_own_estimates() -> None:
    opus_47 = resolve("us.anthropic.claude-opus-4-7").spec
    assert opus_47 is not None and opus_47.token_scale != SPEC.token_scale
    assert opus_47.sections == SPEC.sections  # the same run key: only the scale differs
    history = [{"role": "user", "content": [{"text": "word " * 400}]}]
    params: dict[str, Any] = {"system": [{"text": "system prompt"}], "messages": history}
    for _ in range(3):
        sonnet = converse.parse(params, SPEC, {})[0]
    opus = converse.parse(params, opus_47, {})[0]
    fresh = converse.parse(_fresh(params), opus_47, {})[0]
    assert opus.cumulative == fresh.cumulative != sonnet.cumulative
    assert converse.parse(params, SPEC, {})[0].cumulative == sonnet.cumulative


def test_a_growing_history_is_counted_once_toward_the_memory_bound() -> None:
    """Each call's run replaces the last one: the characters held stay those of the
    current run, so a long conversation never forces the memory to start over."""
    from bedrock_cache_hook.request.dialects.known import KNOWN_RUNS

    history: list[dict[str, Any]] = []
    params: dict[str, Any] = {"system": [{"text": "system prompt"}], "messages": history}
    for turn in range(60):
        history.append(
            {"role": "user" if turn % 2 == 0 else "assistant", "content": [{"text": "w " * 50}]}
        )
        prefix, _ = converse.parse(params, SPEC, {})
    entry = KNOWN_RUNS.entries[id(history)]
    held = entry[3]
    assert len(held) == 60  # every message read so far
    assert entry[4] == 4 * sum(block.tokens for block in held)
    assert KNOWN_RUNS.chars >= entry[4]
    assert prefix.blocks[1:] == held


def test_a_run_changed_by_another_call_meanwhile_is_left_alone() -> None:
    """Two calls on one list: the entry the first call read is replaced before it stores its
    own. Its store must not pair a run with blocks that do not match it."""
    from bedrock_cache_hook.request.dialects.known import KnownRuns
    from bedrock_cache_hook.request.prefix import Block, digest

    runs = KnownRuns()
    key = ("salt", frozenset())
    history: list[dict[str, Any]] = [
        {"role": "user", "content": [{"text": f"m{i}"}]} for i in range(3)
    ]
    blocks = [Block("messages", (i, 0), "text", 5, digest(b"%d" % i)) for i in range(3)]
    for _ in range(2):  # seen once, then copied
        runs.put(history, key, 0, 3, [1, 2, 3], blocks)
    reused, run = runs.get(history, key)
    assert (reused, run) == (3, tuple(blocks))
    # meanwhile another call stored a one-message run, and the history changed in place
    runs._store(history, [dict(history[0], content=list(history[0]["content"]))], key, run[:1], 20)
    history[1]["content"].append({"toolUse": {"toolUseId": "u", "name": "t", "input": {"n": 1}}})
    runs.put(history, key, reused, 3, [0, 0, 3], blocks)
    count, held = runs.get(history, key)
    assert len(held) == count  # one block per message here: a run never loses its blocks
