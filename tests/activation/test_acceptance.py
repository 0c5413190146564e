"""Issue acceptance: plain boto3 code against the loopback simulator, configured by env only.

The child's code never imports or calls anything of ours; the JSON-lines ledger file and the
EMF lines on stdout are how the test sees what the hook did.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedrock_cache_hook.sim import Simulator

from .emf_schema import validate_emf_line
from .subprocess_env import clean_env, run_python

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

PLAIN_BOTO3 = textwrap.dedent(
    """
    import boto3

    client = boto3.client("bedrock-runtime")
    system = [{"text": "You review pull requests. " + " ".join(
        f"Guideline {i}: flag functions longer than {i + 20} lines." for i in range(250)
    )}]
    for question in ("Review change 1", "Review change 2"):
        reply = client.converse(
            modelId="MODEL_ID",
            system=system,
            messages=[{"role": "user", "content": [{"text": question}]}],
        )
        print(reply["stopReason"])
    """
).replace("MODEL_ID", MODEL)


@pytest.fixture
def simulator() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator()
    server = sim.serve()
    try:
        yield sim, server.url
    finally:
        server.close()


def run_plain_boto3(tmp_path: Path, url: str, **hook_env: str) -> tuple[str, str, Path]:
    jsonl = tmp_path / "ledger.jsonl"
    env = clean_env(
        tmp_path,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME=url,
        BEDROCK_CACHE_HOOK_JSONL_PATH=str(jsonl),
        **hook_env,
    )
    result = run_python(PLAIN_BOTO3, env)
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr, jsonl


def test_inject_from_the_environment_alone(
    tmp_path: Path, simulator: tuple[Simulator, str]
) -> None:
    sim, url = simulator
    stdout, stderr, jsonl = run_plain_boto3(
        tmp_path, url, BEDROCK_CACHE_HOOK="inject", BEDROCK_CACHE_HOOK_EMF="true"
    )
    assert stderr == ""
    # Markers went on the wire (the code sent none): the service wrote, then read, the cache.
    first, second = sim.calls()
    assert first.cache_write_tokens > 0
    # the second question reads everything the first wrote but the first question itself
    assert first.cache_write_tokens - 20 <= second.cache_read_tokens < first.cache_write_tokens
    # Ledger records, through the JSON-lines file.
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["status"] for r in records] == ["miss", "hit"]
    assert all(r["injected"] > 0 and r["markers"] == r["injected"] for r in records)
    assert [r["cache_read_tokens"] for r in records] == [0, second.cache_read_tokens]
    # EMF: nothing until exit (emf_every=100), then one line for both calls.
    lines = stdout.splitlines()
    assert lines[:2] == ["end_turn", "end_turn"]
    # then, after the model's line, one line per miss reason: the first call was cold
    document, cold = [validate_emf_line(line) for line in lines[2:]]
    assert (cold["MissReason"], cold["Misses"], cold["ModelId"]) == ("cold", 1, MODEL)
    assert cold["MissedReadTokens"] == records[0]["missed_read_tokens"] > 0
    assert cold["MissCostUSD"] == document["MissCostUSD"] > 0
    assert document["Calls"] == 2
    assert document["ModelId"] == MODEL
    assert document["CacheReadInputTokens"] == second.cache_read_tokens
    assert document["CacheWriteInputTokens"] == first.cache_write_tokens + second.cache_write_tokens
    assert "Guideline" not in stdout + jsonl.read_text()


def test_without_the_variable_nothing_changes(
    tmp_path: Path, simulator: tuple[Simulator, str]
) -> None:
    sim, url = simulator
    stdout, stderr, jsonl = run_plain_boto3(tmp_path, url)
    assert stdout.split() == ["end_turn", "end_turn"]
    assert stderr == ""
    assert [c.cache_write_tokens + c.cache_read_tokens for c in sim.calls()] == [0, 0]
    assert not jsonl.exists()


def test_bogus_mode_is_one_error_line_and_calls_still_work(
    tmp_path: Path, simulator: tuple[Simulator, str]
) -> None:
    sim, url = simulator
    stdout, stderr, jsonl = run_plain_boto3(
        tmp_path, url, BEDROCK_CACHE_HOOK="bogus", BEDROCK_CACHE_HOOK_EMF="true"
    )
    assert stdout.split() == ["end_turn", "end_turn"]
    assert stderr.splitlines() == [
        "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK='bogus': expected one of "
        "inject, audit, strict, off"
    ]
    assert len(sim.calls()) == 2
    assert not jsonl.exists()
