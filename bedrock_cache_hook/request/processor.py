"""The request side of one call: resolve the model, read the prefix, plan, apply, audit.

One ``RequestProcessor`` per installation holds what it learns across calls (``memory``)
and which findings it already logged. ``process`` is the only thing the handler calls.

Per operation a request adapter (:mod:`.adapters`) speaks the wire format; the flow is the
same for all: parse -> plan -> apply (copy-on-write) -> commit -> check.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from ..catalog import Resolution, resolve
from ..diagnosis import DiagnosisMemory, Ticket, fingerprint
from ..errors import CacheAuditError
from ..response.usage import Usage
from ..settings.fields import Settings
from .adapters import CONVERSE, INVOKE, WireRequest, added_by, audit_request, open_request
from .calibration import TokenCalibration
from .findings import Finding, finding
from .healing import Added, Rejections
from .memory import PrefixMemory
from .observe import boundary_hashes, observe, outer_hash
from .planner import FIVE_MINUTES, ONE_HOUR, Policy, plan
from .prefix import Block, Prefix

logger = logging.getLogger("bedrock_cache_hook")


def _model_key(resolution: Resolution) -> str:
    """The model the memories key by: the base model behind a profile or alias."""
    return resolution.ref.base_id or resolution.ref.raw


_LOGGED_CAP = 10_000
_READ = CONVERSE | INVOKE


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


class RequestProcessor:
    def __init__(self) -> None:
        self.memory = PrefixMemory()
        self.diagnosis = DiagnosisMemory()
        self.calibration = TokenCalibration()
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
        if operation not in _READ:
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
        if usable is not None and usable.max_cached_tokens is not None:
            usable = self.calibration.capped(usable, _model_key(resolution))
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
            longest = ONE_HOUR if policy.one_hour_ok and policy.ttl != "5m" else FIVE_MINUTES
            # the boundaries sit where markers do not change the chain: read once for both
            bounds = boundary_hashes(prefix)
            observations, anchor = observe(self.memory, prefix, now, longest, bounds)
            result = plan(prefix, usable, policy, observations, resolution.prices)
            plan_notes = result.notes
            caller_body = params.get("body")
            unmarked = prefix, locations
            if result.add:
                request.apply(prefix, result.add)
                added = added_by(request, prefix, result.add, caller_body)
                prefix, locations = request.applied(prefix, locations, result.add, blocks)
            if request.finish(usable, prefix):
                added = dataclasses.replace(added, betas=True, invoke=True, caller_body=caller_body)
            if not request.commit(params):  # sent as the caller's: nothing of ours went out
                (prefix, locations), added = unmarked, Added()
                result = dataclasses.replace(result, tail_marked=False, tail_hour=False)
            self.memory.remember(
                anchor=anchor,
                tail=prefix_tail_hash(prefix),
                marked_tail=result.tail_marked,
                hour_tail=result.tail_hour,
                first_message=not prefix.has_assistant_turn,
                now=now,
                boundaries=bounds,
                outer=outer_hash(prefix),
                anchor_markers=_anchor_markers(prefix, observations.read_through),
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

    def calibrate(self, outcome: RequestOutcome, usage: Usage) -> None:
        """After the response: on a model whose cap on cached tokens counts real tokens
        (Nova), how far the request's estimate was from what the response reported."""
        resolution, ticket = outcome.resolution, outcome.ticket
        spec = resolution.spec if resolution is not None else None
        if spec is None or spec.max_cached_tokens is None or ticket is None:
            return
        if usage.source != "none":
            fp = ticket.fingerprint
            self.calibration.learn(fp.model, fp.estimated_tokens, usage.total_input_tokens)

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
        model = _model_key(resolution)
        minimum = spec.min_tokens if spec is not None else 0
        lookback = spec.lookback_blocks if spec is not None else 0
        cap = (spec.max_cached_tokens or 0) if spec is not None else 0
        self.diagnosis.configure(settings.diagnosis_capacity, settings.diagnosis_max_age)
        ticket = self.diagnosis.begin(fingerprint(prefix, model, minimum, lookback, cap), now)
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


def _anchor_markers(prefix: Prefix, read_through: int | None) -> list[tuple[int, bool, bool]]:
    """(block, asks for 1h, writes there) of the markers inside the stable prefix (tools and
    system). A marker on a block a live entry already holds reads that entry, which keeps
    its own TTL: only one past what is read writes."""
    stable = prefix.stable_end()
    read_to = -1 if read_through is None else read_through
    return [
        (m.after, m.ttl == "1h", m.after > read_to)
        for m in prefix.markers
        if 0 <= m.after <= stable
    ]


def prefix_tail_hash(prefix: Prefix) -> bytes | None:
    """The chain hash through the request's last message: what a next turn will contain."""
    ends = prefix.message_ends()
    return prefix.chain[ends[-1]] if ends else None
