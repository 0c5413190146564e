"""Self-healing at the botocore level: resend the caller's own request, then settle what it
taught (:mod:`..request.healing` knows what was added and how to take it out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..request.findings import finding
from ..request.healing import Rejections, caller_body, rejected_feature
from .state import CallState

__all__ = ["resend_callers_request", "settle"]

_FEATURES = {
    "caching": "cache markers",
    "ttl-1h": "1h TTLs",
    "tools": "tool markers",
    "beta": "anthropic_beta flags",
}


def resend_callers_request(state: CallState, response: Any, request_dict: Any) -> int | None:
    """``needs-retry``: Bedrock rejected what we added, so put the caller's own body back into
    the request dict and ask for an immediate retry (0); None to leave the response alone.

    Runs before botocore's own retry handler (more specific events first); that one does not
    retry these errors, so returning 0 makes the one extra attempt.
    """
    if state.healing is not None or not isinstance(response, tuple):
        return None
    http_response, parsed = response
    if getattr(http_response, "status_code", 200) < 400 or not isinstance(parsed, dict):
        return None
    error = parsed.get("Error")
    error = error if isinstance(error, Mapping) else {}
    code, message = error.get("Code"), error.get("Message")
    feature = rejected_feature(code, message, state.outcome.added)
    if feature is None:
        return None
    body = caller_body(request_dict.get("body"), state.outcome.added)
    if body is None:
        return None
    request_dict["body"] = body
    state.healing = (str(code), feature)
    return 0


def settle(
    rejections: Rejections, state: CallState, http_response: Any | None, parsed: dict[str, Any]
) -> None:
    """After the resend: learn the refusal if the caller's own request went through, and
    make the record describe what was actually sent."""
    assert state.healing is not None
    code, feature = state.healing
    metadata = parsed.get("ResponseMetadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("RetryAttempts"), int):
        metadata["RetryAttempts"] = max(0, metadata["RetryAttempts"] - 1)
    outcome = state.outcome
    outcome.markers -= outcome.added.markers
    outcome.injected = 0
    succeeded = http_response is not None and getattr(http_response, "status_code", 200) < 300
    if succeeded:
        rejections.learn(state.model_id, feature)
    outcome.findings.append(
        finding(
            "healed",
            f"Bedrock rejected the {_FEATURES[feature]} the hook added ({code}); the "
            "caller's own request was sent instead"
            + (" and they are no longer added for this model" if succeeded else ""),
        )
    )
