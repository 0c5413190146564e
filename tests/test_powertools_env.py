"""AWS Lambda Powertools' conventions: POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE
are fallbacks for our EMF service name and namespace (ours and explicit keywords beat them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.export import flush
from bedrock_cache_hook.settings.environment import settings_from_env
from bedrock_cache_hook.sim import Simulator

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def emf_directive(capsys: pytest.CaptureFixture[str], **install: Any) -> tuple[str, str]:
    bedrock_cache_hook.install(emf=True, **install)
    client = Simulator().client()
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    capsys.readouterr()
    flush()
    # the model's line, then its miss reasons' ("hi" is under the model minimum)
    line, reason = [x for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    document = json.loads(line)
    assert json.loads(reason)["MissReason"] == "below_minimum"
    return document["_aws"]["CloudWatchMetrics"][0]["Namespace"], document["ServiceName"]


def test_powertools_variables_are_the_fallbacks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "checkout")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Shop")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "checkout-fn")
    assert emf_directive(capsys) == ("Shop", "checkout")


def test_ours_beat_powertools_and_keywords_beat_both(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "checkout")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Shop")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_SERVICE_NAME", "ours")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_EMF_NAMESPACE", "Ours")
    assert emf_directive(capsys) == ("Ours", "ours")
    bedrock_cache_hook.uninstall()
    assert emf_directive(capsys, emf_namespace="Kw", service_name="kw") == ("Kw", "kw")


def test_without_them_the_defaults_stay(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    assert emf_directive(capsys) == ("BedrockCacheHook", "fn")


def test_an_invalid_powertools_namespace_is_ignored_not_an_error() -> None:
    environ = {"POWERTOOLS_METRICS_NAMESPACE": "", "POWERTOOLS_SERVICE_NAME": "svc"}
    assert settings_from_env(environ) == {"service_name": "svc"}
    environ = {"POWERTOOLS_METRICS_NAMESPACE": "bad:" + "x" * 300}
    assert settings_from_env(environ) == {}
    # ours stays strict
    with pytest.raises(bedrock_cache_hook.ConfigError):
        settings_from_env({"BEDROCK_CACHE_HOOK_EMF_NAMESPACE": "bad:" + "x" * 300})
