"""The fault matrix: every way a token endpoint misbehaves, and what credflow must do about it.

One `Fault` per row. `tests/faults/test_fault_matrix.py` runs each row against
a `FaultServer` on a real socket (sync and async) and `python -m tests.faults.table`
writes the same rows into `docs/reliability.md`, so the page cannot claim what
the suite does not check.

Every row runs with `SETTINGS`: `attempts` tries within `deadline` seconds,
each HTTP call bounded by `timeout` seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Literal

from credflow.errors import (
    CredentialsRejectedError,
    CredflowError,
    OAuthError,
    RetriesExhaustedError,
    TokenEndpointError,
    TokenResponseError,
)

from .server import Answer, Close, Dribble, Hang, Reset, Send, http_response

__all__ = ["FAULTS", "SETTINGS", "TOKEN", "TOKEN_VALUE", "Fault", "MatrixSettings"]

# Long and random-looking so that the leak scan can spot it anywhere (tests/leakcheck.py).
TOKEN_VALUE = "matrix-access-token-Zq81vXw3RkPb0Lm7TyHd"


@dataclass(frozen=True, slots=True)
class MatrixSettings:
    """The client settings every row runs with."""

    attempts: int = 3
    deadline: float = 2.0
    timeout: float = 0.5
    initial_backoff: float = 0.05
    max_backoff: float = 0.1


SETTINGS = MatrixSettings()

TlsKind = Literal["trusted", "untrusted", "expired", "wrong-host"]
# A script gets the URL of a second server ("elsewhere"), the target of redirects.
Script = Callable[[str], Sequence[Answer]]


@dataclass(frozen=True, slots=True)
class Fault:
    """One row: the endpoint's behaviour, the outcome (None: a token) and the tries it costs."""

    name: str
    description: str
    script: Script
    outcome: type[CredflowError] | None
    attempts: int
    says: str | None = None
    tls: TlsKind | None = None
    listening: bool = True


def _token_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": TOKEN_VALUE, "token_type": "Bearer", "expires_in": 60}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not _ABSENT}


_ABSENT: Any = object()


def _json(status: int, document: Any, *, headers: Sequence[tuple[str, str]] = ()) -> bytes:
    return http_response(status, json.dumps(document).encode(), headers=headers)


def _ok(**overrides: Any) -> bytes:
    return _json(200, _token_body(**overrides))


def _raw_ok(body: bytes, content_type: str | None = "application/json") -> bytes:
    return http_response(200, body, content_type=content_type)


TOKEN = Send(_ok())
_HTML = b"<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>"
_TOKEN_BYTES = json.dumps(_token_body()).encode()


def _always(answer: Answer) -> Script:
    return lambda elsewhere: (answer,)


def _then_token(*answers: Answer) -> Script:
    return lambda elsewhere: (*answers, TOKEN)


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


def _redirect(status: int) -> Script:
    return lambda elsewhere: (
        Send(http_response(status, b"", content_type=None, headers=[("Location", elsewhere)])),
    )


def _field(name: str, description: str, says: str, **overrides: Any) -> Fault:
    return Fault(name, description, _always(Send(_ok(**overrides))), TokenResponseError, 1, says)


FAULTS: tuple[Fault, ...] = (
    # --- the connection --------------------------------------------------
    Fault(
        "refused",
        "nothing listens on the port: every connection is refused",
        _always(Close()),
        RetriesExhaustedError,
        3,
        "ConnectError",
        listening=False,
    ),
    Fault(
        "never-answers",
        "accepts the connection, reads the request, says nothing",
        _always(Hang()),
        RetriesExhaustedError,
        3,
        "timed out",
    ),
    Fault(
        "closes-without-answer",
        "reads the request and closes the connection",
        _always(Close()),
        RetriesExhaustedError,
        3,
        "RemoteProtocolError",
    ),
    Fault(
        "reset-mid-body",
        "sends the head and 10 bytes of the body, then resets the connection",
        _always(Reset(http_response(200, b"", content_length=len(_TOKEN_BYTES)) + _TOKEN_BYTES[:10])),
        RetriesExhaustedError,
        3,
        "failed",
    ),
    Fault(
        "not-http",
        "answers with a line that is not HTTP (an SSH banner)",
        _always(Send(b"SSH-2.0-OpenSSH_9.6\r\n")),
        RetriesExhaustedError,
        3,
        "RemoteProtocolError",
    ),
    Fault(
        "byte-by-byte",
        "a valid token answer, one byte every half millisecond",
        _always(Dribble(_ok(), 0.0005)),
        None,
        1,
    ),
    Fault(
        "byte-by-byte-forever",
        "a head, then a 4 KiB body one byte every 50 ms: each byte within the read timeout, "
        "the whole far beyond the deadline",
        _always(
            Dribble(http_response(200, b" " * 4096 + _TOKEN_BYTES), 0.05),
        ),
        RetriesExhaustedError,
        3,
        "timed out",
    ),
    # --- HTTP statuses ---------------------------------------------------
    Fault(
        "http-500",
        "HTTP 500 with an OAuth error body, every time",
        _always(Send(_json(500, {"error": "server_error"}))),
        RetriesExhaustedError,
        3,
        "HTTP 500",
    ),
    Fault(
        "http-502-html",
        "HTTP 502 with a proxy's HTML page, every time",
        _always(Send(http_response(502, _HTML, content_type="text/html"))),
        RetriesExhaustedError,
        3,
        "HTTP 502",
    ),
    Fault(
        "http-503-then-token",
        "HTTP 503 once, then a token",
        _then_token(Send(_json(503, {"error": "temporarily_unavailable"}))),
        None,
        2,
    ),
    Fault(
        "retry-after-seconds",
        "HTTP 429 with `Retry-After: 1`, then a token",
        _then_token(Send(_json(429, {"error": "slow_down"}, headers=[("Retry-After", "1")]))),
        None,
        2,
    ),
    Fault(
        "retry-after-http-date",
        "HTTP 503 with `Retry-After` as an HTTP date one second ahead, then a token",
        lambda elsewhere: (
            Send(_json(503, {"error": "temporarily_unavailable"}, headers=[("Retry-After", _http_date(1))])),
            TOKEN,
        ),
        None,
        2,
    ),
    Fault(
        "retry-after-beyond-deadline",
        "HTTP 429 with `Retry-After: 3600`, every time: the wait is cut to the deadline",
        _always(Send(_json(429, {"error": "slow_down"}, headers=[("Retry-After", "3600")]))),
        RetriesExhaustedError,
        2,
        "HTTP 429",
    ),
    Fault(
        "retry-after-garbage",
        "HTTP 503 with `Retry-After: soon` (ignored: the backoff applies), then a token",
        _then_token(
            Send(_json(503, {"error": "temporarily_unavailable"}, headers=[("Retry-After", "soon")]))
        ),
        None,
        2,
    ),
    Fault(
        "http-400-invalid-scope",
        "HTTP 400 `invalid_scope`",
        _always(Send(_json(400, {"error": "invalid_scope", "error_description": "unknown scope"}))),
        OAuthError,
        1,
        "invalid_scope",
    ),
    Fault(
        "http-401-invalid-client",
        "HTTP 401 `invalid_client` (the secret, re-read, is unchanged: no second request)",
        _always(Send(_json(401, {"error": "invalid_client"}))),
        CredentialsRejectedError,
        1,
        "invalid_client",
    ),
    Fault(
        "http-400-html",
        "HTTP 400 with an HTML page",
        _always(Send(http_response(400, _HTML, content_type="text/html"))),
        TokenResponseError,
        1,
        "HTML",
    ),
    # --- redirects -------------------------------------------------------
    Fault(
        "redirect-307",
        "HTTP 307 to another server (which would issue a token): not followed",
        _redirect(307),
        TokenResponseError,
        1,
        "HTTP 307",
    ),
    Fault(
        "redirect-302",
        "HTTP 302 to another server: not followed",
        _redirect(302),
        TokenResponseError,
        1,
        "HTTP 302",
    ),
    Fault(
        "redirect-308",
        "HTTP 308 to another server: not followed",
        _redirect(308),
        TokenResponseError,
        1,
        "HTTP 308",
    ),
    # --- the body of a 200 -----------------------------------------------
    Fault(
        "html-200",
        "HTTP 200 with an HTML login page",
        _always(Send(_raw_ok(_HTML, "text/html"))),
        TokenResponseError,
        1,
        "HTML",
    ),
    Fault("empty-200", "HTTP 200, empty body", _always(Send(_raw_ok(b""))), TokenResponseError, 1, "empty"),
    Fault(
        "truncated-json",
        "HTTP 200, the JSON cut in the middle (Content-Length matches the cut body)",
        _always(Send(_raw_ok(_TOKEN_BYTES[:25]))),
        TokenResponseError,
        1,
        "truncated",
    ),
    Fault(
        "non-utf8-json",
        "HTTP 200, JSON in Latin-1 with a non-ASCII character",
        _always(Send(_raw_ok('{"access_token": "caf\u00e9", "token_type": "Bearer"}'.encode("latin-1")))),
        TokenResponseError,
        1,
        "UTF-8",
    ),
    Fault(
        "json-array",
        "HTTP 200, a JSON array",
        _always(Send(_raw_ok(b"[]"))),
        TokenResponseError,
        1,
        "JSON list",
    ),
    Fault(
        "huge-body",
        "HTTP 200, a 2 MiB body (a token response is a few kilobytes)",
        _always(Send(_raw_ok(b"[" + b" " * (2 << 20) + b"]"))),
        TokenResponseError,
        1,
        "over 1024 KiB",
    ),
    _field("missing-access-token", "no `access_token`", "access_token", access_token=_ABSENT),
    _field("empty-access-token", '`"access_token": ""`', "access_token", access_token=""),
    _field("access-token-number", '`"access_token": 12345`', "access_token", access_token=12345),
    _field("access-token-null", '`"access_token": null`', "access_token", access_token=None),
    _field("access-token-object", '`"access_token": {"value": …}`', "access_token", access_token={"v": 1}),
    _field("missing-token-type", "no `token_type`", "token_type", token_type=_ABSENT),
    _field("token-type-mac", '`"token_type": "mac"`', "'mac'", token_type="mac"),
    _field("token-type-number", '`"token_type": 1`', "token_type", token_type=1),
    _field("expires-in-negative", '`"expires_in": -60`', "expires_in", expires_in=-60),
    _field("expires-in-zero", '`"expires_in": 0`', "expires_in", expires_in=0),
    _field("expires-in-word", '`"expires_in": "soon"`', "expires_in", expires_in="soon"),
    _field("expires-in-huge", '`"expires_in": 10**12` (beyond `max_lifetime`)', "absurd", expires_in=10**12),
    _field("expires-in-bool", '`"expires_in": true`', "expires_in", expires_in=True),
    _field("expires-in-string-1e999", '`"expires_in": "1e999"` (infinite)', "expires_in", expires_in="1e999"),
    Fault(
        "expires-in-number-1e999",
        '`"expires_in": 1e999`, a JSON number that overflows to infinity',
        _always(Send(_raw_ok(_TOKEN_BYTES.replace(b'"expires_in": 60', b'"expires_in": 1e999')))),
        TokenResponseError,
        1,
        "expires_in",
    ),
    Fault(
        "expires-in-nan",
        '`"expires_in": NaN` (not JSON, but Python\'s parser takes it)',
        _always(Send(_raw_ok(_TOKEN_BYTES.replace(b'"expires_in": 60', b'"expires_in": NaN')))),
        TokenResponseError,
        1,
        "expires_in",
    ),
    _field("refresh-in-word", '`"refresh_in": "soon"`', "refresh_in", refresh_in="soon"),
    Fault(
        "expires-in-string-number",
        '`"expires_in": "60"`: a number in a string is accepted',
        _always(Send(_ok(expires_in="60"))),
        None,
        1,
    ),
    Fault(
        "expires-in-missing",
        "no `expires_in`: `default_lifetime` applies (and is audited)",
        _always(Send(_ok(expires_in=_ABSENT))),
        None,
        1,
    ),
    Fault(
        "error-with-token-200",
        "HTTP 200 carrying both `error` and an `access_token`: refused",
        _always(Send(_ok(error="invalid_request"))),
        OAuthError,
        1,
        "invalid_request",
    ),
    Fault(
        "error-only-200",
        "HTTP 200 with an OAuth error body and no token",
        _always(Send(_json(200, {"error": "invalid_request", "error_description": "bad"}))),
        OAuthError,
        1,
        "invalid_request",
    ),
    # --- TLS -------------------------------------------------------------
    Fault(
        "tls-trusted",
        "TLS with a certificate from the CA in `ca_bundle` (the control row)",
        _always(TOKEN),
        None,
        1,
        tls="trusted",
    ),
    Fault(
        "tls-untrusted",
        "TLS with a certificate from a CA the client does not trust: not retried",
        _always(TOKEN),
        TokenEndpointError,
        1,
        "certificate verify failed",
        tls="untrusted",
    ),
    Fault(
        "tls-expired",
        "TLS with an expired certificate from the trusted CA: not retried",
        _always(TOKEN),
        TokenEndpointError,
        1,
        "expired",
        tls="expired",
    ),
    Fault(
        "tls-wrong-host",
        "TLS with a certificate for another host name: not retried",
        _always(TOKEN),
        TokenEndpointError,
        1,
        "mismatch",
        tls="wrong-host",
    ),
)

assert len({fault.name for fault in FAULTS}) == len(FAULTS), "fault names must be unique"
