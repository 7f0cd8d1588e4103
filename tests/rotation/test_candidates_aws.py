"""AWS Secrets Manager rotation windows: AWSCURRENT, then AWSPENDING, then AWSPREVIOUS.

The source's cache is off (`cache_ttl = 0`) so each acquisition sees what the
manager holds now, as a service does once its cache has expired.
"""

from __future__ import annotations

import credflow_aws.plugin
import pytest
from credflow_aws.testing import MotoSecretsManager

from credflow import CredentialsRejectedError, RotationPolicy, TokenEngine
from credflow.events import SecretRotation
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEW, NEWER, OLD, EventRecorder, make_engine

TRY_VERSIONS = RotationPolicy(try_versions=True)


def uncached_engine(
    aws: MotoSecretsManager,
    server: AuthServer,
    secret_name: str,
    recorder: EventRecorder,
    rotation: RotationPolicy = TRY_VERSIONS,
) -> TokenEngine:
    """An engine reading `aws-sm:<secret_name>` from moto on every acquisition."""
    return make_engine(
        server.token_endpoint,
        f"aws-sm:{secret_name}",
        recorder,
        plugins=(credflow_aws.plugin,),
        source_settings={"aws-sm": aws.source_settings(cache_ttl=0)},
        rotation=rotation,
    )


def renew(engine: TokenEngine) -> None:
    """Drop the current token and get a new one (an acquisition, as at expiry)."""
    engine.invalidate()
    engine.get_token()


def rejected_requests(server: AuthServer, action: object) -> int:
    """How many `invalid_client` answers the server gave while `action` ran."""
    before = server.counters.invalid_client
    assert callable(action)
    action()
    return server.counters.invalid_client - before


def test_manager_first_falls_back_to_awsprevious_then_back_to_awscurrent(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """New value in the manager before the server accepts it: AWSPREVIOUS bridges the gap."""
    aws.create_secret(secret_name, OLD)
    with uncached_engine(aws, auth_server, secret_name, recorder) as engine:
        engine.get_token()
        aws.rotate(secret_name, NEW)  # AWSCURRENT = NEW, AWSPREVIOUS = OLD; server accepts OLD only

        rejected = [rejected_requests(auth_server, lambda: renew(engine))]
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))  # remembered
        auth_server.rotate_secret(CLIENT_ID, NEW)  # the server switches, OLD revoked at once
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))  # primary again

    events = recorder.of_type(SecretRotation)
    expected = (
        [1, 0, 1, 0],
        [
            ("changed", None),
            ("candidate-fallback", f"aws-sm:{secret_name}?version-stage=AWSPREVIOUS"),
            ("fallback-ended", f"aws-sm:{secret_name}"),
        ],
    )
    assert expected == (rejected, [(event.kind, event.candidate) for event in events])


def test_server_first_uses_awspending_until_it_is_rejected(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Single-user rotation: AWSPENDING staged, server replaced at once, then promoted."""
    aws.create_secret(secret_name, OLD)
    with uncached_engine(aws, auth_server, secret_name, recorder) as engine:
        engine.get_token()
        version = aws.stage_pending(secret_name, NEW)  # createSecret
        auth_server.rotate_secret(CLIENT_ID, NEW)  # setSecret: no overlap, OLD refused from now on

        rejected = [rejected_requests(auth_server, lambda: renew(engine))]
        aws.promote(secret_name, version)  # finishSecret: AWSCURRENT = NEW (AWSPENDING stays on it)
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))
        aws.stage_pending(secret_name, NEWER)  # the next rotation's createSecret
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))
        rejected.append(rejected_requests(auth_server, lambda: renew(engine)))

    events = recorder.of_type(SecretRotation)
    expected = (
        [1, 0, 1, 0],
        [
            ("candidate-fallback", f"aws-sm:{secret_name}?version-stage=AWSPENDING"),
            ("changed", None),  # AWSPENDING moved on to NEWER
            ("fallback-ended", f"aws-sm:{secret_name}"),
            ("changed", None),  # AWSCURRENT is NEW, no longer OLD
        ],
    )
    assert expected == (rejected, [(event.kind, event.candidate) for event in events])


def test_vanished_awspending_sends_the_service_back_to_awscurrent(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """AWSPENDING removed after the rotation finished: the next acquisition uses AWSCURRENT."""
    aws.create_secret(secret_name, OLD)
    with uncached_engine(aws, auth_server, secret_name, recorder) as engine:
        engine.get_token()
        version = aws.stage_pending(secret_name, NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)
        renew(engine)  # on AWSPENDING now
        aws.promote(secret_name, version)
        aws.client().update_secret_version_stage(
            SecretId=secret_name, VersionStage="AWSPENDING", RemoveFromVersionId=version
        )

        rejected = rejected_requests(auth_server, lambda: renew(engine))

    expected = (0, ["candidate-fallback", "fallback-ended"])
    assert expected == (rejected, [kind for kind in recorder.rotation_kinds() if kind != "changed"])


def test_versions_are_not_tried_by_default(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Without `try_versions` (nor last known good), AWSPREVIOUS is never read: the gap is a rejection."""
    aws.create_secret(secret_name, OLD)
    rotation = RotationPolicy(last_good_for=0)
    with uncached_engine(aws, auth_server, secret_name, recorder, rotation) as engine:
        engine.get_token()
        aws.rotate(secret_name, NEW)
        aws.reset_request_counts()

        engine.invalidate()
        with pytest.raises(CredentialsRejectedError):
            engine.get_token()

    expected: tuple[bool, int, list[str]] = (False, 2, [])
    actual = (
        RotationPolicy().try_versions,
        aws.request_count("GetSecretValue"),  # the cached-off read, then the fresh re-read
        [kind for kind in recorder.rotation_kinds() if kind != "changed"],
    )
    assert expected == actual
