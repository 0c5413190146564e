"""Real frameworks, unchanged, each with its own boto3 client, against the loopback simulator,
with only ``BEDROCK_CACHE_HOOK=inject`` set (the start-up hook; no import of ours in the app).

Each app (``apps/``) runs five user turns in one conversation: two weather questions, the
second a parallel fan-out of three tool calls; seven model calls in all, streaming or not as
the framework defaults. Skipped for a framework that is not installed; ``.ci/run`` installs
them all (``pip install -e '.[integration]' -c tests/integration/constraints.txt``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from .conftest import SHARES
from .harness import BASE_MODEL, PROFILE_ARN, Run, run_app

#: app -> (importable module, the operation the framework uses by default)
FRAMEWORKS = {
    "strands": ("strands", "ConverseStream"),
    "langchain": ("langchain_aws", "Converse"),
    "pydantic_ai": ("pydantic_ai", "ConverseStream"),
    "llama_index": ("llama_index.llms.bedrock_converse", "Converse"),
}
#: frameworks whose own caching option caches nothing for an application-inference-profile
#: ARN (they decide by the model id's text)
BLIND_TO_PROFILES = {"strands", "pydantic_ai"}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


APPS = [
    pytest.param(
        app,
        marks=pytest.mark.skipif(not _installed(module), reason=f"{module} is not installed"),
    )
    for app, (module, _) in FRAMEWORKS.items()
]


def _check_conversation(run: Run) -> None:
    """The tool loop ran as scripted and every request was accepted."""
    assert run.answers == 5
    assert run.fan_outs == [1, 3]  # one tool call, then a parallel fan-out of three
    assert run.results == [1, 3]  # all three results handed back in one request
    assert len(run.sim_calls) == 7
    assert [c.status for c in run.sim_calls] == [200] * 7


def _check_reads_from_the_second_call(run: Run) -> None:
    assert len(run.records) == 7
    assert all(r["error_code"] is None and r["completed"] for r in run.records)
    assert run.records[0]["cache_write_tokens"] > 1000
    assert all(r["cache_read_tokens"] > 0 for r in run.records[1:])
    assert all(c.cache_read_tokens > 0 for c in run.sim_calls[1:])
    assert run.read_share > 0.8


@pytest.mark.parametrize("app", APPS)
def test_env_var_alone_caches_from_the_second_call(app: str, tmp_path: Path) -> None:
    run = run_app(app, tmp=tmp_path)
    _check_conversation(run)
    _check_reads_from_the_second_call(run)
    assert {r["operation"] for r in run.records} == {FRAMEWORKS[app][1]}
    assert all(r["injected"] > 0 for r in run.records)  # the hook placed the markers
    # the same conversation without the hook: the same answers, and nothing read
    without = run_app(app, hook=False, tmp=tmp_path)
    _check_conversation(without)
    assert without.digest == run.digest
    assert without.read_share == 0.0
    SHARES[(app, "env var only")] = run.read_share
    SHARES[(app, "no hook, no framework caching")] = without.read_share
    print(f"{app}: read share {run.read_share:.1%} (env var only)")


@pytest.mark.parametrize("ttl", ["5m", "1h"])
@pytest.mark.parametrize("app", APPS)
def test_with_the_frameworks_own_caching_on_bedrocks_rules_hold(
    app: str, ttl: str, tmp_path: Path
) -> None:
    run = run_app(app, caching="own", tmp=tmp_path, extra_env={"BEDROCK_CACHE_HOOK_TTL": ttl})
    _check_conversation(run)  # no request refused: at most 4 markers, TTLs in order
    _check_reads_from_the_second_call(run)
    assert all(r["markers"] <= 4 for r in run.records)
    SHARES[(app, f"own caching + hook, ttl {ttl}")] = run.read_share


@pytest.mark.parametrize("app", APPS)
def test_application_inference_profile_needs_the_alias_map(app: str, tmp_path: Path) -> None:
    alone = run_app(app, model=PROFILE_ARN, caching="own", hook=False, tmp=tmp_path)
    _check_conversation(alone)
    aliases = json.dumps({PROFILE_ARN: BASE_MODEL})
    hooked = run_app(
        app,
        model=PROFILE_ARN,
        caching="own",
        tmp=tmp_path,
        extra_env={"BEDROCK_CACHE_HOOK_MODEL_ALIASES": aliases},
    )
    _check_conversation(hooked)
    _check_reads_from_the_second_call(hooked)
    assert all(r["markers"] <= 4 for r in hooked.records)
    assert hooked.read_share >= alone.read_share
    if app in BLIND_TO_PROFILES:
        assert alone.read_share == 0.0  # the framework alone caches nothing, silently
        assert all(c.cache_write_tokens == 0 for c in alone.sim_calls)
    SHARES[(app, "profile ARN, framework alone")] = alone.read_share
    SHARES[(app, "profile ARN + alias map")] = hooked.read_share
