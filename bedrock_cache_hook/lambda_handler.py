"""AWS Lambda handler wrapper: ``bedrock_cache_hook.lambda_handler.handler``.

Lambda does not process ``.pth`` files in a function package or a layer, so the start-up
hook never runs there. Instead, set the function's handler to
``bedrock_cache_hook.lambda_handler.handler`` and your own to ``BEDROCK_CACHE_HOOK_HANDLER``
(``module.function``, as Lambda spells handlers; ``dir/module.function`` works too), or let
the layer's ``AWS_LAMBDA_EXEC_WRAPPER`` script do both for you.

Importing this module (Lambda's init phase) activates the hook from the environment, then
imports your module: so clients your module creates at import time are hooked, and an
import error in your module is an init error, as without us. Each invocation is passed on
unchanged (event, context, return value, exception); after each one, EMF is flushed.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from .activation.guard import guarded
from .activation.startup import activate_from_env
from .errors import ConfigError
from .export import emf, flush
from .settings import environment as env

__all__ = ["handler", "load_handler"]

#: Our own handler, as Lambda's handler setting spells it.
HANDLER_NAME = "bedrock_cache_hook.lambda_handler.handler"

UserHandler = Callable[[Any, Any], Any]


def load_handler(spec: str | None) -> UserHandler:
    """Import ``module.function`` (or ``dir/module.function``) and return the function."""
    if not spec or not spec.strip():
        raise ConfigError(
            f"{env.HANDLER} is not set: set it to your function's handler (module.function) "
            f"when the Lambda handler is {HANDLER_NAME}"
        )
    module_name, _, function_name = spec.strip().rpartition(".")
    if not module_name or not function_name:
        raise ConfigError(f"{env.HANDLER}={spec!r} is not of the form module.function")
    module_name = module_name.replace("/", ".")
    if module_name == __name__ and function_name == "handler":
        raise ConfigError(f"{env.HANDLER}={spec!r} points at this wrapper itself")
    module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(
            f"{env.HANDLER}={spec!r}: module {module_name!r} has no function {function_name!r}"
        )
    return function  # type: ignore[no-any-return]


def handler(event: Any, context: Any) -> Any:
    """Call your handler with the same event and context; flush EMF afterwards, always."""
    try:
        return _user_handler(event, context)
    finally:
        with guarded("lambda flush"):  # a metrics problem never replaces your result
            flush()


# Init phase: the wrapper flushes per invocation, so EMF does not also count calls; the hook
# goes on before your module is imported, so clients it creates at import are hooked.
emf.set_per_invocation(True)
activate_from_env()
_user_handler: UserHandler = load_handler(os.environ.get(env.HANDLER))
