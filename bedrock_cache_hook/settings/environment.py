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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .fields import MODES, TAIL_POLICIES, TTL_POLICIES
from .parsers import (
    Parser,
    boolean,
    choice,
    json_object,
    listing,
    log_level,
    namespace,
    overrides,
    positive_int,
    text,
)

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
        choice(MODES),
        "unset: not activated",
        listing(MODES),
    ),
    EnvSetting(
        "TTL policy",
        "BEDROCK_CACHE_HOOK_TTL",
        "ttl",
        choice(TTL_POLICIES),
        "`auto`",
        listing(TTL_POLICIES),
    ),
    EnvSetting(
        "tail policy",
        "BEDROCK_CACHE_HOOK_TAIL_POLICY",
        "tail_policy",
        choice(TAIL_POLICIES),
        "`adaptive`",
        listing(TAIL_POLICIES),
    ),
    EnvSetting(
        "model aliases",
        "BEDROCK_CACHE_HOOK_MODEL_ALIASES",
        "model_aliases",
        json_object(lambda v: isinstance(v, str), "a JSON object of strings"),
        "`{}`",
        'JSON: `{"<profile ARN>": "<model id>"}`',
    ),
    EnvSetting(
        "model overrides",
        "BEDROCK_CACHE_HOOK_MODEL_OVERRIDES",
        "model_overrides",
        overrides("model_overrides"),
        "`{}`",
        'JSON: `{"<model id>": {"min_tokens": 2048}}`',
    ),
    EnvSetting(
        "price overrides",
        "BEDROCK_CACHE_HOOK_PRICE_OVERRIDES",
        "price_overrides",
        overrides("price_overrides"),
        "`{}`",
        'JSON: `{"<model id>": {"input": 3.0}}` (USD per 1M tokens)',
    ),
    EnvSetting(
        "ledger capacity",
        "BEDROCK_CACHE_HOOK_LEDGER_CAPACITY",
        "ledger_capacity",
        positive_int,
        "10000",
        "positive integer",
    ),
    EnvSetting("EMF on/off", "BEDROCK_CACHE_HOOK_EMF", "emf", boolean, "`false`", "boolean"),
    EnvSetting(
        "EMF namespace",
        "BEDROCK_CACHE_HOOK_EMF_NAMESPACE",
        "emf_namespace",
        namespace,
        "`$POWERTOOLS_METRICS_NAMESPACE`, else `BedrockCacheHook`",
        "CloudWatch namespace",
    ),
    EnvSetting(
        "miss diagnosis memory: entries per table",
        "BEDROCK_CACHE_HOOK_DIAGNOSIS_CAPACITY",
        "diagnosis_capacity",
        positive_int,
        "10000",
        "positive integer",
    ),
    EnvSetting(
        "miss diagnosis memory: age limit",
        "BEDROCK_CACHE_HOOK_DIAGNOSIS_MAX_AGE",
        "diagnosis_max_age",
        positive_int,
        "10800",
        "seconds (positive integer)",
    ),
    EnvSetting(
        "EMF flush interval (outside Lambda)",
        "BEDROCK_CACHE_HOOK_EMF_EVERY",
        "emf_every",
        positive_int,
        "100",
        "calls per EMF flush; also flushed at exit",
    ),
    EnvSetting(
        "service name (EMF `ServiceName`)",
        "BEDROCK_CACHE_HOOK_SERVICE_NAME",
        "service_name",
        text,
        "`$POWERTOOLS_SERVICE_NAME`, else `$AWS_LAMBDA_FUNCTION_NAME`, else `unknown`",
        "text",
    ),
    EnvSetting(
        "JSON-lines ledger file",
        "BEDROCK_CACHE_HOOK_JSONL_PATH",
        "jsonl_path",
        text,
        "none",
        "file path (appended to)",
    ),
    EnvSetting(
        "log level",
        "BEDROCK_CACHE_HOOK_LOG_LEVEL",
        "log_level",
        log_level,
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
