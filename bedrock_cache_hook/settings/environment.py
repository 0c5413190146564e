"""Settings from the environment: every variable name, its parser, and the precedence rule.

Precedence: an explicit ``install()`` keyword beats its environment variable, which beats
the ``Settings`` default. An empty variable counts as unset (``VAR=`` in a compose file or
a Lambda console). Parsing is strict: anything but an accepted spelling raises
``ConfigError`` naming the variable, so a typo never silently becomes a default.
Choices and booleans are case-insensitive.

The table of variables is :data:`ENV_SETTINGS`; :func:`table` renders it for the README.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog import validate_overrides
from ..errors import ConfigError
from ..export.emf import namespace_problem
from .fields import MAX_COUNT, MODES, TAIL_POLICIES, TTL_POLICIES

__all__ = [
    "ENV_SETTINGS",
    "HANDLER",
    "MODE",
    "EnvSetting",
    "resolve",
    "settings_from_env",
    "table",
]

#: The switch: ``inject`` | ``audit`` | ``strict`` | ``off``; unset means not activated.
MODE = "BEDROCK_CACHE_HOOK"
#: Lambda only: the function's own handler (``module.function``) behind our wrapper.
HANDLER = "BEDROCK_CACHE_HOOK_HANDLER"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Longest value quoted back in an error line (a JSON value can be long).
_QUOTE_LIMIT = 80

Parser = Callable[[str, str], Any]


def _quote(value: str) -> str:
    return repr(value if len(value) <= _QUOTE_LIMIT else value[:_QUOTE_LIMIT] + "...")


def _choice(choices: tuple[str, ...]) -> Parser:
    def parse(name: str, value: str) -> str:
        if value.lower() not in choices:
            raise ConfigError(f"{name}={_quote(value)}: expected one of {', '.join(choices)}")
        return value.lower()

    return parse


def _boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    raise ConfigError(
        f"{name}={_quote(value)} is not a boolean: expected one of {', '.join(_TRUE + _FALSE)}"
    )


def _positive_int(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 30:
        raise ConfigError(f"{name}={_quote(value)} is not a positive integer")
    number = int(value)
    if not 1 <= number <= MAX_COUNT:
        raise ConfigError(
            f"{name}={_quote(value)} is not a positive integer no larger than {MAX_COUNT}"
        )
    return number


def _listing(choices: tuple[str, ...]) -> str:
    return ", ".join(f"`{choice}`" for choice in choices)


def _text(name: str, value: str) -> str:
    return value


def _namespace(name: str, value: str) -> str:
    problem = namespace_problem(value)
    if problem:
        raise ConfigError(f"{name}={_quote(value)}: {problem}")
    return value


def _log_level(name: str, value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ConfigError(f"{name}={_quote(value)}: expected one of {', '.join(_LOG_LEVELS)}")
    return value.upper()


def _json_object(values_ok: Callable[[Any], bool], expected: str) -> Parser:
    def parse(name: str, value: str) -> dict[str, Any]:
        try:
            loaded = json.loads(value)
        except ValueError:
            raise ConfigError(f"{name} is not valid JSON: expected {expected}") from None
        if not isinstance(loaded, dict) or not all(values_ok(v) for v in loaded.values()):
            raise ConfigError(f"{name} must be {expected}")
        return loaded

    return parse


def _overrides(setting: str) -> Parser:
    """A JSON object of objects, every field checked here so that an error names the
    variable, not the ``install()`` keyword the user never wrote."""
    shape = _json_object(lambda v: isinstance(v, dict), "a JSON object of objects")

    def parse(name: str, value: str) -> dict[str, Any]:
        loaded: dict[str, Any] = shape(name, value)
        model, price = (loaded, {}) if setting == "model_overrides" else ({}, loaded)
        try:
            validate_overrides(model, price, names={setting: name})
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return loaded

    return parse


@dataclass(frozen=True)
class EnvSetting:
    """One row of the table: what it is, its variable, its ``install()`` keyword, its parser."""

    label: str
    variable: str
    setting: str
    parse: Parser
    default: str
    accepts: str


ENV_SETTINGS: tuple[EnvSetting, ...] = (
    EnvSetting(
        "activation and mode",
        MODE,
        "mode",
        _choice(MODES),
        "unset: not activated",
        _listing(MODES),
    ),
    EnvSetting(
        "TTL policy",
        "BEDROCK_CACHE_HOOK_TTL",
        "ttl",
        _choice(TTL_POLICIES),
        "`auto`",
        _listing(TTL_POLICIES),
    ),
    EnvSetting(
        "tail policy",
        "BEDROCK_CACHE_HOOK_TAIL_POLICY",
        "tail_policy",
        _choice(TAIL_POLICIES),
        "`adaptive`",
        _listing(TAIL_POLICIES),
    ),
    EnvSetting(
        "model aliases",
        "BEDROCK_CACHE_HOOK_MODEL_ALIASES",
        "model_aliases",
        _json_object(lambda v: isinstance(v, str), "a JSON object of strings"),
        "`{}`",
        'JSON: `{"<profile ARN>": "<model id>"}`',
    ),
    EnvSetting(
        "model overrides",
        "BEDROCK_CACHE_HOOK_MODEL_OVERRIDES",
        "model_overrides",
        _overrides("model_overrides"),
        "`{}`",
        'JSON: `{"<model id>": {"min_tokens": 2048}}`',
    ),
    EnvSetting(
        "price overrides",
        "BEDROCK_CACHE_HOOK_PRICE_OVERRIDES",
        "price_overrides",
        _overrides("price_overrides"),
        "`{}`",
        'JSON: `{"<model id>": {"input": 3.0}}` (USD per 1M tokens)',
    ),
    EnvSetting(
        "ledger capacity",
        "BEDROCK_CACHE_HOOK_LEDGER_CAPACITY",
        "ledger_capacity",
        _positive_int,
        "10000",
        "positive integer",
    ),
    EnvSetting("EMF on/off", "BEDROCK_CACHE_HOOK_EMF", "emf", _boolean, "`false`", "boolean"),
    EnvSetting(
        "EMF namespace",
        "BEDROCK_CACHE_HOOK_EMF_NAMESPACE",
        "emf_namespace",
        _namespace,
        "`$POWERTOOLS_METRICS_NAMESPACE`, else `BedrockCacheHook`",
        "CloudWatch namespace",
    ),
    EnvSetting(
        "miss diagnosis memory: entries per table",
        "BEDROCK_CACHE_HOOK_DIAGNOSIS_CAPACITY",
        "diagnosis_capacity",
        _positive_int,
        "10000",
        "positive integer",
    ),
    EnvSetting(
        "miss diagnosis memory: age limit",
        "BEDROCK_CACHE_HOOK_DIAGNOSIS_MAX_AGE",
        "diagnosis_max_age",
        _positive_int,
        "10800",
        "seconds (positive integer)",
    ),
    EnvSetting(
        "EMF flush interval (outside Lambda)",
        "BEDROCK_CACHE_HOOK_EMF_EVERY",
        "emf_every",
        _positive_int,
        "100",
        "calls per EMF flush; also flushed at exit",
    ),
    EnvSetting(
        "service name (EMF `ServiceName`)",
        "BEDROCK_CACHE_HOOK_SERVICE_NAME",
        "service_name",
        _text,
        "`$POWERTOOLS_SERVICE_NAME`, else `$AWS_LAMBDA_FUNCTION_NAME`, else `unknown`",
        "text",
    ),
    EnvSetting(
        "JSON-lines ledger file",
        "BEDROCK_CACHE_HOOK_JSONL_PATH",
        "jsonl_path",
        _text,
        "none",
        "file path (appended to)",
    ),
    EnvSetting(
        "log level",
        "BEDROCK_CACHE_HOOK_LOG_LEVEL",
        "log_level",
        _log_level,
        "unchanged",
        "`DEBUG` ... `CRITICAL`",
    ),
)


#: AWS Lambda Powertools' variables, read for a setting when its own variable is unset; an
#: invalid value there is another tool's business and is ignored (the default applies)
FALLBACK_VARIABLES: dict[str, str] = {
    "emf_namespace": "POWERTOOLS_METRICS_NAMESPACE",
    "service_name": "POWERTOOLS_SERVICE_NAME",
}


def settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``install()`` keywords the environment sets, ``mode`` included when set.

    Raises ``ConfigError`` naming the first invalid variable. Cross-field checks stay with
    ``Settings`` itself.
    """
    found: dict[str, Any] = {}
    for row in ENV_SETTINGS:
        raw = environ.get(row.variable, "").strip()
        if raw:
            found[row.setting] = row.parse(row.variable, raw)
            continue
        fallback = FALLBACK_VARIABLES.get(row.setting)
        raw = environ.get(fallback, "").strip() if fallback else ""
        if fallback and raw:
            with contextlib.suppress(ConfigError):
                found[row.setting] = row.parse(fallback, raw)
    return found


def resolve(explicit: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``install()`` keywords after precedence: explicit > environment (> ``Settings`` default)."""
    merged = settings_from_env(environ)
    merged.update(explicit)
    return merged


def table() -> str:
    """The Markdown table of every variable, exactly as the README shows it."""
    lines = [
        "| setting | env var | install() kwarg | default | accepts |",
        "|---|---|---|---|---|",
    ]
    for row in ENV_SETTINGS:
        lines.append(
            f"| {row.label} | `{row.variable}` | `{row.setting}` | {row.default} | {row.accepts} |"
        )
    lines.append(
        f"| Lambda: your own handler | `{HANDLER}` | - | required by "
        "`bedrock_cache_hook.lambda_handler.handler` | `module.function` |"
    )
    return "\n".join(lines)
