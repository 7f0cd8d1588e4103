"""The `[agent]` table: where `credflow agent` listens and which clients each listener serves.

    [agent]
    socket = "/run/credflow/agent.sock"   # default: $XDG_RUNTIME_DIR/credflow/agent.sock
    socket_clients = ["api"]              # default: every client
    port = 8765                           # loopback TCP; default: none
    port_clients = ["api"]                # default: every client

Checked when the configuration is loaded, against the configured client
names; `--socket` and `--port` on the command line override `socket` and `port`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["AgentSettings", "default_socket_path"]

_KEYS = ("socket", "socket_clients", "port", "port_clients")


def default_socket_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_RUNTIME_DIR/credflow/agent.sock`, else `/tmp/credflow-<uid>/agent.sock`."""
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        return Path(runtime) / "credflow" / "agent.sock"
    return Path("/tmp") / f"credflow-{os.getuid()}" / "agent.sock"  # noqa: S108 - a 0700 directory of ours


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """The checked `[agent]` table. A `None` allow-list serves every configured client."""

    socket: str | None = None
    socket_clients: tuple[str, ...] | None = None
    port: int | None = None
    port_clients: tuple[str, ...] | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, clients: frozenset[str], label: str) -> AgentSettings:
        """Check `table` (unknown keys, types, client names) and build the settings."""
        for key in table:
            if key not in _KEYS:
                close = difflib.get_close_matches(key, _KEYS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(_KEYS)}"
                raise ConfigError(f"{label}: agent.{key}: unknown key; {hint}")
        socket = table.get("socket")
        if socket is not None and (not isinstance(socket, str) or not socket.startswith("/")):
            raise ConfigError(f"{label}: agent.socket: expected an absolute path, got {socket!r}")
        port = table.get("port")
        if port is not None and (
            isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 65536
        ):
            raise ConfigError(
                f"{label}: agent.port: expected a TCP port number (0-65535, 0 picks a free one), got {port!r}"
            )
        return cls(
            socket=socket,
            socket_clients=_allow_list(table, "socket_clients", clients, label),
            port=port,
            port_clients=_allow_list(table, "port_clients", clients, label),
        )


def _allow_list(
    table: Mapping[str, Any], key: str, clients: frozenset[str], label: str
) -> tuple[str, ...] | None:
    names = table.get(key)
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError(f"{label}: agent.{key}: expected a list of client names, got {names!r}")
    unknown = [name for name in names if name not in clients]
    if unknown:
        raise ConfigError(
            f"{label}: agent.{key}: no client named '{unknown[0]}' "
            f"(clients: {', '.join(sorted(clients)) or 'none'})"
        )
    return tuple(names)
