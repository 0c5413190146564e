"""The README's "tests and CI" example, run as written (with a small stand-in agent)."""

from __future__ import annotations

from typing import Any

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.sim import Simulator
from tests.support import SONNET_45, prose


class _Agent:
    """A stand-in for the user's code: keeps a conversation, calls converse."""

    def __init__(self) -> None:
        self.history: list[dict[str, Any]] = []

    def answer(self, client: Any, question: str) -> str:
        self.history.append({"role": "user", "content": [{"text": question}]})
        response = client.converse(
            modelId=SONNET_45, system=[{"text": prose(2000)}], messages=self.history
        )
        self.history.append(response["output"]["message"])
        return str(response["output"]["message"]["content"][0]["text"])


my_agent = _Agent()


@pytest.fixture
def bedrock() -> tuple[Simulator, Any]:
    sim = Simulator()  # virtual clock, cold cache
    client = sim.client()  # real boto3 client, dummy credentials
    bedrock_cache_hook.install(client, ledger=bedrock_cache_hook.Ledger())
    return sim, client


def test_second_turn_reads_the_cache(bedrock: tuple[Simulator, Any]) -> None:
    sim, client = bedrock
    my_agent.answer(client, "first question")  # your code, unchanged
    sim.advance(30)  # 30 virtual seconds later
    my_agent.answer(client, "follow-up")
    assert sim.last_call().cache_read_tokens > 0
