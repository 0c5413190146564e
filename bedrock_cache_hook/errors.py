"""Every exception this package raises on purpose."""

from __future__ import annotations

__all__ = ["BedrockCacheHookError", "CacheAuditError", "ConfigError"]


class BedrockCacheHookError(Exception):
    """Base class of the errors this package raises on purpose."""


class ConfigError(BedrockCacheHookError, ValueError):
    """A setting given to ``install()`` or through the environment is invalid.

    Subclasses ``ValueError`` so callers can catch either.
    """


class CacheAuditError(BedrockCacheHookError):
    """Strict mode refused to send a request whose caching is broken.

    ``findings`` holds the error-severity findings that caused the refusal.
    """

    def __init__(self, message: str, findings: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings
