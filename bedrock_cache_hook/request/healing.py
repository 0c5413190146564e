"""Self-healing: when Bedrock rejects something the hook added, send the caller's own request.

The catalog is a hint, not a risk. If a request the hook changed comes back as a
``ValidationException`` or ``AccessDeniedException`` whose message names caching
(``cachePoint``, ``cache_control``, ``ttl``, an extraneous key, a beta), a ``needs-retry``
handler puts the caller's own body back into the request dict and asks for an immediate
retry. botocore rebuilds and re-signs the request from that dict on every attempt, so the
second attempt is exactly the request the caller built; its outcome is all the caller sees.
botocore's own retry handler does not retry these errors, so no retry quota is taken; the
extra attempt is taken out of ``ResponseMetadata.RetryAttempts`` again.

Once the caller's request succeeds, the installation stops sending the rejected feature for
that model id (all markers, 1h TTLs, tool markers or betas). When the caller's request fails
too, the rejection was not ours (the caller's own markers, say): nothing is learnt and the
caller gets that error, exactly as without the hook.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..catalog import ModelSpec
from ..frozen import fast_init

__all__ = [
    "HEALABLE_CODES",
    "Added",
    "Rejections",
    "caller_body",
    "names_caching",
    "rejected_feature",
]

Feature = Literal["caching", "ttl-1h", "tools", "beta"]

HEALABLE_CODES = frozenset(("ValidationException", "AccessDeniedException"))
_NAMES_CACHING = re.compile(r"cach|\bttl\b|extraneous key|\bbeta", re.IGNORECASE)
_NAMES_TTL = re.compile(r"\bttl\b", re.IGNORECASE)
_NAMES_TOOLS = re.compile(r"tool|extraneous key", re.IGNORECASE)
_NAMES_BETA = re.compile(r"\bbeta", re.IGNORECASE)
#: model ids whose rejections are remembered, per installation
_CAPACITY = 4096


@fast_init
@dataclass(frozen=True)
class Added:
    """What the hook added to one request, so a rejection can be traced to it and undone."""

    markers: int = 0
    one_hour: bool = False
    tools: bool = False
    betas: bool = False
    #: Converse: where each inserted marker element sits in the final request, as
    #: (path of its list, index in that list)
    inserted: tuple[tuple[tuple[str | int, ...], int], ...] = ()
    #: InvokeModel: the caller's own body, sent again as botocore would have sent it
    caller_body: Any = None
    invoke: bool = False

    @property
    def anything(self) -> bool:
        return self.markers > 0 or self.betas


def names_caching(code: Any, message: Any) -> bool:
    """Whether an error is Bedrock refusing something about caching (markers, TTLs, betas)."""
    return (
        code in HEALABLE_CODES and isinstance(message, str) and bool(_NAMES_CACHING.search(message))
    )


def rejected_feature(code: Any, message: Any, added: Added) -> Feature | None:
    """The feature the hook added that this error names; None when it is not ours to heal."""
    if not added.anything or not names_caching(code, message):
        return None
    if added.one_hour and _NAMES_TTL.search(message):
        return "ttl-1h"
    if added.tools and _NAMES_TOOLS.search(message):
        return "tools"
    if added.betas and _NAMES_BETA.search(message):
        return "beta"
    return "caching"


def _container(body: Any, path: tuple[str | int, ...]) -> list[Any] | None:
    node = body
    for step in path:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, list) else None


def caller_body(body: Any, added: Added) -> Any:
    """The request dict body the caller's own request would have had; None if unknowable.

    InvokeModel: the caller's body, encoded as botocore encodes a blob. Converse: the body as
    serialized with our marker elements taken out again (botocore's serializer is a plain
    ``json.dumps``, which a load / dump round trip reproduces byte for byte); every element
    removed is checked to be a marker, so a body someone else changed is never guessed at.
    """
    if added.invoke:
        original = added.caller_body
        return original.encode("utf-8") if isinstance(original, str) else original
    if not isinstance(body, bytes | bytearray | str):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    for path, index in sorted(added.inserted, key=lambda item: item[1], reverse=True):
        items = _container(data, path)
        if items is None or not 0 <= index < len(items):
            return None
        element = items[index]
        if not isinstance(element, dict) or set(element) != {"cachePoint"}:
            return None
        del items[index]
    return json.dumps(data).encode("utf-8")


class Rejections:
    """What Bedrock refused per model id, for one installation: thread-safe and bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refused: OrderedDict[str, frozenset[Feature]] = OrderedDict()

    def learn(self, model_id: str, feature: Feature) -> None:
        with self._lock:
            self._refused[model_id] = self._refused.get(model_id, frozenset()) | {feature}
            self._refused.move_to_end(model_id)
            while len(self._refused) > _CAPACITY:
                self._refused.popitem(last=False)

    def refused(self, model_id: str) -> frozenset[Feature]:
        with self._lock:
            return self._refused.get(model_id, frozenset())

    def restrict(self, model_id: str, spec: ModelSpec) -> ModelSpec:
        """``spec`` without what Bedrock refused for ``model_id``."""
        refused = self.refused(model_id)
        if not refused:
            return spec
        changes: dict[str, Any] = {}
        if "caching" in refused:
            changes["caching"] = False
        if "ttl-1h" in refused:
            changes["ttls"] = tuple(t for t in spec.ttls if t != "1h")
        if "tools" in refused:
            changes["sections"] = spec.sections - {"tools"}
        if "beta" in refused:
            changes["betas"] = {}
        return dataclasses.replace(spec, **changes)

    def as_dict(self) -> Mapping[str, frozenset[Feature]]:
        with self._lock:
            return dict(self._refused)
