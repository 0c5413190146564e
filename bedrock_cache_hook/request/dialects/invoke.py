"""InvokeModel / InvokeModelWithResponseStream requests: the body, its dialect, write-back.

The dialect follows the model (``ModelSpec.dialect``: Claude -> Anthropic Messages, Nova ->
``messages-v1``); for a model the catalog does not place (unknown ids, Llama, ...), a body
carrying ``anthropic_version`` is read as Anthropic and a ``messages-v1`` body as Nova, so
the audit still counts their markers. Anything else has no dialect: nothing is read into
the prefix and nothing is written. The body is re-serialized only when something changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...catalog import ModelSpec, Resolution
from ..findings import Finding, finding
from ..planner import PlannedMarker
from ..prefix import Block, Prefix
from . import anthropic, betas, nova
from .body import NOT_JSON, UNREADABLE, encode, read_body
from .splice import splice

__all__ = ["InvokeRequest", "count_markers"]

_EMPTY = Prefix((), ())

_PROBLEMS = {
    UNREADABLE: "the body is a non-seekable stream: it was neither checked nor marked",
    NOT_JSON: "the body is not a JSON object: it was neither checked nor marked",
}


@dataclass(frozen=True)
class Dialect:
    name: str
    parse: Callable[
        [Mapping[str, Any], ModelSpec | None, dict[int, Block] | None], tuple[Prefix, list[str]]
    ]
    apply: Callable[[Mapping[str, Any], Prefix, Sequence[PlannedMarker]], dict[str, Any]]


ANTHROPIC = Dialect("anthropic", anthropic.parse, anthropic.apply)
NOVA = Dialect("nova", nova.parse, nova.apply)


def _looks_nova(data: Mapping[str, Any]) -> bool:
    version = data.get("schemaVersion")
    return isinstance(version, str) and version.startswith("messages")


def choose(data: Mapping[str, Any], spec: ModelSpec | None) -> Dialect | None:
    """The body's dialect: the model's when the catalog names one, else sniffed."""
    if spec is not None and spec.dialect == "anthropic":
        return ANTHROPIC
    if spec is not None and spec.dialect == "nova":
        return NOVA
    if "anthropic_version" in data:
        return ANTHROPIC
    if _looks_nova(data):
        return NOVA
    return None


class InvokeRequest:
    """One InvokeModel request being read, planned and (maybe) rewritten."""

    #: the body is opaque to botocore: every marker member "exists"
    cache_point_known = True
    ttl_known = True

    def __init__(self, params: Mapping[str, Any], spec: ModelSpec | None) -> None:
        read = read_body(params.get("body"))
        self.spec = spec
        self.problem = read.problem
        self.read = read
        self.data: dict[str, Any] | None = read.data
        self.dialect = choose(read.data, spec) if read.data is not None else None
        self.changed = False
        #: the marked body could not be written after all: it went out as the caller's
        self.unwritten = False

    @property
    def rewritable(self) -> bool:
        """Whether markers can be written: into the caller's text where the scan placed each
        block (every other byte kept), else by re-encoding a body that re-encodes to the
        caller's text (settled on first use)."""
        if self.unwritten:
            return False
        return self._spliceable or self.read.rewritable

    @property
    def _spliceable(self) -> bool:
        """Markers go into the caller's text at the spans the scan found: both dialects put
        them inside blocks (Anthropic's ``cache_control``, Nova's ``cachePoint``)."""
        return self.dialect is not None and self.read.spans is not None

    @property
    def readable(self) -> bool:
        return self.dialect is not None

    @property
    def injectable(self) -> bool:
        return self.dialect is not None and self.rewritable

    def parse(
        self, spec: ModelSpec | None, cache: dict[int, Block] | None = None
    ) -> tuple[Prefix, list[str]]:
        if self.dialect is None or self.data is None:
            return _EMPTY, []
        if self.dialect is ANTHROPIC:
            spans = self.read.spans if self.data is self.read.data else None
            return anthropic.parse(self.data, spec, cache, spans)
        return self.dialect.parse(self.data, spec, cache)

    def applied(
        self,
        prefix: Prefix,
        locations: list[str],
        markers: Sequence[PlannedMarker],
        cache: dict[int, Block],
    ) -> tuple[Prefix, list[str]]:
        """Derived from the one read: both dialects put markers inside their blocks."""
        if self.dialect is ANTHROPIC:
            return anthropic.with_markers(prefix, locations, markers)
        return nova.with_markers(prefix, locations, markers)

    def apply(self, prefix: Prefix, markers: Sequence[PlannedMarker]) -> None:
        if self.dialect is not None and self.data is not None and markers:
            self.data = self.dialect.apply(self.data, prefix, markers)
            self.changed = True

    def finish(self, spec: ModelSpec, prefix: Prefix) -> bool:
        """After planning: add the beta flags the catalog asks for (Anthropic only); True
        when one was added."""
        if self.dialect is ANTHROPIC and self.data is not None:
            updated = betas.add(self.data, spec, prefix)
            if updated is not None:
                self.data = updated
                self.changed = True
                return True
        return False

    def findings(self, resolution: Resolution, prefix: Prefix) -> list[Finding]:
        spec = resolution.spec
        out: list[Finding] = []
        if self.problem is not None and (spec is None or spec.caching):
            out.append(finding(self.problem, _PROBLEMS[self.problem], "body"))
        if self.dialect is not None and not self.rewritable and (spec is None or spec.caching):
            out.append(
                finding(
                    "body-not-rewritable",
                    "re-writing this body would change more than the cache markers (duplicate "
                    "keys, NaN/Infinity, numbers or an encoding JSON writes differently): it "
                    "was checked but sent untouched",
                    "body",
                )
            )
        if self.dialect is ANTHROPIC and self.data is not None:
            out.extend(anthropic.findings(self.data, spec, prefix))
        return out

    def commit(self, params: dict[str, Any]) -> bool:
        """Write the changed body into the (fresh, top-level) params dict; False when it
        cannot be written (then the caller's body goes out and the call is not marked)."""
        if not self.changed or self.data is None:
            return True
        original, spans = self.read.data, self.read.spans
        if self._spliceable and spans is not None and original is not None:
            text = splice(spans, original, self.data)
            if text is not None:  # the caller's text with ours added: it was UTF-8 already
                params["body"] = text.encode("utf-8")
                return True
        if self.read.rewritable:
            params["body"] = encode(self.data, self.read.style)
            return True
        self.unwritten = True
        return False


def count_markers(params: Mapping[str, Any]) -> int:
    """Cache markers in an InvokeModel body, whatever the model (0 when unreadable)."""
    return len(InvokeRequest(params, None).parse(None)[0].markers)
