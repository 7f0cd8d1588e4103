"""Last known good: a `file:` secret with no fallback configured survives either rotation order."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import ConfigError, CredentialsRejectedError, ManualClock, RotationPolicy, TokenEngine
from credflow.config._file import load_config
from credflow.events import TokenFailed
from credflow.testing import AuthServer, wait_until

from .support import (
    CLIENT_ID,
    NEW,
    OLD,
    EventRecorder,
    get_tokens_concurrently,
    make_engine,
    publish_file,
)

# Threads asking for a token at the moment it is needed: the load a rotation meets.
CALLERS = 16
# The auth_server fixture issues tokens for an hour: advancing the engine's clock by this expires one.
TOKEN_LIFETIME = 3600.0


def file_engine(
    server: AuthServer,
    path: Path,
    recorder: EventRecorder,
    clock: ManualClock,
    rotation: RotationPolicy | None = None,
) -> TokenEngine:
    """An engine reading `file:<path>`, with no fallback secret configured."""
    return make_engine(server.token_endpoint, f"file:{path}", recorder, rotation=rotation, clock=clock)


def test_manager_first_keeps_working_on_the_last_good_value(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """File rewritten before the server accepts it: no failed call, one refusal per switch."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    outcomes, refused = [], []
    with file_engine(auth_server, path, recorder, clock) as engine:
        engine.get_token()
        publish_file(path, NEW)  # the file first: the server still accepts only OLD
        for step in ("file-changed", "still-only-old-at-server", "server-switched", "settled"):
            if step == "server-switched":
                auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD revoked at once
            before = auth_server.counters.invalid_client
            clock.advance(TOKEN_LIFETIME)
            outcomes.append(get_tokens_concurrently(engine, CALLERS))
            refused.append(auth_server.counters.invalid_client - before)

    expected = {
        "outcomes": [["token"] * CALLERS] * 4,
        # NEW refused then OLD used; OLD used at once; OLD refused then NEW used; NEW used at once.
        "refused": [1, 0, 1, 0],
        "kinds": ["changed", "last-known-good", "last-known-good-ended"],
    }
    actual = {"outcomes": outcomes, "refused": refused, "kinds": recorder.rotation_kinds()}
    assert expected == actual


def test_server_first_with_an_overlap_refuses_nothing(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Server accepts both, then the file changes, then OLD is revoked: no refusal, no failed call."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    outcomes = []
    with file_engine(auth_server, path, recorder, clock) as engine:
        engine.get_token()
        before = auth_server.counters.invalid_client
        auth_server.rotate_secret(CLIENT_ID, NEW, grace_seconds=600)
        for step in ("server-accepts-both", "file-changed", "old-revoked"):
            if step == "file-changed":
                publish_file(path, NEW)
            if step == "old-revoked":
                auth_server.revoke_secret(CLIENT_ID, OLD)
            clock.advance(TOKEN_LIFETIME)
            outcomes.append(get_tokens_concurrently(engine, CALLERS))

    expected = {"outcomes": [["token"] * CALLERS] * 3, "refused": 0, "kinds": ["changed"]}
    actual = {
        "outcomes": outcomes,
        "refused": auth_server.counters.invalid_client - before,
        "kinds": recorder.rotation_kinds(),
    }
    assert expected == actual


def test_server_replaced_first_serves_the_current_token_until_the_file_follows(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Server replaces the secret at once, the file follows: the valid token covers the gap."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    with file_engine(auth_server, path, recorder, clock) as engine:
        first = engine.get_token()
        auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD revoked at once; the file still holds it
        before = auth_server.counters.snapshot()
        clock.advance(TOKEN_LIFETIME * 0.9)  # due for renewal, still usable
        during_gap = get_tokens_concurrently(engine, CALLERS)  # starts a background renewal: refused
        wait_until(lambda: len(recorder.of_type(TokenFailed)) == 1, timeout=30)
        publish_file(path, NEW)
        clock.advance(60)  # past the engine's pause before the next renewal
        after_file = get_tokens_concurrently(engine, CALLERS)  # starts the next renewal: NEW works
        wait_until(lambda: engine.get_token().fingerprint != first.fingerprint, timeout=30)

    expected = {
        "during_gap": ["token"] * CALLERS,
        "after_file": ["token"] * CALLERS,
        "refused": 1,
        "tokens_issued": 1,
    }
    actual = {
        "during_gap": during_gap,
        "after_file": after_file,
        "refused": auth_server.counters.invalid_client - before["invalid_client"],
        "tokens_issued": auth_server.counters.tokens_issued - before["tokens_issued"],
    }
    assert expected == actual


@pytest.mark.parametrize("last_good_for", [0.0, 600.0], ids=["off", "expired"])
def test_last_good_value_is_kept_for_a_bounded_time(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder, last_good_for: float
) -> None:
    """With `last_good_for` 0, or elapsed, the manager-first gap is refused: OLD is not tried."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    rotation = RotationPolicy(last_good_for=last_good_for)
    with file_engine(auth_server, path, recorder, clock, rotation) as engine:
        engine.get_token()
        publish_file(path, NEW)
        before = auth_server.counters.token_requests
        clock.advance(TOKEN_LIFETIME)
        with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
            engine.get_token()

    expected = (1, ["changed"])
    assert expected == (auth_server.counters.token_requests - before, recorder.rotation_kinds())


def test_last_good_for_is_validated_and_loaded(tmp_path: Path) -> None:
    """Negative durations are ConfigErrors naming the key; valid ones reach the policy from TOML."""
    with pytest.raises(ConfigError, match=r"rotation\.last_good_for: expected a non-negative number"):
        RotationPolicy(last_good_for=-1)
    with pytest.raises(ConfigError, match=r"rotation\.reject_pause_max: expected a non-negative number"):
        RotationPolicy(reject_pause_max=-0.5)
    config_file = tmp_path / "credflow.toml"
    config_file.write_text(
        '[clients.billing]\nclient_id = "billing"\nclient_secret = "env:BILLING_SECRET"\n'
        'token_endpoint = "https://auth.example.com/oauth2/token"\n'
        "[clients.billing.rotation]\nlast_good_for = 3600\nreject_pause_max = 10\n",
        encoding="utf-8",
    )

    rotation = load_config(config_file, env={}, load_entry_points=False).client("billing").rotation

    assert (3600.0, 10.0) == (rotation.last_good_for, rotation.reject_pause_max)
