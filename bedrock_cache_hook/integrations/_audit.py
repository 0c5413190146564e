"""``audit()`` of the keyword arguments of a non-boto3 call: ``litellm.completion`` and the
Anthropic SDK's ``messages.create``, read into the InvokeModel body the hook plans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .litellm_messages import to_messages_body

__all__ = ["NAMES", "as_invoke_params"]

LITELLM = "litellm.completion"
ANTHROPIC = "anthropic.messages.create"
NAMES = (LITELLM, ANTHROPIC)
_ANTHROPIC_VERSION = "bedrock-2023-05-31"
#: ``messages.create`` keywords that are request options, not part of the body
_SDK_OPTIONS = ("model", "stream", "extra_headers", "extra_query", "extra_body", "timeout")


def _litellm_model(model: Any) -> str:
    name = str(model or "")
    if not name.startswith("bedrock/"):
        raise ValueError(f"not a LiteLLM Bedrock model: {name!r} (expected 'bedrock/...')")
    name = name[len("bedrock/") :]
    route, _, rest = name.partition("/")
    return rest if route in ("converse", "invoke") else name


def as_invoke_params(
    operation: str, kwargs: Mapping[str, Any], model_id: str | None
) -> dict[str, Any]:
    """``{"modelId": ..., "body": {...}}`` for ``operation`` (one of :data:`NAMES`)."""
    if operation == LITELLM:
        messages = kwargs.get("messages")
        if not isinstance(messages, list):
            raise ValueError("litellm.completion kwargs must carry a 'messages' list")
        body, _, _ = to_messages_body(messages, kwargs.get("tools"))
        body["anthropic_version"] = _ANTHROPIC_VERSION
        return {"modelId": model_id or _litellm_model(kwargs.get("model")), "body": body}
    model = model_id or kwargs.get("model")
    if not isinstance(model, str):
        raise ValueError("anthropic.messages.create kwargs must carry 'model' (or pass model_id)")
    body = {k: v for k, v in kwargs.items() if k not in _SDK_OPTIONS}
    extra = kwargs.get("extra_body")
    if isinstance(extra, Mapping):
        body.update(extra)
    body.setdefault("anthropic_version", _ANTHROPIC_VERSION)
    return {"modelId": model, "body": body}
