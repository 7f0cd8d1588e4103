"""Start and control a real oidc-provider authorization server for interop tests.

``tests/interop/oidc_provider/server.mjs`` wraps the OpenID-certified ``oidc-provider`` npm
package: client credentials grant, opaque access tokens, clients registered at run time with
several accepted secrets (for rotation drills), and a protected API that checks bearer tokens.
This module runs it as a child process and talks to its loopback-only admin API.

Fixtures:

* ``oidc_provider_session`` (session scope): one node process for the whole test session. Start-up
  takes about 0.3 s on an idle machine (about 1 s on a loaded one), mostly loading oidc-provider.
* ``oidc_provider`` (function scope): that server, reset before each test to no clients, zero
  counters and the start-up token lifetime (60 s), so tests stay isolated without paying start-up.

Both fail the test, never skip it, when ``node`` or the npm dependencies are missing. Install
the dependencies with ``npm ci --prefix tests/interop/oidc_provider``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from secrets import token_urlsafe
from types import TracebackType
from typing import Literal, Self
from urllib.parse import quote

import httpx
import pytest
import trustme

from credflow.testing import ManagedProcess, ManagedProcessError

__all__ = [
    "INSTALL_COMMAND",
    "SERVER_DIR",
    "MutualTlsPki",
    "OidcProviderAdminError",
    "OidcProviderServer",
    "OidcProviderStartupError",
    "TokenEndpointAuthMethod",
    "missing_prerequisites",
    "oidc_provider",
    "oidc_provider_pki",
    "oidc_provider_session",
]

SERVER_DIR = Path(__file__).resolve().parent / "oidc_provider"
INSTALL_COMMAND = "npm ci --prefix tests/interop/oidc_provider"

TokenEndpointAuthMethod = Literal[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
]

# Start-up takes well under two seconds even on a loaded machine; the margin is for CI.
DEFAULT_STARTUP_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 5.0
ADMIN_REQUEST_TIMEOUT_SECONDS = 10.0


class OidcProviderStartupError(RuntimeError):
    """The node server exited or stayed silent instead of printing its ready line."""


class OidcProviderAdminError(RuntimeError):
    """The admin API refused a request; the message carries its status and description."""


def missing_prerequisites(server_dir: Path = SERVER_DIR) -> str | None:
    """Say what is missing to run the server, or return None when it can start."""
    if shutil.which("node") is None:
        return f"`node` is not on PATH: install Node.js 20+ and run `{INSTALL_COMMAND}`."
    if not (server_dir / "node_modules" / "oidc-provider").is_dir():
        return f"{server_dir / 'node_modules'} is missing oidc-provider: run `{INSTALL_COMMAND}`."
    return None


class OidcProviderServer:
    """A running ``server.mjs``; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        *,
        token_ttl_seconds: int = 60,
        port: int = 0,
        startup_timeout_seconds: float = DEFAULT_STARTUP_TIMEOUT_SECONDS,
        server_dir: Path = SERVER_DIR,
        tls_files: Mapping[str, Path] | None = None,
    ) -> None:
        """`tls_files` ("cert", "key", "ca": PEM paths) adds the HTTPS listener for mutual TLS."""
        self.tls_files = dict(tls_files or {})
        self.token_ttl_seconds = token_ttl_seconds
        self.port = port
        self.startup_timeout_seconds = startup_timeout_seconds
        self.server_dir = server_dir
        # Chosen here and handed over in the environment, so it never appears on stdout.
        self._admin_token = token_urlsafe(32)
        self._process: ManagedProcess | None = None
        self._admin_client: httpx.Client | None = None
        self._ready: dict[str, object] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Run ``node server.mjs`` and wait for its ready line."""
        if self._process is not None:
            raise RuntimeError("the oidc-provider server is already running")
        problem = missing_prerequisites(self.server_dir)
        if problem is not None:
            raise OidcProviderStartupError(problem)
        node = shutil.which("node")
        assert node is not None  # checked by missing_prerequisites
        process = ManagedProcess(
            [node, "server.mjs", "--port", str(self.port), "--token-ttl", str(self.token_ttl_seconds)],
            name="oidc-provider (node server.mjs)",
            ready=lambda: self._read_ready_line(process),
            cwd=self.server_dir,
            env={
                **os.environ,
                "OIDC_PROVIDER_ADMIN_TOKEN": self._admin_token,
                **{f"OIDC_PROVIDER_TLS_{name.upper()}": str(path) for name, path in self.tls_files.items()},
            },
            startup_timeout=self.startup_timeout_seconds,
            stop_timeout=STOP_TIMEOUT_SECONDS,
        )
        try:
            self._process = process.start()
        except ManagedProcessError as error:
            raise OidcProviderStartupError(f"{self.server_dir / 'server.mjs'}: {error}") from None
        self._admin_client = httpx.Client(
            base_url=self.issuer,
            headers={"Authorization": f"Bearer {self._admin_token}"},
            timeout=ADMIN_REQUEST_TIMEOUT_SECONDS,
            # Loopback only: a proxy from the environment must not see the admin token.
            trust_env=False,
        )

    def stop(self) -> None:
        """Terminate the server; safe to call more than once."""
        if self._admin_client is not None:
            self._admin_client.close()
            self._admin_client = None
        if self._process is not None:
            self._process.stop()
            self._process = None
        self._ready = None

    def _read_ready_line(self, process: ManagedProcess) -> bool:
        """Whether the server printed its ready line yet (kept in `_ready`)."""
        # Complete lines only: the last one may still be being written.
        for line in process.log().splitlines(keepends=True):
            if line.endswith("\n"):
                self._ready = _parse_ready_line(line)
                if self._ready is not None:
                    return True
        return False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where things are ------------------------------------------------------------------

    def _ready_value(self, key: str) -> str:
        if self._ready is None:
            raise RuntimeError("the oidc-provider server is not running: call start() first")
        value = self._ready[key]
        assert isinstance(value, str), f"ready line field {key!r} is not a string"
        return value

    @property
    def issuer(self) -> str:
        """The issuer identifier, ``http://127.0.0.1:<port>``."""
        return self._ready_value("issuer")

    @property
    def token_endpoint(self) -> str:
        """The token endpoint, as also published in the discovery document."""
        return self._ready_value("token_endpoint")

    @property
    def mtls_token_endpoint(self) -> str:
        """The HTTPS token endpoint asking for a client certificate (RFC 8705 mtls_endpoint_aliases)."""
        return self._ready_value("mtls_token_endpoint")

    @property
    def api_url(self) -> str:
        """The protected API's base URL; any GET or POST below it checks the bearer token."""
        return self._ready_value("api_url")

    # -- admin API ---------------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: dict[str, object] | None = None) -> object:
        if self._admin_client is None:
            raise RuntimeError("the oidc-provider server is not running: call start() first")
        response = self._admin_client.request(method, path, json=body)
        payload: object = response.json()
        if response.status_code != 200:
            description = payload.get("error_description") if isinstance(payload, dict) else None
            raise OidcProviderAdminError(
                f"{method} {path} answered {response.status_code}: {description or payload}"
            )
        return payload

    def upsert_client(
        self,
        client_id: str,
        secrets: list[str] | None,
        *,
        auth_method: TokenEndpointAuthMethod = "client_secret_basic",
        scope: str = "api.read",
        **metadata: object,
    ) -> None:
        """Register or replace a client allowed the client credentials grant only.

        Every secret in ``secrets`` is accepted (None for a method without a secret); ``scope``
        is what the client may ask for (the server knows ``api.read`` and ``api.write``).
        ``metadata`` is RFC 7591 client metadata for the other methods: ``jwks`` (a JWK Set of
        public keys, private_key_jwt and self_signed_tls_client_auth), ``tls_client_auth_san_dns``
        or ``tls_client_auth_subject_dn`` (tls_client_auth), ``token_endpoint_auth_signing_alg``.
        """
        body: dict[str, object] = {
            "client_id": client_id,
            "token_endpoint_auth_method": auth_method,
            "scope": scope,
            **metadata,
        }
        if secrets is not None:
            body["client_secrets"] = secrets
        self._admin("POST", "/admin/clients", body)

    def last_client_auth_error(self) -> str | None:
        """Why oidc-provider last answered invalid_client (its error_detail), or None."""
        payload = self._admin("GET", "/admin/last-client-auth-error")
        assert isinstance(payload, dict)
        detail = payload.get("detail")
        return detail if isinstance(detail, str) else None

    def set_secrets(self, client_id: str, secrets: list[str]) -> None:
        """Replace the accepted secrets: a rotation is ``[old, new]``, then ``[new]``."""
        self._admin("POST", _secrets_path(client_id), {"replace": secrets})

    def add_secret(self, client_id: str, secret: str) -> None:
        """Accept one more secret, keeping the others."""
        self._admin("POST", _secrets_path(client_id), {"add": secret})

    def revoke_secret(self, client_id: str, secret: str) -> None:
        """Stop accepting one secret; the server refuses to revoke the last one."""
        self._admin("POST", _secrets_path(client_id), {"revoke": secret})

    def counters(self) -> dict[str, int]:
        """Token requests, tokens issued, invalid_client answers, API calls, API rejections."""
        payload = self._admin("GET", "/admin/counters")
        assert isinstance(payload, dict)
        return {str(name): int(count) for name, count in payload.items()}

    def reset_counters(self) -> None:
        """Set every counter back to zero."""
        self._admin("POST", "/admin/counters/reset")

    def set_token_ttl(self, seconds: int) -> None:
        """Make access tokens issued from now on live ``seconds`` seconds."""
        self._admin("POST", "/admin/token-ttl", {"seconds": seconds})

    def reset(self) -> None:
        """Forget all clients, zero the counters and restore the start-up token lifetime."""
        self._admin("POST", "/admin/reset")


class MutualTlsPki:
    """A test CA, the server's certificate files, and client certificates it issues."""

    def __init__(self, directory: Path, ca: trustme.CA) -> None:
        self.directory = directory
        self.ca = ca
        self.ca_file = directory / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        leaf = ca.issue_cert("127.0.0.1", "localhost")
        self.server_files = {
            "cert": directory / "server.pem",
            "key": directory / "server-key.pem",
            "ca": self.ca_file,
        }
        leaf.private_key_pem.write_to_path(str(self.server_files["key"]))
        leaf.cert_chain_pems[0].write_to_path(str(self.server_files["cert"]))

    @classmethod
    def create(cls, directory: Path) -> MutualTlsPki:
        """A new CA in `directory`."""
        return cls(directory, trustme.CA())

    def client_certificate(self, dns_name: str) -> tuple[str, str]:
        """(certificate PEM, key PEM) of a client certificate for `dns_name`, issued by the CA."""
        issued = self.ca.issue_cert(dns_name)
        return issued.cert_chain_pems[0].bytes().decode(), issued.private_key_pem.bytes().decode()


def _secrets_path(client_id: str) -> str:
    return f"/admin/clients/{quote(client_id, safe='')}/secrets"


def _parse_ready_line(line: str) -> dict[str, object] | None:
    try:
        ready: object = json.loads(line)
    except ValueError:
        return None
    if not isinstance(ready, dict) or ready.get("ready") is not True:
        return None
    return {str(key): value for key, value in ready.items()}


@pytest.fixture(scope="session")
def oidc_provider_pki(tmp_path_factory: pytest.TempPathFactory) -> MutualTlsPki:
    """A CA (trustme) and the HTTPS listener's certificate, for the mutual-TLS methods."""
    return MutualTlsPki.create(tmp_path_factory.mktemp("oidc-provider-tls"))


@pytest.fixture(scope="session")
def oidc_provider_session(oidc_provider_pki: MutualTlsPki) -> Iterator[OidcProviderServer]:
    """One oidc-provider server for the whole test session; fails (never skips) if unavailable."""
    problem = missing_prerequisites()
    if problem is not None:
        pytest.fail(f"the oidc-provider interop server cannot start: {problem}", pytrace=False)
    with OidcProviderServer(tls_files=oidc_provider_pki.server_files) as server:
        yield server


@pytest.fixture
def oidc_provider(oidc_provider_session: OidcProviderServer) -> OidcProviderServer:
    """The session's oidc-provider server, reset to no clients, zero counters, default TTL."""
    oidc_provider_session.reset()
    return oidc_provider_session
