"""bedrock-cache-hook: prompt caching on Amazon Bedrock that actually happens, and is proven.

import bedrock_cache_hook
bedrock_cache_hook.install()        # every bedrock-runtime client created from now on
"""

from ._version import __version__
from .config import MODES, Settings
from .errors import BedrockCacheHookError, CacheAuditError, ConfigError
from .install import install, is_installed, uninstall
from .ledger import CallRecord, Ledger, ModelSummary, Summary, get_ledger
from .usage import Usage

__all__ = [
    "MODES",
    "BedrockCacheHookError",
    "CacheAuditError",
    "CallRecord",
    "ConfigError",
    "Ledger",
    "ModelSummary",
    "Settings",
    "Summary",
    "Usage",
    "__version__",
    "get_ledger",
    "install",
    "is_installed",
    "uninstall",
]
