"""Helpers for testing code that calls Bedrock with the hook installed (Stubber-friendly).

A ``botocore.stub.Stubber`` compares ``expected_params`` with the params after the hook ran,
so in ``inject`` mode an InvokeModel ``body`` is the hook's re-serialized JSON, not the bytes
you passed. Three ways to assert on it:

- :func:`capture_requests` records every request of a client *as it goes out* (after the
  hook, after the Stubber's own check); give the Stubber ``botocore.stub.ANY`` for ``body``
  and assert on ``captured.last.json`` or ``captured.last.markers``;
- :class:`JsonBody` as the expected ``body``: equal to any body form whose JSON equals the
  expected value and/or satisfies a predicate;
- :func:`invoke_response` builds the service response an InvokeModel stub returns.

::

    with capture_requests(client) as captured, Stubber(client) as stub:
        stub.add_response(
            "invoke_model", invoke_response({"content": [], "usage": {...}}),
            {"modelId": MODEL, "body": ANY},
        )
        client.invoke_model(modelId=MODEL, body=body)
    assert captured.last.markers == ["tools[11]", "system[0]", "messages[5].content[0]"]
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.response import StreamingBody

from ..request.audit import audit
from ..request.dialects.body import peek

__all__ = ["CapturedRequest", "CapturedRequests", "JsonBody", "capture_requests", "invoke_response"]

_SERVICE = "bedrock-runtime"
_ids = itertools.count()


def _body_bytes(body: Any) -> bytes | None:
    """The bytes a body sends, read without moving a file-like body."""
    raw = peek(body)
    return raw.encode("utf-8") if isinstance(raw, str) else raw


@dataclass(frozen=True)
class CapturedRequest:
    """One request as the client sent it: the operation and its final params."""

    operation: str
    params: Mapping[str, Any]
    #: InvokeModel: the body's bytes as sent (a file-like body is read where it stood)
    body: bytes | None = None

    @property
    def json(self) -> Any:
        """The InvokeModel body decoded (``AssertionError`` when it is not JSON)."""
        if self.body is None:
            raise AssertionError(f"{self.operation} request has no readable body")
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError(f"{self.operation} body is not JSON") from None

    @property
    def markers(self) -> list[str]:
        """Locations of the cache markers the request carried, in processing order."""
        params = dict(self.params)
        if self.body is not None:
            params["body"] = self.body
        return [marker.location for marker in audit(self.operation, params).markers]


class CapturedRequests(list[CapturedRequest]):
    """The requests captured so far, oldest first."""

    @property
    def last(self) -> CapturedRequest:
        if not self:
            raise AssertionError("no request was captured")
        return self[-1]


@contextmanager
def capture_requests(client: Any) -> Iterator[CapturedRequests]:
    """Record every ``bedrock-runtime`` request ``client`` makes inside the block.

    The params are taken at ``before-parameter-build``: after the hook changed them and
    after a Stubber checked ``expected_params``, so what you see is what is sent.
    """
    captured = CapturedRequests()
    event = f"before-parameter-build.{_SERVICE}"
    unique_id = f"bedrock_cache_hook.testing.capture.{next(_ids)}"

    def handler(*, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        body = params.get("body") if "body" in params else None
        captured.append(
            CapturedRequest(model.name, dict(params), None if body is None else _body_bytes(body))
        )

    client.meta.events.register(event, handler, unique_id=unique_id)
    try:
        yield captured
    finally:
        client.meta.events.unregister(event, unique_id=unique_id)


_UNSET: Any = object()


class JsonBody:
    """Compares equal to an InvokeModel body whose JSON matches.

    ``expected``: the JSON value the body must decode to (omit to skip); ``where``: a
    predicate the decoded body must satisfy. ``received`` holds the last body compared.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self, expected: Any = _UNSET, *, where: Callable[[Any], bool] | None = None
    ) -> None:
        self.expected = expected
        self.where = where
        self.received: Any = _UNSET

    def __eq__(self, other: object) -> bool:
        data = _body_bytes(other)
        try:
            decoded = json.loads(data) if data is not None else _UNSET
        except ValueError:
            decoded = _UNSET
        self.received = decoded
        if decoded is _UNSET:
            return False
        if self.expected is not _UNSET and decoded != self.expected:
            return False
        return self.where is None or bool(self.where(decoded))

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __repr__(self) -> str:
        shown = "any JSON" if self.expected is _UNSET else repr(self.expected)
        return f"JsonBody({shown}{', where=...' if self.where else ''})"


def invoke_response(
    payload: Any, *, content_type: str = "application/json", **fields: Any
) -> dict[str, Any]:
    """A Stubber service response for ``invoke_model``: ``payload`` (JSON-encoded unless it
    is bytes) as a ``StreamingBody``, plus any other response fields."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    return {
        "body": StreamingBody(io.BytesIO(data), len(data)),
        "contentType": content_type,
        **fields,
    }
