from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

import bedrock_cache_hook
from bedrock_cache_hook import _guard
from bedrock_cache_hook.install import _reset
from bedrock_cache_hook.ledger import DEFAULT_CAPACITY


@pytest.fixture(autouse=True)
def _dummy_aws_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Never read real credentials or config; never reach an instance metadata service."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _loud_hook() -> Iterator[None]:
    """Our own bugs must fail our tests: the fail-open guard re-raises here."""
    previous = _guard.set_reraise(True)
    _guard.reset_reports()
    yield
    _guard.set_reraise(previous)


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    _reset()
    boto3.DEFAULT_SESSION = None
    bedrock_cache_hook.get_ledger().clear()
    bedrock_cache_hook.get_ledger().set_capacity(DEFAULT_CAPACITY)
    yield
    _reset()
    boto3.DEFAULT_SESSION = None
    bedrock_cache_hook.get_ledger().clear()
