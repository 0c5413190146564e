"""The simulator's tokenizer: its documented rule, piece by piece."""

from __future__ import annotations

import math

import pytest

from bedrock_cache_hook.sim.tokenizer import (
    DOCUMENT_BASE,
    IMAGE_BASE,
    VIDEO_BASE,
    binary_tokens,
    compact_json,
    count_json,
    count_text,
    pieces,
)

PROSE = (
    "The committee met on a grey Tuesday morning to discuss the proposed changes to the "
    "harbour. Several members argued that the new breakwater would protect the fishing fleet "
    "from winter storms, while others worried about the cost and the effect on the beaches to "
    "the north. After a long debate, they agreed to commission a study and to meet again in "
    "the spring."
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("cache", 1),
        ("caches", 1),
        ("caching", 2),
        ("implementation", 3),  # 14 letters: ceil(14 / 6)
        (" cache", 1),  # one leading whitespace character is free
        ("cache cache", 2),
        ("cache  cache", 3),  # the second space is a whitespace piece of its own
        ("\n\n\n\n\ncache", 2),  # 4 leftover whitespace characters: ceil(4 / 4)
        ("12345", 2),  # digits: ceil(5 / 3)
        ("a,b", 3),
        ("cache_control", 4),  # cache | _ | control (7 letters = 2)
        ("{}", 2),
        ("héllo", 3),  # h | é... non-ASCII letter runs cost ceil(n / 2): "héllo" is one run
        ("日本語", 2),
    ],
)
def test_counts_follow_the_documented_rule(text: str, tokens: int) -> None:
    assert count_text(text) == tokens


def test_pieces_concatenate_back_and_sum_to_the_count() -> None:
    found = pieces(PROSE + "\n\n  x_1 = {'a': 10}")
    assert "".join(p for p, _ in found) == PROSE + "\n\n  x_1 = {'a': 10}"
    assert sum(n for _, n in found) == count_text(PROSE + "\n\n  x_1 = {'a': 10}")


def test_english_prose_is_about_four_characters_per_token() -> None:
    ratio = len(PROSE) / count_text(PROSE)
    assert 3.5 <= ratio <= 4.5


def test_it_is_not_a_characters_over_four_formula() -> None:
    # Same length, very different counts: the hook cannot predict counts from length alone.
    assert len("a a a a a a a a") == len("abcdefghijklmno")
    assert count_text("a a a a a a a a") == 8
    assert count_text("abcdefghijklmno") == 3
    assert count_text("abcdefghijklmno") != math.ceil(len("abcdefghijklmno") / 4)


def test_json_is_counted_from_its_compact_text() -> None:
    value = {"name": "lookup", "input": {"q": "harbour"}}
    assert compact_json(value) == '{"name":"lookup","input":{"q":"harbour"}}'
    assert count_json(value) == count_text(compact_json(value))
    # key order is part of the text
    assert compact_json({"b": 1, "a": 2}) != compact_json({"a": 2, "b": 1})


def test_binary_content_is_counted_by_size() -> None:
    assert binary_tokens("image", 6400) == IMAGE_BASE + 100
    assert binary_tokens("image", 6401) == IMAGE_BASE + 101
    assert binary_tokens("document", 400) == DOCUMENT_BASE + 100
    assert binary_tokens("video", 320) == VIDEO_BASE + 10


def test_counts_are_deterministic() -> None:
    assert [count_text(PROSE) for _ in range(3)] == [count_text(PROSE)] * 3
