"""`file:/path[#key]`: a secret in a file, as mounted by Kubernetes, Docker or systemd.

The whole file (trailing newline stripped) is the secret, or with `#key` one
field of a JSON object. A file is re-read only when its identity changes
(device, inode, size, modification time after following symlinks), so a
Kubernetes atomic `..data` symlink swap is seen on the next acquisition
without a watcher, and an unchanged file costs one `stat`.

Only regular files are read: a FIFO without a writer would block the read
for ever, a device such as /dev/zero never ends, a socket cannot be opened.
The type is checked with `stat` before opening, and again with `fstat` on a
descriptor opened non-blocking, so a file swapped for a FIFO in between is
refused too rather than waited on.

Registered by the plugin host (`credflow.file`); this module imports no plugin machinery.
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass

from ..config._checks import MAX_FILE_BYTES
from ..errors import SecretAccessDeniedError, SecretNotFoundError, SecretSourceError
from ._reference import SecretReference
from ._select import select_value
from ._value import SecretValue

__all__ = ["FileSecretSource"]

_MAX_SECRET_FILE_BYTES = MAX_FILE_BYTES  # the same limit as a configuration file

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _refuse_unless_regular(mode: int, path: str, reference: SecretReference) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise SecretSourceError(
        f"secret {reference}: {path} is {kind}, not a regular file; file: secrets are read only "
        "from regular files (a pipe or a device could block or never end)",
        reference=str(reference),
    )


@dataclass(frozen=True, slots=True)
class _FileIdentity:
    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> _FileIdentity:
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


class FileSecretSource:
    """Reads secret files, re-reading only files whose identity changed."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[_FileIdentity, str]] = {}
        self._lock = threading.Lock()

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        path = reference.body
        if not os.path.isabs(path):
            raise SecretSourceError(
                f"secret {reference}: file references need an absolute path (file:/run/secrets/name)",
                reference=str(reference),
            )
        try:
            status = os.stat(path)
            _refuse_unless_regular(status.st_mode, path, reference)
            identity = _FileIdentity.of(status)
            seen = self._seen.get(path)
            if not fresh and seen is not None and seen[0] == identity:
                raw = seen[1]
            else:
                raw = self._read(path, reference)
                with self._lock:
                    self._seen[path] = (identity, raw)
        except FileNotFoundError:
            raise SecretNotFoundError(
                f"secret {reference}: file {path} does not exist", reference=str(reference)
            ) from None
        except PermissionError:
            raise SecretAccessDeniedError(
                f"secret {reference}: no permission to read {path} (running as uid {os.getuid()})",
                reference=str(reference),
            ) from None
        return select_value(raw, reference, where=f"file {path}")

    @staticmethod
    def _read(path: str, reference: SecretReference) -> str:
        # O_NONBLOCK: opening a FIFO swapped in since the stat must not wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(descriptor, "rb", closefd=True) as handle:
            _refuse_unless_regular(os.fstat(descriptor).st_mode, path, reference)
            data = handle.read(_MAX_SECRET_FILE_BYTES + 1)
        if len(data) > _MAX_SECRET_FILE_BYTES:
            raise SecretSourceError(
                f"secret {reference}: file {path} is larger than 1 MiB; is it the right file?",
                reference=str(reference),
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretSourceError(
                f"secret {reference}: file {path} is not UTF-8 text", reference=str(reference)
            ) from None
        # Editors and `echo` add a final newline that is never part of the secret.
        return text.removesuffix("\n").removesuffix("\r")
