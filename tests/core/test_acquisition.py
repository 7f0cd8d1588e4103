"""The acquisition flow driven by hand, effect by effect (as httpx's tests drive an auth flow).

No server and no driver: each test answers the effects the flow yields and checks what it asks for
next, so the decisions — shared cache, fetch lock, rejected secret — are tested on their own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from credflow import ClientConfig, CredentialsRejectedError, RotationPolicy, SecretValue, Token
from credflow.acquisition import Acquisition, CacheCall, PostToken, ResolveSecret, Sleep
from credflow.events import AuditEvent, SecretRotation
from credflow.protocol import RawResponse

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ENDPOINT = "https://auth.example.com/token"


def acquisition(**changes: Any) -> tuple[Acquisition, list[AuditEvent]]:
    events: list[AuditEvent] = []
    settings: dict[str, Any] = {"token_endpoint": ENDPOINT, "client_id": "billing", "client_secret": "env:S"}
    settings.update(changes)
    return Acquisition(ClientConfig(**settings), "key", events.append, lambda: NOW), events


def issued(token: str = "issued-token-1") -> RawResponse:
    body = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).encode()
    return RawResponse(200, {"content-type": "application/json"}, body)


def rejected() -> RawResponse:
    return RawResponse(401, {"content-type": "application/json"}, b'{"error": "invalid_client"}')


def shared(token: str = "shared-token-1", age: float = 0) -> Token:
    issued_at = NOW - timedelta(seconds=age)
    return Token(
        access_token=token,
        token_type="Bearer",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(hours=1),
    )


class Driver:
    """Answers a flow's effects one at a time and records what it asked for."""

    def __init__(self, flow: Any) -> None:
        self.flow = flow
        self.effect: Any = next(flow)
        self.result: Any = None

    def answer(self, value: Any) -> Any:
        try:
            self.effect = self.flow.send(value)
        except StopIteration as stop:
            self.result = stop.value
            self.effect = None
        return self.effect

    def reach_the_request(self) -> None:
        """Answer up to the token request: secret read, shared-cache miss, lock won, miss again."""
        self.expect(ResolveSecret, SecretValue("client-secret-1"))
        self.expect(CacheCall, None)
        self.expect(CacheCall, "owner-1")
        self.expect(CacheCall, None)

    def expect(self, kind: type, value: Any) -> None:
        assert kind is type(self.effect), f"expected {kind.__name__}, the flow asked for {self.effect!r}"
        self.answer(value)


def test_cold_fetch_locks_rechecks_posts_stores_and_unlocks() -> None:
    """A miss takes the lock, looks again, fetches, publishes, then releases the lock."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.expect(CacheCall, None)  # load: miss
    driver.expect(CacheCall, "owner-1")  # try_lock: ours
    driver.expect(CacheCall, None)  # load again under the lock: still a miss
    driver.expect(PostToken, issued())
    assert "store" == driver.effect.method
    driver.answer(None)
    assert ("unlock", "owner-1") == (driver.effect.method, driver.effect.args[1])
    driver.answer(None)
    assert "issued-token-1" == driver.result.access_token


def test_a_fresh_shared_token_is_used_without_a_request() -> None:
    """A usable token in the shared cache ends the flow: no lock, no request."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.answer(shared())
    assert (None, "shared-token-1") == (driver.effect, driver.result.access_token)


def test_a_shared_token_due_for_renewal_is_not_used() -> None:
    """A shared token past its renewal time counts as a miss."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("renewal", None))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.answer(shared(age=3000))
    assert ("try_lock",) == (driver.effect.method,)


def test_the_rejected_token_is_never_handed_back_from_the_shared_cache() -> None:
    """After an API 401 the same token in the shared cache is a miss."""
    flow, _ = acquisition()
    token = shared()
    driver = Driver(flow.acquire("invalidated", token.fingerprint))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.answer(token)
    assert "try_lock" == driver.effect.method


def test_waiter_takes_the_token_the_lock_holder_publishes() -> None:
    """With the lock held elsewhere the flow sleeps, polls, and takes the published token."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.expect(CacheCall, None)  # load: miss
    driver.expect(CacheCall, None)  # try_lock: held elsewhere
    driver.expect(Sleep, None)
    driver.answer(shared("published-token-1"))
    assert (None, "published-token-1") == (driver.effect, driver.result.access_token)


def test_waiter_takes_over_when_the_holder_dies() -> None:
    """When the holder's lock expires without a token, exactly this waiter wins it and fetches."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    driver.expect(CacheCall, None)  # load
    driver.expect(CacheCall, None)  # try_lock: held
    driver.expect(Sleep, None)
    driver.expect(CacheCall, None)  # load: still nothing
    driver.expect(CacheCall, "owner-2")  # try_lock: the dead holder's lock expired
    driver.expect(CacheCall, None)  # load under our lock
    driver.expect(PostToken, issued())
    driver.expect(CacheCall, None)  # store
    assert ("unlock", "owner-2") == (driver.effect.method, driver.effect.args[1])
    driver.answer(None)
    assert "issued-token-1" == driver.result.access_token


def test_rejected_secret_is_read_fresh_and_the_new_value_retried() -> None:
    """invalid_client → one fresh read → a changed value is sent at once; the change is audited."""
    flow, events = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.reach_the_request()
    driver.expect(PostToken, rejected())
    assert (True,) == (driver.effect.fresh,)
    driver.expect(ResolveSecret, SecretValue("client-secret-2"))
    driver.expect(PostToken, issued("issued-token-2"))
    assert "client-secret-2" == driver.effect.args[0].secret.reveal()  # stored under the value that worked
    driver.expect(CacheCall, None)
    driver.expect(CacheCall, None)  # unlock
    assert "issued-token-2" == driver.result.access_token
    assert ["changed"] == [event.kind for event in events if isinstance(event, SecretRotation)]


def test_unchanged_secret_raises_once_and_still_unlocks() -> None:
    """An unchanged re-read ends in CredentialsRejectedError, after releasing the lock; no loop."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.reach_the_request()
    driver.expect(PostToken, rejected())
    driver.expect(ResolveSecret, SecretValue("client-secret-1"))
    assert ("unlock", "owner-1") == (driver.effect.method, driver.effect.args[1])
    with pytest.raises(CredentialsRejectedError, match=r"rejected \(re-read from its source: unchanged\)"):
        driver.answer(None)


def test_no_reread_when_switched_off() -> None:
    """With reread_on_reject = false a rejection is final at once."""
    flow, _ = acquisition(rotation=RotationPolicy(reread_on_reject=False))
    driver = Driver(flow.acquire("cold", None))
    driver.reach_the_request()
    driver.expect(PostToken, rejected())
    assert "unlock" == driver.effect.method
    with pytest.raises(CredentialsRejectedError, match=r"not re-read \(rotation.reread_on_reject = false\)"):
        driver.answer(None)


def test_a_cancelled_driver_closes_the_flow_cleanly() -> None:
    """Closing the flow mid-fetch (a cancelled task) ends it without yielding again."""
    flow, _ = acquisition()
    driver = Driver(flow.acquire("cold", None))
    driver.reach_the_request()
    assert PostToken is type(driver.effect)
    driver.flow.close()
    with pytest.raises(StopIteration):
        next(driver.flow)


def test_last_good_value_is_sent_after_the_reread_and_the_candidates() -> None:
    """A changed value refused: re-read, then the fallback, then the value last accepted, which works."""
    flow, events = acquisition(
        auth_method="client_secret_post", rotation=RotationPolicy(fallback_secrets=("env:PREVIOUS",))
    )
    sent: list[str] = []

    def run(reason: Any, answers: list[Any]) -> Token:
        driver = Driver(flow.acquire(reason, None))
        pending = list(answers)
        while driver.effect is not None:
            effect = driver.effect
            if isinstance(effect, CacheCall):
                driver.answer("owner-1" if effect.method == "try_lock" else None)
                continue
            if isinstance(effect, PostToken):
                sent.append(dict(effect.request.form)["client_secret"])
            driver.answer(pending.pop(0))
        assert [] == pending
        result: Token = driver.result
        return result

    run("cold", [SecretValue("client-secret-1"), issued("issued-token-1")])
    second = run(
        "renewal",
        [
            SecretValue("client-secret-2"),  # the source changed before the server
            rejected(),
            SecretValue("client-secret-2"),  # the fresh re-read: unchanged
            SecretValue("previous-secret-3"),  # the fallback candidate
            rejected(),
            issued("issued-token-2"),  # the value last accepted
        ],
    )

    expected = (
        ["client-secret-1", "client-secret-2", "previous-secret-3", "client-secret-1"],
        "issued-token-2",
        ["changed", "last-known-good"],
    )
    actual = (
        sent,
        second.access_token,
        [event.kind for event in events if isinstance(event, SecretRotation)],
    )
    assert expected == actual
