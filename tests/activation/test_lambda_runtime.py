"""The real Lambda runtime interface client (awslambdaric) against a local Runtime API.

A sample function calls Converse through plain boto3 against the loopback simulator. It is
configured only by environment variables, both ways Lambda users would:

- handler wrapper: the runtime loads ``bedrock_cache_hook.lambda_handler.handler`` and
  ``BEDROCK_CACHE_HOOK_HANDLER=app.handler``;
- exec wrapper: ``AWS_LAMBDA_EXEC_WRAPPER`` points at the layer's script, which a
  managed-runtime style bootstrap runs in front of the runtime; ``_HANDLER=app.handler``.

Like Lambda, the runtime runs with no ``site`` processing (``python -S``, everything on
``PYTHONPATH``): the ``.pth`` start-up hook cannot help, so only the wrapper can activate.
The package comes from the layer zip that ``scripts/build_lambda_layer.sh`` builds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bedrock_cache_hook.sim import Simulator

from .emf_schema import validate_emf_line
from .runtime_api import RuntimeApi
from .subprocess_env import clean_env

pytest.importorskip("awslambdaric")

ROOT = Path(__file__).resolve().parents[2]
# Importing bedrock_cache_hook.lambda_handler would run its init phase: name it instead.
HANDLER_NAME = "bedrock_cache_hook.lambda_handler.handler"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
FUNCTION_NAME = "cache-demo"
RESULT_TIMEOUT = 25.0

APP = (
    '''
import sys

import boto3

# Long and stable: well over the 1,024-token minimum of the model, so the hook marks it.
SYSTEM = [{"text": "You answer questions about orders. " + " ".join(
    f"Policy {i}: refunds within {i % 30 + 1} days need receipt number {i * 7919}."
    for i in range(200)
)}]
client = boto3.client("bedrock-runtime")


class OrderNotFound(Exception):
    pass


def handler(event, context):
    reply = client.converse(
        modelId="'''
    + MODEL
    + """",
        system=SYSTEM,
        messages=[{"role": "user", "content": [{"text": event["question"]}]}],
    )
    if event.get("fail"):
        raise OrderNotFound(event["fail"])
    return {
        "usage": reply["usage"],
        "request_id": context.aws_request_id,
        "start_up_hook_loaded": "_bedrock_cache_hook_boot" in sys.modules,
    }
"""
)

# What a managed Python runtime's bootstrap does: start the runtime interface client with
# the handler from _HANDLER, through AWS_LAMBDA_EXEC_WRAPPER when one is set.
BOOTSTRAP = """#!/bin/sh
set -- "$LAMBDA_PYTHON" -S -c 'import os, sys
from awslambdaric.__main__ import main
main([sys.argv[0], os.environ["_HANDLER"]])'
if [ -n "${AWS_LAMBDA_EXEC_WRAPPER:-}" ]; then
    set -- "$AWS_LAMBDA_EXEC_WRAPPER" "$@"
fi
exec "$@"
"""

EVENTS = [
    {"question": "Where is order 1?"},
    {"question": "Where is order 2?"},
    {"question": "Where is order 3?"},
    {"question": "Where is order 42?", "fail": "order 42 does not exist"},
]


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer zip built from this checkout, unpacked as Lambda would under /opt."""
    work = tmp_path_factory.mktemp("layer")
    archive = work / "layer.zip"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "build_lambda_layer.sh"), str(archive)],
        check=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHON": sys.executable},
    )
    opt = work / "opt"
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            zipped.extract(info, opt)
            mode = info.external_attr >> 16
            if mode:
                (opt / info.filename).chmod(mode & 0o777)
    return opt


@pytest.fixture
def simulator_url() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator()
    server = sim.serve()
    try:
        yield sim, server.url
    finally:
        server.close()


def run_runtime(
    command: list[str], env: dict[str, str], api: RuntimeApi, tmp_path: Path
) -> tuple[list[Any], str, str]:
    """Run the runtime until it has posted a result for every event; always kill it."""
    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr, cwd=tmp_path)
        try:
            posted = api.wait_for(len(EVENTS), RESULT_TIMEOUT)
        finally:
            process.kill()
            process.wait(timeout=10)
            api.close()
    return posted, stdout_path.read_text(), stderr_path.read_text()


def base_env(tmp_path: Path, api: RuntimeApi, sim_url: str, layer: Path) -> dict[str, str]:
    task = tmp_path / "task"
    task.mkdir()
    (task / "app.py").write_text(textwrap.dedent(APP))
    site = sysconfig.get_paths()
    path = [str(task), str(layer / "python"), site["purelib"], site["platlib"]]
    return clean_env(
        tmp_path,
        AWS_LAMBDA_RUNTIME_API=api.address,
        AWS_LAMBDA_FUNCTION_NAME=FUNCTION_NAME,
        LAMBDA_TASK_ROOT=str(task),
        PYTHONPATH=os.pathsep.join(dict.fromkeys(path)),
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME=sim_url,
        BEDROCK_CACHE_HOOK="inject",
        BEDROCK_CACHE_HOOK_EMF="true",
    )


def handler_wrapper_way(tmp_path: Path, env: dict[str, str], layer: Path) -> list[str]:
    env["BEDROCK_CACHE_HOOK_HANDLER"] = "app.handler"
    return [sys.executable, "-S", "-m", "awslambdaric", HANDLER_NAME]


def exec_wrapper_way(tmp_path: Path, env: dict[str, str], layer: Path) -> list[str]:
    bootstrap = tmp_path / "bootstrap"
    bootstrap.write_text(BOOTSTRAP)
    bootstrap.chmod(0o755)
    env["_HANDLER"] = "app.handler"
    env["AWS_LAMBDA_EXEC_WRAPPER"] = str(layer / "bedrock-cache-hook-wrapper")
    env["LAMBDA_PYTHON"] = sys.executable
    return [str(bootstrap)]


@pytest.mark.parametrize("way", [handler_wrapper_way, exec_wrapper_way])
def test_real_runtime_caches_reports_emf_and_passes_errors_through(
    tmp_path: Path, layer: Path, simulator_url: tuple[Simulator, str], way: Any
) -> None:
    sim, url = simulator_url
    api = RuntimeApi(EVENTS)
    env = base_env(tmp_path, api, url, layer)
    command = way(tmp_path, env, layer)
    posted, stdout, stderr = run_runtime(command, env, api, tmp_path)
    diagnostics = f"posted={posted}\nstdout={stdout}\nstderr={stderr}"

    assert [p.kind for p in posted] == ["response", "response", "response", "error"], diagnostics
    assert [p.request_id for p in posted] == api.request_ids

    # Responses delivered; the first invocation writes the cache, the later ones read it.
    replies = [p.body for p in posted[:3]]
    assert [r["request_id"] for r in replies] == api.request_ids[:3]
    assert not any(r["start_up_hook_loaded"] for r in replies)  # the wrapper did it alone
    first, *later = [r["usage"] for r in replies]
    assert first["cacheWriteInputTokens"] > 0
    assert first["cacheReadInputTokens"] == 0
    for usage in later:
        # each reads the system prompt the first wrote; at most its own short question is new
        written = first["cacheWriteInputTokens"]
        assert written - 20 <= usage["cacheReadInputTokens"] <= written
        assert usage["cacheWriteInputTokens"] < 20

    # The function's exception reaches the error endpoint as the function raised it.
    error = posted[3]
    assert error.body["errorType"] == "OrderNotFound"
    assert error.body["errorMessage"] == "order 42 does not exist"
    assert error.body["requestId"] == api.request_ids[3]
    assert any("app.py" in frame for frame in error.body["stackTrace"])

    # One EMF line per invocation (the failed one included), matching what was served, and
    # after the first (cold) one its miss reason's line.
    lines = [line for line in stdout.splitlines() if line.startswith('{"_aws"')]
    everything = [validate_emf_line(line) for line in lines]
    reasons = [d for d in everything if "MissReason" in d]
    documents = [d for d in everything if "MissReason" not in d]
    assert [(d["MissReason"], d["Misses"]) for d in reasons] == [("cold", 1)], diagnostics
    assert everything[1] is reasons[0]
    assert reasons[0]["MissCostUSD"] == documents[0]["MissCostUSD"] > 0
    served = sim.calls()
    assert len(documents) == len(EVENTS) == len(served), diagnostics
    for document, call in zip(documents, served, strict=True):
        assert document["ServiceName"] == FUNCTION_NAME
        assert document["ModelId"] == MODEL
        assert document["Calls"] == 1
        assert document["InputTokens"] == call.input_tokens
        assert document["CacheReadInputTokens"] == call.cache_read_tokens
        assert document["CacheWriteInputTokens"] == call.cache_write_tokens
        assert document["OutputTokens"] == call.output_tokens
        total = call.input_tokens + call.cache_read_tokens + call.cache_write_tokens
        rate = 100 * call.cache_read_tokens / total
        assert document["CacheHitRate"] == pytest.approx(rate, abs=1e-3)
        assert document["CostUSD"] > 0
    assert documents[0]["CacheHitRate"] == 0
    assert documents[0]["SavingsUSD"] < 0  # a cache write costs more than plain input
    assert all(d["CacheHitRate"] > 90 and d["SavingsUSD"] > 0 for d in documents[1:])
    assert "Policy 7" not in stdout  # never prompt text
