"""LiteLLM: the usage of every Bedrock call into the ledger, through its ``CustomLogger``
callbacks (``log_success_event`` / ``async_log_success_event`` and the failure twins).

LiteLLM sends Bedrock requests over its own HTTP client (botocore only signs them), so the
botocore handlers never see them. The process-wide ``install()`` appends one logger to
``litellm.callbacks`` when the program imports ``litellm`` (never imported by us).

Not done yet: injection through LiteLLM's pre-call interface (see the README); calls are
recorded with the markers LiteLLM itself sent unknown (0).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from .._guard import guarded
from .._hooks import CallState, Installation
from .._operations import OPERATIONS
from .._request import RequestOutcome
from ..usage import Usage
from ._calls import Call

__all__ = ["register"]


def _model_id(kwargs: Mapping[str, Any]) -> tuple[str, str] | None:
    """(operation, Bedrock model id) of a LiteLLM Bedrock call, or None for other providers."""
    if kwargs.get("custom_llm_provider") != "bedrock":
        return None
    model = str(kwargs.get("model") or "")
    stream = kwargs.get("stream") is True
    route, _, rest = model.partition("/")
    if route == "converse":
        return ("ConverseStream" if stream else "Converse"), rest
    if route == "invoke":
        return ("InvokeModelWithResponseStream" if stream else "InvokeModel"), rest
    return ("ConverseStream" if stream else "Converse"), model


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _usage(response: Any) -> Usage | None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    read = _count(getattr(usage, "cache_read_input_tokens", None))
    write = _count(getattr(usage, "cache_creation_input_tokens", None))
    prompt = _count(getattr(usage, "prompt_tokens", None))
    return Usage(
        input_tokens=max(0, prompt - read - write),
        cache_read_tokens=read,
        cache_write_tokens=write,
        output_tokens=_count(getattr(usage, "completion_tokens", None)),
        source="litellm",
    )


class _Recorder:
    def __init__(self, installation: Installation) -> None:
        self.installation = installation

    def record(self, kwargs: Any, response: Any, start: Any, end: Any, error: str | None) -> None:
        installation = self.installation
        if not installation.active or not isinstance(kwargs, Mapping):
            return
        with guarded("litellm"):
            found = _model_id(kwargs)
            if found is None:
                return
            operation, model_id = found
            resolution = installation.processor.resolve(model_id, installation.settings)
            started = time.perf_counter()
            if hasattr(start, "timestamp") and hasattr(end, "timestamp"):
                started -= end.timestamp() - start.timestamp()
            stamp = start.timestamp() if hasattr(start, "timestamp") else time.time()
            state = CallState(
                installation,
                OPERATIONS[operation],
                model_id,
                stamp,
                started,
                RequestOutcome(resolution=resolution),
            )
            usage = None if error is not None else _usage(response)
            Call(installation, state).finish(usage, error_code=error)


def _logger_class(base: Any) -> Any:
    class BedrockCacheHookLogger(base):  # type: ignore[misc]
        def __init__(self, installation: Installation) -> None:
            super().__init__()
            self.bedrock_cache_hook = _Recorder(installation)

        def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            self.bedrock_cache_hook.record(kwargs, response_obj, start_time, end_time, None)

        async def async_log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self.bedrock_cache_hook.record(kwargs, response_obj, start_time, end_time, None)

        def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            error = kwargs.get("exception") if isinstance(kwargs, Mapping) else None
            self.bedrock_cache_hook.record(kwargs, None, start_time, end_time, type(error).__name__)

        async def async_log_failure_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self.log_failure_event(kwargs, response_obj, start_time, end_time)

    return BedrockCacheHookLogger


def register(installation: Installation) -> Callable[[ModuleType], None]:
    """A callback for :func:`._imports.when_imported` on ``litellm``."""

    def add(module: ModuleType) -> None:
        callbacks = getattr(module, "callbacks", None)
        if not isinstance(callbacks, list):
            return
        if any(hasattr(c, "bedrock_cache_hook") for c in callbacks):
            return
        base = __import__("litellm.integrations.custom_logger", fromlist=["CustomLogger"])
        logger = _logger_class(base.CustomLogger)(installation)
        manager = getattr(module, "logging_callback_manager", None)
        adder = getattr(manager, "add_litellm_callback", None)
        if callable(adder):
            adder(logger)
        else:
            callbacks.append(logger)

    return add
