"""Claude-on-Bedrock paths that do not go through a boto3 client.

* :mod:`.anthropic_sdk`: the Anthropic SDK's Bedrock clients (middleware);
* :mod:`.litellm_hook`: LiteLLM's Bedrock routes (its ``CustomLogger`` callbacks).

Neither package is imported by us: the process-wide ``install()`` acts when the program
imports them (:mod:`._imports`). Both are optional; nothing here needs them to be installed.
"""

from __future__ import annotations

from typing import Any

from ..activation.hooks import Installation
from . import anthropic_clients, litellm_hook
from ._imports import when_imported

__all__ = ["detach_client", "enable", "install_client", "is_sdk_client"]


def enable(installation: Installation) -> None:
    """Process-wide: cover Anthropic SDK clients created from now on and LiteLLM's calls."""
    when_imported("anthropic", anthropic_clients.patch_classes(installation))
    when_imported("litellm", litellm_hook.register(installation))


def is_sdk_client(target: Any) -> bool:
    return anthropic_clients.is_client(target)


def install_client(target: Any, installation: Installation) -> None:
    anthropic_clients.attach_client(target, installation)


def detach_client(target: Any) -> None:
    anthropic_clients.detach_client(target)
