"""`FileTokenCache`: the per-user token cache shared by every process of a user on a host.

The built-in backend `file` (`[clients.<name>.cache] backend = "file"`, and
what `credflow token` uses when a client configures no backend):

- one file per cache key in `$XDG_CACHE_HOME/credflow` (else
  `~/.cache/credflow`), named by a hash of the key, mode 0600 in a 0700
  directory the user owns; any other directory is refused at start-up
  (`ConfigError`), since whoever can write to it could plant or remove
  entries;
- sealed exactly as the Redis entries are (`credflow.engine._sealing`, offered to
  plugins by `credflow.plugin`): encrypted with
  a key derived from the client secret, so a rotated secret reads as a miss
  and the file is useless without the secret;
- written atomically (a temporary file, `fsync`, `rename`), so a reader sees
  the old entry or the new one, never half of one;
- single flight across processes: the fetch lock is an `flock` on a lock file
  next to the entry, which the kernel releases when its holder exits or dies,
  so a killed holder never blocks the next process beyond its death.

Every read is defensive: a file that is not a regular file of this user (a
FIFO, a symlink, a device), larger than `MAX_ENTRY_BYTES`, truncated, corrupt
or sealed by another credential is a miss (never a crash, never a block), and
the next store replaces it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import stat
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..token import Token
from ._cache import CacheContext, CacheScope
from ._file_entries import MAX_ENTRY_BYTES, cache_directory, entry_file_name

__all__ = ["MAX_ENTRY_BYTES", "FileTokenCache", "default_cache_directory", "file_token_cache"]

logger = logging.getLogger("credflow.file_cache")

# Owners granted without the lock file (it could not be opened): this process fetches on its own.
_LOCAL_OWNER_PREFIX = "local:"
_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def default_cache_directory(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/credflow`, else `~/.cache/credflow` (the XDG base directory default)."""
    return Path(cache_directory(os.environ if env is None else env))


def _check_directory(directory: Path) -> None:
    """Create `directory` (0700) if missing; refuse one that is not private to this user."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700, exist_ok=True)
        info = directory.lstat()
    except OSError as exc:
        raise ConfigError(
            f"token cache directory {directory}: cannot create it ({exc.strerror}); "
            "set cache.directory or $XDG_CACHE_HOME to a directory you own"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(
            f"token cache directory {directory} is not a directory (a symlink or a file); "
            "remove it, or set cache.directory to another path"
        )
    if info.st_uid != os.getuid():
        raise ConfigError(
            f"token cache directory {directory} is owned by uid {info.st_uid}, not by you "
            f"(uid {os.getuid()}); remove it, or set cache.directory to a directory you own"
        )
    if info.st_mode & 0o077:
        raise ConfigError(
            f"token cache directory {directory} is accessible to other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 700 {directory}"
        )


class FileTokenCache:
    """Sealed token entries in a private directory, with a cross-process `flock` fetch lock."""

    shared = True
    blocking = True

    def __init__(self, directory: Path) -> None:
        _check_directory(directory)
        self.directory = directory
        self._uid = os.getuid()
        # owner → the open lock file that holds the flock.
        self._held: dict[str, int] = {}
        self._held_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<FileTokenCache directory={str(self.directory)!r} locks={len(self._held)}>"

    def _name(self, scope: CacheScope) -> str:
        return entry_file_name(scope.key).removesuffix(".token")

    def entry_path(self, scope: CacheScope) -> Path:
        """Where the entry of `scope` is kept."""
        return self.directory / entry_file_name(scope.key)

    # --- the TokenCacheBackend protocol -------------------------------------

    def load(self, scope: CacheScope) -> Token | None:
        """The token of `scope`, or `None` (missing, foreign, damaged, or sealed under another secret)."""
        from ._sealing import open_entry

        path = self.entry_path(scope)
        entry = self._read(path)
        if entry is None:
            return None
        token = open_entry(scope, entry, path.name)
        if token is None:
            logger.debug("token cache file %s does not open with the current secret: a miss", path.name)
        return token

    def _read(self, path: Path) -> bytes | None:
        try:
            # O_NOFOLLOW: a symlink is refused; O_NONBLOCK: a FIFO does not wait for a writer.
            descriptor = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                logger.debug("token cache file %s unreadable (%s): a miss", path.name, exc.strerror)
            return None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != self._uid or info.st_size > MAX_ENTRY_BYTES:
                logger.debug("token cache file %s is not a small regular file of ours: a miss", path.name)
                return None
            return os.read(descriptor, MAX_ENTRY_BYTES + 1)[:MAX_ENTRY_BYTES]
        except OSError:
            return None
        finally:
            os.close(descriptor)

    def store(self, scope: CacheScope, token: Token) -> None:
        """Replace the entry of `scope` atomically (temporary file, fsync, rename)."""
        import tempfile  # here: a process that only reads the cache (a warm CLI) never writes

        from ._sealing import seal

        if token.expires_at <= datetime.now(UTC):
            return
        path = self.entry_path(scope)
        entry = seal(scope, token, path.name)
        try:
            # mkstemp creates the file 0600 with O_EXCL in the private directory.
            descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
        except OSError as exc:
            logger.warning("token cache %s: cannot write an entry (%s)", self.directory, exc.strerror)
            return
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(entry)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as exc:
            logger.warning("token cache %s: cannot write an entry (%s)", self.directory, exc.strerror)
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None:
        """Remove the entry if it still holds the token with this fingerprint (one an API rejected)."""
        current = self.load(scope)
        if current is not None and current.fingerprint == token_fingerprint:
            with contextlib.suppress(OSError):
                os.unlink(self.entry_path(scope))

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None:
        """Take the fetch lock of `scope` without waiting; `None` while another process holds it.

        `ttl_seconds` is not needed: the kernel releases an `flock` when its holder's file is closed,
        which includes the holder exiting or being killed.
        """
        import secrets  # here: a process that only reads the cache (a warm CLI) never locks it

        path = self.directory / f"{self._name(scope)}.lock"
        owner = secrets.token_hex(16)
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o600)
        except OSError as exc:
            logger.warning("token cache lock %s unusable (%s): fetching without it", path.name, exc.strerror)
            return _LOCAL_OWNER_PREFIX + owner
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                os.close(descriptor)
                logger.warning("token cache lock %s is not a regular file: fetching without it", path.name)
                return _LOCAL_OWNER_PREFIX + owner
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(descriptor)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
            logger.warning("token cache lock %s failed (%s): fetching without it", path.name, exc.strerror)
            return _LOCAL_OWNER_PREFIX + owner
        with self._held_lock:
            self._held[owner] = descriptor
        return owner

    def unlock(self, scope: CacheScope, owner: str) -> None:
        """Release the lock `owner` holds (closing the file releases the `flock`)."""
        with self._held_lock:
            descriptor = self._held.pop(owner, None)
        if descriptor is not None:
            os.close(descriptor)


def file_token_cache(context: CacheContext) -> FileTokenCache:
    """The `file` backend's factory: `directory` in `[clients.<name>.cache]`, else the user's cache dir."""
    settings: Mapping[str, Any] = context.settings
    unknown = sorted(set(settings) - {"directory"})
    if unknown:
        raise ConfigError(
            f"cache: unknown setting {unknown[0]!r} for the file backend (it accepts: directory)"
        )
    directory = settings.get("directory")
    if directory is not None and (not isinstance(directory, str) or not directory):
        raise ConfigError(f"cache.directory: expected a directory path, got {directory!r}")
    return FileTokenCache(Path(directory).expanduser() if directory else default_cache_directory())
