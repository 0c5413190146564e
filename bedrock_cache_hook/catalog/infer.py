"""Rules for a Claude or Nova id the catalog does not list: borrow the nearest entry's.

A launch must never leave its users with no caching at all, so an unlisted id of a provider
the catalog knows resolves to the entry nearest to it:

1. same provider and line (``opus``, ``sonnet``, ``lite``, ...): the newest listed version
   not above the requested one (a point release takes its predecessor's rules), else the
   oldest listed one above it;
2. a line never seen (a new Claude line): the provider's newest generation, the entry with
   the lowest minimum among its rows (a minimum set too low costs nothing, one set too high
   loses a cache).

The result is marked inferred. If Bedrock refuses what the borrowed rules led the hook to
send, self-healing resends the caller's own request and stops sending that feature for the
model: a wrong guess costs one round trip, once per installation.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entries import Entry
from .names import ModelName

__all__ = ["family_name", "nearest"]


def nearest(name: ModelName, entries: Sequence[Entry]) -> Entry | None:
    """The caching entry whose rules an unlisted model ``name`` borrows; None if none fits."""
    pool = [e for e in entries if e.spec.caching and e.name is not None]
    pool = [e for e in pool if e.name is not None and e.name.provider == name.provider]
    if not pool:
        return None
    same_line = [e for e in pool if e.name is not None and e.name.line == name.line]
    if same_line:
        below = [e for e in same_line if _version(e) <= name.version]
        if below:
            return max(below, key=_version)
        return min(same_line, key=_version)
    newest = max(_version(e) for e in pool)
    return min(
        (e for e in pool if _version(e) == newest),
        key=lambda e: (e.spec.min_tokens, e.spec.family),
    )


def _version(entry: Entry) -> tuple[int, int]:
    assert entry.name is not None
    return entry.name.version


def family_name(name: ModelName) -> str:
    """A family name for an unlisted model: ``claude-opus-6``, ``nova-2-pro``."""
    major, minor = name.version
    if name.provider == "anthropic":
        return f"claude-{name.line}-{major}" + (f"-{minor}" if minor else "")
    generation = f"{major}-" if major > 1 else ""
    return f"nova-{generation}{name.line}"
