"""The Lambda handler wrapper, in process: activation order, forwarding, EMF per invocation."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from bedrock_cache_hook import ConfigError

from .emf_schema import validate_emf_line

WRAPPER = "bedrock_cache_hook.lambda_handler"

APP = """
import bedrock_cache_hook
from tests.support import boto3_client, converse_params, converse_response, json_response
from tests.support import respond_with

HOOKED_AT_IMPORT = bedrock_cache_hook.is_installed()
client = boto3_client()  # created at import, as Lambda functions do
respond_with(client, lambda _: json_response(converse_response()))


class Boom(Exception):
    pass


def handler(event, context):
    client.converse(**converse_params())
    client.converse(**converse_params())
    if event.get("fail"):
        raise Boom(event["fail"])
    return {"echo": event, "context": context, "hooked_at_import": HOOKED_AT_IMPORT}
"""


@pytest.fixture
def function_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "plain.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("BEDROCK_CACHE_HOOK", "audit")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_EMF", "true")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_EMF_EVERY", "1")  # the wrapper must override it
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_SERVICE_NAME", "fn")
    yield tmp_path
    for name in (WRAPPER, "pkg", "pkg.app", "plain"):
        sys.modules.pop(name, None)


def load_wrapper() -> ModuleType:
    sys.modules.pop(WRAPPER, None)
    return importlib.import_module(WRAPPER)


@pytest.mark.parametrize("spec", ["pkg.app.handler", "pkg/app.handler"])
def test_forwards_and_flushes_one_emf_line_per_invocation(
    function_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec: str,
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", spec)
    wrapper = load_wrapper()
    context = object()
    for n in range(3):
        result = wrapper.handler({"n": n}, context)
        assert result == {"echo": {"n": n}, "context": context, "hooked_at_import": True}
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1
        document = validate_emf_line(lines[0])
        assert document["Calls"] == 2  # one line for both calls, despite EMF_EVERY=1
        assert document["ServiceName"] == "fn"


def test_exceptions_pass_through_unchanged_after_the_flush(
    function_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", "pkg.app.handler")
    wrapper = load_wrapper()
    app = sys.modules["pkg.app"]
    with pytest.raises(app.Boom) as raised:
        wrapper.handler({"fail": "no luck"}, None)
    assert raised.value.args == ("no luck",)
    assert validate_emf_line(capsys.readouterr().out.strip())["Calls"] == 2


def test_without_the_hook_variable_it_only_forwards(
    function_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BEDROCK_CACHE_HOOK")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", "pkg.app.handler")
    wrapper = load_wrapper()
    assert wrapper.handler({}, None)["hooked_at_import"] is False
    assert capsys.readouterr().out == ""


def test_an_invalid_hook_setting_logs_once_and_the_function_still_runs(
    function_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_EMF", "sometimes")
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", "pkg.app.handler")
    wrapper = load_wrapper()
    assert wrapper.handler({"n": 1}, None)["hooked_at_import"] is False
    assert [r.getMessage() for r in caplog.records if r.name == "bedrock_cache_hook"] == [
        "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK_EMF='sometimes' is not a "
        "boolean: expected one of 1, true, yes, on, 0, false, no, off"
    ]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (None, "BEDROCK_CACHE_HOOK_HANDLER is not set"),
        ("handler", "is not of the form module.function"),
        ("plain.handler", "module 'plain' has no function 'handler'"),
        ("plain.x", "module 'plain' has no function 'x'"),
        ("bedrock_cache_hook.lambda_handler.handler", "points at this wrapper itself"),
    ],
)
def test_a_bad_handler_setting_fails_the_init_phase_clearly(
    function_dir: Path, monkeypatch: pytest.MonkeyPatch, spec: str | None, message: str
) -> None:
    if spec is None:
        monkeypatch.delenv("BEDROCK_CACHE_HOOK_HANDLER", raising=False)
    else:
        monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", spec)
    with pytest.raises(ConfigError, match=message):
        load_wrapper()


def test_a_missing_module_is_an_import_error(
    function_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_HANDLER", "nowhere.handler")
    with pytest.raises(ModuleNotFoundError, match="nowhere"):
        load_wrapper()
