"""llama-index, as its documentation shows it: BedrockConverse with a FunctionTool and the
usual tool loop (chat_with_tools, run the tool calls, hand back tool messages)."""

from __future__ import annotations

import common  # first: the loopback-only guard
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.llms.bedrock_converse import BedrockConverse


def main() -> None:
    options = (
        {"system_prompt_caching": True, "tool_caching": True} if common.CACHING == "own" else {}
    )
    # An application-inference-profile ARN goes in its own parameter, beside the base model.
    model = (
        {"model": common.BASE_MODEL, "application_inference_profile_arn": common.MODEL}
        if common.MODEL.startswith("arn:")
        else {"model": common.MODEL}
    )
    llm = BedrockConverse(region_name="us-east-1", **model, **options)
    weather = FunctionTool.from_defaults(fn=common.get_weather)
    history = [ChatMessage(role="system", content=common.SYSTEM)]
    answers = []
    for turn in common.TURNS:
        history.append(ChatMessage(role="user", content=turn))
        response = llm.chat_with_tools(
            [weather], chat_history=history, allow_parallel_tool_calls=True
        )
        history.append(response.message)
        calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
        while calls:
            for call in calls:
                output = weather(**call.tool_kwargs)
                history.append(
                    ChatMessage(
                        role="tool",
                        content=str(output),
                        additional_kwargs={"tool_call_id": call.tool_id, "name": call.tool_name},
                    )
                )
            response = llm.chat_with_tools(
                [weather], chat_history=history, allow_parallel_tool_calls=True
            )
            history.append(response.message)
            calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
        answers.append(str(response.message.content))
    common.report(answers)


if __name__ == "__main__":
    main()
