"""The end-to-end demo: `nox -s demo` (or `python tools/demo.py` from the repository root).

Starts the embedded authorization server and its protected API, keeps the
client secret in a local secret source (a file, as Kubernetes mounts it),
gets a token, calls the API, rotates the secret at the server and in the
source, and shows the next call succeed without a restart — with the audit
log visible. Exits 0 only if every step worked.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from credflow import ClientConfig, CredflowError, PluginHost, TokenEngine

__all__ = ["main"]

CLIENT_ID = "demo-service"


class _ServerTime:
    """The authorization server's clock, which the demo moves to expire tokens at the API."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class _Steps:
    def __init__(self) -> None:
        self.number = 0

    def run(self, title: str, action: Callable[[], str]) -> None:
        self.number += 1
        print(f"\n[{self.number}] {title}", flush=True)
        result = action()
        print(f"    ✓ {result}", flush=True)


def _write_secret(path: Path, value: str) -> None:
    # Replace atomically, as a secret manager's file sync or a Kubernetes volume does.
    staging = path.with_suffix(".new")
    staging.write_text(value + "\n")
    staging.chmod(0o600)
    os.replace(staging, path)


def main() -> int:
    """Run the demo; return the exit status."""
    from credflow.testing import AuthServer

    logging.basicConfig(level=logging.WARNING, format="    audit | %(message)s", stream=sys.stdout)
    logging.getLogger("credflow.audit").setLevel(logging.INFO)
    steps = _Steps()
    server_time = _ServerTime()
    first_secret, second_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)

    with (
        tempfile.TemporaryDirectory(prefix="credflow-demo-") as workdir,
        AuthServer(clock=server_time) as server,
    ):
        secret_file = Path(workdir) / "client_secret"
        engine: TokenEngine | None = None

        def start() -> str:
            server.add_client(CLIENT_ID, first_secret, scopes=["api.read"])
            _write_secret(secret_file, first_secret)
            return f"authorization server and API at {server.issuer}; secret stored in file:{secret_file}"

        def first_token() -> str:
            nonlocal engine
            config = ClientConfig(
                token_endpoint=server.token_endpoint,
                client_id=CLIENT_ID,
                client_secret=f"file:{secret_file}",
                scopes=("api.read",),
            )
            engine = TokenEngine(config, plugins=PluginHost(load_entry_points=False))
            token = engine.get_token()
            expires = f"{token.expires_at:%H:%M:%S} UTC"
            return f"token {token.fingerprint} for scope {token.scope!r}, expires {expires}"

        def call_api() -> str:
            assert engine is not None
            with httpx.Client(auth=engine.httpx_auth()) as client:
                response = client.get(f"{server.api_url}/read/invoices")
            response.raise_for_status()
            return f"GET /api/read/invoices -> {response.status_code} {response.json()}"

        def rotate() -> str:
            server.rotate_secret(CLIENT_ID, second_secret, grace_seconds=0)
            _write_secret(secret_file, second_secret)
            return "new secret accepted by the server, old one revoked; the file holds the new secret"

        def call_after_rotation() -> str:
            before = server.counters.token_requests
            result = call_api()
            if server.counters.token_requests != before:
                raise RuntimeError("rotation caused a needless token request")
            return f"{result} (the token issued before the rotation stays valid: no new token request)"

        def call_after_expiry() -> str:
            server_time.offset += 2 * 3600  # the API now sees the cached token as expired
            before = server.counters.token_requests
            result = call_api()
            return (
                f"{result}; the API's 401 made credflow renew once with the rotated secret "
                f"({server.counters.token_requests - before} token request, no restart)"
            )

        try:
            steps.run("Start the local authorization server and API; store the client secret", start)
            steps.run("Get a token (the secret is read from its source at token time)", first_token)
            steps.run("Call the protected API with the token", call_api)
            steps.run("Rotate the secret at the authorization server and in the secret source", rotate)
            steps.run("Call the API again", call_after_rotation)
            steps.run("Let the token expire at the API and call again", call_after_expiry)
        except (CredflowError, httpx.HTTPError, RuntimeError) as exc:
            print(f"    ✗ {type(exc).__name__}: {exc}", flush=True)
            return 1
        finally:
            if engine is not None:
                engine.close()
    print("\nEvery step worked: the service kept calling its API across a secret rotation, with no restart.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
