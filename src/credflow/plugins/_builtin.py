"""What the built-in plugins serve, known without building a `PluginHost` (and importing pluggy).

A configuration loaded with the built-in plugins alone (no entry points, no `[sources.*]` table,
no plugin object) is checked against these names, and its host is built on first use; a warm
`credflow token` reads an `env:` or `file:` secret with `builtin_secret_source` and never builds
one. tests/config/test_lazy_plugin_host.py pins these names against a host's registrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..secret._source import SecretSource

__all__ = ["BUILTIN_CACHE_BACKENDS", "BUILTIN_SECRET_SCHEMES", "builtin_secret_source"]

#: The secret schemes the built-in sources serve (`credflow.env`, `credflow.file`).
BUILTIN_SECRET_SCHEMES = frozenset({"env", "file"})
#: The token-cache backends built in (`credflow.memory-cache`, `credflow.file-cache`); neither
#: declares settings, so their keys of a `cache` table are taken as given.
BUILTIN_CACHE_BACKENDS = frozenset({"memory", "file"})


def builtin_secret_source(scheme: str) -> SecretSource:
    """A new source for a built-in `scheme` (what the built-in plugins' factories return)."""
    if scheme == "env":
        from ..secret.env import EnvSecretSource

        return EnvSecretSource()
    if scheme == "file":
        from ..secret.file import FileSecretSource

        return FileSecretSource()
    raise ValueError(f"{scheme!r} is not a built-in secret scheme")
