"""The built-in env and file secret sources, through the real plugin host."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from credflow import (
    PluginHost,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReference,
    SecretSourceError,
    UnknownSecretSchemeError,
)


@pytest.fixture
def host() -> PluginHost:
    """A host with only the built-in plugins."""
    return PluginHost(load_entry_points=False)


def resolve(host: PluginHost, text: str, fresh: bool = False) -> str:
    return host.resolve_secret(SecretReference.parse(text), fresh=fresh).reveal()


def test_env_variable(host: PluginHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """env:NAME reads the variable at each resolution."""
    monkeypatch.setenv("CF_SECRET", "first-v4lue-7c0")
    assert "first-v4lue-7c0" == resolve(host, "env:CF_SECRET")
    monkeypatch.setenv("CF_SECRET", "second-v4lue-7c0")
    assert "second-v4lue-7c0" == resolve(host, "env:CF_SECRET")


def test_env_variable_missing(host: PluginHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing variable is a SecretNotFoundError naming it."""
    monkeypatch.delenv("CF_MISSING", raising=False)
    with pytest.raises(SecretNotFoundError, match="environment variable CF_MISSING is not set"):
        resolve(host, "env:CF_MISSING")


def test_env_json_key(host: PluginHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """env:NAME#key selects a field of a JSON object."""
    monkeypatch.setenv("CF_JSON", json.dumps({"client_secret": "from-json"}))
    assert "from-json" == resolve(host, "env:CF_JSON#client_secret")


def test_file_whole_with_trailing_newline_stripped(host: PluginHost, tmp_path: Path) -> None:
    """file:/path is the whole file without its final newline."""
    path = tmp_path / "secret"
    path.write_text("file-s3cret-4e1\n")
    assert "file-s3cret-4e1" == resolve(host, f"file:{path}")


def test_file_json_key(host: PluginHost, tmp_path: Path) -> None:
    """file:/path.json#key selects a field."""
    path = tmp_path / "app.json"
    path.write_text(json.dumps({"client_secret": "json-s3cret-4e1", "other": 1}))
    assert "json-s3cret-4e1" == resolve(host, f"file:{path}#client_secret")


@pytest.mark.parametrize(
    ("content", "key", "error", "message"),
    [
        ('{"a": "b"}', "missing", SecretNotFoundError, "key 'missing' not found .* \\(keys present: a\\)"),
        ("not json", "k", SecretSourceError, "is not JSON"),
        ("[1, 2]", "k", SecretSourceError, "holds JSON list, not an object"),
        ('{"k": 5}', "k", SecretSourceError, "key 'k' .* is a int, expected a string"),
        ("\n", None, SecretSourceError, "is empty"),
    ],
)
def test_file_content_errors(
    host: PluginHost, tmp_path: Path, content: str, key: str | None, error: type[Exception], message: str
) -> None:
    """Each malformed file gives its own clear error."""
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(error, match=message):
        resolve(host, f"file:{path}" + (f"#{key}" if key else ""))


def test_file_missing(host: PluginHost, tmp_path: Path) -> None:
    """A missing file is SecretNotFoundError naming the path."""
    with pytest.raises(SecretNotFoundError, match=f"file {tmp_path / 'nope'} does not exist"):
        resolve(host, f"file:{tmp_path / 'nope'}")


def test_file_unreadable(host: PluginHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EACCES becomes SecretAccessDeniedError naming the path and the user.

    The suite runs as root in CI, which reads any file, so the kernel's refusal is simulated.
    """
    path = tmp_path / "locked"

    def refuse(target: str) -> os.stat_result:
        raise PermissionError(13, "Permission denied", target)

    monkeypatch.setattr(os, "stat", refuse)
    with pytest.raises(SecretAccessDeniedError, match=f"no permission to read {path} \\(running as uid"):
        resolve(host, f"file:{path}")


def test_relative_file_path_is_refused(host: PluginHost) -> None:
    """A relative path would depend on the working directory; it is refused."""
    with pytest.raises(SecretSourceError, match="absolute path"):
        resolve(host, "file:secrets/x")


def test_kubernetes_style_symlink_swap_is_seen(host: PluginHost, tmp_path: Path) -> None:
    """An atomic ..data symlink swap (as Kubernetes rotates mounted secrets) is read on the next fetch."""
    first, second = tmp_path / "..2030_01", tmp_path / "..2030_02"
    first.mkdir()
    second.mkdir()
    (first / "client_secret").write_text("old-secret")
    (second / "client_secret").write_text("new-secret")
    (tmp_path / "..data").symlink_to(first.name)
    (tmp_path / "client_secret").symlink_to("..data/client_secret")
    reference = f"file:{tmp_path / 'client_secret'}"
    assert "old-secret" == resolve(host, reference)
    staging = tmp_path / "..data_tmp"
    staging.symlink_to(second.name)
    staging.rename(tmp_path / "..data")
    assert "new-secret" == resolve(host, reference)


def test_unchanged_file_is_not_read_again(
    host: PluginHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged file costs a stat, not a read; fresh=True reads it anyway."""
    from credflow.secret import file as file_source

    path = tmp_path / "secret"
    path.write_text("file-s3cret-4e1")
    reads: list[str] = []
    original = file_source.FileSecretSource._read

    def counting_read(target: str, reference: SecretReference) -> str:
        reads.append(target)
        return original(target, reference)

    monkeypatch.setattr(file_source.FileSecretSource, "_read", staticmethod(counting_read))
    for _ in range(3):
        resolve(host, f"file:{path}")
    resolve(host, f"file:{path}", fresh=True)
    assert 2 == len(reads)


def test_unknown_scheme_lists_installed_schemes_and_the_package(host: PluginHost) -> None:
    """A scheme nobody serves names the installed schemes and what to install."""
    with pytest.raises(UnknownSecretSchemeError) as caught:
        resolve(host, "aws-sm:billing#client_secret")
    assert (
        "no installed plugin serves secret references of scheme 'aws-sm' (installed schemes: env, file). "
        "Install it with: pip install 'credflow[aws]'."
    ) == str(caught.value)
