"""`credflow dev-server`: the local authorization server in the foreground."""

from __future__ import annotations

import argparse
import socket

from .exit_codes import UsageError

__all__ = ["run_dev_server_command"]

_HOST = "127.0.0.1"


def _clients(values: list[str]) -> dict[str, str] | None:
    clients = {}
    for value in values:
        client_id, colon, secret = value.partition(":")
        if not colon or not client_id or not secret:
            raise UsageError("--client expects ID:SECRET (a client id, a colon, its secret)")
        clients[client_id] = secret
    return clients or None


def run_dev_server_command(args: argparse.Namespace) -> int:
    """Serve tokens on 127.0.0.1 until Ctrl-C."""
    clients = _clients(args.client)
    try:
        from ..testing.devserver import run_dev_server
    except ImportError as exc:
        raise ImportError(
            f"credflow dev-server needs the testing extra ({exc.name} is missing): "
            "pip install 'credflow[testing]'"
        ) from exc
    _ensure_free(args.port)
    return run_dev_server(port=args.port, clients=clients, token_lifetime=args.token_lifetime)


def _ensure_free(port: int) -> None:
    # werkzeug's make_server prints and calls sys.exit(1) on a busy port; say it in one line instead.
    if port == 0:
        return
    with socket.socket() as probe:
        try:
            probe.bind((_HOST, port))
        except OSError as exc:
            raise OSError(
                exc.errno, f"{_HOST}:{port} is in use; pick another --port (0 picks a free one)"
            ) from None
