"""Every rotation event reaches the audit hooks and the `credflow.audit` log, without secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from credflow import RotationPolicy
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEW, OLD, EventRecorder, make_engine


def test_rotation_events_are_logged_in_order(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    """changed, candidate-fallback (a warning), fallback-ended: hook events and log records agree."""
    primary, secondary = secret_dir / "primary", secret_dir / "secondary"
    primary.write_text(OLD)
    rotation = RotationPolicy(fallback_secrets=(f"file:{secondary}",))
    caplog.set_level(logging.INFO, logger="credflow.audit")
    with make_engine(auth_server.token_endpoint, f"file:{primary}", recorder, rotation=rotation) as engine:
        engine.get_token()
        secondary.write_text(OLD)
        primary.write_text(NEW)
        engine.invalidate()
        engine.get_token()
        auth_server.rotate_secret(CLIENT_ID, NEW)
        engine.invalidate()
        engine.get_token()

    logged = [
        (record.levelname, record.credflow_kind)  # type: ignore[attr-defined]
        for record in caplog.records
        if getattr(record, "credflow_event_type", None) == "SecretRotation"
    ]
    expected = (
        [("INFO", "changed"), ("WARNING", "candidate-fallback"), ("INFO", "fallback-ended")],
        ["changed", "candidate-fallback", "fallback-ended"],
    )
    assert expected == (logged, recorder.rotation_kinds())
