"""Helpers shared by the vault plugin tests (named uniquely: test dirs share sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable

from credflow_vault.source import VaultSecretSource
from joserfc import jwt
from joserfc.jwk import ECKey

from credflow import PluginHost, SecretReference, SecretValue

MakeHost = Callable[..., PluginHost]


def vault_source(host: PluginHost) -> VaultSecretSource:
    """The host's vault source, typed."""
    source = host.secret_source("vault")
    assert isinstance(source, VaultSecretSource)
    return source


def read(host: PluginHost, reference: str, *, fresh: bool = True) -> SecretValue:
    """Resolve `reference` through the host (fresh by default, so tests see the server)."""
    return host.resolve_secret(SecretReference.parse(reference), fresh=fresh)


def signed_jwt(key: ECKey, *, subject: str, audience: str = "vault", lifetime: int = 600) -> str:
    """An ES256 JWT like a Kubernetes projected service-account token."""
    now = int(time.time())
    claims = {
        "iss": "https://kubernetes.default.svc",
        "sub": subject,
        "aud": [audience],
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    return jwt.encode({"alg": "ES256"}, claims, key)
