"""File sinks: the current token in a file, for programs in any language (as Vault Agent's sinks).

The file holds the access token alone (no newline). It is replaced
atomically: the token is written to a temporary file in the same directory
(mode 0600 from the start), `fsync`ed, and renamed over the sink, so a reader
sees the old token or the new one, never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import ConfigError

__all__ = ["write_sink"]


def write_sink(path: Path, access_token: str) -> None:
    """Replace the file at `path` with `access_token`, mode 0600; `ConfigError` naming the path on failure."""
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ConfigError(
            f"sinks.file: cannot write in {path.parent} ({exc.strerror}); "
            "create the directory and make it writable by the agent's user"
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(access_token.encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigError(f"sinks.file: cannot replace {path} ({exc.strerror})") from None
