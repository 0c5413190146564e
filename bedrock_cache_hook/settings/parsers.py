"""Strict parsers for environment variable values: each error names the variable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..catalog import validate_overrides
from ..errors import ConfigError
from ..export.emf import namespace_problem
from .fields import MAX_COUNT

__all__ = [
    "Parser",
    "boolean",
    "choice",
    "json_object",
    "listing",
    "log_level",
    "namespace",
    "overrides",
    "positive_int",
    "quote",
    "text",
]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Longest value quoted back in an error line (a JSON value can be long).
_QUOTE_LIMIT = 80

Parser = Callable[[str, str], Any]


def quote(value: str) -> str:
    return repr(value if len(value) <= _QUOTE_LIMIT else value[:_QUOTE_LIMIT] + "...")


def choice(choices: tuple[str, ...]) -> Parser:
    def parse(name: str, value: str) -> str:
        if value.lower() not in choices:
            raise ConfigError(f"{name}={quote(value)}: expected one of {', '.join(choices)}")
        return value.lower()

    return parse


def boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    raise ConfigError(
        f"{name}={quote(value)} is not a boolean: expected one of {', '.join(_TRUE + _FALSE)}"
    )


def positive_int(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 30:
        raise ConfigError(f"{name}={quote(value)} is not a positive integer")
    number = int(value)
    if not 1 <= number <= MAX_COUNT:
        raise ConfigError(
            f"{name}={quote(value)} is not a positive integer no larger than {MAX_COUNT}"
        )
    return number


def listing(choices: tuple[str, ...]) -> str:
    return ", ".join(f"`{choice}`" for choice in choices)


def text(name: str, value: str) -> str:
    return value


def namespace(name: str, value: str) -> str:
    problem = namespace_problem(value)
    if problem:
        raise ConfigError(f"{name}={quote(value)}: {problem}")
    return value


def log_level(name: str, value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ConfigError(f"{name}={quote(value)}: expected one of {', '.join(_LOG_LEVELS)}")
    return value.upper()


def json_object(values_ok: Callable[[Any], bool], expected: str) -> Parser:
    def parse(name: str, value: str) -> dict[str, Any]:
        try:
            loaded = json.loads(value)
        except ValueError:
            raise ConfigError(f"{name} is not valid JSON: expected {expected}") from None
        if not isinstance(loaded, dict) or not all(values_ok(v) for v in loaded.values()):
            raise ConfigError(f"{name} must be {expected}")
        return loaded

    return parse


def overrides(setting: str) -> Parser:
    """A JSON object of objects, every field checked here so that an error names the
    variable, not the ``install()`` keyword the user never wrote."""
    shape = json_object(lambda v: isinstance(v, dict), "a JSON object of objects")

    def parse(name: str, value: str) -> dict[str, Any]:
        loaded: dict[str, Any] = shape(name, value)
        model, price = (loaded, {}) if setting == "model_overrides" else ({}, loaded)
        try:
            validate_overrides(model, price, names={setting: name})
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return loaded

    return parse
