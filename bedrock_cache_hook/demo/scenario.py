"""A scripted, realistic tool-using agent session (a support agent handling a refund).

Deterministic: the system prompt, the 15 tool definitions and every turn are generated from
fixed word lists, so each run sends the same bytes. The assistant turns are scripted (the
simulator's replies are not fed back), which keeps the session identical with and without
the hook; only the cache markers differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

_TOPICS = (
    "refunds",
    "exchanges",
    "shipping delays",
    "damaged items",
    "loyalty points",
    "fraud checks",
    "escalations",
    "gift cards",
    "subscriptions",
    "privacy requests",
    "warranty claims",
    "store credit",
    "partial refunds",
    "international orders",
    "tone and empathy",
)
_PHRASES = (
    "verify the customer's identity before discussing any order details",
    "quote the relevant policy section and its effective date",
    "never promise a refund before the eligibility check has passed",
    "prefer store credit only when the customer explicitly agrees to it",
    "record every tool call outcome in the ticket timeline",
    "escalate to a human supervisor when the amount exceeds the approval limit",
    "summarise the resolution in plain language at the end of the conversation",
    "apologise once, sincerely, and then focus on concrete next steps",
)
TOOLS = (
    "get_customer",
    "get_order",
    "check_refund_policy",
    "search_knowledge_base",
    "check_inventory",
    "create_refund_draft",
    "request_approval",
    "issue_refund",
    "send_email",
    "log_ticket",
    "get_shipping_status",
    "apply_store_credit",
    "update_address",
    "flag_fraud_review",
    "close_ticket",
)


def system_prompt() -> list[dict[str, Any]]:
    sections = []
    for number, topic in enumerate(_TOPICS, start=1):
        rules = " ".join(
            f"Rule {number}.{k}: when handling {topic}, {_PHRASES[(number + k) % len(_PHRASES)]}."
            for k in range(1, 9)
        )
        sections.append(f"## Section {number}: {topic}\n{rules}")
    text = "You are the support agent of an online store. Follow this handbook.\n\n" + "\n\n".join(
        sections
    )
    return [{"text": text}]


def tool_config() -> dict[str, Any]:
    tools = []
    for index, name in enumerate(TOOLS):
        description = (
            f"{name.replace('_', ' ').capitalize()}. Use it to "
            f"{_PHRASES[index % len(_PHRASES)]}; returns a JSON document with the fields the "
            "handbook requires, or an error object with a code and a retry hint."
        )
        schema = {
            "type": "object",
            "properties": {
                "ticket_id": {"type": "string", "description": "the support ticket id"},
                "reference": {"type": "string", "description": f"the {name} reference"},
                "reason": {"type": "string", "description": "why the agent calls this tool"},
            },
            "required": ["ticket_id"],
        }
        tools.append(
            {
                "toolSpec": {
                    "name": name,
                    "description": description,
                    "inputSchema": {"json": schema},
                }
            }
        )
    return {"tools": tools}


def _tool_use(call_id: str, name: str, reference: str) -> dict[str, Any]:
    return {
        "toolUse": {
            "toolUseId": call_id,
            "name": name,
            "input": {"ticket_id": "T-1042", "reference": reference},
        }
    }


def _tool_result(call_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"toolResult": {"toolUseId": call_id, "content": [{"json": payload}]}}


@dataclass(frozen=True)
class Step:
    label: str
    #: content of the user turn sent in this call (text or tool results)
    user: list[dict[str, Any]]
    #: the scripted assistant turn that answers it
    assistant: list[dict[str, Any]]
    stream: bool = False
    #: virtual seconds that pass before this call (a human or a slow tool)
    pause_before: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


def _single(
    step: int,
    name: str,
    reference: str,
    label: str,
    result: dict[str, Any],
    *,
    stream: bool = False,
    pause: float = 0.0,
) -> Step:
    call_id = f"call_{step:02d}"
    return Step(
        label,
        [],
        [_tool_use(call_id, name, reference)],
        stream,
        pause,
        {"result": result, "call_id": call_id},
    )


def steps() -> Iterator[Step]:
    """The session's calls in order, each with the previous call's tool results."""
    fan_out = [f"SKU-{100 + i}" for i in range(12)]
    scripted = [
        _single(
            1,
            "get_customer",
            "C-77",
            "question: refund for a damaged blender",
            {"customer": "C-77", "tier": "gold", "since": 2019},
        ),
        _single(
            2,
            "get_order",
            "O-5531",
            "tool result: customer profile",
            {"order": "O-5531", "total": 189.0, "items": 12},
        ),
        _single(
            3,
            "check_refund_policy",
            "damaged",
            "tool result: order details",
            {"eligible": True, "window_days": 30},
        ),
        _single(
            4,
            "search_knowledge_base",
            "blender",
            "tool result: policy check",
            {"articles": ["KB-12", "KB-40"]},
            stream=True,
        ),
    ]
    yield from _with_results(scripted, first_question="My blender arrived cracked. Refund?")
    fan_ids = [f"call_05_{i:02d}" for i in range(len(fan_out))]
    yield Step(
        "tool result: KB articles -> parallel fan-out (12 stock checks)",
        [_tool_result("call_04", {"articles": ["KB-12", "KB-40"]})],
        [_tool_use(cid, "check_inventory", sku) for cid, sku in zip(fan_ids, fan_out, strict=True)],
    )
    yield Step(
        "12 tool results: inventory",
        [
            _tool_result(cid, {"sku": sku, "in_stock": i % 3 != 0})
            for i, (cid, sku) in enumerate(zip(fan_ids, fan_out, strict=True))
        ],
        [_tool_use("call_07", "create_refund_draft", "O-5531")],
    )
    yield Step(
        "tool result: refund draft",
        [_tool_result("call_07", {"draft": "R-881", "amount": 189.0})],
        [_tool_use("call_08", "request_approval", "R-881")],
    )
    yield Step(
        "tool result: approval granted after a 6-minute wait",
        [_tool_result("call_08", {"approved": True, "by": "supervisor"})],
        [_tool_use("call_09", "issue_refund", "R-881")],
        pause_before=360.0,
    )
    yield Step(
        "tool result: refund issued",
        [_tool_result("call_09", {"refund": "R-881", "status": "sent"})],
        [_tool_use("call_10", "send_email", "C-77")],
        stream=True,
    )
    yield Step(
        "tool result: email sent",
        [_tool_result("call_10", {"email": "queued"})],
        [{"text": "Your refund of $189.00 is on its way; expect it within 3-5 business days."}],
    )
    yield Step(
        "follow-up question: store credit instead?",
        [{"text": "Actually, could I get store credit instead, with the gold bonus?"}],
        [_tool_use("call_12", "apply_store_credit", "C-77")],
    )
    yield Step(
        "tool result: store credit applied",
        [_tool_result("call_12", {"credit": 207.9, "bonus": "10%"})],
        [{"text": "Done: $207.90 store credit (including your 10% gold bonus) is available."}],
    )


def _with_results(scripted: list[Step], first_question: str) -> Iterator[Step]:
    previous: Step | None = None
    for step in scripted:
        if previous is None:
            user = [{"text": first_question}]
        else:
            user = [_tool_result(previous.notes["call_id"], previous.notes["result"])]
        yield Step(step.label, user, step.assistant, step.stream, step.pause_before, step.notes)
        previous = step


def request(history: list[dict[str, Any]], model_id: str = MODEL_ID) -> dict[str, Any]:
    """The Converse kwargs for one call (a fresh top-level dict each time, as frameworks do)."""
    return {
        "modelId": model_id,
        "system": SYSTEM,
        "toolConfig": TOOL_CONFIG,
        "messages": history,
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.0},
    }


SYSTEM = system_prompt()
TOOL_CONFIG = tool_config()


def describe() -> dict[str, int]:
    """Sizes of the session, for the report header (characters, not text)."""
    return {
        "system_chars": len(SYSTEM[0]["text"]),
        "tools": len(TOOL_CONFIG["tools"]),
        "tool_chars": len(json.dumps(TOOL_CONFIG)),
        "calls": sum(1 for _ in steps()),
    }
