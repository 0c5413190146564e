"""A scripted model on top of the simulator: the simulator's own accounting (cache reads and
writes, Bedrock's validation), with tool calls where the script says so.

The simulator answers every request with text. A framework's tool loop needs the model to ask
for tools, so this wrapper replaces the content of a Converse / ConverseStream answer with
``toolUse`` blocks when the conversation's last message is a user's question about the
weather: one block per city named in it (a parallel fan-out when several are), ``stopReason``
``tool_use``. The usage, the headers and everything else stay the simulator's. A last message
that carries tool results gets the simulator's text answer.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import unquote

from botocore.eventstream import EventStreamBuffer

from bedrock_cache_hook.sim.eventstream import encode_event

CITIES = ("Paris", "Rome", "Oslo", "Lima", "Quito", "Accra")


def tool_calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``toolUse`` blocks the script answers this request with (none: a text answer)."""
    messages = body.get("messages") or []
    if not messages or messages[-1].get("role") != "user":
        return []
    content = messages[-1].get("content") or []
    if any("toolResult" in block for block in content):
        return []
    text = " ".join(str(block.get("text", "")) for block in content)
    if "weather" not in text.lower():
        return []
    cities = sorted((c for c in CITIES if c in text), key=text.index)
    turn = len(messages)
    return [
        {
            "toolUse": {
                "toolUseId": f"tooluse_{turn}_{i}",
                "name": "get_weather",
                "input": {"city": c},
            }
        }
        for i, c in enumerate(cities)
    ]


def _frames(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    out = []
    for message in buffer:
        event_type = message.headers.get(":event-type", "")
        out.append((str(event_type), json.loads(message.payload or b"{}")))
    return out


def _stream(original: bytes, calls: list[dict[str, Any]]) -> bytes:
    metadata = next(p for t, p in _frames(original) if t == "metadata")
    frames = [encode_event("messageStart", {"role": "assistant"})]
    for index, call in enumerate(calls):
        use = call["toolUse"]
        start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
        frames.append(
            encode_event("contentBlockStart", {"contentBlockIndex": index, "start": start})
        )
        delta = {"toolUse": {"input": json.dumps(use["input"])}}
        frames.append(
            encode_event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})
        )
        frames.append(encode_event("contentBlockStop", {"contentBlockIndex": index}))
    frames.append(encode_event("messageStop", {"stopReason": "tool_use"}))
    frames.append(encode_event("metadata", metadata))
    return b"".join(frames)


class ScriptedEngine:
    """Stands in for the simulator's engine behind a ``SimServer``."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        #: how many toolUse blocks each scripted answer carried
        self.fan_outs: list[int] = []
        #: how many toolResult blocks the requests after them carried
        self.results: list[int] = []

    def handle(self, request: Any) -> Any:
        response = self.engine.handle(request)
        path = unquote(request.path.split("?")[0])
        if response.status != 200 or not path.endswith(("/converse", "/converse-stream")):
            return response
        body = json.loads(request.body or b"{}")
        messages = body.get("messages") or []
        # tool results handed back since the model's last answer (one message or several)
        last_answer = max(
            (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1
        )
        results = sum(
            1
            for m in messages[last_answer + 1 :]
            for b in m.get("content") or []
            if "toolResult" in b
        )
        if results:
            self.results.append(results)
        calls = tool_calls(body)
        if not calls:
            return response
        self.fan_outs.append(len(calls))
        data = b"".join(response.chunks)
        if path.endswith("/converse-stream"):
            return dataclasses.replace(response, chunks=(_stream(data, calls),))
        payload = json.loads(data)
        payload["output"]["message"]["content"] = calls
        payload["stopReason"] = "tool_use"
        encoded = json.dumps(payload, separators=(",", ":")).encode()
        return dataclasses.replace(response, chunks=(encoded,))
