"""pydantic-ai, as its documentation shows it: an Agent on BedrockConverseModel, one tool,
the conversation carried in ``message_history``."""

from __future__ import annotations

import common  # first: the loopback-only guard
from pydantic_ai import Agent
from pydantic_ai.models.bedrock import BedrockConverseModel, BedrockModelSettings
from pydantic_ai.providers.bedrock import BedrockProvider


def main() -> None:
    settings = (
        BedrockModelSettings(
            bedrock_cache_instructions=True,
            bedrock_cache_tool_definitions=True,
            bedrock_cache_messages=True,
        )
        if common.CACHING == "own"
        else None
    )
    model = BedrockConverseModel(common.MODEL, provider=BedrockProvider(region_name="us-east-1"))
    agent = Agent(model, instructions=common.SYSTEM, model_settings=settings)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return common.get_weather(city)

    history = None
    answers = []
    for turn in common.TURNS:
        result = agent.run_sync(turn, message_history=history)
        history = result.all_messages()
        answers.append(str(result.output))
    common.report(answers)


if __name__ == "__main__":
    main()
