"""The simulator's own table of Bedrock truth per model family (reference section 3).

This is independent of the hook's model catalog on purpose: the simulator plays the service.
A model id is resolved in this order:

1. a user override for the exact id (``Simulator(models={...})``): either a :class:`SimModel`
   or another model id to alias to (how an application inference profile ARN, a provisioned or
   an imported model gets its backing model);
2. an ARN is reduced to its resource: ``foundation-model/<id>`` and ``inference-profile/<id>``
   keep the id, every other resource type needs an override;
3. a cross-region prefix (``us.`` ``eu.`` ``apac.`` ``jp.`` ``au.`` ``us-gov.`` ``global.``)
   is stripped; the override table is consulted again with the bare id;
4. the built-in table, first match wins. Ids of known vendors without a caching entry answer
   without caching (and reject cache markers); anything else is
   ``ValidationException: The provided model identifier is invalid.``

The cache is keyed by the resolved base id, so ``us.<id>``, ``global.<id>``, ``<id>`` and the
ARN forms share entries within a region. Where the reference is vague the simulator picks one
value: Nova's minimum is 1,000 tokens; Sonnet 4.5/4.6 use 1,024.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import INVALID_MODEL, SimError

__all__ = ["CLAUDE_LOOKBACK", "ResolvedModel", "SimModel", "resolve_model"]

Dialect = Literal["anthropic", "nova", "other"]
ALL_SECTIONS = frozenset({"tools", "system", "messages"})
#: Claude's "simplified cache management": blocks searched before each checkpoint
CLAUDE_LOOKBACK = 20


@dataclass(frozen=True)
class SimModel:
    """What the simulated service knows about one model family."""

    family: str
    #: InvokeModel body format: Anthropic Messages, Nova, or neither
    dialect: Dialect = "other"
    #: cumulative prefix tokens a checkpoint needs before anything is cached
    min_tokens: int = 0
    #: TTLs offered; empty = the model cannot cache at all
    ttls: tuple[str, ...] = ()
    #: sections that may carry a marker
    sections: frozenset[str] = field(default=ALL_SECTIONS)
    #: earlier block boundaries a checkpoint also searches for a hit (0 = exact only)
    lookback: int = 0

    @property
    def can_cache(self) -> bool:
        return bool(self.ttls)


@dataclass(frozen=True)
class ResolvedModel:
    #: the id entries are cached under (cross-region prefix and ARN stripped, aliases followed)
    base_id: str
    spec: SimModel


def _claude(family: str, min_tokens: int, ttls: tuple[str, ...]) -> SimModel:
    return SimModel(family, "anthropic", min_tokens, ttls, ALL_SECTIONS, CLAUDE_LOOKBACK)


_FIVE = ("5m",)
_BOTH = ("5m", "1h")
_NOVA = SimModel("nova", "nova", 1000, _FIVE, frozenset({"system", "messages"}), 0)

_TABLE: tuple[tuple[re.Pattern[str], SimModel], ...] = tuple(
    (re.compile(pattern), spec)
    for pattern, spec in (
        (r"^anthropic\.claude-(haiku-4-5|opus-4-[5-9])\b", _claude("claude-4.5+", 4096, _BOTH)),
        (r"^anthropic\.claude-sonnet-4-[5-9]\b", _claude("claude-sonnet-4.5+", 1024, _BOTH)),
        (r"^anthropic\.claude-(3-7-sonnet|sonnet-4|opus-4)\b", _claude("claude-4", 1024, _FIVE)),
        (
            r"^anthropic\.claude-3-5-sonnet-20241022-v2",
            _claude("claude-3.5-sonnet-v2", 1024, _FIVE),
        ),
        (r"^anthropic\.claude-3-5-haiku", _claude("claude-3.5-haiku", 2048, _FIVE)),
        (r"^anthropic\.", SimModel("claude-no-cache", "anthropic")),
        (r"^amazon\.nova-(micro|lite|pro|premier)-", _NOVA),
        (
            r"^(amazon|meta|mistral|cohere|ai21|deepseek|writer|openai|qwen|twelvelabs|"
            r"stability|luma)\.",
            SimModel("no-cache"),
        ),
    )
)

_PREFIX = re.compile(r"^(us|eu|apac|jp|au|us-gov|global)\.")
_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:([a-z-]+)/(.+)$")


def _lookup(model_id: str, overrides: Mapping[str, SimModel | str]) -> ResolvedModel | None:
    override = overrides.get(model_id)
    if isinstance(override, SimModel):
        return ResolvedModel(model_id, override)
    if isinstance(override, str):
        return resolve_model(override, {})
    return None


def resolve_model(
    model_id: str, overrides: Mapping[str, SimModel | str] | None = None
) -> ResolvedModel:
    """The model behind ``model_id`` (URL-decoded), or the invalid-identifier error."""
    table = overrides or {}
    found = _lookup(model_id, table)
    if found is not None:
        return found
    base = model_id
    arn = _ARN.match(model_id)
    if arn is not None:
        resource, rest = arn.groups()
        if resource not in ("foundation-model", "inference-profile"):
            raise SimError(INVALID_MODEL)
        base = rest
    base = _PREFIX.sub("", base)
    found = _lookup(base, table)
    if found is not None:
        return found
    for pattern, spec in _TABLE:
        if pattern.search(base):
            return ResolvedModel(base, spec)
    raise SimError(INVALID_MODEL)
