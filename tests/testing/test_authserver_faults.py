"""Injected failures and latency at the token endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from credflow.testing import AuthServer

RequestToken = Callable[..., httpx.Response]


def test_fail_next_then_normal(server: AuthServer, request_token: RequestToken) -> None:
    """The next N requests get the injected status, then tokens flow again."""
    server.fail_next(2, status=503)
    statuses = [request_token().status_code for _ in range(3)]
    assert [503, 503, 200] == statuses


def test_injected_failure_is_json_oauth_error(server: AuthServer, request_token: RequestToken) -> None:
    """An injected 503 answers a JSON `temporarily_unavailable` error."""
    server.fail_next(1, status=503)
    response = request_token()
    assert ("application/json", "temporarily_unavailable") == (
        response.headers["Content-Type"],
        response.json()["error"],
    )


def test_injected_failures_are_counted(server: AuthServer, request_token: RequestToken) -> None:
    """Injected failures count as token requests but not as issued tokens."""
    server.fail_next(2, status=500)
    for _ in range(3):
        request_token()
    assert (3, 1) == (server.counters.token_requests, server.counters.tokens_issued)


def test_retry_after_seconds(server: AuthServer, request_token: RequestToken) -> None:
    """A 429 carries the Retry-After it was given."""
    server.fail_next(1, status=429, retry_after="2")
    response = request_token()
    assert (429, "2") == (response.status_code, response.headers["Retry-After"])


def test_retry_after_datetime_is_http_date(server: AuthServer, request_token: RequestToken) -> None:
    """A datetime Retry-After is sent as an RFC 9110 HTTP-date."""
    server.fail_next(1, status=503, retry_after=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert "Wed, 02 Jan 2030 03:04:05 GMT" == request_token().headers["Retry-After"]


def test_no_retry_after_unless_asked(server: AuthServer, request_token: RequestToken) -> None:
    """Without retry_after there is no Retry-After header."""
    server.fail_next(1, status=503)
    assert "Retry-After" not in request_token().headers


def test_failures_queue_in_order(server: AuthServer, request_token: RequestToken) -> None:
    """Successive fail_next calls queue up in call order."""
    server.fail_next(1, status=503)
    server.fail_next(1, status=429, retry_after="1")
    statuses = [request_token().status_code for _ in range(3)]
    assert [503, 429, 200] == statuses


def test_verbatim_body(server: AuthServer, request_token: RequestToken) -> None:
    """`body` replaces the JSON error, e.g. a proxy's HTML page."""
    server.fail_next(1, status=502, body="<html>Bad Gateway</html>")
    response = request_token()
    assert (502, "<html>Bad Gateway</html>") == (response.status_code, response.text)


def test_clear_failures(server: AuthServer, request_token: RequestToken) -> None:
    """clear_failures drops what fail_next queued."""
    server.fail_next(5, status=503)
    server.clear_failures()
    assert (0, 200) == (server.pending_failures, request_token().status_code)


def test_status_must_be_an_error(server: AuthServer) -> None:
    """Only 4xx and 5xx statuses can be injected, unless a body of its own comes with a 2xx."""
    with pytest.raises(ValueError, match="4xx or 5xx"):
        server.fail_next(1, status=200)


def test_broken_success_answer_is_sent_verbatim(server: AuthServer, request_token: RequestToken) -> None:
    """A 200 with an injected body answers that body, and counts as no token issued."""
    body = '{"access_token": "x", "token_type": "Bearer", "error": "server_error"}'
    server.fail_next(1, status=200, body=body)
    response = request_token()
    assert (200, body, 0) == (response.status_code, response.text, server.counters.tokens_issued)


def test_latency_delays_the_answer(server: AuthServer, request_token: RequestToken) -> None:
    """With latency set, the token endpoint answers no sooner than that."""
    server.latency = 0.3
    started = time.monotonic()
    request_token()
    assert time.monotonic() - started >= 0.3


def test_latency_trips_client_timeout(server: AuthServer) -> None:
    """A client with a shorter timeout than the latency times out."""
    server.latency = 2.0
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            server.token_endpoint,
            data={"grant_type": "client_credentials"},
            auth=("billing", "s3cret"),
            timeout=0.2,
        )


def test_stop_cuts_slow_request_short(server: AuthServer) -> None:
    """Stopping does not wait out the latency of a request in flight."""
    server.latency = 30.0
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.token_endpoint, data={"grant_type": "client_credentials"}, timeout=0.1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
