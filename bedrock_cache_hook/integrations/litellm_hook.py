"""LiteLLM's Bedrock routes (``bedrock/converse/...``, ``bedrock/invoke/...``): markers planned
on its messages through its prompt-management hook, usage of every call into the ledger
through its ``CustomLogger`` callbacks.

LiteLLM sends Bedrock requests over its own HTTP client (botocore only signs them), so the
botocore handlers never see them; and for Converse it serializes the body before it signs and
before its ``pre_call`` logging runs, so the only place a marker can still go is LiteLLM's
messages before its translation. Facts from LiteLLM 1.110.2's source that shape this module:

* ``CustomLogger.log_success_event`` / ``log_failure_event`` (and the ``async_`` twins) are
  called *by keyword* (``kwargs=``, ``response_obj=``, ``start_time=``, ``end_time=``); a
  mismatched parameter name raises a ``TypeError`` that LiteLLM swallows.
* The one message-level pre-call interface on the synchronous ``litellm.completion`` path is
  prompt management (``CustomPromptManagement.get_chat_completion_prompt``), run only when
  the request carries ``cache_control_injection_points`` (or a prompt id / knowledge base).
  ``litellm.enable_anthropic_prompt_caching`` seeds default injection points for Claude on a
  caching transport, so the gate opens; a registered ``CustomPromptManagement`` that runs
  without a prompt id is then chosen *instead of* LiteLLM's own ``AnthropicCacheControlHook``.
  So ``install()`` turns that flag on and registers one object that is both the prompt manager
  and the logger; for calls it does not plan it reproduces exactly what LiteLLM would have
  done (its own hook when the caller asked for injection, nothing when only our flag did).
* The ``messages`` in the success/failure ``kwargs`` is the very list the prompt hook
  returned, which ties a planned request to its response.

Planning reads the messages into an Anthropic Messages body (:mod:`.litellm_messages`),
planned like an InvokeModel body with the marks already there counted; each planned mark is
written back on its block, and LiteLLM turns it into a ``cachePoint`` or a ``cache_control``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from ..activation.guard import guarded
from ..activation.hooks import Installation
from ..activation.state import CallState
from ..operations import OPERATIONS
from ..request.processor import RequestOutcome
from ..response.usage import Usage
from ._calls import Call, prepare
from .litellm_messages import to_messages_body, write_back

__all__ = ["register"]

#: how many planned requests may wait for their response event
_PENDING = 1024
#: the injection points LiteLLM seeds when ``enable_anthropic_prompt_caching`` is on
_DEFAULT_POINTS = [
    {"location": "message", "role": "system", "index": None},
    {"location": "message", "role": None, "index": -1},
]


def _model_id(model: Any, provider: Any, stream: bool) -> tuple[str, str] | None:
    """(operation, Bedrock model id) of a LiteLLM Bedrock call, or None for other providers."""
    model = str(model or "")
    if provider is None and model.startswith("bedrock/"):
        provider, model = "bedrock", model[len("bedrock/") :]
    if provider != "bedrock":
        return None
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


class _Pending:
    """A planned request waiting for its response event (keyed by its messages list)."""

    def __init__(self, model_id: str, outcome: RequestOutcome, timestamp: float, started: float):
        self.model_id = model_id
        self.outcome = outcome
        self.timestamp = timestamp
        self.started = started


class _Hook:
    """What the LiteLLM object does for us: plan (prompt hook) and record (logger events)."""

    def __init__(self, installation: Installation, our_flag: bool) -> None:
        self.installation = installation
        #: True when LiteLLM's default injection is on only because ``install()`` turned it on
        self.our_flag = our_flag
        self._lock = threading.Lock()
        self._pending: OrderedDict[int, tuple[list[Any], _Pending]] = OrderedDict()

    # -- planning ------------------------------------------------------------------------

    def _litellm_would_inject(self, params: Mapping[str, Any]) -> bool:
        """Did the caller (not our flag) ask LiteLLM for its own injection points?"""
        points = params.get("cache_control_injection_points")
        if not points:
            return False
        if not self.our_flag or params.get("enable_prompt_caching") is True:
            return True
        seen = [
            {k: p.get(k) for k in ("location", "role", "index")}
            for p in points
            if isinstance(p, Mapping)
        ]
        return seen != _DEFAULT_POINTS

    def prompt(
        self,
        model: str,
        messages: list[Any],
        params: dict[str, Any],
        litellm_hook: Callable[[list[Any]], tuple[str, list[Any], dict[str, Any]]],
    ) -> tuple[str, list[Any], dict[str, Any]]:
        if self._litellm_would_inject(params):
            model, messages, params = litellm_hook(messages)
        found = _model_id(model, params.get("custom_llm_provider"), False)
        if found is None or not self.installation.active:
            return model, messages, params
        with guarded("litellm"):
            body, sources, system = to_messages_body(messages, params.get("tools"))
            prepared = prepare(self.installation, found[0], found[1], body)
            if prepared is None:
                return model, messages, params
            planned, outcome, timestamp, started = prepared
            sent = messages if planned is None else write_back(messages, planned, sources, system)
            if sent is messages:
                sent = list(messages)  # a list of our own, to know its response by
            with self._lock:
                self._pending[id(sent)] = (sent, _Pending(found[1], outcome, timestamp, started))
                while len(self._pending) > _PENDING:
                    self._pending.popitem(last=False)
            return model, sent, params
        return model, messages, params

    # -- recording -----------------------------------------------------------------------

    def _take(self, messages: Any) -> _Pending | None:
        with self._lock:
            entry = self._pending.get(id(messages))
            if entry is None or entry[0] is not messages:
                return None
            del self._pending[id(messages)]
            return entry[1]

    def record(self, kwargs: Any, response: Any, start: Any, end: Any, error: str | None) -> None:
        installation = self.installation
        if not isinstance(kwargs, Mapping):
            return
        with guarded("litellm"):
            pending = self._take(kwargs.get("messages"))
            if not installation.active:
                return
            found = _model_id(
                kwargs.get("model"), kwargs.get("custom_llm_provider"), kwargs.get("stream") is True
            )
            if found is None:
                return
            operation, model_id = found
            if pending is not None:
                outcome, stamp, started = pending.outcome, pending.timestamp, pending.started
            else:  # not planned (the prompt hook did not run): recorded with what LiteLLM sent
                resolution = installation.processor.resolve(model_id, installation.settings)
                outcome = RequestOutcome(resolution=resolution)
                started = time.perf_counter()
                if hasattr(start, "timestamp") and hasattr(end, "timestamp"):
                    started -= end.timestamp() - start.timestamp()
                stamp = start.timestamp() if hasattr(start, "timestamp") else time.time()
            state = CallState(
                installation, OPERATIONS[operation], model_id, stamp, started, outcome
            )
            usage = None if error is not None else _usage(response)
            Call(installation, state).finish(usage, error_code=error)


def _logger_class(base: Any, litellm_hook: Any) -> Any:
    class BedrockCacheHookLogger(base):  # type: ignore[misc]
        """LiteLLM's prompt manager and logger in one (see the module's docstring)."""

        def __init__(self, hook: _Hook) -> None:
            super().__init__()
            self.bedrock_cache_hook = hook

        @property
        def integration_name(self) -> str:
            return "bedrock-cache-hook"

        def should_run_prompt_management(
            self, prompt_id: Any, prompt_spec: Any = None, dynamic_callback_params: Any = None
        ) -> bool:
            return prompt_id is None  # a prompt id belongs to a real prompt manager

        def get_chat_completion_prompt(  # noqa: PLR0917 (LiteLLM's signature)
            self,
            model: str,
            messages: list[Any],
            non_default_params: dict[str, Any],
            prompt_id: Any,
            prompt_variables: Any,
            dynamic_callback_params: Any,
            *args: Any,
            **kwargs: Any,
        ) -> tuple[str, list[Any], dict[str, Any]]:
            def theirs(given: list[Any]) -> tuple[str, list[Any], dict[str, Any]]:
                result: tuple[str, list[Any], dict[str, Any]] = (
                    litellm_hook().get_chat_completion_prompt(
                        model,
                        given,
                        non_default_params,
                        prompt_id,
                        prompt_variables,
                        dynamic_callback_params,
                        *args,
                        **kwargs,
                    )
                )
                return result

            return self.bedrock_cache_hook.prompt(model, messages, non_default_params, theirs)

        def log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self.bedrock_cache_hook.record(kwargs, response_obj, start_time, end_time, None)

        async def async_log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            self.bedrock_cache_hook.record(kwargs, response_obj, start_time, end_time, None)

        def log_failure_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
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
        for existing in callbacks:
            hook = getattr(existing, "bedrock_cache_hook", None)
            if isinstance(hook, _Hook):
                hook.installation = installation
                return
        prompt = __import__(
            "litellm.integrations.custom_prompt_management", fromlist=["CustomPromptManagement"]
        )
        theirs = __import__(
            "litellm.integrations.anthropic_cache_control_hook",
            fromlist=["AnthropicCacheControlHook"],
        )
        our_flag = getattr(module, "enable_anthropic_prompt_caching", False) is not True
        hook = _Hook(installation, our_flag)
        logger = _logger_class(prompt.CustomPromptManagement, theirs.AnthropicCacheControlHook)(
            hook
        )
        manager = getattr(module, "logging_callback_manager", None)
        adder = getattr(manager, "add_litellm_callback", None)
        if callable(adder):
            adder(logger)
        else:
            callbacks.append(logger)
        setattr(module, "enable_anthropic_prompt_caching", True)  # noqa: B010 (opens the prompt hook)

    return add
