"""No hammering: after a refusal of an unchanged secret, acquisitions fail fast for a growing pause."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from credflow import CredentialsRejectedError, ManualClock, RotationPolicy, TokenEngine
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEWER, OLD, EventRecorder, get_tokens_concurrently, make_engine, publish_file

CALLERS = 16
TOKEN_LIFETIME = 3600.0


@contextmanager
def refused_engine(
    server: AuthServer,
    path: Path,
    recorder: EventRecorder,
    clock: ManualClock,
    rotation: RotationPolicy | None = None,
) -> Iterator[TokenEngine]:
    """An engine on `file:<path>` (OLD) whose token expired after the server replaced OLD by NEWER."""
    publish_file(path, OLD)
    with make_engine(
        server.token_endpoint, f"file:{path}", recorder, rotation=rotation, clock=clock
    ) as engine:
        engine.get_token()
        server.rotate_secret(CLIENT_ID, NEWER)  # OLD revoked at once; the file still holds OLD
        clock.advance(TOKEN_LIFETIME)
        yield engine


def test_repeat_callers_fail_fast_without_a_token_request(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """After one refusal, a burst of callers fails at once with the same error: no second request."""
    clock = ManualClock()
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock) as engine:
        before = auth_server.counters.token_requests
        with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
            engine.get_token()
        burst = get_tokens_concurrently(engine, CALLERS)
        with pytest.raises(CredentialsRejectedError) as repeat:
            engine.get_token()

    expected = {
        "burst": ["CredentialsRejectedError"] * CALLERS,
        "token_requests": 1,
        "error": "invalid_client",
        "says_repeat": True,
        "says_when": True,
    }
    actual = {
        "burst": burst,
        "token_requests": auth_server.counters.token_requests - before,
        "error": repeat.value.error,
        "says_repeat": "a repeat of the rejection 0.0s ago; no token request was sent" in str(repeat.value),
        "says_when": "next attempt is allowed in 1.0s" in str(repeat.value),
    }
    assert expected == actual


def test_pause_doubles_up_to_reject_pause_max(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Pauses of 1, 2, 4, 8, 8 s (cap 8): no request inside a pause, one probe when it ends."""
    clock = ManualClock()
    rotation = RotationPolicy(reject_pause_max=8)
    path = secret_dir / "client_secret"
    requests: list[tuple[int, int]] = []
    with refused_engine(auth_server, path, recorder, clock, rotation) as engine:
        with pytest.raises(CredentialsRejectedError):
            engine.get_token()
        for pause in (1, 2, 4, 8, 8):
            counts = []
            for step in (pause - 0.5, 0.5):
                before = auth_server.counters.token_requests
                clock.advance(step)
                with pytest.raises(CredentialsRejectedError):
                    engine.get_token()
                counts.append(auth_server.counters.token_requests - before)
            requests.append((counts[0], counts[1]))

    expected = [(0, 1)] * 5
    assert expected == requests


def test_changed_secret_ends_the_pause_at_once(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Within the pause, a new value in the file is sent at once (the file is still read each time)."""
    clock = ManualClock()
    path = secret_dir / "client_secret"
    with refused_engine(auth_server, path, recorder, clock) as engine:
        with pytest.raises(CredentialsRejectedError):
            engine.get_token()
        before = auth_server.counters.token_requests
        publish_file(path, NEWER)
        outcomes = get_tokens_concurrently(engine, CALLERS)

    expected = (["token"] * CALLERS, 1)
    assert expected == (outcomes, auth_server.counters.token_requests - before)


def test_one_caller_probes_when_the_pause_ends(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """A burst at the end of a pause sends one request; once the server is fixed, one request again."""
    clock = ManualClock()
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock) as engine:
        with pytest.raises(CredentialsRejectedError):
            engine.get_token()
        before = auth_server.counters.token_requests
        clock.advance(1)
        still_refused = get_tokens_concurrently(engine, CALLERS)
        probes_refused = auth_server.counters.token_requests - before
        auth_server.rotate_secret(CLIENT_ID, OLD)  # put right at the server: the file's value works
        clock.advance(2)
        accepted = get_tokens_concurrently(engine, CALLERS)
        probes_accepted = auth_server.counters.token_requests - before - probes_refused

    expected = {
        "still_refused": ["CredentialsRejectedError"] * CALLERS,
        "probes_refused": 1,
        "accepted": ["token"] * CALLERS,
        "probes_accepted": 1,
    }
    actual = {
        "still_refused": still_refused,
        "probes_refused": probes_refused,
        "accepted": accepted,
        "probes_accepted": probes_accepted,
    }
    assert expected == actual


def test_reject_pause_max_zero_sends_every_acquisition(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """With `reject_pause_max = 0` there is no pause: each acquisition sends its request."""
    clock = ManualClock()
    rotation = RotationPolicy(reject_pause_max=0)
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock, rotation) as engine:
        before = auth_server.counters.token_requests
        for _ in range(3):
            with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
                engine.get_token()

    expected = 3
    assert expected == auth_server.counters.token_requests - before
