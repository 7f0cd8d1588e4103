"""TokenEngine on the synchronous path, against a real local authorization server."""

from __future__ import annotations

import threading

import pytest

from credflow import (
    ClientConfig,
    CredentialsRejectedError,
    InsecureTransportError,
    ManualClock,
    OAuthError,
    RetriesExhaustedError,
    RetryPolicy,
    TokenEndpointError,
    TokenEngine,
)
from credflow.events import SecretRotation, TokenFailed, TokenIssued, TokenRequested, TokenRetried
from credflow.testing import AuditRecorder, AuthServer, free_port, wait_until

from .conftest import EngineFactory
from .support import DictSecrets


def test_token_is_issued_and_cached(server: AuthServer, make_engine: EngineFactory) -> None:
    """The first call fetches a token; later calls reuse it without a request."""
    engine = make_engine()
    first = engine.get_token()
    second = engine.get_token()
    assert first is second
    assert 1 == server.counters.token_requests
    assert "api.read" == first.scope
    assert first.expires_at.tzinfo is not None


def test_token_is_renewed_in_the_background_before_expiry(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Past 80% of the lifetime the old token is served while a background renewal runs."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = engine.get_token()
    clock.advance(0.81 * old.lifetime_seconds)
    assert old is engine.get_token()
    wait_until(lambda: server.counters.tokens_issued == 2)
    wait_until(lambda: engine.get_token() is not old)
    assert ["cold", "renewal"] == [event.reason for event in recorder.of_type(TokenRequested)]


def test_expired_token_is_fetched_by_the_caller(server: AuthServer, make_engine: EngineFactory) -> None:
    """A caller holding an expired token waits for a new one."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = engine.get_token()
    clock.advance(old.lifetime_seconds + 1)
    new = engine.get_token()
    assert old.access_token != new.access_token
    assert 2 == server.counters.token_requests


def test_refresh_in_hint_starts_renewal_early(server: AuthServer, make_engine: EngineFactory) -> None:
    """A server's refresh_in hint moves the renewal time."""
    server.refresh_in = 10
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = engine.get_token()
    clock.advance(9)
    engine.get_token()
    assert 1 == server.counters.token_requests
    clock.advance(2)
    assert old is engine.get_token()
    wait_until(lambda: server.counters.tokens_issued == 2)


def test_failed_renewal_keeps_serving_the_valid_token(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """If renewal fails while the token is valid, the token is still served and renewal retried later."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = engine.get_token()
    server.fail_next(1, status=400, error="invalid_request")
    clock.advance(0.85 * old.lifetime_seconds)
    assert old is engine.get_token()
    wait_until(lambda: len(recorder.of_type(TokenFailed)) == 1)
    assert old is engine.get_token()
    assert 2 == server.counters.token_requests  # no retry before the pause is over
    clock.advance(60)
    assert old is engine.get_token()

    def renewed() -> bool:
        # TokenFailed is emitted before the failed flight is cleared: a get_token() racing that
        # finds it still in flight starts nothing, so each poll asks again.
        engine.get_token()
        return server.counters.tokens_issued == 2

    wait_until(renewed)


def test_invalidate_drops_only_the_current_token(server: AuthServer, make_engine: EngineFactory) -> None:
    """invalidate(token) forces a new token; invalidating an old token again changes nothing."""
    engine = make_engine()
    old = engine.get_token()
    engine.invalidate(old)
    new = engine.get_token()
    engine.invalidate(old)
    assert new is engine.get_token()
    assert old.access_token != new.access_token
    assert 2 == server.counters.token_requests


def test_wrong_secret_is_rejected_once_without_looping(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invalid_client with an unchanged secret raises CredentialsRejectedError after one request."""
    monkeypatch.setenv("TEST_CLIENT_SECRET", "not-the-secret")
    engine = make_engine()
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    assert "invalid_client" == caught.value.error
    assert "env:TEST_CLIENT_SECRET" in str(caught.value)
    assert server.test_client_id in str(caught.value)
    assert (1, 1) == (server.counters.token_requests, server.counters.invalid_client)


def test_rotated_secret_is_read_again_and_retried(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A cached secret that the server rejects is re-read fresh; the new value gets the token."""
    secrets = DictSecrets(ttl=3600)
    secrets.values["billing"] = server.test_client_secret
    engine = make_engine(plugins=(secrets,), client_secret="dict:billing")
    first = engine.get_token()
    server.rotate_secret(server.test_client_id, "rotated-secret-2", grace_seconds=0)
    secrets.values["billing"] = "rotated-secret-2"
    engine.invalidate(first)
    second = engine.get_token()
    assert first.access_token != second.access_token
    assert (3, 1) == (server.counters.token_requests, server.counters.invalid_client)
    assert 2 == secrets.reads
    assert ["changed"] == [event.kind for event in recorder.of_type(SecretRotation)]


def test_429_with_retry_after_is_waited_for(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A 429 is retried after the server's Retry-After, not the backoff."""
    server.fail_next(1, status=429, retry_after="3")
    token = make_engine().get_token()
    assert token.access_token
    assert [(1, 3.0)] == [(event.attempt, event.delay_seconds) for event in recorder.of_type(TokenRetried)]
    assert 2 == server.counters.token_requests


def test_retry_after_is_capped_by_the_deadline(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A Retry-After longer than what is left of the deadline is cut to the deadline."""
    server.fail_next(1, status=503, retry_after="600")
    make_engine(retry=RetryPolicy(attempts=3, deadline=20)).get_token()
    [retried] = recorder.of_type(TokenRetried)
    assert 15 < retried.delay_seconds <= 20


def test_5xx_then_success(server: AuthServer, make_engine: EngineFactory) -> None:
    """Transient 5xx answers are retried until a token comes."""
    server.fail_next(2, status=503)
    assert make_engine().get_token().access_token
    assert 3 == server.counters.token_requests


def test_retries_exhausted_names_the_endpoint(server: AuthServer, make_engine: EngineFactory) -> None:
    """When every attempt fails, RetriesExhaustedError says where and how often."""
    server.fail_next(10, status=502)
    with pytest.raises(RetriesExhaustedError) as caught:
        make_engine(retry=RetryPolicy(attempts=3, deadline=10)).get_token()
    assert (3, 502, server.token_endpoint) == (
        caught.value.attempts,
        caught.value.status,
        caught.value.endpoint,
    )
    assert 3 == server.counters.token_requests


def test_invalid_scope_is_not_retried(server: AuthServer, make_engine: EngineFactory) -> None:
    """A 400 error is final: one request, an OAuthError with the server's error code."""
    with pytest.raises(OAuthError) as caught:
        make_engine(scopes=("admin",)).get_token()
    assert ("invalid_scope", 1) == (caught.value.error, server.counters.token_requests)


def test_unreachable_endpoint_is_retried_then_reported(make_engine: EngineFactory) -> None:
    """Connection refused counts as transient; the final error names the endpoint."""
    endpoint = f"http://127.0.0.1:{free_port()}/token"
    with pytest.raises(RetriesExhaustedError, match=f"token endpoint {endpoint} still failing"):
        make_engine(token_endpoint=endpoint, retry=RetryPolicy(attempts=2, deadline=5)).get_token()


def test_slow_endpoint_with_200_threads_sends_one_request(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """200 threads asking at once on a cold cache cause exactly one token request."""
    server.latency = 0.5
    engine = make_engine()
    barrier = threading.Barrier(200)
    tokens: list[str] = []

    def ask() -> None:
        barrier.wait()
        tokens.append(engine.get_token().access_token)

    threads = [threading.Thread(target=ask) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (200, 1) == (len(tokens), len(set(tokens)))
    assert 1 == server.counters.token_requests


def test_threads_at_expiry_send_one_request(server: AuthServer, make_engine: EngineFactory) -> None:
    """At expiry, 64 threads share one new token."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = engine.get_token()
    server.latency = 0.3
    clock.advance(old.lifetime_seconds + 1)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(engine.get_token().access_token)) for _ in range(64)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 == len(set(results))
    assert 2 == server.counters.token_requests


def test_timeout_bounds_the_wait(server: AuthServer, make_engine: EngineFactory) -> None:
    """get_token(timeout=) gives up waiting; the fetch completes for later callers."""
    server.latency = 1.0
    engine = make_engine()
    with pytest.raises(TokenEndpointError, match=r"no token from .* within 0\.2 seconds"):
        engine.get_token(timeout=0.2)
    assert engine.get_token().access_token
    assert 1 == server.counters.token_requests


def test_discovery_from_issuer(server: AuthServer, make_engine: EngineFactory) -> None:
    """With issuer instead of token_endpoint, the token endpoint is discovered."""
    engine = make_engine(token_endpoint=None, issuer=server.issuer, auth_method="client_secret_post")
    assert engine.get_token().access_token
    assert 1 == server.counters.token_requests


def test_plain_http_to_a_remote_token_endpoint_is_refused() -> None:
    """An http:// token endpoint on a remote host is refused unless explicitly allowed."""
    with pytest.raises(
        InsecureTransportError, match=r"refusing plain http:// to remote host .auth\.example\.com."
    ):
        ClientConfig(token_endpoint="http://auth.example.com/token", client_id="a", client_secret="env:X")
    allowed = ClientConfig(
        token_endpoint="http://auth.example.com/token",
        client_id="a",
        client_secret="env:X",
        allow_insecure_http=True,
    )
    assert allowed.allow_insecure_http


def test_audit_events_carry_fingerprints_not_values(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Issued events name the client, scopes, lifetime and a token fingerprint."""
    token = make_engine().get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert (server.test_client_id, ("api.read",), token.fingerprint) == (
        issued.client_id,
        issued.scopes,
        issued.token_fingerprint,
    )
    assert token.access_token not in repr(recorder.events)
    assert server.test_client_secret not in repr(recorder.events)


def test_repr_of_engine_and_token_show_no_values(server: AuthServer, make_engine: EngineFactory) -> None:
    """Neither the engine nor the token shows a secret or token value in its repr."""
    engine = make_engine()
    token = engine.get_token()
    shown = repr(engine) + repr(token) + str(token) + repr(engine.config)
    assert token.access_token not in shown
    assert server.test_client_secret not in shown


def test_two_engines_share_the_process_cache(server: AuthServer, make_engine: EngineFactory) -> None:
    """Engines for the same client on one plugin host share the in-memory cache."""
    from credflow import PluginHost

    host = PluginHost(load_entry_points=False)
    config = make_engine().config
    first = TokenEngine(config, plugins=host)
    second = TokenEngine(config, plugins=host)
    assert first.get_token().access_token == second.get_token().access_token
    assert 1 == server.counters.token_requests
