"""The main job: ``bedrock-cache-hook demo`` against the embedded simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_cache_hook.demo import run_demo


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return run_demo()


def test_hook_saves_more_than_half(result) -> None:  # type: ignore[no-untyped-def]
    assert len(result.without.rows) == len(result.with_hook.rows) == 12
    assert result.without.cost_usd > 0
    assert result.savings_pct > 50
    assert result.with_hook.hit_rate > 0.6
    assert result.without.hit_rate == 0.0
    assert result.first_token_gain_pct > 30


def test_both_runs_send_the_same_conversation(result) -> None:  # type: ignore[no-untyped-def]
    for plain, hooked in zip(result.without.rows, result.with_hook.rows, strict=True):
        assert (
            plain.read + plain.write + plain.uncached
            == hooked.read + hooked.write + hooked.uncached
        )
        assert plain.markers == 0
        assert plain.status == "uncached"


def test_the_ledger_explains_each_call(result) -> None:  # type: ignore[no-untyped-def]
    rows = result.with_hook.rows
    assert rows[0].status == "miss" and rows[0].write > 0  # cold cache: the first call writes
    fan_out = next(r for r in rows if r.label.startswith("12 tool results"))
    assert fan_out.status == "hit"
    assert fan_out.injected == 4  # tools, system, tail and the previous tail
    paused = next(r for r in rows if r.paused_s > 300)
    # the tail before the pause was written for 1h (cheap: a turn's tokens), so it survives
    before = rows[paused.index - 2]
    assert paused.status == "hit" and paused.read == before.read + before.write
    assert paused.reason is None
    assert rows[0].reason == "cold"
    assert all(r.reason is None for r in rows if r.status == "hit")
    assert all(r.reason is None for r in result.without.rows)
    after = rows[paused.index]  # the call after the pause reads again
    assert after.status == "hit"
    assert all(r.markers <= 4 for r in rows)


def test_cli_demo_runs_with_no_aws_configuration(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    text = subprocess.run(
        [sys.executable, "-m", "bedrock_cache_hook", "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "call 12/12" in text.stdout
    assert "savings" in text.stdout
    out = subprocess.run(
        [sys.executable, "-m", "bedrock_cache_hook", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    data = json.loads(out.stdout)
    assert data["savings_pct"] > 50
    assert len(data["with_hook"]["calls"]) == 12
