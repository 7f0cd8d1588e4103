"""Start a real django-oauth-toolkit (DOT) authorization server for interop tests.

`tests/interop/dot/` is a tiny Django project: DOT with its default settings, the token
endpoint under the issuer path `/tenant1`, RFC 8414 metadata published only at the
path-insertion URL (`/.well-known/oauth-authorization-server/tenant1`), one confidential
client-credentials client, `/api/hello/`, a `ProtectedResourceView` that answers a revoked
token with DOT's bare 403, and `/api/write/`, which needs scope `write`. It runs under wsgiref
in a subprocess on a random loopback port, with a fresh sqlite database in a temporary directory.

What it proves: credflow talks to DOT as shipped (discovery, Basic credentials DOT decodes with
`unquote_plus`, revocation answered by 403). What it cannot: DOT behind another WSGI server or
with non-default settings (hashed secrets are off to spare PBKDF2's CPU; the comparison is the same).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from credflow.testing import ManagedProcess

__all__ = ["DotServer", "dot", "dot_session"]

REPOSITORY = Path(__file__).resolve().parents[2]
# Migrating a fresh database takes a few seconds on a loaded 2-core machine; the margin is for CI.
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0


class DotServer:
    """A running DOT project; `client_secret` contains '%' and '+', which DOT's Basic decoding changes."""

    client_id = "credflow-dot"

    def __init__(self) -> None:
        self.client_secret = secrets.token_urlsafe(18) + "%2B+x"
        self._directory = tempfile.TemporaryDirectory(prefix="credflow-dot-")
        self.port = 0
        self._process = ManagedProcess(
            [sys.executable, "-m", "tests.interop.dot.serve"],
            name="the DOT server (tests.interop.dot.serve)",
            ready=self._read_port,
            cwd=REPOSITORY,
            env={
                **os.environ,
                "DOT_DATABASE": str(Path(self._directory.name) / "db.sqlite3"),
                "DOT_CLIENT_ID": self.client_id,
                "DOT_CLIENT_SECRET": self.client_secret,
            },
            startup_timeout=STARTUP_TIMEOUT_SECONDS,
            stop_timeout=STOP_TIMEOUT_SECONDS,
        )
        try:
            self._process.start()
        except BaseException:
            self._directory.cleanup()
            raise
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/tenant1"
        self.token_endpoint = f"{self.issuer}/o/token/"
        self.api_url = f"{self.url}/api/hello/"
        self.write_api_url = f"{self.url}/api/write/"

    def counts(self) -> dict[str, int]:
        """Requests that reached the token endpoint (`token`) and the API (`api`) since the last reset."""
        counts: dict[str, int] = httpx.get(f"{self.url}/_test/counts/", trust_env=False).json()
        return counts

    def reset_counts(self) -> None:
        """Set both counters to zero."""
        httpx.post(f"{self.url}/_test/counts/", trust_env=False).raise_for_status()

    def revoke(self, access_token: str) -> None:
        """Revoke `access_token` at DOT's revocation endpoint (RFC 7009), as its client."""
        form = {"token": access_token, "client_id": self.client_id, "client_secret": self.client_secret}
        httpx.post(f"{self.issuer}/o/revoke_token/", data=form, trust_env=False).raise_for_status()

    def stop(self) -> None:
        """Terminate the server and remove its database."""
        self._process.stop()
        self._directory.cleanup()

    def _read_port(self) -> bool:
        """Whether the server printed its `{"port": N}` line yet (kept in `port`)."""
        for line in self._process.log().splitlines(keepends=True):
            if line.startswith('{"port"') and line.endswith("\n"):
                self.port = int(json.loads(line)["port"])
                return True
        return False


@pytest.fixture(scope="session")
def dot_session() -> Iterator[DotServer]:
    """One DOT server for the session (migrating its database takes seconds)."""
    server = DotServer()
    yield server
    server.stop()


@pytest.fixture
def dot(dot_session: DotServer, monkeypatch: pytest.MonkeyPatch) -> DotServer:
    """The DOT server with its counters at zero; its client secret in $DOT_CLIENT_SECRET."""
    dot_session.reset_counts()
    monkeypatch.setenv("DOT_CLIENT_SECRET", dot_session.client_secret)
    return dot_session
