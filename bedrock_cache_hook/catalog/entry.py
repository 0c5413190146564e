"""One catalog row, and the sources rows cite."""

from __future__ import annotations

from dataclasses import dataclass, field

from .names import ModelName, read_name
from .spec import ModelSpec, Prices

__all__ = ["SOURCES", "Entry"]

SOURCES: dict[str, str] = {
    "aws-guide": (
        "AWS Bedrock user guide, Prompt caching (revision of 2026-09): "
        "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html"
    ),
    "aws-guide-2025": "the same page's 2025 revision (Nova rows, 20K cap footnote)",
    "anthropic-caching": (
        "Anthropic prompt caching, Cache limitations (revision of 2026-10): "
        "https://platform.claude.com/docs/en/build-with-claude/prompt-caching"
    ),
    "anthropic-pricing": "Anthropic pricing (revision of 2026-10): https://platform.claude.com/docs/en/about-claude/pricing",
    "anthropic-tools": (
        "Anthropic tool use, Pricing (tool-use system prompt sizes): "
        "https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview"
    ),
    "price-map": (
        "public Bedrock price maps built from the AWS price list (LiteLLM "
        "model_prices_and_context_window.json of 2026-07-24; later maps for the 5.5 models)"
    ),
    "aws-toolkit": (
        "AWS agent-toolkit reference 'Prompt Caching on Amazon Bedrock' (2026-07): "
        "aws/agent-toolkit-for-aws skills/core-skills/amazon-bedrock/references/prompt-caching.md"
    ),
    "nova-card": "AWS Nova model cards (explicit caching: 1K minimum, 5m, system and messages)",
}


@dataclass(frozen=True)
class Entry:
    """One catalog row: the ids it covers, its rules, its prices and where they come from."""

    #: foundation model id stems; an id matches a stem followed by its end, ``:``, a
    #: version (``-v1``) or a date (``-20250929``)
    stems: tuple[str, ...]
    spec: ModelSpec
    prices: Prices | None
    sources: tuple[str, ...]
    #: the date of the newest source revision the row was checked against
    as_of: str
    #: disputed values and the choice made
    note: str = ""
    name: ModelName | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", read_name(self.stems[0]))

    @property
    def family(self) -> str:
        return self.spec.family
