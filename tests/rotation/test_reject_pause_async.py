"""The async path of the fail-fast pause after a refusal of an unchanged secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import CredentialsRejectedError, ManualClock, RotationPolicy
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEWER, OLD, EventRecorder, aget_tokens_concurrently, publish_file
from .test_reject_pause import refused_engine

CALLERS = 50


async def test_repeat_callers_fail_fast_without_a_token_request(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """After one refusal, a burst of tasks fails at once with the same error: no second request."""
    clock = ManualClock()
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock) as engine:
        before = auth_server.counters.token_requests
        with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
            await engine.aget_token()
        burst = await aget_tokens_concurrently(engine, CALLERS)
        with pytest.raises(CredentialsRejectedError) as repeat:
            await engine.aget_token()

    expected = {
        "burst": ["CredentialsRejectedError"] * CALLERS,
        "token_requests": 1,
        "says_repeat": True,
    }
    actual = {
        "burst": burst,
        "token_requests": auth_server.counters.token_requests - before,
        "says_repeat": "a repeat of the rejection 0.0s ago; no token request was sent" in str(repeat.value),
    }
    assert expected == actual


async def test_pause_doubles_up_to_reject_pause_max(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Pauses of 1, 2, 4, 8, 8 s (cap 8): no request inside a pause, one probe when it ends."""
    clock = ManualClock()
    rotation = RotationPolicy(reject_pause_max=8)
    requests: list[tuple[int, int]] = []
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock, rotation) as engine:
        with pytest.raises(CredentialsRejectedError):
            await engine.aget_token()
        for pause in (1, 2, 4, 8, 8):
            counts = []
            for step in (pause - 0.5, 0.5):
                before = auth_server.counters.token_requests
                clock.advance(step)
                with pytest.raises(CredentialsRejectedError):
                    await engine.aget_token()
                counts.append(auth_server.counters.token_requests - before)
            requests.append((counts[0], counts[1]))

    expected = [(0, 1)] * 5
    assert expected == requests


async def test_changed_secret_ends_the_pause_at_once(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Within the pause, a new value in the file is sent at once (the file is still read each time)."""
    clock = ManualClock()
    path = secret_dir / "client_secret"
    with refused_engine(auth_server, path, recorder, clock) as engine:
        with pytest.raises(CredentialsRejectedError):
            await engine.aget_token()
        before = auth_server.counters.token_requests
        publish_file(path, NEWER)
        outcomes = await aget_tokens_concurrently(engine, CALLERS)

    expected = (["token"] * CALLERS, 1)
    assert expected == (outcomes, auth_server.counters.token_requests - before)


async def test_one_caller_probes_when_the_pause_ends(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """A burst at the end of a pause sends one request; once the server is fixed, one request again."""
    clock = ManualClock()
    with refused_engine(auth_server, secret_dir / "client_secret", recorder, clock) as engine:
        with pytest.raises(CredentialsRejectedError):
            await engine.aget_token()
        before = auth_server.counters.token_requests
        clock.advance(1)
        still_refused = await aget_tokens_concurrently(engine, CALLERS)
        probes_refused = auth_server.counters.token_requests - before
        auth_server.rotate_secret(CLIENT_ID, OLD)  # put right at the server: the file's value works
        clock.advance(2)
        accepted = await aget_tokens_concurrently(engine, CALLERS)
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
