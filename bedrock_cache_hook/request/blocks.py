"""The units a prefix is made of: a :class:`Block` per content block, a :class:`Marker` per
cache marker the request already carries, each in its :data:`Section`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = ["Block", "Marker", "Section"]

Section = Literal["tools", "system", "messages"]


class Block(NamedTuple):
    """One block of the prefix. A named tuple, not a frozen dataclass: a request builds one
    per content block per call, and a tuple is built several times faster."""

    section: Section
    #: where the block sits: tools (i,), system (i,), messages (message, content)
    path: tuple[int, ...]
    kind: str
    tokens: int
    digest: bytes
    #: may a cache marker directly follow this block?
    markable: bool = True
    #: "timestamp", "uuid", ... when the block looks per-call (audit only)
    dynamic: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Marker:
    """A cache marker already in the request."""

    section: Section
    #: the marker's own position in its list: tools (i,), system (i,), messages (m, c)
    path: tuple[int, ...]
    #: index of the block it follows in ``Prefix.blocks``; -1 when no block precedes it
    after: int
    ttl: str | None = None
    #: wire problems found while reading it: "shares-block", "missing-type", "unknown-type",
    #: "in-tool-result"
    problems: tuple[str, ...] = ()
