"""install() / uninstall() on every target, idempotence, modes and settings."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

import bedrock_cache_hook as bch
from tests.support import REGION, USAGE, botocore_client, converse_params, converse_response


def stubbed_converse(client: Any, usage: dict[str, int] | None = None) -> dict[str, Any]:
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_response(usage or USAGE))
        return client.converse(**converse_params())  # type: ignore[no-any-return]


def records() -> list[bch.CallRecord]:
    return bch.get_ledger().records()


@pytest.mark.parametrize(
    "make_client",
    [
        pytest.param(
            lambda: boto3.client("bedrock-runtime", region_name=REGION), id="boto3.client"
        ),
        pytest.param(
            lambda: boto3.Session().client("bedrock-runtime", region_name=REGION),
            id="boto3.Session().client",
        ),
        pytest.param(botocore_client, id="botocore session"),
    ],
)
def test_process_wide_install_covers_new_clients(make_client: Any) -> None:
    bch.install()
    client = make_client()
    stubbed_converse(client)
    [record] = records()
    assert record.operation == "Converse"
    assert record.model_id == converse_params()["modelId"]
    assert (record.input_tokens, record.output_tokens) == (
        USAGE["inputTokens"],
        USAGE["outputTokens"],
    )
    assert record.cache_read_tokens == USAGE["cacheReadInputTokens"]
    assert record.cache_write_tokens == USAGE["cacheWriteInputTokens"]
    assert record.status == "hit"
    assert record.markers == 1
    assert record.usage_source == "converse"
    assert record.server_latency_ms == 42


def test_process_wide_install_covers_existing_boto3_default_session() -> None:
    boto3.setup_default_session(region_name=REGION)
    bch.install()
    client = boto3.DEFAULT_SESSION.client("bedrock-runtime")  # type: ignore[union-attr]
    stubbed_converse(client)
    assert len(records()) == 1


def test_client_created_before_install_needs_install_client() -> None:
    client = boto3.client("bedrock-runtime", region_name=REGION)
    bch.install()
    stubbed_converse(client)
    assert records() == []
    bch.install(client)
    stubbed_converse(client)
    assert len(records()) == 1


def test_uninstall_makes_existing_clients_pass_through() -> None:
    bch.install()
    client = boto3.client("bedrock-runtime", region_name=REGION)
    stubbed_converse(client)
    bch.uninstall()
    assert not bch.is_installed()
    result = stubbed_converse(client)
    assert result["usage"] == USAGE
    later = boto3.client("bedrock-runtime", region_name=REGION)
    stubbed_converse(later)
    assert len(records()) == 1


def test_reinstall_revives_clients_created_under_the_first_install() -> None:
    bch.install()
    client = boto3.client("bedrock-runtime", region_name=REGION)
    bch.uninstall()
    stubbed_converse(client)
    bch.install()
    stubbed_converse(client)
    assert len(records()) == 1


@pytest.mark.parametrize("kind", ["boto3", "botocore"])
def test_session_install_covers_clients_created_afterwards(kind: str) -> None:
    session: Any = boto3.Session() if kind == "boto3" else botocore.session.get_session()
    bch.install(session)
    assert bch.is_installed(session)
    create = session.client if kind == "boto3" else session.create_client
    client = create("bedrock-runtime", region_name=REGION)
    stubbed_converse(client)
    other = boto3.client("bedrock-runtime", region_name=REGION)
    stubbed_converse(other)
    assert len(records()) == 1
    bch.uninstall(session)
    assert not bch.is_installed(session)
    stubbed_converse(client)
    stubbed_converse(create("bedrock-runtime", region_name=REGION))
    assert len(records()) == 1


def test_client_install_and_uninstall() -> None:
    client = boto3.client("bedrock-runtime", region_name=REGION)
    bch.install(client)
    assert bch.is_installed(client)
    assert bch.is_installed()
    stubbed_converse(client)
    bch.uninstall(client)
    assert not bch.is_installed()
    stubbed_converse(client)
    assert len(records()) == 1


@pytest.mark.parametrize("target", ["process", "session", "client"])
def test_double_install_records_once(target: str) -> None:
    session = boto3.Session()
    existing = session.client("bedrock-runtime", region_name=REGION)
    chosen: Any = {"process": None, "session": session, "client": existing}[target]
    bch.install(chosen)
    bch.install(chosen)
    if target == "process":
        client = boto3.Session().client("bedrock-runtime", region_name=REGION)
    elif target == "session":
        client = session.client("bedrock-runtime", region_name=REGION)
    else:
        client = existing
    stubbed_converse(client)
    assert len(records()) == 1


def test_process_and_client_install_on_same_client_records_once() -> None:
    bch.install()
    client = boto3.client("bedrock-runtime", region_name=REGION)
    own = bch.Ledger()
    bch.install(client, ledger=own)
    stubbed_converse(client)
    assert records() == []
    assert len(own.records()) == 1


def test_reinstall_with_other_settings_reconfigures() -> None:
    own = bch.Ledger()
    bch.install(ledger=own)
    client = boto3.client("bedrock-runtime", region_name=REGION)
    stubbed_converse(client)
    bch.install()
    stubbed_converse(client)
    assert len(own.records()) == 1
    assert len(records()) == 1


def test_concurrent_installs_from_threads_register_once() -> None:
    session = boto3.Session()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        bch.install()
        bch.install(session)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stubbed_converse(session.client("bedrock-runtime", region_name=REGION))
    stubbed_converse(boto3.client("bedrock-runtime", region_name=REGION))
    assert len(records()) == 2


def test_mode_off_installs_nothing_active() -> None:
    bch.install(mode="off")
    assert not bch.is_installed()
    stubbed_converse(boto3.client("bedrock-runtime", region_name=REGION))
    assert records() == []


def test_mode_off_removes_an_earlier_install() -> None:
    client = boto3.client("bedrock-runtime", region_name=REGION)
    bch.install(client)
    bch.install(client, mode="off")
    stubbed_converse(client)
    assert records() == []


@pytest.mark.parametrize("mode", ["audit", "strict"])
def test_other_modes_record(mode: str) -> None:
    bch.install(mode=mode)
    stubbed_converse(boto3.client("bedrock-runtime", region_name=REGION))
    assert len(records()) == 1


def test_unknown_mode_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'bogus'"):
        bch.install(mode="bogus")
    assert not bch.is_installed()


def test_unknown_setting_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'cache_everything'"):
        bch.install(cache_everything=True)
    with pytest.raises(bch.ConfigError, match="ledger_capacity"):
        bch.install(ledger_capacity=0)
    assert not bch.is_installed()


def test_wrong_targets_are_rejected() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    with pytest.raises(ValueError, match="'s3'"):
        bch.install(s3)
    with pytest.raises(TypeError, match="str"):
        bch.install("bedrock-runtime")


def test_ledger_capacity_setting_resizes_the_process_ledger() -> None:
    bch.install(ledger_capacity=3)
    assert bch.get_ledger().capacity == 3


def test_other_services_are_not_hooked() -> None:
    bch.install()
    client = boto3.client("bedrock-runtime", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_response(
            "apply_guardrail",
            {
                "action": "NONE",
                "outputs": [],
                "assessments": [],
                "usage": {
                    "topicPolicyUnits": 0,
                    "contentPolicyUnits": 0,
                    "wordPolicyUnits": 0,
                    "sensitiveInformationPolicyUnits": 0,
                    "sensitiveInformationPolicyFreeUnits": 0,
                    "contextualGroundingPolicyUnits": 0,
                },
            },
        )
        client.apply_guardrail(
            guardrailIdentifier="g",
            guardrailVersion="1",
            source="INPUT",
            content=[{"text": {"text": "x"}}],
        )
    assert records() == []


def test_explicit_keywords_beat_environment_beats_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_cache_hook.activation.install import _process

    monkeypatch.setenv("BEDROCK_CACHE_HOOK_TTL", "1h")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_LEDGER_CAPACITY", "7")
    bch.install()
    assert (_process.settings.ttl, _process.settings.mode) == ("1h", "inject")
    assert bch.get_ledger().capacity == 7
    bch.install(ttl="5m", mode="audit")
    assert (_process.settings.ttl, _process.settings.mode) == ("5m", "audit")


def test_environment_mode_off_is_a_kill_switch_for_implicit_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK", "off")
    bch.install()
    assert not bch.is_installed()
    bch.install(mode="inject")
    assert bch.is_installed()


def test_invalid_environment_value_raises_on_explicit_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_TTL", "forever")
    with pytest.raises(bch.ConfigError, match="BEDROCK_CACHE_HOOK_TTL"):
        bch.install()
    assert not bch.is_installed()


def test_log_level_setting_applies_and_is_validated() -> None:
    import logging

    logger = logging.getLogger("bedrock_cache_hook")
    previous = logger.level
    try:
        bch.install(log_level="DEBUG")
        assert logger.level == logging.DEBUG
        with pytest.raises(bch.ConfigError, match="log_level"):
            bch.install(log_level="LOUD")
    finally:
        logger.setLevel(previous)


@pytest.mark.parametrize("kind", ["session", "client"])
def test_uninstalling_a_target_hands_it_back_to_the_process_install(kind: str) -> None:
    bch.install()
    session = boto3.Session()
    client = session.client("bedrock-runtime", region_name=REGION)
    target: Any = session if kind == "session" else client
    own = bch.Ledger()
    bch.install(target, ledger=own)
    bch.uninstall(target)
    if kind == "session":
        client = session.client("bedrock-runtime", region_name=REGION)
    stubbed_converse(client)
    assert own.records() == []
    assert len(records()) == 1


def test_a_bad_ledger_is_a_config_error() -> None:
    with pytest.raises(bch.ConfigError, match="ledger"):
        bch.install(ledger={})  # type: ignore[arg-type]
    with pytest.raises(bch.ConfigError, match="max_markers"):
        bch.install(model_overrides={"claude-sonnet-4-5": {"max_markers": 6}})
