"""`credflow check`: walk every step from configuration to token, saying what to fix.

The steps, in order: the configuration is valid; a plugin serves each secret
reference; the secret is readable (shown only as a fingerprint); the token
endpoint answers over TLS (or plain http on loopback); a token is issued with
the scopes asked for. The first failing step gets a fix; the steps after it
are not run. Nothing here prints or returns a secret or a token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote_plus, unquote_plus, urlsplit

import httpx

from .. import providers
from .._security import is_loopback_host, tls_context
from ..config._client import ClientConfig
from ..config._file import CredflowConfig, load_config
from ..engine._acquisition import discover_token_endpoint, discovered_endpoint
from ..errors import (
    ConfigError,
    CredentialsRejectedError,
    CredflowError,
    ExcessScopesError,
    OAuthError,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretSourceError,
    SecretSourceUnavailableError,
    TokenEndpointError,
)
from ..plugins._host import PluginHost
from ..protocol import RawResponse
from ..secret._reference import SecretReference
from ..secret._value import SecretValue
from ._client_auth_check import clock_skew, explain_refusal

__all__ = ["CLIENT_STEPS", "CheckResult", "ClientReport", "Diagnosis", "diagnose"]

Status = Literal["ok", "failed", "not run"]

CONFIG_STEP = "config valid"
CLIENT_STEPS = ("secret source installed", "secret readable", "token endpoint reachable", "token issued")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one step: what was seen, and on failure the fix and the error."""

    step: str
    status: Status
    detail: str = ""
    fix: str | None = None
    error: BaseException | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ClientReport:
    """The steps of one client."""

    name: str
    client_id: str
    results: tuple[CheckResult, ...]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The whole check: the configuration step, then each client's steps."""

    config: CheckResult
    clients: tuple[ClientReport, ...]
    telemetry: str = ""  # whether telemetry is on, and what each telemetry plugin records into

    @property
    def first_failure(self) -> CheckResult | None:
        """The first failed step, if any."""
        results = [self.config, *(result for report in self.clients for result in report.results)]
        return next((result for result in results if result.status == "failed"), None)


class _StepFailed(Exception):
    def __init__(self, detail: str, fix: str, error: BaseException) -> None:
        super().__init__(detail)
        self.detail, self.fix, self.error = detail, fix, error


def diagnose(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    client: str | None = None,
) -> Diagnosis:
    """Check the configuration, then `client` (every client when `None`)."""
    try:
        config = load_config(path, env=env)
        names = [config.client_name(client)] if client is not None or len(config.clients) <= 1 else None
        names = names or sorted(config.clients)
    except CredflowError as exc:
        fix = "correct the setting named above, then run credflow check again"
        return Diagnosis(CheckResult(CONFIG_STEP, "failed", str(exc), fix, exc), ())
    count = len(config.clients)
    where = str(config.path) if config.path is not None else "environment variables"
    detail = f"{where}: {count} client{'s' if count != 1 else ''} ({', '.join(sorted(config.clients))})"
    reports = tuple(_check_client(config, name) for name in names)
    return Diagnosis(CheckResult(CONFIG_STEP, "ok", detail), reports, _telemetry(config))


def _telemetry(config: CredflowConfig) -> str:
    described = config.plugin_host().describe_telemetry()
    if not described:
        return "off: no telemetry plugin installed (pip install 'credflow[otel]' for OpenTelemetry)"
    if not config.telemetry.enabled:
        return f"off ([telemetry] enabled = false); installed: {'; '.join(described)}"
    return f"on; {'; '.join(described)}"


def _check_client(config: CredflowConfig, name: str) -> ClientReport:
    client = config.clients[name]
    host = config.plugin_host()
    steps: tuple[Callable[[], str], ...] = (
        lambda: _plugins_installed(client, host),
        lambda: _secret_readable(client, host),
        lambda: _endpoint_reachable(client),
        lambda: _token_issued(config, name),
    )
    results: list[CheckResult] = []
    failed = False
    for step, run in zip(CLIENT_STEPS, steps, strict=True):
        if failed:
            results.append(CheckResult(step, "not run", "not checked"))
            continue
        try:
            results.append(CheckResult(step, "ok", run()))
        except _StepFailed as exc:
            results.append(CheckResult(step, "failed", exc.detail, exc.fix, exc.error))
            failed = True
    return ClientReport(name, client.client_id, tuple(results))


def _provider(host: PluginHost, kind: str, name: str) -> str:
    for registration in host.registrations:
        if registration.kind == kind and registration.name == name:
            if registration.distribution is None:
                return f"{registration.plugin} (built in)"
            return f"{registration.distribution} {registration.version}"
    return "?"


def _references(client: ClientConfig) -> list[SecretReference]:
    fallbacks = [SecretReference.parse(text) for text in client.rotation.fallback_secrets]
    companion = [] if client.companion_reference is None else [client.companion_reference]
    return [client.secret_reference, *companion, *fallbacks]


def _plugins_installed(client: ClientConfig, host: PluginHost) -> str:
    # load_config already refused unserved schemes; this step says who serves them.
    schemes = dict.fromkeys(reference.scheme for reference in _references(client))
    served = [f"{scheme}: by {_provider(host, 'secret-source', scheme)}" for scheme in schemes]
    backend = client.cache.backend
    served.append(f"token cache {backend} by {_provider(host, 'token-cache', backend)}")
    return "; ".join(served)


def _secret_readable(client: ClientConfig, host: PluginHost) -> str:
    shown = []
    for reference in _references(client):
        try:
            value = host.resolve_secret(reference, fresh=True, bound=client.retry.deadline + client.timeout)
        except SecretSourceError as exc:
            raise _StepFailed(str(exc), _secret_fix(reference, exc), exc) from None
        except CredflowError as exc:  # a source refusing its [sources.<scheme>] settings
            raise _StepFailed(str(exc), f"correct [sources.{reference.scheme}]", exc) from None
        version = f", version {value.version}" if value.version else ""
        shown.append(f"{reference} (fingerprint {value.fingerprint}{version})")
    return "; ".join(shown)


def _secret_fix(reference: SecretReference, error: SecretSourceError) -> str:
    if isinstance(error, SecretNotFoundError) and reference.scheme == "env" and reference.key is None:
        return (
            f"set the environment variable {reference.body} to the client secret "
            f"(export {reference.body}=...), or point client_secret at where the secret is kept"
        )
    if isinstance(error, SecretNotFoundError) and reference.scheme == "file":
        return (
            f"put the client secret in {reference.body} (readable only by this user), "
            "or fix the path in client_secret"
        )
    if isinstance(error, SecretNotFoundError):
        return f"create the secret (or the key) that {reference} names, or fix the reference"
    if isinstance(error, SecretAccessDeniedError):
        return f"give the identity credflow runs as read access to {reference}"
    if isinstance(error, SecretSourceUnavailableError):
        return (
            f"check that the {reference.scheme} secret manager is reachable from here "
            f"and its address in [sources.{reference.scheme}]"
        )
    return f"make {reference} name a readable, non-empty secret"


def _endpoint_reachable(client: ClientConfig) -> str:
    with httpx.Client(timeout=client.timeout, verify=tls_context(client.ca_bundle)) as http:
        endpoint, discovered = client.token_endpoint, ""
        if endpoint is None:
            assert client.issuer is not None
            endpoint = _discover(http, client)
            discovered = f" (discovered from {client.issuer})"
        try:
            response = http.get(endpoint)
        except httpx.TransportError as exc:
            raise _StepFailed(
                f"{endpoint}: {type(exc).__name__}: {exc}", _network_fix(endpoint, exc, client), exc
            ) from None
        over = _transport_security(response)
    return f"{_profile_line(client)}{endpoint} answered HTTP {response.status_code} {over}{discovered}"


def _profile_line(client: ClientConfig) -> str:
    """Provider-aware checks: which profile, and what it derived (explicit settings win)."""
    profile = providers.profile_of(client)
    if profile is None:
        return ""
    derived = profile.derive(client)
    overridden = " (token_endpoint overrides it)" if client.token_endpoint != derived.token_endpoint else ""
    return (
        f"provider {profile.name} ({profile.title}): derived token endpoint {derived.token_endpoint}"
        f"{overridden}, issuer {derived.issuer}, discovery {derived.discovery_url}; "
    )


def _discover(http: httpx.Client, client: ClientConfig) -> str:
    # The engine's own discovery, so `check` passes exactly when `get_token()` would.
    flow = discover_token_endpoint(client)
    fix = "check the issuer URL, or set token_endpoint instead"
    try:
        effect = next(flow)
        while True:
            try:
                response = http.get(effect.url, headers={"Accept": "application/json"})
            except httpx.TransportError as exc:
                raise _StepFailed(
                    f"{effect.url}: {type(exc).__name__}: {exc}", _network_fix(effect.url, exc, None), exc
                ) from None
            effect = flow.send(RawResponse(response.status_code, dict(response.headers), response.content))
    except StopIteration as done:
        return discovered_endpoint(client, done.value)
    except CredflowError as exc:
        raise _StepFailed(str(exc), fix, exc) from None


def _transport_security(response: httpx.Response) -> str:
    if response.url.scheme == "http":
        host = response.url.host
        return "over plain http on loopback" if is_loopback_host(host) else "over plain http (INSECURE)"
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    version = ssl_object.version() if ssl_object is not None else None
    return f"over {version}" if version else "over TLS"


def _network_fix(url: str, error: httpx.TransportError, client: ClientConfig | None) -> str:
    parts = urlsplit(url)
    if "CERTIFICATE_VERIFY_FAILED" in str(error):
        return (
            "the server's certificate is not trusted: for a private CA set ca_bundle = "
            "'/path/to/ca.pem' on this client (verification cannot be turned off)"
        )
    if isinstance(error, httpx.TimeoutException):
        limit = f" within timeout = {client.timeout:g} s" if client is not None else ""
        return f"{parts.hostname} did not answer{limit}: check proxies and firewalls, or raise timeout"
    return (
        f"nothing answers at {parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}: "
        "check the URL, DNS, proxies and firewalls, and that the server is running"
    )


def _token_issued(config: CredflowConfig, name: str) -> str:
    client = config.clients[name]
    with config.engine(name) as engine:
        try:
            token = engine.get_token()
        except CredentialsRejectedError as exc:
            fix = (
                exc.hint
                or _encoding_fix(config, client)
                or _client_auth_fix(config, client, exc)
                or (
                    f"the authorization server does not accept client_id {client.client_id!r} with the "
                    f"secret from {client.client_secret}: update the secret in its source, or at the server"
                )
            )
            raise _StepFailed(str(exc), fix, exc) from None
        except OAuthError as exc:
            raise _StepFailed(str(exc), exc.hint or _oauth_fix(exc, client), exc) from None
        except ExcessScopesError as exc:
            where = providers.profile_of(client)
            fix = (
                f"remove {' '.join(exc.extra_scopes)} at "
                f"{where.scopes_granted_at if where else 'the authorization server'}, "
                "or add them to scopes, or set strict_scopes = false"
            )
            raise _StepFailed(str(exc), fix, exc) from None
        except (TokenEndpointError, ConfigError) as exc:
            raise _StepFailed(
                str(exc), "see the error above; credflow retried transient failures", exc
            ) from None
    # RFC 6749 §5.1: a response without `scope` grants exactly the scopes requested.
    granted = token.scope.split() if token.scope is not None else list(client.scopes)
    missing = [scope for scope in client.scopes if scope not in granted]
    remaining = int((token.expires_at - datetime.now(UTC)).total_seconds())
    if missing:
        endpoint = client.token_endpoint or client.issuer or ""
        error = TokenEndpointError(f"the token lacks scope {' '.join(missing)}", endpoint=endpoint)
        fix = (
            f"ask for {' '.join(missing)} to be granted to client {client.client_id!r} at the "
            "authorization server, or remove it from scopes"
        )
        raise _StepFailed(f"granted scope {' '.join(granted) or '(none)'}; {error}", fix, error)
    scope = f"scope {' '.join(granted)}" if granted else "no scope requested"
    broader = providers.compare_scopes(client, token)
    wider = f"; LEAST PRIVILEGE: {broader.describe(client.client_id)}" if broader is not None else ""
    return f"{scope}; expires in {remaining} s (token fingerprint {token.fingerprint}){wider}"


def _encoding_fix(config: CredflowConfig, client: ClientConfig) -> str | None:
    """With HTTP Basic and a secret the two encodings send differently, the likely culprit is the encoding.

    Servers disagree on RFC 6749 §2.3.1: most (django-oauth-toolkit, Authlib) form-decode the
    Basic credentials, some do not. The fix names the setting, never the secret or a part of it.
    """
    if client.auth_method != "client_secret_basic":
        return None
    try:
        secret = config.plugin_host().resolve_secret(client.secret_reference, fresh=False)
    except CredflowError:
        return None
    sent = (client.client_id, secret.reveal())
    if client.basic_auth_encoding == "raw":
        # Sent as is to a server that form-decodes: '%' and '+' arrive changed.
        changed, which, other = any(unquote_plus(text) != text for text in sent), "% or +", "form-urlencoded"
    else:
        # Sent encoded to a server that does not decode: anything quote_plus changes arrives changed.
        changed, which, other = (
            any(quote_plus(text) != text for text in sent),
            "such as % + / = or a space",
            "raw",
        )
    if not changed:
        return None
    return (
        f"the client id or the secret from {client.client_secret} contains characters ({which}) that "
        f"this server likely decodes differently in HTTP Basic credentials than basic_auth_encoding = "
        f"'{client.basic_auth_encoding}' sends them: set basic_auth_encoding = '{other}' on this client "
        "(if it is still rejected, update the secret in its source, or at the server)"
    )


def _client_auth_fix(
    config: CredflowConfig, client: ClientConfig, error: CredentialsRejectedError
) -> str | None:
    """Why a key, an assertion or a certificate was refused (client_auth_check); None for secrets."""
    if client.auth_method in ("client_secret_basic", "client_secret_post"):
        return None
    host = config.plugin_host()

    def read(reference: SecretReference | None) -> SecretValue | None:
        if reference is None:
            return None
        try:
            return host.resolve_secret(reference, fresh=False)
        except CredflowError:
            return None

    skew = None
    try:
        with httpx.Client(timeout=client.timeout, verify=tls_context(client.ca_bundle)) as http:
            skew = clock_skew(http.get(error.endpoint).headers.get("date"), datetime.now(UTC))
    except httpx.HTTPError:
        pass  # the skew is left unmeasured; the explanation says so
    return explain_refusal(
        client,
        error,
        credential=read(client.secret_reference),
        certificate=read(client.companion_reference),
        skew=skew,
        token_endpoint=error.endpoint,
    )


def _oauth_fix(error: OAuthError, client: ClientConfig) -> str:
    if error.error == "invalid_scope":
        return f"ask for the scopes {' '.join(client.scopes)} to be allowed for this client, or change scopes"
    if error.error in ("unauthorized_client", "unsupported_grant_type"):
        return (
            f"allow the client_credentials grant for client {client.client_id!r} at the authorization server"
        )
    return "see the server's error above"
