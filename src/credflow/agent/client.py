"""Talking to a running agent over its Unix socket (`CREDFLOW_AGENT`): one HTTP round trip.

Deliberately small (the standard library's `http.client` on an `AF_UNIX`
socket): `credflow token` with an agent imports no engine and no httpx.
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import quote

from ..errors import AgentError
from . import AGENT_ENV

__all__ = ["AGENT_ENV", "agent_get"]
_TIMEOUT_SECONDS = 60.0


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def agent_get(socket_path: str, endpoint: str, client: str | None = None) -> dict[str, Any]:
    """GET `endpoint` (`/v1/token`, `/v1/health`) from the agent; `AgentError` unless it answers 200."""
    target = endpoint + (f"?client={quote(client)}" if client is not None else "")
    connection = _UnixConnection(socket_path, _TIMEOUT_SECONDS)
    try:
        connection.request("GET", target, headers={"Credflow-Agent": "1"})
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise AgentError(
            f"credflow agent at {socket_path} ({AGENT_ENV}) does not answer: {reason}; "
            f"start it with `credflow agent`, or unset {AGENT_ENV}"
        ) from None
    finally:
        connection.close()
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise AgentError(
            f"credflow agent at {socket_path} answered HTTP {response.status} without a JSON object"
        )
    if response.status != 200:
        message = str(document.get("message", "no message"))[:300]
        raise AgentError(f"credflow agent at {socket_path} refused: {message} (HTTP {response.status})")
    return document
