"""Activation from the environment, in process: on, off, invalid (one line, hook off)."""

from __future__ import annotations

import logging

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.activation import startup as _activate
from bedrock_cache_hook.activation.install import _process
from bedrock_cache_hook.activation.startup import activate_from_env
from tests.support import (
    boto3_client,
    converse_params,
    converse_response,
    json_response,
    respond_with,
)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bedrock_cache_hook" and r.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("environ", [{}, {"BEDROCK_CACHE_HOOK": ""}, {"BEDROCK_CACHE_HOOK": "off"}])
def test_unset_or_off_does_nothing(
    environ: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    assert activate_from_env(environ) is False
    assert not bedrock_cache_hook.is_installed()
    assert caplog.records == []


def test_set_installs_with_the_environment_settings() -> None:
    environ = {
        "BEDROCK_CACHE_HOOK": "audit",
        "BEDROCK_CACHE_HOOK_LEDGER_CAPACITY": "7",
        "BEDROCK_CACHE_HOOK_LOG_LEVEL": "DEBUG",
        "BEDROCK_CACHE_HOOK_TTL": "1h",
    }
    assert activate_from_env(environ) is True
    assert bedrock_cache_hook.is_installed()
    assert _process.settings.mode == "audit"
    assert _process.settings.ttl == "1h"
    assert bedrock_cache_hook.get_ledger().capacity == 7
    assert logging.getLogger("bedrock_cache_hook").level == logging.DEBUG
    client = boto3_client()
    respond_with(client, lambda _: json_response(converse_response()))
    client.converse(**converse_params())
    assert len(bedrock_cache_hook.get_ledger()) == 1


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"BEDROCK_CACHE_HOOK": "bogus"},
            "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK='bogus': expected one of "
            "inject, audit, strict, off",
        ),
        (
            {"BEDROCK_CACHE_HOOK": "inject", "BEDROCK_CACHE_HOOK_MODEL_ALIASES": "{oops"},
            "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK_MODEL_ALIASES is not valid "
            "JSON: expected a JSON object of strings",
        ),
        (
            {"BEDROCK_CACHE_HOOK": "inject", "BEDROCK_CACHE_HOOK_EMF": "sometimes"},
            "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK_EMF='sometimes' is not a "
            "boolean: expected one of 1, true, yes, on, 0, false, no, off",
        ),
    ],
)
def test_an_invalid_value_is_one_error_line_and_the_hook_stays_off(
    environ: dict[str, str], message: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert activate_from_env(environ) is False
    assert activate_from_env(dict(environ)) is False  # same environment: reported once
    assert errors(caplog) == [message]
    assert not bedrock_cache_hook.is_installed()
    client = boto3_client()
    respond_with(client, lambda _: json_response(converse_response()))
    assert client.converse(**converse_params())["stopReason"] == "end_turn"
    assert len(bedrock_cache_hook.get_ledger()) == 0


def test_an_unexpected_failure_is_reported_without_its_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("may quote something private")

    monkeypatch.setattr(_activate, "install", broken)
    assert activate_from_env({"BEDROCK_CACHE_HOOK": "inject"}) is False
    assert errors(caplog) == [
        "bedrock_cache_hook: not activated: unexpected RuntimeError during activation; "
        "please report this"
    ]
