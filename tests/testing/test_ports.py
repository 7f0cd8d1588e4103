"""`free_port`: a loopback port nothing listens on, within the bounds asked for."""

from __future__ import annotations

import socket

import pytest

from credflow.testing import free_port


def test_free_port_can_be_bound() -> None:
    """The port returned binds on 127.0.0.1 (nothing holds it)."""
    port = free_port()

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        assert port == server.getsockname()[1]


def test_free_port_is_refused() -> None:
    """Connecting to the port is refused: it serves as "a closed port" in tests."""
    port = free_port()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_cluster_constraint_bounds_the_port_and_its_companion() -> None:
    """With Redis Cluster's bounds the port is at most 55535 and port + 10000 binds too."""
    port = free_port(highest=55535, also_free_at=10000)

    with socket.socket() as bus:
        bus.bind(("127.0.0.1", port + 10000))
    assert port <= 55535


@pytest.mark.parametrize(("highest", "also_free_at"), [(0, 0), (70000, 0), (60000, 10000)])
def test_impossible_bounds_are_refused(highest: int, also_free_at: int) -> None:
    """Bounds outside the port range fail at once, naming the bound."""
    with pytest.raises(ValueError, match="must"):
        free_port(highest=highest, also_free_at=also_free_at)
