"""The catalog: today's ids in every form, inference for unlisted ids, exclusions, the table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_cache_hook.catalog import ENTRIES, SOURCES, resolve
from bedrock_cache_hook.catalog import table as catalog_table
from bedrock_cache_hook.catalog.entries import lookup

README = Path(__file__).resolve().parents[2] / "README.md"

#: the ids a new user tried (issue: "today's models on day one"), and the family each is
TODAY = {
    "anthropic.claude-sonnet-5": "claude-sonnet-5",
    "anthropic.claude-opus-5": "claude-opus-5",
    "anthropic.claude-opus-5-5-20260915-v1:0": "claude-opus-5-5",
    "anthropic.claude-sonnet-5-5": "claude-sonnet-5-5",
    "anthropic.claude-fable-5": "claude-fable-5",
    "anthropic.claude-fable-5-1": "claude-fable-5-1",
    "anthropic.claude-opus-4-8": "claude-opus-4-8",
    "anthropic.claude-opus-4-7": "claude-opus-4-7",
    "amazon.nova-2-lite-v1:0": "nova-2-lite",
}


def forms(model_id: str) -> list[str]:
    return [
        model_id,
        f"us.{model_id}",
        f"eu.{model_id}",
        f"global.{model_id}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        f"arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.{model_id}",
    ]


@pytest.mark.parametrize(
    ("raw", "family"), [(raw, f) for model, f in TODAY.items() for raw in forms(model)]
)
def test_todays_models_are_listed_in_every_form(raw: str, family: str) -> None:
    resolution = resolve(raw)
    assert resolution.spec is not None and resolution.spec.caching, raw
    assert resolution.spec.family == family
    assert not resolution.inferred
    assert resolution.prices is not None and resolution.prices.input > 0


@pytest.mark.parametrize(
    ("model_id", "borrowed", "family"),
    [
        # a new generation, a point release, a date suffix: the same line's nearest version
        ("anthropic.claude-sonnet-6", "claude-sonnet-5-5", "claude-sonnet-6"),
        ("anthropic.claude-opus-5-7-v1:0", "claude-opus-5-5", "claude-opus-5-7"),
        ("anthropic.claude-opus-6-20270301-v1:0", "claude-opus-5-5", "claude-opus-6"),
        ("anthropic.claude-opus-4-9", "claude-opus-4-8", "claude-opus-4-9"),
        ("anthropic.claude-fable-5-2", "claude-fable-5-1", "claude-fable-5-2"),
        ("anthropic.claude-haiku-6", "claude-haiku-5-5", "claude-haiku-6"),
        ("amazon.nova-3-lite-v1:0", "nova-2-lite", "nova-3-lite"),
        ("amazon.nova-3-pro-v1:0", "nova-2-pro", "nova-3-pro"),
    ],
)
def test_unlisted_ids_borrow_the_nearest_listed_rules(
    model_id: str, borrowed: str, family: str
) -> None:
    for raw in forms(model_id):
        resolution = resolve(raw)
        assert resolution.inferred, raw
        assert resolution.entry is not None and resolution.entry.family == borrowed
        assert resolution.spec is not None and resolution.spec.caching
        assert resolution.spec.family == family
        assert resolution.spec.min_tokens == resolution.entry.spec.min_tokens
        assert resolution.prices == resolution.entry.prices


def test_a_new_claude_line_takes_the_newest_generation_with_the_lowest_minimum() -> None:
    resolution = resolve("anthropic.claude-zephyr-7")
    assert resolution.inferred and resolution.entry is not None
    entry = resolution.entry
    assert entry.name is not None
    newest = max(e.name.version for e in ENTRIES if e.name and e.name.provider == "anthropic")
    assert entry.name.version == newest
    same_generation = [
        e.spec.min_tokens for e in ENTRIES if e.name and e.name.version == newest and e.spec.caching
    ]
    assert entry.spec.min_tokens == min(same_generation)


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-v2:1",
        "anthropic.claude-instant-v1",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-opus-20240229-v1:0",
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "amazon.titan-text-premier-v1:0",
        "amazon.nova-canvas-v1:0",
        "amazon.nova-2-sonic-v1:0",
        "meta.llama5-400b-instruct-v1:0",
        "us.mistral.mistral-large-3-v1:0",
    ],
)
def test_ids_known_not_to_cache_stay_excluded(model_id: str) -> None:
    resolution = resolve(model_id)
    assert resolution.spec is not None and not resolution.spec.caching
    assert not resolution.inferred


def test_a_provider_never_seen_is_left_untouched() -> None:
    for raw in ("vendorx.some-model", "us.vendorx.some-model-v1:0", "anthropic.something-else"):
        resolution = resolve(raw)
        assert resolution.spec is None and resolution.problem == "unknown-model", raw


def test_sonnet_35_v2_caches_but_v1_does_not() -> None:
    v2 = resolve("anthropic.claude-3-5-sonnet-20241022-v2:0").spec
    v1 = resolve("anthropic.claude-3-5-sonnet-20240620-v1:0").spec
    assert v2 is not None and v2.caching and v2.family == "claude-3-5-sonnet-v2"
    assert v1 is not None and not v1.caching


@pytest.mark.parametrize(
    ("model_id", "chosen", "rejected"),
    [
        ("anthropic.claude-sonnet-4-6", 1024, "2,048"),
        ("anthropic.claude-opus-4-7", 2048, "4,096"),
        ("amazon.nova-lite-v1:0", 1000, "1,536"),
        ("amazon.nova-micro-v1:0", 1000, "1,536"),
    ],
)
def test_disputed_minimums_take_the_value_that_never_loses_a_cache(
    model_id: str, chosen: int, rejected: str
) -> None:
    entry = lookup(model_id)
    assert entry is not None
    assert entry.spec.min_tokens == chosen
    assert rejected in entry.note
    assert "never skips" in entry.note or "loses a cache" in entry.note


def test_every_entry_cites_its_sources_and_an_as_of_date() -> None:
    families = [entry.family for entry in ENTRIES]
    assert len(families) == len(set(families))
    for entry in ENTRIES:
        assert entry.sources and set(entry.sources) <= set(SOURCES), entry.family
        assert re.fullmatch(r"20\d\d-\d\d(-\d\d)?", entry.as_of), entry.family
        spec = entry.spec
        assert spec.caching and 0 < spec.min_tokens <= 4096 and spec.max_markers == 4
        if spec.dialect == "nova":
            assert "tools" not in spec.sections and spec.lookback_blocks == 0
            assert spec.ttls == ("5m",) and spec.max_cached_tokens == 20_000
        else:
            assert spec.sections == frozenset(("tools", "system", "messages"))
            assert spec.lookback_blocks == 20 and spec.tool_prompt_tokens > 0


def test_every_stem_finds_its_own_entry_and_no_other() -> None:
    for entry in ENTRIES:
        for stem in entry.stems:
            for suffix in ("", "-v1:0", "-20260101-v1:0", ":0", "-v2"):
                assert lookup(stem + suffix) is entry, stem + suffix


def test_the_readme_model_table_is_the_catalog() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- models:start -->\n") + len("<!-- models:start -->\n")
    end = text.index("\n<!-- models:end -->")
    assert text[start:end] == catalog_table.markdown()


def _models(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedrock_cache_hook", "models", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_models_command_lists_the_catalog() -> None:
    listed = _models("--json")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert [item["family"] for item in items] == [entry.family for entry in ENTRIES]
    assert all(not item["inferred"] for item in items)
    table = _models()
    assert table.returncode == 0
    assert all(entry.family in table.stdout for entry in ENTRIES)


def test_models_command_resolves_one_id() -> None:
    inferred = _models("--model-id", "global.anthropic.claude-sonnet-6", "--json")
    assert inferred.returncode == 0, inferred.stderr
    item = json.loads(inferred.stdout)
    assert item["inferred"] and item["inferred_from"] == "claude-sonnet-5-5"
    assert item["ids"] == ["global.anthropic.claude-sonnet-6"]
    listed = _models("--model-id", "us.anthropic.claude-opus-4-7")
    assert listed.returncode == 0 and "claude-opus-4-7" in listed.stdout
    assert "source aws-guide" in listed.stdout
    unknown = _models("--model-id", "vendorx.some-model")
    assert unknown.returncode == 1 and "vendorx.some-model" in unknown.stderr
