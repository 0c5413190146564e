"""The fixtures the package ships for its users' tests (loaded through the pytest11 entry)."""

from __future__ import annotations

from typing import Any

from bedrock_cache_hook import Ledger
from bedrock_cache_hook.sim import Simulator
from tests.support import agent_request


def test_fixtures_give_a_hooked_simulator_client(
    bedrock_client: Any, bedrock_sim: Simulator, bedrock_ledger: Ledger
) -> None:
    bedrock_client.converse(**agent_request())
    bedrock_sim.advance(10)
    bedrock_client.converse(**agent_request(turns=4))
    first, second = bedrock_ledger.records()
    assert first.injected > 0
    assert first.status == "miss"
    assert second.status == "hit"
    assert bedrock_sim.last_call().cache_read_tokens == second.cache_read_tokens > 0


def test_the_plugin_loads_nothing_until_a_fixture_is_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, _bedrock_cache_hook_pytest\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', "
        "'bedrock_cache_hook')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
