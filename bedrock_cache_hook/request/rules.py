"""Every audit finding code, its severity and its fix: the stable table the README lists."""

from __future__ import annotations

from typing import Literal

__all__ = ["RULES", "Severity"]

Severity = Literal["error", "warning", "info"]

#: code -> (severity, fix); the message is built per finding
RULES: dict[str, tuple[Severity, str]] = {
    "no-marker": ("error", "add cache markers (install(mode='inject') does it for you)"),
    "too-many-markers": ("error", "keep at most 4 cache markers across tools, system and messages"),
    "below-minimum": ("warning", "move the marker later, where the cumulative prefix is longer"),
    "marker-after-reasoning": (
        "error",
        "put the marker before the reasoning block or after a later block",
    ),
    "marker-after-document": (
        "error",
        "put the marker after a non-document block (PDF documents are fine)",
    ),
    "marker-first-block": ("warning", "remove it: nothing precedes it, so it caches nothing"),
    "marker-on-tools-unsupported": (
        "error",
        "remove tool markers: this model caches system and messages only",
    ),
    "marker-in-tool-result": ("error", "put the marker after the toolResult block, not inside it"),
    "marker-shares-block": ("error", "put cachePoint in a list element of its own"),
    "marker-missing-type": (
        "error",
        "write the marker as {'cachePoint': {'type': 'default'}} (Converse, Nova) or "
        "'cache_control': {'type': 'ephemeral'} (Anthropic body)",
    ),
    "marker-unknown-type": (
        "error",
        "use type 'default' (cachePoint) or 'ephemeral' (cache_control), the only types "
        "Bedrock accepts",
    ),
    "marker-on-thinking": (
        "error",
        "put cache_control on another block: thinking blocks cannot carry one",
    ),
    "marker-on-empty-text": ("error", "put cache_control on a non-empty block"),
    "ttl-unsupported-model": ("error", "drop ttl '1h' (this model supports 5m only)"),
    "ttl-unsupported-botocore": ("error", "upgrade botocore to >= 1.42.31 or drop the ttl member"),
    "cache-point-unsupported-botocore": ("error", "upgrade botocore to >= 1.37.24"),
    "ttl-order": ("error", "order TTLs 1h before 5m along tools -> system -> messages"),
    "markers-on-noncaching-model": ("error", "remove cache markers: this model cannot cache"),
    "unmapped-model-id": (
        "warning",
        "map it: install(model_aliases={'<arn>': '<model id>'}) or "
        "BEDROCK_CACHE_HOOK_MODEL_ALIASES",
    ),
    "unknown-model": ("warning", "map it with model_aliases, or describe it with model_overrides"),
    "prefix-churn": (
        "warning",
        "move the part that changes on every call (a timestamp, an id) after the last cache "
        "marker, or into the messages",
    ),
    "healed": (
        "warning",
        "nothing to do: the hook stopped adding what Bedrock refused; report the model id so "
        "the catalog can be corrected",
    ),
    "model-inferred": (
        "info",
        "nothing to do; to pin the rules, describe the model with model_overrides",
    ),
    "dynamic-prefix": ("warning", "move per-call values (times, ids) after the last stable marker"),
    "no-stable-anchor": ("warning", "mark the end of system (and tools) too, not only the tail"),
    "prefix-below-minimum": ("info", "nothing to do: the whole prompt is under the model minimum"),
    "top-level-cache-control": ("error", "remove top-level cache_control; mark blocks instead"),
    "request-unread": (
        "warning",
        "nothing to do: the request went out untouched; please report the internal error",
    ),
    "response-unread": (
        "warning",
        "nothing to do: the caller got the response unchanged; please report the internal error",
    ),
    "body-not-rewritable": (
        "warning",
        "send plain JSON (no duplicate keys, no NaN/Infinity, numbers as Python writes "
        "them) so markers can be added without changing anything else",
    ),
    "body-unreadable": (
        "warning",
        "pass the body as bytes, str or a seekable file so it can be checked and marked",
    ),
    "body-not-json": ("warning", "send a JSON object in the model's body format"),
    "caching-beta-unneeded": (
        "warning",
        "remove it from anthropic_beta: Bedrock needs no beta for caching on this model",
    ),
    "caching-beta-unknown": (
        "warning",
        "remove it from anthropic_beta, or declare it: "
        "install(model_overrides={'<family>': {'betas': {'<feature>': '<beta>'}}})",
    ),
    "caching-beta-missing": (
        "error",
        "add it to the body's anthropic_beta list (install(mode='inject') does it for you)",
    ),
}
