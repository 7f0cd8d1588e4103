"""Secret files: a primary path and a secondary path (`fallback_secrets`) across a rotation."""

from __future__ import annotations

from pathlib import Path

from credflow import RotationPolicy, TokenEngine
from credflow.events import SecretRotation
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEW, NEWER, OLD, EventRecorder, make_engine


def file_engine(server: AuthServer, secret_dir: Path, recorder: EventRecorder) -> TokenEngine:
    """An engine reading `<dir>/primary`, falling back to `<dir>/secondary`."""
    rotation = RotationPolicy(fallback_secrets=(f"file:{secret_dir / 'secondary'}",))
    return make_engine(server.token_endpoint, f"file:{secret_dir / 'primary'}", recorder, rotation=rotation)


def renew_counting_rejections(engine: TokenEngine, server: AuthServer) -> int:
    """Drop the token, get a new one; return the `invalid_client` answers that took."""
    before = server.counters.invalid_client
    engine.invalidate()
    engine.get_token()
    return server.counters.invalid_client - before


def test_manager_first_falls_back_to_the_secondary_file_then_back(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """Primary rewritten before the server accepts it, old value kept in the secondary file."""
    (secret_dir / "primary").write_text(OLD)
    with file_engine(auth_server, secret_dir, recorder) as engine:
        engine.get_token()
        (secret_dir / "secondary").write_text(OLD)
        (secret_dir / "primary").write_text(NEW)

        rejected = [renew_counting_rejections(engine, auth_server)]
        rejected.append(renew_counting_rejections(engine, auth_server))  # remembered
        auth_server.rotate_secret(CLIENT_ID, NEW)
        rejected.append(renew_counting_rejections(engine, auth_server))
        rejected.append(renew_counting_rejections(engine, auth_server))

    events = recorder.of_type(SecretRotation)
    expected = (
        [1, 0, 1, 0],
        [
            ("changed", None),
            ("candidate-fallback", f"file:{secret_dir / 'secondary'}"),
            ("fallback-ended", f"file:{secret_dir / 'primary'}"),
        ],
    )
    assert expected == (rejected, [(event.kind, event.candidate) for event in events])


def test_server_first_uses_the_staged_secondary_file(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """New value staged in the secondary file, server replaced at once; primary updated later."""
    (secret_dir / "primary").write_text(OLD)
    with file_engine(auth_server, secret_dir, recorder) as engine:
        engine.get_token()
        (secret_dir / "secondary").write_text(NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)

        rejected = [renew_counting_rejections(engine, auth_server)]
        (secret_dir / "primary").write_text(NEW)
        (secret_dir / "secondary").unlink()  # the staging file is removed once rotation is done
        rejected.append(renew_counting_rejections(engine, auth_server))
        (secret_dir / "secondary").write_text(NEWER)  # the next rotation stages again
        rejected.append(renew_counting_rejections(engine, auth_server))

    expected = ([1, 0, 0], ["candidate-fallback", "changed", "fallback-ended"])
    assert expected == (rejected, recorder.rotation_kinds())
