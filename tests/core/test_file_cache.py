"""FileTokenCache on real files: sealed entries, a private directory, hostile files, the flock fetch lock."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from credflow import CacheContext, CacheScope, ConfigError, SecretValue, Token
from credflow.engine._file_cache import (
    MAX_ENTRY_BYTES,
    FileTokenCache,
    default_cache_directory,
    file_token_cache,
)
from credflow.testing import AuthServer

from .conftest import EngineFactory

KEY = "c" * 64


def make_token(lifetime: float = 60.0) -> Token:
    """A fresh token with a random value."""
    now = datetime.now(UTC)
    return Token(
        access_token=secrets.token_urlsafe(32),
        token_type="Bearer",
        issued_at=now,
        expires_at=now + timedelta(seconds=lifetime),
    )


def scope(secret: str = "first-secret", key: str = KEY) -> CacheScope:
    """The scope of the test client with `secret` current."""
    return CacheScope(key, "billing", SecretValue(secret))


@pytest.fixture
def cache(tmp_path: Path) -> FileTokenCache:
    """A file cache in a fresh private directory."""
    return FileTokenCache(tmp_path / "credflow")


def test_entry_round_trips_and_is_private(cache: FileTokenCache) -> None:
    """A stored token loads back; the file is 0600 in a 0700 directory and holds no token text."""
    token = make_token()
    cache.store(scope(), token)

    path = cache.entry_path(scope())
    modes = (stat.S_IMODE(cache.directory.stat().st_mode), stat.S_IMODE(path.stat().st_mode))
    assert (token.access_token, (0o700, 0o600)) == (cache.load(scope()).access_token, modes)  # type: ignore[union-attr]
    assert token.access_token.encode() not in path.read_bytes()
    assert KEY not in path.name


def test_rotated_secret_reads_as_a_miss(cache: FileTokenCache) -> None:
    """An entry sealed under the old secret does not open with the new one."""
    cache.store(scope("old-secret"), make_token())

    assert None is cache.load(scope("new-secret"))


def test_no_temporary_files_are_left_behind(cache: FileTokenCache) -> None:
    """Atomic writes leave exactly the entry in the directory."""
    for _ in range(3):
        cache.store(scope(), make_token())

    assert [cache.entry_path(scope()).name] == sorted(os.listdir(cache.directory))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"\x00" * len(data), id="zeroed"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[:-1] + bytes([data[-1] ^ 1]), id="one-bit-flipped"),
    ],
)
def test_damaged_entry_is_a_miss_and_is_replaced(
    cache: FileTokenCache, damage: Callable[[bytes], bytes]
) -> None:
    """A corrupt or truncated file reads as a miss; the next store replaces it."""
    cache.store(scope(), make_token())
    path = cache.entry_path(scope())
    path.write_bytes(damage(path.read_bytes()))
    missed = cache.load(scope())
    fresh = make_token()
    cache.store(scope(), fresh)

    assert (None, fresh.access_token) == (missed, cache.load(scope()).access_token)  # type: ignore[union-attr]


def test_entry_of_another_key_is_a_foreign_file(cache: FileTokenCache) -> None:
    """An entry copied from another key's file does not open (it is bound to its file name)."""
    other = scope(key="d" * 64)
    cache.store(other, make_token())
    cache.entry_path(scope()).write_bytes(cache.entry_path(other).read_bytes())

    assert None is cache.load(scope())


def test_fifo_in_place_of_the_entry_is_a_miss_without_blocking(cache: FileTokenCache) -> None:
    """A FIFO is opened without waiting for a writer and refused; a store replaces it."""
    path = cache.entry_path(scope())
    os.mkfifo(path, 0o600)
    missed = cache.load(scope())
    cache.store(scope(), make_token())

    assert (None, True) == (missed, path.is_file())


def test_symlink_in_place_of_the_entry_is_refused_and_its_target_untouched(
    cache: FileTokenCache, tmp_path: Path
) -> None:
    """A symlink is never followed, for reading or writing."""
    target = tmp_path / "elsewhere"
    target.write_bytes(b"precious")
    cache.entry_path(scope()).symlink_to(target)
    missed = cache.load(scope())
    cache.store(scope(), make_token())

    assert (None, b"precious", False) == (missed, target.read_bytes(), cache.entry_path(scope()).is_symlink())


def test_huge_file_is_a_miss(cache: FileTokenCache) -> None:
    """A file larger than any entry is not read."""
    cache.entry_path(scope()).write_bytes(b"\x01" * (MAX_ENTRY_BYTES + 1))

    assert None is cache.load(scope())


def test_shared_directory_is_refused(tmp_path: Path) -> None:
    """A directory other users can enter is refused with the chmod that fixes it."""
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)

    with pytest.raises(
        ConfigError, match=f"accessible to other users \\(mode 0755\\); run: chmod 700 {directory}"
    ):
        FileTokenCache(directory)


def test_symlinked_directory_is_refused(tmp_path: Path) -> None:
    """The cache directory itself must not be a symlink (it could point anywhere)."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)

    with pytest.raises(ConfigError, match="is not a directory"):
        FileTokenCache(tmp_path / "link")


def test_directory_defaults_to_xdg_cache_home(tmp_path: Path) -> None:
    """$XDG_CACHE_HOME/credflow when set and absolute, else ~/.cache/credflow."""
    assert (tmp_path / "credflow", Path.home() / ".cache" / "credflow") == (
        default_cache_directory({"XDG_CACHE_HOME": str(tmp_path)}),
        default_cache_directory({"XDG_CACHE_HOME": "relative/path"}),
    )


def test_factory_refuses_unknown_settings(tmp_path: Path) -> None:
    """A misspelt key of the cache table names what the backend accepts."""
    context = CacheContext(name="file", settings={"dir": str(tmp_path)})

    with pytest.raises(ConfigError, match="unknown setting 'dir' for the file backend"):
        file_token_cache(context)


def test_lock_is_exclusive_and_released(cache: FileTokenCache, tmp_path: Path) -> None:
    """A second holder (another open file, as another process would have) waits until unlock."""
    other = FileTokenCache(cache.directory)
    owner = cache.try_lock(scope(), 30.0)
    refused = other.try_lock(scope(), 30.0)
    assert owner is not None
    cache.unlock(scope(), owner)

    assert (None, True) == (refused, other.try_lock(scope(), 30.0) is not None)


def test_fifo_lock_file_grants_a_local_lock_without_blocking(cache: FileTokenCache) -> None:
    """A lock file that is not a regular file lets this process fetch on its own."""
    os.mkfifo(cache.directory / f"{cache.entry_path(scope()).stem}.lock", 0o600)

    owner = cache.try_lock(scope(), 30.0)

    assert owner is not None
    assert owner.startswith("local:")


def test_delete_removes_only_the_rejected_token(cache: FileTokenCache) -> None:
    """delete() with another token's fingerprint keeps the entry; with its own, removes it."""
    token = make_token()
    cache.store(scope(), token)
    cache.delete(scope(), make_token().fingerprint)
    kept = cache.load(scope())
    cache.delete(scope(), token.fingerprint)

    assert (token.access_token, None) == (kept.access_token if kept else None, cache.load(scope()))


def _file_engine(make_engine: EngineFactory, directory: Path, **changes: Any) -> Any:
    from credflow import CachePolicy

    return make_engine(cache=CachePolicy(backend="file", settings={"directory": str(directory)}), **changes)


def test_engines_share_one_token_through_the_file(
    make_engine: EngineFactory, server: AuthServer, tmp_path: Path
) -> None:
    """Three engines (as three processes would) make one token request between them."""
    tokens = {_file_engine(make_engine, tmp_path / "c").get_token().access_token for _ in range(3)}

    assert (1, 1) == (len(tokens), server.counters.token_requests)


async def test_async_engines_share_one_token_through_the_file(
    make_engine: EngineFactory, server: AuthServer, tmp_path: Path
) -> None:
    """The async path reads and writes the same file (in a worker thread)."""
    first = await _file_engine(make_engine, tmp_path / "c").aget_token()
    second = await _file_engine(make_engine, tmp_path / "c").aget_token()

    assert (first.access_token, 1) == (second.access_token, server.counters.token_requests)
