"""Read a model's provider, line and version out of its foundation model id.

Used for models the catalog does not list: a new generation, a point release or a new line
resolves to the rules of the nearest model it does list (:mod:`.infer`). Two Claude id styles
exist on Bedrock: ``claude-<line>-<major>[-<minor>]`` (4.x and later) and
``claude-<major>[-<minor>]-<line>`` (3.x); date (``-20250929``) and version (``-v1:0``)
suffixes are ignored. Nova: ``nova-[<generation>-]<line>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ModelName", "read_name"]

_CLAUDE_NEW = re.compile(
    r"^anthropic\.claude-(?P<line>[a-z]+)-(?P<major>\d{1,2})(?:-(?P<minor>\d{1,2}))?(?=$|[-:])"
)
_CLAUDE_OLD = re.compile(
    r"^anthropic\.claude-(?P<major>\d)(?:-(?P<minor>\d))?-(?P<line>[a-z]+)(?=$|[-:])"
)
_NOVA = re.compile(r"^amazon\.nova-(?:(?P<major>\d{1,2})-)?(?P<line>[a-z]+)(?=$|[-:])")


@dataclass(frozen=True, order=True)
class ModelName:
    provider: str
    line: str  # "opus", "sonnet", "haiku", "fable"; Nova "micro", "lite", "pro", ...
    version: tuple[int, int]  # (5, 5) for Opus 5.5; Nova (generation, 0)

    def __str__(self) -> str:
        major, minor = self.version
        return f"{self.provider} {self.line} {major}.{minor}"


def read_name(base_id: str) -> ModelName | None:
    """The provider, line and version of a foundation model id; None when unreadable."""
    for pattern in (_CLAUDE_NEW, _CLAUDE_OLD):
        match = pattern.match(base_id)
        if match is not None:
            minor = match.group("minor")
            version = (int(match.group("major")), int(minor) if minor else 0)
            return ModelName("anthropic", match.group("line"), version)
    match = _NOVA.match(base_id)
    if match is not None:
        major = match.group("major")
        return ModelName("amazon", match.group("line"), (int(major) if major else 1, 0))
    return None
