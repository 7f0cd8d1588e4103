"""The async path of last known good: a `file:` secret with no fallback survives either order."""

from __future__ import annotations

from pathlib import Path

from credflow import ManualClock
from credflow.events import TokenFailed
from credflow.testing import AuthServer, await_until

from .support import CLIENT_ID, NEW, OLD, EventRecorder, aget_tokens_concurrently, publish_file
from .test_last_known_good import TOKEN_LIFETIME, file_engine

# Tasks asking for a token at the moment it is needed.
CALLERS = 50


async def test_manager_first_keeps_working_on_the_last_good_value(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """File rewritten before the server accepts it: no failed call, one refusal per switch."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    outcomes, refused = [], []
    with file_engine(auth_server, path, recorder, clock) as engine:
        await engine.aget_token()
        publish_file(path, NEW)  # the file first: the server still accepts only OLD
        for step in ("file-changed", "still-only-old-at-server", "server-switched", "settled"):
            if step == "server-switched":
                auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD revoked at once
            before = auth_server.counters.invalid_client
            clock.advance(TOKEN_LIFETIME)
            outcomes.append(await aget_tokens_concurrently(engine, CALLERS))
            refused.append(auth_server.counters.invalid_client - before)

    expected = {
        "outcomes": [["token"] * CALLERS] * 4,
        "refused": [1, 0, 1, 0],
        "kinds": ["changed", "last-known-good", "last-known-good-ended"],
    }
    actual = {"outcomes": outcomes, "refused": refused, "kinds": recorder.rotation_kinds()}
    assert expected == actual


async def test_server_first_with_an_overlap_refuses_nothing(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Server accepts both, then the file changes, then OLD is revoked: no refusal, no failed call."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    outcomes = []
    with file_engine(auth_server, path, recorder, clock) as engine:
        await engine.aget_token()
        before = auth_server.counters.invalid_client
        auth_server.rotate_secret(CLIENT_ID, NEW, grace_seconds=600)
        for step in ("server-accepts-both", "file-changed", "old-revoked"):
            if step == "file-changed":
                publish_file(path, NEW)
            if step == "old-revoked":
                auth_server.revoke_secret(CLIENT_ID, OLD)
            clock.advance(TOKEN_LIFETIME)
            outcomes.append(await aget_tokens_concurrently(engine, CALLERS))

    expected = {"outcomes": [["token"] * CALLERS] * 3, "refused": 0, "kinds": ["changed"]}
    actual = {
        "outcomes": outcomes,
        "refused": auth_server.counters.invalid_client - before,
        "kinds": recorder.rotation_kinds(),
    }
    assert expected == actual


async def test_server_replaced_first_serves_the_current_token_until_the_file_follows(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Server replaces the secret at once, the file follows: the valid token covers the gap."""
    path = secret_dir / "client_secret"
    publish_file(path, OLD)
    clock = ManualClock()
    with file_engine(auth_server, path, recorder, clock) as engine:
        first = await engine.aget_token()
        auth_server.rotate_secret(CLIENT_ID, NEW)
        before = auth_server.counters.snapshot()
        clock.advance(TOKEN_LIFETIME * 0.9)  # due for renewal, still usable
        during_gap = await aget_tokens_concurrently(engine, CALLERS)  # background renewal: refused
        await await_until(lambda: len(recorder.of_type(TokenFailed)) == 1, timeout=30.0)
        publish_file(path, NEW)
        clock.advance(60)  # past the engine's pause before the next renewal
        after_file = await aget_tokens_concurrently(engine, CALLERS)  # next renewal: NEW works
        renewed = [first]

        async def renewal_done() -> bool:
            renewed.append(await engine.aget_token())
            return renewed[-1].fingerprint != first.fingerprint

        await await_until(renewal_done, timeout=30.0)

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
