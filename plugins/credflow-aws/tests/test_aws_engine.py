"""End to end: a TokenEngine gets real tokens from the embedded authorization server,
with the client secret read from moto's Secrets Manager at token time."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_helpers import MakeHost
from credflow_aws.testing import MotoSecretsManager

from credflow import ClientConfig, PluginHost, RotationPolicy, TokenEngine
from credflow.testing import AuthServer


@pytest.fixture(scope="module")
def auth_server() -> Iterator[AuthServer]:
    """The embedded Authlib authorization server."""
    with AuthServer() as server:
        yield server


def _engine(
    server: AuthServer,
    client_id: str,
    reference: str,
    host: PluginHost,
    rotation: RotationPolicy | None = None,
) -> TokenEngine:
    return TokenEngine(
        ClientConfig(
            token_endpoint=server.token_endpoint,
            client_id=client_id,
            client_secret=reference,
            scopes=("api.read",),
            rotation=rotation or RotationPolicy(),
        ),
        plugins=host,
    )


async def test_engine_gets_tokens_with_the_secret_from_secrets_manager(
    aws: MotoSecretsManager, make_host: MakeHost, name: str, auth_server: AuthServer
) -> None:
    """`get_token()` and `aget_token()` return tokens the server issued for the AWS secret."""
    client_id = name.replace("/", "-")
    auth_server.add_client(client_id, "aws-s3cr3t", scopes=["api.read"])
    aws.create_secret(name, json.dumps({"client_secret": "aws-s3cr3t"}))
    before = auth_server.counters.token_requests

    with _engine(auth_server, client_id, f"aws-sm:{name}#client_secret", make_host()) as engine:
        token = engine.get_token()
        engine.invalidate(token)
        atoken = await engine.aget_token()

    assert ("Bearer", "Bearer") == (token.token_type, atoken.token_type)
    assert token.access_token != atoken.access_token
    assert 2 == auth_server.counters.token_requests - before


def test_engine_falls_back_to_the_pending_version_during_rotation(
    aws: MotoSecretsManager, make_host: MakeHost, name: str, auth_server: AuthServer
) -> None:
    """The server already accepts only the AWSPENDING secret: the engine tries it and succeeds."""
    client_id = name.replace("/", "-")
    auth_server.add_client(client_id, "old-secret", scopes=["api.read"])
    aws.create_secret(name, json.dumps({"client_secret": "old-secret"}))
    aws.stage_pending(name, json.dumps({"client_secret": "new-secret"}))
    auth_server.rotate_secret(client_id, "new-secret")

    with _engine(
        auth_server,
        client_id,
        f"aws-sm:{name}#client_secret",
        make_host(),
        rotation=RotationPolicy(try_versions=True),
    ) as engine:
        token = engine.get_token()

    assert "Bearer" == token.token_type


def test_engine_falls_back_to_the_previous_version_after_rotation(
    aws: MotoSecretsManager, make_host: MakeHost, name: str, auth_server: AuthServer
) -> None:
    """AWS already promoted a new secret the server does not know yet: AWSPREVIOUS still works."""
    client_id = name.replace("/", "-")
    auth_server.add_client(client_id, "old-secret", scopes=["api.read"])
    aws.create_secret(name, json.dumps({"client_secret": "old-secret"}))
    aws.rotate(name, json.dumps({"client_secret": "new-secret"}))
    before = auth_server.counters.token_requests

    with _engine(
        auth_server,
        client_id,
        f"aws-sm:{name}#client_secret",
        make_host(),
        rotation=RotationPolicy(try_versions=True),
    ) as engine:
        token = engine.get_token()

    assert "Bearer" == token.token_type
    # The new value once (re-read unchanged, AWSPENDING is the same value), then AWSPREVIOUS.
    assert 2 == auth_server.counters.token_requests - before
