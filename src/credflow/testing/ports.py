"""Free loopback ports for servers that tests start.

`free_port()` asks the kernel for a port nobody listens on, the way every test
server here picks its port. Between the probe closing and the server binding
another process may take the port; servers that can bind port 0 themselves
should, and report the port they got.
"""

from __future__ import annotations

import socket

__all__ = ["HIGHEST_PORT", "free_port"]

HIGHEST_PORT = 65535
# Ports the kernel hands out are random: a few thousand tries find one in any sane range.
_ATTEMPTS = 1000


def free_port(*, highest: int = HIGHEST_PORT, also_free_at: int = 0) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now.

    `highest` bounds the port, and `also_free_at`, when not zero, asks that
    `port + also_free_at` be free as well: a Redis Cluster node listens on its
    port + 10000 for the cluster bus, so it needs
    `free_port(highest=55535, also_free_at=10000)`. The port is also what a
    test needs for "a closed port": connecting to it is refused.
    """
    if not 0 < highest <= HIGHEST_PORT:
        raise ValueError(f"highest must be a port number (1 to {HIGHEST_PORT}), not {highest}")
    if also_free_at and not 0 < highest + also_free_at <= HIGHEST_PORT:
        raise ValueError(f"highest + also_free_at must stay a port number, not {highest + also_free_at}")
    for _ in range(_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port <= highest and (not also_free_at or _is_free(port + also_free_at)):
            return port
    raise RuntimeError(
        f"no free loopback port at or below {highest} found in {_ATTEMPTS} tries"
        + (f" with port + {also_free_at} free too" if also_free_at else "")
    )


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
