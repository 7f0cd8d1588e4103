"""Where the drill keeps the secret: OpenBao (KV v2), moto's Secrets Manager, or a plain file.

Each backend holds the service's client secret, writes a new value the way a
rotation does (in a secret manager the old value stays reachable as the
previous version; a file keeps no versions), and says how the service process
reaches it (plugin, reference, settings, env, whether versions are tried).
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
    #: The module serving `scheme`, wrapped to count backend reads; "" for a built-in source.
    plugin: str
    reference: str
    try_versions: bool

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
    try_versions = True

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
    try_versions = True

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


class FileBackend:
    """A secret file, replaced the way rotation jobs do it: a new file renamed over the old one.

    No versions and no `fallback_secrets`: only the last known good value
    bridges the manager-first gap. The built-in `file` source cannot be
    wrapped (its scheme cannot be registered twice), so the service counts
    its reads from `SecretFetched` audit events instead.
    """

    name = "file, no fallback"
    scheme = "file"
    plugin = ""
    try_versions = False

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="credflow-drill-file-")
        self._path = Path(self._directory.name) / "client_secret"
        self.reference = f"file:{self._path}"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._directory.cleanup()

    def create(self, value: str) -> None:
        self.write(value)

    def write(self, value: str) -> None:
        staging = self._path.with_name(".client_secret.tmp")
        staging.write_text(value, encoding="utf-8")
        os.replace(staging, self._path)  # atomic: a reader sees the old file or the new one

    def source_settings(self, cache_ttl: float) -> dict[str, Any]:
        return {}  # the file source re-reads a file whose identity changed; it has no TTL

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def server_reads(self) -> int | None:
        return None


BACKENDS: dict[str, type[OpenBaoBackend] | type[MotoBackend] | type[FileBackend]] = {
    "openbao": OpenBaoBackend,
    "moto": MotoBackend,
    "file": FileBackend,
}
