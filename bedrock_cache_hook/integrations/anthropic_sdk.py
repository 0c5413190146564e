"""The Anthropic SDK's Bedrock clients: ``AnthropicBedrock``, ``AnthropicBedrockMantle`` and
their async twins, through the SDK's public middleware (``middleware=[...]``).

Why middleware: the SDK builds the HTTP request itself (httpx) and signs a copy of it with
botocore's ``SigV4Auth``, keeping only the headers, so botocore's events never fire and a body
changed at signing time would not be what is sent. A middleware runs once per attempt, *before*
the SDK prepares and signs the request, sees the Messages body (``request.json``, ``model`` and
``stream`` still in it; ``extra_body`` is not visible) and may replace it
(``request.copy(body=...)``); it gets the ``APIResponse`` back, whose ``parse()`` is cached, so
usage is read from the very object the caller then receives (a stream is observed as the
caller iterates it). Bearer-key clients skip SigV4; the middleware runs all the same.

How clients get it:

* ``install(client)``: appended to that client's middleware now (the SDK builds its chain at
  construction, so the chain is rebuilt; the one place this module touches SDK internals);
* process-wide ``install()``: the four Bedrock client classes' ``__init__`` add it to the
  public ``middleware`` keyword, so every client created afterwards has it (copies made by
  ``with_options`` keep exactly one). Done when ``anthropic`` is imported, never by us: if it
  is not imported yet, an import hook waits for it (:mod:`._imports`).

Only an attempt whose response is final is recorded (a response the SDK retries is not), so a
call has one record however many attempts it took.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from ..activation.guard import guarded
from ..activation.hooks import Installation
from ..response.headers import from_headers, headers_carry_cache
from ..response.usage import InvokeStreamUsage
from ._calls import Call, begin, usage_of

__all__ = ["AsyncHook", "SyncHook", "hook_for"]

_MESSAGES_URLS = ("/v1/messages", "/v1/messages?beta=true")
#: class name -> (flavour, async)
_RAW_RESPONSE_HEADER = "X-Stainless-Raw-Response"
_STREAM_EVENTS = ("message_start", "message_delta", "message_stop")
_RETRY_CONNECTION = ("APIConnectionError", "APITimeoutError")


def _operation(flavour: str, stream: bool) -> str:
    if flavour == "bedrock":
        return "InvokeModelWithResponseStream" if stream else "InvokeModel"
    return "MessagesStream" if stream else "Messages"


def _error_code(response: Any) -> str:
    header = response.headers.get("x-amzn-errortype")
    if isinstance(header, str) and header:
        return header.split(":", 1)[0]
    return str(response.status_code)


def _request_id(response: Any) -> str | None:
    headers = response.headers
    value = headers.get("x-amzn-requestid") or headers.get("request-id")
    return value if isinstance(value, str) and value else None


class _Hook:
    """What both middleware flavours share: planning the body, reading the response."""

    def __init__(self, installation: Installation, flavour: str) -> None:
        self.installation = installation
        self.flavour = flavour
        #: the client's default retries (a request's ``max_retries`` option wins)
        self.max_retries = 2

    def _start(self, request: Any) -> tuple[Any, Call | None]:
        """(the request to send, the call to record, or None to pass through)."""
        try:
            body = request.json
            if (
                not self.installation.active
                or str(request.method).lower() != "post"
                or request.url not in _MESSAGES_URLS
                or not isinstance(body, Mapping)
                or not isinstance(body.get("model"), str)
            ):
                return request, None
        except Exception:  # a request object we do not understand: not ours to touch
            return request, None
        operation = _operation(self.flavour, body.get("stream") is True)
        new_body, call = begin(self.installation, operation, body["model"], body)
        if new_body is None or call is None:
            return request, call
        sent = request
        with guarded("request"):
            sent = request.copy(body=new_body)
        return sent, call

    def _retried(self, request: Any, status: int | None, headers: Any) -> bool:
        """Will the SDK make another attempt after this one?"""
        limit = request.max_retries if isinstance(request.max_retries, int) else self.max_retries
        if request.retries_taken >= limit:
            return False
        should = headers.get("x-should-retry") if headers is not None else None
        if should in ("true", "false"):
            return bool(should == "true")
        return status is None or status in (408, 409, 429) or status >= 500

    def _final_error(self, call: Call, request: Any, response: Any) -> bool:
        """Record an error response unless the SDK retries it; True if it was an error."""
        status = response.status_code
        if status < 300:
            return False
        if not self._retried(request, status, response.headers):
            call.finish(None, error_code=_error_code(response), request_id=_request_id(response))
        return True

    def _failed(self, call: Call, request: Any, error: BaseException) -> None:
        name = type(error).__name__
        retried = name in _RETRY_CONNECTION and self._retried(request, None, None)
        if not retried:
            call.finish(None, completed=False, error_code=name)

    @staticmethod
    def _header_usage(response: Any) -> Any:
        headers = response.headers
        return from_headers(headers) if headers_carry_cache(headers) else None

    @staticmethod
    def _streaming_mode(request: Any) -> bool:
        """``.with_streaming_response`` on a non-stream call: the body is the caller's."""
        headers = request.headers
        return isinstance(headers, Mapping) and headers.get(_RAW_RESPONSE_HEADER) == "stream"


def _watch(seen: InvokeStreamUsage, event: Any) -> None:
    if getattr(event, "type", None) in _STREAM_EVENTS:
        dump = getattr(event, "model_dump", None)
        # the SDK's models carry unset optional fields as None: a None is not a count
        seen.observe(dump(exclude_none=True) if callable(dump) else event)


class SyncHook(_Hook):
    """The middleware of a synchronous client (a plain callable, as the SDK accepts)."""

    def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        sent, call = self._start(request)
        if call is None:
            return call_next(sent)
        try:
            response = call_next(sent)
        except BaseException as error:
            self._failed(call, request, error)
            raise
        try:
            self._read(call, request, response)
        except BaseException:
            call.unread()
            with guarded("response"):
                raise
        return response

    def _read(self, call: Call, request: Any, response: Any) -> None:
        if self._final_error(call, request, response):
            return
        if not request.stream:
            usage = self._header_usage(response)
            if usage is None and not self._streaming_mode(request):
                usage = usage_of(getattr(response.parse(), "usage", None))
            call.finish(usage, request_id=_request_id(response))
            return
        stream = response.parse()  # cached: the very stream the caller gets
        seen = InvokeStreamUsage()
        inner: Iterator[Any] = stream._iterator
        request_id = _request_id(response)

        def observed() -> Iterator[Any]:
            completed, code = False, None
            try:
                for event in inner:
                    with guarded("stream"):
                        _watch(seen, event)
                    yield event
                completed = True
            except Exception as error:
                code = type(error).__name__
                raise
            finally:
                call.finish(
                    seen.result(), completed=completed, error_code=code, request_id=request_id
                )

        close = stream.close

        def closing() -> None:
            call.finish(seen.result(), completed=False, request_id=request_id)
            close()

        stream._iterator = observed()
        stream.close = closing


class AsyncHook(_Hook):
    """The middleware of an asynchronous client."""

    async def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        sent, call = self._start(request)
        if call is None:
            return await call_next(sent)
        try:
            response = await call_next(sent)
        except BaseException as error:
            self._failed(call, request, error)
            raise
        try:
            await self._read(call, request, response)
        except BaseException:
            call.unread()
            with guarded("response"):
                raise
        return response

    async def _read(self, call: Call, request: Any, response: Any) -> None:
        if self._final_error(call, request, response):
            return
        if not request.stream:
            usage = self._header_usage(response)
            if usage is None and not self._streaming_mode(request):
                usage = usage_of(getattr(await response.parse(), "usage", None))
            call.finish(usage, request_id=_request_id(response))
            return
        stream = await response.parse()
        seen = InvokeStreamUsage()
        inner: AsyncIterator[Any] = stream._iterator
        request_id = _request_id(response)

        async def observed() -> AsyncIterator[Any]:
            completed, code = False, None
            try:
                async for event in inner:
                    with guarded("stream"):
                        _watch(seen, event)
                    yield event
                completed = True
            except Exception as error:
                code = type(error).__name__
                raise
            finally:
                call.finish(
                    seen.result(), completed=completed, error_code=code, request_id=request_id
                )

        close = stream.close

        async def closing() -> None:
            call.finish(seen.result(), completed=False, request_id=request_id)
            await close()

        stream._iterator = observed()
        stream.close = closing


def hook_for(installation: Installation, flavour: str, asynchronous: bool) -> _Hook:
    return (AsyncHook if asynchronous else SyncHook)(installation, flavour)
