from __future__ import annotations

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook.catalog import PRICES, parse_model_id, resolve

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.mark.parametrize(
    ("raw", "kind", "base", "profile"),
    [
        (SONNET, "foundation", SONNET, None),
        (f"us.{SONNET}", "profile", SONNET, "us"),
        (f"eu.{SONNET}", "profile", SONNET, "eu"),
        (f"apac.{SONNET}", "profile", SONNET, "apac"),
        (f"jp.{SONNET}", "profile", SONNET, "jp"),
        (f"au.{SONNET}", "profile", SONNET, "au"),
        (f"us-gov.{SONNET}", "profile", SONNET, "us-gov"),
        (f"global.{SONNET}", "profile", SONNET, "global"),
        (f"zz.{SONNET}", "profile", SONNET, "zz"),
        (f"abcdef.{SONNET}", "profile", SONNET, "abcdef"),
        (f"arn:aws:bedrock:us-west-2::foundation-model/{SONNET}", "foundation-arn", SONNET, None),
        (
            f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{SONNET}",
            "profile-arn",
            SONNET,
            "us",
        ),
        (
            f"arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/us-gov.{SONNET}",
            "profile-arn",
            SONNET,
            "us-gov",
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x1y2",
            "opaque-arn",
            None,
            None,
        ),
        ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc", "opaque-arn", None, None),
        ("arn:aws:bedrock:us-east-1:123456789012:custom-model/m/abc", "opaque-arn", None, None),
        ("arn:aws:bedrock:us-east-1:123456789012:imported-model/abc", "opaque-arn", None, None),
        ("amazon.nova-pro-v1:0", "foundation", "amazon.nova-pro-v1:0", None),
        ("not-a-model", "unknown", None, None),
    ],
)
def test_parse_every_id_form(raw: str, kind: str, base: str | None, profile: str | None) -> None:
    ref = parse_model_id(raw)
    assert (ref.kind, ref.base_id, ref.profile) == (kind, base, profile)


@pytest.mark.parametrize(
    ("model_id", "family", "min_tokens", "ttls"),
    [
        ("anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet", 1024, ("5m",)),
        ("anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4", 1024, ("5m",)),
        ("anthropic.claude-opus-4-20250514-v1:0", "claude-opus-4", 1024, ("5m",)),
        ("anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1", 1024, ("5m",)),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku", 2048, ("5m",)),
        (SONNET, "claude-sonnet-4-5", 1024, ("5m", "1h")),
        ("anthropic.claude-sonnet-4-6", "claude-sonnet-4-6", 1024, ("5m", "1h")),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5", 4096, ("5m", "1h")),
        ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6", 4096, ("5m", "1h")),
        ("amazon.nova-micro-v1:0", "nova-micro", 1000, ("5m",)),
        ("amazon.nova-premier-v1:0", "nova-premier", 1000, ("5m",)),
    ],
)
def test_catalog_caching_models(
    model_id: str, family: str, min_tokens: int, ttls: tuple[str, ...]
) -> None:
    resolution = resolve(f"us.{model_id}")
    spec = resolution.spec
    assert spec is not None and spec.caching
    assert (spec.family, spec.min_tokens, spec.ttls, spec.max_markers) == (
        family,
        min_tokens,
        ttls,
        4,
    )
    assert resolution.prices == PRICES[family]


def test_nova_caches_no_tools_and_needs_explicit_checkpoints() -> None:
    spec = resolve("amazon.nova-lite-v1:0").spec
    assert spec is not None
    assert spec.sections == frozenset({"system", "messages"})
    assert spec.lookback_blocks == 0


@pytest.mark.parametrize(
    "model_id",
    [
        "meta.llama3-3-70b-instruct-v1:0",
        "mistral.mistral-large-2407-v1:0",
        "amazon.titan-text-express-v1",
        "cohere.command-r-plus-v1:0",
        "ai21.jamba-1-5-large-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us.meta.llama4-maverick-17b-instruct-v1:0",
    ],
)
def test_models_that_cannot_cache(model_id: str) -> None:
    spec = resolve(model_id).spec
    assert spec is not None and not spec.caching


def test_substring_matching_is_not_how_we_detect() -> None:
    # an application profile whose id mentions claude is still opaque until mapped
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/claude-sonnet"
    assert resolve(arn).problem == "unmapped-model-id"
    mapped = resolve(arn, {arn: f"us.{SONNET}"})
    assert mapped.spec is not None and mapped.spec.family == "claude-sonnet-4-5"
    assert mapped.aliased_to == f"us.{SONNET}"


def test_regional_premium_applies_outside_global() -> None:
    assert resolve(f"global.{SONNET}").price_multiplier == 1.0
    assert resolve(f"us.{SONNET}").price_multiplier == pytest.approx(1.1)
    assert resolve(SONNET).price_multiplier == pytest.approx(1.1)
    assert resolve("us.anthropic.claude-3-7-sonnet-20250219-v1:0").price_multiplier == 1.0


def test_overrides_for_disputed_values() -> None:
    resolution = resolve(
        SONNET,
        model_overrides={"claude-sonnet-4-5": {"min_tokens": 4096}},
        price_overrides={SONNET: {"input": 2.0}},
    )
    assert resolution.spec is not None and resolution.spec.min_tokens == 4096
    assert resolution.prices is not None and resolution.prices.input == 2.0
    assert resolution.prices.read == 0.30


def test_unknown_override_fields_are_config_errors() -> None:
    with pytest.raises(bch.ConfigError, match="'min_token'"):
        bch.install(model_overrides={"claude-sonnet-4-5": {"min_token": 1}})
    with pytest.raises(bch.ConfigError, match="'inputs'"):
        bch.install(price_overrides={"claude-sonnet-4-5": {"inputs": 1.0}})


def test_price_table_has_an_as_of_date() -> None:
    assert bch.PRICES_AS_OF.count("-") == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"model_overrides": {"claude-sonnet-4-5": {"min_tokens": "4096"}}}, "non-negative int"),
        ({"model_overrides": {"claude-sonnet-4-5": {"ttls": ["2h"]}}}, "'5m' / '1h'"),
        ({"model_overrides": {"claude-sonnet-4-5": {"betas": ["x"]}}}, "anthropic_beta"),
        ({"model_overrides": {"claude-sonnet-4-5": {"caching": "yes"}}}, "True or False"),
        ({"price_overrides": {"claude-sonnet-4-5": {"input": -1}}}, "non-negative number"),
    ],
)
def test_override_values_are_checked_at_install(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(bch.ConfigError, match=message):
        bch.install(**overrides)  # type: ignore[arg-type]
