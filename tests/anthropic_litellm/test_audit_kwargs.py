"""``audit()`` of ``litellm.completion`` and Anthropic ``messages.create`` keyword arguments
(neither package is needed: nothing is sent)."""

from __future__ import annotations

import pytest

import bedrock_cache_hook

MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "Stable instructions for the assistant, long enough to pass the minimum. " * 200
MARK = {"type": "ephemeral"}


def test_litellm_kwargs_without_a_marker_do_not_cache() -> None:
    report = bedrock_cache_hook.audit(
        "litellm.completion",
        {
            "model": f"bedrock/converse/{MODEL}",
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}],
        },
    )
    assert report.model_id == MODEL
    assert report.markers == () and not report.will_cache


def test_litellm_kwargs_with_a_marked_system_block_cache() -> None:
    system = [{"type": "text", "text": SYSTEM, "cache_control": MARK}]
    report = bedrock_cache_hook.audit(
        "litellm.completion",
        {
            "model": f"bedrock/invoke/{MODEL}",
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": "hi"}],
        },
    )
    assert len(report.markers) == 1 and report.will_cache


def test_litellm_kwargs_with_five_marks_are_an_error() -> None:
    parts = [{"type": "text", "text": f"part {i} " * 400, "cache_control": MARK} for i in range(5)]
    report = bedrock_cache_hook.audit(
        "litellm.completion",
        {"model": f"bedrock/{MODEL}", "messages": [{"role": "user", "content": parts}]},
    )
    assert report.errors and not report.will_cache


def test_litellm_kwargs_need_a_bedrock_model() -> None:
    with pytest.raises(ValueError, match="bedrock"):
        bedrock_cache_hook.audit("litellm.completion", {"model": "gpt-4o", "messages": []})


def test_anthropic_messages_create_kwargs() -> None:
    kwargs = {
        "model": MODEL,
        "max_tokens": 20,
        "system": [{"type": "text", "text": SYSTEM, "cache_control": MARK}],
        "messages": [{"role": "user", "content": "hello"}],
        "stream": True,
        "extra_headers": {"x": "y"},
    }
    report = bedrock_cache_hook.audit("anthropic.messages.create", kwargs)
    assert report.model_id == MODEL and report.will_cache
    unmarked = {**kwargs, "system": SYSTEM, "model": "claude"}
    report = bedrock_cache_hook.audit("anthropic.messages.create", unmarked, model_id=MODEL)
    assert report.model_id == MODEL and not report.will_cache


def test_unknown_operation_names_the_new_ones() -> None:
    with pytest.raises(ValueError, match=r"litellm\.completion"):
        bedrock_cache_hook.audit("litellm.acompletion", {})
