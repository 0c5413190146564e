"""The strategies a trace is replayed with: no markers, the hook, or a framework's rule.

A hook strategy installs the hook on the replay client with its settings. A framework
strategy leaves the hook off and writes the framework's markers into each request's kwargs
before sending, through the project's dialect code (Converse params or the InvokeModel body).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalog import resolve
from ..request.adapters import open_request
from ..request.dialects.body import encode
from ..request.planner import PlannedMarker
from ..settings.fields import TAIL_POLICIES, TTL_POLICIES, Settings
from .frameworks import RULES, Rule

__all__ = ["STRATEGIES", "Strategy", "framework_kwargs", "hook_strategies"]


@dataclass(frozen=True)
class Strategy:
    name: str
    #: install() settings for the hook; None: the hook is off
    hook: Mapping[str, Any] | None = None
    #: a framework's placement rule, applied to the kwargs before sending
    rule: Rule | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return "hook" if self.hook is not None else "framework" if self.rule else "none"


def hook_strategies() -> list[Strategy]:
    """The hook at its defaults and at every other ``ttl`` and ``tail_policy`` setting."""
    defaults = Settings()
    out = [Strategy("hook", {})]
    for ttl in TTL_POLICIES:
        if ttl != defaults.ttl:
            out.append(Strategy(f"hook ttl={ttl}", {"ttl": ttl}))
    for tail in TAIL_POLICIES:
        if tail != defaults.tail_policy:
            out.append(Strategy(f"hook tail={tail}", {"tail_policy": tail}))
    return out


STRATEGIES: list[Strategy] = [
    Strategy("none"),
    *hook_strategies(),
    *(Strategy(name, rule=rule) for name, rule in RULES.items()),
]


def framework_kwargs(
    rule: Rule, operation: str, kwargs: Mapping[str, Any], operation_model: Any
) -> dict[str, Any]:
    """``kwargs`` with the framework's markers added (a fresh dict; the input is untouched)."""
    params = dict(kwargs)
    if isinstance(params.get("body"), Mapping):
        params["body"] = encode(params["body"])
    model_id = str(params["modelId"])
    spec = resolve(model_id).spec
    if spec is None or not spec.caching:
        return params
    request = open_request(operation, params, operation_model, spec)
    if request is None or not request.injectable:
        return params
    prefix, _ = request.parse(spec)
    taken = {m.after for m in prefix.markers}
    chosen: list[int] = []
    for index in rule(prefix, spec, operation, model_id):
        block = prefix.blocks[index]
        if index in taken or index in chosen or block.section not in spec.sections:
            continue
        chosen.append(index)
    chosen = sorted(chosen)[: max(spec.max_markers - len(prefix.markers), 0)]
    if chosen:
        request.apply(prefix, [PlannedMarker(i, None, "framework") for i in chosen])
        request.commit(params)
    return params
