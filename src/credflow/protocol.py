"""The client credentials grant as pure functions: build the request, parse the answer.

RFC 6749 §4.4 (request), §5.1 (success), §5.2 (error), §2.3.1 (client
authentication), RFC 8707 (resource), RFC 8414 (metadata). No I/O here: the
transport sends what `build_token_request` returns and hands the raw answer to
`parse_token_response`.
"""

from __future__ import annotations

import base64
import json
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlsplit

from .config._client import ClientConfig
from .errors import ConfigError, OAuthError, TokenResponseError
from .secret._value import SecretValue
from .token import Token

if TYPE_CHECKING:
    # Annotations only: a secret method's request (a warm CLI's cache key) needs no client_auth code.
    from .client_auth._methods import ClientAuthentication, ClientCertificate

__all__ = [
    "RawResponse",
    "TokenRequest",
    "TokenResponse",
    "build_token_request",
    "metadata_urls",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "parse_server_metadata",
    "parse_token_response",
    "ratelimit_remaining",
    "server_text",
]

# How much of a text the server chose (error_description, odd field values) reaches an
# error message or an audit line: enough to read, not enough to flood a log.
SERVER_TEXT_LIMIT = 300
# Control, format (bidi overrides), line and paragraph separator characters: shown escaped,
# so that a server cannot forge log lines (CR, LF), colour a terminal (ANSI ESC) or reorder text.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escaped(character: str) -> str:
    if unicodedata.category(character) not in _UNSAFE_CATEGORIES:
        return character
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def server_text(value: str, limit: int = SERVER_TEXT_LIMIT) -> str:
    """`value` as it may be shown: control characters escaped, cut to `limit` characters.

    Everything the token endpoint says that ends up in an exception or an
    audit line goes through here once, when the answer is parsed.
    """
    shown = "".join(map(_escaped, value[:limit]))
    if len(value) > limit or len(shown) > limit:
        return f"{shown[:limit]}… [cut, {len(value)} characters in all]"
    return shown


def _shown(value: object) -> str:
    """A field value of any JSON type for a message: its repr, made safe and cut."""
    return server_text(repr(value))


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """An HTTP POST to the token endpoint. Its `repr` hides headers and form (they hold the secret)."""

    url: str
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    form: tuple[tuple[str, str], ...] = field(repr=False)
    # RFC 8705: the certificate the transport presents (tls_client_auth, self_signed_tls_client_auth).
    client_certificate: ClientCertificate | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RawResponse:
    """What the transport got back: status, headers (lower-cased names) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A parsed successful token response."""

    token: Token
    lifetime_defaulted: bool


def _basic_credentials(client_id: str, secret: str, encoding: str) -> str:
    if encoding == "form-urlencoded":
        # RFC 6749 §2.3.1: both are application/x-www-form-urlencoded before base64.
        client_id, secret = quote_plus(client_id), quote_plus(secret)
    elif ":" in client_id:
        raise ConfigError(
            "client_id: a client id containing ':' cannot be sent raw in HTTP Basic; "
            "set basic_auth_encoding = 'form-urlencoded'"
        )
    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def build_token_request(
    config: ClientConfig,
    secret: SecretValue,
    token_endpoint: str,
    client_auth: ClientAuthentication | None = None,
) -> TokenRequest:
    """Build the client-credentials token request for `config` with `secret`.

    `client_auth` is what a method other than the secret ones adds (from
    `client_auth.ClientAuthenticator`); without it `secret` is the client secret.
    """
    form: list[tuple[str, str]] = [("grant_type", "client_credentials")]
    if config.scopes:
        form.append(("scope", " ".join(config.scopes)))
    if config.audience is not None:
        form.append(("audience", config.audience))
    form.extend(("resource", resource) for resource in config.resource)
    form.extend(config.extra_params.items())
    headers = [("Accept", "application/json")]
    if client_auth is not None:
        form.extend(client_auth.form)
        return TokenRequest(
            url=token_endpoint,
            headers=tuple(headers),
            form=tuple(form),
            client_certificate=client_auth.client_certificate,
        )
    if config.auth_method == "client_secret_basic":
        headers.append(
            (
                "Authorization",
                _basic_credentials(config.client_id, secret.reveal(), config.basic_auth_encoding),
            )
        )
    else:
        form.extend([("client_id", config.client_id), ("client_secret", secret.reveal())])
    return TokenRequest(url=token_endpoint, headers=tuple(headers), form=tuple(form))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    # RFC 9110 delay-seconds is ASCII digits; str.isdigit() also takes "²", which float() refuses.
    if value.isascii() and value.isdigit():
        return float(value)
    # Imported here: the email package costs milliseconds a warm `credflow token` never needs.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# Headers in which providers say how many requests are left: the common de-facto header (Auth0's
# Management API, GitHub), Okta's spelling, the IETF draft's, and Auth0's per-client quota of the
# Authentication API ("b=per_hour;q=100;r=99;t=3600", several buckets separated by commas).
_REMAINING_HEADERS = ("x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining")
_QUOTA_HEADERS = ("auth0-client-quota-limit", "auth0-organization-quota-limit")


def ratelimit_remaining(headers: Mapping[str, str]) -> int | None:
    """The fewest requests left that a response's rate-limit or quota headers announce, or None.

    `headers` has lower-cased names. Unreadable values are ignored.
    """
    found: list[int] = []
    for name in _REMAINING_HEADERS:
        value = headers.get(name, "").strip()
        if value.isdigit():
            found.append(int(value))
    for name in _QUOTA_HEADERS:
        for bucket in headers.get(name, "").split(","):
            for item in bucket.split(";"):
                key, _, value = item.strip().partition("=")
                if key == "r" and value.strip().isdigit():
                    found.append(int(value.strip()))
    return min(found) if found else None


def parse_rate_limit_reset(value: str | None, now: datetime) -> float | None:
    """Seconds until an `X-Rate-Limit-Reset` / `x-ratelimit-reset` time (UTC epoch seconds), or None.

    Okta answers 429 with this header and no `Retry-After`
    (developer.okta.com/docs/reference/rl-best-practices: "the time at which the
    rate limit resets, specified in UTC epoch time (in seconds)"); Auth0's
    `x-ratelimit-reset` is a UNIX time too. A value that is not a plausible epoch
    time (a delta, milliseconds) is ignored rather than guessed at.
    """
    if value is None or not value.strip().isdigit():
        return None
    reset = float(value.strip())
    if not 1e9 <= reset < 1e11:
        return None
    return max(0.0, reset - now.timestamp())


def _describe(response: RawResponse) -> str:
    content_type = server_text(response.headers.get("content-type", "no content type"), 100)
    return f"HTTP {response.status}, {content_type}, {len(response.body)} bytes"


def _json_object(endpoint: str, response: RawResponse) -> dict[str, Any]:
    try:
        document = json.loads(response.body)
    except UnicodeDecodeError:
        raise TokenResponseError(
            f"token endpoint {endpoint} answered with a body that is not UTF-8 ({_describe(response)})",
            endpoint=endpoint,
            status=response.status,
        ) from None
    except json.JSONDecodeError as exc:
        stripped = response.body.lstrip()
        if stripped.startswith((b"{", b"[")):
            what = f"truncated or malformed JSON ({exc.msg} at character {exc.pos})"
        elif stripped[:1] == b"<":
            what = "an HTML page, not JSON (is token_endpoint the right URL?)"
        elif not stripped:
            what = "an empty body"
        else:
            what = "a body that is not JSON"
        raise TokenResponseError(
            f"token endpoint {endpoint} answered with {what} ({_describe(response)})",
            endpoint=endpoint,
            status=response.status,
        ) from None
    if not isinstance(document, dict):
        raise TokenResponseError(
            f"token endpoint {endpoint} answered with a JSON {type(document).__name__}, "
            f"expected an object ({_describe(response)})",
            endpoint=endpoint,
            status=response.status,
        )
    return document


def _optional_str(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) else None


def _seconds_field(endpoint: str, document: Mapping[str, Any], name: str, status: int) -> float | None:
    value = document.get(name)
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise TokenResponseError(
            f"token endpoint {endpoint} returned {name}={_shown(value)}, expected a number of seconds",
            endpoint=endpoint,
            status=status,
        )
    return number


def parse_token_response(
    response: RawResponse,
    *,
    endpoint: str,
    issued_at: datetime,
    expected_token_type: str = "Bearer",
    default_lifetime: float = 3600.0,
    max_lifetime: float = 400 * 86400.0,
) -> TokenResponse:
    """Parse a token endpoint answer into a `TokenResponse`, or raise.

    A non-2xx answer with an RFC 6749 §5.2 body raises `OAuthError`; anything
    else malformed raises `TokenResponseError` naming the endpoint and the
    fault. `issued_at` is when the request was sent (an aware datetime).
    """
    if not 200 <= response.status < 300:
        raise _error_from(response, endpoint)
    document = _json_object(endpoint, response)
    if document.get("error") is not None:
        # RFC 6749 §5.2: `error` is the server saying the request failed. A server that sends it
        # beside an access_token is broken, and a token it calls an error is of unknown validity.
        raise _oauth_error(document, response, endpoint)
    access_token = document.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TokenResponseError(
            f"token endpoint {endpoint} answered without an access_token ({_describe(response)})",
            endpoint=endpoint,
            status=response.status,
        )
    token_type = document.get("token_type")
    if not isinstance(token_type, str) or not token_type:
        raise TokenResponseError(
            f"token endpoint {endpoint} answered without a token_type",
            endpoint=endpoint,
            status=response.status,
        )
    if token_type.lower() != expected_token_type.lower():
        raise TokenResponseError(
            f"token endpoint {endpoint} issued a token of type {_shown(token_type)}, expected "
            f"{expected_token_type!r} (set token_type in the client config if this is intended)",
            endpoint=endpoint,
            status=response.status,
        )
    expires_in = _seconds_field(endpoint, document, "expires_in", response.status)
    defaulted = expires_in is None
    lifetime = default_lifetime if expires_in is None else expires_in
    if lifetime <= 0:
        raise TokenResponseError(
            f"token endpoint {endpoint} returned expires_in={_shown(document.get('expires_in'))}: "
            "a token must live a positive number of seconds",
            endpoint=endpoint,
            status=response.status,
        )
    if lifetime > max_lifetime:
        raise TokenResponseError(
            f"token endpoint {endpoint} returned an absurd expires_in={_shown(document.get('expires_in'))} "
            f"(more than max_lifetime={max_lifetime:g} seconds)",
            endpoint=endpoint,
            status=response.status,
        )
    refresh_in = _seconds_field(endpoint, document, "refresh_in", response.status)
    refresh_at = None
    if refresh_in is not None and 0 < refresh_in < lifetime:
        refresh_at = issued_at + timedelta(seconds=refresh_in)
    token = Token(
        access_token=access_token,
        token_type=token_type,
        issued_at=issued_at,
        expires_at=issued_at + timedelta(seconds=lifetime),
        scope=_optional_str(document, "scope"),
        refresh_at=refresh_at,
    )
    return TokenResponse(token=token, lifetime_defaulted=defaulted)


def _error_from(response: RawResponse, endpoint: str) -> OAuthError | TokenResponseError:
    try:
        document = _json_object(endpoint, response)
    except TokenResponseError as exc:
        return TokenResponseError(
            f"token endpoint {endpoint} answered HTTP {response.status} without an OAuth2 error body: "
            + str(exc).split(" answered with ", 1)[-1],
            endpoint=endpoint,
            status=response.status,
        )
    return _oauth_error(document, response, endpoint)


def _oauth_error(
    document: Mapping[str, Any], response: RawResponse, endpoint: str
) -> OAuthError | TokenResponseError:
    """The RFC 6749 §5.2 error in `document`; its text made safe to show, once, here."""
    error = document.get("error")
    if not isinstance(error, str) or not error:
        what = "no 'error' field" if error is None else f"an 'error' field that is {_shown(error)}"
        return TokenResponseError(
            f"token endpoint {endpoint} answered HTTP {response.status} with JSON that has {what}",
            endpoint=endpoint,
            status=response.status,
        )
    description = _optional_str(document, "error_description")
    uri = _optional_str(document, "error_uri")
    return OAuthError(
        endpoint=endpoint,
        status=response.status,
        error=server_text(error),
        error_description=None if description is None else server_text(description),
        error_uri=None if uri is None else server_text(uri),
    )


def metadata_urls(issuer: str) -> tuple[str, ...]:
    """The discovery URLs of `issuer`, in the order to try them.

    RFC 8414 §3.1 inserts `/.well-known/oauth-authorization-server` between the
    host and the issuer's path, so that form comes first for an issuer with a
    path (django-oauth-toolkit publishes only there); then the forms appended
    to the issuer that many servers use, RFC 8414's and OpenID Connect's.
    """
    base = issuer.rstrip("/")
    parts = urlsplit(base)
    appended = (f"{base}/.well-known/oauth-authorization-server", f"{base}/.well-known/openid-configuration")
    if not parts.path:
        return appended
    origin = f"{parts.scheme}://{parts.netloc}"
    return (f"{origin}/.well-known/oauth-authorization-server{parts.path}", *appended)


def parse_server_metadata(response: RawResponse, *, url: str, issuer: str) -> dict[str, Any]:
    """Parse authorization server metadata; it must name a token endpoint."""
    if response.status != 200:
        raise TokenResponseError(
            f"discovery document {url} answered HTTP {response.status}", endpoint=url, status=response.status
        )
    document = _json_object(url, response)
    if not isinstance(document.get("token_endpoint"), str):
        raise TokenResponseError(
            f"discovery document {url} of issuer {issuer} names no token_endpoint", endpoint=url, status=200
        )
    return document
