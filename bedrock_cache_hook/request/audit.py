"""``audit()``: a request's caching checked without a client and without sending anything."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import botocore.session

from ..catalog import resolve
from .adapters import CONVERSE, INVOKE, audit_request, open_request
from .dialects.body import encode
from .findings import AuditReport

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
    from ..integrations import _audit  # noqa: PLC0415 (the integrations import this module)

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
    if name in INVOKE and isinstance(params.get("body"), Mapping):
        params = {**params, "body": encode(params["body"])}  # a convenience for audit() only
    operation_model = _service_model().operation_model(name) if name in CONVERSE else None
    request = open_request(name, params, operation_model, resolution.spec)
    assert request is not None
    prefix, locations = request.parse(resolution.spec)
    findings, markers = audit_request(request, prefix, resolution, locations)
    return AuditReport(model_id, tuple(markers), tuple(findings))
