"""One walk over a structured value, and the memo that spares the walk for values parsed
fresh from JSON on every call: the same shape either way, for any value."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bedrock_cache_hook.request.dialects.body import canonical
from bedrock_cache_hook.request.shape import structured, structured_fresh

SCHEMA: dict[str, Any] = {
    "name": "lookup",
    "description": "Find a record — by id, as of 2026-12-03 10:00",
    "input_schema": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "limit": {"type": "integer", "maximum": 10}},
        "required": ["id"],
    },
}
VALUES: list[Any] = [
    SCHEMA,
    {"a": 1},
    {"a": 1.0},
    {"a": True},
    {"a": None},
    {"a": [1, "1", [True]]},
    {"b": 2, "a": 1},
    {"text": 'é ünïcode \\n "quoted"'},
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("scan", [False, True])
def test_fresh_values_get_the_shape_a_walk_gives(value: Any, scan: bool) -> None:
    walked = structured(value, scan, canonical)
    for _ in range(3):  # the first read fills the memo, the next ones use it
        fresh = json.loads(json.dumps(value))
        assert structured_fresh(fresh, scan, canonical) == walked


def test_different_values_keep_different_shapes() -> None:
    shapes = {structured_fresh(copy.deepcopy(v), False, canonical)[0] for v in VALUES[:7]}
    assert len(shapes) == 7  # 1, 1.0 and True stay apart, as JSON writes them
    changed = copy.deepcopy(SCHEMA)
    changed["input_schema"]["properties"]["limit"]["maximum"] = 11
    assert structured_fresh(changed, False, canonical) != structured(SCHEMA, False, canonical)


def test_the_per_call_scan_is_kept_apart_from_an_unscanned_read() -> None:
    fresh = copy.deepcopy(SCHEMA)
    assert structured_fresh(fresh, False, canonical)[2] is None
    assert structured_fresh(copy.deepcopy(SCHEMA), True, canonical)[2] == "timestamp"


def test_a_value_json_cannot_write_is_walked() -> None:
    value = {"data": b"\x00\x01", "n": 1}
    assert structured_fresh(value, False, canonical) == structured(value, False, canonical)
