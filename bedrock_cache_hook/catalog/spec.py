"""What one model supports for prompt caching on Bedrock, and what its tokens cost."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["ALL_SECTIONS", "Dialect", "ModelSpec", "Prices", "Section"]

Section = Literal["tools", "system", "messages"]
ALL_SECTIONS: frozenset[Section] = frozenset(("tools", "system", "messages"))
Dialect = Literal["anthropic", "nova", "other"]


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
    dialect: Dialect = "other"
    #: tokens of the tool-use system prompt the service adds in front when tools are sent
    #: (``tool_choice`` auto / none); they count toward the cumulative prefix
    tool_prompt_tokens: int = 0
    #: most prefix tokens one request can cache (Nova); None: no cap
    max_cached_tokens: int | None = None
    #: the hook's length-based estimates are multiplied by this for this model: the tokenizer
    #: of Claude Opus 4.7 and later (Fable, Mythos, Sonnet 5, the 5.5 line) counts up to ~35%
    #: more tokens for the same text than the one the estimates are calibrated on
    token_scale: float = 1.0

    def supports_ttl(self, ttl: str) -> bool:
        return ttl in self.ttls


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens, on-demand, on the ``global.`` endpoint."""

    input: float
    output: float
    write_5m: float
    write_1h: float | None
    read: float
