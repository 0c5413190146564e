"""bedrock-cache-hook: prompt caching on Amazon Bedrock that actually happens, and is proven.

import bedrock_cache_hook
bedrock_cache_hook.install()        # every bedrock-runtime client created from now on
"""

from ._request import audit
from ._version import __version__
from .catalog import AS_OF as PRICES_AS_OF
from .catalog import ModelSpec, parse_model_id, resolve
from .config import MODES, Settings
from .errors import BedrockCacheHookError, CacheAuditError, ConfigError
from .findings import AuditReport, Finding, MarkerInfo
from .install import install, is_installed, uninstall
from .ledger import CallRecord, Ledger, ModelSummary, ReasonSummary, Summary, get_ledger
from .usage import Usage

__all__ = [
    "MODES",
    "PRICES_AS_OF",
    "AuditReport",
    "BedrockCacheHookError",
    "CacheAuditError",
    "CallRecord",
    "ConfigError",
    "Finding",
    "Ledger",
    "MarkerInfo",
    "ModelSpec",
    "ModelSummary",
    "ReasonSummary",
    "Settings",
    "Summary",
    "Usage",
    "__version__",
    "audit",
    "get_ledger",
    "install",
    "is_installed",
    "parse_model_id",
    "resolve",
    "uninstall",
]
