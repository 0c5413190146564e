"""The simulator's own model table and id resolution."""

from __future__ import annotations

import pytest

from bedrock_cache_hook.sim.errors import INVALID_MODEL, SimError
from bedrock_cache_hook.sim.models import CLAUDE_LOOKBACK, SimModel, resolve_model

BASE = "anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.mark.parametrize(
    ("model_id", "min_tokens", "ttls"),
    [
        ("anthropic.claude-3-7-sonnet-20250219-v1:0", 1024, ("5m",)),
        ("anthropic.claude-sonnet-4-20250514-v1:0", 1024, ("5m",)),
        ("anthropic.claude-opus-4-20250514-v1:0", 1024, ("5m",)),
        ("anthropic.claude-opus-4-1-20250805-v1:0", 1024, ("5m",)),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", 1024, ("5m",)),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", 2048, ("5m",)),
        (BASE, 1024, ("5m", "1h")),
        ("anthropic.claude-sonnet-4-6", 2048, ("5m", "1h")),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-5-20251101-v1:0", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-6-v1", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-7", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-8", 1024, ("5m", "1h")),
        ("anthropic.claude-sonnet-5", 1024, ("5m", "1h")),
        ("anthropic.claude-opus-5", 512, ("5m", "1h")),
        ("anthropic.claude-opus-5-5-20260915-v1:0", 512, ("5m", "1h")),
        ("anthropic.claude-sonnet-5-5", 512, ("5m", "1h")),
        ("anthropic.claude-haiku-5-5", 512, ("5m", "1h")),
        ("anthropic.claude-fable-5", 512, ("5m", "1h")),
        ("anthropic.claude-fable-5-1", 512, ("5m", "1h")),
        ("anthropic.claude-mythos-5", 512, ("5m", "1h")),
        ("anthropic.claude-mythos-preview", 4096, ("5m", "1h")),
    ],
)
def test_claude_families(model_id: str, min_tokens: int, ttls: tuple[str, ...]) -> None:
    spec = resolve_model(model_id).spec
    assert (spec.min_tokens, spec.ttls, spec.dialect) == (min_tokens, ttls, "anthropic")
    assert spec.sections == {"tools", "system", "messages"}
    assert spec.lookback == CLAUDE_LOOKBACK == 20


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("micro", 1536), ("lite", 1536), ("pro", 1024), ("premier", 1024), ("2-lite", 1536)],
)
def test_nova_caches_system_and_messages_only_without_lookback(name: str, minimum: int) -> None:
    spec = resolve_model(f"amazon.nova-{name}-v1:0").spec
    assert spec.can_cache
    expected = (minimum, ("5m",), "nova", 0, 20_000)
    assert (spec.min_tokens, spec.ttls, spec.dialect, spec.lookback, spec.max_cached_tokens) == (
        expected
    )
    assert spec.sections == {"system", "messages"}


@pytest.mark.parametrize(
    "model_id",
    ["anthropic.claude-opus-5", "anthropic.claude-opus-5-5-v1", "anthropic.claude-opus-5-20260101"],
)
def test_a_stem_matches_only_its_own_model(model_id: str) -> None:
    # "claude-opus-5" is a prefix of "claude-opus-5-5": each id gets its own row
    family = resolve_model(model_id).spec.family
    assert family == ("claude-opus-5-5" if "5-5" in model_id else "claude-opus-5")


def test_an_unlisted_claude_id_is_an_invalid_identifier() -> None:
    # Bedrock does not serve it; a test that needs it maps it: Simulator(models={id: ...})
    with pytest.raises(SimError) as caught:
        resolve_model("anthropic.claude-sonnet-6")
    assert caught.value.message == INVALID_MODEL


@pytest.mark.parametrize(
    "model_id",
    [
        "meta.llama3-3-70b-instruct-v1:0",
        "mistral.mistral-large-2407-v1:0",
        "cohere.command-r-plus-v1:0",
        "amazon.titan-text-express-v1",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-v2:1",
    ],
)
def test_models_without_caching(model_id: str) -> None:
    assert not resolve_model(model_id).spec.can_cache


@pytest.mark.parametrize(
    "model_id",
    [
        BASE,
        f"us.{BASE}",
        f"eu.{BASE}",
        f"apac.{BASE}",
        f"jp.{BASE}",
        f"au.{BASE}",
        f"us-gov.{BASE}",
        f"global.{BASE}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{BASE}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{BASE}",
        f"arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/us-gov.{BASE}",
    ],
)
def test_every_id_form_resolves_to_the_base_id(model_id: str) -> None:
    resolved = resolve_model(model_id)
    assert resolved.base_id == BASE
    assert resolved.spec.ttls == ("5m", "1h")


APP = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"


@pytest.mark.parametrize(
    "model_id",
    [
        APP,
        "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz",
        "arn:aws:bedrock:us-east-1:123456789012:imported-model/xyz",
        "unknown.model-v1",
        "claude",
    ],
)
def test_unknown_ids_are_invalid(model_id: str) -> None:
    with pytest.raises(SimError) as raised:
        resolve_model(model_id)
    assert raised.value.message == INVALID_MODEL
    assert (raised.value.code, raised.value.status) == ("ValidationException", 400)


def test_overrides_alias_or_define_a_model() -> None:
    aliased = resolve_model(APP, {APP: f"us.{BASE}"})
    assert aliased.base_id == BASE
    custom = SimModel("mine", "anthropic", 10, ("5m",))
    assert resolve_model("my.model", {"my.model": custom}) == resolve_model(
        "global.my.model", {"my.model": custom}
    )
    assert resolve_model("my.model", {"my.model": custom}).spec.min_tokens == 10
    # an override beats the built-in table
    assert resolve_model(BASE, {BASE: custom}).spec is custom
