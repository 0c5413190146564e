"""langchain-aws, as its documentation shows it: ChatBedrockConverse with a bound tool and the
usual tool loop (invoke, run the tool calls, hand back ToolMessages)."""

from __future__ import annotations

import common  # first: the loopback-only guard
from langchain_aws import ChatBedrockConverse
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return common.get_weather(city)


def main() -> None:
    # An application-inference-profile ARN needs its provider and base model named (else
    # langchain-aws asks Bedrock's control plane for them).
    profile = (
        {"provider": "anthropic", "base_model_id": common.BASE_MODEL}
        if common.MODEL.startswith("arn:")
        else {}
    )
    llm = ChatBedrockConverse(model=common.MODEL, region_name="us-east-1", **profile)
    options = {"cache_control": {"type": "ephemeral"}} if common.CACHING == "own" else {}
    chat = llm.bind_tools([get_weather])
    messages: list = [SystemMessage(common.SYSTEM)]
    answers = []
    for turn in common.TURNS:
        messages.append(HumanMessage(turn))
        reply = chat.invoke(messages, **options)
        messages.append(reply)
        while reply.tool_calls:
            for call in reply.tool_calls:
                messages.append(
                    ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])
                )
            reply = chat.invoke(messages, **options)
            messages.append(reply)
        answers.append(str(reply.content))
    common.report(answers)


if __name__ == "__main__":
    main()
