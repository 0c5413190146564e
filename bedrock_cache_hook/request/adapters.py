"""Request adapters: one per wire format, all speaking to the processor the same way.

Converse and ConverseStream read the params themselves (``dialects.converse``); InvokeModel
and InvokeModelWithResponseStream read the body (``dialects.invoke``: Anthropic Messages or
Nova by model, sniffed from the body for models the catalog does not place).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..catalog import ModelSpec, Resolution
from .dialects import converse
from .dialects.invoke import InvokeRequest
from .findings import Finding, MarkerInfo, check
from .healing import Added
from .planner import PlannedMarker
from .prefix import Block, Prefix


class WireRequest(Protocol):
    """One request in its wire format: what ``process`` and ``audit`` need from a dialect."""

    cache_point_known: bool
    ttl_known: bool

    @property
    def readable(self) -> bool:
        """Whether the prompt could be read (an unreadable InvokeModel body cannot)."""
        ...

    @property
    def injectable(self) -> bool: ...

    def parse(
        self, spec: ModelSpec | None, cache: dict[int, Block] | None = None
    ) -> tuple[Prefix, list[str]]: ...

    def apply(self, prefix: Prefix, markers: Sequence[PlannedMarker]) -> None: ...

    def applied(
        self,
        prefix: Prefix,
        locations: list[str],
        markers: Sequence[PlannedMarker],
        cache: dict[int, Block],
    ) -> tuple[Prefix, list[str]]:
        """The prefix and marker locations after :meth:`apply` added ``markers``."""
        ...

    def finish(self, spec: ModelSpec, prefix: Prefix) -> bool:
        """After planning: add what the markers need besides themselves; True if anything."""
        ...

    def findings(self, resolution: Resolution, prefix: Prefix) -> list[Finding]: ...

    def commit(self, params: dict[str, Any]) -> bool:
        """Write what :meth:`apply` changed into ``params``; False when it could not be
        written (the request goes out as the caller's)."""
        ...


class ConverseRequest:
    """Converse / ConverseStream: markers are list elements in the params themselves."""

    def __init__(self, params: Mapping[str, Any], operation_model: Any) -> None:
        self.params: dict[str, Any] = dict(params)
        self.cache_point_known, self.ttl_known = converse.features(operation_model)
        self.changes: dict[str, Any] = {}
        self.inserted: tuple[tuple[tuple[str | int, ...], int], ...] = ()

    readable = True

    @property
    def injectable(self) -> bool:
        return self.cache_point_known

    def parse(
        self, spec: ModelSpec | None, cache: dict[int, Block] | None = None
    ) -> tuple[Prefix, list[str]]:
        return converse.parse(self.params, spec, cache)

    def apply(self, prefix: Prefix, markers: Sequence[PlannedMarker]) -> None:
        changes = converse.apply(self.params, prefix, markers)
        self.params.update(changes)
        self.changes.update(changes)
        self.inserted = converse.inserted(prefix, markers)

    def applied(
        self,
        prefix: Prefix,
        locations: list[str],
        markers: Sequence[PlannedMarker],
        cache: dict[int, Block],
    ) -> tuple[Prefix, list[str]]:
        return converse.with_markers(prefix, locations, markers)

    def finish(self, spec: ModelSpec, prefix: Prefix) -> bool:
        return False

    def findings(self, resolution: Resolution, prefix: Prefix) -> list[Finding]:
        return []

    def commit(self, params: dict[str, Any]) -> bool:
        params.update(self.changes)
        return True


CONVERSE = frozenset(("Converse", "ConverseStream"))
INVOKE = frozenset(("InvokeModel", "InvokeModelWithResponseStream"))


def open_request(
    operation: str, params: Mapping[str, Any], operation_model: Any, spec: ModelSpec | None
) -> WireRequest | None:
    """The adapter for ``operation``; None for operations we do not read."""
    if operation in CONVERSE:
        return ConverseRequest(params, operation_model)
    if operation in INVOKE:
        return InvokeRequest(params, spec)
    return None


#: findings about the prompt's content: meaningless when the content could not be read
_CONTENT_CODES = frozenset(("no-marker", "prefix-below-minimum"))


def audit_request(
    request: WireRequest, prefix: Prefix, resolution: Resolution, locations: list[str]
) -> tuple[list[Finding], list[MarkerInfo]]:
    """The shared rules over the prefix, plus what only the wire format can tell."""
    findings, markers = check(
        prefix,
        resolution,
        locations,
        cache_point_known=request.cache_point_known,
        ttl_known=request.ttl_known,
        tools_key="toolConfig.tools" if isinstance(request, ConverseRequest) else "tools",
    )
    if not request.readable:
        findings = [f for f in findings if f.code not in _CONTENT_CODES]
    findings.extend(request.findings(resolution, prefix))
    return findings, markers


def added_by(
    request: WireRequest, prefix: Prefix, markers: Sequence[PlannedMarker], caller_body: Any
) -> Added:
    """What applying ``markers`` added, for healing a rejection of it."""
    invoke = not isinstance(request, ConverseRequest)
    return Added(
        markers=len(markers),
        one_hour=any(m.ttl == "1h" for m in markers),
        tools=any(prefix.blocks[m.after].section == "tools" for m in markers),
        inserted=request.inserted if isinstance(request, ConverseRequest) else (),
        caller_body=caller_body if invoke else None,
        invoke=invoke,
    )
