"""Helpers for the rotation tests: a recorder of rotation events, a Kubernetes-style volume, engines."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from credflow import ClientConfig, PluginHost, RetryPolicy, RotationPolicy, TokenEngine
from credflow.events import SecretFetched, SecretRotation
from credflow.testing import AuditRecorder

CLIENT_ID = "rotation-client"

# The values a rotation moves between; distinct, and long enough for the leak scan to watch.
OLD = "old-secret-1111"
NEW = "new-secret-2222"
NEWER = "newer-secret-3333"


class EventRecorder(AuditRecorder):
    """`AuditRecorder` with the questions rotation tests ask of the events."""

    def rotation_kinds(self) -> list[str]:
        """The `kind` of every `SecretRotation` event, in order."""
        return [event.kind for event in self.of_type(SecretRotation)]

    def backend_reads(self, *, fresh: bool | None = None) -> int:
        """Secret reads that reached the backend (not answered from the source's cache)."""
        return sum(
            1
            for event in self.of_type(SecretFetched)
            if not event.cached and (fresh is None or event.fresh == fresh)
        )


def make_engine(
    token_endpoint: str,
    client_secret: str,
    recorder: EventRecorder,
    *,
    plugins: tuple[object, ...] = (),
    source_settings: dict[str, dict[str, Any]] | None = None,
    rotation: RotationPolicy | None = None,
    clock: Any = None,
) -> TokenEngine:
    """An engine for `CLIENT_ID` whose audit events go to `recorder`."""
    host = PluginHost(
        source_settings=source_settings or {},
        plugins=(recorder, *plugins),
        load_entry_points=False,
    )
    config = ClientConfig(
        client_id=CLIENT_ID,
        client_secret=client_secret,
        token_endpoint=token_endpoint,
        scopes=("api.read",),
        retry=RetryPolicy(attempts=2, deadline=10),
        rotation=rotation or RotationPolicy(),
    )
    return TokenEngine(config, plugins=host, clock=clock)


class KubernetesSecretVolume:
    """A directory laid out as the kubelet mounts a Secret, updated the way it updates one.

    `<dir>/<key>` is a symlink to `..data/<key>`; `..data` is a symlink to a
    timestamped directory. An update writes a new timestamped directory, points
    a temporary symlink at it and renames that over `..data` (one atomic step).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._generation = 0

    def path(self, key: str) -> str:
        """The path a pod reads: `<dir>/<key>`."""
        return str(self.root / key)

    def write(self, values: dict[str, str]) -> None:
        """Publish `values` (key → content) atomically, as the kubelet does."""
        self._generation += 1
        target = self.root / f"..2030_01_01_00_00_{self._generation:02d}.000000001"
        target.mkdir()
        for key, value in values.items():
            (target / key).write_text(value, encoding="utf-8")
            link = self.root / key
            if not link.is_symlink():
                link.symlink_to(Path("..data") / key)
        staging = self.root / "..data_tmp"
        staging.symlink_to(target.name)
        os.replace(staging, self.root / "..data")


def publish_file(path: Path, value: str) -> None:
    """Replace the secret file at `path` the way rotation tools do: a new file renamed over it.

    A new inode, so the `file:` source sees the change even when size and
    modification time happen to match the old file's.
    """
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(value, encoding="utf-8")
    os.replace(staging, path)


def get_tokens_concurrently(engine: TokenEngine, callers: int) -> list[str]:
    """`callers` threads call `get_token()` at once; each outcome: "token" or the error's type."""
    start = threading.Barrier(callers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        try:
            engine.get_token()
            outcome = "token"
        except Exception as exc:  # every outcome is reported to the test, which asserts on them
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call, name=f"caller-{index}") for index in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


async def aget_tokens_concurrently(engine: TokenEngine, callers: int) -> list[str]:
    """`callers` asyncio tasks call `aget_token()` at once; each outcome: "token" or the error's type."""
    results = await asyncio.gather(*(engine.aget_token() for _ in range(callers)), return_exceptions=True)
    return sorted(
        "token" if not isinstance(result, BaseException) else type(result).__name__ for result in results
    )
