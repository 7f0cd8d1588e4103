"""`run_dev_server`: the authorization server in the foreground, for `credflow dev-server`."""

from __future__ import annotations

import logging
import sys
import threading
from typing import TextIO

from .server import DEFAULT_TEST_SCOPES, AuthServer

__all__ = ["DEFAULT_DEV_CLIENTS", "run_dev_server"]

#: Clients served when none are given; a published pair, not a secret.
DEFAULT_DEV_CLIENTS = {"dev-client": "dev-secret"}


def run_dev_server(
    host: str = "127.0.0.1",
    port: int = 8400,
    clients: dict[str, str] | None = None,
    token_lifetime: int = 3600,
    *,
    scopes: tuple[str, ...] = DEFAULT_TEST_SCOPES,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl-C (or until `stop` is set) and return the exit status 0.

    `clients` maps client ids to secrets; each gets `scopes` and both client
    auth methods. The endpoints are printed to `out` (stdout by default), then
    one line per request. Secrets are printed only for the default clients.
    """
    out = sys.stdout if out is None else out
    stop = threading.Event() if stop is None else stop
    server = AuthServer(host=host, port=port, token_lifetime=token_lifetime, log_requests=True)
    for client_id, secret in (clients or DEFAULT_DEV_CLIENTS).items():
        server.add_client(client_id, secret, scopes=scopes)
    server_logger = logging.getLogger("credflow.testing")
    level_before = server_logger.level
    request_log = _log_requests_to(server_logger, out)
    try:
        with server:
            _print_endpoints(server, clients, out)
            # Wait in short slices: a bare Event.wait() would not see Ctrl-C on Windows.
            while not stop.wait(0.2):
                pass
    except KeyboardInterrupt:
        print("stopped", file=out, flush=True)
    finally:
        server_logger.removeHandler(request_log)
        server_logger.setLevel(level_before)
    return 0


def _log_requests_to(server_logger: logging.Logger, out: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(out)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    server_logger.addHandler(handler)
    if server_logger.getEffectiveLevel() > logging.INFO:
        server_logger.setLevel(logging.INFO)
    return handler


def _print_endpoints(server: AuthServer, clients: dict[str, str] | None, out: TextIO) -> None:
    lines = [
        f"credflow dev authorization server at {server.issuer}",
        f"  token endpoint:         {server.token_endpoint}",
        f"  JWKS:                   {server.jwks_uri}",
        f"  introspection endpoint: {server.introspection_endpoint}",
        f"  discovery:              {server.discovery_url}",
        f"  protected API:          {server.api_url}/<scope-name>/...",
    ]
    if clients is None:
        lines += [f"  client: {cid} / secret: {secret}" for cid, secret in DEFAULT_DEV_CLIENTS.items()]
    else:
        lines += [f"  client: {cid}" for cid in clients]
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), file=out, flush=True)
