"""Marker placements of popular frameworks, re-implemented from their documented rules.

Each rule is a function ``(prefix, spec, operation) -> block indices`` on the project's own
abstract :class:`~..prefix.Prefix`; :mod:`.strategies` writes the markers with the project's
dialect code. What the rules share (as documented): no minimum-token check, the default 5m
TTL, at most 4 markers. Markers a model's catalog entry forbids (tool markers on Nova) are
dropped, which is kinder to the framework than the rejection Bedrock would send.

* Strands ``CacheConfig(strategy="auto")``: Converse only, Claude model ids only; end of the
  system prompt and the last user message; tools only when asked (the "+ tools" variant).
* LiteLLM (default injection points): system prompt and the last message, on Converse and
  InvokeModel; tools opt-in (off).
* langchain-aws: on Converse the system prompt, the tools, the last message and the
  penultimate (user) turn; on InvokeModel the last message only.
* pydantic-ai: system prompt, tools, the last user message, and the previous request's tail
  when more than the lookback (20 blocks) was appended after it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import ModelSpec
from ..request.prefix import Prefix

__all__ = ["RULES", "Rule"]

Rule = Callable[[Prefix, ModelSpec, str, str], list[int]]
LOOKBACK = 20


def _section_end(prefix: Prefix, section: str) -> list[int]:
    ends = [i for i, b in enumerate(prefix.blocks) if b.section == section and b.markable]
    return ends[-1:]


def _message_ends(prefix: Prefix, role: str | None = None) -> list[int]:
    """Per message (in order), the last markable block of it, for messages of ``role``."""
    last: dict[int, int] = {}
    for index, block in enumerate(prefix.blocks):
        if block.section != "messages" or not block.markable:
            continue
        if role is None or block.role == role:
            last[block.path[0]] = index
    return [last[m] for m in sorted(last)]


def strands(with_tools: bool) -> Rule:
    def rule(prefix: Prefix, spec: ModelSpec, operation: str, model_id: str) -> list[int]:
        if not operation.startswith("Converse") or "anthropic.claude" not in model_id:
            return []
        tools = _section_end(prefix, "tools") if with_tools else []
        return tools + _section_end(prefix, "system") + _message_ends(prefix, "user")[-1:]

    return rule


def litellm(prefix: Prefix, spec: ModelSpec, operation: str, model_id: str) -> list[int]:
    return _section_end(prefix, "system") + _message_ends(prefix)[-1:]


def langchain_aws(prefix: Prefix, spec: ModelSpec, operation: str, model_id: str) -> list[int]:
    last = _message_ends(prefix)[-1:]
    if not operation.startswith("Converse"):
        return last
    users = _message_ends(prefix, "user")
    penultimate = [users[-2]] if len(users) >= 2 else []
    head = _section_end(prefix, "tools") + _section_end(prefix, "system")
    return head + penultimate + last


def pydantic_ai(prefix: Prefix, spec: ModelSpec, operation: str, model_id: str) -> list[int]:
    users = _message_ends(prefix, "user")
    out = _section_end(prefix, "tools") + _section_end(prefix, "system") + users[-1:]
    if len(users) >= 2 and users[-1] - users[-2] > LOOKBACK:
        out.append(users[-2])
    return out


RULES: dict[str, Rule] = {
    "strands": strands(with_tools=False),
    "strands+tools": strands(with_tools=True),
    "litellm": litellm,
    "langchain-aws": langchain_aws,
    "pydantic-ai": pydantic_ai,
}
