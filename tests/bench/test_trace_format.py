"""The JSON-lines trace format: round trip and the errors a bad line gives."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bedrock_cache_hook.bench import trace
from bedrock_cache_hook.bench.shapes import Sizes
from bedrock_cache_hook.bench.suite import SHAPES, generate

SMALL = Sizes(system=(1_200, 2_500), tools=(800, 2_000), step=(100, 400), steps=(5, 8))


def test_generated_trace_round_trips_through_a_file(tmp_path: Path) -> None:
    original = generate("agent-invoke", 3, SMALL)
    path = tmp_path / "agent-invoke.jsonl"
    trace.write(original, path)
    loaded = trace.read(path)
    assert loaded.name == "agent-invoke"
    assert loaded.calls == original.calls
    first = loaded.calls[0]
    assert first.operation == "InvokeModel"
    assert isinstance(first.kwargs["body"], dict)  # a JSON object body, as the format allows


def test_same_seed_same_trace_other_seed_other_trace() -> None:
    assert generate("chats", 1, SMALL).calls == generate("chats", 1, SMALL).calls
    assert generate("chats", 1, SMALL).calls != generate("chats", 2, SMALL).calls


def test_every_shape_generates_ordered_calls() -> None:
    for name in SHAPES:
        calls = generate(name, 0, SMALL).calls
        assert len(calls) >= 5, name
        assert all(a.at <= b.at for a, b in itertools.pairwise(calls)), name


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "expected a JSON object"),
        ('{"t": -1, "op": "Converse", "kwargs": {"modelId": "m"}}', "'t'"),
        ('{"t": 1, "op": "Chat", "kwargs": {"modelId": "m"}}', "'op'"),
        ('{"t": 1, "op": "Converse", "kwargs": {}}', "'kwargs'"),
    ],
)
def test_bad_lines_are_refused_with_their_number(line: str, message: str) -> None:
    with pytest.raises(trace.TraceError, match=f"line 2: .*{message}"):
        trace.loads("# a comment\n" + line + "\n")


def test_time_must_not_go_backwards() -> None:
    text = (
        '{"t": 5, "op": "Converse", "kwargs": {"modelId": "m"}}\n'
        '{"t": 4, "op": "Converse", "kwargs": {"modelId": "m"}}\n'
    )
    with pytest.raises(trace.TraceError, match="backwards"):
        trace.loads(text)
