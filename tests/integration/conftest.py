"""Prints the per-framework read shares the framework tests measured, after the run."""

from __future__ import annotations

from typing import Any

#: (framework, scenario) -> read share of the calls from the second on
SHARES: dict[tuple[str, str], float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SHARES:
        return
    terminalreporter.section("framework read shares (cache reads / input, calls 2..n)")
    for (framework, scenario), share in sorted(SHARES.items()):
        terminalreporter.write_line(f"{framework:12s} {scenario:30s} {share:6.1%}")
