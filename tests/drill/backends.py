"""The secret managers the drill rotates in: OpenBao (KV v2) and moto's Secrets Manager.

Each backend holds the service's client secret, writes a new value the way a
rotation does (the old value stays reachable as the previous version), and
says how the service process reaches it (plugin, reference, settings, env).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

SECRET_PATH = "drill/service-client"


class SecretBackend(Protocol):
    """A running secret manager holding the drill's client secret."""

    name: str
    scheme: str
    plugin: str
    reference: str

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def create(self, value: str) -> None:
        """Store the first value."""

    def write(self, value: str) -> None:
        """Make `value` current; the value it replaces becomes the previous version."""

    def source_settings(self, cache_ttl: float) -> dict[str, Any]:
        """The service's `[sources.<scheme>]` table."""

    def environment(self) -> dict[str, str]:
        """The service process's environment."""

    def server_reads(self) -> int | None:
        """Secret reads counted by the server itself, when it counts them."""


class OpenBaoBackend:
    """An OpenBao dev server; the secret is `secret/drill/service-client`, key `client_secret`."""

    name = "OpenBao KV v2"
    scheme = "vault"
    plugin = "credflow_vault.plugin"
    reference = f"vault:secret/{SECRET_PATH}#client_secret"

    def __init__(self) -> None:
        from credflow_vault.testing import VaultDevServer

        self._server = VaultDevServer()

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.stop()

    def create(self, value: str) -> None:
        self._server.write_secret(SECRET_PATH, {"client_secret": value})

    def write(self, value: str) -> None:
        self._server.write_secret(SECRET_PATH, {"client_secret": value})

    def source_settings(self, cache_ttl: float) -> dict[str, Any]:
        return self._server.source_settings(cache_ttl=cache_ttl)

    def environment(self) -> dict[str, str]:
        return {key: value for key, value in os.environ.items() if not key.startswith(("VAULT_", "BAO_"))}

    def server_reads(self) -> int | None:
        return None  # OpenBao counts requests only in audit devices, which its API may not enable


class MotoBackend:
    """moto's Secrets Manager; a write is a rotation: AWSPENDING staged, then promoted."""

    name = "moto Secrets Manager"
    scheme = "aws-sm"
    plugin = "credflow_aws.plugin"
    reference = f"aws-sm:{SECRET_PATH}"

    def __init__(self) -> None:
        from credflow_aws.testing import MotoSecretsManager

        self._server = MotoSecretsManager()
        self._home = tempfile.TemporaryDirectory(prefix="credflow-drill-aws-")

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._server.delete_secret(SECRET_PATH)  # moto's backends are process-wide
        finally:
            self._server.stop()
            self._home.cleanup()

    def create(self, value: str) -> None:
        self._server.create_secret(SECRET_PATH, value)
        self._server.reset_request_counts()

    def write(self, value: str) -> None:
        self._server.rotate(SECRET_PATH, value)

    def source_settings(self, cache_ttl: float) -> dict[str, Any]:
        return self._server.source_settings(cache_ttl=cache_ttl)

    def environment(self) -> dict[str, str]:
        from credflow_aws.testing import REAL_AWS_VARIABLES, isolated_environment

        env = {key: value for key, value in os.environ.items() if key not in REAL_AWS_VARIABLES}
        env.update(isolated_environment(Path(self._home.name)))
        return env

    def server_reads(self) -> int | None:
        return self._server.request_count("GetSecretValue")


BACKENDS: dict[str, type[OpenBaoBackend] | type[MotoBackend]] = {
    "openbao": OpenBaoBackend,
    "moto": MotoBackend,
}
