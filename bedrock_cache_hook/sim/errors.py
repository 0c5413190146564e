"""The errors the simulator answers with, in Bedrock's shape.

Every rejection is a :class:`SimError` carrying the HTTP status, the error code botocore maps to
``client.exceptions.<code>`` (sent as ``x-amzn-ErrorType``) and the message text. Texts quoted in
the project's Bedrock reference are used verbatim; the ones marked *invented* below are the
simulator's own wording where no public source gives Bedrock's.
"""

from __future__ import annotations

__all__ = [
    "BAD_CACHE_TTL",
    "BAD_CACHE_TYPE",
    "EMPTY_TEXT_MARKER",
    "EXTRA_INPUTS",
    "INVALID_MODEL",
    "MALFORMED_BODY",
    "MAX_MARKERS",
    "MODEL_ERRORS",
    "NON_PDF_DOCUMENT",
    "NOTHING_TO_CACHE",
    "NOVA_EXTENDED_TTL",
    "NOVA_TOOL_MARKER",
    "REASONING_MARKER",
    "SERVER_ERROR",
    "THROTTLED",
    "TTL_ORDER",
    "TTL_UNSUPPORTED",
    "UNAVAILABLE",
    "UNKNOWN_OPERATION",
    "UNSUPPORTED_MODEL",
    "SimError",
    "enum_error",
]

#: reference section 3 (Anthropic's text, passed through by Bedrock)
MAX_MARKERS = "A maximum of 4 blocks with cache_control may be provided. Found {found}."
#: reference section 3 and public bug reports, with the path of the offending block's ``ttl``
TTL_ORDER = (
    "{path}: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control "
    "block. Note that blocks are processed in the following order: tools, system, messages."
)
#: quoted in public bug reports
REASONING_MARKER = (
    "Cache point cannot be inserted after reasoning block. Please remove the invalid cache "
    "point and try again."
)
#: public bug reports: a ``cachePoint`` as the first content block of a message
NOTHING_TO_CACHE = (
    "There is nothing available to cache. Please remove the invalid cache point and try again."
)
#: public bug reports: a 1h ``ttl`` on a Nova model
NOVA_EXTENDED_TTL = "Extended TTL prompt caching is only supported for Anthropic models"
#: public bug reports: InvokeModel passes the model's own validation errors on behind this
MODEL_ERRORS = "The model returned the following errors: {message}"
#: reference section 3 (a marker right after a non-PDF document block)
NON_PDF_DOCUMENT = "messages.{message}.content.{index}.type: Field required"
#: public bug reports: a Nova tools marker, with its JSON pointer (inside MALFORMED_BODY)
NOVA_TOOL_MARKER = "#/toolConfig/tools/{index}: extraneous key [cachePoint] is not permitted"
#: public bug reports: markers on a model that cannot cache (AccessDeniedException, 403)
UNSUPPORTED_MODEL = "You invoked an unsupported model or your request did not allow prompt caching."
#: reference section 2, a top-level ``cache_control``; public bug reports, a 1h ``ttl`` on a
#: Claude model that has only 5m (``<path>.cache_control.ttl``); also used for a marker on a
#: thinking block (that path form is invented)
EXTRA_INPUTS = "{path}: Extra inputs are not permitted"
#: invented: a ttl a model of no known format does not offer
TTL_UNSUPPORTED = (
    "The model {model} does not support cache TTL '{ttl}'. Supported values: {allowed}."
)
#: invented after Anthropic's API wording
EMPTY_TEXT_MARKER = "{path}.text: cache_control cannot be set for empty text blocks"
#: invented after Anthropic's API wording: a ``cache_control`` that is not ``ephemeral``
BAD_CACHE_TYPE = "{path}.type: Input should be 'ephemeral'"
#: invented after Anthropic's API wording: a ``cache_control.ttl`` other than 5m / 1h
BAD_CACHE_TTL = "{path}.ttl: Input should be '5m' or '1h'"
#: Bedrock's wording for an id it does not know (from memory of the service, unconfirmed)
INVALID_MODEL = "The provided model identifier is invalid."
#: invented after Bedrock's "Malformed input request" family
MALFORMED_BODY = "Malformed input request: {detail}, please reformat your input and try again."
#: Bedrock's throttling text (from memory of the service, unconfirmed)
THROTTLED = "Too many requests, please wait before trying again."
#: invented
SERVER_ERROR = (
    "The system encountered an unexpected error during processing. Try your request again."
)
#: invented
UNAVAILABLE = "Bedrock is unable to process your request."
#: invented
UNKNOWN_OPERATION = "The simulator does not implement {method} {path}."


class SimError(Exception):
    """A request the simulated service rejects: becomes an HTTP error response."""

    def __init__(
        self,
        message: str,
        code: str = "ValidationException",
        status: int = 400,
        *,
        from_model: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        #: the model's own validation error (InvokeModel words it behind MODEL_ERRORS)
        self.from_model = from_model


def enum_error(value: object, path: str, allowed: str) -> SimError:
    """AWS's generic member-validation wording (invented placement: Bedrock's exact path form)."""
    return SimError(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{allowed}]"
    )
