"""The simulator's own table of Bedrock truth per model (reference sections 3 and 10).

This is independent of the hook's model catalog on purpose: the simulator plays the service, so
where public sources disagree it takes the *stricter* value (the one that makes a careless
client lose a cache), while the hook's catalog takes the value that never skips a marker. The
differences are listed in :data:`STRICTER` and checked against the catalog by the test suite.

A model id is resolved in this order:

1. a user override for the exact id (``Simulator(models={...})``): either a :class:`SimModel`
   or another model id to alias to (how an application inference profile ARN, a provisioned or
   an imported model, or a model launched after this table, gets its rules);
2. an ARN is reduced to its resource: ``foundation-model/<id>`` and ``inference-profile/<id>``
   keep the id, every other resource type needs an override;
3. a cross-region prefix (``us.`` ``eu.`` ``apac.`` ``jp.`` ``au.`` ``us-gov.`` ``global.``)
   is stripped; the override table is consulted again with the bare id;
4. the built-in table: a row's stem matches the id itself or the id followed by a date
   (``-20260915``), a version (``-v1``, ``:0``) or both. Ids of the listed Claude models that
   cannot cache and of the other vendors answer without caching (and refuse cache markers with
   ``AccessDeniedException``); anything else is ``ValidationException: The provided model
   identifier is invalid.``, as Bedrock answers an id it does not serve.

The cache is keyed by the resolved base id, so ``us.<id>``, ``global.<id>``, ``<id>`` and the
ARN forms share entries within a region.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import INVALID_MODEL, SimError

__all__ = [
    "CLAUDE_LOOKBACK",
    "STRICTER",
    "ResolvedModel",
    "SimModel",
    "model_table",
    "resolve_model",
]

Dialect = Literal["anthropic", "nova", "other"]
ALL_SECTIONS = frozenset({"tools", "system", "messages"})
#: Claude's "simplified cache management": blocks searched before each checkpoint
CLAUDE_LOOKBACK = 20
#: Nova caches at most this many tokens per request (model cards: "up to 20K")
NOVA_CACHE_CAP = 20_000


@dataclass(frozen=True)
class SimModel:
    """What the simulated service knows about one model."""

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
    #: tokens of the tool-use system prompt the service adds in front when tools are present
    #: (Anthropic publishes it per model; counted as input and as part of the cached prefix)
    tool_prompt_tokens: int = 0
    #: checkpoints whose prefix is longer than this are neither written nor read (None: no cap)
    max_cached_tokens: int | None = None

    @property
    def can_cache(self) -> bool:
        return bool(self.ttls)


@dataclass(frozen=True)
class ResolvedModel:
    #: the id entries are cached under (cross-region prefix and ARN stripped, aliases followed)
    base_id: str
    spec: SimModel


_FIVE = ("5m",)
_BOTH = ("5m", "1h")


def _claude(
    family: str, min_tokens: int, tool_prompt: int, ttls: tuple[str, ...] = _BOTH
) -> SimModel:
    return SimModel(
        family, "anthropic", min_tokens, ttls, ALL_SECTIONS, CLAUDE_LOOKBACK, tool_prompt
    )


def _nova(family: str, min_tokens: int) -> SimModel:
    sections = frozenset({"system", "messages"})
    return SimModel(family, "nova", min_tokens, _FIVE, sections, 0, 0, NOVA_CACHE_CAP)


#: (stem, model), most specific stems first where one is a prefix of another. Tool prompt
#: sizes: the larger of Anthropic's ``auto`` and ``any`` figures (the simulator does not tell
#: them apart); models with no published figure take their generation's.
_ROWS: tuple[tuple[str, SimModel], ...] = (
    ("anthropic.claude-opus-5-5", _claude("claude-opus-5-5", 512, 406)),
    ("anthropic.claude-sonnet-5-5", _claude("claude-sonnet-5-5", 512, 474)),
    ("anthropic.claude-haiku-5-5", _claude("claude-haiku-5-5", 512, 588)),
    ("anthropic.claude-fable-5-1", _claude("claude-fable-5-1", 512, 804)),
    ("anthropic.claude-mythos-5-1", _claude("claude-mythos-5-1", 512, 804)),
    ("anthropic.claude-fable-5", _claude("claude-fable-5", 512, 804)),
    ("anthropic.claude-mythos-5", _claude("claude-mythos-5", 512, 804)),
    ("anthropic.claude-mythos-preview", _claude("claude-mythos-preview", 4096, 804)),
    ("anthropic.claude-opus-5", _claude("claude-opus-5", 512, 406)),
    ("anthropic.claude-sonnet-5", _claude("claude-sonnet-5", 1024, 474)),
    ("anthropic.claude-opus-4-8", _claude("claude-opus-4-8", 1024, 410)),
    ("anthropic.claude-opus-4-7", _claude("claude-opus-4-7", 4096, 804)),
    ("anthropic.claude-opus-4-6", _claude("claude-opus-4-6", 4096, 589)),
    ("anthropic.claude-opus-4-5", _claude("claude-opus-4-5", 4096, 588)),
    ("anthropic.claude-sonnet-4-6", _claude("claude-sonnet-4-6", 2048, 589)),
    ("anthropic.claude-sonnet-4-5", _claude("claude-sonnet-4-5", 1024, 588)),
    ("anthropic.claude-haiku-4-5", _claude("claude-haiku-4-5", 4096, 588)),
    ("anthropic.claude-opus-4-1", _claude("claude-opus-4-1", 1024, 315, _FIVE)),
    ("anthropic.claude-opus-4", _claude("claude-opus-4", 1024, 315, _FIVE)),
    ("anthropic.claude-sonnet-4", _claude("claude-sonnet-4", 1024, 315, _FIVE)),
    ("anthropic.claude-3-7-sonnet", _claude("claude-3-7-sonnet", 1024, 346, _FIVE)),
    ("anthropic.claude-3-5-sonnet-20241022-v2", _claude("claude-3-5-sonnet-v2", 1024, 346, _FIVE)),
    ("anthropic.claude-3-5-haiku", _claude("claude-3-5-haiku", 2048, 355, _FIVE)),
    ("anthropic.claude-3-5-sonnet", SimModel("claude-3-5-sonnet", "anthropic")),
    ("anthropic.claude-3-opus", SimModel("claude-3-opus", "anthropic")),
    ("anthropic.claude-3-sonnet", SimModel("claude-3-sonnet", "anthropic")),
    ("anthropic.claude-3-haiku", SimModel("claude-3-haiku", "anthropic")),
    ("anthropic.claude-instant", SimModel("claude-instant", "anthropic")),
    ("anthropic.claude-v2", SimModel("claude-v2", "anthropic")),
    ("amazon.nova-2-lite", _nova("nova-2-lite", 1536)),
    ("amazon.nova-2-pro", _nova("nova-2-pro", 1024)),
    ("amazon.nova-premier", _nova("nova-premier", 1024)),
    ("amazon.nova-pro", _nova("nova-pro", 1024)),
    ("amazon.nova-lite", _nova("nova-lite", 1536)),
    ("amazon.nova-micro", _nova("nova-micro", 1536)),
)

#: family -> (the simulator's value, why it is stricter than the hook's catalog)
STRICTER: Mapping[str, tuple[int, str]] = {
    "claude-sonnet-4-6": (
        2048,
        "public reports measured ~2,048 on Bedrock; AWS's table says 1,024",
    ),
    "claude-opus-4-7": (4096, "AWS's table; Anthropic says 2,048"),
    "claude-mythos-preview": (4096, "AWS's table; Anthropic says 2,048"),
    "nova-2-lite": (1536, "AWS's agent-toolkit reference; the model cards say 1K"),
    "nova-2-pro": (1024, "AWS's agent-toolkit reference for Pro; the model cards say 1K"),
    "nova-premier": (1024, "AWS's agent-toolkit reference for Pro; the model cards say 1K"),
    "nova-pro": (1024, "AWS's agent-toolkit reference; the model cards say 1K"),
    "nova-lite": (1536, "AWS's agent-toolkit reference; the model cards say 1K"),
    "nova-micro": (1536, "AWS's agent-toolkit reference; the model cards say 1K"),
}

#: other vendors Bedrock serves: their models answer, without caching
_NO_CACHE_VENDORS = re.compile(
    r"^(amazon|meta|mistral|cohere|ai21|deepseek|writer|openai|qwen|twelvelabs|stability|luma)\."
)
_SUFFIX = re.compile(r"^(-\d{8})?(-v\d+)?(:\d+)?$")
_PREFIX = re.compile(r"^(us|eu|apac|jp|au|us-gov|global)\.")
_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:([a-z-]+)/(.+)$")


def model_table() -> list[tuple[str, SimModel]]:
    """The built-in rows, ``(stem, model)``, in lookup order."""
    return list(_ROWS)


def _from_table(base: str) -> SimModel | None:
    for stem, spec in _ROWS:
        if base.startswith(stem) and _SUFFIX.match(base[len(stem) :]):
            return spec
    if _NO_CACHE_VENDORS.match(base):
        return SimModel("no-cache")
    return None


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
    spec = _from_table(base)
    if spec is None:
        raise SimError(INVALID_MODEL)
    return ResolvedModel(base, spec)
