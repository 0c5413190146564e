"""The suite's network guard works: anything but loopback is refused inside tests."""

from __future__ import annotations

import socket

import pytest


def test_non_loopback_connect_and_lookup_are_refused() -> None:
    with pytest.raises(AssertionError, match="only loopback"):
        socket.getaddrinfo("bedrock-runtime.us-east-1.amazonaws.com", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.1)
        with pytest.raises(AssertionError, match="only loopback"):
            sock.connect(("10.0.0.1", 443))


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
