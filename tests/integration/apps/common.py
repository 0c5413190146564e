"""What every framework app shares: the loopback-only guard, the prompts, the tool, the report.

Each app is a plain program using its framework as documented, with its own boto3 client (the
framework makes it). The hook is whatever the environment turns on (``BEDROCK_CACHE_HOOK``).
Imported first by every app, before the framework.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import socket
import sys
from typing import Any

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "ip6-localhost", "ip6-loopback"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        raise OSError(f"integration app: refused a non-loopback connection to {address[0]}")
    return _real_connect(self, address)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _loopback(host if isinstance(host, str) else host.decode()):
        raise OSError(f"integration app: refused a DNS lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]

#: the model the apps use unless told otherwise (argv[1])
MODEL = sys.argv[1] if len(sys.argv) > 1 else "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
#: the foundation model behind the application inference profile the tests use
BASE_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
#: "own": the framework's own caching option on; "none": off
CACHING = sys.argv[2] if len(sys.argv) > 2 else "none"

SYSTEM = (
    "You are the travel desk assistant of a small agency. Answer briefly and politely. "
    + " ".join(
        f"Rule {i}: quote prices in euros, confirm dates twice, never book without consent."
        for i in range(1, 160)
    )
)

#: the user's turns: two weather questions (the second a parallel fan-out of three calls)
TURNS = [
    "Hello, who are you?",
    "What is the weather in Lima?",
    "Thanks. What is the weather in Paris, Rome and Oslo?",
    "Which of those is warmest?",
    "Thank you, goodbye.",
]


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"{city}: {len(city) + 15} degrees Celsius, clear sky"


def report(answers: list[str]) -> None:
    """Print one RESULT line: the answers' count and digest, the hook's records (counts only)."""
    records: list[dict[str, Any]] = []
    if os.environ.get("BEDROCK_CACHE_HOOK"):
        import bedrock_cache_hook

        for r in bedrock_cache_hook.get_ledger().records():
            records.append(
                {
                    "operation": r.operation,
                    "status": r.status,
                    "markers": r.markers,
                    "injected": r.injected,
                    "input_tokens": r.input_tokens,
                    "cache_read_tokens": r.cache_read_tokens,
                    "cache_write_tokens": r.cache_write_tokens,
                    "output_tokens": r.output_tokens,
                    "error_code": r.error_code,
                    "completed": r.completed,
                }
            )
    digest = hashlib.sha256(json.dumps(answers).encode()).hexdigest()  # the answers, not their text
    result = {"answers": len([a for a in answers if a]), "digest": digest, "records": records}
    print("RESULT " + json.dumps(result))
