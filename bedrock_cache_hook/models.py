"""Model catalog: parse every Bedrock model id form and say what caching it supports.

Capabilities are data (``FAMILIES``), matched on the foundation model id once profile
prefixes and ARNs are peeled off; never on substrings of whatever the caller sent, which is
how application inference profiles silently lost caching elsewhere. Opaque ids (application
inference profiles, provisioned, custom, imported models) resolve only through the user's
``model_aliases``. Values public sources disagree on are marked and overridable through
``model_overrides``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .pricing import PRICES, Prices

__all__ = [
    "CACHING_BETAS",
    "FAMILIES",
    "ModelRef",
    "ModelSpec",
    "Resolution",
    "parse_model_id",
    "resolve",
]

Section = Literal["tools", "system", "messages"]
ALL_SECTIONS: frozenset[Section] = frozenset(("tools", "system", "messages"))

IdKind = Literal[
    "foundation",
    "profile",
    "foundation-arn",
    "profile-arn",
    "opaque-arn",
    "unknown",
]


@dataclass(frozen=True)
class ModelSpec:
    """What one model family supports for prompt caching on Bedrock."""

    family: str
    caching: bool
    min_tokens: int = 0  # cumulative prefix tokens a checkpoint needs
    sections: frozenset[Section] = ALL_SECTIONS
    ttls: tuple[str, ...] = ("5m",)
    max_markers: int = 4
    #: blocks a checkpoint looks back for an earlier entry; 0 = explicit checkpoints only (Nova)
    lookback_blocks: int = 20
    #: +10% on regional endpoints (single-region ids and us./eu./... profiles) vs ``global.``
    regional_premium: float = 0.0
    #: ``anthropic_beta`` value a caching feature needs on this model, by feature: "caching"
    #: (any marker) or "ttl-1h" (a 1h marker). AWS lists none for GA models, so this is empty
    #: unless the user overrides it (``model_overrides={"<family>": {"betas": {...}}}``)
    betas: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: InvokeModel body format: Anthropic Messages, Nova messages-v1, or anything else
    dialect: Literal["anthropic", "nova", "other"] = "other"

    def supports_ttl(self, ttl: str) -> bool:
        return ttl in self.ttls


def _claude(family: str, min_tokens: int, one_hour: bool, premium: bool = False) -> ModelSpec:
    return ModelSpec(
        family=family,
        caching=True,
        min_tokens=min_tokens,
        ttls=("5m", "1h") if one_hour else ("5m",),
        regional_premium=0.10 if premium else 0.0,
        dialect="anthropic",
    )


def _nova(family: str) -> ModelSpec:
    # Nova: no tool checkpoints, explicit checkpoints only, 5m. Minimum "~1,000" in the user
    # guide (samples use 1,536 for Micro/Lite): disagreeing sources, overridable.
    return ModelSpec(
        family=family,
        caching=True,
        min_tokens=1000,
        sections=frozenset(("system", "messages")),
        lookback_blocks=0,
        dialect="nova",
    )


#: ``anthropic_beta`` strings that concern caching -> the caching feature each one enabled on
#: Anthropic's own API ("caching": any cache_control; "ttl-1h": ``ttl: "1h"``). Bedrock needs
#: none of them on GA models (reference section 2): a model needs a beta only where its
#: ``ModelSpec.betas`` says so (a user override). Used by the audit to name betas sent for
#: nothing; a caching-looking beta in neither place is reported as unknown.
CACHING_BETAS: Mapping[str, str] = {
    "prompt-caching-2024-07-31": "caching",
    "extended-cache-ttl-2025-04-11": "ttl-1h",
}

#: (pattern on the foundation model id, spec); first match wins.
FAMILIES: tuple[tuple[re.Pattern[str], ModelSpec], ...] = tuple(
    (re.compile(pattern), spec)
    for pattern, spec in (
        (r"^anthropic\.claude-sonnet-4-5", _claude("claude-sonnet-4-5", 1024, True, True)),
        (r"^anthropic\.claude-sonnet-4-6", _claude("claude-sonnet-4-6", 1024, True, True)),
        (r"^anthropic\.claude-haiku-4-5", _claude("claude-haiku-4-5", 4096, True, True)),
        (r"^anthropic\.claude-opus-4-5", _claude("claude-opus-4-5", 4096, True, True)),
        (r"^anthropic\.claude-opus-4-6", _claude("claude-opus-4-6", 4096, True, True)),
        (r"^anthropic\.claude-opus-4-7", _claude("claude-opus-4-7", 4096, True, True)),
        (r"^anthropic\.claude-opus-4-1", _claude("claude-opus-4-1", 1024, False)),
        (r"^anthropic\.claude-opus-4(-\d{8}|-v\d|:|$)", _claude("claude-opus-4", 1024, False)),
        (r"^anthropic\.claude-sonnet-4(-\d{8}|-v\d|:|$)", _claude("claude-sonnet-4", 1024, False)),
        (r"^anthropic\.claude-3-7-sonnet", _claude("claude-3-7-sonnet", 1024, False)),
        (
            r"^anthropic\.claude-3-5-sonnet-20241022-v2",
            _claude("claude-3-5-sonnet-v2", 1024, False),
        ),
        (r"^anthropic\.claude-3-5-haiku", _claude("claude-3-5-haiku", 2048, False)),
        (r"^amazon\.nova-micro", _nova("nova-micro")),
        (r"^amazon\.nova-lite", _nova("nova-lite")),
        (r"^amazon\.nova-pro", _nova("nova-pro")),
        (r"^amazon\.nova-premier", _nova("nova-premier")),
        # Known providers and model lines that cannot cache: never any marker.
        (
            r"^(meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|stability|twelvelabs|"
            r"luma|minimax|moonshot|google)\.",
            ModelSpec(family="no-cache", caching=False),
        ),
        (r"^amazon\.(titan|rerank|nova-canvas|nova-reel|nova-sonic)", ModelSpec("no-cache", False)),
        (
            r"^anthropic\.claude-(v2|instant|3-haiku|3-opus|3-sonnet|3-5-sonnet-20240620)",
            ModelSpec("no-cache", False, dialect="anthropic"),
        ),
    )
)

_PROFILE_PREFIX = re.compile(r"^([a-z]{2,6}(?:-[a-z]{2,4})?)\.(.+\..+)$")
_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<rest>.+)$")
_PROVIDERS = frozenset(
    (
        "anthropic",
        "amazon",
        "meta",
        "mistral",
        "cohere",
        "ai21",
        "deepseek",
        "openai",
        "qwen",
        "writer",
        "stability",
        "twelvelabs",
        "luma",
        "minimax",
        "moonshot",
        "google",
    )
)


@dataclass(frozen=True)
class ModelRef:
    """A model id as sent, taken apart. ``base_id`` is the foundation model id, if readable."""

    raw: str
    kind: IdKind
    base_id: str | None = None
    profile: str | None = None  # "us", "eu", "global", ... for cross-region profiles
    region: str | None = None  # from an ARN

    @property
    def is_global(self) -> bool:
        return self.profile == "global"


def _split_profile(model_id: str, kind: IdKind, region: str | None = None) -> ModelRef:
    first = model_id.split(".", 1)[0]
    match = _PROFILE_PREFIX.match(model_id)
    if first not in _PROVIDERS and match is not None:
        return ModelRef(model_id, kind, match.group(2), match.group(1), region)
    return ModelRef(model_id, kind, model_id, None, region)


def parse_model_id(raw: str) -> ModelRef:
    """Take any Bedrock model id form apart (no aliases, no network)."""
    arn = _ARN.match(raw)
    if arn is None:
        if "." not in raw or raw.startswith("arn:"):
            return ModelRef(raw, "unknown")
        ref = _split_profile(raw, "foundation")
        return ref if ref.profile is None else dataclasses.replace(ref, kind="profile")
    region = arn.group("region") or None
    resource_type, _, resource = arn.group("rest").partition("/")
    if resource_type == "foundation-model" and resource:
        return ModelRef(raw, "foundation-arn", resource, None, region)
    if resource_type == "inference-profile" and resource:
        ref = _split_profile(resource, "profile-arn", region)
        return dataclasses.replace(ref, raw=raw)
    return ModelRef(raw, "opaque-arn", None, None, region)


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a model id: the spec when known, and why not otherwise."""

    ref: ModelRef
    spec: ModelSpec | None
    prices: Prices | None
    #: "unmapped-model-id" (opaque id, no alias) or "unknown-model" (no catalog entry)
    problem: str | None = None
    aliased_to: str | None = None

    @property
    def price_multiplier(self) -> float:
        spec = self.spec
        if spec is None or self.ref.is_global:
            return 1.0
        return 1.0 + spec.regional_premium


def _family_spec(base_id: str) -> ModelSpec | None:
    for pattern, spec in FAMILIES:
        if pattern.search(base_id):
            return spec
    return None


def _override(
    spec: ModelSpec, base_id: str, overrides: Mapping[str, Mapping[str, Any]]
) -> ModelSpec:
    for key in (spec.family, base_id):
        fields = overrides.get(key)
        if fields:
            values = dict(fields)
            for name in ("sections",):
                if name in values:
                    values[name] = frozenset(values[name])
            if "ttls" in values:
                values["ttls"] = tuple(values["ttls"])
            spec = dataclasses.replace(spec, **values)
    return spec


def resolve(
    model_id: str,
    aliases: Mapping[str, str] | None = None,
    model_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    price_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Resolution:
    """Resolve a model id (with the user's aliases and overrides) to its caching spec."""
    ref = parse_model_id(model_id)
    aliased_to = None
    if aliases and model_id in aliases:
        aliased_to = aliases[model_id]
        target = parse_model_id(aliased_to)
        ref = dataclasses.replace(target, raw=model_id, region=ref.region or target.region)
    if ref.base_id is None:
        problem = "unmapped-model-id" if ref.kind == "opaque-arn" else "unknown-model"
        return Resolution(ref, None, None, problem, aliased_to)
    spec = _family_spec(ref.base_id)
    if spec is None:
        return Resolution(ref, None, None, "unknown-model", aliased_to)
    if model_overrides:
        spec = _override(spec, ref.base_id, model_overrides)
    prices = PRICES.get(spec.family)
    if price_overrides:
        for key in (spec.family, ref.base_id):
            if key in price_overrides:
                base = prices or Prices(0.0, 0.0, 0.0, None, 0.0)
                prices = dataclasses.replace(base, **dict(price_overrides[key]))
    return Resolution(ref, spec, prices, None, aliased_to)


def validate_overrides(
    model_overrides: Mapping[str, Mapping[str, Any]],
    price_overrides: Mapping[str, Mapping[str, Any]],
) -> None:
    """Raise ``ValueError`` naming the first override field that does not exist."""
    spec_fields = {f.name for f in dataclasses.fields(ModelSpec)} - {"family"}
    price_fields = {f.name for f in dataclasses.fields(Prices)}
    for kind, overrides, known in (
        ("model_overrides", model_overrides, spec_fields),
        ("price_overrides", price_overrides, price_fields),
    ):
        for key, fields in overrides.items():
            unknown = sorted(set(fields) - known)
            if unknown:
                raise ValueError(
                    f"{kind}[{key!r}] has unknown field {unknown[0]!r}; known: "
                    + ", ".join(sorted(known))
                )
            for name, value in fields.items():
                problem = _override_problem(name, value)
                if problem is not None:
                    raise ValueError(f"{kind}[{key!r}][{name!r}] {problem}, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _override_problem(name: str, value: Any) -> str | None:
    """Why an override value cannot work, or None."""
    if name == "caching":
        return None if isinstance(value, bool) else "must be True or False"
    if name == "max_markers":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4
        return None if ok else "must be an integer from 0 to 4 (Bedrock rejects more)"
    if name in ("min_tokens", "lookback_blocks"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a non-negative integer"
    if name == "ttls":
        ok = isinstance(value, list | tuple) and set(value) <= {"5m", "1h"}
        return None if ok else "must be a list of '5m' / '1h'"
    if name == "sections":
        ok = isinstance(value, list | tuple | set | frozenset) and set(value) <= ALL_SECTIONS
        return None if ok else "must list some of 'tools', 'system', 'messages'"
    if name == "betas":
        ok = isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        return None if ok else "must map feature names to anthropic_beta strings"
    if name == "dialect":
        return None if value in ("anthropic", "nova", "other") else "must be anthropic/nova/other"
    if name == "write_1h" and value is None:
        return None
    if name in ("regional_premium", "input", "output", "write_5m", "write_1h", "read"):
        return None if _is_number(value) else "must be a non-negative number"
    return None
