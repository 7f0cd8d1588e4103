"""A Secret volume updated as the kubelet does (atomic `..data` swap) is seen without a watcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import SecretReference
from credflow.secret.file import FileSecretSource
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEW, OLD, EventRecorder, KubernetesSecretVolume, make_engine


def test_swapped_volume_is_read_on_the_next_acquisition(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder
) -> None:
    """After the swap the next token request already carries the new secret: no rejection."""
    volume = KubernetesSecretVolume(secret_dir)
    volume.write({"client_secret": OLD})
    with make_engine(auth_server.token_endpoint, f"file:{volume.path('client_secret')}", recorder) as engine:
        engine.get_token()
        auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD refused from now on
        volume.write({"client_secret": NEW})  # same length, new inode behind ..data
        before = auth_server.counters.snapshot()

        engine.invalidate()
        engine.get_token()

        after = auth_server.counters.snapshot()
    expected = {"token_requests": 1, "invalid_client": 0, "rotations": ["changed"]}
    actual = {
        "token_requests": after["token_requests"] - before["token_requests"],
        "invalid_client": after["invalid_client"] - before["invalid_client"],
        "rotations": recorder.rotation_kinds(),
    }
    assert expected == actual


def test_unchanged_volume_is_not_read_again(
    auth_server: AuthServer, secret_dir: Path, recorder: EventRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acquisitions with no swap in between cost a `stat`, not a read; a swap is read again."""
    volume = KubernetesSecretVolume(secret_dir)
    volume.write({"client_secret": OLD})
    opened: list[str] = []
    read = FileSecretSource._read  # the real reading, counted below

    def counting_read(path: str, reference: SecretReference) -> str:
        opened.append(path)
        return read(path, reference)

    monkeypatch.setattr(FileSecretSource, "_read", staticmethod(counting_read))
    with make_engine(auth_server.token_endpoint, f"file:{volume.path('client_secret')}", recorder) as engine:
        for _ in range(4):
            engine.invalidate()
            engine.get_token()
        volume.write({"client_secret": OLD})  # a swap, even to the same content, is read again
        engine.invalidate()
        engine.get_token()

    expected = [volume.path("client_secret")] * 2
    assert expected == opened
