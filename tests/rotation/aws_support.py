"""Engines reading their secret from the session's moto Secrets Manager."""

from __future__ import annotations

from typing import Any

import credflow_aws.plugin
from credflow_aws.testing import MotoSecretsManager

from credflow import RotationPolicy, TokenEngine
from credflow.testing import AuthServer

from .support import EventRecorder, make_engine


def aws_engine(
    aws: MotoSecretsManager,
    server: AuthServer,
    secret_name: str,
    recorder: EventRecorder,
    *,
    rotation: RotationPolicy | None = None,
    clock: Any = None,
) -> TokenEngine:
    """An engine whose `client_secret` is `aws-sm:<secret_name>` (cached 300 s by the source)."""
    return make_engine(
        server.token_endpoint,
        f"aws-sm:{secret_name}",
        recorder,
        plugins=(credflow_aws.plugin,),
        source_settings={"aws-sm": aws.source_settings()},
        rotation=rotation,
        clock=clock,
    )
