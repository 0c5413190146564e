"""Strands Agents, as its documentation shows it: an Agent, a BedrockModel, one tool."""

from __future__ import annotations

import common  # first: the loopback-only guard
from strands import Agent, tool
from strands.models import BedrockModel
from strands.models.model import CacheConfig


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: the city's name
    """
    return common.get_weather(city)


def main() -> None:
    options = {"cache_config": CacheConfig(strategy="auto")} if common.CACHING == "own" else {}
    model = BedrockModel(model_id=common.MODEL, region_name="us-east-1", **options)
    agent = Agent(
        model=model,
        system_prompt=common.SYSTEM,
        tools=[get_weather],
        callback_handler=None,
    )
    answers = [str(agent(turn)) for turn in common.TURNS]
    common.report(answers)


if __name__ == "__main__":
    main()
