"""A request's fingerprint: keyed hashes and counts of its prefix, never text.

Built from the same :class:`~..prefix.Prefix` the planner works on (no second read of the
request): its block digests and hash chain, keyed with a secret drawn once per process, so a
fingerprint cannot be matched against a guessed prompt outside this process. None is ever
exported: records carry only the reason, an index and token counts.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass

from ..request.dialects.body import utf8
from ..request.prefix import Prefix

__all__ = ["Fingerprint", "fingerprint", "first_difference"]

_KEY = secrets.token_bytes(32)


#: keyed hashes by their parts: a workload sends the same tools and system on every call,
#: and a dict lookup is far cheaper than a keyed blake2b; bounded, cleared when full
_KEYED: dict[tuple[bytes, ...], bytes] = {}
_KEYED_CAP = 8192


def keyed(*parts: bytes) -> bytes:
    known = _KEYED.get(parts)
    if known is not None:
        return known
    # one update of the joined parts: the same digest as one update per part, fewer calls
    data = b"".join(len(part).to_bytes(4, "big") + part for part in parts)
    result = hashlib.blake2b(data, key=_KEY, digest_size=16).digest()
    if len(_KEYED) >= _KEYED_CAP:
        _KEYED.clear()
    _KEYED[parts] = result
    return result


@dataclass(frozen=True)
class Fingerprint:
    """What the diagnosis compares between requests of one workload."""

    model: str
    tools: tuple[bytes, ...]
    system: tuple[bytes, ...]
    #: per message, the prefix hash chain through its end (so equal up to the first change)
    messages: tuple[bytes, ...]
    #: (model + chain hash, block index, estimated tokens) at every marker position as sent
    marks: tuple[tuple[bytes, int, int], ...]
    #: the TTL each mark asks for, in the same order
    mark_ttls: tuple[str, ...]
    #: at every section and message end, in prefix order: model + chain hash, block index,
    #: estimated tokens (three flat tuples: a fingerprint is kept for many requests)
    end_hashes: tuple[bytes, ...]
    end_indices: tuple[int, ...]
    end_tokens: tuple[int, ...]
    estimated_tokens: int
    #: the model's minimum for a checkpoint (0 when unknown)
    min_tokens: int
    #: blocks a checkpoint looks back for an earlier entry
    lookback: int
    #: the sections ("tools", "system") holding a per-call-looking value (a timestamp, ...)
    dynamic: tuple[str, ...] = ()
    #: the most prefix tokens one request can cache on the model (Nova); 0: no cap
    max_cached: int = 0

    @functools.cached_property
    def tool_set(self) -> bytes:
        """The tools regardless of order: finds the workload when only the order changed."""
        return keyed(b"tool-set", *sorted(self.tools))

    @functools.cached_property
    def workload(self) -> bytes:
        """Requests of one stable workload: same model, same tool set, same system layout."""
        return keyed(utf8(self.model), self.tool_set, len(self.system).to_bytes(4, "big"))

    @property
    def longest_mark_tokens(self) -> int:
        return max((tokens for _, _, tokens in self.marks), default=0)

    def shared_tokens(self, other: Fingerprint) -> int:
        """Estimated tokens of the longest section or message end both requests contain."""
        theirs = set(other.end_hashes)
        pairs = zip(self.end_hashes, self.end_tokens, strict=True)
        return max((tokens for h, tokens in pairs if h in theirs), default=0)


def first_difference(a: tuple[bytes, ...], b: tuple[bytes, ...]) -> int | None:
    """The first index where two hash sequences differ (the shorter one's length when
    one extends the other); None when they are equal."""
    if a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _walk(prefix: Prefix) -> tuple[list[bytes], list[bytes], list[bytes], list[int]]:
    """Tools, system, message chains and end indices of a prefix in any section order."""
    blocks, chain = prefix.blocks, prefix.chain
    tools: list[bytes] = []
    system: list[bytes] = []
    messages: list[bytes] = []
    ends: list[int] = []
    last = len(blocks) - 1
    for i, block in enumerate(blocks):
        section = block.section
        if section == "tools":
            tools.append(block.digest)
        elif section == "system":
            system.append(block.digest)
        nxt = blocks[i + 1] if i < last else None
        if (
            nxt is None
            or nxt.section != section
            or (section == "messages" and nxt.path[0] != block.path[0])
        ):
            if section == "messages":
                messages.append(chain[i])  # the chain through this message: its history
            ends.append(i)
    return tools, system, messages, ends


#: fingerprints by what they are made of: a conversation re-sent, or many calls of one
#: workload, ask for the same one again; bounded, cleared when full
_MADE: dict[tuple[object, ...], Fingerprint] = {}
_MADE_CAP = 4096


def fingerprint(
    prefix: Prefix, model: str, min_tokens: int, lookback: int, max_cached: int = 0
) -> Fingerprint:
    """The request's fingerprint from its prefix: block digests (keyed per process, see
    :func:`~..prefix.digest`) and the prefix's hash chain, never a second read. The same
    prefix (chain, structure, estimates, markers as sent) gives the very same object."""
    last = prefix.last
    key = (
        prefix.chain[-1] if prefix.chain else b"",
        prefix.ends,
        last.get("tools", -1),
        last.get("system", -1),
        prefix.total_tokens,
        prefix.base_tokens,
        prefix.token_scale,
        tuple([(m.after, m.ttl) for m in prefix.markers]),
        model,
        min_tokens,
        lookback,
        max_cached,
    )
    made = _MADE.get(key)
    if made is None:
        made = _fingerprint(prefix, model, min_tokens, lookback, max_cached)
        if len(_MADE) >= _MADE_CAP:
            _MADE.clear()
        _MADE[key] = made
    return made


def _fingerprint(
    prefix: Prefix, model: str, min_tokens: int, lookback: int, max_cached: int
) -> Fingerprint:
    blocks, chain, cumulative = prefix.blocks, prefix.chain, prefix.cumulative
    model_key = utf8(model)
    t = prefix.last.get("tools", -1) + 1
    s = max(t, prefix.last.get("system", -1) + 1)
    if all(b.section == "tools" for b in blocks[:t]) and all(
        b.section == "system" for b in blocks[t:s]
    ):
        # tools, then system, then only messages (as every dialect reads them): the section
        # and message ends are known without a walk over the messages
        tools = [b.digest for b in blocks[:t]]
        system = [b.digest for b in blocks[t:s]]
        messages = [chain[i] for i in prefix.ends]
        heads = ([t - 1] if t else []) + ([s - 1] if s > t else [])
        ends = [*heads, *prefix.ends]
    else:
        tools, system, messages, ends = _walk(prefix)
    # (tools and system end by block ``s``: the messages are not scanned for these hints)
    hinted = {b.section for b in blocks[:s] if b.dynamic is not None}
    dynamic = tuple(section for section in ("tools", "system") if section in hinted)
    marks: list[tuple[bytes, int, int]] = []
    ttls: list[str] = []
    seen: set[int] = set()
    for marker in prefix.markers:
        at = marker.after
        if at < 0 or at in seen:
            continue
        seen.add(at)
        marks.append((model_key + chain[at], at, cumulative[at]))
        ttls.append(marker.ttl or "5m")
    return Fingerprint(
        model=model,
        tools=tuple(tools),
        system=tuple(system),
        messages=tuple(messages),
        marks=tuple(marks),
        mark_ttls=tuple(ttls),
        end_hashes=tuple([model_key + chain[i] for i in ends]),
        end_indices=tuple(ends),
        end_tokens=tuple([cumulative[i] for i in ends]),
        estimated_tokens=prefix.total_tokens,
        min_tokens=min_tokens,
        lookback=lookback,
        dynamic=dynamic,
        max_cached=max_cached,
    )
