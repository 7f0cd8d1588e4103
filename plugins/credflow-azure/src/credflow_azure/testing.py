"""A local HTTPS imitation of Azure Key Vault and Microsoft Entra ID, for tests.

There is no Key Vault emulator we can run, so `KeyVaultServer` speaks the REST
shape the real services speak, on two threaded HTTPS servers on 127.0.0.1
(certificates from a throw-away `trustme` CA):

- the *vault*: `GET /secrets/{name}[/]`, `GET /secrets/{name}/{version}` and
  `GET /secrets/{name}/versions` (paged with `nextLink`), each requiring
  `api-version`; an unauthenticated request gets Key Vault's bearer challenge
  (401, `WWW-Authenticate: Bearer authorization="<authority>/<tenant>",
  resource="https://vault.azure.net"`); a token the identity server did not
  issue, or that expired, gets 401 again; errors use Key Vault's JSON shape
  (`{"error": {"code", "message", "innererror": {"code"}}}`): 404
  `SecretNotFound`, 403 `Forbidden` + `AccessDenied` / `ForbiddenByRbac` for an
  identity the secret's ACL excludes, 403 `Forbidden` + `SecretDisabled` for a
  disabled version. An expired secret is returned with 200, as the real service
  does (expiry is the client's to enforce).
- the *identity* server: Entra ID's tenant discovery document
  (`/{tenant}/v2.0/.well-known/openid-configuration`) and token endpoint
  (`POST /{tenant}/oauth2/v2.0/token`, client-credentials grant) accepting a
  client secret, a certificate-signed client assertion (RS256/PS256, checked
  against the registered certificate) or a federated token (compared with the
  registered one, as a stand-in for Entra's issuer validation).

Use it as a context manager; `settings(...)` gives a `[sources.azure-kv]`
table that points the plugin at it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import json
import secrets
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

__all__ = ["DEFAULT_TENANT", "KeyVaultServer", "ServerCounters", "make_client_certificate"]

DEFAULT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
VAULT_RESOURCE = "https://vault.azure.net"
_VAULT_SCOPE = VAULT_RESOURCE + "/.default"
_API_VERSIONS = frozenset(
    {"2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"}
)
_JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(slots=True)
class ServerCounters:
    """What the imitation served, for tests that count backend round-trips."""

    challenges: int = 0
    secret_reads: int = 0
    version_lists: int = 0
    token_requests: int = 0


@dataclass(slots=True)
class _Version:
    version: str
    value: str
    enabled: bool
    created: int
    updated: int
    expires: int | None
    content_type: str | None


@dataclass(slots=True)
class _Secret:
    versions: list[_Version] = field(default_factory=list)
    readers: frozenset[str] | None = None


@dataclass(slots=True)
class _Client:
    secret: str | None
    certificate_der: bytes | None
    federated_token: str | None
    can_list: bool


@dataclass(frozen=True, slots=True)
class _Token:
    client_id: str
    expires_at: float


def make_client_certificate(common_name: str = "credflow-test-client") -> bytes:
    """Return a self-signed RSA certificate and its private key, PEM, as Entra ID app credentials."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


class KeyVaultServer:
    """A Key Vault and an Entra ID token endpoint on 127.0.0.1, over HTTPS, for tests."""

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT,
        permission_model: str = "access-policy",
        page_size: int = 25,
        token_lifetime: int = 3600,
    ) -> None:
        if permission_model not in ("access-policy", "rbac"):
            raise ValueError("permission_model is 'access-policy' or 'rbac'")
        self.tenant_id = tenant_id
        self.permission_model = permission_model
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.counters = ServerCounters()
        self._lock = threading.Lock()
        self._secrets: dict[str, _Secret] = {}
        self._clients: dict[str, _Client] = {}
        self._tokens: dict[str, _Token] = {}
        self._vault_outage: int | None = None
        self._identity_outage: int | None = None
        self._clock = 0
        self._tmp: Path | None = None
        self._servers: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []
        self.vault_url = ""
        self.authority = ""
        self.ca_bundle = ""

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> KeyVaultServer:
        """Start both servers on random free ports."""
        import trustme

        self._tmp = Path(tempfile.mkdtemp(prefix="credflow-azure-"))
        ca = trustme.CA()
        ca_path = self._tmp / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        self.ca_bundle = str(ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        vault = self._serve(_VaultHandler, context)
        identity = self._serve(_IdentityHandler, context)
        self.vault_url = f"https://127.0.0.1:{vault.server_address[1]}"
        self.authority = f"https://127.0.0.1:{identity.server_address[1]}"
        return self

    def _serve(self, handler: type[_Handler], context: ssl.SSLContext) -> http.server.ThreadingHTTPServer:
        server = _TLSServer(("127.0.0.1", 0), handler, context, self)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self._servers.append((server, thread))
        return server

    def stop(self) -> None:
        """Stop the servers and remove the CA files."""
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> KeyVaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- identities --------------------------------------------------------

    def add_client(
        self,
        client_id: str,
        secret: str | None = None,
        *,
        certificate: bytes | None = None,
        federated_token: str | None = None,
        can_list: bool = True,
    ) -> None:
        """Register an app (service principal) that can get tokens.

        `certificate` is PEM (a key may be in it too; only the certificate is
        kept); `federated_token` is the exact assertion a workload presents.
        `can_list=False` denies `secrets/list` (listing versions).
        """
        certificate_der = _certificate_der(certificate) if certificate is not None else None
        with self._lock:
            self._clients[client_id] = _Client(secret, certificate_der, federated_token, can_list)

    def revoke_tokens(self) -> None:
        """Forget every issued token, so the next vault request is challenged again."""
        with self._lock:
            self._tokens.clear()

    # --- secrets -------------------------------------------------------------

    def set_secret(
        self,
        name: str,
        value: str,
        *,
        enabled: bool = True,
        expires_on: dt.datetime | None = None,
        content_type: str | None = None,
    ) -> str:
        """Add a new version of `name` (creating the secret) and return its version id."""
        with self._lock:
            # Real `created` stamps are whole seconds; keep them strictly increasing
            # so "newest version" is well defined even within one second.
            self._clock = max(int(time.time()), self._clock + 1)
            version = _Version(
                version=uuid.uuid4().hex,
                value=value,
                enabled=enabled,
                created=self._clock,
                updated=self._clock,
                expires=int(expires_on.timestamp()) if expires_on is not None else None,
                content_type=content_type,
            )
            self._secrets.setdefault(name, _Secret()).versions.append(version)
            return version.version

    def set_enabled(self, name: str, enabled: bool, *, version: str | None = None) -> None:
        """Enable or disable one version of `name` (the latest by default)."""
        with self._lock:
            found = self._find(name, version)
            if found is None:
                raise KeyError(f"{name}/{version or 'latest'}")
            found.enabled = enabled
            found.updated = int(time.time())

    def set_readers(self, name: str, readers: Iterable[str] | None) -> None:
        """Restrict who may read `name` to these client ids (`None`: everyone)."""
        with self._lock:
            self._secrets[name].readers = frozenset(readers) if readers is not None else None

    def versions(self, name: str) -> list[str]:
        """The version ids of `name`, oldest first."""
        with self._lock:
            return [v.version for v in self._secrets[name].versions]

    def delete_secret(self, name: str) -> None:
        """Remove `name` and all its versions."""
        with self._lock:
            del self._secrets[name]

    # --- failures ------------------------------------------------------------

    @contextmanager
    def vault_outage(self, status: int = 503) -> Iterator[None]:
        """Answer every vault request with `status` inside the block."""
        self._vault_outage = status
        try:
            yield
        finally:
            self._vault_outage = None

    @contextmanager
    def identity_outage(self, status: int = 503) -> Iterator[None]:
        """Answer every identity-server request with `status` inside the block."""
        self._identity_outage = status
        try:
            yield
        finally:
            self._identity_outage = None

    # --- how to point the plugin here ------------------------------------------

    def reference(self, name: str, *, key: str | None = None, version: str | None = None) -> str:
        """An `azure-kv:` reference to `name` on this vault."""
        text = f"azure-kv:{self.vault_url}/{name}"
        if key is not None:
            text += f"#{key}"
        if version is not None:
            text += f"?version={version}"
        return text

    def settings(self, client_id: str, client_secret: str, **extra: Any) -> dict[str, Any]:
        """A `[sources.azure-kv]` table using `client_id` with secret reference `client_secret`."""
        table: dict[str, Any] = {
            "credential": "client_secret",
            "tenant_id": self.tenant_id,
            "client_id": client_id,
            "client_secret": client_secret,
            "authority": self.authority,
            "disable_instance_discovery": True,
            "verify_challenge_resource": False,
            "ca_bundle": self.ca_bundle,
        }
        table.update(extra)
        return table

    # --- request handling (called from the handler threads) ----------------------

    def _find(self, name: str, version: str | None) -> _Version | None:
        secret = self._secrets.get(name)
        if secret is None or not secret.versions:
            return None
        if not version:
            return secret.versions[-1]
        return next((v for v in secret.versions if v.version == version), None)

    def _authenticated_client(self, header: str | None) -> str | None:
        if header is None or not header.startswith("Bearer "):
            return None
        token = self._tokens.get(header.removeprefix("Bearer ").strip())
        if token is None or token.expires_at <= time.time():
            return None
        return token.client_id

    def _vault_get(
        self, path: str, query: Mapping[str, list[str]], authorization: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self._vault_outage is not None:
            return self._vault_outage, _kv_error("ServiceUnavailable", "The service is busy."), {}
        with self._lock:
            client_id = self._authenticated_client(authorization)
            if client_id is None:
                self.counters.challenges += 1
                message = (
                    "AKV10000: Request is missing a Bearer or PoP token."
                    if authorization is None
                    else "AKV10022: Invalid or expired access token."
                )
                challenge = (
                    f'Bearer authorization="{self.authority}/{self.tenant_id}", resource="{VAULT_RESOURCE}"'
                )
                return 401, _kv_error("Unauthorized", message), {"WWW-Authenticate": challenge}
            api_version = (query.get("api-version") or [""])[0]
            if api_version not in _API_VERSIONS:
                return (
                    400,
                    _kv_error("BadParameter", "The request URI contains an invalid or missing api-version."),
                    {},
                )
            parts = [p for p in path.split("/") if p]
            if len(parts) < 2 or parts[0] != "secrets" or len(parts) > 3:
                return 404, _kv_error("NotFound", f"No route for {path}"), {}
            name = parts[1]
            if len(parts) == 3 and parts[2] == "versions":
                return self._list_versions(client_id, name, query)
            return self._get_secret(client_id, name, parts[2] if len(parts) == 3 else None)

    def _get_secret(
        self, client_id: str, name: str, version: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.counters.secret_reads += 1
        secret = self._secrets.get(name)
        if secret is not None and secret.readers is not None and client_id not in secret.readers:
            return 403, self._forbidden(client_id, "get"), {}
        found = self._find(name, version)
        if found is None:
            label = f"{name}/{version}" if version else name
            return (
                404,
                _kv_error(
                    "SecretNotFound",
                    f"A secret with (name/id) {label} was not found in this key vault. If you "
                    "recently deleted this secret you may be able to recover it using the correct "
                    "recovery command.",
                ),
                {},
            )
        if not found.enabled:
            return (
                403,
                _kv_error(
                    "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"
                ),
                {},
            )
        body = self._item(name, found)
        body["value"] = found.value
        return 200, body, {}

    def _list_versions(
        self, client_id: str, name: str, query: Mapping[str, list[str]]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.counters.version_lists += 1
        if not self._clients[client_id].can_list:
            return 403, self._forbidden(client_id, "list"), {}
        secret = self._secrets.get(name)
        if secret is None:
            return (
                404,
                _kv_error(
                    "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault."
                ),
                {},
            )
        # The service lists versions in no particular (chronological) order;
        # sorting by id makes clients order by `created` themselves, as they must.
        items = sorted(secret.versions, key=lambda v: v.version)
        page_size = min(int((query.get("maxresults") or [str(self.page_size)])[0]), self.page_size)
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = items[start : start + page_size]
        next_link = None
        if start + page_size < len(items):
            next_link = (
                f"{self.vault_url}/secrets/{quote(name)}/versions?api-version="
                f"{query['api-version'][0]}&$skiptoken={start + page_size}&maxresults={page_size}"
            )
        return 200, {"value": [self._item(name, v) for v in page], "nextLink": next_link}, {}

    def _item(self, name: str, version: _Version) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "enabled": version.enabled,
            "created": version.created,
            "updated": version.updated,
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": 90,
        }
        if version.expires is not None:
            attributes["exp"] = version.expires
        item: dict[str, Any] = {
            "id": f"{self.vault_url}/secrets/{name}/{version.version}",
            "attributes": attributes,
            "tags": {},
        }
        if version.content_type is not None:
            item["contentType"] = version.content_type
        return item

    def _forbidden(self, client_id: str, operation: str) -> dict[str, Any]:
        if self.permission_model == "rbac":
            action = "getSecret" if operation == "get" else "readMetadata"
            return _kv_error(
                "Forbidden",
                "Caller is not authorized to perform action on resource.\r\n"
                f"Caller: appid={client_id}\r\n"
                f"Action: 'Microsoft.KeyVault/vaults/secrets/{action}/action'",
                "ForbiddenByRbac",
            )
        return _kv_error(
            "Forbidden",
            f"The user, group or application 'appid={client_id};iss=https://sts.windows.net/"
            f"{self.tenant_id}/' does not have secrets {operation} permission on key vault "
            "'credflow-test;location=local'.",
            "AccessDenied",
        )

    def _identity(
        self, method: str, path: str, form: Mapping[str, list[str]]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self._identity_outage is not None:
            return self._identity_outage, _aad_error("temporarily_unavailable", "AADSTS90033"), {}
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != self.tenant_id:
            return (
                400,
                _aad_error(
                    "invalid_request", f"AADSTS90002: Tenant '{parts[0] if parts else ''}' not found."
                ),
                {},
            )
        base = f"{self.authority}/{self.tenant_id}"
        if method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return (
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "private_key_jwt",
                        "client_secret_basic",
                    ],
                },
                {},
            )
        if method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(form, f"{base}/oauth2/v2.0/token")
        return 404, _aad_error("invalid_request", f"AADSTS900561: no endpoint {path}"), {}

    def _token(
        self, form: Mapping[str, list[str]], endpoint: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        def one(name: str) -> str | None:
            return _first(form, name)

        with self._lock:
            self.counters.token_requests += 1
            if one("grant_type") != "client_credentials":
                return 400, _aad_error("unsupported_grant_type", "AADSTS70003"), {}
            client_id = one("client_id") or ""
            client = self._clients.get(client_id)
            if client is None:
                return (
                    400,
                    _aad_error(
                        "unauthorized_client",
                        f"AADSTS700016: Application with identifier '{client_id}' was not found "
                        f"in the directory '{self.tenant_id}'.",
                    ),
                    {},
                )
            if not self._client_authenticated(client, client_id, form, endpoint):
                return (
                    401,
                    _aad_error(
                        "invalid_client",
                        "AADSTS7000215: Invalid client secret provided. Ensure the secret being "
                        f"sent in the request is the client secret value for app '{client_id}'.",
                    ),
                    {},
                )
            scopes = (one("scope") or "").split()
            if _VAULT_SCOPE not in scopes:
                return (
                    400,
                    _aad_error("invalid_scope", f"AADSTS70011: The provided scope {scopes} is not valid."),
                    {},
                )
            token = secrets.token_urlsafe(32)
            self._tokens[token] = _Token(client_id, time.time() + self.token_lifetime)
        return (
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            },
            {},
        )

    @staticmethod
    def _client_authenticated(
        client: _Client, client_id: str, form: Mapping[str, list[str]], endpoint: str
    ) -> bool:
        secret = _first(form, "client_secret")
        if secret is not None:
            return client.secret is not None and secrets.compare_digest(secret, client.secret)
        assertion = _first(form, "client_assertion")
        if assertion is None or _first(form, "client_assertion_type") != _JWT_BEARER:
            return False
        if client.federated_token is not None and secrets.compare_digest(assertion, client.federated_token):
            return True
        if client.certificate_der is None:
            return False
        return _verify_assertion(assertion, client.certificate_der, client_id, endpoint)


# --- HTTP plumbing -------------------------------------------------------------


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[_Handler],
        context: ssl.SSLContext,
        app: KeyVaultServer,
    ) -> None:
        super().__init__(address, handler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.app = app


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections end on their own, so no thread outlives a test for long.
    timeout = 5

    @property
    def app(self) -> KeyVaultServer:
        server = self.server
        assert isinstance(server, _TLSServer)
        return server.app

    def _send(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: test output is for test failures."""


class _VaultHandler(_Handler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self._send(*self.app._vault_get(url.path, parse_qs(url.query), self.headers.get("Authorization")))

    def do_POST(self) -> None:
        self._body()
        self._send(405, _kv_error("MethodNotAllowed", "Only reads are imitated."), {})


class _IdentityHandler(_Handler):
    def do_GET(self) -> None:
        self._send(*self.app._identity("GET", urlsplit(self.path).path, {}))

    def do_POST(self) -> None:
        form = parse_qs(self._body().decode())
        self._send(*self.app._identity("POST", urlsplit(self.path).path, form))


def _first(form: Mapping[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _kv_error(code: str, message: str, inner: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner is not None:
        error["innererror"] = {"code": inner}
    return {"error": error}


def _aad_error(error: str, description: str) -> dict[str, Any]:
    return {
        "error": error,
        "error_description": description,
        "error_codes": [int(description[6:13])] if description[6:13].isdigit() else [],
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }


# --- client assertions ---------------------------------------------------------


def _certificate_der(pem: bytes) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _verify_assertion(assertion: str, certificate_der: bytes, client_id: str, endpoint: str) -> bool:
    """Check a private_key_jwt client assertion the way Entra ID does, against one certificate."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        header_b64, claims_b64, signature_b64 = assertion.split(".")
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(claims_b64))
        signature = _b64decode(signature_b64)
    except ValueError:
        return False
    thumbprints = {
        "x5t": base64.urlsafe_b64encode(hashlib.sha1(certificate_der).digest()),  # noqa: S324 - x5t is SHA-1 by definition
        "x5t#S256": base64.urlsafe_b64encode(hashlib.sha256(certificate_der).digest()),
    }
    if not any(
        header.get(name, "").rstrip("=").encode() == value.rstrip(b"=") for name, value in thumbprints.items()
    ):
        return False
    public_key = x509.load_der_x509_certificate(certificate_der).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    signed = f"{header_b64}.{claims_b64}".encode()
    if header.get("alg") == "RS256":
        scheme: padding.AsymmetricPadding = padding.PKCS1v15()
    elif header.get("alg") == "PS256":
        scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    else:
        return False
    try:
        public_key.verify(signature, signed, scheme, hashes.SHA256())
    except InvalidSignature:
        return False
    return bool(
        claims.get("iss") == client_id
        and claims.get("sub") == client_id
        and claims.get("aud") == endpoint
        and float(claims.get("exp", 0)) > time.time()
    )
