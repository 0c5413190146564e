"""Turn the hook on from environment variables alone (start-up hook and Lambda wrapper).

Never raises: an invalid variable produces one error line on the ``bedrock_cache_hook``
logger (which Python prints to stderr when no logging is configured), the hook stays off
and the program carries on, its Bedrock calls untouched.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from ..errors import ConfigError
from ..settings import environment as env
from .install import install

__all__ = ["activate_from_env"]

logger = logging.getLogger("bedrock_cache_hook")

_lock = threading.Lock()
#: The environment last acted on and the outcome, so that the start-up hook and the Lambda
#: wrapper both activating in one process install once and report an error once.
_last: dict[str, object] = {}


def _relevant(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    names = [row.variable for row in env.ENV_SETTINGS]
    return tuple((name, environ.get(name, "")) for name in names)


def activate_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Install process-wide as the environment says; ``True`` if the hook is now on."""
    environ = os.environ if environ is None else environ
    snapshot = _relevant(environ)
    with _lock:
        if _last.get("snapshot") == snapshot:
            return _last["outcome"] is True
        outcome = _activate(environ)
        _last.update(snapshot=snapshot, outcome=outcome)
        return outcome


def _activate(environ: Mapping[str, str]) -> bool:
    try:
        kwargs = env.settings_from_env(environ)
        mode = kwargs.pop("mode", None)
        if mode is None or mode == "off":
            return False
        install(mode=mode, **kwargs)
    except ConfigError as exc:
        logger.error("bedrock_cache_hook: not activated: %s", exc)
        return False
    except Exception as exc:  # never break the program we were only asked to watch
        logger.error(
            "bedrock_cache_hook: not activated: unexpected %s during activation; "
            "please report this",
            type(exc).__name__,
        )
        return False
    level = kwargs.get("log_level")
    if level:
        logger.setLevel(level)
    return True


def _forget() -> None:
    """Forget the last activation (test isolation)."""
    with _lock:
        _last.clear()
