"""The request side of one call: resolve the model, read the prefix, plan, apply, audit.

One ``RequestProcessor`` per installation holds what it learns across calls (``memory``)
and which findings it already logged. ``process`` is the only thing the handler calls.

Per operation, a small request adapter speaks the wire format (``open_request``): Converse
and ConverseStream read the params themselves (``dialects.converse``); InvokeModel and
InvokeModelWithResponseStream read the body (``dialects.invoke``: Anthropic Messages or Nova
by model, sniffed from the body for models the catalog does not place). The flow after that
is the same for all: parse -> plan -> apply (copy-on-write) -> commit -> check.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import botocore.session

from .catalog import ModelSpec, Resolution, resolve
from .config import Settings
from .diagnosis import DiagnosisMemory, Ticket, fingerprint
from .dialects import converse
from .dialects.body import encode
from .dialects.invoke import InvokeRequest
from .errors import CacheAuditError
from .findings import AuditReport, Finding, MarkerInfo, check, finding
from .healing import Added, Rejections
from .memory import PrefixMemory
from .planner import FIVE_MINUTES, Observations, PlannedMarker, Policy, plan
from .prefix import Block, Prefix

logger = logging.getLogger("bedrock_cache_hook")

_LOGGED_CAP = 10_000


@dataclass
class RequestOutcome:
    resolution: Resolution | None = None
    markers: int = 0
    injected: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: the TTL the request's writes are billed at when the response gives no split
    write_ttl: str = "5m"
    #: what the hook added, so that a rejection of it can be healed
    added: Added = field(default_factory=Added)
    #: the request as the miss diagnosis saw it (None when it could not be read)
    ticket: Ticket | None = None
    #: the planner's reason for each marker it did not place
    plan_notes: tuple[str, ...] = ()


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

    def commit(self, params: dict[str, Any]) -> None: ...


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

    def commit(self, params: dict[str, Any]) -> None:
        params.update(self.changes)


_CONVERSE = frozenset(("Converse", "ConverseStream"))
_INVOKE = frozenset(("InvokeModel", "InvokeModelWithResponseStream"))


def open_request(
    operation: str, params: Mapping[str, Any], operation_model: Any, spec: ModelSpec | None
) -> WireRequest | None:
    """The adapter for ``operation``; None for operations we do not read."""
    if operation in _CONVERSE:
        return ConverseRequest(params, operation_model)
    if operation in _INVOKE:
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


def _observe(memory: PrefixMemory, prefix: Prefix, now: float) -> tuple[Observations, bytes | None]:
    stable = [i for i, block in enumerate(prefix.blocks) if block.section != "messages"]
    anchor = prefix.chain[stable[-1]] if stable else None
    ends = prefix.message_ends()
    earlier = [(i, prefix.chain[i]) for i in reversed(ends[:-1])]
    followed = [(i, prefix.chain[i], prefix.chain[i + 1]) for i in reversed(ends[:-1])]
    # tails are always marked with the default 5-minute TTL
    observations = Observations(
        previous_tail=memory.find_previous_tail(earlier, FIVE_MINUTES, now) if earlier else None,
        anchor=memory.anchor(anchor),
        anchors_mostly_unused=memory.anchors_mostly_unused(),
        shared_boundary=memory.shared_boundary(followed) if followed else None,
    )
    return observations, anchor


class RequestProcessor:
    def __init__(self) -> None:
        self.memory = PrefixMemory()
        self.diagnosis = DiagnosisMemory()
        self.rejections = Rejections()
        self._logged: set[tuple[str, str | None, str]] = set()
        self._lock = threading.Lock()
        self._resolved: dict[str, tuple[Settings, Resolution]] = {}

    def resolve(self, model_id: str, settings: Settings) -> Resolution:
        """``resolve()`` memoized per model id for these settings (bounded)."""
        cached = self._resolved.get(model_id)
        if cached is not None and cached[0] is settings:
            return cached[1]
        resolution = resolve(
            model_id, settings.model_aliases, settings.model_overrides, settings.price_overrides
        )
        if len(self._resolved) >= _LOGGED_CAP:
            self._resolved.clear()
        self._resolved[model_id] = (settings, resolution)
        self._announce(model_id, resolution)
        return resolution

    def _announce(self, model_id: str, resolution: Resolution) -> None:
        """Once per model id: INFO for inferred rules, WARNING for a model left untouched."""
        if resolution.inferred and resolution.entry is not None:
            if self._first(("model-inferred", None, model_id)):
                logger.info(
                    "bedrock_cache_hook: %s is not in the catalog; caching it with the rules "
                    "of %s (inferred)",
                    model_id,
                    resolution.entry.family,
                )
        elif resolution.problem is not None and self._first((resolution.problem, None, model_id)):
            logger.warning(
                "bedrock_cache_hook: %s: %s; its requests are left untouched (%s)",
                model_id,
                "no model behind this id (map it with model_aliases)"
                if resolution.problem == "unmapped-model-id"
                else "a model the catalog does not know",
                resolution.problem,
            )

    def _first(self, key: tuple[str, str | None, str]) -> bool:
        with self._lock:
            if key in self._logged or len(self._logged) >= _LOGGED_CAP:
                return False
            self._logged.add(key)
            return True

    def process(
        self,
        operation: str,
        params: dict[str, Any],
        operation_model: Any,
        settings: Settings,
        now: float,
    ) -> RequestOutcome:
        if operation not in _CONVERSE | _INVOKE:
            return RequestOutcome()
        model_id = params.get("modelId")
        if not isinstance(model_id, str):
            return RequestOutcome()
        resolution = self.resolve(model_id, settings)
        spec = resolution.spec
        request = open_request(operation, params, operation_model, spec)
        if request is None:  # pragma: no cover - the operation check above rules it out
            return RequestOutcome()
        blocks: dict[int, Block] = {}
        prefix, locations = request.parse(spec, blocks)
        added = Added()
        plan_notes: tuple[str, ...] = ()
        # what Bedrock refused for this model id is never sent again by this installation
        usable = self.rejections.restrict(model_id, spec) if spec is not None else None
        if (
            settings.mode == "inject"
            and usable is not None
            and usable.caching
            and request.injectable
        ):
            policy = Policy(
                ttl=settings.ttl,
                tail=settings.tail_policy,
                one_hour_ok=request.ttl_known and usable.supports_ttl("1h"),
            )
            observations, anchor = _observe(self.memory, prefix, now)
            result = plan(prefix, usable, policy, observations, resolution.prices)
            plan_notes = result.notes
            caller_body = params.get("body")
            if result.add:
                request.apply(prefix, result.add)
                added = _added(request, prefix, result.add, caller_body)
                prefix, locations = request.applied(prefix, locations, result.add, blocks)
            if request.finish(usable, prefix):
                added = dataclasses.replace(added, betas=True, invoke=True, caller_body=caller_body)
            request.commit(params)
            ends = prefix.message_ends()
            self.memory.remember(
                anchor=anchor,
                tail=prefix_tail_hash(prefix),
                marked_tail=result.tail_marked,
                now=now,
                boundaries=tuple((prefix.chain[i], prefix.chain[i + 1]) for i in ends[:-1]),
            )
        findings, _ = audit_request(request, prefix, resolution, locations)
        ticket = self._diagnose(
            request=request,
            prefix=prefix,
            resolution=resolution,
            settings=settings,
            findings=findings,
            now=now,
        )
        outcome = RequestOutcome(
            resolution=resolution,
            markers=len(prefix.markers),
            injected=added.markers,
            findings=findings,
            write_ttl="1h"
            if prefix.markers and all(m.ttl == "1h" for m in prefix.markers)
            else "5m",
            added=added,
            ticket=ticket,
            plan_notes=plan_notes,
        )
        self._report(settings, model_id, findings)
        return outcome

    def _diagnose(
        self,
        *,
        request: WireRequest,
        prefix: Prefix,
        resolution: Resolution,
        settings: Settings,
        findings: list[Finding],
        now: float,
    ) -> Ticket | None:
        """Register the request with the miss diagnosis (same prefix, no second read); warn
        once per workload section that churns."""
        if not request.readable or not prefix.blocks:
            return None
        spec = resolution.spec
        model = resolution.ref.base_id or resolution.ref.raw
        minimum = spec.min_tokens if spec is not None else 0
        lookback = spec.lookback_blocks if spec is not None else 0
        self.diagnosis.configure(settings.diagnosis_capacity, settings.diagnosis_max_age)
        ticket = self.diagnosis.begin(fingerprint(prefix, model, minimum, lookback), now)
        churn = ticket.churn
        if churn is not None:
            where = f"{churn.section}[{churn.index}]"
            logger.warning(
                "bedrock_cache_hook: %s changes on most calls of this workload (first "
                "difference at %s, model %s): its cache is written and never read; move the "
                "changing part after the last cache marker",
                churn.section,
                where,
                model,
            )
            if settings.mode == "audit":
                message = f"{churn.section} changes on most calls of this workload"
                findings.append(finding("prefix-churn", message, where))
        return ticket

    def _report(self, settings: Settings, model_id: str, findings: list[Finding]) -> None:
        if settings.mode == "strict":
            errors = tuple(f for f in findings if f.severity == "error")
            if errors:
                raise CacheAuditError(
                    f"request for {model_id!r} would not cache correctly:\n  "
                    + "\n  ".join(str(f) for f in errors),
                    errors,
                )
        if settings.mode != "audit":
            return
        for item in findings:
            if item.severity == "info":
                continue
            key = (item.code, item.location, model_id)
            with self._lock:
                if key in self._logged or len(self._logged) >= _LOGGED_CAP:
                    continue
                self._logged.add(key)
            logger.warning("cache audit: %s (model %s)", item, model_id)


_OPERATION_NAMES = {
    "converse": "Converse",
    "converse_stream": "ConverseStream",
    "invoke_model": "InvokeModel",
    "invoke_model_with_response_stream": "InvokeModelWithResponseStream",
}


@functools.lru_cache(maxsize=1)
def _service_model() -> Any:
    return botocore.session.get_session().get_service_model("bedrock-runtime")


def audit(
    operation: str,
    params: Mapping[str, Any],
    *,
    model_aliases: Mapping[str, str] | None = None,
    model_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    model_id: str | None = None,
) -> AuditReport:
    """Audit a request's caching without a client and without sending anything.

    ``operation`` is the API name (``"Converse"``) or the client method (``"converse"``);
    ``params`` the keyword arguments you would pass. Nothing is modified; for InvokeModel the
    ``body`` may be any form boto3 accepts (a file-like body is left where it stands) or, here
    only, the body as a dict.

    ``"litellm.completion"`` and ``"anthropic.messages.create"`` take those calls' keyword
    arguments instead, audited as the InvokeModel body the hook plans for them (locations are
    that body's); ``model_id`` overrides the model they name.
    """
    from .integrations import _audit  # noqa: PLC0415 (the integrations import this module)

    if operation in _audit.NAMES:
        params = _audit.as_invoke_params(operation, params, model_id)
        operation = "InvokeModel"
    name = _OPERATION_NAMES.get(operation, operation)
    if name not in _OPERATION_NAMES.values():
        raise ValueError(
            f"unknown operation {operation!r}: expected one of "
            + ", ".join(sorted([*_OPERATION_NAMES.values(), *_audit.NAMES]))
        )
    model_id = params.get("modelId")
    if not isinstance(model_id, str):
        raise ValueError("params must carry a string 'modelId'")
    resolution = resolve(model_id, model_aliases or {}, model_overrides or {})
    if name in _INVOKE and isinstance(params.get("body"), Mapping):
        params = {**params, "body": encode(params["body"])}  # a convenience for audit() only
    operation_model = _service_model().operation_model(name) if name in _CONVERSE else None
    request = open_request(name, params, operation_model, resolution.spec)
    assert request is not None
    prefix, locations = request.parse(resolution.spec)
    findings, markers = audit_request(request, prefix, resolution, locations)
    return AuditReport(model_id, tuple(markers), tuple(findings))


def _added(
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


def prefix_tail_hash(prefix: Prefix) -> bytes | None:
    """The chain hash through the request's last message: what a next turn will contain."""
    ends = prefix.message_ends()
    return prefix.chain[ends[-1]] if ends else None
