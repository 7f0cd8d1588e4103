"""The agent's HTTP endpoints on a Unix socket and, optionally, a loopback TCP port.

Every request must carry `Credflow-Agent: 1` (as cloud metadata services
require `Metadata-Flavor`): a server-side request forgery through another
program (a URL fetcher, a webhook) sends only the headers its attacker
controls the URL of, not this one. A request with `Forwarded` or
`X-Forwarded-For` came through a proxy and is refused. Each listener serves
only its allow-list of clients (`[agent] socket_clients`, `port_clients`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import stat
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from ..errors import ConfigError, CredflowError
from .service import TokenAgent, _utc

__all__ = ["AGENT_HEADER", "bind_tcp", "bind_unix"]

logger = logging.getLogger("credflow.agent")

AGENT_HEADER = "Credflow-Agent"
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For")
# An idle keep-alive connection is closed after this, so a stop never waits longer for it.
_IDLE_CONNECTION_SECONDS = 5.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "credflow-agent"
    sys_version = ""
    timeout = _IDLE_CONNECTION_SECONDS
    agent: ClassVar[TokenAgent]
    listener: ClassVar[str]  # "socket" or "port": which allow-list applies

    def _allowed(self) -> tuple[str, ...] | None:
        settings = self.agent.settings
        return settings.socket_clients if self.listener == "socket" else settings.port_clients

    def _send(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int, error: str, message: str) -> None:
        self._send(status, {"error": error, "message": message})

    def do_GET(self) -> None:
        if self.headers.get(AGENT_HEADER) != "1":
            self._refuse(
                403, "header_missing", f"requests to credflow agent must carry the header {AGENT_HEADER}: 1"
            )
            return
        proxied = [name for name in _PROXY_HEADERS if name in self.headers]
        if proxied:
            self._refuse(
                403, "proxied", f"credflow agent refuses requests forwarded by a proxy ({proxied[0]} header)"
            )
            return
        url = urlsplit(self.path)
        if url.path == "/v1/health":
            self._send(200, self.agent.health(self._allowed()))
        elif url.path == "/v1/token":
            self._token(parse_qs(url.query).get("client", [None])[0])
        else:
            self._refuse(404, "not_found", "unknown path; use GET /v1/token?client=NAME or GET /v1/health")

    def _token(self, name: str | None) -> None:
        served = self.agent.client_names(self._allowed())
        if name is None:
            if len(served) != 1:
                self._refuse(
                    400, "client_needed", f"give ?client=NAME (clients: {', '.join(served) or 'none'})"
                )
                return
            name = served[0]
        if name not in served:
            if name in self.agent.client_names():
                message = f"client '{name}' is not served on this listener (clients: {', '.join(served)})"
                self._refuse(403, "client_not_allowed", message)
            else:
                self._refuse(
                    404, "unknown_client", f"no client named '{name}' (clients: {', '.join(served)})"
                )
            return
        try:
            token = self.agent.token(name)
        except CredflowError as error:
            self._refuse(502, "token_unavailable", f"client '{name}': {error}")
            return
        except KeyError:  # removed by a reload since the check above
            self._refuse(404, "unknown_client", f"no client named '{name}'")
            return
        from datetime import UTC, datetime

        self._send(
            200,
            {
                "access_token": token.access_token,
                "token_type": token.token_type,
                "expires_in": max(0, int((token.expires_at - datetime.now(UTC)).total_seconds())),
                "expires_at": _utc(token.expires_at),
            },
        )

    def _not_allowed(self) -> None:
        self._refuse(405, "method_not_allowed", "credflow agent answers GET only")

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def address_string(self) -> str:
        # A Unix socket's peer has no address.
        return self.client_address[0] if isinstance(self.client_address, tuple) else "unix"

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no token; the query holds only a client name.
        logger.debug("%s %s", self.address_string(), format % args)


# socketserver's default backlog of 5 refuses a burst of callers (EAGAIN on a Unix socket).
_BACKLOG = 1024


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    # Stopping waits for requests in flight (block_on_close) instead of abandoning them.
    daemon_threads = False
    block_on_close = True
    request_queue_size = _BACKLOG


class _TcpServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    request_queue_size = _BACKLOG


def _handler(agent: TokenAgent, listener: str) -> type[_Handler]:
    return type("AgentHandler", (_Handler,), {"agent": agent, "listener": listener})


def _private_directory(directory: Path) -> None:
    """Refuse a default socket directory that is not ours alone."""
    # Only the default one: an explicit directory may be shared (a Kubernetes emptyDir, /run/app),
    # where the socket's own mode 0600 is the boundary.
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ConfigError(f"agent socket directory {directory}: not a directory of yours; use --socket PATH")
    if info.st_mode & 0o077:
        raise ConfigError(
            f"agent socket directory {directory} is accessible to other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 700 {directory}"
        )


def bind_unix(path: Path, agent: TokenAgent, *, default_location: bool) -> socketserver.BaseServer:
    """Listen on the Unix socket `path` (mode 0600); a stale socket file is replaced, a live one refused."""
    directory = path.parent
    if default_location:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_directory(directory)
    elif not directory.is_dir():
        raise ConfigError(f"agent socket {path}: the directory {directory} does not exist")
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ConfigError(f"agent socket {path} exists and is not a socket; remove it or choose another")
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
            except OSError:
                path.unlink()  # left by an agent that died
            else:
                raise ConfigError(f"another credflow agent already listens on {path}")
    # umask: the socket exists with mode 0600 from its first moment, not after a chmod.
    previous = os.umask(0o177)
    try:
        server = _UnixServer(str(path), _handler(agent, "socket"))
    finally:
        os.umask(previous)
    return server


def bind_tcp(port: int, agent: TokenAgent) -> socketserver.BaseServer:
    """Listen on 127.0.0.1:`port` (loopback only; 0 picks a free port)."""
    try:
        return _TcpServer(("127.0.0.1", port), _handler(agent, "port"))
    except OSError as exc:
        raise ConfigError(f"agent port {port}: cannot listen on 127.0.0.1 ({exc.strerror})") from None
