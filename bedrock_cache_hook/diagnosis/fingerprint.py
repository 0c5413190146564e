"""A request's fingerprint: keyed hashes and counts of its prefix, never text.

Built from the same :class:`~..prefix.Prefix` the planner works on (no second read of the
request). Every hash is keyed with a secret drawn once per process, so a fingerprint cannot be
matched against a guessed prompt outside this process, and none is ever exported: records
carry only the reason, an index and token counts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ..prefix import Prefix

__all__ = ["Fingerprint", "fingerprint"]

_KEY = secrets.token_bytes(32)


def keyed(*parts: bytes) -> bytes:
    h = hashlib.blake2b(key=_KEY, digest_size=16)
    for part in parts:
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    return h.digest()


@dataclass(frozen=True)
class Fingerprint:
    """What the diagnosis compares between requests of one workload."""

    model: str
    tools: tuple[bytes, ...]
    system: tuple[bytes, ...]
    #: one hash per message (its blocks in order)
    messages: tuple[bytes, ...]
    #: (keyed chain hash, block index, estimated tokens) at every marker position as sent
    marks: tuple[tuple[bytes, int, int], ...]
    #: the TTL each mark asks for, in the same order
    mark_ttls: tuple[str, ...]
    #: (keyed chain hash, block index, estimated tokens) at every section and message end
    ends: tuple[tuple[bytes, int, int], ...]
    estimated_tokens: int
    #: the model's minimum for a checkpoint (0 when unknown)
    min_tokens: int
    #: blocks a checkpoint looks back for an earlier entry
    lookback: int

    @property
    def tool_set(self) -> bytes:
        """The tools regardless of order: finds the workload when only the order changed."""
        return keyed(b"tool-set", *sorted(self.tools))

    @property
    def workload(self) -> bytes:
        """Requests of one stable workload: same model, same tool set, same system layout."""
        return keyed(self.model.encode(), self.tool_set, len(self.system).to_bytes(4, "big"))

    @property
    def longest_mark_tokens(self) -> int:
        return max((tokens for _, _, tokens in self.marks), default=0)

    def shared_tokens(self, other: Fingerprint) -> int:
        """Estimated tokens of the longest section or message end both requests contain."""
        theirs = {h for h, _, _ in other.ends}
        return max((tokens for h, _, tokens in self.ends if h in theirs), default=0)


def _ends(prefix: Prefix, model_key: bytes) -> tuple[tuple[bytes, int, int], ...]:
    blocks = prefix.blocks
    out: list[tuple[bytes, int, int]] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            nxt is None
            or nxt.section != block.section
            or (block.section == "messages" and nxt.path[0] != block.path[0])
        ):
            out.append((keyed(b"mark", model_key, prefix.chain[i]), i, prefix.cumulative[i]))
    return tuple(out)


def fingerprint(prefix: Prefix, model: str, min_tokens: int, lookback: int) -> Fingerprint:
    tools: list[bytes] = []
    system: list[bytes] = []
    messages: list[bytes] = []
    current: list[bytes] = []
    last_message = -1
    for block in prefix.blocks:
        if block.section == "tools":
            tools.append(keyed(b"tool", block.digest))
        elif block.section == "system":
            system.append(keyed(b"system", block.digest))
        else:
            if block.path[0] != last_message and current:
                messages.append(keyed(b"message", *current))
                current = []
            last_message = block.path[0]
            current.append(block.digest)
    if current:
        messages.append(keyed(b"message", *current))
    model_key = model.encode()
    marks: list[tuple[bytes, int, int]] = []
    ttls: list[str] = []
    seen: set[int] = set()
    for marker in prefix.markers:
        at = marker.after
        if at < 0 or at in seen:
            continue
        seen.add(at)
        marks.append((keyed(b"mark", model_key, prefix.chain[at]), at, prefix.cumulative[at]))
        ttls.append(marker.ttl or "5m")
    return Fingerprint(
        model=model,
        tools=tuple(tools),
        system=tuple(system),
        messages=tuple(messages),
        marks=tuple(marks),
        mark_ttls=tuple(ttls),
        ends=_ends(prefix, model_key),
        estimated_tokens=prefix.total_tokens,
        min_tokens=min_tokens,
        lookback=lookback,
    )
