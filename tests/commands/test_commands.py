"""The audit, report and doctor commands: exit codes, JSON output, no tracebacks."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook.cli import main
from bedrock_cache_hook.sim import Simulator

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM_TEXT = "You are the on-call assistant for the payments platform team. " * 150


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data: Any, name: str = "request.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def converse_kwargs(marked: bool) -> dict[str, Any]:
    system: list[dict[str, Any]] = [{"text": SYSTEM_TEXT}]
    if marked:
        system.append({"cachePoint": {"type": "default"}})
    return {
        "modelId": SONNET,
        "system": system,
        "messages": [{"role": "user", "content": [{"text": "What failed?"}]}],
    }


def test_audit_of_a_request_that_caches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, converse_kwargs(marked=True))
    code, out, _ = run(["audit", path, "--strict", "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["will_cache"] is True and report["markers"][0]["reaches_minimum"]
    code, out, _ = run(["audit", path], capsys)
    assert code == 0 and "will cache" in out and SYSTEM_TEXT[:20] not in out


def test_audit_strict_fails_the_same_request_without_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, converse_kwargs(marked=False))
    assert run(["audit", path], capsys)[0] == 0
    code, out, _ = run(["audit", path, "--strict"], capsys)
    assert code == 1 and "will NOT cache" in out and "no-marker" in out


def test_audit_reads_an_invoke_model_body_given_as_a_json_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "system": [{"type": "text", "text": SYSTEM_TEXT, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "What failed?"}],
    }
    path = write(tmp_path, {"modelId": SONNET, "body": json.dumps(body)})
    code, out, _ = run(["audit", path, "--strict", "--json"], capsys)
    assert code == 0 and json.loads(out)["will_cache"] is True
    # the same body as an object, the operation named explicitly
    path = write(tmp_path, {"body": body}, "object.json")
    argv = ["audit", path, "--operation", "invoke-model", "--model-id", SONNET, "--json"]
    code, out, _ = run(argv, capsys)
    assert code == 0 and json.loads(out)["markers"]


@pytest.mark.parametrize(
    "content", ['{"modelId": "x", "messages": [', "[1, 2]", '{"messages": []}']
)
def test_audit_of_unreadable_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    code, out, err = run(["audit", write(tmp_path, content)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("bedrock-cache-hook audit: ")


def test_audit_of_a_truncated_file_prints_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(converse_kwargs(marked=True))[:-40])
    done = subprocess.run(
        [sys.executable, "-m", "bedrock_cache_hook", "audit", path],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def _ledger_file(tmp_path: Path) -> tuple[str, Any]:
    path = tmp_path / "ledger.jsonl"
    sim = Simulator()
    client = sim.client()
    bch.install(client, jsonl_path=str(path), clock=lambda: sim.now)
    messages: list[dict[str, Any]] = []
    for turn in range(4):
        messages.append({"role": "user", "content": [{"text": f"Question {turn}?"}]})
        client.converse(modelId=SONNET, system=[{"text": SYSTEM_TEXT}], messages=messages)
        messages.append({"role": "assistant", "content": [{"text": "Answer."}]})
        sim.advance(3_700 if turn == 1 else 30)  # past even a 1h entry
    client.converse(modelId="amazon.nova-pro-v1:0", messages=[messages[0]])
    return str(path), bch.get_ledger().summary()


def test_report_reproduces_the_ledger_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, summary = _ledger_file(tmp_path)
    with open(path, "a") as handle:
        handle.write("not a record\n")
    code, out, _ = run(["report", path, "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["skipped_lines"] == 1
    reported = data["summary"]
    for field in dataclasses.fields(summary):
        if field.name in ("by_model", "by_reason"):
            continue
        assert reported[field.name] == pytest.approx(getattr(summary, field.name)), field.name
    assert {k: v["calls"] for k, v in reported["by_reason"].items()} == {
        k: v.calls for k, v in summary.by_reason.items()
    }
    assert reported["miss_cost_usd"] == pytest.approx(summary.miss_cost_usd)
    code, out, _ = run(["report", path, "--by", "model", "--json"], capsys)
    groups = json.loads(out)["groups"]
    assert {m: g["calls"] for m, g in groups.items()} == {
        m: s.calls for m, s in summary.by_model.items()
    }
    code, out, _ = run(["report", path, path, "--by", "reason"], capsys)
    assert code == 0 and "ttl_expired" in out and "cold" in out


def test_report_since_and_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, summary = _ledger_file(tmp_path)
    code, out, _ = run(["report", path, "--since", "2100-01-01T00:00:00Z", "--json"], capsys)
    assert code == 0 and json.loads(out)["summary"]["calls"] == 0
    code, out, _ = run(["report", path, "--since", "2000-01-01", "--json"], capsys)
    assert json.loads(out)["summary"]["calls"] == summary.calls
    code, _, err = run(["report", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 2 and err.startswith("bedrock-cache-hook report: cannot read")
    code, _, err = run(["report", path, "--since", "yesterday"], capsys)
    assert code == 2


def test_doctor_names_where_each_setting_comes_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_TTL", "auto")
    code, out, _ = run(["doctor", "--json", "--model-id", "anthropic.claude-sonnet-6"], capsys)
    assert code == 0
    report = json.loads(out)
    settings = {item["setting"]: item for item in report["settings"]}
    assert settings["ttl"] == {
        "setting": "ttl",
        "value": "auto",
        "source": "variable BEDROCK_CACHE_HOOK_TTL",
    }
    assert settings["mode"]["source"] == "default"
    assert report["botocore"]["converse_cache_point"] is True
    assert report["model"]["inferred_from"] == "claude-sonnet-5-5"
    assert report["versions"]["botocore"]
    monkeypatch.setenv("BEDROCK_CACHE_HOOK_TTL", "forever")
    code, _, err = run(["doctor"], capsys)
    assert code == 2 and "BEDROCK_CACHE_HOOK_TTL" in err
