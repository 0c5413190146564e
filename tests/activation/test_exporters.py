"""configure_exporters(): idempotent per owner, shared per ledger, detached on None."""

from __future__ import annotations

import json

import pytest

from bedrock_cache_hook import ConfigError, Ledger, Settings, install, is_installed
from bedrock_cache_hook.export import _after_fork_in_child, _state, configure_exporters, flush

from .emf_schema import validate_emf_line
from .records import record


class Owner:
    """Stands in for an installation."""


def emf_settings(**fields: object) -> Settings:
    return Settings.build("audit", {"emf": True, "service_name": "svc", **fields})


def calls(out: str) -> list[int]:
    return [validate_emf_line(line)["Calls"] for line in out.splitlines()]


def test_configuring_twice_keeps_one_subscription(capsys: pytest.CaptureFixture[str]) -> None:
    ledger, owner = Ledger(), Owner()
    configure_exporters(owner, emf_settings(), ledger)
    ledger.append(record())
    configure_exporters(owner, emf_settings(), ledger)  # unchanged: sums survive
    ledger.append(record())
    flush()
    assert calls(capsys.readouterr().out) == [2]


def test_detaching_flushes_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    ledger, owner = Ledger(), Owner()
    configure_exporters(owner, emf_settings(), ledger)
    ledger.append(record())
    configure_exporters(owner, None, ledger)
    assert calls(capsys.readouterr().out) == [1]
    ledger.append(record())
    flush()
    assert capsys.readouterr().out == ""
    assert not _state.subscriptions
    assert not _state.owned


def test_owners_asking_for_the_same_exporter_share_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ledger, first, second = Ledger(), Owner(), Owner()
    configure_exporters(first, emf_settings(), ledger)
    configure_exporters(second, emf_settings(), ledger)
    ledger.append(record())
    flush()
    assert calls(capsys.readouterr().out) == [1]  # counted once, not once per owner
    configure_exporters(first, None, ledger)
    ledger.append(record())
    flush()
    assert calls(capsys.readouterr().out) == [1]  # still attached for the second owner


def test_changed_settings_replace_the_exporter(capsys: pytest.CaptureFixture[str]) -> None:
    ledger, owner = Ledger(), Owner()
    configure_exporters(owner, emf_settings(emf_namespace="First"), ledger)
    ledger.append(record())
    configure_exporters(owner, emf_settings(emf_namespace="Second"), ledger)
    ledger.append(record())
    flush()
    lines = capsys.readouterr().out.splitlines()
    namespaces = [
        validate_emf_line(line)["_aws"]["CloudWatchMetrics"][0]["Namespace"] for line in lines
    ]
    assert namespaces == ["First", "Second"]


def test_emf_off_attaches_nothing() -> None:
    configure_exporters(Owner(), Settings(), Ledger())
    assert not _state.subscriptions


def test_invalid_namespace_from_a_keyword_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="reserved for AWS"):
        emf_settings(emf_namespace="AWS/Mine")
    with pytest.raises(ConfigError, match="emf_namespace"):
        install(emf=True, emf_namespace="   ")
    assert not is_installed()


@pytest.mark.parametrize(
    ("function_name", "service_name", "expected"),
    [(None, None, "unknown"), ("my-fn", None, "my-fn"), ("my-fn", "explicit", "explicit")],
)
def test_service_name_defaults_to_the_lambda_function(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    function_name: str | None,
    service_name: str | None,
    expected: str,
) -> None:
    if function_name:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", function_name)
    else:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    ledger = Ledger()
    settings = Settings.build("audit", {"emf": True, "service_name": service_name})
    configure_exporters(Owner(), settings, ledger)
    ledger.append(record())
    flush()
    assert json.loads(capsys.readouterr().out)["ServiceName"] == expected


def test_a_collected_owner_is_detached(capsys: pytest.CaptureFixture[str]) -> None:
    ledger, owner = Ledger(), Owner()
    configure_exporters(owner, emf_settings(), ledger)
    del owner  # CPython frees it now; the detach happens on the next configure call
    configure_exporters(Owner(), None, ledger)
    assert not _state.subscriptions
    ledger.append(record())
    flush()
    assert capsys.readouterr().out == ""


def test_a_forked_child_starts_from_zero(capsys: pytest.CaptureFixture[str]) -> None:
    ledger, owner = Ledger(), Owner()
    configure_exporters(owner, emf_settings(), ledger)
    ledger.append(record())
    _after_fork_in_child()  # what os.fork() runs in the child
    ledger.append(record())
    flush()
    assert calls(capsys.readouterr().out) == [1]
