"""Settings from environment variables: names, strict parsing, precedence, the README table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_cache_hook import ConfigError, Settings
from bedrock_cache_hook.settings.environment import (
    ENV_SETTINGS,
    HANDLER,
    MODE,
    resolve,
    settings_from_env,
    table,
)

ROOT = Path(__file__).resolve().parents[2]


def test_unset_and_empty_variables_set_nothing() -> None:
    assert settings_from_env({}) == {}
    assert settings_from_env({MODE: "", "BEDROCK_CACHE_HOOK_TTL": "  "}) == {}


def test_every_variable_is_parsed() -> None:
    environ = {
        MODE: " Audit ",
        "BEDROCK_CACHE_HOOK_TTL": "1h",
        "BEDROCK_CACHE_HOOK_TAIL_POLICY": "never",
        "BEDROCK_CACHE_HOOK_MODEL_ALIASES": '{"arn:aws:bedrock:us-east-1:1:application-inference-'
        'profile/x": "anthropic.claude-sonnet-4-5-20250929-v1:0"}',
        "BEDROCK_CACHE_HOOK_MODEL_OVERRIDES": '{"amazon.nova-pro-v1:0": {"min_tokens": 1536}}',
        "BEDROCK_CACHE_HOOK_PRICE_OVERRIDES": '{"amazon.nova-pro-v1:0": {"input": 0.8}}',
        "BEDROCK_CACHE_HOOK_LEDGER_CAPACITY": "500",
        "BEDROCK_CACHE_HOOK_EMF": "TRUE",
        "BEDROCK_CACHE_HOOK_EMF_NAMESPACE": "My/App",
        "BEDROCK_CACHE_HOOK_EMF_EVERY": "7",
        "BEDROCK_CACHE_HOOK_SERVICE_NAME": "checkout",
        "BEDROCK_CACHE_HOOK_JSONL_PATH": "/tmp/ledger.jsonl",
        "BEDROCK_CACHE_HOOK_LOG_LEVEL": "debug",
    }
    found = settings_from_env(environ)
    assert found == {
        "mode": "audit",
        "ttl": "1h",
        "tail_policy": "never",
        "model_aliases": {
            "arn:aws:bedrock:us-east-1:1:application-inference-profile/x": (
                "anthropic.claude-sonnet-4-5-20250929-v1:0"
            )
        },
        "model_overrides": {"amazon.nova-pro-v1:0": {"min_tokens": 1536}},
        "price_overrides": {"amazon.nova-pro-v1:0": {"input": 0.8}},
        "ledger_capacity": 500,
        "emf": True,
        "emf_namespace": "My/App",
        "emf_every": 7,
        "service_name": "checkout",
        "jsonl_path": "/tmp/ledger.jsonl",
        "log_level": "DEBUG",
    }
    mode = found.pop("mode")
    Settings.build(mode, found)  # what the environment gives, Settings accepts


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        *[("1", True), ("true", True), ("Yes", True), ("ON", True)],
        *[("0", False), ("no", False), ("false", False), ("off", False)],
    ],
)
def test_booleans_accept_exact_spellings(spelling: str, expected: bool) -> None:
    assert settings_from_env({"BEDROCK_CACHE_HOOK_EMF": spelling}) == {"emf": expected}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (MODE, "bogus", "BEDROCK_CACHE_HOOK='bogus': expected one of inject, audit, strict, off"),
        ("BEDROCK_CACHE_HOOK_EMF", "maybe", "BEDROCK_CACHE_HOOK_EMF='maybe' is not a boolean"),
        ("BEDROCK_CACHE_HOOK_EMF", "2", "is not a boolean"),
        ("BEDROCK_CACHE_HOOK_TTL", "10m", "expected one of 5m, 1h, auto"),
        ("BEDROCK_CACHE_HOOK_LEDGER_CAPACITY", "0", "is not a positive integer"),
        ("BEDROCK_CACHE_HOOK_LEDGER_CAPACITY", "-3", "is not a positive integer"),
        ("BEDROCK_CACHE_HOOK_EMF_EVERY", "1e3", "is not a positive integer"),
        ("BEDROCK_CACHE_HOOK_EMF_EVERY", "\u0663", "is not a positive integer"),
        ("BEDROCK_CACHE_HOOK_MODEL_ALIASES", "{not json", "is not valid JSON"),
        ("BEDROCK_CACHE_HOOK_MODEL_ALIASES", '["a"]', "must be a JSON object of strings"),
        ("BEDROCK_CACHE_HOOK_MODEL_ALIASES", '{"a": 1}', "must be a JSON object of strings"),
        ("BEDROCK_CACHE_HOOK_MODEL_OVERRIDES", '{"a": 1}', "must be a JSON object of objects"),
        ("BEDROCK_CACHE_HOOK_EMF_NAMESPACE", "AWS/Bedrock", "reserved for AWS"),
        ("BEDROCK_CACHE_HOOK_EMF_NAMESPACE", "caf\u00e9", "may contain only"),
        ("BEDROCK_CACHE_HOOK_LOG_LEVEL", "LOUD", "expected one of DEBUG"),
    ],
)
def test_invalid_values_raise_naming_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as raised:
        settings_from_env({variable: value})
    assert variable in str(raised.value)
    assert "\n" not in str(raised.value)


def test_long_values_are_shortened_in_errors() -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_env({MODE: "x" * 500})
    assert len(str(raised.value)) < 200


def test_explicit_keywords_beat_environment_beats_defaults() -> None:
    environ = {"BEDROCK_CACHE_HOOK_TTL": "1h", "BEDROCK_CACHE_HOOK_EMF": "true"}
    merged = resolve({"ttl": "5m"}, environ)
    assert merged == {"ttl": "5m", "emf": True}
    settings = Settings.build("inject", merged)
    assert settings.ttl == "5m"  # explicit
    assert settings.emf is True  # environment
    assert settings.emf_every == 100  # default


def test_every_variable_names_a_settings_field() -> None:
    names = Settings.names()
    for row in ENV_SETTINGS:
        assert row.setting in names
        assert row.variable.startswith(MODE)
    assert len({row.variable for row in ENV_SETTINGS}) == len(ENV_SETTINGS)


def test_readme_shows_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table() in readme
    assert HANDLER in table()
