"""Which operation a request is, for which model, in which region (the SigV4 scope)."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from .records import WireRequest

__all__ = ["INVOKE", "MESSAGES", "OPERATIONS", "STREAMING", "route", "signing_region"]

OPERATIONS = {
    "converse": "Converse",
    "converse-stream": "ConverseStream",
    "invoke": "InvokeModel",
    "invoke-with-response-stream": "InvokeModelWithResponseStream",
    "count-tokens": "CountTokens",
}
STREAMING = ("ConverseStream", "InvokeModelWithResponseStream", "MessagesStream")
INVOKE = ("InvokeModel", "InvokeModelWithResponseStream")
MESSAGES = ("Messages", "MessagesStream")
ROUTE = re.compile(r"^/model/([^/]+)/([a-z-]+)$")
MESSAGES_PATH = "/anthropic/v1/messages"
SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/")


def _messages_route(raw: bytes) -> tuple[str, str]:
    """(operation, model id) of a Messages API request: the model and ``stream`` are in the
    body; a body that is not a JSON object still routes (and is rejected as malformed)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "Messages", ""
    if not isinstance(body, dict):
        return "Messages", ""
    model = body.get("model")
    operation = "MessagesStream" if body.get("stream") is True else "Messages"
    return operation, model if isinstance(model, str) else ""


def route(request: WireRequest) -> tuple[str, str]:
    """(operation, model id); the operation is "" for a path the simulator does not serve."""
    path = urlsplit(request.path).path
    if path == MESSAGES_PATH:
        return _messages_route(request.body)
    found = ROUTE.match(path)
    if found is None:
        return "", ""
    return OPERATIONS.get(found.group(2), ""), unquote(found.group(1))


def signing_region(request: WireRequest) -> str | None:
    """The region of the SigV4 credential scope, None when the request is unsigned."""
    scope = SCOPE.search(request.headers.get("authorization", ""))
    return scope.group(1) if scope else None
