"""pytest fixtures, registered automatically when the package is installed (``pytest11``).

- ``bedrock_sim``: a fresh :class:`~bedrock_cache_hook.sim.Simulator` (cold cache, virtual
  clock).
- ``bedrock_ledger``: an empty :class:`~bedrock_cache_hook.Ledger` for this test.
- ``bedrock_client``: a real boto3 ``bedrock-runtime`` client answered by ``bedrock_sim``, with
  the hook installed on it (``inject`` mode, records into ``bedrock_ledger``, planner on the
  simulator's clock); uninstalled afterwards.

It lives outside the package (installed beside it, like the start-up hook): importing anything
from the package runs its ``__init__``, which loads botocore. Here nothing is imported until a
fixture is used, so every pytest run of every project that has the package installed pays
nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bedrock_cache_hook.ledger import Ledger
    from bedrock_cache_hook.sim import Simulator


@pytest.fixture
def bedrock_sim() -> Simulator:
    from bedrock_cache_hook.sim import Simulator

    return Simulator()


@pytest.fixture
def bedrock_ledger() -> Ledger:
    from bedrock_cache_hook.ledger import Ledger

    return Ledger()


@pytest.fixture
def bedrock_client(bedrock_sim: Simulator, bedrock_ledger: Ledger) -> Iterator[Any]:
    from bedrock_cache_hook.activation.install import install, uninstall

    client = bedrock_sim.client()
    install(client, mode="inject", ledger=bedrock_ledger, clock=lambda: bedrock_sim.now)
    try:
        yield client
    finally:
        uninstall(client)
