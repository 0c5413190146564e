"""Run one framework app in a child interpreter against a scripted loopback simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.server import SimServer

from .scripted import ScriptedEngine

APPS = Path(__file__).resolve().parent / "apps"
TIMEOUT = 240
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
BASE_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/travel01"


@dataclass
class Run:
    records: list[dict[str, Any]]
    answers: int
    digest: str
    sim_calls: list[Any]
    fan_outs: list[int]
    results: list[int]
    stderr: str = field(repr=False, default="")

    @property
    def read_share(self) -> float:
        """Cache reads / all input, over the calls from the second on (the simulator's log)."""
        calls = self.sim_calls[1:]
        read = sum(c.cache_read_tokens for c in calls)
        total = sum(c.input_tokens + c.cache_read_tokens + c.cache_write_tokens for c in calls)
        return read / total if total else 0.0


def run_app(
    app: str,
    *,
    model: str = MODEL,
    caching: str = "none",
    hook: bool = True,
    extra_env: dict[str, str] | None = None,
    tmp: Path,
) -> Run:
    sim = Simulator(models={PROFILE_ARN: BASE_MODEL})
    scripted = ScriptedEngine(sim.engine)
    with SimServer(scripted, "127.0.0.1", 0) as server:  # type: ignore[arg-type]
        missing = str(tmp / "no-aws-config")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": missing,
            "AWS_SHARED_CREDENTIALS_FILE": missing,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.url,
            # no framework telemetry, no downloads
            "OTEL_SDK_DISABLED": "true",
            "LANGCHAIN_TRACING_V2": "false",
            "HF_HUB_OFFLINE": "1",
            "NLTK_DATA": str(tmp / "nltk"),
            **({"BEDROCK_CACHE_HOOK": "inject"} if hook else {}),
            **(extra_env or {}),
        }
        proc = subprocess.run(
            [sys.executable, str(APPS / f"{app}_app.py"), model, caching],
            env=env,
            cwd=str(APPS),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    if proc.returncode != 0:
        raise AssertionError(f"{app} app failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    return Run(
        records=result["records"],
        answers=result["answers"],
        digest=result["digest"],
        sim_calls=sim.calls(),
        fan_outs=scripted.fan_outs,
        results=scripted.results,
        stderr=proc.stderr,
    )
