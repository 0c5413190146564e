from __future__ import annotations

from collections.abc import Iterator

import pytest

from bedrock_cache_hook import export
from bedrock_cache_hook.activation import startup as _activate
from bedrock_cache_hook.export import emf


@pytest.fixture(autouse=True)
def _clean_activation_state() -> Iterator[None]:
    _activate._forget()
    emf.set_per_invocation(False)
    yield
    export._reset()
    _activate._forget()
    emf.set_per_invocation(False)


@pytest.fixture(autouse=True)
def _restore_logger_level() -> Iterator[None]:
    import logging

    logger = logging.getLogger("bedrock_cache_hook")
    level = logger.level
    yield
    logger.setLevel(level)
