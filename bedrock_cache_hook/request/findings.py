"""Audit findings: stable codes about a request's caching, with a location and a fix.

Findings are about the request as it would be sent; they never quote request text. The
rules read the abstract prefix, so every dialect shares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from ..catalog import ModelSpec, Resolution
from ..frozen import fast_init
from .prefix import TTL_ORDER, Marker, Prefix, location
from .rules import RULES, Severity

_DYNAMIC = attrgetter("dynamic")

__all__ = ["AuditReport", "Finding", "MarkerInfo", "Severity", "check"]


@fast_init
@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    location: str | None = None
    fix: str = ""

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"[{self.severity}] {self.code}{where}: {self.message} (fix: {self.fix})"


def finding(code: str, message: str, location: str | None = None) -> Finding:
    severity, fix = RULES[code]
    return Finding(code, severity, message, location, fix)


@fast_init
@dataclass(frozen=True)
class MarkerInfo:
    location: str
    ttl: str | None
    #: estimated cumulative prefix tokens at the marker
    prefix_tokens: int
    reaches_minimum: bool


@dataclass(frozen=True)
class AuditReport:
    model_id: str
    markers: tuple[MarkerInfo, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def will_cache(self) -> bool:
        """At least one marker reaches the minimum and nothing would make Bedrock reject it."""
        return not self.errors and any(m.reaches_minimum for m in self.markers)

    def assert_caches(self) -> None:
        if self.will_cache:
            return
        reasons = [str(f) for f in self.findings if f.severity != "info"] or [
            "no marker reaches the model's minimum cacheable prefix"
        ]
        raise AssertionError(
            f"request for {self.model_id!r} will not cache:\n  " + "\n  ".join(reasons)
        )


_PLACEMENT = {
    "reasoning": "marker-after-reasoning",
    "document": "marker-after-document",
}


def _marker_findings(
    prefix: Prefix, spec: ModelSpec, marker: Marker, where: str, ttl_known: bool
) -> list[Finding]:
    out: list[Finding] = []
    for problem in marker.problems:
        out.append(finding(f"marker-{problem}", "invalid cache marker", where))
    if marker.after < 0:
        out.append(finding("marker-first-block", "marker precedes all content", where))
    else:
        block = prefix.blocks[marker.after]
        if not block.markable and block.kind in _PLACEMENT:
            out.append(
                finding(_PLACEMENT[block.kind], f"marker follows a {block.kind} block", where)
            )
    if marker.section not in spec.sections:
        out.append(finding("marker-on-tools-unsupported", f"{spec.family} caches no tools", where))
    if marker.ttl is not None and not ttl_known:
        out.append(
            finding("ttl-unsupported-botocore", "installed botocore has no ttl member", where)
        )
    elif marker.ttl is not None and not spec.supports_ttl(marker.ttl):
        out.append(
            finding("ttl-unsupported-model", f"{spec.family} has no {marker.ttl} TTL", where)
        )
    tokens = prefix.tokens_through(marker.after)
    if marker.after >= 0 and tokens < spec.min_tokens:
        out.append(
            finding(
                "below-minimum",
                f"~{tokens} prefix tokens, {spec.family} needs {spec.min_tokens}",
                where,
            )
        )
    return out


def check(
    prefix: Prefix,
    resolution: Resolution,
    locate: Sequence[str],
    *,
    cache_point_known: bool = True,
    ttl_known: bool = True,
    tools_key: str = "toolConfig.tools",
) -> tuple[list[Finding], list[MarkerInfo]]:
    """All findings for a prefix; ``locate[i]`` is the wire location of ``prefix.markers[i]``."""
    findings: list[Finding] = []
    spec = resolution.spec
    markers = prefix.markers
    if spec is None:
        raw = resolution.ref.raw
        if resolution.problem == "unmapped-model-id":
            findings.append(
                finding(
                    "unmapped-model-id", f"{raw!r} does not name its model, so nothing is injected"
                )
            )
        else:
            findings.append(finding("unknown-model", f"{raw!r} is not in the model catalog"))
        return findings, [
            MarkerInfo(loc, m.ttl, prefix.tokens_through(m.after), False)
            for m, loc in zip(markers, locate, strict=True)
        ]
    if resolution.inferred and resolution.entry is not None:
        findings.append(
            finding(
                "model-inferred",
                f"{resolution.ref.raw!r} is not in the catalog: using the rules of its nearest "
                f"listed model, {resolution.entry.family}",
            )
        )
    if markers and not cache_point_known:
        findings.append(
            finding(
                "cache-point-unsupported-botocore", "installed botocore does not know cachePoint"
            )
        )
    if not spec.caching:
        if markers:
            findings.append(
                finding(
                    "markers-on-noncaching-model",
                    f"{len(markers)} marker(s) sent to a model that cannot cache",
                )
            )
        return findings, [
            MarkerInfo(loc, m.ttl, prefix.tokens_through(m.after), False)
            for m, loc in zip(markers, locate, strict=True)
        ]
    if len(markers) > spec.max_markers:
        findings.append(
            finding(
                "too-many-markers",
                f"{len(markers)} markers; Bedrock rejects more than {spec.max_markers}",
            )
        )
    infos: list[MarkerInfo] = []
    previous_rank = None
    for marker, where in zip(markers, locate, strict=True):
        findings.extend(_marker_findings(prefix, spec, marker, where, ttl_known))
        rank = TTL_ORDER.get(marker.ttl or "5m", 0)
        if previous_rank is not None and rank > previous_rank:
            findings.append(finding("ttl-order", "a 1h marker comes after a 5m marker", where))
        previous_rank = rank if previous_rank is None else min(previous_rank, rank)
        tokens = prefix.tokens_through(marker.after)
        infos.append(
            MarkerInfo(
                where,
                marker.ttl,
                tokens,
                marker.after >= 0 and tokens >= spec.min_tokens and not marker.problems,
            )
        )
    findings.extend(_prefix_findings(prefix, spec, tools_key))
    return findings, infos


def _prefix_findings(prefix: Prefix, spec: ModelSpec, tools_key: str) -> list[Finding]:
    out: list[Finding] = []
    markers = prefix.markers
    if not markers:
        if prefix.total_tokens >= spec.min_tokens:
            out.append(finding("no-marker", f"~{prefix.total_tokens} tokens sent with no marker"))
        else:
            out.append(
                finding(
                    "prefix-below-minimum",
                    f"~{prefix.total_tokens} tokens, under {spec.min_tokens}",
                )
            )
        return out
    first = min(m.after for m in markers)
    # the blocks the first marker caches: their dynamic hints, at C speed (almost all None)
    hints = list(map(_DYNAMIC, prefix.blocks[: first + 1]))
    if any(hints):
        block = prefix.blocks[next(i for i, hint in enumerate(hints) if hint)]
        where = location(block.section, block.path, tools_key)
        out.append(
            finding(
                "dynamic-prefix", f"a {block.dynamic}-like value before the first marker", where
            )
        )
    stable_end = prefix.stable_end()
    if (
        stable_end >= 0
        and prefix.tokens_through(stable_end) >= spec.min_tokens
        and all(prefix.blocks[m.after].section == "messages" for m in markers if m.after >= 0)
    ):
        out.append(
            finding(
                "no-stable-anchor",
                "only message markers; tools/system are re-sent uncached whenever the tail moves",
            )
        )
    return out
