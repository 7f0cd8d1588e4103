"""Secret rotation and revocation, on a manual clock."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from credflow.testing import AuthServer, ManualClock

RequestToken = Callable[..., httpx.Response]


def _statuses(request_token: RequestToken, *secrets: str) -> list[int]:
    return [request_token("billing", secret).status_code for secret in secrets]


def test_rotation_without_grace_revokes_old_at_once(server: AuthServer, request_token: RequestToken) -> None:
    """Rotating with no grace: the new secret works, the old one is refused."""
    server.rotate_secret("billing", "new-secret", grace_seconds=0.0)
    assert [200, 401] == _statuses(request_token, "new-secret", "s3cret")


def test_rotation_grace_keeps_old_until_it_ends(
    server: AuthServer, clock: ManualClock, request_token: RequestToken
) -> None:
    """Within the grace window both secrets work; after it only the new one."""
    server.rotate_secret("billing", "new-secret", grace_seconds=30)
    clock.advance(29.9)
    during = _statuses(request_token, "new-secret", "s3cret")
    clock.advance(0.1)
    after = _statuses(request_token, "new-secret", "s3cret")
    assert ([200, 200], [200, 401]) == (during, after)


def test_second_rotation_does_not_extend_first_grace(
    server: AuthServer, clock: ManualClock, request_token: RequestToken
) -> None:
    """A later rotation's longer grace does not revive or extend an older secret's."""
    server.rotate_secret("billing", "second", grace_seconds=10)
    clock.advance(5)
    server.rotate_secret("billing", "third", grace_seconds=60)
    clock.advance(5)
    assert [401, 200, 200] == _statuses(request_token, "s3cret", "second", "third")


def test_revoke_secret_refuses_it_now(server: AuthServer, request_token: RequestToken) -> None:
    """A revoked secret is refused at once, even inside a grace window."""
    server.rotate_secret("billing", "new-secret", grace_seconds=60)
    server.revoke_secret("billing", "s3cret")
    assert [200, 401] == _statuses(request_token, "new-secret", "s3cret")


def test_token_outlives_revoked_secret(
    server: AuthServer, request_token: RequestToken, http: httpx.Client
) -> None:
    """A token issued with a now-revoked secret stays valid until it expires."""
    token = request_token().json()["access_token"]
    server.revoke_secret("billing", "s3cret")
    response = http.get(server.api_url + "/read", headers={"Authorization": f"Bearer {token}"})
    assert 200 == response.status_code


def test_rotate_unknown_client_raises(server: AuthServer) -> None:
    """Rotating the secret of an unregistered client is an error."""
    with pytest.raises(KeyError, match="nobody"):
        server.rotate_secret("nobody", "x")


def test_negative_grace_refused(server: AuthServer) -> None:
    """A negative grace window is an error."""
    with pytest.raises(ValueError, match="negative"):
        server.rotate_secret("billing", "x", grace_seconds=-1)


def test_invalid_client_counted(server: AuthServer, request_token: RequestToken) -> None:
    """Refused secrets show in counters.invalid_client."""
    server.rotate_secret("billing", "new-secret")
    _statuses(request_token, "s3cret", "new-secret", "s3cret")
    counters = server.counters
    assert (3, 1, 2) == (counters.token_requests, counters.tokens_issued, counters.invalid_client)
