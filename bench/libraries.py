"""The cached-token call of the Python libraries people use today, set up against local servers.

Each setup fetches one token for real, then hands back the statement that
library runs on every request once it holds a valid token — the call whose
cost `hot_path` compares with the floor. A library that cannot be set up is
reported with the reason, never with a number.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from tls_front import TENANT, EntraFront

from credflow.testing import AuthServer

__all__ = ["CachedCall", "Unavailable", "library_calls"]

SCOPE = "api.read"


@dataclass(frozen=True, slots=True)
class CachedCall:
    """A library's per-request token statement, evaluated in `namespace`."""

    library: str
    call: str
    statement: str
    namespace: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A library left out, and exactly why."""

    library: str
    reason: str


def _label(distribution: str) -> str:
    try:
        return f"{distribution} {metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return distribution


def _authlib(server: AuthServer, client_id: str, secret: str, stack: ExitStack) -> CachedCall:
    with warnings.catch_warnings():
        # Authlib 1.6+ warns on import that its httpx integration is moving; not our concern here.
        warnings.simplefilter("ignore")
        from authlib.integrations.base_client import InvalidTokenError, MissingTokenError
        from authlib.integrations.httpx_client import OAuth2Client

    client = stack.enter_context(
        OAuth2Client(
            client_id,
            secret,
            scope=SCOPE,
            token_endpoint=server.token_endpoint,
            grant_type="client_credentials",
        )
    )
    client.fetch_token()

    def authlib_token() -> Any:
        # What OAuth2Client.request() runs before each request (authlib/integrations/httpx_client).
        token = client.token
        if not token:
            raise MissingTokenError()
        if not client.ensure_active_token(token):
            raise InvalidTokenError()
        return token

    return CachedCall(
        _label("authlib"),
        "OAuth2Client.ensure_active_token",
        "authlib_token()",
        {"authlib_token": authlib_token},
    )


def _httpx_auth(server: AuthServer, client_id: str, secret: str, stack: ExitStack) -> CachedCall:
    import httpx_auth

    cache = httpx_auth.OAuth2.token_cache
    cache.clear()
    stack.callback(cache.clear)
    auth = httpx_auth.OAuth2ClientCredentials(server.token_endpoint, client_id, secret, scope=SCOPE)
    # The exact call OAuth2ClientCredentials.auth_flow makes for every request.
    statement = (
        "cache.get_token(auth.state, early_expiry=auth.early_expiry, "
        "on_missing_token=auth.request_new_token, on_expired_token=auth.refresh_token)"
    )
    namespace = {"cache": cache, "auth": auth}
    eval(statement, namespace)  # noqa: S307 - our own constant statement; fetches the first token
    return CachedCall(
        _label("httpx-auth"), "OAuth2ClientCredentials: token_cache.get_token", statement, namespace
    )


@contextmanager
def _trusting(ca_bundle: str) -> Iterator[None]:
    # requests lets REQUESTS_CA_BUNDLE override a session's `verify`, and this machine sets it.
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
    try:
        yield
    finally:
        if saved is None:
            del os.environ["REQUESTS_CA_BUNDLE"]
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved


def _msal(front: EntraFront, client_id: str, secret: str, stack: ExitStack) -> CachedCall:
    import msal  # type: ignore[import-untyped]

    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=front.authority,
        validate_authority=False,
        instance_discovery=False,
        verify=front.ca_bundle,
    )
    first = app.acquire_token_for_client([SCOPE])
    if "access_token" not in first:
        raise RuntimeError(f"MSAL got no token: {first.get('error')}")
    return CachedCall(
        _label("msal"),
        "ConfidentialClientApplication.acquire_token_for_client",
        "app.acquire_token_for_client(scopes)",
        {"app": app, "scopes": [SCOPE]},
    )


def _azure_identity(front: EntraFront, client_id: str, secret: str, stack: ExitStack) -> CachedCall:
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(
        TENANT, client_id, secret, authority=front.base, disable_instance_discovery=True
    )
    stack.callback(credential.close)
    credential.get_token(SCOPE)
    return CachedCall(
        _label("azure-identity"),
        "ClientSecretCredential.get_token",
        "credential.get_token(scope)",
        {"credential": credential, "scope": SCOPE},
    )


@contextmanager
def library_calls(
    server: AuthServer, client_id: str, secret: str, workdir: Path
) -> Iterator[list[CachedCall | Unavailable]]:
    """Set up every library against `server` (MSAL and azure-identity through an HTTPS front)."""
    with ExitStack() as stack:
        front = stack.enter_context(EntraFront(server.issuer, workdir))
        stack.enter_context(_trusting(front.ca_bundle))
        setups: list[tuple[str, Callable[[ExitStack], CachedCall]]] = [
            ("authlib", lambda s: _authlib(server, client_id, secret, s)),
            ("msal", lambda s: _msal(front, client_id, secret, s)),
            ("azure-identity", lambda s: _azure_identity(front, client_id, secret, s)),
            ("httpx-auth", lambda s: _httpx_auth(server, client_id, secret, s)),
        ]
        calls: list[CachedCall | Unavailable] = []
        for distribution, setup in setups:
            try:
                calls.append(setup(stack))
            except Exception as exc:  # reported in the table, with the reason, instead of a number
                calls.append(Unavailable(_label(distribution), f"{type(exc).__name__}: {exc}"))
        yield calls
