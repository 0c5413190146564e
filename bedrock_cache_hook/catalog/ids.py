"""Take every Bedrock model id form apart: foundation ids, profiles, ARNs (reference section 7).

Capabilities are matched on the foundation model id once profile prefixes and ARNs are peeled
off, never on substrings of whatever the caller sent: substring matching is how application
inference profiles silently lost caching elsewhere. Opaque ids (application inference
profiles, provisioned, custom, imported models) resolve only through ``model_aliases``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["PROVIDERS", "IdKind", "ModelRef", "parse_model_id"]

IdKind = Literal[
    "foundation",
    "profile",
    "foundation-arn",
    "profile-arn",
    "opaque-arn",
    "unknown",
]

#: model providers on Bedrock: a first id segment from this set is a provider, not a profile
PROVIDERS = frozenset(
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
        "nvidia",
        "zai",
    )
)

_PROFILE_PREFIX = re.compile(r"^([a-z]{2,6}(?:-[a-z]{2,4})?)\.(.+\..+)$")
_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<rest>.+)$")


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
    if first not in PROVIDERS and match is not None:
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
